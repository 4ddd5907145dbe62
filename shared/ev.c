/*
 * ev.c - the outbox and the ZeroMQ fast path (see ev.h for the design).
 *
 * Id allocation: "UPDATE event_seq SET last_id = LAST_INSERT_ID(last_id+1)"
 * takes the row lock of the single counter row and holds it until the
 * transaction ends. Transactions that record events therefore commit in
 * id order, and a reader polling "id > N" can never miss a smaller id
 * that commits later. The cost is that event-writing transactions are
 * serialised, which a town hall's traffic never notices.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <zmq.h>

#include "log.h"
#include "timefmt.h"
#include "config.h"
#include "ev.h"

static const struct {
	const char	*name;
	unsigned int	 channels;
} evs[EV__MAX] = {
	[EV_SESSION_CREATED]	= { "session_created", EV_CH_SESSIONS | EV_CH_SESSION },
	[EV_SESSION_UPDATED]	= { "session_updated", EV_CH_SESSIONS | EV_CH_SESSION },
	[EV_CODE_VALID]		= { "code_valid", EV_CH_SESSIONS | EV_CH_SESSION },
	[EV_CODE_REFUSED]	= { "code_refused", EV_CH_DASHBOARD | EV_CH_POSTES },
	[EV_SESSION_STARTED]	= { "session_started", EV_CH_SESSIONS | EV_CH_SESSION },
	[EV_SESSION_EXTENDED]	= { "session_extended", EV_CH_SESSIONS | EV_CH_SESSION },
	[EV_SESSION_SUSPENDED]	= { "session_suspended", EV_CH_SESSIONS | EV_CH_SESSION },
	[EV_WARNING]		= { "warning", EV_CH_DASHBOARD | EV_CH_SESSIONS | EV_CH_SESSION },
	[EV_SESSION_TERMINATED]	= { "session_terminated", EV_CH_SESSIONS | EV_CH_SESSION },
	[EV_POSTE_CREATED]	= { "poste_created", EV_CH_POSTES },
	[EV_POSTE_UPDATED]	= { "poste_updated", EV_CH_POSTES },
	[EV_POSTE_STATUS]	= { "poste_status", EV_CH_POSTES | EV_CH_DASHBOARD },
	[EV_POSTE_DELETED]	= { "poste_deleted", EV_CH_POSTES },
	[EV_UTILISATEUR_CREATED] = { "utilisateur_created", EV_CH_DASHBOARD },
	[EV_UTILISATEUR_UPDATED] = { "utilisateur_updated", EV_CH_DASHBOARD },
	[EV_UTILISATEUR_DELETED] = { "utilisateur_deleted", EV_CH_DASHBOARD },
	[EV_AUTH_REVOKED]	= { "auth_revoked", EV_CH_CONTROL },
	[EV_FERMETURE_PROCHE]	= { "fermeture_proche", EV_CH_DASHBOARD | EV_CH_SESSIONS | EV_CH_SESSION },
	[EV_POSTE_ONLINE]	= { "poste_online", EV_CH_POSTES | EV_CH_DASHBOARD },
	[EV_INVITES_CREATED]	= { "invites_created", EV_CH_SESSIONS | EV_CH_DASHBOARD },
	[EV_SITE_UPDATED]	= { "site_updated", EV_CH_POSTES | EV_CH_DASHBOARD },
	/* A message once for the staff, then once per poste reached: its
	 * kiosk (postes/<id>) and the session running there. */
	[EV_MESSAGE_SENT]	= { "message_sent", EV_CH_DASHBOARD | EV_CH_POSTES },
	[EV_MESSAGE_POSTE]	= { "message", EV_CH_POSTE | EV_CH_SESSION },
	[EV_MESSAGE_ACKED]	= { "message_acquitte", EV_CH_DASHBOARD | EV_CH_POSTE },
	[EV_RESERVATION_CREATED] = { "reservation_created", EV_CH_POSTES | EV_CH_POSTE },
	[EV_RESERVATION_UPDATED] = { "reservation_updated", EV_CH_POSTES | EV_CH_POSTE },
};

