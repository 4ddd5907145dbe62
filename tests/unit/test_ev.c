/*
 * test_ev.c - event names, channel routing and the wire shape.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "ev.h"

static void
names_round_trip(void **state)
{
	int t;

	(void)state;
	for (t = 0; t < EV__MAX; t++) {
		assert_non_null(ev_name((enum ev_type)t));
		assert_int_equal(ev_lookup(ev_name((enum ev_type)t)), t);
		assert_int_not_equal(ev_channels((enum ev_type)t), 0);
	}
	assert_int_equal(ev_lookup("nope"), -1);
	assert_null(ev_name(EV__MAX));
}

static void
channels_parse(void **state)
{
	unsigned int m;
	long long id;

	(void)state;
	assert_int_equal(ev_chan_parse("dashboard", &m, &id), 0);
	assert_int_equal(m, EV_CH_DASHBOARD);
	assert_int_equal(ev_chan_parse("postes", &m, &id), 0);
	assert_int_equal(m, EV_CH_POSTES);
	assert_int_equal(ev_chan_parse("sessions/12", &m, &id), 0);
	assert_int_equal(m, EV_CH_SESSION);
	assert_int_equal(id, 12);
	assert_int_equal(ev_chan_parse("sessions/0", &m, &id), -1);
	assert_int_equal(ev_chan_parse("sessions/012", &m, &id), -1);
	assert_int_equal(ev_chan_parse("sessions/12x", &m, &id), -1);
	assert_int_equal(ev_chan_parse("sessions/", &m, &id), -1);
	assert_int_equal(ev_chan_parse("sessions/99999999999", &m, &id), -1);
	assert_int_equal(ev_chan_parse("postes/3", &m, &id), 0);
	assert_int_equal(m, EV_CH_POSTE);
	assert_int_equal(id, 3);
	assert_int_equal(ev_chan_parse("postes/0", &m, &id), -1);
	assert_int_equal(ev_chan_parse("postes/3/x", &m, &id), -1);
	assert_int_equal(ev_chan_parse("admin", &m, &id), -1);
	assert_int_equal(ev_chan_parse("", &m, &id), -1);
}

static void
session_events_reach_their_channel(void **state)
{
	(void)state;
	/* A kiosk follows sessions/<id>: everything about its session. */
	assert_true(ev_channels(EV_SESSION_STARTED) & EV_CH_SESSION);
	assert_true(ev_channels(EV_WARNING) & EV_CH_SESSION);
	assert_true(ev_channels(EV_SESSION_TERMINATED) & EV_CH_SESSION);
	assert_true(ev_channels(EV_SESSION_SUSPENDED) & EV_CH_SESSION);
	assert_true(ev_channels(EV_SESSION_EXTENDED) & EV_CH_SESSION);
	/* Workstation state reaches the postes grid and the dashboard. */
	assert_true(ev_channels(EV_POSTE_STATUS) & EV_CH_POSTES);
	assert_true(ev_channels(EV_POSTE_STATUS) & EV_CH_DASHBOARD);
	/* Wrong codes never reach a kiosk's session channel. */
	assert_false(ev_channels(EV_CODE_REFUSED) & EV_CH_SESSION);
}

static void
wire_shape(void **state)
{
	struct json_object *d = json_object_new_object(), *w;

	(void)state;
	json_object_object_add(d, "x", json_object_new_int(1));
	w = ev_wire(7, "warning", "2026-11-25T09:00:00Z", 3, 0, d);
	assert_string_equal(json_object_to_json_string_ext(w,
	    JSON_C_TO_STRING_PLAIN),
	    "{\"id\":7,\"type\":\"warning\",\"timestamp\":\"2026-11-25T09:00:00Z\","
	    "\"session_id\":3,\"poste_id\":null,\"data\":{\"x\":1}}");
	json_object_put(w);
	json_object_put(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_round_trip),
		cmocka_unit_test(channels_parse),
		cmocka_unit_test(session_events_reach_their_channel),
		cmocka_unit_test(wire_shape),
	};

	return cmocka_run_group_tests_name("ev", tests, NULL, NULL);
}
