/*
 * zring - ring or listen to postes-relay as one of its peers, with a
 * given CURVE key pair (the loopback cluster's probe: lib.sh builds it,
 * capacity.sh measures the relay with it, run.sh checks that a stranger
 * is refused).
 *
 *	zring pub ENDPOINT SECONDS RATE	PUB, RATE rings/s (0: as fast as
 *					the socket takes them) for SECONDS
 *	zring sub ENDPOINT SECONDS	SUB to everything for SECONDS
 *
 * The keys come from the environment: ZRING_SERVER_PUBLIC (the relay's),
 * ZRING_PUBLIC and ZRING_SECRET (ours); without them the socket speaks
 * NULL, which the relay refuses on tcp://. Each ring is what the API
 * sends, a decimal number, here the send time in microseconds (16
 * digits: a well-formed doorbell for a pusher too), so the subscriber,
 * on the same machine, knows each ring's delay.
 *
 * pub prints "SENT SECONDS"; sub prints "RECEIVED RATE P50_US P99_US"
 * where RATE is rings/s between the first and the last ring heard. A
 * PUB drops what its queue cannot hold, so what subscribers count is
 * what went through. Exit 0, or 2 on bad usage, 1 on a ZeroMQ error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#define LAT_MAX		(4u * 1024 * 1024)	/* delays kept for p50/p99 */
#define HWM		100000

static int64_t
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* CURVE client options from the environment, if all three are set. */
static int
curve(void *s)
{
	const char	*sp = getenv("ZRING_SERVER_PUBLIC");
	const char	*cp = getenv("ZRING_PUBLIC");
	const char	*cs = getenv("ZRING_SECRET");

	if (sp == NULL || cp == NULL || cs == NULL)
		return 0;
	if (strlen(sp) != 40 || strlen(cp) != 40 || strlen(cs) != 40)
		return -1;
	if (zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, sp, 40) != 0 ||
	    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, cp, 40) != 0 ||
	    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, cs, 40) != 0)
		return -1;
	return 0;
}

/* Publish for secs seconds at rate rings/s (0: flat out). */
static int
pub(void *s, double secs, long rate)
{
	char		 buf[24];
	int64_t		 t0, t, end;
	long long	 sent = 0;
	int		 n;
	struct timespec	 pause = { 0, 1000000 };

	/* Let the CURVE handshake finish and the subscriptions come up. */
	nanosleep(&(struct timespec){ 0, 500000000 }, NULL);
	t0 = now_us();
	end = t0 + (int64_t)(secs * 1e6);
	while ((t = now_us()) < end) {
		if (rate > 0 && sent >= (long long)((t - t0) * rate / 1000000)) {
			nanosleep(&pause, NULL);
			continue;
		}
		n = snprintf(buf, sizeof(buf), "%lld", (long long)t);
		if (zmq_send(s, buf, (size_t)n, 0) == n)
			sent++;
	}
	printf("%lld %.3f\n", sent, (double)(now_us() - t0) / 1e6);
	return 0;
}

/* Count what is heard for secs seconds; the delays' p50 and p99. */
static int
sub(void *s, double secs)
{
	char		 buf[32];
	int64_t		 end, t, first = 0, last = 0, *lat;
	long long	 got = 0;
	size_t		 nlat = 0;
	int		 n, tmo = 100;
	double		 rate;

	if ((lat = malloc(LAT_MAX * sizeof(*lat))) == NULL)
		return -1;
	zmq_setsockopt(s, ZMQ_RCVTIMEO, &tmo, sizeof(tmo));
	end = now_us() + (int64_t)(secs * 1e6);
	while (now_us() < end) {
		if ((n = zmq_recv(s, buf, sizeof(buf) - 1, 0)) < 0)
			continue;
		t = now_us();
		if (got++ == 0)
			first = t;
		last = t;
		buf[n < (int)sizeof(buf) - 1 ? n : (int)sizeof(buf) - 1] = '\0';
		if (nlat < LAT_MAX)
			lat[nlat++] = t - strtoll(buf, NULL, 10);
	}
	qsort(lat, nlat, sizeof(*lat), cmp64);
	rate = last > first ? (double)(got - 1) * 1e6 / (double)(last - first) : 0;
	printf("%lld %.0f %lld %lld\n", got, rate,
	    nlat ? (long long)lat[nlat / 2] : 0,
	    nlat ? (long long)lat[nlat * 99 / 100] : 0);
	free(lat);
	return 0;
}

int
main(int argc, char *argv[])
{
	void	*ctx, *s;
	int	 ispub, hwm = HWM, zero = 0, rc;

	if (argc < 4 || (strcmp(argv[1], "pub") != 0 &&
	    strcmp(argv[1], "sub") != 0) ||
	    (strcmp(argv[1], "pub") == 0 && argc != 5)) {
		fprintf(stderr, "usage: zring pub ENDPOINT SECONDS RATE | "
		    "zring sub ENDPOINT SECONDS\n");
		return 2;
	}
	ispub = strcmp(argv[1], "pub") == 0;
	if ((ctx = zmq_ctx_new()) == NULL ||
	    (s = zmq_socket(ctx, ispub ? ZMQ_PUB : ZMQ_SUB)) == NULL)
		goto fail;
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(s, ispub ? ZMQ_SNDHWM : ZMQ_RCVHWM, &hwm, sizeof(hwm));
	if (curve(s) != 0 || (!ispub && zmq_setsockopt(s, ZMQ_SUBSCRIBE,
	    "", 0) != 0) || zmq_connect(s, argv[2]) != 0)
		goto fail;
	rc = ispub ? pub(s, atof(argv[3]), atol(argv[4])) :
	    sub(s, atof(argv[3]));
	zmq_close(s);
	zmq_ctx_term(ctx);
	return rc == 0 ? 0 : 1;
fail:
	fprintf(stderr, "zring: %s\n", zmq_strerror(zmq_errno()));
	return 1;
}
