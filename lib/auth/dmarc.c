/*
 * dmarc.c - DMARC policy records and the policy audit of a domain
 * (RFC 9989, which obsoletes RFC 7489 and RFC 9091; see dmarc.h).
 *
 * The record grammar is RFC 9989 4.7 and 4.8 (that of RFC 7489 6.4 with
 * np, psd and t added, and pct, rf, ri and the "!size" URI suffix
 * removed, C.4 and C.5): "v=DMARC1" first, then tags "name=value"
 * separated by ";" with optional white space.  Only a bad version makes
 * the record "not DMARC"; a tag in error is discarded in favour of its
 * default (4.8), so the record stays usable and the defect is reported.
 * Unknown tags, the removed ones included, MUST be ignored (4.7).  A
 * repeated tag still invalidates the record: DMARC uses the DKIM
 * tag-list syntax (4.7), and RFC 6376 3.2 makes such a list invalid.
 *
 * Discovery is the DNS tree walk of RFC 9989 4.10: _dmarc.<domain>, then
 * _dmarc.<name> for the domain shortened to at most MW_DMARC_WALK_LABELS
 * labels and one label less each time, down to the single-label TLD (a
 * PSD like "gov" publishes there with psd=y): at most MW_DMARC_WALK_MAX
 * queries.  They are all sent at once and judged in walk order when every
 * answer is in; the judgement stops where a receiver's walk stops (the
 * first single valid record with psd=y or psd=n), and answers past that
 * point are not looked at.  The organisational domain follows 4.10.2 and
 * the policy record 4.10.1: the domain's own record, else the
 * organisational domain's, else the PSD's.
 *
 * External report addresses are checked by the query of RFC 9990 3
 * (<policy domain>._report._dmarc.<report domain> TXT, a record starting
 * with v=DMARC1).  A report domain counts as internal when it is the
 * organisational domain or under it; the report domain's own
 * organisational domain is not walked (one more walk per address), so a
 * sibling organisation's address is always checked: a false "not
 * authorised" is then possible only for a report domain that shares no
 * suffix with the policy's organisational domain.
 *
 * Everything returned lives in the caller's arena.
 */
#include <string.h>
#include <strings.h>

#include "auth/auth_int.h"
#include "mailwhy/cursor.h"
#include "mailwhy/dmarc.h"
#include "mailwhy/slice.h"
#include "util/limits.h"

/* --- the record parser -------------------------------------------- */

