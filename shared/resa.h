/*
 * resa.h - reservations of a poste for a time slot.
 *
 * A slot [debut, fin) on one poste, for a registered person or for a
 * walk-in's name. The rules, all checked in the transaction that
 * writes, with the database's clock and the poste's row locked (so two
 * desks cannot book overlapping slots):
 *   - fin after debut, 5 min to 8 h long, starting at most 90 days ahead
 *     and not in the past (5 minutes of grace: "from now" is allowed);
 *   - the poste exists, is active and not in maintenance;
 *   - no overlap with another prevue or honoree slot of the poste;
 *   - the person exists and is active.
 * During the slot only the holder may start a session there
 * (resa_check_start, from sess_start): the person's own session, or for
 * a walk-in's name a guest pass (a session without a person). The
 * first such start marks the reservation honoree. Sessions started
 * before the slot are not cut. A no-show: past debut + POSTES_RESA_NOSHOW
 * (or past fin) the sweep marks it liberee and the poste is free for
 * anyone again.
 */
#ifndef POSTES_RESA_H
#define POSTES_RESA_H

#include "audit.h"
#include "ev.h"

struct config;

/* The columns of a reservation as the wire shows it. */
#define RESA_SQL_FROM "r.id, r.poste_id, p.nom AS poste_nom, r.utilisateur_id, " \
	"u.nom AS utilisateur_nom, u.prenom AS utilisateur_prenom, " \
	"r.nom_libre, r.debut, r.fin, r.statut, r.session_id, r.created_by, " \
	"r.created_at, r.updated_at FROM reservations r " \
	"JOIN postes p ON p.id = r.poste_id " \
	"LEFT JOIN utilisateurs u ON u.id = r.utilisateur_id "

#define RESA_DUREE_MIN		300
#define RESA_DUREE_MAX		(8 * 3600)
#define RESA_AVANCE_MAX		(90 * 86400)
#define RESA_GRACE		300	/* a slot may start this much ago */
#define RESA_NOM_MAX		100

enum resa_err {
	RESA_OK = 0,
	RESA_NOTFOUND,		/* no such reservation: 404 */
	RESA_POSTE_NOTFOUND,	/* no such poste: 404 */
	RESA_POSTE_UNAVAILABLE,	/* poste in maintenance or inactive: 409 */
	RESA_USER,		/* person unknown or inactive: 422 */
	RESA_ORDER,		/* fin not after debut: 422 */
	RESA_LENGTH,		/* too short or too long: 422 */
	RESA_PAST,		/* the slot is in the past: 422 */
	RESA_TOO_FAR,		/* more than 90 days ahead: 422 */
	RESA_OVERLAP,		/* another slot of the poste overlaps: 409 */
	RESA_STATE,		/* not prevue any more: 409 */
	RESA_DB,		/* database error: 503 */
};

/*
 * New reservation of poste pid for person uid (0: none) or walk-in nom
 * (NULL: none; exactly one of the two), slot [debut, fin) in Unix
 * seconds. Own transaction, audited, event reservation_created.
 */
enum resa_err	resa_create(struct db *, struct ev_batch *,
		    const struct actor *, long long pid, long long uid,
		    const char *nom, long long debut, long long fin,
		    long long *id);
/* prevue -> annulee. */
enum resa_err	resa_cancel(struct db *, struct ev_batch *,
		    const struct actor *, long long id);

/*
 * Inside sess_start's transaction, the poste locked: may session sid
 * start on poste pid now? 0 when it may (and the reservation it honours,
 * if any, is marked honoree with its event), 1 when the poste is
 * reserved for someone else, -1 on database error.
 */
int		resa_check_start(struct db *, struct ev_batch *, long long pid,
		    long long sid);

/* The sweep: free no-shows. Number of changes, or -1. */
int		resa_sweep(struct db *, const struct config *,
		    struct ev_batch *);

/* The reservation as JSON (the wire shape). Caller owns *out. */
enum resa_err	resa_get(struct db *, long long id, struct json_object **out);

#endif
