/*
 * main.c - postes-api: the FastCGI responder, a plain CGI program, and a
 * few commands.
 *
 *	postes-api			serve FastCGI on fd 0 (lighttpd's bin-path,
 *					spawn-fcgi, mod_fcgid, systemd's socket;
 *					POSTES_API_WORKERS processes, workers.c),
 *					or one request as plain CGI (see below)
 *	postes-api bootstrap-admin	create the first admin if none exists
 *	postes-api sweep		apply what time decided (cron fallback
 *					when the pusher is down)
 *	postes-api demo			load demonstration data into an empty DB
 *	postes-api demo-stats N		add N past sessions (a year of history)
 *
 * The responder is stateless between requests: it keeps only a database
 * connection with its prepared statements and a ZeroMQ PUSH socket, both
 * per process and both re-established when lost. Each request is parsed,
 * routed, answered, then its committed events are published (after the
 * answer is flushed, so a slow pusher never delays a reply).
 *
 * Started by a web server as plain CGI (GATEWAY_INTERFACE set and fd 0
 * not a FastCGI listening socket), the program answers the one request
 * of its environment and stdin, through the same parser, router and
 * writer, and exits. Its arguments are then ignored: a server may make
 * argv from a query string without '=', and a visitor must never reach
 * the commands.
 */
#include <sys/socket.h>

#include <assert.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <json-c/json.h>

#include "config.h"
#include "crypto.h"
#include "log.h"
#include "sweep.h"
#include "extern.h"

/*
 * Answer one request read through io, then call end (which must make the
 * answer leave: the client is not kept waiting for what follows), then
 * publish the events the request committed.
 */
static void
handle(const struct http_io *io, void (*end)(void *), struct db *db,
    struct ev_pub *pub, const struct config *cfg)
{
	struct req r;
	int st;

	memset(&r, 0, sizeof(r));
	r.db = db;
	r.pub = pub;
	if ((st = http_parse(&r, io, cfg)) == 0)
		st = route(&r);
	/* A failed request leaves no transaction open behind it. */
	db_rollback(db);
	http_finish(&r, st);
	if (st >= 500)
		log_warn("%s %s -> %d", http_method_name(r.method), r.path, st);
	end(io->arg);
	ev_pub_send(pub, &r.evs);
	req_free(&r);
}

/* FastCGI: the request's own streams. -------------------------------- */

static size_t
fcgi_read(void *arg, char *buf, size_t n)
{
	FCGX_Request *f = arg;
	int got;

	assert(n <= INT_MAX);
	got = FCGX_GetStr(buf, (int)n, f->in);
	return got > 0 ? (size_t)got : 0;
}

static void
fcgi_write(void *arg, const char *buf, size_t n)
{
	FCGX_Request *f = arg;

	assert(n <= INT_MAX);
	FCGX_PutStr(buf, (int)n, f->out);
}

static void
fcgi_end(void *arg)
{
	FCGX_Finish_r(arg);
}

static int
serve_fcgi(struct db *db, struct ev_pub *pub, const struct config *cfg)
{
	FCGX_Request f;
	struct http_io io = { NULL, fcgi_read, fcgi_write, &f };

	if (FCGX_Init() != 0 || FCGX_InitRequest(&f, 0, 0) != 0) {
		log_err("FastCGI initialisation failed");
		return 1;
	}
	log_info("serving FastCGI (pid %d)", (int)getpid());
	while (FCGX_Accept_r(&f) >= 0) {
		io.envp = f.envp;
		handle(&io, fcgi_end, db, pub, cfg);
	}
	return 0;
}

/* Plain CGI: the process's environment, stdin and stdout. ------------ */

/* What is left of the body on stdin (CONTENT_LENGTH less what was read). */
struct cgi_in {
	long long	 left;
};

#define CGI_DRAIN_MAX	(64LL << 20)

static size_t
cgi_read(void *arg, char *buf, size_t n)
{
	struct cgi_in *in = arg;
	size_t got = fread(buf, 1, n, stdin);

	in->left -= (long long)got;
	return got;
}

static void
cgi_write(void *arg, const char *buf, size_t n)
{
	(void)arg;
	fwrite(buf, 1, n, stdout);
}

/*
 * The answer is complete: flush it and let the server see its end.
 * A body the program refused unread (413, or refused before its parse) is
 * read and dropped first, up to 64 MiB: the server writes the whole body
 * to a CGI before it reads the answer, and a CGI gone before that breaks
 * the connection instead of delivering the refusal. Under mod_cgid stdin
 * and stdout are one socket, so closing fd 1 alone would not end the
 * answer: shut its writing side, then put /dev/null on both.
 */
static void
cgi_end(void *arg)
{
	struct cgi_in *in = arg;
	char buf[65536];
	size_t got;
	int fd;

	fflush(stdout);
	if (in != NULL && in->left <= CGI_DRAIN_MAX)
		while (in->left > 0 && (got = fread(buf, 1, (size_t)(in->left <
		    (long long)sizeof(buf) ? in->left : (long long)sizeof(buf)),
		    stdin)) > 0)
			in->left -= (long long)got;
	shutdown(STDOUT_FILENO, SHUT_WR);	/* ENOTSOCK on a pipe: fine */
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
}

