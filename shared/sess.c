/*
 * sess.c - the session and workstation state machine (see sess.h).
 *
 * Every transition follows one pattern: BEGIN; lock the row with
 * SELECT ... FOR UPDATE; check the state found; UPDATE; write the audit
 * row and the events; COMMIT. The checks read the state under the lock,
 * so concurrent callers (two staff, a kiosk and the clock) serialise on
 * the row and the loser sees the winner's result. The remaining time of
 * an active session is always computed by the database from fin_prevue
 * and its own clock (SESS_SQL_LEFT), never counted down in a column.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "config.h"
#include "crypto.h"
#include "log.h"
#include "timefmt.h"
#include "resa.h"
#include "rgpd.h"
#include "sess.h"

const char *const sess_statut_names[SESS_STATUT__MAX] = {
	"en_attente", "active", "suspendue", "terminee",
};
const char *const sess_raison_names[RAISON__MAX] = {
	"fermeture_normale", "temps_ecoule", "admin", "expiree",
};
const char *const poste_etat_names[POSTE_ETAT__MAX] = {
	"disponible", "occupe", "hors_ligne", "maintenance",
};

#define POSTE_COLS "p.id, p.nom, p.emplacement, p.etat, p.last_seen, " \
	"p.actif, p.created_at, p.updated_at, " \
	"(SELECT s.id FROM sessions s WHERE s.poste_actif = p.id) AS session_id " \
	"FROM postes p "

enum stmt {
	STMT_GET,
	STMT_GET_BY_CODE,
	STMT_POSTE_GET,
	STMT_USER_LOCK,
	STMT_INSERT,
	STMT_LOCK,
	STMT_POSTE_LOCK,
	STMT_START,
	STMT_POSTE_ETAT,
	STMT_EXTEND,
	STMT_SUSPEND,
	STMT_TERMINATE,
	STMT_HEARTBEAT,
	STMT_MAINT_OFF,
	STMT_DUE_END,
	STMT_DUE_WARN,
	STMT_WARNED,
	STMT_DUE_EXPIRE,
	STMT_DUE_OFFLINE,
	STMT_OFFLINE,
	STMT_NEXT_ACTIVE,
	STMT_NEXT_OTHER,
	STMT_PURGE_EVENTS,
	STMT_PURGE_THROTTLE,
	STMT_PURGE_STAFF_SESSIONS,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_GET] = "SELECT " SESS_SQL_FROM "WHERE s.id = ?",
	[STMT_GET_BY_CODE] = "SELECT " SESS_SQL_FROM "WHERE s.code_vivant = ?",
	[STMT_POSTE_GET] = "SELECT " POSTE_COLS "WHERE p.id = ?",
	[STMT_USER_LOCK] = "SELECT actif FROM utilisateurs WHERE id = ? "
	    "LOCK IN SHARE MODE",
	[STMT_INSERT] = "INSERT INTO sessions (utilisateur_id, code, statut, "
	    "duree_totale, temps_restant, valide_jusqu, created_by) "
	    "VALUES (?, ?, 'en_attente', ?, ?, FROM_UNIXTIME(?), ?)",
	[STMT_LOCK] = "SELECT s.statut, s.poste_id, s.valide_jusqu <= "
	    "UTC_TIMESTAMP(3), IF(s.statut = 'active', " SESS_SQL_LEFT ", "
	    "s.temps_restant) FROM sessions s WHERE s.id = ? FOR UPDATE",
	[STMT_POSTE_LOCK] = "SELECT etat, actif FROM postes WHERE id = ? "
	    "FOR UPDATE",
	[STMT_START] = "UPDATE sessions SET statut = 'active', poste_id = ?, "
	    /* Whole seconds (the wire's precision): the start is rounded
	     * down, so the clock shows exactly the balance when it starts. */
	    "fin_prevue = FROM_UNIXTIME(FLOOR(UNIX_TIMESTAMP(UTC_TIMESTAMP(3))) "
	    "  + temps_restant), "
	    "averti_jusqu = temps_restant, "
	    "started_at = COALESCE(started_at, UTC_TIMESTAMP(3)), "
	    "updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
	/* Set etat when it is one of the listed ones (a FIND_IN_SET list). */
	[STMT_POSTE_ETAT] = "UPDATE postes SET etat = ?, "
	    "updated_at = UTC_TIMESTAMP(3) WHERE id = ? AND FIND_IN_SET(etat, ?)",
	/* Seconds go to the balance, or push the end back when running;
	 * warnings restart from the new time left. */
	[STMT_EXTEND] = "UPDATE sessions s SET "
	    "s.averti_jusqu = IF(s.statut = 'active', " SESS_SQL_LEFT " + ?, NULL), "
	    "s.fin_prevue = IF(s.statut = 'active', "
	    "  s.fin_prevue + INTERVAL ? SECOND, s.fin_prevue), "
	    "s.temps_restant = IF(s.statut = 'active', s.temps_restant, "
	    "  s.temps_restant + ?), "
	    "s.duree_totale = s.duree_totale + ?, "
	    "s.updated_at = UTC_TIMESTAMP(3) WHERE s.id = ?",
	[STMT_SUSPEND] = "UPDATE sessions SET statut = 'suspendue', "
	    "temps_restant = ?, fin_prevue = NULL, averti_jusqu = NULL, "
	    "updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
	[STMT_TERMINATE] = "UPDATE sessions SET statut = 'terminee', raison = ?, "
	    "temps_restant = ?, ended_at = UTC_TIMESTAMP(3), "
	    "updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
	[STMT_HEARTBEAT] = "UPDATE postes SET last_seen = UTC_TIMESTAMP(3) "
	    "WHERE id = ? AND actif = 1",
	[STMT_MAINT_OFF] = "UPDATE postes p SET p.etat = IF(p.last_seen >= "
	    "UTC_TIMESTAMP(3) - INTERVAL ? SECOND, 'disponible', 'hors_ligne'), "
	    "p.updated_at = UTC_TIMESTAMP(3) WHERE p.id = ? AND "
	    "p.etat = 'maintenance'",
	[STMT_DUE_END] = "SELECT id FROM sessions WHERE statut = 'active' AND "
	    "fin_prevue <= UTC_TIMESTAMP(3) ORDER BY fin_prevue LIMIT 8",
	[STMT_DUE_WARN] = "SELECT s.id, " SESS_SQL_LEFT ", s.averti_jusqu, s.poste_id "
	    "FROM sessions s WHERE s.statut = 'active' AND "
	    "s.fin_prevue <= UTC_TIMESTAMP(3) + INTERVAL ? SECOND "
	    "ORDER BY s.fin_prevue LIMIT 8",
	/* Idempotent: only one caller moves the mark below this threshold. */
	[STMT_WARNED] = "UPDATE sessions SET averti_jusqu = ? WHERE id = ? AND "
	    "statut = 'active' AND (averti_jusqu IS NULL OR averti_jusqu > ?)",
	[STMT_DUE_EXPIRE] = "SELECT id FROM sessions WHERE statut IN "
	    "('en_attente', 'suspendue') AND valide_jusqu <= UTC_TIMESTAMP(3) "
	    "ORDER BY valide_jusqu LIMIT 8",
	[STMT_DUE_OFFLINE] = "SELECT id FROM postes WHERE actif = 1 AND "
	    "etat IN ('disponible', 'occupe') AND (last_seen IS NULL OR "
	    "last_seen < UTC_TIMESTAMP(3) - INTERVAL ? SECOND) LIMIT 8",
	[STMT_OFFLINE] = "UPDATE postes SET etat = 'hors_ligne', "
	    "updated_at = UTC_TIMESTAMP(3) WHERE id = ? AND "
	    "etat IN ('disponible', 'occupe') AND (last_seen IS NULL OR "
	    "last_seen < UTC_TIMESTAMP(3) - INTERVAL ? SECOND)",
	[STMT_NEXT_ACTIVE] = "SELECT TIMESTAMPDIFF(MICROSECOND, "
	    "UTC_TIMESTAMP(3), fin_prevue) DIV 1000, averti_jusqu "
	    "FROM sessions WHERE statut = 'active'",
	[STMT_NEXT_OTHER] = "SELECT TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(3), "
	    "LEAST(COALESCE((SELECT MIN(valide_jusqu) FROM sessions WHERE "
	    "  statut IN ('en_attente', 'suspendue')), '2199-01-01'), "
	    "COALESCE((SELECT MIN(last_seen) FROM postes WHERE actif = 1 AND "
	    "  etat IN ('disponible', 'occupe')) + INTERVAL ? SECOND, "
	    "  '2199-01-01'))) DIV 1000",

	/* Housekeeping: what no reader needs any more, in small bites. */
	[STMT_PURGE_EVENTS] = "DELETE FROM events WHERE created_at < "
	    "UTC_TIMESTAMP(3) - INTERVAL 7 DAY ORDER BY id LIMIT 5000",
	[STMT_PURGE_THROTTLE] = "DELETE FROM throttle WHERE window_start < "
	    "UTC_TIMESTAMP(3) - INTERVAL 1 DAY AND (blocked_until IS NULL OR "
	    "blocked_until < UTC_TIMESTAMP(3)) LIMIT 5000",
	[STMT_PURGE_STAFF_SESSIONS] = "DELETE FROM staff_sessions WHERE "
	    "expires_at < UTC_TIMESTAMP(3) LIMIT 5000",
};

