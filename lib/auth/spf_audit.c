/*
 * spf_audit.c - the SPF record audit: what a record costs and risks for
 * every sender, not only for one IP (RFC 7208 3-6).
 *
 * The audit walks the include tree (include and redirect targets without
 * macros; redirect only when the record has no all term, 6.1), asks the
 * names of a, mx and exists terms to find void lookups, and counts the
 * MX hosts of each mx term.  RFC 7208 4.6.4 is read two ways: the usual
 * reading counts an mx term once; the strict one also counts each MX
 * host's address lookup.  Both counts are given, and a finding says when
 * they fall on opposite sides of the limit.  Findings carry the record to
 * publish; SPF_FIX_RECORD sums up every fix of the top record.
 *
 * Limits: MW_SPF_AUDIT_NODES_MAX records.  Everything is in the report's
 * arena.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "auth/spf_int.h"
#include "mailwhy/buf.h"
#include "util/limits.h"

struct anode {
	struct mw_spf_node pub;
	struct mw_spf_record *rec;
	unsigned *mx_hosts; /* per term */
	bool *voided;       /* per term: looked up nothing */
	unsigned *addr_ok;  /* per term, a: answers with addresses */
	unsigned *addr_left;
	int *child;       /* per term: node index, or -1 */
	bool record_none; /* the domain has no SPF record */
};

struct audit {
	struct mw_spf_checker *c;
	struct mw_dns *dns;
	struct mw_report *r;
	struct mw_arena *a;
	const char *domain;
	struct mw_spf_audit_opts opts;
	mw_spf_audit_fn done;
	void *ud;
	struct anode nodes[MW_SPF_AUDIT_NODES_MAX];
	size_t n;
	unsigned pending;
	bool stopped; /* the top record could not be audited */
	struct mw_spf_audit_out out;
	const char **add; /* IPs to add to the record */
	size_t nadd;
	size_t ip_next;
	enum mw_spf_result *ip_res; /* per opts.ips */
	bool ips_checked;
};

struct aq {
	struct audit *au;
	int node;
	size_t term;
	int kind; /* 0 TXT, 1 MX, 2 A/AAAA, 3 exists */
};

static void finalize(struct audit *au);
static void load(struct audit *au, int i, const char *text, size_t len);

static void
settle(struct audit *au)
{
	if (--au->pending == 0)
		finalize(au);
}

static int
ask(struct audit *au, int node, size_t term, int kind, const char *name,
    uint16_t type, mw_dns_cb cb)
{
	struct aq *q = mw_arena_alloc(au->a, sizeof(*q));

	if (q == NULL)
		return MW_ENOMEM;
	q->au = au;
	q->node = node;
	q->term = term;
	q->kind = kind;
	au->pending++;
	if (mw_dns_query(au->dns, au->a, name, type, cb, q, NULL) != 0) {
		au->pending--;
		return MW_EINVAL;
	}
	return 0;
}

static bool
has_macro(const char *s)
{
	return s != NULL && strchr(s, '%') != NULL;
}

static bool
has_all(const struct mw_spf_record *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->terms[i].kind == MW_SPF_ALL)
			return true;
	return false;
}

/* True when name is already on the path from the top to node i. */
static bool
on_path(struct audit *au, int i, const char *name)
{
	for (; i >= 0; i = au->nodes[i].pub.parent)
		if (strcasecmp(au->nodes[i].pub.domain, name) == 0)
			return true;
	return false;
}

