/*
 * lock.c - the lock: one full-screen window per monitor, always on top,
 * with keyboard and pointer grabbed.
 *
 * The window on the primary monitor carries the kiosk page's card (code
 * entry, the confirm step, messages); the others are plain. A staff
 * message goes at the top of the card, whatever the view (the card then
 * shows even when it has nothing else): the grab keeps every other
 * window from the pointer, so this is the one place it can be read and
 * acknowledged. Its button never takes the focus from the code entry.
 * Under it, the poste's next reservation ("Réservé à 14h00"), a plain
 * label in the kiosk page's blue, in the entry and confirm views alike.
 *
 * While shown, the seat is grabbed (gdk_seat_grab, owner events so our
 * own widgets still get clicks and keys): the window manager's key
 * bindings (Alt-Tab, Alt-F4, a "show desktop" key) and other clients see
 * nothing. A watchdog runs twice a second: it takes the grab again if something broke it,
 * re-maps, re-raises and re-fullscreens a window the WM moved, and a
 * close request (delete-event), iconify or Escape is ignored. Monitors
 * plugged in later get a window at once (monitor-added).
 *
 * What no X client can stop, the desktop must (docs/agent.md): the
 * server's own VT switch and zap keys (Xorg DontVTSwitch/DontZap, or
 * XKB srvrkeys:none), the display manager's session switch, a screen
 * locker of its own.
 */
#include <string.h>

#include <gtk/gtk.h>

#include "log.h"
#include "widgets.h"

static const char css[] =
    "window.postes-lock { background-color: #16324f; color: #ffffff; }\n"
    ".postes-lock label { color: #ffffff; }\n"
    ".postes-card { background-color: #ffffff; border-radius: 12px;"
    "  padding: 32px; }\n"
    ".postes-card label { color: #1b1b1b; }\n"
    ".postes-brand { font-size: 18px; font-weight: bold; }\n"
    ".postes-welcome { font-size: 16px; }\n"
    ".postes-heading { font-size: 26px; font-weight: bold; }\n"
    ".postes-en { font-size: 13px; color: #505050; }\n"
    ".postes-lock .postes-en-light { font-size: 13px; color: #d0dced; }\n"
    ".postes-code { font-size: 30px; font-family: monospace; }\n"
    ".postes-error { color: #b00020; font-weight: bold; font-size: 16px; }\n"
    ".postes-card .postes-error { color: #b00020; }\n"
    ".postes-status { font-size: 18px; font-weight: bold; }\n"
    ".postes-card .postes-status { color: #16324f; }\n"
    "button.postes-big { font-size: 18px; padding: 8px 20px; }\n"
    ".postes-card .postes-resa { background-color: #1e3a8a; color: #ffffff;"
    "  border-radius: 16px; padding: 6px 20px; font-size: 20px;"
    "  font-weight: bold; }\n"
    ".postes-card .postes-resa-en { background-color: #1e3a8a;"
    "  color: #d0dced; border-radius: 12px; padding: 2px 16px;"
    "  font-size: 13px; }\n";

static struct lock_cbs	 cbs;
static GPtrArray	*wins;		/* GtkWindow *, [0] carries the card */
static GtkWidget	*entry, *validate_btn, *start_btn, *entry_box, *confirm_box;
static GtkWidget	*status_fr, *status_en, *error_fr, *error_en;
static GtkWidget	*hello, *avail_fr, *avail_en, *heading_box;
static GtkWidget	*card, *resa_box, *resa_fr, *resa_en;
static struct ui_msg	 msgui;
static enum lock_view	 cur_view = LV_BUSY;
static int		 shown, grabbed, cover_all;
static guint		 watchdog;
static struct ui_guard guard = { &shown, 1 };

static void
on_activate(GtkWidget *w, gpointer p)
{
	(void)w; (void)p;
	if (gtk_widget_get_sensitive(entry))
		cbs.submit(gtk_entry_get_text(GTK_ENTRY(entry)));
}

static void
on_start(GtkWidget *w, gpointer p)
{
	(void)w; (void)p;
	cbs.start();
}

