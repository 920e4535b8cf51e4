/*
 * spf_cache.c - the answers one SPF checker has seen, kept for their TTL.
 *
 * A receiver checks the same few domains over and over; asking libunbound
 * again costs a query object, a timer, a callback and a packet parse each
 * time.  The checker keeps the parts of answers that check_host() reads
 * (status, why, and per record its type, address, MX host, PTR/CNAME name
 * or joined TXT) and serves a repeat from the event loop: answers are
 * queued and one event delivers them, so a callback never runs inside the
 * call that asked (dns.h's promise holds).  Each delivered answer is a
 * copy in the asker's arena: the cache may drop entries at any time.
 *
 * Definitive answers only (OK, NXDOMAIN, NODATA); OK for the smallest TTL
 * of its records, negative ones for MW_SPF_CACHE_NEG_TTL seconds (the SOA
 * minimum is not kept by mw_dns); temporary ones are never kept.  At most
 * MW_SPF_CACHE_MAX entries: past it the whole cache is emptied.
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/spf_int.h"
#include "util/limits.h"

struct centry {
	struct centry *next; /* hash chain */
	char *key;           /* "type/name" */
	time_t expires;
	enum mw_dns_status status;
	struct mw_dns_rr *rr; /* strings in the same block */
	size_t n;
};

struct delivery {
	struct delivery *next;
	mw_dns_cb cb;
	void *ud;
	const struct mw_dns_answer *ans;
};

#define CACHE_HASH 8192

struct mw__spf_cache {
	struct event_base *base;
	struct event *ev;
	struct centry *table[CACHE_HASH];
	size_t n;
	struct delivery *head, **tail; /* queued deliveries */
	unsigned long hits, misses;
};

static unsigned
hash(const char *s)
{
	unsigned h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % CACHE_HASH;
}

