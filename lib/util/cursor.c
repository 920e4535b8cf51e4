/*
 * cursor.c - bounded reader with a sticky error (see cursor.h).
 */
#include "mailwhy/cursor.h"

void
mw_cursor_init(struct mw_cursor *c, const uint8_t *p, size_t len)
{
	c->p = p;
	c->len = p ? len : 0;
	c->pos = 0;
	c->failed = false;
	c->fail_pos = 0;
	c->fail_why = NULL;
}

bool
mw_cursor_fail(struct mw_cursor *c, const char *why)
{
	if (!c->failed) {
		c->failed = true;
		c->fail_pos = c->pos;
		c->fail_why = why;
	}
	return false;
}

bool
mw_cursor_eof(const struct mw_cursor *c)
{
	return c->pos >= c->len;
}

size_t
mw_cursor_left(const struct mw_cursor *c)
{
	return c->failed ? 0 : c->len - c->pos;
}

int
mw_cursor_peek(const struct mw_cursor *c)
{
	return mw_cursor_peek_at(c, 0);
}

int
mw_cursor_peek_at(const struct mw_cursor *c, size_t ahead)
{
	if (c->failed || ahead >= c->len - c->pos)
		return -1;
	return c->p[c->pos + ahead];
}

int
mw_cursor_next(struct mw_cursor *c)
{
	int ch = mw_cursor_peek(c);

	if (ch < 0) {
		mw_cursor_fail(c, "unexpected end of input");
		return -1;
	}
	c->pos++;
	return ch;
}

bool
mw_cursor_accept(struct mw_cursor *c, uint8_t ch)
{
	if (mw_cursor_peek(c) != ch)
		return false;
	c->pos++;
	return true;
}

bool
mw_cursor_expect(struct mw_cursor *c, uint8_t ch, const char *why)
{
	return mw_cursor_accept(c, ch) || mw_cursor_fail(c, why);
}

bool
mw_cursor_take(struct mw_cursor *c, size_t n, struct mw_slice *out)
{
	if (c->failed)
		return false;
	if (n > c->len - c->pos)
		return mw_cursor_fail(c, "truncated input");
	out->p = c->p + c->pos;
	out->len = n;
	c->pos += n;
	return true;
}

bool
mw_cursor_u8(struct mw_cursor *c, uint8_t *out)
{
	struct mw_slice s;

	if (!mw_cursor_take(c, 1, &s))
		return false;
	*out = s.p[0];
	return true;
}

bool
mw_cursor_u16(struct mw_cursor *c, uint16_t *out)
{
	struct mw_slice s;

	if (!mw_cursor_take(c, 2, &s))
		return false;
	*out = (uint16_t)(s.p[0] << 8 | s.p[1]);
	return true;
}

bool
mw_cursor_u32(struct mw_cursor *c, uint32_t *out)
{
	struct mw_slice s;

	if (!mw_cursor_take(c, 4, &s))
		return false;
	*out = (uint32_t)s.p[0] << 24 | (uint32_t)s.p[1] << 16 |
	    (uint32_t)s.p[2] << 8 | s.p[3];
	return true;
}

struct mw_slice
mw_cursor_span(struct mw_cursor *c, bool (*pred)(uint8_t))
{
	struct mw_slice s = {c->p + c->pos, 0};

	if (c->failed)
		return s;
	while (c->pos + s.len < c->len && pred(c->p[c->pos + s.len]))
		s.len++;
	c->pos += s.len;
	return s;
}
