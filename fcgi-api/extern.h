/*
 * extern.h - internals of postes-api, the FastCGI program behind /api/
 * and the admin HTML pages under /admin/ (admin/, docs/admin.md); one file per resource in api/, one per page
 * family in admin/.
 *
 * A request is a struct req: http.c fills it from the CGI parameters
 * of a FastCGI request or of a plain CGI process (struct http_io),
 * router.c finds the route, checks method, content type, caller and
 * Origin, then calls the handler. A handler reads only validated values
 * (valid.c), sets r->out (reply.c: a body or the error shape) and
 * returns the HTTP status; http_finish() writes status, security headers
 * and body, and req_free() releases everything the request allocated, in
 * one place. The core files lean one way only: reply.c needs none of
 * them, http.c needs reply.c, valid.c needs both, rows.c (a row, a page
 * of a list) needs valid.c.
 */
#ifndef POSTES_API_EXTERN_H
#define POSTES_API_EXTERN_H

#include <stddef.h>

#include "audit.h"
#include "config.h"
#include "crypto.h"
#include "ev.h"
#include "sess.h"
#include "sweep.h"
#include "rules.h"

struct json_object;
struct config;
struct ev_pub;

enum http_method { METH_GET, METH_POST, METH_PUT, METH_PATCH, METH_DELETE,
	METH_OPTIONS, METH_HEAD, METH__MAX };

enum who { WHO_ANON, WHO_STAFF, WHO_KIOSK };
enum role { ROLE_AGENT, ROLE_ADMIN };

/* Who may call a route. */
enum access {
	ACC_ANY,	/* anonymous allowed */
	ACC_STAFF,	/* agent or admin (cookie) */
	ACC_ADMIN,	/* admin only */
	ACC_KIOSK,	/* a workstation (Bearer token) */
};

#define REQ_MAX_PARAMS 24
#define REQ_MAX_COOKIES 3	/* Set-Cookie lines besides set_cookie */

/*
 * Where a request comes from and its answer goes: the CGI parameters
 * ("NAME=value" strings, NULL-terminated) and the two byte streams of a
 * FastCGI request, or of a process started as plain CGI (main.c).
 */
struct http_io {
	char		**envp;
	/* Read up to n bytes of the body into buf; the count read (short
	 * only at the end of the body or on an error). */
	size_t		(*read)(void *arg, char *buf, size_t n);
	/* Write n bytes of the answer. */
	void		(*write)(void *arg, const char *buf, size_t n);
	void		 *arg;
};

struct req {
	const struct http_io	*io;
	struct db		*db;
	const struct config	*cfg;
	struct ev_pub		*pub;
	struct ev_batch		 evs;	/* published after the handler */

	/* What was asked. */
	enum http_method	 method;
	char			 path[256];	/* decoded, no query */
	const char		*query;		/* raw */
	const char		*content_type;
	const char		*origin;
	const char		*referer;
	const char		*cookie;
	const char		*authorization;
	const char		*remote_addr;
	int			 secure;	/* came over https: Secure cookies */
	char			*body;
	size_t			 bodylen;
	struct json_object	*in;		/* parsed JSON body, or NULL */
	char			*qk[REQ_MAX_PARAMS];	/* decoded query */
	char			*qv[REQ_MAX_PARAMS];
	size_t			 nq;
	long long		 id;		/* the path's :id */
	int			 form;		/* body was urlencoded: fk/fv */
	char			*fk[REQ_MAX_PARAMS];	/* decoded form body */
	char			*fv[REQ_MAX_PARAMS];
	size_t			 nf;

	/* Who asks. */
	enum who		 who;
	long long		 staff_id;
	enum role		 role;
	char			 username[65];
	unsigned char		 sid_hash[HASH_LEN];
	long long		 staff_session_id;	/* staff_sessions.id */
	long long		 poste_id;
	long long		 poste_bind;	/* ticket_poste_bind(token) */
	struct actor		 actor;		/* for audit rows */
	/* Read with a staff caller's identity, in the same round trip: the
	 * outbox's head (-1 unknown) and the database's clock (Unix s). */
	long long		 head;
	long long		 db_now;
	/* Read with a kiosk's token, in the same round trip: its code
	 * entry's throttle (THROTTLE_CODE_KEY): seconds to wait, and whether
	 * the key holds failures (to clear on success). */
	long long		 code_wait;
	int			 code_known;

