/*
 * replay.c - runs a fuzz target over every file of its seed corpus, so
 * the corpus is a plain regression test in every build.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
	DIR *d;
	struct dirent *e;
	int n = 0;

	if (argc != 2 || (d = opendir(argv[1])) == NULL) {
		fprintf(stderr, "usage: replay CORPUS_DIR (%s)\n",
		    argc > 1 ? argv[1] : "");
		return 1;
	}
	while ((e = readdir(d)) != NULL) {
		char path[4096];
		FILE *f;
		uint8_t *buf;
		long sz;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", argv[1], e->d_name);
		if ((f = fopen(path, "rb")) == NULL)
			continue;
		fseek(f, 0, SEEK_END);
		sz = ftell(f);
		fseek(f, 0, SEEK_SET);
		buf = malloc(sz > 0 ? (size_t)sz : 1);
		if (buf != NULL && fread(buf, 1, (size_t)sz, f) == (size_t)sz) {
			LLVMFuzzerTestOneInput(buf, (size_t)sz);
			n++;
		}
		free(buf);
		fclose(f);
	}
	closedir(d);
	printf("replayed %d inputs from %s\n", n, argv[1]);
	return n > 0 ? 0 : 1;
}
