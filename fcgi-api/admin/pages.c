/*
 * admin/pages.c - the admin HTML pages under /admin/: entry checks, layout,
 * flash messages, CSRF, and the log-in, log-out and overview pages.
 *
 * The pages work with JavaScript off: plain links and forms, answered
 * with server-rendered HTML. They hold no business logic and no SQL of
 * their own where the API has it: a POST turns its form into the JSON
 * object the matching API handler takes (admin_form_json) and calls that
 * handler (admin_call), so validation, transactions, audit rows and
 * events are the API's, once. A refusal is shown in the form again, with
 * the user's values, at the handler's status; success is answered with
 * 303 See Other and a flash message (POST-redirect-GET).
 *
 * Entry (admin_enter): an anonymous visitor is sent to the log-in page,
 * an agent on an admin-only page gets 403, and every POST must carry the
 * CSRF token of its staff session, csrf_token(secret, sid_hash), compared
 * in constant time; a mismatch is 403 and changes nothing. The log-in
 * form, which has no staff session yet, is bound the same way to a random
 * pre-session cookie (postes_pre).
 *
 * Flash messages travel in a cookie (postes_flash) that holds only a key
 * of the fixed table below, never text: the next page shows the message
 * once and deletes the cookie. Everything written into a page goes
 * through html_out.c, which escapes all text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "config.h"
#include "crypto.h"
#include "stats.h"
#include "timefmt.h"
#include "extern.h"

#define FLASH_COOKIE	"postes_flash"
#define PRE_COOKIE	"postes_pre"

/* Flash messages by key: the only texts a flash cookie can select. */
static const struct {
	const char	*key;
	const char	*msg;
} flashes[] = {
	{ "login",		"Vous êtes connecté(e)." },
	{ "logout",		"Vous êtes déconnecté(e)." },
	{ "staff_created",	"Le compte a été créé." },
	{ "staff_updated",	"Le compte a été modifié." },
	{ "poste_updated",	"Le poste a été modifié." },
	{ "poste_maint_on",	"Le poste est en maintenance." },
	{ "poste_maint_off",	"Le poste est remis en service." },
	{ "user_created",	"L'utilisateur a été créé." },
	{ "user_updated",	"L'utilisateur a été modifié." },
	{ "user_deactivated",	"L'utilisateur a été désactivé." },
	{ "session_created",	"La session a été créée : remettez ce ticket." },
	{ "session_extended",	"La session a été prolongée." },
	{ "session_suspended",	"La session a été suspendue ; le temps restant est conservé." },
	{ "session_ended",	"La session a été terminée." },
	{ "site_saved",		"Le site a été enregistré." },
	{ "categorie_saved",	"La catégorie a été enregistrée." },
	{ "invites_created",	"Les passes ont été créés : imprimez la feuille." },
	{ "message_sent",	"Le message a été envoyé." },
	{ "resa_created",	"La réservation a été enregistrée." },
	{ "resa_cancelled",	"La réservation a été annulée." },
	{ "user_erased",	"Les données de la personne ont été effacées ; son historique est anonymisé." },
};

