/*
 * test_relay.c - postes-relay over tcp:// with CURVE: a ring published by
 * a listed key reaches every listed subscriber; an unlisted key, or a
 * peer without CURVE, neither publishes nor receives; SIGTERM ends the
 * relay with status 0. Runs the real program (../postes-relay beside
 * this test's directory) on two free loopback ports.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libgen.h>
#include <limits.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <cmocka.h>

#include <zmq.h>

static pid_t	 relay_pid = -1;	/* killed by the teardown if a test fails */

static int
teardown(void **state)
{
	(void)state;
	if (relay_pid > 0) {
		kill(relay_pid, SIGKILL);
		waitpid(relay_pid, NULL, 0);
	}
	relay_pid = -1;
	return 0;
}

/*
 * waitpid with a time limit: a relay that does not stop fails the test
 * (the teardown kills it) instead of hanging the whole suite.
 */
static pid_t
wait_exit(pid_t pid, int ms, int *st)
{
	struct timespec	 ts = { 0, 10 * 1000000L };
	pid_t		 r;
	int		 waited;

	for (waited = 0; waited < ms; waited += 10) {
		if ((r = waitpid(pid, st, WNOHANG)) != 0)
			return r;
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "pid %d still running after %d ms\n", (int)pid, ms);
	return -1;
}

static int
free_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* A CURVE client socket (keys NULL: no CURVE at all). */
static void *
client(void *ctx, int type, const char *server_pub, const char *pub,
    const char *sec, const char *ep)
{
	void	*s = zmq_socket(ctx, type);
	int	 zero = 0;

	assert_non_null(s);
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
	if (pub != NULL) {
		assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY,
		    server_pub, 40), 0);
		assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, pub, 40), 0);
		assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, sec, 40), 0);
	}
	if (type == ZMQ_SUB)
		assert_int_equal(zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0), 0);
	assert_int_equal(zmq_connect(s, ep), 0);
	return s;
}

/* Next message on s within ms into buf ("" when none). */
static void
recv_within(void *s, int ms, char *buf, size_t cap)
{
	int	 n;

	zmq_setsockopt(s, ZMQ_RCVTIMEO, &ms, sizeof(ms));
	n = zmq_recv(s, buf, cap - 1, 0);
	buf[n > 0 ? (size_t)n : 0] = '\0';
}

static void
relay_curve(void **state)
{
	char	 spub[41], ssec[41], apub[41], asec[41], xpub[41], xsec[41];
	char	 in[64], out[64], env[200], self[PATH_MAX], bin[PATH_MAX + 32];
	char	 buf[64];
	void	*ctx, *pub, *sub, *xsubk, *nsub, *xpubk;
	pid_t	 pid;
	ssize_t	 n;
	int	 st, i, good = 0, bad = 0;

	(void)state;
	assert_int_equal(zmq_curve_keypair(spub, ssec), 0);
	assert_int_equal(zmq_curve_keypair(apub, asec), 0);
	assert_int_equal(zmq_curve_keypair(xpub, xsec), 0);
	snprintf(in, sizeof(in), "tcp://127.0.0.1:%d", free_port());
	snprintf(out, sizeof(out), "tcp://127.0.0.1:%d", free_port());

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	snprintf(bin, sizeof(bin), "%s/../postes-relay", dirname(self));
	assert_int_equal(access(bin, X_OK), 0);

	if ((pid = fork()) == 0) {
		unsetenv("POSTES_CONFIG");
		unsetenv("POSTES_SECRETS_FILE");
		setenv("POSTES_VAR_DIR", "/tmp", 1);
		setenv("POSTES_ZMQ_RELAY", in, 1);
		setenv("POSTES_ZMQ_RELAY_SUB", out, 1);
		setenv("POSTES_ZMQ_SERVER_SECRET", ssec, 1);
		snprintf(env, sizeof(env), "%s", apub);
		setenv("POSTES_ZMQ_CLIENTS", env, 1);
		execl(bin, "postes-relay", (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	relay_pid = pid;

	ctx = zmq_ctx_new();
	sub = client(ctx, ZMQ_SUB, spub, apub, asec, out);
	xsubk = client(ctx, ZMQ_SUB, spub, xpub, xsec, out);	/* unlisted */
	nsub = client(ctx, ZMQ_SUB, NULL, NULL, NULL, out);	/* no CURVE */
	pub = client(ctx, ZMQ_PUB, spub, apub, asec, in);
	xpubk = client(ctx, ZMQ_PUB, spub, xpub, xsec, in);	/* unlisted */

	/* PUB/SUB drops what is sent before the subscription arrives: ring
	 * until the listed subscriber hears, for 5 s at most. */
	for (i = 0; i < 50 && !good; i++) {
		zmq_send(xpubk, "666", 3, ZMQ_DONTWAIT);
		zmq_send(pub, "42", 2, ZMQ_DONTWAIT);
		recv_within(sub, 100, buf, sizeof(buf));
		if (strcmp(buf, "42") == 0)
			good = 1;
		else if (buf[0] != '\0')
			bad++;
	}
	assert_true(good);
	/* More rings: the listed subscriber gets them, the others nothing;
	 * the unlisted publisher's never arrive. */
	for (i = 0; i < 10; i++) {
		zmq_send(xpubk, "666", 3, ZMQ_DONTWAIT);
		zmq_send(pub, "43", 2, ZMQ_DONTWAIT);
		recv_within(sub, 200, buf, sizeof(buf));
		if (strcmp(buf, "43") != 0 && strcmp(buf, "42") != 0)
			bad++;
		recv_within(xsubk, 10, buf, sizeof(buf));
		if (buf[0] != '\0')
			bad++;
		recv_within(nsub, 10, buf, sizeof(buf));
		if (buf[0] != '\0')
			bad++;
	}
	assert_int_equal(bad, 0);

	zmq_close(pub);
	zmq_close(xpubk);
	zmq_close(sub);
	zmq_close(xsubk);
	zmq_close(nsub);
	zmq_ctx_term(ctx);
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(wait_exit(pid, 10000, &st), pid);
	relay_pid = -1;
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void
relay_refuses_half_tcp(void **state)
{
	char	 self[PATH_MAX], bin[PATH_MAX + 32];
	ssize_t	 n;
	pid_t	 pid;
	int	 st;

	(void)state;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	snprintf(bin, sizeof(bin), "%s/../postes-relay", dirname(self));
	/* tcp:// without CURVE keys: refused at start, nothing bound. */
	if ((pid = fork()) == 0) {
		unsetenv("POSTES_CONFIG");
		setenv("POSTES_VAR_DIR", "/tmp", 1);
		setenv("POSTES_ZMQ_RELAY", "tcp://127.0.0.1:1", 1);
		setenv("POSTES_ZMQ_RELAY_SUB", "tcp://127.0.0.1:2", 1);
		unsetenv("POSTES_ZMQ_SERVER_SECRET");
		unsetenv("POSTES_ZMQ_CLIENTS");
		execl(bin, "postes-relay", (char *)NULL);
		_exit(127);
	}
	relay_pid = pid;
	assert_int_equal(wait_exit(pid, 10000, &st), pid);
	relay_pid = -1;
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(relay_curve, teardown),
		cmocka_unit_test_teardown(relay_refuses_half_tcp, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
