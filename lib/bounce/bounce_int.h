/*
 * bounce_int.h - what the files of lib/bounce share (hidden symbols).
 */
#ifndef MW_BOUNCE_INT_H
#define MW_BOUNCE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "mailwhy/bounce.h"

/* One reason's text patterns (generated from data/bounce-patterns.tsv
 * by data/gen_bounce.py); sorted by reason name. */
struct mw__bounce_ptab {
	const char *reason;
	const char *const *pats;
	size_t n;
};
extern const struct mw__bounce_ptab mw__bounce_ptab[];
extern const size_t mw__bounce_nptab;

/*
 * Lowercases ASCII and squeezes white space runs to one space, into dst
 * (at most cap - 1 bytes, NUL-terminated).  Returns the length.
 */
size_t mw__bounce_fold(char *dst, size_t cap, const char *src, size_t len);
/* Does folded text match one of reason's patterns? */
bool mw__bounce_match(const char *reason, const char *folded, size_t len);
/* The pseudo status sisimai gives a reason when no code is known. */
void mw__bounce_pseudo(char out[8], const char *reason, bool temporary);
/* The SMTP command a diagnostic names ("RCPT", "DATA"...), or NULL. */
const char *mw__bounce_command(const char *diagnostic);
bool mw__bounce_is_hard(const char *reason, const char *status,
    int reply_code);

#endif
