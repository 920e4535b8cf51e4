/*
 * packet.c - parses DNS messages (RFC 1035 4.1) and turns one into the
 * answer to a question (CNAME chain, records of the asked type).
 *
 * Implements: header and question (4.1.1, 4.1.2), resource records
 * (4.1.3), name compression (4.1.4), the RDATA of A, NS, CNAME, SOA, PTR,
 * MX, TXT (3.3, 3.4.1), AAAA (RFC 3596 2.2) and TLSA (RFC 6698 2.1); the
 * RDATA of any other type is kept raw (RFC 3597).  TTLs above 2^31 - 1
 * read as 0 (RFC 2181 8).
 *
 * Hostile input: every read is bounded by a cursor; a name is at most
 * MW_DNS_NAME_MAX wire octets; a compression pointer must point before
 * the start of the label run that contains it, so pointers cannot loop,
 * and at most MW_DNS_PTR_HOPS_MAX are followed per name; a record count
 * above MW_DNS_RR_MAX is refused, and counts that cannot fit in the
 * remaining bytes are refused before anything is allocated; RDATA must
 * be exactly as long as its type's layout.  No I/O.
 *
 * Everything returned lives in the caller's arena.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "mailwhy/cursor.h"
#include "dns/packet.h"
#include "util/limits.h"

#define HEADER_LEN 12
#define RR_MIN_LEN 11 /* a root owner (1) + type, class, TTL, RDLENGTH */

struct parse {
	struct mw_arena *a;
	bool nomem;
	bool limit;
};

static bool
fail_at(struct mw_cursor *c, size_t pos, const char *why)
{
	if (!c->failed) {
		c->failed = true;
		c->fail_pos = pos;
		c->fail_why = why;
	}
	return false;
}

static bool
oom(struct parse *ps, struct mw_cursor *c)
{
	ps->nomem = true;
	return fail_at(c, c->pos, "out of memory");
}

/* Appends one label octet in presentation form (RFC 1035 5.1). */
static size_t
put_octet(char *t, size_t n, uint8_t ch)
{
	static const char digits[] = "0123456789";

	if (ch >= 'A' && ch <= 'Z') {
		t[n++] = (char)(ch + ('a' - 'A'));
	} else if (ch == '.' || ch == '\\') {
		t[n++] = '\\';
		t[n++] = (char)ch;
	} else if (ch > 0x20 && ch < 0x7f) {
		t[n++] = (char)ch;
	} else {
		t[n++] = '\\';
		t[n++] = digits[ch / 100];
		t[n++] = digits[ch / 10 % 10];
		t[n++] = digits[ch % 10];
	}
	return n;
}

/*
 * Reads the name at c's position (RFC 1035 3.1, 4.1.4).  The bytes up to
 * the first compression pointer belong to c and must lie inside it;
 * pointer targets may be anywhere before, in the same buffer.
 */
static bool
read_name(struct parse *ps, struct mw_cursor *c, const char **out)
{
	char text[MW_DNS_NAME_TEXT_MAX];
	size_t tlen = 0, wire = 1, labels = 0, hops = 0;
	size_t pos = c->pos, floor = c->pos;
	bool jumped = false;

	if (c->failed)
		return false;
	for (;;) {
		uint8_t b;

		if (pos >= c->len)
			return fail_at(c, pos, "name runs past the end");
		b = c->p[pos];
		if ((b & 0xc0) == 0xc0) {
			size_t target;

			if (c->len - pos < 2)
				return fail_at(
				    c, pos, "compression pointer cut short");
			target = (size_t)(b & 0x3f) << 8 | c->p[pos + 1];
			if (!jumped) {
				c->pos = pos + 2;
				jumped = true;
			}
			/* Only backwards, below the current run: no loops. */
			if (target >= floor)
				return fail_at(c, pos,
				    "compression pointer does not point back");
			if (++hops > MW_DNS_PTR_HOPS_MAX)
				return fail_at(
				    c, pos, "too many compression pointers");
			pos = floor = target;
			continue;
		}
		if (b & 0xc0) /* 0x40 and 0x80: RFC 6891 5, RFC 2673 */
			return fail_at(c, pos, "unknown label type");
		if (b == 0) {
			pos++;
			break;
		}
		if (b > c->len - pos - 1)
			return fail_at(c, pos, "label runs past the end");
		wire += 1 + (size_t)b;
		if (wire > MW_DNS_NAME_MAX)
			return fail_at(c, pos, "name longer than 255 octets");
		if (++labels > MW_DNS_LABELS_MAX)
			return fail_at(c, pos, "name has too many labels");
		if (tlen > 0)
			text[tlen++] = '.';
		for (size_t i = 1; i <= b; i++)
			tlen = put_octet(text, tlen, c->p[pos + i]);
		pos += 1 + (size_t)b;
	}
	if (!jumped)
		c->pos = pos;
	/* 255 wire octets give at most 4 * 255 characters. */
	if ((*out = mw_arena_strndup(ps->a, text, tlen)) == NULL)
		return oom(ps, c);
	return true;
}

