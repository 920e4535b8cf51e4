/*
 * dns.h - asynchronous DNS for mailwhy: a validating resolver (libunbound)
 * that runs on the caller's libevent loop.
 *
 * Every lookup ends in exactly one callback, always from the event loop
 * (never from inside mw_dns_query), with a struct mw_dns_answer that lives
 * in the arena the caller passed.  The answer packet is parsed by mailwhy
 * itself (RFC 1035 4.1), with the limits of lib/util/limits.h.
 *
 * Outcomes are one closed enum.  OK, NXDOMAIN and NODATA are definitive
 * answers about the name; every other status is temporary ("could not
 * tell", ask again later), which is how SPF's temperror (RFC 7208 5) and a
 * sending MTA's deferral follow from it.
 */
#ifndef MAILWHY_DNS_H
#define MAILWHY_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "err.h"

struct event_base;

/* RR types that answers are parsed for (any other type number may be
 * asked; its records keep only their raw RDATA). */
enum {
	MW_DNS_T_A = 1,
	MW_DNS_T_NS = 2,
	MW_DNS_T_CNAME = 5,
	MW_DNS_T_SOA = 6,
	MW_DNS_T_PTR = 12,
	MW_DNS_T_MX = 15,
	MW_DNS_T_TXT = 16,
	MW_DNS_T_AAAA = 28,
	MW_DNS_T_TLSA = 52
};

enum mw_dns_status {
	MW_DNS_OK,       /* records of the asked type exist */
	MW_DNS_NXDOMAIN, /* the name does not exist (RCODE 3) */
	MW_DNS_NODATA,   /* the name exists, no records of the type */
	MW_DNS_SERVFAIL, /* temporary: server failure, lame delegation,
	                    any other RCODE, or a local resolver failure */
	MW_DNS_REFUSED,  /* temporary: a server refused to answer (RCODE 5) */
	MW_DNS_TIMEOUT,  /* temporary: no answer within the timeout */
	MW_DNS_BOGUS,    /* temporary: DNSSEC validation failed; a
	                    validating resolver answers SERVFAIL */
	MW_DNS_MALFORMED /* temporary: the answer could not be parsed */
};
#define MW_DNS_STATUS_COUNT 8

enum mw_dnssec {
	MW_DNSSEC_INSECURE, /* not proven secure (also: no answer at all) */
	MW_DNSSEC_SECURE,   /* validated from a trust anchor */
	MW_DNSSEC_BOGUS     /* validation failed: see why_bogus */
};

/*
 * One resource record.  Names are lower case (ASCII), without the trailing
 * dot, "" for the root; octets other than letters, digits and printable
 * punctuation appear as "\DDD", a dot or backslash inside a label as "\."
 * and "\\" (RFC 1035 5.1).
 */
struct mw_dns_rr {
	const char *owner;
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;
	const uint8_t *rdata; /* the raw RDATA, always present */
	size_t rdlength;
	union {
		struct {                  /* A, AAAA */
			uint8_t addr[16]; /* 4 bytes used for A */
			int family;       /* AF_INET or AF_INET6 */
			char text[46];    /* INET6_ADDRSTRLEN */
		} ip;
		struct { /* MX (RFC 1035 3.3.9) */
			uint16_t pref;
			const char *host; /* "" for a null MX (RFC 7505) */
		} mx;
		struct {                      /* TXT (RFC 1035 3.3.14) */
			size_t n;             /* character-strings, >= 1 */
			const char **strings; /* each NUL-terminated, and */
			const size_t *lens;   /* its length (may hold NULs) */
			const char *joined;   /* all of them, no separator
			                         (RFC 7208 3.3) */
			size_t joined_len;
		} txt;
		const char *name; /* CNAME, NS, PTR */
		struct {          /* SOA (RFC 1035 3.3.13) */
			const char *mname, *rname;
			uint32_t serial, refresh, retry, expire, minimum;
		} soa;
		struct { /* TLSA (RFC 6698 2.1) */
			uint8_t usage, selector, mtype;
			const uint8_t *data;
			size_t len;
		} tlsa;
	} u;
};

