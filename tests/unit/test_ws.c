/*
 * test_ws.c - RFC 6455 arithmetic of the pusher (pusher/wsproto.c):
 * SHA-1 and the accept key, the client frame header rules byte by byte,
 * server frame headers, UTF-8 validation and close frames.
 *
 * wsproto.c has no I/O and no dependency on the rest of the pusher, so
 * it is compiled into this test directly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "../../pusher/wsproto.c"

static void
sha1_vectors(void **state)
{
	unsigned char	 d[20];
	static const unsigned char abc[20] = {
		0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81, 0x6a, 0xba, 0x3e,
		0x25, 0x71, 0x78, 0x50, 0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d };
	static const unsigned char two[20] = {	/* 56 bytes: two blocks */
		0x84, 0x98, 0x3e, 0x44, 0x1c, 0x3b, 0xd2, 0x6e, 0xba, 0xae,
		0x4a, 0xa1, 0xf9, 0x51, 0x29, 0xe5, 0xe5, 0x46, 0x70, 0xf1 };
	static const unsigned char empty[20] = {
		0xda, 0x39, 0xa3, 0xee, 0x5e, 0x6b, 0x4b, 0x0d, 0x32, 0x55,
		0xbf, 0xef, 0x95, 0x60, 0x18, 0x90, 0xaf, 0xd8, 0x07, 0x09 };

	(void)state;
	ws_sha1("abc", 3, d);
	assert_memory_equal(d, abc, 20);
	ws_sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, d);
	assert_memory_equal(d, two, 20);
	ws_sha1("", 0, d);
	assert_memory_equal(d, empty, 20);
}

static void
accept_key(void **state)
{
	char	 out[WS_ACCEPT_LEN + 1];

	(void)state;
	assert_int_equal(sodium_init() >= 0, 1);
	/* RFC 6455 section 1.3 */
	assert_int_equal(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out), 0);
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	assert_int_equal(ws_accept_key(NULL, out), -1);
	assert_int_equal(ws_accept_key("c2hvcnQ=", out), -1);
	assert_int_equal(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ=!", out), -1);
	/* 24 chars of base64 decoding to 17 bytes is not a key either */
	assert_int_equal(ws_accept_key("AAAAAAAAAAAAAAAAAAAAAAA=", out), -1);
}

static void
parse_header(void **state)
{
	struct ws_frame	 f;
	unsigned char	 b[16];

	(void)state;
	/* masked text "Hi": complete header needs 6 bytes */
	memcpy(b, "\x81\x82\x01\x02\x03\x04", 6);
	assert_int_equal(ws_parse_header(b, 1, 100, &f), 0);
	assert_int_equal(ws_parse_header(b, 5, 100, &f), 0);
	assert_int_equal(ws_parse_header(b, 6, 100, &f), 1);
	assert_int_equal(f.fin, 1);
	assert_int_equal(f.op, WS_OP_TEXT);
	assert_int_equal(f.len, 2);
	assert_int_equal(f.hlen, 6);
	assert_memory_equal(f.key, "\x01\x02\x03\x04", 4);
	/* unmasked */
	memcpy(b, "\x81\x02", 2);
	assert_int_equal(ws_parse_header(b, 2, 100, &f), -WS_CLOSE_PROTOCOL);
	/* RSV bits */
	memcpy(b, "\xC1\x82", 2);
	assert_int_equal(ws_parse_header(b, 2, 100, &f), -WS_CLOSE_PROTOCOL);
	/* reserved opcodes */
	memcpy(b, "\x83\x80", 2);
	assert_int_equal(ws_parse_header(b, 2, 100, &f), -WS_CLOSE_PROTOCOL);
	memcpy(b, "\x8B\x80", 2);
	assert_int_equal(ws_parse_header(b, 2, 100, &f), -WS_CLOSE_PROTOCOL);
	/* fragmented ping, ping longer than 125 */
	memcpy(b, "\x09\x80", 2);
	assert_int_equal(ws_parse_header(b, 2, 100, &f), -WS_CLOSE_PROTOCOL);
	memcpy(b, "\x89\xFE\x00\x7E", 4);
	assert_int_equal(ws_parse_header(b, 4, 1000, &f), -WS_CLOSE_PROTOCOL);
	/* 16-bit length */
	memcpy(b, "\x01\xFE\x01\x00\x00\x00\x00\x00", 8);
	assert_int_equal(ws_parse_header(b, 8, 1000, &f), 1);
	assert_int_equal(f.fin, 0);
	assert_int_equal(f.len, 256);
	assert_int_equal(f.hlen, 8);
	/* too big, known from the header alone */
	assert_int_equal(ws_parse_header(b, 8, 255, &f), -WS_CLOSE_TOO_BIG);
	/* 64-bit length, MSB set is illegal */
	memcpy(b, "\x82\xFF\x80\x00\x00\x00\x00\x00\x00\x01\0\0\0\0", 14);
	assert_int_equal(ws_parse_header(b, 13, 1000, &f), 0);
	assert_int_equal(ws_parse_header(b, 14, 1000, &f), -WS_CLOSE_PROTOCOL);
	memcpy(b, "\x82\xFF\x00\x00\x00\x01\x00\x00\x00\x00\0\0\0\0", 14);
	assert_int_equal(ws_parse_header(b, 14, 1 << 20, &f), -WS_CLOSE_TOO_BIG);
}

