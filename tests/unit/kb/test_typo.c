/*
 * Unit tests of lib/addr/typo.c: the typos that must be caught, the real
 * domains that must never be "corrected", and the distance itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "mailwhy/arena.h"
#include "mailwhy/err.h"
#include "mailwhy/kb.h"
#include "mailwhy/typo.h"

static const char *
kind_name(enum mw_typo_kind k)
{
	switch (k) {
	case MW_TYPO_NONE:
		return "none";
	case MW_TYPO_PROVIDER:
		return "provider";
	case MW_TYPO_TLD:
		return "tld";
	case MW_TYPO_SQUAT:
		return "squat";
	}
	return "?";
}

static void
typos_of_providers_are_caught(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"gmial.com", "gmail.com"},	/* swap */
		{"gmail.con", "gmail.com"},	/* neighbour key in TLD */
		{"gmai.com", "gmail.com"},	/* letter dropped */
		{"gmaik.com", "gmail.com"},
		{"gmail.cmo", "gmail.com"},
		{"gmailc.om", "gmail.com"},	/* dot moved */
		{"gmailcom", "gmail.com"},	/* dot dropped */
		{"gnail.con", "gmail.com"},	/* two neighbour keys */
		{"GMAIL.CON", "gmail.com"},	/* case is folded */
		{"hotmial.com", "hotmail.com"},
		{"hotmail.co", "hotmail.com"},
		{"hotmaill.com", "hotmail.com"},
		{"homail.con", "hotmail.com"},
		{"yahooo.com", "yahoo.com"},
		{"yahoo.cmo", "yahoo.com"},
		{"yaho.com", "yahoo.com"},
		{"yahooo.cmo", "yahoo.com"},
		{"yandex.ry", "yandex.ru"},
		{"yndex.ru", "yandex.ru"},
		{"yanedx.ru", "yandex.ru"},
		{"yandex.rj", "yandex.ru"},
		{"mail.ry", "mail.ru"},
		{"maill.ru", "mail.ru"},
		{"mial.ru", "mail.ru"},
		{"rambler.ry", "rambler.ru"},
		{"rambeler.ru", "rambler.ru"},
		{"outlok.com", "outlook.com"},
		{"outlool.com", "outlook.com"},
		{"icloud.cmo", "icloud.com"},
		{"iclould.com", "icloud.com"},
		{"protonmail.con", "protonmail.com"},
		{"googlemail.con", "googlemail.com"},
		{"comcast.nte", "comcast.net"},
		{"inbox.ry", "inbox.ru"},
		{"bk.ry", "bk.ru"},
		{"lisr.ru", "list.ru"},
		{"tahoo.com", "yahoo.com"},	/* neighbouring first key */
		{"fmail.com", "gmail.com"},
		{"mgail.com", "gmail.com"},	/* first two swapped */
		{"xgmail.com", "gmail.com"},	/* extra first letter */
		{"ahoo.com", "yahoo.com"},	/* first letter dropped */
		{"gmail.com.", NULL},		/* trailing dot: exact */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mw_arena *a = mw_arena_new(0);
		struct mw_typo t;

		assert_int_equal(mw_typo_check(&t, a, cases[i].in, NULL), 0);
		if (cases[i].want == NULL) {
			if (t.kind != MW_TYPO_NONE)
				fail_msg("%s: unexpected %s %s", cases[i].in,
				    kind_name(t.kind), t.suggestion);
		} else if (t.suggestion == NULL ||
		    strcmp(t.suggestion, cases[i].want) != 0) {
			fail_msg("%s: want %s, got %s %s", cases[i].in,
			    cases[i].want, kind_name(t.kind),
			    t.suggestion ? t.suggestion : "(none)");
		}
		mw_arena_free(&a);
	}
}

