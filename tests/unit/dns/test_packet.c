/*
 * Unit tests of lib/dns/packet.c: the DNS message parser (RFC 1035 4.1)
 * on hand-built messages - every parsed RR type, compression (4.1.4) and
 * its abuse, lying counts, truncated RDATA, the name limits - and the
 * answer built from a message (CNAME chains, RCODEs).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "mailwhy/arena.h"
#include "mailwhy/dns.h"
#include "mailwhy/err.h"
#include "dns/packet.h"
#include "util/limits.h"
#include "pktbuild.h"

#define QNAME_OFF 12 /* the question's name starts right after the header */

static struct mw_arena *arena;
static struct mw_err err;
static struct mw__dns_packet pkt;

static int
setup(void **state)
{
	arena = mw_arena_new(0);
	mw_err_clear(&err);
	memset(&pkt, 0, sizeof(pkt));
	return arena == NULL;
}

static int
teardown(void **state)
{
	mw_arena_free(&arena);
	return 0;
}

static int
parse(const struct pb *p)
{
	assert_false(p->overflow);
	mw_err_clear(&err);
	return mw__dns_packet_parse(&pkt, arena, p->b, p->n, &err);
}

/* A response to NAME/TYPE with one answer record owned by the qname
 * (compressed) whose RDATA the caller writes next; returns the RDLENGTH
 * position for pb_rdata_end. */
static size_t
one_answer(struct pb *p, const char *name, unsigned type)
{
	pb_header(p, 0x1234, 0x8180, 1, 1, 0, 0);
	pb_question(p, name, type);
	pb_ptr(p, QNAME_OFF);
	pb_rr_head(p, type, 300);
	return pb_rdata_begin(p);
}

static void
a_and_aaaa_rdata_are_addresses(void **state)
{
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	struct pb p;
	size_t at;

	at = one_answer(&p, "good.test", MW_DNS_T_A);
	pb_bytes(&p, "\xc6\x33\x64\x19", 4);
	pb_rdata_end(&p, at);
	assert_int_equal(parse(&p), 0);
	assert_int_equal(pkt.nrr, 1);
	assert_string_equal(pkt.qname, "good.test");
	assert_int_equal(pkt.qtype, MW_DNS_T_A);
	assert_string_equal(pkt.rr[0].owner, "good.test");
	assert_int_equal(pkt.rr[0].ttl, 300);
	assert_int_equal(pkt.rr[0].u.ip.family, AF_INET);
	assert_string_equal(pkt.rr[0].u.ip.text, "198.51.100.25");

	at = one_answer(&p, "good.test", MW_DNS_T_AAAA);
	pb_bytes(&p, v6, 16);
	pb_rdata_end(&p, at);
	assert_int_equal(parse(&p), 0);
	assert_int_equal(pkt.rr[0].u.ip.family, AF_INET6);
	assert_memory_equal(pkt.rr[0].u.ip.addr, v6, 16);
	assert_string_equal(pkt.rr[0].u.ip.text, "2001:db8::1");
}

static void
mx_host_is_decompressed_and_null_mx_is_empty(void **state)
{
	struct pb p;
	size_t at;

	/* RFC 1035 4.1.4: "mx" + pointer to the question's name. */
	at = one_answer(&p, "good.test", MW_DNS_T_MX);
	pb_u16(&p, 10);
	pb_labels(&p, "MX");
	pb_ptr(&p, QNAME_OFF);
	pb_rdata_end(&p, at);
	assert_int_equal(parse(&p), 0);
	assert_int_equal(pkt.rr[0].u.mx.pref, 10);
	assert_string_equal(pkt.rr[0].u.mx.host, "mx.good.test");

	/* RFC 7505: MX 0 "." */
	at = one_answer(&p, "nullmx.test", MW_DNS_T_MX);
	pb_u16(&p, 0);
	pb_u8(&p, 0);
	pb_rdata_end(&p, at);
	assert_int_equal(parse(&p), 0);
	assert_int_equal(pkt.rr[0].u.mx.pref, 0);
	assert_string_equal(pkt.rr[0].u.mx.host, "");
}

