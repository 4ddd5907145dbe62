/*
 * clock.c - what time decides, and the once-a-second messages.
 *
 * One thread with its own database connection (MariaDB calls block, so
 * none of this runs on a network thread):
 *
 *  - sweep_run (shared/sweep.c, the same code as `postes-api sweep`)
 *    ends sessions at their end time (or their site's closing), sends
 *    warnings and closing warnings, expires codes and guest passes, and
 *    puts silent postes hors_ligne. Its events are committed to the
 *    outbox and the intake's doorbell is rung (intake_ring): it reads
 *    them from the outbox in id order like any other event.
 *    The thread sleeps until sweep_next_ms says, capped at one
 *    second, and is woken early when an event may move a deadline.
 *  - time_update, each whole second, for every active session that
 *    someone listens to on sessions/<id>: ephemeral (not in the outbox),
 *    derived from fin_prevue by the database's clock. It also carries
 *    the seed's temps_restant_minutes, pourcentage_utilise and statut,
 *    at the top level (where the seed's clients read them) and in data.
 *  - stats_update on `dashboard`: at most one per second, only after
 *    events (or every 30 s), from stats_get; the last one is cached for
 *    new subscribers and get_stats.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "config.h"
#include "db.h"
#include "ev.h"
#include "log.h"
#include "sess.h"
#include "stats.h"
#include "sweep.h"
#include "timefmt.h"
#include "extern.h"

#define STATS_MIN_MS	1000
#define STATS_MAX_MS	30000
#define SWEEP_MIN_MS	20

enum stmt { STMT_ACTIVE, STMT__MAX };

static const char *const stmts[STMT__MAX] = {
	/* STMT_ACTIVE: seconds left, rounded up, by the database's clock */
	"SELECT id, fin_prevue, GREATEST(0, CEIL(TIMESTAMPDIFF(MICROSECOND,"
	" UTC_TIMESTAMP(3), fin_prevue) / 1000000)), duree_totale FROM sessions"
	" WHERE statut = 'active' AND fin_prevue IS NOT NULL",
};

static pthread_t	 ck_thread;
static pthread_mutex_t	 ck_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 ck_cond;
static int		 ck_running, ck_stop, ck_woken;
static struct db	*cdb;
static struct sweep	 ck_sweep;	/* its configuration, passed in */

void
clock_wake(void)
{
	pthread_mutex_lock(&ck_lock);
	ck_woken = 1;
	pthread_cond_signal(&ck_cond);
	pthread_mutex_unlock(&ck_lock);
}

/* Run the sweep; ring the intake for its events. Next deadline, ms. */
static long long
clock_run_sweep(void)
{
	struct ev_batch	 b;
	long long	 d;
	int		 n;

	memset(&b, 0, sizeof(b));
	n = sweep_run(cdb, &ck_sweep, &b, NULL);
	if (b.n > 0)
		intake_ring();
	ev_batch_clear(&b);
	health_note(HEALTH_CLOCK, n >= 0);
	if (n < 0) {
		metric_inc(M_DB_ERRORS);
		log_warn("clock: sweep failed: %s", db_errstr(cdb));
		return 1000;
	}
	if (n > 0) {
		metric_add(M_CLOCK_CHANGES, (unsigned long long)n);
		return SWEEP_MIN_MS;	/* maybe more than one batch */
	}
	if ((d = sweep_next_ms(cdb, &ck_sweep)) < 0)
		return 1000;
	return d < SWEEP_MIN_MS ? SWEEP_MIN_MS : d > 1000 ? 1000 : d;
}

