/*
 * admin/sessions.c - /admin/sessions: access codes and their time.
 *
 * The list (filter by state), creation for a person with a duration in
 * minutes and a validity in days, and the staff transitions: extend,
 * suspend, end. Every change goes through the API's handlers, which call
 * the state machine of shared/sess.c; nothing here decides a state. A new
 * session leads to its printable ticket: the code in large type, the
 * duration, the validity and the person's name, with print styles that
 * leave only the ticket on paper.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "timefmt.h"
#include "extern.h"

enum stmt {
	STMT_PEOPLE,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	/* Who may receive a session, for the creation form's list. */
	[STMT_PEOPLE] = "SELECT id, nom, prenom FROM utilisateurs "
	    "WHERE actif = 1 ORDER BY nom, prenom, id LIMIT 1000",
};

/* Labels of the names in shared/sess.c, in their order. */
static const char *const statut_labels[] = { "En attente", "Active",
	"Suspendue", "Terminée", NULL };
static const char *const raison_labels[] = { "fermée par l'usager",
	"temps écoulé", "arrêtée par l'accueil", "code expiré",
	"fermeture du site", NULL };
#define statuts sess_statut_names
#define raisons sess_raison_names

#define MINUTES_MAX	(SESS_DUREE_MAX / 60)
#define DAYS_MAX	(SESS_VALIDITE_MAX / 86400)

/* The creation form: a person, minutes, days of validity. */
static void
create_form(struct req *r, struct hbuf *h, const char *err,
    struct json_object *vals)
{
	struct db_res *res = NULL;
	const char *sel;
	size_t i;

	hb_raw(h, "<h2 id=\"nouvelle\">");
	admin_trf(h, "Nouvelle session");
	hb_raw(h, "</h2>");
	admin_error_box(h, err);
	if (DB_EXEC0(r->db, stmts, STMT_PEOPLE, &res, NULL, NULL) != DB_OK) {
		admin_error_box(h, "Liste des utilisateurs indisponible.");
		return;
	}
	sel = vals != NULL ? admin_jstr(vals, "utilisateur_id") :
	    http_query(r, "utilisateur_id");
	admin_form_open(r, h, "/admin/sessions", NULL);
	hb_raw(h, "<fieldset><legend>");
	admin_trf(h, "Session");
	hb_raw(h, "</legend><label for=\"utilisateur_id\">");
	admin_trf(h, "Utilisateur");
	hb_raw(h, "</label><select id=\"utilisateur_id\" "
	    "name=\"utilisateur_id\" required><option value=\"\">");
	admin_trf(h, "— choisir —");
	hb_raw(h, "</option>");
	for (i = 0; res != NULL && i < res->nrows; i++) {
		hb_raw(h, "<option");
		hb_attr(h, "value", db_str(res, i, 0));
		if (sel != NULL && strcmp(sel, db_str(res, i, 0)) == 0)
			hb_raw(h, " selected");
		hb_raw(h, ">");
		hb_text(h, db_str(res, i, 1));
		hb_raw(h, " ");
		hb_text(h, db_str(res, i, 2));
		hb_raw(h, "</option>");
	}
	db_res_free(res);
	hb_raw(h, "</select>");
	admin_input(h, "Durée (minutes)", "minutes", "number",
	    vals != NULL ? admin_jstr(vals, "minutes") : "60",
	    "required min=\"1\" max=\"720\" step=\"1\"");
	admin_input(h, "Code valable pendant (jours)", "jours", "number",
	    vals != NULL ? admin_jstr(vals, "jours") : "30",
	    "required min=\"1\" max=\"90\" step=\"1\"");
	admin_form_end(h, "Créer la session et imprimer le ticket");
}

