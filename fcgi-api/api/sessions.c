/*
 * api/sessions.c - staff side of sessions: list, create, extend, suspend,
 * terminate. The transitions themselves live in shared/sess.c, which the
 * pusher's clock uses too; this file validates input and maps results.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "extern.h"
#include "hours.h"

#define SESS_FILTER "WHERE (? IS NULL OR s.statut = ?) AND " \
	"(? IS NULL OR s.utilisateur_id = ?) AND (? IS NULL OR s.poste_id = ?) " \
	"AND (? IS NULL OR s.code = ? OR u.nom LIKE ? OR u.prenom LIKE ?) " \
	"AND (? IS NULL OR s.created_at >= FROM_UNIXTIME(?) OR " \
	"s.ended_at >= FROM_UNIXTIME(?) " \
	"OR s.statut <> 'terminee') "

enum stmt { STMT_LIST, STMT_COUNT, STMT__MAX };

static const char *const stmts[STMT__MAX] = {
	[STMT_LIST] = "SELECT " SESS_SQL_FROM SESS_FILTER
	    "ORDER BY FIELD(s.statut, 'active', 'en_attente', 'suspendue', "
	    "'terminee'), s.fin_prevue, s.id DESC LIMIT ? OFFSET ?",
	[STMT_COUNT] = "SELECT COUNT(*) FROM sessions s LEFT JOIN utilisateurs u "
	    "ON u.id = s.utilisateur_id " SESS_FILTER,
};

int
sessions_list(struct req *r)
{
	static const struct vfield fs[] = {
		{ "statut", V_ENUM, 0, 0, 0, 0, sess_statut_names },
		{ "utilisateur_id", V_INT, 0, 0, 1, 4294967295LL, NULL },
		{ "poste_id", V_INT, 0, 0, 1, 4294967295LL, NULL },
		{ "q", V_STR, 0, 0, 1, 100, NULL },
		{ "aujourdhui", V_BOOL, 0, 0, 0, 0, NULL },
		VFIELDS_PAGE,
	};
	struct vval v[7];
	struct db_param p[13];
	char *pat = NULL, code[CODE_LEN + 1];
	int st;

	if ((st = valid_query(r, fs, 7, v)) != 0)
		return st;
	if (v[3].present && (pat = like_prefix(v[3].s)) == NULL)
		return http_error(r, 503, "unavailable", "Mémoire épuisée");
	/* q matches a code exactly, or the start of a name. */
	if (!v[3].present || code_normalize(v[3].s, code) == -1)
		code[0] = '\0';
	p[0] = p[1] = v[0].present ? DBS(v[0].s) : DBNULL;
	p[2] = p[3] = v[1].present ? DBI(v[1].i) : DBNULL;
	p[4] = p[5] = v[2].present ? DBI(v[2].i) : DBNULL;
	p[6] = pat != NULL ? DBS(pat) : DBNULL;
	p[7] = DBS(code);
	p[8] = p[9] = DBS(pat != NULL ? pat : "");
	p[10] = v[4].present && v[4].i ? DBI(1) : DBNULL;
	/* "Today" is the town hall's day (POSTES_TZ), not UTC's. */
	p[11] = p[12] = DBI(hours_day_start(time(NULL)));
	st = http_page(r, stmts, STMT_COUNT, STMT_LIST, p, 13);
	free(pat);
	return st;
}

/* Answer session id as it is now with status (and what the rules
 * decided, when n is not NULL). */
static int
answer_note(struct req *r, long long id, int status,
    const struct sess_note *n)
{
	struct json_object *o;
	enum sess_err se;

	if ((se = sess_get(r->db, id, &o)) != SESS_OK)
		return http_sess_error(r, se);
	http_sess_note(o, n);
	return http_json(r, status, o);
}

static int
answer(struct req *r, long long id, int status)
{
	return answer_note(r, id, status, NULL);
}

int
sessions_get(struct req *r)
{
	return answer(r, r->id, 200);
}

int
sessions_create(struct req *r)
{
	static const struct vfield fs[] = {
		{ "utilisateur_id", V_INT, 1, 0, 1, 4294967295LL, NULL },
		{ "duree", V_INT, 0, 0, SESS_DUREE_MIN, SESS_DUREE_MAX, NULL },
		{ "valide_jusqu", V_TIME, 0, 0, 0, 40, NULL },
	};
	struct vval v[3];
	struct sess_note n;
	struct quota q;
	long long now, until, id = 0, duree;
	enum sess_err se;
	int st, rc;

	if ((st = valid_json(r, fs, 3, v)) != 0)
		return st;
	if (rules_now(r->db, &now) == -1)
		return http_db_error(r, DB_ERR_CONN);
	/* Without a duration, the person's category says. */
	if (v[1].present)
		duree = v[1].i;
	else if ((rc = rules_quota(r->db, v[0].i, now, &q)) < 0)
		return http_db_error(r, DB_ERR_CONN);
	else if (rc > 0)
		return http_sess_error(r, SESS_USER_INACTIVE);
	else
		duree = q.duree_defaut;
	/* Without a date, a code stays valid for 30 days. */
	until = v[2].present ? v[2].i : now + 30 * 86400;
	if (until <= now)
		return http_error(r, 422, "validation_error",
		    "Champ « valide_jusqu » : la date est déjà passée");
	if (until > now + SESS_VALIDITE_MAX)
		return http_error(r, 422, "validation_error",
		    "Champ « valide_jusqu » : au plus 90 jours");
	se = sess_create(r->db, &r->evs, &r->actor, v[0].i, duree, until,
	    r->staff_id, &id, &n);
	if (se != SESS_OK)
		return http_sess_refusal(r, se, &n);
	return answer_note(r, id, 201, &n);
}

int
sessions_extend(struct req *r)
{
	static const struct vfield fs[] = {
		{ "duree", V_INT, 1, 0, 1, SESS_DUREE_MAX, NULL },
	};
	struct vval v[1];
	struct sess_note n;
	enum sess_err se;
	int st;

	if ((st = valid_json(r, fs, 1, v)) != 0)
		return st;
	se = sess_extend(r->db, &r->evs, &r->actor, r->id, v[0].i, &n);
	if (se == SESS_NO_TIME)
		return http_error(r, 422, "validation_error",
		    "Champ « duree » : la session dépasserait 12 heures");
	if (se != SESS_OK)
		return http_sess_refusal(r, se, &n);
	return answer_note(r, r->id, 200, &n);
}

int
sessions_suspend(struct req *r)
{
	enum sess_err se;
	int st;

	if ((st = valid_json(r, NULL, 0, NULL)) != 0)
		return st;
	if ((se = sess_suspend(r->db, &r->evs, &r->actor, r->id)) != SESS_OK)
		return http_sess_error(r, se);
	return answer(r, r->id, 200);
}

int
sessions_terminate(struct req *r)
{
	static const char *const raisons[] = { "admin", "fermeture_normale",
	    NULL };
	static const struct vfield fs[] = {
		{ "raison", V_ENUM, 0, 0, 0, 0, raisons },
	};
	struct vval v[1];
	enum sess_err se;
	int st;

	if ((st = valid_json(r, fs, 1, v)) != 0)
		return st;
	se = sess_terminate(r->db, &r->evs, &r->actor, r->id,
	    v[0].present && v[0].i == 1 ? RAISON_FERMETURE_NORMALE :
	    RAISON_ADMIN);
	if (se != SESS_OK)
		return http_sess_error(r, se);
	return answer(r, r->id, 200);
}
