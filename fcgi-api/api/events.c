/*
 * api/events.c - GET /api/events?since=ID&channel=NAME: the polling fallback.
 *
 * Served from the outbox, so it works with the pusher down, and with the
 * same access rules as the pusher: staff channels need a staff cookie,
 * sessions/<id> is open to staff and to the kiosk running that session,
 * postes/<id> to staff and to that poste's kiosk (its messages and
 * reservations reach it there even with no session running).
 * An id older than the oldest kept event answers "reset": the client
 * must reload its state instead of assuming it saw everything.
 */
#include <string.h>

#include <json-c/json.h>

#include "extern.h"

#define POLL_LIMIT 200

enum stmt { STMT_KIOSK_OWNS, STMT__MAX };

static const char *const stmts[STMT__MAX] = {
	/* The kiosk follows its session, even after it ended. */
	[STMT_KIOSK_OWNS] = "SELECT COUNT(*) FROM sessions WHERE id = ? AND "
	    "poste_id = ?",
};

int
events_poll(struct req *r)
{
	static const struct vfield fs[] = {
		{ "since", V_INT, 0, 0, 0, 1LL << 53, NULL },
		{ "channel", V_STR, 1, 0, 1, 40, NULL },
		{ "limit", V_INT, 0, 0, 1, POLL_LIMIT, NULL },
	};
	struct vval v[3];
	struct json_object *arr, *o;
	unsigned int mask;
	long long sid, last, first, owns, since;
	enum db_err e;
	int st, reset = 0;

	if ((st = valid_query(r, fs, 3, v)) != 0)
		return st;
	/* valid_query() does not enforce "required": without a channel
	 * there is nothing to parse (and ev_chan_parse() wants a string). */
	if (!v[1].present || v[1].s == NULL)
		return http_error(r, 422, "validation_error",
		    "Champ « channel » : obligatoire");
	if (ev_chan_parse(v[1].s, &mask, &sid) == -1)
		return http_error(r, 404, "unknown_channel", "Canal inconnu");
	if (r->who == WHO_ANON)
		return http_error(r, 401, "unauthenticated", "Connexion requise");
	if (r->who == WHO_KIOSK && mask == EV_CH_POSTE) {
		/* postes/<id>: a kiosk reads its own poste's channel only. */
		if (sid != r->poste_id)
			return http_error(r, 403, "forbidden",
			    "Ce canal est celui d'un autre poste");
	} else if (r->who == WHO_KIOSK) {
		if (mask != EV_CH_SESSION)
			return http_error(r, 403, "forbidden",
			    "Canal réservé au personnel");
		if ((owns = http_count(r, stmts, STMT_KIOSK_OWNS,
		    (struct db_param[]){ DBI(sid), DBI(r->poste_id) }, 2)) < 0)
			return (int)-owns;
		if (owns == 0)
			return http_error(r, 403, "forbidden",
			    "Cette session n'est pas sur ce poste");
	}
	if ((e = ev_last_id(r->db, &last)) != DB_OK)
		return http_db_error(r, e);
	since = v[0].present ? v[0].i : last;
	/* A client ahead of us, or behind what is kept, starts afresh. */
	if (since > last)
		reset = 1;
	else if (since > 0) {
		if ((e = ev_first_id(r->db, &first)) != DB_OK)
			return http_db_error(r, e);
		if (first > since + 1)
			reset = 1;
	}
	if (reset)
		since = last;
	if ((e = ev_fetch(r->db, since, mask, sid,
	    v[2].present ? (unsigned int)v[2].i : POLL_LIMIT, &arr, &last)) != DB_OK)
		return http_db_error(r, e);
	o = json_object_new_object();
	json_object_object_add(o, "channel", json_object_new_string(v[1].s));
	json_object_object_add(o, "events", arr);
	json_object_object_add(o, "last_id", json_object_new_int64(last));
	json_object_object_add(o, "reset", json_object_new_boolean(reset));
	return http_json(r, 200, o);
}
