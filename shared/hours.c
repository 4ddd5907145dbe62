/*
 * hours.c - local calendars (see hours.h).
 *
 * Everything is done on the local calendar date, then converted: "the
 * day starts at 00:00 local" is mktime of that date at 00:00, never
 * "now minus 86400", which is wrong twice a year.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hours.h"

void
hours_local(long long t, int *y, int *m, int *d, int *isow)
{
	struct tm tm;
	time_t tt = (time_t)t;

	memset(&tm, 0, sizeof(tm));
	localtime_r(&tt, &tm);
	*y = tm.tm_year + 1900;
	*m = tm.tm_mon + 1;
	*d = tm.tm_mday;
	*isow = tm.tm_wday == 0 ? 7 : tm.tm_wday;
}

long long
hours_utc(int y, int m, int d, long long sec)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = (int)(sec / 3600);
	tm.tm_min = (int)(sec % 3600 / 60);
	tm.tm_sec = (int)(sec % 60);
	tm.tm_isdst = -1;
	return (long long)mktime(&tm);
}

long long
hours_day_start(long long t)
{
	int y, m, d, w;

	hours_local(t, &y, &m, &d, &w);
	return hours_utc(y, m, d, 0);
}

long long
hours_day_end(long long t)
{
	int y, m, d, w;

	hours_local(t, &y, &m, &d, &w);
	return hours_utc(y, m, d + 1, 0);
}

long long
hours_week_start(long long t)
{
	int y, m, d, w;

	hours_local(t, &y, &m, &d, &w);
	return hours_utc(y, m, d - (w - 1), 0);
}

int
hours_window(const struct hours_slot *s, size_t n, int closed_today,
    long long now, long long *close)
{
	long long end = 0, a, b;
	int y, m, d, w, grown;
	size_t i;

	if (n == 0)
		return -1;
	if (closed_today)
		return 0;
	hours_local(now, &y, &m, &d, &w);
	/* The slot that holds now. */
	for (i = 0; i < n && end == 0; i++) {
		if (s[i].jour != w)
			continue;
		a = hours_utc(y, m, d, s[i].ouverture);
		b = hours_utc(y, m, d, s[i].fermeture);
		if (a <= now && now < b)
			end = b;
	}
	if (end == 0)
		return 0;
	/* Slots that start where it ends (or inside it) extend it. */
	do {
		grown = 0;
		for (i = 0; i < n; i++) {
			if (s[i].jour != w)
				continue;
			a = hours_utc(y, m, d, s[i].ouverture);
			b = hours_utc(y, m, d, s[i].fermeture);
			if (a <= end && b > end) {
				end = b;
				grown = 1;
			}
		}
	} while (grown);
	*close = end;
	return 1;
}

int
hours_parse(const char *s)
{
	int h, mi, se = 0, n = 0;

	if (s == NULL)
		return -1;
	if (sscanf(s, "%2d:%2d:%2d%n", &h, &mi, &se, &n) == 3 &&
	    n == 8 && s[n] == '\0')
		;
	else if (se = 0, n = 0, sscanf(s, "%2d:%2d%n", &h, &mi, &n) == 2 &&
	    n == 5 && s[n] == '\0')
		;
	else
		return -1;
	if (s[0] < '0' || s[0] > '9' || s[3] < '0' || s[3] > '9' ||
	    h < 0 || mi < 0 || mi > 59 || se < 0 || se > 59 ||
	    h > 24 || (h == 24 && (mi != 0 || se != 0)))
		return -1;
	return h * 3600 + mi * 60 + se;
}
