/*
 * api/auth.c - who is calling, and staff log-in.
 *
 * Staff carry an HttpOnly, SameSite=Strict cookie holding a random token;
 * the database keeps only its SHA-256 with an expiry, so a stolen table
 * opens nothing and logging out (or deactivating an account) takes effect
 * on the next request everywhere. A kiosk sends its workstation's own
 * token as "Authorization: Bearer"; it is checked the same way. A wrong
 * name and a wrong password cost the same Argon2id time, so names cannot
 * be probed.
 *
 * Log-in throttling (docs/api.md, "Log-in throttling"): exponential
 * back-off per (address, account) and per address, so failures from one
 * address never block the account from another. Many addresses failing
 * on one account mark it "under attack" for a while: each address then
 * gets one free failure on it before its back-off, steeper. The right
 * password from an address that is not itself backing off is never
 * refused. Keys and audit rows hold keyed tags (secret_tag) of what was
 * typed, never the text of a name that matches no account.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "config.h"
#include "crypto.h"
#include "log.h"
#include "extern.h"

#define COOKIE_NAME "postes_sid"

/* Log-in throttling (see the top of the file). */
#define LOGIN_QUIET		900	/* s quiet before a key starts over */
#define LOGIN_UA_FREE		4	/* (address, account) */
#define LOGIN_UA_BASE		5
#define LOGIN_UA_CAP		900
#define LOGIN_IP_FREE		20	/* address, any account */
#define LOGIN_IP_BASE		2
#define LOGIN_IP_CAP		300
#define LOGIN_ACCT_PER_IP	3	/* failures of one address that count */
#define LOGIN_ACCT_ATTACK	10	/* counted failures: under attack */
#define LOGIN_ATTACK_FREE	1
#define LOGIN_ATTACK_BASE	30
#define LOGIN_ATTACK_CAP	3600

enum stmt {
	STMT_KIOSK,
	STMT_STAFF,
	STMT_LOGIN,
	STMT_SESSION_NEW,
	STMT_SESSION_DEL,
	STMT_SESSION_PURGE,
	STMT_SESSION_EXPIRED,
	STMT_ME,
	STMT_PASSWORD,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	/* With the poste, its code entry's throttle (kiosk.c), in the same
	 * round trip: NULL when the key has no row. */
	[STMT_KIOSK] = "SELECT p.id, (SELECT " THROTTLE_WAIT_SQL " FROM "
	    "throttle WHERE k = " THROTTLE_CODE_KEY_SQL("p.id") ") "
	    "FROM postes p WHERE p.token_hash = ? AND p.actif = 1",
	/* The outbox's head and the database's clock come along: what a
	 * staff request may answer from a cache keyed on them (dashboard.c),
	 * in this one round trip. */
	[STMT_STAFF] = "SELECT st.id, st.username, st.role, ss.id, "
	    "(SELECT last_id FROM event_seq WHERE id = 1), UNIX_TIMESTAMP() "
	    "FROM staff_sessions ss "
	    "JOIN staff st ON st.id = ss.staff_id WHERE ss.token_hash = ? AND "
	    "ss.expires_at > UTC_TIMESTAMP(3) AND st.actif = 1",
	[STMT_LOGIN] = "SELECT id, password_hash, actif FROM staff "
	    "WHERE username = ?",
	[STMT_SESSION_NEW] = "INSERT INTO staff_sessions (token_hash, staff_id, "
	    "expires_at, ip) VALUES (?, ?, UTC_TIMESTAMP(3) + INTERVAL ? SECOND, ?)",
	[STMT_SESSION_DEL] = "DELETE FROM staff_sessions WHERE token_hash = ?",
	[STMT_SESSION_PURGE] = "DELETE FROM staff_sessions WHERE staff_id = ? "
	    "AND token_hash <> ?",
	[STMT_SESSION_EXPIRED] = "DELETE FROM staff_sessions WHERE staff_id = ? "
	    "AND expires_at < UTC_TIMESTAMP(3)",
	[STMT_ME] = "SELECT id, username, nom, role, created_at FROM staff "
	    "WHERE id = ?",
	[STMT_PASSWORD] = "UPDATE staff SET password_hash = ?, "
	    "updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
};

/* The value of cookie name in a Cookie header, copied into out. */
int
cookie_get(const char *hdr, const char *name, char *out, size_t sz)
{
	size_t n = strlen(name), len;
	const char *p = hdr, *end;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		end = strchrnul(p, ';');
		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			len = (size_t)(end - (p + n + 1));
			if (len == 0 || len >= sz)
				return -1;
			memcpy(out, p + n + 1, len);
			out[len] = '\0';
			return 0;
		}
		p = end;
	}
	return -1;
}

