/*
 * domain_int.h - what the domain audit's checks hand to the provider
 * rules (rules.c).  Internal.
 */
#ifndef MW_DOMAIN_INT_H
#define MW_DOMAIN_INT_H

#include <stdbool.h>

#include "mailwhy/dkim_key.h"
#include "mailwhy/dmarc.h"
#include "mailwhy/ptr.h"
#include "mailwhy/report.h"

struct mw__domain_facts {
	/* SPF works: every --ip passes check_host(); without --ip, the
	 * record exists and the audit found no permerror.  spf_known is
	 * false when a temperror leaves it open. */
	bool spf_found, spf_known;
	struct mw_dmarc_result dmarc;
	bool dmarc_done;
	struct mw_dkim_key_result dkim;
	bool dkim_done;
	struct mw_ptr_result ptr;
	bool ptr_done;
};

/* Adds the rules.* findings: each requirement of data/provider-rules.tsv
 * met, not met, or not to be told from DNS, grouped by requirement. */
void mw__domain_rules(struct mw_report *r, const struct mw__domain_facts *f);

#endif
