/*
 * main.c - postes-pusher: start, route, stop.
 *
 * The HTTP side is one libmicrohttpd daemon with its own epoll thread.
 * Its limits are set explicitly (MHD's defaults, 1,020 connections and
 * a 32 KiB pool each, would cap and bloat us): the connection limit
 * from POSTES_PUSHER_MAX_CONN, a small pool per connection, and the
 * soft RLIMIT_NOFILE raised to the hard one.
 *
 * Routes are a static table read top to bottom; every route is GET.
 * The streams' sockets live in the I/O threads (io.c, one per core by
 * default); main.c wires the hub to the intake and the clock through
 * struct hub_hooks, so neither calls the other.
 * Stopping (SIGTERM, SIGINT) goes in the one order MHD accepts: stop
 * accepting, stop producing events, queue close frames and end SSE
 * bodies (which resumes every suspended connection), let the I/O
 * threads write them and give every socket back, and only then
 * MHD_stop_daemon.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <json-c/json.h>
#include <microhttpd.h>
#include <zmq.h>

#include "config.h"
#include "crypto.h"
#include "ev.h"
#include "log.h"
#include "timefmt.h"
#include "extern.h"

struct popts		 popts;
const struct config	*pcfg;
static struct config	 cfg;
static int		 stopping;

static int	route_health(struct MHD_Connection *, struct req *, const char *);
static int	route_metrics(struct MHD_Connection *, struct req *, const char *);
static int	route_ws(struct MHD_Connection *, struct req *, const char *);
static int	route_sse(struct MHD_Connection *, struct req *, const char *);

static const struct route {
	const char	*prefix;
	int		 exact;
	int		 (*fn)(struct MHD_Connection *, struct req *,
			    const char *);
} routes[] = {
	{ "/healthz", 1, route_health },
	{ "/metrics", 1, route_metrics },
	{ "/ws/", 0, route_ws },
	{ "/events/", 0, route_sse },
};

/* 1 when the peer is this host and no proxy speaks for someone else. */
static int
peer_loopback(struct MHD_Connection *conn)
{
	static const char *const fwd[] = { "X-Forwarded-For", "Forwarded",
	    "X-Real-IP" };
	const union MHD_ConnectionInfo	*ci;
	const struct sockaddr_in6	*s6;
	const struct sockaddr_in	*s4;
	size_t				 i;

	for (i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++)
		if (MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    fwd[i]) != NULL)
			return 0;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return 0;
	if (ci->client_addr->sa_family == AF_INET) {
		s4 = (const struct sockaddr_in *)(const void *)ci->client_addr;
		return (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
	}
	if (ci->client_addr->sa_family == AF_INET6) {
		s6 = (const struct sockaddr_in6 *)(const void *)ci->client_addr;
		return IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr) ||
		    (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) &&
		    s6->sin6_addr.s6_addr[12] == 127);
	}
	return 0;
}

/*
 * Who may read /healthz and /metrics (POSTES_PUSHER_HEALTH, a comma
 * list of "loopback", "staff", "any"; default "loopback,staff").
 * Refused: 403, counted.
 */
static int
health_allowed(struct MHD_Connection *conn)
{
	struct authinfo	 ai;
	const char	*who = cfg.pusher_health;

	if (http_has_token(who, "any") ||
	    (http_has_token(who, "loopback") && peer_loopback(conn)))
		return 1;
	if (http_has_token(who, "staff")) {
		auth_request(conn, &ai);
		if (ai.res == AUTH_STAFF)
			return 1;
	}
	metric_inc(M_HEALTH_REFUSED);
	return 0;
}

static int
route_health(struct MHD_Connection *conn, struct req *r, const char *rest)
{
	char	*b;
	size_t	 len;
	int	 ok;

	(void)r;
	(void)rest;
	if (!health_allowed(conn))
		return http_error(conn, 403, "forbidden",
		    "loopback or staff only");
	if ((b = health_render(&len, &ok)) == NULL)
		return MHD_NO;
	return http_body(conn, ok ? 200 : 503, "application/json", b, len);
}

