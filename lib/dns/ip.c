/*
 * ip.c - classifies IP addresses by the IANA special-purpose address
 * registries (RFC 6890, with the later additions named in the tables).
 *
 * The tables are data: the first entry whose prefix matches wins, so more
 * specific prefixes come first.  IPv4-mapped IPv6 addresses (RFC 4291
 * 2.5.5.2) are classified as the IPv4 address they carry.  Outside
 * 2000::/3 no IPv6 unicast space is allocated (IANA IPv6 address space
 * registry), so it is reserved.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "mailwhy/ip.h"

struct range {
	uint8_t prefix[16];
	uint8_t bits;
	enum mw_ip_class cls;
};

/* clang-format off */
static const struct range v4[] = {
	{{0}, 8, MW_IP_RESERVED},		  /* RFC 791 "this network" */
	{{10}, 8, MW_IP_PRIVATE},		  /* RFC 1918 */
	{{100, 64}, 10, MW_IP_RESERVED},	  /* RFC 6598 shared (CGN) */
	{{127}, 8, MW_IP_LOOPBACK},		  /* RFC 1122 3.2.1.3 */
	{{169, 254}, 16, MW_IP_LINK_LOCAL},	  /* RFC 3927 */
	{{172, 16}, 12, MW_IP_PRIVATE},		  /* RFC 1918 */
	{{192, 0, 0, 9}, 32, MW_IP_PUBLIC},	  /* RFC 7723 PCP anycast */
	{{192, 0, 0, 10}, 32, MW_IP_PUBLIC},	  /* RFC 8155 TURN anycast */
	{{192, 0, 0}, 24, MW_IP_RESERVED},	  /* RFC 6890 IETF protocol */
	{{192, 0, 2}, 24, MW_IP_DOCUMENTATION},	  /* RFC 5737 TEST-NET-1 */
	{{192, 88, 99}, 24, MW_IP_RESERVED},	  /* RFC 7526 6to4 relay */
	{{192, 168}, 16, MW_IP_PRIVATE},	  /* RFC 1918 */
	{{198, 18}, 15, MW_IP_RESERVED},	  /* RFC 2544 benchmarking */
	{{198, 51, 100}, 24, MW_IP_DOCUMENTATION}, /* RFC 5737 TEST-NET-2 */
	{{203, 0, 113}, 24, MW_IP_DOCUMENTATION}, /* RFC 5737 TEST-NET-3 */
	{{224}, 4, MW_IP_RESERVED},		  /* RFC 5771 multicast */
	{{240}, 4, MW_IP_RESERVED},		  /* RFC 1112 4; RFC 919
						     broadcast is in it */
};

static const struct range v6[] = {
	{{0}, 128, MW_IP_RESERVED},		  /* RFC 4291 unspecified */
	{{[15] = 1}, 128, MW_IP_LOOPBACK},	  /* RFC 4291 ::1 */
	{{0, 0x64, 0xff, 0x9b}, 96, MW_IP_PUBLIC}, /* RFC 6052 NAT64 */
	{{0, 0x64, 0xff, 0x9b, 0, 1}, 48, MW_IP_RESERVED}, /* RFC 8215 */
	{{1}, 64, MW_IP_RESERVED},		  /* RFC 6666 discard */
	{{0x20, 0x01, 0, 1, [15] = 1}, 128, MW_IP_PUBLIC}, /* RFC 7723 */
	{{0x20, 0x01, 0, 1, [15] = 2}, 128, MW_IP_PUBLIC}, /* RFC 8155 */
	{{0x20, 0x01, 0, 3}, 32, MW_IP_PUBLIC},	  /* RFC 7450 AMT */
	{{0x20, 0x01, 0, 4, 1, 0x12}, 48, MW_IP_PUBLIC}, /* RFC 7535 AS112 */
	{{0x20, 0x01, 0, 0x20}, 28, MW_IP_PUBLIC}, /* RFC 7343 ORCHIDv2 */
	{{0x20, 0x01, 0, 0x30}, 28, MW_IP_PUBLIC}, /* RFC 9374 DRIP */
	{{0x20, 0x01}, 23, MW_IP_RESERVED},	  /* RFC 2928 IETF protocol,
						     Teredo, benchmarking */
	{{0x20, 0x01, 0x0d, 0xb8}, 32, MW_IP_DOCUMENTATION}, /* RFC 3849 */
	{{0x3f, 0xff}, 20, MW_IP_DOCUMENTATION},  /* RFC 9637 */
	{{0x5f}, 16, MW_IP_RESERVED},		  /* RFC 9602 SRv6 SIDs */
	{{0x20}, 3, MW_IP_PUBLIC},		  /* global unicast */
	{{0xfc}, 7, MW_IP_PRIVATE},		  /* RFC 4193 unique local */
	{{0xfe, 0x80}, 10, MW_IP_LINK_LOCAL},	  /* RFC 4291 */
	{{0xff}, 8, MW_IP_RESERVED},		  /* RFC 4291 multicast */
};
/* clang-format on */

static bool
prefix_match(const uint8_t *addr, const struct range *r)
{
	size_t whole = r->bits / 8;
	unsigned rest = r->bits % 8;
	uint8_t mask;

	if (memcmp(addr, r->prefix, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - rest));
	return (addr[whole] & mask) == (r->prefix[whole] & mask);
}

static enum mw_ip_class
lookup(const uint8_t *addr, const struct range *t, size_t n,
    enum mw_ip_class otherwise)
{
	for (size_t i = 0; i < n; i++)
		if (prefix_match(addr, &t[i]))
			return t[i].cls;
	return otherwise;
}

enum mw_ip_class
mw_ip_classify(const uint8_t *addr, int family)
{
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};

	if (addr == NULL)
		return MW_IP_RESERVED;
	if (family == AF_INET)
		return lookup(
		    addr, v4, sizeof(v4) / sizeof(v4[0]), MW_IP_PUBLIC);
	if (family != AF_INET6)
		return MW_IP_RESERVED;
	if (memcmp(addr, mapped, sizeof(mapped)) == 0)
		return mw_ip_classify(addr + 12, AF_INET);
	return lookup(addr, v6, sizeof(v6) / sizeof(v6[0]), MW_IP_RESERVED);
}

const char *
mw_ip_class_name(enum mw_ip_class c)
{
	switch (c) {
	case MW_IP_PUBLIC:
		return "public";
	case MW_IP_PRIVATE:
		return "private";
	case MW_IP_LOOPBACK:
		return "loopback";
	case MW_IP_LINK_LOCAL:
		return "link-local";
	case MW_IP_DOCUMENTATION:
		return "documentation";
	case MW_IP_RESERVED:
		return "reserved";
	}
	return "reserved";
}
