/*
 * api/kiosk.c - what a workstation's lock screen calls, with its own token.
 *
 * The person types a code: validate says whether it can start here (and
 * why not, in words the kiosk shows), start runs it, heartbeat keeps the
 * poste online and returns the session as the server sees it (the kiosk
 * never trusts its own clock), end keeps the remaining time (suspendue).
 * Wrong codes are throttled per workstation and reported to the
 * dashboard, so that guessing is both slow and visible.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "config.h"
#include "crypto.h"
#include "timefmt.h"
#include "extern.h"

/* Wrong codes: 5 within 5 minutes lock the kiosk's entry for 1 minute. */
#define CODE_MAX_FAILS	5
#define CODE_WINDOW	300
#define CODE_LOCKOUT	60

enum stmt { STMT_RUNNING, STMT__MAX };

static const char *const stmts[STMT__MAX] = {
	[STMT_RUNNING] = "SELECT id FROM sessions WHERE poste_actif = ?",
};

static const struct vfield code_field[] = {
	{ "code", V_STR, 1, 0, 1, 32, NULL },
};

/* Id of the session running on this poste, 0 if none, -status on error. */
static long long
running(struct req *r)
{
	long long n = http_count(r, stmts, STMT_RUNNING,
	    (struct db_param[]){ DBI(r->poste_id) }, 1);

	return n;
}

static int
refuse(struct req *r, const char *key, int status, const char *code,
    const char *msg, long long session_id)
{
	struct ev_batch b = { { NULL }, 0, 0 };

	throttle_fail(r, key, CODE_MAX_FAILS, CODE_WINDOW, CODE_LOCKOUT);
	if (sess_note_code(r->db, &b, EV_CODE_REFUSED, session_id,
	    r->poste_id, code) == SESS_OK)
		ev_pub_send(r->pub, &b);
	ev_batch_clear(&b);
	return http_error(r, status, code, msg);
}

/*
 * A code the rules refused (se, for session sid; 0 when unknown): the
 * kiosk's words, the failure counted (a guess) and reported to the
 * dashboard; the allowance spent is no guess and is only reported.
 */
static int
refusal(struct req *r, const char *key, enum sess_err se, long long sid,
    const struct sess_note *n)
{
	char msg[256];

	switch (se) {
	case SESS_NOTFOUND:
		return refuse(r, key, 404, "code_inconnu",
		    "Ce code n'existe pas. Vérifiez les caractères saisis.", 0);
	case SESS_ELSEWHERE:
		return refuse(r, key, 409, "session_en_cours_ailleurs",
		    "Cette session est déjà ouverte sur un autre poste.", sid);
	case SESS_EXPIRED:
		return refuse(r, key, 410, "code_expire",
		    "Ce code n'est plus valide. Adressez-vous à l'accueil.", sid);
	case SESS_NO_TIME:
		return refuse(r, key, 409, "plus_de_temps",
		    "Il ne reste plus de temps sur ce code.", sid);
	case SESS_SITE_CLOSED:
		return refuse(r, key, 409, "site_ferme",
		    "L'espace est fermé : revenez aux heures d'ouverture.", sid);
	case SESS_QUOTA_JOUR:
	case SESS_QUOTA_SEMAINE:
		/* Not a guess: the code is right, the allowance is spent. */
		snprintf(msg, sizeof(msg), "Votre temps %s est épuisé. "
		    "Adressez-vous à l'accueil.", se == SESS_QUOTA_JOUR ?
		    "du jour" : "de la semaine");
		if (sess_note_code(r->db, &r->evs, EV_CODE_REFUSED, sid,
		    r->poste_id, se == SESS_QUOTA_JOUR ? "quota_jour_atteint" :
		    "quota_semaine_atteint") != SESS_OK)
			return http_sess_error(r, SESS_DB);
		return http_error(r, 409, se == SESS_QUOTA_JOUR ?
		    "quota_jour_atteint" : "quota_semaine_atteint", msg);
	default:
		return http_sess_refusal(r, se, n);
	}
}

/*
 * The typed code, validated, normalised into code[CODE_LEN + 1], with
 * the throttle's key for this poste in key[64] (*known: the key has
 * failures to clear on success). 0, or the error status.
 */
