/*
 * rfc5321.c - what SMTP accepts of a domain: host-name labels and
 * address literals.
 *
 * Implements RFC 5321 4.1.2 Domain (sub-domain = Let-dig [Ldh-str], with
 * the 63-octet label of RFC 1035 2.3.4) and 4.1.3 address-literal:
 * IPv4-address-literal, IPv6-address-literal in its four forms (IPv6-full,
 * IPv6-comp, IPv6v4-full, IPv6v4-comp) and General-address-literal.
 *
 * Two liberties, both shared by the isemail and iamcal corpora: "::"
 * standing for a single zero group is accepted with
 * MW_ADDR_W_IPV6_ONE_GROUP (RFC 4291 2.2 allows it; RFC 5321 4.1.3 says
 * "at least 2", RFC 5952 4.2.2 says not to write it), and the "IPv6:" tag
 * is matched without regard to case (RFC 5234 2.3: ABNF strings are
 * case-insensitive).  A General-address-literal is well formed but no tag
 * besides IPv6 is registered (RFC 5321 4.1.3), so SMTP has no use for it.
 *
 * Works on the content rfc5322.c collected; no allocation.
 */
#include <string.h>

#include "addr_int.h"

const char *
mw__addr_label_check(const uint8_t *p, size_t n, int *code, size_t *off)
{
	size_t i;

	*code = MW_ADDR_E_HOSTNAME;
	*off = 0;
	if (n > MW_ADDR_LABEL_MAX) {
		*code = MW_ADDR_E_LABEL_TOO_LONG;
		return N_("domain label longer than 63 octets");
	}
	if (n > 0 && p[0] == '-')
		return N_("domain label starts with a hyphen");
	for (i = 0; i < n; i++) {
		if (mw__addr_is(p[i], MW__C_LDH))
			continue;
		*off = i;
		if (p[i] == '_')
			return N_("underscore in a domain name (host names "
			          "allow letters, digits, hyphens)");
		return N_("character not allowed in a domain name (host names "
		          "allow letters, digits, hyphens)");
	}
	if (n > 0 && p[n - 1] == '-') {
		*off = n - 1;
		return N_("domain label ends with a hyphen");
	}
	return NULL;
}

/*
 * IPv4-address-literal = Snum 3("." Snum), Snum = 1*3DIGIT (0..255).
 * Returns NULL or the reason with *off.
 */
static const char *
ipv4(const uint8_t *p, size_t n, size_t *off)
{
	size_t i = 0, digits;
	unsigned part, v;

	for (part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= n || p[i] != '.') {
				*off = i;
				return N_("IPv4 address needs four numbers");
			}
			i++;
		}
		*off = i;
		for (v = 0, digits = 0; i < n && mw__addr_is(p[i], MW__C_DIGIT);
		     i++, digits++) {
			if (digits == 3)
				return N_("IPv4 number longer than 3 digits");
			v = v * 10 + (unsigned)(p[i] - '0');
		}
		if (digits == 0)
			return N_("IPv4 address needs four numbers");
		if (v > 255)
			return N_("IPv4 number over 255");
	}
	if (i != n) {
		*off = i;
		return N_("text after the IPv4 address");
	}
	return NULL;
}

/*
 * The text after "IPv6:".  Groups of 1*4HEXDIG separated by ':', at most
 * one "::", optionally ending in an IPv4 address worth two groups:
 * 8 groups without "::", at most 6 with it (7 with a warning).
 */
static const char *
ipv6(const uint8_t *p, size_t n, unsigned *warnings, size_t *off)
{
	size_t i = 0, j, groups = 0;
	bool compressed = false, v4 = false;
	const char *why;

	if (n >= 2 && p[0] == ':' && p[1] == ':') {
		compressed = true;
		i = 2;
	} else if (n >= 1 && p[0] == ':') {
		*off = 0;
		return N_("IPv6 address starts with a single colon");
	}
	while (i < n) {
		/* An IPv4 tail is the rest when it holds a dot. */
		for (j = i; j < n && p[j] != ':' && p[j] != '.'; j++)
			;
		if (j < n && p[j] == '.') {
			if ((why = ipv4(p + i, n - i, off)) != NULL) {
				*off += i;
				return why;
			}
			v4 = true;
			break;
		}
		*off = i;
		for (j = i; j < n && mw__addr_is(p[j], MW__C_HEX); j++)
			if (j - i == 4)
				return N_(
				    "IPv6 group longer than 4 hex digits");
		if (j == i)
			return p[i] == ':'
			           ? N_("':::' in an IPv6 address")
			           : N_("not a hex digit in an IPv6 address");
		groups++;
		i = j;
		if (i == n)
			break;
		if (p[i] != ':') {
			*off = i;
			return N_("not a hex digit in an IPv6 address");
		}
		i++;
		if (i < n && p[i] == ':') {
			if (compressed) {
				*off = i - 1;
				return N_("two '::' in an IPv6 address");
			}
			compressed = true;
			i++;
		} else if (i == n) {
			*off = i - 1;
			return N_("IPv6 address ends with a single colon");
		}
	}
	*off = 0;
	if (v4)
		groups += 2;
	if (!compressed && groups != 8)
		return N_("IPv6 address needs 8 groups (or '::')");
	if (compressed && groups > 7)
		return N_("too many groups in an IPv6 address with '::'");
	if (compressed && groups == 7)
		*warnings |= MW_ADDR_W_IPV6_ONE_GROUP;
	return NULL;
}

/* Standardized-tag = Ldh-str: letters, digits, hyphens, ending in
 * a letter or digit. */
static size_t
ldh_str(const uint8_t *p, size_t n)
{
	size_t i;

	if (n == 0 || p[0] == '-' || !mw__addr_is(p[0], MW__C_LDH))
		return 0;
	for (i = 1; i < n && mw__addr_is(p[i], MW__C_LDH); i++)
		;
	return p[i - 1] == '-' ? 0 : i;
}

/* Only hex digits, colons and dots: an IPv6 address, maybe untagged. */
static bool
hexish(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!mw__addr_is(p[i], MW__C_HEX) && p[i] != ':' && p[i] != '.')
			return false;
	return true;
}

const char *
mw__addr_literal(uint8_t *p, size_t n, unsigned *warnings, size_t *off)
{
	static const uint8_t tag[] = "IPv6:";
	bool colon = memchr(p, ':', n) != NULL;
	unsigned w = 0;
	const char *why;
	size_t i, t;

	*off = 0;
	if (!colon && n > 0 && mw__addr_is(p[0], MW__C_DIGIT))
		return ipv4(p, n, off);
	if (n >= 5 && (p[0] | 0x20) == 'i' && (p[1] | 0x20) == 'p' &&
	    (p[2] | 0x20) == 'v' && p[3] == '6' && p[4] == ':') {
		if ((why = ipv6(p + 5, n - 5, &w, off)) != NULL) {
			*off += 5;
			return why;
		}
		memcpy(p, tag, 5);
		for (i = 5; i < n; i++)
			if (p[i] >= 'A' && p[i] <= 'F')
				p[i] += 'a' - 'A';
		*warnings |= w;
		return NULL;
	}
	if (colon && hexish(p, n))
		return N_("IPv6 address literal without the \"IPv6:\" tag");
	/* General-address-literal = Standardized-tag ":" 1*dcontent */
	if ((t = ldh_str(p, n)) > 0 && t + 1 < n && p[t] == ':')
		return N_("address literal tag is not registered "
		          "(RFC 5321 4.1.3 knows IPv6 only)");
	return N_("not an IPv4 or IPv6 address literal");
}
