/*
 * resa.c - the reservation rules (see resa.h for what they are).
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "config.h"
#include "resa.h"

enum stmt {
	STMT_NOW,
	STMT_POSTE_LOCK,
	STMT_USER,
	STMT_OVERLAP,
	STMT_INSERT,
	STMT_GET,
	STMT_LOCK,
	STMT_CANCEL,
	STMT_CURRENT,
	STMT_SESSION,
	STMT_HONOUR,
	STMT_DUE,
	STMT_FREE,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_NOW] = "SELECT UNIX_TIMESTAMP(UTC_TIMESTAMP())",
	[STMT_POSTE_LOCK] = "SELECT etat, actif FROM postes WHERE id = ? "
	    "FOR UPDATE",
	[STMT_USER] = "SELECT actif FROM utilisateurs WHERE id = ?",
	[STMT_OVERLAP] = "SELECT id FROM reservations WHERE poste_id = ? AND "
	    "statut IN ('prevue', 'honoree') AND debut < FROM_UNIXTIME(?) AND "
	    "fin > FROM_UNIXTIME(?) LIMIT 1",
	[STMT_INSERT] = "INSERT INTO reservations (poste_id, utilisateur_id, "
	    "nom_libre, debut, fin, created_by) VALUES (?, ?, ?, "
	    "FROM_UNIXTIME(?), FROM_UNIXTIME(?), ?)",
	[STMT_GET] = "SELECT " RESA_SQL_FROM "WHERE r.id = ?",
	[STMT_LOCK] = "SELECT statut, poste_id FROM reservations WHERE id = ? "
	    "FOR UPDATE",
	[STMT_CANCEL] = "UPDATE reservations SET statut = 'annulee', "
	    "updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
	/* The slot running now on a poste, before its no-show freeing. */
	[STMT_CURRENT] = "SELECT id, utilisateur_id FROM reservations WHERE "
	    "poste_id = ? AND statut = 'prevue' AND debut <= UTC_TIMESTAMP(3) "
	    "AND fin > UTC_TIMESTAMP(3) ORDER BY debut LIMIT 1 FOR UPDATE",
	[STMT_SESSION] = "SELECT utilisateur_id FROM sessions WHERE id = ?",
	[STMT_HONOUR] = "UPDATE reservations SET statut = 'honoree', "
	    "session_id = ?, updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
	[STMT_DUE] = "SELECT id FROM reservations WHERE statut = 'prevue' AND "
	    "(debut <= UTC_TIMESTAMP(3) - INTERVAL ? SECOND OR "
	    "fin <= UTC_TIMESTAMP(3)) ORDER BY debut LIMIT 8",
	[STMT_FREE] = "UPDATE reservations SET statut = 'liberee', "
	    "updated_at = UTC_TIMESTAMP(3) WHERE id = ? AND statut = 'prevue'",
};

static enum resa_err
finish(struct db *db, struct ev_batch *b, size_t mark, enum resa_err re)
{
	if (re == RESA_OK && db_commit(db) != DB_OK)
		re = RESA_DB;
	if (re != RESA_OK) {
		db_rollback(db);
		while (b->n > mark)
			free(b->msg[--b->n]);
	}
	return re;
}

enum resa_err
resa_get(struct db *db, long long id, struct json_object **out)
{
	struct db_res *res = NULL;

	*out = NULL;
	if (DB_EXEC(db, stmts, STMT_GET, &res, NULL, NULL, DBI(id)) != DB_OK)
		return RESA_DB;
	if (res == NULL || res->nrows == 0) {
		db_res_free(res);
		return RESA_NOTFOUND;
	}
	*out = db_row_json(res, 0);
	db_res_free(res);
	return RESA_OK;
}

/* Record ev with the reservation as it is now. Inside the transaction. */
static enum resa_err
record(struct db *db, struct ev_batch *b, enum ev_type t, long long id,
    long long pid)
{
	struct json_object *o;
	enum resa_err re;

	if ((re = resa_get(db, id, &o)) != RESA_OK)
		return re == RESA_NOTFOUND ? RESA_DB : re;
	re = ev_record(db, b, t, 0, pid, o) == DB_OK ? RESA_OK : RESA_DB;
	json_object_put(o);
	return re;
}

/* One row, one column, as an integer; -1 without a row, -2 on error. */
static long long
one(struct db *db, int idx, const struct db_param *p, size_t np)
{
	struct db_res *res = NULL;
	long long v;

	if (db_exec(db, stmts, idx, p, np, &res, NULL, NULL) != DB_OK)
		return -2;
	v = res != NULL && res->nrows > 0 && !db_isnull(res, 0, 0) ?
	    db_int(res, 0, 0) : -1;
	db_res_free(res);
	return v;
}

