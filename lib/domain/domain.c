/*
 * domain.c - the audit of a sending domain (see domain.h).
 *
 * The checks are two tables run on one event loop.  Phase 1 needs only
 * the domain: the MX evidence (lib/addr/check.c, shared with mailwhy
 * addr), SPF, DMARC and DKIM.  Phase 2 needs the sending addresses that
 * phase 1 found (--ip, else the SPF record's ip4/ip6 terms and the MX
 * hosts' addresses): reverse DNS and blocklists.  Then the provider rules
 * judge what was found, and the report is complete.  Adding a check is
 * adding one row: a start function that calls begin() for each piece of
 * work in flight and end() when it is done.
 *
 * SPF is the record audit of lib/auth/spf_audit.c (mailwhy spf --audit)
 * with the --ip addresses; its findings make the report's SPF area.
 */
#include <arpa/inet.h>
#include <event2/event.h>
#include <string.h>

#include "domain/domain_int.h"
#include "mailwhy/addr_check.h"
#include "mailwhy/dnsbl.h"
#include "mailwhy/domain.h"
#include "mailwhy/ip.h"
#include "mailwhy/spf.h"
#include "util/limits.h"

struct run {
	struct mw_dns *dns;
	struct mw_report *r;
	struct mw_arena *a;
	const char *domain;
	struct mw_domain_opts o;
	struct mw_addr_checker *mx;
	unsigned pending;
	int phase;
	mw_domain_done_fn done;
	void *ud;
	/* sending addresses: from --ip, SPF ip4/ip6 terms, MX hosts */
	const char *spf_ips[MW_SENDING_IPS_MAX];
	size_t nspf_ips;
	const char *mx_ips[MW_SENDING_IPS_MAX];
	size_t nmx_ips;
	const char *ips[MW_SENDING_IPS_MAX];
	size_t nips;
	bool incomplete;
	bool keep_mx; /* the checker is still on the stack: do not free */
	struct mw_spf_checker *spf;
	struct mw_report spf_r; /* the SPF audit's own report */
	bool keep_spf;
	struct mw__domain_facts facts;
};

struct check {
	const char *area;
	int (*start)(struct run *);
};

static void advance(struct run *run);

static void
begin(struct run *run)
{
	run->pending++;
}

static void
end(struct run *run)
{
	if (--run->pending == 0)
		advance(run);
}

/* --- phase 1 ------------------------------------------------------- */

static void
deferred_end(evutil_socket_t fd, short what, void *ud)
{
	(void)fd;
	(void)what;
	end(ud);
}

static void
on_mx(void *ud, struct mw_report *r, const struct mw_addr_mx_host *hosts,
    size_t n, bool accepts, bool unknown)
{
	static const struct timeval now = {0, 0};
	struct run *run = ud;

	run->incomplete |= unknown;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < hosts[i].naddrs &&
		     run->nmx_ips < MW_SENDING_IPS_MAX; k++)
			run->mx_ips[run->nmx_ips++] = hosts[i].addrs[k];
	(void)r;
	(void)accepts;
	/* The checker is still walking its waiters: finish on the next
	 * turn of the loop, so that the last step may free it. */
	if (event_base_once(mw_dns_base(run->dns), -1, EV_TIMEOUT,
		deferred_end, run, &now) != 0) {
		/* Out of memory: finish here, and leave the checker to
		 * leak rather than free it under its own feet. */
		run->keep_mx = true;
		end(run);
	}
}

static int
start_mx(struct run *run)
{
	struct mw_addr_check_opts ao = {
		.allow_private = run->o.allow_private,
		.lab_nets = run->o.lab,
	};

	if (mw_addr_checker_new(&run->mx, run->dns, &ao, NULL) != 0)
		return MW_ENOMEM;
	begin(run);
	if (mw_addr_check_domain(run->mx, run->r, run->domain, on_mx, run) !=
	    0) {
		run->pending--;
		return MW_ENOMEM;
	}
	return 0;
}

/*
 * The sending addresses an SPF record names (RFC 7208 5.6): its single
 * ip4/ip6 addresses (no prefix, /32, /128) that are not "-" terms.
 * Ranges are not addresses one can check; included records are the
 * providers' and list their networks.
 */
static void
spf_terms(struct run *run, const char *rec)
{
	struct mw_spf_record *r;

	if (rec == NULL || mw_spf_record_parse(&r, run->a,
			       (const uint8_t *)rec, strlen(rec), NULL) != 0)
		return;
	for (size_t i = 0; i < r->n && run->nspf_ips < MW_SENDING_IPS_MAX;
	     i++) {
		const struct mw_spf_term *t = &r->terms[i];
		char buf[INET6_ADDRSTRLEN];
		int fam;

		if (t->qualifier == '-')
			continue;
		if (t->kind == MW_SPF_IP4 && t->cidr4 == 32)
			fam = AF_INET;
		else if (t->kind == MW_SPF_IP6 && t->cidr6 == 128)
			fam = AF_INET6;
		else
			continue;
		if (inet_ntop(fam, t->ip, buf, sizeof(buf)) != NULL)
			run->spf_ips[run->nspf_ips++] =
			    mw_arena_strdup(run->a, buf);
	}
}

