/*
 * body.c - the body matcher: failed recipients and their diagnostic
 * lines in the human-readable text of a bounce, for the many MTAs that
 * send no message/delivery-status part (qmail, Exim, old Sendmail,
 * Exchange, webmail providers) or send one without the remote's words.
 *
 * The shapes recognised are layouts, not products:
 *   "<addr>: words"  "addr: words"  "<addr>... words"   (Postfix, Sendmail)
 *   "  addr" alone, words on the following indented lines   (Exim, Gmail)
 *   "<addr>:" then a paragraph                             (qmail)
 *   ">>> RCPT To:<addr>" then "<<< 550 ..."                (transcripts)
 *   "Final-Recipient: rfc822; addr" written as text         (pasted DSNs)
 *   "(expanded from: addr)" under or beside a recipient     (aliases)
 * The scan stops at the copy of the original message (a separator line
 * naming it, an attached message's Content-Type, or its first Received
 * or Return-Path line), so addresses in the original never count.
 *
 * Limits (limits.h): MW_BOUNCE_BODY_LINES_MAX lines, MW_BOUNCE_LINE_MAX
 * octets per line examined, MW_BOUNCE_DIAG_MAX octets of diagnostic per
 * recipient, at most max recipients.  Input is bytes, never trusted to
 * be NUL-terminated; results live in the arena.
 */
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "bounce/bounce_int.h"
#include "mailwhy/buf.h"
#include "mailwhy/slice.h"
#include "util/limits.h"

struct line {
	const uint8_t *p;
	size_t len;
	size_t indent;
};

