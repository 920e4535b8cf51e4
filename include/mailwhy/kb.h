/*
 * kb.h - the knowledge base: facts about mail providers and addresses,
 * kept as text files under data/ and built into the library (no file is
 * read at run time; see data/gen_kb.py).
 *
 * Every lookup is case-insensitive, ignores one trailing dot on a domain,
 * allocates nothing and is safe to call from any thread.  Returned
 * pointers are static and live as long as the library.
 *
 * Data: data/providers.tsv, data/typosquats.tsv, data/lookalike-legit.txt,
 * data/tld-typos.tsv, data/role-accounts.txt, data/disposable.txt; each
 * file's header names its sources.
 */
#ifndef MAILWHY_KB_H
#define MAILWHY_KB_H

#include <stdbool.h>
#include <stddef.h>

/* One mailbox domain of a provider (data/providers.tsv). */
struct mw_kb_provider {
	const char *domain; /* "gmail.com" */
	const char *name;   /* "Gmail" */
	const char *region; /* ISO 3166-1 alpha-2, "EU" or "world" */
	const char *group;  /* operator: domains of one group share servers */
};

/*
 * True when local names a function rather than a person: a listed role
 * ("postmaster", "no-reply", "buh"), also with a +tag ("info+shop"),
 * trailing digits ("support2") or as the first token before ".", "-" or
 * "_" ("sales-eu", "info.msk").  Quoted local parts are never roles.
 */
bool mw_kb_is_role(const char *local);

/* True for a listed disposable-mailbox domain or any subdomain of one. */
bool mw_kb_is_disposable(const char *domain_ascii);

/* The provider whose mailbox domain this is exactly, or NULL. */
const struct mw_kb_provider *mw_kb_provider(const char *domain_ascii);

/*
 * True for a real mail domain that looks like a typo of a big provider
 * (gmx.com, mail.de, ya.ru, mai.ru...), and for every provider domain:
 * neither is ever to be "corrected".
 */
bool mw_kb_is_lookalike_legit(const char *domain_ascii);

/* For a known typo-squat of a provider domain, the domain meant; or NULL. */
const char *mw_kb_typosquat(const char *domain_ascii);

/*
 * For a mistyped suffix (everything after the first label: "con",
 * "co.ul"), the suffix meant ("com", "co.uk"); or NULL.
 */
const char *mw_kb_tld_fix(const char *suffix);

/* Providers in rank order (biggest first), for iteration. */
size_t mw_kb_provider_count(void);
const struct mw_kb_provider *mw_kb_provider_at(size_t i);

/* Entries in each list, for reports and tests. */
struct mw_kb_stats {
	size_t providers, typosquats, lookalikes, tld_typos, roles, disposable;
};
void mw_kb_stats(struct mw_kb_stats *out);

#endif