static void
flush(struct mw__spf_cache *c)
{
	for (size_t i = 0; i < CACHE_HASH; i++) {
		struct centry *e, *next;
		for (e = c->table[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
		c->table[i] = NULL;
	}
	c->n = 0;
}

static void
deliver(evutil_socket_t fd, short what, void *arg)
{
	struct mw__spf_cache *c = arg;
	struct delivery *d = c->head, *next;

	c->head = NULL;
	c->tail = &c->head;
	for (; d != NULL; d = next) {
		next = d->next;
		d->cb(d->ud, d->ans);
	}
}

int
mw__spf_cache_new(struct mw__spf_cache **out, struct event_base *base)
{
	struct mw__spf_cache *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (c == NULL)
		return MW_ENOMEM;
	c->base = base;
	c->tail = &c->head;
	if ((c->ev = event_new(base, -1, 0, deliver, c)) == NULL) {
		free(c);
		return MW_ENOMEM;
	}
	*out = c;
	return 0;
}

void
mw__spf_cache_free(struct mw__spf_cache **cp)
{
	struct mw__spf_cache *c;

	if (cp == NULL || (c = *cp) == NULL)
		return;
	flush(c);
	event_free(c->ev);
	free(c);
	*cp = NULL;
}

static char *
make_key(char *buf, size_t sz, const char *name, uint16_t type)
{
	size_t n = 0;
	char d[8];
	int nd = 0;

	do
		d[nd++] = (char)('0' + type % 10);
	while ((type /= 10) != 0);
	while (nd > 0)
		buf[n++] = d[--nd];
	buf[n++] = '/';

	for (const char *p = name; *p && n + 1 < sz; p++)
		buf[n++] = (*p >= 'A' && *p <= 'Z') ? (char)(*p + 32) : *p;
	if (n > 0 && buf[n - 1] == '.')
		n--;
	buf[n] = '\0';
	return buf;
}

/* Copies the fields check_host() reads into a (or one malloc block when
 * a is NULL: then *blk gets it). */
static struct mw_dns_rr *
copy_rrs(struct mw_arena *a, const struct mw_dns_rr *src, size_t n,
    size_t extra, void **blk)
{
	size_t need = n * sizeof(*src) + extra;
	struct mw_dns_rr *rr;
	char *p;

	for (size_t i = 0; i < n; i++) {
		const struct mw_dns_rr *s = &src[i];
		if (s->type == MW_DNS_T_MX)
			need += strlen(s->u.mx.host) + 1;
		else if (s->type == MW_DNS_T_PTR || s->type == MW_DNS_T_CNAME)
			need += strlen(s->u.name) + 1;
		else if (s->type == MW_DNS_T_TXT)
			need += s->u.txt.joined_len + 1;
	}
	p = a ? mw_arena_alloc(a, need ? need : 1) : calloc(1, need ? need : 1);
	if (p == NULL)
		return NULL;
	if (blk)
		*blk = p;
	p += extra;
	rr = (struct mw_dns_rr *)p;
	p += n * sizeof(*src);
	for (size_t i = 0; i < n; i++) {
		const struct mw_dns_rr *s = &src[i];
		struct mw_dns_rr *d = &rr[i];
		const char *str = NULL;
		size_t len = 0;
		d->type = s->type;
		d->rclass = s->rclass;
		d->ttl = s->ttl;
		if (s->type == MW_DNS_T_A || s->type == MW_DNS_T_AAAA) {
			d->u.ip = s->u.ip;
			continue;
		}
		if (s->type == MW_DNS_T_MX) {
			d->u.mx.pref = s->u.mx.pref;
			str = s->u.mx.host;
		} else if (s->type == MW_DNS_T_PTR ||
		           s->type == MW_DNS_T_CNAME) {
			str = s->u.name;
		} else if (s->type == MW_DNS_T_TXT) {
			str = s->u.txt.joined;
			len = s->u.txt.joined_len;
			d->u.txt.n = s->u.txt.n;
			d->u.txt.joined_len = len;
		} else {
			continue;
		}
		if (len == 0 && s->type != MW_DNS_T_TXT)
			len = strlen(str);
		memcpy(p, str, len);
		p[len] = '\0';
		if (s->type == MW_DNS_T_MX)
			d->u.mx.host = p;
		else if (s->type == MW_DNS_T_TXT)
			d->u.txt.joined = p;
		else
			d->u.name = p;
		p += len + 1;
	}
	return rr;
}

void
mw__spf_cache_put(struct mw__spf_cache *c, const struct mw_dns_answer *ans)
{
	char key[MW_DNS_NAME_TEXT_MAX + 16];
	struct centry *e;
	uint32_t ttl = MW_SPF_CACHE_NEG_TTL;
	struct mw_dns_rr *rr;
	unsigned h;
	void *blk;
	size_t klen, extra;

	if (c == NULL || mw_dns_status_is_temporary(ans->status))
		return;
	if (ans->status == MW_DNS_OK)
		for (size_t i = 0; i < ans->n; i++)
			if (i == 0 || ans->rr[i].ttl < ttl)
				ttl = ans->rr[i].ttl;
	if (ttl == 0)
		return;
	if (c->n >= MW_SPF_CACHE_MAX)
		flush(c);
	make_key(key, sizeof(key), ans->qname, ans->qtype);
	klen = strlen(key) + 1;
	/* One block: the entry, the key, then (aligned) the records and
	 * their strings. */
	extra = (sizeof(*e) + klen + 15) & ~(size_t)15;
	if ((rr = copy_rrs(NULL, ans->rr, ans->n, extra, &blk)) == NULL)
		return;
	e = blk;
	e->key = (char *)blk + sizeof(*e);
	memcpy(e->key, key, klen);
	e->rr = rr;
	e->n = ans->n;
	e->status = ans->status;
	e->expires = time(NULL) + (time_t)ttl;
	h = hash(key);
	e->next = c->table[h];
	c->table[h] = e;
	c->n++;
}

int
mw__spf_cache_get(struct mw__spf_cache *c, struct mw_arena *a, const char *name,
    uint16_t type, mw_dns_cb cb, void *ud)
{
	char key[MW_DNS_NAME_TEXT_MAX + 16];
	struct centry *e;
	struct mw_dns_answer *ans;
	struct delivery *d;

	if (c == NULL)
		return -1;
	make_key(key, sizeof(key), name, type);
	for (e = c->table[hash(key)]; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
			break;
	if (e == NULL || e->expires <= time(NULL)) {
		c->misses++;
		return -1;
	}
	if ((ans = mw_arena_alloc(a, sizeof(*ans))) == NULL ||
	    (d = mw_arena_alloc(a, sizeof(*d))) == NULL ||
	    (ans->qname = mw_arena_strdup(
	         a, key + (strchr(key, '/') - key) + 1)) == NULL ||
	    (e->n && (ans->rr = copy_rrs(a, e->rr, e->n, 0, NULL)) == NULL))
		return -1;
	c->hits++;
	ans->qtype = type;
	ans->status = e->status;
	ans->rcode = e->status == MW_DNS_NXDOMAIN ? 3 : 0;
	ans->canonname = ans->qname;
	ans->n = e->n;
	d->cb = cb;
	d->ud = ud;
	d->ans = ans;
	*c->tail = d;
	c->tail = &d->next;
	event_active(c->ev, EV_TIMEOUT, 1);
	return 0;
}
