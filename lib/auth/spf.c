/*
 * spf.c - check_host() (RFC 7208 4-6) on the asynchronous resolver.
 *
 * One check is a small machine: a stack of frames, one per record being
 * evaluated (the checked domain, then each include; redirect replaces
 * the frame, 6.1).  A frame fetches the domain's TXT records (4.4, 4.5:
 * exactly one "v=spf1" record, joined from its strings, 3.3; the SPF RR
 * type 99 is never asked, 3.1), parses all of it (4.6), then evaluates
 * the terms in order (4.6.2, 5).  A DNS term sends its queries and the
 * machine waits for all of them; the answers decide the term and the
 * machine moves on.  DNS outcomes map onto results mechanically: a
 * temporary status is temperror (2.6.6, 5), NXDOMAIN and empty answers
 * are void lookups (4.6.4).  The limits of 4.6.4 come from limits.h: 10
 * DNS terms, 2 void lookups, 10 MX or PTR names per term.  On fail, the
 * top record's exp= is fetched and expanded (6.2).
 *
 * Everything a check allocates is in the caller's arena, the outcome
 * included; nothing is freed before the arena is.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/spf_int.h"
#include "mailwhy/spf.h"
#include "util/limits.h"

struct mw_spf_checker {
	struct mw_dns *dns;
	struct mw_spf_opts opts;
	struct mw__spf_cache *cache; /* NULL without opts.cache_base */
	/* Parsed records by text (with the cache): records are immutable
	 * and a receiver sees the same few again and again.  Entries live
	 * as long as the checker; past MW_SPF_CACHE_MAX none are added. */
	struct mw_arena *rec_arena;
	struct prec **rec_table;
	size_t nrec;
};

#define REC_HASH 4096

struct prec {
	struct prec *next;
	const char *text;
	size_t len;
	struct mw_spf_record *rec;
};

struct frame {
	const char *domain;
	const char *via; /* the term that led here */
	bool redirected; /* via redirect=: none is permerror (6.1) */
	struct mw_spf_record *rec;
	size_t idx; /* the term being evaluated */
	unsigned depth;
	size_t step; /* its entry in the path */
};

enum stage { ST_FETCH, ST_TERM, ST_EXP, ST_EXPTEXT, ST_P };

struct check {
	struct mw_spf_checker *c;
	struct mw_arena *a;
	struct mw_spf_outcome *o;
	mw_spf_done_fn done;
	void *ud;
	struct mw_spf_macro_ctx mc;
	struct frame st[MW_SPF_DEPTH_MAX];
	int sp; /* index of the top frame */
	size_t path_cap;
	enum stage stage;
	unsigned pending; /* queries not answered yet */
	/* the term in flight */
	const char *target;
	bool matched, temp, counted;
	const char *temp_why;
	/* mx / ptr / %{p}: names whose addresses are asked */
	const char **names;
	bool *valid;
	size_t nnames;
	/* %{p} (7.3) */
	int pstate; /* 0 not asked, 1 asking, 2 known */
	enum stage p_resume;
	bool finished;
	const char *exp_text; /* the explanation TXT, before expansion */
	size_t exp_len;
};

struct q {
	struct check *k;
	size_t i; /* name index for address lookups */
	mw_dns_cb cb;
};

static void run(struct check *k);
static void explain_text(struct check *k);
static void frame_done(
    struct check *k, enum mw_spf_result res, const struct mw_spf_term *t);

int
mw_spf_checker_new(struct mw_spf_checker **out, struct mw_dns *dns,
    const struct mw_spf_opts *opts, struct mw_err *err)
{
	struct mw_spf_checker *c;

	*out = NULL;
	if (dns == NULL)
		return mw_err_set(err, MW_EINVAL, "spf", SIZE_MAX,
		    "check_host needs a resolver");
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return mw_err_set(
		    err, MW_ENOMEM, "spf", SIZE_MAX, "out of memory");
	c->dns = dns;
	if (opts != NULL)
		c->opts = *opts;
	if (c->opts.cache_base != NULL &&
	    (mw__spf_cache_new(&c->cache, c->opts.cache_base) != 0 ||
	        (c->rec_arena = mw_arena_new(0)) == NULL ||
	        (c->rec_table = calloc(REC_HASH, sizeof(*c->rec_table))) ==
	            NULL)) {
		mw__spf_cache_free(&c->cache);
		mw_arena_free(&c->rec_arena);
		free(c);
		return mw_err_set(
		    err, MW_ENOMEM, "spf", SIZE_MAX, "out of memory");
	}
	*out = c;
	return 0;
}

struct mw_dns *
mw__spf_checker_dns(struct mw_spf_checker *c)
{
	return c->dns;
}

