/*
 * bounce_int.h - what the files of lib/bounce share (hidden symbols).
 */
#ifndef MW_BOUNCE_INT_H
#define MW_BOUNCE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mailwhy/bounce.h"

/* One reason's text patterns (generated from data/bounce-patterns.tsv
 * by data/gen_bounce.py); sorted by reason name. */
struct mw__bounce_pat {
	const char *pat;
};
struct mw__bounce_ptab {
	const char *reason;
	const struct mw__bounce_pat *pats;
	size_t n;
};
extern const struct mw__bounce_ptab mw__bounce_ptab[];
extern const size_t mw__bounce_nptab;
/* The decisive ("=") rows again, apart, so one pass finds them. */
struct mw__bounce_decisive {
	const char *reason;
	const char *pat;
};
extern const struct mw__bounce_decisive mw__bounce_decisive[];
extern const size_t mw__bounce_ndecisive;

/*
 * Lowercases ASCII and squeezes white space runs to one space, into dst
 * (at most cap - 1 bytes, NUL-terminated).  Returns the length.
 */
size_t mw__bounce_fold(char *dst, size_t cap, const char *src, size_t len);
/* Does folded text match one of reason's patterns?  ends: the first
 * pieces' ends from the one-pass scan (reason.c), or NULL.  reason must
 * have static storage (a literal): its table is remembered by address.
 * *which (when not NULL): the pattern that matched, or NULL. */
bool mw__bounce_match(const char *reason, const char *folded, size_t len,
    const uint32_t *ends, const char **which);
/* The pseudo status sisimai gives a reason when no code is known. */
void mw__bounce_pseudo(char out[8], const char *reason, bool temporary);
/* The SMTP command a diagnostic names ("RCPT", "DATA"...), or NULL. */
const char *mw__bounce_command(const char *diagnostic);
bool mw__bounce_is_hard(const char *reason, const char *status,
    int reply_code);

/* Sender families with a layout of their own (lhost.c). */
struct mw_mime;
enum mw__lhost {
	MW__LHOST_NONE,
	MW__LHOST_GOOGLEGROUPS,
	MW__LHOST_FML,
	MW__LHOST_JAMES
};
enum mw__lhost mw__bounce_lhost(const struct mw_mime *m, const char *full);
const char *mw__bounce_lhost_name(enum mw__lhost f);
/* The failed recipient of a family whose layout the body matcher does
 * not read, and its words in *diag; NULL when none. */
const char *mw__bounce_lhost_recipient(enum mw__lhost f, struct mw_arena *a,
    const char *full, const char **diag);
/* mw_bounce_reason, and what decided it: *by, and for MW_BASIS_WORDS
 * the pattern in *phrase (else NULL). */
const char *mw__bounce_classify(enum mw_basis *by, const char **phrase,
    const char *diagnostic, const char *status, int reply_code,
    const char *action, const char *diag_type, const char *command);

/* The reason the family's notice fixes for every recipient, or NULL. */
const char *mw__bounce_lhost_reason(enum mw__lhost f, const char *full);

/* mw_bounce_body_scan, and in *cut the offset where the copy of the
 * original starts (len when none was seen). */
size_t mw__bounce_body_scan(struct mw_bounce_hit *out, size_t max,
    struct mw_arena *a, const uint8_t *text, size_t len, size_t *cut);

/* Amazon SES notifications (ses.c): one row per recipient. */
struct mw__ses_rcpt {
	const char *recipient, *action, *status, *diagnostic, *remote_mta;
	const char *feedback_type; /* a complaint's, else NULL */
	bool transient, complaint, delivered;
};
size_t mw__bounce_ses(struct mw__ses_rcpt *out, size_t max,
    struct mw_arena *a, const char *text, size_t len);

#endif
