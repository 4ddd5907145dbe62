/*
 * test_ws_hub.c - the pusher's hub (pusher/chan.c, pusher/msg.c) without
 * sockets, linked as it is built (chan.o, msg.o, revoke.o; interface in
 * pusher/hub.h, the intake reached through the hooks): channel routing,
 * one delivery per event on a multiplexed stream, duplicates dropped, resume from the in-memory ring, resumes
 * the ring cannot serve handed to the intake, reset, the slow-subscriber
 * cap. A fake transport frames each message as its JSON and a newline.
 *
 * The tests share one hub and run in order.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "timefmt.h"

#include "../../pusher/hub.h"

#define KIOSK_POSTE	9	/* the poste of every kiosk subscriber here */

struct popts		 popts;
static int		 pokes, kicks, wakes;

/* The hub's hook to the intake: a subscriber waits for a replay. */
static void
replay_wanted(void)
{
	pokes++;
}

static const char *
fake_encode(struct msg *m, size_t *len)
{
	if (m->ws == NULL) {
		if (m->json == NULL)
			return NULL;
		m->ws = malloc(m->jlen + 1);
		memcpy(m->ws, m->json, m->jlen);
		m->ws[m->jlen] = '\n';
		m->wslen = m->jlen + 1;
	}
	*len = m->wslen;
	return m->ws;
}

static void
fake_wake(struct sub *s)
{
	(void)s;
	wakes++;
}

static void
fake_kick(struct sub *s, int code, const char *why)
{
	(void)s;
	(void)code;
	(void)why;
	kicks++;
}

static const struct transport fake = {
	"fake", XPORT_WS, fake_encode, fake_wake, fake_kick,
};

/* Everything queued on s, consumed, as one string (caller frees). */
static char *
drain(struct sub *s)
{
	char	*b = malloc(1 << 16);
	size_t	 n;

	pthread_mutex_lock(&hub_lock);
	n = sub_read(s, b, (1 << 16) - 1);
	pthread_mutex_unlock(&hub_lock);
	b[n] = '\0';
	return b;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t	 n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay++;
	}
	return n;
}

static struct sub *
subscribe(const char *a, const char *b, int staff, long long kiosk,
    long long since, int *status)
{
	char	*names[2];
	size_t	 n = 0;
	struct sub *s;

	/* A kiosk here is poste KIOSK_POSTE's, following session kiosk. */
	struct authinfo ai = { staff ? AUTH_STAFF : AUTH_KIOSK,
	    staff ? 1 : KIOSK_POSTE, staff ? 0 : kiosk, 0, 0, 0 };

	names[n++] = (char *)(uintptr_t)a;
	if (b != NULL)
		names[n++] = (char *)(uintptr_t)b;
	s = sub_new(&fake, NULL, names, n, &ai, since, status);
	if (s != NULL)
		sub_attach(s);
	return s;
}

/* An event of session sid and poste pid (0: none), as the outbox sends. */
static struct msg *
event_poste(long long id, const char *type, long long sid, long long pid)
{
	char	 buf[256];
	int	 n;

	n = snprintf(buf, sizeof(buf), "{\"id\":%lld,\"type\":\"%s\","
	    "\"session_id\":%lld,\"poste_id\":%lld}", id, type, sid, pid);
	return msg_parse_event(buf, (size_t)n);
}

static struct msg *
event(long long id, const char *type, long long sid)
{
	return event_poste(id, type, sid, 0);
}

/* Publish it; want: what hub_publish must answer (0: a duplicate). */
static void
publish_to(long long id, const char *type, long long sid, long long pid,
    int want)
{
	struct msg	*m = event_poste(id, type, sid, pid);

	assert_non_null(m);
	assert_int_equal(hub_publish(m), want);
	msg_unref(m);
}

static void
publish(long long id, const char *type, long long sid, int want)
{
	publish_to(id, type, sid, 0, want);
}

