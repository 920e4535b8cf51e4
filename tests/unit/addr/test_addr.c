/*
 * Unit tests of lib/addr: every RFC 5322 / RFC 5321 form, each length
 * limit at and past its boundary, IDNA, UTF-8, error positions and the
 * normalised SMTP form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <idn2.h>

#include "mailwhy/addr.h"
#include "mailwhy/arena.h"
#include "util/limits.h"

#define EXACT MW_ADDR_F_EXACT
#define V MW_ADDR_VALID
#define U MW_ADDR_UNWISE
#define H MW_ADDR_HEADER_ONLY
#define X MW_ADDR_INVALID
#define WQ MW_ADDR_W_QUOTED
#define WIP MW_ADDR_W_IP_LITERAL
#define WC MW_ADDR_W_COMMENT
#define WO MW_ADDR_W_OBSOLETE
#define WU MW_ADDR_W_SMTPUTF8
#define WI MW_ADDR_W_IDN

struct tcase {
	const char *name;
	const char *in;
	unsigned flags;
	enum mw_addr_verdict verdict;
	unsigned warnings;   /* exact set, when valid */
	const char *address; /* when valid; else the error: */
	int code;
	size_t pos;
};

static bool
same_str(const char *x, const char *y)
{
	return x == y || (x != NULL && y != NULL && strcmp(x, y) == 0);
}

/*
 * The one-pass scan of plain addresses and the full parser agree on
 * everything a caller sees (the fast path is taken or not, by the input).
 */
static void
fast_equals_full(const char *name, const uint8_t *in, size_t len,
    unsigned flags)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_addr f, s;

	assert_int_equal(mw_addr_parse(&f, a, in, len, flags, NULL), 0);
	assert_int_equal(
	    mw_addr_parse(&s, a, in, len, flags | MW_ADDR_F_NO_FAST, NULL), 0);
	if (f.verdict != s.verdict || f.valid != s.valid ||
	    f.warning != s.warning || f.warnings != s.warnings ||
	    !same_str(f.local, s.local) || !same_str(f.domain, s.domain) ||
	    !same_str(f.domain_ascii, s.domain_ascii) ||
	    (f.domain_ascii == f.domain) != (s.domain_ascii == s.domain) ||
	    !same_str(f.address, s.address) || f.local_len != s.local_len ||
	    f.domain_len != s.domain_len || f.total_len != s.total_len ||
	    f.err_pos != s.err_pos || f.err_code != s.err_code ||
	    f.err_reason != s.err_reason ||
	    f.header_only_reason != s.header_only_reason)
		fail_msg("%s: fast path and full parser differ", name);
	mw_arena_free(&a);
}

/* Checks one case; prints and returns false when it does not hold. */
static bool
check_len(const struct tcase *t, size_t len)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_addr r;
	int rc;

	fast_equals_full(t->name, (const uint8_t *)t->in, len, t->flags);
	rc = mw_addr_parse(&r, a, (const uint8_t *)t->in, len, t->flags, NULL);
	if (rc != 0 || r.verdict != t->verdict ||
	    (r.valid && (r.warnings != t->warnings ||
	                    strcmp(r.address, t->address) != 0)) ||
	    (!r.valid && (r.err_code != t->code || r.err_pos != t->pos))) {
		print_error("%s: rc %d verdict %s warnings 0x%x address %s "
		            "err %d at %zu (%s)\n",
		    t->name, rc, mw_addr_verdict_name(r.verdict), r.warnings,
		    r.address ? r.address : "-", r.err_code, r.err_pos,
		    r.err_reason ? r.err_reason : "-");
		mw_arena_free(&a);
		return false;
	}
	/* What every result promises. */
	assert_int_equal(r.valid, t->verdict <= MW_ADDR_UNWISE);
	assert_int_equal(r.warning, t->verdict == MW_ADDR_UNWISE);
	if (r.valid) {
		assert_non_null(r.local);
		assert_non_null(r.domain);
		assert_null(r.err_reason);
		assert_int_equal(strlen(r.address), r.total_len);
		assert_int_equal(strlen(r.local), r.local_len);
		assert_true(r.total_len <= MW_ADDR_MAX);
		assert_true(r.local_len <= MW_ADDR_LOCAL_MAX);
		assert_true(
		    (r.domain_ascii == NULL) == ((r.warnings & WIP) != 0));
	} else {
		assert_null(r.address);
		assert_null(r.local);
		assert_non_null(r.err_reason);
		assert_true(r.err_pos <= len);
		assert_true((r.header_only_reason != NULL) ==
		            (r.verdict == MW_ADDR_HEADER_ONLY));
	}
	mw_arena_free(&a);
	return true;
}

static void
check(const struct tcase *t)
{
	assert_true(check_len(t, strlen(t->in)));
}

/* Runs a whole table, reporting every failing row. */
static void
run(const struct tcase *t, size_t n)
{
	size_t i, bad = 0;

	for (i = 0; i < n; i++)
		if (!check_len(&t[i], strlen(t[i].in)))
			bad++;
	assert_int_equal(bad, 0);
}

