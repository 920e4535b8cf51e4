/*
 * ptr.c - reverse DNS of sending addresses (see ptr.h).
 *
 * Per address: the PTR lookup (RFC 1035 3.5 in-addr.arpa, RFC 3596 2.5
 * ip6.arpa), then A or AAAA of at most MW_PTR_NAMES_MAX of its names; the
 * address is confirmed when one of them resolves back to it (RFC 8601 3,
 * "iprev"; the same bound as RFC 7208 5.5).  The HELO name is looked up
 * once (A and AAAA) and compared with every address.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/auth_int.h"
#include "kb/kb_domain.h"
#include "mailwhy/ptr.h"
#include "util/limits.h"

static int
cmp_word(const void *k, const void *e)
{
	return strcmp(k, *(const char *const *)e);
}

static bool
listed_word(const char *w)
{
	return bsearch(w, mw__kb_generic_ptr, mw__kb_ngeneric_ptr,
	    sizeof(mw__kb_generic_ptr[0]), cmp_word) != NULL;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool
mw_ptr_is_generic(const char *name, const uint8_t *addr, int family,
    const char **why)
{
	char piece[64], hex[9];
	bool octet_seen[4] = {false, false, false, false};
	size_t n = 0, len = strlen(name);
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if (len > MW_DNS_NAME_TEXT_MAX)
		return false;
	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? name[i] : '.';
		bool boundary = !(is_alpha(c) || is_digit(c)) ||
		    (n > 0 && is_digit(c) != is_digit(piece[n - 1]));
		if (boundary && n > 0) {
			piece[n] = '\0';
			if (!is_digit(piece[0]) && listed_word(piece)) {
				*why = "a word of dynamic or residential "
				    "address names";
				return true;
			}
			if (is_digit(piece[0]) && family == AF_INET && n <= 3) {
				unsigned v = 0;
				for (size_t d = 0; d < n; d++)
					v = v * 10 + (unsigned)(piece[d] - '0');
				for (int k = 0; k < 4; k++)
					if (addr[k] == v && !octet_seen[k]) {
						octet_seen[k] = true;
						break;
					}
			}
			n = 0;
		}
		if (is_alpha(c) || is_digit(c)) {
			if (n + 1 < sizeof(piece))
				piece[n++] =
				    (char)(c | (is_alpha(c) ? 0x20 : 0));
		}
	}
	if (family == AF_INET) {
		int k = 0;
		for (int i = 0; i < 4; i++)
			k += octet_seen[i];
		if (k >= 3) {
			*why = "the name spells the address's own numbers";
			return true;
		}
		snprintf(hex, sizeof(hex), "%02x%02x%02x%02x", addr[0], addr[1],
		    addr[2], addr[3]);
		for (size_t i = 0; i + 8 <= len; i++)
			if (strncasecmp(name + i, hex, 8) == 0) {
				*why = "the name spells the address in hex";
				return true;
			}
	}
	return false;
}

const char *
mw_ptr_reverse_name(struct mw_arena *a, const char *ip)
{
	uint8_t b[16];
	struct mw_buf s;
	const char *out;

	if (inet_pton(AF_INET, ip, b) == 1)
		return mw_arena_printf(a, "%u.%u.%u.%u.in-addr.arpa", b[3],
		    b[2], b[1], b[0]);
	if (inet_pton(AF_INET6, ip, b) != 1)
		return NULL;
	mw_buf_init(&s, 128);
	for (int i = 15; i >= 0; i--)
		mw_buf_printf(&s, "%x.%x.", b[i] & 15, b[i] >> 4);
	mw_buf_puts(&s, "ip6.arpa");
	out = mw_arena_strdup(a, mw_buf_cstr(&s));
	mw_buf_release(&s);
	return out;
}

/* --- the checks ----------------------------------------------------- */

struct ipstate {
	const char *ip;
	uint8_t addr[16];
	int family;
	const char *names[MW_PTR_NAMES_MAX];
	size_t nnames;
	bool confirmed;
	const char *confirmed_name;
	struct mw_buf forward; /* what the names resolve to, for evidence */
	unsigned pending;
};

