/*
 * rfc5322.c - the addr-spec of RFC 5322 3.4.1, scanned once, left to
 * right.
 *
 * Implements: local-part (dot-atom 3.2.3, quoted-string 3.2.4,
 * obs-local-part 4.4), domain (dot-atom, domain-literal 3.4.1,
 * obs-domain 4.4), CFWS and nested comments (3.2.2), FWS with obs-FWS as
 * corrected by erratum 1908 (1*([CRLF] WSP)), quoted-pair (3.2.1) and
 * obs-qp, obs-qtext, obs-ctext, obs-dtext (4.1), and the UTF-8 of RFC 6532
 * 3.2 in atext, qtext, ctext, dtext and quoted-pair (well-formed per
 * RFC 3629, checked where it is read).
 *
 * What the text means is collected as it is read (RFC 5322 3.2.4: quotes,
 * the backslash of a quoted-pair and the CRLF of folding are not part of
 * a quoted-string; comments are not part of anything), so rfc5321.c and
 * addr.c can judge the SMTP form without reading the input again.
 *
 * Limits: comments nest at most MW_ADDR_COMMENT_DEPTH deep, counted in a
 * loop (no recursion); every step advances, so time is linear.  Nothing
 * is allocated: content goes to the fixed buffers of the scan, past which
 * only its length is counted (it is too long to be valid by then).
 */
#include <string.h>

#include "addr_int.h"

/* The character classes, built at compile time from their ABNF. */
#define ALPHA_P(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define DIGIT_P(c) ((c) >= '0' && (c) <= '9')
#define ATEXT_P(c)                                                             \
	(ALPHA_P(c) || DIGIT_P(c) || (c) == '!' || (c) == '#' || (c) == '$' || \
	    (c) == '%' || (c) == '&' || (c) == '\'' || (c) == '*' ||           \
	    (c) == '+' || (c) == '-' || (c) == '/' || (c) == '=' ||            \
	    (c) == '?' || (c) == '^' || (c) == '_' || (c) == '`' ||            \
	    (c) == '{' || (c) == '|' || (c) == '}' || (c) == '~')
#define QTEXT_P(c)                                                             \
	((c) == 33 || ((c) >= 35 && (c) <= 91) || ((c) >= 93 && (c) <= 126))
#define CTEXT_P(c)                                                             \
	(((c) >= 33 && (c) <= 39) || ((c) >= 42 && (c) <= 91) ||               \
	    ((c) >= 93 && (c) <= 126))
#define DTEXT_P(c) (((c) >= 33 && (c) <= 90) || ((c) >= 94 && (c) <= 126))
#define OBSCTL_P(c)                                                            \
	(((c) >= 1 && (c) <= 8) || (c) == 11 || (c) == 12 ||                   \
	    ((c) >= 14 && (c) <= 31) || (c) == 127)
#define HEX_P(c)                                                               \
	(DIGIT_P(c) || ((c) >= 'a' && (c) <= 'f') || ((c) >= 'A' && (c) <= 'F'))
#define CLS(c)                                                                 \
	((ATEXT_P(c) ? MW__C_ATEXT : 0) | (QTEXT_P(c) ? MW__C_QTEXT : 0) |     \
	    (CTEXT_P(c) ? MW__C_CTEXT : 0) | (DTEXT_P(c) ? MW__C_DTEXT : 0) |  \
	    (OBSCTL_P(c) ? MW__C_OBSCTL : 0) |                                 \
	    (ALPHA_P(c) || DIGIT_P(c) || (c) == '-' ? MW__C_LDH : 0) |         \
	    (DIGIT_P(c) ? MW__C_DIGIT : 0) | (HEX_P(c) ? MW__C_HEX : 0))
#define R4(b) CLS(b), CLS((b) + 1), CLS((b) + 2), CLS((b) + 3)
#define R16(b) R4(b), R4((b) + 4), R4((b) + 8), R4((b) + 12)
#define R64(b) R16(b), R16((b) + 16), R16((b) + 32), R16((b) + 48)

const uint8_t mw__addr_class[256] = {R64(0), R64(64), R64(128), R64(192)};

