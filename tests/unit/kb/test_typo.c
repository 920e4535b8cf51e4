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
#include <idn2.h>

#include "kb/kb_int.h"

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

/* A small LCG: the same domains on every run. */
static uint32_t
rnd(uint32_t *st, uint32_t n)
{
	*st = *st * 1664525u + 1013904223u;
	return (*st >> 8) % n;
}

static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789-.";

/* d with 1-4 random slips: drop, insert, substitute, swap, double. */
static void
near_miss(char *d, size_t cap, const char *from, uint32_t *st)
{
	size_t n = strlen(from), edits = 1 + rnd(st, 4);

	memcpy(d, from, n + 1);
	for (size_t e = 0; e < edits && n > 1 && n + 2 < cap; e++) {
		size_t i = rnd(st, (uint32_t)n);

		switch (rnd(st, 5)) {
		case 0:
			memmove(d + i, d + i + 1, n - i);
			n--;
			break;
		case 1:
			memmove(d + i + 1, d + i, n - i + 1);
			d[i] = alphabet[rnd(st, sizeof(alphabet) - 1)];
			n++;
			break;
		case 2:
			d[i] = alphabet[rnd(st, sizeof(alphabet) - 1)];
			break;
		case 3:
			if (i + 1 < n) {
				char c = d[i];

				d[i] = d[i + 1];
				d[i + 1] = c;
			}
			break;
		default:
			memmove(d + i + 1, d + i, n - i + 1);
			n++;
			break;
		}
	}
}

/* A random name: 1-3 labels of 1-16 characters, then a suffix. */
static void
random_domain(char *d, size_t cap, uint32_t *st)
{
	static const char *const sfx[] = {"com", "con", "cmo", "ru", "de",
	    "co.uk", "co.ul", "net", "nte", "org", "fr", "rf", "om", "c"};
	size_t n = 0, labels = 1 + rnd(st, 3);

	for (size_t l = 0; l < labels; l++) {
		size_t len = 1 + rnd(st, 16);

		for (size_t i = 0; i < len && n + 1 < cap - 8; i++)
			d[n++] = alphabet[rnd(st, 37)]; /* no dot */
		d[n++] = '.';
	}
	snprintf(d + n, cap - n, "%s",
	    sfx[rnd(st, sizeof(sfx) / sizeof(sfx[0]))]);
}

/* The QWERTY keys of data/gen_kb.py's Russian layout, back to Cyrillic. */
static int
as_wrong_layout(char *d, size_t cap, const char *latin)
{
	static const char keys[] = "f,dult;pbqrkvyjghcnea[wxio]sm'.z";
	char u[256];
	char *ace = NULL;
	size_t k = 0;

	for (const char *p = latin; *p != '\0' && k + 3 < sizeof(u); p++) {
		const char *q = *p >= 'a' && *p <= 'z' ?
		    memchr(keys, *p, sizeof(keys) - 1) : NULL;
		unsigned cp;

		if (q == NULL) {
			u[k++] = *p;
			continue;
		}
		cp = 0x430u + (unsigned)(q - keys); /* U+0430 .. U+044F */
		u[k++] = (char)(0xC0 | (cp >> 6));
		u[k++] = (char)(0x80 | (cp & 0x3F));
	}
	u[k] = '\0';
	if (idn2_to_ascii_8z(u, &ace, 0) != IDN2_OK)
		return -1;
	snprintf(d, cap, "%s", ace);
	idn2_free(ace);
	return 0;
}

/*
 * The candidate index and the cheap bounds change no verdict: over tens
 * of thousands of near misses of every provider, random names and
 * wrong-layout IDNs, with the built-in thresholds, caller thresholds and
 * caller lists, mw_typo_check() answers as the exhaustive reference (DP
 * against every target, kb_int.h) does, field for field.
 */
static void
the_index_changes_no_verdict(void **state)
{
	static const char *const domains[] = {"acme-widgets.com",
	    "customer.de"};
	static const char *const slds[] = {"yahoo", "hotmail"};
	static const char *const tlds[] = {"com", "co.uk", "fr"};
	struct mw_typo_opts lists = {.domains = domains, .ndomains = 2,
	    .slds = slds, .nslds = 2, .tlds = tlds, .ntlds = 3};
	struct mw_typo_opts c10 = {.max_cost = 10}, c30 = {.max_cost = 30};
	const struct mw_typo_opts *const optv[] = {NULL, &c10, &c30, &lists};
	struct mw_arena *a = NULL;
	size_t np = mw_kb_provider_count(), checked = 0, suggested = 0;
	uint32_t st = 20261126;
	char d[256], tmp[256];

	for (unsigned i = 0; i < 60000; i++) {
		struct mw_typo x, y;
		const char *what = d;

		if (i % 1024 == 0) {
			mw_arena_free(&a);
			assert_non_null(a = mw_arena_new(0));
		}
		switch (i % 8) {
		case 0: case 1: case 2: case 3: case 4:
			near_miss(d, sizeof(d),
			    mw_kb_provider_at(rnd(&st, (uint32_t)np))->domain,
			    &st);
			break;
		case 5: case 6:
			random_domain(d, sizeof(d), &st);
			break;
		default:
			near_miss(tmp, sizeof(tmp),
			    mw_kb_provider_at(rnd(&st, (uint32_t)np))->domain,
			    &st);
			if (as_wrong_layout(d, sizeof(d), tmp) != 0)
				continue;
			break;
		}
		if (rnd(&st, 16) == 0)
			d[0] = (char)(d[0] >= 'a' && d[0] <= 'z' ?
			    d[0] - 32 : d[0]);
		if (rnd(&st, 16) == 0 && strlen(d) + 1 < sizeof(d))
			strcat(d, ".");
		for (size_t k = 0; k < sizeof(optv) / sizeof(optv[0]); k++) {
			int rx = mw_typo_check(&x, a, what, optv[k]);
			int ry = mw__typo_check_exhaustive(&y, a, what,
			    optv[k]);

			assert_int_equal(rx, ry);
			if (x.kind != y.kind || x.cost != y.cost ||
			    x.domain_known != y.domain_known ||
			    !(x.suggestion == y.suggestion ||
			        (x.suggestion != NULL &&
			            y.suggestion != NULL &&
			            strcmp(x.suggestion, y.suggestion) == 0)))
				fail_msg("%s (opts %zu): indexed %d %s %u, "
				         "exhaustive %d %s %u",
				    what, k, x.kind,
				    x.suggestion ? x.suggestion : "-", x.cost,
				    y.kind, y.suggestion ? y.suggestion : "-",
				    y.cost);
			checked++;
			suggested += x.kind == MW_TYPO_PROVIDER;
		}
	}
	mw_arena_free(&a);
	print_message("%zu checks, %zu provider suggestions, 0 differ\n",
	    checked, suggested);
	/* The sample reaches the DP: many near misses are corrected. */
	assert_true(suggested > checked / 10);
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
		cmocka_unit_test(the_index_changes_no_verdict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
