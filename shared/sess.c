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
#include "hours.h"
#include "resa.h"
#include "rules.h"
#include "sess_int.h"

const char *const sess_statut_names[SESS_STATUT__MAX + 1] = {
	"en_attente", "active", "suspendue", "terminee", NULL,
};
const char *const sess_raison_names[RAISON__MAX + 1] = {
	"fermeture_normale", "temps_ecoule", "admin", "expiree",
	"fermeture_site", NULL,
};
const char *const poste_etat_names[POSTE_ETAT__MAX + 1] = {
	"disponible", "occupe", "hors_ligne", "maintenance", NULL,
};

/* What a transition reads of a session under its row lock (struct locked). */
#define LOCK_COLS "s.statut, s.poste_id, s.valide_jusqu <= " \
	"UTC_TIMESTAMP(3), IF(s.statut = 'active', " SESS_SQL_LEFT ", " \
	"s.temps_restant), COALESCE(s.utilisateur_id, 0), s.invite, " \
	"s.duree_totale, UNIX_TIMESTAMP(UTC_TIMESTAMP()), " \
	"COALESCE(UNIX_TIMESTAMP(s.fin_prevue), 0), " \
	"s.ferme_a IS NOT NULL AND s.fin_prevue >= s.ferme_a "

enum stmt {
	STMT_GET,
	STMT_GET_BY_CODE,
	STMT_POSTE_GET,
	STMT_USER_LOCK,
	STMT_INSERT,
	STMT_LOCK,
	STMT_LOCK_CODE,
	STMT_POSTE_LOCK,
	STMT_START,
	STMT_POSTE_ETAT,
	STMT_EXTEND,
	STMT_SUSPEND,
	STMT_TERMINATE,
	STMT_HEARTBEAT,
	STMT_MAINT_OFF,
	STMT_GUEST_INSERT,
	STMT_LOT_INSERT,
	STMT_SITE_ACTIVE,
	STMT_RECAP,
	STMT_SEEN_BEFORE,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_GET] = "SELECT " SESS_SQL_FROM "WHERE s.id = ?",
	[STMT_GET_BY_CODE] = "SELECT " SESS_SQL_FROM "WHERE s.code_vivant = ?",
	[STMT_POSTE_GET] = "SELECT " POSTE_SQL_FROM "WHERE p.id = ?",
	/* The person's row serialises the quota checks of that person. */
	[STMT_USER_LOCK] = "SELECT actif, categorie_id FROM utilisateurs "
	    "WHERE id = ? FOR UPDATE",
	[STMT_INSERT] = "INSERT INTO sessions (utilisateur_id, categorie_id, "
	    "code, statut, duree_totale, temps_restant, valide_jusqu, created_by) "
	    "VALUES (?, ?, ?, 'en_attente', ?, ?, FROM_UNIXTIME(?), ?)",
	[STMT_LOCK] = "SELECT " LOCK_COLS "FROM sessions s WHERE s.id = ? FOR UPDATE",
	/* The live session of a code, locked (the kiosk's validate). */
	[STMT_LOCK_CODE] = "SELECT " LOCK_COLS ", s.id "
	    "FROM sessions s WHERE s.code_vivant = ? FOR UPDATE",
	[STMT_POSTE_LOCK] = "SELECT etat, actif, COALESCE(site_id, 0), nom "
	    "FROM postes WHERE id = ? FOR UPDATE",
	/* Whole seconds (the wire's precision): the start is the database's
	 * second, so the clock shows exactly the balance when it starts. A
	 * run cut by the closing gives up the rest of its balance (cut). */
	[STMT_START] = "UPDATE sessions SET statut = 'active', poste_id = ?, "
	    "fin_prevue = FROM_UNIXTIME(?), temps_restant = ?, "
	    "duree_totale = duree_totale - ?, ferme_a = FROM_UNIXTIME(?), "
	    "averti_jusqu = ?, averti_fermeture = NULL, "
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
	    "s.ferme_a = COALESCE(FROM_UNIXTIME(?), s.ferme_a), "
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
	[STMT_GUEST_INSERT] = "INSERT INTO sessions (utilisateur_id, "
	    "categorie_id, invite, lot_id, code, statut, duree_totale, "
	    "temps_restant, valide_jusqu, created_by) VALUES (NULL, ?, 1, ?, ?, "
	    "'en_attente', ?, ?, FROM_UNIXTIME(?), ?)",
	[STMT_LOT_INSERT] = "INSERT INTO invite_lots (nombre, duree, "
	    "valide_jusqu, created_by) VALUES (?, ?, FROM_UNIXTIME(?), ?)",
	/* Seen before: a first heartbeat is not a return. */
	[STMT_SEEN_BEFORE] = "SELECT last_seen IS NOT NULL FROM postes "
	    "WHERE id = ? FOR UPDATE",
	[STMT_SITE_ACTIVE] = "SELECT s.id FROM sessions s JOIN postes p ON "
	    "p.id = s.poste_actif WHERE p.site_id = ? ORDER BY s.id LIMIT 500",
	/* The hours changed under a running session: end it at close. */
	[STMT_RECAP] = "UPDATE sessions SET fin_prevue = FROM_UNIXTIME(?), "
	    "ferme_a = FROM_UNIXTIME(?), duree_totale = duree_totale - ?, "
	    "averti_jusqu = LEAST(COALESCE(averti_jusqu, ?), ?), "
	    "updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
};

