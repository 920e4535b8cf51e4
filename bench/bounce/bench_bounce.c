/*
 * bench_bounce - bounces per second and peak memory of mw_bounce_parse.
 *
 * usage: bench_bounce DIR [N]
 * Loads every file under DIR (the bounce corpus), then parses N messages
 * (default 50,000) cycling through them, one arena per message as the
 * CLI and a server would.  Prints messages/s, recipients found and the
 * peak RSS (getrusage).  Measured, never asserted (DESIGN.md).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "mailwhy/arena.h"
#include "mailwhy/bounce.h"

struct file {
	unsigned char *p;
	size_t len;
};

static struct file *files;
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
		if (files == NULL)
			exit(1);
	}
	{
		FILE *f = fopen(path, "rb");
		struct file *x = &files[nfiles];

		if (f == NULL)
			return;
		x->len = (size_t)st.st_size;
		x->p = malloc(x->len);
		if (x->p != NULL && fread(x->p, 1, x->len, f) == x->len)
			nfiles++;
		fclose(f);
	}
}

int
main(int argc, char **argv)
{
	size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 50000;
	size_t i, rcpts = 0, bytes = 0;
	struct timespec t0, t1;
	struct rusage ru;
	double s;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_bounce DIR [N]\n");
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

		if (a == NULL)
			return 1;
		if (mw_bounce_parse(&b, a, f->p, f->len, NULL) == 0)
			rcpts += b.nrcpts;
		bytes += f->len;
		mw_arena_free(&a);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	getrusage(RUSAGE_SELF, &ru);
	printf("mailwhy: %zu messages (%zu distinct files, %.1f MB) in %.2f s"
	    " = %.0f bounces/s, %zu recipients, peak RSS %ld MB\n", n, nfiles,
	    (double)bytes / 1e6, s, (double)n / s, rcpts,
	    ru.ru_maxrss / 1024);
	return 0;
}
