/*
 * dkim_key.h - DKIM public key records (RFC 6376 3.6.1; RSA key sizes
 * RFC 8301 3.2; Ed25519 keys RFC 8463 4.2) and the audit of a domain's
 * keys under given or commonly used selectors.
 *
 * The parser takes the TXT text (strings joined) and does no I/O; the key
 * itself (p=) is decoded from base64 and inspected with OpenSSL
 * (SubjectPublicKeyInfo for RSA, the raw 32 octets for Ed25519).
 */
#ifndef MAILWHY_DKIM_KEY_H
#define MAILWHY_DKIM_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "dns.h"
#include "err.h"
#include "report.h"

struct mw_dkim_key {
	bool valid;		/* the tag list and its values are well formed */
	size_t err_pos;		/* 0-based offset of the first error */
	const char *err_reason; /* msgid (translate at render time) */
	const char *k;		/* key type as written; "rsa" when absent */
	const char *h;		/* hash algorithms as written, or NULL */
	const char *s;		/* service types as written, or NULL */
	const char *t;		/* flags as written, or NULL */
	const char *n;		/* notes, or NULL */
	bool revoked;		/* p= is empty (RFC 6376 3.6.1) */
	bool testing;		/* t=y */
	bool strict;		/* t=s: no subdomains in i= */
	bool sha256;		/* h= absent or lists sha256 */
	bool email;		/* s= absent, "*" or lists email */
	const uint8_t *key;	/* p= decoded; NULL when revoked */
	size_t key_len;
};

/* What the key itself is. */
struct mw_dkim_key_info {
	const char *type;  /* "rsa" or "ed25519" */
	unsigned bits;	   /* RSA modulus size; 256 for Ed25519 */
	bool usable;	   /* decodes as a key of type k= */
	const char *why;   /* msgid: why not usable, or NULL */
};

/*
 * Parses one key record.  Never fails on bad input (valid false, with
 * err_pos and err_reason).  Strings and the key live in a.  Returns 0,
 * or MW_ENOMEM.
 */
int mw_dkim_key_parse(struct mw_dkim_key *out, struct mw_arena *a,
    const uint8_t *txt, size_t len, struct mw_err *err);

/* Decodes the key of a valid, not revoked record. */
void mw_dkim_key_inspect(struct mw_dkim_key_info *out,
    const struct mw_dkim_key *k);

/* The common selectors tried when none is given (data/dkim-selectors.txt). */
size_t mw_dkim_key_selector_count(void);
const char *mw_dkim_key_selector_at(size_t i);

struct mw_dkim_key_result {
	size_t tried;	 /* selectors asked */
	size_t found;	 /* with a key record */
	size_t usable;	 /* keys receivers accept (not revoked, strong) */
	unsigned min_bits; /* smallest usable RSA key; 0 without one */
	bool weak;	 /* an RSA key under MW_DKIM_RSA_MIN_BITS */
	bool given;	 /* the selectors came from the caller */
	bool incomplete; /* a lookup failed temporarily */
};

typedef void (*mw_dkim_key_done_fn)(void *ud,
    const struct mw_dkim_key_result *res);

/*
 * Audits the keys of domain into r: the nsel selectors given, or, when
 * nsel is 0, the common ones.  done is called once from the event loop.
 * Returns 0, or MW_ENOMEM / MW_EINVAL (then done is not called).
 */
int mw_dkim_key_check(struct mw_dns *dns, struct mw_report *r,
    const char *domain, const char *const *sel, size_t nsel,
    mw_dkim_key_done_fn done, void *ud, struct mw_err *err);

#endif
