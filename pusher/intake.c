/*
 * intake.c - events in: the ZeroMQ PULL socket, the outbox, replays.
 *
 * The database is the truth and ZeroMQ the fast path. This thread is
 * the only one that publishes outbox events, so they reach the hub in
 * id order and the hub's watermark only moves here:
 *
 *	id == watermark + 1	publish at once
 *	id <= watermark		duplicate (already fetched), dropped
 *	id >  watermark + 1	a message was lost or overtaken: read the
 *				outbox up to and including it, and publish
 *				the rows (never an id the outbox lacks)
 *
 * Once a second the outbox's highest id is compared with the watermark,
 * so an event whose message was lost with nothing behind it (or sent
 * while the pusher was down) still arrives within a second. When the
 * database is unreachable nothing is published past a gap: the event
 * waits in the outbox for the next check instead of being skipped.
 *
 * At start the last popts.ring events are loaded into the hub's resume
 * ring, so clients that reconnect after a restart (even a kill -9)
 * resume from memory. Older resume points are read from the outbox
 * here, off the network threads.
 */
#include <errno.h>
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
#include "extern.h"

#define FETCH_CHUNK	500
#define TAIL_EVERY_MS	1000

enum stmt { STMT_RANGE, STMT_MIN_ID, STMT__MAX };

static const char *const stmts[STMT__MAX] = {
	/* STMT_RANGE: events in (since, upto], oldest first */
	"SELECT id, type, channels, created_at, session_id, poste_id, payload"
	" FROM events WHERE id > ? AND id <= ? ORDER BY id LIMIT ?",
	/* STMT_MIN_ID */
	"SELECT COALESCE(MIN(id), 0) FROM events",
};

struct inj {
	char		*s;
	struct inj	*next;
};

static pthread_t	 in_thread;
static int		 in_running, in_stop, in_evfd = -1;
static void		*zctx, *zsock;
static struct db	*idb;
static pthread_mutex_t	 inj_lock = PTHREAD_MUTEX_INITIALIZER;
static struct inj	*inj_head, *inj_tail;

void
intake_poke(void)
{
	uint64_t	 one = 1;

	if (in_evfd != -1 && write(in_evfd, &one, sizeof(one)) < 0 &&
	    errno != EAGAIN)
		log_warn("intake: eventfd: %s", strerror(errno));
}

