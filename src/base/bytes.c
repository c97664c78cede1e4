#include "base/bytes.h"
#include "base/mem.h"

#include <string.h>

bool rd_bytes(struct rd *r, const uint8_t **out, size_t n)
{
    if (r->len < n)
        return false;
    *out = r->p;
    r->p += n;
    r->len -= n;
    return true;
}

static bool rd_be(struct rd *r, size_t n, uint64_t *out)
{
    const uint8_t *p;
    if (!rd_bytes(r, &p, n))
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    *out = v;
    return true;
}

bool rd_u8(struct rd *r, uint8_t *out)
{
    uint64_t v;
    if (!rd_be(r, 1, &v))
        return false;
    *out = (uint8_t)v;
    return true;
}

bool rd_u16(struct rd *r, uint16_t *out)
{
    uint64_t v;
    if (!rd_be(r, 2, &v))
        return false;
    *out = (uint16_t)v;
    return true;
}

bool rd_u24(struct rd *r, uint32_t *out)
{
    uint64_t v;
    if (!rd_be(r, 3, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

bool rd_u32(struct rd *r, uint32_t *out)
{
    uint64_t v;
    if (!rd_be(r, 4, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

bool rd_u64(struct rd *r, uint64_t *out)
{
    return rd_be(r, 8, out);
}

bool rd_copy(struct rd *r, uint8_t *out, size_t n)
{
    const uint8_t *p;
    if (!rd_bytes(r, &p, n))
        return false;
    if (n)
        memcpy(out, p, n);
    return true;
}

bool rd_skip(struct rd *r, size_t n)
{
    const uint8_t *p;
    return rd_bytes(r, &p, n);
}

bool rd_sub(struct rd *r, struct rd *sub, size_t n)
{
    const uint8_t *p;
    if (!rd_bytes(r, &p, n))
        return false;
    rd_init(sub, p, n);
    return true;
}

static bool rd_prefixed(struct rd *r, struct rd *sub, size_t prefix)
{
    struct rd save = *r;
    uint64_t n;
    if (!rd_be(r, prefix, &n) || !rd_sub(r, sub, (size_t)n)) {
        *r = save;
        return false;
    }
    return true;
}

bool rd_prefixed8(struct rd *r, struct rd *sub)
{
    return rd_prefixed(r, sub, 1);
}

bool rd_prefixed16(struct rd *r, struct rd *sub)
{
    return rd_prefixed(r, sub, 2);
}

bool rd_prefixed24(struct rd *r, struct rd *sub)
{
    return rd_prefixed(r, sub, 3);
}

bool rd_prefixed16_nonempty(struct rd *r, struct rd *sub)
{
    struct rd save = *r;
    if (!rd_prefixed16(r, sub))
        return false;
    if (sub->len == 0) {
        *r = save;
        return false;
    }
    return true;
}

void wr_init_fixed(struct wr *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->len = 0;
    w->cap = cap;
    w->growable = false;
    w->err = false;
}

void wr_init_grow(struct wr *w)
{
    w->buf = NULL;
    w->len = 0;
    w->cap = 0;
    w->growable = true;
    w->err = false;
}

void wr_free(struct wr *w)
{
    if (w->growable && w->buf) {
        tern_memzero(w->buf, w->cap);
        tern_free(w->buf);
    }
    w->buf = NULL;
    w->len = w->cap = 0;
}

void wr_free_public(struct wr *w)
{
    if (w->growable)
        tern_free(w->buf);
    w->buf = NULL;
    w->len = w->cap = 0;
}

uint8_t *wr_detach(struct wr *w, size_t *out_len)
{
    if (!w->growable || w->err) {
        wr_free(w);
        *out_len = 0;
        return NULL;
    }
    uint8_t *p = w->buf;
    *out_len = w->len;
    if (!p) /* nothing written: hand back a valid, empty allocation */
        p = tern_malloc(1);
    w->buf = NULL;
    w->len = w->cap = 0;
    return p;
}

/* grow makes room for n more bytes. Old contents may be secret, so the old
 * block is wiped rather than left behind by realloc. */
static bool grow(struct wr *w, size_t n)
{
    if (w->err)
        return false;
    /* A growable writer with no buffer yet allocates even for n == 0, so
     * wr_reserve never does arithmetic on a null pointer. */
    if (n <= w->cap - w->len && (w->buf || !w->growable))
        return true;
    if (!w->growable || n > SIZE_MAX / 2 - w->len) {
        w->err = true;
        return false;
    }
    size_t need = w->len + n;
    size_t cap = w->cap ? w->cap : 64;
    while (cap < need)
        cap *= 2;
    uint8_t *nb = tern_malloc(cap);
    if (!nb) {
        w->err = true;
        return false;
    }
    if (w->buf) {
        memcpy(nb, w->buf, w->len);
        tern_memzero(w->buf, w->cap);
        tern_free(w->buf);
    }
    w->buf = nb;
    w->cap = cap;
    return true;
}

uint8_t *wr_reserve(struct wr *w, size_t n)
{
    if (!grow(w, n))
        return NULL;
    uint8_t *p = w->buf + w->len;
    w->len += n;
    return p;
}

static void wr_be(struct wr *w, uint64_t v, size_t n)
{
    uint8_t *p = wr_reserve(w, n);
    if (!p)
        return;
    for (size_t i = n; i > 0; i--) {
        p[i - 1] = (uint8_t)v;
        v >>= 8;
    }
}

void wr_u8(struct wr *w, uint8_t v)
{
    wr_be(w, v, 1);
}

void wr_u16(struct wr *w, uint16_t v)
{
    wr_be(w, v, 2);
}

void wr_u24(struct wr *w, uint32_t v)
{
    if (v > 0xffffff) {
        w->err = true;
        return;
    }
    wr_be(w, v, 3);
}

void wr_u32(struct wr *w, uint32_t v)
{
    wr_be(w, v, 4);
}

void wr_u64(struct wr *w, uint64_t v)
{
    wr_be(w, v, 8);
}

void wr_bytes(struct wr *w, const void *p, size_t n)
{
    uint8_t *d = wr_reserve(w, n);
    if (d && n)
        memcpy(d, p, n);
}

void wr_zeros(struct wr *w, size_t n)
{
    uint8_t *d = wr_reserve(w, n);
    if (d && n)
        memset(d, 0, n);
}

/* A mark encodes the prefix position and width: pos * 4 + width. */
static size_t wr_open(struct wr *w, size_t width)
{
    size_t pos = w->len;
    wr_zeros(w, width);
    return pos * 4 + width;
}

size_t wr_open_u8(struct wr *w)
{
    return wr_open(w, 1);
}

size_t wr_open_u16(struct wr *w)
{
    return wr_open(w, 2);
}

size_t wr_open_u24(struct wr *w)
{
    return wr_open(w, 3);
}

void wr_close(struct wr *w, size_t mark)
{
    if (w->err)
        return;
    size_t width = mark % 4, pos = mark / 4;
    if (width == 0 || pos + width > w->len) {
        w->err = true;
        return;
    }
    size_t n = w->len - pos - width;
    if (n >> (8 * width)) {
        w->err = true;
        return;
    }
    for (size_t i = width; i > 0; i--) {
        w->buf[pos + i - 1] = (uint8_t)n;
        n >>= 8;
    }
}
