/*
 * rgpd.c - retention and erasure (see rgpd.h for what is kept and why).
 */
#include <stdlib.h>
#include <time.h>

#include <json-c/json.h>

#include "config.h"
#include "rgpd.h"

/* Names out of an event's payload; its shape stays whole, so that a
 * client replaying it still finds the ids it expects. */
#define NO_NAMES "JSON_REPLACE(e.payload, '$.utilisateur_nom', NULL, " \
	"'$.utilisateur_prenom', NULL, '$.utilisateur', NULL, '$.nom', NULL, " \
	"'$.prenom', NULL, '$.email', NULL, '$.telephone', NULL, " \
	"'$.notes', NULL)"

enum stmt {
	STMT_LOCK,
	STMT_LIVE,
	STMT_BLANK_SESSION_EVENTS,
	STMT_BLANK_USER_EVENTS,
	STMT_ANON_SESSIONS,
	STMT_CANCEL_RESAS,
	STMT_ANON_RESAS,
	STMT_DELETE,
	STMT_OLD_SESSIONS,
	STMT_OLD_RESAS,
	STMT_OLD_MESSAGES,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_LOCK] = "SELECT id FROM utilisateurs WHERE id = ? FOR UPDATE",
	[STMT_LIVE] = "SELECT COUNT(*) FROM sessions WHERE utilisateur_id = ? "
	    "AND statut <> 'terminee'",
	/* Events about their sessions, or about a poste while they sat at
	 * it (the poste's shape names who is on it), then about them. */
	[STMT_BLANK_SESSION_EVENTS] = "UPDATE events e JOIN sessions s ON "
	    "s.id = COALESCE(e.session_id, JSON_VALUE(e.payload, '$.session_id')) "
	    "SET e.payload = " NO_NAMES " WHERE s.utilisateur_id = ?",
	[STMT_BLANK_USER_EVENTS] = "UPDATE events e SET e.payload = " NO_NAMES
	    " WHERE e.type IN ('utilisateur_created', 'utilisateur_updated') "
	    "AND JSON_VALUE(e.payload, '$.id') = ?",
	[STMT_ANON_SESSIONS] = "UPDATE sessions SET utilisateur_id = NULL, "
	    "anonymise = 1 WHERE utilisateur_id = ?",
	[STMT_CANCEL_RESAS] = "UPDATE reservations SET statut = 'annulee', "
	    "updated_at = UTC_TIMESTAMP(3) WHERE utilisateur_id = ? AND "
	    "statut = 'prevue'",
	[STMT_ANON_RESAS] = "UPDATE reservations SET utilisateur_id = NULL "
	    "WHERE utilisateur_id = ?",
	[STMT_DELETE] = "DELETE FROM utilisateurs WHERE id = ?",
	[STMT_OLD_SESSIONS] = "UPDATE sessions SET utilisateur_id = NULL, "
	    "anonymise = 1 WHERE statut = 'terminee' AND ended_at < "
	    "UTC_TIMESTAMP(3) - INTERVAL ? MONTH AND utilisateur_id IS NOT NULL "
	    "LIMIT 1000",
	[STMT_OLD_RESAS] = "UPDATE reservations SET utilisateur_id = NULL, "
	    "nom_libre = NULL WHERE fin < UTC_TIMESTAMP(3) - INTERVAL ? MONTH "
	    "AND (utilisateur_id IS NOT NULL OR nom_libre IS NOT NULL) "
	    "LIMIT 1000",
	[STMT_OLD_MESSAGES] = "DELETE FROM messages WHERE created_at < "
	    "UTC_TIMESTAMP(3) - INTERVAL ? MONTH LIMIT 1000",
};

enum rgpd_err
rgpd_erase(struct db *db, struct ev_batch *b, const struct actor *a,
    long long uid, long long *nsessions)
{
	struct db_res *res = NULL;
	struct json_object *o;
	unsigned long long n = 0;
	size_t mark = b->n;
	enum rgpd_err re = RGPD_OK;
	const int steps[] = { STMT_BLANK_SESSION_EVENTS, STMT_BLANK_USER_EVENTS,
	    STMT_CANCEL_RESAS, STMT_ANON_RESAS };
	size_t i;

	*nsessions = 0;
	if (db_begin(db) != DB_OK)
		return RGPD_DB;
	if (DB_EXEC(db, stmts, STMT_LOCK, &res, NULL, NULL, DBI(uid)) != DB_OK) {
		re = RGPD_DB;
		goto out;
	}
	if (res == NULL || res->nrows == 0) {
		re = RGPD_NOTFOUND;
		goto out;
	}
	db_res_free(res);
	res = NULL;
	if (DB_EXEC(db, stmts, STMT_LIVE, &res, NULL, NULL, DBI(uid)) != DB_OK) {
		re = RGPD_DB;
		goto out;
	}
	if (db_int(res, 0, 0) > 0) {
		re = RGPD_LIVE;
		goto out;
	}
	/* Events first: they find the person through the sessions. */
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (DB_EXEC(db, stmts, steps[i], NULL, NULL, NULL,
		    DBI(uid)) != DB_OK) {
			re = RGPD_DB;
			goto out;
		}
	if (DB_EXEC(db, stmts, STMT_ANON_SESSIONS, NULL, &n, NULL,
	    DBI(uid)) != DB_OK ||
	    DB_EXEC(db, stmts, STMT_DELETE, NULL, NULL, NULL, DBI(uid)) != DB_OK ||
	    audit_write(db, a, "utilisateur.erase", "utilisateur", uid,
	    NULL) != DB_OK) {
		re = RGPD_DB;
		goto out;
	}
	*nsessions = (long long)n;
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(uid));
	json_object_object_add(o, "efface", json_object_new_boolean(1));
	if (ev_record(db, b, EV_UTILISATEUR_DELETED, 0, 0, o) != DB_OK)
		re = RGPD_DB;
	json_object_put(o);
out:
	db_res_free(res);
	if (re == RGPD_OK && db_commit(db) != DB_OK)
		re = RGPD_DB;
	if (re != RGPD_OK) {
		db_rollback(db);
		while (b->n > mark)
			free(b->msg[--b->n]);
	}
	return re;
}

int
rgpd_sweep(struct db *db, const struct config *cfg, long long *last)
{
	const int steps[] = { STMT_OLD_SESSIONS, STMT_OLD_RESAS,
	    STMT_OLD_MESSAGES };
	unsigned long long n;
	time_t now = time(NULL);
	size_t i;
	int total = 0;

	if (*last != 0 && now - *last < 60)
		return 0;
	*last = now;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		n = 0;
		if (DB_EXEC(db, stmts, steps[i], NULL, &n, NULL,
		    DBI(cfg != NULL ? cfg->retention_months : 12)) != DB_OK)
			return -1;
		total += (int)n;
	}
	return total;
}
