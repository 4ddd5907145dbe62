/*
 * admin/desk.c - the desk's rules as HTML forms that work without
 * JavaScript: sites with their weekly hours and closure days, categories
 * with their quotas, guest passes and the A4 sheet they print on.
 *
 * Like every admin page, each form calls the API's own handler
 * (admin_call), so a rule and its refusals exist once; a refused form is
 * shown again with the API's message and the typed values. The weekly
 * hours are one textarea, a slot a line ("1 09:00 12:00", ISO day then
 * opening and closing), turned into the JSON list PUT /api/sites/:id/
 * horaires takes; the API checks every slot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "timefmt.h"
#include "extern.h"

enum stmt { STMT_PICK_SITES, STMT_PICK_CATS, STMT_PICK_POSTES, STMT__MAX };

static const char *const stmts[STMT__MAX] = {
	[STMT_PICK_SITES] = "SELECT id, nom FROM sites ORDER BY nom LIMIT 200",
	[STMT_PICK_CATS] = "SELECT id, nom FROM categories WHERE actif = 1 "
	    "AND code <> 'invite' ORDER BY id LIMIT 100",
	[STMT_PICK_POSTES] = "SELECT id, nom FROM postes WHERE actif = 1 "
	    "ORDER BY nom LIMIT 500",
};

/*
 * A <select> of the sites (with "none") or the categories, for the
 * postes' and people's forms; current is the selected id (0: none).
 */
void
admin_pick(struct req *r, struct hbuf *h, int sites, long long current)
{
	struct db_res *res = NULL;
	size_t i;

	hb_raw(h, sites ? "<label for=\"site_id\">" :
	    "<label for=\"categorie_id\">");
	hb_text(h, admin_tr(h, sites ? "Site" : "Catégorie"));
	hb_raw(h, sites ? "</label><select id=\"site_id\" name=\"site_id\">"
	    "<option value=\"\">—</option>" : "</label><select "
	    "id=\"categorie_id\" name=\"categorie_id\">");
	if (DB_EXEC0(r->db, stmts, sites ? STMT_PICK_SITES : STMT_PICK_CATS,
	    &res, NULL, NULL) == DB_OK)
		for (i = 0; res != NULL && i < res->nrows; i++) {
			hb_raw(h, "<option value=\"");
			hb_int(h, db_int(res, i, 0));
			hb_raw(h, db_int(res, i, 0) == current ? "\" selected>" :
			    "\">");
			hb_text(h, db_str(res, i, 1));
			hb_raw(h, "</option>");
		}
	db_res_free(res);
	hb_raw(h, "</select>");
}

/*
 * A <select name="poste_id"> of the active postes, for the message and
 * reservation forms, under label (the program's own text); current (a
 * refused form's value, or NULL) is selected.
 */
void
admin_pick_poste(struct req *r, struct hbuf *h, const char *label,
    int required, const char *current)
{
	struct db_res *res = NULL;
	size_t i;

	hb_raw(h, "<label for=\"poste_id\">");
	hb_text(h, admin_tr(h, label));
	hb_raw(h, required ? "</label><select id=\"poste_id\" name=\"poste_id\" "
	    "required>" : "</label><select id=\"poste_id\" name=\"poste_id\">");
	hb_raw(h, "<option value=\"\">—</option>");
	if (DB_EXEC0(r->db, stmts, STMT_PICK_POSTES, &res, NULL, NULL) == DB_OK)
		for (i = 0; res != NULL && i < res->nrows; i++) {
			hb_raw(h, "<option");
			hb_attr(h, "value", db_str(res, i, 0));
			if (current != NULL &&
			    strcmp(current, db_str(res, i, 0)) == 0)
				hb_raw(h, " selected");
			hb_raw(h, ">");
			hb_text(h, db_str(res, i, 1));
			hb_raw(h, "</option>");
		}
	db_res_free(res);
	hb_raw(h, "</select>");
}

/* ------------------------------------------------------------- sites */

