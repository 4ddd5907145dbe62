/*
 * intake.c - events in: the outbox, rung by a ZeroMQ doorbell; replays.
 *
 * The outbox (the events table) is the only truth. A message on the
 * intake socket only means "the outbox has new rows": its content (the
 * API sends the highest id as a hint) is never published, never
 * trusted, and cannot reset, rewind or skip anything. On a ring, and
 * once a second whatever happens (the safety net for a lost ring or an
 * API that cannot reach us), this thread reads the rows above the
 * watermark in id order, in batches of FETCH_CHUNK, and publishes them.
 * It is the only thread that publishes events, so they reach the hub in
 * id order. Ids become visible in order (event_seq's row lock, see
 * shared/ev.c), so reading up to event_seq's committed value never
 * skips a row that commits later.
 *
 * Before the outbox's position is known (database down at start) no
 * subscriber goes live: each waits in the replay queue and gets its
 * "subscribed" (or a "reset") once the position has been read. The
 * resume ring is then filled in one step, replacing whatever it held.
 *
 * The socket is closed to strangers: by default ipc:// in a 0700
 * directory; tcp:// only with CURVE, where a ZAP handler (this thread,
 * inproc://zeromq.zap.01; the rule is shared/zap.c, which postes-relay
 * uses too) accepts the configured client keys alone.
 * A ZAP domain is always set, so libzmq refuses ZMTP/1.0 and 2.0 peers
 * (they cannot be authenticated). ZMQ_MAXMSGSIZE keeps messages small.
 * Malformed messages and refused peers (a socket monitor sees failed
 * handshakes) are counted and logged at most once every 10 s.
 *
 * Several pushers (POSTES_ZMQ_RELAY_SUB set): instead of binding its
 * PULL intake the pusher connects a SUB socket to postes-relay's XPUB
 * side and subscribes to everything; every API host PUBlishes to the
 * relay, which hands each ring to every pusher (relay/main.c). On tcp://
 * the pusher is then a CURVE client: the relay's public key in
 * POSTES_ZMQ_SERVER_PUBLIC, its own pair in POSTES_ZMQ_CLIENT_PUBLIC and
 * _SECRET. Nothing else changes: a ring is still only a hint, validated
 * the same way, and the one-second outbox poll still covers a relay that
 * is down. See intake_open_sub.
 *
 * Replays the ring cannot serve are read from the outbox here too, off
 * the network threads.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include <json-c/json.h>
#include <zmq.h>

#include "config.h"
#include "db.h"
#include "ev.h"
#include "log.h"
#include "timefmt.h"
#include "zap.h"
#include "extern.h"

#define FETCH_CHUNK	500
#define TAIL_EVERY_MS	1000	/* the safety-net poll */
#define BAD_LOG_EVERY	10	/* s between malformed-message log lines */
#define MSG_MAX		1024	/* ZMQ_MAXMSGSIZE: CURVE's handshake
				   commands (~300 bytes) and a doorbell fit */
#define ZAP_DOMAIN	"postes-intake"
#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN	93	/* draft option in libzmq 4.3 */
#endif

enum stmt { STMT_RANGE, STMT_MIN_ID, STMT__MAX };

static const char *const stmts[STMT__MAX] = {
	/* STMT_RANGE: events in (since, upto], oldest first */
	"SELECT id, type, channels, created_at, session_id, poste_id, payload"
	" FROM events WHERE id > ? AND id <= ? ORDER BY id LIMIT ?",
	/* STMT_MIN_ID */
	"SELECT COALESCE(MIN(id), 0) FROM events",
};

static pthread_t	 in_thread;
static int		 in_running, in_stop, in_evfd = -1;
static int		 in_rung;		/* atomic: in-process doorbell */
static void		*zctx, *zsock, *zap, *zmon;
static struct zap	 zrule = { ZAP_DOMAIN, 0, { { 0 } }, 0 };
static struct db	*idb;
/* When the doorbell that caused the current read rang (0: the timer),
 * and when the current chunk was read: the latency histograms. */
static long long	 ring_us, read_us;
/* Complaints, logged at most once every BAD_LOG_EVERY seconds each. */
enum { BAD_MESSAGE, BAD_PEER, BAD__MAX };
static unsigned long long bad_unlogged[BAD__MAX];
static time_t		 bad_logged_at[BAD__MAX];

void
intake_poke(void)
{
	uint64_t	 one = 1;

	if (in_evfd != -1 && write(in_evfd, &one, sizeof(one)) < 0 &&
	    errno != EAGAIN)
		log_warn("intake: eventfd: %s", strerror(errno));
}

