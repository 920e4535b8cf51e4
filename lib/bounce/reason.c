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

const char *
mw_basis_name(enum mw_basis b)
{
	static const char *const names[] = {"none", "status", "words",
	    "reply", "command", "action", "mailer", "report", "layout"};

	return (size_t)b < sizeof(names) / sizeof(names[0]) ? names[b] :
	    NULL;
}

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
 * over byte classes) over the first AC_KEY_MAX bytes (the key) of the
 * first piece (up to the first '*') of every row, built once on first
 * use: one scan of a diagnostic finds each key where it occurs, the rest
 * of the piece is compared there, and the end of each piece's leftmost
 * occurrence is kept, which is where aligned() would continue; the later
 * pieces are found from there as before.  Keys, not whole pieces, keep
 * the table small: about 4,600 states x 60 classes of uint16_t, 550 kB,
 * built in a millisecond (whole pieces took 17,000 states, 2 MB, and
 * six times as long to build).
 */
#define AC_NONE UINT32_MAX
/* A transition's target state, and the bit that says a key ends there
 * or on its fail chain (so the scan tests one bit per byte). */
#define AC_STATE_MASK 0x7FFFu
#define AC_OUTPUT 0x8000u
#define AC_PIECES_MAX 4096 /* distinct first pieces; the table has ~850 */
#define AC_KEY_MAX 12	   /* bytes of a piece the automaton matches */

