/*
 * clamd client (av.h). The protocol is clamd's own (clamd(8), "INSTREAM"):
 * the command "zINSTREAM" ended by NUL, then chunks each prefixed with
 * its length as 4 bytes in network order, then a zero-length chunk; the
 * reply is one NUL-terminated line, "stream: OK", "stream: NAME FOUND"
 * or "... ERROR" ("INSTREAM size limit exceeded. ERROR" when the stream
 * passes clamd's StreamMaxLength, after which clamd closes the
 * connection). Every socket operation waits at most until one deadline
 * (antivirus.timeout), so a hung clamd costs one bounded wait.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "filter/av.h"
#include "filter/task.h"
#include "lib/arena.h"
#include "lib/str.h"
#include "lib/xmalloc.h"
#include "mail/msg.h"

enum av_act { AVA_REJECT = 0, AVA_QUARANTINE, AVA_SYMBOL };

struct av {
	int			 is_enabled;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	long long		 timeout_ms;
	size_t			 max_bytes;
	enum av_act		 act;
	int			 is_down_tempfail;
	double			 score;
};

static _Thread_local char av_why[160];

static const char *
why_errno(const char *what)
{
	snprintf(av_why, sizeof(av_why), "clamd %s: %s", what,
	    strerror(errno));
	return av_why;
}

/* Strip a trailing suffix (len is updated); 1 if it was there. */
static int
cut_suffix(const char *p, size_t *len, const char *suf)
{
	size_t n = strlen(suf);

	if (*len < n || memcmp(p + *len - n, suf, n) != 0)
		return 0;
	*len -= n;
	return 1;
}

enum av_status
av_parse_reply(const char *p, size_t len, char *sig, size_t sigsz)
{
	size_t i, o;
	const char *colon;

	sig[0] = '\0';
	if (len > AV_REPLY_MAX)
		len = AV_REPLY_MAX;
	while (len > 0 && (p[len - 1] == '\0' || p[len - 1] == '\n' ||
	    p[len - 1] == '\r' || p[len - 1] == ' '))
		len--;
	/* A session id "N: " comes first under IDSESSION. */
	for (i = 0; i < len && p[i] >= '0' && p[i] <= '9'; i++)
		;
	if (i > 0 && i + 1 < len && p[i] == ':' && p[i + 1] == ' ') {
		p += i + 2;
		len -= i + 2;
	}
	if (cut_suffix(p, &len, " ERROR"))
		return memmem(p, len, "size limit", 10) != NULL ?
		    AV_SIZE_LIMIT : AV_ERROR;
	if (len == 10 && memcmp(p, "stream: OK", 10) == 0)
		return AV_CLEAN;
	if (!cut_suffix(p, &len, " FOUND"))
		return AV_ERROR;
	/* "stream: NAME FOUND"; the name follows the first ": ". */
	colon = memmem(p, len, ": ", 2);
	if (colon == NULL)
		return AV_ERROR;
	i = (size_t)(colon - p) + 2;
	if (i >= len)
		return AV_ERROR;	/* no name */
	for (o = 0; i < len && o + 1 < sigsz; i++)
		sig[o++] = p[i] > 0x20 && p[i] < 0x7f ? p[i] : '_';
	sig[o] = '\0';
	return AV_FOUND;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for events on fd until the deadline: 0 ready, -1 timeout/error. */
static int
wait_fd(int fd, short events, long long deadline, const char **why_r)
{
	struct pollfd pfd = { fd, events, 0 };
	long long left;
	int r;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0) {
			*why_r = "clamd timed out";
			return -1;
		}
		r = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (r > 0)
			return 0;
		if (r == -1 && errno != EINTR) {
			*why_r = why_errno("poll");
			return -1;
		}
	}
}

static int
av_connect(const struct av *av, long long deadline, const char **why_r)
{
	int fd, err = 0;
	socklen_t elen = sizeof(err);

	fd = socket(av->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1) {
		*why_r = why_errno("socket");
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)&av->ss, av->sslen) == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EAGAIN) {
		*why_r = why_errno("connect");
		close(fd);
		return -1;
	}
	if (wait_fd(fd, POLLOUT, deadline, why_r) == -1) {
		close(fd);
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == -1 ||
	    err != 0) {
		errno = err != 0 ? err : errno;
		*why_r = why_errno("connect");
		close(fd);
		return -1;
	}
	return fd;
}

