/*
 * api/dashboard.c - the counters, and the health probe used by deploy/.
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
