/* The tools' bytes reader and writer (tbuf.h). */
#include "tbuf.h"

#include <stdlib.h>
#include <string.h>

bool tbr_u8(struct tbr *r, uint8_t *out)
{
    if (r->len < 1)
        return false;
    *out = r->p[0];
    r->p++;
    r->len--;
    return true;
}

bool tbr_u16(struct tbr *r, uint16_t *out)
{
    if (r->len < 2)
        return false;
    *out = (uint16_t)(r->p[0] << 8 | r->p[1]);
    r->p += 2;
    r->len -= 2;
    return true;
}

bool tbr_u24(struct tbr *r, uint32_t *out)
{
    if (r->len < 3)
        return false;
    *out = (uint32_t)r->p[0] << 16 | (uint32_t)r->p[1] << 8 | r->p[2];
    r->p += 3;
    r->len -= 3;
    return true;
}

bool tbr_bytes(struct tbr *r, const uint8_t **out, size_t n)
{
    if (r->len < n)
        return false;
    *out = r->p;
    r->p += n;
    r->len -= n;
    return true;
}

bool tbr_copy(struct tbr *r, uint8_t *out, size_t n)
{
    const uint8_t *p;
    if (!tbr_bytes(r, &p, n))
        return false;
    if (n)
        memcpy(out, p, n);
    return true;
}

bool tbr_skip(struct tbr *r, size_t n)
{
    const uint8_t *p;
    return tbr_bytes(r, &p, n);
}

bool tbr_sub(struct tbr *r, struct tbr *sub, size_t n)
{
    const uint8_t *p;
    if (!tbr_bytes(r, &p, n))
        return false;
    tbr_init(sub, p, n);
    return true;
}

void tb_wipe(void *p, size_t n)
{
    volatile uint8_t *v = p;
    while (n--)
        *v++ = 0;
}

void tbw_init_grow(struct tbw *w)
{
    memset(w, 0, sizeof(*w));
}

void tbw_free(struct tbw *w)
{
    if (w->buf)
        tb_wipe(w->buf, w->cap);
    free(w->buf);
    memset(w, 0, sizeof(*w));
}

uint8_t *tbw_detach(struct tbw *w, size_t *out_len)
{
    if (w->err) {
        tbw_free(w);
        *out_len = 0;
        return NULL;
    }
    uint8_t *b = w->buf ? w->buf : malloc(1);
    *out_len = w->len;
    memset(w, 0, sizeof(*w));
    return b;
}

/* room makes space for n more bytes; growing copies into a new buffer and
 * wipes the old one (it may hold a key). */
static bool room(struct tbw *w, size_t n)
{
    if (w->err)
        return false;
    if (n <= w->cap - w->len)
        return true;
    size_t cap = w->cap ? w->cap : 64;
    while (cap - w->len < n) {
        if (cap > (SIZE_MAX >> 2)) {
            w->err = true;
            return false;
        }
        cap *= 2;
    }
    uint8_t *b = malloc(cap);
    if (!b) {
        w->err = true;
        return false;
    }
    if (w->len)
        memcpy(b, w->buf, w->len);
    if (w->buf)
        tb_wipe(w->buf, w->cap);
    free(w->buf);
    w->buf = b;
    w->cap = cap;
    return true;
}

void tbw_bytes(struct tbw *w, const void *p, size_t n)
{
    if (!n || !room(w, n))
        return;
    memcpy(w->buf + w->len, p, n);
    w->len += n;
}

void tbw_u8(struct tbw *w, uint8_t v)
{
    tbw_bytes(w, &v, 1);
}

void tbw_u16(struct tbw *w, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    tbw_bytes(w, b, 2);
}

void tbw_u24(struct tbw *w, uint32_t v)
{
    uint8_t b[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    tbw_bytes(w, b, 3);
}
