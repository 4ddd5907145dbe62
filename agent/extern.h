/*
 * extern.h - postes-agent's internal interfaces, grouped by source file.
 *
 * The agent is the kiosk page in native form for X11 desktops: it talks
 * to the same API with the poste's token, follows its session and its
 * poste's channel over SSE (polling /api/events when the pusher cannot
 * be reached), and owns two kinds of windows: the full-screen lock (one
 * per monitor, keyboard and pointer grabbed) and the countdown bar shown
 * while a session runs. Staff messages and the poste's next reservation
 * show in whichever is up.
 *
 * Threads: GTK runs on the main thread and owns every piece of state.
 * HTTP requests run on worker threads (api_async) and each stream
 * follower has a thread of its own; both hand their results back to the main loop
 * with g_idle_add and never touch state directly.
 */
#ifndef POSTES_AGENT_EXTERN_H
#define POSTES_AGENT_EXTERN_H

#include <stddef.h>

struct json_object;
struct curl_slist;

/* config.c */

#define AGENT_URL_MAX	512
#define AGENT_TOKEN_MAX	128
#define AGENT_CMD_MAX	1024

struct agent_cfg {
	char		 server[AGENT_URL_MAX];	/* API base, no trailing / */
	char		 pusher[AGENT_URL_MAX];	/* SSE base, default: server */
	char		 token_file[AGENT_URL_MAX];
	char		 token[AGENT_TOKEN_MAX];
	char		 cleanup[AGENT_CMD_MAX];	/* sh -c; empty: none */
	char		 ca_file[AGENT_URL_MAX];	/* extra CA bundle for https */
	unsigned int	 cleanup_timeout;	/* s, then SIGKILL */
	unsigned int	 heartbeat;		/* s; 0: as the server says */
	unsigned int	 http_timeout;		/* s, whole request */
	unsigned int	 poll_interval;		/* s, polling fallback */
	unsigned int	 locked_message;	/* s the end message stays */
	unsigned int	 no_vt_switch;		/* 1: XKB srvrkeys:none */
};

enum token_err {
	TOKEN_OK = 0,
	TOKEN_MISSING,		/* cannot open or read */
	TOKEN_PERMS,		/* readable by group or others */
	TOKEN_BAD,		/* empty, too long, or not base64url */
};

/* Defaults, then the file (POSTES_AGENT_CONFIG or the installed path),
 * then POSTES_AGENT_* variables. 0, or -1 after logging why. */
int		 agent_config_load(struct agent_cfg *);
/* Read cfg->token from cfg->token_file, refusing a file group or others
 * may read. */
enum token_err	 agent_token_load(struct agent_cfg *);

/* clock.c: the server's clock, from samples bracketed by monotonic
 * times. All values are milliseconds. */

struct sclock {
	int		 synced;
	long long	 lo, hi;	/* offset server - monotonic, bounds */
};

long long	 mono_ms(void);
void		 sclock_sample(struct sclock *, long long server_ms,
		    long long t_send, long long t_recv, long long resolution);
long long	 sclock_now(const struct sclock *);
/* Whole seconds from now (server clock) to end_ms, rounded up, >= 0. */
long long	 sclock_left(const struct sclock *, long long end_ms);

/* api.c */

struct api_res {
	long		 status;	/* HTTP status; 0: no answer */
	struct json_object *json;	/* the body when it is a JSON object */
	int		 garbage;	/* a body came that is not one */
	long		 retry_after;	/* s, -1 when absent */
	char		 code[64];	/* error.code, "network", "http_NNN" */
	long long	 date_ms;	/* Date header, -1 when absent */
	long long	 t_send, t_recv;	/* mono_ms around the exchange */
};

typedef void	(*api_cb)(struct api_res *, void *arg);

int		 api_init(const struct agent_cfg *);
void		 api_cleanup(void);
/* Blocking; any thread. body is JSON text or NULL. res is filled in every
 * case; free with api_res_clear. Returns 0 on a 2xx JSON object. */
int		 api_call(const char *method, const char *path,
		    const char *body, struct api_res *);
void		 api_res_clear(struct api_res *);
/* Run api_call on a worker thread, then cb(res, arg) on the main loop
 * (res is freed after cb returns). */
void		 api_async(const char *method, const char *path,
		    const char *body, api_cb, void *arg);
