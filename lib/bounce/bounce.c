/*
 * bounce.c - one message in, one verdict per failed recipient out.
 *
 * Order of evidence, as in sisimai:
 *   1. a feedback report (RFC 5965 multipart/report; report-type=
 *      feedback-report): reason "feedback" with its Feedback-Type;
 *   2. a delivery status notification (RFC 3464 / RFC 6533): the
 *      recipients, Status, Action, Remote-MTA and Diagnostic-Code, with
 *      the human-readable part filling in the words when the DSN has
 *      none;
 *   3. an auto-reply (RFC 3834 Auto-Submitted, X-Autoreply, vacation
 *      subjects): reason "vacation", never a failure;
 *   4. a non-standard bounce recognised by its sender, subject or
 *      failure headers (X-Failed-Recipients): the body matcher (body.c);
 * then each recipient is classified (reason.c).  A message with none of
 * this evidence is MW_BOUNCE_NOT.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bounce/bounce_int.h"
#include "mailwhy/mime.h"
#include "mailwhy/buf.h"
#include "mailwhy/slice.h"
#include "util/limits.h"

#define N_(s) s /* a message id, translated where the report is rendered */
/* What the texts call a recipient whose address the report withholds. */
#define NO_ADDRESS N_("(address not given)")

struct msg {
	struct mw_mime m;
	struct mw_arena *a;
	const char *from, *subject, *to;
	bool nomem; /* a part's content could not be decoded: sticky */
	/* the last diagnostic's command: the recipients of one bounce
	 * often share their words (a list expanded, a domain refused) */
	const char *cmd_diag, *cmd;
};

/* mw__bounce_command, once per distinct diagnostic in a row. */
static const char *
command(struct msg *x, const char *diag)
{
	if (x->cmd_diag == NULL || strcmp(x->cmd_diag, diag) != 0) {
		const char *c = mw__bounce_command(diag);

		x->cmd_diag = diag;
		x->cmd = c != NULL ? c : "";
	}
	return x->cmd;
}

static const char *
hdr(const struct msg *x, const char *name)
{
	return mw_mime_header_get(x->m.headers, x->m.nheaders, name);
}

/*
 * strcasestr for needles that start a line ("\nFinal-Recipient:"): one
 * walk from newline to newline (strchr) sets found[k] to the newline
 * before the first line starting with needles[k], or NULL.
 */
static void
lines_find(const char *hay, const char *const *needles, const char **found,
    size_t n)
{
	size_t k, left = n;

	for (k = 0; k < n; k++)
		found[k] = NULL;
	while (left > 0 && (hay = strchr(hay, '\n')) != NULL) {
		unsigned char c = (unsigned char)hay[1] | 0x20;

		/* the needles start with a letter: one test rules out most
		 * lines before a call */
		for (k = 0; k < n; k++)
			if (found[k] == NULL &&
			    c == ((unsigned char)needles[k][1] | 0x20) &&
			    strncasecmp(hay + 1, needles[k] + 1,
			    strlen(needles[k]) - 1) == 0) {
				found[k] = hay;
				left--;
			}
		hay++;
	}
}

static const char *
line_find(const char *hay, const char *needle)
{
	const char *f;

	lines_find(hay, &needle, &f, 1);
	return f;
}

/*
 * Part p's content (decoded on first read, mw_mime_part_data) as a
 * NUL-terminated string, *len its length when len is not NULL.  Out of
 * memory reads as empty and is kept in x->nomem, which mw_bounce_parse
 * turns into MW_ENOMEM: no verdict comes from a part that was not read.
 */
static const char *
part_text(struct msg *x, struct mw_mime_part *p, size_t *len)
{
	size_t n;
	const uint8_t *d = mw_mime_part_data(&n, p);

	if (d == NULL) {
		x->nomem = true;
		d = (const uint8_t *)"";
		n = 0;
	}
	if (len != NULL)
		*len = n;
	return (const char *)d;
}

static bool
ci_has(const char *hay, const char *needle)
{
	return mw_ci_strstr(hay, needle) != NULL;
}

/* Sender names and subjects of bounces, in the languages seen. */
static bool
looks_bounce(const struct msg *x)
{
	static const char *const froms[] = {"mailer-daemon", "postmaster",
	    "mail delivery", "mail administrator", "mailer_daemon",
	    "mail-daemon", "mdaemon", "bounce", "nobody@", "mail system",
	    "delivery subsystem", "microsoftexchange", "mailerdaemon",
	    "returned mail", "no-reply@", "noreply@", "notify", NULL};
	static const char *const subjects[] = {"undeliver", "undelivered",
	    "delivery status", "delivery fail", "delivery notification",
	    "returned mail", "failure notice", "mail delivery failed",
	    "could not be delivered", "nondeliverable", "non remis",
	    "non-remis", "unzustellbar", "zustellung", "not delivered",
	    "delivery problem", "mail system error", "warning: could not",
	    "delayed mail", "delivery delay", "message delayed",
	    "returned to sender", "rejected", "bounce", "error",
	    "недостав", "не доставлено", "возврат", "failed", "delivery report",
	    "delivery has failed", "status notification", "mail failure",
	    "nicht zugestellt", "not be delivered", "sending failed",
	    /* Microsoft's "Non-Delivery Report" (Exchange 5.5, CDO
	     * scripts), SoftBank's "Non Delivery Notification" */
	    "non-delivery", "non delivery", "nondelivery", NULL};
	size_t i;

	if (hdr(x, "X-Failed-Recipients") != NULL)
		return true;
	for (i = 0; froms[i] != NULL; i++)
		if (ci_has(x->from, froms[i]))
			return true;
	for (i = 0; subjects[i] != NULL; i++)
		if (ci_has(x->subject, subjects[i]))
			return true;
	return false;
}

/* RFC 3834 3.1.7 and the de-facto markers of vacation programs. */
static bool
looks_autoreply(const struct msg *x)
{
	static const char *const subjects[] = {"auto:", "autoreply",
	    "auto-reply", "auto reply", "automatic reply", "out of office",
	    "out of the office", "vacation", "autosvar", "abwesenheit",
	    "автоответ", "réponse automatique", "away from", NULL};
	const char *as = hdr(x, "Auto-Submitted");
	size_t i;

	if (as != NULL && ci_has(as, "auto-replied"))
		return true;
	if (hdr(x, "X-Autoreply") != NULL || hdr(x, "X-Autorespond") != NULL)
		return true;
	if (ci_has(hdr(x, "Precedence"), "auto_reply"))
		return true;
	for (i = 0; subjects[i] != NULL; i++)
		if (ci_has(x->subject, subjects[i]))
			return true;
	return false;
}

/* The next '<' or '>' at or after k (len when none); *lt and *gt
 * cache the next of each, so the text is searched once. */
