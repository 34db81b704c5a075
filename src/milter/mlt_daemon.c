/*
 * The daemon around libmilter: socket, daemonising, pid file, privilege
 * drop, signals, reload and shutdown.
 *
 * Signals. libmilter's smfi_main() starts its own signal thread that
 * treats SIGHUP like SIGTERM (it stops the listener), so it cannot give
 * us a reload. We run smfi_main() on a thread created with SIGHUP,
 * SIGTERM and SIGINT blocked and keep them unblocked, with handlers, on
 * the main thread only. Linux hands a signal sent to the process (kill
 * PID) to the main thread first when that thread does not block it, so
 * libmilter's sigwait() never sees them; the handlers write one byte to
 * a pipe and the main thread acts on it: SIGHUP loads the configuration
 * and builds a new pipeline, then swaps it in (mlt_gen.c), SIGTERM and
 * SIGINT call smfi_stop() and wait for the messages in flight.
 *
 * Nagle. libmilter leaves TCP_NODELAY off. A verdict is several small
 * writes in a row (header changes, then the final reply); with Nagle on,
 * the second write waits for the MTA's delayed ACK, up to 40 ms per
 * message. Linux copies TCP_NODELAY from a listening socket to the
 * sockets accept() returns, so we set it once on libmilter's listening
 * socket, found right after smfi_opensocket() by its SO_ACCEPTCONN flag
 * and its address (docs/milter.md has the measurements).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "conf/conf.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/str.h"
#include "milter/milter.h"
#include "milter/mlt_priv.h"

#define MLT_FD_SCAN	1024	/* descriptors searched */
#define MLT_DRAIN_S	60	/* extra seconds to wait for messages */

static int mlt_sigpipe[2] = { -1, -1 };
static char mlt_why[512];

static void
on_signal(int sig)
{
	char c = sig == SIGHUP ? 'h' : 't';
	int saved = errno;

	if (write(mlt_sigpipe[1], &c, 1) == -1) {
		/* Nothing to do: the pipe is full, a byte is pending. */
	}
	errno = saved;
}

static const char *
why_conf(const char *path, struct conf_errors *e)
{
	if (e == NULL || e->n == 0)
		snprintf(mlt_why, sizeof(mlt_why), "%s: cannot load", path);
	else if (e->v[0].line > 0)
		snprintf(mlt_why, sizeof(mlt_why), "%s:%u: %s",
		    e->v[0].file != NULL ? e->v[0].file : path,
		    e->v[0].line, e->v[0].msg);
	else
		snprintf(mlt_why, sizeof(mlt_why), "%s: %s",
		    e->v[0].file != NULL ? e->v[0].file : path, e->v[0].msg);
	return mlt_why;
}

static struct conf *
load_conf(const char *path, const char **why_r)
{
	struct conf_errors *e = NULL;
	struct conf *c;

	if (path == NULL)
		return conf_defaults();
	if ((c = conf_load_file(path, &e)) == NULL)
		*why_r = why_conf(path, e);
	conf_errors_free(&e);
	return c;
}

/*
 * Set TCP_NODELAY on libmilter's listening socket (see the comment at
 * the top); accepted sockets inherit it. Unix sockets have no Nagle.
 */
static void
listener_nodelay(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, on, one = 1;

	for (fd = 0; fd < MLT_FD_SCAN; fd++) {
		len = sizeof(on);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on,
		    &len) == -1 || on == 0)
			continue;
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one)) == -1)
			log_warn("milter TCP_NODELAY: %s", strerror(errno));
	}
}

