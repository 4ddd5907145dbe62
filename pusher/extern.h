/*
 * extern.h - the pusher's internal interfaces, grouped by source file.
 *
 * Threads and what they own:
 *
 *	MHD thread	HTTP: routing, WebSocket handshakes, SSE bodies
 *			(content reader callbacks), /healthz, /metrics
 *	ws thread	upgraded WebSocket sockets in its own epoll set,
 *			keep-alives of every transport
 *	intake thread	ZeroMQ PULL, catch-up from the outbox, replays
 *			that need the database
 *	clock thread	clock_sweep, time_update, stats_update
 *	auth thread	cookie checks against the database
 *
 * Everything about channels, subscribers and their output queues is
 * protected by one mutex, hub_lock (chan.c). Messages are immutable
 * and reference counted, so one event is framed once per transport and
 * shared by every subscriber queue it sits in.
 */
#ifndef POSTES_PUSHER_EXTERN_H
#define POSTES_PUSHER_EXTERN_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "ev.h"

struct config;
struct json_object;
struct MHD_Connection;
struct MHD_Daemon;

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
};

extern struct popts	 popts;
extern const struct config *pcfg;

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
	long long	 session_id;
	char		 type[32];
	char		*json;
	size_t		 jlen;
	char		*ws;		/* complete WebSocket frame */
	size_t		 wslen;
	char		*sse;		/* complete SSE record */
	size_t		 sselen;
	char		*ssec;		/* the same as one HTTP/1.1 chunk */
	size_t		 sseclen;
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

/* wsproto.c: RFC 6455, no I/O (unit tested) */

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

enum ws_op {
	WS_OP_CONT = 0x0, WS_OP_TEXT = 0x1, WS_OP_BINARY = 0x2,
	WS_OP_CLOSE = 0x8, WS_OP_PING = 0x9, WS_OP_PONG = 0xA,
};

struct ws_frame {
	int		 fin;
	int		 op;
	uint64_t	 len;		/* payload length */
	size_t		 hlen;		/* header length incl. mask key */
	unsigned char	 key[4];
};

#define WS_ACCEPT_LEN	28	/* base64 of SHA-1 */
#define WS_HDR_MAX	14

/* SHA-1 of data (only for the handshake's accept key). */
void	 ws_sha1(const void *data, size_t len, unsigned char out[20]);
/*
 * Sec-WebSocket-Accept for a client key. Returns 0, or -1 when the key
 * is not the base64 of 16 bytes.
 */
int	 ws_accept_key(const char *key, char out[WS_ACCEPT_LEN + 1]);
/*
 * Parse a client frame header from buf. Returns 1 with *f filled when
 * complete, 0 when more bytes are needed, or -WS_CLOSE_* when the
 * header breaks the protocol (unmasked, reserved bits, bad opcode,
 * fragmented or long control frame) or the payload exceeds max.
 */
int	 ws_parse_header(const unsigned char *buf, size_t len, size_t max,
	    struct ws_frame *f);
/* XOR payload with the mask key, starting at payload offset off. */
void	 ws_unmask(unsigned char *p, size_t len, const unsigned char key[4],
	    uint64_t off);
/* Server frame header (unmasked) into hdr; returns its length. */
size_t	 ws_frame_header(unsigned char hdr[WS_HDR_MAX], int op, uint64_t len);
/* 1 when s[0..len) is valid UTF-8 (no overlongs, no surrogates). */
int	 ws_utf8_valid(const unsigned char *s, size_t len);
/* 1 when code may appear in a close frame received from a peer. */
int	 ws_close_code_valid(unsigned int code);
/* Close frame (header + code + reason) into out (>= 4 + 123). */
size_t	 ws_close_frame(unsigned char *out, unsigned int code,
	    const char *reason);

/*
 * Receiving side of a connection (wsproto.c, no I/O, fuzzed): feed it
 * bytes; it calls ops for every frame and every complete message.
 */
struct ws_rx {
	unsigned char	*in;		/* incomplete frame bytes */
	size_t		 inlen, incap;
	unsigned char	*frag;		/* fragmented message so far */
	size_t		 fraglen;
	int		 fragop;
	int		 in_frag;
	int		 done;		/* failed, closed or refused */
	size_t		 max;		/* largest frame / message */
};