static const char css[] =
	"*{box-sizing:border-box}"
	"body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',"
	"Roboto,sans-serif;color:#1b1f24;background:#f4f5f7}"
	"header{background:#1d3557;color:#fff;padding:.5rem 1rem;display:flex;"
	"flex-wrap:wrap;gap:1rem;align-items:center}"
	"header a{color:#fff}header .me{margin-left:auto}"
	"nav a{margin-right:1rem;text-decoration:none;font-weight:600}"
	"nav a[aria-current]{text-decoration:underline}"
	"main{max-width:72rem;margin:0 auto;padding:1rem}"
	"h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}"
	"table{border-collapse:collapse;width:100%;background:#fff}"
	"th,td{border-bottom:1px solid #d0d4da;padding:.4rem .5rem;"
	"text-align:left;vertical-align:top}"
	"form.inline{display:inline-block;margin:0 .3rem .3rem 0}"
	"fieldset{border:1px solid #d0d4da;background:#fff;padding:1rem;"
	"margin:1rem 0}"
	"label{display:block;margin:.5rem 0 .1rem;font-weight:600}"
	"label.check{font-weight:400}"
	"input,select,textarea{font:inherit;padding:.35rem;border:1px solid "
	"#6b7280;border-radius:3px;max-width:100%}"
	"button{font:inherit;padding:.35rem .8rem;border:1px solid #1d3557;"
	"background:#1d3557;color:#fff;border-radius:3px;cursor:pointer}"
	"button.secondary{background:#fff;color:#1d3557}"
	"button.danger{background:#a4161a;border-color:#a4161a}"
	":focus-visible{outline:3px solid #f4a261;outline-offset:2px}"
	".flash{background:#d8f3dc;border:1px solid #2d6a4f;padding:.6rem;"
	"margin:1rem 0}"
	".error{background:#ffe3e3;border:1px solid #a4161a;padding:.6rem;"
	"margin:1rem 0}"
	".cards{display:flex;flex-wrap:wrap;gap:1rem}"
	".card{background:#fff;border:1px solid #d0d4da;padding:1rem;"
	"min-width:14rem}.card dd{margin:0 0 .3rem;font-weight:700}"
	".card dt{color:#4b5563}"
	".token{font:1.1rem monospace;word-break:break-all;background:#fff;"
	"border:2px dashed #1d3557;padding:1rem}"
	".ticket{background:#fff;border:2px solid #1b1f24;max-width:24rem;"
	"padding:1.5rem;text-align:center}"
	".ticket .code{font:700 3rem/1.2 monospace;letter-spacing:.3rem;"
	"margin:1rem 0}"
	"form.inline label{display:inline;font-weight:400}"
	"@media print{header,.noprint,.flash,main>h1{display:none}"
	"body{background:#fff}"
	"main{padding:0}.ticket{border:1px solid #000}}"
	/* The desk's statistics: bars, heatmap; printable report. */
	".bar{display:inline-block;height:.8rem;background:#1f5fa8}"
	".barcell{width:30%}.heat td,.heat th{padding:.2rem .35rem;"
	"text-align:center;border:1px solid #ddd}"
	"@media print{.report h2{display:block}form{display:none}}";

/* Sections of the menu: path, label, admin only. */
static const struct {
	const char	*section;
	const char	*href;
	const char	*label;
	int		 admin;
} menu[] = {
	{ "home",		"/admin/",		"Accueil",	0 },
	{ "sessions",		"/admin/sessions",	"Sessions",	0 },
	{ "utilisateurs",	"/admin/utilisateurs",	"Utilisateurs",	0 },
	{ "postes",		"/admin/postes",	"Postes",	0 },
	{ "invites",		"/admin/invites",	"Passes invités", 0 },
	{ "sites",		"/admin/sites",		"Sites",	0 },
	{ "categories",		"/admin/categories",	"Catégories",	0 },
	{ "messages",		"/admin/messages",	"Messages",	0 },
	{ "reservations",	"/admin/reservations",	"Réservations",	0 },
	{ "stats",		"/admin/statistiques",	"Statistiques",	1 },
	{ "journal",		"/admin/journal",	"Journal",	1 },
	{ "staff",		"/admin/staff",		"Personnel",	1 },
};

/*
 * Check who may see this page (see the file comment). 0 to go on, or the
 * status of the answer already made (303 to the log-in page, 403).
 */
int
admin_enter(struct req *r, enum role min)
{
	char want[TOKEN_LEN + 1];
	const char *got;

	if (r->who != WHO_STAFF)
		return admin_redirect(r, "/admin/login", NULL);
	if (r->method == METH_POST) {
		csrf_token(r->cfg->secret, r->sid_hash, want);
		got = http_form(r, "csrf");
		if (got == NULL || !str_equal_ct(got, want))
			return admin_fail(r, 403, "Jeton de sécurité (CSRF) "
			    "absent ou invalide : rechargez la page et "
			    "recommencez. Rien n'a été modifié.");
	}
	if (min == ROLE_ADMIN && r->role != ROLE_ADMIN)
		return admin_fail(r, 403,
		    "Cette page est réservée aux administrateurs.");
	return 0;
}

/* The hidden field every form of a logged-in page carries. */
void
admin_csrf(struct req *r, struct hbuf *h)
{
	char tok[TOKEN_LEN + 1];

	csrf_token(r->cfg->secret, r->sid_hash, tok);
	hb_raw(h, "<input type=\"hidden\" name=\"csrf\"");
	hb_attr(h, "value", tok);
	hb_raw(h, ">");
}