/*
 * Whether SPF works for the domain, for the provider rules: every --ip
 * passes check_host(); without --ip, the record exists and the audit
 * found nothing that makes receivers return permerror.  Unknown (false
 * in *known) when a temperror leaves it open.
 */
static void
spf_judge(struct run *run, const struct mw_report *ar,
    const struct mw_spf_audit_out *out, bool temp)
{
	static const enum mw_finding_id perm[] = {
		MW_F_SPF_TOO_MANY_LOOKUPS, MW_F_SPF_TOO_MANY_VOID,
		MW_F_SPF_MULTIPLE_RECORDS, MW_F_SPF_SYNTAX,
		MW_F_SPF_INCLUDE_LOOP, MW_F_SPF_INCLUDE_NO_SPF,
	};
	const struct mw_spf_node *top = out->n > 0 ? &out->nodes[0] : NULL;
	bool broken = false;

	if (out->ip_results != NULL) {
		bool all_pass = true, decided = false;
		for (size_t i = 0; i < run->o.nips; i++) {
			enum mw_spf_result res = out->ip_results[i];
			all_pass &= res == MW_SPF_PASS;
			decided |= res != MW_SPF_PASS &&
			    res != MW_SPF_TEMPERROR;
		}
		run->facts.spf_found = all_pass;
		run->facts.spf_known = all_pass || decided;
		return;
	}
	for (size_t i = 0; i < sizeof(perm) / sizeof(perm[0]); i++)
		broken |= mw_report_has(ar, perm[i]);
	run->facts.spf_found = top != NULL && top->record != NULL &&
	    !broken && !temp;
	run->facts.spf_known = broken || !temp;
}

/* The audit is in: its findings are the report's SPF area. */
static void
on_spf(void *ud, struct mw_report *ar, const struct mw_spf_audit_out *out)
{
	static const struct timeval now = {0, 0};
	struct run *run = ud;
	const struct mw_spf_node *top = out->n > 0 ? &out->nodes[0] : NULL;
	const char *rec = top != NULL ? top->record : NULL;
	bool temp = false;

	if (out->nxdomain)
		mw_report_add(run->r, MW_F_DOMAIN_NXDOMAIN, run->domain,
		    "NXDOMAIN", run->domain, NULL, NULL);
	for (size_t i = 0; i < ar->nfindings; i++) {
		const struct mw_finding *f = &ar->findings[i];
		struct mw_finding *c = mw_report_add(run->r, f->def->id,
		    f->subject, f->evidence, f->args[0], f->args[1],
		    f->args[2]);
		if (c != NULL)
			c->tr_args = f->tr_args;
	}
	run->r->truncated |= ar->truncated;
	for (size_t i = 0; i < out->n; i++)
		temp |= strcmp(out->nodes[i].status, "temperror") == 0;
	for (size_t i = 0; out->ip_results != NULL && i < run->o.nips; i++)
		temp |= out->ip_results[i] == MW_SPF_TEMPERROR;
	run->incomplete |= temp;
	spf_judge(run, ar, out, temp);
	mw_report_set_str(run->r, "spf", rec);
	if (rec != NULL) {
		mw_report_set_int(run->r, "spf_lookups", out->lookups);
		mw_report_set_int(run->r, "spf_lookups_strict",
		    out->lookups_strict);
		mw_report_set_int(run->r, "spf_void_lookups",
		    out->void_lookups);
	} else {
		mw_report_set_str(run->r, "spf_lookups", NULL);
		mw_report_set_str(run->r, "spf_lookups_strict", NULL);
		mw_report_set_str(run->r, "spf_void_lookups", NULL);
	}
	spf_terms(run, rec);
	/* We are inside the checker's callback: finish on the next turn of
	 * the loop, so that the last step may free it. */
	if (event_base_once(mw_dns_base(run->dns), -1, EV_TIMEOUT,
		deferred_end, run, &now) != 0) {
		run->keep_spf = true;
		end(run);
	}
}

/*
 * SPF: the record audit (lib/auth/spf_audit.c) in a report of its own,
 * whose findings and counts are copied into the domain's; --ip goes to
 * it so that uncovered sending addresses are found.
 */