void
mw_spf_checker_free(struct mw_spf_checker **cp)
{
	if (cp == NULL || *cp == NULL)
		return;
	mw__spf_cache_free(&(*cp)->cache);
	mw_arena_free(&(*cp)->rec_arena);
	free((*cp)->rec_table);
	free(*cp);
	*cp = NULL;
}

/* --- helpers -------------------------------------------------------- */

/* 4.3: a domain check_host() can look up: labels of 1-63 octets, at least
 * two of them, at most 253 characters.  Otherwise the result is none. */
static bool
valid_domain(const char *d)
{
	size_t len = strlen(d), lab = 0, nlab = 0;

	if (len > 0 && d[len - 1] == '.')
		len--;
	if (len == 0 || len > MW_SPF_DOMAIN_MAX || d[0] == '[')
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || d[i] == '.') {
			if (lab == 0 || lab > 63)
				return false;
			nlab++;
			lab = 0;
		} else if ((unsigned char)d[i] <= 0x20 ||
		           (unsigned char)d[i] >= 0x7f) {
			return false;
		} else {
			lab++;
		}
	}
	return nlab >= 2;
}

/* A target name from a mechanism: no empty or overlong label. */
static bool
valid_target(const char *d)
{
	size_t len = strlen(d), lab = 0;

	if (len > 0 && d[len - 1] == '.')
		len--;
	if (len == 0 || len > MW_SPF_DOMAIN_MAX)
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || d[i] == '.') {
			if (lab == 0 || lab > 63)
				return false;
			lab = 0;
		} else {
			lab++;
		}
	}
	return true;
}

static bool
cidr_match(const uint8_t *a, const uint8_t *b, int bits)
{
	int full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[full] ^ b[full]) & (0xff << (8 - rest))) == 0;
}

static bool
addr_match(const struct check *k, const struct mw_dns_rr *rr, int c4, int c6)
{
	if (k->mc.family == AF_INET)
		return rr->type == MW_DNS_T_A &&
		       cidr_match(rr->u.ip.addr, k->mc.ip, c4);
	return rr->type == MW_DNS_T_AAAA &&
	       cidr_match(rr->u.ip.addr, k->mc.ip, c6);
}

static const char *
status_why(struct check *k, const char *what, const char *name,
    const struct mw_dns_answer *ans)
{
	return mw_arena_printf(k->a, "DNS %s of %s: %s%s%s", what, name,
	    mw_dns_status_name(ans->status), ans->why ? ", " : "",
	    ans->why ? ans->why : "");
}

static void
finish(struct check *k, enum mw_spf_result res, const char *reason,
    const char *problem)
{
	struct mw_spf_outcome *o = k->o;

	if (k->finished)
		return;
	k->finished = true;
	o->result = res;
	if (reason != NULL && o->reason == NULL)
		o->reason = reason;
	if (problem != NULL && o->problem == NULL)
		o->problem = problem;
	/* Frames left open end with the result (errors cut through). */
	for (int i = k->sp; i >= 0; i--)
		if (k->st[i].step < o->npath &&
		    o->path[k->st[i].step].outcome == NULL)
			o->path[k->st[i].step].outcome =
			    mw_spf_result_name(res);
	k->done(k->ud, o);
}

/* Every resolver answer passes here when the checker keeps answers. */
static void
keep(void *ud, const struct mw_dns_answer *ans)
{
	struct q *q = ud;

	mw__spf_cache_put(q->k->c->cache, ans);
	q->cb(ud, ans);
}

/* A name for mw_dns_query: macros may put spaces or any octet into it
 * (RFC 7208 7.1 "%_"), written as RFC 1035 5.1 "\DDD" escapes. */
static const char *
qname(struct check *k, const char *name)
{
	char buf[MW_SPF_DOMAIN_MAX * 4 + 1];
	size_t n = 0;
	bool plain = true;

	for (const char *p = name; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    *p == '\\')
			plain = false;
	if (plain)
		return name;
	for (const unsigned char *p = (const unsigned char *)name;
	     *p && n + 5 < sizeof(buf); p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == '\\')
			n += (size_t)snprintf(
			    buf + n, sizeof(buf) - n, "\\%03u", *p);
		else
			buf[n++] = (char)*p;
	}
	buf[n] = '\0';
	return mw_arena_strdup(k->a, buf);
}