static bool
read_ip(struct mw_cursor *c, struct mw_dns_rr *rr, size_t len, int family)
{
	struct mw_slice s;

	if (!mw_cursor_take(c, len, &s))
		return false;
	memcpy(rr->u.ip.addr, s.p, len);
	rr->u.ip.family = family;
	if (inet_ntop(family, rr->u.ip.addr, rr->u.ip.text,
	        sizeof(rr->u.ip.text)) == NULL)
		rr->u.ip.text[0] = '\0';
	return true;
}

/* RFC 1035 3.3.14: one or more <character-string>s. */
static bool
read_txt(struct parse *ps, struct mw_cursor *c, struct mw_dns_rr *rr)
{
	size_t n = 0, total = 0, start = c->pos;
	const char **strings;
	size_t *lens;
	char *joined;

	if (mw_cursor_left(c) == 0)
		return fail_at(c, c->pos, "TXT record without a string");
	/* Count first: the layout is checked before allocating. */
	for (size_t pos = start; pos < c->len; n++) {
		size_t l = c->p[pos];

		if (l > c->len - pos - 1)
			return fail_at(c, pos, "TXT string runs past RDATA");
		total += l;
		pos += 1 + l;
	}
	strings = mw_arena_calloc(ps->a, n, sizeof(*strings));
	lens = mw_arena_calloc(ps->a, n, sizeof(*lens));
	joined = mw_arena_alloc(ps->a, total + 1);
	if (strings == NULL || lens == NULL || joined == NULL)
		return oom(ps, c);
	total = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t l;
		struct mw_slice s;

		if (!mw_cursor_u8(c, &l) || !mw_cursor_take(c, l, &s))
			return false;
		if ((strings[i] = mw_arena_strndup(ps->a, s.p, l)) == NULL)
			return oom(ps, c);
		lens[i] = l;
		memcpy(joined + total, s.p, l);
		total += l;
	}
	joined[total] = '\0';
	rr->u.txt.n = n;
	rr->u.txt.strings = strings;
	rr->u.txt.lens = lens;
	rr->u.txt.joined = joined;
	rr->u.txt.joined_len = total;
	return true;
}

/* c covers the message up to the end of this RDATA and starts at it. */
static bool
read_rdata(struct parse *ps, struct mw_cursor *c, struct mw_dns_rr *rr)
{
	struct mw_slice s;
	size_t start = c->pos;

	switch (rr->type) {
	case MW_DNS_T_A:
	case MW_DNS_T_AAAA:
		if (rr->rclass != 1) /* RFC 1035 3.4: IN only */
			break;
		if (rr->type == MW_DNS_T_A)
			return read_ip(c, rr, 4, AF_INET);
		return read_ip(c, rr, 16, AF_INET6);
	case MW_DNS_T_MX:
		return mw_cursor_u16(c, &rr->u.mx.pref) &&
		       read_name(ps, c, &rr->u.mx.host);
	case MW_DNS_T_NS:
	case MW_DNS_T_CNAME:
	case MW_DNS_T_PTR:
		return read_name(ps, c, &rr->u.name);
	case MW_DNS_T_TXT:
		return read_txt(ps, c, rr);
	case MW_DNS_T_SOA:
		return read_name(ps, c, &rr->u.soa.mname) &&
		       read_name(ps, c, &rr->u.soa.rname) &&
		       mw_cursor_u32(c, &rr->u.soa.serial) &&
		       mw_cursor_u32(c, &rr->u.soa.refresh) &&
		       mw_cursor_u32(c, &rr->u.soa.retry) &&
		       mw_cursor_u32(c, &rr->u.soa.expire) &&
		       mw_cursor_u32(c, &rr->u.soa.minimum);
	case MW_DNS_T_TLSA:
		if (!mw_cursor_u8(c, &rr->u.tlsa.usage) ||
		    !mw_cursor_u8(c, &rr->u.tlsa.selector) ||
		    !mw_cursor_u8(c, &rr->u.tlsa.mtype))
			return false;
		rr->u.tlsa.len = mw_cursor_left(c);
		rr->u.tlsa.data = rr->rdata + (c->pos - start);
		return mw_cursor_take(c, rr->u.tlsa.len, &s);
	}
	/* Any other type: raw only. */
	return mw_cursor_take(c, mw_cursor_left(c), &s);
}

