/*
 * lhost.c - bounce formats that name their sender family in their
 * headers and lay out their report their own way, where the generic
 * reading (DSN fields, body matcher, phrases) cannot tell what they say:
 *
 *   Google Groups  From mailer-daemon@googlemail.com, X-Failed-Recipients,
 *                  a notice signed "Google Groups" listing four causes
 *                  as bullets, in the poster's language: the group
 *                  refused the post (rejected).
 *   fml            X-MLServer: fml, From: <list>-admin@: a notice to the
 *                  poster; the list address is the first <addr> in it.
 *   Apache James   Message-ID ...JavaMail..., "Error message below:"
 *                  then "Message details:" with "RCPT TO: addr".
 *
 * Facts from reading the samples and sisimai's lhost modules (BSD-2);
 * the code is ours.  Inputs are the parsed message and its human text
 * (NUL-terminated, in the arena); results live in the arena.
 */
#include <string.h>
#include <strings.h>

#include "bounce/bounce_int.h"
#include "mailwhy/slice.h"
#include "mailwhy/mime.h"

static const char *
hdr(const struct mw_mime *m, const char *name)
{
	return mw_mime_header_get(m->headers, m->nheaders, name);
}

static bool
has(const char *s, const char *needle)
{
	return mw_ci_strstr(s, needle) != NULL;
}

/* Lines of text that start with a bullet ("* " or " * "). */
static unsigned
bullets(const char *text)
{
	const char *p = text;
	unsigned n = 0;

	while (p != NULL && *p) {
		const char *q = p;

		while (*q == ' ')
			q++;
		if (q[0] == '*' && q[1] == ' ')
			n++;
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return n;
}

enum mw__lhost
mw__bounce_lhost(const struct mw_mime *m, const char *full)
{
	const char *mlserver = hdr(m, "X-MLServer");
	const char *msgid = hdr(m, "Message-ID");

	if (has(hdr(m, "From"), "mailer-daemon@googlemail.com") &&
	    hdr(m, "X-Failed-Recipients") != NULL && has(full, "Google Groups"))
		return MW__LHOST_GOOGLEGROUPS;
	if (mlserver != NULL && strncasecmp(mlserver, "fml", 3) == 0 &&
	    has(hdr(m, "From"), "-admin@"))
		return MW__LHOST_FML;
	if (has(msgid, ".JavaMail.") && has(full, "Message details:") &&
	    has(full, "RCPT TO:"))
		return MW__LHOST_JAMES;
	return MW__LHOST_NONE;
}

const char *
mw__bounce_lhost_name(enum mw__lhost f)
{
	switch (f) {
	case MW__LHOST_GOOGLEGROUPS:
		return "googlegroups";
	case MW__LHOST_FML:
		return "fml";
	case MW__LHOST_JAMES:
		return "apachejames";
	default:
		return "";
	}
}

/* The address between the first '<' and '>' of s, or NULL. */
static const char *
bracketed(struct mw_arena *a, const char *s)
{
	const char *lt = strchr(s, '<'), *gt;

	if (lt == NULL || (gt = strchr(lt, '>')) == NULL ||
	    memchr(lt, '@', (size_t)(gt - lt)) == NULL)
		return NULL;
	return mw_arena_strndup(a, lt + 1, (size_t)(gt - lt - 1));
}

const char *
mw__bounce_lhost_recipient(enum mw__lhost f, struct mw_arena *a,
    const char *full, const char **diag)
{
	const char *p, *e;

	if (full == NULL)
		return NULL;
	switch (f) {
	case MW__LHOST_FML:
		*diag = full;
		return bracketed(a, full);
	case MW__LHOST_JAMES:
		p = mw_ci_strstr(full, "RCPT TO:");
		if (p == NULL)
			return NULL;
		p += 8;
		while (*p == ' ' || *p == '<')
			p++;
		/* the words: from "Error message below:" to the details */
		if ((e = strstr(full, "Error message below:")) != NULL) {
			const char *d = strstr(e, "Message details:");

			e += 20;
			*diag = d != NULL ? mw_arena_strndup(a, e,
			    (size_t)(d - e)) : e;
		} else
			*diag = full;
		return mw_arena_strndup(a, p, strcspn(p, " \t\r\n>"));
	default:
		return NULL;
	}
}

const char *
mw__bounce_lhost_reason(enum mw__lhost f, const char *full)
{
	/* "may not exist, or you may not have permission to post" with
	 * its four bullets, whatever the language */
	if (f == MW__LHOST_GOOGLEGROUPS && full != NULL &&
	    bullets(full) == 4)
		return "rejected";
	return NULL;
}
