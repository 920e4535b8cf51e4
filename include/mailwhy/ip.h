/*
 * ip.h - what kind of address an IP is (RFC 6890 special-purpose
 * registries): mail to a private, loopback or documentation address cannot
 * come from or go to the Internet, and saying so beats a timeout.
 */
#ifndef MAILWHY_IP_H
#define MAILWHY_IP_H

#include <stdint.h>

enum mw_ip_class {
	MW_IP_PUBLIC,        /* globally reachable */
	MW_IP_PRIVATE,       /* RFC 1918, fc00::/7 (RFC 4193) */
	MW_IP_LOOPBACK,      /* 127/8, ::1 */
	MW_IP_LINK_LOCAL,    /* 169.254/16, fe80::/10 */
	MW_IP_DOCUMENTATION, /* RFC 5737, 2001:db8::/32 (RFC 3849) */
	MW_IP_RESERVED       /* everything else not globally reachable:
	                        0/8, 100.64/10, 192.0.0/24, 198.18/15,
	                        multicast, 240/4, broadcast, ::, ... */
};

/*
 * addr holds 4 bytes for AF_INET or 16 for AF_INET6, in network order.
 * IPv4-mapped IPv6 (::ffff:a.b.c.d) is classified as its IPv4 address.
 * An unknown family is MW_IP_RESERVED.
 */
enum mw_ip_class mw_ip_classify(const uint8_t *addr, int family);

/* "public", "private", "loopback", "link-local", "documentation",
 * "reserved". */
const char *mw_ip_class_name(enum mw_ip_class c);

#endif