enum sess_err
sess_dberr(enum db_err e)
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
enum sess_err
sess_record_session(struct db *db, struct ev_batch *b, enum ev_type t,
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
	se = sess_dberr(ev_record(db, b, t, id, pid, o));
	json_object_put(o);
	return se;
}

enum sess_err
sess_record_poste(struct db *db, struct ev_batch *b, enum ev_type t, long long pid)
{
	struct json_object *o;
	enum sess_err se;

	if ((se = poste_get(db, pid, &o)) != SESS_OK)
		return se;
	se = sess_dberr(ev_record(db, b, t, 0, pid, o));
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
	return n > 0 ? sess_record_poste(db, b, EV_POSTE_STATUS, pid) : SESS_OK;
}
/* End a transaction: commit on success, else roll back and drop events. */
enum sess_err
sess_finish(struct db *db, struct ev_batch *b, size_t mark, enum sess_err se)
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

/* The row of a LOCK_COLS statement into l. */
static void
lock_read(const struct db_res *res, struct locked *l)
{
	const char *st;
	int i;

	st = db_str(res, 0, 0);
	l->statut = SESS_TERMINEE;
	for (i = 0; i < SESS_STATUT__MAX; i++)
		if (strcmp(st, sess_statut_names[i]) == 0)
			l->statut = (enum sess_statut)i;
	l->poste_id = db_isnull(res, 0, 1) ? 0 : db_int(res, 0, 1);
	l->expired = (int)db_int(res, 0, 2);
	l->remaining = db_int(res, 0, 3);
	l->utilisateur_id = db_int(res, 0, 4);
	l->invite = (int)db_int(res, 0, 5);
	l->duree_totale = db_int(res, 0, 6);
	l->now = db_int(res, 0, 7);
	l->fin = db_int(res, 0, 8);
	l->closing = !db_isnull(res, 0, 9) && db_int(res, 0, 9) != 0;
}

enum sess_err
sess_lock(struct db *db, long long id, struct locked *l)
{
	struct db_res *res = NULL;

	memset(l, 0, sizeof(*l));
	if (DB_EXEC(db, stmts, STMT_LOCK, &res, NULL, NULL, DBI(id)) != DB_OK)
		return SESS_DB;
	if (res == NULL || res->nrows == 0) {
		db_res_free(res);
		return SESS_NOTFOUND;
	}
	lock_read(res, l);
	db_res_free(res);
	return SESS_OK;
}

static int	end_if_past(struct db *, struct ev_batch *, long long,
		    const struct locked *, size_t, enum sess_err *);

static void
note_init(struct sess_note *n)
{
	if (n == NULL)
		return;
	memset(n, 0, sizeof(*n));
	n->restant_jour = n->restant_semaine = -1;
}

/*
 * The allowance rule: adding seconds to what person uid (0: a guest
 * pass already holding `held` seconds) has been given must stay within
 * the category's daily and weekly limits (rules.h says what counts).
 * Inside a transaction that holds the person's row (or the pass's).
 */
