/*
 * chan.c - channels, subscribers, fan-out and the resume ring.
 *
 * One mutex (hub_lock) guards all of it. Fan-out is a walk of the
 * channel's member list appending a reference to a shared message into
 * each subscriber's queue, so the lock is held for microseconds per
 * thousand subscribers; writing to sockets happens later, in each
 * connection's I/O thread (io.c), without the lock.
 *
 * The hub calls nobody it does not own: the intake and the clock are
 * woken through struct hub_hooks (set by main.c), and its counters
 * (hub_stat) are read by metrics.c. See hub.h.
 *
 * Ordering and exactly-once: events carry the outbox id and are
 * published by the intake thread alone, in increasing id order. The hub
 * keeps the watermark (highest id delivered); anything at or below it is
 * a duplicate. Each subscriber keeps the highest id queued to it and is
 * never queued an event at or below it (sub_push_event), so an event on
 * several channels of one multiplexed stream is queued once and no path
 * (ring, outbox replay, live) can send one twice or out of order.
 *
 * Start: until the intake has read the outbox's position (hub.ready),
 * nobody goes live, not even a subscriber without a resume point: it
 * waits in the replay queue and starts at the outbox head once known.
 *
 * Resume: the last popts.ring events stay in memory. A subscriber whose
 * resume point is inside the ring is replayed at once, under the lock,
 * and goes live in the same critical section, so no live event can slip
 * between replay and live. Older resume points wait in SUB_REPLAY until
 * the intake thread has read the outbox (hub_replay_finish). A resume
 * point that cannot be honoured gets an explicit "reset" message.
 *
 * Revocation (revoke.c): an auth_revoked control event is acted on in
 * hub_publish, under the same lock and in the same id order as every
 * event, so no event published after it reaches a revoked subscriber.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "ev.h"
#include "log.h"
#include "timefmt.h"
#include "hub.h"

pthread_mutex_t	 hub_lock = PTHREAD_MUTEX_INITIALIZER;

enum { CH_DASHBOARD, CH_SESSIONS, CH_POSTES, CH_SESSION, CH_POSTE, CH__MAX };

/*
 * A channel: one of the three fixed ones, or a keyed one, sessions/<id>
 * or postes/<id>, made when its first listener comes and dropped with its
 * last (a hash table on mask and id; an event names its session and its
 * poste, msg_key()).
 */
struct chan {
	unsigned int	 mask;
	long long	 id;		/* keyed: the session's or poste's id */
	struct member	*head;
	size_t		 n[XPORT__MAX];
	struct msg	*last_time;	/* sessions/<id>: last time_update */
	struct chan	*hnext;
};

#define KEYED_BUCKETS	1024
#define KEYED(mask)	((mask) == EV_CH_SESSION || (mask) == EV_CH_POSTE)

static struct {
	long long	 last;		/* watermark; atomic for readers */
	int		 ready;
	struct msg	**ring;
	size_t		 rcap, rhead, rlen;
	long long	 rfloor;	/* every id above it is in the ring */
	struct msg	*stats;
	int		 stats_dirty;
	struct sub	*rq_head, *rq_tail;	/* replays for the intake */
	struct sub	*all;
	long long	 next_expiry;	/* earliest auth.expires_ms, 0: none */
	struct chan	 fixed[3];
	struct chan	*keyed[KEYED_BUCKETS];
	size_t		 nsess, npostes;	/* keyed channels, by kind */
	struct hub_hooks hooks;
	unsigned long long stat[HS__MAX];	/* atomic */
} hub;

#define HUB_STAT(i, n)	__atomic_add_fetch(&hub.stat[i], (n), __ATOMIC_RELAXED)

/* Wall clock, microseconds (the latency histograms' unit). */
static long long
hub_now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

unsigned long long
hub_stat_get(enum hub_stat i)
{
	return __atomic_load_n(&hub.stat[i], __ATOMIC_RELAXED);
}

void
hub_set_hooks(const struct hub_hooks *h)
{
	hub.hooks = *h;
}