/* RFC 5321 4.1.2 Dot-string, RFC 5322 3.2.3 dot-atom. */
static void
dot_atom_forms(void **state)
{
	static const struct tcase t[] = {
	    {"plain", "john.smith@example.com", 0, V, 0,
	        "john.smith@example.com", 0, 0},
	    {"every atext (RFC 5322 3.2.3)", "!#$%&'*+-/=?^_`{|}~@example.com",
	        0, V, 0, "!#$%&'*+-/=?^_`{|}~@example.com", 0, 0},
	    {"domain lower-cased, local part kept (RFC 5321 2.4)",
	        "John.Smith@Example.COM", 0, V, 0, "John.Smith@example.com", 0,
	        0},
	    {"digits and hyphens in labels", "a@3com.c--n.example", 0, V, 0,
	        "a@3com.c--n.example", 0, 0},
	    {"A-labels are taken as typed, no IDN call",
	        "a@xn--80a1acny.xn--p1ai", 0, V, 0, "a@xn--80a1acny.xn--p1ai",
	        0, 0},
	    {"dotless domain is unwise (RFC 5321 2.3.5, RFC 7085)",
	        "a@localhost", 0, U, MW_ADDR_W_DOTLESS, "a@localhost", 0, 0},
	    {"numeric TLD is unwise (RFC 3696 2)", "a@example.123", 0, U,
	        MW_ADDR_W_NUMERIC_TLD, "a@example.123", 0, 0},
	    {"dotted quad without brackets", "a@192.0.2.1", 0, U,
	        MW_ADDR_W_NUMERIC_TLD, "a@192.0.2.1", 0, 0},
	    {"leading dot", ".a@example.com", 0, X, 0, NULL, MW_ADDR_E_DOT, 0},
	    {"trailing dot in local part", "a.@example.com", 0, X, 0, NULL,
	        MW_ADDR_E_DOT, 1},
	    {"two dots", "a..b@example.com", 0, X, 0, NULL, MW_ADDR_E_DOT, 2},
	    {"domain trailing dot", "a@example.com.", 0, X, 0, NULL,
	        MW_ADDR_E_DOT, 13},
	    {"domain leading dot", "a@.example.com", 0, X, 0, NULL,
	        MW_ADDR_E_DOT, 2},
	    {"domain two dots", "a@example..com", 0, X, 0, NULL, MW_ADDR_E_DOT,
	        10},
	    {"no @", "john.example.com", 0, X, 0, NULL, MW_ADDR_E_NO_AT, 16},
	    {"nothing before @", "@example.com", 0, X, 0, NULL,
	        MW_ADDR_E_NO_LOCAL, 0},
	    {"nothing after @", "a@", 0, X, 0, NULL, MW_ADDR_E_NO_DOMAIN, 2},
	    {"two @", "a@b@example.com", 0, X, 0, NULL, MW_ADDR_E_SYNTAX, 3},
	    {"space in local part", "john smith@example.com", 0, X, 0, NULL,
	        MW_ADDR_E_SYNTAX, 5},
	    {"comma in domain", "a@example,com", 0, X, 0, NULL,
	        MW_ADDR_E_SYNTAX, 9},
	    {"backslash outside quotes", "a\\@b@example.com", 0, X, 0, NULL,
	        MW_ADDR_E_SYNTAX, 1},
	    {"label starts with hyphen", "a@-example.com", 0, X, 0, NULL,
	        MW_ADDR_E_HOSTNAME, 2},
	    {"label ends with hyphen", "a@example-.com", 0, X, 0, NULL,
	        MW_ADDR_E_HOSTNAME, 9},
	    {"underscore in domain (atext, not a host name)",
	        "a@my_host.example", 0, X, 0, NULL, MW_ADDR_E_HOSTNAME, 4},
	    {"empty", "", 0, X, 0, NULL, MW_ADDR_E_EMPTY, 0},
	    {"only white space", " \t\r\n", 0, X, 0, NULL, MW_ADDR_E_EMPTY, 4},
	    {"empty in brackets", "<>", 0, X, 0, NULL, MW_ADDR_E_EMPTY, 1},
	};

	run(t, sizeof(t) / sizeof(t[0]));
}

