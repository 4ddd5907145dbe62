/*
 * admin/messages.c - /admin/messages: staff messages without JavaScript.
 *
 * The form posts to the API's own handler (messages_create), so the
 * rules and limits are the same; the list shows each message with its
 * sender and how many postes have acknowledged it, and /admin/messages/:id
 * which ones and when.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "extern.h"

static const char *const cibles[] = { "poste", "site", "staff", NULL };
static const char *const cible_labels[] = { "Un poste",
	"Tous les postes d'un site", "Tous les tableaux de bord", NULL };

static int
list_page(struct req *r, int status, const char *err, struct json_object *vals)
{
	struct json_object *list = NULL, *rows, *row;
	struct hbuf h = { 0 };
	char href[64];
	size_t i, n;
	int st;

	if ((st = admin_fetch(r, messages_list, &list)) != 0)
		return st;
	admin_begin(r, &h, "Messages aux postes", "messages");
	admin_error_box(&h, err);
	hb_raw(&h, "<h2>");
	admin_trf(&h, "Nouveau message");
	hb_raw(&h, "</h2>");
	admin_form_open(r, &h, "/admin/messages", NULL);
	hb_raw(&h, "<fieldset><legend>");
	admin_trf(&h, "Message");
	hb_raw(&h, "</legend>");
	admin_select(&h, "Destinataire", "cible", cibles, cible_labels,
	    vals != NULL ? admin_jstr(vals, "cible") : "poste");
	admin_pick_poste(r, &h, "Poste (si « un poste »)", 0,
	    admin_jstr(vals, "poste_id"));
	admin_input(&h, "N° du site (si « tous les postes d'un site »)",
	    "site_id", "number", admin_jstr(vals, "site_id"), "min=\"1\"");
	hb_raw(&h, "<label for=\"texte\">");
	admin_trf(&h, "Texte (500 caractères au plus)");
	hb_raw(&h, "</label><textarea id=\"texte\" name=\"texte\" rows=\"3\" "
	    "maxlength=\"500\" required>");
	hb_text(&h, admin_jstr(vals, "texte"));
	hb_raw(&h, "</textarea>");
	admin_form_end(&h, "Envoyer");

	admin_table_open(&h, (const char *const []){ "Envoyé", "À", "Texte",
	    "Par", "Lu", "", NULL });
	rows = admin_jget(list, "results");
	n = rows != NULL ? json_object_array_length(rows) : 0;
	for (i = 0; i < n; i++) {
		row = json_object_array_get_idx(rows, i);
		hb_raw(&h, "<tr><td>");
		admin_when(&h, admin_jstr(row, "created_at"));
		hb_raw(&h, "</td><td>");
		if (strcmp(admin_jstr(row, "cible"), "staff") == 0)
			admin_trf(&h, "Annonce au personnel");
		else
			hb_text(&h, admin_jstr(row, strcmp(admin_jstr(row, "cible"),
			    "site") == 0 ? "site_nom" : "poste_nom"));
		hb_raw(&h, "</td><td>");
		hb_text(&h, admin_jstr(row, "texte"));
		hb_raw(&h, "</td><td>");
		hb_text(&h, admin_jstr(row, "staff_nom"));
		hb_raw(&h, "</td><td>");
		if (strcmp(admin_jstr(row, "cible"), "staff") == 0)
			hb_raw(&h, "—");
		else {
			hb_int(&h, admin_jint(row, "postes_acquittes"));
			hb_raw(&h, " / ");
			hb_int(&h, admin_jint(row, "postes_total"));
		}
		hb_raw(&h, "</td><td>");
		snprintf(href, sizeof(href), "/admin/messages/%lld",
		    admin_jint(row, "id"));
		hb_raw(&h, "<a");
		hb_attr(&h, "href", href);
		hb_raw(&h, ">");
		admin_trf(&h, "Détail");
		hb_raw(&h, "</a></td></tr>");
	}
	hb_raw(&h, "</tbody></table>");
	admin_pager(r, &h, list, "/admin/messages", NULL);
	json_object_put(list);
	return admin_end(r, &h, status);
}

int
admin_messages_list(struct req *r)
{
	return admin_show(r, ROLE_AGENT, list_page);
}

int
admin_messages_create(struct req *r)
{
	static const struct ffield fs[] = {
		{ "cible", FF_STR }, { "poste_id", FF_INT }, { "site_id", FF_INT },
		{ "texte", FF_STR },
	};
	struct json_object *in, *v;
	const char *c;
	int st;

	if ((st = admin_enter(r, ROLE_AGENT)) != 0)
		return st;
	in = admin_form_json(r, fs, 4);
	/* The form has both selectors: keep the one the target needs. */
	c = json_object_object_get_ex(in, "cible", &v) ?
	    json_object_get_string(v) : "";
	if (strcmp(c, "poste") != 0)
		json_object_object_del(in, "poste_id");
	if (strcmp(c, "site") != 0)
		json_object_object_del(in, "site_id");
	if ((st = admin_call(r, messages_create, in)) == 201)
		return admin_redirect(r, "/admin/messages", "message_sent");
	return admin_refused(r, st, list_page, 1);
}

int
admin_messages_show(struct req *r)
{
	struct json_object *m, *acks, *a;
	struct hbuf h = { 0 };
	char when[ADMIN_DATE_LEN];
	size_t i, n;
	int st;

	if ((st = admin_enter(r, ROLE_AGENT)) != 0 ||
	    (st = admin_fetch(r, messages_get, &m)) != 0)
		return st;
	admin_begin(r, &h, "Message", "messages");
	hb_raw(&h, "<p><strong>");
	hb_text(&h, admin_jstr(m, "texte"));
	hb_raw(&h, "</strong></p><p>");
	admin_trf(&h, "Envoyé le %s par %s", admin_date(&h,
	    admin_jstr(m, "created_at"), when), admin_jstr(m, "staff_nom"));
	hb_raw(&h, "</p>");
	admin_table_open(&h, (const char *const []){ "Poste", "Lu", NULL });
	acks = admin_jget(m, "acquittements");
	n = acks != NULL ? json_object_array_length(acks) : 0;
	for (i = 0; i < n; i++) {
		a = json_object_array_get_idx(acks, i);
		hb_raw(&h, "<tr><td>");
		hb_text(&h, admin_jstr(a, "poste_nom"));
		hb_raw(&h, "</td><td>");
		if (admin_jstr(a, "acquitte_at")[0] != '\0')
			admin_when(&h, admin_jstr(a, "acquitte_at"));
		else
			admin_trf(&h, "pas encore");
		hb_raw(&h, "</td></tr>");
	}
	hb_raw(&h, "</tbody></table><p><a href=\"/admin/messages\">");
	admin_trf(&h, "Retour aux messages");
	hb_raw(&h, "</a></p>");
	json_object_put(m);
	return admin_end(r, &h, 200);
}
