/*
 * bench_bounce - bounces per second and peak memory of mw_bounce_parse.
 *
 * usage: bench_bounce DIR [N]
 * Loads every file under DIR (the bounce corpus), then parses N messages
 * (default 50,000) cycling through them, one arena per message as the
 * CLI and a server would.  Prints messages/s, recipients found and the
 * peak RSS (getrusage).  Measured, never asserted (DESIGN.md).
 *
 * usage: bench_bounce -f DIR [N]
 * The same, but each message is read from its file inside the timed loop
 * (open, read, close), as Sisimai reads a Maildir: the figure to compare.
 *
 * usage: bench_bounce -p DIR
 * Prints each file's size and its parse time (ns, best of 20), slowest
 * first: where the time of a run goes.
 *
 * usage: bench_bounce -d DIR
 * Prints every file's verdict instead (kind, detector, and per recipient
 * the address, reason, status, reply code, hard, action, command), files
 * in name order.  -g reads every message through GMime (the fast MIME
 * reader off): run.sh diffs the two dumps, so a speed-up that changes a
 * verdict shows.
 */
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "mailwhy/arena.h"
#include "mailwhy/bounce.h"
#include "mime/mime_int.h"

struct file {
	unsigned char *p;
	size_t len;
};

static struct file *files;
static char **names;
static size_t nfiles, capfiles;

static void
load(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;

	if (stat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		if ((d = opendir(path)) == NULL)
			return;
		while ((e = readdir(d)) != NULL) {
			char sub[4096];

			if (e->d_name[0] == '.')
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			load(sub);
		}
		closedir(d);
		return;
	}
	if (!S_ISREG(st.st_mode) || st.st_size <= 0)
		return;
	if (nfiles == capfiles) {
		capfiles = capfiles ? capfiles * 2 : 512;
		files = realloc(files, capfiles * sizeof(*files));
		names = realloc(names, capfiles * sizeof(*names));
		if (files == NULL || names == NULL)
			exit(1);
	}
	{
		FILE *f = fopen(path, "rb");
		struct file *x = &files[nfiles];

		if (f == NULL)
			return;
		x->len = (size_t)st.st_size;
		x->p = malloc(x->len);
		if (x->p != NULL && fread(x->p, 1, x->len, f) == x->len &&
		    (names[nfiles] = strdup(path)) != NULL)
			nfiles++;
		fclose(f);
	}
}

static int
by_name(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	return strcmp(names[i], names[j]);
}

/* The diagnostic on one line: control bytes shown as spaces. */
static void
oneline(const char *s)
{
	for (; *s; s++)
		putchar((unsigned char)*s < 0x20 ? ' ' : *s);
	putchar('\n');
}

/* One line per recipient (one per message without any): what a
 * speed-up must not change. */
static int
dump(const char *dir)
{
	size_t *ord, i, k;
	const char *base;

	load(dir);
	if ((ord = calloc(nfiles + 1, sizeof(*ord))) == NULL)
		return 1;
	for (i = 0; i < nfiles; i++)
		ord[i] = i;
	qsort(ord, nfiles, sizeof(*ord), by_name);
	for (i = 0; i < nfiles; i++) {
		struct file *f = &files[ord[i]];
		struct mw_arena *a = mw_arena_new(0);
		struct mw_bounce b;
		int rc;

		if (a == NULL)
			return 1;
		base = names[ord[i]] + strlen(dir);
		rc = mw_bounce_parse(&b, a, f->p, f->len, NULL);
		if (rc != 0)
			printf("%s\terror %d\n", base, rc);
		else if (b.nrcpts == 0)
			printf("%s\t%d\t%s\n", base, (int)b.kind, b.detector);
		for (k = 0; rc == 0 && k < b.nrcpts; k++) {
			const struct mw_bounce_rcpt *r = &b.rcpts[k];

			printf("%s\t%d\t%s\t%s\t%s\t%s\t%s%s\t%d\t%d"
			    "\t%s\t%s\t%s\t%s\t", base, (int)b.kind,
			    b.detector, r->recipient, r->final_recipient,
			    r->reason, r->status, r->status_pseudo ? "*" : "",
			    r->reply_code, (int)r->hard, r->action, r->command,
			    r->feedback_type, r->remote_mta);
			oneline(r->diagnostic);
		}
		mw_arena_free(&a);
	}
	free(ord);
	return 0;
}