static void
on_txt(void *ud, const struct mw_dns_answer *ans)
{
	struct aq *q = ud;
	struct audit *au = q->au;
	struct anode *nd = &au->nodes[q->node];
	const struct mw_dns_rr *rec = NULL;
	size_t nrec = 0;

	if (q->node == 0 && ans->status == MW_DNS_NXDOMAIN)
		au->out.nxdomain = true;
	if (mw_dns_status_is_temporary(ans->status)) {
		nd->pub.status = "temperror";
		if (q->node == 0) {
			au->stopped = true;
			mw_report_add(au->r, MW_F_SPF_TEMPERROR, au->domain,
			    mw_dns_status_name(ans->status), au->domain,
			    mw_arena_printf(au->a, "TXT %s: %s", au->domain,
			        mw_dns_status_name(ans->status)),
			    au->domain);
		}
		settle(au);
		return;
	}
	for (size_t i = 0; i < ans->n; i++)
		if (ans->rr[i].type == MW_DNS_T_TXT &&
		    mw_spf_is_record((const uint8_t *)ans->rr[i].u.txt.joined,
		        ans->rr[i].u.txt.joined_len)) {
			if (rec == NULL)
				rec = &ans->rr[i];
			nrec++;
		}
	if (nrec == 0) {
		nd->pub.status = "none";
		nd->record_none = true;
		settle(au);
		return;
	}
	if (nrec > 1) {
		struct mw_buf b;
		nd->pub.status = "multiple";
		/* The merged record: every term but all/redirect once, then
		 * the first record's all. */
		mw_buf_init(&b, MW_SPF_EXPAND_MAX * 8);
		mw_buf_puts(&b, "v=spf1");
		const char *all = NULL;
		for (size_t i = 0; i < ans->n; i++) {
			struct mw_spf_record *pr;
			const struct mw_dns_rr *rr = &ans->rr[i];
			if (rr->type != MW_DNS_T_TXT ||
			    mw_spf_record_parse(&pr, au->a,
			        (const uint8_t *)rr->u.txt.joined,
			        rr->u.txt.joined_len, NULL) != 0)
				continue;
			for (size_t k = 0; k < pr->n; k++) {
				const struct mw_spf_term *t = &pr->terms[k];
				if (t->kind == MW_SPF_ALL) {
					if (all == NULL)
						all = t->text;
					continue;
				}
				if (t->kind == MW_SPF_REDIRECT ||
				    strstr(mw_buf_cstr(&b), t->text) != NULL)
					continue;
				mw_buf_printf(&b, " %s", t->text);
			}
		}
		mw_buf_printf(&b, " %s", all ? all : "~all");
		if (q->node == 0)
			au->stopped = true;
		mw_report_add(au->r, MW_F_SPF_MULTIPLE_RECORDS, nd->pub.domain,
		    NULL, nd->pub.domain, mw_arena_printf(au->a, "%zu", nrec),
		    mw_buf_cstr(&b));
		mw_buf_release(&b);
		settle(au);
		return;
	}
	if (q->node == 0 && rec->u.txt.joined_len > MW_SPF_RECORD_SAFE)
		mw_report_add(au->r, MW_F_SPF_RECORD_TOO_LONG, au->domain,
		    mw_arena_printf(au->a, "%zu strings", rec->u.txt.n),
		    au->domain,
		    mw_arena_printf(au->a, "%zu", rec->u.txt.joined_len), NULL);
	load(au, q->node, rec->u.txt.joined, rec->u.txt.joined_len);
	settle(au);
}

static void
on_mx(void *ud, const struct mw_dns_answer *ans)
{
	struct aq *q = ud;
	struct anode *nd = &q->au->nodes[q->node];
	unsigned n = 0;

	if (ans->status == MW_DNS_NXDOMAIN || ans->status == MW_DNS_NODATA)
		nd->voided[q->term] = true;
	for (size_t i = 0; i < ans->n; i++)
		if (ans->rr[i].type == MW_DNS_T_MX && ans->rr[i].u.mx.host[0])
			n++;
	nd->mx_hosts[q->term] = n;
	settle(q->au);
}

static void
on_addr(void *ud, const struct mw_dns_answer *ans)
{
	struct aq *q = ud;
	struct anode *nd = &q->au->nodes[q->node];

	if (ans->status == MW_DNS_OK && ans->n > 0)
		nd->addr_ok[q->term]++;
	else if (mw_dns_status_is_temporary(ans->status))
		nd->addr_ok[q->term]++; /* could not tell: not void */
	if (--nd->addr_left[q->term] == 0 && nd->addr_ok[q->term] == 0)
		nd->voided[q->term] = true;
	settle(q->au);
}

static int
child(struct audit *au, int parent, const struct mw_spf_term *t)
{
	struct anode *p = &au->nodes[parent], *c;
	int i;

	if (au->n >= MW_SPF_AUDIT_NODES_MAX)
		return -1;
	i = (int)au->n++;
	c = &au->nodes[i];
	memset(c, 0, sizeof(*c));
	c->pub.parent = parent;
	c->pub.depth = p->pub.depth + 1;
	c->pub.via = t->text;
	c->pub.domain = t->spec;
	c->pub.status = "ok";
	return i;
}

