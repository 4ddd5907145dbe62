/*
 * api/dashboard.c - the counters, the health probe used by deploy/, and
 * the small public configuration the browser reads at start.
 *
 * The counters are kept per process, keyed on the outbox's head and the
 * town hall's day they count for (stats_read reads the head in the same
 * snapshot as the counts). Every change they count (a person, a session,
 * a poste's state) writes an event in its own transaction, so while the
 * head and the day are the same the counts are exactly the database's:
 * the staff check (auth_identify) reads the head and the database's clock
 * in its own round trip, and a request that finds them unchanged is
 * answered without another statement, with the timestamp of that read.
 * Any event, on any host, moves the head: every process, everywhere,
 * reads the counts again at its next request. What moves them without an
 * event is not counted live: rows written by hand or by the demo loaders
 * (postes-api demo, demo-stats) show at the next event (docs/api.md).
 */
#include <json-c/json.h>

#include "hours.h"
#include "stats.h"
#include "timefmt.h"
#include "extern.h"

/* The last counts read by this process, and what they hold for. */
static struct {
	struct json_object	*o;	/* without "timestamp" */
	long long		 head;
	long long		 day;	/* its local day's start (hours.c) */
} cache = { NULL, -1, -1 };

int
dashboard_stats(struct req *r)
{
	struct json_object *o;
	char ts[TIME_ISO_LEN];
	long long head, day;
	enum db_err e;

	if (cache.o != NULL && r->who == WHO_STAFF && r->head >= 0 &&
	    r->head == cache.head && hours_day_start(r->db_now) == cache.day) {
		o = NULL;
		if (json_object_deep_copy(cache.o, &o, NULL) != 0)
			return http_error(r, 503, "unavailable",
			    "Mémoire épuisée");
		time_iso(r->db_now, ts);
		json_object_object_add(o, "timestamp",
		    json_object_new_string(ts));
		return http_json(r, 200, o);
	}
	if ((e = stats_read(r->db, &o, &head, &day)) != DB_OK)
		return http_db_error(r, e);
	json_object_put(cache.o);
	cache.o = NULL;
	cache.head = -1;
	if (head >= 0 && json_object_deep_copy(o, &cache.o, NULL) == 0) {
		json_object_object_del(cache.o, "timestamp");
		cache.head = head;
		cache.day = day;
	}
	return http_json(r, 200, o);
}

/* 200 when the database answers, else 503: what a load balancer needs. */
int
health(struct req *r)
{
	struct json_object *o = json_object_new_object();
	enum db_err e = db_ping(r->db);

	json_object_object_add(o, "status",
	    json_object_new_string(e == DB_OK ? "ok" : "degraded"));
	json_object_object_add(o, "database",
	    json_object_new_string(e == DB_OK ? "ok" : "unreachable"));
	if (e != DB_OK)
		r->retry_after = 2;
	return http_json(r, e == DB_OK ? 200 : 503, o);
}

/*
 * What the browser must know before it connects, public: whether a
 * pusher runs. With no ZeroMQ endpoint configured nothing rings a pusher
 * (shared hosting): the dashboard and the kiosk then poll /api/events and
 * never try /ws/ or /events/.
 */
int
client_config(struct req *r)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "pusher",
	    json_object_new_boolean(r->cfg->zmq_endpoint[0] != '\0'));
	json_object_object_add(o, "heartbeat_interval",
	    json_object_new_int64(r->cfg->heartbeat_interval));
	return http_json(r, 200, o);
}
