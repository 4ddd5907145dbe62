/*
 * reply.c - the answers a handler gives: a JSON body, the one error shape
 * {"error":{"code","message"}} with its status, and the refusals of the
 * shared rules (database errors, session rules) in the desk's words.
 *
 * Everything else in the program answers through here: http.c (a request
 * refused before routing), valid.c (a field refused), rows.c, the router
 * and the handlers. It needs nothing from them, which is what breaks the
 * old circle between http.c and valid.c: parsing and writing (http.c),
 * validation (valid.c) and the common ends of handlers that read rows
 * (rows.c) each lean on this file, never on each other in both ways.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "config.h"
#include "timefmt.h"
#include "extern.h"

const char *
http_status_text(int st)
{
	switch (st) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default:  return st < 500 ? "Error" : "Internal Server Error";
	}
}

int
http_json(struct req *r, int status, struct json_object *o)
{
	json_object_put(r->out);
	r->out = o;
	return status;
}

int
http_error(struct req *r, int status, const char *code, const char *message)
{
	struct json_object *o, *e;

	o = json_object_new_object();
	e = json_object_new_object();
	json_object_object_add(e, "code", json_object_new_string(code));
	json_object_object_add(e, "message", json_object_new_string(message));
	json_object_object_add(o, "error", e);
	return http_json(r, status, o);
}

int
http_db_error(struct req *r, enum db_err e)
{
	switch (e) {
	case DB_OK:
		break;
	case DB_ERR_CONN:
	case DB_ERR_DEADLOCK:
		r->retry_after = 2;
		return http_error(r, 503, "unavailable",
		    "Service momentanément indisponible, réessayez");
	case DB_ERR_DUP:
		return http_error(r, 409, "conflict",
		    "Cette valeur est déjà utilisée");
	case DB_ERR_FK:
		return http_error(r, 409, "conflict",
		    "Enregistrement lié à d'autres données");
	case DB_ERR_OTHER:
		break;
	}
	return http_error(r, 500, "internal", "Erreur interne");
}

int
http_sess_error(struct req *r, enum sess_err e)
{
	return http_sess_refusal(r, e, NULL);
}

/* "1 h 05", "25 min": a duration in words for a message. */
void
http_duration(long long s, char *buf, size_t sz)
{
	long long m = (s + 59) / 60;

	if (m >= 60)
		snprintf(buf, sz, "%lld h %02lld", m / 60, m % 60);
	else
		snprintf(buf, sz, "%lld min", m);
}

/* "18:00": a closing instant on the town hall's wall clock. */
void
http_local_hm(long long t, char *buf, size_t sz)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, sz, "%H:%M", &tm) == 0)
		snprintf(buf, sz, "?");
}