static int
setup(void **state)
{
	static const struct hub_hooks hooks = { replay_wanted, NULL };

	(void)state;
	popts.ring = 4;
	popts.sub_max_bytes = 4096;
	popts.replay_max = 100;
	hub_set_hooks(&hooks);
	return hub_init();
}

static int
teardown(void **state)
{
	(void)state;
	hub_free();
	return 0;
}

static struct sub *A, *B, *C;

/*
 * Before the outbox's position is known nobody goes live, not even a
 * subscriber without a resume point: it gets "subscribed" with the head
 * once known, and none of the events below it. The ring fill replaces
 * (never appends), and never holds an id twice or out of order.
 */
static void
not_live_before_ready(void **state)
{
	struct msg	*evs[3];
	struct sub	*s, *r;
	struct hub_counts hc;
	char		*out;
	int		 st, p0 = pokes;

	(void)state;
	s = subscribe("postes", NULL, 1, 0, -1, &st);
	assert_non_null(s);
	assert_int_equal(s->state, SUB_REPLAY);
	assert_true(pokes > p0);
	out = drain(s);
	assert_string_equal(out, "");	/* no "subscribed" with last_id 0 */
	free(out);
	evs[0] = event(1, "poste_created", 0);
	evs[1] = event(2, "poste_created", 0);
	evs[2] = event(2, "poste_created", 0);	/* twice: kept once */
	hub_ring_fill(evs, 3, 2, 0);
	hub_ring_fill(evs, 3, 2, 0);		/* a retry: replaces */
	hub_count(&hc);
	assert_int_equal(hc.ring, 2);
	r = hub_replay_next();
	assert_ptr_equal(r, s);
	hub_replay_finish(r, NULL, 0, 0, NULL);
	out = drain(s);
	assert_int_equal(count(out, "\"subscribed\""), 1);
	assert_int_equal(count(out, "\"last_id\":2"), 1);
	assert_int_equal(count(out, "poste_created"), 0);
	free(out);
	pthread_mutex_lock(&hub_lock);
	sub_detach(s);
	pthread_mutex_unlock(&hub_lock);
	msg_unref(evs[0]);
	msg_unref(evs[1]);
	msg_unref(evs[2]);
	/* The tests below start from an empty outbox. */
	hub_rewind(0);
	hub_ring_fill(NULL, 0, 0, 0);
}

static void
routing_and_dedupe(void **state)
{
	char	*a, *b, *c;
	int	 st;

	(void)state;
	A = subscribe("dashboard", "postes", 1, 0, -1, &st);
	B = subscribe("postes", NULL, 1, 0, -1, &st);
	C = subscribe("sessions/5", NULL, 0, 5, -1, &st);
	assert_non_null(A);
	assert_non_null(B);
	assert_non_null(C);
	free(drain(A));
	free(drain(B));
	free(drain(C));
	/* poste_status goes to dashboard and postes: A gets it once. */
	publish(1, "poste_status", 0, 1);
	publish(1, "poste_status", 0, 0);		/* duplicate */
	publish(2, "session_started", 5, 1);		/* sessions, sessions/5 */
	publish(3, "session_started", 6, 1);		/* another session */
	a = drain(A);
	b = drain(B);
	c = drain(C);
	assert_int_equal(count(a, "\"id\":1,"), 1);
	assert_int_equal(count(a, "\"id\""), 1);
	assert_int_equal(count(b, "\"id\":1,"), 1);
	assert_int_equal(count(b, "\"id\""), 1);
	assert_int_equal(count(c, "\"id\":2,"), 1);
	assert_int_equal(count(c, "\"id\""), 1);
	free(a);
	free(b);
	free(c);
}

/*
 * postes/<id>: a kiosk hears its own poste (with or without a session
 * on its ticket), never another's; an event for a poste reaches that
 * poste's channel only, once per stream even when it is also on the
 * stream's session channel.
 */
