/*
 * Unit tests of the SPF record parser and macro expansion (lib/auth):
 * the RFC 7208 7.4 examples, the syntax rules of section 12, and what the
 * parser keeps of each term.  No DNS: check_host() is proven by the
 * conformance suites (tests/conformance/spf) and the lab (integration).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "mailwhy/arena.h"
#include "mailwhy/spf.h"

static struct mw_arena *arena;

static int
setup(void **state)
{
	arena = mw_arena_new(0);
	return arena ? 0 : -1;
}

static int
teardown(void **state)
{
	mw_arena_free(&arena);
	return 0;
}

static struct mw_spf_macro_ctx
example_ctx(int family)
{
	/* RFC 7208 7.4: strong-bad@email.example.com from 192.0.2.3 or
	 * 2001:db8::cb01. */
	struct mw_spf_macro_ctx c = {
	    .sender = "strong-bad@email.example.com",
	    .local = "strong-bad",
	    .sender_domain = "email.example.com",
	    .domain = "email.example.com",
	    .helo = "mx.example.org",
	    .family = family,
	    .now = 1700000000,
	};
	inet_pton(
	    family, family == AF_INET ? "192.0.2.3" : "2001:db8::cb01", c.ip);
	return c;
}

static const char *
expand(const char *in, int family, unsigned flags, int *rc)
{
	struct mw_spf_macro_ctx c = example_ctx(family);
	struct mw_err err;
	char *out = NULL;

	*rc = mw_spf_macro_expand(
	    &out, arena, (const uint8_t *)in, strlen(in), &c, flags, &err);
	return out;
}

static void
rfc7208_7_4_examples_expand_as_written(void **state)
{
	/* clang-format off */
	static const struct { const char *in, *want; int family; } t[] = {
		{"%{s}", "strong-bad@email.example.com", AF_INET},
		{"%{o}", "email.example.com", AF_INET},
		{"%{d}", "email.example.com", AF_INET},
		{"%{d4}", "email.example.com", AF_INET},
		{"%{d3}", "email.example.com", AF_INET},
		{"%{d2}", "example.com", AF_INET},
		{"%{d1}", "com", AF_INET},
		{"%{dr}", "com.example.email", AF_INET},
		{"%{d2r}", "example.email", AF_INET},
		{"%{l}", "strong-bad", AF_INET},
		{"%{l-}", "strong.bad", AF_INET},
		{"%{lr}", "strong-bad", AF_INET},
		{"%{lr-}", "bad.strong", AF_INET},
		{"%{l1r-}", "strong", AF_INET},
		{"%{ir}.%{v}._spf.%{d2}",
		 "3.2.0.192.in-addr._spf.example.com", AF_INET},
		{"%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com",
		 AF_INET},
		{"%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
		 "bad.strong.lp.3.2.0.192.in-addr._spf.example.com", AF_INET},
		{"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
		 "3.2.0.192.in-addr.strong.lp._spf.example.com", AF_INET},
		{"%{d2}.trusted-domains.example.net",
		 "example.com.trusted-domains.example.net", AF_INET},
		{"%{ir}.%{v}._spf.%{d2}",
		 "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0."
		 "0.2.ip6._spf.example.com", AF_INET6},
		/* 7.1: the escapes, and the letters for the client */
		{"a%%b%_c%-d", "a%b c%20d", AF_INET},
		{"%{h}", "mx.example.org", AF_INET},
		{"%{p}", "unknown", AF_INET},
		/* 7.3: upper case means URL-escaped */
		{"%{S}", "strong-bad%40email.example.com", AF_INET},
		/* 7.3: more parts asked than exist means all of them */
		{"%{d200}", "email.example.com", AF_INET},
	};
	/* clang-format on */

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc;
		const char *got = expand(t[i].in, t[i].family, 0, &rc);
		if (rc != 0 || got == NULL || strcmp(got, t[i].want) != 0)
			fail_msg("%s: got \"%s\" (rc %d), want \"%s\"", t[i].in,
			    got ? got : "(null)", rc, t[i].want);
	}
}

