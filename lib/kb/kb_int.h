/*
 * kb_int.h - the generated knowledge-base tables (kb_data.c, written by
 * data/gen_kb.py) and the lookups the typo module shares.  Internal: not
 * installed, hidden from the shared library's symbol table.
 */
#ifndef MW_KB_INT_H
#define MW_KB_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mailwhy/arena.h"
#include "mailwhy/kb.h"
#include "mailwhy/typo.h"
#include "util/limits.h"

enum {
	MW__KB_PROVIDER = 1,
	MW__KB_LEGIT = 2,
	MW__KB_SQUAT = 4,
	MW__KB_DISPOSABLE = 8,
	MW__KB_TLDFIX = 16, /* a mistyped suffix: meant indexes tld_typos */
	MW__KB_CCTLD = 32   /* a delegated two-letter country-code TLD */
};
#define MW__KB_NONE 0xFFFFu

/* A provider domain as a typo target. */
struct mw__kb_target {
	const char *domain;
	uint8_t len;
	uint8_t sld_len; /* bytes before the first dot */
	uint8_t lim;	 /* built-in cost threshold: threshold(sld_len) */
	uint64_t mask;	 /* classes present: 1 << mw__kb_cls[c] */
	uint16_t rank;	 /* index into mw__kb_providers */
};

/* One slot of the domain hash (name == NULL: empty). */
struct mw__kb_entry {
	const char *name;
	uint8_t len;
	uint8_t flags;	 /* MW__KB_* */
	uint16_t prov;	 /* provider index, or MW__KB_NONE */
	/* squat: provider index meant; suffix typo: index into
	 * mw__kb_tld_typos; else MW__KB_NONE */
	uint16_t meant;
};

struct mw__kb_tld_typo {
	const char *typo;
	const char *fix;
};

struct mw__kb_counts {
	size_t providers, typosquats, lookalikes, tld_typos, roles, disposable;
};

extern const struct mw_kb_provider mw__kb_providers[];
extern const size_t mw__kb_nproviders;
extern const struct mw__kb_target mw__kb_targets[];
extern const size_t mw__kb_ntargets;
extern const uint16_t mw__kb_target_from[MW_TYPO_TARGET_MAX + 2];
/* Words of a bitset over the typo targets (MW_TYPO_TARGETS_MAX bits). */
#define MW__KB_TWORDS (MW_TYPO_TARGETS_MAX / 64)
/* Character classes: a-z 0-25, 0-9 26-35, '-' 36, '.' 37, other 38. */
extern const uint8_t mw__kb_cls[256];
/* Targets (bits, in mw__kb_targets order) whose first / second / third
 * character is of a class. */
extern const uint64_t mw__kb_first[40][MW__KB_TWORDS];
extern const uint64_t mw__kb_second[40][MW__KB_TWORDS];
extern const uint64_t mw__kb_third[40][MW__KB_TWORDS];
/* Targets whose first character is a QWERTY neighbour of a class. */
extern const uint64_t mw__kb_first_near[40][MW__KB_TWORDS];
/* QWERTY neighbours and look-alikes of a class, as class bits. */
extern const uint64_t mw__kb_near[40];
extern const struct mw__kb_entry mw__kb_domains[];
extern const size_t mw__kb_domains_size;
extern const struct mw__kb_tld_typo mw__kb_tld_typos[];
extern const size_t mw__kb_ntld_typos;
extern const char *const mw__kb_roles[];
extern const size_t mw__kb_nroles;
extern const struct mw__kb_counts mw__kb_counts;

/* FNV-1a, as data/gen_kb.py hashes the names; fold one byte into h. */
#define MW__KB_HASH_INIT 0x811C9DC5u
static inline uint32_t
mw__kb_hash_step(uint32_t h, uint8_t c)
{
	return (h ^ c) * 0x01000193u;
}

/*
 * The hash entry for the lower-case domain d[0..len), or NULL.  No
 * allocation; the caller has already folded case.  The _hashed form takes
 * the hash the caller computed while reading d.
 */
const struct mw__kb_entry *mw__kb_find(const char *d, size_t len);
const struct mw__kb_entry *mw__kb_find_hashed(const char *d, size_t len,
    uint32_t h);

/* The suffix meant for the lower-case suffix typo sfx[0..len), or NULL. */
const char *mw__kb_tld_fix(const char *sfx, size_t len);

/*
 * lib/addr/typo.c: mw_typo_check() without the candidate index and the
 * cheap lower bounds (every built-in target gets the DP): slower, the same
 * verdicts.  The reference the unit tests and the bench hold the fast path
 * to; not for production use.
 */
int mw__typo_check_exhaustive(struct mw_typo *out, struct mw_arena *a,
    const char *domain_ascii, const struct mw_typo_opts *opts);

#endif
