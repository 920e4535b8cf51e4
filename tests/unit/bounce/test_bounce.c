/*
 * Unit tests of lib/bounce: the delivery-status field parser (RFC 3464
 * 2.1-2.3), enhanced status codes (RFC 3463 2), reply codes (RFC 5321
 * 4.2) and the reason classifier.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mailwhy/arena.h"
#include "mailwhy/bounce.h"
#include "mailwhy/report.h"

static int
dsn(struct mw_dsn *d, struct mw_arena *a, const char *s)
{
	return mw_dsn_parse(d, a, (const uint8_t *)s, strlen(s), NULL);
}

/* RFC 3464 2.1: per-message block, blank line, per-recipient blocks. */
static void
dsn_blocks_rfc3464_2_1(void **state)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_dsn d;

	assert_int_equal(dsn(&d, a,
	    "Reporting-MTA: dns; mx.example.org\r\n"
	    "Arrival-Date: Thu, 29 Apr 2010 23:34:45 +0900\r\n\r\n"
	    "Final-Recipient: rfc822; a@example.jp\r\n"
	    "Action: failed\r\nStatus: 5.1.1\r\n"
	    "Remote-MTA: dns; mx.example.jp\r\n"
	    "Diagnostic-Code: smtp; 550 5.1.1 <a@example.jp>:\r\n"
	    "    Recipient address rejected: User unknown\r\n\r\n"
	    "Original-Recipient: rfc822; B@example.jp\r\n"
	    "Final-Recipient: rfc822; b@example.jp\r\n"
	    "Action: delayed\r\nStatus: 4.4.7\r\n"), 0);
	assert_int_equal(d.nrcpts, 2);
	assert_string_equal(d.reporting_mta, "dns; mx.example.org");
	assert_string_equal(mw_dsn_value(d.rcpts[0].final_recipient),
	    "a@example.jp");
	assert_string_equal(d.rcpts[0].diagnostic_code,
	    "smtp; 550 5.1.1 <a@example.jp>: Recipient address rejected: "
	    "User unknown");
	assert_string_equal(d.rcpts[1].status, "4.4.7");
	assert_string_equal(mw_dsn_value(d.rcpts[1].original_recipient),
	    "B@example.jp");
	mw_arena_free(&a);
}

/* Real MTAs omit blank lines: a second Final-Recipient starts anew. */
static void
dsn_no_blank_lines(void **state)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_dsn d;

	assert_int_equal(dsn(&d, a,
	    "Reporting-MTA: dns; x\nFinal-Recipient: rfc822; a@x.jp\n"
	    "Status: 5.0.0\nFinal-Recipient: rfc822; b@x.jp\nStatus: 5.2.2\n"),
	    0);
	assert_int_equal(d.nrcpts, 2);
	assert_string_equal(d.rcpts[1].status, "5.2.2");
	mw_arena_free(&a);
}

/* Garbage, empty input and bare CR endings never fail or crash. */
static void
dsn_garbage(void **state)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_dsn d;

	assert_int_equal(dsn(&d, a, ""), 0);
	assert_int_equal(d.nrcpts, 0);
	assert_int_equal(dsn(&d, a, ":\n::\n \n\t\nno colon here"), 0);
	assert_int_equal(d.nrcpts, 0);
	assert_int_equal(dsn(&d, a,
	    "Final-Recipient: rfc822; c@x.jp\rStatus: 5.1.1\r"), 0);
	assert_int_equal(d.nrcpts, 1);
	assert_string_equal(d.rcpts[0].status, "5.1.1");
	mw_arena_free(&a);
}

/* MW_BOUNCE_RCPTS_MAX recipients, then truncated. */
static void
dsn_recipient_cap(void **state)
{
	struct mw_arena *a = mw_arena_new(0);
	char buf[20000];
	size_t n = 0;
	struct mw_dsn d;
	int i;

	for (i = 0; i < 150; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
		    "Final-Recipient: rfc822; u%d@x.jp\n\n", i);
	assert_int_equal(dsn(&d, a, buf), 0);
	assert_int_equal(d.nrcpts, 100);
	assert_true(d.truncated);
	mw_arena_free(&a);
}

