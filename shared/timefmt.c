/*
 * timefmt.c - ISO 8601 UTC on the wire, MariaDB's text form inside.
 *
 * One strict hand-written parser serves both forms: strptime() accepts
 * out-of-range fields and depends on the locale, and mktime() on the
 * time zone. Every field is range-checked and the date is checked
 * against the length of its month before timegm() turns it into
 * seconds, so "2026-02-30" is an error rather than March 2nd.
 */
#include <stdio.h>
#include <time.h>

#include "timefmt.h"

#define ISO_YEAR_MIN	2000
#define ISO_YEAR_MAX	2199

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int y, int m)
{
	static const int days[12] =
	    { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Read exactly n decimal digits at *s, advancing it. 0, or -1. */
static int
digits(const char **s, int n, int *out)
{
	int	 v = 0;

	for (; n > 0; n--, (*s)++) {
		if (**s < '0' || **s > '9')
			return -1;
		v = v * 10 + (**s - '0');
	}
	*out = v;
	return 0;
}

static int
expect(const char **s, char c)
{
	if (**s != c)
		return -1;
	(*s)++;
	return 0;
}

/*
 * Parse "YYYY-MM-DD(T| )HH:MM:SS[.f+][Z|(+|-)hh:mm]" into Unix seconds;
 * the fraction (up to 9 digits) is checked and dropped. A missing zone
 * means UTC and is only accepted with the space separator (MariaDB's
 * form); "T" requires an explicit zone. The whole string must be
 * consumed. 0, or -1.
 */
static int
parse_dt(const char *s, int ymin, int ymax, long long *t)
{
	struct tm	 tm = { 0 };
	int		 y, mo, d, h, mi, sec, oh, om, nfrac, sign;
	int		 space;
	time_t		 tt;

	if (s == NULL)
		return -1;
	if (digits(&s, 4, &y) || expect(&s, '-') ||
	    digits(&s, 2, &mo) || expect(&s, '-') ||
	    digits(&s, 2, &d))
		return -1;
	if (*s != 'T' && *s != ' ')
		return -1;
	space = *s++ == ' ';
	if (digits(&s, 2, &h) || expect(&s, ':') ||
	    digits(&s, 2, &mi) || expect(&s, ':') ||
	    digits(&s, 2, &sec))
		return -1;

	if (*s == '.') {
		s++;
		for (nfrac = 0; *s >= '0' && *s <= '9'; s++, nfrac++)
			if (nfrac == 9)
				return -1;
		if (nfrac == 0)
			return -1;
	}

	/* Zone. */
	sign = oh = om = 0;
	if (*s == 'Z')
		s++;
	else if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (digits(&s, 2, &oh) || expect(&s, ':') ||
		    digits(&s, 2, &om) || oh > 23 || om > 59)
			return -1;
	} else if (!space)
		return -1;
	if (*s != '\0')
		return -1;

	if (y < ymin || y > ymax || mo < 1 || mo > 12 ||
	    d < 1 || d > days_in_month(y, mo) ||
	    h > 23 || mi > 59 || sec > 59)
		return -1;

	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((tt = timegm(&tm)) == (time_t)-1)
		return -1;
	*t = (long long)tt - sign * (oh * 3600LL + om * 60LL);
	return 0;
}

/*
 * Times outside years 0-9999 cannot be written in 20 bytes; they are
 * clamped to the nearest end, which no caller reaches in practice.
 */
void
time_iso(long long t, char out[TIME_ISO_LEN])
{
	const long long	 tmin = -62167219200LL;	/* 0000-01-01T00:00:00Z */
	const long long	 tmax = 253402300799LL;	/* 9999-12-31T23:59:59Z */
	struct tm	 tm;
	time_t		 tt;

	if (t < tmin)
		t = tmin;
	if (t > tmax)
		t = tmax;
	tt = (time_t)t;
	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, TIME_ISO_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) !=
	    TIME_ISO_LEN - 1)
		snprintf(out, TIME_ISO_LEN, "%s", "1970-01-01T00:00:00Z");
}

/* The database may hold any year; the wire range check is not applied. */
int
time_db_to_iso(const char *db, char out[TIME_ISO_LEN])
{
	long long	 t;

	if (parse_dt(db, 1, 9999, &t) == -1)
		return -1;
	time_iso(t, out);
	return 0;
}

int
time_parse_iso(const char *s, long long *t)
{
	long long	 v;

	if (parse_dt(s, ISO_YEAR_MIN, ISO_YEAR_MAX, &v) == -1)
		return -1;
	*t = v;
	return 0;
}

long long
time_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
