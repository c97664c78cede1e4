/* The stateless HelloRetryRequest cookie (hs/cookie.c; RFC 8446 §4.2.2). */
#ifndef TERN_HS_COOKIE_H
#define TERN_HS_COOKIE_H

#include "hs/internal.h"

/* suite, group, time, hash length, the hash */
#define HS_COOKIE_PLAIN_MAX (2 + 2 + 8 + 1 + CRY_MAX_HASH)
/* nonce and tag around it */
#define HS_COOKIE_MAX (12 + HS_COOKIE_PLAIN_MAX + 16)
/* how long a cookie is good for after its HelloRetryRequest */
#define HS_COOKIE_LIFETIME_MS 30000u

/* What a cookie carries. */
struct hs_cookie {
    uint16_t suite, group;
    uint64_t issued_ms;
    uint8_t ch1_hash[CRY_MAX_HASH];
    size_t hash_len;
};

/* hs_cookie_seal writes the cookie for this HelloRetryRequest into out
 * (room for HS_COOKIE_MAX bytes). */
TERN_MUST_CHECK int hs_cookie_seal(tern_conn *c, uint16_t suite, uint16_t group,
                                   const uint8_t *ch1_hash, size_t hash_len, uint8_t *out,
                                   size_t *out_len);
/* hs_cookie_open authenticates and decodes a ClientHello's cookie (the
 * extension's opaque contents); illegal_parameter when it is not one of
 * this server's, or too old. */
TERN_MUST_CHECK int hs_cookie_open(tern_conn *c, struct rd cookie, struct hs_cookie *out);

#endif