static void
esc_codes_rfc3463_2(void **state)
{
	static const struct {
		const char *text;
		bool found;
		unsigned c, s, d;
	} t[] = {
		{"550 5.1.1 <a@b>: unknown", true, 5, 1, 1},
		{"452 4.2.2 over quota", true, 4, 2, 2},
		{"host 192.0.2.1 said 550", false, 0, 0, 0},  /* an IP */
		{"version 5.7.10.1 error 5.7.26 x", true, 5, 7, 26},
		{"3.1.1", false, 0, 0, 0},		       /* class 3 */
		{"5.8.1", false, 0, 0, 0},		       /* subject 8 */
		{"#5.1.1", true, 5, 1, 1},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct mw_esc e;
		bool f = mw_esc_find(&e, (const uint8_t *)t[i].text,
		    strlen(t[i].text));

		assert_int_equal(f, t[i].found);
		if (f) {
			assert_int_equal(e.cls, t[i].c);
			assert_int_equal(e.subject, t[i].s);
			assert_int_equal(e.detail, t[i].d);
		}
	}
}

static void
reply_codes_rfc5321_4_2(void **state)
{
	static const struct {
		const char *text;
		int code;
	} t[] = {
		{"550 5.1.1 user unknown", 550},
		{"said: 452-4.2.2 full", 452},
		{"ip 192.0.2.250 blocked", 0},
		{"error 600 nothing", 0},
		{"queue id550 x", 0},
		{"421", 421},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(mw_reply_code_find((const uint8_t *)t[i].text,
		    strlen(t[i].text)), t[i].code);
}

/* Status-code mapping and the words that refine it. */
static void
reasons_table(void **state)
{
	static const struct {
		const char *diag, *status, *action, *cmd, *want;
		int reply;
	} t[] = {
		{"550 5.1.1 <a@b>: Recipient address rejected: User unknown",
		    "5.1.1", "failed", "RCPT", "userunknown", 550},
		{"552 5.2.2 Mailbox full", "5.2.2", "failed", "", "mailboxfull",
		    552},
		/* a 5.1.1 that says the box is full: the words win */
		{"550 5.1.1 mailbox is full", "5.1.1", "failed", "",
		    "mailboxfull", 550},
		{"", "5.1.2", "failed", "", "hostunknown", 0},
		{"", "5.3.4", "failed", "", "mesgtoobig", 0},
		{"", "2.1.5", "delivered", "", "delivered", 250},
		{"", "4.4.7", "delayed", "", "expired", 0},
		{"554 5.7.1 Service unavailable; Client host [192.0.2.1] "
		    "blocked using zen.spamhaus.org", "5.7.1", "failed", "RCPT",
		    "blocked", 554},
		{"550 5.7.26 This mail has been blocked because the sender is "
		    "unauthenticated.", "5.7.26", "failed", "DATA",
		    "authfailure", 550},
		{"550 5.7.1 Message rejected under suspicion of SPAM", "5.7.1",
		    "failed", "DATA", "spamdetected", 550},
		{"Relay access denied", "5.7.1", "failed", "RCPT",
		    "norelaying", 554},
		/* user unknown after DATA is the recipient's filter */
		{"550 Unknown user", "", "failed", "DATA", "filtered", 550},
		{"", "", "failed", "", "undefined", 0},
		{"something odd", "", "failed", "", "onhold", 0},
		/* RFC 5321 4.2.1: the continuation prefixes are no words */
		{"452-4.2.1 The user you are trying to contact is receiving "
		    "mail at a rate that\n452-4.2.1 prevents additional messages "
		    "from being delivered.", "4.2.1", "failed", "RCPT",
		    "speeding", 452},
		/* a connection rate is not a message rate */
		{"452 4.3.2 Connection rate limit exceeded.", "4.3.2", "failed",
		    "", "toomanyconn", 452},
		/* RFC 7505: a null MX takes no mail, whatever else is said */
		{"DNS Error: DNS type 'mx' lookup of example.org responded with "
		    "code NOERROR The domain example.org doesn't receive email "
		    "according to the administrator: returned Null MX", "4.0.0",
		    "failed", "", "notaccept", 0},
		{"Sorry, I couldn't find a mail exchanger or IP address. "
		    "(#5.4.4)", "5.4.4", "failed", "", "notaccept", 0},
		/* RFC 3463 X.1.6: the mailbox has moved */
		{"551 not our customer", "5.1.6", "failed", "RCPT", "hasmoved",
		    551},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *got = mw_bounce_reason(t[i].diag, t[i].status,
		    t[i].reply, t[i].action, "smtp", t[i].cmd);

		if (strcmp(got, t[i].want) != 0)
			fail_msg("case %zu: want %s got %s", i, t[i].want, got);
	}
}

static void
reason_vocabulary(void **state)
{
	size_t n;
	const struct mw_reason_info *all = mw_reason_all(&n);

	assert_int_equal(n, 36); /* sisimai v5: 36 reasons */
	assert_true(mw_reason_get("userunknown")->hard);
	assert_false(mw_reason_get("mailboxfull")->hard);
	assert_null(mw_reason_get("nosuchreason"));
	(void)all;
}

/* A whole Postfix DSN through MIME to the verdict. */
static void
bounce_postfix_dsn(void **state)
{
	static const char msg[] =
	    "From: MAILER-DAEMON@example.org (Mail Delivery System)\r\n"
	    "To: sender@example.org\r\nSubject: Undelivered Mail\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/report; report-type=delivery-status;"
	    " boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n"
	    "<rcpt@example.jp>: host mx.example.jp[192.0.2.1] said: 550 "
	    "5.1.1 <rcpt@example.jp>: Recipient address rejected: User "
	    "unknown (in reply to RCPT TO command)\r\n\r\n--B\r\n"
	    "Content-Type: message/delivery-status\r\n\r\n"
	    "Reporting-MTA: dns; example.org\r\n\r\n"
	    "Final-Recipient: rfc822; rcpt@example.jp\r\nAction: failed\r\n"
	    "Status: 5.1.1\r\nRemote-MTA: dns; mx.example.jp\r\n"
	    "Diagnostic-Code: smtp; 550 5.1.1 <rcpt@example.jp>: Recipient "
	    "address rejected: User unknown\r\n\r\n--B--\r\n";
	struct mw_arena *a = mw_arena_new(0);
	struct mw_bounce b;

	assert_int_equal(mw_bounce_parse(&b, a, (const uint8_t *)msg,
	    sizeof(msg) - 1, NULL), 0);
	assert_int_equal(b.kind, MW_BOUNCE_FAILURE);
	assert_int_equal(b.nrcpts, 1);
	assert_string_equal(b.rcpts[0].recipient, "rcpt@example.jp");
	assert_string_equal(b.rcpts[0].reason, "userunknown");
	assert_string_equal(b.rcpts[0].status, "5.1.1");
	assert_int_equal(b.rcpts[0].reply_code, 550);
	assert_true(b.rcpts[0].hard);
	assert_string_equal(b.rcpts[0].remote_mta, "mx.example.jp");
	assert_false(b.forwarded); /* a report is read as itself */
	/* X.1.1 with words that agree: the code decided */
	assert_int_equal(b.rcpts[0].basis, MW_BASIS_STATUS);
	assert_string_equal(b.rcpts[0].phrase, "");
	mw_arena_free(&a);
}

/* Which address is "the recipient", and what each layout says. */
static void
bounce_recipient_layouts(void **state)
{
	static const struct {
		const char *name, *msg, *rcpt, *final, *reason;
	} t[] = {
		{"RFC 3464 2.3.1: Original-Recipient over an alias expansion",
		    "From: MAILER-DAEMON@example.org\r\n"
		    "Subject: Undelivered Mail Returned to Sender\r\n"
		    "MIME-Version: 1.0\r\nContent-Type: multipart/report; "
		    "report-type=delivery-status; boundary=\"B\"\r\n\r\n"
		    "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
		    "Reporting-MTA: dns; example.org\r\n\r\n"
		    "Final-Recipient: rfc822; r@host.example.org\r\n"
		    "Original-Recipient: rfc822;Kijitora@example.org\r\n"
		    "Action: failed\r\nStatus: 5.1.1\r\n"
		    "Diagnostic-Code: smtp; 550 5.1.1 User unknown (in reply "
		    "to RCPT TO command)\r\n\r\n--B--\r\n",
		    "kijitora@example.org", "r@host.example.org",
		    "userunknown"},
		{"X-Actual-Recipient is the mailbox after aliasing",
		    "From: MAILER-DAEMON@example.org\r\nSubject: Returned mail"
		    "\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; "
		    "report-type=delivery-status; boundary=\"B\"\r\n\r\n"
		    "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
		    "Final-Recipient: RFC822; info@example.jp\r\n"
		    "X-Actual-Recipient: RFC822; fwd@example.com\r\n"
		    "Action: failed\r\nStatus: 5.2.2\r\n"
		    "Diagnostic-Code: SMTP; 552 5.2.2 Mailbox full\r\n\r\n"
		    "--B--\r\n",
		    "info@example.jp", "fwd@example.com", "mailboxfull"},
		{"Sendmail V5: reply code before the address, transcript above",
		    "From: Mail Delivery Subsystem <MAILER-DAEMON@example.net>"
		    "\r\nSubject: Returned mail: Deferred\r\n\r\n"
		    "   ----- Transcript of session follows -----\r\n"
		    "While talking to mx.example.edu:\r\n"
		    ">>> MAIL From:<s@example.jp>\r\n"
		    "<<< 550 Insecure Mail Relay\r\n"
		    "554 <k@example.edu>... Remote protocol error\r\n\r\n"
		    "   ----- Unsent message follows -----\r\n"
		    "From: s@example.jp\r\nTo: k@example.edu\r\n\r\nhi\r\n",
		    "k@example.edu", "", "norelaying"},
		{"no recipient named: the To: of the returned original",
		    "From: Mail Delivery Subsystem <MAILER-DAEMON@example.com>"
		    "\r\nSubject: Returned mail: Cannot send message for 4 "
		    "days\r\nTo: s@example.co.jp\r\n\r\n"
		    "421 example.com (smtp)... Deferred: Connection timed out"
		    " during user open with example.com\r\n\r\n"
		    "From: s@example.co.jp\r\nTo: k@example.com\r\n\r\nhi\r\n",
		    "k@example.com", "", "expired"},
		{"RFC 3464 2.3.4: a Status comment is evidence (PowerMTA)",
		    "From: MAILER-DAEMON@example.net\r\nSubject: failure\r\n"
		    "MIME-Version: 1.0\r\nContent-Type: multipart/report; "
		    "report-type=delivery-status; boundary=\"B\"\r\n\r\n"
		    "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
		    "Final-Recipient: rfc822; k@example.jp\r\n"
		    "Action: failed\r\n"
		    "Status: 5.2.1 (mailbox disabled, not accepting messages)"
		    "\r\nDiagnostic-Code: smtp;550 5.2.1 <k@example.jp>... "
		    "User Unknown\r\n\r\n--B--\r\n",
		    "k@example.jp", "", "suspend"},
		{"Google Groups: the four-bullet notice is a refused post",
		    "From: Mail Delivery Subsystem "
		    "<mailer-daemon@googlemail.com>\r\n"
		    "Subject: Delivery Status Notification (Failure)\r\n"
		    "X-Failed-Recipients: list@googlegroups.com\r\n\r\n"
		    "Hallo k@example.jp,\r\n\r\nText in any language.\r\n\r\n"
		    " * one\r\n * two\r\n * three\r\n * four\r\n\r\n"
		    "Google Groups\r\n",
		    "list@googlegroups.com", "", "rejected"},
		{"RFC 5321 4.2.1: Sendmail keeps a multiline reply's first "
		    "line in the DSN, the transcript has the rest",
		    "From: MAILER-DAEMON@example.jp\r\nSubject: Returned mail"
		    "\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; "
		    "report-type=delivery-status; boundary=\"B\"\r\n\r\n"
		    "--B\r\n\r\n   ----- Transcript of session follows -----\r\n"
		    ">>> DATA\r\n<<< 550-5.7.1 Unauthenticated email from "
		    "example.com is not accepted due to domain's\r\n"
		    "<<< 550-5.7.1 DMARC policy. Please contact the "
		    "administrator\r\n<<< 550 5.7.1 DMARC initiative.\r\n"
		    "\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\n"
		    "Final-Recipient: RFC822; k@example.net\r\n"
		    "Action: failed\r\nStatus: 5.7.1\r\n"
		    "Diagnostic-Code: SMTP; 550-5.7.1 Unauthenticated email "
		    "from example.com is not accepted due to domain's\r\n"
		    "\r\n--B--\r\n",
		    "k@example.net", "", "authfailure"},
		{"Sendmail, text only: \"(expanded from: addr)\" under the "
		    "recipient names the address the sender wrote",
		    "From: Mail Delivery Subsystem <MAILER-DAEMON@example.net>"
		    "\r\nSubject: Returned mail: see transcript for details"
		    "\r\n\r\n"
		    "   ----- The following addresses had permanent fatal "
		    "errors -----\r\nneko@host.example.net\r\n"
		    "    (expanded from: <Kijitora@example.net>)\r\n\r\n"
		    "   ----- Transcript of session follows -----\r\n"
		    "550 5.1.1 neko@host.example.net... User unknown\r\n\r\n"
		    "   ----- Unsent message follows -----\r\n"
		    "From: s@example.jp\r\nTo: kijitora@example.net\r\n\r\n"
		    "hi\r\n",
		    "kijitora@example.net", "neko@host.example.net",
		    "userunknown"},
		{"Postfix, text only: \"<addr> (expanded from <addr>):\"",
		    "From: MAILER-DAEMON@example.org (Mail Delivery System)\r\n"
		    "Subject: Undelivered Mail Returned to Sender\r\n\r\n"
		    "<neko@host.example.net> (expanded from "
		    "<kijitora@example.org>): host mx.example.net[192.0.2.1] "
		    "said: 552 5.2.2 Mailbox full (in reply to RCPT TO "
		    "command)\r\n",
		    "kijitora@example.org", "neko@host.example.net",
		    "mailboxfull"},
		{"Microsoft \"Non-Delivery\" subject (Exchange 5.5, CDO): a "
		    "bounce though the sender is no daemon",
		    "From: <admin@example.com>\r\n"
		    "Subject: Non-Delivery: hello\r\n"
		    "To: <s@example.org>\r\n\r\n"
		    "--- Non-Delivery Report ---\r\n"
		    "The email below could not be delivered to the following "
		    "user:\r\n\r\n"
		    "\"neko@example.com\" <neko@example.com>\r\n\r\n"
		    "550 5.1.1 User unknown\r\n",
		    "neko@example.com", "", "userunknown"},
		{"Amazon SES: the JSON notification is the report",
		    "From: SES <no-reply@sns.amazonaws.com>\r\n"
		    "Subject: AWS Notification Message\r\n"
		    "Content-Type: text/plain; charset=UTF-8\r\n\r\n"
		    "{\"notificationType\":\"Bounce\",\"bounce\":{"
		    "\"bounceType\":\"Permanent\",\"bouncedRecipients\":[{"
		    "\"emailAddress\":\"U@example.com\",\"action\":\"failed\","
		    "\"status\":\"5.1.1\",\"diagnosticCode\":\"smtp; 550 5.1.1 "
		    "user unknown\"}]}}\r\n--\r\nIf you wish to stop receiving "
		    "notifications...\r\n",
		    "u@example.com", "", "userunknown"},
		{"a transcript's 2xx replies worked: the last 4xx is the failure",
		    "From: MAILER-DAEMON@example.com (Mail Delivery System)\r\n"
		    "Subject: Undelivered Mail Returned to Sender\r\n"
		    "MIME-Version: 1.0\r\nContent-Type: multipart/report; "
		    "report-type=delivery-status; boundary=\"B\"\r\n\r\n"
		    "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
		    "Final-Recipient: rfc822; k@example.net\r\n"
		    "Action: failed\r\n"
		    "Diagnostic-Code: X-Postfix; Out: 250 2.1.5 Ok In: DATA "
		    "Out: 451 4.3.0 Error: queue file write error\r\n"
		    "\r\n--B--\r\n",
		    "k@example.net", "", "systemerror"},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct mw_arena *a = mw_arena_new(0);
		struct mw_bounce b;

		print_message("%s\n", t[i].name);
		assert_int_equal(mw_bounce_parse(&b, a,
		    (const uint8_t *)t[i].msg, strlen(t[i].msg), NULL), 0);
		assert_int_equal(b.kind, MW_BOUNCE_FAILURE);
		assert_true(b.nrcpts >= 1);
		assert_string_equal(b.rcpts[0].recipient, t[i].rcpt);
		assert_string_equal(b.rcpts[0].final_recipient, t[i].final);
		assert_string_equal(b.rcpts[0].reason, t[i].reason);
		mw_arena_free(&a);
	}
}

/* Complaints and opt-outs that are not RFC 5965 multipart/reports. */
static void
bounce_feedback_variants(void **state)
{
	static const struct {
		const char *name, *msg, *rcpt, *type;
	} t[] = {
		{"the ARF drafts' Removal-Recipient names the address",
		    "From: <fbl@example.com>\r\nSubject: FW: x\r\n"
		    "MIME-Version: 1.0\r\nContent-Type: multipart/report; "
		    "report-type=feedback-report; boundary=\"B\"\r\n\r\n"
		    "--B\r\nContent-Type: message/feedback-report\r\n\r\n"
		    "Feedback-Type: opt-out\r\nUser-Agent: ARF-Agent/1.0\r\n"
		    "Version: 0.1\r\nRemoval-Recipient: User@example.com\r\n"
		    "\r\n--B--\r\n",
		    "user@example.com", "opt-out"},
		{"Outlook.com JMRP: no report part, the complainant in the "
		    "returned message's X-HmXmrOriginalRecipient",
		    "From: staff@hotmail.com\r\n"
		    "Subject: complaint about message from 192.0.2.1\r\n"
		    "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
		    "boundary=\"B\"\r\n\r\n--B\r\n"
		    "Content-Type: message/rfc822\r\n\r\n"
		    "X-HmXmrOriginalRecipient: k@example.com\r\n"
		    "From: s@example.org\r\nTo: other@example.com\r\n"
		    "Subject: x\r\n\r\nbody\r\n--B--\r\n",
		    "k@example.com", "abuse"},
		{"Apple Mail's unsubscribe is an opt-out, not a vacation reply",
		    "From: k@icloud.com\r\nTo: opt-out-1@example.org\r\n"
		    "Subject: unsubscribe\r\nX-Apple-Unsubscribe: true\r\n"
		    "\r\nApple Mail sent this email to unsubscribe.\r\n",
		    "k@icloud.com", "opt-out"},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct mw_arena *a = mw_arena_new(0);
		struct mw_bounce b;

		print_message("%s\n", t[i].name);
		assert_int_equal(mw_bounce_parse(&b, a,
		    (const uint8_t *)t[i].msg, strlen(t[i].msg), NULL), 0);
		assert_int_equal(b.kind, MW_BOUNCE_FEEDBACK);
		assert_int_equal(b.nrcpts, 1);
		assert_string_equal(b.rcpts[0].recipient, t[i].rcpt);
		assert_string_equal(b.rcpts[0].reason, "feedback");
		assert_string_equal(b.rcpts[0].feedback_type, t[i].type);
		mw_arena_free(&a);
	}
}

static void
bounce_not_and_tiny(void **state)
{
	struct mw_arena *a = mw_arena_new(0);
	struct mw_bounce b;
	static const char hello[] = "From: a@b.c\nSubject: hi\n\nhello\n";

	assert_int_equal(mw_bounce_parse(&b, a, (const uint8_t *)"", 0,
	    NULL), 0);
	assert_int_equal(b.kind, MW_BOUNCE_NOT);
	assert_int_equal(mw_bounce_parse(&b, a, (const uint8_t *)"\n", 1,
	    NULL), 0);
	assert_int_equal(mw_bounce_parse(&b, a, (const uint8_t *)hello,
	    sizeof(hello) - 1, NULL), 0);
	assert_int_equal(b.kind, MW_BOUNCE_NOT);
	mw_arena_free(&a);
}

/* Text-only bounces: HTML tags out, the remote host and the SMTP
 * command from the words. */
static void
bounce_text_layouts(void **state)
{
	static const char html[] =
	    "From: Mail Delivery System <mailer-daemon@example.org>\r\n"
	    "Subject: Undeliverable: hello\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/html; charset=us-ascii\r\n\r\n"
	    "<html><body><p>Delivery has failed to these recipients:<br>"
	    "<b>Kijitora@Example.JP</b>: mailbox unavailable, user unknown"
	    "</p><div>Remote server returned '550 5.1.1 RESOLVER.ADR."
	    "RecipNotFound; not found (in reply to RCPT TO command)'</div>"
	    "</body></html>\r\n";
	static const char host[] =
	    "From: MAILER-DAEMON@example.org\r\n"
	    "Subject: Undelivered Mail Returned to Sender\r\n\r\n"
	    "This is the mail system.\r\n\r\n"
	    "<neko@example.net>: host unknown to us; connected to "
	    "MX1.Example.NET. said: 552 5.2.2 mailbox full (in reply to "
	    "end of DATA command)\r\n";
	struct mw_arena *a = mw_arena_new(0);
	struct mw_bounce b;

	(void)state;
	assert_int_equal(mw_bounce_parse(&b, a, (const uint8_t *)html,
	    sizeof(html) - 1, NULL), 0);
	assert_int_equal(b.kind, MW_BOUNCE_FAILURE);
	assert_int_equal(b.nrcpts, 1);
	assert_string_equal(b.rcpts[0].recipient, "kijitora@example.jp");
	assert_string_equal(b.rcpts[0].reason, "userunknown");
	assert_string_equal(b.rcpts[0].command, "RCPT");
	assert_null(strchr(b.rcpts[0].diagnostic, '<'));
	/* "host unknown" names no host: the later "connected to" does */
	assert_int_equal(mw_bounce_parse(&b, a, (const uint8_t *)host,
	    sizeof(host) - 1, NULL), 0);
	assert_int_equal(b.nrcpts, 1);
	assert_string_equal(b.rcpts[0].recipient, "neko@example.net");
	assert_string_equal(b.rcpts[0].remote_mta, "MX1.Example.NET");
	assert_string_equal(b.rcpts[0].command, "DATA");
	assert_string_equal(b.rcpts[0].reason, "mailboxfull");
	assert_int_equal(b.rcpts[0].basis, MW_BASIS_STATUS);
	mw_arena_free(&a);
}

/* The returned original is the sender's text: quoted with "> " it
 * names no failed recipient, and its words (a mailer's version "2.1.5")
 * are not the failure's. */
static void
bounce_original_is_not_evidence(void **state)
{
	static const char quoted[] =
	    "From: postmaster@example.net\r\n"
	    "Subject: Undeliverable mail\r\nTo: s@example.org\r\n\r\n"
	    "Delivery of email to this address\r\n\r\n"
	    "\"neko@example.net\"\r\n\r\n"
	    "has been postponed due to a full mailbox.\r\n\r\n"
	    "The first lines of your original message follow:\r\n"
	    "> Received: from mx.example.org (192.0.2.1)\r\n"
	    ">\tby mail.example.net with SMTP; Thu, 19 Feb 2009\r\n"
	    "> X-Mailer: Example Mailer 2.1.5\r\n"
	    "> List-Help: <mailto:list-request@example.org?subject=help>"
	    "\r\n> To: \"List\" <list@example.org>\r\n\r\nhi\r\n";
	static const char copied[] =
	    "From: MAILER-DAEMON@example.net\r\n"
	    "Subject: Undeliverable Mail\r\n\r\n"
	    "Invalid final delivery userid: neko@example.net\r\n\r\n"
	    "  Original message follows.\r\n\r\n"
	    "Received: from mx.example.org [192.0.2.1] by mx.example.net\r\n"
	    "  (SMTPD32-8.05) id AA01; Fri, 10 Mar 2006 09:37:30 +0900\r\n"
	    "X-Mailman-Version: 2.1.5\r\nTo: neko@example.net\r\n\r\n"
	    "hi\r\n";
	struct mw_arena *a = mw_arena_new(0);
	struct mw_bounce b;

	(void)state;
	assert_int_equal(mw_bounce_parse(&b, a, (const uint8_t *)quoted,
	    sizeof(quoted) - 1, NULL), 0);
	assert_int_equal(b.kind, MW_BOUNCE_FAILURE);
	assert_int_equal(b.nrcpts, 1);
	assert_string_equal(b.rcpts[0].recipient, "neko@example.net");
	assert_string_equal(b.rcpts[0].reason, "mailboxfull");
	assert_int_equal(mw_bounce_parse(&b, a, (const uint8_t *)copied,
	    sizeof(copied) - 1, NULL), 0);
	assert_int_equal(b.nrcpts, 1);
	assert_string_equal(b.rcpts[0].recipient, "neko@example.net");
	assert_string_equal(b.rcpts[0].reason, "userunknown");
	assert_true(b.rcpts[0].hard);
	mw_arena_free(&a);
}

/* A bounce forwarded as an attachment is read from the attachment; a
 * report's own returned original is not. */
static void
bounce_forwarded(void **state)
{
	static const char fwd[] =
	    "From: Neko <neko@example.org>\r\nTo: help@example.org\r\n"
	    "Subject: Fwd: Undelivered Mail Returned to Sender\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"F\"\r\n\r\n"
	    "--F\r\nContent-Type: text/plain\r\n\r\nThis came back, "
	    "why?\r\n\r\n--F\r\nContent-Type: message/rfc822\r\n\r\n"
	    "From: MAILER-DAEMON@example.org\r\nTo: neko@example.org\r\n"
	    "Subject: Undelivered Mail Returned to Sender\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: multipart/report; "
	    "report-type=delivery-status; boundary=\"B\"\r\n\r\n"
	    "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
	    "Reporting-MTA: dns; mx.example.org\r\n\r\n"
	    "Final-Recipient: rfc822; tora@example.net\r\n"
	    "Action: failed\r\nStatus: 5.2.2\r\n"
	    "Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\r\n\r\n"
	    "--B--\r\n\r\n--F--\r\n";
	struct mw_arena *a = mw_arena_new(0);
	struct mw_bounce b;

	(void)state;
	assert_int_equal(mw_bounce_parse(&b, a, (const uint8_t *)fwd,
	    sizeof(fwd) - 1, NULL), 0);
	assert_int_equal(b.kind, MW_BOUNCE_FAILURE);
	assert_true(b.forwarded);
	assert_string_equal(b.detector, "rfc3464");
	assert_int_equal(b.nrcpts, 1);
	assert_string_equal(b.rcpts[0].recipient, "tora@example.net");
	assert_string_equal(b.rcpts[0].reason, "mailboxfull");
	mw_arena_free(&a);
}

/* What decided the reason is kept: the phrase from the words, or
 * nothing when no phrase is known. */
static void
bounce_basis(void **state)
{
	static const char hdr[] =
	    "From: MAILER-DAEMON@example.org\r\n"
	    "Subject: Undelivered Mail Returned to Sender\r\n\r\n"
	    "This is the mail system.\r\n\r\n";
	static const struct {
		const char *line, *reason, *phrase;
		enum mw_basis by;
	} t[] = {
		{"<tora@example.net>: Mailbox is full, sorry", "mailboxfull",
		    "mailbox is full", MW_BASIS_WORDS},
		{"<tora@example.net>: the moon is not right today", "onhold",
		    "", MW_BASIS_NONE},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct mw_arena *a = mw_arena_new(0);
		struct mw_bounce b;
		char msg[512];

		snprintf(msg, sizeof(msg), "%s%s\r\n", hdr, t[i].line);
		assert_int_equal(mw_bounce_parse(&b, a, (const uint8_t *)msg,
		    strlen(msg), NULL), 0);
		assert_int_equal(b.nrcpts, 1);
		assert_string_equal(b.rcpts[0].reason, t[i].reason);
		assert_int_equal(b.rcpts[0].basis, t[i].by);
		assert_string_equal(b.rcpts[0].phrase, t[i].phrase);
		assert_string_equal(mw_basis_name(t[i].by),
		    t[i].by == MW_BASIS_WORDS ? "words" : "none");
		mw_arena_free(&a);
	}
}

/* The refusing server's own page, from its words, in the report. */
static void
bounce_help_url(void **state)
{
	static const struct {
		const char *words, *url;
	} t[] = {
		{"550 5.7.606 Access denied, banned sending IP [192.0.2.1]. To "
		    "request removal from this list please visit "
		    "https://sender.office.com/ and follow the directions.",
		    "https://sender.office.com/"},
		{"550-5.1.1 The email account does not exist. Learn more at "
		    "(https://support.google.com/mail/?p=NoSuchUser).",
		    "https://support.google.com/mail/?p=NoSuchUser"},
		{"554 rejected, see HTTP://Postmaster.Example.NET/codes#554;",
		    "HTTP://Postmaster.Example.NET/codes#554"},
		{"550 user unknown (see xhttp://no or http:// or https:///x)",
		    NULL},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct mw_arena *a = mw_arena_new(0);
		struct mw_bounce b;
		struct mw_report r;
		const struct mw_fact *f;
		char msg[1024];

		snprintf(msg, sizeof(msg), "From: MAILER-DAEMON@example.org\r\n"
		    "Subject: Undelivered Mail Returned to Sender\r\n\r\n"
		    "<tora@example.net>: host mx.example.net[192.0.2.9] said: "
		    "%s (in reply to RCPT TO command)\r\n", t[i].words);
		assert_int_equal(mw_bounce_parse(&b, a, (const uint8_t *)msg,
		    strlen(msg), NULL), 0);
		assert_int_equal(b.nrcpts, 1);
		assert_int_equal(mw_report_init(&r, a, "bounce", "t"), 0);
		assert_int_equal(mw_bounce_report(&r, &b, 0, "t"), 0);
		f = mw_report_fact(&r, "help_url");
		if (t[i].url == NULL)
			assert_null(f);
		else {
			assert_non_null(f);
			assert_string_equal(f->s, t[i].url);
			assert_true(mw_report_has(&r, MW_F_BOUNCE_HELP_URL));
		}
		mw_arena_free(&a);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dsn_blocks_rfc3464_2_1),
		cmocka_unit_test(dsn_no_blank_lines),
		cmocka_unit_test(dsn_garbage),
		cmocka_unit_test(dsn_recipient_cap),
		cmocka_unit_test(esc_codes_rfc3463_2),
		cmocka_unit_test(reply_codes_rfc5321_4_2),
		cmocka_unit_test(reasons_table),
		cmocka_unit_test(reason_vocabulary),
		cmocka_unit_test(bounce_postfix_dsn),
		cmocka_unit_test(bounce_not_and_tiny),
		cmocka_unit_test(bounce_recipient_layouts),
		cmocka_unit_test(bounce_feedback_variants),
		cmocka_unit_test(bounce_text_layouts),
		cmocka_unit_test(bounce_forwarded),
		cmocka_unit_test(bounce_basis),
		cmocka_unit_test(bounce_help_url),
		cmocka_unit_test(bounce_original_is_not_evidence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
