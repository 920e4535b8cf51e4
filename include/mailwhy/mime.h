/*
 * mime.h - a message taken apart: decoded headers and a flat list of
 * leaf parts whose content is decoded on first read (transfer encoding
 * removed, text converted to UTF-8: mw_mime_part_data).  Built on
 * GMime 3 (RFC 2045-2049, RFC 2047, RFC 2231); everything returned lives
 * in the caller's arena.
 */
#ifndef MAILWHY_MIME_H
#define MAILWHY_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "err.h"

struct mw_mime_header {
	const char *name;  /* as written */
	const char *value; /* unfolded, RFC 2047 decoded, UTF-8 */
};

struct mw_mime_lazy;

struct mw_mime_part {
	const char *type;     /* lowercased "text/plain" */
	unsigned depth;	      /* 0 = the message body itself */
	/*
	 * The decoded content, NUL-terminated: read it through
	 * mw_mime_part_data(), which fills these on first use.  NULL until
	 * then (a part made by hand may set them directly).
	 */
	const uint8_t *data;
	size_t len;
	/*
	 * For message/rfc822 and text/rfc822-headers: the header fields of
	 * the attached message (the original a bounce returns); its body
	 * is not walked.
	 */
	struct mw_mime_header *headers;
	size_t nheaders;
	bool cut; /* longer than MW_MIME_TEXT_MAX; known from the parse */
	struct mw_mime_lazy *lazy; /* mime.c's: how to decode data */
};

struct mw_mime {
	struct mw_mime_header *headers; /* the message's own */
	size_t nheaders;
	struct mw_mime_part *parts;
	size_t nparts;
	const char *type;	 /* top-level content type, lowercased */
	const char *report_type; /* multipart/report's report-type, or NULL */
	bool truncated; /* a MIME limit (limits.h) was hit */
};

/*
 * Parses msg (LF, CRLF or CR line endings; a leading mbox "From " line is
 * skipped).  Returns 0, MW_ELIMIT when msg is over MW_MIME_MESSAGE_MAX,
 * MW_EINVAL when it is not a message at all, MW_ENOMEM.
 */
int mw_mime_parse(struct mw_mime *out, struct mw_arena *a, const uint8_t *msg,
    size_t len, struct mw_err *err);

/*
 * The content of part p of a parsed message: transfer encoding removed,
 * text converted to UTF-8 (for an attached message/rfc822: the message
 * itself, as written), at most MW_MIME_TEXT_MAX bytes, NUL-terminated
 * (it may hold NULs: *len, when len is not NULL, counts them).  Decoded
 * on the first call into the arena the parse was given and kept in p, so
 * a part nobody reads costs nothing and a part is never decoded twice;
 * whether it was cut (p->cut, the message's truncated) is known from the
 * parse already.  Returns NULL when decoding ran out of memory (and
 * again on later calls).  It writes to p: a message's parts are not
 * shared between threads.
 */
const uint8_t *mw_mime_part_data(size_t *len, struct mw_mime_part *p);

/* The first header field called name (ASCII case-insensitive), or NULL. */
const char *mw_mime_header_get(const struct mw_mime_header *h, size_t n,
    const char *name);

#endif
