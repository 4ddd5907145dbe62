/*
 * loadgen.c - many WebSocket or SSE subscribers in one epoll loop, for
 * the pusher benchmark (tests/bench/pusher-bench.sh). The same program
 * measures postes-pusher and Nchan, so neither gets a friendlier client.
 *
 *	loadgen -t ws|sse -a HOST -p PORT -u PATH -n CONNS [-s SRCIP]
 *	        [-H 'Header: value'] [-m MSGS] [-T SECONDS] [-o LATFILE]
 *
 * Opens CONNS connections (at most 256 handshakes in flight), prints
 * "READY <connected> <failed>" once every handshake is done, then reads
 * until each live connection has MSGS benchmark messages, or nothing
 * new arrived for T seconds. A benchmark message is any WebSocket text
 * frame or SSE record containing "t_us" then, after any of the
 * characters `":= `, the send time in microseconds (CLOCK_REALTIME):
 * "nom":"t_us=1764...", as tests/bench/publish.c stamps it, or
 * "t_us":1764...; its latency is now - that time. The last line is
 *
 *	DONE held=H failed=F closed=C msgs=M short=S min=K extra=E bytes=B
 *	     cpu_ms=U
 *
 * (S connections received fewer than MSGS, the fewest being K; E other
 * messages arrived after READY, e.g. the pusher's stats_update; B is
 * the size of the first benchmark message: the WebSocket payload, or
 * the SSE record without its blank line; U is this process's own CPU
 * time, user and system, since READY: what reading the messages cost the
 * machine the servers share) and LATFILE receives one
 * latency (microseconds) per line. Answers
 * WebSocket pings; decodes chunked transfer encoding. Loopback only by
 * intent: nothing here is hardened against a hostile server.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

enum cstate { C_IDLE, C_CONNECTING, C_HEAD, C_STREAM, C_DEAD };

struct conn {
	int		 fd;
	enum cstate	 st;
	int		 chunked;
	int		 cstate;	/* 0 size line, 1 data, 2 CRLF */
	size_t		 cleft;
	char		*in;		/* raw bytes */
	size_t		 inlen, incap;
	char		*body;		/* de-chunked SSE text */
	size_t		 blen, bcap;
	unsigned int	 msgs;
};

static const char	*host = "127.0.0.1", *src, *path = "/", *xport = "ws";
static int		 port = 8081, nconn = 100, expect = 20, timeout_s = 10;
static char		*hdrs[8];
static int		 nhdrs;
static struct conn	*conns;
static long long	*lat;
static size_t		 nlat, latcap;
static int		 connected, failed, closed_n, done_n, ready;
static long long	 extra;
static size_t		 first_bytes;
static volatile sig_atomic_t stop;

/* User and system time of a getrusage() answer, in microseconds. */
static long long
ru_us(const struct rusage *ru)
{
	return (ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000000LL +
	    ru->ru_utime.tv_usec + ru->ru_stime.tv_usec;
}

static long long
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
append(char **b, size_t *len, size_t *cap, const char *p, size_t n)
{
	char	*nb;
	size_t	 nc;

	if (n == 0)
		return 0;
	if (*len + n > *cap) {
		nc = *cap == 0 ? 2048 : *cap;
		while (nc < *len + n)
			nc *= 2;
		if (nc > (1 << 22) || (nb = realloc(*b, nc)) == NULL)
			return -1;
		*b = nb;
		*cap = nc;
	}
	memcpy(*b + *len, p, n);
	*len += n;
	return 0;
}

/* A message arrived: count it if it is a benchmark message. */
static void
message(struct conn *c, const char *p, size_t n)
{
	static const char	 key[] = "t_us";
	const char		*q, *end = p + n;
	long long		 t = 0;
	int			 digits = 0;

	q = memmem(p, n, key, sizeof(key) - 1);
	if (q != NULL)
		for (q += sizeof(key) - 1; q < end && strchr("\":= ", *q) != NULL &&
		    *q != '\0'; q++)
			continue;
	for (; q != NULL && q < end && *q >= '0' && *q <= '9' && digits < 18;
	    q++, digits++)
		t = t * 10 + (*q - '0');
	if (digits < 10) {
		if (ready)
			extra++;
		return;
	}
	if (first_bytes == 0)
		first_bytes = n;
	if (nlat < latcap)
		lat[nlat++] = now_us() - t;
	if (++c->msgs == (unsigned int)expect)
		done_n++;
}

static void
kill_conn(struct conn *c, int was_live)
{
	if (c->st == C_DEAD)
		return;
	if (was_live)
		closed_n++;
	else
		failed++;
	close(c->fd);
	c->st = C_DEAD;
	free(c->in);
	free(c->body);
	c->in = c->body = NULL;
	c->inlen = c->incap = c->blen = c->bcap = 0;
}

static void
send_all(struct conn *c, const void *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		p = (const char *)p + w;
		n -= (size_t)w;
	}
}

