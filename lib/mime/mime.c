/*
 * mime.c - a message taken apart on GMime 3 (see mime.h).
 *
 * RFC 2045-2049 structure, RFC 2047 encoded words and RFC 2231
 * parameters are GMime's; this file adds the limits (limits.h:
 * MW_MIME_MESSAGE_MAX, _DEPTH_MAX, _PARTS_MAX, _TEXT_MAX, _HEADERS_MAX,
 * _HEADER_MAX), the line-ending normalisation (bounces arrive with LF,
 * CRLF and bare CR), and copies everything into the caller's arena so no
 * GMime object outlives the call.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "mailwhy/mime.h"
#include "mailwhy/slice.h"
#include "util/limits.h"

struct walk {
	struct mw_mime *m;
	struct mw_arena *a;
	size_t partcap;
};

static void
gmime_once(void)
{
	static int done;

	/* g_mime_init is idempotent but not thread-safe; the first call
	 * happens from the first parse.  Callers with threads parse one
	 * message first, or call this path from one thread. */
	if (!done) {
		g_mime_init();
		done = 1;
	}
}

/* CRLF and lone CR become LF: GMime and the scanners then see one form. */
static size_t
normalise(uint8_t *dst, const uint8_t *src, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (src[i] == '\r') {
			dst[n++] = '\n';
			if (i + 1 < len && src[i + 1] == '\n')
				i++;
		} else
			dst[n++] = src[i];
	}
	return n;
}

static char *
lower_dup(struct mw_arena *a, const char *s)
{
	char *d = mw_arena_strdup(a, s ? s : "");
	char *p;

	if (d == NULL)
		return NULL;
	for (p = d; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return d;
}

/* The fields kept of an attached message: decoding every Received and
 * DKIM-Signature of the returned original costs more than the rest of a
 * bounce, and nothing reads them. */
static const char *const attached_keep[] = {"From", "To", "Cc", "Subject",
    "Date", "Message-ID", "Return-Path", "X-Failed-Recipients", NULL};

/* Trace and signature fields of the message itself: long, many, and no
 * bounce reading needs them decoded (Received is read raw elsewhere). */
static const char *const top_skip[] = {"Received", "DKIM-Signature",
    "ARC-Seal", "ARC-Message-Signature", "ARC-Authentication-Results",
    "Authentication-Results", "Received-SPF", "X-Received",
    "X-Google-DKIM-Signature", "X-Gm-Message-State", "X-Google-Smtp-Source",
    "DomainKey-Signature", NULL};

static bool
wanted(const char *name, const char *const *keep)
{
	if (keep == NULL) {
		for (keep = top_skip; *keep; keep++)
			if (strcasecmp(name, *keep) == 0)
				return false;
		return true;
	}
	for (; *keep; keep++)
		if (strcasecmp(name, *keep) == 0)
			return true;
	return false;
}

static int
copy_headers(struct mw_mime_header **out, size_t *nout, struct mw_arena *a,
    GMimeObject *obj, bool *truncated, const char *const *keep)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
	int i, n = hl ? g_mime_header_list_get_count(hl) : 0;
	size_t k = 0;

	*out = NULL;
	*nout = 0;
	if (n <= 0)
		return 0;
	if ((size_t)n > MW_MIME_HEADERS_MAX) {
		*truncated = true;
		n = MW_MIME_HEADERS_MAX;
	}
	*out = mw_arena_calloc(a, (size_t)n, sizeof(**out));
	if (*out == NULL)
		return MW_ENOMEM;
	for (i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *name = h ? g_mime_header_get_name(h) : NULL;
		const char *val;
		size_t vl;

		if (name == NULL || !wanted(name, keep))
			continue;
		val = g_mime_header_get_value(h);
		if (val == NULL)
			val = "";
		vl = strlen(val);
		if (vl > MW_MIME_HEADER_MAX) {
			vl = MW_MIME_HEADER_MAX;
			*truncated = true;
		}
		(*out)[k].name = mw_arena_strdup(a, name);
		(*out)[k].value = mw_arena_strndup(a, val, vl);
		if ((*out)[k].name == NULL || (*out)[k].value == NULL)
			return MW_ENOMEM;
		k++;
	}
	*nout = k;
	return 0;
}

static struct mw_mime_part *
new_part(struct walk *w, GMimeObject *obj, unsigned depth)
{
	struct mw_mime *m = w->m;
	struct mw_mime_part *p;
	GMimeContentType *ct;
	char *mt;

	if (m->nparts >= MW_MIME_PARTS_MAX) {
		m->truncated = true;
		return NULL;
	}
	if (m->nparts == w->partcap) {
		size_t nc = w->partcap ? w->partcap * 2 : 8;
		struct mw_mime_part *np;

		if (nc > MW_MIME_PARTS_MAX)
			nc = MW_MIME_PARTS_MAX;
		np = mw_arena_calloc(w->a, nc, sizeof(*np));
		if (np == NULL)
			return NULL;
		if (m->nparts)
			memcpy(np, m->parts, m->nparts * sizeof(*np));
		m->parts = np;
		w->partcap = nc;
	}
	p = &m->parts[m->nparts++];
	memset(p, 0, sizeof(*p));
	ct = g_mime_object_get_content_type(obj);
	mt = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
	p->type = lower_dup(w->a, mt ? mt : "text/plain");
	g_free(mt);
	p->depth = depth;
	p->data = (const uint8_t *)"";
	return p;
}

static int
set_data(struct walk *w, struct mw_mime_part *p, const void *d, size_t len)
{
	char *c;

	if (len > MW_MIME_TEXT_MAX) {
		len = MW_MIME_TEXT_MAX;
		p->cut = true;
		w->m->truncated = true;
	}
	if ((c = mw_arena_strndup(w->a, d, len)) == NULL)
		return MW_ENOMEM;
	p->data = (const uint8_t *)c;
	p->len = len;
	return 0;
}

