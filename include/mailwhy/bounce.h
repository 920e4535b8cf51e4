/*
 * bounce.h - why a message came back: delivery status notifications
 * (RFC 3464, RFC 6533), enhanced status codes (RFC 3463), feedback
 * reports (RFC 5965), auto-replies (RFC 3834) and the non-standard
 * bounces of the MTAs and providers people meet.
 *
 * The reasons are sisimai's vocabulary ("userunknown", "mailboxfull"...),
 * so results compare with that reference tool.  Everything returned lives
 * in the caller's arena.
 */
#ifndef MAILWHY_BOUNCE_H
#define MAILWHY_BOUNCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "err.h"
#include "report.h"

/* --- RFC 3464 / RFC 6533: the message/delivery-status body --- */

struct mw_dsn_rcpt {
	/* Values unfolded, control characters replaced by spaces; NULL
	 * when the field is absent.  Address fields keep their type
	 * ("rfc822; a@b"): see mw_dsn_value(). */
	const char *original_recipient;
	const char *final_recipient;
	const char *action;
	const char *status;
	const char *remote_mta;
	const char *diagnostic_code;
	const char *last_attempt_date;
	const char *will_retry_until;
	const char *final_log_id;
	const char *actual_recipient; /* X-Actual-Recipient (Sendmail):
				       * the mailbox after aliasing */
};

struct mw_dsn {
	const char *reporting_mta;
	const char *received_from_mta;
	const char *arrival_date;
	struct mw_dsn_rcpt *rcpts;
	size_t nrcpts;
	bool truncated; /* MW_BOUNCE_RCPTS_MAX or MW_DSN_FIELDS_MAX hit */
};

/*
 * Parses the fields of a message/delivery-status (or global-) part.
 * Lenient as real MTAs require: blocks need not be separated by blank
 * lines (a new Final-Recipient starts a new recipient).  Returns 0,
 * MW_ENOMEM.  A DSN with no recipient gives nrcpts == 0, not an error.
 */
int mw_dsn_parse(struct mw_dsn *out, struct mw_arena *a, const uint8_t *p,
    size_t len, struct mw_err *err);

/* "rfc822; a@b" -> "a@b" (pointer into v); v itself when untyped. */
const char *mw_dsn_value(const char *v);

/* --- RFC 3463: enhanced status codes --- */

struct mw_esc {
	unsigned cls, subject, detail; /* 5.1.1 -> 5, 1, 1 */
};

/*
 * Finds the first enhanced status code ("5.1.1", "4.7.0") in text:
 * class 2, 4 or 5, subject and detail of 1-3 digits, not inside a longer
 * dotted number (an IP address or a version).  Returns false when there
 * is none.
 */
bool mw_esc_find(struct mw_esc *out, const uint8_t *p, size_t len);
/* Parses all of s as a code; false otherwise. */
bool mw_esc_parse(struct mw_esc *out, const char *s);
/* The reason an enhanced status code implies by itself, or NULL. */
const char *mw_esc_reason(const struct mw_esc *c);
/*
 * Finds the first SMTP reply code (RFC 5321 4.2: [245][0-5][0-9] then
 * space, '-' or end) at a word start in text; 0 when there is none.
 */
int mw_reply_code_find(const uint8_t *p, size_t len);

/* --- reasons --- */

struct mw_reason_info {
	const char *name;	/* "userunknown" */
	enum mw_finding_id finding;
	bool hard;		/* permanent for this recipient */
	const char *pseudo;	/* sisimai's pseudo status, "5.0.911" */
};

/* The reason by name, or NULL. */
const struct mw_reason_info *mw_reason_get(const char *name);
/* All reasons, table order. */
const struct mw_reason_info *mw_reason_all(size_t *n);

/* --- the bounce --- */

enum mw_bounce_kind {
	MW_BOUNCE_NOT,	    /* not a bounce */
	MW_BOUNCE_FAILURE,  /* delivery failed (or was delayed) */
	MW_BOUNCE_FEEDBACK, /* an ARF complaint (RFC 5965) */
	MW_BOUNCE_AUTOREPLY /* vacation / auto-reply (RFC 3834) */
};