	/* The answer. */
	struct json_object	*out;
	char			*set_cookie;
	long long		 retry_after;	/* seconds, when > 0 */
	const char		*allow;		/* for 405 */
	char			*html;		/* HTML body, wins over out */
	size_t			 htmllen;
	char			*csv;		/* CSV download, wins over out */
	size_t			 csvlen;
	char			 filename[64];	/* its name: [a-z0-9_.-] only */
	char			 location[256];	/* for 303, when set */
	char			*cookies[REQ_MAX_COOKIES];	/* more Set-Cookie */
	size_t			 ncookies;
};

/* A handler returns the HTTP status and leaves its body in r->out. */
typedef int (*handler_fn)(struct req *);

/* reply.c: answers and refusals; needs nothing else of the program */
const char	*http_status_text(int);
int		 http_json(struct req *, int status, struct json_object *);
int		 http_error(struct req *, int status, const char *code,
		    const char *message);
int		 http_db_error(struct req *, enum db_err);
int		 http_sess_error(struct req *, enum sess_err);
/* The same, with the figures of note (may be NULL) in the message. */
int		 http_sess_refusal(struct req *, enum sess_err,
		    const struct sess_note *);
/* Add "avis" (closing cut, allowance left) to an answer object. */
void		 http_sess_note(struct json_object *, const struct sess_note *);
void		 http_duration(long long seconds, char *buf, size_t sz);
void		 http_local_hm(long long t, char *buf, size_t sz);

/* http.c: bytes in, struct req, bytes out (uses reply.c) */
int		 http_parse(struct req *, const struct http_io *,
		    const struct config *);
void		 http_finish(struct req *, int status);
void		 req_free(struct req *);
const char	*http_query(const struct req *, const char *key);
/* r->query into qk/qv (decoded, at most REQ_MAX_PARAMS); 0 or -1. */
int		 http_query_parse(struct req *);
/* r->body as a JSON object into r->in; 0, or 400 with r->out. */
int		 http_body_json(struct req *);
/* Value of a field of an urlencoded body, or NULL. */
const char	*http_form(const struct req *, const char *key);
/* Queue one more Set-Cookie (HttpOnly, SameSite=Strict); 0 or -1. */
int		 http_cookie_add(struct req *, const char *name,
		    const char *value, const char *path, long long max_age);
const char	*http_method_name(enum http_method);
int		 url_decode(char *s);

/* rows.c: the common ends of handlers reading rows (uses valid.c) */
int		 http_row(struct req *, const char *const *stmts, int idx,
		    int status, const char *notfound);
long long	 http_count(struct req *, const char *const *stmts, int idx,
		    const struct db_param *, size_t);
int		 http_tx_end(struct req *, enum db_err);
/* A refusal in the desk's words: status, code and message. */
struct http_refusal {
	int		 status;
	const char	*code;
	const char	*message;
};
/* http_tx_end, answering dup or fk (each may be NULL) for those errors. */
int		 http_tx_refuse(struct req *, enum db_err,
		    const struct http_refusal *dup,
		    const struct http_refusal *fk);
/* Begin and lock record r->id: a FOR UPDATE statement whose one value is
 * positive when the record exists (its COUNT(*), its id), or one that
 * selects its row into *res (caller frees). 0, or the status (404 with
 * notfound), rolled back. */
int		 http_tx_lock(struct req *, const char *const *stmts, int idx,
		    const char *notfound);
int		 http_tx_lock_row(struct req *, const char *const *stmts,
		    int idx, const char *notfound, struct db_res **);
int		 http_page(struct req *, const char *const *stmts, int count_idx,
		    int list_idx, const struct db_param *filters, size_t nf);

/* router.c */
int		 route(struct req *);

