/*
 * typo.c - typo suggestions for the domain of an address (see typo.h).
 *
 * Order of the checks, cheapest and most certain first:
 *  1. exact hash lookup (kb), on the hash computed while the domain is
 *     read and folded: a provider or a legit look-alike is never a typo;
 *     a known typo-squat gets its definite target;
 *  2. the whole domain against the provider domains a slip could have
 *     produced: a generated index by first, second and third character
 *     and by length picks a handful (scan_builtin), then bounds that
 *     need no DP reject most of those (length difference; character-class
 *     presence masks; after stripping the common prefix and suffix, the
 *     character counts), and only the rest get the keyboard-aware
 *     weighted Damerau-Levenshtein distance (optimal string alignment);
 *  3. mailcheck's split, first label + suffix ("example" + "co.uk"): the
 *     suffix through the TLD-typo table (and the caller's suffix list),
 *     the first label through the caller's list.
 * The DP is banded (|i - j| <= max_cost / 5) and stops as soon as two
 * rows exceed the threshold.  Nothing is allocated unless a suggestion
 * has to be assembled (step 3).  A known domain costs one hash probe
 * (~15 ns), an unknown one 60-300 ns (BENCHMARKS.md).
 *
 * Completeness of step 2: the index, the length test and the mask bound
 * only drop targets the written-out rules would drop (scan_builtin_ref):
 * the bitsets encode the start rules; every edit costs 5 at least, so a
 * length difference of l costs 5 l at least; mask_bound() <= bag_bound()
 * <= the distance (see there).  mw__typo_check_exhaustive() runs the
 * reference, and tests/unit/kb/test_typo.c and the bench compare the two
 * verdict for verdict.  A SymSpell-style deletion index was measured and
 * not used: the built-in threshold 16 admits three slips (5 each), so a
 * typed domain of up to 19 bytes has ~550 deletion variants to hash and
 * probe, more work than the whole check (~1,300 instructions).
 *
 * Thresholds (built-in lists): a target whose first label has at most 3
 * letters (ya.ru, bk.ru, gmx.de) only accepts a swap or a doubled letter
 * (5), because its neighbours are real domains (vk.ru); 4-5 letters
 * accept two cheap slips or one plain edit (12: mail.de is not mail.ru);
 * longer ones 16 (one plain edit and one slip).  A typed real ccTLD is
 * never exchanged for another (free.de, yahoo.cn).  Tuned on
 * tests/unit/kb/test_typo.c and a synthetic list of 104,040 company
 * domains (3 suggestions).
 *
 * A domain with an IDN label is also read as if typed on the Russian
 * ЙЦУКЕН layout by someone who meant Latin keys ("пьфшдюсщь" is
 * "gmail.com"); that path alone allocates (libidn2's decoding buffer).
 *
 * A caller checking a bulk list keeps the verdicts per domain in a
 * mw_typo_memo (bounded, least recently used replaced; addr_int.h): a
 * repeated domain then costs a hash and a probe, whatever path it took.
 *
 * Limits: MW_TYPO_TARGET_MAX (DP row size), MW_TYPO_COST_MAX,
 * MW_TYPO_LIST_MAX, MW_DNS_NAME_MAX (input), MW_TYPO_MEMO_SLOTS,
 * MW_TYPO_MEMO_KEY_MAX, MW_TYPO_MEMO_SUGGESTION_MAX (memo).
 */
#include <idn2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr_int.h"
#include "kb/kb_int.h"
#include "mailwhy/arena.h"
#include "mailwhy/err.h"
#include "mailwhy/kb.h"
#include "mailwhy/typo.h"
#include "util/limits.h"

#define COST_EDIT 10	/* insertion, omission, far substitution */
#define COST_NEAR 6	/* substitution by a neighbouring key */
#define COST_SLIP 5	/* neighbour swap, doubled or undoubled letter */
#define COST_INF 0x3FFFu

/* QWERTY neighbours and look-alikes (0/o, 1/l), from data/gen_kb.py. */
static inline bool
is_near(uint8_t a, uint8_t b)
{
	return (mw__kb_near[mw__kb_cls[a]] >> mw__kb_cls[b]) & 1;
}

static inline unsigned
sub_cost(uint8_t a, uint8_t b)
{
	if (a == b)
		return 0;
	return is_near(a, b) ? COST_NEAR : COST_EDIT;
}

