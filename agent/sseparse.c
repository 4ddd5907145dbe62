/*
 * sseparse.c - Server-Sent Events framing, as the pusher writes it
 * (docs/pusher.md, "SSE framing") and as the WHATWG rules read it.
 *
 * Lines end in LF, CR or CRLF; "field: value" (one space after the colon
 * dropped); lines starting with ':' are comments (keep-alives); a blank
 * line dispatches the event if it has data. Only event, id and data
 * matter here (retry is the client's business). Pure: no I/O, so it is
 * unit-tested on its own, and every field is capped (SSE_MAX) so a
 * server sending garbage without newlines cannot grow memory.
 */
#include <stdlib.h>
#include <string.h>

#include "extern.h"

void
sse_init(struct sse_parser *p)
{
	memset(p, 0, sizeof(*p));
}

void
sse_free(struct sse_parser *p)
{
	free(p->line);
	free(p->data);
	sse_init(p);
}

static int
grow(char **buf, size_t *cap, size_t need)
{
	char	*n;
	size_t	 c = *cap ? *cap : 256;

	if (need > SSE_MAX)
		return -1;
	while (c < need)
		c *= 2;
	if (c == *cap)
		return 0;
	if ((n = realloc(*buf, c)) == NULL)
		return -1;
	*buf = n;
	*cap = c;
	return 0;
}

static void
dispatch(struct sse_parser *p, sse_cb cb, void *arg)
{
	if (p->has_data) {
		if (p->datalen > 0 && p->data[p->datalen - 1] == '\n')
			p->datalen--;
		p->data[p->datalen] = '\0';
		cb(p->event, p->id, p->data, arg);
	}
	p->datalen = 0;
	p->has_data = 0;
	p->event[0] = '\0';
	/* The id persists (it is the stream's last id), as in browsers. */
}

static int
field(struct sse_parser *p, sse_cb cb, void *arg)
{
	char	*l = p->line, *v;
	size_t	 n = p->linelen, vn;

	if (n == 0) {
		dispatch(p, cb, arg);
		return 0;
	}
	if (l[0] == ':')
		return 0;
	l[n] = '\0';
	if ((v = memchr(l, ':', n)) != NULL) {
		*v++ = '\0';
		if (*v == ' ')
			v++;
	} else
		v = l + n;
	vn = strlen(v);
	if (strcmp(l, "data") == 0) {
		if (grow(&p->data, &p->datacap, p->datalen + vn + 2) == -1)
			return -1;
		memcpy(p->data + p->datalen, v, vn);
		p->datalen += vn;
		p->data[p->datalen++] = '\n';
		p->has_data = 1;
	} else if (strcmp(l, "event") == 0) {
		if (vn >= sizeof(p->event))
			vn = sizeof(p->event) - 1;
		memcpy(p->event, v, vn);
		p->event[vn] = '\0';
	} else if (strcmp(l, "id") == 0) {
		if (vn < sizeof(p->id) && strchr(v, '\0') == v + vn)
			memcpy(p->id, v, vn + 1);
	}
	return 0;
}

int
sse_feed(struct sse_parser *p, const char *buf, size_t n, sse_cb cb,
    void *arg)
{
	size_t	 i;
	char	 c;

	if (p->overflow)
		return -1;
	for (i = 0; i < n; i++) {
		c = buf[i];
		if (c == '\n' && p->last_cr) {
			p->last_cr = 0;	/* the LF of a CRLF: the line ended */
			continue;
		}
		p->last_cr = c == '\r';
		if (c == '\r' || c == '\n') {
			if (p->line == NULL &&
			    grow(&p->line, &p->linecap, 1) == -1)
				goto over;
			if (field(p, cb, arg) == -1)
				goto over;
			p->linelen = 0;
			continue;
		}
		if (c == '\0')
			c = ' ';	/* a NUL would cut the JSON short */
		if (grow(&p->line, &p->linecap, p->linelen + 2) == -1)
			goto over;
		p->line[p->linelen++] = c;
	}
	return 0;
over:
	p->overflow = 1;
	return -1;
}