static void
on_cancel(GtkWidget *w, gpointer p)
{
	(void)w; (void)p;
	cbs.cancel();
}

static GtkWidget *
label(const char *text, const char *cls)
{
	return ui_label(text, cls, 60, 1);
}

static GtkWidget *
pair(const enum msg_id id, const char *cls, const char *en_cls)
{
	GtkWidget	*b = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);
	char		 fr[512], en[512];

	msg_format(fr, sizeof(fr), L_FR, id, NULL);
	msg_format(en, sizeof(en), L_EN, id, NULL);
	gtk_box_pack_start(GTK_BOX(b), label(fr, cls), FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(b), label(en, en_cls), FALSE, FALSE, 0);
	return b;
}

static GtkWidget *
button(enum msg_id id, GCallback cb)
{
	return ui_button(id, cb, "postes-big");
}

static GtkWidget *
new_window(void)
{
	return ui_window(LOCK_TITLE, "postes-lock", &guard);
}

/* The primary window's content: brand, status, the card. */
static void
build_card(GtkWidget *w)
{
	GtkWidget *outer, *row, *brand;

	outer = gtk_box_new(GTK_ORIENTATION_VERTICAL, 16);
	gtk_widget_set_halign(outer, GTK_ALIGN_CENTER);
	gtk_widget_set_valign(outer, GTK_ALIGN_CENTER);
	brand = pair(M_TITLE, "postes-brand", "postes-en-light");
	gtk_box_pack_start(GTK_BOX(outer), brand, FALSE, FALSE, 0);

	status_fr = label("", "postes-status");
	status_en = label("", "postes-en-light");
	gtk_box_pack_start(GTK_BOX(outer), status_fr, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(outer), status_en, FALSE, FALSE, 0);

	card = gtk_box_new(GTK_ORIENTATION_VERTICAL, 10);
	gtk_style_context_add_class(gtk_widget_get_style_context(card),
	    "postes-card");
	gtk_box_pack_start(GTK_BOX(outer), card, FALSE, FALSE, 0);

	/* A staff message, above all the rest. */
	gtk_box_pack_start(GTK_BOX(card), ui_msg_new(&msgui, "lock", 64, 240,
	    cbs.ack), FALSE, FALSE, 0);

	/* The poste's next reservation, just above the code entry. */
	resa_box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);
	gtk_widget_set_halign(resa_box, GTK_ALIGN_CENTER);
	resa_fr = label("", "postes-resa");
	resa_en = label("", "postes-resa-en");
	gtk_widget_set_halign(resa_fr, GTK_ALIGN_CENTER);
	gtk_widget_set_halign(resa_en, GTK_ALIGN_CENTER);
	gtk_box_pack_start(GTK_BOX(resa_box), resa_fr, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(resa_box), resa_en, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(card), resa_box, FALSE, FALSE, 0);

	/* Code entry. */
	entry_box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 10);
	heading_box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 4);
	gtk_box_pack_start(GTK_BOX(heading_box),
	    pair(M_WELCOME, "postes-welcome", "postes-en"), FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(heading_box),
	    pair(M_ENTER, "postes-heading", "postes-en"), FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(entry_box), heading_box, FALSE, FALSE, 0);
	row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
	entry = gtk_entry_new();
	gtk_entry_set_max_length(GTK_ENTRY(entry), 12);
	gtk_entry_set_width_chars(GTK_ENTRY(entry), 10);
	gtk_entry_set_input_hints(GTK_ENTRY(entry), GTK_INPUT_HINT_UPPERCASE_CHARS |
	    GTK_INPUT_HINT_NO_SPELLCHECK);
	gtk_entry_set_placeholder_text(GTK_ENTRY(entry), "ABC123");
	gtk_style_context_add_class(gtk_widget_get_style_context(entry),
	    "postes-code");
	g_signal_connect(entry, "activate", G_CALLBACK(on_activate), NULL);
	validate_btn = button(M_VALIDATE, G_CALLBACK(on_activate));
	gtk_box_pack_start(GTK_BOX(row), entry, TRUE, TRUE, 0);
	gtk_box_pack_start(GTK_BOX(row), validate_btn, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(entry_box), row, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(entry_box), pair(M_CODE_HELP, NULL, "postes-en"), FALSE,
	    FALSE, 0);
	error_fr = label("", "postes-error");
	error_en = label("", "postes-en");
	gtk_box_pack_start(GTK_BOX(entry_box), error_fr, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(entry_box), error_en, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(card), entry_box, FALSE, FALSE, 0);

	/* The code is valid: who, how long. */
	confirm_box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 10);
	hello = label("", "postes-heading");
	avail_fr = label("", "postes-welcome");
	avail_en = label("", "postes-en");
	gtk_box_pack_start(GTK_BOX(confirm_box), hello, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(confirm_box), avail_fr, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(confirm_box), avail_en, FALSE, FALSE, 0);
	row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
	gtk_widget_set_halign(row, GTK_ALIGN_CENTER);
	start_btn = button(M_START, G_CALLBACK(on_start));
	gtk_style_context_add_class(gtk_widget_get_style_context(start_btn),
	    "suggested-action");
	gtk_box_pack_start(GTK_BOX(row), start_btn, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(row),
	    button(M_CANCEL, G_CALLBACK(on_cancel)), FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(confirm_box), row, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(card), confirm_box, FALSE, FALSE, 0);

	gtk_container_add(GTK_CONTAINER(w), outer);
	gtk_widget_show_all(outer);
	gtk_widget_set_no_show_all(outer, TRUE);
	gtk_widget_hide(resa_box);
}

