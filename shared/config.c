/*
 * config.c - settings: defaults, then the POSTES_CONFIG file, then the
 * secrets file it names (POSTES_SECRETS_FILE), then the environment.
 *
 * Every key is one row of a table giving its name, where it lives in
 * struct config and how it is validated, so the file reader and the
 * environment reader share one setter and a new key is one line. A bad
 * value is an error, never silently truncated or clamped: a typo in a
 * port must stop the program at start, not bind somewhere else.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "log.h"

#define DEFAULT_ORIGIN	"http://127.0.0.1:8080"
#define DEFAULT_HTTP	8080
#define WARN_SEC_MAX	86400

enum ckind { C_STR, C_UINT, C_INT, C_WARN, C_CLOSE_WARN };

struct ckey {
	const char	*name;		/* without the POSTES_ prefix */
	enum ckind	 kind;
	size_t		 off;
	size_t		 size;		/* C_STR: buffer size */
	long long	 min, max;	/* C_UINT, C_INT */
};

#define STR(n, f)	{ n, C_STR, offsetof(struct config, f), \
			  sizeof(((struct config *)0)->f), 0, 0 }
#define UINT(n, f, lo, hi) { n, C_UINT, offsetof(struct config, f), 0, lo, hi }
#define INT(n, f, lo, hi) { n, C_INT, offsetof(struct config, f), 0, lo, hi }

static const struct ckey ckeys[] = {
	STR("DB_SOCKET", db_socket),
	STR("DB_HOST", db_host),
	UINT("DB_PORT", db_port, 1, 65535),
	STR("DB_HOSTS", db_hosts),
	STR("DB_USER", db_user),
	STR("DB_PASSWORD", db_password),
	STR("DB_NAME", db_name),
	STR("ZMQ_ENDPOINT", zmq_endpoint),
	STR("ZMQ_SERVER_SECRET", zmq_server_secret),
	STR("ZMQ_SERVER_PUBLIC", zmq_server_public),
	STR("ZMQ_CLIENT_SECRET", zmq_client_secret),
	STR("ZMQ_CLIENT_PUBLIC", zmq_client_public),
	STR("ZMQ_CLIENTS", zmq_clients),
	STR("ZMQ_RELAY", zmq_relay),
	STR("ZMQ_RELAY_SUB", zmq_relay_sub),
	UINT("HTTP_PORT", http_port, 1, 65535),
	UINT("PUSHER_PORT", pusher_port, 1, 65535),
	UINT("PUSHER_MAX_CONN", pusher_max_conn, 1, 1000000),
	STR("PUSHER_BIND", pusher_bind),
	STR("PUSHER_HEALTH", pusher_health),
	UINT("PUSHER_CONN_MEMORY", pusher_conn_memory, 2048, 1048576),
	UINT("PUSHER_SUB_MAX_BYTES", pusher_sub_max_bytes, 4096, 67108864),
	UINT("PUSHER_FRAME_MAX", pusher_frame_max, 125, 1048576),
	UINT("PUSHER_KEEPALIVE", pusher_keepalive, 0, 3600),
	UINT("PUSHER_RING", pusher_ring, 16, 1000000),
	UINT("PUSHER_REPLAY_MAX", pusher_replay_max, 1, 1000000),
	UINT("PUSHER_THREADS", pusher_threads, 0, 256),
	UINT("API_WORKERS", api_workers, 0, 64),
	STR("ORIGIN", origin),
	STR("SECRET", secret),
	{ "WARN_THRESHOLDS", C_WARN, 0, 0, 0, 0 },
	{ "CLOSE_WARN", C_CLOSE_WARN, 0, 0, 0, 0 },
	STR("TZ", tz),
	UINT("HEARTBEAT_INTERVAL", heartbeat_interval, 1, 3600),
	UINT("STAFF_SESSION_TTL", staff_session_ttl, 60, 31536000),
	UINT("TICKET_TTL", ticket_ttl, 10, 31536000),
	UINT("MAX_BODY", max_body, 1024, 64 * 1024 * 1024),
	INT("COOKIE_SECURE", cookie_secure, 0, 1),
	STR("VAR_DIR", var_dir),
	STR("SECRETS_FILE", secrets_file),
	UINT("RETENTION_MONTHS", retention_months, 1, 120),
	UINT("RESA_NOSHOW", resa_noshow, 60, 14400),
};

#define NCKEYS	(sizeof(ckeys) / sizeof(ckeys[0]))

