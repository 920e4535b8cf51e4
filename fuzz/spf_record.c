/*
 * spf_record.c - libFuzzer target: the SPF record parser and the macro
 * expander (lib/auth/spf_record.c, spf_macro.c).
 *
 * The input is parsed as a record; every term's domain-spec is then
 * expanded with a fixed context, and the whole input as an explanation
 * string, so hostile macros reach the expander through both doors.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mailwhy/arena.h"
#include "mailwhy/spf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_spf_record *r = NULL;
	struct mw_spf_macro_ctx c = {
	    .sender = "strong-bad@email.example.com",
	    .local = "strong-bad",
	    .sender_domain = "email.example.com",
	    .domain = "email.example.com",
	    .helo = "mx.example.org",
	    .family = (size & 1) ? AF_INET6 : AF_INET,
	    .now = 1700000000,
	};
	char *out;

	if (a == NULL)
		return 0;
	inet_pton(c.family,
	    c.family == AF_INET ? "192.0.2.3" : "2001:db8::cb01", c.ip);
	if (mw_spf_record_parse(&r, a, data, size, NULL) == 0) {
		for (size_t i = 0; i < r->n; i++) {
			const struct mw_spf_term *t = &r->terms[i];
			if (t->spec == NULL)
				continue;
			if (mw_spf_macro_expand(&out, a,
			        (const uint8_t *)t->spec, t->spec_len, &c, 0,
			        NULL) == 0 &&
			    strlen(out) > 253 && t->kind != MW_SPF_UNKNOWN_MOD)
				__builtin_trap(); /* 7.3 cut must hold */
		}
	}
	(void)mw_spf_macro_expand(
	    &out, a, data, size, &c, MW_SPF_MACRO_EXP, NULL);
	mw_arena_free(&a);
	return 0;
}
