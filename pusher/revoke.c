/*
 * revoke.c - closing the streams of a revoked authorisation.
 *
 * The API records an auth_revoked event (shared/ev.h, EV_CH_CONTROL) in
 * the transaction of the change that revokes: logout, deactivation or
 * deletion, a password or role change, a poste's token rotation or
 * removal. It reaches the hub like any outbox event, in id order, and
 * hub_publish hands it here instead of delivering it: no subscriber can
 * listen to the control channel, so it never leaves the pusher.
 *
 * Every subscriber remembers what admitted it (sub->auth: staff id,
 * staff session, poste) and when that was checked against the database.
 * A matching subscriber gets a final "revoked" message, then WebSocket
 * close 1008 or the end of its SSE body.
 *
 * The race: a connection checked against the database just before the
 * revoking transaction committed, but attached to the hub just after the
 * event went by, would escape. So the last REVOKE_KEEP revocations stay
 * here with the time they were acted on, and sub_attach asks
 * revoke_check_new(): a revocation acted on after the subscriber's check
 * began may have been missed by that check, and closes it too. A check
 * that began after the event was acted on began after the commit, so the
 * database refused it already.
 *
 * Everything here runs with hub_lock held.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "ev.h"
#include "log.h"
#include "timefmt.h"
#include "hub.h"

#define REVOKE_KEEP	64
#define REVOKE_AGE_MS	60000	/* longer than any handshake */

static struct revocation	 recent[REVOKE_KEEP];
static size_t			 nrecent, rnext;

/* Integer member name of o, or 0. */
static long long
get_id(struct json_object *o, const char *name)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, name, &v) ||
	    !json_object_is_type(v, json_type_int))
		return 0;
	return json_object_get_int64(v);
}

int
revoke_parse(const char *json, size_t len, struct revocation *rv)
{
	struct json_tokener	*tok;
	struct json_object	*o = NULL, *d, *v;
	int			 sc, rc = -1;

	memset(rv, 0, sizeof(*rv));
	if (json == NULL || len == 0 || len > 4096 ||
	    (tok = json_tokener_new_ex(8)) == NULL)
		return -1;
	o = json_tokener_parse_ex(tok, json, (int)len);
	json_tokener_free(tok);
	if (o == NULL || !json_object_object_get_ex(o, "data", &d) ||
	    !json_object_is_type(d, json_type_object) ||
	    !json_object_object_get_ex(d, "scope", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    (sc = ev_revoke_lookup(json_object_get_string(v))) < 0)
		goto out;
	rv->scope = (enum ev_revoke)sc;
	switch (rv->scope) {
	case EV_REVOKE_STAFF:
		rv->id = get_id(d, "staff_id");
		break;
	case EV_REVOKE_STAFF_SESSION:
		rv->id = get_id(d, "staff_session");
		break;
	default:
		rv->id = get_id(d, "poste_id");
		break;
	}
	if (json_object_object_get_ex(d, "reason", &v) &&
	    json_object_is_type(v, json_type_string))
		snprintf(rv->reason, sizeof(rv->reason), "%s",
		    json_object_get_string(v));
	rc = rv->id > 0 ? 0 : -1;
out:
	json_object_put(o);
	return rc;
}

int
revoke_matches(const struct revocation *rv, const struct sub *s)
{
	switch (rv->scope) {
	case EV_REVOKE_STAFF:
		return s->staff && s->auth.subject == rv->id;
	case EV_REVOKE_STAFF_SESSION:
		return s->staff && s->auth.staff_session == rv->id;
	case EV_REVOKE_POSTE:
		return !s->staff && s->auth.res == AUTH_KIOSK &&
		    s->auth.subject == rv->id;
	default:
		return 0;
	}
}

void
revoke_event(const struct msg *m)
{
	struct revocation	 rv;

	if (revoke_parse(m->json, m->jlen, &rv) == -1) {
		log_warn("event %lld: malformed auth_revoked, ignored", m->id);
		return;
	}
	rv.at_ms = time_now_ms();
	recent[rnext] = rv;
	rnext = (rnext + 1) % REVOKE_KEEP;
	if (nrecent < REVOKE_KEEP)
		nrecent++;
	hub_revoke(&rv);
}

void
revoke_check_new(struct sub *s)
{
	long long	 now = time_now_ms();
	size_t		 i;

	for (i = 0; i < nrecent; i++) {
		if (recent[i].at_ms < s->auth.at_ms ||
		    now - recent[i].at_ms > REVOKE_AGE_MS ||
		    !revoke_matches(&recent[i], s))
			continue;
		sub_revoke(s, recent[i].reason);
		return;
	}
}
