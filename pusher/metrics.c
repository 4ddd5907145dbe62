/*
 * metrics.c - counters and the /metrics and /healthz bodies.
 *
 * Counters are plain 64-bit integers bumped atomically from any thread;
 * gauges (connections by transport and channel, queued bytes) are read
 * from the hub at scrape time, so nothing is maintained twice.
 * The hub's counters (hub_stat, hub.h) are its own: they are added to
 * the families they belong to here, so the hub links without this file.
 * Latency histograms (enum hist) are fixed buckets of atomic counters,
 * observed from any thread.
 * The format is Prometheus text exposition 0.0.4.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extern.h"

static unsigned long long counters[M__MAX];

/* Which family each hub counter adds to. */
static const enum mcount hub_family[HS__MAX] = {
	[HS_MSGS_WS] = M_MSGS_WS,
	[HS_MSGS_SSE] = M_MSGS_SSE,
	[HS_DROPS_SLOW_WS] = M_DROPS_SLOW,
	[HS_DROPS_SLOW_SSE] = M_DROPS_SLOW_SSE,
	[HS_REPLAY_RING] = M_REPLAY_RING,
	[HS_REPLAY_DB] = M_REPLAY_DB,
	[HS_REPLAY_RESET] = M_REPLAY_RESET,
	[HS_REPLAYED_EVENTS] = M_REPLAYED_EVENTS,
	[HS_EVENTS_DUP] = M_EVENTS_DUP,
	[HS_REVOKED] = M_REVOKED,
};

/* Histogram bucket bounds, microseconds (rendered as seconds). */
static const long long hbound[] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000,
	250000, 500000, 1000000, 2500000, 10000000,
};
#define HB_N	(sizeof(hbound) / sizeof(hbound[0]))

static struct {
	unsigned long long	 bucket[HB_N + 1];	/* last: +Inf */
	unsigned long long	 count, sum_us;
} hists[H__MAX];

static const struct hdesc {
	const char	*name, *help;
} hdescs[H__MAX] = {
	[H_COMMIT_DOORBELL] = { "postes_pusher_commit_to_doorbell_seconds",
	    "From the outbox row's created_at to the doorbell that read it" },
	[H_DOORBELL_READ] = { "postes_pusher_doorbell_to_read_seconds",
	    "From a doorbell to the end of the outbox read it caused" },
	[H_READ_QUEUED] = { "postes_pusher_read_to_queued_seconds",
	    "From the outbox read to the event queued to every subscriber" },
	[H_QUEUED_WRITTEN] = { "postes_pusher_queued_to_written_seconds",
	    "From queued to written to a subscriber's socket (per delivery)" },
};

long long
time_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
hist_observe(enum hist h, long long us)
{
	size_t	 i;

	if (us < 0)
		us = 0;
	for (i = 0; i < HB_N && us > hbound[i]; i++)
		continue;
	__atomic_add_fetch(&hists[h].bucket[i], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&hists[h].count, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&hists[h].sum_us, (unsigned long long)us,
	    __ATOMIC_RELAXED);
}
static time_t		  started;

struct mdesc {
	const char	*name;
	const char	*labels;
	const char	*help;
};

