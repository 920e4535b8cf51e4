/*
 * cmd_bounce.c - `mailwhy bounce FILE|DIR|MBOX|-`: why each letter came
 * back, hard or soft, and what to do, grouped by reason with the most
 * urgent first; a summary per reason and per destination domain.
 *
 * Inputs: files (one message, or an mbox when it starts with "From "), a
 * Maildir (cur/ and new/) or any folder of message files, "-" or nothing
 * for stdin.  Output through mw_render_text / mw_render_json; --json
 * writes one JSON object per failed recipient, and one per message that
 * is no bounce or names no recipient (NDJSON), as each message is read,
 * then with several messages or --summary a summary object.
 *
 * A folder may hold a million bounces: each message is parsed and
 * reported in an arena of its own, freed before the next; what outlives
 * it is bounded whatever the folder's size: per reason the first
 * recipient's text and SHOWN_MAX more names, the counts, DOMAINS_MAX
 * destination domains, OTHERS_MAX messages without a recipient (-v).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_bounce.h"
#include "mailwhy/arena.h"
#include "mailwhy/bounce.h"
#include "mailwhy/buf.h"
#include "mailwhy/report.h"
#include "util/limits.h"

/* Recipients named under the first of a reason; the rest are counted. */
#define SHOWN_MAX 50
/* Destination domains counted (the summary shows the top 20). */
#define DOMAINS_MAX 1024
/* Messages without a failed recipient shown in text with -v. */
#define OTHERS_MAX 1000

struct tally {
	const char *key;
	size_t n;
};

struct group { /* one per reason, in mw_reason_all() order */
	size_t n;	/* failed recipients with this reason */
	char *head;	/* the first one, rendered (text output) */
	struct {
		char *rcpt, *file;
	} shown[SHOWN_MAX];
	size_t nshown;
};

struct run {
	const struct bounce_opts *o;
	const char *lang;
	unsigned flags;
	struct mw_arena *keep; /* what outlives a message */
	const struct mw_reason_info *reasons;
	size_t nreasons;
	struct group *groups;
	char *others[OTHERS_MAX];
	size_t nothers, others_more;
	struct tally domains[DOMAINS_MAX];
	size_t ndomains;
	size_t messages, not_bounces, failed, hard;
	int worst;
	struct mw_buf out;
	bool progress;
	struct timespec t0, last;
};

/* "messages: N (rate/s)" on stderr, twice a second, when stderr is a
 * terminal and the output goes elsewhere. */
static void
show_progress(struct run *r, bool final)
{
	double t;

	if (!r->progress || (!final && cli_since(&r->last) < 0.5))
		return;
	clock_gettime(CLOCK_MONOTONIC, &r->last);
	t = cli_since(&r->t0);
	fprintf(stderr, "\r%s: %zu (%.0f/s)%s", mw_tr(r->lang, N_("messages")),
	    r->messages, t > 0 ? (double)r->messages / t : 0.0,
	    final ? "\n" : "");
}

static void
count_domain(struct run *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->ndomains; i++)
		if (strcmp(r->domains[i].key, key) == 0) {
			r->domains[i].n++;
			return;
		}
	if (r->ndomains < DOMAINS_MAX &&
	    (r->domains[r->ndomains].key = mw_arena_strdup(r->keep, key)) !=
	    NULL)
		r->domains[r->ndomains++].n = 1;
}

/* Recipient i of b (or the message itself when i >= b->nrcpts): its
 * report made in a (the message's arena), written out (JSON) or kept in
 * its reason's group (text), and counted. */
static int
one_rcpt(struct run *r, struct mw_arena *a, const char *file,
    const struct mw_bounce *b, size_t i)
{
	struct mw_report rep;
	const struct mw_reason_info *ri;
	const struct mw_fact *f;
	int w;

	if (mw_report_init(&rep, a, "bounce", file) != 0 ||
	    mw_bounce_report(&rep, b, i, file) != 0)
		return -1;
	if ((w = mw_report_worst(&rep)) > r->worst)
		r->worst = w;
	ri = i < b->nrcpts ? mw_reason_get(b->rcpts[i].reason) : NULL;
	if (ri != NULL) {
		struct group *g = &r->groups[ri - r->reasons];

		r->failed++;
		if ((f = mw_report_fact(&rep, "hard")) != NULL && f->b)
			r->hard++;
		f = mw_report_fact(&rep, "domain");
		if (f != NULL && f->s != NULL && f->s[0] != '\0')
			count_domain(r, f->s); /* none: address not given */
		if (!r->o->json && g->n == 0) {
			mw_buf_reset(&r->out);
			mw_render_text(&r->out, &rep, r->lang, r->flags);
			g->head = mw_arena_strndup(r->keep, r->out.p,
			    r->out.len);
		} else if (!r->o->json && g->nshown < SHOWN_MAX) {
			g->shown[g->nshown].rcpt = mw_arena_strdup(r->keep,
			    b->rcpts[i].recipient);
			g->shown[g->nshown++].file = mw_arena_strdup(r->keep,
			    file);
		}
		g->n++;
	}
	if (r->o->json) {
		mw_buf_reset(&r->out);
		mw_render_json(&r->out, &rep, r->lang, 0);
		fwrite(r->out.p, 1, r->out.len, stdout);
		if (r->out.len == 0 || r->out.p[r->out.len - 1] != '\n')
			putchar('\n');
	} else if (ri == NULL && r->nothers < OTHERS_MAX) {
		mw_buf_reset(&r->out);
		mw_render_text(&r->out, &rep, r->lang, r->flags);
		r->others[r->nothers++] = mw_arena_strndup(r->keep, r->out.p,
		    r->out.len);
	} else if (ri == NULL)
		r->others_more++;
	return 0;
}