void
intake_ring(void)
{
	__atomic_store_n(&in_rung, 1, __ATOMIC_RELEASE);
	intake_poke();
}

/* One outbox row as a message. NULL on allocation failure. */
static struct msg *
row_msg(const struct db_res *res, size_t i)
{
	struct json_object	*data, *w;
	struct msg		*m;
	char			 ts[TIME_ISO_LEN];

	data = json_tokener_parse(db_str(res, i, 6));
	if (time_db_to_iso(db_str(res, i, 3), ts) == -1)
		ts[0] = '\0';
	w = ev_wire(db_int(res, i, 0), db_str(res, i, 1), ts,
	    db_isnull(res, i, 4) ? 0 : db_int(res, i, 4),
	    db_isnull(res, i, 5) ? 0 : db_int(res, i, 5), data);
	json_object_put(data);
	m = msg_from_obj(db_int(res, i, 0), (unsigned int)db_int(res, i, 2),
	    db_isnull(res, i, 4) ? 0 : db_int(res, i, 4), w);
	json_object_put(w);
	if (m != NULL && !db_isnull(res, i, 5))
		m->poste_id = db_int(res, i, 5);
	return m;
}

static void	publish_outbox(struct msg *, void *);

/* A DATETIME(3) in UTC ("YYYY-MM-DD HH:MM:SS.mmm") in microseconds;
 * 0 when it cannot be read (then not observed). */
static long long
db_time_us(const char *s)
{
	struct tm	 tm;
	const char	*p;
	long long	 us = 0, f = 100000;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || (p = strptime(s, "%Y-%m-%d %H:%M:%S", &tm)) == NULL)
		return 0;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9' && f > 0; p++, f /= 10)
			us += (*p - '0') * f;
	return (long long)timegm(&tm) * 1000000 + us;
}

/*
 * Read events in (since, upto] and hand each to fn. Returns the number
 * read, or -1 on a database error (fn saw a prefix).
 */
static long long
outbox_range(long long since, long long upto,
    void (*fn)(struct msg *, void *), void *arg)
{
	struct db_res	*res;
	struct msg	*m;
	long long	 n = 0, t;
	size_t		 i, rows;

	while (since < upto) {
		res = NULL;
		if (DB_EXEC(idb, stmts, STMT_RANGE, &res, NULL, NULL,
		    DBI(since), DBI(upto), DBI(FETCH_CHUNK)) != DB_OK) {
			metric_inc(M_DB_ERRORS);
			log_warn("intake: outbox read: %s", db_errstr(idb));
			return -1;
		}
		rows = res == NULL ? 0 : res->nrows;
		read_us = time_us();
		if (ring_us != 0 && fn == publish_outbox && rows > 0) {
			if (n == 0)
				hist_observe(H_DOORBELL_READ,
				    read_us - ring_us);
			for (i = 0; i < rows; i++)
				if ((t = db_time_us(db_str(res, i, 3))) > 0)
					hist_observe(H_COMMIT_DOORBELL,
					    ring_us - t);
		}
		for (i = 0; i < rows; i++) {
			since = db_int(res, i, 0);
			if ((m = row_msg(res, i)) == NULL)
				continue;
			m->read_us = read_us;
			fn(m, arg);
			msg_unref(m);
			n++;
		}
		db_res_free(res);
		if (rows < FETCH_CHUNK)
			break;
	}
	return n;
}

static int
outbox_scalar(int stmt, long long *v)
{
	struct db_res	*res = NULL;

	if (DB_EXEC0(idb, stmts, stmt, &res, NULL, NULL) != DB_OK ||
	    res == NULL || res->nrows == 0) {
		db_res_free(res);
		metric_inc(M_DB_ERRORS);
		return -1;
	}
	*v = db_int(res, 0, 0);
	db_res_free(res);
	return 0;
}

/*
 * The last id handed out (event_seq, committed): unlike MAX(id) it does
 * not go back when old events are purged.
 */
static int
outbox_last(long long *v)
{
	if (ev_last_id(idb, v) != DB_OK) {
		metric_inc(M_DB_ERRORS);
		return -1;
	}
	return 0;
}

static void
publish_outbox(struct msg *m, void *arg)
{
	(void)arg;
	if (hub_publish(m)) {
		metric_inc(M_EVENTS_OUTBOX);
		hist_observe(H_READ_QUEUED, time_us() - m->read_us);
	}
}

