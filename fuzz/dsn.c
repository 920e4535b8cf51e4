/*
 * fuzz/dsn.c - the message/delivery-status field parser (lib/bounce/
 * dsn.c) on arbitrary bytes, and the status/reply code finders on each
 * field it returns.
 */
#include <stdint.h>
#include <string.h>

#include "mailwhy/arena.h"
#include "mailwhy/bounce.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_dsn d;
	size_t i;

	if (a == NULL)
		return 0;
	if (mw_dsn_parse(&d, a, data, size, NULL) == 0)
		for (i = 0; i < d.nrcpts; i++) {
			const char *s = d.rcpts[i].diagnostic_code;
			struct mw_esc e;

			(void)mw_dsn_value(d.rcpts[i].final_recipient);
			(void)mw_esc_parse(&e, d.rcpts[i].status);
			if (s != NULL) {
				(void)mw_esc_find(&e, (const uint8_t *)s,
				    strlen(s));
				(void)mw_reply_code_find((const uint8_t *)s,
				    strlen(s));
				(void)mw_bounce_reason(s, d.rcpts[i].status,
				    0, d.rcpts[i].action, NULL, NULL);
			}
		}
	mw_arena_free(&a);
	return 0;
}