size_t
mw__addr_utf8_len(const uint8_t *p, size_t n)
{
	uint8_t lo = 0x80, hi = 0xBF;
	size_t len, i;

	if (n == 0)
		return 0;
	if (p[0] < 0x80)
		return 1;
	if (p[0] < 0xC2) /* continuation, or overlong 2-octet form */
		return 0;
	if (p[0] < 0xE0) {
		len = 2;
	} else if (p[0] < 0xF0) {
		len = 3;
		if (p[0] == 0xE0)
			lo = 0xA0; /* overlong */
		else if (p[0] == 0xED)
			hi = 0x9F; /* UTF-16 surrogates */
	} else if (p[0] < 0xF5) {
		len = 4;
		if (p[0] == 0xF0)
			lo = 0x90; /* overlong */
		else if (p[0] == 0xF4)
			hi = 0x8F; /* past U+10FFFF */
	} else {
		return 0;
	}
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	return len;
}

void
mw__addr_bad(struct mw__addr_scan *s, int code, size_t pos, const char *why)
{
	if (s->bad.code == 0) {
		s->bad.code = code;
		s->bad.pos = pos;
		s->bad.why = why;
	}
}

void
mw__addr_hdr(struct mw__addr_scan *s, int code, size_t pos, const char *why)
{
	if (s->hdr.code == 0) {
		s->hdr.code = code;
		s->hdr.pos = pos;
		s->hdr.why = why;
	}
}

/* The grammar cannot go on: record why and stop the cursor. */
static bool
fail(struct mw__addr_scan *s, int code, size_t pos, const char *why)
{
	mw__addr_bad(s, code, pos, why);
	return mw_cursor_fail(&s->c, why);
}

static inline int
peek_at(const struct mw__addr_scan *s, size_t ahead)
{
	const struct mw_cursor *c = &s->c;

	if (c->failed || ahead >= c->len - c->pos)
		return -1;
	return c->p[c->pos + ahead];
}

static inline int
peek(const struct mw__addr_scan *s)
{
	return peek_at(s, 0);
}

/* Takes the UTF-8 sequence at the cursor; its length, or 0 and a failure. */
static size_t
utf8(struct mw__addr_scan *s, size_t ahead)
{
	size_t at = s->c.pos + ahead;
	size_t n = mw__addr_utf8_len(s->c.p + at, s->c.len - at);

	if (n == 0)
		fail(s, MW_ADDR_E_UTF8, at, N_("invalid UTF-8"));
	return n;
}

static const char *
unexpected(int ch)
{
	switch (ch) {
	case ',':
		return N_("comma not allowed here");
	case ';':
		return N_("semicolon not allowed here");
	case ':':
		return N_("colon not allowed here");
	case '<':
	case '>':
		return N_("angle bracket not allowed here");
	case '[':
	case ']':
		return N_("square bracket not allowed here");
	case '"':
		return N_("quote not allowed here");
	case ')':
		return N_("')' without a matching '('");
	case '\\':
		return N_("backslash outside a quoted string");
	case '@':
		return N_("second @ sign");
	case '.':
		return N_("dot not allowed here");
	case 0:
		return N_("NUL character");
	}
	if (ch < 32 || ch == 127)
		return N_("control character not allowed here");
	return N_("character not allowed here");
}

/*
 * At CR: folding needs CRLF then WSP (RFC 5322 3.2.2).  The CRLF is taken,
 * the WSP left for the caller.
 */
static bool
fold(struct mw__addr_scan *s)
{
	size_t at = s->c.pos;
	int ch;

	if (peek_at(s, 1) != '\n')
		return fail(s, MW_ADDR_E_FOLDING, at,
		    N_("carriage return without line feed"));
	ch = peek_at(s, 2);
	if (ch != ' ' && ch != '\t')
		return fail(s, MW_ADDR_E_FOLDING, at,
		    N_("line break not followed by white space"));
	s->c.pos += 2;
	s->warnings |= MW_ADDR_W_COMMENT;
	return true;
}

