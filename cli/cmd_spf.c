/*
 * cmd_spf.c - `mailwhy spf IP SENDER [HELO]`: the RFC 7208 result for one
 * client and sender, the mechanism that decided it, the path through
 * includes and redirects, the lookup counts and the explanation; and
 * `mailwhy spf --audit DOMAIN [--ip IP]...`: the record audit with the
 * include tree, lookup counts under both readings of RFC 7208 4.6.4, and
 * the record to publish.
 */
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mailwhy/dns.h"
#include "mailwhy/spf.h"

#define IPS_MAX 64

struct state {
	struct cli *c;
	struct event_base *base;
	struct mw_report r;
	const struct mw_spf_outcome *o;
	const struct mw_spf_audit_out *au;
	bool done;
};

static void
on_check(void *ud, const struct mw_spf_outcome *o)
{
	struct state *s = ud;

	s->o = o;
	s->done = true;
	if (s->base)
		event_base_loopbreak(s->base);
}

static void
on_audit(void *ud, struct mw_report *r, const struct mw_spf_audit_out *out)
{
	struct state *s = ud;

	s->au = out;
	s->done = true;
	if (s->base)
		event_base_loopbreak(s->base);
}

static void
print_check(const struct state *s)
{
	const struct cli *c = s->c;
	const struct mw_spf_outcome *o = s->o;

	printf("  %-13s %s", cli_tr(c, N_("Result:")),
	    mw_spf_result_name(o->result));
	if (o->mechanism)
		printf(" (%s %s%s%s)", cli_tr(c, N_("by")), o->mechanism,
		    o->mech_domain ? " @ " : "",
		    o->mech_domain ? o->mech_domain : "");
	printf("\n  %-13s %s (%s)\n", cli_tr(c, N_("Identity:")), o->domain,
	    o->identity);
	if (o->reason)
		printf("  %-13s %s\n", cli_tr(c, N_("Why:")), o->reason);
	if (o->explanation)
		printf("  %-13s %s\n", cli_tr(c, N_("Explanation:")),
		    o->explanation);
	printf("  %-13s %u/10, %s %u/2", cli_tr(c, N_("Lookups:")), o->lookups,
	    cli_tr(c, N_("void")), o->void_lookups);
	if (o->mx_ptr_addr_lookups)
		printf("; %s: %u", cli_tr(c, N_("counting mx/ptr addresses")),
		    o->lookups + o->mx_ptr_addr_lookups);
	printf("\n");
	if (o->npath > 0)
		printf("  %s\n", cli_tr(c, N_("Path:")));
	for (size_t i = 0; i < o->npath; i++) {
		const struct mw_spf_step *p = &o->path[i];
		printf("    %*s%s%s%s \"%s\" -> %s%s%s%s\n", (int)p->depth * 2,
		    "", p->via ? p->via : "", p->via ? " -> " : "", p->domain,
		    p->record ? p->record : "-", p->outcome ? p->outcome : "?",
		    p->matched ? " (" : "", p->matched ? p->matched : "",
		    p->matched ? ")" : "");
	}
}

