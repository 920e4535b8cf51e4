/*
 * Unit tests of lib/report: the catalogue is well formed, findings and
 * facts land in the report, texts substitute their arguments and are
 * translated, and both renderers produce what users and scripts read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "mailwhy/arena.h"
#include "mailwhy/err.h"
#include "mailwhy/report.h"
#include "util/limits.h"

static void
catalogue_codes_are_unique_dotted_and_complete(void **state)
{
	size_t n;
	const struct mw_finding_def *d = mw_catalog(&n);

	assert_int_equal(n, MW_F__COUNT);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(d[i].id, i);
		assert_non_null(strchr(d[i].code, '.'));
		for (const char *p = d[i].code; *p; p++)
			assert_true((*p >= 'a' && *p <= 'z') || *p == '.' ||
			    *p == '_' || (*p >= '0' && *p <= '9'));
		assert_true(d[i].title[0] && d[i].explain[0] && d[i].remedy[0]);
		for (size_t j = i + 1; j < n; j++)
			assert_string_not_equal(d[i].code, d[j].code);
		assert_ptr_equal(mw_catalog_find(d[i].code), &d[i]);
	}
	assert_null(mw_catalog_find("no.such.code"));
}

static void
every_text_is_translated_to_russian(void **state)
{
	size_t n;
	const struct mw_finding_def *d = mw_catalog(&n);
	int missing = 0;

	for (size_t i = 0; i < n; i++) {
		const char *texts[] = {d[i].title, d[i].explain, d[i].remedy};
		for (int k = 0; k < 3; k++)
			if (mw_tr("ru", texts[k]) == texts[k]) {
				print_message("untranslated: %s: %s\n",
				    d[i].code, texts[k]);
				missing++;
			}
	}
	assert_int_equal(missing, 0);
}

static void
args_replace_placeholders(void **state)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_report r;
	struct mw_buf b;
	struct mw_finding *f;

	assert_int_equal(mw_report_init(&r, a, "addr", "x@gmial.com"), 0);
	f = mw_report_add(&r, MW_F_ADDR_TYPO, "gmial.com", NULL,
	    "x@gmail.com", "gmial.com", "gmail.com");
	assert_non_null(f);
	mw_buf_init(&b, 1024);
	assert_int_equal(mw_finding_text(&b, f, f->def->title, "en"), 0);
	assert_string_equal(mw_buf_cstr(&b),
	    "Probably a typo: did you mean x@gmail.com?");
	mw_buf_reset(&b);
	mw_finding_text(&b, f, f->def->title, "ru");
	assert_non_null(strstr(mw_buf_cstr(&b), "x@gmail.com"));
	assert_null(strstr(mw_buf_cstr(&b), "{1}"));
	assert_string_not_equal(mw_buf_cstr(&b),
	    "Probably a typo: did you mean x@gmail.com?");
	mw_buf_release(&b);
	mw_arena_free(&a);
}

static void
findings_are_capped_and_marked_truncated(void **state)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_report r;
	int added = 0;

	mw_report_init(&r, a, "addr", "s");
	for (int i = 0; i < 1000; i++)
		if (mw_report_add(&r, MW_F_ADDR_ROLE, "s", NULL, "x", NULL,
			NULL) != NULL)
			added++;
	assert_int_equal(added, 256);
	assert_true(r.truncated);
	assert_int_equal(mw_report_worst(&r), MW_SEV_INFO);
	assert_true(mw_report_has(&r, MW_F_ADDR_ROLE));
	assert_false(mw_report_has(&r, MW_F_ADDR_TYPO));
	mw_arena_free(&a);
}

static void
json_has_schema_facts_and_findings(void **state)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_report r;
	struct mw_buf b;
	json_t *j, *f;
	json_error_t e;

	mw_report_init(&r, a, "addr", "bad\xff@x.test");
	mw_report_set_bool(&r, "valid", false);
	mw_report_set_str(&r, "address", NULL);
	mw_report_set_int(&r, "n", 7);
	mw_report_set_bool(&r, "valid", true); /* replaces */
	mw_report_add(&r, MW_F_ADDR_DOMAIN_NXDOMAIN, "x.test", "NXDOMAIN",
	    "x.test", NULL, NULL);
	mw_buf_init(&b, 1 << 20);
	assert_int_equal(mw_render_json(&b, &r, "en", 0), 0);
	assert_null(strchr(mw_buf_cstr(&b), '\n'));
	j = json_loads(mw_buf_cstr(&b), 0, &e);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j,
	    "schema_version")), MW_JSON_SCHEMA_VERSION);
	assert_string_equal(json_string_value(json_object_get(j, "kind")),
	    "addr");
	/* Invalid UTF-8 in the input still gives valid JSON. */
	assert_string_equal(json_string_value(json_object_get(j, "input")),
	    "bad\xef\xbf\xbd@x.test");
	assert_true(json_is_true(json_object_get(j, "valid")));
	assert_true(json_is_null(json_object_get(j, "address")));
	assert_int_equal(json_integer_value(json_object_get(j, "n")), 7);
	f = json_array_get(json_object_get(j, "findings"), 0);
	assert_string_equal(json_string_value(json_object_get(f, "code")),
	    "addr.domain.nxdomain");
	assert_string_equal(json_string_value(json_object_get(f,
	    "severity")), "error");
	assert_string_equal(json_string_value(json_object_get(f, "who")),
	    "sender");
	assert_string_equal(json_string_value(json_object_get(f, "title")),
	    "The domain x.test does not exist");
	json_decref(j);
	mw_buf_release(&b);
	mw_arena_free(&a);
}

