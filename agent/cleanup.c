/*
 * cleanup.c - the clean-up between two people.
 *
 * At the end of a session the poste is locked first, then the configured
 * command runs (`sh -c`, in its own process group, the agent's
 * environment), for example agent/postes-agent-cleanup: kill the public
 * account's programs, clear the browser profile and the downloads, or
 * log the account out (the display manager logs it back in and the
 * agent starts again, locked). It gets cleanup_timeout seconds, then its
 * whole group is killed; either way the lock then offers the code entry
 * again. Its exit status is logged, never shown to the public.
 */
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "log.h"
#include "extern.h"

struct run {
	GPid		  pid;
	guint		  timer;
	void		(*done)(void *);
	void		 *arg;
	long long	  t0;
};

static void
child_setup(gpointer p)
{
	(void)p;
	setpgid(0, 0);
}

static void
on_exit_child(GPid pid, gint status, gpointer p)
{
	struct run *r = p;

	if (r->timer != 0)
		g_source_remove(r->timer);
	if (WIFEXITED(status))
		log_info("cleanup: exit %d after %lld ms", WEXITSTATUS(status),
		    mono_ms() - r->t0);
	else if (WIFSIGNALED(status))
		log_warn("cleanup: killed by signal %d", WTERMSIG(status));
	g_spawn_close_pid(pid);
	r->done(r->arg);
	g_free(r);
}

static gboolean
on_timeout(gpointer p)
{
	struct run *r = p;

	r->timer = 0;
	log_warn("cleanup: still running after its timeout, killed");
	kill(-r->pid, SIGKILL);
	return G_SOURCE_REMOVE;
}

void
cleanup_run(const struct agent_cfg *cfg, void (*done)(void *), void *arg)
{
	struct run	*r;
	GError		*err = NULL;
	gboolean	 ok;
	static char	  sh[] = "/bin/sh", dashc[] = "-c";
	gchar		*argv[] = { sh, dashc, NULL, NULL };

	if (cfg->cleanup[0] == '\0') {
		done(arg);
		return;
	}
	r = g_new0(struct run, 1);
	r->done = done;
	r->arg = arg;
	r->t0 = mono_ms();
	argv[2] = g_strdup(cfg->cleanup);
	ok = g_spawn_async(NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
	    child_setup, NULL, &r->pid, &err);
	g_free(argv[2]);
	if (!ok) {
		log_err("cleanup: cannot run: %s", err->message);
		g_error_free(err);
		g_free(r);
		done(arg);
		return;
	}
	log_info("cleanup: started (pid %d)", (int)r->pid);
	g_child_watch_add(r->pid, on_exit_child, r);
	r->timer = g_timeout_add_seconds(cfg->cleanup_timeout, on_timeout, r);
}
