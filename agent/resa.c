/*
 * resa.c - what the lock and the bar say of the poste's next reservation.
 *
 * The kiosk page's rule (www/src/kiosk/desk/KioskNotices.vue): before
 * the slot "Réservé à 14h00", during it "Réservé jusqu'à 15h00", after
 * it nothing; never who holds it (the API does not say). The time is
 * the town hall's wall clock, in the zone the API names (fuseau), not
 * the workstation's own: a PC set to UTC or to another zone must still
 * say the hour the desk booked. Pure apart from GLib's time zones, so
 * that the choice and the formatting are unit-tested (test_agent.c);
 * main.c feeds it the server's clock.
 */
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "extern.h"

enum resa_phase
resa_phase(const struct resa *r, long long now_ms)
{
	if (r == NULL || r->fin_ms <= r->debut_ms || now_ms >= r->fin_ms)
		return RESA_NONE;
	return now_ms < r->debut_ms ? RESA_BEFORE : RESA_DURING;
}

int
resa_zone_ok(const char *z)
{
	size_t n;

	/* An IANA name ("Europe/Paris", "America/Port-au-Prince",
	 * "Etc/GMT+2"): GLib opens it as a file under the zoneinfo
	 * directory, so nothing that could walk out of it. */
	if (z == NULL || (n = strlen(z)) == 0 || n >= RESA_ZONE_MAX ||
	    z[0] == '/' || z[0] == '.' || strstr(z, "..") != NULL)
		return 0;
	return strspn(z, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789/_+-") == n;
}

void
resa_hm(char *buf, size_t n, enum lang l, long long ms, const char *zone)
{
	GTimeZone	*tz = NULL;
	GDateTime	*utc, *loc;

	if (n == 0)
		return;
	buf[0] = '\0';
	if (resa_zone_ok(zone))
		tz = g_time_zone_new_identifier(zone);
	if (tz == NULL)
		tz = g_time_zone_new_utc();	/* no tzdata: at least honest */
	if ((utc = g_date_time_new_from_unix_utc(ms / 1000)) != NULL) {
		if ((loc = g_date_time_to_timezone(utc, tz)) != NULL) {
			/* The page's forms: 14h05, and 14:05 in English. */
			snprintf(buf, n, l == L_FR ? "%02dh%02d" : "%02d:%02d",
			    g_date_time_get_hour(loc),
			    g_date_time_get_minute(loc));
			g_date_time_unref(loc);
		}
		g_date_time_unref(utc);
	}
	g_time_zone_unref(tz);
}

enum resa_phase
resa_text(char *buf, size_t n, enum lang l, const struct resa *r,
    long long now_ms)
{
	enum resa_phase	 p = resa_phase(r, now_ms);
	char		 hm[16];

	if (n > 0)
		buf[0] = '\0';
	if (p == RESA_NONE)
		return p;
	resa_hm(hm, sizeof(hm), l, p == RESA_BEFORE ? r->debut_ms : r->fin_ms,
	    r->zone);
	msg_format(buf, n, l, p == RESA_BEFORE ? M_RESA_AT : M_RESA_NOW,
	    "time", hm, NULL);
	return p;
}
