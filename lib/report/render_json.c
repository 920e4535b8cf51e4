/*
 * render_json.c - a report as one JSON object (docs/json.md, schema
 * version MW_JSON_SCHEMA_VERSION): the schema version, kind and input,
 * the report's facts as top-level fields, and the findings with their
 * texts in the chosen language.
 *
 * Written straight into the buffer, compact, byte for byte as jansson's
 * json_dumps wrote it (escapes, key order, numbers; a unit test compares
 * the two): building a tree of objects per report cost more than the
 * whole bounce it reported.  jansson is kept for what it does better:
 * re-reading a MW_FACT_JSON value, and the indented form
 * (MW_RENDER_PRETTY).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "mailwhy/err.h"
#include "mailwhy/report.h"
#include "util/limits.h"

/* The document being written, and whether any append failed (the
 * buffer's cap): a failed document is taken back whole. */
struct jw {
	struct mw_buf *b;
	int err;
};

static void
w_append(struct jw *w, const void *p, size_t n)
{
	w->err |= mw_buf_append(w->b, p, n);
}

static void
w_puts(struct jw *w, const char *s)
{
	w->err |= mw_buf_puts(w->b, s);
}

static void
w_putc(struct jw *w, int c)
{
	w->err |= mw_buf_putc(w->b, c);
}

/* Well-formed UTF-8 as jansson checks it (RFC 3629: no overlong forms,
 * no surrogates, nothing past U+10FFFF). */
static bool
utf8_valid(const unsigned char *p)
{
	while (*p) {
		unsigned c = *p, v;
		size_t n, k;

		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 2, v = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 3, v = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 4, v = c & 0x07;
		else
			return false;
		for (k = 1; k < n; k++) {
			if ((p[k] & 0xc0) != 0x80)
				return false;
			v = (v << 6) | (p[k] & 0x3f);
		}
		if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff) ||
		    (n == 3 && v < 0x800) || (n == 4 && v < 0x10000))
			return false;
		p += n;
	}
	return true;
}

/* s (valid UTF-8) as a JSON string: quote, backslash and control bytes
 * escaped as jansson does (\b \f \n \r \t, else \u00XX). */
static void
put_escaped(struct jw *b, const unsigned char *p)
{
	static const char esc[] = "btn\0fr"; /* \b \t \n (\v) \f \r */

	w_putc(b, '"');
	while (*p) {
		const unsigned char *run = p;

		while (*p >= 0x20 && *p != '"' && *p != '\\')
			p++;
		if (p > run)
			w_append(b, run, (size_t)(p - run));
		if (*p == '\0')
			break;
		if (*p == '"' || *p == '\\') {
			w_putc(b, '\\');
			w_putc(b, *p);
		} else if (*p >= '\b' && *p <= '\r' && *p != '\v')
			w_putc(b, '\\'), w_putc(b, esc[*p - '\b']);
		else {
			char u[8];

			snprintf(u, sizeof(u), "\\u%04X", *p);
			w_puts(b, u);
		}
		p++;
	}
	w_putc(b, '"');
}

/*
 * s as a JSON string, null for NULL.  Input may hold any bytes, but JSON
 * text is UTF-8: a malformed sequence becomes U+FFFD, and a string that
 * is still not well-formed after that (an overlong form, a surrogate)
 * becomes U+FFFD whole, so the document stays valid.
 */
