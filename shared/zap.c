/*
 * zap.c - the ZAP handler both ZeroMQ servers use (the pusher's intake,
 * postes-relay), and the 0700 directory of an ipc:// endpoint.
 *
 * A ZAP request is up to seven frames (version, request id, domain,
 * address, identity, mechanism, credentials). It is accepted only for
 * our own domain, with NULL when the endpoint is ipc:// and with CURVE
 * and one of the listed client keys when it is tcp://. A request with
 * more frames is drained and refused. The caller owns the socket and
 * the loop (the intake polls it among others, the relay blocks in a
 * thread of its own).
 */
#include <errno.h>
#include <libgen.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <zmq.h>

#include "log.h"
#include "zap.h"

int
zap_parse_keys(struct zap *z, const char *list)
{
	char	 k[41];
	size_t	 n;

	z->nkeys = 0;
	while (*list != '\0') {
		list += strspn(list, " ,");
		if ((n = strcspn(list, " ,")) == 0)
			break;
		if (n != 40 || z->nkeys == ZAP_KEYS_MAX)
			return -1;
		memcpy(k, list, 40);
		k[40] = '\0';
		if (zmq_z85_decode(z->keys[z->nkeys], k) == NULL)
			return -1;
		z->nkeys++;
		list += n;
	}
	return 0;
}

int
zap_ipc_dir(const char *path)
{
	char		 buf[256], *dir;
	struct stat	 st;

	if (strlen(path) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", path);
	dir = dirname(buf);
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_err("mkdir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) == -1 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid()) {
		log_err("%s is not a directory of ours", dir);
		return -1;
	}
	if ((st.st_mode & 077) != 0 && chmod(dir, 0700) == -1) {
		log_err("chmod 0700 %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* One frame into buf (NUL-terminated, cut to cap - 1): its length. */
static int
zap_recv(void *sock, int flags, char *buf, size_t cap, int *more)
{
	zmq_msg_t	 zm;
	size_t		 len;

	zmq_msg_init(&zm);
	if (zmq_msg_recv(&zm, sock, flags) < 0) {
		zmq_msg_close(&zm);
		*more = 0;
		return -1;
	}
	len = zmq_msg_size(&zm) < cap - 1 ? zmq_msg_size(&zm) : cap - 1;
	memcpy(buf, zmq_msg_data(&zm), len);
	buf[len] = '\0';
	*more = zmq_msg_more(&zm);
	zmq_msg_close(&zm);
	return (int)len;
}

int
zap_handle(const struct zap *z, void *sock, int flags, char *why,
    size_t whysz)
{
	char		 f[7][256], key[41], junk[8];
	int		 n[7], more = 1, ok = 0, i = 0;
	size_t		 k;

	while (more && i < 7) {
		if ((n[i] = zap_recv(sock, flags, f[i], sizeof(f[i]),
		    &more)) < 0)
			return -1;
		i++;
	}
	while (more && zap_recv(sock, flags, junk, sizeof(junk), &more) >= 0)
		i = 0;		/* too many frames: refused */
	if (i >= 6 && strcmp(f[0], "1.0") == 0 &&
	    strcmp(f[2], z->domain) == 0) {
		if (!z->curve && i == 6 && strcmp(f[5], "NULL") == 0)
			ok = 1;
		else if (z->curve && i == 7 && strcmp(f[5], "CURVE") == 0 &&
		    n[6] == 32)
			for (k = 0; k < z->nkeys; k++)
				if (memcmp(z->keys[k], f[6], 32) == 0)
					ok = 1;
	}
	if (!ok && why != NULL) {
		key[0] = '\0';
		if (i == 7 && n[6] == 32)
			zmq_z85_encode(key, (const uint8_t *)f[6], 32);
		snprintf(why, whysz, "mechanism %s%s%s", i >= 6 ? f[5] : "?",
		    key[0] ? ", key " : "", key);
	}
	zmq_send(sock, "1.0", 3, ZMQ_SNDMORE);
	zmq_send(sock, f[1], i >= 2 ? (size_t)n[1] : 0, ZMQ_SNDMORE);
	zmq_send(sock, ok ? "200" : "400", 3, ZMQ_SNDMORE);
	zmq_send(sock, ok ? "OK" : "refused", ok ? 2 : 7, ZMQ_SNDMORE);
	zmq_send(sock, "", 0, ZMQ_SNDMORE);
	zmq_send(sock, "", 0, 0);
	return ok;
}

struct ctx_term {
	void		*ctx;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 done, abandoned;
};

static void *
ctx_term_main(void *arg)
{
	struct ctx_term	*t = arg;
	int		 abandoned;

	zmq_ctx_term(t->ctx);
	pthread_mutex_lock(&t->mu);
	t->done = 1;
	abandoned = t->abandoned;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
	if (abandoned)
		free(t);	/* the caller went on without us */
	return NULL;
}

int
zap_ctx_term(void *ctx, int ms)
{
	struct ctx_term	*t;
	struct timespec	 until;
	pthread_t	 tid;
	int		 done;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		zmq_ctx_term(ctx);
		return 0;
	}
	t->ctx = ctx;
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	if (pthread_create(&tid, NULL, ctx_term_main, t) != 0) {
		free(t);
		zmq_ctx_term(ctx);
		return 0;
	}
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&t->mu);
	while (!t->done && pthread_cond_timedwait(&t->cv, &t->mu,
	    &until) == 0)
		continue;
	done = t->done;
	if (!done)
		t->abandoned = 1;
	pthread_mutex_unlock(&t->mu);
	if (!done) {
		pthread_detach(tid);
		log_warn("zmq: the context did not end within %d ms; "
		    "left to the exit", ms);
		return -1;
	}
	pthread_join(tid, NULL);
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->cv);
	free(t);
	return 0;
}
