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
	    "FROM_UNIXTIME(?))",
	[STMT_FETCH_CHAN] = "SELECT id, type, created_at, session_id, poste_id, "
	    "payload FROM events WHERE id > ? AND (channels & ?) <> 0 "
	    "ORDER BY id LIMIT ?",
	[STMT_FETCH_SESSION] = "SELECT id, type, created_at, session_id, poste_id, "
	    "payload FROM events WHERE session_id = ? AND id > ? AND "
	    "(channels & 8) <> 0 ORDER BY id LIMIT ?",
	[STMT_FETCH_POSTE] = "SELECT id, type, created_at, session_id, poste_id, "
	    "payload FROM events WHERE poste_id = ? AND id > ? AND "
	    "(channels & 16) <> 0 ORDER BY id LIMIT ?",
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
	long long now;
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
	 * shows exactly what the live copy showed. */
	now = time_now_ms() / 1000;
	if ((e = DB_EXEC(db, stmts, STMT_INSERT, NULL, NULL, NULL,
	    DBS(evs[t].name), DBI(evs[t].channels),
	    session_id > 0 ? DBI(session_id) : DBNULL,
	    poste_id > 0 ? DBI(poste_id) : DBNULL, DBS(payload),
	    DBI(now))) != DB_OK)
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

struct ev_pub *
ev_pub_open(const char *endpoint)
{
	struct ev_pub *p;
	int linger = 200, hwm = 10000, tmo = 0;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if ((p->ctx = zmq_ctx_new()) == NULL)
		goto fail;
	if ((p->sock = zmq_socket(p->ctx, ZMQ_PUSH)) == NULL)
		goto fail;
	/*
	 * Never block the request: no send timeout, a bounded queue, and a
	 * short linger so that exit does not hang when the pusher is gone.
	 */
	zmq_setsockopt(p->sock, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_setsockopt(p->sock, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(p->sock, ZMQ_SNDTIMEO, &tmo, sizeof(tmo));
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

void
ev_pub_send(struct ev_pub *p, struct ev_batch *b)
{
	size_t i;

	for (i = 0; p != NULL && i < b->n; i++)
		if (zmq_send(p->sock, b->msg[i], strlen(b->msg[i]),
		    ZMQ_DONTWAIT) == -1)
			log_debug("event not queued (%s); the outbox keeps it",
			    zmq_strerror(zmq_errno()));
	ev_batch_clear(b);
}