static void
txt_keeps_strings_apart_and_joined(void **state)
{
	struct pb p;
	size_t at;

	/* RFC 7208 3.3: an SPF record split into strings. */
	at = one_answer(&p, "good.test", MW_DNS_T_TXT);
	pb_u8(&p, 7);
	pb_bytes(&p, "v=spf1 ", 7);
	pb_u8(&p, 0);
	pb_u8(&p, 5);
	pb_bytes(&p, "-all\0", 5);
	pb_rdata_end(&p, at);
	assert_int_equal(parse(&p), 0);
	assert_int_equal(pkt.rr[0].u.txt.n, 3);
	assert_string_equal(pkt.rr[0].u.txt.strings[0], "v=spf1 ");
	assert_int_equal(pkt.rr[0].u.txt.lens[1], 0);
	assert_int_equal(pkt.rr[0].u.txt.lens[2], 5);
	assert_memory_equal(pkt.rr[0].u.txt.strings[2], "-all\0", 5);
	assert_int_equal(pkt.rr[0].u.txt.joined_len, 12);
	assert_memory_equal(pkt.rr[0].u.txt.joined, "v=spf1 -all\0", 12);
}

static void
txt_layout_is_checked(void **state)
{
	struct pb p;
	size_t at;

	at = one_answer(&p, "good.test", MW_DNS_T_TXT);
	pb_rdata_end(&p, at);
	assert_int_equal(parse(&p), MW_EINVAL);
	assert_non_null(strstr(err.msg, "without a string"));

	at = one_answer(&p, "good.test", MW_DNS_T_TXT);
	pb_u8(&p, 9);
	pb_bytes(&p, "short", 5);
	pb_rdata_end(&p, at);
	assert_int_equal(parse(&p), MW_EINVAL);
	assert_non_null(strstr(err.msg, "TXT string runs past"));
}

static void
name_types_soa_and_tlsa(void **state)
{
	static const uint8_t digest[32] = {0xab, [31] = 0xcd};
	static const unsigned types[] = {
	    MW_DNS_T_CNAME, MW_DNS_T_NS, MW_DNS_T_PTR};
	struct pb p;
	size_t at;

	for (size_t i = 0; i < 3; i++) {
		at = one_answer(&p, "alias.mx-cname.test", types[i]);
		pb_name(&p, "mx.good.test");
		pb_rdata_end(&p, at);
		assert_int_equal(parse(&p), 0);
		assert_string_equal(pkt.rr[0].u.name, "mx.good.test");
	}

	at = one_answer(&p, "good.test", MW_DNS_T_SOA);
	pb_labels(&p, "ns1");
	pb_ptr(&p, QNAME_OFF + 5); /* "test" */
	pb_labels(&p, "hostmaster");
	pb_ptr(&p, QNAME_OFF);
	pb_u32(&p, 2024010101);
	pb_u32(&p, 3600);
	pb_u32(&p, 600);
	pb_u32(&p, 86400);
	pb_u32(&p, 60);
	pb_rdata_end(&p, at);
	assert_int_equal(parse(&p), 0);
	assert_string_equal(pkt.rr[0].u.soa.mname, "ns1.test");
	assert_string_equal(pkt.rr[0].u.soa.rname, "hostmaster.good.test");
	assert_int_equal(pkt.rr[0].u.soa.serial, 2024010101);
	assert_int_equal(pkt.rr[0].u.soa.minimum, 60);

	/* RFC 6698 2.1: 3 1 1 <sha-256>, for _25._tcp.mx.secure.test */
	at = one_answer(&p, "_25._tcp.mx.secure.test", MW_DNS_T_TLSA);
	pb_u8(&p, 3);
	pb_u8(&p, 1);
	pb_u8(&p, 1);
	pb_bytes(&p, digest, sizeof(digest));
	pb_rdata_end(&p, at);
	assert_int_equal(parse(&p), 0);
	assert_int_equal(pkt.rr[0].u.tlsa.usage, 3);
	assert_int_equal(pkt.rr[0].u.tlsa.selector, 1);
	assert_int_equal(pkt.rr[0].u.tlsa.mtype, 1);
	assert_int_equal(pkt.rr[0].u.tlsa.len, 32);
	assert_memory_equal(pkt.rr[0].u.tlsa.data, digest, 32);
}

