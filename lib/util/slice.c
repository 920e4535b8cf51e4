/*
 * slice.c - byte views and overflow-checked arithmetic (see slice.h).
 */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "mailwhy/slice.h"

static int
lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

struct mw_slice
mw_slice_cstr(const char *s)
{
	struct mw_slice r = {(const uint8_t *)s, s ? strlen(s) : 0};
	return r;
}

bool
mw_slice_eq(struct mw_slice a, struct mw_slice b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

bool
mw_slice_caseeq(struct mw_slice a, struct mw_slice b)
{
	if (a.len != b.len)
		return false;
	for (size_t i = 0; i < a.len; i++)
		if (lower(a.p[i]) != lower(b.p[i]))
			return false;
	return true;
}

bool
mw_slice_caseeq_cstr(struct mw_slice a, const char *s)
{
	return mw_slice_caseeq(a, mw_slice_cstr(s));
}

static inline unsigned char
ascii_lower(unsigned char c)
{
	return (unsigned char)(c - 'A') < 26u ? (unsigned char)(c + 32) : c;
}

const char *
mw_ci_find(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	const unsigned char *h = (const unsigned char *)hay;
	const unsigned char *n = (const unsigned char *)needle;
	unsigned char c0, c1;
	size_t i, k, last;

	if (nlen == 0)
		return hay;
	if (hay == NULL || nlen > hlen)
		return NULL;
	c0 = ascii_lower(n[0]);
	c1 = (unsigned char)(c0 - 'a') < 26u ? (unsigned char)(c0 - 32) : c0;
	last = hlen - nlen;
	for (i = 0; i <= last; i++) {
		if (h[i] != c0 && h[i] != c1) {
			if (c0 == c1) {
				/* not a letter: one case to look for */
				const unsigned char *q = memchr(h + i, c0,
				    last - i + 1);

				if (q == NULL)
					return NULL;
				i = (size_t)(q - h);
			} else
				continue;
		}
		for (k = 1; k < nlen && ascii_lower(h[i + k]) ==
		    ascii_lower(n[k]); k++)
			;
		if (k == nlen)
			return hay + i;
	}
	return NULL;
}

const uint8_t *
mw_find_pair(const uint8_t *p, size_t len, uint8_t a, uint8_t b)
{
	size_t i = 0;

	if (p == NULL || len < 2)
		return NULL;
#ifdef __SSE2__
	{
		const __m128i va = _mm_set1_epi8((char)a);
		const __m128i vb = _mm_set1_epi8((char)b);

		/* positions i..i+15 as a, i+1..i+16 as b: both loads stay
		 * inside p while i + 17 <= len */
		for (; i + 17 <= len; i += 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(p + i));
			__m128i y = _mm_loadu_si128((const __m128i *)(p + i +
			    1));
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_and_si128(
			    _mm_cmpeq_epi8(x, va), _mm_cmpeq_epi8(y, vb)));

			if (m != 0)
				return p + i + (size_t)__builtin_ctz(m);
		}
	}
#endif
	for (; i + 1 < len; i++)
		if (p[i] == a && p[i + 1] == b)
			return p + i;
	return NULL;
}

const char *
mw_ci_strstr(const char *hay, const char *needle)
{
	if (hay == NULL)
		return NULL;
	return mw_ci_find(hay, strlen(hay), needle, strlen(needle));
}

bool
mw_slice_has_prefix(struct mw_slice s, struct mw_slice prefix)
{
	return s.len >= prefix.len &&
	    (prefix.len == 0 || memcmp(s.p, prefix.p, prefix.len) == 0);
}

static bool
is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct mw_slice
mw_slice_trim(struct mw_slice s)
{
	while (s.len > 0 && is_space(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && is_space(s.p[s.len - 1]))
		s.len--;
	return s;
}

bool
mw_size_add(size_t *out, size_t a, size_t b)
{
	return !__builtin_add_overflow(a, b, out);
}

bool
mw_size_mul(size_t *out, size_t a, size_t b)
{
	return !__builtin_mul_overflow(a, b, out);
}

bool
mw_parse_u64(uint64_t *out, struct mw_slice s, uint64_t max)
{
	uint64_t v = 0;

	if (s.len == 0)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		if (v > (max - (uint64_t)(s.p[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(s.p[i] - '0');
	}
	*out = v;
	return true;
}
