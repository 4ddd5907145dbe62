/*
 * message.c - sending a message and acknowledging it (see message.h).
 *
 * Everything a sending writes (the message, its postes, the audit row
 * and the events) commits together or not at all.
 */
#include <stdlib.h>

#include <json-c/json.h>

#include "message.h"

const char *const message_cible_names[MESSAGE_CIBLE__MAX] = {
	"poste", "site", "staff",
};

enum stmt {
	STMT_POSTE,
	STMT_SITE,
	STMT_SITE_POSTES,
	STMT_INSERT,
	STMT_INSERT_POSTE,
	STMT_RUNNING,
	STMT_GET,
	STMT_ACK,
	STMT_ACK_EXISTS,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_POSTE] = "SELECT id FROM postes WHERE id = ? AND actif = 1",
	[STMT_SITE] = "SELECT id FROM sites WHERE id = ?",
	[STMT_SITE_POSTES] = "SELECT id FROM postes WHERE site_id = ? AND "
	    "actif = 1 ORDER BY id LIMIT 61",
	[STMT_INSERT] = "INSERT INTO messages (cible, poste_id, site_id, texte, "
	    "staff_id) VALUES (?, ?, ?, ?, ?)",
	[STMT_INSERT_POSTE] = "INSERT INTO message_postes (message_id, poste_id) "
	    "VALUES (?, ?)",
	[STMT_RUNNING] = "SELECT id FROM sessions WHERE poste_actif = ?",
	[STMT_GET] = "SELECT m.id, m.cible, m.poste_id, m.site_id, m.texte, "
	    "m.staff_id, st.nom AS staff_nom, m.created_at FROM messages m "
	    "LEFT JOIN staff st ON st.id = m.staff_id WHERE m.id = ?",
	[STMT_ACK] = "UPDATE message_postes SET acquitte_at = UTC_TIMESTAMP(3) "
	    "WHERE message_id = ? AND poste_id = ? AND acquitte_at IS NULL",
	[STMT_ACK_EXISTS] = "SELECT acquitte_at FROM message_postes "
	    "WHERE message_id = ? AND poste_id = ?",
};

static enum message_err
dberr(enum db_err e)
{
	return e == DB_OK ? MESSAGE_OK : MESSAGE_DB;
}

static enum message_err
finish(struct db *db, struct ev_batch *b, size_t mark, enum message_err me)
{
	if (me == MESSAGE_OK && db_commit(db) != DB_OK)
		me = MESSAGE_DB;
	if (me != MESSAGE_OK) {
		db_rollback(db);
		while (b->n > mark)
			free(b->msg[--b->n]);
	}
	return me;
}

/* The ids of res's first column into ids (at most max); their count. */
static size_t
ids_of(const struct db_res *res, long long *ids, size_t max)
{
	size_t i, n = 0;

	for (i = 0; res != NULL && i < res->nrows && n < max; i++)
		ids[n++] = db_int(res, i, 0);
	return n;
}

