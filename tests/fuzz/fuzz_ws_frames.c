/*
 * fuzz_ws_frames.c - libFuzzer target for the WebSocket receiving side
 * (pusher/wsproto.c: ws_rx_feed, ws_parse_header, ws_unmask, UTF-8 and
 * close-frame checks, fragment reassembly).
 *
 * The input is cut into pieces at arbitrary points (the first byte
 * picks the piece size), as TCP would deliver it, and fed to one
 * connection's ws_rx. The callbacks check what the pusher relies on:
 * a message is valid UTF-8 and NUL-terminated, a ping payload is at most
 * 125 bytes, a close code is one a peer may send, and nothing comes
 * after a failure or a close. The frame limit is small (256) so that
 * the size checks are reached.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

/* The pusher's globals wsproto.c may reach (none today). */
struct popts		 popts;
const struct config	*pcfg;

struct state {
	int	 over;
	size_t	 frames;
};

static int
on_frame(void *arg, const struct ws_frame *f)
{
	struct state	*st = arg;

	assert(!st->over);
	assert(f->len <= 256);
	assert(f->hlen >= 6 && f->hlen <= WS_HDR_MAX);
	/* Refuse after many frames, as the rate limit does. */
	return ++st->frames > 1000;
}

static void
on_message(void *arg, const unsigned char *p, size_t len)
{
	struct state	*st = arg;

	assert(!st->over);
	assert(len <= 256);
	assert(p[len] == '\0');
	assert(ws_utf8_valid(p, len));
}

static void
on_ping(void *arg, const unsigned char *p, size_t len)
{
	struct state	*st = arg;
	unsigned char	 hdr[WS_HDR_MAX + 125];
	size_t		 hl;

	assert(!st->over);
	assert(len <= 125);
	hl = ws_frame_header(hdr, WS_OP_PONG, len);
	memcpy(hdr + hl, p, len);	/* what ws.c does with it */
}

static void
on_close(void *arg, unsigned int code)
{
	struct state	*st = arg;

	assert(!st->over);
	assert(ws_close_code_valid(code));
	st->over = 1;
}

static void
on_fail(void *arg, int code, const char *why)
{
	struct state	*st = arg;
	unsigned char	 out[4 + 123];

	assert(!st->over);
	assert(code >= 1000 && code <= 1011);
	assert(why != NULL);
	assert(ws_close_frame(out, (unsigned int)code, why) <= sizeof(out));
	st->over = 1;
}

static const struct ws_rx_ops ops = {
	on_frame, on_message, on_ping, on_close, on_fail,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_rx	 rx;
	struct state	 st;
	size_t		 piece, off, n;

	memset(&rx, 0, sizeof(rx));
	memset(&st, 0, sizeof(st));
	rx.max = 256;
	if (size == 0)
		return 0;
	piece = (size_t)data[0] % 64 + 1;
	for (off = 1; off < size; off += n) {
		n = size - off < piece ? size - off : piece;
		ws_rx_feed(&rx, data + off, n, &ops, &st);
		if (rx.done)
			assert(rx.in == NULL && rx.inlen == 0);
	}
	ws_rx_free(&rx);
	return 0;
}
