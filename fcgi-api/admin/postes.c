/*
 * admin/postes.c - /admin/postes: the workstations.
 *
 * Every member of staff sees the list and puts a poste in or out of
 * maintenance (poste_set_maintenance, through the API's handler);
 * creating, editing and rotating a token are for administrators, as in
 * the API's route table. A workstation's token exists only in the answer
 * that creates or rotates it (the database keeps its hash), so those two
 * POSTs answer with the page that shows it, once, instead of a redirect:
 * a token must not travel in a cookie or a URL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "extern.h"

/* Labels of poste_etat_names (shared/sess.c), in its order. */
static const char *const etat_labels[] = { "Disponible", "Occupé",
	"Hors ligne", "Maintenance", NULL };
#define etats poste_etat_names

/* The maintenance button of poste id, from its current state. */
static void
maintenance_form(struct req *r, struct hbuf *h, long long id, int on)
{
	char action[96];

	snprintf(action, sizeof(action), "/admin/postes/%lld/maintenance", id);
	admin_form_open(r, h, action, "inline");
	hb_raw(h, on ? "<input type=\"hidden\" name=\"maintenance\" value=\"0\">" :
	    "<input type=\"hidden\" name=\"maintenance\" value=\"1\">");
	admin_button(h, on ? "Remettre en service" : "Mettre en maintenance",
	    "secondary");
	hb_raw(h, "</form>");
}

static int
list_page(struct req *r, int status, const char *err, struct json_object *vals)
{
	static const char *const keep[] = { "etat", NULL };
	struct json_object *list = NULL, *rows, *row;
	struct hbuf h = { 0 };
	char href[64], dur[ADMIN_DUR_LEN], *qerr = NULL;
	size_t i, n;
	int st;

	if ((st = admin_fetch_list(r, postes_list, &list, &qerr,
	    &status)) != 0)
		return st;
	rows = admin_jget(list, "results");
	admin_begin(r, &h, "Postes", "postes");
	admin_error_box(&h, err);
	hb_raw(&h, "<form method=\"get\" action=\"/admin/postes\">");
	admin_filter(&h, "État", "etat", etats, etat_labels, "Tous",
	    http_query(r, "etat"));
	hb_raw(&h, " ");
	admin_button(&h, "Filtrer", "secondary");
	hb_raw(&h, "</form>");
	admin_error_box(&h, qerr);
	free(qerr);
	admin_table_open(&h, (const char *const []){
		"Nom", "Emplacement", "État", "Session en cours",
		"Dernier signal", "Actions", NULL });
	n = rows != NULL ? json_object_array_length(rows) : 0;
	for (i = 0; i < n; i++) {
		row = json_object_array_get_idx(rows, i);
		hb_raw(&h, "<tr><td>");
		hb_text(&h, admin_jstr(row, "nom"));
		hb_raw(&h, "</td><td>");
		hb_text(&h, admin_jstr(row, "emplacement"));
		hb_raw(&h, "</td><td>");
		hb_text(&h, admin_tr(&h, admin_label(etats, etat_labels,
		    admin_jstr(row, "etat"))));
		if (!admin_jtrue(row, "actif"))
			admin_trf(&h, " (désactivé)");
		hb_raw(&h, "</td><td>");
		if (admin_jint(row, "session_id") > 0) {
			hb_text(&h, admin_jstr(row, "utilisateur_prenom"));
			hb_raw(&h, " ");
			hb_text(&h, admin_jstr(row, "utilisateur_nom"));
			admin_trf(&h, " — reste %s", admin_dur(admin_jint(row,
			    "temps_restant"), dur));
		} else
			hb_raw(&h, "—");
		hb_raw(&h, "</td><td>");
		admin_when(&h, admin_jstr(row, "last_seen"));
		hb_raw(&h, "</td><td>");
		maintenance_form(r, &h, admin_jint(row, "id"),
		    strcmp(admin_jstr(row, "etat"), "maintenance") == 0);
		if (r->role == ROLE_ADMIN) {
			snprintf(href, sizeof(href), "/admin/postes/%lld",
			    admin_jint(row, "id"));
			hb_raw(&h, "<a");
			hb_attr(&h, "href", href);
			hb_raw(&h, ">");
			admin_trf(&h, "Modifier");
			hb_raw(&h, "</a>");
		}
		hb_raw(&h, "</td></tr>");
	}
	hb_raw(&h, "</tbody></table>");
	if (list != NULL)
		admin_pager(r, &h, list, "/admin/postes", keep);
	json_object_put(list);

	if (r->role == ROLE_ADMIN) {
		hb_raw(&h, "<h2 id=\"nouveau\">");
		admin_trf(&h, "Nouveau poste");
		hb_raw(&h, "</h2>");
		admin_form_open(r, &h, "/admin/postes", NULL);
		hb_raw(&h, "<fieldset><legend>");
		admin_trf(&h, "Poste");
		hb_raw(&h, "</legend>");
		admin_input(&h, "Nom", "nom", "text", admin_jstr(vals, "nom"),
		    "required maxlength=\"64\"");
		admin_input(&h, "Emplacement (facultatif)", "emplacement",
		    "text", admin_jstr(vals, "emplacement"),
		    "maxlength=\"128\"");
		admin_pick(r, &h, 1, admin_jint(vals, "site_id"));
		admin_form_end(&h, "Créer le poste");
	}
	return admin_end(r, &h, status);
}

int
admin_postes_list(struct req *r)
{
	return admin_show(r, ROLE_AGENT, list_page);
}

