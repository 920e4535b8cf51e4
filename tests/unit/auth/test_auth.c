/*
 * Unit tests of lib/auth: DMARC records (RFC 7489 6.6 and RFC 9989
 * examples, every tag's values, tags in error ignored and whole-record
 * errors with their positions, RFC 9989 4.8), the DNS tree walk's names
 * and what it selects (RFC 9989 4.10, 4.10.1, 4.10.2, appendix B.4), and
 * DKIM key records (RFC 6376 3.6.1 and its appendix C key, RFC 8463 3 Ed25519 key, revoked and
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
	/* No p: valid; the audit treats it as none only with rua (RFC 9989
	 * 4.10.1). */
	r = dmarc(a, "v=DMARC1; rua=mailto:r@example.com;");
	assert_true(r.valid);
	assert_int_equal(r.p, MW_DMARC_P_UNSET);
	mw_arena_free(&a);
}

static void
dmarc_errors_have_positions(void **state)
{
	/* RFC 9989 4.8: a tag in error is discarded in favour of its
	 * default; the record stays usable (valid) and the tag is marked.
	 * Only a defect of the whole record makes it invalid. */
	static const struct {
		const char *in;
		size_t pos; /* 0-based */
		unsigned bad; /* 0: the record is invalid */
	} bad[] = {
		{"v=DMARC1; p=nonee", 12, MW_DMARC_T_P},
		{"v=DMARC1; p=none; adkim=x", 24, MW_DMARC_T_ADKIM},
		{"v=DMARC1; p=none rua=mailto:a@b.c", 16, MW_DMARC_T_P},
		{"v=DMARC1; p=none; fo=2", 21, MW_DMARC_T_FO},
		{"v=DMARC1; p=none; fo=0:1", 21, MW_DMARC_T_FO},
		{"v=DMARC1; p=none; fo=d:d", 21, MW_DMARC_T_FO},
		{"v=DMARC1; p=none; psd=x", 22, MW_DMARC_T_PSD},
		{"v=DMARC1; p=none; t=maybe", 20, MW_DMARC_T_T},
		{"v=DMARC1; p=none; rua=", 22, MW_DMARC_T_RUA},
		{"v=DMARC1; p=none; rua=mailto:a@b.c,,mailto:c@d.e", 35,
		    MW_DMARC_T_RUA},
		{"v=DMARC1; p=none; p=reject", 18, 0},
		{"v=DMARC1; p=none; v=DMARC1", 18, 0},
		{"v=DMARC1 p=none", 9, 0},
	};
	struct mw_arena *a = mw_arena_new(0);
	struct mw_dmarc_record r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t pos = SIZE_MAX;
		r = dmarc(a, bad[i].in);
		assert_true(r.is_dmarc);
		if (bad[i].bad == 0) {
			assert_false(r.valid);
			assert_non_null(r.err_reason);
			pos = r.err_pos;
		} else {
			assert_true(r.valid);
			assert_int_equal(r.bad, bad[i].bad);
			for (size_t k = 0; k < r.ntags; k++)
				if (r.tags[k].err_reason != NULL) {
					pos = r.tags[k].err_pos;
					break;
				}
		}
		if (pos != bad[i].pos)
			print_message("%s: pos %zu\n", bad[i].in, pos);
		assert_int_equal(pos, bad[i].pos);
	}
	/* The defaults stand in for the tags in error. */
	r = dmarc(a, "v=DMARC1; p=nonee; adkim=x; psd=q; t=1");
	assert_int_equal(r.p, MW_DMARC_P_UNSET);
	assert_int_equal(r.adkim, 'r');
	assert_int_equal(r.psd, 'u');
	assert_false(r.testing);
	assert_int_equal(r.nbad, 4);
	/* The forgotten ';' loses rua with p. */
	r = dmarc(a, "v=DMARC1; p=none rua=mailto:a@b.c");
	assert_int_equal(r.nrua, 0);
	/* A segment that is no tag is ignored, the rest is read. */
	r = dmarc(a, "v=DMARC1; =x; p=reject; junk; sp=none");
	assert_true(r.valid);
	assert_int_equal(r.p, MW_DMARC_P_REJECT);
	assert_int_equal(r.sp, MW_DMARC_P_NONE);
	assert_int_equal(r.nbad, 2);
	assert_int_equal(r.bad, 0);
	/* Not DMARC at all: discarded, not an error (RFC 9989 4.7: v first,
	 * value DMARC1, case-sensitive). */
	assert_false(dmarc(a, "v=spf1 -all").is_dmarc);
	assert_false(dmarc(a, "v=dmarc1; p=none").is_dmarc);
	assert_false(dmarc(a, "p=none; v=DMARC1").is_dmarc);
	assert_false(dmarc(a, "v=DMARC10; p=none").is_dmarc);
	/* RFC 9989 4.7: unknown tags MUST be ignored, not errors. */
	assert_true(dmarc(a, "v=DMARC1; p=none; foo=bar").valid);
	assert_int_equal(dmarc(a, "v=DMARC1; p=none; foo=bar").nunknown, 1);
	/* A non-mailto URI parses but is not usable. */
	assert_false(dmarc(a, "v=DMARC1; p=none; rua=https://x.example/")
	    .rua[0].ok);
	mw_arena_free(&a);
}

