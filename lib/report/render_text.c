/*
 * render_text.c - a report as terminal text, in the reader's language.
 *
 * Layout: a verdict line for the subject, then each finding (errors first)
 * with its explanation, the fix and who must make it.  Info findings show
 * their title only, unless verbose; evidence and codes show when verbose.
 */
#include <stdbool.h>
#include <string.h>

#include "mailwhy/err.h"
#include "mailwhy/report.h"

#define RED "\033[31m"
#define YELLOW "\033[33m"
#define GREEN "\033[32m"
#define CYAN "\033[36m"
#define BOLD "\033[1m"
#define DIM "\033[2m"
#define RESET "\033[0m"

static const char *
sev_colour(enum mw_severity s)
{
	return s == MW_SEV_ERROR ? RED : s == MW_SEV_WARNING ? YELLOW : CYAN;
}

static const char *
sev_label(enum mw_severity s)
{
	switch (s) {
	case MW_SEV_ERROR:
		return N_("error");
	case MW_SEV_WARNING:
		return N_("warning");
	case MW_SEV_INFO:
		break;
	}
	return N_("info");
}

static int
put(struct mw_buf *out, unsigned flags, const char *colour, const char *s)
{
	int rc = 0;

	if ((flags & MW_RENDER_COLOR) && colour)
		rc = mw_buf_puts(out, colour);
	if (rc == 0)
		rc = mw_buf_puts(out, s);
	if (rc == 0 && (flags & MW_RENDER_COLOR) && colour)
		rc = mw_buf_puts(out, RESET);
	return rc;
}

/*
 * Input reaches the terminal only through here: control characters (an
 * address may carry ESC sequences) become "?", and text is cut at max
 * bytes on a character boundary, with an ellipsis.
 */
static int
put_safe(struct mw_buf *out, const char *s, size_t max)
{
	size_t n = 0;
	int rc = 0;

	for (; s[n] != '\0' && rc == 0; n++) {
		unsigned char ch = (unsigned char)s[n];
		if (n >= max && (ch & 0xc0) != 0x80)
			return mw_buf_puts(out, "…");
		rc = mw_buf_putc(out, ch < 0x20 || ch == 0x7f ? '?' : ch);
	}
	return rc;
}

/* Subjects and arguments shown at most this long: a line, not a page. */
#define SHOW_MAX 160

static int finding_lines(struct mw_buf *out, const struct mw_finding *f,
    const struct mw_finding_def *d, const char *lang, unsigned flags);

static int
finding(struct mw_buf *out, const struct mw_finding *raw, const char *lang,
    unsigned flags)
{
	const struct mw_finding_def *d = raw->def;
	struct mw_finding safe = *raw, *f = &safe;
	struct mw_buf args[3];
	int rc = 0;

	for (int i = 0; i < 3; i++) {
		mw_buf_init(&args[i], SHOW_MAX * 4 + 8);
		if (raw->args[i] != NULL) {
			put_safe(&args[i], raw->args[i], SHOW_MAX);
			safe.args[i] = mw_buf_cstr(&args[i]);
		}
	}
	rc = finding_lines(out, f, d, lang, flags);
	for (int i = 0; i < 3; i++)
		mw_buf_release(&args[i]);
	return rc;
}

static int
finding_lines(struct mw_buf *out, const struct mw_finding *f,
    const struct mw_finding_def *d, const char *lang, unsigned flags)
{
	int rc = 0;

	rc |= mw_buf_puts(out, "  ");
	rc |= put(out, flags, sev_colour(d->sev), mw_tr(lang, sev_label(d->sev)));
	rc |= mw_buf_puts(out, ": ");
	rc |= mw_finding_text(out, f, d->title, lang);
	if (flags & MW_RENDER_VERBOSE)
		rc |= mw_buf_printf(out, " [%s]", d->code);
	rc |= mw_buf_putc(out, '\n');
	if (d->sev == MW_SEV_INFO && !(flags & MW_RENDER_VERBOSE))
		return rc;
	rc |= mw_buf_puts(out, "    ");
	rc |= mw_finding_text(out, f, d->explain, lang);
	rc |= mw_buf_putc(out, '\n');
	if (d->who != MW_WHO_NOBODY) {
		rc |= mw_buf_puts(out, "    ");
		rc |= put(out, flags, BOLD, mw_tr(lang, N_("Fix")));
		rc |= mw_buf_printf(out, " (%s): ",
		    mw_tr(lang, mw_actor_label(d->who)));
		rc |= mw_finding_text(out, f, d->remedy, lang);
		rc |= mw_buf_putc(out, '\n');
	}
	if ((flags & MW_RENDER_VERBOSE) && f->evidence && f->evidence[0]) {
		rc |= mw_buf_puts(out, "    ");
		rc |= put(out, flags, DIM, mw_tr(lang, N_("Evidence")));
		rc |= mw_buf_puts(out, ": ");
		rc |= put_safe(out, f->evidence, SHOW_MAX);
		rc |= mw_buf_putc(out, '\n');
	}
	return rc ? MW_ELIMIT : 0;
}