static const char *const revoke_names[EV_REVOKE__MAX] = {
	[EV_REVOKE_STAFF] = "staff",
	[EV_REVOKE_STAFF_SESSION] = "staff_session",
	[EV_REVOKE_POSTE] = "poste",
};

enum stmt {
	STMT_SEQ_NEXT,
	STMT_INSERT,
	STMT_FETCH_CHAN,
	STMT_FETCH_SESSION,
	STMT_FETCH_POSTE,
	STMT_LAST,
	STMT_FIRST,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_SEQ_NEXT] = "UPDATE event_seq SET last_id = LAST_INSERT_ID(last_id + 1) "
	    "WHERE id = 1",
	[STMT_INSERT] = "INSERT INTO events (id, type, channels, session_id, "
	    "poste_id, payload, created_at) VALUES (LAST_INSERT_ID(), ?, ?, ?, ?, ?, "
	    "FROM_UNIXTIME(? / 1000))",
	[STMT_FETCH_CHAN] = "SELECT id, type, created_at, session_id, poste_id, "
	    "payload FROM events WHERE id > ? AND (channels & ?) <> 0 "
	    "ORDER BY id LIMIT ?",
	[STMT_FETCH_SESSION] = "SELECT id, type, created_at, session_id, poste_id, "
	    "payload FROM events WHERE session_id = ? AND id > ? AND "
	    "(channels & 8) <> 0 ORDER BY id LIMIT ?",
	[STMT_FETCH_POSTE] = "SELECT id, type, created_at, session_id, poste_id, "
	    "payload FROM events WHERE poste_id = ? AND id > ? AND "
	    "(channels & 32) <> 0 ORDER BY id LIMIT ?",
	[STMT_LAST] = "SELECT last_id FROM event_seq WHERE id = 1",
	[STMT_FIRST] = "SELECT COALESCE(MIN(id), 0) FROM events",
};

const char *
ev_name(enum ev_type t)
{
	return (unsigned int)t < EV__MAX ? evs[t].name : NULL;
}

int
ev_lookup(const char *name)
{
	int i;

	for (i = 0; i < EV__MAX; i++)
		if (strcmp(evs[i].name, name) == 0)
			return i;
	return -1;
}

unsigned int
ev_channels(enum ev_type t)
{
	return (unsigned int)t < EV__MAX ? evs[t].channels : 0;
}

int
ev_chan_parse(const char *name, unsigned int *mask, long long *session_id)
{
	const char *p;
	char *end;
	long long id;

	*session_id = 0;
	if (strcmp(name, "dashboard") == 0)
		*mask = EV_CH_DASHBOARD;
	else if (strcmp(name, "sessions") == 0)
		*mask = EV_CH_SESSIONS;
	else if (strcmp(name, "postes") == 0)
		*mask = EV_CH_POSTES;
	else if (strncmp(name, "sessions/", 9) == 0 ||
	    strncmp(name, "postes/", 7) == 0) {
		p = name[0] == 's' ? name + 9 : name + 7;
		if (*p < '1' || *p > '9')
			return -1;
		id = strtoll(p, &end, 10);
		if (*end != '\0' || id <= 0 || id > 4294967295LL)
			return -1;
		*mask = name[0] == 's' ? EV_CH_SESSION : EV_CH_POSTE;
		*session_id = id;
	} else
		return -1;
	return 0;
}

const char *
ev_revoke_name(enum ev_revoke r)
{
	return (unsigned int)r < EV_REVOKE__MAX ? revoke_names[r] : NULL;
}

int
ev_revoke_lookup(const char *name)
{
	int	 i;

	for (i = 0; name != NULL && i < EV_REVOKE__MAX; i++)
		if (strcmp(revoke_names[i], name) == 0)
			return i;
	return -1;
}

