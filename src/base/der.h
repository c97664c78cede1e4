/* A strict DER reader on top of the bytes reader (X.690 §10).
 *
 * Only definite lengths in their shortest form, single-byte tags (every tag
 * of the X.509 profile is below 31, so the high-tag-number form is refused
 * rather than half-supported), minimal INTEGERs, canonical BOOLEANs. Each
 * der_* call either consumes one whole TLV and returns true, or consumes
 * nothing and returns false. */
#ifndef TERN_BASE_DER_H
#define TERN_BASE_DER_H

#include "base/bytes.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    DER_BOOLEAN = 0x01,
    DER_INTEGER = 0x02,
    DER_BIT_STRING = 0x03,
    DER_OCTET_STRING = 0x04,
    DER_NULL = 0x05,
    DER_OID = 0x06,
    DER_UTF8_STRING = 0x0c,
    DER_PRINTABLE_STRING = 0x13,
    DER_T61_STRING = 0x14,
    DER_IA5_STRING = 0x16,
    DER_UTC_TIME = 0x17,
    DER_GENERALIZED_TIME = 0x18,
    DER_UNIVERSAL_STRING = 0x1c,
    DER_BMP_STRING = 0x1e,
    DER_SEQUENCE = 0x30,
    DER_SET = 0x31,
};
#define DER_CONTEXT(n)             (uint8_t)(0x80 | (n)) /* [n] IMPLICIT, primitive */
#define DER_CONTEXT_CONSTRUCTED(n) (uint8_t)(0xa0 | (n)) /* [n], constructed */

/* der_next reads any TLV: its tag, its contents, and (if whole is not NULL)
 * the whole encoding including the header. */
TERN_MUST_CHECK bool der_next(struct rd *r, uint8_t *tag, struct rd *content, struct rd *whole);
/* der_get reads one TLV that must carry `tag`. */
TERN_MUST_CHECK bool der_get(struct rd *r, uint8_t tag, struct rd *content);
/* der_get_whole is der_get that also returns the whole encoding. */
TERN_MUST_CHECK bool der_get_whole(struct rd *r, uint8_t tag, struct rd *content, struct rd *whole);
/* der_peek: does the next TLV carry `tag`? */
bool der_peek(const struct rd *r, uint8_t tag);
/* der_get_optional reads the TLV if its tag is next; *present says whether. */
TERN_MUST_CHECK bool der_get_optional(struct rd *r, uint8_t tag, struct rd *content, bool *present);

/* der_get_bool: a BOOLEAN, which DER encodes as 0x00 or 0xff only. */
TERN_MUST_CHECK bool der_get_bool(struct rd *r, bool *out);
/* der_get_integer: an INTEGER in minimal two's complement; content borrowed. */
TERN_MUST_CHECK bool der_get_integer(struct rd *r, struct rd *out);
/* der_integer_ok: is this INTEGER content minimally encoded? */
bool der_integer_ok(const struct rd *content);
/* der_get_small_uint: a non-negative INTEGER that fits in 31 bits. */
TERN_MUST_CHECK bool der_get_small_uint(struct rd *r, int *out);
/* der_get_bit_string: a BIT STRING; *bits borrows the bytes after the
 * unused-bits count, whose padding bits must be zero (DER). */
TERN_MUST_CHECK bool der_get_bit_string(struct rd *r, struct rd *bits, unsigned *unused);
/* der_get_time: a UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime
 * (YYYYMMDDHHMMSSZ) in the strict forms RFC 5280 §4.1.2.5 requires, as
 * Unix seconds. */
TERN_MUST_CHECK bool der_get_time(struct rd *r, int64_t *out);

/* der_oid_is: does an OID's content equal the given encoded bytes? */
bool der_oid_is(const struct rd *oid, const uint8_t *enc, size_t len);
#define DER_OID_IS(oid, arr) der_oid_is((oid), (arr), sizeof(arr))
/* der_oid_text renders an OID's content as dotted decimal into buf. */
const char *der_oid_text(const struct rd *oid, char *buf, size_t cap);
/* der_eq: byte equality of two views. */
bool der_eq(const struct rd *a, const struct rd *b);

/* Calendar helpers (proleptic Gregorian, UTC). */
int64_t der_days_from_civil(int64_t y, unsigned m, unsigned d);
/* der_time_text: "2025-03-01T00:00:00Z" into buf (at least 32 bytes). */
const char *der_time_text(int64_t t, char *buf, size_t cap);

#endif
