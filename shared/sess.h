/*
 * sess.h - the session and workstation state machine.
 *
 * Both programs change state only through these functions: fcgi-api for
 * what staff and kiosks ask, the pusher's clock (and `postes-api sweep`
 * when the pusher is down) for what time decides. Each function opens its
 * own transaction, locks the rows it changes (SELECT ... FOR UPDATE),
 * checks the state it found, writes the change and its events, and
 * commits. Two callers racing to end one session therefore produce one
 * ending and one event: the loser finds `terminee` and gets SESS_STATE.
 *
 *	en_attente --start--> active --suspend--> suspendue --start--> active
 *	     |                  |  \--end time--> terminee(temps_ecoule)
 *	     |                  \--terminate----> terminee(admin|fermeture_normale)
 *	     \--validity over--> terminee(expiree)   (suspendue likewise)
 */
#ifndef POSTES_SESS_H
#define POSTES_SESS_H

#include "ev.h"
#include "audit.h"

struct config;
struct json_object;

enum sess_statut { SESS_EN_ATTENTE, SESS_ACTIVE, SESS_SUSPENDUE,
	SESS_TERMINEE, SESS_STATUT__MAX };
enum sess_raison { RAISON_FERMETURE_NORMALE, RAISON_TEMPS_ECOULE,
	RAISON_ADMIN, RAISON_EXPIREE, RAISON__MAX };
enum poste_etat { POSTE_DISPONIBLE, POSTE_OCCUPE, POSTE_HORS_LIGNE,
	POSTE_MAINTENANCE, POSTE_ETAT__MAX };

/* Seconds left of an active session, rounded up, never negative. */
#define SESS_SQL_LEFT "GREATEST(0, CAST(CEIL(TIMESTAMPDIFF(MICROSECOND, " \
	"UTC_TIMESTAMP(3), s.fin_prevue) / 1000000) AS SIGNED))"

/*
 * The columns of a session as the wire shows it, for modules that select
 * sessions with their own filters (one shape everywhere).
 */
#define SESS_SQL_FROM "s.id, s.code, s.statut, s.raison, s.utilisateur_id, " \
	"u.nom AS utilisateur_nom, u.prenom AS utilisateur_prenom, " \
	"s.poste_id, p.nom AS poste_nom, s.duree_totale, " \
	"CAST(IF(s.statut = 'active', " SESS_SQL_LEFT ", s.temps_restant) AS SIGNED) " \
	"AS temps_restant, " \
	"s.fin_prevue, s.valide_jusqu, s.created_at, s.started_at, s.ended_at " \
	"FROM sessions s JOIN utilisateurs u ON u.id = s.utilisateur_id " \
	"LEFT JOIN postes p ON p.id = s.poste_id "

extern const char *const sess_statut_names[SESS_STATUT__MAX];
extern const char *const sess_raison_names[RAISON__MAX];
extern const char *const poste_etat_names[POSTE_ETAT__MAX];

/*
 * Once per process, before any other call: the warning thresholds and
 * heartbeat interval come from cfg, which must outlive the process.
 */
void		sess_configure(const struct config *cfg);

enum sess_err {
	SESS_OK = 0,
	SESS_NOTFOUND,		/* no such session / poste: 404 */
	SESS_STATE,		/* not allowed from the current state: 409 */
	SESS_POSTE_BUSY,	/* the poste already runs a session: 409 */
	SESS_POSTE_UNAVAILABLE,	/* poste in maintenance or inactive: 409 */
	SESS_EXPIRED,		/* code past its validity: 410-like, 409 */
	SESS_NO_TIME,		/* no time left: 409 */
	SESS_USER_INACTIVE,	/* utilisateur deactivated or unknown: 422 */
	SESS_RESERVED,		/* the poste is reserved for someone else: 409 */
	SESS_DB,		/* database error (see db_err): 503/500 */
};

/* Limits enforced by every caller. */
#define SESS_DUREE_MIN		60		/* 1 min */
#define SESS_DUREE_MAX		(12 * 3600)	/* 12 h */
#define SESS_VALIDITE_MAX	(90 * 86400)	/* 90 days ahead */

/*
 * The session as JSON (the wire shape of a session everywhere), with
 * temps_restant derived from fin_prevue when active. NULL and SESS_NOTFOUND
 * when absent. Caller owns *out.
 */
enum sess_err	sess_get(struct db *, long long id, struct json_object **out);
/* Same for a live session by code (not terminee). */
enum sess_err	sess_get_by_code(struct db *, const char *code,
		    struct json_object **out);
/* The poste as JSON (no token), with its running session id if any. */
enum sess_err	poste_get(struct db *, long long id, struct json_object **out);

/*
 * Every staff-driven transition takes the actor (NULL for the kiosk and
 * the clock) and writes its audit row in the same transaction.
 *
 * New session en_attente for utilisateur uid, duree seconds, valid until
 * valide_jusqu (Unix seconds, UTC), created by staff sid (0: none).
 * Draws a fresh code, retrying on collision. *id receives the new id.
 */
enum sess_err	sess_create(struct db *, struct ev_batch *,
		    const struct actor *, long long uid,
		    long long duree, long long valide_jusqu, long long sid,
		    long long *id);
/* en_attente|suspendue -> active on poste pid; the poste becomes occupe. */
enum sess_err	sess_start(struct db *, struct ev_batch *,
		    const struct actor *, long long id,
		    long long pid);
/* Add seconds (may be used on any state but terminee). */
enum sess_err	sess_extend(struct db *, struct ev_batch *,
		    const struct actor *, long long id,
		    long long seconds);
/* active -> suspendue, remaining time kept; the poste becomes disponible. */
enum sess_err	sess_suspend(struct db *, struct ev_batch *,
		    const struct actor *, long long id);
/* any but terminee -> terminee with raison. */
enum sess_err	sess_terminate(struct db *, struct ev_batch *,
		    const struct actor *, long long id,
		    enum sess_raison);
/* Record EV_CODE_VALID / EV_CODE_REFUSED for the dashboard (own txn). */
enum sess_err	sess_note_code(struct db *, struct ev_batch *, enum ev_type,
		    long long session_id, long long pid, const char *motif);

/* Poste seen now: last_seen, and back from hors_ligne if it was. */
enum sess_err	poste_heartbeat(struct db *, struct ev_batch *, long long pid);
/* Staff sets or clears maintenance. */
enum sess_err	poste_set_maintenance(struct db *, struct ev_batch *,
		    const struct actor *,
		    long long pid, int on);

/*
 * What time decides, once: end sessions whose end time has come
 * (temps_ecoule), send the warnings whose threshold has been crossed,
 * expire codes past their validity, and put silent postes hors_ligne.
 * Each change commits on its own and its events are appended to b, which
 * the caller publishes (b is flushed through pub when it fills; pub may
 * be NULL). Returns the number of changes, or -1 on database error.
 */
struct ev_pub;
int		clock_sweep(struct db *, const struct config *,
		    struct ev_batch *b, struct ev_pub *pub);

/* Milliseconds until the next thing clock_sweep would do (0 when due,
 * at most 1000), so that a caller can sleep exactly; -1 on error. */
long long	clock_next_deadline_ms(struct db *, const struct config *);

#endif