static void
text_leads_with_verdict_and_says_who_fixes(void **state)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_report r;
	struct mw_buf b;
	const char *s;

	mw_report_init(&r, a, "addr", "user@nullmx.test");
	mw_report_add(&r, MW_F_ADDR_ROLE, "user", NULL, "user", NULL, NULL);
	mw_report_add(&r, MW_F_ADDR_DOMAIN_NULL_MX, "nullmx.test", "MX 0 .",
	    "nullmx.test", NULL, NULL);
	mw_buf_init(&b, 1 << 20);
	assert_int_equal(mw_render_text(&b, &r, "en", 0), 0);
	s = mw_buf_cstr(&b);
	assert_true(strncmp(s, "✗ user@nullmx.test — problems found\n",
	    strlen("✗ user@nullmx.test — problems found\n")) == 0);
	/* Errors come before information. */
	assert_true(strstr(s, "declares that it accepts no mail") <
	    strstr(s, "A role address"));
	assert_non_null(strstr(s, "Fix (the sender): Ask the recipient"));
	assert_null(strstr(s, "\033["));
	mw_buf_reset(&b);
	mw_render_text(&b, &r, "en", MW_RENDER_COLOR | MW_RENDER_VERBOSE);
	assert_non_null(strstr(mw_buf_cstr(&b), "\033[31m"));
	assert_non_null(strstr(mw_buf_cstr(&b), "[addr.domain.null_mx]"));
	assert_non_null(strstr(mw_buf_cstr(&b), "MX 0 ."));
	mw_buf_reset(&b);
	mw_render_text(&b, &r, "ru", 0);
	assert_non_null(strstr(mw_buf_cstr(&b), "nullmx.test"));
	assert_null(strstr(mw_buf_cstr(&b), "problems found"));
	mw_buf_release(&b);
	mw_arena_free(&a);
}

static void
text_never_passes_control_bytes_or_pages_of_input(void **state)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_report r;
	struct mw_buf b;
	char big[2000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	mw_report_init(&r, a, "addr", "evil\033[2J@x.test");
	mw_report_add(&r, MW_F_ADDR_IP_LITERAL, "s", "\033]0;t\007", big,
	    NULL, NULL);
	mw_buf_init(&b, 1 << 20);
	assert_int_equal(mw_render_text(&b, &r, "en", MW_RENDER_VERBOSE), 0);
	assert_null(strchr(mw_buf_cstr(&b), '\033'));
	assert_null(strchr(mw_buf_cstr(&b), '\007'));
	assert_non_null(strstr(mw_buf_cstr(&b), "evil?[2J@x.test"));
	assert_non_null(strstr(mw_buf_cstr(&b), "…"));
	assert_true(b.len < 1500);
	mw_buf_release(&b);
	mw_arena_free(&a);
}