static int
query(struct check *k, const char *name, uint16_t type, mw_dns_cb cb, size_t i)
{
	struct q *q = mw_arena_alloc(k->a, sizeof(*q));

	if (q == NULL || (name = qname(k, name)) == NULL)
		return MW_ENOMEM;
	q->k = k;
	q->i = i;
	q->cb = cb;
	k->pending++;
	k->o->queries++;
	if (mw__spf_cache_get(k->c->cache, k->a, name, type, cb, q) == 0)
		return 0;
	if (mw_dns_query(k->c->dns, k->a, name, type, k->c->cache ? keep : cb,
	        q, NULL) != 0) {
		k->pending--;
		return MW_EINVAL;
	}
	return 0;
}

static struct mw_spf_macro_ctx *
ctx_for(struct check *k)
{
	k->mc.domain = k->st[k->sp].domain;
	return &k->mc;
}

static bool
needs_p(const char *spec)
{
	return spec != NULL &&
	       (strstr(spec, "%{p") != NULL || strstr(spec, "%{P") != NULL);
}

/* Void lookup (4.6.4): false when it was one too many (permerror). */
static bool
count_void(struct check *k, const char *name)
{
	if (++k->o->void_lookups > MW_SPF_VOID_MAX) {
		finish(k, MW_SPF_PERMERROR,
		    mw_arena_printf(k->a,
		        "more than %d void DNS lookups "
		        "(the last: %s)",
		        MW_SPF_VOID_MAX, name),
		    name);
		return false;
	}
	return true;
}

/* --- fetching a record (4.4, 4.5) --------------------------------- */

/* Parses a record, or finds it parsed before (with the cache). */
static int
parse_record(struct check *k, struct mw_spf_record **out, const char *text,
    size_t len, struct mw_err *err)
{
	struct mw_spf_checker *c = k->c;
	unsigned h = 2166136261u;
	struct prec *p;

	if (c->rec_table == NULL)
		return mw_spf_record_parse(
		    out, k->a, (const uint8_t *)text, len, err);
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)text[i]) * 16777619u;
	h %= REC_HASH;
	for (p = c->rec_table[h]; p != NULL; p = p->next)
		if (p->len == len && memcmp(p->text, text, len) == 0) {
			*out = p->rec;
			return 0;
		}
	if (c->nrec >= MW_SPF_CACHE_MAX ||
	    (p = mw_arena_alloc(c->rec_arena, sizeof(*p))) == NULL ||
	    mw_spf_record_parse(
	        &p->rec, c->rec_arena, (const uint8_t *)text, len, NULL) != 0)
		return mw_spf_record_parse(out, k->a, (const uint8_t *)text,
		    len, err); /* not kept: errors and a full store */
	p->text = p->rec->text;
	p->len = len;
	p->next = c->rec_table[h];
	c->rec_table[h] = p;
	c->nrec++;
	*out = p->rec;
	return 0;
}

static void
on_txt(void *ud, const struct mw_dns_answer *ans)
{
	struct q *q = ud;
	struct check *k = q->k;
	struct frame *f = &k->st[k->sp];
	const struct mw_dns_rr *rec = NULL;
	size_t nrec = 0;
	struct mw_err err;
	enum mw_spf_result none_res =
	    k->sp > 0 || f->redirected ? MW_SPF_PERMERROR : MW_SPF_NONE;

	k->pending--;
	if (mw_dns_status_is_temporary(ans->status)) {
		finish(k, MW_SPF_TEMPERROR,
		    status_why(k, "TXT lookup", f->domain, ans), f->domain);
		return;
	}
	for (size_t i = 0; i < ans->n; i++) {
		const struct mw_dns_rr *rr = &ans->rr[i];
		if (rr->type == MW_DNS_T_TXT &&
		    mw_spf_is_record((const uint8_t *)rr->u.txt.joined,
		        rr->u.txt.joined_len)) {
			rec = rr;
			nrec++;
		}
	}
	if (nrec == 0) {
		if (ans->status != MW_DNS_OK && k->sp > 0 &&
		    !count_void(k, f->domain))
			return;
		finish(k, none_res,
		    mw_arena_printf(k->a, "%s has no SPF record%s", f->domain,
		        ans->status == MW_DNS_NXDOMAIN ? " (no such domain)"
		                                       : ""),
		    f->domain);
		return;
	}
	if (nrec > 1) {
		/* 4.5: more than one record is permerror. */
		finish(k, MW_SPF_PERMERROR,
		    mw_arena_printf(k->a,
		        "%s publishes %zu SPF records; "
		        "there must be exactly one",
		        f->domain, nrec),
		    f->domain);
		return;
	}
	if (f->step < k->o->npath)
		k->o->path[f->step].record = mw_arena_strndup(
		    k->a, rec->u.txt.joined, rec->u.txt.joined_len);
	mw_err_clear(&err);
	if (parse_record(k, &f->rec, rec->u.txt.joined, rec->u.txt.joined_len,
	        &err) != 0) {
		finish(k, MW_SPF_PERMERROR,
		    mw_arena_printf(k->a,
		        "syntax error in the record of %s "
		        "at character %zu: %s",
		        f->domain, err.offset + 1, err.msg),
		    f->domain);
		return;
	}
	f->idx = 0;
	k->stage = ST_TERM;
	run(k);
}