/* Cost of s[i] being there when it should not: cheap when it doubles. */
static inline unsigned
extra_cost(const uint8_t *s, size_t n, size_t i)
{
	if ((i > 0 && s[i - 1] == s[i]) || (i + 1 < n && s[i + 1] == s[i]))
		return COST_SLIP;
	return COST_EDIT;
}

/* Must match mask() in data/gen_kb.py. */
static uint64_t
mask_of(const uint8_t *s, size_t n)
{
	uint64_t m = 0;

	for (size_t i = 0; i < n; i++)
		m |= 1ull << mw__kb_cls[s[i]];
	return m;
}

static inline unsigned
min2(unsigned a, unsigned b)
{
	return a < b ? a : b;
}

/*
 * A lower bound from the character counts (the bag distance): every
 * surplus character of one side needs an edit (5 at least), and one
 * substitution (6 at least) can settle a surplus on each side at once.
 * Cheaper than the DP, and it rejects most near misses of equal length.
 */
static unsigned
bag_bound(const uint8_t *s, size_t n, const uint8_t *t, size_t m)
{
	int cnt[40] = {0};
	unsigned more = 0, less = 0;

	for (size_t i = 0; i < n; i++)
		cnt[mw__kb_cls[s[i]]]++;
	for (size_t j = 0; j < m; j++)
		cnt[mw__kb_cls[t[j]]]--;
	for (size_t k = 0; k < 40; k++) {
		if (cnt[k] > 0)
			more += (unsigned)cnt[k];
		else
			less += (unsigned)-cnt[k];
	}
	return more > less ? COST_SLIP * more + less : COST_SLIP * less + more;
}

/*
 * Weighted optimal-string-alignment distance from typed s[0..n) to meant
 * t[0..m), or max + 1 once it must exceed max.  The common prefix and
 * suffix are stripped first (no alignment gains by breaking them: a swap
 * across the edge would need a doubled letter, which is not a swap), the
 * doubled-letter test still sees the whole strings.  Then three rolling
 * rows; cells farther than max / COST_SLIP from the diagonal can never
 * come back under max and are not computed.
 */
static __attribute__((noinline)) unsigned
distance(const uint8_t *s, size_t n, const uint8_t *t, size_t m, unsigned max)
{
	unsigned rows[3][MW_TYPO_TARGET_MAX + 1];
	unsigned tcost[MW_TYPO_TARGET_MAX + 1];
	unsigned *pp, *p, *c, *tmp;
	size_t band = max / COST_SLIP;
	size_t i, j, lo, hi, pre = 0, suf = 0, sn, tn;
	const uint8_t *S, *T;
	unsigned rowmin, prevmin;

	if (m > MW_TYPO_TARGET_MAX || n > MW_DNS_NAME_MAX)
		return max + 1;
	if ((n > m ? n - m : m - n) > band)
		return max + 1;
	while (pre < n && pre < m && s[pre] == t[pre])
		pre++;
	while (suf < n - pre && suf < m - pre &&
	    s[n - 1 - suf] == t[m - 1 - suf])
		suf++;
	S = s + pre;
	T = t + pre;
	sn = n - pre - suf;
	tn = m - pre - suf;
	if (bag_bound(S, sn, T, tn) > max)
		return max + 1;
	pp = rows[0];
	p = rows[1];
	c = rows[2];
	/* Omitting t[j - 1] costs tcost[j], whatever the row. */
	for (j = 1; j <= tn; j++)
		tcost[j] = extra_cost(t, m, pre + j - 1);
	p[0] = 0;
	for (j = 1; j <= tn; j++)
		p[j] = j <= band ? p[j - 1] + tcost[j] : COST_INF;
	prevmin = 0;
	for (j = 0; j <= tn; j++)
		pp[j] = COST_INF;
	for (i = 1; i <= sn; i++) {
		unsigned scost = extra_cost(s, n, pre + i - 1);
		uint8_t si = S[i - 1];

		lo = i > band ? i - band : 0;
		hi = min2((unsigned)tn, (unsigned)(i + band));
		rowmin = COST_INF;
		/* Row c last held row i - 3: only its band edges are read. */
		if (lo == 0) {
			c[0] = p[0] + scost;
			rowmin = c[0];
			lo = 1;
		} else {
			c[lo - 1] = COST_INF;
		}
		for (j = lo; j <= hi; j++) {
			unsigned v = p[j - 1] + sub_cost(si, T[j - 1]);

			v = min2(v, p[j] + scost);
			v = min2(v, c[j - 1] + tcost[j]);
			if (i > 1 && j > 1 && si == T[j - 2] &&
			    S[i - 2] == T[j - 1] && si != S[i - 2])
				v = min2(v, pp[j - 2] + COST_SLIP);
			c[j] = min2(v, COST_INF);
			rowmin = min2(rowmin, c[j]);
		}
		if (hi < tn)
			c[hi + 1] = COST_INF;
		/* Later rows only grow from these two. */
		if (rowmin > max && prevmin > max)
			return max + 1;
		prevmin = rowmin;
		tmp = pp;
		pp = p;
		p = c;
		c = tmp;
	}
	return p[tn] <= max ? p[tn] : max + 1;
}