/* RFC 5321 4.1.2 Quoted-string, RFC 5322 3.2.4, 4.4 obs-local-part. */
static void
quoted_and_obsolete_forms(void **state)
{
	static const struct tcase t[] = {
	    {"quoted with space kept quoted", "\"john smith\"@example.com", 0,
	        U, WQ, "\"john smith\"@example.com", 0, 0},
	    {"needless quotes dropped", "\"john\"@example.com", 0, U, WQ,
	        "john@example.com", 0, 0},
	    {"needless quoted-pair dropped", "\"a\\b\"@x.org", 0, U, WQ,
	        "ab@x.org", 0, 0},
	    {"quote and backslash stay escaped", "\"a\\\"b\\\\c\"@x.org", 0, U,
	        WQ, "\"a\\\"b\\\\c\"@x.org", 0, 0},
	    {"@ in quotes", "\"a@b\"@x.org", 0, U, WQ, "\"a@b\"@x.org", 0, 0},
	    {"empty quoted string (RFC 5321 4.1.2 *QcontentSMTP)", "\"\"@x.org",
	        0, U, WQ, "\"\"@x.org", 0, 0},
	    {"two dots in quotes", "\"a..b\"@x.org", 0, U, WQ, "\"a..b\"@x.org",
	        0, 0},
	    {"obs-local-part mixes words (RFC 5322 4.4)",
	        "\"john\".smith@example.com", 0, U, WQ | WO,
	        "john.smith@example.com", 0, 0},
	    {"obs-local-part with empty word", "a.\"\".b@x.org", 0, U, WQ | WO,
	        "\"a..b\"@x.org", 0, 0},
	    {"obs-local-part with spaces", "a . b@x.org", 0, U, WC | WO,
	        "a.b@x.org", 0, 0},
	    {"text after quoted string", "\"a\"b@x.org", 0, X, 0, NULL,
	        MW_ADDR_E_SYNTAX, 3},
	    {"unclosed quoted string", "\"abc@x.org", 0, X, 0, NULL,
	        MW_ADDR_E_QUOTE, 0},
	    {"escaped closing quote leaves it open", "\"abc\\\"@x.org", 0, X, 0,
	        NULL, MW_ADDR_E_QUOTE, 0},
	    {"obs-qp of a control character", "\"a\\\x01\"@x.org", 0, H, 0,
	        NULL, MW_ADDR_E_LOCAL_CTL, 3},
	    {"TAB in quoted string: qtextSMTP has none", "\"a\tb\"@x.org", 0, H,
	        0, NULL, MW_ADDR_E_LOCAL_CTL, 2},
	    {"obs-qtext DEL", "\"a\x7f\"@x.org", 0, H, 0, NULL,
	        MW_ADDR_E_LOCAL_CTL, 2},
	    {"bare CR in quoted string", "\"a\rb\"@x.org", 0, X, 0, NULL,
	        MW_ADDR_E_FOLDING, 2},
	    {"folding in quoted string keeps the space", "\"a\r\n b\"@x.org", 0,
	        U, WQ | WC, "\"a b\"@x.org", 0, 0},
	    {"local part of 64 in its SMTP form",
	        "\"abcdefghijklmnopqrstuvwxyz abcdefghijklmnopqrstuvwxyz "
	        "abcdefg\\h\"@x.org",
	        0, U, WQ,
	        "\"abcdefghijklmnopqrstuvwxyz abcdefghijklmnopqrstuvwxyz "
	        "abcdefgh\"@x.org",
	        0, 0},
	};

	run(t, sizeof(t) / sizeof(t[0]));
}

/* RFC 5322 3.2.2 CFWS, erratum 1908 obs-FWS. */
static void
comments_and_folding(void **state)
{
	static const struct tcase t[] = {
	    {"comments everywhere removed", "(c)john(d)@(e)example.com(f)", 0,
	        U, WC, "john@example.com", 0, 0},
	    {"nested comments", "a(b(c(d)e)f)@x.org", 0, U, WC, "a@x.org", 0,
	        0},
	    {"escaped paren in comment", "a(b\\)c)@x.org", 0, U, WC, "a@x.org",
	        0, 0},
	    {"obs-domain (RFC 5322 4.4)", "a@example (c) . com", 0, U, WC | WO,
	        "a@example.com", 0, 0},
	    {"comment between words", "a(c).b@x.org", 0, U, WC | WO,
	        "a.b@x.org", 0, 0},
	    {"comment instead of a dot", "a(c)b@x.org", 0, X, 0, NULL,
	        MW_ADDR_E_SYNTAX, 4},
	    {"folding white space (exact)", "\r\n a@x.org", EXACT, U, WC,
	        "a@x.org", 0, 0},
	    {"obs-FWS: two CRLFs (exact)", "\r\n \r\n a@x.org", EXACT, U,
	        WC | WO, "a@x.org", 0, 0},
	    {"CRLF without WSP (exact)", "a@x.org\r\n", EXACT, X, 0, NULL,
	        MW_ADDR_E_FOLDING, 7},
	    {"CR without LF", "a(\r)@x.org", 0, X, 0, NULL, MW_ADDR_E_FOLDING,
	        2},
	    {"bare LF", "a(\n)@x.org", 0, X, 0, NULL, MW_ADDR_E_FOLDING, 2},
	    {"obs-ctext", "a(\x01)@x.org", 0, U, WC | WO, "a@x.org", 0, 0},
	    {"obs-ctext run", "a(\x01\x02x)@x.org", 0, U, WC | WO, "a@x.org", 0,
	        0},
	    {"unclosed comment points at its '('", "a(b(c)@x.org", 0, X, 0,
	        NULL, MW_ADDR_E_COMMENT, 1},
	    {"unbalanced ')'", "a)@x.org", 0, X, 0, NULL, MW_ADDR_E_SYNTAX, 1},
	    {"backslash at the end of a comment", "a@x.org(b\\", 0, X, 0, NULL,
	        MW_ADDR_E_COMMENT, 7},
	    {"white space at the ends dropped by default",
	        " \t<john@example.com>\r\n", 0, V, 0, "john@example.com", 0, 0},
	    {"angle brackets", "<john@example.com>", 0, V, 0,
	        "john@example.com", 0, 0},
	    {"white space inside angle brackets", "< john@example.com >", 0, V,
	        0, "john@example.com", 0, 0},
	    {"display name refused", "John <john@example.com>", 0, X, 0, NULL,
	        MW_ADDR_E_SYNTAX, 5},
	    {"no angle brackets when exact", "<john@example.com>", EXACT, X, 0,
	        NULL, MW_ADDR_E_SYNTAX, 0},
	    {"space at the ends is CFWS when exact", " a@x.org ", EXACT, U, WC,
	        "a@x.org", 0, 0},
	    {"error position counts the trimmed prefix", "  a..b@x.org", 0, X,
	        0, NULL, MW_ADDR_E_DOT, 4},
	};

	run(t, sizeof(t) / sizeof(t[0]));
}

