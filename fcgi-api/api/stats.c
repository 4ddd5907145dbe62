/*
 * api/stats.c - usage statistics over any range of days (the seed's
 * Phase 3): activity by day, week or month, occupancy per poste, a
 * day-of-week x hour heatmap, breakdowns by category and by site.
 *
 *	GET /api/stats/{activite,postes,heures,categories,sites}
 *	    ?du=YYYY-MM-DD&au=YYYY-MM-DD[&pas=jour|semaine|mois][&format=csv]
 *
 * Days, weeks (ISO, from Monday), months and hours are those of the town
 * hall (POSTES_TZ, the process's TZ: see config.c): this file
 * computes the UTC instant of each local midnight with the C library's
 * zone rules (summer time included) and hands the database UTC bounds,
 * so MariaDB needs no time zone tables. The bucket bounds go to the
 * database as one JSON parameter, read as a table (JSON_TABLE, MariaDB
 * 10.6 and later): one statement per report, whatever the step.
 *
 * A session counts in the period in which it started. Time used is
 * duree_totale less what is left (for a running session, less what is
 * left now). Distinct people are registered people: guest passes and
 * anonymised sessions (RGPD) count as sessions and hours, not as people.
 * Speed (make bench: 200,000 sessions): the sessions and hours of ended
 * sessions come from the summaries of 006 (stats_heures by UTC hour and
 * category, stats_postes_jours by UTC day and poste, kept by triggers on
 * sessions); the edges of a range that are not whole UTC days and the
 * running sessions are read raw. Distinct people are counted raw: over
 * the whole range by one probe per person (EXISTS), per bucket, category
 * and site by a pass over the narrow index ix_sessions_personnes. If a
 * range's local midnights are not on UTC hours (a half-hour zone), the
 * raw statements answer, over the covering index ix_sessions_stats (005).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "timefmt.h"
#include "extern.h"

#define STATS_DAYS_MAX	731	/* two years, leap day included */

#define USED "CASE WHEN s.statut = 'active' THEN GREATEST(0, " \
	"CAST(s.duree_totale AS SIGNED) - GREATEST(0, TIMESTAMPDIFF(SECOND, " \
	"UTC_TIMESTAMP(), s.fin_prevue))) ELSE GREATEST(0, " \
	"CAST(s.duree_totale AS SIGNED) - CAST(s.temps_restant AS SIGNED)) END"
#define NBUCKETS	STATS_DAYS_MAX	/* a bucket a day at most */
/* The buckets of a series as a table, k(i, d, f): i from 1, each [d, f)
 * in UTC seconds, from one JSON parameter ("[[d, f], ...]", written by
 * do_activite). Joined to sessions by a range on the start time, each
 * bucket is one range read of the index and the people of a bucket are
 * counted among that bucket's rows: about 130-190 ms on a year of
 * 200,000 sessions, where one pass computing each row's bucket
 * (INTERVAL() over 732 bounds) and counting distinct (bucket, person)
 * pairs over the whole range took 260-440 ms (make bench). */
#define BUCKETS "JSON_TABLE(?, '$[*]' COLUMNS (i FOR ORDINALITY, " \
	"d BIGINT PATH '$[0]', f BIGINT PATH '$[1]')) k JOIN sessions s ON " \
	"s.started_at >= FROM_UNIXTIME(k.d) AND s.started_at < FROM_UNIXTIME(k.f)"
/* MariaDB's hints for one statement, where its optimizer's choice was
 * measured to be slow or unstable (make bench): no per-row lateral
 * derived table (split materialisation, STMT_CATEGORIES_SUM); EXISTS
 * as a subquery, not a semi-join (STMT_TOTAL_PEOPLE). */
#define NO_LATERAL "SET STATEMENT optimizer_switch='split_materialized=off' FOR "
#define NO_SEMIJOIN "SET STATEMENT optimizer_switch='semijoin=off' FOR "
#define RANGE "s.started_at >= FROM_UNIXTIME(?) AND " \
	"s.started_at < FROM_UNIXTIME(?)"

/* Ended sessions per UTC hour, running ones raw: ? = h0, h1, from, to. */
#define HSUM "SELECT h, n, sec FROM stats_heures WHERE h >= ? AND h < ? " \
	"UNION ALL SELECT FLOOR(UNIX_TIMESTAMP(s.started_at) / 3600), 1, " \
	USED " FROM sessions s WHERE s.statut = 'active' AND " RANGE
/* Ended sessions per poste: whole UTC days from the summary, the two
 * partial edges raw, running ones raw. ? = j0, j1, from, e0, e1, to,
 * from, to. */
#define PSUM "SELECT poste_id, n, sec FROM stats_postes_jours WHERE " \
	"j >= ? AND j < ? UNION ALL SELECT COALESCE(s.poste_id, 0), 1, " \
	USED " FROM sessions s WHERE s.statut <> 'active' AND " \
	"((s.started_at >= FROM_UNIXTIME(?) AND s.started_at < " \
	"FROM_UNIXTIME(?)) OR (s.started_at >= FROM_UNIXTIME(?) AND " \
	"s.started_at < FROM_UNIXTIME(?))) UNION ALL SELECT " \
	"COALESCE(s.poste_id, 0), 1, " USED " FROM sessions s WHERE " \
	"s.statut = 'active' AND " RANGE