/*
 * At '\': quoted-pair = "\" (VCHAR / WSP), obs-qp = "\" (%d0 /
 * obs-NO-WS-CTL / LF / CR) (RFC 5322 3.2.1, 4.1), VCHAR =/ UTF8-non-ascii
 * (RFC 6532 3.2).  Returns the octets quoted (1, or a UTF-8 sequence),
 * which end at the cursor; 0 at the end of the input (the caller knows
 * what is left unclosed) or after a failure.
 */
static size_t
quoted_pair(struct mw__addr_scan *s)
{
	int ch = peek_at(s, 1);
	size_t n = 1;

	if (ch < 0)
		return 0;
	if (ch >= 0x80) {
		if ((n = utf8(s, 1)) == 0)
			return 0;
	} else if (ch != '\t' && (ch < 32 || ch > 126)) {
		s->warnings |= MW_ADDR_W_OBSOLETE;
	}
	s->c.pos += 1 + n;
	return n;
}

/* comment = "(" *([FWS] ccontent) [FWS] ")", ccontent nests (3.2.2). */
static void
comment(struct mw__addr_scan *s)
{
	size_t open[MW_ADDR_COMMENT_DEPTH], n;
	unsigned depth = 0;
	int ch;

	for (;;) {
		switch (ch = peek(s)) {
		case '(':
			if (depth == MW_ADDR_COMMENT_DEPTH) {
				fail(s, MW_ADDR_E_LIMIT, s->c.pos,
				    N_("comments nested deeper than 32"));
				return;
			}
			open[depth++] = s->c.pos++;
			break;
		case ')':
			s->c.pos++;
			if (--depth == 0)
				return;
			break;
		case '\\':
			if (quoted_pair(s) == 0) {
				fail(s, MW_ADDR_E_COMMENT, open[depth - 1],
				    N_("unclosed comment"));
				return;
			}
			break;
		case ' ':
		case '\t':
			s->c.pos++;
			break;
		case '\r':
			if (!fold(s))
				return;
			break;
		case '\n':
			fail(s, MW_ADDR_E_FOLDING, s->c.pos,
			    N_("line feed without carriage return"));
			return;
		case -1:
			fail(s, MW_ADDR_E_COMMENT, open[depth - 1],
			    N_("unclosed comment"));
			return;
		default:
			if (ch >= 0x80) {
				if ((n = utf8(s, 0)) == 0)
					return;
				s->c.pos += n;
			} else if (mw__addr_is((uint8_t)ch, MW__C_CTEXT)) {
				s->c.pos++;
			} else if (mw__addr_is((uint8_t)ch, MW__C_OBSCTL)) {
				s->warnings |= MW_ADDR_W_OBSOLETE;
				s->c.pos++;
			} else {
				fail(s, MW_ADDR_E_SYNTAX, s->c.pos,
				    N_("NUL character in a comment"));
				return;
			}
		}
	}
}

/*
 * [CFWS]; true when any was taken.  More than one CRLF in one run of FWS
 * is obs-FWS (RFC 5322 4.2 as corrected by erratum 1908).
 */
static bool
cfws_run(struct mw__addr_scan *s)
{
	unsigned crlf = 0;
	bool any = false;
	int ch;

	for (;;) {
		ch = peek(s);
		if (ch == ' ' || ch == '\t') {
			s->c.pos++;
		} else if (ch == '\r') {
			if (!fold(s))
				return any;
			if (++crlf > 1)
				s->warnings |= MW_ADDR_W_OBSOLETE;
		} else if (ch == '(') {
			comment(s);
			if (s->c.failed)
				return any;
			crlf = 0;
		} else if (ch == '\n') {
			fail(s, MW_ADDR_E_FOLDING, s->c.pos,
			    N_("line feed without carriage return"));
			return any;
		} else {
			break;
		}
		any = true;
	}
	if (any)
		s->warnings |= MW_ADDR_W_COMMENT;
	return any;
}

/* The common case, no CFWS at all, without a call. */
static inline bool
cfws(struct mw__addr_scan *s)
{
	int ch = peek(s);

	if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '(' && ch != '\n')
		return false;
	return cfws_run(s);
}

