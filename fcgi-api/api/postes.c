/*
 * api/postes.c - the workstations.
 *
 * A poste is created with a random token, shown once in the answer and
 * stored only as its SHA-256: the kiosk keeps it, the server cannot give
 * it back, and rotating it revokes the old one at once. The list carries
 * what the grid shows: state, and who is on it with how much time left.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "crypto.h"
#include "extern.h"

enum stmt {
	STMT_LIST,
	STMT_COUNT,
	STMT_GET,
	STMT_INSERT,
	STMT_UPDATE,
	STMT_LOCK,
	STMT_TOKEN,
	STMT_DELETE,
	STMT_DEACTIVATE,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_LIST] = "SELECT " POSTE_SQL_FROM "WHERE (? IS NULL OR p.etat = ?) "
	    "AND (? IS NULL OR p.actif = ?) ORDER BY p.nom LIMIT ? OFFSET ?",
	[STMT_COUNT] = "SELECT COUNT(*) FROM postes p WHERE "
	    "(? IS NULL OR p.etat = ?) AND (? IS NULL OR p.actif = ?)",
	[STMT_GET] = "SELECT " POSTE_SQL_FROM "WHERE p.id = ?",
	[STMT_INSERT] = "INSERT INTO postes (nom, emplacement, site_id, "
	    "token_hash) VALUES (?, ?, ?, ?)",
	[STMT_UPDATE] = "UPDATE postes SET nom = COALESCE(?, nom), "
	    "emplacement = COALESCE(?, emplacement), actif = COALESCE(?, actif), "
	    "site_id = IF(?, ?, site_id), "
	    "updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
	[STMT_LOCK] = "SELECT etat FROM postes WHERE id = ? FOR UPDATE",
	[STMT_TOKEN] = "UPDATE postes SET token_hash = ?, "
	    "updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
	[STMT_DELETE] = "DELETE FROM postes WHERE id = ?",
	[STMT_DEACTIVATE] = "UPDATE postes SET actif = 0, etat = 'hors_ligne', "
	    "updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
};

/* What a poste's name and site can be refused for, on creation and update. */
static const struct http_refusal nom_taken = { 409, "nom_taken",
	"Un poste porte déjà ce nom" };
static const struct http_refusal site_inconnu = { 422, "site_inconnu",
	"Champ « site_id » : ce site n'existe pas" };

int
postes_list(struct req *r)
{
	static const struct vfield fs[] = {
		{ "etat", V_ENUM, 0, 0, 0, 0, poste_etat_names },
		{ "actif", V_BOOL, 0, 0, 0, 0, NULL },
		VFIELDS_PAGE,
	};
	struct vval v[4];
	struct db_param etat, actif;
	int st;

	if ((st = valid_query(r, fs, 4, v)) != 0)
		return st;
	etat = v[0].present ? DBS(v[0].s) : DBNULL;
	actif = v[1].present ? DBI(v[1].i) : DBNULL;
	return http_page(r, stmts, STMT_COUNT, STMT_LIST,
	    (struct db_param[]){ etat, etat, actif, actif }, 4);
}

int
postes_get(struct req *r)
{
	return http_row(r, stmts, STMT_GET, 200, "Poste inconnu");
}

/* Audit, record ev with the poste as it is now, commit, answer it. */
static int
finish_change(struct req *r, enum ev_type ev, const char *action,
    const char *token, int status)
{
	struct json_object *o = NULL;
	enum db_err e;
	int st;

	e = audit_write(r->db, &r->actor, action, "poste", r->id, NULL);
	if (e == DB_OK && poste_get(r->db, r->id, &o) != SESS_OK)
		e = DB_ERR_OTHER;
	if (e == DB_OK)
		e = ev_record(r->db, &r->evs, ev, 0, r->id, o);
	json_object_put(o);
	if ((st = http_tx_end(r, e)) != 0)
		return st;
	if ((st = http_row(r, stmts, STMT_GET, status, "Poste inconnu")) ==
	    status && token != NULL)
		json_object_object_add(r->out, "token",
		    json_object_new_string(token));
	return st;
}

int
postes_create(struct req *r)
{
	static const struct vfield fs[] = {
		{ "nom", V_STR, 1, 0, 1, 64, NULL },
		{ "emplacement", V_STR, 0, 0, 0, 128, NULL },
		{ "site_id", V_INT, 0, 1, 1, 4294967295LL, NULL },
	};
	struct vval v[3];
	char tok[TOKEN_LEN + 1];
	unsigned char h[HASH_LEN];
	unsigned long long id = 0;
	enum db_err e;
	int st;

	if ((st = valid_json(r, fs, 3, v)) != 0)
		return st;
	token_new(tok);
	token_hash(tok, h);
	if ((e = db_begin(r->db)) != DB_OK ||
	    (e = DB_EXEC(r->db, stmts, STMT_INSERT, NULL, NULL, &id, DBS(v[0].s),
	    DBS(v[1].present ? v[1].s : ""),
	    v[2].present && !v[2].null ? DBI(v[2].i) : DBNULL,
	    DBB(h, HASH_LEN))) != DB_OK)
		return http_tx_refuse(r, e, &nom_taken, &site_inconnu);
	r->id = (long long)id;
	return finish_change(r, EV_POSTE_CREATED, "poste.create", tok, 201);
}

