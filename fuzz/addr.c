/*
 * addr.c - libFuzzer target for mw_addr_parse() (lib/addr).
 *
 * Any bytes, parsed with and without MW_ADDR_F_EXACT, must give a verdict
 * (never an error) that keeps the promises of addr.h: a valid address has
 * its strings, fits RFC 5321 4.5.3.1, holds no control character, and is
 * a fixed point (its normalised form parses to itself); an invalid one
 * has a reason and a position inside the input.  An internationalised
 * domain must convert as libidn2's UTS 46 non-transitional mapping does
 * (addr.c tries strict IDNA2008 first; this keeps that shortcut honest).
 * The one-pass scan of plain addresses must agree with the full parser
 * (MW_ADDR_F_NO_FAST) on every field.
 */
#include <idn2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailwhy/addr.h"
#include "mailwhy/arena.h"
#include "util/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "fuzz/addr.c:%d: %s\n", __LINE__, #c); \
			abort();                                               \
		}                                                              \
	} while (0)

#define KNOWN_WARNINGS                                                         \
	(MW_ADDR_W_QUOTED | MW_ADDR_W_IP_LITERAL | MW_ADDR_W_COMMENT |         \
	    MW_ADDR_W_OBSOLETE | MW_ADDR_W_SMTPUTF8 | MW_ADDR_W_IDN |          \
	    MW_ADDR_W_DOTLESS | MW_ADDR_W_NUMERIC_TLD |                        \
	    MW_ADDR_W_IPV6_ONE_GROUP)

static void
promises(const struct mw_addr *r, size_t size)
{
	const char *p;

	CHECK(r->verdict >= MW_ADDR_VALID && r->verdict <= MW_ADDR_INVALID);
	CHECK(r->valid == (r->verdict <= MW_ADDR_UNWISE));
	CHECK(r->warning == (r->verdict == MW_ADDR_UNWISE));
	CHECK((r->warnings & ~(unsigned)KNOWN_WARNINGS) == 0);
	CHECK((r->header_only_reason != NULL) ==
	      (r->verdict == MW_ADDR_HEADER_ONLY));
	if (!r->valid) {
		CHECK(r->address == NULL && r->local == NULL);
		CHECK(r->err_reason != NULL && r->err_code != 0);
		CHECK(r->err_pos <= size);
		return;
	}
	CHECK(r->err_reason == NULL && r->err_code == 0);
	CHECK(r->local != NULL && r->domain != NULL && r->address != NULL);
	CHECK(strlen(r->address) == r->total_len);
	CHECK(strlen(r->local) == r->local_len);
	CHECK(r->total_len <= MW_ADDR_MAX);
	CHECK(r->local_len <= MW_ADDR_LOCAL_MAX);
	CHECK(r->domain_len <= MW_ADDR_DOMAIN_MAX);
	CHECK((r->verdict == MW_ADDR_UNWISE) ==
	      ((r->warnings & MW_ADDR_W_UNWISE_MASK) != 0));
	if (r->domain_ascii != NULL) {
		CHECK(strlen(r->domain_ascii) == r->domain_len);
		for (p = r->domain_ascii; *p != '\0'; p++)
			CHECK((*p >= 'a' && *p <= 'z') ||
			      (*p >= '0' && *p <= '9') || *p == '-' ||
			      *p == '.');
	} else {
		CHECK(r->warnings & MW_ADDR_W_IP_LITERAL);
	}
	for (p = r->address; *p != '\0'; p++)
		CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
	if ((r->warnings & MW_ADDR_W_IDN) && r->domain_ascii != NULL) {
		char *ref = NULL;

		CHECK(idn2_to_ascii_8z(r->domain, &ref,
		          IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT) == IDN2_OK);
		CHECK(strcmp(ref, r->domain_ascii) == 0);
		idn2_free(ref);
	}
}

static bool
same_str(const char *x, const char *y)
{
	return x == y || (x != NULL && y != NULL && strcmp(x, y) == 0);
}

static void
same_result(const struct mw_addr *f, const struct mw_addr *s)
{
	CHECK(f->verdict == s->verdict && f->valid == s->valid);
	CHECK(f->warning == s->warning && f->warnings == s->warnings);
	CHECK(same_str(f->local, s->local));
	CHECK(same_str(f->domain, s->domain));
	CHECK(same_str(f->domain_ascii, s->domain_ascii));
	CHECK(same_str(f->address, s->address));
	CHECK(f->local_len == s->local_len && f->domain_len == s->domain_len);
	CHECK(f->total_len == s->total_len);
	CHECK(f->err_pos == s->err_pos && f->err_code == s->err_code);
	CHECK(f->err_reason == s->err_reason);
	CHECK(f->header_only_reason == s->header_only_reason);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned flags[] = {0, MW_ADDR_F_EXACT};
	struct mw_arena *a = mw_arena_new(0);
	struct mw_addr r, again, full;
	size_t i;

	if (a == NULL)
		return 0;
	for (i = 0; i < 2; i++) {
		CHECK(mw_addr_parse(&r, a, data, size, flags[i], NULL) == 0);
		promises(&r, size);
		CHECK(mw_addr_parse(&full, a, data, size,
		          flags[i] | MW_ADDR_F_NO_FAST, NULL) == 0);
		same_result(&r, &full);
		if (!r.valid)
			continue;
		/* The normalised form is valid and its own normal form. */
		CHECK(mw_addr_parse(&again, a, (const uint8_t *)r.address,
		          r.total_len, MW_ADDR_F_EXACT, NULL) == 0);
		promises(&again, r.total_len);
		CHECK(again.valid);
		CHECK(strcmp(again.address, r.address) == 0);
		CHECK((again.warnings &
		          (MW_ADDR_W_COMMENT | MW_ADDR_W_OBSOLETE)) == 0);
	}
	mw_arena_free(&a);
	return 0;
}