/*
 * Identify the caller. A Bearer token that matches no workstation is an
 * error (401): a kiosk must know at once that it was revoked. A stale
 * cookie is just anonymous. Returns 0 or an error status.
 */
int
auth_identify(struct req *r)
{
	char tok[TOKEN_LEN + 8];
	unsigned char h[HASH_LEN];
	struct db_res *res = NULL;
	enum db_err e;

	r->who = WHO_ANON;
	r->head = -1;
	if (r->authorization != NULL) {
		if (strncmp(r->authorization, "Bearer ", 7) != 0 ||
		    strlen(r->authorization + 7) != TOKEN_LEN)
			return http_error(r, 401, "invalid_token",
			    "Jeton de poste invalide");
		token_hash(r->authorization + 7, h);
		if ((e = DB_EXEC(r->db, stmts, STMT_KIOSK, &res, NULL, NULL,
		    DBB(h, HASH_LEN))) != DB_OK)
			return http_db_error(r, e);
		if (res == NULL || res->nrows == 0) {
			db_res_free(res);
			return http_error(r, 401, "invalid_token",
			    "Jeton de poste invalide ou révoqué");
		}
		r->who = WHO_KIOSK;
		r->poste_id = db_int(res, 0, 0);
		r->poste_bind = ticket_poste_bind(h);
		r->code_known = !db_isnull(res, 0, 1);
		r->code_wait = db_int(res, 0, 1);
		db_res_free(res);
		return 0;
	}
	if (r->cookie == NULL ||
	    cookie_get(r->cookie, COOKIE_NAME, tok, sizeof(tok)) == -1 ||
	    strlen(tok) != TOKEN_LEN)
		return 0;
	token_hash(tok, h);
	if ((e = DB_EXEC(r->db, stmts, STMT_STAFF, &res, NULL, NULL,
	    DBB(h, HASH_LEN))) != DB_OK)
		return http_db_error(r, e);
	if (res != NULL && res->nrows > 0) {
		r->who = WHO_STAFF;
		r->staff_id = db_int(res, 0, 0);
		snprintf(r->username, sizeof(r->username), "%s",
		    db_str(res, 0, 1));
		r->role = strcmp(db_str(res, 0, 2), "admin") == 0 ?
		    ROLE_ADMIN : ROLE_AGENT;
		memcpy(r->sid_hash, h, HASH_LEN);
		r->staff_session_id = db_int(res, 0, 3);
		r->actor.staff_id = r->staff_id;
		r->head = db_isnull(res, 0, 4) ? -1 : db_int(res, 0, 4);
		r->db_now = db_int(res, 0, 5);
	}
	db_res_free(res);
	return 0;
}

static void
set_cookie(struct req *r, const char *value, long long max_age)
{
	free(r->set_cookie);
	if (asprintf(&r->set_cookie, COOKIE_NAME "=%s; Path=/; HttpOnly; "
	    "SameSite=Strict; Max-Age=%lld%s", value, max_age,
	    r->secure ? "; Secure" : "") == -1)
		r->set_cookie = NULL;
}

static int
me_json(struct req *r, long long id, int status)
{
	struct db_res *res = NULL;
	enum db_err e;
	struct json_object *o;

	if ((e = DB_EXEC(r->db, stmts, STMT_ME, &res, NULL, NULL, DBI(id))) != DB_OK)
		return http_db_error(r, e);
	if (res == NULL || res->nrows == 0) {
		db_res_free(res);
		return http_error(r, 404, "not_found", "Compte inconnu");
	}
	o = db_row_json(res, 0);
	db_res_free(res);
	return http_json(r, status, o);
}

/* Argon2id of a fixed string, verified when the name is unknown. */
static const char *
dummy_hash(void)
{
	static char h[PWHASH_LEN];

	if (h[0] == '\0' && password_hash("postes-dummy-password", h) == -1)
		return NULL;
	return h;
}

/* Throttle keys for a log-in: tags, never the typed name. */
struct login_keys {
	char	 ua[96];	/* (address, account) */
	char	 ip[80];	/* address */
	char	 acct[64];	/* account, any address */
};

