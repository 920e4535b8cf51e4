/*
 * bench_addr - throughput of address syntax (mw_addr_parse) with and
 * without the typo check (mw_typo_check), over a file of addresses, one
 * per line (bench/addr/gen_addrs.py writes one).
 *
 * The file is read into memory first; only the parsing is timed.  Each
 * figure is the best of RUNS runs.  One arena serves a batch of BATCH
 * addresses and is then dropped, as a bulk checker would do; the memos
 * (mw_addr_memo, mw_typo_memo) are made fresh in every timed pass.
 *
 * Before the figures count, every line goes through the fast setting and
 * through the reference (full parser with MW_ADDR_F_NO_FAST, no memo) and
 * every field of the verdicts is compared; the exit status is 1 when any
 * differ.
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
#include "kb/kb_int.h" /* mw__typo_check_exhaustive: the reference */

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

/*
 * One pass over all lines; returns seconds.  memo: the bulk-list setting
 * (mw_addr_memo, mw_typo_memo), made fresh inside the timed pass so no
 * pass inherits a warm memo.
 */
static double
pass(const struct line *v, size_t n, int typo, int memo, struct tally *t)
{
	struct mw_arena *a = NULL;
	struct mw_addr_memo *am = NULL;
	struct mw_typo_memo *tm = NULL;
	double t0 = now();

	if (memo && (mw_addr_memo_new(&am) != 0 ||
	                (typo && mw_typo_memo_new(&tm, NULL) != 0)))
		exit(2);
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < n; i++) {
		struct mw_addr ad;
		struct mw_typo ty;
		int rc;

		if (i % BATCH == 0) {
			mw_arena_free(&a);
			if ((a = mw_arena_new(0)) == NULL)
				exit(2);
		}
		if (mw_addr_parse_memo(&ad, a, am, v[i].p, v[i].len, 0,
		        NULL) != 0)
			continue;
		if (!ad.valid)
			continue;
		t->valid++;
		if (!typo || ad.domain_ascii == NULL)
			continue;
		rc = tm != NULL ? mw_typo_check_memo(&ty, tm, a,
		                      ad.domain_ascii, ad.domain_len)
		                : mw_typo_check(&ty, a, ad.domain_ascii, NULL);
		if (rc == 0) {
			t->kinds[ty.kind]++;
			t->known += ty.domain_known;
		}
	}
	mw_arena_free(&a);
	mw_typo_memo_free(&tm);
	mw_addr_memo_free(&am);
	return now() - t0;
}

/* The typo check alone, over the domains of the valid addresses. */
static double
typo_only(const char *const *doms, const size_t *lens, size_t n, int memo)
{
	struct mw_arena *a = NULL;
	struct mw_typo_memo *tm = NULL;
	double t0 = now();
	unsigned long hits = 0;

	if (memo && mw_typo_memo_new(&tm, NULL) != 0)
		exit(2);
	for (size_t i = 0; i < n; i++) {
		struct mw_typo ty;
		int rc;

		if (i % BATCH == 0) {
			mw_arena_free(&a);
			if ((a = mw_arena_new(0)) == NULL)
				exit(2);
		}
		rc = tm != NULL ? mw_typo_check_memo(&ty, tm, a, doms[i], lens[i])
		                : mw_typo_check(&ty, a, doms[i], NULL);
		if (rc == 0)
			hits += ty.kind != MW_TYPO_NONE;
	}
	mw_arena_free(&a);
	mw_typo_memo_free(&tm);
	if (hits == 0)
		fprintf(stderr, "no typos found?\n");
	return now() - t0;
}

static int
same_str(const char *x, const char *y)
{
	return x == y || (x != NULL && y != NULL && strcmp(x, y) == 0);
}

/*
 * The verdict check: every line through the fast setting (fast path,
 * memos) and through the reference (full RFC 5322 parser, no memo, the
 * exhaustive typo check: every provider gets the DP, no candidate index
 * or bounds) side by side, every field compared.  Fills ref with the
 * reference tallies.  Returns the lines that differ.
 */
