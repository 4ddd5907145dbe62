/*
 * main.c - postes-agent: the kiosk page's state machine for a native poste.
 *
 *   boot (locked, asking the server) -> idle (locked, code entry)
 *   -> confirm (locked: who, how much time) -> running (unlocked, the
 *   countdown bar) -> ending (locked at once, clean-up) -> idle
 *
 * The rules are the page's (www/src/kiosk/Kiosk.vue): the time left is
 * derived at every tick from the session's absolute end (fin_prevue) and
 * the server clock, never counted down locally, so a cut network changes
 * nothing to when the poste locks; the session is followed on
 * sessions/<id> (stream.c) and double-checked by the heartbeat, at the
 * interval the server announces; a refusal shows the page's sentence
 * for its code. Where the page trusts the person, the agent does not:
 * a restarted agent comes back locked even when a session runs here (the
 * code resumes it: start answers the running session again), and
 * nothing but a started session ever hides the lock.
 *
 * Staff messages live beside that machine, for the agent's whole life:
 * once a server answer names the poste (poste_id), its channel
 * postes/<id> is followed (stream.c) and every message, acknowledgement
 * or reset there reloads GET /api/kiosk/messages, the one list shown (in
 * the lock's card and on the bar alike, so whichever is up has it). A
 * person's "J'ai lu" posts the acknowledgement and drops the message.
 * The session's own stream relays messages too; they are read from the
 * poste's channel only, so that one path shows them.
 *
 * The poste's next reservation follows the same channel: every
 * reservation_* event there, a reset, and the first answer reload
 * GET /api/kiosk/session, whose `reservation` and `fuseau` (the page's
 * source too) say what the lock and the bar show (resa.c). Heartbeat
 * answers carry the same two fields and count as well, so a missed event
 * costs one interval at most. The sentence turns from "Réservé à" into
 * "Réservé jusqu'à" at the start and goes at the end on the tick, with
 * the server's clock: no event comes then. At the end it asks again, as
 * a slot may follow.
 *
 * What is on screen is also written to the log ("screen: ..."), one line
 * per change, so the integration test and an operator can read it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <gtk/gtk.h>
#include <json-c/json.h>

#include "log.h"
#include "timefmt.h"
#include "extern.h"

enum view { V_BOOT, V_IDLE, V_CONFIRM, V_RUNNING, V_ENDING, V_REVOKED,
    V_NOTOKEN };

static const char *const view_names[] = { "boot", "idle", "confirm",
    "running", "ending", "revoked", "notoken" };

static struct agent_cfg	 cfg;
const struct agent_cfg	*acfg = &cfg;

static struct {
	enum view	 view;
	struct sclock	 clock;
	unsigned int	 hb;		/* s */
	guint		 hb_timer, msg_timer;
	int		 busy;
	int		 offline;
	long long	 retry_until;	/* mono ms; 0 none */
	int		 retry_shown;
	char		 pending[16];	/* validated code */
	long long	 pending_left;
	long long	 sid;		/* running session */
	long long	 end_ms;	/* its fin_prevue, server ms */
	long long	 close_ms;	/* its ferme_a (site closing), 0 none */
	long long	 warning;	/* seuil of the last warning, -1 */
	long long	 end_t0;	/* mono ms the end was decided */
	long long	 poste_id;	/* followed on postes/<id>; 0 not yet */
} st = { .view = V_BOOT, .warning = -1 };

/* The poste's unread staff messages, oldest first, as the server listed
 * them (it sends at most 20). */
#define MSGS_MAX	20
#define MSG_CHARS	500	/* the server's limit (docs/desk.md) */
#define MSG_TEXT_MAX	(MSG_CHARS * 4 + 1)	/* bytes, in UTF-8 */

static struct {
	struct {
		long long	 id;
		char		 text[MSG_TEXT_MAX];
	}		 list[MSGS_MAX];
	size_t		 n;
	long long	 shown;		/* id on screen, 0 none */
	long long	 acking;	/* id being acknowledged, 0 none */
	unsigned int	 seq;		/* of the newest reload asked */
} msgs;

/* The poste's next reservation, as the last answer said it. Answers
 * are numbered as they are asked: one that was asked before the answer
 * applied (a heartbeat still on its way when an event reloaded) is older
 * news and is dropped. */
static struct {
	struct resa	 r;		/* fin_ms 0: none */
	unsigned int	 asked, applied;
	char		 shown[L__MAX][256];	/* on screen, "" none */
	long long	 ended;		/* fin_ms of the last slot seen to end */
} resa = { .r = { .zone = "Europe/Paris" } };

static void	heartbeat(void);
static void	boot(void);
static void	on_end(struct api_res *, void *);
static void	resa_reload(void);
static void	resa_take(struct json_object *, unsigned int seq);
static gboolean	on_resa_later(gpointer);