static bool
push_step(struct check *k, struct frame *f, const char *via)
{
	struct mw_spf_outcome *o = k->o;
	struct mw_spf_step *s;

	if (o->npath == k->path_cap) {
		size_t cap = k->path_cap ? k->path_cap * 2 : 4;
		struct mw_spf_step *n;
		if (cap > MW_SPF_PATH_MAX) {
			f->step = SIZE_MAX;
			return true;
		}
		if ((n = mw_arena_calloc(k->a, cap, sizeof(*n))) == NULL)
			return false;
		if (o->npath)
			memcpy(n, o->path, o->npath * sizeof(*n));
		o->path = n;
		k->path_cap = cap;
	}
	f->step = o->npath;
	s = &o->path[o->npath++];
	s->depth = f->depth;
	s->via = via;
	s->domain = f->domain;
	return true;
}

static void
fetch(struct check *k)
{
	struct frame *f = &k->st[k->sp];

	if (!push_step(k, f, f->via)) {
		finish(k, MW_SPF_TEMPERROR, "out of memory", NULL);
		return;
	}
	k->stage = ST_FETCH;
	if (query(k, f->domain, MW_DNS_T_TXT, on_txt, 0) != 0)
		finish(k,
		    k->sp > 0 || f->redirected ? MW_SPF_PERMERROR : MW_SPF_NONE,
		    mw_arena_printf(
		        k->a, "%s is not a valid domain name", f->domain),
		    f->domain);
}

/* --- %{p} (7.3, 5.5) --------------------------------------------- */

static void p_start(struct check *k);

static const char *
reverse_name(struct check *k)
{
	const uint8_t *ip = k->mc.ip;
	char buf[80];
	size_t n = 0;

	if (k->mc.family == AF_INET)
		return mw_arena_printf(k->a, "%u.%u.%u.%u.in-addr.arpa", ip[3],
		    ip[2], ip[1], ip[0]);
	for (int i = 15; i >= 0; i--)
		n += (size_t)snprintf(
		    buf + n, sizeof(buf) - n, "%x.%x.", ip[i] & 15, ip[i] >> 4);
	return mw_arena_printf(k->a, "%sip6.arpa", buf);
}

/* --- terms ---------------------------------------------------------- */

static void term_answered(struct check *k);

static void
on_addr(void *ud, const struct mw_dns_answer *ans)
{
	struct q *q = ud;
	struct check *k = q->k;
	const struct mw_spf_term *t =
	    k->stage == ST_TERM ? &k->st[k->sp].rec->terms[k->st[k->sp].idx]
	                        : NULL;
	bool ptrish = k->stage == ST_P || (t && t->kind == MW_SPF_PTR);

	k->pending--;
	if (mw_dns_status_is_temporary(ans->status)) {
		/* 5.5: ptr skips a name whose address lookup fails. */
		if (!ptrish && !k->temp) {
			k->temp = true;
			k->temp_why =
			    status_why(k, "address lookup", ans->qname, ans);
		}
	} else {
		for (size_t i = 0; i < ans->n; i++) {
			if (ptrish) {
				if (addr_match(k, &ans->rr[i],
				        k->mc.family == AF_INET ? 32 : 0,
				        k->mc.family == AF_INET6 ? 128 : 0))
					k->valid[q->i] = true;
			} else if (addr_match(
			               k, &ans->rr[i], t->cidr4, t->cidr6)) {
				k->matched = true;
			}
		}
	}
	if (k->pending == 0)
		term_answered(k);
}

static uint16_t
addr_type(const struct check *k)
{
	return k->mc.family == AF_INET ? MW_DNS_T_A : MW_DNS_T_AAAA;
}

/* Asks the addresses of k->names[0..nnames). */
static void
ask_addresses(struct check *k)
{
	/* Answers never come back inside mw_dns_query (dns.h), so pending
	 * only falls once every query is out; a name that cannot be asked
	 * has no address. */
	for (size_t i = 0; i < k->nnames; i++)
		(void)query(k, k->names[i], addr_type(k), on_addr, i);
	if (k->pending == 0)
		term_answered(k);
}

