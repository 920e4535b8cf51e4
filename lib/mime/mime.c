/*
 * mime.c - a message taken apart on GMime 3 (see mime.h).
 *
 * RFC 2045-2049 structure, RFC 2047 encoded words and RFC 2231
 * parameters are GMime's; this file adds the limits (limits.h:
 * MW_MIME_MESSAGE_MAX, _DEPTH_MAX, _PARTS_MAX, _TEXT_MAX, _HEADERS_MAX,
 * _HEADER_MAX), the line-ending normalisation (bounces arrive with LF,
 * CRLF and bare CR), and copies everything into the caller's arena so no
 * GMime object outlives the call.
 *
 * Most bounces never build a GMime object: the fast reader below walks
 * the raw bytes, calls GMime's decoders only where a value or part needs
 * them, and skips the returned original's body; it hands anything it
 * does not reproduce exactly to the GMime walk.  Its parts are decoded
 * when first read (mw_mime_part_data), from the normalised copy of the
 * message kept in the arena; the GMime walk decodes its parts at once.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <iconv.h>
#include <pthread.h>

#include <gmime/gmime.h>

#include "mailwhy/mime.h"
#include "mime/mime_int.h"
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

/*
 * glibc loads a converter module (ISO-2022-JP.so, KOI8-R.so...) on
 * iconv_open and unloads it on the last iconv_close: GMime opens and
 * closes one per converted part or encoded word, so every Japanese or
 * Latin-1 bounce paid a dlopen and a dlclose (a fifth of the bounce
 * benchmark's time).  One descriptor per charset seen is kept open, never
 * used, so the module stays loaded; at most MW_MIME_CHARSET_PINS.
 */
static void
pin_charset(const char *cs, size_t len)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static char names[MW_MIME_CHARSET_PINS][64];
	/* kept, though never used, so leak checkers see them held */
	static iconv_t cds[MW_MIME_CHARSET_PINS];
	static size_t n;
	char want[64];
	const char *ic;
	size_t i;

	if (len == 0 || len >= sizeof(want))
		return;
	memcpy(want, cs, len);
	want[len] = '\0';
	pthread_mutex_lock(&mu);
	for (i = 0; i < n && strcasecmp(names[i], want) != 0; i++)
		;
	if (i == n && n < MW_MIME_CHARSET_PINS) {
		/* the name GMime itself hands to iconv_open */
		ic = g_mime_charset_iconv_name(want);
		if (ic != NULL &&
		    (cds[n] = iconv_open("UTF-8", ic)) != (iconv_t)-1) {
			memcpy(names[n], want, len + 1);
			n++;
		}
	}
	pthread_mutex_unlock(&mu);
}

/* The charsets of a value's RFC 2047 words ("=?koi8-r?B?...?="). */
static void
pin_word_charsets(const char *v)
{
	const char *p = v, *e;
	size_t k;

	while ((p = strstr(p, "=?")) != NULL) {
		p += 2;
		k = strcspn(p, "?*\n");
		e = p + k;
		if (*e == '?' || *e == '*')
			pin_charset(p, k);
		p = e;
	}
}