static void
set_view(enum view v)
{
	if (st.view != v)
		log_info("view: %s -> %s", view_names[st.view], view_names[v]);
	st.view = v;
}

/* The status line of the lock, French and English; M__MAX clears. */
static void
status(enum msg_id id, const char *n1, const char *v1)
{
	char fr[512], en[512];

	if (id == M__MAX) {
		lock_set_status(NULL, NULL);
		return;
	}
	msg_format(fr, sizeof(fr), L_FR, id, n1, v1, NULL);
	msg_format(en, sizeof(en), L_EN, id, n1, v1, NULL);
	lock_set_status(fr, en);
	log_info("screen: status=\"%s\"", fr);
}

static void
error_line(enum msg_id id, const char *n1, const char *v1)
{
	char fr[512], en[512];

	if (id == M__MAX) {
		lock_set_error(NULL, NULL);
		return;
	}
	msg_format(fr, sizeof(fr), L_FR, id, n1, v1, NULL);
	msg_format(en, sizeof(en), L_EN, id, n1, v1, NULL);
	lock_set_error(fr, en);
	log_info("screen: error=\"%s\"", fr);
}

/* The clock from an answer: its Date header and server_time. */
static void
sample(const struct api_res *r)
{
	static int	 api_time;	/* a server_time has been seen */
	const char	*s;
	long long	 t;

	if (r->status == 0)
		return;
	/* The front's Date header may lag the API's clock by up to a second
	 * (lighttpd writes it once a second): it only serves until the first
	 * server_time, which then starts the estimate afresh. */
	if (r->date_ms > 0 && !api_time)
		sclock_sample(&st.clock, r->date_ms, r->t_send, r->t_recv,
		    1000);
	if ((s = jstr(r->json, "server_time")) != NULL &&
	    time_parse_iso(s, &t) == 0) {
		if (!api_time)
			st.clock.synced = 0;
		api_time = 1;
		sclock_sample(&st.clock, t * 1000, r->t_send, r->t_recv, 1000);
	}
}

static int
time_of(struct json_object *s, const char *key, long long *ms)
{
	const char	*f = jstr(s, key);
	long long	 t;

	if (f == NULL || time_parse_iso(f, &t) == -1)
		return -1;
	*ms = t * 1000;
	return 0;
}

static int
end_of(struct json_object *s, long long *end_ms)
{
	return time_of(s, "fin_prevue", end_ms);
}

/* The site's closing, when the session carries it (ferme_a). */
static void
close_of(struct json_object *s)
{
	long long t;

	if (time_of(s, "ferme_a", &t) == 0)
		st.close_ms = t;
}

/*
 * Why a session reaching its end on this clock ends: the closing when its
 * end is the closing (the server's rule: ferme_a set, fin_prevue at or
 * after it), else its time. The agent locks at once, without waiting for
 * session_terminated.
 */
static enum msg_id
end_reason(void)
{
	return st.close_ms > 0 && st.end_ms >= st.close_ms ? M_LOCKED_SITE :
	    M_LOCKED_TEMPS;
}

/* ------------------------------------------------------------ idle */

static gboolean
on_msg_timeout(gpointer p)
{
	(void)p;
	st.msg_timer = 0;
	if (st.view == V_IDLE && !st.offline)
		status(M__MAX, NULL, NULL);
	return G_SOURCE_REMOVE;
}

static void
to_idle(void)
{
	set_view(V_IDLE);
	st.busy = 0;
	st.pending[0] = '\0';
	lock_entry_clear();
	lock_view(LV_ENTRY);
	lock_entry_sensitive(st.retry_until == 0);
}

/* A refused code: the page's sentence for its error code. */
static void
refusal(const struct api_res *r)
{
	char code[80];

	if (r->status == 429) {
		st.retry_until = mono_ms() +
		    (r->retry_after > 0 ? r->retry_after : 60) * 1000;
		st.retry_shown = -1;
		lock_entry_sensitive(0);
		return;		/* the tick writes the countdown */
	}
	if (r->status == 0 || (r->status >= 200 && r->status < 300)) {
		/* Nothing came, or a 2xx that is not the answer: the server
		 * is not answering as a server. */
		error_line(M_ERR_NETWORK, NULL, NULL);
		return;
	}
	snprintf(code, sizeof(code), "%s", r->code);
	error_line(msg_for_code(code), "code", code);
}

