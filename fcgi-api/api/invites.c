/*
 * api/invites.c - guest passes: anonymous walk-in codes in the invite
 * category, with no registered person.
 *
 * One pass or a batch (up to SESS_LOT_MAX) is created in one transaction
 * by sess_create_guests (shared/sess.c): all or none, one event. A batch
 * ("lot") is what is printed on one A4 sheet (the dashboard's and the
 * admin pages' print views read GET /api/invites/lots/:id). Unused passes
 * end with the local day: their validity is the next local midnight, and
 * the sweep expires them (raison expiree) like any code.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "extern.h"

#define LOT_COLS "l.id, l.nombre, l.duree, l.valide_jusqu, l.created_at, " \
	"l.created_by, st.username AS created_by_nom, " \
	"(SELECT COUNT(*) FROM sessions s WHERE s.lot_id = l.id AND " \
	"s.started_at IS NOT NULL) AS utilises " \
	"FROM invite_lots l LEFT JOIN staff st ON st.id = l.created_by "

enum stmt {
	STMT_LOTS,
	STMT_LOTS_COUNT,
	STMT_LOT,
	STMT_LOT_SESSIONS,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_LOTS] = "SELECT " LOT_COLS "ORDER BY l.id DESC LIMIT ? OFFSET ?",
	[STMT_LOTS_COUNT] = "SELECT COUNT(*) FROM invite_lots",
	[STMT_LOT] = "SELECT " LOT_COLS "WHERE l.id = ?",
	[STMT_LOT_SESSIONS] = "SELECT s.id, s.code, s.statut, s.raison, "
	    "s.duree_totale, CAST(IF(s.statut = 'active', " SESS_SQL_LEFT ", "
	    "s.temps_restant) AS SIGNED) AS temps_restant, s.valide_jusqu "
	    "FROM sessions s WHERE s.lot_id = ? ORDER BY s.id",
};

/* The lot r->id with its passes, answered with status. */
static int
answer_lot(struct req *r, int status)
{
	struct db_res *res = NULL;
	struct json_object *o;
	enum db_err e;

	if ((e = DB_EXEC(r->db, stmts, STMT_LOT, &res, NULL, NULL,
	    DBI(r->id))) != DB_OK)
		return http_db_error(r, e);
	if (res == NULL || res->nrows == 0) {
		db_res_free(res);
		return http_error(r, 404, "not_found", "Lot inconnu");
	}
	o = db_row_json(res, 0);
	db_res_free(res);
	res = NULL;
	if ((e = DB_EXEC(r->db, stmts, STMT_LOT_SESSIONS, &res, NULL, NULL,
	    DBI(r->id))) != DB_OK) {
		json_object_put(o);
		return http_db_error(r, e);
	}
	json_object_object_add(o, "sessions", db_rows_json(res));
	db_res_free(res);
	return http_json(r, status, o);
}

int
invites_create(struct req *r)
{
	static const struct vfield fs[] = {
		{ "nombre", V_INT, 0, 0, 1, SESS_LOT_MAX, NULL },
		{ "duree", V_INT, 0, 0, SESS_DUREE_MIN, SESS_DUREE_MAX, NULL },
	};
	struct vval v[2];
	struct quota q;
	char msg[200], d[32];
	long long ids[SESS_LOT_MAX], lot = 0, duree;
	enum sess_err se;
	int st, rc;

	if ((st = valid_json(r, fs, 2, v)) != 0)
		return st;
	if ((rc = rules_categorie(r->db, "invite", &q)) < 0)
		return http_db_error(r, DB_ERR_CONN);
	if (rc > 0)
		return http_error(r, 409, "categorie_invite_absente",
		    "La catégorie « invite » n'existe plus");
	duree = v[1].present ? v[1].i : q.duree_defaut;
	se = sess_create_guests(r->db, &r->evs, &r->actor,
	    v[0].present ? (int)v[0].i : 1, duree, r->staff_id, &lot, ids);
	if (se == SESS_QUOTA_JOUR) {
		http_duration(q.jour, d, sizeof(d));
		snprintf(msg, sizeof(msg), "Un passe invité ne peut dépasser "
		    "le quota journalier de sa catégorie (%s).", d);
		return http_error(r, 422, "quota_jour_atteint", msg);
	}
	if (se != SESS_OK)
		return http_sess_error(r, se);
	r->id = lot;
	return answer_lot(r, 201);
}

int
invites_lots(struct req *r)
{
	static const struct vfield fs[] = {
		VFIELDS_PAGE,
	};
	struct vval v[2];
	int st;

	if ((st = valid_query(r, fs, 2, v)) != 0)
		return st;
	/* No filter; a non-null list all the same (memcpy of 0 from it). */
	return http_page(r, stmts, STMT_LOTS_COUNT, STMT_LOTS,
	    (struct db_param[]){ DBNULL }, 0);
}

int
invites_lot(struct req *r)
{
	return answer_lot(r, 200);
}