static void
login_keys(struct req *r, const char *user, struct login_keys *k)
{
	char tag[2 * TAG_BYTES + 1], *both;

	secret_tag(r->cfg->secret, user, tag);
	snprintf(k->acct, sizeof(k->acct), "login-acct:%s", tag);
	if (asprintf(&both, "%s\n%s", r->remote_addr, user) != -1) {
		secret_tag(r->cfg->secret, both, tag);
		free(both);
	}
	snprintf(k->ua, sizeof(k->ua), "login-ua:%s", tag);
	snprintf(k->ip, sizeof(k->ip), "login-ip:%s", r->remote_addr);
}

/* A failed log-in: count it where it belongs, audit it. */
static void
login_failed(struct req *r, const struct login_keys *k, const char *user,
    long long id, int attacked)
{
	char detail[64], tag[2 * TAG_BYTES + 1];
	struct actor anon = { 0, r->remote_addr };
	long long n;

	n = attacked ?
	    throttle_backoff(r, k->ua, LOGIN_ATTACK_FREE, LOGIN_ATTACK_BASE,
	    LOGIN_ATTACK_CAP, LOGIN_QUIET) :
	    throttle_backoff(r, k->ua, LOGIN_UA_FREE, LOGIN_UA_BASE,
	    LOGIN_UA_CAP, LOGIN_QUIET);
	throttle_backoff(r, k->ip, LOGIN_IP_FREE, LOGIN_IP_BASE, LOGIN_IP_CAP,
	    LOGIN_QUIET);
	/* One address counts for little towards "under attack". */
	if (n >= 1 && n <= LOGIN_ACCT_PER_IP &&
	    throttle_backoff(r, k->acct, UINT32_MAX >> 1, 1, 1,
	    LOGIN_QUIET) == LOGIN_ACCT_ATTACK)
		audit_write(r->db, &anon, "auth.login_attack", "staff", id,
		    "many addresses failing on one account");
	/* A name that is no account may be a password typed there. */
	if (id > 0)
		snprintf(detail, sizeof(detail), "%s", user);
	else {
		secret_tag(r->cfg->secret, user, tag);
		snprintf(detail, sizeof(detail), "inconnu #%s", tag);
	}
	audit_write(r->db, &anon, "auth.login_failed", "staff", id, detail);
}

int
auth_login(struct req *r)
{
	static const struct vfield fs[] = {
		{ "username", V_STR, 1, 0, 1, 64, NULL },
		{ "password", V_TEXT, 1, 0, 1, 256, NULL },
	};
	struct vval v[2];
	struct db_res *res = NULL;
	struct login_keys k;
	char tok[TOKEN_LEN + 1];
	unsigned char h[HASH_LEN];
	const char *hash;
	long long id = 0, w1, w2, nacct;
	int st, ok;
	enum db_err e;

	if ((st = valid_json(r, fs, 2, v)) != 0)
		return st;
	login_keys(r, v[0].s, &k);
	w1 = throttle_check(r, k.ua);
	w2 = throttle_check(r, k.ip);
	if (w1 > 0 || w2 > 0)
		return http_error(r, 429, "too_many_attempts",
		    "Trop de tentatives : réessayez plus tard");
	nacct = throttle_failures(r, k.acct, LOGIN_QUIET);

	if ((e = DB_EXEC(r->db, stmts, STMT_LOGIN, &res, NULL, NULL,
	    DBS(v[0].s))) != DB_OK)
		return http_db_error(r, e);
	if (res != NULL && res->nrows > 0 && db_int(res, 0, 2) == 1) {
		id = db_int(res, 0, 0);
		hash = db_str(res, 0, 1);
	} else
		hash = dummy_hash();
	ok = hash != NULL && password_verify(hash, v[1].s) && id > 0;
	db_res_free(res);
	if (!ok) {
		login_failed(r, &k, v[0].s, id, nacct >= LOGIN_ACCT_ATTACK);
		return http_error(r, 401, "invalid_credentials",
		    "Identifiant ou mot de passe incorrect");
	}
	throttle_clear(r, k.ua);

	token_new(tok);
	token_hash(tok, h);
	if ((e = DB_EXEC(r->db, stmts, STMT_SESSION_NEW, NULL, NULL, NULL,
	    DBB(h, HASH_LEN), DBI(id), DBI(r->cfg->staff_session_ttl),
	    DBS(r->remote_addr))) != DB_OK)
		return http_db_error(r, e);
	/* Old, expired sessions of this account go now. */
	DB_EXEC(r->db, stmts, STMT_SESSION_EXPIRED, NULL, NULL, NULL, DBI(id));
	r->actor.staff_id = id;
	audit_write(r->db, &r->actor, "auth.login", "staff", id, NULL);
	set_cookie(r, tok, r->cfg->staff_session_ttl);
	explicit_bzero(tok, sizeof(tok));
	return me_json(r, id, 200);
}

