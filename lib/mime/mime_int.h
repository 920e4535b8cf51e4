/*
 * mime_int.h - lib/mime's hidden switches.
 */
#ifndef MW_MIME_INT_H
#define MW_MIME_INT_H

#include <stdbool.h>

/*
 * Every message through GMime, the fast reader off (mime.c): for the
 * differential check (bench_bounce -d -g), never for production.  Not
 * thread-safe: set it before parsing.
 */
void mw__mime_force_gmime(bool on);

#endif
