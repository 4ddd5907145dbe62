/*
 * ws.c - the WebSocket transport (RFC 6455 over MHD's upgrade).
 *
 * The handshake is an ordinary MHD request: headers are checked
 * (Upgrade, Connection, version 13, a 16-byte key, Origin), the
 * subscriber is prepared, and a 101 is queued. Once MHD hands over the
 * socket, it joins this file's own epoll set, served by one thread:
 * a thread per socket would cost a stack per subscriber.
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
 * polled for input until the close wait ends, so a flood costs this
 * thread nothing.
 *
 * Writing: the hub queues message references (chan.c); wake() puts the
 * connection on a dirty list and pokes an eventfd, and this thread
 * writes until the socket would block (then waits for EPOLLOUT).
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
	int		 fd;
	struct MHD_UpgradeResponseHandle *urh;
	struct sub	*sub;
	struct ws_rx	 rx;		/* frames in (wsproto.c) */
	size_t		 drained;	/* bytes read and dropped after close */
	int		 closing;	/* close frame queued: read no more */
	int		 shut;		/* close frame written, SHUT_WR done */
	int		 hard;		/* close the socket now */
	int		 live;		/* set up by the MHD thread (hub_lock) */
	int		 dirty;		/* on the dirty list (hub_lock) */
	int		 want_out;	/* EPOLLOUT registered */
	int		 mute;		/* flooding after our close: not read */
	time_t		 last_rx;
	time_t		 close_at;
	time_t		 rate_win;
	unsigned int	 rate_n;
	struct wsconn	*dnext;		/* dirty list (hub_lock) */
	struct wsconn	*next, *prev;	/* every connection (hub_lock) */
};