static double
now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

struct cost {
	size_t i;
	double ns;
};

static int
by_cost(const void *a, const void *b)
{
	const struct cost *x = a, *y = b;

	return x->ns < y->ns ? 1 : x->ns > y->ns ? -1 : 0;
}

/* Each file's best-of-20 parse time, slowest first. */
static int
per_file(const char *dir)
{
	struct cost *c;
	double total = 0;
	size_t i, k;

	load(dir);
	if ((c = calloc(nfiles + 1, sizeof(*c))) == NULL)
		return 1;
	for (i = 0; i < nfiles; i++) {
		c[i].i = i;
		c[i].ns = 1e18;
		for (k = 0; k < 20; k++) {
			struct mw_arena *a = mw_arena_new(0);
			struct mw_bounce b;
			double t0 = now_ns(), t;

			(void)mw_bounce_parse(&b, a, files[i].p, files[i].len,
			    NULL);
			t = now_ns() - t0;
			mw_arena_free(&a);
			if (t < c[i].ns)
				c[i].ns = t;
		}
		total += c[i].ns;
	}
	qsort(c, nfiles, sizeof(*c), by_cost);
	for (i = 0; i < nfiles; i++)
		printf("%8.0f ns %5.1f%% %8zu B  %s\n", c[i].ns,
		    100 * c[i].ns / total, files[c[i].i].len, names[c[i].i]);
	free(c);
	return 0;
}

int
main(int argc, char **argv)
{
	size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 50000;
	size_t i, rcpts = 0, bytes = 0;
	bool from_files = false;
	uint8_t *buf = NULL;
	size_t bufcap = 0;
	struct timespec t0, t1;
	struct rusage ru;
	double s;

	if (argc == 3 && strcmp(argv[1], "-d") == 0)
		return dump(argv[2]);
	if (argc == 3 && strcmp(argv[1], "-p") == 0)
		return per_file(argv[2]);
	if (argc == 4 && strcmp(argv[1], "-d") == 0 &&
	    strcmp(argv[2], "-g") == 0) {
		mw__mime_force_gmime(true);
		return dump(argv[3]);
	}
	if (argc >= 3 && strcmp(argv[1], "-f") == 0) {
		from_files = true;
		argv++;
		argc--;
		n = argc > 2 ? strtoul(argv[2], NULL, 10) : 50000;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: bench_bounce [-f] DIR [N] | "
		    "-d [-g] DIR | -p DIR\n");
		return 2;
	}
	load(argv[1]);
	if (nfiles == 0) {
		fprintf(stderr, "bench_bounce: no files under %s\n", argv[1]);
		return 77;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		struct file *f = &files[i % nfiles];
		struct mw_arena *a = mw_arena_new(0);
		struct mw_bounce b;
		const uint8_t *p = f->p;
		size_t len = f->len;

		if (a == NULL)
			return 1;
		if (from_files) {
			int fd = open(names[i % nfiles], O_RDONLY);
			struct stat st;

			if (fd < 0 || fstat(fd, &st) != 0)
				return 1;
			len = (size_t)st.st_size;
			if (len > bufcap && (buf = realloc(buf,
			    bufcap = len)) == NULL)
				return 1;
			if (read(fd, buf, len) != (ssize_t)len)
				return 1;
			close(fd);
			p = buf;
		}
		if (mw_bounce_parse(&b, a, p, len, NULL) == 0)
			rcpts += b.nrcpts;
		bytes += len;
		mw_arena_free(&a);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	getrusage(RUSAGE_SELF, &ru);
	printf("mailwhy%s: %zu messages (%zu distinct files, %.1f MB) in %.2f s"
	    " = %.0f bounces/s, %zu recipients, peak RSS %ld MB\n",
	    from_files ? " (read from files)" : "", n, nfiles,
	    (double)bytes / 1e6, s, (double)n / s, rcpts,
	    ru.ru_maxrss / 1024);
	return 0;
}
