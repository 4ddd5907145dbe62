/*
 * extern.h - the pusher's internal interfaces, grouped by source file.
 *
 * Threads and what they own:
 *
 *	MHD thread	HTTP: routing, the subscription preamble (http.c),
 *			WebSocket handshakes, SSE heads (content reader
 *			callbacks), /healthz, /metrics, cookie checks
 *	I/O threads	POSTES_PUSHER_THREADS of them (io.c): upgraded
 *			WebSocket sockets and SSE streams once their
 *			head is sent, sharded round robin; each writes
 *			its own sockets and queues its keep-alives
 *	intake thread	ZeroMQ doorbell, catch-up from the outbox, replays
 *			that need the database
 *	clock thread	clock_sweep, time_update, stats_update
 *
 * The hub's own interface (chan.c, msg.c, revoke.c) is hub.h, which a
 * unit test links alone; this file adds the rest. Include order runs one
 * way: main.c -> http.c -> ws.c / sse.c -> io.c -> hub.
 */
#ifndef POSTES_PUSHER_EXTERN_H
#define POSTES_PUSHER_EXTERN_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ev.h"
#include "hub.h"

struct config;
struct json_object;
struct MHD_Connection;
struct MHD_Daemon;

extern const struct config *pcfg;

/* wsproto.c: RFC 6455, no I/O (unit tested) */

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

/* io.c: the socket loop of every transport */

struct ioconn;

/* What a transport does on its connections (io.c calls these). */
struct io_ops {
	const char	*name;
	/* Readable or hung up; no lock held. 1: close now. */
	int		 (*readable)(struct ioconn *);
	/* Told to end (ending) and all written; no lock. 1: close now. */
	int		 (*drained)(struct ioconn *);
	/* Once a second, hub_lock held; NULL: none. 1: close now. */
	int		 (*tick)(struct ioconn *, time_t now);
	/* Out of the loop (its thread, no lock): give the socket back. */
	void		 (*release)(struct ioconn *);
};

/* A connection in an I/O thread: the first member of the transport's. */
struct ioconn {
	int		 fd;
	const struct io_ops *ops;
	struct sub	*sub;
	struct io_thread *th;		/* its thread, for life */
	struct msg	*keepalive;	/* queued when idle; NULL: none */
	int		 live;		/* hub_lock: in its thread's loop */
	int		 gone;		/* hub_lock: left the loop */
	int		 dirty;		/* hub_lock: on the pending list */
	int		 ending;	/* hub_lock: end once written */
	int		 hard;		/* hub_lock: close now */
	int		 mute;		/* its thread: not polled for input */
	int		 want;		/* its thread: epoll interest */
	struct ioconn	*dnext;		/* pending list (hub_lock) */
	struct ioconn	*next, *prev;	/* its thread's (hub_lock) */
};

/* Start n I/O threads. 0 or -1. */
int		 io_start(unsigned int n);
/* Stop taking connections, write what is queued for up to 2 s, then
 * give every socket back (release) and join the threads. */
void		 io_stop(void);
/* 1 while new connections may join. */
int		 io_taking(void);
/* Prepare c for fd and s, on the next thread (round robin). */
void		 io_conn_init(struct ioconn *c, const struct io_ops *ops,
		    int fd, struct sub *s);
/* c joins its thread's loop and is written. hub_lock held. 0 or -1
 * (stopping: the transport keeps it). */
int		 io_live(struct ioconn *c);
/* Output is queued for c: its thread writes it. hub_lock held. */
void		 io_mark(struct ioconn *c);

/* http.c: answers and the subscription preamble (MHD thread) */

/* Per-request context (MHD con_cls). */
struct req {
	struct sub	*sub;		/* WS: attached once upgraded */
	int		 refuse;	/* WS: close code to send at once */
	char		 why[48];
	long long	 since;
	int		 http11;	/* request said HTTP/1.1 */
};

/* Where a transport's resume point comes from, and its error. */
struct http_resume {
	const char	*header;	/* NULL: none */
	const char	*arg;		/* query parameter */
	const char	*code, *message;
	int		 empty_ok;	/* an empty value means none */
};

enum http_sub {
	HTTP_SUB_OK,		/* *out: the subscriber, not attached */
	HTTP_SUB_ANSWERED,	/* an error was queued: return *ret */
	HTTP_SUB_UNAVAILABLE,	/* credentials cannot be checked now */
	HTTP_SUB_ANON,		/* anonymous or bad credentials */
	HTTP_SUB_FORBIDDEN,	/* a channel this one may not follow */
};

/*
 * The preamble of a subscription: Origin (403), channels (404), the
 * resume point (400), credentials (auth.c), the subscriber for tp with
 * what admitted it. Counts refusals.
 */
enum http_sub	 http_subscribe(struct MHD_Connection *, const char *chanpath,
		    const struct transport *tp, const struct http_resume *,
		    struct sub **out, int *ret);
/* Queue a JSON error response {"error":{code,message}}. */
int		 http_error(struct MHD_Connection *, unsigned int status,
		    const char *code, const char *message);
/* Queue body (malloc'd; freed by MHD) with its type, no-store. */
int		 http_body(struct MHD_Connection *, unsigned int status,
		    const char *type, char *body, size_t len);
/*
 * Split the channel part of a URL ("dashboard", "sessions/12",
 * "multi" with ?channels=a,b) into names (pointers into buf).
 * Returns the count, or -1 when malformed.
 */
int		 http_channels(struct MHD_Connection *, const char *path,
		    char *buf, size_t bufsz, char **names, size_t max);

/* ws.c */

extern const struct transport ws_transport;
int		 ws_start(void);
void		 ws_free(void);
/* Handshake (MHD thread): queue the 101 or an error response. */
int		 ws_handshake(struct MHD_Connection *, struct req *,
		    const char *chanpath);

/* sse.c */

extern const struct transport sse_transport;
int		 sse_request(struct MHD_Connection *, struct req *,
		    const char *chanpath);
int		 sse_start(void);
void		 sse_free_all(void);
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

/*
 * Latency histograms of the path an event takes (docs/pusher.md):
 * commit (the outbox row's created_at) -> doorbell received, doorbell
 * -> outbox read done, read -> queued to every subscriber, queued ->
 * written to a subscriber's socket (one observation per delivery).
 */
enum hist {
	H_COMMIT_DOORBELL, H_DOORBELL_READ, H_READ_QUEUED, H_QUEUED_WRITTEN,
	H__MAX
};
/* Note one duration, in microseconds (negative ones count as 0). */
void		 hist_observe(enum hist, long long us);
/* Wall clock in microseconds (stages compare it with the database's). */
long long	 time_us(void);

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
