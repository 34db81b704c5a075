/*
 * Unit tests of the libunbound backend. The forwarder is a tiny DNS
 * responder in a thread of this test, on 127.0.0.1 and a kernel-chosen
 * port, whose answers follow from the first label of the question:
 * "hN" gets A 192.0.2.N, "nx" NXDOMAIN, "nodata" an empty NOERROR, "sf"
 * SERVFAIL, "silent..." nothing at all. That checks the outcome mapping
 * (RFC 2308), our deadline, that parallel queries from several threads
 * each get their own answer, and the option errors of dns_ub_new().
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "dns/dns.h"
#include "lib/arena.h"
#include "lib/clock.h"

struct responder {
	int		 fd;
	int		 stop[2];
	unsigned	 port;
	pthread_t	 tid;
};

static struct responder resp;

/* Build the reply to one query in q (n bytes) into r; its length or 0. */
static size_t
reply(const uint8_t *q, size_t n, uint8_t *r, size_t cap)
{
	size_t off = 12, qend, lab0 = 13, lablen;
	char first[64];
	unsigned rcode = 0, an = 0, host;

	if (n < 17 || n > cap - 16 || (q[2] & 0x80) != 0)
		return 0;
	lablen = q[12];		/* 0: the root, answered NXDOMAIN */
	if (lablen >= sizeof(first) || 13 + lablen > n)
		return 0;
	memcpy(first, q + lab0, lablen);
	first[lablen] = '\0';
	while (off < n && q[off] != 0)
		off += (size_t)q[off] + 1;
	if (off + 5 > n)
		return 0;
	qend = off + 5;		/* root label, QTYPE, QCLASS */
	if (strncmp(first, "silent", 6) == 0)
		return 0;
	memcpy(r, q, qend);
	if (strcmp(first, "nx") == 0)
		rcode = 3;
	else if (strcmp(first, "sf") == 0)
		rcode = 2;
	else if (strcmp(first, "nodata") == 0)
		rcode = 0;
	else if (sscanf(first, "h%u", &host) == 1 && host > 0 &&
	    host < 255)
		an = q[qend - 4] == 0 && q[qend - 3] == 1;	/* A */
	else
		rcode = 3;
	r[2] = 0x80 | (q[2] & 0x01);	/* QR, RD copied */
	r[3] = 0x80 | (uint8_t)rcode;	/* RA */
	r[4] = 0, r[5] = 1;
	r[6] = 0, r[7] = (uint8_t)an;
	memset(r + 8, 0, 4);
	if (an == 0)
		return qend;
	{
		const uint8_t rr[] = {
			0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4,
			192, 0, 2, (uint8_t)host
		};
		memcpy(r + qend, rr, sizeof(rr));
		return qend + sizeof(rr);
	}
}

static void *
responder_run(void *arg)
{
	struct responder *rs = arg;
	struct pollfd pfd[2];
	uint8_t q[1500], r[1600];

	pfd[0].fd = rs->fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = rs->stop[0];
	pfd[1].events = POLLIN;
	for (;;) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t k;
		size_t rl;

		if (poll(pfd, 2, -1) == -1)
			continue;
		if (pfd[1].revents != 0)
			break;
		k = recvfrom(rs->fd, q, sizeof(q), 0, (struct sockaddr *)&from,
		    &fl);
		if (k <= 0)
			continue;
		if ((rl = reply(q, (size_t)k, r, sizeof(r))) > 0)
			(void)sendto(rs->fd, r, rl, 0,
			    (struct sockaddr *)&from, fl);
	}
	return NULL;
}

static int
setup(void **state)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);

	(void)state;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	resp.fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (resp.fd == -1 || bind(resp.fd, (struct sockaddr *)&sin,
	    sizeof(sin)) == -1 || getsockname(resp.fd,
	    (struct sockaddr *)&sin, &sl) == -1 || pipe(resp.stop) == -1)
		return -1;
	resp.port = ntohs(sin.sin_port);
	return pthread_create(&resp.tid, NULL, responder_run, &resp) == 0 ?
	    0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	if (write(resp.stop[1], "q", 1) != 1)
		fail_msg("cannot stop the test responder");
	pthread_join(resp.tid, NULL);
	close(resp.fd);
	close(resp.stop[0]);
	close(resp.stop[1]);
	return 0;
}