static void
unknown_types_keep_raw_rdata(void **state)
{
	struct pb p;
	size_t at;

	/* RFC 3597: CAA (257) is not parsed, only kept. */
	at = one_answer(&p, "good.test", 257);
	pb_bytes(&p, "\x00\x05issue", 7);
	pb_rdata_end(&p, at);
	assert_int_equal(parse(&p), 0);
	assert_int_equal(pkt.rr[0].type, 257);
	assert_int_equal(pkt.rr[0].rdlength, 7);
	assert_memory_equal(pkt.rr[0].rdata, "\x00\x05issue", 7);
}

static void
names_are_lower_case_and_escaped(void **state)
{
	struct pb p;

	/* RFC 1035 5.1 presentation: "\." inside a label, "\DDD" else. */
	pb_header(&p, 1, 0x8180, 1, 0, 0, 0);
	pb_u8(&p, 5);
	pb_bytes(&p, "A.b\x01Z", 5);
	pb_labels(&p, "TEST");
	pb_u8(&p, 0);
	pb_u16(&p, MW_DNS_T_A);
	pb_u16(&p, 1);
	assert_int_equal(parse(&p), 0);
	assert_string_equal(pkt.qname, "a\\.b\\001z.test");
}

struct bad_case {
	const char *name;
	void (*build)(struct pb *p);
	int want_rc;
	const char *want_msg;
};

static void
ptr_to_itself(struct pb *p)
{
	pb_header(p, 1, 0x8180, 1, 0, 0, 0);
	pb_ptr(p, QNAME_OFF);
	pb_u16(p, 1);
	pb_u16(p, 1);
}

static void
ptr_forward(struct pb *p)
{
	pb_header(p, 1, 0x8180, 1, 0, 0, 0);
	pb_ptr(p, QNAME_OFF + 2);
	pb_name(p, "x");
	pb_u16(p, 1);
	pb_u16(p, 1);
}

static void
ptr_out_of_bounds(struct pb *p)
{
	pb_header(p, 1, 0x8180, 1, 0, 0, 0);
	pb_ptr(p, 0x3fff);
	pb_u16(p, 1);
	pb_u16(p, 1);
}

/* Labels at 12, then a pointer at the end of the run back to 12: reading
 * from 12 again would loop; the pointer does not go below its run. */
static void
ptr_loop_within_run(struct pb *p)
{
	pb_header(p, 1, 0x8180, 1, 0, 0, 0);
	pb_labels(p, "loop");
	pb_ptr(p, QNAME_OFF);
	pb_u16(p, 1);
	pb_u16(p, 1);
}

/* Two names that point at each other: the answer's owner (at 27) points
 * to the RDATA name, which points back to the owner. */
static void
ptr_loop_between_names(struct pb *p)
{
	pb_header(p, 1, 0x8180, 1, 1, 0, 0);
	pb_question(p, "good.test", MW_DNS_T_CNAME);
	/* 27: owner "a" + pointer to the RDATA name at 27 + 4 + 8 + 2 */
	pb_labels(p, "a");
	pb_ptr(p, 27 + 4 + 8 + 2);
	pb_rr_head(p, MW_DNS_T_CNAME, 1);
	pb_u16(p, 4);
	pb_labels(p, "b");
	pb_ptr(p, 27);
}

/* 70 pointers in a row, each to the one before it. */
static void
too_many_hops(struct pb *p)
{
	size_t first;

	pb_header(p, 1, 0x8180, 1, 2, 0, 0);
	pb_question(p, "good.test", 99);
	pb_ptr(p, QNAME_OFF);
	pb_rr_head(p, 99, 1);
	pb_u16(p, 140);
	first = p->n;
	pb_ptr(p, QNAME_OFF);
	for (int i = 1; i < 70; i++)
		pb_ptr(p, (unsigned)(first + 2 * (size_t)(i - 1)));
	pb_ptr(p, (unsigned)(first + 2 * 69));
	pb_rr_head(p, 99, 1);
	pb_u16(p, 0);
}

