/*
 * mailwhy.h - the whole public API of libmailwhy in one include.
 */
#ifndef MAILWHY_H
#define MAILWHY_H

#include "arena.h"
#include "buf.h"
#include "cursor.h"
#include "err.h"
#include "log.h"
#include "slice.h"

#include "report.h"

#include "dns.h"
#include "ip.h"

#include "addr.h"
#include "addr_check.h"
#include "spf.h"
#include "kb.h"
#include "typo.h"

#endif
