/*
 * Unit tests of lib/auth: DMARC records (RFC 7489 6.6 and RFC 9989
 * examples, every tag's values, errors with their positions), the DNS
 * tree walk's names (RFC 9989 4.10.1), and DKIM key records (RFC 6376
 * 3.6.1 and its appendix C key, RFC 8463 3 Ed25519 key, revoked and
 * testing keys, bad base64, truncated keys).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mailwhy/arena.h"
#include "mailwhy/dkim_key.h"
#include "mailwhy/dmarc.h"

static struct mw_dmarc_record
dmarc(struct mw_arena *a, const char *s)
{
	struct mw_dmarc_record r;

	assert_int_equal(mw_dmarc_parse(&r, a, (const uint8_t *)s, strlen(s),
	    NULL), 0);
	return r;
}

static void
dmarc_rfc_examples_parse(void **state)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_dmarc_record r;

	/* RFC 7489 6.6.? example: monitoring with reports. */
	r = dmarc(a, "v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com");
	assert_true(r.is_dmarc && r.valid);
	assert_int_equal(r.p, MW_DMARC_P_NONE);
	assert_int_equal(r.nrua, 1);
	assert_true(r.rua[0].ok);
	assert_string_equal(r.rua[0].domain, "example.com");
	/* Third-party failure reports. */
	r = dmarc(a, "v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com; "
	    "ruf=mailto:auth-reports@thirdparty.example.net");
	assert_true(r.valid);
	assert_string_equal(r.ruf[0].domain, "thirdparty.example.net");
	/* Two URIs, a size limit, pct (removed in RFC 9989, still parsed). */
	r = dmarc(a, "v=DMARC1; p=quarantine; rua=mailto:dmarc-feedback@"
	    "example.com,mailto:tld-test@thirdparty.example.net!10m; pct=25");
	assert_true(r.valid);
	assert_int_equal(r.p, MW_DMARC_P_QUARANTINE);
	assert_int_equal(r.nrua, 2);
	assert_string_equal(r.rua[1].domain, "thirdparty.example.net");
	assert_int_equal(r.pct, 25);
	assert_true(r.seen & MW_DMARC_T_PCT);
	/* RFC 9989: np, psd, t. */
	r = dmarc(a, "v=DMARC1;p=reject;sp=quarantine;np=reject;psd=y;t=y;"
	    "adkim=s;aspf=r;fo=0:d:s");
	assert_true(r.valid);
	assert_int_equal(r.sp, MW_DMARC_P_QUARANTINE);
	assert_int_equal(r.np, MW_DMARC_P_REJECT);
	assert_int_equal(r.psd, 'y');
	assert_true(r.testing);
	assert_int_equal(r.adkim, 's');
	/* No p: valid, the audit treats it as none (RFC 9989 4.7). */
	r = dmarc(a, "v=DMARC1; rua=mailto:r@example.com;");
	assert_true(r.valid);
	assert_int_equal(r.p, MW_DMARC_P_UNSET);
	mw_arena_free(&a);
}

static void
dmarc_errors_have_positions(void **state)
{
	static const struct {
		const char *in;
		size_t pos; /* 0-based */
	} bad[] = {
		{"v=DMARC1; p=nonee", 12},
		{"v=DMARC1; p=none; p=reject", 18},
		{"v=DMARC1; p=none; adkim=x", 24},
		{"v=DMARC1; p=none rua=mailto:a@b.c", 16},
		{"v=DMARC1; p=none; =x", 18},
		{"v=DMARC1; p=none; pct=101", 22},
		{"v=DMARC1; p=none; fo=2", 21},
		{"v=DMARC1; p=none; psd=x", 22},
		{"v=DMARC1; p=none; t=maybe", 20},
		{"v=DMARC1; p=none; rua=", 22},
		{"v=DMARC1; p=none; rua=mailto:a@b.c,,mailto:c@d.e", 35},
		{"v=DMARC1; p=none; v=DMARC1", 18},
	};
	struct mw_arena *a = mw_arena_new(0);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mw_dmarc_record r = dmarc(a, bad[i].in);
		if (r.valid || r.err_pos != bad[i].pos)
			print_message("%s: valid %d pos %zu\n", bad[i].in,
			    r.valid, r.err_pos);
		assert_true(r.is_dmarc);
		assert_false(r.valid);
		assert_non_null(r.err_reason);
		assert_int_equal(r.err_pos, bad[i].pos);
	}
	/* Not DMARC at all: discarded, not an error (RFC 9989 4.10.1). */
	assert_false(dmarc(a, "v=spf1 -all").is_dmarc);
	assert_false(dmarc(a, "v=dmarc1; p=none").is_dmarc);
	assert_false(dmarc(a, "p=none; v=DMARC1").is_dmarc);
	assert_false(dmarc(a, "v=DMARC10; p=none").is_dmarc);
	/* Unknown tags are ignored, not errors. */
	assert_true(dmarc(a, "v=DMARC1; p=none; foo=bar").valid);
	assert_int_equal(dmarc(a, "v=DMARC1; p=none; foo=bar").nunknown, 1);
	/* A non-mailto URI parses but is not usable. */
	assert_false(dmarc(a, "v=DMARC1; p=none; rua=https://x.example/")
	    .rua[0].ok);
	mw_arena_free(&a);
}