/* The page that shows a new token, once (see the file comment). */
static int
token_page(struct req *r, const char *title)
{
	struct json_object *p = json_object_get(r->out);
	struct hbuf h = { 0 };
	char href[64];

	admin_begin(r, &h, title, "postes");
	hb_raw(&h, "<p>");
	admin_trf(&h, "Poste <strong>%s</strong>. Voici son jeton : "
	    "saisissez-le une fois dans la page de verrouillage (<code>/kiosk/"
	    "</code>) de ce poste. <strong>Il ne sera plus jamais affiché"
	    "</strong> ; en cas de perte, générez-en un nouveau.",
	    admin_jstr(p, "nom"));
	hb_raw(&h, "</p><p class=\"token\">");
	hb_text(&h, admin_jstr(p, "token"));
	snprintf(href, sizeof(href), "/admin/postes/%lld", admin_jint(p, "id"));
	hb_raw(&h, "</p><p><a href=\"/admin/postes\">");
	admin_trf(&h, "Retour aux postes");
	hb_raw(&h, "</a> · <a");
	hb_attr(&h, "href", href);
	hb_raw(&h, ">");
	admin_trf(&h, "Modifier ce poste");
	hb_raw(&h, "</a></p>");
	json_object_put(p);
	return admin_end(r, &h, 200);
}

int
admin_postes_create(struct req *r)
{
	static const struct ffield fs[] = {
		{ "nom", FF_STR },
		{ "emplacement", FF_STR },
		{ "site_id", FF_INT },
	};
	int st;

	if ((st = admin_enter(r, ROLE_ADMIN)) != 0)
		return st;
	if ((st = admin_call(r, postes_create, admin_form_json(r, fs, 3))) == 201)
		return token_page(r, "Poste créé");
	return admin_refused(r, st, list_page, 1);
}

static int
edit_page(struct req *r, int status, const char *err, struct json_object *vals)
{
	struct json_object *row;
	struct hbuf h = { 0 };
	char action[96];
	int st;

	if ((st = admin_fetch(r, postes_get, &row)) != 0)
		return st;
	if (vals == NULL)
		vals = row;
	admin_begin(r, &h, "Modifier un poste", "postes");
	hb_raw(&h, "<p>");
	admin_trf(&h, "État : %s", admin_tr(&h, admin_label(etats, etat_labels,
	    admin_jstr(row, "etat"))));
	hb_raw(&h, "</p>");
	admin_error_box(&h, err);
	snprintf(action, sizeof(action), "/admin/postes/%lld", r->id);
	admin_form_open(r, &h, action, NULL);
	hb_raw(&h, "<fieldset><legend>");
	admin_trf(&h, "Poste");
	hb_raw(&h, "</legend>");
	admin_input(&h, "Nom", "nom", "text", admin_jstr(vals, "nom"),
	    "required maxlength=\"64\"");
	admin_input(&h, "Emplacement", "emplacement", "text",
	    admin_jstr(vals, "emplacement"), "maxlength=\"128\"");
	admin_pick(r, &h, 1, admin_jint(vals, "site_id"));
	admin_check(&h, "Poste actif", "actif", admin_jtrue(vals, "actif"));
	hb_raw(&h, "<p>");
	admin_button(&h, "Enregistrer", NULL);
	hb_raw(&h, " <a href=\"/admin/postes\">");
	admin_trf(&h, "Annuler");
	hb_raw(&h, "</a></p></fieldset></form>");
	maintenance_form(r, &h, r->id,
	    strcmp(admin_jstr(row, "etat"), "maintenance") == 0);
	snprintf(action, sizeof(action), "/admin/postes/%lld/jeton", r->id);
	admin_form_open(r, &h, action, "inline");
	admin_button(&h, "Générer un nouveau jeton (l'ancien cesse de "
	    "fonctionner)", "danger");
	hb_raw(&h, "</form>");
	json_object_put(row);
	return admin_end(r, &h, status);
}

int
admin_postes_edit(struct req *r)
{
	return admin_show(r, ROLE_ADMIN, edit_page);
}

int
admin_postes_update(struct req *r)
{
	static const struct ffield fs[] = {
		{ "nom", FF_STR },
		{ "emplacement", FF_STR },
		{ "actif", FF_CHECK },
		{ "site_id", FF_INT },
	};
	int st;

	if ((st = admin_enter(r, ROLE_ADMIN)) != 0)
		return st;
	if ((st = admin_call(r, postes_update, admin_form_json(r, fs, 4))) == 200)
		return admin_redirect(r, "/admin/postes", "poste_updated");
	return admin_refused(r, st, edit_page, 1);
}

int
admin_postes_maintenance(struct req *r)
{
	struct json_object *in;
	const char *v;
	int st, on;

	if ((st = admin_enter(r, ROLE_AGENT)) != 0)
		return st;
	/* The form's hidden field says "1" (on) or "0" (off). */
	v = http_form(r, "maintenance");
	on = v != NULL && strcmp(v, "1") == 0;
	in = json_object_new_object();
	json_object_object_add(in, "maintenance", json_object_new_boolean(on));
	if ((st = admin_call(r, postes_maintenance, in)) == 200)
		return admin_redirect(r, "/admin/postes",
		    on ? "poste_maint_on" : "poste_maint_off");
	return admin_refused(r, st, list_page, 0);
}

int
admin_postes_token(struct req *r)
{
	int st;

	if ((st = admin_enter(r, ROLE_ADMIN)) != 0)
		return st;
	if ((st = admin_call(r, postes_rotate_token, NULL)) != 200)
		return admin_fail_out(r, st);
	return token_page(r, "Nouveau jeton");
}