static void
language_choice_follows_option_then_environment(void **state)
{
	assert_string_equal(mw_i18n_pick("ru"), "ru");
	assert_string_equal(mw_i18n_pick("en"), "en");
	setenv("LANGUAGE", "", 1);
	setenv("LC_ALL", "ru_RU.UTF-8", 1);
	assert_string_equal(mw_i18n_pick(NULL), "ru");
	setenv("LC_ALL", "C", 1);
	assert_string_equal(mw_i18n_pick(NULL), "en");
	setenv("LANGUAGE", "ru:en", 1);
	assert_string_equal(mw_i18n_pick(NULL), "ru");
	assert_string_equal(mw_tr("en", "error"), "error");
	assert_string_equal(mw_tr("xx", "error"), "error");
}


/*
 * The JSON renderer writes what jansson's json_dumps wrote for the same
 * report, byte for byte: the reference below is the renderer as it was
 * when it built a jansson object, kept here to compare against.
 */
static json_t *
ref_jstr(const char *s)
{
	struct mw_buf b;
	json_t *j;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	mw_buf_init(&b, MW_RENDER_MAX);
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 :
		    (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;
		size_t k = 1;
		while (n > 1 && k < n && (p[k] & 0xc0) == 0x80)
			k++;
		if (n == 0 || k < n) {
			mw_buf_puts(&b, "\xef\xbf\xbd");
			p += n == 0 ? 1 : k;
			continue;
		}
		mw_buf_append(&b, p, n);
		p += n;
	}
	j = json_string(mw_buf_cstr(&b));
	mw_buf_release(&b);
	return j ? j : json_string("\xef\xbf\xbd");
}

static json_t *
ref_text(const struct mw_finding *f, const char *msgid, const char *lang)
{
	struct mw_buf b;
	json_t *j;

	mw_buf_init(&b, MW_RENDER_MAX);
	if (mw_finding_text(&b, f, msgid, lang) != 0) {
		mw_buf_release(&b);
		return NULL;
	}
	j = ref_jstr(mw_buf_cstr(&b));
	mw_buf_release(&b);
	return j;
}

static json_t *
ref_finding(const struct mw_finding *f, const char *lang)
{
	const struct mw_finding_def *d = f->def;
	json_t *o = json_object(), *args = json_array();

	json_object_set_new(o, "code", json_string(d->code));
	json_object_set_new(o, "severity",
	    json_string(mw_severity_name(d->sev)));
	json_object_set_new(o, "who", json_string(mw_actor_name(d->who)));
	json_object_set_new(o, "subject",
	    ref_jstr(f->subject));
	json_object_set_new(o, "title", ref_text(f, d->title, lang));
	json_object_set_new(o, "explanation", ref_text(f, d->explain, lang));
	json_object_set_new(o, "remedy", ref_text(f, d->remedy, lang));
	json_object_set_new(o, "evidence",
	    ref_jstr(f->evidence));
	json_object_set_new(o, "ref", d->ref ? json_string(d->ref) : json_null());
	for (int i = 0; i < 3; i++)
		if (f->args[i] != NULL)
			json_array_append_new(args, ref_jstr(f->args[i]));
	json_object_set_new(o, "args", args);
	return o;
}

static int
ref_render_json(struct mw_buf *out, const struct mw_report *r,
    const char *lang, unsigned flags)
{
	json_t *o = json_object(), *list = json_array();
	char *s;
	int rc;

	json_object_set_new(o, "schema_version",
	    json_integer(MW_JSON_SCHEMA_VERSION));
	json_object_set_new(o, "kind", json_string(r->kind));
	json_object_set_new(o, "input", ref_jstr(r->subject));
	for (size_t i = 0; i < r->nfacts; i++) {
		const struct mw_fact *f = &r->facts[i];
		json_t *v;
		switch (f->type) {
		case MW_FACT_BOOL:
			v = json_boolean(f->b);
			break;
		case MW_FACT_INT:
			v = json_integer(f->i);
			break;
		case MW_FACT_STR:
			v = ref_jstr(f->s);
			break;
		case MW_FACT_JSON:
			v = json_loads(f->s, JSON_DECODE_ANY, NULL);
			break;
		default:
			v = json_null();
		}
		json_object_set_new(o, f->key, v ? v : json_null());
	}
	for (size_t i = 0; i < r->nfindings; i++)
		json_array_append_new(list, ref_finding(&r->findings[i], lang));
	json_object_set_new(o, "findings", list);
	if (r->truncated)
		json_object_set_new(o, "truncated", json_true());
	s = json_dumps(o, JSON_PRESERVE_ORDER |
	    ((flags & MW_RENDER_PRETTY) ? JSON_INDENT(2) : JSON_COMPACT));
	json_decref(o);
	if (s == NULL)
		return MW_ENOMEM;
	rc = mw_buf_puts(out, s);
	free(s);
	return rc;
}

