/*
 * err.h - the error record every fallible mailwhy call fills in.
 *
 * A fallible function returns 0 or a negative MW_E* code and, when the
 * caller passed one, fills a caller-owned struct mw_err with the module,
 * the byte offset into the input (when there is one) and a message.  There
 * is no global "last error": every context stays reentrant.
 *
 * Remember: an error means "could not evaluate".  A defect in the thing
 * being diagnosed is a finding (report.h), never an error.
 */
#ifndef MAILWHY_ERR_H
#define MAILWHY_ERR_H

#include <stddef.h>

enum {
	MW_OK = 0,
	MW_ENOMEM = -1,	  /* allocation failed or a cap was reached */
	MW_EINVAL = -2,	  /* bad argument or malformed input */
	MW_ELIMIT = -3,	  /* a named limit (limits.h) was hit */
	MW_EIO = -4,	  /* reading or writing failed */
	MW_ETEMP = -5,	  /* temporary: timeout, network, try again */
	MW_ENOTFOUND = -6 /* the asked-for thing does not exist */
};

#define MW_ERR_MSG_MAX 256

struct mw_err {
	int code;	    /* one of MW_E*, 0 when clear */
	const char *module; /* static string: "addr", "dns", ... */
	size_t offset;	    /* byte offset into the input, or SIZE_MAX */
	char msg[MW_ERR_MSG_MAX];
};

/* Clears err (NULL is allowed). */
void mw_err_clear(struct mw_err *err);

/*
 * Fills err (NULL is allowed) and returns code, so a caller can write
 * "return mw_err_set(err, MW_EINVAL, "addr", pos, "...");".
 */
int mw_err_set(struct mw_err *err, int code, const char *module, size_t offset,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A short static name for a code: "out of memory", "invalid input"... */
const char *mw_err_str(int code);

#endif