static int
send_all(int fd, const void *data, size_t len, long long deadline,
    const char **why_r)
{
	const char *p = data;
	ssize_t r;

	while (len > 0) {
		if (wait_fd(fd, POLLOUT, deadline, why_r) == -1)
			return -1;
		r = send(fd, p, len, MSG_NOSIGNAL);
		if (r == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			*why_r = why_errno("send");
			return -1;
		}
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

/* Read the reply up to its NUL or EOF, at most AV_REPLY_MAX bytes. */
static int
recv_reply(int fd, char *buf, size_t *len_r, long long deadline,
    const char **why_r)
{
	size_t len = 0;
	ssize_t r;

	while (len < AV_REPLY_MAX) {
		if (wait_fd(fd, POLLIN, deadline, why_r) == -1)
			return -1;
		r = recv(fd, buf + len, AV_REPLY_MAX - len, 0);
		if (r == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			*why_r = why_errno("recv");
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (memchr(buf, '\0', len) != NULL)
			break;
	}
	if (len == 0) {
		*why_r = "clamd closed the connection without a reply";
		return -1;
	}
	*len_r = len;
	return 0;
}

static int
send_stream(int fd, const void *data, size_t len, long long deadline,
    const char **why_r)
{
	const char *p = data;
	unsigned char hdr[4];
	size_t n;

	if (send_all(fd, "zINSTREAM", 10, deadline, why_r) == -1)
		return -1;
	do {
		n = len < AV_CHUNK ? len : AV_CHUNK;
		hdr[0] = (unsigned char)(n >> 24);
		hdr[1] = (unsigned char)(n >> 16);
		hdr[2] = (unsigned char)(n >> 8);
		hdr[3] = (unsigned char)n;
		if (send_all(fd, hdr, 4, deadline, why_r) == -1 ||
		    send_all(fd, p, n, deadline, why_r) == -1)
			return -1;
		p += n;
		len -= n;
	} while (n > 0);	/* the zero-length chunk ends the stream */
	return 0;
}

int
av_scan(const struct av *av, const void *data, size_t len,
    enum av_status *st_r, char *sig, size_t sigsz, const char **why_r)
{
	long long deadline = now_ms() + av->timeout_ms;
	char reply[AV_REPLY_MAX];
	size_t rlen;
	const char *swhy;
	int fd, sent;

	if ((fd = av_connect(av, deadline, why_r)) == -1)
		return -1;
	sent = send_stream(fd, data, len, deadline, &swhy);
	/*
	 * clamd answers and closes as soon as the stream passes its
	 * StreamMaxLength, so a failed send may still have a reply.
	 */
	if (recv_reply(fd, reply, &rlen, deadline, why_r) == -1) {
		if (sent == -1)
			*why_r = swhy;
		close(fd);
		return -1;
	}
	close(fd);
	*st_r = av_parse_reply(reply, rlen, sig, sigsz);
	if (*st_r == AV_ERROR) {
		snprintf(av_why, sizeof(av_why), "clamd error: %.*s",
		    (int)(rlen > 100 ? 100 : rlen), reply);
		for (rlen = 0; av_why[rlen] != '\0'; rlen++)
			if (av_why[rlen] < 0x20 || av_why[rlen] == 0x7f)
				av_why[rlen] = '?';
		*why_r = av_why;
		return -1;
	}
	return 0;
}

int
av_check(const struct av *av, struct task *t, const char **why_r)
{
	char sig[AV_SIG_MAX];
	enum av_status st;
	const char *data, *why;
	size_t len;

	(void)why_r;
	if (!av->is_enabled || t->msg == NULL)
		return 0;
	data = t->msg->raw + t->msg->start;
	len = t->msg->len - t->msg->start;
	if (len > av->max_bytes) {
		task_symbol(t, "AV_TRUNCATED", 0, "scanned the first %zu "
		    "of %zu bytes", av->max_bytes, len);
		len = av->max_bytes;
	}
	if (av_scan(av, data, len, &st, sig, sizeof(sig), &why) == -1) {
		task_symbol(t, "AV_UNAVAILABLE", 0, "%s", why);
		if (av->is_down_tempfail)
			task_raise(t, ACT_TEMPFAIL, "451", "4.7.1",
			    "virus scanner unavailable, try again later");
		return 0;
	}
	if (st == AV_SIZE_LIMIT) {
		task_symbol(t, "AV_UNSCANNED", 0,
		    "over clamd's StreamMaxLength");
		return 0;
	}
	if (st != AV_FOUND)
		return 0;
	task_symbol(t, "AV_VIRUS", av->score, "%s", sig);
	if (av->act == AVA_REJECT)
		task_raise(t, ACT_REJECT, "550", "5.7.1", arena_printf(t->a,
		    "virus found: %s", sig));
	else if (av->act == AVA_QUARANTINE)
		task_raise(t, ACT_QUARANTINE, NULL, NULL, arena_printf(t->a,
		    "virus found: %s", sig));
	return 0;
}

/* "unix:PATH", "tcp:1.2.3.4:3310" or "tcp:[::1]:3310". */
static int
parse_addr(struct av *av, const char *s)
{
	struct sockaddr_un *un = (struct sockaddr_un *)&av->ss;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&av->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&av->ss;
	char host[64];
	const char *colon, *h;
	unsigned long long port;
	size_t hlen;

	memset(&av->ss, 0, sizeof(av->ss));
	if (strncmp(s, "unix:", 5) == 0) {
		if (s[5] != '/' || strlen(s + 5) >= sizeof(un->sun_path))
			return -1;
		un->sun_family = AF_UNIX;
		str_lcpy(un->sun_path, s + 5, sizeof(un->sun_path));
		av->sslen = sizeof(*un);
		return 0;
	}
	if (strncmp(s, "tcp:", 4) != 0 || (colon = strrchr(s, ':')) == s + 3)
		return -1;
	if (str_to_ull(colon + 1, 65535, &port) == -1 || port == 0)
		return -1;
	h = s + 4;
	hlen = (size_t)(colon - h);
	if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
		h++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -1;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		av->sslen = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		av->sslen = sizeof(*in6);
		return 0;
	}
	return -1;
}

struct av *
av_new(const struct conf *c, const char **why_r)
{
	struct av *av = xcalloc(1, sizeof(*av));

	av->is_enabled = conf_bool(c, "antivirus.enabled");
	if (parse_addr(av, conf_str(c, "antivirus.clamd")) == -1) {
		*why_r = "antivirus.clamd: want unix:PATH or tcp:ADDR:PORT";
		free(av);
		return NULL;
	}
	av->timeout_ms = conf_duration(c, "antivirus.timeout") * 1000;
	av->max_bytes = (size_t)conf_size(c, "antivirus.max_bytes");
	av->act = (enum av_act)conf_enum(c, "antivirus.action");
	av->is_down_tempfail = conf_enum(c, "antivirus.down_action") == 0;
	av->score = conf_float(c, "antivirus.score");
	return av;
}

void
av_free(struct av **avp)
{
	free(*avp);
	*avp = NULL;
}