static void
print_audit(const struct state *s)
{
	const struct cli *c = s->c;
	const struct mw_spf_audit_out *a = s->au;

	printf("  %s %u/10", cli_tr(c, N_("Lookups:")), a->lookups);
	if (a->lookups_strict != a->lookups)
		printf(" (%s: %u)",
		    cli_tr(c, N_("counting the MX hosts' addresses, the "
		                 "disputed reading of RFC 7208 4.6.4")),
		    a->lookups_strict);
	printf(", %s %u/2\n", cli_tr(c, N_("void")), a->void_lookups);
	if (a->n > 0 && a->nodes[0].record != NULL)
		printf("  %s\n", cli_tr(c, N_("Include tree (lookups; counting "
		                              "MX hosts):")));
	for (size_t i = 0; i < a->n; i++) {
		const struct mw_spf_node *n = &a->nodes[i];
		printf("    %*s%s%s%s [%u; %u]%s%s \"%s\"\n", (int)n->depth * 2,
		    "", n->via ? n->via : "", n->via ? " -> " : "", n->domain,
		    n->total, n->total_strict,
		    strcmp(n->status, "ok") ? " " : "",
		    strcmp(n->status, "ok") ? n->status : "",
		    n->record ? n->record : "-");
		if (n->terms && n->terms[0])
			printf(
			    "    %*s  %s\n", (int)n->depth * 2, "", n->terms);
	}
	if (a->fixed)
		printf("  %s\n    %s\n", cli_tr(c, N_("Publish:")), a->fixed);
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "Usage: mailwhy spf [OPTIONS] IP SENDER [HELO]\n"
	    "       mailwhy spf [OPTIONS] --audit DOMAIN [--ip IP]... "
	    "[--record TEXT]\n\n"
	    "The first form evaluates SPF (RFC 7208 check_host) for mail from\n"
	    "IP with MAIL FROM SENDER: the result (pass, fail, softfail,\n"
	    "neutral, none, temperror, permerror), the mechanism that decided\n"
	    "it, the path through includes and redirects, the DNS lookup\n"
	    "counts and the explanation (exp=).  An empty SENDER (\"\") "
	    "checks\n"
	    "the HELO identity (RFC 7208 2.3).\n\n"
	    "The second form audits the SPF record of DOMAIN for every "
	    "sender:\n"
	    "the include tree with lookup counts (also counting the MX hosts'\n"
	    "addresses, the disputed reading of RFC 7208 4.6.4), void "
	    "lookups,\n"
	    "+all and ?all, ptr, several records, overlong records, includes\n"
	    "of domains without SPF, syntax errors, and sending IPs the "
	    "record\n"
	    "does not cover; each finding gives the record to publish.\n\n"
	    "  --audit DOMAIN       audit the record of DOMAIN\n"
	    "  --ip IP              (audit) a sending IP that must pass; "
	    "repeat\n"
	    "  --record TEXT        (audit) audit this draft instead of DNS\n"
	    "  --receiver NAME      the receiving host, for the %%{r} macro\n"
	    "  --strict-mx          count the MX hosts' address lookups "
	    "towards\n"
	    "                       the limit of 10 (the disputed reading)\n"
	    "%s\n"
	    "Exit status: 0 pass (or a clean audit), 1 anything else, 2 usage\n"
	    "error, 3 temperror or DNS trouble.\n",
	    CLI_COMMON_HELP);
}

enum {
	OPT_AUDIT = OPT_CMD_BASE,
	OPT_IP,
	OPT_RECORD,
	OPT_RECEIVER,
	OPT_STRICT_MX
};