int
hub_init(void)
{
	hub.rcap = popts.ring > 0 ? popts.ring : 1;
	if ((hub.ring = calloc(hub.rcap, sizeof(*hub.ring))) == NULL)
		return -1;
	hub.fixed[CH_DASHBOARD].mask = EV_CH_DASHBOARD;
	hub.fixed[CH_SESSIONS].mask = EV_CH_SESSIONS;
	hub.fixed[CH_POSTES].mask = EV_CH_POSTES;
	return 0;
}

void
hub_free(void)
{
	size_t		 i;
	struct chan	*c, *n;

	pthread_mutex_lock(&hub_lock);
	for (i = 0; i < hub.rlen; i++)
		msg_unref(hub.ring[(hub.rhead + i) % hub.rcap]);
	free(hub.ring);
	hub.ring = NULL;
	hub.rlen = 0;
	msg_unref(hub.stats);
	hub.stats = NULL;
	for (i = 0; i < KEYED_BUCKETS; i++)
		for (c = hub.keyed[i]; c != NULL; c = n) {
			n = c->hnext;
			msg_unref(c->last_time);
			free(c);
		}
	memset(hub.keyed, 0, sizeof(hub.keyed));
	pthread_mutex_unlock(&hub_lock);
}

long long
hub_last_id(void)
{
	return __atomic_load_n(&hub.last, __ATOMIC_ACQUIRE);
}

int
hub_ready(void)
{
	return __atomic_load_n(&hub.ready, __ATOMIC_ACQUIRE);
}

long long
hub_ring_floor(void)
{
	long long	 f;

	pthread_mutex_lock(&hub_lock);
	f = hub.rfloor;
	pthread_mutex_unlock(&hub_lock);
	return f;
}

int
hub_stats_dirty(void)
{
	return __atomic_load_n(&hub.stats_dirty, __ATOMIC_ACQUIRE);
}

void
hub_stats_clean(void)
{
	__atomic_store_n(&hub.stats_dirty, 0, __ATOMIC_RELEASE);
}

static struct chan **
chan_bucket(unsigned int mask, long long id)
{
	return &hub.keyed[((unsigned long long)id * 2 +
	    (mask == EV_CH_POSTE)) % KEYED_BUCKETS];
}