enum stmt {
	STMT_SERIES,
	STMT_TOTAL,
	STMT_POSTES,
	STMT_OPEN,
	STMT_CLOSED,
	STMT_HOURS,
	STMT_CATEGORIES,
	STMT_SITES,
	STMT_HOURS_SUM,
	STMT_SERIES_PEOPLE,
	STMT_TOTAL_PEOPLE,
	STMT_POSTES_SUM,
	STMT_CATEGORIES_SUM,
	STMT_SITES_SUM,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_SERIES] = "SELECT k.i, COUNT(*), CAST(SUM(" USED ") AS SIGNED), "
	    "COUNT(DISTINCT s.utilisateur_id) FROM " BUCKETS " GROUP BY k.i",
	[STMT_TOTAL] = "SELECT COUNT(*), CAST(COALESCE(SUM(" USED "), 0) AS "
	    "SIGNED), COUNT(DISTINCT s.utilisateur_id) FROM sessions s "
	    "WHERE " RANGE,
	[STMT_POSTES] = "SELECT p.id, p.nom, p.site_id, si.nom, "
	    "COALESCE(a.n, 0), COALESCE(a.sec, 0) FROM postes p "
	    "LEFT JOIN sites si ON si.id = p.site_id LEFT JOIN "
	    "(SELECT s.poste_id, COUNT(*) AS n, CAST(SUM(" USED ") AS SIGNED) "
	    "AS sec FROM sessions s WHERE " RANGE " GROUP BY s.poste_id) a "
	    "ON a.poste_id = p.id WHERE p.actif = 1 OR a.n > 0 ORDER BY p.nom",
	[STMT_OPEN] = "SELECT site_id, jour, CAST(SUM(TIME_TO_SEC(fermeture) - "
	    "TIME_TO_SEC(ouverture)) AS SIGNED) FROM site_horaires "
	    "GROUP BY site_id, jour",
	[STMT_CLOSED] = "SELECT site_id, DATE_FORMAT(jour, '%Y-%m-%d') FROM "
	    "site_fermetures WHERE jour BETWEEN ? AND ?",
	/* By UTC quarter hour: in a zone whose offset is not whole hours
	 * (India, +5:30) a UTC hour holds two local hours; every offset in
	 * use today is whole quarters (Nepal, +5:45). */
	[STMT_HOURS] = "SELECT FLOOR(UNIX_TIMESTAMP(s.started_at) / 900) AS q, "
	    "COUNT(*), CAST(SUM(" USED ") AS SIGNED) FROM sessions s WHERE "
	    RANGE " GROUP BY q",
	[STMT_CATEGORIES] = NO_LATERAL
	    "SELECT c.id, c.code, c.nom, COALESCE(a.n, 0), "
	    "COALESCE(a.sec, 0), COALESCE(a.p, 0) FROM categories c LEFT JOIN "
	    "(SELECT s.categorie_id, COUNT(*) AS n, CAST(SUM(" USED ") AS "
	    "SIGNED) AS sec, COUNT(DISTINCT s.utilisateur_id) AS p FROM "
	    "sessions s WHERE " RANGE " GROUP BY s.categorie_id) a ON "
	    "a.categorie_id = c.id ORDER BY c.id",
	[STMT_SITES] = "SELECT p.site_id, si.nom, COUNT(*), CAST(SUM(" USED
	    ") AS SIGNED), COUNT(DISTINCT s.utilisateur_id) FROM sessions s "
	    "JOIN postes p ON p.id = s.poste_id LEFT JOIN sites si ON "
	    "si.id = p.site_id WHERE " RANGE " GROUP BY p.site_id ORDER BY "
	    "si.nom",
	/* The summaries (006): ended sessions from stats_heures (UTC hours)
	 * (people per site: the distinct (poste, person) pairs first, then
	 * the join to postes on those few rows, not on every session)
	 * or stats_postes_jours (whole UTC days, the edges raw), running
	 * ones raw; distinct people raw over ix_sessions_personnes. */
	[STMT_HOURS_SUM] = "SELECT h, SUM(n), SUM(sec) FROM (" HSUM ") x "
	    "GROUP BY h",
	[STMT_SERIES_PEOPLE] = "SELECT k.i, COUNT(DISTINCT s.utilisateur_id) "
	    "FROM " BUCKETS " GROUP BY k.i",
	/* One index probe per person (ix_sessions_personne), not a pass
	 * over the range: 15-20 ms. As a semi-join the optimizer sometimes
	 * chose, from one execution to the next, to read every session of
	 * the range instead (200-250 ms); as a subquery it cannot. */
	[STMT_TOTAL_PEOPLE] = NO_SEMIJOIN "SELECT 0, 0, COUNT(*) FROM utilisateurs u "
	    "WHERE EXISTS (SELECT 1 FROM sessions s WHERE s.utilisateur_id = "
	    "u.id AND " RANGE ")",
	[STMT_POSTES_SUM] = "SELECT p.id, p.nom, p.site_id, si.nom, "
	    "COALESCE(a.n, 0), COALESCE(a.sec, 0) FROM postes p "
	    "LEFT JOIN sites si ON si.id = p.site_id LEFT JOIN "
	    "(SELECT poste_id, SUM(n) AS n, CAST(SUM(sec) AS SIGNED) AS sec "
	    "FROM (" PSUM ") x GROUP BY poste_id) a "
	    "ON a.poste_id = p.id WHERE p.actif = 1 OR a.n > 0 ORDER BY p.nom",
	/* Without the hint MariaDB computes the people per category as a
	 * lateral table, one lookup per category through
	 * ix_sessions_categorie, which is not covering: a row read for
	 * every session of the range (about 700 ms on a year of 200,000
	 * sessions, make bench), where one pass over the covering
	 * ix_sessions_stats takes about 200 ms. */
	[STMT_CATEGORIES_SUM] = NO_LATERAL
	    "SELECT c.id, c.code, c.nom, COALESCE(a.n, 0), "
	    "COALESCE(a.sec, 0), COALESCE(pe.p, 0) FROM categories c LEFT JOIN "
	    "(SELECT categorie_id, SUM(n) AS n, CAST(SUM(sec) AS SIGNED) AS sec "
	    "FROM (SELECT categorie_id, n, sec FROM stats_heures WHERE h >= ? "
	    "AND h < ? UNION ALL SELECT s.categorie_id, 1, " USED " FROM "
	    "sessions s WHERE s.statut = 'active' AND " RANGE ") x GROUP BY "
	    "categorie_id) a ON a.categorie_id = c.id LEFT JOIN "
	    "(SELECT s.categorie_id, COUNT(DISTINCT s.utilisateur_id) AS p FROM "
	    "sessions s WHERE " RANGE " GROUP BY s.categorie_id) pe ON "
	    "pe.categorie_id = c.id ORDER BY c.id",
	[STMT_SITES_SUM] = "SELECT p.site_id, MIN(si.nom), SUM(a.n), "
	    "CAST(SUM(a.sec) AS SIGNED), MIN(COALESCE(pe.p, 0)) FROM (" PSUM
	    ") a JOIN postes p ON p.id = a.poste_id LEFT JOIN sites si ON "
	    "si.id = p.site_id LEFT JOIN (SELECT p2.site_id, "
	    "COUNT(DISTINCT x.utilisateur_id) AS p FROM (SELECT DISTINCT "
	    "s.poste_id, s.utilisateur_id FROM sessions s WHERE "
	    "s.utilisateur_id IS NOT NULL AND " RANGE ") x JOIN postes p2 ON "
	    "p2.id = x.poste_id GROUP BY p2.site_id) pe "
	    "ON pe.site_id <=> p.site_id GROUP BY p.site_id HAVING SUM(a.n) > 0 "
	    "ORDER BY MIN(si.nom)",
};