/* valid.c: declared input fields (uses reply.c, http.c) */
enum vtype { V_STR, V_TEXT, V_INT, V_BOOL, V_ENUM, V_TIME, V_EMAIL,
	V_PHONE, V_USERNAME, V__MAX };

/* One accepted input field, its type and limits. */
struct vfield {
	const char		*name;
	enum vtype		 type;
	int			 required;
	int			 nullable;
	long long		 min;	/* chars for strings, value for ints */
	long long		 max;
	const char *const	*enums;	/* V_ENUM: NULL-terminated */
};

/* What validation found for one field. */
struct vval {
	int			 present;
	int			 null;
	long long		 i;	/* V_INT, V_BOOL, V_ENUM index, V_TIME */
	const char		*s;	/* strings: borrowed from r->in/query */
};

int		 valid_json(struct req *, const struct vfield *, size_t,
		    struct vval *);
/* The same for an update: the creation's fields, none required. */
int		 valid_json_update(struct req *, const struct vfield *, size_t,
		    struct vval *);
int		 valid_query(struct req *, const struct vfield *, size_t,
		    struct vval *);
/* The query fields of every paginated list, read by valid_page() (whose
 * refusal of per_page names the 200 in words). */
#define PAGE_MAX	1000000
#define PER_PAGE_MAX	200
#define VFIELDS_PAGE \
	{ "page", V_INT, 0, 0, 1, PAGE_MAX, NULL }, \
	{ "per_page", V_INT, 0, 0, 1, PER_PAGE_MAX, NULL }
int		 valid_utf8_text(const char *s, int multiline, size_t *nchars);
int		 valid_email(const char *s);
/* Page and per_page from the query; 0, or the error status. */
int		 valid_page(struct req *, long long *limit, long long *offset,
		    long long *page);
struct json_object *page_json(struct json_object *rows, long long count,
		    long long page, long long limit);
/* LIKE prefix pattern of q with % _ \ escaped; caller frees. */
char		*like_prefix(const char *q);

/* api/auth.c */
int		 auth_identify(struct req *);
int		 auth_login(struct req *);
int		 auth_logout(struct req *);
int		 auth_me(struct req *);
int		 auth_ticket(struct req *);
int		 auth_password(struct req *);
/* The value of cookie name in a Cookie header; 0, or -1 when absent. */
int		 cookie_get(const char *hdr, const char *name, char *out,
		    size_t sz);

/* api/staff.c */
int		 staff_list(struct req *);
int		 staff_get(struct req *);
int		 staff_create(struct req *);
int		 staff_update(struct req *);
int		 staff_delete(struct req *);
int		 staff_bootstrap_admin(struct db *, const struct config *);

/* api/utilisateurs.c */
int		 utilisateurs_list(struct req *);
int		 utilisateurs_get(struct req *);
int		 utilisateurs_create(struct req *);
int		 utilisateurs_update(struct req *);
int		 utilisateurs_delete(struct req *);
int		 utilisateurs_quota(struct req *);

/* api/sites.c */
int		 sites_list(struct req *);
int		 sites_create(struct req *);
int		 sites_get(struct req *);
int		 sites_update(struct req *);
int		 sites_delete(struct req *);
int		 sites_set_hours(struct req *);
int		 sites_add_closure(struct req *);
int		 sites_del_closure(struct req *);
int		 sites_del_closure_body(struct req *);

/* api/categories.c */
int		 categories_list(struct req *);
int		 categories_create(struct req *);
int		 categories_get(struct req *);
int		 categories_update(struct req *);
int		 categories_delete(struct req *);

/* api/invites.c */
int		 invites_create(struct req *);
int		 invites_lots(struct req *);
int		 invites_lot(struct req *);

/* api/postes.c */
int		 postes_list(struct req *);
int		 postes_get(struct req *);
int		 postes_create(struct req *);
int		 postes_update(struct req *);
int		 postes_delete(struct req *);
int		 postes_rotate_token(struct req *);
int		 postes_maintenance(struct req *);

/* api/sessions.c */
int		 sessions_list(struct req *);
int		 sessions_get(struct req *);
int		 sessions_create(struct req *);
int		 sessions_extend(struct req *);
int		 sessions_suspend(struct req *);
int		 sessions_terminate(struct req *);