static int
one_message(struct run *r, const char *file, const uint8_t *p, size_t len)
{
	struct mw_arena *a = mw_arena_new(MW_BOUNCE_ARENA_MAX);
	struct mw_bounce b;
	struct mw_err err;
	size_t i;
	int rc = 0;

	if (a == NULL)
		return 3;
	r->messages++;
	if (mw_bounce_parse(&b, a, p, len, &err) != 0) {
		fprintf(stderr, "mailwhy: %s: %s\n", file, err.msg);
		rc = 3;
	} else if (b.kind == MW_BOUNCE_NOT) {
		r->not_bounces++;
		/* JSON gives one record per message read, so a script sees
		 * each file was looked at; text says so with -v */
		if ((r->o->verbose || r->o->json) &&
		    one_rcpt(r, a, file, &b, 0) != 0)
			rc = 3;
	} else if (b.nrcpts == 0) {
		if (one_rcpt(r, a, file, &b, 0) != 0)
			rc = 3;
	} else
		for (i = 0; i < b.nrcpts && rc == 0; i++)
			if (one_rcpt(r, a, file, &b, i) != 0)
				rc = 3;
	mw_arena_free(&a);
	show_progress(r, false);
	return rc;
}

/*
 * All of fd (a file, or stdin).  A regular file is read in one call into
 * a buffer of the size fstat gives, plus one byte: the short read is its
 * end (open, fstat, read, close: four calls a message in a Maildir).
 * A pipe is read until end of file.  An mbox may hold many messages:
 * bounded by the folder cap times the message cap, not one message.
 */
static int
read_fd(int fd, uint8_t **out, size_t *len)
{
	const size_t most = (size_t)MW_MIME_MESSAGE_MAX * 64;
	struct stat st;
	size_t cap = 64 * 1024, n = 0;
	bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	uint8_t *buf;

	if (regular && st.st_size >= 0 && (uint64_t)st.st_size < most)
		cap = (size_t)st.st_size + 1;
	if ((buf = malloc(cap)) == NULL)
		return -1;
	for (;;) {
		ssize_t got = read(fd, buf + n, cap - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			free(buf);
			return -1;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n < cap) {
			if (regular)
				break; /* short: the end (it was sized) */
			continue;
		}
		if (cap >= most) {
			free(buf);
			return -1;
		}
		{
			uint8_t *nb = realloc(buf, cap * 2);

			if (nb == NULL) {
				free(buf);
				return -1;
			}
			buf = nb;
			cap *= 2;
		}
	}
	*out = buf;
	*len = n;
	return 0;
}

static int
one_file(struct run *r, const char *path, int fd)
{
	uint8_t *data;
	size_t len, off = 0;
	int rc = 0, k;

	if (read_fd(fd, &data, &len) != 0) {
		fprintf(stderr, "mailwhy: %s: cannot read\n", path);
		return 3;
	}
	if (len >= 5 && memcmp(data, "From ", 5) == 0) {
		const uint8_t *m;
		size_t ml, n = 0;

		while (n++ < MW_BOUNCE_FOLDER_MAX &&
		    mw_bounce_mbox_next(&m, &ml, data, len, &off)) {
			char name[4096];

			snprintf(name, sizeof(name), "%s#%zu", path, n);
			if ((k = one_message(r, name, m, ml)) > rc)
				rc = k;
		}
	} else
		rc = one_message(r, path, data, len);
	free(data);
	return rc;
}

static int
one_path(struct run *r, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0) {
		fprintf(stderr, "mailwhy: %s: %s\n", path, strerror(errno));
		return 2;
	}
	rc = one_file(r, path, fd);
	close(fd);
	return rc;
}