static void
put_str(struct jw *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	struct mw_buf t;

	if (s == NULL) {
		w_puts(b, "null");
		return;
	}
	if (utf8_valid(p)) {
		put_escaped(b, p);
		return;
	}
	mw_buf_init(&t, MW_RENDER_MAX);
	while (*p) {
		size_t n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 :
		    (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;
		size_t k = 1;

		while (n > 1 && k < n && (p[k] & 0xc0) == 0x80)
			k++;
		if (n == 0 || k < n) {
			mw_buf_puts(&t, "\xef\xbf\xbd");
			p += n == 0 ? 1 : k;
			continue;
		}
		mw_buf_append(&t, p, n);
		p += n;
	}
	p = (const unsigned char *)mw_buf_cstr(&t);
	put_escaped(b, utf8_valid(p) ? p :
	    (const unsigned char *)"\xef\xbf\xbd");
	mw_buf_release(&t);
}

/* "key": with the comma before all but the first member. */
static void
put_key(struct jw *b, const char *key, bool *first)
{
	if (!*first)
		w_putc(b, ',');
	*first = false;
	put_str(b, key);
	w_putc(b, ':');
}

static int
put_text(struct jw *b, const struct mw_finding *f, const char *msgid,
    const char *lang)
{
	struct mw_buf t;

	mw_buf_init(&t, MW_RENDER_MAX);
	if (mw_finding_text(&t, f, msgid, lang) != 0) {
		mw_buf_release(&t);
		b->err |= MW_ENOMEM;
		return MW_ENOMEM;
	}
	put_str(b, mw_buf_cstr(&t));
	mw_buf_release(&t);
	return 0;
}

static void
put_finding(struct jw *b, const struct mw_finding *f, const char *lang)
{
	const struct mw_finding_def *d = f->def;
	bool first = true, afirst = true;

	w_putc(b, '{');
	put_key(b, "code", &first);
	put_str(b, d->code);
	put_key(b, "severity", &first);
	put_str(b, mw_severity_name(d->sev));
	put_key(b, "who", &first);
	put_str(b, mw_actor_name(d->who));
	put_key(b, "subject", &first);
	put_str(b, f->subject);
	put_key(b, "title", &first);
	(void)put_text(b, f, d->title, lang);
	put_key(b, "explanation", &first);
	(void)put_text(b, f, d->explain, lang);
	put_key(b, "remedy", &first);
	(void)put_text(b, f, d->remedy, lang);
	put_key(b, "evidence", &first);
	put_str(b, f->evidence);
	put_key(b, "ref", &first);
	put_str(b, d->ref);
	put_key(b, "args", &first);
	w_putc(b, '[');
	for (int i = 0; i < 3; i++)
		if (f->args[i] != NULL) {
			if (!afirst)
				w_putc(b, ',');
			afirst = false;
			put_str(b, f->args[i]);
		}
	w_puts(b, "]}");
}

/* A MW_FACT_JSON value as jansson writes it back, or null when it does
 * not parse. */
static void
put_json(struct jw *b, const char *s)
{
	json_t *v = json_loads(s, JSON_DECODE_ANY, NULL);
	char *d = v ? json_dumps(v, JSON_PRESERVE_ORDER | JSON_COMPACT |
	    JSON_ENCODE_ANY) : NULL;

	w_puts(b, d ? d : "null");
	free(d);
	json_decref(v);
}

static void
put_report(struct jw *b, const struct mw_report *r, const char *lang)
{
	bool first = true, ffirst = true;

	char num[32];

	w_putc(b, '{');
	put_key(b, "schema_version", &first);
	snprintf(num, sizeof(num), "%d", MW_JSON_SCHEMA_VERSION);
	w_puts(b, num);
	put_key(b, "kind", &first);
	put_str(b, r->kind);
	put_key(b, "input", &first);
	put_str(b, r->subject);
	for (size_t i = 0; i < r->nfacts; i++) {
		const struct mw_fact *f = &r->facts[i];

		put_key(b, f->key, &first);
		switch (f->type) {
		case MW_FACT_BOOL:
			w_puts(b, f->b ? "true" : "false");
			break;
		case MW_FACT_INT:
			snprintf(num, sizeof(num), "%" PRId64, f->i);
			w_puts(b, num);
			break;
		case MW_FACT_STR:
			put_str(b, f->s);
			break;
		case MW_FACT_JSON:
			put_json(b, f->s);
			break;
		default:
			w_puts(b, "null");
		}
	}
	put_key(b, "findings", &first);
	w_putc(b, '[');
	for (size_t i = 0; i < r->nfindings; i++) {
		if (!ffirst)
			w_putc(b, ',');
		ffirst = false;
		put_finding(b, &r->findings[i], lang);
	}
	w_putc(b, ']');
	if (r->truncated) {
		put_key(b, "truncated", &first);
		w_puts(b, "true");
	}
	w_putc(b, '}');
}

int
mw_render_json(struct mw_buf *out, const struct mw_report *r,
    const char *lang, unsigned flags)
{
	struct mw_buf t;
	json_t *o;
	char *s;
	int rc;
	struct jw w = {out, 0};
	size_t before = out->len;

	if (!(flags & MW_RENDER_PRETTY)) {
		put_report(&w, r, lang);
		if (w.err != 0) {
			/* the cap cut the document: none of it */
			out->len = before;
			if (out->p != NULL)
				out->p[before] = '\0';
			return MW_ELIMIT;
		}
		return 0;
	}
	mw_buf_init(&t, MW_RENDER_MAX);
	w.b = &t;
	put_report(&w, r, lang);
	o = w.err == 0 ? json_loads(mw_buf_cstr(&t), 0, NULL) : NULL;
	mw_buf_release(&t);
	s = o ? json_dumps(o, JSON_PRESERVE_ORDER | JSON_INDENT(2)) : NULL;
	json_decref(o);
	if (s == NULL)
		return MW_ENOMEM;
	rc = mw_buf_puts(out, s);
	free(s);
	return rc;
}
