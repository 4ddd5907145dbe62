/*
 * bar.c - the countdown bar shown while a session runs.
 *
 * A small undecorated window, always on top and on every workspace,
 * that the person can drag anywhere (press and drag on it) but not
 * close: delete-event and Escape are ignored, iconify is undone, and the
 * watchdog raises it again. It shows the time left (computed by main.c
 * from the absolute end and the server clock), the end time, warnings,
 * staff messages, the poste's next reservation, the offline notice and "Terminer ma session" with the
 * kiosk page's confirmation (the time left is kept).
 *
 * A staff message makes the bar grow with the kiosk page's banner colours
 * and its "J'ai lu" button (widgets.c), and the bar is raised (not
 * focused: the person may be typing elsewhere). Since it grows, the bar
 * is moved back inside the monitor's work area whenever its size changes
 * and it would stick out.
 */
#include <gtk/gtk.h>

#include "log.h"
#include "widgets.h"

static const char css[] =
    "window.postes-bar { background-color: #16324f; color: #ffffff;"
    "  border: 2px solid #0b1a2a; }\n"
    ".postes-bar label { color: #ffffff; }\n"
    ".postes-bar .postes-time { font-size: 26px; font-weight: bold;"
    "  font-family: monospace; }\n"
    ".postes-bar .postes-soon { color: #ffb74d; }\n"
    ".postes-bar .postes-small { font-size: 11px; color: #d0dced; }\n"
    ".postes-bar .postes-warn { background-color: #ffb74d; color: #1b1b1b;"
    "  padding: 4px; font-weight: bold; }\n"
    ".postes-bar .postes-err { color: #ff8a80; font-weight: bold; }\n"
    ".postes-bar .postes-resa { background-color: #1e3a8a; color: #ffffff;"
    "  padding: 4px; font-weight: bold; }\n"
    ".postes-bar button label { color: #1b1b1b; }\n";

static struct bar_cbs	 cbs;
static GtkWidget	*win, *time_lbl, *ends_lbl, *warn_lbl;
static GtkWidget	*off_lbl, *err_lbl, *finish_btn, *confirm_box, *q_lbl;
static GtkWidget	*resa_lbl;
static struct ui_msg	 msgui;
static int		 shown, last_w, last_h;
static struct ui_guard guard = { &shown, 0 };

static gboolean
on_press(GtkWidget *w, GdkEventButton *e, gpointer p)
{
	(void)w; (void)p;
	if (e->button == GDK_BUTTON_PRIMARY && e->type == GDK_BUTTON_PRESS) {
		gtk_window_begin_move_drag(GTK_WINDOW(win), (gint)e->button,
		    (gint)e->x_root, (gint)e->y_root, e->time);
		return TRUE;
	}
	return FALSE;
}

/* A bar that grew past the monitor's edge comes back inside it. */
static void
on_size(GtkWidget *w, GdkRectangle *a, gpointer p)
{
	GdkRectangle	 r;
	GdkMonitor	*m;
	GdkWindow	*gw = gtk_widget_get_window(w);
	int		 x, y, nx, ny;

	(void)p;
	if (!shown || gw == NULL || (a->width == last_w && a->height == last_h))
		return;
	last_w = a->width;
	last_h = a->height;
	if ((m = gdk_display_get_monitor_at_window(gdk_display_get_default(),
	    gw)) == NULL)
		return;
	gdk_monitor_get_workarea(m, &r);
	gtk_window_get_position(GTK_WINDOW(w), &x, &y);
	nx = MAX(r.x, MIN(x, r.x + r.width - a->width - 8));
	ny = MAX(r.y, MIN(y, r.y + r.height - a->height - 8));
	if (nx != x || ny != y)
		gtk_window_move(GTK_WINDOW(w), nx, ny);
}

static gboolean
on_watchdog(gpointer p)
{
	(void)p;
	if (shown) {
		if (!gtk_widget_get_visible(win))
			gtk_widget_show(win);
		gtk_window_set_keep_above(GTK_WINDOW(win), TRUE);
	}
	return G_SOURCE_CONTINUE;
}

static void
on_finish(GtkWidget *b, gpointer p)
{
	(void)b; (void)p;
	gtk_widget_hide(finish_btn);
	gtk_widget_show(confirm_box);
}

static void
on_yes(GtkWidget *b, gpointer p)
{
	(void)b; (void)p;
	cbs.finish();
}

static void
on_no(GtkWidget *b, gpointer p)
{
	(void)b; (void)p;
	bar_confirm_reset();
}

static GtkWidget *
label(const char *cls)
{
	return ui_label(NULL, cls, 40, 0);
}

static GtkWidget *
button(enum msg_id id, GCallback cb)
{
	return ui_button(id, cb, NULL);
}