static enum sess_err
quota_check(struct db *db, long long uid, long long held, long long adding,
    long long now, struct sess_note *note)
{
	struct quota q;
	int rc;

	if ((rc = rules_quota(db, uid, now, &q)) < 0)
		return SESS_DB;
	if (rc > 0)
		return uid > 0 ? SESS_USER_INACTIVE : SESS_OK;
	if (uid <= 0) {
		q.utilise_jour = held;
		q.restant_jour = q.jour < 0 ? -1 :
		    q.jour > held ? q.jour - held : 0;
		q.restant_semaine = -1;
	}
	if (note != NULL) {
		note->restant_jour = q.restant_jour;
		note->restant_semaine = q.restant_semaine;
	}
	/* adding == 0: the time already given must still fit (validate,
	 * start), the limits may have been lowered since. */
	if (q.jour >= 0 && q.utilise_jour + adding > q.jour)
		return SESS_QUOTA_JOUR;
	if (q.semaine >= 0 && q.utilise_semaine + adding > q.semaine)
		return SESS_QUOTA_SEMAINE;
	if (note != NULL) {
		if (note->restant_jour >= 0)
			note->restant_jour -= adding;
		if (note->restant_semaine >= 0)
			note->restant_semaine -= adding;
	}
	return SESS_OK;
}

/* The person's row, locked: SESS_OK with *cat, or why not. */
static enum sess_err
lock_person(struct db *db, long long uid, long long *cat)
{
	struct db_res *res = NULL;
	enum sess_err se = SESS_OK;

	if (DB_EXEC(db, stmts, STMT_USER_LOCK, &res, NULL, NULL, DBI(uid)) != DB_OK)
		return SESS_DB;
	if (res == NULL || res->nrows == 0 || db_int(res, 0, 0) == 0)
		se = SESS_USER_INACTIVE;
	else if (cat != NULL)
		*cat = db_int(res, 0, 1);
	db_res_free(res);
	return se;
}

/* Insert a session with a fresh code (stmt INSERT or GUEST_INSERT). */
static enum db_err
insert_code(struct db *db, int idx, const struct db_param *p, size_t np,
    unsigned long long *iid)
{
	char code[CODE_LEN + 1];
	struct db_param q[8];
	enum db_err e = DB_OK;
	size_t ci = 2;	/* the code is the third parameter of both */
	int tries;

	assert(np < 8);
	memcpy(q, p, np * sizeof(*p));
	/* A code collides with a live one about once in 10^9 draws. */
	for (tries = 0; tries < 8; tries++) {
		code_new(code);
		q[ci] = DBS(code);
		e = db_exec(db, stmts, idx, q, np, NULL, NULL, iid);
		if (e != DB_ERR_DUP)
			break;
	}
	return e;
}

enum sess_err
sess_create(struct db *db, struct ev_batch *b, const struct actor *a,
    long long uid, long long duree, long long valide_jusqu, long long sid,
    long long *id, struct sess_note *note)
{
	unsigned long long iid = 0;
	char detail[64];
	size_t mark = b->n;
	enum sess_err se = SESS_OK;
	enum db_err e = DB_OK;
	long long cat = 1, now;

	assert(duree >= SESS_DUREE_MIN && duree <= SESS_DUREE_MAX);
	note_init(note);
	if (db_begin(db) != DB_OK)
		return SESS_DB;
	if ((se = lock_person(db, uid, &cat)) != SESS_OK)
		goto out;
	if (rules_now(db, &now) == -1) {
		se = SESS_DB;
		goto out;
	}
	if ((se = quota_check(db, uid, 0, duree, now, note)) != SESS_OK)
		goto out;
	e = insert_code(db, STMT_INSERT, (struct db_param[]){ DBI(uid),
	    DBI(cat), DBNULL, DBI(duree), DBI(duree), DBI(valide_jusqu),
	    sid > 0 ? DBI(sid) : DBNULL }, 7, &iid);
	if (e != DB_OK) {
		se = e == DB_ERR_FK ? SESS_USER_INACTIVE : SESS_DB;
		goto out;
	}
	*id = (long long)iid;
	snprintf(detail, sizeof(detail), "duree=%lld", duree);
	if ((se = sess_dberr(audit_write(db, a, "session.create", "session", *id,
	    detail))) != SESS_OK)
		goto out;
	se = sess_record_session(db, b, EV_SESSION_CREATED, *id, NULL);
out:
	return sess_finish(db, b, mark, se);
}