static int
start_spf(struct run *run)
{
	struct mw_spf_audit_opts so = {
		.ips = run->o.ips,
		.nips = run->o.nips,
	};

	if (mw_spf_checker_new(&run->spf, run->dns, NULL, NULL) != 0 ||
	    mw_report_init(&run->spf_r, run->a, "spf-audit", run->domain) !=
		0)
		return MW_ENOMEM;
	begin(run);
	if (mw_spf_audit(run->spf, &run->spf_r, run->domain, &so, on_spf, run,
		NULL) != 0) {
		run->pending--;
		return MW_ENOMEM;
	}
	return 0;
}

static void
on_dmarc(void *ud, const struct mw_dmarc_result *res)
{
	struct run *run = ud;

	run->facts.dmarc = *res;
	run->facts.dmarc_done = true;
	run->incomplete |= res->incomplete;
	mw_report_set_str(run->r, "dmarc", res->found ? res->record : NULL);
	mw_report_set_str(run->r, "dmarc_policy", res->found
		? mw_dmarc_policy_name(res->effective) : NULL);
	mw_report_set_str(run->r, "dmarc_domain", res->record_domain);
	mw_report_set_str(run->r, "org_domain", res->org_domain);
	end(run);
}

static int
start_dmarc(struct run *run)
{
	begin(run);
	if (mw_dmarc_check(run->dns, run->r, run->domain, on_dmarc, run,
		NULL) != 0) {
		run->pending--;
		return MW_ENOMEM;
	}
	return 0;
}

static void
on_dkim(void *ud, const struct mw_dkim_key_result *res)
{
	struct run *run = ud;

	run->facts.dkim = *res;
	run->facts.dkim_done = true;
	run->incomplete |= res->incomplete;
	mw_report_set_int(run->r, "dkim_selectors_tried", (int64_t)res->tried);
	mw_report_set_int(run->r, "dkim_keys_found", (int64_t)res->found);
	mw_report_set_int(run->r, "dkim_keys_usable", (int64_t)res->usable);
	end(run);
}

static int
start_dkim(struct run *run)
{
	begin(run);
	if (mw_dkim_key_check(run->dns, run->r, run->domain, run->o.selectors,
		run->o.nselectors, on_dkim, run, NULL) != 0) {
		run->pending--;
		return MW_ENOMEM;
	}
	return 0;
}

/* --- phase 2: the sending addresses -------------------------------- */

static void
add_ip(struct run *run, const char *ip)
{
	uint8_t b[16];
	int fam = strchr(ip, ':') ? AF_INET6 : AF_INET;
	enum mw_ip_class c;

	if (run->nips == MW_SENDING_IPS_MAX || inet_pton(fam, ip, b) != 1)
		return;
	for (size_t i = 0; i < run->nips; i++)
		if (strcmp(run->ips[i], ip) == 0)
			return;
	c = mw_ip_classify(b, fam);
	if (c != MW_IP_PUBLIC && !run->o.allow_private &&
	    !(c == MW_IP_DOCUMENTATION && fam == AF_INET && run->o.lab)) {
		mw_report_add(run->r, MW_F_PTR_NOT_PUBLIC, ip, NULL, ip,
		    mw_ip_class_name(c), NULL);
		return;
	}
	run->ips[run->nips++] = ip;
}

static void
collect_ips(struct run *run)
{
	struct mw_buf b;

	if (run->o.nips > 0) {
		for (size_t i = 0; i < run->o.nips; i++)
			add_ip(run, run->o.ips[i]);
	} else {
		for (size_t i = 0; i < run->nspf_ips; i++)
			add_ip(run, run->spf_ips[i]);
		for (size_t i = 0; i < run->nmx_ips; i++)
			add_ip(run, run->mx_ips[i]);
	}
	mw_buf_init(&b, 4096);
	for (size_t i = 0; i < run->nips; i++)
		mw_buf_printf(&b, "%s%s", i ? ", " : "", run->ips[i]);
	mw_report_set_str(run->r, "sending_ips", run->nips ? mw_buf_cstr(&b)
							   : NULL);
	if (run->nips == 0)
		mw_report_add(run->r, MW_F_DOMAIN_NO_IPS, run->domain, NULL,
		    run->domain, NULL, NULL);
	else
		mw_report_add(run->r, MW_F_DOMAIN_IPS, run->domain, NULL,
		    mw_buf_cstr(&b), run->o.nips ? "--ip"
		    : "the SPF record's ip4/ip6 terms and the MX hosts", NULL);
	mw_buf_release(&b);
}

static void
on_ptr(void *ud, const struct mw_ptr_result *res)
{
	struct run *run = ud;

	run->facts.ptr = *res;
	run->facts.ptr_done = true;
	run->incomplete |= res->incomplete;
	end(run);
}

