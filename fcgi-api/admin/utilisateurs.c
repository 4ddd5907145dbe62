/*
 * admin/utilisateurs.c - /admin/utilisateurs: the members of the public.
 *
 * Search (?q=, a prefix of nom, prénom or e-mail), creation, edition and
 * deactivation, all through the API's handlers (utilisateurs.c), so the
 * same validation, audit rows and events apply. Deactivating keeps the
 * person and their past sessions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "extern.h"

static const struct ffield fields[] = {
	{ "nom", FF_STR },
	{ "prenom", FF_STR },
	{ "email", FF_NULLSTR },
	{ "telephone", FF_NULLSTR },
	{ "notes", FF_NULLSTR },
	{ "categorie_id", FF_INT },
	{ "actif", FF_CHECK },
};

/* The fields of the person, filled from vals (a row or a form). */
static void
person_fields(struct req *r, struct hbuf *h, struct json_object *vals)
{
	admin_input(h, "Nom", "nom", "text", admin_jstr(vals, "nom"),
	    "required maxlength=\"100\"");
	admin_input(h, "Prénom", "prenom", "text", admin_jstr(vals, "prenom"),
	    "required maxlength=\"100\"");
	admin_input(h, "Adresse électronique (facultatif)", "email", "email",
	    admin_jstr(vals, "email"), "maxlength=\"254\"");
	admin_input(h, "Téléphone (facultatif)", "telephone", "tel",
	    admin_jstr(vals, "telephone"), "maxlength=\"32\"");
	hb_raw(h, "<label for=\"notes\">");
	admin_trf(h, "Notes (facultatif)");
	hb_raw(h, "</label><textarea id=\"notes\" name=\"notes\" rows=\"3\" "
	    "cols=\"50\" maxlength=\"1000\">");
	hb_text(h, admin_jstr(vals, "notes"));
	hb_raw(h, "</textarea>");
	admin_pick(r, h, 0, admin_jint(vals, "categorie_id") > 0 ?
	    admin_jint(vals, "categorie_id") : 1);
}

static int
list_page(struct req *r, int status, const char *err, struct json_object *vals)
{
	static const char *const keep[] = { "q", "actif", NULL };
	struct json_object *list = NULL, *rows, *row;
	struct hbuf h = { 0 };
	char href[96], *qerr = NULL;
	size_t i, n;
	int st;

	/* A refused search is said above an empty list. */
	if ((st = admin_fetch_list(r, utilisateurs_list, &list, &qerr,
	    &status)) != 0)
		return st;
	rows = admin_jget(list, "results");
	admin_begin(r, &h, "Utilisateurs", "utilisateurs");
	hb_raw(&h, "<form method=\"get\" action=\"/admin/utilisateurs\" "
	    "role=\"search\">");
	admin_input(&h, "Rechercher (début du nom, du prénom ou de l'adresse)",
	    "q", "search", http_query(r, "q"), "maxlength=\"100\"");
	hb_raw(&h, " ");
	admin_button(&h, "Rechercher", "secondary");
	hb_raw(&h, " <a href=\"#nouveau\">");
	admin_trf(&h, "Nouvel utilisateur");
	hb_raw(&h, "</a></form>");
	admin_error_box(&h, qerr);
	free(qerr);
	admin_table_open(&h, (const char *const []){
		"Nom", "Prénom", "Adresse", "Téléphone", "État", "Sessions",
		"Actions", NULL });
	n = rows != NULL ? json_object_array_length(rows) : 0;
	for (i = 0; i < n; i++) {
		row = json_object_array_get_idx(rows, i);
		hb_raw(&h, "<tr><td>");
		hb_text(&h, admin_jstr(row, "nom"));
		hb_raw(&h, "</td><td>");
		hb_text(&h, admin_jstr(row, "prenom"));
		hb_raw(&h, "</td><td>");
		hb_text(&h, admin_jstr(row, "email"));
		hb_raw(&h, "</td><td>");
		hb_text(&h, admin_jstr(row, "telephone"));
		hb_raw(&h, "</td><td>");
		admin_trf(&h, admin_jtrue(row, "actif") ? "Actif" : "Désactivé");
		hb_raw(&h, "</td><td>");
		hb_int(&h, admin_jint(row, "nb_sessions"));
		snprintf(href, sizeof(href), "/admin/utilisateurs/%lld",
		    admin_jint(row, "id"));
		hb_raw(&h, "</td><td><a");
		hb_attr(&h, "href", href);
		hb_raw(&h, ">");
		admin_trf(&h, "Modifier");
		hb_raw(&h, "</a>");
		if (admin_jtrue(row, "actif")) {
			snprintf(href, sizeof(href),
			    "/admin/sessions?utilisateur_id=%lld#nouvelle",
			    admin_jint(row, "id"));
			hb_raw(&h, " · <a");
			hb_attr(&h, "href", href);
			hb_raw(&h, ">");
			admin_trf(&h, "Nouvelle session");
			hb_raw(&h, "</a>");
		}
		hb_raw(&h, "</td></tr>");
	}
	hb_raw(&h, "</tbody></table>");
	if (list != NULL)
		admin_pager(r, &h, list, "/admin/utilisateurs", keep);
	json_object_put(list);

	hb_raw(&h, "<h2 id=\"nouveau\">");
	admin_trf(&h, "Nouvel utilisateur");
	hb_raw(&h, "</h2>");
	admin_error_box(&h, err);
	admin_form_open(r, &h, "/admin/utilisateurs", NULL);
	hb_raw(&h, "<fieldset><legend>");
	admin_trf(&h, "Identité");
	hb_raw(&h, "</legend>");
	person_fields(r, &h, vals);
	admin_form_end(&h, "Créer l'utilisateur");
	return admin_end(r, &h, status);
}