enum sess_err
sess_create_guests(struct db *db, struct ev_batch *b, const struct actor *a,
    int n, long long duree, long long sid, long long *lot, long long *ids)
{
	struct json_object *o;
	struct quota q;
	unsigned long long iid = 0;
	char detail[64];
	size_t mark = b->n;
	enum sess_err se = SESS_OK;
	enum db_err e;
	long long now, until;
	int i, rc;

	assert(n >= 1 && n <= SESS_LOT_MAX);
	assert(duree >= SESS_DUREE_MIN && duree <= SESS_DUREE_MAX);
	if (db_begin(db) != DB_OK)
		return SESS_DB;
	if (rules_now(db, &now) == -1 ||
	    (rc = rules_categorie(db, "invite", &q)) < 0) {
		se = SESS_DB;
		goto out;
	}
	if (rc > 0) {
		se = SESS_USER_INACTIVE;	/* no invite category */
		goto out;
	}
	if (q.jour >= 0 && duree > q.jour) {
		se = SESS_QUOTA_JOUR;
		goto out;
	}
	/* Unused passes end with the local day. */
	until = hours_day_end(now);
	if ((e = DB_EXEC(db, stmts, STMT_LOT_INSERT, NULL, NULL, &iid,
	    DBI(n), DBI(duree), DBI(until), sid > 0 ? DBI(sid) : DBNULL)) !=
	    DB_OK) {
		se = SESS_DB;
		goto out;
	}
	*lot = (long long)iid;
	for (i = 0; i < n; i++) {
		e = insert_code(db, STMT_GUEST_INSERT, (struct db_param[]){
		    DBI(q.categorie_id), DBI(*lot), DBNULL, DBI(duree),
		    DBI(duree), DBI(until), sid > 0 ? DBI(sid) : DBNULL }, 7,
		    &iid);
		if (e != DB_OK) {
			se = SESS_DB;
			goto out;
		}
		ids[i] = (long long)iid;
	}
	snprintf(detail, sizeof(detail), "nombre=%d duree=%lld", n, duree);
	if ((se = sess_dberr(audit_write(db, a, "invite.create", "invite_lot",
	    *lot, detail))) != SESS_OK)
		goto out;
	o = json_object_new_object();
	json_object_object_add(o, "lot_id", json_object_new_int64(*lot));
	json_object_object_add(o, "nombre", json_object_new_int64(n));
	json_object_object_add(o, "duree", json_object_new_int64(duree));
	se = sess_dberr(ev_record(db, b, EV_INVITES_CREATED, 0, 0, o));
	json_object_put(o);
out:
	return sess_finish(db, b, mark, se);
}

/*
 * The checks of a start, inside the transaction, l locked: the session
 * may run, the poste can take it, its site is open, the allowance holds.
 * *run receives the seconds it will run, *close the closing (or 0);
 * *nom, when nom is not NULL, the poste's name once its row is locked
 * (a new json string the caller owns; left alone otherwise).
 */
static enum sess_err
admit_locked(struct db *db, long long id, const struct locked *l,
    long long pid, long long *run, long long *close, struct sess_note *note,
    struct json_object **nom)
{
	struct db_res *res = NULL;
	enum sess_err se = SESS_OK;
	long long site = 0;
	int open;

	(void)id;
	*close = 0;
	*run = l->remaining;
	if (l->statut == SESS_ACTIVE)
		return l->poste_id == pid ? SESS_STATE : SESS_ELSEWHERE;
	if (l->statut != SESS_EN_ATTENTE && l->statut != SESS_SUSPENDUE)
		return SESS_STATE;
	if (l->expired)
		return SESS_EXPIRED;
	if (l->remaining <= 0)
		return SESS_NO_TIME;
	if (DB_EXEC(db, stmts, STMT_POSTE_LOCK, &res, NULL, NULL, DBI(pid)) != DB_OK)
		return SESS_DB;
	if (res == NULL || res->nrows == 0)
		se = SESS_NOTFOUND;
	else if (db_int(res, 0, 1) == 0 ||
	    strcmp(db_str(res, 0, 0), "maintenance") == 0)
		se = SESS_POSTE_UNAVAILABLE;
	else {
		site = db_int(res, 0, 2);
		if (nom != NULL)
			*nom = json_object_new_string(db_str(res, 0, 3));
	}
	db_res_free(res);
	if (se != SESS_OK)
		return se;
	/* Opening hours: closed refuses, the closing cuts the run. */
	if (site > 0) {
		if ((open = rules_site_window(db, site, l->now, close)) == -2)
			return SESS_DB;
		if (open == 0)
			return SESS_SITE_CLOSED;
		if (open < 0)
			*close = 0;
	}
	if (*close > 0 && l->now + *run > *close)
		*run = *close - l->now;
	if (note != NULL) {
		note->coupe = l->remaining - *run;
		note->ferme_a = *close > 0 && l->now + *run >= *close ? *close : 0;
	}
	if (l->utilisateur_id > 0 && (se = lock_person(db, l->utilisateur_id,
	    NULL)) != SESS_OK)
		return se;
	return quota_check(db, l->utilisateur_id, l->duree_totale, 0, l->now,
	    note);
}