/* RFC 5321 4.1.3 address literals. */
static void
address_literals(void **state)
{
	static const struct tcase t[] = {
	    {"IPv4", "a@[192.0.2.1]", 0, U, WIP, "a@[192.0.2.1]", 0, 0},
	    {"IPv6-full", "a@[IPv6:2001:db8:0:0:0:0:0:1]", 0, U, WIP,
	        "a@[IPv6:2001:db8:0:0:0:0:0:1]", 0, 0},
	    {"IPv6-comp", "a@[IPv6:2001:db8::1]", 0, U, WIP,
	        "a@[IPv6:2001:db8::1]", 0, 0},
	    {"IPv6-comp all zero", "a@[IPv6:::]", 0, U, WIP, "a@[IPv6:::]", 0,
	        0},
	    {"IPv6-comp trailing ::", "a@[IPv6:a1:a2::]", 0, U, WIP,
	        "a@[IPv6:a1:a2::]", 0, 0},
	    {"IPv6v4-full", "a@[IPv6:0:0:0:0:0:ffff:192.0.2.1]", 0, U, WIP,
	        "a@[IPv6:0:0:0:0:0:ffff:192.0.2.1]", 0, 0},
	    {"IPv6v4-comp", "a@[IPv6:::ffff:192.0.2.1]", 0, U, WIP,
	        "a@[IPv6:::ffff:192.0.2.1]", 0, 0},
	    {"tag and hex case normalised", "a@[ipv6:2001:DB8::1]", 0, U, WIP,
	        "a@[IPv6:2001:db8::1]", 0, 0},
	    {"'::' for one group: warned (RFC 5952 4.2.2)",
	        "a@[IPv6:1:2:3:4:5:6::8]", 0, U, WIP | MW_ADDR_W_IPV6_ONE_GROUP,
	        "a@[IPv6:1:2:3:4:5:6::8]", 0, 0},
	    {"comments around a literal", "a@(c)[192.0.2.1](d)", 0, U, WIP | WC,
	        "a@[192.0.2.1]", 0, 0},
	    {"IPv4 octet over 255", "a@[192.0.2.256]", 0, H, 0, NULL,
	        MW_ADDR_E_ADDR_LITERAL, 11},
	    {"IPv4 three numbers", "a@[192.0.2]", 0, H, 0, NULL,
	        MW_ADDR_E_ADDR_LITERAL, 10},
	    {"two ::", "a@[IPv6:1::2::3]", 0, H, 0, NULL,
	        MW_ADDR_E_ADDR_LITERAL, 12},
	    {"too many groups with ::", "a@[IPv6:1:2:3:4:5:6:7::8]", 0, H, 0,
	        NULL, MW_ADDR_E_ADDR_LITERAL, 8},
	    {"7 groups without ::", "a@[IPv6:1:2:3:4:5:6:7]", 0, H, 0, NULL,
	        MW_ADDR_E_ADDR_LITERAL, 8},
	    {"single leading colon", "a@[IPv6::1]", 0, H, 0, NULL,
	        MW_ADDR_E_ADDR_LITERAL, 8},
	    {"group of 5 hex digits", "a@[IPv6:12345::]", 0, H, 0, NULL,
	        MW_ADDR_E_ADDR_LITERAL, 8},
	    {"IPv6 without tag", "a@[::1]", 0, H, 0, NULL,
	        MW_ADDR_E_ADDR_LITERAL, 3},
	    {"General-address-literal: unregistered tag", "a@[x-tag:anything]",
	        0, H, 0, NULL, MW_ADDR_E_ADDR_LITERAL, 3},
	    {"domain name in brackets", "a@[example.com]", 0, H, 0, NULL,
	        MW_ADDR_E_ADDR_LITERAL, 3},
	    {"obs-dtext quoted-pair", "a@[\\1.2.3.4]", 0, H, 0, NULL,
	        MW_ADDR_E_ADDR_LITERAL, 3},
	    {"space in literal", "a@[1.2.3.4 ]", 0, H, 0, NULL,
	        MW_ADDR_E_ADDR_LITERAL, 10},
	    {"unclosed literal", "a@[1.2.3.4", 0, X, 0, NULL, MW_ADDR_E_LITERAL,
	        2},
	    {"text after literal", "a@[1.2.3.4]x", 0, X, 0, NULL,
	        MW_ADDR_E_LITERAL, 11},
	    {"'[' inside literal", "a@[1.2[3.4]", 0, X, 0, NULL,
	        MW_ADDR_E_LITERAL, 6},
	};

	run(t, sizeof(t) / sizeof(t[0]));
}

