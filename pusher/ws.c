/*
 * ws.c - the WebSocket transport (RFC 6455 over MHD's upgrade).
 *
 * The handshake is an ordinary MHD request: headers are checked
 * (Upgrade, Connection, version 13, a 16-byte key, Origin), the
 * subscriber is prepared (http.c, the preamble SSE shares), and a 101 is
 * queued. Once MHD hands over the socket, it joins one of the I/O
 * threads (io.c): a thread per socket would cost a stack per subscriber.
 *
 * Reading: bytes go to the connection's ws_rx (wsproto.c, without I/O,
 * fuzzed), buffered only while a frame is incomplete (an idle
 * subscriber holds no buffer). Each client frame is checked as it is
 * parsed: masking, reserved bits, opcodes, control frame rules, the
 * size limit (popts.frame_max, checked on the header, before any
 * payload is buffered), fragmentation order and UTF-8 of text. A
 * violation queues a close frame with its code (1002, 1003, 1007, 1009;
 * 1008 for policy) and the connection is shut down once it is written.
 *
 * Fairness: every frame counts toward WS_RATE_MAX a second, whatever
 * its kind; past it, 1008. After our close frame a peer is read for
 * WS_DRAIN_MAX bytes more (to find its close), then muted: no longer
 * polled for input until the close wait ends, so a flood costs its
 * thread nothing.
 *
 * Writing is io.c's: the hub queues message references (chan.c), wake()
 * puts the connection on its thread's pending list, and that thread
 * writes the shared frames with writev. This file is the framing, the
 * handshake and the reader.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <json-c/json.h>
#include <microhttpd.h>

#include "log.h"
#include "timefmt.h"
#include "extern.h"

#define WS_RATE_MAX	30	/* client frames per second, of any kind */
#define WS_CLOSE_WAIT	2	/* s to wait for the peer after our close */
#define WS_DRAIN_MAX	65536	/* bytes read after our close, then mute */

struct wsconn {
	struct ioconn	 io;		/* first: io.c's part */
	struct MHD_UpgradeResponseHandle *urh;
	struct sub	*sub;
	struct ws_rx	 rx;		/* frames in (wsproto.c) */
	size_t		 drained;	/* bytes read and dropped after close */
	int		 closing;	/* close frame queued: read no more */
	int		 shut;		/* close frame written, SHUT_WR done */
	time_t		 last_rx;
	time_t		 close_at;
	time_t		 rate_win;
	unsigned int	 rate_n;
};

static struct msg	*ws_ping;
static const struct io_ops ws_io_ops;

static const char *
ws_encode(struct msg *m, size_t *len)
{
	unsigned char	 hdr[WS_HDR_MAX];
	size_t		 hl;
	char		*b;

	if (m->ws == NULL) {
		if (m->json == NULL)
			return NULL;
		hl = ws_frame_header(hdr, WS_OP_TEXT, m->jlen);
		if ((b = malloc(hl + m->jlen)) == NULL)
			return NULL;
		memcpy(b, hdr, hl);
		memcpy(b + hl, m->json, m->jlen);
		m->ws = b;
		m->wslen = hl + m->jlen;
	}
	*len = m->wslen;
	return m->ws;
}

static void
ws_wake(struct sub *s)
{
	struct wsconn	*c = s->conn;

	if (c != NULL)
		io_mark(&c->io);
}

/* Queue a close frame and accept nothing more. hub_lock held. */
static void
ws_queue_close(struct wsconn *c, int code, const char *why)
{
	unsigned char	 fr[4 + 123];
	struct msg	*m;
	size_t		 n;

	c->closing = 1;
	c->io.ending = 1;
	if (c->sub->state == SUB_DEAD) {
		c->io.hard = 1;
		return;
	}
	n = ws_close_frame(fr, (unsigned int)code, why);
	if ((m = msg_raw((const char *)fr, n, NULL, 0)) != NULL) {
		sub_push_final(c->sub, m);
		msg_unref(m);
	}
	c->sub->state = SUB_DEAD;
}

static void
ws_kick(struct sub *s, int code, const char *why)
{
	struct wsconn	*c = s->conn;

	if (c == NULL)
		return;
	if (s->state == SUB_DEAD)
		c->io.hard = 1;
	else
		ws_queue_close(c, code, why);
	io_mark(&c->io);
}