/*
 * The data carries numbers only (no token, no hash): the row stays in
 * the outbox, which staff can read through nothing but the pusher.
 */
enum db_err
ev_revoke(struct db *db, struct ev_batch *b, enum ev_revoke scope,
    long long id, long long staff_id, const char *reason)
{
	struct json_object	*d;
	enum db_err		 e;

	assert((unsigned int)scope < EV_REVOKE__MAX && id > 0);
	d = json_object_new_object();
	json_object_object_add(d, "scope",
	    json_object_new_string(revoke_names[scope]));
	switch (scope) {
	case EV_REVOKE_STAFF:
		json_object_object_add(d, "staff_id", json_object_new_int64(id));
		break;
	case EV_REVOKE_STAFF_SESSION:
		json_object_object_add(d, "staff_session",
		    json_object_new_int64(id));
		json_object_object_add(d, "staff_id",
		    json_object_new_int64(staff_id));
		break;
	default:
		json_object_object_add(d, "poste_id", json_object_new_int64(id));
		break;
	}
	json_object_object_add(d, "reason",
	    json_object_new_string(reason != NULL ? reason : ""));
	e = ev_record(db, b, EV_AUTH_REVOKED, 0,
	    scope == EV_REVOKE_POSTE ? id : 0, d);
	json_object_put(d);
	return e;
}

struct json_object *
ev_wire(long long id, const char *type, const char *timestamp,
    long long session_id, long long poste_id, struct json_object *data)
{
	struct json_object *o = json_object_new_object(), *s;
	const char *r;

	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "timestamp", json_object_new_string(timestamp));
	json_object_object_add(o, "session_id", session_id > 0 ?
	    json_object_new_int64(session_id) : NULL);
	json_object_object_add(o, "poste_id", poste_id > 0 ?
	    json_object_new_int64(poste_id) : NULL);
	json_object_object_add(o, "data", data != NULL ? json_object_get(data) :
	    json_object_new_object());
	/* The seed's clients read why a session ended at the top level. */
	if (strcmp(type, "session_terminated") == 0 && data != NULL &&
	    (r = json_object_get_string(json_object_object_get(data,
	    "raison"))) != NULL) {
		json_object_object_add(o, "raison", json_object_new_string(r));
		json_object_object_add(o, "message",
		    json_object_new_string(ev_raison_message(r)));
	}
	/* ...and the session of a valid code at the top level too. */
	if (strcmp(type, "code_valid") == 0 && data != NULL &&
	    (s = json_object_object_get(data, "session")) != NULL)
		json_object_object_add(o, "session", json_object_get(s));
	return o;
}

const char *
ev_raison_message(const char *raison)
{
	static const struct { const char *raison, *message; } m[] = {
		{ "fermeture_normale", "Session fermée. À bientôt !" },
		{ "temps_ecoule", "Temps écoulé : la session est terminée." },
		{ "admin", "Session terminée par l'accueil." },
		{ "expiree", "Ce code a expiré." },
		{ "fermeture_site", "Le site ferme : la session est terminée." },
	};
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (strcmp(m[i].raison, raison) == 0)
			return m[i].message;
	return "Session terminée.";
}

