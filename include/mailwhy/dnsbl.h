/*
 * dnsbl.h - DNS blocklists (RFC 5782): which lists hold an address or a
 * domain, what each answer means, and how to get off the list.
 *
 * The lists and the meaning of their answer codes are data
 * (data/dnsbl.tsv).  An answer counts as a listing only after validation:
 * 127.255.255.0/24 and the codes a list documents as errors mean "the list
 * refused to answer" (public resolver, rate limit), 127.0.0.1 is never a
 * listing (RFC 5782 5), and an address outside 127/8 means the resolver
 * rewrites NXDOMAIN.  Nothing is ever called "listed" on such answers.
 */
#ifndef MAILWHY_DNSBL_H
#define MAILWHY_DNSBL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns.h"
#include "err.h"
#include "report.h"

enum mw_dnsbl_verdict {
	MW_DNSBL_CLEAN,	    /* NXDOMAIN: not listed */
	MW_DNSBL_LISTED,    /* a valid listing code */
	MW_DNSBL_REFUSED,   /* an error code: the list would not answer */
	MW_DNSBL_REWRITTEN, /* not 127/8: the resolver rewrites NXDOMAIN */
	MW_DNSBL_INVALID    /* 127/8 but no listing code (127.0.0.1...) */
};

enum mw_dnsbl_category {
	MW_DNSBL_C_SPAM,    /* a spam source */
	MW_DNSBL_C_EXPLOIT, /* infected, botnet, open proxy or relay */
	MW_DNSBL_C_POLICY,  /* a range that should not send direct mail */
	MW_DNSBL_C_DOMAIN,  /* a listed domain */
	MW_DNSBL_C_REFUSED, /* an error code */
	MW_DNSBL_C_INVALID  /* not a listing */
};

struct mw_dnsbl_judgement {
	enum mw_dnsbl_verdict verdict;
	enum mw_dnsbl_category category;
	const char *meaning; /* static English text from the data, or a
				generic one */
};

/*
 * Judges one A record a blocklist answered (addr: 4 octets, network
 * order).  zone is the list's zone ("zen.spamhaus.org"); a zone not in
 * the data (a --dnsbl list) gets the RFC 5782 conventions only.
 */
void mw_dnsbl_judge(struct mw_dnsbl_judgement *out, const char *zone,
    bool domain_list, const uint8_t addr[4]);

struct mw_dnsbl_opts {
	bool lab;		  /* the lab's list instead of the real ones */
	const char *const *extra; /* "ZONE" or "ZONE:ip" / "ZONE:domain" */
	size_t nextra;
};

struct mw_dnsbl_result {
	size_t zones;	  /* lists asked per target */
	size_t listed;	  /* (target, list) pairs listed */
	size_t refused;	  /* ... that refused or gave unusable answers */
	bool incomplete;  /* a lookup failed temporarily */
};

typedef void (*mw_dnsbl_done_fn)(void *ud, const struct mw_dnsbl_result *res);

/*
 * Looks the IPv4 addresses ips (text) up in the address lists and domain
 * (may be NULL) in the domain lists, all in parallel on dns; findings go
 * to r.  IPv6 addresses are skipped (few lists serve them).  done is
 * called once from the event loop.  Returns 0, or MW_EINVAL for a bad
 * extra zone, MW_ELIMIT past MW_DNSBL_ZONES_MAX, MW_ENOMEM.
 */
int mw_dnsbl_check(struct mw_dns *dns, struct mw_report *r,
    const char *const *ips, size_t nips, const char *domain,
    const struct mw_dnsbl_opts *opts, mw_dnsbl_done_fn done, void *ud,
    struct mw_err *err);

#endif
