/*
 * limits.h - every limit mailwhy enforces, with its number and its reason.
 *
 * A limit that is hit is an explicit outcome (an error with MW_ELIMIT, a
 * permerror, an "incomplete" finding), never a silently truncated verdict.
 */
#ifndef MW_UTIL_LIMITS_H
#define MW_UTIL_LIMITS_H

/* Memory */
/* One diagnosis never needs more; stops runaway growth on hostile input. */
#define MW_ARENA_DEFAULT_CAP (64u * 1024 * 1024)
/* Arena blocks are carved from chunks of this size. */
#define MW_ARENA_CHUNK (64u * 1024)

/* Addresses (RFC 5321 4.5.3.1, RFC 3696 errata 1690) */
#define MW_ADDR_LOCAL_MAX 64	/* RFC 5321 4.5.3.1.1 local-part octets */
#define MW_ADDR_DOMAIN_MAX 255	/* RFC 5321 4.5.3.1.2 domain octets */
#define MW_ADDR_PATH_MAX 256	/* RFC 5321 4.5.3.1.3 path incl. "<" ">" */
#define MW_ADDR_MAX 254		/* 256 - the two angle brackets */
#define MW_ADDR_LABEL_MAX 63	/* RFC 1035 2.3.4 label octets */
/* Input item cap for addr: a line longer than this is not an address. */
#define MW_ADDR_INPUT_MAX 4096
/* RFC 5322 comments nest; bound the depth to stop stack/time blowup. */
#define MW_ADDR_COMMENT_DEPTH 32

/* DNS */
#define MW_DNS_NAME_MAX 255	/* RFC 1035 2.3.4 wire name length */
#define MW_DNS_LABELS_MAX 127	/* 255 / 2 */
/* Compression pointers followed per name: stops pointer loops. */
#define MW_DNS_PTR_HOPS_MAX 64
/* Records kept from one answer; a real MX/TXT set is far smaller. */
#define MW_DNS_RR_MAX 256
/* Answer packet bytes accepted (EDNS payloads are at most 65535). */
#define MW_DNS_PACKET_MAX 65535
/* Queries one resolver keeps in flight at once before queueing. */
#define MW_DNS_INFLIGHT_MAX 256
/* Default per-query timeout, milliseconds. */
#define MW_DNS_TIMEOUT_MS_DEFAULT 5000
/* MX hosts examined per domain (RFC 5321 5.1 gives no cap; 10 covers
 * every real provider and bounds the fan-out of a hostile domain). */
#define MW_MX_HOSTS_MAX 10
/* A query name in text form: 255 wire octets (RFC 1035 2.3.4) less the
 * first length octet and the root label make 253 characters. */
#define MW_DNS_QNAME_MAX 253
/* A name in presentation form, NUL included: each of the 255 wire octets
 * becomes at most 4 characters ("\DDD" escapes, or a label dot). */
#define MW_DNS_NAME_TEXT_MAX 1024
/* CNAMEs followed inside one answer.  Unbound itself restarts a query at
 * most 11 times (iterator MAX_RESTART_COUNT); 16 leaves room for that and
 * still stops a loop (a -> b -> a) in a hand-made or hostile packet. */
#define MW_DNS_CNAME_CHAIN_MAX 16
/* Longest per-query timeout a caller may ask for: one minute is far past
 * any resolver's own give-up time and keeps a timer value sane. */
#define MW_DNS_TIMEOUT_MS_MAX 60000
/* libunbound's own cap on concurrent queries (num-queries-per-thread;
 * past it new ones fail with "out of memory"): room for the
 * MW_DNS_INFLIGHT_MAX live ones plus those that timed out on our timer,
 * which libunbound keeps working on after ub_cancel until its own
 * retries give up. */
#define MW_DNS_UB_QUERIES_MAX (4 * MW_DNS_INFLIGHT_MAX)

/* Domains whose mail evidence one address checker keeps; past this the
 * finished ones are dropped, so a list of a million distinct domains
 * runs in bounded memory. */
