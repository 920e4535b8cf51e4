/*
 * dsn.c - the fields of a message/delivery-status part (RFC 3464 2.1-2.3)
 * and of message/global-delivery-status (RFC 6533 6.2: the same fields,
 * UTF-8 allowed).
 *
 * The grammar is RFC 5322 header fields in blocks: one per-message block,
 * then one block per recipient, separated by blank lines.  Real MTAs
 * break that in a few ways, all accepted here: no blank line before the
 * first recipient, no blank line between recipients (a second
 * Final-Recipient starts the next one), blank lines at the start, CR or
 * CRLF line ends, and fields folded with bare tabs.
 *
 * Limits (limits.h): MW_DSN_FIELD_MAX octets per unfolded field (the rest
 * is dropped), MW_DSN_FIELDS_MAX fields per block and MW_BOUNCE_RCPTS_MAX
 * recipients (then out->truncated).  Returns strings in the arena.
 */
#include <string.h>

#include "mailwhy/bounce.h"
#include "mailwhy/cursor.h"
#include "mailwhy/slice.h"
#include "util/limits.h"

struct field {
	struct mw_slice name;
	int id; /* enum fid */
	char val[MW_DSN_FIELD_MAX + 1];
	size_t len;
};

static bool
is_ftext(uint8_t c)
{
	/* RFC 5322 3.6.8 ftext, minus SP which some MTAs put before ':' */
	return c >= 33 && c <= 126 && c != ':';
}

/* Takes one line (without its end) and its end. */
/* Only SP and HTAB (a line holds no line end). */
static bool
blank_line(struct mw_slice l)
{
	size_t i;

	for (i = 0; i < l.len; i++)
		if (l.p[i] != ' ' && l.p[i] != '\t')
			return false;
	return true;
}

static struct mw_slice
take_line(struct mw_cursor *c)
{
	const uint8_t *b = c->p + c->pos, *nl, *cr;
	size_t rem = mw_cursor_left(c);
	struct mw_slice s = {b, rem};

	if (rem == 0)
		return s;
	/* the line ends at the first LF or CR (bare CR ends count) */
	if ((nl = memchr(b, '\n', rem)) != NULL)
		s.len = (size_t)(nl - b);
	if ((cr = memchr(b, '\r', s.len)) != NULL)
		s.len = (size_t)(cr - b);
	c->pos += s.len;
	if (mw_cursor_accept(c, '\r'))
		(void)mw_cursor_accept(c, '\n');
	else
		(void)mw_cursor_accept(c, '\n');
	return s;
}

static void
append(struct field *f, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && f->len < MW_DSN_FIELD_MAX; i++) {
		uint8_t ch = p[i];

		/* keep UTF-8 (RFC 6533); controls and runs of blanks become
		 * one space */
		if (ch > ' ' && ch != 127)
			f->val[f->len++] = (char)ch;
		else if (f->len > 0 && f->val[f->len - 1] != ' ')
			f->val[f->len++] = ' ';
	}
}

/* The fields of RFC 3464 2.2 and 2.3 this parser keeps. */
enum fid {
	F_OTHER,
	/* per message */
	F_REPORTING_MTA,
	F_RECEIVED_FROM_MTA,
	F_ARRIVAL_DATE,
	/* per recipient */
	F_ORIGINAL_RECIPIENT,
	F_FINAL_RECIPIENT,
	F_ACTION,
	F_STATUS,
	F_REMOTE_MTA,
	F_DIAGNOSTIC_CODE,
	F_LAST_ATTEMPT_DATE,
	F_WILL_RETRY_UNTIL,
	F_FINAL_LOG_ID,
	/* X-Actual-Recipient (Sendmail, Postfix) names the mailbox after
	 * aliasing: not what the sender wrote */
	F_X_ACTUAL_RECIPIENT
};

