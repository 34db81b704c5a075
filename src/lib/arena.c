/*
 * Arenas: a chain of blocks handed out by bumping a pointer. Large
 * requests get a block of their own so they do not waste the current one.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/xmalloc.h"

#define ARENA_BLOCK	(16 * 1024)
#define ARENA_ALIGN	16

struct arena_block {
	struct arena_block	*next;
	size_t			 size;
	size_t			 used;
	/* Aligned storage follows. */
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena_dtor {
	struct arena_dtor	*next;
	void			(*fn)(void *);
	void			*arg;
};

struct arena {
	struct arena_block	*head;
	struct arena_dtor	*dtors;
	size_t			 total;
};

struct arena *
arena_new(void)
{
	return xcalloc(1, sizeof(struct arena));
}

void
arena_free(struct arena **ap)
{
	struct arena *a = *ap;
	struct arena_block *b, *nb;
	struct arena_dtor *d;

	if (a == NULL)
		return;
	/* Destructors may use arena memory, so they run first. */
	for (d = a->dtors; d != NULL; d = d->next)
		d->fn(d->arg);
	for (b = a->head; b != NULL; b = nb) {
		nb = b->next;
		free(b);
	}
	free(a);
	*ap = NULL;
}

static struct arena_block *
block_new(size_t size)
{
	struct arena_block *b;

	if (size > SIZE_MAX - sizeof(*b))
		panic("arena: size overflow");
	b = xmalloc(sizeof(*b) + size);
	b->size = size;
	b->used = 0;
	b->next = NULL;
	return b;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_block *b = a->head;
	size_t off;

	if (n > SIZE_MAX - ARENA_ALIGN)
		panic("arena: size overflow");
	n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (n == 0)
		n = ARENA_ALIGN;
	a->total += n;
	if (b != NULL && b->size - b->used >= n) {
		off = b->used;
		b->used += n;
		return b->data + off;
	}
	if (n > ARENA_BLOCK / 4) {
		/* Big: its own block, linked behind the current one. */
		struct arena_block *big = block_new(n);

		big->used = n;
		if (b != NULL) {
			big->next = b->next;
			b->next = big;
		} else
			a->head = big;
		return big->data;
	}
	b = block_new(ARENA_BLOCK);
	b->next = a->head;
	a->head = b;
	b->used = n;
	return b->data;
}

void *
arena_zalloc(struct arena *a, size_t n)
{
	void *p = arena_alloc(a, n);

	memset(p, 0, n);
	return p;
}

void *
arena_calloc(struct arena *a, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		panic("arena_calloc: %zu * %zu overflows", nmemb, size);
	return arena_zalloc(a, nmemb * size);
}

void *
arena_memdup(struct arena *a, const void *p, size_t n)
{
	void *q = arena_alloc(a, n);

	if (n > 0)
		memcpy(q, p, n);
	return q;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX)
		panic("arena_strndup: size overflow");
	p = arena_alloc(a, n + 1);
	if (n > 0)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *
arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list ap2;
	char *p;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		panic("arena_printf: bad format");
	p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

void
arena_defer(struct arena *a, void (*fn)(void *), void *arg)
{
	struct arena_dtor *d = arena_alloc(a, sizeof(*d));

	d->fn = fn;
	d->arg = arg;
	d->next = a->dtors;
	a->dtors = d;
}

size_t
arena_used(const struct arena *a)
{
	return a->total;
}