/* Publish every outbox event above the watermark up to upto. */
static int
catch_up(long long upto)
{
	if (upto <= hub_last_id())
		return 0;
	return outbox_range(hub_last_id(), upto, publish_outbox, NULL) < 0 ?
	    -1 : 0;
}

struct replay {
	struct msg	**evs;
	size_t		  n, cap;
	int		  oom;
};

static void
replay_add(struct msg *m, void *arg)
{
	struct replay	*r = arg;
	struct msg	**nv;

	if (r->n == r->cap) {
		r->cap = r->cap == 0 ? 64 : r->cap * 2;
		if ((nv = realloc(r->evs, r->cap * sizeof(*nv))) == NULL) {
			r->oom = 1;
			return;
		}
		r->evs = nv;
	}
	r->evs[r->n++] = msg_ref(m);
}

/* A resume point the ring does not cover: the outbox, or a reset. */
static void
intake_replay(struct sub *s)
{
	struct replay	 r = { NULL, 0, 0, 0 };
	long long	 first, floor, last = hub_last_id();
	const char	*why = NULL;
	size_t		 i;

	floor = hub_ring_floor();
	if (s->since < 0) {
		/* Waited for the outbox's position: live from there. */
		hub_replay_finish(s, NULL, 0, 0, NULL);
		return;
	}
	if (s->since > last)
		why = "unknown_id";
	else if (outbox_scalar(STMT_MIN_ID, &first) == -1)
		why = "unavailable";
	else if ((first > 0 && s->since < first - 1) ||
	    (first == 0 && s->since < floor) ||
	    floor - s->since > (long long)popts.replay_max)
		why = "too_old";
	else if (outbox_range(s->since, floor, replay_add, &r) < 0 || r.oom)
		why = "unavailable";
	hub_replay_finish(s, r.evs, r.n, why != NULL, why);
	for (i = 0; i < r.n; i++)
		msg_unref(r.evs[i]);
	free(r.evs);
}

/*
 * Read the outbox's position and fill the resume ring in one step
 * (hub_ring_fill replaces the ring: a retry after a half-read never
 * appends twice). 0, or -1 with nothing changed.
 */
static int
intake_init_hub(void)
{
	struct replay	 r = { NULL, 0, 0, 0 };
	long long	 last, floor, first;
	size_t		 i;
	int		 rc = -1;

	if (outbox_last(&last) == -1 || outbox_scalar(STMT_MIN_ID, &first) == -1)
		return -1;
	floor = last > (long long)popts.ring ? last - popts.ring : 0;
	/*
	 * A ring larger than what the outbox keeps starts where the outbox
	 * does: a resume point below that is not "in memory" but too old
	 * (a reset), never a silent gap (the outbox replay path checks
	 * MIN(id) the same way).
	 */
	if (first == 0)
		floor = last;		/* all purged: nothing to resume from */
	else if (first - 1 > floor)
		floor = first - 1;
	if (outbox_range(floor, last, replay_add, &r) >= 0 && !r.oom) {
		hub_ring_fill(r.evs, r.n, last, floor);
		log_info("intake: outbox at event %lld, %zu kept for resume",
		    last, r.n);
		rc = 0;
	}
	for (i = 0; i < r.n; i++)
		msg_unref(r.evs[i]);
	free(r.evs);
	return rc;
}

/* A doorbell is a decimal id (a hint, unused) and nothing else. */
static int
doorbell_ok(const unsigned char *p, size_t n)
{
	size_t	 i;

	if (n == 0 || n > 20)
		return 0;
	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return 1;
}

/* Count a complaint; log it with those since the last line, at most
 * once every BAD_LOG_EVERY seconds (a flood must not flood the log). */
static void
complain(int kind, const char *what, const char *detail)
{
	time_t	 now = time(NULL);

	metric_inc(kind == BAD_MESSAGE ? M_EVENTS_BAD : M_INTAKE_REFUSED);
	bad_unlogged[kind]++;
	if (now - bad_logged_at[kind] < BAD_LOG_EVERY)
		return;
	log_warn("intake: %llu %s in %d s (last: %s)", bad_unlogged[kind],
	    what, BAD_LOG_EVERY, detail);
	bad_unlogged[kind] = 0;
	bad_logged_at[kind] = now;
}

static void
bad_message(size_t len)
{
	char	 d[32];

	snprintf(d, sizeof(d), "%zu bytes", len);
	complain(BAD_MESSAGE, "malformed message(s) ignored", d);
}