static void
poste_channel(void **state)
{
	struct sub	*k, *alone, *staff8, *other;
	char		*a, *b, *c, *d, id[3][32];
	long long	 base = hub_last_id();	/* ids after the tests before */
	int		 st, i;

	(void)state;
	assert_null(subscribe("postes/8", NULL, 0, 5, -1, &st));
	assert_int_equal(st, 403);
	assert_null(subscribe("postes/0", NULL, 0, 5, -1, &st));
	assert_int_equal(st, 404);
	/* A ticket naming no session: its poste only. */
	assert_null(subscribe("sessions/5", NULL, 0, 0, -1, &st));
	assert_int_equal(st, 403);
	k = subscribe("postes/9", "sessions/5", 0, 5, -1, &st);
	alone = subscribe("postes/9", NULL, 0, 0, -1, &st);
	staff8 = subscribe("postes/8", NULL, 1, 0, -1, &st);
	other = subscribe("sessions/6", NULL, 1, 0, -1, &st);
	assert_non_null(k);
	assert_non_null(alone);
	assert_non_null(staff8);
	assert_non_null(other);
	free(drain(k));
	free(drain(alone));
	free(drain(staff8));
	free(drain(other));
	for (i = 0; i < 3; i++)
		snprintf(id[i], sizeof(id[i]), "\"id\":%lld,", base + 1 + i);
	/* message: postes/9 and sessions/5 (the same stream: once). */
	publish_to(base + 1, "message", 5, 9, 1);
	/* message_acquitte: dashboard and postes/9, no session. */
	publish_to(base + 2, "message_acquitte", 0, 9, 1);
	/* reservation_created for poste 8: postes and postes/8. */
	publish_to(base + 3, "reservation_created", 0, 8, 1);
	a = drain(k);
	b = drain(alone);
	c = drain(staff8);
	d = drain(other);
	assert_int_equal(count(a, id[0]), 1);
	assert_int_equal(count(a, id[1]), 1);
	assert_int_equal(count(a, "\"id\""), 2);
	assert_int_equal(count(b, id[0]), 1);
	assert_int_equal(count(b, id[1]), 1);
	assert_int_equal(count(b, "\"id\""), 2);
	assert_int_equal(count(c, id[2]), 1);
	assert_int_equal(count(c, "\"id\""), 1);
	assert_int_equal(count(d, "\"id\""), 0);
	free(a);
	free(b);
	free(c);
	free(d);
	pthread_mutex_lock(&hub_lock);
	sub_detach(k);
	sub_detach(alone);
	sub_detach(staff8);
	sub_detach(other);
	pthread_mutex_unlock(&hub_lock);
}

static void
who_may_subscribe(void **state)
{
	int	 st;

	(void)state;
	assert_null(subscribe("dashboard", NULL, 0, 5, -1, &st));
	assert_int_equal(st, 403);
	assert_null(subscribe("sessions/6", NULL, 0, 5, -1, &st));
	assert_int_equal(st, 403);
	assert_null(subscribe("nope", NULL, 1, 0, -1, &st));
	assert_int_equal(st, 404);
	assert_null(subscribe("sessions/0", NULL, 1, 0, -1, &st));
	assert_int_equal(st, 404);
}

static void
ephemeral(void **state)
{
	struct json_object	*o = json_tokener_parse(
	    "{\"type\":\"time_update\",\"session_id\":5,\"data\":{}}");
	struct msg		*m = msg_from_obj(0, EV_CH_SESSION, 5, o);
	char			*c, *a;

	(void)state;
	hub_set_time(5, m);
	msg_unref(m);
	json_object_put(o);
	c = drain(C);
	a = drain(A);
	assert_int_equal(count(c, "time_update"), 1);
	assert_int_equal(count(a, "time_update"), 0);
	free(c);
	free(a);
	/* get_time answers from the last one. */
	pthread_mutex_lock(&hub_lock);
	hub_reply_time(C, 0);
	pthread_mutex_unlock(&hub_lock);
	c = drain(C);
	assert_int_equal(count(c, "time_update"), 1);
	free(c);
}