static const struct mdesc mdescs[M__MAX] = {
	[M_EVENTS_OUTBOX] = { "postes_pusher_events_in_total",
	    "source=\"outbox\"", "Events published (always read from the "
	    "outbox)" },
	[M_EVENTS_ZMQ] = { "postes_pusher_doorbell_total", "source=\"zmq\"",
	    "Doorbells: reasons to read the outbox" },
	[M_EVENTS_CLOCK] = { "postes_pusher_doorbell_total",
	    "source=\"clock\"", NULL },
	[M_INTAKE_RINGS] = { "postes_pusher_doorbell_total",
	    "source=\"other\"", NULL },
	[M_INTAKE_POLLS] = { "postes_pusher_outbox_polls_total", NULL,
	    "Outbox reads (doorbell or timer)" },
	[M_EVENTS_DUP] = { "postes_pusher_events_duplicate_total", NULL,
	    "Events seen again and dropped (already delivered)" },
	[M_EVENTS_BAD] = { "postes_pusher_intake_malformed_total", NULL,
	    "ZeroMQ messages that were not a doorbell (dropped)" },
	[M_INTAKE_REFUSED] = { "postes_pusher_intake_refused_total", NULL,
	    "ZeroMQ peers refused at handshake (ZMTP/1.0, no or unknown key)" },
	[M_MSGS_WS] = { "postes_pusher_messages_out_total",
	    "transport=\"ws\"", "Messages queued to subscribers" },
	[M_MSGS_SSE] = { "postes_pusher_messages_out_total",
	    "transport=\"sse\"", NULL },
	[M_DROPS_SLOW] = { "postes_pusher_drops_total",
	    "transport=\"ws\",reason=\"slow\"", "Subscribers dropped, by "
	    "transport and reason" },
	[M_DROPS_SLOW_SSE] = { "postes_pusher_drops_total",
	    "transport=\"sse\",reason=\"slow\"", NULL },
	[M_WS_FLOOD_CLOSE] = { "postes_pusher_drops_total",
	    "transport=\"ws\",reason=\"flood\"", NULL },
	[M_WS_PROTOCOL_CLOSE] = { "postes_pusher_ws_closes_total",
	    "code=\"protocol\"", "WebSocket connections closed by us" },
	[M_WS_TOO_BIG_CLOSE] = { "postes_pusher_ws_closes_total",
	    "code=\"1009\"", NULL },
	[M_WS_POLICY_CLOSE] = { "postes_pusher_ws_closes_total",
	    "code=\"1008\"", NULL },
	[M_REPLAY_RING] = { "postes_pusher_replays_total", "from=\"memory\"",
	    "Resumes served" },
	[M_REPLAY_DB] = { "postes_pusher_replays_total", "from=\"outbox\"",
	    NULL },
	[M_REPLAY_RESET] = { "postes_pusher_replays_total", "from=\"reset\"",
	    NULL },
	[M_REPLAYED_EVENTS] = { "postes_pusher_replayed_events_total", NULL,
	    "Events sent by resumes" },
	[M_AUTH_FAIL] = { "postes_pusher_auth_refused_total", NULL,
	    "Subscriptions refused (401, 403, close 1008)" },
	[M_STATS_SENT] = { "postes_pusher_stats_updates_total", NULL,
	    "stats_update messages published" },
	[M_TIME_SENT] = { "postes_pusher_time_updates_total", NULL,
	    "time_update messages published" },
	[M_CLOCK_CHANGES] = { "postes_pusher_clock_changes_total", NULL,
	    "State changes made by the clock" },
	[M_CONN_WS_TOTAL] = { "postes_pusher_connections_total",
	    "transport=\"ws\"", "Subscriptions accepted" },
	[M_CONN_SSE_TOTAL] = { "postes_pusher_connections_total",
	    "transport=\"sse\"", NULL },
	[M_DB_ERRORS] = { "postes_pusher_db_errors_total", NULL,
	    "Database calls that failed" },
	[M_HEALTH_REFUSED] = { "postes_pusher_health_refused_total", NULL,
	    "/healthz and /metrics requests refused (not loopback, not staff)" },
	[M_REVOKED] = { "postes_pusher_revoked_total", NULL,
	    "Subscribers closed because their authorisation was revoked" },
};

void
metric_inc(enum mcount c)
{
	__atomic_add_fetch(&counters[c], 1, __ATOMIC_RELAXED);
}

void
metric_add(enum mcount c, unsigned long long n)
{
	__atomic_add_fetch(&counters[c], n, __ATOMIC_RELAXED);
}

/* A counter, with what the hub counted for its family. */
static unsigned long long
counter_get(size_t c)
{
	unsigned long long	 v;
	size_t			 i;

	v = __atomic_load_n(&counters[c], __ATOMIC_RELAXED);
	for (i = 0; i < HS__MAX; i++)
		if ((size_t)hub_family[i] == c)
			v += hub_stat_get((enum hub_stat)i);
	return v;
}

