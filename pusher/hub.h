/*
 * hub.h - the hub (chan.c), its messages (msg.c) and revocations
 * (revoke.c): everything a unit test of the hub needs, and nothing of
 * the threads, sockets or HTTP around it.
 *
 * The hub knows nothing of who feeds it or reads its counters: what it
 * has to tell the rest goes through struct hub_hooks, set once by
 * main.c (a subscriber waits for an outbox replay: the intake; events
 * were published: the clock), and its counters are read by metrics.c
 * (hub_stat). So chan.c links alone: tests/unit/test_ws_hub.c links
 * chan.o, msg.o and revoke.o with a fake transport.
 *
 * Everything about channels, subscribers and their output queues is
 * protected by one mutex, hub_lock. Messages are immutable and
 * reference counted, so one event is framed once per transport and
 * shared by every subscriber queue it sits in, on every I/O thread.
 */
#ifndef POSTES_PUSHER_HUB_H
#define POSTES_PUSHER_HUB_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "ev.h"

struct json_object;

#define SUB_CHAN_MAX	8	/* channels on one multiplexed stream */
#define CHAN_NAME_MAX	32

/* Pusher settings, from struct config and POSTES_PUSHER_* keys. */
struct popts {
	unsigned int	 max_conn;	/* MHD connection limit */
	size_t		 conn_memory;	/* MHD pool per connection, bytes */
	size_t		 sub_max_bytes;	/* output queue cap per subscriber */
	size_t		 frame_max;	/* largest client frame / message */
	unsigned int	 keepalive;	/* s between keep-alives / pings */
	unsigned int	 ring;		/* events kept in memory for resume */
	unsigned int	 replay_max;	/* longest replay before a reset */
	unsigned int	 threads;	/* I/O threads (io.c) */
};

extern struct popts	 popts;

/* msg.c */

/*
 * A message: one wire JSON object and its framings. id > 0 for outbox
 * events (ordered, resumable); 0 for ephemeral messages (stats_update,
 * time_update, replies). Framings are built lazily under hub_lock and
 * then never change.
 */
struct msg {
	int		 refs;		/* atomic */
	long long	 id;
	unsigned int	 mask;		/* EV_CH_* bits */
	long long	 session_id;	/* sessions/<id> it goes to, 0: none */
	long long	 poste_id;	/* postes/<id> it goes to, 0: none */
	char		 type[32];
	char		*json;
	size_t		 jlen;
	char		*ws;		/* complete WebSocket frame */
	size_t		 wslen;
	char		*sse;		/* complete SSE record */
	size_t		 sselen;
	char		*ssec;		/* the same as one HTTP/1.1 chunk */
	size_t		 sseclen;
	long long	 read_us;	/* events: read from the outbox */
	long long	 queued_us;	/* events: queued to every subscriber */
};

/* New message owning a copy of json (one reference). NULL on ENOMEM. */
struct msg	*msg_new(long long id, const char *type, unsigned int mask,
		    long long session_id, const char *json, size_t jlen);
/* Message from a json-c object (serialised plain). Caller owns. */
struct msg	*msg_from_obj(long long id, unsigned int mask,
		    long long session_id, struct json_object *obj);
/* Message whose framings are fixed bytes (control frames, comments). */
struct msg	*msg_raw(const char *ws, size_t wslen, const char *sse,
		    size_t sselen);
struct msg	*msg_ref(struct msg *);
void		 msg_unref(struct msg *);
/*
 * Parse and validate one wire event (unit tests build events with it;
 * the pusher itself only publishes rows read from the outbox):
 * an object with integer id > 0 and a string type. Returns a new
 * message with its channel mask, or NULL (logged) when malformed.
 */
struct msg	*msg_parse_event(const char *s, size_t len);

enum ws_close {
	WS_CLOSE_NORMAL = 1000,
	WS_CLOSE_GOING_AWAY = 1001,
	WS_CLOSE_PROTOCOL = 1002,
	WS_CLOSE_UNSUPPORTED = 1003,
	WS_CLOSE_NO_STATUS = 1005,
	WS_CLOSE_BAD_DATA = 1007,
	WS_CLOSE_POLICY = 1008,
	WS_CLOSE_TOO_BIG = 1009,
	WS_CLOSE_INTERNAL = 1011,
	WS_CLOSE_RESTART = 1012,
};

/* Who admitted a subscriber (auth.c fills it, revoke.c reads it). */
enum auth_res { AUTH_ANON, AUTH_STAFF, AUTH_KIOSK, AUTH_BAD, AUTH_ERROR };

struct authinfo {
	enum auth_res	 res;
	long long	 subject;	/* staff id or poste id */
	long long	 session_id;	/* kiosk: the session it may follow,
					   0: its poste's channel only */
	long long	 staff_session;	/* staff: staff_sessions.id */
	long long	 at_ms;		/* when the database check began */
	long long	 expires_ms;	/* staff: when its staff session
					   expires (our clock), 0: never */
};

