/*
 * widgets.c - what the lock window and the countdown bar share: the
 * guarded top-level window, labels, bilingual buttons, the stylesheet.
 *
 * A guarded window has no decorations, stays above the others and on
 * every workspace, is kept out of the task bar and the pager, and
 * refuses to go away: a close request (delete-event) is ignored, an
 * iconify is undone while the window is meant to be shown, and Escape
 * and Alt-F4 do nothing. The lock (strict) also swallows the keys that
 * would leave it for the desktop (Super, Menu, Alt-Tab); the bar does
 * not, since the person must reach the other windows during a session.
 * One place, so that a hole found in one window's guard is closed in
 * both.
 *
 * Staff messages are drawn the same way in both windows (ui_msg_*): the
 * kiosk page's banner colours, the text as a plain label (staff wrote it:
 * gtk_label_set_text, never markup), made valid UTF-8 and capped before
 * GTK sees it, wrapped at any character so that one long word cannot
 * widen the window, and in a scrolled box past max_height so that many
 * lines cannot push the rest off the screen.
 */
#include <stdio.h>
#include <string.h>

#include <gtk/gtk.h>

#include "log.h"
#include "widgets.h"

static void	css_at(const char *, guint);

/* More than the server's 500 characters, less than any screen. */
#define UI_MSG_CHARS	1000

static const char msg_css[] =
    "box.postes-message { background-color: #fff7d6; border: 3px solid"
    "  #b45309; border-radius: 10px; padding: 10px 16px; }\n"
    "box.postes-message label { color: #1f1300; }\n"
    "box.postes-message label.postes-message-title { color: #92400e;"
    "  font-weight: bold; font-size: 13px; }\n"
    "box.postes-message label.postes-message-text { font-size: 16px; }\n"
    "box.postes-message label.postes-message-more { font-size: 12px;"
    "  font-style: italic; }\n"
    "box.postes-message scrolledwindow,"
    " box.postes-message viewport { background-color: #fff7d6; }\n"
    "box.postes-message button label { color: #ffffff;"
    "  font-weight: bold; }\n"
    "box.postes-message button:disabled label { color: #d0d0d0; }\n";

static gboolean
on_delete(GtkWidget *w, GdkEvent *e, gpointer p)
{
	(void)w; (void)e; (void)p;
	return TRUE;	/* a close request is ignored */
}

static gboolean
on_key(GtkWidget *w, GdkEventKey *e, gpointer p)
{
	const struct ui_guard	*g = p;
	guint			 k = e->keyval;
	GdkModifierType		 leave = GDK_MOD1_MASK;

	(void)w;
	if (k == GDK_KEY_Escape)
		return TRUE;
	if (g->strict) {
		if (k == GDK_KEY_Super_L || k == GDK_KEY_Super_R ||
		    k == GDK_KEY_Menu)
			return TRUE;
		leave |= GDK_SUPER_MASK;
		if ((e->state & leave) && (k == GDK_KEY_Tab ||
		    k == GDK_KEY_ISO_Left_Tab))
			return TRUE;
	}
	return (e->state & leave) && k == GDK_KEY_F4;
}

static gboolean
on_state(GtkWidget *w, GdkEventWindowState *e, gpointer p)
{
	const struct ui_guard *g = p;

	if (*g->shown && (e->new_window_state & GDK_WINDOW_STATE_ICONIFIED))
		gtk_window_deiconify(GTK_WINDOW(w));
	return FALSE;
}

GtkWidget *
ui_window(const char *title, const char *cls, struct ui_guard *g)
{
	GtkWidget *w = gtk_window_new(GTK_WINDOW_TOPLEVEL);

	gtk_window_set_title(GTK_WINDOW(w), title);
	gtk_window_set_decorated(GTK_WINDOW(w), FALSE);
	gtk_window_set_deletable(GTK_WINDOW(w), FALSE);
	gtk_window_set_keep_above(GTK_WINDOW(w), TRUE);
	gtk_window_set_skip_taskbar_hint(GTK_WINDOW(w), TRUE);
	gtk_window_set_skip_pager_hint(GTK_WINDOW(w), TRUE);
	gtk_window_stick(GTK_WINDOW(w));
	ui_class(w, cls);
	g_signal_connect(w, "delete-event", G_CALLBACK(on_delete), NULL);
	g_signal_connect(w, "key-press-event", G_CALLBACK(on_key),
	    g);
	g_signal_connect(w, "window-state-event", G_CALLBACK(on_state),
	    g);
	return w;
}

