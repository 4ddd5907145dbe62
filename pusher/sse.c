/*
 * sse.c - the Server-Sent Events transport (text/event-stream).
 *
 * MHD answers the request: status, headers, and the first body bytes
 * (the opening comment, retry:, the replay) come from a content reader
 * callback over the subscriber's queue. The first time that callback
 * finds the queue empty, everything MHD was given has been written
 * (MHD asks for the next chunk only once the previous one is out), and
 * the connection is handed over: MHD's side is suspended (MHD then
 * neither polls nor touches the socket), the socket joins this file's
 * own epoll loop, and from then on events
 * are written there directly, framed as MHD would have framed them (an
 * HTTP/1.1 chunk each, or raw bytes for HTTP/1.0). That costs one
 * send() per event per subscriber, where resuming and suspending MHD
 * connections costs two epoll_ctl calls, an eventfd write and a walk of
 * MHD's whole suspended list.
 *
 * The stream ends (client gone, slow subscriber dropped, shutdown) on a
 * record boundary: what is queued beyond the record being written is
 * dropped, a final comment (": end: <why>") is written, and then the
 * connection leaves our epoll set and the MHD connection is resumed,
 * whose callback then
 * ends the body (MHD writes the last chunk) and frees the subscriber:
 * MHD_stop_daemon never meets a suspended connection. Dead clients are
 * found by the keep-alive comments the ws thread queues.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "log.h"
#include "extern.h"

#define SSE_BLOCK	1024	/* bytes MHD asks for per callback */

struct sseconn {
	struct MHD_Connection	*conn;
	struct sub		*sub;
	int			 chunked;	/* HTTP/1.1: chunked body */
	int			 fd;		/* MHD's socket, once taken over */
	int			 suspended;	/* hub_lock */
	int			 ending;	/* hub_lock: end the body */
	int			 dirty;		/* hub_lock */
	int			 want_out;
	struct sseconn		*dnext;		/* hub_lock */
};

struct msg		*sse_keepalive_msg;
static size_t		 sse_n;		/* hub_lock */
static int		 sse_ep = -1, sse_evfd = -1, sse_running, sse_stopping;
static pthread_t	 sse_thread;
static struct sseconn	*sse_dirty;	/* hub_lock */

static const char *
sse_encode(struct msg *m, size_t *len)
{
	if (m->sse == NULL) {
		if (m->json == NULL)
			return NULL;
		m->sse = sse_record(m->id, m->type, m->json, m->jlen,
		    &m->sselen);
		if (m->sse == NULL)
			return NULL;
	}
	*len = m->sselen;
	return m->sse;
}

/* The SSE record as one HTTP/1.1 chunk. */
static const char *
sse_encode_chunk(struct msg *m, size_t *len)
{
	const char	*r;
	size_t		 rl;
	int		 h;

	if (m->ssec == NULL) {
		if ((r = sse_encode(m, &rl)) == NULL)
			return NULL;
		if ((m->ssec = malloc(rl + 24)) == NULL)
			return NULL;
		h = snprintf(m->ssec, 24, "%zx\r\n", rl);
		memcpy(m->ssec + h, r, rl);
		memcpy(m->ssec + h + rl, "\r\n", 2);
		m->sseclen = (size_t)h + rl + 2;
	}
	*len = m->sseclen;
	return m->ssec;
}

