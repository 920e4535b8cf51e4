/*
 * addr_check.h - the whole diagnosis of an address: syntax (addr.h), typo
 * and data-list checks (typo.h, kb.h) and, unless offline, the evidence
 * DNS gives about the domain's mail servers (RFC 5321 5.1, RFC 7505).
 *
 * One checker serves many addresses: the domain evidence is looked up once
 * per domain and shared (bulk lists repeat a few domains many times).
 */
#ifndef MAILWHY_ADDR_CHECK_H
#define MAILWHY_ADDR_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "dns.h"
#include "err.h"
#include "report.h"

struct mw_addr_check_opts {
	bool offline;	    /* no DNS at all: syntax, typos, lists */
	bool allow_private; /* private/reserved MX addresses are normal
			       (intranets) */
	bool lab_nets;	    /* the lab's RFC 5737 networks count as public
			       (the lab's servers live there) */
};

struct mw_addr_checker;

/* dns may be NULL only when opts->offline. */
int mw_addr_checker_new(struct mw_addr_checker **out, struct mw_dns *dns,
    const struct mw_addr_check_opts *opts, struct mw_err *err);
void mw_addr_checker_free(struct mw_addr_checker **c);

typedef void (*mw_addr_done_fn)(void *ud, struct mw_report *r);

/*
 * Checks the address in (any bytes) into r, an initialised report of kind
 * "addr".  done is called exactly once, when the report is complete: at
 * once when no DNS is needed or the domain is cached, otherwise later from
 * the DNS event loop.  r and its arena must live until then.
 * Returns 0, or MW_ENOMEM (then done is not called).
 */
int mw_addr_check(struct mw_addr_checker *c, struct mw_report *r,
    const uint8_t *in, size_t len, mw_addr_done_fn done, void *ud);

/* One MX host of a domain and the addresses DNS gave for it. */
struct mw_addr_mx_host {
	const char *name;
	uint16_t pref;
	const char *const *addrs; /* text, every class (private too) */
	size_t naddrs;
};

/* accepts: some route for mail exists; unknown: could not tell. */
typedef void (*mw_addr_domain_fn)(void *ud, struct mw_report *r,
    const struct mw_addr_mx_host *hosts, size_t nhosts, bool accepts,
    bool unknown);

/*
 * The domain evidence alone (RFC 5321 5.1, RFC 7505), for a report of any
 * kind (mailwhy domain): the same findings an address at the domain gets,
 * the facts "mx" and "mx_dnssec", and the MX hosts with their addresses
 * through done (called once, later from the event loop, or at once when
 * the domain is cached; everything handed over lives in r's arena).
 * Returns 0, MW_EINVAL when offline, or MW_ENOMEM.
 */
int mw_addr_check_domain(struct mw_addr_checker *c, struct mw_report *r,
    const char *domain_ascii, mw_addr_domain_fn done, void *ud);

/* Domains looked up so far, and DNS queries they needed. */
void mw_addr_checker_stats(const struct mw_addr_checker *c,
    unsigned long *domains, unsigned long *cache_hits);

#endif