static GdkMonitor *
monitor_at(GdkDisplay *d, int i)
{
	return gdk_display_get_monitor(d, i);
}

static int
primary_index(GdkDisplay *d)
{
	GdkMonitor	*p = gdk_display_get_primary_monitor(d);
	int		 i, n = gdk_display_get_n_monitors(d);

	for (i = 0; p != NULL && i < n; i++)
		if (monitor_at(d, i) == p)
			return i;
	return 0;
}

/* Put window k on monitor m, covering it. */
static void
place(GtkWidget *w, GdkDisplay *d, int m)
{
	GdkRectangle	 r;
	GdkMonitor	*mon = monitor_at(d, m);

	if (mon == NULL)
		return;
	gdk_monitor_get_geometry(mon, &r);
	gtk_window_move(GTK_WINDOW(w), r.x, r.y);
	gtk_window_set_default_size(GTK_WINDOW(w), r.width, r.height);
	gtk_window_resize(GTK_WINDOW(w), r.width, r.height);
	gtk_window_fullscreen_on_monitor(GTK_WINDOW(w),
	    gdk_display_get_default_screen(d), m);
}

/*
 * Whether the monitors GDK reports cover the whole X screen. They may not
 * (RandR monitors without an output are not reported, a mode change is
 * in flight): then one window covers the screen instead, so that no
 * strip of desktop is ever left uncovered.
 */
static int
monitors_cover(GdkDisplay *d, int *sw, int *sh)
{
	GdkWindow	*root = gdk_screen_get_root_window(
			    gdk_display_get_default_screen(d));
	GdkRectangle	 r;
	long long	 area = 0;
	int		 i, n = gdk_display_get_n_monitors(d);

	*sw = gdk_window_get_width(root);
	*sh = gdk_window_get_height(root);
	for (i = 0; i < n; i++) {
		gdk_monitor_get_geometry(monitor_at(d, i), &r);
		area += (long long)r.width * r.height;
	}
	return n > 0 && area >= (long long)*sw * *sh;
}

