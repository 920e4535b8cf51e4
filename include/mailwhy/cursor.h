/*
 * cursor.h - a bounded reader over hostile bytes.
 *
 * A cursor advances only on success.  The first failure sets a sticky
 * error with its position; later calls do nothing and fail, so a parser
 * checks once at the end (or wherever it must branch).
 */
#ifndef MAILWHY_CURSOR_H
#define MAILWHY_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slice.h"

struct mw_cursor {
	const uint8_t *p;
	size_t len;
	size_t pos;
	bool failed;
	size_t fail_pos;
	const char *fail_why; /* static text */
};

void mw_cursor_init(struct mw_cursor *c, const uint8_t *p, size_t len);
bool mw_cursor_eof(const struct mw_cursor *c);
size_t mw_cursor_left(const struct mw_cursor *c);
/* The next byte, or -1 at the end or after a failure. */
int mw_cursor_peek(const struct mw_cursor *c);
int mw_cursor_peek_at(const struct mw_cursor *c, size_t ahead);
/* Takes one byte; -1 (and a failure) at the end. */
int mw_cursor_next(struct mw_cursor *c);
/* Takes byte ch when it is next; false (no failure) otherwise. */
bool mw_cursor_accept(struct mw_cursor *c, uint8_t ch);
/* Requires byte ch next; fails with why otherwise. */
bool mw_cursor_expect(struct mw_cursor *c, uint8_t ch, const char *why);
/* Takes n bytes as a slice; fails when fewer are left. */
bool mw_cursor_take(struct mw_cursor *c, size_t n, struct mw_slice *out);
/* Big-endian integers (wire formats). */
bool mw_cursor_u8(struct mw_cursor *c, uint8_t *out);
bool mw_cursor_u16(struct mw_cursor *c, uint16_t *out);
bool mw_cursor_u32(struct mw_cursor *c, uint32_t *out);
/* Takes the longest run of bytes for which pred holds (may be empty). */
struct mw_slice mw_cursor_span(struct mw_cursor *c, bool (*pred)(uint8_t));
/* Records a failure at the current position (first one wins). */
bool mw_cursor_fail(struct mw_cursor *c, const char *why);

#endif
