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
#include <pthread.h>
#include <stdlib.h>
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

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
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

		if (c <= ' ' && (c == ' ' || (c >= '\t' && c <= '\r'))) {
			if (!sp)
				dst[n++] = ' ';
			sp = true;
			continue;
		}
		/* RFC 5321 4.2.1: the "550-5.7.1 " that starts each line
		 * of a multiline reply is no part of the words ("due to
		 * domain's 550-5.7.1 DMARC policy") */
		if (sp && (c == '2' || c == '4' || c == '5') && i + 4 <= len &&
		    is_digit(src[i + 1]) && is_digit(src[i + 2]) &&
		    src[i + 3] == '-') {
			size_t k = i + 4, e = k;

			if (k < len && is_digit(src[k]) && k + 1 < len &&
			    src[k + 1] == '.') {
				for (e = k + 2; e < len && (is_digit(src[e]) ||
				    src[e] == '.'); e++)
					;
				if (e < len && src[e] != ' ' &&
				    src[e] != '\t')
					e = k; /* not a code: keep it */
			}
			i = e - 1;
			continue;
		}
		dst[n++] = (char)((unsigned char)(c - 'A') < 26u ? c + 32 : c);
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

/*
 * All the phrases in one pass.  An Aho-Corasick automaton (a full DFA
 * over byte classes) over the first piece (up to the first '*') of
 * every row, built once on first use: one scan of a diagnostic gives
 * the end of each piece's leftmost occurrence, which is where aligned()
 * would continue; the later pieces are found from there as before.
 * About 23,000 states x 60 classes of uint16_t: under 3 MB, once.
 */
#define AC_NONE UINT32_MAX
/* A transition's target state, and the bit that says a piece ends there
 * or on its fail chain (so the scan tests one bit per byte). */
#define AC_STATE_MASK 0x7FFFu
#define AC_OUTPUT 0x8000u
#define AC_PIECES_MAX 4096 /* distinct first pieces; the table has ~800 */

struct ac {
	bool ok;
	uint8_t cls[256];
	size_t ncls, nstates, npieces;
	uint16_t *next;	  /* nstates x ncls */
	int32_t *out;	  /* the piece ending at a state, or -1 */
	uint16_t *dict;	  /* the next state on the fail chain with an
			   * output, 0 when none */
	uint16_t *row_pid; /* per table row (ptab order), then per
			    * decisive row: its first piece, or
			    * UINT16_MAX for none (an empty first piece) */
	size_t *row_base; /* first row_pid index of each ptab */
	size_t dec_base;
	/* Per piece, the tables (bit = ptab index) with a positive row it
	 * starts; always: tables with a positive row of no first piece.
	 * A table none of whose bits a scan set cannot match (masks only
	 * when the tables fit in 64 bits). */
	uint64_t *piece_tabs;
	uint64_t always;
	bool masks;
};

static struct ac ac;
static pthread_once_t ac_once = PTHREAD_ONCE_INIT;

static size_t
piece_len(const char *pat)
{
	const char *star = strchr(pat, '*');

	return star ? (size_t)(star - pat) : strlen(pat);
}

static const char *
row_text(const char *pat)
{
	return pat[0] == '!' || pat[0] == '=' ? pat + 1 : pat;
}