static void
reserved_label_type(struct pb *p)
{
	pb_header(p, 1, 0x8180, 1, 0, 0, 0);
	pb_u8(p, 0x41); /* RFC 6891 5: extended label types are gone */
	pb_u8(p, 0);
	pb_u16(p, 1);
	pb_u16(p, 1);
}

static void
name_too_long(struct pb *p)
{
	char label[64];

	memset(label, 'a', 63);
	label[63] = '\0';
	pb_header(p, 1, 0x8180, 1, 0, 0, 0);
	for (int i = 0; i < 5; i++) /* 5 * 64 + 1 = 321 octets */
		pb_labels(p, label);
	pb_u8(p, 0);
	pb_u16(p, 1);
	pb_u16(p, 1);
}

/* 128 one-octet labels: 257 octets, past both name limits. */
static void
too_many_labels(struct pb *p)
{
	pb_header(p, 1, 0x8180, 1, 0, 0, 0);
	for (int i = 0; i < 128; i++)
		pb_labels(p, "x");
	pb_u8(p, 0);
	pb_u16(p, 1);
	pb_u16(p, 1);
}

static void
a_rdata_short(struct pb *p)
{
	size_t at = one_answer(p, "good.test", MW_DNS_T_A);

	pb_bytes(p, "\x01\x02\x03", 3);
	pb_rdata_end(p, at);
}

static void
a_rdata_long(struct pb *p)
{
	size_t at = one_answer(p, "good.test", MW_DNS_T_A);

	pb_bytes(p, "\x01\x02\x03\x04\x05", 5);
	pb_rdata_end(p, at);
}

static void
mx_name_past_rdata(struct pb *p)
{
	/* RDLENGTH says 4: the host's labels run past it. */
	pb_header(p, 1, 0x8180, 1, 1, 0, 0);
	pb_question(p, "good.test", MW_DNS_T_MX);
	pb_ptr(p, QNAME_OFF);
	pb_rr_head(p, MW_DNS_T_MX, 1);
	pb_u16(p, 4);
	pb_u16(p, 10);
	pb_name(p, "mx.good.test");
	pb_u16(p, 0);
}

static void
rdlength_past_end(struct pb *p)
{
	pb_header(p, 1, 0x8180, 1, 1, 0, 0);
	pb_question(p, "good.test", MW_DNS_T_A);
	pb_ptr(p, QNAME_OFF);
	pb_rr_head(p, MW_DNS_T_A, 1);
	pb_u16(p, 400);
	pb_bytes(p, "\x01\x02\x03\x04", 4);
}

static void
counts_say_more(struct pb *p)
{
	size_t at = one_answer(p, "good.test", MW_DNS_T_A);

	pb_bytes(p, "\x01\x02\x03\x04", 4);
	pb_rdata_end(p, at);
	p->b[7] = 5; /* ANCOUNT 5, one record there */
}

static void
counts_say_huge(struct pb *p)
{
	pb_header(p, 1, 0x8180, 1, 0xffff, 0xffff, 0xffff);
	pb_question(p, "good.test", MW_DNS_T_A);
}

static void
counts_say_fewer(struct pb *p)
{
	size_t at = one_answer(p, "good.test", MW_DNS_T_A);

	pb_bytes(p, "\x01\x02\x03\x04", 4);
	pb_rdata_end(p, at);
	p->b[7] = 0; /* ANCOUNT 0: the record is left over */
}

static void
two_questions(struct pb *p)
{
	pb_header(p, 1, 0x8180, 2, 0, 0, 0);
	pb_question(p, "good.test", MW_DNS_T_A);
	pb_question(p, "good.test", MW_DNS_T_MX);
}

static void
short_header(struct pb *p)
{
	pb_header(p, 1, 0x8180, 0, 0, 0, 0);
	p->n = 11;
}