/*
 * The end of a form's fieldset: its submit button (label, translated),
 * then </fieldset></form>. Every creation and edit form closes so.
 */
void
admin_form_end(struct hbuf *h, const char *label)
{
	hb_raw(h, "<p>");
	admin_button(h, label, NULL);
	hb_raw(h, "</p></fieldset></form>");
}

/* <form method="post" action=...> with its CSRF field. */
void
admin_form_open(struct req *r, struct hbuf *h, const char *action,
    const char *cls)
{
	hb_raw(h, "<form method=\"post\"");
	hb_attr(h, "action", action);
	if (cls != NULL)
		hb_attr(h, "class", cls);
	hb_raw(h, ">");
	admin_csrf(r, h);
}

/* Head of a page: layout, menu for staff, and the pending flash. */
void
admin_begin(struct req *r, struct hbuf *h, const char *title,
    const char *section)
{
	char key[32];
	size_t i;

	h->en = admin_lang_en(r);
	hb_raw(h, h->en ? "<!DOCTYPE html>\n<html lang=\"en\"><head>" :
	    "<!DOCTYPE html>\n<html lang=\"fr\"><head>");
	hb_raw(h, "<meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\"><title>");
	hb_text(h, admin_tr(h, title));
	hb_raw(h, " · Postes — administration</title><style>");
	hb_raw(h, css);
	hb_raw(h, "</style></head><body><header><strong>");
	admin_trf(h, "Postes · administration");
	hb_raw(h, "</strong>");
	/* The same language switch as the dashboard's (one cookie). */
	hb_raw(h, h->en ? " <a href=\"/admin/langue?l=fr\" lang=\"fr\" "
	    "data-test=\"lang\">Français</a>" : " <a href=\"/admin/langue?l=en\" "
	    "lang=\"en\" data-test=\"lang\">English</a>");
	if (r->who == WHO_STAFF) {
		hb_raw(h, "<nav");
		hb_attr(h, "aria-label", admin_tr(h, "Menu principal"));
		hb_raw(h, ">");
		for (i = 0; i < sizeof(menu) / sizeof(menu[0]); i++) {
			if (menu[i].admin && r->role != ROLE_ADMIN)
				continue;
			hb_raw(h, "<a");
			hb_attr(h, "href", menu[i].href);
			if (section != NULL &&
			    strcmp(section, menu[i].section) == 0)
				hb_raw(h, " aria-current=\"page\"");
			hb_raw(h, ">");
			hb_text(h, admin_tr(h, menu[i].label));
			hb_raw(h, "</a>");
		}
		hb_raw(h, "</nav><span class=\"me\">");
		hb_text(h, r->username);
		admin_trf(h, r->role == ROLE_ADMIN ? " (administrateur)" :
		    " (agent)");
		hb_raw(h, "</span>");
		admin_form_open(r, h, "/admin/logout", "inline");
		admin_button(h, "Se déconnecter", "secondary");
		hb_raw(h, "</form>");
	}
	hb_raw(h, "</header><main>");
	/* A flash is shown once: the cookie goes with this page. */
	if (r->cookie != NULL &&
	    cookie_get(r->cookie, FLASH_COOKIE, key, sizeof(key)) == 0) {
		for (i = 0; i < sizeof(flashes) / sizeof(flashes[0]); i++)
			if (strcmp(flashes[i].key, key) == 0) {
				hb_raw(h, "<p class=\"flash\" role=\"status\">");
				hb_text(h, admin_tr(h, flashes[i].msg));
				hb_raw(h, "</p>");
			}
		http_cookie_add(r, FLASH_COOKIE, "", "/admin", 0);
	}
	hb_raw(h, "<h1>");
	hb_text(h, admin_tr(h, title));
	hb_raw(h, "</h1>");
}

/* Close the page and make it the answer with status. */
int
admin_end(struct req *r, struct hbuf *h, int status)
{
	hb_raw(h, "</main></body></html>\n");
	json_object_put(r->out);
	r->out = NULL;
	free(r->html);
	if ((r->html = hb_take(h, &r->htmllen)) == NULL)
		return http_error(r, 503, "unavailable", "Mémoire épuisée");
	return status;
}

