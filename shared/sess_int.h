/*
 * sess_int.h - what sess.c shares with sweep.c only (not a public
 * interface): the row lock and the ending of a session, so that time
 * ends a session through exactly the code staff use.
 */
#ifndef POSTES_SESS_INT_H
#define POSTES_SESS_INT_H

#include "sess.h"

/* A session as found under its row lock. */
struct locked {
	enum sess_statut statut;
	long long	 poste_id;
	long long	 utilisateur_id;	/* 0: a guest pass */
	int		 invite;
	int		 expired;	/* valid until has passed */
	long long	 remaining;	/* seconds, by the database's clock */
	long long	 duree_totale;
	long long	 now;		/* the database's clock, Unix s */
	long long	 fin;		/* fin_prevue, Unix s, or 0 */
	int		 closing;	/* its end is its site's closing */
};

/* Inside a transaction: lock session id and read it. */
enum sess_err	sess_lock(struct db *, long long id, struct locked *);
/* Inside a transaction, with l locked: end it with raison. */
enum sess_err	sess_terminate_locked(struct db *, struct ev_batch *,
		    const struct actor *, long long id, const struct locked *,
		    enum sess_raison);
/* End a transaction: commit on success, else roll back and drop the
 * events appended since mark. Returns se (SESS_DB if commit failed). */
enum sess_err	sess_finish(struct db *, struct ev_batch *, size_t mark,
		    enum sess_err se);
/* Record event t whose data is the session (with extra's keys added). */
enum sess_err	sess_record_session(struct db *, struct ev_batch *,
		    enum ev_type, long long id, struct json_object *extra);
enum sess_err	sess_record_poste(struct db *, struct ev_batch *,
		    enum ev_type, long long pid);
enum sess_err	sess_dberr(enum db_err);

#endif