static int
sites_page(struct req *r, int status, const char *err, struct json_object *vals)
{
	struct json_object *list = NULL, *rows, *row;
	struct hbuf h = { 0 };
	char href[64], when[ADMIN_DATE_LEN];
	size_t i, n;
	int st;

	if ((st = admin_fetch(r, sites_list, &list)) != 0)
		return st;
	rows = admin_jget(list, "results");
	admin_begin(r, &h, "Sites et horaires", "sites");
	admin_error_box(&h, err);
	admin_table_open(&h, (const char *const []){ "Site", "Adresse",
	    "Postes", "Maintenant", "Actions", NULL });
	n = rows != NULL ? json_object_array_length(rows) : 0;
	for (i = 0; i < n; i++) {
		row = json_object_array_get_idx(rows, i);
		hb_raw(&h, "<tr><td>");
		hb_text(&h, admin_jstr(row, "nom"));
		hb_raw(&h, "</td><td>");
		hb_text(&h, admin_jstr(row, "adresse"));
		hb_raw(&h, "</td><td>");
		hb_int(&h, admin_jint(row, "nb_postes"));
		hb_raw(&h, "</td><td>");
		if (!admin_jtrue(row, "horaires_definis"))
			admin_trf(&h, "Ouvert (pas d'horaires)");
		else if (admin_jtrue(row, "ouvert"))
			admin_trf(&h, "Ouvert, ferme le %s", admin_date(&h,
			    admin_jstr(row, "ferme_a"), when));
		else
			admin_trf(&h, "Fermé");
		hb_raw(&h, "</td><td>");
		snprintf(href, sizeof(href), "/admin/sites/%lld",
		    admin_jint(row, "id"));
		hb_raw(&h, "<a");
		hb_attr(&h, "href", href);
		hb_raw(&h, ">");
		admin_trf(&h, "Horaires");
		hb_raw(&h, "</a></td></tr>");
	}
	hb_raw(&h, "</tbody></table>");
	json_object_put(list);
	if (r->role == ROLE_ADMIN) {
		hb_raw(&h, "<h2 id=\"nouveau\">");
		admin_trf(&h, "Nouveau site");
		hb_raw(&h, "</h2>");
		admin_form_open(r, &h, "/admin/sites", NULL);
		hb_raw(&h, "<fieldset><legend>");
		admin_trf(&h, "Site");
		hb_raw(&h, "</legend>");
		admin_input(&h, "Nom", "nom", "text", admin_jstr(vals, "nom"),
		    "required maxlength=\"128\"");
		admin_input(&h, "Adresse (facultatif)", "adresse", "text",
		    admin_jstr(vals, "adresse"), "maxlength=\"255\"");
		admin_form_end(&h, "Créer le site");
	}
	return admin_end(r, &h, status);
}

int
admin_sites_list(struct req *r)
{
	return admin_show(r, ROLE_AGENT, sites_page);
}

int
admin_sites_create(struct req *r)
{
	static const struct ffield fs[] = {
		{ "nom", FF_STR }, { "adresse", FF_STR },
	};
	char loc[64];
	int st;

	if ((st = admin_enter(r, ROLE_ADMIN)) != 0)
		return st;
	if ((st = admin_call(r, sites_create, admin_form_json(r, fs, 2))) != 201)
		return admin_refused(r, st, sites_page, 1);
	snprintf(loc, sizeof(loc), "/admin/sites/%lld", admin_jint(r->out, "id"));
	return admin_redirect(r, loc, "site_saved");
}

/* The weekly hours as the textarea shows them, one slot a line. */
static void
hours_text(struct hbuf *h, struct json_object *site)
{
	struct json_object *a = admin_jget(site, "horaires"), *s;
	char line[64];
	size_t i, n = a != NULL ? json_object_array_length(a) : 0;

	for (i = 0; i < n; i++) {
		s = json_object_array_get_idx(a, i);
		snprintf(line, sizeof(line), "%lld %s %s\n",
		    admin_jint(s, "jour"), admin_jstr(s, "ouverture"),
		    admin_jstr(s, "fermeture"));
		hb_text(h, line);
	}
}

