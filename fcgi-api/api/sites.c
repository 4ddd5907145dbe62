/*
 * api/sites.c - sites (the places postes belong to), their weekly opening
 * hours and their closure days.
 *
 * Reading is for staff, changing for admins. The hours are replaced as a
 * whole (PUT .../horaires) after every slot was checked: day 1..7, times
 * "HH:MM", opening before closing, no overlap within a day (slots that
 * touch are allowed and read as one stretch). After a change of hours or
 * closure days the sessions running on the site's postes are cut at the
 * new closing (sess_site_recap), so no session runs past it. What "open"
 * means is computed by shared/rules.c with the database's clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "hours.h"
#include "timefmt.h"
#include "extern.h"

#define HORAIRES_MAX	28	/* four slots a day */

#define SITE_COLS "s.id, s.nom, s.adresse, s.actif, s.created_at, " \
	"s.updated_at, (SELECT COUNT(*) FROM postes p WHERE p.site_id = s.id) " \
	"AS nb_postes FROM sites s "

enum stmt {
	STMT_LIST,
	STMT_GET,
	STMT_INSERT,
	STMT_UPDATE,
	STMT_LOCK,
	STMT_DELETE,
	STMT_HOURS,
	STMT_HOURS_DEL,
	STMT_HOURS_ADD,
	STMT_CLOSED_LIST,
	STMT_CLOSED_ADD,
	STMT_CLOSED_DEL,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_LIST] = "SELECT " SITE_COLS "ORDER BY s.nom LIMIT 200",
	[STMT_GET] = "SELECT " SITE_COLS "WHERE s.id = ?",
	[STMT_INSERT] = "INSERT INTO sites (nom, adresse) VALUES (?, ?)",
	[STMT_UPDATE] = "UPDATE sites SET nom = COALESCE(?, nom), "
	    "adresse = COALESCE(?, adresse), actif = COALESCE(?, actif), "
	    "updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
	[STMT_LOCK] = "SELECT id FROM sites WHERE id = ? FOR UPDATE",
	[STMT_DELETE] = "DELETE FROM sites WHERE id = ?",
	/* "HH:MM", or "HH:MM:SS" when the seconds are not zero. */
	[STMT_HOURS] = "SELECT jour, TIME_FORMAT(ouverture, IF(SECOND(ouverture) "
	    "= 0, '%H:%i', '%H:%i:%s')) AS ouverture, TIME_FORMAT(fermeture, "
	    "IF(SECOND(fermeture) = 0, '%H:%i', '%H:%i:%s')) AS fermeture "
	    "FROM site_horaires WHERE site_id = ? ORDER BY jour, ouverture",
	[STMT_HOURS_DEL] = "DELETE FROM site_horaires WHERE site_id = ?",
	[STMT_HOURS_ADD] = "INSERT INTO site_horaires (site_id, jour, "
	    "ouverture, fermeture) VALUES (?, ?, SEC_TO_TIME(?), SEC_TO_TIME(?))",
	/* Closure days from today on (local date given), soonest first. */
	[STMT_CLOSED_LIST] = "SELECT DATE_FORMAT(jour, '%Y-%m-%d') AS jour, "
	    "motif FROM site_fermetures WHERE site_id = ? AND jour >= ? "
	    "ORDER BY jour LIMIT 100",
	[STMT_CLOSED_ADD] = "INSERT INTO site_fermetures (site_id, jour, motif) "
	    "VALUES (?, ?, ?)",
	[STMT_CLOSED_DEL] = "DELETE FROM site_fermetures WHERE site_id = ? "
	    "AND jour = ?",
};

/* Today's local date "YYYY-MM-DD" by the database's clock. */
static int
today(struct req *r, char out[16], long long *now)
{
	int y, m, d, w;

	if (rules_now(r->db, now) == -1)
		return -1;
	hours_local(*now, &y, &m, &d, &w);
	snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
	return 0;
}

/* Add "ouvert" and "ferme_a" (now) to a site object. */
static void
add_state(struct req *r, struct json_object *o, long long now)
{
	char iso[TIME_ISO_LEN];
	long long id, close = 0;
	int open;

	id = json_object_get_int64(json_object_object_get(o, "id"));
	open = rules_site_window(r->db, id, now, &close);
	json_object_object_add(o, "horaires_definis",
	    json_object_new_boolean(open != -1));
	json_object_object_add(o, "ouvert", json_object_new_boolean(open != 0 &&
	    open != -2));
	if (open == 1) {
		time_iso(close, iso);
		json_object_object_add(o, "ferme_a", json_object_new_string(iso));
	} else
		json_object_object_add(o, "ferme_a", NULL);
}