enum db_err
ev_record(struct db *db, struct ev_batch *b, enum ev_type t,
    long long session_id, long long poste_id, struct json_object *data)
{
	unsigned long long id = 0;
	struct json_object *w;
	const char *payload;
	char ts[TIME_ISO_LEN];
	enum db_err e;
	long long now, now_ms;
	char *msg;

	assert((unsigned int)t < EV__MAX);
	if (b->n == EV_BATCH_MAX) {
		log_err("event batch full: %s dropped from batch", evs[t].name);
		return DB_ERR_OTHER;
	}
	payload = data != NULL ? json_object_to_json_string_ext(data,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : "{}";
	if ((e = DB_EXEC0(db, stmts, STMT_SEQ_NEXT, NULL, NULL, &id)) != DB_OK)
		return e;
	/* One timestamp for the row and the live message, so that a replay
	 * shows exactly what the live copy showed (the wire has whole
	 * seconds; the row keeps the milliseconds, for the pusher's
	 * commit-to-doorbell histogram). */
	now_ms = time_now_ms();
	now = now_ms / 1000;
	if ((e = DB_EXEC(db, stmts, STMT_INSERT, NULL, NULL, NULL,
	    DBS(evs[t].name), DBI(evs[t].channels),
	    session_id > 0 ? DBI(session_id) : DBNULL,
	    poste_id > 0 ? DBI(poste_id) : DBNULL, DBS(payload),
	    DBI(now_ms))) != DB_OK)
		return e;
	/* The insert used LAST_INSERT_ID(); read it back for the wire. */
	if (id == 0) {
		struct db_res *res = NULL;

		if ((e = DB_EXEC0(db, stmts, STMT_LAST, &res, NULL, NULL)) != DB_OK)
			return e;
		id = (unsigned long long)db_int(res, 0, 0);
		db_res_free(res);
	}
	time_iso(now, ts);
	w = ev_wire((long long)id, evs[t].name, ts, session_id, poste_id, data);
	msg = strdup(json_object_to_json_string_ext(w,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(w);
	if (msg == NULL)
		return DB_ERR_OTHER;
	b->msg[b->n++] = msg;
	b->last = (long long)id;
	return DB_OK;
}

void
ev_batch_clear(struct ev_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free(b->msg[i]);
	b->n = 0;
}

enum db_err
ev_fetch(struct db *db, long long since, unsigned int mask,
    long long session_id, unsigned int limit, struct json_object **out,
    long long *last)
{
	struct db_res *res = NULL;
	struct json_object *arr, *data;
	char ts[TIME_ISO_LEN];
	enum db_err e;
	size_t i;

	*out = NULL;
	*last = since;
	if (mask == EV_CH_SESSION || mask == EV_CH_POSTE)
		e = DB_EXEC(db, stmts, mask == EV_CH_SESSION ?
		    STMT_FETCH_SESSION : STMT_FETCH_POSTE, &res, NULL, NULL,
		    DBI(session_id), DBI(since), DBI(limit));
	else
		e = DB_EXEC(db, stmts, STMT_FETCH_CHAN, &res, NULL, NULL,
		    DBI(since), DBI(mask), DBI(limit));
	if (e != DB_OK)
		return e;
	arr = json_object_new_array();
	for (i = 0; res != NULL && i < res->nrows; i++) {
		data = json_tokener_parse(db_str(res, i, 5));
		if (time_db_to_iso(db_str(res, i, 2), ts) == -1)
			ts[0] = '\0';
		json_object_array_add(arr, ev_wire(db_int(res, i, 0),
		    db_str(res, i, 1), ts,
		    db_isnull(res, i, 3) ? 0 : db_int(res, i, 3),
		    db_isnull(res, i, 4) ? 0 : db_int(res, i, 4), data));
		json_object_put(data);
		*last = db_int(res, i, 0);
	}
	db_res_free(res);
	*out = arr;
	return DB_OK;
}

static enum db_err
one_int(struct db *db, int idx, long long *v)
{
	struct db_res *res = NULL;
	enum db_err e;

	*v = 0;
	if ((e = DB_EXEC0(db, stmts, idx, &res, NULL, NULL)) != DB_OK)
		return e;
	if (res != NULL && res->nrows > 0 && !db_isnull(res, 0, 0))
		*v = db_int(res, 0, 0);
	db_res_free(res);
	return DB_OK;
}

enum db_err
ev_last_id(struct db *db, long long *last)
{
	return one_int(db, STMT_LAST, last);
}

enum db_err
ev_first_id(struct db *db, long long *first)
{
	return one_int(db, STMT_FIRST, first);
}

/* ZeroMQ ------------------------------------------------------------ */

struct ev_pub {
	void	*ctx;
	void	*sock;
};

/*
 * The API's end of the doorbell. One pusher: a PUSH socket connected to
 * its intake (POSTES_ZMQ_ENDPOINT). Several pushers: a PUB socket
 * connected to postes-relay's XSUB side (POSTES_ZMQ_RELAY), which hands
 * every ring to every pusher (a PUSH would deal each ring to one of
 * them). ipc:// (the default) relies on the 0700 directory the pusher
 * or the relay makes; tcp:// is refused without the CURVE keys (the
 * server's public key, this client's key pair), since the far end
 * accepts nothing else there.
 */
struct ev_pub *
ev_pub_open(const struct config *cfg)
{
	struct ev_pub *p;
	int linger = 200, hwm = 1000, tmo = 0;
	int relay = cfg->zmq_relay[0] != '\0';
	const char *endpoint = relay ? cfg->zmq_relay : cfg->zmq_endpoint;

	if (strncmp(endpoint, "tcp://", 6) == 0 &&
	    (strlen(cfg->zmq_server_public) != 40 ||
	    strlen(cfg->zmq_client_secret) != 40 ||
	    strlen(cfg->zmq_client_public) != 40)) {
		log_err("%s: a TCP %s needs POSTES_ZMQ_SERVER_PUBLIC, "
		    "POSTES_ZMQ_CLIENT_PUBLIC and POSTES_ZMQ_CLIENT_SECRET "
		    "(postes-pusher keygen); not ringing", endpoint,
		    relay ? "relay" : "intake");
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if ((p->ctx = zmq_ctx_new()) == NULL)
		goto fail;
	if ((p->sock = zmq_socket(p->ctx, relay ? ZMQ_PUB : ZMQ_PUSH)) == NULL)
		goto fail;
	/*
	 * Never block the request: no send timeout, a bounded queue, and a
	 * short linger so that exit does not hang when the pusher is gone.
	 */
	zmq_setsockopt(p->sock, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_setsockopt(p->sock, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(p->sock, ZMQ_SNDTIMEO, &tmo, sizeof(tmo));
	if (strncmp(endpoint, "tcp://", 6) == 0 &&
	    (zmq_setsockopt(p->sock, ZMQ_CURVE_SERVERKEY,
	    cfg->zmq_server_public, 40) == -1 ||
	    zmq_setsockopt(p->sock, ZMQ_CURVE_PUBLICKEY,
	    cfg->zmq_client_public, 40) == -1 ||
	    zmq_setsockopt(p->sock, ZMQ_CURVE_SECRETKEY,
	    cfg->zmq_client_secret, 40) == -1)) {
		log_err("zmq CURVE keys: %s", zmq_strerror(zmq_errno()));
		goto fail;
	}
	if (zmq_connect(p->sock, endpoint) == -1) {
		log_err("zmq_connect %s: %s", endpoint, zmq_strerror(zmq_errno()));
		goto fail;
	}
	return p;
fail:
	ev_pub_close(p);
	return NULL;
}

void
ev_pub_close(struct ev_pub *p)
{
	if (p == NULL)
		return;
	if (p->sock != NULL)
		zmq_close(p->sock);
	if (p->ctx != NULL)
		zmq_ctx_term(p->ctx);
	free(p);
}

/*
 * Ring the doorbell: one message, the batch's highest id in decimal
 * (through the relay: the same message, to every pusher). The
 * pusher treats it as "the outbox has new rows" and reads them from the
 * outbox; the id is only a hint and is never trusted.
 */
void
ev_pub_send(struct ev_pub *p, struct ev_batch *b)
{
	char buf[24];
	int n;

	if (p != NULL && b->n > 0) {
		n = snprintf(buf, sizeof(buf), "%lld", b->last > 0 ? b->last : 0);
		if (zmq_send(p->sock, buf, (size_t)n, ZMQ_DONTWAIT) == -1)
			log_debug("doorbell not queued (%s); the pusher polls",
			    zmq_strerror(zmq_errno()));
	}
	ev_batch_clear(b);
}