static const struct config *cfg;

void
sess_configure(const struct config *c)
{
	cfg = c;
}

static long long
offline_after(void)
{
	return cfg != NULL ? 3LL * cfg->heartbeat_interval : 90;
}

static enum sess_err
dberr(enum db_err e)
{
	return e == DB_OK ? SESS_OK : SESS_DB;
}

static enum sess_err
get_json(struct db *db, int idx, const struct db_param *p,
    struct json_object **out)
{
	struct db_res *res = NULL;
	enum db_err e;

	*out = NULL;
	if ((e = db_exec(db, stmts, idx, p, 1, &res, NULL, NULL)) != DB_OK)
		return SESS_DB;
	if (res == NULL || res->nrows == 0) {
		db_res_free(res);
		return SESS_NOTFOUND;
	}
	*out = db_row_json(res, 0);
	db_res_free(res);
	return SESS_OK;
}

enum sess_err
sess_get(struct db *db, long long id, struct json_object **out)
{
	struct db_param p = DBI(id);

	return get_json(db, STMT_GET, &p, out);
}

enum sess_err
sess_get_by_code(struct db *db, const char *code, struct json_object **out)
{
	struct db_param p = DBS(code);

	return get_json(db, STMT_GET_BY_CODE, &p, out);
}

enum sess_err
poste_get(struct db *db, long long id, struct json_object **out)
{
	struct db_param p = DBI(id);

	return get_json(db, STMT_POSTE_GET, &p, out);
}