/* chan.c: channels, subscribers, fan-out, the resume ring */

enum sub_state { SUB_REPLAY, SUB_LIVE, SUB_DEAD };

struct sub;
struct req;

/*
 * A transport (ws.c, sse.c): how a message is framed, and how its
 * connection is told to write or to end. Every function is called with
 * hub_lock held and must not block.
 */
struct transport {
	const char	*name;
	int		 index;		/* into metrics by transport */
	/* m as bytes on this transport; built once into m. NULL: ENOMEM. */
	const char	*(*encode)(struct msg *m, size_t *len);
	/* Output was queued while the queue was empty: get it written. */
	void		 (*wake)(struct sub *);
	/* The subscriber must go (code: a WS close code). */
	void		 (*kick)(struct sub *, int code, const char *why);
};

enum { XPORT_WS, XPORT_SSE, XPORT__MAX };

struct member {
	struct sub	*sub;
	struct member	*prev, *next;
	unsigned int	 mask;		/* one EV_CH_ bit */
	long long	 id;		/* EV_CH_SESSION, EV_CH_POSTE: whose */
	void		*chan;		/* struct chan it is linked in */
};

struct sub {
	const struct transport *tp;
	void		*conn;		/* transport's connection */
	enum sub_state	 state;
	int		 refs;		/* hub_lock */
	int		 staff;		/* 1: staff (stats, get_stats) */
	struct authinfo	 auth;		/* what admitted it (revoke.c) */
	long long	 since;		/* resume point, -1 when none */
	long long	 last_id;	/* highest event id queued */
	size_t		 nmem;
	struct msg	**q;		/* output queue (ring of refs) */
	size_t		 qcap, qhead, qlen;
	size_t		 qoff;		/* bytes of q[qhead] already written */
	size_t		 inflight;	/* head entries being written (io.c):
					   a trim keeps them */
	size_t		 qbytes;	/* bytes queued, not yet written */
	struct sub	*rnext;		/* replay request list */
	int		 replay_queued;
	struct sub	*anext, *aprev;	/* every subscriber */
	/* Its channels, as many as it asked for (at most SUB_CHAN_MAX):
	 * allocated with the subscriber, not 8 each, since most streams
	 * follow one to three (issue 10: memory per subscriber). */
	struct member	 mem[];
};

extern pthread_mutex_t	 hub_lock;

int		 hub_init(void);
void		 hub_free(void);
/* Highest event id delivered (hub_lock not needed: atomic read). */
long long	 hub_last_id(void);
/* 1 once the intake has read the outbox's position. */
int		 hub_ready(void);

/*
 * New subscriber of the named channels for transport tp, admitted by ai
 * (kept for revoke.c); since < 0 means live from now. Parses the names;
 * returns NULL with *status set to 404 (unknown channel), 403 (a kiosk
 * asking for more than postes/<its poste> and sessions/<its ticket's
 * session>) or 500. The subscriber starts with one reference, owned by
 * the transport.
 */
struct sub	*sub_bare(const struct transport *tp, void *conn);
struct sub	*sub_new(const struct transport *tp, void *conn,
		    char *const *names, size_t nnames,
		    const struct authinfo *ai, long long since, int *status);
/*
 * s's authorisation was revoked: drop what is queued (never a frame
 * half written), queue a final "revoked" message, then close (WS 1008,
 * end of the SSE body). hub_lock held.
 */
void		 sub_revoke(struct sub *s, const char *reason);
/* Link s into its channels and start its replay or go live. Locked. */
void		 sub_attach(struct sub *s);
/* Unlink s, drop its queue, and release the transport's reference. */
void		 sub_detach(struct sub *s);
void		 sub_unref(struct sub *s);	/* hub_lock held */
/*
 * Queue m on s (takes a reference). Past the cap, s is "slow": what is
 * queued but the message being written is dropped and the transport's
 * kick queues its last words (sub_push_final), so the stream ends on a
 * frame / record boundary. Locked.
 */
void		 sub_push(struct sub *s, struct msg *m);
/* Queue m whatever the cap or state: a stream's last message. Locked. */
void		 sub_push_final(struct sub *s, struct msg *m);
/* First queued bytes of s, or NULL when empty. Locked. */
const char	*sub_peek(struct sub *s, size_t *len);
/* n bytes of the head were written. Locked. */
void		 sub_consume(struct sub *s, size_t n);
/* Copy up to max queued bytes into buf and consume them. Locked. */
size_t		 sub_read(struct sub *s, char *buf, size_t max);

/*
 * Deliver an event or ephemeral message to every live subscriber of
 * its channels. Events at or below the watermark are dropped (dedupe);
 * an event raises the watermark and enters the resume ring. Takes the
 * lock. Returns 1 when delivered, 0 when a duplicate.
 */