static void
resume_from_ring(void **state)
{
	struct sub	*d;
	char		*s, *p;
	int		 st;

	(void)state;
	publish(4, "poste_created", 0, 1);
	publish(5, "poste_created", 0, 1);
	publish(6, "poste_created", 0, 1);
	/* Ring of 4 holds 3..6, floor 2: since=3 is served at once. */
	assert_int_equal(hub_ring_floor(), 2);
	d = subscribe("postes", NULL, 1, 0, 3, &st);
	assert_non_null(d);
	s = drain(d);
	/* 4, 5, 6 in order, then subscribed with replayed 3. */
	p = strstr(s, "\"id\":4,");
	assert_non_null(p);
	p = strstr(p, "\"id\":5,");
	assert_non_null(p);
	p = strstr(p, "\"id\":6,");
	assert_non_null(p);
	assert_non_null(strstr(p, "\"replayed\":3"));
	free(s);
	/* Live afterwards, once. */
	publish(7, "poste_created", 0, 1);
	s = drain(d);
	assert_int_equal(count(s, "\"id\":7,"), 1);
	free(s);
	pthread_mutex_lock(&hub_lock);
	sub_detach(d);
	pthread_mutex_unlock(&hub_lock);
}

static void
resume_from_outbox_and_reset(void **state)
{
	struct sub	*d, *e, *q;
	struct msg	*old[3];
	char		*s;
	int		 st, p0 = pokes;

	(void)state;
	/* since=1 is below the ring (floor 3 now): the intake's job. */
	d = subscribe("postes", NULL, 1, 0, 1, &st);
	assert_int_equal(pokes, p0 + 1);
	s = drain(d);
	assert_string_equal(s, "");		/* nothing until replayed */
	free(s);
	publish(8, "poste_created", 0, 1);	/* live, during the replay */
	q = hub_replay_next();
	assert_ptr_equal(q, d);
	assert_null(hub_replay_next());
	/* The intake read (since, ring floor] = 2..4 from the outbox. */
	assert_int_equal(hub_ring_floor(), 4);
	old[0] = event(2, "session_started", 5);	/* not on postes */
	old[1] = event(3, "poste_created", 0);
	old[2] = event(4, "poste_created", 0);
	hub_replay_finish(q, old, 3, 0, NULL);
	msg_unref(old[0]);
	msg_unref(old[1]);
	msg_unref(old[2]);
	s = drain(d);
	/* 3, 4 (outbox), 5..8 (ring), in order, each once, then subscribed. */
	assert_int_equal(count(s, "\"id\":2,"), 0);
	assert_true(strstr(s, "\"id\":3,") < strstr(s, "\"id\":4,"));
	assert_true(strstr(s, "\"id\":7,") < strstr(s, "\"id\":8,"));
	assert_int_equal(count(s, "\"id\":8,"), 1);
	assert_non_null(strstr(s, "\"replayed\":6"));
	free(s);

	e = subscribe("postes", NULL, 1, 0, 0, &st);
	q = hub_replay_next();
	assert_ptr_equal(q, e);
	hub_replay_finish(q, NULL, 0, 1, "too_old");
	s = drain(e);
	assert_non_null(strstr(s, "\"type\":\"reset\""));
	assert_non_null(strstr(s, "\"too_old\""));
	assert_true(strstr(s, "reset") < strstr(s, "subscribed"));
	free(s);
	pthread_mutex_lock(&hub_lock);
	sub_detach(d);
	sub_detach(e);
	pthread_mutex_unlock(&hub_lock);
}