/* Record an event whose data is the session (or poste) as it is now. */
static enum sess_err
record_session(struct db *db, struct ev_batch *b, enum ev_type t,
    long long id, struct json_object *extra)
{
	struct json_object *o;
	enum sess_err se;
	long long pid;

	if ((se = sess_get(db, id, &o)) != SESS_OK)
		return se;
	if (extra != NULL) {
		json_object_object_foreach(extra, k, v)
			json_object_object_add(o, k, json_object_get(v));
	}
	pid = json_object_get_int64(json_object_object_get(o, "poste_id"));
	se = dberr(ev_record(db, b, t, id, pid, o));
	json_object_put(o);
	return se;
}

static enum sess_err
record_poste(struct db *db, struct ev_batch *b, enum ev_type t, long long pid)
{
	struct json_object *o;
	enum sess_err se;

	if ((se = poste_get(db, pid, &o)) != SESS_OK)
		return se;
	se = dberr(ev_record(db, b, t, 0, pid, o));
	json_object_put(o);
	return se;
}

/* Move poste pid to etat `to` if it is in one of `from`; event if moved. */
static enum sess_err
poste_move(struct db *db, struct ev_batch *b, long long pid,
    enum poste_etat to, const char *from)
{
	unsigned long long n = 0;
	enum db_err e;

	if (pid <= 0)
		return SESS_OK;
	if ((e = DB_EXEC(db, stmts, STMT_POSTE_ETAT, NULL, &n, NULL,
	    DBS(poste_etat_names[to]), DBI(pid), DBS(from))) != DB_OK)
		return SESS_DB;
	return n > 0 ? record_poste(db, b, EV_POSTE_STATUS, pid) : SESS_OK;
}

