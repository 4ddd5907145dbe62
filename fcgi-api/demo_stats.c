/*
 * demo_stats.c - `postes-api demo-stats N`: a year of history for the
 * statistics (N ended sessions over the last 365 days), for a look at
 * the charts and for `make bench` (tests/bench/stats-bench.sh, 200,000).
 *
 * It adds, once, two sites with opening hours, one poste per 2,500
 * sessions (4 to 80, "Stats NN": about 2 h of use per poste and open
 * day) and 3,000 people ("Demo Stats", demo-stats-N@example.org) over
 * the three categories, then N sessions in batches of 20,000 rows, each
 * one INSERT ... SELECT over MariaDB's sequence engine. The values come
 * from CRC32 of the row number (reproducible, and each one computed
 * once per row): 10 % guest passes, 30 min to 2 h each, mostly used,
 * started between 8:00 and 18:59 UTC. These rows skip the state machine
 * and write no events: they are history, not live activity. The demo
 * postes and people are inactive (history only): they stay out of the
 * desk's lists and grids, and count in the statistics.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "config.h"
#include "crypto.h"
#include "log.h"
#include "extern.h"

#define DEMO_PEOPLE	3000
#define DEMO_POSTES_MAX	80	/* a year of 200,000 sessions fills 80 */
#define DEMO_BATCH	20000
#define DEMO_MAX	2000000

/* CRC32 of the row number and a salt: a stable pseudo-random integer. */
#define RND(salt, mod) "(CRC32(CONCAT(seq, '" salt "')) % " mod ")"

enum stmt {
	STMT_SITE,
	STMT_SITE_ID,
	STMT_HOURS,
	STMT_POSTE,
	STMT_POSTE_IDS,
	STMT_PEOPLE,
	STMT_PEOPLE_RANGE,
	STMT_SESSIONS,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_SITE] = "INSERT IGNORE INTO sites (nom, adresse) VALUES (?, ?)",
	[STMT_SITE_ID] = "SELECT id FROM sites WHERE nom = ?",
	/* Tuesday to Saturday, 9:00-12:30 and 13:30-18:00 (once). */
	[STMT_HOURS] = "INSERT INTO site_horaires (site_id, jour, ouverture, "
	    "fermeture) SELECT ?, j.seq, h.o, h.f FROM seq_2_to_6 j JOIN "
	    "(SELECT '09:00' AS o, '12:30' AS f UNION ALL SELECT '13:30', "
	    "'18:00') h WHERE NOT EXISTS (SELECT 1 FROM site_horaires x WHERE "
	    "x.site_id = ?)",
	[STMT_POSTE] = "INSERT IGNORE INTO postes (nom, site_id, emplacement, "
	    "token_hash, etat, actif) VALUES (?, ?, ?, ?, 'hors_ligne', 0)",
	[STMT_POSTE_IDS] = "SELECT id FROM postes WHERE nom LIKE 'Stats %' "
	    "ORDER BY id LIMIT ?",
	[STMT_PEOPLE] = "INSERT INTO utilisateurs (nom, prenom, categorie_id, "
	    "email, actif) SELECT 'Demo Stats', CONCAT('Personne ', seq), "
	    "1 + seq % 3, CONCAT('demo-stats-', seq, '@example.org'), 0 "
	    "FROM seq_1_to_3000 "
	    "WHERE NOT EXISTS (SELECT 1 FROM utilisateurs WHERE email = "
	    "'demo-stats-1@example.org')",
	[STMT_PEOPLE_RANGE] = "SELECT MIN(id), MAX(id), COUNT(*) FROM "
	    "utilisateurs WHERE nom = 'Demo Stats' AND email LIKE "
	    "'demo-stats-%@example.org'",
	/* ? = offset, batch size; first person id, people; postes (JSON). */
	[STMT_SESSIONS] = "INSERT INTO sessions (utilisateur_id, categorie_id, "
	    "invite, poste_id, code, statut, raison, duree_totale, "
	    "temps_restant, valide_jusqu, created_at, started_at, ended_at, "
	    "updated_at) SELECT IF(g.guest, NULL, g.uid), IF(g.guest, 3, "
	    "1 + (g.uid - g.u0 + 1) % 3), g.guest, g.pid, 'DEMO00', 'terminee', "
	    "'fermeture_normale', g.duree, g.rest, g.st + INTERVAL 1 DAY, g.st, "
	    "g.st, g.st + INTERVAL (g.duree - g.rest) SECOND, "
	    "g.st + INTERVAL (g.duree - g.rest) SECOND FROM (SELECT ? AS u0, "
	    RND("g", "10") " = 0 AS guest, "
	    "? + " RND("u", "?") " AS uid, "
	    "JSON_VALUE(?, CONCAT('$[', " RND("p", "?") ", ']')) AS pid, "
	    "1800 * (1 + " RND("d", "4") ") AS duree, "
	    "IF(" RND("e", "4") " = 0, 0, 60 * " RND("r", "30") ") AS rest, "
	    "CAST(UTC_DATE() AS DATETIME) - INTERVAL " RND("j", "365") " DAY "
	    "+ INTERVAL 8 + " RND("h", "11") " HOUR + INTERVAL " RND("m", "60")
	    " MINUTE AS st FROM seq_1_to_2000000 WHERE seq > ? AND seq <= ?) g",
};

