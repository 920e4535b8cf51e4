/*
 * log.c - the process-wide log sink (see log.h).  Lines longer than 1 KiB
 * are cut: a log line is a hint, never evidence.
 */
#include <stdarg.h>
#include <stdio.h>

#include "mailwhy/log.h"

static mw_log_fn sink;
static void *sink_ud;
static enum mw_log_level sink_max = MW_LOG_WARN;

void
mw_log_set_sink(mw_log_fn fn, void *ud, enum mw_log_level max)
{
	sink = fn;
	sink_ud = ud;
	sink_max = max;
}

void
mw_log(enum mw_log_level lvl, const char *module, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (sink == NULL || lvl > sink_max)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	sink(sink_ud, lvl, module, line);
}
