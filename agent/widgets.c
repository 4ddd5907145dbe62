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
 */
#include <stdio.h>

#include <gtk/gtk.h>

#include "widgets.h"

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

void
ui_css(const char *css)
{
	GtkCssProvider *prov = gtk_css_provider_new();

	gtk_css_provider_load_from_data(prov, css, -1, NULL);
	gtk_style_context_add_provider_for_screen(gdk_screen_get_default(),
	    GTK_STYLE_PROVIDER(prov), GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
	g_object_unref(prov);
}