/*
 * strtonum(3): the whole of s is a decimal number in [min, max].
 * 0 with *out set, or -1 (empty, garbage, sign where none is allowed,
 * out of range).
 */
int
num_parse(const char *s, long long min, long long max, long long *out)
{
	char		*end;
	long long	 v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
cmp_desc(const void *a, const void *b)
{
	int	 x = *(const int *)a, y = *(const int *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * Parse "300, 60" into cfg->warn: each item 1..WARN_SEC_MAX seconds,
 * at most CONFIG_WARN_MAX items, stored sorted descending without
 * duplicates. An empty string means no warnings. cfg is untouched on
 * error. 0, or -1.
 */
int
config_parse_warn(struct config *cfg, const char *s)
{
	return config_parse_secs(s, cfg->warn, &cfg->nwarn);
}

/* The same list into w[CONFIG_WARN_MAX] and *nw (closing warnings). */
int
config_parse_secs(const char *s, int *out, size_t *nout)
{
	int		 w[CONFIG_WARN_MAX];
	char		 item[32];
	const char	*p, *e, *q;
	size_t		 n = 0, i, j, len;
	long long	 v;

	if (s == NULL)
		return -1;
	for (p = s; isspace((unsigned char)*p); p++)
		continue;
	if (*p == '\0') {
		*nout = 0;
		return 0;
	}
	for (p = s; ; p = e + 1) {
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		for (; p < e && isspace((unsigned char)*p); p++)
			continue;
		for (q = e; q > p && isspace((unsigned char)q[-1]); q--)
			continue;
		len = (size_t)(q - p);
		if (len == 0 || len >= sizeof(item) || n == CONFIG_WARN_MAX)
			return -1;
		memcpy(item, p, len);
		item[len] = '\0';
		if (num_parse(item, 1, WARN_SEC_MAX, &v) == -1)
			return -1;
		w[n++] = (int)v;
		if (*e == '\0')
			break;
	}
	qsort(w, n, sizeof(w[0]), cmp_desc);
	for (i = j = 0; i < n; i++)
		if (j == 0 || w[j - 1] != w[i])
			w[j++] = w[i];
	memcpy(out, w, j * sizeof(w[0]));
	*nout = j;
	return 0;
}

int
config_db_host(const struct config *cfg, size_t i, char *host,
    size_t hostsz, unsigned int *port)
{
	const char	*p, *e, *q, *colon, *hend;
	char		 num[8];
	size_t		 n = 0, len;
	long long	 v;

	for (p = cfg->db_hosts; isspace((unsigned char)*p); p++)
		continue;
	if (*p == '\0') {
		if (i > 0)
			return 0;
		if (strlen(cfg->db_host) >= hostsz)
			return -1;
		memcpy(host, cfg->db_host, strlen(cfg->db_host) + 1);
		*port = cfg->db_port;
		return 1;
	}
	for (;; p = e + 1, n++) {
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		for (; p < e && isspace((unsigned char)*p); p++)
			continue;
		for (q = e; q > p && isspace((unsigned char)q[-1]); q--)
			continue;
		if (q == p || n == CONFIG_DB_HOSTS_MAX)
			return -1;
		/* [v6]:port, host:port or host */
		if (*p == '[') {
			if ((hend = memchr(p, ']', (size_t)(q - p))) == NULL)
				return -1;
			colon = hend + 1 < q ? hend + 1 : NULL;
			if (colon != NULL && *colon != ':')
				return -1;
			p++;
		} else {
			colon = memchr(p, ':', (size_t)(q - p));
			hend = colon != NULL ? colon : q;
		}
		len = (size_t)(hend - p);
		if (len == 0 || len >= hostsz)
			return -1;
		v = cfg->db_port;
		if (colon != NULL) {
			if ((size_t)(q - colon - 1) >= sizeof(num))
				return -1;
			memcpy(num, colon + 1, (size_t)(q - colon - 1));
			num[q - colon - 1] = '\0';
			if (num_parse(num, 1, 65535, &v) == -1)
				return -1;
		}
		if (n == i) {
			memcpy(host, p, len);
			host[len] = '\0';
			*port = (unsigned int)v;
			return 1;
		}
		if (*e == '\0')
			return 0;
	}
}

static const struct ckey *
ckey_find(const char *name)
{
	size_t	 i;

	if (strncmp(name, "POSTES_", 7) == 0)
		name += 7;
	for (i = 0; i < NCKEYS; i++)
		if (strcmp(ckeys[i].name, name) == 0)
			return &ckeys[i];
	return NULL;
}

/* Validate val and store it into cfg. 0, or -1 after logging. */
static int
ckey_set(struct config *cfg, const struct ckey *k, const char *val,
    const char *where)
{
	char		*base = (char *)cfg;
	long long	 v;

	switch (k->kind) {
	case C_STR:
		if (strlen(val) >= k->size) {
			log_err("%s: POSTES_%s: value too long (max %zu)",
			    where, k->name, k->size - 1);
			return -1;
		}
		memcpy(base + k->off, val, strlen(val) + 1);
		return 0;
	case C_UINT:
	case C_INT:
		if (num_parse(val, k->min, k->max, &v) == -1) {
			log_err("%s: POSTES_%s: expected a number in "
			    "%lld..%lld", where, k->name, k->min, k->max);
			return -1;
		}
		if (k->kind == C_UINT)
			*(unsigned int *)(void *)(base + k->off) =
			    (unsigned int)v;
		else
			*(int *)(void *)(base + k->off) = (int)v;
		return 0;
	case C_WARN:
		if (config_parse_warn(cfg, val) == -1) {
			log_err("%s: POSTES_%s: expected up to %d comma-"
			    "separated seconds in 1..%d", where, k->name,
			    CONFIG_WARN_MAX, WARN_SEC_MAX);
			return -1;
		}
		return 0;
	case C_CLOSE_WARN:
		if (config_parse_secs(val, cfg->close_warn,
		    &cfg->nclose_warn) == -1) {
			log_err("%s: POSTES_%s: expected up to %d comma-"
			    "separated seconds in 1..%d", where, k->name,
			    CONFIG_WARN_MAX, WARN_SEC_MAX);
			return -1;
		}
		return 0;
	}
	return -1;
}

static void
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->db_host, sizeof(cfg->db_host), "127.0.0.1");
	cfg->db_port = 3306;
	snprintf(cfg->db_user, sizeof(cfg->db_user), "postes");
	snprintf(cfg->db_name, sizeof(cfg->db_name), "postes");
	cfg->http_port = DEFAULT_HTTP;
	cfg->pusher_port = 8081;
	cfg->pusher_max_conn = 16000;
	snprintf(cfg->pusher_bind, sizeof(cfg->pusher_bind), "127.0.0.1");
	snprintf(cfg->pusher_health, sizeof(cfg->pusher_health),
	    "loopback,staff");
	cfg->pusher_conn_memory = 4096;
	cfg->pusher_sub_max_bytes = 262144;
	cfg->pusher_frame_max = 16384;
	cfg->pusher_keepalive = 15;
	cfg->pusher_ring = 10000;
	cfg->pusher_replay_max = 10000;
	cfg->pusher_threads = 0;		/* 0: one per core */
	cfg->api_workers = 0;		/* 0: serve here, the front spawns */
	snprintf(cfg->origin, sizeof(cfg->origin), DEFAULT_ORIGIN);
	cfg->warn[0] = 300;
	cfg->warn[1] = 60;
	cfg->nwarn = 2;
	cfg->close_warn[0] = 900;
	cfg->close_warn[1] = 300;
	cfg->nclose_warn = 2;
	snprintf(cfg->tz, sizeof(cfg->tz), "Europe/Paris");
	cfg->heartbeat_interval = 30;
	cfg->staff_session_ttl = 43200;
	cfg->ticket_ttl = 43200;
	cfg->max_body = 65536;
	cfg->cookie_secure = 0;
	snprintf(cfg->var_dir, sizeof(cfg->var_dir), "var");
	cfg->retention_months = 12;
	cfg->resa_noshow = 900;
}

/*
 * Read KEY=VALUE lines from path. Blank lines and lines starting with
 * '#' are skipped, whitespace around key and value is dropped, and a
 * value wrapped in matching single or double quotes is unwrapped. Keys
 * may carry the POSTES_ prefix or not; unknown keys only warn.
 * 0, or -1 after logging.
 */
static int
config_file(struct config *cfg, const char *path)
{
	FILE		*f;
	char		*line = NULL, *key, *val, *eq, *end, where[300];
	size_t		 cap = 0, lineno = 0, vlen;
	const struct ckey *k;
	int		 rc = -1;

	if ((f = fopen(path, "r")) == NULL) {
		log_err("%s: %s", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) != -1) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%zu", path, lineno);
		for (key = line; isspace((unsigned char)*key); key++)
			continue;
		if (*key == '\0' || *key == '#')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			log_err("%s: expected KEY=VALUE", where);
			goto out;
		}
		for (end = eq; end > key && isspace((unsigned char)end[-1]);
		    end--)
			continue;
		*end = '\0';
		for (val = eq + 1; isspace((unsigned char)*val); val++)
			continue;
		vlen = strlen(val);
		while (vlen > 0 && isspace((unsigned char)val[vlen - 1]))
			val[--vlen] = '\0';
		if (vlen >= 2 && (val[0] == '"' || val[0] == '\'') &&
		    val[vlen - 1] == val[0]) {
			val[vlen - 1] = '\0';
			val++;
		}
		if ((k = ckey_find(key)) == NULL) {
			log_warn("%s: unknown key %s ignored", where, key);
			continue;
		}
		if (ckey_set(cfg, k, val, where) == -1)
			goto out;
	}
	if (ferror(f)) {
		log_err("%s: read error", path);
		goto out;
	}
	rc = 0;
