/*
 * live_dns - lib/dns against the lab's real servers (lab/lab.sh): the
 * validating resolver 198.51.100.2 in front of Knot.  Run inside the lab
 * namespace by live_dns.sh:  live_dns RESOLVER ANCHORS
 *
 * Every lab scenario is asked at once on one loop, through two resolvers
 * (the 1500 ms one only for the name under timeout.test), then 100 unique
 * names at once, then once through /etc/resolv.conf (the lab's,
 * bind-mounted by lab.sh exec).  Prints one line per check; exits 1 if any
 * fails.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "mailwhy/arena.h"
#include "mailwhy/dns.h"
#include "mailwhy/err.h"
#include "mailwhy/log.h"

struct check {
	const char *name;
	uint16_t type;
	int slow; /* 1: through the 1500 ms resolver */
	enum mw_dns_status want;
	const struct mw_dns_answer *ans;
};

/* A name of our own under timeout.test (delegated to an address where
 * nothing answers).  Not timeout.test itself: once the lab resolver gives
 * up on a name it answers SERVFAIL from its cache for a while, and other
 * tests (integration-addr-lab) ask timeout.test MX at the same time. */
static char fresh_timeout[64] = "timeout.test";

static struct check checks[] = {
    {"good.test", MW_DNS_T_MX, 0, MW_DNS_OK, NULL},
    {"nxdomain.test", MW_DNS_T_MX, 0, MW_DNS_NXDOMAIN, NULL},
    {"nomx.test", MW_DNS_T_MX, 0, MW_DNS_NODATA, NULL},
    {"nullmx.test", MW_DNS_T_MX, 0, MW_DNS_OK, NULL},
    {"mx-cname.test", MW_DNS_T_MX, 0, MW_DNS_OK, NULL},
    {"alias.mx-cname.test", MW_DNS_T_A, 0, MW_DNS_OK, NULL},
    {"secure.test", MW_DNS_T_MX, 0, MW_DNS_OK, NULL},
    {"bogus.test", MW_DNS_T_MX, 0, MW_DNS_BOGUS, NULL},
    {"lame.test", MW_DNS_T_MX, 0, MW_DNS_SERVFAIL, NULL},
    {fresh_timeout, MW_DNS_T_MX, 1, MW_DNS_TIMEOUT, NULL},
    {"nomail.test", MW_DNS_T_TXT, 0, MW_DNS_OK, NULL},
    {"66.113.0.203.in-addr.arpa", MW_DNS_T_PTR, 0, MW_DNS_OK, NULL},
};
#define NCHECKS (sizeof(checks) / sizeof(checks[0]))
#define BURST 100

static struct event_base *base;
static int pending, failures;

static void
on_check(void *ud, const struct mw_dns_answer *ans)
{
	((struct check *)ud)->ans = ans;
	if (--pending == 0)
		event_base_loopbreak(base);
}

static void
on_burst(void *ud, const struct mw_dns_answer *ans)
{
	*(const struct mw_dns_answer **)ud = ans;
	if (--pending == 0)
		event_base_loopbreak(base);
}

static void
expect(bool ok, const char *what, const struct mw_dns_answer *ans)
{
	printf("%s %s", ok ? "ok  " : "FAIL", what);
	if (ans != NULL)
		printf(": %s/%s %s dnssec=%s%s%s%s%s %.1f ms", ans->qname,
		    mw_dns_type_name(ans->qtype),
		    mw_dns_status_name(ans->status),
		    mw_dnssec_name(ans->dnssec), ans->why ? " why=\"" : "",
		    ans->why ? ans->why : "", ans->why ? "\"" : "",
		    ans->why_bogus ? " (why_bogus)" : "", ans->elapsed_ms);
	printf("\n");
	failures += !ok;
}