static int
route_metrics(struct MHD_Connection *conn, struct req *r, const char *rest)
{
	char	*b;
	size_t	 len;

	(void)r;
	(void)rest;
	if (!health_allowed(conn))
		return http_error(conn, 403, "forbidden",
		    "loopback or staff only");
	if ((b = metrics_render(&len)) == NULL)
		return MHD_NO;
	return http_body(conn, 200, "text/plain; version=0.0.4", b, len);
}

static int
route_ws(struct MHD_Connection *conn, struct req *r, const char *rest)
{
	return ws_handshake(conn, r, rest);
}

static int
route_sse(struct MHD_Connection *conn, struct req *r, const char *rest)
{
	return sse_request(conn, r, rest);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct req	*r = *con_cls;
	size_t		 i, plen;

	(void)cls;
	(void)upload_data;
	if (r == NULL) {
		if ((r = calloc(1, sizeof(*r))) == NULL)
			return MHD_NO;
		r->since = -1;
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0;	/* bodies are ignored */
		return MHD_YES;
	}
	if (__atomic_load_n(&stopping, __ATOMIC_ACQUIRE))
		return http_error(conn, 503, "stopping", "server stopping");
	r->http11 = strcmp(version, MHD_HTTP_VERSION_1_1) == 0;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return http_error(conn, 405, "method", "only GET");
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		plen = strlen(routes[i].prefix);
		if (routes[i].exact ? strcmp(url, routes[i].prefix) == 0 :
		    strncmp(url, routes[i].prefix, plen) == 0)
			return routes[i].fn(conn, r, url + plen);
	}
	return http_error(conn, 404, "not_found", "no such resource");
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct req	*r = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (r == NULL)
		return;
	if (r->sub != NULL) {
		pthread_mutex_lock(&hub_lock);
		sub_unref(r->sub);
		pthread_mutex_unlock(&hub_lock);
	}
	free(r);
	*con_cls = NULL;
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char	 buf[512];
	size_t	 n;

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	log_warn("mhd: %s", buf);
}

static void
raise_nofile(void)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit: %s", strerror(errno));
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)popts.max_conn + 64) {
		log_warn("open files limit %llu below max_conn %u: lowering",
		    (unsigned long long)rl.rlim_cur, popts.max_conn);
		popts.max_conn = rl.rlim_cur > 128 ?
		    (unsigned int)rl.rlim_cur - 64 : 64;
	}
}

/*
 * postes-pusher keygen: two CURVE key pairs for a TCP intake, as
 * configuration lines. The pusher keeps its secret key and the client's
 * public key; the API keeps the pusher's public key and its own pair.
 */
static int
keygen(void)
{
	char	 spub[41], ssec[41], cpub[41], csec[41];

	if (zmq_curve_keypair(spub, ssec) != 0 ||
	    zmq_curve_keypair(cpub, csec) != 0) {
		log_err("keygen: %s (libzmq without CURVE?)",
		    zmq_strerror(zmq_errno()));
		return 1;
	}
	printf("# pusher (keep secret)\nPOSTES_ZMQ_SERVER_SECRET='%s'\n"
	    "POSTES_ZMQ_CLIENTS='%s'\n"
	    "# API (keep secret)\nPOSTES_ZMQ_SERVER_PUBLIC='%s'\n"
	    "POSTES_ZMQ_CLIENT_PUBLIC='%s'\nPOSTES_ZMQ_CLIENT_SECRET='%s'\n",
	    ssec, cpub, spub, cpub, csec);
	explicit_bzero(ssec, sizeof(ssec));
	explicit_bzero(csec, sizeof(csec));
	return 0;
}

