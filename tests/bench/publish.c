/*
 * publish.c - the benchmark's publisher.
 *
 *	publish ticket			print a staff ticket for the pusher,
 *					bound to a staff session opened
 *					here for an hour (the pusher checks
 *					it on every connect)
 *	publish pusher N RATE		N events at RATE per second, the way
 *					the API does it: outbox row committed
 *					(ev_record), then ZeroMQ (ev_pub_send)
 *	publish nchan HOST PORT PATH N RATE
 *					N HTTP POSTs to Nchan's publisher
 *
 * Each message carries "t_us", the publish time in microseconds
 * (CLOCK_REALTIME), taken before the write: for the pusher the latency
 * measured includes the database commit, as it would in production.
 * Configuration (database, secret, ZeroMQ endpoint) from config_load().
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "config.h"
#include "crypto.h"
#include "db.h"
#include "ev.h"
#include "log.h"

enum stmt { STMT_SESSION, STMT_STAFF, STMT__MAX };

static const char *const stmts[STMT__MAX] = {
	[STMT_SESSION] = "INSERT INTO staff_sessions (token_hash, staff_id, "
	    "expires_at) SELECT ?, MIN(id), UTC_TIMESTAMP(3) + INTERVAL 1 HOUR "
	    "FROM staff WHERE actif = 1",
	[STMT_STAFF] = "SELECT staff_id FROM staff_sessions WHERE id = ?",
};

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

static void
pace(long long start, int i, int rate)
{
	long long	 due = start + (long long)i * 1000000 / rate, t = now_us();

	if (due > t)
		usleep((useconds_t)(due - t));
}

static int
pub_pusher(const struct config *cfg, int n, int rate)
{
	struct db		*db;
	struct ev_pub		*pub;
	struct ev_batch		 b;
	struct json_object	*d;
	long long		 start;
	int			 i;

	memset(&b, 0, sizeof(b));
	if ((db = db_new(cfg)) == NULL ||
	    (pub = ev_pub_open(cfg)) == NULL)
		return 1;
	usleep(300000);		/* let the PUSH socket connect */
	start = now_us();
	for (i = 0; i < n; i++) {
		pace(start, i, rate);
		d = json_object_new_object();
		json_object_object_add(d, "bench", json_object_new_int(i));
		json_object_object_add(d, "t_us", json_object_new_int64(now_us()));
		if (db_begin(db) != DB_OK ||
		    ev_record(db, &b, EV_POSTE_UPDATED, 0, 0, d) != DB_OK ||
		    db_commit(db) != DB_OK) {
			fprintf(stderr, "publish: %s\n", db_errstr(db));
			db_rollback(db);
			json_object_put(d);
			return 1;
		}
		json_object_put(d);
		ev_pub_send(pub, &b);
	}
	usleep(200000);
	ev_pub_close(pub);
	db_free(db);
	return 0;
}

static int
pub_nchan(const char *host, int port, const char *path, int n, int rate)
{
	struct sockaddr_in	 sa;
	char			 body[256], req[1024], resp[4096];
	long long		 start;
	int			 fd, i, len, one = 1;
	ssize_t			 r;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, host, &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		return 1;
	start = now_us();
	for (i = 0; i < n; i++) {
		pace(start, i, rate);
		/* About the size of one of our events on the wire. */
		len = snprintf(body, sizeof(body), "{\"id\":%d,\"type\":"
		    "\"poste_updated\",\"timestamp\":\"2026-01-01T00:00:00Z\","
		    "\"session_id\":null,\"poste_id\":null,\"data\":{\"bench\":%d,"
		    "\"t_us\":%lld}}", i + 1, i, now_us());
		snprintf(req, sizeof(req), "POST %s HTTP/1.1\r\nHost: %s\r\n"
		    "Content-Type: application/json\r\nContent-Length: %d\r\n"
		    "\r\n%s", path, host, len, body);
		if (write(fd, req, strlen(req)) < 0)
			return 1;
		if ((r = read(fd, resp, sizeof(resp) - 1)) <= 0)
			return 1;
		resp[r] = '\0';
		if (strncmp(resp + 9, "20", 2) != 0) {
			fprintf(stderr, "nchan: %.80s\n", resp);
			return 1;
		}
	}
	close(fd);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct config	 cfg;
	char		 t[TICKET_MAX];

	log_init("bench-publish");
	if (argc < 2 || config_load(&cfg) == -1 || crypto_init() == -1) {
		fprintf(stderr, "usage: publish ticket | pusher N RATE | "
		    "nchan HOST PORT PATH N RATE\n");
		return 2;
	}
	if (strcmp(argv[1], "ticket") == 0) {
		if (bench_ticket(&cfg, t) == -1)
			return 1;
		puts(t);
		return 0;
	}
	if (strcmp(argv[1], "pusher") == 0 && argc == 4)
		return pub_pusher(&cfg, atoi(argv[2]), atoi(argv[3]));
	if (strcmp(argv[1], "nchan") == 0 && argc == 7)
		return pub_nchan(argv[2], atoi(argv[3]), argv[4], atoi(argv[5]),
		    atoi(argv[6]));
	fprintf(stderr, "publish: bad arguments\n");
	return 2;
}
