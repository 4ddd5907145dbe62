/*
 * stream.c - follow a channel: SSE on the pusher, polling as fallback.
 *
 * Two channels are followed, each by one thread at a time, as the kiosk
 * page's StreamClient without the WebSocket leg: sessions/<id> while a
 * session runs, postes/<id> (the poste's messages and reservations) for
 * the agent's whole life. The kinds differ only in a row of chans[]: the
 * channel's prefix and the field of POST /api/kiosk/ticket that admits
 * it (ticket: the running session's; ticket_poste: the poste's own, with
 * or without a session). One follower does the rest: ask the API for a
 * ticket, open /events/<channel>?ticket=... with Last-Event-ID, and hand
 * every message to the main loop. When the stream cannot be opened or
 * drops, poll GET /api/events?channel=<channel>&since=N every
 * poll_interval seconds (that works with the pusher down) and try the
 * stream again after a back-off (1, 2, 4 ... 15 s).
 *
 * Resume rules (docs/pusher.md): the thread keeps the highest outbox id
 * it has delivered; the stream resumes from it (Last-Event-ID), polling
 * asks since= it, and any event at or below it is dropped, so switching
 * transports neither repeats nor rewinds. A "reset" (stream message, or
 * reset:true from polling) moves the point to the server's last_id and
 * asks the main loop to reload its state over REST; so does the first
 * point, taken from the head when the follower starts without one (an
 * event made while it was connecting is then in the state it reloads).
 *
 * Stopping: stream_stop bumps the kind's generation (one counter per
 * kind, so stopping the session's stream leaves the poste's alone); the
 * thread's curl progress callback sees it within a second and the thread
 * exits by itself (detached: the GTK thread never waits for it), and
 * anything it queued for an old generation is ignored on arrival.
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <glib.h>
#include <json-c/json.h>

#include "log.h"
#include "extern.h"

/* What differs between the kinds of channel. */
static const struct {
	const char	*prefix;	/* the channel is <prefix>/<id> */
	const char	*ticket;	/* field of /api/kiosk/ticket */
} chans[STREAM__MAX] = {
	[STREAM_SESSION] = { "sessions", "ticket" },
	[STREAM_POSTE] = { "postes", "ticket_poste" },
};

struct follower {
	enum stream_chan chan;
	unsigned	 gen;
	long long	 id;		/* of the session or the poste */
	long long	 since;		/* highest id delivered, -1: none */
	int		 live;
	long long	 last_rx;	/* mono ms of the last bytes read */
	struct sse_parser sse;
	stream_cb	 cb;
	void		*arg;
};

struct delivery {
	enum stream_chan	 chan;
	unsigned		 gen;
	enum stream_kind	 kind;
	struct json_object	*json;
	int			 live;
	stream_cb		 cb;
	void			*arg;
};

/* Keep-alives come every 15 s: 45 s without a byte is a dead stream. */
#define SSE_SILENCE_MS	45000

static gint		 cur_gen[STREAM__MAX];

static int
stale(const struct follower *f)
{
	return (unsigned)g_atomic_int_get(&cur_gen[f->chan]) != f->gen;
}

static gboolean
deliver_main(gpointer p)
{
	struct delivery *d = p;

	if ((unsigned)g_atomic_int_get(&cur_gen[d->chan]) == d->gen)
		d->cb(d->kind, d->json, d->live, d->arg);
	if (d->json != NULL)
		json_object_put(d->json);
	g_free(d);
	return G_SOURCE_REMOVE;
}

/* Queue for the main loop; takes json. */
static void
deliver(struct follower *f, enum stream_kind kind, struct json_object *json)
{
	struct delivery *d = g_new0(struct delivery, 1);

	d->chan = f->chan;
	d->gen = f->gen;
	d->kind = kind;
	d->json = json;
	d->live = f->live;
	d->cb = f->cb;
	d->arg = f->arg;
	g_idle_add(deliver_main, d);
}

