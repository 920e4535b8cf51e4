/*
 * Unit tests of lib/dns/dns.c, hermetic: the resolver forwards to a fake
 * DNS server on 127.0.0.1 that runs on the same event loop.  They prove
 * each outcome end to end, that callbacks never run inside mw_dns_query,
 * the timeout and the safe handling of the late answer, the in-flight cap
 * and queue, freeing from a callback, and that no thread is started.
 *
 * The fake server (names under "example"):
 *   a.example A 192.0.2.1; target.example A 192.0.2.2;
 *   alias.example CNAME target.example; nx.example NXDOMAIN;
 *   mx.example MX 0 . (null MX); txt.example TXT "v=spf1 " "-all";
 *   fail.example SERVFAIL; *silent* never answers; anything else NODATA.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/event.h>

#include "mailwhy/arena.h"
#include "mailwhy/dns.h"
#include "mailwhy/err.h"
#include "util/limits.h"
#include "pktbuild.h"

struct fake {
	int fd;
	unsigned port;
	struct event *ev;
	unsigned queries;
	char server[32];
};

static struct event_base *base;
static struct mw_arena *arena;
static struct fake fake;
static struct mw_err err;
static int answered; /* callbacks so far, in every test */

static void
put_soa(struct pb *p)
{
	size_t at;

	pb_name(p, "example");
	pb_rr_head(p, MW_DNS_T_SOA, 60);
	at = pb_rdata_begin(p);
	pb_name(p, "ns.example");
	pb_name(p, "hostmaster.example");
	for (int i = 0; i < 5; i++)
		pb_u32(p, 60);
	pb_rdata_end(p, at);
}

static void
put_a(struct pb *p, const char *owner, const char *ip4)
{
	pb_name(p, owner);
	pb_rr_head(p, MW_DNS_T_A, 60);
	pb_u16(p, 4);
	pb_bytes(p, ip4, 4);
}

static void
fake_read(evutil_socket_t fd, short what, void *arg)
{
	static struct pb p;
	uint8_t q[1500];
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	char name[256];
	size_t pos = 12, nl = 0, qend;
	unsigned qtype, an = 0, ns = 0, rcode = 0;
	ssize_t n;

	n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fromlen);
	if (n < 17)
		return;
	while (pos < (size_t)n && q[pos] != 0 && nl < 200) {
		size_t l = q[pos];

		if (nl > 0)
			name[nl++] = '.';
		for (size_t i = 1; i <= l && pos + i < (size_t)n; i++)
			name[nl++] = (char)(q[pos + i] | 0x20);
		pos += l + 1;
	}
	name[nl] = '\0';
	if (pos + 5 > (size_t)n)
		return;
	qtype = (unsigned)q[pos + 1] << 8 | q[pos + 2];
	qend = pos + 5;
	fake.queries++;
	if (strstr(name, "silent") != NULL)
		return;

	pb_header(&p, 0, 0, 0, 0, 0, 0);
	pb_bytes(&p, q + 12, qend - 12);
	if (strcmp(name, "alias.example") == 0 && qtype != MW_DNS_T_CNAME) {
		size_t at;

		pb_name(&p, "alias.example");
		pb_rr_head(&p, MW_DNS_T_CNAME, 60);
		at = pb_rdata_begin(&p);
		pb_name(&p, "target.example");
		pb_rdata_end(&p, at);
		an++;
		if (qtype == MW_DNS_T_A) {
			put_a(&p, "target.example", "\xc0\x00\x02\x02");
			an++;
		}
	} else if (strcmp(name, "a.example") == 0 && qtype == MW_DNS_T_A) {
		put_a(&p, "a.example", "\xc0\x00\x02\x01");
		an++;
	} else if (strcmp(name, "target.example") == 0 && qtype == MW_DNS_T_A) {
		put_a(&p, "target.example", "\xc0\x00\x02\x02");
		an++;
	} else if (strcmp(name, "mx.example") == 0 && qtype == MW_DNS_T_MX) {
		pb_name(&p, "mx.example");
		pb_rr_head(&p, MW_DNS_T_MX, 60);
		pb_u16(&p, 3);
		pb_u16(&p, 0);
		pb_u8(&p, 0);
		an++;
	} else if (strcmp(name, "txt.example") == 0 && qtype == MW_DNS_T_TXT) {
		pb_name(&p, "txt.example");
		pb_rr_head(&p, MW_DNS_T_TXT, 60);
		pb_u16(&p, 13);
		pb_u8(&p, 7);
		pb_bytes(&p, "v=spf1 ", 7);
		pb_u8(&p, 4);
		pb_bytes(&p, "-all", 4);
		an++;
	} else if (strcmp(name, "fail.example") == 0) {
		rcode = 2;
	} else if (strcmp(name, "nx.example") == 0) {
		rcode = 3;
		put_soa(&p);
		ns++;
	} else {
		put_soa(&p);
		ns++;
	}
	/* id, QR AA RA, RD as asked, counts */
	p.b[0] = q[0];
	p.b[1] = q[1];
	p.b[2] = (uint8_t)(0x84 | (q[2] & 0x01));
	p.b[3] = (uint8_t)(0x80 | rcode);
	p.b[5] = 1;
	p.b[7] = (uint8_t)an;
	p.b[9] = (uint8_t)ns;
	sendto(fd, p.b, p.n, 0, (struct sockaddr *)&from, fromlen);
}

