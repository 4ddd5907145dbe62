/*
 * api/rgpd.c - a person's rights: the export of their data (JSON or
 * CSV) and their erasure (administrators only, both audited).
 *
 * The export gathers everything the database holds about the person:
 * the record itself, their sessions, their reservations and the audit
 * entries about them (who changed their record, when). The CSV is one
 * "rubrique;n°;champ;valeur" line per value, so that a person reads it
 * in any spreadsheet whatever they hold. The erasure rule is in
 * shared/rgpd.c.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "rgpd.h"
#include "timefmt.h"
#include "extern.h"

enum stmt {
	STMT_USER,
	STMT_SESSIONS,
	STMT_RESAS,
	STMT_AUDIT,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_USER] = "SELECT u.id, u.nom, u.prenom, u.email, u.telephone, "
	    "u.notes, c.nom AS categorie, u.actif, u.created_at, u.updated_at "
	    "FROM utilisateurs u LEFT JOIN categories c ON c.id = "
	    "u.categorie_id WHERE u.id = ?",
	[STMT_SESSIONS] = "SELECT s.id, s.code, s.statut, s.raison, "
	    "p.nom AS poste, s.duree_totale, s.temps_restant, s.created_at, "
	    "s.started_at, s.ended_at FROM sessions s LEFT JOIN postes p ON "
	    "p.id = s.poste_id WHERE s.utilisateur_id = ? ORDER BY s.id",
	[STMT_RESAS] = "SELECT r.id, p.nom AS poste, r.debut, r.fin, r.statut, "
	    "r.created_at FROM reservations r JOIN postes p ON p.id = "
	    "r.poste_id WHERE r.utilisateur_id = ? ORDER BY r.id",
	[STMT_AUDIT] = "SELECT a.id, a.created_at, a.action FROM audit_log a "
	    "WHERE a.cible_type = 'utilisateur' AND a.cible_id = ? "
	    "ORDER BY a.id",
};

/* Rows of statement idx for the person as a json array (caller owns),
 * or NULL on error. */
static struct json_object *
rows(struct req *r, int idx)
{
	struct db_res *res = NULL;
	struct json_object *a;

	if (DB_EXEC(r->db, stmts, idx, &res, NULL, NULL, DBI(r->id)) != DB_OK)
		return NULL;
	a = db_rows_json(res);
	db_res_free(res);
	return a;
}

/* One "rubrique;n°;champ;valeur" line per member of each object. */
static void
flatten(struct json_object *out, const char *rubrique,
    struct json_object *arr)
{
	struct json_object *line;
	size_t i;

	for (i = 0; i < json_object_array_length(arr); i++) {
		json_object_object_foreach(json_object_array_get_idx(arr, i),
		    k, v) {
			line = json_object_new_object();
			json_object_object_add(line, "rubrique",
			    json_object_new_string(rubrique));
			json_object_object_add(line, "n",
			    json_object_new_int64((long long)i + 1));
			json_object_object_add(line, "champ",
			    json_object_new_string(k));
			json_object_object_add(line, "valeur",
			    v == NULL ? NULL : json_object_new_string(
			    json_object_get_string(v)));
			json_object_array_add(out, line);
		}
	}
}

int
rgpd_export(struct req *r)
{
	static const char *const fmts[] = { "json", "csv", NULL };
	static const struct vfield fs[] = {
		{ "format", V_ENUM, 0, 0, 0, 0, fmts },
	};
	static const char *const cols[] = { "rubrique", "n", "champ", "valeur",
	    NULL };
	static const char *const heads[] = { "Rubrique", "N°", "Champ",
	    "Valeur", NULL };
	struct vval v[1];
	struct json_object *u, *s, *re, *au, *o, *flat;
	char fn[64], now[TIME_ISO_LEN];
	enum db_err e;
	int st;

	if ((st = valid_query(r, fs, 1, v)) != 0)
		return st;
	if ((u = rows(r, STMT_USER)) == NULL)
		return http_db_error(r, DB_ERR_CONN);
	if (json_object_array_length(u) == 0) {
		json_object_put(u);
		return http_error(r, 404, "not_found", "Utilisateur inconnu");
	}
	s = rows(r, STMT_SESSIONS);
	re = rows(r, STMT_RESAS);
	au = rows(r, STMT_AUDIT);
	/* The export itself is audited before anything leaves. */
	e = audit_write(r->db, &r->actor, "utilisateur.export", "utilisateur",
	    r->id, v[0].present && v[0].i == 1 ? "csv" : "json");
	if (s == NULL || re == NULL || au == NULL || e != DB_OK) {
		json_object_put(u);
		json_object_put(s);
		json_object_put(re);
		json_object_put(au);
		return http_db_error(r, e != DB_OK ? e : DB_ERR_CONN);
	}
	if (v[0].present && v[0].i == 1) {
		flat = json_object_new_array();
		flatten(flat, "utilisateur", u);
		flatten(flat, "session", s);
		flatten(flat, "reservation", re);
		flatten(flat, "journal", au);
		json_object_put(u);
		json_object_put(s);
		json_object_put(re);
		json_object_put(au);
		snprintf(fn, sizeof(fn), "donnees-utilisateur-%lld.csv", r->id);
		st = csv_rows(r, flat, cols, heads, fn);
		json_object_put(flat);
		return st;
	}
	o = json_object_new_object();
	time_iso((long long)time(NULL), now);
	json_object_object_add(o, "exporte_le", json_object_new_string(now));
	json_object_object_add(o, "utilisateur",
	    json_object_get(json_object_array_get_idx(u, 0)));
	json_object_put(u);
	json_object_object_add(o, "sessions", s);
	json_object_object_add(o, "reservations", re);
	json_object_object_add(o, "journal", au);
	return http_json(r, 200, o);
}

int
rgpd_erase_user(struct req *r)
{
	static const struct vfield fs[] = {
		{ "confirmer", V_BOOL, 1, 0, 0, 0, NULL },
	};
	struct vval v[1];
	struct json_object *o;
	long long n = 0;
	int st;

	if ((st = valid_json(r, fs, 1, v)) != 0)
		return st;
	if (!v[0].i)
		return http_error(r, 422, "confirmation_requise",
		    "L'effacement est définitif : confirmez-le (confirmer: true)");
	switch (rgpd_erase(r->db, &r->evs, &r->actor, r->id, &n)) {
	case RGPD_OK:
		break;
	case RGPD_NOTFOUND:
		return http_error(r, 404, "not_found", "Utilisateur inconnu");
	case RGPD_LIVE:
		return http_error(r, 409, "sessions_en_cours",
		    "Cette personne a une session en attente, active ou "
		    "suspendue : terminez-la avant d'effacer ses données");
	case RGPD_DB:
		return http_db_error(r, DB_ERR_CONN);
	}
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(r->id));
	json_object_object_add(o, "efface", json_object_new_boolean(1));
	json_object_object_add(o, "sessions_anonymisees",
	    json_object_new_int64(n));
	return http_json(r, 200, o);
}
