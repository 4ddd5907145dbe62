/*
 * api/reservations.c - reserving a poste for a slot.
 *
 * The rules (overlap, past, maintenance, who may start during the slot,
 * no-shows) are in shared/resa.c; here each refusal gets its status, a
 * code and a French sentence, and the lists get their filters.
 */
#include <string.h>

#include <json-c/json.h>

#include "resa.h"
#include "extern.h"

#define RESA_FILTER "WHERE (? IS NULL OR r.poste_id = ?) AND " \
	"(? IS NULL OR r.statut = ?) AND (? IS NULL OR r.fin > FROM_UNIXTIME(?)) " \
	"AND (? IS NULL OR r.debut < FROM_UNIXTIME(?)) "

enum stmt {
	STMT_LIST,
	STMT_COUNT,
	STMT_GET,
	STMT_KIOSK_NEXT,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_LIST] = "SELECT " RESA_SQL_FROM RESA_FILTER
	    "ORDER BY r.debut, r.id LIMIT ? OFFSET ?",
	[STMT_COUNT] = "SELECT COUNT(*) FROM reservations r " RESA_FILTER,
	[STMT_GET] = "SELECT " RESA_SQL_FROM "WHERE r.id = ?",
	/* What a kiosk may show: when, never who. */
	[STMT_KIOSK_NEXT] = "SELECT id, debut, fin, statut FROM reservations "
	    "WHERE poste_id = ? AND statut = 'prevue' AND fin > UTC_TIMESTAMP(3) "
	    "AND debut < UTC_TIMESTAMP(3) + INTERVAL 12 HOUR ORDER BY debut "
	    "LIMIT 1",
};

static const char *const statuts[] = { "prevue", "honoree", "liberee",
	"annulee", NULL };

int
reservations_list(struct req *r)
{
	static const struct vfield fs[] = {
		{ "poste_id", V_INT, 0, 0, 1, 4294967295LL, NULL },
		{ "statut", V_ENUM, 0, 0, 0, 0, statuts },
		{ "du", V_TIME, 0, 0, 0, 40, NULL },
		{ "au", V_TIME, 0, 0, 0, 40, NULL },
		VFIELDS_PAGE,
	};
	struct vval v[6];
	struct db_param p, s, d, a;
	int st;

	if ((st = valid_query(r, fs, 6, v)) != 0)
		return st;
	p = v[0].present ? DBI(v[0].i) : DBNULL;
	s = v[1].present ? DBS(v[1].s) : DBNULL;
	d = v[2].present ? DBI(v[2].i) : DBNULL;
	a = v[3].present ? DBI(v[3].i) : DBNULL;
	return http_page(r, stmts, STMT_COUNT, STMT_LIST,
	    (struct db_param[]){ p, p, s, s, d, d, a, a }, 8);
}

int
reservations_get(struct req *r)
{
	return http_row(r, stmts, STMT_GET, 200, "Réservation inconnue");
}

static int
resa_error(struct req *r, enum resa_err re)
{
	switch (re) {
	case RESA_OK:
		return 200;
	case RESA_NOTFOUND:
		return http_error(r, 404, "not_found", "Réservation inconnue");
	case RESA_POSTE_NOTFOUND:
		return http_error(r, 404, "not_found", "Poste inconnu");
	case RESA_POSTE_UNAVAILABLE:
		return http_error(r, 409, "poste_indisponible",
		    "Ce poste est en maintenance ou désactivé");
	case RESA_USER:
		return http_error(r, 422, "utilisateur_inactive",
		    "Utilisateur inconnu ou désactivé");
	case RESA_ORDER:
		return http_error(r, 422, "fin_avant_debut",
		    "La fin du créneau doit être après son début");
	case RESA_LENGTH:
		return http_error(r, 422, "duree_invalide",
		    "Un créneau dure de 5 minutes à 8 heures");
	case RESA_PAST:
		return http_error(r, 422, "creneau_passe",
		    "Ce créneau est déjà passé");
	case RESA_TOO_FAR:
		return http_error(r, 422, "creneau_trop_loin",
		    "On ne réserve pas plus de 90 jours à l'avance");
	case RESA_OVERLAP:
		return http_error(r, 409, "reservation_chevauchement",
		    "Ce poste est déjà réservé sur une partie de ce créneau");
	case RESA_STATE:
		return http_error(r, 409, "invalid_state",
		    "Cette réservation n'est plus prévue");
	case RESA_DB:
		break;
	}
	return http_db_error(r, DB_ERR_CONN);
}

int
reservations_create(struct req *r)
{
	static const struct vfield fs[] = {
		{ "poste_id", V_INT, 1, 0, 1, 4294967295LL, NULL },
		{ "utilisateur_id", V_INT, 0, 0, 1, 4294967295LL, NULL },
		{ "nom", V_STR, 0, 0, 1, RESA_NOM_MAX, NULL },
		{ "debut", V_TIME, 1, 0, 0, 40, NULL },
		{ "fin", V_TIME, 1, 0, 0, 40, NULL },
	};
	struct vval v[5];
	enum resa_err re;
	long long id = 0;
	int st;

	if ((st = valid_json(r, fs, 5, v)) != 0)
		return st;
	if (v[1].present == v[2].present)
		return http_error(r, 422, "titulaire_invalide",
		    "Indiquez soit une personne inscrite (utilisateur_id), "
		    "soit un nom (nom), pas les deux");
	re = resa_create(r->db, &r->evs, &r->actor, v[0].i,
	    v[1].present ? v[1].i : 0, v[2].present ? v[2].s : NULL,
	    v[3].i, v[4].i, &id);
	if (re != RESA_OK)
		return resa_error(r, re);
	r->id = id;
	return http_row(r, stmts, STMT_GET, 201, "Réservation inconnue");
}

int
reservations_cancel(struct req *r)
{
	enum resa_err re;
	int st;

	if ((st = valid_json(r, NULL, 0, NULL)) != 0)
		return st;
	if ((re = resa_cancel(r->db, &r->evs, &r->actor, r->id)) != RESA_OK)
		return resa_error(r, re);
	return http_row(r, stmts, STMT_GET, 200, "Réservation inconnue");
}

/*
 * The next reservation of the kiosk's poste (within 12 h), for the lock
 * screen's "Réservé à 14h00"; JSON null when none. Caller owns it.
 */
struct json_object *
reservations_kiosk_next(struct req *r)
{
	struct db_res *res = NULL;
	struct json_object *o = NULL;

	if (DB_EXEC(r->db, stmts, STMT_KIOSK_NEXT, &res, NULL, NULL,
	    DBI(r->poste_id)) == DB_OK && res != NULL && res->nrows > 0)
		o = db_row_json(res, 0);
	db_res_free(res);
	return o;
}
