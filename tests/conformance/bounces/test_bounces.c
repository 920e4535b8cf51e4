/*
 * Conformance: sisimai's set-of-emails and flufl.bounce's samples
 * ($MW_CORPORA/bounces, with expectations.tsv) through mw_bounce_parse.
 *
 * For each expectation row with a reason (kind exact or same-as-bsd): the
 * recipient it is about (recipients.tsv, argv[1]: the address the sender
 * wrote) is looked up among ours, case-insensitively, and compared on
 * reason, status (D.S.N) and hard/soft; a missing or different address
 * counts as not found.  Rows whose message names no address compare by
 * position, and want an empty recipient.  is-bounce rows must give at least one
 * result, not-bounce rows none, flufl rows must find every listed
 * address.  Prints agreement overall and per family (lhost-*, rhost-*,
 * rfc3464-*, rfc3834-*, arf-*), the recipients found, and the top
 * confusions; MW_VERBOSE=1 lists every disagreement.
 *
 * Fails when reason agreement drops below MIN_REASON_PCT or recipients
 * found below MIN_RCPT_PCT (set at the measured level: a regression
 * gate, not a goal).  Exits 77 when the corpora are absent.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mailwhy/arena.h"
#include "mailwhy/bounce.h"

#define MIN_REASON_PCT 97.0
#define MIN_RCPT_PCT 100.0
#define MAXROWS 2048
#define MAXFAM 8

struct row {
	char file[512], kind[32], status[32], reply[16], reason[32];
	char detail[1024];
	char addr[256];
	int idx, hard;
	bool has_addr;
};

struct tally {
	const char *name;
	unsigned rows, reason, status, hard, found;
};

static struct row rows[MAXROWS];
static size_t nrows;
static struct tally fams[MAXFAM] = {{.name = "lhost"}, {.name = "rhost"},
    {.name = "rfc3464"},
    {.name = "rfc3834"}, {.name = "arf"}, {.name = "other"}};
static struct tally all = {.name = "all"};

struct conf {
	char want[32], got[32];
	unsigned n;
};
static struct conf confs[512];
static size_t nconfs;

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long sz;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(sz > 0 ? (size_t)sz + 1 : 1);
	if (buf == NULL || (sz > 0 && fread(buf, 1, (size_t)sz, f) !=
	    (size_t)sz)) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = sz > 0 ? (size_t)sz : 0;
	return buf;
}

static void
split_tab(char *line, char **cols, int max)
{
	int i;

	for (i = 0; i < max; i++) {
		cols[i] = line;
		if (line != NULL) {
			char *t = strchr(line, '\t');

			if (t != NULL) {
				*t = '\0';
				line = t + 1;
			} else
				line = NULL;
		}
	}
}

static void
load(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096];

	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		char *c[11];
		struct row *r;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || strncmp(line, "file\t", 5) == 0)
			continue;
		split_tab(line, c, 11);
		if (nrows >= MAXROWS || c[1] == NULL)
			continue;
		r = &rows[nrows++];
		snprintf(r->file, sizeof(r->file), "%s", c[0]);
		snprintf(r->kind, sizeof(r->kind), "%s", c[1]);
		r->idx = c[2] && *c[2] ? atoi(c[2]) : 0;
		snprintf(r->status, sizeof(r->status), "%s", c[3] ? c[3] : "");
		snprintf(r->reply, sizeof(r->reply), "%s", c[4] ? c[4] : "");
		snprintf(r->reason, sizeof(r->reason), "%s", c[5] ? c[5] : "");
		r->hard = c[6] && *c[6] ? atoi(c[6]) : -1;
		snprintf(r->detail, sizeof(r->detail), "%s",
		    c[10] ? c[10] : "");
	}
	if (f != NULL)
		fclose(f);
}

/* recipients.tsv: file, recipient_index, reason, address. */
static void
load_rcpts(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[2048];

	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		char *c[4];
		size_t i;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#')
			continue;
		split_tab(line, c, 4);
		if (c[3] == NULL)
			continue;
		for (i = 0; i < nrows; i++)
			if (strcmp(rows[i].file, c[0]) == 0 &&
			    rows[i].idx == atoi(c[1]) &&
			    strcmp(rows[i].reason, c[2]) == 0 &&
			    !rows[i].has_addr) {
				snprintf(rows[i].addr, sizeof(rows[i].addr),
				    "%s", c[3]);
				rows[i].has_addr = true;
			}
	}
	if (f != NULL)
		fclose(f);
}

static struct tally *
family(const char *file)
{
	const char *b = strrchr(file, '/');

	b = b ? b + 1 : file;
	if (strncmp(b, "lhost-", 6) == 0)
		return &fams[0];
	if (strncmp(b, "rhost-", 6) == 0)
		return &fams[1];
	if (strncmp(b, "rfc3464-", 8) == 0)
		return &fams[2];
	if (strncmp(b, "rfc3834-", 8) == 0)
		return &fams[3];
	if (strncmp(b, "arf-", 4) == 0)
		return &fams[4];
	return &fams[5];
}

