/*
 * esc.c - enhanced mail system status codes (RFC 3463, the IANA registry
 * "SMTP Enhanced Status Codes" with RFC 4954, 5248, 7372, 7505, 8098 ...)
 * and SMTP reply codes (RFC 5321 4.2).
 *
 * class "." subject "." detail, class 2/4/5, subject and detail 1-3
 * digits (RFC 3463 2).  Finding one in free text must not take a piece of
 * an IP address or a version number, so the code must not touch another
 * digit or dot on either side.
 *
 * The code -> reason map says what a code means by itself in sisimai's
 * vocabulary; the classifier (reason.c) decides when words override it.
 */
#include <string.h>

#include "mailwhy/bounce.h"

static bool
isdig(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* Reads 1-3 digits at p[*i]; false otherwise. */
static bool
num(const uint8_t *p, size_t len, size_t *i, unsigned *out)
{
	unsigned v = 0, n = 0;

	while (*i < len && isdig(p[*i]) && n < 4) {
		v = v * 10 + (unsigned)(p[*i] - '0');
		(*i)++;
		n++;
	}
	*out = v;
	return n >= 1 && n <= 3;
}

static bool
esc_at(struct mw_esc *out, const uint8_t *p, size_t len, size_t i,
    size_t *end)
{
	struct mw_esc c;

	if (i >= len || (p[i] != '2' && p[i] != '4' && p[i] != '5'))
		return false;
	if (i > 0 && (isdig(p[i - 1]) || p[i - 1] == '.'))
		return false;
	c.cls = (unsigned)(p[i] - '0');
	i++;
	if (i >= len || p[i] != '.')
		return false;
	i++;
	if (!num(p, len, &i, &c.subject) || c.subject > 7)
		return false;
	if (i >= len || p[i] != '.')
		return false;
	i++;
	if (!num(p, len, &i, &c.detail))
		return false;
	if (i < len && (isdig(p[i]) ||
	    (p[i] == '.' && i + 1 < len && isdig(p[i + 1]))))
		return false;
	*out = c;
	*end = i;
	return true;
}

bool
mw_esc_find(struct mw_esc *out, const uint8_t *p, size_t len)
{
	size_t i, end;

	if (p == NULL || len < 5)
		return false;
	/* a code's second byte is its first dot: try the byte before each
	 * dot, leftmost first (dots are rarer than digits) */
	for (i = 1; i + 4 <= len; i++) {
		const uint8_t *d = memchr(p + i, '.', len - 4 - i + 1);

		if (d == NULL)
			return false;
		i = (size_t)(d - p);
		if (esc_at(out, p, len, i - 1, &end))
			return true;
	}
	return false;
}

bool
mw_esc_parse(struct mw_esc *out, const char *s)
{
	size_t end, len;

	if (s == NULL)
		return false;
	while (*s == ' ')
		s++;
	len = strlen(s);
	while (len > 0 && s[len - 1] == ' ')
		len--;
	return esc_at(out, (const uint8_t *)s, len, 0, &end) && end == len;
}

struct esc_row {
	unsigned cls, subject, detail;
	const char *reason;
};

/*
 * What a code says by itself (RFC 3463 3, IANA registry texts), in
 * sisimai's vocabulary so the results compare.  Class 4 codes that name
 * a state of the remote system are listed; the others fall to the words.
 * X.7.1 ("delivery not authorized") says nothing of why: it is left to
 * the words, and only then becomes securityerror.
 */
static const struct esc_row esc_map[] = {
	{2, 1, 5, "delivered"},	     /* destination address valid */
	{2, 0, 0, "delivered"},
	{4, 1, 6, "hasmoved"},	     /* mailbox has moved */
	{4, 1, 7, "rejected"},	     /* bad sender's mailbox syntax */
	{4, 1, 8, "rejected"},	     /* bad sender's system address */
	{4, 1, 9, "systemerror"},    /* relayed to non-compliant mailer */
	{4, 2, 1, "blocked"},	     /* mailbox disabled (temporarily) */
	{4, 2, 2, "mailboxfull"},    /* mailbox full */
	{4, 2, 3, "exceedlimit"},    /* message length over mailbox limit */
	{4, 2, 4, "filtered"},	     /* mailing list expansion problem */
	{4, 3, 1, "systemfull"},     /* mail system full */
	{4, 3, 2, "notaccept"},	     /* system not accepting messages */
	{4, 3, 3, "systemerror"},    /* system not capable of features */
	{4, 3, 5, "systemerror"},    /* system incorrectly configured */
	{4, 4, 1, "expired"},	     /* no answer from host */
	{4, 4, 2, "networkerror"},   /* bad connection */
	{4, 4, 3, "systemerror"},    /* directory server failure */
	{4, 4, 4, "networkerror"},   /* unable to route */
	{4, 4, 5, "systemfull"},     /* mail system congestion */
	{4, 4, 6, "networkerror"},   /* routing loop */
	{4, 4, 7, "expired"},	     /* delivery time expired */
	{4, 4, 8, "networkerror"},   /* retry on IPv4 */
	{4, 5, 3, "systemerror"},    /* too many recipients */
	{4, 5, 5, "systemerror"},    /* wrong protocol version */
	{4, 6, 0, "contenterror"},   /* media error */
	{4, 6, 2, "contenterror"},
	{4, 6, 5, "contenterror"},
	{4, 7, 1, "blocked"},	     /* delivery not authorized (temporary) */
	{4, 7, 2, "blocked"},
	{4, 7, 5, "securityerror"},  /* cryptographic failure */
	{4, 7, 6, "securityerror"},
	{4, 7, 7, "securityerror"},
	{4, 7, 12, "securityerror"},
	{4, 7, 15, "securityerror"},
	{4, 7, 16, "mesgtoobig"},
	{4, 7, 24, "authfailure"},   /* SPF validation error (RFC 7372) */
	{4, 7, 25, "requireptr"},    /* reverse DNS validation failed */
	{4, 7, 26, "authfailure"},   /* must pass SPF or DKIM */
	{5, 1, 0, "userunknown"},    /* other address status */
	{5, 1, 1, "userunknown"},    /* bad destination mailbox */
	{5, 1, 2, "hostunknown"},    /* bad destination system */
	{5, 1, 3, "userunknown"},    /* bad destination mailbox syntax */
	{5, 1, 4, "filtered"},	     /* destination ambiguous */
	{5, 1, 6, "hasmoved"},	     /* mailbox has moved */
	{5, 1, 7, "rejected"},	     /* bad sender's mailbox syntax */
	{5, 1, 8, "rejected"},	     /* bad sender's system address */
	{5, 1, 9, "systemerror"},
	{5, 1, 10, "notaccept"},     /* null MX (RFC 7505) */
	{5, 2, 0, "filtered"},
	{5, 2, 1, "filtered"},	     /* mailbox disabled */
	{5, 2, 2, "mailboxfull"},
	{5, 2, 3, "exceedlimit"},
	{5, 2, 4, "filtered"},
	{5, 3, 0, "systemerror"},
	{5, 3, 1, "systemfull"},
	{5, 3, 2, "notaccept"},
	{5, 3, 3, "systemerror"},
	{5, 3, 4, "mesgtoobig"},     /* message too big for system */
	{5, 3, 5, "systemerror"},
	{5, 4, 0, "networkerror"},
	{5, 4, 3, "systemerror"},
	{5, 4, 4, "hostunknown"},    /* unable to route */
	{5, 5, 2, "syntaxerror"},    /* syntax error */
	{5, 5, 3, "toomanyconn"},    /* too many recipients */
	{5, 5, 4, "systemerror"},
	{5, 5, 5, "systemerror"},
	{5, 5, 6, "syntaxerror"},
	{5, 6, 0, "contenterror"},
	{5, 6, 1, "contenterror"},
	{5, 6, 2, "contenterror"},
	{5, 6, 3, "contenterror"},
	{5, 6, 5, "contenterror"},
	{5, 6, 6, "contenterror"},
	{5, 6, 7, "contenterror"},
	{5, 6, 8, "contenterror"},
	{5, 6, 9, "contenterror"},
	{5, 7, 0, "securityerror"},
	{5, 7, 1, "securityerror"},
	{5, 7, 2, "securityerror"},
	{5, 7, 3, "securityerror"},
	{5, 7, 4, "securityerror"},
	{5, 7, 5, "securityerror"},
	{5, 7, 6, "securityerror"},
	{5, 7, 7, "securityerror"},
	{5, 7, 8, "securityerror"},  /* authentication credentials invalid */
	{5, 7, 9, "securityerror"},
	{5, 7, 10, "securityerror"},
	{5, 7, 11, "securityerror"},
	{5, 7, 13, "suspend"},	     /* user account disabled */
	{5, 7, 14, "securityerror"},
	{5, 7, 15, "securityerror"},
	{5, 7, 16, "mesgtoobig"},
	{5, 7, 17, "hasmoved"},	     /* mailbox owner has changed */
	{5, 7, 18, "hasmoved"},	     /* domain owner has changed */
	{5, 7, 19, "securityerror"},
	{5, 7, 20, "authfailure"},   /* no passing DKIM signature */
	{5, 7, 21, "authfailure"},   /* no acceptable DKIM signature */
	{5, 7, 22, "authfailure"},   /* no author-matched DKIM signature */
	{5, 7, 23, "authfailure"},   /* SPF validation failed */
	{5, 7, 24, "authfailure"},   /* SPF validation error */
	{5, 7, 25, "requireptr"},    /* reverse DNS validation failed */
	{5, 7, 26, "authfailure"},   /* multiple authentication failures */
	{5, 7, 27, "notaccept"},     /* sender address has null MX */
	{5, 7, 28, "spamdetected"},  /* mail flood detected */
	{5, 7, 29, "authfailure"},   /* ARC validation failure */
	{5, 7, 30, "failedstarttls"},/* REQUIRETLS support required */
};

const char *
mw_esc_reason(const struct mw_esc *c)
{
	size_t i;

	for (i = 0; i < sizeof(esc_map) / sizeof(esc_map[0]); i++)
		if (esc_map[i].cls == c->cls &&
		    esc_map[i].subject == c->subject &&
		    esc_map[i].detail == c->detail)
			return esc_map[i].reason;
	if (c->cls == 2)
		return "delivered";
	return NULL;
}

int
mw_reply_code_find(const uint8_t *p, size_t len)
{
	size_t i;

	if (p == NULL)
		return 0;
	for (i = 0; i + 3 <= len; i++) {
		if (p[i] != '2' && p[i] != '4' && p[i] != '5')
			continue;
		if (i > 0 && (isdig(p[i - 1]) || p[i - 1] == '.' ||
		    p[i - 1] == '-' || p[i - 1] == ':' ||
		    ((p[i - 1] | 0x20) >= 'a' && (p[i - 1] | 0x20) <= 'z')))
			continue;
		if (!isdig(p[i + 1]) || p[i + 1] > '5' || !isdig(p[i + 2]))
			continue;
		if (i + 3 < len && p[i + 3] != ' ' && p[i + 3] != '-' &&
		    p[i + 3] != '\n' && p[i + 3] != '\t' && p[i + 3] != ',')
			continue;
		return (p[i] - '0') * 100 + (p[i + 1] - '0') * 10 +
		    (p[i + 2] - '0');
	}
	return 0;
}
