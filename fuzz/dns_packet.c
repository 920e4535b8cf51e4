/*
 * dns_packet.c - libFuzzer target for lib/dns/packet.c: any bytes as a DNS
 * message, parsed into a fresh arena (one malloc per object, so ASan sees
 * each bound); a parsed message is then turned into the answer to its own
 * question, and every string is read back.  Invariants that the parser
 * promises are checked and trap when broken.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mailwhy/arena.h"
#include "mailwhy/dns.h"
#include "mailwhy/err.h"
#include "dns/packet.h"
#include "util/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok)
{
	if (!ok)
		__builtin_trap();
}

static void
name_ok(const char *s)
{
	check(s != NULL && strlen(s) < MW_DNS_NAME_TEXT_MAX);
}

static void
rr_ok(const struct mw_dns_rr *rr)
{
	size_t total = 0;

	name_ok(rr->owner);
	check(rr->rdata != NULL || rr->rdlength == 0);
	if (rr->rdlength > 0) {
		volatile uint8_t last = rr->rdata[rr->rdlength - 1];

		(void)last;
	}
	switch (rr->type) {
	case MW_DNS_T_MX:
		name_ok(rr->u.mx.host);
		break;
	case MW_DNS_T_NS:
	case MW_DNS_T_CNAME:
	case MW_DNS_T_PTR:
		name_ok(rr->u.name);
		break;
	case MW_DNS_T_SOA:
		name_ok(rr->u.soa.mname);
		name_ok(rr->u.soa.rname);
		break;
	case MW_DNS_T_TXT:
		check(rr->u.txt.n >= 1);
		for (size_t i = 0; i < rr->u.txt.n; i++) {
			check(rr->u.txt.lens[i] <= 255);
			check(rr->u.txt.strings[i][rr->u.txt.lens[i]] == '\0');
			total += rr->u.txt.lens[i];
		}
		check(total == rr->u.txt.joined_len);
		check(rr->u.txt.joined[total] == '\0');
		break;
	case MW_DNS_T_TLSA:
		check(rr->u.tlsa.len + 3 == rr->rdlength);
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mw_arena *a;
	struct mw__dns_packet pkt;
	struct mw_dns_answer ans;
	struct mw_err err;

	setenv("MAILWHY_ARENA_MALLOC", "1", 0);
	if ((a = mw_arena_new(0)) == NULL)
		return 0;
	if (mw__dns_packet_parse(&pkt, a, data, size, &err) == 0) {
		check(pkt.nrr <= MW_DNS_RR_MAX);
		check(pkt.nrr == pkt.count[0] + pkt.count[1] + pkt.count[2]);
		for (size_t i = 0; i < pkt.nrr; i++)
			rr_ok(&pkt.rr[i]);
		if (pkt.qname != NULL) {
			name_ok(pkt.qname);
			memset(&ans, 0, sizeof(ans));
			ans.qname = pkt.qname;
			ans.qtype = pkt.qtype;
			if (mw__dns_packet_answer(&ans, a, &pkt, &err) == 0) {
				name_ok(ans.canonname);
				check(ans.ncname <= MW_DNS_CNAME_CHAIN_MAX);
				check(ans.n <= pkt.count[0]);
				for (size_t i = 0; i < ans.ncname; i++)
					rr_ok(&ans.cname[i]);
				for (size_t i = 0; i < ans.n; i++)
					rr_ok(&ans.rr[i]);
				check(
				    (unsigned)ans.status < MW_DNS_STATUS_COUNT);
			}
		}
	} else {
		check(err.code != 0 && err.msg[0] != '\0');
	}
	mw_arena_free(&a);
	return 0;
}