static void
confuse(const char *want, const char *got)
{
	size_t i;

	for (i = 0; i < nconfs; i++)
		if (strcmp(confs[i].want, want) == 0 &&
		    strcmp(confs[i].got, got) == 0) {
			confs[i].n++;
			return;
		}
	if (nconfs < sizeof(confs) / sizeof(confs[0])) {
		snprintf(confs[nconfs].want, 32, "%s", want);
		snprintf(confs[nconfs].got, 32, "%s", got);
		confs[nconfs++].n = 1;
	}
}

static int
cmpconf(const void *a, const void *b)
{
	return (int)((const struct conf *)b)->n -
	    (int)((const struct conf *)a)->n;
}

/* All results of one file (an mbox gives several messages). */
struct result {
	struct mw_arena *arena;
	struct mw_bounce b[64];
	size_t nb;
	bool ok;
};

static void
run(struct result *res, const char *root, const char *file)
{
	char path[1024];
	size_t len, off = 0;
	char *data;
	const uint8_t *m;
	size_t ml;

	res->nb = 0;
	res->ok = false;
	res->arena = mw_arena_new(0);
	snprintf(path, sizeof(path), "%s/bounces/%s", root, file);
	if ((data = slurp(path, &len)) == NULL)
		return;
	res->ok = true;
	/* RFC 4155: a file that starts with "From " is an mbox */
	if (strstr(file, "mailbox/") != NULL ||
	    (len >= 5 && memcmp(data, "From ", 5) == 0)) {
		while (res->nb < 64 && mw_bounce_mbox_next(&m, &ml,
		    (const uint8_t *)data, len, &off))
			if (mw_bounce_parse(&res->b[res->nb], res->arena, m,
			    ml, NULL) == 0)
				res->nb++;
	} else if (mw_bounce_parse(&res->b[0], res->arena,
	    (const uint8_t *)data, len, NULL) == 0)
		res->nb = 1;
	/* the parse copies what it keeps into the arena */
	free(data);
}

static size_t
nresults(const struct result *res)
{
	size_t i, n = 0;

	for (i = 0; i < res->nb; i++)
		if (res->b[i].kind != MW_BOUNCE_NOT)
			n += res->b[i].nrcpts;
	return n;
}

static bool
has_addr(const struct result *res, const char *addr)
{
	size_t i, k;

	for (i = 0; i < res->nb; i++)
		for (k = 0; k < res->b[i].nrcpts; k++)
			if (strcasecmp(res->b[i].rcpts[k].recipient,
			    addr) == 0)
				return true;
	return false;
}

static void
pct(const char *what, unsigned n, unsigned d)
{
	printf("  %-8s %4u/%-4u %6.2f%%", what, n, d, d ? 100.0 * n / d :
	    100.0);
}

/* The n-th (0-based) of our recipients with this address, or NULL. */
static const struct mw_bounce_rcpt *
by_addr(const struct result *res, const char *addr, unsigned n)
{
	size_t i, k;

	for (i = 0; i < res->nb; i++)
		for (k = 0; k < res->b[i].nrcpts; k++)
			if (strcasecmp(res->b[i].rcpts[k].recipient,
			    addr) == 0 && n-- == 0)
				return &res->b[i].rcpts[k];
	return NULL;
}

