/*
 * dns.c - the asynchronous resolver: libunbound (ub_ctx_create_event) on
 * the caller's libevent loop, in the caller's thread.  No thread or
 * process is created: an event context never starts libunbound's
 * background worker (ub_resolve_async is never called).
 *
 * What libunbound does not do, and this file adds:
 * - a per-query timeout: one libevent timer per query.  On expiry the
 *   caller gets TIMEOUT and the query is ub_cancel()ed, so libunbound
 *   drops the late answer; should the cancel fail, the query record is
 *   kept (a "zombie") until libunbound calls back, so its callback
 *   never sees freed memory;
 * - at most MW_DNS_INFLIGHT_MAX queries at libunbound, the rest wait in
 *   order;
 * - callbacks only from the event loop: libunbound answers from its
 *   cache or local data inside ub_resolve_event(), so every outcome is
 *   delivered through an event made active for it;
 * - the answer packet is parsed by packet.c into the caller's arena;
 * - libunbound's log lines go to mw_log, never to stderr.
 *
 * Lifetimes: struct query is malloc'ed and freed by this file; answers
 * live in the arena the caller passed to mw_dns_query.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <unbound-event.h>
#include <unbound.h>

#include "mailwhy/dns.h"
#include "mailwhy/log.h"
#include "mailwhy/slice.h"
#include "dns/packet.h"
#include "util/limits.h"

#define ROOT_KEY "/usr/share/dns/root.key"

/* Zones libunbound answers itself by default (unbound.conf(5),
 * "local-zone"): the lab and its addresses live there. */
/* clang-format off */
static const char *const lab_zones[] = {
	"test. transparent",			/* RFC 6761 6.2 */
	"2.0.192.in-addr.arpa. transparent",	/* RFC 5737 */
	"100.51.198.in-addr.arpa. transparent", /* RFC 5737 */
	"113.0.203.in-addr.arpa. transparent",	/* RFC 5737 */
	"8.b.d.0.1.0.0.2.ip6.arpa. transparent", /* RFC 3849 */
	/* RFC 1918 reverse zones (RFC 6303): SPF's ptr and %{p} ask them
	 * (RFC 7208 5.5), and so do the SPF test suites. */
	"10.in-addr.arpa. transparent",
	"168.192.in-addr.arpa. transparent",
	"16.172.in-addr.arpa. transparent",
	"17.172.in-addr.arpa. transparent",
	"18.172.in-addr.arpa. transparent",
	"19.172.in-addr.arpa. transparent",
	"20.172.in-addr.arpa. transparent",
	"21.172.in-addr.arpa. transparent",
	"22.172.in-addr.arpa. transparent",
	"23.172.in-addr.arpa. transparent",
	"24.172.in-addr.arpa. transparent",
	"25.172.in-addr.arpa. transparent",
	"26.172.in-addr.arpa. transparent",
	"27.172.in-addr.arpa. transparent",
	"28.172.in-addr.arpa. transparent",
	"29.172.in-addr.arpa. transparent",
	"30.172.in-addr.arpa. transparent",
	"31.172.in-addr.arpa. transparent",
};
/* clang-format on */

enum qstate { Q_QUEUED, Q_SENT, Q_DONE, Q_ZOMBIE };

struct query {
	TAILQ_ENTRY(query) link; /* in exactly one list of d per state */
	struct mw_dns *d;
	struct mw_arena *a;
	struct mw_dns_answer *ans; /* in a */
	mw_dns_cb cb;
	void *ud;
	enum qstate state;
	int async_id;     /* libunbound's id while Q_SENT, 0 if none */
	struct event *ev; /* the timeout, then the delivery */
	struct timespec t0;
};

TAILQ_HEAD(qlist, query);

struct mw_dns {
	struct event_base *base;
	struct ub_ctx *ctx;
	unsigned timeout_ms;
	bool closing;
	struct qlist queued, sent, done, zombies;
	struct mw_dns_stats st;
};

/* libunbound's log is process-wide: one stream feeds mw_log. */
static FILE *ub_log;
/* The first error libunbound logged while mw_dns_new finalized a context
 * in this thread: the reason a configuration failed. */
static _Thread_local char ub_first_error[160];
static once_flag ub_log_once = ONCE_FLAG_INIT;