struct buf {
	char	*p;
	size_t	 len, cap;
	int	 oom;
};

static void
bprintf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
bprintf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;
	char	*np;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		if ((np = realloc(b->p, b->cap * 2 + (size_t)n)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = b->cap * 2 + (size_t)n;
	}
}

char *
metrics_render(size_t *len)
{
	static const char *const tname[XPORT__MAX] = { "ws", "sse" };
	static const char *const cname[5] = { "dashboard", "sessions",
	    "postes", "sessions/<id>", "postes/<id>" };
	struct hub_counts hc;
	struct buf	 b;
	size_t		 i, t;

	if (started == 0)
		started = time(NULL);
	b.cap = 4096;
	b.len = 0;
	b.oom = 0;
	if ((b.p = malloc(b.cap)) == NULL)
		return NULL;
	hub_count(&hc);
	bprintf(&b, "# HELP postes_pusher_connections Open subscriber "
	    "connections\n# TYPE postes_pusher_connections gauge\n");
	for (t = 0; t < XPORT__MAX; t++)
		bprintf(&b, "postes_pusher_connections{transport=\"%s\"} %zu\n",
		    tname[t], hc.subs[t]);
	bprintf(&b, "# HELP postes_pusher_subscriptions Subscriptions by "
	    "transport and channel\n# TYPE postes_pusher_subscriptions gauge\n");
	for (t = 0; t < XPORT__MAX; t++)
		for (i = 0; i < 5; i++)
			bprintf(&b, "postes_pusher_subscriptions{transport=\"%s\","
			    "channel=\"%s\"} %zu\n", tname[t], cname[i],
			    hc.chan[t][i]);
	bprintf(&b, "# HELP postes_pusher_session_channels sessions/<id> "
	    "channels with listeners\n# TYPE postes_pusher_session_channels "
	    "gauge\npostes_pusher_session_channels %zu\n", hc.session_chans);
	bprintf(&b, "# HELP postes_pusher_poste_channels postes/<id> "
	    "channels with listeners\n# TYPE postes_pusher_poste_channels "
	    "gauge\npostes_pusher_poste_channels %zu\n", hc.poste_chans);
	bprintf(&b, "# HELP postes_pusher_queued_bytes Bytes waiting in "
	    "subscriber queues\n# TYPE postes_pusher_queued_bytes gauge\n"
	    "postes_pusher_queued_bytes %zu\n", hc.queued_bytes);
	bprintf(&b, "# HELP postes_pusher_resume_ring Events kept in memory "
	    "for resume\n# TYPE postes_pusher_resume_ring gauge\n"
	    "postes_pusher_resume_ring %zu\n", hc.ring);
	bprintf(&b, "# HELP postes_pusher_last_event_id Highest event id "
	    "delivered\n# TYPE postes_pusher_last_event_id gauge\n"
	    "postes_pusher_last_event_id %lld\n", hub_last_id());
	/* One family at a time, whatever the enum's order. */
	for (i = 0; i < M__MAX; i++) {
		for (t = 0; t < i; t++)
			if (strcmp(mdescs[t].name, mdescs[i].name) == 0)
				break;
		if (t < i)
			continue;	/* family already written */
		for (t = i; t < M__MAX; t++)
			if (strcmp(mdescs[t].name, mdescs[i].name) == 0 &&
			    mdescs[t].help != NULL) {
				bprintf(&b, "# HELP %s %s\n# TYPE %s counter\n",
				    mdescs[t].name, mdescs[t].help,
				    mdescs[t].name);
				break;
			}
		for (t = i; t < M__MAX; t++) {
			if (strcmp(mdescs[t].name, mdescs[i].name) != 0)
				continue;
			if (mdescs[t].labels != NULL)
				bprintf(&b, "%s{%s} %llu\n", mdescs[t].name,
				    mdescs[t].labels, counter_get(t));
			else
				bprintf(&b, "%s %llu\n", mdescs[t].name,
				    counter_get(t));
		}
	}
	for (i = 0; i < H__MAX; i++) {
		unsigned long long	 cum = 0;

		bprintf(&b, "# HELP %s %s\n# TYPE %s histogram\n",
		    hdescs[i].name, hdescs[i].help, hdescs[i].name);
		for (t = 0; t <= HB_N; t++) {
			cum += __atomic_load_n(&hists[i].bucket[t],
			    __ATOMIC_RELAXED);
			if (t < HB_N)
				bprintf(&b, "%s_bucket{le=\"%g\"} %llu\n",
				    hdescs[i].name, (double)hbound[t] / 1e6,
				    cum);
			else
				bprintf(&b, "%s_bucket{le=\"+Inf\"} %llu\n",
				    hdescs[i].name, cum);
		}
		bprintf(&b, "%s_sum %.6f\n%s_count %llu\n", hdescs[i].name,
		    (double)__atomic_load_n(&hists[i].sum_us,
		    __ATOMIC_RELAXED) / 1e6, hdescs[i].name,
		    __atomic_load_n(&hists[i].count, __ATOMIC_RELAXED));
	}
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}