/* 303 to location (the program's own path), with an optional flash. */
int
admin_redirect(struct req *r, const char *location, const char *flash)
{
	json_object_put(r->out);
	r->out = NULL;
	snprintf(r->location, sizeof(r->location), "%s", location);
	if (flash != NULL)
		http_cookie_add(r, FLASH_COOKIE, flash, "/admin", 120);
	return 303;
}

/* A page that only says what went wrong. */
int
admin_fail(struct req *r, int status, const char *message)
{
	struct hbuf h = { 0 };

	admin_begin(r, &h, status == 403 ? "Accès refusé" :
	    status == 404 ? "Introuvable" : "Erreur", NULL);
	admin_error_box(&h, message);
	hb_raw(&h, "<p><a href=\"/admin/\">");
	admin_trf(&h, "Retour à l'accueil");
	hb_raw(&h, "</a></p>");
	return admin_end(r, &h, status);
}

/* The same with the message an API handler left in r->out. */
int
admin_fail_out(struct req *r, int status)
{
	char *m = admin_out_message(r);
	int st;

	st = admin_fail(r, status, m != NULL ? m : "Erreur interne");
	free(m);
	return st;
}

/*
 * A form the API refused: an unknown record or a server error is an error
 * page; anything else shows the form's page again with the API's message
 * and, when keep is set, the values the person typed (escaped on output).
 */
int
admin_refused(struct req *r, int st, admin_page_fn page, int keep)
{
	struct json_object *vals = NULL;
	char *m;

	if (st == 404 || st >= 500)
		return admin_fail_out(r, st);
	m = admin_out_message(r);
	if (keep)
		vals = admin_form_values(r);
	st = page(r, st, m, vals);
	json_object_put(vals);
	free(m);
	return st;
}

/*
 * The page's own messages are in lang.c's table and are said in the
 * page's language; a refusal quoted from the API is not, and stays as
 * the API wrote it.
 */
void
admin_error_box(struct hbuf *h, const char *message)
{
	if (message == NULL)
		return;
	hb_raw(h, "<p class=\"error\" role=\"alert\">");
	hb_text(h, admin_tr(h, message));
	hb_raw(h, "</p>");
}

/*
 * <label for=name>label</label><tag id=name name=name  -- the element is
 * left open for the caller's attributes.
 */
static void
labelled(struct hbuf *h, const char *label, const char *name, const char *tag)
{
	hb_raw(h, "<label");
	hb_attr(h, "for", name);
	hb_raw(h, ">");
	hb_text(h, admin_tr(h, label));
	hb_raw(h, "</label><");
	hb_raw(h, tag);
	hb_attr(h, "id", name);
	hb_attr(h, "name", name);
}

/* A table's head from a NULL-terminated list of column titles. */
void
admin_table_open(struct hbuf *h, const char *const *cols)
{
	size_t i;

	hb_raw(h, "<table><thead><tr>");
	for (i = 0; cols[i] != NULL; i++) {
		hb_raw(h, "<th scope=\"col\">");
		hb_text(h, admin_tr(h, cols[i]));
		hb_raw(h, "</th>");
	}
	hb_raw(h, "</tr></thead><tbody>");
}

/* A labelled input; attrs is the program's own markup (or NULL). */
void
admin_input(struct hbuf *h, const char *label, const char *name,
    const char *type, const char *value, const char *attrs)
{
	labelled(h, label, name, "input");
	hb_attr(h, "type", type);
	if (value != NULL)
		hb_attr(h, "value", value);
	if (attrs != NULL) {
		hb_raw(h, " ");
		hb_raw(h, attrs);
	}
	hb_raw(h, ">");
}

void
admin_check(struct hbuf *h, const char *label, const char *name, int checked)
{
	hb_raw(h, "<label class=\"check\"><input type=\"checkbox\" value=\"1\"");
	hb_attr(h, "name", name);
	if (checked)
		hb_raw(h, " checked");
	hb_raw(h, "> ");
	hb_text(h, admin_tr(h, label));
	hb_raw(h, "</label>");
}

void
admin_button(struct hbuf *h, const char *label, const char *cls)
{
	hb_raw(h, "<button");
	if (cls != NULL)
		hb_attr(h, "class", cls);
	hb_raw(h, ">");
	hb_text(h, admin_tr(h, label));
	hb_raw(h, "</button>");
}