/* Parses node i's record and asks what its terms need. */
static void
load(struct audit *au, int i, const char *text, size_t len)
{
	struct anode *nd = &au->nodes[i];
	struct mw_spf_record *r;
	struct mw_err err;
	bool follow_redirect;

	nd->pub.record = mw_arena_strndup(au->a, text, len);
	mw_err_clear(&err);
	if (mw_spf_record_parse(
	        &nd->rec, au->a, (const uint8_t *)text, len, &err) != 0) {
		nd->pub.status = "syntax";
		nd->rec = NULL;
		mw_report_add(au->r, MW_F_SPF_SYNTAX, nd->pub.domain,
		    mw_arena_printf(au->a, "character %zu", err.offset + 1),
		    nd->pub.domain, mw_arena_strdup(au->a, err.msg),
		    mw__spf_drop_token(au->a, nd->pub.record, err.offset));
		return;
	}
	r = nd->rec;
	nd->mx_hosts = mw_arena_calloc(au->a, r->n + 1, sizeof(unsigned));
	nd->voided = mw_arena_calloc(au->a, r->n + 1, sizeof(bool));
	nd->addr_ok = mw_arena_calloc(au->a, r->n + 1, sizeof(unsigned));
	nd->addr_left = mw_arena_calloc(au->a, r->n + 1, sizeof(unsigned));
	nd->child = mw_arena_calloc(au->a, r->n + 1, sizeof(int));
	if (!nd->mx_hosts || !nd->voided || !nd->addr_ok || !nd->addr_left ||
	    !nd->child)
		return;
	follow_redirect = !has_all(r);
	for (size_t k = 0; k < r->n; k++) {
		const struct mw_spf_term *t = &r->terms[k];
		const char *target = t->spec ? t->spec : nd->pub.domain;
		int c;

		nd->child[k] = -1;
		if (has_macro(t->spec))
			continue; /* depends on the sender: not followed */
		switch (t->kind) {
		case MW_SPF_INCLUDE:
		case MW_SPF_REDIRECT:
			if (t->kind == MW_SPF_REDIRECT && !follow_redirect)
				break;
			if (on_path(au, i, target)) {
				mw_report_add(au->r, MW_F_SPF_INCLUDE_LOOP,
				    nd->pub.domain, t->text, nd->pub.domain,
				    target, NULL);
				nd->child[k] = -2;
				break;
			}
			if ((c = child(au, i, t)) < 0)
				break;
			nd = &au->nodes[i]; /* (same array, no realloc) */
			nd->child[k] = c;
			ask(au, c, k, 0, target, MW_DNS_T_TXT, on_txt);
			break;
		case MW_SPF_MX:
			ask(au, i, k, 1, target, MW_DNS_T_MX, on_mx);
			break;
		case MW_SPF_A:
			nd->addr_left[k] = 2;
			if (ask(au, i, k, 2, target, MW_DNS_T_A, on_addr) != 0)
				nd->addr_left[k]--;
			if (ask(au, i, k, 2, target, MW_DNS_T_AAAA, on_addr) !=
			    0)
				nd->addr_left[k]--;
			break;
		case MW_SPF_EXISTS:
			nd->addr_left[k] = 1;
			if (ask(au, i, k, 3, target, MW_DNS_T_A, on_addr) != 0)
				nd->addr_left[k]--;
			break;
		default:
			break;
		}
	}
}

/* --- counting and findings ------------------------------------------- */

static bool
is_dns_term(const struct mw_spf_record *r, const struct mw_spf_term *t)
{
	switch (t->kind) {
	case MW_SPF_INCLUDE:
	case MW_SPF_A:
	case MW_SPF_MX:
	case MW_SPF_PTR:
	case MW_SPF_EXISTS:
		return true;
	case MW_SPF_REDIRECT:
		return !has_all(r);
	default:
		return false;
	}
}

/* True when node i's tree holds only ip4/ip6/all terms (and includes of
 * such trees): it can be replaced by its address list. */
static bool
flat(struct audit *au, int i, struct mw_buf *ips)
{
	struct anode *nd = &au->nodes[i];

	if (nd->rec == NULL)
		return false;
	for (size_t k = 0; k < nd->rec->n; k++) {
		const struct mw_spf_term *t = &nd->rec->terms[k];
		switch (t->kind) {
		case MW_SPF_IP4:
		case MW_SPF_IP6:
			if (t->qualifier != '+')
				return false;
			mw_buf_printf(ips, " %s", t->text);
			break;
		case MW_SPF_ALL:
		case MW_SPF_EXP:
		case MW_SPF_UNKNOWN_MOD:
			break;
		case MW_SPF_INCLUDE:
			if (nd->child[k] < 0 || t->qualifier != '+' ||
			    !flat(au, nd->child[k], ips))
				return false;
			break;
		default:
			return false;
		}
	}
	return true;
}