/* End a transaction: commit on success, else roll back and drop events. */
static enum sess_err
finish(struct db *db, struct ev_batch *b, size_t mark, enum sess_err se)
{
	if (se == SESS_OK && db_commit(db) != DB_OK)
		se = SESS_DB;
	if (se != SESS_OK) {
		db_rollback(db);
		while (b->n > mark)
			free(b->msg[--b->n]);
	}
	return se;
}

struct locked {
	enum sess_statut statut;
	long long	 poste_id;
	int		 expired;
	long long	 remaining;
};

/* Inside a transaction: lock session id and read its state. */
static enum sess_err
lock_session(struct db *db, long long id, struct locked *l)
{
	struct db_res *res = NULL;
	const char *st;
	int i;

	if (DB_EXEC(db, stmts, STMT_LOCK, &res, NULL, NULL, DBI(id)) != DB_OK)
		return SESS_DB;
	if (res == NULL || res->nrows == 0) {
		db_res_free(res);
		return SESS_NOTFOUND;
	}
	st = db_str(res, 0, 0);
	l->statut = SESS_TERMINEE;
	for (i = 0; i < SESS_STATUT__MAX; i++)
		if (strcmp(st, sess_statut_names[i]) == 0)
			l->statut = (enum sess_statut)i;
	l->poste_id = db_isnull(res, 0, 1) ? 0 : db_int(res, 0, 1);
	l->expired = (int)db_int(res, 0, 2);
	l->remaining = db_int(res, 0, 3);
	db_res_free(res);
	return SESS_OK;
}

enum sess_err
sess_create(struct db *db, struct ev_batch *b, const struct actor *a,
    long long uid, long long duree, long long valide_jusqu, long long sid,
    long long *id)
{
	struct db_res *res = NULL;
	unsigned long long iid = 0;
	char code[CODE_LEN + 1], detail[64];
	size_t mark = b->n;
	enum sess_err se = SESS_OK;
	enum db_err e = DB_OK;
	int tries;

	assert(duree >= SESS_DUREE_MIN && duree <= SESS_DUREE_MAX);
	if (db_begin(db) != DB_OK)
		return SESS_DB;
	if (DB_EXEC(db, stmts, STMT_USER_LOCK, &res, NULL, NULL, DBI(uid)) != DB_OK) {
		se = SESS_DB;
		goto out;
	}
	if (res == NULL || res->nrows == 0 || db_int(res, 0, 0) == 0) {
		se = SESS_USER_INACTIVE;
		goto out;
	}
	/* A code collides with a live one about once in 10^9 draws. */
	for (tries = 0; tries < 8; tries++) {
		code_new(code);
		e = DB_EXEC(db, stmts, STMT_INSERT, NULL, NULL, &iid, DBI(uid),
		    DBS(code), DBI(duree), DBI(duree), DBI(valide_jusqu),
		    sid > 0 ? DBI(sid) : DBNULL);
		if (e != DB_ERR_DUP)
			break;
	}
	if (e != DB_OK) {
		se = e == DB_ERR_FK ? SESS_USER_INACTIVE : SESS_DB;
		goto out;
	}
	*id = (long long)iid;
	snprintf(detail, sizeof(detail), "duree=%lld", duree);
	if ((se = dberr(audit_write(db, a, "session.create", "session", *id,
	    detail))) != SESS_OK)
		goto out;
	se = record_session(db, b, EV_SESSION_CREATED, *id, NULL);
out:
	db_res_free(res);
	return finish(db, b, mark, se);
}