static void
on_names(void *ud, const struct mw_dns_answer *ans)
{
	struct q *q = ud;
	struct check *k = q->k;
	const struct mw_spf_term *t =
	    k->stage == ST_TERM ? &k->st[k->sp].rec->terms[k->st[k->sp].idx]
	                        : NULL;
	bool mx = t != NULL && t->kind == MW_SPF_MX;
	size_t n = 0;

	k->pending--;
	if (mw_dns_status_is_temporary(ans->status)) {
		if (mx) {
			finish(k, MW_SPF_TEMPERROR,
			    status_why(k, "MX lookup", ans->qname, ans),
			    ans->qname);
			return;
		}
		term_answered(k); /* 5.5: ptr does not match */
		return;
	}
	if (ans->status != MW_DNS_OK || ans->n == 0) {
		if (k->stage == ST_TERM && !count_void(k, ans->qname))
			return;
		term_answered(k);
		return;
	}
	if (mx) {
		for (size_t i = 0; i < ans->n; i++)
			if (ans->rr[i].type == MW_DNS_T_MX)
				n++;
		if (n > MW_SPF_NAMES_MAX) {
			finish(k, MW_SPF_PERMERROR,
			    mw_arena_printf(k->a,
			        "%s has %zu MX records; "
			        "an mx term may use at most %d",
			        ans->qname, n, MW_SPF_NAMES_MAX),
			    ans->qname);
			return;
		}
	}
	k->names = mw_arena_calloc(k->a, MW_SPF_NAMES_MAX, sizeof(*k->names));
	k->valid = mw_arena_calloc(k->a, MW_SPF_NAMES_MAX, sizeof(*k->valid));
	if (k->names == NULL || k->valid == NULL) {
		finish(k, MW_SPF_TEMPERROR, "out of memory", NULL);
		return;
	}
	k->nnames = 0;
	for (size_t i = 0; i < ans->n && k->nnames < MW_SPF_NAMES_MAX; i++) {
		const struct mw_dns_rr *rr = &ans->rr[i];
		if (mx && rr->type == MW_DNS_T_MX && rr->u.mx.host[0])
			k->names[k->nnames++] = rr->u.mx.host;
		else if (!mx && rr->type == MW_DNS_T_PTR)
			k->names[k->nnames++] = rr->u.name;
	}
	k->o->mx_ptr_addr_lookups += (unsigned)k->nnames;
	if (k->c->opts.strict_mx_count && k->stage == ST_TERM) {
		k->o->lookups += (unsigned)k->nnames;
		if (k->o->lookups > MW_SPF_LOOKUPS_MAX) {
			finish(k, MW_SPF_PERMERROR,
			    mw_arena_printf(k->a,
			        "more than %d DNS lookups, "
			        "counting the address lookups of mx and ptr",
			        MW_SPF_LOOKUPS_MAX),
			    ans->qname);
			return;
		}
	}
	ask_addresses(k);
}

static void
on_term(void *ud, const struct mw_dns_answer *ans)
{
	struct q *q = ud;
	struct check *k = q->k;
	const struct mw_spf_term *t =
	    &k->st[k->sp].rec->terms[k->st[k->sp].idx];

	k->pending--;
	if (mw_dns_status_is_temporary(ans->status)) {
		finish(k, MW_SPF_TEMPERROR,
		    status_why(k,
		        t->kind == MW_SPF_EXISTS ? "exists lookup"
		                                 : "address lookup",
		        ans->qname, ans),
		    ans->qname);
		return;
	}
	if (ans->status != MW_DNS_OK || ans->n == 0) {
		if (!count_void(k, ans->qname))
			return;
	}
	for (size_t i = 0; i < ans->n; i++) {
		if (t->kind == MW_SPF_EXISTS)
			k->matched |= ans->rr[i].type == MW_DNS_T_A;
		else if (addr_match(k, &ans->rr[i], t->cidr4, t->cidr6))
			k->matched = true;
	}
	term_answered(k);
}

static bool
name_within(const char *name, const char *domain)
{
	size_t n = strlen(name), d = strlen(domain);

	if (d > 0 && domain[d - 1] == '.')
		d--;
	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == d)
		return strncasecmp(name, domain, d) == 0;
	return n > d && name[n - d - 1] == '.' &&
	       strncasecmp(name + n - d, domain, d) == 0;
}

static void
p_answered(struct check *k)
{
	const char *dom = k->st[k->sp].domain, *first = NULL, *best = NULL;

	for (size_t i = 0; i < k->nnames; i++) {
		if (!k->valid[i])
			continue;
		if (first == NULL)
			first = k->names[i];
		if (best == NULL && name_within(k->names[i], dom))
			best = k->names[i];
	}
	k->mc.ptr_name = best ? best : first;
	k->pstate = 2;
	k->stage = k->p_resume;
	k->nnames = 0;
	run(k);
}