/* The declared body length of this CGI request (0 when absent or bad). */
static struct cgi_in
cgi_in_new(void)
{
	struct cgi_in in = { 0 };
	const char *cl = getenv("CONTENT_LENGTH");

	if (cl == NULL || num_parse(cl, 0, 1LL << 40, &in.left) == -1)
		in.left = 0;
	return in;
}

/* Started by a web server as plain CGI, not as a FastCGI application? */
static int
is_plain_cgi(void)
{
	return getenv("GATEWAY_INTERFACE") != NULL && FCGX_IsCGI();
}

static int
serve_cgi(struct db *db, struct ev_pub *pub, const struct config *cfg)
{
	struct cgi_in in = cgi_in_new();
	struct http_io io = { environ, cgi_read, cgi_write, &in };

	handle(&io, cgi_end, db, pub, cfg);
	return 0;
}

/*
 * Plain CGI that cannot start (configuration unreadable or invalid, see
 * the log): the client still gets the API's JSON error, through the one
 * writer, not the web server's HTML page about a script without headers.
 */
static int
cgi_unavailable(void)
{
	struct cgi_in in = cgi_in_new();
	struct http_io io = { environ, cgi_read, cgi_write, &in };
	struct req r;

	memset(&r, 0, sizeof(r));
	r.io = &io;
	r.retry_after = 30;
	http_finish(&r, http_error(&r, 503, "unavailable",
	    "Service indisponible : configuration du serveur invalide"));
	req_free(&r);
	cgi_end(&in);
	return 1;
}

static int
sweep(struct db *db, struct ev_pub *pub, const struct config *cfg)
{
	struct ev_batch b = { { NULL }, 0, 0 };
	struct sweep sw = { cfg, 0, 0 };
	int n, total = 0;

	while ((n = sweep_run(db, &sw, &b, pub)) > 0) {
		total += n;
		ev_pub_send(pub, &b);
	}
	ev_pub_send(pub, &b);
	printf("%d change(s)\n", total);
	return n < 0 ? 1 : 0;
}

/*
 * The database connection (opened on first use) and the doorbell of one
 * process. Publishing is best effort: without ZeroMQ we still serve. An
 * empty endpoint (POSTES_ZMQ_ENDPOINT=none) means that no pusher runs.
 */
static struct db *
conns_open(const struct config *cfg, struct ev_pub **pub)
{
	*pub = NULL;
	if (cfg->zmq_endpoint[0] != '\0')
		*pub = ev_pub_open(cfg);
	return db_new(cfg);
}

/* One FastCGI responder (a worker, or the process itself). */
static int
serve_worker(void *arg)
{
	const struct config *cfg = arg;
	struct ev_pub *pub;
	struct db *db = conns_open(cfg, &pub);
	int rc = db == NULL ? 1 : serve_fcgi(db, pub, cfg);

	ev_pub_close(pub);
	db_free(db);
	return rc;
}

int
main(int argc, char *argv[])
{
	static struct config cfg;
	struct db *db = NULL;
	struct ev_pub *pub = NULL;
	const char *cmd = argc > 1 ? argv[1] : "serve";
	int rc = 1, cgi;

	signal(SIGPIPE, SIG_IGN);
	log_init("postes-api");
	cgi = is_plain_cgi();	/* then argv is ignored (see above) */
	if (config_load(&cfg) == -1 || crypto_init() == -1)
		return cgi ? cgi_unavailable() : 1;
	/* Workers fork before any connection or ZeroMQ context exists. */
	if (!cgi && strcmp(cmd, "serve") == 0)
		return cfg.api_workers > 0 ? workers_run(cfg.api_workers,
		    serve_worker, &cfg) : serve_worker(&cfg);
	if ((db = conns_open(&cfg, &pub)) == NULL) {
		ev_pub_close(pub);
		return 1;
	}

	if (cgi)
		rc = serve_cgi(db, pub, &cfg);
	else if (strcmp(cmd, "bootstrap-admin") == 0)
		rc = staff_bootstrap_admin(db, &cfg) == 0 ? 0 : 1;
	else if (strcmp(cmd, "sweep") == 0)
		rc = sweep(db, pub, &cfg);
	else if (strcmp(cmd, "demo") == 0)
		rc = demo_load(db, &cfg) == 0 ? 0 : 1;
	else if (strcmp(cmd, "demo-stats") == 0 && argc == 3)
		rc = demo_stats(db, argv[2]) == 0 ? 0 : 1;
	else
		fprintf(stderr, "usage: postes-api [serve|bootstrap-admin|"
		    "sweep|demo|demo-stats N]\n");
	ev_pub_close(pub);
	db_free(db);
	return rc;
}
