/*
 * check.c - the diagnosis of one address (see addr_check.h).
 *
 * Syntax, typo and list findings come first and need nothing but the
 * input.  The domain evidence follows RFC 5321 5.1: the MX records (RFC
 * 7505 null MX means "no mail"), else the domain's own address records
 * (implicit MX), then each MX host's A/AAAA records, whether the host is
 * an alias (RFC 2181 10.3) or an IP literal, and whether its addresses are
 * reachable from the Internet (RFC 6890).
 *
 * The evidence for a domain is gathered once and kept in a cache of at
 * most MW_ADDR_DOMAIN_CACHE_MAX domains; addresses arriving while their
 * domain is being looked up wait on it.  Each domain entry owns an arena,
 * freed when the entry is evicted.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailwhy/addr.h"
#include "mailwhy/addr_check.h"
#include "mailwhy/ip.h"
#include "mailwhy/kb.h"
#include "mailwhy/typo.h"
#include "util/limits.h"

/* A finding about the domain, replayed into every address report. */
struct dfinding {
	enum mw_finding_id id;
	const char *subject, *evidence, *args[3];
};

struct host {
	const char *name;
	uint16_t pref;
	bool ip_literal;
	bool cname_seen;
	enum mw_dns_status st[2]; /* A, AAAA */
	bool answered[2];
	bool usable;  /* has an address senders can use */
	bool unknown; /* a lookup failed temporarily */
	bool has_addr;
	const char *addrs[MW_ADDR_HOST_ADDRS_MAX]; /* for domain checks */
	size_t naddrs;
};

struct waiter {
	struct mw_report *r;
	const char *local;
	struct mw_typo typo;
	mw_addr_done_fn done;
	mw_addr_domain_fn ddone; /* set: a domain check, not an address */
	void *ud;
	struct waiter *next;
};

enum outcome {
	ACCEPTS, /* some route for mail exists */
	NO_MAIL, /* DNS says mail cannot be delivered */
	UNKNOWN  /* could not tell */
};

struct domain {
	struct domain *next; /* hash chain */
	struct mw_addr_checker *chk;
	struct mw_arena *arena;
	const char *name;
	bool done;
	enum outcome outcome;
	const char *dnssec;
	const char *mx_list;
	struct dfinding *f;
	size_t nf, fcap;
	struct host *hosts;
	size_t nhosts;
	bool implicit;
	unsigned pending;
	struct waiter *waiters;
};

#define HASH_SIZE 4096

struct mw_addr_checker {
	struct mw_dns *dns;
	struct mw_addr_check_opts opts;
	/* Bulk lists repeat domains: their IDNA result and typo verdict are
	 * kept per domain, bounded (limits.h), as the evidence below is. */
	struct mw_addr_memo *idna;
	struct mw_typo_memo *typos;
	struct domain *table[HASH_SIZE];
	unsigned long ndomains, lookups, hits;
};

static unsigned
hash(const char *s)
{
	unsigned h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % HASH_SIZE;
}

int
mw_addr_checker_new(struct mw_addr_checker **out, struct mw_dns *dns,
    const struct mw_addr_check_opts *opts, struct mw_err *err)
{
	struct mw_addr_checker *c;

	*out = NULL;
	if (dns == NULL && !(opts && opts->offline))
		return mw_err_set(err, MW_EINVAL, "addr", SIZE_MAX,
		    "a resolver is needed unless offline");
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return mw_err_set(
		    err, MW_ENOMEM, "addr", SIZE_MAX, "out of memory");
	if (mw_addr_memo_new(&c->idna) != 0 ||
	    mw_typo_memo_new(&c->typos, NULL) != 0) {
		mw_addr_memo_free(&c->idna);
		free(c);
		return mw_err_set(
		    err, MW_ENOMEM, "addr", SIZE_MAX, "out of memory");
	}
	c->dns = dns;
	if (opts)
		c->opts = *opts;
	*out = c;
	return 0;
}

static void
domain_free(struct domain *d)
{
	mw_arena_free(&d->arena);
	free(d);
}

