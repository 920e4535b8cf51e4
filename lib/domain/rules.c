/*
 * rules.c - the mailbox providers' sender requirements (Gmail and Yahoo,
 * February 2024; Microsoft's high-volume rules, May 2025; Apple's bulk
 * rules) judged against what the domain audit found.  The rows and their
 * sources are data (data/provider-rules.tsv); the requirement kinds and
 * how each is judged from DNS live here, because the judging is code.
 *
 * A requirement is met, not met, or cannot be told from DNS alone (one
 * click unsubscribe, spam rate, alignment, TLS...).  Findings group the
 * providers per requirement and outcome: "Not met: a DMARC policy
 * published - Gmail (bulk), Yahoo (bulk), Microsoft (bulk)".
 */
#include <string.h>

#include "domain/domain_int.h"
#include "kb/kb_domain.h"

enum outcome { MET, NOT_MET, UNKNOWN };

/* In the order of REQS in data/gen_domain_kb.py. */
static const char *const kind_text[] = {
	N_("SPF or DKIM set up for the sending domain"),
	/* Judged by the SPF audit: see spf_judge in domain.c. */
	N_("SPF for the sending domain (a valid record, which the addresses "
	   "given with --ip pass)"),
	N_("DKIM set up (a usable key)"),
	N_("both SPF and DKIM set up"),
	N_("DKIM keys of 1024 bits or more"),
	N_("valid forward and reverse DNS (PTR) for the sending addresses"),
	N_("a DMARC policy published (p=none or stronger)"),
	N_("DMARC aggregate reports requested (rua)"),
	N_("the From: domain aligned with the SPF or DKIM domain"),
	N_("TLS when sending"),
	N_("spam complaint rate below 0.3%"),
	N_("messages formatted per RFC 5321 and RFC 5322"),
	N_("no gmail.com addresses forged in From:"),
	N_("ARC headers on forwarded mail"),
	N_("one-click unsubscribe (RFC 8058) and a visible unsubscribe link"),
	N_("unsubscribe requests honoured within 2 days"),
	N_("mail only to recipients who opted in"),
	N_("consistent sending addresses and domains"),
};
enum {
	K_SPF_OR_DKIM, K_SPF, K_DKIM, K_SPF_AND_DKIM, K_DKIM_1024, K_PTR,
	K_DMARC, K_RUA, K_NKINDS_DNS
};

static enum outcome
judge_dkim(const struct mw__domain_facts *f)
{
	if (!f->dkim_done || f->dkim.incomplete)
		return UNKNOWN;
	if (f->dkim.usable > 0)
		return MET;
	if (f->dkim.given || f->dkim.found > 0)
		return NOT_MET;
	return UNKNOWN; /* not found among the common selectors */
}

static enum outcome
judge(size_t kind, const struct mw__domain_facts *f)
{
	enum outcome dk = judge_dkim(f);

	switch (kind) {
	case K_SPF_OR_DKIM:
		if ((f->spf_known && f->spf_found) || dk == MET)
			return MET;
		return f->spf_known && dk == NOT_MET ? NOT_MET : UNKNOWN;
	case K_SPF:
		return !f->spf_known ? UNKNOWN : f->spf_found ? MET : NOT_MET;
	case K_DKIM:
		return dk;
	case K_SPF_AND_DKIM:
		if (f->spf_known && !f->spf_found)
			return NOT_MET;
		return !f->spf_known ? UNKNOWN : dk;
	case K_DKIM_1024:
		if (f->dkim_done && f->dkim.weak)
			return NOT_MET;
		return f->dkim_done && f->dkim.usable > 0 ? MET : UNKNOWN;
	case K_PTR:
		if (!f->ptr_done || f->ptr.ips == 0 || f->ptr.incomplete)
			return UNKNOWN;
		return f->ptr.confirmed == f->ptr.ips ? MET : NOT_MET;
	case K_DMARC:
		if (f->dmarc_done && f->dmarc.found)
			return MET;
		return f->dmarc_done && !f->dmarc.incomplete ? NOT_MET
							     : UNKNOWN;
	case K_RUA:
		if (!f->dmarc_done || f->dmarc.incomplete)
			return UNKNOWN;
		return f->dmarc.has_rua ? MET : NOT_MET;
	}
	return UNKNOWN;
}

void
mw__domain_rules(struct mw_report *r, const struct mw__domain_facts *f)
{
	_Static_assert(sizeof(kind_text) / sizeof(kind_text[0]) == 18,
	    "kind_text must follow REQS in data/gen_domain_kb.py");
	if (mw__kb_nrule_kinds != sizeof(kind_text) / sizeof(kind_text[0]))
		return;
	for (size_t kind = 0; kind < mw__kb_nrule_kinds; kind++) {
		enum outcome o = judge(kind, f);
		struct mw_buf who, src;
		bool any = false, any_all = false;
		struct mw_finding *fi;
		enum mw_finding_id id;

		mw_buf_init(&who, 4096);
		mw_buf_init(&src, 4096);
		for (size_t i = 0; i < mw__kb_nrules; i++) {
			const struct mw__kb_rule *ru = &mw__kb_rules[i];
			if (ru->req != kind)
				continue;
			mw_buf_printf(&who, "%s%s (%s)", any ? ", " : "",
			    ru->provider, ru->scope == 0 ? "all" : "bulk");
			if (strstr(mw_buf_cstr(&src), ru->source) == NULL)
				mw_buf_printf(&src, "%s%s", src.len ? ", " : "",
				    ru->source);
			any = true;
			any_all |= ru->scope == 0;
		}
		if (any) {
			id = o == MET ? MW_F_RULES_MET
			    : o == UNKNOWN ? MW_F_RULES_UNKNOWN
			    : any_all ? MW_F_RULES_NOT_MET
				      : MW_F_RULES_BULK_NOT_MET;
			fi = mw_report_add(r, id, r->subject, NULL,
			    kind_text[kind], mw_buf_cstr(&who),
			    mw_buf_cstr(&src));
			if (fi != NULL)
				fi->tr_args = 1u;
		}
		mw_buf_release(&who);
		mw_buf_release(&src);
	}
}