static struct dns_resolver *
make(unsigned timeout_ms, int anchor)
{
	static char spec[64];
	static const char *servers[1];
	struct dns_ub_opts o;
	struct dns_resolver *r;
	const char *why = NULL;

	snprintf(spec, sizeof(spec), "127.0.0.1@%u", resp.port);
	servers[0] = spec;
	memset(&o, 0, sizeof(o));
	o.servers = servers;
	o.nservers = 1;
	o.allow_special = 1;
	o.use_root_anchor = anchor;
	o.timeout_ms = timeout_ms;
	r = dns_ub_new(&o, &why);
	if (r == NULL)
		print_error("dns_ub_new: %s\n", why);
	assert_non_null(r);
	return r;
}

static void
test_bad_options(void **state)
{
	static const struct {
		const char	*server;
		int		 ok;
	} cases[] = {
		{ "127.0.0.1", 1 },
		{ "127.0.0.1@53", 1 },
		{ "::1", 1 },
		{ "2001:db8::1@5353", 1 },
		{ "", 0 },
		{ "@53", 0 },
		{ "127.0.0", 0 },
		{ "127.0.0.1@", 0 },
		{ "127.0.0.1@0", 0 },
		{ "127.0.0.1@65536", 0 },
		{ "127.0.0.1@53x", 0 },
		{ "127.0.0.1:53", 0 },
		{ "dns.example.com", 0 },
		{ "[::1]@53", 0 },
	};
	struct dns_ub_opts o;
	struct dns_resolver *r;
	const char *why, *srv[1];
	size_t i;
	int fails = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&o, 0, sizeof(o));
		srv[0] = cases[i].server;
		o.servers = srv;
		o.nservers = 1;
		why = NULL;
		r = dns_ub_new(&o, &why);
		if ((r != NULL) != cases[i].ok ||
		    (r == NULL && (why == NULL ||
		    strstr(why, "DNS server") == NULL))) {
			print_error("server \"%s\": got %s (%s), want %s\n",
			    cases[i].server, r != NULL ? "ok" : "error",
			    why != NULL ? why : "no why",
			    cases[i].ok ? "ok" : "error with why");
			fails++;
		}
		dns_resolver_free(&r);
		assert_null(r);
	}
	memset(&o, 0, sizeof(o));
	srv[0] = "127.0.0.1";
	o.servers = srv;
	o.nservers = 1;
	o.trust_anchor = "/nonexistent/mxwarden/root.key";
	why = NULL;
	r = dns_ub_new(&o, &why);
	if (r != NULL || why == NULL ||
	    strstr(why, "trust anchor") == NULL) {
		print_error("missing anchor file: got %s, want an error\n",
		    why != NULL ? why : "no error");
		fails++;
	}
	dns_resolver_free(&r);
	assert_int_equal(fails, 0);
}