static int
open_socket(const char *spec, const char **why_r)
{
	mode_t old;
	int rc;

	if (strncmp(spec, "inet:", 5) != 0 && strncmp(spec, "inet6:", 6) &&
	    strncmp(spec, "unix:", 5) != 0 && strncmp(spec, "local:", 6)) {
		snprintf(mlt_why, sizeof(mlt_why), "socket \"%s\": want "
		    "inet:PORT@ADDR, inet6:PORT@ADDR or unix:PATH", spec);
		*why_r = mlt_why;
		return -1;
	}
	if (smfi_register(mlt_desc) == MI_FAILURE ||
	    smfi_setconn((char *)(uintptr_t)spec) == MI_FAILURE) {
		*why_r = "libmilter refused the filter description";
		return -1;
	}
	smfi_setbacklog(256);
	/* The MTA gets group access to a unix socket, nobody else. */
	old = umask(0007);
	rc = smfi_opensocket(1);
	umask(old);
	if (rc == MI_FAILURE) {
		snprintf(mlt_why, sizeof(mlt_why), "cannot listen on %s "
		    "(in use, or no permission)", spec);
		*why_r = mlt_why;
		return -1;
	}
	listener_nodelay();
	return 0;
}

/*
 * Started as root on a fresh host, the state directories (the store,
 * the compiled-rules cache) do not exist yet and the milter user could
 * not create them under /var: make each (mode 0700) and give it to that
 * user before privileges go. A store path may be a "lmdb:DIR?options"
 * URI. A directory that exists is left as it is.
 */
static void
prepare_dir(const char *spec, uid_t uid, gid_t gid)
{
	char path[PATH_MAX], *q, *p;
	struct stat sb;

	if (spec == NULL || strncmp(spec, "redis:", 6) == 0)
		return;
	if (strncmp(spec, "lmdb:", 5) == 0)
		spec += 5;
	if (str_lcpy(path, spec, sizeof(path)) >= sizeof(path) ||
	    path[0] != '/')
		return;
	if ((q = strchr(path, '?')) != NULL)
		*q = '\0';
	if (stat(path, &sb) == 0)
		return;
	for (p = path + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(path, 0755) == -1 && errno != EEXIST)
			log_warn("milter mkdir %s: %s", path, strerror(errno));
		*p = '/';
	}
	if (mkdir(path, 0700) == -1) {
		log_warn("milter mkdir %s: %s", path, strerror(errno));
		return;
	}
	if (chown(path, uid, gid) == -1)
		log_warn("milter chown %s: %s", path, strerror(errno));
}

/*
 * Become the configured user: setgroups, setresgid, setresuid, then
 * check that root cannot be regained (STYLE.md, security habits). When
 * not started as root there is nothing to drop. A missing default user
 * falls back to "nobody" with a warning so the first start works; a user
 * named on the command line or in the file must exist.
 */
static int
drop_priv(const char *user, const char *group, int is_explicit,
    const char *sock, const char *const *dirs, const char **why_r)
{
	struct passwd *pw;
	struct group *gr;
	uid_t ru, eu, su;
	gid_t rg, eg, sg, gid;

	if (geteuid() != 0)
		return 0;
	if ((pw = getpwnam(user)) == NULL) {
		if (is_explicit) {
			snprintf(mlt_why, sizeof(mlt_why), "no user \"%s\"",
			    user);
			*why_r = mlt_why;
			return -1;
		}
		log_warn("milter user=%s missing; running as nobody "
		    "(create the user: see docs/milter.md)", user);
		if ((pw = getpwnam("nobody")) == NULL) {
			*why_r = "neither the milter user nor nobody exists";
			return -1;
		}
	}
	if (pw->pw_uid == 0) {
		log_warn("milter user=%s is root: privileges kept", user);
		return 0;
	}
	gr = group != NULL ? getgrnam(group) : NULL;
	gid = gr != NULL ? gr->gr_gid : pw->pw_gid;
	if (strncmp(sock, "unix:", 5) == 0 || strncmp(sock, "local:", 6) == 0)
		if (chown(strchr(sock, ':') + 1, pw->pw_uid, gid) == -1)
			log_warn("milter chown %s: %s", sock,
			    strerror(errno));
	for (; *dirs != NULL; dirs++)
		prepare_dir(*dirs, pw->pw_uid, gid);
	if (setgroups(1, &gid) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		*why_r = "cannot change to the milter user";
		return -1;
	}
	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1 ||
	    ru != pw->pw_uid || eu != ru || su != ru || rg != gid ||
	    eg != gid || sg != gid || setuid(0) != -1) {
		*why_r = "privileges still held after the change";
		return -1;
	}
	log_info("milter running as user=%s uid=%u gid=%u", pw->pw_name,
	    (unsigned)pw->pw_uid, (unsigned)gid);
	return 0;
}