static void
real_domains_are_never_typos(void **state)
{
	static const char *const cases[] = {
		/* providers and legit look-alikes */
		"gmail.com", "gmx.com", "gmx.de", "gmx.net", "mail.com",
		"email.com", "me.com", "mac.com", "ya.ru", "bk.ru", "live.com",
		"msn.com", "aim.com", "ymail.com", "mail.de", "mai.ru",
		"mil.ru", "vk.ru", "vk.com", "ok.ru", "inbox.lv", "list.ru",
		"yandex.com", "hotmail.co.uk", "yahoo.co.jp", "qq.com",
		"163.com", "126.com", "web.de", "google.com",
		/* ordinary domains */
		"example.org", "example.com", "gmbh-mueller.de",
		"mueller-gmbh.de", "company.ru", "acme.co", "startup.io",
		"university.edu", "kremlin.ru", "gosuslugi.ru",
		/* three or more edits away from anything */
		"gmxyzz.com", "yxxdex.ru", "hoooottmail.com",
		/* a real ccTLD typed in full is meant */
		"free.de", "orange.de", "yahoo.cn", "live.cn", "mail.by",
		/* short and near short providers: not enough evidence */
		"vk.ru", "bx.ru", "qqq.org", "aol.de", "mail.kz",
		/* address literals and empty input */
		"[192.0.2.1]", "",
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mw_arena *a = mw_arena_new(0);
		struct mw_typo t;

		assert_int_equal(mw_typo_check(&t, a, cases[i], NULL), 0);
		if (t.kind != MW_TYPO_NONE)
			fail_msg("%s: flagged as %s -> %s (cost %u)", cases[i],
			    kind_name(t.kind), t.suggestion, t.cost);
		mw_arena_free(&a);
	}
}

static void
known_domains_say_so(void **state)
{
	struct mw_typo t;

	assert_int_equal(mw_typo_check(&t, NULL, "gmx.com", NULL), 0);
	assert_true(t.domain_known);
	assert_int_equal(mw_typo_check(&t, NULL, "Mail.Ru", NULL), 0);
	assert_true(t.domain_known);
	assert_int_equal(mw_typo_check(&t, NULL, "example.org", NULL), 0);
	assert_false(t.domain_known);
	assert_int_equal(mw_typo_check(&t, NULL, "gmial.com", NULL), 0);
	assert_false(t.domain_known);
}

static void
squats_are_reported_as_squats(void **state)
{
	struct mw_typo t;

	assert_int_equal(mw_typo_check(&t, NULL, "gmail.cm", NULL), 0);
	assert_int_equal(t.kind, MW_TYPO_SQUAT);
	assert_string_equal(t.suggestion, "gmail.com");
	assert_int_equal(mw_typo_check(&t, NULL, "yandeks.ru", NULL), 0);
	assert_int_equal(t.kind, MW_TYPO_SQUAT);
	assert_string_equal(t.suggestion, "yandex.ru");
	assert_string_equal(mw_kb_typosquat("gmial.com"), "gmail.com");
	assert_null(mw_kb_typosquat("gmail.com"));
}

static void
a_mistyped_suffix_is_fixed_for_any_domain(void **state)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_typo t;

	assert_int_equal(mw_typo_check(&t, a, "randomsmallcompany.cmo", NULL),
	    0);
	assert_int_equal(t.kind, MW_TYPO_TLD);
	assert_string_equal(t.suggestion, "randomsmallcompany.com");
	assert_int_equal(mw_typo_check(&t, a, "firma.ry", NULL), 0);
	assert_int_equal(t.kind, MW_TYPO_TLD);
	assert_string_equal(t.suggestion, "firma.ru");
	assert_int_equal(mw_typo_check(&t, a, "shop.co.ul", NULL), 0);
	assert_string_equal(t.suggestion, "shop.co.uk");
	assert_int_equal(mw_typo_check(&t, a, "site.rf", NULL), 0);
	assert_string_equal(t.suggestion, "site.xn--p1ai");
	/* Real TLDs are left alone: .co is Colombia, .cm Cameroon. */
	assert_int_equal(mw_typo_check(&t, a, "company.co", NULL), 0);
	assert_int_equal(t.kind, MW_TYPO_NONE);
	assert_int_equal(mw_typo_check(&t, a, "company.cm", NULL), 0);
	assert_int_equal(t.kind, MW_TYPO_NONE);
	/* A suggestion that needs building needs an arena. */
	assert_int_equal(mw_typo_check(&t, NULL, "firma.ry", NULL),
	    MW_EINVAL);
	mw_arena_free(&a);
}