/* Adds content to the local part; at is where it stands in the input. */
static void
local_put(struct mw__addr_scan *s, const uint8_t *p, size_t n, size_t at)
{
	size_t i;
	uint8_t ch;

	for (i = 0; i < n; i++) {
		ch = p[i];
		if (s->local_clen < sizeof(s->local))
			s->local[s->local_clen] = ch;
		s->local_clen++;
		if (ch >= 0x80) {
			s->warnings |= MW_ADDR_W_SMTPUTF8;
		} else if (ch == '.') {
			if (s->local_last == '.')
				s->local_ds = false;
		} else if (!mw__addr_is(ch, MW__C_ATEXT)) {
			s->local_ds = false;
			if (ch == '"' || ch == '\\')
				s->local_nesc++;
			else if (ch < 32 || ch == 127)
				/* RFC 5321 4.1.2: qtextSMTP and
				 * quoted-pairSMTP are %d32-126 only */
				mw__addr_hdr(s, MW_ADDR_E_LOCAL_CTL, at,
				    N_("control character in the local part"));
		}
		s->local_last = ch;
	}
}

/* Adds an atom (atext and UTF-8 only) to the local part. */
static void
local_atom(struct mw__addr_scan *s, struct mw_slice w, bool utf8_seen)
{
	size_t room;

	if (w.len == 0)
		return;
	if (s->local_clen < sizeof(s->local)) {
		room = sizeof(s->local) - s->local_clen;
		memcpy(
		    s->local + s->local_clen, w.p, w.len < room ? w.len : room);
	}
	s->local_clen += w.len;
	s->local_last = w.p[w.len - 1];
	if (utf8_seen)
		s->warnings |= MW_ADDR_W_SMTPUTF8;
}

static void
domain_put(struct mw__addr_scan *s, const uint8_t *p, size_t n, bool lower)
{
	size_t i, len = s->domain_clen;
	uint8_t *d = s->domain, ch;

	/* Content never outgrows the input, itself capped. */
	if (n > sizeof(s->domain) - 1 - len)
		n = sizeof(s->domain) - 1 - len;
	for (i = 0; i < n; i++) {
		ch = p[i];
		if (lower && ch >= 'A' && ch <= 'Z')
			ch += 'a' - 'A';
		d[len + i] = ch;
	}
	s->domain_clen = len + n;
}

/*
 * 1*atext, atext =/ UTF8-non-ascii (RFC 6532 3.2).  Returns the span;
 * *utf8_seen tells whether it held any UTF-8, *all the class bits every
 * ASCII octet of it shares (MW__C_LDH there: a host-name label).
 */
static struct mw_slice
atom(struct mw__addr_scan *s, bool *utf8_seen, unsigned *all)
{
	struct mw_slice w = {s->c.p + s->c.pos, 0};
	const uint8_t *p = s->c.p;
	size_t i = s->c.pos, end = s->c.len, n;
	unsigned and_cls = 0xFF;

	*utf8_seen = false;
	if (s->c.failed) {
		*all = 0;
		return w;
	}
	/* The hot loop of every address: the cursor's bounds, read
	 * directly; octets >= 0x80 have no class bits. */
	for (;;) {
		while (i < end && mw__addr_is(p[i], MW__C_ATEXT))
			and_cls &= mw__addr_class[p[i++]];
		if (i == end || p[i] < 0x80)
			break;
		s->c.pos = i;
		if ((n = utf8(s, 0)) == 0)
			break;
		i += n;
		*utf8_seen = true;
	}
	if (!s->c.failed)
		s->c.pos = i;
	w.len = (size_t)(s->c.p + s->c.pos - w.p);
	*all = and_cls;
	return w;
}