static void
slow_subscriber_dropped(void **state)
{
	long long	 id;
	int		 k0 = kicks;

	(void)state;
	/*
	 * B reads 3 bytes of one message, then nothing: past 4096 bytes it
	 * is kicked and stops queueing; the message it is in the middle of
	 * stays queued (a stream ends on a frame boundary), nothing else.
	 */
	publish(9, "poste_created", 0, 1);
	free(drain(A));
	pthread_mutex_lock(&hub_lock);
	sub_consume(B, B->qbytes);
	pthread_mutex_unlock(&hub_lock);
	publish(10, "poste_created", 0, 1);
	free(drain(A));
	pthread_mutex_lock(&hub_lock);
	sub_consume(B, 3);
	pthread_mutex_unlock(&hub_lock);
	for (id = 11; id < 11 + 200 && B->state != SUB_DEAD; id++) {
		publish(id, "poste_created", 0, 1);
		free(drain(A));
	}
	assert_int_equal(B->state, SUB_DEAD);
	assert_int_equal(kicks, k0 + 1);
	assert_int_equal(B->qlen, 1);
	assert_int_equal(B->qoff, 3);
	publish(id, "poste_created", 0, 1);
	assert_int_equal(kicks, k0 + 1);
	pthread_mutex_lock(&hub_lock);
	sub_detach(A);
	sub_detach(B);
	sub_detach(C);
	pthread_mutex_unlock(&hub_lock);
}

/* Publish an auth_revoked event naming scope/id. */
static void
revoke(const char *scope, const char *field, long long id)
{
	char		 buf[256];
	struct msg	*m;
	int		 n;

	n = snprintf(buf, sizeof(buf), "{\"id\":%lld,\"type\":\"auth_revoked\","
	    "\"session_id\":null,\"data\":{\"scope\":\"%s\",\"%s\":%lld,"
	    "\"reason\":\"test\"}}", hub_last_id() + 1, scope, field, id);
	assert_non_null(m = msg_parse_event(buf, (size_t)n));
	assert_int_equal(m->mask, EV_CH_CONTROL);
	assert_int_equal(hub_publish(m), 1);
	msg_unref(m);
}

/* A live subscriber admitted as ai says, its staff session ending at
 * expires_ms (0: never). */
static struct sub *
admitted_until(const char *chan, enum auth_res res, long long subject,
    long long staff_session, long long at_ms, long long expires_ms)
{
	struct authinfo	 ai = { res, subject, res == AUTH_KIOSK ? 7 : 0,
	    staff_session, at_ms, expires_ms };
	char		*names[1] = { (char *)(uintptr_t)chan };
	int		 st;
	struct sub	*s;

	s = sub_new(&fake, NULL, names, 1, &ai, -1, &st);
	assert_non_null(s);
	sub_attach(s);
	free(drain(s));
	return s;
}

static struct sub *
admitted(const char *chan, enum auth_res res, long long subject,
    long long staff_session, long long at_ms)
{
	return admitted_until(chan, res, subject, staff_session, at_ms, 0);
}

