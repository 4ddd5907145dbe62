/*
 * admin/html_out.c - the admin pages' HTML builder: a growable buffer.
 *
 * There are exactly two ways to put bytes into a page: hb_raw() for the
 * program's own markup (string literals, never data), and hb_text() /
 * hb_attr() for everything else, which go through html_escape(), the one
 * escaping writer of shared/html.c. Numbers have hb_int(). There is no
 * printf here on purpose: request and database text cannot reach a page
 * unescaped (lang.c's admin_trf() writes a sentence of the program with
 * hb_raw() and its arguments with hb_text()). An allocation failure is
 * remembered (hb->err) and the page is then refused whole, rather than
 * sent truncated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "extern.h"

static void
hb_put(struct hbuf *hb, const char *s, size_t n)
{
	size_t cap;
	char *p;

	if (hb->err)
		return;
	if (hb->len + n + 1 > hb->cap) {
		cap = hb->cap == 0 ? 4096 : hb->cap;
		while (hb->len + n + 1 > cap)
			cap *= 2;
		if ((p = realloc(hb->buf, cap)) == NULL) {
			hb->err = 1;
			return;
		}
		hb->buf = p;
		hb->cap = cap;
	}
	memcpy(hb->buf + hb->len, s, n);
	hb->len += n;
	hb->buf[hb->len] = '\0';
}

void
hb_raw(struct hbuf *hb, const char *markup)
{
	hb_put(hb, markup, strlen(markup));
}

void
hb_rawn(struct hbuf *hb, const char *markup, size_t n)
{
	hb_put(hb, markup, n);
}

void
hb_text(struct hbuf *hb, const char *s)
{
	char *e;

	if (s == NULL)
		return;
	if ((e = html_escape(s)) == NULL) {
		hb->err = 1;
		return;
	}
	hb_put(hb, e, strlen(e));
	free(e);
}

void
hb_attr(struct hbuf *hb, const char *name, const char *value)
{
	hb_raw(hb, " ");
	hb_raw(hb, name);
	hb_raw(hb, "=\"");
	hb_text(hb, value);
	hb_raw(hb, "\"");
}

void
hb_int(struct hbuf *hb, long long v)
{
	char n[24];

	snprintf(n, sizeof(n), "%lld", v);
	hb_put(hb, n, strlen(n));
}

char *
hb_take(struct hbuf *hb, size_t *len)
{
	char *p = hb->buf;

	if (hb->err) {
		free(p);
		p = NULL;
	}
	*len = p != NULL ? hb->len : 0;
	memset(hb, 0, sizeof(*hb));
	return p;
}

void
hb_free(struct hbuf *hb)
{
	free(hb->buf);
	memset(hb, 0, sizeof(*hb));
}
