/*
 * kb_int.h - the generated knowledge-base tables (kb_data.c, written by
 * data/gen_kb.py) and the lookups the typo module shares.  Internal: not
 * installed, hidden from the shared library's symbol table.
 */
#ifndef MW_KB_INT_H
#define MW_KB_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mailwhy/kb.h"
#include "util/limits.h"

enum {
	MW__KB_PROVIDER = 1,
	MW__KB_LEGIT = 2,
	MW__KB_SQUAT = 4,
	MW__KB_DISPOSABLE = 8
};
#define MW__KB_NONE 0xFFFFu

/* A provider domain as a typo target. */
struct mw__kb_target {
	const char *domain;
	uint8_t len;
	uint8_t sld_len; /* bytes before the first dot */
	uint32_t mask;	 /* character-presence bits, see typo.c */
	uint16_t rank;	 /* index into mw__kb_providers */
};

/* One slot of the domain hash (name == NULL: empty). */
struct mw__kb_entry {
	const char *name;
	uint8_t len;
	uint8_t flags;	 /* MW__KB_* */
	uint16_t prov;	 /* provider index, or MW__KB_NONE */
	uint16_t meant;	 /* squat: provider index meant, or MW__KB_NONE */
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
extern const struct mw__kb_entry mw__kb_domains[];
extern const size_t mw__kb_domains_size;
extern const struct mw__kb_tld_typo mw__kb_tld_typos[];
extern const size_t mw__kb_ntld_typos;
extern const char *const mw__kb_roles[];
extern const size_t mw__kb_nroles;
extern const struct mw__kb_counts mw__kb_counts;

/*
 * The hash entry for the lower-case domain d[0..len), or NULL.  No
 * allocation; the caller has already folded case.
 */
const struct mw__kb_entry *mw__kb_find(const char *d, size_t len);

#endif