struct ws_rx_ops {
	/* Every complete frame before it is acted on; nonzero: stop. */
	int	 (*on_frame)(void *arg, const struct ws_frame *f);
	/* A complete text message, valid UTF-8, p[len] == '\0'. */
	void	 (*on_message)(void *arg, const unsigned char *p, size_t len);
	void	 (*on_ping)(void *arg, const unsigned char *p, size_t len);
	/* The peer's close frame, code already checked. */
	void	 (*on_close)(void *arg, unsigned int code);
	/* The peer broke a rule: close with code. */
	void	 (*on_fail)(void *arg, int code, const char *why);
};

void	 ws_rx_feed(struct ws_rx *, const void *p, size_t n,
	    const struct ws_rx_ops *, void *arg);
void	 ws_rx_free(struct ws_rx *);

/* sseproto.c: text/event-stream framing, no I/O (unit tested) */

/*
 * One SSE record: "id: N\n" (when id > 0), "event: type\n" (when type
 * is non-empty), one "data: " line per line of data, blank line.
 * Returns a malloc'd string (caller frees) and its length, or NULL.
 */
char	*sse_record(long long id, const char *type, const char *data,
	    size_t len, size_t *outlen);
/*
 * Parse a Last-Event-ID value: decimal, 0..2^53. 0 with *id set, or -1.
 */
int	 sse_parse_id(const char *s, long long *id);
/*
 * Split the channel part of a URL ("dashboard", "sessions/12/", or
 * "multi" with multi = the ?channels= value "a,b") into names, which
 * point into buf. Every name is checked (ev_chan_parse). Returns the
 * count (1..max), or -1 when malformed.
 */
int	 chan_split(const char *path, const char *multi, char *buf,
	    size_t bufsz, char **names, size_t max);
/* Whether a comma-separated header value holds token (any case). */
int	 http_has_token(const char *v, const char *token);

/* Who admitted a subscriber (auth.c fills it, revoke.c reads it). */
enum auth_res { AUTH_ANON, AUTH_STAFF, AUTH_KIOSK, AUTH_BAD, AUTH_ERROR };

struct authinfo {
	enum auth_res	 res;
	long long	 subject;	/* staff id or poste id */
	long long	 session_id;	/* kiosk: the session it may follow */
	long long	 staff_session;	/* staff: staff_sessions.id */
	long long	 at_ms;		/* when the database check began */
};

/* chan.c: channels, subscribers, fan-out, the resume ring */

enum sub_state { SUB_REPLAY, SUB_LIVE, SUB_DEAD };

struct sub;
struct req;

/*
 * A transport (ws.c, sse.c). Every function is called with hub_lock
 * held and must not block.
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
	long long	 session_id;	/* EV_CH_SESSION */
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
	struct member	 mem[SUB_CHAN_MAX];
	struct msg	**q;		/* output queue (ring of refs) */
	size_t		 qcap, qhead, qlen;
	size_t		 qoff;		/* bytes of q[qhead] already written */
	size_t		 qbytes;	/* bytes queued, not yet written */
	struct sub	*rnext;		/* replay request list */
	int		 replay_queued;
	struct sub	*anext, *aprev;	/* every subscriber */
};

extern pthread_mutex_t	 hub_lock;

int		 hub_init(void);
void		 hub_free(void);
/* Highest event id delivered (hub_lock not needed: atomic read). */
long long	 hub_last_id(void);
/* 1 once the intake has read the outbox's position. */
int		 hub_ready(void);

/*
 * New subscriber of the named channels for transport tp; since < 0
 * means live from now. Parses the names; returns NULL with *status set
 * to 404 (unknown channel), 403 (kiosk asking for another channel) or
 * 500. kiosk_session > 0 restricts to sessions/<kiosk_session>.
 * The subscriber starts with one reference, owned by the transport.
 */
struct sub	*sub_bare(const struct transport *tp, void *conn);
struct sub	*sub_new(const struct transport *tp, void *conn,
		    char *const *names, size_t nnames, int staff,
		    long long kiosk_session, long long since, int *status);
/* Remember what admitted s, before sub_attach (revoke.c). */
void		 sub_set_auth(struct sub *s, const struct authinfo *ai);
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
/* Keep-alive every live subscriber of a transport (XPORT_*) with
 * nothing queued. */
void		 hub_keepalive(int index, struct msg *m);
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

/* Kick every subscriber (shutdown). */
void		 hub_kick_all(int code, const char *why);
/* Counters for /metrics, under the lock. */
struct hub_counts {
	size_t	 subs[XPORT__MAX];
	size_t	 chan[XPORT__MAX][4];	/* dashboard, sessions, postes, session */
	size_t	 queued_bytes;
	size_t	 ring;
	size_t	 session_chans;
};
void		 hub_count(struct hub_counts *);
/* 1 when a stats_update is owed (events since the last one). */
int		 hub_stats_dirty(void);
void		 hub_stats_clean(void);
/* Wake the clock (events that may move its deadline arrived). */
void		 hub_set_clock_wake(void (*fn)(void));

