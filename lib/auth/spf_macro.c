/*
 * spf_macro.c - SPF macro strings (RFC 7208 7): syntax and expansion.
 *
 * macro-string = *( macro-expand / macro-literal ), where macro-expand is
 * "%{" letter *DIGIT ["r"] *delimiter "}" or "%%" "%_" "%-" (7.1).  The
 * letters c, r and t, and spaces, are allowed only in explanation strings
 * (MW_SPF_MACRO_EXP).  Expansion splits the value on the delimiters
 * ("." by default), optionally reverses, keeps the rightmost DIGIT parts
 * and joins them with "." (7.3); an upper-case letter URL-escapes the
 * result (7.3, RFC 3986 2.3).  A domain expansion longer than 253
 * characters loses labels on the left (7.3).
 *
 * No I/O: the %{p} name must be validated by the caller beforehand.
 * Limits: MW_SPF_EXPAND_MAX output bytes, MW_SPF_MACRO_PARTS_MAX parts.
 * The result is in the caller's arena.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "mailwhy/buf.h"
#include "mailwhy/spf.h"
#include "util/limits.h"

static bool
is_delim(int c)
{
	return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' ||
	       c == '_' || c == '=';
}

static bool
is_letter(int c, unsigned flags)
{
	switch (c | 0x20) {
	case 's':
	case 'l':
	case 'o':
	case 'd':
	case 'i':
	case 'p':
	case 'h':
	case 'v':
		return true;
	case 'c':
	case 'r':
	case 't':
		return (flags & MW_SPF_MACRO_EXP) != 0;
	}
	return false;
}

struct macro {
	int letter;      /* as written (case tells URL escaping) */
	unsigned digits; /* 0: all parts */
	bool reverse;
	char delims[8]; /* NUL-terminated; empty: "." */
};

/*
 * Reads one macro-expand at p[*i] == '%'.  Returns 1 for a %{...} (m
 * filled), 2 for a literal escape (*lit set), 0 on a syntax error (*why).
 */
static int
read_macro(const uint8_t *p, size_t len, size_t *i, unsigned flags,
    struct macro *m, const char **lit, const char **why)
{
	size_t j = *i + 1;
	uint64_t n = 0;
	size_t nd = 0;

	if (j >= len) {
		*why = "a '%' at the end";
		return 0;
	}
	switch (p[j]) {
	case '%':
		*lit = "%";
		*i = j + 1;
		return 2;
	case '_':
		*lit = " ";
		*i = j + 1;
		return 2;
	case '-':
		*lit = "%20";
		*i = j + 1;
		return 2;
	case '{':
		break;
	default:
		*why = "'%' must be followed by '{', '%', '_' or '-'";
		return 0;
	}
	j++;
	memset(m, 0, sizeof(*m));
	if (j >= len || !is_letter(p[j], flags)) {
		*why =
		    (j < len && ((p[j] | 0x20) == 'c' || (p[j] | 0x20) == 'r' ||
		                    (p[j] | 0x20) == 't'))
		        ? "the macro letters c, r and t are only allowed in "
		          "explanations"
		        : "unknown macro letter";
		return 0;
	}
	m->letter = p[j++];
	while (j < len && p[j] >= '0' && p[j] <= '9') {
		if (n < 100000)
			n = n * 10 + (uint64_t)(p[j] - '0');
		j++;
		nd++;
	}
	if (nd > 0 && n == 0) {
		*why = "a macro's digit count must not be zero";
		return 0;
	}
	m->digits =
	    n > MW_SPF_MACRO_PARTS_MAX ? MW_SPF_MACRO_PARTS_MAX : (unsigned)n;
	if (j < len && (p[j] == 'r' || p[j] == 'R')) {
		m->reverse = true;
		j++;
	}
	while (j < len && is_delim(p[j])) {
		size_t k = strlen(m->delims);
		if (strchr(m->delims, p[j]) == NULL &&
		    k < sizeof(m->delims) - 1)
			m->delims[k] = (char)p[j];
		j++;
	}
	if (j >= len || p[j] != '}') {
		*why = "a macro must end with '}'";
		return 0;
	}
	*i = j + 1;
	return 1;
}

int
mw_spf_macro_check(
    const uint8_t *p, size_t len, unsigned flags, struct mw_err *err)
{
	struct macro m;
	const char *lit, *why = NULL;

	for (size_t i = 0; i < len;) {
		if (p[i] == '%') {
			size_t at = i;
			if (read_macro(p, len, &i, flags, &m, &lit, &why) == 0)
				return mw_err_set(
				    err, MW_EINVAL, "spf", at, "%s", why);
			continue;
		}
		if ((p[i] > 0x20 && p[i] < 0x7f) ||
		    (p[i] == ' ' && (flags & MW_SPF_MACRO_EXP)))
			i++;
		else
			return mw_err_set(err, MW_EINVAL, "spf", i,
			    "character 0x%02x is not allowed here", p[i]);
	}
	return 0;
}

