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
 * SPF: until lib/auth/spf (mw_spf_audit) lands, the "spf" row only looks
 * for the v=spf1 record and reads its ip4:/ip6: terms as text; replace
 * start_spf with a call to the evaluator and keep filling facts.spf_*
 * and run->spf_ips (see the comment there).
 */
#include <arpa/inet.h>
#include <event2/event.h>
#include <string.h>
#include <strings.h>

#include "auth/auth_int.h"
#include "domain/domain_int.h"
#include "mailwhy/addr_check.h"
#include "mailwhy/dnsbl.h"
#include "mailwhy/domain.h"
#include "mailwhy/ip.h"
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
 * The ip4:/ip6: terms of an SPF record, read as text (RFC 7208 5.6):
 * single addresses only (no prefix, or /32, /128); ranges and "-" terms
 * are not sending addresses one can check.
 */
static void
spf_terms(struct run *run, const char *rec)
{
	const char *p = rec;

	while (*p != '\0' && run->nspf_ips < MW_SENDING_IPS_MAX) {
		const char *e, *v, *slash;
		size_t len;
		char buf[64];
		uint8_t bin[16];

		while (*p == ' ')
			p++;
		e = strchr(p, ' ');
		len = e ? (size_t)(e - p) : strlen(p);
		v = p;
		if (*v == '+' || *v == '~' || *v == '?')
			v++;
		if ((len > 4 && strncasecmp(v, "ip4:", 4) == 0) ||
		    (len > 4 && strncasecmp(v, "ip6:", 4) == 0)) {
			size_t vl = len - (size_t)(v - p) - 4;
			if (vl < sizeof(buf)) {
				memcpy(buf, v + 4, vl);
				buf[vl] = '\0';
				slash = strchr(buf, '/');
				if (slash == NULL ||
				    strcmp(slash, "/32") == 0 ||
				    strcmp(slash, "/128") == 0) {
					if (slash)
						buf[slash - buf] = '\0';
					if (inet_pton(AF_INET, buf, bin) == 1 ||
					    inet_pton(AF_INET6, buf, bin) == 1)
						run->spf_ips[run->nspf_ips++] =
						    mw_arena_strdup(run->a,
							buf);
				}
			}
		}
		p += len;
	}
}

static void
on_spf(void *ud, const struct mw_dns_answer *a)
{
	struct run *run = ud;
	const char *rec = NULL;
	size_t n = 0;

	if (a->status == MW_DNS_NXDOMAIN) {
		mw_report_add(run->r, MW_F_DOMAIN_NXDOMAIN, run->domain,
		    "NXDOMAIN", run->domain, NULL, NULL);
	} else if (mw_dns_status_is_temporary(a->status)) {
		run->incomplete = true;
		mw__auth_dns_trouble(run->r, a->qname, a);
		end(run);
		return;
	}
	for (size_t i = 0; a->status == MW_DNS_OK && i < a->n; i++) {
		const char *t = a->rr[i].u.txt.joined;
		if (a->rr[i].type != MW_DNS_T_TXT)
			continue;
		/* RFC 7208 4.5: "v=spf1" then a space or the end. */
		if (strncasecmp(t, "v=spf1", 6) == 0 &&
		    (t[6] == ' ' || t[6] == '\0')) {
			n++;
			rec = t;
		}
	}
	run->facts.spf_known = true;
	run->facts.spf_found = n == 1;
	mw_report_set_str(run->r, "spf", n == 1 ? rec : NULL);
	if (n == 0) {
		struct mw_buf b;
		mw_buf_init(&b, 4096);
		mw_buf_printf(&b, "%s. TXT \"v=spf1", run->domain);
		for (size_t i = 0; i < run->o.nips; i++)
			mw_buf_printf(&b, " %s:%s",
			    strchr(run->o.ips[i], ':') ? "ip6" : "ip4",
			    run->o.ips[i]);
		mw_buf_puts(&b, " mx -all\"");
		mw_report_add(run->r, MW_F_DOMAIN_SPF_NONE, run->domain,
		    mw_dns_status_name(a->status), run->domain,
		    mw_buf_cstr(&b), NULL);
		mw_buf_release(&b);
	} else if (n > 1) {
		mw_report_add(run->r, MW_F_DOMAIN_SPF_MULTIPLE, run->domain,
		    NULL, run->domain, mw_arena_printf(run->a, "%zu", n), NULL);
	} else {
		mw_report_add(run->r, MW_F_DOMAIN_SPF_PENDING, run->domain, rec,
		    run->domain, rec, NULL);
		spf_terms(run, rec);
	}
	end(run);
}

/*
 * SPF.  This is where mw_spf_audit() plugs in: call it here instead of
 * the TXT lookup, have its callback set run->facts.spf_known/spf_found
 * (spf_found meaning "SPF would pass for the domain's own servers"), copy
 * the record's single ip4/ip6 addresses into run->spf_ips, and end(run).
 * Then drop the domain.spf_* placeholders and the "presence" wording of
 * the K_SPF text in rules.c.
 */
static int
start_spf(struct run *run)
{
	begin(run);
	if (mw_dns_query(run->dns, run->a, run->domain, MW_DNS_T_TXT, on_spf,
		run, NULL) != 0) {
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