static unsigned long
verify(const struct line *v, size_t n, struct tally *ref)
{
	struct mw_arena *a = mw_arena_new(0), *b = mw_arena_new(0);
	struct mw_addr_memo *am = NULL;
	struct mw_typo_memo *tm = NULL;
	unsigned long bad = 0;

	if (a == NULL || b == NULL || mw_addr_memo_new(&am) != 0 ||
	    mw_typo_memo_new(&tm, NULL) != 0)
		exit(2);
	memset(ref, 0, sizeof(*ref));
	for (size_t i = 0; i < n; i++) {
		struct mw_addr f, s;
		struct mw_typo tf, ts;
		int rf, rs, df = 0;

		if (i % BATCH == 0) {
			mw_arena_free(&a);
			mw_arena_free(&b);
			if ((a = mw_arena_new(0)) == NULL ||
			    (b = mw_arena_new(0)) == NULL)
				exit(2);
		}
		rf = mw_addr_parse_memo(&f, a, am, v[i].p, v[i].len, 0, NULL);
		rs = mw_addr_parse(&s, b, v[i].p, v[i].len, MW_ADDR_F_NO_FAST,
		    NULL);
		if (rf != rs || f.verdict != s.verdict || f.valid != s.valid ||
		    f.warnings != s.warnings || f.err_code != s.err_code ||
		    f.err_pos != s.err_pos || f.err_reason != s.err_reason ||
		    !same_str(f.local, s.local) ||
		    !same_str(f.domain, s.domain) ||
		    !same_str(f.domain_ascii, s.domain_ascii) ||
		    !same_str(f.address, s.address) ||
		    f.local_len != s.local_len || f.domain_len != s.domain_len ||
		    f.total_len != s.total_len)
			df = 1;
		if (rs == 0 && s.valid) {
			ref->valid++;
			if (s.domain_ascii != NULL) {
				memset(&tf, 0, sizeof(tf));
				rs = mw__typo_check_exhaustive(&ts, b,
				    s.domain_ascii, NULL);
				rf = f.domain_ascii == NULL ? -1 :
				    mw_typo_check_memo(&tf, tm, a,
				        f.domain_ascii, f.domain_len);
				if (rs == 0) {
					ref->kinds[ts.kind]++;
					ref->known += ts.domain_known;
				}
				if (rf != rs || tf.kind != ts.kind ||
				    tf.cost != ts.cost ||
				    tf.domain_known != ts.domain_known ||
				    !same_str(tf.suggestion, ts.suggestion))
					df = 1;
			}
		}
		if (df && bad++ < 5)
			fprintf(stderr, "verdicts differ on line %zu: %.*s\n",
			    i + 1, (int)v[i].len, (const char *)v[i].p);
	}
	mw_arena_free(&a);
	mw_arena_free(&b);
	mw_typo_memo_free(&tm);
	mw_addr_memo_free(&am);
	return bad;
}

static int
same_tally(const struct tally *x, const struct tally *y, int typo)
{
	if (x->valid != y->valid)
		return 0;
	return !typo || (memcmp(x->kinds, y->kinds, sizeof(x->kinds)) == 0 &&
	                    x->known == y->known);
}