/* RFC 6531 3.3, RFC 5891, RFC 3629. */
static void
utf8_and_idn(void **state)
{
	static const struct tcase t[] = {
	    {"IDN .рф", "user@почта.рф", 0, V, WI, "user@xn--80a1acny.xn--p1ai",
	        0, 0},
	    {"IDN .испытание", "user@пример.испытание", 0, V, WI,
	        "user@xn--e1afmkfd.xn--80akhbyknj4f", 0, 0},
	    {"IDN upper case mapped", "user@ПОЧТА.РФ", 0, V, WI,
	        "user@xn--80a1acny.xn--p1ai", 0, 0},
	    {"IDN Latin", "test@Bücher.ch", 0, V, WI, "test@xn--bcher-kva.ch",
	        0, 0},
	    {"IDN ideographic full stop (UTS 46)", "a@例子。测试", 0, V, WI,
	        "a@xn--fsqu00a.xn--0zwm56d", 0, 0},
	    {"IDN refused by IDNA2008", "a@-почта.рф", 0, X, 0, NULL,
	        MW_ADDR_E_IDN, 2},
	    {"UTF-8 local part needs SMTPUTF8", "почта@example.com", 0, U, WU,
	        "почта@example.com", 0, 0},
	    {"UTF-8 in quotes", "\"пп пп\"@x.org", 0, U, WQ | WU,
	        "\"пп пп\"@x.org", 0, 0},
	    {"RFC 6532 quoted-pair of UTF-8", "\"a\\©\"@x.org", 0, U, WQ | WU,
	        "a©@x.org", 0, 0},
	    {"UTF-8 everywhere", "почта@почта.рф", 0, U, WU | WI,
	        "почта@xn--80a1acny.xn--p1ai", 0, 0},
	    {"invalid byte in local part", "ab\xff@x.org", 0, X, 0, NULL,
	        MW_ADDR_E_UTF8, 2},
	    {"truncated sequence in domain", "a@x\xc3.org", 0, X, 0, NULL,
	        MW_ADDR_E_UTF8, 3},
	    {"overlong encoding", "\xc0\xaf@x.org", 0, X, 0, NULL,
	        MW_ADDR_E_UTF8, 0},
	    {"UTF-16 surrogate", "\xed\xa0\x80@x.org", 0, X, 0, NULL,
	        MW_ADDR_E_UTF8, 0},
	    {"past U+10FFFF", "\xf4\x90\x80\x80@x.org", 0, X, 0, NULL,
	        MW_ADDR_E_UTF8, 0},
	    {"invalid in comment", "(\xfe)a@x.org", 0, X, 0, NULL,
	        MW_ADDR_E_UTF8, 1},
	    {"invalid in quoted string", "\"\x80\"@x.org", 0, X, 0, NULL,
	        MW_ADDR_E_UTF8, 1},
	    {"cut at the end", "a@x.org\xe2\x82", 0, X, 0, NULL, MW_ADDR_E_UTF8,
	        7},
	    {"non-ASCII in a literal", "a@[1.2.3.é]", 0, H, 0, NULL,
	        MW_ADDR_E_ADDR_LITERAL, 9},
	};

	run(t, sizeof(t) / sizeof(t[0]));
}

static void
idn_fields(void **state)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_addr r;
	const char *in = "Ivan@ПРИМЕР.испытание";

	assert_int_equal(
	    mw_addr_parse(&r, a, (const uint8_t *)in, strlen(in), 0, NULL), 0);
	assert_int_equal(r.verdict, MW_ADDR_VALID);
	assert_false(r.warning);
	assert_string_equal(r.local, "Ivan");
	assert_string_equal(r.domain, "пример.испытание");
	assert_string_equal(r.domain_ascii, "xn--e1afmkfd.xn--80akhbyknj4f");
	assert_int_equal(r.domain_len, strlen(r.domain_ascii));
	assert_int_equal(r.total_len, 4 + 1 + r.domain_len);

	in = "a@[IPv6:2001:DB8::1]";
	assert_int_equal(
	    mw_addr_parse(&r, a, (const uint8_t *)in, strlen(in), 0, NULL), 0);
	assert_string_equal(r.domain, "IPv6:2001:db8::1");
	assert_null(r.domain_ascii);
	assert_int_equal(r.total_len, strlen(in));
	mw_arena_free(&a);
}

/*
 * The strict-IDNA2008-first path of addr.c must agree with libidn2's UTS 46
 * non-transitional conversion (the reference), on forms that take either
 * path: deviation characters, contextual rules, hyphen rules, mapping,
 * NFC, A-labels mixed in.
 */
