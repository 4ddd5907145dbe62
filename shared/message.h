/*
 * message.h - staff messages to a poste, to every poste of a site, or to
 * every staff dashboard (a system notice), and their acknowledgement.
 *
 * A message is stored with its sender and time; the postes it reaches
 * are listed when it is sent (message_postes), each with its own
 * acknowledgement, so that staff see which kiosk has read it. Events:
 * one message_sent for the staff, then one "message" per poste reached,
 * on postes/<id> (the kiosk polls it) and on the session running there
 * (a kiosk following its session gets it live through the pusher).
 */
#ifndef POSTES_MESSAGE_H
#define POSTES_MESSAGE_H

#include "audit.h"
#include "ev.h"

enum message_cible { MESSAGE_POSTE, MESSAGE_SITE, MESSAGE_STAFF,
	MESSAGE_CIBLE__MAX };

/* Limits the API declares. A site reaches at most MESSAGE_POSTES_MAX
 * postes (one event each, in one transaction: see EV_BATCH_MAX). */
#define MESSAGE_TEXTE_MAX	500
#define MESSAGE_POSTES_MAX	60

enum message_err {
	MESSAGE_OK = 0,
	MESSAGE_NOTFOUND,	/* no such poste, site or message: 404 */
	MESSAGE_NO_POSTE,	/* the site has no active poste: 422 */
	MESSAGE_TOO_MANY,	/* the site has too many postes: 422 */
	MESSAGE_DB,		/* database error: 503 */
};

extern const char *const message_cible_names[MESSAGE_CIBLE__MAX];

/*
 * Send texte (already validated) to cible: target is the poste id, the
 * site id, or 0 for MESSAGE_STAFF. Own transaction, audited. *id
 * receives the new message's id.
 */
enum message_err message_send(struct db *, struct ev_batch *,
		    const struct actor *, enum message_cible, long long target,
		    const char *texte, long long *id);

/*
 * The kiosk of poste pid acknowledges message mid. Acknowledging twice
 * is not an error (*changed is then 0 and no event is written).
 */
enum message_err message_ack(struct db *, struct ev_batch *, long long pid,
		    long long mid, int *changed);

#endif