void
mw_addr_checker_free(struct mw_addr_checker **cp)
{
	struct mw_addr_checker *c;

	if (cp == NULL || (c = *cp) == NULL)
		return;
	for (size_t i = 0; i < HASH_SIZE; i++) {
		struct domain *d, *next;
		for (d = c->table[i]; d != NULL; d = next) {
			next = d->next;
			domain_free(d);
		}
	}
	mw_addr_memo_free(&c->idna);
	mw_typo_memo_free(&c->typos);
	free(c);
	*cp = NULL;
}

void
mw_addr_checker_stats(const struct mw_addr_checker *c, unsigned long *domains,
    unsigned long *cache_hits)
{
	if (domains)
		*domains = c->lookups;
	if (cache_hits)
		*cache_hits = c->hits;
}

/* Drops every finished domain: keeps memory bounded on huge lists. */
static void
evict_done(struct mw_addr_checker *c)
{
	for (size_t i = 0; i < HASH_SIZE; i++) {
		struct domain **pp = &c->table[i];
		while (*pp != NULL) {
			struct domain *d = *pp;
			if (d->done) {
				*pp = d->next;
				domain_free(d);
				c->ndomains--;
			} else {
				pp = &d->next;
			}
		}
	}
}

static void
dfind(struct domain *d, enum mw_finding_id id, const char *subject,
    const char *evidence, const char *a1, const char *a2, const char *a3)
{
	struct dfinding *f;

	for (size_t i = 0; i < d->nf; i++)
		if (d->f[i].id == id && d->f[i].subject && subject &&
		    strcmp(d->f[i].subject, subject) == 0)
			return; /* once per subject: A and AAAA agree */
	if (d->nf == d->fcap) {
		size_t cap = d->fcap ? d->fcap * 2 : 8;
		struct dfinding *n;
		if (cap > MW_REPORT_FINDINGS_MAX)
			return;
		if ((n = mw_arena_calloc(d->arena, cap, sizeof(*n))) == NULL)
			return;
		if (d->nf)
			memcpy(n, d->f, d->nf * sizeof(*n));
		d->f = n;
		d->fcap = cap;
	}
	f = &d->f[d->nf++];
	f->id = id;
	f->subject = mw_arena_strdup(d->arena, subject);
	f->evidence = mw_arena_strdup(d->arena, evidence);
	f->args[0] = mw_arena_strdup(d->arena, a1);
	f->args[1] = mw_arena_strdup(d->arena, a2);
	f->args[2] = mw_arena_strdup(d->arena, a3);
}

/* --- finishing one address ---------------------------------------- */

static bool
typo_applies(const struct mw_typo *t)
{
	return (t->kind == MW_TYPO_PROVIDER || t->kind == MW_TYPO_TLD) &&
	       !t->domain_known && t->suggestion != NULL;
}

static const char *
suggested(struct mw_report *r, const char *local, const struct mw_typo *t)
{
	return mw_arena_printf(r->arena, "%s@%s", local, t->suggestion);
}

/*
 * The typo verdict needs the domain's fate: a near-miss of a provider that
 * itself receives mail is a real domain, not a typo.
 */
static void
apply_typo(struct mw_report *r, const char *local, const struct mw_typo *t,
    const char *domain, enum outcome o, bool dns_used)
{
	const char *s;

	if (t->kind == MW_TYPO_SQUAT && t->suggestion != NULL) {
		s = suggested(r, local, t);
		mw_report_add(r, MW_F_ADDR_TYPOSQUAT, domain, NULL, s, domain,
		    t->suggestion);
		mw_report_set_str(r, "suggestion", s);
		return;
	}
	if (!typo_applies(t))
		return;
	s = suggested(r, local, t);
	if (dns_used && o == NO_MAIL) {
		mw_report_add(
		    r, MW_F_ADDR_TYPO, domain, NULL, s, domain, t->suggestion);
	} else if (!dns_used || o == UNKNOWN) {
		mw_report_add(r, MW_F_ADDR_TYPO_POSSIBLE, domain, NULL, s,
		    domain, t->suggestion);
	} else {
		return; /* the look-alike receives mail: leave it be */
	}
	mw_report_set_str(r, "suggestion", s);
}