/* The keyed channel (mask, id); created when create is set. Locked. */
static struct chan *
chan_keyed(unsigned int mask, long long id, int create)
{
	struct chan	**pp, *c;

	pp = chan_bucket(mask, id);
	for (c = *pp; c != NULL; c = c->hnext)
		if (c->mask == mask && c->id == id)
			return c;
	if (!create || (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->mask = mask;
	c->id = id;
	c->hnext = *pp;
	*pp = c;
	if (mask == EV_CH_POSTE)
		hub.npostes++;
	else
		hub.nsess++;
	return c;
}

static void
chan_keyed_drop(struct chan *c)
{
	struct chan	**pp;

	for (pp = chan_bucket(c->mask, c->id); *pp != NULL;
	    pp = &(*pp)->hnext)
		if (*pp == c) {
			*pp = c->hnext;
			msg_unref(c->last_time);
			if (c->mask == EV_CH_POSTE)
				hub.npostes--;
			else
				hub.nsess--;
			free(c);
			return;
		}
}

static struct chan *
chan_fixed(unsigned int bit)
{
	switch (bit) {
	case EV_CH_DASHBOARD:
		return &hub.fixed[CH_DASHBOARD];
	case EV_CH_SESSIONS:
		return &hub.fixed[CH_SESSIONS];
	case EV_CH_POSTES:
		return &hub.fixed[CH_POSTES];
	default:
		return NULL;
	}
}

/* The id an event carries for a keyed channel of this mask. */
static long long
msg_key(const struct msg *m, unsigned int mask)
{
	return mask == EV_CH_POSTE ? m->poste_id : m->session_id;
}

/* Whether s listens to a channel m goes to. */
static int
sub_wants(const struct sub *s, const struct msg *m)
{
	size_t	 i;

	for (i = 0; i < s->nmem; i++) {
		if (!(s->mem[i].mask & m->mask))
			continue;
		if (!KEYED(s->mem[i].mask) ||
		    s->mem[i].id == msg_key(m, s->mem[i].mask))
			return 1;
	}
	return 0;
}

static const char *
chan_name(const struct member *mb, char buf[CHAN_NAME_MAX])
{
	switch (mb->mask) {
	case EV_CH_DASHBOARD:
		return "dashboard";
	case EV_CH_SESSIONS:
		return "sessions";
	case EV_CH_POSTES:
		return "postes";
	default:
		snprintf(buf, CHAN_NAME_MAX, "%s/%lld",
		    mb->mask == EV_CH_POSTE ? "postes" : "sessions", mb->id);
		return buf;
	}
}

/*
 * A subscriber of nothing, live at once: the queue of a connection that
 * is refused after its upgrade (its close frame) or a transport's own
 * replies. Not linked anywhere; freed by sub_detach as usual.
 */
struct sub *
sub_bare(const struct transport *tp, void *conn)
{
	struct sub	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->tp = tp;
	s->conn = conn;
	s->state = SUB_LIVE;
	s->refs = 1;
	s->since = -1;
	return s;
}

struct sub *
sub_new(const struct transport *tp, void *conn, char *const *names,
    size_t nnames, const struct authinfo *ai, long long since, int *status)
{
	struct sub	*s;
	unsigned int	 mask;
	long long	 id;
	size_t		 i, j;
	int		 staff = ai->res == AUTH_STAFF;

	if (nnames == 0 || nnames > SUB_CHAN_MAX) {
		*status = 404;
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s) + nnames * sizeof(s->mem[0]))) ==
	    NULL) {
		*status = 500;
		return NULL;
	}
	for (i = 0; i < nnames; i++) {
		if (ev_chan_parse(names[i], &mask, &id) == -1) {
			*status = 404;
			goto fail;
		}
		/* A kiosk hears its own poste, and the session its ticket
		 * names (none: 0, which no channel has). */
		if (!staff && !(ai->res == AUTH_KIOSK &&
		    ((mask == EV_CH_SESSION && id == ai->session_id) ||
		    (mask == EV_CH_POSTE && id == ai->subject)))) {
			*status = 403;
			goto fail;
		}
		for (j = 0; j < s->nmem; j++)
			if (s->mem[j].mask == mask && s->mem[j].id == id)
				break;
		if (j < s->nmem)
			continue;
		s->mem[s->nmem].sub = s;
		s->mem[s->nmem].mask = mask;
		s->mem[s->nmem].id = id;
		s->nmem++;
	}
	s->tp = tp;
	s->conn = conn;
	s->staff = staff;
	s->auth = *ai;
	s->since = since;
	s->state = SUB_REPLAY;
	s->refs = 1;
	return s;
fail:
	free(s);
	return NULL;
}

void
sub_unref(struct sub *s)
{
	assert(s->refs > 0);
	if (--s->refs > 0)
		return;
	free(s->q);
	free(s);
}

static void
sub_queue_drop(struct sub *s)
{
	while (s->qlen > 0) {
		msg_unref(s->q[s->qhead]);
		s->qhead = (s->qhead + 1) % s->qcap;
		s->qlen--;
	}
	s->qoff = 0;
	s->qbytes = 0;
}

/*
 * Drop what is queued but the message being written, if any: a stream
 * that must end still ends on a frame or record boundary. Locked.
 */
static void
sub_queue_trim(struct sub *s)
{
	size_t	 keep = s->qoff > 0 ? 1 : 0, i, len;

	/* Frames an I/O thread is writing right now stay too (io.c). */
	if (keep < s->inflight)
		keep = s->inflight;

	while (s->qlen > keep) {
		i = (s->qhead + s->qlen - 1) % s->qcap;
		if (s->tp->encode(s->q[i], &len) != NULL)
			s->qbytes -= len;
		msg_unref(s->q[i]);
		s->qlen--;
	}
	if (s->qlen == 0) {
		s->qoff = 0;
		s->qbytes = 0;
	}
}

/* Append m (already encoded as len bytes) to the queue. 0 or -1. */
static int
sub_enqueue(struct sub *s, struct msg *m, size_t len)
{
	struct msg	**nq;
	size_t		 i, ncap;

	if (s->qlen == s->qcap) {
		ncap = s->qcap == 0 ? 4 : s->qcap * 2;
		if ((nq = malloc(ncap * sizeof(*nq))) == NULL)
			return -1;
		for (i = 0; i < s->qlen; i++)
			nq[i] = s->q[(s->qhead + i) % s->qcap];
		free(s->q);
		s->q = nq;
		s->qcap = ncap;
		s->qhead = 0;
	}
	s->q[(s->qhead + s->qlen) % s->qcap] = msg_ref(m);
	s->qlen++;
	s->qbytes += len;
	if (s->qlen == 1)
		s->tp->wake(s);
	return 0;
}

