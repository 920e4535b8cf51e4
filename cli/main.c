/*
 * main.c - the mailwhy command: one verb per kind of evidence.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd_bounce.h"
#include "mw_config.h"

static const struct {
	const char *name;
	int (*run)(int, char **);
	const char *help;
} commands[] = {
	{"addr", cmd_addr, N_("check addresses: syntax, typos, the domain's mail servers")},
	{"bounce", cmd_bounce, N_("why letters came back: bounces, DSNs, feedback reports")},
	{"spf", cmd_spf, N_("evaluate SPF for an IP and sender, or audit a domain's SPF record")},
	{"domain", cmd_domain, N_("audit a sending domain: MX, SPF, DMARC, DKIM, reverse DNS, blocklists, provider rules")},
	{"lab", cmd_lab, N_("start, stop or inspect the offline test lab")},
	{"catalog", cmd_catalog, N_("list every finding code (text, JSON or Markdown)")},
};

static void
usage(FILE *f)
{
	const char *lang = mw_i18n_pick(NULL);

	fprintf(f, "%s\n\n", mw_tr(lang, N_("mailwhy - why doesn't my email arrive, and what do I do about it?")));
	fprintf(f, "%s: mailwhy COMMAND [OPTIONS] ...\n\n",
	    mw_tr(lang, N_("Usage")));
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name,
		    mw_tr(lang, commands[i].help));
	fprintf(f, "\n%s\n", mw_tr(lang, N_("'mailwhy COMMAND --help' tells more; see also mailwhy(1).")));
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("mailwhy %s\n", MW_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "mailwhy: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