enum sess_err
sess_start(struct db *db, struct ev_batch *b, const struct actor *a,
    long long id, long long pid)
{
	struct db_res *res = NULL;
	struct locked l;
	size_t mark = b->n;
	enum sess_err se;
	enum db_err e;

	if (db_begin(db) != DB_OK)
		return SESS_DB;
	if ((se = lock_session(db, id, &l)) != SESS_OK)
		goto out;
	if (l.statut != SESS_EN_ATTENTE && l.statut != SESS_SUSPENDUE) {
		se = SESS_STATE;
		goto out;
	}
	if (l.expired) {
		se = SESS_EXPIRED;
		goto out;
	}
	if (l.remaining <= 0) {
		se = SESS_NO_TIME;
		goto out;
	}
	if (DB_EXEC(db, stmts, STMT_POSTE_LOCK, &res, NULL, NULL, DBI(pid)) != DB_OK) {
		se = SESS_DB;
		goto out;
	}
	if (res == NULL || res->nrows == 0) {
		se = SESS_NOTFOUND;
		goto out;
	}
	if (db_int(res, 0, 1) == 0 ||
	    strcmp(db_str(res, 0, 0), "maintenance") == 0) {
		se = SESS_POSTE_UNAVAILABLE;
		goto out;
	}
	/* A reserved slot running now: only its holder starts here. */
	switch (resa_check_start(db, b, pid, id)) {
	case 0:
		break;
	case 1:
		se = SESS_RESERVED;
		goto out;
	default:
		se = SESS_DB;
		goto out;
	}
	e = DB_EXEC(db, stmts, STMT_START, NULL, NULL, NULL, DBI(pid), DBI(id));
	if (e != DB_OK) {
		se = e == DB_ERR_DUP ? SESS_POSTE_BUSY : SESS_DB;
		goto out;
	}
	if ((se = dberr(audit_write(db, a, "session.start", "session", id,
	    NULL))) != SESS_OK)
		goto out;
	/* Starting proves the poste is alive: count it as a heartbeat. */
	if (DB_EXEC(db, stmts, STMT_HEARTBEAT, NULL, NULL, NULL, DBI(pid)) != DB_OK) {
		se = SESS_DB;
		goto out;
	}
	if ((se = record_session(db, b, EV_SESSION_STARTED, id, NULL)) != SESS_OK)
		goto out;
	se = poste_move(db, b, pid, POSTE_OCCUPE, "disponible,hors_ligne");
out:
	db_res_free(res);
	return finish(db, b, mark, se);
}

enum sess_err
sess_extend(struct db *db, struct ev_batch *b, const struct actor *a,
    long long id, long long seconds)
{
	struct json_object *extra;
	struct locked l;
	char detail[64];
	size_t mark = b->n;
	enum sess_err se;

	if (db_begin(db) != DB_OK)
		return SESS_DB;
	if ((se = lock_session(db, id, &l)) != SESS_OK)
		goto out;
	if (l.statut == SESS_TERMINEE) {
		se = SESS_STATE;
		goto out;
	}
	if (l.remaining + seconds > SESS_DUREE_MAX) {
		se = SESS_NO_TIME;
		goto out;
	}
	if (DB_EXEC(db, stmts, STMT_EXTEND, NULL, NULL, NULL, DBI(seconds),
	    DBI(seconds), DBI(seconds), DBI(seconds), DBI(id)) != DB_OK) {
		se = SESS_DB;
		goto out;
	}
	snprintf(detail, sizeof(detail), "secondes=%lld", seconds);
	if ((se = dberr(audit_write(db, a, "session.extend", "session", id,
	    detail))) != SESS_OK)
		goto out;
	extra = json_object_new_object();
	json_object_object_add(extra, "ajout", json_object_new_int64(seconds));
	se = record_session(db, b, EV_SESSION_EXTENDED, id, extra);
	json_object_put(extra);
out:
	return finish(db, b, mark, se);
}

/* Inside a transaction, with l locked: end it with raison. */
static enum sess_err
terminate_locked(struct db *db, struct ev_batch *b, const struct actor *a,
    long long id, const struct locked *l, enum sess_raison raison)
{
	long long left = l->remaining;
	enum sess_err se;

	if (raison == RAISON_TEMPS_ECOULE)
		left = 0;
	if (DB_EXEC(db, stmts, STMT_TERMINATE, NULL, NULL, NULL,
	    DBS(sess_raison_names[raison]), DBI(left), DBI(id)) != DB_OK)
		return SESS_DB;
	if ((se = dberr(audit_write(db, a, "session.terminate", "session", id,
	    sess_raison_names[raison]))) != SESS_OK)
		return se;
	if ((se = record_session(db, b, EV_SESSION_TERMINATED, id, NULL)) != SESS_OK)
		return se;
	if (l->statut == SESS_ACTIVE)
		return poste_move(db, b, l->poste_id, POSTE_DISPONIBLE, "occupe");
	return SESS_OK;
}