enum pas { PAS_JOUR, PAS_SEMAINE, PAS_MOIS };

/* What a report was asked for, with its local bounds in UTC. */
struct range {
	int		 y0, m0, d0, y1, m1, d1;	/* du, au (inclusive) */
	long long	 from, to;	/* UTC: local midnight of du, of au+1 */
	int		 ndays;
	enum pas	 pas;
	int		 csv;
	int		 sum;		/* bounds on UTC hours: the summaries */
	long long	 h0, h1;	/* UTC hours [h0, h1) */
	long long	 j0, j1;	/* whole UTC days [j0, j1) */
	long long	 e0, e1;	/* raw edges [from, e0) and [e1, to) */
};

/* The summaries answer when local midnights fall on UTC hours (every
 * whole-hour zone: France); else (a half-hour zone) the raw statements. */
static void
summary_bounds(struct range *g)
{
	g->sum = g->from % 3600 == 0 && g->to % 3600 == 0;
	g->h0 = g->from / 3600;
	g->h1 = g->to / 3600;
	g->j0 = (g->from + 86399) / 86400;
	g->j1 = g->to / 86400;
	if (g->j1 <= g->j0) {
		g->j0 = g->j1 = 0;
		g->e0 = g->e1 = g->to;
	} else {
		g->e0 = g->j0 * 86400;
		g->e1 = g->j1 * 86400;
	}
}

/* UTC instant of local midnight of y-m-d (d may overflow: mktime
 * normalises it). */
static long long
local_midnight(int y, int m, int d)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	return (long long)mktime(&tm);
}