static ssize_t
ub_log_write(void *cookie, const char *buf, size_t size)
{
	struct mw_slice s = {(const uint8_t *)buf, size};
	enum mw_log_level lvl = MW_LOG_DEBUG;

	/* "[time] libunbound[pid:tid] type: text\n": keep "type: text". */
	for (int i = 0; i < 2; i++) {
		const uint8_t *e = memchr(s.p, ']', s.len);

		if (e == NULL || (size_t)(e - s.p) + 2 > s.len)
			break;
		s.len -= (size_t)(e - s.p) + 2;
		s.p = e + 2;
	}
	s = mw_slice_trim(s);
	if (mw_slice_has_prefix(s, MW_SLICE_LIT("error: "))) {
		lvl = MW_LOG_WARN;
		if (ub_first_error[0] == '\0')
			snprintf(ub_first_error, sizeof(ub_first_error), "%.*s",
			    (int)(s.len - 7), (const char *)s.p + 7);
	}
	if (s.len > 0)
		mw_log(lvl, "dns", "libunbound: %.*s", (int)s.len,
		    (const char *)s.p);
	return (ssize_t)size;
}

static void
ub_log_open(void)
{
	static const cookie_io_functions_t io = {.write = ub_log_write};

	if ((ub_log = fopencookie(NULL, "w", io)) != NULL)
		setvbuf(ub_log, NULL, _IOLBF, 0);
}

const char *
mw_dns_status_name(enum mw_dns_status s)
{
	/* clang-format off */
	static const char *const names[MW_DNS_STATUS_COUNT] = {
		[MW_DNS_OK] = "ok",
		[MW_DNS_NXDOMAIN] = "nxdomain",
		[MW_DNS_NODATA] = "nodata",
		[MW_DNS_SERVFAIL] = "servfail",
		[MW_DNS_REFUSED] = "refused",
		[MW_DNS_TIMEOUT] = "timeout",
		[MW_DNS_BOGUS] = "bogus",
		[MW_DNS_MALFORMED] = "malformed",
	};
	/* clang-format on */

	return (unsigned)s < MW_DNS_STATUS_COUNT ? names[s] : "servfail";
}

bool
mw_dns_status_is_temporary(enum mw_dns_status s)
{
	return s != MW_DNS_OK && s != MW_DNS_NXDOMAIN && s != MW_DNS_NODATA;
}

const char *
mw_dnssec_name(enum mw_dnssec s)
{
	switch (s) {
	case MW_DNSSEC_SECURE:
		return "secure";
	case MW_DNSSEC_BOGUS:
		return "bogus";
	case MW_DNSSEC_INSECURE:
		break;
	}
	return "insecure";
}

/* clang-format off */
static const struct {
	uint16_t type;
	const char *name;
} type_names[] = {
	{1, "A"}, {2, "NS"}, {5, "CNAME"}, {6, "SOA"}, {12, "PTR"},
	{15, "MX"}, {16, "TXT"}, {28, "AAAA"}, {33, "SRV"}, {41, "OPT"},
	{43, "DS"}, {46, "RRSIG"}, {47, "NSEC"}, {48, "DNSKEY"},
	{50, "NSEC3"}, {52, "TLSA"}, {64, "SVCB"}, {65, "HTTPS"},
	{99, "SPF"}, {255, "ANY"}, {257, "CAA"},
};
/* clang-format on */

const char *
mw_dns_type_name(uint16_t type)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type_names[i].type == type)
			return type_names[i].name;
	return NULL;
}

int
mw_dns_type_parse(uint16_t *out, const char *s)
{
	struct mw_slice sl = mw_slice_cstr(s ? s : "");
	uint64_t v;

	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (mw_slice_caseeq_cstr(sl, type_names[i].name)) {
			*out = type_names[i].type;
			return 0;
		}
	/* RFC 3597 5: TYPEnnn */
	if (mw_slice_has_prefix(sl, MW_SLICE_LIT("TYPE")) ||
	    mw_slice_has_prefix(sl, MW_SLICE_LIT("type"))) {
		sl.p += 4;
		sl.len -= 4;
		if (mw_parse_u64(&v, sl, UINT16_MAX)) {
			*out = (uint16_t)v;
			return 0;
		}
	}
	return MW_EINVAL;
}

static double
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static const char *
type_text(uint16_t type, char *buf, size_t size)
{
	const char *n = mw_dns_type_name(type);

	if (n != NULL)
		return n;
	snprintf(buf, size, "TYPE%u", (unsigned)type);
	return buf;
}

static void
query_free(struct query *q)
{
	if (q->ev != NULL)
		event_free(q->ev);
	free(q);
}