unsigned
mw_typo_distance(const char *typed, const char *meant, unsigned max_cost)
{
	if (typed == NULL || meant == NULL)
		return max_cost + 1;
	return distance((const uint8_t *)typed, strlen(typed),
	    (const uint8_t *)meant, strlen(meant), max_cost);
}

/* The built-in threshold for a candidate whose first label is sld long. */
static inline unsigned
threshold(size_t sld_len)
{
	if (sld_len <= 3)
		return COST_SLIP;
	if (sld_len <= 5)
		return 12;
	return 16;
}

static unsigned
clamp_cost(unsigned max_cost)
{
	return max_cost > MW_TYPO_COST_MAX ? MW_TYPO_COST_MAX : max_cost;
}

static size_t
first_label_len(const char *s, size_t n)
{
	const char *dot = memchr(s, '.', n);

	return dot ? (size_t)(dot - s) : n;
}

struct best {
	const char *name;
	unsigned cost;
	size_t rank;
};

static inline unsigned
popcount64(uint64_t x)
{
	/* SWAR: the build targets baseline x86-64, which has no POPCNT. */
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
	return (unsigned)((x * 0x0101010101010101ull) >> 56);
}

/*
 * A lower bound of the distance from the character-presence masks: each
 * character only the typed string has (x) must be rewritten or dropped,
 * each one only the target has (y) written or inserted; one substitution
 * (6 at least) can serve one of each, any other edit costs 5 at least.
 */
static inline unsigned
mask_bound(uint64_t smask, uint64_t tmask)
{
	unsigned x = popcount64(smask & ~tmask);
	unsigned y = popcount64(tmask & ~smask);

	return x < y ? 6 * x + COST_SLIP * (y - x) :
		       6 * y + COST_SLIP * (x - y);
}

/* mask_bound() with x = popcount64(smask & ~tmask) already known. */
static inline unsigned
mask_bound_x(unsigned x, uint64_t smask, uint64_t tmask)
{
	unsigned y = popcount64(tmask & ~smask);

	return x < y ? 6 * x + COST_SLIP * (y - x) :
		       6 * y + COST_SLIP * (x - y);
}

/* Offers candidate t (rank: lower wins ties) to best. */
static void
consider(struct best *b, const uint8_t *s, size_t n, uint64_t smask,
    const char *t, size_t m, uint64_t tmask, unsigned lim, size_t rank)
{
	unsigned d;

	if (b->name != NULL && b->cost < lim)
		lim = b->cost;
	if ((n > m ? n - m : m - n) * COST_SLIP > lim)
		return;
	if (mask_bound(smask, tmask) > lim)
		return;
	d = distance(s, n, (const uint8_t *)t, m, lim);
	if (d > lim)
		return;
	if (b->name == NULL || d < b->cost ||
	    (d == b->cost && rank < b->rank)) {
		b->name = t;
		b->cost = d;
		b->rank = rank;
	}
}

/*
 * True when the typed domain s[0..n) ends in a delegated ccTLD and target
 * t in another two-letter TLD: another country, not a correction.
 */