static void
finish_domain_check(struct waiter *w, const struct domain *d)
{
	struct mw_report *r = w->r;
	struct mw_addr_mx_host *hosts;
	size_t n = 0;

	for (size_t i = 0; i < d->nf; i++) {
		const struct dfinding *f = &d->f[i];
		mw_report_add(r, f->id, f->subject, f->evidence, f->args[0],
		    f->args[1], f->args[2]);
	}
	mw_report_set_str(r, "mx", d->mx_list);
	mw_report_set_str(r, "mx_dnssec", d->dnssec);
	hosts = mw_arena_calloc(r->arena, d->nhosts ? d->nhosts : 1,
	    sizeof(*hosts));
	for (size_t i = 0; hosts != NULL && i < d->nhosts; i++) {
		const struct host *h = &d->hosts[i];
		const char **addrs = mw_arena_calloc(r->arena,
		    h->naddrs ? h->naddrs : 1, sizeof(*addrs));
		if (addrs == NULL)
			break;
		for (size_t k = 0; k < h->naddrs; k++)
			addrs[k] = mw_arena_strdup(r->arena, h->addrs[k]);
		hosts[n].name = mw_arena_strdup(r->arena, h->name);
		hosts[n].pref = h->pref;
		hosts[n].addrs = addrs;
		hosts[n].naddrs = h->naddrs;
		n++;
	}
	w->ddone(w->ud, r, hosts, n, d->outcome == ACCEPTS,
	    d->outcome == UNKNOWN);
}

static void
finish_with_domain(struct waiter *w, const struct domain *d)
{
	struct mw_report *r = w->r;

	if (w->ddone != NULL) {
		finish_domain_check(w, d);
		return;
	}

	/* The suggestion first: it is what the sender acts on. */
	apply_typo(r, w->local, &w->typo, d->name, d->outcome, true);
	for (size_t i = 0; i < d->nf; i++) {
		const struct dfinding *f = &d->f[i];
		mw_report_add(r, f->id, f->subject, f->evidence, f->args[0],
		    f->args[1], f->args[2]);
	}
	mw_report_set_str(
	    r, "dns", d->outcome == UNKNOWN ? "incomplete" : "checked");
	mw_report_set_str(r, "dnssec", d->dnssec);
	mw_report_set_str(r, "mx", d->mx_list);
	mw_report_set_bool(r, "deliverable",
	    d->outcome == ACCEPTS && mw_report_fact(r, "valid")->b);
	w->done(w->ud, r);
}

/* --- the domain evidence ------------------------------------------ */

static void domain_settle(struct domain *d);

static const char *
status_text(enum mw_dns_status st)
{
	return mw_dns_status_name(st);
}

/* Temporary DNS trouble for name: a finding that says we could not tell. */
static void
dns_trouble(struct domain *d, const char *name, const struct mw_dns_answer *a)
{
	switch (a->status) {
	case MW_DNS_TIMEOUT:
		dfind(d, MW_F_DNS_TIMEOUT, name, status_text(a->status), name,
		    NULL, NULL);
		break;
	case MW_DNS_BOGUS:
		dfind(d, MW_F_DNS_BOGUS, name, a->why_bogus, name,
		    a->why_bogus ? a->why_bogus : "", NULL);
		break;
	default:
		dfind(d, MW_F_DNS_SERVFAIL, name,
		    a->why ? a->why : status_text(a->status), name, NULL, NULL);
	}
}

struct hostq {
	struct domain *d;
	size_t host;
	int fam; /* 0 = A, 1 = AAAA */
};

static void
classify_addr(struct domain *d, struct host *h, const struct mw_dns_rr *rr)
{
	enum mw_ip_class cls = mw_ip_classify(rr->u.ip.addr, rr->u.ip.family);
	const char *txt = rr->u.ip.text;

	h->has_addr = true;
	if (h->naddrs < MW_ADDR_HOST_ADDRS_MAX)
		h->addrs[h->naddrs++] = mw_arena_strdup(d->arena, txt);
	if (cls == MW_IP_PUBLIC || d->chk->opts.allow_private ||
	    (cls == MW_IP_DOCUMENTATION && rr->u.ip.family == AF_INET &&
	        d->chk->opts.lab_nets)) {
		h->usable = true;
		return;
	}
	switch (cls) {
	case MW_IP_PRIVATE:
		dfind(
		    d, MW_F_ADDR_MX_PRIVATE, h->name, txt, h->name, txt, NULL);
		break;
	case MW_IP_LOOPBACK:
		dfind(
		    d, MW_F_ADDR_MX_LOOPBACK, h->name, txt, h->name, txt, NULL);
		break;
	default:
		dfind(
		    d, MW_F_ADDR_MX_RESERVED, h->name, txt, h->name, txt, NULL);
	}
}

