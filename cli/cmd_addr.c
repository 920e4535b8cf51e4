/*
 * cmd_addr.c - `mailwhy addr ADDR...`: is the address well formed, is it
 * a typo, does its domain accept mail.
 *
 * Addresses come from the arguments, from -f FILE, or from stdin, one a
 * line (or NUL-terminated with -0, since an RFC 5322 address may hold
 * folding white space).  Up to WINDOW addresses are checked at once on one
 * event loop; results are printed in input order as they complete.
 */
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "mailwhy/addr_check.h"
#include "mailwhy/dns.h"
#include "util/limits.h"

/* Addresses in flight at once: enough to keep DNS busy, little memory. */
#define WINDOW 256

struct input {
	char **args;
	int nargs, next;
	FILE *f;
	bool nul;
	uint8_t buf[MW_ADDR_INPUT_MAX + 1];
};

struct slot {
	struct mw_arena *arena;
	struct mw_report r;
	bool done;
};

struct run {
	struct cli *c;
	struct mw_addr_checker *chk;
	struct event_base *base;
	struct input in;
	struct slot slots[WINDOW];
	size_t window;
	unsigned long head, tail;
	bool eof, pumping, again, failed;
	/* Totals */
	unsigned long n, fine, warned, failed_n, typos, incomplete, problems;
	struct timespec t0, last_progress;
	bool progress;
};

/*
 * The next item: at most MW_ADDR_INPUT_MAX + 1 bytes are kept (so an
 * overlong line is still reported as too long) and the rest of the line
 * is skipped; memory stays bounded whatever the input.
 */
static bool
next_item(struct input *in, const uint8_t **p, size_t *len)
{
	int ch, end = in->nul ? '\0' : '\n';
	size_t n;

	if (in->args != NULL) {
		if (in->next >= in->nargs)
			return false;
		*p = (const uint8_t *)in->args[in->next];
		*len = strlen(in->args[in->next++]);
		return true;
	}
	for (;;) {
		n = 0;
		while ((ch = getc_unlocked(in->f)) != EOF && ch != end)
			if (n < sizeof(in->buf))
				in->buf[n++] = (uint8_t)ch;
		if (ch == EOF && n == 0)
			return false;
		if (!in->nul && n > 0 && in->buf[n - 1] == '\r')
			n--;
		if (n == 0)
			continue; /* blank lines carry no address */
		*p = in->buf;
		*len = n;
		return true;
	}
}

static void
tally(struct run *run, const struct mw_report *r)
{
	const struct mw_fact *f;
	int worst = mw_report_worst(r);

	run->n++;
	if (worst == MW_SEV_ERROR)
		run->failed_n++;
	else if (worst == MW_SEV_WARNING)
		run->warned++;
	else
		run->fine++;
	if ((f = mw_report_fact(r, "suggestion")) && f->type == MW_FACT_STR)
		run->typos++;
	if ((f = mw_report_fact(r, "dns")) && f->type == MW_FACT_STR &&
	    strcmp(f->s, "incomplete") == 0)
		run->incomplete++;
	if (worst >= MW_SEV_WARNING)
		run->problems++;
}

static void
show_progress(struct run *run, bool final)
{
	double t;

	if (!run->progress)
		return;
	if (!final && cli_since(&run->last_progress) < 0.5)
		return;
	clock_gettime(CLOCK_MONOTONIC, &run->last_progress);
	t = cli_since(&run->t0);
	fprintf(stderr, "\r%s: %lu (%.0f/s)%s", cli_tr(run->c, N_("checked")),
	    run->n, t > 0 ? (double)run->n / t : 0.0, final ? "\n" : "");
}

static void pump(struct run *run);

static void
on_done(void *ud, struct mw_report *r)
{
	struct slot *s = (struct slot *)((char *)r - offsetof(struct slot, r));
	struct run *run = ud;

	s->done = true;
	pump(run);
}

static void
pump(struct run *run)
{
	const uint8_t *p;
	size_t len;

	if (run->pumping) {
		run->again = true;
		return;
	}
	run->pumping = true;
	do {
		run->again = false;
		while (run->head < run->tail &&
		    run->slots[run->head % run->window].done) {
			struct slot *s = &run->slots[run->head % run->window];
			tally(run, &s->r);
			if (cli_print_report(run->c, &s->r) != 0)
				run->failed = true;
			mw_arena_free(&s->arena);
			run->head++;
			show_progress(run, false);
		}
		while (!run->eof && run->tail - run->head < run->window) {
			struct slot *s = &run->slots[run->tail % run->window];
			if (!next_item(&run->in, &p, &len)) {
				run->eof = true;
				break;
			}
			s->done = false;
			if ((s->arena = mw_arena_new(0)) == NULL ||
			    mw_report_init(&s->r, s->arena, "addr",
				mw_arena_strndup(s->arena, p, len)) != 0) {
				run->failed = run->eof = true;
				mw_arena_free(&s->arena);
				break;
			}
			run->tail++;
			if (mw_addr_check(run->chk, &s->r, p, len, on_done,
				run) != 0) {
				run->failed = true;
				s->done = true;
			}
		}
	} while (run->again || (run->head < run->tail &&
	    run->slots[run->head % run->window].done));
	run->pumping = false;
	if (run->eof && run->head == run->tail && run->base != NULL)
		event_base_loopbreak(run->base);
}

