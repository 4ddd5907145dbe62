/*
 * test_admin_html.c - the admin pages' HTML builder (fcgi-api/admin/html_out.c):
 * text and attribute values are escaped for every special character of
 * HTML, markup passes as it is, the buffer grows, and a page whose
 * building failed is refused whole.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "extern.h"

/* The page built so far, taken from hb (which is reset). */
static char *
take(struct hbuf *hb)
{
	size_t len;
	char *p = hb_take(hb, &len);

	assert_non_null(p);
	assert_int_equal(len, strlen(p));
	return p;
}

static void
expect_text(const char *in, const char *want)
{
	struct hbuf hb = { 0 };
	char *p;

	hb_text(&hb, in);
	p = take(&hb);
	assert_string_equal(p, want);
	free(p);
}

static void
test_text_each_special(void **state)
{
	(void)state;
	expect_text("&", "&amp;");
	expect_text("<", "&lt;");
	expect_text(">", "&gt;");
	expect_text("\"", "&quot;");
	expect_text("'", "&#39;");
	expect_text("<script>alert(1)</script>",
	    "&lt;script&gt;alert(1)&lt;/script&gt;");
	expect_text("a&b<c>d\"e'f", "a&amp;b&lt;c&gt;d&quot;e&#39;f");
	/* Already escaped text is escaped again, never trusted. */
	expect_text("&lt;", "&amp;lt;");
	/* Other bytes pass: UTF-8, newlines. */
	expect_text("Élodie\nçà", "Élodie\nçà");
	expect_text("", "");
}

static void
test_text_null(void **state)
{
	struct hbuf hb = { 0 };
	char *p;

	(void)state;
	hb_raw(&hb, "<p>");
	hb_text(&hb, NULL);
	hb_raw(&hb, "</p>");
	p = take(&hb);
	assert_string_equal(p, "<p></p>");
	free(p);
}

static void
test_attr_every_special(void **state)
{
	struct hbuf hb = { 0 };
	char *p;

	(void)state;
	hb_raw(&hb, "<input");
	hb_attr(&hb, "value", "\" onfocus='alert(1)' x=\"<&>");
	hb_raw(&hb, ">");
	p = take(&hb);
	assert_string_equal(p, "<input value=\"&quot; onfocus=&#39;alert(1)"
	    "&#39; x=&quot;&lt;&amp;&gt;\">");
	/* Nothing but the delimiting quotes can close the attribute. */
	assert_null(strchr(strchr(p, '"') + 1, '\''));
	free(p);
}

static void
test_every_byte(void **state)
{
	struct hbuf hb = { 0 };
	char in[256], *p, *q;
	int i;

	(void)state;
	for (i = 1; i < 256; i++)
		in[i - 1] = (char)i;
	in[255] = '\0';
	hb_text(&hb, in);
	p = take(&hb);
	/* No special character survives outside an entity. */
	for (q = p; *q != '\0'; q++) {
		assert_true(*q != '<' && *q != '>' && *q != '"' && *q != '\'');
		if (*q == '&')
			assert_true(strncmp(q, "&amp;", 5) == 0 ||
			    strncmp(q, "&lt;", 4) == 0 ||
			    strncmp(q, "&gt;", 4) == 0 ||
			    strncmp(q, "&quot;", 6) == 0 ||
			    strncmp(q, "&#39;", 5) == 0);
	}
	free(p);
}

static void
test_raw_and_int(void **state)
{
	struct hbuf hb = { 0 };
	char *p;

	(void)state;
	hb_raw(&hb, "<td>");
	hb_int(&hb, -42);
	hb_raw(&hb, "</td><td>");
	hb_int(&hb, 9007199254740993LL);
	hb_raw(&hb, "</td>");
	p = take(&hb);
	assert_string_equal(p, "<td>-42</td><td>9007199254740993</td>");
	free(p);
}

static void
test_growth(void **state)
{
	struct hbuf hb = { 0 };
	char *p;
	size_t i;

	(void)state;
	for (i = 0; i < 10000; i++)
		hb_text(&hb, "<>");
	p = take(&hb);
	assert_int_equal(strlen(p), 10000 * strlen("&lt;&gt;"));
	for (i = 0; i < 10000; i++)
		assert_memory_equal(p + i * 8, "&lt;&gt;", 8);
	free(p);
}

static void
test_failed_page_refused(void **state)
{
	struct hbuf hb = { 0 };
	size_t len = 1;

	(void)state;
	hb_raw(&hb, "<p>half a page");
	hb.err = 1;	/* as after a failed allocation */
	hb_text(&hb, "more");
	assert_null(hb_take(&hb, &len));
	assert_int_equal(len, 0);
	assert_null(hb.buf);
	hb_free(&hb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_each_special),
		cmocka_unit_test(test_text_null),
		cmocka_unit_test(test_attr_every_special),
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_raw_and_int),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_failed_page_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
