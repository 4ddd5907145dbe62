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
 *	     |                  |  \--closing---> terminee(fermeture_site)
 *	     |                  \--terminate----> terminee(admin|fermeture_normale)
 *	     \--validity over--> terminee(expiree)   (suspendue likewise)
 */
#ifndef POSTES_SESS_H
#define POSTES_SESS_H

#include "ev.h"
#include "audit.h"
#include "rules.h"

struct config;
struct json_object;

enum sess_statut { SESS_EN_ATTENTE, SESS_ACTIVE, SESS_SUSPENDUE,
	SESS_TERMINEE, SESS_STATUT__MAX };
enum sess_raison { RAISON_FERMETURE_NORMALE, RAISON_TEMPS_ECOULE,
	RAISON_ADMIN, RAISON_EXPIREE, RAISON_FERMETURE_SITE, RAISON__MAX };
enum poste_etat { POSTE_DISPONIBLE, POSTE_OCCUPE, POSTE_HORS_LIGNE,
	POSTE_MAINTENANCE, POSTE_ETAT__MAX };

/* Seconds left of an active session, rounded up, never negative. */
#define SESS_SQL_LEFT "GREATEST(0, CAST(CEIL(TIMESTAMPDIFF(MICROSECOND, " \
	"UTC_TIMESTAMP(3), s.fin_prevue) / 1000000) AS SIGNED))"

/*
 * The columns of a session as the wire shows it, for modules that select
 * sessions with their own filters (one shape everywhere). A session may
 * belong to nobody (a guest pass, an anonymised history): the person is
 * a LEFT JOIN and its names may be null. code_acces, utilisateur, poste
 * and duree_initiale are the seed's names, kept for its clients.
 */
#define SESS_SQL_FROM "s.id, s.code, s.code AS code_acces, s.statut, " \
	"s.raison, s.utilisateur_id, " \
	"u.nom AS utilisateur_nom, u.prenom AS utilisateur_prenom, " \
	"IF(u.id IS NULL, NULL, CONCAT(u.prenom, ' ', u.nom)) AS utilisateur, " \
	"s.categorie_id, c.code AS categorie, s.invite, " \
	"s.poste_id, p.nom AS poste_nom, p.nom AS poste, s.duree_totale, " \
	"s.duree_totale AS duree_initiale, " \
	"CAST(IF(s.statut = 'active', " SESS_SQL_LEFT ", s.temps_restant) AS SIGNED) " \
	"AS temps_restant, " \
	"s.fin_prevue, s.ferme_a, s.valide_jusqu, s.created_at, s.started_at, " \
	"s.ended_at " \
	"FROM sessions s LEFT JOIN utilisateurs u ON u.id = s.utilisateur_id " \
	"LEFT JOIN categories c ON c.id = s.categorie_id " \
	"LEFT JOIN postes p ON p.id = s.poste_id "

/*
 * The poste as the wire shows it, in GET /api/postes, GET /api/postes/:id
 * and every poste_* event alike: its site, and who is on it with how much
 * time left (a guest has no name).
 */
#define POSTE_SQL_FROM "p.id, p.nom, p.emplacement, p.site_id, " \
	"st.nom AS site_nom, p.etat, p.last_seen, p.actif, p.created_at, " \
	"p.updated_at, s.id AS session_id, " \
	"u.nom AS utilisateur_nom, u.prenom AS utilisateur_prenom, " \
	"CAST(" SESS_SQL_LEFT " AS SIGNED) AS temps_restant, s.fin_prevue " \
	"FROM postes p LEFT JOIN sessions s ON s.poste_actif = p.id " \
	"LEFT JOIN utilisateurs u ON u.id = s.utilisateur_id " \
	"LEFT JOIN sites st ON st.id = p.site_id "

/*
 * The wire names of the states, NULL-terminated so that they serve as
 * the validators' enum lists too. Defined once, in sess.c.
 */
extern const char *const sess_statut_names[SESS_STATUT__MAX + 1];
extern const char *const sess_raison_names[RAISON__MAX + 1];
extern const char *const poste_etat_names[POSTE_ETAT__MAX + 1];

enum sess_err {
	SESS_OK = 0,
	SESS_NOTFOUND,		/* no such session / poste: 404 */
	SESS_STATE,		/* not allowed from the current state: 409 */
	SESS_POSTE_BUSY,	/* the poste already runs a session: 409 */
	SESS_POSTE_UNAVAILABLE,	/* poste in maintenance or inactive: 409 */
	SESS_EXPIRED,		/* code past its validity: 410-like, 409 */
	SESS_NO_TIME,		/* no time left: 409 */
	SESS_USER_INACTIVE,	/* utilisateur deactivated or unknown: 422 */
	SESS_ELSEWHERE,		/* active on another poste: 409 */
	SESS_SITE_CLOSED,	/* the poste's site is closed now: 409 */
	SESS_CLOSING,		/* closing reached, nothing can be added: 409 */
	SESS_QUOTA_JOUR,	/* the person's daily allowance: 409 */
	SESS_QUOTA_SEMAINE,	/* the person's weekly allowance: 409 */
	SESS_RESERVED,		/* the poste is reserved for someone else: 409 */
	SESS_DB,		/* database error (see db_err): 503/500 */
};

/* Limits enforced by every caller. */
#define SESS_DUREE_MIN		60		/* 1 min */
#define SESS_DUREE_MAX		(12 * 3600)	/* 12 h */
#define SESS_VALIDITE_MAX	(90 * 86400)	/* 90 days ahead */
#define SESS_LOT_MAX		40		/* guest passes in one batch */

/*
 * What a rule decided besides yes or no, for the answer's message: the
 * seconds cut because the site closes (and when), and the allowance
 * that was checked. Every field 0 (or -1 for "no limit") when unused.
 */
