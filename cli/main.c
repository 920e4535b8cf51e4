/*
 * main.c - the mailwhy command: one verb per kind of evidence.
 */
#include <stdio.h>
#include <string.h>

#include "cmd_bounce.h"
#include "mailwhy/report.h"
#include "mw_config.h"

int
main(int argc, char **argv)
{
	size_t n;
	const struct mw_finding_def *c = mw_catalog(&n);

	if (argc > 1 && strcmp(argv[1], "bounce") == 0)
		return cmd_bounce(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("mailwhy %s\n", MW_VERSION);
		return 0;
	}
	printf("%zu codes, first %s: %s\n", n, c[0].code,
	    mw_tr(mw_i18n_pick(NULL), c[0].title));
	return 0;
}