static bool
is_wsp(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static bool
is_tagchar(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

static void
skip_wsp(struct mw_cursor *c)
{
	(void)mw_cursor_span(c, is_wsp);
}

/* Takes the literal s when it comes next. */
static bool
accept_str(struct mw_cursor *c, const char *s)
{
	size_t n = strlen(s);

	if (mw_cursor_left(c) < n || memcmp(c->p + c->pos, s, n) != 0)
		return false;
	c->pos += n;
	return true;
}

/* A defect of the record as a whole: receivers ignore the record. */
static void
bad(struct mw_dmarc_record *r, size_t pos, const char *why)
{
	if (!r->valid)
		return;
	r->valid = false;
	r->err_pos = pos;
	r->err_reason = why;
}

/*
 * A defect of one tag: RFC 9989 4.8, "syntax errors in the remainder of
 * the record MUST be discarded in favor of default values (if any) or
 * ignored outright".  The tag (entry t, bit, 0 for a nameless segment)
 * keeps its default; the record stays usable.
 */
static void
tag_bad(struct mw_dmarc_record *r, struct mw_dmarc_tag *t, unsigned bit,
    size_t pos, const char *why)
{
	r->bad |= bit;
	r->nbad++;
	if (t != NULL && t->err_reason == NULL) {
		t->err_reason = why;
		t->err_pos = pos;
	}
}

static bool
sl_is(struct mw_slice s, const char *lit)
{
	return mw_slice_caseeq_cstr(s, lit);
}

static int
policy(enum mw_dmarc_policy *out, struct mw_slice v)
{
	if (sl_is(v, "none"))
		*out = MW_DMARC_P_NONE;
	else if (sl_is(v, "quarantine"))
		*out = MW_DMARC_P_QUARANTINE;
	else if (sl_is(v, "reject"))
		*out = MW_DMARC_P_REJECT;
	else
		return -1;
	return 0;
}

/*
 * fo: "0", "1", "d" and "s" separated by ":" (RFC 9989 4.8 dmarc-fo);
 * "0" and "1" are mutually exclusive (4.7), "d" and "s" appear at most
 * once each.
 */
static bool
fo_ok(struct mw_slice v)
{
	bool want_opt = true, num = false, d = false, s = false;

	if (v.len == 0)
		return false;
	for (size_t i = 0; i < v.len; i++) {
		uint8_t ch = (uint8_t)(v.p[i] | 0x20);
		if (is_wsp(v.p[i]))
			continue;
		if (want_opt) {
			if (ch == '0' || ch == '1') {
				if (num)
					return false;
				num = true;
			} else if (ch == 'd' && !d) {
				d = true;
			} else if (ch == 's' && !s) {
				s = true;
			} else {
				return false;
			}
			want_opt = false;
		} else if (v.p[i] == ':') {
			want_opt = true;
		} else {
			return false;
		}
	}
	return !want_opt;
}

static void
parse_uri(struct mw_dmarc_uri *u, struct mw_arena *a, struct mw_slice s)
{
	struct mw_slice m = MW_SLICE_LIT("mailto:");
	size_t at = SIZE_MAX, end;

	u->uri = mw_arena_strndup(a, s.p, s.len);
	u->ok = false;
	u->domain = NULL;
	u->size_limit = false;
	/* RFC 9989 4.8: "!" must be encoded in a URI, so a bare one starts
	 * the obsolete size limit (obs-dmarc-report-size), which reporters
	 * ignore. */
	for (size_t i = 0; i < s.len; i++)
		if (s.p[i] == '!')
			u->size_limit = true;
	if (s.len <= m.len ||
	    !mw_slice_caseeq((struct mw_slice){s.p, m.len}, m))
		return;
	end = s.len;
	for (size_t i = m.len; i < s.len; i++) {
		if (s.p[i] == '!' || s.p[i] == '?') {
			end = i;
			break;
		}
		if (s.p[i] == '@')
			at = i;
	}
	if (at == SIZE_MAX || at == m.len || at + 1 >= end)
		return;
	if (s.p[end - 1] == '.')
		end--;
	if (at + 1 >= end)
		return;
	for (size_t i = at + 1; i < end; i++) {
		uint8_t ch = s.p[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			(ch >= '0' && ch <= '9') || ch == '-' || ch == '.'))
			return;
	}
	{
		char *d = mw_arena_strndup(a, s.p + at + 1, end - at - 1);
		if (d == NULL)
			return;
		for (char *p = d; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p + 32);
		u->domain = d;
	}
	u->ok = true;
}

/* rua/ruf: DMARC URIs separated by "," (RFC 9989 4.8 dmarc-urilist). */
static int
parse_uris(struct mw_dmarc_record *r, struct mw_dmarc_tag *t, unsigned bit,
    struct mw_arena *a, struct mw_slice v, size_t vpos,
    struct mw_dmarc_uri **out, size_t *n)
{
	size_t start = 0, count = 1;

	for (size_t i = 0; i < v.len; i++)
		if (v.p[i] == ',')
			count++;
	if (count > MW_DMARC_URIS_MAX) {
		bad(r, vpos, N_("too many report addresses"));
		return 0;
	}
	if ((*out = mw_arena_calloc(a, count, sizeof(**out))) == NULL)
		return MW_ENOMEM;
	*n = 0;
	for (size_t i = 0; i <= v.len; i++) {
		struct mw_slice s;
		if (i < v.len && v.p[i] != ',')
			continue;
		s = mw_slice_trim((struct mw_slice){v.p + start, i - start});
		if (s.len == 0) {
			/* The list does not parse: the whole tag is
			 * ignored (RFC 9989 4.8). */
			tag_bad(r, t, bit, vpos + start,
			    N_("an empty report address"));
			*n = 0;
			return 0;
		}
		parse_uri(&(*out)[(*n)++], a, s);
		start = i + 1;
	}
	return 0;
}

static const struct {
	const char *name;
	unsigned bit;
} known_tags[] = {
	{"p", MW_DMARC_T_P}, {"sp", MW_DMARC_T_SP}, {"np", MW_DMARC_T_NP},
	{"adkim", MW_DMARC_T_ADKIM}, {"aspf", MW_DMARC_T_ASPF},
	{"rua", MW_DMARC_T_RUA}, {"ruf", MW_DMARC_T_RUF},
	{"fo", MW_DMARC_T_FO}, {"psd", MW_DMARC_T_PSD}, {"t", MW_DMARC_T_T},
	{"pct", MW_DMARC_T_PCT}, {"rf", MW_DMARC_T_RF}, {"ri", MW_DMARC_T_RI},
};

/*
 * One tag, already stored as entry t.  pre_err is a defect the caller
 * found in the tag's text (a missing ';', an empty value): the tag is
 * then ignored like any invalid value.
 */
static int
tag(struct mw_dmarc_record *r, struct mw_dmarc_tag *t, struct mw_arena *a,
    struct mw_slice name, size_t npos, struct mw_slice v, size_t vpos,
    const char *pre_err, size_t pre_pos)
{
	unsigned bit = 0;
	uint64_t num;

	for (size_t i = 0; i < sizeof(known_tags) / sizeof(known_tags[0]); i++)
		if (mw_slice_caseeq_cstr(name, known_tags[i].name))
			bit = known_tags[i].bit;
	if (sl_is(name, "v")) {
		bad(r, npos, N_("v=DMARC1 may only appear once, first"));
		return 0;
	}
	if (bit != 0 && (r->seen & bit)) {
		bad(r, npos, N_("a tag appears twice"));
		return 0;
	}
	r->seen |= bit;
	if (pre_err != NULL) {
		tag_bad(r, t, bit, pre_pos, pre_err);
		return 0;
	}
	/* RFC 9989 4.7: unknown tags MUST be ignored; pct, rf and ri were
	 * removed (C.5.2), so their values are not checked either. */
	if (bit == 0) {
		r->nunknown++;
		return 0;
	}
	switch (bit) {
	case MW_DMARC_T_P:
	case MW_DMARC_T_SP:
	case MW_DMARC_T_NP:
		if (policy(bit == MW_DMARC_T_P ? &r->p
			: bit == MW_DMARC_T_SP ? &r->sp : &r->np, v) != 0)
			tag_bad(r, t, bit, vpos, N_("a policy must be none, "
			    "quarantine or reject"));
		break;
	case MW_DMARC_T_ADKIM:
	case MW_DMARC_T_ASPF:
		if (v.len == 1 && (v.p[0] == 'r' || v.p[0] == 's' ||
			v.p[0] == 'R' || v.p[0] == 'S'))
			*(bit == MW_DMARC_T_ADKIM ? &r->adkim : &r->aspf) =
			    (char)(v.p[0] | 0x20);
		else
			tag_bad(r, t, bit, vpos, N_("alignment must be r or "
			    "s"));
		break;
	case MW_DMARC_T_PSD:
		if (v.len == 1 && memchr("ynuYNU", v.p[0], 6) != NULL)
			r->psd = (char)(v.p[0] | 0x20);
		else
			tag_bad(r, t, bit, vpos, N_("psd must be y, n or u"));
		break;
	case MW_DMARC_T_T:
		if (v.len == 1 && memchr("ynYN", v.p[0], 4) != NULL)
			r->testing = (v.p[0] | 0x20) == 'y';
		else
			tag_bad(r, t, bit, vpos, N_("t must be y or n"));
		break;
	case MW_DMARC_T_FO:
		if (!fo_ok(v))
			tag_bad(r, t, bit, vpos, N_("fo must be 0 or 1, d, "
			    "s, separated by colons"));
		break;
	case MW_DMARC_T_RUA:
		return parse_uris(r, t, bit, a, v, vpos, &r->rua, &r->nrua);
	case MW_DMARC_T_RUF:
		return parse_uris(r, t, bit, a, v, vpos, &r->ruf, &r->nruf);
	case MW_DMARC_T_PCT:
		/* Kept for RFC 7489 readers when it is a number. */
		if (mw_parse_u64(&num, v, 100))
			r->pct = (int)num;
		break;
	default: /* rf, ri */
		break;
	}
	return 0;
}

/* Stores a tag (or a segment that is not one) for rewriting and
 * reporting; NULL when the record has too many. */
static struct mw_dmarc_tag *
store(struct mw_dmarc_record *r, struct mw_arena *a, struct mw_slice name,
    struct mw_slice v, size_t npos, int *rc)
{
	struct mw_dmarc_tag *t;

	if (r->ntags == MW_DMARC_TAGS_MAX) {
		bad(r, npos, N_("too many tags"));
		return NULL;
	}
	t = &r->tags[r->ntags];
	t->name = mw_arena_strndup(a, name.p, name.len);
	t->value = mw_arena_strndup(a, v.p, v.len);
	t->pos = npos;
	t->err_reason = NULL;
	t->err_pos = 0;
	if (t->name == NULL || t->value == NULL) {
		*rc = MW_ENOMEM;
		return NULL;
	}
	r->ntags++;
	return t;
}

int
mw_dmarc_parse(struct mw_dmarc_record *r, struct mw_arena *a,
    const uint8_t *txt, size_t len, struct mw_err *err)
{
	struct mw_cursor c;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	r->adkim = r->aspf = 'r';
	r->psd = 'u';
	r->pct = -1;
	mw_cursor_init(&c, txt, len);
	skip_wsp(&c);
	/* RFC 9989 4.8: "v" equals %s"DMARC1", first, case as written. */
	if (!accept_str(&c, "v"))
		return 0;
	skip_wsp(&c);
	if (!mw_cursor_accept(&c, '='))
		return 0;
	skip_wsp(&c);
	if (!accept_str(&c, "DMARC1"))
		return 0;
	if (!mw_cursor_eof(&c) && !is_wsp((uint8_t)mw_cursor_peek(&c)) &&
	    mw_cursor_peek(&c) != ';')
		return 0;
	r->is_dmarc = true;
	r->valid = true;
	if ((r->tags = mw_arena_calloc(a, MW_DMARC_TAGS_MAX,
		 sizeof(*r->tags))) == NULL)
		return mw_err_set(err, MW_ENOMEM, "dmarc", SIZE_MAX,
		    "out of memory");
	while (r->valid) {
		struct mw_slice name, v, seg;
		struct mw_dmarc_tag *t;
		const char *pre_err = NULL;
		size_t npos, vpos, end, pre_pos = 0;

		skip_wsp(&c);
		if (mw_cursor_eof(&c))
			break;
		if (!mw_cursor_accept(&c, ';')) {
			/* Right after the version: "v=DMARC1 p=none" has a
			 * version value that is not DMARC1 (4.7). */
			bad(r, c.pos, N_("';' expected between tags"));
			break;
		}
		skip_wsp(&c);
		if (mw_cursor_eof(&c) || mw_cursor_peek(&c) == ';')
			continue;
		npos = c.pos;
		for (end = c.pos; end < len && txt[end] != ';'; end++)
			;
		seg = mw_slice_trim((struct mw_slice){txt + npos, end - npos});
		name = mw_cursor_span(&c, is_tagchar);
		skip_wsp(&c);
		if (name.len == 0 || !mw_cursor_accept(&c, '=')) {
			/* Not a tag at all: ignored outright (4.8). */
			size_t at = c.pos;
			c.pos = end;
			if ((t = store(r, a, (struct mw_slice){txt + npos, 0},
				 seg, npos, &rc)) == NULL)
				goto stored;
			tag_bad(r, t, 0, at, name.len == 0
			    ? N_("a tag name was expected")
			    : N_("'=' expected after the tag name"));
			continue;
		}
		skip_wsp(&c);
		vpos = c.pos;
		v = mw_slice_trim((struct mw_slice){txt + vpos, end - vpos});
		c.pos = end;
		/* "p=none rua=..." is a forgotten ';': the value of p is
		 * then not a policy, and rua is lost with it. */
		for (size_t k = 0; k < v.len && pre_err == NULL; k++) {
			size_t j = k;
			if (!is_wsp(v.p[k]))
				continue;
			while (j < v.len && is_wsp(v.p[j]))
				j++;
			while (j < v.len && is_tagchar(v.p[j]))
				j++;
			while (j < v.len && is_wsp(v.p[j]))
				j++;
			if (j < v.len && v.p[j] == '=' && j > k + 1) {
				pre_err = N_("';' expected between tags");
				pre_pos = vpos + k;
			}
		}
		if (pre_err == NULL && v.len == 0) {
			pre_err = N_("the tag has no value");
			pre_pos = vpos;
		}
		if ((t = store(r, a, name, v, npos, &rc)) == NULL)
			goto stored;
		if ((rc = tag(r, t, a, name, npos, v, vpos, pre_err,
			 pre_pos)) != 0)
			break;
		continue;
	stored:
		if (rc != 0)
			break;
	}
	if (rc != 0)
		return mw_err_set(err, rc, "dmarc", SIZE_MAX,
		    "out of memory");
	return 0;
}

const char *
mw_dmarc_policy_name(enum mw_dmarc_policy p)
{
	switch (p) {
	case MW_DMARC_P_NONE:
		return "none";
	case MW_DMARC_P_QUARANTINE:
		return "quarantine";
	case MW_DMARC_P_REJECT:
		return "reject";
	case MW_DMARC_P_UNSET:
		break;
	}
	return "";
}

static bool
removed_tag(const char *name)
{
	return strcasecmp(name, "pct") == 0 || strcasecmp(name, "rf") == 0 ||
	    strcasecmp(name, "ri") == 0;
}

const char *
mw_dmarc_record_with(struct mw_arena *a, const struct mw_dmarc_record *r,
    const char *name, const char *value)
{
	struct mw_buf b;
	bool present = false, placed = false;
	const char *s;

	for (size_t i = 0; i < r->ntags; i++)
		present |= strcasecmp(r->tags[i].name, name) == 0;
	mw_buf_init(&b, 4096);
	mw_buf_puts(&b, "v=DMARC1");
	if (!present && value != NULL && strcmp(name, "p") == 0) {
		mw_buf_printf(&b, "; p=%s", value);
		placed = true;
	}
	for (size_t i = 0; i < r->ntags; i++) {
		const struct mw_dmarc_tag *t = &r->tags[i];
		if (strcasecmp(t->name, name) == 0) {
			if (value != NULL)
				mw_buf_printf(&b, "; %s=%s", name, value);
			continue;
		}
		/* Removed tags and tags in error are dropped. */
		if (removed_tag(t->name) || t->err_reason != NULL)
			continue;
		mw_buf_printf(&b, "; %s=%s", t->name, t->value);
		/* A new tag goes right after the policy. */
		if (!present && !placed && value != NULL &&
		    strcasecmp(t->name, "p") == 0) {
			mw_buf_printf(&b, "; %s=%s", name, value);
			placed = true;
		}
	}
	if (!present && !placed && value != NULL)
		mw_buf_printf(&b, "; %s=%s", name, value);
	s = mw_arena_strdup(a, mw_buf_cstr(&b));
	mw_buf_release(&b);
	return s;
}

size_t
mw_dmarc_walk_names(const char **out, struct mw_arena *a, const char *domain)
{
	size_t labels = mw__auth_labels(domain), n = 0, from;

	if (labels == 0)
		return 0;
	out[n++] = domain;
	/* RFC 9989 4.10 step 4: below 8 labels drop one; from 8 labels on,
	 * drop to 7; then one less each time down to the TLD (step 7). */
	from = labels >= MW_DMARC_WALK_LABELS + 1 ? MW_DMARC_WALK_LABELS
	    : labels - 1;
	for (size_t k = from; k >= 1 && n < MW_DMARC_WALK_MAX; k--)
		out[n++] = mw__auth_suffix(domain, k);
	(void)a;
	return n;
}

void
mw_dmarc_select(struct mw_dmarc_choice *out, const char *domain,
    const char *const *names, const char *psd, size_t n)
{
	size_t last = SIZE_MAX, stop = SIZE_MAX;

	out->used = n;
	out->org = domain;
	out->policy = SIZE_MAX;
	out->psd_policy = false;
	/* RFC 9989 4.10 steps 2 and 6: a single valid record with psd=n or
	 * psd=y ends the walk.  4.10.2, longest name first: psd=n is the
	 * organisational domain; psd=y (but at the start of the walk) makes
	 * it the name one label below; else the record with the fewest
	 * labels. */
	for (size_t i = 0; i < n && stop == SIZE_MAX; i++) {
		if (psd[i] == 0)
			continue;
		last = i;
		if (psd[i] == 'n' || psd[i] == 'y')
			stop = i;
		if (psd[i] == 'n' || (psd[i] == 'y' && i == 0))
			out->org = names[i];
		else if (psd[i] == 'y')
			out->org = mw__auth_suffix(domain,
			    mw__auth_labels(names[i]) + 1);
	}
	if (stop == SIZE_MAX && last != SIZE_MAX)
		out->org = names[last];
	if (stop != SIZE_MAX)
		out->used = stop + 1;
	/* 4.10.1: the domain's own record, else the organisational
	 * domain's, else the public suffix domain's. */
	if (n > 0 && psd[0] != 0) {
		out->policy = 0;
		return;
	}
	for (size_t i = 1; i < out->used; i++)
		if (psd[i] != 0 && strcmp(names[i], out->org) == 0)
			out->policy = i;
	if (out->policy == SIZE_MAX && stop != SIZE_MAX && psd[stop] == 'y') {
		out->policy = stop;
		out->psd_policy = true;
	}
}

/* --- the audit ------------------------------------------------------ */

enum state { ST_NONE, ST_ONE, ST_MANY, ST_INVALID, ST_TEMP };

struct walk {
	struct mw_dns *dns;
	struct mw_report *r;
	struct mw_arena *a;
	const char *names[MW_DMARC_WALK_MAX];
	const struct mw_dns_answer *ans[MW_DMARC_WALK_MAX];
	size_t n;
	unsigned pending;
	bool judged;
	struct mw_dmarc_record rec;
	mw_dmarc_done_fn done;
	void *ud;
	struct mw_dmarc_result res;
};

struct walkq {
	struct walk *w;
	size_t i;
	const char *rua_domain; /* authorisation query */
};

static void judge(struct walk *w);

static void
finish(struct walk *w)
{
	if (w->pending == 0 && w->judged)
		w->done(w->ud, &w->res);
}

static void
on_auth(void *ud, const struct mw_dns_answer *a)
{
	struct walkq *q = ud;
	struct walk *w = q->w;
	bool ok = false;

	/* RFC 9990 3 steps 6-8: any record that parses with v=DMARC1
	 * first authorises the destination. */
	if (a->status == MW_DNS_OK) {
		for (size_t i = 0; i < a->n; i++) {
			struct mw_dmarc_record r;
			if (a->rr[i].type == MW_DNS_T_TXT &&
			    mw_dmarc_parse(&r, w->a,
				(const uint8_t *)a->rr[i].u.txt.joined,
				a->rr[i].u.txt.joined_len, NULL) == 0 &&
			    r.is_dmarc)
				ok = true;
		}
	}
	if (mw_dns_status_is_temporary(a->status)) {
		w->res.incomplete = true;
		mw__auth_dns_trouble(w->r, a->qname, a);
	} else if (!ok) {
		mw_report_add(w->r, MW_F_DMARC_RUA_UNAUTHORIZED,
		    w->res.record_domain, a->qname, w->res.record_domain,
		    q->rua_domain,
		    mw_arena_printf(w->a, "%s. TXT \"v=DMARC1\"", a->qname));
	}
	w->pending--;
	finish(w);
}

static void
on_answer(void *ud, const struct mw_dns_answer *a)
{
	struct walkq *q = ud;
	struct walk *w = q->w;

	w->ans[q->i] = a;
	if (--w->pending == 0 && !w->judged)
		judge(w);
}

/* How the name at walk step i answered; rec gets the one record.  With
 * report, its defects become findings. */
static enum state
state_at(struct walk *w, size_t i, struct mw_dmarc_record *rec,
    const char **text, bool report)
{
	const struct mw_dns_answer *a = w->ans[i];
	size_t count = 0;

	if (a == NULL || mw_dns_status_is_temporary(a->status)) {
		if (report)
			mw__auth_dns_trouble(w->r,
			    a ? a->qname : w->names[i], a);
		return ST_TEMP;
	}
	if (a->status != MW_DNS_OK)
		return ST_NONE;
	for (size_t k = 0; k < a->n; k++) {
		struct mw_dmarc_record r;
		const struct mw_dns_rr *rr = &a->rr[k];
		if (rr->type != MW_DNS_T_TXT)
			continue;
		if (mw_dmarc_parse(&r, w->a, (const uint8_t *)rr->u.txt.joined,
			rr->u.txt.joined_len, NULL) != 0 || !r.is_dmarc)
			continue;
		if (count++ == 0) {
			*rec = r;
			*text = rr->u.txt.joined;
		}
	}
	if (count == 0)
		return ST_NONE;
	if (count > 1) {
		/* RFC 9989 4.10 step 2: all of them are discarded. */
		if (report)
			mw_report_add(w->r, MW_F_DMARC_MULTIPLE, w->names[i],
			    a->qname, w->names[i],
			    mw_arena_printf(w->a, "%zu", count), NULL);
		return ST_MANY;
	}
	if (!rec->valid) {
		struct mw_finding *f;
		if (!report)
			return ST_INVALID;
		f = mw_report_add(w->r, MW_F_DMARC_SYNTAX, w->names[i], *text,
		    w->names[i], rec->err_reason,
		    mw_arena_printf(w->a, "%zu", rec->err_pos + 1));
		if (f != NULL)
			f->tr_args = 1u << 1;
		return ST_INVALID;
	}
	return ST_ONE;
}

static const char *
policy_summary(struct mw_arena *a, const struct mw_dmarc_record *r,
    enum mw_dmarc_policy p)
{
	if (r->sp && r->sp != p && !(r->bad & MW_DMARC_T_SP))
		return mw_arena_printf(a, "p=%s, sp=%s%s",
		    mw_dmarc_policy_name(p), mw_dmarc_policy_name(r->sp),
		    r->testing ? ", t=y" : "");
	return mw_arena_printf(a, "p=%s%s", mw_dmarc_policy_name(p),
	    r->testing ? ", t=y" : "");
}

static const char *
publish(struct mw_arena *a, const char *domain, const char *record)
{
	return mw_arena_printf(a, "_dmarc.%s. TXT \"%s\"", domain, record);
}

/* RFC 3986 3.1: scheme ":" and something after it. */
static bool
uri_syntax_ok(const char *u)
{
	size_t i = 0;

	if (!((u[0] >= 'a' && u[0] <= 'z') || (u[0] >= 'A' && u[0] <= 'Z')))
		return false;
	while (u[i] != '\0' && u[i] != ':') {
		char ch = u[i++];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			(ch >= '0' && ch <= '9') || ch == '+' || ch == '-' ||
			ch == '.'))
			return false;
	}
	return u[i] == ':' && u[i + 1] != '\0';
}

