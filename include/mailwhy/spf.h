/*
 * spf.h - Sender Policy Framework (RFC 7208): the record parser, macro
 * expansion, check_host() on the asynchronous resolver, and the record
 * audit behind `mailwhy spf --audit` and `mailwhy domain`.
 *
 * The parser and the macro expander take bytes and do no I/O (they are
 * fuzz targets).  check_host() runs on mw_dns: many checks may be in
 * flight on one event loop, each ends in exactly one callback, and its
 * outcome lives in the arena the caller gave.  DNS outcomes map onto
 * temperror and permerror mechanically (RFC 7208 2.6, 4.4, 5).
 */
#ifndef MAILWHY_SPF_H
#define MAILWHY_SPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "dns.h"
#include "err.h"
#include "report.h"

struct event_base;

/* RFC 7208 2.6 */
enum mw_spf_result {
	MW_SPF_NONE,
	MW_SPF_NEUTRAL,
	MW_SPF_PASS,
	MW_SPF_FAIL,
	MW_SPF_SOFTFAIL,
	MW_SPF_TEMPERROR,
	MW_SPF_PERMERROR
};

/* Terms of a record (RFC 7208 4.6.1, 5, 6). */
enum mw_spf_kind {
	MW_SPF_ALL,
	MW_SPF_INCLUDE,
	MW_SPF_A,
	MW_SPF_MX,
	MW_SPF_PTR,
	MW_SPF_IP4,
	MW_SPF_IP6,
	MW_SPF_EXISTS,
	MW_SPF_REDIRECT, /* modifiers from here */
	MW_SPF_EXP,
	MW_SPF_UNKNOWN_MOD /* RFC 7208 6: ignored */
};

struct mw_spf_term {
	enum mw_spf_kind kind;
	char qualifier;   /* '+' '-' '~' '?' (mechanisms) */
	const char *text; /* the term as written */
	size_t offset;    /* of the term in the record */
	const char *spec; /* domain-spec / macro-string, or NULL */
	size_t spec_len;
	const char *name; /* modifier name (unknown modifiers) */
	uint8_t ip[16];   /* ip4 (4 bytes) / ip6 */
	int cidr4, cidr6; /* prefix lengths; 32 / 128 when absent */
};

struct mw_spf_record {
	const char *text;
	size_t len;
	struct mw_spf_term *terms;
	size_t n;
	const struct mw_spf_term *redirect, *exp; /* or NULL */
	unsigned dns_terms; /* include a mx ptr exists redirect */
};

/*
 * Parses one SPF record ("v=spf1 ..."; RFC 7208 4.5, 4.6, 12).  Returns 0,
 * MW_EINVAL for a syntax error (permerror; err has the offset and why,
 * "unknown mechanism" among them) or MW_ENOMEM.  *out is in a.
 */
int mw_spf_record_parse(struct mw_spf_record **out, struct mw_arena *a,
    const uint8_t *p, size_t len, struct mw_err *err);

/* True when a TXT string is an SPF record: "v=spf1" then SP or the end
 * (RFC 7208 4.5), case-insensitively. */
bool mw_spf_is_record(const uint8_t *p, size_t len);

/* What macros expand to (RFC 7208 7.2).  Strings are NUL-terminated. */
struct mw_spf_macro_ctx {
	const char *sender; /* s: local@domain (postmaster@helo if empty) */
	const char *local;  /* l */
	const char *sender_domain; /* o */
	const char *domain;        /* d: the current domain */
	const char *helo;          /* h */
	const char *receiver;      /* r (exp only): NULL gives "unknown" */
	const char *ptr_name; /* p: the validated name, or NULL: "unknown" */
	uint8_t ip[16];       /* i c v */
	int family;           /* AF_INET or AF_INET6 */
	int64_t now;          /* t (exp only): seconds since the epoch */
};

/* Macro strings are domain-specs unless MW_SPF_MACRO_EXP (explain-string:
 * spaces and the c r t letters allowed; RFC 7208 6.2, 7.1). */
#define MW_SPF_MACRO_EXP 0x1

/*
 * Expands a macro string (RFC 7208 7).  Returns 0, MW_EINVAL for a syntax
 * error (err says where), MW_ELIMIT past MW_SPF_EXPAND_MAX, MW_ENOMEM.
 * Domain-specs longer than 253 characters lose labels on the left (7.3).
 */
int mw_spf_macro_expand(char **out, struct mw_arena *a, const uint8_t *p,
    size_t len, const struct mw_spf_macro_ctx *ctx, unsigned flags,
    struct mw_err *err);

/* Checks macro-string syntax only; 0 or MW_EINVAL. */
int mw_spf_macro_check(
    const uint8_t *p, size_t len, unsigned flags, struct mw_err *err);

/* "pass", "fail", ... */
const char *mw_spf_result_name(enum mw_spf_result r);
/* "include", "ip4", ..., "redirect", "exp", "modifier". */
const char *mw_spf_kind_name(enum mw_spf_kind k);

/* ---- check_host() ---- */

struct mw_spf_query {
	const char *ip;       /* the client's address, text (v4 or v6) */
	const char *sender;   /* MAIL FROM, "" for the null sender */
	const char *helo;     /* HELO/EHLO name, may be NULL when sender
	                         has a domain */
	const char *receiver; /* r macro, may be NULL */
	const char *domain;   /* check this domain instead of the
	                         sender's (the audit); usually NULL */
};

