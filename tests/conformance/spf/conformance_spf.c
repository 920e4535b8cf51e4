/*
 * conformance_spf.c - the public SPF test suites through real DNS.
 *
 * For each suite in $MW_CORPORA/spf/expectations (RFC 7208: pyspf's and
 * mailauth's two lineages; RFC 4408: pyspf's), spfdns.py serves every
 * scenario's zonedata on its own port of 127.0.0.1, and each test runs
 * mw_spf_check through mw_dns (libunbound forwarding to that port), as in
 * production.  Each test gets a resolver of its own: a timeout in one
 * test must not make libunbound distrust the server in the next.
 *
 * A test passes when the result is one of the expected results and, when
 * the suite gives an explanation other than "DEFAULT", the explanation is
 * equal, ignoring case: v-macro-ip6 wants the hex nibbles of %{ir} in
 * upper case because pyspf copies them from the test's own spelling
 * "CAFE:BABE::1", while RFC 7208 7.4 writes them in lower case.  Tests
 * that may fail on purpose (an RFC 4408 answer that RFC 7208 changed) go
 * in divergences.tsv with the reason; it is empty today.  Every other
 * failure fails the test.  Exit 77 when the corpora are absent.
 *
 *   conformance_spf SPFDNS.PY DIVERGENCES.TSV [-v]
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "mailwhy/arena.h"
#include "mailwhy/dns.h"
#include "mailwhy/spf.h"

#define WINDOW 48
#define TIMEOUT_MS 1500

static const struct suite {
	const char *label, *file, *key;
	bool rfc7208;
} suites[] = {
    {"rfc7208 (pyspf)", "pyspf-rfc7208.json", "pyspf-rfc7208", true},
    {"rfc7208 (mailauth)", "mailauth-rfc7208.json", "mailauth-rfc7208", true},
    {"rfc7208 2014.05 (mailauth)", "mailauth-rfc7208-2014-05.json",
        "mailauth-rfc7208-2014-05", true},
    {"rfc4408 (pyspf)", "pyspf-rfc4408.json", "pyspf-rfc4408", false},
};

struct tcase {
	const char *name, *ip, *sender, *helo, *receiver, *explanation;
	const char *want[8];
	size_t nwant;
	unsigned port;
	/* running */
	struct mw_arena *a;
	struct mw_dns *dns;
	struct mw_spf_checker *chk;
	bool done, ok;
	char got[1024];
};

struct run {
	struct event_base *base;
	struct tcase *t;
	size_t n, next, inflight, finished;
	bool verbose;
};

static char divergences[65536];

static bool
diverges(const char *suite, const char *test, const char **why)
{
	char key[512];
	const char *p;
	size_t kl;

	snprintf(key, sizeof(key), "\n%s\t%s\t", suite, test);
	kl = strlen(key);
	if ((p = strstr(divergences, key)) == NULL)
		return false;
	*why = p + kl;
	return true;
}

static void
release(evutil_socket_t fd, short what, void *arg)
{
	struct tcase *t = arg;

	mw_spf_checker_free(&t->chk);
	mw_dns_free(&t->dns);
	mw_arena_free(&t->a);
}

static void start_more(struct run *r);

struct ctx {
	struct run *r;
	struct tcase *t;
};

static void
on_done(void *ud, const struct mw_spf_outcome *o)
{
	struct ctx *c = ud;
	struct tcase *t = c->t;
	const char *res = mw_spf_result_name(o->result);
	bool ok = false;

	for (size_t i = 0; i < t->nwant; i++)
		if (strcmp(t->want[i], res) == 0)
			ok = true;
	if (ok && t->explanation && strcmp(t->explanation, "DEFAULT") != 0 &&
	    (o->explanation == NULL ||
	        strcasecmp(o->explanation, t->explanation) != 0))
		ok = false;
	t->ok = ok;
	snprintf(t->got, sizeof(t->got), "%s%s%s%s%s%s%s", res,
	    o->mechanism ? " via " : "", o->mechanism ? o->mechanism : "",
	    o->reason ? " (" : "", o->reason ? o->reason : "",
	    o->reason ? ")" : "",
	    o->explanation
	        ? mw_arena_printf(t->a, " exp=\"%s\"", o->explanation)
	        : "");
	t->done = true;
	c->r->inflight--;
	c->r->finished++;
	/* Free after the resolver's callback has returned. */
	event_base_once(c->r->base, -1, EV_TIMEOUT, release, t, NULL);
	start_more(c->r);
}

static void
start_more(struct run *r)
{
	while (r->inflight < WINDOW && r->next < r->n) {
		struct tcase *t = &r->t[r->next++];
		struct mw_err err;
		char server[64];
		struct ctx *c;
		struct mw_spf_query q = {.ip = t->ip,
		    .sender = t->sender,
		    .helo = t->helo,
		    .receiver = t->receiver};
		struct mw_dns_opts o = {.server = server,
		    .timeout_ms = TIMEOUT_MS,
		    .lab_zones = true};
		struct mw_spf_opts so = {
		    .now = 1700000000, .cache_base = r->base};

		snprintf(server, sizeof(server), "127.0.0.1:%u", t->port);
		mw_err_clear(&err);
		if ((t->a = mw_arena_new(0)) == NULL ||
		    mw_dns_new(&t->dns, r->base, &o, &err) != 0 ||
		    mw_spf_checker_new(&t->chk, t->dns, &so, &err) != 0 ||
		    (c = mw_arena_alloc(t->a, sizeof(*c))) == NULL) {
			snprintf(t->got, sizeof(t->got), "setup: %s", err.msg);
			t->done = true;
			r->finished++;
			continue;
		}
		c->r = r;
		c->t = t;
		r->inflight++;
		if (mw_spf_check(t->chk, t->a, &q, on_done, c, &err) != 0) {
			snprintf(t->got, sizeof(t->got), "check: %s", err.msg);
			t->done = true;
			r->inflight--;
			r->finished++;
		}
	}
	if (r->finished == r->n)
		event_base_loopbreak(r->base);
}