int
main(int argc, char *argv[])
{
	struct MHD_Daemon	*d;
	struct sockaddr_in	 sin;
	sigset_t		 set;
	const char		*bind_addr;
	static const struct hub_hooks hooks = { intake_poke, clock_wake };
	long			 n;
	int			 sig, i;
	MHD_socket		 lfd;

	log_init("postes-pusher");
	if (argc == 2 && strcmp(argv[1], "keygen") == 0)
		return keygen();
	if (argc > 1) {
		fprintf(stderr, "usage: postes-pusher [keygen] (configuration "
		    "from POSTES_CONFIG and POSTES_* variables)\n");
		return 2;
	}
	if (config_load(&cfg) == -1)
		return 1;
	pcfg = &cfg;
	if (crypto_init() == -1) {
		log_err("libsodium failed to initialise");
		return 1;
	}
	popts.max_conn = cfg.pusher_max_conn;
	popts.conn_memory = cfg.pusher_conn_memory;
	popts.sub_max_bytes = cfg.pusher_sub_max_bytes;
	popts.frame_max = cfg.pusher_frame_max;
	popts.keepalive = cfg.pusher_keepalive;
	popts.ring = cfg.pusher_ring;
	popts.replay_max = cfg.pusher_replay_max;
	popts.threads = cfg.pusher_threads;
	if (popts.threads == 0) {
		n = sysconf(_SC_NPROCESSORS_ONLN);
		popts.threads = n > 0 ? (unsigned int)n : 1;
	}
	raise_nofile();

	/* Every thread inherits this: signals are taken by sigwait below. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	metrics_start();
	hub_set_hooks(&hooks);
	if (hub_init() == -1 || auth_init() == -1 || sse_start() == -1 ||
	    ws_start() == -1 || io_start(popts.threads) == -1 ||
	    intake_start() == -1 || clock_start() == -1) {
		log_err("start failed");
		return 1;
	}

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)cfg.pusher_port);
	bind_addr = cfg.pusher_bind;
	if (inet_pton(AF_INET, bind_addr, &sin.sin_addr) != 1) {
		log_err("POSTES_PUSHER_BIND: not an IPv4 address: %s",
		    bind_addr);
		return 1;
	}
	d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD |
	    MHD_ALLOW_SUSPEND_RESUME | MHD_ALLOW_UPGRADE | MHD_USE_ERROR_LOG,
	    (uint16_t)cfg.pusher_port, NULL, NULL, on_request, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)popts.max_conn,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, popts.conn_memory,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)4096,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_END);
	if (d == NULL) {
		log_err("cannot listen on %s:%u", bind_addr, cfg.pusher_port);
		return 1;
	}
	log_info("listening on %s:%u, max %u connections, %zu bytes pool, "
	    "keep-alive %us, %u I/O threads", bind_addr, cfg.pusher_port,
	    popts.max_conn, popts.conn_memory, popts.keepalive, popts.threads);

	do {
		if (sigwait(&set, &sig) != 0)
			sig = SIGTERM;
	} while (sig != SIGTERM && sig != SIGINT);
	log_info("signal %d: stopping", sig);

	/* Stop accepting, stop producing, then close every subscriber. */
	__atomic_store_n(&stopping, 1, __ATOMIC_RELEASE);
	lfd = MHD_quiesce_daemon(d);
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	clock_stop();
	intake_stop();
	hub_kick_all(WS_CLOSE_GOING_AWAY, "server stopping");
	io_stop();
	/* SSE streams still in MHD's hands end there (their body ends). */
	for (i = 0; i < 40 && sse_count() > 0; i++) {
		hub_kick_all(WS_CLOSE_GOING_AWAY, "server stopping");
		usleep(50000);
	}
	if (sse_count() > 0)
		log_warn("%zu SSE connections still open at stop",
		    sse_count());
	MHD_stop_daemon(d);
	ws_free();
	sse_free_all();
	auth_free();
	hub_free();
	log_info("stopped");
	return 0;
}
