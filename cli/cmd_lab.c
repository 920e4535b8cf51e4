/*
 * cmd_lab.c - `mailwhy lab up|down|status|exec|env`: runs lab/lab.sh.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int
cmd_lab(int argc, char **argv)
{
	char script[1024];
	char **args;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		printf("Usage: mailwhy lab up|down|status|exec CMD...|env\n\n"
		    "The lab is a closed mail world in the network namespace "
		    MW_LAB_NS ":\nKnot DNS with a zone per scenario and a "
		    "validating resolver at " MW_LAB_DNS ".\nIt needs root. "
		    "Other commands use it with --lab.\n");
		return argc < 2 ? EXIT_USAGE : 0;
	}
	snprintf(script, sizeof(script), "%s/lab.sh", cli_lab_dir());
	if ((args = calloc((size_t)argc + 2, sizeof(*args))) == NULL)
		return EXIT_INCOMPLETE;
	args[0] = "sh";
	args[1] = script;
	for (int i = 1; i < argc; i++)
		args[i + 1] = argv[i];
	execvp("sh", args);
	fprintf(stderr, "mailwhy: cannot run %s: %s\n", script,
	    strerror(errno));
	free(args);
	return EXIT_INCOMPLETE;
}
