/*
 * http.c - from CGI parameters to a struct req, and back to bytes.
 *
 * The parameters and the two byte streams come through a struct http_io
 * (extern.h), so one parser and one writer serve both a FastCGI request
 * and a process started as plain CGI (main.c sets up either).
 * Input is read defensively: the body is refused before it is read when
 * CONTENT_LENGTH is above the configured limit, JSON is parsed with a
 * depth limit and must be a single object with nothing after it, and the
 * query string is decoded into a bounded key/value array. Output goes
 * through http_finish() only, which writes the status, the security
 * headers every answer carries, and the JSON body.
 */
#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <fcgiapp.h>	/* FCGX_GetParam: a lookup in any envp */
#include <json-c/json.h>

#include "config.h"
#include "extern.h"

static const char *const meth_names[METH__MAX] = {
	"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD",
};

const char *
http_method_name(enum http_method m)
{
	return m < METH__MAX ? meth_names[m] : "?";
}

/* Decode %XX and '+' in place. -1 on a malformed escape or a NUL byte. */
int
url_decode(char *s)
{
	char *w = s;
	int hi, lo;

	for (; *s != '\0'; s++) {
		if (*s == '+') {
			*w++ = ' ';
		} else if (*s == '%') {
			if (!isxdigit((unsigned char)s[1]) ||
			    !isxdigit((unsigned char)s[2]))
				return -1;
			hi = isdigit((unsigned char)s[1]) ? s[1] - '0' :
			    (tolower((unsigned char)s[1]) - 'a' + 10);
			lo = isdigit((unsigned char)s[2]) ? s[2] - '0' :
			    (tolower((unsigned char)s[2]) - 'a' + 10);
			if (hi == 0 && lo == 0)
				return -1;
			*w++ = (char)(hi * 16 + lo);
			s += 2;
		} else
			*w++ = *s;
	}
	*w = '\0';
	return 0;
}

/*
 * Split "a=1&b=2" into decoded key/value pairs appended to k/v (at most
 * REQ_MAX_PARAMS in all, counted in *n). The query string and urlencoded
 * bodies go through here. 0, or -1 on a malformed or too long list.
 */
static int
parse_pairs(const char *s, char **k, char **v, size_t *n)
{
	char *q, *p, *amp, *eq;

	if (s == NULL || s[0] == '\0')
		return 0;
	if ((q = strdup(s)) == NULL)
		return -1;
	for (p = q; p != NULL && *p != '\0'; p = amp) {
		if ((amp = strchr(p, '&')) != NULL)
			*amp++ = '\0';
		if (*p == '\0')
			continue;
		if (*n == REQ_MAX_PARAMS)
			goto bad;
		if ((eq = strchr(p, '=')) != NULL)
			*eq++ = '\0';
		k[*n] = strdup(p);
		v[*n] = strdup(eq != NULL ? eq : "");
		(*n)++;
		if (k[*n - 1] == NULL || v[*n - 1] == NULL ||
		    url_decode(k[*n - 1]) == -1 ||
		    url_decode(v[*n - 1]) == -1)
			goto bad;
	}
	free(q);
	return 0;
bad:
	free(q);
	return -1;
}

int
http_query_parse(struct req *r)
{
	return parse_pairs(r->query, r->qk, r->qv, &r->nq);
}

const char *
http_query(const struct req *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->nq; i++)
		if (strcmp(r->qk[i], key) == 0)
			return r->qv[i];
	return NULL;
}

const char *
http_form(const struct req *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->nf; i++)
		if (strcmp(r->fk[i], key) == 0)
			return r->fv[i];
	return NULL;
}

