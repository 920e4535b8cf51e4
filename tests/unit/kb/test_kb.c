/*
 * Unit tests of lib/kb: the built-in lists load, are well formed, and
 * answer role, disposable, provider and look-alike questions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mailwhy/kb.h"

static bool
ldh_domain(const char *d)
{
	size_t label = 0, labels = 0;

	for (const char *p = d;; p++) {
		if (*p == '.' || *p == '\0') {
			if (label == 0 || label > 63 || p[-1] == '-')
				return false;
			labels++;
			label = 0;
			if (*p == '\0')
				break;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
			(*p == '-' && label > 0)))
			return false;
		label++;
	}
	return labels >= 2 && strlen(d) <= 253;
}

static void
every_provider_is_a_lower_case_ldh_domain(void **state)
{
	struct mw_kb_stats st;
	size_t n = mw_kb_provider_count();

	mw_kb_stats(&st);
	assert_true(st.providers >= 100);
	assert_true(st.disposable >= 200);
	assert_true(st.roles >= 30);
	assert_true(st.tld_typos >= 20);
	assert_true(st.typosquats >= 20);
	assert_true(st.lookalikes >= 20);
	assert_int_equal(n, st.providers);
	for (size_t i = 0; i < n; i++) {
		const struct mw_kb_provider *p = mw_kb_provider_at(i);

		if (!ldh_domain(p->domain))
			fail_msg("provider %zu: bad domain %s", i, p->domain);
		assert_non_null(p->name);
		assert_non_null(p->region);
		assert_non_null(p->group);
		/* Each is found again through the hash. */
		assert_ptr_equal(mw_kb_provider(p->domain), p);
		for (size_t j = 0; j < i; j++)
			if (strcmp(mw_kb_provider_at(j)->domain,
				p->domain) == 0)
				fail_msg("duplicate provider %s", p->domain);
	}
	assert_null(mw_kb_provider_at(n));
}

static void
providers_are_found_with_their_facts(void **state)
{
	const struct mw_kb_provider *p;

	p = mw_kb_provider("gmail.com");
	assert_non_null(p);
	assert_string_equal(p->name, "Gmail");
	assert_string_equal(p->group, "google");
	p = mw_kb_provider("GoogleMail.com.");
	assert_non_null(p);
	assert_string_equal(p->group, "google");
	p = mw_kb_provider("bk.ru");
	assert_non_null(p);
	assert_string_equal(p->name, "Mail.ru");
	assert_string_equal(p->region, "RU");
	assert_non_null(mw_kb_provider("yandex.kz"));
	assert_non_null(mw_kb_provider("rambler.ru"));
	assert_null(mw_kb_provider("example.com"));
	assert_null(mw_kb_provider("mail.gmail.com"));
	assert_null(mw_kb_provider(""));
	assert_null(mw_kb_provider(NULL));
}

static void
lookalikes_are_legit(void **state)
{
	static const char *const yes[] = {"gmx.com", "gmx.de", "mail.com",
	    "me.com", "mac.com", "ya.ru", "bk.ru", "live.com", "msn.com",
	    "aim.com", "ymail.com", "mail.de", "mai.ru"};
	static const char *const no[] = {"gmial.com", "example.com",
	    "gmail.cm", ""};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!mw_kb_is_lookalike_legit(yes[i]))
			fail_msg("%s should be legit", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (mw_kb_is_lookalike_legit(no[i]))
			fail_msg("%s should not be legit", no[i]);
}

static void
roles_are_found_with_tags_digits_and_tokens(void **state)
{
	static const char *const yes[] = {"postmaster", "abuse", "info",
	    "INFO", "Support", "no-reply", "noreply", "do-not-reply",
	    "mailer-daemon", "info+shop", "support2", "sales-eu",
	    "info.msk", "support_team", "buh", "buhgalteriya", "priemnaya",
	    "kadry", "zakaz", "webmaster", "hostmaster", "office"};
	static const char *const no[] = {"ivan", "ivan.petrov", "john.sales",
	    "informatics", "salesman", "admiral", "supporter", "bukh.anna",
	    "\"info\"", "", "+info", "2"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!mw_kb_is_role(yes[i]))
			fail_msg("%s should be a role", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (mw_kb_is_role(no[i]))
			fail_msg("%s should not be a role", no[i]);
	assert_false(mw_kb_is_role(NULL));
}

static void
disposable_domains_and_their_subdomains(void **state)
{
	assert_true(mw_kb_is_disposable("mailinator.com"));
	assert_true(mw_kb_is_disposable("MAILINATOR.COM"));
	assert_true(mw_kb_is_disposable("guerrillamail.com"));
	assert_true(mw_kb_is_disposable("10minutemail.com"));
	assert_true(mw_kb_is_disposable("yopmail.com"));
	assert_true(mw_kb_is_disposable("temp-mail.org"));
	assert_true(mw_kb_is_disposable("trashmail.com"));
	assert_true(mw_kb_is_disposable("foo.mailinator.com"));
	assert_true(mw_kb_is_disposable("a.b.yopmail.com."));
	assert_false(mw_kb_is_disposable("gmail.com"));
	assert_false(mw_kb_is_disposable("notmailinator.co"));
	assert_false(mw_kb_is_disposable("xmailinator.com"));
	assert_false(mw_kb_is_disposable("com"));
	assert_false(mw_kb_is_disposable(""));
	assert_false(mw_kb_is_disposable(NULL));
}

static void
tld_fixes_never_touch_real_tlds(void **state)
{
	assert_string_equal(mw_kb_tld_fix("con"), "com");
	assert_string_equal(mw_kb_tld_fix("ry"), "ru");
	assert_string_equal(mw_kb_tld_fix("co.ul"), "co.uk");
	assert_null(mw_kb_tld_fix("co"));
	assert_null(mw_kb_tld_fix("cm"));
	assert_null(mw_kb_tld_fix("om"));
	assert_null(mw_kb_tld_fix("ne"));
	assert_null(mw_kb_tld_fix("com"));
	assert_null(mw_kb_tld_fix("su"));
	assert_null(mw_kb_tld_fix(""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_provider_is_a_lower_case_ldh_domain),
		cmocka_unit_test(providers_are_found_with_their_facts),
		cmocka_unit_test(lookalikes_are_legit),
		cmocka_unit_test(roles_are_found_with_tags_digits_and_tokens),
		cmocka_unit_test(disposable_domains_and_their_subdomains),
		cmocka_unit_test(tld_fixes_never_touch_real_tlds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