/* The actions on one session, by state. */
static void
actions(struct req *r, struct hbuf *h, struct json_object *row)
{
	long long id = admin_jint(row, "id");
	const char *st = admin_jstr(row, "statut");
	char action[96];

	snprintf(action, sizeof(action), "/admin/sessions/%lld/ticket", id);
	hb_raw(h, "<a");
	hb_attr(h, "href", action);
	hb_raw(h, ">");
	admin_trf(h, "Ticket");
	hb_raw(h, "</a> ");
	if (strcmp(st, "terminee") == 0)
		return;
	snprintf(action, sizeof(action), "/admin/sessions/%lld/prolonger", id);
	admin_form_open(r, h, action, "inline");
	hb_raw(h, "<label class=\"check\">");
	admin_trf(h, "Ajouter");
	hb_raw(h, " <input type=\"number\" name=\"minutes\" value=\"15\" "
	    "min=\"1\" max=\"720\" style=\"width:5em\"");
	hb_attr(h, "aria-label", admin_tr(h, "Minutes à ajouter"));
	hb_raw(h, "> min</label> ");
	admin_button(h, "Prolonger", "secondary");
	hb_raw(h, "</form>");
	if (strcmp(st, "active") == 0) {
		snprintf(action, sizeof(action),
		    "/admin/sessions/%lld/suspendre", id);
		admin_form_open(r, h, action, "inline");
		admin_button(h, "Suspendre", "secondary");
		hb_raw(h, "</form>");
	}
	snprintf(action, sizeof(action), "/admin/sessions/%lld/terminer", id);
	admin_form_open(r, h, action, "inline");
	admin_button(h, "Terminer", "danger");
	hb_raw(h, "</form>");
}

static int
list_page(struct req *r, int status, const char *err, struct json_object *vals,
    const char *action_err)
{
	static const char *const keep[] = { "statut", "utilisateur_id", "q",
	    NULL };
	struct json_object *list = NULL, *rows, *row;
	struct hbuf h = { 0 };
	char *qerr = NULL, left[ADMIN_DUR_LEN], total[ADMIN_DUR_LEN];
	const char *s;
	size_t i, n;
	int st;

	if ((st = admin_fetch_list(r, sessions_list, &list, &qerr,
	    &status)) != 0)
		return st;
	rows = admin_jget(list, "results");
	admin_begin(r, &h, "Sessions", "sessions");
	admin_error_box(&h, action_err);
	hb_raw(&h, "<form method=\"get\" action=\"/admin/sessions\">");
	admin_filter(&h, "État", "statut", statuts, statut_labels, "Tous",
	    http_query(r, "statut"));
	admin_input(&h, "Code ou nom", "q", "search", http_query(r, "q"),
	    "maxlength=\"100\"");
	hb_raw(&h, " ");
	admin_button(&h, "Filtrer", "secondary");
	hb_raw(&h, " <a href=\"#nouvelle\">");
	admin_trf(&h, "Nouvelle session");
	hb_raw(&h, "</a></form>");
	admin_error_box(&h, qerr);
	free(qerr);
	admin_table_open(&h, (const char *const []){
		"Code", "Utilisateur", "État", "Poste", "Temps restant",
		"Valable jusqu'au", "Actions", NULL });
	n = rows != NULL ? json_object_array_length(rows) : 0;
	for (i = 0; i < n; i++) {
		row = json_object_array_get_idx(rows, i);
		hb_raw(&h, "<tr><td><strong>");
		hb_text(&h, admin_jstr(row, "code"));
		hb_raw(&h, "</strong></td><td>");
		hb_text(&h, admin_jstr(row, "utilisateur_prenom"));
		hb_raw(&h, " ");
		hb_text(&h, admin_jstr(row, "utilisateur_nom"));
		hb_raw(&h, "</td><td>");
		s = admin_jstr(row, "statut");
		hb_text(&h, admin_tr(&h, admin_label(statuts, statut_labels, s)));
		if (*(s = admin_jstr(row, "raison")) != '\0') {
			hb_raw(&h, " (");
			hb_text(&h, admin_tr(&h, admin_label(raisons, raison_labels,
			    s)));
			hb_raw(&h, ")");
		}
		hb_raw(&h, "</td><td>");
		hb_text(&h, admin_jstr(row, "poste_nom"));
		hb_raw(&h, "</td><td>");
		admin_trf(&h, "%s sur %s", admin_dur(admin_jint(row,
		    "temps_restant"), left), admin_dur(admin_jint(row,
		    "duree_totale"), total));
		hb_raw(&h, "</td><td>");
		admin_when(&h, admin_jstr(row, "valide_jusqu"));
		hb_raw(&h, "</td><td>");
		actions(r, &h, row);
		hb_raw(&h, "</td></tr>");
	}
	hb_raw(&h, "</tbody></table>");
	if (list != NULL)
		admin_pager(r, &h, list, "/admin/sessions", keep);
	json_object_put(list);
	create_form(r, &h, err, vals);
	return admin_end(r, &h, status);
}

