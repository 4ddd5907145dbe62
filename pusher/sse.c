/*
 * sse.c - the Server-Sent Events transport (text/event-stream).
 *
 * MHD answers the request: status, headers, and the first body bytes
 * (the opening comment, retry:, the replay) come from a content reader
 * callback over the subscriber's queue. The first time that callback
 * finds the queue empty, everything MHD was given has been written
 * (MHD asks for the next chunk only once the previous one is out), and
 * the connection is handed over: MHD's side is suspended (MHD then
 * neither polls nor touches the socket), the socket joins one of the
 * I/O threads (io.c), and from then on events are written there
 * directly, framed as MHD would have framed them (an HTTP/1.1 chunk
 * each, or raw bytes for HTTP/1.0): the record and its chunk are built
 * once per message and shared by every subscriber. That costs one
 * writev() per batch of events per subscriber, where resuming and
 * suspending MHD connections costs two epoll_ctl calls, an eventfd
 * write and a walk of MHD's whole suspended list.
 *
 * The stream ends (client gone, slow subscriber dropped, shutdown) on a
 * record boundary: what is queued beyond the record being written is
 * dropped, a final comment (": end: <why>") is written, and then the
 * connection leaves our epoll set and the MHD connection is resumed,
 * whose callback then
 * ends the body (MHD writes the last chunk) and frees the subscriber:
 * MHD_stop_daemon never meets a suspended connection. Dead clients are
 * found by the keep-alive comments each I/O thread queues. The request
 * preamble (Origin, channels, Last-Event-ID, auth) is http.c's.
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

/*
 * Bytes MHD asks for per callback, before the hand-over only. Each
 * response keeps a buffer of this size for the stream's whole life: 256,
 * not 1024, is 0.8 KB less per SSE subscriber (docs/pusher.md, Limits).
 */
#define SSE_BLOCK	256

struct sseconn {
	struct ioconn		 io;		/* first: io.c's part */
	struct MHD_Connection	*conn;
	struct sub		*sub;
	int			 chunked;	/* HTTP/1.1: chunked body */
	int			 taken;		/* hub_lock: in an I/O thread */
	int			 suspended;	/* hub_lock */
	int			 ending;	/* hub_lock: end the body */
};

struct msg		*sse_keepalive_msg;
static size_t		 sse_n;		/* hub_lock */
static const struct io_ops sse_io_ops;

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
	c->io.ending = 1;
	s->tp->wake(s);
}

/* After the hand-over: our thread writes. */
static void
sse_own_wake(struct sub *s)
{
	struct sseconn	*c = s->conn;

	/* A finished stream is never listed again: MHD may free it. */
	if (c != NULL && c->taken)
		io_mark(&c->io);
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
	int				 fd, on = 1, off = 0;

	if (!io_taking())
		return -1;
	ci = MHD_get_connection_info(c->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL || (fd = ci->connect_fd) < 0)
		return -1;
	io_conn_init(&c->io, &sse_io_ops, fd, c->sub);
	c->io.keepalive = sse_keepalive_msg;
	c->sub->tp = c->chunked ? &sse_chunked_transport : &sse_raw_transport;
	c->taken = 1;
	if (io_live(&c->io) == -1) {
		c->taken = 0;
		c->sub->tp = &sse_transport;
		return -1;
	}
	/* Whatever MHD corked, our writes go out at once. */
	setsockopt(fd, IPPROTO_TCP, TCP_CORK, &off, sizeof(off));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
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
	n = c->ending && c->taken ? 0 : sub_read(c->sub, buf, max);
	if (n == 0) {
		if (c->ending) {
			pthread_mutex_unlock(&hub_lock);
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
		if (!c->taken && c->sub->state == SUB_LIVE)
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

	pthread_mutex_lock(&hub_lock);
	sse_n--;
	sub_detach(c->sub);
	pthread_mutex_unlock(&hub_lock);
	free(c);
}

/*
 * End a taken-over stream (io.c, its thread, once it left the loop):
 * give the connection back to MHD, whose callback then ends the body
 * and frees c (in MHD's thread): c is not touched after. The socket is
 * MHD's to close.
 */
static void
sse_release(struct ioconn *io)
{
	struct sseconn	*c = (struct sseconn *)io;

	pthread_mutex_lock(&hub_lock);
	c->taken = 0;
	c->ending = 1;
	sub_consume(c->sub, c->sub->qbytes);	/* framed for our socket */
	if (c->suspended) {
		c->suspended = 0;
		MHD_resume_connection(c->conn);
	}
	pthread_mutex_unlock(&hub_lock);
}

/* The stream was told to end and its last record is out: finish. */
static int
sse_drained(struct ioconn *io)
{
	(void)io;
	return 1;
}

/* The client spoke or went away. An SSE client has nothing to say. */
static int
sse_readable(struct ioconn *io)
{
	char	 buf[1024];
	ssize_t	 n;

	n = recv(io->fd, buf, sizeof(buf), MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
}

static const struct io_ops sse_io_ops = {
	"sse", sse_readable, sse_drained, NULL, sse_release,
};

int
sse_start(void)
{
	if ((sse_keepalive_msg = msg_raw(NULL, 0, ":\n\n", 3)) == NULL)
		return -1;
	return 0;
}

void
sse_free_all(void)
{
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
	static const struct http_resume resume = { "Last-Event-ID",
	    "last_event_id", "bad_last_event_id",
	    "Last-Event-ID must be an event id", 1 };
	struct MHD_Response	*resp;
	struct sseconn		*c;
	struct sub		*sub;
	struct msg		*m;
	int			 ret = MHD_NO;

	switch (http_subscribe(conn, chanpath, &sse_transport, &resume, &sub,
	    &ret)) {
	case HTTP_SUB_ANSWERED:
		return ret;
	case HTTP_SUB_UNAVAILABLE:
		return sse_retry_later(conn);
	case HTTP_SUB_ANON:
		return http_error(conn, 401, "unauthorized",
		    "log in or present a ticket");
	case HTTP_SUB_FORBIDDEN:
		return http_error(conn, 403, "forbidden",
		    "channel not allowed");
	case HTTP_SUB_OK:
		break;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		pthread_mutex_lock(&hub_lock);
		sub_unref(sub);
		pthread_mutex_unlock(&hub_lock);
		return http_error(conn, 500, "internal", "out of memory");
	}
	c->conn = conn;
	c->sub = sub;
	sub->conn = c;
	/* MHD frames an open-ended body in chunks for HTTP/1.1 only. */
	c->chunked = r->http11;
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