/* One message, from either transport. Takes o. */
static void
receive(struct follower *f, struct json_object *o)
{
	const char	*type = jstr(o, "type");
	long long	 id, last;

	if (type == NULL) {
		json_object_put(o);
		return;
	}
	if (strcmp(type, "reset") == 0) {
		if (jint(jobj(o, "data"), "last_id", &last) == 0 && last >= 0)
			f->since = last;
		log_info("stream reset on %s/%lld, resuming from %lld",
		    chans[f->chan].prefix, f->id, f->since);
		json_object_put(o);
		deliver(f, STREAM_RESET, NULL);
		return;
	}
	if (strcmp(type, "subscribed") == 0) {
		/*
		 * The first point is the head at this connection: an event
		 * made between the owner's reading of its state and now is
		 * behind it, so the owner reads its state again (as after
		 * a reset) and misses nothing.
		 */
		if (f->since < 0 &&
		    jint(jobj(o, "data"), "last_id", &last) == 0 && last >= 0) {
			f->since = last;
			json_object_put(o);
			deliver(f, STREAM_RESET, NULL);
			return;
		}
		json_object_put(o);
		return;
	}
	if (jint(o, "id", &id) == 0 && id > 0 &&
	    strcmp(type, "stats_update") != 0) {
		/* An outbox event: never twice, never backwards. */
		if (f->since >= 0 && id <= f->since) {
			json_object_put(o);
			return;
		}
		f->since = id;
	}
	deliver(f, STREAM_EVENT, o);
}

static void
on_sse(const char *event, const char *id, const char *data, void *arg)
{
	struct follower		*f = arg;
	struct json_object	*o;

	(void)id;
	if ((o = json_tokener_parse(data)) == NULL)
		return;
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return;
	}
	if (jstr(o, "type") == NULL && event[0] != '\0')
		json_object_object_add(o, "type",
		    json_object_new_string(event));
	if (!f->live && strcmp(event, "subscribed") == 0) {
		f->live = 1;
		log_info("stream live (SSE) on %s/%lld", chans[f->chan].prefix,
		    f->id);
		deliver(f, STREAM_STATUS, NULL);
	}
	receive(f, o);
}

static size_t
on_data(char *p, size_t sz, size_t n, void *arg)
{
	struct follower *f = arg;

	if (stale(f) || sse_feed(&f->sse, p, sz * n, on_sse, f) == -1)
		return 0;
	f->last_rx = mono_ms();
	return sz * n;
}

/*
 * Called by curl about once a second: stop for stream_stop, and give up
 * a stream silent for SSE_SILENCE_MS. The pusher's keep-alive is a 3-byte
 * comment every 15 s: curl's own low-speed limit (bytes per second over
 * a window of a few seconds) would call that dead within a minute on a
 * quiet channel, so silence is measured here, from the last byte.
 */
static int
on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c,
    curl_off_t d)
{
	struct follower *f = arg;

	(void)a; (void)b; (void)c; (void)d;
	return stale(f) || mono_ms() - f->last_rx > SSE_SILENCE_MS ? 1 : 0;
}

/* A ticket for the channel, or -1. */
static int
ticket(struct follower *f, char *out, size_t n)
{
	struct api_res	 r;
	const char	*t;
	int		 rc = -1;

	if (api_call("POST", "/api/kiosk/ticket", "{}", &r) == 0 &&
	    (t = jstr(r.json, chans[f->chan].ticket)) != NULL &&
	    strlen(t) < n &&
	    strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == strlen(t)) {
		memcpy(out, t, strlen(t) + 1);
		rc = 0;
	}
	api_res_clear(&r);
	return rc;
}