enum resa_err
resa_create(struct db *db, struct ev_batch *b, const struct actor *a,
    long long pid, long long uid, const char *nom, long long debut,
    long long fin, long long *id)
{
	struct db_res *res = NULL;
	unsigned long long rid = 0;
	long long now, v;
	size_t mark = b->n;
	enum resa_err re = RESA_OK;

	if (fin <= debut)
		return RESA_ORDER;
	if (fin - debut < RESA_DUREE_MIN || fin - debut > RESA_DUREE_MAX)
		return RESA_LENGTH;
	if (db_begin(db) != DB_OK)
		return RESA_DB;
	if ((now = one(db, STMT_NOW, NULL, 0)) < 0) {
		re = RESA_DB;
		goto out;
	}
	if (debut < now - RESA_GRACE) {
		re = RESA_PAST;
		goto out;
	}
	if (debut > now + RESA_AVANCE_MAX) {
		re = RESA_TOO_FAR;
		goto out;
	}
	if (DB_EXEC(db, stmts, STMT_POSTE_LOCK, &res, NULL, NULL,
	    DBI(pid)) != DB_OK) {
		re = RESA_DB;
		goto out;
	}
	if (res == NULL || res->nrows == 0) {
		re = RESA_POSTE_NOTFOUND;
		goto out;
	}
	if (db_int(res, 0, 1) == 0 ||
	    strcmp(db_str(res, 0, 0), "maintenance") == 0) {
		re = RESA_POSTE_UNAVAILABLE;
		goto out;
	}
	if (uid > 0) {
		v = one(db, STMT_USER, (struct db_param[]){ DBI(uid) }, 1);
		if (v == -2) {
			re = RESA_DB;
			goto out;
		}
		if (v != 1) {
			re = RESA_USER;
			goto out;
		}
	}
	v = one(db, STMT_OVERLAP, (struct db_param[]){ DBI(pid), DBI(fin),
	    DBI(debut) }, 3);
	if (v != -1) {
		re = v == -2 ? RESA_DB : RESA_OVERLAP;
		goto out;
	}
	if (DB_EXEC(db, stmts, STMT_INSERT, NULL, NULL, &rid, DBI(pid),
	    uid > 0 ? DBI(uid) : DBNULL, DBS(nom), DBI(debut), DBI(fin),
	    a != NULL && a->staff_id > 0 ? DBI(a->staff_id) : DBNULL) != DB_OK) {
		re = RESA_DB;
		goto out;
	}
	*id = (long long)rid;
	if (audit_write(db, a, "reservation.create", "reservation",
	    (long long)rid, NULL) != DB_OK) {
		re = RESA_DB;
		goto out;
	}
	re = record(db, b, EV_RESERVATION_CREATED, (long long)rid, pid);
out:
	db_res_free(res);
	return finish(db, b, mark, re);
}

enum resa_err
resa_cancel(struct db *db, struct ev_batch *b, const struct actor *a,
    long long id)
{
	struct db_res *res = NULL;
	size_t mark = b->n;
	enum resa_err re = RESA_OK;
	long long pid;

	if (db_begin(db) != DB_OK)
		return RESA_DB;
	if (DB_EXEC(db, stmts, STMT_LOCK, &res, NULL, NULL, DBI(id)) != DB_OK) {
		re = RESA_DB;
		goto out;
	}
	if (res == NULL || res->nrows == 0) {
		re = RESA_NOTFOUND;
		goto out;
	}
	if (strcmp(db_str(res, 0, 0), "prevue") != 0) {
		re = RESA_STATE;
		goto out;
	}
	pid = db_int(res, 0, 1);
	if (DB_EXEC(db, stmts, STMT_CANCEL, NULL, NULL, NULL, DBI(id)) != DB_OK ||
	    audit_write(db, a, "reservation.cancel", "reservation", id,
	    NULL) != DB_OK) {
		re = RESA_DB;
		goto out;
	}
	re = record(db, b, EV_RESERVATION_UPDATED, id, pid);
out:
	db_res_free(res);
	return finish(db, b, mark, re);
}

int
resa_check_start(struct db *db, struct ev_batch *b, long long pid,
    long long sid)
{
	struct db_res *res = NULL;
	long long rid, holder, uid;
	int rc = -1;

	if (DB_EXEC(db, stmts, STMT_CURRENT, &res, NULL, NULL, DBI(pid)) != DB_OK)
		return -1;
	if (res == NULL || res->nrows == 0) {
		db_res_free(res);
		return 0;
	}
	rid = db_int(res, 0, 0);
	holder = db_isnull(res, 0, 1) ? 0 : db_int(res, 0, 1);
	db_res_free(res);
	/* The session's person; a guest pass has none (-1 here). */
	if ((uid = one(db, STMT_SESSION, (struct db_param[]){ DBI(sid) }, 1)) == -2)
		return -1;
	if (holder > 0 ? uid != holder : uid != -1)
		return 1;
	if (DB_EXEC(db, stmts, STMT_HONOUR, NULL, NULL, NULL, DBI(sid),
	    DBI(rid)) == DB_OK &&
	    record(db, b, EV_RESERVATION_UPDATED, rid, pid) == RESA_OK)
		rc = 0;
	return rc;
}

int
resa_sweep(struct db *db, const struct config *cfg, struct ev_batch *b)
{
	struct db_res *res = NULL;
	unsigned long long n;
	long long ids[8], pid;
	size_t i, k = 0, mark;
	int changes = 0;

	if (DB_EXEC(db, stmts, STMT_DUE, &res, NULL, NULL,
	    DBI(cfg != NULL ? cfg->resa_noshow : 900)) != DB_OK)
		return -1;
	for (i = 0; res != NULL && i < res->nrows && k < 8; i++)
		ids[k++] = db_int(res, i, 0);
	db_res_free(res);
	for (i = 0; i < k && b->n < EV_BATCH_MAX - 4; i++) {
		struct json_object *o;
		enum resa_err re = RESA_OK;

		mark = b->n;
		n = 0;
		if (db_begin(db) != DB_OK)
			return -1;
		if (DB_EXEC(db, stmts, STMT_FREE, NULL, &n, NULL,
		    DBI(ids[i])) != DB_OK)
			re = RESA_DB;
		else if (n > 0) {
			if ((re = resa_get(db, ids[i], &o)) == RESA_OK) {
				pid = json_object_get_int64(
				    json_object_object_get(o, "poste_id"));
				if (ev_record(db, b, EV_RESERVATION_UPDATED, 0,
				    pid, o) != DB_OK)
					re = RESA_DB;
				json_object_put(o);
			}
		}
		if (finish(db, b, mark, re) == RESA_OK && n > 0)
			changes++;
	}
	return changes;
}