/* One window per monitor; [0] (the card) on the primary one. */
static void
layout(void)
{
	GdkDisplay	*d = gdk_display_get_default();
	int		 n = gdk_display_get_n_monitors(d), p = primary_index(d);
	int		 i, k, sw, sh;
	GtkWidget	*w0;

	if (!monitors_cover(d, &sw, &sh)) {
		while (wins->len > 1) {
			gtk_widget_destroy(g_ptr_array_index(wins,
			    wins->len - 1));
			g_ptr_array_remove_index(wins, wins->len - 1);
		}
		w0 = g_ptr_array_index(wins, 0);
		if (!cover_all)
			log_warn("lock: monitors do not cover the %dx%d screen,"
			    " one window covers it all", sw, sh);
		cover_all = 1;
		gtk_window_unfullscreen(GTK_WINDOW(w0));
		gtk_window_move(GTK_WINDOW(w0), 0, 0);
		gtk_window_set_default_size(GTK_WINDOW(w0), sw, sh);
		gtk_window_resize(GTK_WINDOW(w0), sw, sh);
		return;
	}
	cover_all = 0;
	if (n < 1)
		n = 1;
	while ((int)wins->len < n)
		g_ptr_array_add(wins, new_window());
	while ((int)wins->len > n && wins->len > 1) {
		gtk_widget_destroy(g_ptr_array_index(wins, wins->len - 1));
		g_ptr_array_remove_index(wins, wins->len - 1);
	}
	place(g_ptr_array_index(wins, 0), d, p);
	for (i = 0, k = 1; i < n && k < (int)wins->len; i++)
		if (i != p)
			place(g_ptr_array_index(wins, k++), d, i);
}

static void
try_grab(void)
{
	GdkWindow	*gw = gtk_widget_get_window(g_ptr_array_index(wins, 0));
	GdkDisplay	*d = gdk_display_get_default();
	GdkSeat		*seat = gdk_display_get_default_seat(d);
	GdkGrabStatus	 st;

	if (gw == NULL || !gdk_window_is_viewable(gw))
		return;
	if (grabbed && gdk_display_device_is_grabbed(d,
	    gdk_seat_get_pointer(seat)) && gdk_display_device_is_grabbed(d,
	    gdk_seat_get_keyboard(seat)))
		return;
	st = gdk_seat_grab(seat, gw, GDK_SEAT_CAPABILITY_ALL, TRUE, NULL,
	    NULL, NULL, NULL);
	if (st == GDK_GRAB_SUCCESS) {
		if (!grabbed)
			log_info("lock: keyboard and pointer grabbed");
		grabbed = 1;
	} else {
		if (grabbed)
			log_warn("lock: grab lost (%d), retrying", (int)st);
		grabbed = 0;
	}
}

static gboolean
on_watchdog(gpointer p)
{
	guint	 i;
	GtkWidget *w;
	GdkWindow *gw;

	(void)p;
	if (!shown)
		return G_SOURCE_CONTINUE;
	for (i = 0; i < wins->len; i++) {
		w = g_ptr_array_index(wins, i);
		gw = gtk_widget_get_window(w);
		if (!gtk_widget_get_visible(w) || gw == NULL ||
		    !gdk_window_is_viewable(gw)) {
			gtk_widget_show(w);
			layout();
		}
		if (gw != NULL && !cover_all && !(gdk_window_get_state(gw) &
		    GDK_WINDOW_STATE_FULLSCREEN))
			gtk_window_fullscreen(GTK_WINDOW(w));
		gtk_window_set_keep_above(GTK_WINDOW(w), TRUE);
	}
	if (gtk_widget_get_window(g_ptr_array_index(wins, 0)) != NULL)
		gdk_window_raise(gtk_widget_get_window(
		    g_ptr_array_index(wins, 0)));
	try_grab();
	return G_SOURCE_CONTINUE;
}

static gboolean
on_mapped(GtkWidget *w, GdkEvent *e, gpointer p)
{
	(void)w; (void)e; (void)p;
	if (shown) {
		try_grab();
		gtk_widget_grab_focus(entry);
	}
	return FALSE;
}

static void
on_monitors(GdkDisplay *d, GdkMonitor *m, gpointer p)
{
	guint i;

	(void)d; (void)m; (void)p;
	layout();
	for (i = 0; shown && i < wins->len; i++)
		gtk_widget_show(g_ptr_array_index(wins, i));
}