/*
 * Call an API handler with in as its JSON body (taken; NULL for none)
 * and return its status; its answer is left in r->out.
 */
int
admin_call(struct req *r, handler_fn fn, struct json_object *in)
{
	json_object_put(r->in);
	r->in = in;
	json_object_put(r->out);
	r->out = NULL;
	return fn(r);
}

/*
 * A page's GET: the entry check for min, then the page as it first shows
 * (status 200, no message, empty or stored values). The same page
 * function draws a refused form (admin_refused), so it is written once.
 */
int
admin_show(struct req *r, enum role min, admin_page_fn page)
{
	int st;

	if ((st = admin_enter(r, min)) != 0)
		return st;
	return page(r, 200, NULL, NULL);
}

/*
 * The data a page cannot be drawn without, from the API handler fn (a
 * GET, no body). 0 with *out set (a reference the caller puts), or the
 * status of the error page made instead (the API's message), *out NULL.
 */
int
admin_fetch(struct req *r, handler_fn fn, struct json_object **out)
{
	int st;

	*out = NULL;
	if ((st = admin_call(r, fn, NULL)) != 200)
		return admin_fail_out(r, st);
	*out = json_object_get(r->out);
	return 0;
}

/*
 * The same for a list whose query (filter, search, page) the person
 * typed: a query the API refuses is no reason to lose the page and its
 * creation form, so its message goes to *qerr (caller frees) above an
 * empty list (*out NULL), and *status becomes the API's unless the page
 * already answers with its own (a refused form). A server error is an
 * error page, as with admin_fetch(). 0, or that page's status.
 */
int
admin_fetch_list(struct req *r, handler_fn fn, struct json_object **out,
    char **qerr, int *status)
{
	int st;

	*out = NULL;
	*qerr = NULL;
	if ((st = admin_call(r, fn, NULL)) == 200) {
		*out = json_object_get(r->out);
		return 0;
	}
	if (st >= 500)
		return admin_fail_out(r, st);
	*qerr = admin_out_message(r);
	if (*status == 200)
		*status = st;
	return 0;
}

/* The message of the error in r->out, or NULL; caller frees. */
char *
admin_out_message(const struct req *r)
{
	struct json_object *e, *m;

	if (r->out == NULL ||
	    !json_object_object_get_ex(r->out, "error", &e) ||
	    !json_object_object_get_ex(e, "message", &m))
		return NULL;
	return strdup(json_object_get_string(m));
}

/*
 * The form as the JSON body of an API handler, field by field as fs
 * declares them; the handler validates every value. Caller owns it.
 */
struct json_object *
admin_form_json(const struct req *r, const struct ffield *fs, size_t n)
{
	struct json_object *o = json_object_new_object();
	const char *s;
	long long v;
	size_t i;

	for (i = 0; i < n; i++) {
		s = http_form(r, fs[i].name);
		switch (fs[i].kind) {
		case FF_STR:
			if (s != NULL)
				json_object_object_add(o, fs[i].name,
				    json_object_new_string(s));
			break;
		case FF_OPT:
			if (s != NULL && *s != '\0')
				json_object_object_add(o, fs[i].name,
				    json_object_new_string(s));
			break;
		case FF_NULLSTR:
			if (s != NULL)
				json_object_object_add(o, fs[i].name,
				    *s != '\0' ? json_object_new_string(s) :
				    NULL);
			break;
		case FF_CHECK:
			json_object_object_add(o, fs[i].name,
			    json_object_new_boolean(s != NULL && *s != '\0'));
			break;
		case FF_INT:
			if (s == NULL || *s == '\0')
				break;
			json_object_object_add(o, fs[i].name,
			    num_parse(s, -(1LL << 53), 1LL << 53, &v) == 0 ?
			    json_object_new_int64(v) :
			    json_object_new_string(s));
			break;
		}
	}
	return o;
}

/*
 * The form's values as strings, to show a refused form again; the CSRF
 * token and passwords are left out. Caller owns it.
 */