const struct transport ws_transport = {
	"ws", XPORT_WS, ws_encode, ws_wake, ws_kick,
};

/* The socket goes back to MHD and c is forgotten (io.c, its thread). */
static void
ws_release(struct ioconn *io)
{
	struct wsconn	*c = (struct wsconn *)io;

	pthread_mutex_lock(&hub_lock);
	sub_detach(c->sub);
	pthread_mutex_unlock(&hub_lock);
	MHD_upgrade_action(c->urh, MHD_UPGRADE_ACTION_CLOSE);
	ws_rx_free(&c->rx);
	free(c);
}

/* Our close frame is out: half-close, wait for the peer's. */
static int
ws_drained(struct ioconn *io)
{
	struct wsconn	*c = (struct wsconn *)io;

	if (!c->shut) {
		shutdown(io->fd, SHUT_WR);
		c->shut = 1;
		c->close_at = time(NULL) + WS_CLOSE_WAIT;
	}
	return 0;
}

/* Once a second (hub_lock held): the close wait, silent peers. */
static int
ws_tick(struct ioconn *io, time_t now)
{
	struct wsconn	*c = (struct wsconn *)io;

	return (c->shut && now >= c->close_at) || (popts.keepalive > 0 &&
	    now - c->last_rx > 3 * (time_t)popts.keepalive);
}

/* Refuse the rest of the conversation with a close code. its I/O thread. */
static void
ws_fail(struct wsconn *c, int code, const char *why)
{
	metric_inc(code == WS_CLOSE_TOO_BIG ? M_WS_TOO_BIG_CLOSE :
	    code == WS_CLOSE_POLICY ? M_WS_POLICY_CLOSE :
	    M_WS_PROTOCOL_CLOSE);
	log_info("ws: closing %d: %s", code, why);
	pthread_mutex_lock(&hub_lock);
	ws_queue_close(c, code, why);
	pthread_mutex_unlock(&hub_lock);
}

/* Queue an ephemeral object on c. hub_lock held. */
static void
ws_reply(struct wsconn *c, struct json_object *o)
{
	struct msg	*m;

	if ((m = msg_from_obj(0, 0, 0, o)) != NULL) {
		sub_push(c->sub, m);
		msg_unref(m);
	}
	json_object_put(o);
}

static struct json_object *
ws_error_obj(const char *code)
{
	struct json_object	*o, *d;

	o = json_object_new_object();
	d = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("error"));
	json_object_object_add(d, "code", json_object_new_string(code));
	json_object_object_add(o, "data", d);
	return o;
}

/* A complete text message from the client: get_stats, get_time, heartbeat. */
static void
ws_on_message(void *arg, const unsigned char *p, size_t len)
{
	struct wsconn		*c = arg;
	struct json_object	*obj, *t, *o, *d;
	const char		*type = NULL;
	char			 ts[TIME_ISO_LEN];
	long long		 sid;
	time_t			 now = time(NULL);

	(void)len;
	obj = json_tokener_parse((const char *)p);
	if (obj != NULL && json_object_object_get_ex(obj, "type", &t) &&
	    json_object_is_type(t, json_type_string))
		type = json_object_get_string(t);
	pthread_mutex_lock(&hub_lock);
	if (type == NULL)
		ws_reply(c, ws_error_obj("bad_message"));
	else if (strcmp(type, "get_stats") == 0)
		hub_reply_stats(c->sub);
	else if (strcmp(type, "get_time") == 0) {
		/* Optional "session_id": a positive integer. */
		sid = 0;
		if (json_object_object_get_ex(obj, "session_id", &t) &&
		    (!json_object_is_type(t, json_type_int) ||
		    (sid = json_object_get_int64(t)) <= 0))
			ws_reply(c, ws_error_obj("bad_message"));
		else
			hub_reply_time(c->sub, sid);
	}
	else if (strcmp(type, "heartbeat") == 0) {
		time_iso(now, ts);
		o = json_object_new_object();
		d = json_object_new_object();
		json_object_object_add(o, "type",
		    json_object_new_string("heartbeat"));
		json_object_object_add(d, "timestamp",
		    json_object_new_string(ts));
		json_object_object_add(d, "last_id",
		    json_object_new_int64(hub_last_id()));
		json_object_object_add(o, "data", d);
		ws_reply(c, o);
	} else
		ws_reply(c, ws_error_obj("unknown_type"));
	pthread_mutex_unlock(&hub_lock);
	json_object_put(obj);
}