static int
start_ptr(struct run *run)
{
	if (run->nips == 0 && run->o.helo == NULL)
		return 0;
	begin(run);
	if (mw_ptr_check(run->dns, run->r, run->ips, run->nips, run->o.helo,
		run->domain, on_ptr, run, NULL) != 0) {
		run->pending--;
		return MW_ENOMEM;
	}
	return 0;
}

static void
on_dnsbl(void *ud, const struct mw_dnsbl_result *res)
{
	struct run *run = ud;

	run->incomplete |= res->incomplete;
	mw_report_set_int(run->r, "dnsbl_listed", (int64_t)res->listed);
	end(run);
}

static int
start_dnsbl(struct run *run)
{
	struct mw_dnsbl_opts bo = {
		.lab = run->o.lab,
		.extra = run->o.dnsbl,
		.nextra = run->o.ndnsbl,
	};

	begin(run);
	if (mw_dnsbl_check(run->dns, run->r, run->ips, run->nips, run->domain,
		&bo, on_dnsbl, run, NULL) != 0) {
		run->pending--;
		return MW_ENOMEM;
	}
	return 0;
}

/* The checks, in the order their findings are most useful. */
static const struct check phase1[] = {
	{"mx", start_mx},
	{"spf", start_spf},
	{"dmarc", start_dmarc},
	{"dkim", start_dkim},
};
static const struct check phase2[] = {
	{"ptr", start_ptr},
	{"dnsbl", start_dnsbl},
};

static void
run_phase(struct run *run, const struct check *c, size_t n)
{
	begin(run); /* held while the phase starts its work */
	for (size_t i = 0; i < n; i++)
		if (c[i].start(run) != 0) {
			run->incomplete = true;
			mw_report_add(run->r, MW_F_DNS_UNREACHABLE, run->domain,
			    c[i].area, c[i].area, NULL, NULL);
		}
	end(run);
}

static void
advance(struct run *run)
{
	switch (run->phase++) {
	case 0:
		run_phase(run, phase1, sizeof(phase1) / sizeof(phase1[0]));
		return;
	case 1:
		collect_ips(run);
		run_phase(run, phase2, sizeof(phase2) / sizeof(phase2[0]));
		return;
	default:
		break;
	}
	/* SMTP-level checks of the MX hosts come with a later issue. */
	mw_report_add(run->r, MW_F_DOMAIN_SMTP_PENDING, run->domain, NULL,
	    NULL, NULL, NULL);
	mw__domain_rules(run->r, &run->facts);
	mw_report_set_str(run->r, "dns", run->incomplete ? "incomplete"
							 : "checked");
	if (!run->keep_mx)
		mw_addr_checker_free(&run->mx);
	if (!run->keep_spf)
		mw_spf_checker_free(&run->spf);
	run->done(run->ud, run->r);
}

int
mw_domain_check(struct mw_dns *dns, struct mw_report *r, const char *domain,
    const struct mw_domain_opts *opts, mw_domain_done_fn done, void *ud,
    struct mw_err *err)
{
	struct run *run;

	if (domain == NULL || domain[0] == '\0' ||
	    strlen(domain) > MW_DNS_QNAME_MAX)
		return mw_err_set(err, MW_EINVAL, "domain", SIZE_MAX,
		    "not a domain name");
	if (opts != NULL && opts->nips > MW_SENDING_IPS_MAX)
		return mw_err_set(err, MW_ELIMIT, "domain", SIZE_MAX,
		    "more than %d sending addresses", MW_SENDING_IPS_MAX);
	if (opts != NULL && opts->nselectors > MW_DKIM_SELECTORS_MAX)
		return mw_err_set(err, MW_ELIMIT, "domain", SIZE_MAX,
		    "more than %d selectors", MW_DKIM_SELECTORS_MAX);
	for (size_t i = 0; opts != NULL && i < opts->nips; i++) {
		uint8_t b[16];
		if (inet_pton(AF_INET, opts->ips[i], b) != 1 &&
		    inet_pton(AF_INET6, opts->ips[i], b) != 1)
			return mw_err_set(err, MW_EINVAL, "domain", SIZE_MAX,
			    "'%s' is not an IP address", opts->ips[i]);
	}
	if ((run = mw_arena_alloc(r->arena, sizeof(*run))) == NULL)
		return mw_err_set(err, MW_ENOMEM, "domain", SIZE_MAX,
		    "out of memory");
	run->dns = dns;
	run->r = r;
	run->a = r->arena;
	run->domain = mw_arena_strdup(r->arena, domain);
	if (opts != NULL)
		run->o = *opts;
	run->done = done;
	run->ud = ud;
	mw_report_set_str(r, "domain", run->domain);
	run->pending = 1;
	end(run); /* starts phase 1 */
	return 0;
}