struct json_object *
admin_form_values(const struct req *r)
{
	struct json_object *o = json_object_new_object();
	size_t i;

	for (i = 0; i < r->nf; i++) {
		if (strcmp(r->fk[i], "csrf") == 0 ||
		    strstr(r->fk[i], "password") != NULL ||
		    !valid_utf8_text(r->fv[i], 1, NULL))
			continue;
		json_object_object_add(o, r->fk[i],
		    json_object_new_string(r->fv[i]));
	}
	return o;
}

struct json_object *
admin_jget(struct json_object *o, const char *key)
{
	struct json_object *v;

	return o != NULL && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* A member as text ("" when absent or null); borrowed from o. */
const char *
admin_jstr(struct json_object *o, const char *key)
{
	struct json_object *v = admin_jget(o, key);

	return v != NULL ? json_object_get_string(v) : "";
}

long long
admin_jint(struct json_object *o, const char *key)
{
	return json_object_get_int64(admin_jget(o, key));
}

/* Truth of a member: true, a non-zero number, or a form's "1"/"on". */
int
admin_jtrue(struct json_object *o, const char *key)
{
	struct json_object *v = admin_jget(o, key);
	const char *s;

	if (v == NULL)
		return 0;
	if (json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		return *s != '\0' && strcmp(s, "0") != 0 &&
		    strcmp(s, "false") != 0;
	}
	return json_object_get_boolean(v);
}

/*
 * An ISO time in the server's time zone (TZ), the way the page's language
 * writes it: the strftime format is an entry of lang.c's table
 * ("01/01/2027 à 04:36", "2027-01-01 04:36"); "—" for none.
 */
const char *
admin_date(const struct hbuf *h, const char *iso, char buf[ADMIN_DATE_LEN])
{
	struct tm tm;
	time_t t;
	long long s;

	if (iso == NULL || *iso == '\0' || time_parse_iso(iso, &s) == -1) {
		snprintf(buf, ADMIN_DATE_LEN, "—");
		return buf;
	}
	t = (time_t)s;
	if (localtime_r(&t, &tm) == NULL || strftime(buf, ADMIN_DATE_LEN,
	    admin_tr(h, "%d/%m/%Y à %H:%M"), &tm) == 0)
		snprintf(buf, ADMIN_DATE_LEN, "%s", iso);
	return buf;
}

void
admin_when(struct hbuf *h, const char *iso)
{
	char buf[ADMIN_DATE_LEN];

	hb_text(h, admin_date(h, iso, buf));
}

const char *
admin_dur(long long s, char buf[ADMIN_DUR_LEN])
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, ADMIN_DUR_LEN, "%lld s", s);
	else if (s < 3600)
		snprintf(buf, ADMIN_DUR_LEN, "%lld min", s / 60);
	else
		snprintf(buf, ADMIN_DUR_LEN, "%lld h %02lld min", s / 3600,
		    (s % 3600) / 60);
	return buf;
}

void
admin_duration(struct hbuf *h, long long s)
{
	char buf[ADMIN_DUR_LEN];

	hb_text(h, admin_dur(s, buf));
}

/*
 * Previous/next buttons for a paginated API list (results, count, page,
 * per_page), as GET forms that keep the query parameters named in keep.
 */
void
admin_pager(struct req *r, struct hbuf *h, struct json_object *list,
    const char *action, const char *const *keep)
{
	long long count = admin_jint(list, "count");
	long long page = admin_jint(list, "page");
	long long per = admin_jint(list, "per_page");
	long long last = per > 0 ? (count + per - 1) / per : 1;
	const char *v;
	size_t i;
	int k;

	if (last < 1)
		last = 1;
	hb_raw(h, "<p>");
	admin_trn(h, count, "%lld résultat", "%lld résultats");
	if (last > 1)
		admin_trf(h, " — page %lld sur %lld", page, last);
	hb_raw(h, "</p>");
	if (last <= 1)
		return;
	for (k = 0; k < 2; k++) {
		if ((k == 0 && page <= 1) || (k == 1 && page >= last))
			continue;
		hb_raw(h, "<form method=\"get\" class=\"inline\"");
		hb_attr(h, "action", action);
		hb_raw(h, ">");
		for (i = 0; keep != NULL && keep[i] != NULL; i++) {
			if ((v = http_query(r, keep[i])) == NULL)
				continue;
			hb_raw(h, "<input type=\"hidden\"");
			hb_attr(h, "name", keep[i]);
			hb_attr(h, "value", v);
			hb_raw(h, ">");
		}
		hb_raw(h, "<button class=\"secondary\" name=\"page\"");
		hb_raw(h, " value=\"");
		hb_int(h, k == 0 ? page - 1 : page + 1);
		hb_raw(h, "\">");
		admin_trf(h, k == 0 ? "← Précédente" : "Suivante →");
		hb_raw(h, "</button></form>");
	}
}