static int
site_page(struct req *r, int status, const char *err, struct json_object *vals)
{
	struct json_object *site, *a, *f;
	struct hbuf h = { 0 };
	char action[96];
	size_t i, n;
	int st;

	if ((st = admin_fetch(r, sites_get, &site)) != 0)
		return st;
	admin_begin(r, &h, "Horaires d'un site", "sites");
	hb_raw(&h, "<p><strong>");
	hb_text(&h, admin_jstr(site, "nom"));
	hb_raw(&h, "</strong> — ");
	admin_trf(&h, admin_jtrue(site, "ouvert") ? "ouvert maintenant" :
	    "fermé maintenant");
	hb_raw(&h, "</p>");
	admin_error_box(&h, err);
	snprintf(action, sizeof(action), "/admin/sites/%lld/horaires", r->id);
	admin_form_open(r, &h, action, NULL);
	hb_raw(&h, "<fieldset><legend>");
	admin_trf(&h, "Horaires de la semaine");
	hb_raw(&h, "</legend><p>");
	admin_trf(&h, "Un créneau par ligne : le jour (1 = lundi … 7 = "
	    "dimanche), l'ouverture et la fermeture, par exemple <code>1 "
	    "09:00 12:00</code>. Un jour sans créneau est fermé ; sans aucun "
	    "créneau, le site est toujours ouvert.");
	hb_raw(&h, "</p><label for=\"horaires\">");
	admin_trf(&h, "Créneaux");
	hb_raw(&h, "</label><br><textarea id=\"horaires\" name=\"horaires\" "
	    "rows=\"10\" cols=\"30\" maxlength=\"1000\">");
	if (vals != NULL)
		hb_text(&h, admin_jstr(vals, "horaires"));
	else
		hours_text(&h, site);
	hb_raw(&h, "</textarea>");
	if (r->role == ROLE_ADMIN) {
		hb_raw(&h, "<p>");
		admin_button(&h, "Enregistrer les horaires", NULL);
		hb_raw(&h, "</p>");
	}
	hb_raw(&h, "</fieldset></form><h2>");
	admin_trf(&h, "Jours de fermeture");
	hb_raw(&h, "</h2><ul>");
	a = admin_jget(site, "fermetures");
	n = a != NULL ? json_object_array_length(a) : 0;
	for (i = 0; i < n; i++) {
		f = json_object_array_get_idx(a, i);
		hb_raw(&h, "<li>");
		hb_text(&h, admin_jstr(f, "jour"));
		hb_raw(&h, " — ");
		hb_text(&h, admin_jstr(f, "motif"));
		if (r->role == ROLE_ADMIN) {
			snprintf(action, sizeof(action),
			    "/admin/sites/%lld/fermetures/retirer", r->id);
			admin_form_open(r, &h, action, "inline");
			hb_raw(&h, "<input type=\"hidden\" name=\"jour\"");
			hb_attr(&h, "value", admin_jstr(f, "jour"));
			hb_raw(&h, "> ");
			admin_button(&h, "Retirer", "secondary");
			hb_raw(&h, "</form>");
		}
		hb_raw(&h, "</li>");
	}
	hb_raw(&h, "</ul>");
	if (r->role == ROLE_ADMIN) {
		snprintf(action, sizeof(action), "/admin/sites/%lld/fermetures",
		    r->id);
		admin_form_open(r, &h, action, NULL);
		hb_raw(&h, "<fieldset><legend>");
		admin_trf(&h, "Ajouter un jour de fermeture");
		hb_raw(&h, "</legend>");
		admin_input(&h, "Date", "jour", "date", admin_jstr(vals, "jour"),
		    "required");
		admin_input(&h, "Motif", "motif", "text",
		    admin_jstr(vals, "motif"), "maxlength=\"255\"");
		admin_form_end(&h, "Ajouter");
	}
	hb_raw(&h, "<p><a href=\"/admin/sites\">");
	admin_trf(&h, "Retour aux sites");
	hb_raw(&h, "</a></p>");
	json_object_put(site);
	return admin_end(r, &h, status);
}

