/*
 * admin/reservations.c - /admin/reservations: reserving a poste without
 * JavaScript.
 *
 * The browser's datetime-local fields carry a wall-clock time without a
 * zone; it is read here in the town hall's zone (the process's TZ, see
 * config.c) and handed to the API's handler as an ISO instant, so every
 * rule and refusal is the API's own (shared/resa.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "timefmt.h"
#include "extern.h"

static const char *const statut_labels[][2] = {
	{ "prevue", "prévue" }, { "honoree", "honorée" },
	{ "liberee", "libérée (absence)" }, { "annulee", "annulée" },
};

/* "YYYY-MM-DDTHH:MM" local -> ISO UTC in out; 0, or -1. */
static int
local_to_iso(const char *s, char out[TIME_ISO_LEN])
{
	struct tm tm;
	int y, mo, d, h, mi, n = 0;
	time_t t;

	if (s == NULL || strlen(s) < 16 || sscanf(s, "%4d-%2d-%2dT%2d:%2d%n",
	    &y, &mo, &d, &h, &mi, &n) != 5 || (s[n] != '\0' && s[n] != ':'))
		return -1;
	if (y < 2000 || y > 2199 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h > 23 || mi > 59)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_isdst = -1;
	if ((t = mktime(&tm)) == (time_t)-1)
		return -1;
	time_iso((long long)t, out);
	return 0;
}

static int
list_page(struct req *r, int status, const char *err, struct json_object *vals)
{
	struct json_object *list, *rows, *row;
	struct hbuf h = { 0 };
	char action[96];
	const char *st_s;
	size_t i, k, n;
	int st;

	if ((st = admin_fetch(r, reservations_list, &list)) != 0)
		return st;
	admin_begin(r, &h, "Réservations", "reservations");
	admin_error_box(&h, err);
	hb_raw(&h, "<h2>");
	admin_trf(&h, "Réserver un poste");
	hb_raw(&h, "</h2><p>");
	admin_trf(&h, "Pendant le créneau, seule la personne qui a réservé "
	    "peut ouvrir une session sur ce poste (pour un nom sans "
	    "inscription : un pass invité). Sans elle après le délai prévu, "
	    "le poste est libéré.");
	hb_raw(&h, "</p>");
	admin_form_open(r, &h, "/admin/reservations", NULL);
	hb_raw(&h, "<fieldset><legend>");
	admin_trf(&h, "Créneau");
	hb_raw(&h, "</legend>");
	admin_pick_poste(r, &h, "Poste", 1, admin_jstr(vals, "poste_id"));
	admin_input(&h, "N° de la personne inscrite", "utilisateur_id", "number",
	    admin_jstr(vals, "utilisateur_id"), "min=\"1\"");
	admin_input(&h, "ou nom (sans inscription)", "nom", "text",
	    admin_jstr(vals, "nom"), "maxlength=\"100\"");
	admin_input(&h, "Début", "debut", "datetime-local",
	    admin_jstr(vals, "debut"), "required");
	admin_input(&h, "Fin", "fin", "datetime-local", admin_jstr(vals, "fin"),
	    "required");
	admin_form_end(&h, "Réserver");

	admin_table_open(&h, (const char *const []){ "Poste", "Pour", "Début",
	    "Fin", "État", "", NULL });
	rows = admin_jget(list, "results");
	n = rows != NULL ? json_object_array_length(rows) : 0;
	for (i = 0; i < n; i++) {
		row = json_object_array_get_idx(rows, i);
		hb_raw(&h, "<tr><td>");
		hb_text(&h, admin_jstr(row, "poste_nom"));
		hb_raw(&h, "</td><td>");
		if (admin_jstr(row, "nom_libre")[0] != '\0')
			hb_text(&h, admin_jstr(row, "nom_libre"));
		else {
			hb_text(&h, admin_jstr(row, "utilisateur_prenom"));
			hb_raw(&h, " ");
			hb_text(&h, admin_jstr(row, "utilisateur_nom"));
		}
		hb_raw(&h, "</td><td>");
		admin_when(&h, admin_jstr(row, "debut"));
		hb_raw(&h, "</td><td>");
		admin_when(&h, admin_jstr(row, "fin"));
		hb_raw(&h, "</td><td>");
		st_s = admin_jstr(row, "statut");
		for (k = 0; k < 4; k++)
			if (strcmp(statut_labels[k][0], st_s) == 0)
				hb_text(&h, admin_tr(&h, statut_labels[k][1]));
		hb_raw(&h, "</td><td>");
		if (strcmp(st_s, "prevue") == 0) {
			snprintf(action, sizeof(action),
			    "/admin/reservations/%lld/annuler",
			    admin_jint(row, "id"));
			admin_form_open(r, &h, action, "inline");
			admin_button(&h, "Annuler", "danger");
			hb_raw(&h, "</form>");
		}
		hb_raw(&h, "</td></tr>");
	}
	hb_raw(&h, "</tbody></table>");
	admin_pager(r, &h, list, "/admin/reservations", NULL);
	json_object_put(list);
	return admin_end(r, &h, status);
}

int
admin_reservations_list(struct req *r)
{
	return admin_show(r, ROLE_AGENT, list_page);
}

int
admin_reservations_create(struct req *r)
{
	static const struct ffield fs[] = {
		{ "poste_id", FF_INT }, { "utilisateur_id", FF_INT },
		{ "nom", FF_OPT },
	};
	struct json_object *in;
	char debut[TIME_ISO_LEN], fin[TIME_ISO_LEN];
	int st;

	if ((st = admin_enter(r, ROLE_AGENT)) != 0)
		return st;
	if (local_to_iso(http_form(r, "debut"), debut) == -1 ||
	    local_to_iso(http_form(r, "fin"), fin) == -1) {
		struct json_object *vals = admin_form_values(r);

		st = list_page(r, 422, "Indiquez le début et la fin du créneau "
		    "(jour et heure).", vals);
		json_object_put(vals);
		return st;
	}
	in = admin_form_json(r, fs, 3);
	json_object_object_add(in, "debut", json_object_new_string(debut));
	json_object_object_add(in, "fin", json_object_new_string(fin));
	if ((st = admin_call(r, reservations_create, in)) == 201)
		return admin_redirect(r, "/admin/reservations", "resa_created");
	return admin_refused(r, st, list_page, 1);
}

int
admin_reservations_cancel(struct req *r)
{
	int st;

	if ((st = admin_enter(r, ROLE_AGENT)) != 0)
		return st;
	if ((st = admin_call(r, reservations_cancel, NULL)) == 200)
		return admin_redirect(r, "/admin/reservations", "resa_cancelled");
	return admin_refused(r, st, list_page, 0);
}
