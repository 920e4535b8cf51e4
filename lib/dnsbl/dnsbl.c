/*
 * dnsbl.c - DNS blocklist lookups and the validation of their answers
 * (RFC 5782; see dnsbl.h).
 *
 * An IPv4 address is looked up as its octets reversed under the zone
 * (RFC 5782 2.1), a domain as itself under the zone (2.2).  Every lookup
 * of every list runs at once.  The first MW_DNSBL_CODES_MAX A records of
 * an answer are judged; the worst judgement of one (target, list) pair
 * becomes one finding: listed (by category: spam, exploit, policy,
 * domain), refused, NXDOMAIN rewritten, or a bad code.  A REFUSED DNS
 * answer (lists that serve registered users only) is "refused" too.
 * Limits: MW_DNSBL_ZONES_MAX lists, MW_SENDING_IPS_MAX targets.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth/auth_int.h"
#include "kb/kb_domain.h"
#include "mailwhy/dnsbl.h"
#include "util/limits.h"

static const struct mw__kb_dnsbl_zone *
kb_zone(const char *zone)
{
	for (size_t i = 0; i < mw__kb_ndnsbl_zones; i++)
		if (strcasecmp(mw__kb_dnsbl_zones[i].zone, zone) == 0)
			return &mw__kb_dnsbl_zones[i];
	return NULL;
}

void
mw_dnsbl_judge(struct mw_dnsbl_judgement *out, const char *zone,
    bool domain_list, const uint8_t addr[4])
{
	const struct mw__kb_dnsbl_zone *z = kb_zone(zone);
	uint32_t v = (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 |
	    (uint32_t)addr[2] << 8 | addr[3];

	if (addr[0] != 127) {
		out->verdict = MW_DNSBL_REWRITTEN;
		out->category = MW_DNSBL_C_INVALID;
		out->meaning = "not a blocklist answer: the resolver rewrites "
		    "NXDOMAIN";
		return;
	}
	/* The list's own codes first: they may call 127.0.0.1 an error. */
	for (size_t i = 0; z != NULL && i < z->ncodes; i++) {
		const struct mw__kb_dnsbl_code *c =
		    &mw__kb_dnsbl_codes[z->first + i];
		if (v < c->lo || v > c->hi)
			continue;
		out->category = (enum mw_dnsbl_category)c->cat;
		out->meaning = c->meaning;
		out->verdict = c->cat == MW__KB_BL_REFUSED ? MW_DNSBL_REFUSED
		    : c->cat == MW__KB_BL_INVALID	   ? MW_DNSBL_INVALID
							   : MW_DNSBL_LISTED;
		return;
	}
	if (addr[1] == 255 && addr[2] == 255) {
		/* 127.255.255.0/24: the Spamhaus error convention. */
		out->verdict = MW_DNSBL_REFUSED;
		out->category = MW_DNSBL_C_REFUSED;
		out->meaning = "error code: the list refused to answer (public "
		    "resolver or too many queries)";
		return;
	}
	if (addr[1] == 0 && addr[2] == 0 && addr[3] >= 2 && addr[3] != 255) {
		/* RFC 5782 2.1: 127.0.0.2 and up are listings. */
		out->verdict = MW_DNSBL_LISTED;
		out->category = domain_list ? MW_DNSBL_C_DOMAIN
		    : MW_DNSBL_C_SPAM;
		out->meaning = "listed (a code the list's documentation here "
		    "does not explain)";
		return;
	}
	out->verdict = MW_DNSBL_INVALID;
	out->category = MW_DNSBL_C_INVALID;
	out->meaning = "not a listing code (RFC 5782 5 reserves 127.0.0.1)";
}

/* --- the lookups ---------------------------------------------------- */

struct list {
	const char *zone, *name, *delist;
	bool domain;
};

struct run {
	struct mw_report *r;
	struct mw_arena *a;
	struct list lists[MW_DNSBL_ZONES_MAX];
	size_t nlists;
	unsigned pending;
	/* per target: listed or refused somewhere */
	const char *targets[MW_SENDING_IPS_MAX + 1];
	bool bad[MW_SENDING_IPS_MAX + 1];
	bool asked[MW_SENDING_IPS_MAX + 1];
	bool is_domain[MW_SENDING_IPS_MAX + 1];
	size_t ntargets;
	mw_dnsbl_done_fn done;
	void *ud;
	struct mw_dnsbl_result res;
};

struct q {
	struct run *run;
	size_t list, target;
};