static void
idn_agrees_with_uts46(void **state)
{
	static const char *const domains[] = {"bücher.ch", "faß.de", "ςοφία.gr",
	    "почта.рф", "ПОЧТА.рф", "ab--cd.рф", "-ab.рф", "ab-.рф", "ab-cd.рф",
	    "xn--80a1acny.рф", "XN--80A1ACNY.рф", "a\u200db.рф",
	    "\u0915\u094d\u200d.in", "l·l.cat", "a·b.cat", "ｅｘａｍｐｌｅ.рф",
	    "e\u0301cole.fr", "école.fr", "例子。测试", "مثال.إختبار",
	    "1مثال.eg", "מבחן.il", "a\u05d0.il", "\u00ad.рф", "a\u00adb.рф",
	    "i\u0307.tr", "\u3002.jp", "𝐚𝐛.рф", "日本語.jp", "한국.kr",
	    "ไทย.th", "δοκιμή.gr", "ⅷ.рф", "ǆ.рф"};
	struct mw_arena *a = mw_arena_new(0);
	char in[128], *ref;
	struct mw_addr r;
	size_t i, bad = 0;
	int rc;

	for (i = 0; i < sizeof(domains) / sizeof(domains[0]); i++) {
		snprintf(in, sizeof(in), "a@%s", domains[i]);
		assert_int_equal(mw_addr_parse(&r, a, (const uint8_t *)in,
		                     strlen(in), 0, NULL),
		    0);
		rc = idn2_to_ascii_8z(
		    domains[i], &ref, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
		if (rc == IDN2_OK && r.valid &&
		    strcmp(ref, r.domain_ascii) == 0) {
			/* and the U-labels convert back the same */
			char *back;

			assert_int_equal(
			    idn2_to_ascii_8z(r.domain, &back,
			        IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT),
			    IDN2_OK);
			assert_string_equal(back, ref);
			idn2_free(back);
		} else if (rc != IDN2_OK && !r.valid) {
			/* both refuse */
		} else if (rc == IDN2_OK && !r.valid &&
		           r.err_code != MW_ADDR_E_IDN) {
			/* UTS 46 accepts what the host-name rules refuse */
		} else {
			print_error("%s: ours %s %s (%s), UTS 46 %s\n",
			    domains[i], mw_addr_verdict_name(r.verdict),
			    r.domain_ascii ? r.domain_ascii : "-",
			    r.err_reason ? r.err_reason : "-",
			    rc == IDN2_OK ? ref : idn2_strerror(rc));
			bad++;
		}
		if (rc == IDN2_OK)
			idn2_free(ref);
	}
	mw_arena_free(&a);
	assert_int_equal(bad, 0);
}

/*
 * Writes llen x 'a', "@", then labels of the given lengths (letters b, c,
 * d...) joined by dots, NUL-terminated, into in.
 */
static char *
make(char *in, size_t llen, const size_t *lens, size_t n)
{
	char *p = in;
	size_t i;

	memset(p, 'a', llen);
	p += llen;
	*p++ = '@';
	for (i = 0; i < n; i++) {
		if (i > 0)
			*p++ = '.';
		memset(p, 'b' + (int)i, lens[i]);
		p += lens[i];
	}
	*p = '\0';
	return in;
}

#define MAKE(in, llen, ...)                                                    \
	make(in, llen, (const size_t[]){__VA_ARGS__},                          \
	    sizeof((const size_t[]){__VA_ARGS__}) / sizeof(size_t))

/* RFC 5321 4.5.3.1, RFC 1035 2.3.4: each limit at and past it. */
static void
length_limits(void **state)
{
	char in[MW_ADDR_INPUT_MAX + 2];
	struct tcase t;

	/* Local part 64 / 65 (4.5.3.1.1) */
	t = (struct tcase){"local 64", MAKE(in, 64, 1, 3), 0, V, 0, in, 0, 0};
	check(&t);
	t = (struct tcase){"local 65", MAKE(in, 65, 1, 3), 0, X, 0, NULL,
	    MW_ADDR_E_LOCAL_TOO_LONG, 0};
	check(&t);
	/* Quoting counts: 62 octets of content + 2 quotes = 64. */
	MAKE(in, 64, 1, 3);
	in[0] = '"';
	in[62] = ' ';
	in[63] = '"';
	t = (struct tcase){"quoted local 64", in, 0, U, WQ, in, 0, 0};
	check(&t);
	MAKE(in, 65, 1, 3);
	in[0] = '"';
	in[63] = ' ';
	in[64] = '"';
	t = (struct tcase){
	    "quoted local 65", in, 0, X, 0, NULL, MW_ADDR_E_LOCAL_TOO_LONG, 0};
	check(&t);

	/* Label 63 / 64 (RFC 1035 2.3.4) */
	t = (struct tcase){"label 63", MAKE(in, 1, 63, 3), 0, V, 0, in, 0, 0};
	check(&t);
	t = (struct tcase){"label 64", MAKE(in, 1, 1, 64, 3), 0, X, 0, NULL,
	    MW_ADDR_E_LABEL_TOO_LONG, 4};
	check(&t);

	/* Whole address 254 / 255 (4.5.3.1.3 less the brackets) */
	MAKE(in, 64, 63, 63, 61);
	assert_int_equal(strlen(in), 254);
	t = (struct tcase){"address 254", in, 0, V, 0, in, 0, 0};
	check(&t);
	MAKE(in, 64, 63, 63, 62);
	t = (struct tcase){
	    "address 255", in, 0, X, 0, NULL, MW_ADDR_E_TOO_LONG, 0};
	check(&t);

	/* Domain 255 / 256 (4.5.3.1.2): 255 fits the domain limit but not
	 * the address one; 256 breaks the domain limit. */
	MAKE(in, 1, 63, 63, 63, 63);
	assert_int_equal(strlen(in) - 2, 255);
	t = (struct tcase){
	    "domain 255", in, 0, X, 0, NULL, MW_ADDR_E_TOO_LONG, 0};
	check(&t);
	MAKE(in, 1, 63, 63, 63, 62, 1);
	assert_int_equal(strlen(in) - 2, 256);
	t = (struct tcase){
	    "domain 256", in, 0, X, 0, NULL, MW_ADDR_E_DOMAIN_TOO_LONG, 2};
	check(&t);

	/* Input 4096 / 4097 octets */
	memset(in, 'a', MW_ADDR_INPUT_MAX + 1);
	in[MW_ADDR_INPUT_MAX + 1] = '\0';
	t = (struct tcase){"input 4096 is parsed", in, 0, X, 0, NULL,
	    MW_ADDR_E_NO_AT, MW_ADDR_INPUT_MAX};
	assert_true(check_len(&t, MW_ADDR_INPUT_MAX));
	t = (struct tcase){"input 4097 is refused at once", in, 0, X, 0, NULL,
	    MW_ADDR_E_INPUT_TOO_LONG, MW_ADDR_INPUT_MAX};
	assert_true(check_len(&t, MW_ADDR_INPUT_MAX + 1));
}

/* MW_ADDR_COMMENT_DEPTH, and deep input stays linear. */
static void
comment_depth_limit(void **state)
{
	char in[MW_ADDR_INPUT_MAX + 1];
	struct tcase t;
	size_t i, n = 0;

	for (i = 0; i < MW_ADDR_COMMENT_DEPTH; i++)
		in[n++] = '(';
	for (i = 0; i < MW_ADDR_COMMENT_DEPTH; i++)
		in[n++] = ')';
	memcpy(in + n, "a@x.org", 8);
	t = (struct tcase){"depth 32", in, 0, U, WC, "a@x.org", 0, 0};
	check(&t);

	n = 0;
	for (i = 0; i <= MW_ADDR_COMMENT_DEPTH; i++)
		in[n++] = '(';
	for (i = 0; i <= MW_ADDR_COMMENT_DEPTH; i++)
		in[n++] = ')';
	memcpy(in + n, "a@x.org", 8);
	t = (struct tcase){"depth 33", in, 0, X, 0, NULL, MW_ADDR_E_LIMIT,
	    MW_ADDR_COMMENT_DEPTH};
	check(&t);

	memset(in, '(', MW_ADDR_INPUT_MAX);
	in[MW_ADDR_INPUT_MAX] = '\0';
	t = (struct tcase){"4096 open parens", in, 0, X, 0, NULL,
	    MW_ADDR_E_LIMIT, MW_ADDR_COMMENT_DEPTH};
	check(&t);
}

/*
 * The one-pass scan (fast_path() in addr.c) at each of its edges, then
 * over random near-plain inputs: whatever it takes, the full parser
 * judges the same way (the same check runs on every table row above).
 */
static void
fast_path_agrees_with_full_parser(void **state)
{
	static const char *const edges[] = {"a@b.co", "A.B@EXAMPLE.Com",
	    "<a@b.co>", " a@b.co\r\n", "a@b.c-d.e", "a@b.-c.d", "a@b.c-.d",
	    "a@b.123", "a@b.1a", "a@1.2.3.4", "a@b", "a@b.", "a@.b", "a.@b.c",
	    ".a@b.c", "a..b@c.d", "a@b..c", "a@@b.c", "a@b.c@d", "a@b_c.d",
	    "a b@c.d", "a@b.c ", "\"a\"@b.c", "a(x)@b.c", "a@[1.2.3.4]",
	    "é@b.c", "a@é.c", "a@xn--e1afmkfd.xn--p1ai", "a\x01@b.c",
	    "a@b\x7f.c", "a@B.C\x00"};
	static const char alpha[] = "aZ09.-_@+@..\"( <>\\\xc3\xa9";
	char buf[MW_ADDR_MAX + 20];
	uint32_t x = 20261126;
	size_t i, j, k, n;

	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		fast_equals_full(edges[i], (const uint8_t *)edges[i],
		    strlen(edges[i]), 0);
	/* Lengths at and past 64 (local), 63 (label), 254 (address). */
	for (n = 60; n <= 70; n++) {
		memset(buf, 'l', n);
		memcpy(buf + n, "@x.org", 6);
		fast_equals_full("local length", (const uint8_t *)buf, n + 6, 0);
		buf[0] = 'a';
		buf[1] = '@';
		memset(buf + 2, 'd', n);
		memcpy(buf + 2 + n, ".org", 4);
		fast_equals_full("label length", (const uint8_t *)buf, n + 6, 0);
	}
	for (n = 248; n <= 260; n++) {
		memset(buf, 'd', n);
		buf[0] = 'a';
		buf[1] = '@';
		for (j = 40; j < n - 4; j += 40)
			buf[j] = '.';
		memcpy(buf + n - 4, ".org", 4);
		fast_equals_full("address length", (const uint8_t *)buf, n, 0);
	}
	/* Random mutations of plain addresses. */
	for (i = 0; i < 200000; i++) {
		n = (size_t)snprintf(buf, sizeof(buf), "%s@%s",
		    i % 3 ? "first.Last" : "x", i % 2 ? "Mail.Example.org" : "b.c");
		for (k = 0; k < 1 + i % 3; k++) {
			x = x * 1103515245u + 12345u;
			j = (x >> 8) % (n + 1);
			x = x * 1103515245u + 12345u;
			if ((x >> 16) % 3 == 0 && j < n) { /* drop */
				memmove(buf + j, buf + j + 1, n - j - 1);
				n--;
			} else if (n < sizeof(buf) - 1) { /* insert or replace */
				if ((x >> 16) % 3 == 1 && j < n)
					n--;
				else
					memmove(buf + j + 1, buf + j, n - j);
				buf[j] = alpha[(x >> 20) % (sizeof(alpha) - 1)];
				n++;
			}
		}
		fast_equals_full("mutation", (const uint8_t *)buf, n, 0);
		fast_equals_full("mutation", (const uint8_t *)buf, n,
		    MW_ADDR_F_EXACT);
	}
}

/* The IDNA memo gives what libidn2 gives, also for refusals and repeats. */
static void
idna_memo_changes_nothing(void **state)
{
	static const char *const in[] = {"a@пример.рф", "b@ПРИМЕР.рф",
	    "a@bücher.de", "a@faß.de", "a@xn--bcher-kva.de", "a@a\xe2\x80\x8d.de",
	    "a@\xd9\xa1\xdb\xb1.example", "a@пример.рф", "a@a\xe2\x80\x8d.de",
	    "иван@сайт.бел", "a@example.com"};
	struct mw_arena *a = mw_arena_new(0);
	struct mw_addr_memo *m = NULL;
	struct mw_addr x, y;
	unsigned long hits, misses;

	assert_int_equal(mw_addr_memo_new(&m), 0);
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
			size_t n = strlen(in[i]);

			assert_int_equal(mw_addr_parse(&x, a,
			                     (const uint8_t *)in[i], n, 0, NULL),
			    0);
			assert_int_equal(mw_addr_parse_memo(&y, a, m,
			                     (const uint8_t *)in[i], n, 0, NULL),
			    0);
			assert_int_equal(x.verdict, y.verdict);
			assert_int_equal(x.warnings, y.warnings);
			assert_int_equal(x.err_code, y.err_code);
			assert_int_equal(x.err_pos, y.err_pos);
			assert_ptr_equal(x.err_reason, y.err_reason);
			assert_true(same_str(x.address, y.address));
			assert_true(same_str(x.domain, y.domain));
			assert_true(same_str(x.domain_ascii, y.domain_ascii));
			assert_int_equal(x.total_len, y.total_len);
		}
	mw_addr_memo_stats(m, &hits, &misses);
	assert_true(hits >= 8);
	mw_addr_memo_free(&m);
	assert_null(m);
	mw_arena_free(&a);
}