/* Follow over SSE until the stream ends; 1 if it had gone live. */
static int
sse_once(struct follower *f)
{
	struct curl_slist	*hdrs = NULL;
	char			 url[AGENT_URL_MAX + 512], tk[256], h[64];
	const struct agent_cfg	*c = api_cfg();
	CURL			*ch;
	CURLcode		 cc;
	long			 status = 0;

	if (ticket(f, tk, sizeof(tk)) == -1)
		return 0;
	snprintf(url, sizeof(url), "%s/events/%s/%lld?ticket=%s",
	    c->pusher, chans[f->chan].prefix, f->id, tk);
	if ((ch = api_easy(url, &hdrs)) == NULL)
		return 0;
	hdrs = curl_slist_append(hdrs, "Accept: text/event-stream");
	if (f->since >= 0) {
		snprintf(h, sizeof(h), "Last-Event-ID: %lld", f->since);
		hdrs = curl_slist_append(hdrs, h);
	}
	sse_init(&f->sse);
	f->live = 0;
	curl_easy_setopt(ch, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(ch, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(ch, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(ch, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(ch, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(ch, CURLOPT_XFERINFODATA, f);
	curl_easy_setopt(ch, CURLOPT_FAILONERROR, 1L);
	f->last_rx = mono_ms();
	cc = curl_easy_perform(ch);
	curl_easy_getinfo(ch, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(ch);
	curl_slist_free_all(hdrs);
	sse_free(&f->sse);
	if (!stale(f))
		log_info("stream on %s/%lld ended (HTTP %ld, %s)",
		    chans[f->chan].prefix, f->id, status,
		    curl_easy_strerror(cc));
	return f->live;
}

/* One poll of /api/events; 0 or -1. */
static int
poll_once(struct follower *f)
{
	struct api_res		 r;
	struct json_object	*evs, *e;
	char			 path[160];
	long long		 last;
	size_t			 i, n;
	int			 reset;

	if (f->since >= 0)
		snprintf(path, sizeof(path),
		    "/api/events?channel=%s/%lld&since=%lld",
		    chans[f->chan].prefix, f->id, f->since);
	else
		snprintf(path, sizeof(path), "/api/events?channel=%s/%lld",
		    chans[f->chan].prefix, f->id);
	if (api_call("GET", path, NULL, &r) == -1) {
		api_res_clear(&r);
		return -1;
	}
	/* No point yet: the head read here is the first, as in receive(). */
	reset = f->since < 0 || (json_object_get_boolean(
	    json_object_object_get(r.json, "reset")) && f->since >= 0);
	if (json_object_object_get_ex(r.json, "events", &evs) &&
	    json_object_is_type(evs, json_type_array)) {
		n = json_object_array_length(evs);
		for (i = 0; i < n && !reset; i++) {
			e = json_object_array_get_idx(evs, i);
			if (json_object_is_type(e, json_type_object))
				receive(f, json_object_get(e));
		}
	}
	if (jint(r.json, "last_id", &last) == 0 && last >= 0 &&
	    (reset || f->since < 0 || last > f->since))
		f->since = last;
	if (reset)
		deliver(f, STREAM_RESET, NULL);
	api_res_clear(&r);
	return 0;
}

static void
nap(struct follower *f, unsigned ms)
{
	for (; ms > 0 && !stale(f); ms -= ms > 100 ? 100 : ms)
		g_usleep(100 * 1000);
}

static gpointer
follow(gpointer p)
{
	struct follower	*f = p;
	unsigned	 backoff = 1000, waited;

	while (!stale(f)) {
		if (sse_once(f)) {
			backoff = 1000;
			f->live = 0;
			deliver(f, STREAM_STATUS, NULL);
		}
		if (stale(f))
			break;
		/* Poll until the next stream attempt. */
		for (waited = 0; waited < backoff && !stale(f);
		    waited += api_cfg()->poll_interval * 1000) {
			poll_once(f);
			nap(f, api_cfg()->poll_interval * 1000);
		}
		backoff = backoff >= 15000 ? 15000 : backoff * 2;
	}
	g_free(f);
	return NULL;
}

void
stream_start(enum stream_chan chan, long long id, long long since,
    stream_cb cb, void *arg)
{
	struct follower	*f;
	GThread		*t;

	g_assert(chan < STREAM__MAX && id > 0);
	f = g_new0(struct follower, 1);
	f->chan = chan;
	f->gen = (unsigned)g_atomic_int_add(&cur_gen[chan], 1) + 1;
	f->id = id;
	f->since = since;
	f->cb = cb;
	f->arg = arg;
	t = g_thread_new(chan == STREAM_POSTE ? "stream-poste" :
	    "stream-session", follow, f);
	g_thread_unref(t);
}

void
stream_stop(enum stream_chan chan)
{
	g_assert(chan < STREAM__MAX);
	g_atomic_int_inc(&cur_gen[chan]);
}