static const struct mw_dns_answer *
find(const char *name, uint16_t type)
{
	for (size_t i = 0; i < NCHECKS; i++)
		if (strcmp(checks[i].name, name) == 0 && checks[i].type == type)
			return checks[i].ans;
	return NULL;
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
details(void)
{
	const struct mw_dns_answer *a;
	char what[128];

	for (size_t i = 0; i < NCHECKS; i++) {
		a = checks[i].ans;
		snprintf(what, sizeof(what), "%s %s is %s", checks[i].name,
		    mw_dns_type_name(checks[i].type),
		    mw_dns_status_name(checks[i].want));
		expect(a != NULL && a->status == checks[i].want, what, a);
	}
	a = find("good.test", MW_DNS_T_MX);
	expect(a && a->n == 1 && a->rr[0].u.mx.pref == 10 &&
	           strcmp(a->rr[0].u.mx.host, "mx.good.test") == 0 &&
	           a->dnssec == MW_DNSSEC_INSECURE,
	    "good.test MX 10 mx.good.test, insecure", a);
	a = find("nullmx.test", MW_DNS_T_MX);
	expect(a && a->n == 1 && a->rr[0].u.mx.pref == 0 &&
	           a->rr[0].u.mx.host[0] == '\0',
	    "nullmx.test is a null MX (host \"\")", a);
	a = find("mx-cname.test", MW_DNS_T_MX);
	expect(a && a->n == 1 &&
	           strcmp(a->rr[0].u.mx.host, "alias.mx-cname.test") == 0,
	    "mx-cname.test MX names alias.mx-cname.test", a);
	a = find("alias.mx-cname.test", MW_DNS_T_A);
	expect(a && a->ncname == 1 &&
	           strcmp(a->canonname, "mx.good.test") == 0 && a->n == 1 &&
	           strcmp(a->rr[0].u.ip.text, "198.51.100.25") == 0,
	    "alias.mx-cname.test is a CNAME to mx.good.test (visible)", a);
	a = find("secure.test", MW_DNS_T_MX);
	expect(a && a->dnssec == MW_DNSSEC_SECURE, "secure.test validates", a);
	a = find("bogus.test", MW_DNS_T_MX);
	expect(a && a->dnssec == MW_DNSSEC_BOGUS && a->why_bogus != NULL,
	    "bogus.test is bogus, with the validator's reason", a);
	if (a && a->why_bogus)
		printf("     why_bogus: %s\n", a->why_bogus);
	a = find(fresh_timeout, MW_DNS_T_MX);
	expect(a && a->elapsed_ms >= 1490 && a->elapsed_ms < 2500,
	    "a new name under timeout.test ends on our 1500 ms timer", a);
	a = find("nomail.test", MW_DNS_T_TXT);
	expect(a && a->n == 1 && a->rr[0].u.txt.n == 1 &&
	           strcmp(a->rr[0].u.txt.joined,
	               "this domain exists but has no MX, A or AAAA") == 0,
	    "nomail.test TXT text", a);
	a = find("66.113.0.203.in-addr.arpa", MW_DNS_T_PTR);
	expect(a && a->n == 1 &&
	           strcmp(a->rr[0].u.name, "66.113.0.203.dyn.isp.test") == 0,
	    "PTR of 203.0.113.66 (RFC 5737 reverse zone transparent)", a);
}

int
main(int argc, char **argv)
{
	struct mw_dns_opts o = {0}, slow = {0}, sys = {0};
	static const struct mw_dns_answer *burst[BURST];
	struct mw_dns *d = NULL, *dslow = NULL;
	struct mw_dns_stats st, st2;
	const struct mw_dns_answer *ans;
	struct mw_arena *a;
	struct mw_err err;
	char name[64];
	int ok_burst = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: live_dns RESOLVER ANCHORS\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(fresh_timeout, sizeof(fresh_timeout), "t%ld.timeout.test",
	    (long)getpid());
	o.server = slow.server = argv[1];
	o.trust_anchor_file = slow.trust_anchor_file = argv[2];
	slow.timeout_ms = 1500;
	if ((base = event_base_new()) == NULL || (a = mw_arena_new(0)) == NULL)
		return 1;
	if (mw_dns_new(&d, base, &o, &err) != 0 ||
	    mw_dns_new(&dslow, base, &slow, &err) != 0) {
		fprintf(stderr, "live_dns: %s\n", err.msg);
		return 1;
	}

	/* 1. Every scenario at once. */
	for (size_t i = 0; i < NCHECKS; i++) {
		if (mw_dns_query(checks[i].slow ? dslow : d, a, checks[i].name,
		        checks[i].type, on_check, &checks[i], &err) != 0) {
			fprintf(stderr, "live_dns: %s\n", err.msg);
			return 1;
		}
		pending++;
	}
	event_base_dispatch(base);
	details();

	/* 2. 100 unique (uncached) names at once. */
	mw_dns_stats(&st, d);
	for (int i = 0; i < BURST; i++) {
		snprintf(name, sizeof(name), "n%d.good.test", i);
		if (mw_dns_query(d, a, name, i % 2 ? MW_DNS_T_A : MW_DNS_T_MX,
		        on_burst, &burst[i], &err) != 0)
			return 1;
		pending++;
	}
	mw_dns_stats(&st2, d);
	expect(st2.inflight == BURST && st2.queued == 0,
	    "100 queries in flight at once", NULL);
	event_base_dispatch(base);
	for (int i = 0; i < BURST; i++)
		ok_burst +=
		    burst[i] != NULL && burst[i]->status == MW_DNS_NXDOMAIN;
	mw_dns_stats(&st2, d);
	printf("     burst: %d/%d NXDOMAIN, sent %lu -> %lu, inflight %lu\n",
	    ok_burst, BURST, st.sent, st2.sent, st2.inflight);
	expect(ok_burst == BURST && st2.sent - st.sent == BURST &&
	           st2.inflight == 0,
	    "100 queries at once all complete and are counted", NULL);
	expect(threads() == 1, "no thread was started", NULL);
	mw_dns_free(&dslow);
	mw_dns_free(&d);

	/* 3. The system's resolver: lab.sh exec bind-mounts the lab's
	 * resolv.conf. */
	sys.lab_zones = true;
	sys.trust_anchor_file = argv[2];
	if (mw_dns_resolve_sync(
	        &ans, a, &sys, "secure.test", MW_DNS_T_MX, &err) != 0) {
		fprintf(stderr, "live_dns: %s\n", err.msg);
		return 1;
	}
	expect(ans->status == MW_DNS_OK && ans->dnssec == MW_DNSSEC_SECURE,
	    "through /etc/resolv.conf: secure.test MX", ans);

	mw_arena_free(&a);
	event_base_free(base);
	printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}
