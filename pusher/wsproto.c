/*
 * wsproto.c - RFC 6455 framing and handshake arithmetic, without I/O.
 *
 * Kept apart from ws.c so that every rule a client frame must follow can
 * be unit tested byte by byte (tests/unit/test_ws.c). The parser looks
 * at a header only: payloads are unmasked in place by the caller, which
 * knows how much it has buffered. SHA-1 lives here because the handshake
 * is its only use and libsodium does not provide it (RFC 3174).
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "extern.h"

#define ROL(x, n)	(((x) << (n)) | ((x) >> (32 - (n))))

static void
sha1_block(uint32_t h[5], const unsigned char *p)
{
	uint32_t	 w[80], a, b, c, d, e, f, k, t;
	int		 i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (; i < 80; i++)
		w[i] = ROL(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = h[0]; b = h[1]; c = h[2]; d = h[3]; e = h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5A827999;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ED9EBA1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8F1BBCDC;
		} else {
			f = b ^ c ^ d;
			k = 0xCA62C1D6;
		}
		t = ROL(a, 5) + f + e + k + w[i];
		e = d; d = c; c = ROL(b, 30); b = a; a = t;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
}

void
ws_sha1(const void *data, size_t len, unsigned char out[20])
{
	uint32_t		 h[5] = { 0x67452301, 0xEFCDAB89, 0x98BADCFE,
				    0x10325476, 0xC3D2E1F0 };
	const unsigned char	*p = data;
	unsigned char		 blk[64];
	uint64_t		 bits = (uint64_t)len * 8;
	size_t			 i, rest;

	for (; len >= 64; p += 64, len -= 64)
		sha1_block(h, p);
	rest = len;
	memset(blk, 0, sizeof(blk));
	memcpy(blk, p, rest);
	blk[rest] = 0x80;
	if (rest >= 56) {
		sha1_block(h, blk);
		memset(blk, 0, sizeof(blk));
	}
	for (i = 0; i < 8; i++)
		blk[63 - i] = (unsigned char)(bits >> (8 * i));
	sha1_block(h, blk);
	for (i = 0; i < 5; i++) {
		out[4 * i] = (unsigned char)(h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(h[i] >> 8);
		out[4 * i + 3] = (unsigned char)h[i];
	}
}

int
ws_accept_key(const char *key, char out[WS_ACCEPT_LEN + 1])
{
	static const char	 guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	unsigned char		 raw[32], dig[20];
	char			 buf[24 + sizeof(guid)];
	size_t			 rawlen;
	const char		*end;

	if (key == NULL || strlen(key) != 24)
		return -1;
	if (sodium_base642bin(raw, sizeof(raw), key, 24, NULL, &rawlen,
	    &end, sodium_base64_VARIANT_ORIGINAL) != 0 || rawlen != 16 ||
	    *end != '\0')
		return -1;
	memcpy(buf, key, 24);
	memcpy(buf + 24, guid, sizeof(guid) - 1);
	ws_sha1(buf, 24 + sizeof(guid) - 1, dig);
	sodium_bin2base64(out, WS_ACCEPT_LEN + 1, dig, sizeof(dig),
	    sodium_base64_VARIANT_ORIGINAL);
	return 0;
}

int
ws_parse_header(const unsigned char *buf, size_t len, size_t max,
    struct ws_frame *f)
{
	size_t		 need = 2, i;
	uint64_t	 plen;
	int		 op;

	if (len < 2)
		return 0;
	if (buf[0] & 0x70)
		return -WS_CLOSE_PROTOCOL;	/* RSV without extension */
	op = buf[0] & 0x0f;
	switch (op) {
	case WS_OP_CONT: case WS_OP_TEXT: case WS_OP_BINARY:
	case WS_OP_CLOSE: case WS_OP_PING: case WS_OP_PONG:
		break;
	default:
		return -WS_CLOSE_PROTOCOL;
	}
	if (!(buf[1] & 0x80))
		return -WS_CLOSE_PROTOCOL;	/* clients must mask */
	plen = buf[1] & 0x7f;
	if (op & 0x8) {
		if (!(buf[0] & 0x80) || plen > 125)
			return -WS_CLOSE_PROTOCOL;
	}
	if (plen == 126)
		need += 2;
	else if (plen == 127)
		need += 8;
	need += 4;
	if (len < need)
		return 0;
	if (plen == 126)
		plen = (uint64_t)buf[2] << 8 | buf[3];
	else if (plen == 127) {
		if (buf[2] & 0x80)
			return -WS_CLOSE_PROTOCOL;
		for (plen = 0, i = 2; i < 10; i++)
			plen = plen << 8 | buf[i];
	}
	if (plen > max)
		return -WS_CLOSE_TOO_BIG;
	f->fin = (buf[0] & 0x80) != 0;
	f->op = op;
	f->len = plen;
	f->hlen = need;
	memcpy(f->key, buf + need - 4, 4);
	return 1;
}

