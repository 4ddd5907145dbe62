/*
 * demo.c - `postes-api demo`: demonstration data for a first look.
 *
 * Only into a database without utilisateurs, so it never mixes with real
 * data. Goes through the same transitions as the API (so every row has
 * its events and audit lines): two agents, six postes, ten people, and
 * sessions in every state. Agent passwords and workstation tokens are
 * shown once and saved to <var>/demo-credentials (mode 0600).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "crypto.h"
#include "log.h"
#include "extern.h"

enum stmt { STMT_EMPTY, STMT_STAFF, STMT_POSTE, STMT_USER, STMT__MAX };

static const char *const stmts[STMT__MAX] = {
	[STMT_EMPTY] = "SELECT COUNT(*) FROM utilisateurs",
	[STMT_STAFF] = "INSERT INTO staff (username, nom, role, password_hash) "
	    "VALUES (?, ?, 'agent', ?)",
	[STMT_POSTE] = "INSERT INTO postes (nom, emplacement, token_hash, etat, "
	    "last_seen) VALUES (?, ?, ?, 'disponible', UTC_TIMESTAMP(3))",
	[STMT_USER] = "INSERT INTO utilisateurs (nom, prenom, email) "
	    "VALUES (?, ?, ?)",
};

int
demo_load(struct db *db, const struct config *cfg)
{
	static const char *const agents[][2] = {
		{ "camille", "Camille Martin" }, { "yanis", "Yanis Benali" },
	};
	static const char *const people[][3] = {
		{ "Dupont", "Marie", "marie.dupont@example.org" },
		{ "Nguyen", "Thi", "thi.nguyen@example.org" },
		{ "Lefèvre", "Jean", NULL },
		{ "Diallo", "Aïssatou", "a.diallo@example.org" },
		{ "Moreau", "Lucas", NULL },
		{ "Rousseau", "Élise", "elise.r@example.org" },
		{ "Garcia", "Pablo", NULL },
		{ "Bernard", "Chloé", "chloe.bernard@example.org" },
		{ "Petit", "Hugo", NULL },
		{ "Robert", "Inès", "ines.robert@example.org" },
	};
	struct db_res *res = NULL;
	struct ev_batch b = { { NULL }, 0, 0 };
	struct actor sys = { 0, "demo" };
	char pw[17], hash[PWHASH_LEN], tok[TOKEN_LEN + 1], nom[32], path[512];
	unsigned char h[HASH_LEN];
	unsigned long long id;
	long long users[10], postes[6], s, now = (long long)time(NULL);
	size_t i;
	int fd;

	if (DB_EXEC0(db, stmts, STMT_EMPTY, &res, NULL, NULL) != DB_OK)
		return -1;
	if (db_int(res, 0, 0) > 0) {
		db_res_free(res);
		log_info("demo: the database already has data; nothing loaded");
		return 0;
	}
	db_res_free(res);
	snprintf(path, sizeof(path), "%s/demo-credentials", cfg->var_dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1) {
		log_err("demo: cannot write %s", path);
		return -1;
	}
	for (i = 0; i < 2; i++) {
		hex_random(pw, 8);
		if (password_hash(pw, hash) == -1 ||
		    DB_EXEC(db, stmts, STMT_STAFF, NULL, NULL, NULL,
		    DBS(agents[i][0]), DBS(agents[i][1]), DBS(hash)) != DB_OK)
			goto fail;
		dprintf(fd, "agent %s password %s\n", agents[i][0], pw);
	}
	for (i = 0; i < 6; i++) {
		snprintf(nom, sizeof(nom), "Poste %02zu", i + 1);
		token_new(tok);
		token_hash(tok, h);
		if (DB_EXEC(db, stmts, STMT_POSTE, NULL, NULL, &id, DBS(nom),
		    DBS(i < 3 ? "Salle numérique" : "Médiathèque"),
		    DBB(h, HASH_LEN)) != DB_OK)
			goto fail;
		postes[i] = (long long)id;
		dprintf(fd, "poste %lld %s token %s\n", postes[i], nom, tok);
	}
	for (i = 0; i < 10; i++) {
		if (DB_EXEC(db, stmts, STMT_USER, NULL, NULL, &id,
		    DBS(people[i][0]), DBS(people[i][1]), DBS(people[i][2])) != DB_OK)
			goto fail;
		users[i] = (long long)id;
	}
	/* Waiting, running, paused, and ended for each reason. */
	for (i = 0; i < 10; i++) {
		if (sess_create(db, &b, &sys, users[i], (i % 3 + 1) * 3600,
		    now + 7 * 86400, 0, &s, NULL) != SESS_OK)
			goto fail;
		if (i >= 2 && i < 7)
			sess_start(db, &b, NULL, s, postes[i - 2], NULL);
		if (i == 4)
			sess_suspend(db, &b, NULL, s);
		if (i == 5)
			sess_terminate(db, &b, &sys, s, RAISON_ADMIN);
		if (i == 6)
			sess_terminate(db, &b, &sys, s, RAISON_FERMETURE_NORMALE);
		ev_batch_clear(&b);
	}
	close(fd);
	printf("Demo data loaded: agents and workstation tokens in %s\n", path);
	return 0;
fail:
	close(fd);
	log_err("demo: %s", db_errstr(db));
	return -1;
}