static void
summary(const struct run *run)
{
	const struct cli *c = run->c;

	if (c->json || run->n < 2)
		return;
	printf("\n%s: %lu; %s: %lu, %s: %lu, %s: %lu, %s: %lu\n",
	    cli_tr(c, N_("Addresses")), run->n,
	    cli_tr(c, N_("no problems")), run->fine,
	    cli_tr(c, N_("warnings only")), run->warned,
	    cli_tr(c, N_("errors")), run->failed_n,
	    cli_tr(c, N_("typos suggested")), run->typos);
	if (run->incomplete)
		printf("%s: %lu\n", cli_tr(c, N_("Could not check the domain "
		    "of")), run->incomplete);
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "Usage: mailwhy addr [OPTIONS] ADDR...\n"
	    "       mailwhy addr [OPTIONS] [-0] -f FILE|-\n"
	    "       ... | mailwhy addr [OPTIONS] [-0]\n\n"
	    "Checks each address: RFC 5321/5322 syntax and length limits,\n"
	    "IDN domains, typos of well-known providers, role and disposable\n"
	    "addresses, and (unless --offline) the domain's mail servers in DNS:\n"
	    "nonexistent domain, null MX, implicit MX, MX hosts that are aliases,\n"
	    "IP literals, without addresses or at private/reserved addresses.\n\n"
	    "  -f, --file FILE      read addresses from FILE (- = stdin), one a line\n"
	    "  -0, --null           input items end with NUL instead of newline\n"
	    "%s\n"
	    "Exit status: 0 all addresses fine, 1 problems found, 2 usage error,\n"
	    "3 some checks could not be completed (DNS unreachable, timeouts).\n",
	    CLI_COMMON_HELP);
}

int
cmd_addr(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{"file", required_argument, NULL, 'f'},
		{"null", no_argument, NULL, '0'},
		{NULL, 0, NULL, 0},
	};
	struct run *run;
	struct cli c;
	struct mw_dns *dns = NULL;
	struct mw_err err;
	const char *file = NULL;
	int opt, rc, status;

	cli_init(&c, "mailwhy addr");
	while ((opt = getopt_long(argc, argv, "f:0hv", longopts, NULL)) !=
	    -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return 0;
		case 'f':
			file = optarg;
			break;
		case '0':
			break;
		default:
			if ((rc = cli_common(&c, opt, optarg)) != 0)
				return rc;
		}
	}
	if ((rc = cli_enter_lab(&c, argc + 1, argv - 1)) != 0)
		return rc;
	if ((run = calloc(1, sizeof(*run))) == NULL)
		return EXIT_INCOMPLETE;
	run->c = &c;
	/* getopt_long has no way to tell -0 apart afterwards: look again. */
	for (int i = 1; i < optind; i++)
		if (strcmp(argv[i], "-0") == 0 || strcmp(argv[i], "--null") == 0)
			run->in.nul = true;
	if (file != NULL && optind < argc) {
		fprintf(stderr, "mailwhy addr: give addresses or -f FILE, not "
		    "both\n");
		free(run);
		return EXIT_USAGE;
	}
	if (file != NULL) {
		run->in.f = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
		if (run->in.f == NULL) {
			fprintf(stderr, "mailwhy addr: cannot open %s: %m\n",
			    file);
			free(run);
			return EXIT_USAGE;
		}
	} else if (optind < argc) {
		run->in.args = argv + optind;
		run->in.nargs = argc - optind;
	} else if (!isatty(STDIN_FILENO)) {
		run->in.f = stdin;
	} else {
		usage(stderr);
		free(run);
		return EXIT_USAGE;
	}
	run->progress = run->in.f != NULL && isatty(STDERR_FILENO) &&
	    !isatty(STDOUT_FILENO);
	clock_gettime(CLOCK_MONOTONIC, &run->t0);
	run->last_progress = run->t0;

	mw_err_clear(&err);
	if (!c.offline && (status = cli_dns_open(&c, &run->base, &dns)) != 0) {
		fprintf(stderr, "(use --offline to check without DNS)\n");
		goto out;
	}
	{
		struct mw_addr_check_opts ao = {
			.offline = c.offline,
			.allow_private = c.allow_private,
			.lab_nets = c.lab,
		};
		if (mw_addr_checker_new(&run->chk, dns, &ao, &err) != 0) {
			fprintf(stderr, "mailwhy addr: %s\n", err.msg);
			status = EXIT_INCOMPLETE;
			goto out;
		}
	}
	run->window = c.offline ? 1 : WINDOW;
	pump(run);
	if (run->base != NULL && !(run->eof && run->head == run->tail))
		event_base_dispatch(run->base);
	show_progress(run, true);
	summary(run);
	if (run->failed || run->head != run->tail)
		status = EXIT_INCOMPLETE;
	else if (run->problems > run->incomplete)
		status = EXIT_PROBLEMS;
	else if (run->incomplete)
		status = EXIT_INCOMPLETE;
	else
		status = EXIT_CLEAN;
out:
	mw_addr_checker_free(&run->chk);
	mw_dns_free(&dns);
	if (run->base)
		event_base_free(run->base);
	if (run->in.f && run->in.f != stdin)
		fclose(run->in.f);
	free(run);
	fflush(stdout);
	return status;
}
