/*
 * sweep.c - what time decides (see sweep.h).
 *
 * Each kind of due work is a small query for at most 8 ids, then one
 * transaction per id through the state machine's own locked path
 * (sess_int.h), which re-checks under the row lock what the query saw
 * without one: a session extended meanwhile is not ended, a warning
 * already given by another sweep is not given twice (its mark only moves
 * down once). Every time is the database's (UTC_TIMESTAMP), so several
 * API hosts and a pusher agree on "now".
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "config.h"
#include "log.h"
#include "timefmt.h"
#include "resa.h"
#include "rgpd.h"
#include "sess_int.h"
#include "sweep.h"

enum stmt {
	STMT_DUE_END,
	STMT_DUE_WARN,
	STMT_WARNED,
	STMT_DUE_CLOSE_WARN,
	STMT_CLOSE_WARNED,
	STMT_DUE_EXPIRE,
	STMT_DUE_OFFLINE,
	STMT_OFFLINE,
	STMT_NEXT_ACTIVE,
	STMT_NEXT_OTHER,
	STMT_PURGE_EVENTS,
	STMT_PURGE_THROTTLE,
	STMT_PURGE_STAFF_SESSIONS,
	STMT__MAX
};

/* Seconds left before a session's site closes, rounded up. */
#define CLOSE_LEFT "GREATEST(0, CAST(CEIL(TIMESTAMPDIFF(MICROSECOND, " \
	"UTC_TIMESTAMP(3), s.ferme_a) / 1000000) AS SIGNED))"

static const char *const stmts[STMT__MAX] = {
	[STMT_DUE_END] = "SELECT id FROM sessions WHERE statut = 'active' AND "
	    "fin_prevue <= UTC_TIMESTAMP(3) ORDER BY fin_prevue LIMIT 8",
	[STMT_DUE_WARN] = "SELECT s.id, " SESS_SQL_LEFT ", s.averti_jusqu, s.poste_id "
	    "FROM sessions s WHERE s.statut = 'active' AND "
	    "s.fin_prevue <= UTC_TIMESTAMP(3) + INTERVAL ? SECOND "
	    "ORDER BY s.fin_prevue LIMIT 8",
	/* Idempotent: only one caller moves the mark below this threshold. */
	[STMT_WARNED] = "UPDATE sessions SET averti_jusqu = ? WHERE id = ? AND "
	    "statut = 'active' AND (averti_jusqu IS NULL OR averti_jusqu > ?)",
	[STMT_DUE_CLOSE_WARN] = "SELECT s.id, " CLOSE_LEFT ", "
	    "s.averti_fermeture FROM sessions s WHERE s.statut = 'active' AND "
	    "s.ferme_a IS NOT NULL AND s.fin_prevue >= s.ferme_a AND "
	    "s.ferme_a <= UTC_TIMESTAMP(3) + INTERVAL ? SECOND "
	    "ORDER BY s.ferme_a LIMIT 8",
	[STMT_CLOSE_WARNED] = "UPDATE sessions SET averti_fermeture = ? "
	    "WHERE id = ? AND statut = 'active' AND "
	    "(averti_fermeture IS NULL OR averti_fermeture > ?)",
	[STMT_DUE_EXPIRE] = "SELECT id FROM sessions WHERE statut IN "
	    "('en_attente', 'suspendue') AND valide_jusqu <= UTC_TIMESTAMP(3) "
	    "ORDER BY valide_jusqu LIMIT 8",
	[STMT_DUE_OFFLINE] = "SELECT id FROM postes WHERE actif = 1 AND "
	    "etat IN ('disponible', 'occupe') AND (last_seen IS NULL OR "
	    "last_seen < UTC_TIMESTAMP(3) - INTERVAL ? SECOND) LIMIT 8",
	[STMT_OFFLINE] = "UPDATE postes SET etat = 'hors_ligne', "
	    "updated_at = UTC_TIMESTAMP(3) WHERE id = ? AND "
	    "etat IN ('disponible', 'occupe') AND (last_seen IS NULL OR "
	    "last_seen < UTC_TIMESTAMP(3) - INTERVAL ? SECOND)",
	[STMT_NEXT_ACTIVE] = "SELECT TIMESTAMPDIFF(MICROSECOND, "
	    "UTC_TIMESTAMP(3), fin_prevue) DIV 1000, averti_jusqu, "
	    "IF(ferme_a IS NOT NULL AND fin_prevue >= ferme_a, 1, 0), "
	    "averti_fermeture FROM sessions WHERE statut = 'active'",
	[STMT_NEXT_OTHER] = "SELECT TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(3), "
	    "LEAST(COALESCE((SELECT MIN(valide_jusqu) FROM sessions WHERE "
	    "  statut IN ('en_attente', 'suspendue')), '2199-01-01'), "
	    "COALESCE((SELECT MIN(last_seen) FROM postes WHERE actif = 1 AND "
	    "  etat IN ('disponible', 'occupe')) + INTERVAL ? SECOND, "
	    "  '2199-01-01'))) DIV 1000",

	/* Housekeeping: what no reader needs any more, in small bites. */
	[STMT_PURGE_EVENTS] = "DELETE FROM events WHERE created_at < "
	    "UTC_TIMESTAMP(3) - INTERVAL 7 DAY ORDER BY id LIMIT 5000",
	/* A back-off key lives while its failures go on (throttle.c). */
	[STMT_PURGE_THROTTLE] = "DELETE FROM throttle WHERE "
	    "COALESCE(last_fail, window_start) < "
	    "UTC_TIMESTAMP(3) - INTERVAL 1 DAY AND (blocked_until IS NULL OR "
	    "blocked_until < UTC_TIMESTAMP(3)) LIMIT 5000",
	[STMT_PURGE_STAFF_SESSIONS] = "DELETE FROM staff_sessions WHERE "
	    "expires_at < UTC_TIMESTAMP(3) LIMIT 5000",
};