static const char *
tree_json(struct audit *au)
{
	json_t *arr = json_array();
	const char *out;
	char *s;

	for (size_t i = 0; i < au->n; i++) {
		const struct mw_spf_node *p = &au->nodes[i].pub;
		json_t *j = json_object();
		json_object_set_new(j, "depth", json_integer(p->depth));
		json_object_set_new(
		    j, "via", p->via ? json_string(p->via) : json_null());
		json_object_set_new(j, "domain", json_string(p->domain));
		json_object_set_new(j, "record",
		    p->record ? json_string(p->record) : json_null());
		json_object_set_new(j, "status", json_string(p->status));
		json_object_set_new(j, "lookups", json_integer(p->total));
		json_object_set_new(
		    j, "lookups_strict", json_integer(p->total_strict));
		json_object_set_new(j, "own_lookups", json_integer(p->own));
		json_object_set_new(j, "void_lookups", json_integer(p->voids));
		json_object_set_new(
		    j, "terms", p->terms ? json_string(p->terms) : json_null());
		json_array_append_new(arr, j);
	}
	s = json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(arr);
	out = s ? mw_arena_strdup(au->a, s) : NULL;
	free(s);
	return out;
}

static void
count(struct audit *au)
{
	/* Children come after their parents: sum from the end. */
	for (size_t i = 0; i < au->n; i++) {
		struct anode *nd = &au->nodes[i];
		struct mw_buf b;
		if (nd->rec == NULL)
			continue;
		mw_buf_init(&b, 4096);
		for (size_t k = 0; k < nd->rec->n; k++) {
			const struct mw_spf_term *t = &nd->rec->terms[k];
			if (!is_dns_term(nd->rec, t))
				continue;
			nd->pub.own++;
			nd->pub.own_strict += 1 + nd->mx_hosts[k];
			if (nd->voided[k])
				nd->pub.voids++;
			if (t->kind == MW_SPF_MX && nd->mx_hosts[k])
				mw_buf_printf(&b, "%s%s(1+%u)",
				    b.len ? " " : "", t->text, nd->mx_hosts[k]);
			else
				mw_buf_printf(
				    &b, "%s%s(1)", b.len ? " " : "", t->text);
		}
		nd->pub.terms = mw_arena_strdup(au->a, mw_buf_cstr(&b));
		mw_buf_release(&b);
	}
	for (size_t i = 0; i < au->n; i++) {
		au->nodes[i].pub.total = au->nodes[i].pub.own;
		au->nodes[i].pub.total_strict = au->nodes[i].pub.own_strict;
	}
	for (size_t i = au->n; i-- > 1;) {
		struct anode *nd = &au->nodes[i];
		struct anode *p = &au->nodes[nd->pub.parent];
		p->pub.total += nd->pub.total;
		p->pub.total_strict += nd->pub.total_strict;
	}
	/* A loop never ends: past the limit under either reading. */
	for (size_t i = 0; i < au->n; i++) {
		struct anode *nd = &au->nodes[i];
		for (size_t k = 0; nd->rec && k < nd->rec->n; k++)
			if (nd->child[k] == -2) {
				au->nodes[0].pub.total = MW_SPF_LOOKUPS_MAX + 1;
				au->nodes[0].pub.total_strict =
				    MW_SPF_LOOKUPS_MAX + 1;
			}
	}
}

/* Splits a draft into strings of at most 255 characters, quoted. */
static const char *
split_strings(struct mw_arena *a, const char *s)
{
	struct mw_buf b;
	size_t len = strlen(s);
	const char *out;

	mw_buf_init(&b, MW_SPF_EXPAND_MAX * 8);
	for (size_t i = 0; i < len; i += MW_SPF_STRING_MAX)
		mw_buf_printf(&b, "%s\"%.*s\"", i ? " " : "",
		    (int)(len - i > MW_SPF_STRING_MAX ? MW_SPF_STRING_MAX
		                                      : len - i),
		    s + i);
	out = mw_arena_strdup(a, mw_buf_cstr(&b));
	mw_buf_release(&b);
	return out;
}