static int
severity(enum mw_dnsbl_verdict v)
{
	switch (v) {
	case MW_DNSBL_LISTED:
		return 4;
	case MW_DNSBL_REFUSED:
		return 3;
	case MW_DNSBL_REWRITTEN:
		return 2;
	case MW_DNSBL_INVALID:
		return 1;
	case MW_DNSBL_CLEAN:
		break;
	}
	return 0;
}

static void
finish(struct run *run)
{
	for (size_t t = 0; t < run->ntargets; t++) {
		struct mw_buf b;
		size_t n = 0;
		if (run->bad[t] || !run->asked[t])
			continue;
		mw_buf_init(&b, 4096);
		for (size_t i = 0; i < run->nlists; i++) {
			if (run->lists[i].domain != run->is_domain[t])
				continue;
			mw_buf_printf(&b, "%s%s", n++ ? ", " : "",
			    run->lists[i].zone);
		}
		if (n > 0)
			mw_report_add(run->r, MW_F_DNSBL_CLEAN,
			    run->targets[t], NULL, run->targets[t],
			    mw_arena_printf(run->a, "%zu", n), mw_buf_cstr(&b));
		mw_buf_release(&b);
	}
	run->done(run->ud, &run->res);
}

static void
on_answer(void *ud, const struct mw_dns_answer *a)
{
	struct q *q = ud;
	struct run *run = q->run;
	const struct list *l = &run->lists[q->list];
	const char *target = run->targets[q->target];
	struct mw_dnsbl_judgement worst = {MW_DNSBL_CLEAN, 0, NULL}, j;
	const char *code = NULL;
	size_t seen = 0;

	if (a->status == MW_DNS_OK) {
		for (size_t i = 0; i < a->n && seen < MW_DNSBL_CODES_MAX; i++) {
			if (a->rr[i].type != MW_DNS_T_A)
				continue;
			seen++;
			mw_dnsbl_judge(&j, l->zone, l->domain,
			    a->rr[i].u.ip.addr);
			if (severity(j.verdict) > severity(worst.verdict)) {
				worst = j;
				code = a->rr[i].u.ip.text;
			}
		}
	} else if (a->status == MW_DNS_REFUSED) {
		worst.verdict = MW_DNSBL_REFUSED;
		worst.meaning = "the list's servers refused the query "
		    "(registered users only, or this resolver is blocked)";
		code = "REFUSED";
	} else if (mw_dns_status_is_temporary(a->status)) {
		run->res.incomplete = true;
		run->bad[q->target] = true;
		mw__auth_dns_trouble(run->r, a->qname, a);
	}
	switch (worst.verdict) {
	case MW_DNSBL_LISTED: {
		enum mw_finding_id id = worst.category == MW_DNSBL_C_EXPLOIT
		    ? MW_F_DNSBL_LISTED_EXPLOIT
		    : worst.category == MW_DNSBL_C_POLICY
			? MW_F_DNSBL_LISTED_POLICY
		    : l->domain ? MW_F_DNSBL_LISTED_DOMAIN
				: MW_F_DNSBL_LISTED;
		run->res.listed++;
		run->bad[q->target] = true;
		mw_report_add(run->r, id, target,
		    mw_arena_printf(run->a, "%s A %s", a->qname, code), target,
		    mw_arena_printf(run->a, "%s (%s: %s)", l->name, code,
			worst.meaning), l->delist);
		break;
	}
	case MW_DNSBL_REFUSED:
		run->res.refused++;
		run->bad[q->target] = true;
		mw_report_add(run->r, MW_F_DNSBL_QUERY_REFUSED, target,
		    mw_arena_printf(run->a, "%s A %s", a->qname, code), target,
		    l->name, mw_arena_printf(run->a, "%s: %s", code,
			worst.meaning));
		break;
	case MW_DNSBL_REWRITTEN:
		run->res.refused++;
		run->bad[q->target] = true;
		mw_report_add(run->r, MW_F_DNSBL_NXDOMAIN_REWRITTEN, target,
		    mw_arena_printf(run->a, "%s A %s", a->qname, code), target,
		    l->name, code);
		break;
	case MW_DNSBL_INVALID:
		mw_report_add(run->r, MW_F_DNSBL_BAD_ANSWER, target,
		    mw_arena_printf(run->a, "%s A %s", a->qname, code), target,
		    l->name, code);
		break;
	case MW_DNSBL_CLEAN:
		break;
	}
	if (--run->pending == 0)
		finish(run);
}