enum sess_err
sess_admit(struct db *db, long long id, long long pid, struct sess_note *note)
{
	struct locked l;
	long long run, close;
	enum sess_err se;

	note_init(note);
	if (db_begin(db) != DB_OK)
		return SESS_DB;
	if ((se = sess_lock(db, id, &l)) == SESS_OK)
		se = admit_locked(db, id, &l, pid, &run, &close, note, NULL);
	db_rollback(db);
	return se;
}

/*
 * The kiosk's validate in one transaction: lock the live session of
 * code, end it first when it is past its end (SESS_NO_TIME then, the
 * ending committed), run the checks of a start (admit_locked: the same
 * rules and locks as sess_start, the database's clock), and record
 * code_valid with the session as it is under the lock, poste filled.
 * A session already running on pid is a reload: valid again. The
 * counter of the outbox is taken last, so its lock is held only for the
 * insert and the commit.
 */
enum sess_err
sess_validate(struct db *db, struct ev_batch *b, const char *code,
    long long pid, struct sess_note *note, long long *sid,
    struct json_object **out)
{
	struct db_res *res = NULL;
	struct json_object *o = NULL, *d, *nom = NULL;
	struct locked l;
	size_t mark = b->n;
	long long run, close;
	enum sess_err se;

	note_init(note);
	*sid = 0;
	*out = NULL;
	if (db_begin(db) != DB_OK)
		return SESS_DB;
	if (DB_EXEC(db, stmts, STMT_LOCK_CODE, &res, NULL, NULL,
	    DBS(code)) != DB_OK) {
		se = SESS_DB;
		goto out;
	}
	if (res == NULL || res->nrows == 0) {
		db_res_free(res);
		se = SESS_NOTFOUND;
		goto out;
	}
	memset(&l, 0, sizeof(l));
	lock_read(res, &l);
	*sid = db_int(res, 0, 10);
	db_res_free(res);
	/* Running past its end with no clock yet: it ends now. */
	if (end_if_past(db, b, *sid, &l, mark, &se))
		return se == SESS_OK ? SESS_NO_TIME : se;
	se = admit_locked(db, *sid, &l, pid, &run, &close, note, &nom);
	if (se == SESS_STATE && l.statut == SESS_ACTIVE && l.poste_id == pid)
		se = SESS_OK;	/* already running here: a reload */
	if (se != SESS_OK)
		goto out;
	if ((se = sess_get(db, *sid, &o)) != SESS_OK)
		goto out;
	/* The seed's "poste": where the code is typed. */
	if (nom == NULL)
		nom = json_object_get(json_object_object_get(o, "poste_nom"));
	json_object_object_add(o, "poste", nom);
	nom = NULL;
	d = json_object_new_object();
	json_object_object_add(d, "poste_id", json_object_new_int64(pid));
	json_object_object_add(d, "session", json_object_get(o));
	se = sess_dberr(ev_record(db, b, EV_CODE_VALID, *sid, pid, d));
	json_object_put(d);
out:
	json_object_put(nom);
	if ((se = sess_finish(db, b, mark, se)) == SESS_OK)
		*out = o;
	else
		json_object_put(o);
	return se;
}

enum sess_err
sess_start(struct db *db, struct ev_batch *b, const struct actor *a,
    long long id, long long pid, struct sess_note *note)
{
	struct locked l;
	size_t mark = b->n;
	long long run, close, cut;
	enum sess_err se;
	enum db_err e;

	note_init(note);
	if (db_begin(db) != DB_OK)
		return SESS_DB;
	if ((se = sess_lock(db, id, &l)) != SESS_OK)
		goto out;
	if ((se = admit_locked(db, id, &l, pid, &run, &close, note,
	    NULL)) != SESS_OK)
		goto out;
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
	cut = l.remaining - run;
	e = DB_EXEC(db, stmts, STMT_START, NULL, NULL, NULL, DBI(pid),
	    DBI(l.now + run), DBI(run), DBI(cut),
	    close > 0 && l.now + run >= close ? DBI(close) : DBNULL,
	    DBI(run), DBI(id));
	if (e != DB_OK) {
		se = e == DB_ERR_DUP ? SESS_POSTE_BUSY : SESS_DB;
		goto out;
	}
	if ((se = sess_dberr(audit_write(db, a, "session.start", "session", id,
	    NULL))) != SESS_OK)
		goto out;
	/* Starting proves the poste is alive: count it as a heartbeat. */
	if (DB_EXEC(db, stmts, STMT_HEARTBEAT, NULL, NULL, NULL, DBI(pid)) != DB_OK) {
		se = SESS_DB;
		goto out;
	}
	if ((se = sess_record_session(db, b, EV_SESSION_STARTED, id, NULL)) != SESS_OK)
		goto out;
	se = poste_move(db, b, pid, POSTE_OCCUPE, "disponible,hors_ligne");
out:
	return sess_finish(db, b, mark, se);
}

