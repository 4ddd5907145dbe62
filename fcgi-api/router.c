/*
 * router.c - the one route table of the API, read top to bottom.
 *
 * A pattern is matched segment by segment; ":id" matches a positive
 * decimal id (1..2^32-1) stored in r->id. Before a handler runs the
 * router answers, in this order: 404 for an unknown path, 405 (with
 * Allow) for a known path and wrong method, 401/403 for a caller who may
 * not, 415 for a body that is not JSON (or not an urlencoded form, on the
 * admin pages' routes), 403 for a cookie-authenticated
 * write from a foreign Origin. So a handler starts with a caller it can
 * trust and, if it takes a body, a parsed JSON object.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "extern.h"

/* What a route takes as body: B_FORM is an urlencoded HTML form. */
enum body { B_NONE, B_OPT, B_JSON, B_FORM };

struct route {
	enum http_method	 method;
	const char		*pattern;
	handler_fn		 fn;
	enum access		 access;
	enum body		 body;
};

static const struct route routes[] = {
	{ METH_GET,    "/api/health",				health,		ACC_ANY, B_NONE },
	{ METH_GET,    "/api/config",				client_config,	ACC_ANY, B_NONE },

	{ METH_POST,   "/api/auth/login",			auth_login,	ACC_ANY, B_JSON },
	{ METH_POST,   "/api/auth/logout",			auth_logout,	ACC_STAFF, B_OPT },
	{ METH_GET,    "/api/auth/me",				auth_me,	ACC_STAFF, B_NONE },
	{ METH_POST,   "/api/auth/ticket",			auth_ticket,	ACC_STAFF, B_OPT },
	{ METH_POST,   "/api/auth/password",			auth_password,	ACC_STAFF, B_JSON },

	{ METH_GET,    "/api/staff",				staff_list,	ACC_ADMIN, B_NONE },
	{ METH_POST,   "/api/staff",				staff_create,	ACC_ADMIN, B_JSON },
	{ METH_GET,    "/api/staff/:id",			staff_get,	ACC_ADMIN, B_NONE },
	{ METH_PATCH,  "/api/staff/:id",			staff_update,	ACC_ADMIN, B_JSON },
	{ METH_DELETE, "/api/staff/:id",			staff_delete,	ACC_ADMIN, B_NONE },

	{ METH_GET,    "/api/utilisateurs",			utilisateurs_list,   ACC_STAFF, B_NONE },
	{ METH_POST,   "/api/utilisateurs",			utilisateurs_create, ACC_STAFF, B_JSON },
	{ METH_GET,    "/api/utilisateurs/:id",			utilisateurs_get,    ACC_STAFF, B_NONE },
	{ METH_PATCH,  "/api/utilisateurs/:id",			utilisateurs_update, ACC_STAFF, B_JSON },
	{ METH_DELETE, "/api/utilisateurs/:id",			utilisateurs_delete, ACC_STAFF, B_NONE },
	{ METH_GET,    "/api/utilisateurs/:id/quota",		utilisateurs_quota,  ACC_STAFF, B_NONE },

	{ METH_GET,    "/api/sites",				sites_list,	ACC_STAFF, B_NONE },
	{ METH_POST,   "/api/sites",				sites_create,	ACC_ADMIN, B_JSON },
	{ METH_GET,    "/api/sites/:id",			sites_get,	ACC_STAFF, B_NONE },
	{ METH_PATCH,  "/api/sites/:id",			sites_update,	ACC_ADMIN, B_JSON },
	{ METH_DELETE, "/api/sites/:id",			sites_delete,	ACC_ADMIN, B_NONE },
	{ METH_PUT,    "/api/sites/:id/horaires",		sites_set_hours, ACC_ADMIN, B_JSON },
	{ METH_POST,   "/api/sites/:id/fermetures",		sites_add_closure, ACC_ADMIN, B_JSON },
	{ METH_DELETE, "/api/sites/:id/fermetures",		sites_del_closure, ACC_ADMIN, B_NONE },

	{ METH_GET,    "/api/categories",			categories_list, ACC_STAFF, B_NONE },
	{ METH_POST,   "/api/categories",			categories_create, ACC_ADMIN, B_JSON },
	{ METH_GET,    "/api/categories/:id",			categories_get,	ACC_STAFF, B_NONE },
	{ METH_PATCH,  "/api/categories/:id",			categories_update, ACC_ADMIN, B_JSON },
	{ METH_DELETE, "/api/categories/:id",			categories_delete, ACC_ADMIN, B_NONE },

	{ METH_POST,   "/api/invites",				invites_create,	ACC_STAFF, B_JSON },
	{ METH_GET,    "/api/invites/lots",			invites_lots,	ACC_STAFF, B_NONE },
	{ METH_GET,    "/api/invites/lots/:id",			invites_lot,	ACC_STAFF, B_NONE },

	{ METH_GET,    "/api/postes",				postes_list,	ACC_STAFF, B_NONE },
	{ METH_POST,   "/api/postes",				postes_create,	ACC_ADMIN, B_JSON },
	{ METH_GET,    "/api/postes/:id",			postes_get,	ACC_STAFF, B_NONE },
	{ METH_PATCH,  "/api/postes/:id",			postes_update,	ACC_ADMIN, B_JSON },
	{ METH_DELETE, "/api/postes/:id",			postes_delete,	ACC_ADMIN, B_NONE },
	{ METH_POST,   "/api/postes/:id/token",			postes_rotate_token, ACC_ADMIN, B_OPT },
	{ METH_POST,   "/api/postes/:id/maintenance",		postes_maintenance, ACC_STAFF, B_JSON },

	{ METH_GET,    "/api/sessions",				sessions_list,	ACC_STAFF, B_NONE },
	{ METH_POST,   "/api/sessions",				sessions_create, ACC_STAFF, B_JSON },
	{ METH_GET,    "/api/sessions/:id",			sessions_get,	ACC_STAFF, B_NONE },
	{ METH_POST,   "/api/sessions/:id/extend",		sessions_extend, ACC_STAFF, B_JSON },
	{ METH_POST,   "/api/sessions/:id/suspend",		sessions_suspend, ACC_STAFF, B_OPT },
	{ METH_POST,   "/api/sessions/:id/terminate",		sessions_terminate, ACC_STAFF, B_OPT },

	{ METH_GET,    "/api/utilisateurs/:id/export",		rgpd_export,	ACC_ADMIN, B_NONE },
	{ METH_POST,   "/api/utilisateurs/:id/erase",		rgpd_erase_user, ACC_ADMIN, B_JSON },

	{ METH_GET,    "/api/messages",				messages_list,	ACC_STAFF, B_NONE },
	{ METH_POST,   "/api/messages",				messages_create, ACC_STAFF, B_JSON },
	{ METH_GET,    "/api/messages/:id",			messages_get,	ACC_STAFF, B_NONE },

	{ METH_GET,    "/api/reservations",			reservations_list, ACC_STAFF, B_NONE },
	{ METH_POST,   "/api/reservations",			reservations_create, ACC_STAFF, B_JSON },
	{ METH_GET,    "/api/reservations/:id",			reservations_get, ACC_STAFF, B_NONE },
	{ METH_POST,   "/api/reservations/:id/cancel",		reservations_cancel, ACC_STAFF, B_OPT },

	{ METH_GET,    "/api/stats/activite",			stats_activite,	ACC_ADMIN, B_NONE },
	{ METH_GET,    "/api/stats/postes",			stats_postes,	ACC_ADMIN, B_NONE },
	{ METH_GET,    "/api/stats/heures",			stats_heures,	ACC_ADMIN, B_NONE },
	{ METH_GET,    "/api/stats/categories",			stats_categories, ACC_ADMIN, B_NONE },
	{ METH_GET,    "/api/stats/sites",			stats_sites,	ACC_ADMIN, B_NONE },

	{ METH_GET,    "/api/audit",				audit_list,	ACC_ADMIN, B_NONE },
	{ METH_GET,    "/api/audit/actions",			audit_actions,	ACC_ADMIN, B_NONE },

	{ METH_POST,   "/api/kiosk/validate",			kiosk_validate,	ACC_KIOSK, B_JSON },
	{ METH_POST,   "/api/kiosk/start",			kiosk_start,	ACC_KIOSK, B_JSON },
	{ METH_POST,   "/api/kiosk/heartbeat",			kiosk_heartbeat, ACC_KIOSK, B_OPT },
	{ METH_POST,   "/api/kiosk/end",			kiosk_end,	ACC_KIOSK, B_OPT },
	{ METH_GET,    "/api/kiosk/session",			kiosk_session,	ACC_KIOSK, B_NONE },
	{ METH_POST,   "/api/kiosk/ticket",			kiosk_ticket,	ACC_KIOSK, B_OPT },
	{ METH_GET,    "/api/kiosk/messages",			kiosk_messages,	ACC_KIOSK, B_NONE },
	{ METH_POST,   "/api/kiosk/messages/:id/ack",		kiosk_message_ack, ACC_KIOSK, B_OPT },

	{ METH_GET,    "/api/dashboard/stats",			dashboard_stats, ACC_STAFF, B_NONE },
	{ METH_GET,    "/api/events",				events_poll,	ACC_ANY, B_NONE },

	/*
	 * The admin HTML pages (admin*.c). They check the caller themselves
	 * (admin_enter): an anonymous visitor is sent to /admin/login with a
	 * 303, not answered 401, and every POST must carry its CSRF token.
	 */
	{ METH_GET,    "/admin",				admin_home,	ACC_ANY, B_NONE },
	{ METH_GET,    "/admin/login",				admin_login_form, ACC_ANY, B_NONE },
	{ METH_GET,    "/admin/langue",				admin_lang,	ACC_ANY, B_NONE },
	{ METH_POST,   "/admin/login",				admin_login,	ACC_ANY, B_FORM },
	{ METH_POST,   "/admin/logout",				admin_logout,	ACC_ANY, B_FORM },
	{ METH_GET,    "/admin/staff",				admin_staff_list, ACC_ANY, B_NONE },
	{ METH_POST,   "/admin/staff",				admin_staff_create, ACC_ANY, B_FORM },
	{ METH_GET,    "/admin/staff/:id",			admin_staff_edit, ACC_ANY, B_NONE },
	{ METH_POST,   "/admin/staff/:id",			admin_staff_update, ACC_ANY, B_FORM },
	{ METH_GET,    "/admin/postes",				admin_postes_list, ACC_ANY, B_NONE },
	{ METH_POST,   "/admin/postes",				admin_postes_create, ACC_ANY, B_FORM },
	{ METH_GET,    "/admin/postes/:id",			admin_postes_edit, ACC_ANY, B_NONE },
	{ METH_POST,   "/admin/postes/:id",			admin_postes_update, ACC_ANY, B_FORM },
	{ METH_POST,   "/admin/postes/:id/maintenance",		admin_postes_maintenance, ACC_ANY, B_FORM },
	{ METH_POST,   "/admin/postes/:id/jeton",		admin_postes_token, ACC_ANY, B_FORM },
	{ METH_GET,    "/admin/utilisateurs",			admin_utilisateurs_list, ACC_ANY, B_NONE },
	{ METH_POST,   "/admin/utilisateurs",			admin_utilisateurs_create, ACC_ANY, B_FORM },
	{ METH_GET,    "/admin/utilisateurs/:id",		admin_utilisateurs_edit, ACC_ANY, B_NONE },
	{ METH_POST,   "/admin/utilisateurs/:id",		admin_utilisateurs_update, ACC_ANY, B_FORM },
	{ METH_POST,   "/admin/utilisateurs/:id/desactiver",	admin_utilisateurs_deactivate, ACC_ANY, B_FORM },
	{ METH_GET,    "/admin/sessions",			admin_sessions_list, ACC_ANY, B_NONE },
	{ METH_POST,   "/admin/sessions",			admin_sessions_create, ACC_ANY, B_FORM },
	{ METH_POST,   "/admin/sessions/:id/prolonger",		admin_sessions_extend, ACC_ANY, B_FORM },
	{ METH_POST,   "/admin/sessions/:id/suspendre",		admin_sessions_suspend, ACC_ANY, B_FORM },
	{ METH_POST,   "/admin/sessions/:id/terminer",		admin_sessions_end, ACC_ANY, B_FORM },
	{ METH_GET,    "/admin/sessions/:id/ticket",		admin_sessions_ticket, ACC_ANY, B_NONE },
	{ METH_GET,    "/admin/sites",				admin_sites_list, ACC_ANY, B_NONE },
	{ METH_POST,   "/admin/sites",				admin_sites_create, ACC_ANY, B_FORM },
	{ METH_GET,    "/admin/sites/:id",			admin_sites_edit, ACC_ANY, B_NONE },
	{ METH_POST,   "/admin/sites/:id/horaires",		admin_sites_hours, ACC_ANY, B_FORM },
	{ METH_POST,   "/admin/sites/:id/fermetures",		admin_sites_closure, ACC_ANY, B_FORM },
	{ METH_POST,   "/admin/sites/:id/fermetures/retirer",	admin_sites_unclose, ACC_ANY, B_FORM },
	{ METH_GET,    "/admin/categories",			admin_categories_list, ACC_ANY, B_NONE },
	{ METH_POST,   "/admin/categories",			admin_categories_create, ACC_ANY, B_FORM },
	{ METH_POST,   "/admin/categories/:id",			admin_categories_update, ACC_ANY, B_FORM },
	{ METH_GET,    "/admin/invites",			admin_invites_list, ACC_ANY, B_NONE },
	{ METH_POST,   "/admin/invites",			admin_invites_create, ACC_ANY, B_FORM },
	{ METH_GET,    "/admin/invites/:id",			admin_invites_sheet, ACC_ANY, B_NONE },
	{ METH_POST,   "/admin/utilisateurs/:id/effacer",	admin_rgpd_erase, ACC_ANY, B_FORM },
	{ METH_GET,    "/admin/messages",			admin_messages_list, ACC_ANY, B_NONE },
	{ METH_POST,   "/admin/messages",			admin_messages_create, ACC_ANY, B_FORM },
	{ METH_GET,    "/admin/messages/:id",			admin_messages_show, ACC_ANY, B_NONE },
	{ METH_GET,    "/admin/reservations",			admin_reservations_list, ACC_ANY, B_NONE },
	{ METH_POST,   "/admin/reservations",			admin_reservations_create, ACC_ANY, B_FORM },
	{ METH_POST,   "/admin/reservations/:id/annuler",	admin_reservations_cancel, ACC_ANY, B_FORM },
	{ METH_GET,    "/admin/statistiques",			admin_stats,	ACC_ANY, B_NONE },
	{ METH_GET,    "/admin/journal",			admin_audit,	ACC_ANY, B_NONE },
};

