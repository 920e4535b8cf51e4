/*
 * cmd_bounce.h - the bounce command; options parsed apart from the work
 * so the common CLI layer can call cmd_bounce_run() directly.
 */
#ifndef MW_CLI_CMD_BOUNCE_H
#define MW_CLI_CMD_BOUNCE_H

#include <stdbool.h>

struct bounce_opts {
	bool json;
	bool summary;
	bool color;
	bool verbose;
	const char *lang; /* NULL: from the locale */
};

int cmd_bounce_run(const struct bounce_opts *o, char **paths, int npaths);
/* argv[0] is "bounce". */
int cmd_bounce(int argc, char **argv);

#endif