static size_t
next_angle(const uint8_t *d, size_t len, size_t k, size_t *lt, size_t *gt)
{
	const uint8_t *q;

	if (*lt < k) {
		q = memchr(d + k, '<', len - k);
		*lt = q ? (size_t)(q - d) : len;
	}
	if (*gt < k) {
		q = memchr(d + k, '>', len - k);
		*gt = q ? (size_t)(q - d) : len;
	}
	return *lt < *gt ? *lt : *gt;
}

/* Does the tag name at t (after '<', 3 bytes readable) start a line:
 * br, p..., tr, div (case folded, as strncasecmp would)? */
static bool
line_tag(const uint8_t *t)
{
	uint8_t a = t[0] | 0x20, b = t[1] | 0x20, c = t[2] | 0x20;

	return a == 'p' || (a == 'b' && b == 'r') || (a == 't' && b == 'r') ||
	    (a == 'd' && b == 'i' && c == 'v');
}

/* The text of an HTML part: tags out, a line break for <br>, <p>,
 * <tr> and <div>, the rest as written (entities are left alone). */
static void
html_text(struct mw_buf *b, const uint8_t *d, size_t len)
{
	const uint8_t *q;
	size_t k = 0, e, lt, gt;
	bool tag = false;

	q = memchr(d, '<', len);
	lt = q ? (size_t)(q - d) : len;
	q = memchr(d, '>', len);
	gt = q ? (size_t)(q - d) : len;
	while (k < len) {
		e = next_angle(d, len, k, &lt, &gt);
		if (!tag && e > k && mw_buf_append(b, d + k, e - k) != 0) {
			/* at the cap: as much as fits */
			while (k < e && mw_buf_putc(b, d[k]) == 0)
				k++;
			return;
		}
		if (e == len)
			return;
		if (d[e] == '<') {
			tag = true;
			if (e + 3 < len && line_tag(d + e + 1))
				(void)mw_buf_putc(b, '\n');
		} else
			tag = false;
		k = e + 1;
	}
}

/* The human-readable text: text parts outside the returned original. */
static void
human_text(struct mw_buf *b, struct msg *x)
{
	size_t i, len;
	bool any = false;

	for (i = 0; i < x->m.nparts; i++) {
		struct mw_mime_part *p = &x->m.parts[i];

		if (strcmp(p->type, "message/rfc822") == 0 ||
		    strcmp(p->type, "text/rfc822-headers") == 0)
			break; /* the original follows */
		if (strncmp(p->type, "text/plain", 10) == 0 ||
		    (strncmp(p->type, "text/", 5) == 0 &&
		    strcmp(p->type, "text/html") != 0 && p->depth == 0)) {
			const char *t = part_text(x, p, &len);

			(void)mw_buf_append(b, t, len);
			(void)mw_buf_putc(b, '\n');
			any = true;
		}
	}
	if (any)
		return;
	/* HTML-only bounces (Office 365 keeps a plain part; some portals
	 * do not): tags out, text kept */
	for (i = 0; i < x->m.nparts; i++) {
		struct mw_mime_part *p = &x->m.parts[i];

		if (strcmp(p->type, "text/html") == 0) {
			const uint8_t *d = (const uint8_t *)part_text(x, p,
			    &len);

			html_text(b, d, len);
			break;
		}
	}
}

/* x, sep, y[0..yn) and end in one string (printf's cost is its
 * parsing, twice, on texts of kilobytes). */
static char *
joined(struct mw_arena *a, const char *x, const char *sep, const char *y,
    size_t yn, const char *end)
{
	size_t xn = strlen(x), sn = strlen(sep), en = strlen(end), n;
	char *s;

	if (!mw_size_add(&n, xn + sn + en + 1, yn) ||
	    (s = mw_arena_alloc_bytes(a, n)) == NULL)
		return NULL;
	memcpy(s, x, xn);
	memcpy(s + xn, sep, sn);
	memcpy(s + xn + sn, y, yn);
	memcpy(s + xn + sn + yn, end, en + 1);
	return s;
}

static const char *
nz(const char *s)
{
	return s ? s : "";
}

static char *
trim_addr(struct mw_arena *a, const char *v)
{
	const char *s = mw_dsn_value(v);
	size_t n;

	if (s == NULL)
		return NULL;
	while (*s == ' ' || *s == '<' || *s == '"')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '>' ||
	    s[n - 1] == '"' || s[n - 1] == '.'))
		n--;
	return mw_arena_strndup(a, s, n);
}

