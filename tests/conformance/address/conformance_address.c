/*
 * conformance_address.c - mw_addr_parse() against the iamcal and isemail
 * address corpora (the TSV files under $MW_CORPORA/address/expectations).
 *
 * Every test falls in one of three classes: valid, warning (valid but
 * unwise) and invalid.  isemail's categories map as VALID and DNSWARN ->
 * valid; RFC5321, CFWS, DEPREC -> warning; RFC5322, ERR -> invalid (our
 * HEADER_ONLY is invalid for SMTP).  iamcal gives a valid flag, compared
 * with ours; its warning flag is only reported.
 *
 * A disagreement must be listed in divergences.tsv (argv[1]) with both
 * classes and its RFC reason; an unlisted one fails the test, and so does
 * a listed one that no longer happens.  The corpora test exact strings,
 * so the parse uses MW_ADDR_F_EXACT; how many verdicts the default
 * trimming would change is printed too.
 *
 * Exits 77 (skip) when the corpora are not there.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mailwhy/addr.h"
#include "mailwhy/arena.h"

#define MAXDIV 256
#define LINE 8192

struct divergence {
	char suite[32], id[16], theirs[16], ours[16];
	bool used;
};

static struct divergence divs[MAXDIV];
static int ndivs;
static bool verbose;

/* Splits line in place at tabs; returns the field count. */
static int
split(char *line, char **f, int max)
{
	int n = 0;

	line[strcspn(line, "\r\n")] = '\0';
	f[n++] = line;
	while (n < max && (line = strchr(line, '\t')) != NULL) {
		*line++ = '\0';
		f[n++] = line;
	}
	return n;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* \t \n \r \\ \xHH, in place; returns the length (may hold NULs). */
static size_t
unescape(char *s)
{
	char *o = s, *start = s;

	while (*s != '\0') {
		if (s[0] != '\\' || s[1] == '\0') {
			*o++ = *s++;
			continue;
		}
		switch (s[1]) {
		case 't':
			*o++ = '\t';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 'x':
			if (hexval(s[2]) >= 0 && hexval(s[3]) >= 0) {
				*o++ = (char)(hexval(s[2]) * 16 + hexval(s[3]));
				s += 2;
				break;
			}
			/* FALLTHROUGH */
		default:
			*o++ = s[1];
		}
		s += 2;
	}
	*o = '\0';
	return (size_t)(o - start);
}

static const char *
our_class(const struct mw_addr *r)
{
	switch (r->verdict) {
	case MW_ADDR_VALID:
		return "valid";
	case MW_ADDR_UNWISE:
		return "warning";
	default:
		return "invalid";
	}
}

static const char *
isemail_class(const char *cat)
{
	if (strcmp(cat, "ISEMAIL_VALID_CATEGORY") == 0 ||
	    strcmp(cat, "ISEMAIL_DNSWARN") == 0)
		return "valid";
	if (strcmp(cat, "ISEMAIL_RFC5321") == 0 ||
	    strcmp(cat, "ISEMAIL_CFWS") == 0 ||
	    strcmp(cat, "ISEMAIL_DEPREC") == 0)
		return "warning";
	if (strcmp(cat, "ISEMAIL_RFC5322") == 0 ||
	    strcmp(cat, "ISEMAIL_ERR") == 0)
		return "invalid";
	return NULL;
}

static bool
load_divergences(const char *path)
{
	char line[LINE], *f[5];
	FILE *fp = fopen(path, "r");

	if (fp == NULL) {
		fprintf(stderr, "cannot open %s\n", path);
		return false;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#' || line[0] == '\n' ||
		    strncmp(line, "suite\t", 6) == 0)
			continue;
		if (split(line, f, 5) != 5 || f[4][0] == '\0' ||
		    ndivs == MAXDIV) {
			fprintf(stderr,
			    "%s: bad line (5 fields, a reason): "
			    "%s\n",
			    path, line);
			fclose(fp);
			return false;
		}
		snprintf(divs[ndivs].suite, sizeof(divs[0].suite), "%s", f[0]);
		snprintf(divs[ndivs].id, sizeof(divs[0].id), "%s", f[1]);
		snprintf(
		    divs[ndivs].theirs, sizeof(divs[0].theirs), "%s", f[2]);
		snprintf(divs[ndivs].ours, sizeof(divs[0].ours), "%s", f[3]);
		ndivs++;
	}
	fclose(fp);
	return true;
}

static struct divergence *
find_div(const char *suite, const char *id)
{
	int i;

	for (i = 0; i < ndivs; i++)
		if (strcmp(divs[i].suite, suite) == 0 &&
		    strcmp(divs[i].id, id) == 0)
			return &divs[i];
	return NULL;
}

struct tally {
	int n, agree, listed, unlisted, warn_agree, trim_changes;
};

static void
show(const char *what, const char *id, const char *addr,
    const struct mw_addr *r, const char *theirs, const char *ours)
{
	printf("%s %s [%s] theirs=%s ours=%s (%s", what, id, addr, theirs, ours,
	    mw_addr_verdict_name(r->verdict));
	if (r->err_reason != NULL)
		printf(": %s at %zu", r->err_reason, r->err_pos);
	if (r->address != NULL)
		printf(": %s, warnings 0x%x", r->address, r->warnings);
	printf(")\n");
}

