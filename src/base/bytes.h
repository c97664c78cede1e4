/* Bytes reader and writer: the only way tern reads or writes wire data.
 *
 * A reader is a borrowed view {p, len}. Every get_* either consumes what it
 * asked for and returns true, or consumes nothing and returns false, so a
 * parse is a chain of calls joined by ||. Length-prefixed fields split off a
 * sub-reader; the caller checks the sub-reader ends empty (rd_empty).
 *
 * A writer appends to a fixed caller buffer or a growable heap buffer.
 * Length prefixes are opened with wr_open_u{8,16,24} and patched by
 * wr_close. Any overflow (buffer full, length too big for its prefix, an
 * allocation failure) sets a sticky error: later writes do nothing and
 * wr_ok() says false. Check once at the end. */
#ifndef TERN_BASE_BYTES_H
#define TERN_BASE_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TERN_MUST_CHECK __attribute__((warn_unused_result))

struct rd {
    const uint8_t *p;
    size_t len;
};

static inline void rd_init(struct rd *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = len;
}

static inline bool rd_empty(const struct rd *r)
{
    return r->len == 0;
}

TERN_MUST_CHECK bool rd_u8(struct rd *r, uint8_t *out);
TERN_MUST_CHECK bool rd_u16(struct rd *r, uint16_t *out);
TERN_MUST_CHECK bool rd_u24(struct rd *r, uint32_t *out);
TERN_MUST_CHECK bool rd_u32(struct rd *r, uint32_t *out);
TERN_MUST_CHECK bool rd_u64(struct rd *r, uint64_t *out);
/* rd_bytes borrows the next n bytes (no copy). */
TERN_MUST_CHECK bool rd_bytes(struct rd *r, const uint8_t **out, size_t n);
TERN_MUST_CHECK bool rd_copy(struct rd *r, uint8_t *out, size_t n);
TERN_MUST_CHECK bool rd_skip(struct rd *r, size_t n);
/* rd_sub splits the next n bytes off into *sub. */
TERN_MUST_CHECK bool rd_sub(struct rd *r, struct rd *sub, size_t n);
/* rd_prefixedN reads an N-bit big-endian length and splits that many bytes off. */
TERN_MUST_CHECK bool rd_prefixed8(struct rd *r, struct rd *sub);
TERN_MUST_CHECK bool rd_prefixed16(struct rd *r, struct rd *sub);
TERN_MUST_CHECK bool rd_prefixed24(struct rd *r, struct rd *sub);
/* rd_prefixed16_nonempty: as rd_prefixed16 but fails on a zero length, as
 * most TLS vectors with a <1..2^16-1> range require. */
TERN_MUST_CHECK bool rd_prefixed16_nonempty(struct rd *r, struct rd *sub);

struct wr {
    uint8_t *buf;
    size_t len;
    size_t cap;
    bool growable; /* buf is ours, on the heap, and may be enlarged */
    bool err;      /* sticky */
};

/* wr_init_fixed writes into the caller's buf of cap bytes. */
void wr_init_fixed(struct wr *w, uint8_t *buf, size_t cap);
/* wr_init_grow starts an empty heap buffer; free it with wr_free. */
void wr_init_grow(struct wr *w);
/* wr_free wipes and frees a growable writer's buffer (no-op for fixed). */
void wr_free(struct wr *w);
/* wr_free_public frees without wiping: only for a buffer that never held a
 * secret or plaintext (sealed records), where the wipe is pure cost. */
void wr_free_public(struct wr *w);
/* wr_detach hands a growable buffer to the caller (free with tern_free);
 * returns NULL if the writer failed. */
uint8_t *wr_detach(struct wr *w, size_t *out_len);

static inline bool wr_ok(const struct wr *w)
{
    return !w->err;
}

void wr_u8(struct wr *w, uint8_t v);
void wr_u16(struct wr *w, uint16_t v);
void wr_u24(struct wr *w, uint32_t v);
void wr_u32(struct wr *w, uint32_t v);
void wr_u64(struct wr *w, uint64_t v);
void wr_bytes(struct wr *w, const void *p, size_t n);
void wr_zeros(struct wr *w, size_t n);
/* wr_reserve returns a pointer to n fresh bytes for the caller to fill, or
 * NULL (and sets the error). The pointer is valid until the next write. */
uint8_t *wr_reserve(struct wr *w, size_t n);

/* wr_open_uN reserves an N-bit length prefix and returns a mark for
 * wr_close, which patches in the number of bytes written since. Opens nest. */
size_t wr_open_u8(struct wr *w);
size_t wr_open_u16(struct wr *w);
size_t wr_open_u24(struct wr *w);
void wr_close(struct wr *w, size_t mark);

#endif