static void
on_validate(struct api_res *r, void *arg)
{
	struct json_object	*s = jobj(r->json, "session");
	const char		*p, *n;
	char			 who[900], hello[400], helloen[400], d[64];
	char			 fr[256], en[256];
	long long		 id, left = 0;

	(void)arg;
	sample(r);
	st.busy = 0;
	if (st.view != V_IDLE)
		return;
	if (r->status >= 200 && r->status < 300 && s != NULL &&
	    jint(s, "id", &id) == 0 && id > 0) {
		jint(s, "temps_restant", &left);
		p = jstr(s, "utilisateur_prenom");
		n = jstr(s, "utilisateur_nom");
		snprintf(who, 300, "%s%s%s", p ? p : "",
		    p && n ? " " : "", n ? n : "");
		msg_format(hello, sizeof(hello), L_FR, M_HELLO, "who", who,
		    NULL);
		msg_format(helloen, sizeof(helloen), L_EN, M_HELLO, "who", who,
		    NULL);
		fmt_duration(d, sizeof(d), left);
		msg_format(fr, sizeof(fr), L_FR, M_AVAILABLE, "d", d, NULL);
		msg_format(en, sizeof(en), L_EN, M_AVAILABLE, "d", d, NULL);
		snprintf(who, sizeof(who), "%s / %s", hello, helloen);
		lock_set_confirm(who, fr, en);
		error_line(M__MAX, NULL, NULL);
		set_view(V_CONFIRM);
		lock_view(LV_CONFIRM);
		log_info("screen: confirm=\"%s\"", fr);
		return;
	}
	st.pending[0] = '\0';
	refusal(r);
	lock_entry_clear();
	if (st.retry_until == 0)
		lock_entry_sensitive(1);
}

