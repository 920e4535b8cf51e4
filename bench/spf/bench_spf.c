/*
 * bench_spf.c - check_host() throughput against the lab DNS.
 *
 *   bench_spf PAIRS DNS [WINDOW]
 *
 * PAIRS has one "IP SENDER" a line.  Three passes over all of them, each
 * with up to WINDOW (default 256) checks in flight on one event loop:
 * "cold" with a fresh resolver and checker (libunbound's cache and the
 * checker's answer cache empty; the lab's unbound behind them is warm),
 * then "warm" twice on the same resolver and checker.
 * Prints checks per second, the results tally and the DNS queries sent.
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mailwhy/arena.h"
#include "mailwhy/dns.h"
#include "mailwhy/spf.h"

struct pair {
	char *ip, *sender;
};

struct run {
	struct event_base *base;
	struct mw_spf_checker *chk;
	struct pair *p;
	size_t n, next, done, window, inflight;
	unsigned long tally[7];
};

static void start(struct run *r);

struct slot {
	struct run *r;
	struct mw_arena *a;
};

static void
release(evutil_socket_t fd, short what, void *arg)
{
	struct mw_arena *a = arg;

	mw_arena_free(&a);
}

static void
on_done(void *ud, const struct mw_spf_outcome *o)
{
	struct slot *s = ud;
	struct run *r = s->r;

	r->tally[o->result]++;
	/* freed once the resolver's callback has returned */
	event_base_once(r->base, -1, EV_TIMEOUT, release, s->a, NULL);
	r->done++;
	r->inflight--;
	start(r);
}

static void
start(struct run *r)
{
	while (r->inflight < r->window && r->next < r->n) {
		struct mw_arena *a = mw_arena_new(256 * 1024);
		struct slot *s = mw_arena_alloc(a, sizeof(*s));
		struct mw_spf_query q = {.ip = r->p[r->next].ip,
		    .sender = r->p[r->next].sender,
		    .helo = "mail.test"};
		r->next++;
		s->r = r;
		s->a = a;
		r->inflight++;
		if (mw_spf_check(r->chk, a, &q, on_done, s, NULL) != 0) {
			r->inflight--;
			r->done++;
			mw_arena_free(&a);
		}
	}
	if (r->done == r->n)
		event_base_loopbreak(r->base);
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static char line[1024];
	struct run r;
	struct mw_dns *dns = NULL;
	struct mw_err err;
	size_t cap = 1 << 17;
	FILE *f;

	if (argc < 3 || (f = fopen(argv[1], "r")) == NULL) {
		fprintf(stderr, "usage: bench_spf PAIRS DNS [WINDOW]\n");
		return 2;
	}
	memset(&r, 0, sizeof(r));
	r.window = argc > 3 ? (size_t)atoi(argv[3]) : 256;
	r.p = calloc(cap, sizeof(*r.p));
	while (fgets(line, sizeof(line), f) && r.n < cap) {
		char *ip = strtok(line, " \n"), *s = strtok(NULL, " \n");
		if (ip && s) {
			r.p[r.n].ip = strdup(ip);
			r.p[r.n++].sender = strdup(s);
		}
	}
	fclose(f);
	r.base = event_base_new();
	for (int pass = 0; pass < 3; pass++) {
		struct mw_dns_opts o = {.server = argv[2], .lab_zones = true};
		struct mw_spf_opts so = {.cache_base = r.base};
		struct mw_dns_stats st;
		double t0, t;
		if (pass == 0) {
			mw_spf_checker_free(&r.chk);
			mw_dns_free(&dns);
			if (mw_dns_new(&dns, r.base, &o, &err) != 0 ||
			    mw_spf_checker_new(&r.chk, dns, &so, &err) != 0) {
				fprintf(stderr, "setup: %s\n", err.msg);
				return 1;
			}
		}
		memset(r.tally, 0, sizeof(r.tally));
		r.next = r.done = r.inflight = 0;
		mw_dns_stats(&st, dns);
		unsigned long sent0 = st.sent;
		t0 = now();
		start(&r);
		if (r.done < r.n)
			event_base_dispatch(r.base);
		t = now() - t0;
		event_base_loop(r.base, EVLOOP_NONBLOCK);
		mw_dns_stats(&st, dns);
		printf("mailwhy %-5s %zu checks in %.3f s: %.0f checks/s "
		       "(%lu DNS queries sent)",
		    pass == 0 ? "cold" : "warm", r.n, t, (double)r.n / t,
		    st.sent - sent0);
		for (int k = 0; k < 7; k++)
			if (r.tally[k])
				printf(" %s=%lu", mw_spf_result_name(k),
				    r.tally[k]);
		printf("\n");
		fflush(stdout);
	}
	mw_spf_checker_free(&r.chk);
	mw_dns_free(&dns);
	event_base_free(r.base);
	for (size_t i = 0; i < r.n; i++) {
		free(r.p[i].ip);
		free(r.p[i].sender);
	}
	free(r.p);
	return 0;
}