static bool
cc_swap(const uint8_t *s, size_t n, const struct mw__kb_target *t)
{
	const char *e = t->domain + t->len;
	const struct mw__kb_entry *cc;

	if (n < 4 || s[n - 3] != '.' || t->len < 4 || e[-3] != '.' ||
	    (e[-2] == (char)s[n - 2] && e[-1] == (char)s[n - 1]))
		return false;
	cc = mw__kb_find((const char *)s + n - 2, 2);
	return cc != NULL && (cc->flags & MW__KB_CCTLD);
}

/*
 * Targets worth a look: those of a length within 3 of n (sorted by length,
 * so a range) whose start agrees with the typed start in one of the ways
 * a single slip there leaves it:
 *   same first character                      "gmial.com"
 *   an extra first character: t0 = s1, t1 = s2 "xgmail.com"
 *   the first two swapped:    t0 = s1, t1 = s0 "mgail.com"
 *   the first one dropped:    t1 = s0, t2 = s1 "ahoo.com"
 *   a neighbouring first key: t0 near s0, t1 = s1 "tahoo.com"
 * Two slips in the first three characters go unnoticed; typosquats.tsv
 * can name such misspellings one by one.
 * With cc, a target that differs from a typed real ccTLD in another
 * two-letter TLD is no correction but another country (free.de is not
 * free.fr).
 */
static void
scan_builtin(struct best *b, const uint8_t *s, size_t n, uint64_t smask,
    unsigned max_cost, bool cc)
{
	size_t from = n > 3 ? n - 3 : 0;
	size_t to = n + 3 > MW_TYPO_TARGET_MAX ? MW_TYPO_TARGET_MAX : n + 3;
	unsigned c0, c1, c2;
	size_t lo, hi;

	if (from > MW_TYPO_TARGET_MAX)
		return;
	lo = mw__kb_target_from[from];
	hi = mw__kb_target_from[to + 1];
	c0 = mw__kb_cls[s[0]];
	c1 = n > 1 ? mw__kb_cls[s[1]] : 39;
	c2 = n > 2 ? mw__kb_cls[s[2]] : 39;
	for (size_t w = lo / 64; w < MW__KB_TWORDS && w * 64 < hi; w++) {
		uint64_t cand = mw__kb_first[c0][w] |
		    (mw__kb_first[c1][w] &
			(mw__kb_second[c2][w] | mw__kb_second[c0][w])) |
		    (mw__kb_second[c0][w] & mw__kb_third[c1][w]) |
		    (mw__kb_first_near[c0][w] & mw__kb_second[c1][w]);

		if (w == lo / 64)
			cand &= ~0ull << (lo % 64);
		if (w == hi / 64)
			cand &= (1ull << (hi % 64)) - 1;
		while (cand != 0) {
			size_t k = w * 64 + (size_t)__builtin_ctzll(cand);
			const struct mw__kb_target *t = &mw__kb_targets[k];
			unsigned lim = max_cost ? max_cost : t->lim;
			unsigned dl = n > t->len ?
			    (unsigned)(n - t->len) : (unsigned)(t->len - n);
			unsigned x, d;

			cand &= cand - 1;
			if (b->name != NULL && b->cost < lim)
				lim = b->cost;
			if (dl * COST_SLIP > lim)
				continue;
			/* mask_bound() >= 5 x: most fail on x alone. */
			x = popcount64(smask & ~t->mask);
			if (x * COST_SLIP > lim ||
			    mask_bound_x(x, smask, t->mask) > lim)
				continue;
			d = distance(s, n, (const uint8_t *)t->domain, t->len,
			    lim);
			if (d > lim || (cc && cc_swap(s, n, t)))
				continue;
			if (b->name == NULL || d < b->cost ||
			    (d == b->cost && t->rank < b->rank)) {
				b->name = t->domain;
				b->cost = d;
				b->rank = t->rank;
			}
		}
	}
}

/*
 * scan_builtin() written out, the reference it is held to (typo.h,
 * exhaustive): every target, the start rules and the length window tested
 * on the characters, the built-in threshold from threshold(), and the DP
 * for each, without the bitsets, the precomputed thresholds or the mask
 * bounds.  Both keep the cheapest target within its threshold, ties to
 * the lower rank, so the order of the scan does not matter.
 */
