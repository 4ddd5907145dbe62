/*
 * log.c - structured log lines on stderr.
 *
 * Each record is formatted completely in a stack buffer and handed to
 * the kernel with one write(2), so lines from the pusher's threads or
 * from several FastCGI processes sharing lighttpd's error log do not
 * interleave. The message is escaped: a request field containing a
 * newline or a quote cannot start a forged record.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_MSG_MAX	1024	/* raw message, before escaping */
#define LOG_LINE_MAX	4096	/* whole record; escaping may grow 4x */

static const char *const level_names[LOG_LVL__MAX] = {
	"debug", "info", "warn", "error",
};

static char		 log_prog[64] = "postes";
static enum log_level	 log_level = LOG_LVL_INFO;

/* Set the program name and take the level from POSTES_LOG_LEVEL. */
void
log_init(const char *prog)
{
	const char	*lvl;
	int		 i;

	if (prog != NULL)
		snprintf(log_prog, sizeof(log_prog), "%s", prog);
	if ((lvl = getenv("POSTES_LOG_LEVEL")) == NULL || *lvl == '\0')
		return;
	for (i = 0; i < LOG_LVL__MAX; i++)
		if (strcasecmp(lvl, level_names[i]) == 0) {
			log_level = (enum log_level)i;
			return;
		}
	if (strcasecmp(lvl, "err") == 0)
		log_level = LOG_LVL_ERR;
	else
		log_warn("unknown POSTES_LOG_LEVEL %s, using info", lvl);
}

void
log_set_level(enum log_level lvl)
{
	if (lvl >= LOG_LVL_DEBUG && lvl < LOG_LVL__MAX)
		log_level = lvl;
}

/*
 * Escape s into buf of size n (n > 0 gives a NUL-terminated result):
 * '"' and '\\' get a backslash, \n \r \t are written as such, other
 * control bytes and DEL as \xNN. Bytes >= 0x80 pass through so UTF-8
 * stays readable. Output is cut before an escape that would not fit.
 */
void
log_escape(char *buf, size_t n, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	char			 esc[5];
	size_t			 o = 0, k;
	unsigned char		 c;

	if (n == 0)
		return;
	for (; s != NULL && *s != '\0'; s++) {
		c = (unsigned char)*s;
		k = 0;
		if (c == '"' || c == '\\') {
			esc[k++] = '\\';
			esc[k++] = (char)c;
		} else if (c == '\n' || c == '\r' || c == '\t') {
			esc[k++] = '\\';
			esc[k++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
		} else if (c < 0x20 || c == 0x7f) {
			esc[k++] = '\\';
			esc[k++] = 'x';
			esc[k++] = hex[c >> 4];
			esc[k++] = hex[c & 0xf];
		} else
			esc[k++] = (char)c;
		if (o + k >= n)
			break;
		memcpy(buf + o, esc, k);
		o += k;
	}
	buf[o] = '\0';
}

/* Format, escape and write one record if lvl passes the threshold. */
void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	char		 raw[LOG_MSG_MAX], msg[LOG_LINE_MAX - 128];
	char		 line[LOG_LINE_MAX], ts[32];
	struct timespec	 now;
	struct tm	 tm;
	va_list		 ap;
	int		 len, saved = errno;
	ssize_t		 w;
	size_t		 off;

	if (lvl < LOG_LVL_DEBUG || lvl >= LOG_LVL__MAX || lvl < log_level)
		return;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	log_escape(msg, sizeof(msg), raw);

	clock_gettime(CLOCK_REALTIME, &now);
	if (gmtime_r(&now.tv_sec, &tm) == NULL ||
	    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(ts, sizeof(ts), "%s", "?");

	len = snprintf(line, sizeof(line),
	    "ts=%s.%03ldZ level=%s prog=%s msg=\"%s\"\n",
	    ts, now.tv_nsec / 1000000L, level_names[lvl], log_prog, msg);
	if (len < 0)
		goto out;
	if ((size_t)len >= sizeof(line)) {
		len = sizeof(line) - 1;
		line[len - 1] = '\n';
	}
	off = 0;
	while (off < (size_t)len) {
		w = write(STDERR_FILENO, line + off, (size_t)len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
out:
	errno = saved;
}
