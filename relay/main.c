/*
 * postes-relay - the doorbell to every pusher: ZeroMQ's own proxy.
 *
 * With one pusher the API PUSHes its doorbell straight to the pusher's
 * PULL intake. With several, a PUSH socket would deal each ring to one
 * of them only, so the API PUBlishes instead and this program fans the
 * rings out: zmq_proxy(3) between an XSUB socket bound on
 * POSTES_ZMQ_RELAY (every API host's PUB connects there) and an XPUB
 * socket bound on POSTES_ZMQ_RELAY_SUB (every pusher's SUB connects
 * there; XPUB passes their subscriptions up to the publishers). It
 * keeps no state, reads no database and never looks inside a message:
 * a ring only says "the outbox has new rows", each pusher validates it
 * and reads the outbox itself, and polls it every second anyway, so a
 * relay that is down or restarting costs at most a second of latency,
 * never an event.
 *
 * Closed to strangers exactly like the pusher's intake: by default both
 * endpoints are ipc:// in a 0700 directory of the state directory; on
 * tcp:// the relay is a CURVE server (POSTES_ZMQ_SERVER_SECRET) and its
 * ZAP handler (a thread, inproc://zeromq.zap.01; the rule is
 * shared/zap.c, the same as the pusher's intake) accepts only the public
 * keys listed in POSTES_ZMQ_CLIENTS (every API host and every pusher).
 * A ZAP domain is always set, so ZMTP/1.0 and 2.0 peers are refused, and
 * ZMQ_MAXMSGSIZE keeps messages small (1 KiB: it also bounds the CURVE
 * handshake, whose commands are up to ~300 bytes).
 *
 * SIGTERM or SIGINT, taken by sigwait in a thread of its own, shuts the
 * context down; zmq_proxy then returns and the program exits 0.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "config.h"
#include "log.h"
#include "zap.h"

#define RELAY_MSG_MAX	1024	/* libzmq applies it to the CURVE handshake
				   too (HELLO 200 B, INITIATE ~300 B): 64
				   would refuse every CURVE peer */
#define ZAP_DOMAIN	"postes-relay"

static struct config	 cfg;
static void		*zctx;
static struct zap	 zap_rule = { ZAP_DOMAIN, 0, { { 0 } }, 0 };

/* The 0700 directory of an ipc:// endpoint (tcp://: nothing). */
static int
ipc_dir(const char *ep)
{
	if (strncmp(ep, "ipc://", 6) != 0)
		return 0;
	return zap_ipc_dir(ep + 6);
}

/*
 * The ZAP thread (shared/zap.c holds the rule): runs until the context
 * is shut down.
 */
static void *
zap_main(void *arg)
{
	void		*zap = arg;
	char		 why[96];
	int		 r;
	unsigned long	 refused = 0;
	time_t		 last = 0, now;

	/* A stranger retrying in a loop must not fill the disk: at most one
	 * line every 10 s, with the count since the last one (as the
	 * pusher's intake does). */
	while ((r = zap_handle(&zap_rule, zap, 0, why, sizeof(why))) >= 0) {
		if (r != 0)
			continue;
		refused++;
		if ((now = time(NULL)) - last >= 10) {
			log_warn("peer refused (%s); %lu refusal(s) since the "
			    "last report", why, refused);
			refused = 0;
			last = now;
		}
	}
	zmq_close(zap);
	return NULL;
}

/* SIGTERM/SIGINT: shut the context down, which ends zmq_proxy. */
static void *
sig_main(void *arg)
{
	sigset_t	*set = arg;
	int		 sig;

	if (sigwait(set, &sig) == 0)
		log_info("signal %d: stopping", sig);
	zmq_ctx_shutdown(zctx);
	return NULL;
}

/* One side of the proxy: options, CURVE on tcp, bind. NULL on error. */
static void *
side(int type, const char *ep)
{
	int64_t		 max = RELAY_MSG_MAX;
	int		 one = 1, zero = 0, hwm = 100000;
	void		*s;

	if (ipc_dir(ep) == -1 || (s = zmq_socket(zctx, type)) == NULL)
		return NULL;
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof(hwm));
	if (zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max, sizeof(max)) != 0 ||
	    zmq_setsockopt(s, ZMQ_ZAP_DOMAIN, ZAP_DOMAIN,
	    strlen(ZAP_DOMAIN)) != 0 ||
	    (zap_rule.curve && (zmq_setsockopt(s, ZMQ_CURVE_SERVER, &one,
	    sizeof(one)) != 0 || zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY,
	    cfg.zmq_server_secret, 40) != 0)) ||
	    zmq_bind(s, ep) != 0) {
		log_err("%s: %s", ep, zmq_strerror(zmq_errno()));
		zmq_close(s);
		return NULL;
	}
	return s;
}