void
sub_push(struct sub *s, struct msg *m)
{
	const char	*b;
	size_t		 len;

	if (s->state == SUB_DEAD)
		return;
	if ((b = s->tp->encode(m, &len)) == NULL) {
		if (m->json == NULL)
			return;		/* raw message for another transport */
		goto kick;
	}
	if (s->qbytes + len > popts.sub_max_bytes) {
		HUB_STAT(s->tp->index == XPORT_WS ? HS_DROPS_SLOW_WS :
		    HS_DROPS_SLOW_SSE, 1);
		log_info("%s subscriber dropped: output over %zu bytes",
		    s->tp->name, popts.sub_max_bytes);
		goto kick;
	}
	if (sub_enqueue(s, m, len) == -1)
		goto kick;
	HUB_STAT(s->tp->index == XPORT_WS ? HS_MSGS_WS : HS_MSGS_SSE, 1);
	return;
kick:
	/*
	 * The transport queues its last words (a 1008 close frame, a final
	 * SSE comment) after what is being written, then the stream ends.
	 */
	sub_queue_trim(s);
	s->tp->kick(s, WS_CLOSE_POLICY, "slow consumer");
	s->state = SUB_DEAD;
}

void
sub_push_final(struct sub *s, struct msg *m)
{
	size_t	 len;

	if (s->tp->encode(m, &len) != NULL)
		(void)sub_enqueue(s, m, len);
}

const char *
sub_peek(struct sub *s, size_t *len)
{
	const char	*b;
	size_t		 n;

	if (s->qlen == 0)
		return NULL;
	b = s->tp->encode(s->q[s->qhead], &n);
	assert(b != NULL && s->qoff < n);
	*len = n - s->qoff;
	return b + s->qoff;
}

void
sub_consume(struct sub *s, size_t n)
{
	size_t	 len;

	while (n > 0 && s->qlen > 0) {
		s->tp->encode(s->q[s->qhead], &len);
		len -= s->qoff;
		if (n < len) {
			s->qoff += n;
			s->qbytes -= n;
			return;
		}
		n -= len;
		s->qbytes -= len;
		msg_unref(s->q[s->qhead]);
		s->qhead = (s->qhead + 1) % s->qcap;
		s->qlen--;
		s->qoff = 0;
	}
}

size_t
sub_read(struct sub *s, char *buf, size_t max)
{
	const char	*b;
	size_t		 len, o = 0;

	while (o < max && (b = sub_peek(s, &len)) != NULL) {
		if (len > max - o)
			len = max - o;
		memcpy(buf + o, b, len);
		sub_consume(s, len);
		o += len;
	}
	return o;
}

/*
 * Queue an outbox event unless s already has it or a later one.
 * 1 when queued. Locked.
 */
static int
sub_push_event(struct sub *s, struct msg *m)
{
	if (m->id <= s->last_id)
		return 0;
	s->last_id = m->id;
	sub_push(s, m);
	return 1;
}

/* Queue a small JSON object built here (ephemeral). Locked. */
static void
sub_push_obj(struct sub *s, struct json_object *obj)
{
	struct msg	*m;

	if (obj == NULL)
		return;
	if ((m = msg_from_obj(0, 0, 0, obj)) != NULL) {
		sub_push(s, m);
		msg_unref(m);
	}
	json_object_put(obj);
}

/* Live from the current watermark: "subscribed", then stats. Locked. */
static void
sub_go_live(struct sub *s, size_t replayed)
{
	struct json_object	*o, *d, *a;
	char			 buf[CHAN_NAME_MAX];
	size_t			 i;
	int			 dash = 0;

	if (s->state == SUB_DEAD)
		return;
	s->state = SUB_LIVE;
	if (s->last_id < hub.last)
		s->last_id = hub.last;
	o = json_object_new_object();
	d = json_object_new_object();
	a = json_object_new_array();
	for (i = 0; i < s->nmem; i++) {
		json_object_array_add(a,
		    json_object_new_string(chan_name(&s->mem[i], buf)));
		if (s->mem[i].mask == EV_CH_DASHBOARD)
			dash = 1;
	}
	json_object_object_add(o, "type", json_object_new_string("subscribed"));
	json_object_object_add(d, "channels", a);
	json_object_object_add(d, "last_id", json_object_new_int64(hub.last));
	json_object_object_add(d, "replayed",
	    json_object_new_int64((long long)replayed));
	json_object_object_add(o, "data", d);
	sub_push_obj(s, o);
	if (dash && s->staff && hub.stats != NULL)
		sub_push(s, hub.stats);
}