/*
 * Health: each part records when its latest attempt succeeded or
 * failed. A part is down when its latest attempt failed, or when it has
 * not succeeded for HEALTH_STALE seconds (a thread stuck on a dead
 * database). Before the first outbox read the answer is 503 "starting".
 */
#define HEALTH_STALE	10

static long long	 h_ok_at[HEALTH__MAX];	/* s, atomic */
static int		 h_failing[HEALTH__MAX];	/* atomic */

void
metrics_start(void)
{
	started = time(NULL);
}

void
health_note(enum health_part p, int ok)
{
	if (ok)
		__atomic_store_n(&h_ok_at[p], (long long)time(NULL),
		    __ATOMIC_RELAXED);
	__atomic_store_n(&h_failing[p], !ok, __ATOMIC_RELAXED);
}

static const char *
health_reason(void)
{
	static const char *const name[HEALTH__MAX] = { "outbox", "clock" };
	long long	 now = (long long)time(NULL), at;
	size_t		 i;

	if (!hub_ready())
		return __atomic_load_n(&h_failing[HEALTH_OUTBOX],
		    __ATOMIC_RELAXED) ? "outbox" : "starting";
	for (i = 0; i < HEALTH__MAX; i++) {
		at = __atomic_load_n(&h_ok_at[i], __ATOMIC_RELAXED);
		if (__atomic_load_n(&h_failing[i], __ATOMIC_RELAXED) ||
		    (at != 0 && now - at > HEALTH_STALE) ||
		    (at == 0 && now - (long long)started > HEALTH_STALE))
			return name[i];
	}
	return NULL;
}

/*
 * {"status":"ok","outbox":true,"clock":true,"uptime":S}, or 503 with
 * {"status":"unavailable","reason":"outbox"|"clock"|"starting",...}.
 * No event id: strangers have no use for it (it is in /metrics).
 */
char *
health_render(size_t *len, int *ok)
{
	struct buf	 b;
	const char	*why;

	if (started == 0)
		started = time(NULL);
	b.cap = 256;
	b.len = 0;
	b.oom = 0;
	if ((b.p = malloc(b.cap)) == NULL)
		return NULL;
	why = health_reason();
	*ok = why == NULL;
	if (why == NULL)
		bprintf(&b, "{\"status\":\"ok\",\"outbox\":true,"
		    "\"clock\":true,\"uptime\":%lld}\n",
		    (long long)(time(NULL) - started));
	else
		bprintf(&b, "{\"status\":\"unavailable\",\"reason\":\"%s\","
		    "\"outbox\":%s,\"clock\":%s,\"uptime\":%lld}\n", why,
		    strcmp(why, "outbox") == 0 ||
		    strcmp(why, "starting") == 0 ? "false" : "true",
		    strcmp(why, "clock") == 0 ? "false" : "true",
		    (long long)(time(NULL) - started));
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}