static void
explanation_letters_only_in_explanations(void **state)
{
	int rc;
	const char *got;

	got = expand("%{c} %{r} %{t}", AF_INET6, MW_SPF_MACRO_EXP, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(got, "2001:db8::cb01 unknown 1700000000");
	/* 7.1: c, r and t in a domain-spec are syntax errors */
	expand("%{c}.example.com", AF_INET, 0, &rc);
	assert_int_equal(rc, MW_EINVAL);
	/* spaces only in explanations (6.2) */
	expand("a b", AF_INET, 0, &rc);
	assert_int_equal(rc, MW_EINVAL);
}

static void
macro_syntax_errors_are_refused(void **state)
{
	static const char *const bad[] = {"%", "%x", "%{", "%{d", "%{x}",
	    "%{d0}", "%{dr", "%{d2r?}", "%(ir).sbl.example.com"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc;
		expand(bad[i], AF_INET, 0, &rc);
		if (rc != MW_EINVAL)
			fail_msg("\"%s\" accepted (rc %d)", bad[i], rc);
	}
}

static void
long_expansions_lose_labels_on_the_left(void **state)
{
	/* 7.3: over 253 characters, labels are dropped from the left. */
	char in[600];
	const char *got;
	int rc;

	in[0] = '\0';
	for (int i = 0; i < 20; i++)
		strcat(in, "%{d}.");
	strcat(in, "example.com");
	got = expand(in, AF_INET, 0, &rc);
	assert_int_equal(rc, 0);
	assert_true(strlen(got) <= 253);
	assert_true(strlen(got) > 200);
	assert_string_equal(got + strlen(got) - 11, "example.com");
	assert_true(got[0] != '.');
}

static struct mw_spf_record *
parse(const char *s, int want_rc, size_t *off)
{
	struct mw_spf_record *r = NULL;
	struct mw_err err;
	int rc;

	mw_err_clear(&err);
	rc =
	    mw_spf_record_parse(&r, arena, (const uint8_t *)s, strlen(s), &err);
	if (rc != want_rc)
		fail_msg("\"%s\": rc %d want %d (%s)", s, rc, want_rc, err.msg);
	if (off)
		*off = err.offset;
	return r;
}

static void
records_keep_every_term(void **state)
{
	struct mw_spf_record *r =
	    parse("v=spf1 ip4:192.0.2.0/24 "
	          "-ip6:2001:db8::/32 a mx:mail.example.com/24//64 ~ptr "
	          "include:_spf.example.com ?exists:%{i}.bl.example.com "
	          "redirect=_spf.example.net exp=exp.example.com moo=cow -all",
	        0, NULL);

	assert_int_equal(r->n, 11);
	assert_int_equal(r->terms[0].kind, MW_SPF_IP4);
	assert_int_equal(r->terms[0].cidr4, 24);
	assert_int_equal(r->terms[0].ip[0], 192);
	assert_int_equal(r->terms[1].kind, MW_SPF_IP6);
	assert_int_equal(r->terms[1].qualifier, '-');
	assert_int_equal(r->terms[1].cidr6, 32);
	assert_null(r->terms[2].spec);
	assert_int_equal(r->terms[3].kind, MW_SPF_MX);
	assert_string_equal(r->terms[3].spec, "mail.example.com");
	assert_int_equal(r->terms[3].cidr4, 24);
	assert_int_equal(r->terms[3].cidr6, 64);
	assert_int_equal(r->terms[4].qualifier, '~');
	assert_string_equal(r->terms[5].spec, "_spf.example.com");
	assert_string_equal(r->terms[6].spec, "%{i}.bl.example.com");
	assert_ptr_equal(r->redirect, &r->terms[7]);
	assert_string_equal(r->redirect->spec, "_spf.example.net");
	assert_ptr_equal(r->exp, &r->terms[8]);
	assert_int_equal(r->terms[9].kind, MW_SPF_UNKNOWN_MOD);
	assert_string_equal(r->terms[10].text, "-all");
	/* include a mx ptr exists redirect */
	assert_int_equal(r->dns_terms, 6);
}

static void
syntax_errors_are_permerrors(void **state)
{
	/* clang-format off */
	static const struct { const char *rec; size_t off; } t[] = {
		{"v=spf1 foo:bar.example.com", 7}, /* unknown mechanism */
		{"v=spf1 a:museum", 9},		   /* no toplabel dot */
		{"v=spf1 a:foo.123", 9},		/* numeric toplabel */
		{"v=spf1 ip4:192.0.2.0/33", 21},
		{"v=spf1 ip4:192.0.2.0/024", 21},	/* leading zero */
		{"v=spf1 ip4:1.2.3", 11},
		{"v=spf1 ip6:2001:db8::/129", 22},
		{"v=spf1 a//129", 10},
		{"v=spf1 include", 14},
		{"v=spf1 all:x", 10},
		{"v=spf1 redirect=a.example redirect=b.example", 26},
		{"v=spf1 -redirect=a.example", 8},
		{"v=spf1 a:\xc3\xa9.example.com", 9},	/* non-ASCII */
		{"v=spf1 a:ctrl.example.com\rptr", 25},
		{"v=spf1 exists:%{x}.example.com", 14},
	};
	/* clang-format on */

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t off;
		parse(t[i].rec, MW_EINVAL, &off);
		if (off != t[i].off)
			fail_msg("\"%s\": error at %zu, want %zu", t[i].rec,
			    off, t[i].off);
	}
}

static void
record_selection_is_exact(void **state)
{
	assert_true(mw_spf_is_record((const uint8_t *)"v=spf1", 6));
	assert_true(mw_spf_is_record((const uint8_t *)"V=SPF1 -all", 11));
	assert_false(mw_spf_is_record((const uint8_t *)"v=spf10", 7));
	assert_false(mw_spf_is_record((const uint8_t *)"v=spf1-all", 10));
	assert_false(mw_spf_is_record((const uint8_t *)" v=spf1", 7));
	/* 4.6.1: extra and trailing spaces are fine */
	assert_int_equal(parse("v=spf1  a   -all ", 0, NULL)->n, 2);
	/* a domain-spec may end in a macro, or in "." toplabel "." */
	parse("v=spf1 exists:%{i}.%{d}", 0, NULL);
	parse("v=spf1 a:example.com.", 0, NULL);
	parse("v=spf1 a:foo-1.example.1-2", 0, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rfc7208_7_4_examples_expand_as_written),
	    cmocka_unit_test(explanation_letters_only_in_explanations),
	    cmocka_unit_test(macro_syntax_errors_are_refused),
	    cmocka_unit_test(long_expansions_lose_labels_on_the_left),
	    cmocka_unit_test(records_keep_every_term),
	    cmocka_unit_test(syntax_errors_are_permerrors),
	    cmocka_unit_test(record_selection_is_exact),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