/* api/kiosk.c */
int		 kiosk_validate(struct req *);
int		 kiosk_start(struct req *);
int		 kiosk_heartbeat(struct req *);
int		 kiosk_end(struct req *);
int		 kiosk_session(struct req *);
int		 kiosk_ticket(struct req *);

/* api/messages.c */
int		 messages_list(struct req *);
int		 messages_get(struct req *);
int		 messages_create(struct req *);
int		 kiosk_messages(struct req *);
int		 kiosk_message_ack(struct req *);

/* api/reservations.c */
int		 reservations_list(struct req *);
int		 reservations_get(struct req *);
int		 reservations_create(struct req *);
int		 reservations_cancel(struct req *);
/* The kiosk's next reservation (no holder), or NULL. Caller owns it. */
struct json_object *reservations_kiosk_next(struct req *);

/* api/stats.c */
int		 stats_activite(struct req *);
int		 stats_postes(struct req *);
int		 stats_heures(struct req *);
int		 stats_categories(struct req *);
int		 stats_sites(struct req *);
/* Every report of the query's range at once (the admin pages); *out
 * {"activite","postes","heures","categories","sites"}, caller owns it.
 * 200, or the error status with r->out set. */
int		 stats_all(struct req *, struct json_object **out);
/* UTC instant of local midnight of "YYYY-MM-DD" (of the next day when
 * next is set), in the town hall's zone. 0, or -1 if not a date. */
int		 stats_day_bound(const char *s, int next, long long *t);

/* api/audit.c */
int		 audit_list(struct req *);
int		 audit_actions(struct req *);

/* api/rgpd.c */
int		 rgpd_export(struct req *);
int		 rgpd_erase_user(struct req *);

/* csv.c */
/*
 * Answer rows (a json array of objects) as a CSV download: the columns
 * cols (NULL-terminated) under the headings heads, as file filename
 * ([a-z0-9_.-], the program's own). Returns 200, or an error status.
 */
int		 csv_rows(struct req *, struct json_object *rows,
		    const char *const *cols, const char *const *heads,
		    const char *filename);

/* api/dashboard.c */
int		 dashboard_stats(struct req *);
int		 health(struct req *);
int		 client_config(struct req *);

/* api/events.c */
int		 events_poll(struct req *);

/* throttle.c */
/* The key of a poste's code entry, "code:<poste id>", and the seconds
 * to wait on a throttle row (0 when not blocked), as SQL. */
#define THROTTLE_CODE_KEY	"code:%lld"
#define THROTTLE_CODE_KEY_SQL(id) "CONCAT('code:', " id ")"
#define THROTTLE_WAIT_SQL "IF(blocked_until > UTC_TIMESTAMP(3), " \
	"CAST(CEIL(TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(3), " \
	"blocked_until) / 1000000) AS SIGNED), 0)"
/* 0 when key may try now; else seconds to wait (r->retry_after set). */
long long	 throttle_check(struct req *, const char *key);
void		 throttle_fail(struct req *, const char *key, unsigned int max,
		    unsigned int window, unsigned int lockout);
void		 throttle_clear(struct req *, const char *key);
/* Exponential back-off (throttle.c); failures after, or -1. */
long long	 throttle_backoff(struct req *, const char *key,
		    unsigned int free_fails, unsigned int base, unsigned int cap,
		    unsigned int quiet);
long long	 throttle_failures(struct req *, const char *key,
		    unsigned int quiet);

/*
 * workers.c: fork n workers running serve(arg) on the inherited FastCGI
 * socket, start another when one ends, stop them on TERM/INT. Returns 0
 * once they are stopped.
 */
int		 workers_run(unsigned int n, int (*serve)(void *), void *arg);

/* demo.c: the CLI's demo data */
int		 demo_load(struct db *, const struct config *);
/* demo_stats.c: N past sessions for the statistics; 0 or -1. */
int		 demo_stats(struct db *, const char *count);