static bool
is_local(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c >= 0x80 ||
	    strchr(".!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static bool
is_dom(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '-' || c >= 0x80;
}

/*
 * The first address in p[0..len): start offset and length; false when
 * there is none.  local@domain with a dotted domain (or [ip]).
 */
static bool
find_addr(const uint8_t *p, size_t len, size_t from, size_t *s, size_t *n)
{
	size_t i;

	for (i = from; i < len; i++) {
		const uint8_t *at = memchr(p + i, '@', len - i);
		size_t a, b;

		if (at == NULL)
			return false;
		i = (size_t)(at - p);
		a = i;
		while (a > 0 && is_local(p[a - 1]) && i - a < MW_ADDR_LOCAL_MAX)
			a--;
		while (a < i && (p[a] == '.' || p[a] == '\'' || p[a] == '/' ||
		    p[a] == '|' || p[a] == '*' || p[a] == '='))
			a++;
		b = i + 1;
		while (b < len && is_dom(p[b]) && b - i < MW_ADDR_DOMAIN_MAX)
			b++;
		while (b > i + 1 && (p[b - 1] == '.' || p[b - 1] == '-'))
			b--;
		if (a == i || b == i + 1)
			continue;
		if (memchr(p + i + 1, '.', b - i - 1) == NULL)
			continue;
		*s = a;
		*n = b - a;
		return true;
	}
	return false;
}

/* ASCII case folding, as strncasecmp in the C locale: the phrases are
 * ASCII, and a byte test first spares a call on nearly every position */
static inline uint8_t
lc(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* Does p[0..len) start with pre (ASCII case folded)? */
static inline bool
starts_ci(const uint8_t *p, size_t len, const char *pre)
{
	size_t i;

	for (i = 0; pre[i] != '\0'; i++)
		if (i >= len || lc(p[i]) != lc((uint8_t)pre[i]))
			return false;
	return true;
}

static bool
has_ci(const uint8_t *p, size_t len, const char *needle)
{
	return mw_ci_find((const char *)p, len, needle, strlen(needle)) !=
	    NULL;
}

/* Does this line begin the copy of the original message? */
static bool
is_cut(const struct line *l)
{
	static const char *const words[] = {"original", "copy of",
	    "unsent", "returned", "follows", "headers", "rfc822",
	    "below this line", "message text", "message body", "message ",
	    NULL};
	/* separators that introduce the error, not the original */
	static const char *const keep[] = {"transcript", "reason", "error",
	    "following address", "fatal", "delivery report", NULL};
	char low[MW_BOUNCE_LINE_MAX];
	const uint8_t *p = l->p + l->indent;
	size_t len = l->len - l->indent, i, deco = 0;

	/* every line comes here: the first byte rules most out */
	if (len > 0 && (p[0] | 0x20) == 'c' &&
	    (starts_ci(p, len, "content-type: message/") ||
	    starts_ci(p, len, "content-type: text/rfc822-headers")))
		return true;
	if (len > 0 && (p[0] | 0x20) == 'r' &&
	    (starts_ci(p, len, "received: from") ||
	    starts_ci(p, len, "return-path:")))
		return true;
	/* the original quoted as a reply quotes it, "> Received: from"
	 * (LLNL's locator notices, hosting providers' advisories): its
	 * trace lines are never a failure's.  Not "> Return-Path:": a
	 * forwarded bounce quotes its own, the failure below it */
	if (len > 2 && p[0] == '>' && (p[1] == ' ' ? (p[2] | 0x20) == 'r' :
	    (p[1] | 0x20) == 'r')) {
		const uint8_t *q = p + (p[1] == ' ' ? 2 : 1);

		if (starts_ci(q, len - (size_t)(q - p), "received: from"))
			return true;
	}
	for (i = 0; i < len && (p[i] == '-' || p[i] == '=' || p[i] == '_' ||
	    p[i] == '*' || p[i] == '#' || p[i] == ' '); i++)
		if (p[i] != ' ')
			deco++;
	if (deco < 3)
		return false;
	/* a separator line: lowered once, then each word looked up */
	if (len > sizeof(low))
		len = sizeof(low); /* lines are cut there already */
	for (i = 0; i < len; i++)
		low[i] = (char)lc(p[i]);
	for (i = 0; keep[i] != NULL; i++)
		if (memmem(low, len, keep[i], strlen(keep[i])) != NULL)
			return false;
	for (i = 0; words[i] != NULL; i++)
		if (memmem(low, len, words[i], strlen(words[i])) != NULL)
			return true;
	return false;
}

static bool
is_header_line(const struct line *l)
{
	static const char *const h[] = {"from:", "to:", "cc:", "subject:",
	    "date:", "reply-to:", "sender:", "message-id:", "in-reply-to:",
	    "references:", "return-path:", "envelope-to:", "delivered-to:",
	    "x-", "errors-to:", "mail from:", "reporting-mta:", NULL};
	size_t i;

	for (i = 0; h[i] != NULL; i++)
		if (starts_ci(l->p + l->indent, l->len - l->indent, h[i]))
			return true;
	return false;
}

/* Lines that end a recipient's diagnostic block. */
static bool
is_blank(const struct line *l)
{
	return l->indent == l->len;
}

/*
 * Is the address at p[s..s+n) in this line the subject of the line (a
 * failed recipient), not a mention inside a sentence?  Sets *rest to
 * the offset of the words after it.
 */
static bool
recipient_line(const struct line *l, size_t s, size_t n, size_t *rest,
    const char **cmd)
{
	const uint8_t *p = l->p;
	size_t len = l->len, b = s, e = s + n, i;

	*cmd = NULL;
	/* ">>> RCPT To:<addr>" transcripts */
	for (i = l->indent; i < s; i++)
		if (starts_ci(p + i, len - i, "rcpt to:")) {
			*cmd = "RCPT";
			*rest = len;
			return true;
		}
	if (b > l->indent && p[b - 1] == '<')
		b--;
	if (e < len && p[e] == '>')
		e++;
	/* "Final-Recipient: rfc822; addr", "Failed recipient: addr",
	 * "Recipient address: addr": a short label, then the address */
	/* the last ':' before the address: Zoho writes "[Status: Error,
	 * Address: <addr>, ResponseCode 421, ...]" */
	for (i = b; i > l->indent; i--)
		if (p[i - 1] == ':' || p[i - 1] == ';')
			break;
	i = i > l->indent ? i - 1 : b;
	if (i < b) {
		const uint8_t *q = p + l->indent;
		size_t ql = i - l->indent, j;
		bool label_ok = ql <= 40;

		for (j = i + 1; j < b && label_ok; j++)
			if (strchr(" \t<\"';", p[j]) == NULL &&
			    !starts_ci(p + j, b - j, "rfc822"))
				label_ok = false;
			else if (starts_ci(p + j, b - j, "rfc822"))
				j += 5;
		if (label_ok && (has_ci(q, ql, "recipient") ||
		    has_ci(q, ql, "address") || has_ci(q, ql, "rcpt") ||
		    has_ci(q, ql, "fail") ||
		    has_ci(q, ql, "to") || has_ci(q, ql, "user") ||
		    has_ci(q, ql, "mailbox")) &&
		    !has_ci(q, ql, "original-recipient") &&
		    !has_ci(q, ql, "from") && !has_ci(q, ql, "sender")) {
			*rest = e;
			return true;
		}
	}
	/* in a sentence: "... delivering your mail to <addr>." */
	if (b > l->indent + 3) {
		const uint8_t *q = p + l->indent;
		size_t ql = b - l->indent;

		if (ql >= 3 && (strncasecmp((const char *)p + b - 3, "to ",
		    3) == 0) && (has_ci(q, ql, "deliver") ||
		    has_ci(q, ql, "fail") || has_ci(q, ql, "error") ||
		    has_ci(q, ql, "could not") || has_ci(q, ql, "unable"))) {
			*rest = e;
			return true;
		}
	}
	/* the address must start the line, after quotes, brackets or a
	 * list bullet ("-- addr", Mimecast); Sendmail V5 puts the reply
	 * code first: "554 <addr>... 550 Host unknown" */
	i = l->indent;
	if (b - i >= 4 && p[b] == '<' && p[i] >= '2' && p[i] <= '5' &&
	    p[i + 1] >= '0' && p[i + 1] <= '9' && p[i + 2] >= '0' &&
	    p[i + 2] <= '9' && p[i + 3] == ' ')
		i += 4;
	for (; i < b; i++)
		if (strchr("\"'([*- ", p[i]) == NULL)
			return false;
	*rest = e;
	return true;
}

/*
 * An alias note, "(expanded from: <addr>)" (Sendmail, on the line under
 * the recipient) or "(expanded from <addr>)" (Postfix, beside it), at
 * p[0..len): sets *s and *n to the address inside the parentheses and
 * *end past the ')'.  The address the sender wrote, where the listed
 * one is the alias's target (RFC 3464 2.3.1 makes the same choice).
 */
static bool
expansion(const uint8_t *p, size_t len, size_t *s, size_t *n, size_t *end)
{
	const uint8_t *close;
	size_t cl;

	if (len == 0 || p[0] != '(' || !starts_ci(p, len, "(expanded from"))
		return false;
	close = memchr(p, ')', len);
	cl = close != NULL ? (size_t)(close - p) : len;
	if (!find_addr(p, cl, 14, s, n))
		return false;
	*end = close != NULL ? cl + 1 : len;
	return true;
}

/* Keeps the alias note's address on h, unless it is h's own. */
static void
note_expansion(struct mw_bounce_hit *h, struct mw_arena *a,
    const uint8_t *p, size_t n)
{
	if (h->expanded_from == NULL && (strlen(h->recipient) != n ||
	    strncasecmp(h->recipient, (const char *)p, n) != 0))
		h->expanded_from = mw_arena_strndup(a, p, n);
}

/* Appends a chunk; at the cap, as much of it as fits (byte by byte,
 * as the cap decides).  Nonzero when the cap was hit. */
static int
put_chunk(struct mw_buf *b, const uint8_t *p, size_t n)
{
	size_t i;

	if (mw_buf_append(b, p, n) == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (mw_buf_putc(b, p[i]) != 0)
			return 1;
	return 0;
}

/* Appends p[0..len) with every run of blanks and control bytes as one
 * space (a space first when b has text already). */
static void
squeeze_append(struct mw_buf *b, const uint8_t *p, size_t len)
{
	uint8_t chunk[256];
	size_t i, k = 0;
	uint8_t last = b->len > 0 ? b->p[b->len - 1] : 0;

	if (b->len > 0 && len > 0) {
		chunk[k++] = ' ';
		last = ' ';
	}
	for (i = 0; i < len; i++) {
		uint8_t c = p[i];

		if (c <= ' ') {
			if (last == ' ' && (k > 0 || b->len > 0))
				continue;
			c = ' ';
		}
		chunk[k++] = last = c;
		if (k == sizeof(chunk)) {
			if (put_chunk(b, chunk, k) != 0)
				return;
			k = 0;
		}
	}
	if (k > 0)
		(void)put_chunk(b, chunk, k);
}

/* Does d start with the lowercase ASCII word w, case folded? */
static inline bool
at_ci(const char *d, const char *w)
{
	for (; *w; d++, w++)
		if (((unsigned char)*d | 0x20) != (unsigned char)*w ||
		    *d == '\0')
			return false;
	return true;
}

/*
 * What a diagnostic's words point at, in one pass: where the name after
 * each remote-host key starts, at the key's first occurrence ("host ",
 * Postfix and Exim; "while talking to ", Sendmail; "remote host ";
 * "connected to "), and which SMTP commands are named (bits: 1 RCPT,
 * 2 MAIL, 4 DATA, 8 EHLO, 16 CONN).
 */
#define HOST_KEYS 4

struct marks {
	const char *host[HOST_KEYS]; /* in order of precedence */
	unsigned cmd;
};

/* Every phrase mark() looks for: a command's bit, or a host key. */
static const struct {
	const char *w;
	int host; /* index in marks.host, or -1 */
	unsigned cmd;
} mark_keys[] = {
	{"rcpt", -1, 1}, {"recipient address rejected", -1, 1},
	{"does not like recipient", -1, 1}, {"mail from", -1, 2},
	{"end of data", -1, 4}, {"after data", -1, 4},
	{"data command", -1, 4}, {"ehlo", -1, 8}, {"helo", -1, 8},
	{"initial connection", -1, 16}, {"host ", 0, 0},
	{"while talking to ", 1, 0}, {"remote host ", 2, 0},
	{"connected to ", 3, 0},
};
#define NMARK_KEYS (sizeof(mark_keys) / sizeof(mark_keys[0]))

/* A bit per three 5-bit letter codes (either case folds to one code):
 * set for the first three letters of each phrase. */
static uint8_t tri[4096];
static pthread_once_t tri_once = PTHREAD_ONCE_INIT;

static void
tri_build(void)
{
	size_t i;

	for (i = 0; i < NMARK_KEYS; i++) {
		const unsigned char *k = (const unsigned char *)mark_keys[i].w;
		uint32_t h = ((uint32_t)(k[0] & 31) << 10) |
		    ((uint32_t)(k[1] & 31) << 5) | (k[2] & 31);

		tri[h >> 3] |= (uint8_t)(1u << (h & 7));
	}
}

static void
mark(const char *d, struct marks *m)
{
	const char *e;
	uint32_t h = 0;
	size_t k;

	(void)pthread_once(&tri_once, tri_build);
	memset(m, 0, sizeof(*m));
	/* the last three bytes' 5 low bits, rolling: a phrase can start
	 * only where they are some phrase's first three letters (a
	 * leading 0 group never is: every phrase starts with a letter) */
	for (e = d; *e; e++) {
		const char *q = e - 2;

		h = ((h << 5) | ((unsigned char)*e & 31)) & 0x7FFF;
		if (!(tri[h >> 3] >> (h & 7) & 1))
			continue;
		for (k = 0; k < NMARK_KEYS; k++) {
			int hk = mark_keys[k].host;

			if ((hk >= 0 && m->host[hk] != NULL) ||
			    !at_ci(q, mark_keys[k].w))
				continue;
			if (hk >= 0)
				m->host[hk] = q + strlen(mark_keys[k].w);
			m->cmd |= mark_keys[k].cmd;
		}
	}
}

/* The host named after the first key (in order of precedence) that is
 * followed by a dotted name. */
static const char *
remote_from(struct mw_arena *a, const struct marks *m)
{
	size_t k;

	for (k = 0; k < HOST_KEYS; k++) {
		const char *h = m->host[k];
		size_t n = 0;

		if (h == NULL)
			continue;
		while (is_dom((uint8_t)h[n]))
			n++;
		while (n > 0 && h[n - 1] == '.')
			n--;
		if (n > 3 && memchr(h, '.', n) != NULL)
			return mw_arena_strndup(a, h, n);
	}
	return NULL;
}

/* The command the words name, in order of precedence. */
static const char *
command_of(unsigned seen)
{
	if (seen & 1)
		return "RCPT";
	if (seen & 2)
		return "MAIL";
	if (seen & 4)
		return "DATA";
	if (seen & 8)
		return "EHLO";
	if (seen & 16)
		return "CONN";
	return NULL;
}

const char *
mw__bounce_command(const char *d)
{
	struct marks m;

	mark(d, &m);
	return command_of(m.cmd);
}

size_t
mw_bounce_body_scan(struct mw_bounce_hit *out, size_t max,
    struct mw_arena *a, const uint8_t *text, size_t len)
{
	size_t cut;

	return mw__bounce_body_scan(out, max, a, text, len, &cut);
}

size_t
mw__bounce_body_scan(struct mw_bounce_hit *out, size_t max,
    struct mw_arena *a, const uint8_t *text, size_t len, size_t *cut)
{
	struct line l;
	size_t pos = 0, nlines = 0, nout = 0, k;
	struct mw_buf diag;
	struct mw_bounce_hit *cur = NULL;
	bool in_block = false;
	size_t blanks = 0;
	/* Sendmail V5 writes the transcript ("<<< 550 Insecure Mail
	 * Relay") before the recipient line it explains */
	struct mw_buf pend;

	*cut = len;
	if (text == NULL || max == 0)
		return 0;
	mw_buf_init(&diag, MW_BOUNCE_DIAG_MAX);
	mw_buf_init(&pend, MW_BOUNCE_DIAG_MAX);
	while (pos < len && nlines++ < MW_BOUNCE_BODY_LINES_MAX) {
		const uint8_t *nl = memchr(text + pos, '\n', len - pos);
		size_t s, n, rest, end;
		const char *cmd;

		l.p = text + pos;
		l.len = nl ? (size_t)(nl - l.p) : len - pos;
		pos += l.len + (nl ? 1 : 0);
		if (l.len > MW_BOUNCE_LINE_MAX)
			l.len = MW_BOUNCE_LINE_MAX;
		while (l.len > 0 && (l.p[l.len - 1] == '\r' ||
		    l.p[l.len - 1] == ' ' || l.p[l.len - 1] == '\t'))
			l.len--;
		for (l.indent = 0; l.indent < l.len &&
		    (l.p[l.indent] == ' ' || l.p[l.indent] == '\t');
		    l.indent++)
			;
		if (is_cut(&l)) {
			*cut = (size_t)(l.p - text);
			break;
		}
		if (is_blank(&l)) {
			if (cur != NULL && diag.len > 0)
				blanks++;
			if (blanks >= 2)
				in_block = false;
			continue;
		}
		if (find_addr(l.p, l.len, 0, &s, &n) && !is_header_line(&l) &&
		    recipient_line(&l, s, n, &rest, &cmd)) {
			bool dup = false;

			for (k = 0; k < nout; k++)
				if (strlen(out[k].recipient) == n &&
				    strncasecmp(out[k].recipient,
				    (const char *)l.p + s, n) == 0)
					dup = true;
			if (cur != NULL && diag.len > 0 && cur->diagnostic == NULL)
				cur->diagnostic = mw_arena_strndup(a, diag.p,
				    diag.len);
			mw_buf_reset(&diag);
			blanks = 0;
			if (dup) {
				/* the same address again (a transcript after
				 * a summary): its words extend the first */
				for (k = 0; k < nout; k++)
					if (strncasecmp(out[k].recipient,
					    (const char *)l.p + s, n) == 0)
						break;
				cur = &out[k];
				if (cur->diagnostic != NULL)
					squeeze_append(&diag,
					    (const uint8_t *)cur->diagnostic,
					    strlen(cur->diagnostic));
				cur->diagnostic = NULL;
			} else {
				if (nout >= max)
					break;
				cur = &out[nout++];
				memset(cur, 0, sizeof(*cur));
				cur->recipient = mw_arena_strndup(a, l.p + s,
				    n);
			}
			if (cmd != NULL)
				cur->command = cmd;
			if (pend.len > 0) {
				squeeze_append(&diag, pend.p, pend.len);
				mw_buf_reset(&pend);
			}
			in_block = true;
			while (rest < l.len && (l.p[rest] == ' ' ||
			    l.p[rest] == '\t'))
				rest++;
			if (expansion(l.p + rest, l.len - rest, &s, &n, &end)) {
				note_expansion(cur, a, l.p + rest + s, n);
				rest += end;
			}
			while (rest < l.len && strchr(":.> \t", l.p[rest]))
				rest++;
			if (rest < l.len)
				squeeze_append(&diag, l.p + rest,
				    l.len - rest);
			continue;
		}
		if (cur == NULL && starts_ci(l.p + l.indent, l.len - l.indent,
		    "<<< ")) {
			squeeze_append(&pend, l.p + l.indent + 4,
			    l.len - l.indent - 4);
			continue;
		}
		if (cur != NULL && in_block) {
			const uint8_t *p = l.p + l.indent;
			size_t pl = l.len - l.indent;

			/* Sendmail's alias note under the recipient: an
			 * address, not words of the failure */
			if (expansion(p, pl, &s, &n, &end)) {
				note_expansion(cur, a, p + s, n);
				continue;
			}
			/* transcript replies: "<<< 550 5.1.1 ..." */
			if (starts_ci(p, pl, "<<< ")) {
				p += 4;
				pl -= 4;
			} else if (starts_ci(p, pl, ">>> "))
				continue;
			squeeze_append(&diag, p, pl);
		}
	}
	if (cur != NULL && diag.len > 0 && cur->diagnostic == NULL)
		cur->diagnostic = mw_arena_strndup(a, diag.p, diag.len);
	mw_buf_release(&diag);
	mw_buf_release(&pend);
	for (k = 0; k < nout; k++) {
		struct marks m;

		if (out[k].diagnostic == NULL)
			out[k].diagnostic = "";
		mark(out[k].diagnostic, &m);
		out[k].remote_mta = remote_from(a, &m);
		if (out[k].command == NULL)
			out[k].command = command_of(m.cmd);
	}
	return nout;
}

bool
mw_bounce_mbox_next(const uint8_t **msg, size_t *msglen, const uint8_t *p,
    size_t len, size_t *off)
{
	size_t s = *off, i;

	if (s >= len)
		return false;
	/* RFC 4155: a message starts at "From " at the start of a line */
	for (i = s + 1; i + 5 <= len; i++)
		if (p[i - 1] == '\n' && memcmp(p + i, "From ", 5) == 0)
			break;
	if (i + 5 > len)
		i = len;
	*msg = p + s;
	*msglen = i - s;
	*off = i;
	return true;
}
