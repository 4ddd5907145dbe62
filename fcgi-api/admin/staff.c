/*
 * admin/staff.c - /admin/staff: staff accounts, for administrators only.
 *
 * The list and the edit form read what GET /api/staff and
 * /api/staff/:id answer; creation and changes go through staff_create()
 * and staff_update(), so the rules (last admin, self lock-out, password
 * length, sessions ended on deactivation) are the API's. Accounts are
 * deactivated, never deleted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "extern.h"

static const char *const roles[] = { "agent", "admin", NULL };
static const char *const role_labels[] = { "Agent d'accueil",
	"Administrateur", NULL };

/* The list and the creation form (vals: the refused form, or NULL). */
static int
list_page(struct req *r, int status, const char *err, struct json_object *vals)
{
	static const char *const keep[] = { NULL };
	struct json_object *list, *rows, *row;
	struct hbuf h = { 0 };
	char href[64];
	size_t i, n;
	int st;

	if ((st = admin_fetch(r, staff_list, &list)) != 0)
		return st;
	rows = admin_jget(list, "results");
	admin_begin(r, &h, "Personnel", "staff");
	admin_table_open(&h, (const char *const []){
		"Identifiant", "Nom", "Rôle", "État", "Créé le", "Actions", NULL });
	n = rows != NULL ? json_object_array_length(rows) : 0;
	for (i = 0; i < n; i++) {
		row = json_object_array_get_idx(rows, i);
		hb_raw(&h, "<tr><td>");
		hb_text(&h, admin_jstr(row, "username"));
		hb_raw(&h, "</td><td>");
		hb_text(&h, admin_jstr(row, "nom"));
		hb_raw(&h, "</td><td>");
		hb_text(&h, admin_tr(&h, admin_label(roles, role_labels,
		    admin_jstr(row, "role"))));
		hb_raw(&h, "</td><td>");
		admin_trf(&h, admin_jtrue(row, "actif") ? "Actif" : "Désactivé");
		hb_raw(&h, "</td><td>");
		admin_when(&h, admin_jstr(row, "created_at"));
		snprintf(href, sizeof(href), "/admin/staff/%lld",
		    admin_jint(row, "id"));
		hb_raw(&h, "</td><td><a");
		hb_attr(&h, "href", href);
		hb_raw(&h, ">");
		admin_trf(&h, "Modifier");
		hb_raw(&h, "</a></td></tr>");
	}
	hb_raw(&h, "</tbody></table>");
	admin_pager(r, &h, list, "/admin/staff", keep);
	json_object_put(list);

	hb_raw(&h, "<h2 id=\"nouveau\">");
	admin_trf(&h, "Nouveau compte");
	hb_raw(&h, "</h2>");
	admin_error_box(&h, err);
	admin_form_open(r, &h, "/admin/staff", NULL);
	hb_raw(&h, "<fieldset><legend>");
	admin_trf(&h, "Compte du personnel");
	hb_raw(&h, "</legend>");
	admin_input(&h, "Identifiant (lettres, chiffres, . _ -)", "username",
	    "text", admin_jstr(vals, "username"),
	    "required minlength=\"2\" maxlength=\"64\" autocomplete=\"off\"");
	admin_input(&h, "Nom affiché", "nom", "text", admin_jstr(vals, "nom"),
	    "required maxlength=\"128\"");
	admin_select(&h, "Rôle", "role", roles, role_labels,
	    admin_jstr(vals, "role"));
	admin_input(&h, "Mot de passe (10 caractères au moins)", "password",
	    "password", NULL, "required minlength=\"10\" maxlength=\"256\" "
	    "autocomplete=\"new-password\"");
	admin_form_end(&h, "Créer le compte");
	return admin_end(r, &h, status);
}

int
admin_staff_list(struct req *r)
{
	return admin_show(r, ROLE_ADMIN, list_page);
}

int
admin_staff_create(struct req *r)
{
	static const struct ffield fs[] = {
		{ "username", FF_STR },
		{ "nom", FF_STR },
		{ "role", FF_STR },
		{ "password", FF_STR },
	};
	int st;

	if ((st = admin_enter(r, ROLE_ADMIN)) != 0)
		return st;
	st = admin_call(r, staff_create, admin_form_json(r, fs, 4));
	if (st == 201)
		return admin_redirect(r, "/admin/staff", "staff_created");
	return admin_refused(r, st, list_page, 1);
}

/* The edit form of account r->id (vals: the refused form, or NULL). */
static int
edit_page(struct req *r, int status, const char *err, struct json_object *vals)
{
	struct json_object *row;
	struct hbuf h = { 0 };
	char action[64];
	int st;

	if ((st = admin_fetch(r, staff_get, &row)) != 0)
		return st;
	if (vals == NULL)
		vals = row;
	admin_begin(r, &h, "Modifier un compte", "staff");
	hb_raw(&h, "<p>");
	admin_trf(&h, "Identifiant : <strong>%s</strong>",
	    admin_jstr(row, "username"));
	hb_raw(&h, "</p>");
	admin_error_box(&h, err);
	snprintf(action, sizeof(action), "/admin/staff/%lld", r->id);
	admin_form_open(r, &h, action, NULL);
	hb_raw(&h, "<fieldset><legend>");
	admin_trf(&h, "Compte");
	hb_raw(&h, "</legend>");
	admin_input(&h, "Nom affiché", "nom", "text", admin_jstr(vals, "nom"),
	    "required maxlength=\"128\"");
	admin_select(&h, "Rôle", "role", roles, role_labels,
	    admin_jstr(vals, "role"));
	admin_check(&h, "Compte actif", "actif", admin_jtrue(vals, "actif"));
	admin_input(&h, "Nouveau mot de passe (laisser vide pour le garder)",
	    "password", "password", NULL, "minlength=\"10\" maxlength=\"256\" "
	    "autocomplete=\"new-password\"");
	hb_raw(&h, "<p>");
	admin_button(&h, "Enregistrer", NULL);
	hb_raw(&h, " <a href=\"/admin/staff\">");
	admin_trf(&h, "Annuler");
	hb_raw(&h, "</a></p></fieldset></form>");
	json_object_put(row);
	return admin_end(r, &h, status);
}

int
admin_staff_edit(struct req *r)
{
	return admin_show(r, ROLE_ADMIN, edit_page);
}

int
admin_staff_update(struct req *r)
{
	static const struct ffield fs[] = {
		{ "nom", FF_STR },
		{ "role", FF_STR },
		{ "actif", FF_CHECK },
		{ "password", FF_OPT },
	};
	int st;

	if ((st = admin_enter(r, ROLE_ADMIN)) != 0)
		return st;
	st = admin_call(r, staff_update, admin_form_json(r, fs, 4));
	if (st == 200)
		return admin_redirect(r, "/admin/staff", "staff_updated");
	return admin_refused(r, st, edit_page, 1);
}
