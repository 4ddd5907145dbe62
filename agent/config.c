/*
 * config.c - the agent's settings and the poste's token.
 *
 * Settings come from defaults, then a KEY=VALUE file (POSTES_AGENT_CONFIG,
 * else the installed /etc/postes-agent.conf when it exists), then
 * POSTES_AGENT_* variables: the same order as the server's config.c, with
 * one table row per key. A bad value stops the agent at start rather than
 * running with a guess (the unit restarts it, the log says why).
 *
 * The token is the poste's secret, as the kiosk page keeps it in its
 * storage: it lives in its own file, which must not be readable by group
 * or others (0600 or 0400); a looser file is refused, not silently used.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "extern.h"

#ifndef AGENT_SYSCONFDIR
#define AGENT_SYSCONFDIR "/etc"
#endif

enum akind { A_STR, A_UINT };

struct akey {
	const char	*name;		/* after POSTES_AGENT_ */
	enum akind	 kind;
	size_t		 off;
	size_t		 size;		/* A_STR: buffer size */
	long long	 min, max;	/* A_UINT */
};

#define S(f)	A_STR, offsetof(struct agent_cfg, f), \
		sizeof(((struct agent_cfg *)0)->f), 0, 0
#define U(f, lo, hi) A_UINT, offsetof(struct agent_cfg, f), 0, lo, hi

static const struct akey keys[] = {
	{ "SERVER",		S(server) },
	{ "PUSHER",		S(pusher) },
	{ "TOKEN_FILE",		S(token_file) },
	{ "CLEANUP",		S(cleanup) },
	{ "CA_FILE",		S(ca_file) },
	{ "CLEANUP_TIMEOUT",	U(cleanup_timeout, 1, 3600) },
	{ "HEARTBEAT",		U(heartbeat, 0, 3600) },
	{ "HTTP_TIMEOUT",	U(http_timeout, 1, 120) },
	{ "POLL_INTERVAL",	U(poll_interval, 1, 60) },
	{ "LOCKED_MESSAGE",	U(locked_message, 0, 3600) },
	{ "NO_VT_SWITCH",	U(no_vt_switch, 0, 1) },
};

#undef S
#undef U

static int
set(struct agent_cfg *cfg, const struct akey *k, const char *v,
    const char *where)
{
	char		*p = (char *)cfg + k->off;
	long long	 n;

	if (k->kind == A_STR) {
		if (strlen(v) >= k->size) {
			log_err("POSTES_AGENT_%s too long (%s)", k->name, where);
			return -1;
		}
		memcpy(p, v, strlen(v) + 1);
		return 0;
	}
	if (num_parse(v, k->min, k->max, &n) == -1) {
		log_err("POSTES_AGENT_%s: not a number in [%lld, %lld] (%s)",
		    k->name, k->min, k->max, where);
		return -1;
	}
	*(unsigned int *)(void *)p = (unsigned int)n;
	return 0;
}

static const struct akey *
find(const char *name)
{
	size_t i;

	if (strncmp(name, "POSTES_AGENT_", 13) != 0)
		return NULL;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].name, name + 13) == 0)
			return &keys[i];
	return NULL;
}

static int
read_file(struct agent_cfg *cfg, const char *path, int must)
{
	FILE		*f;
	char		 line[2048], *k, *v, *e;
	const struct akey *key;
	int		 lineno = 0, rc = 0;

	if ((f = fopen(path, "r")) == NULL) {
		if (!must && errno == ENOENT)
			return 0;
		log_err("cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		for (k = line; isspace((unsigned char)*k); k++)
			;
		if (*k == '#' || *k == '\0')
			continue;
		if ((v = strchr(k, '=')) == NULL) {
			log_err("%s:%d: not KEY=VALUE", path, lineno);
			rc = -1;
			continue;
		}
		*v++ = '\0';
		for (e = v - 2; e >= k && isspace((unsigned char)*e); e--)
			*e = '\0';
		while (isspace((unsigned char)*v))
			v++;
		for (e = v + strlen(v); e > v && isspace((unsigned char)e[-1]); )
			*--e = '\0';
		if ((key = find(k)) == NULL) {
			log_warn("%s:%d: unknown key ignored", path, lineno);
			continue;
		}
		if (set(cfg, key, v, path) == -1)
			rc = -1;
	}
	fclose(f);
	return rc;
}

static void
trim_slash(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == '/')
		s[--n] = '\0';
}

int
agent_config_load(struct agent_cfg *cfg)
{
	const char	*path, *v;
	char		 name[64];
	size_t		 i;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->server, sizeof(cfg->server), "http://127.0.0.1:8080");
	snprintf(cfg->token_file, sizeof(cfg->token_file),
	    "%s/postes-agent/token", AGENT_SYSCONFDIR);
	cfg->cleanup_timeout = 60;
	cfg->http_timeout = 5;
	cfg->poll_interval = 2;
	cfg->locked_message = 20;
	cfg->no_vt_switch = 1;

	if ((path = getenv("POSTES_AGENT_CONFIG")) != NULL && *path != '\0') {
		if (read_file(cfg, path, 1) == -1)
			return -1;
	} else if (read_file(cfg, AGENT_SYSCONFDIR "/postes-agent.conf", 0)
	    == -1)
		return -1;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(name, sizeof(name), "POSTES_AGENT_%s", keys[i].name);
		if ((v = getenv(name)) != NULL &&
		    set(cfg, &keys[i], v, "environment") == -1)
			return -1;
	}
	trim_slash(cfg->server);
	trim_slash(cfg->pusher);
	if (strncmp(cfg->server, "http://", 7) != 0 &&
	    strncmp(cfg->server, "https://", 8) != 0) {
		log_err("POSTES_AGENT_SERVER must be an http:// or https:// URL");
		return -1;
	}
	if (cfg->pusher[0] == '\0')
		memcpy(cfg->pusher, cfg->server, sizeof(cfg->pusher));
	return 0;
}

enum token_err
agent_token_load(struct agent_cfg *cfg)
{
	struct stat	 st;
	char		 buf[AGENT_TOKEN_MAX + 2];
	ssize_t		 n;
	size_t		 i, len;
	int		 fd;

	cfg->token[0] = '\0';
	if ((fd = open(cfg->token_file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) ==
	    -1)
		return TOKEN_MISSING;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return TOKEN_MISSING;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		close(fd);
		return TOKEN_PERMS;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n == 0 ? TOKEN_BAD : TOKEN_MISSING;
	buf[n] = '\0';
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	if (len == 0 || len >= AGENT_TOKEN_MAX)
		return TOKEN_BAD;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)buf[i]) && buf[i] != '-' &&
		    buf[i] != '_')
			return TOKEN_BAD;
	memcpy(cfg->token, buf, len + 1);
	return TOKEN_OK;
}