int
admin_sessions_list(struct req *r)
{
	int st;

	if ((st = admin_enter(r, ROLE_AGENT)) != 0)
		return st;
	return list_page(r, 200, NULL, NULL, NULL);
}

/*
 * A number of the form between 1 and max; 0, or -1 with a message naming
 * the field (its label, never the value). The message is made before its
 * page, so it takes the page's language from the request.
 */
static int
form_number(struct req *r, const char *key, const char *label, long long max,
    long long *out, char *msg, size_t sz)
{
	struct hbuf lang = { .en = admin_lang_en(r) };

	if (num_parse(http_form(r, key), 1, max, out) == 0)
		return 0;
	snprintf(msg, sz, admin_tr(&lang, "Champ « %s » : nombre entier entre "
	    "1 et %lld"), admin_tr(&lang, label), max);
	return -1;
}

int
admin_sessions_create(struct req *r)
{
	static const struct ffield fs[] = {
		{ "utilisateur_id", FF_INT },
	};
	struct json_object *in, *vals;
	char msg[128], until[TIME_ISO_LEN], loc[64], *m = NULL;
	long long minutes, days;
	int st;

	if ((st = admin_enter(r, ROLE_AGENT)) != 0)
		return st;
	if (form_number(r, "minutes", "durée (minutes)", MINUTES_MAX, &minutes,
	    msg, sizeof(msg)) == -1 ||
	    form_number(r, "jours", "valable pendant (jours)", DAYS_MAX, &days,
	    msg, sizeof(msg)) == -1) {
		st = 422;
		goto refused;
	}
	in = admin_form_json(r, fs, 1);
	json_object_object_add(in, "duree", json_object_new_int64(minutes * 60));
	time_iso((long long)time(NULL) + days * 86400, until);
	json_object_object_add(in, "valide_jusqu",
	    json_object_new_string(until));
	if ((st = admin_call(r, sessions_create, in)) == 201) {
		snprintf(loc, sizeof(loc), "/admin/sessions/%lld/ticket",
		    admin_jint(r->out, "id"));
		return admin_redirect(r, loc, "session_created");
	}
	if (st >= 500)
		return admin_fail_out(r, st);
	m = admin_out_message(r);
	/* The API names its own field; the form says "Utilisateur". */
	if (m != NULL && strstr(m, "utilisateur_id") != NULL)
		snprintf(msg, sizeof(msg), "Choisissez un utilisateur actif.");
	else
		snprintf(msg, sizeof(msg), "%s", m != NULL ? m : "Erreur");
refused:
	vals = admin_form_values(r);
	st = list_page(r, st, msg, vals, NULL);
	json_object_put(vals);
	free(m);
	return st;
}

/* After a transition: back to the list, or the list with the refusal. */
static int
transition_end(struct req *r, int st, const char *flash)
{
	char *m;

	if (st == 200)
		return admin_redirect(r, "/admin/sessions", flash);
	if (st == 404 || st >= 500)
		return admin_fail_out(r, st);
	m = admin_out_message(r);
	st = list_page(r, st, NULL, NULL, m);
	free(m);
	return st;
}

