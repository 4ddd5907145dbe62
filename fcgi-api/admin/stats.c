/*
 * admin/stats.c - /admin/statistiques and /admin/journal, for
 * administrators, without JavaScript.
 *
 * The statistics page shows the API's reports (stats_all) as tables with
 * plain CSS bars and a heatmap, with the API's CSV links; with pas=jour
 * over one month it is the printable monthly report (the print rules hide
 * the header and the forms). The audit page is the API's audit_list with
 * its filters, pages and CSV link.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "extern.h"

static const char *const pas_values[] = { "jour", "semaine", "mois", NULL };
static const char *const pas_labels[] = { "jour", "semaine", "mois", NULL };

/* A number with two decimals: "2,50" in French, "2.50" in English. */
static const char *
dec_s(const struct hbuf *h, double v, char b[32])
{
	char *c;

	snprintf(b, 32, "%.2f", v);
	if (!h->en && (c = strchr(b, '.')) != NULL)
		*c = ',';
	return b;
}

static void
dec(struct hbuf *h, double v)
{
	char b[32];

	hb_raw(h, dec_s(h, v, b));
}

/* A cell with a bar of share (0..1) of the row's width. */
static void
bar(struct hbuf *h, double share)
{
	char b[96];

	snprintf(b, sizeof(b), "<span class=\"bar\" style=\"width:%.0f%%\">"
	    "</span>", share < 0 ? 0 : share > 1 ? 100 : share * 100);
	hb_raw(h, b);
}

/* The CSV link of one report for the range shown. */
static void
csv_link(struct hbuf *h, const char *report, struct json_object *head,
    const char *pas)
{
	char href[192];

	snprintf(href, sizeof(href), "/api/stats/%s?du=%s&au=%s%s%s&format=csv",
	    report, admin_jstr(head, "du"), admin_jstr(head, "au"),
	    pas != NULL ? "&pas=" : "", pas != NULL ? pas : "");
	hb_raw(h, "<p class=\"noprint\"><a");
	hb_attr(h, "href", href);
	hb_raw(h, ">");
	admin_trf(h, "Exporter en CSV");
	hb_raw(h, "</a>");
	admin_trf(h, " (point-virgule, virgule décimale, UTF-8 : pour Excel en "
	    "français)");
	hb_raw(h, "</p>");
}

static double
max_of(struct json_object *rows, const char *key)
{
	double m = 0, v;
	size_t i;

	for (i = 0; rows != NULL && i < json_object_array_length(rows); i++) {
		v = json_object_get_double(json_object_object_get(
		    json_object_array_get_idx(rows, i), key));
		if (v > m)
			m = v;
	}
	return m;
}

/* Name, sessions, hours, people: the categories' and the sites' table. */
static void
breakdown(struct hbuf *h, const char *title, struct json_object *rows,
    const char *first)
{
	struct json_object *row;
	double m = max_of(rows, "heures");
	size_t i;

	hb_raw(h, "<h3>");
	hb_text(h, admin_tr(h, title));
	hb_raw(h, "</h3>");
	admin_table_open(h, (const char *const []){ first, "Sessions",
	    "Heures", "Personnes distinctes", "", NULL });
	for (i = 0; rows != NULL && i < json_object_array_length(rows); i++) {
		row = json_object_array_get_idx(rows, i);
		hb_raw(h, "<tr><td>");
		if (admin_jstr(row, "nom")[0] != '\0')
			hb_text(h, admin_jstr(row, "nom"));
		else
			admin_trf(h, "(sans site)");
		hb_raw(h, "</td><td>");
		hb_int(h, admin_jint(row, "sessions"));
		hb_raw(h, "</td><td>");
		dec(h, json_object_get_double(json_object_object_get(row,
		    "heures")));
		hb_raw(h, "</td><td>");
		hb_int(h, admin_jint(row, "personnes"));
		hb_raw(h, "</td><td class=\"barcell\">");
		bar(h, m > 0 ? json_object_get_double(json_object_object_get(row,
		    "heures")) / m : 0);
		hb_raw(h, "</td></tr>");
	}
	hb_raw(h, "</tbody></table>");
}