void
ui_class(GtkWidget *w, const char *cls)
{
	if (cls != NULL)
		gtk_style_context_add_class(gtk_widget_get_style_context(w),
		    cls);
}

GtkWidget *
ui_label(const char *text, const char *cls, int width, int centred)
{
	GtkWidget *l = gtk_label_new(text != NULL ? text : "");

	gtk_label_set_line_wrap(GTK_LABEL(l), TRUE);
	gtk_label_set_max_width_chars(GTK_LABEL(l), width);
	if (centred)
		gtk_label_set_justify(GTK_LABEL(l), GTK_JUSTIFY_CENTER);
	else
		gtk_label_set_xalign(GTK_LABEL(l), 0);
	ui_class(l, cls);
	return l;
}

void
ui_both(char *buf, size_t sz, enum msg_id id)
{
	char fr[256], en[256];

	msg_format(fr, sizeof(fr), L_FR, id, NULL);
	msg_format(en, sizeof(en), L_EN, id, NULL);
	snprintf(buf, sz, "%s / %s", fr, en);
}

GtkWidget *
ui_button(enum msg_id id, GCallback cb, const char *cls)
{
	char		 t[520];
	GtkWidget	*b;

	ui_both(t, sizeof(t), id);
	b = gtk_button_new_with_label(t);
	ui_class(b, cls);
	g_signal_connect(b, "clicked", cb, NULL);
	return b;
}

static void
css_at(const char *css, guint priority)
{
	GtkCssProvider *prov = gtk_css_provider_new();

	gtk_css_provider_load_from_data(prov, css, -1, NULL);
	gtk_style_context_add_provider_for_screen(gdk_screen_get_default(),
	    GTK_STYLE_PROVIDER(prov), priority);
	g_object_unref(prov);
}

