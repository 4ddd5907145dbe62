/*
 * main.c - postes-api: the FastCGI responder, and a few commands.
 *
 *	postes-api			serve FastCGI on fd 0 (lighttpd's bin-path)
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
 */
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

static void
handle(FCGX_Request *f, struct db *db, struct ev_pub *pub,
    const struct config *cfg)
{
	struct req r;
	int st;

	memset(&r, 0, sizeof(r));
	r.db = db;
	r.pub = pub;
	if ((st = http_parse(&r, f, cfg)) == 0)
		st = route(&r);
	/* A failed request leaves no transaction open behind it. */
	db_rollback(db);
	http_finish(&r, st);
	if (st >= 500)
		log_warn("%s %s -> %d", http_method_name(r.method), r.path, st);
	FCGX_Finish_r(f);
	ev_pub_send(pub, &r.evs);
	req_free(&r);
}

static int
serve(struct db *db, struct ev_pub *pub, const struct config *cfg)
{
	FCGX_Request f;

	if (FCGX_Init() != 0 || FCGX_InitRequest(&f, 0, 0) != 0) {
		log_err("FastCGI initialisation failed");
		return 1;
	}
	log_info("serving FastCGI (pid %d)", (int)getpid());
	while (FCGX_Accept_r(&f) >= 0)
		handle(&f, db, pub, cfg);
	return 0;
}

static int
sweep(struct db *db, struct ev_pub *pub, const struct config *cfg)
{
	struct ev_batch b = { { NULL }, 0 };
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

int
main(int argc, char *argv[])
{
	static struct config cfg;
	struct db *db = NULL;
	struct ev_pub *pub = NULL;
	const char *cmd = argc > 1 ? argv[1] : "serve";
	int rc = 1;

	signal(SIGPIPE, SIG_IGN);
	log_init("postes-api");
	if (config_load(&cfg) == -1 || crypto_init() == -1)
		return 1;
	if ((db = db_new(&cfg)) == NULL)
		return 1;
	/* Publishing is best effort: without ZeroMQ we still serve. */
	pub = ev_pub_open(cfg.zmq_endpoint);

	if (strcmp(cmd, "serve") == 0)
		rc = serve(db, pub, &cfg);
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