int
admin_sites_edit(struct req *r)
{
	return admin_show(r, ROLE_AGENT, site_page);
}

/*
 * The textarea as {"horaires":[...]}: each non-empty line is "D HH:MM
 * HH:MM". A line that does not split so is passed as a string slot, for
 * the API to refuse with its own message.
 */
static struct json_object *
hours_json(const char *text)
{
	struct json_object *o = json_object_new_object(), *a, *s;
	char *copy, *line, *save = NULL, o1[16], f1[16], extra[2];
	int jour;

	a = json_object_new_array();
	json_object_object_add(o, "horaires", a);
	if (text == NULL || (copy = strdup(text)) == NULL)
		return o;
	for (line = strtok_r(copy, "\r\n", &save); line != NULL;
	    line = strtok_r(NULL, "\r\n", &save)) {
		if (strspn(line, " \t") == strlen(line))
			continue;
		if (sscanf(line, "%d %15s %15s %1s", &jour, o1, f1, extra) != 3) {
			json_object_array_add(a, json_object_new_string(line));
			continue;
		}
		s = json_object_new_object();
		json_object_object_add(s, "jour", json_object_new_int(jour));
		json_object_object_add(s, "ouverture", json_object_new_string(o1));
		json_object_object_add(s, "fermeture", json_object_new_string(f1));
		json_object_array_add(a, s);
	}
	free(copy);
	return o;
}

int
admin_sites_hours(struct req *r)
{
	char loc[64];
	int st;

	if ((st = admin_enter(r, ROLE_ADMIN)) != 0)
		return st;
	if ((st = admin_call(r, sites_set_hours,
	    hours_json(http_form(r, "horaires")))) != 200)
		return admin_refused(r, st, site_page, 1);
	snprintf(loc, sizeof(loc), "/admin/sites/%lld", r->id);
	return admin_redirect(r, loc, "site_saved");
}

int
admin_sites_closure(struct req *r)
{
	static const struct ffield fs[] = {
		{ "jour", FF_STR }, { "motif", FF_STR },
	};
	char loc[64];
	int st;

	if ((st = admin_enter(r, ROLE_ADMIN)) != 0)
		return st;
	if ((st = admin_call(r, sites_add_closure, admin_form_json(r, fs, 2))) !=
	    201)
		return admin_refused(r, st, site_page, 1);
	snprintf(loc, sizeof(loc), "/admin/sites/%lld", r->id);
	return admin_redirect(r, loc, "site_saved");
}

int
admin_sites_unclose(struct req *r)
{
	static const struct ffield fs[] = { { "jour", FF_STR } };
	char loc[64];
	int st;

	if ((st = admin_enter(r, ROLE_ADMIN)) != 0)
		return st;
	if ((st = admin_call(r, sites_del_closure_body,
	    admin_form_json(r, fs, 1))) != 200)
		return admin_refused(r, st, site_page, 0);
	snprintf(loc, sizeof(loc), "/admin/sites/%lld", r->id);
	return admin_redirect(r, loc, "site_saved");
}

/* -------------------------------------------------------- categories */

/* Seconds as minutes for an input ("" when none). */
static void
minutes_attr(char *buf, size_t sz, struct json_object *row, const char *key)
{
	struct json_object *v = admin_jget(row, key);

	if (v == NULL || json_object_is_type(v, json_type_null))
		buf[0] = '\0';
	else
		snprintf(buf, sz, "%lld", (long long)json_object_get_int64(v) / 60);
}

static int
categories_page(struct req *r, int status, const char *err,
    struct json_object *vals)
{
	struct json_object *list, *rows, *row;
	struct hbuf h = { 0 };
	char action[96], j[24], s[24], d[24];
	size_t i, n;
	int st, admin = r->role == ROLE_ADMIN;

