/*
 * auth.c - who may subscribe: tickets, the staff cookie, Origin.
 *
 * A ticket (crypto.h: HMAC under the shared secret, short-lived, issued
 * by the API) is checked without the database: kind 's' is staff, kind
 * 'k' a kiosk that may follow one session. Browsers on the API's origin
 * can instead send the staff cookie (postes_sid); its SHA-256 is looked
 * up in staff_sessions joined with staff (actif). That read is one
 * primary-key lookup on the local socket, done in the MHD thread with
 * its own connection, and remembered for a minute (a failure for five
 * seconds), so a reconnecting dashboard costs no query at all.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "config.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "timefmt.h"
#include "extern.h"

#define AUTH_CACHE	256
#define AUTH_TTL_OK	60000	/* ms */
#define AUTH_TTL_BAD	5000

enum stmt { STMT_STAFF_SESSION, STMT__MAX };

static const char *const stmts[STMT__MAX] = {
	/* STMT_STAFF_SESSION */
	"SELECT s.staff_id, UNIX_TIMESTAMP(s.expires_at) FROM staff_sessions s"
	" JOIN staff st ON st.id = s.staff_id"
	" WHERE s.token_hash = ? AND s.expires_at > UTC_TIMESTAMP(3)"
	" AND st.actif = 1",
};

struct centry {
	unsigned char	 hash[HASH_LEN];
	long long	 staff_id;	/* 0: refused */
	long long	 until_ms;
};

static struct centry	 cache[AUTH_CACHE];
static struct db	*adb;

int
auth_init(void)
{
	if ((adb = db_new(pcfg)) == NULL)
		return -1;
	return 0;
}

void
auth_free(void)
{
	db_free(adb);
	adb = NULL;
}

/* Staff id for a cookie token: > 0, 0 refused, -1 database error. */
static long long
auth_cookie(const char *token)
{
	unsigned char	 h[HASH_LEN];
	struct centry	*e;
	struct db_res	*res = NULL;
	long long	 now = time_now_ms(), id = 0, exp;
	enum db_err	 err;

	if (strlen(token) > 128)
		return 0;
	token_hash(token, h);
	e = &cache[((unsigned)h[0] << 8 | h[1]) % AUTH_CACHE];
	if (e->until_ms > now && memcmp(e->hash, h, HASH_LEN) == 0)
		return e->staff_id;
	err = DB_EXEC(adb, stmts, STMT_STAFF_SESSION, &res, NULL, NULL,
	    DBB(h, HASH_LEN));
	if (err != DB_OK) {
		metric_inc(M_DB_ERRORS);
		log_warn("auth: staff session lookup: %s", db_errstr(adb));
		return -1;
	}
	memcpy(e->hash, h, HASH_LEN);
	e->until_ms = now + AUTH_TTL_BAD;
	if (res != NULL && res->nrows > 0) {
		id = db_int(res, 0, 0);
		exp = db_int(res, 0, 1) * 1000;
		e->until_ms = now + AUTH_TTL_OK < exp ? now + AUTH_TTL_OK : exp;
	}
	e->staff_id = id;
	db_res_free(res);
	return id;
}

void
auth_request(struct MHD_Connection *conn, struct authinfo *ai)
{
	const char	*t;
	char		 kind;
	long long	 subject, sid, id;

	memset(ai, 0, sizeof(*ai));
	ai->res = AUTH_ANON;
	t = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "ticket");
	if (t != NULL && *t != '\0') {
		if (strlen(t) >= TICKET_MAX ||
		    ticket_check(pcfg->secret, t, (long long)time(NULL), &kind,
		    &subject, &sid) == -1) {
			ai->res = AUTH_BAD;
			return;
		}
		if (kind == 's') {
			ai->res = AUTH_STAFF;
			ai->subject = subject;
		} else if (kind == 'k' && sid > 0) {
			ai->res = AUTH_KIOSK;
			ai->subject = subject;
			ai->session_id = sid;
		} else
			ai->res = AUTH_BAD;
		return;
	}
	t = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "postes_sid");
	if (t == NULL || *t == '\0')
		return;
	if ((id = auth_cookie(t)) < 0)
		ai->res = AUTH_ERROR;
	else if (id == 0)
		ai->res = AUTH_BAD;
	else {
		ai->res = AUTH_STAFF;
		ai->subject = id;
	}
}

/*
 * Origin: absent (not a browser, or a same-origin EventSource), the
 * configured origin, or this pusher's own address. Anything else could
 * be a page elsewhere riding on the staff cookie.
 */
int
auth_origin_ok(struct MHD_Connection *conn)
{
	const char	*o;
	char		 own[64];

	o = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
	if (o == NULL || strcmp(o, pcfg->origin) == 0)
		return 1;
	snprintf(own, sizeof(own), "http://127.0.0.1:%u", pcfg->pusher_port);
	if (strcmp(o, own) == 0)
		return 1;
	snprintf(own, sizeof(own), "http://localhost:%u", pcfg->pusher_port);
	return strcmp(o, own) == 0;
}