/* CRLF and lone CR become LF: GMime and the scanners then see one form. */
static size_t
normalise(uint8_t *dst, const uint8_t *src, size_t len)
{
	size_t i = 0, n = 0;

	while (i < len) {
		const uint8_t *cr = memchr(src + i, '\r', len - i);
		size_t run = cr ? (size_t)(cr - src) - i : len - i;

		memcpy(dst + n, src + i, run);
		n += run;
		i += run;
		if (cr == NULL)
			break;
		dst[n++] = '\n';
		i++;
		if (i < len && src[i] == '\n')
			i++;
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

/* A field name and its length, so a name of another length is passed
 * over without looking at its bytes. */
struct fname {
	const char *s;
	size_t n;
};
#define FNAME(lit) {lit, sizeof(lit) - 1}

/* The fields kept of an attached message: decoding every Received and
 * DKIM-Signature of the returned original costs more than the rest of a
 * bounce, and nothing reads them. */
static const struct fname attached_keep[] = {FNAME("From"), FNAME("To"),
    FNAME("Cc"), FNAME("Subject"), FNAME("Date"), FNAME("Message-ID"),
    FNAME("Return-Path"), FNAME("X-Failed-Recipients"),
    FNAME("X-HmXmrOriginalRecipient"), {NULL, 0}};

/* Trace and signature fields of the message itself: long, many, and no
 * bounce reading needs them decoded (Received is read raw elsewhere). */
static const struct fname top_skip[] = {FNAME("Received"),
    FNAME("DKIM-Signature"), FNAME("ARC-Seal"),
    FNAME("ARC-Message-Signature"), FNAME("ARC-Authentication-Results"),
    FNAME("Authentication-Results"), FNAME("Received-SPF"),
    FNAME("X-Received"), FNAME("X-Google-DKIM-Signature"),
    FNAME("X-Gm-Message-State"), FNAME("X-Google-Smtp-Source"),
    FNAME("DomainKey-Signature"), {NULL, 0}};

/* name[0..n) (raw field-name bytes) equals w, ASCII case folded */
static bool
name_eq(const uint8_t *name, size_t n, const struct fname *w)
{
	size_t i;

	if (n != w->n)
		return false;
	for (i = 0; i < n; i++) {
		uint8_t a = name[i], b = (uint8_t)w->s[i];

		if (a >= 'A' && a <= 'Z')
			a = (uint8_t)(a + 32);
		if (b >= 'A' && b <= 'Z')
			b = (uint8_t)(b + 32);
		if (a != b)
			return false;
	}
	return true;
}

static bool
wanted(const uint8_t *name, size_t n, const struct fname *keep)
{
	if (keep == NULL) {
		/* every top field comes here: the skipped ones all start
		 * with a, d, r or x */
		char c = (char)(n > 0 ? name[0] | 0x20 : 0);

		if (c != 'a' && c != 'd' && c != 'r' && c != 'x')
			return true;
		for (keep = top_skip; keep->s != NULL; keep++)
			if (name_eq(name, n, keep))
				return false;
		return true;
	}
	for (; keep->s != NULL; keep++)
		if (name_eq(name, n, keep))
			return true;
	return false;
}

static int
copy_headers(struct mw_mime_header **out, size_t *nout, struct mw_arena *a,
    GMimeObject *obj, bool *truncated, const struct fname *keep)
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

		if (name == NULL ||
		    !wanted((const uint8_t *)name, strlen(name), keep))
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

/*
 * The next zeroed part slot, growing the array in the arena; NULL (and
 * truncated set) past MW_MIME_PARTS_MAX, or when out of memory.
 */
static struct mw_mime_part *
part_slot(struct walk *w)
{
	struct mw_mime *m = w->m;
	struct mw_mime_part *p;

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
	return p;
}

static struct mw_mime_part *
new_part(struct walk *w, GMimeObject *obj, unsigned depth)
{
	struct mw_mime_part *p;
	GMimeContentType *ct;
	char *mt;

	if ((p = part_slot(w)) == NULL)
		return NULL;
	ct = g_mime_object_get_content_type(obj);
	mt = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
	p->type = lower_dup(w->a, mt ? mt : "text/plain");
	g_free(mt);
	p->depth = depth;
	p->data = (const uint8_t *)"";
	return p;
}

/* *truncated is the message's; NULL from mw_mime_part_data, whose parts
 * cannot be cut (leaf() decides that while parsing). */
static int
set_data(struct mw_arena *a, struct mw_mime_part *p, const void *d,
    size_t len, bool *truncated)
{
	char *c;

	if (len > MW_MIME_TEXT_MAX) {
		len = MW_MIME_TEXT_MAX;
		p->cut = true;
		if (truncated != NULL)
			*truncated = true;
	}
	/* unzeroed: every byte is written (a part may be 256 KiB) */
	if ((c = mw_arena_alloc_bytes(a, len + 1)) == NULL)
		return MW_ENOMEM;
	if (len > 0)
		memcpy(c, d, len);
	c[len] = '\0';
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
	rc = set_data(w->a, p, ba->data, ba->len, &w->m->truncated);
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
				return set_data(w->a, p, pro, strlen(pro),
				    &w->m->truncated);
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

		if (em != NULL) {
			char *t;

			if ((rc = copy_headers(&p->headers, &p->nheaders,
			    w->a, GMIME_OBJECT(em), &w->m->truncated,
			    attached_keep)) != 0)
				return rc;
			/* the attached message as GMime writes it back */
			if ((t = g_mime_object_to_string(GMIME_OBJECT(em),
			    NULL)) == NULL)
				return 0;
			rc = set_data(w->a, p, t, strlen(t), NULL);
			g_free(t);
			return rc;
		}
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
			rc = set_data(w->a, p, t, strlen(t),
			    &w->m->truncated);
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

/* new_part for the fast reader: the type is already lowercased. */
static struct mw_mime_part *
new_fpart(struct walk *w, const char *type, unsigned depth)
{
	struct mw_mime_part *p;

	if ((p = part_slot(w)) == NULL)
		return NULL;
	p->type = mw_arena_strdup(w->a, type);
	p->depth = depth;
	p->data = (const uint8_t *)"";
	return p->type != NULL ? p : NULL;
}
/*
 * The fast reader.  GMime builds an object per header, part and stream
 * and parses the returned original in full; a bounce needs its report
 * parts and a handful of the original's header fields.  So the common
 * shapes are read here straight from the bytes, with GMime's own
 * decoders (RFC 2047 words, base64, quoted-printable, charsets) called
 * only on the values and parts that need them, and the body of an
 * attached message/rfc822 skipped to the next boundary.  Anything this
 * reader does not reproduce exactly (RFC 2231 parameters, comments in a
 * Content-Type, a line that is no header field, uuencode, an encoded
 * message/rfc822...) returns FALLBACK, and the message goes to GMime
 * whole: the verdicts are the same either way (bench_bounce -d checks
 * this on the corpus).
 */
#define FALLBACK 1

static bool force_gmime;

void
mw__mime_force_gmime(bool on)
{
	force_gmime = on;
}

struct rawh {
	const uint8_t *name;
	size_t nlen;
	const uint8_t *val; /* raw, folded */
	size_t vlen;
};

struct hblock {
	struct rawh h[MW_MIME_HEADERS_MAX];
	size_t n, total;
	const struct rawh *ct, *cte;
};

static bool
is_lwsp(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool
name_is(const struct rawh *h, const char *name)
{
	size_t n = strlen(name);

	return h->nlen == n && strncasecmp((const char *)h->name, name, n) == 0;
}

/*
 * p[0..n) is all RFC 5322 2.2 field-name bytes (printable, no space; the
 * caller stops at ':'), looked at a word at a time: a byte below 0x21
 * (space, tab, LF, control) or above 0x7e shows in the word's top bits.
 */
static bool
field_name_ok(const uint8_t *p, size_t n)
{
	const uint64_t ones = 0x0101010101010101u, top = ones << 7;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		if ((((w - 0x21 * ones) & ~w) | (w + ones) | w) & top)
			return false;
	}
	for (; i < n; i++)
		if (p[i] <= ' ' || p[i] >= 0x7f)
			return false;
	return true;
}

/*
 * The header block at p[0..len): fields into hb, *body the offset after
 * the blank line (or len).  FALLBACK on a line that is not a field.
 */
static int
read_headers(struct hblock *hb, const uint8_t *p, size_t len, size_t *body)
{
	size_t i = 0;

	hb->n = hb->total = 0;
	hb->ct = hb->cte = NULL;
	while (i < len) {
		const uint8_t *nl;
		size_t s = i, c;
		struct rawh *h;

		if (p[i] == '\n') {
			*body = i + 1;
			return 0;
		}
		/* a line break or a bad byte before the ':' fails the
		 * name check, as does a line without one */
		nl = memchr(p + i, ':', len - i);
		c = nl != NULL ? (size_t)(nl - p) : len;
		if (c >= len || c == s || !field_name_ok(p + s, c - s))
			return FALLBACK;
		/* the value runs to the first newline not followed by
		 * white space */
		i = c + 1;
		for (;;) {
			nl = memchr(p + i, '\n', len - i);
			if (nl == NULL) {
				i = len;
				break;
			}
			i = (size_t)(nl - p) + 1;
			if (i >= len || (p[i] != ' ' && p[i] != '\t'))
				break;
		}
		hb->total++;
		if (hb->n == MW_MIME_HEADERS_MAX)
			continue;
		h = &hb->h[hb->n++];
		h->name = p + s;
		h->nlen = c - s;
		h->val = p + c + 1;
		h->vlen = i - c - 1;
		if (name_is(h, "Content-Type")) {
			if (hb->ct != NULL)
				return FALLBACK;
			hb->ct = h;
		} else if (name_is(h, "Content-Transfer-Encoding")) {
			if (hb->cte != NULL)
				return FALLBACK;
			hb->cte = h;
		}
	}
	*body = len;
	return 0;
}

/* g_mime_utils_header_unfold: white space trimmed, line breaks out; v
 * is normalised text (no CR), as every value the fast reader reads.
 * *enc (when not NULL) tells whether the result holds 8-bit bytes or
 * "=?", which only GMime's decoder may read.  The runs between line
 * breaks are found with memchr and the check is made on the joined
 * result (an "=?" split by a fold counts, as GMime reads it so). */
static size_t
unfold(char *dst, const uint8_t *v, size_t n, bool *enc)
{
	size_t i = 0, k = 0, j;

	while (i < n && is_lwsp(v[i]))
		i++;
	while (n > i && is_lwsp(v[n - 1]))
		n--;
	while (i < n) {
		/* no CR to drop (GMime drops a lone one): the text is
		 * normalised, every CR is a LF (mw_mime_parse) */
		const uint8_t *nl = memchr(v + i, '\n', n - i);

		j = nl != NULL ? (size_t)(nl - v) : n;
		memcpy(dst + k, v + i, j - i);
		k += j - i;
		i = j + 1;
	}
	dst[k] = '\0';
	if (enc != NULL) {
		bool e = false;
		const char *q = dst;
		uint64_t w;

		while (!e && (q = memchr(q, '?', k - (size_t)(q - dst))) !=
		    NULL) {
			e = q > dst && q[-1] == '=';
			q++;
		}

		for (j = 0; !e && j + 8 <= k; j += 8) {
			memcpy(&w, dst + j, 8);
			e = (w & 0x8080808080808080u) != 0;
		}
		for (; !e && j < k; j++)
			e = (uint8_t)dst[j] >= 0x80;
		*enc = e;
	}
	return k;
}

/*
 * A field's value as GMime's g_mime_header_get_value gives it: unfolded
 * into u (h->vlen + 1 bytes), or decoded into a copy in the arena when it
 * holds encoded words or 8-bit bytes.  *len its length; NULL when out of
 * memory.
 */
static char *
value_in(size_t *len, char *u, struct mw_arena *a, const struct rawh *h)
{
	bool enc;

	*len = unfold(u, h->val, h->vlen, &enc);
	if (enc) {
		char *d;

		gmime_once();
		pin_word_charsets(u);
		d = g_mime_utils_header_decode_text(NULL, u);
		u = mw_arena_strdup(a, d ? d : "");
		g_free(d);
		*len = u != NULL ? strlen(u) : 0;
	}
	return u;
}

static char *
value_of(struct mw_arena *a, const struct rawh *h)
{
	char *u = mw_arena_alloc_bytes(a, h->vlen + 1);
	size_t len;

	return u != NULL ? value_in(&len, u, a, h) : NULL;
}

static int
fast_headers(struct mw_mime_header **out, size_t *nout, struct mw_arena *a,
    const struct hblock *hb, bool *truncated, const struct fname *keep)
{
	size_t i, k = 0;

	*out = NULL;
	*nout = 0;
	if (hb->total == 0)
		return 0;
	if (hb->total > MW_MIME_HEADERS_MAX)
		*truncated = true;
	*out = mw_arena_calloc(a, hb->n, sizeof(**out));
	if (*out == NULL)
		return MW_ENOMEM;
	for (i = 0; i < hb->n; i++) {
		const struct rawh *h = &hb->h[i];
		char *name, *val;
		size_t vl;

		if (!wanted(h->name, h->nlen, keep))
			continue;
		/* name and unfolded value in one block: both are short,
		 * and a line of the header block bounds each */
		if ((name = mw_arena_alloc_bytes(a, h->nlen + h->vlen +
		    2)) == NULL)
			return MW_ENOMEM;
		memcpy(name, h->name, h->nlen);
		name[h->nlen] = '\0';
		if ((val = value_in(&vl, name + h->nlen + 1, a, h)) == NULL)
			return MW_ENOMEM;
		if (vl > MW_MIME_HEADER_MAX) {
			vl = MW_MIME_HEADER_MAX;
			*truncated = true;
			val[vl] = '\0';
		}
		(*out)[k].name = name;
		(*out)[k].value = val;
		k++;
	}
	*nout = k;
	return 0;
}

struct ctype {
	char mt[128];	     /* "type/subtype", lowercased */
	char boundary[128];  /* "" when none */
	char charset[64];
	char report[64];
};

static bool
is_tspecial(uint8_t c)
{
	return c <= ' ' || c >= 0x7f || strchr("()<>@,;:\\\"/[]?=", c);
}

/* The token or quoted string at p[*i..n) into dst; false when bad. */
static bool
param_value(char *dst, size_t cap, const char *p, size_t n, size_t *i)
{
	size_t k = 0;

	if (*i < n && p[*i] == '"') {
		for ((*i)++; *i < n && p[*i] != '"'; (*i)++) {
			if (p[*i] == '\\')
				return false;
			if (k + 1 >= cap)
				return false;
			dst[k++] = p[*i];
		}
		if (*i >= n)
			return false;
		(*i)++;
	} else {
		for (; *i < n && !is_tspecial((uint8_t)p[*i]); (*i)++) {
			if (k + 1 >= cap)
				return false;
			dst[k++] = p[*i];
		}
		if (k == 0)
			return false;
	}
	dst[k] = '\0';
	return true;
}

/* The Content-Type field (RFC 2045 5.1); false for what GMime must
 * read (comments, RFC 2231, encoded words, odd syntax). */
static bool
read_ctype(struct ctype *ct, const char *v, bool digest)
{
	size_t n = strlen(v), i = 0, k = 0;
	bool slash = false;

	memset(ct, 0, sizeof(*ct));
	/* a comment "(...)" outside quotes fails below as a tspecial */
	if (v[0] == '\0' || strstr(v, "=?"))
		return false;
	while (i < n && v[i] != ';' && v[i] != ' ' && v[i] != '\t') {
		uint8_t c = (uint8_t)v[i++];

		if (c == '/') {
			if (slash || k == 0)
				return false;
			slash = true;
		} else if (is_tspecial(c))
			return false;
		if (k + 1 >= sizeof(ct->mt))
			return false;
		ct->mt[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	if (!slash || ct->mt[k - 1] == '/')
		return false;
	(void)digest;
	for (;;) {
		char name[32], val[128];
		size_t nk = 0;

		while (i < n && (v[i] == ' ' || v[i] == '\t'))
			i++;
		if (i >= n)
			break;
		if (v[i] != ';')
			return false;
		i++;
		while (i < n && (v[i] == ' ' || v[i] == '\t'))
			i++;
		if (i >= n)
			break;
		while (i < n && v[i] != '=' && !is_tspecial((uint8_t)v[i])) {
			if (v[i] == '*' || nk + 1 >= sizeof(name))
				return false;
			name[nk++] = v[i++];
		}
		name[nk] = '\0';
		while (i < n && (v[i] == ' ' || v[i] == '\t'))
			i++;
		if (nk == 0 || i >= n || v[i] != '=')
			return false;
		i++;
		while (i < n && (v[i] == ' ' || v[i] == '\t'))
			i++;
		if (!param_value(val, sizeof(val), v, n, &i))
			return false;
		if (strcasecmp(name, "boundary") == 0) {
			if (ct->boundary[0] != '\0')
				return false;
			memcpy(ct->boundary, val, strlen(val) + 1);
		} else if (strcasecmp(name, "charset") == 0) {
			if (ct->charset[0] != '\0' ||
			    strlen(val) >= sizeof(ct->charset))
				return false;
			memcpy(ct->charset, val, strlen(val) + 1);
		} else if (strcasecmp(name, "report-type") == 0) {
			if (ct->report[0] != '\0' ||
			    strlen(val) >= sizeof(ct->report))
				return false;
			memcpy(ct->report, val, strlen(val) + 1);
		}
	}
	return true;
}

struct fwalk {
	struct walk w;
	const char *bounds[MW_MIME_DEPTH_MAX + 2];
	size_t nbounds;
};

/*
 * Is the line at p[0..n) a boundary of the stack?  Returns 0 when not,
 * 1 for a part boundary, 2 for a closing one; *which the stack index.
 */
static int
is_boundary(const struct fwalk *f, const uint8_t *p, size_t n, size_t *which)
{
	size_t b;

	if (n < 2 || p[0] != '-' || p[1] != '-')
		return 0;
	for (b = f->nbounds; b-- > 0;) {
		size_t bl = strlen(f->bounds[b]), r;

		if (n < 2 + bl || memcmp(p + 2, f->bounds[b], bl) != 0)
			continue;
		r = 2 + bl;
		*which = b;
		if (n >= r + 2 && p[r] == '-' && p[r + 1] == '-') {
			for (r += 2; r < n && (p[r] == ' ' || p[r] == '\t');)
				r++;
			if (r == n)
				return 2;
		}
		r = 2 + bl;
		while (r < n && (p[r] == ' ' || p[r] == '\t'))
			r++;
		if (r == n)
			return 1;
	}
	return 0;
}

/*
 * The content from p[0..) to the next boundary line of the stack: its
 * length (without the newline before the boundary), *next the offset of
 * the boundary line, or len when none; *kind what is_boundary said.
 */
static size_t
to_boundary(const struct fwalk *f, const uint8_t *p, size_t len,
    size_t *next, int *kind, size_t *which)
{
	size_t i = 0;

	*kind = 0;
	/* only a line starting with "-" can be a boundary: from one "\n-"
	 * to the next, not line by line */
	while (i < len) {
		const uint8_t *nl;
		size_t e;

		if (p[i] == '-') {
			nl = memchr(p + i, '\n', len - i);
			e = nl ? (size_t)(nl - p) : len;
			if ((*kind = is_boundary(f, p + i, e - i,
			    which)) != 0) {
				*next = i;
				return i > 0 ? i - 1 : 0;
			}
		}
		nl = mw_find_pair(p + i, len - i, '\n', '-');
		if (nl == NULL)
			break;
		i = (size_t)(nl - p) + 1;
	}
	*next = len;
	return len;
}

/* RFC 2045 6.1: the transfer encodings the fast reader decodes itself. */
enum cte {
	CTE_IDENTITY, /* 7bit, 8bit, binary, or none given */
	CTE_BASE64,
	CTE_QP
};

/* The entity's transfer encoding; FALLBACK for one GMime would treat
 * differently (uuencode, an unknown or overlong name). */
static int
read_cte(enum cte *out, const struct hblock *hb)
{
	char cte[32];
	size_t k;

	*out = CTE_IDENTITY;
	if (hb->cte == NULL)
		return 0;
	if (hb->cte->vlen >= sizeof(cte))
		return FALLBACK;
	k = unfold(cte, hb->cte->val, hb->cte->vlen, NULL);
	if (k == 0 || strcasecmp(cte, "7bit") == 0 ||
	    strcasecmp(cte, "8bit") == 0 || strcasecmp(cte, "binary") == 0)
		return 0;
	if (strcasecmp(cte, "base64") == 0) {
		*out = CTE_BASE64;
		return 0;
	}
	if (strcasecmp(cte, "quoted-printable") == 0) {
		*out = CTE_QP;
		return 0;
	}
	return FALLBACK;
}

static int
hex_digit(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20; /* 'A'-'F' to 'a'-'f'; no other byte lands there */
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * RFC 2045 6.7 quoted-printable, byte for byte as GMime's
 * g_mime_encoding_quoted_decode_step decodes it in one step (the
 * fallback path and the tests/unit/mime differential check use GMime's):
 * "=" and two hex digits is the byte, "=" before LF or CRLF a soft line
 * break, any other "=ab" is kept as written, and a "=" or "=a" at the
 * very end is dropped.  GMime goes byte by byte; the runs between "="
 * here go a word at a time (a fifth of its instructions on HTML-only
 * bounces).  Writes at most n bytes.
 */
static size_t
qp_decode(uint8_t *d, const uint8_t *p, size_t n)
{
	const uint64_t ones = 0x0101010101010101u, eq = 0x3d * ones;
	size_t i = 0, k = 0;
	int hi, lo;

	while (i < n) {
		for (; i + 8 <= n; i += 8, k += 8) {
			uint64_t w, x;

			memcpy(&w, p + i, 8);
			x = w ^ eq; /* a zero byte where w has '=' */
			if (((x - ones) & ~x & (ones << 7)) != 0)
				break;
			memcpy(d + k, &w, 8);
		}
		while (i < n && p[i] != '=')
			d[k++] = p[i++];
		if (i + 1 >= n)
			break;
		if (p[i + 1] == '\n') {
			i += 2;
			continue;
		}
		if (i + 2 >= n)
			break;
		hi = hex_digit(p[i + 1]);
		lo = hex_digit(p[i + 2]);
		if (hi >= 0 && lo >= 0)
			d[k++] = (uint8_t)(hi << 4 | lo);
		else if (p[i + 1] != '\r' || p[i + 2] != '\n') {
			d[k++] = '=';
			d[k++] = p[i + 1];
			d[k++] = p[i + 2];
		}
		i += 3;
	}
	return k;
}

/* Transfer decoding: base64 with GMime's decoder, quoted-printable with
 * qp_decode.  Neither writes more than it reads: base64 makes 3 bytes of
 * 4, quoted-printable 1 of 1 or 3. */
static int
decode(const uint8_t **out, size_t *olen, struct mw_arena *a,
    const uint8_t *p, size_t n, enum cte cte)
{
	uint8_t *d;
	int state = 0;
	guint32 save = 0;

	*out = p;
	*olen = n;
	if (cte == CTE_IDENTITY)
		return 0;
	if ((d = mw_arena_alloc_bytes(a, n + 4)) == NULL)
		return MW_ENOMEM;
	if (cte == CTE_BASE64)
		*olen = g_mime_encoding_base64_decode_step(p, n, d, &state,
		    &save);
	else
		*olen = qp_decode(d, p, n);
	*out = d;
	return 0;
}

/* g_mime_text_part_get_text for a charset that needs converting. */
static int
convert(struct mw_arena *a, struct mw_mime_part *p, const char *cs,
    const uint8_t *d, size_t n, bool *truncated)
{
	GMimeStream *mem, *filt;
	GMimeFilter *f;
	GByteArray *ba;
	int rc;

	gmime_once();
	pin_charset(cs, strlen(cs));
	ba = g_byte_array_new();
	mem = g_mime_stream_mem_new_with_byte_array(ba);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), TRUE);
	filt = g_mime_stream_filter_new(mem);
	if ((f = g_mime_filter_charset_new(cs, "utf-8")) != NULL) {
		g_mime_stream_filter_add(GMIME_STREAM_FILTER(filt), f);
		g_object_unref(f);
	}
	g_mime_stream_write(filt, (const char *)d, n);
	g_mime_stream_flush(filt);
	g_object_unref(filt);
	g_byte_array_append(ba, (const guint8 *)"", 1);
	rc = set_data(a, p, ba->data, strlen((const char *)ba->data),
	    truncated);
	g_object_unref(mem);
	return rc;
}

/*
 * How a leaf's content is made when it is first read: raw points into
 * the normalised copy of the message, which mw_mime_parse keeps in the
 * arena for as long as the result.
 */
struct mw_mime_lazy {
	struct mw_arena *a;
	const uint8_t *raw;
	size_t n;
	enum cte cte;
	const char *charset; /* to convert from, or NULL */
};

/*
 * Charsets whose bytes 0x01-0x7F are the ASCII characters, shifts apart
 * (ESC, SO, SI): text of only those bytes converts to itself, so the
 * converter is not run for it (Japanese bounces declare ISO-2022-JP for
 * English words).  Shift_JIS is not one: its 0x5C is the yen sign.
 */
static bool
ascii_superset(const char *cs)
{
	static const char *const pre[] = {"iso-8859-", "iso8859-",
	    "windows-125", "cp125", "koi8-", "iso-2022-jp", "euc-", "gb2312",
	    "gbk", "gb18030", "big5", NULL};
	size_t i;

	for (i = 0; pre[i] != NULL; i++)
		if (strncasecmp(cs, pre[i], strlen(pre[i])) == 0)
			return true;
	return false;
}

/* Only bytes 0x01-0x7F, none of them a shift (ESC, SO, SI). */
static bool
plain_ascii(const uint8_t *d, size_t n)
{
	size_t i = 0;
	uint64_t w;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, d + i, 8);
		if (w & 0x8080808080808080u)
			return false;
	}
	for (; i < n; i++)
		if (d[i] >= 0x80)
			return false;
	for (i = 0; i < n; i++)
		if (d[i] == 0 || d[i] == 0x1B || d[i] == 0x0E || d[i] == 0x0F)
			return false;
	return true;
}

/* A leaf's content decoded into p->data (see mw_mime_part_data). */
static int
fill(struct mw_mime_part *p, struct mw_arena *a, const uint8_t *raw,
    size_t n, enum cte cte, const char *cs, bool *truncated)
{
	const uint8_t *d;
	size_t dn;
	int rc;

	if ((rc = decode(&d, &dn, a, raw, n, cte)) != 0)
		return rc;
	if (cs != NULL && !(ascii_superset(cs) && plain_ascii(d, dn)))
		return convert(a, p, cs, d, dn, truncated);
	return set_data(a, p, d, dn, truncated);
}

/* p's content to be decoded from raw[0..n) on first read. */
static int
defer(struct walk *w, struct mw_mime_part *p, const uint8_t *raw, size_t n,
    enum cte cte, const char *cs)
{
	struct mw_mime_lazy *lz;

	if ((lz = mw_arena_alloc(w->a, sizeof(*lz))) == NULL)
		return MW_ENOMEM;
	lz->a = w->a;
	lz->raw = raw;
	lz->n = n;
	lz->cte = cte;
	if (cs != NULL && (lz->charset = mw_arena_strdup(w->a, cs)) == NULL)
		return MW_ENOMEM;
	p->data = NULL;
	p->len = 0;
	p->lazy = lz;
	return 0;
}

/*
 * A leaf of the fast reader: its content is decoded when first read, or
 * now when decoding could pass MW_MIME_TEXT_MAX, so that p->cut and the
 * message's truncated are known when the parse returns.  cs is the
 * charset to convert from, or NULL.
 */
static int
leaf(struct walk *w, struct mw_mime_part *p, const uint8_t *raw, size_t n,
    enum cte cte, const char *cs)
{
	size_t most = n; /* decoding writes at most this much (decode) */

	if (cte == CTE_IDENTITY && cs == NULL && n > MW_MIME_TEXT_MAX) {
		n = MW_MIME_TEXT_MAX; /* what set_data would keep */
		p->cut = true;
		w->m->truncated = true;
	}
	if (cs != NULL)
		most = n > MW_MIME_TEXT_MAX / MW_MIME_UTF8_GROWTH ?
		    SIZE_MAX : n * MW_MIME_UTF8_GROWTH;
	if (most > MW_MIME_TEXT_MAX)
		return fill(p, w->a, raw, n, cte, cs, &w->m->truncated);
	return defer(w, p, raw, n, cte, cs);
}

/*
 * An attached message/rfc822 (or message/global, message/news): its
 * bytes as written, read like a leaf's when asked for (a forwarded
 * bounce is parsed from them).  Only the first MW_MIME_TEXT_MAX are
 * kept; a longer one is cut (p->cut) without the message counting as
 * truncated: what a bounce needs of the original is in its header.
 */
static int
attached(struct walk *w, struct mw_mime_part *p, const uint8_t *raw,
    size_t n)
{
	if (n > MW_MIME_TEXT_MAX) {
		n = MW_MIME_TEXT_MAX;
		p->cut = true;
	}
	return defer(w, p, raw, n, CTE_IDENTITY, NULL);
}

const uint8_t *
mw_mime_part_data(size_t *len, struct mw_mime_part *p)
{
	struct mw_mime_lazy *lz = p->lazy;

	if (lz != NULL) {
		/* once: a failed decode is not tried again either */
		p->lazy = NULL;
		if (fill(p, lz->a, lz->raw, lz->n, lz->cte, lz->charset,
		    NULL) != 0) {
			p->data = NULL;
			p->len = 0;
		}
	}
	if (len != NULL)
		*len = p->data != NULL ? p->len : 0;
	return p->data;
}

static int fast_entity(struct fwalk *f, const uint8_t *p, size_t len,
    const struct hblock *hb, unsigned depth, bool digest,
    struct ctype *top);

/* A multipart body at p[0..len): its parts, each to the next boundary. */
static int
fast_multipart(struct fwalk *f, const uint8_t *p, size_t len,
    const struct ctype *ct, unsigned depth)
{
	struct hblock *hb;
	size_t i, next, which, clen, body, nparts = 0;
	int kind, rc;
	bool digest = strcmp(ct->mt, "multipart/digest") == 0;

	if (ct->boundary[0] == '\0' || f->nbounds >= MW_MIME_DEPTH_MAX + 2)
		return FALLBACK;
	f->bounds[f->nbounds++] = ct->boundary;
	clen = to_boundary(f, p, len, &next, &kind, &which);
	if (kind == 0 || which != f->nbounds - 1) {
		struct mw_mime_part *mp;

		/* no boundary of its own: all preamble (GMime's
		 * prologue), kept as text */
		if (kind != 0)
			return FALLBACK;
		f->nbounds--;
		if ((mp = new_fpart(&f->w, "text/plain", depth)) == NULL)
			return f->w.m->truncated ? 0 : MW_ENOMEM;
		return leaf(&f->w, mp, p, clen, CTE_IDENTITY, NULL);
	}
	if ((hb = malloc(sizeof(*hb))) == NULL)
		return MW_ENOMEM;
	rc = 0;
	while (kind == 1 && which == f->nbounds - 1) {
		const uint8_t *nl;

		i = next;
		nl = memchr(p + i, '\n', len - i);
		i = nl ? (size_t)(nl - p) + 1 : len;
		if ((rc = read_headers(hb, p + i, len - i, &body)) != 0)
			break;
		body += i;
		clen = to_boundary(f, p + body, len - body, &next, &kind,
		    &which);
		if (kind == 0)
			clen = len - body;
		next += body;
		if (depth + 1 > MW_MIME_DEPTH_MAX) {
			f->w.m->truncated = true;
		} else if ((rc = fast_entity(f, p + body, clen, hb,
		    depth + 1, digest, NULL)) != 0)
			break;
		nparts++;
		if (f->w.m->truncated && f->w.m->nparts >= MW_MIME_PARTS_MAX)
			break;
		if (kind == 0)
			break;
	}
	free(hb);
	if (rc == 0 && kind != 0 && which != f->nbounds - 1)
		rc = FALLBACK; /* a parent's boundary ends us: GMime's
				* recovery, not ours */
	f->nbounds--;
	return rc;
}

static int
fast_entity(struct fwalk *f, const uint8_t *p, size_t len,
    const struct hblock *hb, unsigned depth, bool digest, struct ctype *top)
{
	struct ctype ct;
	struct mw_mime_part *mp;
	enum cte cte;
	int rc;

	if (hb->ct != NULL) {
		char *v = value_of(f->w.a, hb->ct);

		if (v == NULL)
			return MW_ENOMEM;
		if (!read_ctype(&ct, v, digest))
			return FALLBACK;
	} else {
		/* RFC 2046 5.1.5 / RFC 2045 5.2: the default type. */
		memset(&ct, 0, sizeof(ct));
		snprintf(ct.mt, sizeof(ct.mt), "%s",
		    digest ? "message/rfc822" : "text/plain");
	}
	if (top != NULL)
		*top = ct;
	if ((rc = read_cte(&cte, hb)) != 0)
		return rc;
	if (strncmp(ct.mt, "multipart/", 10) == 0) {
		if (cte != CTE_IDENTITY)
			return FALLBACK;
		return fast_multipart(f, p, len, &ct, depth);
	}
	if ((mp = new_fpart(&f->w, ct.mt, depth)) == NULL)
		return f->w.m->truncated ? 0 : MW_ENOMEM;
	if (strcmp(ct.mt, "message/rfc822") == 0 ||
	    strcmp(ct.mt, "message/news") == 0 ||
	    strcmp(ct.mt, "message/global") == 0) {
		struct hblock *eh;
		size_t body;

		if (cte != CTE_IDENTITY)
			return FALLBACK;
		if ((eh = malloc(sizeof(*eh))) == NULL)
			return MW_ENOMEM;
		rc = read_headers(eh, p, len, &body);
		if (rc == 0)
			rc = fast_headers(&mp->headers, &mp->nheaders,
			    f->w.a, eh, &f->w.m->truncated, attached_keep);
		free(eh);
		return rc == 0 ? attached(&f->w, mp, p, len) : rc;
	}
	if (strncmp(ct.mt, "text/", 5) == 0 && ct.charset[0] != '\0' &&
	    strcasecmp(ct.charset, "us-ascii") != 0 &&
	    strcasecmp(ct.charset, "utf-8") != 0 &&
	    strcasecmp(ct.charset, "ascii") != 0)
		return leaf(&f->w, mp, p, len, cte, ct.charset);
	return leaf(&f->w, mp, p, len, cte, NULL);
}

/* The fast reader over the normalised message n[0..len). */
static int
fast_parse(struct mw_mime *out, struct mw_arena *a, const uint8_t *p,
    size_t len)
{
	struct fwalk f;
	struct hblock *hb;
	struct ctype top;
	size_t body;
	int rc;

	memset(&f, 0, sizeof(f));
	f.w.m = out;
	f.w.a = a;
	if ((hb = malloc(sizeof(*hb))) == NULL)
		return MW_ENOMEM;
	rc = read_headers(hb, p, len, &body);
	if (rc == 0 && hb->total == 0)
		rc = FALLBACK;
	if (rc == 0)
		rc = fast_headers(&out->headers, &out->nheaders, a, hb,
		    &out->truncated, NULL);
	if (rc == 0)
		rc = fast_entity(&f, p + body, len - body, hb, 0, false, &top);
	free(hb);
	if (rc != 0)
		return rc;
	out->type = mw_arena_strdup(a, top.mt);
	if (top.report[0] != '\0')
		out->report_type = lower_dup(a, top.report);
	return out->type == NULL ? MW_ENOMEM : 0;
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
	/* In the arena: the fast reader's parts are decoded from it when
	 * first read (mw_mime_part_data), so it lives as long as they do.
	 * At most MW_MIME_MESSAGE_MAX, half the default arena cap. */
	if ((norm = mw_arena_alloc_bytes(a, len - skip + 1)) == NULL)
		return mw_err_set(err, MW_ENOMEM, "mime", 0, "out of memory");
	n = normalise(norm, msg + skip, len - skip);
	if (!force_gmime) {
		rc = fast_parse(out, a, norm, n);
		if (rc != FALLBACK) {
			if (rc != 0)
				return mw_err_set(err, rc, "mime", 0,
				    "out of memory");
			return 0;
		}
		memset(out, 0, sizeof(*out));
	}
	gmime_once();
	s = g_mime_stream_mem_new_with_buffer((const char *)norm, n);
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

	/* the first letters folded first: most names differ there, and
	 * for a letter no other byte folds to the same */
	for (i = 0; i < n; i++)
		if ((h[i].name[0] | 0x20) == (name[0] | 0x20) &&
		    strcasecmp(h[i].name, name) == 0)
			return h[i].value;
	return NULL;
}
