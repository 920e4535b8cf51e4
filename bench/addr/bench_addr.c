/*
 * bench_addr - throughput of address syntax (mw_addr_parse) with and
 * without the typo check (mw_typo_check), over a file of addresses, one
 * per line (bench/addr/gen_addrs.py writes one).
 *
 * The file is read into memory first; only the parsing is timed.  Each
 * figure is the best of RUNS runs.  One arena serves a batch of BATCH
 * addresses and is then dropped, as a bulk checker would do.
 *
 * Usage: bench_addr FILE
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mailwhy/addr.h"
#include "mailwhy/arena.h"
#include "mailwhy/typo.h"

#define RUNS 3
#define BATCH 1024

struct line {
	const uint8_t *p;
	size_t len;
};

struct tally {
	unsigned long valid, kinds[4], known;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(2);
	}
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

static struct line *
split(char *buf, size_t len, size_t *count)
{
	size_t n = 0, cap = 1 << 20;
	struct line *v = malloc(cap * sizeof(*v));
	char *p = buf, *end = buf + len;

	while (v != NULL && p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n == cap) {
			cap *= 2;
			if ((v = realloc(v, cap * sizeof(*v))) == NULL)
				break;
		}
		v[n].p = (const uint8_t *)p;
		v[n].len = l;
		n++;
		p += l + 1;
	}
	if (v == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	*count = n;
	return v;
}

/* One pass over all lines; returns seconds. */
static double
pass(const struct line *v, size_t n, int typo, struct tally *t)
{
	struct mw_arena *a = NULL;
	double t0 = now();

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < n; i++) {
		struct mw_addr ad;
		struct mw_typo ty;

		if (i % BATCH == 0) {
			mw_arena_free(&a);
			if ((a = mw_arena_new(0)) == NULL)
				exit(2);
		}
		if (mw_addr_parse(&ad, a, v[i].p, v[i].len, 0, NULL) != 0)
			continue;
		if (!ad.valid)
			continue;
		t->valid++;
		if (typo && ad.domain_ascii != NULL &&
		    mw_typo_check(&ty, a, ad.domain_ascii, NULL) == 0) {
			t->kinds[ty.kind]++;
			t->known += ty.domain_known;
		}
	}
	mw_arena_free(&a);
	return now() - t0;
}

/* The typo check alone, over the domains of the valid addresses. */
static double
typo_only(const char *const *doms, size_t n)
{
	struct mw_arena *a = NULL;
	double t0 = now();
	unsigned long hits = 0;

	for (size_t i = 0; i < n; i++) {
		struct mw_typo ty;

		if (i % BATCH == 0) {
			mw_arena_free(&a);
			if ((a = mw_arena_new(0)) == NULL)
				exit(2);
		}
		if (mw_typo_check(&ty, a, doms[i], NULL) == 0)
			hits += ty.kind != MW_TYPO_NONE;
	}
	mw_arena_free(&a);
	if (hits == 0)
		fprintf(stderr, "no typos found?\n");
	return now() - t0;
}

int
main(int argc, char **argv)
{
	size_t len, n, nd = 0;
	char *buf;
	struct line *v;
	struct tally t1, t2;
	double best1 = 1e9, best2 = 1e9, best3 = 1e9, s;
	struct mw_arena *keep;
	const char **doms;

	if (argc != 2) {
		fprintf(stderr, "usage: bench_addr FILE\n");
		return 2;
	}
	buf = slurp(argv[1], &len);
	v = split(buf, len, &n);
	for (int r = 0; r < RUNS; r++) {
		if ((s = pass(v, n, 0, &t1)) < best1)
			best1 = s;
		if ((s = pass(v, n, 1, &t2)) < best2)
			best2 = s;
	}
	/* Collect the domains once for the typo-only figure. */
	keep = mw_arena_new(1u << 30);
	doms = malloc(n * sizeof(*doms));
	for (size_t i = 0; keep != NULL && doms != NULL && i < n; i++) {
		struct mw_addr ad;

		if (mw_addr_parse(&ad, keep, v[i].p, v[i].len, 0, NULL) == 0 &&
		    ad.valid && ad.domain_ascii != NULL)
			doms[nd++] = ad.domain_ascii;
	}
	for (int r = 0; r < RUNS; r++)
		if ((s = typo_only(doms, nd)) < best3)
			best3 = s;

	printf("addresses: %zu (%lu valid)\n", n, t1.valid);
	printf("typo check: %lu known providers/look-alikes, %lu provider "
	       "typos, %lu TLD typos, %lu typo-squats\n",
	    t2.known, t2.kinds[MW_TYPO_PROVIDER], t2.kinds[MW_TYPO_TLD],
	    t2.kinds[MW_TYPO_SQUAT]);
	printf("mailwhy syntax:        %10.0f addr/s (%.3f s, best of %d)\n",
	    (double)n / best1, best1, RUNS);
	printf("mailwhy syntax+typo:   %10.0f addr/s (%.3f s, best of %d)\n",
	    (double)n / best2, best2, RUNS);
	printf("mailwhy typo only:     %10.0f domains/s (%zu domains)\n",
	    (double)nd / best3, nd);
	free(doms);
	mw_arena_free(&keep);
	free(v);
	free(buf);
	return 0;
}
