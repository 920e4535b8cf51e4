/*
 * err.c - filling struct mw_err (see err.h).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mailwhy/err.h"

void
mw_err_clear(struct mw_err *err)
{
	if (err == NULL)
		return;
	err->code = 0;
	err->module = NULL;
	err->offset = SIZE_MAX;
	err->msg[0] = '\0';
}

int
mw_err_set(struct mw_err *err, int code, const char *module, size_t offset,
    const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	err->module = module;
	err->offset = offset;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

const char *
mw_err_str(int code)
{
	switch (code) {
	case MW_OK:
		return "no error";
	case MW_ENOMEM:
		return "out of memory";
	case MW_EINVAL:
		return "invalid input";
	case MW_ELIMIT:
		return "limit reached";
	case MW_EIO:
		return "input/output error";
	case MW_ETEMP:
		return "temporary failure";
	case MW_ENOTFOUND:
		return "not found";
	}
	return "unknown error";
}
