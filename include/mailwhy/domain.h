/*
 * domain.h - the audit of a sending domain (mailwhy domain): its MX
 * hosts, SPF (the record audit, with check_host() of the sending
 * addresses given), DMARC, DKIM keys, the reverse DNS and
 * blocklist status of its sending addresses, and the big providers'
 * sender requirements judged against all of it.  Every check runs at once
 * on the caller's event loop; the result is one report of kind "domain".
 */
#ifndef MAILWHY_DOMAIN_H
#define MAILWHY_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "dns.h"
#include "err.h"
#include "report.h"

struct mw_domain_opts {
	const char *const *ips;	      /* sending addresses (--ip); none:
					 SPF ip4/ip6 terms and MX hosts */
	size_t nips;
	const char *const *selectors; /* DKIM selectors; none: discover */
	size_t nselectors;
	const char *helo;	      /* the server's HELO name, or NULL */
	const char *const *dnsbl;     /* extra lists, "ZONE[:ip|domain]" */
	size_t ndnsbl;
	bool lab;	    /* the lab: its blocklist instead of the real
			       ones, RFC 5737 networks count as public */
	bool allow_private; /* private addresses are normal (intranets) */
};

typedef void (*mw_domain_done_fn)(void *ud, struct mw_report *r);

/*
 * Audits domain (A-labels, lower case, no trailing dot) into r, an
 * initialised report of kind "domain" whose arena outlives the audit.
 * done is called once, from the event loop, when every check is in.
 * Returns 0, or MW_EINVAL (bad option, see err) / MW_ENOMEM, and then
 * done is not called.
 */
int mw_domain_check(struct mw_dns *dns, struct mw_report *r,
    const char *domain, const struct mw_domain_opts *opts,
    mw_domain_done_fn done, void *ud, struct mw_err *err);

#endif