static void
scan_builtin_ref(struct best *b, const uint8_t *s, size_t n,
    unsigned max_cost, bool cc)
{
	unsigned c0 = mw__kb_cls[s[0]];
	unsigned c1 = n > 1 ? mw__kb_cls[s[1]] : 39;
	unsigned c2 = n > 2 ? mw__kb_cls[s[2]] : 39;

	for (size_t k = 0; k < mw__kb_ntargets; k++) {
		const struct mw__kb_target *t = &mw__kb_targets[k];
		unsigned t0 = mw__kb_cls[(uint8_t)t->domain[0]];
		unsigned t1 = mw__kb_cls[(uint8_t)t->domain[1]];
		unsigned t2 = mw__kb_cls[(uint8_t)t->domain[2]];
		unsigned lim = max_cost ? max_cost : threshold(t->sld_len);
		unsigned d;

		if ((size_t)t->len + 3 < n || t->len > n + 3)
			continue;
		if (!(t0 == c0 || (t0 == c1 && (t1 == c2 || t1 == c0)) ||
		        (t1 == c0 && t2 == c1) ||
		        (((mw__kb_near[c0] >> t0) & 1) && t1 == c1)))
			continue;
		d = distance(s, n, (const uint8_t *)t->domain, t->len, lim);
		if (d > lim || (cc && cc_swap(s, n, t)))
			continue;
		if (b->name == NULL || d < b->cost ||
		    (d == b->cost && t->rank < b->rank)) {
			b->name = t->domain;
			b->cost = d;
			b->rank = t->rank;
		}
	}
}

static void
scan_list(struct best *b, const uint8_t *s, size_t n, uint64_t smask,
    const char *const *list, size_t count, unsigned max_cost,
    size_t rank_base)
{
	if (count > MW_TYPO_LIST_MAX)
		count = MW_TYPO_LIST_MAX;
	for (size_t i = 0; i < count; i++) {
		const char *t = list[i];
		size_t m;
		unsigned lim;

		if (t == NULL || (m = strlen(t)) > MW_TYPO_TARGET_MAX)
			continue;
		lim = max_cost ? max_cost : threshold(first_label_len(t, m));
		consider(b, s, n, smask, t, m, mask_of((const uint8_t *)t, m),
		    lim, rank_base + i);
	}
}

static bool
listed(const char *const *list, size_t count, const char *s, size_t n)
{
	if (count > MW_TYPO_LIST_MAX)
		count = MW_TYPO_LIST_MAX;
	for (size_t i = 0; i < count; i++)
		if (list[i] != NULL && strncmp(list[i], s, n) == 0 &&
		    list[i][n] == '\0')
			return true;
	return false;
}

const char *
mw_typo_closest(unsigned *cost, const char *s, const char *const *list,
    size_t n, unsigned max_cost)
{
	struct best b = {NULL, 0, 0};
	size_t len;

	if (cost != NULL)
		*cost = 0;
	if (s == NULL || list == NULL || (len = strlen(s)) == 0 ||
	    len > MW_DNS_NAME_MAX)
		return NULL;
	if (n > MW_TYPO_LIST_MAX)
		n = MW_TYPO_LIST_MAX;
	for (size_t i = 0; i < n; i++)
		if (list[i] != NULL && strcmp(list[i], s) == 0)
			return list[i];
	scan_list(&b, (const uint8_t *)s, len, mask_of((const uint8_t *)s, len),
	    list, n, clamp_cost(max_cost), 0);
	if (b.name != NULL && cost != NULL)
		*cost = b.cost;
	return b.name;
}

/*
 * Step 3: mailcheck's split.  sld = s[0..dot), suffix after it.  Fills out
 * when the suffix (or, with caller lists, the first label) is corrected.
 */