static void
dmarc_removed_and_obsolete_syntax_rfc9989_c4_c5(void **state)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_dmarc_record r;

	/* C.5.2: pct, rf, ri removed: no value of theirs is an error. */
	r = dmarc(a, "v=DMARC1; p=reject; pct=101; rf=xml; ri=soon");
	assert_true(r.valid);
	assert_int_equal(r.bad, 0);
	assert_int_equal(r.pct, -1);
	assert_int_equal(r.p, MW_DMARC_P_REJECT);
	/* "p must follow v" is gone (4.7): any order. */
	r = dmarc(a, "v=DMARC1; rua=mailto:r@example.com; p=quarantine");
	assert_true(r.valid);
	assert_int_equal(r.p, MW_DMARC_P_QUARANTINE);
	/* C.4, 4.8 obs-dmarc-report-size: ignored, flagged. */
	r = dmarc(a, "v=DMARC1; p=none; rua=mailto:a@example.com!10m,"
	    "mailto:b@example.com");
	assert_true(r.valid);
	assert_true(r.rua[0].ok && r.rua[0].size_limit);
	assert_string_equal(r.rua[0].domain, "example.com");
	assert_false(r.rua[1].size_limit);
	/* fo: 0 and 1 exclusive, d and s once each (4.7, 4.8). */
	assert_int_equal(dmarc(a, "v=DMARC1; fo=1:d:s").bad, 0);
	assert_int_equal(dmarc(a, "v=DMARC1; fo=d:0").bad, 0);
	assert_int_equal(dmarc(a, "v=DMARC1; fo=1:0").bad, MW_DMARC_T_FO);
	assert_int_equal(dmarc(a, "v=DMARC1; fo=s:s").bad, MW_DMARC_T_FO);
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
dmarc_tree_walk_names_rfc9989_4_10(void **state)
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
	/* 4.10's example: 13 labels, eight queries, the TLD last. */
	k = mw_dmarc_walk_names(n, a, "a.b.c.d.e.f.g.h.i.j.mail.example.com");
	assert_int_equal(k, 8);
	assert_string_equal(n[0], "a.b.c.d.e.f.g.h.i.j.mail.example.com");
	assert_string_equal(n[1], "g.h.i.j.mail.example.com");
	assert_string_equal(n[2], "h.i.j.mail.example.com");
	assert_string_equal(n[5], "mail.example.com");
	assert_string_equal(n[6], "example.com");
	assert_string_equal(n[7], "com");
	/* 5.1.8's example: the psd=n record at b.c.d.e.f.g.example.com is
	 * never asked for. */
	k = mw_dmarc_walk_names(n, a, "mail.a.b.c.d.e.f.g.example.com");
	assert_int_equal(k, 8);
	assert_string_equal(n[1], "c.d.e.f.g.example.com");
	/* Eight labels: the parent has seven, so one label at a time. */
	k = mw_dmarc_walk_names(n, a, "a.b.c.d.e.f.g.example");
	assert_int_equal(k, 8);
	assert_string_equal(n[1], "b.c.d.e.f.g.example");
	assert_string_equal(n[7], "example");
	k = mw_dmarc_walk_names(n, a, "test");
	assert_int_equal(k, 1);
	mw_arena_free(&a);
}

/* The selection for domain when walk step i answered psd[i]: '-' for
 * no single valid record, else the record's psd value. */
static struct mw_dmarc_choice
choose(struct mw_arena *a, const char *domain, char *psd)
{
	const char *n[8];
	struct mw_dmarc_choice c;
	size_t k;

	k = mw_dmarc_walk_names(n, a, domain);
	assert_int_equal(k, strlen(psd));
	for (size_t i = 0; i < k; i++)
		if (psd[i] == '-')
			psd[i] = 0;
	mw_dmarc_select(&c, domain, n, psd, k);
	return c;
}

