/*
 * dblag - Galera's replication lag as a reader sees it: write a row on
 * one node, then time how long until a plain read on each other node
 * sees it (capacity.sh builds and runs it on the loopback cluster).
 *
 *	dblag PORT_WRITER PORT_READER... COUNT PAUSE_MS
 *
 * All nodes on 127.0.0.1, as root without a password (the test's own
 * data directories). A table capbench.lag is made on the writer and
 * awaited on the readers. Then COUNT times: INSERT one row on the writer
 * (autocommit: the commit returns once the write-set is certified and
 * committed locally), then poll every reader with a prepared point
 * SELECT until each has it. A reader uses the default wsrep_sync_wait=0,
 * as the pushers do, so what is measured is the apply delay a pusher
 * reading another node lives with, plus one poll's round trip.
 *
 * Prints one line per column: "commit P50 P99 MAX" then "nodeN P50 P99
 * MAX" per reader, in microseconds. Exit 1 on a database error or a row
 * not seen within 10 s.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mysql.h>

#define READERS_MAX	4
#define SEEN_TIMEOUT_US	10000000

enum stmt { STMT_INSERT, STMT_SEEN, STMT__MAX };

static const char *const stmts[STMT__MAX] = {
	/* STMT_INSERT: on the writer */
	"INSERT INTO capbench.lag (id, t) VALUES (?, ?)",
	/* STMT_SEEN: on a reader */
	"SELECT COUNT(*) FROM capbench.lag WHERE id = ?",
};

struct node {
	int		 port;
	MYSQL		*db;
	MYSQL_STMT	*st;
	long long	 id;		/* bound parameter */
	long long	 t;		/* bound parameter (writer) */
	long long	 n;		/* bound result (reader) */
	int64_t		*lat;
};

static int64_t
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void
report(const char *name, int64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp64);
	printf("%s %lld %lld %lld\n", name, (long long)v[n / 2],
	    (long long)v[n * 99 / 100], (long long)v[n - 1]);
}

/*
 * Connect to a node and prepare its statement (bound to its fields);
 * quiet: say nothing on failure (the caller retries).
 */
static int
node_open(struct node *nd, enum stmt which, int quiet)
{
	MYSQL_BIND	 p[2], r[1];

	if ((nd->db = mysql_init(NULL)) == NULL ||
	    mysql_real_connect(nd->db, "127.0.0.1", "root", NULL, NULL,
	    (unsigned)nd->port, NULL, 0) == NULL) {
		if (!quiet)
			fprintf(stderr, "dblag: :%d: %s\n", nd->port,
		    nd->db ? mysql_error(nd->db) : "out of memory");
		return -1;
	}
	if (which == STMT__MAX)
		return 0;
	memset(p, 0, sizeof(p));
	memset(r, 0, sizeof(r));
	p[0].buffer_type = MYSQL_TYPE_LONGLONG;
	p[0].buffer = &nd->id;
	p[1].buffer_type = MYSQL_TYPE_LONGLONG;
	p[1].buffer = &nd->t;
	r[0].buffer_type = MYSQL_TYPE_LONGLONG;
	r[0].buffer = &nd->n;
	if ((nd->st = mysql_stmt_init(nd->db)) == NULL ||
	    mysql_stmt_prepare(nd->st, stmts[which],
	    strlen(stmts[which])) != 0 ||
	    mysql_stmt_bind_param(nd->st, p) != 0 ||
	    (which == STMT_SEEN && mysql_stmt_bind_result(nd->st, r) != 0)) {
		if (!quiet)
			fprintf(stderr, "dblag: :%d: %s\n", nd->port,
		    mysql_error(nd->db));
		return -1;
	}
	return 0;
}

/* 1 if the reader sees row id, 0 if not, -1 on error. */
static int
seen(struct node *nd, long long id)
{
	int	 rc;

	nd->id = id;
	nd->n = 0;
	if (mysql_stmt_execute(nd->st) != 0)
		return -1;
	rc = mysql_stmt_fetch(nd->st);
	mysql_stmt_free_result(nd->st);
	if (rc != 0 && rc != MYSQL_NO_DATA)
		return -1;
	return nd->n > 0;
}