static void
test_outcomes(void **state)
{
	static const struct {
		const char	*name;
		uint16_t	 type;
		enum dns_rcode	 rc;
		int		 host;	/* A 192.0.2.host, 0: none */
	} cases[] = {
		{ "h1.test", DNS_T_A, DNS_R_NOERROR, 1 },
		{ "h77.sub.test", DNS_T_A, DNS_R_NOERROR, 77 },
		{ "nx.test", DNS_T_A, DNS_R_NXDOMAIN, 0 },
		{ "nodata.test", DNS_T_A, DNS_R_NODATA, 0 },
		{ "h5.test", DNS_T_MX, DNS_R_NODATA, 0 },
		{ "sf.test", DNS_T_A, DNS_R_SERVFAIL, 0 },
	};
	enum { N = sizeof(cases) / sizeof(cases[0]) };
	struct dns_resolver *r = make(3000, 1);
	struct arena *a = arena_new();
	struct dns_q qs[N];
	size_t i;
	int fails = 0;
	const char *why = NULL;

	(void)state;
	for (i = 0; i < N; i++) {
		qs[i].name = cases[i].name;
		qs[i].type = cases[i].type;
		qs[i].ans = NULL;
	}
	assert_int_equal(dns_query_all(r, qs, N, a, &why), 0);
	for (i = 0; i < N; i++) {
		const struct dns_answer *ans = qs[i].ans;
		char want[32];

		snprintf(want, sizeof(want), "192.0.2.%d", cases[i].host);
		if (ans->rcode != cases[i].rc) {
			print_error("%s: rcode got %s, want %s\n",
			    cases[i].name, dns_rcode_str(ans->rcode),
			    dns_rcode_str(cases[i].rc));
			fails++;
			continue;
		}
		if (cases[i].host != 0 && (ans->nrr != 1 ||
		    strcmp(dns_rr_str(a, &ans->rr[0]), want) != 0 ||
		    ans->rr[0].ttl != 60)) {
			print_error("%s: got %zu records (%s), want %s "
			    "ttl 60\n",
			    cases[i].name, ans->nrr, ans->nrr > 0 ?
			    dns_rr_str(a, &ans->rr[0]) : "-", want);
			fails++;
		}
		/* .test is domain-insecure: validated, provably unsigned. */
		if (ans->rcode != DNS_R_SERVFAIL &&
		    ans->sec != DNS_SEC_INSECURE) {
			print_error("%s: dnssec got %s, want insecure\n",
			    cases[i].name, dns_sec_str(ans->sec));
			fails++;
		}
	}
	arena_free(&a);
	dns_resolver_free(&r);
	assert_int_equal(fails, 0);
}

static void
test_unchecked(void **state)
{
	struct dns_resolver *r = make(3000, 0);
	struct arena *a = arena_new();
	struct dns_answer *ans;
	const char *why;

	(void)state;
	assert_int_equal(dns_query(r, "h9.test.", DNS_T_A, a, &ans, &why), 0);
	assert_int_equal(ans->rcode, DNS_R_NOERROR);
	assert_string_equal(ans->qname, "h9.test");
	assert_string_equal(ans->canon, "h9.test");
	if (ans->sec != DNS_SEC_UNCHECKED)
		print_error("dnssec got %s, want unchecked\n",
		    dns_sec_str(ans->sec));
	assert_int_equal(ans->sec, DNS_SEC_UNCHECKED);
	arena_free(&a);
	dns_resolver_free(&r);
}

/*
 * With the root anchor, an answer outside the insecure special names
 * needs a chain of trust, and the responder has no DNSKEY for the root:
 * bogus, which must read as SERVFAIL with a reason (RFC 4035 5.5).
 */
static void
test_bogus(void **state)
{
	struct dns_resolver *r = make(3000, 1);
	struct arena *a = arena_new();
	struct dns_answer *ans;
	const char *why;

	(void)state;
	assert_int_equal(dns_query(r, "h3.example.net", DNS_T_A, a, &ans,
	    &why), 0);
	if (ans->sec != DNS_SEC_BOGUS || ans->rcode != DNS_R_SERVFAIL ||
	    ans->nrr != 0 || ans->why_bogus == NULL)
		print_error("got %s %s %zu records (%s), want SERVFAIL bogus "
		    "0 records with a reason\n", dns_rcode_str(ans->rcode),
		    dns_sec_str(ans->sec), ans->nrr, ans->why_bogus != NULL ?
		    ans->why_bogus : "no reason");
	assert_int_equal(ans->sec, DNS_SEC_BOGUS);
	assert_int_equal(ans->rcode, DNS_R_SERVFAIL);
	assert_int_equal(ans->nrr, 0);
	assert_non_null(ans->why_bogus);
	arena_free(&a);
	dns_resolver_free(&r);
}

