/*
 * html.c - the one escaping writer for text placed into HTML.
 *
 * Two passes over the input: one to size the output exactly, one to
 * write it, so the result is a single allocation and html_escaped_len()
 * is, by construction, what html_escape() produces.
 */
#include <stdlib.h>
#include <string.h>

#include "html.h"

/* Entity for c, or NULL when c is copied as it is. */
static const char *
html_entity(unsigned char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	default:
		return NULL;
	}
}

size_t
html_escaped_len(const char *s)
{
	const char	*e;
	size_t		 n = 0;

	if (s == NULL)
		return 0;
	for (; *s != '\0'; s++) {
		e = html_entity((unsigned char)*s);
		n += e == NULL ? 1 : strlen(e);
	}
	return n;
}

/*
 * Escape s into a new NUL-terminated string owned by the caller (free()).
 * A NULL s gives "". NULL only when allocation fails.
 */
char *
html_escape(const char *s)
{
	const char	*e;
	char		*out, *p;
	size_t		 n;

	n = html_escaped_len(s);
	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	p = out;
	for (; s != NULL && *s != '\0'; s++) {
		if ((e = html_entity((unsigned char)*s)) == NULL)
			*p++ = *s;
		else {
			n = strlen(e);
			memcpy(p, e, n);
			p += n;
		}
	}
	*p = '\0';
	return out;
}
