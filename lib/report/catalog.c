/*
 * catalog.c - the table of finding codes, built from findings.def.
 */
#include <string.h>

#include "mailwhy/report.h"

static const struct mw_finding_def catalog[] = {
#define MW_FINDING(id, code, sev, who, ref, title, explain, remedy) \
	{MW_F_##id, code, sev, who, ref, title, explain, remedy},
#include "mailwhy/findings.def"
#undef MW_FINDING
};

const struct mw_finding_def *
mw_catalog(size_t *n)
{
	*n = sizeof(catalog) / sizeof(catalog[0]);
	return catalog;
}

const struct mw_finding_def *
mw_catalog_get(enum mw_finding_id id)
{
	if ((unsigned)id >= MW_F__COUNT)
		return NULL;
	return &catalog[id];
}

const struct mw_finding_def *
mw_catalog_find(const char *code)
{
	for (size_t i = 0; i < MW_F__COUNT; i++)
		if (strcmp(catalog[i].code, code) == 0)
			return &catalog[i];
	return NULL;
}

const char *
mw_severity_name(enum mw_severity s)
{
	switch (s) {
	case MW_SEV_INFO:
		return "info";
	case MW_SEV_WARNING:
		return "warning";
	case MW_SEV_ERROR:
		return "error";
	}
	return "unknown";
}

const char *
mw_actor_name(enum mw_actor w)
{
	switch (w) {
	case MW_WHO_NOBODY:
		return "nobody";
	case MW_WHO_SENDER:
		return "sender";
	case MW_WHO_SENDER_ADMIN:
		return "sender_admin";
	case MW_WHO_RECIPIENT:
		return "recipient";
	case MW_WHO_RECIPIENT_ADMIN:
		return "recipient_admin";
	case MW_WHO_OPERATOR:
		return "operator";
	}
	return "unknown";
}

const char *
mw_actor_label(enum mw_actor w)
{
	switch (w) {
	case MW_WHO_NOBODY:
		return N_("nobody");
	case MW_WHO_SENDER:
		return N_("the sender");
	case MW_WHO_SENDER_ADMIN:
		return N_("the sending domain's administrator");
	case MW_WHO_RECIPIENT:
		return N_("the recipient");
	case MW_WHO_RECIPIENT_ADMIN:
		return N_("the recipient domain's administrator");
	case MW_WHO_OPERATOR:
		return N_("whoever runs this network or resolver");
	}
	return "?";
}
