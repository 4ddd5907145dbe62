/*
 * html.h - the one escaping writer for text placed into HTML.
 *
 * Every byte of < > & " ' becomes an entity; everything else is copied.
 * Used by the admin pages; nothing reaches HTML any other way.
 */
#ifndef POSTES_HTML_H
#define POSTES_HTML_H

#include <stddef.h>

/*
 * Escape s into a new string. Caller frees. NULL on allocation failure;
 * a NULL s gives "".
 */
char	*html_escape(const char *s);
/* Bytes html_escape(s) would produce, excluding the NUL. */
size_t	 html_escaped_len(const char *s);

#endif
