/*
 * test_http_io.c - the request's I/O seam (struct http_io): http_parse and
 * http_finish work on any source of CGI parameters and bytes, which is
 * what lets one program serve FastCGI and plain CGI. A memory "server"
 * stands in for both: it hands out an environment and a body, counts
 * what is read, and keeps what is written.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "config.h"
#include "extern.h"

struct mem {
	const char	*body;
	size_t		 len, pos;	/* body bytes handed out so far */
	char		 out[8192];
	size_t		 outlen;
};

static size_t
mem_read(void *arg, char *buf, size_t n)
{
	struct mem *m = arg;

	if (n > m->len - m->pos)
		n = m->len - m->pos;
	memcpy(buf, m->body + m->pos, n);
	m->pos += n;
	return n;
}

static void
mem_write(void *arg, const char *buf, size_t n)
{
	struct mem *m = arg;

	assert_true(m->outlen + n < sizeof(m->out));
	memcpy(m->out + m->outlen, buf, n);
	m->outlen += n;
	m->out[m->outlen] = '\0';
}

static struct config cfg;

static int
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A writable NULL-terminated copy of src, as a server hands it over. */
static char **
env_new(const char *const *src)
{
	char **e;
	size_t i, n = 0;

	while (src[n] != NULL)
		n++;
	assert_non_null(e = calloc(n + 1, sizeof(*e)));
	for (i = 0; i < n; i++)
		assert_non_null(e[i] = strdup(src[i]));
	return e;
}

static void
env_free(char **e)
{
	size_t i;

	for (i = 0; e[i] != NULL; i++)
		free(e[i]);
	free(e);
}

static void
parses_params_and_body(void **state)
{
	static const char *const envs[] = { "REQUEST_METHOD=POST",
	    "REQUEST_URI=/api/kiosk/validate?x=%C3%A9t%C3%A9&y=2",
	    "CONTENT_TYPE=application/json", "CONTENT_LENGTH=14",
	    "HTTP_AUTHORIZATION=Bearer abc", "REMOTE_ADDR=10.0.0.7", NULL };
	struct mem m = { "{\"code\":\"ABC\"}", 14, 0, "", 0 };
	char **env = env_new(envs);
	struct http_io io = { env, mem_read, mem_write, &m };
	struct req r;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(http_parse(&r, &io, &cfg), 0);
	assert_int_equal(r.method, METH_POST);
	assert_string_equal(r.path, "/api/kiosk/validate");
	assert_string_equal(http_query(&r, "x"), "été");
	assert_string_equal(r.authorization, "Bearer abc");
	assert_string_equal(r.remote_addr, "10.0.0.7");
	assert_non_null(r.in);
	assert_string_equal(json_object_get_string(
	    json_object_object_get(r.in, "code")), "ABC");
	assert_int_equal(m.pos, 14);
	req_free(&r);
	env_free(env);
}

static void
refuses_oversized_body_unread(void **state)
{
	static const char *const envs[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/api/x",
	    "CONTENT_TYPE=application/json", "CONTENT_LENGTH=2000000", NULL };
	struct mem m = { "{}", 2, 0, "", 0 };
	char **env = env_new(envs);
	struct http_io io = { env, mem_read, mem_write, &m };
	struct req r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.io = &io;
	assert_int_equal(http_parse(&r, &io, &cfg), 413);
	assert_int_equal(m.pos, 0);
	http_finish(&r, 413);
	assert_true(starts(m.out, "Status: 413 Payload Too Large\r\n"));
	assert_non_null(strstr(m.out, "\"code\":\"payload_too_large\""));
	req_free(&r);
	env_free(env);
}

static void
a_short_body_is_incomplete(void **state)
{
	static const char *const envs[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/api/x",
	    "CONTENT_TYPE=application/json", "CONTENT_LENGTH=10", NULL };
	struct mem m = { "{}", 2, 0, "", 0 };
	char **env = env_new(envs);
	struct http_io io = { env, mem_read, mem_write, &m };
	struct req r;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(http_parse(&r, &io, &cfg), 400);
	req_free(&r);
	env_free(env);
}

/* One status line, the headers, a blank line, then exactly the body. */
static void
writes_one_answer(void **state)
{
	static const char *const envs[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/api/health", NULL };
	struct mem m = { "", 0, 0, "", 0 };
	char **env = env_new(envs);
	struct http_io io = { env, mem_read, mem_write, &m };
	struct json_object *o = json_object_new_object();
	const char *body;
	char *sep;
	struct req r;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(http_parse(&r, &io, &cfg), 0);
	json_object_object_add(o, "status", json_object_new_string("ok"));
	http_finish(&r, http_json(&r, 200, o));
	assert_true(starts(m.out, "Status: 200 OK\r\n"));
	assert_null(strstr(m.out + 1, "Status:"));
	assert_non_null(strstr(m.out, "\r\nContent-Length: 15\r\n"));
	assert_non_null(sep = strstr(m.out, "\r\n\r\n"));
	body = sep + 4;
	assert_string_equal(body, "{\"status\":\"ok\"}");
	req_free(&r);
	env_free(env);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_params_and_body),
		cmocka_unit_test(refuses_oversized_body_unread),
		cmocka_unit_test(a_short_body_is_incomplete),
		cmocka_unit_test(writes_one_answer),
	};

	cfg.max_body = 65536;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