/* Handshakes that failed (ZMTP/1.0, wrong mechanism, ZAP refusal). */
static void
intake_monitor(void)
{
	zmq_msg_t	 zm;
	uint16_t	 ev = 0;
	int		 k;

	for (k = 0; k < 100; k++) {
		zmq_msg_init(&zm);
		if (zmq_msg_recv(&zm, zmon, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&zm);
			return;
		}
		if (zmq_msg_size(&zm) >= 2)
			memcpy(&ev, zmq_msg_data(&zm), sizeof(ev));
		while (zmq_msg_more(&zm)) {
			zmq_msg_close(&zm);
			zmq_msg_init(&zm);
			if (zmq_msg_recv(&zm, zmon, ZMQ_DONTWAIT) < 0)
				break;
		}
		zmq_msg_close(&zm);
		if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
			complain(BAD_PEER, "peer(s) refused", "not authorised");
		else if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ||
		    ev == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
			complain(BAD_PEER, "peer(s) refused",
			    "protocol (ZMTP/1.0, mechanism, size)");
	}
}

/* Drain the socket; 1 when a well-formed doorbell came in. */
static int
intake_drain_zmq(void)
{
	zmq_msg_t	 zm;
	int		 k, rung = 0;

	for (k = 0; k < 1000; k++) {
		zmq_msg_init(&zm);
		if (zmq_msg_recv(&zm, zsock, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&zm);
			break;
		}
		if (!zmq_msg_more(&zm) && doorbell_ok(zmq_msg_data(&zm),
		    zmq_msg_size(&zm)))
			rung = 1;
		else
			bad_message(zmq_msg_size(&zm));
		zmq_msg_close(&zm);
	}
	if (rung)
		metric_inc(M_EVENTS_ZMQ);
	return rung;
}

/* One ZAP request (shared/zap.c): refusals are counted by the monitor
 * (handshake failed) and logged here, as rarely. */
static void
intake_zap(void)
{
	char	 why[96];

	if (zap_handle(&zrule, zap, ZMQ_DONTWAIT, why, sizeof(why)) == 0 &&
	    time(NULL) - bad_logged_at[BAD_PEER] >= BAD_LOG_EVERY)
		log_warn("intake: ZAP refused %s", why);
}

/* Publish what the outbox holds above the watermark; rewind check. */
static void
intake_poll(void)
{
	long long	 top;

	metric_inc(M_INTAKE_POLLS);
	if (outbox_last(&top) == -1) {
		health_note(HEALTH_OUTBOX, 0);
		return;
	}
	if (top < hub_last_id()) {
		log_err("intake: outbox at %lld, below event %lld already "
		    "delivered (database restored?): every subscriber is "
		    "reset", top, hub_last_id());
		hub_rewind(top);
	} else if (catch_up(top) == -1) {
		health_note(HEALTH_OUTBOX, 0);
		return;
	}
	health_note(HEALTH_OUTBOX, 1);
}