static void
api_contract(void **state)
{
	struct mw_arena *a = mw_arena_new(0), *tiny = mw_arena_new(8);
	struct mw_addr r;
	struct mw_err e;
	const uint8_t *in = (const uint8_t *)"a@x.org";

	assert_int_equal(mw_addr_parse(NULL, a, in, 7, 0, &e), MW_EINVAL);
	assert_int_equal(e.code, MW_EINVAL);
	assert_int_equal(mw_addr_parse(&r, NULL, in, 7, 0, NULL), MW_EINVAL);
	assert_int_equal(mw_addr_parse(&r, a, NULL, 7, 0, NULL), MW_EINVAL);
	assert_int_equal(mw_addr_parse(&r, a, in, 7, 0x80, NULL), MW_EINVAL);
	assert_int_equal(mw_addr_parse(&r, a, NULL, 0, 0, NULL), 0);
	assert_int_equal(r.err_code, MW_ADDR_E_EMPTY);
	assert_int_equal(mw_addr_parse(&r, tiny, in, 7, 0, &e), MW_ENOMEM);
	assert_int_equal(e.code, MW_ENOMEM);
	assert_int_equal(mw_addr_parse(&r, tiny, in, 7, MW_ADDR_F_NO_FAST, &e),
	    MW_ENOMEM);
	assert_int_equal(e.code, MW_ENOMEM);

	assert_string_equal(mw_addr_verdict_name(MW_ADDR_VALID), "valid");
	assert_string_equal(mw_addr_verdict_name(MW_ADDR_UNWISE), "unwise");
	assert_string_equal(
	    mw_addr_verdict_name(MW_ADDR_HEADER_ONLY), "header_only");
	assert_string_equal(mw_addr_verdict_name(MW_ADDR_INVALID), "invalid");

	/* Lengths come back also when invalid (for the findings). */
	in = (const uint8_t
	        *)"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	          "aaaaaaaaaaaa@x.org";
	assert_int_equal(
	    mw_addr_parse(&r, a, in, strlen((const char *)in), 0, NULL), 0);
	assert_int_equal(r.local_len, 66);
	assert_int_equal(r.err_code, MW_ADDR_E_LOCAL_TOO_LONG);
	mw_arena_free(&a);
	mw_arena_free(&tiny);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(dot_atom_forms),
	    cmocka_unit_test(quoted_and_obsolete_forms),
	    cmocka_unit_test(comments_and_folding),
	    cmocka_unit_test(address_literals),
	    cmocka_unit_test(utf8_and_idn),
	    cmocka_unit_test(idn_fields),
	    cmocka_unit_test(idn_agrees_with_uts46),
	    cmocka_unit_test(length_limits),
	    cmocka_unit_test(comment_depth_limit),
	    cmocka_unit_test(fast_path_agrees_with_full_parser),
	    cmocka_unit_test(idna_memo_changes_nothing),
	    cmocka_unit_test(api_contract),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