static void
on_host_addr(void *ud, const struct mw_dns_answer *a)
{
	struct hostq *q = ud;
	struct domain *d = q->d;
	struct host *h = &d->hosts[q->host];

	h->st[q->fam] = a->status;
	h->answered[q->fam] = true;
	if (a->status == MW_DNS_OK || a->status == MW_DNS_NODATA) {
		if (a->ncname > 0 && !h->cname_seen && !d->implicit) {
			h->cname_seen = true;
			dfind(d, MW_F_ADDR_MX_CNAME, h->name, a->canonname,
			    h->name, a->canonname, NULL);
		}
		for (size_t i = 0; i < a->n; i++)
			if (a->rr[i].type ==
			    (q->fam ? MW_DNS_T_AAAA : MW_DNS_T_A))
				classify_addr(d, h, &a->rr[i]);
	} else if (mw_dns_status_is_temporary(a->status)) {
		h->unknown = true;
		dns_trouble(d, h->name, a);
	}
	if (--d->pending == 0)
		domain_settle(d);
}

static void
query_host(struct domain *d, size_t i)
{
	for (int fam = 0; fam < 2; fam++) {
		struct hostq *q = mw_arena_alloc(d->arena, sizeof(*q));
		if (q == NULL) {
			d->hosts[i].unknown = true;
			continue;
		}
		q->d = d;
		q->host = i;
		q->fam = fam;
		d->pending++;
		if (mw_dns_query(d->chk->dns, d->arena, d->hosts[i].name,
		        fam ? MW_DNS_T_AAAA : MW_DNS_T_A, on_host_addr, q,
		        NULL) != 0) {
			d->pending--;
			d->hosts[i].unknown = true;
		}
	}
}

static bool
looks_like_ip(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 ||
	       inet_pton(AF_INET6, s, buf) == 1;
}

static int
by_pref(const void *a, const void *b)
{
	const struct host *x = a, *y = b;

	return (int)x->pref - (int)y->pref;
}