struct ac {
	bool ok;
	uint8_t cls[256];
	size_t ncls, nstates, npieces, nkeys;
	uint16_t *next;	  /* nstates x ncls */
	int32_t *out;	  /* the key ending at a state, or -1 */
	uint16_t *dict;	  /* the next state on the fail chain with an
			   * output, 0 when none */
	/* per key: its length and its pieces, key_pids[key_first[k] ..
	 * key_first[k] + key_n[k]) */
	uint8_t *key_len;
	uint32_t *key_first;
	uint16_t *key_n, *key_pids;
	const char **piece; /* per piece: its text and length */
	uint16_t *piece_len;
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

/* Row r's pattern (ptab rows in order, then the decisive rows) and its
 * table (mw__bounce_nptab for a decisive row). */
static const char *
row_pat(size_t r, size_t *tab)
{
	size_t t;

	for (t = 0; t < mw__bounce_nptab; t++) {
		if (r < mw__bounce_ptab[t].n) {
			*tab = t;
			return mw__bounce_ptab[t].pats[r].pat;
		}
		r -= mw__bounce_ptab[t].n;
	}
	*tab = mw__bounce_nptab;
	return mw__bounce_decisive[r].pat;
}

/* The trie of keys: each row's key inserted, row_key[r] its key (or -1
 * for a row whose first piece is empty).  0 in gt means no edge (the
 * root is never a target). */
static bool
ac_trie(uint16_t *gt, int32_t *row_key, size_t nrows, size_t *nst)
{
	size_t r, k, t;

	for (r = 0; r < nrows; r++) {
		const char *p = row_text(row_pat(r, &t));
		size_t pl = piece_len(p), s = 0;

		row_key[r] = -1;
		if (pl > AC_KEY_MAX)
			pl = AC_KEY_MAX;
		if (pl == 0)
			continue;
		for (k = 0; k < pl; k++) {
			uint16_t *e = &gt[s * ac.ncls + ac.cls[(uint8_t)p[k]]];

			if (*e == 0)
				*e = (uint16_t)(*nst)++;
			s = *e;
		}
		if (ac.out[s] < 0) {
			ac.key_len[ac.nkeys] = (uint8_t)pl;
			ac.out[s] = (int32_t)ac.nkeys++;
		}
		row_key[r] = ac.out[s];
	}
	return true;
}

/* Each key's pieces, a piece written in several rows listed once: the
 * rows grouped by key (counting sort), then named within each group. */
static bool
ac_pieces(const int32_t *row_key, size_t nrows)
{
	size_t r, k, j, t, *order, *fill;

	order = malloc((nrows + 1) * sizeof(*order));
	fill = calloc(ac.nkeys + 1, sizeof(*fill));
	if (order == NULL || fill == NULL) {
		free(order);
		free(fill);
		return false;
	}
	for (r = 0; r < nrows; r++)
		if (row_key[r] >= 0)
			fill[row_key[r] + 1]++;
	for (k = 0; k < ac.nkeys; k++)
		fill[k + 1] += fill[k];
	for (k = 0; k < ac.nkeys; k++)
		ac.key_first[k] = (uint32_t)fill[k];
	for (r = 0; r < nrows; r++)
		if (row_key[r] >= 0)
			order[fill[row_key[r]]++] = r;
	for (k = 0; k < ac.nkeys; k++) {
		for (j = ac.key_first[k]; j < fill[k]; j++) {
			const char *pat = row_pat(order[j], &t);
			const char *p = row_text(pat);
			size_t pl = piece_len(p), q, base = ac.key_first[k];
			uint16_t pid = UINT16_MAX;

			for (q = base; q < base + ac.key_n[k]; q++)
				if (ac.piece_len[ac.key_pids[q]] == pl &&
				    memcmp(ac.piece[ac.key_pids[q]], p,
				    pl) == 0)
					pid = ac.key_pids[q];
			if (pid == UINT16_MAX) {
				if (ac.npieces >= AC_PIECES_MAX ||
				    pl > UINT16_MAX) {
					free(order);
					free(fill);
					return false;
				}
				pid = (uint16_t)ac.npieces++;
				ac.piece[pid] = p;
				ac.piece_len[pid] = (uint16_t)pl;
				ac.key_pids[base + ac.key_n[k]++] = pid;
			}
			ac.row_pid[order[j]] = pid;
			if (t < mw__bounce_nptab && pat[0] != '!' && ac.masks)
				ac.piece_tabs[pid] |= (uint64_t)1 << t;
		}
	}
	free(order);
	free(fill);
	return true;
}

static void
ac_build(void)
{
	size_t nrows = 0, t, i, k, cap = 1, nst = 1, r, head, tail;
	uint16_t *gt = NULL, *fail = NULL, *queue = NULL;
	int32_t *row_key = NULL;
	bool used[256] = {false};

	for (t = 0; t < mw__bounce_nptab; t++)
		nrows += mw__bounce_ptab[t].n;
	nrows += mw__bounce_ndecisive;
	/* the byte classes: one per byte some key holds, 0 the rest */
	for (r = 0; r < nrows; r++) {
		const char *p = row_text(row_pat(r, &t));
		size_t pl = piece_len(p);

		if (pl > AC_KEY_MAX)
			pl = AC_KEY_MAX;
		cap += pl;
		for (k = 0; k < pl; k++)
			used[(uint8_t)p[k]] = true;
	}
	ac.ncls = 1;
	for (i = 0; i < 256; i++)
		ac.cls[i] = used[i] ? (uint8_t)ac.ncls++ : 0;
	/* state numbers fit in 15 bits: the 16th flags an output */
	if (cap > AC_STATE_MASK)
		return;
	ac.masks = mw__bounce_nptab <= 64;
	ac.next = calloc(cap * ac.ncls, sizeof(*ac.next));
	ac.out = malloc(cap * sizeof(*ac.out));
	ac.dict = calloc(cap, sizeof(*ac.dict));
	ac.key_len = calloc(cap, sizeof(*ac.key_len));
	ac.key_first = calloc(cap, sizeof(*ac.key_first));
	ac.key_n = calloc(cap, sizeof(*ac.key_n));
	ac.key_pids = calloc(nrows + 1, sizeof(*ac.key_pids));
	ac.piece = calloc(nrows + 1, sizeof(*ac.piece));
	ac.piece_len = calloc(nrows + 1, sizeof(*ac.piece_len));
	ac.row_pid = malloc((nrows + 1) * sizeof(*ac.row_pid));
	ac.row_base = malloc((mw__bounce_nptab + 1) * sizeof(*ac.row_base));
	ac.piece_tabs = calloc(nrows + 1, sizeof(*ac.piece_tabs));
	row_key = malloc((nrows + 1) * sizeof(*row_key));
	gt = calloc(cap * ac.ncls, sizeof(*gt));
	fail = calloc(cap, sizeof(*fail));
	queue = malloc(cap * sizeof(*queue));
	if (ac.next == NULL || ac.out == NULL || ac.dict == NULL ||
	    ac.key_len == NULL || ac.key_first == NULL || ac.key_n == NULL ||
	    ac.key_pids == NULL || ac.piece == NULL ||
	    ac.piece_len == NULL || ac.row_pid == NULL ||
	    ac.row_base == NULL || ac.piece_tabs == NULL ||
	    row_key == NULL || gt == NULL || fail == NULL || queue == NULL)
		goto out;
	for (i = 0; i < cap; i++)
		ac.out[i] = -1;
	for (r = 0, t = 0; t < mw__bounce_nptab; t++) {
		ac.row_base[t] = r;
		r += mw__bounce_ptab[t].n;
	}
	ac.dec_base = r;
	if (!ac_trie(gt, row_key, nrows, &nst))
		goto out;
	for (r = 0; r < nrows; r++) {
		const char *pat = row_pat(r, &t);

		ac.row_pid[r] = UINT16_MAX;
		/* a positive row with no first piece may always match */
		if (row_key[r] < 0 && t < mw__bounce_nptab && pat[0] != '!' &&
		    ac.masks)
			ac.always |= (uint64_t)1 << t;
	}
	if (!ac_pieces(row_key, nrows))
		goto out;
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
	 * a key ends (queue, done with, holds the flags) */
	for (i = 0; i < nst; i++)
		queue[i] = ac.out[i] >= 0 || ac.dict[i] != 0 ? AC_OUTPUT : 0;
	for (i = 0; i < nst * ac.ncls; i++)
		ac.next[i] |= queue[ac.next[i]];
	ac.nstates = nst;
	ac.ok = true;
out:
	free(row_key);
	free(gt);
	free(fail);
	free(queue);
}

/*
 * The scan's results, per thread: ends[piece] is the offset after its
 * leftmost occurrence, or AC_NONE.  All AC_NONE between scans; the
 * pieces a scan set are listed in hit[] and put back by ac_clear(), so
 * no scan pays for clearing the ~850 entries.
 */
struct ac_res {
	bool init;
	uint64_t tabs; /* the tables the hit pieces may prove */
	size_t nhit;
	uint16_t hit[AC_PIECES_MAX];
	uint32_t ends[AC_PIECES_MAX];
};
static _Thread_local struct ac_res ac_res;

/* Key kid ends at text[end]: the pieces it starts that are there too
 * and were not seen before end where they end. */
static void
ac_found(struct ac_res *r, const char *text, size_t len, size_t end,
    int32_t kid)
{
	size_t kl = ac.key_len[kid], start = end - kl, j;
	size_t first = ac.key_first[kid], last = first + ac.key_n[kid];

	for (j = first; j < last; j++) {
		uint16_t pid = ac.key_pids[j];
		size_t pl = ac.piece_len[pid];

		if (r->ends[pid] != AC_NONE || start + pl > len ||
		    memcmp(text + end, ac.piece[pid] + kl, pl - kl) != 0)
			continue;
		r->ends[pid] = (uint32_t)(start + pl);
		r->hit[r->nhit++] = pid;
	}
}

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
			ac_found(r, text, len, i + 1, ac.out[o]);
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
    const uint32_t *ends, const char **which)
{
	const struct mw__bounce_ptab *t = ptab(reason);
	const char *hit = NULL;
	size_t i, base;

	if (which != NULL)
		*which = NULL;

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
		if (pat[0] == '=')
			pat++;
		if (hit == NULL && aligned_row(folded, len, pat, ends,
		    base + i))
			hit = pat;
	}
	if (which != NULL)
		*which = hit;
	return hit != NULL;
}