static void *
intake_main(void *arg)
{
	zmq_pollitem_t	 items[4];
	long long	 now, next_tail = 0;
	uint64_t	 v;
	struct sub	*s;
	int		 ready = 0, rung, n, izap, imon;

	(void)arg;
	while (!__atomic_load_n(&in_stop, __ATOMIC_ACQUIRE)) {
		now = time_now_ms();
		/*
		 * Only the sockets that exist: a NULL socket in a poll item
		 * means "poll .fd", and .fd 0 is stdin, /dev/null under a
		 * supervisor, always readable: the loop would never sleep
		 * (the relay's subscriber has no ZAP handler or monitor).
		 */
		memset(items, 0, sizeof(items));
		n = 0;
		items[n].fd = in_evfd;
		items[n++].events = ZMQ_POLLIN;
		izap = imon = -1;
		if (zsock != NULL) {
			items[n].socket = zsock;
			items[n++].events = ZMQ_POLLIN;
		}
		if (zap != NULL) {
			items[n].socket = zap;
			items[izap = n++].events = ZMQ_POLLIN;
		}
		if (zmon != NULL) {
			items[n].socket = zmon;
			items[imon = n++].events = ZMQ_POLLIN;
		}
		if (zmq_poll(items, n, next_tail > now ? next_tail - now :
		    0) < 0 && zmq_errno() != EINTR)
			log_warn("intake: zmq_poll: %s",
			    zmq_strerror(zmq_errno()));
		if (items[0].revents & ZMQ_POLLIN)
			if (read(in_evfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				log_warn("intake: eventfd read");
		if (izap >= 0 && (items[izap].revents & ZMQ_POLLIN))
			intake_zap();
		if (imon >= 0 && (items[imon].revents & ZMQ_POLLIN))
			intake_monitor();
		rung = intake_drain_zmq();
		if (__atomic_exchange_n(&in_rung, 0, __ATOMIC_ACQ_REL)) {
			metric_inc(M_EVENTS_CLOCK);
			rung = 1;
		}
		ring_us = rung ? time_us() : 0;
		now = time_now_ms();
		if (!ready) {
			if (now < next_tail)
				continue;
			next_tail = now + TAIL_EVERY_MS;
			if (intake_init_hub() == -1) {
				health_note(HEALTH_OUTBOX, 0);
				continue;
			}
			ready = 1;
			health_note(HEALTH_OUTBOX, 1);
			rung = 1;
		}
		if (rung || now >= next_tail) {
			next_tail = now + TAIL_EVERY_MS;
			intake_poll();
		}
		ring_us = 0;
		while ((s = hub_replay_next()) != NULL) {
			intake_poll();
			intake_replay(s);
		}
	}
	return NULL;
}

/*
 * The relay mode: a SUB socket connected to the relay's XPUB side
 * (POSTES_ZMQ_RELAY_SUB), subscribed to every message, CURVE client on
 * tcp://. zctx must exist. 0 or -1 (logged).
 */
static int
intake_open_sub(const char *ep)
{
	int		 hwm = 100000, linger = 0;
	/* Bounds the CURVE handshake too (WELCOME, READY: up to ~300 B). */
	int64_t		 maxmsg = 1024;

	if (strncmp(ep, "tcp://", 6) != 0 && strncmp(ep, "ipc://", 6) != 0) {
		log_err("intake: %s: only ipc:// or tcp:// (with CURVE)", ep);
		return -1;
	}
	if ((zsock = zmq_socket(zctx, ZMQ_SUB)) == NULL) {
		log_err("intake: zmq: %s", zmq_strerror(zmq_errno()));
		return -1;
	}
	zmq_setsockopt(zsock, ZMQ_RCVHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(zsock, ZMQ_LINGER, &linger, sizeof(linger));
	if (zmq_setsockopt(zsock, ZMQ_MAXMSGSIZE, &maxmsg,
	    sizeof(maxmsg)) != 0 ||
	    zmq_setsockopt(zsock, ZMQ_SUBSCRIBE, "", 0) != 0) {
		log_err("intake: zmq options: %s", zmq_strerror(zmq_errno()));
		return -1;
	}
	if (strncmp(ep, "tcp://", 6) == 0 &&
	    (strlen(pcfg->zmq_server_public) != 40 ||
	    strlen(pcfg->zmq_client_public) != 40 ||
	    strlen(pcfg->zmq_client_secret) != 40 ||
	    zmq_setsockopt(zsock, ZMQ_CURVE_SERVERKEY,
	    pcfg->zmq_server_public, 40) != 0 ||
	    zmq_setsockopt(zsock, ZMQ_CURVE_PUBLICKEY,
	    pcfg->zmq_client_public, 40) != 0 ||
	    zmq_setsockopt(zsock, ZMQ_CURVE_SECRETKEY,
	    pcfg->zmq_client_secret, 40) != 0)) {
		log_err("intake: %s: a TCP relay needs CURVE: "
		    "POSTES_ZMQ_SERVER_PUBLIC (the relay's), "
		    "POSTES_ZMQ_CLIENT_PUBLIC and POSTES_ZMQ_CLIENT_SECRET", ep);
		return -1;
	}
	if (zmq_connect(zsock, ep) != 0) {
		log_err("intake: connect %s: %s", ep,
		    zmq_strerror(zmq_errno()));
		return -1;
	}
	return 0;
}

int
intake_start(void)
{
	const char	*ep = pcfg->zmq_endpoint;
	int		 hwm = 100000, linger = 0, one = 1;
	int64_t		 maxmsg = MSG_MAX;

	if ((idb = db_new(pcfg)) == NULL)
		return -1;
	if ((in_evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		return -1;
	if (pcfg->zmq_relay_sub[0] != '\0') {
		/* Several pushers: rings come through postes-relay. */
		ep = pcfg->zmq_relay_sub;
		if ((zctx = zmq_ctx_new()) == NULL ||
		    (zap = zmq_socket(zctx, ZMQ_REP)) == NULL ||
		    intake_open_sub(ep) == -1)
			return -1;
		goto started;
	}
	if (strncmp(ep, "tcp://", 6) == 0) {
		if (strlen(pcfg->zmq_server_secret) != 40 ||
		    zap_parse_keys(&zrule, pcfg->zmq_clients) == -1 ||
		    zrule.nkeys == 0) {
			log_err("intake: %s: a TCP intake needs CURVE: "
			    "POSTES_ZMQ_SERVER_SECRET and POSTES_ZMQ_CLIENTS "
			    "(postes-pusher keygen)", ep);
			return -1;
		}
		zrule.curve = 1;
	} else if (strncmp(ep, "ipc://", 6) == 0) {
		if (zap_ipc_dir(ep + 6) == -1)
			return -1;
	} else {
		log_err("intake: %s: only ipc:// or tcp:// (with CURVE)", ep);
		return -1;
	}
	if ((zctx = zmq_ctx_new()) == NULL ||
	    (zap = zmq_socket(zctx, ZMQ_REP)) == NULL ||
	    zmq_bind(zap, "inproc://zeromq.zap.01") != 0 ||
	    (zsock = zmq_socket(zctx, ZMQ_PULL)) == NULL) {
		log_err("intake: zmq: %s", zmq_strerror(zmq_errno()));
		return -1;
	}
	zmq_setsockopt(zsock, ZMQ_RCVHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(zsock, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_setsockopt(zap, ZMQ_LINGER, &linger, sizeof(linger));
	if (zmq_setsockopt(zsock, ZMQ_MAXMSGSIZE, &maxmsg,
	    sizeof(maxmsg)) != 0 ||
	    zmq_setsockopt(zsock, ZMQ_ZAP_DOMAIN, ZAP_DOMAIN,
	    strlen(ZAP_DOMAIN)) != 0 ||
	    (zrule.curve && (zmq_setsockopt(zsock, ZMQ_CURVE_SERVER, &one,
	    sizeof(one)) != 0 || zmq_setsockopt(zsock, ZMQ_CURVE_SECRETKEY,
	    pcfg->zmq_server_secret, 40) != 0))) {
		log_err("intake: zmq options: %s", zmq_strerror(zmq_errno()));
		return -1;
	}
	/*
	 * A draft option, absent from Debian's libzmq 4.3, where a ZAP
	 * domain alone already makes it refuse ZMTP/1.0 and 2.0 peers
	 * (tests/integration/pusher-intake.test.mjs proves it).
	 */
	(void)zmq_setsockopt(zsock, ZMQ_ZAP_ENFORCE_DOMAIN, &one, sizeof(one));
	if (zmq_socket_monitor(zsock, "inproc://intake-monitor",
	    ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
	    ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
	    ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) != 0 ||
	    (zmon = zmq_socket(zctx, ZMQ_PAIR)) == NULL ||
	    zmq_connect(zmon, "inproc://intake-monitor") != 0) {
		log_err("intake: monitor: %s", zmq_strerror(zmq_errno()));
		return -1;
	}
	zmq_setsockopt(zmon, ZMQ_LINGER, &linger, sizeof(linger));
	if (zmq_bind(zsock, ep) != 0) {
		log_err("intake: bind %s: %s", ep, zmq_strerror(zmq_errno()));
		return -1;
	}
started:
	if (pthread_create(&in_thread, NULL, intake_main, NULL) != 0)
		return -1;
	in_running = 1;
	log_info("intake: doorbell %s %s (%s)", pcfg->zmq_relay_sub[0] ?
	    "from the relay at" : "on", ep, pcfg->zmq_relay_sub[0] ?
	    "SUB" : zrule.curve ? "CURVE, known client keys only" :
	    "0700 directory");
	return 0;
}

void
intake_stop(void)
{
	if (in_running) {
		__atomic_store_n(&in_stop, 1, __ATOMIC_RELEASE);
		intake_poke();
		pthread_join(in_thread, NULL);
		in_running = 0;
	}
	if (zsock != NULL) {
		zmq_socket_monitor(zsock, NULL, 0);
		zmq_close(zsock);
	}
	if (zmon != NULL)
		zmq_close(zmon);
	if (zap != NULL)
		zmq_close(zap);
	if (zctx != NULL)
		(void)zap_ctx_term(zctx, 2000);
	zsock = zctx = zap = zmon = NULL;
	db_free(idb);
	idb = NULL;
	if (in_evfd != -1)
		close(in_evfd);
	in_evfd = -1;
}