/* The civil date of y-m-d+k, normalised. */
static void
date_add(int y, int m, int d, int k, int *oy, int *om, int *od, int *wday)
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d + k;
	tm.tm_hour = 12;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	*oy = tm.tm_year + 1900;
	*om = tm.tm_mon + 1;
	*od = tm.tm_mday;
	if (wday != NULL)
		*wday = tm.tm_wday == 0 ? 7 : tm.tm_wday;	/* ISO */
}

/* "YYYY-MM-DD", a real date from 2000 to 2199. 0, or -1. */
static int
parse_date(const char *s, int *y, int *m, int *d)
{
	int ny, nm, nd, i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	*y = atoi(s);
	*m = atoi(s + 5);
	*d = atoi(s + 8);
	if (*y < 2000 || *y > 2199 || *m < 1 || *m > 12 || *d < 1)
		return -1;
	date_add(*y, *m, *d, 0, &ny, &nm, &nd, NULL);
	return ny == *y && nm == *m && nd == *d ? 0 : -1;
}

/* Days from a to b (civil dates). */
static int
days_between(int y0, int m0, int d0, int y1, int m1, int d1)
{
	struct tm a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.tm_year = y0 - 1900;
	a.tm_mon = m0 - 1;
	a.tm_mday = d0;
	b.tm_year = y1 - 1900;
	b.tm_mon = m1 - 1;
	b.tm_mday = d1;
	return (int)((timegm(&b) - timegm(&a)) / 86400);
}

/* Read du, au, pas, format. 0, or the error status. */
static int
read_range(struct req *r, struct range *g, int with_pas)
{
	static const char *const pas[] = { "jour", "semaine", "mois", NULL };
	static const char *const fmts[] = { "json", "csv", NULL };
	static const struct vfield fs[] = {
		{ "du", V_STR, 0, 0, 10, 10, NULL },
		{ "au", V_STR, 0, 0, 10, 10, NULL },
		{ "pas", V_ENUM, 0, 0, 0, 0, pas },
		{ "format", V_ENUM, 0, 0, 0, 0, fmts },
	};
	struct vval v[4];
	struct tm tm;
	time_t now;
	int st;

	if ((st = valid_query(r, fs, 4, v)) != 0)
		return st;
	if (v[2].present && !with_pas)
		return http_error(r, 422, "validation_error",
		    "Champ « pas » : seulement pour /api/stats/activite");
	/* By default the last 30 days, today included. */
	now = time(NULL);
	localtime_r(&now, &tm);
	g->y1 = tm.tm_year + 1900;
	g->m1 = tm.tm_mon + 1;
	g->d1 = tm.tm_mday;
	if (v[1].present && parse_date(v[1].s, &g->y1, &g->m1, &g->d1) == -1)
		return http_error(r, 422, "validation_error",
		    "Champ « au » : date invalide (AAAA-MM-JJ attendu)");
	if (v[0].present) {
		if (parse_date(v[0].s, &g->y0, &g->m0, &g->d0) == -1)
			return http_error(r, 422, "validation_error",
			    "Champ « du » : date invalide (AAAA-MM-JJ attendu)");
	} else
		date_add(g->y1, g->m1, g->d1, -29, &g->y0, &g->m0, &g->d0, NULL);
	g->ndays = days_between(g->y0, g->m0, g->d0, g->y1, g->m1, g->d1) + 1;
	if (g->ndays < 1)
		return http_error(r, 422, "periode_invalide",
		    "La date de fin (au) précède la date de début (du)");
	if (g->ndays > STATS_DAYS_MAX)
		return http_error(r, 422, "periode_trop_longue",
		    "Une période couvre au plus deux ans (731 jours)");
	g->pas = v[2].present ? (enum pas)v[2].i : PAS_JOUR;
	g->csv = v[3].present && v[3].i == 1;
	g->from = local_midnight(g->y0, g->m0, g->d0);
	g->to = local_midnight(g->y1, g->m1, g->d1 + 1);
	summary_bounds(g);
	return 0;
}

/* {"du","au","fuseau",...}: the head every report carries. */
static struct json_object *
head(struct req *r, const struct range *g)
{
	struct json_object *o = json_object_new_object();
	char b[16];

	snprintf(b, sizeof(b), "%04d-%02d-%02d", g->y0, g->m0, g->d0);
	json_object_object_add(o, "du", json_object_new_string(b));
	snprintf(b, sizeof(b), "%04d-%02d-%02d", g->y1, g->m1, g->d1);
	json_object_object_add(o, "au", json_object_new_string(b));
	json_object_object_add(o, "fuseau",
	    json_object_new_string(r->cfg->tz));
	return o;
}

static struct json_object *
hours(long long seconds)
{
	return json_object_new_double((double)(seconds / 36) / 100.0);
}

static char *
file_name(const struct range *g, const char *what, char *buf, size_t sz)
{
	snprintf(buf, sz, "stats-%s-%04d%02d%02d-%04d%02d%02d.csv", what,
	    g->y0, g->m0, g->d0, g->y1, g->m1, g->d1);
	return buf;
}