enum sess_err
sess_suspend(struct db *db, struct ev_batch *b, const struct actor *a,
    long long id)
{
	struct locked l;
	size_t mark = b->n;
	enum sess_err se;

	if (db_begin(db) != DB_OK)
		return SESS_DB;
	if ((se = lock_session(db, id, &l)) != SESS_OK)
		goto out;
	if (l.statut != SESS_ACTIVE) {
		se = SESS_STATE;
		goto out;
	}
	/* Nothing left to keep: this is the end of the time, not a pause. */
	if (l.remaining <= 0) {
		se = terminate_locked(db, b, NULL, id, &l, RAISON_TEMPS_ECOULE);
		goto out;
	}
	if (DB_EXEC(db, stmts, STMT_SUSPEND, NULL, NULL, NULL,
	    DBI(l.remaining), DBI(id)) != DB_OK) {
		se = SESS_DB;
		goto out;
	}
	if ((se = dberr(audit_write(db, a, "session.suspend", "session", id,
	    NULL))) != SESS_OK)
		goto out;
	if ((se = record_session(db, b, EV_SESSION_SUSPENDED, id, NULL)) != SESS_OK)
		goto out;
	se = poste_move(db, b, l.poste_id, POSTE_DISPONIBLE, "occupe");
out:
	return finish(db, b, mark, se);
}

enum sess_err
sess_terminate(struct db *db, struct ev_batch *b, const struct actor *a,
    long long id, enum sess_raison raison)
{
	struct locked l;
	size_t mark = b->n;
	enum sess_err se;

	assert((unsigned int)raison < RAISON__MAX);
	if (db_begin(db) != DB_OK)
		return SESS_DB;
	if ((se = lock_session(db, id, &l)) != SESS_OK)
		goto out;
	if (l.statut == SESS_TERMINEE) {
		se = SESS_STATE;
		goto out;
	}
	se = terminate_locked(db, b, a, id, &l, raison);
out:
	return finish(db, b, mark, se);
}

enum sess_err
sess_note_code(struct db *db, struct ev_batch *b, enum ev_type t,
    long long session_id, long long pid, const char *motif)
{
	struct json_object *o = json_object_new_object();
	size_t mark = b->n;
	enum sess_err se;

	json_object_object_add(o, "poste_id", json_object_new_int64(pid));
	if (motif != NULL)
		json_object_object_add(o, "motif", json_object_new_string(motif));
	if (db_begin(db) != DB_OK) {
		json_object_put(o);
		return SESS_DB;
	}
	se = dberr(ev_record(db, b, t, session_id, pid, o));
	json_object_put(o);
	return finish(db, b, mark, se);
}

enum sess_err
poste_heartbeat(struct db *db, struct ev_batch *b, long long pid)
{
	unsigned long long n = 0;
	struct json_object *p = NULL;
	size_t mark = b->n;
	enum sess_err se;

	if (db_begin(db) != DB_OK)
		return SESS_DB;
	if (DB_EXEC(db, stmts, STMT_HEARTBEAT, NULL, &n, NULL, DBI(pid)) != DB_OK) {
		se = SESS_DB;
		goto out;
	}
	/* Back from hors_ligne: occupe if it still runs a session. */
	if ((se = poste_get(db, pid, &p)) != SESS_OK)
		goto out;
	if (json_object_get_int64(json_object_object_get(p, "session_id")) > 0)
		se = poste_move(db, b, pid, POSTE_OCCUPE, "hors_ligne");
	else
		se = poste_move(db, b, pid, POSTE_DISPONIBLE, "hors_ligne");
out:
	json_object_put(p);
	return finish(db, b, mark, se);
}