static void
on_mx(void *ud, const struct mw_dns_answer *a)
{
	struct domain *d = ud;
	size_t n = 0, nulls = 0;
	struct mw_buf list;

	d->dnssec = a->dnssec == MW_DNSSEC_SECURE  ? "secure"
	            : a->dnssec == MW_DNSSEC_BOGUS ? "bogus"
	                                           : "insecure";
	switch (a->status) {
	case MW_DNS_OK:
		break;
	case MW_DNS_NXDOMAIN:
		dfind(d, MW_F_ADDR_DOMAIN_NXDOMAIN, d->name, "NXDOMAIN",
		    d->name, NULL, NULL);
		d->outcome = NO_MAIL;
		domain_settle(d);
		return;
	case MW_DNS_NODATA:
		/* RFC 5321 5.1: no MX, so the domain itself is the host. */
		d->implicit = true;
		d->hosts = mw_arena_calloc(d->arena, 1, sizeof(*d->hosts));
		if (d->hosts == NULL) {
			d->outcome = UNKNOWN;
			domain_settle(d);
			return;
		}
		d->hosts[0].name = d->name;
		d->nhosts = 1;
		query_host(d, 0);
		if (d->pending == 0)
			domain_settle(d);
		return;
	default:
		dns_trouble(d, d->name, a);
		d->outcome = UNKNOWN;
		domain_settle(d);
		return;
	}
	for (size_t i = 0; i < a->n; i++)
		if (a->rr[i].type == MW_DNS_T_MX) {
			n++;
			if (a->rr[i].u.mx.host[0] == '\0')
				nulls++;
		}
	if (nulls > 0 && nulls == n) {
		/* RFC 7505 3: a lone "MX 0 ." says no mail. */
		dfind(d, MW_F_ADDR_DOMAIN_NULL_MX, d->name, "MX 0 .", d->name,
		    NULL, NULL);
		d->outcome = NO_MAIL;
		d->mx_list = ".";
		domain_settle(d);
		return;
	}
	d->hosts = mw_arena_calloc(d->arena, n ? n : 1, sizeof(*d->hosts));
	if (d->hosts == NULL) {
		d->outcome = UNKNOWN;
		domain_settle(d);
		return;
	}
	for (size_t i = 0; i < a->n; i++) {
		const struct mw_dns_rr *rr = &a->rr[i];
		if (rr->type != MW_DNS_T_MX || rr->u.mx.host[0] == '\0')
			continue;
		d->hosts[d->nhosts].name = rr->u.mx.host;
		d->hosts[d->nhosts].pref = rr->u.mx.pref;
		d->nhosts++;
	}
	qsort(d->hosts, d->nhosts, sizeof(*d->hosts), by_pref);
	if (d->nhosts > MW_MX_HOSTS_MAX) {
		char num[16];
		snprintf(num, sizeof(num), "%d", MW_MX_HOSTS_MAX);
		dfind(d, MW_F_ADDR_MX_TOO_MANY, d->name, NULL, num, NULL, NULL);
		d->nhosts = MW_MX_HOSTS_MAX;
	}
	mw_buf_init(&list, 4096);
	for (size_t i = 0; i < d->nhosts; i++)
		mw_buf_printf(&list, "%s%u %s", i ? ", " : "", d->hosts[i].pref,
		    d->hosts[i].name);
	d->mx_list = mw_arena_strdup(d->arena, mw_buf_cstr(&list));
	mw_buf_release(&list);
	for (size_t i = 0; i < d->nhosts; i++) {
		struct host *h = &d->hosts[i];
		if (looks_like_ip(h->name)) {
			h->ip_literal = true;
			dfind(d, MW_F_ADDR_MX_IP_LITERAL, h->name, h->name,
			    h->name, d->name, NULL);
			continue;
		}
		query_host(d, i);
	}
	if (d->pending == 0)
		domain_settle(d);
}

/* All answers are in: decide, then hand the evidence to the waiters. */
static void
domain_settle(struct domain *d)
{
	bool any_usable = false, any_unknown = false;
	struct waiter *w, *next;

	if (d->done)
		return;
	if (d->nhosts > 0) {
		for (size_t i = 0; i < d->nhosts; i++) {
			struct host *h = &d->hosts[i];
			any_usable |= h->usable;
			any_unknown |= h->unknown;
			if (h->ip_literal || h->unknown || h->has_addr ||
			    d->implicit)
				continue;
			dfind(d, MW_F_ADDR_MX_NO_ADDRESS, h->name,
			    mw_arena_printf(d->arena, "A: %s, AAAA: %s",
			        status_text(h->st[0]), status_text(h->st[1])),
			    h->name,
			    mw_arena_printf(d->arena, "A: %s, AAAA: %s",
			        status_text(h->st[0]), status_text(h->st[1])),
			    NULL);
		}
		if (d->implicit) {
			if (any_usable || d->hosts[0].has_addr)
				dfind(d, MW_F_ADDR_DOMAIN_IMPLICIT_MX, d->name,
				    NULL, d->name, NULL, NULL);
			else if (!any_unknown)
				dfind(d, MW_F_ADDR_DOMAIN_NO_MAIL, d->name,
				    "MX: nodata, A/AAAA: none", d->name, NULL,
				    NULL);
		} else if (!any_usable && !any_unknown) {
			dfind(d, MW_F_ADDR_MX_NONE_USABLE, d->name, NULL,
			    d->name, NULL, NULL);
		}
		d->outcome = any_usable    ? ACCEPTS
		             : any_unknown ? UNKNOWN
		                           : NO_MAIL;
	}
	d->done = true;
	for (w = d->waiters; w != NULL; w = next) {
		next = w->next;
		finish_with_domain(w, d);
		free(w);
	}
	d->waiters = NULL;
}