/* MW_DNS_RR_MAX + 1 minimal records (root owner, no RDATA). */
static void
too_many_records(struct pb *p)
{
	pb_header(p, 1, 0x8180, 0, MW_DNS_RR_MAX + 1, 0, 0);
	for (int i = 0; i <= MW_DNS_RR_MAX; i++) {
		pb_u8(p, 0);
		pb_rr_head(p, 99, 1);
		pb_u16(p, 0);
	}
}

/* clang-format off */
static const struct bad_case bad_cases[] = {
	{"pointer to itself", ptr_to_itself, MW_EINVAL, "does not point back"},
	{"pointer forward", ptr_forward, MW_EINVAL, "does not point back"},
	{"pointer out of bounds", ptr_out_of_bounds, MW_EINVAL,
	    "does not point back"},
	{"pointer loop in a run", ptr_loop_within_run, MW_EINVAL,
	    "does not point back"},
	{"pointer loop between names", ptr_loop_between_names, MW_EINVAL,
	    "does not point back"},
	{"too many pointer hops", too_many_hops, MW_EINVAL,
	    "too many compression pointers"},
	{"reserved label type", reserved_label_type, MW_EINVAL,
	    "unknown label type"},
	{"name over 255 octets", name_too_long, MW_EINVAL,
	    "longer than 255"},
	{"128 labels", too_many_labels, MW_EINVAL, "longer than 255"},
	{"A RDATA of 3", a_rdata_short, MW_EINVAL, "RDATA shorter"},
	{"A RDATA of 5", a_rdata_long, MW_EINVAL, "RDATA longer"},
	{"MX name past RDATA", mx_name_past_rdata, MW_EINVAL,
	    "runs past the end"},
	{"RDLENGTH past the end", rdlength_past_end, MW_EINVAL,
	    "RDATA runs past the end"},
	{"ANCOUNT says more", counts_say_more, MW_EINVAL,
	    "record counts exceed"},
	{"counts 3 x 65535", counts_say_huge, MW_EINVAL,
	    "record counts exceed"},
	{"ANCOUNT says fewer", counts_say_fewer, MW_EINVAL,
	    "bytes after the last record"},
	{"two questions", two_questions, MW_EINVAL, "more than one question"},
	{"11-byte header", short_header, MW_EINVAL, "shorter than a DNS"},
	{"257 records", too_many_records, MW_ELIMIT, "257 records"},
};
/* clang-format on */

static void
hostile_messages_are_refused_with_a_reason(void **state)
{
	static struct pb p;

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		int rc;

		memset(&p, 0, sizeof(p));
		c->build(&p);
		rc = parse(&p);
		if (rc != c->want_rc || strstr(err.msg, c->want_msg) == NULL)
			fail_msg("%s: rc %d, \"%s\"; want %d, \"%s\"", c->name,
			    rc, err.msg, c->want_rc, c->want_msg);
		assert_string_equal(err.module, "dns");
	}
}

static void
names_at_the_limits_pass(void **state)
{
	static struct pb p;
	char label[64];

	/* 3 * 64 + 62 + 1 = 255 octets exactly (RFC 1035 2.3.4). */
	memset(label, 'a', 63);
	label[63] = '\0';
	pb_header(&p, 1, 0x8180, 1, 0, 0, 0);
	for (int i = 0; i < 3; i++)
		pb_labels(&p, label);
	label[61] = '\0';
	pb_labels(&p, label);
	pb_u8(&p, 0);
	pb_u16(&p, 1);
	pb_u16(&p, 1);
	assert_int_equal(parse(&p), 0);
	assert_int_equal(strlen(pkt.qname), 3 * 64 + 61);

	/* 127 one-octet labels: 255 octets. */
	pb_header(&p, 1, 0x8180, 1, 0, 0, 0);
	for (int i = 0; i < 127; i++)
		pb_labels(&p, "x");
	pb_u8(&p, 0);
	pb_u16(&p, 1);
	pb_u16(&p, 1);
	assert_int_equal(parse(&p), 0);
	assert_int_equal(strlen(pkt.qname), 127 * 2 - 1);

	/* 64 pointer hops is still fine: a chain of 64 back-pointers. */
	{
		size_t first;

		pb_header(&p, 1, 0x8180, 1, 2, 0, 0);
		pb_question(&p, "good.test", 99);
		pb_ptr(&p, QNAME_OFF);
		pb_rr_head(&p, 99, 1);
		pb_u16(&p, 126);
		first = p.n;
		pb_ptr(&p, QNAME_OFF);
		for (int i = 1; i < 63; i++)
			pb_ptr(&p, (unsigned)(first + 2 * (size_t)(i - 1)));
		pb_ptr(&p, (unsigned)(first + 2 * 62));
		pb_rr_head(&p, 99, 1);
		pb_u16(&p, 0);
		assert_int_equal(parse(&p), 0);
		assert_string_equal(pkt.rr[1].owner, "good.test");
	}
}