/* 1 when the media type of Content-Type ct is type (parameters ignored). */
static int
ctype_is(const char *ct, const char *type)
{
	size_t n = strlen(type);

	if (ct == NULL || strncasecmp(ct, type, n) != 0)
		return 0;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

static int
ctype_is_json(const char *ct)
{
	return ctype_is(ct, "application/json");
}

/*
 * Fill r from the request's parameters and body (io, which must outlive
 * r). Returns 0, or an HTTP status with r->out set when the request is
 * refused before routing (bad URI, oversized or malformed body).
 */
/*
 * Did the browser reach us over https? The front says so in the HTTPS
 * parameter ("on", lighttpd and Apache alike); a TLS proxy in front of
 * the front says so in X-Forwarded-Proto (its first item). Either one is
 * enough: the answer only decides whether cookies get Secure, which a
 * forged header can make stricter for the forger, never weaker for
 * anyone.
 */
static int
over_https(const char *https, const char *xfp)
{
	size_t n;

	if (https != NULL && (strcasecmp(https, "on") == 0 ||
	    strcmp(https, "1") == 0))
		return 1;
	if (xfp == NULL)
		return 0;
	while (*xfp == ' ' || *xfp == '\t')
		xfp++;
	n = strcspn(xfp, ", \t");
	return n == 5 && strncasecmp(xfp, "https", 5) == 0;
}

int
http_parse(struct req *r, const struct http_io *io, const struct config *cfg)
{
	const char *m, *uri, *cl, *q;
	long long len = 0;
	size_t n, got;
	int i;

	r->io = io;
	r->cfg = cfg;
	r->id = 0;
	m = FCGX_GetParam("REQUEST_METHOD", io->envp);
	r->method = METH__MAX;
	for (i = 0; m != NULL && i < METH__MAX; i++)
		if (strcmp(m, meth_names[i]) == 0)
			r->method = (enum http_method)i;
	r->content_type = FCGX_GetParam("CONTENT_TYPE", io->envp);
	r->origin = FCGX_GetParam("HTTP_ORIGIN", io->envp);
	r->referer = FCGX_GetParam("HTTP_REFERER", io->envp);
	r->cookie = FCGX_GetParam("HTTP_COOKIE", io->envp);
	r->authorization = FCGX_GetParam("HTTP_AUTHORIZATION", io->envp);
	r->remote_addr = FCGX_GetParam("REMOTE_ADDR", io->envp);
	if (r->remote_addr == NULL)
		r->remote_addr = "";
	r->actor.ip = r->remote_addr;
	r->secure = cfg->cookie_secure ||
	    over_https(FCGX_GetParam("HTTPS", io->envp),
	    FCGX_GetParam("HTTP_X_FORWARDED_PROTO", io->envp));

	/* Path and query from REQUEST_URI, whatever SCRIPT_NAME says. */
	uri = FCGX_GetParam("REQUEST_URI", io->envp);
	if (uri == NULL || uri[0] != '/')
		return http_error(r, 400, "bad_request", "URI invalide");
	q = strchr(uri, '?');
	n = q != NULL ? (size_t)(q - uri) : strlen(uri);
	if (n >= sizeof(r->path))
		return http_error(r, 404, "not_found", "Ressource inconnue");
	memcpy(r->path, uri, n);
	r->path[n] = '\0';
	if (url_decode(r->path) == -1 || strstr(r->path, "/..") != NULL)
		return http_error(r, 400, "bad_request", "URI invalide");
	r->query = q != NULL ? q + 1 : NULL;
	if (http_query_parse(r) == -1)
		return http_error(r, 400, "bad_query",
		    "Paramètres de requête invalides");

	/* Body: refuse oversized ones unread. */
	cl = FCGX_GetParam("CONTENT_LENGTH", io->envp);
	if (cl != NULL && cl[0] != '\0' &&
	    num_parse(cl, 0, 1LL << 40, &len) == -1)
		return http_error(r, 400, "bad_request",
		    "Content-Length invalide");
	if (len > (long long)cfg->max_body)
		return http_error(r, 413, "payload_too_large",
		    "Corps de requête trop volumineux");
	if (len == 0) {
		/* An empty form is still a form (then refused for its CSRF). */
		r->form = ctype_is(r->content_type,
		    "application/x-www-form-urlencoded");
		return 0;
	}
	if ((r->body = malloc((size_t)len + 1)) == NULL)
		return http_error(r, 503, "unavailable", "Mémoire épuisée");
	got = io->read(io->arg, r->body, (size_t)len);
	r->body[got] = '\0';
	r->bodylen = got;
	if (got != (size_t)len)
		return http_error(r, 400, "bad_request", "Corps incomplet");

	/* An HTML form (the admin pages): decoded into fk/fv. */
	if (ctype_is(r->content_type, "application/x-www-form-urlencoded")) {
		if (strlen(r->body) != r->bodylen ||
		    parse_pairs(r->body, r->fk, r->fv, &r->nf) == -1)
			return http_error(r, 400, "bad_form",
			    "Formulaire invalide");
		r->form = 1;
		return 0;
	}
	if (!ctype_is_json(r->content_type))
		return 0;	/* the router answers 415 where JSON is needed */
	return http_body_json(r);
}

/*
 * r->body (r->bodylen bytes, NUL after them) as one JSON object into
 * r->in: strict syntax, nesting at most 16 deep, nothing after it but
 * blanks, no NUL inside. 0, or 400 with r->out set.
 */
int
http_body_json(struct req *r)
{
	struct json_tokener *tok;

	if ((tok = json_tokener_new_ex(16)) == NULL)
		return http_error(r, 503, "unavailable", "Mémoire épuisée");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	r->in = json_tokener_parse_ex(tok, r->body, (int)r->bodylen);
	if (r->in == NULL ||
	    json_tokener_get_error(tok) != json_tokener_success ||
	    strspn(r->body + json_tokener_get_parse_end(tok), " \t\r\n") !=
	    r->bodylen - json_tokener_get_parse_end(tok) ||
	    strlen(r->body) != r->bodylen) {
		json_tokener_free(tok);
		json_object_put(r->in);
		r->in = NULL;
		return http_error(r, 400, "invalid_json",
		    "Le corps n'est pas un JSON valide");
	}
	json_tokener_free(tok);
	if (!json_object_is_type(r->in, json_type_object))
		return http_error(r, 400, "invalid_json",
		    "Le corps doit être un objet JSON");
	return 0;
}

static void
io_puts(const struct http_io *io, const char *s)
{
	io->write(io->arg, s, strlen(s));
}

/*
 * Write the answer: status line, the headers every answer carries, and
 * the body: r->html when set (the admin pages), else the JSON of r->out.
 * Events recorded by the handler were committed already; they are
 * published by the caller after this, off the answer's path.
 */
void
http_finish(struct req *r, int status)
{
	const struct http_io *o = r->io;
	const char *body = NULL, *csp, *ctype;
	char h[1024];
	size_t len = 0, n, i;

	if (r->html != NULL) {
		body = r->html;
		len = r->htmllen;
		ctype = "text/html; charset=utf-8";
		csp = "default-src 'none'; style-src 'unsafe-inline'; "
		    "form-action 'self'; frame-ancestors 'none'";
	} else if (r->csv != NULL) {
		body = r->csv;
		len = r->csvlen;
		ctype = "text/csv; charset=utf-8";
		csp = "default-src 'none'; frame-ancestors 'none'";
	} else {
		if (r->out != NULL)
			body = json_object_to_json_string_length(r->out,
			    JSON_C_TO_STRING_PLAIN |
			    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
		ctype = "application/json; charset=utf-8";
		csp = "default-src 'none'; frame-ancestors 'none'";
	}
	/* Formatted here: libfcgi's own printf knows no %zu or %lld. */
	n = (size_t)snprintf(h, sizeof(h), "Status: %d %s\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "Referrer-Policy: same-origin\r\n"
	    "Content-Security-Policy: %s\r\n", status,
	    http_status_text(status), csp);
	if (r->retry_after > 0 && n < sizeof(h))
		n += (size_t)snprintf(h + n, sizeof(h) - n,
		    "Retry-After: %lld\r\n", r->retry_after);
	if (r->allow != NULL && n < sizeof(h))
		n += (size_t)snprintf(h + n, sizeof(h) - n, "Allow: %s\r\n",
		    r->allow);
	/* Locations are the program's own paths, never request text. */
	if (r->location[0] != '\0' && n < sizeof(h))
		n += (size_t)snprintf(h + n, sizeof(h) - n,
		    "Location: %s\r\n", r->location);
	/* The file name is the program's own (csv_answer checks it). */
	if (r->csv != NULL && n < sizeof(h))
		n += (size_t)snprintf(h + n, sizeof(h) - n,
		    "Content-Disposition: attachment; filename=\"%s\"\r\n",
		    r->filename);
	if (body != NULL && n < sizeof(h))
		n += (size_t)snprintf(h + n, sizeof(h) - n,
		    "Content-Type: %s\r\n"
		    "Content-Length: %zu\r\n", ctype, len);
	else if (n < sizeof(h))
		n += (size_t)snprintf(h + n, sizeof(h) - n,
		    "Content-Length: 0\r\n");
	assert(n < sizeof(h));
	o->write(o->arg, h, n);
	if (r->set_cookie != NULL) {
		io_puts(o, "Set-Cookie: ");
		io_puts(o, r->set_cookie);
		io_puts(o, "\r\n");
	}
	for (i = 0; i < r->ncookies; i++) {
		io_puts(o, "Set-Cookie: ");
		io_puts(o, r->cookies[i]);
		io_puts(o, "\r\n");
	}
	io_puts(o, "\r\n");
	if (body != NULL && r->method != METH_HEAD)
		o->write(o->arg, body, len);
}

/*
 * Queue a Set-Cookie for name=value on path, HttpOnly and SameSite=Strict
 * (Secure when the request came over https, or when configured); max_age 0 deletes it. name, value and path
 * are the program's own (a token, a key of a fixed table), never request
 * text. 0, or -1 when the list is full or memory is out.
 */
int
http_cookie_add(struct req *r, const char *name, const char *value,
    const char *path, long long max_age)
{
	char *c;

	if (r->ncookies == REQ_MAX_COOKIES ||
	    asprintf(&c, "%s=%s; Path=%s; HttpOnly; SameSite=Strict; "
	    "Max-Age=%lld%s", name, value, path, max_age,
	    r->secure ? "; Secure" : "") == -1)
		return -1;
	r->cookies[r->ncookies++] = c;
	return 0;
}

/* Release everything the request allocated. */
void
req_free(struct req *r)
{
	size_t i;

	for (i = 0; i < r->nq; i++) {
		free(r->qk[i]);
		free(r->qv[i]);
	}
	for (i = 0; i < r->nf; i++) {
		free(r->fk[i]);
		free(r->fv[i]);
	}
	for (i = 0; i < r->ncookies; i++)
		free(r->cookies[i]);
	free(r->html);
	free(r->csv);
	json_object_put(r->in);
	json_object_put(r->out);
	free(r->body);
	free(r->set_cookie);
	ev_batch_clear(&r->evs);
	memset(r, 0, sizeof(*r));
}
