/*
 * Unit tests of lib/util: arena caps, capped buffers, the sticky cursor,
 * bounded number parsing and overflow-checked arithmetic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mailwhy/arena.h"
#include "mailwhy/buf.h"
#include "mailwhy/cursor.h"
#include "mailwhy/err.h"
#include "mailwhy/slice.h"

static void
arena_never_passes_its_cap(void **state)
{
	struct mw_arena *a = mw_arena_new(1000);
	size_t got = 0;

	assert_non_null(a);
	while (mw_arena_alloc(a, 100) != NULL)
		got += 100;
	assert_true(got <= 1000);
	assert_true(got >= 600); /* alignment padding */
	assert_true(mw_arena_used(a) <= 1000);
	assert_null(mw_arena_alloc(a, SIZE_MAX));
	assert_null(mw_arena_calloc(a, SIZE_MAX / 2, 4));
	mw_arena_free(&a);
	assert_null(a);
}

static void
arena_big_blocks_keep_small_ones_working(void **state)
{
	struct mw_arena *a = mw_arena_new(0);
	char *s1 = mw_arena_strdup(a, "small");
	char *big = mw_arena_alloc(a, 100000);
	char *s2 = mw_arena_printf(a, "%s-%d", "x", 42);

	assert_non_null(big);
	memset(big, 'b', 100000);
	assert_string_equal(s1, "small");
	assert_string_equal(s2, "x-42");
	assert_string_equal(mw_arena_strndup(a, "abc\0def", 7) + 4, "def");
	mw_arena_free(&a);
}

/* Byte blocks carry no padding; aligned blocks after them still align,
 * and are still zeroed; the cap holds for both. */
static void
arena_bytes_pack_and_keep_alignment(void **state)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_arena *small = mw_arena_new(100);
	char *b1, *b2, *b3;
	uint64_t *z;

	assert_non_null(a);
	b1 = mw_arena_alloc_bytes(a, 3);
	b2 = mw_arena_alloc_bytes(a, 5);
	assert_non_null(b1);
	assert_non_null(b2);
	assert_int_equal(mw_arena_used(a), 8); /* no padding */
	memcpy(b1, "ab", 3);
	memcpy(b2, "cdef", 5);
	z = mw_arena_alloc(a, 64);
	assert_non_null(z);
	assert_int_equal((uintptr_t)z % _Alignof(max_align_t), 0);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(z[i], 0);
	assert_int_equal(mw_arena_used(a), 8 + 64);
	b3 = mw_arena_alloc_bytes(a, 1);
	assert_non_null(b3);
	assert_true(b3 < (char *)z || b3 >= (char *)z + 64);
	assert_string_equal(b1, "ab");
	assert_string_equal(b2, "cdef");
	/* Past the chunk: a new one, big requests their own. */
	assert_non_null(mw_arena_alloc_bytes(a, 200000));
	assert_non_null(mw_arena_alloc_bytes(a, 7));
	assert_null(mw_arena_alloc_bytes(a, SIZE_MAX));

	assert_non_null(small);
	assert_non_null(mw_arena_alloc_bytes(small, 99));
	assert_non_null(mw_arena_alloc_bytes(small, 1));
	assert_null(mw_arena_alloc_bytes(small, 1));
	assert_int_equal(mw_arena_used(small), 100);
	mw_arena_free(&small);
	mw_arena_free(&a);
}

static void
buf_refuses_to_grow_past_cap(void **state)
{
	struct mw_buf b;

	mw_buf_init(&b, 8);
	assert_int_equal(mw_buf_puts(&b, "12345"), 0);
	assert_int_equal(mw_buf_puts(&b, "6789"), MW_ELIMIT);
	assert_string_equal(mw_buf_cstr(&b), "12345");
	assert_int_equal(mw_buf_printf(&b, "%d", 678), 0);
	assert_string_equal(mw_buf_cstr(&b), "12345678");
	assert_int_equal(mw_buf_putc(&b, 'x'), MW_ELIMIT);
	mw_buf_release(&b);
	assert_string_equal(mw_buf_cstr(&b), "");
}

static bool
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static void
cursor_error_is_sticky_and_positioned(void **state)
{
	const uint8_t in[] = "12a";
	struct mw_cursor c;
	struct mw_slice s;
	uint16_t v;

	mw_cursor_init(&c, in, 3);
	s = mw_cursor_span(&c, is_digit);
	assert_int_equal(s.len, 2);
	assert_false(mw_cursor_expect(&c, 'b', "want b"));
	assert_true(c.failed);
	assert_int_equal(c.fail_pos, 2);
	assert_string_equal(c.fail_why, "want b");
	/* After a failure nothing advances. */
	assert_int_equal(mw_cursor_next(&c), -1);
	assert_int_equal(c.pos, 2);
	assert_false(mw_cursor_u16(&c, &v));
	assert_string_equal(c.fail_why, "want b");
}

static void
cursor_reads_big_endian_within_bounds(void **state)
{
	const uint8_t in[] = {0x12, 0x34, 0x00, 0x00, 0x01, 0x00, 0xff};
	struct mw_cursor c;
	uint16_t v16;
	uint32_t v32;

	mw_cursor_init(&c, in, sizeof(in));
	assert_true(mw_cursor_u16(&c, &v16));
	assert_int_equal(v16, 0x1234);
	assert_true(mw_cursor_u32(&c, &v32));
	assert_int_equal(v32, 0x100);
	assert_false(mw_cursor_u16(&c, &v16));
	assert_int_equal(c.fail_pos, 6);
}