static void
authority_and_additional_are_parsed(void **state)
{
	struct pb p;

	/* NXDOMAIN: no answer, SOA in authority, OPT in additional. */
	pb_header(&p, 7, 0x8183, 1, 0, 1, 1);
	pb_question(&p, "nxdomain.test", MW_DNS_T_MX);
	pb_ptr(&p, QNAME_OFF + 9);                 /* "test" */
	pb_rr_head(&p, MW_DNS_T_SOA, 0x80000000u); /* RFC 2181 8: -> 0 */
	{
		size_t at = pb_rdata_begin(&p);

		pb_labels(&p, "ns1");
		pb_ptr(&p, QNAME_OFF + 9);
		pb_labels(&p, "hostmaster");
		pb_ptr(&p, QNAME_OFF + 9);
		for (int i = 0; i < 5; i++)
			pb_u32(&p, 60);
		pb_rdata_end(&p, at);
	}
	pb_u8(&p, 0); /* OPT: root owner, class = payload size */
	pb_u16(&p, 41);
	pb_u16(&p, 1232);
	pb_u32(&p, 0);
	pb_u16(&p, 0);
	assert_int_equal(parse(&p), 0);
	assert_int_equal(pkt.rcode, 3);
	assert_int_equal(pkt.count[MW__DNS_ANSWER], 0);
	assert_int_equal(pkt.count[MW__DNS_AUTHORITY], 1);
	assert_int_equal(pkt.count[MW__DNS_ADDITIONAL], 1);
	assert_string_equal(pkt.rr[0].owner, "test");
	assert_int_equal(pkt.rr[0].ttl, 0);
	assert_string_equal(pkt.rr[0].u.soa.mname, "ns1.test");
	assert_int_equal(pkt.rr[1].type, 41);
	assert_int_equal(pkt.rr[1].rclass, 1232);
}

/* ---- the answer built from a message ---- */

static int
answer(const struct pb *p, const char *qname, uint16_t qtype,
    struct mw_dns_answer *ans)
{
	memset(ans, 0, sizeof(*ans));
	ans->qname = qname;
	ans->qtype = qtype;
	assert_int_equal(parse(p), 0);
	return mw__dns_packet_answer(ans, arena, &pkt, &err);
}

/* alias.mx-cname.test A: CNAME -> mx.good.test, A there. */
static void
build_cname_chain(struct pb *p, int rcode, bool with_a)
{
	size_t at;

	pb_header(p, 1, 0x8180 | (unsigned)rcode, 1, with_a ? 2 : 1, 0, 0);
	pb_question(p, "alias.mx-cname.test", MW_DNS_T_A);
	pb_ptr(p, QNAME_OFF);
	pb_rr_head(p, MW_DNS_T_CNAME, 60);
	at = pb_rdata_begin(p);
	pb_name(p, "mx.good.test");
	pb_rdata_end(p, at);
	if (with_a) {
		pb_ptr(p, (unsigned)at + 2);
		pb_rr_head(p, MW_DNS_T_A, 60);
		pb_u16(p, 4);
		pb_bytes(p, "\xc6\x33\x64\x19", 4);
	}
}