/* The site of poste pid (0: none), read without a lock. */
static long long
poste_site(struct db *db, long long pid)
{
	struct db_res *res = NULL;
	long long site = 0;

	if (DB_EXEC(db, stmts, STMT_POSTE_LOCK, &res, NULL, NULL, DBI(pid)) ==
	    DB_OK && res != NULL && res->nrows > 0)
		site = db_int(res, 0, 2);
	db_res_free(res);
	return site;
}

enum sess_err
sess_extend(struct db *db, struct ev_batch *b, const struct actor *a,
    long long id, long long seconds, struct sess_note *note)
{
	struct json_object *extra;
	struct locked l;
	char detail[64];
	size_t mark = b->n;
	long long site, close = 0, add = seconds;
	enum sess_err se;
	int open;

	note_init(note);
	if (db_begin(db) != DB_OK)
		return SESS_DB;
	if ((se = sess_lock(db, id, &l)) != SESS_OK)
		goto out;
	if (l.statut == SESS_TERMINEE) {
		se = SESS_STATE;
		goto out;
	}
	/* Too late: time is up, even if no clock has said so yet. */
	if (end_if_past(db, b, id, &l, mark, &se))
		return se == SESS_OK ? SESS_STATE : se;
	if (l.remaining + seconds > SESS_DUREE_MAX) {
		se = SESS_NO_TIME;
		goto out;
	}
	/* A running session only up to its site's closing. */
	if (l.statut == SESS_ACTIVE && (site = poste_site(db, l.poste_id)) > 0) {
		if ((open = rules_site_window(db, site, l.now, &close)) == -2) {
			se = SESS_DB;
			goto out;
		}
		if (open == 0 || (open > 0 && l.fin >= close)) {
			se = SESS_CLOSING;
			if (note != NULL)
				note->ferme_a = open > 0 ? close : 0;
			goto out;
		}
		if (open < 0)
			close = 0;
		if (close > 0 && l.fin + add > close)
			add = close - l.fin;
	}
	if (l.utilisateur_id > 0 && (se = lock_person(db, l.utilisateur_id,
	    NULL)) != SESS_OK)
		goto out;
	if ((se = quota_check(db, l.utilisateur_id, l.duree_totale, add, l.now,
	    note)) != SESS_OK)
		goto out;
	if (note != NULL) {
		note->accorde = add;
		note->coupe = seconds - add;
		note->ferme_a = close > 0 && l.fin + add >= close ? close : 0;
	}
	if (DB_EXEC(db, stmts, STMT_EXTEND, NULL, NULL, NULL, DBI(add),
	    DBI(add), DBI(add), DBI(add),
	    close > 0 && l.fin + add >= close ? DBI(close) : DBNULL,
	    DBI(id)) != DB_OK) {
		se = SESS_DB;
		goto out;
	}
	snprintf(detail, sizeof(detail), "secondes=%lld", add);
	if ((se = sess_dberr(audit_write(db, a, "session.extend", "session", id,
	    detail))) != SESS_OK)
		goto out;
	extra = json_object_new_object();
	json_object_object_add(extra, "ajout", json_object_new_int64(add));
	se = sess_record_session(db, b, EV_SESSION_EXTENDED, id, extra);
	json_object_put(extra);
out:
	return sess_finish(db, b, mark, se);
}

/* Inside a transaction, with l locked: end it with raison. */
enum sess_err
sess_terminate_locked(struct db *db, struct ev_batch *b, const struct actor *a,
    long long id, const struct locked *l, enum sess_raison raison)
{
	long long left = l->remaining;
	enum sess_err se;

	if (raison == RAISON_TEMPS_ECOULE)
		left = 0;
	if (DB_EXEC(db, stmts, STMT_TERMINATE, NULL, NULL, NULL,
	    DBS(sess_raison_names[raison]), DBI(left), DBI(id)) != DB_OK)
		return SESS_DB;
	if ((se = sess_dberr(audit_write(db, a, "session.terminate", "session", id,
	    sess_raison_names[raison]))) != SESS_OK)
		return se;
	if ((se = sess_record_session(db, b, EV_SESSION_TERMINATED, id, NULL)) != SESS_OK)
		return se;
	if (l->statut == SESS_ACTIVE)
		return poste_move(db, b, l->poste_id, POSTE_DISPONIBLE, "occupe");
	return SESS_OK;
}

