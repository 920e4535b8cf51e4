/*
 * dkim_key.c - libFuzzer target for mw_dkim_key_parse() and
 * mw_dkim_key_inspect() (lib/auth).
 *
 * Any bytes must parse without error; an invalid record has a reason and
 * a position inside the input; a valid one is revoked or has a decoded
 * key no longer than its base64 allows, and inspecting it never crashes
 * and says why a key is unusable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailwhy/arena.h"
#include "mailwhy/dkim_key.h"
#include "util/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "fuzz/dkim_key.c:%d: %s\n", __LINE__,  \
			    #c);                                               \
			abort();                                               \
		}                                                              \
	} while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_dkim_key k;
	struct mw_dkim_key_info info;

	if (a == NULL)
		return 0;
	CHECK(mw_dkim_key_parse(&k, a, data, size, NULL) == 0);
	CHECK(k.k != NULL);
	if (!k.valid) {
		CHECK(k.err_reason != NULL && k.err_pos <= size);
	} else {
		CHECK(k.revoked == (k.key == NULL));
		CHECK(k.key_len <= MW_DKIM_KEY_B64_MAX / 4 * 3);
		if (!k.revoked) {
			mw_dkim_key_inspect(&info, &k);
			CHECK(info.usable == (info.why == NULL));
			if (info.usable)
				CHECK(info.bits > 0);
		}
	}
	mw_arena_free(&a);
	return 0;
}