void
bar_init(const struct bar_cbs *c)
{
	GtkWidget	*ev, *box, *head, *row;
	char		 t[520];

	cbs = *c;
	ui_css(css);
	win = ui_window(BAR_TITLE, "postes-bar", &guard);
	gtk_window_set_resizable(GTK_WINDOW(win), FALSE);
	gtk_window_set_accept_focus(GTK_WINDOW(win), TRUE);
	gtk_window_set_type_hint(GTK_WINDOW(win), GDK_WINDOW_TYPE_HINT_UTILITY);

	ev = gtk_event_box_new();
	g_signal_connect(ev, "button-press-event", G_CALLBACK(on_press), NULL);
	box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 4);
	gtk_container_set_border_width(GTK_CONTAINER(box), 8);
	head = label("postes-small");
	ui_both(t, sizeof(t), M_LEFT);
	gtk_label_set_text(GTK_LABEL(head), t);
	time_lbl = label("postes-time");
	ends_lbl = label("postes-small");
	warn_lbl = label("postes-warn");
	resa_lbl = label("postes-resa");
	off_lbl = label("postes-small");
	err_lbl = label("postes-err");
	finish_btn = button(M_FINISH, G_CALLBACK(on_finish));
	confirm_box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 4);
	q_lbl = label(NULL);
	gtk_box_pack_start(GTK_BOX(confirm_box), q_lbl, FALSE, FALSE, 0);
	row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 4);
	gtk_box_pack_start(GTK_BOX(row), button(M_FINISH_YES,
	    G_CALLBACK(on_yes)), FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(row), button(M_FINISH_NO,
	    G_CALLBACK(on_no)), FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(confirm_box), row, FALSE, FALSE, 0);

	gtk_box_pack_start(GTK_BOX(box), head, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), time_lbl, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), ends_lbl, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), warn_lbl, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), resa_lbl, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), ui_msg_new(&msgui, "bar", 36, 200,
	    cbs.ack), FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), off_lbl, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), err_lbl, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), finish_btn, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), confirm_box, FALSE, FALSE, 0);
	gtk_container_add(GTK_CONTAINER(ev), box);
	gtk_container_add(GTK_CONTAINER(win), ev);
	gtk_widget_show_all(ev);
	gtk_widget_hide(warn_lbl);
	gtk_widget_hide(resa_lbl);
	gtk_widget_hide(off_lbl);
	gtk_widget_hide(err_lbl);
	gtk_widget_hide(confirm_box);
	g_signal_connect(win, "size-allocate", G_CALLBACK(on_size), NULL);
	g_timeout_add(1000, on_watchdog, NULL);
}

void
bar_show(void)
{
	GdkRectangle	 r = { 0, 0, 800, 600 };
	GtkRequisition	 nat;
	GdkMonitor	*m = gdk_display_get_primary_monitor(
			    gdk_display_get_default());

	if (m == NULL)
		m = gdk_display_get_monitor(gdk_display_get_default(), 0);
	if (m != NULL)
		gdk_monitor_get_workarea(m, &r);
	shown = 1;
	bar_confirm_reset();
	bar_set_warning(NULL, NULL);
	bar_set_offline(0);
	bar_set_error(NULL, NULL);
	gtk_widget_get_preferred_size(win, NULL, &nat);
	last_w = last_h = 0;
	gtk_widget_show(win);
	gtk_window_move(GTK_WINDOW(win), r.x + r.width - MAX(340,
	    nat.width + 16), r.y + 16);
	gtk_window_present(GTK_WINDOW(win));
	log_info("bar: shown");
}

void
bar_hide(void)
{
	shown = 0;
	gtk_widget_hide(win);
}

void
bar_set_time(long long left, const char *ends_at)
{
	char			 c[32];
	GtkStyleContext		*sc = gtk_widget_get_style_context(time_lbl);

	fmt_clock(c, sizeof(c), left);
	gtk_label_set_text(GTK_LABEL(time_lbl), c);
	if (left <= 300)
		gtk_style_context_add_class(sc, "postes-soon");
	else
		gtk_style_context_remove_class(sc, "postes-soon");
	gtk_label_set_text(GTK_LABEL(ends_lbl), ends_at);
}

static void
set(GtkWidget *l, const char *fr, const char *en)
{
	char t[1200];

	if (fr == NULL || *fr == '\0') {
		gtk_widget_hide(l);
		return;
	}
	if (en != NULL && *en != '\0')
		snprintf(t, sizeof(t), "%s\n%s", fr, en);
	else
		snprintf(t, sizeof(t), "%s", fr);
	gtk_label_set_text(GTK_LABEL(l), t);
	gtk_widget_show(l);
}

void
bar_set_warning(const char *fr, const char *en)
{
	set(warn_lbl, fr, en);
}

void
bar_set_message(long long id, const char *text, size_t unread)
{
	long long was = msgui.id;

	ui_msg_set(&msgui, id, text, unread);
	/* Raised, not focused: keys the person is typing elsewhere must not
	 * land on the bar's buttons. */
	if (shown && msgui.id > 0 && msgui.id != was &&
	    gtk_widget_get_window(win) != NULL)
		gdk_window_raise(gtk_widget_get_window(win));
}

void
bar_message_busy(int busy)
{
	ui_msg_busy(&msgui, busy);
}

void
bar_set_offline(int on)
{
	char fr[256], en[256];

	msg_format(fr, sizeof(fr), L_FR, M_OFFLINE, NULL);
	msg_format(en, sizeof(en), L_EN, M_OFFLINE, NULL);
	set(off_lbl, on ? fr : NULL, en);
}

void
bar_set_error(const char *fr, const char *en)
{
	set(err_lbl, fr, en);
}

void
bar_set_confirm_left(const char *fr, const char *en)
{
	char t[1200];

	snprintf(t, sizeof(t), "%s\n%s", fr, en);
	gtk_label_set_text(GTK_LABEL(q_lbl), t);
}

void
bar_confirm_reset(void)
{
	gtk_widget_hide(confirm_box);
	gtk_widget_show(finish_btn);
}

void
bar_set_resa(const char *fr, const char *en)
{
	set(resa_lbl, fr, en);
}