static void
clock_time_updates(void)
{
	struct db_res		*res = NULL;
	struct json_object	*o, *d;
	struct msg		*m;
	char			 iso[TIME_ISO_LEN];
	long long		 id, left, total, pct;
	size_t			 i;

	if (DB_EXEC0(cdb, stmts, STMT_ACTIVE, &res, NULL, NULL) != DB_OK) {
		metric_inc(M_DB_ERRORS);
		return;
	}
	for (i = 0; res != NULL && i < res->nrows; i++) {
		id = db_int(res, i, 0);
		if (!hub_session_watched(id))
			continue;
		if (time_db_to_iso(db_str(res, i, 1), iso) == -1)
			continue;
		o = json_object_new_object();
		d = json_object_new_object();
		json_object_object_add(o, "type",
		    json_object_new_string("time_update"));
		json_object_object_add(o, "session_id",
		    json_object_new_int64(id));
		left = db_int(res, i, 2);
		total = db_int(res, i, 3);
		pct = total > 0 ? ((total - left) * 100 + total / 2) / total : 100;
		json_object_object_add(d, "temps_restant",
		    json_object_new_int64(left));
		json_object_object_add(d, "fin_prevue",
		    json_object_new_string(iso));
		json_object_object_add(d, "temps_restant_minutes",
		    json_object_new_int64((left + 59) / 60));
		json_object_object_add(d, "pourcentage_utilise",
		    json_object_new_int64(pct < 0 ? 0 : pct > 100 ? 100 : pct));
		json_object_object_add(d, "statut", json_object_new_string("active"));
		json_object_object_add(o, "temps_restant", json_object_new_int64(left));
		json_object_object_add(o, "temps_restant_minutes",
		    json_object_new_int64((left + 59) / 60));
		json_object_object_add(o, "pourcentage_utilise",
		    json_object_new_int64(pct < 0 ? 0 : pct > 100 ? 100 : pct));
		json_object_object_add(o, "statut", json_object_new_string("active"));
		json_object_object_add(o, "data", d);
		if ((m = msg_from_obj(0, EV_CH_SESSION, id, o)) != NULL) {
			hub_set_time(id, m);
			msg_unref(m);
			metric_inc(M_TIME_SENT);
		}
		json_object_put(o);
	}
	db_res_free(res);
}

static void
clock_stats(void)
{
	struct json_object	*data = NULL, *o;
	struct msg		*m;
	long long		 last = hub_last_id();

	hub_stats_clean();
	if (stats_get(cdb, &data) != DB_OK || data == NULL) {
		metric_inc(M_DB_ERRORS);
		json_object_put(data);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("stats_update"));
	json_object_object_add(o, "id", json_object_new_int64(last));
	json_object_object_add(o, "data", data);
	if ((m = msg_from_obj(0, EV_CH_DASHBOARD, 0, o)) != NULL) {
		hub_set_stats(m);
		metric_inc(M_STATS_SENT);
	}
	json_object_put(o);
}

static long long
min3(long long a, long long b, long long c)
{
	return a < b ? (a < c ? a : c) : (b < c ? b : c);
}

static void *
clock_main(void *arg)
{
	struct timespec	 ts;
	long long	 now, next_sweep = 0, next_tick = 0, last_stats = 0;
	long long	 stats_due, until;
	int		 woken;

	(void)arg;
	for (;;) {
		now = time_now_ms();
		if (now >= next_sweep)
			next_sweep = time_now_ms() + clock_run_sweep();
		if (now >= next_tick) {
			clock_time_updates();
			hub_expire(time_now_ms());
			next_tick = (time_now_ms() / 1000 + 1) * 1000;
		}
		now = time_now_ms();
		if (hub_ready() && ((hub_stats_dirty() &&
		    now - last_stats >= STATS_MIN_MS) ||
		    now - last_stats >= STATS_MAX_MS)) {
			clock_stats();
			last_stats = now;
		}
		stats_due = hub_stats_dirty() ? last_stats + STATS_MIN_MS :
		    last_stats + STATS_MAX_MS;
		until = min3(next_sweep, next_tick, stats_due);

		pthread_mutex_lock(&ck_lock);
		while (!ck_stop && !ck_woken && time_now_ms() < until) {
			ts.tv_sec = until / 1000;
			ts.tv_nsec = (until % 1000) * 1000000L;
			if (pthread_cond_timedwait(&ck_cond, &ck_lock, &ts) ==
			    ETIMEDOUT)
				break;
		}
		woken = ck_woken;
		ck_woken = 0;
		if (ck_stop) {
			pthread_mutex_unlock(&ck_lock);
			break;
		}
		pthread_mutex_unlock(&ck_lock);
		/* An event may have started or extended a session. */
		if (woken) {
			now = time_now_ms();
			if (next_sweep > now + SWEEP_MIN_MS)
				next_sweep = now + SWEEP_MIN_MS;
		}
	}
	return NULL;
}

int
clock_start(void)
{
	pthread_condattr_t	 ca;

	ck_sweep.cfg = pcfg;
	if ((cdb = db_new(pcfg)) == NULL)
		return -1;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_REALTIME);
	pthread_cond_init(&ck_cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&ck_thread, NULL, clock_main, NULL) != 0)
		return -1;
	ck_running = 1;
	return 0;
}

void
clock_stop(void)
{
	if (ck_running) {
		pthread_mutex_lock(&ck_lock);
		ck_stop = 1;
		pthread_cond_signal(&ck_cond);
		pthread_mutex_unlock(&ck_lock);
		pthread_join(ck_thread, NULL);
		ck_running = 0;
	}
	db_free(cdb);
	cdb = NULL;
}
