/*
 * typo.h - "did you mean gmail.com?": typo suggestions for the domain of
 * an address.
 *
 * The typed domain is compared with the provider domains of the knowledge
 * base (kb.h) by a keyboard-aware weighted Damerau-Levenshtein distance,
 * then split mailcheck-style into its first label and the suffix after it
 * ("example" + "co.uk") so a mistyped suffix alone can be fixed
 * ("company.con" -> "company.com").  Known typo-squats are reported as
 * such; provider domains and known legitimate look-alikes (gmx.com,
 * mail.de, ya.ru) never are.
 *
 * The check is a suggestion, not a verdict: whether the typed domain
 * receives mail (its MX) is evidence the caller adds.
 *
 * Costs are in tenths of an edit: a plain insertion, deletion or
 * substitution is 10; a swap of two neighbours, a doubled or undoubled
 * letter is 5; a substitution by a neighbouring QWERTY key is 6.
 */
#ifndef MAILWHY_TYPO_H
#define MAILWHY_TYPO_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

enum mw_typo_kind {
	MW_TYPO_NONE,
	MW_TYPO_PROVIDER, /* close to a provider (or caller-listed) domain */
	MW_TYPO_TLD,	  /* the suffix after the first label is mistyped */
	MW_TYPO_SQUAT	  /* a known typo-squat of a provider domain */
};

struct mw_typo {
	enum mw_typo_kind kind;
	/* The corrected domain: static, from the caller's lists, or in the
	 * arena.  NULL when kind is MW_TYPO_NONE; never equal to the input. */
	const char *suggestion;
	unsigned cost;	   /* edit cost, tenths of an edit (see above) */
	bool domain_known; /* the input is a provider, a legit look-alike or
			      in the caller's domain list: never a typo */
};

/*
 * Caller lists, mailcheck-style.  Any list may be NULL/0.
 */
struct mw_typo_opts {
	const char *const *domains; /* whole domains: "gmail.com" */
	size_t ndomains;
	const char *const *slds; /* first labels: "yahoo", "hotmail" */
	size_t nslds;
	const char *const *tlds; /* suffixes after the first label: "com",
				    "co.uk"; matched by distance */
	size_t ntlds;
	/* Largest cost suggested, for every list (clamped to
	 * MW_TYPO_COST_MAX); 0: the built-in thresholds, which scale with
	 * the length of the candidate. */
	unsigned max_cost;
	/* Use only these lists: no built-in providers, squats, look-alikes
	 * or TLD table. */
	bool no_builtin;
};

/*
 * Checks domain_ascii (lower-case A-labels; upper case is folded, one
 * trailing dot ignored) and fills out.  opts may be NULL: the built-in
 * lists only.  a receives the suggestion when it has to be built
 * ("company.con" -> "company.com"); the common cases (exact provider, no
 * suggestion, provider suggestion) allocate nothing.
 * Returns 0 (out filled, kind possibly MW_TYPO_NONE), MW_EINVAL for a
 * NULL out or domain, or MW_ENOMEM.
 */
int mw_typo_check(struct mw_typo *out, struct mw_arena *a,
    const char *domain_ascii, const struct mw_typo_opts *opts);

/*
 * A memo of verdicts for a caller checking many addresses (bulk lists
 * repeat their domains).  It keeps MW_TYPO_MEMO_SLOTS domains at most
 * (the least recently used give way) and answers exactly as
 * mw_typo_check() with the opts given here would: opts is copied, the
 * lists it points to must stay unchanged while the memo lives.  One memo
 * serves one thread at a time.
 */
struct mw_typo_memo;
int mw_typo_memo_new(struct mw_typo_memo **out,
    const struct mw_typo_opts *opts); /* 0, MW_EINVAL, MW_ENOMEM */
void mw_typo_memo_free(struct mw_typo_memo **m);
/*
 * mw_typo_check() through the memo; len is strlen(domain_ascii) (struct
 * mw_addr's domain_len).  A suggestion assembled for the domain is copied
 * into a, as mw_typo_check() would allocate it there.
 */
int mw_typo_check_memo(struct mw_typo *out, struct mw_typo_memo *m,
    struct mw_arena *a, const char *domain_ascii, size_t len);
/* Lookups answered from the memo, and not. */
void mw_typo_memo_stats(const struct mw_typo_memo *m, unsigned long *hits,
    unsigned long *misses);

/*
 * The entry of list[0..n) closest to s (mailcheck's findClosestDomain):
 * s itself when listed (cost 0), else the cheapest entry within max_cost
 * (0: the built-in threshold for the entry's length), ties to the first
 * listed.  NULL when none is close enough.
 */
const char *mw_typo_closest(unsigned *cost, const char *s,
    const char *const *list, size_t n, unsigned max_cost);

/*
 * The weighted edit distance from typed to meant (both lower case), or
 * max_cost + 1 as soon as it is known to exceed max_cost.  Strings longer
 * than MW_TYPO_TARGET_MAX compare as max_cost + 1.
 */
unsigned mw_typo_distance(const char *typed, const char *meant,
    unsigned max_cost);

#endif
