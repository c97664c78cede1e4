/* The stateless HelloRetryRequest cookie (RFC 8446 §4.2.2, §4.4.1).
 *
 * A server that asks for a second ClientHello keeps nothing between the
 * two: what it needs to go on (the suite and group it chose, and the hash
 * of the first ClientHello that starts the transcript) travels in the
 * cookie, sealed with AES-256-GCM under a key derived from the ticket
 * secret, so servers sharing a ticket key accept each other's cookies. The
 * HelloRetryRequest itself is rebuilt from the second ClientHello (its
 * session ID and the echoed cookie).
 *
 *   cookie = nonce (12) || AES-256-GCM(key, nonce, aad = "tern cookie 1",
 *              suite (2) || group (2) || issued_ms (8) || hash_len (1) ||
 *              Hash(ClientHello1)) || tag (16)
 *   key = HKDF-Expand(SHA-256, ticket secret, "tern hrr cookie", 32) */
#include "hs/cookie.h"

#include "base/mem.h"
#include "hs/session.h"

#include <string.h>

static const uint8_t cookie_aad[] = "tern cookie 1";

static int cookie_key(const tern_config *cfg, struct cry_aead_key *k)
{
    static const uint8_t info[] = "tern hrr cookie";
    uint8_t key[32];
    int rc = cry_hkdf_expand(CRY_SHA256, cfg->ticket_secret, cfg->ticket_secret_len, info,
                             sizeof(info) - 1, key, sizeof(key));
    if (rc == TERN_OK)
        rc = cry_aead_init(k, CRY_AES_256_GCM, key, sizeof(key));
    tern_memzero(key, sizeof(key));
    return rc;
}

int hs_cookie_seal(tern_conn *c, uint16_t suite, uint16_t group, const uint8_t *ch1_hash,
                   size_t hash_len, uint8_t *out, size_t *out_len)
{
    uint8_t plain[HS_COOKIE_PLAIN_MAX];
    struct wr p;
    wr_init_fixed(&p, plain, sizeof(plain));
    wr_u16(&p, suite);
    wr_u16(&p, group);
    wr_u64(&p, hs_now_ms());
    wr_u8(&p, (uint8_t)hash_len);
    wr_bytes(&p, ch1_hash, hash_len);
    if (!wr_ok(&p))
        return hs_fail(c, TERN_E_INTERNAL, "the HelloRetryRequest cookie does not fit");
    uint8_t *nonce = out, *body = out + 12, *tag = out + 12 + p.len;
    int rc = hs_random(c, nonce, 12);
    if (rc != TERN_OK)
        return rc;
    memcpy(body, plain, p.len);
    struct cry_aead_key k = {0};
    rc = cookie_key(c->cfg, &k);
    if (rc == TERN_OK)
        rc = cry_aead_seal(&k, nonce, 12, cookie_aad, sizeof(cookie_aad) - 1, body, p.len, tag, 16);
    cry_aead_cleanup(&k);
    tern_memzero(plain, sizeof(plain));
    if (rc != TERN_OK)
        return hs_fail(c, TERN_E_INTERNAL, "sealing the HelloRetryRequest cookie failed");
    *out_len = 12 + p.len + 16;
    return TERN_OK;
}

int hs_cookie_open(tern_conn *c, struct rd cookie, struct hs_cookie *out)
{
    const uint8_t *nonce, *body, *tag;
    size_t n = cookie.len > 28 ? cookie.len - 28 : 0;
    if (n == 0 || n > HS_COOKIE_PLAIN_MAX || !rd_bytes(&cookie, &nonce, 12) ||
        !rd_bytes(&cookie, &body, n) || !rd_bytes(&cookie, &tag, 16))
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "the ClientHello's cookie (%zu bytes) is not one this server made",
                       cookie.len);
    uint8_t plain[HS_COOKIE_PLAIN_MAX];
    memcpy(plain, body, n);
    struct cry_aead_key k = {0};
    int rc = cookie_key(c->cfg, &k);
    if (rc == TERN_OK)
        rc = cry_aead_open(&k, nonce, 12, cookie_aad, sizeof(cookie_aad) - 1, plain, n, tag, 16);
    cry_aead_cleanup(&k);
    if (rc != TERN_OK)
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "the ClientHello's cookie does not authenticate under this server's key: "
                       "altered, or made by a server with another ticket key");
    struct rd r;
    rd_init(&r, plain, n);
    uint8_t hash_len;
    const uint8_t *hash;
    if (!rd_u16(&r, &out->suite) || !rd_u16(&r, &out->group) || !rd_u64(&r, &out->issued_ms) ||
        !rd_u8(&r, &hash_len) || hash_len > sizeof(out->ch1_hash) ||
        !rd_bytes(&r, &hash, hash_len) || !rd_empty(&r))
        return hs_fail(c, TERN_E_INTERNAL, "a cookie of ours does not decode");
    memcpy(out->ch1_hash, hash, hash_len);
    out->hash_len = hash_len;
    uint64_t now = hs_now_ms();
    /* A second ClientHello follows the first by a round trip; an old
     * cookie is a replay, or a client that stalled. */
    if (out->issued_ms > now + 1000 || now - out->issued_ms > HS_COOKIE_LIFETIME_MS)
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "the ClientHello's cookie was made %lld ms ago; this server accepts "
                       "cookies for %u ms",
                       (long long)(now - out->issued_ms), HS_COOKIE_LIFETIME_MS);
    return TERN_OK;
}