/*
 * Every frame counts toward the rate, whatever its kind: data,
 * continuation, ping, pong or close. A peer over WS_RATE_MAX frames in
 * a second is closed with 1008 before the frame is acted on.
 */
static int
ws_on_frame(void *arg, const struct ws_frame *f)
{
	struct wsconn	*c = arg;
	time_t		 now = time(NULL);

	(void)f;
	if (now != c->rate_win) {
		c->rate_win = now;
		c->rate_n = 0;
	}
	if (++c->rate_n > WS_RATE_MAX) {
		metric_inc(M_WS_FLOOD_CLOSE);
		ws_fail(c, WS_CLOSE_POLICY, "too many frames");
		return 1;
	}
	return 0;
}

static void
ws_on_ping(void *arg, const unsigned char *p, size_t len)
{
	struct wsconn	*c = arg;
	unsigned char	 hdr[WS_HDR_MAX + 125];
	struct msg	*m;
	size_t		 hl;

	hl = ws_frame_header(hdr, WS_OP_PONG, len);
	memcpy(hdr + hl, p, len);
	pthread_mutex_lock(&hub_lock);
	if ((m = msg_raw((const char *)hdr, hl + len, NULL, 0)) != NULL) {
		sub_push(c->sub, m);
		msg_unref(m);
	}
	pthread_mutex_unlock(&hub_lock);
}

/* The peer's close: answer with its code, then shut down. */
static void
ws_on_close(void *arg, unsigned int code)
{
	struct wsconn	*c = arg;

	pthread_mutex_lock(&hub_lock);
	ws_queue_close(c, (int)code, "");
	pthread_mutex_unlock(&hub_lock);
}

static void
ws_on_fail(void *arg, int code, const char *why)
{
	ws_fail(arg, code, why);
}

static const struct ws_rx_ops ws_rx_ops = {
	ws_on_frame, ws_on_message, ws_on_ping, ws_on_close, ws_on_fail,
};

/* Readable or hung up (its I/O thread). 1: close now. */
static int
ws_read(struct ioconn *io)
{
	static __thread unsigned char	 buf[65536];
	struct wsconn			*c = (struct wsconn *)io;
	ssize_t				 n;
	int				 rounds;

	if (io->mute)
		return 1;	/* muted: only a hang-up or error wakes it */
	for (rounds = 0; rounds < 4; rounds++) {
		n = recv(io->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0)
			return 1;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return 1;
		}
		c->last_rx = time(NULL);
		if (c->closing) {
			/*
			 * Draining after our close, for the peer's close.
			 * A peer that keeps flooding is no longer read:
			 * its bytes stay in the kernel until the close
			 * wait ends, and the thread serves the others.
			 */
			c->drained += (size_t)n;
			if (c->drained > WS_DRAIN_MAX) {
				io->mute = 1;
				break;
			}
			continue;
		}
		ws_rx_feed(&c->rx, buf, (size_t)n, &ws_rx_ops, c);
	}
	return 0;
}

static const struct io_ops ws_io_ops = {
	"ws", ws_read, ws_drained, ws_tick, ws_release,
};

/*
 * MHD hands over the socket (MHD thread). The subscriber prepared at
 * handshake time is attached now, so nothing is queued before a socket
 * exists to write it to.
 */
static void
ws_upgraded(void *cls, struct MHD_Connection *conn, void *con_cls,
    const char *extra, size_t extra_len, MHD_socket sock,
    struct MHD_UpgradeResponseHandle *urh)
{
	struct req		*r = con_cls;
	struct wsconn		*c;
	struct sub		*sub = NULL;
	int			 one = 1, fl;

	(void)cls;
	(void)conn;
	if (r->refuse == 0 && r->sub != NULL) {
		sub = r->sub;
		r->sub = NULL;
	} else if ((sub = sub_bare(&ws_transport, NULL)) == NULL)
		goto fail;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto fail;
	io_conn_init(&c->io, &ws_io_ops, sock, sub);
	c->io.keepalive = ws_ping;
	c->urh = urh;
	c->sub = sub;
	c->last_rx = time(NULL);
	fl = fcntl(sock, F_GETFL);
	fcntl(sock, F_SETFL, fl | O_NONBLOCK);
	setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->rx.max = popts.frame_max;

