/*
 * kb.c - lookups in the knowledge base built from data/ (see kb.h).
 *
 * Domains and mistyped suffixes live in one open-addressing hash (FNV-1a,
 * linear probing, load at most 1/2, built by data/gen_kb.py), so a lookup
 * is one hash of the name and a probe or two.  Roles are a short sorted
 * array searched by bisection.  Inputs longer than a DNS name (MW_DNS_NAME_MAX)
 * or a local part (MW_ADDR_LOCAL_MAX) are never in a list and are
 * answered "no" without being read further.  Nothing here allocates;
 * everything returned is static.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kb/kb_int.h"
#include "mailwhy/kb.h"
#include "util/limits.h"

static inline uint8_t
lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

const struct mw__kb_entry *
mw__kb_find_hashed(const char *d, size_t len, uint32_t h)
{
	size_t mask = mw__kb_domains_size - 1;

	if (len == 0 || len > MW_DNS_NAME_MAX)
		return NULL;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		const struct mw__kb_entry *e = &mw__kb_domains[i];

		if (e->name == NULL)
			return NULL;
		if (e->len == len && memcmp(e->name, d, len) == 0)
			return e;
	}
}

const struct mw__kb_entry *
mw__kb_find(const char *d, size_t len)
{
	uint32_t h = MW__KB_HASH_INIT;

	if (len > MW_DNS_NAME_MAX)
		return NULL;
	for (size_t i = 0; i < len; i++)
		h = mw__kb_hash_step(h, (uint8_t)d[i]);
	return mw__kb_find_hashed(d, len, h);
}

/*
 * Folds case into buf and drops one trailing dot.  Returns the length, or
 * 0 when s is empty or too long to be a domain in any list.
 */
static size_t
fold(char buf[MW_DNS_NAME_MAX + 1], const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return 0;
	for (; s[n] != '\0'; n++) {
		if (n == MW_DNS_NAME_MAX)
			return 0;
		buf[n] = (char)lower((uint8_t)s[n]);
	}
	if (n > 0 && buf[n - 1] == '.')
		n--;
	buf[n] = '\0';
	return n;
}

static const struct mw__kb_entry *
find_cstr(const char *domain)
{
	char buf[MW_DNS_NAME_MAX + 1];
	size_t n = fold(buf, domain);

	return n ? mw__kb_find(buf, n) : NULL;
}

const struct mw_kb_provider *
mw_kb_provider(const char *domain_ascii)
{
	const struct mw__kb_entry *e = find_cstr(domain_ascii);

	if (e == NULL || !(e->flags & MW__KB_PROVIDER))
		return NULL;
	return &mw__kb_providers[e->prov];
}

bool
mw_kb_is_lookalike_legit(const char *domain_ascii)
{
	const struct mw__kb_entry *e = find_cstr(domain_ascii);

	return e != NULL && (e->flags & (MW__KB_LEGIT | MW__KB_PROVIDER));
}

const char *
mw_kb_typosquat(const char *domain_ascii)
{
	const struct mw__kb_entry *e = find_cstr(domain_ascii);

	if (e == NULL || !(e->flags & MW__KB_SQUAT))
		return NULL;
	return mw__kb_providers[e->meant].domain;
}

bool
mw_kb_is_disposable(const char *domain_ascii)
{
	char buf[MW_DNS_NAME_MAX + 1];
	size_t n = fold(buf, domain_ascii);
	const struct mw__kb_entry *e;

	/* The name itself, then each parent at a label boundary. */
	for (size_t off = 0; off < n;) {
		e = mw__kb_find(buf + off, n - off);
		if (e != NULL && (e->flags & MW__KB_DISPOSABLE))
			return true;
		const char *dot = memchr(buf + off, '.', n - off);
		if (dot == NULL)
			break;
		off = (size_t)(dot - buf) + 1;
	}
	return false;
}

/* Bisection over a sorted array of C strings reached through get(). */
static bool
sorted_has(const char *const *arr, size_t n, const char *s, size_t len)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(arr[mid], s, len);

		if (c == 0 && arr[mid][len] != '\0')
			c = 1;
		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

const char *
mw__kb_tld_fix(const char *sfx, size_t len)
{
	const struct mw__kb_entry *e = mw__kb_find(sfx, len);

	if (e == NULL || !(e->flags & MW__KB_TLDFIX))
		return NULL;
	return mw__kb_tld_typos[e->meant].fix;
}

const char *
mw_kb_tld_fix(const char *suffix)
{
	char buf[MW_DNS_NAME_MAX + 1];
	size_t n = fold(buf, suffix);

	return n ? mw__kb_tld_fix(buf, n) : NULL;
}

static bool
is_sep(char c)
{
	return c == '.' || c == '-' || c == '_';
}

bool
mw_kb_is_role(const char *local)
{
	char buf[MW_ADDR_LOCAL_MAX + 1];
	size_t n = 0, tok;

	if (local == NULL || local[0] == '"')
		return false;
	/* Fold case and stop at the +tag (RFC 5233 subaddress). */
	for (; local[n] != '\0' && local[n] != '+'; n++) {
		if (n == MW_ADDR_LOCAL_MAX)
			return false;
		buf[n] = (char)lower((uint8_t)local[n]);
	}
	buf[n] = '\0';
	if (n == 0)
		return false;
	if (sorted_has(mw__kb_roles, mw__kb_nroles, buf, n))
		return true;
	/* "support2", "info24": a numbered role box. */
	while (n > 0 && buf[n - 1] >= '0' && buf[n - 1] <= '9')
		n--;
	if (n > 0 && buf[n] != '\0' &&
	    sorted_has(mw__kb_roles, mw__kb_nroles, buf, n))
		return true;
	/* "sales-eu", "info.msk", "support_team": the role comes first. */
	for (tok = 0; tok < n && !is_sep(buf[tok]); tok++)
		;
	if (tok > 0 && tok < n)
		return sorted_has(mw__kb_roles, mw__kb_nroles, buf, tok);
	return false;
}

size_t
mw_kb_provider_count(void)
{
	return mw__kb_nproviders;
}

const struct mw_kb_provider *
mw_kb_provider_at(size_t i)
{
	return i < mw__kb_nproviders ? &mw__kb_providers[i] : NULL;
}

void
mw_kb_stats(struct mw_kb_stats *out)
{
	out->providers = mw__kb_counts.providers;
	out->typosquats = mw__kb_counts.typosquats;
	out->lookalikes = mw__kb_counts.lookalikes;
	out->tld_typos = mw__kb_counts.tld_typos;
	out->roles = mw__kb_counts.roles;
	out->disposable = mw__kb_counts.disposable;
}