int
cmd_spf(int argc, char **argv)
{
	static const struct option longopts[] = {
	    CLI_COMMON_LONGOPTS,
	    {"audit", required_argument, NULL, OPT_AUDIT},
	    {"ip", required_argument, NULL, OPT_IP},
	    {"record", required_argument, NULL, OPT_RECORD},
	    {"receiver", required_argument, NULL, OPT_RECEIVER},
	    {"strict-mx", no_argument, NULL, OPT_STRICT_MX},
	    {NULL, 0, NULL, 0},
	};
	const char *ips[IPS_MAX], *audit = NULL, *record = NULL;
	const char *receiver = NULL;
	size_t nips = 0;
	bool strict = false;
	struct state s;
	struct cli c;
	struct mw_dns *dns = NULL;
	struct mw_spf_checker *chk = NULL;
	struct mw_arena *arena = NULL;
	struct mw_err err;
	int opt, rc, status = EXIT_INCOMPLETE, worst;

	cli_init(&c, "mailwhy spf");
	while ((opt = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return 0;
		case OPT_AUDIT:
			audit = optarg;
			break;
		case OPT_IP:
			if (nips == IPS_MAX) {
				fprintf(stderr,
				    "mailwhy spf: at most %d --ip\n", IPS_MAX);
				return EXIT_USAGE;
			}
			ips[nips++] = optarg;
			break;
		case OPT_RECORD:
			record = optarg;
			break;
		case OPT_RECEIVER:
			receiver = optarg;
			break;
		case OPT_STRICT_MX:
			strict = true;
			break;
		default:
			if ((rc = cli_common(&c, opt, optarg)) != 0)
				return rc;
		}
	}
	if (audit ? optind != argc : (argc - optind < 2 || argc - optind > 3)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (c.offline) {
		fprintf(stderr, "mailwhy spf: SPF needs DNS; --offline is not "
		                "possible\n");
		return EXIT_USAGE;
	}
	if ((rc = cli_enter_lab(&c, argc + 1, argv - 1)) != 0)
		return rc;
	memset(&s, 0, sizeof(s));
	s.c = &c;
	mw_err_clear(&err);
	{
		struct mw_spf_opts so = {.strict_mx_count = strict};
		if (cli_dns_open(&c, &s.base, &dns) != 0)
			goto out;
		if ((arena = mw_arena_new(0)) == NULL ||
		    mw_spf_checker_new(&chk, dns, &so, &err) != 0) {
			fprintf(stderr, "mailwhy spf: %s\n", err.msg[0] ?
			    err.msg : "out of memory");
			goto out;
		}
	}
	if (audit != NULL) {
		struct mw_spf_audit_opts ao = {
		    .ips = ips, .nips = nips, .record = record};
		if (mw_report_init(&s.r, arena, "spf-audit", audit) != 0 ||
		    mw_spf_audit(chk, &s.r, audit, &ao, on_audit, &s, &err) !=
		        0) {
			fprintf(stderr, "mailwhy spf: %s\n", err.msg);
			status = EXIT_USAGE;
			goto out;
		}
	} else {
		struct mw_spf_query q = {.ip = argv[optind],
		    .sender = argv[optind + 1],
		    .helo = argc - optind > 2 ? argv[optind + 2] : NULL,
		    .receiver = receiver};
		const char *subject = mw_arena_printf(arena, "%s %s%s%s", q.ip,
		    q.sender[0] ? q.sender : "\"\"", q.helo ? " " : "",
		    q.helo ? q.helo : "");
		if (q.sender[0] == '\0' && q.helo == NULL) {
			fprintf(stderr, "mailwhy spf: an empty SENDER needs "
			                "HELO\n");
			status = EXIT_USAGE;
			goto out;
		}
		if (mw_report_init(&s.r, arena, "spf", subject) != 0 ||
		    mw_spf_check(chk, arena, &q, on_check, &s, &err) != 0) {
			fprintf(stderr, "mailwhy spf: %s\n", err.msg);
			status = EXIT_USAGE;
			goto out;
		}
	}
	if (!s.done)
		event_base_dispatch(s.base);
	if (!s.done)
		goto out;
	if (s.o != NULL)
		mw_spf_report(&s.r, s.o, argv[optind]);
	cli_print_report(&c, &s.r);
	if (!c.json) {
		if (s.o)
			print_check(&s);
		else
			print_audit(&s);
	}
	worst = mw_report_worst(&s.r);
	if (s.o != NULL)
		status = s.o->result == MW_SPF_PASS        ? EXIT_CLEAN
		         : s.o->result == MW_SPF_TEMPERROR ? EXIT_INCOMPLETE
		                                           : EXIT_PROBLEMS;
	else if (mw_report_has(&s.r, MW_F_SPF_TEMPERROR))
		status = EXIT_INCOMPLETE;
	else
		status = worst >= MW_SEV_WARNING ? EXIT_PROBLEMS : EXIT_CLEAN;
out:
	mw_spf_checker_free(&chk);
	mw_dns_free(&dns);
	mw_arena_free(&arena);
	if (s.base)
		event_base_free(s.base);
	fflush(stdout);
	return status;
}
