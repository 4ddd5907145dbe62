/*
 * rules.c - opening hours and allowances read from the database (see
 * rules.h). Each function reads; the callers hold the locks.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "hours.h"
#include "rules.h"

#define HOURS_MAX	64	/* weekly slots read per site */

/* What a session counts toward its person's allowance (rules.h). */
#define COUNTED "IF(s.statut = 'terminee', GREATEST(0, " \
	"CAST(s.duree_totale AS SIGNED) - CAST(s.temps_restant AS SIGNED)), " \
	"s.duree_totale)"

enum stmt {
	STMT_NOW,
	STMT_SITE,
	STMT_SLOTS,
	STMT_CLOSED,
	STMT_CAT,
	STMT_USED,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_NOW] = "SELECT UNIX_TIMESTAMP(UTC_TIMESTAMP())",
	[STMT_SITE] = "SELECT actif FROM sites WHERE id = ?",
	[STMT_SLOTS] = "SELECT jour, TIME_TO_SEC(ouverture), "
	    "TIME_TO_SEC(fermeture) FROM site_horaires WHERE site_id = ? "
	    "ORDER BY jour, ouverture LIMIT 64",
	[STMT_CLOSED] = "SELECT COUNT(*) FROM site_fermetures WHERE "
	    "site_id = ? AND jour = ?",
	[STMT_CAT] = "SELECT c.id, c.code, c.nom, c.quota_jour, "
	    "c.quota_semaine, c.duree_defaut FROM categories c WHERE c.code = ?",
	/* The person's category and what counts since the day and the week
	 * began, in one round trip (no session: the sums are 0). */
	[STMT_USED] = "SELECT c.id, c.code, c.nom, c.quota_jour, "
	    "c.quota_semaine, c.duree_defaut, "
	    "CAST(COALESCE(SUM(IF(s.created_at >= FROM_UNIXTIME(?), "
	    COUNTED ", 0)), 0) AS SIGNED), "
	    "CAST(COALESCE(SUM(" COUNTED "), 0) AS SIGNED) "
	    "FROM utilisateurs u JOIN categories c ON c.id = u.categorie_id "
	    "LEFT JOIN sessions s ON s.utilisateur_id = u.id AND "
	    "s.created_at >= FROM_UNIXTIME(?) WHERE u.id = ? GROUP BY c.id",
};

int
rules_now(struct db *db, long long *now)
{
	struct db_res *res = NULL;

	if (DB_EXEC0(db, stmts, STMT_NOW, &res, NULL, NULL) != DB_OK)
		return -1;
	*now = res != NULL && res->nrows > 0 ? db_int(res, 0, 0) : 0;
	db_res_free(res);
	return *now > 0 ? 0 : -1;
}

int
rules_site_window(struct db *db, long long sid, long long now,
    long long *close)
{
	struct hours_slot s[HOURS_MAX];
	struct db_res *res = NULL;
	char date[16];
	size_t i, n = 0;
	int y, m, d, w, closed = 0, rc;

	if (DB_EXEC(db, stmts, STMT_SITE, &res, NULL, NULL, DBI(sid)) != DB_OK)
		return -2;
	if (res == NULL || res->nrows == 0) {
		db_res_free(res);
		return -1;	/* gone: the poste has no site any more */
	}
	closed = db_int(res, 0, 0) == 0;
	db_res_free(res);
	res = NULL;
	if (DB_EXEC(db, stmts, STMT_SLOTS, &res, NULL, NULL, DBI(sid)) != DB_OK)
		return -2;
	for (i = 0; res != NULL && i < res->nrows && n < HOURS_MAX; i++) {
		s[n].jour = (int)db_int(res, i, 0);
		s[n].ouverture = (int)db_int(res, i, 1);
		s[n].fermeture = (int)db_int(res, i, 2);
		n++;
	}
	db_res_free(res);
	res = NULL;
	if (n == 0)
		return closed ? 0 : -1;
	hours_local(now, &y, &m, &d, &w);
	snprintf(date, sizeof(date), "%04d-%02d-%02d", y, m, d);
	if (!closed) {
		if (DB_EXEC(db, stmts, STMT_CLOSED, &res, NULL, NULL, DBI(sid),
		    DBS(date)) != DB_OK)
			return -2;
		closed = res != NULL && res->nrows > 0 && db_int(res, 0, 0) > 0;
		db_res_free(res);
	}
	rc = hours_window(s, n, closed, now, close);
	return rc;
}

static void
read_cat(const struct db_res *res, struct quota *q)
{
	q->categorie_id = db_int(res, 0, 0);
	snprintf(q->categorie, sizeof(q->categorie), "%s", db_str(res, 0, 1));
	snprintf(q->categorie_nom, sizeof(q->categorie_nom), "%s",
	    db_str(res, 0, 2));
	q->jour = db_isnull(res, 0, 3) ? -1 : db_int(res, 0, 3);
	q->semaine = db_isnull(res, 0, 4) ? -1 : db_int(res, 0, 4);
	q->duree_defaut = db_int(res, 0, 5);
}

int
rules_categorie(struct db *db, const char *code, struct quota *q)
{
	struct db_res *res = NULL;

	memset(q, 0, sizeof(*q));
	if (DB_EXEC(db, stmts, STMT_CAT, &res, NULL, NULL, DBS(code)) != DB_OK)
		return -1;
	if (res == NULL || res->nrows == 0) {
		db_res_free(res);
		return 1;
	}
	read_cat(res, q);
	db_res_free(res);
	q->restant_jour = q->jour;
	q->restant_semaine = q->semaine;
	return 0;
}

static long long
left(long long limit, long long used)
{
	if (limit < 0)
		return -1;
	return used >= limit ? 0 : limit - used;
}

int
rules_quota(struct db *db, long long uid, long long now, struct quota *q)
{
	struct db_res *res = NULL;
	long long day, week;

	if (uid <= 0)
		return rules_categorie(db, "invite", q);
	memset(q, 0, sizeof(*q));
	day = hours_day_start(now);
	week = hours_week_start(now);
	if (DB_EXEC(db, stmts, STMT_USED, &res, NULL, NULL, DBI(day),
	    DBI(week < day ? week : day), DBI(uid)) != DB_OK)
		return -1;
	if (res == NULL || res->nrows == 0) {
		db_res_free(res);
		return 1;
	}
	read_cat(res, q);
	q->utilise_jour = db_int(res, 0, 6);
	q->utilise_semaine = db_int(res, 0, 7);
	db_res_free(res);
	q->restant_jour = left(q->jour, q->utilise_jour);
	q->restant_semaine = left(q->semaine, q->utilise_semaine);
	return 0;
}

static struct json_object *
int_or_null(long long v)
{
	return v < 0 ? NULL : json_object_new_int64(v);
}

struct json_object *
rules_quota_json(const struct quota *q)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "categorie_id",
	    json_object_new_int64(q->categorie_id));
	json_object_object_add(o, "categorie",
	    json_object_new_string(q->categorie));
	json_object_object_add(o, "categorie_nom",
	    json_object_new_string(q->categorie_nom));
	json_object_object_add(o, "quota_jour", int_or_null(q->jour));
	json_object_object_add(o, "quota_semaine", int_or_null(q->semaine));
	json_object_object_add(o, "utilise_jour",
	    json_object_new_int64(q->utilise_jour));
	json_object_object_add(o, "utilise_semaine",
	    json_object_new_int64(q->utilise_semaine));
	json_object_object_add(o, "restant_jour", int_or_null(q->restant_jour));
	json_object_object_add(o, "restant_semaine",
	    int_or_null(q->restant_semaine));
	return o;
}