static void
findings(struct audit *au)
{
	struct anode *top = &au->nodes[0];
	struct mw_report *r = au->r;
	struct mw_arena *a = au->a;
	const struct mw_spf_record *rec = top->rec;
	bool *drop, changed = au->nadd > 0;
	const char **replace;
	char all = 0;
	unsigned voids = 0;
	char n1[16], n2[16];

	count(au);
	au->out.lookups = top->pub.total;
	au->out.lookups_strict = top->pub.total_strict;
	for (size_t i = 0; i < au->n; i++)
		voids += au->nodes[i].pub.voids;
	au->out.void_lookups = voids;
	if (rec == NULL)
		return;
	drop = mw_arena_calloc(a, rec->n + 1, sizeof(*drop));
	replace = mw_arena_calloc(a, rec->n + 1, sizeof(*replace));
	if (drop == NULL || replace == NULL)
		return;
	/* Terms of every record in the tree. */
	for (size_t i = 0; i < au->n; i++) {
		struct anode *nd = &au->nodes[i];
		struct mw__spf_edit e = {0};
		bool *d1;
		if (nd->rec == NULL)
			continue;
		d1 = mw_arena_calloc(a, nd->rec->n + 1, sizeof(*d1));
		for (size_t k = 0; d1 && k < nd->rec->n; k++) {
			const struct mw_spf_term *t = &nd->rec->terms[k];
			int c = nd->child[k];
			e.drop = d1;
			if (nd->voided[k] ||
			    (c >= 0 && au->nodes[c].record_none)) {
				d1[k] = true;
				const char *without =
				    mw__spf_record_edit(a, nd->rec, &e);
				d1[k] = false;
				if (c >= 0 && au->nodes[c].record_none)
					mw_report_add(r,
					    MW_F_SPF_INCLUDE_NO_SPF,
					    nd->pub.domain, t->text,
					    nd->pub.domain,
					    au->nodes[c].pub.domain, without);
				else
					mw_report_add(r, MW_F_SPF_VOID_LOOKUP,
					    nd->pub.domain, t->text, t->text,
					    nd->pub.domain, without);
				if (i == 0) {
					drop[k] = true;
					changed = true;
				}
			}
			if (t->kind == MW_SPF_PTR) {
				d1[k] = true;
				mw_report_add(r, MW_F_SPF_PTR, nd->pub.domain,
				    t->text, nd->pub.domain, t->text,
				    mw__spf_record_edit(a, nd->rec, &e));
				d1[k] = false;
				if (i == 0) {
					drop[k] = true;
					changed = true;
				}
			}
			if (t->kind == MW_SPF_ALL &&
			    (t->qualifier == '+' || t->qualifier == '?')) {
				struct mw__spf_edit e2 = {.all = '~'};
				mw_report_add(r,
				    t->qualifier == '+' ? MW_F_SPF_PLUS_ALL
				                        : MW_F_SPF_NEUTRAL_ALL,
				    nd->pub.domain, t->text, nd->pub.domain,
				    mw__spf_record_edit(a, nd->rec, &e2), NULL);
				if (i == 0) {
					all = '~';
					changed = true;
				}
			}
		}
	}
	if (voids > MW_SPF_VOID_MAX) {
		struct mw__spf_edit e = {.drop = drop};
		snprintf(n1, sizeof(n1), "%u", voids);
		mw_report_add(r, MW_F_SPF_TOO_MANY_VOID, au->domain, NULL,
		    au->domain, n1, mw__spf_record_edit(a, rec, &e));
	}
	snprintf(n1, sizeof(n1), "%u", top->pub.total);
	snprintf(n2, sizeof(n2), "%u", top->pub.total_strict);
	if (top->pub.total > MW_SPF_LOOKUPS_MAX) {
		/* Flatten the includes that are plain address lists. */
		for (size_t k = 0; k < rec->n; k++) {
			int c = top->child[k];
			struct mw_buf ips;
			if (rec->terms[k].kind != MW_SPF_INCLUDE || c < 0)
				continue;
			mw_buf_init(&ips, MW_SPF_EXPAND_MAX * 8);
			if (flat(au, c, &ips) && ips.len > 0) {
				replace[k] =
				    mw_arena_strdup(a, mw_buf_cstr(&ips) + 1);
				changed = true;
			}
			mw_buf_release(&ips);
		}
		struct mw__spf_edit e = {.drop = drop, .replace = replace};
		mw_report_add(r, MW_F_SPF_TOO_MANY_LOOKUPS, au->domain,
		    top->pub.terms, au->domain, n1,
		    mw__spf_record_edit(a, rec, &e));
	} else if (top->pub.total_strict > MW_SPF_LOOKUPS_MAX) {
		mw_report_add(r, MW_F_SPF_LOOKUPS_DISPUTED, au->domain,
		    top->pub.terms, au->domain, n1, n2);
	}
	if (changed) {
		struct mw__spf_edit e = {.drop = drop,
		    .all = all,
		    .add = au->add,
		    .nadd = au->nadd,
		    .replace = replace};
		au->out.fixed = mw__spf_record_edit(a, rec, &e);
		/* Over 255 characters it must go out as several strings. */
		if (au->out.fixed != NULL &&
		    strlen(au->out.fixed) > MW_SPF_STRING_MAX)
			au->out.fixed = split_strings(a, au->out.fixed);
		mw_report_add(r, MW_F_SPF_FIX_RECORD, au->domain, NULL,
		    au->domain, au->out.fixed, NULL);
	}
}

