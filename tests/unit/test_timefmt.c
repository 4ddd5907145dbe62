/*
 * test_timefmt.c - ISO 8601 formatting and strict parsing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "timefmt.h"

#define T_20261125_0900	1795597200LL	/* 2026-11-25T09:00:00Z */

static void
test_iso_format(void **state)
{
	char	 out[TIME_ISO_LEN];

	(void)state;
	time_iso(T_20261125_0900, out);
	assert_string_equal(out, "2026-11-25T09:00:00Z");
	time_iso(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00Z");
	time_iso(951782400LL, out);
	assert_string_equal(out, "2000-02-29T00:00:00Z");
}

static void
test_round_trip(void **state)
{
	static const long long	 ts[] = {
		946684800LL,		/* 2000-01-01 */
		T_20261125_0900,
		1709164799LL,		/* 2024-02-28T23:59:59Z */
		1709251199LL,		/* 2024-02-29T23:59:59Z */
		7258118399LL,		/* 2199-12-31T23:59:59Z */
	};
	char		 out[TIME_ISO_LEN];
	long long	 t;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		time_iso(ts[i], out);
		assert_int_equal(time_parse_iso(out, &t), 0);
		assert_int_equal(t, ts[i]);
	}
}

static void
test_parse_forms(void **state)
{
	long long	 t;

	(void)state;
	assert_int_equal(time_parse_iso("2026-11-25T09:00:00Z", &t), 0);
	assert_int_equal(t, T_20261125_0900);
	/* Browser toISOString(): milliseconds. */
	assert_int_equal(time_parse_iso("2026-11-25T09:00:00.999Z", &t), 0);
	assert_int_equal(t, T_20261125_0900);
	assert_int_equal(time_parse_iso("2026-11-25T09:00:00.123456Z", &t),
	    0);
	assert_int_equal(t, T_20261125_0900);
	/* Database form, no zone: UTC. */
	assert_int_equal(time_parse_iso("2026-11-25 09:00:00", &t), 0);
	assert_int_equal(t, T_20261125_0900);
	assert_int_equal(time_parse_iso("2026-11-25 09:00:00.5", &t), 0);
	assert_int_equal(t, T_20261125_0900);
}

static void
test_offsets(void **state)
{
	long long	 t;

	(void)state;
	assert_int_equal(time_parse_iso("2026-11-25T10:00:00+01:00", &t), 0);
	assert_int_equal(t, T_20261125_0900);
	assert_int_equal(time_parse_iso("2026-11-25T04:30:00-04:30", &t), 0);
	assert_int_equal(t, T_20261125_0900);
	assert_int_equal(time_parse_iso("2026-11-25T09:00:00+00:00", &t), 0);
	assert_int_equal(t, T_20261125_0900);
	/* Crossing midnight and the year. */
	assert_int_equal(time_parse_iso("2027-01-01T01:00:00+02:00", &t), 0);
	assert_int_equal(t, 1798758000LL);	/* 2026-12-31T23:00:00Z */
	assert_int_equal(time_parse_iso("2026-11-25T09:00:00+24:00", &t), -1);
	assert_int_equal(time_parse_iso("2026-11-25T09:00:00+01:60", &t), -1);
	assert_int_equal(time_parse_iso("2026-11-25T09:00:00+0100", &t), -1);
	assert_int_equal(time_parse_iso("2026-11-25T09:00:00+1", &t), -1);
}

static void
test_leap_days(void **state)
{
	long long	 t;

	(void)state;
	assert_int_equal(time_parse_iso("2024-02-29T12:00:00Z", &t), 0);
	assert_int_equal(time_parse_iso("2000-02-29T12:00:00Z", &t), 0);
	assert_int_equal(time_parse_iso("2026-02-29T12:00:00Z", &t), -1);
	assert_int_equal(time_parse_iso("2100-02-29T12:00:00Z", &t), -1);
	assert_int_equal(time_parse_iso("2024-02-30T12:00:00Z", &t), -1);
}

static void
test_invalid(void **state)
{
	static const char *const bad[] = {
		"",
		"2026",
		"2026-11-25",
		"2026-11-25T09:00Z",
		"2026-11-25T09:00:00",		/* 'T' needs a zone */
		"2026-13-01T00:00:00Z",
		"2026-00-01T00:00:00Z",
		"2026-11-00T00:00:00Z",
		"2026-11-31T00:00:00Z",
		"2026-04-31T00:00:00Z",
		"2026-11-25T24:00:00Z",
		"2026-11-25T23:60:00Z",
		"2026-11-25T23:59:60Z",
		"1999-12-31T23:59:59Z",
		"2200-01-01T00:00:00Z",
		"2026-11-25T09:00:00Zjunk",
		"2026-11-25T09:00:00.Z",
		"2026-11-25T09:00:00.1234567890Z",
		" 2026-11-25T09:00:00Z",
		"2026-11-25t09:00:00Z",
		"2026/11/25T09:00:00Z",
		"+026-11-25T09:00:00Z",
		"2026-1-25T09:00:00Z",
		"2026-11-25T09:00:00z",
	};
	long long	 t = 42;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (time_parse_iso(bad[i], &t) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(t, 42);
	}
	assert_int_equal(time_parse_iso(NULL, &t), -1);
}

static void
test_db_to_iso(void **state)
{
	char	 out[TIME_ISO_LEN];

	(void)state;
	assert_int_equal(time_db_to_iso("2026-11-25 09:00:00", out), 0);
	assert_string_equal(out, "2026-11-25T09:00:00Z");
	assert_int_equal(time_db_to_iso("2026-11-25 09:00:00.123", out), 0);
	assert_string_equal(out, "2026-11-25T09:00:00Z");
	assert_int_equal(time_db_to_iso("1970-01-01 00:00:01", out), 0);
	assert_string_equal(out, "1970-01-01T00:00:01Z");
	assert_int_equal(time_db_to_iso("0000-00-00 00:00:00", out), -1);
	assert_int_equal(time_db_to_iso("2026-11-25", out), -1);
	assert_int_equal(time_db_to_iso("garbage", out), -1);
	assert_int_equal(time_db_to_iso(NULL, out), -1);
}

static void
test_now(void **state)
{
	long long	 a, b;

	(void)state;
	a = time_now_ms();
	b = (long long)time(NULL) * 1000;
	assert_true(a > 1700000000000LL);
	assert_true(a - b < 2000 && b - a < 2000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iso_format),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_parse_forms),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_leap_days),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_db_to_iso),
		cmocka_unit_test(test_now),
	};

	return cmocka_run_group_tests_name("timefmt", tests, NULL, NULL);
}
