/*
 * audit.c - one INSERT, run inside the caller's transaction.
 */
#include "audit.h"

enum stmt { STMT_INSERT, STMT__MAX };

static const char *const stmts[STMT__MAX] = {
	[STMT_INSERT] = "INSERT INTO audit_log (staff_id, action, cible_type, "
	    "cible_id, detail, ip) VALUES (?, ?, ?, ?, ?, ?)",
};

enum db_err
audit_write(struct db *db, const struct actor *a, const char *action,
    const char *cible_type, long long cible_id, const char *detail)
{
	if (a == NULL)
		return DB_OK;
	return DB_EXEC(db, stmts, STMT_INSERT, NULL, NULL, NULL,
	    a->staff_id > 0 ? DBI(a->staff_id) : DBNULL, DBS(action),
	    DBS(cible_type), cible_id > 0 ? DBI(cible_id) : DBNULL,
	    DBS(detail != NULL ? detail : ""), DBS(a->ip != NULL ? a->ip : ""));
}