/* quoted-string core: DQUOTE *([FWS] qcontent) [FWS] DQUOTE (3.2.4). */
static void
quoted_string(struct mw__addr_scan *s)
{
	size_t open = s->c.pos++, n;
	int ch;

	for (;;) {
		switch (ch = peek(s)) {
		case '"':
			s->c.pos++;
			return;
		case '\\':
			if ((n = quoted_pair(s)) == 0) {
				fail(s, MW_ADDR_E_QUOTE, open,
				    N_("unclosed quoted string"));
				return;
			}
			local_put(s, s->c.p + s->c.pos - n, n, s->c.pos - n);
			break;
		case '\r': /* the CRLF of FWS is not content, its WSP is */
			if (!fold(s))
				return;
			break;
		case '\n':
			fail(s, MW_ADDR_E_FOLDING, s->c.pos,
			    N_("line feed without carriage return"));
			return;
		case -1:
			fail(s, MW_ADDR_E_QUOTE, open,
			    N_("unclosed quoted string"));
			return;
		case 0:
			fail(s, MW_ADDR_E_SYNTAX, s->c.pos,
			    N_("NUL character in a quoted string"));
			return;
		default:
			n = 1;
			if (ch >= 0x80) {
				if ((n = utf8(s, 0)) == 0)
					return;
			} else if (mw__addr_is((uint8_t)ch, MW__C_OBSCTL)) {
				s->warnings |= MW_ADDR_W_OBSOLETE;
			}
			/* qtext, SP, HTAB, obs-qtext, UTF-8 */
			local_put(s, s->c.p + s->c.pos, n, s->c.pos);
			s->c.pos += n;
		}
	}
}

/* Where a word of the local part should start but none does. */
static void
word_missing(struct mw__addr_scan *s, int ch, unsigned words, size_t dot)
{
	size_t at = s->c.pos;

	if (ch == '.')
		fail(s, MW_ADDR_E_DOT, at,
		    words == 0 ? N_("local part starts with a dot")
		               : N_("two dots in a row"));
	else if (ch == '@' && words == 0)
		fail(s, MW_ADDR_E_NO_LOCAL, at, N_("nothing before the @"));
	else if (ch == '@')
		fail(s, MW_ADDR_E_DOT, dot, N_("local part ends with a dot"));
	else if (ch < 0)
		fail(s, MW_ADDR_E_NO_AT, at, N_("no @ sign"));
	else
		fail(s, MW_ADDR_E_SYNTAX, at, unexpected(ch));
}

/* After the last word of the local part comes ch, not '@'. */
static void
not_at(struct mw__addr_scan *s, int ch, bool space, bool quoted)
{
	size_t at = s->c.pos;

	if (ch < 0)
		fail(s, MW_ADDR_E_NO_AT, at, N_("no @ sign"));
	else if (space && (ch == '"' || ch >= 0x80 ||
	                      mw__addr_is((uint8_t)ch, MW__C_ATEXT)))
		fail(s, MW_ADDR_E_SYNTAX, at,
		    N_("white space or a comment inside the local part"));
	else if (quoted && (ch == '"' || ch >= 0x80 ||
	                       mw__addr_is((uint8_t)ch, MW__C_ATEXT)))
		fail(s, MW_ADDR_E_SYNTAX, at,
		    N_("text right after a quoted string (a dot missing?)"));
	else if (ch == '"')
		fail(s, MW_ADDR_E_SYNTAX, at,
		    N_("quote inside an unquoted word"));
	else if (ch == '<')
		fail(s, MW_ADDR_E_SYNTAX, at,
		    N_("a display name is not part of the address: give only "
		       "what is inside <...>"));
	else
		fail(s, MW_ADDR_E_SYNTAX, at, unexpected(ch));
}

/*
 * local-part = dot-atom / quoted-string / obs-local-part, read as
 * obs-local-part = word *("." word) (4.4) and then told apart: one
 * quoted-string, or atoms with CFWS only at the ends, are current forms.
 */
