/*
 * fuzz/bounce_body.c - the body matcher (lib/bounce/body.c) on arbitrary
 * text, and the whole message path (MIME, DSN, classifier, forwarded
 * bounces) on the same bytes taken as a message, down to each
 * recipient's report (the basis, the help page read from the words).
 */
#include <stdint.h>

#include "mailwhy/arena.h"
#include "mailwhy/bounce.h"
#include "mailwhy/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_bounce_hit hits[8];
	struct mw_bounce b;
	size_t n, i;

	if (a == NULL)
		return 0;
	n = mw_bounce_body_scan(hits, 8, a, data, size);
	for (i = 0; i < n; i++)
		(void)mw_bounce_reason(hits[i].diagnostic, NULL, 0, NULL,
		    NULL, hits[i].command);
	if (mw_bounce_parse(&b, a, data, size, NULL) == 0)
		for (i = 0; i <= b.nrcpts; i++) {
			struct mw_report r;

			if (mw_report_init(&r, a, "bounce", "fuzz") == 0)
				(void)mw_bounce_report(&r, &b, i, "fuzz");
		}
	mw_arena_free(&a);
	return 0;
}
