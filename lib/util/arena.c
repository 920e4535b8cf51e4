/*
 * arena.c - the per-diagnosis memory pool (see arena.h).
 *
 * Memory comes from chunks of MW_ARENA_CHUNK bytes (bigger requests get a
 * chunk of their own).  The total handed out never passes the cap.  In
 * malloc mode every allocation is its own chunk, so memory checkers see
 * the exact bounds of each object.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailwhy/arena.h"
#include "mailwhy/slice.h"
#include "limits.h"

#define ALIGN (sizeof(max_align_t))

struct chunk {
	struct chunk *next;
	size_t size;
	size_t used;
	max_align_t data[];
};

struct mw_arena {
	struct chunk *head;
	size_t cap;
	size_t used;
	int malloc_mode;
};

struct mw_arena *
mw_arena_new(size_t cap)
{
	struct mw_arena *a = calloc(1, sizeof(*a));
	const char *env;

	if (a == NULL)
		return NULL;
	a->cap = cap ? cap : MW_ARENA_DEFAULT_CAP;
#ifdef MW_ARENA_DEBUG
	a->malloc_mode = 1;
#else
	env = getenv("MAILWHY_ARENA_MALLOC");
	a->malloc_mode = env != NULL && env[0] == '1';
#endif
	(void)env;
	return a;
}

void
mw_arena_free(struct mw_arena **ap)
{
	struct chunk *c, *next;

	if (ap == NULL || *ap == NULL)
		return;
	for (c = (*ap)->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(*ap);
	*ap = NULL;
}

static struct chunk *
new_chunk(struct mw_arena *a, size_t size)
{
	struct chunk *c;
	size_t total;

	if (!mw_size_add(&total, sizeof(*c), size))
		return NULL;
	if ((c = malloc(total)) == NULL)
		return NULL;
	c->size = size;
	c->used = 0;
	c->next = a->head;
	a->head = c;
	return c;
}

/*
 * size bytes at an offset of the current chunk rounded up to align (1 or
 * ALIGN), from a new chunk when they do not fit.  Strings need no
 * alignment: mw_arena_alloc_bytes() packs them.
 */
static void *
carve(struct mw_arena *a, size_t size, size_t align)
{
	struct chunk *c;
	size_t off, used, acct;

	if (size == 0)
		size = 1;
	/* The cap counts the padding of aligned blocks too. */
	if (!mw_size_add(&acct, size, align - 1) ||
	    !mw_size_add(&used, a->used, acct & ~(align - 1)) || used > a->cap)
		return NULL;
	c = a->head;
	if (a->malloc_mode) {
		if ((c = new_chunk(a, size)) == NULL)
			return NULL;
		c->used = size;
		a->used = used;
		return c->data;
	}
	off = c != NULL ? (c->used + align - 1) & ~(align - 1) : 0;
	if (c == NULL || off > c->size || c->size - off < size) {
		size_t want = size > MW_ARENA_CHUNK / 4 ?
		    (size + ALIGN - 1) & ~(ALIGN - 1) : MW_ARENA_CHUNK;

		if (want < size || (c = new_chunk(a, want)) == NULL)
			return NULL;
		/* A big private chunk goes behind the current one so the
		 * current one keeps serving small requests. */
		if (c->size != MW_ARENA_CHUNK && c->next != NULL &&
		    c->next->size == MW_ARENA_CHUNK) {
			struct chunk *cur = c->next;
			a->head = cur;
			c->next = cur->next;
			cur->next = c;
		}
		off = 0;
	}
	c->used = off + size;
	a->used = used;
	return (char *)c->data + off;
}

void *
mw_arena_alloc(struct mw_arena *a, size_t size)
{
	void *p = carve(a, size, ALIGN);

	if (p != NULL)
		memset(p, 0, size);
	return p;
}

void *
mw_arena_alloc_bytes(struct mw_arena *a, size_t size)
{
	struct chunk *c = a->head;
	void *p;

	/* The common case, room in the current chunk and under the cap,
	 * without overflow: c->used <= c->size, a->used <= a->cap. */
	if (!a->malloc_mode && c != NULL && size > 0 &&
	    size <= c->size - c->used && size <= a->cap - a->used) {
		p = (char *)c->data + c->used;
		c->used += size;
		a->used += size;
		return p;
	}
	return carve(a, size, 1);
}

void *
mw_arena_calloc(struct mw_arena *a, size_t n, size_t size)
{
	size_t total;

	if (!mw_size_mul(&total, n, size))
		return NULL;
	return mw_arena_alloc(a, total);
}

char *
mw_arena_strndup(struct mw_arena *a, const void *p, size_t len)
{
	size_t n;
	char *s;

	/* every byte is written below: no zeroing, no alignment */
	if (!mw_size_add(&n, len, 1) ||
	    (s = mw_arena_alloc_bytes(a, n)) == NULL)
		return NULL;
	if (len > 0)
		memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

char *
mw_arena_strdup(struct mw_arena *a, const char *s)
{
	return s ? mw_arena_strndup(a, s, strlen(s)) : NULL;
}

char *
mw_arena_printf(struct mw_arena *a, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (s = mw_arena_alloc_bytes(a, (size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

size_t
mw_arena_used(const struct mw_arena *a)
{
	return a->used;
}
