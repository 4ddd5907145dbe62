/*
 * test_html.c - the HTML escaping writer: every special character,
 * edge inputs, and html_escaped_len agreeing with html_escape.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "html.h"

static void
check(const char *in, const char *want)
{
	char	*out;

	out = html_escape(in);
	assert_non_null(out);
	assert_string_equal(out, want);
	assert_int_equal(html_escaped_len(in), strlen(want));
	free(out);
}

static void
test_each_special(void **state)
{
	(void)state;
	check("&", "&amp;");
	check("<", "&lt;");
	check(">", "&gt;");
	check("\"", "&quot;");
	check("'", "&#39;");
}

static void
test_all_specials(void **state)
{
	(void)state;
	check("<a href=\"x\" title='y'>&amp;</a>",
	    "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
	check("<<>>", "&lt;&lt;&gt;&gt;");
	check("<script>alert(1)</script>",
	    "&lt;script&gt;alert(1)&lt;/script&gt;");
}

static void
test_empty_and_null(void **state)
{
	(void)state;
	check("", "");
	check(NULL, "");
	assert_int_equal(html_escaped_len(NULL), 0);
}

static void
test_plain(void **state)
{
	(void)state;
	check("Bonjour tout le monde 123", "Bonjour tout le monde 123");
	check("a\nb\tc", "a\nb\tc");
}

static void
test_utf8(void **state)
{
	(void)state;
	check("Zoé à l'école €", "Zoé à l&#39;école €");
	check("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");
}

static void
test_every_byte(void **state)
{
	char	 in[256], *out;
	size_t	 i, n = 0;

	(void)state;
	for (i = 1; i < 256; i++)
		in[n++] = (char)i;
	in[n] = '\0';
	out = html_escape(in);
	assert_non_null(out);
	assert_int_equal(strlen(out), html_escaped_len(in));
	assert_null(strchr(out, '<'));
	assert_null(strchr(out, '>'));
	assert_null(strchr(out, '"'));
	assert_null(strchr(out, '\''));
	/* 255 bytes, 5 replaced by entities of 5+4+4+6+5 bytes. */
	assert_int_equal(strlen(out), 250 + 24);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_special),
		cmocka_unit_test(test_all_specials),
		cmocka_unit_test(test_empty_and_null),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_every_byte),
	};

	return cmocka_run_group_tests_name("html", tests, NULL, NULL);
}