static void
answer_follows_cnames_and_shows_them(void **state)
{
	struct mw_dns_answer ans;
	struct pb p;

	build_cname_chain(&p, 0, true);
	assert_int_equal(
	    answer(&p, "alias.mx-cname.test", MW_DNS_T_A, &ans), 0);
	assert_int_equal(ans.status, MW_DNS_OK);
	assert_int_equal(ans.rcode, 0);
	assert_int_equal(ans.ncname, 1);
	assert_string_equal(ans.cname[0].owner, "alias.mx-cname.test");
	assert_string_equal(ans.canonname, "mx.good.test");
	assert_int_equal(ans.n, 1);
	assert_string_equal(ans.rr[0].u.ip.text, "198.51.100.25");

	/* The alias exists, its target has no A: NODATA, chain kept. */
	build_cname_chain(&p, 0, false);
	assert_int_equal(
	    answer(&p, "alias.mx-cname.test", MW_DNS_T_A, &ans), 0);
	assert_int_equal(ans.status, MW_DNS_NODATA);
	assert_string_equal(ans.canonname, "mx.good.test");

	/* RFC 6604: the RCODE is about the end of the chain. */
	build_cname_chain(&p, 3, false);
	assert_int_equal(
	    answer(&p, "alias.mx-cname.test", MW_DNS_T_A, &ans), 0);
	assert_int_equal(ans.status, MW_DNS_NXDOMAIN);
	assert_int_equal(ans.ncname, 1);

	/* Asking for the CNAME itself does not follow it. */
	pb_header(&p, 1, 0x8180, 1, 1, 0, 0);
	pb_question(&p, "alias.mx-cname.test", MW_DNS_T_CNAME);
	pb_ptr(&p, QNAME_OFF);
	pb_rr_head(&p, MW_DNS_T_CNAME, 60);
	pb_u16(&p, 14);
	pb_name(&p, "mx.good.test");
	assert_int_equal(
	    answer(&p, "alias.mx-cname.test", MW_DNS_T_CNAME, &ans), 0);
	assert_int_equal(ans.status, MW_DNS_OK);
	assert_int_equal(ans.ncname, 0);
	assert_string_equal(ans.rr[0].u.name, "mx.good.test");
}

static void
answer_refuses_cname_loops_and_other_questions(void **state)
{
	struct mw_dns_answer ans;
	struct pb p;

	/* a.test CNAME b.test, b.test CNAME a.test */
	pb_header(&p, 1, 0x8180, 1, 2, 0, 0);
	pb_question(&p, "a.test", MW_DNS_T_A);
	pb_ptr(&p, QNAME_OFF);
	pb_rr_head(&p, MW_DNS_T_CNAME, 60);
	pb_u16(&p, 4);
	pb_labels(&p, "b");
	pb_ptr(&p, QNAME_OFF + 2);
	pb_ptr(&p, (unsigned)p.n - 4);
	pb_rr_head(&p, MW_DNS_T_CNAME, 60);
	pb_u16(&p, 2);
	pb_ptr(&p, QNAME_OFF);
	assert_int_equal(answer(&p, "a.test", MW_DNS_T_A, &ans), MW_ELIMIT);
	assert_non_null(strstr(err.msg, "CNAME chain"));

	build_cname_chain(&p, 0, true);
	assert_int_equal(answer(&p, "other.test", MW_DNS_T_A, &ans), MW_EINVAL);
	assert_int_equal(
	    answer(&p, "alias.mx-cname.test", MW_DNS_T_MX, &ans), MW_EINVAL);
}

static void
answer_status_follows_rcode(void **state)
{
	/* clang-format off */
	static const struct {
		int rcode;
		enum mw_dns_status want;
	} t[] = {
		{0, MW_DNS_NODATA}, {2, MW_DNS_SERVFAIL}, {3, MW_DNS_NXDOMAIN},
		{4, MW_DNS_SERVFAIL}, {5, MW_DNS_REFUSED},
	};
	/* clang-format on */
	struct mw_dns_answer ans;
	struct pb p;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		pb_header(&p, 1, 0x8180 | (unsigned)t[i].rcode, 1, 0, 0, 0);
		pb_question(&p, "nomx.test", MW_DNS_T_MX);
		assert_int_equal(answer(&p, "nomx.test", MW_DNS_T_MX, &ans), 0);
		assert_int_equal(ans.status, t[i].want);
		assert_int_equal(ans.rcode, t[i].rcode);
		assert_int_equal(ans.n, 0);
		assert_string_equal(ans.canonname, "nomx.test");
	}
}