#define MW_ADDR_DOMAIN_CACHE_MAX 65536
/* Addresses kept per MX host for the domain audit (PTR, blocklists). */
#define MW_ADDR_HOST_ADDRS_MAX 8
/* One domain's evidence: MX set, host answers, findings. */
#define MW_ADDR_DOMAIN_ARENA_CAP (1u * 1024 * 1024)

/* Internationalised domains whose IDNA result one address memo keeps
 * (mw_addr_memo): a bulk list has few distinct ones; 1024 slots of
 * about 400 bytes are 400 KiB.  Past it the least recently used go. */
#define MW_ADDR_MEMO_SLOTS 1024
/* Longest domain (UTF-8 octets, and each of its forms) the memo keeps;
 * longer ones go through libidn2 every time. */
#define MW_ADDR_MEMO_FORM_MAX 128
/* Domains whose typo verdict one typo memo keeps (mw_typo_memo), a power
 * of two.  On bench/addr's million addresses (183,541 distinct domains,
 * 81.6% repeats at best) 16384 slots of 200 bytes (3 MiB) catch 71%
 * of the lookups; 65536 would catch 81% but miss the caches more than
 * they save (measured: slower).  The least recently used go. */
#define MW_TYPO_MEMO_SLOTS 16384
/* Longest domain whose typo verdict the memo keeps; longer ones are
 * checked every time (no provider domain is near this long). */
#define MW_TYPO_MEMO_KEY_MAX 64
/* Longest suggestion the typo memo keeps: a suffix fix can grow a domain
 * by a few octets ("co.ul" -> "co.uk" does not, "con" -> "com" does not,
 * but caller lists may). */
#define MW_TYPO_MEMO_SUGGESTION_MAX 80
/* SPF (RFC 7208) */
/* 4.6.4: DNS-querying terms (include a mx ptr exists redirect) per
 * check_host(), the include tree included; more is permerror. */
#define MW_SPF_LOOKUPS_MAX 10
/* 4.6.4: lookups that find nothing (NXDOMAIN or no records); the third
 * is permerror.  Stops a record from making receivers flood DNS. */
#define MW_SPF_VOID_MAX 2
/* 4.6.4: MX records (mx) and PTR names (ptr, %{p}) examined per term;
 * more MX records is permerror, more PTR names are ignored. */
#define MW_SPF_NAMES_MAX 10
/* Terms one record may hold: a 64 KiB DNS answer has room for fewer
 * than 32768 two-byte terms ("a "); bounds the parser's memory. */
#define MW_SPF_TERMS_MAX 32768
/* 7.3: implementations must support at least 128 parts in %{d128}; a
 * larger digit count means the same as 128. */
#define MW_SPF_MACRO_PARTS_MAX 128
/* One macro expansion, bytes: URL escaping triples a character, and the
 * longest input (a 253-octet name, an explanation TXT) fits many times. */
#define MW_SPF_EXPAND_MAX 8192
/* 7.3: an expanded name is cut to 253 characters by dropping labels on
 * the left (RFC 1035 2.3.4 less the root and the first length octet). */
#define MW_SPF_DOMAIN_MAX 253
/* Records one check visits at once: each include nests one level and
 * costs a lookup, so 10 lookups allow 11 levels; 12 is a safe bound. */
#define MW_SPF_DEPTH_MAX 12
/* 3.4: a record should fit a 512-byte UDP answer; past this, receivers
 * without EDNS or TCP fail to read it (temperror, or worse). */
#define MW_SPF_RECORD_SAFE 512
/* RFC 1035 3.3: one TXT character-string holds at most 255 octets; a
 * longer record must be published as several strings (RFC 7208 3.3). */
#define MW_SPF_STRING_MAX 255
/* Records one audit walks (include and redirect targets): 10 lookups
 * make a valid tree small; 64 shows what an over-limit tree holds. */
#define MW_SPF_AUDIT_NODES_MAX 64
/* Answers one SPF checker keeps (opts.cache_base): the records, MX and
 * address sets of a busy receiver's senders fit; past it, all go. */
#define MW_SPF_CACHE_MAX 65536
/* Seconds a negative answer (NXDOMAIN, NODATA) is kept: mw_dns does not
 * give the SOA minimum (RFC 2308 5), and a minute bounds staleness. */