static bool
unreserved(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

/* The value of a macro letter (7.2), into b. */
static int
letter_value(struct mw_buf *b, int letter, const struct mw_spf_macro_ctx *x)
{
	char t[64];
	const char *s;

	switch (letter | 0x20) {
	case 's':
		s = x->sender;
		break;
	case 'l':
		s = x->local;
		break;
	case 'o':
		s = x->sender_domain;
		break;
	case 'd':
		s = x->domain;
		break;
	case 'h':
		s = x->helo;
		break;
	case 'p':
		s = x->ptr_name ? x->ptr_name : "unknown";
		break;
	case 'r':
		s = x->receiver ? x->receiver : "unknown";
		break;
	case 'v':
		s = x->family == AF_INET6 ? "ip6" : "in-addr";
		break;
	case 't':
		snprintf(t, sizeof(t), "%" PRId64, x->now);
		s = t;
		break;
	case 'c':
		if (inet_ntop(x->family == AF_INET6 ? AF_INET6 : AF_INET, x->ip,
		        t, sizeof(t)) == NULL)
			return MW_EINVAL;
		s = t;
		break;
	case 'i':
		if (x->family == AF_INET6) {
			static const char hex[] = "0123456789abcdef";
			int rc = 0;
			for (int k = 0; k < 16; k++)
				rc |= mw_buf_printf(b, "%s%c.%c", k ? "." : "",
				    hex[x->ip[k] >> 4], hex[x->ip[k] & 15]);
			return rc;
		}
		snprintf(t, sizeof(t), "%u.%u.%u.%u", x->ip[0], x->ip[1],
		    x->ip[2], x->ip[3]);
		s = t;
		break;
	default:
		return MW_EINVAL;
	}
	return mw_buf_puts(b, s ? s : "");
}

/* Splits v on the delimiters, reverses, keeps the rightmost parts, joins
 * with "." and escapes when the letter is upper case (7.3). */
static int
transform(struct mw_buf *out, const char *v, size_t vlen, const struct macro *m)
{
	const char *delims = m->delims[0] ? m->delims : ".";
	/* A macro value is at most a 253-octet name or a 320-octet sender
	 * (127, 160 parts); more parts than this is hostile: MW_ELIMIT. */
	size_t starts[512], ends[512];
	size_t n = 0, first, s = 0;
	bool esc = m->letter >= 'A' && m->letter <= 'Z';
	int rc = 0;

	for (size_t i = 0; i <= vlen; i++) {
		if (i == vlen || strchr(delims, v[i]) != NULL) {
			if (n == sizeof(starts) / sizeof(starts[0]))
				return MW_ELIMIT;
			starts[n] = s;
			ends[n++] = i;
			s = i + 1;
		}
	}
	if (m->reverse)
		for (size_t i = 0; i < n / 2; i++) {
			size_t ts = starts[i], te = ends[i];
			starts[i] = starts[n - 1 - i];
			ends[i] = ends[n - 1 - i];
			starts[n - 1 - i] = ts;
			ends[n - 1 - i] = te;
		}
	first = m->digits && m->digits < n ? n - m->digits : 0;
	for (size_t i = first; i < n && rc == 0; i++) {
		if (i > first)
			rc = mw_buf_putc(out, '.');
		for (size_t k = starts[i]; k < ends[i] && rc == 0; k++) {
			unsigned char c = (unsigned char)v[k];
			if (esc && !unreserved(c))
				rc = mw_buf_printf(out, "%%%02X", c);
			else
				rc = mw_buf_putc(out, c);
		}
	}
	return rc;
}

int
mw_spf_macro_expand(char **out, struct mw_arena *a, const uint8_t *p,
    size_t len, const struct mw_spf_macro_ctx *ctx, unsigned flags,
    struct mw_err *err)
{
	struct mw_buf b, v;
	struct macro m;
	const char *lit, *why = NULL, *res;
	size_t rlen;
	int rc = 0, k;

	*out = NULL;
	if ((rc = mw_spf_macro_check(p, len, flags, err)) != 0)
		return rc;
	mw_buf_init(&b, MW_SPF_EXPAND_MAX);
	mw_buf_init(&v, MW_SPF_EXPAND_MAX);
	for (size_t i = 0; i < len && rc == 0;) {
		size_t at = i;
		if (p[i] != '%') {
			while (i < len && p[i] != '%')
				i++;
			rc = mw_buf_append(&b, p + at, i - at);
			continue;
		}
		k = read_macro(p, len, &i, flags, &m, &lit, &why);
		if (k == 2) {
			rc = mw_buf_puts(&b, lit);
			continue;
		}
		mw_buf_reset(&v);
		if ((rc = letter_value(&v, m.letter, ctx)) == 0)
			rc = transform(&b, (const char *)v.p, v.len, &m);
	}
	mw_buf_release(&v);
	if (rc != 0) {
		mw_buf_release(&b);
		return mw_err_set(err, rc == MW_ENOMEM ? MW_ENOMEM : MW_ELIMIT,
		    "spf", SIZE_MAX, "macro expansion longer than %u bytes",
		    (unsigned)MW_SPF_EXPAND_MAX);
	}
	res = mw_buf_cstr(&b);
	rlen = b.len;
	if (!(flags & MW_SPF_MACRO_EXP)) {
		/* 7.3: drop labels on the left until it fits. */
		while (rlen > MW_SPF_DOMAIN_MAX) {
			const char *dot = memchr(res, '.', rlen);
			if (dot == NULL) {
				rlen = 0;
				break;
			}
			rlen -= (size_t)(dot + 1 - res);
			res = dot + 1;
		}
	}
	*out = mw_arena_strndup(a, res, rlen);
	mw_buf_release(&b);
	if (*out == NULL)
		return mw_err_set(
		    err, MW_ENOMEM, "spf", SIZE_MAX, "arena full");
	return 0;
}