/* --- the sending IPs -------------------------------------------------- */

static void check_next_ip(struct audit *au);

/* Whether r already has finding id with this evidence. */
static bool
reported(const struct mw_report *r, enum mw_finding_id id, const char *ev)
{
	for (size_t i = 0; i < r->nfindings; i++)
		if (r->findings[i].def->id == id &&
		    r->findings[i].evidence != NULL &&
		    strcmp(r->findings[i].evidence, ev) == 0)
			return true;
	return false;
}

/*
 * SPF_OK when the top record was read and nothing is wrong with it, its
 * includes or the --ip results: without it a clean record leaves no
 * trace in the report.
 */
static void
report_ok(struct audit *au)
{
	const struct mw_report *r = au->r;
	const struct mw_spf_node *top = &au->nodes[0].pub;

	if (au->stopped || top->record == NULL || r->truncated)
		return;
	for (size_t i = 0; i < au->n; i++)
		if (strcmp(au->nodes[i].pub.status, "temperror") == 0)
			return;
	for (size_t i = 0; i < r->nfindings; i++)
		if (r->findings[i].def->sev != MW_SEV_INFO)
			return;
	mw_report_add(au->r, MW_F_SPF_OK, au->domain, top->record,
	    au->domain, mw_arena_printf(au->a, "%u", au->out.lookups),
	    top->record);
}

static void
on_ip_checked(void *ud, const struct mw_spf_outcome *o)
{
	struct audit *au = ud;
	const char *ip = au->opts.ips[au->ip_next - 1];

	au->ip_res[au->ip_next - 1] = o->result;
	if (o->result == MW_SPF_PASS) {
		mw_report_add(au->r, MW_F_SPF_PASS, au->domain, o->mech_domain,
		    ip, au->domain, o->mechanism);
	} else if (o->result == MW_SPF_PERMERROR ||
	           o->result == MW_SPF_TEMPERROR) {
		/* The record is at fault, not the address: it may well be
		 * listed.  One finding per cause, not one per address. */
		enum mw_finding_id id = o->result == MW_SPF_PERMERROR
		                            ? MW_F_SPF_PERMERROR
		                            : MW_F_SPF_TEMPERROR;
		const char *why = o->reason ? o->reason : "?";
		if (!reported(au->r, id, why))
			mw_report_add(au->r, id, au->domain, why, au->domain,
			    why, o->problem ? o->problem : au->domain);
	} else {
		mw_report_add(au->r, MW_F_SPF_IP_NOT_COVERED, au->domain,
		    o->reason ? o->reason : o->mechanism, ip, au->domain,
		    mw_spf_result_name(o->result));
		au->add[au->nadd++] = mw__spf_ip_term(au->a, ip);
	}
	check_next_ip(au);
}

