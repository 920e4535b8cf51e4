/*
 * Unit tests of lib/dnsbl and lib/ptr: the blocklist answer validation
 * table (RFC 5782 2.1 and 5; the Spamhaus error codes of FIELD-NOTES:
 * 127.255.255.252/254/255 are never "listed"; answers outside 127/8 are
 * a rewritten NXDOMAIN) and the generic PTR name patterns.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mailwhy/arena.h"
#include "mailwhy/dnsbl.h"
#include "mailwhy/ptr.h"

static void
dnsbl_answers_are_validated_rfc5782(void **state)
{
	static const struct {
		const char *zone, *answer;
		bool domain;
		enum mw_dnsbl_verdict v;
		enum mw_dnsbl_category c;
	} t[] = {
		{"zen.spamhaus.org", "127.0.0.2", false, MW_DNSBL_LISTED,
		    MW_DNSBL_C_SPAM},
		{"zen.spamhaus.org", "127.0.0.4", false, MW_DNSBL_LISTED,
		    MW_DNSBL_C_EXPLOIT},
		{"zen.spamhaus.org", "127.0.0.10", false, MW_DNSBL_LISTED,
		    MW_DNSBL_C_POLICY},
		{"zen.spamhaus.org", "127.0.0.11", false, MW_DNSBL_LISTED,
		    MW_DNSBL_C_POLICY},
		{"zen.spamhaus.org", "127.255.255.254", false, MW_DNSBL_REFUSED,
		    MW_DNSBL_C_REFUSED},
		{"zen.spamhaus.org", "127.255.255.252", false, MW_DNSBL_REFUSED,
		    MW_DNSBL_C_REFUSED},
		{"zen.spamhaus.org", "127.255.255.255", false, MW_DNSBL_REFUSED,
		    MW_DNSBL_C_REFUSED},
		{"zen.spamhaus.org", "127.0.0.1", false, MW_DNSBL_INVALID,
		    MW_DNSBL_C_INVALID},
		{"zen.spamhaus.org", "198.51.100.7", false, MW_DNSBL_REWRITTEN,
		    MW_DNSBL_C_INVALID},
		{"dbl.spamhaus.org", "127.0.1.2", true, MW_DNSBL_LISTED,
		    MW_DNSBL_C_DOMAIN},
		{"dbl.spamhaus.org", "127.0.1.255", true, MW_DNSBL_REFUSED,
		    MW_DNSBL_C_REFUSED},
		{"multi.uribl.com", "127.0.0.1", true, MW_DNSBL_REFUSED,
		    MW_DNSBL_C_REFUSED},
		{"bl.spamcop.net", "127.0.0.2", false, MW_DNSBL_LISTED,
		    MW_DNSBL_C_SPAM},
		/* A list not in the data: the RFC 5782 conventions. */
		{"bl.example", "127.0.0.3", false, MW_DNSBL_LISTED,
		    MW_DNSBL_C_SPAM},
		{"bl.example", "127.0.0.3", true, MW_DNSBL_LISTED,
		    MW_DNSBL_C_DOMAIN},
		{"bl.example", "127.255.255.254", false, MW_DNSBL_REFUSED,
		    MW_DNSBL_C_REFUSED},
		{"bl.example", "127.0.0.1", false, MW_DNSBL_INVALID,
		    MW_DNSBL_C_INVALID},
		{"bl.example", "10.0.0.1", false, MW_DNSBL_REWRITTEN,
		    MW_DNSBL_C_INVALID},
		{"bl.test", "127.0.0.4", false, MW_DNSBL_LISTED,
		    MW_DNSBL_C_POLICY},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct mw_dnsbl_judgement j;
		uint8_t a[4];
		assert_int_equal(inet_pton(AF_INET, t[i].answer, a), 1);
		mw_dnsbl_judge(&j, t[i].zone, t[i].domain, a);
		if (j.verdict != t[i].v || j.category != t[i].c)
			print_message("%s %s: %d/%d\n", t[i].zone, t[i].answer,
			    j.verdict, j.category);
		assert_int_equal(j.verdict, t[i].v);
		assert_int_equal(j.category, t[i].c);
		assert_non_null(j.meaning);
	}
}

static void
generic_ptr_patterns(void **state)
{
	static const struct {
		const char *name, *ip;
		bool generic;
	} t[] = {
		{"66.113.0.203.dyn.isp.test", "203.0.113.66", true},
		{"host-203-0-113-66.example.net", "203.0.113.66", true},
		{"203-0-113-66.static.example.net", "203.0.113.66", true},
		{"cb007142.example.net", "203.0.113.66", true},
		{"ppp-1-2.example.net", "203.0.113.66", true},
		{"dsl254-077.example.net", "203.0.113.77", true},
		{"pool.broadband.example.ru", "203.0.113.66", true},
		{"mail.sender.test", "203.0.113.10", false},
		{"mx.good.test", "198.51.100.25", false},
		{"mailhost.example.com", "203.0.113.66", false},
		{"smtp-out-113.example.com", "203.0.113.66", false},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint8_t a[4];
		const char *why = NULL;
		bool g;
		assert_int_equal(inet_pton(AF_INET, t[i].ip, a), 1);
		g = mw_ptr_is_generic(t[i].name, a, AF_INET, &why);
		if (g != t[i].generic)
			print_message("%s: %d\n", t[i].name, g);
		assert_int_equal(g, t[i].generic);
		assert_true(g == (why != NULL));
	}
}

static void
reverse_names(void **state)
{
	struct mw_arena *a = mw_arena_new(0);

	assert_string_equal(mw_ptr_reverse_name(a, "203.0.113.10"),
	    "10.113.0.203.in-addr.arpa");
	assert_string_equal(mw_ptr_reverse_name(a, "2001:db8::1"),
	    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2."
	    "ip6.arpa");
	assert_null(mw_ptr_reverse_name(a, "not-an-ip"));
	mw_arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dnsbl_answers_are_validated_rfc5782),
		cmocka_unit_test(generic_ptr_patterns),
		cmocka_unit_test(reverse_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