void
lock_init(const struct lock_cbs *c)
{
	GdkDisplay	*d = gdk_display_get_default();
	GtkWidget	*w;

	cbs = *c;
	ui_css(css);
	wins = g_ptr_array_new();
	w = new_window();
	g_ptr_array_add(wins, w);
	build_card(w);
	g_signal_connect(w, "map-event", G_CALLBACK(on_mapped), NULL);
	g_signal_connect(d, "monitor-added", G_CALLBACK(on_monitors), NULL);
	g_signal_connect(d, "monitor-removed", G_CALLBACK(on_monitors), NULL);
	lock_view(LV_BUSY);
	watchdog = g_timeout_add(500, on_watchdog, NULL);
}

void
lock_show(void)
{
	guint i;

	shown = 1;
	layout();
	for (i = 0; i < wins->len; i++) {
		gtk_widget_show(g_ptr_array_index(wins, i));
		gtk_window_present(g_ptr_array_index(wins, i));
	}
	gtk_window_present(g_ptr_array_index(wins, 0));
	try_grab();
	gtk_widget_grab_focus(entry);
	log_info("lock: shown on %u monitor(s)", wins->len);
}

void
lock_hide(void)
{
	GdkSeat	*seat = gdk_display_get_default_seat(gdk_display_get_default());
	guint	 i;

	shown = 0;
	if (grabbed)
		gdk_seat_ungrab(seat);
	grabbed = 0;
	for (i = 0; i < wins->len; i++)
		gtk_widget_hide(g_ptr_array_index(wins, i));
	log_info("lock: hidden");
}

int
lock_shown(void)
{
	return shown;
}

/* The card shows for the entry, the confirm step, or a message. */
static void
card_visible(void)
{
	gtk_widget_set_visible(card, cur_view != LV_BUSY || msgui.id > 0);
}

void
lock_view(enum lock_view v)
{
	cur_view = v;
	gtk_widget_set_visible(entry_box, v == LV_ENTRY);
	gtk_widget_set_visible(confirm_box, v == LV_CONFIRM);
	card_visible();
	if (v == LV_ENTRY)
		gtk_widget_grab_focus(entry);
	else if (v == LV_CONFIRM)
		gtk_widget_grab_focus(start_btn);	/* Enter starts */
}

static void
set2(GtkWidget *a, GtkWidget *b, const char *fr, const char *en)
{
	gtk_label_set_text(GTK_LABEL(a), fr != NULL ? fr : "");
	gtk_label_set_text(GTK_LABEL(b), en != NULL ? en : "");
	gtk_widget_set_visible(a, fr != NULL && *fr != '\0');
	gtk_widget_set_visible(b, en != NULL && *en != '\0');
}

void
lock_set_status(const char *fr, const char *en)
{
	set2(status_fr, status_en, fr, en);
}

void
lock_set_error(const char *fr, const char *en)
{
	set2(error_fr, error_en, fr, en);
}

void
lock_set_confirm(const char *who, const char *fr, const char *en)
{
	gtk_label_set_text(GTK_LABEL(hello), who);
	set2(avail_fr, avail_en, fr, en);
}

void
lock_entry_sensitive(int on)
{
	gtk_widget_set_sensitive(entry, on);
	gtk_widget_set_sensitive(validate_btn, on);
	if (on)
		gtk_widget_grab_focus(entry);
}

void
lock_entry_clear(void)
{
	gtk_entry_set_text(GTK_ENTRY(entry), "");
}

void
lock_set_message(long long id, const char *text, size_t unread)
{
	ui_msg_set(&msgui, id, text, unread);
	card_visible();
	if (cur_view == LV_ENTRY && gtk_widget_get_sensitive(entry))
		gtk_widget_grab_focus(entry);
}

void
lock_message_busy(int busy)
{
	ui_msg_busy(&msgui, busy);
}

void
lock_set_resa(const char *fr, const char *en)
{
	int on = fr != NULL && *fr != '\0';

	/* Labels take no focus: the code entry keeps it. */
	set2(resa_fr, resa_en, fr, en);
	gtk_widget_set_visible(resa_box, on);
}