/*
 * Inside a transaction, with l locked: an active session whose end time
 * has passed by the database's clock is over, whether or not a clock
 * (the pusher's, or `postes-api sweep` from cron) came by since. End it
 * now (temps_ecoule, or fermeture_site when its end was its site's
 * closing) and close the transaction. 1 when it did (*se is SESS_OK, or
 * the error that rolled it back), 0 when the session is not past its end
 * (the transaction stays open, *se untouched).
 */
static int
end_if_past(struct db *db, struct ev_batch *b, long long id,
    const struct locked *l, size_t mark, enum sess_err *se)
{
	if (l->statut != SESS_ACTIVE || l->remaining > 0)
		return 0;
	*se = sess_finish(db, b, mark, sess_terminate_locked(db, b, NULL, id, l,
	    l->closing ? RAISON_FERMETURE_SITE : RAISON_TEMPS_ECOULE));
	return 1;
}

enum sess_err
sess_lapse(struct db *db, struct ev_batch *b, long long id)
{
	struct locked l;
	size_t mark = b->n;
	enum sess_err se;

	if (db_begin(db) != DB_OK)
		return SESS_DB;
	if ((se = sess_lock(db, id, &l)) == SESS_OK) {
		if (end_if_past(db, b, id, &l, mark, &se))
			return se;
		se = SESS_STATE;	/* not running, or time left */
	}
	return sess_finish(db, b, mark, se);
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
	if ((se = sess_lock(db, id, &l)) != SESS_OK)
		goto out;
	if (l.statut != SESS_ACTIVE) {
		se = SESS_STATE;
		goto out;
	}
	/* Nothing left to keep: this is the end of the time, not a pause. */
	if (end_if_past(db, b, id, &l, mark, &se))
		return se;
	if (DB_EXEC(db, stmts, STMT_SUSPEND, NULL, NULL, NULL,
	    DBI(l.remaining), DBI(id)) != DB_OK) {
		se = SESS_DB;
		goto out;
	}
	if ((se = sess_dberr(audit_write(db, a, "session.suspend", "session", id,
	    NULL))) != SESS_OK)
		goto out;
	if ((se = sess_record_session(db, b, EV_SESSION_SUSPENDED, id, NULL)) != SESS_OK)
		goto out;
	se = poste_move(db, b, l.poste_id, POSTE_DISPONIBLE, "occupe");
out:
	return sess_finish(db, b, mark, se);
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
	if ((se = sess_lock(db, id, &l)) != SESS_OK)
		goto out;
	if (l.statut == SESS_TERMINEE) {
		se = SESS_STATE;
		goto out;
	}
	/* Past its end already: it ended by time, whoever asks. */
	if (end_if_past(db, b, id, &l, mark, &se))
		return se;
	se = sess_terminate_locked(db, b, a, id, &l, raison);
out:
	return sess_finish(db, b, mark, se);
}

void
sess_fill_poste(struct db *db, struct json_object *o, long long pid)
{
	struct json_object *p = NULL, *v;

	if (json_object_object_get(o, "poste") != NULL ||
	    poste_get(db, pid, &p) != SESS_OK)
		return;
	if ((v = json_object_object_get(p, "nom")) != NULL)
		json_object_object_add(o, "poste", json_object_get(v));
	json_object_put(p);
}

enum sess_err
sess_note_code(struct db *db, struct ev_batch *b, enum ev_type t,
    long long session_id, long long pid, const char *motif)
{
	struct json_object *o = json_object_new_object(), *s = NULL;
	size_t mark = b->n;
	enum sess_err se;

	json_object_object_add(o, "poste_id", json_object_new_int64(pid));
	if (motif != NULL)
		json_object_object_add(o, "motif", json_object_new_string(motif));
	if (db_begin(db) != DB_OK) {
		json_object_put(o);
		return SESS_DB;
	}
	/* A valid code shows the session, as the seed's code_valid did. */
	if (t == EV_CODE_VALID && session_id > 0 &&
	    sess_get(db, session_id, &s) == SESS_OK) {
		sess_fill_poste(db, s, pid);
		json_object_object_add(o, "session", s);
	}
	se = sess_dberr(ev_record(db, b, t, session_id, pid, o));
	json_object_put(o);
	return sess_finish(db, b, mark, se);
}