static char *
code_body(const char *code)
{
	struct json_object	*o = json_object_new_object();
	char			*s;

	json_object_object_add(o, "code", json_object_new_string(code));
	s = g_strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

static void
on_submit(const char *typed)
{
	char	 c[16];
	char	*body;
	size_t	 i, n = 0;

	if (st.view != V_IDLE || st.busy || st.retry_until != 0)
		return;
	/* Case, spaces and '-' do not matter, as on the page. */
	for (i = 0; typed[i] != '\0' && n + 1 < sizeof(c); i++) {
		if (typed[i] == ' ' || typed[i] == '-' || typed[i] == '\t')
			continue;
		c[n++] = (char)g_ascii_toupper(typed[i]);
	}
	c[n] = '\0';
	if (n == 0)
		return;
	st.busy = 1;
	lock_entry_sensitive(0);
	error_line(M__MAX, NULL, NULL);
	snprintf(st.pending, sizeof(st.pending), "%s", c);
	body = code_body(c);
	api_async("POST", "/api/kiosk/validate", body, on_validate, NULL);
	g_free(body);
}

/* ------------------------------------------------------------ running */

static void	on_stream(enum stream_kind, struct json_object *, int, void *);

static void
run(struct json_object *s)
{
	long long id, end;

	if (jint(s, "id", &id) == -1 || end_of(s, &end) == -1)
		return;
	st.sid = id;
	st.end_ms = end;
	st.close_ms = 0;
	close_of(s);
	st.warning = -1;
	set_view(V_RUNNING);
	if (st.msg_timer != 0)
		g_source_remove(st.msg_timer);
	st.msg_timer = 0;
	status(M__MAX, NULL, NULL);
	error_line(M__MAX, NULL, NULL);
	bar_show();
	lock_hide();
	stream_start(STREAM_SESSION, id, -1, on_stream, NULL);
	log_info("session %lld running, %lld s left", id,
	    sclock_left(&st.clock, end));
}

static void
on_start(struct api_res *r, void *arg)
{
	struct json_object	*s = jobj(r->json, "session");
	const char		*statut = jstr(s, "statut");
	long long		 end;

	(void)arg;
	sample(r);
	st.busy = 0;
	if (st.view != V_CONFIRM)
		return;
	st.pending[0] = '\0';
	if (r->status >= 200 && r->status < 300 && statut != NULL &&
	    strcmp(statut, "active") == 0 && end_of(s, &end) == 0) {
		run(s);
		return;
	}
	to_idle();
	refusal(r);
}

static void
on_start_clicked(void)
{
	char *body;

	if (st.view != V_CONFIRM || st.busy || st.pending[0] == '\0')
		return;
	st.busy = 1;
	body = code_body(st.pending);
	api_async("POST", "/api/kiosk/start", body, on_start, NULL);
	g_free(body);
}

static void
on_cancel(void)
{
	if (st.view == V_CONFIRM && !st.busy)
		to_idle();
}

static void
on_cleaned(void *arg)
{
	(void)arg;
	log_info("end: poste ready again %lld ms after the end",
	    mono_ms() - st.end_t0);
	to_idle();
	if (st.msg_timer != 0)
		g_source_remove(st.msg_timer);
	st.msg_timer = cfg.locked_message > 0 ?
	    g_timeout_add_seconds(cfg.locked_message, on_msg_timeout, NULL) : 0;
}

/* "Session terminée" and why, as the page's locked card. */
static void
ended_status(enum msg_id why, const char *left)
{
	char h[2][128], m[2][512], t[2][1400];
	int l;

	for (l = 0; l < L__MAX; l++) {
		msg_format(h[l], sizeof(h[l]), (enum lang)l, M_LOCKED, NULL);
		msg_format(m[l], sizeof(m[l]), (enum lang)l, why, "left", left,
		    NULL);
		snprintf(t[l], sizeof(t[l]), "%s\n%s", h[l], m[l]);
	}
	lock_set_status(t[L_FR], t[L_EN]);
	log_info("screen: status=\"%s\"", m[L_FR]);
}

/* Lock at once, then clean up, then offer the code entry again. */
static void
end_session(enum msg_id why, long long keep)
{
	char d[64];

	if (st.view != V_RUNNING)
		return;
	st.end_t0 = mono_ms();
	stream_stop(STREAM_SESSION);
	set_view(V_ENDING);
	lock_view(LV_BUSY);
	lock_show();
	bar_hide();
	log_info("end: session %lld locked (%s)", st.sid,
	    why == M_LOCKED_SUSP ? "suspendue" : "terminee");
	fmt_duration(d, sizeof(d), keep);
	ended_status(why, d);
	st.sid = 0;
	st.warning = -1;
	cleanup_run(&cfg, on_cleaned, NULL);
}

static void
new_end(long long end)
{
	st.end_ms = end;
	log_info("end time moved: %lld s left", sclock_left(&st.clock, end));
}

static void
on_event(struct json_object *m)
{
	struct json_object	*d = jobj(m, "data");
	const char		*type = jstr(m, "type"), *statut;
	long long		 sid, end, seuil, left;
	char			 fr[700], en[700], dur[64];

	if (st.view != V_RUNNING || type == NULL)
		return;
	if (jint(m, "session_id", &sid) == 0 && sid != st.sid)
		return;
	if (strcmp(type, "time_update") == 0) {
		/* Whole seconds on the wire: only a real move counts. */
		if (end_of(d, &end) == 0 && llabs(end - st.end_ms) >= 1000)
			new_end(end);
	} else if (strcmp(type, "session_extended") == 0 ||
	    strcmp(type, "session_updated") == 0 ||
	    strcmp(type, "session_started") == 0) {
		statut = jstr(d, "statut");
		close_of(d);	/* hours changed: cut at the closing */
		if (statut != NULL && strcmp(statut, "active") == 0 &&
		    end_of(d, &end) == 0) {
			if (llabs(end - st.end_ms) >= 1000)
				new_end(end);
			if (st.warning >= 0 &&
			    sclock_left(&st.clock, end) > st.warning + 5) {
				st.warning = -1;
				bar_set_warning(NULL, NULL);
			}
		}
	} else if (strcmp(type, "warning") == 0) {
		if (end_of(d, &end) == 0 && llabs(end - st.end_ms) >= 1000)
			new_end(end);
		left = sclock_left(&st.clock, st.end_ms);
		st.warning = jint(d, "seuil", &seuil) == 0 && seuil > 0 &&
		    seuil < 86400 ? seuil : left;
		fmt_duration(dur, sizeof(dur), st.warning);
		msg_format(fr, sizeof(fr), L_FR, M_WARNING, "left", dur, NULL);
		msg_format(en, sizeof(en), L_EN, M_WARNING, "left", dur, NULL);
		bar_set_warning(fr, en);
		gdk_display_beep(gdk_display_get_default());
		log_info("screen: warning=\"%s\"", fr);
	} else if (strcmp(type, "fermeture_proche") == 0) {
		/* The site closes soon: the end may have moved to it. */
		if (end_of(d, &end) == 0 && llabs(end - st.end_ms) >= 1000)
			new_end(end);
		close_of(d);
		if (jint(d, "minutes", &seuil) == -1 || seuil < 0)
			seuil = 0;
		snprintf(dur, sizeof(dur), "%lld", seuil);
		msg_format(fr, sizeof(fr), L_FR, M_CLOSING, "n", dur, NULL);
		msg_format(en, sizeof(en), L_EN, M_CLOSING, "n", dur, NULL);
		bar_set_warning(fr, en);
		gdk_display_beep(gdk_display_get_default());
		log_info("screen: closing=\"%s\"", fr);
	} else if (strcmp(type, "session_suspended") == 0) {
		left = 0;
		jint(d, "temps_restant", &left);
		end_session(M_LOCKED_SUSP, left);
	} else if (strcmp(type, "session_terminated") == 0) {
		end_session(msg_for_raison(jstr(d, "raison")), 0);
	}
	/* "message" is read from postes/<id> (on_poste_stream). */
}

static void
on_stream(enum stream_kind k, struct json_object *o, int live, void *arg)
{
	(void)arg;
	if (k == STREAM_RESET)
		heartbeat();
	else if (k == STREAM_STATUS)
		log_info("stream: %s", live ? "live" : "polling");
	else
		on_event(o);
}

/* The session is no longer running here: find out how it ended. */
static void
on_ended_events(struct api_res *r, void *arg)
{
	struct json_object	*evs, *e, *last = NULL;
	const char		*t;
	long long		 left = 0;
	size_t			 i, n;

	(void)arg;
	if (st.view != V_RUNNING)
		return;
	if (json_object_object_get_ex(r->json, "events", &evs) &&
	    json_object_is_type(evs, json_type_array)) {
		n = json_object_array_length(evs);
		for (i = 0; i < n; i++) {
			e = json_object_array_get_idx(evs, i);
			t = jstr(e, "type");
			if (t != NULL && (strcmp(t, "session_terminated") == 0 ||
			    strcmp(t, "session_suspended") == 0))
				last = e;
		}
	}
	if (last != NULL && strcmp(jstr(last, "type"), "session_suspended") == 0) {
		jint(jobj(last, "data"), "temps_restant", &left);
		end_session(M_LOCKED_SUSP, left);
	} else if (last != NULL)
		end_session(msg_for_raison(jstr(jobj(last, "data"), "raison")),
		    0);
	else
		end_session(M_LOCKED_DEFAULT, 0);
}

static void
on_finish(void)
{
	if (st.view == V_RUNNING && !st.busy) {
		st.busy = 1;
		api_async("POST", "/api/kiosk/end", "{}", on_end, NULL);
	}
}

static void
on_end(struct api_res *r, void *arg)
{
	long long left = 0;
	char fr[256], en[256];

	(void)arg;
	st.busy = 0;
	if (r->status >= 200 && r->status < 300 && r->json != NULL) {
		jint(jobj(r->json, "session"), "temps_restant", &left);
		end_session(M_LOCKED_SUSP, left);
	} else if (strcmp(r->code, "no_session") == 0)
		end_session(M_LOCKED_DEFAULT, 0);
	else {
		msg_format(fr, sizeof(fr), L_FR, M_ERR_NETWORK, NULL);
		msg_format(en, sizeof(en), L_EN, M_ERR_NETWORK, NULL);
		bar_set_error(fr, en);
	}
}

/* ------------------------------------------------------------ messages */

/* Put the oldest unread message on the lock and the bar. */
static void
messages_show(void)
{
	const char	*t = msgs.n > 0 ? msgs.list[0].text : NULL;
	long long	 id = msgs.n > 0 ? msgs.list[0].id : 0;

	lock_set_message(id, t, msgs.n);
	bar_set_message(id, t, msgs.n);
	if (msgs.acking != 0 && msgs.acking == id) {
		lock_message_busy(1);
		bar_message_busy(1);
	}
	if (id == msgs.shown)
		return;
	msgs.shown = id;
	if (id > 0)
		log_info("screen: message=\"%s\"", t);
	else
		log_info("screen: message hidden");
}

static void
on_messages(struct api_res *r, void *arg)
{
	struct json_object	*arr, *o;
	const char		*t;
	gchar			*v;
	long long		 id, before[MSGS_MAX];
	size_t			 i, k, nb = msgs.n, len;
	int			 fresh = 0;

	if (GPOINTER_TO_UINT(arg) != msgs.seq)
		return;		/* a newer reload or an ack came since */
	if (r->status != 200 || !json_object_object_get_ex(r->json,
	    "messages", &arr) || !json_object_is_type(arr, json_type_array)) {
		log_info("messages: not reloaded (%s)", r->code);
		return;
	}
	for (i = 0; i < nb; i++)
		before[i] = msgs.list[i].id;
	msgs.n = 0;
	len = json_object_array_length(arr);
	for (i = 0; i < len && msgs.n < MSGS_MAX; i++) {
		o = json_object_array_get_idx(arr, i);
		if (jint(o, "id", &id) == -1 || id <= 0 ||
		    (t = jstr(o, "texte")) == NULL)
			continue;
		msgs.list[msgs.n].id = id;
		/* Valid UTF-8 first (json-c does not check), then cut at a
		 * character, never inside one. */
		v = g_utf8_make_valid(t, -1);
		g_utf8_strncpy(msgs.list[msgs.n].text, v, MSG_CHARS);
		g_free(v);
		for (k = 0; k < nb && before[k] != id; k++)
			;
		fresh |= k == nb;
		msgs.n++;
	}
	if (msgs.n != nb || fresh)
		log_info("message: %zu unread", msgs.n);
	messages_show();
	if (fresh)
		gdk_display_beep(gdk_display_get_default());
}

static void
messages_reload(void)
{
	api_async("GET", "/api/kiosk/messages", NULL, on_messages,
	    GUINT_TO_POINTER(++msgs.seq));
}

static void
on_acked(struct api_res *r, void *arg)
{
	long long	*id = arg;
	size_t		 i;

	msgs.acking = 0;
	lock_message_busy(0);
	bar_message_busy(0);
	/* 404: no longer this poste's to read (gone after 24 h). */
	if ((r->status >= 200 && r->status < 300) || r->status == 404) {
		log_info("message: %lld acknowledged", *id);
		for (i = 0; i < msgs.n && msgs.list[i].id != *id; i++)
			;
		if (i < msgs.n) {
			memmove(&msgs.list[i], &msgs.list[i + 1],
			    (msgs.n - i - 1) * sizeof(msgs.list[0]));
			msgs.n--;
		}
		msgs.seq++;	/* a reload on its way may still list it */
		messages_show();
	} else
		log_warn("message %lld: acknowledgement refused (%s), the"
		    " button stays", *id, r->code);
	g_free(id);
}

/* "J'ai lu": tell the server, then drop the message. */
static void
on_ack(long long id)
{
	char path[96];

	if (msgs.acking != 0 || id <= 0)
		return;
	msgs.acking = id;
	lock_message_busy(1);
	bar_message_busy(1);
	snprintf(path, sizeof(path), "/api/kiosk/messages/%lld/ack", id);
	api_async("POST", path, "{}", on_acked, g_memdup2(&id, sizeof(id)));
}

static void
on_poste_stream(enum stream_kind k, struct json_object *o, int live,
    void *arg)
{
	const char *type = jstr(o, "type");

	(void)arg;
	if (k == STREAM_RESET) {
		messages_reload();
		resa_reload();
	} else if (k == STREAM_STATUS)
		log_info("poste stream: %s", live ? "live" : "polling");
	else if (type != NULL && (strcmp(type, "message") == 0 ||
	    strcmp(type, "message_acquitte") == 0))
		messages_reload();
	else if (type != NULL && strncmp(type, "reservation_", 12) == 0)
		resa_reload();
}

/* An answer names the poste: follow its channel, from now on. */
static void
poste_known(struct json_object *answer)
{
	long long id;

	if (jint(answer, "poste_id", &id) == -1 || id <= 0 ||
	    id == st.poste_id)
		return;
	st.poste_id = id;
	log_info("following postes/%lld", id);
	stream_start(STREAM_POSTE, id, -1, on_poste_stream, NULL);
	messages_reload();
}

/* The token no longer works: nothing to read, nothing to follow. */
static void
poste_lost(void)
{
	if (st.poste_id == 0)
		return;
	stream_stop(STREAM_POSTE);
	st.poste_id = 0;
	msgs.n = 0;
	msgs.seq++;
	messages_show();
	resa_take(NULL, ++resa.asked);
}

/* ------------------------------------------------------------ reservation */

/* Put the sentence for now on the lock and the bar, when it changed. */
static void
resa_show(void)
{
	char		 t[L__MAX][256];
	long long	 now = sclock_now(&st.clock);
	int		 l;

	if (resa.r.fin_ms > 0 && resa_phase(&resa.r, now) == RESA_NONE) {
		/* Over (no event says so): another slot may follow. Asked once
		 * per slot, a second later: our estimate of the server's clock
		 * may be a little ahead of it, and an answer that still lists
		 * the slot must not start a loop of requests. */
		if (resa.r.fin_ms != resa.ended && st.poste_id > 0) {
			resa.ended = resa.r.fin_ms;
			g_timeout_add(1000, on_resa_later, NULL);
		}
		resa.r.fin_ms = 0;
	}
	for (l = 0; l < L__MAX; l++)
		resa_text(t[l], sizeof(t[l]), (enum lang)l, &resa.r, now);
	if (strcmp(t[L_FR], resa.shown[L_FR]) == 0 &&
	    strcmp(t[L_EN], resa.shown[L_EN]) == 0)
		return;
	memcpy(resa.shown, t, sizeof(t));
	lock_set_resa(t[L_FR], t[L_EN]);
	bar_set_resa(t[L_FR], t[L_EN]);
	if (t[L_FR][0] != '\0')
		log_info("screen: resa=\"%s\"", t[L_FR]);
	else
		log_info("screen: resa hidden");
}

/*
 * An answer of /api/kiosk/session or heartbeat (NULL: none, forget it),
 * asked as number seq. Its reservation is untrusted: times that do not
 * parse or a slot that ends before it starts read as none, a zone that
 * is not a zone name keeps the one we had.
 */
static void
resa_take(struct json_object *answer, unsigned int seq)
{
	struct json_object	*o = jobj(answer, "reservation");
	const char		*z = jstr(answer, "fuseau");
	long long		 d, f;

	if (seq <= resa.applied)
		return;
	resa.applied = seq;
	if (resa_zone_ok(z))
		snprintf(resa.r.zone, sizeof(resa.r.zone), "%s", z);
	if (o != NULL && time_of(o, "debut", &d) == 0 &&
	    time_of(o, "fin", &f) == 0 && f > d) {
		resa.r.debut_ms = d;
		resa.r.fin_ms = f;
	} else
		resa.r.fin_ms = 0;
	resa_show();
}

static void
on_resa(struct api_res *r, void *arg)
{
	sample(r);
	if (r->status == 200 && r->json != NULL)
		resa_take(r->json, GPOINTER_TO_UINT(arg));
	else
		log_info("reservation: not reloaded (%s)", r->code);
}

static void
resa_reload(void)
{
	api_async("GET", "/api/kiosk/session", NULL, on_resa,
	    GUINT_TO_POINTER(++resa.asked));
}

static gboolean
on_resa_later(gpointer p)
{
	(void)p;
	if (st.poste_id > 0)
		resa_reload();
	return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------ server */

static gboolean
on_hb_timer(gpointer p)
{
	(void)p;
	st.hb_timer = 0;
	heartbeat();
	return G_SOURCE_REMOVE;
}

static void
schedule_hb(unsigned int s)
{
	if (st.hb_timer != 0)
		g_source_remove(st.hb_timer);
	/* Not g_timeout_add_seconds: its ticks share one phase, and samples
	 * taken at varying phases are what narrows the server clock. */
	st.hb_timer = g_timeout_add(s * 1000 + (guint)g_random_int_range(0, 400)
	    - 200, on_hb_timer, NULL);
}

static void
set_offline(int off)
{
	if (off == st.offline)
		return;
	st.offline = off;
	log_info("server %s", off ? "unreachable" : "reachable again");
	bar_set_offline(off);
	if (st.view == V_IDLE || st.view == V_CONFIRM || st.view == V_BOOT)
		status(off ? M_SERVER_DOWN : M__MAX, NULL, NULL);
}

static void
revoked(void)
{
	if (st.view == V_RUNNING)
		end_session(M_LOCKED_DEFAULT, 0);
	stream_stop(STREAM_SESSION);
	poste_lost();
	set_view(V_REVOKED);
	lock_view(LV_BUSY);
	lock_show();
	status(M_REVOKED, NULL, NULL);
}

static void
on_heartbeat(struct api_res *r, void *arg)
{
	struct json_object	*s;
	const char		*statut;
	long long		 hb, id, end;
	char			 path[128];

	sample(r);
	if (r->status == 401) {
		revoked();
		schedule_hb(st.hb);
		return;
	}
	if (r->status < 200 || r->status >= 300 || r->json == NULL) {
		set_offline(1);
		schedule_hb(st.hb);
		return;
	}
	if (st.view == V_REVOKED) {
		to_idle();
	}
	set_offline(0);
	poste_known(r->json);
	resa_take(r->json, GPOINTER_TO_UINT(arg));
	if (cfg.heartbeat == 0 && jint(r->json, "heartbeat_interval", &hb) == 0
	    && hb >= 1 && hb <= 3600 && (unsigned int)hb != st.hb) {
		log_info("heartbeat every %lld s, as the server says", hb);
		st.hb = (unsigned int)hb;
	}
	s = jobj(r->json, "session");
	statut = jstr(s, "statut");
	if (st.view == V_RUNNING) {
		if (s == NULL || jint(s, "id", &id) == -1 || id != st.sid ||
		    statut == NULL || strcmp(statut, "active") != 0) {
			snprintf(path, sizeof(path),
			    "/api/events?channel=sessions/%lld&since=0", st.sid);
			api_async("GET", path, NULL, on_ended_events, NULL);
		} else if (end_of(s, &end) == 0 &&
		    llabs(end - st.end_ms) >= 1000)
			new_end(end);
	}
	schedule_hb(st.hb);
}

static void
heartbeat(void)
{
	api_async("POST", "/api/kiosk/heartbeat", "{}", on_heartbeat,
	    GUINT_TO_POINTER(++resa.asked));
}

static void
on_boot(struct api_res *r, void *arg)
{
	struct json_object *s;
	const char *statut;

	sample(r);
	if (st.view != V_BOOT)
		return;
	if (r->status == 401) {
		revoked();
		schedule_hb(st.hb);
		return;
	}
	if (r->status < 200 || r->status >= 300 || r->json == NULL) {
		/* Started without the server: stay locked and say so. */
		to_idle();
		st.offline = 0;
		set_offline(1);
		schedule_hb(3);
		return;
	}
	to_idle();
	poste_known(r->json);
	resa_take(r->json, GPOINTER_TO_UINT(arg));
	s = jobj(r->json, "session");
	statut = jstr(s, "statut");
	if (statut != NULL && strcmp(statut, "active") == 0)
		status(M_RESUME, NULL, NULL);
	schedule_hb(1);
}

static void
boot(void)
{
	api_async("GET", "/api/kiosk/session", NULL, on_boot,
	    GUINT_TO_POINTER(++resa.asked));
}

/* ------------------------------------------------------------ tick */

static gboolean
on_tick(gpointer p)
{
	long long	 left, now;
	char		 s[32], ends[128], hm[16];

	(void)p;
	now = mono_ms();
	if (st.retry_until != 0) {
		left = (st.retry_until - now + 999) / 1000;
		if (left <= 0) {
			st.retry_until = 0;
			error_line(M_ERR_THROTTLED_NOW, NULL, NULL);
			if (st.view == V_IDLE)
				lock_entry_sensitive(1);
		} else if (left != st.retry_shown) {
			st.retry_shown = (int)left;
			snprintf(s, sizeof(s), "%lld", left);
			error_line(M_ERR_THROTTLED, "s", s);
		}
	}
	if (st.view == V_RUNNING) {
		left = sclock_left(&st.clock, st.end_ms);
		/* The town hall's hour, not the workstation's (14:05). */
		resa_hm(hm, sizeof(hm), L_EN, st.end_ms, resa.r.zone);
		msg_format(ends, sizeof(ends), L_FR, M_ENDS_AT, "time", hm,
		    NULL);
		bar_set_time(left, ends);
		fmt_duration(s, sizeof(s), left);
		{
			char fr[300], en[300];

			msg_format(fr, sizeof(fr), L_FR, M_FINISH_CONFIRM,
			    "left", s, NULL);
			msg_format(en, sizeof(en), L_EN, M_FINISH_CONFIRM,
			    "left", s, NULL);
			bar_set_confirm_left(fr, en);
		}
		if (left <= 0)
			end_session(end_reason(), 0);
	}
	resa_show();	/* a slot's start or end may have passed */
	return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------ token */

static gboolean
on_token_retry(gpointer p)
{
	enum token_err e = agent_token_load(&cfg);

	(void)p;
	if (e != TOKEN_OK)
		return G_SOURCE_CONTINUE;
	log_info("token file readable again, starting");
	api_init(&cfg);
	set_view(V_BOOT);
	boot();
	return G_SOURCE_REMOVE;
}

static int
token_check(void)
{
	enum token_err e = agent_token_load(&cfg);

	if (e == TOKEN_OK)
		return 0;
	set_view(V_NOTOKEN);
	if (e == TOKEN_PERMS) {
		log_err("%s is readable by group or others: refused (chmod 600)",
		    cfg.token_file);
		status(M_TOKEN_PERMS, NULL, NULL);
	} else {
		log_err("no usable token in %s", cfg.token_file);
		status(M_NO_TOKEN, NULL, NULL);
	}
	g_timeout_add_seconds(5, on_token_retry, NULL);
	return -1;
}

/*
 * Ctrl-Alt-F1..F12 and Ctrl-Alt-Backspace are acted on by the X server
 * before any client sees them: ask XKB not to (the session's keymap; the
 * system-wide way is Xorg's DontVTSwitch/DontZap, docs/agent.md).
 */
static void
no_vt_switch(void)
{
	static char	 prog[] = "setxkbmap", o[] = "-option",
			 v[] = "srvrkeys:none";
	char		*argv[] = { prog, o, v, NULL };
	GError		*err = NULL;
	gint		 status = 0;

	if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH |
	    G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
	    NULL, NULL, &status, &err)) {
		log_warn("setxkbmap: %s (virtual terminal keys stay as the"
		    " server has them)", err->message);
		g_error_free(err);
		return;
	}
	if (status == 0)
		log_info("XKB srvrkeys:none: no VT switch or zap keys");
	else
		log_warn("setxkbmap failed (status %d)", status);
}

/* One agent per user and display. */
static int
single_instance(void)
{
	char	 path[512];
	int	 fd;

	snprintf(path, sizeof(path), "%s/postes-agent.lock",
	    g_get_user_runtime_dir());
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		log_warn("cannot open %s: %s", path, strerror(errno));
		return 0;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		log_err("another postes-agent runs (%s)", path);
		return -1;
	}
	return 0;	/* fd stays open: the lock lives as long as we do */
}

int
main(int argc, char *argv[])
{
	static const struct lock_cbs lcbs = { on_submit, on_start_clicked,
	    on_cancel, on_ack };
	static const struct bar_cbs bcbs = { on_finish, on_ack };

	log_init("postes-agent");
	signal(SIGPIPE, SIG_IGN);
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		puts("postes-agent 1");
		return 0;
	}
	if (agent_config_load(&cfg) == -1)
		return 1;
	if (!gtk_init_check(&argc, &argv)) {
		log_err("cannot open the display (DISPLAY=%s)",
		    getenv("DISPLAY") ? getenv("DISPLAY") : "");
		return 1;
	}
	if (single_instance() == -1)
		return 0;
	st.hb = cfg.heartbeat > 0 ? cfg.heartbeat : 30;
	if (cfg.no_vt_switch)
		no_vt_switch();
	lock_init(&lcbs);
	bar_init(&bcbs);
	/* Locked before anything else, whatever the server says. */
	lock_view(LV_BUSY);
	lock_show();
	g_timeout_add(250, on_tick, NULL);
	if (token_check() == 0) {
		if (api_init(&cfg) == -1) {
			log_err("libcurl did not initialise");
			return 1;
		}
		boot();
	}
	gtk_main();
	return 0;
}