static int
split_fix(struct mw_typo *out, struct mw_arena *a, const char *s, size_t n,
    const struct mw_typo_opts *o, unsigned max_cost)
{
	const char *dot = memchr(s, '.', n);
	const char *sld, *suf, *new_sld, *new_suf, *fix;
	size_t sld_n, suf_n;
	unsigned cost = 0, c;
	char *sug;

	if (dot == NULL || dot == s || dot + 1 == s + n)
		return 0;
	sld = s;
	sld_n = (size_t)(dot - s);
	suf = dot + 1;
	suf_n = n - sld_n - 1;
	new_sld = NULL;
	new_suf = NULL;
	/* mailcheck: a listed first label with a listed suffix is fine. */
	if (o != NULL && o->nslds > 0 && o->ntlds > 0 &&
	    listed(o->slds, o->nslds, sld, sld_n) &&
	    listed(o->tlds, o->ntlds, suf, suf_n))
		return 0;
	if ((o == NULL || !o->no_builtin) &&
	    (fix = mw__kb_tld_fix(suf, suf_n)) != NULL) {
		new_suf = fix;
		cost += mw_typo_distance(suf, fix, MW_TYPO_COST_MAX);
	}
	if (new_suf == NULL && o != NULL && o->ntlds > 0) {
		fix = mw_typo_closest(&c, suf, o->tlds, o->ntlds, max_cost);
		if (fix != NULL && strcmp(fix, suf) != 0) {
			new_suf = fix;
			cost += c;
		}
	}
	if (o != NULL && o->nslds > 0) {
		char label[MW_DNS_NAME_MAX + 1];

		memcpy(label, sld, sld_n);
		label[sld_n] = '\0';
		fix = mw_typo_closest(&c, label, o->slds, o->nslds, max_cost);
		if (fix != NULL && strcmp(fix, label) != 0) {
			new_sld = fix;
			cost += c;
		}
	}
	if (new_sld == NULL && new_suf == NULL)
		return 0;
	if (a == NULL)
		return MW_EINVAL;
	if (new_sld != NULL) {
		sld = new_sld;
		sld_n = strlen(new_sld);
	}
	if (new_suf != NULL) {
		suf = new_suf;
		suf_n = strlen(new_suf);
	}
	sug = mw_arena_printf(a, "%.*s.%.*s", (int)sld_n, sld, (int)suf_n, suf);
	if (sug == NULL)
		return MW_ENOMEM;
	if (strcmp(sug, s) == 0)
		return 0;
	out->kind = new_sld != NULL || mw_kb_provider(sug) != NULL ?
	    MW_TYPO_PROVIDER : MW_TYPO_TLD;
	out->suggestion = sug;
	out->cost = cost;
	return 0;
}

/*
 * The Latin key under each Cyrillic letter of the Russian ЙЦУКЕН layout:
 * U+0430 "а" .. U+044F "я", then U+0451 "ё".
 */
static const char ru_keys[32] = "f,dult;pbqrkvyjghcnea[wxio]sm'.z";

/*
 * The domain as typed on the wrong layout: decodes the A-labels and maps
 * each Cyrillic letter to its QWERTY key.  Returns the length of the
 * result in out, or 0 when the domain does not decode or holds anything
 * but Cyrillic letters and ASCII.  The caller saw an "xn--" label.
 */
static size_t
wrong_layout(char out[MW_DNS_NAME_MAX + 1], const char *s, size_t n)
{
	char *u = NULL;
	size_t k = 0;
	const uint8_t *p;

	if (idn2_to_unicode_8z8z(s, &u, 0) != IDN2_OK || u == NULL)
		return 0;
	for (p = (const uint8_t *)u; *p != '\0' && k < MW_DNS_NAME_MAX;) {
		if (p[0] < 0x80) {
			out[k++] = (char)*p++;
		} else if (p[0] == 0xD0 && p[1] >= 0xB0 && p[1] <= 0xBF) {
			out[k++] = ru_keys[p[1] - 0xB0];
			p += 2;
		} else if (p[0] == 0xD1 && p[1] >= 0x80 && p[1] <= 0x8F) {
			out[k++] = ru_keys[16 + p[1] - 0x80];
			p += 2;
		} else if (p[0] == 0xD1 && p[1] == 0x91) {
			out[k++] = '`'; /* "ё" */
			p += 2;
		} else {
			k = 0;
			break;
		}
	}
	if (*p != '\0')
		k = 0;
	idn2_free(u);
	out[k] = '\0';
	return k;
}

