/*
 * test_agent.c - postes-agent's pure parts: SSE framing (as the pusher
 * writes it, split anywhere, and garbage), the server clock, and the
 * kiosk page's messages with their placeholders, and the sentence for
 * the poste's next reservation (which one, when, in which zone).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../agent/extern.h"	/* not the API's extern.h */

struct got {
	int	 n;
	char	 event[8][64];
	char	 id[8][32];
	char	 data[8][256];
};

static void
collect(const char *event, const char *id, const char *data, void *arg)
{
	struct got *g = arg;

	if (g->n >= 8)
		return;
	snprintf(g->event[g->n], sizeof(g->event[0]), "%s", event);
	snprintf(g->id[g->n], sizeof(g->id[0]), "%s", id);
	snprintf(g->data[g->n], sizeof(g->data[0]), "%s", data);
	g->n++;
}

static const char stream[] =
    ": postes pusher\n\nretry: 2000\n\n"
    "id: 42\nevent: session_started\ndata: {\"id\":42}\n\n"
    "event: time_update\r\ndata: {\"type\":\"time_update\"}\r\n\r\n"
    ":\n\n"
    "data: a\ndata: b\n\n";

static void
check_stream(const struct got *g)
{
	assert_int_equal(g->n, 3);
	assert_string_equal(g->event[0], "session_started");
	assert_string_equal(g->id[0], "42");
	assert_string_equal(g->data[0], "{\"id\":42}");
	assert_string_equal(g->event[1], "time_update");
	assert_string_equal(g->id[1], "42");	/* the last id stays */
	assert_string_equal(g->data[2], "a\nb");
	assert_string_equal(g->event[2], "");
}

static void
test_sse_whole(void **state)
{
	struct sse_parser	 p;
	struct got		 g = { 0 };

	(void)state;
	sse_init(&p);
	assert_int_equal(sse_feed(&p, stream, strlen(stream), collect, &g), 0);
	check_stream(&g);
	sse_free(&p);
}

/* Every split point, one byte at a time too: the same events. */
static void
test_sse_split(void **state)
{
	struct sse_parser	 p;
	struct got		 g;
	size_t			 n = strlen(stream), i, k;

	(void)state;
	for (i = 0; i <= n; i++) {
		memset(&g, 0, sizeof(g));
		sse_init(&p);
		assert_int_equal(sse_feed(&p, stream, i, collect, &g), 0);
		assert_int_equal(sse_feed(&p, stream + i, n - i, collect, &g), 0);
		check_stream(&g);
		sse_free(&p);
	}
	memset(&g, 0, sizeof(g));
	sse_init(&p);
	for (k = 0; k < n; k++)
		assert_int_equal(sse_feed(&p, stream + k, 1, collect, &g), 0);
	check_stream(&g);
	sse_free(&p);
}

/* Garbage: no newline for ever is capped; NULs and binary never crash. */
static void
test_sse_garbage(void **state)
{
	struct sse_parser	 p;
	struct got		 g = { 0 };
	char			*big = malloc(SSE_MAX + 10);
	unsigned char		 bin[4096];
	size_t			 i;

	(void)state;
	assert_non_null(big);
	memset(big, 'x', SSE_MAX + 10);
	sse_init(&p);
	assert_int_equal(sse_feed(&p, big, SSE_MAX + 10, collect, &g), -1);
	assert_int_equal(sse_feed(&p, "\n\n", 2, collect, &g), -1);
	assert_int_equal(g.n, 0);
	sse_free(&p);
	free(big);

	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (unsigned char)(i * 7919 >> 3);
	sse_init(&p);
	sse_feed(&p, (const char *)bin, sizeof(bin), collect, &g);
	sse_feed(&p, "data: \0x\n\n", 10, collect, &g);
	sse_free(&p);
}

static void
test_clock(void **state)
{
	struct sclock	 c = { 0 };
	long long	 now = mono_ms();

	(void)state;
	/* Server said 1,000,000,000 s (whole second) between now-20 and now. */
	sclock_sample(&c, 1000000000000LL, now - 20, now, 1000);
	assert_true(c.synced);
	assert_true(c.hi - c.lo == 1020);
	/* A tighter sample narrows the interval, never widens it. */
	sclock_sample(&c, 1000000000000LL + 500, now - 10, now, 1000);
	assert_true(c.hi - c.lo <= 1020);
	/* A sample that does not intersect (the clock jumped) restarts. */
	sclock_sample(&c, 2000000000000LL, now, now + 5, 1000);
	assert_true(c.lo == 2000000000000LL - (now + 5));
	/* Time left rounds up, never below zero. */
	assert_true(sclock_left(&c, sclock_now(&c) + 1500) == 2);
	assert_true(sclock_left(&c, sclock_now(&c) - 5000) == 0);
	/* Nonsense samples are ignored. */
	sclock_sample(&c, -1, now, now, 1000);
	sclock_sample(&c, 5, now + 10, now, 1000);
	assert_true(c.lo == 2000000000000LL - (now + 5));
}