static void
handshake(struct conn *c)
{
	char	 req[2048];
	int	 n, i;

	if (strcmp(xport, "ws") == 0)
		n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s:%d\r\n"
		    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
		    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		    "Sec-WebSocket-Version: 13\r\n", path, host, port);
	else
		n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s:%d\r\n"
		    "Accept: text/event-stream\r\n", path, host, port);
	for (i = 0; i < nhdrs; i++)
		n += snprintf(req + n, sizeof(req) - (size_t)n, "%s\r\n", hdrs[i]);
	n += snprintf(req + n, sizeof(req) - (size_t)n, "\r\n");
	send_all(c, req, (size_t)n);
	c->st = C_HEAD;
}

/* WebSocket frames from the server (unmasked). */
static void
ws_frames(struct conn *c)
{
	unsigned char	*b = (unsigned char *)c->in, pong[2 + 4 + 125];
	size_t		 o = 0, h, len, i;
	int		 op;

	while (c->inlen - o >= 2) {
		op = b[o] & 0x0f;
		len = b[o + 1] & 0x7f;
		h = 2;
		if (len == 126) {
			if (c->inlen - o < 4)
				break;
			len = (size_t)b[o + 2] << 8 | b[o + 3];
			h = 4;
		} else if (len == 127) {
			if (c->inlen - o < 10)
				break;
			for (len = 0, i = 0; i < 8; i++)
				len = len << 8 | b[o + 2 + i];
			h = 10;
		}
		if (c->inlen - o < h + len)
			break;
		if (op == 1)
			message(c, (char *)b + o + h, len);
		else if (op == 9 && len <= 125) {
			pong[0] = 0x8A;
			pong[1] = (unsigned char)(0x80 | len);
			memset(pong + 2, 0, 4);		/* zero mask key */
			memcpy(pong + 6, b + o + h, len);
			send_all(c, pong, 6 + len);
		} else if (op == 8) {
			kill_conn(c, 1);
			return;
		}
		o += h + len;
	}
	memmove(c->in, c->in + o, c->inlen - o);
	c->inlen -= o;
}

/* SSE records in c->body. */
static void
sse_records(struct conn *c)
{
	char	*e;
	size_t	 o = 0;

	if (c->body == NULL)
		return;
	while ((e = memmem(c->body + o, c->blen - o, "\n\n", 2)) != NULL) {
		message(c, c->body + o, (size_t)(e - (c->body + o)));
		o = (size_t)(e - c->body) + 2;
	}
	memmove(c->body, c->body + o, c->blen - o);
	c->blen -= o;
}

static int
dechunk(struct conn *c)
{
	size_t	 o = 0, n;
	char	*e;

	while (o < c->inlen) {
		if (c->cstate == 0) {
			e = memmem(c->in + o, c->inlen - o, "\r\n", 2);
			if (e == NULL)
				break;
			c->cleft = strtoul(c->in + o, NULL, 16);
			o = (size_t)(e - c->in) + 2;
			if (c->cleft == 0)
				return -1;	/* end of body */
			c->cstate = 1;
		} else if (c->cstate == 1) {
			n = c->inlen - o < c->cleft ? c->inlen - o : c->cleft;
			if (append(&c->body, &c->blen, &c->bcap, c->in + o, n) == -1)
				return -1;
			o += n;
			c->cleft -= n;
			if (c->cleft == 0)
				c->cstate = 2;
		} else {
			if (c->inlen - o < 2)
				break;
			o += 2;
			c->cstate = 0;
		}
	}
	memmove(c->in, c->in + o, c->inlen - o);
	c->inlen -= o;
	return 0;
}

static void
readable(struct conn *c)
{
	char	 buf[16384], *e;
	ssize_t	 n;
	size_t	 hl;
	int	 code;

	for (;;) {
		n = recv(c->fd, buf, sizeof(buf), 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			kill_conn(c, c->st == C_STREAM);
			return;
		}
		if (n < 0)
			return;
		if (append(&c->in, &c->inlen, &c->incap, buf, (size_t)n) == -1) {
			kill_conn(c, c->st == C_STREAM);
			return;
		}
		if (c->st == C_HEAD) {
			if ((e = memmem(c->in, c->inlen, "\r\n\r\n", 4)) == NULL)
				continue;
			hl = (size_t)(e - c->in) + 4;
			code = c->inlen > 12 ? atoi(c->in + 9) : 0;
			if (code != (strcmp(xport, "ws") == 0 ? 101 : 200)) {
				kill_conn(c, 0);
				return;
			}
			*e = '\0';
			c->chunked = strcasestr(c->in, "transfer-encoding: chunked") != NULL;
			memmove(c->in, c->in + hl, c->inlen - hl);
			c->inlen -= hl;
			c->st = C_STREAM;
			connected++;
		}
		if (strcmp(xport, "ws") == 0)
			ws_frames(c);
		else {
			if (c->chunked) {
				if (dechunk(c) == -1) {
					kill_conn(c, 1);
					return;
				}
			} else {
				if (append(&c->body, &c->blen, &c->bcap, c->in,
				    c->inlen) == -1)
					return;
				c->inlen = 0;
			}
			sse_records(c);
		}
		if (c->st == C_DEAD)
			return;
	}
}