static int
setup(void **state)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);

	base = event_base_new();
	arena = mw_arena_new(0);
	mw_err_clear(&err);
	memset(&fake, 0, sizeof(fake));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fake.fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (base == NULL || arena == NULL || fake.fd < 0 ||
	    bind(fake.fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    getsockname(fake.fd, (struct sockaddr *)&sin, &len) != 0)
		return -1;
	fake.port = ntohs(sin.sin_port);
	snprintf(fake.server, sizeof(fake.server), "127.0.0.1:%u", fake.port);
	fake.ev =
	    event_new(base, fake.fd, EV_READ | EV_PERSIST, fake_read, NULL);
	return event_add(fake.ev, NULL);
}

static int
teardown(void **state)
{
	event_free(fake.ev);
	close(fake.fd);
	mw_arena_free(&arena);
	event_base_free(base);
	return 0;
}

struct result {
	int calls;
	const struct mw_dns_answer *ans;
	struct mw_dns **free_me; /* mw_dns_free from inside the callback */
	int *counter;
	int order; /* *counter before this callback */
};

static void
on_answer(void *ud, const struct mw_dns_answer *ans)
{
	struct result *r = ud;

	r->calls++;
	r->ans = ans;
	answered++;
	if (r->counter != NULL)
		r->order = (*r->counter)++;
	if (r->free_me != NULL)
		mw_dns_free(r->free_me);
}

/* The fake server keeps the loop busy forever: run it until n more
 * callbacks have come, or 10 s. */
static void
run(int n)
{
	struct timespec t0, t;
	int want = answered + n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (answered < want) {
		event_base_loop(base, EVLOOP_ONCE);
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 10)
			fail_msg("%d callbacks missing", want - answered);
	}
}