enum sess_err
poste_heartbeat(struct db *db, struct ev_batch *b, long long pid)
{
	unsigned long long n = 0;
	struct json_object *p = NULL;
	struct db_res *res = NULL;
	size_t mark = b->n, before;
	enum sess_err se;
	int seen;

	if (db_begin(db) != DB_OK)
		return SESS_DB;
	if (DB_EXEC(db, stmts, STMT_SEEN_BEFORE, &res, NULL, NULL, DBI(pid)) !=
	    DB_OK) {
		se = SESS_DB;
		goto out;
	}
	seen = res != NULL && res->nrows > 0 && db_int(res, 0, 0) != 0;
	db_res_free(res);
	if (DB_EXEC(db, stmts, STMT_HEARTBEAT, NULL, &n, NULL, DBI(pid)) != DB_OK) {
		se = SESS_DB;
		goto out;
	}
	/* Back from hors_ligne: occupe if it still runs a session, and
	 * the dashboard is told the poste is back (poste_online). */
	if ((se = poste_get(db, pid, &p)) != SESS_OK)
		goto out;
	before = b->n;
	if (json_object_get_int64(json_object_object_get(p, "session_id")) > 0)
		se = poste_move(db, b, pid, POSTE_OCCUPE, "hors_ligne");
	else
		se = poste_move(db, b, pid, POSTE_DISPONIBLE, "hors_ligne");
	if (se == SESS_OK && b->n > before && seen)
		se = sess_record_poste(db, b, EV_POSTE_ONLINE, pid);
out:
	json_object_put(p);
	return sess_finish(db, b, mark, se);
}

enum sess_err
poste_set_maintenance(struct db *db, struct ev_batch *b,
    const struct actor *a, long long pid, int on, long long offline_after)
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
		    DBI(offline_after), DBI(pid)) != DB_OK) {
			se = SESS_DB;
			goto out;
		}
		if (n > 0)
			se = sess_record_poste(db, b, EV_POSTE_STATUS, pid);
	}
	if (se == SESS_OK)
		se = sess_dberr(audit_write(db, a, on ? "poste.maintenance_on" :
		    "poste.maintenance_off", "poste", pid, NULL));
out:
	db_res_free(res);
	return sess_finish(db, b, mark, se);
}


int
sess_site_recap(struct db *db, struct ev_batch *b, long long sid)
{
	struct db_res *res = NULL;
	struct json_object *extra;
	struct locked l;
	long long id, close = 0, cut;
	size_t i, mark;
	enum sess_err se;
	int open = -1, changes = 0;

	if (DB_EXEC(db, stmts, STMT_SITE_ACTIVE, &res, NULL, NULL, DBI(sid)) !=
	    DB_OK)
		return -1;
	for (i = 0; res != NULL && i < res->nrows; i++) {
		if (b->n > EV_BATCH_MAX - 4)
			break;	/* the caller publishes and calls again */
		id = db_int(res, i, 0);
		mark = b->n;
		if (db_begin(db) != DB_OK)
			break;
		if ((se = sess_lock(db, id, &l)) == SESS_OK &&
		    l.statut != SESS_ACTIVE)
			se = SESS_STATE;
		if (se == SESS_OK &&
		    (open = rules_site_window(db, sid, l.now, &close)) == -2)
			se = SESS_DB;
		else if (se == SESS_OK && open == 0)
			se = sess_terminate_locked(db, b, NULL, id, &l,
			    RAISON_FERMETURE_SITE);
		else if (se == SESS_OK && open > 0 && l.fin > close) {
			cut = l.fin - close;
			if (DB_EXEC(db, stmts, STMT_RECAP, NULL, NULL, NULL,
			    DBI(close), DBI(close), DBI(cut),
			    DBI(close - l.now), DBI(close - l.now), DBI(id)) !=
			    DB_OK)
				se = SESS_DB;
			else {
				extra = json_object_new_object();
				json_object_object_add(extra, "coupe",
				    json_object_new_int64(cut));
				se = sess_record_session(db, b,
				    EV_SESSION_UPDATED, id, extra);
				json_object_put(extra);
			}
		} else if (se == SESS_OK)
			se = SESS_STATE;	/* nothing to do */
		if (sess_finish(db, b, mark, se) == SESS_OK)
			changes++;
	}
	db_res_free(res);
	return changes;
}
