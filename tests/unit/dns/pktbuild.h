/*
 * pktbuild.h - builds DNS messages by hand for the dns tests (the packet
 * parser's tests and the fake server of the resolver tests).  Writes past
 * the buffer are dropped and remembered in overflow.
 */
#ifndef MW_TEST_PKTBUILD_H
#define MW_TEST_PKTBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct pb {
	uint8_t b[70000];
	size_t n;
	bool overflow;
};

static inline void
pb_u8(struct pb *p, unsigned v)
{
	if (p->n >= sizeof(p->b)) {
		p->overflow = true;
		return;
	}
	p->b[p->n++] = (uint8_t)v;
}

static inline void
pb_u16(struct pb *p, unsigned v)
{
	pb_u8(p, v >> 8 & 0xff);
	pb_u8(p, v & 0xff);
}

static inline void
pb_u32(struct pb *p, uint32_t v)
{
	pb_u16(p, v >> 16);
	pb_u16(p, v & 0xffff);
}

static inline void
pb_bytes(struct pb *p, const void *v, size_t len)
{
	for (size_t i = 0; i < len; i++)
		pb_u8(p, ((const uint8_t *)v)[i]);
}

/* Labels of a dotted name, without the terminating root ("" = nothing). */
static inline void
pb_labels(struct pb *p, const char *name)
{
	while (*name != '\0') {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		pb_u8(p, (unsigned)l);
		pb_bytes(p, name, l);
		name += l + (dot ? 1 : 0);
	}
}

/* A whole uncompressed name ("" is the root). */
static inline void
pb_name(struct pb *p, const char *name)
{
	pb_labels(p, name);
	pb_u8(p, 0);
}

static inline void
pb_ptr(struct pb *p, unsigned off)
{
	pb_u16(p, 0xc000 | off);
}

static inline void
pb_header(struct pb *p, unsigned id, unsigned flags, unsigned qd, unsigned an,
    unsigned ns, unsigned ar)
{
	p->n = 0;
	p->overflow = false;
	pb_u16(p, id);
	pb_u16(p, flags);
	pb_u16(p, qd);
	pb_u16(p, an);
	pb_u16(p, ns);
	pb_u16(p, ar);
}

static inline void
pb_question(struct pb *p, const char *name, unsigned type)
{
	pb_name(p, name);
	pb_u16(p, type);
	pb_u16(p, 1);
}

/* Type, class IN, TTL; the caller writes RDLENGTH and RDATA (pb_rdata). */
static inline void
pb_rr_head(struct pb *p, unsigned type, uint32_t ttl)
{
	pb_u16(p, type);
	pb_u16(p, 1);
	pb_u32(p, ttl);
}

/* Starts RDATA: returns where RDLENGTH goes, for pb_rdata_end. */
static inline size_t
pb_rdata_begin(struct pb *p)
{
	size_t at = p->n;

	pb_u16(p, 0);
	return at;
}

static inline void
pb_rdata_end(struct pb *p, size_t at)
{
	size_t len = p->n - at - 2;

	p->b[at] = (uint8_t)(len >> 8);
	p->b[at + 1] = (uint8_t)len;
}

#endif
