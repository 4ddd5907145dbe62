/*
 * api/dashboard.c - the counters, the health probe used by deploy/, and
 * the small public configuration the browser reads at start.
 */
#include <json-c/json.h>

#include "stats.h"
#include "extern.h"

int
dashboard_stats(struct req *r)
{
	struct json_object *o;
	enum db_err e;

	if ((e = stats_get(r->db, &o)) != DB_OK)
		return http_db_error(r, e);
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
