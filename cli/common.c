/*
 * common.c - the options and output every mailwhy command shares.
 */
#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "mailwhy/dns.h"
#include "mw_config.h"

void
cli_init(struct cli *c, const char *prog)
{
	const char *nc = getenv("NO_COLOR");

	memset(c, 0, sizeof(*c));
	c->prog = prog;
	/* https://no-color.org: any non-empty NO_COLOR turns colour off. */
	c->color = isatty(STDOUT_FILENO) && !(nc && nc[0]) &&
	    !(getenv("TERM") && strcmp(getenv("TERM"), "dumb") == 0);
	c->lang = mw_i18n_pick(NULL);
}

const char *
cli_tr(const struct cli *c, const char *msgid)
{
	return mw_tr(c->lang, msgid);
}

int
cli_common(struct cli *c, int opt, const char *arg)
{
	char *end;
	double secs;

	switch (opt) {
	case OPT_JSON:
		c->json = true;
		return 0;
	case OPT_LANG:
		if (strcmp(arg, "ru") != 0 && strcmp(arg, "en") != 0) {
			fprintf(stderr, "%s: --lang takes ru or en, not '%s'\n",
			    c->prog, arg);
			return EXIT_USAGE;
		}
		c->lang = mw_i18n_pick(arg);
		return 0;
	case OPT_DNS:
		c->dns = arg;
		return 0;
	case OPT_TRUST_ANCHOR:
		if (access(arg, R_OK) != 0) {
			fprintf(stderr, "%s: cannot read trust anchor file %s: "
			    "%s\n", c->prog, arg, strerror(errno));
			return EXIT_USAGE;
		}
		c->trust_anchor = arg;
		return 0;
	case OPT_TIMEOUT:
		errno = 0;
		secs = strtod(arg, &end);
		if (errno || end == arg || *end || secs <= 0 || secs > 600) {
			fprintf(stderr, "%s: --timeout takes seconds between 0 "
			    "and 600, not '%s'\n", c->prog, arg);
			return EXIT_USAGE;
		}
		c->timeout_ms = (unsigned)(secs * 1000);
		return 0;
	case OPT_NO_COLOR:
		c->color = false;
		return 0;
	case OPT_OFFLINE:
		c->offline = true;
		return 0;
	case OPT_ALLOW_PRIVATE:
		c->allow_private = true;
		return 0;
	case OPT_LAB:
		c->lab = true;
		return 0;
	case 'v':
		c->verbose = true;
		return 0;
	}
	fprintf(stderr, "Try '%s --help'.\n", c->prog);
	return EXIT_USAGE;
}

const char *
cli_lab_dir(void)
{
	const char *env = getenv("MAILWHY_LAB_DIR");
	struct stat st;

	if (env != NULL && env[0] != '\0')
		return env;
	if (stat(MW_LABDIR_SOURCE "/lab.sh", &st) == 0)
		return MW_LABDIR_SOURCE;
	return MW_LABDIR_INSTALLED;
}

const char *
cli_lab_ns(void)
{
	const char *env = getenv("MAILWHY_LAB_NS");

	return env != NULL && env[0] != '\0' ? env : MW_LAB_NS;
}

static bool
in_lab_netns(const char *path)
{
	struct stat self, lab;

	if (stat("/proc/self/ns/net", &self) != 0 || stat(path, &lab) != 0)
		return false;
	return self.st_ino == lab.st_ino && self.st_dev == lab.st_dev;
}

int
cli_enter_lab(struct cli *c, int argc, char **argv)
{
	static char anchors[512];
	const char *state = getenv("MAILWHY_LAB_STATE");
	const char *ns = cli_lab_ns();
	char nspath[300];
	struct stat st;

	if (!c->lab)
		return 0;
	snprintf(nspath, sizeof(nspath), "/run/netns/%s", ns);
	if (stat(nspath, &st) != 0) {
		fprintf(stderr, "%s: the lab is not running; start it with "
		    "'mailwhy lab up' (as root)\n", c->prog);
		return EXIT_INCOMPLETE;
	}
	if (!in_lab_netns(nspath)) {
		/* Nothing routes to the lab from here; run inside it. */
		if (geteuid() != 0) {
			fprintf(stderr, "%s: --lab runs the check inside the "
			    "lab's network namespace, which needs root\n",
			    c->prog);
			return EXIT_INCOMPLETE;
		}
		static char self[4096];
		char **args = calloc((size_t)argc + 6, sizeof(*args));
		ssize_t len = readlink("/proc/self/exe", self,
		    sizeof(self) - 1);
		int n = 0;
		if (args == NULL || len <= 0) {
			free(args);
			return EXIT_INCOMPLETE;
		}
		self[len] = '\0';
		args[n++] = "ip";
		args[n++] = "netns";
		args[n++] = "exec";
		args[n++] = (char *)ns;
		args[n++] = self;
		for (int i = 1; i < argc; i++)
			args[n++] = argv[i];
		args[n] = NULL;
		fflush(NULL);
		execvp("ip", args);
		fprintf(stderr, "%s: cannot enter the lab namespace: %s\n",
		    c->prog, strerror(errno));
		free(args);
		return EXIT_INCOMPLETE;
	}
	if (state != NULL && state[0] != '\0')
		snprintf(anchors, sizeof(anchors), "%s/anchors/lab-anchors.txt",
		    state);
	else
		snprintf(anchors, sizeof(anchors),
		    "/run/%s/anchors/lab-anchors.txt", ns);
	if (c->dns == NULL)
		c->dns = MW_LAB_DNS;
	if (c->trust_anchor == NULL && access(anchors, R_OK) == 0)
		c->trust_anchor = anchors;
	return 0;
}

int
cli_dns_open(const struct cli *c, struct event_base **base,
    struct mw_dns **dns)
{
	struct mw_dns_opts o = {
		.server = c->dns,
		.trust_anchor_file = c->trust_anchor,
		.timeout_ms = c->timeout_ms,
		.lab_zones = c->dns != NULL || c->trust_anchor != NULL,
	};
	struct mw_err err;

	mw_err_clear(&err);
	*dns = NULL;
	if ((*base = event_base_new()) == NULL) {
		fprintf(stderr, "%s: cannot create the event loop\n", c->prog);
		return EXIT_INCOMPLETE;
	}
	if (mw_dns_new(dns, *base, &o, &err) != 0) {
		fprintf(stderr, "%s: cannot set up DNS: %s\n", c->prog,
		    err.msg);
		event_base_free(*base);
		*base = NULL;
		return EXIT_INCOMPLETE;
	}
	return 0;
}

int
cli_print_report(const struct cli *c, const struct mw_report *r)
{
	struct mw_buf b;
	int rc;

	mw_buf_init(&b, 4u * 1024 * 1024);
	if (c->json)
		rc = mw_render_json(&b, r, c->lang, 0);
	else
		rc = mw_render_text(&b, r, c->lang,
		    (c->color ? MW_RENDER_COLOR : 0) |
		    (c->verbose ? MW_RENDER_VERBOSE : 0) |
		    (strcmp(r->kind, "domain") == 0 ? MW_RENDER_AREAS : 0));
	if (rc == 0) {
		fwrite(b.p, 1, b.len, stdout);
		if (c->json)
			fputc('\n', stdout);
	}
	mw_buf_release(&b);
	return rc;
}

double
cli_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) +
	    (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}
