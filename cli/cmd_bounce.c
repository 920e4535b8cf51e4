/*
 * cmd_bounce.c - `mailwhy bounce FILE|DIR|MBOX|-`: why each letter came
 * back, hard or soft, and what to do, grouped by reason with the most
 * urgent first; a summary per reason and per destination domain.
 *
 * Inputs: files (one message, or an mbox when it starts with "From "), a
 * Maildir (cur/ and new/) or any folder of message files, "-" or nothing
 * for stdin.  Output through mw_render_text / mw_render_json; --json
 * writes one JSON object per failed recipient, and one per message that
 * is no bounce or names no recipient (NDJSON), then with several messages
 * or --summary a summary object.  Option parsing is local until the common CLI layer
 * (cli/cli.h) takes it over; the work is in cmd_bounce_run().
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_bounce.h"
#include "mailwhy/arena.h"
#include "mailwhy/bounce.h"
#include "mailwhy/buf.h"
#include "mailwhy/report.h"
#include "util/limits.h"

struct item {
	char *file;
	const struct mw_reason_info *ri;
	struct mw_report rep;
};

struct run {
	const struct bounce_opts *o;
	struct mw_arena *a; /* holds every report until the end */
	struct item *items;
	size_t nitems, cap;
	size_t messages, not_bounces;
	int worst;
};

static int
keep(struct run *r, const char *file, const struct mw_bounce *b, size_t i)
{
	struct item *it;

	if (r->nitems == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 64;
		struct item *n = realloc(r->items, nc * sizeof(*n));

		if (n == NULL)
			return -1;
		r->items = n;
		r->cap = nc;
	}
	it = &r->items[r->nitems];
	if (mw_report_init(&it->rep, r->a, "bounce", file) != 0)
		return -1;
	if (mw_bounce_report(&it->rep, b, i, file) != 0)
		return -1;
	it->file = mw_arena_strdup(r->a, file);
	it->ri = i < b->nrcpts ? mw_reason_get(b->rcpts[i].reason) : NULL;
	r->nitems++;
	return 0;
}

static int
one_message(struct run *r, const char *file, const uint8_t *p, size_t len)
{
	struct mw_bounce b;
	struct mw_err err;
	size_t i;

	r->messages++;
	if (mw_bounce_parse(&b, r->a, p, len, &err) != 0) {
		fprintf(stderr, "mailwhy: %s: %s\n", file, err.msg);
		return 3;
	}
	if (b.kind == MW_BOUNCE_NOT) {
		r->not_bounces++;
		/* JSON gives one record per message read, so a script sees
		 * each file was looked at; text says so with -v */
		if (r->o->verbose || r->o->json)
			return keep(r, file, &b, 0) ? 3 : 0;
		return 0;
	}
	if (b.nrcpts == 0)
		return keep(r, file, &b, 0) ? 3 : 0;
	for (i = 0; i < b.nrcpts; i++)
		if (keep(r, file, &b, i) != 0)
			return 3;
	return 0;
}