/* The overview: the dashboard's counters. */
int
admin_home(struct req *r)
{
	static const struct {
		const char *group, *key, *label;
	} rows[] = {
		{ "sessions", "actives", "Sessions actives" },
		{ "sessions", "en_attente", "Codes en attente" },
		{ "sessions", "terminees_aujourd_hui", "Terminées aujourd'hui" },
		{ "sessions", "total", "Sessions (total)" },
		{ "postes", "disponibles", "Postes disponibles" },
		{ "postes", "occupes", "Postes occupés" },
		{ "postes", "hors_ligne", "Postes hors ligne" },
		{ "postes", "total", "Postes (total)" },
		{ "utilisateurs", "actifs", "Utilisateurs actifs" },
		{ "utilisateurs", "nouveaux_mois", "Nouveaux ce mois-ci" },
		{ "utilisateurs", "total", "Utilisateurs (total)" },
	};
	static const struct {
		const char *group, *title, *href;
	} groups[] = {
		{ "sessions", "Sessions", "/admin/sessions" },
		{ "postes", "Postes", "/admin/postes" },
		{ "utilisateurs", "Utilisateurs", "/admin/utilisateurs" },
	};
	struct json_object *o = NULL;
	struct hbuf h = { 0 };
	char when[ADMIN_DATE_LEN];
	enum db_err e;
	size_t g, i;
	int st;

	if ((st = admin_enter(r, ROLE_AGENT)) != 0)
		return st;
	if ((e = stats_get(r->db, &o)) != DB_OK) {
		st = http_db_error(r, e);
		return admin_fail_out(r, st);
	}
	admin_begin(r, &h, "Tableau de bord", "home");
	hb_raw(&h, "<div class=\"cards\">");
	for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		hb_raw(&h, "<section class=\"card\"><h2><a");
		hb_attr(&h, "href", groups[g].href);
		hb_raw(&h, ">");
		hb_text(&h, admin_tr(&h, groups[g].title));
		hb_raw(&h, "</a></h2><dl>");
		for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			if (strcmp(rows[i].group, groups[g].group) != 0)
				continue;
			hb_raw(&h, "<dt>");
			hb_text(&h, admin_tr(&h, rows[i].label));
			hb_raw(&h, "</dt><dd>");
			hb_int(&h, admin_jint(admin_jget(o, rows[i].group),
			    rows[i].key));
			hb_raw(&h, "</dd>");
		}
		hb_raw(&h, "</dl></section>");
	}
	hb_raw(&h, "</div><p>");
	admin_trf(&h, "Mis à jour le %s — rechargez la page pour actualiser.",
	    admin_date(&h, admin_jstr(o, "timestamp"), when));
	hb_raw(&h, "</p>");
	json_object_put(o);
	return admin_end(r, &h, 200);
}

/*
 * The log-in form's CSRF: bound to a random pre-session cookie, set here
 * when missing (create) so that the first visit gets one.
 */
static int
pre_csrf(struct req *r, int create, char csrf[TOKEN_LEN + 1])
{
	char tok[TOKEN_LEN + 1];
	unsigned char hh[HASH_LEN];

	if (r->cookie == NULL ||
	    cookie_get(r->cookie, PRE_COOKIE, tok, sizeof(tok)) == -1 ||
	    strlen(tok) != TOKEN_LEN) {
		if (!create)
			return -1;
		token_new(tok);
		if (http_cookie_add(r, PRE_COOKIE, tok, "/admin", 3600) == -1)
			return -1;
	}
	token_hash(tok, hh);
	csrf_token(r->cfg->secret, hh, csrf);
	explicit_bzero(tok, sizeof(tok));
	return 0;
}

