/*
 * api/staff.c - staff accounts (admin only), and the first admin at start.
 *
 * Accounts are never deleted, only deactivated: the audit log keeps
 * pointing at who did what. Deactivating an account ends its sessions at
 * once. The last active admin cannot be demoted or deactivated, and an
 * admin cannot lock themself out.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "config.h"
#include "crypto.h"
#include "log.h"
#include "extern.h"

#define STAFF_COLS "id, username, nom, role, actif, created_at, updated_at "

enum stmt {
	STMT_LIST,
	STMT_COUNT,
	STMT_GET,
	STMT_INSERT,
	STMT_UPDATE,
	STMT_PASSWORD,
	STMT_ADMINS_LEFT,
	STMT_KILL_SESSIONS,
	STMT_HAS_ADMIN,
	STMT_LOCK,
	STMT_ROLE_CHANGES,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_LIST] = "SELECT " STAFF_COLS "FROM staff WHERE "
	    "(? IS NULL OR actif = ?) ORDER BY username LIMIT ? OFFSET ?",
	[STMT_COUNT] = "SELECT COUNT(*) FROM staff WHERE (? IS NULL OR actif = ?)",
	[STMT_GET] = "SELECT " STAFF_COLS "FROM staff WHERE id = ?",
	[STMT_INSERT] = "INSERT INTO staff (username, nom, role, password_hash) "
	    "VALUES (?, ?, ?, ?)",
	[STMT_UPDATE] = "UPDATE staff SET nom = COALESCE(?, nom), "
	    "role = COALESCE(?, role), actif = COALESCE(?, actif), "
	    "updated_at = UTC_TIMESTAMP(3) WHERE id = ?",
	[STMT_PASSWORD] = "UPDATE staff SET password_hash = ? WHERE id = ?",
	/* Active admins other than this one. */
	[STMT_ADMINS_LEFT] = "SELECT COUNT(*) FROM staff WHERE role = 'admin' "
	    "AND actif = 1 AND id <> ? FOR UPDATE",
	[STMT_KILL_SESSIONS] = "DELETE FROM staff_sessions WHERE staff_id = ?",
	[STMT_HAS_ADMIN] = "SELECT COUNT(*) FROM staff WHERE role = 'admin'",
	[STMT_LOCK] = "SELECT COUNT(*) FROM staff WHERE id = ? FOR UPDATE",
	[STMT_ROLE_CHANGES] = "SELECT COUNT(*) FROM staff WHERE id = ? "
	    "AND role <> ?",
};

static const char *const roles[] = { "agent", "admin", NULL };

int
staff_list(struct req *r)
{
	static const struct vfield fs[] = {
		{ "actif", V_BOOL, 0, 0, 0, 0, NULL },
		VFIELDS_PAGE,
	};
	struct vval v[3];
	struct db_param actif;
	int st;

	if ((st = valid_query(r, fs, 3, v)) != 0)
		return st;
	actif = v[0].present ? DBI(v[0].i) : DBNULL;
	return http_page(r, stmts, STMT_COUNT, STMT_LIST,
	    (struct db_param[]){ actif, actif }, 2);
}

int
staff_get(struct req *r)
{
	return http_row(r, stmts, STMT_GET, 200, "Compte inconnu");
}

int
staff_create(struct req *r)
{
	static const struct vfield fs[] = {
		{ "username", V_USERNAME, 1, 0, 2, 64, NULL },
		{ "nom", V_STR, 1, 0, 1, 128, NULL },
		{ "role", V_ENUM, 1, 0, 0, 0, roles },
		{ "password", V_TEXT, 1, 0, 10, 256, NULL },
	};
	struct vval v[4];
	char hash[PWHASH_LEN];
	unsigned long long id = 0;
	enum db_err e;
	int st;

	if ((st = valid_json(r, fs, 4, v)) != 0)
		return st;
	if (password_hash(v[3].s, hash) == -1)
		return http_error(r, 503, "unavailable", "Mémoire épuisée");
	if ((e = db_begin(r->db)) == DB_OK &&
	    (e = DB_EXEC(r->db, stmts, STMT_INSERT, NULL, NULL, &id, DBS(v[0].s),
	    DBS(v[1].s), DBS(v[2].s), DBS(hash))) == DB_OK)
		e = audit_write(r->db, &r->actor, "staff.create", "staff",
		    (long long)id, v[0].s);
	if ((st = http_tx_refuse(r, e, &(const struct http_refusal){ 409,
	    "username_taken", "Cet identifiant est déjà utilisé" },
	    NULL)) != 0)
		return st;
	r->id = (long long)id;
	return http_row(r, stmts, STMT_GET, 201, "Compte inconnu");
}