static int
read_all(FILE *f, uint8_t **out, size_t *len)
{
	size_t cap = 64 * 1024, n = 0;
	uint8_t *buf = malloc(cap);

	while (buf != NULL) {
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (got == 0)
			break;
		if (n == cap) {
			uint8_t *nb;

			/* an mbox may hold many messages: bounded by the
			 * folder cap times the message cap, not one message */
			if (cap >= (size_t)MW_MIME_MESSAGE_MAX * 64) {
				free(buf);
				return -1;
			}
			nb = realloc(buf, cap * 2);
			if (nb == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	if (buf == NULL)
		return -1;
	*out = buf;
	*len = n;
	return ferror(f) ? -1 : 0;
}

static int
one_file(struct run *r, const char *path, FILE *f)
{
	uint8_t *data;
	size_t len, off = 0;
	int rc = 0, k;

	if (read_all(f, &data, &len) != 0) {
		fprintf(stderr, "mailwhy: %s: cannot read\n", path);
		return 3;
	}
	if (len >= 5 && memcmp(data, "From ", 5) == 0) {
		const uint8_t *m;
		size_t ml, n = 0;

		while (n++ < MW_BOUNCE_FOLDER_MAX &&
		    mw_bounce_mbox_next(&m, &ml, data, len, &off)) {
			char *name = mw_arena_printf(r->a, "%s#%zu", path, n);

			if ((k = one_message(r, name ? name : path, m, ml)) > rc)
				rc = k;
		}
	} else
		rc = one_message(r, path, data, len);
	free(data);
	return rc;
}

static int
walk(struct run *r, const char *path, int depth)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int rc = 0, k;

	if (strcmp(path, "-") == 0)
		return one_file(r, "-", stdin);
	if (stat(path, &st) != 0) {
		fprintf(stderr, "mailwhy: %s: %s\n", path, strerror(errno));
		return 2;
	}
	if (!S_ISDIR(st.st_mode)) {
		FILE *f = fopen(path, "rb");

		if (f == NULL) {
			fprintf(stderr, "mailwhy: %s: %s\n", path,
			    strerror(errno));
			return 2;
		}
		rc = one_file(r, path, f);
		fclose(f);
		return rc;
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
		if ((k = walk(r, sub, depth + 1)) > rc)
			rc = k;
		if (r->messages >= MW_BOUNCE_FOLDER_MAX)
			break;
	}
	closedir(d);
	return rc;
}

/* Most urgent first: errors before warnings, then the larger group. */
static int
group_rank(const struct run *r, const struct mw_reason_info *ri, size_t *n)
{
	size_t i;

	*n = 0;
	for (i = 0; i < r->nitems; i++)
		if (r->items[i].ri == ri)
			(*n)++;
	return (int)mw_catalog_get(ri->finding)->sev;
}

struct tally {
	const char *key;
	size_t n;
};

static void
count(struct tally *t, size_t *nt, size_t max, const char *key)
{
	size_t i;

	for (i = 0; i < *nt; i++)
		if (strcmp(t[i].key, key) == 0) {
			t[i].n++;
			return;
		}
	if (*nt < max) {
		t[*nt].key = key;
		t[(*nt)++].n = 1;
	}
}

static int
cmp_tally(const void *a, const void *b)
{
	const struct tally *x = a, *y = b;

	return x->n < y->n ? 1 : x->n > y->n ? -1 : strcmp(x->key, y->key);
}

static void
summary(struct run *r, struct mw_buf *out, const char *lang)
{
	static struct tally reasons[64], domains[1024];
	size_t nr = 0, nd = 0, i, hard = 0, failed = 0;

	for (i = 0; i < r->nitems; i++) {
		const struct mw_fact *d = mw_report_fact(&r->items[i].rep,
		    "domain");
		const struct mw_fact *h = mw_report_fact(&r->items[i].rep,
		    "hard");

		if (r->items[i].ri == NULL)
			continue; /* no bounce, or no recipient named */
		failed++;
		count(reasons, &nr, 64, r->items[i].ri->name);
		count(domains, &nd, 1024, d && d->s ? d->s : "");
		if (h && h->b)
			hard++;
	}
	qsort(reasons, nr, sizeof(reasons[0]), cmp_tally);
	qsort(domains, nd, sizeof(domains[0]), cmp_tally);
	if (r->o->json) {
		mw_buf_printf(out, "{\"schema_version\":1,\"kind\":"
		    "\"bounce-summary\",\"messages\":%zu,\"not_bounces\":%zu,"
		    "\"recipients\":%zu,\"hard\":%zu,\"reasons\":{",
		    r->messages, r->not_bounces, failed, hard);
		for (i = 0; i < nr; i++)
			mw_buf_printf(out, "%s\"%s\":%zu", i ? "," : "",
			    reasons[i].key, reasons[i].n);
		mw_buf_puts(out, "},\"domains\":{");
		for (i = 0; i < nd; i++) {
			const char *k = domains[i].key;
			size_t j;

			mw_buf_puts(out, i ? ",\"" : "\"");
			for (j = 0; k[j]; j++)
				if (k[j] == '"' || k[j] == '\\' ||
				    (unsigned char)k[j] < 32)
					mw_buf_putc(out, '_');
				else
					mw_buf_putc(out, k[j]);
			mw_buf_printf(out, "\":%zu", domains[i].n);
		}
		mw_buf_puts(out, "}}\n");
		return;
	}
	/* "label: number" needs no plural forms in any language. */
	mw_buf_printf(out, "\n%s: %s: %zu, %s: %zu (%s: %zu)\n",
	    mw_tr(lang, N_("Summary")), mw_tr(lang, N_("messages")),
	    r->messages, mw_tr(lang, N_("failed recipients")), failed,
	    mw_tr(lang, N_("hard")), hard);
	for (i = 0; i < nr; i++)
		mw_buf_printf(out, "  %-16s %zu\n", reasons[i].key,
		    reasons[i].n);
	if (nd == 0)
		return;
	mw_buf_printf(out, "%s:\n",
	    mw_tr(lang, N_("By destination domain")));
	for (i = 0; i < nd && i < 20; i++)
		mw_buf_printf(out, "  %-30s %zu\n", domains[i].key,
		    domains[i].n);
}

int
cmd_bounce_run(const struct bounce_opts *o, char **paths, int npaths)
{
	struct run r = {.o = o, .worst = -1};
	struct mw_buf out;
	const char *lang = mw_i18n_pick(o->lang);
	unsigned flags = (o->color ? MW_RENDER_COLOR : 0) |
	    (o->verbose ? MW_RENDER_VERBOSE : 0);
	int rc = 0, k, i;
	size_t n, all;
	const struct mw_reason_info *reasons = mw_reason_all(&all);

	r.a = mw_arena_new(1024u * 1024 * 1024);
	if (r.a == NULL)
		return 3;
	if (npaths == 0)
		rc = walk(&r, "-", 0);
	for (i = 0; i < npaths; i++)
		if ((k = walk(&r, paths[i], 0)) > rc)
			rc = k;
	mw_buf_init(&out, MW_RENDER_MAX);
	if (o->json) {
		for (n = 0; n < r.nitems; n++) {
			mw_buf_reset(&out);
			mw_render_json(&out, &r.items[n].rep, lang, 0);
			fwrite(out.p, 1, out.len, stdout);
			if (out.len == 0 || out.p[out.len - 1] != '\n')
				putchar('\n');
		}
	} else {
		/* reason groups, most urgent first */
		int sev;

		for (sev = MW_SEV_ERROR; sev >= MW_SEV_INFO; sev--) {
			size_t g, gn;

			for (g = 0; g < all; g++) {
				const struct mw_reason_info *ri = &reasons[g];
				size_t first = SIZE_MAX, j, shown = 0;

				if (group_rank(&r, ri, &gn) != sev || gn == 0)
					continue;
				for (j = 0; j < r.nitems; j++)
					if (r.items[j].ri == ri) {
						first = j;
						break;
					}
				mw_buf_reset(&out);
				mw_buf_printf(&out, "== %s (%zu) ==\n",
				    ri->name, gn);
				mw_render_text(&out, &r.items[first].rep,
				    lang, flags);
				for (j = first + 1; j < r.nitems; j++) {
					const struct mw_fact *f;

					if (r.items[j].ri != ri)
						continue;
					f = mw_report_fact(&r.items[j].rep,
					    "recipient");
					if (shown++ < 50)
						mw_buf_printf(&out, "  + %s "
						    "(%s)\n", f && f->s ? f->s :
						    "", r.items[j].file);
				}
				if (shown > 50)
					mw_buf_printf(&out, "  + %zu more\n",
					    shown - 50);
				fwrite(out.p, 1, out.len, stdout);
			}
		}
		for (n = 0; n < r.nitems; n++)
			if (r.items[n].ri == NULL) {
				mw_buf_reset(&out);
				mw_render_text(&out, &r.items[n].rep, lang,
				    flags);
				fwrite(out.p, 1, out.len, stdout);
			}
	}
	for (n = 0; n < r.nitems && r.items[n].ri == NULL; n++)
		;
	/* With nothing that failed, the summary is the answer: say it. */
	if (o->summary || r.messages > 1 || (!o->json && n == r.nitems)) {
		mw_buf_reset(&out);
		summary(&r, &out, lang);
		fwrite(out.p, 1, out.len, stdout);
	}
	for (n = 0; n < r.nitems; n++) {
		int w = mw_report_worst(&r.items[n].rep);

		if (w > r.worst)
			r.worst = w;
	}
	mw_buf_release(&out);
	free(r.items);
	mw_arena_free(&r.a);
	if (rc != 0)
		return rc;
	return r.worst >= MW_SEV_WARNING ? 1 : 0;
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