struct run {
	struct mw_dns *dns;
	struct mw_report *r;
	struct mw_arena *a;
	const char *domain, *helo;
	struct ipstate ips[MW_SENDING_IPS_MAX];
	size_t nips;
	const struct mw_dns_answer *helo_ans[2];
	unsigned pending;
	mw_ptr_done_fn done;
	void *ud;
	struct mw_ptr_result res;
};

struct fq {
	struct run *run;
	size_t ip;
	const char *name;
};

static void
ip_done(struct run *run, struct ipstate *s)
{
	const char *why;

	if (s->nnames == 0)
		return;
	if (!s->confirmed) {
		mw_report_add(run->r, MW_F_PTR_NOT_CONFIRMED, s->ip,
		    mw_buf_cstr(&s->forward), s->ip, s->names[0],
		    s->forward.len ? mw_buf_cstr(&s->forward) : "nothing");
		return;
	}
	run->res.confirmed++;
	mw_report_add(run->r, MW_F_PTR_OK, s->ip, s->confirmed_name, s->ip,
	    s->confirmed_name, NULL);
	if (mw_ptr_is_generic(s->confirmed_name, s->addr, s->family, &why)) {
		run->res.generic++;
		mw_report_add(run->r, MW_F_PTR_GENERIC, s->ip,
		    s->confirmed_name, s->ip, s->confirmed_name, why);
	}
}

static void
finish(struct run *run)
{
	if (run->helo != NULL) {
		for (size_t i = 0; i < run->nips; i++) {
			struct ipstate *s = &run->ips[i];
			bool match = false, temp = false;
			struct mw_buf got;
			mw_buf_init(&got, 1024);
			for (int f = 0; f < 2; f++) {
				const struct mw_dns_answer *a =
				    run->helo_ans[f];
				if (a == NULL)
					continue;
				if (mw_dns_status_is_temporary(a->status))
					temp = true;
				for (size_t k = 0; k < a->n; k++) {
					const struct mw_dns_rr *rr = &a->rr[k];
					if (rr->type != MW_DNS_T_A &&
					    rr->type != MW_DNS_T_AAAA)
						continue;
					mw_buf_printf(&got, "%s%s",
					    got.len ? ", " : "", rr->u.ip.text);
					if (rr->u.ip.family == s->family &&
					    memcmp(rr->u.ip.addr, s->addr,
						s->family == AF_INET ? 4
								     : 16) == 0)
						match = true;
				}
			}
			if (match) {
				run->res.helo_ok = true;
				mw_report_add(run->r, MW_F_PTR_HELO_OK,
				    run->helo, NULL, run->helo, s->ip, NULL);
			} else if (!temp) {
				mw_report_add(run->r, MW_F_PTR_HELO_MISMATCH,
				    run->helo, mw_buf_cstr(&got), run->helo,
				    s->ip, got.len ? mw_buf_cstr(&got)
						   : "no address");
			}
			mw_buf_release(&got);
		}
	}
	for (size_t i = 0; i < run->nips; i++)
		mw_buf_release(&run->ips[i].forward);
	run->done(run->ud, &run->res);
}

static void
settle(struct run *run)
{
	if (--run->pending == 0)
		finish(run);
}

static void
on_forward(void *ud, const struct mw_dns_answer *a)
{
	struct fq *q = ud;
	struct run *run = q->run;
	struct ipstate *s = &run->ips[q->ip];

	if (mw_dns_status_is_temporary(a->status)) {
		run->res.incomplete = true;
		mw__auth_dns_trouble(run->r, a->qname, a);
	}
	if (a->status != MW_DNS_OK)
		mw_buf_printf(&s->forward, "%s%s: %s", s->forward.len ? "; "
		    : "", q->name, mw_dns_status_name(a->status));
	for (size_t i = 0; i < a->n; i++) {
		const struct mw_dns_rr *rr = &a->rr[i];
		if (rr->type != MW_DNS_T_A && rr->type != MW_DNS_T_AAAA)
			continue;
		mw_buf_printf(&s->forward, "%s%s: %s", s->forward.len ? "; "
		    : "", q->name, rr->u.ip.text);
		if (rr->u.ip.family == s->family &&
		    memcmp(rr->u.ip.addr, s->addr,
			s->family == AF_INET ? 4 : 16) == 0 &&
		    !s->confirmed) {
			s->confirmed = true;
			s->confirmed_name = q->name;
		}
	}
	if (--s->pending == 0)
		ip_done(run, s);
	settle(run);
}