/* Every answer of the current term is in. */
static void
term_answered(struct check *k)
{
	struct frame *f = &k->st[k->sp];
	const struct mw_spf_term *t;

	if (k->finished)
		return;
	if (k->stage == ST_P) {
		p_answered(k);
		return;
	}
	t = &f->rec->terms[f->idx];
	if (k->temp) {
		finish(k, MW_SPF_TEMPERROR, k->temp_why, k->target);
		return;
	}
	if (t->kind == MW_SPF_PTR)
		for (size_t i = 0; i < k->nnames; i++)
			if (k->valid[i] && name_within(k->names[i], k->target))
				k->matched = true;
	if (k->matched) {
		frame_done(k, MW_SPF_PASS, t); /* the qualifier decides */
		return;
	}
	f->idx++;
	run(k);
}

static void
p_start(struct check *k)
{
	k->p_resume = k->stage;
	k->stage = ST_P;
	k->pstate = 1;
	k->nnames = 0;
	if (query(k, reverse_name(k), MW_DNS_T_PTR, on_names, 0) != 0)
		p_answered(k);
}

static enum mw_spf_result
qual_result(char q)
{
	switch (q) {
	case '-':
		return MW_SPF_FAIL;
	case '~':
		return MW_SPF_SOFTFAIL;
	case '?':
		return MW_SPF_NEUTRAL;
	}
	return MW_SPF_PASS;
}

/* Expands t's domain-spec (or takes d) into k->target; false when the
 * check has finished (an error). */
static bool
expand_target(struct check *k, const struct mw_spf_term *t)
{
	struct mw_err err;
	char *out;

	if (t->spec == NULL) {
		k->target = k->st[k->sp].domain;
		return true;
	}
	mw_err_clear(&err);
	if (mw_spf_macro_expand(&out, k->a, (const uint8_t *)t->spec,
	        t->spec_len, ctx_for(k), 0, &err) != 0) {
		finish(k,
		    err.code == MW_ENOMEM ? MW_SPF_TEMPERROR : MW_SPF_PERMERROR,
		    mw_arena_printf(
		        k->a, "cannot expand '%s': %s", t->text, err.msg),
		    t->text);
		return false;
	}
	k->target = out;
	return true;
}

/*
 * What every DNS-querying term (and redirect) does first: wait for the
 * %{p} lookup when its spec needs it, count the lookup against RFC 7208
 * 4.6.4's limit, expand the target.  false when the check stopped or is
 * waiting; it resumes or has finished by then.
 */
static bool
dns_term_start(struct check *k, struct frame *f, const struct mw_spf_term *t)
{
	if (needs_p(t->spec) && k->pstate != 2) {
		p_start(k);
		return false;
	}
	if (++k->o->lookups > MW_SPF_LOOKUPS_MAX) {
		finish(k, MW_SPF_PERMERROR,
		    mw_arena_printf(k->a,
		        "more than %d DNS lookups (at '%s' "
		        "in the record of %s)",
		        MW_SPF_LOOKUPS_MAX, t->text, f->domain),
		    t->text);
		return false;
	}
	return expand_target(k, t);
}

static void
eval_dns_term(struct check *k, struct frame *f, const struct mw_spf_term *t)
{
	if (!dns_term_start(k, f, t))
		return;
	k->matched = k->temp = false;
	k->nnames = 0;
	if (t->kind == MW_SPF_INCLUDE) {
		struct frame *n;
		if (k->sp + 1 >= MW_SPF_DEPTH_MAX) {
			finish(k, MW_SPF_PERMERROR, "includes nest too deep",
			    t->text);
			return;
		}
		n = &k->st[++k->sp];
		memset(n, 0, sizeof(*n));
		n->domain = k->target;
		n->via = t->text;
		n->depth = f->depth + 1;
		fetch(k);
		return;
	}
	if (!valid_target(k->target)) {
		/* Nothing can exist under a malformed name: a void lookup. */
		if (count_void(k, k->target)) {
			f->idx++;
			run(k);
		}
		return;
	}
	switch (t->kind) {
	case MW_SPF_A:
		if (query(k, k->target, addr_type(k), on_term, 0) == 0)
			return;
		break;
	case MW_SPF_EXISTS:
		/* 5.7: always an A query, whatever the client's family. */
		if (query(k, k->target, MW_DNS_T_A, on_term, 0) == 0)
			return;
		break;
	case MW_SPF_MX:
		if (query(k, k->target, MW_DNS_T_MX, on_names, 0) == 0)
			return;
		break;
	case MW_SPF_PTR:
		if (query(k, reverse_name(k), MW_DNS_T_PTR, on_names, 0) == 0)
			return;
		break;
	default:
		break;
	}
	finish(k, MW_SPF_TEMPERROR, "a DNS query could not be sent", k->target);
}

