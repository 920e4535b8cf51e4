/*
 * dmarc.h - DMARC policy records (RFC 9989, which obsoletes RFC 7489 and
 * RFC 9091): the record parser and the policy audit of a domain.
 *
 * The parser takes the TXT text (its strings joined, RFC 9989 4.5) and
 * does no I/O.  The audit finds the record by the DNS tree walk (RFC 9989
 * 4.10), which replaces the public suffix list, picks the policy record
 * (4.10.1) and the organisational domain (4.10.2), checks every tag and
 * the authorisation of external report addresses (RFC 9990 3), and turns
 * each defect into a finding with the exact record to publish.
 */
#ifndef MAILWHY_DMARC_H
#define MAILWHY_DMARC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "dns.h"
#include "err.h"
#include "report.h"

enum mw_dmarc_policy {
	MW_DMARC_P_UNSET, /* the tag is absent */
	MW_DMARC_P_NONE,
	MW_DMARC_P_QUARANTINE,
	MW_DMARC_P_REJECT
};

/* Tags present, as bits of mw_dmarc_record.seen. */
enum {
	MW_DMARC_T_P = 1u << 0,
	MW_DMARC_T_SP = 1u << 1,
	MW_DMARC_T_NP = 1u << 2,
	MW_DMARC_T_ADKIM = 1u << 3,
	MW_DMARC_T_ASPF = 1u << 4,
	MW_DMARC_T_RUA = 1u << 5,
	MW_DMARC_T_RUF = 1u << 6,
	MW_DMARC_T_FO = 1u << 7,
	MW_DMARC_T_PSD = 1u << 8,
	MW_DMARC_T_T = 1u << 9,
	MW_DMARC_T_PCT = 1u << 10, /* removed in RFC 9989 */
	MW_DMARC_T_RF = 1u << 11,  /* removed in RFC 9989 */
	MW_DMARC_T_RI = 1u << 12   /* removed in RFC 9989 */
};

struct mw_dmarc_tag {
	const char *name;  /* as written */
	const char *value; /* white space around it removed */
	size_t pos;	   /* offset of the name in the record */
	/* msgid when the tag is in error and ignored (RFC 9989 4.8), with
	 * the 0-based offset of the error; NULL otherwise.  A segment that
	 * is no tag at all has the name "" and its text as value. */
	const char *err_reason;
	size_t err_pos;
};

/* One report address of rua= or ruf=. */
struct mw_dmarc_uri {
	const char *uri;    /* as written, trimmed */
	const char *domain; /* of a mailto: address, lower case; else NULL */
	bool ok;	    /* a usable mailto: URI */
	bool size_limit;    /* "!10m": obsolete, ignored (RFC 9989 4.8) */
};

struct mw_dmarc_record {
	bool is_dmarc; /* starts with v=DMARC1: otherwise not a DMARC
			  record at all (discarded, RFC 9989 4.10) */
	/* is_dmarc and usable: false only for a defect of the whole record
	 * (a repeated tag, text after the version, a limit); a tag in error
	 * only loses its value (RFC 9989 4.8, see bad and tags[].err_*). */
	bool valid;
	size_t err_pos;	       /* 0-based offset of that defect */
	const char *err_reason; /* msgid (translate at render time) */
	unsigned seen;		/* MW_DMARC_T_* present */
	unsigned bad;		/* MW_DMARC_T_* present but in error */
	size_t nbad;		/* tags and segments in error */
	enum mw_dmarc_policy p, sp, np;
	char adkim, aspf; /* 'r' or 's' ('r' when absent) */
	char psd;	  /* 'y', 'n' or 'u' ('u' when absent) */
	bool testing;	  /* t=y */
	int pct;	  /* -1 when absent or not 0-100 (not checked) */
	/* At most MW_DMARC_URIS_MAX each; more is a syntax error. */
	struct mw_dmarc_uri *rua;
	size_t nrua;
	struct mw_dmarc_uri *ruf;
	size_t nruf;
	/* Every tag but v, in order (for rewriting the record). */
	struct mw_dmarc_tag *tags;
	size_t ntags;
	/* Tags that are not in RFC 9989 nor removed by it. */
	size_t nunknown;
};

/*
 * Parses one TXT record's text.  Never fails on bad input: a defect
 * leaves valid false with err_pos and err_reason.  Strings live in a.
 * Returns 0, or MW_ENOMEM.
 */
int mw_dmarc_parse(struct mw_dmarc_record *out, struct mw_arena *a,
    const uint8_t *txt, size_t len, struct mw_err *err);

/* "none", "quarantine", "reject", or "" when unset. */
const char *mw_dmarc_policy_name(enum mw_dmarc_policy p);

/*
 * The record as text with tag name set to value (appended after p when
 * absent; value NULL removes the tag); removed tags (pct, rf, ri) are
 * dropped.  For remedies: "v=DMARC1; p=quarantine; rua=...".
 */
const char *mw_dmarc_record_with(struct mw_arena *a,
    const struct mw_dmarc_record *r, const char *name, const char *value);

/*
 * The names the tree walk asks for domain (RFC 9989 4.10): the domain,
 * then from at most MW_DMARC_WALK_LABELS labels down to the single-label
 * TLD.  Writes up to MW_DMARC_WALK_MAX names (in a) to out; returns how
 * many.
 */
size_t mw_dmarc_walk_names(const char **out, struct mw_arena *a,
    const char *domain);

/* What the walk's answers select (RFC 9989 4.10, 4.10.1, 4.10.2). */
struct mw_dmarc_choice {
	size_t used;	 /* names a receiver's walk looks at */
	const char *org; /* the organisational domain */
	size_t policy;	 /* index of the policy record, SIZE_MAX: none */
	bool psd_policy; /* ... which is a PSD's (psd=y) record */
};

/*
 * Selects from the walk of domain: names as mw_dmarc_walk_names gave
 * them, psd[i] 'y', 'n' or 'u' when names[i] holds exactly one valid
 * record, 0 otherwise.  Does no I/O; org points into names or domain.
 */
void mw_dmarc_select(struct mw_dmarc_choice *out, const char *domain,
    const char *const *names, const char *psd, size_t n);

/* What the audit concluded, for the provider rules. */
struct mw_dmarc_result {
	const char *domain;
	bool found;	 /* a valid policy applies to the domain */
	bool own;	 /* ... published at the domain itself */
	bool incomplete; /* a lookup failed temporarily */
	const char *record_domain; /* where the policy was found */
	const char *org_domain;
	const char *record; /* its text */
	/* none when found without a valid p but with rua (RFC 9989
	 * 4.10.1); without rua such a record is not applied (found false) */
	enum mw_dmarc_policy effective;
	bool has_rua;
};

typedef void (*mw_dmarc_done_fn)(void *ud, const struct mw_dmarc_result *res);

/*
 * Audits the DMARC setup of domain (A-labels, no trailing dot) into r:
 * the walk's queries run in parallel on dns; done is called once, from
 * the event loop, after the last finding was added.  r's arena holds
 * everything and must outlive the call.  Returns 0, or MW_ENOMEM /
 * MW_EINVAL (then done is not called).
 */
int mw_dmarc_check(struct mw_dns *dns, struct mw_report *r,
    const char *domain, mw_dmarc_done_fn done, void *ud, struct mw_err *err);

#endif