static void
sse_signal(void)
{
	uint64_t	 one = 1;

	if (write(sse_evfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("sse: eventfd: %s", strerror(errno));
}

/* Before the hand-over: let MHD ask for the bytes. */
static void
sse_wake(struct sub *s)
{
	struct sseconn	*c = s->conn;

	if (c != NULL && c->suspended) {
		c->suspended = 0;
		MHD_resume_connection(c->conn);
	}
}

/*
 * End the stream (slow consumer, shutdown, ids gone back): a final
 * comment after the record being written, then the end of the body.
 * EventSource reconnects with Last-Event-ID.
 */
static void
sse_kick(struct sub *s, int code, const char *why)
{
	struct sseconn	*c = s->conn;
	struct msg	*m;
	char		 line[96];
	int		 n;

	(void)code;
	if (c == NULL)
		return;
	if (s->state != SUB_DEAD && !c->ending) {
		n = snprintf(line, sizeof(line), ": end: %s\n\n", why);
		if (n > 0 && (size_t)n < sizeof(line) &&
		    (m = msg_raw(NULL, 0, line, (size_t)n)) != NULL) {
			sub_push_final(s, m);
			msg_unref(m);
		}
		s->state = SUB_DEAD;
	}
	c->ending = 1;
	s->tp->wake(s);
}

/* After the hand-over: our thread writes. */
static void
sse_own_wake(struct sub *s)
{
	struct sseconn	*c = s->conn;

	/* A finished stream is never listed again: MHD may free it. */
	if (c == NULL || c->dirty || c->fd == -1)
		return;
	c->dirty = 1;
	c->dnext = sse_dirty;
	if (sse_dirty == NULL) {
		sse_dirty = c;
		sse_signal();
	} else
		sse_dirty = c;
}

const struct transport sse_transport = {
	"sse", XPORT_SSE, sse_encode, sse_wake, sse_kick,
};
static const struct transport sse_chunked_transport = {
	"sse", XPORT_SSE, sse_encode_chunk, sse_own_wake, sse_kick,
};
static const struct transport sse_raw_transport = {
	"sse", XPORT_SSE, sse_encode, sse_own_wake, sse_kick,
};

size_t
sse_count(void)
{
	size_t	 n;

	pthread_mutex_lock(&hub_lock);
	n = sse_n;
	pthread_mutex_unlock(&hub_lock);
	return n;
}

/*
 * Hand the socket over to our loop. hub_lock held, queue empty, MHD
 * idle on this connection. 0, or -1 (then MHD keeps serving it).
 */
static int
sse_take(struct sseconn *c)
{
	const union MHD_ConnectionInfo	*ci;
	struct epoll_event		 ev;
	int				 fd, on = 1, off = 0;

	if (!sse_running || sse_stopping)
		return -1;
	ci = MHD_get_connection_info(c->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL || (fd = ci->connect_fd) < 0)
		return -1;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLRDHUP;
	ev.data.ptr = c;
	if (epoll_ctl(sse_ep, EPOLL_CTL_ADD, fd, &ev) == -1)
		return -1;
	/* Whatever MHD corked, our writes go out at once. */
	setsockopt(fd, IPPROTO_TCP, TCP_CORK, &off, sizeof(off));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	c->fd = fd;
	c->sub->tp = c->chunked ? &sse_chunked_transport : &sse_raw_transport;
	return 0;
}

static ssize_t
sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sseconn	*c = cls;
	size_t		 n;

	(void)pos;
	pthread_mutex_lock(&hub_lock);
	/* Ending: what is queued still goes (the stream ends on a record
	 * boundary), then the body ends. */
	n = c->ending && c->fd != -1 ? 0 : sub_read(c->sub, buf, max);
	if (n == 0) {
		if (c->ending) {
			pthread_mutex_unlock(&hub_lock);
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
		if (c->fd == -1 && c->sub->state == SUB_LIVE)
			sse_take(c);
		c->suspended = 1;
		MHD_suspend_connection(c->conn);
	}
	pthread_mutex_unlock(&hub_lock);
	return (ssize_t)n;
}

static void
sse_free(void *cls)
{
	struct sseconn	*c = cls;
	struct sseconn	**pp;

	pthread_mutex_lock(&hub_lock);
	if (c->dirty)
		for (pp = &sse_dirty; *pp != NULL; pp = &(*pp)->dnext)
			if (*pp == c) {
				*pp = c->dnext;
				break;
			}
	sse_n--;
	sub_detach(c->sub);
	pthread_mutex_unlock(&hub_lock);
	if (c->fd != -1)
		epoll_ctl(sse_ep, EPOLL_CTL_DEL, c->fd, NULL);
	free(c);
}

/*
 * End a taken-over stream (sse thread): leave our epoll set and the
 * dirty list, and give the connection back to MHD, whose callback then
 * ends the body and frees c (in MHD's thread): c is not touched after.
 * The socket is MHD's to close.
 */
static void
sse_finish(struct sseconn *c)
{
	struct sseconn	**pp;
	int		  fd;

	pthread_mutex_lock(&hub_lock);
	if (c->dirty) {
		for (pp = &sse_dirty; *pp != NULL; pp = &(*pp)->dnext)
			if (*pp == c) {
				*pp = c->dnext;
				break;
			}
		c->dirty = 0;
	}
	fd = c->fd;
	c->fd = -1;
	c->ending = 1;
	sub_consume(c->sub, c->sub->qbytes);	/* framed for our socket */
	if (fd != -1)
		epoll_ctl(sse_ep, EPOLL_CTL_DEL, fd, NULL);
	if (c->suspended) {
		c->suspended = 0;
		MHD_resume_connection(c->conn);
	}
	pthread_mutex_unlock(&hub_lock);
}

/* Write what is queued until the socket would block. sse thread. */
static void
sse_flush(struct sseconn *c)
{
	struct epoll_event	 ev;
	const char		*b;
	size_t			 len;
	ssize_t			 n;
	int			 out = 0, err = 0, end;

	pthread_mutex_lock(&hub_lock);
	if (c->fd == -1) {
		pthread_mutex_unlock(&hub_lock);
		return;
	}
	while ((b = sub_peek(c->sub, &len)) != NULL) {
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
	end = err || (c->ending && (c->sub->qlen == 0 || sse_stopping > 1));
	pthread_mutex_unlock(&hub_lock);
	if (end) {
		sse_finish(c);
		return;
	}
	if (out != c->want_out) {
		c->want_out = out;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN | EPOLLRDHUP | (out ? EPOLLOUT : 0);
		ev.data.ptr = c;
		epoll_ctl(sse_ep, EPOLL_CTL_MOD, c->fd, &ev);
	}
}

/* The client spoke or went away. An SSE client has nothing to say. */
static void
sse_readable(struct sseconn *c)
{
	char	 buf[1024];
	ssize_t	 n;

	n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		sse_finish(c);
}

static void *
sse_main(void *arg)
{
	struct epoll_event	 evs[256];
	struct sseconn		*c, *list;
	uint64_t		 v;
	int			 n, i;

	(void)arg;
	while (!__atomic_load_n(&sse_stopping, __ATOMIC_ACQUIRE) ||
	    sse_count() > 0) {
		n = epoll_wait(sse_ep, evs, 256, 100);
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr == NULL) {
				if (read(sse_evfd, &v, sizeof(v)) < 0 &&
				    errno != EAGAIN)
					log_warn("sse: eventfd read");
				continue;
			}
			c = evs[i].data.ptr;
			if (c->fd == -1)
				continue;
			if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP |
			    EPOLLERR))
				sse_readable(c);
			else if (evs[i].events & EPOLLOUT)
				sse_flush(c);
		}
		/*
		 * An entry stays marked dirty until it is popped, under the
		 * lock: a wake meanwhile finds it marked and leaves its
		 * link alone, so no other thread can cut this list.
		 */
		pthread_mutex_lock(&hub_lock);
		list = sse_dirty;
		sse_dirty = NULL;
		pthread_mutex_unlock(&hub_lock);
		while (list != NULL) {
			pthread_mutex_lock(&hub_lock);
			c = list;
			list = c->dnext;
			c->dirty = 0;
			pthread_mutex_unlock(&hub_lock);
			sse_flush(c);
		}
		if (__atomic_load_n(&sse_stopping, __ATOMIC_ACQUIRE) > 1)
			break;
	}
	return NULL;
}