enum message_err
message_send(struct db *db, struct ev_batch *b, const struct actor *a,
    enum message_cible cible, long long target, const char *texte,
    long long *id)
{
	struct db_res *res = NULL;
	struct json_object *o = NULL, *po, *arr;
	long long postes[MESSAGE_POSTES_MAX + 1], sid;
	unsigned long long mid = 0;
	size_t np = 0, i, mark = b->n;
	enum message_err me = MESSAGE_OK;
	enum db_err e;

	if (db_begin(db) != DB_OK)
		return MESSAGE_DB;
	/* Who is reached. */
	if (cible != MESSAGE_STAFF) {
		e = DB_EXEC(db, stmts, cible == MESSAGE_POSTE ? STMT_POSTE :
		    STMT_SITE, &res, NULL, NULL, DBI(target));
		if (e != DB_OK || res == NULL || res->nrows == 0) {
			me = e != DB_OK ? MESSAGE_DB : MESSAGE_NOTFOUND;
			goto out;
		}
		if (cible == MESSAGE_POSTE)
			postes[np++] = target;
		else {
			db_res_free(res);
			res = NULL;
			if (DB_EXEC(db, stmts, STMT_SITE_POSTES, &res, NULL,
			    NULL, DBI(target)) != DB_OK) {
				me = MESSAGE_DB;
				goto out;
			}
			np = ids_of(res, postes, MESSAGE_POSTES_MAX + 1);
			if (np == 0 || np > MESSAGE_POSTES_MAX) {
				me = np == 0 ? MESSAGE_NO_POSTE : MESSAGE_TOO_MANY;
				goto out;
			}
		}
		db_res_free(res);
		res = NULL;
	}
	if ((e = DB_EXEC(db, stmts, STMT_INSERT, NULL, NULL, &mid,
	    DBS(message_cible_names[cible]),
	    cible == MESSAGE_POSTE ? DBI(target) : DBNULL,
	    cible == MESSAGE_SITE ? DBI(target) : DBNULL, DBS(texte),
	    a != NULL && a->staff_id > 0 ? DBI(a->staff_id) : DBNULL)) != DB_OK) {
		me = dberr(e);
		goto out;
	}
	*id = (long long)mid;
	for (i = 0; i < np; i++)
		if ((e = DB_EXEC(db, stmts, STMT_INSERT_POSTE, NULL, NULL, NULL,
		    DBI(mid), DBI(postes[i]))) != DB_OK) {
			me = dberr(e);
			goto out;
		}
	if ((me = dberr(audit_write(db, a, "message.send", "message",
	    (long long)mid, message_cible_names[cible]))) != MESSAGE_OK)
		goto out;
	/* The message as staff see it, with the postes it reached. */
	if (DB_EXEC(db, stmts, STMT_GET, &res, NULL, NULL, DBI(mid)) != DB_OK ||
	    res == NULL || res->nrows == 0) {
		me = MESSAGE_DB;
		goto out;
	}
	o = db_row_json(res, 0);
	db_res_free(res);
	res = NULL;
	arr = json_object_new_array();
	for (i = 0; i < np; i++)
		json_object_array_add(arr, json_object_new_int64(postes[i]));
	json_object_object_add(o, "postes", arr);
	if ((me = dberr(ev_record(db, b, EV_MESSAGE_SENT, 0,
	    cible == MESSAGE_POSTE ? target : 0, o))) != MESSAGE_OK)
		goto out;
	/* Each kiosk: the text, never the other postes or the sender. */
	json_object_object_del(o, "postes");
	json_object_object_del(o, "staff_id");
	json_object_object_del(o, "staff_nom");
	for (i = 0; i < np; i++) {
		if (DB_EXEC(db, stmts, STMT_RUNNING, &res, NULL, NULL,
		    DBI(postes[i])) != DB_OK) {
			me = MESSAGE_DB;
			goto out;
		}
		sid = res != NULL && res->nrows > 0 ? db_int(res, 0, 0) : 0;
		db_res_free(res);
		res = NULL;
		po = json_object_get(o);
		me = dberr(ev_record(db, b, EV_MESSAGE_POSTE, sid, postes[i], po));
		json_object_put(po);
		if (me != MESSAGE_OK)
			goto out;
	}
out:
	json_object_put(o);
	db_res_free(res);
	return finish(db, b, mark, me);
}

enum message_err
message_ack(struct db *db, struct ev_batch *b, long long pid, long long mid,
    int *changed)
{
	struct db_res *res = NULL;
	struct json_object *o;
	unsigned long long n = 0;
	size_t mark = b->n;
	enum message_err me = MESSAGE_OK;

	*changed = 0;
	if (db_begin(db) != DB_OK)
		return MESSAGE_DB;
	if (DB_EXEC(db, stmts, STMT_ACK, NULL, &n, NULL, DBI(mid),
	    DBI(pid)) != DB_OK) {
		me = MESSAGE_DB;
		goto out;
	}
	if (n == 0) {
		if (DB_EXEC(db, stmts, STMT_ACK_EXISTS, &res, NULL, NULL,
		    DBI(mid), DBI(pid)) != DB_OK)
			me = MESSAGE_DB;
		else if (res == NULL || res->nrows == 0)
			me = MESSAGE_NOTFOUND;
		goto out;
	}
	*changed = 1;
	if (DB_EXEC(db, stmts, STMT_ACK_EXISTS, &res, NULL, NULL, DBI(mid),
	    DBI(pid)) != DB_OK || res == NULL || res->nrows == 0) {
		me = MESSAGE_DB;
		goto out;
	}
	o = db_row_json(res, 0);
	json_object_object_add(o, "message_id", json_object_new_int64(mid));
	json_object_object_add(o, "poste_id", json_object_new_int64(pid));
	me = dberr(ev_record(db, b, EV_MESSAGE_ACKED, 0, pid, o));
	json_object_put(o);
out:
	db_res_free(res);
	return finish(db, b, mark, me);
}
