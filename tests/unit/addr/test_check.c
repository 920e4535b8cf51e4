/*
 * Unit tests of lib/addr/check.c offline: which findings and facts an
 * address gets from syntax, typos and the data lists alone (the DNS half
 * runs against the lab in tests/integration/addr_lab.py).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mailwhy/addr_check.h"

struct want {
	const char *name;
	const char *in;
	bool valid;
	const char *codes[4]; /* all must be present, nothing else */
	const char *suggestion;
};

static const struct want cases[] = {
	{"plain address, nothing to say", "ivan@example.org", true, {NULL},
	    NULL},
	{"empty input is addr.empty", "", false, {"addr.empty"}, NULL},
	{"syntax error has its own code", "user@@example.org", false,
	    {"addr.syntax"}, NULL},
	{"RFC 5321 4.5.3.1.1: 65-octet local part",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "@example.org", false, {"addr.local_too_long"}, NULL},
	{"quoted local part is valid but unwise", "\"a b\"@example.org", true,
	    {"addr.quoted_local"}, NULL},
	{"IP literal is valid but unwise", "a@[192.0.2.1]", true,
	    {"addr.ip_literal"}, NULL},
	{"UTF-8 local part needs SMTPUTF8", "иван@example.org", true,
	    {"addr.smtputf8"}, NULL},
	{"IDN domain is converted", "ivan@почта.рф", true, {"addr.idn"},
	    NULL},
	{"offline, a provider near-miss is only possible",
	    "ivan@gmail.con", true, {"addr.typo_possible"}, "ivan@gmail.com"},
	{"a known typo-squat is always an error", "ivan@gmial.com", true,
	    {"addr.typosquat"}, "ivan@gmail.com"},
	{"a legitimate look-alike is left alone", "ivan@gmx.com", true,
	    {NULL}, NULL},
	{"role and disposable", "info@mailinator.com", true,
	    {"addr.role", "addr.disposable"}, NULL},
};

static void
done(void *ud, struct mw_report *r)
{
	*(int *)ud += 1;
}

static void
offline_findings_match_the_table(void **state)
{
	struct mw_addr_check_opts o = {.offline = true};
	struct mw_addr_checker *c;

	assert_int_equal(mw_addr_checker_new(&c, NULL, &o, NULL), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct want *w = &cases[i];
		struct mw_arena *a = mw_arena_new(0);
		struct mw_report r;
		const struct mw_fact *f;
		size_t nwant = 0;
		int calls = 0;

		print_message("%s\n", w->name);
		mw_report_init(&r, a, "addr", w->in);
		assert_int_equal(mw_addr_check(c, &r, (const uint8_t *)w->in,
		    strlen(w->in), done, &calls), 0);
		assert_int_equal(calls, 1); /* offline: done at once */
		assert_true(mw_report_fact(&r, "valid")->b == w->valid);
		for (; nwant < 4 && w->codes[nwant]; nwant++)
			assert_true(mw_report_has(&r,
			    mw_catalog_find(w->codes[nwant])->id));
		assert_int_equal(r.nfindings, nwant);
		f = mw_report_fact(&r, "suggestion");
		if (w->suggestion)
			assert_string_equal(f->s, w->suggestion);
		else
			assert_int_equal(f->type, MW_FACT_NULL);
		mw_arena_free(&a);
	}
	mw_addr_checker_free(&c);
	assert_null(c);
}

static void
a_resolver_is_required_unless_offline(void **state)
{
	struct mw_addr_check_opts o = {.offline = false};
	struct mw_addr_checker *c;
	struct mw_err e;

	assert_int_equal(mw_addr_checker_new(&c, NULL, &o, &e), MW_EINVAL);
	assert_null(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(offline_findings_match_the_table),
		cmocka_unit_test(a_resolver_is_required_unless_offline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