static void
dmarc_record_rewrites(void **state)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_dmarc_record r;

	r = dmarc(a, "v=DMARC1; p=none; pct=50; rua=mailto:x@example.com");
	assert_string_equal(mw_dmarc_record_with(a, &r, "p", "quarantine"),
	    "v=DMARC1; p=quarantine; rua=mailto:x@example.com");
	r = dmarc(a, "v=DMARC1; p=none");
	assert_string_equal(mw_dmarc_record_with(a, &r, "rua",
	    "mailto:d@example.com"), "v=DMARC1; p=none; rua=mailto:d@example.com");
	r = dmarc(a, "v=DMARC1; rua=mailto:d@example.com");
	assert_string_equal(mw_dmarc_record_with(a, &r, "p", "none"),
	    "v=DMARC1; p=none; rua=mailto:d@example.com");
	mw_arena_free(&a);
}

static void
dmarc_tree_walk_names_rfc9989_4_10_1(void **state)
{
	struct mw_arena *a = mw_arena_new(0);
	const char *n[8];
	size_t k;

	k = mw_dmarc_walk_names(n, a, "a.mail.example.com");
	assert_int_equal(k, 4);
	assert_string_equal(n[0], "a.mail.example.com");
	assert_string_equal(n[1], "mail.example.com");
	assert_string_equal(n[2], "example.com");
	assert_string_equal(n[3], "com");
	/* Nine labels: the domain, then straight to seven, then down. */
	k = mw_dmarc_walk_names(n, a, "a.b.c.d.e.f.g.h.example");
	assert_int_equal(k, 8);
	assert_string_equal(n[0], "a.b.c.d.e.f.g.h.example");
	assert_string_equal(n[1], "c.d.e.f.g.h.example");
	assert_string_equal(n[7], "example");
	k = mw_dmarc_walk_names(n, a, "test");
	assert_int_equal(k, 1);
	mw_arena_free(&a);
}

/* RFC 6376 appendix C: the example 1024-bit RSA key. */
#define RFC6376_KEY                                                            \
	"MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1" \
	"fWn7/zYtIxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947q" \
	"R+Rcac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDA" \
	"QAB"

static struct mw_dkim_key
key(struct mw_arena *a, const char *s)
{
	struct mw_dkim_key k;

	assert_int_equal(mw_dkim_key_parse(&k, a, (const uint8_t *)s,
	    strlen(s), NULL), 0);
	return k;
}

static void
dkim_rfc_keys_parse_and_measure(void **state)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_dkim_key k;
	struct mw_dkim_key_info info;

	k = key(a, "v=DKIM1; p=" RFC6376_KEY);
	assert_true(k.valid);
	assert_string_equal(k.k, "rsa");
	mw_dkim_key_inspect(&info, &k);
	assert_true(info.usable);
	assert_int_equal(info.bits, 1024);
	/* RFC 8463 3: the Ed25519 example key. */
	k = key(a, "v=DKIM1; k=ed25519; "
	    "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
	assert_true(k.valid);
	assert_int_equal(k.key_len, 32);
	mw_dkim_key_inspect(&info, &k);
	assert_true(info.usable);
	assert_string_equal(info.type, "ed25519");
	/* FWS inside p= (a key split over TXT strings and folded). */
	k = key(a, "k=rsa; t=y:s; h=sha256; s=email;\r\n p=MIGfMA0GCSqG SIb3"
	    "DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zY"
	    "tIxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947q"
	    "R+Rcac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2"
	    "QIDAQAB");
	assert_true(k.valid);
	assert_true(k.testing && k.strict && k.sha256 && k.email);
	mw_dkim_key_inspect(&info, &k);
	assert_int_equal(info.bits, 1024);
	mw_arena_free(&a);
}

static void
dkim_key_defects(void **state)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_dkim_key k;
	struct mw_dkim_key_info info;

	k = key(a, "v=DKIM1; k=rsa; p=");
	assert_true(k.valid && k.revoked);
	assert_true(key(a, "v=DKIM1; h=sha1; p=" RFC6376_KEY).valid);
	assert_false(key(a, "v=DKIM1; h=sha1; p=" RFC6376_KEY).sha256);
	assert_false(key(a, "v=DKIM1; s=tlsrpt; p=" RFC6376_KEY).email);
	k = key(a, "v=DKIM1; p=MIGf*MA0");
	assert_false(k.valid);
	assert_int_equal(k.err_pos, 15);
	k = key(a, "v=DKIM1; p=MIGfM");
	assert_false(k.valid);
	k = key(a, "k=rsa; v=DKIM1; p=" RFC6376_KEY);
	assert_false(k.valid);
	assert_int_equal(k.err_pos, 7);
	k = key(a, "v=DKIM1; p=" RFC6376_KEY "; p=" RFC6376_KEY);
	assert_false(k.valid);
	k = key(a, "v=DKIM2; p=" RFC6376_KEY);
	assert_false(k.valid);
	k = key(a, "v=DKIM1; k=rsa");
	assert_false(k.valid);
	/* Cut short but still base64: parses, does not decode. */
	k = key(a, "v=DKIM1; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/");
	assert_true(k.valid);
	mw_dkim_key_inspect(&info, &k);
	assert_false(info.usable);
	assert_non_null(info.why);
	k = key(a, "v=DKIM1; k=dsa; p=" RFC6376_KEY);
	mw_dkim_key_inspect(&info, &k);
	assert_false(info.usable);
	k = key(a, "v=DKIM1; k=ed25519; p=" RFC6376_KEY);
	mw_dkim_key_inspect(&info, &k);
	assert_false(info.usable);
	mw_arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dmarc_rfc_examples_parse),
		cmocka_unit_test(dmarc_errors_have_positions),
		cmocka_unit_test(dmarc_record_rewrites),
		cmocka_unit_test(dmarc_tree_walk_names_rfc9989_4_10_1),
		cmocka_unit_test(dkim_rfc_keys_parse_and_measure),
		cmocka_unit_test(dkim_key_defects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