/* A provider meant by a domain typed on the wrong layout, into out. */
static bool
layout_slip(struct mw_typo *out, const char *s, size_t n, bool exhaustive)
{
	char m[MW_DNS_NAME_MAX + 1];
	const struct mw__kb_entry *e;
	struct best b = {NULL, 0, 0};
	size_t k = wrong_layout(m, s, n);

	if (k == 0)
		return false;
	if ((e = mw__kb_find(m, k)) != NULL &&
	    (e->flags & (MW__KB_PROVIDER | MW__KB_SQUAT))) {
		out->suggestion = mw__kb_providers[e->flags & MW__KB_PROVIDER ?
			e->prov : e->meant].domain;
		out->cost = COST_EDIT;
	} else {
		if (exhaustive)
			scan_builtin_ref(&b, (const uint8_t *)m, k, 0, false);
		else
			scan_builtin(&b, (const uint8_t *)m, k,
			    mask_of((const uint8_t *)m, k), 0, false);
		if (b.name == NULL)
			return false;
		out->suggestion = b.name;
		out->cost = COST_EDIT + b.cost;
	}
	out->kind = MW_TYPO_PROVIDER;
	return true;
}

/*
 * mw_typo_check(); *built: the suggestion was assembled in a; exhaustive:
 * the reference path (kb_int.h).
 */
static int
check(struct mw_typo *out, struct mw_arena *a, const char *domain_ascii,
    const struct mw_typo_opts *opts, bool *built, bool exhaustive)
{
	char s[MW_DNS_NAME_MAX + 1];
	const struct mw__kb_entry *e;
	bool builtin = opts == NULL || !opts->no_builtin;
	unsigned max_cost = opts ? clamp_cost(opts->max_cost) : 0;
	struct best b = {NULL, 0, 0};
	uint32_t h = MW__KB_HASH_INIT;
	uint64_t smask = 0;
	size_t n;
	bool idn = false;

	if (out == NULL || domain_ascii == NULL)
		return MW_EINVAL;
	memset(out, 0, sizeof(*out));
	/*
	 * Stop at names no list can hold; one trailing dot is ignored.  Then
	 * one pass: fold case, hash for the kb lookup, collect the class
	 * mask.  An A-label ("xn--" starting a label) is looked for after.
	 */
	n = strnlen(domain_ascii, MW_DNS_NAME_MAX + 1);
	if (n > MW_DNS_NAME_MAX)
		return 0;
	if (n > 0 && domain_ascii[n - 1] == '.')
		n--;
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = (uint8_t)domain_ascii[i];

		ch |= (uint8_t)(((unsigned)ch - 'A' < 26u) << 5);
		s[i] = (char)ch;
		smask |= 1ull << mw__kb_cls[ch];
		h = mw__kb_hash_step(h, ch);
	}
	for (const char *p = s, *end = s + n;;) {
		if (end - p >= 4 && memcmp(p, "xn--", 4) == 0) {
			idn = true;
			break;
		}
		if ((p = memchr(p, '.', (size_t)(end - p))) == NULL)
			break;
		p++;
	}
	s[n] = '\0';
	/* Empty, or an address literal (RFC 5321 4.1.3): nothing to fix. */
	if (n == 0 || s[0] == '[')
		return 0;

	if (builtin && (e = mw__kb_find_hashed(s, n, h)) != NULL) {
		if (e->flags & (MW__KB_PROVIDER | MW__KB_LEGIT)) {
			out->domain_known = true;
			return 0;
		}
		if (e->flags & MW__KB_SQUAT) {
			out->kind = MW_TYPO_SQUAT;
			out->suggestion = mw__kb_providers[e->meant].domain;
			out->cost = mw_typo_distance(s, out->suggestion,
			    MW_TYPO_COST_MAX);
			return 0;
		}
	}
	if (opts != NULL && listed(opts->domains, opts->ndomains, s, n)) {
		out->domain_known = true;
		return 0;
	}
	if (builtin && idn && layout_slip(out, s, n, exhaustive))
		return 0;
	if (builtin && exhaustive)
		scan_builtin_ref(&b, (const uint8_t *)s, n, max_cost, true);
	else if (builtin)
		scan_builtin(&b, (const uint8_t *)s, n, smask, max_cost, true);
	if (opts != NULL && opts->ndomains > 0)
		scan_list(&b, (const uint8_t *)s, n, smask, opts->domains,
		    opts->ndomains, max_cost, mw__kb_nproviders);
	if (b.name != NULL && strcmp(b.name, s) != 0) {
		out->kind = MW_TYPO_PROVIDER;
		out->suggestion = b.name;
		out->cost = b.cost;
		return 0;
	}
	*built = true;
	return split_fix(out, a, s, n, opts, max_cost);
}

