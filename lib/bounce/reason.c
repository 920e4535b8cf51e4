/*
 * reason.c - the reasons (sisimai's vocabulary) and the classifier that
 * picks one for a failed recipient from its status code (RFC 3463), its
 * reply code (RFC 5321 4.2) and the remote server's words.
 *
 * The order follows sisimai so results compare: a first pass over the
 * reasons a code or a phrase can prove (mailbox full before user unknown,
 * user unknown before blocked...), then, when the code alone is vague
 * (X.7.1, X.1.1 with other words, none at all), a second pass over the
 * phrases of the remaining reasons, then the code's class and subject,
 * the SMTP command and the action.  The phrases are data
 * (data/bounce-patterns.tsv).
 */
#include <string.h>

#include "bounce/bounce_int.h"
#include "util/limits.h"

#define R(name, id, hard, pseudo) \
	{name, MW_F_BOUNCE_##id, hard, pseudo}

static const struct mw_reason_info reasons[] = {
	R("authfailure", AUTHFAILURE, false, "5.0.926"),
	R("badreputation", BADREPUTATION, false, "5.0.975"),
	R("blocked", BLOCKED, false, "5.0.971"),
	R("contenterror", CONTENTERROR, false, "5.0.960"),
	R("delivered", DELIVERED, false, ""),
	R("exceedlimit", EXCEEDLIMIT, false, "5.0.923"),
	R("expired", EXPIRED, false, "5.0.947"),
	R("failedstarttls", FAILEDSTARTTLS, false, "5.0.976"),
	R("feedback", FEEDBACK, false, ""),
	R("filtered", FILTERED, false, "5.0.910"),
	R("hasmoved", HASMOVED, true, "5.0.916"),
	R("hostunknown", HOSTUNKNOWN, true, "5.0.912"),
	R("mailboxfull", MAILBOXFULL, false, "5.0.922"),
	R("mailererror", MAILERERROR, false, "5.0.939"),
	R("mesgtoobig", MESGTOOBIG, false, "5.0.934"),
	R("networkerror", NETWORKERROR, false, "5.0.944"),
	R("norelaying", NORELAYING, false, "5.0.909"),
	R("notaccept", NOTACCEPT, false, "5.0.932"),
	R("notcompliantrfc", NOTCOMPLIANTRFC, false, "5.0.974"),
	R("onhold", ONHOLD, false, "5.0.901"),
	R("policyviolation", POLICYVIOLATION, false, "5.0.972"),
	R("rejected", REJECTED, false, "5.0.918"),
	R("requireptr", REQUIREPTR, false, "5.0.973"),
	R("securityerror", SECURITYERROR, false, "5.0.970"),
	R("spamdetected", SPAMDETECTED, false, "5.0.980"),
	R("speeding", SPEEDING, false, "5.0.946"),
	R("suppressed", SUPPRESSED, false, "5.0.903"),
	R("suspend", SUSPEND, false, "5.0.921"),
	R("syntaxerror", SYNTAXERROR, false, "5.0.902"),
	R("systemerror", SYSTEMERROR, false, "5.0.930"),
	R("systemfull", SYSTEMFULL, false, "5.0.931"),
	R("toomanyconn", TOOMANYCONN, false, "5.0.945"),
	R("undefined", UNDEFINED, false, "5.0.900"),
	R("userunknown", USERUNKNOWN, true, "5.0.911"),
	R("vacation", VACATION, false, ""),
	R("virusdetected", VIRUSDETECTED, false, "5.0.981"),
};
#define NREASONS (sizeof(reasons) / sizeof(reasons[0]))

const struct mw_reason_info *
mw_reason_all(size_t *n)
{
	*n = NREASONS;
	return reasons;
}

const struct mw_reason_info *
mw_reason_get(const char *name)
{
	size_t lo = 0, hi = NREASONS;

	if (name == NULL)
		return NULL;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, reasons[mid].name);

		if (c == 0)
			return &reasons[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

void
mw__bounce_pseudo(char out[8], const char *reason, bool temporary)
{
	const struct mw_reason_info *ri = mw_reason_get(reason);

	out[0] = '\0';
	if (ri == NULL || ri->pseudo[0] == '\0')
		return;
	memcpy(out, ri->pseudo, 8);
	/* sisimai keeps these permanent even when the reply was 4xx */
	if (!temporary || ri->hard)
		return;
	if (strcmp(reason, "filtered") == 0)
		memcpy(out, "4.0.924", 8);
	else
		out[0] = '4';
}

bool
mw__bounce_is_hard(const char *reason, const char *status, int reply_code)
{
	const struct mw_reason_info *ri = mw_reason_get(reason);

	if (ri == NULL)
		return false;
	if (ri->hard)
		return true;
	/* A domain that accepts no mail is permanent only when the server
	 * said so with a 5xx: a temporary refusal may lift. */
	if (strcmp(reason, "notaccept") == 0)
		return (status != NULL && status[0] == '5' &&
		    strstr(status, ".0.9") == NULL) ||
		    reply_code / 100 == 5;
	return false;
}

size_t
mw__bounce_fold(char *dst, size_t cap, const char *src, size_t len)
{
	size_t i, n = 0;
	bool sp = true;

	if (cap == 0)
		return 0;
	for (i = 0; i < len && n + 1 < cap; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\v' || c == '\f') {
			if (!sp)
				dst[n++] = ' ';
			sp = true;
			continue;
		}
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		dst[n++] = (char)c;
		sp = false;
	}
	while (n > 0 && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
	return n;
}

/* The pieces of pat, split at '*', appear in order in text. */
static bool
aligned(const char *text, size_t len, const char *pat)
{
	const char *t = text, *end = text + len;

	for (;;) {
		const char *star = strchr(pat, '*');
		size_t pl = star ? (size_t)(star - pat) : strlen(pat);
		const char *hit;

		hit = memmem(t, (size_t)(end - t), pat, pl);
		if (hit == NULL)
			return false;
		t = hit + pl;
		if (star == NULL)
			return true;
		pat = star + 1;
	}
}

static const struct mw__bounce_ptab *
ptab(const char *reason)
{
	size_t lo = 0, hi = mw__bounce_nptab;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(reason, mw__bounce_ptab[mid].reason);

		if (c == 0)
			return &mw__bounce_ptab[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* The byte pairs of text as a 4096-bit set (pairs: 64 words). */
static void
pairs_of(uint64_t *pairs, const char *text, size_t len)
{
	size_t i;

	memset(pairs, 0, 64 * sizeof(*pairs));
	for (i = 0; i + 1 < len; i++) {
		unsigned k = MW__BIGRAM((unsigned char)text[i],
		    (unsigned char)text[i + 1]);

		pairs[k >> 6] |= (uint64_t)1 << (k & 63);
	}
}

static bool
may_hold(const uint64_t *pairs, uint16_t bg)
{
	return pairs == NULL || bg == 0xFFFF ||
	    (pairs[bg >> 6] >> (bg & 63)) & 1;
}

bool
mw__bounce_match(const char *reason, const char *folded, size_t len,
    const uint64_t *pairs)
{
	const struct mw__bounce_ptab *t = ptab(reason);
	bool hit = false;
	size_t i;

	if (t == NULL || len == 0)
		return false;
	/* "!" rows are exceptions: any of them vetoes the reason */
	for (i = 0; i < t->n; i++) {
		const char *pat = t->pats[i].pat;

		if (!may_hold(pairs, t->pats[i].bigram))
			continue;

		if (pat[0] == '!') {
			if (aligned(folded, len, pat + 1))
				return false;
			continue;
		}
		if (!hit && aligned(folded, len, pat[0] == '=' ? pat + 1 :
		    pat))
			hit = true;
	}
	return hit;
}

/* The reason a decisive ("=") row settles, or NULL. */
static const char *
decisive(const char *folded, size_t len)
{
	size_t i;

	if (len == 0)
		return NULL;
	for (i = 0; i < mw__bounce_ndecisive; i++)
		if (aligned(folded, len, mw__bounce_decisive[i].pat))
			return mw__bounce_decisive[i].reason;
	return NULL;
}

struct ctx {
	const char *text; /* folded diagnostic */
	size_t len;
	const char *sname; /* what the status code says, or NULL */
	struct mw_esc esc;
	bool has_esc;
	int reply;
	const char *cmd;
	/* each reason's phrases are tried once per diagnostic: the passes
	 * ask about some reasons several times */
	const char *asked[40];
	bool answer[40];
	size_t nasked;
	uint64_t pairs[64];
};

static bool
text_is(const struct ctx *c0, const char *reason)
{
	struct ctx *c = (struct ctx *)c0;
	size_t i;
	bool v;

	for (i = 0; i < c->nasked; i++)
		if (c->asked[i] == reason)
			return c->answer[i];
	v = mw__bounce_match(reason, c->text, c->len, c->pairs);
	if (c->nasked < sizeof(c->asked) / sizeof(c->asked[0])) {
		c->asked[c->nasked] = reason;
		c->answer[c->nasked++] = v;
	}
	return v;
}

static bool
sname_is(const struct ctx *c, const char *reason)
{
	return c->sname != NULL && strcmp(c->sname, reason) == 0;
}

static bool
cmd_in(const struct ctx *c, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(c->cmd, *list) == 0)
			return true;
	return false;
}

static const char *const before_data[] = {
	"CONN", "EHLO", "HELO", "MAIL", "RCPT", NULL
};
static const char *const greeting[] = {"CONN", "EHLO", "HELO", NULL};

/* Does the first pass prove this reason? */
static bool
probe(const struct ctx *c, const char *r)
{
	if (strcmp(r, "userunknown") == 0) {
		static const char *const other[] = {"norelaying", "blocked",
		    "mailboxfull", "hasmoved", "rejected", "notaccept", NULL};
		const char *const *o;

		if (sname_is(c, "suspend"))
			return false;
		if (sname_is(c, "userunknown")) {
			/* X.1.1 with words of another reason: the words
			 * win (a 5.1.1 "mailbox full" exists) */
			for (o = other; *o; o++)
				if (text_is(c, *o))
					return false;
			return true;
		}
		/* "user unknown" only proves it when the server said so
		 * in reply to RCPT; after DATA (or who knows when) it is
		 * the recipient's filter speaking: filtered, below */
		if (strcmp(c->cmd, "RCPT") == 0)
			return text_is(c, r);
		return false;
	}
	if (strcmp(r, "filtered") == 0) {
		if (sname_is(c, "suspend"))
			return false;
		if (sname_is(c, "filtered"))
			return text_is(c, "userunknown") || text_is(c, r);
		if (cmd_in(c, before_data))
			return false;
		return text_is(c, r) || text_is(c, "userunknown");
	}
	if (strcmp(r, "mesgtoobig") == 0) {
		if (sname_is(c, r))
			return true;
		if (sname_is(c, "exceedlimit"))
			return false;
		return text_is(c, r);
	}
	if (strcmp(r, "hostunknown") == 0) {
		if (sname_is(c, r))
			return !text_is(c, "networkerror");
		return text_is(c, r);
	}
	if (strcmp(r, "rejected") == 0) {
		if (sname_is(c, r))
			return true;
		if (strcmp(c->cmd, "MAIL") == 0)
			return text_is(c, r);
		if (strcmp(c->cmd, "DATA") == 0)
			return !sname_is(c, "userunknown") && text_is(c, r);
		if (c->sname == NULL || sname_is(c, "onhold") ||
		    sname_is(c, "securityerror") ||
		    sname_is(c, "systemerror"))
			return text_is(c, r);
		return false;
	}
	if (strcmp(r, "spamdetected") == 0) {
		if (sname_is(c, r))
			return true;
		if (cmd_in(c, before_data))
			return false;
		return text_is(c, r);
	}
	if (strcmp(r, "norelaying") == 0) {
		if (cmd_in(c, greeting))
			return false;
		return text_is(c, r);
	}
	if (strcmp(r, "hasmoved") == 0 || strcmp(r, "notcompliantrfc") == 0 ||
	    strcmp(r, "badreputation") == 0 || strcmp(r, "speeding") == 0)
		return text_is(c, r);
	return sname_is(c, r) || text_is(c, r);
}

static const char *const order_first[] = {
	"mailboxfull", "mesgtoobig", "exceedlimit", "suspend", "hasmoved",
	"norelaying", "authfailure", "userunknown", "filtered", "requireptr",
	"notcompliantrfc", "badreputation", "contenterror", "rejected",
	"hostunknown", "spamdetected", "speeding", "toomanyconn", "blocked",
	NULL
};
static const char *const order_second[] = {
	"mailboxfull", "authfailure", "badreputation", "speeding",
	"spamdetected", "virusdetected", "policyviolation", "norelaying",
	"systemerror", "networkerror", "suspend", "contenterror",
	"systemfull", "notaccept", "expired", "failedstarttls",
	"securityerror", "suppressed", "mailererror", NULL
};

/* Reasons a code gives that the words may still refine. */
static bool
vague(const char *r)
{
	static const char *const v[] = {"undefined", "onhold", "systemerror",
	    "securityerror", "expired", "networkerror", "hostunknown",
	    "userunknown", NULL};
	const char *const *p;

	if (r == NULL)
		return true;
	for (p = v; *p; p++)
		if (strcmp(r, *p) == 0)
			return true;
	return false;
}

const char *
mw_bounce_reason(const char *diagnostic, const char *status, int reply_code,
    const char *action, const char *diag_type, const char *command)
{
	char folded[MW_BOUNCE_DIAG_MAX + 1];
	struct ctx c = {0};
	const char *const *r;
	const char *dec;
	bool smtp;

	if (diagnostic == NULL)
		diagnostic = "";
	if (action == NULL)
		action = "";
	if (diag_type == NULL)
		diag_type = "";
	c.len = mw__bounce_fold(folded, sizeof(folded), diagnostic,
	    strlen(diagnostic));
	c.text = folded;
	pairs_of(c.pairs, folded, c.len);
	c.reply = reply_code;
	c.cmd = command ? command : "";
	if ((c.has_esc = mw_esc_parse(&c.esc, status)) &&
	    !(c.esc.subject == 0 && c.esc.detail >= 900))
		c.sname = mw_esc_reason(&c.esc);
	if (c.has_esc && c.esc.cls == 2)
		return "delivered";
	if ((dec = decisive(c.text, c.len)) != NULL)
		return dec;
	smtp = diag_type[0] == '\0' || strcasecmp(diag_type, "smtp") == 0;
	if (smtp)
		for (r = order_first; *r; r++)
			if (probe(&c, *r))
				return *r;
	if (vague(c.sname) || !smtp) {
		/* 4.4.1 ("no answer from host") with Action: failed: the MTA
		 * kept retrying until its queue lifetime ran out.  Words like
		 * "connection refused" say why each attempt failed, not why
		 * the mail did: Postfix's expired letters (sisimai
		 * lhost-postfix-08, -15: expired).  4.4.7 is left to the
		 * words, as sisimai does (lhost-sendmail-11: networkerror). */
		if (c.has_esc && c.esc.cls == 4 && c.esc.subject == 4 &&
		    c.esc.detail == 1 && strncasecmp(action, "failed", 6) == 0 &&
		    text_is(&c, "networkerror"))
			return "expired";
		for (r = order_second; *r; r++)
			if (text_is(&c, *r))
				return *r;
		if (c.sname != NULL)
			return c.sname;
		if (c.has_esc && c.esc.subject == 6)
			return "contenterror";
		if (c.has_esc && c.esc.subject == 7)
			return "securityerror";
		if (strncasecmp(diag_type, "x-unix", 6) == 0)
			return "mailererror";
		if ((reply_code >= 500 && reply_code <= 507) ||
		    (reply_code >= 400 && reply_code <= 407) ||
		    text_is(&c, "syntaxerror"))
			return "syntaxerror";
		if (strncasecmp(action, "delayed", 7) == 0 ||
		    strncasecmp(action, "expired", 7) == 0)
			return "expired";
		if (cmd_in(&c, greeting))
			return "blocked";
	} else
		return c.sname;
	if (text_is(&c, "vacation"))
		return "vacation";
	if (c.len > 0)
		return "onhold";
	return "undefined";
}