/* The outcome is in q->ans: deliver it from the loop. */
static void
finish(struct query *q)
{
	struct mw_dns *d = q->d;

	TAILQ_REMOVE(&d->sent, q, link);
	d->st.inflight--;
	q->state = Q_DONE;
	q->async_id = 0;
	TAILQ_INSERT_TAIL(&d->done, q, link);
	event_del(q->ev);
	event_active(q->ev, EV_TIMEOUT, 1);
}

static void
fill_from_packet(struct query *q, const uint8_t *p, size_t len)
{
	struct mw_dns_answer *ans = q->ans;
	struct mw__dns_packet pkt;
	struct mw_err err;
	int rc;

	mw_err_clear(&err);
	rc = mw__dns_packet_parse(&pkt, q->a, p, len, &err);
	if (rc == 0)
		rc = mw__dns_packet_answer(ans, q->a, &pkt, &err);
	if (rc == MW_ENOMEM) {
		ans->status = MW_DNS_SERVFAIL;
		ans->why = "the answer did not fit in the arena";
	} else if (rc != 0) {
		ans->status = MW_DNS_MALFORMED;
		ans->why = mw_arena_strdup(q->a, err.msg);
		if (ans->why == NULL)
			ans->why = "malformed answer";
	}
}

/* libunbound's callback; may run inside ub_resolve_event(). */
static void
ub_done(void *arg, int rcode, void *packet, int len, int sec, char *why_bogus,
    int ratelimited)
{
	struct query *q = arg;
	struct mw_dns *d = q->d;
	struct mw_dns_answer *ans = q->ans;

	if (d->closing)
		return; /* ub_ctx_delete() failing what is left */
	if (q->state == Q_ZOMBIE) {
		TAILQ_REMOVE(&d->zombies, q, link);
		query_free(q);
		return;
	}
	if (q->state != Q_SENT)
		return;
	ans->elapsed_ms = ms_since(&q->t0);
	ans->why = NULL;
	/* sec: 0 insecure, 1 bogus, 2 secure (unbound-event.h) */
	ans->dnssec = MW_DNSSEC_INSECURE;
	if (sec == 2)
		ans->dnssec = MW_DNSSEC_SECURE;
	else if (sec == 1)
		ans->dnssec = MW_DNSSEC_BOGUS;
	if (rcode != 0) {
		/* No packet to look at ("do not inspect if rcode != 0"). */
		ans->rcode = rcode;
		ans->status = MW_DNS_SERVFAIL;
		if (rcode == 3)
			ans->status = MW_DNS_NXDOMAIN;
		else if (rcode == 5)
			ans->status = MW_DNS_REFUSED;
		if (rcode == 2)
			ans->why = "server failure (RCODE 2)";
		else if (rcode != 3)
			ans->why = mw_arena_printf(
			    q->a, "the resolver answered RCODE %d", rcode);
	} else if (packet == NULL || len <= 0) {
		ans->status = MW_DNS_SERVFAIL;
		ans->why = "the resolver gave no answer packet";
	} else {
		fill_from_packet(q, packet, (size_t)len);
	}
	if (sec == 1) {
		ans->status = MW_DNS_BOGUS;
		ans->why = "DNSSEC validation failed";
		if (why_bogus != NULL)
			ans->why_bogus = mw_arena_strdup(q->a, why_bogus);
	}
	if (ratelimited)
		mw_log(MW_LOG_DEBUG, "dns", "%s: the resolver rate-limited it",
		    ans->qname);
	finish(q);
}

static void
send_query(struct mw_dns *d, struct query *q)
{
	struct timeval tv = {(time_t)(d->timeout_ms / 1000),
	    (suseconds_t)(d->timeout_ms % 1000) * 1000};
	char tbuf[16];
	int id = 0, rc;

	q->state = Q_SENT;
	TAILQ_INSERT_TAIL(&d->sent, q, link);
	d->st.inflight++;
	d->st.sent++;
	clock_gettime(CLOCK_MONOTONIC, &q->t0);
	evtimer_add(q->ev, &tv);
	mw_log(MW_LOG_DEBUG, "dns", "query %s %s", q->ans->qname,
	    type_text(q->ans->qtype, tbuf, sizeof(tbuf)));
	rc = ub_resolve_event(d->ctx,
	    q->ans->qname[0] != '\0' ? q->ans->qname : ".", q->ans->qtype,
	    1 /* IN */, q, ub_done, &id);
	if (q->state != Q_SENT)
		return; /* answered already, from cache or local data */
	if (rc != 0) {
		q->ans->status = MW_DNS_SERVFAIL;
		q->ans->why =
		    mw_arena_printf(q->a, "resolver: %s", ub_strerror(rc));
		finish(q);
		return;
	}
	q->async_id = id;
}