int
sse_start(void)
{
	struct epoll_event	 ev;

	if ((sse_ep = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (sse_evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		return -1;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (epoll_ctl(sse_ep, EPOLL_CTL_ADD, sse_evfd, &ev) == -1)
		return -1;
	if ((sse_keepalive_msg = msg_raw(NULL, 0, ":\n\n", 3)) == NULL)
		return -1;
	if (pthread_create(&sse_thread, NULL, sse_main, NULL) != 0)
		return -1;
	sse_running = 1;
	return 0;
}

/*
 * Stop taking connections over; streams already ended by hub_kick_all
 * are finished by the thread, which is then joined. Called before
 * MHD_stop_daemon, after the kicks.
 */
void
sse_stop(void)
{
	if (!sse_running)
		return;
	__atomic_store_n(&sse_stopping, 1, __ATOMIC_RELEASE);
	sse_signal();
}

/* Last step: whatever is left is finished now, then the thread ends. */
void
sse_join(void)
{
	if (!sse_running)
		return;
	__atomic_store_n(&sse_stopping, 2, __ATOMIC_RELEASE);
	hub_kick_all(WS_CLOSE_GOING_AWAY, "server stopping");
	sse_signal();
	pthread_join(sse_thread, NULL);
	sse_running = 0;
	close(sse_evfd);
	close(sse_ep);
	msg_unref(sse_keepalive_msg);
	sse_keepalive_msg = NULL;
}


/*
 * The credentials cannot be checked now (the database is away): not a
 * refusal. EventSource gives up for good on any answer but a 200
 * text/event-stream, so this is one: a retry field and a comment, then
 * the end of the stream. The client comes back after `retry` ms with its
 * Last-Event-ID, and is checked then (the front's answer for a pusher
 * that is down, deploy/front-errors/sse-unavailable.cgi, is the same).
 */
static int
sse_retry_later(struct MHD_Connection *conn)
{
	static const char body[] = "retry: 2000\n: authentication unavailable, "
	    "reconnect\n\n";
	struct MHD_Response	*resp;
	int			 ret;

	resp = MHD_create_response_from_buffer(sizeof(body) - 1,
	    (void *)(uintptr_t)body, MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "text/event-stream");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

int
sse_request(struct MHD_Connection *conn, struct req *r, const char *chanpath)
{
	static const char	 hello[] = ": postes pusher\n\nretry: 2000\n\n";
	struct MHD_Response	*resp;
	struct sseconn		*c;
	struct authinfo		 ai;
	struct msg		*m;
	char			 buf[512], *names[SUB_CHAN_MAX];
	const char		*v;
	long long		 since = -1;
	int			 n, status, ret;

	if (!auth_origin_ok(conn))
		return http_error(conn, 403, "origin", "Origin not allowed");
	if ((n = http_channels(conn, chanpath, buf, sizeof(buf), names,
	    SUB_CHAN_MAX)) <= 0)
		return http_error(conn, 404, "no_channel", "unknown channel");
	if ((v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Last-Event-ID")) == NULL)
		v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
		    "last_event_id");
	if (v != NULL && *v != '\0' && sse_parse_id(v, &since) == -1)
		return http_error(conn, 400, "bad_last_event_id",
		    "Last-Event-ID must be an event id");

	auth_request(conn, &ai);
	if (ai.res == AUTH_ERROR)
		return sse_retry_later(conn);
	if (ai.res == AUTH_ANON || ai.res == AUTH_BAD) {
		metric_inc(M_AUTH_FAIL);
		return http_error(conn, 401, "unauthorized",
		    "log in or present a ticket");
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return http_error(conn, 500, "internal", "out of memory");
	c->conn = conn;
	c->fd = -1;
	/* MHD frames an open-ended body in chunks for HTTP/1.1 only. */
	c->chunked = r->http11;
	c->sub = sub_new(&sse_transport, c, names, (size_t)n,
	    ai.res == AUTH_STAFF, ai.res == AUTH_KIOSK ? ai.session_id : 0,
	    since, &status);
	if (c->sub != NULL)
		sub_set_auth(c->sub, &ai);
	if (c->sub == NULL) {
		free(c);
		if (status == 403)
			metric_inc(M_AUTH_FAIL);
		return http_error(conn, (unsigned int)status,
		    status == 403 ? "forbidden" : status == 404 ?
		    "no_channel" : "internal", status == 403 ?
		    "channel not allowed" : status == 404 ?
		    "unknown channel" : "internal error");
	}
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, SSE_BLOCK,
	    sse_read, c, sse_free);
	if (resp == NULL) {
		pthread_mutex_lock(&hub_lock);
		sub_unref(c->sub);
		pthread_mutex_unlock(&hub_lock);
		free(c);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type",
	    "text/event-stream; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-cache, no-store");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");

	/* The opening comment and retry go first, then replay or live. */
	pthread_mutex_lock(&hub_lock);
	sse_n++;
	if ((m = msg_raw(NULL, 0, hello, sizeof(hello) - 1)) != NULL) {
		sub_push(c->sub, m);
		msg_unref(m);
	}
	pthread_mutex_unlock(&hub_lock);
	metric_inc(M_CONN_SSE_TOTAL);
	sub_attach(c->sub);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}