int
sites_list(struct req *r)
{
	struct db_res *res = NULL;
	struct json_object *a;
	long long now;
	enum db_err e;
	size_t i;

	if ((e = DB_EXEC0(r->db, stmts, STMT_LIST, &res, NULL, NULL)) != DB_OK)
		return http_db_error(r, e);
	if (rules_now(r->db, &now) == -1) {
		db_res_free(res);
		return http_db_error(r, DB_ERR_CONN);
	}
	a = db_rows_json(res);
	db_res_free(res);
	for (i = 0; i < json_object_array_length(a); i++)
		add_state(r, json_object_array_get_idx(a, i), now);
	return http_json(r, 200, page_json(a, (long long)
	    json_object_array_length(a), 1, 200));
}

/* The site r->id with its hours and coming closure days, as r->out. */
static int
answer_site(struct req *r, int status)
{
	struct db_res *res = NULL;
	struct json_object *o;
	char date[16];
	long long now;
	enum db_err e;

	if ((e = DB_EXEC(r->db, stmts, STMT_GET, &res, NULL, NULL,
	    DBI(r->id))) != DB_OK)
		return http_db_error(r, e);
	if (res == NULL || res->nrows == 0) {
		db_res_free(res);
		return http_error(r, 404, "not_found", "Site inconnu");
	}
	o = db_row_json(res, 0);
	db_res_free(res);
	res = NULL;
	if (today(r, date, &now) == -1 ||
	    DB_EXEC(r->db, stmts, STMT_HOURS, &res, NULL, NULL, DBI(r->id)) !=
	    DB_OK) {
		json_object_put(o);
		return http_db_error(r, DB_ERR_CONN);
	}
	json_object_object_add(o, "horaires", db_rows_json(res));
	db_res_free(res);
	res = NULL;
	if (DB_EXEC(r->db, stmts, STMT_CLOSED_LIST, &res, NULL, NULL,
	    DBI(r->id), DBS(date)) != DB_OK) {
		json_object_put(o);
		return http_db_error(r, DB_ERR_CONN);
	}
	json_object_object_add(o, "fermetures", db_rows_json(res));
	db_res_free(res);
	add_state(r, o, now);
	return http_json(r, status, o);
}

int
sites_get(struct req *r)
{
	return answer_site(r, 200);
}

/* Audit, event site_updated, commit; then cut running sessions at the
 * new closing when the hours changed; answer the site. */
static int
site_changed(struct req *r, const char *action, const char *detail,
    int recap, int status)
{
	struct json_object *o = json_object_new_object();
	enum db_err e;
	int st;

	json_object_object_add(o, "site_id", json_object_new_int64(r->id));
	json_object_object_add(o, "action", json_object_new_string(action));
	e = audit_write(r->db, &r->actor, action, "site", r->id, detail);
	if (e == DB_OK)
		e = ev_record(r->db, &r->evs, EV_SITE_UPDATED, 0, 0, o);
	json_object_put(o);
	if ((st = http_tx_end(r, e)) != 0)
		return st;
	/* A batch of events at a time (each session commits on its own),
	 * until no running session of the site is left to cut. */
	if (recap)
		while (sess_site_recap(r->db, &r->evs, r->id) > 0)
			ev_pub_send(r->pub, &r->evs);
	if (status == 204)
		return 204;
	return answer_site(r, status);
}

static const struct http_refusal nom_taken = { 409, "nom_taken",
	"Un site porte déjà ce nom" };

static const struct vfield site_fields[] = {
	{ "nom", V_STR, 1, 0, 1, 128, NULL },
	{ "adresse", V_STR, 0, 0, 0, 255, NULL },
	{ "actif", V_BOOL, 0, 0, 0, 0, NULL },
};

int
sites_create(struct req *r)
{
	struct vval v[3];
	unsigned long long id = 0;
	enum db_err e;
	int st;

	if ((st = valid_json(r, site_fields, 2, v)) != 0)
		return st;
	if ((e = db_begin(r->db)) != DB_OK ||
	    (e = DB_EXEC(r->db, stmts, STMT_INSERT, NULL, NULL, &id,
	    DBS(v[0].s), DBS(v[1].present ? v[1].s : ""))) != DB_OK)
		return http_tx_refuse(r, e, &nom_taken, NULL);
	r->id = (long long)id;
	return site_changed(r, "site.create", NULL, 0, 201);
}