int
main(int argc, char *argv[])
{
	struct node	 w, rd[READERS_MAX];
	int64_t		*commit, t0, t1, t;
	long		 count, pause_ms;
	int		 nr, i, left, s, rc = 1;
	long long	 k;
	char		 name[16];
	char		 done[READERS_MAX];

	nr = argc - 4;
	if (nr < 1 || nr > READERS_MAX) {
		fprintf(stderr, "usage: dblag PORT_WRITER PORT_READER... "
		    "COUNT PAUSE_MS\n");
		return 2;
	}
	count = atol(argv[argc - 2]);
	pause_ms = atol(argv[argc - 1]);
	if (count < 1 || count > 1000000 || pause_ms < 0)
		return 2;
	memset(&w, 0, sizeof(w));
	memset(rd, 0, sizeof(rd));
	w.port = atoi(argv[1]);

	/* The table, made on the writer, awaited on every reader. */
	if (node_open(&w, STMT__MAX, 0) == -1 ||
	    mysql_query(w.db, "CREATE DATABASE IF NOT EXISTS capbench") ||
	    mysql_query(w.db, "DROP TABLE IF EXISTS capbench.lag") ||
	    mysql_query(w.db, "CREATE TABLE capbench.lag (id BIGINT PRIMARY"
	    " KEY, t BIGINT NOT NULL) ENGINE=InnoDB")) {
		fprintf(stderr, "dblag: %s\n", mysql_error(w.db));
		return 1;
	}
	mysql_close(w.db);
	if (node_open(&w, STMT_INSERT, 0) == -1)
		return 1;
	for (i = 0; i < nr; i++) {
		rd[i].port = atoi(argv[2 + i]);
		for (t0 = now_us(); node_open(&rd[i], STMT_SEEN,
		    now_us() - t0 < SEEN_TIMEOUT_US) == -1;) {
			if (rd[i].st != NULL)
				mysql_stmt_close(rd[i].st);
			rd[i].st = NULL;
			if (rd[i].db != NULL)
				mysql_close(rd[i].db);
			if (now_us() - t0 > SEEN_TIMEOUT_US)
				return 1;
			nanosleep(&(struct timespec){ 0, 50000000 }, NULL);
		}
		if ((rd[i].lat = calloc((size_t)count, sizeof(int64_t))) == NULL)
			return 1;
	}
	if ((commit = calloc((size_t)count, sizeof(int64_t))) == NULL)
		return 1;

	for (k = 0; k < count; k++) {
		w.id = k + 1;
		w.t = t0 = now_us();
		if (mysql_stmt_execute(w.st) != 0) {
			fprintf(stderr, "dblag: insert: %s\n",
			    mysql_stmt_error(w.st));
			goto out;
		}
		t1 = now_us();
		commit[k] = t1 - t0;
		memset(done, 0, sizeof(done));
		for (left = nr; left > 0;) {
			for (i = 0; i < nr; i++) {
				if (done[i])
					continue;
				if ((s = seen(&rd[i], k + 1)) == -1) {
					fprintf(stderr, "dblag: :%d: %s\n",
					    rd[i].port, mysql_stmt_error(rd[i].st));
					goto out;
				}
				t = now_us();
				if (s) {
					rd[i].lat[k] = t - t1;
					done[i] = 1;
					left--;
				} else if (t - t1 > SEEN_TIMEOUT_US) {
					fprintf(stderr, "dblag: row %lld not on "
					    ":%d after 10 s\n", k + 1, rd[i].port);
					goto out;
				}
			}
		}
		if (pause_ms > 0)
			nanosleep(&(struct timespec){ pause_ms / 1000,
			    (pause_ms % 1000) * 1000000 }, NULL);
	}
	report("commit", commit, (size_t)count);
	for (i = 0; i < nr; i++) {
		snprintf(name, sizeof(name), ":%d", rd[i].port);
		report(name, rd[i].lat, (size_t)count);
	}
	rc = 0;
out:
	for (i = 0; i < nr; i++) {
		if (rd[i].st != NULL)
			mysql_stmt_close(rd[i].st);
		mysql_close(rd[i].db);
		free(rd[i].lat);
	}
	mysql_stmt_close(w.st);
	mysql_close(w.db);
	free(commit);
	return rc;
}
