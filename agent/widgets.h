/*
 * widgets.h - the GTK pieces the lock and the bar share (widgets.c).
 * Separate from extern.h, which the agent's GTK-free parts (and their
 * unit tests) include.
 */
#ifndef POSTES_AGENT_WIDGETS_H
#define POSTES_AGENT_WIDGETS_H

#include <gtk/gtk.h>

#include "extern.h"

/* How a guarded window behaves: *shown says whether it must stay up
 * (an iconify is undone), strict also swallows Super, Menu, Alt-Tab. */
struct ui_guard {
	const int	*shown;
	int		 strict;
};

GtkWidget	*ui_window(const char *title, const char *cls,
		    struct ui_guard *);
GtkWidget	*ui_label(const char *text, const char *cls, int width,
		    int centred);
GtkWidget	*ui_button(enum msg_id, GCallback, const char *cls);
void		 ui_both(char *, size_t, enum msg_id);	/* "fr / en" */
void		 ui_class(GtkWidget *, const char *cls);
void		 ui_css(const char *);			/* for the screen */

#endif
