/*
 * spf_record.c - the SPF record parser (RFC 7208 4.5, 4.6, 5, 6, 12).
 *
 * A record is "v=spf1" then terms separated by spaces.  The whole record
 * is checked before anything is evaluated (4.6: any syntax error is
 * permerror): every byte printable ASCII, each term a directive
 * ([qualifier] mechanism) or a modifier (name=value), each domain-spec a
 * valid macro-string ending in a macro or "." toplabel (12), CIDR
 * lengths in range without leading zeros, redirect and exp at most once
 * (6).  Unknown mechanisms are syntax errors; unknown modifiers are kept
 * and ignored.
 *
 * No I/O.  Limits: MW_SPF_TERMS_MAX terms.  Everything returned is in the
 * caller's arena.
 */
#include <arpa/inet.h>
#include <string.h>

#include "mailwhy/slice.h"
#include "mailwhy/spf.h"
#include "util/limits.h"

static const struct {
	const char *name;
	enum mw_spf_kind kind;
} mechs[] = {
    {"all", MW_SPF_ALL},
    {"include", MW_SPF_INCLUDE},
    {"a", MW_SPF_A},
    {"mx", MW_SPF_MX},
    {"ptr", MW_SPF_PTR},
    {"ip4", MW_SPF_IP4},
    {"ip6", MW_SPF_IP6},
    {"exists", MW_SPF_EXISTS},
};

bool
mw_spf_is_record(const uint8_t *p, size_t len)
{
	static const char v[] = "v=spf1";

	if (len < 6)
		return false;
	for (size_t i = 0; i < 6; i++)
		if ((p[i] | 0x20) != v[i])
			return false;
	return len == 6 || p[6] == ' ';
}

const char *
mw_spf_result_name(enum mw_spf_result r)
{
	static const char *const n[] = {"none", "neutral", "pass", "fail",
	    "softfail", "temperror", "permerror"};

	return (unsigned)r < sizeof(n) / sizeof(n[0]) ? n[r] : "?";
}

const char *
mw_spf_kind_name(enum mw_spf_kind k)
{
	static const char *const n[] = {"all", "include", "a", "mx", "ptr",
	    "ip4", "ip6", "exists", "redirect", "exp", "modifier"};

	return (unsigned)k < sizeof(n) / sizeof(n[0]) ? n[k] : "?";
}

static bool
alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* toplabel (12): alphanumerics and hyphens, alphanumeric at both ends,
 * and not all digits unless a hyphen is in it. */