static const struct mw_slice field_names[] = {
	[F_REPORTING_MTA] = MW_SLICE_LIT("Reporting-MTA"),
	[F_RECEIVED_FROM_MTA] = MW_SLICE_LIT("Received-From-MTA"),
	[F_ARRIVAL_DATE] = MW_SLICE_LIT("Arrival-Date"),
	[F_ORIGINAL_RECIPIENT] = MW_SLICE_LIT("Original-Recipient"),
	[F_FINAL_RECIPIENT] = MW_SLICE_LIT("Final-Recipient"),
	[F_ACTION] = MW_SLICE_LIT("Action"),
	[F_STATUS] = MW_SLICE_LIT("Status"),
	[F_REMOTE_MTA] = MW_SLICE_LIT("Remote-MTA"),
	[F_DIAGNOSTIC_CODE] = MW_SLICE_LIT("Diagnostic-Code"),
	[F_LAST_ATTEMPT_DATE] = MW_SLICE_LIT("Last-Attempt-Date"),
	[F_WILL_RETRY_UNTIL] = MW_SLICE_LIT("Will-Retry-Until"),
	[F_FINAL_LOG_ID] = MW_SLICE_LIT("Final-Log-ID"),
	[F_X_ACTUAL_RECIPIENT] = MW_SLICE_LIT("X-Actual-Recipient"),
};

/* Which field this is: named once, so each field costs one lookup. */
static enum fid
field_id(struct mw_slice name)
{
	size_t i;

	for (i = 1; i < sizeof(field_names) / sizeof(field_names[0]); i++)
		if (name.len == field_names[i].len &&
		    mw_slice_caseeq(name, field_names[i]))
			return (enum fid)i;
	return F_OTHER;
}

/*
 * Reads one field (with its continuation lines).  Returns false at a
 * blank line or the end; lines that are not fields give name.len == 0.
 */
static bool
read_field(struct mw_cursor *c, struct field *f, bool *blank)
{
	struct mw_slice line, name;
	size_t i;

	f->len = 0;
	f->name.len = 0;
	f->id = F_OTHER;
	*blank = false;
	if (mw_cursor_eof(c))
		return false;
	line = take_line(c);
	if (blank_line(line)) {
		*blank = true;
		return true;
	}
	for (i = 0; i < line.len && is_ftext(line.p[i]); i++)
		;
	name = (struct mw_slice){line.p, i};
	while (i < line.len && (line.p[i] == ' ' || line.p[i] == '\t'))
		i++;
	if (name.len == 0 || i >= line.len || line.p[i] != ':')
		return true; /* not a field: skipped by the caller */
	f->name = name;
	/* the value of a field not kept is passed over, not copied */
	if ((f->id = field_id(name)) != F_OTHER)
		append(f, line.p + i + 1, line.len - i - 1);
	/* RFC 5322 2.2.3 unfolding */
	for (;;) {
		int ch = mw_cursor_peek(c);

		if (ch != ' ' && ch != '\t')
			break;
		line = take_line(c);
		if (blank_line(line))
			break;
		if (f->id != F_OTHER) {
			append(f, (const uint8_t *)" ", 1);
			append(f, line.p, line.len);
		}
	}
	while (f->len > 0 && f->val[f->len - 1] == ' ')
		f->len--;
	f->val[f->len] = '\0';
	return true;
}

static const char **
rcpt_slot(struct mw_dsn_rcpt *r, enum fid id)
{
	switch (id) {
	case F_ORIGINAL_RECIPIENT:
		return &r->original_recipient;
	case F_FINAL_RECIPIENT:
		return &r->final_recipient;
	case F_ACTION:
		return &r->action;
	case F_STATUS:
		return &r->status;
	case F_REMOTE_MTA:
		return &r->remote_mta;
	case F_DIAGNOSTIC_CODE:
		return &r->diagnostic_code;
	case F_LAST_ATTEMPT_DATE:
		return &r->last_attempt_date;
	case F_WILL_RETRY_UNTIL:
		return &r->will_retry_until;
	case F_FINAL_LOG_ID:
		return &r->final_log_id;
	case F_X_ACTUAL_RECIPIENT:
		return &r->actual_recipient;
	default:
		return NULL;
	}
}