static void
pump(struct mw_dns *d)
{
	struct query *q;

	while (d->st.inflight < MW_DNS_INFLIGHT_MAX &&
	       (q = TAILQ_FIRST(&d->queued)) != NULL) {
		TAILQ_REMOVE(&d->queued, q, link);
		d->st.queued--;
		send_query(d, q);
	}
}

/* A query's event: its timeout (Q_SENT) or its delivery (Q_DONE). */
static void
on_event(evutil_socket_t fd, short what, void *arg)
{
	struct query *q = arg;
	struct mw_dns *d = q->d;
	struct mw_dns_answer *ans = q->ans;
	mw_dns_cb cb = q->cb;
	void *ud = q->ud;
	char tbuf[16];

	if (q->state == Q_SENT) {
		TAILQ_REMOVE(&d->sent, q, link);
		d->st.inflight--;
		d->st.timeouts++;
		ans->status = MW_DNS_TIMEOUT;
		ans->elapsed_ms = ms_since(&q->t0);
		ans->why = mw_arena_printf(
		    q->a, "no answer within %u ms", d->timeout_ms);
		if (ans->why == NULL)
			ans->why = "no answer within the timeout";
		if (q->async_id != 0 && ub_cancel(d->ctx, q->async_id) != 0) {
			/* libunbound may still call back: keep q for it. */
			q->state = Q_ZOMBIE;
			TAILQ_INSERT_TAIL(&d->zombies, q, link);
		} else {
			query_free(q);
		}
	} else {
		TAILQ_REMOVE(&d->done, q, link);
		query_free(q);
	}
	mw_log(MW_LOG_DEBUG, "dns", "%s %s: %s%s%s in %.1f ms", ans->qname,
	    type_text(ans->qtype, tbuf, sizeof(tbuf)),
	    mw_dns_status_name(ans->status), ans->why ? ", " : "",
	    ans->why ? ans->why : "", ans->elapsed_ms);
	pump(d);
	cb(ud, ans); /* last: it may free d */
}

/* "ADDR", "ADDR:PORT", "[ADDR]:PORT", bare IPv6 -> unbound's "ADDR@PORT". */
static int
parse_server(char *out, size_t outsz, const char *s, struct mw_err *err)
{
	char addr[INET6_ADDRSTRLEN];
	const char *port = NULL, *colon = strchr(s, ':');
	size_t alen;
	uint8_t bin[16];
	const char *given = s;
	uint64_t v;
	int family = AF_INET;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			goto bad;
		alen = (size_t)(close - s - 1);
		s++;
		port = close[1] == ':' ? close + 2 : NULL;
		family = AF_INET6;
	} else if (colon != NULL && strchr(colon + 1, ':') == NULL) {
		alen = (size_t)(colon - s);
		port = colon + 1;
	} else {
		alen = strlen(s);
		family = colon != NULL ? AF_INET6 : AF_INET;
	}
	if (alen == 0 || alen >= sizeof(addr))
		goto bad;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(family, addr, bin) != 1)
		goto bad;
	if (port != NULL &&
	    (!mw_parse_u64(&v, mw_slice_cstr(port), 65535) || v == 0))
		goto bad;
	if ((size_t)snprintf(out, outsz, "%s%s%s", addr, port ? "@" : "",
	        port ? port : "") >= outsz)
		goto bad;
	return 0;
bad:
	return mw_err_set(err, MW_EINVAL, "dns", 0,
	    "resolver \"%s\": expected ADDR, ADDR:PORT or [IPv6]:PORT", given);
}

static int
ub_fail(struct mw_err *err, int ubrc, const char *what)
{
	return mw_err_set(err, ubrc == UB_NOMEM ? MW_ENOMEM : MW_EIO, "dns",
	    SIZE_MAX, "%s: %s", what, ub_strerror(ubrc));
}

static int
configure(struct ub_ctx *ctx, const struct mw_dns_opts *o, const char *fwd,
    struct mw_err *err)
{
	const char *ta = o->trust_anchor_file;
	char qmax[16];
	int rc;

