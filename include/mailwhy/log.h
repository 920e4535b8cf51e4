/*
 * log.h - the library never prints: it hands log lines to a sink the
 * front end installs.  Without a sink, lines are dropped.
 */
#ifndef MAILWHY_LOG_H
#define MAILWHY_LOG_H

enum mw_log_level { MW_LOG_ERROR, MW_LOG_WARN, MW_LOG_INFO, MW_LOG_DEBUG };

typedef void (*mw_log_fn)(void *ud, enum mw_log_level lvl, const char *module,
    const char *msg);

/* Installs the process-wide sink and the most verbose level passed on. */
void mw_log_set_sink(mw_log_fn fn, void *ud, enum mw_log_level max);
void mw_log(enum mw_log_level lvl, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