	if ((st = admin_fetch(r, categories_list, &list)) != 0)
		return st;
	rows = admin_jget(list, "results");
	admin_begin(r, &h, "Catégories et quotas", "categories");
	admin_error_box(&h, err);
	hb_raw(&h, "<p>");
	admin_trf(&h, "Durées en minutes ; un quota vide veut dire « aucun ».");
	hb_raw(&h, "</p>");
	n = rows != NULL ? json_object_array_length(rows) : 0;
	for (i = 0; i < n; i++) {
		row = json_object_array_get_idx(rows, i);
		snprintf(action, sizeof(action), "/admin/categories/%lld",
		    admin_jint(row, "id"));
		admin_form_open(r, &h, action, NULL);
		hb_raw(&h, "<fieldset><legend>");
		hb_text(&h, admin_jstr(row, "code"));
		hb_raw(&h, " (");
		admin_trn(&h, admin_jint(row, "nb_utilisateurs"),
		    "%lld personne", "%lld personnes");
		hb_raw(&h, ")</legend>");
		minutes_attr(j, sizeof(j), row, "quota_jour");
		minutes_attr(s, sizeof(s), row, "quota_semaine");
		minutes_attr(d, sizeof(d), row, "duree_defaut");
		admin_input(&h, "Nom", "nom", "text", admin_jstr(row, "nom"),
		    admin ? "required maxlength=\"100\"" : "disabled");
		admin_input(&h, "Quota par jour (min)", "quota_jour", "number",
		    j, admin ? "min=\"1\" max=\"1440\"" : "disabled");
		admin_input(&h, "Quota par semaine (min)", "quota_semaine",
		    "number", s, admin ? "min=\"1\" max=\"10080\"" : "disabled");
		admin_input(&h, "Durée par défaut (min)", "duree_defaut",
		    "number", d, admin ? "min=\"1\" max=\"720\" required" :
		    "disabled");
		if (admin) {
			hb_raw(&h, "<p>");
			admin_button(&h, "Enregistrer", NULL);
			hb_raw(&h, "</p>");
		}
		hb_raw(&h, "</fieldset></form>");
	}
	json_object_put(list);
	if (admin) {
		hb_raw(&h, "<h2 id=\"nouveau\">");
		admin_trf(&h, "Nouvelle catégorie");
		hb_raw(&h, "</h2>");
		admin_form_open(r, &h, "/admin/categories", NULL);
		hb_raw(&h, "<fieldset><legend>");
		admin_trf(&h, "Catégorie");
		hb_raw(&h, "</legend>");
		admin_input(&h, "Code (minuscules, chiffres, _)", "code", "text",
		    admin_jstr(vals, "code"), "required maxlength=\"32\"");
		admin_input(&h, "Nom", "nom", "text", admin_jstr(vals, "nom"),
		    "required maxlength=\"100\"");
		admin_input(&h, "Quota par jour (min)", "quota_jour", "number",
		    admin_jstr(vals, "quota_jour"), "min=\"1\" max=\"1440\"");
		admin_input(&h, "Quota par semaine (min)", "quota_semaine",
		    "number", admin_jstr(vals, "quota_semaine"),
		    "min=\"1\" max=\"10080\"");
		admin_input(&h, "Durée par défaut (min)", "duree_defaut",
		    "number", admin_jstr(vals, "duree_defaut"),
		    "min=\"1\" max=\"720\" required");
		admin_form_end(&h, "Créer la catégorie");
	}
	return admin_end(r, &h, status);
}

int
admin_categories_list(struct req *r)
{
	return admin_show(r, ROLE_AGENT, categories_page);
}

/*
 * The category form as the API's body: minutes become seconds; an empty
 * quota is null (none); what is not a number is passed on as text for
 * the API to refuse.
 */
