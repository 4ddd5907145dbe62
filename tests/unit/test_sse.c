/*
 * test_sse.c - text/event-stream framing of the pusher (pusher/sseproto.c):
 * id and event lines, one data line per payload line whatever the line
 * ends, no way for a payload to end a record or forge a field; and the
 * Last-Event-ID parser. Golden strings, compiled in directly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../pusher/sseproto.c"

static void
golden(const char *want, long long id, const char *type, const char *data)
{
	size_t	 len;
	char	*s = sse_record(id, type, data, strlen(data), &len);

	assert_non_null(s);
	assert_string_equal(s, want);
	assert_int_equal(len, strlen(want));
	free(s);
}

static void
records(void **state)
{
	(void)state;
	golden("id: 42\nevent: session_started\ndata: {\"id\":42}\n\n",
	    42, "session_started", "{\"id\":42}");
	/* ephemeral: no id line, so Last-Event-ID keeps naming an event */
	golden("event: time_update\ndata: {}\n\n", 0, "time_update", "{}");
	golden("data: x\n\n", 0, NULL, "x");
	golden("data: \n\n", 0, "", "");
	/* every line end becomes its own data line */
	golden("data: a\ndata: b\ndata: c\ndata: d\ndata: \n\n", 0, NULL,
	    "a\nb\r\nc\rd\n");
	/* a payload cannot end the record or forge fields */
	golden("id: 1\ndata: x\ndata: \ndata: id: 999\ndata: event: evil\n\n",
	    1, NULL, "x\n\nid: 999\nevent: evil");
	/* nor can a type */
	golden("event: abevil\ndata: 1\n\n", 0, "a\nb\revil", "1");
}

static void
last_event_id(void **state)
{
	long long	 id;

	(void)state;
	assert_int_equal(sse_parse_id("0", &id), 0);
	assert_int_equal(id, 0);
	assert_int_equal(sse_parse_id("12345", &id), 0);
	assert_int_equal(id, 12345);
	assert_int_equal(sse_parse_id("9007199254740992", &id), 0);
	assert_int_equal(sse_parse_id("9007199254740993", &id), -1);
	assert_int_equal(sse_parse_id("", &id), -1);
	assert_int_equal(sse_parse_id(NULL, &id), -1);
	assert_int_equal(sse_parse_id("-1", &id), -1);
	assert_int_equal(sse_parse_id(" 1", &id), -1);
	assert_int_equal(sse_parse_id("1a", &id), -1);
	assert_int_equal(sse_parse_id("99999999999999999999", &id), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(records),
		cmocka_unit_test(last_event_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
