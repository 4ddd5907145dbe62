/*
 * valid.c - every accepted input field is declared with its validator.
 *
 * A handler declares its fields in a static struct vfield table and calls
 * valid_json() (body) or valid_query() (query string). Validation rejects
 * unknown fields, wrong JSON types, strings that are not clean UTF-8 or
 * contain control characters, and numbers outside their range; it answers
 * 422 with the offending field named in the message, once, here. On
 * success the handler reads typed values from struct vval only.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "config.h"
#include "timefmt.h"
#include "extern.h"

/*
 * 1 when s is well-formed UTF-8 (no overlongs, no surrogates) without
 * control characters (tab and newline allowed when multiline). *nchars
 * receives the number of code points.
 */
int
valid_utf8_text(const char *s, int multiline, size_t *nchars)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned int cp;
	size_t n = 0;
	int len, i;

	while (*p != '\0') {
		if (*p < 0x80) {
			if ((*p < 0x20 && !(multiline &&
			    (*p == '\n' || *p == '\t' || *p == '\r'))) ||
			    *p == 0x7f)
				return 0;
			p++;
			n++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			len = 2;
			cp = *p & 0x1f;
		} else if ((*p & 0xf0) == 0xe0) {
			len = 3;
			cp = *p & 0x0f;
		} else if ((*p & 0xf8) == 0xf0) {
			len = 4;
			cp = *p & 0x07;
		} else
			return 0;
		for (i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff) ||
		    (cp >= 0x80 && cp < 0xa0))
			return 0;
		p += len;
		n++;
	}
	if (nchars != NULL)
		*nchars = n;
	return 1;
}

/* A plain address check: local@domain.tld, no spaces, sane lengths. */
int
valid_email(const char *s)
{
	const char *at = strchr(s, '@'), *dot;
	size_t i;

	if (at == NULL || at == s || strchr(at + 1, '@') != NULL ||
	    strlen(s) > 254 || (size_t)(at - s) > 64)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (isspace((unsigned char)s[i]) || s[i] == '<' ||
		    s[i] == '>' || s[i] == '"' || s[i] == ',')
			return 0;
	dot = strrchr(at + 1, '.');
	return dot != NULL && dot > at + 1 && dot[1] != '\0';
}

static int
valid_phone(const char *s)
{
	size_t digits = 0;

	for (; *s != '\0'; s++) {
		if (isdigit((unsigned char)*s))
			digits++;
		else if (strchr(" +.-()", *s) == NULL)
			return 0;
	}
	return digits >= 4 && digits <= 20;
}

static int
valid_username(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("._-", *s) == NULL)
			return 0;
	return 1;
}

static int
fail(struct req *r, const char *field, const char *why)
{
	char msg[256];

	/* The field name comes from our table, never from the request. */
	snprintf(msg, sizeof(msg), "Champ « %s » : %s", field, why);
	return http_error(r, 422, "validation_error", msg);
}

/* Check one string value against f; fills v. 0 or the error status. */
static int
check_string(struct req *r, const struct vfield *f, const char *s,
    struct vval *v)
{
	size_t nchars, i;
	long long t;
	const char *p;

	if (!valid_utf8_text(s, f->type == V_TEXT, &nchars))
		return fail(r, f->name, "caractères invalides");
	for (p = s; *p == ' '; p++)
		continue;
	if (f->min > 0 && *p == '\0')
		return fail(r, f->name, "ne doit pas être vide");
	if ((long long)nchars < f->min)
		return fail(r, f->name, "trop court");
	if (f->max > 0 && (long long)nchars > f->max)
		return fail(r, f->name, "trop long");
	v->s = s;
	switch (f->type) {
	case V_EMAIL:
		if (!valid_email(s))
			return fail(r, f->name, "adresse électronique invalide");
		break;
	case V_PHONE:
		if (!valid_phone(s))
			return fail(r, f->name, "numéro invalide");
		break;
	case V_USERNAME:
		if (!valid_username(s))
			return fail(r, f->name,
			    "lettres, chiffres, « . », « _ » ou « - » seulement");
		break;
	case V_ENUM:
		for (i = 0; f->enums[i] != NULL; i++)
			if (strcmp(f->enums[i], s) == 0)
				break;
		if (f->enums[i] == NULL)
			return fail(r, f->name, "valeur non reconnue");
		v->i = (long long)i;
		break;
	case V_TIME:
		if (time_parse_iso(s, &t) == -1)
			return fail(r, f->name,
			    "date invalide (ISO 8601 attendu)");
		v->i = t;
		break;
	default:
		break;
	}
	return 0;
}

static int
check_int(struct req *r, const struct vfield *f, long long i, struct vval *v)
{
	char why[96];

	if (i < f->min || i > f->max) {
		snprintf(why, sizeof(why), "doit être entre %lld et %lld",
		    f->min, f->max);
		return fail(r, f->name, why);
	}
	v->i = i;
	return 0;
}

/*
 * The body against fs; with update set no field is required (see
 * valid_json_update).
 */
