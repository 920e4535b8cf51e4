/*
 * addr.c - mw_addr_parse(): one address, judged by what SMTP accepts.
 *
 * Trims the input (unless MW_ADDR_F_EXACT), scans it as an RFC 5322
 * addr-spec (rfc5322.c, rfc5321.c), converts a non-ASCII domain to
 * A-labels with libidn2 (IDNA2008 with the UTS 46 mapping,
 * non-transitional, NFC input: RFC 5891, RFC 6531 3.3), checks the
 * lengths of RFC 5321 4.5.3.1 on the normalised SMTP form, then writes
 * the strings into the arena in one allocation.  Pure-ASCII domains never
 * reach libidn2 (A-labels typed as such are taken as they are).
 *
 * Most real addresses are a plain dot-atom at a plain host name: those
 * are decided by one pass over the input (fast_path()) that writes the
 * strings as it reads, without the RFC 5322 machinery; anything else is
 * left to the full parser, whose verdict the fast one must equal
 * (MW_ADDR_F_NO_FAST turns it off, for differential tests).
 *
 * Limits (util/limits.h): MW_ADDR_INPUT_MAX octets of input; the SMTP form
 * within MW_ADDR_LOCAL_MAX, MW_ADDR_DOMAIN_MAX, MW_ADDR_LABEL_MAX and
 * MW_ADDR_MAX.  Results live in the caller's arena; libidn2's buffers are
 * freed before returning.
 */
#include <idn2.h>
#include <stdlib.h>
#include <string.h>

#include "addr_int.h"

/* --- the bounded memo (addr_int.h) ----------------------------------- */

int
mw__memo_init(struct mw__memo *m, size_t nslots, size_t keymax, size_t stride)
{
	memset(m, 0, sizeof(*m));
	m->nslots = nslots;
	m->keymax = keymax;
	m->stride = stride;
	/* klen, key, then the value 8-aligned: a hit on a short key reads
	 * the key and the head of the value from one or two lines */
	m->valoff = (1 + keymax + 7) & ~(size_t)7;
	m->recsize = (m->valoff + stride + 7) & ~(size_t)7;
	m->tags = calloc(nslots, sizeof(*m->tags));
	m->rec = calloc(nslots, m->recsize);
	if (m->tags == NULL || m->rec == NULL) {
		mw__memo_fini(m);
		return MW_ENOMEM;
	}
	return 0;
}

void
mw__memo_fini(struct mw__memo *m)
{
	free(m->tags);
	free(m->rec);
	memset(m, 0, sizeof(*m));
}

/* A word at a time: domains are short, and this runs once per address. */
uint64_t
mw__memo_hash(const uint8_t *p, size_t n)
{
	uint64_t h = 0x9E3779B97F4A7C15ull ^ n, w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xFF51AFD7ED558CCDull;
		h ^= h >> 32;
	}
	for (w = 0; n > 0; n--)
		w = w << 8 | p[n - 1];
	h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
	return h ^ (h >> 29);
}

static inline uint32_t
memo_tag(uint64_t h)
{
	return (uint32_t)(h >> 32) | 1; /* never 0, the empty mark */
}

size_t
mw__memo_find(struct mw__memo *m, uint64_t h, const uint8_t *key,
    size_t klen, bool *hit)
{
	size_t mask = m->nslots - 1, i = 0, victim = (size_t)h & mask;
	uint32_t tag = memo_tag(h), age, oldest = 0;
	struct mw__memo_tag *t;
	const uint8_t *r;

	m->clock++;
	for (size_t k = 0; k < MW__MEMO_WINDOW; k++) {
		i = ((size_t)h + k) & mask;
		t = &m->tags[i];
		if (t->tag == 0) {
			victim = i; /* never emptied: the key is not further */
			break;
		}
		r = m->rec + i * m->recsize;
		if (t->tag == tag && r[0] == klen &&
		    memcmp(r + 1, key, klen) == 0) {
			t->stamp = m->clock;
			m->hits++;
			*hit = true;
			return i;
		}
		if ((age = m->clock - t->stamp) >= oldest) {
			oldest = age;
			victim = i;
		}
	}
	m->misses++;
	*hit = false;
	return victim;
}