static void
sub_push_reset(struct sub *s, const char *why)
{
	struct json_object	*o, *d;

	o = json_object_new_object();
	d = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("reset"));
	json_object_object_add(d, "reason", json_object_new_string(why));
	json_object_object_add(d, "since", json_object_new_int64(s->since));
	json_object_object_add(d, "last_id", json_object_new_int64(hub.last));
	json_object_object_add(o, "data", d);
	sub_push_obj(s, o);
	HUB_STAT(HS_REPLAY_RESET, 1);
}

/* Queue ring events above after that s wants. Locked. */
static size_t
ring_replay(struct sub *s, long long after)
{
	struct msg	*m;
	size_t		 i, n = 0;

	for (i = 0; i < hub.rlen; i++) {
		m = hub.ring[(hub.rhead + i) % hub.rcap];
		if (m->id <= after || !sub_wants(s, m))
			continue;
		n += (size_t)sub_push_event(s, m);
	}
	HUB_STAT(HS_REPLAYED_EVENTS, n);
	return n;
}

void
sub_attach(struct sub *s)
{
	struct chan	*c;
	size_t		 i;

	pthread_mutex_lock(&hub_lock);
	revoke_check_new(s);
	if (s->state == SUB_DEAD) {
		pthread_mutex_unlock(&hub_lock);
		return;
	}
	for (i = 0; i < s->nmem; i++) {
		c = KEYED(s->mem[i].mask) ?
		    chan_keyed(s->mem[i].mask, s->mem[i].id, 1) :
		    chan_fixed(s->mem[i].mask);
		if (c == NULL)
			continue;	/* ENOMEM: that channel stays silent */
		s->mem[i].chan = c;
		s->mem[i].prev = NULL;
		s->mem[i].next = c->head;
		if (c->head != NULL)
			c->head->prev = &s->mem[i];
		c->head = &s->mem[i];
		c->n[s->tp->index]++;
	}
	s->anext = hub.all;
	s->aprev = NULL;
	if (hub.all != NULL)
		hub.all->aprev = s;
	hub.all = s;
	if (s->auth.expires_ms > 0 && (hub.next_expiry == 0 ||
	    s->auth.expires_ms < hub.next_expiry))
		hub.next_expiry = s->auth.expires_ms;

	if (hub.ready && (s->since < 0 || s->since == hub.last)) {
		sub_go_live(s, 0);
	} else if (hub.ready && s->since >= hub.rfloor &&
	    s->since <= hub.last) {
		HUB_STAT(HS_REPLAY_RING, 1);
		s->last_id = s->since;
		sub_go_live(s, ring_replay(s, s->since));
	} else {
		s->refs++;
		s->replay_queued = 1;
		if (hub.rq_tail != NULL)
			hub.rq_tail->rnext = s;
		else
			hub.rq_head = s;
		hub.rq_tail = s;
		s->rnext = NULL;
		if (hub.hooks.replay_wanted != NULL)
			hub.hooks.replay_wanted();
	}
	pthread_mutex_unlock(&hub_lock);
}

void
sub_detach(struct sub *s)
{
	struct chan	*c;
	size_t		 i;

	for (i = 0; i < s->nmem; i++) {
		if ((c = s->mem[i].chan) == NULL)
			continue;
		if (s->mem[i].prev != NULL)
			s->mem[i].prev->next = s->mem[i].next;
		else
			c->head = s->mem[i].next;
		if (s->mem[i].next != NULL)
			s->mem[i].next->prev = s->mem[i].prev;
		c->n[s->tp->index]--;
		s->mem[i].chan = NULL;
		if (KEYED(c->mask) && c->head == NULL)
			chan_keyed_drop(c);
	}
	if (s->aprev != NULL)
		s->aprev->anext = s->anext;
	else if (hub.all == s)
		hub.all = s->anext;
	if (s->anext != NULL)
		s->anext->aprev = s->aprev;
	s->anext = s->aprev = NULL;
	s->state = SUB_DEAD;
	sub_queue_drop(s);
	sub_unref(s);
}

