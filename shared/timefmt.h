/*
 * timefmt.h - the wire's time format: ISO 8601 in UTC with a 'Z'.
 *
 * The database hands out "YYYY-MM-DD HH:MM:SS[.fff]" in UTC; the wire
 * always says "YYYY-MM-DDTHH:MM:SSZ". Input accepts either form, and an
 * offset ("+02:00"), so a browser's toISOString() works as it is.
 */
#ifndef POSTES_TIMEFMT_H
#define POSTES_TIMEFMT_H

#define TIME_ISO_LEN 21		/* "2026-11-25T09:00:00Z" + NUL */

/* Unix seconds -> "2026-11-25T09:00:00Z". */
void	time_iso(long long t, char out[TIME_ISO_LEN]);
/* DB text "2026-11-25 09:00:00.123" -> ISO; 0, or -1 if malformed. */
int	time_db_to_iso(const char *db, char out[TIME_ISO_LEN]);
/* Parse ISO 8601 (date-time, optional fraction, Z or +hh:mm) to Unix
 * seconds. 0, or -1 if malformed or out of range (years 2000-2199). */
int	time_parse_iso(const char *s, long long *t);
/* Current time in milliseconds since the epoch (CLOCK_REALTIME). */
long long time_now_ms(void);

#endif
