/*
 * test_crypto.c - tokens, password hashes, access codes, tickets and
 * constant-time comparison.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"

#define SECRET	"0123456789abcdef0123456789abcdef"
#define NOW	1795597200LL

static int
setup(void **state)
{
	(void)state;
	return crypto_init();
}

static void
test_token(void **state)
{
	char	 a[TOKEN_LEN + 1], b[TOKEN_LEN + 1];
	size_t	 i;

	(void)state;
	token_new(a);
	token_new(b);
	assert_int_equal(strlen(a), TOKEN_LEN);
	assert_string_not_equal(a, b);
	for (i = 0; i < TOKEN_LEN; i++)
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789-_", a[i]));
}

static void
test_token_hash(void **state)
{
	unsigned char	 h1[HASH_LEN], h2[HASH_LEN], h3[HASH_LEN];
	/* SHA-256("abc") */
	static const unsigned char abc[HASH_LEN] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
		0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
		0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
		0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};

	(void)state;
	token_hash("abc", h1);
	token_hash("abc", h2);
	token_hash("abd", h3);
	assert_memory_equal(h1, h2, HASH_LEN);
	assert_memory_equal(h1, abc, HASH_LEN);
	assert_memory_not_equal(h1, h3, HASH_LEN);
}

static void
test_hex_random(void **state)
{
	char	 out[2 * 40 + 1];
	size_t	 i;

	(void)state;
	memset(out, 'Z', sizeof(out));
	hex_random(out, 40);
	assert_int_equal(strlen(out), 80);
	for (i = 0; i < 80; i++)
		assert_non_null(strchr("0123456789abcdef", out[i]));
	hex_random(out, 0);
	assert_string_equal(out, "");
}

static void
test_password(void **state)
{
	char	 h[PWHASH_LEN], h2[PWHASH_LEN];

	(void)state;
	assert_int_equal(password_hash("correct horse", h), 0);
	assert_true(strncmp(h, "$argon2id$", 10) == 0);
	assert_int_equal(password_verify(h, "correct horse"), 1);
	assert_int_equal(password_verify(h, "correct horsf"), 0);
	assert_int_equal(password_verify(h, ""), 0);
	assert_int_equal(password_hash("correct horse", h2), 0);
	assert_string_not_equal(h, h2);		/* salted */
	assert_int_equal(password_verify("not a hash", "x"), 0);
	assert_int_equal(password_verify(NULL, "x"), 0);
	assert_int_equal(password_verify(h, NULL), 0);
}

static void
test_code_new(void **state)
{
	char	 c[CODE_LEN + 1], n[CODE_LEN + 1];
	size_t	 i, j;

	(void)state;
	assert_int_equal(strlen(code_alphabet), 31);
	for (i = 0; i < 1000; i++) {
		code_new(c);
		assert_int_equal(strlen(c), CODE_LEN);
		for (j = 0; j < CODE_LEN; j++) {
			assert_non_null(strchr(code_alphabet, c[j]));
			assert_null(strchr("01ILO", c[j]));
		}
		assert_int_equal(code_normalize(c, n), 0);
		assert_string_equal(c, n);
	}
}

static void
test_code_normalize(void **state)
{
	char	 out[CODE_LEN + 1];
	char	 longin[4096];

	(void)state;
	assert_int_equal(code_normalize("ABC234", out), 0);
	assert_string_equal(out, "ABC234");
	assert_int_equal(code_normalize("abc234", out), 0);
	assert_string_equal(out, "ABC234");
	assert_int_equal(code_normalize("abc-234", out), 0);
	assert_string_equal(out, "ABC234");
	assert_int_equal(code_normalize(" a b c 2 3 4 ", out), 0);
	assert_string_equal(out, "ABC234");
	assert_int_equal(code_normalize("--AbC-2-34--", out), 0);
	assert_string_equal(out, "ABC234");

	/* Look-alikes are not in the alphabet. */
	assert_int_equal(code_normalize("ABC230", out), -1);
	assert_int_equal(code_normalize("ABC231", out), -1);
	assert_int_equal(code_normalize("ABCO34", out), -1);
	assert_int_equal(code_normalize("ABCI34", out), -1);
	assert_int_equal(code_normalize("ABCL34", out), -1);
	assert_int_equal(code_normalize("abcl34", out), -1);
	assert_string_equal(out, "");

	/* Length. */
	assert_int_equal(code_normalize("ABC23", out), -1);
	assert_int_equal(code_normalize("ABC2345", out), -1);
	assert_int_equal(code_normalize("", out), -1);
	assert_int_equal(code_normalize("  --  ", out), -1);
	assert_int_equal(code_normalize(NULL, out), -1);
	memset(longin, 'A', sizeof(longin) - 1);
	longin[sizeof(longin) - 1] = '\0';
	assert_int_equal(code_normalize(longin, out), -1);

	/* Other characters. */
	assert_int_equal(code_normalize("ABC23!", out), -1);
	assert_int_equal(code_normalize("ABC23\xc3\xa9", out), -1);
	assert_int_equal(code_normalize("ABC_234", out), -1);
}