static void
ac_build(void)
{
	size_t nrows = 0, t, i, k, cap = 1, nst = 1, r = 0, head, tail;
	uint16_t *gt = NULL, *fail = NULL, *queue = NULL;
	bool used[256] = {false};

	for (t = 0; t < mw__bounce_nptab; t++)
		nrows += mw__bounce_ptab[t].n;
	nrows += mw__bounce_ndecisive;
	/* the byte classes: one per byte some piece holds, 0 the rest */
	for (t = 0; t <= mw__bounce_nptab; t++) {
		size_t n = t < mw__bounce_nptab ? mw__bounce_ptab[t].n :
		    mw__bounce_ndecisive;

		for (i = 0; i < n; i++) {
			const char *p = t < mw__bounce_nptab ?
			    row_text(mw__bounce_ptab[t].pats[i].pat) :
			    mw__bounce_decisive[i].pat;

			cap += piece_len(p);
			for (k = 0; k < piece_len(p); k++)
				used[(uint8_t)p[k]] = true;
		}
	}
	ac.ncls = 1;
	for (i = 0; i < 256; i++)
		ac.cls[i] = used[i] ? (uint8_t)ac.ncls++ : 0;
	/* state numbers fit in 15 bits: the 16th flags an output */
	if (cap > AC_STATE_MASK)
		return;
	ac.next = calloc(cap * ac.ncls, sizeof(*ac.next));
	ac.out = malloc(cap * sizeof(*ac.out));
	ac.dict = calloc(cap, sizeof(*ac.dict));
	ac.row_pid = malloc(nrows * sizeof(*ac.row_pid));
	ac.row_base = malloc((mw__bounce_nptab + 1) * sizeof(*ac.row_base));
	ac.piece_tabs = calloc(cap, sizeof(*ac.piece_tabs));
	ac.masks = mw__bounce_nptab <= 64;
	gt = calloc(cap * ac.ncls, sizeof(*gt));
	fail = calloc(cap, sizeof(*fail));
	queue = malloc(cap * sizeof(*queue));
	if (ac.next == NULL || ac.out == NULL || ac.dict == NULL ||
	    ac.row_pid == NULL || ac.row_base == NULL ||
	    ac.piece_tabs == NULL || gt == NULL ||
	    fail == NULL || queue == NULL)
		goto out;
	for (i = 0; i < cap; i++)
		ac.out[i] = -1;
	/* the trie; 0 in gt means no edge (the root is never a target) */
	for (t = 0; t <= mw__bounce_nptab; t++) {
		size_t n = t < mw__bounce_nptab ? mw__bounce_ptab[t].n :
		    mw__bounce_ndecisive;

		if (t < mw__bounce_nptab)
			ac.row_base[t] = r;
		else
			ac.dec_base = r;
		for (i = 0; i < n; i++, r++) {
			const char *p = t < mw__bounce_nptab ?
			    row_text(mw__bounce_ptab[t].pats[i].pat) :
			    mw__bounce_decisive[i].pat;
			size_t pl = piece_len(p), s = 0;
			bool positive = t < mw__bounce_nptab &&
			    mw__bounce_ptab[t].pats[i].pat[0] != '!';

			ac.row_pid[r] = UINT16_MAX;
			if (pl == 0) {
				if (positive && ac.masks)
					ac.always |= (uint64_t)1 << t;
				continue;
			}
			for (k = 0; k < pl; k++) {
				uint16_t *e = &gt[s * ac.ncls +
				    ac.cls[(uint8_t)p[k]]];

				if (*e == 0)
					*e = (uint16_t)nst++;
				s = *e;
			}
			if (ac.out[s] < 0) {
				if (ac.npieces >= AC_PIECES_MAX)
					goto out;
				ac.out[s] = (int32_t)ac.npieces++;
			}
			ac.row_pid[r] = (uint16_t)ac.out[s];
			if (positive && ac.masks)
				ac.piece_tabs[ac.out[s]] |= (uint64_t)1 << t;
		}
	}
	/* breadth first: fail links, the DFA, the output chain */
	head = tail = 0;
	for (k = 0; k < ac.ncls; k++) {
		uint16_t c = gt[k];

		ac.next[k] = c;
		if (c != 0)
			queue[tail++] = c;
	}
	while (head < tail) {
		uint16_t s = queue[head++];

		for (k = 0; k < ac.ncls; k++) {
			uint16_t c = gt[s * ac.ncls + k];

			if (c == 0) {
				ac.next[s * ac.ncls + k] =
				    ac.next[fail[s] * ac.ncls + k];
				continue;
			}
			fail[c] = ac.next[fail[s] * ac.ncls + k];
			ac.dict[c] = ac.out[fail[c]] >= 0 ? fail[c] :
			    ac.dict[fail[c]];
			ac.next[s * ac.ncls + k] = c;
			queue[tail++] = c;
		}
	}
	/* out and dict are final: flag the transitions into states where
	 * a piece ends (queue, done with, holds the flags) */
	for (i = 0; i < nst; i++)
		queue[i] = ac.out[i] >= 0 || ac.dict[i] != 0 ? AC_OUTPUT : 0;
	for (i = 0; i < nst * ac.ncls; i++)
		ac.next[i] |= queue[ac.next[i]];
	ac.nstates = nst;
	ac.ok = true;
out:
	free(gt);
	free(fail);
	free(queue);
}

