/*
 * addr.h - is this one email address well formed, and how would SMTP
 * carry it?
 *
 * The parser reads the addr-spec of RFC 5322 3.4.1 (with comments, folding
 * white space, quoted strings, domain literals and the obsolete forms of
 * RFC 5322 4.4, RFC 6532 UTF-8) and judges it by what RFC 5321 4.1.2
 * Mailbox accepts (Dot-string or Quoted-string local part, Domain or
 * address literal), its length limits (RFC 5321 4.5.3.1) and RFC 6531
 * SMTPUTF8.  Non-ASCII domains go through IDNA2008 / UTS 46 (libidn2).
 *
 * Invalid input is a verdict, not an error: mw_addr_parse() fails only
 * for bad arguments or when the arena is full.  Strings in the result
 * live in the arena; err_reason and header_only_reason are static.
 */
#ifndef MAILWHY_ADDR_H
#define MAILWHY_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "err.h"

/* Why an address is unwise though valid (bits of struct mw_addr.warnings). */
/* quoted-string local part (RFC 5321 4.1.2) */
#define MW_ADDR_W_QUOTED 0x0001
/* [IPv4] or [IPv6:...] domain literal (RFC 5321 4.1.3) */
#define MW_ADDR_W_IP_LITERAL 0x0002
/* comments or folding white space (RFC 5322 3.2.2) */
#define MW_ADDR_W_COMMENT 0x0004
/* obs-local-part, obs-domain, obs-FWS, obs-qp... (RFC 5322 4.4) */
#define MW_ADDR_W_OBSOLETE 0x0008
/* UTF-8 in the local part: needs SMTPUTF8 (RFC 6531 3.3) */
#define MW_ADDR_W_SMTPUTF8 0x0010
/* U-label domain converted to A-labels (info, not unwise) */
#define MW_ADDR_W_IDN 0x0020
/* single-label domain: no FQDN (RFC 5321 2.3.5), unreliable (RFC 7085) */
#define MW_ADDR_W_DOTLESS 0x0040
/* all-digit top label: never a TLD (RFC 3696 2), often an IP typed bare */
#define MW_ADDR_W_NUMERIC_TLD 0x0080
/* "::" for a single zero group: RFC 5321 4.1.3 wants at least two,
 * RFC 5952 4.2.2 says not to write it */
#define MW_ADDR_W_IPV6_ONE_GROUP 0x0100

/* The bits that make a valid address UNWISE (all but MW_ADDR_W_IDN). */
#define MW_ADDR_W_UNWISE_MASK (~(unsigned)MW_ADDR_W_IDN)

/* Flags of mw_addr_parse(). */
/*
 * The input is exactly an addr-spec: no trimming of SP/HTAB/CR/LF at the
 * ends, no "<...>".  Test corpora use it: they judge exact strings.
 */
#define MW_ADDR_F_EXACT 0x0001
/*
 * Always take the full RFC 5322 parser, also for the plain ASCII
 * addresses a one-pass scan decides otherwise.  The result is the same
 * (the fuzz target and the unit tests use the flag to prove it); only the
 * time differs.
 */
#define MW_ADDR_F_NO_FAST 0x0002

enum mw_addr_verdict {
	MW_ADDR_VALID,       /* SMTP accepts it as is */
	MW_ADDR_UNWISE,      /* valid, but see warnings */
	MW_ADDR_HEADER_ONLY, /* a well-formed RFC 5322 addr-spec that SMTP
	                        cannot carry: a domain literal that is no IP
	                        address, control characters in the local part */
	MW_ADDR_INVALID      /* not an address, or breaks a rule of RFC 5321
	                        no rewriting fixes (length, host name, IDNA) */
};

