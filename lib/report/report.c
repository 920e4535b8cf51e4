/*
 * report.c - building reports: findings and typed facts (see report.h).
 * Findings are capped at MW_REPORT_FINDINGS_MAX per report and facts at
 * MW_REPORT_FACTS_MAX, so a runaway check cannot flood the output.
 */
#include <string.h>

#include "mailwhy/err.h"
#include "mailwhy/report.h"
#include "util/limits.h"

int
mw_report_init(struct mw_report *r, struct mw_arena *a, const char *kind,
    const char *subject)
{
	memset(r, 0, sizeof(*r));
	r->arena = a;
	r->kind = kind;
	r->subject = mw_arena_strdup(a, subject ? subject : "");
	r->facts = mw_arena_calloc(a, MW_REPORT_FACTS_MAX, sizeof(*r->facts));
	r->findings = mw_arena_calloc(a, 8, sizeof(*r->findings));
	if (r->subject == NULL || r->facts == NULL || r->findings == NULL)
		return MW_ENOMEM;
	return 0;
}

static size_t
findings_alloc(size_t n)
{
	size_t cap = 8;

	while (cap < n)
		cap *= 2;
	return cap;
}

struct mw_finding *
mw_report_add(struct mw_report *r, enum mw_finding_id id, const char *subject,
    const char *evidence, const char *arg1, const char *arg2, const char *arg3)
{
	const struct mw_finding_def *def = mw_catalog_get(id);
	const char *args[3] = {arg1, arg2, arg3};
	struct mw_finding *f;

	if (def == NULL)
		return NULL;
	if (r->nfindings >= MW_REPORT_FINDINGS_MAX) {
		r->truncated = true;
		return NULL;
	}
	if (r->nfindings >= 8 &&
	    findings_alloc(r->nfindings) == r->nfindings) {
		struct mw_finding *n = mw_arena_calloc(r->arena,
		    r->nfindings * 2, sizeof(*n));
		if (n == NULL)
			return NULL;
		memcpy(n, r->findings, r->nfindings * sizeof(*n));
		r->findings = n;
	}
	f = &r->findings[r->nfindings];
	f->def = def;
	f->subject = mw_arena_strdup(r->arena, subject);
	f->evidence = mw_arena_strdup(r->arena, evidence);
	for (int i = 0; i < 3; i++)
		f->args[i] = mw_arena_strdup(r->arena, args[i]);
	r->nfindings++;
	return f;
}

bool
mw_report_has(const struct mw_report *r, enum mw_finding_id id)
{
	for (size_t i = 0; i < r->nfindings; i++)
		if (r->findings[i].def->id == id)
			return true;
	return false;
}

int
mw_report_worst(const struct mw_report *r)
{
	int worst = -1;

	for (size_t i = 0; i < r->nfindings; i++)
		if ((int)r->findings[i].def->sev > worst)
			worst = (int)r->findings[i].def->sev;
	return worst;
}

static struct mw_fact *
fact_slot(struct mw_report *r, const char *key)
{
	for (size_t i = 0; i < r->nfacts; i++)
		if (strcmp(r->facts[i].key, key) == 0)
			return &r->facts[i];
	if (r->nfacts >= MW_REPORT_FACTS_MAX)
		return NULL;
	r->facts[r->nfacts].key = key; /* keys are static strings */
	return &r->facts[r->nfacts++];
}

int
mw_report_set_str(struct mw_report *r, const char *key, const char *val)
{
	struct mw_fact *f = fact_slot(r, key);

	if (f == NULL)
		return MW_ELIMIT;
	f->type = val ? MW_FACT_STR : MW_FACT_NULL;
	f->s = mw_arena_strdup(r->arena, val);
	return (val && f->s == NULL) ? MW_ENOMEM : 0;
}

int
mw_report_set_json(struct mw_report *r, const char *key, const char *json)
{
	int rc = mw_report_set_str(r, key, json);

	if (rc == 0 && json != NULL)
		((struct mw_fact *)mw_report_fact(r, key))->type = MW_FACT_JSON;
	return rc;
}

int
mw_report_set_bool(struct mw_report *r, const char *key, bool val)
{
	struct mw_fact *f = fact_slot(r, key);

	if (f == NULL)
		return MW_ELIMIT;
	f->type = MW_FACT_BOOL;
	f->b = val;
	return 0;
}

int
mw_report_set_int(struct mw_report *r, const char *key, int64_t val)
{
	struct mw_fact *f = fact_slot(r, key);

	if (f == NULL)
		return MW_ELIMIT;
	f->type = MW_FACT_INT;
	f->i = val;
	return 0;
}

const struct mw_fact *
mw_report_fact(const struct mw_report *r, const char *key)
{
	for (size_t i = 0; i < r->nfacts; i++)
		if (strcmp(r->facts[i].key, key) == 0)
			return &r->facts[i];
	return NULL;
}

int
mw_finding_text(struct mw_buf *out, const struct mw_finding *f,
    const char *msgid, const char *lang)
{
	const char *s = mw_tr(lang, msgid);
	int rc = 0;

	while (*s != '\0' && rc == 0) {
		if (s[0] == '{' && s[1] >= '1' && s[1] <= '3' && s[2] == '}') {
			int i = s[1] - '1';
			const char *a = f->args[i];
			if (a != NULL && (f->tr_args & (1u << i)))
				a = mw_tr(lang, a);
			rc = mw_buf_puts(out, a ? a : "");
			s += 3;
			continue;
		}
		rc = mw_buf_putc(out, *s++);
	}
	return rc;
}