/* Runs the loop for ms milliseconds, whatever happens. */
static void
run_for(unsigned ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

static struct mw_dns *
resolver(unsigned timeout_ms)
{
	struct mw_dns_opts o = {
	    .server = fake.server, .timeout_ms = timeout_ms};
	struct mw_dns *d = NULL;

	assert_int_equal(mw_dns_new(&d, base, &o, &err), 0);
	return d;
}

static void
ask(struct mw_dns *d, const char *name, uint16_t type, struct result *r)
{
	memset(r, 0, sizeof(*r));
	assert_int_equal(
	    mw_dns_query(d, arena, name, type, on_answer, r, &err), 0);
}

static void
every_outcome_through_the_whole_stack(void **state)
{
	struct mw_dns *d = resolver(3000);
	struct result ra, rnx, rnodata, ralias, rmx, rtxt, rfail;
	struct mw_dns_stats st;

	ask(d, "A.Example.", MW_DNS_T_A, &ra);
	ask(d, "nx.example", MW_DNS_T_MX, &rnx);
	ask(d, "a.example", MW_DNS_T_MX, &rnodata);
	ask(d, "alias.example", MW_DNS_T_A, &ralias);
	ask(d, "mx.example", MW_DNS_T_MX, &rmx);
	ask(d, "txt.example", MW_DNS_T_TXT, &rtxt);
	ask(d, "fail.example", MW_DNS_T_A, &rfail);
	run(7);
	mw_dns_stats(&st, d);
	assert_int_equal(st.sent, 7);
	assert_int_equal(st.inflight, 0);

	assert_int_equal(ra.calls, 1);
	assert_string_equal(ra.ans->qname, "a.example");
	assert_int_equal(ra.ans->status, MW_DNS_OK);
	assert_int_equal(ra.ans->dnssec, MW_DNSSEC_INSECURE);
	assert_int_equal(ra.ans->n, 1);
	assert_string_equal(ra.ans->rr[0].u.ip.text, "192.0.2.1");
	assert_true(ra.ans->elapsed_ms > 0);

	assert_int_equal(rnx.ans->status, MW_DNS_NXDOMAIN);
	assert_int_equal(rnx.ans->rcode, 3);
	assert_int_equal(rnodata.ans->status, MW_DNS_NODATA);

	assert_int_equal(ralias.ans->status, MW_DNS_OK);
	assert_int_equal(ralias.ans->ncname, 1);
	assert_string_equal(ralias.ans->cname[0].u.name, "target.example");
	assert_string_equal(ralias.ans->canonname, "target.example");
	assert_string_equal(ralias.ans->rr[0].u.ip.text, "192.0.2.2");

	assert_int_equal(rmx.ans->status, MW_DNS_OK);
	assert_string_equal(rmx.ans->rr[0].u.mx.host, "");

	assert_int_equal(rtxt.ans->rr[0].u.txt.n, 2);
	assert_string_equal(rtxt.ans->rr[0].u.txt.joined, "v=spf1 -all");

	assert_int_equal(rfail.ans->status, MW_DNS_SERVFAIL);
	assert_true(mw_dns_status_is_temporary(rfail.ans->status));
	assert_non_null(rfail.ans->why);
	mw_dns_free(&d);
	assert_null(d);
}

static void
callbacks_never_run_inside_mw_dns_query(void **state)
{
	struct mw_dns *d = resolver(3000);
	struct result r;

	/* libunbound answers localhost from its own local data, inside
	 * ub_resolve_event: the callback must still wait for the loop. */
	ask(d, "localhost", MW_DNS_T_A, &r);
	assert_int_equal(r.calls, 0);
	run(1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.ans->status, MW_DNS_OK);
	assert_string_equal(r.ans->rr[0].u.ip.text, "127.0.0.1");

	/* The same for an answer from libunbound's cache. */
	ask(d, "a.example", MW_DNS_T_A, &r);
	run(1);
	assert_int_equal(r.calls, 1);
	ask(d, "a.example", MW_DNS_T_A, &r);
	assert_int_equal(r.calls, 0);
	run(1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.ans->status, MW_DNS_OK);
	assert_int_equal(fake.queries, 1);
	mw_dns_free(&d);
}

static void
timeout_is_reported_and_the_late_answer_ignored(void **state)
{
	struct mw_dns *d = resolver(200);
	struct mw_dns_stats st;
	struct result r;

	ask(d, "silent.example", MW_DNS_T_A, &r);
	run(1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.ans->status, MW_DNS_TIMEOUT);
	/* libevent's timers run on CLOCK_MONOTONIC_COARSE (a few ms). */
	assert_true(r.ans->elapsed_ms >= 190 && r.ans->elapsed_ms < 1000);
	assert_string_equal(r.ans->why, "no answer within 200 ms");
	mw_dns_stats(&st, d);
	assert_int_equal(st.timeouts, 1);
	assert_int_equal(st.inflight, 0);
	/* libunbound is still retrying the cancelled query: freeing now
	 * must not call back (ASan checks for use after free). */
	mw_dns_free(&d);
	assert_int_equal(r.calls, 1);
}

#define MANY (MW_DNS_INFLIGHT_MAX + 44)

static void
inflight_cap_queues_the_rest_in_order(void **state)
{
	struct mw_dns *d = resolver(150);
	static struct result r[MANY];
	struct mw_dns_stats st;
	char name[64];
	int done = 0;

	for (int i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "q%d.silent.example", i);
		ask(d, name, MW_DNS_T_A, &r[i]);
		r[i].counter = &done;
	}
	mw_dns_stats(&st, d);
	assert_int_equal(st.sent, MW_DNS_INFLIGHT_MAX);
	assert_int_equal(st.inflight, MW_DNS_INFLIGHT_MAX);
	assert_int_equal(st.queued, MANY - MW_DNS_INFLIGHT_MAX);
	run(MANY);
	assert_int_equal(done, MANY);
	for (int i = 0; i < MANY; i++) {
		assert_int_equal(r[i].calls, 1);
		assert_int_equal(r[i].ans->status, MW_DNS_TIMEOUT);
		/* The queued ones went out after the first wave ended. */
		if (i >= MW_DNS_INFLIGHT_MAX)
			assert_true(r[i].order >= MW_DNS_INFLIGHT_MAX);
	}
	mw_dns_stats(&st, d);
	assert_int_equal(st.sent, MANY);
	assert_int_equal(st.queued, 0);
	assert_int_equal(st.inflight, 0);
	assert_int_equal(st.timeouts, MANY);
	mw_dns_free(&d);
}

static void
free_from_a_callback_cancels_the_rest(void **state)
{
	struct mw_dns *d = resolver(100);
	struct result first, pending[3];

	ask(d, "localhost", MW_DNS_T_A, &first);
	first.free_me = &d;
	for (int i = 0; i < 3; i++)
		ask(d, "x.silent.example", MW_DNS_T_A, &pending[i]);
	run(1);
	assert_null(d);
	run_for(300); /* past their timeout: no callback may come */
	assert_int_equal(first.calls, 1);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pending[i].calls, 0);
}