static void
redirect(struct check *k, struct frame *f)
{
	const struct mw_spf_term *t = f->rec->redirect;
	const char *via = t->text;

	if (!dns_term_start(k, f, t))
		return;
	if (f->step < k->o->npath)
		k->o->path[f->step].outcome = "redirect";
	{
		unsigned depth = f->depth;
		memset(f, 0, sizeof(*f));
		f->depth = depth;
	}
	f->domain = k->target;
	f->via = via;
	f->redirected = true;
	if (!valid_domain(f->domain)) {
		finish(k, MW_SPF_PERMERROR,
		    mw_arena_printf(
		        k->a, "redirect to an invalid domain '%s'", f->domain),
		    via);
		return;
	}
	fetch(k);
}

/* Evaluates terms until one needs DNS or the record is done. */
static void
run(struct check *k)
{
	for (;;) {
		struct frame *f = &k->st[k->sp];
		const struct mw_spf_term *t;

		if (k->finished || k->pending > 0)
			return;
		if (k->stage != ST_TERM) {
			/* resumed after %{p}: the explanation */
			if (k->stage == ST_EXP)
				frame_done(k, MW_SPF_FAIL, NULL);
			else if (k->stage == ST_EXPTEXT)
				explain_text(k);
			return;
		}
		if (f->idx >= f->rec->n) {
			if (f->rec->redirect != NULL) {
				redirect(k, f);
				return;
			}
			frame_done(k, MW_SPF_NEUTRAL, NULL); /* 4.7 */
			return;
		}
		t = &f->rec->terms[f->idx];
		switch (t->kind) {
		case MW_SPF_ALL:
			frame_done(k, MW_SPF_PASS, t);
			return;
		case MW_SPF_IP4:
		case MW_SPF_IP6:
			if ((t->kind == MW_SPF_IP4) ==
			        (k->mc.family == AF_INET) &&
			    cidr_match(t->ip, k->mc.ip,
			        t->kind == MW_SPF_IP4 ? t->cidr4 : t->cidr6)) {
				frame_done(k, MW_SPF_PASS, t);
				return;
			}
			f->idx++;
			continue;
		case MW_SPF_INCLUDE:
		case MW_SPF_A:
		case MW_SPF_MX:
		case MW_SPF_PTR:
		case MW_SPF_EXISTS:
			eval_dns_term(k, f, t);
			return;
		default: /* modifiers are not evaluated in order (6) */
			f->idx++;
			continue;
		}
	}
}

/* --- the explanation (6.2) ------------------------------------------ */

static void
explain_text(struct check *k)
{
	struct mw_err err;
	char *out;

	if (mw_spf_macro_expand(&out, k->a, (const uint8_t *)k->exp_text,
	        k->exp_len, ctx_for(k), MW_SPF_MACRO_EXP, &err) == 0)
		k->o->explanation = out;
	finish(k, MW_SPF_FAIL, NULL, NULL);
}

static void
on_exp(void *ud, const struct mw_dns_answer *ans)
{
	struct q *q = ud;
	struct check *k = q->k;
	const struct mw_dns_rr *txt = NULL;
	size_t n = 0;

	k->pending--;
	if (ans->status == MW_DNS_OK)
		for (size_t i = 0; i < ans->n; i++)
			if (ans->rr[i].type == MW_DNS_T_TXT) {
				txt = &ans->rr[i];
				n++;
			}
	/* Exactly one TXT record, else no explanation (6.2). */
	if (n != 1) {
		finish(k, MW_SPF_FAIL, NULL, NULL);
		return;
	}
	k->exp_text = txt->u.txt.joined;
	k->exp_len = txt->u.txt.joined_len;
	k->stage = ST_EXPTEXT;
	if (memmem(k->exp_text, k->exp_len, "%{p", 3) != NULL ||
	    memmem(k->exp_text, k->exp_len, "%{P", 3) != NULL) {
		if (k->pstate != 2) {
			p_start(k);
			return;
		}
	}
	explain_text(k);
}

static void
explain(struct check *k)
{
	const struct mw_spf_term *t = k->st[0].rec->exp;
	struct mw_err err;
	char *target;

	k->stage = ST_EXP;
	if (needs_p(t->spec) && k->pstate != 2) {
		p_start(k);
		return;
	}
	mw_err_clear(&err);
	if (mw_spf_macro_expand(&target, k->a, (const uint8_t *)t->spec,
	        t->spec_len, ctx_for(k), 0, &err) != 0 ||
	    !valid_target(target) ||
	    query(k, target, MW_DNS_T_TXT, on_exp, 0) != 0)
		finish(k, MW_SPF_FAIL, NULL, NULL);
}