static void
numbers_are_bounded(void **state)
{
	uint64_t v;

	assert_true(mw_parse_u64(&v, MW_SLICE_LIT("65535"), 65535));
	assert_int_equal(v, 65535);
	assert_false(mw_parse_u64(&v, MW_SLICE_LIT("65536"), 65535));
	assert_false(mw_parse_u64(&v, MW_SLICE_LIT(""), 10));
	assert_false(mw_parse_u64(&v, MW_SLICE_LIT("1x"), 10));
	assert_false(mw_parse_u64(&v, MW_SLICE_LIT("99999999999999999999999"),
	    UINT64_MAX));
	assert_true(mw_parse_u64(&v, MW_SLICE_LIT("18446744073709551615"),
	    UINT64_MAX));
	assert_true(v == UINT64_MAX);
}

static void
size_arithmetic_detects_overflow(void **state)
{
	size_t r;

	assert_false(mw_size_add(&r, SIZE_MAX, 1));
	assert_false(mw_size_mul(&r, SIZE_MAX / 2, 3));
	assert_true(mw_size_mul(&r, 1000, 1000));
	assert_int_equal(r, 1000000);
}

static void
slices_compare_case_insensitively(void **state)
{
	assert_true(mw_slice_caseeq_cstr(MW_SLICE_LIT("Gmail.COM"), "gmail.com"));
	assert_false(mw_slice_caseeq_cstr(MW_SLICE_LIT("gmail.co"), "gmail.com"));
	struct mw_slice t = mw_slice_trim(MW_SLICE_LIT(" \t a b\r\n"));
	assert_int_equal(t.len, 3);
	assert_memory_equal(t.p, "a b", 3);
}

static void
err_keeps_module_offset_and_message(void **state)
{
	struct mw_err e;

	mw_err_clear(&e);
	assert_int_equal(mw_err_set(&e, MW_EINVAL, "addr", 7, "bad %s", "x"),
	    MW_EINVAL);
	assert_string_equal(e.module, "addr");
	assert_int_equal(e.offset, 7);
	assert_string_equal(e.msg, "bad x");
	assert_int_equal(mw_err_set(NULL, MW_ETEMP, "dns", 0, "t"), MW_ETEMP);
}

/* mw_ci_find: strcasestr in the C locale, over lengths. */
static void
ci_find_folds_ascii_only(void **state)
{
	static const char hay[] = "550 5.1.1 User UNKNOWN\0 user unknown";
	const char *h;

	(void)state;
	h = mw_ci_find(hay, sizeof(hay) - 1, "user unknown", 12);
	assert_ptr_equal(h, hay + 10);
	/* the NUL is a byte like any other: found past it too */
	h = mw_ci_find(hay + 11, sizeof(hay) - 12, "user unknown", 12);
	assert_ptr_equal(h, hay + 24);
	assert_ptr_equal(mw_ci_find(hay, 3, "550", 3), hay);
	assert_null(mw_ci_find(hay, 2, "550", 3)); /* needle past the end */
	assert_ptr_equal(mw_ci_find(hay, 0, "", 0), hay);
	assert_ptr_equal(mw_ci_find(hay, sizeof(hay) - 1, "5.1.1 u", 7),
	    hay + 4); /* a needle starting with a digit: memchr */
	assert_null(mw_ci_find(hay, sizeof(hay) - 1, "5.1.2", 5));
	/* no folding outside ASCII: 0xC0 is not 0xE0 */
	assert_null(mw_ci_strstr("\xC0x", "\xE0x"));
	assert_non_null(mw_ci_strstr("A\xC0X", "a\xC0x"));
	assert_null(mw_ci_strstr(NULL, "x"));
	/* '@' and '`' differ by 0x20 but are not letters */
	assert_null(mw_ci_strstr("a`b", "a@b"));
}

/* mw_find_pair: the first a-then-b, at every offset and length around
 * the 16-byte steps, against a byte loop. */
static void
find_pair_every_offset(void **state)
{
	uint8_t buf[80];
	size_t len, at, i;

	(void)state;
	for (len = 0; len <= sizeof(buf); len++)
		for (at = 0; at + 1 < len || (at == 0 && len < 2); at++) {
			const uint8_t *want = NULL;

			memset(buf, '-', sizeof(buf)); /* b everywhere */
			if (len >= 2) {
				buf[at] = '\n';
				want = buf + at;
			}
			assert_ptr_equal(mw_find_pair(buf, len, '\n', '-'),
			    want);
			if (len < 2)
				break;
		}
	/* a at the very end has no b after it */
	memset(buf, 'x', sizeof(buf));
	for (i = 1; i <= 40; i++) {
		buf[i - 1] = '\n';
		assert_null(mw_find_pair(buf, i, '\n', '-'));
		buf[i - 1] = 'x';
	}
	assert_null(mw_find_pair(NULL, 10, 'a', 'b'));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(arena_never_passes_its_cap),
		cmocka_unit_test(arena_big_blocks_keep_small_ones_working),
		cmocka_unit_test(arena_bytes_pack_and_keep_alignment),
		cmocka_unit_test(buf_refuses_to_grow_past_cap),
		cmocka_unit_test(cursor_error_is_sticky_and_positioned),
		cmocka_unit_test(cursor_reads_big_endian_within_bounds),
		cmocka_unit_test(numbers_are_bounded),
		cmocka_unit_test(size_arithmetic_detects_overflow),
		cmocka_unit_test(slices_compare_case_insensitively),
		cmocka_unit_test(ci_find_folds_ascii_only),
		cmocka_unit_test(find_pair_every_offset),
		cmocka_unit_test(err_keeps_module_offset_and_message),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