	if (ub_log != NULL)
		ub_ctx_debugout(ctx, ub_log);
	/* libunbound's cap on concurrent queries; see limits.h. */
	snprintf(qmax, sizeof(qmax), "%u", (unsigned)MW_DNS_UB_QUERIES_MAX);
	if ((rc = ub_ctx_set_option(ctx, "num-queries-per-thread:", qmax)))
		return ub_fail(err, rc, "num-queries-per-thread");
	if (fwd != NULL) {
		if ((rc = ub_ctx_set_fwd(ctx, fwd)) != 0)
			return ub_fail(err, rc, o->server);
	} else {
		if ((rc = ub_ctx_resolvconf(ctx, NULL)) != 0)
			return mw_err_set(err, MW_EIO, "dns", SIZE_MAX,
			    "/etc/resolv.conf: %s", ub_strerror(rc));
		if ((rc = ub_ctx_hosts(ctx, NULL)) != 0)
			mw_log(MW_LOG_DEBUG, "dns", "/etc/hosts not used: %s",
			    ub_strerror(rc));
		/* Read-only on purpose: ub_ctx_add_ta_autr would write RFC
		 * 5011 updates back into the system's file. */
		if (ta == NULL && access(ROOT_KEY, R_OK) == 0)
			ta = ROOT_KEY;
	}
	if (ta != NULL) {
		if (access(ta, R_OK) != 0)
			return mw_err_set(err, MW_EIO, "dns", SIZE_MAX,
			    "trust anchor file %s: %s", ta, strerror(errno));
		if ((rc = ub_ctx_add_ta_file(ctx, ta)) != 0)
			return ub_fail(err, rc, ta);
	}
	if (o->lab_zones || o->server != NULL || o->trust_anchor_file != NULL)
		for (size_t i = 0; i < sizeof(lab_zones) / sizeof(lab_zones[0]);
		     i++)
			if ((rc = ub_ctx_set_option(
			         ctx, "local-zone:", lab_zones[i])) != 0)
				return ub_fail(err, rc, lab_zones[i]);
	/* Load everything now, so a bad trust anchor fails here and not as
	 * a SERVFAIL on every query: removing a zone that does not exist
	 * finalizes the context and changes nothing. */
	ub_first_error[0] = '\0';
	rc = ub_ctx_zone_remove(ctx, "finalize.mailwhy.invalid.");
	if (rc != 0 && ub_first_error[0] != '\0')
		return mw_err_set(
		    err, MW_EIO, "dns", SIZE_MAX, "%s", ub_first_error);
	if (rc != 0)
		return ub_fail(
		    err, rc, ta != NULL ? ta : "resolver configuration");
	return 0;
}

int
mw_dns_new(struct mw_dns **out, struct event_base *base,
    const struct mw_dns_opts *opts, struct mw_err *err)
{
	static const struct mw_dns_opts defaults;
	const struct mw_dns_opts *o = opts ? opts : &defaults;
	char fwd[INET6_ADDRSTRLEN + 8];
	struct mw_dns *d;
	int rc;

	*out = NULL;
	if (base == NULL)
		return mw_err_set(
		    err, MW_EINVAL, "dns", SIZE_MAX, "no event base");
	if (o->timeout_ms > MW_DNS_TIMEOUT_MS_MAX)
		return mw_err_set(err, MW_EINVAL, "dns", SIZE_MAX,
		    "timeout %u ms is above %u ms", o->timeout_ms,
		    (unsigned)MW_DNS_TIMEOUT_MS_MAX);
	if (o->server != NULL &&
	    (rc = parse_server(fwd, sizeof(fwd), o->server, err)) != 0)
		return rc;
	call_once(&ub_log_once, ub_log_open);
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return mw_err_set(
		    err, MW_ENOMEM, "dns", SIZE_MAX, "out of memory");
	d->base = base;
	d->timeout_ms =
	    o->timeout_ms ? o->timeout_ms : MW_DNS_TIMEOUT_MS_DEFAULT;
	TAILQ_INIT(&d->queued);
	TAILQ_INIT(&d->sent);
	TAILQ_INIT(&d->done);
	TAILQ_INIT(&d->zombies);
	if ((d->ctx = ub_ctx_create_event(base)) == NULL) {
		free(d);
		return mw_err_set(err, MW_ENOMEM, "dns", SIZE_MAX,
		    "cannot create a libunbound context");
	}
	if ((rc = configure(d->ctx, o, o->server ? fwd : NULL, err)) != 0) {
		ub_ctx_delete(d->ctx);
		free(d);
		return rc;
	}
	mw_log(MW_LOG_DEBUG, "dns", "resolver %s, timeout %u ms",
	    o->server ? fwd : "from /etc/resolv.conf", d->timeout_ms);
	*out = d;
	return 0;
}

