/*
 * api/utilisateurs.c - the members of the public who receive sessions.
 *
 * Search is a prefix match on nom, prénom or e-mail (indexed); the list
 * is paginated. DELETE removes a person who never had a session and
 * otherwise deactivates them, so that past sessions and statistics stay
 * whole. Every change writes its audit row and its event.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "extern.h"

#define USER_COLS "u.id, u.nom, u.prenom, u.email, u.telephone, u.notes, " \
	"u.actif, u.created_at, u.updated_at, u.categorie_id, " \
	"(SELECT c.code FROM categories c WHERE c.id = u.categorie_id) " \
	"AS categorie, " \
	"(SELECT COUNT(*) FROM sessions s WHERE s.utilisateur_id = u.id) AS nb_sessions "

#define USER_FILTER "WHERE (? IS NULL OR u.actif = ?) AND (? IS NULL OR " \
	"u.nom LIKE ? OR u.prenom LIKE ? OR u.email LIKE ?) "

enum stmt {
	STMT_LIST,
	STMT_COUNT,
	STMT_GET,
	STMT_INSERT,
	STMT_UPDATE,
	STMT_LOCK,
	STMT_EXISTS,
	STMT_DELETE,
	STMT_DEACTIVATE,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_LIST] = "SELECT " USER_COLS "FROM utilisateurs u " USER_FILTER
	    "ORDER BY u.nom, u.prenom, u.id LIMIT ? OFFSET ?",
	[STMT_COUNT] = "SELECT COUNT(*) FROM utilisateurs u " USER_FILTER,
	[STMT_GET] = "SELECT " USER_COLS "FROM utilisateurs u WHERE u.id = ?",
	[STMT_INSERT] = "INSERT INTO utilisateurs (nom, prenom, email, "
	    "telephone, notes, categorie_id) VALUES (?, ?, ?, ?, ?, ?)",
	/* Absent fields keep their value; a present null clears it. */
	[STMT_UPDATE] = "UPDATE utilisateurs SET nom = IF(?, ?, nom), "
	    "prenom = IF(?, ?, prenom), email = IF(?, ?, email), "
	    "telephone = IF(?, ?, telephone), notes = IF(?, ?, notes), "
	    "actif = IF(?, ?, actif), categorie_id = IF(?, ?, categorie_id), "
	    "updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
	[STMT_LOCK] = "SELECT (SELECT COUNT(*) FROM sessions s WHERE "
	    "s.utilisateur_id = u.id) FROM utilisateurs u WHERE u.id = ? FOR UPDATE",
	[STMT_EXISTS] = "SELECT COUNT(*) FROM utilisateurs WHERE id = ? FOR UPDATE",
	[STMT_DELETE] = "DELETE FROM utilisateurs WHERE id = ?",
	[STMT_DEACTIVATE] = "UPDATE utilisateurs SET actif = 0, "
	    "updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
};