static int
start_connect(int ep, struct conn *c)
{
	struct sockaddr_in	 sa, ss;
	struct epoll_event	 ev;
	int			 one = 1;

	if ((c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		return -1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (src != NULL) {
		memset(&ss, 0, sizeof(ss));
		ss.sin_family = AF_INET;
		inet_pton(AF_INET, src, &ss.sin_addr);
		setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
		    sizeof(one));
		if (bind(c->fd, (struct sockaddr *)&ss, sizeof(ss)) == -1)
			return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, host, &sa.sin_addr);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 &&
	    errno != EINPROGRESS)
		return -1;
	c->st = C_CONNECTING;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLOUT;
	ev.data.ptr = c;
	return epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

static int
cmp_ll(const void *a, const void *b)
{
	long long	 x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static void
on_sig(int s)
{
	(void)s;
	stop = 1;
}

int
main(int argc, char *argv[])
{
	struct epoll_event	 evs[512], mod;
	struct rusage		 ru0, ru1;
	struct rlimit		 rl;
	struct conn		*c;
	const char		*latfile = NULL;
	long long		 last_progress, t;
	int			 ep, i, n, ch, next = 0, inflight;
	int			 last_msgs = 0, err;
	socklen_t		 el;
	FILE			*f;

	while ((ch = getopt(argc, argv, "t:a:p:u:n:s:H:m:T:o:")) != -1) {
		switch (ch) {
		case 't': xport = optarg; break;
		case 'a': host = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'u': path = optarg; break;
		case 'n': nconn = atoi(optarg); break;
		case 's': src = optarg; break;
		case 'H': if (nhdrs < 8) hdrs[nhdrs++] = optarg; break;
		case 'm': expect = atoi(optarg); break;
		case 'T': timeout_s = atoi(optarg); break;
		case 'o': latfile = optarg; break;
		default:
			fprintf(stderr, "usage: see the comment in loadgen.c\n");
			return 2;
		}
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_sig);
	signal(SIGINT, on_sig);
	conns = calloc((size_t)nconn, sizeof(*conns));
	latcap = (size_t)nconn * (size_t)expect + 1024;
	lat = malloc(latcap * sizeof(*lat));
	if ((ep = epoll_create1(0)) == -1 || conns == NULL || lat == NULL)
		return 1;

	last_progress = now_us();
	while (!stop) {
		/* Keep up to 256 handshakes in flight. */
		inflight = 0;
		if (next < nconn) {
			for (i = 0; i < next; i++)
				if (conns[i].st == C_CONNECTING ||
				    conns[i].st == C_HEAD)
					inflight++;
			while (next < nconn && inflight < 256) {
				if (start_connect(ep, &conns[next]) == -1) {
					conns[next].st = C_DEAD;
					if (conns[next].fd > 0)
						close(conns[next].fd);
					failed++;
				} else
					inflight++;
				next++;
			}
		}
		n = epoll_wait(ep, evs, 512, 100);
		for (i = 0; i < n; i++) {
			c = evs[i].data.ptr;
			if (c->st == C_CONNECTING) {
				err = 0;
				el = sizeof(err);
				getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
				if (err != 0) {
					kill_conn(c, 0);
					continue;
				}
				memset(&mod, 0, sizeof(mod));
				mod.events = EPOLLIN;
				mod.data.ptr = c;
				epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &mod);
				handshake(c);
				continue;
			}
			if (c->st == C_HEAD || c->st == C_STREAM)
				readable(c);
		}
		if (!ready && next == nconn && connected + failed >= nconn) {
			ready = 1;
			getrusage(RUSAGE_SELF, &ru0);
			printf("READY %d %d\n", connected, failed);
			fflush(stdout);
			last_progress = now_us();
		}
		if (ready) {
			t = now_us();
			if ((int)nlat != last_msgs) {
				last_msgs = (int)nlat;
				last_progress = t;
			}
			if ((done_n >= connected - closed_n && nlat > 0) ||
			    connected == closed_n)
				break;
			if (t - last_progress > (long long)timeout_s * 1000000)
				break;
		}
	}
	for (i = 0, n = 0, ch = expect; i < nconn; i++)
		if (conns[i].st == C_STREAM && conns[i].msgs < (unsigned)expect) {
			n++;
			if ((int)conns[i].msgs < ch)
				ch = (int)conns[i].msgs;
		}
	getrusage(RUSAGE_SELF, &ru1);
	printf("DONE held=%d failed=%d closed=%d msgs=%zu short=%d min=%d "
	    "extra=%lld bytes=%zu cpu_ms=%lld\n", connected - closed_n, failed,
	    closed_n, nlat, n, ch, extra, first_bytes,
	    ready ? (ru_us(&ru1) - ru_us(&ru0)) / 1000 : 0);
	if (latfile != NULL && (f = fopen(latfile, "w")) != NULL) {
		qsort(lat, nlat, sizeof(*lat), cmp_ll);
		for (size_t k = 0; k < nlat; k++)
			fprintf(f, "%lld\n", lat[k]);
		fclose(f);
	}
	return 0;
}
