/* Key exchange by TLS named group: round trips for every group, shares of
 * every wrong length, invalid keys, and ML-KEM's implicit rejection seen
 * through the hybrid X25519MLKEM768. */
#include "base/mem.h"
#include "crypto/mlkem.h"
#include "crypto/provider.h"
#include "test.h"

#include <string.h>

struct group {
    uint16_t id;
    const char *name;
    size_t client_len, server_len, secret_len;
};

static const struct group groups[] = {
    {0x001d, "x25519", 32, 32, 32},
    {0x0017, "secp256r1", 65, 65, 32},
    {0x0018, "secp384r1", 97, 97, 48},
    {0x11ec, "X25519MLKEM768", 1216, 1120, 64},
};
#define NGROUPS (sizeof(groups) / sizeof(groups[0]))

static void test_supported(void)
{
    for (size_t i = 0; i < NGROUPS; i++)
        CHECK(cry_kex_supported(groups[i].id));
    CHECK(!cry_kex_supported(0x0000));
    CHECK(!cry_kex_supported(0x0019)); /* secp521r1 */
    CHECK(!cry_kex_supported(0x001e)); /* x448 */
    CHECK(!cry_kex_supported(0x0201)); /* ML-KEM-768 alone */
    CHECK(!cry_kex_supported(0x11eb)); /* SecP256r1MLKEM768 */

    struct cry_kex k;
    uint8_t share[CRY_KEX_MAX_SHARE];
    size_t n = 99;
    CHECK_EQ(cry_kex_keygen(&k, 0x0019, share, sizeof(share), &n), TERN_E_UNSUPPORTED);
    CHECK_EQ(n, 0);
    cry_kex_cleanup(&k);
    uint8_t secret[CRY_KEX_MAX_SECRET];
    size_t sn;
    CHECK_EQ(
        cry_kex_respond(0x0019, share, 32, share, sizeof(share), &n, secret, sizeof(secret), &sn),
        TERN_E_UNSUPPORTED);
}

static void test_roundtrips(void)
{
    for (size_t i = 0; i < NGROUPS; i++) {
        const struct group *g = &groups[i];
        for (int rep = 0; rep < 3; rep++) {
            struct cry_kex k;
            uint8_t cshare[CRY_KEX_MAX_SHARE], sshare[CRY_KEX_MAX_SHARE];
            uint8_t s1[CRY_KEX_MAX_SECRET], s2[CRY_KEX_MAX_SECRET];
            size_t clen = 0, slen = 0, s1len = 0, s2len = 0;
            CHECK_EQ(cry_kex_keygen(&k, g->id, cshare, sizeof(cshare), &clen), TERN_OK);
            CHECK_EQ(clen, g->client_len);
            CHECK_EQ(cry_kex_respond(g->id, cshare, clen, sshare, sizeof(sshare), &slen, s1,
                                     sizeof(s1), &s1len),
                     TERN_OK);
            CHECK_EQ(slen, g->server_len);
            CHECK_EQ(s1len, g->secret_len);
            CHECK_EQ(cry_kex_finish(&k, sshare, slen, s2, sizeof(s2), &s2len), TERN_OK);
            CHECK_EQ(s2len, g->secret_len);
            CHECK_MEM(s1, s2, g->secret_len);
            cry_kex_cleanup(&k);
            CHECK(k.mlkem_dk == NULL);
            cry_kex_cleanup(&k); /* twice is fine */
        }
    }
}