/* path, a file or a folder; type its d_type when readdir gave one
 * (DT_UNKNOWN: look). */
static int
walk(struct run *r, const char *path, int depth, unsigned char type)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int rc = 0, k;

	if (strcmp(path, "-") == 0)
		return one_file(r, "-", STDIN_FILENO);
	if (type == DT_REG)
		return one_path(r, path);
	if (type != DT_DIR) {
		if (stat(path, &st) != 0) {
			fprintf(stderr, "mailwhy: %s: %s\n", path,
			    strerror(errno));
			return 2;
		}
		/* in a folder only files are letters: a FIFO or a device
		 * there would block the walk (given by name, a pipe is
		 * fine: mailwhy bounce <(zcat box.gz)) */
		if (!S_ISDIR(st.st_mode) && (depth == 0 || S_ISREG(st.st_mode)))
			return one_path(r, path);
		if (!S_ISDIR(st.st_mode))
			return 0;
	}
	if (depth > 3 || (d = opendir(path)) == NULL)
		return 0;
	/* a Maildir's cur/ and new/, or every file of a folder; tmp/ holds
	 * letters still being written */
	while ((e = readdir(d)) != NULL) {
		char sub[4096];

		if (e->d_name[0] == '.' || strcmp(e->d_name, "tmp") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if ((k = walk(r, sub, depth + 1, e->d_type)) > rc)
			rc = k;
		if (r->messages >= MW_BOUNCE_FOLDER_MAX)
			break;
	}
	closedir(d);
	return rc;
}

static int
cmp_tally(const void *a, const void *b)
{
	const struct tally *x = a, *y = b;

	return x->n < y->n ? 1 : x->n > y->n ? -1 : strcmp(x->key, y->key);
}

static void
summary(struct run *r, struct mw_buf *out)
{
	struct tally reasons[64];
	size_t nr = 0, i;
	const char *lang = r->lang;

	for (i = 0; i < r->nreasons && nr < 64; i++)
		if (r->groups[i].n > 0) {
			reasons[nr].key = r->reasons[i].name;
			reasons[nr++].n = r->groups[i].n;
		}
	qsort(reasons, nr, sizeof(reasons[0]), cmp_tally);
	qsort(r->domains, r->ndomains, sizeof(r->domains[0]), cmp_tally);
	if (r->o->json) {
		mw_buf_printf(out, "{\"schema_version\":1,\"kind\":"
		    "\"bounce-summary\",\"messages\":%zu,\"not_bounces\":%zu,"
		    "\"recipients\":%zu,\"hard\":%zu,\"reasons\":{",
		    r->messages, r->not_bounces, r->failed, r->hard);
		for (i = 0; i < nr; i++)
			mw_buf_printf(out, "%s\"%s\":%zu", i ? "," : "",
			    reasons[i].key, reasons[i].n);
		mw_buf_puts(out, "},\"domains\":{");
		for (i = 0; i < r->ndomains; i++) {
			const char *k = r->domains[i].key;
			size_t j;

			mw_buf_puts(out, i ? ",\"" : "\"");
			for (j = 0; k[j]; j++)
				if (k[j] == '"' || k[j] == '\\' ||
				    (unsigned char)k[j] < 32)
					mw_buf_putc(out, '_');
				else
					mw_buf_putc(out, k[j]);
			mw_buf_printf(out, "\":%zu", r->domains[i].n);
		}
		mw_buf_puts(out, "}}\n");
		return;
	}
	/* "label: number" needs no plural forms in any language. */
	mw_buf_printf(out, "\n%s: %s: %zu, %s: %zu (%s: %zu)\n",
	    mw_tr(lang, N_("Summary")), mw_tr(lang, N_("messages")),
	    r->messages, mw_tr(lang, N_("failed recipients")), r->failed,
	    mw_tr(lang, N_("hard")), r->hard);
	for (i = 0; i < nr; i++)
		mw_buf_printf(out, "  %-16s %zu\n", reasons[i].key,
		    reasons[i].n);
	if (r->ndomains == 0)
		return;
	mw_buf_printf(out, "%s:\n",
	    mw_tr(lang, N_("By destination domain")));
	for (i = 0; i < r->ndomains && i < 20; i++)
		mw_buf_printf(out, "  %-30s %zu\n", r->domains[i].key,
		    r->domains[i].n);
}

/* The reason groups, most urgent first (errors before warnings), then
 * the messages without a failed recipient. */
