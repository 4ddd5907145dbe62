/*
 * fuzz_valid.c - libFuzzer target for the API's input validation
 * (fcgi-api/http.c http_body_json, http_query_parse; fcgi-api/valid.c).
 *
 * The first byte picks a field table (every validator type, as real
 * handlers declare them) and whether the rest is a JSON body or a
 * query string. Whatever the input, the request must end either valid,
 * with every present string clean UTF-8 within its limits, or refused
 * with exactly one {"error":{"code","message"}} body and a 4xx status.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "../../fcgi-api/extern.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const roles[] = { "agent", "admin", NULL };
static const char *const colours[] = { "rouge", "vert", "bleu", NULL };

static const struct vfield login[] = {
	{ "username", V_STR, 1, 0, 1, 64, NULL },
	{ "password", V_TEXT, 1, 0, 1, 256, NULL },
};
static const struct vfield staff[] = {
	{ "username", V_USERNAME, 1, 0, 3, 64, NULL },
	{ "nom", V_STR, 0, 0, 1, 128, NULL },
	{ "role", V_ENUM, 0, 0, 0, 0, roles },
	{ "actif", V_BOOL, 0, 0, 0, 0, NULL },
	{ "password", V_TEXT, 0, 0, 10, 256, NULL },
};
static const struct vfield person[] = {
	{ "nom", V_STR, 1, 0, 1, 100, NULL },
	{ "email", V_EMAIL, 0, 1, 3, 254, NULL },
	{ "telephone", V_PHONE, 0, 1, 1, 32, NULL },
	{ "notes", V_TEXT, 0, 1, 0, 1000, NULL },
	{ "couleur", V_ENUM, 0, 1, 0, 0, colours },
};
static const struct vfield session[] = {
	{ "utilisateur_id", V_INT, 0, 1, 1, 4294967295LL, NULL },
	{ "duree", V_INT, 1, 0, 60, 86400, NULL },
	{ "valide_jusqu", V_TIME, 0, 1, 0, 40, NULL },
	{ "since", V_INT, 0, 0, 0, 9007199254740991LL, NULL },
};

static const struct {
	const struct vfield	*f;
	size_t			 n;
} tables[] = {
	{ login, sizeof(login) / sizeof(login[0]) },
	{ staff, sizeof(staff) / sizeof(staff[0]) },
	{ person, sizeof(person) / sizeof(person[0]) },
	{ session, sizeof(session) / sizeof(session[0]) },
};
#define NTABLES	(sizeof(tables) / sizeof(tables[0]))
#define NMAX	5

/* A refusal: 4xx and one {"error":{"code","message"}}. */
static void
check_refusal(const struct req *r, int st)
{
	struct json_object	*e, *c, *m;

	if (st < 400 || st > 499 || r->out == NULL ||
	    !json_object_object_get_ex(r->out, "error", &e) ||
	    !json_object_object_get_ex(e, "code", &c) ||
	    !json_object_object_get_ex(e, "message", &m) ||
	    !json_object_is_type(c, json_type_string) ||
	    !json_object_is_type(m, json_type_string) ||
	    json_object_object_length(r->out) != 1)
		abort();
}

/* Accepted: every present string is clean and within its limits. */
static void
check_values(const struct vfield *f, size_t n, const struct vval *v)
{
	size_t	 i, nch;

	for (i = 0; i < n; i++) {
		if (!v[i].present || v[i].null)
			continue;
		switch (f[i].type) {
		case V_INT:
			if (v[i].i < f[i].min || v[i].i > f[i].max)
				abort();
			break;
		case V_BOOL:
			if (v[i].i != 0 && v[i].i != 1)
				abort();
			break;
		default:
			if (v[i].s == NULL ||
			    !valid_utf8_text(v[i].s, 1, &nch) ||
			    (f[i].max > 0 && (long long)nch > f[i].max) ||
			    (long long)nch < f[i].min)
				abort();
			if (f[i].type == V_ENUM &&
			    strcmp(f[i].enums[v[i].i], v[i].s) != 0)
				abort();
			break;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct req	 r;
	struct vval	 v[NMAX];
	const struct vfield *f;
	size_t		 n;
	char		*q = NULL;
	int		 st;

	if (size == 0)
		return 0;
	f = tables[(data[0] >> 1) % NTABLES].f;
	n = tables[(data[0] >> 1) % NTABLES].n;
	memset(&r, 0, sizeof(r));
	if (data[0] & 1) {
		/* A query string, as the FastCGI environment gives it. */
		if ((q = malloc(size)) == NULL)
			return 0;
		memcpy(q, data + 1, size - 1);
		q[size - 1] = '\0';
		r.query = q;
		if (http_query_parse(&r) == -1) {
			req_free(&r);
			free(q);
			return 0;
		}
		st = valid_query(&r, f, n, v);
	} else {
		if ((r.body = malloc(size)) == NULL)
			return 0;
		memcpy(r.body, data + 1, size - 1);
		r.body[size - 1] = '\0';
		r.bodylen = size - 1;
		if ((st = http_body_json(&r)) != 0) {
			check_refusal(&r, st);
			req_free(&r);
			return 0;
		}
		st = valid_json(&r, f, n, v);
	}
	if (st != 0)
		check_refusal(&r, st);
	else
		check_values(f, n, v);
	req_free(&r);
	free(q);
	return 0;
}