static const char *
jget(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Starts spfdns.py; fills ports[] (one per scenario). */
static pid_t
start_server(
    const char *script, const char *json, unsigned *ports, size_t nports)
{
	int fd[2];
	pid_t pid;
	FILE *f;
	char line[128];
	size_t got = 0;

	if (pipe(fd) != 0)
		return -1;
	if ((pid = fork()) == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execlp("python3", "python3", script, json, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	f = fdopen(fd[0], "r");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned idx, port;
		if (strncmp(line, "ready", 5) == 0)
			break;
		if (sscanf(line, "%u %u", &idx, &port) == 2 && idx < nports) {
			ports[idx] = port;
			got++;
		}
	}
	if (f)
		fclose(f);
	if (got != nports) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

static int
run_suite(const struct suite *s, const char *dir, const char *script,
    bool verbose, unsigned *unexpected)
{
	char path[8192];
	json_error_t je;
	json_t *root, *scen;
	struct run r = {.verbose = verbose};
	unsigned *ports;
	size_t nscen, pass = 0, diverged = 0;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/%s", dir, s->file);
	if ((root = json_load_file(path, JSON_ALLOW_NUL, &je)) == NULL) {
		printf("%s: cannot read %s: %s\n", s->label, path, je.text);
		return -1;
	}
	scen = json_object_get(root, "scenarios");
	nscen = json_array_size(scen);
	ports = calloc(nscen, sizeof(*ports));
	if ((pid = start_server(script, path, ports, nscen)) < 0) {
		printf("%s: the test DNS server did not start\n", s->label);
		return -1;
	}
	for (size_t i = 0; i < nscen; i++)
		r.n += json_object_size(
		    json_object_get(json_array_get(scen, i), "tests"));
	r.t = calloc(r.n, sizeof(*r.t));
	r.n = 0;
	for (size_t i = 0; i < nscen; i++) {
		json_t *tests =
		    json_object_get(json_array_get(scen, i), "tests");
		const char *name;
		json_t *tc;
		json_object_foreach(tests, name, tc)
		{
			struct tcase *t = &r.t[r.n++];
			json_t *res = json_object_get(tc, "result");
			t->name = name;
			t->ip = jget(tc, "host");
			t->sender = jget(tc, "mailfrom");
			t->helo = jget(tc, "helo");
			t->receiver = jget(tc, "receiver");
			t->explanation = jget(tc, "explanation");
			t->port = ports[i];
			if (json_is_string(res)) {
				t->want[t->nwant++] = json_string_value(res);
			} else {
				size_t k;
				json_t *v;
				json_array_foreach(res, k, v)
				{
					if (t->nwant < 8)
						t->want[t->nwant++] =
						    json_string_value(v);
				}
			}
		}
	}
	r.base = event_base_new();
	start_more(&r);
	if (r.finished < r.n)
		event_base_dispatch(r.base);
	event_base_loop(r.base, EVLOOP_NONBLOCK); /* pending releases */
	for (size_t i = 0; i < r.n; i++) {
		struct tcase *t = &r.t[i];
		const char *why;
		if (t->ok) {
			pass++;
			if (verbose)
				printf("  ok   %s: %s\n", t->name, t->got);
			continue;
		}
		if (diverges(s->key, t->name, &why)) {
			diverged++;
			printf("  diverges %s: got %s; want %s%s%s -- %.*s\n",
			    t->name, t->got, t->want[0],
			    t->nwant > 1 ? "|..." : "",
			    t->explanation ? " + explanation" : "",
			    (int)strcspn(why, "\n"), why);
			continue;
		}
		(*unexpected)++;
		printf("  FAIL %s: got %s; want", t->name, t->got);
		for (size_t k = 0; k < t->nwant; k++)
			printf("%s%s", k ? "|" : " ", t->want[k]);
		if (t->explanation)
			printf(" exp=\"%s\"", t->explanation);
		printf("\n");
	}
	printf("%s: %zu/%zu pass", s->label, pass, r.n);
	if (diverged)
		printf(", %zu listed divergences (RFC 7208 changed them)",
		    diverged);
	printf("\n");
	fflush(stdout);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	event_base_free(r.base);
	free(r.t);
	free(ports);
	json_decref(root);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *corpora = getenv("MW_CORPORA");
	char dir[4096];
	unsigned unexpected = 0;
	bool verbose = argc > 3 && strcmp(argv[3], "-v") == 0;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: %s SPFDNS.PY DIVERGENCES.TSV [-v]\n",
		    argv[0]);
		return 2;
	}
	snprintf(
	    dir, sizeof(dir), "%s/spf/expectations", corpora ? corpora : "");
	if (corpora == NULL || access(dir, R_OK) != 0) {
		printf("SKIP: the SPF corpora are absent (%s); set "
		       "MW_CORPORA or -Dcorpora=\n",
		    dir);
		return 77;
	}
	if ((f = fopen(argv[2], "r")) != NULL) {
		divergences[0] = '\n';
		size_t n =
		    fread(divergences + 1, 1, sizeof(divergences) - 2, f);
		divergences[n + 1] = '\0';
		fclose(f);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		const char *only = getenv("MW_SPF_SUITE");
		if (only && strstr(suites[i].key, only) == NULL)
			continue;
		if (run_suite(&suites[i], dir, argv[1], verbose, &unexpected) !=
		    0)
			return 1;
	}
	if (unexpected)
		printf("%u unexpected failures\n", unexpected);
	return unexpected ? 1 : 0;
}
