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

/*
 * A staff message as the lock's card and the bar show it: a title, the
 * text (plain, wrapped, scrolled past max_height), how many wait behind
 * it, and "J'ai lu / I have read it", which calls ack(id). One is shown
 * at a time, the oldest unread. Where it lands on its window is logged
 * ("message: <where> <id> box x,y wxh button x,y wxh", relative to the
 * window) once laid out, and again when that changes.
 */
struct ui_msg {
	GtkWidget	*box, *title, *text, *more, *button;
	const char	*where;		/* "lock", "bar" */
	void		(*ack)(long long id);
	long long	 id;		/* shown; 0: hidden */
	int		 logged[8];	/* the geometry last logged */
	guint		 log_idle;
};

/* Build m's widgets (the caller packs m->box) for text width_chars
 * wide. */
GtkWidget	*ui_msg_new(struct ui_msg *m, const char *where,
		    int width_chars, int max_height, void (*ack)(long long));
/* Show message id (text NUL-terminated UTF-8, shown as plain text, never
 * markup) with unread messages in all; text NULL hides the box. */
void		 ui_msg_set(struct ui_msg *m, long long id, const char *text,
		    size_t unread);
/* While an acknowledgement is on its way, the button is off. */
void		 ui_msg_busy(struct ui_msg *m, int busy);

#endif
