/*
 * cli.h - what the mailwhy commands share: the common options, output
 * and exit codes (DESIGN.md: 0 nothing wrong, 1 problems found, 2 usage
 * error, 3 could not complete).
 */
#ifndef MW_CLI_H
#define MW_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "mailwhy/report.h"

enum { EXIT_CLEAN = 0, EXIT_PROBLEMS = 1, EXIT_USAGE = 2, EXIT_INCOMPLETE = 3 };

/* The lab (lab/lab.sh): its namespace, resolver and trust anchors. */
#define MW_LAB_NS "mailwhy-lab" /* MAILWHY_LAB_NS overrides it */
#define MW_LAB_DNS "198.51.100.2"

struct cli {
	const char *prog;
	bool json;
	bool color;
	bool verbose;
	const char *lang;	  /* "en" or "ru", never NULL after init */
	const char *dns;	  /* --dns */
	const char *trust_anchor; /* --trust-anchor */
	unsigned timeout_ms;	  /* --timeout, 0 = default */
	bool offline;
	bool allow_private;
	bool lab;
};

/* Long options every command takes; the command lists them in its table
 * with CLI_COMMON_LONGOPTS and passes unknown codes to cli_common(). */
enum {
	OPT_JSON = 1000, OPT_LANG, OPT_DNS, OPT_TRUST_ANCHOR, OPT_TIMEOUT,
	OPT_NO_COLOR, OPT_OFFLINE, OPT_ALLOW_PRIVATE, OPT_LAB, OPT_HELP,
	OPT_CMD_BASE = 2000
};
#define CLI_COMMON_LONGOPTS                                                   \
	{"json", no_argument, NULL, OPT_JSON},                                \
	    {"lang", required_argument, NULL, OPT_LANG},                      \
	    {"dns", required_argument, NULL, OPT_DNS},                        \
	    {"trust-anchor", required_argument, NULL, OPT_TRUST_ANCHOR},      \
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},                \
	    {"no-color", no_argument, NULL, OPT_NO_COLOR},                    \
	    {"offline", no_argument, NULL, OPT_OFFLINE},                      \
	    {"allow-private", no_argument, NULL, OPT_ALLOW_PRIVATE},          \
	    {"lab", no_argument, NULL, OPT_LAB},                              \
	    {"verbose", no_argument, NULL, 'v'},                              \
	    {"help", no_argument, NULL, 'h'}

#define CLI_COMMON_HELP                                                       \
	"Common options:\n"                                                   \
	"  --json               JSON output (one object a line for many inputs)\n" \
	"  --lang ru|en         language of explanations (default: the locale)\n" \
	"  --dns ADDR[:PORT]    ask this resolver instead of the system's\n"  \
	"  --trust-anchor FILE  DNSSEC trust anchors (zone-file syntax)\n"    \
	"  --timeout SECONDS    per DNS query (default 5)\n"                  \
	"  --offline            no DNS, no network at all\n"                 \
	"  --allow-private      private and reserved addresses are normal\n"  \
	"                       (intranets)\n"                                \
	"  --lab                run against the lab started by 'mailwhy lab up':\n" \
	"                       its resolver and trust anchors; its RFC 5737\n" \
	"                       networks count as public\n"                   \
	"  --no-color           no colours (also when NO_COLOR is set)\n"     \
	"  -v, --verbose        also informational findings, codes, evidence\n" \
	"  -h, --help           this help\n"

void cli_init(struct cli *c, const char *prog);
/* Handles a common option; returns 0, or EXIT_USAGE after a message. */
int cli_common(struct cli *c, int opt, const char *arg);
/* Applies --lab: the lab's resolver and anchors; re-executes inside the
 * lab's network namespace when not there yet.  Returns 0 or an exit code. */
int cli_enter_lab(struct cli *c, int argc, char **argv);
struct event_base;
struct mw_dns;
/*
 * The event loop and the resolver the DNS options ask for (--dns,
 * --trust-anchor, --timeout; the lab's zones made transparent when a
 * resolver or anchors are given).  Says why on stderr and returns
 * EXIT_INCOMPLETE when they cannot be set up; 0 otherwise.
 */
int cli_dns_open(const struct cli *c, struct event_base **base,
    struct mw_dns **dns);
/* Prints a report in the chosen format to stdout. */
int cli_print_report(const struct cli *c, const struct mw_report *r);
const char *cli_tr(const struct cli *c, const char *msgid);
/* The lab's namespace: MAILWHY_LAB_NS or MW_LAB_NS. */
const char *cli_lab_ns(void);
/* Seconds since t (CLOCK_MONOTONIC): the progress lines' rates. */
double cli_since(const struct timespec *t);
/* Where lab/lab.sh lives. */
const char *cli_lab_dir(void);

int cmd_addr(int argc, char **argv);
int cmd_domain(int argc, char **argv);
int cmd_lab(int argc, char **argv);
int cmd_spf(int argc, char **argv);
int cmd_catalog(int argc, char **argv);

#endif