/* Append an event to the ring, evicting the oldest. Locked. */
static void
ring_push(struct msg *m)
{
	if (hub.rlen > 0 &&
	    hub.ring[(hub.rhead + hub.rlen - 1) % hub.rcap]->id >= m->id)
		return;		/* never twice, never out of order */
	if (hub.rlen == hub.rcap) {
		hub.rfloor = hub.ring[hub.rhead]->id;
		msg_unref(hub.ring[hub.rhead]);
		hub.rhead = (hub.rhead + 1) % hub.rcap;
		hub.rlen--;
	}
	hub.ring[(hub.rhead + hub.rlen) % hub.rcap] = msg_ref(m);
	hub.rlen++;
}

/* Forget the ring. Locked. */
static void
ring_clear(void)
{
	while (hub.rlen > 0) {
		msg_unref(hub.ring[hub.rhead]);
		hub.rhead = (hub.rhead + 1) % hub.rcap;
		hub.rlen--;
	}
	hub.rhead = 0;
}

void
hub_ring_fill(struct msg **evs, size_t n, long long last, long long floor)
{
	size_t	 i;

	pthread_mutex_lock(&hub_lock);
	ring_clear();
	hub.rfloor = floor;
	for (i = 0; i < n; i++)
		if (evs[i]->id > floor && evs[i]->id <= last)
			ring_push(evs[i]);
	__atomic_store_n(&hub.last, last, __ATOMIC_RELEASE);
	__atomic_store_n(&hub.ready, 1, __ATOMIC_RELEASE);
	hub.stats_dirty = 1;
	pthread_mutex_unlock(&hub_lock);
}

void
hub_rewind(long long last)
{
	struct sub	*s, *n;

	pthread_mutex_lock(&hub_lock);
	ring_clear();
	hub.rfloor = last;
	__atomic_store_n(&hub.last, last, __ATOMIC_RELEASE);
	for (s = hub.all; s != NULL; s = n) {
		n = s->anext;
		s->tp->kick(s, WS_CLOSE_RESTART, "event ids went back");
	}
	pthread_mutex_unlock(&hub_lock);
}

/* Deliver m to the live subscribers of one channel. Locked. */
static void
chan_deliver(struct chan *c, struct msg *m)
{
	struct member	*mb, *next;
	struct sub	*s;

	for (mb = c->head; mb != NULL; mb = next) {
		next = mb->next;
		s = mb->sub;
		if (s->state != SUB_LIVE)
			continue;
		if (m->id > 0)
			sub_push_event(s, m);
		else
			sub_push(s, m);
	}
}

int
hub_publish(struct msg *m)
{
	static const unsigned int bits[] = { EV_CH_DASHBOARD,
	    EV_CH_SESSIONS, EV_CH_POSTES };
	struct chan	*c;
	size_t		 i;

	pthread_mutex_lock(&hub_lock);
	if (m->id > 0) {
		if (m->id <= hub.last) {
			pthread_mutex_unlock(&hub_lock);
			HUB_STAT(HS_EVENTS_DUP, 1);
			return 0;
		}
		__atomic_store_n(&hub.last, m->id, __ATOMIC_RELEASE);
		ring_push(m);
		__atomic_store_n(&hub.stats_dirty, 1, __ATOMIC_RELEASE);
	}
	if (m->id > 0 && m->queued_us == 0)
		m->queued_us = hub_now_us();	/* io.c: queued -> written */
	if (m->mask & EV_CH_CONTROL)
		revoke_event(m);
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (m->mask & bits[i])
			chan_deliver(chan_fixed(bits[i]), m);
	if ((m->mask & EV_CH_SESSION) && m->session_id > 0 &&
	    (c = chan_keyed(EV_CH_SESSION, m->session_id, 0)) != NULL)
		chan_deliver(c, m);
	if ((m->mask & EV_CH_POSTE) && m->poste_id > 0 &&
	    (c = chan_keyed(EV_CH_POSTE, m->poste_id, 0)) != NULL)
		chan_deliver(c, m);
	pthread_mutex_unlock(&hub_lock);
	if (m->id > 0 && hub.hooks.published != NULL)
		hub.hooks.published();
	return 1;
}

