/*
 * packet.h - the DNS message parser (internal to libmailwhy; the fuzz
 * target and the unit tests use it through the static library).
 */
#ifndef MW_DNS_PACKET_H
#define MW_DNS_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "mailwhy/arena.h"
#include "mailwhy/dns.h"
#include "mailwhy/err.h"

enum { MW__DNS_ANSWER, MW__DNS_AUTHORITY, MW__DNS_ADDITIONAL };

struct mw__dns_packet {
	uint16_t id;
	uint16_t flags;    /* the header's second 16 bits, RCODE included */
	int rcode;         /* the 4-bit header RCODE */
	const char *qname; /* NULL when there is no question */
	uint16_t qtype, qclass;
	size_t count[3];      /* records per section, as on the wire */
	size_t nrr;           /* sum of count[] */
	struct mw_dns_rr *rr; /* answer, then authority, then additional */
};

/*
 * Parses a whole DNS message (RFC 1035 4.1) into a.  Returns 0, MW_EINVAL
 * for a malformed message (err->offset is where), MW_ELIMIT past
 * MW_DNS_PACKET_MAX bytes or MW_DNS_RR_MAX records, MW_ENOMEM when a is
 * full.  On failure *out is unspecified.
 */
int mw__dns_packet_parse(struct mw__dns_packet *out, struct mw_arena *a,
    const uint8_t *p, size_t len, struct mw_err *err);

/*
 * Fills the packet-derived part of ans (rcode, status from the RCODE and
 * the records, canonname and the CNAME chain, rr/n) for ans->qname and
 * ans->qtype, which the caller set.  MW_EINVAL when the packet answers
 * another question, MW_ELIMIT for a chain past MW_DNS_CNAME_CHAIN_MAX,
 * MW_ENOMEM.
 */
int mw__dns_packet_answer(struct mw_dns_answer *ans, struct mw_arena *a,
    const struct mw__dns_packet *pkt, struct mw_err *err);

/*
 * A query name in text form made canonical: lower case, no trailing dot
 * ("" for the root).  MW_EINVAL unless it is 1..MW_DNS_QNAME_MAX
 * characters of printable ASCII without '\\', with labels of 1..63.
 */
int mw__dns_name_canon(
    char *out, size_t outsz, const char *name, struct mw_err *err);

#endif