static void
lower(char *s)
{
	for (; s && *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/*
 * A session transcript ("Out: 250 2.1.5 Ok ... Out: 451 4.3.0 Error")
 * holds the successful steps before the one that failed: the last 4xx
 * or 5xx reply is the failure.  Finds its enhanced code and reply code
 * (words that start with 4 or 5); false when there is none.
 */
static bool
last_failure(struct mw_esc *e, int *reply, const char *d)
{
	size_t i, len = strlen(d);
	bool found = false;

	*reply = 0;
	for (i = 0; i < len; i++) {
		size_t w;
		struct mw_esc x;
		int rc;

		if ((d[i] != '4' && d[i] != '5') || (i > 0 && d[i - 1] != ' ' &&
		    d[i - 1] != '\n' && d[i - 1] != '\t'))
			continue;
		w = strcspn(d + i, " \t\r\n");
		if (mw_esc_find(&x, (const uint8_t *)d + i, w) &&
		    (x.cls == 4 || x.cls == 5)) {
			*e = x;
			found = true;
		} else if ((rc = mw_reply_code_find((const uint8_t *)d + i,
		    w)) / 100 == 4 || rc / 100 == 5)
			*reply = rc;
	}
	return found;
}

/*
 * Completes one recipient: codes from the words when the fields lack
 * them, the reason, hard/soft, the pseudo status.
 */
/* The last classification's inputs and answer: recipients of one
 * bounce often carry the same words, code and command. */
struct reason_memo {
	const char *words, *status, *action, *diag_type, *command;
	int reply_code;
	const char *reason;
	enum mw_basis by;
	const char *phrase;
};

static bool
same_str(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static const char *
reason_of(struct reason_memo *m, const char *words, struct mw_bounce_rcpt *r)
{
	if (m->reason == NULL || m->reply_code != r->reply_code ||
	    !same_str(m->words, words) || !same_str(m->status, r->status) ||
	    !same_str(m->action, r->action) ||
	    !same_str(m->diag_type, r->diag_type) ||
	    !same_str(m->command, r->command)) {
		m->reason = mw__bounce_classify(&m->by, &m->phrase, words,
		    r->status, r->reply_code, r->action, r->diag_type,
		    r->command);
		m->words = words;
		m->status = r->status;
		m->action = r->action;
		m->diag_type = r->diag_type;
		m->command = r->command;
		m->reply_code = r->reply_code;
	}
	r->basis = m->by;
	r->phrase = m->phrase != NULL ? m->phrase : "";
	return m->reason;
}

static void
finish(struct mw_bounce_rcpt *r, struct mw_arena *a, struct reason_memo *m)
{
	struct mw_esc e, de;
	const char *d = nz(r->diagnostic), *words = d;
	const char *cm = r->status != NULL ? strchr(r->status, '(') : NULL;
	bool have;

	/* RFC 3464 2.3.4 allows a comment after the code; PowerMTA
	 * writes the code's meaning there ("5.2.1 (mailbox disabled, not
	 * accepting messages)"): evidence beside the remote's words */
	if (cm != NULL) {
		size_t n = (size_t)(cm - r->status);

		while (n > 0 && r->status[n - 1] == ' ')
			n--;
		words = joined(a, d, " (", cm + 1, strcspn(cm + 1, ")"), ")");
		r->status = mw_arena_strndup(a, r->status, n);
	}
	/* Gmail's old notices wrap the remote's reply in words of their
	 * own ("it was rejected by the recipient domain... The error that
	 * the other server returned was: 550 5.7.1 ..."): the reply is
	 * the evidence */
	{
		const char *o = strstr(words, "other server returned was:");

		if (o != NULL)
			words = o + 26;
	}
	have = mw_esc_parse(&e, r->status);
	bool dhave = mw_esc_find(&de, (const uint8_t *)d, strlen(d));
	bool temporary;
	char buf[8];

	if (dhave && de.cls == 2 && !have) {
		struct mw_esc le;
		int lr;

		if (last_failure(&le, &lr, d)) {
			de = le;
			if (r->reply_code == 0 && lr != 0)
				r->reply_code = lr;
		}
	}
	/* "5.0.0" in Status with "5.1.1" in the words: the words are more
	 * specific (Postfix and Exchange both do this) */
	if (dhave && (!have || (e.subject == 0 && e.detail == 0 &&
	    (de.subject != 0 || de.detail != 0) && de.cls == e.cls))) {
		r->status = mw_arena_printf(a, "%u.%u.%u", de.cls, de.subject,
		    de.detail);
		have = true;
		e = de;
	}
	if (r->reply_code == 0)
		r->reply_code = mw_reply_code_find((const uint8_t *)d,
		    strlen(d));
	if (r->reason == NULL)
		r->reason = reason_of(m, words, r);
	temporary = (have && e.cls == 4) || r->reply_code / 100 == 4 ||
	    ci_has(r->action, "delayed");
	if (!have || r->status[0] == '\0') {
		mw__bounce_pseudo(buf, r->reason, temporary);
		r->status = mw_arena_strdup(a, buf);
		r->status_pseudo = buf[0] != '\0';
	}
	r->hard = mw__bounce_is_hard(r->reason, r->status, r->reply_code);
	if (r->status == NULL)
		r->status = "";
}

static struct mw_bounce_rcpt *
add_rcpt(struct mw_bounce *b, struct mw_arena *a, size_t *cap)
{
	struct mw_bounce_rcpt *r;

	if (b->nrcpts >= MW_BOUNCE_RCPTS_MAX) {
		b->truncated = true;
		return NULL;
	}
	if (b->nrcpts == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		struct mw_bounce_rcpt *n = mw_arena_calloc(a, nc, sizeof(*n));

		if (n == NULL)
			return NULL;
		if (*cap)
			memcpy(n, b->rcpts, *cap * sizeof(*n));
		b->rcpts = n;
		*cap = nc;
	}
	r = &b->rcpts[b->nrcpts++];
	memset(r, 0, sizeof(*r));
	r->action = r->remote_mta = r->diagnostic = r->diag_type = "";
	r->final_recipient = "";
	r->command = r->feedback_type = "";
	return r;
}

static const char *field(const char *text, const char *name,
    struct mw_arena *a);

/* The Original-Rcpt-To or the To of the returned original (ARF). */
static const char *
arf_recipient(struct msg *x, struct mw_mime_part *fb)
{
	size_t i;
	const char *to = NULL;

	/* the feedback fields share the delivery-status syntax */
	if (fb != NULL) {
		const char *p = part_text(x, fb, NULL);
		const char *k = line_find(p, "\nOriginal-Rcpt-To:");

		if (k == NULL && strncasecmp(p, "Original-Rcpt-To:", 17) == 0)
			k = p - 1;
		if (k != NULL) {
			const char *v = k + 18;
			size_t n = strcspn(v, "\n");

			return trim_addr(x->a, mw_arena_strndup(x->a, v, n));
		}
		/* an opt-out report names the address to remove (the ARF
		 * drafts' Removal-Recipient; RFC 5965 dropped it, senders
		 * kept it) */
		if ((to = field(p, "Removal-Recipient", x->a)) != NULL &&
		    strchr(to, '@') != NULL)
			return trim_addr(x->a, to);
	}
	for (i = 0; i < x->m.nparts; i++) {
		struct mw_mime_part *p = &x->m.parts[i];

		/* Outlook.com's JMRP reports keep the complainant in a
		 * header of the returned message */
		if (p->nheaders > 0) {
			to = mw_mime_header_get(p->headers, p->nheaders,
			    "X-HmXmrOriginalRecipient");
			if (to == NULL)
				to = mw_mime_header_get(p->headers,
				    p->nheaders, "To");
		} else if (strcmp(p->type, "text/rfc822-headers") == 0) {
			const char *t = mw_ci_strstr(part_text(x, p, NULL),
			    "\nTo:");

			if (t != NULL)
				to = mw_arena_strndup(x->a, t + 4,
				    strcspn(t + 4, "\n"));
		}
		if (to != NULL)
			break;
	}
	if (to != NULL && strchr(to, '@') != NULL) {
		const char *lt = strrchr(to, '<');

		if (lt != NULL)
			to = lt + 1;
		return trim_addr(x->a, to);
	}
	return NULL;
}

static const char *
field(const char *text, const char *name, struct mw_arena *a)
{
	size_t nl = strlen(name);
	const char *p = text;

	while (p != NULL && *p) {
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;

			while (*v == ' ' || *v == '\t')
				v++;
			return mw_arena_strndup(a, v, strcspn(v, "\r\n"));
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return NULL;
}

/*
 * Outlook.com's Junk Mail Reporting Program: no feedback-report part,
 * the complained-of message attached, "complaint about message from
 * <ip>" for a subject, sent by staff@hotmail.com.
 */
static bool
jmrp(const struct msg *x)
{
	size_t i;
	const char *s = x->subject;

	if (s == NULL)
		return false;
	while (*s == ' ')
		s++;
	if (strncasecmp(s, "complaint about message from ", 29) != 0)
		return false;
	for (i = 0; i < x->m.nparts; i++)
		if (strcmp(x->m.parts[i].type, "message/rfc822") == 0)
			return true;
	return false;
}

static int
do_arf(struct mw_bounce *b, struct msg *x, struct mw_mime_part *fb,
    size_t *cap)
{
	struct mw_bounce_rcpt *r;
	const char *ft = fb ? field(part_text(x, fb, NULL), "Feedback-Type",
	    x->a) : jmrp(x) ? "abuse" : NULL;

	b->kind = MW_BOUNCE_FEEDBACK;
	b->detector = "arf";
	if ((r = add_rcpt(b, x->a, cap)) == NULL)
		return b->truncated ? 0 : MW_ENOMEM;
	r->recipient = nz(arf_recipient(x, fb));
	lower((char *)r->recipient);
	r->reason = "feedback";
	r->basis = MW_BASIS_REPORT;
	r->feedback_type = ft ? ft : "";
	lower((char *)r->feedback_type);
	r->status = "";
	return 0;
}

static bool
same_addr(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcasecmp(a, b) == 0;
}

/* The scanned words for one recipient, if the body matcher found it. */
static const struct mw_bounce_hit *
hit_for(const struct mw_bounce_hit *h, size_t n, const char *rcpt)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (same_addr(h[i].recipient, rcpt))
			return &h[i];
	return n == 1 ? &h[0] : NULL;
}

/* An Original-Recipient's address when its type is rfc822, else NULL
 * (RFC 3464 2.3.1; "unknown" and xtext forms are no address). */
static const char *
rfc822_addr(struct mw_arena *a, const char *v)
{
	const char *s;

	if (v == NULL)
		return NULL;
	while (*v == ' ')
		v++;
	if (strncasecmp(v, "rfc822", 6) != 0)
		return NULL;
	s = trim_addr(a, v);
	return s != NULL && strchr(s, '@') != NULL && strchr(s, ' ') == NULL ?
	    s : NULL;
}

/*
 * Exim delivers to files and pipes an alias produced: the DSN then
 * names the file, the text says whose address it was ("save to
 * /var/mail/x\n    generated by user@example.org").
 */
static const char *
generated_by(struct mw_arena *a, const char *text, const char *dflt)
{
	const char *g = mw_ci_strstr(text, "generated by ");
	size_t n;

	if (g == NULL)
		return dflt;
	g += 13;
	while (*g == ' ' || *g == '<')
		g++;
	n = strcspn(g, " \t\r\n>");
	if (n == 0 || memchr(g, '@', n) == NULL)
		return dflt;
	return mw_arena_strndup(a, g, n);
}

/* strstr, a run of white space matching any other run. */
static const char *
ws_find(const char *hay, const char *needle)
{
	for (; (hay = strchr(hay, needle[0])) != NULL; hay++) {
		const char *h = hay, *n = needle;

		while (*n != '\0') {
			if (*n == ' ' || *n == '\t') {
				if (*h != ' ' && *h != '\t')
					break;
				while (*n == ' ' || *n == '\t')
					n++;
				while (*h == ' ' || *h == '\t')
					h++;
			} else if (*h != *n)
				break;
			else {
				h++;
				n++;
			}
		}
		if (*n == '\0')
			return hay;
	}
	return NULL;
}

/*
 * Sendmail's Diagnostic-Code keeps the first line of a multiline reply
 * (RFC 5321 4.2.1: "550-5.7.1 ... due to domain's") and the transcript
 * in the human part has them all ("<<< 550-5.7.1 DMARC policy..."):
 * the whole reply, its lines joined, or diag itself when the transcript
 * does not have it.
 */
static const char *
whole_reply(struct mw_arena *a, const char *diag, const char *full)
{
	const char *at, *p;
	struct mw_buf b;
	const char *res;
	char code[4];

	if (full == NULL || strlen(diag) < 8 || diag[3] != '-' ||
	    (diag[0] != '4' && diag[0] != '5'))
		return diag;
	memcpy(code, diag, 3);
	code[3] = '\0';
	/* the copy in the transcript: the one a continuation line follows
	 * (Sendmail quotes the first line in its summary too) */
	for (at = full; (at = ws_find(at, diag)) != NULL; at++) {
		p = strchr(at, '\n');
		if (p == NULL)
			return diag;
		p++;
		while (*p == ' ' || *p == '\t' || *p == '<')
			p++;
		if (strncmp(p, code, 3) == 0 && (p[3] == '-' || p[3] == ' '))
			break;
	}
	if (at == NULL)
		return diag;
	mw_buf_init(&b, MW_BOUNCE_DIAG_MAX);
	(void)mw_buf_puts(&b, diag);
	p = strchr(at, '\n');
	while (p != NULL) {
		size_t n;

		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "<<<", 3) == 0)
			p += 3;
		while (*p == ' ')
			p++;
		if (strncmp(p, code, 3) != 0 || (p[3] != '-' && p[3] != ' '))
			break;
		n = strcspn(p, "\n");
		(void)mw_buf_putc(&b, ' ');
		(void)mw_buf_append(&b, p, n);
		if (p[3] == ' ')
			break; /* the last line */
		p = strchr(p, '\n');
	}
	res = mw_arena_strndup(a, (const char *)b.p, b.len);
	mw_buf_release(&b);
	return res != NULL ? res : diag;
}

static int
do_dsn(struct mw_bounce *b, struct msg *x, struct mw_mime_part *dp,
    const struct mw_bounce_hit *hits, size_t nhits, const char *text,
    const char *full, size_t *cap)
{
	struct mw_dsn d;
	struct mw_err err;
	const char *orig, *data;
	size_t i, len;
	int rc;

	data = part_text(x, dp, &len);
	if ((rc = mw_dsn_parse(&d, x->a, (const uint8_t *)data, len,
	    &err)) != 0)
		return rc;
	b->truncated |= d.truncated;
	for (i = 0; i < d.nrcpts; i++) {
		const struct mw_dsn_rcpt *dr = &d.rcpts[i];
		const struct mw_bounce_hit *h;
		struct mw_bounce_rcpt *r;
		const char *diag = dr->diagnostic_code;

		if ((r = add_rcpt(b, x->a, cap)) == NULL)
			return b->truncated ? 0 : MW_ENOMEM;
		r->recipient = trim_addr(x->a, dr->final_recipient ?
		    dr->final_recipient : dr->original_recipient);
		orig = rfc822_addr(x->a, dr->original_recipient);
		/* RFC 3464 2.3.1: Original-Recipient is the address the
		 * sender gave (ORCPT); Final-Recipient may be an alias's
		 * expansion or a forwarding target (Postfix "expanded
		 * from", Exchange and Gmail forwarding).  The sender
		 * acts on the first; the second is kept. */
		if (orig != NULL && (r->recipient == NULL ||
		    strcasecmp(orig, r->recipient) != 0)) {
			if (r->recipient != NULL &&
			    strchr(r->recipient, '@') != NULL)
				r->final_recipient = r->recipient;
			r->recipient = orig;
		}
		if (dr->actual_recipient != NULL) {
			const char *act = trim_addr(x->a, dr->actual_recipient);

			if (r->recipient == NULL ||
			    strchr(r->recipient, '@') == NULL)
				r->recipient = act;
			else if (act != NULL && strchr(act, '@') != NULL &&
			    strcasecmp(act, r->recipient) != 0 &&
			    r->final_recipient[0] == '\0')
				r->final_recipient = act;
		}
		if ((r->recipient == NULL || strchr(r->recipient, '@') ==
		    NULL) && full != NULL)
			r->recipient = generated_by(x->a, full, r->recipient);
		lower((char *)r->recipient);
		lower((char *)r->final_recipient);
		r->action = nz(dr->action);
		lower((char *)r->action);
		r->status = dr->status;
		r->remote_mta = nz(mw_dsn_value(dr->remote_mta));
		if (diag != NULL) {
			const char *semi = strchr(diag, ';');

			if (semi != NULL && semi - diag < 16) {
				r->diag_type = mw_arena_strndup(x->a, diag,
				    (size_t)(semi - diag));
				diag = semi + 1;
				while (*diag == ' ')
					diag++;
			}
		}
		if (diag != NULL)
			diag = whole_reply(x->a, diag, full);
		h = hit_for(hits, nhits, r->recipient);
		/* the DSN's words are often cut to "smtp;" or a bare
		 * code: take the human part's words as well */
		if (diag == NULL || strlen(diag) < 12) {
			if (h != NULL && h->diagnostic[0] != '\0')
				diag = h->diagnostic;
			else if (d.nrcpts == 1 && text != NULL &&
			    (diag == NULL || diag[0] == '\0'))
				diag = text;
		}
		r->diagnostic = nz(diag);
		if (h != NULL && h->command != NULL)
			r->command = h->command;
		else
			r->command = command(x, r->diagnostic);
		if (r->remote_mta[0] == '\0' && h != NULL &&
		    h->remote_mta != NULL)
			r->remote_mta = h->remote_mta;
		if (ci_has(r->action, "deliver") || ci_has(r->action, "relayed")
		    || ci_has(r->action, "expanded"))
			r->reason = r->status && r->status[0] == '2' ?
			    "delivered" : NULL;
		r->basis = MW_BASIS_STATUS;
	}
	return 0;
}

static const char *addr_of(struct mw_arena *a, const char *h);

/* An Amazon SES notification (ses.c) in place of a DSN. */
static int
do_ses(struct mw_bounce *b, struct msg *x, const char *full, size_t *cap)
{
	struct mw__ses_rcpt s[MW_BOUNCE_RCPTS_MAX];
	size_t n = mw__bounce_ses(s, MW_BOUNCE_RCPTS_MAX, x->a, full,
	    strlen(full)), i;

	for (i = 0; i < n; i++) {
		struct mw_bounce_rcpt *r;
		const char *d = s[i].diagnostic, *semi;

		if ((r = add_rcpt(b, x->a, cap)) == NULL)
			return b->truncated ? 0 : MW_ENOMEM;
		b->detector = "amazonses";
		r->recipient = s[i].recipient;
		lower((char *)r->recipient);
		r->remote_mta = nz(s[i].remote_mta);
		if (s[i].complaint) {
			b->kind = MW_BOUNCE_FEEDBACK;
			r->reason = "feedback";
			r->basis = MW_BASIS_REPORT;
			r->feedback_type = s[i].feedback_type;
			r->status = "";
			continue;
		}
		b->kind = MW_BOUNCE_FAILURE;
		if (d != NULL && (semi = strchr(d, ';')) != NULL &&
		    semi - d < 16) {
			r->diag_type = mw_arena_strndup(x->a, d,
			    (size_t)(semi - d));
			d = semi + 1;
			while (*d == ' ')
				d++;
		}
		r->diagnostic = nz(d);
		r->status = s[i].status;
		r->action = s[i].delivered ? "delivered" : nz(s[i].action);
		r->command = command(x, r->diagnostic);
	}
	return 0;
}

/*
 * The To: of the returned original: an attached message/rfc822 part, or
 * a header block copied into the text ("----- Unsent message follows
 * -----", Verizon's "Original Message:").  The last resort of bounces
 * that name no recipient (Sendmail V5 "Deferred", MMS gateways).
 */
static const char *
original_to(const struct msg *x, const char *full)
{
	size_t i;

	for (i = 0; i < x->m.nparts; i++) {
		const struct mw_mime_part *p = &x->m.parts[i];
		const char *to;

		if (p->nheaders == 0 || p->depth == 0)
			continue;
		to = mw_mime_header_get(p->headers, p->nheaders, "To");
		if (to != NULL && (to = addr_of(x->a, to)) != NULL)
			return to;
	}
	if (full != NULL) {
		const char *t = full;

		while ((t = strstr(t, "\nTo:")) != NULL) {
			const char *v = addr_of(x->a, mw_arena_strndup(x->a,
			    t + 4, strcspn(t + 4, "\r\n")));

			if (v != NULL && strchr(v, ' ') == NULL &&
			    !same_addr(v, x->to))
				return v;
			t += 4;
		}
	}
	return NULL;
}

static int
do_text(struct mw_bounce *b, struct msg *x, const struct mw_bounce_hit *hits,
    size_t nhits, const char *text, const char *full, size_t *cap)
{
	const char *failed = hdr(x, "X-Failed-Recipients");
	size_t i;

	/* Exim and others name the failed recipients in a header: those
	 * are the recipients, the body gives their words */
	if (failed != NULL) {
		const char *p = failed;

		while (*p) {
			size_t n = strcspn(p, ", ");
			struct mw_bounce_rcpt *r;
			const struct mw_bounce_hit *h;
			char *addr;

			if (n == 0) {
				p++;
				continue;
			}
			addr = trim_addr(x->a, mw_arena_strndup(x->a, p, n));
			p += n;
			if (addr == NULL || strchr(addr, '@') == NULL)
				continue;
			lower(addr);
			for (i = 0; i < b->nrcpts; i++)
				if (same_addr(b->rcpts[i].recipient, addr))
					break;
			if (i < b->nrcpts)
				continue;
			if ((r = add_rcpt(b, x->a, cap)) == NULL)
				return b->truncated ? 0 : MW_ENOMEM;
			r->recipient = addr;
			h = hit_for(hits, nhits, addr);
			if (h != NULL) {
				r->diagnostic = h->diagnostic;
				r->command = nz(h->command);
				r->remote_mta = nz(h->remote_mta);
			}
			if (r->diagnostic[0] == '\0' && text != NULL)
				r->diagnostic = text;
		}
		if (b->nrcpts > 0)
			return 0;
	}
	for (i = 0; i < nhits; i++) {
		struct mw_bounce_rcpt *r;
		struct mw_esc e;

		if (same_addr(hits[i].recipient, x->to))
			continue; /* the bounce's own addressee */
		if ((r = add_rcpt(b, x->a, cap)) == NULL)
			return b->truncated ? 0 : MW_ENOMEM;
		r->recipient = hits[i].recipient;
		/* an alias's target: the sender acts on the address it
		 * wrote, as with a DSN's Original-Recipient (do_dsn) */
		if (hits[i].expanded_from != NULL) {
			r->final_recipient = r->recipient;
			r->recipient = hits[i].expanded_from;
			lower((char *)r->final_recipient);
		}
		lower((char *)r->recipient);
		r->diagnostic = hits[i].diagnostic;
		r->command = nz(hits[i].command);
		r->remote_mta = nz(hits[i].remote_mta);
		/* a lone recipient with few words: the explanation is the
		 * rest of the text (Gmail, Exchange, portals) */
		if (nhits == 1 && text != NULL &&
		    mw_reply_code_find((const uint8_t *)r->diagnostic,
		    strlen(r->diagnostic)) == 0 &&
		    !mw_esc_find(&e, (const uint8_t *)r->diagnostic,
		    strlen(r->diagnostic)))
			r->diagnostic = joined(x->a, r->diagnostic, " ", text,
			    strlen(text), "");
	}
	if (b->nrcpts == 0) {
		const char *to = original_to(x, full);
		struct mw_bounce_rcpt *r;

		if (to == NULL)
			return 0;
		if ((r = add_rcpt(b, x->a, cap)) == NULL)
			return b->truncated ? 0 : MW_ENOMEM;
		r->recipient = to;
		lower((char *)r->recipient);
		r->diagnostic = nz(text);
		r->command = command(x, r->diagnostic);
	}
	return 0;
}

static const char *
addr_of(struct mw_arena *a, const char *h)
{
	const char *lt, *at;

	if (h == NULL)
		return NULL;
	lt = strrchr(h, '<');
	at = strchr(h, '@');
	if (at == NULL)
		return NULL;
	if (lt != NULL)
		return trim_addr(a, mw_arena_strndup(a, lt + 1,
		    strcspn(lt + 1, ">")));
	return trim_addr(a, h);
}

static int parse(struct mw_bounce *out, struct mw_arena *a,
    const uint8_t *msg, size_t len, struct mw_err *err, unsigned depth);

/* A report a machine wrote (not words the body matcher read). */
static bool
from_report(const struct mw_bounce *b)
{
	return b->nrcpts > 0 && (strcmp(b->detector, "rfc3464") == 0 ||
	    strcmp(b->detector, "arf") == 0 ||
	    strcmp(b->detector, "amazonses") == 0);
}

/*
 * A bounce forwarded as an attachment: when out is no bounce, or one
 * only read from words, the first attached multipart/report (of the
 * first MW_BOUNCE_FORWARDS_MAX) that reads as a machine-written report
 * replaces it.  A user forwarding a bounce to the help desk, a gateway wrapping
 * one (flufl dsn_15): the wrapper's own To: is not the recipient.
 */
static int
forwarded(struct mw_bounce *out, struct msg *x, unsigned depth)
{
	size_t i, tried = 0;

	if (depth + 1 >= MW_BOUNCE_FORWARD_DEPTH ||
	    (out->kind != MW_BOUNCE_NOT && strcmp(out->detector, "text") != 0))
		return 0;
	for (i = 0; i < x->m.nparts && tried < MW_BOUNCE_FORWARDS_MAX; i++) {
		struct mw_mime_part *p = &x->m.parts[i];
		struct mw_bounce in;
		size_t n, hl;
		const char *d, *e;
		int rc;

		if (strcmp(p->type, "message/rfc822") != 0 &&
		    strcmp(p->type, "message/global") != 0)
			continue;
		d = part_text(x, p, &n);
		/* reports are multipart/report (RFC 6522): a header block
		 * without it is an ordinary letter, not parsed again */
		e = strstr(d, "\n\n");
		hl = e != NULL ? (size_t)(e - d) : n;
		if (mw_ci_find(d, hl, "multipart/report", 16) == NULL)
			continue;
		tried++;
		if ((rc = parse(&in, x->a, (const uint8_t *)d, n, NULL,
		    depth + 1)) != 0)
			return rc == MW_ENOMEM ? rc : 0;
		if (from_report(&in)) {
			*out = in;
			out->forwarded = true;
			return 0;
		}
	}
	return 0;
}

int
mw_bounce_parse(struct mw_bounce *out, struct mw_arena *a,
    const uint8_t *msg, size_t len, struct mw_err *err)
{
	return parse(out, a, msg, len, err, 0);
}

static int
parse(struct mw_bounce *out, struct mw_arena *a, const uint8_t *msg,
    size_t len, struct mw_err *err, unsigned depth)
{
	struct msg x = {.a = a};
	struct mw_buf tb;
	struct mw_bounce_hit hits[MW_BOUNCE_RCPTS_MAX];
	struct mw_mime_part *dsn = NULL, *fb = NULL;
	const char *text = NULL, *full = NULL, *fixed;
	enum mw__lhost fam;
	size_t nhits = 0, cap = 0, i;
	bool bounce_words;
	struct reason_memo memo = {0};
	int rc;

	memset(out, 0, sizeof(*out));
	out->detector = "";
	rc = mw_mime_parse(&x.m, a, msg, len, err);
	if (rc == MW_EINVAL)
		return 0; /* garbage: not a bounce */
	if (rc != 0)
		return rc;
	out->truncated = x.m.truncated;
	x.from = hdr(&x, "From");
	x.subject = hdr(&x, "Subject");
	x.to = addr_of(a, hdr(&x, "To"));
	out->from = nz(x.from);
	out->subject = nz(x.subject);
	for (i = 0; i < x.m.nparts; i++) {
		const char *t = x.m.parts[i].type;

		if (dsn == NULL && (strcmp(t, "message/delivery-status") == 0 ||
		    strcmp(t, "message/global-delivery-status") == 0))
			dsn = &x.m.parts[i];
		if (fb == NULL && strcmp(t, "message/feedback-report") == 0)
			fb = &x.m.parts[i];
	}
	if (fb != NULL || (x.m.report_type != NULL &&
	    strcmp(x.m.report_type, "feedback-report") == 0) ||
	    jmrp(&x)) {
		rc = do_arf(out, &x, fb, &cap);
		goto done;
	}
	if (ci_has(hdr(&x, "X-Apple-Unsubscribe"), "true")) {
		/* Apple Mail's unsubscribe: a message from the subscriber
		 * to the List-Unsubscribe mailto, an opt-out */
		struct mw_bounce_rcpt *r;

		out->kind = MW_BOUNCE_FEEDBACK;
		out->detector = "arf";
		if ((r = add_rcpt(out, a, &cap)) == NULL) {
			rc = out->truncated ? 0 : MW_ENOMEM;
			goto done;
		}
		r->recipient = nz(addr_of(a, x.from));
		lower((char *)r->recipient);
		r->reason = "feedback";
		r->basis = MW_BASIS_REPORT;
		r->feedback_type = "opt-out";
		r->status = "";
		goto done;
	}
	mw_buf_init(&tb, MW_MIME_TEXT_MAX);
	human_text(&tb, &x);
	if (tb.len > 0) {
		size_t cut;

		nhits = mw__bounce_body_scan(hits, MW_BOUNCE_RCPTS_MAX, a,
		    tb.p, tb.len, &cut);
		/* the words for a lone recipient: the start of the
		 * human part, up to the copy of the original (whose
		 * words are the sender's, not the failure's) */
		if (cut == 0)
			cut = tb.len;
		text = mw_arena_strndup(a, tb.p,
		    cut > MW_BOUNCE_DIAG_MAX ? MW_BOUNCE_DIAG_MAX : cut);
		full = mw_arena_strndup(a, tb.p, tb.len);
	}
	mw_buf_release(&tb);
	if (dsn == NULL && full != NULL && full[strspn(full, " \t\n")] ==
	    '{') {
		rc = do_ses(out, &x, full, &cap);
		if (rc != 0 || out->nrcpts > 0)
			goto done;
	}
	if (dsn == NULL && full != NULL) {
		/* DSN fields written into the text (a broken multipart, a
		 * forwarded report): parse them from the first field on */
		static const char *const dsn_fields[] = {"\nFinal-Recipient:",
		    "\nOriginal-Recipient:"};
		const char *at[2], *f;

		lines_find(full, dsn_fields, at, 2);
		f = at[0] != NULL ? at[0] : at[1];
		if (f != NULL) {
			struct mw_mime_part *tp = mw_arena_alloc(a,
			    sizeof(*tp));

			if (tp != NULL) {
				const char *st = line_find(full,
				    "\nReporting-MTA:");

				if (st == NULL || st > f)
					st = f;
				tp->type = "message/delivery-status";
				tp->data = (const uint8_t *)st + 1;
				tp->len = strlen(st + 1);
				dsn = tp;
			}
		}
	}
	if (dsn != NULL) {
		out->kind = MW_BOUNCE_FAILURE;
		out->detector = "rfc3464";
		if ((rc = do_dsn(out, &x, dsn, hits, nhits, text, full,
		    &cap)) != 0)
			goto done;
		if (out->nrcpts > 0)
			goto done;
		out->kind = MW_BOUNCE_NOT;
		out->detector = "";
	}
	bounce_words = looks_bounce(&x);
	if (!bounce_words && looks_autoreply(&x)) {
		struct mw_bounce_rcpt *r;

		out->kind = MW_BOUNCE_AUTOREPLY;
		out->detector = "rfc3834";
		if ((r = add_rcpt(out, a, &cap)) == NULL) {
			rc = MW_ENOMEM;
			goto done;
		}
		/* the auto-replier is the original recipient */
		r->recipient = nz(addr_of(a, x.from));
		lower((char *)r->recipient);
		r->reason = "vacation";
		r->basis = MW_BASIS_REPORT;
		r->diagnostic = nz(text);
		r->status = "";
		goto done;
	}
	fam = mw__bounce_lhost(&x.m, full);
	if (dsn == NULL && !bounce_words && fam == MW__LHOST_NONE)
		goto done;
	out->kind = MW_BOUNCE_FAILURE;
	if (out->detector[0] == '\0')
		out->detector = fam != MW__LHOST_NONE ?
		    mw__bounce_lhost_name(fam) : "text";
	if (fam == MW__LHOST_FML || fam == MW__LHOST_JAMES) {
		/* layouts of their own: the body matcher would take the
		 * poster's or the sender's address for the recipient */
		const char *diag = NULL;
		const char *to = mw__bounce_lhost_recipient(fam, a, full,
		    &diag);
		struct mw_bounce_rcpt *r;

		if (to != NULL) {
			if ((r = add_rcpt(out, a, &cap)) == NULL) {
				rc = MW_ENOMEM;
				goto done;
			}
			r->recipient = to;
			lower((char *)r->recipient);
			r->diagnostic = nz(diag);
			goto done;
		}
	}
	rc = do_text(out, &x, hits, nhits, text, full, &cap);
	if (rc == 0 && (fixed = mw__bounce_lhost_reason(fam, full)) != NULL)
		for (i = 0; i < out->nrcpts; i++) {
			out->rcpts[i].reason = fixed;
			out->rcpts[i].basis = MW_BASIS_LAYOUT;
		}
done:
	if (rc == 0 && x.nomem)
		rc = MW_ENOMEM;
	if (rc != 0)
		return mw_err_set(err, rc, "bounce", 0, "out of memory");
	for (i = 0; i < out->nrcpts; i++) {
		struct mw_bounce_rcpt *r = &out->rcpts[i];

		if (r->recipient == NULL)
			r->recipient = "";
		if (r->phrase == NULL)
			r->phrase = "";
		if (r->diagnostic != NULL &&
		    strlen(r->diagnostic) > MW_BOUNCE_DIAG_MAX)
			r->diagnostic = mw_arena_strndup(a, r->diagnostic,
			    MW_BOUNCE_DIAG_MAX);
		if (out->kind == MW_BOUNCE_FAILURE)
			finish(r, a, &memo);
		else if (r->status == NULL)
			r->status = "";
	}
	if ((rc = forwarded(out, &x, depth)) != 0 || x.nomem)
		return mw_err_set(err, rc ? rc : MW_ENOMEM, "bounce", 0,
		    "out of memory");
	return 0;
}

/* A byte of a web address as servers write them in their replies. */
static bool
url_byte(unsigned char c)
{
	return c > ' ' && c < 0x7f && c != '"' && c != '\'' && c != '<' &&
	    c != '>' && c != '(' && c != ')' && c != '[' && c != ']' &&
	    c != '{' && c != '}' && c != '|' && c != '\\' && c != '^' &&
	    c != '`';
}

/*
 * The first web address in the server's words: Gmail, Microsoft, Yahoo,
 * Cox and others cite a page that explains the refusal
 * ("https://support.google.com/mail/?p=NoSuchUser").  Sentence
 * punctuation after it is not part of it; none longer than
 * MW_BOUNCE_URL_MAX.  NULL when there is none.
 */
static const char *
help_url(struct mw_arena *a, const char *d)
{
	const char *p = d;

	while ((p = mw_ci_strstr(p, "http")) != NULL) {
		size_t n = (p[4] | 0x20) == 's' ? 5 : 4, h;

		if (strncmp(p + n, "://", 3) != 0 ||
		    (p > d && url_byte((unsigned char)p[-1]) && p[-1] != ':' &&
		    p[-1] != '=')) {
			p += 4;
			continue;
		}
		h = n += 3;
		while (url_byte((unsigned char)p[n]) && n <= MW_BOUNCE_URL_MAX)
			n++;
		while (n > h && strchr(".,;:!?", p[n - 1]) != NULL)
			n--;
		if (n > MW_BOUNCE_URL_MAX || n == h || p[h] == '/') {
			p += n > 4 ? n : 4;
			continue;
		}
		return mw_arena_strndup(a, p, n);
	}
	return NULL;
}

/*
 * What decided the reason, as facts (basis, phrase) and an info finding
 * (bounce.basis: shown with -v): users ask why a message counted as a
 * bounce and why as this reason, and can check it against the words.
 */
static int
basis(struct mw_report *r, const struct mw_bounce *b,
    const struct mw_bounce_rcpt *x)
{
	static const char *const from[] = {
	    [MW_BASIS_NONE] = N_("nothing known"),
	    [MW_BASIS_STATUS] = N_("the status code"),
	    [MW_BASIS_WORDS] = N_("the server's words"),
	    [MW_BASIS_REPLY] = N_("the SMTP reply code"),
	    [MW_BASIS_COMMAND] = N_("the SMTP command refused"),
	    [MW_BASIS_ACTION] = N_("the report's Action field"),
	    [MW_BASIS_MAILER] = N_("a failed delivery program"),
	    [MW_BASIS_REPORT] = N_("the kind of report"),
	    [MW_BASIS_LAYOUT] = N_("the notice layout of the sending system"),
	};
	struct mw_finding *f;
	const char *what = NULL, *phrase = x->phrase ? x->phrase : "";
	char num[16], q[200], quoted[sizeof(q) + 2];
	size_t i, k;
	int rc = 0;

	rc |= mw_report_set_str(r, "basis", mw_basis_name(x->basis));
	if (phrase[0] != '\0')
		rc |= mw_report_set_str(r, "phrase", phrase);
	switch (x->basis) {
	case MW_BASIS_STATUS:
		what = x->status;
		break;
	case MW_BASIS_WORDS:
		/* the phrase as a quotation, its pieces joined by "..." */
		for (i = k = 0; phrase[i] != '\0' && k + 5 < sizeof(q); i++)
			if (phrase[i] == '*') {
				memcpy(q + k, "...", 3);
				k += 3;
			} else
				q[k++] = phrase[i];
		q[k] = '\0';
		what = quoted;
		snprintf(quoted, sizeof(quoted), "\"%s\"", q);
		break;
	case MW_BASIS_REPLY:
		snprintf(num, sizeof(num), "%d", x->reply_code);
		what = num;
		break;
	case MW_BASIS_COMMAND:
		what = x->command;
		break;
	case MW_BASIS_ACTION:
		what = x->action;
		break;
	case MW_BASIS_MAILER:
		what = x->diag_type;
		break;
	case MW_BASIS_REPORT:
		what = x->feedback_type[0] != '\0' ? x->feedback_type :
		    b->detector;
		break;
	case MW_BASIS_LAYOUT:
		what = b->detector;
		break;
	default:
		break;
	}
	if ((size_t)x->basis >= sizeof(from) / sizeof(from[0]))
		return rc;
	if (what == NULL || what[0] == '\0')
		what = x->basis == MW_BASIS_NONE ?
		    N_("the words match none of the phrases mailwhy knows") :
		    "-";
	f = mw_report_add(r, MW_F_BOUNCE_BASIS, x->recipient, NULL,
	    x->recipient[0] != '\0' ? x->recipient : NO_ADDRESS,
	    from[x->basis], what);
	if (f != NULL) /* {2}; {3} when it is our own words; {1} too */
		f->tr_args = 1u << 1 |
		    (x->basis == MW_BASIS_NONE ? 1u << 2 : 0) |
		    (x->recipient[0] == '\0' ? 1u : 0);
	return rc;
}

int
mw_bounce_report(struct mw_report *r, const struct mw_bounce *b,
    size_t i, const char *file)
{
	const struct mw_bounce_rcpt *x;
	const struct mw_reason_info *ri;
	const char *at, *url;
	int rc = 0;

	if (file != NULL)
		rc |= mw_report_set_str(r, "file", file);
	if (i >= b->nrcpts) {
		if (b->kind == MW_BOUNCE_NOT)
			mw_report_add(r, MW_F_BOUNCE_NOT_BOUNCE, file, NULL,
			    file ? file : "-", NULL, NULL);
		else
			mw_report_add(r, MW_F_BOUNCE_NO_RECIPIENT, file, NULL,
			    file ? file : "-", NULL, NULL);
		return rc;
	}
	x = &b->rcpts[i];
	ri = mw_reason_get(x->reason);
	rc |= mw_report_set_str(r, "recipient", x->recipient);
	if (x->final_recipient[0] != '\0')
		rc |= mw_report_set_str(r, "final_recipient",
		    x->final_recipient);
	at = strrchr(x->recipient, '@');
	rc |= mw_report_set_str(r, "domain", at ? at + 1 : "");
	rc |= mw_report_set_str(r, "reason", x->reason);
	rc |= mw_report_set_str(r, "status", x->status);
	rc |= mw_report_set_bool(r, "status_pseudo", x->status_pseudo);
	if (x->reply_code)
		rc |= mw_report_set_int(r, "reply_code", x->reply_code);
	else
		rc |= mw_report_set_str(r, "reply_code", NULL);
	rc |= mw_report_set_bool(r, "hard", x->hard);
	rc |= mw_report_set_str(r, "action", x->action);
	rc |= mw_report_set_str(r, "remote_mta", x->remote_mta);
	rc |= mw_report_set_str(r, "diagnostic", x->diagnostic);
	rc |= mw_report_set_str(r, "command", x->command);
	rc |= mw_report_set_str(r, "detector", b->detector);
	if (b->forwarded)
		rc |= mw_report_set_bool(r, "forwarded", true);
	if (x->feedback_type[0] != '\0')
		rc |= mw_report_set_str(r, "feedback_type", x->feedback_type);
	if (ri != NULL) {
		/* a feedback report may withhold the complainant's address:
		 * the texts then say so instead of showing nothing */
		struct mw_finding *f = mw_report_add(r, ri->finding,
		    x->recipient, x->diagnostic, x->recipient[0] != '\0' ?
		    x->recipient : NO_ADDRESS, x->reason[0] == 'f' &&
		    strcmp(x->reason, "feedback") == 0 ? x->feedback_type :
		    x->diagnostic, NULL);

		if (f != NULL && x->recipient[0] == '\0')
			f->tr_args |= 1u;
	}
	rc |= basis(r, b, x);
	if ((url = help_url(r->arena, x->diagnostic)) != NULL) {
		struct mw_finding *f;

		rc |= mw_report_set_str(r, "help_url", url);
		f = mw_report_add(r, MW_F_BOUNCE_HELP_URL, x->recipient, url,
		    x->recipient[0] != '\0' ? x->recipient : NO_ADDRESS, url,
		    NULL);
		if (f != NULL && x->recipient[0] == '\0')
			f->tr_args |= 1u;
	}
	if (b->truncated)
		mw_report_add(r, MW_F_BOUNCE_INCOMPLETE, x->recipient, NULL,
		    x->recipient, "limit", NULL);
	return rc ? MW_ENOMEM : 0;
}
