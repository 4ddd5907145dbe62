/*
 * stats.c - the dashboard counters in one statement, so that the API and
 * the pusher always show the same numbers.
 *
 * The statement also reads the outbox's head (event_seq.last_id) in
 * the same snapshot: every change these counts depend on writes an
 * event in its own transaction, so the counts stay exact as long as the
 * head has not moved and the day is the same (stats_read).
 *
 * "Today" and "this month" are the town hall's (POSTES_TZ, see hours.c):
 * their first second is computed here and handed to the statement, since
 * the database works in UTC and may not know the zone. At 00:30 in
 * Paris, "terminées aujourd'hui" starts at 00:00 Paris, not at 01:00.
 */
#include <time.h>

#include <json-c/json.h>

#include "hours.h"
#include "timefmt.h"
#include "stats.h"

enum stmt { STMT_STATS, STMT__MAX };

static const char *const stmts[STMT__MAX] = {
	[STMT_STATS] = "SELECT "
	    "(SELECT COUNT(*) FROM utilisateurs), "
	    "(SELECT COUNT(*) FROM utilisateurs WHERE actif = 1), "
	    "(SELECT COUNT(*) FROM utilisateurs WHERE created_at >= "
	    "  FROM_UNIXTIME(?)), "
	    "(SELECT COUNT(*) FROM sessions), "
	    "(SELECT COUNT(*) FROM sessions WHERE statut = 'active'), "
	    "(SELECT COUNT(*) FROM sessions WHERE statut = 'en_attente'), "
	    "(SELECT COUNT(*) FROM sessions WHERE statut = 'terminee' AND "
	    "  ended_at >= FROM_UNIXTIME(?)), "
	    "(SELECT COUNT(*) FROM postes WHERE actif = 1), "
	    "(SELECT COUNT(*) FROM postes WHERE actif = 1 AND etat = 'disponible'), "
	    "(SELECT COUNT(*) FROM postes WHERE actif = 1 AND etat = 'occupe'), "
	    "(SELECT COUNT(*) FROM postes WHERE actif = 1 AND etat = 'hors_ligne'), "
	    "UNIX_TIMESTAMP(), "
	    /* The outbox's head in the same read: these counts are those of
	     * every event up to it (fcgi-api/api/dashboard.c caches on it). */
	    "(SELECT last_id FROM event_seq WHERE id = 1)",
};

static void
group(struct json_object *o, const char *name, const char *const *keys,
    const struct db_res *res, size_t from, size_t n)
{
	struct json_object *g = json_object_new_object();
	size_t i;

	for (i = 0; i < n; i++)
		json_object_object_add(g, keys[i],
		    json_object_new_int64(db_int(res, 0, from + i)));
	json_object_object_add(o, name, g);
}

enum db_err
stats_get(struct db *db, struct json_object **out)
{
	return stats_read(db, out, NULL, NULL);
}

enum db_err
stats_read(struct db *db, struct json_object **out, long long *head,
    long long *day)
{
	static const char *const uk[] = { "total", "actifs", "nouveaux_mois" };
	static const char *const sk[] = { "total", "actives", "en_attente",
	    "terminees_aujourd_hui" };
	static const char *const pk[] = { "total", "disponibles", "occupes",
	    "hors_ligne" };
	struct db_res *res = NULL;
	struct json_object *o;
	char ts[TIME_ISO_LEN];
	enum db_err e;
	long long now;
	int y, m, d, w;

	*out = NULL;
	now = time(NULL);
	hours_local(now, &y, &m, &d, &w);
	if ((e = DB_EXEC(db, stmts, STMT_STATS, &res, NULL, NULL,
	    DBI(hours_utc(y, m, 1, 0)), DBI(hours_day_start(now)))) != DB_OK)
		return e;
	o = json_object_new_object();
	group(o, "utilisateurs", uk, res, 0, 3);
	group(o, "sessions", sk, res, 3, 4);
	group(o, "postes", pk, res, 7, 4);
	time_iso(db_int(res, 0, 11), ts);
	json_object_object_add(o, "timestamp", json_object_new_string(ts));
	if (day != NULL)
		*day = hours_day_start(now);
	if (head != NULL)
		*head = db_isnull(res, 0, 12) ? -1 : db_int(res, 0, 12);
	db_res_free(res);
	*out = o;
	return DB_OK;
}