void
ui_css(const char *css)
{
	css_at(css, GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

/* ------------------------------------------------------------ messages */

static void
on_msg_ack(GtkWidget *b, gpointer p)
{
	struct ui_msg *m = p;

	(void)b;
	if (m->id > 0)
		m->ack(m->id);
}

/* Log where the message and its button are, once laid out. */
static gboolean
msg_log(gpointer p)
{
	struct ui_msg	*m = p;
	GtkWidget	*top = gtk_widget_get_toplevel(m->box);
	int		 g[8];

	m->log_idle = 0;
	if (m->id <= 0 || !gtk_widget_get_mapped(m->button) ||
	    !gtk_widget_translate_coordinates(m->box, top, 0, 0, &g[0], &g[1]) ||
	    !gtk_widget_translate_coordinates(m->button, top, 0, 0, &g[4],
	    &g[5]))
		return G_SOURCE_REMOVE;
	g[2] = gtk_widget_get_allocated_width(m->box);
	g[3] = gtk_widget_get_allocated_height(m->box);
	g[6] = gtk_widget_get_allocated_width(m->button);
	g[7] = gtk_widget_get_allocated_height(m->button);
	if (g[2] <= 1 || g[6] <= 1 || memcmp(g, m->logged, sizeof(g)) == 0)
		return G_SOURCE_REMOVE;
	memcpy(m->logged, g, sizeof(g));
	log_info("message: %s %lld box %d,%d %dx%d button %d,%d %dx%d",
	    m->where, m->id, g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]);
	return G_SOURCE_REMOVE;
}

static void
msg_log_later(struct ui_msg *m)
{
	/* After GTK has laid the window out and drawn it. */
	if (m->log_idle == 0)
		m->log_idle = g_idle_add_full(G_PRIORITY_LOW, msg_log, m, NULL);
}

static void
on_msg_alloc(GtkWidget *w, GdkRectangle *r, gpointer p)
{
	(void)w; (void)r;
	msg_log_later(p);
}

static void
on_msg_map(GtkWidget *w, gpointer p)
{
	(void)w;
	msg_log_later(p);
}

static void
on_msg_unmap(GtkWidget *w, gpointer p)
{
	struct ui_msg *m = p;

	(void)w;
	memset(m->logged, 0, sizeof(m->logged));
}

GtkWidget *
ui_msg_new(struct ui_msg *m, const char *where, int width_chars,
    int max_height, void (*ack)(long long))
{
	GtkWidget	*scroll;
	char		 t[520];
	static int	 styled;

	if (!styled) {
		/* Above the windows' own sheets: between providers of one
		 * priority GTK goes by order, not by specificity, and the
		 * bar's "every label is white" would win. */
		css_at(msg_css, GTK_STYLE_PROVIDER_PRIORITY_APPLICATION + 1);
		styled = 1;
	}
	memset(m, 0, sizeof(*m));
	m->where = where;
	m->ack = ack;
	m->box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
	ui_class(m->box, "postes-message");

	ui_both(t, sizeof(t), M_MSG_TITLE);
	m->title = ui_label(t, "postes-message-title", width_chars, 0);

	m->text = ui_label(NULL, "postes-message-text", width_chars, 0);
	gtk_label_set_use_markup(GTK_LABEL(m->text), FALSE);
	gtk_label_set_use_underline(GTK_LABEL(m->text), FALSE);
	gtk_label_set_line_wrap_mode(GTK_LABEL(m->text), PANGO_WRAP_WORD_CHAR);
	gtk_label_set_width_chars(GTK_LABEL(m->text), width_chars);
	gtk_label_set_yalign(GTK_LABEL(m->text), 0);
	scroll = gtk_scrolled_window_new(NULL, NULL);
	gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(scroll),
	    GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
	gtk_scrolled_window_set_propagate_natural_height(
	    GTK_SCROLLED_WINDOW(scroll), TRUE);
	gtk_scrolled_window_set_propagate_natural_width(
	    GTK_SCROLLED_WINDOW(scroll), TRUE);
	gtk_scrolled_window_set_max_content_height(GTK_SCROLLED_WINDOW(scroll),
	    max_height);
	gtk_container_add(GTK_CONTAINER(scroll), m->text);

	m->more = ui_label(NULL, "postes-message-more", width_chars, 0);

	ui_both(t, sizeof(t), M_MSG_ACK);
	m->button = gtk_button_new_with_label(t);
	/* A click does not take the focus from the code entry. */
	gtk_widget_set_focus_on_click(m->button, FALSE);
	gtk_widget_set_halign(m->button, GTK_ALIGN_START);
	ui_class(m->button, "suggested-action");
	g_signal_connect(m->button, "clicked", G_CALLBACK(on_msg_ack), m);

	gtk_box_pack_start(GTK_BOX(m->box), m->title, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(m->box), scroll, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(m->box), m->more, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(m->box), m->button, FALSE, FALSE, 0);
	g_signal_connect(m->box, "size-allocate", G_CALLBACK(on_msg_alloc), m);
	g_signal_connect(m->box, "map", G_CALLBACK(on_msg_map), m);
	g_signal_connect(m->box, "unmap", G_CALLBACK(on_msg_unmap), m);
	gtk_widget_show_all(m->box);
	gtk_widget_set_no_show_all(m->box, TRUE);
	gtk_widget_hide(m->box);
	return m->box;
}

void
ui_msg_set(struct ui_msg *m, long long id, const char *text, size_t unread)
{
	char	 fr[256], en[256], t[600], n[32];
	gchar	*valid, *cut;

	if (text == NULL || id <= 0) {
		m->id = 0;
		gtk_widget_hide(m->box);
		return;
	}
	/* Staff's text: valid UTF-8, capped, and plain text only. */
	valid = g_utf8_make_valid(text, -1);
	cut = g_utf8_substring(valid, 0, MIN(g_utf8_strlen(valid, -1),
	    UI_MSG_CHARS));
	gtk_label_set_text(GTK_LABEL(m->text), cut);
	g_free(cut);
	g_free(valid);
	if (unread > 1) {
		snprintf(n, sizeof(n), "%zu", unread - 1);
		msg_format(fr, sizeof(fr), L_FR, M_MSG_MORE, "n", n, NULL);
		msg_format(en, sizeof(en), L_EN, M_MSG_MORE, "n", n, NULL);
		snprintf(t, sizeof(t), "%s / %s", fr, en);
		gtk_label_set_text(GTK_LABEL(m->more), t);
		gtk_widget_show(m->more);
	} else
		gtk_widget_hide(m->more);
	gtk_widget_set_sensitive(m->button, TRUE);
	m->id = id;
	gtk_widget_show(m->box);
	msg_log_later(m);
}

void
ui_msg_busy(struct ui_msg *m, int busy)
{
	gtk_widget_set_sensitive(m->button, !busy);
}
