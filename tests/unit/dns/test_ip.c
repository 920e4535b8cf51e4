/*
 * Unit tests of lib/dns/ip.c: one address per row of the special-purpose
 * registries (RFC 6890 and later), on both sides of each boundary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "mailwhy/ip.h"

/* clang-format off */
static const struct {
	const char *ip;
	enum mw_ip_class want;
} cases[] = {
	{"8.8.8.8", MW_IP_PUBLIC},
	{"0.1.2.3", MW_IP_RESERVED},		/* 0/8 */
	{"10.0.0.1", MW_IP_PRIVATE},		/* RFC 1918 */
	{"11.0.0.1", MW_IP_PUBLIC},
	{"100.63.255.255", MW_IP_PUBLIC},
	{"100.64.0.1", MW_IP_RESERVED},		/* RFC 6598 */
	{"100.127.255.255", MW_IP_RESERVED},
	{"100.128.0.0", MW_IP_PUBLIC},
	{"127.0.0.1", MW_IP_LOOPBACK},
	{"127.255.255.254", MW_IP_LOOPBACK},
	{"169.254.1.1", MW_IP_LINK_LOCAL},
	{"172.15.255.255", MW_IP_PUBLIC},
	{"172.16.0.1", MW_IP_PRIVATE},
	{"172.31.255.255", MW_IP_PRIVATE},
	{"172.32.0.0", MW_IP_PUBLIC},
	{"192.0.0.8", MW_IP_RESERVED},		/* RFC 6890 */
	{"192.0.0.9", MW_IP_PUBLIC},		/* RFC 7723 */
	{"192.0.2.25", MW_IP_DOCUMENTATION},	/* RFC 5737 */
	{"192.0.3.1", MW_IP_PUBLIC},
	{"192.88.99.1", MW_IP_RESERVED},	/* RFC 7526 */
	{"192.168.1.1", MW_IP_PRIVATE},
	{"198.17.255.255", MW_IP_PUBLIC},
	{"198.18.0.1", MW_IP_RESERVED},		/* RFC 2544 */
	{"198.19.255.255", MW_IP_RESERVED},
	{"198.20.0.0", MW_IP_PUBLIC},
	{"198.51.100.2", MW_IP_DOCUMENTATION},	/* the lab resolver */
	{"203.0.113.66", MW_IP_DOCUMENTATION},
	{"223.255.255.255", MW_IP_PUBLIC},
	{"224.0.0.1", MW_IP_RESERVED},		/* multicast */
	{"240.0.0.1", MW_IP_RESERVED},
	{"255.255.255.255", MW_IP_RESERVED},	/* broadcast */
	{"2a00:1450:4001::1", MW_IP_PUBLIC},
	{"::", MW_IP_RESERVED},
	{"::1", MW_IP_LOOPBACK},
	{"::2", MW_IP_RESERVED},
	{"::ffff:10.1.2.3", MW_IP_PRIVATE},	/* mapped: as IPv4 */
	{"::ffff:8.8.4.4", MW_IP_PUBLIC},
	{"64:ff9b::808:808", MW_IP_PUBLIC},	/* RFC 6052 */
	{"64:ff9b:1::1", MW_IP_RESERVED},	/* RFC 8215 */
	{"100::1", MW_IP_RESERVED},		/* RFC 6666 */
	{"2001::1", MW_IP_RESERVED},		/* Teredo */
	{"2001:2::1", MW_IP_RESERVED},		/* benchmarking */
	{"2001:4:112::1", MW_IP_PUBLIC},	/* AS112 */
	{"2001:db8::25", MW_IP_DOCUMENTATION},	/* RFC 3849 */
	{"2001:db9::1", MW_IP_PUBLIC},
	{"3fff::1", MW_IP_DOCUMENTATION},	/* RFC 9637 */
	{"4000::1", MW_IP_RESERVED},		/* outside 2000::/3 */
	{"fc00::1", MW_IP_PRIVATE},		/* RFC 4193 */
	{"fdff:ffff::1", MW_IP_PRIVATE},
	{"fe80::1", MW_IP_LINK_LOCAL},
	{"febf::1", MW_IP_LINK_LOCAL},
	{"fec0::1", MW_IP_RESERVED},		/* old site-local */
	{"ff02::1", MW_IP_RESERVED},		/* multicast */
};
/* clang-format on */

static void
every_registry_row_is_classified(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t addr[16];
		int family = strchr(cases[i].ip, ':') ? AF_INET6 : AF_INET;
		enum mw_ip_class got;

		assert_int_equal(inet_pton(family, cases[i].ip, addr), 1);
		got = mw_ip_classify(addr, family);
		if (got != cases[i].want)
			fail_msg("%s: %s, want %s", cases[i].ip,
			    mw_ip_class_name(got),
			    mw_ip_class_name(cases[i].want));
	}
}

static void
odd_inputs_are_reserved(void **state)
{
	uint8_t addr[16] = {8, 8, 8, 8};

	assert_int_equal(mw_ip_classify(NULL, AF_INET), MW_IP_RESERVED);
	assert_int_equal(mw_ip_classify(addr, AF_UNIX), MW_IP_RESERVED);
	assert_string_equal(mw_ip_class_name(MW_IP_LINK_LOCAL), "link-local");
	assert_string_equal(
	    mw_ip_class_name(MW_IP_DOCUMENTATION), "documentation");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_registry_row_is_classified),
	    cmocka_unit_test(odd_inputs_are_reserved),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