static void
tag_findings(struct walk *w, const char *d, const struct mw_dmarc_record *rec)
{
	struct mw_report *r = w->r;

	for (size_t i = 0; i < rec->ntags; i++) {
		const struct mw_dmarc_tag *t = &rec->tags[i];
		bool known = removed_tag(t->name);
		if (t->err_reason != NULL) {
			struct mw_finding *f = mw_report_add(r,
			    MW_F_DMARC_BAD_TAG, d, t->value, d, t->err_reason,
			    mw_arena_printf(w->a, "%zu", t->err_pos + 1));
			if (f != NULL)
				f->tr_args = 1u << 1;
			continue;
		}
		if (known) {
			mw_report_add(r, MW_F_DMARC_REMOVED_TAG, d, NULL,
			    t->name, mw_arena_printf(w->a, "%s=%s", t->name,
				t->value), NULL);
			continue;
		}
		for (size_t k = 0; k < sizeof(known_tags) /
		     sizeof(known_tags[0]); k++)
			known |= strcasecmp(t->name, known_tags[k].name) == 0;
		if (!known)
			mw_report_add(r, MW_F_DMARC_UNKNOWN_TAG, d, NULL,
			    t->name, NULL, NULL);
	}
	if (rec->testing)
		mw_report_add(r, MW_F_DMARC_TESTING, d, NULL, d, NULL, NULL);
	if (rec->p > MW_DMARC_P_NONE && rec->sp == MW_DMARC_P_NONE)
		mw_report_add(r, MW_F_DMARC_SP_NONE, d, NULL, d,
		    mw_dmarc_policy_name(rec->p), NULL);
}

