/*
 * Conformance: mailcheck's own spec (spec/mailcheckSpec.js, as data in
 * $MW_CORPORA/typos/mailcheck-expectations.json) run through
 * mw_typo_check and mw_typo_closest.
 *
 * Every "suggest" case runs with the lists it names, passed through
 * mw_typo_opts with no_builtin (mailcheck's lists replace its defaults,
 * so ours step aside too) and max_cost 20: mailcheck's threshold of two
 * edits, in tenths of an edit.  Every "findClosestDomain" case runs
 * mw_typo_closest on the list it names with the same bound.  The address
 * is split the way mailcheck's splitEmail does (trim, last "@", no empty
 * part); an address that does not split has no suggestion.
 *
 * Prints "mailcheck: N/M agree" and each disagreement; fails below 95%.
 * Exits 77 (skip) when the corpora are absent.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailwhy/arena.h"
#include "mailwhy/typo.h"

#define MAILCHECK_COST 20 /* mailcheck: distance <= 2 */
#define MAX_LIST 256

struct strlist {
	const char *v[MAX_LIST];
	size_t n;
};

static unsigned agree, total;

static void
load_list(struct strlist *out, json_t *arr)
{
	size_t i;
	json_t *v;

	out->n = 0;
	json_array_foreach(arr, i, v) {
		if (json_is_string(v) && out->n < MAX_LIST)
			out->v[out->n++] = json_string_value(v);
	}
}

/* lists.<name>.<key>, following "default" to default_lists.<key>. */
static void
resolve(struct strlist *out, json_t *lists, const char *name, const char *key)
{
	json_t *l = json_object_get(json_object_get(lists, name), key);

	if (json_is_string(l) && strcmp(json_string_value(l), "default") == 0)
		l = json_object_get(json_object_get(lists, "default_lists"),
		    key);
	load_list(out, l);
}

/*
 * mailcheck's splitEmail: trims blanks, needs two or more "@"-separated
 * parts, none empty; the domain is the last.  Lower-cased as suggest()
 * does.  Returns false when the address does not split.
 */
static bool
split_domain(char *out, size_t outsz, const char *email)
{
	const char *b = email, *e = email + strlen(email), *at, *p;
	size_t n;

	while (b < e && isspace((unsigned char)*b))
		b++;
	while (e > b && isspace((unsigned char)e[-1]))
		e--;
	if ((at = memchr(b, '@', (size_t)(e - b))) == NULL)
		return false;
	/* No part may be empty: no leading, trailing or doubled "@". */
	for (p = b; p < e; p++)
		if (*p == '@' && (p == b || p + 1 == e || p[1] == '@'))
			return false;
	for (p = e; p > b && p[-1] != '@'; p--)
		;
	n = (size_t)(e - p);
	if (n + 1 > outsz)
		return false;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)p[i]);
	out[n] = '\0';
	return true;
}

static void
verdict(bool ok, const char *what, const char *input, const char *want,
    const char *got)
{
	total++;
	if (ok) {
		agree++;
		return;
	}
	printf("  disagree %s %s: mailcheck %s, mailwhy %s\n", what, input,
	    want ? want : "(none)", got ? got : "(none)");
}

static void
run_suggest(json_t *lists, json_t *cases)
{
	size_t i;
	json_t *c;

	json_array_foreach(cases, i, c) {
		const char *input = json_string_value(json_object_get(c,
		    "input"));
		const char *lname = json_string_value(json_object_get(c,
		    "lists"));
		json_t *jw = json_object_get(c, "expected_domain");
		const char *want = json_is_string(jw) ? json_string_value(jw) :
							NULL;
		struct strlist d, s, t;
		struct mw_typo_opts o;
		struct mw_typo ty;
		struct mw_arena *a = mw_arena_new(0);
		const char *got = NULL;
		char dom[512];

		if (input == NULL || lname == NULL || a == NULL) {
			verdict(false, "suggest", "(malformed case)", want,
			    NULL);
			mw_arena_free(&a);
			continue;
		}
		resolve(&d, lists, lname, "domains");
		resolve(&s, lists, lname, "secondLevelDomains");
		resolve(&t, lists, lname, "topLevelDomains");
		memset(&o, 0, sizeof(o));
		o.domains = d.v;
		o.ndomains = d.n;
		o.slds = s.v;
		o.nslds = s.n;
		o.tlds = t.v;
		o.ntlds = t.n;
		o.max_cost = MAILCHECK_COST;
		o.no_builtin = true;
		if (split_domain(dom, sizeof(dom), input) &&
		    mw_typo_check(&ty, a, dom, &o) == 0 &&
		    ty.kind != MW_TYPO_NONE)
			got = ty.suggestion;
		verdict(want == NULL ? got == NULL :
				       got != NULL && strcmp(got, want) == 0,
		    "suggest", input[0] ? input : "\"\"", want, got);
		mw_arena_free(&a);
	}
}

static void
run_closest(json_t *lists, json_t *cases)
{
	size_t i;
	json_t *c;

	json_array_foreach(cases, i, c) {
		const char *input = json_string_value(json_object_get(c,
		    "input"));
		const char *lspec = json_string_value(json_object_get(c,
		    "list"));
		json_t *jw = json_object_get(c, "expected");
		const char *want = json_is_string(jw) ? json_string_value(jw) :
							NULL;
		struct strlist l;
		const char *dot, *got;
		char name[64];
		unsigned cost;

		if (input == NULL || lspec == NULL ||
		    (dot = strchr(lspec, '.')) == NULL ||
		    (size_t)(dot - lspec) >= sizeof(name)) {
			verdict(false, "findClosestDomain", "(malformed case)",
			    want, NULL);
			continue;
		}
		memcpy(name, lspec, (size_t)(dot - lspec));
		name[dot - lspec] = '\0';
		resolve(&l, lists, name, dot + 1);
		got = mw_typo_closest(&cost, input, l.v, l.n, MAILCHECK_COST);
		verdict(want == NULL ? got == NULL :
				       got != NULL && strcmp(got, want) == 0,
		    "findClosestDomain", input, want, got);
	}
}

int
main(void)
{
	const char *root = getenv("MW_CORPORA");
	char path[4096];
	json_error_t jerr;
	json_t *doc;

	if (root == NULL || root[0] == '\0') {
		printf("skip: MW_CORPORA is not set (the shared corpora are "
		       "absent)\n");
		return 77;
	}
	snprintf(path, sizeof(path), "%s/typos/mailcheck-expectations.json",
	    root);
	if ((doc = json_load_file(path, 0, &jerr)) == NULL) {
		printf("skip: cannot read %s: %s\n", path, jerr.text);
		return 77;
	}
	run_suggest(json_object_get(doc, "lists"),
	    json_object_get(doc, "suggest"));
	run_closest(json_object_get(doc, "lists"),
	    json_object_get(doc, "findClosestDomain"));
	json_decref(doc);
	printf("mailcheck: %u/%u agree\n", agree, total);
	if (total == 0) {
		printf("no cases found in %s\n", path);
		return 1;
	}
	return agree * 100 >= total * 95 ? 0 : 1;
}