static struct domain *
domain_get(struct mw_addr_checker *c, const char *name, bool *created)
{
	unsigned h = hash(name);
	struct domain *d;

	*created = false;
	for (d = c->table[h]; d != NULL; d = d->next)
		if (strcmp(d->name, name) == 0)
			return d;
	if (c->ndomains >= MW_ADDR_DOMAIN_CACHE_MAX)
		evict_done(c);
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	if ((d->arena = mw_arena_new(MW_ADDR_DOMAIN_ARENA_CAP)) == NULL ||
	    (d->name = mw_arena_strdup(d->arena, name)) == NULL) {
		domain_free(d);
		return NULL;
	}
	d->chk = c;
	d->dnssec = "insecure";
	d->next = c->table[h];
	c->table[h] = d;
	c->ndomains++;
	*created = true;
	return d;
}

/* --- per address ----------------------------------------------------- */

static void
syntax_findings(struct mw_report *r, const struct mw_addr *a)
{
	struct mw_finding *f;
	char n[32], pos[32];

	switch (a->verdict) {
	case MW_ADDR_VALID:
	case MW_ADDR_UNWISE:
		break;
	case MW_ADDR_HEADER_ONLY:
		if ((f = mw_report_add(r, MW_F_ADDR_HEADER_ONLY, r->subject,
			 NULL, a->header_only_reason, NULL, NULL)) != NULL)
			f->tr_args = 1;
		return;
	case MW_ADDR_INVALID:
		snprintf(pos, sizeof(pos), "%zu", a->err_pos + 1);
		switch (a->err_code) {
		case MW_ADDR_E_EMPTY:
			mw_report_add(r, MW_F_ADDR_EMPTY, r->subject, NULL,
			    NULL, NULL, NULL);
			break;
		case MW_ADDR_E_LOCAL_TOO_LONG:
			snprintf(n, sizeof(n), "%zu", a->local_len);
			mw_report_add(r, MW_F_ADDR_LOCAL_TOO_LONG, r->subject,
			    NULL, n, NULL, NULL);
			break;
		case MW_ADDR_E_DOMAIN_TOO_LONG:
			snprintf(n, sizeof(n), "%zu", a->domain_len);
			mw_report_add(r, MW_F_ADDR_DOMAIN_TOO_LONG, r->subject,
			    NULL, n, NULL, NULL);
			break;
		case MW_ADDR_E_TOO_LONG:
			snprintf(n, sizeof(n), "%zu", a->total_len);
			mw_report_add(r, MW_F_ADDR_TOO_LONG, r->subject, NULL,
			    n, NULL, NULL);
			break;
		case MW_ADDR_E_IDN:
			f = mw_report_add(r, MW_F_ADDR_IDN_INVALID, r->subject,
			    mw_arena_printf(r->arena, "position %s", pos),
			    a->err_reason, NULL, NULL);
			if (f != NULL)
				f->tr_args = 1;
			break;
		default:
			f = mw_report_add(r, MW_F_ADDR_SYNTAX, r->subject,
			    mw_arena_printf(r->arena, "position %s", pos),
			    a->err_reason, pos, NULL);
			if (f != NULL)
				f->tr_args = 1;
		}
		return;
	}
	if (a->warnings & MW_ADDR_W_QUOTED)
		mw_report_add(r, MW_F_ADDR_QUOTED_LOCAL, r->subject, NULL, NULL,
		    NULL, NULL);
	if (a->warnings & MW_ADDR_W_IP_LITERAL)
		mw_report_add(r, MW_F_ADDR_IP_LITERAL, r->subject, NULL,
		    a->domain, NULL, NULL);
	if (a->warnings & MW_ADDR_W_COMMENT)
		mw_report_add(r, MW_F_ADDR_COMMENT, r->subject, NULL,
		    a->address, NULL, NULL);
	if (a->warnings & MW_ADDR_W_OBSOLETE)
		mw_report_add(r, MW_F_ADDR_OBSOLETE, r->subject, NULL,
		    a->address, NULL, NULL);
	if (a->warnings & MW_ADDR_W_SMTPUTF8)
		mw_report_add(
		    r, MW_F_ADDR_SMTPUTF8, r->subject, NULL, NULL, NULL, NULL);
	if (a->warnings & MW_ADDR_W_IDN)
		mw_report_add(r, MW_F_ADDR_IDN, a->domain, NULL,
		    a->domain_ascii, NULL, NULL);
}