static void
rua_findings(struct walk *w, const char *d, const struct mw_dmarc_record *rec)
{
	const char *seen[MW_DMARC_URIS_MAX];
	size_t nseen = 0;

	if (rec->nrua == 0) {
		mw_report_add(w->r, MW_F_DMARC_NO_RUA, d, NULL, d,
		    publish(w->a, d, mw_dmarc_record_with(w->a, rec, "rua",
			mw_arena_printf(w->a, "mailto:dmarc-reports@%s", d))),
		    NULL);
		return;
	}
	for (size_t i = 0; i < rec->nrua + rec->nruf; i++) {
		const struct mw_dmarc_uri *u = i < rec->nrua ? &rec->rua[i]
		    : &rec->ruf[i - rec->nrua];
		if (u->size_limit)
			mw_report_add(w->r, MW_F_DMARC_URI_SIZE, d, u->uri,
			    u->uri, NULL, NULL);
	}
	for (size_t i = 0; i < rec->nrua; i++) {
		const struct mw_dmarc_uri *u = &rec->rua[i];
		struct walkq *q;
		const char *qname;
		bool dup = false;
		if (!u->ok) {
			mw_report_add(w->r, MW_F_DMARC_RUA_BAD, d, u->uri,
			    u->uri, d, NULL);
			continue;
		}
		w->res.has_rua = true;
		if (mw__auth_under(u->domain, w->res.org_domain) ||
		    mw__auth_under(u->domain, d))
			continue;
		for (size_t k = 0; k < nseen; k++)
			dup |= strcmp(seen[k], u->domain) == 0;
		if (dup)
			continue;
		seen[nseen++] = u->domain;
		/* RFC 9990 3 steps 2-3: the name of the policy record's
		 * domain, "_report._dmarc", the destination host. */
		qname = mw_arena_printf(w->a, "%s._report._dmarc.%s", d,
		    u->domain);
		if (qname == NULL)
			continue;
		/* Step 4: a name past the DNS limit cannot authorise. */
		if (strlen(qname) + 2 > MW_DNS_NAME_MAX) { /* dot, root */
			mw_report_add(w->r, MW_F_DMARC_RUA_UNAUTHORIZED, d,
			    qname, d, u->domain,
			    mw_arena_printf(w->a, "%s. TXT \"v=DMARC1\"",
				qname));
			continue;
		}
		if ((q = mw_arena_alloc(w->a, sizeof(*q))) == NULL)
			continue;
		q->w = w;
		q->rua_domain = u->domain;
		w->pending++;
		/* judge() runs inside the last walk answer's callback, so
		 * these answers come later, from the loop. */
		if (mw_dns_query(w->dns, w->a, qname, MW_DNS_T_TXT, on_auth,
			q, NULL) != 0) {
			w->pending--;
			w->res.incomplete = true;
		}
	}
}