/* Open a transaction and lock site r->id: 0, or the answer's status. */
static int
lock_site(struct req *r)
{
	return http_tx_lock(r, stmts, STMT_LOCK, "Site inconnu");
}

int
sites_update(struct req *r)
{
	struct vval v[3];
	enum db_err e;
	int st;

	if ((st = valid_json_update(r, site_fields, 3, v)) != 0)
		return st;
	if ((st = lock_site(r)) != 0)
		return st;
	e = DB_EXEC(r->db, stmts, STMT_UPDATE, NULL, NULL, NULL,
	    DBS(v[0].present ? v[0].s : NULL), DBS(v[1].present ? v[1].s : NULL),
	    v[2].present ? DBI(v[2].i) : DBNULL, DBI(r->id));
	if (e != DB_OK)
		return http_tx_refuse(r, e, &nom_taken, NULL);
	/* A site closed by deactivation ends its sessions. */
	return site_changed(r, "site.update", NULL, v[2].present, 200);
}

int
sites_delete(struct req *r)
{
	enum db_err e;
	int st;

	if ((st = lock_site(r)) != 0)
		return st;
	/* Its postes stay, without a site (always open). */
	if ((e = DB_EXEC(r->db, stmts, STMT_DELETE, NULL, NULL, NULL,
	    DBI(r->id))) != DB_OK)
		return http_tx_end(r, e);
	return site_changed(r, "site.delete", NULL, 0, 204);
}

/*
 * Read and check {"horaires":[{"jour":1,"ouverture":"09:00",
 * "fermeture":"12:00"}, ...]} into s; the count, or -status.
 */
static int
read_hours(struct req *r, struct hours_slot *s)
{
	struct json_object *a, *it, *v;
	char msg[160];
	size_t i, j, n, nk;
	int o, f, jour;

	if (r->in == NULL || !json_object_is_type(r->in, json_type_object))
		return -http_error(r, 422, "validation_error",
		    "Corps attendu : {\"horaires\": [...]}");
	json_object_object_foreach(r->in, key, val) {
		(void)val;
		if (strcmp(key, "horaires") != 0)
			return -http_error(r, 422, "unknown_field",
			    "Champ inconnu : seul « horaires » est accepté");
	}
	a = json_object_object_get(r->in, "horaires");
	if (a == NULL || !json_object_is_type(a, json_type_array))
		return -http_error(r, 422, "validation_error",
		    "Champ « horaires » : une liste est attendue");
	if ((n = json_object_array_length(a)) > HORAIRES_MAX)
		return -http_error(r, 422, "validation_error",
		    "Champ « horaires » : au plus 28 créneaux");
	for (i = 0; i < n; i++) {
		it = json_object_array_get_idx(a, i);
		if (!json_object_is_type(it, json_type_object))
			goto bad;
		nk = 0;
		json_object_object_foreach(it, k2, v2) {
			(void)v2;
			if (strcmp(k2, "jour") != 0 && strcmp(k2, "ouverture") != 0 &&
			    strcmp(k2, "fermeture") != 0)
				goto bad;
			nk++;
		}
		if (nk != 3)
			goto bad;
		v = json_object_object_get(it, "jour");
		if (!json_object_is_type(v, json_type_int) ||
		    (jour = json_object_get_int(v)) < 1 || jour > 7)
			goto bad;
		v = json_object_object_get(it, "ouverture");
		o = json_object_is_type(v, json_type_string) ?
		    hours_parse(json_object_get_string(v)) : -1;
		v = json_object_object_get(it, "fermeture");
		f = json_object_is_type(v, json_type_string) ?
		    hours_parse(json_object_get_string(v)) : -1;
		if (o < 0 || f < 0 || o >= 86400)
			goto bad;
		if (o >= f) {
			snprintf(msg, sizeof(msg), "Créneau %zu : l'ouverture "
			    "doit précéder la fermeture", i + 1);
			return -http_error(r, 422, "horaires_invalides", msg);
		}
		s[i].jour = jour;
		s[i].ouverture = o;
		s[i].fermeture = f;
		for (j = 0; j < i; j++)
			if (s[j].jour == jour && s[j].ouverture < f &&
			    o < s[j].fermeture) {
				snprintf(msg, sizeof(msg), "Créneaux %zu et %zu : "
				    "ils se chevauchent le même jour", j + 1, i + 1);
				return -http_error(r, 409, "horaires_chevauchement",
				    msg);
			}
	}
	return (int)n;
bad:
	snprintf(msg, sizeof(msg), "Créneau %zu : attendu {\"jour\": 1..7, "
	    "\"ouverture\": \"HH:MM\", \"fermeture\": \"HH:MM\"}", i + 1);
	return -http_error(r, 422, "validation_error", msg);
}