#define MW_SPF_CACHE_NEG_TTL 60
/* Path entries kept per check (records visited). */
#define MW_SPF_PATH_MAX 32
/* DMARC (RFC 9989) */
/* The DNS tree walk asks at most 8 names: the domain itself, then from
 * at most 7 labels up to the TLD (RFC 9989 4.10.1): a hostile deep name
 * cannot make the walk fan out. */
#define MW_DMARC_WALK_MAX 8
#define MW_DMARC_WALK_LABELS 7
/* Tags kept from one record: the RFC defines 14 (with the removed ones);
 * past 64 the record is hostile and is refused as invalid. */
#define MW_DMARC_TAGS_MAX 64
/* Report URIs examined per rua/ruf tag; receivers must honour at least 2
 * (RFC 9989 4.7), real records hold 1-3; bounds the authorisation
 * lookups a record can trigger. */
#define MW_DMARC_URIS_MAX 8

/* DKIM keys (RFC 6376 3.6.1, RFC 8301) */
/* Tags kept from one key record (RFC 6376 defines 7). */
#define MW_DKIM_TAGS_MAX 32
/* Base64 characters of p=: an RSA-16384 SubjectPublicKeyInfo is about
 * 2.8k characters; 8k refuses garbage before decoding it. */
#define MW_DKIM_KEY_B64_MAX 8192
/* RSA modulus sizes: below 1024 must fail (RFC 8301 3.2); 1024 is
 * Gmail's minimum and warned about; 2048 is what we recommend. */
#define MW_DKIM_RSA_MIN_BITS 1024
#define MW_DKIM_RSA_GOOD_BITS 2048
/* Selectors tried for one domain (given and discovered together): the
 * discovery list is about 40; 64 bounds the fan-out of a long
 * --selector list. */
#define MW_DKIM_SELECTORS_MAX 64

/* Sending IPs, reverse DNS, blocklists */
/* Sending addresses examined per domain (--ip, SPF ip4/ip6, MX hosts):
 * every address costs a PTR, its forward lookups and one query per
 * blocklist. */
#define MW_SENDING_IPS_MAX 16
/* PTR names followed per address for forward confirmation: RFC 7208
 * 5.5 stops at 10 and so do we. */
#define MW_PTR_NAMES_MAX 10
/* Blocklist zones queried per run (built-in and --dnsbl together). */
#define MW_DNSBL_ZONES_MAX 32
/* Addresses one blocklist answer may hold that we examine. */
#define MW_DNSBL_CODES_MAX 16

/* Reports */
#define MW_REPORT_FINDINGS_MAX 256 /* per subject; a loop cannot flood */
#define MW_REPORT_FACTS_MAX 64
#define MW_FINDING_ARGS 3	   /* {1} {2} {3} in texts */

/* Output */
/* One rendered report; far beyond any real one. */
#define MW_RENDER_MAX (4u * 1024 * 1024)

/* Knowledge base and typo suggestions (lib/kb, lib/addr/typo.c) */
/* Longest provider or caller-list domain the edit-distance DP compares:
 * its rows live on the stack; no real provider domain is near this. */
#define MW_TYPO_TARGET_MAX 63
/* Provider domains the typo index holds (bitsets of this many bits); the
 * generator refuses more rather than silently dropping any. */
#define MW_TYPO_TARGETS_MAX 512
/* Highest edit cost (x10 per plain edit) a caller may ask for: past three
 * edits every short domain is "close" to some provider. */
#define MW_TYPO_COST_MAX 30
/* Entries of one caller-supplied list (mw_typo_opts) examined per check;
 * bounds the time of one check against a runaway list. */
#define MW_TYPO_LIST_MAX 100000

/* MIME (lib/mime) */
/* Largest message read whole; real bounces are far smaller (the copy of
 * the original is what makes them big), and mail systems commonly refuse
 * messages over 25-50 MB anyway. */
#define MW_MIME_MESSAGE_MAX (32u * 1024 * 1024)
/* Nesting of multiparts and attached messages followed; a bounce needs 3
 * (report > message/rfc822 > its multipart), 16 stops recursion bombs. */