int
admin_stats(struct req *r)
{
	static const char *const days[] = { "", "lun.", "mar.", "mer.", "jeu.",
	    "ven.", "sam.", "dim." };
	struct json_object *all = NULL, *a, *rows, *row, *tot;
	struct hbuf h = { 0 };
	const char *pas = http_query(r, "pas");
	char b[128], month[32], hours[32];
	double m;
	size_t i, n;
	int st, d, hr, lo = 24, hi = -1;
	time_t now = time(NULL);
	struct tm tm;

	if ((st = admin_enter(r, ROLE_ADMIN)) != 0)
		return st;
	if ((st = stats_all(r, &all)) != 200)
		return admin_fail_out(r, st);
	if (pas == NULL || *pas == '\0')
		pas = "jour";
	a = admin_jget(all, "activite");
	admin_begin(r, &h, "Statistiques", "stats");
	/* The range form, and this month's report. */
	localtime_r(&now, &tm);
	snprintf(month, sizeof(month), "%04d-%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1);
	hb_raw(&h, "<form method=\"get\" action=\"/admin/statistiques\" "
	    "class=\"noprint\">");
	admin_input(&h, "Du", "du", "date", admin_jstr(a, "du"), "required");
	admin_input(&h, "Au", "au", "date", admin_jstr(a, "au"), "required");
	admin_select(&h, "Par", "pas", pas_values, pas_labels, pas);
	hb_raw(&h, " ");
	admin_button(&h, "Afficher", "secondary");
	hb_raw(&h, "</form><p class=\"noprint\"><a");
	/* Day 0 of next month: this month's last day. */
	tm.tm_mon++;
	tm.tm_mday = 0;
	tm.tm_isdst = -1;
	mktime(&tm);
	snprintf(b, sizeof(b), "/admin/statistiques?du=%s-01&au=%s-%02d&pas=jour",
	    month, month, tm.tm_mday);
	hb_attr(&h, "href", b);
	hb_raw(&h, ">");
	admin_trf(&h, "Rapport du mois en cours (à imprimer)");
	hb_raw(&h, "</a></p>");

	hb_raw(&h, "<section class=\"report\"><h2>");
	admin_trf(&h, "Du %s au %s", admin_jstr(a, "du"), admin_jstr(a, "au"));
	hb_raw(&h, "</h2>");
	tot = admin_jget(a, "total");
	hb_raw(&h, "<p><strong>");
	admin_trn(&h, admin_jint(tot, "sessions"), "%lld session",
	    "%lld sessions");
	admin_trf(&h, ", %s heures d'utilisation, ", dec_s(&h,
	    json_object_get_double(admin_jget(tot, "heures")), hours));
	admin_trn(&h, admin_jint(tot, "personnes"), "%lld personne différente",
	    "%lld personnes différentes");
	hb_raw(&h, "</strong></p>");

	/* Activity. */
	hb_raw(&h, "<h3>");
	admin_trf(&h, "Activité");
	hb_raw(&h, "</h3>");
	csv_link(&h, "activite", a, pas);
	rows = admin_jget(a, "series");
	m = max_of(rows, "sessions");
	admin_table_open(&h, (const char *const []){ "Période", "Sessions",
	    "Heures", "Personnes distinctes", "", NULL });
	n = rows != NULL ? json_object_array_length(rows) : 0;
	for (i = 0; i < n; i++) {
		row = json_object_array_get_idx(rows, i);
		hb_raw(&h, "<tr><td>");
		hb_text(&h, admin_jstr(row, "periode"));
		hb_raw(&h, "</td><td>");
		hb_int(&h, admin_jint(row, "sessions"));
		hb_raw(&h, "</td><td>");
		dec(&h, json_object_get_double(admin_jget(row, "heures")));
		hb_raw(&h, "</td><td>");
		hb_int(&h, admin_jint(row, "personnes"));
		hb_raw(&h, "</td><td class=\"barcell\">");
		bar(&h, m > 0 ? (double)admin_jint(row, "sessions") / m : 0);
		hb_raw(&h, "</td></tr>");
	}
	hb_raw(&h, "</tbody></table>");

	/* Postes. */
	hb_raw(&h, "<h3>");
	admin_trf(&h, "Occupation par poste");
	hb_raw(&h, "</h3>");
	csv_link(&h, "postes", a, NULL);
	rows = admin_jget(admin_jget(all, "postes"), "postes");
	admin_table_open(&h, (const char *const []){ "Poste", "Site",
	    "Sessions", "Heures", "Taux d'occupation (%)", "", NULL });
	n = rows != NULL ? json_object_array_length(rows) : 0;
	for (i = 0; i < n; i++) {
		row = json_object_array_get_idx(rows, i);
		hb_raw(&h, "<tr><td>");
		hb_text(&h, admin_jstr(row, "poste_nom"));
		hb_raw(&h, "</td><td>");
		hb_text(&h, admin_jstr(row, "site_nom"));
		hb_raw(&h, "</td><td>");
		hb_int(&h, admin_jint(row, "sessions"));
		hb_raw(&h, "</td><td>");
		dec(&h, json_object_get_double(admin_jget(row, "heures")));
		hb_raw(&h, "</td><td>");
		dec(&h, json_object_get_double(admin_jget(row, "taux")));
		hb_raw(&h, "</td><td class=\"barcell\">");
		bar(&h, json_object_get_double(admin_jget(row, "taux")) / 100);
		hb_raw(&h, "</td></tr>");
	}
	hb_raw(&h, "</tbody></table>");

	/* Heatmap: the hours that saw use, Monday first. */
	hb_raw(&h, "<h3>");
	admin_trf(&h, "Affluence par jour et par heure (sessions commencées)");
	hb_raw(&h, "</h3>");
	csv_link(&h, "heures", a, NULL);
	rows = admin_jget(admin_jget(all, "heures"), "cellules");
	m = max_of(rows, "sessions");
	n = rows != NULL ? json_object_array_length(rows) : 0;
	for (i = 0; i < n; i++) {
		row = json_object_array_get_idx(rows, i);
		hr = (int)admin_jint(row, "heure");
		if (admin_jint(row, "sessions") > 0) {
			lo = hr < lo ? hr : lo;
			hi = hr > hi ? hr : hi;
		}
	}
	hb_raw(&h, "<table class=\"heat\"><thead><tr><th scope=\"col\">");
	admin_trf(&h, "Jour");
	hb_raw(&h, "</th>");
	for (hr = lo; hr <= hi; hr++) {
		snprintf(b, sizeof(b), "<th scope=\"col\">%dh</th>", hr);
		hb_raw(&h, b);
	}
	hb_raw(&h, "</tr></thead><tbody>");
	for (d = 1; d <= 7; d++) {
		hb_raw(&h, "<tr><th scope=\"row\">");
		hb_text(&h, admin_tr(&h, days[d]));
		hb_raw(&h, "</th>");
		for (hr = lo; hr <= hi; hr++) {
			long long v = admin_jint(json_object_array_get_idx(rows,
			    (size_t)((d - 1) * 24 + hr)), "sessions");

			snprintf(b, sizeof(b), "<td style=\"background:rgba(31,95,"
			    "168,%.2f)\">", m > 0 ? (double)v / m : 0);
			hb_raw(&h, b);
			if (v > 0)
				hb_int(&h, v);
			hb_raw(&h, "</td>");
		}
		hb_raw(&h, "</tr>");
	}
	hb_raw(&h, "</tbody></table>");

	csv_link(&h, "categories", a, NULL);
	breakdown(&h, "Par catégorie", admin_jget(admin_jget(all,
	    "categories"), "categories"), "Catégorie");
	csv_link(&h, "sites", a, NULL);
	breakdown(&h, "Par site", admin_jget(admin_jget(all, "sites"), "sites"),
	    "Site");
	hb_raw(&h, "</section>");
	json_object_put(all);
	return admin_end(r, &h, 200);
}

int
admin_audit(struct req *r)
{
	static const char *const keep[] = { "staff_id", "action", "cible_type",
	    "cible_id", "du", "au", NULL };
	struct json_object *list, *rows, *row;
	struct hbuf h = { 0 };
	char href[512];
	size_t i, n, k, len;
	const char *v;
	int st;

	if ((st = admin_enter(r, ROLE_ADMIN)) != 0 ||
	    (st = admin_fetch(r, audit_list, &list)) != 0)
		return st;
	admin_begin(r, &h, "Journal d'audit", "journal");
	hb_raw(&h, "<form method=\"get\" action=\"/admin/journal\">");
	admin_input(&h, "N° du membre du personnel", "staff_id", "number",
	    http_query(r, "staff_id"), "min=\"1\"");
	admin_input(&h, "Action (ex. session.create)", "action", "text",
	    http_query(r, "action"), "maxlength=\"64\"");
	admin_input(&h, "Objet (ex. utilisateur)", "cible_type", "text",
	    http_query(r, "cible_type"), "maxlength=\"32\"");
	admin_input(&h, "N° de l'objet", "cible_id", "number",
	    http_query(r, "cible_id"), "min=\"1\"");
	admin_input(&h, "Du", "du", "date", http_query(r, "du"), NULL);
	admin_input(&h, "Au", "au", "date", http_query(r, "au"), NULL);
	hb_raw(&h, " ");
	admin_button(&h, "Filtrer", "secondary");
	hb_raw(&h, "</form>");
	/* The same selection as CSV: the filters are the request's own,
	 * re-encoded by the pager's rule (only keys of keep). */
	len = (size_t)snprintf(href, sizeof(href), "/api/audit?format=csv");
	for (k = 0; keep[k] != NULL && len < sizeof(href); k++)
		if ((v = http_query(r, keep[k])) != NULL && *v != '\0' &&
		    strspn(v, "0123456789abcdefghijklmnopqrstuvwxyz._-") ==
		    strlen(v))
			len += (size_t)snprintf(href + len, sizeof(href) - len,
			    "&%s=%s", keep[k], v);
	hb_raw(&h, "<p><a");
	hb_attr(&h, "href", href);
	hb_raw(&h, ">");
	admin_trf(&h, "Exporter la sélection en CSV");
	hb_raw(&h, "</a></p>");
	admin_table_open(&h, (const char *const []){ "Date", "Personnel",
	    "Action", "Objet", "Détail", "Adresse IP", NULL });
	rows = admin_jget(list, "results");
	n = rows != NULL ? json_object_array_length(rows) : 0;
	for (i = 0; i < n; i++) {
		row = json_object_array_get_idx(rows, i);
		hb_raw(&h, "<tr><td>");
		admin_when(&h, admin_jstr(row, "created_at"));
		hb_raw(&h, "</td><td>");
		hb_text(&h, admin_jstr(row, "staff_nom"));
		hb_raw(&h, "</td><td>");
		hb_text(&h, admin_jstr(row, "action"));
		hb_raw(&h, "</td><td>");
		hb_text(&h, admin_jstr(row, "cible_type"));
		if (admin_jint(row, "cible_id") > 0)
			admin_trf(&h, " n° %lld", admin_jint(row, "cible_id"));
		hb_raw(&h, "</td><td>");
		hb_text(&h, admin_jstr(row, "detail"));
		hb_raw(&h, "</td><td>");
		hb_text(&h, admin_jstr(row, "ip"));
		hb_raw(&h, "</td></tr>");
	}
	hb_raw(&h, "</tbody></table>");
	admin_pager(r, &h, list, "/admin/journal", keep);
	json_object_put(list);
	return admin_end(r, &h, 200);
}