int
mw_typo_check(struct mw_typo *out, struct mw_arena *a,
    const char *domain_ascii, const struct mw_typo_opts *opts)
{
	bool built = false;

	return check(out, a, domain_ascii, opts, &built, false);
}

int
mw__typo_check_exhaustive(struct mw_typo *out, struct mw_arena *a,
    const char *domain_ascii, const struct mw_typo_opts *opts)
{
	bool built = false;

	return check(out, a, domain_ascii, opts, &built, true);
}

/* --- the caller's memo of verdicts (typo.h) -------------------------- */

/* One domain's verdict; a suggestion assembled in an arena is copied. */
struct typo_val {
	struct mw_typo t; /* t.suggestion: static or listed, unless built */
	uint8_t blen;	  /* built: the suggestion is sug[0..blen) */
	bool built;
	char sug[MW_TYPO_MEMO_SUGGESTION_MAX];
};

struct mw_typo_memo {
	struct mw__memo m;
	struct mw_typo_opts opts;
	bool has_opts;
};

int
mw_typo_memo_new(struct mw_typo_memo **out, const struct mw_typo_opts *opts)
{
	struct mw_typo_memo *tm;

	if (out == NULL)
		return MW_EINVAL;
	if ((*out = tm = calloc(1, sizeof(*tm))) == NULL)
		return MW_ENOMEM;
	if (mw__memo_init(&tm->m, MW_TYPO_MEMO_SLOTS, MW_TYPO_MEMO_KEY_MAX,
	        sizeof(struct typo_val)) != 0) {
		free(tm);
		*out = NULL;
		return MW_ENOMEM;
	}
	if (opts != NULL) {
		tm->opts = *opts;
		tm->has_opts = true;
	}
	return 0;
}

void
mw_typo_memo_free(struct mw_typo_memo **tmp)
{
	if (tmp == NULL || *tmp == NULL)
		return;
	mw__memo_fini(&(*tmp)->m);
	free(*tmp);
	*tmp = NULL;
}

void
mw_typo_memo_stats(const struct mw_typo_memo *tm, unsigned long *hits,
    unsigned long *misses)
{
	if (hits != NULL)
		*hits = tm != NULL ? tm->m.hits : 0;
	if (misses != NULL)
		*misses = tm != NULL ? tm->m.misses : 0;
}

int
mw_typo_check_memo(struct mw_typo *out, struct mw_typo_memo *tm,
    struct mw_arena *a, const char *domain_ascii, size_t len)
{
	const struct mw_typo_opts *opts;
	const uint8_t *key = (const uint8_t *)domain_ascii;
	struct typo_val *v;
	bool hit, built = false;
	uint64_t h;
	size_t slot;
	char *sug;
	int rc;

	if (out == NULL || tm == NULL || domain_ascii == NULL ||
	    domain_ascii[len] != '\0')
		return MW_EINVAL;
	opts = tm->has_opts ? &tm->opts : NULL;
	if (len > MW_TYPO_MEMO_KEY_MAX)
		return check(out, a, domain_ascii, opts, &built, false);
	h = mw__memo_hash(key, len);
	slot = mw__memo_find(&tm->m, h, key, len, &hit);
	v = mw__memo_val(&tm->m, slot);
	if (hit) {
		*out = v->t;
		if (!v->built)
			return 0;
		/* As check() would: the suggestion lives in the arena. */
		if (a == NULL)
			return MW_EINVAL;
		if ((sug = mw_arena_alloc_bytes(a, (size_t)v->blen + 1)) ==
		    NULL)
			return MW_ENOMEM;
		memcpy(sug, v->sug, v->blen);
		sug[v->blen] = '\0';
		out->suggestion = sug;
		return 0;
	}
	if ((rc = check(out, a, domain_ascii, opts, &built, false)) != 0)
		return rc;
	built = built && out->suggestion != NULL;
	if (built && strlen(out->suggestion) > sizeof(v->sug))
		return 0; /* not kept: checked again next time */
	v->t = *out;
	v->built = built;
	if (built) {
		v->blen = (uint8_t)strlen(out->suggestion);
		memcpy(v->sug, out->suggestion, v->blen);
		v->t.suggestion = NULL;
	}
	mw__memo_put(&tm->m, slot, h, key, len);
	return 0;
}