int
main(int argc, char **argv)
{
	const char *root = getenv("MW_CORPORA");
	bool verbose = getenv("MW_VERBOSE") != NULL;
	char path[1024];
	size_t i;
	unsigned isb = 0, isb_ok = 0, notb = 0, notb_ok = 0;
	unsigned fl = 0, fl_ok = 0, fla = 0, fla_ok = 0;
	struct result res;
	const char *last = "";
	double rp, fp;

	if (root == NULL)
		root = "../shared/corpora";
	snprintf(path, sizeof(path), "%s/bounces/expectations.tsv", root);
	load(path);
	if (argc > 1)
		load_rcpts(argv[1]);
	if (nrows == 0) {
		printf("bounces: corpus absent (%s); skipped\n", path);
		return 77;
	}
	memset(&res, 0, sizeof(res));
	for (i = 0; i < nrows; i++) {
		struct row *r = &rows[i];

		if (strcmp(r->file, last) != 0) {
			mw_arena_free(&res.arena);
			run(&res, root, r->file);
			last = r->file;
		}
		if (strstr(r->file, "/size-") != NULL)
			continue; /* 0-2 byte files: must just not crash */
		if (strcmp(r->kind, "is-bounce") == 0) {
			isb++;
			if (nresults(&res) > 0)
				isb_ok++;
			else if (verbose)
				printf("MISS is-bounce %s\n", r->file);
			continue;
		}
		if (strcmp(r->kind, "not-bounce") == 0) {
			notb++;
			if (res.nb == 0 || res.b[0].kind != MW_BOUNCE_FAILURE)
				notb_ok++;
			else if (verbose)
				printf("FALSE bounce %s\n", r->file);
			continue;
		}
		if (strcmp(r->kind, "flufl-addresses") == 0) {
			char *s = strchr(r->detail, '{'), *e;
			bool ok = true;

			fl++;
			while (s != NULL) {
				char *tok;

				e = strchr(s, '}');
				if (e == NULL)
					break;
				*e = '\0';
				for (tok = strtok(s + 1, ", "); tok != NULL;
				    tok = strtok(NULL, ", ")) {
					fla++;
					if (has_addr(&res, tok))
						fla_ok++;
					else {
						ok = false;
						if (verbose)
							printf("MISS flufl %s "
							    "%s\n", r->file,
							    tok);
					}
				}
				s = strchr(e + 1, '{');
			}
			fl_ok += ok;
			continue;
		}
		if (r->reason[0] == '\0' || r->idx < 1)
			continue;
		{
			struct tally *t = family(r->file);
			const struct mw_bounce_rcpt *g = NULL;
			size_t k, want = (size_t)r->idx, seen = 0;

			for (k = 0; k < res.nb && g == NULL; k++) {
				if (want - seen <= res.b[k].nrcpts)
					g = &res.b[k].rcpts[want - seen - 1];
				else
					seen += res.b[k].nrcpts;
			}
			if (r->has_addr && r->addr[0] != '\0') {
				/* an address twice (two bounces in one
				 * file): the rows take them in turn */
				unsigned n = 0;
				size_t j;

				for (j = 0; j < i; j++)
					if (strcmp(rows[j].file, r->file) == 0 &&
					    rows[j].has_addr && strcasecmp(
					    rows[j].addr, r->addr) == 0 &&
					    rows[j].idx != r->idx)
						n++;
				g = by_addr(&res, r->addr, n);
				if (g == NULL)
					g = by_addr(&res, r->addr, 0);
				if (g == NULL && verbose)
					printf("WRONGRCPT %s #%d want <%s>\n",
					    r->file, r->idx, r->addr);
			} else if (r->has_addr && g != NULL &&
			    g->recipient[0] != '\0') {
				if (verbose)
					printf("WRONGRCPT %s #%d want none, "
					    "got <%s>\n", r->file, r->idx,
					    g->recipient);
				g = NULL;
			}
			t->rows++;
			all.rows++;
			if (g == NULL) {
				confuse(r->reason, "(none)");
				if (verbose)
					printf("NORCPT %s #%d want %s\n",
					    r->file, r->idx, r->reason);
				continue;
			}
			t->found++;
			all.found++;
			if (strcmp(g->reason, r->reason) == 0) {
				t->reason++;
				all.reason++;
			} else {
				confuse(r->reason, g->reason);
				if (verbose)
					printf("REASON %s #%d want %s got %s "
					    "[%s] {%.200s}\n", r->file,
					    r->idx, r->reason, g->reason,
					    g->status, g->diagnostic);
			}
			if (strcmp(g->status, r->status) == 0) {
				t->status++;
				all.status++;
			} else if (verbose && getenv("MW_VERBOSE_STATUS"))
				printf("STATUS %s #%d want %s got %s\n",
				    r->file, r->idx, r->status, g->status);
			if ((int)g->hard == r->hard) {
				t->hard++;
				all.hard++;
			}
		}
	}
	mw_arena_free(&res.arena);

	printf("bounces: sisimai set-of-emails + flufl.bounce\n");
	for (i = 0; i < MAXFAM && fams[i].name != NULL; i++) {
		if (fams[i].rows == 0)
			continue;
		printf("%-8s", fams[i].name);
		pct("reason", fams[i].reason, fams[i].rows);
		pct("status", fams[i].status, fams[i].rows);
		pct("hard", fams[i].hard, fams[i].rows);
		pct("found", fams[i].found, fams[i].rows);
		printf("\n");
	}
	printf("%-8s", "overall");
	pct("reason", all.reason, all.rows);
	pct("status", all.status, all.rows);
	pct("hard", all.hard, all.rows);
	pct("found", all.found, all.rows);
	printf("\n");
	printf("is-bounce: %u/%u give a result; not-bounce: %u/%u clean; "
	    "flufl: %u/%u files, %u/%u addresses found\n", isb_ok, isb,
	    notb_ok, notb, fl_ok, fl, fla_ok, fla);
	qsort(confs, nconfs, sizeof(confs[0]), cmpconf);
	printf("top confusions (expected -> got):\n");
	for (i = 0; i < nconfs && i < 15; i++)
		printf("  %3u  %-16s -> %s\n", confs[i].n, confs[i].want,
		    confs[i].got);
	rp = all.rows ? 100.0 * all.reason / all.rows : 100.0;
	fp = all.rows ? 100.0 * all.found / all.rows : 100.0;
	if (rp < MIN_REASON_PCT || fp < MIN_RCPT_PCT) {
		printf("FAIL: reason %.2f%% (gate %.1f%%), recipients %.2f%% "
		    "(gate %.1f%%)\n", rp, MIN_REASON_PCT, fp, MIN_RCPT_PCT);
		return 1;
	}
	return 0;
}