#define PSD(s) ((char[]){s})

static void
dmarc_org_and_policy_domains_rfc9989_4_10_1_4_10_2(void **state)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_dmarc_choice c;

	/* 4.10.2 example 1: records at mail.example.com and example.com:
	 * the one with the fewest labels is the organisational domain, and
	 * its record (not the nearer one) is the policy (4.10.1). */
	c = choose(a, "a.mail.example.com", PSD("-uu-"));
	assert_string_equal(c.org, "example.com");
	assert_int_equal(c.policy, 2);
	assert_int_equal(c.used, 4);
	/* Example 2: psd=n at mail.example.com ends the walk there. */
	c = choose(a, "a.mail.example.com", PSD("-nu-"));
	assert_string_equal(c.org, "mail.example.com");
	assert_int_equal(c.policy, 1);
	assert_int_equal(c.used, 2);
	/* Example 3: only _dmarc.com, psd=y: example.com is the
	 * organisational domain, without a record; the PSD's applies. */
	c = choose(a, "a.mail.example.com", PSD("---y"));
	assert_string_equal(c.org, "example.com");
	assert_int_equal(c.policy, 3);
	assert_true(c.psd_policy);
	/* B.4.3: giant.bank.example's own record, then bank.example psd=y. */
	c = choose(a, "giant.bank.example", PSD("uy-"));
	assert_string_equal(c.org, "giant.bank.example");
	assert_int_equal(c.policy, 0);
	assert_int_equal(c.used, 2);
	c = choose(a, "mail.giant.bank.example", PSD("-uy-"));
	assert_string_equal(c.org, "giant.bank.example");
	assert_int_equal(c.policy, 1);
	assert_false(c.psd_policy);
	c = choose(a, "mail.mega.bank.example", PSD("--y-"));
	assert_string_equal(c.org, "mega.bank.example");
	assert_int_equal(c.policy, 2);
	assert_true(c.psd_policy);
	/* B.4.2: 14 labels, the record at example.com only. */
	c = choose(a, "a.b.c.d.e.f.g.h.i.j.k.example.com", PSD("------u-"));
	assert_string_equal(c.org, "example.com");
	assert_int_equal(c.policy, 6);
	/* psd=y on the domain where the walk starts: the walk stops, and
	 * the domain is its own organisational domain (4.10 step 2,
	 * 4.10.2 rule 2 excludes it, rule 3 picks it). */
	c = choose(a, "gov", PSD("y"));
	assert_string_equal(c.org, "gov");
	c = choose(a, "agency.gov", PSD("yu"));
	assert_string_equal(c.org, "agency.gov");
	assert_int_equal(c.used, 1);
	/* A single-label PSD (_dmarc.gov, psd=y) is reached by the walk. */
	c = choose(a, "mail.agency.gov", PSD("--y"));
	assert_string_equal(c.org, "agency.gov");
	assert_true(c.psd_policy);
	/* A nearer record without psd, then a PSD: the walk goes on to the
	 * PSD, whose flag fixes the organisational domain; that domain
	 * has no record, so the PSD's policy applies (4.10.1). */
	c = choose(a, "x.mail.example.com", PSD("-u-y"));
	assert_string_equal(c.org, "example.com");
	assert_int_equal(c.policy, 3);
	/* Nothing anywhere: no policy, the domain is its own. */
	c = choose(a, "a.example.com", PSD("---"));
	assert_string_equal(c.org, "a.example.com");
	assert_int_equal(c.policy, SIZE_MAX);
	/* Past the 8-label jump, psd=y one label above the jump target:
	 * the organisational domain is the name one label below it. */
	c = choose(a, "a.b.c.d.e.f.g.h.i.example", PSD("-y------"));
	assert_string_equal(c.org, "c.d.e.f.g.h.i.example");
	assert_true(c.psd_policy);
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
		cmocka_unit_test(dmarc_tree_walk_names_rfc9989_4_10),
		cmocka_unit_test(dmarc_org_and_policy_domains_rfc9989_4_10_1_4_10_2),
		cmocka_unit_test(dmarc_removed_and_obsolete_syntax_rfc9989_c4_c5),
		cmocka_unit_test(dkim_rfc_keys_parse_and_measure),
		cmocka_unit_test(dkim_key_defects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