/* 1 when path matches pattern; a ":id" segment sets *id. */
static int
match(const char *pat, const char *path, long long *id)
{
	const char *pe, *se;
	char seg[16];
	size_t n;

	for (;;) {
		if (*pat == '\0' || *path == '\0')
			break;
		pe = strchrnul(pat, '/');
		se = strchrnul(path, '/');
		if (pat[0] == ':') {
			n = (size_t)(se - path);
			if (n == 0 || n >= sizeof(seg) || path[0] == '0')
				return 0;
			memcpy(seg, path, n);
			seg[n] = '\0';
			if (strspn(seg, "0123456789") != n ||
			    num_parse(seg, 1, 4294967295LL, id) == -1)
				return 0;
		} else if (pe - pat != se - path ||
		    strncmp(pat, path, (size_t)(pe - pat)) != 0)
			return 0;
		pat = pe;
		path = se;
		if (*pat == '/' && *path == '/') {
			pat++;
			path++;
		}
	}
	/* A trailing slash on the request is tolerated. */
	return *pat == '\0' && (*path == '\0' || strcmp(path, "/") == 0);
}

/*
 * A write authenticated by cookie must come from our own origin: the
 * browser always sends Origin on cross-site fetches and form posts, so a
 * mismatch is a forged request. Requests without Origin or Referer come
 * from non-browser clients, which cannot ride a user's cookie.
 */
