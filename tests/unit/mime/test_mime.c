/*
 * Unit tests of lib/mime: parts decoded on first read (mw_mime_part_data)
 * with the cut to MW_MIME_TEXT_MAX known from the parse, and the fast
 * reader's quoted-printable decoder (RFC 2045 6.7) against GMime's byte
 * for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <gmime/gmime.h>

#include "mailwhy/arena.h"
#include "mailwhy/mime.h"
#include "util/limits.h"

/* A one-part message: hdr (fields, LF-ended), a blank line, body. */
static int
parse(struct mw_mime *m, struct mw_arena *a, const char *hdr,
    const uint8_t *body, size_t n)
{
	size_t hl = strlen(hdr);
	uint8_t *msg = malloc(hl + 1 + n);
	int rc;

	assert_non_null(msg);
	memcpy(msg, hdr, hl);
	msg[hl] = '\n';
	memcpy(msg + hl + 1, body, n);
	rc = mw_mime_parse(m, a, msg, hl + 1 + n, NULL);
	free(msg); /* the result must not need the caller's bytes */
	return rc;
}

/* The fast reader's quoted-printable decoding equals GMime's, "=" at the
 * very end, "=\n", "=zz", "=4" and 8-bit bytes included: every body of up
 * to 5 bytes over a small alphabet, then long random ones (the runs a
 * word at a time, split anywhere). */
static void
qp_equals_gmime(void **state)
{
	static const uint8_t abc[] = {'=', '\n', 'a', 'G', '0', 'F', 0xc3,
	    ' ', '-'};
	const char *hdr = "From: a@example.org\n"
	    "Content-Transfer-Encoding: quoted-printable\n";
	uint8_t body[320], want[330];
	unsigned long seed = 1;
	size_t len, i, k, dn;

	(void)state;
	for (k = 0; k < 59049 + 2000; k++) {
		struct mw_arena *a = mw_arena_new(0);
		struct mw_mime m;
		const uint8_t *d;
		size_t wn, x = k;
		int st = 0;
		guint32 save = 0;

		if (k < 59049) { /* 9^5: every body of exactly 5 symbols */
			for (len = 0; len < 5; len++, x /= 9)
				body[len] = abc[x % 9];
		} else {
			seed = seed * 6364136223846793005u + 1442695040888963407u;
			len = (seed >> 33) % sizeof(body);
			for (i = 0; i < len; i++) {
				seed = seed * 6364136223846793005u + 1;
				body[i] = abc[(seed >> 33) % 9];
			}
		}
		for (i = 0; i <= len; i += len > 5 ? len : 1) {
			/* 5-symbol bodies: every prefix too */
			size_t n = len > 5 ? len : i;

			assert_int_equal(parse(&m, a, hdr, body, n), 0);
			assert_int_equal(m.nparts, 1);
			d = mw_mime_part_data(&dn, &m.parts[0]);
			assert_non_null(d);
			st = 0;
			save = 0;
			wn = g_mime_encoding_quoted_decode_step(body, n, want,
			    &st, &save);
			assert_int_equal(dn, wn);
			assert_memory_equal(d, want, wn);
			assert_int_equal(d[dn], '\0');
			if (len > 5)
				break;
		}
		mw_arena_free(&a);
	}
}

/* A part is decoded once: later reads give the same bytes at the same
 * address. */
static void
part_decoded_once(void **state)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_mime m;
	const uint8_t *d1, *d2;
	size_t n1, n2;

	(void)state;
	assert_int_equal(parse(&m, a, "From: a@example.org\n"
	    "Content-Type: text/plain; charset=iso-8859-1\n"
	    "Content-Transfer-Encoding: quoted-printable\n",
	    (const uint8_t *)"caf=E9 =\nd=C3=A9j=E0", 20), 0);
	d1 = mw_mime_part_data(&n1, &m.parts[0]);
	d2 = mw_mime_part_data(&n2, &m.parts[0]);
	assert_non_null(d1);
	assert_ptr_equal(d1, d2);
	assert_int_equal(n1, n2);
	/* ISO-8859-1 to UTF-8: each of the 4 high bytes becomes 2 */
	assert_string_equal((const char *)d1,
	    "caf\xc3\xa9 d\xc3\x83\xc2\xa9j\xc3\xa0");
	assert_false(m.truncated);
	mw_arena_free(&a);
}

