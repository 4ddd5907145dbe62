/*
 * throttle.c - slow down guessing of passwords and access codes.
 *
 * A key ("login:<user>", "login-ip:<addr>", "code:<poste>") counts
 * failures in a window; past the limit it is blocked for a lock-out
 * period and callers get 429 with Retry-After. Counters live in MariaDB
 * so that every FastCGI process, on every host, sees the same count.
 * One statement does the counting, so concurrent failures never lose a
 * count.
 */
#include <string.h>

#include "extern.h"

enum stmt { STMT_CHECK, STMT_FAIL, STMT_CLEAR, STMT__MAX };

static const char *const stmts[STMT__MAX] = {
	[STMT_CHECK] = "SELECT CAST(CEIL(TIMESTAMPDIFF(MICROSECOND, "
	    "UTC_TIMESTAMP(3), blocked_until) / 1000000) AS SIGNED) "
	    "FROM throttle WHERE k = ? AND blocked_until > UTC_TIMESTAMP(3)",
	/* Assignments run left to right on the updated row. */
	[STMT_FAIL] = "INSERT INTO throttle (k, failures, window_start) "
	    "VALUES (?, 1, UTC_TIMESTAMP(3)) ON DUPLICATE KEY UPDATE "
	    "failures = IF(window_start < UTC_TIMESTAMP(3) - INTERVAL ? SECOND, "
	    "  1, failures + 1), "
	    "window_start = IF(failures = 1, UTC_TIMESTAMP(3), window_start), "
	    "blocked_until = IF(failures >= ?, UTC_TIMESTAMP(3) + "
	    "  INTERVAL ? SECOND, blocked_until)",
	[STMT_CLEAR] = "DELETE FROM throttle WHERE k = ?",
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