static int
origin_ok(const struct req *r)
{
	const char *o = r->cfg->origin;
	size_t n = strlen(o);

	if (r->origin != NULL)
		return strcmp(r->origin, o) == 0;
	if (r->referer != NULL)
		return strncmp(r->referer, o, n) == 0 &&
		    (r->referer[n] == '/' || r->referer[n] == '\0');
	return 1;
}

static int
allowed_methods(struct req *r, char *buf, size_t sz)
{
	size_t i, n;
	long long id;
	int found = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (!match(routes[i].pattern, r->path, &id))
			continue;
		n = strlen(buf);
		snprintf(buf + n, sz - n, "%s%s", found++ ? ", " : "",
		    http_method_name(routes[i].method));
	}
	return found;
}

/* Find the route, check everything a route declares, run the handler. */
static int
dispatch(struct req *r)
{
	static char allow[128];
	const struct route *rt = NULL;
	enum http_method m = r->method == METH_HEAD ? METH_GET : r->method;
	size_t i;
	int st;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (routes[i].method == m &&
		    match(routes[i].pattern, r->path, &r->id)) {
			rt = &routes[i];
			break;
		}
	if (rt == NULL) {
		if (allowed_methods(r, allow, sizeof(allow))) {
			r->allow = allow;
			return http_error(r, 405, "method_not_allowed",
			    "Méthode non autorisée pour cette ressource");
		}
		return http_error(r, 404, "not_found", "Ressource inconnue");
	}

	if ((st = auth_identify(r)) != 0)
		return st;
	switch (rt->access) {
	case ACC_ANY:
		break;
	case ACC_STAFF:
	case ACC_ADMIN:
		if (r->who != WHO_STAFF)
			return http_error(r, 401, "unauthenticated",
			    "Connexion requise");
		if (rt->access == ACC_ADMIN && r->role != ROLE_ADMIN)
			return http_error(r, 403, "forbidden",
			    "Réservé aux administrateurs");
		break;
	case ACC_KIOSK:
		if (r->who != WHO_KIOSK)
			return http_error(r, 401, "unauthenticated",
			    "Jeton de poste requis");
		break;
	}
	/* A body, when sent, must be JSON (http.c parsed it already), or
	 * an urlencoded form where the route takes one. */
	if (r->bodylen > 0 && rt->body == B_NONE)
		return http_error(r, 400, "unexpected_body",
		    "Cette requête ne prend pas de corps");
	if (rt->body == B_FORM && !r->form)
		return http_error(r, 415, "unsupported_media_type",
		    "Un formulaire application/x-www-form-urlencoded est attendu");
	if (rt->body != B_FORM && r->bodylen > 0 && r->in == NULL)
		return http_error(r, 415, "unsupported_media_type",
		    "Le corps doit être de type application/json");
	if (rt->body == B_JSON && r->in == NULL)
		return http_error(r, 415, "unsupported_media_type",
		    "Un corps application/json est attendu");

	if (m != METH_GET && r->who != WHO_KIOSK && !origin_ok(r))
		return http_error(r, 403, "bad_origin",
		    "Origine de la requête refusée");
	return rt->fn(r);
}

int
route(struct req *r)
{
	int st = dispatch(r);

	/* Under /admin a refusal is a page (JS off, a person reading). */
	if (st >= 400 && r->html == NULL && strncmp(r->path, "/admin", 6) == 0 &&
	    (r->path[6] == '\0' || r->path[6] == '/'))
		st = admin_fail_out(r, st);
	return st;
}
