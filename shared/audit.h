/*
 * audit.h - the audit log: who did what to which record, from where.
 *
 * Written inside the transaction of the change it records, so that a
 * change without its audit row cannot commit.
 */
#ifndef POSTES_AUDIT_H
#define POSTES_AUDIT_H

#include "db.h"

/* The staff member acting, and the client address (both borrowed). */
struct actor {
	long long	 staff_id;
	const char	*ip;
};

/* Insert one row; detail may be NULL. a NULL actor writes nothing. */
enum db_err	audit_write(struct db *, const struct actor *a,
		    const char *action, const char *cible_type,
		    long long cible_id, const char *detail);

#endif