static void
json_same_as_jansson(void **state)
{
	/* the bytes that need care: controls, quote, backslash, DEL,
	 * UTF-8 good and bad (lone continuation, overlong, surrogate,
	 * past U+10FFFF, cut sequence) */
	static const char *const strs[] = {"", "plain", "quote \" back \\",
	    "\x01\x02\b\t\n\v\f\r\x1b\x1f end", "slash / del \x7f",
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	    "bad \x80 cont", "overlong \xc0\xaf", "surrogate \xed\xa0\x80",
	    "big \xf4\x90\x80\x80", "cut \xe2\x82", "lead \xff end",
	    "\xf5\x80\x80\x80", "mixed \xc3\xa9\x80\xc3"};
	size_t ns = sizeof(strs) / sizeof(strs[0]), i, k;
	unsigned seed = 20261126;

	(void)state;
	for (i = 0; i < ns * ns; i++) {
		struct mw_arena *a = mw_arena_new(0);
		struct mw_report r;
		struct mw_buf x, y;
		const char *s1 = strs[i % ns], *s2 = strs[i / ns];
		char rnd[64];

		for (k = 0; k + 1 < sizeof(rnd); k++) {
			seed = seed * 1103515245u + 12345u;
			rnd[k] = (char)((seed >> 16) % 255 + 1);
		}
		rnd[k] = '\0';
		assert_int_equal(mw_report_init(&r, a, "bounce", s1), 0);
		assert_int_equal(mw_report_set_str(&r, "recipient", s2), 0);
		assert_int_equal(mw_report_set_str(&r, "random", rnd), 0);
		assert_int_equal(mw_report_set_str(&r, "none", NULL), 0);
		assert_int_equal(mw_report_set_bool(&r, "hard", i & 1), 0);
		assert_int_equal(mw_report_set_int(&r, "reply_code",
		    (int64_t)i * -12345678901LL), 0);
		assert_int_equal(mw_report_set_json(&r, "tree",
		    i % 3 ? "{\"a\": [1, 2.5, \"x\"], \"b\": null}" :
		    "not json"), 0);
		mw_report_add(&r, MW_F_ADDR_TYPO, s1, s2, s1, s2, rnd);
		mw_report_add(&r, MW_F_ADDR_DOMAIN_NULL_MX, s2, NULL, s2, NULL,
		    NULL);
		mw_buf_init(&x, MW_RENDER_MAX);
		mw_buf_init(&y, MW_RENDER_MAX);
		assert_int_equal(mw_render_json(&x, &r, "en", 0), 0);
		assert_int_equal(ref_render_json(&y, &r, "en", 0), 0);
		if (x.len != y.len || memcmp(x.p, y.p, x.len) != 0)
			fail_msg("differs:\n%s\n%s", mw_buf_cstr(&x),
			    mw_buf_cstr(&y));
		mw_buf_reset(&x);
		mw_buf_reset(&y);
		assert_int_equal(mw_render_json(&x, &r, "ru", MW_RENDER_PRETTY),
		    0);
		assert_int_equal(ref_render_json(&y, &r, "ru", MW_RENDER_PRETTY),
		    0);
		assert_int_equal(x.len, y.len);
		assert_memory_equal(x.p, y.p, x.len);
		mw_buf_release(&x);
		mw_buf_release(&y);
		mw_arena_free(&a);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(catalogue_codes_are_unique_dotted_and_complete),
		cmocka_unit_test(every_text_is_translated_to_russian),
		cmocka_unit_test(args_replace_placeholders),
		cmocka_unit_test(findings_are_capped_and_marked_truncated),
		cmocka_unit_test(json_has_schema_facts_and_findings),
		cmocka_unit_test(text_leads_with_verdict_and_says_who_fixes),
		cmocka_unit_test(text_never_passes_control_bytes_or_pages_of_input),
		cmocka_unit_test(language_choice_follows_option_then_environment),
		cmocka_unit_test(json_same_as_jansson),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