int		 hub_publish(struct msg *m);
/*
 * The outbox went back below the watermark (database restored): forget
 * the ring, take last as the watermark, and close every subscriber so
 * that each reconnects and gets a reset.
 */
void		 hub_rewind(long long last);
/*
 * Once the outbox's position is known: replace the resume ring with evs
 * (n events, ascending, ids in (floor, last]), set the watermark to last
 * and mark the hub ready. No delivery.
 */
void		 hub_ring_fill(struct msg **evs, size_t n, long long last,
		    long long floor);
/*
 * Replays needing the database: pop one pending subscriber (with a
 * reference) or NULL. Then hub_replay_finish() with the events fetched.
 */
struct sub	*hub_replay_next(void);
/* Floor of the in-memory ring: events above it are all in memory. */
long long	 hub_ring_floor(void);
/*
 * Finish a replay: queue evs (n events, ascending, ids in
 * (s->since, ring floor]) that s wants, then the ring, then go live.
 * reset: send a reset message instead. Drops the reference.
 */
void		 hub_replay_finish(struct sub *s, struct msg **evs, size_t n,
		    int reset, const char *why);
/* Latest stats snapshot (takes over m); NULL clears. */
void		 hub_set_stats(struct msg *m);
/* Reply to get_stats / get_time on s. Locked. */
void		 hub_reply_stats(struct sub *s);
/* time_update for the subscriber's sessions/<id> (only session_id when > 0;
 * an error when it does not follow that one). */
void		 hub_reply_time(struct sub *s, long long session_id);
/* Remember the last time_update of a session (takes a reference). */
void		 hub_set_time(long long session_id, struct msg *m);
/* 1 when someone listens on sessions/<id>. */
int		 hub_session_watched(long long session_id);
/* revoke.c */

/* One auth_revoked event, as the pusher acts on it. */
struct revocation {
	enum ev_revoke	 scope;
	long long	 id;		/* staff id, staff session or poste */
	long long	 at_ms;		/* when the hub acted on it */
	char		 reason[24];
};

/* Read an auth_revoked wire event. 0, or -1 when malformed. */
int		 revoke_parse(const char *json, size_t len,
		    struct revocation *rv);
/* 1 when rv names what admitted s. */
int		 revoke_matches(const struct revocation *rv,
		    const struct sub *s);
/* Act on an auth_revoked event (hub_publish, hub_lock held). */
void		 revoke_event(const struct msg *m);
/* A subscriber being attached: close it if a revocation acted on
 * since its check names it (hub_lock held). */
void		 revoke_check_new(struct sub *s);
/* Close every subscriber rv names (hub_lock held; chan.c). */
void		 hub_revoke(const struct revocation *rv);
/*
 * Close the streams whose staff session has expired by now_ms: a
 * "revoked" message with reason "expired", then close 1008 or the end
 * of the SSE body, as for a logout. A staff session's end is fixed at
 * log-in (no sliding), so the time read at the connect's check holds.
 * O(1) until the earliest expiry comes. Takes hub_lock.
 */
void		 hub_expire(long long now_ms);

/* Kick every subscriber (shutdown). */
void		 hub_kick_all(int code, const char *why);
/* Counters for /metrics, under the lock. */
struct hub_counts {
	size_t	 subs[XPORT__MAX];
	size_t	 chan[XPORT__MAX][5];	/* dashboard, sessions, postes,
					   sessions/<id>, postes/<id> */
	size_t	 queued_bytes;
	size_t	 ring;
	size_t	 session_chans;
	size_t	 poste_chans;
};
void		 hub_count(struct hub_counts *);
/* 1 when a stats_update is owed (events since the last one). */
int		 hub_stats_dirty(void);
void		 hub_stats_clean(void);

/* Counters of the hub, read by metrics.c (hub_stat_get). */
enum hub_stat {
	HS_MSGS_WS, HS_MSGS_SSE, HS_DROPS_SLOW_WS, HS_DROPS_SLOW_SSE,
	HS_REPLAY_RING, HS_REPLAY_DB, HS_REPLAY_RESET, HS_REPLAYED_EVENTS,
	HS_EVENTS_DUP, HS_REVOKED, HS__MAX
};
unsigned long long hub_stat_get(enum hub_stat);

/*
 * What the hub tells the rest, set once by main.c before any thread
 * runs; a NULL member is not called. Called without hub_lock held
 * (published) or with it (replay_wanted): neither may take it.
 */
struct hub_hooks {
	/* A subscriber waits in the replay queue (hub_replay_next). */
	void	 (*replay_wanted)(void);
	/* Outbox events were published (the clock's deadline may move). */
	void	 (*published)(void);
};
void		 hub_set_hooks(const struct hub_hooks *);

#endif