void
intake_inject(char *s)
{
	struct inj	*i;

	if ((i = malloc(sizeof(*i))) == NULL) {
		free(s);
		return;	/* still in the outbox: the tail check finds it */
	}
	i->s = s;
	i->next = NULL;
	pthread_mutex_lock(&inj_lock);
	if (inj_tail != NULL)
		inj_tail->next = i;
	else
		inj_head = i;
	inj_tail = i;
	pthread_mutex_unlock(&inj_lock);
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
	return m;
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
	long long	 n = 0;
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
		for (i = 0; i < rows; i++) {
			since = db_int(res, i, 0);
			if ((m = row_msg(res, i)) == NULL)
				continue;
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
	if (hub_publish(m))
		metric_inc(M_EVENTS_OUTBOX);
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

static void
ring_fill(struct msg *m, void *arg)
{
	(void)arg;
	hub_ring_add(m);
}

/* Read the outbox's position and fill the resume ring. 0 or -1. */
static int
intake_init_hub(void)
{
	long long	 last, floor;

	if (outbox_last(&last) == -1)
		return -1;
	floor = last > (long long)popts.ring ? last - popts.ring : 0;
	if (outbox_range(floor, last, ring_fill, NULL) < 0)
		return -1;
	hub_set_start(last, floor);
	log_info("intake: outbox at event %lld, %lld kept for resume",
	    last, last - floor);
	return 0;
}

/* An event from ZeroMQ or the clock. */
static void
intake_event(struct msg *m, enum mcount source)
{
	long long	 last = hub_last_id();

	if (m->id <= last) {
		metric_inc(M_EVENTS_DUP);
		return;
	}
	if (m->id == last + 1) {
		if (hub_publish(m))
			metric_inc(source);
		return;
	}
	/*
	 * A gap: the outbox is read up to this id and its rows are
	 * published, this message included. Nothing beyond what the outbox
	 * holds is believed, so a stray message with a wild id cannot move
	 * the watermark past events still to come.
	 */
	if (catch_up(m->id) == 0 && hub_last_id() < m->id)
		log_warn("intake: event %lld announced but not in the outbox, "
		    "ignored", m->id);
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

static void
intake_drain_injected(void)
{
	struct inj	*i, *n;
	struct msg	*m;

	pthread_mutex_lock(&inj_lock);
	i = inj_head;
	inj_head = inj_tail = NULL;
	pthread_mutex_unlock(&inj_lock);
	for (; i != NULL; i = n) {
		n = i->next;
		if ((m = msg_parse_event(i->s, strlen(i->s))) != NULL) {
			intake_event(m, M_EVENTS_CLOCK);
			msg_unref(m);
		}
		free(i->s);
		free(i);
	}
}

static void
intake_drain_zmq(void)
{
	zmq_msg_t	 zm;
	struct msg	*m;
	int		 k, n;

	for (k = 0; k < 1000; k++) {
		zmq_msg_init(&zm);
		if ((n = zmq_msg_recv(&zm, zsock, ZMQ_DONTWAIT)) < 0) {
			zmq_msg_close(&zm);
			return;
		}
		m = msg_parse_event(zmq_msg_data(&zm), zmq_msg_size(&zm));
		zmq_msg_close(&zm);
		if (m == NULL) {
			metric_inc(M_EVENTS_BAD);
			log_warn("intake: malformed message ignored");
			continue;
		}
		intake_event(m, M_EVENTS_ZMQ);
		msg_unref(m);
	}
}

static void *
intake_main(void *arg)
{
	zmq_pollitem_t	 items[2];
	long long	 now, next_tail = 0, top;
	uint64_t	 v;
	struct sub	*s;
	int		 ready = 0;

	(void)arg;
	while (!__atomic_load_n(&in_stop, __ATOMIC_ACQUIRE)) {
		now = time_now_ms();
		if (!ready && now >= next_tail) {
			if (intake_init_hub() == 0)
				ready = 1;
			else
				next_tail = now + TAIL_EVERY_MS;
		}
		memset(items, 0, sizeof(items));
		items[0].socket = zsock;
		items[0].events = ZMQ_POLLIN;
		items[1].fd = in_evfd;
		items[1].events = ZMQ_POLLIN;
		if (zmq_poll(items, 2, next_tail > now ? next_tail - now :
		    0) < 0 && zmq_errno() != EINTR)
			log_warn("intake: zmq_poll: %s",
			    zmq_strerror(zmq_errno()));
		if (items[1].revents & ZMQ_POLLIN)
			if (read(in_evfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				log_warn("intake: eventfd read");
		if (!ready) {
			intake_drain_zmq();	/* nothing to order them by */
			continue;
		}
		intake_drain_injected();
		intake_drain_zmq();
		now = time_now_ms();
		if (now >= next_tail) {
			next_tail = now + TAIL_EVERY_MS;
			if (outbox_last(&top) == -1)
				continue;
			if (top < hub_last_id()) {
				log_err("intake: outbox at %lld, below event %lld "
				    "already delivered (database restored?): "
				    "every subscriber is reset", top,
				    hub_last_id());
				hub_rewind(top);
			} else
				catch_up(top);
		}
		while ((s = hub_replay_next()) != NULL) {
			if (outbox_last(&top) == 0)
				catch_up(top);
			intake_replay(s);
		}
	}
	return NULL;
}

int
intake_start(void)
{
	int	 hwm = 100000, linger = 0;

	if ((idb = db_new(pcfg)) == NULL)
		return -1;
	if ((in_evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		return -1;
	if ((zctx = zmq_ctx_new()) == NULL ||
	    (zsock = zmq_socket(zctx, ZMQ_PULL)) == NULL) {
		log_err("intake: zmq: %s", zmq_strerror(zmq_errno()));
		return -1;
	}
	zmq_setsockopt(zsock, ZMQ_RCVHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(zsock, ZMQ_LINGER, &linger, sizeof(linger));
	if (zmq_bind(zsock, pcfg->zmq_endpoint) != 0) {
		log_err("intake: bind %s: %s", pcfg->zmq_endpoint,
		    zmq_strerror(zmq_errno()));
		return -1;
	}
	if (pthread_create(&in_thread, NULL, intake_main, NULL) != 0)
		return -1;
	in_running = 1;
	log_info("intake: pulling events on %s", pcfg->zmq_endpoint);
	return 0;
}

void
intake_stop(void)
{
	struct inj	*i, *n;

	if (in_running) {
		__atomic_store_n(&in_stop, 1, __ATOMIC_RELEASE);
		intake_poke();
		pthread_join(in_thread, NULL);
		in_running = 0;
	}
	if (zsock != NULL)
		zmq_close(zsock);
	if (zctx != NULL)
		zmq_ctx_term(zctx);
	zsock = zctx = NULL;
	for (i = inj_head; i != NULL; i = n) {
		n = i->next;
		free(i->s);
		free(i);
	}
	inj_head = inj_tail = NULL;
	db_free(idb);
	idb = NULL;
	if (in_evfd != -1)
		close(in_evfd);
	in_evfd = -1;
}
