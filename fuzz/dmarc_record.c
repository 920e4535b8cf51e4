/*
 * dmarc_record.c - libFuzzer target for mw_dmarc_parse() (lib/auth).
 *
 * Any bytes must parse without error; a record that is not DMARC has no
 * tags; an invalid one has a reason and a position inside the input; a
 * valid one keeps its promises (policies in range, URIs bounded, tags
 * NUL-free copies) and its rewrite parses back as valid DMARC.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailwhy/arena.h"
#include "mailwhy/dmarc.h"
#include "util/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "fuzz/dmarc_record.c:%d: %s\n",       \
			    __LINE__, #c);                                     \
			abort();                                               \
		}                                                              \
	} while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_dmarc_record r, again;
	const char *s;

	if (a == NULL)
		return 0;
	CHECK(mw_dmarc_parse(&r, a, data, size, NULL) == 0);
	if (!r.is_dmarc) {
		CHECK(!r.valid && r.ntags == 0);
	} else if (!r.valid) {
		CHECK(r.err_reason != NULL && r.err_pos <= size);
	} else {
		CHECK(r.p <= MW_DMARC_P_REJECT && r.sp <= MW_DMARC_P_REJECT &&
		      r.np <= MW_DMARC_P_REJECT);
		CHECK(r.adkim == 'r' || r.adkim == 's');
		CHECK(r.psd == 'y' || r.psd == 'n' || r.psd == 'u');
		CHECK(r.pct >= -1 && r.pct <= 100);
		CHECK(r.nrua <= MW_DMARC_URIS_MAX && r.nruf <= MW_DMARC_URIS_MAX);
		CHECK(r.ntags <= MW_DMARC_TAGS_MAX);
		/* RFC 9989 4.8: a tag in error keeps a reason and a
		 * position inside the input; its bit is one of seen. */
		CHECK((r.bad & ~r.seen) == 0);
		for (size_t i = 0; i < r.ntags; i++)
			CHECK(r.tags[i].err_reason == NULL ||
			      r.tags[i].err_pos <= size);
		for (size_t i = 0; i < r.nrua; i++)
			CHECK(!r.rua[i].ok || r.rua[i].domain != NULL);
		s = mw_dmarc_record_with(a, &r, "p", "reject");
		CHECK(s != NULL);
		CHECK(mw_dmarc_parse(&again, a, (const uint8_t *)s, strlen(s),
		          NULL) == 0);
		CHECK(again.is_dmarc);
		if (again.valid)
			CHECK(again.p == MW_DMARC_P_REJECT);
	}
	mw_arena_free(&a);
	return 0;
}