/* A ticket from its fields. */
static struct ticket
tk(char kind, long long sub, long long sid, long long bind, long long exp)
{
	struct ticket	 t = { kind, sub, sid, bind, exp };

	return t;
}

/* Check with throw-away output. */
static int
chk(const char *secret, const char *t, long long now)
{
	struct ticket	 out;

	return ticket_check(secret, t, now, &out);
}

static void
test_ticket_ok(void **state)
{
	char		 t[TICKET_MAX];
	struct ticket	 in, out;

	(void)state;
	in = tk('s', 7, 0, 42, NOW + 60);
	assert_int_equal(ticket_make(SECRET, &in, t), 0);
	assert_true(strncmp(t, "s.7.0.42.1795597260.", 20) == 0);
	assert_int_equal(ticket_check(SECRET, t, NOW, &out), 0);
	assert_int_equal(out.kind, 's');
	assert_int_equal(out.subject, 7);
	assert_int_equal(out.session_id, 0);
	assert_int_equal(out.bind, 42);
	assert_int_equal(out.expires, NOW + 60);

	in = tk('k', 3, 12345, 281474976710655LL, NOW + 1);
	assert_int_equal(ticket_make(SECRET, &in, t), 0);
	assert_int_equal(ticket_check(SECRET, t, NOW, &out), 0);
	assert_int_equal(out.kind, 'k');
	assert_int_equal(out.subject, 3);
	assert_int_equal(out.session_id, 12345);
	assert_int_equal(out.bind, 281474976710655LL);
}

static void
test_ticket_poste_bind(void **state)
{
	unsigned char	 h[HASH_LEN];

	(void)state;
	memset(h, 0xff, sizeof(h));
	assert_int_equal(ticket_poste_bind(h), 281474976710655LL);
	memset(h, 0, sizeof(h));
	h[5] = 1;
	assert_int_equal(ticket_poste_bind(h), 1);
	token_hash("a", h);
	assert_true(ticket_poste_bind(h) > 0);
}

static void
test_ticket_expired(void **state)
{
	char		 t[TICKET_MAX];
	struct ticket	 in = tk('s', 7, 0, 1, NOW);

	(void)state;
	assert_int_equal(ticket_make(SECRET, &in, t), 0);
	assert_int_equal(chk(SECRET, t, NOW), -1);
	assert_int_equal(chk(SECRET, t, NOW - 1), 0);
	assert_int_equal(chk(SECRET, t, NOW + 3600), -1);
}

static void
test_ticket_tampered(void **state)
{
	char		 t[TICKET_MAX], u[TICKET_MAX + 8], *mac;
	struct ticket	 in = tk('k', 3, 9, 5, NOW + 60), out;

	(void)state;
	assert_int_equal(ticket_make(SECRET, &in, t), 0);

	/* Another secret: refused, and nothing is filled in. */
	out.kind = 'x';
	assert_int_equal(ticket_check("other", t, NOW, &out), -1);
	assert_int_equal(out.kind, 0);
	assert_int_equal(out.subject, 0);

	/* Each field changed. */
	snprintf(u, sizeof(u), "s%s", t + 1);
	assert_int_equal(chk(SECRET, u, NOW), -1);
	snprintf(u, sizeof(u), "k.4%s", t + 3);
	assert_int_equal(chk(SECRET, u, NOW), -1);
	snprintf(u, sizeof(u), "k.3.8%s", t + 5);
	assert_int_equal(chk(SECRET, u, NOW), -1);
	snprintf(u, sizeof(u), "k.3.9.6%s", t + 7);
	assert_int_equal(chk(SECRET, u, NOW), -1);
	snprintf(u, sizeof(u), "k.3.9.5.1795597261%s", t + 18);
	assert_int_equal(chk(SECRET, u, NOW), -1);
	/* The same number spelt with a leading zero. */
	snprintf(u, sizeof(u), "k.03%s", t + 3);
	assert_int_equal(chk(SECRET, u, NOW), -1);

	/* The MAC changed, cut, extended. */
	snprintf(u, sizeof(u), "%s", t);
	mac = strrchr(u, '.') + 1;
	mac[0] = mac[0] == 'A' ? 'B' : 'A';
	assert_int_equal(chk(SECRET, u, NOW), -1);
	snprintf(u, sizeof(u), "%s", t);
	u[strlen(u) - 1] = '\0';
	assert_int_equal(chk(SECRET, u, NOW), -1);
	snprintf(u, sizeof(u), "%sA", t);
	assert_int_equal(chk(SECRET, u, NOW), -1);
}