/* Lock poste r->id; 0, or the answer's status (404, 503). */
static int
lock_poste(struct req *r, char *etat, size_t sz)
{
	struct db_res *res;
	int st;

	if ((st = http_tx_lock_row(r, stmts, STMT_LOCK, "Poste inconnu",
	    &res)) != 0)
		return st;
	snprintf(etat, sz, "%s", db_str(res, 0, 0));
	db_res_free(res);
	return 0;
}

int
postes_update(struct req *r)
{
	static const struct vfield fs[] = {
		{ "nom", V_STR, 0, 0, 1, 64, NULL },
		{ "emplacement", V_STR, 0, 0, 0, 128, NULL },
		{ "actif", V_BOOL, 0, 0, 0, 0, NULL },
		{ "site_id", V_INT, 0, 1, 1, 4294967295LL, NULL },
	};
	struct vval v[4];
	char etat[16];
	enum db_err e;
	int st;

	if ((st = valid_json(r, fs, 4, v)) != 0)
		return st;
	if ((st = lock_poste(r, etat, sizeof(etat))) != 0)
		return st;
	if (v[2].present && v[2].i == 0 && strcmp(etat, "occupe") == 0) {
		db_rollback(r->db);
		return http_error(r, 409, "poste_busy",
		    "Ce poste a une session en cours");
	}
	e = DB_EXEC(r->db, stmts, STMT_UPDATE, NULL, NULL, NULL,
	    DBS(v[0].present ? v[0].s : NULL), DBS(v[1].present ? v[1].s : NULL),
	    v[2].present ? DBI(v[2].i) : DBNULL, DBI(v[3].present),
	    v[3].present && !v[3].null ? DBI(v[3].i) : DBNULL, DBI(r->id));
	if (e != DB_OK)
		return http_tx_refuse(r, e, &nom_taken, &site_inconnu);
	/* A deactivated poste's kiosk streams close (auth_revoked). */
	if (v[2].present && v[2].i == 0)
		e = ev_revoke(r->db, &r->evs, EV_REVOKE_POSTE, r->id, 0,
		    "deactivated");
	if (e != DB_OK)
		return http_tx_end(r, e);
	return finish_change(r, EV_POSTE_UPDATED, "poste.update", NULL, 200);
}

int
postes_delete(struct req *r)
{
	struct json_object *o;
	char etat[16];
	enum db_err e;
	int st;

	if ((st = lock_poste(r, etat, sizeof(etat))) != 0)
		return st;
	if (strcmp(etat, "occupe") == 0) {
		db_rollback(r->db);
		return http_error(r, 409, "poste_busy",
		    "Ce poste a une session en cours");
	}
	/* A poste with a history is kept, deactivated, for the statistics. */
	e = DB_EXEC(r->db, stmts, STMT_DELETE, NULL, NULL, NULL, DBI(r->id));
	if (e == DB_ERR_FK) {
		if ((e = DB_EXEC(r->db, stmts, STMT_DEACTIVATE, NULL, NULL, NULL,
		    DBI(r->id))) != DB_OK ||
		    (e = ev_revoke(r->db, &r->evs, EV_REVOKE_POSTE, r->id, 0,
		    "deactivated")) != DB_OK)
			return http_tx_end(r, e);
		return finish_change(r, EV_POSTE_UPDATED, "poste.deactivate",
		    NULL, 200);
	}
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(r->id));
	if (e == DB_OK &&
	    (e = ev_revoke(r->db, &r->evs, EV_REVOKE_POSTE, r->id, 0,
	    "deleted")) == DB_OK &&
	    (e = audit_write(r->db, &r->actor, "poste.delete", "poste", r->id,
	    NULL)) == DB_OK)
		e = ev_record(r->db, &r->evs, EV_POSTE_DELETED, 0, r->id, o);
	json_object_put(o);
	return (st = http_tx_end(r, e)) != 0 ? st : 204;
}

int
postes_rotate_token(struct req *r)
{
	char tok[TOKEN_LEN + 1], etat[16];
	unsigned char h[HASH_LEN];
	enum db_err e;
	int st;

	if ((st = lock_poste(r, etat, sizeof(etat))) != 0)
		return st;
	token_new(tok);
	token_hash(tok, h);
	if ((e = DB_EXEC(r->db, stmts, STMT_TOKEN, NULL, NULL, NULL,
	    DBB(h, HASH_LEN), DBI(r->id))) != DB_OK ||
	    /* The old token's streams close; its tickets die with it. */
	    (e = ev_revoke(r->db, &r->evs, EV_REVOKE_POSTE, r->id, 0,
	    "token_rotated")) != DB_OK)
		return http_tx_end(r, e);
	return finish_change(r, EV_POSTE_UPDATED, "poste.rotate_token", tok, 200);
}

int
postes_maintenance(struct req *r)
{
	static const struct vfield fs[] = {
		{ "maintenance", V_BOOL, 1, 0, 0, 0, NULL },
	};
	struct vval v[1];
	enum sess_err se;
	int st;

	if ((st = valid_json(r, fs, 1, v)) != 0)
		return st;
	se = poste_set_maintenance(r->db, &r->evs, &r->actor, r->id, (int)v[0].i,
	    sweep_offline_after(r->cfg));
	if (se == SESS_NOTFOUND)
		return http_error(r, 404, "not_found", "Poste inconnu");
	if (se != SESS_OK)
		return http_sess_error(r, se);
	return http_row(r, stmts, STMT_GET, 200, "Poste inconnu");
}
