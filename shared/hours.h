/*
 * hours.h - local calendars: opening hours and days in POSTES_TZ.
 *
 * Pure functions (no database): the rules (rules.c) read the database's
 * UTC clock and the site's weekly slots, then ask here what that instant
 * is on the town hall's wall clock. Conversions go through the C
 * library's zone database (localtime_r, mktime with tm_isdst = -1), the
 * process's TZ being POSTES_TZ (config_load sets it), so a day is 23 or
 * 25 hours long across a change of time and "18:00" stays 18:00 local.
 * A wall-clock time that does not exist (02:30 on the spring change) is
 * read as the instant mktime normalises it to (03:30 local).
 */
#ifndef POSTES_HOURS_H
#define POSTES_HOURS_H

#include <stddef.h>

/* One weekly opening slot: ISO day (1 = lundi .. 7 = dimanche) and
 * seconds from local midnight, ouverture < fermeture <= 86400. */
struct hours_slot {
	int	jour;
	int	ouverture;
	int	fermeture;
};

/* The local calendar date of Unix time t: year, month 1..12, day, and
 * ISO weekday 1..7. */
void		hours_local(long long t, int *y, int *m, int *d, int *isow);
/* Unix time of local wall clock y-m-d at sec seconds after midnight
 * (sec may be 86400: the next midnight). */
long long	hours_utc(int y, int m, int d, long long sec);
/* Unix time of the local midnight that starts t's day, and of the next. */
long long	hours_day_start(long long t);
long long	hours_day_end(long long t);
/* Unix time of the local Monday midnight that starts t's ISO week. */
long long	hours_week_start(long long t);

/*
 * Whether a site with these weekly slots is open at now, closed_today
 * being set when now's local date is a closure day. Returns 1 when open,
 * with *close the instant the open stretch ends (slots that touch are
 * one stretch); 0 when closed; -1 when there are no slots at all (no
 * hours declared: always open).
 */
int		hours_window(const struct hours_slot *, size_t n,
		    int closed_today, long long now, long long *close);

/* "HH:MM" or "HH:MM:SS" (00:00..24:00) to seconds; -1 if malformed. */
int		hours_parse(const char *s);

#endif
