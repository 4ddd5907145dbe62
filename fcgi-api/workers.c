/*
 * workers.c - postes-api's own pool of FastCGI workers
 * (POSTES_API_WORKERS), for a service manager that starts one process on
 * the listening socket (the systemd unit: StandardInput=socket).
 *
 * One responder answers one request at a time, and most of a request is
 * spent waiting for MariaDB; with a single process every kiosk and every
 * dashboard would queue behind the slowest request. The unit sets 4;
 * deploy/lib.sh starts the Apache pools with it under spawn-fcgi; the
 * default, 0, serves in the process itself, for lighttpd, which spawns
 * its own children (max-procs).
 *
 * The parent only supervises: it forks n workers, which inherit fd 0 and
 * accept() on it like lighttpd's children, and starts a new one when one
 * ends (at once, then with a pause doubling up to 10 s while workers keep
 * ending within 2 s of their start). A connection
 * waiting in the backlog is taken by the next worker, so a worker killed
 * loses at most the request it was answering. Each worker opens its own
 * database connection and ZeroMQ socket after the fork (neither may be
 * shared across a fork). TERM or INT: the workers get TERM, the parent
 * waits for them and exits 0. A worker whose parent dies gets TERM too
 * (PR_SET_PDEATHSIG), so no orphan keeps the socket.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "log.h"
#include "extern.h"

#define WORKERS_MAX		64
#define WORKERS_QUICK_DEATH	2	/* s: a start that failed */
#define WORKERS_PAUSE_MAX	10	/* s */

static volatile sig_atomic_t	 stopping;

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

struct worker {
	pid_t	 pid;
	time_t	 started;
};

static pid_t
spawn(int (*serve)(void *), void *arg, pid_t parent)
{
	pid_t	 pid;

	if ((pid = fork()) == -1) {
		log_err("workers: fork: %s", strerror(errno));
		return -1;
	}
	if (pid > 0)
		return pid;
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != parent)
		_exit(1);	/* the parent is already gone */
	_exit(serve(arg));
}

/*
 * The pause before replacing a worker that lived lived seconds: none
 * after a normal life; after a failed start 1 s, then twice the last,
 * up to WORKERS_PAUSE_MAX (a worker that cannot start must not spin).
 */
static unsigned int
next_pause(unsigned int last, time_t lived)
{
	if (lived >= WORKERS_QUICK_DEATH)
		return 0;
	if (last == 0)
		return 1;
	return last * 2 < WORKERS_PAUSE_MAX ? last * 2 : WORKERS_PAUSE_MAX;
}

/* Sleep s seconds unless a stop comes first. */
static void
pause_for(unsigned int s)
{
	struct timespec	 ts = { 0, 100 * 1000000L };
	unsigned int	 i;

	for (i = 0; i < s * 10 && !stopping; i++)
		nanosleep(&ts, NULL);
}

int
workers_run(unsigned int n, int (*serve)(void *), void *arg)
{
	struct worker		 w[WORKERS_MAX];
	struct sigaction	 sa;
	unsigned int		 i, pause = 0;
	pid_t			 pid, self = getpid();
	int			 st;

	if (n > WORKERS_MAX)
		n = WORKERS_MAX;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;	/* no SA_RESTART: wait() returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	memset(w, 0, sizeof(w));
	for (i = 0; i < n; i++) {
		w[i].pid = spawn(serve, arg, self);
		w[i].started = time(NULL);
	}
	log_info("serving FastCGI with %u workers (supervisor pid %d)", n,
	    (int)self);
	while (!stopping) {
		if ((pid = wait(&st)) == -1) {
			if (errno == ECHILD)
				pause_for(1);	/* every fork failed */
			else if (errno != EINTR)
				break;
		}
		for (i = 0; i < n && !stopping; i++) {
			if (w[i].pid > 0 && w[i].pid != pid)
				continue;
			if (w[i].pid > 0) {
				pause = next_pause(pause,
				    time(NULL) - w[i].started);
				log_warn("workers: worker %d ended (%s %d); "
				    "another in %u s", (int)pid,
				    WIFSIGNALED(st) ? "signal" : "status",
				    WIFSIGNALED(st) ? WTERMSIG(st) :
				    WEXITSTATUS(st), pause);
				pause_for(pause);
			}
			w[i].pid = stopping ? 0 : spawn(serve, arg, self);
			w[i].started = time(NULL);
		}
	}
	for (i = 0; i < n; i++)
		if (w[i].pid > 0)
			kill(w[i].pid, SIGTERM);
	while (wait(NULL) > 0 || errno == EINTR)
		continue;
	log_info("workers stopped");
	return 0;
}