struct mw_dns_answer {
	const char *qname; /* as asked, lower case, no trailing dot */
	uint16_t qtype;
	enum mw_dns_status status;
	enum mw_dnssec dnssec;
	const char *why;       /* why status is not OK (text), or NULL */
	const char *why_bogus; /* the validator's reason, or NULL */
	int rcode;             /* RCODE of the answer; -1 without one */
	/* CNAMEs followed from qname, in order: cname[0] is owned by qname.
	 * canonname is where the chain ends (qname when there is none), so
	 * "the MX host is an alias" is ncname > 0. */
	const char *canonname;
	size_t ncname;
	struct mw_dns_rr *cname;
	/* The records of qtype owned by canonname.  With BOGUS they are the
	 * data that failed validation: evidence, not to be used. */
	size_t n;
	struct mw_dns_rr *rr;
	double elapsed_ms; /* from sending the query to its outcome */
};

struct mw_dns_opts {
	/* "ADDR", "ADDR:PORT" (IPv4), "[ADDR]:PORT" or a bare IPv6 "ADDR":
	 * forward every query to that resolver.  NULL: the servers of
	 * /etc/resolv.conf, and /etc/hosts. */
	const char *server;
	/* DS/DNSKEY lines to validate with.  NULL: /usr/share/dns/root.key
	 * when the system resolver is used and the file is readable;
	 * otherwise no validation (every answer INSECURE). */
	const char *trust_anchor_file;
	unsigned timeout_ms; /* 0: MW_DNS_TIMEOUT_MS_DEFAULT */
	/* libunbound answers test., invalid., the RFC 1918/5737/6761
	 * reverse zones and so on by itself (NXDOMAIN).  With lab_zones, or
	 * whenever a server or trust anchor is given, those names go to the
	 * resolver like any other (the lab lives in test. and RFC 5737). */
	bool lab_zones;
};

struct mw_dns_stats {
	unsigned long sent;     /* queries handed to libunbound so far */
	unsigned long inflight; /* sent, outcome not known yet */
	unsigned long queued;   /* waiting for a slot (MW_DNS_INFLIGHT_MAX) */
	unsigned long timeouts; /* ended by our timer */
};

struct mw_dns;

typedef void (*mw_dns_cb)(void *ud, const struct mw_dns_answer *ans);

/* The resolver lives on base; free it before the base.  MW_EINVAL for a
 * bad server string, MW_EIO for an unreadable file, MW_ENOMEM. */
int mw_dns_new(struct mw_dns **out, struct event_base *base,
    const struct mw_dns_opts *opts, struct mw_err *err);

/*
 * Looks up name (text, a trailing dot allowed, RFC 1035 5.1 escapes
 * "\DDD" and "\X" for octets that are not printable; IDNs must be
 * A-labels already) for type, class IN.  The answer is allocated in a,
 * which must outlive the callback.  cb is called exactly once, from the
 * event loop, unless mw_dns_free comes first.  Fails at once (without a
 * callback) only for a bad name (MW_EINVAL) or a full arena (MW_ENOMEM).
 * Past MW_DNS_INFLIGHT_MAX lookups in flight, new ones wait in order; the
 * timeout counts from when a lookup is sent.
 */
int mw_dns_query(struct mw_dns *d, struct mw_arena *a, const char *name,
    uint16_t type, mw_dns_cb cb, void *ud, struct mw_err *err);

void mw_dns_stats(struct mw_dns_stats *out, const struct mw_dns *d);

/* The event loop the resolver lives on (for work a check must defer to
 * the loop, outside another module's callback). */
struct event_base *mw_dns_base(const struct mw_dns *d);

/* Cancels pending lookups without calling their callbacks.  May be called
 * from inside a callback. */
void mw_dns_free(struct mw_dns **d);

/*
 * One lookup to completion on a private event loop: for tests and simple
 * tools.  *out is in a.  Returns 0 whatever the DNS status.
 */
int mw_dns_resolve_sync(const struct mw_dns_answer **out, struct mw_arena *a,
    const struct mw_dns_opts *opts, const char *name, uint16_t type,
    struct mw_err *err);

/* "ok", "nxdomain", "nodata", "servfail", "refused", "timeout", "bogus",
 * "malformed". */
const char *mw_dns_status_name(enum mw_dns_status s);
/* True for every status but OK, NXDOMAIN and NODATA. */
bool mw_dns_status_is_temporary(enum mw_dns_status s);
/* "insecure", "secure", "bogus". */
const char *mw_dnssec_name(enum mw_dnssec s);
/* "A", "MX"... for the parsed types and a few more, NULL otherwise. */
const char *mw_dns_type_name(uint16_t type);
/* The inverse, case-insensitive, also "TYPE123" (RFC 3597 5). */
int mw_dns_type_parse(uint16_t *out, const char *s);

#endif