static int
login_page(struct req *r, int status, const char *message, const char *user)
{
	struct hbuf h = { 0 };
	char csrf[TOKEN_LEN + 1];

	if (pre_csrf(r, 1, csrf) == -1)
		return http_error(r, 503, "unavailable", "Mémoire épuisée");
	admin_begin(r, &h, "Connexion", NULL);
	admin_error_box(&h, message);
	hb_raw(&h, "<form method=\"post\" action=\"/admin/login\">"
	    "<input type=\"hidden\" name=\"csrf\"");
	hb_attr(&h, "value", csrf);
	hb_raw(&h, "><fieldset><legend>");
	admin_trf(&h, "Personnel d'accueil");
	hb_raw(&h, "</legend>");
	admin_input(&h, "Identifiant", "username", "text", user,
	    "required maxlength=\"64\" autocomplete=\"username\" autofocus");
	admin_input(&h, "Mot de passe", "password", "password", NULL,
	    "required maxlength=\"256\" autocomplete=\"current-password\"");
	admin_form_end(&h, "Se connecter");
	return admin_end(r, &h, status);
}

int
admin_login_form(struct req *r)
{
	if (r->who == WHO_STAFF)
		return admin_redirect(r, "/admin/", NULL);
	return login_page(r, 200, NULL, NULL);
}

/* POST /admin/login: the API's log-in (auth_login), from a form. */
int
admin_login(struct req *r)
{
	static const struct ffield fs[] = {
		{ "username", FF_STR },
		{ "password", FF_STR },
	};
	char want[TOKEN_LEN + 1], *m;
	const char *got = http_form(r, "csrf"), *user;
	int st;

	if (pre_csrf(r, 0, want) == -1 || got == NULL ||
	    !str_equal_ct(got, want))
		return admin_fail(r, 403, "Jeton de sécurité (CSRF) absent ou "
		    "invalide : rechargez la page de connexion.");
	st = admin_call(r, auth_login, admin_form_json(r, fs, 2));
	if (st == 200) {
		http_cookie_add(r, PRE_COOKIE, "", "/admin", 0);
		return admin_redirect(r, "/admin/", "login");
	}
	m = admin_out_message(r);
	user = http_form(r, "username");
	if (user != NULL && !valid_utf8_text(user, 0, NULL))
		user = NULL;
	st = login_page(r, st, m != NULL ? m : "Erreur interne", user);
	free(m);
	return st;
}

int
admin_logout(struct req *r)
{
	int st;

	if ((st = admin_enter(r, ROLE_AGENT)) != 0)
		return st;
	if ((st = admin_call(r, auth_logout, NULL)) != 204)
		return admin_fail_out(r, st);
	r->who = WHO_ANON;
	return admin_redirect(r, "/admin/login", "logout");
}

/* The options of a select, current selected, then </select>. */
static void
options(struct hbuf *h, const char *const *values, const char *const *labels,
    const char *current)
{
	size_t i;

	for (i = 0; values[i] != NULL; i++) {
		hb_raw(h, "<option");
		hb_attr(h, "value", values[i]);
		if (current != NULL && strcmp(current, values[i]) == 0)
			hb_raw(h, " selected");
		hb_raw(h, ">");
		hb_text(h, admin_tr(h, labels[i]));
		hb_raw(h, "</option>");
	}
	hb_raw(h, "</select>");
}

/* A labelled <select>; values and labels are NULL-terminated lists. */
void
admin_select(struct hbuf *h, const char *label, const char *name,
    const char *const *values, const char *const *labels, const char *current)
{
	labelled(h, label, name, "select");
	hb_raw(h, ">");
	options(h, values, labels, current);
}

/* The same with a first option "" (all_label): a list's filter. */
void
admin_filter(struct hbuf *h, const char *label, const char *name,
    const char *const *values, const char *const *labels,
    const char *all_label, const char *current)
{
	labelled(h, label, name, "select");
	hb_raw(h, "><option value=\"\">");
	hb_text(h, admin_tr(h, all_label));
	hb_raw(h, "</option>");
	options(h, values, labels, current);
}

/* The label of value in a values/labels pair of lists, or value. */
const char *
admin_label(const char *const *values, const char *const *labels,
    const char *value)
{
	size_t i;

	for (i = 0; values[i] != NULL; i++)
		if (strcmp(values[i], value) == 0)
			return labels[i];
	return value;
}