enum sess_err
poste_set_maintenance(struct db *db, struct ev_batch *b,
    const struct actor *a, long long pid, int on)
{
	struct db_res *res = NULL;
	unsigned long long n = 0;
	size_t mark = b->n;
	enum sess_err se = SESS_OK;

	if (db_begin(db) != DB_OK)
		return SESS_DB;
	if (DB_EXEC(db, stmts, STMT_POSTE_LOCK, &res, NULL, NULL, DBI(pid)) != DB_OK) {
		se = SESS_DB;
		goto out;
	}
	if (res == NULL || res->nrows == 0) {
		se = SESS_NOTFOUND;
		goto out;
	}
	if (on) {
		if (strcmp(db_str(res, 0, 0), "occupe") == 0) {
			se = SESS_POSTE_BUSY;
			goto out;
		}
		se = poste_move(db, b, pid, POSTE_MAINTENANCE,
		    "disponible,hors_ligne");
	} else {
		if (DB_EXEC(db, stmts, STMT_MAINT_OFF, NULL, &n, NULL,
		    DBI(offline_after()), DBI(pid)) != DB_OK) {
			se = SESS_DB;
			goto out;
		}
		if (n > 0)
			se = record_poste(db, b, EV_POSTE_STATUS, pid);
	}
	if (se == SESS_OK)
		se = dberr(audit_write(db, a, on ? "poste.maintenance_on" :
		    "poste.maintenance_off", "poste", pid, NULL));
out:
	db_res_free(res);
	return finish(db, b, mark, se);
}

/* The clock ------------------------------------------------------------ */

/* The ids a "due" query returns (at most 8 a round). */
static int
due_ids(struct db *db, int idx, const struct db_param *p, size_t np,
    long long ids[8])
{
	struct db_res *res = NULL;
	size_t i, n = 0;

	if (db_exec(db, stmts, idx, p, np, &res, NULL, NULL) != DB_OK)
		return -1;
	for (i = 0; res != NULL && i < res->nrows && n < 8; i++)
		ids[n++] = db_int(res, i, 0);
	db_res_free(res);
	return (int)n;
}

static void
flush(struct ev_batch *b, struct ev_pub *pub)
{
	if (pub != NULL && b->n > EV_BATCH_MAX / 2)
		ev_pub_send(pub, b);
}

/* Smallest threshold at or above left and below mark, or -1. */
static long long
warn_threshold(long long left, long long mark)
{
	long long t = -1;
	size_t i;

	for (i = 0; cfg != NULL && i < cfg->nwarn; i++)
		if (cfg->warn[i] >= left && cfg->warn[i] < mark)
			t = cfg->warn[i];	/* warn[] is descending */
	return t;
}

static int
sweep_warnings(struct db *db, struct ev_batch *b, struct ev_pub *pub)
{
	struct db_res *res = NULL;
	struct json_object *extra;
	unsigned long long n;
	long long id, left, mark, t;
	size_t i, bm;
	int changes = 0;

	if (cfg == NULL || cfg->nwarn == 0)
		return 0;
	if (DB_EXEC(db, stmts, STMT_DUE_WARN, &res, NULL, NULL,
	    DBI(cfg->warn[0])) != DB_OK)
		return -1;
	for (i = 0; res != NULL && i < res->nrows; i++) {
		id = db_int(res, i, 0);
		left = db_int(res, i, 1);
		mark = db_isnull(res, i, 2) ? 1LL << 40 : db_int(res, i, 2);
		if (left <= 0 || (t = warn_threshold(left, mark)) < 0)
			continue;
		if (b->n > EV_BATCH_MAX - 4 && pub == NULL)
			break;
		bm = b->n;
		if (db_begin(db) != DB_OK)
			break;
		n = 0;
		if (DB_EXEC(db, stmts, STMT_WARNED, NULL, &n, NULL, DBI(t),
		    DBI(id), DBI(t)) != DB_OK || n == 0) {
			finish(db, b, bm, n == 0 ? SESS_STATE : SESS_DB);
			continue;
		}
		extra = json_object_new_object();
		json_object_object_add(extra, "seuil", json_object_new_int64(t));
		if (finish(db, b, bm, record_session(db, b, EV_WARNING, id,
		    extra)) == SESS_OK)
			changes++;
		json_object_put(extra);
		flush(b, pub);
	}
	db_res_free(res);
	return changes;
}

/*
 * Events older than a week (clients that far behind get a reset), spent
 * throttle counters and expired staff sessions go, at most every ten
 * minutes per process.
 */
static void
purge(struct db *db)
{
	static long long last;
	long long now = time_now_ms() / 1000;

	if (now - last < 600)
		return;
	last = now;
	DB_EXEC0(db, stmts, STMT_PURGE_EVENTS, NULL, NULL, NULL);
	DB_EXEC0(db, stmts, STMT_PURGE_THROTTLE, NULL, NULL, NULL);
	DB_EXEC0(db, stmts, STMT_PURGE_STAFF_SESSIONS, NULL, NULL, NULL);
}