/*
 * The session row goes, and with it, in the same transaction, an
 * auth_revoked event makes the pusher close the streams this session
 * opened (its cookie's and its tickets'); other sessions of the same
 * account (another browser) stay.
 */
int
auth_logout(struct req *r)
{
	enum db_err e;
	int st;

	if ((e = db_begin(r->db)) == DB_OK &&
	    (e = DB_EXEC(r->db, stmts, STMT_SESSION_DEL, NULL, NULL, NULL,
	    DBB(r->sid_hash, HASH_LEN))) == DB_OK &&
	    (e = ev_revoke(r->db, &r->evs, EV_REVOKE_STAFF_SESSION,
	    r->staff_session_id, r->staff_id, "logout")) == DB_OK)
		e = audit_write(r->db, &r->actor, "auth.logout", "staff",
		    r->staff_id, NULL);
	if ((st = http_tx_end(r, e)) != 0)
		return st;
	set_cookie(r, "", 0);
	return 204;
}

int
auth_me(struct req *r)
{
	return me_json(r, r->staff_id, 200);
}

/*
 * A signed ticket for the pusher, for clients that cannot send the
 * cookie there (another port, EventSource). It names this staff
 * session: the pusher admits it on every (re)connect while the session
 * lives, and never after (logout, expiry, deactivation, password).
 * expires_in is only the POSTES_TICKET_TTL cap.
 */
int
auth_ticket(struct req *r)
{
	char t[TICKET_MAX];
	struct json_object *o;
	struct ticket tk = { 's', r->staff_id, 0, r->staff_session_id,
	    (long long)time(NULL) + r->cfg->ticket_ttl };

	if (r->staff_session_id <= 0 ||
	    ticket_make(r->cfg->secret, &tk, t) == -1)
		return http_error(r, 500, "internal", "Erreur interne");
	o = json_object_new_object();
	json_object_object_add(o, "ticket", json_object_new_string(t));
	json_object_object_add(o, "expires_in",
	    json_object_new_int64(r->cfg->ticket_ttl));
	return http_json(r, 200, o);
}

int
auth_password(struct req *r)
{
	static const struct vfield fs[] = {
		{ "current", V_TEXT, 1, 0, 1, 256, NULL },
		{ "new", V_TEXT, 1, 0, 10, 256, NULL },
	};
	struct vval v[2];
	struct db_res *res = NULL;
	char hash[PWHASH_LEN], key[128];
	int st, ok;
	enum db_err e;

	if ((st = valid_json(r, fs, 2, v)) != 0)
		return st;
	snprintf(key, sizeof(key), "password:%lld", r->staff_id);
	if (throttle_check(r, key) > 0)
		return http_error(r, 429, "too_many_attempts",
		    "Trop de tentatives : réessayez plus tard");
	if ((e = DB_EXEC(r->db, stmts, STMT_LOGIN, &res, NULL, NULL,
	    DBS(r->username))) != DB_OK)
		return http_db_error(r, e);
	ok = res != NULL && res->nrows > 0 &&
	    password_verify(db_str(res, 0, 1), v[0].s);
	db_res_free(res);
	if (!ok) {
		throttle_fail(r, key, 5, 900, 60);
		return http_error(r, 403, "invalid_credentials",
		    "Mot de passe actuel incorrect");
	}
	if (password_hash(v[1].s, hash) == -1)
		return http_error(r, 503, "unavailable", "Mémoire épuisée");
	if ((e = db_begin(r->db)) != DB_OK ||
	    (e = DB_EXEC(r->db, stmts, STMT_PASSWORD, NULL, NULL, NULL,
	    DBS(hash), DBI(r->staff_id))) != DB_OK ||
	    /* Every other session of this account ends. */
	    (e = DB_EXEC(r->db, stmts, STMT_SESSION_PURGE, NULL, NULL, NULL,
	    DBI(r->staff_id), DBB(r->sid_hash, HASH_LEN))) != DB_OK ||
	    /* ... and every stream of the account closes (this session's
	     * reconnect at once with the cookie or their ticket). */
	    (e = ev_revoke(r->db, &r->evs, EV_REVOKE_STAFF, r->staff_id, 0,
	    "password")) != DB_OK ||
	    (e = audit_write(r->db, &r->actor, "auth.password", "staff",
	    r->staff_id, NULL)) != DB_OK ||
	    (e = db_commit(r->db)) != DB_OK) {
		db_rollback(r->db);
		ev_batch_clear(&r->evs);
		return http_db_error(r, e);
	}
	return 204;
}