/* Every length but the right one, both directions, for every group. */
static void test_wrong_lengths(void)
{
    static uint8_t junk[CRY_KEX_MAX_SHARE + 16];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (uint8_t)(i * 7 + 1);
    for (size_t gi = 0; gi < NGROUPS; gi++) {
        const struct group *g = &groups[gi];
        struct cry_kex k;
        uint8_t cshare[CRY_KEX_MAX_SHARE], sshare[CRY_KEX_MAX_SHARE], s[CRY_KEX_MAX_SECRET];
        size_t clen, slen, sl;
        CHECK_EQ(cry_kex_keygen(&k, g->id, cshare, sizeof(cshare), &clen), TERN_OK);
        int wrong_accepted = 0, tested = 0;
        for (size_t len = 0; len <= g->client_len + 16; len++) {
            if (len == g->client_len)
                continue;
            tested++;
            if (cry_kex_respond(g->id, junk, len, sshare, sizeof(sshare), &slen, s, sizeof(s),
                                &sl) != TERN_E_ILLEGAL_PARAMETER)
                wrong_accepted++;
        }
        for (size_t len = 0; len <= g->server_len + 16; len++) {
            if (len == g->server_len)
                continue;
            tested++;
            if (cry_kex_finish(&k, junk, len, s, sizeof(s), &sl) != TERN_E_ILLEGAL_PARAMETER)
                wrong_accepted++;
        }
        fprintf(stderr, "  %s: %d wrong lengths, %d accepted\n", g->name, tested, wrong_accepted);
        CHECK_EQ(wrong_accepted, 0);
        /* A failed finish leaves the key usable for the right share. */
        uint8_t s1[CRY_KEX_MAX_SECRET], s2[CRY_KEX_MAX_SECRET];
        size_t s1l, s2l;
        CHECK_EQ(cry_kex_respond(g->id, cshare, clen, sshare, sizeof(sshare), &slen, s1, sizeof(s1),
                                 &s1l),
                 TERN_OK);
        CHECK_EQ(cry_kex_finish(&k, sshare, slen, s2, sizeof(s2), &s2l), TERN_OK);
        CHECK_MEM(s1, s2, g->secret_len);
        cry_kex_cleanup(&k);
    }
}

/* Right lengths, wrong values. */
static void test_invalid_values(void)
{
    uint8_t share[CRY_KEX_MAX_SHARE], sshare[CRY_KEX_MAX_SHARE], s[CRY_KEX_MAX_SECRET];
    size_t slen, sl;
    /* A P-256 point not on the curve, the point at infinity's encoding,
     * and a compressed point. */
    memset(share, 0, 65);
    share[0] = 0x04;
    share[64] = 1;
    CHECK_EQ(cry_kex_respond(0x0017, share, 65, sshare, sizeof(sshare), &slen, s, sizeof(s), &sl),
             TERN_E_ILLEGAL_PARAMETER);
    share[0] = 0x02;
    CHECK_EQ(cry_kex_respond(0x0017, share, 65, sshare, sizeof(sshare), &slen, s, sizeof(s), &sl),
             TERN_E_ILLEGAL_PARAMETER);
    /* X25519's zero point gives the all-zero secret, which is refused. */
    memset(share, 0, 32);
    CHECK_EQ(cry_kex_respond(0x001d, share, 32, sshare, sizeof(sshare), &slen, s, sizeof(s), &sl),
             TERN_E_ILLEGAL_PARAMETER);

    /* The hybrid: an encapsulation key failing the modulus check. */
    struct cry_kex k;
    size_t clen;
    CHECK_EQ(cry_kex_keygen(&k, 0x11ec, share, sizeof(share), &clen), TERN_OK);
    share[0] = 0xff;
    share[1] |= 0x0f; /* first coefficient 4095 */
    CHECK_EQ(cry_kex_respond(0x11ec, share, clen, sshare, sizeof(sshare), &slen, s, sizeof(s), &sl),
             TERN_E_ILLEGAL_PARAMETER);
    CHECK_EQ(slen, 0);
    CHECK_EQ(sl, 0);
    /* ... and its X25519 half set to the zero point. */
    cry_kex_cleanup(&k);
    CHECK_EQ(cry_kex_keygen(&k, 0x11ec, share, sizeof(share), &clen), TERN_OK);
    memset(share + MLKEM768_EK_LEN, 0, 32);
    CHECK_EQ(cry_kex_respond(0x11ec, share, clen, sshare, sizeof(sshare), &slen, s, sizeof(s), &sl),
             TERN_E_ILLEGAL_PARAMETER);
    cry_kex_cleanup(&k);

    /* finish without keygen, and buffers too small. */
    struct cry_kex none;
    memset(&none, 0, sizeof(none));
    CHECK(cry_kex_finish(&none, sshare, 32, s, sizeof(s), &sl) != TERN_OK);
    CHECK(cry_kex_keygen(&k, 0x11ec, share, 1215, &clen) != TERN_OK);
    CHECK(k.mlkem_dk == NULL);
    cry_kex_cleanup(&k);
}

/* A changed ML-KEM ciphertext is not an error: the client's ML-KEM half is
 * the implicit-rejection key, so the secrets differ and the handshake fails
 * later, at Finished. */
