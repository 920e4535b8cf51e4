/*
 * spf_report.c - a check_host() outcome as a report (kind "spf"), and the
 * record edits that findings give as their fix.
 *
 * The result becomes one finding (RFC 7208 2.6); a fail, softfail or
 * neutral one carries the record of the checked domain with the client's
 * address added before the all term, a none one a record to start from.
 * Everything is in the report's arena.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "auth/spf_int.h"
#include "mailwhy/buf.h"
#include "util/limits.h"

const char *
mw__spf_ip_term(struct mw_arena *a, const char *ip)
{
	uint8_t b[16];

	if (inet_pton(AF_INET, ip, b) == 1)
		return mw_arena_printf(a, "ip4:%s", ip);
	if (inet_pton(AF_INET6, ip, b) == 1)
		return mw_arena_printf(a, "ip6:%s", ip);
	return NULL;
}

const char *
mw__spf_record_edit(struct mw_arena *a, const struct mw_spf_record *r,
    const struct mw__spf_edit *e)
{
	struct mw_buf b;
	const char *out;
	bool added = false;

	mw_buf_init(&b, MW_SPF_EXPAND_MAX * 8);
	mw_buf_puts(&b, "v=spf1");
	for (size_t i = 0; i < r->n; i++) {
		const struct mw_spf_term *t = &r->terms[i];
		if (!added &&
		    (t->kind == MW_SPF_ALL || t->kind >= MW_SPF_REDIRECT)) {
			for (size_t k = 0; k < e->nadd; k++)
				mw_buf_printf(&b, " %s", e->add[k]);
			added = true;
		}
		if (e->drop != NULL && e->drop[i])
			continue;
		if (e->replace != NULL && e->replace[i] != NULL)
			mw_buf_printf(&b, " %s", e->replace[i]);
		else if (t->kind == MW_SPF_ALL && e->all)
			mw_buf_printf(&b, " %call", e->all);
		else
			mw_buf_printf(&b, " %s", t->text);
	}
	if (!added)
		for (size_t k = 0; k < e->nadd; k++)
			mw_buf_printf(&b, " %s", e->add[k]);
	out = mw_arena_strdup(a, mw_buf_cstr(&b));
	mw_buf_release(&b);
	return out;
}

const char *
mw__spf_drop_token(struct mw_arena *a, const char *text, size_t off)
{
	size_t len = strlen(text), s = off, e = off;

	if (off >= len)
		return text;
	while (s > 0 && text[s - 1] != ' ')
		s--;
	while (e < len && text[e] != ' ')
		e++;
	while (e < len && text[e] == ' ')
		e++;
	if (s == 0)
		return text; /* never drop "v=spf1" */
	return mw_arena_printf(a, "%.*s%s", (int)s, text, text + e);
}

static const char *
path_json(struct mw_arena *a, const struct mw_spf_outcome *o)
{
	json_t *arr = json_array();
	const char *out;
	char *s;

	for (size_t i = 0; i < o->npath; i++) {
		const struct mw_spf_step *p = &o->path[i];
		json_t *j = json_object();
		json_object_set_new(j, "depth", json_integer(p->depth));
		json_object_set_new(
		    j, "via", p->via ? json_string(p->via) : json_null());
		json_object_set_new(j, "domain", json_string(p->domain));
		json_object_set_new(j, "record",
		    p->record ? json_string(p->record) : json_null());
		json_object_set_new(j, "result",
		    p->outcome ? json_string(p->outcome) : json_null());
		json_object_set_new(j, "matched",
		    p->matched ? json_string(p->matched) : json_null());
		json_array_append_new(arr, j);
	}
	s = json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(arr);
	out = s ? mw_arena_strdup(a, s) : NULL;
	free(s);
	return out;
}

int
mw_spf_report(
    struct mw_report *r, const struct mw_spf_outcome *o, const char *ip)
{
	struct mw_arena *a = r->arena;
	const char *rec = o->npath > 0 ? o->path[0].record : NULL;
	const char *term = mw__spf_ip_term(a, ip), *fix = NULL;
	enum mw_finding_id id;

	mw_report_set_str(r, "result", mw_spf_result_name(o->result));
	mw_report_set_str(r, "identity", o->identity);
	mw_report_set_str(r, "domain", o->domain);
	mw_report_set_str(r, "mechanism", o->mechanism);
	mw_report_set_str(r, "mechanism_domain", o->mech_domain);
	mw_report_set_int(r, "lookups", o->lookups);
	mw_report_set_int(
	    r, "lookups_strict", o->lookups + o->mx_ptr_addr_lookups);
	mw_report_set_int(r, "void_lookups", o->void_lookups);
	mw_report_set_str(r, "explanation", o->explanation);
	mw_report_set_str(r, "reason", o->reason);
	mw_report_set_json(r, "path", path_json(a, o));
	if (rec != NULL && term != NULL) {
		struct mw_spf_record *pr;
		struct mw__spf_edit e = {.add = &term, .nadd = 1};
		if (mw_spf_record_parse(
		        &pr, a, (const uint8_t *)rec, strlen(rec), NULL) == 0)
			fix = mw__spf_record_edit(a, pr, &e);
	}
	switch (o->result) {
	case MW_SPF_PASS:
		mw_report_add(r, MW_F_SPF_PASS, o->domain, o->mech_domain, ip,
		    o->domain, o->mechanism);
		return 0;
	case MW_SPF_FAIL:
		id = MW_F_SPF_FAIL;
		break;
	case MW_SPF_SOFTFAIL:
		id = MW_F_SPF_SOFTFAIL;
		break;
	case MW_SPF_NEUTRAL:
		id = MW_F_SPF_NEUTRAL;
		break;
	case MW_SPF_NONE:
		mw_report_add(r, MW_F_SPF_NONE, o->domain, o->reason, o->domain,
		    mw_arena_printf(a, "v=spf1 %s ~all", term ? term : "mx"),
		    NULL);
		return 0;
	case MW_SPF_PERMERROR:
		mw_report_add(r, MW_F_SPF_PERMERROR, o->domain, o->reason,
		    o->domain, o->reason, o->problem ? o->problem : o->domain);
		return 0;
	default:
		mw_report_add(r, MW_F_SPF_TEMPERROR, o->domain, o->reason,
		    o->domain, o->reason, o->problem ? o->problem : o->domain);
		return 0;
	}
	mw_report_add(r, id, o->domain,
	    o->explanation ? o->explanation : o->reason, ip, o->domain,
	    fix ? fix : (term ? term : ip));
	return 0;
}