/* The record of the top frame decided res (t the term, NULL default). */
static void
frame_done(struct check *k, enum mw_spf_result res, const struct mw_spf_term *t)
{
	struct frame *f = &k->st[k->sp];
	struct mw_spf_outcome *o = k->o;

	if (k->stage == ST_EXP) {
		explain(k);
		return;
	}
	if (t != NULL)
		res = qual_result(t->qualifier);
	if (f->step < o->npath) {
		o->path[f->step].outcome = mw_spf_result_name(res);
		o->path[f->step].matched = t ? t->text : "default";
	}
	if (k->sp == 0) {
		o->mechanism = t ? t->text : "default";
		o->mech_domain = f->domain;
		if (res == MW_SPF_FAIL && f->rec != NULL &&
		    f->rec->exp != NULL) {
			explain(k);
			return;
		}
		finish(k, res, NULL, NULL);
		return;
	}
	/* 5.2: the include's result decides whether it matched. */
	k->sp--;
	f = &k->st[k->sp];
	t = &f->rec->terms[f->idx];
	if (res == MW_SPF_PASS) {
		frame_done(k, MW_SPF_PASS, t);
		return;
	}
	f->idx++;
	run(k);
}

/* --- the entry point -------------------------------------------------- */

int
mw_spf_check(struct mw_spf_checker *c, struct mw_arena *a,
    const struct mw_spf_query *qy, mw_spf_done_fn done, void *ud,
    struct mw_err *err)
{
	struct check *k;
	struct mw_spf_outcome *o;
	const char *sender = qy->sender ? qy->sender : "", *at, *dom;
	uint8_t ip[16];

	if ((k = mw_arena_alloc(a, sizeof(*k))) == NULL ||
	    (o = mw_arena_alloc(a, sizeof(*o))) == NULL)
		return mw_err_set(
		    err, MW_ENOMEM, "spf", SIZE_MAX, "arena full");
	k->c = c;
	k->a = a;
	k->o = o;
	k->done = done;
	k->ud = ud;
	k->sp = 0;
	if (qy->ip != NULL && inet_pton(AF_INET, qy->ip, ip) == 1) {
		k->mc.family = AF_INET;
		memcpy(k->mc.ip, ip, 4);
	} else if (qy->ip != NULL && inet_pton(AF_INET6, qy->ip, ip) == 1) {
		static const uint8_t mapped[12] = {
		    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (memcmp(ip, mapped, 12) == 0) {
			k->mc.family = AF_INET;
			memcpy(k->mc.ip, ip + 12, 4);
		} else {
			k->mc.family = AF_INET6;
			memcpy(k->mc.ip, ip, 16);
		}
	} else {
		return mw_err_set(err, MW_EINVAL, "spf", SIZE_MAX,
		    "'%s' is not an IP address", qy->ip ? qy->ip : "");
	}
	k->mc.helo = qy->helo ? qy->helo : "";
	k->mc.receiver = qy->receiver;
	k->mc.now = c->opts.now ? c->opts.now : (int64_t)time(NULL);
	/* 2.3, 4.3: the null sender is postmaster@helo. */
	if ((at = strrchr(sender, '@')) != NULL) {
		k->mc.local =
		    mw_arena_strndup(a, sender, (size_t)(at - sender));
		dom = at + 1;
		o->identity = "mailfrom";
	} else if (sender[0] != '\0') {
		k->mc.local = "postmaster";
		dom = sender;
		o->identity = "mailfrom";
	} else {
		k->mc.local = "postmaster";
		dom = k->mc.helo;
		o->identity = "helo";
	}
	if (k->mc.local == NULL || k->mc.local[0] == '\0')
		k->mc.local = "postmaster";
	k->mc.sender_domain = dom;
	k->mc.sender = mw_arena_printf(a, "%s@%s", k->mc.local, dom);
	if (qy->domain != NULL)
		dom = qy->domain;
	o->domain = mw_arena_strdup(a, dom);
	if (k->mc.sender == NULL || o->domain == NULL)
		return mw_err_set(
		    err, MW_ENOMEM, "spf", SIZE_MAX, "arena full");
	if (!valid_domain(dom)) {
		/* 4.3: a malformed domain gives none, without DNS. */
		o->result = MW_SPF_NONE;
		o->reason = mw_arena_printf(a,
		    "'%s' is not a domain that "
		    "can have an SPF record",
		    dom);
		done(ud, o);
		return 0;
	}
	k->st[0].domain = o->domain;
	fetch(k);
	return 0;
}
