/*
 * api/categories.c - the categories of people (adulte, jeune, invité...)
 * with their daily and weekly time limits and default duration.
 *
 * Staff read them (the session form proposes the default duration),
 * admins change them. Limits are seconds, null meaning none; a weekly
 * limit below the daily one, or a default duration above the daily
 * limit, is refused as incoherent. The default category (id 1) and the
 * guests' one (code invite) cannot be deleted, nor the latter renamed:
 * guest passes find it by its code. The rules that use the limits are in
 * shared/rules.c.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "extern.h"

#define CAT_COLS "c.id, c.code, c.nom, c.quota_jour, c.quota_semaine, " \
	"c.duree_defaut, c.actif, c.created_at, c.updated_at, " \
	"(SELECT COUNT(*) FROM utilisateurs u WHERE u.categorie_id = c.id) " \
	"AS nb_utilisateurs FROM categories c "

enum stmt {
	STMT_LIST,
	STMT_GET,
	STMT_INSERT,
	STMT_LOCK,
	STMT_UPDATE,
	STMT_DELETE,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_LIST] = "SELECT " CAT_COLS "ORDER BY c.id LIMIT 100",
	[STMT_GET] = "SELECT " CAT_COLS "WHERE c.id = ?",
	[STMT_INSERT] = "INSERT INTO categories (code, nom, quota_jour, "
	    "quota_semaine, duree_defaut) VALUES (?, ?, ?, ?, ?)",
	[STMT_LOCK] = "SELECT code, quota_jour, quota_semaine, duree_defaut "
	    "FROM categories WHERE id = ? FOR UPDATE",
	[STMT_UPDATE] = "UPDATE categories SET code = IF(?, ?, code), "
	    "nom = IF(?, ?, nom), quota_jour = IF(?, ?, quota_jour), "
	    "quota_semaine = IF(?, ?, quota_semaine), "
	    "duree_defaut = IF(?, ?, duree_defaut), actif = IF(?, ?, actif), "
	    "updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
	[STMT_DELETE] = "DELETE FROM categories WHERE id = ?",
};

static const struct vfield fields[] = {
	{ "code", V_STR, 1, 0, 1, 32, NULL },
	{ "nom", V_STR, 1, 0, 1, 100, NULL },
	{ "quota_jour", V_INT, 0, 1, 60, 86400, NULL },
	{ "quota_semaine", V_INT, 0, 1, 60, 7 * 86400, NULL },
	{ "duree_defaut", V_INT, 0, 0, SESS_DUREE_MIN, SESS_DUREE_MAX, NULL },
	{ "actif", V_BOOL, 0, 0, 0, 0, NULL },
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/* A code must be unique; a category in use cannot be deleted. */
static const struct http_refusal code_taken = { 409, "code_taken",
	"Une catégorie porte déjà ce code" };
static const struct http_refusal categorie_utilisee = { 409,
	"categorie_utilisee", "Des personnes ou des sessions utilisent cette "
	"catégorie : désactivez-la plutôt" };

int
categories_list(struct req *r)
{
	struct db_res *res = NULL;
	struct json_object *a;
	enum db_err e;

	if ((e = DB_EXEC0(r->db, stmts, STMT_LIST, &res, NULL, NULL)) != DB_OK)
		return http_db_error(r, e);
	a = db_rows_json(res);
	db_res_free(res);
	return http_json(r, 200, page_json(a, (long long)
	    json_object_array_length(a), 1, 100));
}

int
categories_get(struct req *r)
{
	return http_row(r, stmts, STMT_GET, 200, "Catégorie inconnue");
}

/* A code is lowercase letters, digits and '_': 0, or the refusal. */
static int
check_code(struct req *r, const char *s)
{
	if (s[0] != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_")
	    == strlen(s))
		return 0;
	return http_error(r, 422, "validation_error", "Champ « code » : "
	    "lettres minuscules, chiffres et _ seulement");
}

/*
 * The default category (id 1) and the guests' one (found by its code)
 * keep their code and cannot be deactivated or deleted.
 */
static int
protected(const struct req *r, const char *code)
{
	return strcmp(code, "invite") == 0 || r->id == 1;
}

/* Limits that contradict each other: the error status, or 0. */
static int
incoherent(struct req *r, long long jour, long long semaine, long long duree)
{
	if (jour >= 0 && semaine >= 0 && semaine < jour)
		return http_error(r, 422, "quota_incoherent",
		    "Le quota hebdomadaire ne peut être inférieur au quota "
		    "journalier");
	if (jour >= 0 && duree > jour)
		return http_error(r, 422, "quota_incoherent",
		    "La durée par défaut dépasse le quota journalier");
	return 0;
}

