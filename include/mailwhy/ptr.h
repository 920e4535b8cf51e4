/*
 * ptr.h - reverse DNS of sending addresses: the PTR record, its forward
 * confirmation (the PTR name resolves back to the address, "FCrDNS",
 * RFC 8601 3 "iprev"), names that look generic (dynamic, residential
 * pools: data/generic-ptr.txt) and the HELO name's consistency with the
 * address (RFC 5321 4.1.4).
 */
#ifndef MAILWHY_PTR_H
#define MAILWHY_PTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns.h"
#include "err.h"
#include "report.h"

/*
 * True when the PTR name looks generic for the address addr (4 or 16
 * octets by family): one of its pieces (split at dots, dashes, underscores
 * and letter/digit changes) is a listed word, or it spells three or more
 * of the IPv4 address's octets, or the address in hex.  *why (may be
 * NULL) gets a static English reason.  No I/O.
 */
bool mw_ptr_is_generic(const char *name, const uint8_t *addr, int family,
    const char **why);

/* The reverse lookup name of an address in text ("10.113.0.203.in-addr.
 * arpa"), in a; NULL when ip is not an address. */
const char *mw_ptr_reverse_name(struct mw_arena *a, const char *ip);

struct mw_ptr_result {
	size_t ips;	    /* addresses checked */
	size_t confirmed;   /* with a forward-confirmed PTR */
	size_t generic;	    /* ... whose name looks generic */
	bool helo_ok;	    /* helo given and resolving to an address */
	bool incomplete;    /* a lookup failed temporarily */
};

typedef void (*mw_ptr_done_fn)(void *ud, const struct mw_ptr_result *res);

/*
 * Checks each address of ips (text; at most MW_SENDING_IPS_MAX) into r;
 * helo (may be NULL) is the name the server greets with, domain the
 * sending domain (for the name suggested in remedies).  done is called
 * once from the event loop.  Returns 0 or MW_ENOMEM.
 */
int mw_ptr_check(struct mw_dns *dns, struct mw_report *r,
    const char *const *ips, size_t nips, const char *helo,
    const char *domain, mw_ptr_done_fn done, void *ud, struct mw_err *err);

#endif
