/*
 * test_valid.c - the API's input validation: every field is declared, and
 * what is not declared, not typed right or not in range is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "extern.h"

static const char *const colours[] = { "rouge", "vert", NULL };

static const struct vfield fields[] = {
	{ "nom", V_STR, 1, 0, 1, 10, NULL },
	{ "age", V_INT, 0, 0, 0, 150, NULL },
	{ "email", V_EMAIL, 0, 1, 3, 254, NULL },
	{ "couleur", V_ENUM, 0, 0, 0, 0, colours },
	{ "actif", V_BOOL, 0, 0, 0, 0, NULL },
	{ "quand", V_TIME, 0, 0, 0, 40, NULL },
};
#define NF (sizeof(fields) / sizeof(fields[0]))

/*
 * Validate body text against fields; returns the status (0 = valid).
 * Strings in v point into r->in: the caller frees r with done().
 */
static int
run_req(struct req *r, const char *body, struct vval *v)
{
	memset(r, 0, sizeof(*r));
	r->in = json_tokener_parse(body);
	assert_non_null(r->in);
	return valid_json(r, fields, NF, v);
}

static void
done(struct req *r)
{
	json_object_put(r->in);
	json_object_put(r->out);
}

static int
run(const char *body, struct vval *v)
{
	struct req r;
	int st = run_req(&r, body, v);

	done(&r);
	return st;
}

static void
accepts_valid_input(void **state)
{
	struct vval v[NF];
	struct req r;

	(void)state;
	assert_int_equal(run_req(&r, "{\"nom\":\"Léa\",\"age\":30,\"couleur\":\"vert\","
	    "\"actif\":true,\"email\":null,\"quand\":\"2030-01-02T03:04:05Z\"}",
	    v), 0);
	assert_string_equal(v[0].s, "Léa");
	assert_int_equal(v[1].i, 30);
	assert_int_equal(v[3].i, 1);
	assert_int_equal(v[4].i, 1);
	assert_true(v[2].present && v[2].null);
	assert_int_equal(v[5].i, 1893553445);
	done(&r);
}

static void
refuses_bad_input(void **state)
{
	static const char *const bad[] = {
		"{}",					/* nom required */
		"{\"nom\":\"\"}",			/* empty */
		"{\"nom\":\"   \"}",			/* blank */
		"{\"nom\":\"abcdefghijk\"}",		/* 11 chars > 10 */
		"{\"nom\":42}",				/* wrong type */
		"{\"nom\":null}",			/* not nullable */
		"{\"nom\":\"a\\u0001b\"}",		/* control char */
		"{\"nom\":\"a\",\"age\":\"30\"}",	/* string for int */
		"{\"nom\":\"a\",\"age\":151}",		/* out of range */
		"{\"nom\":\"a\",\"age\":-1}",
		"{\"nom\":\"a\",\"age\":1.5}",
		"{\"nom\":\"a\",\"couleur\":\"bleu\"}",	/* not in enum */
		"{\"nom\":\"a\",\"actif\":1}",		/* int for bool */
		"{\"nom\":\"a\",\"email\":\"pas-une-adresse\"}",
		"{\"nom\":\"a\",\"email\":\"a@b\"}",
		"{\"nom\":\"a\",\"quand\":\"2030-02-30T00:00:00Z\"}",
		"{\"nom\":\"a\",\"inconnu\":1}",	/* unknown field */
	};
	struct vval v[NF];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int st = run(bad[i], v);

		if (st != 422)
			fail_msg("accepted or wrong status %d: %s", st, bad[i]);
	}
}

static void
utf8_rules(void **state)
{
	size_t n;

	(void)state;
	assert_true(valid_utf8_text("Élise Ünal 😀", 0, &n));
	assert_int_equal(n, 12);
	assert_false(valid_utf8_text("\xc0\xaf", 0, &n));	/* overlong */
	assert_false(valid_utf8_text("\xed\xa0\x80", 0, &n));	/* surrogate */
	assert_false(valid_utf8_text("\xff", 0, &n));
	assert_false(valid_utf8_text("a\nb", 0, &n));
	assert_true(valid_utf8_text("a\nb", 1, &n));
	assert_false(valid_utf8_text("a\x7f", 1, &n));
	assert_false(valid_utf8_text("\xc2\x85", 1, &n));	/* C1 control */
}

static void
numbers_and_decoding(void **state)
{
	long long x;
	char s1[] = "a%20b+c%3D", s2[] = "%zz", s3[] = "%00", s4[] = "50%25_\\";
	char *like;

	(void)state;
	assert_int_equal(num_parse("42", 0, 100, &x), 0);
	assert_int_equal(x, 42);
	assert_int_equal(num_parse("101", 0, 100, &x), -1);
	assert_int_equal(num_parse(" 1", 0, 100, &x), -1);
	assert_int_equal(num_parse("1x", 0, 100, &x), -1);
	assert_int_equal(num_parse("", 0, 100, &x), -1);
	assert_int_equal(num_parse("99999999999999999999", 0, 100, &x), -1);
	assert_int_equal(url_decode(s1), 0);
	assert_string_equal(s1, "a b c=");
	assert_int_equal(url_decode(s2), -1);
	assert_int_equal(url_decode(s3), -1);
	assert_int_equal(url_decode(s4), 0);
	like = like_prefix(s4);
	assert_string_equal(like, "50\\%\\_\\\\%");
	free(like);
	assert_true(valid_email("marie.dupont@example.org"));
	assert_false(valid_email("@example.org"));
	assert_false(valid_email("a@@example.org"));
	assert_false(valid_email("a b@example.org"));
}

/*
 * An update takes the creation's fields with their limits, none required:
 * what creation refuses as missing it accepts, anything else the same.
 */
static void
update_fields(void **state)
{
	struct vval v[NF];
	struct req r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.in = json_tokener_parse("{\"age\":30}");
	assert_int_equal(valid_json(&r, fields, NF, v), 422);
	assert_int_equal(valid_json_update(&r, fields, NF, v), 0);
	assert_false(v[0].present);
	assert_true(v[1].present);
	assert_int_equal(v[1].i, 30);
	done(&r);
	memset(&r, 0, sizeof(r));
	r.in = json_tokener_parse("{\"nom\":\"\",\"age\":30}");
	assert_int_equal(valid_json_update(&r, fields, NF, v), 422);
	done(&r);
	memset(&r, 0, sizeof(r));
	r.in = json_tokener_parse("{\"age\":151}");
	assert_int_equal(valid_json_update(&r, fields, NF, v), 422);
	done(&r);
	memset(&r, 0, sizeof(r));
	r.in = json_tokener_parse("{\"inconnu\":1}");
	assert_int_equal(valid_json_update(&r, fields, NF, v), 422);
	done(&r);
	/* No body at all is an update that changes nothing. */
	memset(&r, 0, sizeof(r));
	assert_int_equal(valid_json_update(&r, fields, NF, v), 0);
	assert_false(v[0].present || v[1].present);
	done(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_valid_input),
		cmocka_unit_test(refuses_bad_input),
		cmocka_unit_test(utf8_rules),
		cmocka_unit_test(numbers_and_decoding),
		cmocka_unit_test(update_fields),
	};

	return cmocka_run_group_tests_name("valid", tests, NULL, NULL);
}