static int
changed(struct req *r, const char *action, int status)
{
	enum db_err e;
	int st;

	e = audit_write(r->db, &r->actor, action, "categorie", r->id, NULL);
	if ((st = http_tx_end(r, e)) != 0)
		return st;
	if (status == 204)
		return 204;
	return http_row(r, stmts, STMT_GET, status, "Catégorie inconnue");
}

int
categories_create(struct req *r)
{
	struct vval v[NFIELDS];
	unsigned long long id = 0;
	long long jour, semaine, duree;
	enum db_err e;
	int st;

	if ((st = valid_json(r, fields, NFIELDS - 1, v)) != 0)
		return st;
	if ((st = check_code(r, v[0].s)) != 0)
		return st;
	jour = v[2].present && !v[2].null ? v[2].i : -1;
	semaine = v[3].present && !v[3].null ? v[3].i : -1;
	duree = v[4].present ? v[4].i : 3600;
	if ((st = incoherent(r, jour, semaine, duree)) != 0)
		return st;
	if ((e = db_begin(r->db)) != DB_OK ||
	    (e = DB_EXEC(r->db, stmts, STMT_INSERT, NULL, NULL, &id,
	    DBS(v[0].s), DBS(v[1].s), jour >= 0 ? DBI(jour) : DBNULL,
	    semaine >= 0 ? DBI(semaine) : DBNULL, DBI(duree))) != DB_OK)
		return http_tx_refuse(r, e, &code_taken, NULL);
	r->id = (long long)id;
	return changed(r, "categorie.create", 201);
}

/* Lock category r->id: 0 with its values, or the answer's status. */
static int
lock_cat(struct req *r, char *code, size_t sz, long long *jour,
    long long *semaine, long long *duree)
{
	struct db_res *res;
	int st;

	if ((st = http_tx_lock_row(r, stmts, STMT_LOCK, "Catégorie inconnue",
	    &res)) != 0)
		return st;
	snprintf(code, sz, "%s", db_str(res, 0, 0));
	*jour = db_isnull(res, 0, 1) ? -1 : db_int(res, 0, 1);
	*semaine = db_isnull(res, 0, 2) ? -1 : db_int(res, 0, 2);
	*duree = db_int(res, 0, 3);
	db_res_free(res);
	return 0;
}

int
categories_update(struct req *r)
{
	struct vval v[NFIELDS];
	char code[40];
	long long jour, semaine, duree;
	enum db_err e;
	int st;

	if ((st = valid_json_update(r, fields, NFIELDS, v)) != 0)
		return st;
	if (v[0].present && (st = check_code(r, v[0].s)) != 0)
		return st;
	if ((st = lock_cat(r, code, sizeof(code), &jour, &semaine, &duree)) != 0)
		return st;
	if (v[0].present && strcmp(v[0].s, code) != 0 && protected(r, code)) {
		db_rollback(r->db);
		return http_error(r, 409, "categorie_protegee",
		    "Le code de cette catégorie ne peut pas changer");
	}
	if (v[5].present && v[5].i == 0 && protected(r, code)) {
		db_rollback(r->db);
		return http_error(r, 409, "categorie_protegee",
		    "Cette catégorie ne peut pas être désactivée");
	}
	if (v[2].present)
		jour = v[2].null ? -1 : v[2].i;
	if (v[3].present)
		semaine = v[3].null ? -1 : v[3].i;
	if (v[4].present)
		duree = v[4].i;
	if ((st = incoherent(r, jour, semaine, duree)) != 0) {
		db_rollback(r->db);
		return st;
	}
	e = DB_EXEC(r->db, stmts, STMT_UPDATE, NULL, NULL, NULL,
	    DBI(v[0].present), DBS(v[0].s), DBI(v[1].present), DBS(v[1].s),
	    DBI(v[2].present), jour >= 0 ? DBI(jour) : DBNULL,
	    DBI(v[3].present), semaine >= 0 ? DBI(semaine) : DBNULL,
	    DBI(v[4].present), DBI(duree), DBI(v[5].present), DBI(v[5].i),
	    DBI(r->id));
	if (e != DB_OK)
		return http_tx_refuse(r, e, &code_taken, NULL);
	return changed(r, "categorie.update", 200);
}

int
categories_delete(struct req *r)
{
	char code[40];
	long long jour, semaine, duree;
	enum db_err e;
	int st;

	if ((st = lock_cat(r, code, sizeof(code), &jour, &semaine, &duree)) != 0)
		return st;
	if (protected(r, code)) {
		db_rollback(r->db);
		return http_error(r, 409, "categorie_protegee",
		    "Cette catégorie ne peut pas être supprimée");
	}
	e = DB_EXEC(r->db, stmts, STMT_DELETE, NULL, NULL, NULL, DBI(r->id));
	if (e != DB_OK)
		return http_tx_refuse(r, e, NULL, &categorie_utilisee);
	return changed(r, "categorie.delete", 204);
}