static int
do_activite(struct req *r, struct range *gp)
{
	static const char *const pas_names[] = { "jour", "semaine", "mois" };
	static const char *const cols[] = { "periode", "sessions", "heures",
	    "personnes", NULL };
	static const char *const heads[] = { "Période", "Sessions", "Heures",
	    "Personnes distinctes", NULL };
	struct range g;
	struct db_res *res = NULL;
	struct json_object *o, *series, *row, *tot;
	long long starts[NBUCKETS], bn[NBUCKETS], bsec[NBUCKETS];
	long long tn = 0, tsec = 0;
	char label[16], fn[64], kj[NBUCKETS * 26 + 4];	/* "[d,f]," each */
	size_t i, n = 0, kl;
	int y, m, d, wd, k, st, by, bm, bd;
	long long start;
	enum db_err e;

	g = *gp;
	memset(bn, 0, sizeof(bn));
	memset(bsec, 0, sizeof(bsec));
	series = json_object_new_array();
	/* The buckets, each clipped to the range, in local days: bucket n
	 * is [starts[n], starts[n + 1]) (the last one ends at g.to), row
	 * n + 1 of the BUCKETS table. */
	for (k = 0; k < g.ndays; ) {
		date_add(g.y0, g.m0, g.d0, k, &by, &bm, &bd, &wd);
		if (g.pas == PAS_JOUR)
			d = 1;
		else if (g.pas == PAS_SEMAINE)
			d = 8 - wd;		/* up to Sunday */
		else {
			date_add(by, bm + 1, 1, 0, &y, &m, &d, NULL);
			d = days_between(by, bm, bd, y, m, 1);
		}
		if (k + d > g.ndays)
			d = g.ndays - k;
		start = local_midnight(by, bm, bd);
		if (g.pas == PAS_MOIS)
			snprintf(label, sizeof(label), "%04d-%02d", by, bm);
		else
			snprintf(label, sizeof(label), "%04d-%02d-%02d", by,
			    bm, bd);
		starts[n] = start;
		row = json_object_new_object();
		json_object_object_add(row, "periode",
		    json_object_new_string(label));
		json_object_object_add(row, "debut",
		    json_object_new_int64(start));
		json_object_object_add(row, "sessions", json_object_new_int64(0));
		json_object_object_add(row, "heures", hours(0));
		json_object_object_add(row, "secondes", json_object_new_int64(0));
		json_object_object_add(row, "personnes", json_object_new_int64(0));
		json_object_array_add(series, row);
		n++;
		k += d;
	}
	kl = 0;
	kj[kl++] = '[';
	for (i = 0; i < n; i++)
		kl += (size_t)snprintf(kj + kl, sizeof(kj) - kl, "%s[%lld,%lld]",
		    i > 0 ? "," : "", starts[i], i + 1 < n ? starts[i + 1] : g.to);
	kj[kl++] = ']';
	kj[kl] = '\0';
	e = DB_EXEC(r->db, stmts, g.sum ? STMT_SERIES_PEOPLE : STMT_SERIES,
	    &res, NULL, NULL, DBS(kj));
	if (e != DB_OK) {
		json_object_put(series);
		return http_db_error(r, e);
	}
	for (i = 0; res != NULL && i < res->nrows; i++) {
		if (db_int(res, i, 0) < 1)
			continue;
		row = json_object_array_get_idx(series,
		    (size_t)db_int(res, i, 0) - 1);
		if (row == NULL)
			continue;
		if (g.sum) {
			json_object_object_add(row, "personnes",
			    json_object_new_int64(db_int(res, i, 1)));
			continue;
		}
		json_object_object_add(row, "sessions",
		    json_object_new_int64(db_int(res, i, 1)));
		json_object_object_add(row, "secondes",
		    json_object_new_int64(db_int(res, i, 2)));
		json_object_object_add(row, "heures", hours(db_int(res, i, 2)));
		json_object_object_add(row, "personnes",
		    json_object_new_int64(db_int(res, i, 3)));
	}
	db_res_free(res);
	res = NULL;
	/* Sessions and hours from the hourly summary, each hour to the
	 * bucket that holds it (binary search over the starts). */
	if (g.sum) {
		if ((e = DB_EXEC(r->db, stmts, STMT_HOURS_SUM, &res, NULL, NULL,
		    DBI(g.h0), DBI(g.h1), DBI(g.from), DBI(g.to))) != DB_OK) {
			json_object_put(series);
			return http_db_error(r, e);
		}
		for (i = 0; res != NULL && i < res->nrows; i++) {
			long long t = db_int(res, i, 0) * 3600;
			size_t lo = 0, hi = n;

			while (hi - lo > 1) {
				size_t mid = (lo + hi) / 2;

				if (starts[mid] <= t)
					lo = mid;
				else
					hi = mid;
			}
			bn[lo] += db_int(res, i, 1);
			bsec[lo] += db_int(res, i, 2);
			tn += db_int(res, i, 1);
			tsec += db_int(res, i, 2);
		}
		db_res_free(res);
		res = NULL;
		for (i = 0; i < n; i++) {
			row = json_object_array_get_idx(series, i);
			json_object_object_add(row, "sessions",
			    json_object_new_int64(bn[i]));
			json_object_object_add(row, "secondes",
			    json_object_new_int64(bsec[i]));
			json_object_object_add(row, "heures", hours(bsec[i]));
		}
	}
	/* ISO times for the wire. */
	for (i = 0; i < n; i++) {
		char t[TIME_ISO_LEN];

		row = json_object_array_get_idx(series, i);
		time_iso(json_object_get_int64(json_object_object_get(row,
		    "debut")), t);
		json_object_object_add(row, "debut", json_object_new_string(t));
	}
	if (g.csv) {
		st = csv_rows(r, series, cols, heads,
		    file_name(&g, "activite", fn, sizeof(fn)));
		json_object_put(series);
		return st;
	}
	if ((e = DB_EXEC(r->db, stmts, g.sum ? STMT_TOTAL_PEOPLE : STMT_TOTAL,
	    &res, NULL, NULL, DBI(g.from), DBI(g.to))) != DB_OK) {
		json_object_put(series);
		return http_db_error(r, e);
	}
	o = head(r, &g);
	json_object_object_add(o, "pas", json_object_new_string(pas_names[g.pas]));
	tot = json_object_new_object();
	if (!g.sum) {
		tn = db_int(res, 0, 0);
		tsec = db_int(res, 0, 1);
	}
	json_object_object_add(tot, "sessions", json_object_new_int64(tn));
	json_object_object_add(tot, "secondes", json_object_new_int64(tsec));
	json_object_object_add(tot, "heures", hours(tsec));
	json_object_object_add(tot, "personnes",
	    json_object_new_int64(db_int(res, 0, 2)));
	db_res_free(res);
	json_object_object_add(o, "total", tot);
	json_object_object_add(o, "series", series);
	return http_json(r, 200, o);
}