static bool
has_report_uri(const struct mw_dmarc_record *rec)
{
	for (size_t i = 0; i < rec->nrua; i++)
		if (uri_syntax_ok(rec->rua[i].uri))
			return true;
	return false;
}

static void
judge(struct walk *w)
{
	struct mw_dmarc_record recs[MW_DMARC_WALK_MAX];
	const char *texts[MW_DMARC_WALK_MAX];
	enum state st[MW_DMARC_WALK_MAX];
	char psd[MW_DMARC_WALK_MAX];
	struct mw_dmarc_choice ch;
	const char *d = w->names[0];
	bool temp = false;
	size_t pol;

	w->judged = true;
	for (size_t i = 0; i < w->n; i++) {
		st[i] = state_at(w, i, &recs[i], &texts[i], false);
		psd[i] = st[i] == ST_ONE ? recs[i].psd : 0;
	}
	mw_dmarc_select(&ch, d, w->names, psd, w->n);
	/* Only what a receiver's walk looks at is reported. */
	for (size_t i = 0; i < ch.used; i++) {
		st[i] = state_at(w, i, &recs[i], &texts[i], true);
		temp |= st[i] == ST_TEMP;
	}
	w->res.incomplete = temp;
	w->res.org_domain = ch.org;
	if (strcmp(ch.org, d) != 0)
		mw_report_add(w->r, MW_F_DMARC_ORG_DOMAIN, d, NULL, d, ch.org,
		    NULL);
	pol = ch.policy;
	if (pol == SIZE_MAX) {
		/* Say "missing" only when every answer was definitive and
		 * the domain's own record was not merely broken. */
		if (!temp && st[0] == ST_NONE)
			mw_report_add(w->r, MW_F_DMARC_MISSING, d, NULL, d,
			    mw_arena_printf(w->a, "_dmarc.%s. TXT \"v=DMARC1; "
				"p=none; rua=mailto:dmarc-reports@%s\"", d, d),
			    NULL);
		finish(w);
		return;
	}
	{
		const struct mw_dmarc_record *rec = &recs[pol];
		const char *rd = w->names[pol];
		enum mw_dmarc_policy eff;
		bool p_ok = (rec->seen & MW_DMARC_T_P) &&
		    !(rec->bad & MW_DMARC_T_P);

		w->rec = *rec;
		w->res.own = pol == 0;
		w->res.record_domain = rd;
		w->res.record = texts[pol];
		/* RFC 9989 4.10.1: p for the domain itself, sp (else p) for
		 * an existing subdomain. */
		eff = pol == 0 ? rec->p
		    : rec->sp && !(rec->bad & MW_DMARC_T_SP) ? rec->sp : rec->p;
		if (!p_ok || (rec->bad & (MW_DMARC_T_SP | MW_DMARC_T_NP))) {
			/* No valid p, or a bad sp/np: p=none when rua holds
			 * a valid URI, else no DMARC processing at all. */
			if (!has_report_uri(rec)) {
				mw_report_add(w->r, MW_F_DMARC_NOT_APPLIED, d,
				    texts[pol], rd, d, publish(w->a, rd,
					mw_dmarc_record_with(w->a, rec, "p",
					    "none")));
				if (!ch.psd_policy)
					tag_findings(w, rd, rec);
				finish(w);
				return;
			}
			eff = MW_DMARC_P_NONE;
			if (!p_ok)
				mw_report_add(w->r, MW_F_DMARC_NO_P, rd, NULL,
				    rd, publish(w->a, rd,
					mw_dmarc_record_with(w->a, rec, "p",
					    "none")), NULL);
		}
		w->res.found = true;
		w->res.effective = eff ? eff : MW_DMARC_P_NONE;
		mw_report_add(w->r, MW_F_DMARC_POLICY, d, texts[pol], d,
		    policy_summary(w->a, rec, w->res.effective), texts[pol]);
		if (pol != 0)
			mw_report_add(w->r, MW_F_DMARC_INHERITED, d, texts[pol],
			    d, rd, mw_arena_printf(w->a, "p=%s",
				mw_dmarc_policy_name(w->res.effective)));
		if (ch.psd_policy) {
			/* The PSD operator's record: nothing in it is the
			 * domain owner's to fix; its own record is. */
			mw_report_add(w->r, MW_F_DMARC_PSD_POLICY, d,
			    texts[pol], d, rd, ch.org);
			finish(w);
			return;
		}
		if (w->res.effective == MW_DMARC_P_NONE)
			mw_report_add(w->r, MW_F_DMARC_P_NONE, d, texts[pol], d,
			    publish(w->a, rd, pol != 0 &&
				    (rec->seen & MW_DMARC_T_SP)
				    ? mw_dmarc_record_with(w->a, rec, "sp",
					"quarantine")
				    : mw_dmarc_record_with(w->a, rec, "p",
					"quarantine")), NULL);
		tag_findings(w, rd, rec);
		rua_findings(w, rd, rec);
	}
	finish(w);
}