static int
add_list(struct run *run, const char *spec, struct mw_err *err)
{
	const char *colon = strchr(spec, ':');
	struct list *l;
	const struct mw__kb_dnsbl_zone *z;
	char *zone;

	if (run->nlists == MW_DNSBL_ZONES_MAX)
		return mw_err_set(err, MW_ELIMIT, "dnsbl", SIZE_MAX,
		    "more than %d blocklists", MW_DNSBL_ZONES_MAX);
	zone = colon ? mw_arena_strndup(run->a, spec, (size_t)(colon - spec))
		     : mw_arena_strdup(run->a, spec);
	if (zone == NULL || zone[0] == '\0' || strlen(zone) > 200)
		return mw_err_set(err, MW_EINVAL, "dnsbl", SIZE_MAX,
		    "bad blocklist zone '%s'", spec);
	l = &run->lists[run->nlists];
	l->zone = zone;
	if ((z = kb_zone(zone)) != NULL) {
		l->name = z->name;
		l->delist = z->delist;
		l->domain = z->kind == MW__KB_BL_NAME;
	} else {
		l->name = zone;
		l->delist = mw_arena_printf(run->a, "the list's web site "
		    "(%s)", zone);
	}
	if (colon != NULL) {
		if (strcmp(colon + 1, "ip") == 0)
			l->domain = false;
		else if (strcmp(colon + 1, "domain") == 0)
			l->domain = true;
		else
			return mw_err_set(err, MW_EINVAL, "dnsbl", SIZE_MAX,
			    "blocklist type '%s': want ip or domain",
			    colon + 1);
	}
	for (size_t i = 0; i < run->nlists; i++)
		if (strcasecmp(run->lists[i].zone, zone) == 0)
			return 0; /* given twice */
	run->nlists++;
	return 0;
}

static const char *
reversed(struct mw_arena *a, const char *ip)
{
	struct in_addr in;
	const uint8_t *o = (const uint8_t *)&in.s_addr;

	if (inet_pton(AF_INET, ip, &in) != 1)
		return NULL;
	return mw_arena_printf(a, "%u.%u.%u.%u", o[3], o[2], o[1], o[0]);
}

int
mw_dnsbl_check(struct mw_dns *dns, struct mw_report *r,
    const char *const *ips, size_t nips, const char *domain,
    const struct mw_dnsbl_opts *opts, mw_dnsbl_done_fn done, void *ud,
    struct mw_err *err)
{
	struct run *run;
	int rc;

	if ((run = mw_arena_alloc(r->arena, sizeof(*run))) == NULL)
		return mw_err_set(err, MW_ENOMEM, "dnsbl", SIZE_MAX,
		    "out of memory");
	run->r = r;
	run->a = r->arena;
	run->done = done;
	run->ud = ud;
	for (size_t i = 0; i < mw__kb_ndnsbl_zones; i++) {
		const struct mw__kb_dnsbl_zone *z = &mw__kb_dnsbl_zones[i];
		if (z->use != (opts && opts->lab ? MW__KB_BL_LAB
						 : MW__KB_BL_DEFAULT))
			continue;
		if ((rc = add_list(run, z->zone, err)) != 0)
			return rc;
	}
	for (size_t i = 0; opts != NULL && i < opts->nextra; i++)
		if ((rc = add_list(run, opts->extra[i], err)) != 0)
			return rc;
	if (nips > MW_SENDING_IPS_MAX)
		nips = MW_SENDING_IPS_MAX;
	for (size_t i = 0; i < nips; i++)
		run->targets[run->ntargets++] = ips[i];
	if (domain != NULL) {
		run->is_domain[run->ntargets] = true;
		run->targets[run->ntargets++] = domain;
	}
	run->res.zones = run->nlists;
	run->pending = 1;
	for (size_t t = 0; t < run->ntargets; t++) {
		bool is_domain = run->is_domain[t];
		const char *base = is_domain ? domain
		    : reversed(run->a, run->targets[t]);
		if (base == NULL)
			continue; /* IPv6: not looked up */
		for (size_t i = 0; i < run->nlists; i++) {
			struct q *q;
			if (run->lists[i].domain != is_domain)
				continue;
			if ((q = mw_arena_alloc(run->a, sizeof(*q))) == NULL)
				break;
			q->run = run;
			q->list = i;
			q->target = t;
			run->pending++;
			run->asked[t] = true;
			if (mw_dns_query(dns, run->a,
				mw_arena_printf(run->a, "%s.%s", base,
				    run->lists[i].zone),
				MW_DNS_T_A, on_answer, q, NULL) != 0) {
				run->pending--;
				run->res.incomplete = true;
				run->bad[t] = true;
			}
		}
	}
	if (--run->pending == 0)
		finish(run);
	return 0;
}
