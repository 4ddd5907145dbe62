/*
 * io.c - the socket loop every transport shares: N I/O threads, each
 * with its own epoll set, eventfd and one pending-write list.
 *
 * A connection (struct ioconn, embedded in the transport's own) is
 * given to one thread for its whole life, round robin, so subscribers
 * are sharded over the threads (POSTES_PUSHER_THREADS, default the
 * number of cores). The hub (chan.c) fans a message out under hub_lock
 * by appending a reference to each subscriber's queue; a queue that was
 * empty puts its connection on its thread's pending list (io_mark) and
 * pokes that thread's eventfd. Each thread then writes its own sockets:
 * under the lock it only gathers an iovec of the queued frames (the
 * shared, already framed bytes of each message: one WebSocket frame and
 * one SSE record per message, whatever the number of subscribers and
 * threads), marks them in flight (sub->inflight: a trim never drops
 * them), and lets go of the lock for the write itself (io_send). No lock is
 * held while a socket is written.
 *
 * A transport supplies struct io_ops: what to do when the socket is
 * readable (the WebSocket reader: frames, pings, close, flood limits;
 * SSE: only notice a hang-up), when the queue is drained after the
 * stream was told to end (WebSocket: half-close and wait for the peer;
 * SSE: finish), a once-a-second check (close waits, dead peers) and how
 * to give the socket back (to libmicrohttpd). Keep-alives (a ping, an
 * SSE comment) are queued by each thread to its own idle connections.
 *
 * io_uring was measured against epoll + writev on this machine (see
 * docs/pusher.md, "I/O threads"): it did not win, so it is not used.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "log.h"
#include "timefmt.h"
#include "extern.h"

#define IO_IOV		64	/* frames gathered per write */
#define IO_ROUNDS	8	/* writes per connection per turn */
#define IO_STOP_WAIT	2	/* s to write the last words at stop */

struct io_thread {
	pthread_t	 tid;
	int		 ep, evfd;
	struct ioconn	*dirty;		/* pending writes (hub_lock) */
	struct ioconn	*all;		/* its connections (hub_lock) */
	size_t		 n;		/* hub_lock */
};

static struct io_thread	*io_th;
static unsigned int	 io_nth, io_next;
static int		 io_running, io_stopping;

