/*
 * fuzz_sse_query.c - libFuzzer target for what the pusher parses from
 * an HTTP request line and headers before anyone is authenticated:
 * the channel path and ?channels= (chan_split, ev_chan_parse), ?since=,
 * ?last_event_id= and Last-Event-ID (sse_parse_id), the Connection and
 * Upgrade token lists (http_has_token) and the Sec-WebSocket-Key
 * (ws_accept_key). Also sse_record, which frames any data as one SSE
 * record: its output must be a single record whatever the input.
 *
 * The input is split on NUL bytes into: path, channels value, id
 * value, header value, key.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ev.h"
#include "extern.h"

struct popts		 popts;
const struct config	*pcfg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_record(const char *d, size_t len)
{
	size_t	 olen, i, blank = 0;
	char	*r;

	if ((r = sse_record(42, "session_started", d, len, &olen)) == NULL)
		return;
	assert(strlen(r) == olen || memchr(d, '\0', len) != NULL);
	assert(olen >= 2 && r[olen - 1] == '\n' && r[olen - 2] == '\n');
	/* Exactly one blank line (the end), every other line a field. */
	for (i = 0; i + 1 < olen; i++)
		if (r[i] == '\n' && r[i + 1] == '\n')
			blank++;
	assert(blank == 1);
	assert(memchr(r, '\r', olen) == NULL);
	free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*copy, *part[5], *names[SUB_CHAN_MAX], buf[512];
	char		 acc[WS_ACCEPT_LEN + 1];
	size_t		 i, k = 0;
	long long	 id, sid;
	unsigned int	 mask;
	int		 n;

	if (sodium_init() < 0)
		return 0;
	if ((copy = malloc(size + 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (i = 0; i < 5; i++)
		part[i] = copy + size;	/* "" */
	part[k++] = copy;
	for (i = 0; i < size && k < 5; i++)
		if (copy[i] == '\0')
			part[k++] = copy + i + 1;

	n = chan_split(part[0], part[1], buf, sizeof(buf), names,
	    SUB_CHAN_MAX);
	assert(n == -1 || (n >= 1 && n <= SUB_CHAN_MAX));
	for (i = 0; n > 0 && i < (size_t)n; i++) {
		assert(names[i] >= buf && names[i] < buf + sizeof(buf));
		assert(ev_chan_parse(names[i], &mask, &sid) == 0);
		assert(mask != EV_CH_SESSION || sid > 0);
		assert(strchr(names[i], ',') == NULL);
	}
	if (sse_parse_id(part[2], &id) == 0)
		assert(id >= 0 && id <= 9007199254740992LL);
	(void)http_has_token(part[3], "upgrade");
	(void)http_has_token(part[3], "websocket");
	if (ws_accept_key(part[4], acc) == 0)
		assert(strlen(acc) == WS_ACCEPT_LEN);
	check_record((const char *)data, size);
	free(copy);
	return 0;
}
