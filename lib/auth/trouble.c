/*
 * trouble.c - what the domain audit modules share: DNS trouble as
 * findings, and label arithmetic on names (see auth_int.h).
 */
#include <string.h>
#include <strings.h>

#include "auth/auth_int.h"

void
mw__auth_dns_trouble(struct mw_report *r, const char *name,
    const struct mw_dns_answer *a)
{
	enum mw_finding_id id;

	if (a == NULL) {
		mw_report_add(r, MW_F_DNS_SERVFAIL, name, "not sent", name,
		    NULL, NULL);
		return;
	}
	id = a->status == MW_DNS_TIMEOUT ? MW_F_DNS_TIMEOUT
	    : a->status == MW_DNS_BOGUS ? MW_F_DNS_BOGUS
	    : MW_F_DNS_SERVFAIL;
	for (size_t i = 0; i < r->nfindings; i++)
		if (r->findings[i].def->id == id &&
		    r->findings[i].subject != NULL &&
		    strcmp(r->findings[i].subject, name) == 0)
			return;
	if (id == MW_F_DNS_BOGUS)
		mw_report_add(r, id, name, a->why_bogus, name,
		    a->why_bogus ? a->why_bogus : "", NULL);
	else
		mw_report_add(r, id, name,
		    a->why ? a->why : mw_dns_status_name(a->status), name,
		    NULL, NULL);
}

bool
mw__auth_under(const char *name, const char *domain)
{
	size_t n = strlen(name), d = strlen(domain);

	if (n == d)
		return strcasecmp(name, domain) == 0;
	return n > d && name[n - d - 1] == '.' &&
	    strcasecmp(name + n - d, domain) == 0;
}

size_t
mw__auth_labels(const char *name)
{
	size_t n = 0;

	if (name == NULL || name[0] == '\0')
		return 0;
	for (const char *p = name; *p; p++)
		if (*p == '.')
			n++;
	return n + 1;
}

const char *
mw__auth_suffix(const char *name, size_t n)
{
	size_t have = mw__auth_labels(name);
	const char *p = name;

	while (have > n && (p = strchr(p, '.')) != NULL) {
		p++;
		have--;
	}
	return p ? p : name;
}