struct sess_note {
	long long	 coupe;		/* seconds cut by the closing */
	long long	 ferme_a;	/* the closing instant, Unix s, or 0 */
	long long	 restant_jour;	/* allowance left after, s, or -1 */
	long long	 restant_semaine;
	long long	 accorde;	/* seconds actually added (extend) */
};

/*
 * The session as JSON (the wire shape of a session everywhere), with
 * temps_restant derived from fin_prevue when active. NULL and SESS_NOTFOUND
 * when absent. Caller owns *out.
 */
enum sess_err	sess_get(struct db *, long long id, struct json_object **out);
/* Same for a live session by code (not terminee). */
enum sess_err	sess_get_by_code(struct db *, const char *code,
		    struct json_object **out);
/* The poste as JSON (POSTE_SQL_FROM), with its running session if any. */
enum sess_err	poste_get(struct db *, long long id, struct json_object **out);

/*
 * Every staff-driven transition takes the actor (NULL for the kiosk and
 * the clock) and writes its audit row in the same transaction. note may
 * be NULL; else it is filled (zeroed first).
 *
 * New session en_attente for utilisateur uid, duree seconds, valid until
 * valide_jusqu (Unix seconds, UTC), created by staff sid (0: none).
 * The person's category is copied and its quotas enforced.
 * Draws a fresh code, retrying on collision. *id receives the new id.
 */
enum sess_err	sess_create(struct db *, struct ev_batch *,
		    const struct actor *, long long uid,
		    long long duree, long long valide_jusqu, long long sid,
		    long long *id, struct sess_note *note);
/*
 * n guest passes (invite category, no person) of duree seconds each,
 * valid until the end of the local day, in one transaction: all or
 * none. ids[] receives the n new ids, *lot the batch id. One event
 * (invites_created) for the batch.
 */
enum sess_err	sess_create_guests(struct db *, struct ev_batch *,
		    const struct actor *, int n, long long duree,
		    long long sid, long long *lot, long long *ids);
/*
 * Whether session id could start on poste pid now: the same checks as
 * sess_start, under the same locks, then rolled back (the kiosk's
 * validate). note says whether the closing would cut it.
 */
/*
 * The kiosk's validate of code at poste pid, in one transaction: the
 * checks of sess_admit under the session's row lock, then code_valid
 * recorded in b with the session. SESS_OK with *out the session
 * ("poste": pid's name; caller owns it); SESS_NOTFOUND when no live
 * session has this code; SESS_NO_TIME also when the session was past
 * its end (then ended, its events in b); else why not. *sid is the
 * session's id once found (0 otherwise), for the refusal's event.
 */
enum sess_err	sess_validate(struct db *, struct ev_batch *, const char *code,
		    long long pid, struct sess_note *, long long *sid,
		    struct json_object **out);
enum sess_err	sess_admit(struct db *, long long id, long long pid,
		    struct sess_note *note);
/* en_attente|suspendue -> active on poste pid; the poste becomes occupe.
 * Refused when the site is closed or an allowance is spent; the run is
 * cut at the site's closing (note->coupe). */
enum sess_err	sess_start(struct db *, struct ev_batch *,
		    const struct actor *, long long id,
		    long long pid, struct sess_note *note);
/* Add seconds (may be used on any state but terminee), within the
 * allowance; a running session only up to its site's closing. */
enum sess_err	sess_extend(struct db *, struct ev_batch *,
		    const struct actor *, long long id,
		    long long seconds, struct sess_note *note);
/* active -> suspendue, remaining time kept; the poste becomes disponible. */
enum sess_err	sess_suspend(struct db *, struct ev_batch *,
		    const struct actor *, long long id);
/* any but terminee -> terminee with raison. */
enum sess_err	sess_terminate(struct db *, struct ev_batch *,
		    const struct actor *, long long id,
		    enum sess_raison);
/*
 * End session id if it is active and its end time has passed by the
 * database's clock (its own transaction, under the row lock), with
 * temps_ecoule or, when its end was its site's closing, fermeture_site.
 * Every reader that acts on a running session calls it first, so that
 * the end holds without any clock running (shared hosting between two
 * cron sweeps): SESS_OK when it ended it, SESS_STATE when there was
 * nothing to end. sess_extend, sess_suspend and sess_terminate apply the
 * same rule themselves (extend then answers SESS_STATE).
 */
enum sess_err	sess_lapse(struct db *, struct ev_batch *, long long id);
/* The seed's "poste" of a session not yet started: the name of poste
 * pid where its code is being typed (left alone when set). */
void		sess_fill_poste(struct db *, struct json_object *, long long pid);
/* Record EV_CODE_VALID / EV_CODE_REFUSED for the dashboard (own txn);
 * code_valid carries the session (seed fields, poste filled). */
enum sess_err	sess_note_code(struct db *, struct ev_batch *, enum ev_type,
		    long long session_id, long long pid, const char *motif);
/*
 * The hours of site sid changed: every session running on its postes is
 * cut at the new closing (or ended with fermeture_site when the site is
 * now closed). Each session commits on its own. Returns the number of
 * sessions changed (a batch: call again until 0, publishing b between
 * calls), or -1.
 */
int		sess_site_recap(struct db *, struct ev_batch *, long long sid);

/* Poste seen now: last_seen, and back from hors_ligne if it was (then,
 * unless it is its very first heartbeat, poste_online is announced). */
enum sess_err	poste_heartbeat(struct db *, struct ev_batch *, long long pid);
/* Staff sets or clears maintenance; a poste silent for offline_after
 * seconds comes back hors_ligne rather than disponible. */
enum sess_err	poste_set_maintenance(struct db *, struct ev_batch *,
		    const struct actor *,
		    long long pid, int on, long long offline_after);

#endif
