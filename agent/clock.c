/*
 * clock.c - the server's clock, as the kiosk page's clock.js keeps it.
 *
 * The server owns time: a session has an absolute end (fin_prevue) and
 * what is left is derived from it at every tick, never counted down on
 * our own. The offset server - local is estimated from samples (the HTTP
 * Date header, whole seconds; server_time in heartbeats), each bracketed
 * by the moments the request left and the answer came: the offset lies
 * in [server - t_recv, server + resolution - t_send]. Samples narrow the
 * interval; one that does not intersect restarts it.
 *
 * Unlike the browser we can use the monotonic clock for "local": a
 * workstation whose wall clock is wrong or jumps (NTP, a user changing
 * it) keeps the right countdown, and offline the end still comes on time.
 */
#include <time.h>

#include "extern.h"

long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
sclock_sample(struct sclock *c, long long server_ms, long long t_send,
    long long t_recv, long long resolution)
{
	long long lo, hi;

	if (server_ms <= 0 || t_recv < t_send)
		return;
	lo = server_ms - t_recv;
	hi = server_ms + resolution - t_send;
	if (!c->synced || lo > c->hi || hi < c->lo) {
		c->lo = lo;
		c->hi = hi;
		c->synced = 1;
		return;
	}
	if (lo > c->lo)
		c->lo = lo;
	if (hi < c->hi)
		c->hi = hi;
}

long long
sclock_now(const struct sclock *c)
{
	struct timespec ts;

	if (!c->synced) {
		/* Never synced: the wall clock is all we have. */
		clock_gettime(CLOCK_REALTIME, &ts);
		return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	}
	return mono_ms() + (c->lo + c->hi) / 2;
}

long long
sclock_left(const struct sclock *c, long long end_ms)
{
	long long d = end_ms - sclock_now(c);

	return d <= 0 ? 0 : (d + 999) / 1000;
}