static bool
read_rr(struct parse *ps, struct mw_cursor *c, struct mw_dns_rr *rr)
{
	struct mw_cursor rc;
	uint16_t rdlen;
	size_t start;
	uint8_t *copy;

	if (!read_name(ps, c, &rr->owner) || !mw_cursor_u16(c, &rr->type) ||
	    !mw_cursor_u16(c, &rr->rclass) || !mw_cursor_u32(c, &rr->ttl) ||
	    !mw_cursor_u16(c, &rdlen))
		return false;
	if (rr->ttl > INT32_MAX) /* RFC 2181 8 */
		rr->ttl = 0;
	start = c->pos;
	if (rdlen > mw_cursor_left(c))
		return fail_at(c, start, "RDATA runs past the end");
	if ((copy = mw_arena_alloc(ps->a, rdlen)) == NULL)
		return oom(ps, c);
	memcpy(copy, c->p + start, rdlen);
	rr->rdata = copy;
	rr->rdlength = rdlen;

	/* Names in RDATA may point anywhere before; their own bytes must
	 * stay inside the RDATA. */
	mw_cursor_init(&rc, c->p, start + rdlen);
	rc.pos = start;
	if (read_rdata(ps, &rc, rr) && !mw_cursor_eof(&rc))
		fail_at(&rc, rc.pos, "RDATA longer than its type's layout");
	if (rc.failed) {
		const char *why = rc.fail_why;

		/* The cursor's own words for running out of bytes. */
		if (strcmp(why, "truncated input") == 0 ||
		    strcmp(why, "unexpected end of input") == 0)
			why = "RDATA shorter than its type's layout";
		return fail_at(c, rc.fail_pos, why);
	}
	c->pos = start + rdlen;
	return true;
}

int
mw__dns_packet_parse(struct mw__dns_packet *out, struct mw_arena *a,
    const uint8_t *p, size_t len, struct mw_err *err)
{
	struct parse ps = {a, false, false};
	struct mw_cursor c;
	uint16_t qd = 0, counts[3] = {0, 0, 0};
	size_t total;

	memset(out, 0, sizeof(*out));
	if (len > MW_DNS_PACKET_MAX)
		return mw_err_set(err, MW_ELIMIT, "dns", 0,
		    "DNS message of %zu bytes (at most %u)", len,
		    (unsigned)MW_DNS_PACKET_MAX);
	mw_cursor_init(&c, p, len);
	if (len < HEADER_LEN)
		fail_at(&c, 0, "shorter than a DNS header");
	mw_cursor_u16(&c, &out->id);
	mw_cursor_u16(&c, &out->flags);
	mw_cursor_u16(&c, &qd);
	for (int i = 0; i < 3; i++)
		mw_cursor_u16(&c, &counts[i]);
	out->rcode = out->flags & 0x0f;
	if (!c.failed && qd > 1) /* RFC 9619 */
		fail_at(&c, 4, "more than one question");
	if (!c.failed && qd == 1 && read_name(&ps, &c, &out->qname)) {
		mw_cursor_u16(&c, &out->qtype);
		mw_cursor_u16(&c, &out->qclass);
	}
	total = (size_t)counts[0] + counts[1] + counts[2];
	if (!c.failed && total > mw_cursor_left(&c) / RR_MIN_LEN)
		fail_at(&c, 6, "record counts exceed the message");
	if (!c.failed && total > MW_DNS_RR_MAX) {
		ps.limit = true;
		fail_at(&c, 6, "more records than MW_DNS_RR_MAX");
	}
	if (!c.failed && total > 0 &&
	    (out->rr = mw_arena_calloc(a, total, sizeof(*out->rr))) == NULL)
		oom(&ps, &c);
	for (size_t i = 0; i < total && !c.failed; i++)
		read_rr(&ps, &c, &out->rr[i]);
	if (!c.failed && !mw_cursor_eof(&c))
		fail_at(&c, c.pos, "bytes after the last record");
	if (ps.nomem)
		return mw_err_set(err, MW_ENOMEM, "dns", c.fail_pos,
		    "DNS message: arena full");
	if (ps.limit)
		return mw_err_set(err, MW_ELIMIT, "dns", c.fail_pos,
		    "DNS message with %zu records (at most %u)", total,
		    (unsigned)MW_DNS_RR_MAX);
	if (c.failed)
		return mw_err_set(err, MW_EINVAL, "dns", c.fail_pos,
		    "DNS message, byte %zu: %s", c.fail_pos, c.fail_why);
	for (int i = 0; i < 3; i++)
		out->count[i] = counts[i];
	out->nrr = total;
	return 0;
}

