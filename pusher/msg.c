/*
 * msg.c - reference-counted messages.
 *
 * An event reaches thousands of subscribers; it is stored once, and its
 * WebSocket frame and SSE record are built the first time a subscriber
 * of that transport needs them (under hub_lock) and shared afterwards.
 * References are atomic because queues are drained by the MHD thread
 * (an SSE head) and every I/O thread (io.c) while the intake thread
 * publishes: one frame's bytes are written by several threads at once,
 * and never changed once built.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ev.h"
#include "log.h"
#include "hub.h"

struct msg *
msg_new(long long id, const char *type, unsigned int mask,
    long long session_id, const char *json, size_t jlen)
{
	struct msg	*m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	if ((m->json = malloc(jlen + 1)) == NULL) {
		free(m);
		return NULL;
	}
	memcpy(m->json, json, jlen);
	m->json[jlen] = '\0';
	m->jlen = jlen;
	m->refs = 1;
	m->id = id;
	m->mask = mask;
	m->session_id = session_id;
	if (type != NULL)
		snprintf(m->type, sizeof(m->type), "%s", type);
	return m;
}

struct msg *
msg_from_obj(long long id, unsigned int mask, long long session_id,
    struct json_object *obj)
{
	struct json_object	*t;
	const char		*s, *type = NULL;
	size_t			 len;

	if (json_object_object_get_ex(obj, "type", &t))
		type = json_object_get_string(t);
	s = json_object_to_json_string_length(obj,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (s == NULL)
		return NULL;
	return msg_new(id, type, mask, session_id, s, len);
}

struct msg *
msg_raw(const char *ws, size_t wslen, const char *sse, size_t sselen)
{
	struct msg	*m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->refs = 1;
	if (ws != NULL && (m->ws = malloc(wslen)) != NULL) {
		memcpy(m->ws, ws, wslen);
		m->wslen = wslen;
	}
	if (sse != NULL && (m->sse = malloc(sselen)) != NULL) {
		memcpy(m->sse, sse, sselen);
		m->sselen = sselen;
	}
	if ((ws != NULL && m->ws == NULL) || (sse != NULL && m->sse == NULL)) {
		msg_unref(m);
		return NULL;
	}
	return m;
}

struct msg *
msg_ref(struct msg *m)
{
	__atomic_add_fetch(&m->refs, 1, __ATOMIC_RELAXED);
	return m;
}

void
msg_unref(struct msg *m)
{
	if (m == NULL || __atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	free(m->json);
	free(m->ws);
	free(m->sse);
	free(m->ssec);
	free(m);
}

struct msg *
msg_parse_event(const char *s, size_t len)
{
	struct json_tokener	*tok;
	struct json_object	*obj = NULL, *v;
	struct msg		*m = NULL;
	long long		 id, sid = 0, pid = 0;
	const char		*type;
	int			 t;

	if (len == 0 || len > 1024 * 1024)
		return NULL;
	if ((tok = json_tokener_new()) == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, s, (int)len);
	if (obj == NULL || json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(obj, json_type_object))
		goto bad;
	if (!json_object_object_get_ex(obj, "id", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    (id = json_object_get_int64(v)) <= 0)
		goto bad;
	if (!json_object_object_get_ex(obj, "type", &v) ||
	    !json_object_is_type(v, json_type_string))
		goto bad;
	type = json_object_get_string(v);
	if (json_object_object_get_ex(obj, "session_id", &v) &&
	    json_object_is_type(v, json_type_int))
		sid = json_object_get_int64(v);
	if (json_object_object_get_ex(obj, "poste_id", &v) &&
	    json_object_is_type(v, json_type_int))
		pid = json_object_get_int64(v);
	t = ev_lookup(type);
	m = msg_from_obj(id, t < 0 ? 0 : ev_channels((enum ev_type)t), sid,
	    obj);
	if (m != NULL)
		m->poste_id = pid;
	if (t < 0)
		log_warn("event %lld: unknown type %.32s, delivered to nobody",
		    id, type);
	json_object_put(obj);
	json_tokener_free(tok);
	return m;
bad:
	json_object_put(obj);
	json_tokener_free(tok);
	return NULL;
}