static void
print_groups(struct run *r)
{
	int sev;
	size_t g, j;

	for (sev = MW_SEV_ERROR; sev >= MW_SEV_INFO; sev--)
		for (g = 0; g < r->nreasons; g++) {
			const struct group *gr = &r->groups[g];
			const struct mw_reason_info *ri = &r->reasons[g];

			if (gr->n == 0 ||
			    (int)mw_catalog_get(ri->finding)->sev != sev)
				continue;
			mw_buf_reset(&r->out);
			mw_buf_printf(&r->out, "== %s (%zu) ==\n", ri->name,
			    gr->n);
			mw_buf_puts(&r->out, gr->head ? gr->head : "");
			for (j = 0; j < gr->nshown; j++)
				mw_buf_printf(&r->out, "  + %s (%s)\n",
				    gr->shown[j].rcpt && gr->shown[j].rcpt[0] ?
				    gr->shown[j].rcpt : mw_tr(r->lang,
				    N_("(address not given)")),
				    gr->shown[j].file ? gr->shown[j].file : "");
			if (gr->n - 1 > gr->nshown)
				mw_buf_printf(&r->out, "  + %zu more\n",
				    gr->n - 1 - gr->nshown);
			fwrite(r->out.p, 1, r->out.len, stdout);
		}
	for (j = 0; j < r->nothers; j++)
		fputs(r->others[j] ? r->others[j] : "", stdout);
	if (r->others_more > 0)
		printf("+ %zu more\n", r->others_more);
}

int
cmd_bounce_run(const struct bounce_opts *o, char **paths, int npaths)
{
	struct run *r = calloc(1, sizeof(*r));
	int rc = 0, k, i;

	if (r == NULL || (r->keep = mw_arena_new(0)) == NULL) {
		free(r);
		return 3;
	}
	r->o = o;
	r->worst = -1;
	r->lang = mw_i18n_pick(o->lang);
	r->flags = (o->color ? MW_RENDER_COLOR : 0) |
	    (o->verbose ? MW_RENDER_VERBOSE : 0);
	r->reasons = mw_reason_all(&r->nreasons);
	if ((r->groups = calloc(r->nreasons, sizeof(*r->groups))) == NULL) {
		mw_arena_free(&r->keep);
		free(r);
		return 3;
	}
	mw_buf_init(&r->out, MW_RENDER_MAX);
	r->progress = isatty(STDERR_FILENO) && !isatty(STDOUT_FILENO);
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	r->last = r->t0;
	if (npaths == 0)
		rc = walk(r, "-", 0, DT_UNKNOWN);
	for (i = 0; i < npaths; i++)
		if ((k = walk(r, paths[i], 0, DT_UNKNOWN)) > rc)
			rc = k;
	if (r->messages > 1)
		show_progress(r, true);
	if (!o->json)
		print_groups(r);
	/* With nothing that failed, the summary is the answer: say it. */
	if (o->summary || r->messages > 1 || (!o->json && r->failed == 0)) {
		mw_buf_reset(&r->out);
		summary(r, &r->out);
		fwrite(r->out.p, 1, r->out.len, stdout);
	}
	k = r->worst;
	mw_buf_release(&r->out);
	free(r->groups);
	mw_arena_free(&r->keep);
	free(r);
	if (rc != 0)
		return rc;
	return k >= MW_SEV_WARNING ? 1 : 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "Usage: mailwhy bounce [OPTIONS] [FILE|DIR|MBOX|-]...\n\n"
	    "Reads bounces, delivery status notifications (RFC 3464/6533),\n"
	    "feedback reports (RFC 5965) and auto-replies from files, Maildir\n"
	    "folders, mbox files or stdin, and says per failed recipient why the\n"
	    "letter came back (sisimai's reason names), hard or soft, the status\n"
	    "and reply codes, the remote server, and what to do.\n\n"
	    "  --summary            counts per reason and per destination domain\n"
	    "%s\n"
	    "Exit status: 0 nothing failed, 1 failed recipients found, 2 usage\n"
	    "error, 3 some input could not be read.\n", CLI_COMMON_HELP);
}

int
cmd_bounce(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{"summary", no_argument, NULL, OPT_CMD_BASE},
		{NULL, 0, NULL, 0},
	};
	struct bounce_opts o = {0};
	struct cli c;
	int opt, rc;

	cli_init(&c, "mailwhy bounce");
	while ((opt = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			return 0;
		}
		if (opt == OPT_CMD_BASE)
			o.summary = true;
		else if ((rc = cli_common(&c, opt, optarg)) != 0)
			return rc;
	}
	o.json = c.json;
	o.color = c.color;
	o.verbose = c.verbose;
	o.lang = c.lang;
	return cmd_bounce_run(&o, argv + optind, argc - optind);
}