struct sub *
hub_replay_next(void)
{
	struct sub	*s;

	pthread_mutex_lock(&hub_lock);
	if ((s = hub.rq_head) != NULL) {
		hub.rq_head = s->rnext;
		if (hub.rq_head == NULL)
			hub.rq_tail = NULL;
		s->rnext = NULL;
		s->replay_queued = 0;
	}
	pthread_mutex_unlock(&hub_lock);
	return s;
}

void
hub_replay_finish(struct sub *s, struct msg **evs, size_t n, int reset,
    const char *why)
{
	size_t	 i, k = 0;

	pthread_mutex_lock(&hub_lock);
	if (s->state == SUB_REPLAY) {
		if (reset) {
			sub_push_reset(s, why);
		} else if (s->since < 0) {
			/* No resume point: live from the head, now known. */
		} else {
			if (n > 0)
				HUB_STAT(HS_REPLAY_DB, 1);
			if (s->last_id < s->since)
				s->last_id = s->since;
			for (i = 0; i < n; i++) {
				if (evs[i]->id <= s->since ||
				    evs[i]->id > hub.rfloor ||
				    !sub_wants(s, evs[i]))
					continue;
				k += (size_t)sub_push_event(s, evs[i]);
			}
			HUB_STAT(HS_REPLAYED_EVENTS, k);
			k += ring_replay(s, s->since > hub.rfloor ?
			    s->since : hub.rfloor);
		}
		sub_go_live(s, k);
	}
	sub_unref(s);
	pthread_mutex_unlock(&hub_lock);
}

void
hub_set_stats(struct msg *m)
{
	struct chan	*c = &hub.fixed[CH_DASHBOARD];
	struct member	*mb;

	pthread_mutex_lock(&hub_lock);
	msg_unref(hub.stats);
	hub.stats = m;
	if (m != NULL)
		for (mb = c->head; mb != NULL; mb = mb->next)
			if (mb->sub->state == SUB_LIVE && mb->sub->staff)
				sub_push(mb->sub, m);
	pthread_mutex_unlock(&hub_lock);
}

void
hub_set_time(long long session_id, struct msg *m)
{
	struct chan	*c;

	pthread_mutex_lock(&hub_lock);
	if ((c = chan_keyed(EV_CH_SESSION, session_id, 0)) != NULL) {
		msg_unref(c->last_time);
		c->last_time = msg_ref(m);
		chan_deliver(c, m);
	}
	pthread_mutex_unlock(&hub_lock);
}

int
hub_session_watched(long long session_id)
{
	int	 w;

	pthread_mutex_lock(&hub_lock);
	w = chan_keyed(EV_CH_SESSION, session_id, 0) != NULL;
	pthread_mutex_unlock(&hub_lock);
	return w;
}

void
hub_reply_stats(struct sub *s)
{
	struct json_object	*o, *d;

	if (s->staff && hub.stats != NULL) {
		sub_push(s, hub.stats);
		return;
	}
	o = json_object_new_object();
	d = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("error"));
	json_object_object_add(d, "code", json_object_new_string(
	    s->staff ? "unavailable" : "forbidden"));
	json_object_object_add(d, "request", json_object_new_string(
	    "get_stats"));
	json_object_object_add(o, "data", d);
	sub_push_obj(s, o);
}

