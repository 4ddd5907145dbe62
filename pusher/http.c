/*
 * http.c - what every HTTP answer of the pusher shares: JSON errors,
 * plain bodies, and the subscription preamble both streams run.
 *
 * The preamble is written once for WebSocket and SSE: Origin, the
 * channels of the URL (one, or ?channels= for multi), the resume point
 * (WebSocket ?since=, SSE Last-Event-ID or ?last_event_id=), who is
 * asking (auth.c: ticket or cookie, checked against the database on
 * every connect, never failing open) and the subscriber itself, with
 * what admitted it remembered for revocation (revoke.c). It answers the
 * errors both transports answer alike; the refusals they answer
 * differently (a WebSocket is upgraded then closed 1008, SSE says 401
 * or 403; a database away is 503 for one and a retry stream for the
 * other) are returned to the transport.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <microhttpd.h>

#include "log.h"
#include "extern.h"

int
http_error(struct MHD_Connection *conn, unsigned int status,
    const char *code, const char *message)
{
	struct json_object	*o, *e;
	struct MHD_Response	*resp;
	const char		*s;
	size_t			 len;
	int			 ret;

	o = json_object_new_object();
	e = json_object_new_object();
	json_object_object_add(e, "code", json_object_new_string(code));
	json_object_object_add(e, "message", json_object_new_string(message));
	json_object_object_add(o, "error", e);
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	resp = MHD_create_response_from_buffer(len, (void *)(uintptr_t)s,
	    MHD_RESPMEM_MUST_COPY);
	json_object_put(o);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (status == 405)
		MHD_add_response_header(resp, "Allow", "GET");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

int
http_body(struct MHD_Connection *conn, unsigned int status, const char *type,
    char *body, size_t len)
{
	struct MHD_Response	*resp;
	int			 ret;

	resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

int
http_channels(struct MHD_Connection *conn, const char *path, char *buf,
    size_t bufsz, char **names, size_t max)
{
	return chan_split(path, MHD_lookup_connection_value(conn,
	    MHD_GET_ARGUMENT_KIND, "channels"), buf, bufsz, names, max);
}

enum http_sub
http_subscribe(struct MHD_Connection *conn, const char *chanpath,
    const struct transport *tp, const struct http_resume *rs,
    struct sub **out, int *ret)
{
	struct authinfo	 ai;
	char		 buf[512], *names[SUB_CHAN_MAX];
	const char	*v = NULL;
	long long	 since = -1;
	int		 n, status;

	*out = NULL;
	if (!auth_origin_ok(conn)) {
		*ret = http_error(conn, 403, "origin", "Origin not allowed");
		return HTTP_SUB_ANSWERED;
	}
	if ((n = http_channels(conn, chanpath, buf, sizeof(buf), names,
	    SUB_CHAN_MAX)) <= 0) {
		*ret = http_error(conn, 404, "no_channel", "unknown channel");
		return HTTP_SUB_ANSWERED;
	}
	if (rs->header != NULL)
		v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    rs->header);
	if (v == NULL)
		v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
		    rs->arg);
	if (v != NULL && (*v != '\0' || !rs->empty_ok) &&
	    sse_parse_id(v, &since) == -1) {
		*ret = http_error(conn, 400, rs->code, rs->message);
		return HTTP_SUB_ANSWERED;
	}

	auth_request(conn, &ai);
	if (ai.res == AUTH_ERROR)
		return HTTP_SUB_UNAVAILABLE;
	if (ai.res == AUTH_ANON || ai.res == AUTH_BAD) {
		metric_inc(M_AUTH_FAIL);
		return HTTP_SUB_ANON;
	}
	if ((*out = sub_new(tp, NULL, names, (size_t)n, &ai, since,
	    &status)) != NULL)
		return HTTP_SUB_OK;
	if (status == 403) {
		metric_inc(M_AUTH_FAIL);
		return HTTP_SUB_FORBIDDEN;
	}
	*ret = http_error(conn, (unsigned int)status,
	    status == 404 ? "no_channel" : "internal",
	    status == 404 ? "unknown channel" : "internal error");
	return HTTP_SUB_ANSWERED;
}
