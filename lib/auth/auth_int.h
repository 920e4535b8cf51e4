/*
 * auth_int.h - helpers the domain audit modules share (lib/auth,
 * lib/dnsbl, lib/ptr, lib/domain).  Internal: hidden from the shared
 * library.
 */
#ifndef MW_AUTH_INT_H
#define MW_AUTH_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "mailwhy/dns.h"
#include "mailwhy/report.h"

/*
 * A temporary DNS outcome for name as a finding that says "could not
 * tell" (dns.timeout, dns.bogus, dns.servfail), once per name.
 */
void mw__auth_dns_trouble(struct mw_report *r, const char *name,
    const struct mw_dns_answer *a);

/* True when name is domain or a subdomain of it (ASCII, case folded). */
bool mw__auth_under(const char *name, const char *domain);

/* The number of labels of a domain name ("" has none). */
size_t mw__auth_labels(const char *name);

/* The last n labels of name (a pointer into it). */
const char *mw__auth_suffix(const char *name, size_t n);

#endif
