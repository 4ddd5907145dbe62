/*
 * api/audit.c - the audit log viewer (administrators only).
 *
 * Filters: staff member, action, object (type and id) and a time range;
 * the range takes ISO 8601 instants or plain dates (YYYY-MM-DD, whole
 * days of the town hall's zone, au inclusive). Paginated like every
 * list, or the whole selection as CSV (at most AUDIT_CSV_MAX rows,
 * newest first). Rows are never changed here: the log is append-only.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "timefmt.h"
#include "extern.h"

#define AUDIT_CSV_MAX 50000

#define AUDIT_COLS "a.id, a.created_at, a.staff_id, st.username AS " \
	"staff_username, st.nom AS staff_nom, a.action, a.cible_type, " \
	"a.cible_id, a.detail, a.ip FROM audit_log a LEFT JOIN staff st ON " \
	"st.id = a.staff_id "
#define AUDIT_FILTER "WHERE (? IS NULL OR a.staff_id = ?) AND " \
	"(? IS NULL OR a.action = ?) AND (? IS NULL OR a.cible_type = ?) AND " \
	"(? IS NULL OR a.cible_id = ?) AND " \
	"(? IS NULL OR a.created_at >= FROM_UNIXTIME(?)) AND " \
	"(? IS NULL OR a.created_at < FROM_UNIXTIME(?)) "

enum stmt {
	STMT_LIST,
	STMT_COUNT,
	STMT_ALL,
	STMT_ACTIONS,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_LIST] = "SELECT " AUDIT_COLS AUDIT_FILTER
	    "ORDER BY a.id DESC LIMIT ? OFFSET ?",
	[STMT_COUNT] = "SELECT COUNT(*) FROM audit_log a " AUDIT_FILTER,
	[STMT_ALL] = "SELECT " AUDIT_COLS AUDIT_FILTER
	    "ORDER BY a.id DESC LIMIT 50000",
	[STMT_ACTIONS] = "SELECT DISTINCT action FROM audit_log ORDER BY action",
};

/* An instant or a local day; 0, or the error status. */
static int
bound(struct req *r, const char *name, const char *s, int next, long long *t)
{
	char msg[128];

	if (strlen(s) == 10 ? stats_day_bound(s, next, t) == 0 :
	    time_parse_iso(s, t) == 0)
		return 0;
	snprintf(msg, sizeof(msg), "Champ « %s » : date invalide "
	    "(AAAA-MM-JJ ou ISO 8601 attendu)", name);
	return http_error(r, 422, "validation_error", msg);
}

int
audit_list(struct req *r)
{
	static const char *const fmts[] = { "json", "csv", NULL };
	static const struct vfield fs[] = {
		{ "staff_id", V_INT, 0, 0, 1, 4294967295LL, NULL },
		{ "action", V_STR, 0, 0, 1, 64, NULL },
		{ "cible_type", V_STR, 0, 0, 1, 32, NULL },
		{ "cible_id", V_INT, 0, 0, 1, 1LL << 53, NULL },
		{ "du", V_STR, 0, 0, 10, 40, NULL },
		{ "au", V_STR, 0, 0, 10, 40, NULL },
		{ "format", V_ENUM, 0, 0, 0, 0, fmts },
		VFIELDS_PAGE,
	};
	static const char *const cols[] = { "id", "created_at",
	    "staff_username", "staff_nom", "action", "cible_type", "cible_id",
	    "detail", "ip", NULL };
	static const char *const heads[] = { "N°", "Date (UTC)", "Identifiant",
	    "Membre du personnel", "Action", "Objet", "N° de l'objet",
	    "Détail", "Adresse IP", NULL };
	struct vval v[9];
	struct db_param p[12];
	struct db_res *res = NULL;
	struct json_object *rows;
	long long du = 0, au = 0;
	enum db_err e;
	int st;

	if ((st = valid_query(r, fs, 9, v)) != 0)
		return st;
	if (v[4].present && (st = bound(r, "du", v[4].s, 0, &du)) != 0)
		return st;
	if (v[5].present && (st = bound(r, "au", v[5].s, 1, &au)) != 0)
		return st;
	if (v[4].present && v[5].present && au <= du)
		return http_error(r, 422, "periode_invalide",
		    "La date de fin (au) précède la date de début (du)");
	p[0] = p[1] = v[0].present ? DBI(v[0].i) : DBNULL;
	p[2] = p[3] = v[1].present ? DBS(v[1].s) : DBNULL;
	p[4] = p[5] = v[2].present ? DBS(v[2].s) : DBNULL;
	p[6] = p[7] = v[3].present ? DBI(v[3].i) : DBNULL;
	p[8] = p[9] = v[4].present ? DBI(du) : DBNULL;
	p[10] = p[11] = v[5].present ? DBI(au) : DBNULL;
	if (!(v[6].present && v[6].i == 1))
		return http_page(r, stmts, STMT_COUNT, STMT_LIST, p, 12);
	if ((e = db_exec(r->db, stmts, STMT_ALL, p, 12, &res, NULL,
	    NULL)) != DB_OK)
		return http_db_error(r, e);
	rows = db_rows_json(res);
	db_res_free(res);
	st = csv_rows(r, rows, cols, heads, "journal-audit.csv");
	json_object_put(rows);
	return st;
}

int
audit_actions(struct req *r)
{
	struct db_res *res = NULL;
	struct json_object *arr, *o;
	enum db_err e;
	size_t i;

	if ((e = DB_EXEC0(r->db, stmts, STMT_ACTIONS, &res, NULL, NULL)) != DB_OK)
		return http_db_error(r, e);
	arr = json_object_new_array();
	for (i = 0; res != NULL && i < res->nrows; i++)
		json_object_array_add(arr,
		    json_object_new_string(db_str(res, i, 0)));
	db_res_free(res);
	o = json_object_new_object();
	json_object_object_add(o, "actions", arr);
	return http_json(r, 200, o);
}