/* libcurl options shared with the stream (timeouts, CA, token). */
void		*api_easy(const char *url, struct curl_slist **hdrs);
const struct agent_cfg *api_cfg(void);

/* json helpers (api.c): typed reads that tolerate anything. */
const char	*jstr(struct json_object *, const char *key);
int		 jint(struct json_object *, const char *key, long long *);
struct json_object *jobj(struct json_object *, const char *key);

/* sseparse.c: Server-Sent Events framing, pure. */

struct sse_parser {
	char		*line;		/* current line */
	size_t		 linelen, linecap;
	char		*data;		/* data: lines joined by \n */
	size_t		 datalen, datacap;
	char		 event[64];
	char		 id[32];
	int		 has_data;
	int		 last_cr;	/* a CR ended the last line */
	int		 overflow;	/* a field went past SSE_MAX */
};

#define SSE_MAX	(256 * 1024)

/* Called once per complete event: type ("" when none), id ("" when
 * none), data (NUL-terminated). */
typedef void	(*sse_cb)(const char *event, const char *id,
		    const char *data, void *arg);

void		 sse_init(struct sse_parser *);
void		 sse_free(struct sse_parser *);
/* Feed bytes; events are delivered as they complete. -1 on overflow. */
int		 sse_feed(struct sse_parser *, const char *, size_t,
		    sse_cb, void *arg);

/* stream.c */

enum stream_kind {
	STREAM_EVENT,		/* an outbox event or time_update/message */
	STREAM_STATUS,		/* json NULL; live != 0 when SSE is live */
	STREAM_RESET,		/* reload the state over REST */
};

typedef void	(*stream_cb)(enum stream_kind, struct json_object *,
		    int live, void *arg);

/* The channels the agent follows. */
enum stream_chan {
	STREAM_SESSION,		/* sessions/<id>, while it runs */
	STREAM_POSTE,		/* postes/<id>: messages, reservations */
	STREAM__MAX
};

/* Follow <chan>/<id> from since (-1: from now) until stream_stop(chan),
 * replacing the follower of that kind if one runs; cb runs on the main
 * loop (json borrowed for the call). */
void		 stream_start(enum stream_chan, long long id, long long since,
		    stream_cb, void *arg);
void		 stream_stop(enum stream_chan);

/* msg.c */

enum msg_id {
	M_TITLE, M_WELCOME, M_ENTER, M_CODE, M_CODE_HELP, M_VALIDATE,
	M_HELLO, M_AVAILABLE, M_START, M_CANCEL, M_LEFT, M_ENDS_AT,
	M_FINISH, M_FINISH_CONFIRM, M_FINISH_YES, M_FINISH_NO, M_WARNING,
	M_LOCKED, M_LOCKED_TEMPS, M_LOCKED_SUSP, M_LOCKED_ADMIN,
	M_LOCKED_NORMALE, M_LOCKED_SITE, M_CLOSING, M_LOCKED_DEFAULT, M_OFFLINE,
	M_REVOKED, M_ERR_INCONNU, M_ERR_EXPIRE, M_ERR_AILLEURS,
	M_ERR_PLUS_DE_TEMPS, M_ERR_BUSY, M_ERR_UNAVAILABLE, M_ERR_THROTTLED,
	M_ERR_THROTTLED_NOW, M_ERR_NETWORK, M_ERR_VALIDATION, M_ERR_DEFAULT,
	M_SERVER_DOWN, M_CLEANING, M_RESUME, M_NO_TOKEN, M_TOKEN_PERMS,
	M_MSG_TITLE, M_MSG_ACK, M_MSG_MORE, M_RESA_AT, M_RESA_NOW,
	M_ERR_RESERVE,
	M__MAX
};

enum lang { L_FR, L_EN, L__MAX };

/* The message with {name} placeholders replaced from a NULL-terminated
 * list of name, value pairs. Writes at most n bytes. */
void		 msg_format(char *buf, size_t n, enum lang, enum msg_id, ...);
/* The kiosk's message for an API error code (kiosk.err.<code>), or
 * M_ERR_DEFAULT. */
enum msg_id	 msg_for_code(const char *code);
/* For an end reason (raison), the kiosk's kiosk.locked.<raison>. */
enum msg_id	 msg_for_raison(const char *raison);
/* "2 h 05 min", "45 min", "3 min 05 s", "30 s" */
void		 fmt_duration(char *buf, size_t n, long long s);
/* "1:05:09" or "05:09" */
void		 fmt_clock(char *buf, size_t n, long long s);