#define SITES_MAX 256

/* Opening seconds of each site over the range (24 h a day without
 * hours declared). Inside nothing; 0, or the error status. */
struct open_site {
	long long	 site;
	long long	 jour[8];	/* ISO weekday -> seconds */
	long long	 total;
};

static int
open_seconds(struct req *r, const struct range *g, struct open_site *os,
    size_t *nos)
{
	struct db_res *res = NULL, *cl = NULL;
	char a[16], b[16], day[16];
	size_t i, j;
	int k, y, m, d, wd;
	enum db_err e;

	*nos = 0;
	if ((e = DB_EXEC0(r->db, stmts, STMT_OPEN, &res, NULL, NULL)) != DB_OK)
		return http_db_error(r, e);
	for (i = 0; res != NULL && i < res->nrows; i++) {
		for (j = 0; j < *nos; j++)
			if (os[j].site == db_int(res, i, 0))
				break;
		if (j == *nos) {
			if (*nos == SITES_MAX)
				continue;
			memset(&os[j], 0, sizeof(os[j]));
			os[j].site = db_int(res, i, 0);
			(*nos)++;
		}
		if (db_int(res, i, 1) >= 1 && db_int(res, i, 1) <= 7)
			os[j].jour[db_int(res, i, 1)] = db_int(res, i, 2);
	}
	db_res_free(res);
	snprintf(a, sizeof(a), "%04d-%02d-%02d", g->y0, g->m0, g->d0);
	snprintf(b, sizeof(b), "%04d-%02d-%02d", g->y1, g->m1, g->d1);
	if ((e = DB_EXEC(r->db, stmts, STMT_CLOSED, &cl, NULL, NULL, DBS(a),
	    DBS(b))) != DB_OK)
		return http_db_error(r, e);
	for (k = 0; k < g->ndays; k++) {
		date_add(g->y0, g->m0, g->d0, k, &y, &m, &d, &wd);
		snprintf(day, sizeof(day), "%04d-%02d-%02d", y, m, d);
		for (j = 0; j < *nos; j++) {
			for (i = 0; cl != NULL && i < cl->nrows; i++)
				if (db_int(cl, i, 0) == os[j].site &&
				    strcmp(db_str(cl, i, 1), day) == 0)
					break;
			if (cl == NULL || i == cl->nrows)
				os[j].total += os[j].jour[wd];
		}
	}
	db_res_free(cl);
	return 0;
}

