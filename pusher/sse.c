/*
 * sse.c - the Server-Sent Events transport (text/event-stream).
 *
 * The body is an MHD content reader callback over the subscriber's
 * queue. When the queue is empty the callback suspends the connection
 * (the only place besides the access handler where MHD allows it) and
 * returns 0; wake() resumes it when something is queued. Both happen
 * under hub_lock, so a wake can never come before the suspension it
 * answers. A suspended connection costs no CPU, but MHD does not notice
 * when its peer goes away: the keep-alive comments the ws thread queues
 * every popts.keepalive seconds are what reclaim dead clients.
 *
 * At shutdown every connection is resumed and its callback ends the
 * stream, so MHD_stop_daemon never meets a suspended connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "log.h"
#include "extern.h"

#define SSE_BLOCK	2048	/* bytes MHD asks for per callback */
#define SSE_RETRY_MS	2000

struct sseconn {
	struct MHD_Connection	*conn;
	struct sub		*sub;
	int			 suspended;	/* hub_lock */
	int			 ending;	/* hub_lock: end the body */
};

struct msg	*sse_keepalive_msg;
static size_t	 sse_n;		/* hub_lock */

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

static void
sse_wake(struct sub *s)
{
	struct sseconn	*c = s->conn;

	if (c != NULL && c->suspended) {
		c->suspended = 0;
		MHD_resume_connection(c->conn);
	}
}

static void
sse_kick(struct sub *s, int code, const char *why)
{
	struct sseconn	*c = s->conn;

	(void)code;
	(void)why;
	if (c == NULL)
		return;
	c->ending = 1;
	sse_wake(s);
}

const struct transport sse_transport = {
	"sse", XPORT_SSE, sse_encode, sse_wake, sse_kick,
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

static ssize_t
sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sseconn	*c = cls;
	size_t		 n;

	(void)pos;
	pthread_mutex_lock(&hub_lock);
	n = c->sub->state == SUB_DEAD && c->ending ? 0 :
	    sub_read(c->sub, buf, max);
	if (n == 0) {
		if (c->ending) {
			pthread_mutex_unlock(&hub_lock);
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
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

	(void)r;
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
		return http_error(conn, 503, "unavailable",
		    "authentication unavailable");
	if (ai.res == AUTH_ANON || ai.res == AUTH_BAD) {
		metric_inc(M_AUTH_FAIL);
		return http_error(conn, 401, "unauthorized",
		    "log in or present a ticket");
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return http_error(conn, 500, "internal", "out of memory");
	c->conn = conn;
	c->sub = sub_new(&sse_transport, c, names, (size_t)n,
	    ai.res == AUTH_STAFF, ai.res == AUTH_KIOSK ? ai.session_id : 0,
	    since, &status);
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
