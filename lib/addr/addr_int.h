/*
 * addr_int.h - what the address files share: the scan of one addr-spec
 * (rfc5322.c), the SMTP forms it is judged by (rfc5321.c), and the
 * character classes.  Internal: hidden from the shared library.
 */
#ifndef MW_ADDR_INT_H
#define MW_ADDR_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mailwhy/addr.h"
#include "mailwhy/cursor.h"
#include "util/limits.h"

/*
 * Reasons are static English texts marked N_ so xgettext finds them; the
 * renderer translates them (tr_args).  The numbers in them are the limits:
 */
#ifndef N_
#define N_(s) s
#endif
_Static_assert(MW_ADDR_INPUT_MAX == 4096, "reason texts say 4096");
_Static_assert(MW_ADDR_LOCAL_MAX == 64, "reason texts say 64");
_Static_assert(MW_ADDR_LABEL_MAX == 63, "reason texts say 63");
_Static_assert(MW_ADDR_DOMAIN_MAX == 255, "reason texts say 255");
_Static_assert(MW_ADDR_MAX == 254, "reason texts say 254");
_Static_assert(MW_ADDR_COMMENT_DEPTH == 32, "reason texts say 32");

/* Character classes (RFC 5322 3.2.3, 3.2.4, 3.2.2, 3.4.1; RFC 5234 B.1). */
#define MW__C_ATEXT 0x01
#define MW__C_QTEXT 0x02
#define MW__C_CTEXT 0x04
#define MW__C_DTEXT 0x08
#define MW__C_OBSCTL 0x10 /* obs-NO-WS-CTL: %d1-8 / 11 / 12 / 14-31 / 127 */
#define MW__C_LDH 0x20    /* letter, digit, hyphen (RFC 5321 Ldh-str) */
#define MW__C_DIGIT 0x40
#define MW__C_HEX 0x80

extern const uint8_t mw__addr_class[256];

static inline bool
mw__addr_is(uint8_t ch, unsigned cls)
{
	return (mw__addr_class[ch] & cls) != 0;
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629 3), or 0. */
size_t mw__addr_utf8_len(const uint8_t *p, size_t n);

/* One problem: where, which MW_ADDR_E_*, why (static). */
struct mw__addr_problem {
	int code;
	size_t pos;
	const char *why;
};

/*
 * The scan of one addr-spec.  Content is what RFC 5322 3.2.4 and 3.2.2
 * say the text means: quotes, quoted-pair backslashes, CRLFs of folding
 * and comments removed; words and labels joined by '.'.
 */
struct mw__addr_scan {
	struct mw_cursor c; /* positions below are offsets into c.p */
	unsigned warnings;
	struct mw__addr_problem bad; /* makes it INVALID; first one wins */
	struct mw__addr_problem hdr; /* makes it HEADER_ONLY */

	/* Local part */
	size_t local_pos;
	size_t local_clen;    /* content octets (may pass the buffer) */
	size_t local_nesc;    /* '"' and '\' in the content */
	bool local_ds;        /* so far only atext, UTF-8, single dots */
	uint8_t local_last;   /* last content octet */
	bool local_dotstring; /* content is an RFC 5321 Dot-string */
	bool local_quoted;    /* some word was a quoted-string */
	size_t local_len;     /* octets of the SMTP form */
	uint8_t local[MW_ADDR_LOCAL_MAX];

	/* Domain: labels joined by '.', or the literal between brackets */
	size_t domain_pos;
	bool literal;
	bool domain_utf8;
	size_t domain_clen;
	uint8_t domain[MW_ADDR_INPUT_MAX + 1]; /* + NUL for libidn2 */
};

/*
 * rfc5322.c: scans in[0..len) (len <= MW_ADDR_INPUT_MAX) into s: no
 * allocation, no I/O.  The buffers are not cleared, only the counters.
 */
void mw__addr_scan(struct mw__addr_scan *s, const uint8_t *in, size_t len);
/* Records a problem unless one of its kind came first. */
void mw__addr_bad(
    struct mw__addr_scan *s, int code, size_t pos, const char *why);
void mw__addr_hdr(
    struct mw__addr_scan *s, int code, size_t pos, const char *why);

/*
 * rfc5321.c: the host-name rule for one ASCII label p[0..n) (letters,
 * digits, inner hyphens, 1..63 octets).  Returns NULL when it holds, else
 * the reason, with *code and *off (offset in the label) of the problem.
 */
const char *mw__addr_label_check(
    const uint8_t *p, size_t n, int *code, size_t *off);
/*
 * rfc5321.c: judges the text between the brackets of a domain literal
 * (RFC 5321 4.1.3).  On success returns NULL and normalises p in place
 * ("IPv6:" tag, lower-case hex); otherwise returns the reason and *off
 * (offset in p) and leaves p alone.
 */
const char *mw__addr_literal(
    uint8_t *p, size_t n, unsigned *warnings, size_t *off);

/*
 * A bounded memo keyed by short byte strings (addr.c): the IDNA result of a
 * domain (addr.c) and the typo verdict of a domain (typo.c) are pure
 * functions of its bytes, and bulk lists repeat domains.  Open addressing:
 * a key lives in one of MW__MEMO_WINDOW slots from its hash; a slot once
 * used is only ever overwritten, never emptied, so a probe stops at the
 * first empty slot.  When the window is full the least recently used slot
 * of it is replaced.  Keys longer than keymax are not kept (the caller
 * computes them every time).  The payloads, stride bytes a slot, are the
 * caller's; a slot's payload is valid only while its key is.
 */
#define MW__MEMO_WINDOW 8

/* Tag and last use of a slot, side by side: a probe reads one line. */
struct mw__memo_tag {
	uint32_t tag;	/* hash tag, 0: empty */
	uint32_t stamp; /* clock of the last use (wraps: only ages) */
};

struct mw__memo {
	struct mw__memo_tag *tags;
	/* A record a slot: klen, the key, the value, in one run of memory
	 * so a hit touches one or two lines of it. */
	uint8_t *rec;
	size_t nslots, keymax, stride, recsize, valoff;
	uint32_t clock;
	unsigned long hits, misses;
};

/* nslots a power of two, keymax <= 255.  0 or MW_ENOMEM. */
int mw__memo_init(struct mw__memo *m, size_t nslots, size_t keymax,
    size_t stride);
void mw__memo_fini(struct mw__memo *m);
uint64_t mw__memo_hash(const uint8_t *p, size_t n);
/*
 * The slot of key[0..klen) (hash h from mw__memo_hash): *hit tells whether
 * it holds the key; if not, it is the slot to fill (mw__memo_put) once the
 * value is known.  klen must be at most keymax.
 */
size_t mw__memo_find(struct mw__memo *m, uint64_t h, const uint8_t *key,
    size_t klen, bool *hit);
void mw__memo_put(struct mw__memo *m, size_t slot, uint64_t h,
    const uint8_t *key, size_t klen);

static inline void *
mw__memo_val(const struct mw__memo *m, size_t slot)
{
	return m->rec + slot * m->recsize + m->valoff;
}

#endif