static void
test_timeout(void **state)
{
	enum { N = 5 };
	struct dns_resolver *r = make(400, 0);
	struct arena *a = arena_new();
	struct dns_answer *ans;
	struct dns_q qs[N];
	char names[N][32];
	uint64_t t0, ms;
	const char *why;
	size_t i;

	(void)state;
	t0 = clock_mono_us();
	assert_int_equal(dns_query(r, "silent0.test", DNS_T_A, a, &ans, &why),
	    0);
	ms = (clock_mono_us() - t0) / 1000;
	if (ans->rcode != DNS_R_TIMEOUT || ms < 350 || ms > 2000)
		print_error("one query: got %s after %llu ms, want TIMEOUT "
		    "after 400 ms\n", dns_rcode_str(ans->rcode),
		    (unsigned long long)ms);
	assert_int_equal(ans->rcode, DNS_R_TIMEOUT);
	assert_true(ms >= 350 && ms <= 2000);

	/* All at once: the batch takes one deadline, not five. */
	for (i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "silent%zu.test", i + 1);
		qs[i].name = names[i];
		qs[i].type = DNS_T_TXT;
	}
	t0 = clock_mono_us();
	assert_int_equal(dns_query_all(r, qs, N, a, &why), 0);
	ms = (clock_mono_us() - t0) / 1000;
	for (i = 0; i < N; i++) {
		if (qs[i].ans->rcode != DNS_R_TIMEOUT)
			print_error("%s: got %s, want TIMEOUT\n", names[i],
			    dns_rcode_str(qs[i].ans->rcode));
		assert_int_equal(qs[i].ans->rcode, DNS_R_TIMEOUT);
	}
	if (ms > 1500)
		print_error("batch of %d took %llu ms, want about 400\n", N,
		    (unsigned long long)ms);
	assert_true(ms <= 1500);
	arena_free(&a);
	dns_resolver_free(&r);
}

enum { THREADS = 4, ROUNDS = 3, PER = 20 };

struct worker {
	struct dns_resolver	*r;
	int			 id;
	int			 fails;
};

/* Each thread asks its own names; every answer must be its own. */
static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	int round, i;

	for (round = 0; round < ROUNDS; round++) {
		struct arena *a = arena_new();
		struct dns_q qs[PER];
		const char *why;

		for (i = 0; i < PER; i++) {
			qs[i].name = arena_printf(a, "h%d.r%d.t%d.test",
			    1 + (w->id * PER + i) % 250, round, w->id);
			qs[i].type = DNS_T_A;
		}
		if (dns_query_all(w->r, qs, PER, a, &why) == -1)
			w->fails++;
		for (i = 0; i < PER; i++) {
			const char *want = arena_printf(a, "192.0.2.%d",
			    1 + (w->id * PER + i) % 250);
			const char *got = qs[i].ans->nrr == 1 ?
			    dns_rr_str(a, &qs[i].ans->rr[0]) : "none";

			if (strcmp(got, want) != 0 ||
			    strcmp(qs[i].ans->qname, qs[i].name) != 0) {
				fprintf(stderr, "thread %d %s: got %s (%s), "
				    "want %s\n", w->id, qs[i].name, got,
				    dns_rcode_str(qs[i].ans->rcode), want);
				w->fails++;
			}
		}
		arena_free(&a);
	}
	return NULL;
}

static void
test_threads(void **state)
{
	struct dns_resolver *r = make(4000, 1);
	struct worker w[THREADS];
	pthread_t t[THREADS];
	int i, fails = 0;

	(void)state;
	for (i = 0; i < THREADS; i++) {
		w[i].r = r;
		w[i].id = i;
		w[i].fails = 0;
		assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]),
		    0);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		fails += w[i].fails;
	}
	dns_resolver_free(&r);
	assert_int_equal(fails, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_outcomes),
		cmocka_unit_test(test_unchecked),
		cmocka_unit_test(test_bogus),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