static void
test_messages(void **state)
{
	char b[512];

	(void)state;
	msg_format(b, sizeof(b), L_FR, msg_for_code("too_many_attempts"), "s",
	    "42", NULL);
	assert_string_equal(b, "Trop de codes erronés. Réessayez dans 42 secondes.");
	msg_format(b, sizeof(b), L_EN, msg_for_code("code_inconnu"), NULL);
	assert_string_equal(b,
	    "This code does not exist. Check the characters you typed.");
	msg_format(b, sizeof(b), L_FR, msg_for_code("nimporte"), "code",
	    "http_500", NULL);
	assert_string_equal(b,
	    "Le code est refusé (http_500). Adressez-vous à l’accueil.");
	assert_int_equal(msg_for_code(NULL), M_ERR_DEFAULT);
	assert_int_equal(msg_for_raison("admin"), M_LOCKED_ADMIN);
	assert_int_equal(msg_for_raison("???"), M_LOCKED_DEFAULT);
	assert_int_equal(msg_for_raison(NULL), M_LOCKED_DEFAULT);
	/* Staff messages: the kiosk page's words (messages-desk.js). */
	msg_format(b, sizeof(b), L_FR, M_MSG_ACK, NULL);
	assert_string_equal(b, "J’ai lu");
	msg_format(b, sizeof(b), L_EN, M_MSG_TITLE, NULL);
	assert_string_equal(b, "Message from the desk");
	msg_format(b, sizeof(b), L_FR, M_MSG_MORE, "n", "2", NULL);
	assert_string_equal(b, "Messages en attente après celui-ci : 2");
	/* An unknown placeholder stays as it is; a small buffer truncates. */
	msg_format(b, sizeof(b), L_FR, M_HELLO, "nobody", "x", NULL);
	assert_string_equal(b, "Bonjour {who}");
	msg_format(b, 8, L_FR, M_HELLO, "who", "Élodie Durand", NULL);
	assert_int_equal(strlen(b), 7);
	fmt_duration(b, sizeof(b), 7500);
	assert_string_equal(b, "2 h 05 min");
	fmt_duration(b, sizeof(b), 185);
	assert_string_equal(b, "3 min 05 s");
	fmt_duration(b, sizeof(b), 2700);
	assert_string_equal(b, "45 min");
	fmt_duration(b, sizeof(b), -3);
	assert_string_equal(b, "0 s");
	fmt_clock(b, sizeof(b), 3909);
	assert_string_equal(b, "1:05:09");
	fmt_clock(b, sizeof(b), 309);
	assert_string_equal(b, "05:09");
}

/* 2026-03-29 00:30:00Z: Paris moves from +01:00 to +02:00 at 01:00Z. */
#define DST_DAY	1774744200LL

static void
test_resa(void **state)
{
	struct resa	 r = { 0, 0, "Europe/Paris" };
	char		 b[256];
	long long	 debut = (DST_DAY + 5400) * 1000;	/* 02:00Z */
	long long	 fin = debut + 3600 * 1000;

	(void)state;
	/* None, or nonsense: nothing to say. */
	assert_int_equal(resa_text(b, sizeof(b), L_FR, &r, debut), RESA_NONE);
	assert_string_equal(b, "");
	assert_int_equal(resa_phase(NULL, 0), RESA_NONE);
	r.debut_ms = fin;
	r.fin_ms = debut;
	assert_int_equal(resa_phase(&r, debut - 1), RESA_NONE);

	/* Before the slot: its start; during it: its end; at the end: none.
	 * In the zone named, after its change to summer time. */
	r.debut_ms = debut;
	r.fin_ms = fin;
	assert_int_equal(resa_text(b, sizeof(b), L_FR, &r, debut - 1),
	    RESA_BEFORE);
	assert_string_equal(b, "Réservé à 04h00");
	resa_text(b, sizeof(b), L_EN, &r, 0);
	assert_string_equal(b, "Reserved at 04:00");
	assert_int_equal(resa_text(b, sizeof(b), L_FR, &r, debut),
	    RESA_DURING);
	assert_string_equal(b, "Réservé jusqu’à 05h00");
	resa_text(b, sizeof(b), L_EN, &r, fin - 1);
	assert_string_equal(b, "Reserved until 05:00");
	assert_int_equal(resa_text(b, sizeof(b), L_FR, &r, fin), RESA_NONE);
	assert_string_equal(b, "");

	/* The day before the change, the same UTC hour is one hour less. */
	resa_hm(b, sizeof(b), L_FR, debut - 86400 * 1000LL, "Europe/Paris");
	assert_string_equal(b, "03h00");
	resa_hm(b, sizeof(b), L_FR, debut, "America/New_York");
	assert_string_equal(b, "22h00");
	/* Not a zone name: UTC, never the workstation's own zone. */
	resa_hm(b, sizeof(b), L_EN, debut, "../../etc/passwd");
	assert_string_equal(b, "02:00");
	resa_hm(b, sizeof(b), L_EN, debut, NULL);
	assert_string_equal(b, "02:00");
	resa_hm(b, sizeof(b), L_EN, debut, "Nowhere/Atlantis");
	assert_string_equal(b, "02:00");
	assert_true(resa_zone_ok("Europe/Paris"));
	assert_true(resa_zone_ok("America/Port-au-Prince"));
	assert_true(resa_zone_ok("Etc/GMT+2"));
	assert_false(resa_zone_ok("/etc/localtime"));
	assert_false(resa_zone_ok("Europe/../../x"));
	assert_false(resa_zone_ok("Europe/Paris\n"));
	assert_false(resa_zone_ok(""));
	assert_false(resa_zone_ok("<b>"));
	/* A small buffer truncates, never overflows. */
	resa_text(b, 6, L_FR, &r, 0);
	assert_true(strlen(b) < 6);

	/* The refusal of someone else's code has its own sentence. */
	msg_format(b, sizeof(b), L_FR, msg_for_code("poste_reserve"), NULL);
	assert_string_equal(b, "Ce poste est réservé pour une autre personne "
	    "en ce moment. Adressez-vous à l’accueil.");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sse_whole),
		cmocka_unit_test(test_sse_split),
		cmocka_unit_test(test_sse_garbage),
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_resa),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