int
mw_dns_query(struct mw_dns *d, struct mw_arena *a, const char *name,
    uint16_t type, mw_dns_cb cb, void *ud, struct mw_err *err)
{
	char canon[MW_DNS_NAME_TEXT_MAX];
	struct mw_dns_answer *ans;
	struct query *q;
	int rc;

	if (d == NULL || a == NULL || cb == NULL)
		return mw_err_set(err, MW_EINVAL, "dns", SIZE_MAX,
		    "missing resolver, arena or callback");
	if ((rc = mw__dns_name_canon(canon, sizeof(canon), name, err)) != 0)
		return rc;
	if ((ans = mw_arena_alloc(a, sizeof(*ans))) == NULL ||
	    (ans->qname = mw_arena_strdup(a, canon)) == NULL)
		return mw_err_set(
		    err, MW_ENOMEM, "dns", SIZE_MAX, "arena full");
	ans->qtype = type;
	ans->status = MW_DNS_SERVFAIL;
	ans->dnssec = MW_DNSSEC_INSECURE;
	ans->rcode = -1;
	ans->canonname = ans->qname;
	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    (q->ev = evtimer_new(d->base, on_event, q)) == NULL) {
		free(q);
		return mw_err_set(
		    err, MW_ENOMEM, "dns", SIZE_MAX, "out of memory");
	}
	q->d = d;
	q->a = a;
	q->ans = ans;
	q->cb = cb;
	q->ud = ud;
	q->state = Q_QUEUED;
	TAILQ_INSERT_TAIL(&d->queued, q, link);
	d->st.queued++;
	pump(d);
	return 0;
}

void
mw_dns_stats(struct mw_dns_stats *out, const struct mw_dns *d)
{
	*out = d->st;
}

static void
free_list(struct qlist *l)
{
	struct query *q;

	while ((q = TAILQ_FIRST(l)) != NULL) {
		TAILQ_REMOVE(l, q, link);
		query_free(q);
	}
}

void
mw_dns_free(struct mw_dns **dp)
{
	struct mw_dns *d;
	struct query *q;

	if (dp == NULL || (d = *dp) == NULL)
		return;
	*dp = NULL;
	d->closing = true;
	for (q = TAILQ_FIRST(&d->sent); q != NULL; q = TAILQ_NEXT(q, link))
		if (q->async_id != 0)
			ub_cancel(d->ctx, q->async_id);
	/* It fails what is still running (SERVFAIL callbacks, ignored
	 * while closing); every query record is still valid until then. */
	ub_ctx_delete(d->ctx);
	free_list(&d->queued);
	free_list(&d->sent);
	free_list(&d->done);
	free_list(&d->zombies);
	free(d);
}

struct sync_state {
	struct event_base *base;
	const struct mw_dns_answer *ans;
};

static void
sync_cb(void *ud, const struct mw_dns_answer *ans)
{
	struct sync_state *s = ud;

	s->ans = ans;
	event_base_loopbreak(s->base);
}

int
mw_dns_resolve_sync(const struct mw_dns_answer **out, struct mw_arena *a,
    const struct mw_dns_opts *opts, const char *name, uint16_t type,
    struct mw_err *err)
{
	struct sync_state s = {NULL, NULL};
	struct mw_dns *d = NULL;
	int rc;

	*out = NULL;
	if ((s.base = event_base_new()) == NULL)
		return mw_err_set(err, MW_ENOMEM, "dns", SIZE_MAX,
		    "cannot create an event base");
	if ((rc = mw_dns_new(&d, s.base, opts, err)) == 0 &&
	    (rc = mw_dns_query(d, a, name, type, sync_cb, &s, err)) == 0) {
		while (s.ans == NULL && event_base_dispatch(s.base) == 0)
			;
		if (s.ans == NULL)
			rc = mw_err_set(err, MW_EIO, "dns", SIZE_MAX,
			    "the event loop ended without an answer");
	}
	mw_dns_free(&d);
	event_base_free(s.base);
	*out = s.ans;
	return rc;
}

struct event_base *
mw_dns_base(const struct mw_dns *d)
{
	return d->base;
}