static void
caller_lists_work_like_mailcheck(void **state)
{
	static const char *const domains[] = {"acme-widgets.com",
	    "customer.de"};
	static const char *const slds[] = {"yahoo", "hotmail"};
	static const char *const tlds[] = {"com", "co.uk", "fr"};
	struct mw_typo_opts o = {domains, 2, slds, 2, tlds, 3, 0, false};
	struct mw_arena *a = mw_arena_new(0);
	struct mw_typo t;

	assert_int_equal(mw_typo_check(&t, a, "acme-wigdets.com", &o), 0);
	assert_int_equal(t.kind, MW_TYPO_PROVIDER);
	assert_string_equal(t.suggestion, "acme-widgets.com");
	assert_int_equal(mw_typo_check(&t, a, "customer.de", &o), 0);
	assert_true(t.domain_known);
	/* Built-ins still apply unless no_builtin. */
	assert_int_equal(mw_typo_check(&t, a, "gmial.com", &o), 0);
	assert_string_equal(t.suggestion, "gmail.com");
	o.no_builtin = true;
	assert_int_equal(mw_typo_check(&t, a, "gmx.com", &o), 0);
	assert_false(t.domain_known);
	/* A listed first label with a listed suffix is left alone. */
	assert_int_equal(mw_typo_check(&t, a, "yahoo.fr", &o), 0);
	assert_int_equal(t.kind, MW_TYPO_NONE);
	assert_int_equal(mw_typo_check(&t, a, "yahooo.fr", &o), 0);
	assert_string_equal(t.suggestion, "yahoo.fr");
	mw_arena_free(&a);
}

static void
the_russian_layout_slip_is_read_back(void **state)
{
	struct mw_typo t;

	/* "пьфшдюсщь": gmail.com typed with the ЙЦУКЕН layout on. */
	assert_int_equal(mw_typo_check(&t, NULL, "xn--d1avhkuiqfp", NULL),
	    0);
	assert_int_equal(t.kind, MW_TYPO_PROVIDER);
	assert_string_equal(t.suggestion, "gmail.com");
	/* "ьфшдюкг" is mail.ru; "яндекс.рф" is a real word, not a slip. */
	assert_int_equal(mw_typo_check(&t, NULL, "xn--c1abs2buwr", NULL), 0);
	assert_int_equal(t.kind, MW_TYPO_PROVIDER);
	assert_string_equal(t.suggestion, "mail.ru");
	assert_int_equal(mw_typo_check(&t, NULL, "xn--d1acpjx3f.xn--p1ai",
	    NULL), 0);
	assert_int_equal(t.kind, MW_TYPO_NONE);
}

static void
distance_weighs_keyboard_slips(void **state)
{
	assert_int_equal(mw_typo_distance("gmail.com", "gmail.com", 30), 0);
	assert_int_equal(mw_typo_distance("gmial.com", "gmail.com", 30), 5);
	assert_int_equal(mw_typo_distance("gmaill.com", "gmail.com", 30), 5);
	assert_int_equal(mw_typo_distance("outlok.com", "outlook.com", 30), 5);
	assert_int_equal(mw_typo_distance("gnail.com", "gmail.com", 30), 6);
	assert_int_equal(mw_typo_distance("gqail.com", "gmail.com", 30), 10);
	assert_int_equal(mw_typo_distance("gmai.com", "gmail.com", 30), 10);
	assert_int_equal(mw_typo_distance("xgmail.com", "gmail.com", 30), 10);
	/* Early exit: anything past the bound is bound + 1. */
	assert_int_equal(mw_typo_distance("example.org", "gmail.com", 12), 13);
	assert_int_equal(mw_typo_distance("a", "abcdefghij", 20), 21);
}

static void
closest_matches_findclosestdomain(void **state)
{
	static const char *const tlds[] = {"co.uk", "com", "org", "info",
	    "fr"};
	unsigned cost;

	assert_string_equal(mw_typo_closest(&cost, "cmo", tlds, 5, 20),
	    "com");
	assert_string_equal(mw_typo_closest(&cost, "com.uk", tlds, 5, 20),
	    "co.uk");
	assert_string_equal(mw_typo_closest(&cost, "org", tlds, 5, 20),
	    "org");
	assert_int_equal(cost, 0);
	assert_null(mw_typo_closest(&cost, "xyzzy", tlds, 5, 20));
}

