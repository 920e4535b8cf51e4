/*
 * kb_domain.h - the domain audit's generated tables (kb_domain_data.c,
 * written by data/gen_domain_kb.py from data/dkim-selectors.txt,
 * generic-ptr.txt, dnsbl.tsv and provider-rules.tsv).  Internal.
 */
#ifndef MW_KB_DOMAIN_H
#define MW_KB_DOMAIN_H

#include <stddef.h>
#include <stdint.h>

/* Common DKIM selectors, in file order. */
extern const char *const mw__kb_dkim_selectors[];
extern const size_t mw__kb_ndkim_selectors;

/* Words of generic (dynamic, residential) PTR names, sorted. */
extern const char *const mw__kb_generic_ptr[];
extern const size_t mw__kb_ngeneric_ptr;

/* Blocklist answer codes: categories in data/dnsbl.tsv order. */
enum {
	MW__KB_BL_SPAM,
	MW__KB_BL_EXPLOIT,
	MW__KB_BL_POLICY,
	MW__KB_BL_DOMAIN,
	MW__KB_BL_REFUSED,
	MW__KB_BL_INVALID
};
enum { MW__KB_BL_IP, MW__KB_BL_NAME };		  /* zone kinds */
enum { MW__KB_BL_DEFAULT, MW__KB_BL_OFF, MW__KB_BL_LAB }; /* uses */

struct mw__kb_dnsbl_code {
	uint32_t lo, hi; /* host order, inclusive */
	uint8_t cat;
	const char *meaning;
};

struct mw__kb_dnsbl_zone {
	const char *zone, *name;
	uint8_t kind, use;
	const char *delist, *source;
	uint16_t first, ncodes; /* into mw__kb_dnsbl_codes, sorted */
};

extern const struct mw__kb_dnsbl_code mw__kb_dnsbl_codes[];
extern const struct mw__kb_dnsbl_zone mw__kb_dnsbl_zones[];
extern const size_t mw__kb_ndnsbl_zones;

/* Provider requirements; req indexes the kinds lib/domain/rules.c knows
 * (the same order as REQS in gen_domain_kb.py). */
struct mw__kb_rule {
	const char *provider;
	uint8_t scope; /* 0 all, 1 bulk */
	uint8_t req;
	const char *source;
};
extern const struct mw__kb_rule mw__kb_rules[];
extern const size_t mw__kb_nrules;
extern const size_t mw__kb_nrule_kinds;

#endif
