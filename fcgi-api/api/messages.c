/*
 * api/messages.c - staff messages to postes, sites and dashboards, and
 * the kiosk's side: its unread messages and their acknowledgement.
 *
 * The rules (who is reached, what is stored, which events) are in
 * shared/message.c; this file declares the inputs and the read shapes.
 * A kiosk sees only the messages of its own poste, by its token.
 */
#include <string.h>

#include <json-c/json.h>

#include "message.h"
#include "extern.h"

#define MSG_COLS "m.id, m.cible, m.poste_id, p.nom AS poste_nom, m.site_id, " \
	"si.nom AS site_nom, m.texte, m.staff_id, st.nom AS staff_nom, " \
	"m.created_at, (SELECT COUNT(*) FROM message_postes mp WHERE " \
	"mp.message_id = m.id) AS postes_total, (SELECT COUNT(*) FROM " \
	"message_postes mp WHERE mp.message_id = m.id AND mp.acquitte_at IS " \
	"NOT NULL) AS postes_acquittes FROM messages m " \
	"LEFT JOIN postes p ON p.id = m.poste_id " \
	"LEFT JOIN sites si ON si.id = m.site_id " \
	"LEFT JOIN staff st ON st.id = m.staff_id "
#define MSG_FILTER "WHERE (? IS NULL OR m.cible = ?) AND (? IS NULL OR " \
	"EXISTS (SELECT 1 FROM message_postes mp WHERE mp.message_id = m.id " \
	"AND mp.poste_id = ?)) "

enum stmt {
	STMT_LIST,
	STMT_COUNT,
	STMT_GET,
	STMT_ACKS,
	STMT_KIOSK,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_LIST] = "SELECT " MSG_COLS MSG_FILTER
	    "ORDER BY m.id DESC LIMIT ? OFFSET ?",
	[STMT_COUNT] = "SELECT COUNT(*) FROM messages m " MSG_FILTER,
	[STMT_GET] = "SELECT " MSG_COLS "WHERE m.id = ?",
	[STMT_ACKS] = "SELECT mp.poste_id, p.nom AS poste_nom, mp.acquitte_at "
	    "FROM message_postes mp JOIN postes p ON p.id = mp.poste_id "
	    "WHERE mp.message_id = ? ORDER BY p.nom",
	/* A kiosk's unread messages of the last day, oldest first. */
	[STMT_KIOSK] = "SELECT m.id, m.texte, m.created_at FROM message_postes "
	    "mp JOIN messages m ON m.id = mp.message_id WHERE mp.poste_id = ? "
	    "AND mp.acquitte_at IS NULL AND m.created_at > UTC_TIMESTAMP(3) - "
	    "INTERVAL 1 DAY ORDER BY m.id LIMIT 20",
};

static const char *const cibles[] = { "poste", "site", "staff", NULL };

int
messages_list(struct req *r)
{
	static const struct vfield fs[] = {
		{ "cible", V_ENUM, 0, 0, 0, 0, cibles },
		{ "poste_id", V_INT, 0, 0, 1, 4294967295LL, NULL },
		VFIELDS_PAGE,
	};
	struct vval v[4];
	struct db_param c, p;
	int st;

	if ((st = valid_query(r, fs, 4, v)) != 0)
		return st;
	c = v[0].present ? DBS(v[0].s) : DBNULL;
	p = v[1].present ? DBI(v[1].i) : DBNULL;
	return http_page(r, stmts, STMT_COUNT, STMT_LIST,
	    (struct db_param[]){ c, c, p, p }, 4);
}

int
messages_get(struct req *r)
{
	struct db_res *res = NULL;
	enum db_err e;
	int st;

	if ((st = http_row(r, stmts, STMT_GET, 200, "Message inconnu")) != 200)
		return st;
	if ((e = DB_EXEC(r->db, stmts, STMT_ACKS, &res, NULL, NULL,
	    DBI(r->id))) != DB_OK)
		return http_db_error(r, e);
	json_object_object_add(r->out, "acquittements", db_rows_json(res));
	db_res_free(res);
	return 200;
}

int
messages_create(struct req *r)
{
	static const struct vfield fs[] = {
		{ "cible", V_ENUM, 1, 0, 0, 0, cibles },
		{ "poste_id", V_INT, 0, 0, 1, 4294967295LL, NULL },
		{ "site_id", V_INT, 0, 0, 1, 4294967295LL, NULL },
		{ "texte", V_TEXT, 1, 0, 1, MESSAGE_TEXTE_MAX, NULL },
	};
	struct vval v[4];
	enum message_cible c;
	enum message_err me;
	long long id = 0, target = 0;
	int st;

	if ((st = valid_json(r, fs, 4, v)) != 0)
		return st;
	c = (enum message_cible)v[0].i;
	if ((c == MESSAGE_POSTE) != v[1].present ||
	    (c == MESSAGE_SITE) != v[2].present)
		return http_error(r, 422, "cible_invalide",
		    "Indiquez poste_id pour un poste, site_id pour un site, "
		    "et aucun des deux pour les tableaux de bord");
	target = c == MESSAGE_POSTE ? v[1].i : c == MESSAGE_SITE ? v[2].i : 0;
	me = message_send(r->db, &r->evs, &r->actor, c, target, v[3].s, &id);
	switch (me) {
	case MESSAGE_OK:
		break;
	case MESSAGE_NOTFOUND:
		return http_error(r, 404, "not_found", c == MESSAGE_POSTE ?
		    "Poste inconnu ou désactivé" : "Site inconnu");
	case MESSAGE_NO_POSTE:
		return http_error(r, 422, "site_sans_poste",
		    "Ce site n'a aucun poste actif");
	case MESSAGE_TOO_MANY:
		return http_error(r, 422, "site_trop_grand",
		    "Ce site a plus de 60 postes : écrivez poste par poste");
	case MESSAGE_DB:
		return http_db_error(r, DB_ERR_CONN);
	}
	r->id = id;
	if ((st = messages_get(r)) == 200)
		st = 201;
	return st;
}

int
kiosk_messages(struct req *r)
{
	struct db_res *res = NULL;
	struct json_object *o;
	enum db_err e;

	if ((e = DB_EXEC(r->db, stmts, STMT_KIOSK, &res, NULL, NULL,
	    DBI(r->poste_id))) != DB_OK)
		return http_db_error(r, e);
	o = json_object_new_object();
	json_object_object_add(o, "messages", db_rows_json(res));
	db_res_free(res);
	return http_json(r, 200, o);
}

int
kiosk_message_ack(struct req *r)
{
	struct json_object *o;
	enum message_err me;
	int changed, st;

	if ((st = valid_json(r, NULL, 0, NULL)) != 0)
		return st;
	me = message_ack(r->db, &r->evs, r->poste_id, r->id, &changed);
	if (me == MESSAGE_NOTFOUND)
		return http_error(r, 404, "not_found",
		    "Aucun message de ce numéro pour ce poste");
	if (me != MESSAGE_OK)
		return http_db_error(r, DB_ERR_CONN);
	o = json_object_new_object();
	json_object_object_add(o, "message_id", json_object_new_int64(r->id));
	json_object_object_add(o, "acquitte", json_object_new_boolean(1));
	json_object_object_add(o, "deja_acquitte",
	    json_object_new_boolean(!changed));
	return http_json(r, 200, o);
}