	/*
	 * Set up before the socket joins its I/O thread (io_live): the
	 * subscriber may be queued to meanwhile (its thread only writes
	 * once it is live), and nothing reads the socket yet.
	 */
	pthread_mutex_lock(&hub_lock);
	sub->conn = c;
	if (r->refuse) {
		metric_inc(M_WS_POLICY_CLOSE);
		ws_queue_close(c, r->refuse, r->why);
	}
	pthread_mutex_unlock(&hub_lock);
	metric_inc(M_CONN_WS_TOTAL);
	if (!r->refuse)
		sub_attach(sub);
	if (extra_len > 0 && !r->refuse)
		ws_rx_feed(&c->rx, extra, extra_len, &ws_rx_ops, c);
	pthread_mutex_lock(&hub_lock);
	if (io_live(&c->io) == -1) {
		/* Stopping, or no epoll: give it back at once. */
			sub_detach(sub);
		pthread_mutex_unlock(&hub_lock);
		MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
		ws_rx_free(&c->rx);
		free(c);
		return;
	}
	pthread_mutex_unlock(&hub_lock);
	return;
fail:
	log_err("ws: out of memory at upgrade");
	if (sub != NULL) {
		pthread_mutex_lock(&hub_lock);
		sub_unref(sub);
		pthread_mutex_unlock(&hub_lock);
	}
	MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
}

int
ws_handshake(struct MHD_Connection *conn, struct req *r,
    const char *chanpath)
{
	static const struct http_resume resume = { NULL, "since",
	    "bad_since", "since must be an event id", 0 };
	struct MHD_Response	*resp;
	char			 accept[WS_ACCEPT_LEN + 1];
	const char		*v;
	int			 ret = MHD_NO;

	v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Upgrade");
	if (!http_has_token(v, "websocket") || !http_has_token(
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Connection"),
	    "upgrade"))
		return http_error(conn, 400, "not_websocket",
		    "WebSocket upgrade expected");
	v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Sec-WebSocket-Version");
	if (v == NULL || strcmp(v, "13") != 0) {
		resp = MHD_create_response_from_buffer(0, NULL,
		    MHD_RESPMEM_PERSISTENT);
		if (resp == NULL)
			return MHD_NO;
		MHD_add_response_header(resp, "Sec-WebSocket-Version", "13");
		ret = MHD_queue_response(conn, 426, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	if (ws_accept_key(MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Sec-WebSocket-Key"), accept) == -1)
		return http_error(conn, 400, "bad_key",
		    "Sec-WebSocket-Key is not 16 bytes in base64");

	/* Browsers cannot read a refused handshake's status: refusals
	 * are upgraded, then closed with 1008. */
	switch (http_subscribe(conn, chanpath, &ws_transport, &resume,
	    &r->sub, &ret)) {
	case HTTP_SUB_ANSWERED:
		return ret;
	case HTTP_SUB_UNAVAILABLE:
		return http_error(conn, 503, "unavailable",
		    "authentication unavailable");
	case HTTP_SUB_ANON:
		r->refuse = WS_CLOSE_POLICY;
		snprintf(r->why, sizeof(r->why), "unauthorized");
		break;
	case HTTP_SUB_FORBIDDEN:
		r->refuse = WS_CLOSE_POLICY;
		snprintf(r->why, sizeof(r->why), "forbidden");
		break;
	case HTTP_SUB_OK:
		break;
	}

	if ((resp = MHD_create_response_for_upgrade(ws_upgraded, NULL)) ==
	    NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Upgrade", "websocket");
	MHD_add_response_header(resp, "Sec-WebSocket-Accept", accept);
	ret = MHD_queue_response(conn, MHD_HTTP_SWITCHING_PROTOCOLS, resp);
	MHD_destroy_response(resp);
	return ret;
}

int
ws_start(void)
{
	unsigned char	 ping[2] = { 0x80 | WS_OP_PING, 0 };

	if ((ws_ping = msg_raw((const char *)ping, 2, NULL, 0)) == NULL)
		return -1;
	return 0;
}

void
ws_free(void)
{
	msg_unref(ws_ping);
	ws_ping = NULL;
}