static void
finish(struct audit *au)
{
	struct mw_report *r = au->r;

	struct mw_spf_node *nodes;

	findings(au);
	report_ok(au);
	/* The public nodes as an array of their own. */
	if ((nodes = mw_arena_calloc(au->a, au->n, sizeof(*nodes))) != NULL) {
		for (size_t i = 0; i < au->n; i++)
			nodes[i] = au->nodes[i].pub;
		au->out.nodes = nodes;
		au->out.n = au->n;
	}
	mw_report_set_str(r, "domain", au->domain);
	mw_report_set_str(r, "record", au->nodes[0].pub.record);
	mw_report_set_int(r, "lookups", au->out.lookups);
	mw_report_set_int(r, "lookups_strict", au->out.lookups_strict);
	mw_report_set_int(r, "void_lookups", au->out.void_lookups);
	mw_report_set_str(r, "fixed_record", au->out.fixed);
	mw_report_set_json(r, "tree", tree_json(au));
	au->out.ip_results = au->ips_checked ? au->ip_res : NULL;
	au->done(au->ud, r, &au->out);
}

static void
check_next_ip(struct audit *au)
{
	while (au->ip_next < au->opts.nips) {
		const char *ip = au->opts.ips[au->ip_next++];
		struct mw_spf_query q = {.ip = ip,
		    .sender =
		        mw_arena_printf(au->a, "postmaster@%s", au->domain),
		    .domain = au->domain};
		if (mw_spf_check(au->c, au->a, &q, on_ip_checked, au, NULL) ==
		    0)
			return;
		au->ip_res[au->ip_next - 1] = MW_SPF_PERMERROR;
		mw_report_add(au->r, MW_F_SPF_IP_NOT_COVERED, au->domain,
		    "not an IP address", ip, au->domain, "?");
	}
	finish(au);
}

static void
finalize(struct audit *au)
{
	if (au->nodes[0].record_none) {
		const char *term = au->opts.nips
		                       ? mw__spf_ip_term(au->a, au->opts.ips[0])
		                       : NULL;
		mw_report_add(au->r, MW_F_SPF_NONE, au->domain, NULL,
		    au->domain,
		    mw_arena_printf(
		        au->a, "v=spf1 %s ~all", term ? term : "mx"),
		    NULL);
		au->stopped = true;
	}
	if (au->stopped || au->opts.record != NULL || au->opts.nips == 0) {
		finish(au);
		return;
	}
	au->ips_checked = true;
	check_next_ip(au);
}

int
mw_spf_audit(struct mw_spf_checker *c, struct mw_report *r, const char *domain,
    const struct mw_spf_audit_opts *opts, mw_spf_audit_fn done, void *ud,
    struct mw_err *err)
{
	struct audit *au;

	if ((au = mw_arena_alloc(r->arena, sizeof(*au))) == NULL)
		return mw_err_set(
		    err, MW_ENOMEM, "spf", SIZE_MAX, "arena full");
	au->c = c;
	au->dns = mw__spf_checker_dns(c);
	au->r = r;
	au->a = r->arena;
	au->domain = mw_arena_strdup(r->arena, domain);
	if (opts)
		au->opts = *opts;
	au->done = done;
	au->ud = ud;
	au->add = mw_arena_calloc(au->a, au->opts.nips + 1, sizeof(*au->add));
	au->ip_res =
	    mw_arena_calloc(au->a, au->opts.nips + 1, sizeof(*au->ip_res));
	if (au->domain == NULL || au->add == NULL || au->ip_res == NULL)
		return mw_err_set(
		    err, MW_ENOMEM, "spf", SIZE_MAX, "arena full");
	au->n = 1;
	au->nodes[0].pub.parent = -1;
	au->nodes[0].pub.domain = au->domain;
	au->nodes[0].pub.status = "ok";
	au->pending = 1; /* held until the top is loaded */
	if (au->opts.record != NULL) {
		const char *d = au->opts.record;
		size_t len = strlen(d);
		if (len > MW_SPF_STRING_MAX)
			mw_report_add(r, MW_F_SPF_STRING_TOO_LONG, au->domain,
			    NULL, au->domain,
			    mw_arena_printf(au->a, "%zu", len),
			    split_strings(au->a, d));
		if (len > MW_SPF_RECORD_SAFE)
			mw_report_add(r, MW_F_SPF_RECORD_TOO_LONG, au->domain,
			    NULL, au->domain,
			    mw_arena_printf(au->a, "%zu", len), NULL);
		load(au, 0, d, len);
	} else if (ask(au, 0, 0, 0, au->domain, MW_DNS_T_TXT, on_txt) != 0) {
		return mw_err_set(err, MW_EINVAL, "spf", SIZE_MAX,
		    "'%s' is not a domain name", domain);
	}
	if (--au->pending == 0)
		finalize(au); /* a draft that needs no DNS */
	return 0;
}