int
mw_addr_check(struct mw_addr_checker *c, struct mw_report *r, const uint8_t *in,
    size_t len, mw_addr_done_fn done, void *ud)
{
	struct mw_addr a;
	struct mw_typo typo;
	struct domain *d;
	struct waiter *w;
	bool created;
	int rc;

	memset(&typo, 0, sizeof(typo));
	if ((rc = mw_addr_parse_memo(&a, r->arena, c->idna, in, len, 0,
	         NULL)) != 0)
		return rc;
	mw_report_set_bool(r, "valid", a.valid);
	mw_report_set_bool(r, "warning", a.warning);
	mw_report_set_str(r, "verdict", mw_addr_verdict_name(a.verdict));
	mw_report_set_str(r, "address", a.valid ? a.address : NULL);
	mw_report_set_str(r, "domain", a.valid ? a.domain_ascii : NULL);
	mw_report_set_str(r, "suggestion", NULL);
	syntax_findings(r, &a);
	if (a.valid && a.domain_ascii != NULL) {
		if (mw_kb_is_role(a.local))
			mw_report_add(r, MW_F_ADDR_ROLE, r->subject, NULL,
			    a.local, NULL, NULL);
		if (mw_kb_is_disposable(a.domain_ascii))
			mw_report_add(r, MW_F_ADDR_DISPOSABLE, a.domain_ascii,
			    NULL, a.domain_ascii, NULL, NULL);
		mw_typo_check_memo(&typo, c->typos, r->arena, a.domain_ascii,
		    a.domain_len);
	}
	if (!a.valid || a.domain_ascii == NULL || c->opts.offline) {
		if (a.valid && a.domain_ascii != NULL)
			apply_typo(
			    r, a.local, &typo, a.domain_ascii, UNKNOWN, false);
		mw_report_set_str(
		    r, "dns", a.valid && a.domain_ascii ? "skipped" : NULL);
		done(ud, r);
		return 0;
	}
	c->lookups++;
	if ((d = domain_get(c, a.domain_ascii, &created)) == NULL)
		return MW_ENOMEM;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return MW_ENOMEM;
	w->r = r;
	w->local = a.local;
	w->typo = typo;
	w->done = done;
	w->ud = ud;
	if (d->done) {
		c->hits++;
		finish_with_domain(w, d);
		free(w);
		return 0;
	}
	w->next = d->waiters;
	d->waiters = w;
	if (created) {
		/* The answer never comes back synchronously (dns.h), so
		 * the waiter above is in place when on_mx runs. */
		if (mw_dns_query(c->dns, d->arena, d->name, MW_DNS_T_MX, on_mx,
		        d, NULL) != 0) {
			d->outcome = UNKNOWN;
			dfind(d, MW_F_DNS_UNREACHABLE, d->name, NULL,
			    "query could not be sent", NULL, NULL);
			domain_settle(d);
		}
	} else {
		c->hits++;
	}
	return 0;
}

int
mw_addr_check_domain(struct mw_addr_checker *c, struct mw_report *r,
    const char *domain_ascii, mw_addr_domain_fn done, void *ud)
{
	struct domain *d;
	struct waiter *w;
	bool created;

	if (c->opts.offline || c->dns == NULL)
		return MW_EINVAL;
	c->lookups++;
	if ((d = domain_get(c, domain_ascii, &created)) == NULL)
		return MW_ENOMEM;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return MW_ENOMEM;
	w->r = r;
	w->ddone = done;
	w->ud = ud;
	if (d->done) {
		c->hits++;
		finish_with_domain(w, d);
		free(w);
		return 0;
	}
	w->next = d->waiters;
	d->waiters = w;
	if (created &&
	    mw_dns_query(c->dns, d->arena, d->name, MW_DNS_T_MX, on_mx, d,
		NULL) != 0) {
		d->outcome = UNKNOWN;
		dfind(d, MW_F_DNS_UNREACHABLE, d->name, NULL,
		    "query could not be sent", NULL, NULL);
		domain_settle(d);
	}
	return 0;
}