/*
 * The scan's results, per thread: ends[piece] is the offset after its
 * leftmost occurrence, or AC_NONE.  All AC_NONE between scans; the
 * pieces a scan set are listed in hit[] and put back by ac_clear(), so
 * no scan pays for clearing the ~800 entries.
 */
struct ac_res {
	bool init;
	uint64_t tabs; /* the tables the hit pieces may prove */
	size_t nhit;
	uint16_t hit[AC_PIECES_MAX];
	uint32_t ends[AC_PIECES_MAX];
};
static _Thread_local struct ac_res ac_res;

static const uint32_t *
ac_scan(const char *text, size_t len)
{
	struct ac_res *r = &ac_res;
	size_t i;
	uint16_t s = 0;

	(void)pthread_once(&ac_once, ac_build);
	if (!ac.ok)
		return NULL;
	if (!r->init) {
		memset(r->ends, 0xFF, sizeof(r->ends));
		r->init = true;
	}
	for (i = 0; i < len; i++) {
		uint16_t o, v;

		v = ac.next[(size_t)s * ac.ncls + ac.cls[(uint8_t)text[i]]];
		s = v & AC_STATE_MASK;
		if (!(v & AC_OUTPUT))
			continue;
		for (o = ac.out[s] >= 0 ? s : ac.dict[s]; o != 0;
		    o = ac.dict[o])
			if (r->ends[ac.out[o]] == AC_NONE) {
				r->ends[ac.out[o]] = (uint32_t)(i + 1);
				r->hit[r->nhit++] = (uint16_t)ac.out[o];
			}
	}
	r->tabs = ac.always;
	for (i = 0; i < r->nhit; i++)
		r->tabs |= ac.piece_tabs[r->hit[i]];
	return r->ends;
}

static void
ac_clear(void)
{
	struct ac_res *r = &ac_res;

	while (r->nhit > 0)
		r->ends[r->hit[--r->nhit]] = AC_NONE;
}

/* The scan says row's first piece is nowhere in the text: the row
 * cannot match, and no call is made to learn it. */
static inline bool
row_absent(const uint32_t *ends, size_t row)
{
	uint16_t pid;

	return ends != NULL && (pid = ac.row_pid[row]) != UINT16_MAX &&
	    ends[pid] == AC_NONE;
}

/* aligned() with the first piece already found by ac_scan. */
static bool
aligned_row(const char *text, size_t len, const char *pat,
    const uint32_t *ends, size_t row)
{
	uint16_t pid;
	const char *star;

	if (ends == NULL || (pid = ac.row_pid[row]) == UINT16_MAX)
		return aligned(text, len, pat);
	if (ends[pid] == AC_NONE)
		return false;
	if ((star = strchr(pat, '*')) == NULL)
		return true;
	return aligned(text + ends[pid], len - ends[pid], star + 1);
}

