/*
 * ev.h - events: the outbox table, the wire encoding, the ZeroMQ fast path.
 *
 * Every change of state writes one row into `events` inside the same
 * transaction as the change (ev_record). Ids come from a one-row counter
 * locked FOR UPDATE until commit, so ids become visible in strictly
 * increasing order: a reader that has seen id N never later finds a new
 * id below N. After commit the request rings the pusher's doorbell over
 * a PUSH socket (ev_pub_send): a message that only says "new rows"; the
 * pusher reads them from the table, which is the only truth, and also
 * polls it every second in case a ring is lost.
 *
 * The wire form of an event, identical over WebSocket, SSE and
 * GET /api/events, is one JSON object:
 *
 *	{"id":42,"type":"session_started","timestamp":"2026-...Z",
 *	 "session_id":7,"poste_id":3,"data":{...}}
 *
 * session_terminated also carries the seed's top-level "raison" and
 * "message" (the French sentence a kiosk shows), code_valid its
 * "session".
 */
#ifndef POSTES_EV_H
#define POSTES_EV_H

#include <stddef.h>
#include "db.h"

struct json_object;

enum ev_type {
	EV_SESSION_CREATED,
	EV_SESSION_UPDATED,
	EV_CODE_VALID,
	EV_CODE_REFUSED,
	EV_SESSION_STARTED,
	EV_SESSION_EXTENDED,
	EV_SESSION_SUSPENDED,
	EV_WARNING,
	EV_SESSION_TERMINATED,
	EV_POSTE_CREATED,
	EV_POSTE_UPDATED,
	EV_POSTE_STATUS,
	EV_POSTE_DELETED,
	EV_UTILISATEUR_CREATED,
	EV_UTILISATEUR_UPDATED,
	EV_UTILISATEUR_DELETED,
	EV_AUTH_REVOKED,	/* internal: EV_CH_CONTROL only */
	EV_FERMETURE_PROCHE,	/* the site closes in N minutes */
	EV_POSTE_ONLINE,	/* a poste back from hors_ligne */
	EV_INVITES_CREATED,	/* a batch of guest passes */
	EV_SITE_UPDATED,	/* a site, its hours or closure days */
	EV_MESSAGE_SENT,
	EV_MESSAGE_POSTE,
	EV_MESSAGE_ACKED,
	EV_RESERVATION_CREATED,
	EV_RESERVATION_UPDATED,
	EV__MAX
};

/* Channels an event goes to, as a bit mask stored with the row. */
enum ev_chan {
	EV_CH_DASHBOARD	= 1 << 0,
	EV_CH_SESSIONS	= 1 << 1,
	EV_CH_POSTES	= 1 << 2,
	EV_CH_SESSION	= 1 << 3,	/* sessions/<session_id> */
	/*
	 * Internal control events for the pusher itself. No channel name
	 * parses to it, GET /api/events never asks for it, and the pusher
	 * acts on it instead of delivering it: nobody outside sees it.
	 */
	EV_CH_CONTROL	= 1 << 4,
	EV_CH_POSTE	= 1 << 5,	/* postes/<poste_id>: its kiosk */
};

/*
 * What an auth_revoked event names (its data.scope): every stream that
 * one staff member, one staff session or one poste opened must close.
 */
enum ev_revoke {
	EV_REVOKE_STAFF,		/* data.staff_id */
	EV_REVOKE_STAFF_SESSION,	/* data.staff_session (and staff_id) */
	EV_REVOKE_POSTE,		/* data.poste_id */
	EV_REVOKE__MAX
};

/* Wire name of a type ("session_started"), or NULL if out of range. */
const char	*ev_name(enum ev_type);
/* Type by wire name, or -1. */
int		 ev_lookup(const char *name);
/* Channel mask of a type. */
unsigned int	 ev_channels(enum ev_type);

/*
 * Parse a channel name ("dashboard", "sessions", "postes", "sessions/12",
 * "postes/3"). Sets *mask to one EV_CH_ bit and *session_id to the id of
 * sessions/<id> or postes/<id> (0 otherwise).
 * Returns 0, or -1 for an unknown or malformed name.
 */
int		 ev_chan_parse(const char *name, unsigned int *mask,
		    long long *session_id);

/* Events recorded in a transaction, published after it commits. */
/* A message to a site records one event per poste (MESSAGE_POSTES_MAX). */
#define EV_BATCH_MAX 72
struct ev_batch {
	char	*msg[EV_BATCH_MAX];	/* wire JSON, owned */
	size_t	 n;
	long long last;			/* highest id recorded (a hint) */
};

/*
 * Inside an open transaction: take the next id, insert the row, and append
 * its wire form to b. data is borrowed (not freed). session_id/poste_id 0
 * mean none. On error nothing is appended; the caller rolls back.
 */
enum db_err	 ev_record(struct db *, struct ev_batch *b, enum ev_type,
		    long long session_id, long long poste_id,
		    struct json_object *data);
void		 ev_batch_clear(struct ev_batch *);

/*
 * Inside the transaction of the change that revokes (logout, password,
 * role, deactivation, token rotation): record an auth_revoked event so
 * that the pusher closes the streams it names. id is the staff id, the
 * staff_sessions.id or the poste id according to scope; staff_id goes
 * with EV_REVOKE_STAFF_SESSION. reason is a short word ("logout").
 */
enum db_err	 ev_revoke(struct db *, struct ev_batch *b, enum ev_revoke,
		    long long id, long long staff_id, const char *reason);
/* Scope name ("staff", "staff_session", "poste") and back (-1). */
const char	*ev_revoke_name(enum ev_revoke);
int		 ev_revoke_lookup(const char *name);

/*
 * Events with id > since visible on a channel (mask, and session_id for
 * EV_CH_SESSION, poste id for EV_CH_POSTE), oldest first, at most limit. *out is a json array of
 * wire objects (caller owns); *last the highest id returned (or since).
 */
enum db_err	 ev_fetch(struct db *, long long since, unsigned int mask,
		    long long session_id, unsigned int limit,
		    struct json_object **out, long long *last);
/* Highest event id committed so far (0 when none). */
enum db_err	 ev_last_id(struct db *, long long *last);
/* Lowest id still in the table (0 when empty): older ids need a reset. */
enum db_err	 ev_first_id(struct db *, long long *first);

/* The French sentence for a raison (session_terminated's "message"). */
const char	*ev_raison_message(const char *raison);
/* Build the wire object of one event. Caller owns the result. */
struct json_object *ev_wire(long long id, const char *type,
		    const char *timestamp, long long session_id,
		    long long poste_id, struct json_object *data);

/*
 * ZeroMQ publisher: one PUSH socket per process, connected once, never
 * blocking (DONTWAIT, small linger): a pusher that is down costs nothing.
 */
struct ev_pub;
struct config;
struct ev_pub	*ev_pub_open(const struct config *);
void		 ev_pub_close(struct ev_pub *);
/* Ring the pusher's doorbell for b (best effort), then clear b. */
void		 ev_pub_send(struct ev_pub *, struct ev_batch *b);

#endif