int
clock_sweep(struct db *db, const struct config *c, struct ev_batch *b,
    struct ev_pub *pub)
{
	struct db_param p;
	long long ids[8];
	int i, n, changes = 0, w;

	if (c != NULL)
		cfg = c;
	purge(db);
	/* Time's up: end with temps_ecoule. */
	if ((n = due_ids(db, STMT_DUE_END, NULL, 0, ids)) < 0)
		return -1;
	for (i = 0; i < n && (pub != NULL || b->n < EV_BATCH_MAX - 4); i++) {
		struct locked l;
		size_t mark = b->n;
		enum sess_err se;

		if (db_begin(db) != DB_OK)
			return -1;
		se = lock_session(db, ids[i], &l);
		if (se == SESS_OK && (l.statut != SESS_ACTIVE || l.remaining > 0))
			se = SESS_STATE;	/* someone was faster, or extended */
		if (se == SESS_OK)
			se = terminate_locked(db, b, NULL, ids[i], &l,
			    RAISON_TEMPS_ECOULE);
		if (finish(db, b, mark, se) == SESS_OK)
			changes++;
		flush(b, pub);
	}
	/* Warnings. */
	if ((w = sweep_warnings(db, b, pub)) < 0)
		return -1;
	changes += w;
	/* Codes past their validity. */
	if ((n = due_ids(db, STMT_DUE_EXPIRE, NULL, 0, ids)) < 0)
		return -1;
	for (i = 0; i < n && (pub != NULL || b->n < EV_BATCH_MAX - 4); i++) {
		if (sess_terminate(db, b, NULL, ids[i], RAISON_EXPIREE) == SESS_OK)
			changes++;
		flush(b, pub);
	}
	/* Reservations nobody came for; the RGPD retention. */
	if ((w = resa_sweep(db, cfg, b)) < 0 || rgpd_sweep(db, cfg) < 0)
		return -1;
	changes += w;
	flush(b, pub);
	/* Silent workstations. */
	p = DBI(offline_after());
	if ((n = due_ids(db, STMT_DUE_OFFLINE, &p, 1, ids)) < 0)
		return -1;
	for (i = 0; i < n && (pub != NULL || b->n < EV_BATCH_MAX - 4); i++) {
		unsigned long long moved = 0;
		size_t mark = b->n;
		enum sess_err se = SESS_OK;

		if (db_begin(db) != DB_OK)
			return -1;
		if (DB_EXEC(db, stmts, STMT_OFFLINE, NULL, &moved, NULL,
		    DBI(ids[i]), DBI(offline_after())) != DB_OK)
			se = SESS_DB;
		else if (moved > 0)
			se = record_poste(db, b, EV_POSTE_STATUS, ids[i]);
		if (finish(db, b, mark, se) == SESS_OK && moved > 0)
			changes++;
		flush(b, pub);
	}
	return changes;
}

long long
clock_next_deadline_ms(struct db *db, const struct config *c)
{
	struct db_res *res = NULL;
	long long next = 1000, left, mark, t;
	size_t i, k;

	if (c != NULL)
		cfg = c;
	if (DB_EXEC0(db, stmts, STMT_NEXT_ACTIVE, &res, NULL, NULL) != DB_OK)
		return -1;
	for (i = 0; res != NULL && i < res->nrows; i++) {
		left = db_int(res, i, 0);
		if (left < next)
			next = left;
		mark = db_isnull(res, i, 1) ? 1LL << 40 : db_int(res, i, 1) * 1000;
		/* The next threshold this session will cross. */
		for (k = 0; cfg != NULL && k < cfg->nwarn; k++) {
			t = cfg->warn[k] * 1000LL;
			if (t < mark && left > t && left - t < next)
				next = left - t;
		}
	}
	db_res_free(res);
	res = NULL;
	if (DB_EXEC(db, stmts, STMT_NEXT_OTHER, &res, NULL, NULL,
	    DBI(offline_after())) != DB_OK)
		return -1;
	if (res != NULL && res->nrows > 0 && !db_isnull(res, 0, 0) &&
	    db_int(res, 0, 0) < next)
		next = db_int(res, 0, 0);
	db_res_free(res);
	return next < 0 ? 0 : next;
}