/* Id of the first column of the first row, or -1. */
static long long
first_id(struct db *db, int idx, const struct db_param *p, size_t np)
{
	struct db_res *res = NULL;
	long long v = -1;

	if (db_exec(db, stmts, idx, p, np, &res, NULL, NULL) == DB_OK &&
	    res != NULL && res->nrows > 0 && !db_isnull(res, 0, 0))
		v = db_int(res, 0, 0);
	db_res_free(res);
	return v;
}

int
demo_stats(struct db *db, const char *count)
{
	static const char *const sites[2][2] = {
		{ "Médiathèque (démo)", "1 place de la Mairie" },
		{ "Maison France services (démo)", "4 rue des Écoles" },
	};
	struct db_res *res = NULL;
	struct json_object *ids;
	char tok[TOKEN_LEN + 1], nom[32];
	unsigned char h[HASH_LEN];
	unsigned long long aff;
	long long n, sid[2], u0, u1, nu, done;
	size_t i, npostes;
	const char *pj;
	int rc = -1;

	if (num_parse(count, 1, DEMO_MAX, &n) == -1) {
		fprintf(stderr, "demo-stats: N from 1 to %d\n", DEMO_MAX);
		return -1;
	}
	for (i = 0; i < 2; i++) {
		if (DB_EXEC(db, stmts, STMT_SITE, NULL, NULL, NULL,
		    DBS(sites[i][0]), DBS(sites[i][1])) != DB_OK ||
		    (sid[i] = first_id(db, STMT_SITE_ID,
		    (struct db_param[]){ DBS(sites[i][0]) }, 1)) < 0 ||
		    DB_EXEC(db, stmts, STMT_HOURS, NULL, NULL, NULL,
		    DBI(sid[i]), DBI(sid[i])) != DB_OK)
			goto db;
	}
	npostes = (size_t)(n / 2500);
	if (npostes < 4)
		npostes = 4;
	if (npostes > DEMO_POSTES_MAX)
		npostes = DEMO_POSTES_MAX;
	for (i = 0; i < npostes; i++) {
		snprintf(nom, sizeof(nom), "Stats %02zu", i + 1);
		token_new(tok);
		token_hash(tok, h);
		if (DB_EXEC(db, stmts, STMT_POSTE, NULL, NULL, NULL, DBS(nom),
		    DBI(sid[i % 2]), DBS(sites[i % 2][0]),
		    DBB(h, HASH_LEN)) != DB_OK)
			goto db;
	}
	if (DB_EXEC(db, stmts, STMT_POSTE_IDS, &res, NULL, NULL,
	    DBI((long long)npostes)) != DB_OK ||
	    res == NULL || res->nrows == 0)
		goto db;
	ids = json_object_new_array();
	for (i = 0; i < res->nrows; i++)
		json_object_array_add(ids, json_object_new_int64(db_int(res, i, 0)));
	npostes = res->nrows;
	db_res_free(res);
	res = NULL;
	if (DB_EXEC0(db, stmts, STMT_PEOPLE, NULL, NULL, NULL) != DB_OK ||
	    DB_EXEC0(db, stmts, STMT_PEOPLE_RANGE, &res, NULL, NULL) != DB_OK ||
	    res == NULL || db_isnull(res, 0, 0)) {
		json_object_put(ids);
		goto db;
	}
	u0 = db_int(res, 0, 0);
	u1 = db_int(res, 0, 1);
	nu = db_int(res, 0, 2);
	db_res_free(res);
	res = NULL;
	if (u1 - u0 + 1 != nu) {
		json_object_put(ids);
		log_err("demo-stats: the demo people's ids are not contiguous");
		return -1;
	}
	pj = json_object_to_json_string(ids);
	for (done = 0; done < n; done += aff) {
		aff = 0;
		if (DB_EXEC(db, stmts, STMT_SESSIONS, NULL, &aff, NULL,
		    DBI(u0), DBI(u0), DBI(nu), DBS(pj), DBI((long long)npostes),
		    DBI(done), DBI(done + (n - done < DEMO_BATCH ? n - done :
		    DEMO_BATCH))) != DB_OK || aff == 0) {
			json_object_put(ids);
			goto db;
		}
	}
	json_object_put(ids);
	printf("%lld sessions added over the last 365 days\n", n);
	rc = 0;
	return rc;
db:
	db_res_free(res);
	log_err("demo-stats: %s", db_errstr(db));
	return -1;
}
