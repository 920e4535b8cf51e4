/*
 * buf.c - capped growable buffers (see buf.h).  Growth doubles, bounded by
 * the cap; a failed append leaves the contents as they were.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailwhy/buf.h"
#include "mailwhy/err.h"
#include "mailwhy/slice.h"

void
mw_buf_init(struct mw_buf *b, size_t cap)
{
	b->p = NULL;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap;
}

void
mw_buf_release(struct mw_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = 0;
	b->alloc = 0;
}

void
mw_buf_reset(struct mw_buf *b)
{
	b->len = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

static int
reserve(struct mw_buf *b, size_t extra)
{
	size_t need, n;
	uint8_t *p;

	if (!mw_size_add(&need, b->len, extra) || need > b->cap)
		return MW_ELIMIT;
	need++; /* the NUL */
	if (need <= b->alloc)
		return 0;
	n = b->alloc ? b->alloc : 64;
	while (n < need)
		if (!mw_size_mul(&n, n, 2))
			return MW_ENOMEM;
	if (n > b->cap + 1)
		n = b->cap + 1;
	if ((p = realloc(b->p, n)) == NULL)
		return MW_ENOMEM;
	b->p = p;
	b->alloc = n;
	return 0;
}

int
mw_buf_append(struct mw_buf *b, const void *p, size_t len)
{
	int rc;

	/* room already (the NUL included) and under the cap: the common
	 * case of the renderers' many small appends, without overflow
	 * (len <= alloc, cap) */
	if (!(len < b->alloc - b->len && len <= b->cap - b->len) &&
	    (rc = reserve(b, len)) != 0)
		return rc;
	if (len > 0)
		memcpy(b->p + b->len, p, len);
	b->len += len;
	b->p[b->len] = '\0';
	return 0;
}

int
mw_buf_puts(struct mw_buf *b, const char *s)
{
	return mw_buf_append(b, s, strlen(s));
}

int
mw_buf_putc(struct mw_buf *b, int c)
{
	uint8_t ch = (uint8_t)c;
	return mw_buf_append(b, &ch, 1);
}

int
mw_buf_vprintf(struct mw_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n, rc;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return MW_EINVAL;
	if ((rc = reserve(b, (size_t)n)) != 0)
		return rc;
	vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int
mw_buf_printf(struct mw_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = mw_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

const char *
mw_buf_cstr(const struct mw_buf *b)
{
	return b->p ? (const char *)b->p : "";
}