#define MW_MIME_DEPTH_MAX 16
/* Leaf parts kept per message; a real report has 2-4, a hostile one
 * thousands (each costs a GMime object and a decode). */
#define MW_MIME_PARTS_MAX 128
/* Decoded text kept per part: the explanation of a bounce is in the first
 * kilobytes; past this the part is cut and the cut is recorded. */
#define MW_MIME_TEXT_MAX (256u * 1024)
/* The most UTF-8 bytes a charset conversion is taken to write per input
 * byte: 3 for a CJK or single-byte character set, up to 12 for TSCII's
 * one-byte ligatures (4 characters of 3 bytes); 16 leaves room.  A
 * converted part whose raw size times this could pass MW_MIME_TEXT_MAX
 * is decoded while parsing, so whether it is cut is known then; smaller
 * ones wait until read (mw_mime_part_data). */
#define MW_MIME_UTF8_GROWTH 16
/* Header fields kept per message or part; real ones carry 20-80
 * (Received lines included), a header bomb carries millions. */
#define MW_MIME_HEADERS_MAX 256
/* One unfolded header value kept; RFC 5322 2.1.1 lines are 998 octets
 * and long Received or DKIM fields fold to a few thousand. */
#define MW_MIME_HEADER_MAX 8192
/* Charsets whose glibc converter stays loaded once seen (lib/mime
 * pin_charset): bounces use a dozen; past this a new one is loaded and
 * unloaded per use again, which is slower but still right. */
#define MW_MIME_CHARSET_PINS 32

/* Bounces (lib/bounce: RFC 3464, RFC 6533, RFC 5965, RFC 3834) */
/* One delivery-status field, folded lines joined.  RFC 5322 2.1.1 caps a
 * line at 998 octets; Diagnostic-Code lines fold, so allow 8 lines' worth
 * and refuse to grow without bound. */
#define MW_DSN_FIELD_MAX 8192
/* Fields per delivery-status block: RFC 3464 2.2 and 2.3 define 14; the
 * rest are extensions (X-*).  More is garbage. */
#define MW_DSN_FIELDS_MAX 64
/* Recipients reported per message (delivery-status blocks, or addresses
 * found in a text bounce).  A real DSN names at most the message's
 * recipients, and RFC 5321 4.5.3.1.8 only requires 100 of those. */
#define MW_BOUNCE_RCPTS_MAX 100
/* Diagnostic text kept per recipient: an SMTP reply is at most a few
 * lines (RFC 5321 4.5.3.1.5: 512 octets each). */
#define MW_BOUNCE_DIAG_MAX 2048
/* Lines of a text bounce scanned before the copy of the original; the
 * explanation part of a real bounce has tens. */
#define MW_BOUNCE_BODY_LINES_MAX 4000
/* One body line examined (RFC 5322 2.1.1: 998 + CRLF); longer lines are
 * cut, not rejected: MTAs do send over-long lines. */
#define MW_BOUNCE_LINE_MAX 1000
/* Memory for one message's parse and report (mailwhy bounce): the
 * normalised copy (up to MW_MIME_MESSAGE_MAX), its decoded parts (each up
 * to MW_MIME_TEXT_MAX, at most MW_MIME_PARTS_MAX) and the report. */
#define MW_BOUNCE_ARENA_MAX (128u * 1024 * 1024)
/* A bounce forwarded as an attachment (a user sends it to the help
 * desk, a gateway wraps it): the attached messages tried per message,
 * and how deep the forwards are followed. */
#define MW_BOUNCE_FORWARDS_MAX 4
#define MW_BOUNCE_FORWARD_DEPTH 3
/* A web address taken from a server's words (bounce.help_url): the
 * pages providers cite (support.google.com/mail/?p=..., their error-code
 * pages) are under 100 bytes; a longer one is more likely noise. */
#define MW_BOUNCE_URL_MAX 256
/* Messages read from one mbox file or Maildir folder. */
#define MW_BOUNCE_FOLDER_MAX 1000000

#endif
