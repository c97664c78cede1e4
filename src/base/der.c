/* Strict DER (X.690 §10): see der.h. */
#include "base/der.h"

#include <stdio.h>
#include <string.h>

bool der_next(struct rd *r, uint8_t *tag, struct rd *content, struct rd *whole)
{
    struct rd t = *r;
    uint8_t tg, first;
    if (!rd_u8(&t, &tg) || (tg & 0x1f) == 0x1f || !rd_u8(&t, &first))
        return false;
    size_t len;
    if (first < 0x80) {
        len = first;
    } else {
        /* 0x80 is the indefinite form, which DER forbids (X.690 §10.1). */
        unsigned n = first & 0x7f;
        if (n == 0 || n > 4)
            return false;
        len = 0;
        for (unsigned i = 0; i < n; i++) {
            uint8_t b;
            if (!rd_u8(&t, &b))
                return false;
            if (i == 0 && b == 0)
                return false; /* leading zero: not the shortest form */
            len = len << 8 | b;
        }
        if (len < 0x80)
            return false; /* would have fitted the short form */
    }
    size_t header = r->len - t.len;
    struct rd all;
    if (t.len < len || !rd_sub(r, &all, header + len))
        return false;
    *tag = tg;
    if (whole)
        *whole = all;
    if (!rd_skip(&all, header))
        return false;
    *content = all;
    return true;
}

bool der_peek(const struct rd *r, uint8_t tag)
{
    return r->len > 0 && r->p[0] == tag;
}

bool der_get_whole(struct rd *r, uint8_t tag, struct rd *content, struct rd *whole)
{
    struct rd t = *r;
    uint8_t got;
    if (!der_peek(r, tag) || !der_next(&t, &got, content, whole))
        return false;
    *r = t;
    return true;
}

bool der_get(struct rd *r, uint8_t tag, struct rd *content)
{
    return der_get_whole(r, tag, content, NULL);
}

bool der_get_optional(struct rd *r, uint8_t tag, struct rd *content, bool *present)
{
    *present = false;
    if (!der_peek(r, tag))
        return true;
    if (!der_get(r, tag, content))
        return false;
    *present = true;
    return true;
}

bool der_get_bool(struct rd *r, bool *out)
{
    struct rd t = *r, c;
    uint8_t v;
    if (!der_get(&t, DER_BOOLEAN, &c) || !rd_u8(&c, &v) || !rd_empty(&c) || (v != 0 && v != 0xff))
        return false;
    *out = v == 0xff;
    *r = t;
    return true;
}

bool der_integer_ok(const struct rd *c)
{
    if (c->len == 0)
        return false;
    if (c->len == 1)
        return true;
    /* The first nine bits may not be all zeros or all ones (X.690 §8.3.2). */
    if (c->p[0] == 0x00 && !(c->p[1] & 0x80))
        return false;
    if (c->p[0] == 0xff && (c->p[1] & 0x80))
        return false;
    return true;
}

bool der_get_integer(struct rd *r, struct rd *out)
{
    struct rd t = *r, c;
    if (!der_get(&t, DER_INTEGER, &c) || !der_integer_ok(&c))
        return false;
    *out = c;
    *r = t;
    return true;
}

bool der_get_small_uint(struct rd *r, int *out)
{
    struct rd t = *r, c;
    if (!der_get_integer(&t, &c) || c.len > 4 || (c.p[0] & 0x80))
        return false;
    uint32_t v = 0;
    uint8_t b;
    while (rd_u8(&c, &b))
        v = v << 8 | b;
    if (v > 0x7fffffff)
        return false;
    *out = (int)v;
    *r = t;
    return true;
}

bool der_get_bit_string(struct rd *r, struct rd *bits, unsigned *unused)
{
    struct rd t = *r, c;
    uint8_t u;
    if (!der_get(&t, DER_BIT_STRING, &c) || !rd_u8(&c, &u) || u > 7)
        return false;
    if (c.len == 0 && u != 0)
        return false;
    if (c.len > 0 && (c.p[c.len - 1] & ((1u << u) - 1)) != 0)
        return false; /* DER: unused bits are zero (X.690 §11.2.1) */
    *bits = c;
    *unused = u;
    *r = t;
    return true;
}

int64_t der_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* Days since 1970-01-01: count in 400-year eras starting in March, so
     * the leap day falls at the end of the counting year. */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool digits(struct rd *r, unsigned n, unsigned *out)
{
    unsigned v = 0;
    for (unsigned i = 0; i < n; i++) {
        uint8_t c;
        if (!rd_u8(r, &c) || c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *out = v;
    return true;
}

static bool leap(unsigned y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool der_get_time(struct rd *r, int64_t *out)
{
    struct rd t = *r, c;
    uint8_t tag;
    if (!der_next(&t, &tag, &c, NULL))
        return false;
    unsigned y, mo, d, h, mi, s;
    uint8_t z;
    /* RFC 5280 §4.1.2.5.1/.2: seconds present, no fractions, Zulu only. */
    if (tag == DER_UTC_TIME && c.len == 13) {
        if (!digits(&c, 2, &y))
            return false;
        y += y >= 50 ? 1900 : 2000;
    } else if (tag == DER_GENERALIZED_TIME && c.len == 15) {
        if (!digits(&c, 4, &y))
            return false;
    } else {
        return false;
    }
    if (!digits(&c, 2, &mo) || !digits(&c, 2, &d) || !digits(&c, 2, &h) || !digits(&c, 2, &mi) ||
        !digits(&c, 2, &s) || !rd_u8(&c, &z) || z != 'Z')
        return false;
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap(y)) || h > 23 ||
        mi > 59 || s > 59)
        return false;
    *out = der_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    *r = t;
    return true;
}

const char *der_time_text(int64_t t, char *buf, size_t cap)
{
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t secs = t - days * 86400;
    /* Inverse of der_days_from_civil. */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    snprintf(buf, cap, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", (long long)y, (long long)m,
             (long long)d, (long long)(secs / 3600), (long long)(secs / 60 % 60),
             (long long)(secs % 60));
    return buf;
}

bool der_oid_is(const struct rd *oid, const uint8_t *enc, size_t len)
{
    return oid->len == len && memcmp(oid->p, enc, len) == 0;
}

bool der_eq(const struct rd *a, const struct rd *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

const char *der_oid_text(const struct rd *oid, char *buf, size_t cap)
{
    struct rd r = *oid;
    size_t used = 0;
    uint64_t v = 0;
    bool first = true;
    uint8_t b;
    buf[0] = 0;
    while (rd_u8(&r, &b)) {
        if (v > (UINT64_MAX >> 7))
            break;
        v = v << 7 | (b & 0x7f);
        if (b & 0x80)
            continue;
        int n;
        if (first) {
            unsigned arc0 = v < 40 ? 0 : v < 80 ? 1 : 2;
            n = snprintf(buf + used, cap - used, "%u.%llu", arc0,
                         (unsigned long long)(v - arc0 * 40));
            first = false;
        } else {
            n = snprintf(buf + used, cap - used, ".%llu", (unsigned long long)v);
        }
        if (n < 0 || (size_t)n >= cap - used)
            break;
        used += (size_t)n;
        v = 0;
    }
    return buf;
}