int
sites_set_hours(struct req *r)
{
	struct hours_slot s[HORAIRES_MAX];
	char detail[32];
	enum db_err e;
	int n, i, st;

	if ((n = read_hours(r, s)) < 0)
		return -n;
	if ((st = lock_site(r)) != 0)
		return st;
	e = DB_EXEC(r->db, stmts, STMT_HOURS_DEL, NULL, NULL, NULL, DBI(r->id));
	for (i = 0; i < n && e == DB_OK; i++)
		e = DB_EXEC(r->db, stmts, STMT_HOURS_ADD, NULL, NULL, NULL,
		    DBI(r->id), DBI(s[i].jour), DBI(s[i].ouverture),
		    DBI(s[i].fermeture));
	if (e != DB_OK)
		return http_tx_end(r, e);
	snprintf(detail, sizeof(detail), "creneaux=%d", n);
	return site_changed(r, "site.horaires", detail, 1, 200);
}

/* A date "YYYY-MM-DD" that exists; 0 or -1. */
static int
valid_date(const char *s)
{
	long long t;
	char buf[32];

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	snprintf(buf, sizeof(buf), "%sT12:00:00Z", s);
	return time_parse_iso(buf, &t);
}

int
sites_add_closure(struct req *r)
{
	static const struct vfield fs[] = {
		{ "jour", V_STR, 1, 0, 10, 10, NULL },
		{ "motif", V_STR, 0, 0, 0, 255, NULL },
	};
	struct vval v[2];
	char date[16];
	long long now;
	enum db_err e;
	int st;

	if ((st = valid_json(r, fs, 2, v)) != 0)
		return st;
	if (valid_date(v[0].s) == -1)
		return http_error(r, 422, "validation_error",
		    "Champ « jour » : une date AAAA-MM-JJ est attendue");
	if (today(r, date, &now) == -1)
		return http_db_error(r, DB_ERR_CONN);
	if (strcmp(v[0].s, date) < 0)
		return http_error(r, 422, "validation_error",
		    "Champ « jour » : la date est déjà passée");
	if ((st = lock_site(r)) != 0)
		return st;
	e = DB_EXEC(r->db, stmts, STMT_CLOSED_ADD, NULL, NULL, NULL, DBI(r->id),
	    DBS(v[0].s), DBS(v[1].present ? v[1].s : ""));
	if (e != DB_OK)
		return http_tx_refuse(r, e, &(const struct http_refusal){ 409,
		    "fermeture_existe", "Ce jour de fermeture est déjà "
		    "enregistré" }, NULL);
	return site_changed(r, "site.fermeture_ajout", v[0].s,
	    strcmp(v[0].s, date) == 0, 201);
}

/* Remove closure day jour of site r->id (the API's and the admin
 * pages' way alike). */
static int
del_closure(struct req *r, const char *jour)
{
	unsigned long long n = 0;
	enum db_err e;
	int st;

	if (valid_date(jour) == -1)
		return http_error(r, 422, "validation_error",
		    "Champ « jour » : une date AAAA-MM-JJ est attendue");
	if ((st = lock_site(r)) != 0)
		return st;
	if ((e = DB_EXEC(r->db, stmts, STMT_CLOSED_DEL, NULL, &n, NULL,
	    DBI(r->id), DBS(jour))) != DB_OK)
		return http_tx_end(r, e);
	if (n == 0) {
		db_rollback(r->db);
		return http_error(r, 404, "not_found",
		    "Ce jour de fermeture n'est pas enregistré");
	}
	return site_changed(r, "site.fermeture_retrait", jour, 0, 200);
}

int
sites_del_closure(struct req *r)
{
	static const struct vfield fs[] = {
		{ "jour", V_STR, 1, 0, 10, 10, NULL },
	};
	struct vval v[1];
	int st;

	if ((st = valid_query(r, fs, 1, v)) != 0)
		return st;
	return del_closure(r, v[0].s);
}

/* The same with a JSON body {"jour": "YYYY-MM-DD"} (the admin form). */
int
sites_del_closure_body(struct req *r)
{
	static const struct vfield fs[] = {
		{ "jour", V_STR, 1, 0, 10, 10, NULL },
	};
	struct vval v[1];
	int st;

	if ((st = valid_json(r, fs, 1, v)) != 0)
		return st;
	return del_closure(r, v[0].s);
}