static void
unmask_offsets(void **state)
{
	unsigned char	 p[7] = { 'a' ^ 1, 'b' ^ 2, 'c' ^ 3, 'd' ^ 4, 'e' ^ 1 };
	unsigned char	 key[4] = { 1, 2, 3, 4 };

	(void)state;
	ws_unmask(p, 2, key, 0);
	ws_unmask(p + 2, 3, key, 2);
	assert_memory_equal(p, "abcde", 5);
}

static void
frame_header(void **state)
{
	unsigned char	 h[WS_HDR_MAX];

	(void)state;
	assert_int_equal(ws_frame_header(h, WS_OP_TEXT, 5), 2);
	assert_memory_equal(h, "\x81\x05", 2);
	assert_int_equal(ws_frame_header(h, WS_OP_TEXT, 126), 4);
	assert_memory_equal(h, "\x81\x7E\x00\x7E", 4);
	assert_int_equal(ws_frame_header(h, WS_OP_BINARY, 65536), 10);
	assert_memory_equal(h, "\x82\x7F\x00\x00\x00\x00\x00\x01\x00\x00", 10);
}

static void
utf8(void **state)
{
	(void)state;
#define U(s, ok) assert_int_equal(ws_utf8_valid((const unsigned char *)(s), \
	sizeof(s) - 1), ok)
	U("", 1);
	U("plain ascii", 1);
	U("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 1);
	U("\xc3", 0);			/* truncated */
	U("\xc3\x28", 0);		/* bad continuation */
	U("\xc0\xaf", 0);		/* overlong */
	U("\xe0\x80\xaf", 0);		/* overlong */
	U("\xed\xa0\x80", 0);		/* surrogate */
	U("\xf4\x90\x80\x80", 0);	/* above U+10FFFF */
	U("\xff", 0);
	U("\xef\xbf\xbf", 1);		/* U+FFFF is valid UTF-8 */
#undef U
}

static void
close_frames(void **state)
{
	unsigned char	 out[4 + 123];
	char		 lng[200];

	(void)state;
	assert_int_equal(ws_close_code_valid(1000), 1);
	assert_int_equal(ws_close_code_valid(1005), 0);
	assert_int_equal(ws_close_code_valid(1006), 0);
	assert_int_equal(ws_close_code_valid(999), 0);
	assert_int_equal(ws_close_code_valid(3000), 1);
	assert_int_equal(ws_close_code_valid(5000), 0);
	assert_int_equal(ws_close_frame(out, 1009, "big"), 7);
	assert_memory_equal(out, "\x88\x05\x03\xF1" "big", 7);
	memset(lng, 'x', sizeof(lng) - 1);
	lng[sizeof(lng) - 1] = '\0';
	assert_int_equal(ws_close_frame(out, 1000, lng), 127);
	assert_int_equal(out[1], 125);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sha1_vectors),
		cmocka_unit_test(accept_key),
		cmocka_unit_test(parse_header),
		cmocka_unit_test(unmask_offsets),
		cmocka_unit_test(frame_header),
		cmocka_unit_test(utf8),
		cmocka_unit_test(close_frames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