static void
bad_arguments_fail_at_once(void **state)
{
	static const char *const bad[] = {"", "198.51.100", "1.2.3.4:0",
	    "1.2.3.4:65536", "[::1", "[::1]x", "[1.2.3.4]:53", "dns.google",
	    "1.2.3.4:53:1"};
	static const char *const good[] = {"198.51.100.2", "198.51.100.2:53",
	    "[::1]:5353", "::1", "[2001:db8::53]"};
	struct mw_dns_opts o = {0};
	struct mw_dns *d = NULL;
	struct result r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.server = bad[i];
		if (mw_dns_new(&d, base, &o, &err) != MW_EINVAL)
			fail_msg("server \"%s\" accepted", bad[i]);
		assert_null(d);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		o.server = good[i];
		if (mw_dns_new(&d, base, &o, &err) != 0)
			fail_msg("server \"%s\": %s", good[i], err.msg);
		mw_dns_free(&d);
	}
	o.server = fake.server;
	o.trust_anchor_file = "/nonexistent/anchors.txt";
	assert_int_equal(mw_dns_new(&d, base, &o, &err), MW_EIO);
	assert_non_null(strstr(err.msg, "/nonexistent/anchors.txt"));
	o.trust_anchor_file = NULL;
	o.timeout_ms = 3600000;
	assert_int_equal(mw_dns_new(&d, base, &o, &err), MW_EINVAL);

	d = resolver(0);
	assert_int_equal(mw_dns_query(d, arena, "a..example", MW_DNS_T_A,
	                     on_answer, &r, &err),
	    MW_EINVAL);
	assert_int_equal(
	    mw_dns_query(d, arena, "", MW_DNS_T_A, on_answer, &r, &err),
	    MW_EINVAL);
	mw_dns_free(&d);
}

static void
a_bad_trust_anchor_fails_in_mw_dns_new(void **state)
{
	char path[] = "/tmp/mw-test-anchor-XXXXXX";
	struct mw_dns_opts o = {.server = fake.server};
	struct mw_dns *d = NULL;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_true(write(fd, "this is not a DS record\n", 24) == 24);
	close(fd);
	o.trust_anchor_file = path;
	assert_int_equal(mw_dns_new(&d, base, &o, &err), MW_EIO);
	assert_null(d);
	/* libunbound's own reason, not just "initialization failure" */
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "parse error"));
	unlink(path);
}

static void
a_full_arena_is_a_servfail_not_a_crash(void **state)
{
	struct mw_arena *tiny = mw_arena_new(512);
	struct mw_dns *d = resolver(3000);
	struct result r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(mw_dns_query(d, tiny, "txt.example", MW_DNS_T_TXT,
	                     on_answer, &r, &err),
	    0);
	run(1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.ans->status, MW_DNS_SERVFAIL);
	assert_string_equal(r.ans->why, "the answer did not fit in the arena");
	mw_dns_free(&d);
	mw_arena_free(&tiny);
}

static int
threads(void)
{
	DIR *dir = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (dir == NULL)
		return -1;
	while ((e = readdir(dir)) != NULL)
		n += e->d_name[0] != '.';
	closedir(dir);
	return n;
}

static void
no_thread_is_started_and_sync_works(void **state)
{
	struct mw_dns_opts o = {.server = fake.server, .timeout_ms = 3000};
	const struct mw_dns_answer *ans;
	struct mw_dns *d = resolver(3000);
	struct result r;

	ask(d, "alias.example", MW_DNS_T_A, &r);
	run(1);
	assert_int_equal(r.ans->status, MW_DNS_OK);
	assert_int_equal(threads(), 1);
	mw_dns_free(&d);

	/* mw_dns_resolve_sync runs its own loop: the fake server is on
	 * ours, so ask libunbound's local data. */
	o.server = "127.0.0.1:9";
	assert_int_equal(
	    mw_dns_resolve_sync(&ans, arena, &o, "localhost", MW_DNS_T_A, &err),
	    0);
	assert_int_equal(ans->status, MW_DNS_OK);
	assert_string_equal(ans->rr[0].u.ip.text, "127.0.0.1");
	assert_int_equal(threads(), 1);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(every_outcome_through_the_whole_stack),
	    T(callbacks_never_run_inside_mw_dns_query),
	    T(timeout_is_reported_and_the_late_answer_ignored),
	    T(inflight_cap_queues_the_rest_in_order),
	    T(free_from_a_callback_cancels_the_rest),
	    T(bad_arguments_fail_at_once),
	    T(a_bad_trust_anchor_fails_in_mw_dns_new),
	    T(a_full_arena_is_a_servfail_not_a_crash),
	    T(no_thread_is_started_and_sync_works),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