int
staff_update(struct req *r)
{
	static const struct vfield fs[] = {
		{ "nom", V_STR, 0, 0, 1, 128, NULL },
		{ "role", V_ENUM, 0, 0, 0, 0, roles },
		{ "actif", V_BOOL, 0, 0, 0, 0, NULL },
		{ "password", V_TEXT, 0, 0, 10, 256, NULL },
	};
	struct vval v[4];
	char hash[PWHASH_LEN];
	long long others;
	enum db_err e;
	int st, demote, revoke;

	if ((st = valid_json(r, fs, 4, v)) != 0)
		return st;
	demote = (v[1].present && v[1].i == 0) || (v[2].present && v[2].i == 0);
	if (demote && r->id == r->staff_id)
		return http_error(r, 409, "self_lockout",
		    "Vous ne pouvez pas retirer vos propres droits");
	if (v[3].present && password_hash(v[3].s, hash) == -1)
		return http_error(r, 503, "unavailable", "Mémoire épuisée");
	if ((st = http_tx_lock(r, stmts, STMT_LOCK, "Compte inconnu")) != 0)
		return st;
	if (demote) {
		if ((others = http_count(r, stmts, STMT_ADMINS_LEFT,
		    (struct db_param[]){ DBI(r->id) }, 1)) < 0) {
			db_rollback(r->db);
			return (int)-others;
		}
		if (others == 0) {
			db_rollback(r->db);
			return http_error(r, 409, "last_admin",
			    "Il doit rester au moins un administrateur actif");
		}
	}
	/* Deactivation, a new password or another role close the
	 * account's streams (auth_revoked, in this transaction). */
	revoke = (v[2].present && v[2].i == 0) || v[3].present;
	if (!revoke && v[1].present) {
		if ((others = http_count(r, stmts, STMT_ROLE_CHANGES,
		    (struct db_param[]){ DBI(r->id), DBS(v[1].s) }, 2)) < 0) {
			db_rollback(r->db);
			return (int)-others;
		}
		revoke = others > 0;
	}
	e = DB_EXEC(r->db, stmts, STMT_UPDATE, NULL, NULL, NULL,
	    DBS(v[0].present ? v[0].s : NULL), DBS(v[1].present ? v[1].s : NULL),
	    v[2].present ? DBI(v[2].i) : DBNULL, DBI(r->id));
	if (e == DB_OK && v[3].present)
		e = DB_EXEC(r->db, stmts, STMT_PASSWORD, NULL, NULL, NULL,
		    DBS(hash), DBI(r->id));
	/* A deactivated account or a new password ends its sessions. */
	if (e == DB_OK && ((v[2].present && v[2].i == 0) || v[3].present))
		e = DB_EXEC(r->db, stmts, STMT_KILL_SESSIONS, NULL, NULL, NULL,
		    DBI(r->id));
	if (e == DB_OK && revoke)
		e = ev_revoke(r->db, &r->evs, EV_REVOKE_STAFF, r->id, 0,
		    v[2].present && v[2].i == 0 ? "deactivated" :
		    v[3].present ? "password" : "role");
	if (e == DB_OK)
		e = audit_write(r->db, &r->actor, "staff.update", "staff", r->id,
		    v[3].present ? "password" : NULL);
	if ((st = http_tx_end(r, e)) != 0)
		return st;
	return http_row(r, stmts, STMT_GET, 200, "Compte inconnu");
}

/* DELETE deactivates (see the file comment). */
int
staff_delete(struct req *r)
{
	struct json_object *in = json_object_new_object();
	int st;

	json_object_object_add(in, "actif", json_object_new_boolean(0));
	r->in = in;
	st = staff_update(r);
	return st == 200 ? 204 : st;
}

/*
 * The first admin: when no admin exists, create POSTES_ADMIN_USER (default
 * "admin") with POSTES_ADMIN_PASSWORD, or a generated password printed
 * once on stderr and saved to <var>/admin-password (mode 0600).
 */
int
staff_bootstrap_admin(struct db *db, const struct config *cfg)
{
	struct db_res *res = NULL;
	const char *user = getenv("POSTES_ADMIN_USER");
	const char *pw = getenv("POSTES_ADMIN_PASSWORD");
	char gen[33], hash[PWHASH_LEN], path[512];
	long long n;
	int fd;

	if (DB_EXEC0(db, stmts, STMT_HAS_ADMIN, &res, NULL, NULL) != DB_OK) {
		log_err("bootstrap: database unreachable: %s", db_errstr(db));
		return -1;
	}
	n = db_int(res, 0, 0);
	db_res_free(res);
	if (n > 0)
		return 0;
	if (user == NULL || *user == '\0')
		user = "admin";
	if (pw == NULL || *pw == '\0') {
		hex_random(gen, 8);
		pw = gen;
		snprintf(path, sizeof(path), "%s/admin-password", cfg->var_dir);
		if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
		    dprintf(fd, "%s\n", pw) < 0) {
			log_err("bootstrap: cannot write %s", path);
			if (fd != -1)
				close(fd);
			return -1;
		}
		close(fd);
		fprintf(stderr, "\n  First administrator: %s  password: %s\n"
		    "  (saved in %s; change it after logging in)\n\n",
		    user, pw, path);
	}
	if (password_hash(pw, hash) == -1 ||
	    DB_EXEC(db, stmts, STMT_INSERT, NULL, NULL, NULL, DBS(user),
	    DBS("Administrateur"), DBS("admin"), DBS(hash)) != DB_OK) {
		log_err("bootstrap: cannot create the first admin");
		return -1;
	}
	log_info("first administrator %s created", user);
	return 0;
}
