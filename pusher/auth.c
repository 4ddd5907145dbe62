/*
 * auth.c - who may subscribe: tickets, the staff cookie, Origin.
 *
 * A ticket (crypto.h: HMAC under the shared secret, issued by the API)
 * proves where it came from; it is then checked against the database on
 * every connect, like the cookie: kind 's' names a staff session that
 * must still exist, be unexpired and belong to an active account; kind
 * 'k' names a poste whose token must still be the one it was issued
 * under (ticket_poste_bind), the poste still in service, and, when it
 * names one (session > 0), an access session on that poste that is not
 * over: the kiosk then hears postes/<its poste> and that session,
 * without one postes/<its poste> only. So a ticket serves any number of reconnections while what
 * it came from lives (EventSource reconnects with the same URL), and
 * none after. Browsers on the API's origin can instead send the staff
 * cookie (postes_sid); its SHA-256 is looked up in staff_sessions.
 *
 * Nothing is cached: a revoked cookie or ticket is refused on its next
 * connect, and revoke.c closes the streams already open. A staff
 * stream also ends when its staff session expires (hub_expire, with
 * the time left read in the same check). Each check is
 * one primary-key read on the local socket, done in the MHD thread with
 * its own connection; a reconnecting crowd costs one read per stream.
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

/*
 * What is left of the staff session, in ms, on the database's clock: the
 * stream is closed when it runs out (hub_expire), as the API refuses the
 * cookie then. A difference, so the two clocks need not agree.
 */
#define AUTH_LEFT_MS \
	"TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(6), s.expires_at) DIV 1000"

enum stmt {
	STMT_STAFF_COOKIE,
	STMT_STAFF_TICKET,
	STMT_KIOSK_TICKET,
	STMT_POSTE_TICKET,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	/* STMT_STAFF_COOKIE */
	"SELECT s.staff_id, s.id, " AUTH_LEFT_MS " FROM staff_sessions s"
	" JOIN staff st ON st.id = s.staff_id"
	" WHERE s.token_hash = ? AND s.expires_at > UTC_TIMESTAMP(3)"
	" AND st.actif = 1",
	/* STMT_STAFF_TICKET */
	"SELECT " AUTH_LEFT_MS " FROM staff_sessions s"
	" JOIN staff st ON st.id = s.staff_id"
	" WHERE s.id = ? AND s.staff_id = ? AND s.expires_at > UTC_TIMESTAMP(3)"
	" AND st.actif = 1",
	/* STMT_KIOSK_TICKET: a session not yet started has no poste. */
	"SELECT p.token_hash FROM postes p JOIN sessions s"
	" ON s.id = ? AND (s.poste_id = p.id OR s.poste_id IS NULL)"
	" WHERE p.id = ? AND p.actif = 1 AND s.statut <> 'terminee'",
	/* STMT_POSTE_TICKET: the poste alone (its own channel). */
	"SELECT p.token_hash FROM postes p WHERE p.id = ? AND p.actif = 1",
};

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

/* Run one check; its result in *res (caller frees). 0, or -1 logged. */
static int
auth_query(enum stmt st, struct db_res **res, const struct db_param *p,
    size_t np)
{
	*res = NULL;
	if (db_exec(adb, stmts, st, p, np, res, NULL, NULL) == DB_OK)
		return 0;
	metric_inc(M_DB_ERRORS);
	log_warn("auth: check failed: %s", db_errstr(adb));
	return -1;
}

/* The cookie's staff session: fills ai, or AUTH_BAD / AUTH_ERROR. */
static void
auth_cookie(const char *token, struct authinfo *ai)
{
	unsigned char	 h[HASH_LEN];
	struct db_res	*res;

	ai->res = AUTH_BAD;
	if (strlen(token) != TOKEN_LEN)
		return;
	token_hash(token, h);
	if (auth_query(STMT_STAFF_COOKIE, &res,
	    (struct db_param[]){ DBB(h, HASH_LEN) }, 1) == -1) {
		ai->res = AUTH_ERROR;
		return;
	}
	if (res != NULL && res->nrows > 0) {
		ai->res = AUTH_STAFF;
		ai->subject = db_int(res, 0, 0);
		ai->staff_session = db_int(res, 0, 1);
		ai->expires_ms = ai->at_ms + db_int(res, 0, 2);
	}
	db_res_free(res);
}

/* A verified ticket's bound session, checked now. */
static void
auth_ticket(const struct ticket *t, struct authinfo *ai)
{
	struct db_res	*res;
	int		 ok = 0;

	ai->res = AUTH_BAD;
	if (t->kind == 's' && t->bind > 0) {
		if (auth_query(STMT_STAFF_TICKET, &res, (struct db_param[]){
		    DBI(t->bind), DBI(t->subject) }, 2) == -1)
			goto err;
		ok = res != NULL && res->nrows > 0;
		if (ok) {
			ai->res = AUTH_STAFF;
			ai->subject = t->subject;
			ai->staff_session = t->bind;
			ai->expires_ms = ai->at_ms + db_int(res, 0, 0);
		}
	} else if (t->kind == 'k' && t->subject > 0) {
		if ((t->session_id > 0 ? auth_query(STMT_KIOSK_TICKET, &res,
		    (struct db_param[]){ DBI(t->session_id),
		    DBI(t->subject) }, 2) : auth_query(STMT_POSTE_TICKET, &res,
		    (struct db_param[]){ DBI(t->subject) }, 1)) == -1)
			goto err;
		ok = res != NULL && res->nrows > 0 && !res->cells[0].null &&
		    res->cells[0].len == HASH_LEN && ticket_poste_bind(
		    (const unsigned char *)res->cells[0].s) == t->bind;
		if (ok) {
			ai->res = AUTH_KIOSK;
			ai->subject = t->subject;
			ai->session_id = t->session_id;
		}
	} else
		return;
	db_res_free(res);
	return;
err:
	ai->res = AUTH_ERROR;
}

void
auth_request(struct MHD_Connection *conn, struct authinfo *ai)
{
	struct ticket	 tk;
	const char	*t;

	memset(ai, 0, sizeof(*ai));
	ai->res = AUTH_ANON;
	/* Before the read: a revocation acted on after this may have
	 * committed after the read too (revoke.c). */
	ai->at_ms = time_now_ms();
	t = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "ticket");
	if (t != NULL && *t != '\0') {
		if (strlen(t) >= TICKET_MAX ||
		    ticket_check(pcfg->secret, t, (long long)time(NULL),
		    &tk) == -1) {
			ai->res = AUTH_BAD;
			return;
		}
		auth_ticket(&tk, ai);
		return;
	}
	t = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "postes_sid");
	if (t == NULL || *t == '\0')
		return;
	auth_cookie(t, ai);
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