/* ws.c */

extern const struct transport ws_transport;
int		 ws_start(void);
void		 ws_stop(void);
/* Handshake (MHD thread): queue the 101 or an error response. */
int		 ws_handshake(struct MHD_Connection *, struct req *,
		    const char *chanpath);
size_t		 ws_count(void);

/* sse.c */

extern const struct transport sse_transport;
int		 sse_request(struct MHD_Connection *, struct req *,
		    const char *chanpath);
int		 sse_start(void);
/* Shutdown, in two steps: stop taking over, then (after the kicks and
 * the wait) finish what is left and join the thread. */
void		 sse_stop(void);
void		 sse_join(void);
size_t		 sse_count(void);
extern struct msg *sse_keepalive_msg;

/* auth.c */

/* Open the MHD thread's database handle. 0 or -1. */
int		 auth_init(void);
void		 auth_free(void);
/*
 * Who is asking (MHD thread only): a valid ?ticket= wins, else the
 * postes_sid cookie. Either is checked against the database on every
 * connect (the ticket's staff session, or its poste token and access
 * session; the cookie's staff session), so a revoked one is refused at
 * once. Never fails open: a database error gives AUTH_ERROR.
 */
void		 auth_request(struct MHD_Connection *, struct authinfo *ai);
/* 1 when the request carries no Origin or an allowed one. */
int		 auth_origin_ok(struct MHD_Connection *);

/* main.c */

/* Per-request context (MHD con_cls). */
struct req {
	struct sub	*sub;		/* WS: attached once upgraded */
	int		 refuse;	/* WS: close code to send at once */
	char		 why[48];
	long long	 since;
	int		 http11;	/* request said HTTP/1.1 */
};

/* Queue a JSON error response {"error":{code,message}}. */
int		 http_error(struct MHD_Connection *, unsigned int status,
		    const char *code, const char *message);
/*
 * Split the channel part of a URL ("dashboard", "sessions/12",
 * "multi" with ?channels=a,b) into names (pointers into buf).
 * Returns the count, or -1 when malformed.
 */
int		 http_channels(struct MHD_Connection *, const char *path,
		    char *buf, size_t bufsz, char **names, size_t max);

/* intake.c */

int		 intake_start(void);
void		 intake_stop(void);
/* Ring the doorbell in-process (the clock committed events). */
void		 intake_ring(void);
/* Ask the intake to look at pending replays now. */
void		 intake_poke(void);

/* clock.c */

int		 clock_start(void);
void		 clock_stop(void);
void		 clock_wake(void);

/* metrics.c */

enum mcount {
	M_EVENTS_ZMQ, M_EVENTS_CLOCK, M_EVENTS_OUTBOX, M_EVENTS_DUP,
	M_EVENTS_BAD, M_MSGS_WS, M_MSGS_SSE, M_DROPS_SLOW,
	M_WS_PROTOCOL_CLOSE, M_WS_TOO_BIG_CLOSE, M_WS_POLICY_CLOSE,
	M_REPLAY_RING, M_REPLAY_DB, M_REPLAY_RESET, M_REPLAYED_EVENTS,
	M_AUTH_FAIL, M_STATS_SENT, M_TIME_SENT, M_CLOCK_CHANGES,
	M_CONN_WS_TOTAL, M_CONN_SSE_TOTAL, M_DB_ERRORS,
	M_WS_FLOOD_CLOSE, M_DROPS_SLOW_SSE, M_INTAKE_RINGS, M_INTAKE_POLLS,
	M_INTAKE_REFUSED, M_HEALTH_REFUSED, M_REVOKED,
	M__MAX
};

void		 metric_inc(enum mcount);
void		 metric_add(enum mcount, unsigned long long);
/* Note the start time (before any thread runs). */
void		 metrics_start(void);
/* Prometheus text. Caller frees. */
char		*metrics_render(size_t *len);
/* JSON health body; *ok 0 when something cannot run. Caller frees. */
char		*health_render(size_t *len, int *ok);
/* What /healthz watches: the outbox reads and the clock's sweeps. */
enum health_part { HEALTH_OUTBOX, HEALTH_CLOCK, HEALTH__MAX };
/* The latest attempt of a part succeeded (1) or failed (0). */
void		 health_note(enum health_part, int ok);

#endif