/* resa.c: the poste's next reservation, as the kiosk page says it. */

#define RESA_ZONE_MAX	64

struct resa {
	long long	 debut_ms, fin_ms;	/* server ms; fin 0: none */
	char		 zone[RESA_ZONE_MAX];	/* the API's fuseau */
};

enum resa_phase {
	RESA_NONE,		/* none, or over: nothing to say */
	RESA_BEFORE,		/* "Réservé à {debut}" */
	RESA_DURING,		/* "Réservé jusqu'à {fin}" */
};

enum resa_phase	 resa_phase(const struct resa *, long long now_ms);
/* Whether z reads as an IANA zone name (and nothing else). */
int		 resa_zone_ok(const char *z);
/* ms as the hour in zone: "14h05" (L_FR) or "14:05"; UTC when the zone
 * is not a valid name or not installed. */
void		 resa_hm(char *buf, size_t n, enum lang, long long ms,
		    const char *zone);
/* The sentence for r at now_ms in lang, "" when none; its phase. */
enum resa_phase	 resa_text(char *buf, size_t n, enum lang,
		    const struct resa *r, long long now_ms);

/* lock.c: the full-screen lock on every monitor. */

enum lock_view {
	LV_BUSY,		/* message only (start, clean-up, no token) */
	LV_ENTRY,		/* code entry */
	LV_CONFIRM,		/* hello + start / cancel */
};

struct lock_cbs {
	void		(*submit)(const char *code);
	void		(*start)(void);
	void		(*cancel)(void);
	void		(*ack)(long long message_id);	/* "J'ai lu" */
};

void		 lock_init(const struct lock_cbs *);
/* Map, raise, fullscreen and grab at once. */
void		 lock_show(void);
void		 lock_hide(void);
int		 lock_shown(void);
/* Window name, for tests and xdotool. */
#define LOCK_TITLE	"postes-agent: poste verrouillé"
#define BAR_TITLE	"postes-agent: temps restant"
void		 lock_view(enum lock_view);
/* Lines under the heading: the status (end message, offline), the
 * error under the entry, the confirm's hello and time. "" hides. The
 * strings are French + "\n" + English, as msg_pair builds them. */
void		 lock_set_status(const char *fr, const char *en);
void		 lock_set_error(const char *fr, const char *en);
void		 lock_set_confirm(const char *hello, const char *avail_fr,
		    const char *avail_en);
void		 lock_entry_sensitive(int);
void		 lock_entry_clear(void);
/* The staff message on the card (text: plain UTF-8; NULL hides), one
 * of unread; busy: its acknowledgement is on its way. */
void		 lock_set_message(long long id, const char *text,
		    size_t unread);
void		 lock_message_busy(int);
/* The reservation line on the card, above the code entry; NULL or ""
 * hides it. Plain text; never takes the focus. */
void		 lock_set_resa(const char *fr, const char *en);

/* bar.c: the countdown bar while a session runs. */

struct bar_cbs {
	void		(*finish)(void);	/* "Oui, terminer" */
	void		(*ack)(long long message_id);	/* "J'ai lu" */
};

void		 bar_init(const struct bar_cbs *);
void		 bar_show(void);
void		 bar_hide(void);
void		 bar_set_time(long long left, const char *ends_at);
void		 bar_set_warning(const char *fr, const char *en);	/* NULL hides */
/* As lock_set_message; a new message raises the bar. */
void		 bar_set_message(long long id, const char *text,
		    size_t unread);
void		 bar_message_busy(int);
/* The reservation line on the bar; NULL or "" hides it. */
void		 bar_set_resa(const char *fr, const char *en);
void		 bar_set_offline(int);
void		 bar_set_error(const char *fr, const char *en);
void		 bar_confirm_reset(void);
/* Time left shown in the confirm question. */
void		 bar_set_confirm_left(const char *fr, const char *en);

/* cleanup.c */

/* Run the configured clean-up (sh -c) with a timeout, then done(arg) on
 * the main loop; at once when none is configured. */
void		 cleanup_run(const struct agent_cfg *, void (*done)(void *),
		    void *arg);

/* main.c */

extern const struct agent_cfg *acfg;

#endif
