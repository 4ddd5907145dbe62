/*
 * test_admin_lang.c - the admin pages' two languages (fcgi-api/admin/
 * lang.c): a French text of the table comes out in English when the page
 * is, an unknown text (data, the API's refusals) as it is; a sentence's
 * format is written as markup and its arguments escaped; each language
 * has its plural rule; a date takes the language's form.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "extern.h"

/* The page built so far, taken from hb (which is reset). */
static char *
take(struct hbuf *hb)
{
	size_t len;
	char *p = hb_take(hb, &len);

	assert_non_null(p);
	return p;
}

static void
test_tr(void **state)
{
	struct hbuf fr = { 0 }, en = { .en = 1 };

	(void)state;
	assert_string_equal(admin_tr(&fr, "Réservations"), "Réservations");
	assert_string_equal(admin_tr(&en, "Réservations"), "Reservations");
	assert_string_equal(admin_tr(&en, "Terminées aujourd'hui"), "Ended today");
	/* Not ours: a name, a refusal quoted from the API. */
	assert_string_equal(admin_tr(&en, "Médiathèque"), "Médiathèque");
	assert_string_equal(admin_tr(&en, "Compte inconnu"), "Compte inconnu");
	assert_null(admin_tr(&en, NULL));
	assert_string_equal(admin_tr(NULL, "Réservations"), "Réservations");
}

static void
expect_trf(int en, const char *want, const char *fmt, const char *a,
    const char *b)
{
	struct hbuf h = { .en = en };
	char *p;

	admin_trf(&h, fmt, a, b);
	p = take(&h);
	assert_string_equal(p, want);
	free(p);
}

static void
test_trf(void **state)
{
	struct hbuf h = { .en = 1 };
	char *p;

	(void)state;
	/* The arguments are text, escaped; the format is markup. */
	expect_trf(0, "Envoyé le 02/12/2026 à 07:59 par &lt;b&gt;&amp;&#39;",
	    "Envoyé le %s par %s", "02/12/2026 à 07:59", "<b>&'");
	expect_trf(1, "Sent 2026-12-02 07:59 by &lt;b&gt;",
	    "Envoyé le %s par %s", "2026-12-02 07:59", "<b>");
	expect_trf(1, "Hello <strong>A&amp;B C</strong>",
	    "Bonjour <strong>%s %s</strong>", "A&B", "C");
	/* NULL writes nothing. */
	expect_trf(0, "Du  au x", "Du %s au %s", NULL, "x");
	admin_trf(&h, " — page %lld sur %lld", 2LL, 30LL);
	admin_trf(&h, " %d%%", 7);
	p = take(&h);
	assert_string_equal(p, " — page 2 of 30 7%");
	free(p);
	/* A sentence that is not in the table is written as it is. */
	expect_trf(1, "pas dans la table x", "pas dans la table %s", "x", NULL);
}

static void
expect_count(int en, long long n, const char *want)
{
	struct hbuf h = { .en = en };
	char *p;

	admin_trn(&h, n, "%lld résultat", "%lld résultats");
	p = take(&h);
	assert_string_equal(p, want);
	free(p);
}

static void
test_plurals(void **state)
{
	(void)state;
	/* French: singular below 2. */
	expect_count(0, 0, "0 résultat");
	expect_count(0, 1, "1 résultat");
	expect_count(0, 2, "2 résultats");
	expect_count(0, 148, "148 résultats");
	/* English: singular for 1 only. */
	expect_count(1, 0, "0 results");
	expect_count(1, 1, "1 result");
	expect_count(1, 2, "2 results");
	expect_count(1, 148, "148 results");
}

static void
test_dates(void **state)
{
	struct hbuf fr = { 0 }, en = { .en = 1 };
	char buf[ADMIN_DATE_LEN], *p;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	assert_string_equal(admin_date(&fr, "2027-01-01T04:36:00Z", buf),
	    "01/01/2027 à 04:36");
	assert_string_equal(admin_date(&en, "2027-01-01T04:36:00Z", buf),
	    "2027-01-01 04:36");
	assert_string_equal(admin_date(&en, "", buf), "—");
	assert_string_equal(admin_date(&en, "hier", buf), "—");
	assert_string_equal(admin_date(&en, NULL, buf), "—");
	setenv("TZ", "Europe/Paris", 1);
	tzset();
	admin_when(&fr, "2027-07-01T04:36:00Z");
	p = take(&fr);
	assert_string_equal(p, "01/07/2027 à 06:36");
	free(p);
}

/* An error box says the page's own messages in English, not the API's. */
static void
test_error_box(void **state)
{
	struct hbuf h = { .en = 1 };
	char *p;

	(void)state;
	admin_error_box(&h, "Cette page est réservée aux administrateurs.");
	admin_error_box(&h, "Champ « nom » : <obligatoire>");
	p = take(&h);
	assert_string_equal(p, "<p class=\"error\" role=\"alert\">This page is "
	    "for administrators only.</p><p class=\"error\" role=\"alert\">"
	    "Champ « nom » : &lt;obligatoire&gt;</p>");
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tr),
		cmocka_unit_test(test_trf),
		cmocka_unit_test(test_plurals),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_error_box),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
