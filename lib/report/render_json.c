/*
 * render_json.c - a report as one JSON object (docs/json.md, schema
 * version MW_JSON_SCHEMA_VERSION): the schema version, kind and input,
 * the report's facts as top-level fields, and the findings with their
 * texts in the chosen language.
 */
#include <stdlib.h>

#include <jansson.h>

#include "mailwhy/err.h"
#include "mailwhy/report.h"
#include "util/limits.h"

/*
 * A JSON string of s.  Input may hold any bytes, but JSON text is UTF-8:
 * invalid sequences become U+FFFD so the document stays valid.
 */
static json_t *
jstr(const char *s)
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
text(const struct mw_finding *f, const char *msgid, const char *lang)
{
	struct mw_buf b;
	json_t *j;

	mw_buf_init(&b, MW_RENDER_MAX);
	if (mw_finding_text(&b, f, msgid, lang) != 0) {
		mw_buf_release(&b);
		return NULL;
	}
	j = jstr(mw_buf_cstr(&b));
	mw_buf_release(&b);
	return j;
}

static json_t *
finding(const struct mw_finding *f, const char *lang)
{
	const struct mw_finding_def *d = f->def;
	json_t *o = json_object(), *args = json_array();

	json_object_set_new(o, "code", json_string(d->code));
	json_object_set_new(o, "severity",
	    json_string(mw_severity_name(d->sev)));
	json_object_set_new(o, "who", json_string(mw_actor_name(d->who)));
	json_object_set_new(o, "subject",
	    jstr(f->subject));
	json_object_set_new(o, "title", text(f, d->title, lang));
	json_object_set_new(o, "explanation", text(f, d->explain, lang));
	json_object_set_new(o, "remedy", text(f, d->remedy, lang));
	json_object_set_new(o, "evidence",
	    jstr(f->evidence));
	json_object_set_new(o, "ref", d->ref ? json_string(d->ref) : json_null());
	for (int i = 0; i < 3; i++)
		if (f->args[i] != NULL)
			json_array_append_new(args, jstr(f->args[i]));
	json_object_set_new(o, "args", args);
	return o;
}

int
mw_render_json(struct mw_buf *out, const struct mw_report *r,
    const char *lang, unsigned flags)
{
	json_t *o = json_object(), *list = json_array();
	char *s;
	int rc;

	json_object_set_new(o, "schema_version",
	    json_integer(MW_JSON_SCHEMA_VERSION));
	json_object_set_new(o, "kind", json_string(r->kind));
	json_object_set_new(o, "input", jstr(r->subject));
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
			v = jstr(f->s);
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
		json_array_append_new(list, finding(&r->findings[i], lang));
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