static void
same_typo(const struct mw_typo *x, const struct mw_typo *y, const char *d)
{
	if (x->kind != y->kind || x->cost != y->cost ||
	    x->domain_known != y->domain_known ||
	    !(x->suggestion == y->suggestion ||
	        (x->suggestion != NULL && y->suggestion != NULL &&
	            strcmp(x->suggestion, y->suggestion) == 0)))
		fail_msg("%s: memo and direct check differ", d);
}

/*
 * The memo answers as mw_typo_check() does, on first sight, on a hit and
 * after it was flooded past its capacity (least recently used evicted),
 * also with caller lists, and a suggestion built for the domain lands in
 * the caller's arena.
 */
static void
the_memo_answers_as_the_check_does(void **state)
{
	static const char *const doms[] = {"gmail.com", "gmial.com",
	    "gmail.con", "company.con", "acme.co.ul", "yandex.ru", "mail.ru",
	    "globalsolutions.net", "hotmial.com", "gmai1.com", "example.org",
	    "xn--80a1acny.xn--p1ai", "yaho.com", "[192.0.2.1]", "gmail.com."};
	static const char *const mine[] = {"acme-corp.com"};
	struct mw_typo_opts o = {.domains = mine, .ndomains = 1};
	struct mw_arena *a = mw_arena_new(0);
	struct mw_typo_memo *m = NULL, *mo = NULL;
	struct mw_typo x, y;
	unsigned long hits, misses;
	char d[64];

	assert_int_equal(mw_typo_memo_new(&m, NULL), 0);
	assert_int_equal(mw_typo_memo_new(&mo, &o), 0);
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < sizeof(doms) / sizeof(doms[0]); i++) {
			assert_int_equal(
			    mw_typo_check(&x, a, doms[i], NULL), 0);
			assert_int_equal(mw_typo_check_memo(&y, m, a, doms[i],
			                     strlen(doms[i])),
			    0);
			same_typo(&x, &y, doms[i]);
			assert_int_equal(mw_typo_check(&x, a, doms[i], &o), 0);
			assert_int_equal(mw_typo_check_memo(&y, mo, a,
			                     doms[i], strlen(doms[i])),
			    0);
			same_typo(&x, &y, doms[i]);
		}
		/* Flood it: every domain above is evicted by round 2. */
		for (unsigned k = 0; round == 1 && k < 4 * 16384; k++) {
			snprintf(d, sizeof(d), "flood%u.con", k);
			assert_int_equal(
			    mw_typo_check_memo(&y, m, a, d, strlen(d)), 0);
			assert_int_equal(y.kind, MW_TYPO_TLD);
			snprintf(d, sizeof(d), "flood%u.com", k);
			assert_string_equal(y.suggestion, d);
		}
	}
	mw_typo_memo_stats(m, &hits, &misses);
	assert_true(hits >= sizeof(doms) / sizeof(doms[0]));
	assert_true(misses >= 4 * 16384);
	/* A built suggestion is the caller's, in its arena. */
	assert_int_equal(mw_typo_check_memo(&y, m, NULL, "company.con", 11),
	    MW_EINVAL);
	assert_int_equal(mw_typo_check_memo(&y, m, a, "company.con", 3),
	    MW_EINVAL); /* len is not strlen */
	mw_typo_memo_free(&m);
	mw_typo_memo_free(&mo);
	assert_null(m);
	mw_arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(typos_of_providers_are_caught),
		cmocka_unit_test(real_domains_are_never_typos),
		cmocka_unit_test(known_domains_say_so),
		cmocka_unit_test(squats_are_reported_as_squats),
		cmocka_unit_test(a_mistyped_suffix_is_fixed_for_any_domain),
		cmocka_unit_test(caller_lists_work_like_mailcheck),
		cmocka_unit_test(the_russian_layout_slip_is_read_back),
		cmocka_unit_test(distance_weighs_keyboard_slips),
		cmocka_unit_test(closest_matches_findclosestdomain),
		cmocka_unit_test(the_memo_answers_as_the_check_does),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
