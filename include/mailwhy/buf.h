/*
 * buf.h - growable byte buffers with a mandatory cap.
 *
 * A buffer never grows beyond its cap: an append that would pass it fails
 * with MW_ELIMIT and leaves the buffer unchanged.  The contents are always
 * NUL-terminated (the NUL is not counted in len).
 */
#ifndef MAILWHY_BUF_H
#define MAILWHY_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct mw_buf {
	uint8_t *p;
	size_t len;
	size_t alloc;
	size_t cap; /* most bytes len may ever reach */
};

void mw_buf_init(struct mw_buf *b, size_t cap);
void mw_buf_release(struct mw_buf *b);
void mw_buf_reset(struct mw_buf *b);
int mw_buf_append(struct mw_buf *b, const void *p, size_t len);
int mw_buf_puts(struct mw_buf *b, const char *s);
int mw_buf_putc(struct mw_buf *b, int c);
int mw_buf_printf(struct mw_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int mw_buf_vprintf(struct mw_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* The contents as a C string ("" when empty, never NULL). */
const char *mw_buf_cstr(const struct mw_buf *b);

#endif
