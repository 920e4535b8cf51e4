/*
 * cmd_domain.c - `mailwhy domain DOMAIN [--ip IP]... [--selector S]...
 * [--helo NAME] [--dnsbl ZONE[:TYPE]]...`: the audit of a sending domain
 * (lib/domain), one report grouped by area.
 */
#include <event2/event.h>
#include <idn2.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mailwhy/dns.h"
#include "mailwhy/dkim_key.h"
#include "mailwhy/domain.h"
#include "util/limits.h"

struct list {
	const char *v[MW_DKIM_SELECTORS_MAX];
	size_t n;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "Usage: mailwhy domain [OPTIONS] DOMAIN\n\n"
	    "Audits a sending domain: its MX hosts, SPF record, DMARC policy\n"
	    "(RFC 9989 tree walk), DKIM keys, the reverse DNS and blocklist\n"
	    "status of its sending addresses, and Gmail, Yahoo, Microsoft and\n"
	    "Apple sender requirements. Says what is wrong, the exact DNS record\n"
	    "to publish, and who must act.\n\n"
	    "  --ip IP              a sending address (repeat; default: the SPF\n"
	    "                       record's ip4/ip6 addresses and the MX hosts)\n"
	    "  -s, --selector NAME  a DKIM selector (repeat; default: try %zu\n"
	    "                       common ones)\n"
	    "  --helo NAME          the name the sending server greets with\n"
	    "  --dnsbl ZONE[:TYPE]  also ask this blocklist (TYPE ip or domain;\n"
	    "                       repeat); with --lab only the lab's bl.test\n"
	    "                       and these are asked\n"
	    "%s\n"
	    "Exit status: 0 nothing wrong, 1 problems found, 2 usage error,\n"
	    "3 some checks could not be completed (DNS trouble).\n",
	    mw_dkim_key_selector_count(), CLI_COMMON_HELP);
}

static int
push(struct list *l, const char *v, size_t max, const char *what)
{
	if (l->n >= max) {
		fprintf(stderr, "mailwhy domain: at most %zu %s\n", max, what);
		return EXIT_USAGE;
	}
	l->v[l->n++] = v;
	return 0;
}

static void
on_done(void *ud, struct mw_report *r)
{
	(void)r;
	event_base_loopbreak(ud);
}

enum { OPT_IP = OPT_CMD_BASE, OPT_HELO, OPT_DNSBL };

int
cmd_domain(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{"ip", required_argument, NULL, OPT_IP},
		{"selector", required_argument, NULL, 's'},
		{"helo", required_argument, NULL, OPT_HELO},
		{"dnsbl", required_argument, NULL, OPT_DNSBL},
		{NULL, 0, NULL, 0},
	};
	static struct list ips, sels, bls;
	struct cli c;
	struct mw_dns *dns = NULL;
	struct event_base *base = NULL;
	struct mw_arena *arena = NULL;
	struct mw_report r;
	struct mw_err err;
	char *ascii = NULL;
	const char *helo = NULL;
	int opt, rc, status = EXIT_INCOMPLETE;

	cli_init(&c, "mailwhy domain");
	while ((opt = getopt_long(argc, argv, "s:hv", longopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return 0;
		case OPT_IP:
			if ((rc = push(&ips, optarg, MW_SENDING_IPS_MAX,
				 "--ip")) != 0)
				return rc;
			break;
		case 's':
			if ((rc = push(&sels, optarg, MW_DKIM_SELECTORS_MAX,
				 "--selector")) != 0)
				return rc;
			break;
		case OPT_HELO:
			helo = optarg;
			break;
		case OPT_DNSBL:
			if ((rc = push(&bls, optarg, MW_DNSBL_ZONES_MAX,
				 "--dnsbl")) != 0)
				return rc;
			break;
		default:
			if ((rc = cli_common(&c, opt, optarg)) != 0)
				return rc;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (c.offline) {
		fprintf(stderr, "mailwhy domain: a domain audit is all DNS; "
		    "--offline leaves nothing to check\n");
		return EXIT_USAGE;
	}
	if ((rc = cli_enter_lab(&c, argc + 1, argv - 1)) != 0)
		return rc;
	if (idn2_to_ascii_8z(argv[optind], &ascii, IDN2_NONTRANSITIONAL) !=
	    IDN2_OK) {
		fprintf(stderr, "mailwhy domain: '%s' is not a domain name\n",
		    argv[optind]);
		return EXIT_USAGE;
	}
	for (char *p = ascii; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	if (ascii[0] != '\0' && ascii[strlen(ascii) - 1] == '.')
		ascii[strlen(ascii) - 1] = '\0';
	mw_err_clear(&err);
	if (cli_dns_open(&c, &base, &dns) != 0)
		goto out;
	if ((arena = mw_arena_new(0)) == NULL ||
	    mw_report_init(&r, arena, "domain", argv[optind]) != 0)
		goto out;
	{
		struct mw_domain_opts o = {
			.ips = ips.v,
			.nips = ips.n,
			.selectors = sels.v,
			.nselectors = sels.n,
			.helo = helo,
			.dnsbl = bls.v,
			.ndnsbl = bls.n,
			.lab = c.lab,
			.allow_private = c.allow_private,
		};
		if (mw_domain_check(dns, &r, ascii, &o, on_done, base, &err) !=
		    0) {
			fprintf(stderr, "mailwhy domain: %s\n", err.msg);
			status = err.code == MW_ENOMEM ? EXIT_INCOMPLETE
						       : EXIT_USAGE;
			goto out;
		}
	}
	event_base_dispatch(base);
	if (cli_print_report(&c, &r) != 0)
		goto out;
	{
		const struct mw_fact *f = mw_report_fact(&r, "dns");
		int worst = mw_report_worst(&r);
		if (worst >= MW_SEV_WARNING)
			status = EXIT_PROBLEMS;
		else if (f && f->s && strcmp(f->s, "incomplete") == 0)
			status = EXIT_INCOMPLETE;
		else
			status = EXIT_CLEAN;
	}
out:
	mw_dns_free(&dns);
	if (base)
		event_base_free(base);
	mw_arena_free(&arena);
	free(ascii);
	fflush(stdout);
	return status;
}