static int
write_pidfile(const char *path, const char **why_r)
{
	char b[32];
	int fd, n;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1) {
		snprintf(mlt_why, sizeof(mlt_why), "pid file %s: %s", path,
		    strerror(errno));
		*why_r = mlt_why;
		return -1;
	}
	n = snprintf(b, sizeof(b), "%ld\n", (long)getpid());
	if (write(fd, b, (size_t)n) != n) {
		close(fd);
		*why_r = "cannot write the pid file";
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * Fork into the background. The parent waits on a pipe until the child
 * reports that it serves (exit 0) or why it could not (message, exit 1),
 * so an init script sees start-up errors. Returns the write end in the
 * child.
 */
static int
daemonise(FILE *err)
{
	int p[2], fd;
	char b[600];
	ssize_t n;
	pid_t pid;

	if (pipe(p) == -1 || (pid = fork()) == -1) {
		fprintf(err, "mxwarden: milter: cannot fork: %s\n",
		    strerror(errno));
		_exit(1);
	}
	if (pid > 0) {
		close(p[1]);
		n = read(p[0], b, sizeof(b) - 1);
		if (n == 1 && b[0] == '\0')
			_exit(0);
		b[n > 0 ? n : 0] = '\0';
		fprintf(err, "mxwarden: milter: %s\n", n > 0 ? b :
		    "the daemon died while starting");
		_exit(1);
	}
	close(p[0]);
	setsid();
	if (chdir("/") == -1) {
		/* Cannot fail for "/"; nothing else to try. */
	}
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return p[1];
}

static void
tell_parent(int *fd, const char *why)
{
	if (*fd == -1)
		return;
	if (why == NULL) {
		if (write(*fd, "", 1) != 1) {
			/* The parent is gone; nobody to tell. */
		}
	} else if (write(*fd, why, strlen(why)) == -1) {
		/* As above. */
	}
	close(*fd);
	*fd = -1;
}

static void *
smfi_thread(void *arg)
{
	char c = 'x';
	int rc;

	(void)arg;
	rc = smfi_main();
	if (rc != MI_SUCCESS)
		log_err("milter libmilter stopped with an error");
	if (write(mlt_sigpipe[1], &c, 1) == -1) {
		/* The main thread is leaving anyway. */
	}
	return NULL;
}

static void
reload(const struct mlt_opts *o, struct dns_resolver *res)
{
	struct conf *c;
	struct mlt_gen *g;
	const char *why = NULL;

	if ((c = load_conf(o->config_path, &why)) == NULL) {
		log_err("milter reload failed, keeping the running "
		    "configuration: %s", why);
		return;
	}
	if ((g = mlt_gen_new(c, res, mlt_store(), &why)) == NULL) {
		log_err("milter reload failed, keeping the running "
		    "configuration: %s", why);
		return;
	}
	mlt_gen_install(g);
	log_info("milter reloaded config=%s generation=%lu",
	    o->config_path != NULL ? o->config_path : "(built-in)",
	    g->serial);
}

/* Wait for the messages in flight, at most the time budget plus a bit. */
static void
drain(uint64_t budget_us)
{
	uint64_t end = clock_mono_us() + budget_us +
	    (uint64_t)MLT_DRAIN_S * 1000000;

	while (mlt_msgs_active() > 0 && clock_mono_us() < end)
		usleep(20000);
	if (mlt_msgs_active() > 0)
		log_warn("milter stopping with %lu messages unfinished",
		    mlt_msgs_active());
}

static int
serve(const struct mlt_opts *o, struct dns_resolver *res, int *ready_fd,
    uint64_t budget_us)
{
	struct sigaction sa;
	sigset_t set, old;
	pthread_t tid;
	struct pollfd pfd;
	char c;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	if (pthread_create(&tid, NULL, smfi_thread, NULL) != 0) {
		tell_parent(ready_fd, "cannot start the libmilter thread");
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	tell_parent(ready_fd, NULL);
	log_info("milter ready pid=%ld", (long)getpid());
	pfd.fd = mlt_sigpipe[0];
	pfd.events = POLLIN;
	for (;;) {
		if (poll(&pfd, 1, -1) == -1 || read(pfd.fd, &c, 1) != 1)
			continue;
		if (c == 'h')
			reload(o, res);
		else
			break;
	}
	log_info("milter stopping: %lu messages in flight",
	    mlt_msgs_active());
	smfi_stop();
	drain(budget_us);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (c == 'x')
		return -1;
	pthread_join(tid, NULL);
	return 0;
}

static int
start(const struct mlt_opts *o, struct conf **confp, int *ready_fd,
    const char **why_r)
{
	struct conf *conf = *confp;
	const char *sock = o->socket != NULL ? o->socket :
	    conf_str(conf, "milter.socket");
	const char *pidf = o->pidfile;
	const char *user = o->user != NULL ? o->user :
	    conf_str(conf, "milter.user");
	const char *dirs[3] = { NULL, NULL, NULL };
	struct dns_resolver *res;
	struct mlt_gen *g;
	const char *swhy;
	uint64_t budget;
	int rc;

	if (pidf == NULL && !o->foreground)
		pidf = conf_str(conf, "milter.pidfile");
	smfi_settimeout((int)(2 * conf_duration(conf, "milter.timeout") +
	    60));
	if (open_socket(sock, why_r) == -1)
		return -1;
	if (!o->foreground)
		*ready_fd = daemonise(o->err);
	if (pidf != NULL && write_pidfile(pidf, why_r) == -1)
		return -1;
	if ((res = o->resolver(o->resolver_arg)) == NULL) {
		*why_r = "cannot make the DNS resolver";
		return -1;
	}
	dirs[0] = conf_str(conf, "store.path");
	dirs[1] = conf_str(conf, "rules.cache_dir");
	if (dirs[0] == NULL) {
		dirs[0] = dirs[1];
		dirs[1] = NULL;
	}
	if (drop_priv(user, conf_str(conf, "milter.group"), o->user != NULL ||
	    conf_is_set(conf, "milter.user"), sock, dirs, why_r) == -1)
		return -1;
	budget = (uint64_t)conf_duration(conf, "milter.timeout") * 1000000;
	/*
	 * Reputation issue: the store, after dropping privileges. Without
	 * it mail still flows, without greylisting (logged as an error).
	 */
	if (mlt_store_start(conf, &swhy) == -1)
		log_err("milter runs without a store (no greylisting): %s",
		    swhy);
	*confp = NULL;		/* the generation owns it now */
	if ((g = mlt_gen_new(conf, res, mlt_store(), why_r)) == NULL)
		return -1;
	mlt_gen_install(g);
	log_info("milter listening socket=%s config=%s", sock,
	    o->config_path != NULL ? o->config_path : "(built-in)");
	rc = serve(o, res, ready_fd, budget);
	mlt_gen_shutdown();
	mlt_store_stop();		/* reputation issue */
	if (pidf != NULL)
		unlink(pidf);
	return rc;
}

int
mlt_run(const struct mlt_opts *o, const char **why_r)
{
	struct conf *conf;
	int ready = -1, lvl, rc;

	if ((conf = load_conf(o->config_path, why_r)) == NULL)
		return -1;
	/* The schema's words "err|warn|info|debug" follow enum log_level. */
	lvl = o->verbose >= 2 ? LOG_L_DEBUG : conf_enum(conf, "log.level");
	log_init("mxwarden", !o->foreground && conf_bool(conf, "log.syslog"),
	    lvl < 0 ? LOG_L_INFO : (enum log_level)lvl);
	if (pipe2(mlt_sigpipe, O_CLOEXEC | O_NONBLOCK) == -1) {
		*why_r = "cannot make a pipe";
		conf_free(&conf);
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);
	rc = start(o, &conf, &ready, why_r);
	conf_free(&conf);
	if (rc == -1 && ready != -1) {
		log_err("milter cannot start: %s", *why_r);
		tell_parent(&ready, *why_r);
		_exit(1);
	}
	return rc;
}
