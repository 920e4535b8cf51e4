/*
 * fuzz/mime.c - the MIME reader (lib/mime) on arbitrary bytes: the parse,
 * every part's content decoded (mw_mime_part_data, twice: the second
 * read must be the cached first), and header look-ups on the message and
 * on attached messages.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mailwhy/arena.h"
#include "mailwhy/mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_mime m;
	size_t i;

	if (a == NULL)
		return 0;
	if (mw_mime_parse(&m, a, data, size, NULL) == 0) {
		(void)mw_mime_header_get(m.headers, m.nheaders, "Subject");
		(void)mw_mime_header_get(m.headers, m.nheaders, "From");
		for (i = 0; i < m.nparts; i++) {
			struct mw_mime_part *p = &m.parts[i];
			size_t n1 = 0, n2 = 0;
			const uint8_t *d1 = mw_mime_part_data(&n1, p);
			const uint8_t *d2 = mw_mime_part_data(&n2, p);

			if (d1 != d2 || n1 != n2 || (d1 != NULL && d1[n1] != 0))
				abort(); /* decoded once, NUL-terminated */
			(void)mw_mime_header_get(p->headers, p->nheaders,
			    "To");
		}
	}
	mw_arena_free(&a);
	return 0;
}