static struct json_object *
category_json(struct req *r, int with_code)
{
	static const char *const mins[] = { "quota_jour", "quota_semaine",
	    "duree_defaut" };
	struct json_object *o = json_object_new_object();
	const char *s;
	long long v;
	size_t i;

	if (with_code && (s = http_form(r, "code")) != NULL)
		json_object_object_add(o, "code", json_object_new_string(s));
	if ((s = http_form(r, "nom")) != NULL)
		json_object_object_add(o, "nom", json_object_new_string(s));
	for (i = 0; i < 3; i++) {
		if ((s = http_form(r, mins[i])) == NULL)
			continue;
		if (*s == '\0')
			json_object_object_add(o, mins[i], NULL);
		else if (num_parse(s, 0, 1000000, &v) == 0)
			json_object_object_add(o, mins[i],
			    json_object_new_int64(v * 60));
		else
			json_object_object_add(o, mins[i],
			    json_object_new_string(s));
	}
	return o;
}

int
admin_categories_create(struct req *r)
{
	int st;

	if ((st = admin_enter(r, ROLE_ADMIN)) != 0)
		return st;
	if ((st = admin_call(r, categories_create, category_json(r, 1))) != 201)
		return admin_refused(r, st, categories_page, 1);
	return admin_redirect(r, "/admin/categories", "categorie_saved");
}

int
admin_categories_update(struct req *r)
{
	int st;

	if ((st = admin_enter(r, ROLE_ADMIN)) != 0)
		return st;
	if ((st = admin_call(r, categories_update, category_json(r, 0))) != 200)
		return admin_refused(r, st, categories_page, 0);
	return admin_redirect(r, "/admin/categories", "categorie_saved");
}

/* ------------------------------------------------------ guest passes */

static int
invites_page(struct req *r, int status, const char *err,
    struct json_object *vals)
{
	struct json_object *list, *rows, *row;
	struct hbuf h = { 0 };
	char href[64];
	size_t i, n;
	int st;

	if ((st = admin_fetch(r, invites_lots, &list)) != 0)
		return st;
	rows = admin_jget(list, "results");
	admin_begin(r, &h, "Passes invités", "invites");
	admin_error_box(&h, err);
	hb_raw(&h, "<p>");
	admin_trf(&h, "Des codes anonymes pour les visiteurs de passage, "
	    "valables jusqu'à la fin de la journée. Un lot s'imprime sur une "
	    "feuille A4 à découper.");
	hb_raw(&h, "</p>");
	admin_form_open(r, &h, "/admin/invites", NULL);
	hb_raw(&h, "<fieldset><legend>");
	admin_trf(&h, "Créer des passes");
	hb_raw(&h, "</legend>");
	admin_input(&h, "Nombre de passes (1 à 40)", "nombre", "number",
	    vals != NULL ? admin_jstr(vals, "nombre") : "20",
	    "required min=\"1\" max=\"40\"");
	admin_input(&h, "Durée de chaque passe (min)", "duree", "number",
	    vals != NULL ? admin_jstr(vals, "duree") : "30",
	    "required min=\"1\" max=\"720\"");
	admin_form_end(&h, "Créer");
	admin_table_open(&h, (const char *const []){ "Lot", "Passes",
	    "Durée", "Utilisés", "Créé le", NULL });
	n = rows != NULL ? json_object_array_length(rows) : 0;
	for (i = 0; i < n; i++) {
		row = json_object_array_get_idx(rows, i);
		snprintf(href, sizeof(href), "/admin/invites/%lld",
		    admin_jint(row, "id"));
		hb_raw(&h, "<tr><td><a");
		hb_attr(&h, "href", href);
		hb_raw(&h, ">");
		admin_trf(&h, "Lot n° %lld", admin_jint(row, "id"));
		hb_raw(&h, "</a></td><td>");
		hb_int(&h, admin_jint(row, "nombre"));
		hb_raw(&h, "</td><td>");
		admin_duration(&h, admin_jint(row, "duree"));
		hb_raw(&h, "</td><td>");
		hb_int(&h, admin_jint(row, "utilises"));
		hb_raw(&h, "</td><td>");
		admin_when(&h, admin_jstr(row, "created_at"));
		hb_raw(&h, "</td></tr>");
	}
	hb_raw(&h, "</tbody></table>");
	admin_pager(r, &h, list, "/admin/invites", NULL);
	json_object_put(list);
	return admin_end(r, &h, status);
}