/* What decided a recipient's reason (mw_bounce_rcpt.basis). */
enum mw_basis {
	MW_BASIS_NONE,	  /* nothing: the words matched no phrase */
	MW_BASIS_STATUS,  /* the enhanced status code (RFC 3463) */
	MW_BASIS_WORDS,	  /* a phrase in the server's words (.phrase) */
	MW_BASIS_REPLY,	  /* the SMTP reply code (RFC 5321 4.2) */
	MW_BASIS_COMMAND, /* the SMTP command refused */
	MW_BASIS_ACTION,  /* the DSN's Action (delayed, expired) */
	MW_BASIS_MAILER,  /* a local delivery program failed (x-unix) */
	MW_BASIS_REPORT,  /* the report's own kind: a feedback report, an
			   * auto-reply, an SES notification */
	MW_BASIS_LAYOUT	  /* one system's notice layout (detector) */
};

/* "status", "words", ... as in JSON; NULL for an unknown value. */
const char *mw_basis_name(enum mw_basis b);

struct mw_bounce_rcpt {
	const char *recipient;	   /* the address the sender wrote */
	const char *final_recipient; /* where it was expanded or forwarded
				      * to, when that differs; else "" */
	const char *reason;	   /* sisimai's vocabulary */
	const char *status;	   /* "5.1.1", "" when unknown */
	bool status_pseudo;	   /* status made up from the reason */
	int reply_code;		   /* 550, or 0 */
	bool hard;
	const char *action;	   /* failed, delayed, ... or "" */
	const char *remote_mta;	   /* "" when unknown */
	const char *diagnostic;	   /* the remote's words, "" when none */
	const char *diag_type;	   /* "SMTP", "X-Postfix", "" */
	const char *command;	   /* SMTP command that failed, or "" */
	const char *feedback_type; /* ARF Feedback-Type, or "" */
	enum mw_basis basis;	   /* what decided reason */
	const char *phrase;	   /* the phrase matched (basis WORDS), as
				    * in data/bounce-patterns.tsv, or "" */
};

struct mw_bounce {
	enum mw_bounce_kind kind;
	const char *detector; /* "rfc3464", "postfix", "exim", "arf" ... */
	const char *from;
	const char *subject;
	struct mw_bounce_rcpt *rcpts;
	size_t nrcpts;
	bool truncated;	      /* a limit was hit: results are incomplete */
	/* the bounce came attached to this message (forwarded by a user,
	 * wrapped by a gateway): the results are the attached one's */
	bool forwarded;
};

/*
 * Reads one message and says why it came back.  Never fails on garbage
 * (that is MW_BOUNCE_NOT); returns MW_ENOMEM, or MW_ELIMIT when msg is
 * over MW_MIME_MESSAGE_MAX.  A message that is no bounce by itself, or
 * only by its words, but carries an attached message that is a delivery
 * report (RFC 3464), a feedback report or an SES notification, is read
 * as that report (out->forwarded).
 */
int mw_bounce_parse(struct mw_bounce *out, struct mw_arena *a,
    const uint8_t *msg, size_t len, struct mw_err *err);

/*
 * Classifies a diagnostic by text and codes alone (what mw_bounce_parse
 * does per recipient).  status and command may be NULL.  Returns the
 * reason name, never NULL ("undefined" at worst).
 */
const char *mw_bounce_reason(const char *diagnostic, const char *status,
    int reply_code, const char *action, const char *diag_type,
    const char *command);

/*
 * The body matcher alone, for text bounces without a delivery-status
 * part: finds failed recipients and their diagnostic lines in the
 * human-readable text (UTF-8, LF line endings).  Fills up to max
 * entries; returns how many.
 */
struct mw_bounce_hit {
	const char *recipient;
	const char *diagnostic;
	const char *remote_mta;
	const char *command;
	/* the address the sender wrote, when the text says recipient was
	 * its alias expansion ("(expanded from: addr)"), else NULL */
	const char *expanded_from;
};
size_t mw_bounce_body_scan(struct mw_bounce_hit *out, size_t max,
    struct mw_arena *a, const uint8_t *text, size_t len);

/*
 * Splits an mbox (RFC 4155): returns the next message starting at *off
 * and advances *off; false at the end.  The "From " line is kept.
 */
bool mw_bounce_mbox_next(const uint8_t **msg, size_t *msglen,
    const uint8_t *p, size_t len, size_t *off);

/*
 * Adds one finding per failed recipient to r, with its facts
 * (recipient, reason, status...).  file may be NULL.
 */
int mw_bounce_report(struct mw_report *r, const struct mw_bounce *b,
    size_t rcpt_index, const char *file);

#endif