/* The reason a decisive ("=") row settles, or NULL. */
static const char *
decisive(const char *folded, size_t len, const uint32_t *ends,
    const char **which)
{
	size_t i;

	if (len == 0)
		return NULL;
	for (i = 0; i < mw__bounce_ndecisive; i++)
		if (!row_absent(ends, ac.dec_base + i) &&
		    aligned_row(folded, len, mw__bounce_decisive[i].pat, ends,
		    ac.dec_base + i)) {
			*which = mw__bounce_decisive[i].pat;
			return mw__bounce_decisive[i].reason;
		}
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
	const char *phrase[40]; /* the row that matched, for a true answer */
	size_t nasked;
	const uint32_t *ends; /* ac_scan's, or NULL */
	/* what the last true test rested on: the words (and the phrase)
	 * or the status code */
	enum mw_basis by;
	const char *what;
};

static bool
text_is(const struct ctx *c0, const char *reason)
{
	struct ctx *c = (struct ctx *)c0;
	size_t i;
	bool v;

	const char *pat = NULL;

	for (i = 0; i < c->nasked; i++)
		if (c->asked[i] == reason) {
			if (c->answer[i]) {
				c->by = MW_BASIS_WORDS;
				c->what = c->phrase[i];
			}
			return c->answer[i];
		}
	v = mw__bounce_match(reason, c->text, c->len, c->ends, &pat);
	if (c->nasked < sizeof(c->asked) / sizeof(c->asked[0])) {
		c->asked[c->nasked] = reason;
		c->phrase[c->nasked] = pat;
		c->answer[c->nasked++] = v;
	}
	if (v) {
		c->by = MW_BASIS_WORDS;
		c->what = pat;
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
sname_is(const struct ctx *c0, const char *reason)
{
	struct ctx *c = (struct ctx *)c0;

	if (c->sname == NULL || !same(c->sname, reason))
		return false;
	c->by = MW_BASIS_STATUS;
	c->what = NULL;
	return true;
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

/* The reason, with what decided it. */
static const char *
decide(struct ctx *c, const char *reason, enum mw_basis by)
{
	c->by = by;
	if (by != MW_BASIS_WORDS)
		c->what = NULL;
	return reason;
}

static const char *
classify(struct ctx *c, const char *diagnostic, const char *status,
    int reply_code, const char *action, const char *diag_type,
    const char *command, char *folded, size_t foldcap)
{
	const char *const *r;
	const char *dec, *pat = NULL;
	bool smtp;

	if (diagnostic == NULL)
		diagnostic = "";
	if (action == NULL)
		action = "";
	if (diag_type == NULL)
		diag_type = "";
	c->len = mw__bounce_fold(folded, foldcap, diagnostic,
	    strlen(diagnostic));
	c->text = folded;
	c->ends = ac_scan(folded, c->len);
	c->reply = reply_code;
	c->cmd = command ? command : "";
	if ((c->has_esc = mw_esc_parse(&c->esc, status)) &&
	    !(c->esc.subject == 0 && c->esc.detail >= 900))
		c->sname = mw_esc_reason(&c->esc);
	if (c->has_esc && c->esc.cls == 2)
		return decide(c, "delivered", MW_BASIS_STATUS);
	if ((dec = decisive(c->text, c->len, c->ends, &pat)) != NULL) {
		c->what = pat;
		return decide(c, dec, MW_BASIS_WORDS);
	}
	smtp = diag_type[0] == '\0' || strcasecmp(diag_type, "smtp") == 0;
	if (smtp)
		for (r = order_first; *r; r++)
			if (probe(c, *r))
				return *r; /* probe's last test set c->by */
	if (vague(c->sname) || !smtp) {
		/* 4.4.1 ("no answer from host") with Action: failed: the MTA
		 * kept retrying until its queue lifetime ran out.  Words like
		 * "connection refused" say why each attempt failed, not why
		 * the mail did: Postfix's expired letters (sisimai
		 * lhost-postfix-08, -15: expired).  4.4.7 is left to the
		 * words, as sisimai does (lhost-sendmail-11: networkerror). */
		if (c->has_esc && c->esc.cls == 4 && c->esc.subject == 4 &&
		    c->esc.detail == 1 &&
		    strncasecmp(action, "failed", 6) == 0 &&
		    text_is(c, "networkerror"))
			return decide(c, "expired", MW_BASIS_STATUS);
		for (r = order_second; *r; r++)
			if (text_is(c, *r))
				return *r;
		if (c->sname != NULL)
			return decide(c, c->sname, MW_BASIS_STATUS);
		if (c->has_esc && c->esc.subject == 6)
			return decide(c, "contenterror", MW_BASIS_STATUS);
		if (c->has_esc && c->esc.subject == 7)
			return decide(c, "securityerror", MW_BASIS_STATUS);
		if (strncasecmp(diag_type, "x-unix", 6) == 0)
			return decide(c, "mailererror", MW_BASIS_MAILER);
		if ((reply_code >= 500 && reply_code <= 507) ||
		    (reply_code >= 400 && reply_code <= 407))
			return decide(c, "syntaxerror", MW_BASIS_REPLY);
		if (text_is(c, "syntaxerror"))
			return "syntaxerror";
		if (strncasecmp(action, "delayed", 7) == 0 ||
		    strncasecmp(action, "expired", 7) == 0)
			return decide(c, "expired", MW_BASIS_ACTION);
		if (cmd_in(c, greeting))
			return decide(c, "blocked", MW_BASIS_COMMAND);
	} else
		return decide(c, c->sname, MW_BASIS_STATUS);
	if (text_is(c, "vacation"))
		return "vacation";
	if (c->len > 0)
		return decide(c, "onhold", MW_BASIS_NONE);
	return decide(c, "undefined", MW_BASIS_NONE);
}

const char *
mw__bounce_classify(enum mw_basis *by, const char **phrase,
    const char *diagnostic, const char *status, int reply_code,
    const char *action, const char *diag_type, const char *command)
{
	char folded[MW_BOUNCE_DIAG_MAX + 1];
	struct ctx c = {0};
	const char *r = classify(&c, diagnostic, status, reply_code, action,
	    diag_type, command, folded, sizeof(folded));

	ac_clear(); /* the scan's results back to AC_NONE for the next */
	*by = c.by;
	*phrase = c.by == MW_BASIS_WORDS ? c.what : NULL;
	return r;
}

const char *
mw_bounce_reason(const char *diagnostic, const char *status, int reply_code,
    const char *action, const char *diag_type, const char *command)
{
	enum mw_basis by;
	const char *phrase;

	return mw__bounce_classify(&by, &phrase, diagnostic, status,
	    reply_code, action, diag_type, command);
}