/* admin/html_out.c */
/* A page being built; all zero to start. */
struct hbuf {
	char		*buf;
	size_t		 len;
	size_t		 cap;
	int		 err;	/* an allocation failed: the page is lost */
	int		 en;	/* the page is in English (admin/lang.c) */
};
/* The program's own markup (literals only, never data). */
void		 hb_raw(struct hbuf *, const char *markup);
/* The first n bytes of the same. */
void		 hb_rawn(struct hbuf *, const char *markup, size_t n);
/* Text, escaped by html_escape(); NULL writes nothing. */
void		 hb_text(struct hbuf *, const char *);
/* ' name="value"' with value escaped. */
void		 hb_attr(struct hbuf *, const char *name, const char *value);
void		 hb_int(struct hbuf *, long long);
/* The page, owned by the caller, and its length; NULL after a failure.
 * The buffer is reset. */
char		*hb_take(struct hbuf *, size_t *len);
void		 hb_free(struct hbuf *);

/* admin/pages.c */
/* How a form field becomes a member of the JSON given to an API handler. */
enum ffkind {
	FF_STR,		/* as is, even empty */
	FF_OPT,		/* as is; empty is absent (keeps the value) */
	FF_NULLSTR,	/* as is; empty is null (clears the value) */
	FF_CHECK,	/* a checkbox: true when sent, else false */
	FF_INT,		/* a number; not a number is passed on as text */
};
struct ffield {
	const char	*name;
	enum ffkind	 kind;
};
int		 admin_enter(struct req *, enum role);
void		 admin_begin(struct req *, struct hbuf *, const char *title,
		    const char *section);
int		 admin_end(struct req *, struct hbuf *, int status);
int		 admin_redirect(struct req *, const char *location,
		    const char *flash);
int		 admin_fail(struct req *, int status, const char *message);
int		 admin_fail_out(struct req *, int status);
/* Renders a page again with a message and the typed values. */
typedef int (*admin_page_fn)(struct req *, int status, const char *err,
		    struct json_object *vals);
int		 admin_refused(struct req *, int st, admin_page_fn, int keep);
void		 admin_csrf(struct req *, struct hbuf *);
void		 admin_form_open(struct req *, struct hbuf *,
		    const char *action, const char *cls);
/* <p>submit button</p></fieldset></form>. */
void		 admin_form_end(struct hbuf *, const char *label);
void		 admin_error_box(struct hbuf *, const char *message);
void		 admin_table_open(struct hbuf *, const char *const *cols);
void		 admin_input(struct hbuf *, const char *label, const char *name,
		    const char *type, const char *value, const char *attrs);
void		 admin_check(struct hbuf *, const char *label, const char *name,
		    int checked);
void		 admin_button(struct hbuf *, const char *label, const char *cls);
void		 admin_select(struct hbuf *, const char *label, const char *name,
		    const char *const *values, const char *const *labels,
		    const char *current);
void		 admin_filter(struct hbuf *, const char *label,
		    const char *name, const char *const *values,
		    const char *const *labels, const char *all_label,
		    const char *current);
const char	*admin_label(const char *const *values,
		    const char *const *labels, const char *value);
int		 admin_call(struct req *, handler_fn, struct json_object *in);
/* GET of a page: admin_enter(min), then page(r, 200, NULL, NULL). */
int		 admin_show(struct req *, enum role min, admin_page_fn);
/* A GET handler's answer for a page: 0 with *out (caller puts), or the
 * status of the error page made. */
int		 admin_fetch(struct req *, handler_fn, struct json_object **out);
/* The same for a list: a refused query is *qerr (caller frees) over an
 * empty list, and sets *status when it is 200. */
int		 admin_fetch_list(struct req *, handler_fn,
		    struct json_object **out, char **qerr, int *status);
char		*admin_out_message(const struct req *);
struct json_object *admin_form_json(const struct req *, const struct ffield *,
		    size_t);
struct json_object *admin_form_values(const struct req *);
const char	*admin_jstr(struct json_object *, const char *key);
long long	 admin_jint(struct json_object *, const char *key);
int		 admin_jtrue(struct json_object *, const char *key);
struct json_object *admin_jget(struct json_object *, const char *key);
/* A date and time as the page's language writes it ("—" when none);
 * returns buf. */