static const struct vfield fields[] = {
	{ "nom", V_STR, 1, 0, 1, 100, NULL },
	{ "prenom", V_STR, 1, 0, 1, 100, NULL },
	{ "email", V_EMAIL, 0, 1, 3, 254, NULL },
	{ "telephone", V_PHONE, 0, 1, 4, 32, NULL },
	{ "notes", V_TEXT, 0, 1, 0, 1000, NULL },
	{ "actif", V_BOOL, 0, 0, 0, 0, NULL },
	{ "categorie_id", V_INT, 0, 0, 1, 4294967295LL, NULL },
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/* What a person's e-mail and category can be refused for. */
static const struct http_refusal email_taken = { 409, "email_taken",
	"Cette adresse électronique est déjà enregistrée" };
static const struct http_refusal categorie_inconnue = { 422,
	"categorie_inconnue",
	"Champ « categorie_id » : cette catégorie n'existe pas" };

int
utilisateurs_list(struct req *r)
{
	static const struct vfield fs[] = {
		{ "q", V_STR, 0, 0, 1, 100, NULL },
		{ "actif", V_BOOL, 0, 0, 0, 0, NULL },
		VFIELDS_PAGE,
	};
	struct vval v[4];
	struct db_param actif, q, like;
	char *pat = NULL;
	int st;

	if ((st = valid_query(r, fs, 4, v)) != 0)
		return st;
	if (v[0].present && (pat = like_prefix(v[0].s)) == NULL)
		return http_error(r, 503, "unavailable", "Mémoire épuisée");
	actif = v[1].present ? DBI(v[1].i) : DBNULL;
	q = pat != NULL ? DBS(pat) : DBNULL;
	like = DBS(pat != NULL ? pat : "");
	st = http_page(r, stmts, STMT_COUNT, STMT_LIST,
	    (struct db_param[]){ actif, actif, q, like, like, like }, 6);
	free(pat);
	return st;
}

int
utilisateurs_get(struct req *r)
{
	return http_row(r, stmts, STMT_GET, 200, "Utilisateur inconnu");
}

/* Record ev for utilisateur r->id as it is now, then commit. */
static int
record_and_commit(struct req *r, enum ev_type ev, const char *action)
{
	struct db_res *res = NULL;
	struct json_object *o = NULL;
	enum db_err e;
	int st;

	e = audit_write(r->db, &r->actor, action, "utilisateur", r->id, NULL);
	if (e == DB_OK)
		e = DB_EXEC(r->db, stmts, STMT_GET, &res, NULL, NULL, DBI(r->id));
	if (e == DB_OK && res != NULL && res->nrows > 0) {
		o = db_row_json(res, 0);
		e = ev_record(r->db, &r->evs, ev, 0, 0, o);
	}
	db_res_free(res);
	if (e != DB_OK) {
		json_object_put(o);
		return http_tx_end(r, e);
	}
	if ((st = http_tx_end(r, DB_OK)) != 0) {
		json_object_put(o);
		return st;
	}
	return http_json(r, ev == EV_UTILISATEUR_CREATED ? 201 : 200, o);
}

int
utilisateurs_create(struct req *r)
{
	struct vval v[NFIELDS];
	unsigned long long id = 0;
	enum db_err e;
	int st;

	if ((st = valid_json(r, fields, NFIELDS, v)) != 0)
		return st;
	if (v[5].present)
		return http_error(r, 422, "validation_error",
		    "Champ « actif » : un nouvel utilisateur est actif");
	if ((e = db_begin(r->db)) != DB_OK ||
	    (e = DB_EXEC(r->db, stmts, STMT_INSERT, NULL, NULL, &id,
	    DBS(v[0].s), DBS(v[1].s), DBS(v[2].s), DBS(v[3].s),
	    DBS(v[4].s), DBI(v[6].present ? v[6].i : 1))) != DB_OK)
		return http_tx_refuse(r, e, &email_taken, &categorie_inconnue);
	r->id = (long long)id;
	return record_and_commit(r, EV_UTILISATEUR_CREATED, "utilisateur.create");
}

int
utilisateurs_update(struct req *r)
{
	struct vval v[NFIELDS];
	enum db_err e;
	int st;

	if ((st = valid_json_update(r, fields, NFIELDS, v)) != 0)
		return st;
	if ((st = http_tx_lock(r, stmts, STMT_EXISTS,
	    "Utilisateur inconnu")) != 0)
		return st;
	e = DB_EXEC(r->db, stmts, STMT_UPDATE, NULL, NULL, NULL,
	    DBI(v[0].present), DBS(v[0].s), DBI(v[1].present), DBS(v[1].s),
	    DBI(v[2].present), DBS(v[2].s), DBI(v[3].present), DBS(v[3].s),
	    DBI(v[4].present), DBS(v[4].s), DBI(v[5].present), DBI(v[5].i),
	    DBI(v[6].present), DBI(v[6].i), DBI(r->id));
	if (e != DB_OK)
		return http_tx_refuse(r, e, &email_taken, &categorie_inconnue);
	return record_and_commit(r, EV_UTILISATEUR_UPDATED, "utilisateur.update");
}

int
utilisateurs_delete(struct req *r)
{
	struct json_object *o;
	struct db_res *res;
	enum db_err e;
	long long nsess;
	int st;

	if ((st = http_tx_lock_row(r, stmts, STMT_LOCK, "Utilisateur inconnu",
	    &res)) != 0)
		return st;
	nsess = db_int(res, 0, 0);
	db_res_free(res);
	if (nsess > 0) {
		if ((e = DB_EXEC(r->db, stmts, STMT_DEACTIVATE, NULL, NULL, NULL,
		    DBI(r->id))) != DB_OK)
			return http_tx_end(r, e);
		return record_and_commit(r, EV_UTILISATEUR_UPDATED,
		    "utilisateur.deactivate");
	}
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(r->id));
	if ((e = DB_EXEC(r->db, stmts, STMT_DELETE, NULL, NULL, NULL,
	    DBI(r->id))) == DB_OK &&
	    (e = audit_write(r->db, &r->actor, "utilisateur.delete",
	    "utilisateur", r->id, NULL)) == DB_OK)
		e = ev_record(r->db, &r->evs, EV_UTILISATEUR_DELETED, 0, 0, o);
	json_object_put(o);
	return (st = http_tx_end(r, e)) != 0 ? st : 204;
}

/*
 * What person r->id may still be given today and this week (rules.h
 * says what counts), by the database's clock.
 */
int
utilisateurs_quota(struct req *r)
{
	struct quota q;
	long long now;
	int rc;

	if (rules_now(r->db, &now) == -1 ||
	    (rc = rules_quota(r->db, r->id, now, &q)) < 0)
		return http_db_error(r, DB_ERR_CONN);
	if (rc > 0)
		return http_error(r, 404, "not_found", "Utilisateur inconnu");
	return http_json(r, 200, rules_quota_json(&q));
}