static int
do_postes(struct req *r, struct range *gp)
{
	static const char *const cols[] = { "poste_nom", "site_nom",
	    "sessions", "heures", "taux", NULL };
	static const char *const heads[] = { "Poste", "Site", "Sessions",
	    "Heures", "Taux d'occupation (%)", NULL };
	struct open_site os[SITES_MAX];
	struct range g;
	struct db_res *res = NULL;
	struct json_object *arr, *row, *o;
	size_t nos, i, j;
	long long base, sec;
	char fn[64];
	enum db_err e;
	int st;

	g = *gp;
	if ((st = open_seconds(r, &g, os, &nos)) != 0)
		return st;
	if (g.sum)
		e = DB_EXEC(r->db, stmts, STMT_POSTES_SUM, &res, NULL, NULL,
		    DBI(g.j0), DBI(g.j1), DBI(g.from), DBI(g.e0), DBI(g.e1),
		    DBI(g.to), DBI(g.from), DBI(g.to));
	else
		e = DB_EXEC(r->db, stmts, STMT_POSTES, &res, NULL, NULL,
		    DBI(g.from), DBI(g.to));
	if (e != DB_OK)
		return http_db_error(r, e);
	arr = json_object_new_array();
	for (i = 0; res != NULL && i < res->nrows; i++) {
		row = json_object_new_object();
		sec = db_int(res, i, 5);
		/* A poste without a site is open around the clock. */
		base = (long long)g.ndays * 86400;
		for (j = 0; !db_isnull(res, i, 2) && j < nos; j++)
			if (os[j].site == db_int(res, i, 2))
				base = os[j].total;
		json_object_object_add(row, "poste_id",
		    json_object_new_int64(db_int(res, i, 0)));
		json_object_object_add(row, "poste_nom",
		    json_object_new_string(db_str(res, i, 1)));
		json_object_object_add(row, "site_id", db_isnull(res, i, 2) ?
		    NULL : json_object_new_int64(db_int(res, i, 2)));
		json_object_object_add(row, "site_nom", db_isnull(res, i, 3) ?
		    NULL : json_object_new_string(db_str(res, i, 3)));
		json_object_object_add(row, "sessions",
		    json_object_new_int64(db_int(res, i, 4)));
		json_object_object_add(row, "secondes", json_object_new_int64(sec));
		json_object_object_add(row, "heures", hours(sec));
		json_object_object_add(row, "secondes_ouverture",
		    json_object_new_int64(base));
		json_object_object_add(row, "taux", base > 0 ?
		    json_object_new_double((double)(sec * 10000 / base) / 100.0) :
		    NULL);
		json_object_array_add(arr, row);
	}
	db_res_free(res);
	if (g.csv) {
		st = csv_rows(r, arr, cols, heads,
		    file_name(&g, "postes", fn, sizeof(fn)));
		json_object_put(arr);
		return st;
	}
	o = head(r, &g);
	json_object_object_add(o, "postes", arr);
	return http_json(r, 200, o);
}

static int
do_heures(struct req *r, struct range *gp)
{
	static const char *const cols[] = { "jour", "heure", "sessions",
	    "heures", NULL };
	static const char *const heads[] = { "Jour (1 = lundi)", "Heure",
	    "Sessions commencées", "Heures", NULL };
	long long n[8][24], sec[8][24];
	struct range g;
	struct db_res *res = NULL;
	struct json_object *arr, *row, *o;
	struct tm tm;
	time_t t;
	size_t i;
	int d, h, wd, st;
	char fn[64];
	enum db_err e;

	g = *gp;
	if (g.sum)
		e = DB_EXEC(r->db, stmts, STMT_HOURS_SUM, &res, NULL, NULL,
		    DBI(g.h0), DBI(g.h1), DBI(g.from), DBI(g.to));
	else
		e = DB_EXEC(r->db, stmts, STMT_HOURS, &res, NULL, NULL,
		    DBI(g.from), DBI(g.to));
	if (e != DB_OK)
		return http_db_error(r, e);
	memset(n, 0, sizeof(n));
	memset(sec, 0, sizeof(sec));
	/* Each UTC hour (the summaries) or quarter hour (STMT_HOURS) to its
	 * local weekday and hour. */
	for (i = 0; res != NULL && i < res->nrows; i++) {
		t = (time_t)(db_int(res, i, 0) * (g.sum ? 3600 : 900));
		localtime_r(&t, &tm);
		wd = tm.tm_wday == 0 ? 7 : tm.tm_wday;
		n[wd][tm.tm_hour] += db_int(res, i, 1);
		sec[wd][tm.tm_hour] += db_int(res, i, 2);
	}
	db_res_free(res);
	arr = json_object_new_array();
	for (d = 1; d <= 7; d++)
		for (h = 0; h < 24; h++) {
			row = json_object_new_object();
			json_object_object_add(row, "jour", json_object_new_int(d));
			json_object_object_add(row, "heure", json_object_new_int(h));
			json_object_object_add(row, "sessions",
			    json_object_new_int64(n[d][h]));
			json_object_object_add(row, "secondes",
			    json_object_new_int64(sec[d][h]));
			json_object_object_add(row, "heures", hours(sec[d][h]));
			json_object_array_add(arr, row);
		}
	if (g.csv) {
		st = csv_rows(r, arr, cols, heads,
		    file_name(&g, "heures", fn, sizeof(fn)));
		json_object_put(arr);
		return st;
	}
	o = head(r, &g);
	json_object_object_add(o, "cellules", arr);
	return http_json(r, 200, o);
}

