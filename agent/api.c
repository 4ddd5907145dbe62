/*
 * api.c - the kiosk API over libcurl, with the poste's Bearer token.
 *
 * One request is one easy handle: simple, and a request never shares
 * state with another thread. Every answer is reduced to struct api_res
 * the way the kiosk page's api.js reduces it: the status, the JSON
 * object if the body is one, the error code ("network" when nothing
 * came, "http_NNN" when a refusal carries no JSON error), Retry-After,
 * and the Date header for the server clock. Bodies are capped: a server
 * answering garbage costs at most API_BODY_MAX bytes and gives garbage=1,
 * never a crash. json-c does the parsing; jstr/jint/jobj read fields
 * with their types checked, so a wrong shape reads as "absent".
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <glib.h>
#include <json-c/json.h>

#include "config.h"
#include "log.h"
#include "extern.h"

#define API_BODY_MAX	(512 * 1024)

static const struct agent_cfg *cfg;
static char auth_header[AGENT_TOKEN_MAX + 32];

int
api_init(const struct agent_cfg *c)
{
	cfg = c;
	snprintf(auth_header, sizeof(auth_header), "Authorization: Bearer %s",
	    c->token);
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void
api_cleanup(void)
{
	curl_global_cleanup();
}

const struct agent_cfg *
api_cfg(void)
{
	return cfg;
}

/*
 * An easy handle for url with what every request shares: the token,
 * no redirects, no signals, the CA file. *hdrs receives the header list
 * (caller frees it with curl_slist_free_all after the transfer). The
 * caller owns the handle.
 */
void *
api_easy(const char *url, struct curl_slist **hdrs)
{
	CURL *h;

	if ((h = curl_easy_init()) == NULL)
		return NULL;
	*hdrs = curl_slist_append(NULL, auth_header);
	*hdrs = curl_slist_append(*hdrs, "Accept: application/json");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 3L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "postes-agent/1");
	if (cfg->ca_file[0] != '\0')
		curl_easy_setopt(h, CURLOPT_CAINFO, cfg->ca_file);
	return h;
}

struct body {
	char	*buf;
	size_t	 len;
	int	 over;
};

struct hdr {
	long		 retry_after;
	long long	 date_ms;
};

static size_t
on_body(char *p, size_t sz, size_t n, void *arg)
{
	struct body	*b = arg;
	size_t		 len = sz * n;
	char		*nb;

	if (b->len + len > API_BODY_MAX) {
		b->over = 1;
		return 0;	/* aborts the transfer */
	}
	if ((nb = realloc(b->buf, b->len + len + 1)) == NULL)
		return 0;
	b->buf = nb;
	memcpy(b->buf + b->len, p, len);
	b->len += len;
	b->buf[b->len] = '\0';
	return len;
}

static size_t
on_header(char *p, size_t sz, size_t n, void *arg)
{
	struct hdr	*h = arg;
	size_t		 len = sz * n;
	char		 line[256], *v;
	long long	 ra;
	time_t		 t;

	if (len >= sizeof(line))
		return len;
	memcpy(line, p, len);
	line[len] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	if ((v = strchr(line, ':')) == NULL)
		return len;
	*v++ = '\0';
	while (*v == ' ' || *v == '\t')
		v++;
	if (g_ascii_strcasecmp(line, "Retry-After") == 0 &&
	    num_parse(v, 0, 86400, &ra) == 0)
		h->retry_after = (long)ra;
	else if (g_ascii_strcasecmp(line, "Date") == 0 &&
	    (t = curl_getdate(v, NULL)) > 0)
		h->date_ms = (long long)t * 1000;
	return len;
}

int
api_call(const char *method, const char *path, const char *body,
    struct api_res *res)
{
	struct curl_slist	*hdrs = NULL;
	struct body		 b = { NULL, 0, 0 };
	struct hdr		 h = { -1, -1 };
	struct json_object	*o, *e;
	enum json_tokener_error	 jerr;
	char			 url[AGENT_URL_MAX + 512];
	const char		*c;
	CURLcode		 cc;
	CURL			*ch;

