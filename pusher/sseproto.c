/*
 * sseproto.c - text/event-stream framing, without I/O.
 *
 * As nchan's eventsource subscriber does it: the payload is split on
 * line ends and each line gets its own "data: " prefix, so a payload
 * can never end a record early or forge an "id:" line; "id:" is written
 * only for outbox events, so the browser's Last-Event-ID always names
 * an event that can be resumed from.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ev.h"
#include "extern.h"

#define SSE_ID_MAX	9007199254740992LL	/* 2^53: JSON-safe */

char *
sse_record(long long id, const char *type, const char *data, size_t len,
    size_t *outlen)
{
	size_t		 lines = 1, i, cap, o = 0;
	char		*out;
	int		 n;

	for (i = 0; i < len; i++)
		if (data[i] == '\n' || (data[i] == '\r' &&
		    (i + 1 == len || data[i + 1] != '\n')))
			lines++;
	cap = 64 + (type != NULL ? strlen(type) : 0) + len + lines * 7;
	if ((out = malloc(cap)) == NULL)
		return NULL;
	if (id > 0) {
		n = snprintf(out, cap, "id: %lld\n", id);
		o += (size_t)n;
	}
	if (type != NULL && *type != '\0') {
		/* Type names are ours ([a-z_]), but never trust a newline. */
		memcpy(out + o, "event: ", 7);
		o += 7;
		for (; *type != '\0'; type++)
			if (*type != '\n' && *type != '\r')
				out[o++] = *type;
		out[o++] = '\n';
	}
	memcpy(out + o, "data: ", 6);
	o += 6;
	for (i = 0; i < len; i++) {
		if (data[i] == '\r' || data[i] == '\n') {
			if (data[i] == '\r' && i + 1 < len &&
			    data[i + 1] == '\n')
				i++;
			memcpy(out + o, "\ndata: ", 7);
			o += 7;
			continue;
		}
		out[o++] = data[i];
	}
	out[o++] = '\n';
	out[o++] = '\n';
	out[o] = '\0';
	*outlen = o;
	return out;
}

int
sse_parse_id(const char *s, long long *id)
{
	char		*end;
	long long	 v;

	if (s == NULL || *s < '0' || *s > '9' || strlen(s) > 16)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v > SSE_ID_MAX)
		return -1;
	*id = v;
	return 0;
}

int
chan_split(const char *path, const char *multi, char *buf, size_t bufsz,
    char **names, size_t max)
{
	const char	*src;
	char		*p, *tok, *save;
	size_t		 len, n = 0;
	unsigned int	 mask;
	long long	 sid;

	if (path == NULL)
		return -1;
	len = strlen(path);
	if (len > 0 && path[len - 1] == '/')
		len--;
	if (len == 5 && strncmp(path, "multi", 5) == 0) {
		src = multi;
		if (src == NULL || (len = strlen(src)) == 0)
			return -1;
	} else
		src = path;
	if (len == 0 || len >= bufsz)
		return -1;
	memcpy(buf, src, len);
	buf[len] = '\0';
	for (p = buf; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL) {
		if (n == max || ev_chan_parse(tok, &mask, &sid) == -1)
			return -1;
		names[n++] = tok;
	}
	return n == 0 ? -1 : (int)n;
}

int
http_has_token(const char *v, const char *token)
{
	size_t	 tl = strlen(token), n;

	while (v != NULL && *v != '\0') {
		v += strspn(v, " \t,");
		n = strcspn(v, " \t,");
		if (n == tl && strncasecmp(v, token, tl) == 0)
			return 1;
		v += n;
	}
	return 0;
}
