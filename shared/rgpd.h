/*
 * rgpd.h - the RGPD duties of a public body: retention, erasure.
 *
 * Retention: once a session ended more than POSTES_RETENTION_MONTHS ago
 * (12 by default), the sweep removes its link to the person (the names
 * live only in utilisateurs, so the row keeps no name) and keeps what
 * statistics need: times, poste, duration and categorie_id. Reservations
 * past the same age lose their person and walk-in name; staff messages
 * past it are deleted (their text may name someone). The outbox keeps
 * events 7 days only (shared/sess.c housekeeping), far below retention.
 * Audit rows name no member of the public (ids only) and are kept: they
 * are the town hall's own accountability record.
 *
 * Erasure: the person's history is anonymised the same way at once, the
 * names in outbox events about them are nulled, live reservations
 * cancelled, then the person is deleted. Refused while one of their
 * sessions is live (en_attente, active, suspendue): end it first.
 */
#ifndef POSTES_RGPD_H
#define POSTES_RGPD_H

#include "audit.h"
#include "ev.h"

struct config;

enum rgpd_err {
	RGPD_OK = 0,
	RGPD_NOTFOUND,	/* no such person: 404 */
	RGPD_LIVE,	/* a session of theirs is live: 409 */
	RGPD_DB,	/* database error: 503 */
};

/* Erase person uid (see above). Own transaction, audited, event
 * utilisateur_deleted. *nsessions receives the sessions anonymised. */
enum rgpd_err	rgpd_erase(struct db *, struct ev_batch *,
		    const struct actor *, long long uid, long long *nsessions);

/* The retention sweep, at most once a minute (*last: Unix seconds of
 * the last pass, kept by the caller), 1000 rows a statement. Rows
 * changed, or -1 on database error. */
int		rgpd_sweep(struct db *, const struct config *, long long *last);

#endif