/* Areas of a grouped report, in reading order: the code's first part. */
static const struct {
	const char *prefix, *title;
} areas[] = {
	{"addr", N_("Mail servers (MX)")},
	{"dns", N_("DNS")},
	{"domain", N_("Domain and sending addresses")},
	{"spf", N_("SPF")},
	{"dmarc", N_("DMARC")},
	{"dkim", N_("DKIM")},
	{"ptr", N_("Reverse DNS")},
	{"dnsbl", N_("Blocklists")},
	{"rules", N_("Provider requirements (Gmail, Yahoo, Microsoft, Apple)")},
};

static bool
in_area(const struct mw_finding *f, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(f->def->code, prefix, n) == 0 && f->def->code[n] == '.';
}

static int
by_area(struct mw_buf *out, const struct mw_report *r, const char *lang,
    unsigned flags)
{
	int rc = 0;

	for (size_t a = 0; a < sizeof(areas) / sizeof(areas[0]); a++) {
		bool any = false;
		for (size_t i = 0; i < r->nfindings; i++) {
			const struct mw_finding *f = &r->findings[i];
			any |= in_area(f, areas[a].prefix) &&
			    (f->def->sev != MW_SEV_INFO ||
				(flags & MW_RENDER_VERBOSE) ||
				strcmp(areas[a].prefix, "rules") != 0);
		}
		if (!any)
			continue;
		rc |= mw_buf_puts(out, "\n");
		rc |= put(out, flags, BOLD, mw_tr(lang, areas[a].title));
		rc |= mw_buf_putc(out, '\n');
		for (int sev = MW_SEV_ERROR; sev >= MW_SEV_INFO && rc == 0;
		     sev--)
			for (size_t i = 0; i < r->nfindings && rc == 0; i++) {
				const struct mw_finding *f = &r->findings[i];
				/* The requirements met or unknowable are a
				 * long list: shown when verbose. */
				if ((int)f->def->sev != sev ||
				    !in_area(f, areas[a].prefix) ||
				    (sev == MW_SEV_INFO &&
					!(flags & MW_RENDER_VERBOSE) &&
					strcmp(areas[a].prefix, "rules") == 0))
					continue;
				rc = finding(out, f, lang, flags);
			}
	}
	return rc;
}

int
mw_render_text(struct mw_buf *out, const struct mw_report *r,
    const char *lang, unsigned flags)
{
	int worst = mw_report_worst(r);
	const char *mark, *colour, *verdict;
	int rc = 0;

	if (worst == MW_SEV_ERROR) {
		mark = "✗";
		colour = RED;
		verdict = N_("problems found");
	} else if (worst == MW_SEV_WARNING) {
		mark = "!";
		colour = YELLOW;
		verdict = N_("works, with warnings");
	} else {
		mark = "✓";
		colour = GREEN;
		verdict = N_("no problems found");
	}
	rc |= put(out, flags, colour, mark);
	rc |= mw_buf_putc(out, ' ');
	if ((flags & MW_RENDER_COLOR))
		rc |= mw_buf_puts(out, BOLD);
	rc |= put_safe(out, r->subject, SHOW_MAX);
	if ((flags & MW_RENDER_COLOR))
		rc |= mw_buf_puts(out, RESET);
	rc |= mw_buf_printf(out, " — %s\n", mw_tr(lang, verdict));
	if (flags & MW_RENDER_AREAS) {
		rc |= by_area(out, r, lang, flags);
		goto done;
	}
	/* Errors first, then warnings, then information. */
	for (int sev = MW_SEV_ERROR; sev >= MW_SEV_INFO && rc == 0; sev--)
		for (size_t i = 0; i < r->nfindings && rc == 0; i++)
			if ((int)r->findings[i].def->sev == sev)
				rc = finding(out, &r->findings[i], lang, flags);
done:
	if (r->truncated && rc == 0)
		rc = mw_buf_printf(out, "  %s\n",
		    mw_tr(lang, N_("(more findings were cut off)")));
	return rc ? MW_ELIMIT : 0;
}
