/*
 * log.h - structured log lines on stderr.
 *
 * One line per record: "ts=... level=... prog=... msg=..." followed by
 * key=value pairs given by the caller. Values are quoted and escaped so
 * that request data can never forge a line. lighttpd forwards FastCGI
 * stderr to its error log; the pusher's stderr is its log.
 */
#ifndef POSTES_LOG_H
#define POSTES_LOG_H

#include <stddef.h>

enum log_level { LOG_LVL_DEBUG, LOG_LVL_INFO, LOG_LVL_WARN, LOG_LVL_ERR, LOG_LVL__MAX };

void	log_init(const char *prog);
void	log_set_level(enum log_level);
/* fmt formats the message; it is escaped before it is written. */
void	log_msg(enum log_level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#define log_debug(...)	log_msg(LOG_LVL_DEBUG, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_err(...)	log_msg(LOG_LVL_ERR, __VA_ARGS__)

/* Write s into buf (size n) with control chars and quotes escaped. */
void	log_escape(char *buf, size_t n, const char *s);

#endif