void
mw__memo_put(struct mw__memo *m, size_t slot, uint64_t h, const uint8_t *key,
    size_t klen)
{
	uint8_t *r = m->rec + slot * m->recsize;

	m->tags[slot].tag = memo_tag(h);
	m->tags[slot].stamp = m->clock;
	r[0] = (uint8_t)klen;
	memcpy(r + 1, key, klen);
}

const char *
mw_addr_verdict_name(enum mw_addr_verdict v)
{
	switch (v) {
	case MW_ADDR_VALID:
		return "valid";
	case MW_ADDR_UNWISE:
		return "unwise";
	case MW_ADDR_HEADER_ONLY:
		return "header_only";
	case MW_ADDR_INVALID:
		break;
	}
	return "invalid";
}

static bool
is_ws(uint8_t ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static void
judge(struct mw_addr *out, enum mw_addr_verdict v,
    const struct mw__addr_problem *p, size_t base)
{
	out->verdict = v;
	out->valid = v == MW_ADDR_VALID || v == MW_ADDR_UNWISE;
	out->warning = v == MW_ADDR_UNWISE;
	if (p == NULL)
		return;
	out->err_code = p->code;
	out->err_pos = base + p->pos;
	out->err_reason = p->why;
	if (v == MW_ADDR_HEADER_ONLY)
		out->header_only_reason = p->why;
}

/*
 * True when no label of d[0..n) starts or ends with '-', has '-' as its
 * third and fourth code points, or starts with "xn--": the checks UTS 46
 * adds to IDNA2008 (UTS 46 4.1 CheckHyphens; A-labels are decoded).
 * ASCII letters are lower case already (rfc5322.c).
 */
static bool
plain_labels(const uint8_t *d, size_t n)
{
	const uint8_t *p = d, *end = d + n, *start;
	unsigned cps;
	bool h3, h4;

	for (;;) {
		start = p;
		cps = 0;
		h3 = h4 = false;
		for (; p < end && *p != '.'; p++) {
			if ((*p & 0xC0) == 0x80)
				continue;
			cps++;
			if (cps == 3)
				h3 = *p == '-';
			else if (cps == 4)
				h4 = *p == '-';
		}
		if (p == start || *start == '-' || p[-1] == '-' || (h3 && h4))
			return false;
		if (p - start >= 4 && memcmp(start, "xn--", 4) == 0)
			return false;
		if (p == end)
			return true;
		p++;
	}
}

/*
 * The A-label form of a domain with UTF-8 (RFC 5891 5, UTS 46
 * non-transitional with NFC input), and its U-label form.  A refusal is a
 * problem of the address.
 *
 * UTS 46 mapping is the costly part of libidn2 (about 2 us of 3) and maps
 * a domain already in lower-case NFC IDNA2008 form to itself.  So strict
 * IDNA2008 (IDN2_NO_TR46, no NFC) is tried first: when it accepts and the
 * hyphen rules UTS 46 adds hold, the A-labels are the same and the
 * U-labels are the input.  Everything else takes the full UTS 46 path.
 * (A differential run over 20 million random labels from 40 code point
 * ranges, incl. contextual, bidi, deviation and ignored characters, found
 * no difference; test_addr.c and fuzz/addr.c keep checking it.)
 */
static void
idna(struct mw__addr_scan *s, char **ascii, char **unicode)
{
	const char *d = (const char *)s->domain;
	int rc;

	*ascii = *unicode = NULL;
	if (plain_labels(s->domain, s->domain_clen) &&
	    idn2_to_ascii_8z(d, ascii, IDN2_NO_TR46) == IDN2_OK) {
		s->warnings |= MW_ADDR_W_IDN;
		return;
	}
	if (*ascii != NULL) {
		idn2_free(*ascii);
		*ascii = NULL;
	}
	rc = idn2_to_ascii_8z(d, ascii, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
	if (rc != IDN2_OK) {
		*ascii = NULL;
		mw__addr_bad(
		    s, MW_ADDR_E_IDN, s->domain_pos, idn2_strerror(rc));
		return;
	}
	s->warnings |= MW_ADDR_W_IDN;
	if (idn2_to_unicode_8z8z(*ascii, unicode, 0) != IDN2_OK)
		*unicode = NULL;
}

/* --- the caller's memo of IDNA results (addr.h) --------------------- */

/* One domain's IDNA outcome: a refusal's reason, or its two forms. */
struct idna_val {
	const char *why; /* libidn2's static text when refused */
	uint8_t alen;	 /* A-label form */
	uint8_t ulen;	 /* U-label form, 0: the key itself */
	char ascii[MW_ADDR_MEMO_FORM_MAX];
	char uni[MW_ADDR_MEMO_FORM_MAX];
};

struct mw_addr_memo {
	struct mw__memo idna;
};

int
mw_addr_memo_new(struct mw_addr_memo **out)
{
	struct mw_addr_memo *m;

	if (out == NULL)
		return MW_EINVAL;
	if ((*out = m = calloc(1, sizeof(*m))) == NULL)
		return MW_ENOMEM;
	if (mw__memo_init(&m->idna, MW_ADDR_MEMO_SLOTS, MW_ADDR_MEMO_FORM_MAX,
	        sizeof(struct idna_val)) != 0) {
		free(m);
		*out = NULL;
		return MW_ENOMEM;
	}
	return 0;
}

void
mw_addr_memo_free(struct mw_addr_memo **mp)
{
	if (mp == NULL || *mp == NULL)
		return;
	mw__memo_fini(&(*mp)->idna);
	free(*mp);
	*mp = NULL;
}

void
mw_addr_memo_stats(const struct mw_addr_memo *m, unsigned long *hits,
    unsigned long *misses)
{
	if (hits != NULL)
		*hits = m != NULL ? m->idna.hits : 0;
	if (misses != NULL)
		*misses = m != NULL ? m->idna.misses : 0;
}

/*
 * idna() through the memo m (may be NULL): the A-label form in *ascii,
 * the U-label form in *uni (left alone when it is the scanned domain).
 * They point into the memo or into libidn2's buffers *fa, *fu, which the
 * caller frees.  False when IDNA refused the domain (recorded in s).
 */
static bool
to_ascii(struct mw_addr_memo *m, struct mw__addr_scan *s, const char **ascii,
    size_t *alen, const char **uni, size_t *ulen, char **fa, char **fu)
{
	struct idna_val *v = NULL;
	size_t klen = s->domain_clen, slot = 0, n;
	uint64_t h = 0;
	bool hit;

	if (m != NULL && klen <= MW_ADDR_MEMO_FORM_MAX) {
		h = mw__memo_hash(s->domain, klen);
		slot = mw__memo_find(&m->idna, h, s->domain, klen, &hit);
		v = mw__memo_val(&m->idna, slot);
		if (hit && v->why != NULL) {
			mw__addr_bad(s, MW_ADDR_E_IDN, s->domain_pos, v->why);
			return false;
		}
		if (hit) {
			s->warnings |= MW_ADDR_W_IDN;
			*ascii = v->ascii;
			*alen = v->alen;
			if (v->ulen > 0) {
				*uni = v->uni;
				*ulen = v->ulen;
			}
			return true;
		}
	}
	idna(s, fa, fu);
	if (*fa == NULL) {
		if (v != NULL) {
			v->why = s->bad.why;
			mw__memo_put(&m->idna, slot, h, s->domain, klen);
		}
		return false;
	}
	*ascii = *fa;
	*alen = strlen(*fa);
	if (*fu != NULL) {
		*uni = *fu;
		*ulen = strlen(*fu);
	}
	n = *fu != NULL ? *ulen : 0;
	if (v != NULL && *alen <= MW_ADDR_MEMO_FORM_MAX &&
	    n <= MW_ADDR_MEMO_FORM_MAX) {
		v->why = NULL;
		v->alen = (uint8_t)*alen;
		v->ulen = (uint8_t)n;
		memcpy(v->ascii, *fa, *alen);
		if (n > 0)
			memcpy(v->uni, *fu, n);
		mw__memo_put(&m->idna, slot, h, s->domain, klen);
	}
	return true;
}

/*
 * The host-name rules again on the A-label form (UTS 46 may map dots in,
 * and a label may grow past 63 octets in Punycode).
 */
static void
ascii_labels(struct mw__addr_scan *s, const char *d, size_t n)
{
	const uint8_t *p = (const uint8_t *)d, *end = p + n, *dot;
	const char *why;
	size_t off;
	int code;

	for (;;) {
		dot = memchr(p, '.', (size_t)(end - p));
		if (dot == NULL)
			dot = end;
		if (dot == p) {
			mw__addr_bad(s, MW_ADDR_E_DOT, s->domain_pos,
			    N_("empty label in the domain"));
			return;
		}
		why = mw__addr_label_check(p, (size_t)(dot - p), &code, &off);
		if (why != NULL) {
			mw__addr_bad(s, code, s->domain_pos, why);
			return;
		}
		if (dot == end)
			return;
		p = dot + 1;
	}
}

/* Warnings about the top label of a domain name (A-labels). */
static unsigned
tld_warnings(const char *d, size_t n)
{
	const char *dot = memrchr(d, '.', n);
	const char *tld = dot != NULL ? dot + 1 : d;
	unsigned w = dot == NULL ? MW_ADDR_W_DOTLESS : 0;

	for (; tld < d + n; tld++)
		if (!mw__addr_is((uint8_t)*tld, MW__C_DIGIT))
			return w;
	return w | MW_ADDR_W_NUMERIC_TLD;
}

/* local: a Dot-string as is, else a Quoted-string (RFC 5321 4.1.2). */
static char *
put_local(char *o, const struct mw__addr_scan *s)
{
	size_t i;

	if (s->local_dotstring) {
		memcpy(o, s->local, s->local_clen);
		return o + s->local_clen;
	}
	*o++ = '"';
	for (i = 0; i < s->local_clen; i++) {
		if (s->local[i] == '"' || s->local[i] == '\\')
			*o++ = '\\';
		*o++ = (char)s->local[i];
	}
	*o++ = '"';
	return o;
}

/* The result strings, in one block: local, domain, [ascii,] address. */
static int
strings(struct mw_addr *out, struct mw_arena *a, const struct mw__addr_scan *s,
    const char *ascii, size_t alen, const char *uni, size_t ulen)
{
	size_t need = s->local_len + 1 + ulen + 1 + out->total_len + 1;
	char *blk, *o;

	if (ascii != uni)
		need += alen + 1;
	if ((blk = mw_arena_alloc_bytes(a, need)) == NULL)
		return MW_ENOMEM;
	o = blk;
	out->local = o;
	o = put_local(o, s);
	*o++ = '\0';
	out->domain = o;
	memcpy(o, uni, ulen);
	o += ulen;
	*o++ = '\0';
	if (s->literal) {
		out->domain_ascii = NULL;
	} else if (ascii == uni) {
		out->domain_ascii = out->domain;
	} else {
		out->domain_ascii = o;
		memcpy(o, ascii, alen);
		o += alen;
		*o++ = '\0';
	}
	out->address = o;
	o = put_local(o, s);
	*o++ = '@';
	if (s->literal)
		*o++ = '[';
	memcpy(o, s->literal ? uni : ascii, s->literal ? ulen : alen);
	o += s->literal ? ulen : alen;
	if (s->literal)
		*o++ = ']';
	*o = '\0';
	return 0;
}

/*
 * The common case in one pass: a Dot-string of ASCII atext "@" a host
 * name of ASCII letters, digits and inner hyphens with at least one dot
 * and a top label that is not all digits, within the lengths of RFC 5321
 * 4.5.3.1.  Such an address is VALID without a warning, its SMTP form is
 * the input with the domain lower-cased (RFC 5322 3.2.3 dot-atom, RFC
 * 5321 4.1.2 Dot-string and Domain, 2.4: domains are case-insensitive),
 * and its domain needs no IDNA (ASCII).  Returns 1 when out is decided,
 * 0 when the full parser must judge the input (anything else: quotes,
 * comments, white space, brackets, backslashes, control or non-ASCII
 * octets, an empty atom or label, hyphens at a label's ends, a label over
 * 63 octets, a long local part or address, a dotless domain or numeric
 * top label: every warning and every problem), or MW_ENOMEM.  The full
 * parser gives the same result for every input taken here (fuzz/addr.c
 * and test_addr.c compare the two).
 */
static int
fast_path(struct mw_addr *out, struct mw_arena *a, const uint8_t *p,
    size_t n)
{
	char buf[MW_ADDR_MAX];
	size_t i = 0, at, start, tld = 0;
	char *blk;
	uint8_t ch;

	if (n > MW_ADDR_MAX)
		return 0;
	/* local part: atoms of atext joined by single dots */
	for (;;) {
		start = i;
		while (i < n && mw__addr_is(p[i], MW__C_ATEXT)) {
			buf[i] = (char)p[i];
			i++;
		}
		if (i == start || i == n)
			return 0;
		if (p[i] == '@')
			break;
		if (p[i] != '.')
			return 0;
		buf[i++] = '.';
	}
	at = i;
	if (at > MW_ADDR_LOCAL_MAX)
		return 0;
	buf[i++] = '\0';
	/* domain: LDH labels joined by single dots, folded to lower case */
	for (;;) {
		start = i;
		while (i < n && mw__addr_is(p[i], MW__C_LDH)) {
			ch = p[i];
			if ((unsigned)(ch - 'A') < 26u)
				ch += 'a' - 'A';
			buf[i++] = (char)ch;
		}
		if (i == start || i - start > MW_ADDR_LABEL_MAX ||
		    p[start] == '-' || p[i - 1] == '-')
			return 0;
		if (i == n)
			break;
		if (p[i] != '.')
			return 0;
		buf[i++] = '.';
		tld = i;
	}
	if (tld == 0)
		return 0; /* dotless: MW_ADDR_W_DOTLESS */
	for (i = tld; i < n && mw__addr_is(p[i], MW__C_DIGIT); i++)
		;
	if (i == n)
		return 0; /* MW_ADDR_W_NUMERIC_TLD */

	/* "local\0domain\0local@domain\0": domain_ascii is domain. */
	if ((blk = mw_arena_alloc_bytes(a, 2 * n + 2)) == NULL)
		return MW_ENOMEM;
	memcpy(blk, buf, n);
	blk[n] = '\0';
	memcpy(blk + n + 1, buf, n);
	blk[n + 1 + at] = '@';
	blk[2 * n + 1] = '\0';
	out->verdict = MW_ADDR_VALID;
	out->valid = true;
	out->local = blk;
	out->domain = out->domain_ascii = blk + at + 1;
	out->address = blk + n + 1;
	out->local_len = at;
	out->domain_len = n - at - 1;
	out->total_len = n;
	return 1;
}

int
mw_addr_parse(struct mw_addr *out, struct mw_arena *a, const uint8_t *in,
    size_t len, unsigned flags, struct mw_err *err)
{
	return mw_addr_parse_memo(out, a, NULL, in, len, flags, err);
}

int
mw_addr_parse_memo(struct mw_addr *out, struct mw_arena *a,
    struct mw_addr_memo *m, const uint8_t *in, size_t len, unsigned flags,
    struct mw_err *err)
{
	static const struct mw__addr_problem too_long = {
	    MW_ADDR_E_INPUT_TOO_LONG, MW_ADDR_INPUT_MAX,
	    N_("longer than 4096 octets: not one address")};
	static const struct mw__addr_problem empty = {
	    MW_ADDR_E_EMPTY, 0, N_("the address is empty")};
	struct mw__addr_scan s;
	char *idn_a = NULL, *idn_u = NULL;
	const char *ascii, *uni;
	size_t b = 0, e = len, alen, ulen;
	int rc = 0;

	if (out == NULL || a == NULL || (in == NULL && len > 0) ||
	    (flags & ~(unsigned)(MW_ADDR_F_EXACT | MW_ADDR_F_NO_FAST)) != 0)
		return mw_err_set(err, MW_EINVAL, "addr", SIZE_MAX,
		    "mw_addr_parse: NULL argument or unknown flag");
	memset(out, 0, sizeof(*out));
	if (len > MW_ADDR_INPUT_MAX) {
		judge(out, MW_ADDR_INVALID, &too_long, 0);
		return 0;
	}
	if (!(flags & MW_ADDR_F_EXACT)) {
		while (b < e && is_ws(in[b]))
			b++;
		while (e > b && is_ws(in[e - 1]))
			e--;
		if (e - b >= 2 && in[b] == '<' && in[e - 1] == '>') {
			b++;
			e--;
			while (b < e && is_ws(in[b]))
				b++;
			while (e > b && is_ws(in[e - 1]))
				e--;
		}
	}
	if (b == e) {
		judge(out, MW_ADDR_INVALID, &empty, b);
		return 0;
	}
	if (!(flags & MW_ADDR_F_NO_FAST) &&
	    (rc = fast_path(out, a, in + b, e - b)) != 0) {
		if (rc > 0)
			return 0;
		return mw_err_set(err, rc, "addr", SIZE_MAX, "arena full");
	}

	mw__addr_scan(&s, in + b, e - b);
	out->local_len = s.local_len;
	if (s.c.failed)
		goto done;
	ascii = uni = (const char *)s.domain;
	alen = ulen = s.domain_clen;
	if (s.domain_utf8 && s.bad.code == 0) {
		if (!to_ascii(m, &s, &ascii, &alen, &uni, &ulen, &idn_a, &idn_u))
			goto done;
		ascii_labels(&s, ascii, alen);
	} else if (s.domain_utf8) {
		goto done; /* already invalid: spare libidn2 the work */
	}
	out->domain_len = alen;
	out->total_len = s.local_len + 1 + alen + (s.literal ? 2 : 0);
	if (!s.literal) {
		if (alen > MW_ADDR_DOMAIN_MAX)
			mw__addr_bad(&s, MW_ADDR_E_DOMAIN_TOO_LONG,
			    s.domain_pos, N_("domain longer than 255 octets"));
		s.warnings |= tld_warnings(ascii, alen);
	}
	if (out->total_len > MW_ADDR_MAX)
		mw__addr_bad(&s, MW_ADDR_E_TOO_LONG, s.local_pos,
		    N_("address longer than 254 octets"));
	if (s.bad.code == 0 && s.hdr.code == 0)
		rc = strings(out, a, &s, ascii, alen, uni, ulen);
done:
	out->warnings = s.warnings;
	if (rc != 0)
		mw_err_set(err, rc, "addr", SIZE_MAX, "arena full");
	else if (s.bad.code != 0)
		judge(out, MW_ADDR_INVALID, &s.bad, b);
	else if (s.hdr.code != 0)
		judge(out, MW_ADDR_HEADER_ONLY, &s.hdr, b);
	else
		judge(out,
		    s.warnings & MW_ADDR_W_UNWISE_MASK ? MW_ADDR_UNWISE
		                                       : MW_ADDR_VALID,
		    NULL, b);
	if (idn_a != NULL)
		idn2_free(idn_a);
	if (idn_u != NULL)
		idn2_free(idn_u);
	return rc;
}