int
main(int argc, char **argv)
{
	size_t len, n, nd = 0, *lens;
	char *buf;
	struct line *v;
	struct tally t[4], ref;
	double best[4] = {1e9, 1e9, 1e9, 1e9}, bt[2] = {1e9, 1e9}, bref = 1e9;
	double s;
	struct mw_arena *keep;
	const char **doms;
	unsigned long bad;
	int ok = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: bench_addr FILE\n");
		return 2;
	}
	buf = slurp(argv[1], &len);
	v = split(buf, len, &n);
	/* 0: syntax, 1: syntax+typo (memos); 2, 3: the same without. */
	for (int r = 0; r < RUNS; r++) {
		for (int k = 0; k < 4; k++)
			if ((s = pass(v, n, k & 1, k < 2, &t[k])) < best[k])
				best[k] = s;
	}
	/* The reference: full parser, no memo, plain typo check. */
	{
		struct mw_arena *a = NULL;
		double t0 = now();

		for (size_t i = 0; i < n; i++) {
			struct mw_addr ad;
			struct mw_typo ty;

			if (i % BATCH == 0) {
				mw_arena_free(&a);
				if ((a = mw_arena_new(0)) == NULL)
					exit(2);
			}
			if (mw_addr_parse(&ad, a, v[i].p, v[i].len,
			        MW_ADDR_F_NO_FAST, NULL) == 0 &&
			    ad.valid && ad.domain_ascii != NULL)
				mw_typo_check(&ty, a, ad.domain_ascii, NULL);
		}
		mw_arena_free(&a);
		bref = now() - t0;
	}
	bad = verify(v, n, &ref);
	for (int k = 0; k < 4; k++)
		if (!same_tally(&t[k], &ref, k & 1))
			ok = 0;

	/* Collect the domains once for the typo-only figures. */
	keep = mw_arena_new(1u << 30);
	doms = malloc(n * sizeof(*doms));
	lens = malloc(n * sizeof(*lens));
	for (size_t i = 0; keep != NULL && doms != NULL && lens != NULL &&
	     i < n; i++) {
		struct mw_addr ad;

		if (mw_addr_parse(&ad, keep, v[i].p, v[i].len, 0, NULL) == 0 &&
		    ad.valid && ad.domain_ascii != NULL) {
			lens[nd] = ad.domain_len;
			doms[nd++] = ad.domain_ascii;
		}
	}
	for (int r = 0; r < RUNS; r++)
		for (int k = 0; k < 2; k++)
			if ((s = typo_only(doms, lens, nd, k == 0)) < bt[k])
				bt[k] = s;

	printf("addresses: %zu (%lu valid)\n", n, t[0].valid);
	printf("typo check: %lu known providers/look-alikes, %lu provider "
	       "typos, %lu TLD typos, %lu typo-squats\n",
	    t[1].known, t[1].kinds[MW_TYPO_PROVIDER], t[1].kinds[MW_TYPO_TLD],
	    t[1].kinds[MW_TYPO_SQUAT]);
	printf("verdicts: %s (%lu of %zu lines differ from the reference: "
	       "full parser, no memo; valid %lu, suggestions %lu; every "
	       "timed pass's counts %s)\n",
	    bad == 0 && ok ? "identical" : "DIFFER", bad, n, ref.valid,
	    ref.kinds[1] + ref.kinds[2] + ref.kinds[3],
	    ok ? "match" : "DIFFER");
	printf("mailwhy syntax:        %10.0f addr/s (%.3f s, best of %d; "
	       "fast path + IDNA memo)\n",
	    (double)n / best[0], best[0], RUNS);
	printf("mailwhy syntax+typo:   %10.0f addr/s (%.3f s, best of %d; "
	       "+ typo memo)\n",
	    (double)n / best[1], best[1], RUNS);
	printf("without memos: syntax  %10.0f addr/s, syntax+typo %10.0f "
	       "addr/s\n",
	    (double)n / best[2], (double)n / best[3]);
	printf("reference (full parser, no memo) syntax+typo: %10.0f addr/s\n",
	    (double)n / bref);
	printf("mailwhy typo only:     %10.0f domains/s with memo, %10.0f "
	       "without (%zu domains)\n",
	    (double)nd / bt[0], (double)nd / bt[1], nd);
	printf("cost split, ns per address: syntax %.1f, typo %.1f "
	       "(%.1f per valid domain), both %.1f\n",
	    best[0] / (double)n * 1e9, bt[0] / (double)n * 1e9,
	    bt[0] / (double)nd * 1e9, best[1] / (double)n * 1e9);
	free(lens);
	free(doms);
	mw_arena_free(&keep);
	free(v);
	free(buf);
	return bad == 0 && ok ? 0 : 1;
}