long long
sweep_offline_after(const struct config *cfg)
{
	return cfg != NULL ? 3LL * cfg->heartbeat_interval : 90;
}

/* The ids a "due" query returns (at most 8 a round). */
static int
due_ids(struct db *db, int idx, const struct db_param *p, size_t np,
    long long ids[8])
{
	struct db_res *res = NULL;
	size_t i, n = 0;

	if (db_exec(db, stmts, idx, p, np, &res, NULL, NULL) != DB_OK)
		return -1;
	for (i = 0; res != NULL && i < res->nrows && n < 8; i++)
		ids[n++] = db_int(res, i, 0);
	db_res_free(res);
	return (int)n;
}

static void
flush(struct ev_batch *b, struct ev_pub *pub)
{
	if (pub != NULL && b->n > EV_BATCH_MAX / 2)
		ev_pub_send(pub, b);
}

/* Smallest of the n descending thresholds at or above left and below
 * mark, or -1. */
static long long
threshold(const int *warn, size_t n, long long left, long long mark)
{
	long long t = -1;
	size_t i;

	for (i = 0; i < n; i++)
		if (warn[i] >= left && warn[i] < mark)
			t = warn[i];
	return t;
}

/* One kind of warning: the time left (or left before closing) crossed
 * a threshold. The mark column moves down once per threshold. */
struct warnkind {
	int		 due, mark;	/* statements */
	enum ev_type	 ev;
	const int	*warn;
	size_t		 nwarn;
};

static int
sweep_warnings(struct db *db, const struct warnkind *k, struct ev_batch *b,
    struct ev_pub *pub)
{
	struct db_res *res = NULL;
	struct json_object *extra;
	unsigned long long n;
	long long id, left, mark, t;
	size_t i, bm;
	int changes = 0;

	if (k->nwarn == 0)
		return 0;
	if (DB_EXEC(db, stmts, k->due, &res, NULL, NULL, DBI(k->warn[0])) !=
	    DB_OK)
		return -1;
	for (i = 0; res != NULL && i < res->nrows; i++) {
		id = db_int(res, i, 0);
		left = db_int(res, i, 1);
		mark = db_isnull(res, i, 2) ? 1LL << 40 : db_int(res, i, 2);
		if (left <= 0 || (t = threshold(k->warn, k->nwarn, left,
		    mark)) < 0)
			continue;
		if (b->n > EV_BATCH_MAX - 4 && pub == NULL)
			break;
		bm = b->n;
		if (db_begin(db) != DB_OK)
			break;
		n = 0;
		if (DB_EXEC(db, stmts, k->mark, NULL, &n, NULL, DBI(t),
		    DBI(id), DBI(t)) != DB_OK || n == 0) {
			sess_finish(db, b, bm, n == 0 ? SESS_STATE : SESS_DB);
			continue;
		}
		extra = json_object_new_object();
		json_object_object_add(extra, "seuil", json_object_new_int64(t));
		if (k->ev == EV_FERMETURE_PROCHE)
			json_object_object_add(extra, "minutes",
			    json_object_new_int64((left + 59) / 60));
		if (sess_finish(db, b, bm, sess_record_session(db, b, k->ev, id,
		    extra)) == SESS_OK)
			changes++;
		json_object_put(extra);
		flush(b, pub);
	}
	db_res_free(res);
	return changes;
}

/*
 * Events older than a week (clients that far behind get a reset), spent
 * throttle counters and expired staff sessions go, at most every ten
 * minutes per sweeper.
 */
static void
purge(struct db *db, struct sweep *sw)
{
	long long now = time_now_ms() / 1000;

	if (now - sw->last_purge < 600)
		return;
	sw->last_purge = now;
	DB_EXEC0(db, stmts, STMT_PURGE_EVENTS, NULL, NULL, NULL);
	DB_EXEC0(db, stmts, STMT_PURGE_THROTTLE, NULL, NULL, NULL);
	DB_EXEC0(db, stmts, STMT_PURGE_STAFF_SESSIONS, NULL, NULL, NULL);
}