static void
on_ptr(void *ud, const struct mw_dns_answer *a)
{
	struct fq *q = ud;
	struct run *run = q->run;
	struct ipstate *s = &run->ips[q->ip];

	if (mw_dns_status_is_temporary(a->status)) {
		run->res.incomplete = true;
		mw__auth_dns_trouble(run->r, a->qname, a);
	} else if (a->status != MW_DNS_OK) {
		mw_report_add(run->r, MW_F_PTR_MISSING, s->ip,
		    mw_arena_printf(run->a, "%s PTR: %s", a->qname,
			mw_dns_status_name(a->status)), s->ip,
		    mw_arena_printf(run->a, "%s: %s", a->qname,
			mw_dns_status_name(a->status)),
		    mw_arena_printf(run->a, "mail.%s", run->domain));
	}
	for (size_t i = 0; a->status == MW_DNS_OK && i < a->n &&
	     s->nnames < MW_PTR_NAMES_MAX; i++)
		if (a->rr[i].type == MW_DNS_T_PTR)
			s->names[s->nnames++] = a->rr[i].u.name;
	s->pending = 1;
	for (size_t i = 0; i < s->nnames; i++) {
		struct fq *f = mw_arena_alloc(run->a, sizeof(*f));
		if (f == NULL)
			break;
		f->run = run;
		f->ip = q->ip;
		f->name = s->names[i];
		s->pending++;
		run->pending++;
		if (mw_dns_query(run->dns, run->a, s->names[i],
			s->family == AF_INET ? MW_DNS_T_A : MW_DNS_T_AAAA,
			on_forward, f, NULL) != 0) {
			s->pending--;
			run->pending--;
		}
	}
	if (--s->pending == 0)
		ip_done(run, s);
	settle(run);
}

static void
on_helo(void *ud, const struct mw_dns_answer *a)
{
	struct run *run = ud;

	run->helo_ans[a->qtype == MW_DNS_T_AAAA] = a;
	if (mw_dns_status_is_temporary(a->status)) {
		run->res.incomplete = true;
		mw__auth_dns_trouble(run->r, a->qname, a);
	}
	settle(run);
}

int
mw_ptr_check(struct mw_dns *dns, struct mw_report *r, const char *const *ips,
    size_t nips, const char *helo, const char *domain, mw_ptr_done_fn done,
    void *ud, struct mw_err *err)
{
	struct run *run;

	if ((run = mw_arena_alloc(r->arena, sizeof(*run))) == NULL)
		return mw_err_set(err, MW_ENOMEM, "ptr", SIZE_MAX,
		    "out of memory");
	run->dns = dns;
	run->r = r;
	run->a = r->arena;
	run->domain = domain;
	run->helo = helo;
	run->done = done;
	run->ud = ud;
	run->pending = 1;
	for (size_t i = 0; i < nips && run->nips < MW_SENDING_IPS_MAX; i++) {
		struct ipstate *s = &run->ips[run->nips];
		const char *rev = mw_ptr_reverse_name(run->a, ips[i]);
		struct fq *q = mw_arena_alloc(run->a, sizeof(*q));
		if (rev == NULL || q == NULL)
			continue;
		s->ip = ips[i];
		s->family = strchr(ips[i], ':') ? AF_INET6 : AF_INET;
		inet_pton(s->family, ips[i], s->addr);
		mw_buf_init(&s->forward, 4096);
		q->run = run;
		q->ip = run->nips++;
		run->pending++;
		if (mw_dns_query(dns, run->a, rev, MW_DNS_T_PTR, on_ptr, q,
			NULL) != 0) {
			run->pending--;
			run->res.incomplete = true;
		}
	}
	run->res.ips = run->nips;
	if (helo != NULL)
		for (int f = 0; f < 2; f++) {
			run->pending++;
			if (mw_dns_query(dns, run->a, helo,
				f ? MW_DNS_T_AAAA : MW_DNS_T_A, on_helo, run,
				NULL) != 0)
				run->pending--;
		}
	settle(run);
	return 0;
}