int
admin_invites_list(struct req *r)
{
	return admin_show(r, ROLE_AGENT, invites_page);
}

int
admin_invites_create(struct req *r)
{
	struct json_object *in = json_object_new_object();
	const char *s;
	char loc[64];
	long long v;
	int st;

	if ((st = admin_enter(r, ROLE_AGENT)) != 0) {
		json_object_put(in);
		return st;
	}
	if ((s = http_form(r, "nombre")) != NULL)
		json_object_object_add(in, "nombre",
		    num_parse(s, 0, 1000000, &v) == 0 ?
		    json_object_new_int64(v) : json_object_new_string(s));
	if ((s = http_form(r, "duree")) != NULL)
		json_object_object_add(in, "duree",
		    num_parse(s, 0, 1000000, &v) == 0 ?
		    json_object_new_int64(v * 60) : json_object_new_string(s));
	if ((st = admin_call(r, invites_create, in)) != 201)
		return admin_refused(r, st, invites_page, 1);
	snprintf(loc, sizeof(loc), "/admin/invites/%lld",
	    admin_jint(r->out, "id"));
	return admin_redirect(r, loc, "invites_created");
}

/* The sheet: 4 x 10 passes on an A4 page, cut along the dashes. */
int
admin_invites_sheet(struct req *r)
{
	static const char css[] =
	    ".sheet{list-style:none;padding:0;margin:0;display:grid;"
	    "grid-template-columns:repeat(4,1fr)}"
	    ".pass{border:1px dashed #888;padding:2mm 3mm;text-align:center;"
	    "min-height:26mm;break-inside:avoid}.pass p{margin:.5mm 0}"
	    ".t{font-size:8pt}.c{font:700 18pt monospace;letter-spacing:.12em}"
	    "@media print{@page{size:A4;margin:8mm}header,nav,.noprint,"
	    "footer{display:none!important}main{margin:0;padding:0}"
	    ".pass{min-height:27.5mm}}";
	struct json_object *lot, *a, *s;
	struct hbuf h = { 0 };
	char until[16] = "", dur[32];
	long long t;
	size_t i, n;
	int st;

	if ((st = admin_enter(r, ROLE_AGENT)) != 0 ||
	    (st = admin_fetch(r, invites_lot, &lot)) != 0)
		return st;
	if (time_parse_iso(admin_jstr(lot, "valide_jusqu"), &t) == 0)
		http_local_hm(t, until, sizeof(until));
	http_duration(admin_jint(lot, "duree"), dur, sizeof(dur));
	admin_begin(r, &h, "Feuille de passes invités", "invites");
	hb_raw(&h, "<style>");
	hb_raw(&h, css);
	hb_raw(&h, "</style><p class=\"noprint\">");
	admin_trf(&h, "Lot n° %lld : imprimez cette page (Ctrl+P) sur une "
	    "feuille A4, puis découpez.", admin_jint(lot, "id"));
	hb_raw(&h, " <a href=\"/admin/invites\">");
	admin_trf(&h, "Retour");
	hb_raw(&h, "</a></p><ul class=\"sheet\">");
	a = admin_jget(lot, "sessions");
	n = a != NULL ? json_object_array_length(a) : 0;
	for (i = 0; i < n; i++) {
		s = json_object_array_get_idx(a, i);
		hb_raw(&h, "<li class=\"pass\"><p class=\"t\">");
		admin_trf(&h, "Passe invité — Espace public numérique");
		hb_raw(&h, "</p><p class=\"c\">");
		hb_text(&h, admin_jstr(s, "code"));
		hb_raw(&h, "</p><p class=\"t\">");
		admin_trf(&h, "Durée : %s", dur);
		hb_raw(&h, "</p><p class=\"t\">");
		admin_trf(&h, "Valable aujourd'hui jusqu'à %s", until);
		hb_raw(&h, "</p></li>");
	}
	hb_raw(&h, "</ul>");
	json_object_put(lot);
	return admin_end(r, &h, 200);
}
