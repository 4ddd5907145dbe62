/*
 * rules.h - the desk's rules that are not a state transition: a site's
 * opening hours at an instant, and a person's time allowance.
 *
 * The state machine (sess.c) calls these inside its transactions, after
 * locking the session, with the database's clock (rules_now); the API
 * calls them only to show the figures (GET /api/utilisateurs/:id/quota,
 * GET /api/sites/:id). Nothing here writes.
 *
 * What a quota counts (docs/api.md, "Quotas"): every session of the
 * person created during the local day (or ISO week) counts
 *  - its whole duree_totale while it is live (en_attente, active,
 *    suspendue): time handed out can still be used;
 *  - the time actually consumed once terminee (duree_totale minus the
 *    temps_restant left at the end; an expired code never started
 *    counts 0).
 * A guest pass has no person: its own duree_totale is bound by the
 * invite category's daily quota.
 */
#ifndef POSTES_RULES_H
#define POSTES_RULES_H

#include "db.h"

/* The database's clock, whole Unix seconds (floor). 0 or -1. */
int		rules_now(struct db *, long long *now);

/*
 * Site sid at now: 1 open (*close = end of the open stretch), 0 closed
 * (no slot now, closure day, or site inactive), -1 no hours declared
 * (always open). -2 on database error.
 */
int		rules_site_window(struct db *, long long sid, long long now,
		    long long *close);

/* A person's (or a category's) allowance. -1 means no limit. */
struct quota {
	long long	 categorie_id;
	char		 categorie[33];		/* code */
	char		 categorie_nom[101];
	long long	 jour, semaine;		/* limits, s, or -1 */
	long long	 duree_defaut;
	long long	 utilise_jour, utilise_semaine;
	long long	 restant_jour, restant_semaine;	/* or -1 */
};

/*
 * The allowance of person uid at now (uid 0: the invite category, with
 * nothing used). 0, 1 when the person is unknown, -1 on database error.
 */
int		rules_quota(struct db *, long long uid, long long now,
		    struct quota *);
/* The category by code ("invite"): 0, 1 unknown, -1 error. */
int		rules_categorie(struct db *, const char *code, struct quota *);
/* q as JSON (caller owns). */
struct json_object *rules_quota_json(const struct quota *);

#endif