int
main(int argc, char *argv[])
{
	pthread_t	 zt, st;
	sigset_t	 set;
	void		*zap, *in, *out;
	int		 tcp_in, tcp_out, zero = 0;

	(void)argv;
	log_init("postes-relay");
	if (argc > 1) {
		fprintf(stderr, "usage: postes-relay (configuration from "
		    "POSTES_CONFIG and POSTES_* variables)\n");
		return 2;
	}
	if (config_load(&cfg) == -1)
		return 1;
	if ((cfg.zmq_relay[0] == '\0' && (size_t)snprintf(cfg.zmq_relay,
	    sizeof(cfg.zmq_relay), "ipc://%s/zmq/relay-in", cfg.var_dir) >=
	    sizeof(cfg.zmq_relay)) || (cfg.zmq_relay_sub[0] == '\0' &&
	    (size_t)snprintf(cfg.zmq_relay_sub, sizeof(cfg.zmq_relay_sub),
	    "ipc://%s/zmq/relay-out", cfg.var_dir) >=
	    sizeof(cfg.zmq_relay_sub))) {
		log_err("POSTES_VAR_DIR too long for the relay's paths");
		return 1;
	}
	tcp_in = strncmp(cfg.zmq_relay, "tcp://", 6) == 0;
	tcp_out = strncmp(cfg.zmq_relay_sub, "tcp://", 6) == 0;
	if ((!tcp_in && strncmp(cfg.zmq_relay, "ipc://", 6) != 0) ||
	    (!tcp_out && strncmp(cfg.zmq_relay_sub, "ipc://", 6) != 0)) {
		log_err("only ipc:// or tcp:// (with CURVE) endpoints");
		return 1;
	}
	/* One mechanism for both sides: the ZAP handler knows no socket. */
	if (tcp_in != tcp_out) {
		log_err("POSTES_ZMQ_RELAY and POSTES_ZMQ_RELAY_SUB must both "
		    "be ipc:// or both tcp://");
		return 1;
	}
	if ((zap_rule.curve = tcp_in)) {
		if (strlen(cfg.zmq_server_secret) != 40 ||
		    zap_parse_keys(&zap_rule, cfg.zmq_clients) == -1 ||
		    zap_rule.nkeys == 0) {
			log_err("tcp:// needs CURVE: POSTES_ZMQ_SERVER_SECRET "
			    "and POSTES_ZMQ_CLIENTS (postes-pusher keygen)");
			return 1;
		}
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((zctx = zmq_ctx_new()) == NULL ||
	    (zap = zmq_socket(zctx, ZMQ_REP)) == NULL ||
	    zmq_setsockopt(zap, ZMQ_LINGER, &zero, sizeof(zero)) != 0 ||
	    zmq_bind(zap, "inproc://zeromq.zap.01") != 0) {
		log_err("zmq: %s", zmq_strerror(zmq_errno()));
		return 1;
	}
	if (pthread_create(&zt, NULL, zap_main, zap) != 0)
		return 1;
	if ((in = side(ZMQ_XSUB, cfg.zmq_relay)) == NULL ||
	    (out = side(ZMQ_XPUB, cfg.zmq_relay_sub)) == NULL) {
		zmq_ctx_shutdown(zctx);
		pthread_join(zt, NULL);
		(void)zap_ctx_term(zctx, 2000);
		return 1;
	}
	if (pthread_create(&st, NULL, sig_main, &set) != 0)
		return 1;
	log_info("relaying %s (XSUB, API hosts) to %s (XPUB, pushers), %s",
	    cfg.zmq_relay, cfg.zmq_relay_sub, zap_rule.curve ?
	    "CURVE, listed keys only" : "0700 directory");

	/* Returns when the context is shut down (ETERM). */
	zmq_proxy(in, out, NULL);

	zmq_close(in);
	zmq_close(out);
	pthread_join(zt, NULL);
	pthread_cancel(st);
	pthread_join(st, NULL);
	(void)zap_ctx_term(zctx, 2000);
	return 0;
}