int
admin_utilisateurs_list(struct req *r)
{
	return admin_show(r, ROLE_AGENT, list_page);
}

int
admin_utilisateurs_create(struct req *r)
{
	struct json_object *in;
	int st;

	if ((st = admin_enter(r, ROLE_AGENT)) != 0)
		return st;
	/* All fields but actif: a new person is active. */
	in = admin_form_json(r, fields, sizeof(fields) / sizeof(fields[0]) - 1);
	if ((st = admin_call(r, utilisateurs_create, in)) == 201)
		return admin_redirect(r, "/admin/utilisateurs", "user_created");
	return admin_refused(r, st, list_page, 1);
}

static int
edit_page(struct req *r, int status, const char *err, struct json_object *vals)
{
	struct json_object *row;
	struct hbuf h = { 0 };
	char action[96], when[ADMIN_DATE_LEN];
	int st;

	if ((st = admin_fetch(r, utilisateurs_get, &row)) != 0)
		return st;
	if (vals == NULL)
		vals = row;
	admin_begin(r, &h, "Modifier un utilisateur", "utilisateurs");
	admin_error_box(&h, err);
	snprintf(action, sizeof(action), "/admin/utilisateurs/%lld", r->id);
	admin_form_open(r, &h, action, NULL);
	hb_raw(&h, "<fieldset><legend>");
	admin_trf(&h, "Identité");
	hb_raw(&h, "</legend>");
	person_fields(r, &h, vals);
	admin_check(&h, "Actif (peut recevoir des sessions)", "actif",
	    admin_jtrue(vals, "actif"));
	hb_raw(&h, "<p>");
	admin_button(&h, "Enregistrer", NULL);
	hb_raw(&h, " <a href=\"/admin/utilisateurs\">");
	admin_trf(&h, "Annuler");
	hb_raw(&h, "</a></p></fieldset></form>");
	if (admin_jtrue(row, "actif")) {
		snprintf(action, sizeof(action),
		    "/admin/utilisateurs/%lld/desactiver", r->id);
		admin_form_open(r, &h, action, NULL);
		hb_raw(&h, "<p>");
		admin_trf(&h, "Désactiver garde la personne et l'historique "
		    "de ses sessions.");
		hb_raw(&h, "</p>");
		admin_button(&h, "Désactiver l'utilisateur", "danger");
		hb_raw(&h, "</form>");
	}
	admin_rgpd_box(r, &h, r->id);
	hb_raw(&h, "<p>");
	admin_trf(&h, "Sessions : %lld — créé le %s", admin_jint(row,
	    "nb_sessions"), admin_date(&h, admin_jstr(row, "created_at"), when));
	hb_raw(&h, "</p>");
	json_object_put(row);
	return admin_end(r, &h, status);
}

int
admin_utilisateurs_edit(struct req *r)
{
	return admin_show(r, ROLE_AGENT, edit_page);
}

int
admin_utilisateurs_update(struct req *r)
{
	int st;

	if ((st = admin_enter(r, ROLE_AGENT)) != 0)
		return st;
	st = admin_call(r, utilisateurs_update, admin_form_json(r, fields,
	    sizeof(fields) / sizeof(fields[0])));
	if (st == 200)
		return admin_redirect(r, "/admin/utilisateurs", "user_updated");
	return admin_refused(r, st, edit_page, 1);
}

int
admin_utilisateurs_deactivate(struct req *r)
{
	struct json_object *in;
	int st;

	if ((st = admin_enter(r, ROLE_AGENT)) != 0)
		return st;
	in = json_object_new_object();
	json_object_object_add(in, "actif", json_object_new_boolean(0));
	if ((st = admin_call(r, utilisateurs_update, in)) != 200)
		return admin_fail_out(r, st);
	return admin_redirect(r, "/admin/utilisateurs", "user_deactivated");
}
