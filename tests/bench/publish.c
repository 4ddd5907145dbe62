/*
 * publish.c - the benchmark's publisher (tests/bench/pusher-bench.sh).
 *
 *	publish ticket		print a staff ticket for the pusher, bound to
 *				a staff session opened here for an hour (the
 *				pusher checks it on every connect)
 *	publish api HOST PORT N RATE
 *				N requests `POST /api/utilisateurs` at RATE
 *				per second through the front (lighttpd ->
 *				postes-api -> MariaDB -> doorbell -> pusher),
 *				as the staff whose cookie is in the
 *				environment (BENCH_COOKIE=postes_sid=...)
 *	publish nchan HOST PORT PATH N RATE SIZE
 *				N POSTs at RATE per second to Nchan's
 *				publisher location, each body SIZE bytes
 *
 * Every message carries the send time, CLOCK_REALTIME in microseconds,
 * taken just before the request is written: for the API as the person's
 * name, "nom":"t_us=<time>", which the event carries back in its data;
 * for Nchan as the same text in a body padded to the size of the API's
 * event (what a user of Nchan would publish). tests/bench/loadgen.c
 * finds "t_us" in what it receives and records now - time. So the
 * pusher's latency includes the whole API request (front, FastCGI, the
 * transaction, the doorbell), and Nchan's its own publish request.
 *
 * One keep-alive connection, one request at a time, paced on an
 * absolute schedule (a slow answer is caught up, not accumulated).
 * Anything but 201 (API) or 2xx (Nchan) stops the run with exit 1.
 * At the end one line on stdout says how long the answers took:
 *
 *	ANSWERS n=N p50=MS max=MS
 *
 * (from the write of a request to the end of its answer), so that the
 * API's share of the latency can be told from the push's.
 * Configuration (database, secret) from config_load(); loopback only.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "crypto.h"
#include "db.h"
#include "log.h"

enum stmt { STMT_SESSION, STMT_STAFF, STMT__MAX };

static const char *const stmts[STMT__MAX] = {
	[STMT_SESSION] = "INSERT INTO staff_sessions (token_hash, staff_id, "
	    "expires_at) SELECT ?, MIN(id), UTC_TIMESTAMP(3) + INTERVAL 1 HOUR "
	    "FROM staff WHERE actif = 1",
	[STMT_STAFF] = "SELECT staff_id FROM staff_sessions WHERE id = ?",
};

#define BODY_MAX	4096

/* A staff session of the first active account, and its ticket. 0/-1. */
static int
bench_ticket(const struct config *cfg, char out[TICKET_MAX])
{
	struct db		*db;
	struct db_res		*res = NULL;
	char			 tok[TOKEN_LEN + 1];
	unsigned char		 h[HASH_LEN];
	unsigned long long	 sid = 0;
	struct ticket		 t = { 's', 0, 0, 0, 0 };
	int			 rc = -1;

	if ((db = db_new(cfg)) == NULL)
		return -1;
	token_new(tok);
	token_hash(tok, h);
	if (DB_EXEC(db, stmts, STMT_SESSION, NULL, NULL, &sid,
	    DBB(h, HASH_LEN)) != DB_OK || sid == 0)
		goto out;
	if (DB_EXEC(db, stmts, STMT_STAFF, &res, NULL, NULL, DBI(sid)) !=
	    DB_OK || res == NULL || res->nrows == 0)
		goto out;
	t.subject = db_int(res, 0, 0);
	t.bind = (long long)sid;
	t.expires = (long long)time(NULL) + 3600;
	rc = ticket_make(cfg->secret, &t, out);
out:
	db_res_free(res);
	db_free(db);
	return rc;
}

static long long
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long long	 took[100000];
static int		 ntook;

