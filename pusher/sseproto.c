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