	memset(res, 0, sizeof(*res));
	res->retry_after = -1;
	res->date_ms = -1;
	snprintf(res->code, sizeof(res->code), "network");
	snprintf(url, sizeof(url), "%s%s", cfg->server, path);
	if ((ch = api_easy(url, &hdrs)) == NULL)
		return -1;
	if (body != NULL) {
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		curl_easy_setopt(ch, CURLOPT_POSTFIELDS, body);
	}
	curl_easy_setopt(ch, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "GET") == 0)
		curl_easy_setopt(ch, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(ch, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(ch, CURLOPT_TIMEOUT, (long)cfg->http_timeout);
	curl_easy_setopt(ch, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(ch, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(ch, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(ch, CURLOPT_HEADERDATA, &h);

	res->t_send = mono_ms();
	cc = curl_easy_perform(ch);
	res->t_recv = mono_ms();
	if (cc == CURLE_OK || b.over) {
		curl_easy_getinfo(ch, CURLINFO_RESPONSE_CODE, &res->status);
		res->retry_after = h.retry_after;
		res->date_ms = h.date_ms;
	}
	curl_easy_cleanup(ch);
	curl_slist_free_all(hdrs);
	if (cc != CURLE_OK && !b.over) {
		log_info("%s %s: %s", method, path, curl_easy_strerror(cc));
		res->status = 0;
		free(b.buf);
		return -1;
	}

	/* The body: a JSON object, or garbage. */
	o = b.len > 0 && !b.over && memchr(b.buf, '\0', b.len) == NULL ?
	    json_tokener_parse_verbose(b.buf, &jerr) : NULL;
	free(b.buf);
	if (o != NULL && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	res->json = o;
	res->garbage = o == NULL && (b.len > 0 || b.over);
	if (res->status >= 200 && res->status < 300) {
		if (o == NULL && res->status != 204) {
			res->garbage = 1;
			snprintf(res->code, sizeof(res->code), "garbage");
			return -1;
		}
		res->code[0] = '\0';
		return 0;
	}
	e = jobj(o, "error");
	c = jstr(e, "code");
	if (c != NULL && strlen(c) < sizeof(res->code) &&
	    strspn(c, "abcdefghijklmnopqrstuvwxyz_0123456789") == strlen(c))
		snprintf(res->code, sizeof(res->code), "%s", c);
	else
		snprintf(res->code, sizeof(res->code), "http_%ld",
		    res->status);
	return -1;
}

void
api_res_clear(struct api_res *res)
{
	if (res->json != NULL)
		json_object_put(res->json);
	res->json = NULL;
}

struct job {
	char		*method, *path, *body;
	api_cb		 cb;
	void		*arg;
	struct api_res	 res;
};

static gboolean
job_done(gpointer p)
{
	struct job *j = p;

	j->cb(&j->res, j->arg);
	api_res_clear(&j->res);
	g_free(j->method);
	g_free(j->path);
	g_free(j->body);
	g_free(j);
	return G_SOURCE_REMOVE;
}

static gpointer
job_run(gpointer p)
{
	struct job *j = p;

	api_call(j->method, j->path, j->body, &j->res);
	g_idle_add(job_done, j);
	return NULL;
}

void
api_async(const char *method, const char *path, const char *body,
    api_cb cb, void *arg)
{
	struct job	*j = g_new0(struct job, 1);
	GThread		*t;

	j->method = g_strdup(method);
	j->path = g_strdup(path);
	j->body = g_strdup(body);
	j->cb = cb;
	j->arg = arg;
	t = g_thread_new("api", job_run, j);
	g_thread_unref(t);
}

const char *
jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int
jint(struct json_object *o, const char *key, long long *out)
{
	struct json_object *v;

	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	*out = json_object_get_int64(v);
	return 0;
}

struct json_object *
jobj(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_object))
		return NULL;
	return v;
}