static bool
is_canonical_text(char ch)
{
	return ch > 0x20 && ch < 0x7f && ch != '\\';
}

int
mw__dns_name_canon(
    char *out, size_t outsz, const char *name, struct mw_err *err)
{
	size_t len, label = 0, octets = 0, n = 0;

	if (name == NULL || name[0] == '\0')
		return mw_err_set(err, MW_EINVAL, "dns", 0, "empty name");
	len = strlen(name);
	if (len > 1 && name[len - 1] == '.' &&
	    !(len > 2 && name[len - 2] == '\\'))
		len--;
	else if (len == 1 && name[0] == '.')
		len = 0; /* the root */
	for (size_t i = 0; i < len; i++) {
		uint8_t ch = (uint8_t)name[i];

		if (ch == '.') {
			if (label == 0)
				return mw_err_set(err, MW_EINVAL, "dns", i,
				    "empty label in \"%s\"", name);
			label = 0;
			octets++;
			if (n + 1 >= outsz)
				break;
			out[n++] = '.';
			continue;
		}
		if (ch == '\\') {
			/* RFC 1035 5.1: \DDD or \X, e.g. a space that an
			 * SPF macro put into a name (RFC 7208 7.1). */
			if (i + 3 < len + 1 && name[i + 1] >= '0' &&
			    name[i + 1] <= '2' && name[i + 2] >= '0' &&
			    name[i + 2] <= '9' && i + 3 < len &&
			    name[i + 3] >= '0' && name[i + 3] <= '9') {
				unsigned v = (unsigned)(name[i + 1] - '0') * 100 +
				    (unsigned)(name[i + 2] - '0') * 10 +
				    (unsigned)(name[i + 3] - '0');
				if (v > 255)
					return mw_err_set(err, MW_EINVAL,
					    "dns", i, "bad escape");
				ch = (uint8_t)v;
				i += 3;
			} else if (i + 1 < len && (uint8_t)name[i + 1] > 0x20 &&
			           (uint8_t)name[i + 1] < 0x7f) {
				ch = (uint8_t)name[++i];
			} else {
				return mw_err_set(err, MW_EINVAL, "dns", i,
				    "bad escape in a query name");
			}
		} else if (!is_canonical_text((char)ch)) {
			return mw_err_set(err, MW_EINVAL, "dns", i,
			    "character %u not allowed in a query name",
			    (unsigned)ch);
		}
		if (++label > MW_ADDR_LABEL_MAX)
			return mw_err_set(err, MW_EINVAL, "dns", i,
			    "label longer than 63 characters");
		if (++octets > MW_DNS_QNAME_MAX)
			return mw_err_set(err, MW_EINVAL, "dns", 0,
			    "name longer than %u characters",
			    (unsigned)MW_DNS_QNAME_MAX);
		if (n + 5 >= outsz)
			return mw_err_set(err, MW_EINVAL, "dns", 0,
			    "name too long");
		n = put_octet(out, n, ch);
	}
	if (n >= outsz)
		return mw_err_set(err, MW_EINVAL, "dns", 0, "name too long");
	out[n] = '\0';
	return 0;
}