static int
cmp_ll(const void *a, const void *b)
{
	long long	 x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static void
answers(void)
{
	if (ntook == 0)
		return;
	qsort(took, (size_t)ntook, sizeof(took[0]), cmp_ll);
	printf("ANSWERS n=%d p50=%.1f max=%.1f\n", ntook,
	    took[ntook / 2] / 1000.0, took[ntook - 1] / 1000.0);
}

static void
pace(long long start, int i, int rate)
{
	long long	 due = start + (long long)i * 1000000 / rate, t = now_us();

	if (due > t)
		usleep((useconds_t)(due - t));
}

/* A TCP connection to HOST:PORT with Nagle off, or -1. */
static int
dial(const char *host, int port)
{
	struct sockaddr_in	 sa;
	int			 fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Write one request and read its whole answer: the head, then
 * Content-Length bytes of body, or a chunked body up to its last chunk
 * (the body itself is thrown away). Returns the status, or -1 on a
 * broken connection or a head over 16 KiB.
 */
static int
roundtrip(int fd, const char *req, size_t len)
{
	char		 buf[16384], tail[16] = "", *e, *cl;
	size_t		 have = 0, hl, tl;
	long long	 left = -1;	/* body bytes due; -1: chunked */
	ssize_t		 r;
	int		 status;

	while (len > 0) {
		if ((r = write(fd, req, len)) <= 0)
			return -1;
		req += r;
		len -= (size_t)r;
	}
	for (;;) {
		if (have == sizeof(buf) - 1 ||
		    (r = read(fd, buf + have, sizeof(buf) - 1 - have)) <= 0)
			return -1;
		have += (size_t)r;
		buf[have] = '\0';
		if ((e = strstr(buf, "\r\n\r\n")) != NULL)
			break;
	}
	hl = (size_t)(e + 4 - buf);
	*e = '\0';
	status = have > 12 ? atoi(buf + 9) : -1;
	if ((cl = strcasestr(buf, "\r\ncontent-length:")) != NULL)
		left = strtoll(cl + 17, NULL, 10);
	else if (strcasestr(buf, "\r\ntransfer-encoding: chunked") == NULL)
		left = 0;
	for (;;) {
		/* buf[hl..have) is body just read. */
		if (left >= 0) {
			left -= (long long)(have - hl);
			if (left <= 0)
				return status;
		} else {
			/* Chunked: done when the body ends with 0 CRLF CRLF. */
			tl = strlen(tail);
			if (have - hl >= 5)
				memcpy(tail, buf + have - 5, 5), tail[5] = '\0';
			else {
				memcpy(tail + tl, buf + hl, have - hl);
				tail[tl + have - hl] = '\0';
				if (strlen(tail) > 5)
					memmove(tail, tail + strlen(tail) - 5, 6);
			}
			if (strcmp(tail, "0\r\n\r\n") == 0)
				return status;
		}
		hl = 0;
		if ((r = read(fd, buf, sizeof(buf))) <= 0)
			return -1;
		have = (size_t)r;
	}
}

static int
pub_api(const char *host, int port, int n, int rate)
{
	const char	*cookie = getenv("BENCH_COOKIE");
	char		 body[256], req[BODY_MAX];
	long long	 start, t;
	int		 fd, i, len, st;

	if (cookie == NULL || (fd = dial(host, port)) == -1) {
		fprintf(stderr, "publish: BENCH_COOKIE unset or %s:%d down\n",
		    host, port);
		return 1;
	}
	start = now_us();
	for (i = 0; i < n; i++) {
		pace(start, i, rate);
		t = now_us();
		len = snprintf(body, sizeof(body),
		    "{\"nom\":\"t_us=%lld\",\"prenom\":\"Banc %d\"}", t, i);
		len = snprintf(req, sizeof(req), "POST /api/utilisateurs HTTP/1.1\r\n"
		    "Host: %s:%d\r\nCookie: %s\r\nContent-Type: application/json\r\n"
		    "Content-Length: %d\r\n\r\n%s", host, port, cookie, len, body);
		if ((st = roundtrip(fd, req, (size_t)len)) != 201) {
			fprintf(stderr, "publish: POST /api/utilisateurs: %d\n", st);
			return 1;
		}
		if (ntook < (int)(sizeof(took) / sizeof(took[0])))
			took[ntook++] = now_us() - t;
	}
	close(fd);
	answers();
	return 0;
}

static int
pub_nchan(const char *host, int port, const char *path, int n, int rate,
    int size)
{
	char		 body[BODY_MAX], req[BODY_MAX + 512];
	long long	 start, t;
	int		 fd, i, len, st;

	if (size < 64 || size >= BODY_MAX || (fd = dial(host, port)) == -1) {
		fprintf(stderr, "publish: bad size or %s:%d down\n", host, port);
		return 1;
	}
	start = now_us();
	for (i = 0; i < n; i++) {
		pace(start, i, rate);
		/* The API's event has this shape; padded to the same size. */
		t = now_us();
		len = snprintf(body, sizeof(body), "{\"id\":%d,\"type\":"
		    "\"bench\",\"data\":{\"nom\":\"t_us=%lld\",\"pad\":\"",
		    i + 1, t);
		while (len < size - 3)
			body[len++] = 'x';
		len += snprintf(body + len, sizeof(body) - (size_t)len, "\"}}");
		len = snprintf(req, sizeof(req), "POST %s HTTP/1.1\r\nHost: %s\r\n"
		    "Content-Type: application/json\r\nContent-Length: %d\r\n"
		    "\r\n%s", path, host, len, body);
		if ((st = roundtrip(fd, req, (size_t)len)) < 200 || st > 299) {
			fprintf(stderr, "publish: nchan POST: %d\n", st);
			return 1;
		}
		if (ntook < (int)(sizeof(took) / sizeof(took[0])))
			took[ntook++] = now_us() - t;
	}
	close(fd);
	answers();
	return 0;
}

int
main(int argc, char *argv[])
{
	struct config	 cfg;
	char		 t[TICKET_MAX];

	log_init("bench-publish");
	if (argc == 6 && strcmp(argv[1], "api") == 0)
		return pub_api(argv[2], atoi(argv[3]), atoi(argv[4]),
		    atoi(argv[5]));
	if (argc == 8 && strcmp(argv[1], "nchan") == 0)
		return pub_nchan(argv[2], atoi(argv[3]), argv[4], atoi(argv[5]),
		    atoi(argv[6]), atoi(argv[7]));
	if (argc == 2 && strcmp(argv[1], "ticket") == 0) {
		if (config_load(&cfg) == -1 || crypto_init() == -1 ||
		    bench_ticket(&cfg, t) == -1)
			return 1;
		puts(t);
		return 0;
	}
	fprintf(stderr, "usage: publish ticket | api HOST PORT N RATE | "
	    "nchan HOST PORT PATH N RATE SIZE\n");
	return 2;
}
