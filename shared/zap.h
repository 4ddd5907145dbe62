/*
 * zap.h - ZeroMQ's ZAP handler (RFC 27) for our CURVE endpoints, and the
 * 0700 directory of an ipc:// endpoint.
 *
 * The pusher's intake and postes-relay close their sockets the same
 * way: on ipc:// the NULL mechanism (the directory's permissions are the
 * gate), on tcp:// CURVE with a listed client key only, anything else
 * refused with 400. This is that one rule, written once.
 */
#ifndef POSTES_ZAP_H
#define POSTES_ZAP_H

#include <stddef.h>

#define ZAP_KEYS_MAX	64

struct zap {
	const char	*domain;	/* the ZAP domain our sockets set */
	int		 curve;		/* 1: CURVE with a listed key */
	unsigned char	 keys[ZAP_KEYS_MAX][32];
	size_t		 nkeys;
};

/*
 * Comma-separated Z85 public keys (POSTES_ZMQ_CLIENTS) into z->keys.
 * 0, or -1 when one is not 40 Z85 characters or there are too many.
 */
int	 zap_parse_keys(struct zap *z, const char *list);
/*
 * The directory of an ipc:// path: made 0700 if missing; refused (-1,
 * logged) unless it is a directory of this user, then chmod 0700.
 */
int	 zap_ipc_dir(const char *path);
/*
 * Answer one ZAP request read from sock (a REP socket bound on
 * inproc://zeromq.zap.01); flags 0 (block) or ZMQ_DONTWAIT.
 * Returns 1 accepted, 0 refused (why, when not NULL, says which
 * mechanism and key, for a log line), -1 when nothing could be read.
 */
int	 zap_handle(const struct zap *z, void *sock, int flags,
	    char *why, size_t whysz);
/*
 * zmq_ctx_term(ctx), waiting at most ms milliseconds. libzmq 4.3.4 can
 * block there for ever when a peer's handshake was waiting on the ZAP
 * handler as it closed (seen once in test_relay: the ZAP thread gone,
 * the main thread in zmq_ctx_term). Our sockets all linger 0 and a
 * doorbell carries nothing the outbox does not hold, so a stop that
 * would hang is not worth waiting for: 0 when the context ended, -1
 * (logged) when the time ran out and it was left to the process's exit.
 */
int	 zap_ctx_term(void *ctx, int ms);

#endif
