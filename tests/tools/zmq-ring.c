/*
 * zmq-ring.c - a ZeroMQ PUSH client for the intake tests: connect to an
 * endpoint (with CURVE keys from the environment, or none), report how
 * the handshake ended, and send the given messages when it succeeded.
 *
 *	zmq-ring ENDPOINT [MESSAGE ...]
 *	ZMQ_RING_SERVER_PUBLIC, ZMQ_RING_CLIENT_PUBLIC,
 *	ZMQ_RING_CLIENT_SECRET: CURVE (Z85), all three or none
 *
 * Prints "accepted" (exit 0), "refused <event>" (exit 3) or "timeout"
 * (exit 4, nothing heard within 3 s).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zmq.h>

int
main(int argc, char *argv[])
{
	const char	*sp = getenv("ZMQ_RING_SERVER_PUBLIC");
	const char	*cp = getenv("ZMQ_RING_CLIENT_PUBLIC");
	const char	*cs = getenv("ZMQ_RING_CLIENT_SECRET");
	void		*ctx, *push, *mon;
	zmq_pollitem_t	 it;
	zmq_msg_t	 ev;
	unsigned short	 event;
	int		 i, linger = 500, rc = 4;

	if (argc < 2) {
		fprintf(stderr, "usage: zmq-ring endpoint [message ...]\n");
		return 2;
	}
	ctx = zmq_ctx_new();
	push = zmq_socket(ctx, ZMQ_PUSH);
	zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof(linger));
	if (sp != NULL && cp != NULL && cs != NULL &&
	    (zmq_setsockopt(push, ZMQ_CURVE_SERVERKEY, sp, 40) != 0 ||
	    zmq_setsockopt(push, ZMQ_CURVE_PUBLICKEY, cp, 40) != 0 ||
	    zmq_setsockopt(push, ZMQ_CURVE_SECRETKEY, cs, 40) != 0)) {
		fprintf(stderr, "curve: %s\n", zmq_strerror(zmq_errno()));
		return 2;
	}
	zmq_socket_monitor(push, "inproc://ring-monitor", ZMQ_EVENT_ALL);
	mon = zmq_socket(ctx, ZMQ_PAIR);
	zmq_connect(mon, "inproc://ring-monitor");
	if (zmq_connect(push, argv[1]) != 0) {
		fprintf(stderr, "connect: %s\n", zmq_strerror(zmq_errno()));
		return 2;
	}
	for (;;) {
		it.socket = mon;
		it.events = ZMQ_POLLIN;
		if (zmq_poll(&it, 1, 3000) <= 0)
			break;
		zmq_msg_init(&ev);
		zmq_msg_recv(&ev, mon, 0);
		memcpy(&event, zmq_msg_data(&ev), sizeof(event));
		zmq_msg_close(&ev);
		zmq_msg_init(&ev);
		zmq_msg_recv(&ev, mon, 0);	/* the address */
		zmq_msg_close(&ev);
		if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
			for (i = 2; i < argc; i++)
				zmq_send(push, argv[i], strlen(argv[i]), 0);
			printf("accepted\n");
			rc = 0;
			break;
		}
		if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL ||
		    event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ||
		    event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ||
		    event == ZMQ_EVENT_DISCONNECTED) {
			printf("refused %#x\n", event);
			rc = 3;
			break;
		}
	}
	if (rc == 4)
		printf("timeout\n");
	fflush(stdout);
	zmq_socket_monitor(push, NULL, 0);
	zmq_close(mon);
	zmq_close(push);
	zmq_ctx_term(ctx);
	return rc;
}
