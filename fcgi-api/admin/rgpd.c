/*
 * admin/rgpd.c - a person's RGPD rights on their page (administrators):
 * links to the API's export (JSON and CSV, audited there) and the
 * erasure form, which must be confirmed by a checkbox.
 */
#include <stdio.h>

#include <json-c/json.h>

#include "extern.h"

void
admin_rgpd_box(struct req *r, struct hbuf *h, long long id)
{
	char href[96];

	if (r->role != ROLE_ADMIN)
		return;
	hb_raw(h, "<h2>");
	admin_trf(h, "Données personnelles (RGPD)");
	hb_raw(h, "</h2><p>");
	admin_trf(h, "Exporter ses données :");
	hb_raw(h, " <a");
	snprintf(href, sizeof(href), "/api/utilisateurs/%lld/export", id);
	hb_attr(h, "href", href);
	hb_raw(h, ">JSON</a> · <a");
	snprintf(href, sizeof(href), "/api/utilisateurs/%lld/export?format=csv",
	    id);
	hb_attr(h, "href", href);
	hb_raw(h, ">CSV</a></p>");
	snprintf(href, sizeof(href), "/admin/utilisateurs/%lld/effacer", id);
	admin_form_open(r, h, href, NULL);
	hb_raw(h, "<p>");
	admin_trf(h, "L'effacement anonymise l'historique de ses sessions (les "
	    "statistiques restent) puis supprime la fiche. Il est définitif "
	    "et inscrit au journal.");
	hb_raw(h, "</p>");
	admin_check(h, "Je confirme l'effacement définitif", "confirmer", 0);
	admin_button(h, "Effacer ses données", "danger");
	hb_raw(h, "</form>");
}

int
admin_rgpd_erase(struct req *r)
{
	static const struct ffield fs[] = { { "confirmer", FF_CHECK } };
	int st;

	if ((st = admin_enter(r, ROLE_ADMIN)) != 0)
		return st;
	st = admin_call(r, rgpd_erase_user, admin_form_json(r, fs, 1));
	if (st == 200)
		return admin_redirect(r, "/admin/utilisateurs", "user_erased");
	/* Refused (not confirmed, a live session): a page that says why. */
	return admin_fail_out(r, st);
}