static void
local_part(struct mw__addr_scan *s)
{
	unsigned words = 0;
	bool pre, post = false, inner = false, quoted = false, u8;
	unsigned all;
	size_t dot = 0;
	struct mw_slice w;
	int ch;

	for (;;) {
		pre = cfws(s);
		if (s->c.failed)
			return;
		if (words > 0 && pre)
			inner = true;
		if (words == 0)
			s->local_pos = s->c.pos;
		ch = peek(s);
		if (ch == '"') {
			quoted_string(s);
			s->local_quoted = quoted = true;
		} else if (ch >= 0x80 ||
		           (ch >= 0 && mw__addr_is((uint8_t)ch, MW__C_ATEXT))) {
			w = atom(s, &u8, &all);
			local_atom(s, w, u8);
			quoted = false;
		} else {
			word_missing(s, ch, words, dot);
			return;
		}
		if (s->c.failed)
			return;
		words++;
		post = cfws(s);
		if (s->c.failed)
			return;
		if (peek(s) != '.')
			break;
		if (post)
			inner = true;
		dot = s->c.pos;
		local_put(s, (const uint8_t *)".", 1, dot);
		s->c.pos++;
	}
	if ((ch = peek(s)) != '@') {
		not_at(s, ch, post, quoted);
		return;
	}
	if (inner || (words > 1 && s->local_quoted))
		s->warnings |= MW_ADDR_W_OBSOLETE; /* obs-local-part */
	if (s->local_quoted)
		s->warnings |= MW_ADDR_W_QUOTED;
	/* RFC 5321 4.1.2: Dot-string = Atom *("." Atom), or Quoted-string
	 * with '"' and '\' as quoted-pairs. */
	s->local_dotstring = s->local_clen > 0 && s->local_ds &&
	                     s->local[0] != '.' && s->local_last != '.';
	s->local_len = s->local_dotstring ? s->local_clen
	                                  : s->local_clen + s->local_nesc + 2;
	if (s->local_len > MW_ADDR_LOCAL_MAX)
		mw__addr_bad(s, MW_ADDR_E_LOCAL_TOO_LONG, s->local_pos,
		    N_("local part longer than 64 octets"));
	s->c.pos++;
}

/* domain-literal core: "[" *([FWS] dtext) [FWS] "]" (3.4.1, 4.4). */
static void
literal(struct mw__addr_scan *s)
{
	size_t open = s->c.pos++, at, off, n;
	const char *why;
	bool clean = true;
	int ch;

	s->literal = true;
	for (;;) {
		at = s->c.pos;
		switch (ch = peek(s)) {
		case ']':
			s->c.pos++;
			goto closed;
		case '[':
			fail(s, MW_ADDR_E_LITERAL, at,
			    N_("'[' inside a domain literal"));
			return;
		case '\\': /* obs-dtext */
			if (quoted_pair(s) == 0) {
				fail(s, MW_ADDR_E_LITERAL, open,
				    N_("unclosed domain literal"));
				return;
			}
			s->warnings |= MW_ADDR_W_OBSOLETE;
			mw__addr_hdr(s, MW_ADDR_E_ADDR_LITERAL, at,
			    N_("backslash in a domain literal"));
			clean = false;
			break;
		case '\r':
			if (!fold(s))
				return;
			/* FALLTHROUGH */
		case ' ':
		case '\t':
			if (ch != '\r')
				s->c.pos++;
			mw__addr_hdr(s, MW_ADDR_E_ADDR_LITERAL, at,
			    N_("white space in a domain literal"));
			clean = false;
			break;
		case '\n':
			fail(s, MW_ADDR_E_FOLDING, at,
			    N_("line feed without carriage return"));
			return;
		case -1:
			fail(s, MW_ADDR_E_LITERAL, open,
			    N_("unclosed domain literal"));
			return;
		case 0:
			fail(s, MW_ADDR_E_SYNTAX, at,
			    N_("NUL character in a domain literal"));
			return;
		default:
			if (ch >= 0x80) {
				if ((n = utf8(s, 0)) == 0)
					return;
				s->c.pos += n;
				mw__addr_hdr(s, MW_ADDR_E_ADDR_LITERAL, at,
				    N_("non-ASCII character in a domain "
				       "literal"));
				clean = false;
			} else if (mw__addr_is((uint8_t)ch, MW__C_DTEXT)) {
				domain_put(s, s->c.p + at, 1, false);
				s->c.pos++;
			} else { /* obs-NO-WS-CTL */
				s->warnings |= MW_ADDR_W_OBSOLETE;
				mw__addr_hdr(s, MW_ADDR_E_ADDR_LITERAL, at,
				    N_("control character in a domain "
				       "literal"));
				clean = false;
				s->c.pos++;
			}
		}
	}
closed:
	if (!clean)
		return;
	why = mw__addr_literal(s->domain, s->domain_clen, &s->warnings, &off);
	if (why != NULL)
		mw__addr_hdr(s, MW_ADDR_E_ADDR_LITERAL, open + 1 + off, why);
	else
		s->warnings |= MW_ADDR_W_IP_LITERAL;
}