/* One record visited: the path through includes and redirects. */
struct mw_spf_step {
	unsigned depth;  /* 0 for the checked domain */
	const char *via; /* "include:x", "redirect=x", NULL at top */
	const char *domain;
	const char *record;  /* NULL when there was none */
	const char *outcome; /* the record's result, or "redirect" */
	const char *matched; /* the term that decided it, "default" */
};

struct mw_spf_outcome {
	enum mw_spf_result result;
	const char *identity;    /* "mailfrom" or "helo" (RFC 7208 2.3) */
	const char *domain;      /* the checked domain */
	const char *mechanism;   /* the deciding term as written, "default"
	                            when none matched; NULL for none and
	                            errors before any term */
	const char *mech_domain; /* whose record held it */
	const char *explanation; /* from exp= (fail only), or NULL */
	const char *reason;      /* why none/temperror/permerror, or NULL */
	const char *problem;     /* the domain or term at fault, or NULL */
	unsigned lookups;        /* DNS-querying terms (RFC 7208 4.6.4) */
	unsigned void_lookups;
	unsigned mx_ptr_addr_lookups; /* the address lookups of mx/ptr that
	                                 the disputed reading adds */
	unsigned queries;             /* DNS queries sent */
	struct mw_spf_step *path;
	size_t npath;
};

struct mw_spf_opts {
	/* Disputed RFC 7208 4.6.4 reading: the address lookups of mx and ptr
	 * count towards the 10 as well.  Off: the suites' reading. */
	bool strict_mx_count;
	int64_t now; /* t macro; 0 = time(NULL) */
	/* The loop the resolver runs on.  Given, the checker keeps the DNS
	 * answers it saw for their TTL (at most MW_SPF_CACHE_MAX) and serves
	 * repeats itself, from this loop: for receivers checking many
	 * senders.  NULL: every lookup goes to the resolver. */
	struct event_base *cache_base;
};

struct mw_spf_checker;

int mw_spf_checker_new(struct mw_spf_checker **out, struct mw_dns *dns,
    const struct mw_spf_opts *opts, struct mw_err *err);
void mw_spf_checker_free(struct mw_spf_checker **c);

typedef void (*mw_spf_done_fn)(void *ud, const struct mw_spf_outcome *o);

/*
 * check_host(ip, domain, sender) (RFC 7208 4).  The domain is the sender's
 * or, for "" senders, the HELO name's.  done runs exactly once, from the
 * event loop or before mw_spf_check returns when no DNS is needed (a bad
 * IP or domain).  The outcome lives in a.  Returns 0, or MW_EINVAL (bad
 * IP text), MW_ENOMEM; then done is not called.
 */
int mw_spf_check(struct mw_spf_checker *c, struct mw_arena *a,
    const struct mw_spf_query *q, mw_spf_done_fn done, void *ud,
    struct mw_err *err);

/*
 * Fills r (kind "spf") from a check: the facts result, identity, domain,
 * mechanism, mechanism_domain, lookups, lookups_strict, void_lookups,
 * explanation, reason and path (JSON), and one finding for the result,
 * whose remedy holds the record to publish.  ip is the client's address.
 */
int mw_spf_report(
    struct mw_report *r, const struct mw_spf_outcome *o, const char *ip);

/* ---- the record audit ---- */

/* One node of the include tree. */
struct mw_spf_node {
	unsigned depth;
	int parent;      /* index, -1 at the top */
	const char *via; /* "include:x" / "redirect=x"; NULL at top */
	const char *domain;
	const char *record;  /* NULL: none (or see status) */
	const char *status;  /* "ok", "none", "multiple", "syntax",
	                        "temperror", "loop", "not followed" */
	unsigned own;        /* lookups of the terms of this record */
	unsigned own_strict; /* ... counting mx address lookups */
	unsigned total;      /* own + everything below */
	unsigned total_strict;
	unsigned voids;    /* terms of this record that look up nothing */
	const char *terms; /* per-term counts: "a(1) mx(1+3) include(4)" */
};

struct mw_spf_audit_out {
	const struct mw_spf_node *nodes; /* nodes[0] is the domain */
	size_t n;
	unsigned lookups, lookups_strict, void_lookups;
	const char *fixed; /* the record to publish, or NULL: nothing to fix */
	bool nxdomain;     /* the domain itself does not exist */
	/* check_host() of each opts.ips, in order; NULL when they were not
	 * checked (no record, temperror, a draft, or no IPs given). */
	const enum mw_spf_result *ip_results;
};

struct mw_spf_audit_opts {
	const char *const *ips; /* sending IPs that must pass, or NULL */
	size_t nips;
	/* Audit this draft instead of the published record (its string
	 * lengths are checked too; --ip is checked only for the published
	 * record). */
	const char *record;
};

typedef void (*mw_spf_audit_fn)(
    void *ud, struct mw_report *r, const struct mw_spf_audit_out *out);

/*
 * Audits domain's SPF record into r (kind "spf-audit"): the include tree
 * with lookup counts under both readings of 4.6.4, void lookups, risky
 * terms, and findings whose remedies hold the record to publish.  done
 * runs exactly once, when r is complete: from the event loop, or before
 * mw_spf_audit returns for a draft record that needs no DNS.  Returns 0,
 * or MW_EINVAL / MW_ENOMEM (then done is not called).
 */
int mw_spf_audit(struct mw_spf_checker *c, struct mw_report *r,
    const char *domain, const struct mw_spf_audit_opts *opts,
    mw_spf_audit_fn done, void *ud, struct mw_err *err);

#endif