static void
io_signal(struct io_thread *t)
{
	uint64_t	 one = 1;

	if (write(t->evfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("io: eventfd: %s", strerror(errno));
}

void
io_conn_init(struct ioconn *c, const struct io_ops *ops, int fd,
    struct sub *s)
{
	unsigned int	 i;

	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->ops = ops;
	c->sub = s;
	i = __atomic_fetch_add(&io_next, 1, __ATOMIC_RELAXED);
	c->th = &io_th[i % io_nth];
}

void
io_mark(struct ioconn *c)
{
	struct io_thread	*t = c->th;

	if (c->dirty || c->gone || t == NULL)
		return;
	c->dirty = 1;
	c->dnext = t->dirty;
	if (t->dirty == NULL) {
		t->dirty = c;
		io_signal(t);
	} else
		t->dirty = c;
}

int
io_live(struct ioconn *c)
{
	struct io_thread	*t = c->th;
	struct epoll_event	 ev;

	if (__atomic_load_n(&io_stopping, __ATOMIC_ACQUIRE) || t == NULL)
		return -1;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLRDHUP;
	ev.data.ptr = c;
	if (epoll_ctl(t->ep, EPOLL_CTL_ADD, c->fd, &ev) == -1) {
		log_err("io: epoll_ctl: %s", strerror(errno));
		return -1;
	}
	c->next = t->all;
	c->prev = NULL;
	if (t->all != NULL)
		t->all->prev = c;
	t->all = c;
	t->n++;
	c->live = 1;
	io_mark(c);
	return 0;
}

/* Remove c from its thread's pending list. hub_lock held. */
static void
io_unmark(struct ioconn *c)
{
	struct ioconn	**pp;

	if (!c->dirty)
		return;
	for (pp = &c->th->dirty; *pp != NULL; pp = &(*pp)->dnext)
		if (*pp == c) {
			*pp = c->dnext;
			break;
		}
	c->dirty = 0;
}

/* c leaves the loop and goes back to its transport. Its thread only. */
static void
io_close(struct ioconn *c)
{
	struct io_thread	*t = c->th;

	pthread_mutex_lock(&hub_lock);
	io_unmark(c);
	c->gone = 1;
	if (c->live) {
		if (c->prev != NULL)
			c->prev->next = c->next;
		else
			t->all = c->next;
		if (c->next != NULL)
			c->next->prev = c->prev;
		t->n--;
		c->live = 0;
	}
	pthread_mutex_unlock(&hub_lock);
	epoll_ctl(t->ep, EPOLL_CTL_DEL, c->fd, NULL);
	c->ops->release(c);
}

static void
io_epoll_mod(struct ioconn *c, int out)
{
	struct epoll_event	 ev;
	int			 want = out + 2 * c->mute;

	if (c->want == want)
		return;
	c->want = want;
	memset(&ev, 0, sizeof(ev));
	ev.events = (c->mute ? 0 : EPOLLIN | EPOLLRDHUP) |
	    (out ? EPOLLOUT : 0);
	ev.data.ptr = c;
	epoll_ctl(c->th->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/*
 * Gather up to IO_IOV queued frames of s into iov, and the messages
 * they belong to into ms. hub_lock held. Returns the count.
 */
static int
io_gather(struct sub *s, struct iovec *iov, struct msg **ms)
{
	const char	*b;
	size_t		 i, len;
	int		 k = 0;

	for (i = 0; i < s->qlen && k < IO_IOV; i++) {
		ms[k] = s->q[(s->qhead + i) % s->qcap];
		b = s->tp->encode(ms[k], &len);
		if (i == 0) {
			b += s->qoff;
			len -= s->qoff;
		}
		iov[k].iov_base = (void *)(uintptr_t)b;
		iov[k].iov_len = len;
		k++;
	}
	s->inflight = (size_t)k;
	return k;
}

/*
 * Events whose last byte went out in n bytes of iov: their time from
 * queued to written, for the histogram.
 */
static void
io_observe(const struct iovec *iov, struct msg *const *ms, int k, size_t n)
{
	long long	 now = 0;
	int		 i;

	for (i = 0; i < k && n >= iov[i].iov_len; i++) {
		n -= iov[i].iov_len;
		if (ms[i]->queued_us == 0)
			continue;
		if (now == 0)
			now = time_us();
		hist_observe(H_QUEUED_WRITTEN, now - ms[i]->queued_us);
	}
}

/*
 * One write of k frames. A live stream mostly has one frame pending (an
 * event at a time): send(2) then, which goes straight to the socket,
 * where writev(2) also takes the file position lock and imports an
 * iovec (fdget_pos and vfs_writev were 4 % of the pusher's CPU in a
 * profile of 10,000 subscribers, nearly all the rest being the kernel's
 * TCP path that every server pays per write). MSG_NOSIGNAL: a peer gone
 * is an EPIPE to handle, not a signal.
 */
static ssize_t
io_send(int fd, struct iovec *iov, int k)
{
	struct msghdr	 mh;

	if (k == 1)
		return send(fd, iov[0].iov_base, iov[0].iov_len,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = (size_t)k;
	return sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* Write what is queued until the socket would block. Its thread. */
static void
io_flush(struct ioconn *c)
{
	struct iovec	 iov[IO_IOV];
	struct msg	*ms[IO_IOV];
	ssize_t		 n;
	size_t		 tot;
	int		 i, k, out = 0, err = 0, end, hard, live, rounds;

	for (rounds = 0; rounds < IO_ROUNDS; rounds++) {
		pthread_mutex_lock(&hub_lock);
		if (!c->live || c->hard || (k = io_gather(c->sub, iov,
		    ms)) == 0) {
			pthread_mutex_unlock(&hub_lock);
			break;
		}
		pthread_mutex_unlock(&hub_lock);
		do
			n = io_send(c->fd, iov, k);
		while (n < 0 && errno == EINTR);
		if (n > 0)
			io_observe(iov, ms, k, (size_t)n);
		pthread_mutex_lock(&hub_lock);
		c->sub->inflight = 0;
		if (n > 0)
			sub_consume(c->sub, (size_t)n);
		pthread_mutex_unlock(&hub_lock);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				out = 1;
			else
				err = 1;
			break;
		}
		for (tot = 0, i = 0; i < k; i++)
			tot += iov[i].iov_len;
		if ((size_t)n < tot) {
			out = 1;	/* the socket's buffer is full */
			break;
		}
	}
	pthread_mutex_lock(&hub_lock);
	if (rounds == IO_ROUNDS && c->sub->qlen > 0)
		io_mark(c);		/* fairness: the others first */
	end = c->ending && c->sub->qlen == 0;
	hard = c->hard;
	live = c->live;
	pthread_mutex_unlock(&hub_lock);
	if (!live)
		return;			/* not set up yet: io_live marks it */
	if (err || hard || (end && c->ops->drained(c))) {
		io_close(c);
		return;
	}
	io_epoll_mod(c, out);
}

/* Once a second: the transports' timers, and keep-alives when due. */
static void
io_tick(struct io_thread *t, time_t now, int keepalive)
{
	struct ioconn	*c;
	struct msg	*ka;

	pthread_mutex_lock(&hub_lock);
	for (c = t->all; c != NULL; c = c->next) {
		if (c->ops->tick != NULL && c->ops->tick(c, now)) {
			c->hard = 1;
			io_mark(c);
			continue;
		}
		if (keepalive && (ka = c->keepalive) != NULL &&
		    c->sub->qlen == 0 && c->sub->state == SUB_LIVE)
			sub_push(c->sub, ka);
	}
	pthread_mutex_unlock(&hub_lock);
}

static void *
io_main(void *arg)
{
	struct io_thread	*t = arg;
	struct epoll_event	 evs[256];
	struct ioconn		*c, *list;
	time_t			 now, last_tick = 0, last_ka = time(NULL);
	time_t			 stop_at = 0;
	uint64_t		 v;
	int			 n, i, ka;

	for (;;) {
		n = epoll_wait(t->ep, evs, 256, 200);
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr == NULL) {
				if (read(t->evfd, &v, sizeof(v)) < 0 &&
				    errno != EAGAIN)
					log_warn("io: eventfd read");
				continue;
			}
			c = evs[i].data.ptr;
			if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP |
			    EPOLLERR)) {
				if (c->ops->readable(c)) {
					io_close(c);
					continue;
				}
			}
			io_flush(c);
		}
		/*
		 * The pending list: an entry stays marked until it is
		 * popped, under the lock, so a wake meanwhile leaves its
		 * link alone and no other thread can cut this list.
		 */
		pthread_mutex_lock(&hub_lock);
		list = t->dirty;
		t->dirty = NULL;
		pthread_mutex_unlock(&hub_lock);
		while (list != NULL) {
			pthread_mutex_lock(&hub_lock);
			c = list;
			list = c->dnext;
			c->dirty = 0;
			pthread_mutex_unlock(&hub_lock);
			io_flush(c);
		}

		now = time(NULL);
		if (now != last_tick) {
			last_tick = now;
			ka = popts.keepalive > 0 &&
			    now - last_ka >= (time_t)popts.keepalive;
			if (ka)
				last_ka = now;
			io_tick(t, now, ka);
		}
		if (__atomic_load_n(&io_stopping, __ATOMIC_ACQUIRE)) {
			if (stop_at == 0)
				stop_at = now + IO_STOP_WAIT;
			pthread_mutex_lock(&hub_lock);
			n = t->all == NULL;
			pthread_mutex_unlock(&hub_lock);
			if (n || now >= stop_at)
				break;
		}
	}
	/* Whatever is left goes now: MHD must get every socket back. */
	for (;;) {
		pthread_mutex_lock(&hub_lock);
		c = t->all;
		pthread_mutex_unlock(&hub_lock);
		if (c == NULL)
			break;
		io_close(c);
	}
	return NULL;
}

int
io_start(unsigned int nthreads)
{
	struct epoll_event	 ev;
	unsigned int		 i;

	if (nthreads == 0)
		nthreads = 1;
	if ((io_th = calloc(nthreads, sizeof(*io_th))) == NULL)
		return -1;
	io_nth = nthreads;
	for (i = 0; i < nthreads; i++) {
		io_th[i].ep = io_th[i].evfd = -1;
		if ((io_th[i].ep = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
		    (io_th[i].evfd = eventfd(0, EFD_NONBLOCK |
		    EFD_CLOEXEC)) == -1) {
			log_err("io: %s", strerror(errno));
			return -1;
		}
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.ptr = NULL;
		if (epoll_ctl(io_th[i].ep, EPOLL_CTL_ADD, io_th[i].evfd,
		    &ev) == -1)
			return -1;
	}
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&io_th[i].tid, NULL, io_main,
		    &io_th[i]) != 0)
			return -1;
	io_running = 1;
	log_info("io: %u thread(s)", nthreads);
	return 0;
}

void
io_stop(void)
{
	unsigned int	 i;

	if (!io_running)
		return;
	__atomic_store_n(&io_stopping, 1, __ATOMIC_RELEASE);
	for (i = 0; i < io_nth; i++)
		io_signal(&io_th[i]);
	for (i = 0; i < io_nth; i++)
		pthread_join(io_th[i].tid, NULL);
	for (i = 0; i < io_nth; i++) {
		close(io_th[i].evfd);
		close(io_th[i].ep);
	}
	io_running = 0;
}

int
io_taking(void)
{
	return io_running && !__atomic_load_n(&io_stopping, __ATOMIC_ACQUIRE);
}