static int
typed_code(struct req *r, char *code, char *key, int *known)
{
	struct vval v[1];
	int st;

	if ((st = valid_json(r, code_field, 1, v)) != 0)
		return st;
	snprintf(key, 64, THROTTLE_CODE_KEY, r->poste_id);
	/* The throttle came with the token (auth_identify). */
	*known = r->code_known;
	if (r->code_wait > 0) {
		if (r->code_wait > r->retry_after)
			r->retry_after = r->code_wait;
		return http_error(r, 429, "too_many_attempts",
		    "Trop de codes erronés : patientez une minute");
	}
	if (code_normalize(v[0].s, code) == -1)
		return refusal(r, key, SESS_NOTFOUND, 0, NULL);
	return 0;
}

/*
 * Find the live session of the typed code and ask the rules whether it
 * may start here (sess_admit: under the row lock, with the database's
 * clock), or refuse in the kiosk's words. On success *o is the session
 * (caller owns), *n what the rules noted, and 0 is returned, else the
 * error status. (kiosk/start; validate does the same in one
 * transaction with its event, sess_validate.)
 */
static int
lookup(struct req *r, struct json_object **o, struct sess_note *n)
{
	char code[CODE_LEN + 1], key[64];
	long long sid;
	enum sess_err se;
	int st, known;

	*o = NULL;
	if ((st = typed_code(r, code, key, &known)) != 0)
		return st;
	se = sess_get_by_code(r->db, code, o);
	if (se == SESS_NOTFOUND)
		return refusal(r, key, se, 0, n);
	if (se != SESS_OK)
		return http_sess_error(r, se);
	sid = json_object_get_int64(json_object_object_get(*o, "id"));
	/* Running past its end with no clock yet (shared hosting between two
	 * cron sweeps): the rule ends it now, under the row lock, and the
	 * code has no time left. */
	if (strcmp(json_object_get_string(json_object_object_get(*o, "statut")),
	    "active") == 0 && sess_lapse(r->db, &r->evs, sid) == SESS_OK) {
		json_object_put(*o);
		*o = NULL;
		return refusal(r, key, SESS_NO_TIME, sid, n);
	}
	se = sess_admit(r->db, sid, r->poste_id, n);
	/* Already running here: a reload, answered again. */
	if (se == SESS_STATE && strcmp(json_object_get_string(
	    json_object_object_get(*o, "statut")), "active") == 0)
		se = SESS_OK;
	if (se == SESS_OK) {
		if (known)
			throttle_clear(r, key);
		return 0;
	}
	json_object_put(*o);
	*o = NULL;
	return refusal(r, key, se, sid, n);
}

/*
 * A pusher ticket bound to this poste's token (crypto.h): for session
 * sid (sessions/<sid> and postes/<poste>), or, sid 0, for the poste's
 * own channel alone, which lives as long as the token and the poste in
 * service. 0, or -1.
 */
static int
make_ticket(const struct req *r, long long sid, char t[TICKET_MAX])
{
	struct ticket tk = { 'k', r->poste_id, sid, r->poste_bind,
	    (long long)time(NULL) + r->cfg->ticket_ttl };

	return ticket_make(r->cfg->secret, &tk, t);
}

/* {"type":..., "session":{...}, "ticket":"..."} with o taken. */
static int
answer(struct req *r, int status, const char *type, struct json_object *o)
{
	struct json_object *a = json_object_new_object();
	char t[TICKET_MAX];
	long long sid = o != NULL ?
	    json_object_get_int64(json_object_object_get(o, "id")) : 0;

	json_object_object_add(a, "type", json_object_new_string(type));
	json_object_object_add(a, "session", o);
	/* A ticket lets the kiosk follow its session on the pusher. */
	if (sid > 0 && make_ticket(r, sid, t) == 0)
		json_object_object_add(a, "ticket", json_object_new_string(t));
	return http_json(r, status, a);
}

/*
 * The hot path of a kiosk: one transaction (sess_validate) checks the
 * code under its row lock and records code_valid; the throttle is read
 * once and cleared only when it holds failures for this poste.
 */
int
kiosk_validate(struct req *r)
{
	struct json_object *o;
	struct sess_note n;
	char code[CODE_LEN + 1], key[64];
	long long sid;
	enum sess_err se;
	int st, known;

	if ((st = typed_code(r, code, key, &known)) != 0)
		return st;
	se = sess_validate(r->db, &r->evs, code, r->poste_id, &n, &sid, &o);
	if (se == SESS_DB)
		return http_sess_error(r, se);
	if (se != SESS_OK)
		return refusal(r, key, se, sid, &n);
	if (known)
		throttle_clear(r, key);
	st = answer(r, 200, "code_valid", o);
	http_sess_note(r->out, &n);
	return st;
}

