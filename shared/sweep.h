/*
 * sweep.h - what time decides: ends, warnings, closings, expiries, silent
 * postes, and the housekeeping that goes with them.
 *
 * Two callers run it: the pusher's clock thread (pusher/clock.c), every
 * time something is due, and `postes-api sweep` (cron, when no pusher
 * runs). The configuration it reads is passed in, never kept in a
 * global: struct sweep carries it together with the sweep's own memory
 * (when housekeeping last ran), one per caller.
 */
#ifndef POSTES_SWEEP_H
#define POSTES_SWEEP_H

#include "ev.h"

struct config;
struct ev_pub;

struct sweep {
	const struct config	*cfg;		/* thresholds, heartbeat */
	long long		 last_purge;	/* Unix s of the last purge */
	long long		 last_rgpd;	/* of the last retention pass */
};

/* Seconds without a heartbeat after which a poste is hors_ligne. */
long long	sweep_offline_after(const struct config *);

/*
 * Once: end sessions whose end time has come (temps_ecoule, or
 * fermeture_site when their end is their site's closing), send the
 * warnings and closing warnings (fermeture_proche) whose threshold has
 * been crossed, expire codes and guest passes past their validity, and
 * put silent postes hors_ligne. Each change commits on its own, so two
 * sweeps racing give one change and one event; its events are appended
 * to b, which the caller publishes (b is flushed through pub when it
 * fills; pub may be NULL). Returns the number of changes, or -1 on
 * database error.
 */
int		sweep_run(struct db *, struct sweep *, struct ev_batch *b,
		    struct ev_pub *pub);

/* Milliseconds until the next thing sweep_run would do (0 when due,
 * at most 1000), so that a caller can sleep exactly; -1 on error. */
long long	sweep_next_ms(struct db *, const struct sweep *);

#endif