static const struct mw_dns_rr *
find_rr(const struct mw__dns_packet *pkt, const char *owner, uint16_t type)
{
	for (size_t i = 0; i < pkt->count[MW__DNS_ANSWER]; i++)
		if (pkt->rr[i].type == type &&
		    strcmp(pkt->rr[i].owner, owner) == 0)
			return &pkt->rr[i];
	return NULL;
}

static bool
wanted(const struct mw_dns_rr *rr, const char *owner, uint16_t qtype)
{
	/* RFC 8482 aside, an ANY answer keeps every type. */
	return (qtype == 255 || rr->type == qtype) &&
	       strcmp(rr->owner, owner) == 0;
}

int
mw__dns_packet_answer(struct mw_dns_answer *ans, struct mw_arena *a,
    const struct mw__dns_packet *pkt, struct mw_err *err)
{
	const struct mw_dns_rr *chain[MW_DNS_CNAME_CHAIN_MAX];
	const struct mw_dns_rr *r;
	const char *cur = ans->qname;
	size_t nchain = 0, n = 0, nan = pkt->count[MW__DNS_ANSWER];

	ans->rcode = pkt->rcode;
	if (pkt->qname == NULL || strcmp(pkt->qname, ans->qname) != 0 ||
	    pkt->qtype != ans->qtype)
		return mw_err_set(err, MW_EINVAL, "dns", 4,
		    "the answer is for another question (%s/%u)",
		    pkt->qname ? pkt->qname : "none", (unsigned)pkt->qtype);
	/* RFC 1034 3.6.2, 4.3.2: follow aliases unless CNAME was asked. */
	while (ans->qtype != MW_DNS_T_CNAME && ans->qtype != 255 &&
	       (r = find_rr(pkt, cur, MW_DNS_T_CNAME)) != NULL) {
		if (nchain == MW_DNS_CNAME_CHAIN_MAX)
			return mw_err_set(err, MW_ELIMIT, "dns", SIZE_MAX,
			    "CNAME chain from %s longer than %u (a loop?)",
			    ans->qname, (unsigned)MW_DNS_CNAME_CHAIN_MAX);
		chain[nchain++] = r;
		cur = r->u.name;
	}
	ans->canonname = cur;
	ans->ncname = nchain;
	ans->cname = NULL;
	if (nchain > 0) {
		ans->cname = mw_arena_calloc(a, nchain, sizeof(*ans->cname));
		if (ans->cname == NULL)
			goto nomem;
		for (size_t i = 0; i < nchain; i++)
			ans->cname[i] = *chain[i];
	}
	for (size_t i = 0; i < nan; i++)
		n += wanted(&pkt->rr[i], cur, ans->qtype);
	ans->n = 0;
	ans->rr = NULL;
	if (n > 0) {
		if ((ans->rr = mw_arena_calloc(a, n, sizeof(*ans->rr))) == NULL)
			goto nomem;
		for (size_t i = 0; i < nan; i++)
			if (wanted(&pkt->rr[i], cur, ans->qtype))
				ans->rr[ans->n++] = pkt->rr[i];
	}
	switch (pkt->rcode) {
	case 0:
		ans->status = ans->n > 0 ? MW_DNS_OK : MW_DNS_NODATA;
		break;
	case 3:
		ans->status = MW_DNS_NXDOMAIN;
		break;
	case 5:
		ans->status = MW_DNS_REFUSED;
		ans->why = "the server refused the query (RCODE 5)";
		break;
	case 2:
		ans->status = MW_DNS_SERVFAIL;
		ans->why = "server failure (RCODE 2)";
		break;
	default:
		ans->status = MW_DNS_SERVFAIL;
		ans->why = mw_arena_printf(
		    a, "the server answered RCODE %d", pkt->rcode);
		break;
	}
	return 0;
nomem:
	return mw_err_set(err, MW_ENOMEM, "dns", SIZE_MAX, "arena full");
}
