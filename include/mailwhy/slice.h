/*
 * slice.h - length-carrying views of bytes that are not NUL-terminated.
 */
#ifndef MAILWHY_SLICE_H
#define MAILWHY_SLICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mw_slice {
	const uint8_t *p;
	size_t len;
};

#define MW_SLICE_LIT(s) ((struct mw_slice){(const uint8_t *)(s), sizeof(s) - 1})

struct mw_slice mw_slice_cstr(const char *s);
bool mw_slice_eq(struct mw_slice a, struct mw_slice b);
/* ASCII case-insensitive comparison (DNS names, header names). */
bool mw_slice_caseeq(struct mw_slice a, struct mw_slice b);
bool mw_slice_caseeq_cstr(struct mw_slice a, const char *s);
bool mw_slice_has_prefix(struct mw_slice s, struct mw_slice prefix);
/*
 * The first place needle[0..nlen) occurs in hay[0..hlen), ASCII case
 * folded (strcasestr in the C locale, without the two-way setup that
 * dominates on the short needles and texts of mail), or NULL.
 */
const char *mw_ci_find(const char *hay, size_t hlen, const char *needle,
    size_t nlen);
/*
 * The first place in p[0..len) where byte a is followed by byte b (16
 * bytes a step where SSE2 is there), or NULL: "\n-" finds the lines that
 * may be MIME boundaries without a call per line.
 */
const uint8_t *mw_find_pair(const uint8_t *p, size_t len, uint8_t a,
    uint8_t b);
/* mw_ci_find over NUL-terminated strings; a NULL hay has no needle. */
const char *mw_ci_strstr(const char *hay, const char *needle);
/* Without leading and trailing SP, HTAB, CR, LF. */
struct mw_slice mw_slice_trim(struct mw_slice s);

/* Overflow-checked size arithmetic: false when the result would wrap. */
bool mw_size_add(size_t *out, size_t a, size_t b);
bool mw_size_mul(size_t *out, size_t a, size_t b);

/*
 * Bounded decimal parse of all of s: false on empty input, a non-digit, or
 * a value above max.
 */
bool mw_parse_u64(uint64_t *out, struct mw_slice s, uint64_t max);

#endif