#define ADMIN_DATE_LEN	64
const char	*admin_date(const struct hbuf *, const char *iso,
		    char buf[ADMIN_DATE_LEN]);
void		 admin_when(struct hbuf *, const char *iso);
/* "1 h 05 min", "45 min", "30 s" (the same in both languages). */
#define ADMIN_DUR_LEN	48
const char	*admin_dur(long long seconds, char buf[ADMIN_DUR_LEN]);
void		 admin_duration(struct hbuf *, long long seconds);
void		 admin_pager(struct req *, struct hbuf *, struct json_object *list,
		    const char *action, const char *const *keep);
int		 admin_home(struct req *);
int		 admin_login_form(struct req *);
int		 admin_login(struct req *);
int		 admin_logout(struct req *);

/* admin/staff.c */
int		 admin_staff_list(struct req *);
int		 admin_staff_create(struct req *);
int		 admin_staff_edit(struct req *);
int		 admin_staff_update(struct req *);

/* admin/postes.c */
int		 admin_postes_list(struct req *);
int		 admin_postes_create(struct req *);
int		 admin_postes_edit(struct req *);
int		 admin_postes_update(struct req *);
int		 admin_postes_maintenance(struct req *);
int		 admin_postes_token(struct req *);

/* admin/utilisateurs.c */
int		 admin_utilisateurs_list(struct req *);
int		 admin_utilisateurs_create(struct req *);
int		 admin_utilisateurs_edit(struct req *);
int		 admin_utilisateurs_update(struct req *);
int		 admin_utilisateurs_deactivate(struct req *);

/* admin/messages.c */
int		 admin_messages_list(struct req *);
int		 admin_messages_create(struct req *);
int		 admin_messages_show(struct req *);

/* admin/reservations.c */
int		 admin_reservations_list(struct req *);
int		 admin_reservations_create(struct req *);
int		 admin_reservations_cancel(struct req *);

/* admin/stats.c */
int		 admin_stats(struct req *);
int		 admin_audit(struct req *);

/* admin/rgpd.c */
/* The RGPD box of a person's page: export links, erase form. */
void		 admin_rgpd_box(struct req *, struct hbuf *, long long id);
int		 admin_rgpd_erase(struct req *);

/* admin/sessions.c */
int		 admin_sessions_list(struct req *);
int		 admin_sessions_create(struct req *);
int		 admin_sessions_extend(struct req *);
int		 admin_sessions_suspend(struct req *);
int		 admin_sessions_end(struct req *);
int		 admin_sessions_ticket(struct req *);

/* admin/lang.c */
int		 admin_lang_en(const struct req *);
/* fr in the page's language (borrowed: a literal of the table or fr). */
const char	*admin_tr(const struct hbuf *, const char *fr);
/* A sentence of ours in the page's language, its format written as the
 * program's markup and its arguments %s escaped, %lld and %d as numbers. */
void		 admin_trf(struct hbuf *, const char *fr_fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* A count: fr_one or fr_many (each with one %lld) by the language's rule. */
void		 admin_trn(struct hbuf *, long long n, const char *fr_one,
		    const char *fr_many);
int		 admin_lang(struct req *);

/* admin/desk.c */
void		 admin_pick(struct req *, struct hbuf *, int sites,
		    long long current);
/* <select name="poste_id"> of the active postes, current selected. */
void		 admin_pick_poste(struct req *, struct hbuf *,
		    const char *label, int required, const char *current);
int		 admin_sites_list(struct req *);
int		 admin_sites_create(struct req *);
int		 admin_sites_edit(struct req *);
int		 admin_sites_hours(struct req *);
int		 admin_sites_closure(struct req *);
int		 admin_sites_unclose(struct req *);
int		 admin_categories_list(struct req *);
int		 admin_categories_create(struct req *);
int		 admin_categories_update(struct req *);
int		 admin_invites_list(struct req *);
int		 admin_invites_create(struct req *);
int		 admin_invites_sheet(struct req *);

#endif