void
hub_reply_time(struct sub *s, long long session_id)
{
	struct json_object	*o, *d;
	struct chan		*c;
	size_t			 i, n = 0;

	for (i = 0; i < s->nmem; i++) {
		if (s->mem[i].mask != EV_CH_SESSION)
			continue;
		/* The seed's get_time names its session: only that one. */
		if (session_id > 0 && s->mem[i].id != session_id)
			continue;
		n++;
		c = s->mem[i].chan;
		if (c != NULL && c->last_time != NULL) {
			sub_push(s, c->last_time);
			continue;
		}
		o = json_object_new_object();
		json_object_object_add(o, "type",
		    json_object_new_string("time_update"));
		json_object_object_add(o, "session_id",
		    json_object_new_int64(s->mem[i].id));
		json_object_object_add(o, "data", NULL);
		sub_push_obj(s, o);
	}
	/* A session this subscriber does not follow: say so, leak nothing. */
	if (session_id > 0 && n == 0) {
		o = json_object_new_object();
		d = json_object_new_object();
		json_object_object_add(o, "type", json_object_new_string("error"));
		json_object_object_add(d, "code",
		    json_object_new_string("forbidden"));
		json_object_object_add(d, "request",
		    json_object_new_string("get_time"));
		json_object_object_add(d, "session_id",
		    json_object_new_int64(session_id));
		json_object_object_add(o, "data", d);
		sub_push_obj(s, o);
	}
}

void
hub_kick_all(int code, const char *why)
{
	struct sub	*s, *n;

	pthread_mutex_lock(&hub_lock);
	for (s = hub.all; s != NULL; s = n) {
		n = s->anext;
		s->tp->kick(s, code, why);
	}
	pthread_mutex_unlock(&hub_lock);
}

void
hub_count(struct hub_counts *hc)
{
	struct sub	*s;
	struct chan	*c;
	size_t		 i, t;

	memset(hc, 0, sizeof(*hc));
	pthread_mutex_lock(&hub_lock);
	for (s = hub.all; s != NULL; s = s->anext) {
		hc->subs[s->tp->index]++;
		hc->queued_bytes += s->qbytes;
	}
	for (t = 0; t < XPORT__MAX; t++) {
		for (i = 0; i < 3; i++)
			hc->chan[t][i] = hub.fixed[i].n[t];
		for (i = 0; i < KEYED_BUCKETS; i++)
			for (c = hub.keyed[i]; c != NULL; c = c->hnext)
				hc->chan[t][c->mask == EV_CH_POSTE ?
				    CH_POSTE : CH_SESSION] += c->n[t];
	}
	hc->ring = hub.rlen;
	hc->session_chans = hub.nsess;
	hc->poste_chans = hub.npostes;
	pthread_mutex_unlock(&hub_lock);
}

void
sub_revoke(struct sub *s, const char *reason)
{
	struct json_object	*o, *d;

	if (s->state == SUB_DEAD)
		return;
	sub_queue_trim(s);
	o = json_object_new_object();
	d = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("revoked"));
	json_object_object_add(d, "reason",
	    json_object_new_string(reason != NULL ? reason : ""));
	json_object_object_add(o, "data", d);
	sub_push_obj(s, o);
	HUB_STAT(HS_REVOKED, 1);
	/* The transport's last words follow (close 1008, a final
	 * comment); from here on nothing more is queued. */
	s->tp->kick(s, WS_CLOSE_POLICY, "revoked");
	s->state = SUB_DEAD;
}

void
hub_expire(long long now_ms)
{
	struct sub	*s, *n;
	long long	 next = 0;
	size_t		 k = 0;

	pthread_mutex_lock(&hub_lock);
	if (hub.next_expiry == 0 || now_ms < hub.next_expiry) {
		pthread_mutex_unlock(&hub_lock);
		return;
	}
	for (s = hub.all; s != NULL; s = n) {
		n = s->anext;
		if (s->state == SUB_DEAD || s->auth.expires_ms <= 0)
			continue;
		if (now_ms >= s->auth.expires_ms) {
			sub_revoke(s, "expired");
			k++;
		} else if (next == 0 || s->auth.expires_ms < next)
			next = s->auth.expires_ms;
	}
	hub.next_expiry = next;
	pthread_mutex_unlock(&hub_lock);
	if (k > 0)
		log_info("staff session expired: %zu stream(s) closed", k);
}

void
hub_revoke(const struct revocation *rv)
{
	struct sub	*s, *n;
	size_t		 k = 0;

	for (s = hub.all; s != NULL; s = n) {
		n = s->anext;
		if (s->state != SUB_DEAD && revoke_matches(rv, s)) {
			sub_revoke(s, rv->reason);
			k++;
		}
	}
	log_info("auth revoked (%s %lld, %s): %zu stream(s) closed",
	    ev_revoke_name(rv->scope), rv->id, rv->reason, k);
}