/* What went wrong first (struct mw_addr.err_code). */
enum mw_addr_error {
	MW_ADDR_E_NONE = 0,
	MW_ADDR_E_EMPTY,          /* nothing but white space */
	MW_ADDR_E_INPUT_TOO_LONG, /* over MW_ADDR_INPUT_MAX octets */
	MW_ADDR_E_UTF8,           /* not well-formed UTF-8 (RFC 3629) */
	MW_ADDR_E_NO_AT,          /* no "@" */
	MW_ADDR_E_NO_LOCAL,       /* nothing before the "@" */
	MW_ADDR_E_NO_DOMAIN,      /* nothing after the "@" */
	MW_ADDR_E_DOT,            /* dot at an end of a part, or two dots */
	MW_ADDR_E_SYNTAX,         /* a character not allowed where it is */
	MW_ADDR_E_QUOTE,          /* unclosed quoted string */
	MW_ADDR_E_COMMENT,        /* unclosed or unbalanced comment */
	MW_ADDR_E_FOLDING, /* CR, LF or CRLF not in folding white space */
	MW_ADDR_E_LITERAL, /* unclosed or malformed domain literal */
	MW_ADDR_E_LIMIT,   /* comments nested past MW_ADDR_COMMENT_DEPTH */
	MW_ADDR_E_LOCAL_TOO_LONG,  /* RFC 5321 4.5.3.1.1: over 64 octets */
	MW_ADDR_E_LABEL_TOO_LONG,  /* RFC 1035 2.3.4: a label over 63 octets */
	MW_ADDR_E_DOMAIN_TOO_LONG, /* RFC 5321 4.5.3.1.2: over 255 octets */
	MW_ADDR_E_TOO_LONG,        /* RFC 5321 4.5.3.1.3: address over 254 */
	MW_ADDR_E_HOSTNAME, /* label not letters, digits, inner hyphens */
	MW_ADDR_E_IDN,      /* IDNA2008 refused the domain (libidn2) */
	/* HEADER_ONLY */
	MW_ADDR_E_LOCAL_CTL,   /* control character in the local part */
	MW_ADDR_E_ADDR_LITERAL /* domain literal that is no IP address */
};

struct mw_addr {
	enum mw_addr_verdict verdict;
	bool valid;        /* SMTP would accept the (normalised) address:
	                      VALID or UNWISE */
	bool warning;      /* valid but unwise (UNWISE) */
	unsigned warnings; /* MW_ADDR_W_*, as far as the parse got */
	/*
	 * Set when valid, NULL otherwise.  local is the local part as SMTP
	 * carries it: comments, folding and needless quoting removed, a
	 * Dot-string when the content allows, else a Quoted-string with
	 * only '"' and '\' escaped (RFC 5322 3.2.4: quotes, backslashes
	 * and CRLFs are not part of the content).
	 */
	const char *local;
	const char *domain;       /* lower-cased, U-labels kept (IDNA mapped);
	                             IP literals without brackets */
	const char *domain_ascii; /* A-labels, lower-cased, for DNS; NULL for
	                             IP literals */
	const char *address;      /* local "@" domain_ascii, or the literal
	                             in brackets */
	/* Octets of the normalised forms (A-labels), for RFC 5321 4.5.3.1;
	 * set as far as the parse got, also when not valid. */
	size_t local_len, domain_len, total_len;
	/* On INVALID / HEADER_ONLY: */
	size_t err_pos;         /* byte offset into in of the first error */
	const char *err_reason; /* static English text */
	int err_code;           /* enum mw_addr_error */
	const char *header_only_reason; /* = err_reason when HEADER_ONLY */
};

/*
 * Parses the address in[0..len), at most MW_ADDR_INPUT_MAX octets (more is
 * INVALID at once).  Unless MW_ADDR_F_EXACT, SP, HTAB, CR and LF at the
 * ends are dropped, then one pair of "<" ">" around the whole and the
 * same white space inside it.  Returns 0 (the verdict is in out) or
 * MW_ENOMEM / MW_EINVAL (NULL arguments, unknown flags), with err filled
 * when given.
 */
int mw_addr_parse(struct mw_addr *out, struct mw_arena *a, const uint8_t *in,
    size_t len, unsigned flags, struct mw_err *err);

/*
 * A memo of IDNA results for bulk lists, which repeat their internationalised
 * domains: libidn2 costs about a microsecond a domain, the memo a hash
 * probe.  Bounded (MW_ADDR_MEMO_SLOTS domains, least recently used
 * replaced); results are the same with or without it.  One memo serves one
 * thread at a time.  mw_addr_parse() is mw_addr_parse_memo() with m NULL.
 */
struct mw_addr_memo;
int mw_addr_memo_new(struct mw_addr_memo **out); /* 0, MW_ENOMEM */
void mw_addr_memo_free(struct mw_addr_memo **m);
int mw_addr_parse_memo(struct mw_addr *out, struct mw_arena *a,
    struct mw_addr_memo *m, const uint8_t *in, size_t len, unsigned flags,
    struct mw_err *err);
/* Domains found in the memo, and not (for benchmarks and tests). */
void mw_addr_memo_stats(const struct mw_addr_memo *m, unsigned long *hits,
    unsigned long *misses);

/* "valid", "unwise", "header_only", "invalid". */
const char *mw_addr_verdict_name(enum mw_addr_verdict v);

#endif
