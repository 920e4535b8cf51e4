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

void *
mw_arena_alloc(struct mw_arena *a, size_t size)
{
	struct chunk *c;
	size_t rounded, used;
	void *p;

	if (size == 0)
		size = 1;
	if (!mw_size_add(&rounded, size, ALIGN - 1))
		return NULL;
	rounded &= ~(ALIGN - 1);
	if (!mw_size_add(&used, a->used, rounded) || used > a->cap)
		return NULL;
	c = a->head;
	if (a->malloc_mode) {
		if ((c = new_chunk(a, size)) == NULL)
			return NULL;
		c->used = size;
	} else if (c == NULL || c->size - c->used < rounded) {
		if ((c = new_chunk(a, rounded > MW_ARENA_CHUNK / 4 ?
			 rounded : MW_ARENA_CHUNK)) == NULL)
			return NULL;
		/* A big private chunk goes behind the current one so the
		 * current one keeps serving small requests. */
		if (c->size == rounded && c->next != NULL &&
		    c->next->size == MW_ARENA_CHUNK) {
			struct chunk *cur = c->next;
			a->head = cur;
			c->next = cur->next;
			cur->next = c;
		}
		c->used = 0;
	}
	p = (char *)c->data + (a->malloc_mode ? 0 : c->used);
	if (!a->malloc_mode)
		c->used += rounded;
	a->used = used;
	memset(p, 0, size);
	return p;
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

	if (!mw_size_add(&n, len, 1) || (s = mw_arena_alloc(a, n)) == NULL)
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
	if (n < 0 || (s = mw_arena_alloc(a, (size_t)n + 1)) == NULL)
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