int
mw_dmarc_check(struct mw_dns *dns, struct mw_report *r, const char *domain,
    mw_dmarc_done_fn done, void *ud, struct mw_err *err)
{
	struct walk *w;

	if ((w = mw_arena_alloc(r->arena, sizeof(*w))) == NULL)
		return mw_err_set(err, MW_ENOMEM, "dmarc", SIZE_MAX,
		    "out of memory");
	w->dns = dns;
	w->r = r;
	w->a = r->arena;
	w->done = done;
	w->ud = ud;
	w->res.domain = domain;
	w->res.org_domain = domain;
	if ((w->n = mw_dmarc_walk_names(w->names, w->a, domain)) == 0)
		return mw_err_set(err, MW_EINVAL, "dmarc", SIZE_MAX,
		    "empty domain");
	w->pending = (unsigned)w->n;
	for (size_t i = 0; i < w->n; i++) {
		struct walkq *q = mw_arena_alloc(w->a, sizeof(*q));
		if (q != NULL) {
			q->w = w;
			q->i = i;
		}
		if (q == NULL ||
		    mw_dns_query(dns, w->a,
			mw_arena_printf(w->a, "_dmarc.%s", w->names[i]),
			MW_DNS_T_TXT, on_answer, q, NULL) != 0)
			w->pending--; /* ans[i] stays NULL: "not sent" */
	}
	if (w->pending == 0) {
		/* Nothing was sent: no callback will come to judge. */
		judge(w);
	}
	return 0;
}