/* MW_MIME_TEXT_MAX: a part longer than that is cut, and the parse says so
 * before anything is read, whatever the encoding. */
static void
cut_known_at_parse(void **state)
{
	static const char *const hdrs[] = {
	    "From: a@example.org\n",
	    "From: a@example.org\n"
	    "Content-Transfer-Encoding: quoted-printable\n",
	    "From: a@example.org\n"
	    "Content-Type: text/plain; charset=iso-8859-1\n",
	    NULL};
	size_t big = MW_MIME_TEXT_MAX + 100, small = MW_MIME_TEXT_MAX, i, n;
	uint8_t *body = malloc(big);

	(void)state;
	assert_non_null(body);
	memset(body, 'x', big);
	for (i = 0; hdrs[i] != NULL; i++) {
		struct mw_arena *a = mw_arena_new(0);
		struct mw_mime m;

		assert_int_equal(parse(&m, a, hdrs[i], body, big), 0);
		assert_true(m.truncated);
		assert_true(m.parts[0].cut);
		assert_non_null(mw_mime_part_data(&n, &m.parts[0]));
		assert_int_equal(n, MW_MIME_TEXT_MAX);
		mw_arena_free(&a);

		a = mw_arena_new(0);
		assert_int_equal(parse(&m, a, hdrs[i], body, small), 0);
		assert_false(m.truncated);
		assert_false(m.parts[0].cut);
		assert_non_null(mw_mime_part_data(&n, &m.parts[0]));
		assert_int_equal(n, MW_MIME_TEXT_MAX);
		assert_false(m.parts[0].cut);
		mw_arena_free(&a);
	}
	free(body);
}

/* Text in an ASCII-compatible charset that holds only ASCII comes out
 * as written (the converter is skipped); a shift or an 8-bit byte goes
 * through the converter; Shift_JIS is never taken for ASCII. */
static void
ascii_charsets(void **state)
{
	static const struct {
		const char *charset;
		const char *body, *want;
	} t[] = {
		{"ISO-2022-JP", "User unknown\n", "User unknown\n"},
		{"iso-2022-jp", "\x1b$B$3$s\x1b(B 550\n",
		    "\xe3\x81\x93\xe3\x82\x93 550\n"},
		{"iso-8859-1", "caf\xe9\n", "caf\xc3\xa9\n"},
		{"windows-1252", "plain words\n", "plain words\n"},
		{"koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4\n",
		    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82\n"},
		{"shift_jis", "C:\\dir\n", NULL}, /* whatever iconv says */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct mw_arena *a = mw_arena_new(0);
		struct mw_mime m;
		char hdr[128];
		const uint8_t *d;
		size_t n;

		snprintf(hdr, sizeof(hdr), "Content-Type: text/plain; "
		    "charset=%s\n", t[i].charset);
		assert_int_equal(parse(&m, a, hdr, (const uint8_t *)t[i].body,
		    strlen(t[i].body)), 0);
		assert_int_equal(m.nparts, 1);
		d = mw_mime_part_data(&n, &m.parts[0]);
		assert_non_null(d);
		if (t[i].want != NULL) {
			assert_int_equal(n, strlen(t[i].want));
			assert_memory_equal(d, t[i].want, n);
		}
		mw_arena_free(&a);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(qp_equals_gmime),
		cmocka_unit_test(part_decoded_once),
		cmocka_unit_test(cut_known_at_parse),
		cmocka_unit_test(ascii_charsets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
