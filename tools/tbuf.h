/* Bytes in the tools: a bounds-checked reader and a growable writer with a
 * sticky error, the tools' own (the library's src/base/bytes.h is not
 * public, and tools use only include/tern/). */
#ifndef TERN_TOOLS_TBUF_H
#define TERN_TOOLS_TBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tbr {
    const uint8_t *p;
    size_t len;
};

static inline void tbr_init(struct tbr *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = len;
}

static inline bool tbr_empty(const struct tbr *r)
{
    return r->len == 0;
}

/* Each reader call takes what it reads and returns true, or takes nothing
 * and returns false when r holds too few bytes. */
bool tbr_u8(struct tbr *r, uint8_t *out);
bool tbr_u16(struct tbr *r, uint16_t *out);
bool tbr_u24(struct tbr *r, uint32_t *out);
bool tbr_bytes(struct tbr *r, const uint8_t **out, size_t n);
bool tbr_copy(struct tbr *r, uint8_t *out, size_t n);
bool tbr_skip(struct tbr *r, size_t n);
/* tbr_sub splits the next n bytes off into *sub. */
bool tbr_sub(struct tbr *r, struct tbr *sub, size_t n);

struct tbw {
    uint8_t *buf;
    size_t len, cap;
    bool err; /* sticky: an allocation failed */
};

void tbw_init_grow(struct tbw *w);
/* tbw_free wipes and frees the buffer. */
void tbw_free(struct tbw *w);
/* tbw_detach hands the buffer over (free() it); NULL after an error. */
uint8_t *tbw_detach(struct tbw *w, size_t *out_len);
static inline bool tbw_ok(const struct tbw *w)
{
    return !w->err;
}
void tbw_u8(struct tbw *w, uint8_t v);
void tbw_u16(struct tbw *w, uint16_t v);
void tbw_u24(struct tbw *w, uint32_t v);
void tbw_bytes(struct tbw *w, const void *p, size_t n);

/* tb_wipe zeroes n bytes at p in a way the compiler keeps. */
void tb_wipe(void *p, size_t n);

#endif