static bool
toplabel(const uint8_t *p, size_t len)
{
	bool letter = false, hyphen = false;

	if (len == 0 || !alnum(p[0]) || !alnum(p[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '-')
			hyphen = true;
		else if (!alnum(p[i]))
			return false;
		else if (p[i] > '9')
			letter = true;
	}
	return letter || hyphen;
}

/* domain-spec = macro-string domain-end (12). */
static int
domain_spec(const uint8_t *p, size_t len, size_t off, struct mw_err *err)
{
	size_t last_macro_end = 0, end = len, dot;
	struct mw_err e;

	if (len == 0)
		return mw_err_set(err, MW_EINVAL, "spf", off, "empty domain");
	if (mw_spf_macro_check(p, len, 0, &e) != 0)
		return mw_err_set(
		    err, MW_EINVAL, "spf", off + e.offset, "%s", e.msg);
	/* Where the last macro-expand ends (the string is valid now). */
	for (size_t i = 0; i < len;) {
		if (p[i] != '%') {
			i++;
			continue;
		}
		if (p[i + 1] == '{') {
			const uint8_t *c = memchr(p + i, '}', len - i);
			i = (size_t)(c - p) + 1;
		} else {
			i += 2;
		}
		last_macro_end = i;
	}
	if (last_macro_end == len)
		return 0; /* domain-end = macro-expand */
	if (p[end - 1] == '.')
		end--;
	for (dot = end; dot > last_macro_end && p[dot - 1] != '.'; dot--)
		;
	if (dot <= last_macro_end || dot == 0 || !toplabel(p + dot, end - dot))
		return mw_err_set(err, MW_EINVAL, "spf", off,
		    "'%.*s' is not a valid domain (it must end in a "
		    "top-level label)",
		    (int)(len > 64 ? 64 : len), p);
	return 0;
}

/* "/" ("0" / %x31-39 0*nDIGIT), value at most max. */
static bool
cidr(const uint8_t *p, size_t len, int max, int *out)
{
	int v = 0;

	if (len == 0 || len > 3 || (p[0] == '0' && len > 1))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (p[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

static bool
digits_only(const uint8_t *p, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

/* Cuts "[/n4][//n6]" off the end of a/mx arguments (12). */
static int
dual_cidr(struct mw_spf_term *t, const uint8_t *p, size_t *len, size_t off,
    struct mw_err *err)
{
	size_t n = *len, i;

	/* "//n6" */
	for (i = n; i > 0 && p[i - 1] >= '0' && p[i - 1] <= '9'; i--)
		;
	if (i >= 2 && i < n && p[i - 1] == '/' && p[i - 2] == '/') {
		if (!cidr(p + i, n - i, 128, &t->cidr6))
			return mw_err_set(err, MW_EINVAL, "spf", off + i,
			    "bad IPv6 prefix length");
		n = i - 2;
	}
	for (i = n; i > 0 && p[i - 1] >= '0' && p[i - 1] <= '9'; i--)
		;
	if (i >= 1 && i < n && p[i - 1] == '/') {
		if (!cidr(p + i, n - i, 32, &t->cidr4))
			return mw_err_set(err, MW_EINVAL, "spf", off + i,
			    "bad IPv4 prefix length");
		n = i - 1;
	}
	if (n > 0 && p[n - 1] == '/')
		return mw_err_set(
		    err, MW_EINVAL, "spf", off + n, "bad prefix length");
	*len = n;
	return 0;
}

/* Strict dotted quad, 0-255 each, no leading zeros (RFC 7208 12,
 * RFC 3986 dec-octet). */
static bool
ip4(const uint8_t *p, size_t len, uint8_t out[4])
{
	size_t i = 0;

	for (int k = 0; k < 4; k++) {
		size_t s = i;
		unsigned v = 0;
		while (i < len && p[i] >= '0' && p[i] <= '9' && i - s < 3)
			v = v * 10 + (unsigned)(p[i++] - '0');
		if (i == s || v > 255 || (p[s] == '0' && i - s > 1))
			return false;
		out[k] = (uint8_t)v;
		if (k < 3 && (i >= len || p[i++] != '.'))
			return false;
	}
	return i == len;
}

static bool
ip6(const uint8_t *p, size_t len, uint8_t out[16])
{
	char buf[64];

	if (len == 0 || len >= sizeof(buf))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!(alnum(p[i]) || p[i] == ':' || p[i] == '.'))
			return false;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return inet_pton(AF_INET6, buf, out) == 1;
}

static int
mechanism(struct mw_spf_term *t, const uint8_t *p, size_t len, size_t off,
    struct mw_err *err)
{
	size_t nlen = 0, rest;
	const uint8_t *arg;
	size_t alen, slash;
	bool found = false;
	int rc;

	while (nlen < len && (alnum(p[nlen]) || p[nlen] == '-' ||
	                         p[nlen] == '_' || p[nlen] == '.'))
		nlen++;
	for (size_t i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (mw_slice_caseeq_cstr(
		        (struct mw_slice){p, nlen}, mechs[i].name)) {
			t->kind = mechs[i].kind;
			found = true;
		}
	if (!found)
		return mw_err_set(err, MW_EINVAL, "spf", off,
		    "unknown mechanism '%.*s'", (int)(nlen > 64 ? 64 : nlen),
		    p);
	rest = len - nlen;
	arg = p + nlen;
	switch (t->kind) {
	case MW_SPF_ALL:
		if (rest != 0)
			return mw_err_set(err, MW_EINVAL, "spf", off + nlen,
			    "'all' takes no argument");
		return 0;
	case MW_SPF_INCLUDE:
	case MW_SPF_EXISTS:
		if (rest < 1 || arg[0] != ':')
			return mw_err_set(err, MW_EINVAL, "spf", off + nlen,
			    "'%s' needs ':domain'", mw_spf_kind_name(t->kind));
		t->spec = (const char *)arg + 1;
		t->spec_len = rest - 1;
		return domain_spec(arg + 1, rest - 1, off + nlen + 1, err);
	case MW_SPF_A:
	case MW_SPF_MX:
		alen = rest;
		if ((rc = dual_cidr(t, arg, &alen, off + nlen, err)) != 0)
			return rc;
		/* fall through */
	case MW_SPF_PTR:
		if (t->kind == MW_SPF_PTR)
			alen = rest;
		if (alen == 0)
			return 0;
		if (arg[0] != ':')
			return mw_err_set(err, MW_EINVAL, "spf", off + nlen,
			    "unexpected text after '%s'",
			    mw_spf_kind_name(t->kind));
		t->spec = (const char *)arg + 1;
		t->spec_len = alen - 1;
		return domain_spec(arg + 1, alen - 1, off + nlen + 1, err);
	case MW_SPF_IP4:
	case MW_SPF_IP6:
		if (rest < 2 || arg[0] != ':')
			return mw_err_set(err, MW_EINVAL, "spf", off + nlen,
			    "'%s' needs ':address'", mw_spf_kind_name(t->kind));
		arg++;
		rest--;
		for (slash = rest; slash > 0 && arg[slash - 1] != '/'; slash--)
			;
		if (slash > 0) {
			int *c = t->kind == MW_SPF_IP4 ? &t->cidr4 : &t->cidr6;
			if (!digits_only(arg + slash, rest - slash) ||
			    !cidr(arg + slash, rest - slash,
			        t->kind == MW_SPF_IP4 ? 32 : 128, c))
				return mw_err_set(err, MW_EINVAL, "spf",
				    off + nlen + 1 + slash,
				    "bad prefix length");
			rest = slash - 1;
		}
		if (t->kind == MW_SPF_IP4 ? !ip4(arg, rest, t->ip)
		                          : !ip6(arg, rest, t->ip))
			return mw_err_set(err, MW_EINVAL, "spf", off + nlen + 1,
			    "'%.*s' is not an %s address",
			    (int)(rest > 64 ? 64 : rest), arg,
			    t->kind == MW_SPF_IP4 ? "IPv4" : "IPv6");
		return 0;
	default:
		return MW_EINVAL;
	}
}

static int
term(struct mw_spf_record *r, struct mw_spf_term *t, const uint8_t *p,
    size_t len, size_t off, struct mw_err *err)
{
	size_t nlen = 0;
	int rc;

	t->cidr4 = 32;
	t->cidr6 = 128;
	t->qualifier = '+';
	t->offset = off;
	/* A modifier: name "=" (12); names start with a letter. */
	if (len > 0 && ((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z')) {
		while (nlen < len && (alnum(p[nlen]) || p[nlen] == '-' ||
		                         p[nlen] == '_' || p[nlen] == '.'))
			nlen++;
		if (nlen < len && p[nlen] == '=') {
			struct mw_slice name = {p, nlen};
			const uint8_t *v = p + nlen + 1;
			size_t vlen = len - nlen - 1;
			t->spec = (const char *)v;
			t->spec_len = vlen;
			if (mw_slice_caseeq_cstr(name, "redirect") ||
			    mw_slice_caseeq_cstr(name, "exp")) {
				bool red = (p[0] | 0x20) == 'r';
				t->kind = red ? MW_SPF_REDIRECT : MW_SPF_EXP;
				if ((red ? r->redirect : r->exp) != NULL)
					return mw_err_set(err, MW_EINVAL, "spf",
					    off, "'%s=' appears twice",
					    red ? "redirect" : "exp");
				if (red)
					r->redirect = t;
				else
					r->exp = t;
				return domain_spec(
				    v, vlen, off + nlen + 1, err);
			}
			t->kind = MW_SPF_UNKNOWN_MOD;
			if ((rc = mw_spf_macro_check(v, vlen, 0, err)) != 0) {
				if (err)
					err->offset += off + nlen + 1;
				return rc;
			}
			return 0;
		}
	}
	if (len > 0 &&
	    (p[0] == '+' || p[0] == '-' || p[0] == '~' || p[0] == '?')) {
		t->qualifier = (char)p[0];
		p++;
		len--;
		off++;
	}
	return mechanism(t, p, len, off, err);
}

int
mw_spf_record_parse(struct mw_spf_record **out, struct mw_arena *a,
    const uint8_t *p, size_t len, struct mw_err *err)
{
	struct mw_spf_record *r;
	const char *text;
	size_t nterms = 0, i;
	int rc;

	*out = NULL;
	if (!mw_spf_is_record(p, len))
		return mw_err_set(err, MW_EINVAL, "spf", 0,
		    "not an SPF record (it must start with \"v=spf1\")");
	/* 3.1, 4.6.1: printable US-ASCII and spaces only. */
	for (i = 0; i < len; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return mw_err_set(err, MW_EINVAL, "spf", i,
			    "character 0x%02x is not allowed in a record",
			    p[i]);
	for (i = 6; i < len; i++)
		if (p[i] != ' ' && (i == 6 || p[i - 1] == ' '))
			nterms++;
	if (nterms > MW_SPF_TERMS_MAX)
		return mw_err_set(err, MW_ELIMIT, "spf", SIZE_MAX,
		    "more than %u terms", (unsigned)MW_SPF_TERMS_MAX);
	if ((r = mw_arena_alloc(a, sizeof(*r))) == NULL ||
	    (text = mw_arena_strndup(a, p, len)) == NULL ||
	    (nterms && (r->terms = mw_arena_calloc(
	                    a, nterms, sizeof(*r->terms))) == NULL))
		return mw_err_set(
		    err, MW_ENOMEM, "spf", SIZE_MAX, "arena full");
	r->text = text;
	r->len = len;
	p = (const uint8_t *)text; /* terms point into the copy */
	for (i = 6; i < len;) {
		size_t s;
		struct mw_spf_term *t;
		if (p[i] == ' ') {
			i++;
			continue;
		}
		for (s = i; i < len && p[i] != ' '; i++)
			;
		t = &r->terms[r->n++];
		if ((rc = term(r, t, p + s, i - s, s, err)) != 0)
			return rc;
		if ((t->text = mw_arena_strndup(a, p + s, i - s)) == NULL)
			return mw_err_set(
			    err, MW_ENOMEM, "spf", SIZE_MAX, "arena full");
		/* spec points into the record; give it its own NUL. */
		if (t->spec != NULL && (t->spec = mw_arena_strndup(
		                            a, t->spec, t->spec_len)) == NULL)
			return mw_err_set(
			    err, MW_ENOMEM, "spf", SIZE_MAX, "arena full");
		if (t->kind == MW_SPF_INCLUDE || t->kind == MW_SPF_A ||
		    t->kind == MW_SPF_MX || t->kind == MW_SPF_PTR ||
		    t->kind == MW_SPF_EXISTS || t->kind == MW_SPF_REDIRECT)
			r->dns_terms++;
	}
	*out = r;
	return 0;
}
