/*
 * throttle.c - slow down guessing of passwords and access codes.
 *
 * A key ("login:<user>", "login-ip:<addr>", "code:<poste>") counts
 * failures in a window; past the limit it is blocked for a lock-out
 * period and callers get 429 with Retry-After. Counters live in MariaDB
 * so that every FastCGI process, on every host, sees the same count.
 * One statement does the counting, so concurrent failures never lose a
 * count.
 *
 * Two schedules:
 *
 *	throttle_fail		a fixed lock-out: max failures in a window
 *				block the key for lockout seconds (codes
 *				typed on a kiosk, password changes)
 *	throttle_backoff	exponential back-off: after `free` failures,
 *				each failure blocks the key for base, 2*base,
 *				4*base ... seconds, at most cap; the count
 *				and the level start again only after the
 *				key has been quiet for `quiet` seconds, so a
 *				steady attacker climbs to the cap and stays
 *
 * Staff log-in uses the second with keys that never hold what was typed
 * (see api/auth.c and docs/api.md, "Log-in throttling").
 *
 * A kiosk's code entry ("code:<poste>", THROTTLE_CODE_KEY) is read with
 * the kiosk's token, in the same statement (api/auth.c, STMT_KIOSK): the
 * kiosk's hot path pays no round trip for it, and clears it only when it
 * holds failures.
 */
#include <string.h>

#include "extern.h"

enum stmt {
	STMT_CHECK,
	STMT_FAIL,
	STMT_CLEAR,
	STMT_BACKOFF,
	STMT_FAILURES,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	/* A row whenever the key has one: seconds to wait, or 0. */
	[STMT_CHECK] = "SELECT " THROTTLE_WAIT_SQL " FROM throttle WHERE k = ?",
	/* Assignments run left to right on the updated row. */
	[STMT_FAIL] = "INSERT INTO throttle (k, failures, window_start) "
	    "VALUES (?, 1, UTC_TIMESTAMP(3)) ON DUPLICATE KEY UPDATE "
	    "failures = IF(window_start < UTC_TIMESTAMP(3) - INTERVAL ? SECOND, "
	    "  1, failures + 1), "
	    "window_start = IF(failures = 1, UTC_TIMESTAMP(3), window_start), "
	    "blocked_until = IF(failures >= ?, UTC_TIMESTAMP(3) + "
	    "  INTERVAL ? SECOND, blocked_until)",
	[STMT_CLEAR] = "DELETE FROM throttle WHERE k = ?",
	/*
	 * Assignments run left to right on the updated row: failures and
	 * level read the old last_fail, blocked_until the new level.
	 */
	[STMT_BACKOFF] = "INSERT INTO throttle (k, failures, window_start, "
	    "level, last_fail) VALUES (?, 1, UTC_TIMESTAMP(3), 0, "
	    "UTC_TIMESTAMP(3)) ON DUPLICATE KEY UPDATE "
	    "failures = IF(last_fail IS NULL OR last_fail < UTC_TIMESTAMP(3) - "
	    "  INTERVAL ? SECOND, 1, failures + 1), "
	    "window_start = IF(failures = 1, UTC_TIMESTAMP(3), window_start), "
	    "level = IF(failures = 1, 0, level) + IF(failures > ?, 1, 0), "
	    "last_fail = UTC_TIMESTAMP(3), "
	    "blocked_until = IF(level > 0 AND failures > ?, UTC_TIMESTAMP(3) + "
	    "  INTERVAL LEAST(?, ? * (1 << LEAST(GREATEST(CAST(level AS SIGNED) "
	    "  - 1, 0), 24))) SECOND, "
	    "  IF(failures = 1, NULL, blocked_until))",
	/* Failures of a key not quiet for that long. */
	[STMT_FAILURES] = ("SELECT failures FROM throttle WHERE k = ? AND "
	    "last_fail >= UTC_TIMESTAMP(3) - INTERVAL ? SECOND"),
};

long long
throttle_check(struct req *r, const char *key)
{
	struct db_res *res = NULL;
	long long wait = 0;

	if (DB_EXEC(r->db, stmts, STMT_CHECK, &res, NULL, NULL, DBS(key)) != DB_OK)
		return 0;	/* the request fails on its own next query */
	if (res != NULL && res->nrows > 0)
		wait = db_int(res, 0, 0);
	db_res_free(res);
	if (wait > 0 && wait > r->retry_after)
		r->retry_after = wait;
	return wait;
}

void
throttle_fail(struct req *r, const char *key, unsigned int max,
    unsigned int window, unsigned int lockout)
{
	DB_EXEC(r->db, stmts, STMT_FAIL, NULL, NULL, NULL, DBS(key),
	    DBI(window), DBI(max), DBI(lockout));
}

void
throttle_clear(struct req *r, const char *key)
{
	DB_EXEC(r->db, stmts, STMT_CLEAR, NULL, NULL, NULL, DBS(key));
}

/*
 * One more failure on key under the back-off schedule (see the top of
 * the file); free >= 1. Returns the key's failure count after it, or
 * -1 when the database failed (the request then fails on its own).
 */
long long
throttle_backoff(struct req *r, const char *key, unsigned int free_fails,
    unsigned int base, unsigned int cap, unsigned int quiet)
{
	if (free_fails < 1)
		free_fails = 1;
	if (DB_EXEC(r->db, stmts, STMT_BACKOFF, NULL, NULL, NULL, DBS(key),
	    DBI(quiet), DBI(free_fails), DBI(free_fails), DBI(cap),
	    DBI(base)) != DB_OK)
		return -1;
	return throttle_failures(r, key, quiet);
}

/* Failures counted on key, 0 when it has been quiet for quiet s. */
long long
throttle_failures(struct req *r, const char *key, unsigned int quiet)
{
	struct db_res *res = NULL;
	long long n = 0;

	if (DB_EXEC(r->db, stmts, STMT_FAILURES, &res, NULL, NULL, DBS(key),
	    DBI(quiet)) != DB_OK)
		return -1;
	if (res != NULL && res->nrows > 0)
		n = db_int(res, 0, 0);
	db_res_free(res);
	return n;
}