static int		 ws_ep = -1, ws_evfd = -1;
static pthread_t	 ws_thread;
static int		 ws_running, ws_stopping;
static struct wsconn	*ws_all, *ws_dirty;	/* hub_lock */
static size_t		 ws_n;			/* hub_lock */
static struct msg	*ws_ping;

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
ws_signal(void)
{
	uint64_t	 one = 1;

	if (write(ws_evfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("ws: eventfd: %s", strerror(errno));
}

/* Put c on the dirty list. hub_lock held. */
static void
ws_mark(struct wsconn *c)
{
	if (c->dirty)
		return;
	c->dirty = 1;
	c->dnext = ws_dirty;
	if (ws_dirty == NULL) {
		ws_dirty = c;
		ws_signal();
	} else
		ws_dirty = c;
}

static void
ws_wake(struct sub *s)
{
	if (s->conn != NULL)
		ws_mark(s->conn);
}

/* Queue a close frame and accept nothing more. hub_lock held. */
static void
ws_queue_close(struct wsconn *c, int code, const char *why)
{
	unsigned char	 fr[4 + 123];
	struct msg	*m;
	size_t		 n;

	c->closing = 1;
	if (c->sub->state == SUB_DEAD) {
		c->hard = 1;
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
		c->hard = 1;
	else
		ws_queue_close(c, code, why);
	ws_mark(c);
}

const struct transport ws_transport = {
	"ws", XPORT_WS, ws_encode, ws_wake, ws_kick,
};

size_t
ws_count(void)
{
	size_t	 n;

	pthread_mutex_lock(&hub_lock);
	n = ws_n;
	pthread_mutex_unlock(&hub_lock);
	return n;
}

static void
ws_epoll_mod(struct wsconn *c, int out)
{
	struct epoll_event	 ev;

	if (c->want_out == out + 2 * c->mute)
		return;
	c->want_out = out + 2 * c->mute;
	memset(&ev, 0, sizeof(ev));
	ev.events = (c->mute ? 0 : EPOLLIN | EPOLLRDHUP) |
	    (out ? EPOLLOUT : 0);
	ev.data.ptr = c;
	epoll_ctl(ws_ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Give the socket back to MHD and forget c. ws thread only. */
static void
ws_close(struct wsconn *c)
{
	struct wsconn	**pp;

	pthread_mutex_lock(&hub_lock);
	if (!c->live) {
		/* Still being set up: closed once ws_upgraded is done. */
		c->hard = 1;
		pthread_mutex_unlock(&hub_lock);
		return;
	}
	epoll_ctl(ws_ep, EPOLL_CTL_DEL, c->fd, NULL);
	if (c->dirty)
		for (pp = &ws_dirty; *pp != NULL; pp = &(*pp)->dnext)
			if (*pp == c) {
				*pp = c->dnext;
				break;
			}
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		ws_all = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	ws_n--;
	sub_detach(c->sub);
	pthread_mutex_unlock(&hub_lock);
	MHD_upgrade_action(c->urh, MHD_UPGRADE_ACTION_CLOSE);
	ws_rx_free(&c->rx);
	free(c);
}

/* Write what is queued until the socket would block. ws thread. */
static void
ws_flush(struct wsconn *c)
{
	const char	*b;
	size_t		 len;
	ssize_t		 n;
	int		 out = 0, err = 0, empty, hard;

	pthread_mutex_lock(&hub_lock);
	while (!c->hard && (b = sub_peek(c->sub, &len)) != NULL) {
		n = send(c->fd, b, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				out = 1;
			else
				err = 1;
			break;
		}
		sub_consume(c->sub, (size_t)n);
		if ((size_t)n < len) {
			out = 1;
			break;
		}
	}
	empty = c->sub->qlen == 0;
	hard = c->hard;
	pthread_mutex_unlock(&hub_lock);
	if (err || hard) {
		ws_close(c);
		return;
	}
	ws_epoll_mod(c, out);
	if (empty && c->closing && !c->shut) {
		shutdown(c->fd, SHUT_WR);
		c->shut = 1;
		c->close_at = time(NULL) + WS_CLOSE_WAIT;
	}
}

/* Refuse the rest of the conversation with a close code. ws thread. */
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

static void
ws_read(struct wsconn *c)
{
	static unsigned char	 buf[65536];
	ssize_t			 n;
	int			 rounds;

	if (c->mute) {
		ws_close(c);	/* muted: only a hang-up or error wakes it */
		return;
	}
	for (rounds = 0; rounds < 4; rounds++) {
		n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0) {
			ws_close(c);
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			ws_close(c);
			return;
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
				c->mute = 1;
				break;
			}
			continue;
		}
		ws_rx_feed(&c->rx, buf, (size_t)n, &ws_rx_ops, c);
	}
	ws_flush(c);
}

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
	struct epoll_event	 ev;
	int			 one = 1, fl;

	(void)cls;
	(void)conn;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto fail;
	c->fd = sock;
	c->urh = urh;
	c->last_rx = time(NULL);
	fl = fcntl(sock, F_GETFL);
	fcntl(sock, F_SETFL, fl | O_NONBLOCK);
	setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (r->refuse == 0 && r->sub != NULL) {
		c->sub = r->sub;
		r->sub = NULL;
	} else if ((c->sub = sub_bare(&ws_transport, NULL)) == NULL)
		goto fail;
	c->sub->conn = c;
	c->rx.max = popts.frame_max;

	/*
	 * The ws thread may see c from here on, but does not close it
	 * before it is live (ws_close), so the rest of the set-up here
	 * never touches a freed connection.
	 */
	pthread_mutex_lock(&hub_lock);
	c->next = ws_all;
	if (ws_all != NULL)
		ws_all->prev = c;
	ws_all = c;
	ws_n++;
	if (r->refuse) {
		metric_inc(M_WS_POLICY_CLOSE);
		ws_queue_close(c, r->refuse, r->why);
	}
	pthread_mutex_unlock(&hub_lock);
	metric_inc(M_CONN_WS_TOTAL);

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLRDHUP;
	ev.data.ptr = c;
	if (epoll_ctl(ws_ep, EPOLL_CTL_ADD, sock, &ev) == -1) {
		log_err("ws: epoll_ctl: %s", strerror(errno));
		c->hard = 1;
	}
	if (!r->refuse)
		sub_attach(c->sub);
	if (extra_len > 0 && !r->refuse)
		ws_rx_feed(&c->rx, extra, extra_len, &ws_rx_ops, c);
	pthread_mutex_lock(&hub_lock);
	c->live = 1;
	ws_mark(c);
	pthread_mutex_unlock(&hub_lock);
	return;
fail:
	log_err("ws: out of memory at upgrade");
	if (c != NULL) {
		if (c->sub != NULL) {
			pthread_mutex_lock(&hub_lock);
			sub_unref(c->sub);
			pthread_mutex_unlock(&hub_lock);
		}
		free(c);
	}
	MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
}

int
ws_handshake(struct MHD_Connection *conn, struct req *r,
    const char *chanpath)
{
	struct MHD_Response	*resp;
	struct authinfo		 ai;
	char			 accept[WS_ACCEPT_LEN + 1], buf[512];
	char			*names[SUB_CHAN_MAX];
	const char		*v;
	int			 n, status, ret;
	long long		 since = -1;

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
	if (!auth_origin_ok(conn))
		return http_error(conn, 403, "origin", "Origin not allowed");
	if ((n = http_channels(conn, chanpath, buf, sizeof(buf), names,
	    SUB_CHAN_MAX)) <= 0)
		return http_error(conn, 404, "no_channel", "unknown channel");
	if ((v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
	    "since")) != NULL && sse_parse_id(v, &since) == -1)
		return http_error(conn, 400, "bad_since",
		    "since must be an event id");

	auth_request(conn, &ai);
	if (ai.res == AUTH_ERROR)
		return http_error(conn, 503, "unavailable",
		    "authentication unavailable");
	if (ai.res == AUTH_ANON || ai.res == AUTH_BAD) {
		metric_inc(M_AUTH_FAIL);
		r->refuse = WS_CLOSE_POLICY;
		snprintf(r->why, sizeof(r->why), "unauthorized");
	} else {
		r->sub = sub_new(&ws_transport, NULL, names, (size_t)n,
		    ai.res == AUTH_STAFF,
		    ai.res == AUTH_KIOSK ? ai.session_id : 0, since, &status);
		if (r->sub != NULL)
			sub_set_auth(r->sub, &ai);
		if (r->sub == NULL && status == 403) {
			metric_inc(M_AUTH_FAIL);
			r->refuse = WS_CLOSE_POLICY;
			snprintf(r->why, sizeof(r->why), "forbidden");
		} else if (r->sub == NULL)
			return http_error(conn, (unsigned int)status,
			    status == 404 ? "no_channel" : "internal",
			    status == 404 ? "unknown channel" :
			    "internal error");
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

/* Periodic work: pings and keep-alives, dead peers, lingering closes. */
static void
ws_tick(time_t now, int keepalive)
{
	struct wsconn	*c;

	pthread_mutex_lock(&hub_lock);
	for (c = ws_all; c != NULL; c = c->next) {
		if ((c->shut && now >= c->close_at) ||
		    (popts.keepalive > 0 &&
		    now - c->last_rx > 3 * (time_t)popts.keepalive)) {
			c->hard = 1;
			ws_mark(c);
		}
	}
	pthread_mutex_unlock(&hub_lock);
	if (keepalive) {
		hub_keepalive(XPORT_WS, ws_ping);
		hub_keepalive(XPORT_SSE, sse_keepalive_msg);
	}
}

static void *
ws_main(void *arg)
{
	struct epoll_event	 evs[256];
	struct wsconn		*c, *list;
	time_t			 now, last_tick = 0, last_ka = time(NULL);
	time_t			 stop_at = 0;
	uint64_t		 v;
	int			 n, i;

	(void)arg;
	for (;;) {
		n = epoll_wait(ws_ep, evs, 256, 200);
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr == NULL) {
				if (read(ws_evfd, &v, sizeof(v)) < 0 &&
				    errno != EAGAIN)
					log_warn("ws: eventfd read");
				continue;
			}
			c = evs[i].data.ptr;
			if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP |
			    EPOLLERR))
				ws_read(c);
			else if (evs[i].events & EPOLLOUT)
				ws_flush(c);
		}
		/* Connections with fresh output or a pending close. */
		/*
		 * An entry stays marked dirty until it is popped, under the
		 * lock: a wake meanwhile finds it marked and leaves its
		 * link alone, so no other thread can cut this list.
		 */
		pthread_mutex_lock(&hub_lock);
		list = ws_dirty;
		ws_dirty = NULL;
		pthread_mutex_unlock(&hub_lock);
		while (list != NULL) {
			pthread_mutex_lock(&hub_lock);
			c = list;
			list = c->dnext;
			c->dirty = 0;
			pthread_mutex_unlock(&hub_lock);
			ws_flush(c);
		}

		now = time(NULL);
		if (now != last_tick) {
			last_tick = now;
			ws_tick(now, popts.keepalive > 0 &&
			    now - last_ka >= (time_t)popts.keepalive);
			if (now - last_ka >= (time_t)popts.keepalive)
				last_ka = now;
		}
		if (__atomic_load_n(&ws_stopping, __ATOMIC_ACQUIRE)) {
			if (stop_at == 0)
				stop_at = now + 2;
			pthread_mutex_lock(&hub_lock);
			n = ws_all == NULL;
			pthread_mutex_unlock(&hub_lock);
			if (n || now >= stop_at)
				break;
		}
	}
	/* Whatever is left goes now: MHD must get every socket back. */
	for (;;) {
		pthread_mutex_lock(&hub_lock);
		c = ws_all;
		pthread_mutex_unlock(&hub_lock);
		if (c == NULL)
			break;
		ws_close(c);
	}
	return NULL;
}

int
ws_start(void)
{
	struct epoll_event	 ev;
	unsigned char		 ping[2] = { 0x80 | WS_OP_PING, 0 };

	if ((ws_ep = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (ws_evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		log_err("ws: %s", strerror(errno));
		return -1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (epoll_ctl(ws_ep, EPOLL_CTL_ADD, ws_evfd, &ev) == -1)
		return -1;
	if ((ws_ping = msg_raw((const char *)ping, 2, NULL, 0)) == NULL)
		return -1;
	if (pthread_create(&ws_thread, NULL, ws_main, NULL) != 0)
		return -1;
	ws_running = 1;
	return 0;
}

/*
 * Stop (after hub_kick_all queued close frames): the thread writes what
 * it can for up to two seconds, then hands every socket back to MHD.
 */
void
ws_stop(void)
{
	if (!ws_running)
		return;
	__atomic_store_n(&ws_stopping, 1, __ATOMIC_RELEASE);
	ws_signal();
	pthread_join(ws_thread, NULL);
	ws_running = 0;
	msg_unref(ws_ping);
	close(ws_evfd);
	close(ws_ep);
}
