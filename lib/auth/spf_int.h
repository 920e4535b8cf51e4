/*
 * spf_int.h - what the SPF files share inside the library (hidden).
 */
#ifndef MW_AUTH_SPF_INT_H
#define MW_AUTH_SPF_INT_H

#include "mailwhy/spf.h"

/* A change to a record, for the record text a finding tells to publish. */
struct mw__spf_edit {
	const bool *drop;       /* per term, or NULL */
	char all;               /* new qualifier of the all terms, 0: keep */
	const char *const *add; /* terms put before the all term */
	size_t nadd;
	const char *const *replace; /* per term: its new text, or NULL */
};

/* The edited record's text, "v=spf1 ..." (in a), or NULL. */
const char *mw__spf_record_edit(struct mw_arena *a,
    const struct mw_spf_record *r, const struct mw__spf_edit *e);

/* The record text without the space-separated token at byte offset off
 * (for records that do not parse). */
const char *mw__spf_drop_token(
    struct mw_arena *a, const char *text, size_t off);

/* "ip4:192.0.2.1" or "ip6:2001:db8::1" for an address text, or NULL. */
const char *mw__spf_ip_term(struct mw_arena *a, const char *ip);

/* The resolver a checker uses (the audit asks its own questions). */
struct mw_dns *mw__spf_checker_dns(struct mw_spf_checker *c);

/* The answer cache of a checker (spf_cache.c). */
struct event_base;
struct mw__spf_cache;
int mw__spf_cache_new(struct mw__spf_cache **out, struct event_base *base);
void mw__spf_cache_free(struct mw__spf_cache **c);
/* Keeps a definitive answer for its TTL. */
void mw__spf_cache_put(
    struct mw__spf_cache *c, const struct mw_dns_answer *ans);
/* 0: a copy of the kept answer (in a) goes to cb from the loop; -1: not
 * kept (ask DNS). */
int mw__spf_cache_get(struct mw__spf_cache *c, struct mw_arena *a,
    const char *name, uint16_t type, mw_dns_cb cb, void *ud);

#endif