static int
leaf_bytes(struct walk *w, struct mw_mime_part *p, GMimePart *part)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	GMimeStream *s;
	GByteArray *ba;
	int rc;

	if (dw == NULL)
		return 0;
	ba = g_byte_array_new();
	s = g_mime_stream_mem_new_with_byte_array(ba);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(s), TRUE);
	g_mime_data_wrapper_write_to_stream(dw, s);
	rc = set_data(w, p, ba->data, ba->len);
	g_object_unref(s);
	return rc;
}

static int
walk(struct walk *w, GMimeObject *obj, unsigned depth)
{
	struct mw_mime_part *p;
	int rc;

	if (obj == NULL)
		return 0;
	if (depth > MW_MIME_DEPTH_MAX) {
		w->m->truncated = true;
		return 0;
	}
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int i, n = g_mime_multipart_get_count(mp);

		/* A multipart whose boundary never appears (old Sendmail
		 * DSNs do this) is all preamble: keep it as text. */
		if (n == 0) {
			const char *pro = g_mime_multipart_get_prologue(mp);

			if (pro != NULL && (p = new_part(w, obj, depth)) !=
			    NULL) {
				p->type = "text/plain";
				return set_data(w, p, pro, strlen(pro));
			}
			return 0;
		}

		for (i = 0; i < n; i++) {
			if ((rc = walk(w, g_mime_multipart_get_part(mp, i),
			    depth + 1)) != 0)
				return rc;
			if (w->m->truncated &&
			    w->m->nparts >= MW_MIME_PARTS_MAX)
				break;
		}
		return 0;
	}
	if ((p = new_part(w, obj, depth)) == NULL)
		return w->m->truncated ? 0 : MW_ENOMEM;
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *em = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(obj));

		if (em != NULL)
			return copy_headers(&p->headers, &p->nheaders, w->a,
			    GMIME_OBJECT(em), &w->m->truncated, attached_keep);
		return 0;
	}
	if (GMIME_IS_TEXT_PART(obj)) {
		const char *cs = g_mime_text_part_get_charset(
		    GMIME_TEXT_PART(obj));
		char *t;

		/* ASCII and UTF-8 need no conversion: skip the iconv
		 * filter (it costs a module load per part) */
		if (cs == NULL || strcasecmp(cs, "us-ascii") == 0 ||
		    strcasecmp(cs, "utf-8") == 0 ||
		    strcasecmp(cs, "ascii") == 0)
			return leaf_bytes(w, p, GMIME_PART(obj));
		t = g_mime_text_part_get_text(GMIME_TEXT_PART(obj));

		if (t != NULL) {
			rc = set_data(w, p, t, strlen(t));
			g_free(t);
			if (rc != 0)
				return rc;
		}
		if (strcmp(p->type, "text/rfc822-headers") == 0)
			p->nheaders = 0; /* headers are read from data */
		return 0;
	}
	if (GMIME_IS_PART(obj))
		return leaf_bytes(w, p, GMIME_PART(obj));
	return 0;
}

int
mw_mime_parse(struct mw_mime *out, struct mw_arena *a, const uint8_t *msg,
    size_t len, struct mw_err *err)
{
	struct walk w = {out, a, 0};
	GMimeStream *s;
	GMimeParser *parser;
	GMimeMessage *gm;
	GMimeContentType *ct;
	uint8_t *norm;
	size_t n, skip = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len > MW_MIME_MESSAGE_MAX)
		return mw_err_set(err, MW_ELIMIT, "mime", 0,
		    "message of %zu bytes is over the %u-byte limit", len,
		    MW_MIME_MESSAGE_MAX);
	/* mbox "From " separator line (RFC 4155) */
	if (len >= 5 && memcmp(msg, "From ", 5) == 0) {
		while (skip < len && msg[skip] != '\n' && msg[skip] != '\r')
			skip++;
		while (skip < len && (msg[skip] == '\n' || msg[skip] == '\r'))
			skip++;
	}
	if ((norm = malloc(len - skip + 1)) == NULL)
		return mw_err_set(err, MW_ENOMEM, "mime", 0, "out of memory");
	n = normalise(norm, msg + skip, len - skip);
	gmime_once();
	s = g_mime_stream_mem_new_with_buffer((const char *)norm, n);
	free(norm);
	parser = g_mime_parser_new_with_stream(s);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	gm = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(s);
	if (gm == NULL)
		return mw_err_set(err, MW_EINVAL, "mime", 0,
		    "not a message");
	rc = copy_headers(&out->headers, &out->nheaders, a, GMIME_OBJECT(gm),
	    &out->truncated, NULL);
	if (rc == 0) {
		GMimeObject *body = g_mime_message_get_mime_part(gm);

		ct = body ? g_mime_object_get_content_type(body) : NULL;
		if (ct != NULL) {
			char *mt = g_mime_content_type_get_mime_type(ct);
			const char *rt = g_mime_content_type_get_parameter(ct,
			    "report-type");

			out->type = lower_dup(a, mt);
			g_free(mt);
			if (rt != NULL)
				out->report_type = lower_dup(a, rt);
		} else
			out->type = "text/plain";
		rc = walk(&w, body, 0);
	}
	g_object_unref(gm);
	if (rc != 0)
		return mw_err_set(err, rc, "mime", 0, "out of memory");
	return 0;
}

const char *
mw_mime_header_get(const struct mw_mime_header *h, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(h[i].name, name) == 0)
			return h[i].value;
	return NULL;
}