out:
	free(line);
	fclose(f);
	return rc;
}

int
config_load(struct config *cfg)
{
	char		 env[64];
	const char	*path, *val;
	size_t		 i;

	config_defaults(cfg);

	if ((path = getenv("POSTES_CONFIG")) != NULL && *path != '\0' &&
	    config_file(cfg, path) == -1)
		return -1;

	/*
	 * The passwords may live apart (an installed system keeps them in
	 * /etc/postes/secrets.conf, 0640 root:postes, the rest 0644). The
	 * environment may name that file too; the file is read once, and a
	 * SECRETS_FILE key inside it is not followed.
	 */
	if ((val = getenv("POSTES_SECRETS_FILE")) != NULL &&
	    ckey_set(cfg, ckey_find("SECRETS_FILE"), val, "environment") == -1)
		return -1;
	if (cfg->secrets_file[0] != '\0') {
		char	 sf[sizeof(cfg->secrets_file)];

		memcpy(sf, cfg->secrets_file, sizeof(sf));
		if (config_file(cfg, sf) == -1)
			return -1;
	}

	for (i = 0; i < NCKEYS; i++) {
		snprintf(env, sizeof(env), "POSTES_%s", ckeys[i].name);
		if ((val = getenv(env)) == NULL)
			continue;
		if (ckey_set(cfg, &ckeys[i], val, "environment") == -1)
			return -1;
	}

	/*
	 * The town hall's zone: POSTES_TZ, else the process's TZ, else
	 * Europe/Paris. Local calendars (opening hours, quotas' days, the
	 * end of a guest pass's day) are computed with localtime_r/mktime,
	 * so TZ is set to it for the whole process.
	 */
	if (getenv("POSTES_TZ") == NULL && (val = getenv("TZ")) != NULL &&
	    *val != '\0' && strlen(val) < sizeof(cfg->tz))
		snprintf(cfg->tz, sizeof(cfg->tz), "%s", val);
	setenv("TZ", cfg->tz, 1);
	tzset();

	/* Walk the whole host list once so a typo stops the start. */
	for (i = 0; ; i++) {
		char		 h[sizeof(cfg->db_host)];
		unsigned int	 port;
		int		 r;

		if ((r = config_db_host(cfg, i, h, sizeof(h), &port)) == 0)
			break;
		if (r == -1) {
			log_err("POSTES_DB_HOSTS: expected up to %d "
			    "host[:port] items, comma-separated",
			    CONFIG_DB_HOSTS_MAX);
			return -1;
		}
	}
	if (strcmp(cfg->origin, DEFAULT_ORIGIN) == 0 &&
	    cfg->http_port != DEFAULT_HTTP)
		snprintf(cfg->origin, sizeof(cfg->origin),
		    "http://127.0.0.1:%u", cfg->http_port);
	/*
	 * The intake: by default a Unix socket in a 0700 directory of the
	 * state directory (the pusher makes it), reachable by this user
	 * alone. TCP is for an API on another host, with CURVE keys.
	 * "none" says no pusher runs (shared hosting): the endpoint stays
	 * empty, the API rings nobody and tells the pages to poll.
	 */
	if (strcmp(cfg->zmq_endpoint, "none") == 0)
		cfg->zmq_endpoint[0] = '\0';
	else if (cfg->zmq_endpoint[0] == '\0' &&
	    (size_t)snprintf(cfg->zmq_endpoint, sizeof(cfg->zmq_endpoint),
	    "ipc://%s/zmq/intake", cfg->var_dir) >= sizeof(cfg->zmq_endpoint)) {
		log_err("POSTES_VAR_DIR too long for the intake's path");
		return -1;
	}
	return 0;
}