/*
 * One test: parse exactly, compare classes.  theirs is iamcal's
 * "valid"/"invalid" (ours is folded the same way) or an isemail class.
 */
static void
one(struct tally *t, const char *suite, const char *id, char *addr,
    const char *theirs, bool iamcal, int their_warning)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_addr r, d;
	size_t len = unescape(addr);
	const char *ours;
	struct divergence *dv;

	if (a == NULL ||
	    mw_addr_parse(&r, a, (const uint8_t *)addr, len, MW_ADDR_F_EXACT,
	        NULL) != 0 ||
	    mw_addr_parse(&d, a, (const uint8_t *)addr, len, 0, NULL) != 0) {
		fprintf(stderr, "parse error on %s %s\n", suite, id);
		exit(1);
	}
	t->n++;
	if (d.verdict != r.verdict)
		t->trim_changes++;
	ours = our_class(&r);
	if (iamcal) {
		ours = r.valid ? "valid" : "invalid";
		if (their_warning == (r.verdict == MW_ADDR_UNWISE))
			t->warn_agree++;
	}
	if (strcmp(theirs, ours) == 0) {
		t->agree++;
		if (verbose)
			show("ok", id, addr, &r, theirs, ours);
	} else if ((dv = find_div(suite, id)) != NULL &&
	           strcmp(dv->theirs, theirs) == 0 &&
	           strcmp(dv->ours, ours) == 0) {
		t->listed++;
		dv->used = true;
		if (verbose)
			show("listed", id, addr, &r, theirs, ours);
	} else {
		t->unlisted++;
		printf("%s: ", suite);
		show("UNLISTED disagreement", id, addr, &r, theirs, ours);
	}
	mw_arena_free(&a);
}

static bool
run_file(struct tally *t, const char *dir, const char *file, const char *suite,
    bool iamcal)
{
	char path[4096], line[LINE], *f[5];
	FILE *fp;
	const char *theirs;
	int n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "cannot open %s\n", path);
		return false;
	}
	memset(t, 0, sizeof(*t));
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#' || strncmp(line, "id\t", 3) == 0)
			continue;
		if ((n = split(line, f, 5)) < 4) {
			fprintf(stderr, "%s: short line %s\n", file, line);
			fclose(fp);
			return false;
		}
		if (iamcal) {
			one(t, suite, f[0], f[1],
			    strcmp(f[2], "true") == 0 ? "valid" : "invalid",
			    true, strcmp(f[3], "true") == 0);
		} else if ((theirs = isemail_class(f[2])) != NULL) {
			one(t, suite, f[0], f[1], theirs, false, 0);
		} else {
			fprintf(
			    stderr, "%s: unknown category %s\n", file, f[2]);
			fclose(fp);
			return false;
		}
	}
	fclose(fp);
	return true;
}

int
main(int argc, char **argv)
{
	const char *corpora = getenv("MW_CORPORA");
	char dir[4096];
	struct stat st;
	struct tally t;
	int i, bad = 0;

	verbose = getenv("MW_VERBOSE") != NULL;
	if (corpora == NULL)
		corpora = "../shared/corpora";
	snprintf(dir, sizeof(dir), "%s/address/expectations", corpora);
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		printf("corpora not found at %s, skipping\n", dir);
		return 77;
	}
	if (argc != 2 || !load_divergences(argv[1]))
		return 1;

	if (!run_file(&t, dir, "iamcal-rfc822-tests.tsv", "iamcal", true))
		return 1;
	printf("iamcal: %d/%d valid agree (%d listed divergences), "
	       "%d/%d warning agree\n",
	    t.agree, t.n, t.listed, t.warn_agree, t.n);
	printf("  default flags (trim, <>) would change %d verdicts\n",
	    t.trim_changes);
	bad += t.unlisted;

	if (!run_file(&t, dir, "isemail-tests.tsv", "isemail", false))
		return 1;
	printf("isemail tests.xml: %d/%d agree (%d listed divergences)\n",
	    t.agree, t.n, t.listed);
	printf("  default flags (trim, <>) would change %d verdicts\n",
	    t.trim_changes);
	bad += t.unlisted;

	if (!run_file(&t, dir, "isemail-tests-original.tsv", "isemail-original",
	        false))
		return 1;
	printf("isemail tests-original.xml: %d/%d agree (%d listed "
	       "divergences)\n",
	    t.agree, t.n, t.listed);
	printf("  default flags (trim, <>) would change %d verdicts\n",
	    t.trim_changes);
	bad += t.unlisted;

	for (i = 0; i < ndivs; i++) {
		if (!divs[i].used) {
			printf("STALE divergence (no longer happens): %s %s\n",
			    divs[i].suite, divs[i].id);
			bad++;
		}
	}
	if (bad > 0) {
		printf("FAIL: %d unlisted or stale disagreements\n", bad);
		return 1;
	}
	return 0;
}
