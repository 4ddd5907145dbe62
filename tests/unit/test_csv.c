/*
 * test_csv.c - the CSV writer (fcgi-api/csv.c): BOM, ';' separators,
 * CRLF, quoted text with doubled quotes, decimal comma, empty NULLs, a
 * spreadsheet formula defused, and a file name outside [a-z0-9_.-]
 * refused (it goes into a header).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "extern.h"

static struct json_object *
row(const char *nom, long long n, double h, int null_last)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "nom", json_object_new_string(nom));
	json_object_object_add(o, "n", json_object_new_int64(n));
	json_object_object_add(o, "h", json_object_new_double(h));
	json_object_object_add(o, "x", null_last ? NULL :
	    json_object_new_boolean(1));
	return o;
}

static void
writes_french_excel_csv(void **state)
{
	static const char *const cols[] = { "nom", "n", "h", "x", NULL };
	static const char *const heads[] = { "Nom", "Nombre", "Heures", "X", NULL };
	struct req r;
	struct json_object *rows = json_object_new_array();
	const char *want =
	    "\xef\xbb\xbf\"Nom\";\"Nombre\";\"Heures\";\"X\"\r\n"
	    "\"Poste \"\"A\"\"; salle 2\";3;0,75;1\r\n"
	    "\"'=HYPERLINK(1)\";-1;12,50;\r\n"
	    "\"'-2+3\";0;0,00;\r\n"
	    "\"Élodie\nligne 2\";42;1234,57;1\r\n";

	(void)state;
	memset(&r, 0, sizeof(r));
	json_object_array_add(rows, row("Poste \"A\"; salle 2", 3, 0.75, 0));
	json_object_array_add(rows, row("=HYPERLINK(1)", -1, 12.5, 1));
	json_object_array_add(rows, row("-2+3", 0, 0, 1));
	json_object_array_add(rows, row("Élodie\nligne 2", 42, 1234.567, 0));
	assert_int_equal(csv_rows(&r, rows, cols, heads, "stats-postes.csv"), 200);
	assert_non_null(r.csv);
	assert_int_equal(r.csvlen, strlen(want));
	assert_memory_equal(r.csv, want, r.csvlen);
	assert_string_equal(r.filename, "stats-postes.csv");
	free(r.csv);
	json_object_put(rows);
}

static void
refuses_a_bad_file_name(void **state)
{
	static const char *const cols[] = { "nom", NULL };
	static const char *const heads[] = { "Nom", NULL };
	struct req r;
	struct json_object *rows = json_object_new_array();

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(csv_rows(&r, rows, cols, heads, "a\"b.csv"), 500);
	assert_null(r.csv);
	json_object_put(r.out);
	memset(&r, 0, sizeof(r));
	assert_int_equal(csv_rows(&r, rows, cols, heads, "Stats.csv"), 500);
	json_object_put(r.out);
	json_object_put(rows);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(writes_french_excel_csv),
		cmocka_unit_test(refuses_a_bad_file_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