static void
query_names_are_made_canonical(void **state)
{
	/* clang-format off */
	static const struct {
		const char *in;
		int rc;
		const char *want;
	} t[] = {
		{"Good.TEST.", 0, "good.test"},
		{"_dmarc.good.test", 0, "_dmarc.good.test"},
		{".", 0, ""},
		{"", MW_EINVAL, NULL},
		{"a..b", MW_EINVAL, NULL},
		{".a", MW_EINVAL, NULL},
		{"a b.test", MW_EINVAL, NULL},
		/* RFC 1035 5.1 escapes, written back as the answers write
		 * names (an SPF macro may put a space into a name) */
		{"a\\.b.test", 0, "a\\.b.test"},
		{"a\\032b.test", 0, "a\\032b.test"},
		{"\\065\\%.test", 0, "a%.test"},
		{"a\\256.test", MW_EINVAL, NULL},
		{"a\\", MW_EINVAL, NULL},
		{"caf\xc3\xa9.test", MW_EINVAL, NULL},
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 ".test", MW_EINVAL, NULL}, /* 64-octet label */
	};
	/* clang-format on */
	char out[MW_DNS_NAME_TEXT_MAX], longname[300];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc = mw__dns_name_canon(out, sizeof(out), t[i].in, &err);

		if (rc != t[i].rc)
			fail_msg("\"%s\": rc %d want %d", t[i].in, rc, t[i].rc);
		if (rc == 0)
			assert_string_equal(out, t[i].want);
	}
	/* 253 characters pass, 254 do not (RFC 1035 2.3.4). */
	memset(longname, 'a', sizeof(longname));
	for (int i = 63; i < 300; i += 64)
		longname[i] = '.';
	longname[253] = '\0';
	assert_int_equal(
	    mw__dns_name_canon(out, sizeof(out), longname, &err), 0);
	longname[253] = 'a';
	longname[254] = '\0';
	assert_int_equal(
	    mw__dns_name_canon(out, sizeof(out), longname, &err), MW_EINVAL);
}

static void
names_of_statuses_and_types(void **state)
{
	static const char *const want[] = {"ok", "nxdomain", "nodata",
	    "servfail", "refused", "timeout", "bogus", "malformed"};
	uint16_t t;

	for (int s = 0; s < MW_DNS_STATUS_COUNT; s++) {
		assert_string_equal(mw_dns_status_name(s), want[s]);
		assert_int_equal(mw_dns_status_is_temporary(s), s > 2);
	}
	assert_string_equal(mw_dnssec_name(MW_DNSSEC_BOGUS), "bogus");
	assert_string_equal(mw_dns_type_name(MW_DNS_T_TLSA), "TLSA");
	assert_null(mw_dns_type_name(4242));
	assert_int_equal(mw_dns_type_parse(&t, "mx"), 0);
	assert_int_equal(t, MW_DNS_T_MX);
	assert_int_equal(mw_dns_type_parse(&t, "TYPE65534"), 0);
	assert_int_equal(t, 65534);
	assert_int_equal(mw_dns_type_parse(&t, "TYPE65536"), MW_EINVAL);
	assert_int_equal(mw_dns_type_parse(&t, "MXX"), MW_EINVAL);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(a_and_aaaa_rdata_are_addresses),
	    T(mx_host_is_decompressed_and_null_mx_is_empty),
	    T(txt_keeps_strings_apart_and_joined),
	    T(txt_layout_is_checked),
	    T(name_types_soa_and_tlsa),
	    T(unknown_types_keep_raw_rdata),
	    T(names_are_lower_case_and_escaped),
	    T(hostile_messages_are_refused_with_a_reason),
	    T(names_at_the_limits_pass),
	    T(authority_and_additional_are_parsed),
	    T(answer_follows_cnames_and_shows_them),
	    T(answer_refuses_cname_loops_and_other_questions),
	    T(answer_status_follows_rcode),
	    T(query_names_are_made_canonical),
	    cmocka_unit_test(names_of_statuses_and_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