static void
test_ticket_garbage(void **state)
{
	static const char *const bad[] = {
		"", ".", "s", "s.", "s.1.2.3.4", "s.1.2.3.4.", "s..2.3.4.abc",
		"s.1..3.4.abc", "s.-1.2.3.4.abc", "s.+1.2.3.4.abc",
		"s. 1.2.3.4.abc", "s.1.2.3.99999999999999999999.abc",
		"x.1.2.3.4.abc", "ss.1.2.3.4.abc", "s.1.2.3.4.5.abc",
		"s.1.2.3.abc",
	};
	char		 t[TICKET_MAX], big[1024];
	struct ticket	 in;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (chk(SECRET, bad[i], NOW) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(chk(SECRET, NULL, NOW), -1);
	memset(big, '1', sizeof(big) - 1);
	big[0] = 's';
	big[1] = '.';
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(chk(SECRET, big, NOW), -1);

	/* Refused at creation. */
	in = tk('x', 1, 2, 0, NOW);
	assert_int_equal(ticket_make(SECRET, &in, t), -1);
	in = tk('s', -1, 2, 0, NOW);
	assert_int_equal(ticket_make(SECRET, &in, t), -1);
	in = tk('s', 1, 2, -1, NOW);
	assert_int_equal(ticket_make(SECRET, &in, t), -1);
	in = tk('s', 1, 2, 0, NOW);
	assert_int_equal(ticket_make("", &in, t), -1);
	assert_int_equal(chk("", "s.1.2.3.4.abc", NOW), -1);
}

static void
test_ticket_wrong_kind(void **state)
{
	char		 t[TICKET_MAX];
	struct ticket	 in = tk('a', 1, 2, 3, NOW + 60);

	(void)state;
	assert_int_equal(ticket_make(SECRET, &in, t), -1);
	in.kind = 'S';
	assert_int_equal(ticket_make(SECRET, &in, t), -1);
	in.kind = 's';
	assert_int_equal(ticket_make(SECRET, &in, t), 0);
	t[0] = 'a';
	assert_int_equal(chk(SECRET, t, NOW), -1);
	t[0] = 'k';
	assert_int_equal(chk(SECRET, t, NOW), -1);
}

static void
test_csrf(void **state)
{
	unsigned char	 h1[HASH_LEN], h2[HASH_LEN];
	char		 a[TOKEN_LEN + 1], b[TOKEN_LEN + 1], c[TOKEN_LEN + 1];

	(void)state;
	token_hash("session-1", h1);
	token_hash("session-2", h2);
	csrf_token(SECRET, h1, a);
	csrf_token(SECRET, h1, b);
	csrf_token(SECRET, h2, c);
	assert_int_equal(strlen(a), TOKEN_LEN);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	csrf_token("other", h1, c);
	assert_string_not_equal(a, c);
}

static void
test_str_equal_ct(void **state)
{
	(void)state;
	assert_int_equal(str_equal_ct("abc", "abc"), 1);
	assert_int_equal(str_equal_ct("", ""), 1);
	assert_int_equal(str_equal_ct("abc", "abd"), 0);
	assert_int_equal(str_equal_ct("abc", "ab"), 0);
	assert_int_equal(str_equal_ct("ab", "abc"), 0);
	assert_int_equal(str_equal_ct("", "a"), 0);
	assert_int_equal(str_equal_ct(NULL, "a"), 0);
	assert_int_equal(str_equal_ct("a", NULL), 0);
	assert_int_equal(str_equal_ct(NULL, NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_token_hash),
		cmocka_unit_test(test_hex_random),
		cmocka_unit_test(test_password),
		cmocka_unit_test(test_code_new),
		cmocka_unit_test(test_code_normalize),
		cmocka_unit_test(test_ticket_ok),
		cmocka_unit_test(test_ticket_poste_bind),
		cmocka_unit_test(test_ticket_expired),
		cmocka_unit_test(test_ticket_tampered),
		cmocka_unit_test(test_ticket_garbage),
		cmocka_unit_test(test_ticket_wrong_kind),
		cmocka_unit_test(test_csrf),
		cmocka_unit_test(test_str_equal_ct),
	};

	return cmocka_run_group_tests_name("crypto", tests, setup, NULL);
}