static const struct mw__bounce_ptab *
ptab(const char *reason)
{
	/* the names asked for are a few dozen literals: remembered by
	 * address, per thread, the search runs once per name */
	static _Thread_local struct {
		const char *name;
		const struct mw__bounce_ptab *t;
	} memo[64];
	size_t slot = ((uintptr_t)reason >> 3) % 64;
	size_t lo = 0, hi = mw__bounce_nptab;

	if (memo[slot].name == reason)
		return memo[slot].t;
	memo[slot].name = reason;
	memo[slot].t = NULL;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(reason, mw__bounce_ptab[mid].reason);

		if (c == 0)
			return memo[slot].t = &mw__bounce_ptab[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

bool
mw__bounce_match(const char *reason, const char *folded, size_t len,
    const uint32_t *ends)
{
	const struct mw__bounce_ptab *t = ptab(reason);
	bool hit = false;
	size_t i, base;

	if (t == NULL || len == 0)
		return false;
	/* no positive row can match: no need to look at any */
	if (ends != NULL && ac.masks &&
	    !((ac_res.tabs >> (t - mw__bounce_ptab)) & 1))
		return false;
	base = ends != NULL ? ac.row_base[t - mw__bounce_ptab] : 0;
	/* "!" rows are exceptions: any of them vetoes the reason */
	for (i = 0; i < t->n; i++) {
		const char *pat;

		if (row_absent(ends, base + i))
			continue;
		pat = t->pats[i].pat;
		if (pat[0] == '!') {
			if (aligned_row(folded, len, pat + 1, ends, base + i))
				return false;
			continue;
		}
		if (!hit && aligned_row(folded, len, pat[0] == '=' ? pat + 1 :
		    pat, ends, base + i))
			hit = true;
	}
	return hit;
}

/* The reason a decisive ("=") row settles, or NULL. */
static const char *
decisive(const char *folded, size_t len, const uint32_t *ends)
{
	size_t i;

	if (len == 0)
		return NULL;
	for (i = 0; i < mw__bounce_ndecisive; i++)
		if (!row_absent(ends, ac.dec_base + i) && aligned_row(folded, len, mw__bounce_decisive[i].pat, ends,
		    ac.dec_base + i))
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
	const uint32_t *ends; /* ac_scan's, or NULL */
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
	v = mw__bounce_match(reason, c->text, c->len, c->ends);
	if (c->nasked < sizeof(c->asked) / sizeof(c->asked[0])) {
		c->asked[c->nasked] = reason;
		c->answer[c->nasked++] = v;
	}
	return v;
}

/* strcmp() == 0, the first byte tested inline: the passes compare
 * reason and command names by the hundred per recipient, nearly all
 * differing at once. */
static inline bool
same(const char *a, const char *b)
{
	return a[0] == b[0] && strcmp(a, b) == 0;
}

static bool
sname_is(const struct ctx *c, const char *reason)
{
	return c->sname != NULL && same(c->sname, reason);
}

static bool
cmd_in(const struct ctx *c, const char *const *list)
{
	for (; *list; list++)
		if (same(c->cmd, *list))
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
	if (same(r, "userunknown")) {
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
	if (same(r, "filtered")) {
		if (sname_is(c, "suspend"))
			return false;
		if (sname_is(c, "filtered"))
			return text_is(c, "userunknown") || text_is(c, r);
		if (cmd_in(c, before_data))
			return false;
		return text_is(c, r) || text_is(c, "userunknown");
	}
	if (same(r, "mesgtoobig")) {
		if (sname_is(c, r))
			return true;
		if (sname_is(c, "exceedlimit"))
			return false;
		return text_is(c, r);
	}
	if (same(r, "hostunknown")) {
		if (sname_is(c, r))
			return !text_is(c, "networkerror");
		return text_is(c, r);
	}
	if (same(r, "rejected")) {
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
	if (same(r, "spamdetected")) {
		if (sname_is(c, r))
			return true;
		if (cmd_in(c, before_data))
			return false;
		return text_is(c, r);
	}
	if (same(r, "norelaying")) {
		if (cmd_in(c, greeting))
			return false;
		return text_is(c, r);
	}
	if (same(r, "hasmoved"))
		/* RFC 3463 X.1.6: the mailbox has moved */
		return sname_is(c, r) || text_is(c, r);
	if (same(r, "notcompliantrfc") ||
	    same(r, "badreputation") || same(r, "speeding"))
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
		if (same(r, *p))
			return true;
	return false;
}

static const char *
classify(const char *diagnostic, const char *status, int reply_code,
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
	c.ends = ac_scan(folded, c.len);
	c.reply = reply_code;
	c.cmd = command ? command : "";
	if ((c.has_esc = mw_esc_parse(&c.esc, status)) &&
	    !(c.esc.subject == 0 && c.esc.detail >= 900))
		c.sname = mw_esc_reason(&c.esc);
	if (c.has_esc && c.esc.cls == 2)
		return "delivered";
	if ((dec = decisive(c.text, c.len, c.ends)) != NULL)
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

const char *
mw_bounce_reason(const char *diagnostic, const char *status, int reply_code,
    const char *action, const char *diag_type, const char *command)
{
	const char *r = classify(diagnostic, status, reply_code, action,
	    diag_type, command);

	ac_clear(); /* the scan's results back to AC_NONE for the next */
	return r;
}