int
sweep_run(struct db *db, struct sweep *sw, struct ev_batch *b,
    struct ev_pub *pub)
{
	const struct config *cfg = sw->cfg;
	struct warnkind wk[2] = {
		{ STMT_DUE_WARN, STMT_WARNED, EV_WARNING,
		    cfg->warn, cfg->nwarn },
		{ STMT_DUE_CLOSE_WARN, STMT_CLOSE_WARNED, EV_FERMETURE_PROCHE,
		    cfg->close_warn, cfg->nclose_warn },
	};
	struct db_param p;
	long long ids[8];
	int i, n, changes = 0, w;
	size_t k;

	purge(db, sw);
	/* Time's up: end with temps_ecoule, or fermeture_site at closing. */
	if ((n = due_ids(db, STMT_DUE_END, NULL, 0, ids)) < 0)
		return -1;
	for (i = 0; i < n && (pub != NULL || b->n < EV_BATCH_MAX - 4); i++) {
		/* Else someone was faster or extended it, or this row failed:
		 * the others still end. */
		if (sess_lapse(db, b, ids[i]) == SESS_OK)
			changes++;
		flush(b, pub);
	}
	/* Warnings, then closing warnings. */
	for (k = 0; k < 2; k++) {
		if ((w = sweep_warnings(db, &wk[k], b, pub)) < 0)
			return -1;
		changes += w;
	}
	/* Codes and guest passes past their validity. */
	if ((n = due_ids(db, STMT_DUE_EXPIRE, NULL, 0, ids)) < 0)
		return -1;
	for (i = 0; i < n && (pub != NULL || b->n < EV_BATCH_MAX - 4); i++) {
		if (sess_terminate(db, b, NULL, ids[i], RAISON_EXPIREE) == SESS_OK)
			changes++;
		flush(b, pub);
	}
	/* Reservations nobody came for; the RGPD retention. */
	if ((w = resa_sweep(db, cfg, b)) < 0 ||
	    rgpd_sweep(db, cfg, &sw->last_rgpd) < 0)
		return -1;
	changes += w;
	flush(b, pub);
	/* Silent workstations. */
	p = DBI(sweep_offline_after(cfg));
	if ((n = due_ids(db, STMT_DUE_OFFLINE, &p, 1, ids)) < 0)
		return -1;
	for (i = 0; i < n && (pub != NULL || b->n < EV_BATCH_MAX - 4); i++) {
		unsigned long long moved = 0;
		size_t mark = b->n;
		enum sess_err se = SESS_OK;

		if (db_begin(db) != DB_OK)
			return -1;
		if (DB_EXEC(db, stmts, STMT_OFFLINE, NULL, &moved, NULL,
		    DBI(ids[i]), DBI(sweep_offline_after(cfg))) != DB_OK)
			se = SESS_DB;
		else if (moved > 0)
			se = sess_record_poste(db, b, EV_POSTE_STATUS, ids[i]);
		if (sess_finish(db, b, mark, se) == SESS_OK && moved > 0)
			changes++;
		flush(b, pub);
	}
	return changes;
}

/* Lower *next to the time until the next threshold below mark. */
static void
next_threshold(const int *warn, size_t n, long long left, long long mark,
    long long *next)
{
	long long t;
	size_t k;

	for (k = 0; k < n; k++) {
		t = warn[k] * 1000LL;
		if (t < mark && left > t && left - t < *next)
			*next = left - t;
	}
}

long long
sweep_next_ms(struct db *db, const struct sweep *sw)
{
	const struct config *cfg = sw->cfg;
	struct db_res *res = NULL;
	long long next = 1000, left, mark;
	size_t i;

	if (DB_EXEC0(db, stmts, STMT_NEXT_ACTIVE, &res, NULL, NULL) != DB_OK)
		return -1;
	for (i = 0; res != NULL && i < res->nrows; i++) {
		left = db_int(res, i, 0);
		if (left < next)
			next = left;
		mark = db_isnull(res, i, 1) ? 1LL << 40 : db_int(res, i, 1) * 1000;
		next_threshold(cfg->warn, cfg->nwarn, left, mark, &next);
		/* A closing session: its end is the closing. */
		if (db_int(res, i, 2) != 0) {
			mark = db_isnull(res, i, 3) ? 1LL << 40 :
			    db_int(res, i, 3) * 1000;
			next_threshold(cfg->close_warn, cfg->nclose_warn, left,
			    mark, &next);
		}
	}
	db_res_free(res);
	res = NULL;
	if (DB_EXEC(db, stmts, STMT_NEXT_OTHER, &res, NULL, NULL,
	    DBI(sweep_offline_after(cfg))) != DB_OK)
		return -1;
	if (res != NULL && res->nrows > 0 && !db_isnull(res, 0, 0) &&
	    db_int(res, 0, 0) < next)
		next = db_int(res, 0, 0);
	db_res_free(res);
	return next < 0 ? 0 : next;
}
