/*
 * test_hours.c - local calendars in Europe/Paris across both changes of
 * time (2026-03-29: 23 h day; 2026-10-25: 25 h day), opening windows
 * with touching slots, closure days, and "HH:MM" parsing.
 * Expected instants were computed independently (Python zoneinfo).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#include "hours.h"

#define H(h, m)	((h) * 3600 + (m) * 60)

static int
setup(void **state)
{
	(void)state;
	setenv("TZ", "Europe/Paris", 1);
	tzset();
	return 0;
}

static void
test_days_across_dst(void **state)
{
	(void)state;
	/* Spring: the day of 2026-03-29 lasts 23 hours. */
	assert_int_equal(hours_day_start(1774778400LL), 1774738800LL);
	assert_int_equal(hours_day_end(1774778400LL), 1774821600LL);
	assert_int_equal(hours_day_end(1774778400LL) -
	    hours_day_start(1774778400LL), 23 * 3600);
	/* Autumn: 2026-10-25 lasts 25 hours. */
	assert_int_equal(hours_day_start(1792926000LL), 1792879200LL);
	assert_int_equal(hours_day_end(1792926000LL), 1792969200LL);
	assert_int_equal(hours_day_end(1792926000LL) -
	    hours_day_start(1792926000LL), 25 * 3600);
	/* The ISO week of Sunday 29 March starts Monday 23 March (CET). */
	assert_int_equal(hours_week_start(1774778400LL), 1774220400LL);
	/* 18:00 local is 17:00Z the day before the change, 16:00Z after. */
	assert_int_equal(hours_utc(2026, 3, 28, H(18, 0)), 1774717200LL);
	assert_int_equal(hours_utc(2026, 3, 29, H(18, 0)), 1774800000LL);
	assert_int_equal(hours_utc(2026, 10, 25, H(18, 0)), 1792947600LL);
	/* 02:30 does not exist on 29 March: read as 03:30 CEST. */
	assert_int_equal(hours_utc(2026, 3, 29, H(2, 30)), 1774747800LL);
	/* 24:00 is the next midnight. */
	assert_int_equal(hours_utc(2026, 3, 29, 86400), 1774821600LL);
}

static void
test_window(void **state)
{
	/* Sunday (7): 10:00-12:00 and 12:00-14:00 touch; 15:00-18:00. */
	static const struct hours_slot s[] = {
		{ 7, H(10, 0), H(12, 0) }, { 7, H(12, 0), H(14, 0) },
		{ 7, H(15, 0), H(18, 0) }, { 1, H(9, 0), H(17, 0) },
	};
	long long close = 0;

	(void)state;
	/* 11:00 local on 29 March: open until 14:00 (slots merged). */
	assert_int_equal(hours_window(s, 4, 0, 1774778400LL - 3600, &close), 1);
	assert_int_equal(close, 1774785600LL);
	/* 14:30: between slots, closed. */
	assert_int_equal(hours_window(s, 4, 0, 1774785600LL + 1800, &close), 0);
	/* 17:59:59: open until 18:00 local = 16:00Z on the short day. */
	assert_int_equal(hours_window(s, 4, 0, 1774800000LL - 1, &close), 1);
	assert_int_equal(close, 1774800000LL);
	/* 18:00 exactly: closed (the end is excluded). */
	assert_int_equal(hours_window(s, 4, 0, 1774800000LL, &close), 0);
	/* A closure day closes it all. */
	assert_int_equal(hours_window(s, 4, 1, 1774778400LL, &close), 0);
	/* No slot at all: no hours declared, always open. */
	assert_int_equal(hours_window(s, 0, 0, 1774778400LL, &close), -1);
	/* Monday 30 March 00:30: Monday's slot is not open yet. */
	assert_int_equal(hours_window(s, 4, 0, 1774823400LL, &close), 0);
	/* Autumn Sunday noon (25 h day): 18:00 local is 17:00Z. */
	assert_int_equal(hours_window(s, 4, 0, 1792926000LL + 3 * 3600 + 60,
	    &close), 1);
	assert_int_equal(close, 1792947600LL);
}

static void
test_parse(void **state)
{
	(void)state;
	assert_int_equal(hours_parse("09:00"), H(9, 0));
	assert_int_equal(hours_parse("18:30:15"), H(18, 30) + 15);
	assert_int_equal(hours_parse("00:00"), 0);
	assert_int_equal(hours_parse("24:00"), 86400);
	assert_int_equal(hours_parse("24:01"), -1);
	assert_int_equal(hours_parse("25:00"), -1);
	assert_int_equal(hours_parse("9:00"), -1);
	assert_int_equal(hours_parse("09:60"), -1);
	assert_int_equal(hours_parse("09:00 "), -1);
	assert_int_equal(hours_parse("-1:00"), -1);
	assert_int_equal(hours_parse(""), -1);
	assert_int_equal(hours_parse(NULL), -1);
	assert_int_equal(hours_parse("0a:00"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_days_across_dst),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