static void test_hybrid_implicit_rejection(void)
{
    struct cry_kex k;
    uint8_t cshare[CRY_KEX_MAX_SHARE], sshare[CRY_KEX_MAX_SHARE];
    uint8_t s1[CRY_KEX_MAX_SECRET], s2[CRY_KEX_MAX_SECRET];
    size_t clen, slen, s1l, s2l;
    CHECK_EQ(cry_kex_keygen(&k, 0x11ec, cshare, sizeof(cshare), &clen), TERN_OK);
    CHECK_EQ(
        cry_kex_respond(0x11ec, cshare, clen, sshare, sizeof(sshare), &slen, s1, sizeof(s1), &s1l),
        TERN_OK);
    sshare[17] ^= 0x20;
    CHECK_EQ(cry_kex_finish(&k, sshare, slen, s2, sizeof(s2), &s2l), TERN_OK);
    CHECK_EQ(s2l, 64);
    CHECK(memcmp(s1, s2, 32) != 0);  /* ML-KEM half rejected */
    CHECK_MEM(s1 + 32, s2 + 32, 32); /* X25519 half unaffected */
    sshare[17] ^= 0x20;
    CHECK_EQ(cry_kex_finish(&k, sshare, slen, s2, sizeof(s2), &s2l), TERN_OK);
    CHECK_MEM(s1, s2, 64);
    cry_kex_cleanup(&k);
}

/* An X25519 share made beside a hybrid one holds the hybrid's X25519 key:
 * the same public value, and either share finishes against a server's answer
 * (each after the other was cleaned up: the key is shared, not moved). */
static void test_x25519_beside_hybrid(void)
{
    for (int drop_hybrid_first = 0; drop_hybrid_first < 2; drop_hybrid_first++) {
        struct cry_kex hk, xk;
        uint8_t hshare[CRY_KEX_MAX_SHARE], xshare[32], sshare[CRY_KEX_MAX_SHARE];
        uint8_t s1[CRY_KEX_MAX_SECRET], s2[CRY_KEX_MAX_SECRET];
        size_t hlen, xlen, slen, s1l, s2l;
        CHECK_EQ(cry_kex_share_len(0x11ec), 1216);
        CHECK_EQ(cry_kex_share_len(0x001d), 32);
        CHECK_EQ(cry_kex_share_len(0x0019), 0);
        CHECK_EQ(cry_kex_keygen(&hk, 0x11ec, hshare, sizeof(hshare), &hlen), TERN_OK);
        CHECK_EQ(cry_kex_keygen_beside(&xk, 0x001d, &hk, xshare, sizeof(xshare), &xlen), TERN_OK);
        CHECK_EQ(xlen, 32);
        CHECK_MEM(xshare, hshare + MLKEM768_EK_LEN, 32);
        /* The server takes the X25519 share, or the hybrid one. */
        struct cry_kex *keep = drop_hybrid_first ? &xk : &hk;
        cry_kex_cleanup(drop_hybrid_first ? &hk : &xk);
        const uint8_t *cs = drop_hybrid_first ? xshare : hshare;
        uint16_t g = drop_hybrid_first ? 0x001d : 0x11ec;
        CHECK_EQ(cry_kex_respond(g, cs, drop_hybrid_first ? xlen : hlen, sshare, sizeof(sshare),
                                 &slen, s1, sizeof(s1), &s1l),
                 TERN_OK);
        CHECK_EQ(cry_kex_finish(keep, sshare, slen, s2, sizeof(s2), &s2l), TERN_OK);
        CHECK_EQ(s1l, s2l);
        CHECK_MEM(s1, s2, s1l);
        cry_kex_cleanup(keep);
    }
    /* Beside anything but a hybrid, or for another group, a fresh key. */
    struct cry_kex a, b;
    uint8_t pa[32], pb[65];
    size_t la, lb;
    CHECK_EQ(cry_kex_keygen(&a, 0x001d, pa, sizeof(pa), &la), TERN_OK);
    CHECK_EQ(cry_kex_keygen_beside(&b, 0x001d, &a, pb, sizeof(pb), &lb), TERN_OK);
    CHECK(memcmp(pa, pb, 32) != 0);
    cry_kex_cleanup(&b);
    CHECK_EQ(cry_kex_keygen_beside(&b, 0x0017, NULL, pb, sizeof(pb), &lb), TERN_OK);
    CHECK_EQ(lb, 65);
    cry_kex_cleanup(&b);
    cry_kex_cleanup(&a);
}

int main(void)
{
    RUN(test_supported);
    RUN(test_roundtrips);
    RUN(test_wrong_lengths);
    RUN(test_invalid_values);
    RUN(test_hybrid_implicit_rejection);
    RUN(test_x25519_beside_hybrid);
    return test_done();
}