/* Categories and sites share a shape: id, name, sessions, hours, people. */
static int
breakdown(struct req *r, struct range *gp, int idx, const char *key,
    const char *idname, const char *namename)
{
	static const char *const ccols[] = { "nom", "sessions", "heures",
	    "personnes", NULL };
	static const char *const cheads[] = { "Catégorie", "Sessions",
	    "Heures", "Personnes distinctes", NULL };
	static const char *const scols[] = { "nom", "sessions", "heures",
	    "personnes", NULL };
	static const char *const sheads[] = { "Site", "Sessions", "Heures",
	    "Personnes distinctes", NULL };
	struct range g;
	struct db_res *res = NULL;
	struct json_object *arr, *row, *o;
	size_t i, c;
	char fn[64];
	enum db_err e;
	int st, cat = idx == STMT_CATEGORIES;

	g = *gp;
	if (!g.sum)
		e = DB_EXEC(r->db, stmts, idx, &res, NULL, NULL, DBI(g.from),
		    DBI(g.to));
	else if (cat)
		e = DB_EXEC(r->db, stmts, STMT_CATEGORIES_SUM, &res, NULL, NULL,
		    DBI(g.h0), DBI(g.h1), DBI(g.from), DBI(g.to), DBI(g.from),
		    DBI(g.to));
	else
		e = DB_EXEC(r->db, stmts, STMT_SITES_SUM, &res, NULL, NULL,
		    DBI(g.j0), DBI(g.j1), DBI(g.from), DBI(g.e0), DBI(g.e1),
		    DBI(g.to), DBI(g.from), DBI(g.to), DBI(g.from), DBI(g.to));
	if (e != DB_OK)
		return http_db_error(r, e);
	arr = json_object_new_array();
	for (i = 0; res != NULL && i < res->nrows; i++) {
		c = cat ? 1 : 0;	/* categories carry a code first */
		row = json_object_new_object();
		json_object_object_add(row, idname, db_isnull(res, i, 0) ? NULL :
		    json_object_new_int64(db_int(res, i, 0)));
		if (cat)
			json_object_object_add(row, "code",
			    json_object_new_string(db_str(res, i, 1)));
		json_object_object_add(row, namename, db_isnull(res, i, 1 + c) ?
		    NULL : json_object_new_string(db_str(res, i, 1 + c)));
		json_object_object_add(row, "sessions",
		    json_object_new_int64(db_int(res, i, 2 + c)));
		json_object_object_add(row, "secondes",
		    json_object_new_int64(db_int(res, i, 3 + c)));
		json_object_object_add(row, "heures", hours(db_int(res, i, 3 + c)));
		json_object_object_add(row, "personnes",
		    json_object_new_int64(db_int(res, i, 4 + c)));
		json_object_array_add(arr, row);
	}
	db_res_free(res);
	if (g.csv) {
		st = csv_rows(r, arr, cat ? ccols : scols, cat ? cheads : sheads,
		    file_name(&g, key, fn, sizeof(fn)));
		json_object_put(arr);
		return st;
	}
	o = head(r, &g);
	json_object_object_add(o, key, arr);
	return http_json(r, 200, o);
}

static int
do_categories(struct req *r, struct range *g)
{
	return breakdown(r, g, STMT_CATEGORIES, "categories", "categorie_id",
	    "nom");
}

static int
do_sites(struct req *r, struct range *g)
{
	return breakdown(r, g, STMT_SITES, "sites", "site_id", "nom");
}

/* The API's handlers: read the range, run the report. */
#define HANDLER(name, with_pas)						\
int									\
stats_##name(struct req *r)						\
{									\
	struct range g;							\
	int st;								\
									\
	if ((st = read_range(r, &g, with_pas)) != 0)			\
		return st;						\
	return do_##name(r, &g);					\
}
HANDLER(activite, 1)
HANDLER(postes, 0)
HANDLER(heures, 0)
HANDLER(categories, 0)
HANDLER(sites, 0)

int
stats_all(struct req *r, struct json_object **out)
{
	static const struct {
		const char	*key;
		int		(*fn)(struct req *, struct range *);
	} reports[] = {
		{ "activite", do_activite }, { "postes", do_postes },
		{ "heures", do_heures }, { "categories", do_categories },
		{ "sites", do_sites },
	};
	struct range g;
	size_t i;
	int st;

	*out = NULL;
	if ((st = read_range(r, &g, 1)) != 0)
		return st;
	g.csv = 0;
	*out = json_object_new_object();
	for (i = 0; i < sizeof(reports) / sizeof(reports[0]); i++) {
		if ((st = reports[i].fn(r, &g)) != 200) {
			json_object_put(*out);
			*out = NULL;
			return st;
		}
		json_object_object_add(*out, reports[i].key,
		    json_object_get(r->out));
	}
	return 200;
}

int
stats_day_bound(const char *s, int next, long long *t)
{
	int y, m, d;

	if (parse_date(s, &y, &m, &d) == -1)
		return -1;
	*t = local_midnight(y, m, d + (next ? 1 : 0));
	return 0;
}