static void
revocation(void **state)
{
	long long	 now = time_now_ms();
	struct sub	*a1, *a2, *b, *k, *late, *fresh, *after;
	char		*out;
	int		 k0;

	(void)state;
	a1 = admitted("dashboard", AUTH_STAFF, 10, 100, now);
	a2 = admitted("postes", AUTH_STAFF, 10, 101, now);
	b = admitted("dashboard", AUTH_STAFF, 11, 102, now);
	k = admitted("sessions/7", AUTH_KIOSK, 3, 0, now);

	/* One staff session: only its stream, with a last "revoked". */
	k0 = kicks;
	revoke("staff_session", "staff_session", 100);
	assert_int_equal(kicks, k0 + 1);
	assert_int_equal(a1->state, SUB_DEAD);
	assert_true(a2->state != SUB_DEAD && b->state != SUB_DEAD &&
	    k->state != SUB_DEAD);
	out = drain(a1);
	assert_int_equal(count(out, "\"type\":\"revoked\""), 1);
	assert_int_equal(count(out, "auth_revoked"), 0);
	free(out);
	/* Nobody else heard a thing, and a1 gets nothing more. */
	out = drain(b);
	assert_string_equal(out, "");
	free(out);
	publish(hub_last_id() + 1, "poste_created", 0, 1);
	out = drain(a1);
	assert_string_equal(out, "");
	free(out);
	free(drain(a2));
	free(drain(b));

	/* A staff member: every stream of that account; a poste: its kiosk. */
	revoke("staff", "staff_id", 10);
	assert_int_equal(a2->state, SUB_DEAD);
	assert_true(b->state != SUB_DEAD && k->state != SUB_DEAD);
	revoke("poste", "poste_id", 4);
	assert_false(k->state == SUB_DEAD);
	revoke("poste", "poste_id", 3);
	assert_true(k->state == SUB_DEAD && b->state != SUB_DEAD);

	/*
	 * Checked against the database before a revocation was acted on,
	 * attached after it: closed on attach. Checked after: left alone.
	 */
	late = admitted("dashboard", AUTH_STAFF, 12, 103, now - 1000);
	assert_false(late->state == SUB_DEAD);
	revoke("staff", "staff_id", 13);	/* someone else */
	fresh = admitted("dashboard", AUTH_STAFF, 13, 104, now - 1000);
	assert_true(fresh->state == SUB_DEAD);
	after = admitted("dashboard", AUTH_STAFF, 13, 105, time_now_ms() + 1);
	assert_false(after->state == SUB_DEAD);

	/* Malformed control events change nothing. */
	assert_int_equal(revoke_parse("{\"data\":{\"scope\":\"staff\"}}", 30,
	    &(struct revocation){ 0 }), -1);
	assert_int_equal(revoke_parse("{\"data\":{\"scope\":\"x\",\"staff_id\":1}}",
	    41, &(struct revocation){ 0 }), -1);

	pthread_mutex_lock(&hub_lock);
	sub_detach(a1);
	sub_detach(a2);
	sub_detach(b);
	sub_detach(k);
	sub_detach(late);
	sub_detach(fresh);
	sub_detach(after);
	pthread_mutex_unlock(&hub_lock);
}

/*
 * A staff session's end: hub_expire closes the streams whose time has
 * come, with a last "revoked" (reason "expired"), and only those; before
 * the earliest expiry it touches nothing.
 */
static void
expiry(void **state)
{
	long long	 now = time_now_ms();
	struct sub	*soon, *later, *never;
	char		*out;
	int		 k0;

	(void)state;
	soon = admitted_until("dashboard", AUTH_STAFF, 20, 200, now, now + 1000);
	later = admitted_until("dashboard", AUTH_STAFF, 21, 201, now, now + 5000);
	never = admitted("sessions/7", AUTH_KIOSK, 30, 0, now);

	k0 = kicks;
	hub_expire(now + 999);
	assert_int_equal(kicks, k0);
	assert_true(soon->state != SUB_DEAD);
	hub_expire(now + 1000);
	assert_int_equal(kicks, k0 + 1);
	assert_int_equal(soon->state, SUB_DEAD);
	assert_true(later->state != SUB_DEAD && never->state != SUB_DEAD);
	out = drain(soon);
	assert_int_equal(count(out, "\"reason\":\"expired\""), 1);
	free(out);
	hub_expire(now + 4999);
	assert_true(later->state != SUB_DEAD);
	hub_expire(now + 5000);
	assert_int_equal(later->state, SUB_DEAD);
	assert_true(never->state != SUB_DEAD);

	pthread_mutex_lock(&hub_lock);
	sub_detach(soon);
	sub_detach(later);
	sub_detach(never);
	pthread_mutex_unlock(&hub_lock);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(not_live_before_ready),
		cmocka_unit_test(routing_and_dedupe),
		cmocka_unit_test(who_may_subscribe),
		cmocka_unit_test(ephemeral),
		cmocka_unit_test(resume_from_ring),
		cmocka_unit_test(resume_from_outbox_and_reset),
		cmocka_unit_test(slow_subscriber_dropped),
		cmocka_unit_test(revocation),
		cmocka_unit_test(expiry),
		/* Last: it moves the watermark past the ids above. */
		cmocka_unit_test(poste_channel),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