int
http_sess_refusal(struct req *r, enum sess_err e, const struct sess_note *n)
{
	struct json_object *err;
	char msg[256], d[32], h[16];
	long long left;
	int st;

	switch (e) {
	case SESS_OK:
		return 200;
	case SESS_NOTFOUND:
		return http_error(r, 404, "not_found", "Session inconnue");
	case SESS_STATE:
		return http_error(r, 409, "invalid_state",
		    "Action impossible dans l'état actuel de la session");
	case SESS_POSTE_BUSY:
		return http_error(r, 409, "poste_busy",
		    "Ce poste a déjà une session en cours");
	case SESS_POSTE_UNAVAILABLE:
		return http_error(r, 409, "poste_unavailable",
		    "Ce poste est indisponible (maintenance ou désactivé)");
	case SESS_EXPIRED:
		return http_error(r, 409, "code_expired",
		    "Ce code n'est plus valide");
	case SESS_NO_TIME:
		return http_error(r, 409, "no_time_left",
		    "Il ne reste plus de temps sur cette session");
	case SESS_USER_INACTIVE:
		return http_error(r, 422, "utilisateur_inactive",
		    "Utilisateur inconnu ou désactivé");
	case SESS_RESERVED:
		return http_error(r, 409, "poste_reserve",
		    "Ce poste est réservé pour une autre personne en ce moment");
	case SESS_ELSEWHERE:
		return http_error(r, 409, "session_en_cours_ailleurs",
		    "Cette session est déjà ouverte sur un autre poste.");
	case SESS_SITE_CLOSED:
		return http_error(r, 409, "site_ferme",
		    "Le site est fermé : aucune session ne peut commencer "
		    "maintenant.");
	case SESS_CLOSING:
		if (n != NULL && n->ferme_a > 0) {
			http_local_hm(n->ferme_a, h, sizeof(h));
			snprintf(msg, sizeof(msg), "Le site ferme à %s : "
			    "impossible d'ajouter du temps.", h);
		} else
			snprintf(msg, sizeof(msg), "Le site est fermé : "
			    "impossible d'ajouter du temps.");
		return http_error(r, 409, "fermeture_site", msg);
	case SESS_QUOTA_JOUR:
	case SESS_QUOTA_SEMAINE:
		left = n == NULL ? -1 : e == SESS_QUOTA_JOUR ? n->restant_jour :
		    n->restant_semaine;
		http_duration(left > 0 ? left : 0, d, sizeof(d));
		if (left > 0)
			snprintf(msg, sizeof(msg), "Quota %s atteint : il reste "
			    "%s %s pour cette personne.", e == SESS_QUOTA_JOUR ?
			    "journalier" : "hebdomadaire", d,
			    e == SESS_QUOTA_JOUR ? "aujourd'hui" : "cette semaine");
		else
			snprintf(msg, sizeof(msg), "Quota %s atteint : plus de "
			    "temps %s pour cette personne.", e == SESS_QUOTA_JOUR ?
			    "journalier" : "hebdomadaire",
			    e == SESS_QUOTA_JOUR ? "aujourd'hui" : "cette semaine");
		st = http_error(r, 409, e == SESS_QUOTA_JOUR ?
		    "quota_jour_atteint" : "quota_semaine_atteint", msg);
		err = json_object_object_get(r->out, "error");
		json_object_object_add(err, "restant",
		    json_object_new_int64(left > 0 ? left : 0));
		return st;
	case SESS_DB:
		break;
	}
	return http_db_error(r, DB_ERR_CONN);
}

/*
 * Add to the answer o what a rule decided besides yes: "avis" with the
 * seconds cut by the closing and a sentence, and the allowance left.
 */
void
http_sess_note(struct json_object *o, const struct sess_note *n)
{
	struct json_object *a;
	char msg[256], iso[TIME_ISO_LEN], h[16], d[32];

	if (o == NULL || n == NULL || (n->coupe == 0 && n->ferme_a == 0 &&
	    n->restant_jour < 0 && n->restant_semaine < 0))
		return;
	a = json_object_new_object();
	json_object_object_add(a, "coupe", json_object_new_int64(n->coupe));
	if (n->ferme_a > 0) {
		time_iso(n->ferme_a, iso);
		json_object_object_add(a, "ferme_a", json_object_new_string(iso));
	}
	if (n->coupe > 0 && n->ferme_a > 0) {
		http_local_hm(n->ferme_a, h, sizeof(h));
		http_duration(n->coupe, d, sizeof(d));
		snprintf(msg, sizeof(msg), "Durée limitée à la fermeture du "
		    "site (%s) : %s en moins.", h, d);
		json_object_object_add(a, "message", json_object_new_string(msg));
	} else if (n->ferme_a > 0) {
		http_local_hm(n->ferme_a, h, sizeof(h));
		snprintf(msg, sizeof(msg), "La session s'arrêtera à la "
		    "fermeture du site (%s).", h);
		json_object_object_add(a, "message", json_object_new_string(msg));
	}
	json_object_object_add(a, "restant_jour", n->restant_jour < 0 ? NULL :
	    json_object_new_int64(n->restant_jour));
	json_object_object_add(a, "restant_semaine", n->restant_semaine < 0 ?
	    NULL : json_object_new_int64(n->restant_semaine));
	json_object_object_add(o, "avis", a);
}
