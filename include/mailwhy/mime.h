/*
 * mime.h - a message taken apart: decoded headers and a flat list of
 * leaf parts with their content decoded (transfer encoding removed,
 * text converted to UTF-8).  Built on GMime 3 (RFC 2045-2049, RFC 2047,
 * RFC 2231); everything returned lives in the caller's arena.
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

struct mw_mime_part {
	const char *type;     /* lowercased "text/plain" */
	unsigned depth;	      /* 0 = the message body itself */
	const uint8_t *data;  /* decoded content, NUL-terminated */
	size_t len;
	/*
	 * For message/rfc822 and text/rfc822-headers: the header fields of
	 * the attached message (the original a bounce returns); its body
	 * is not walked.
	 */
	struct mw_mime_header *headers;
	size_t nheaders;
	bool cut; /* longer than MW_MIME_TEXT_MAX */
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

/* The first header field called name (ASCII case-insensitive), or NULL. */
const char *mw_mime_header_get(const struct mw_mime_header *h, size_t n,
    const char *name);

#endif