int
kiosk_start(struct req *r)
{
	struct json_object *o;
	struct sess_note n;
	long long sid, cur;
	enum sess_err se;
	int st;

	if ((st = lookup(r, &o, &n)) != 0)
		return st;
	sid = json_object_get_int64(json_object_object_get(o, "id"));
	json_object_put(o);
	if ((cur = running(r)) < 0)
		return (int)-cur;
	/* Whatever ran here may be past its end with no clock yet. */
	if (cur > 0 && cur != sid) {
		if ((se = sess_lapse(r->db, &r->evs, cur)) == SESS_OK)
			cur = 0;
		else if (se != SESS_STATE)
			return http_sess_error(r, se);
	}
	/* Already running here (a reload): answer it again. */
	if (cur != sid) {
		if (cur > 0)
			return http_sess_error(r, SESS_POSTE_BUSY);
		if ((se = sess_start(r->db, &r->evs, NULL, sid, r->poste_id,
		    &n)) != SESS_OK)
			return http_sess_refusal(r, se, &n);
	}
	if ((se = sess_get(r->db, sid, &o)) != SESS_OK)
		return http_sess_error(r, se);
	st = answer(r, 200, "session_started", o);
	http_sess_note(r->out, &n);
	return st;
}

/* The session running here, or null; the poste's own state. */
static int
current(struct req *r, const char *type)
{
	struct json_object *o = NULL, *a;
	char now[TIME_ISO_LEN];
	long long sid;
	enum sess_err se;
	int st;

	if ((sid = running(r)) < 0)
		return (int)-sid;
	/* Past its end and no clock came by yet: it ends now. */
	if (sid > 0) {
		if ((se = sess_lapse(r->db, &r->evs, sid)) == SESS_OK)
			sid = 0;
		else if (se != SESS_STATE)
			return http_sess_error(r, se);
	}
	if (sid > 0 && (se = sess_get(r->db, sid, &o)) != SESS_OK)
		return http_sess_error(r, se);
	st = answer(r, 200, type, o);
	a = r->out;
	time_iso((long long)time(NULL), now);
	json_object_object_add(a, "server_time", json_object_new_string(now));
	json_object_object_add(a, "poste_id", json_object_new_int64(r->poste_id));
	/* The poste's next reservation ("Réservé à 14h00", shown in the
	 * town hall's zone), never who holds it. */
	json_object_object_add(a, "reservation", reservations_kiosk_next(r));
	json_object_object_add(a, "fuseau",
	    json_object_new_string(r->cfg->tz));
	/* How often the kiosk must call heartbeat to stay online. */
	json_object_object_add(a, "heartbeat_interval",
	    json_object_new_int64(r->cfg->heartbeat_interval));
	return st;
}

int
kiosk_heartbeat(struct req *r)
{
	enum sess_err se;
	int st;

	if ((st = valid_json(r, NULL, 0, NULL)) != 0)
		return st;
	if ((se = poste_heartbeat(r->db, &r->evs, r->poste_id)) != SESS_OK)
		return http_sess_error(r, se);
	return current(r, "heartbeat");
}

int
kiosk_session(struct req *r)
{
	return current(r, "session");
}

int
kiosk_end(struct req *r)
{
	struct json_object *o;
	long long sid;
	enum sess_err se;
	int st;

	if ((st = valid_json(r, NULL, 0, NULL)) != 0)
		return st;
	if ((sid = running(r)) < 0)
		return (int)-sid;
	if (sid == 0)
		return http_error(r, 409, "no_session",
		    "Aucune session n'est ouverte sur ce poste");
	if ((se = sess_suspend(r->db, &r->evs, NULL, sid)) != SESS_OK ||
	    (se = sess_get(r->db, sid, &o)) != SESS_OK)
		return http_sess_error(r, se);
	return answer(r, 200, "session_suspended", o);
}

/* As heartbeat's answer, plus ticket_poste: the poste's own channel on
 * the pusher (messages, reservations), with or without a session. */
int
kiosk_ticket(struct req *r)
{
	char t[TICKET_MAX];
	int st;

	if ((st = current(r, "ticket")) == 200 && r->out != NULL &&
	    make_ticket(r, 0, t) == 0)
		json_object_object_add(r->out, "ticket_poste",
		    json_object_new_string(t));
	return st;
}