static const char **
msg_slot(struct mw_dsn *d, enum fid id)
{
	switch (id) {
	case F_REPORTING_MTA:
		return &d->reporting_mta;
	case F_RECEIVED_FROM_MTA:
		return &d->received_from_mta;
	case F_ARRIVAL_DATE:
		return &d->arrival_date;
	default:
		return NULL;
	}
}

int
mw_dsn_parse(struct mw_dsn *out, struct mw_arena *a, const uint8_t *p,
    size_t len, struct mw_err *err)
{
	struct mw_cursor c;
	struct field f;
	struct mw_dsn_rcpt *cur = NULL;
	size_t nfields = 0, cap = 0;
	bool blank, in_rcpt = false;

	memset(out, 0, sizeof(*out));
	mw_cursor_init(&c, p, len);
	while (read_field(&c, &f, &blank)) {
		const char **slot;
		enum fid id;
		bool fresh;

		if (blank) {
			/* RFC 3464 2.1: a blank line ends a block */
			if (cur != NULL)
				in_rcpt = false;
			nfields = 0;
			continue;
		}
		if (f.name.len == 0)
			continue;
		if (++nfields > MW_DSN_FIELDS_MAX) {
			out->truncated = true;
			continue;
		}
		id = (enum fid)f.id;
		if ((slot = msg_slot(out, id)) != NULL) {
			if (*slot == NULL &&
			    (*slot = mw_arena_strndup(a, f.val, f.len)) == NULL)
				goto nomem;
			continue;
		}
		if (id == F_OTHER)
			continue; /* an extension field */
		fresh = cur == NULL || !in_rcpt;
		if (!fresh) {
			slot = rcpt_slot(cur, id);
			fresh = *slot != NULL && (id == F_FINAL_RECIPIENT ||
			    id == F_ORIGINAL_RECIPIENT);
		}
		/* a new recipient: after a blank line, or when this field is
		 * already set in the current one (no blank line between) */
		if (fresh) {
			if (out->nrcpts >= MW_BOUNCE_RCPTS_MAX) {
				out->truncated = true;
				break;
			}
			if (out->nrcpts == cap) {
				size_t nc = cap ? cap * 2 : 4;
				struct mw_dsn_rcpt *nr;

				nr = mw_arena_calloc(a, nc, sizeof(*nr));
				if (nr == NULL)
					goto nomem;
				if (cap)
					memcpy(nr, out->rcpts,
					    cap * sizeof(*nr));
				out->rcpts = nr;
				cap = nc;
			}
			cur = &out->rcpts[out->nrcpts++];
			in_rcpt = true;
			slot = rcpt_slot(cur, id);
		}
		if (slot != NULL && *slot == NULL &&
		    (*slot = mw_arena_strndup(a, f.val, f.len)) == NULL)
			goto nomem;
	}
	/* Blocks that name no recipient at all are noise (a per-message
	 * block split oddly); drop them so callers see recipients only. */
	{
		size_t i, k = 0;

		for (i = 0; i < out->nrcpts; i++)
			if (out->rcpts[i].final_recipient != NULL ||
			    out->rcpts[i].original_recipient != NULL ||
			    out->rcpts[i].actual_recipient != NULL)
				out->rcpts[k++] = out->rcpts[i];
			else if (k > 0 && out->rcpts[i].status != NULL &&
			    out->rcpts[k - 1].status == NULL)
				out->rcpts[k - 1].status =
				    out->rcpts[i].status;
		out->nrcpts = k;
	}
	return 0;
nomem:
	return mw_err_set(err, MW_ENOMEM, "dsn", c.pos, "out of memory");
}

const char *
mw_dsn_value(const char *v)
{
	const char *s;

	if (v == NULL)
		return NULL;
	/* RFC 3464 2.3.2: address-type ";" generic-address */
	if ((s = strchr(v, ';')) != NULL) {
		const char *q;

		for (q = v; q < s; q++)
			if (*q == ' ' || *q == '<' || *q == '@')
				return v;
		s++;
		while (*s == ' ')
			s++;
		return s;
	}
	return v;
}