static int
check_json(struct req *r, const struct vfield *fs, size_t n, struct vval *vs,
    int update)
{
	struct json_object *val;
	size_t i;
	int st;

	/* No body reads as {}: only required fields are then missing. */
	if (n > 0)
		memset(vs, 0, n * sizeof(*vs));
	if (r->in == NULL)
		goto fields;
	json_object_object_foreach(r->in, key, jv) {
		(void)jv;
		for (i = 0; i < n; i++)
			if (strcmp(fs[i].name, key) == 0)
				break;
		if (i == n)
			return http_error(r, 422, "unknown_field",
			    "Champ non reconnu dans la requête");
	}
fields:
	for (i = 0; i < n; i++) {
		const struct vfield *f = &fs[i];
		struct vval *v = &vs[i];

		if (r->in == NULL ||
		    !json_object_object_get_ex(r->in, f->name, &val)) {
			if (f->required && !update)
				return fail(r, f->name, "obligatoire");
			continue;
		}
		v->present = 1;
		if (val == NULL) {
			if (!f->nullable)
				return fail(r, f->name, "ne peut pas être null");
			v->null = 1;
			continue;
		}
		switch (f->type) {
		case V_INT:
			if (!json_object_is_type(val, json_type_int))
				return fail(r, f->name, "entier attendu");
			errno = 0;
			if ((st = check_int(r, f,
			    json_object_get_int64(val), v)) != 0)
				return st;
			break;
		case V_BOOL:
			if (!json_object_is_type(val, json_type_boolean))
				return fail(r, f->name,
				    "booléen (true/false) attendu");
			v->i = json_object_get_boolean(val);
			break;
		default:
			if (!json_object_is_type(val, json_type_string))
				return fail(r, f->name,
				    "chaîne de caractères attendue");
			/* "\u0000" would cut the C string short: refuse it. */
			if ((size_t)json_object_get_string_len(val) !=
			    strlen(json_object_get_string(val)))
				return fail(r, f->name, "caractères invalides");
			if ((st = check_string(r, f,
			    json_object_get_string(val), v)) != 0)
				return st;
			break;
		}
	}
	return 0;
}

int
valid_json(struct req *r, const struct vfield *fs, size_t n, struct vval *vs)
{
	return check_json(r, fs, n, vs, 0);
}

/*
 * The body of an update: the fields of the record's creation, with their
 * limits, none required (an absent field keeps its stored value). A
 * resource declares its fields once for both.
 */
int
valid_json_update(struct req *r, const struct vfield *fs, size_t n,
    struct vval *vs)
{
	return check_json(r, fs, n, vs, 1);
}

int
valid_query(struct req *r, const struct vfield *fs, size_t n, struct vval *vs)
{
	size_t i, j;
	long long x;
	int st;

	memset(vs, 0, n * sizeof(*vs));
	for (j = 0; j < r->nq; j++) {
		for (i = 0; i < n; i++)
			if (strcmp(fs[i].name, r->qk[j]) == 0)
				break;
		if (i == n)
			return http_error(r, 422, "unknown_parameter",
			    "Paramètre de requête non reconnu");
	}
	for (i = 0; i < n; i++) {
		const struct vfield *f = &fs[i];
		const char *s = http_query(r, f->name);

		if (s == NULL || *s == '\0') {
			if (f->required)
				return fail(r, f->name, "obligatoire");
			continue;
		}
		vs[i].present = 1;
		switch (f->type) {
		case V_INT:
			if (num_parse(s, LLONG_MIN, LLONG_MAX, &x) == -1)
				return fail(r, f->name, "entier attendu");
			if ((st = check_int(r, f, x, &vs[i])) != 0)
				return st;
			break;
		case V_BOOL:
			if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
				vs[i].i = 1;
			else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
				vs[i].i = 0;
			else
				return fail(r, f->name, "true ou false attendu");
			break;
		default:
			if ((st = check_string(r, f, s, &vs[i])) != 0)
				return st;
			break;
		}
	}
	return 0;
}

/* Pagination: ?page=N (from 1) and ?per_page=N (1..200, default 50). */
int
valid_page(struct req *r, long long *limit, long long *offset, long long *page)
{
	const char *p = http_query(r, "page"), *pp = http_query(r, "per_page");

	*page = 1;
	*limit = 50;
	if (p != NULL && num_parse(p, 1, PAGE_MAX, page) == -1)
		return fail(r, "page", "entier positif attendu");
	if (pp != NULL && num_parse(pp, 1, PER_PAGE_MAX, limit) == -1)
		return fail(r, "per_page", "doit être entre 1 et 200");
	*offset = (*page - 1) * *limit;
	return 0;
}

/* {"results":[...],"count":N,"page":P,"per_page":L}; takes rows. */
struct json_object *
page_json(struct json_object *rows, long long count, long long page,
    long long limit)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "results", rows);
	json_object_object_add(o, "count", json_object_new_int64(count));
	json_object_object_add(o, "page", json_object_new_int64(page));
	json_object_object_add(o, "per_page", json_object_new_int64(limit));
	return o;
}

char *
like_prefix(const char *q)
{
	size_t n = strlen(q), i;
	char *out, *w;

	if ((out = w = malloc(2 * n + 2)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (q[i] == '%' || q[i] == '_' || q[i] == '\\')
			*w++ = '\\';
		*w++ = q[i];
	}
	*w++ = '%';
	*w = '\0';
	return out;
}