void
ws_unmask(unsigned char *p, size_t len, const unsigned char key[4],
    uint64_t off)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		p[i] ^= key[(off + i) & 3];
}

size_t
ws_frame_header(unsigned char hdr[WS_HDR_MAX], int op, uint64_t len)
{
	int	 i;

	hdr[0] = (unsigned char)(0x80 | (op & 0x0f));
	if (len < 126) {
		hdr[1] = (unsigned char)len;
		return 2;
	}
	if (len <= 0xffff) {
		hdr[1] = 126;
		hdr[2] = (unsigned char)(len >> 8);
		hdr[3] = (unsigned char)len;
		return 4;
	}
	hdr[1] = 127;
	for (i = 0; i < 8; i++)
		hdr[2 + i] = (unsigned char)(len >> (8 * (7 - i)));
	return 10;
}

int
ws_utf8_valid(const unsigned char *s, size_t len)
{
	size_t		 i = 0, n, k;
	uint32_t	 cp;
	unsigned char	 c;

	while (i < len) {
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else
			return 0;
		if (len - i - 1 < n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

int
ws_close_code_valid(unsigned int code)
{
	if (code >= 3000 && code <= 4999)
		return 1;
	switch (code) {
	case 1000: case 1001: case 1002: case 1003: case 1007:
	case 1008: case 1009: case 1010: case 1011:
		return 1;
	default:
		return 0;
	}
}

size_t
ws_close_frame(unsigned char *out, unsigned int code, const char *reason)
{
	size_t	 rlen = reason == NULL ? 0 : strlen(reason);

	if (rlen > 123)
		rlen = 123;
	out[0] = 0x80 | WS_OP_CLOSE;
	out[1] = (unsigned char)(2 + rlen);
	out[2] = (unsigned char)(code >> 8);
	out[3] = (unsigned char)code;
	if (rlen > 0)
		memcpy(out + 4, reason, rlen);
	return 4 + rlen;
}

/*
 * The receiving side of one connection: bytes in, frames and complete
 * messages out through ops. Incomplete frames are buffered (only
 * those: an idle peer holds no buffer); fragmented messages are
 * reassembled up to rx->max. Every frame, data, continuation or
 * control, goes through ops->on_frame first, so the caller can count and
 * refuse any of them. After a failure or the peer's close nothing more
 * is parsed.
 */
static void
rx_fail(struct ws_rx *rx, const struct ws_rx_ops *ops, void *arg, int code,
    const char *why)
{
	rx->done = 1;
	ops->on_fail(arg, code, why);
}

static void
rx_message(struct ws_rx *rx, const struct ws_rx_ops *ops, void *arg, int op,
    unsigned char *p, size_t len)
{
	if (op == WS_OP_BINARY) {
		rx_fail(rx, ops, arg, WS_CLOSE_UNSUPPORTED,
		    "binary messages unsupported");
		return;
	}
	if (!ws_utf8_valid(p, len)) {
		rx_fail(rx, ops, arg, WS_CLOSE_BAD_DATA, "invalid UTF-8");
		return;
	}
	ops->on_message(arg, p, len);
}

static void
rx_control(struct ws_rx *rx, const struct ws_rx_ops *ops, void *arg,
    const struct ws_frame *f, unsigned char *p)
{
	unsigned int	 code = WS_CLOSE_NORMAL;

	if (f->op == WS_OP_PING) {
		ops->on_ping(arg, p, (size_t)f->len);
		return;
	}
	if (f->op == WS_OP_PONG)
		return;
	if (f->len == 1) {
		rx_fail(rx, ops, arg, WS_CLOSE_PROTOCOL, "bad close frame");
		return;
	}
	if (f->len >= 2) {
		code = (unsigned int)p[0] << 8 | p[1];
		if (!ws_close_code_valid(code)) {
			rx_fail(rx, ops, arg, WS_CLOSE_PROTOCOL,
			    "bad close code");
			return;
		}
		if (!ws_utf8_valid(p + 2, (size_t)f->len - 2)) {
			rx_fail(rx, ops, arg, WS_CLOSE_BAD_DATA,
			    "bad close reason");
			return;
		}
	}
	rx->done = 1;
	ops->on_close(arg, code);
}

/* One complete frame, payload unmasked at p (p[len] is writable). */
static void
rx_frame(struct ws_rx *rx, const struct ws_rx_ops *ops, void *arg,
    const struct ws_frame *f, unsigned char *p)
{
	unsigned char	*nf;

	if (f->op & 0x8) {
		rx_control(rx, ops, arg, f, p);
		return;
	}
	if (f->op == WS_OP_CONT) {
		if (!rx->in_frag) {
			rx_fail(rx, ops, arg, WS_CLOSE_PROTOCOL,
			    "unexpected continuation");
			return;
		}
		if (rx->fraglen + f->len > rx->max) {
			rx_fail(rx, ops, arg, WS_CLOSE_TOO_BIG,
			    "message too big");
			return;
		}
		if ((nf = realloc(rx->frag, rx->fraglen + (size_t)f->len + 1))
		    == NULL) {
			rx_fail(rx, ops, arg, WS_CLOSE_INTERNAL,
			    "out of memory");
			return;
		}
		rx->frag = nf;
		if (f->len > 0)
			memcpy(rx->frag + rx->fraglen, p, (size_t)f->len);
		rx->fraglen += (size_t)f->len;
		if (f->fin) {
			rx->in_frag = 0;
			rx->frag[rx->fraglen] = '\0';
			rx_message(rx, ops, arg, rx->fragop, rx->frag,
			    rx->fraglen);
			free(rx->frag);
			rx->frag = NULL;
			rx->fraglen = 0;
		}
		return;
	}
	if (rx->in_frag) {
		rx_fail(rx, ops, arg, WS_CLOSE_PROTOCOL,
		    "new message inside a fragmented one");
		return;
	}
	if (f->fin) {
		rx_message(rx, ops, arg, f->op, p, (size_t)f->len);
		return;
	}
	if ((rx->frag = malloc((size_t)f->len + 1)) == NULL) {
		rx_fail(rx, ops, arg, WS_CLOSE_INTERNAL, "out of memory");
		return;
	}
	if (f->len > 0)
		memcpy(rx->frag, p, (size_t)f->len);
	rx->fraglen = (size_t)f->len;
	rx->fragop = f->op;
	rx->in_frag = 1;
}

/* Append to the incomplete-frame buffer, one byte spare. 0 or -1. */
static int
rx_append(struct ws_rx *rx, const unsigned char *p, size_t n)
{
	unsigned char	*nb;
	size_t		 cap;

	if (rx->inlen + n + 1 > rx->incap) {
		cap = rx->incap == 0 ? 512 : rx->incap;
		while (cap < rx->inlen + n + 1)
			cap *= 2;
		if ((nb = realloc(rx->in, cap)) == NULL)
			return -1;
		rx->in = nb;
		rx->incap = cap;
	}
	memcpy(rx->in + rx->inlen, p, n);
	rx->inlen += n;
	return 0;
}

void
ws_rx_feed(struct ws_rx *rx, const void *data, size_t n,
    const struct ws_rx_ops *ops, void *arg)
{
	struct ws_frame	 f;
	unsigned char	*p, save;
	size_t		 off = 0;
	int		 r;

	if (rx->done || n == 0)
		return;
	if (rx_append(rx, data, n) == -1) {
		rx_fail(rx, ops, arg, WS_CLOSE_INTERNAL, "out of memory");
		return;
	}
	while (!rx->done) {
		r = ws_parse_header(rx->in + off, rx->inlen - off, rx->max, &f);
		if (r == 0)
			break;
		if (r < 0) {
			rx_fail(rx, ops, arg, -r, r == -WS_CLOSE_TOO_BIG ?
			    "frame too big" : "protocol error");
			break;
		}
		if (rx->inlen - off < f.hlen + f.len)
			break;
		if (ops->on_frame(arg, &f) != 0) {
			rx->done = 1;
			break;
		}
		p = rx->in + off + f.hlen;
		ws_unmask(p, (size_t)f.len, f.key, 0);
		/* NUL after the payload for text handlers; restored after. */
		save = p[f.len];
		p[f.len] = '\0';
		rx_frame(rx, ops, arg, &f, p);
		p[f.len] = save;
		off += f.hlen + (size_t)f.len;
	}
	if (rx->done)
		off = rx->inlen;
	memmove(rx->in, rx->in + off, rx->inlen - off);
	rx->inlen -= off;
	if (rx->inlen == 0) {
		free(rx->in);
		rx->in = NULL;
		rx->incap = 0;
	}
}

void
ws_rx_free(struct ws_rx *rx)
{
	free(rx->in);
	free(rx->frag);
	rx->in = rx->frag = NULL;
	rx->inlen = rx->incap = rx->fraglen = 0;
}
