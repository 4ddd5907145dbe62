/*
 * config.h - settings shared by fcgi-api, pusher and the CLI.
 *
 * One struct, filled once per process: defaults, then the file named by
 * POSTES_CONFIG (KEY=VALUE lines, '#' comments), then the secrets file
 * that file (or the environment) names in POSTES_SECRETS_FILE, then the
 * environment.
 * The environment wins so that lighttpd's bin-environment and tests can
 * override a single key without rewriting the file.
 */
#ifndef POSTES_CONFIG_H
#define POSTES_CONFIG_H

#include <stddef.h>

#define CONFIG_WARN_MAX 8

struct config {
	char		 db_socket[256];	/* POSTES_DB_SOCKET; wins over host */
	char		 db_host[128];		/* POSTES_DB_HOST */
	unsigned int	 db_port;		/* POSTES_DB_PORT */
	char		 db_hosts[512];		/* POSTES_DB_HOSTS: host[:port],...
						   tried in order; wins over
						   DB_HOST/DB_PORT */
	char		 db_user[64];		/* POSTES_DB_USER */
	char		 db_password[128];	/* POSTES_DB_PASSWORD */
	char		 db_name[64];		/* POSTES_DB_NAME */
	char		 zmq_endpoint[256];	/* POSTES_ZMQ_ENDPOINT; default
						   ipc://VAR_DIR/zmq/intake */
	char		 zmq_server_secret[48];	/* POSTES_ZMQ_SERVER_SECRET (pusher,
						   CURVE, Z85) */
	char		 zmq_server_public[48];	/* POSTES_ZMQ_SERVER_PUBLIC (API) */
	char		 zmq_client_secret[48];	/* POSTES_ZMQ_CLIENT_SECRET (API) */
	char		 zmq_client_public[48];	/* POSTES_ZMQ_CLIENT_PUBLIC (API) */
	char		 zmq_relay[256];	/* POSTES_ZMQ_RELAY: the relay's
						   XSUB side (API PUB connects,
						   postes-relay binds) */
	char		 zmq_relay_sub[256];	/* POSTES_ZMQ_RELAY_SUB: its XPUB
						   side (pusher SUB connects) */
	char		 zmq_clients[1024];	/* POSTES_ZMQ_CLIENTS: client public
						   keys the pusher accepts */
	unsigned int	 http_port;		/* POSTES_HTTP_PORT */
	unsigned int	 pusher_port;		/* POSTES_PUSHER_PORT */
	unsigned int	 pusher_max_conn;	/* POSTES_PUSHER_MAX_CONN */
	char		 pusher_bind[64];	/* POSTES_PUSHER_BIND, IPv4 */
	char		 pusher_health[64];	/* POSTES_PUSHER_HEALTH: who may
						   read /healthz, /metrics */
	unsigned int	 pusher_conn_memory;	/* POSTES_PUSHER_CONN_MEMORY, B */
	unsigned int	 pusher_sub_max_bytes;	/* POSTES_PUSHER_SUB_MAX_BYTES */
	unsigned int	 pusher_frame_max;	/* POSTES_PUSHER_FRAME_MAX, B */
	unsigned int	 pusher_keepalive;	/* POSTES_PUSHER_KEEPALIVE, s */
	unsigned int	 pusher_ring;		/* POSTES_PUSHER_RING, events */
	unsigned int	 pusher_replay_max;	/* POSTES_PUSHER_REPLAY_MAX */
	unsigned int	 pusher_threads;	/* POSTES_PUSHER_THREADS, 0: cores */
	unsigned int	 api_workers;		/* POSTES_API_WORKERS, 0: none */
	char		 origin[256];		/* POSTES_ORIGIN, allowed Origin */
	char		 secret[128];		/* POSTES_SECRET, HMAC key (hex) */
	int		 warn[CONFIG_WARN_MAX];	/* POSTES_WARN_THRESHOLDS, s, desc */
	size_t		 nwarn;
	int		 close_warn[CONFIG_WARN_MAX];	/* POSTES_CLOSE_WARN, s */
	size_t		 nclose_warn;
	char		 tz[64];		/* POSTES_TZ, the town hall's zone */
	unsigned int	 heartbeat_interval;	/* POSTES_HEARTBEAT_INTERVAL, s */
	unsigned int	 staff_session_ttl;	/* POSTES_STAFF_SESSION_TTL, s */
	unsigned int	 ticket_ttl;		/* POSTES_TICKET_TTL, s: cap */
	unsigned int	 max_body;		/* POSTES_MAX_BODY, bytes */
	int		 cookie_secure;		/* POSTES_COOKIE_SECURE=1 */
	char		 var_dir[256];		/* POSTES_VAR_DIR */
	char		 secrets_file[256];	/* POSTES_SECRETS_FILE */
	/* The desk (docs/admin.md): RGPD retention, reservations. */
	unsigned int	 retention_months;	/* POSTES_RETENTION_MONTHS */
	unsigned int	 resa_noshow;		/* POSTES_RESA_NOSHOW, s */
};

/*
 * Fill cfg. Returns 0, or -1 after logging what was wrong (unreadable
 * file, bad number). Unknown keys in the file are ignored with a warning
 * so that one file can carry settings for several programs.
 */
int	config_load(struct config *cfg);

/*
 * strtonum(3) for every program: the whole of s is a decimal number in
 * [min, max]. 0 with *out set, or -1.
 */
int	num_parse(const char *s, long long min, long long max, long long *out);

/*
 * The i-th database host to try (0 first): from POSTES_DB_HOSTS
 * ("db1:3306,db2,[::1]:3307"; a missing port is POSTES_DB_PORT), or
 * POSTES_DB_HOST/POSTES_DB_PORT alone when that list is empty.
 * 1 with host and *port set, 0 past the end, -1 if the list is
 * malformed (empty item, bad port, host too long).
 */
int	config_db_host(const struct config *cfg, size_t i, char *host,
	    size_t hostsz, unsigned int *port);
#define CONFIG_DB_HOSTS_MAX 16

/* Parse "300,60" into cfg->warn, sorted descending. 0 or -1. */
int	config_parse_warn(struct config *cfg, const char *s);
/* The same for any list of seconds: out[CONFIG_WARN_MAX], *n. */
int	config_parse_secs(const char *s, int *out, size_t *n);

#endif