int
admin_sessions_extend(struct req *r)
{
	struct json_object *in;
	char msg[128];
	long long minutes;
	int st;

	if ((st = admin_enter(r, ROLE_AGENT)) != 0)
		return st;
	if (form_number(r, "minutes", "minutes à ajouter", MINUTES_MAX,
	    &minutes, msg, sizeof(msg)) == -1)
		return list_page(r, 422, NULL, NULL, msg);
	in = json_object_new_object();
	json_object_object_add(in, "duree", json_object_new_int64(minutes * 60));
	return transition_end(r, admin_call(r, sessions_extend, in),
	    "session_extended");
}

int
admin_sessions_suspend(struct req *r)
{
	int st;

	if ((st = admin_enter(r, ROLE_AGENT)) != 0)
		return st;
	return transition_end(r, admin_call(r, sessions_suspend, NULL),
	    "session_suspended");
}

int
admin_sessions_end(struct req *r)
{
	struct json_object *in;
	int st;

	if ((st = admin_enter(r, ROLE_AGENT)) != 0)
		return st;
	in = json_object_new_object();
	json_object_object_add(in, "raison", json_object_new_string("admin"));
	return transition_end(r, admin_call(r, sessions_terminate, in),
	    "session_ended");
}

/* The printable ticket of session r->id. */
int
admin_sessions_ticket(struct req *r)
{
	struct json_object *s;
	struct hbuf h = { 0 };
	char dur[ADMIN_DUR_LEN], when[ADMIN_DATE_LEN];
	int st;

	if ((st = admin_enter(r, ROLE_AGENT)) != 0 ||
	    (st = admin_fetch(r, sessions_get, &s)) != 0)
		return st;
	admin_begin(r, &h, "Ticket d'accès", "sessions");
	hb_raw(&h, "<div class=\"ticket\"><p>");
	admin_trf(&h, "Espace public numérique");
	hb_raw(&h, "</p><p>");
	admin_trf(&h, "Bonjour <strong>%s %s</strong>",
	    admin_jstr(s, "utilisateur_prenom"), admin_jstr(s, "utilisateur_nom"));
	hb_raw(&h, "</p><p>");
	admin_trf(&h, "Votre code d'accès :");
	hb_raw(&h, "</p><p class=\"code\" aria-label=\"");
	admin_trf(&h, "Code d'accès");
	hb_raw(&h, "\">");
	hb_text(&h, admin_jstr(s, "code"));
	hb_raw(&h, "</p><p>");
	admin_trf(&h, "Durée : <strong>%s</strong>",
	    admin_dur(admin_jint(s, "duree_totale"), dur));
	if (admin_jint(s, "temps_restant") != admin_jint(s, "duree_totale"))
		admin_trf(&h, " (reste %s)",
		    admin_dur(admin_jint(s, "temps_restant"), dur));
	hb_raw(&h, "</p><p>");
	admin_trf(&h, "Valable jusqu'au <strong>%s</strong>",
	    admin_date(&h, admin_jstr(s, "valide_jusqu"), when));
	hb_raw(&h, "</p><p>");
	admin_trf(&h, "Saisissez ce code sur l'écran de verrouillage d'un poste "
	    "libre. Vous pouvez partir avant la fin : le temps restant est "
	    "gardé pour une prochaine fois.");
	hb_raw(&h, "</p></div><p class=\"noprint\">");
	admin_trf(&h, "État : %s. Pour imprimer, utilisez la commande Imprimer "
	    "du navigateur (Ctrl+P) : seul le ticket est imprimé.",
	    admin_tr(&h, admin_label(statuts, statut_labels,
	    admin_jstr(s, "statut"))));
	hb_raw(&h, " <a href=\"/admin/sessions\">");
	admin_trf(&h, "Retour aux sessions");
	hb_raw(&h, "</a></p>");
	json_object_put(s);
	return admin_end(r, &h, 200);
}