/* One label of a dot-atom or obs-domain. */
static void
label(struct mw__addr_scan *s)
{
	struct mw_slice w;
	const char *why;
	unsigned all;
	size_t off;
	bool u8;
	int code;

	w = atom(s, &u8, &all);
	if (s->c.failed)
		return;
	domain_put(s, w.p, w.len, true);
	if (u8) {
		s->domain_utf8 = true; /* IDNA judges it (addr.c) */
		return;
	}
	if ((all & MW__C_LDH) && w.p[0] != '-' && w.p[w.len - 1] != '-' &&
	    w.len <= MW_ADDR_LABEL_MAX)
		return; /* the common case, decided on the way */
	if ((why = mw__addr_label_check(w.p, w.len, &code, &off)) != NULL)
		mw__addr_bad(s, code, (size_t)(w.p - s->c.p) + off, why);
}

/* domain = dot-atom / domain-literal / obs-domain (3.4.1, 4.4). */
static void
domain(struct mw__addr_scan *s)
{
	unsigned labels = 0;
	bool post = false, inner = false;
	size_t dot = 0;
	int ch;

	cfws(s);
	if (s->c.failed)
		return;
	s->domain_pos = s->c.pos;
	if (peek(s) == '[') {
		literal(s);
		if (!s->c.failed)
			cfws(s);
		if ((ch = peek(s)) >= 0)
			fail(s, MW_ADDR_E_LITERAL, s->c.pos,
			    N_("text after the domain literal"));
		return;
	}
	for (;;) {
		ch = peek(s);
		if (ch >= 0x80 ||
		    (ch >= 0 && mw__addr_is((uint8_t)ch, MW__C_ATEXT))) {
			label(s);
		} else if (ch == '.') {
			fail(s, MW_ADDR_E_DOT, s->c.pos,
			    labels == 0 ? N_("domain starts with a dot")
			                : N_("two dots in a row"));
		} else if (ch < 0 && labels == 0) {
			fail(s, MW_ADDR_E_NO_DOMAIN, s->c.pos,
			    N_("nothing after the @"));
		} else if (ch < 0) {
			fail(s, MW_ADDR_E_DOT, dot,
			    N_("domain ends with a dot"));
		} else {
			fail(s, MW_ADDR_E_SYNTAX, s->c.pos, unexpected(ch));
		}
		if (s->c.failed)
			return;
		labels++;
		post = cfws(s);
		if (s->c.failed)
			return;
		if (peek(s) != '.')
			break;
		if (post)
			inner = true;
		dot = s->c.pos++;
		domain_put(s, (const uint8_t *)".", 1, false);
		if (cfws(s))
			inner = true;
		if (s->c.failed)
			return;
	}
	if ((ch = peek(s)) >= 0) {
		if (post &&
		    (ch >= 0x80 || mw__addr_is((uint8_t)ch, MW__C_ATEXT)))
			fail(s, MW_ADDR_E_SYNTAX, s->c.pos,
			    N_("white space or a comment inside the domain"));
		else
			fail(s, MW_ADDR_E_SYNTAX, s->c.pos, unexpected(ch));
		return;
	}
	if (inner)
		s->warnings |= MW_ADDR_W_OBSOLETE; /* obs-domain */
}

void
mw__addr_scan(struct mw__addr_scan *s, const uint8_t *in, size_t len)
{
	mw_cursor_init(&s->c, in, len);
	s->warnings = 0;
	memset(&s->bad, 0, sizeof(s->bad));
	memset(&s->hdr, 0, sizeof(s->hdr));
	s->local_pos = 0;
	s->local_clen = 0;
	s->local_nesc = 0;
	s->local_ds = true;
	s->local_last = 0;
	s->local_dotstring = false;
	s->local_quoted = false;
	s->local_len = 0;
	s->domain_pos = 0;
	s->literal = false;
	s->domain_utf8 = false;
	s->domain_clen = 0;

	local_part(s);
	if (!s->c.failed && s->c.pos <= len)
		domain(s);
	if (s->domain_clen < sizeof(s->domain))
		s->domain[s->domain_clen] = '\0';
}
