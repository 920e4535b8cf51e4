/*
 * arena.h - one memory pool per diagnosis.
 *
 * Everything a diagnosis produces (parsed addresses, DNS answers, findings,
 * report strings) is allocated from one arena and freed with it.  The arena
 * has a mandatory cap (MW_ARENA_DEFAULT_CAP in limits.h unless given) so
 * hostile input cannot make it grow without bound.
 *
 * With MAILWHY_ARENA_MALLOC=1 in the environment, or in builds with
 * -DMW_ARENA_DEBUG, every allocation is a separate malloc so ASan and
 * valgrind see each overflow.
 */
#ifndef MAILWHY_ARENA_H
#define MAILWHY_ARENA_H

#include <stddef.h>
#include <stdint.h>

struct mw_arena;

/* cap == 0 takes MW_ARENA_DEFAULT_CAP.  Returns NULL when out of memory. */
struct mw_arena *mw_arena_new(size_t cap);
void mw_arena_free(struct mw_arena **a);

/* Zeroed memory aligned for any type, or NULL when the cap is reached. */
void *mw_arena_alloc(struct mw_arena *a, size_t size);
/*
 * size bytes, neither zeroed nor aligned (for strings: no padding between
 * them), or NULL when the cap is reached.
 */
void *mw_arena_alloc_bytes(struct mw_arena *a, size_t size);
/* n * size with overflow checking. */
void *mw_arena_calloc(struct mw_arena *a, size_t n, size_t size);
/* Copies and NUL-terminates; bytes may hold NULs. */
char *mw_arena_strndup(struct mw_arena *a, const void *p, size_t len);
char *mw_arena_strdup(struct mw_arena *a, const char *s);
char *mw_arena_printf(struct mw_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Bytes handed out so far (for limits and benchmarks). */
size_t mw_arena_used(const struct mw_arena *a);

#endif
