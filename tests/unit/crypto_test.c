/* Unit tests of the crypto provider: known answers from the RFCs, state
 * handling, tamper rejection, key round trips. The published suites
 * (Wycheproof) run in wycheproof_test.c. */
#include "base/bytes.h"
#include "base/mem.h"
#include "crypto/provider.h"
#include "test.h"

#include <stdlib.h>
#include <pthread.h>
#include <string.h>

/* unhex: test constants; aborts on a malformed literal (a bug in the test). */
static uint8_t *unhex(const char *hex, size_t *n)
{
    uint8_t *p = hex_decode(hex, n);
    if (!p) {
        fprintf(stderr, "bad hex literal: %s\n", hex);
        abort();
    }
    return p;
}

/* check_hex compares got[0..n) with a hex literal. */
static void check_hex(const uint8_t *got, size_t n, const char *hex)
{
    size_t m;
    uint8_t *want = unhex(hex, &m);
    CHECK_EQ(n, m);
    if (n == m)
        CHECK_MEM(got, want, n);
    free(want);
}

/* ---- hashes, HMAC, HKDF ---- */

static void test_hash_kat(void)
{
    uint8_t out[CRY_MAX_HASH];
    /* FIPS 180-2 "abc" examples. */
    CHECK_EQ(cry_hash(CRY_SHA256, "abc", 3, out), TERN_OK);
    check_hex(out, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK_EQ(cry_hash(CRY_SHA384, "abc", 3, out), TERN_OK);
    check_hex(out, 48,
              "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
              "8086072ba1e7cc2358baeca134c825a7");
    CHECK_EQ(cry_hash(CRY_SHA512, "abc", 3, out), TERN_OK);
    check_hex(out, 64,
              "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
              "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    CHECK_EQ(cry_hash(CRY_SHA1, "abc", 3, out), TERN_OK);
    check_hex(out, 20, "a9993e364706816aba3e25717850c26c9cd0d89d");
    CHECK_EQ(cry_hash_len(CRY_SHA384), 48);
    CHECK_EQ(cry_hash((enum cry_hash)9, "abc", 3, out), TERN_E_UNSUPPORTED);
    CHECK_EQ(cry_hash_len((enum cry_hash)9), 0);
}

static void test_hash_peek_keeps_state(void)
{
    struct cry_hash_ctx c, d;
    uint8_t a[32], b[32];
    CHECK_EQ(cry_hash_init(&c, CRY_SHA256), TERN_OK);
    CHECK_EQ(cry_hash_peek(&c, a), TERN_OK); /* the empty transcript */
    check_hex(a, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK_EQ(cry_hash_update(&c, "a", 1), TERN_OK);
    CHECK_EQ(cry_hash_peek(&c, a), TERN_OK);
    CHECK_EQ(cry_hash(CRY_SHA256, "a", 1, b), TERN_OK);
    CHECK_MEM(a, b, 32);
    /* Peeking twice gives the same answer and hashing goes on after it. */
    CHECK_EQ(cry_hash_peek(&c, a), TERN_OK);
    CHECK_MEM(a, b, 32);
    CHECK_EQ(cry_hash_update(&c, "bc", 2), TERN_OK);
    CHECK_EQ(cry_hash_peek(&c, a), TERN_OK);
    check_hex(a, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* A copy runs on independently. */
    CHECK_EQ(cry_hash_copy(&d, &c), TERN_OK);
    CHECK_EQ(cry_hash_update(&d, "d", 1), TERN_OK);
    CHECK_EQ(cry_hash_peek(&d, a), TERN_OK);
    CHECK_EQ(cry_hash(CRY_SHA256, "abcd", 4, b), TERN_OK);
    CHECK_MEM(a, b, 32);
    CHECK_EQ(cry_hash_peek(&c, a), TERN_OK);
    check_hex(a, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    cry_hash_cleanup(&c);
    cry_hash_cleanup(&c); /* twice is safe */
    cry_hash_cleanup(&d);
    CHECK_EQ(cry_hash_update(&c, "x", 1), TERN_E_ARG);
}

struct hmac_case {
    const char *key_hex; /* NULL: key of key_len bytes of key_byte */
    uint8_t key_byte;
    size_t key_len;
    const char *data;
    const char *sha256, *sha384, *sha512;
};

static void test_hmac_rfc4231(void)
{
    /* RFC 4231 §4.2, §4.3 and §4.7 (test cases 1, 2 and 6). */
    static const struct hmac_case cases[] = {
        {NULL, 0x0b, 20, "Hi There",
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
         "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
         "faea9ea9076ede7f4af152e8b2fa9cb6",
         "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
         "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"},
        {"4a656665", 0, 0, "what do ya want for nothing?",
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
         "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
         "8e2240ca5e69e2c78b3239ecfab21649",
         "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
         "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
        {NULL, 0xaa, 131, "Test Using Larger Than Block-Size Key - Hash Key First",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
         "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
         "0c2ef6ab4030fe8296248df163f44952",
         "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
         "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct hmac_case *c = &cases[i];
        uint8_t keybuf[256], out[CRY_MAX_HASH];
        size_t key_len = c->key_len;
        if (c->key_hex) {
            uint8_t *k = unhex(c->key_hex, &key_len);
            memcpy(keybuf, k, key_len);
            free(k);
        } else {
            memset(keybuf, c->key_byte, key_len);
        }
        size_t dl = strlen(c->data);
        CHECK_EQ(cry_hmac(CRY_SHA256, keybuf, key_len, c->data, dl, out), TERN_OK);
        check_hex(out, 32, c->sha256);
        CHECK_EQ(cry_hmac(CRY_SHA384, keybuf, key_len, c->data, dl, out), TERN_OK);
        check_hex(out, 48, c->sha384);
        CHECK_EQ(cry_hmac(CRY_SHA512, keybuf, key_len, c->data, dl, out), TERN_OK);
        check_hex(out, 64, c->sha512);
    }
}

static void test_hkdf_rfc5869(void)
{
    uint8_t prk[32], okm[82], ikm[80], salt[80], info[80];
    /* A.1 */
    memset(ikm, 0x0b, 22);
    for (int i = 0; i < 13; i++)
        salt[i] = (uint8_t)i;
    for (int i = 0; i < 10; i++)
        info[i] = (uint8_t)(0xf0 + i);
    CHECK_EQ(cry_hkdf_extract(CRY_SHA256, salt, 13, ikm, 22, prk), TERN_OK);
    check_hex(prk, 32, "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
    CHECK_EQ(cry_hkdf_expand(CRY_SHA256, prk, 32, info, 10, okm, 42), TERN_OK);
    check_hex(okm, 42,
              "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
              "34007208d5b887185865");
    /* A.2: longer inputs, three blocks of output */
    for (int i = 0; i < 80; i++) {
        ikm[i] = (uint8_t)i;
        salt[i] = (uint8_t)(0x60 + i);
        info[i] = (uint8_t)(0xb0 + i);
    }
    CHECK_EQ(cry_hkdf_extract(CRY_SHA256, salt, 80, ikm, 80, prk), TERN_OK);
    check_hex(prk, 32, "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244");
    CHECK_EQ(cry_hkdf_expand(CRY_SHA256, prk, 32, info, 80, okm, 82), TERN_OK);
    check_hex(okm, 82,
              "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
              "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
              "cc30c58179ec3e87c14c01d5c1f3434f1d87");
    /* A.3: empty salt and info */
    memset(ikm, 0x0b, 22);
    CHECK_EQ(cry_hkdf_extract(CRY_SHA256, NULL, 0, ikm, 22, prk), TERN_OK);
    check_hex(prk, 32, "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04");
    CHECK_EQ(cry_hkdf_expand(CRY_SHA256, prk, 32, NULL, 0, okm, 42), TERN_OK);
    check_hex(okm, 42,
              "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
              "9d201395faa4b61a96c8");
    /* RFC 5869 §2.3: at most 255 blocks. */
    uint8_t *big = malloc(255 * 32 + 1);
    CHECK_EQ(cry_hkdf_expand(CRY_SHA256, prk, 32, NULL, 0, big, 255 * 32), TERN_OK);
    CHECK_EQ(cry_hkdf_expand(CRY_SHA256, prk, 32, NULL, 0, big, 255 * 32 + 1), TERN_E_ARG);
    free(big);
}

static void test_expand_label_rfc8448(void)
{
    /* RFC 8448 §3, {server} derive secret for handshake "tls13 derived". */
    size_t n;
    uint8_t *early = unhex("33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a", &n);
    uint8_t empty_hash[32], out[32];
    CHECK_EQ(cry_hash(CRY_SHA256, "", 0, empty_hash), TERN_OK);
    CHECK_EQ(cry_hkdf_expand_label(CRY_SHA256, early, "derived", empty_hash, 32, out, 32), TERN_OK);
    check_hex(out, 32, "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba");
    free(early);
    /* {server} derive write traffic keys for handshake data: empty context. */
    uint8_t *shs = unhex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38", &n);
    uint8_t key[16], iv[12];
    CHECK_EQ(cry_hkdf_expand_label(CRY_SHA256, shs, "key", NULL, 0, key, 16), TERN_OK);
    check_hex(key, 16, "3fce516009c21727d0f2e4e86ee403bc");
    CHECK_EQ(cry_hkdf_expand_label(CRY_SHA256, shs, "iv", NULL, 0, iv, 12), TERN_OK);
    check_hex(iv, 12, "5d313eb2671276ee13000b30");
    /* Labels and contexts longer than their length fields allow are refused. */
    char longlabel[260];
    memset(longlabel, 'x', 250);
    longlabel[250] = 0;
    CHECK_EQ(cry_hkdf_expand_label(CRY_SHA256, shs, longlabel, NULL, 0, key, 16), TERN_E_ARG);
    uint8_t ctx[256] = {0};
    CHECK_EQ(cry_hkdf_expand_label(CRY_SHA256, shs, "key", ctx, 256, key, 16), TERN_E_ARG);
    free(shs);
}

/* ---- AEAD ---- */

static const enum cry_aead all_aeads[] = {CRY_AES_128_GCM, CRY_AES_256_GCM, CRY_CHACHA20_POLY1305};

static bool all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

/* Sealing from a separate source (content, then a tail that is either
 * elsewhere or already in place) gives the bytes of sealing in place. */
static void test_aead_seal_from(void)
{
    for (size_t ai = 0; ai < 3; ai++) {
        enum cry_aead a = all_aeads[ai];
        uint8_t key[32], nonce[12], aad[5], pt[301], tail[3] = {23, 0, 0};
        CHECK_EQ(cry_random(key, sizeof(key)), TERN_OK);
        CHECK_EQ(cry_random(nonce, sizeof(nonce)), TERN_OK);
        CHECK_EQ(cry_random(aad, sizeof(aad)), TERN_OK);
        CHECK_EQ(cry_random(pt, sizeof(pt)), TERN_OK);
        struct cry_aead_key k;
        CHECK_EQ(cry_aead_init(&k, a, key, cry_aead_key_len(a)), TERN_OK);
        for (size_t len = 0; len < sizeof(pt); len += len < 40 ? 1 : 37) {
            for (size_t nl = 8; nl <= 12; nl += 4) {
                if (nl != 12 && a == CRY_CHACHA20_POLY1305)
                    continue;
                uint8_t want[sizeof(pt) + 3], got[sizeof(pt) + 3], t1[16], t2[16], t3[16];
                memcpy(want, pt, len);
                memcpy(want + len, tail, sizeof(tail));
                CHECK_EQ(cry_aead_seal(&k, nonce, nl, aad, sizeof(aad), want, len + 3, t1, 16),
                         TERN_OK);
                memset(got, 0xee, sizeof(got));
                CHECK_EQ(cry_aead_seal_from(&k, nonce, nl, aad, sizeof(aad), pt, len, tail, 3, got,
                                            t2, 16),
                         TERN_OK);
                CHECK_MEM(got, want, len + 3);
                CHECK_MEM(t2, t1, 16);
                memset(got, 0xee, sizeof(got));
                memcpy(got + len, tail, sizeof(tail)); /* the tail already in place */
                CHECK_EQ(cry_aead_seal_from(&k, nonce, nl, aad, sizeof(aad), pt, len, got + len, 3,
                                            got, t3, 16),
                         TERN_OK);
                CHECK_MEM(got, want, len + 3);
                CHECK_MEM(t3, t1, 16);
            }
        }
        cry_aead_cleanup(&k);
    }
}

static void test_aead_round_trip_and_tamper(void)
{
    for (size_t ai = 0; ai < 3; ai++) {
        enum cry_aead a = all_aeads[ai];
        uint8_t key[32], nonce[12], aad[13], pt[37], buf[37], tag[16];
        CHECK_EQ(cry_random(key, sizeof(key)), TERN_OK);
        CHECK_EQ(cry_random(nonce, sizeof(nonce)), TERN_OK);
        CHECK_EQ(cry_random(aad, sizeof(aad)), TERN_OK);
        CHECK_EQ(cry_random(pt, sizeof(pt)), TERN_OK);
        struct cry_aead_key k;
        CHECK_EQ(cry_aead_init(&k, a, key, cry_aead_key_len(a)), TERN_OK);
        memcpy(buf, pt, sizeof(pt));
        CHECK_EQ(cry_aead_seal(&k, nonce, 12, aad, sizeof(aad), buf, sizeof(buf), tag, 16),
                 TERN_OK);
        CHECK(memcmp(buf, pt, sizeof(pt)) != 0);
        uint8_t ct[37];
        memcpy(ct, buf, sizeof(ct));
        CHECK_EQ(cry_aead_open(&k, nonce, 12, aad, sizeof(aad), buf, sizeof(buf), tag, 16),
                 TERN_OK);
        CHECK_MEM(buf, pt, sizeof(pt));

        /* Every single-bit change of ciphertext, tag or aad is refused and
         * leaves no plaintext behind. */
        int refused = 0, wiped = 0, total = 0;
        for (size_t i = 0; i < sizeof(ct) + 16 + sizeof(aad); i++) {
            uint8_t t2[16], a2[13];
            memcpy(buf, ct, sizeof(ct));
            memcpy(t2, tag, 16);
            memcpy(a2, aad, sizeof(aad));
            if (i < sizeof(ct))
                buf[i] ^= 0x01;
            else if (i < sizeof(ct) + 16)
                t2[i - sizeof(ct)] ^= 0x80;
            else
                a2[i - sizeof(ct) - 16] ^= 0x10;
            total++;
            if (cry_aead_open(&k, nonce, 12, a2, sizeof(a2), buf, sizeof(buf), t2, 16) ==
                TERN_E_BAD_RECORD_MAC)
                refused++;
            if (all_zero(buf, sizeof(buf)))
                wiped++;
        }
        CHECK_EQ(refused, total);
        CHECK_EQ(wiped, total);
        /* A wrong nonce is refused too; the key still works afterwards. */
        memcpy(buf, ct, sizeof(ct));
        nonce[11] ^= 1;
        CHECK_EQ(cry_aead_open(&k, nonce, 12, aad, sizeof(aad), buf, sizeof(buf), tag, 16),
                 TERN_E_BAD_RECORD_MAC);
        nonce[11] ^= 1;
        memcpy(buf, ct, sizeof(ct));
        CHECK_EQ(cry_aead_open(&k, nonce, 12, aad, sizeof(aad), buf, sizeof(buf), tag, 16),
                 TERN_OK);
        CHECK_MEM(buf, pt, sizeof(pt));

        /* Argument checks. */
        CHECK_EQ(cry_aead_seal(&k, nonce, 0, aad, 0, buf, 1, tag, 16), TERN_E_ARG);
        CHECK_EQ(cry_aead_seal(&k, nonce, 12, aad, 0, buf, 1, tag, 17), TERN_E_ARG);
        CHECK_EQ(cry_aead_seal(&k, nonce, 12, aad, 0, buf, 1, tag, 0), TERN_E_ARG);
        if (a == CRY_CHACHA20_POLY1305) {
            CHECK_EQ(cry_aead_seal(&k, nonce, 8, aad, 0, buf, 1, tag, 16), TERN_E_ARG);
            CHECK_EQ(cry_aead_seal(&k, nonce, 12, aad, 0, buf, 1, tag, 12), TERN_E_ARG);
        }
        cry_aead_cleanup(&k);
        cry_aead_cleanup(&k);
        CHECK_EQ(cry_aead_init(&k, a, key, 5), TERN_E_ARG);
    }
}

/* One key object sealing many records must give what a fresh key gives for
 * each record: the per-record nonce reset really resets. */
static void test_aead_key_reuse(void)
{
    for (size_t ai = 0; ai < 3; ai++) {
        enum cry_aead a = all_aeads[ai];
        uint8_t key[32], nonce[12] = {0};
        CHECK_EQ(cry_random(key, sizeof(key)), TERN_OK);
        struct cry_aead_key k;
        CHECK_EQ(cry_aead_init(&k, a, key, cry_aead_key_len(a)), TERN_OK);
        for (uint8_t seq = 0; seq < 5; seq++) {
            nonce[11] = seq;
            uint8_t b1[100], b2[100], t1[16], t2[16], ad[5] = {23, 3, 3, 0, seq};
            memset(b1, seq, sizeof(b1));
            memcpy(b2, b1, sizeof(b1));
            size_t len = 20u * seq; /* includes an empty record */
            CHECK_EQ(cry_aead_seal(&k, nonce, 12, ad, 5, b1, len, t1, 16), TERN_OK);
            struct cry_aead_key fresh;
            CHECK_EQ(cry_aead_init(&fresh, a, key, cry_aead_key_len(a)), TERN_OK);
            CHECK_EQ(cry_aead_seal(&fresh, nonce, 12, ad, 5, b2, len, t2, 16), TERN_OK);
            CHECK_MEM(b1, b2, len);
            CHECK_MEM(t1, t2, 16);
            /* Open with the sealing key object (direction switches). */
            CHECK_EQ(cry_aead_open(&k, nonce, 12, ad, 5, b1, len, t1, 16), TERN_OK);
            cry_aead_cleanup(&fresh);
        }
        cry_aead_cleanup(&k);
    }
}

static void test_aead_gcm_other_nonces_and_tags(void)
{
    uint8_t key[16], nonce[300], pt[50], buf[50], tag[16];
    CHECK_EQ(cry_random(key, sizeof(key)), TERN_OK);
    CHECK_EQ(cry_random(nonce, sizeof(nonce)), TERN_OK);
    CHECK_EQ(cry_random(pt, sizeof(pt)), TERN_OK);
    struct cry_aead_key k;
    CHECK_EQ(cry_aead_init(&k, CRY_AES_128_GCM, key, 16), TERN_OK);
    static const size_t lens[] = {1, 8, 16, 12, 64, 129, 257};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        memcpy(buf, pt, sizeof(pt));
        CHECK_EQ(cry_aead_seal(&k, nonce, lens[i], pt, 7, buf, sizeof(buf), tag, 16), TERN_OK);
        CHECK_EQ(cry_aead_open(&k, nonce, lens[i], pt, 7, buf, sizeof(buf), tag, 16), TERN_OK);
        CHECK_MEM(buf, pt, sizeof(pt));
        tag[3] ^= 4;
        CHECK_EQ(cry_aead_open(&k, nonce, lens[i], pt, 7, buf, sizeof(buf), tag, 16),
                 TERN_E_BAD_RECORD_MAC);
        CHECK(all_zero(buf, sizeof(buf)));
    }
    /* A truncated tag is the prefix of the full one (SP 800-38D §7.1). */
    uint8_t full[16], trunc[12];
    memcpy(buf, pt, sizeof(pt));
    CHECK_EQ(cry_aead_seal(&k, nonce, 12, NULL, 0, buf, sizeof(buf), full, 16), TERN_OK);
    memcpy(buf, pt, sizeof(pt));
    CHECK_EQ(cry_aead_seal(&k, nonce, 12, NULL, 0, buf, sizeof(buf), trunc, 12), TERN_OK);
    CHECK_MEM(full, trunc, 12);
    CHECK_EQ(cry_aead_open(&k, nonce, 12, NULL, 0, buf, sizeof(buf), trunc, 12), TERN_OK);
    CHECK_MEM(buf, pt, sizeof(pt));
    CHECK_EQ(cry_aead_seal(&k, nonce, 12, NULL, 0, buf, sizeof(buf), trunc, 11), TERN_E_ARG);
    cry_aead_cleanup(&k);
}

static void test_random(void)
{
    uint8_t a[32], b[32];
    CHECK_EQ(cry_random(a, sizeof(a)), TERN_OK);
    CHECK_EQ(cry_random(b, sizeof(b)), TERN_OK);
    CHECK(memcmp(a, b, 32) != 0);
    CHECK(!all_zero(a, 32));
}

/* ---- ECDH ---- */

static void test_ecdh_agreement(void)
{
    static const enum cry_curve curves[] = {CRY_X25519, CRY_P256, CRY_P384};
    static const size_t share_len[] = {32, 65, 97}, secret_len[] = {32, 32, 48};
    for (size_t i = 0; i < 3; i++) {
        struct cry_ecdh a, b;
        uint8_t pa[100], pb[100], sa[64], sb[64];
        size_t la, lb, na, nb;
        CHECK_EQ(cry_ecdh_keygen(&a, curves[i], pa, sizeof(pa), &la), TERN_OK);
        CHECK_EQ(cry_ecdh_keygen(&b, curves[i], pb, sizeof(pb), &lb), TERN_OK);
        CHECK_EQ(la, share_len[i]);
        CHECK_EQ(lb, share_len[i]);
        if (curves[i] != CRY_X25519)
            CHECK_EQ(pa[0], 0x04);
        CHECK_EQ(cry_ecdh_derive(&a, pb, lb, sa, sizeof(sa), &na), TERN_OK);
        CHECK_EQ(cry_ecdh_derive(&b, pa, la, sb, sizeof(sb), &nb), TERN_OK);
        CHECK_EQ(na, secret_len[i]);
        CHECK_EQ(nb, na);
        CHECK_MEM(sa, sb, na);
        CHECK(!all_zero(sa, na));

        /* Bad peer values. */
        CHECK_EQ(cry_ecdh_derive(&a, pb, lb - 1, sa, sizeof(sa), &na), TERN_E_ILLEGAL_PARAMETER);
        CHECK_EQ(cry_ecdh_derive(&a, pb, 0, sa, sizeof(sa), &na), TERN_E_ILLEGAL_PARAMETER);
        uint8_t bad[100];
        if (curves[i] == CRY_X25519) {
            /* Low-order points give the all-zero secret (RFC 7748 §6.1). */
            memset(bad, 0, 32);
            CHECK_EQ(cry_ecdh_derive(&a, bad, 32, sa, sizeof(sa), &na), TERN_E_ILLEGAL_PARAMETER);
            bad[0] = 1;
            CHECK_EQ(cry_ecdh_derive(&a, bad, 32, sa, sizeof(sa), &na), TERN_E_ILLEGAL_PARAMETER);
        } else {
            size_t cl = (lb - 1) / 2;
            /* compressed form of the same point: refused in TLS */
            bad[0] = (uint8_t)(0x02 | (pb[lb - 1] & 1));
            memcpy(bad + 1, pb + 1, cl);
            CHECK_EQ(cry_ecdh_derive(&a, bad, 1 + cl, sa, sizeof(sa), &na),
                     TERN_E_ILLEGAL_PARAMETER);
            /* hybrid form 0x06/0x07 and a bad tag byte */
            memcpy(bad, pb, lb);
            bad[0] = (uint8_t)(0x06 | (pb[lb - 1] & 1));
            CHECK_EQ(cry_ecdh_derive(&a, bad, lb, sa, sizeof(sa), &na), TERN_E_ILLEGAL_PARAMETER);
            /* a point off the curve */
            memcpy(bad, pb, lb);
            bad[lb - 1] ^= 1;
            CHECK_EQ(cry_ecdh_derive(&a, bad, lb, sa, sizeof(sa), &na), TERN_E_ILLEGAL_PARAMETER);
            /* x = y = all ones (>= p) */
            memset(bad + 1, 0xff, lb - 1);
            bad[0] = 4;
            CHECK_EQ(cry_ecdh_derive(&a, bad, lb, sa, sizeof(sa), &na), TERN_E_ILLEGAL_PARAMETER);
            /* (0, 0) */
            memset(bad + 1, 0, lb - 1);
            CHECK_EQ(cry_ecdh_derive(&a, bad, lb, sa, sizeof(sa), &na), TERN_E_ILLEGAL_PARAMETER);
            /* the point at infinity */
            bad[0] = 0;
            CHECK_EQ(cry_ecdh_derive(&a, bad, 1, sa, sizeof(sa), &na), TERN_E_ILLEGAL_PARAMETER);
        }
        /* The key still works after refusals. */
        CHECK_EQ(cry_ecdh_derive(&a, pb, lb, sa, sizeof(sa), &na), TERN_OK);
        CHECK_MEM(sa, sb, na);
        /* Too small an output buffer is the caller's error. */
        CHECK_EQ(cry_ecdh_derive(&a, pb, lb, sa, 16, &na), TERN_E_ARG);
        cry_ecdh_cleanup(&a);
        cry_ecdh_cleanup(&a);
        cry_ecdh_cleanup(&b);
    }
}

static void test_ecdh_x25519_rfc8448(void)
{
    /* RFC 8448 §3: client private key, server public key, and the shared
     * secret that is the handshake's IKM. */
    size_t n, m;
    uint8_t *priv = unhex("49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005", &n);
    uint8_t *spub = unhex("c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f", &m);
    struct cry_ecdh k;
    uint8_t out[32];
    size_t ol;
    CHECK_EQ(cry_ecdh_import(&k, CRY_X25519, priv, n), TERN_OK);
    CHECK_EQ(cry_ecdh_derive(&k, spub, m, out, sizeof(out), &ol), TERN_OK);
    check_hex(out, ol, "8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d");
    cry_ecdh_cleanup(&k);
    CHECK_EQ(cry_ecdh_import(&k, CRY_X25519, priv, 31), TERN_E_ARG);
    free(priv);
    free(spub);
}

/* The public value of a key made from known private bytes (tern computes it
 * by a derivation against the base point, not on import): RFC 8448 §3's two
 * X25519 key pairs, through cry_ecdh_x25519_from and through a second holder
 * of the key (cry_ecdh_share, which asks the key itself), and the key derives
 * RFC 8448's shared secret with the other side's public value. */
static void test_ecdh_x25519_public_rfc8448(void)
{
    static const char *const privs[2] = {
        "49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005",
        "b1580eeadf6dd589b8ef4f2d5652578cc810e9980191ec8d058308cea216a21e"};
    static const char *const pubs[2] = {
        "99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c",
        "c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f"};
    for (int i = 0; i < 2; i++) {
        size_t n, m;
        uint8_t *priv = unhex(privs[i], &n);
        uint8_t *other = unhex(pubs[1 - i], &m);
        struct cry_ecdh k, k2;
        uint8_t pub[32], pub2[32], out[32];
        size_t pl, ol;
        CHECK_EQ(cry_ecdh_x25519_from(&k, priv, pub), TERN_OK);
        check_hex(pub, 32, pubs[i]);
        CHECK_EQ(cry_ecdh_share(&k2, &k, pub2, sizeof(pub2), &pl), TERN_OK);
        CHECK_EQ(pl, 32);
        check_hex(pub2, pl, pubs[i]);
        CHECK_EQ(cry_ecdh_derive(&k2, other, m, out, sizeof(out), &ol), TERN_OK);
        check_hex(out, ol, "8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d");
        cry_ecdh_cleanup(&k2);
        cry_ecdh_cleanup(&k);
        free(priv);
        free(other);
    }
}

/* cry_ecdh_x25519_respond on RFC 8448 §3's server key and client share: the
 * server's public value and the shared secret of the trace; the zero point
 * (whose secret is all zeros) refused with both outputs wiped. */
static void test_ecdh_x25519_respond_rfc8448(void)
{
    size_t n, m;
    uint8_t *priv = unhex("b1580eeadf6dd589b8ef4f2d5652578cc810e9980191ec8d058308cea216a21e", &n);
    uint8_t *cpub = unhex("99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c", &m);
    uint8_t pub[32], secret[32];
    CHECK_EQ(cry_ecdh_x25519_respond(priv, cpub, pub, secret), TERN_OK);
    check_hex(pub, 32, "c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f");
    check_hex(secret, 32, "8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d");
    static const uint8_t zero[32] = {0};
    CHECK_EQ(cry_ecdh_x25519_respond(priv, zero, pub, secret), TERN_E_ILLEGAL_PARAMETER);
    CHECK_MEM(pub, zero, 32);
    CHECK_MEM(secret, zero, 32);
    free(priv);
    free(cpub);
}

/* cry_ecdh_respond, the server's key and secret in one call: the client's
 * key derives the same secret from the server's share on every curve, the
 * server's shares differ between calls (a fresh key each time), and a
 * share of the wrong form or giving X25519's all-zero secret is refused with
 * nothing written. */
static void test_ecdh_respond(void)
{
    static const enum cry_curve curves[] = {CRY_X25519, CRY_P256, CRY_P384};
    static const size_t share_len[] = {32, 65, 97}, secret_len[] = {32, 32, 48};
    for (size_t i = 0; i < 3; i++) {
        struct cry_ecdh c;
        uint8_t cpub[97], spub[97], spub0[97], ss[48], cs[48];
        size_t cl, sl = 99, sn = 99, cn;
        CHECK_EQ(cry_ecdh_keygen(&c, curves[i], cpub, sizeof(cpub), &cl), TERN_OK);
        for (int rep = 0; rep < 2; rep++) {
            CHECK_EQ(
                cry_ecdh_respond(curves[i], cpub, cl, spub, sizeof(spub), &sl, ss, sizeof(ss), &sn),
                TERN_OK);
            CHECK_EQ(sl, share_len[i]);
            CHECK_EQ(sn, secret_len[i]);
            CHECK_EQ(cry_ecdh_derive(&c, spub, sl, cs, sizeof(cs), &cn), TERN_OK);
            CHECK_EQ(cn, sn);
            CHECK_MEM(cs, ss, sn);
            if (rep == 0)
                memcpy(spub0, spub, sl);
            else
                CHECK(memcmp(spub0, spub, sl) != 0);
        }
        cry_ecdh_cleanup(&c);
        /* Wrong length, too small a share buffer, too small a secret. */
        CHECK_EQ(
            cry_ecdh_respond(curves[i], cpub, cl - 1, spub, sizeof(spub), &sl, ss, sizeof(ss), &sn),
            TERN_E_ILLEGAL_PARAMETER);
        CHECK_EQ(sl, 0);
        CHECK_EQ(sn, 0);
        CHECK_EQ(
            cry_ecdh_respond(curves[i], cpub, cl, spub, share_len[i] - 1, &sl, ss, sizeof(ss), &sn),
            TERN_E_ARG);
        CHECK_EQ(cry_ecdh_respond(curves[i], cpub, cl, spub, sizeof(spub), &sl, ss,
                                  secret_len[i] - 1, &sn),
                 TERN_E_ARG);
    }
    uint8_t zero[32] = {0}, spub[32], ss[32];
    size_t sl = 99, sn = 99;
    memset(ss, 0xaa, sizeof(ss));
    CHECK_EQ(cry_ecdh_respond(CRY_X25519, zero, 32, spub, sizeof(spub), &sl, ss, sizeof(ss), &sn),
             TERN_E_ILLEGAL_PARAMETER);
    CHECK_EQ(sl, 0);
    CHECK_EQ(sn, 0);
    uint8_t acc = 0;
    for (size_t i = 0; i < sizeof(ss); i++)
        acc |= (uint8_t)(ss[i] ^ 0xaa);
    CHECK(acc == 0 || memcmp(ss, zero, 32) == 0); /* untouched or wiped */
}

/* X25519 keys made on two threads at once (the import context is shared by
 * one thread at a time and the other makes its own): every exchange agrees. */
static void *x25519_worker(void *arg)
{
    int *bad = arg;
    for (int i = 0; i < 200; i++) {
        struct cry_ecdh c;
        uint8_t cpub[32], spub[32], ss[32], cs[32];
        size_t cl, sl, sn, cn;
        if (cry_ecdh_keygen(&c, CRY_X25519, cpub, sizeof(cpub), &cl) != TERN_OK ||
            cry_ecdh_respond(CRY_X25519, cpub, cl, spub, sizeof(spub), &sl, ss, sizeof(ss), &sn) !=
                TERN_OK ||
            cry_ecdh_derive(&c, spub, sl, cs, sizeof(cs), &cn) != TERN_OK || cn != sn ||
            memcmp(cs, ss, sn) != 0)
            (*bad)++;
        cry_ecdh_cleanup(&c);
    }
    return NULL;
}

static void test_ecdh_x25519_threads(void)
{
    int bad[2] = {0, 0};
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, x25519_worker, &bad[0]), 0);
    x25519_worker(&bad[1]);
    CHECK_EQ(pthread_join(th, NULL), 0);
    CHECK_EQ(bad[0], 0);
    CHECK_EQ(bad[1], 0);
}

/* ---- keys and signatures ---- */

struct keyset {
    struct cry_privkey priv[7]; /* indexed by enum cry_key_type */
    struct cry_pubkey pub[7];
};

static struct keyset ks;

static void make_keys(void)
{
    static const enum cry_key_type types[] = {CRY_KEY_RSA,     CRY_KEY_RSA_PSS, CRY_KEY_EC_P256,
                                              CRY_KEY_EC_P384, CRY_KEY_EC_P521, CRY_KEY_ED25519};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        enum cry_key_type t = types[i];
        CHECK_EQ(cry_privkey_generate(&ks.priv[t], t, 2048), TERN_OK);
        CHECK_EQ(ks.priv[t].type, t);
        struct wr w;
        wr_init_grow(&w);
        CHECK_EQ(cry_privkey_public_spki(&ks.priv[t], &w), TERN_OK);
        CHECK(wr_ok(&w));
        CHECK_EQ(cry_pubkey_parse_spki(&ks.pub[t], w.buf, w.len), TERN_OK);
        CHECK_EQ(ks.pub[t].type, t);
        CHECK(cry_privkey_matches(&ks.priv[t], &ks.pub[t]));
        wr_free(&w);
    }
    CHECK_EQ(ks.pub[CRY_KEY_RSA].bits, 2048);
    CHECK_EQ(ks.pub[CRY_KEY_EC_P256].bits, 256);
    CHECK_EQ(ks.pub[CRY_KEY_EC_P384].bits, 384);
    CHECK_EQ(ks.pub[CRY_KEY_EC_P521].bits, 521);
    CHECK(!cry_privkey_matches(&ks.priv[CRY_KEY_EC_P256], &ks.pub[CRY_KEY_EC_P384]));
    CHECK(!cry_privkey_matches(&ks.priv[CRY_KEY_RSA], &ks.pub[CRY_KEY_RSA_PSS]));
    struct cry_privkey bad;
    CHECK_EQ(cry_privkey_generate(&bad, CRY_KEY_RSA, 1024), TERN_E_ARG);
    CHECK_EQ(cry_privkey_generate(&bad, CRY_KEY_NONE, 0), TERN_E_UNSUPPORTED);
}

static void free_keys(void)
{
    for (int t = 0; t < 7; t++) {
        cry_privkey_cleanup(&ks.priv[t]);
        cry_pubkey_cleanup(&ks.pub[t]);
    }
}

static const uint16_t all_schemes[] = {0x0401, 0x0501, 0x0601, 0x0403, 0x0503, 0x0603, 0x0804,
                                       0x0805, 0x0806, 0x0807, 0x0809, 0x080a, 0x080b};

static void test_scheme_table(void)
{
    const struct cry_scheme_info *s = cry_scheme_lookup(0x0403);
    CHECK(s && s->alg == CRY_SIG_ECDSA && s->hash == CRY_SHA256 && s->key == CRY_KEY_EC_P256);
    s = cry_scheme_lookup(0x0503);
    CHECK(s && s->alg == CRY_SIG_ECDSA && s->hash == CRY_SHA384 && s->key == CRY_KEY_EC_P384);
    s = cry_scheme_lookup(0x0805);
    CHECK(s && s->alg == CRY_SIG_RSA_PSS && s->hash == CRY_SHA384 && s->key == CRY_KEY_RSA);
    s = cry_scheme_lookup(0x080b);
    CHECK(s && s->alg == CRY_SIG_RSA_PSS && s->hash == CRY_SHA512 && s->key == CRY_KEY_RSA_PSS);
    s = cry_scheme_lookup(0x0601);
    CHECK(s && s->alg == CRY_SIG_RSA_PKCS1 && s->hash == CRY_SHA512 && s->key == CRY_KEY_RSA);
    s = cry_scheme_lookup(0x0807);
    CHECK(s && s->alg == CRY_SIG_ED25519 && s->key == CRY_KEY_ED25519);
    for (size_t i = 0; i < sizeof(all_schemes) / sizeof(all_schemes[0]); i++)
        CHECK(cry_scheme_lookup(all_schemes[i]) != NULL);
    CHECK(cry_scheme_lookup(0x0201) == NULL); /* rsa_pkcs1_sha1: not offered */
    CHECK(cry_scheme_lookup(0x0808) == NULL); /* ed448 */
    CHECK(cry_scheme_lookup(0x0000) == NULL);
}

static void test_sign_verify_each_scheme(void)
{
    const uint8_t msg[] = "TLS 1.3, server CertificateVerify\0transcript hash goes here";
    for (size_t i = 0; i < sizeof(all_schemes) / sizeof(all_schemes[0]); i++) {
        const struct cry_scheme_info *s = cry_scheme_lookup(all_schemes[i]);
        if (!s) {
            CHECK(s != NULL);
            continue;
        }
        const struct cry_privkey *k = &ks.priv[s->key];
        const struct cry_pubkey *pk = &ks.pub[s->key];
        uint8_t sig[512];
        size_t sl = 0;
        int rc = cry_sign(k, s->alg, s->hash, msg, sizeof(msg), sig, sizeof(sig), &sl);
        CHECK_EQ(rc, TERN_OK);
        if (rc != TERN_OK) {
            fprintf(stderr, "  scheme 0x%04x\n", s->scheme);
            continue;
        }
        CHECK_EQ(cry_verify(pk, s->alg, s->hash, -1, msg, sizeof(msg), sig, sl), TERN_OK);
        /* another message, a flipped signature bit, a truncated signature */
        CHECK_EQ(cry_verify(pk, s->alg, s->hash, -1, msg, sizeof(msg) - 1, sig, sl),
                 TERN_E_DECRYPT);
        sig[sl / 2] ^= 0x20;
        CHECK_EQ(cry_verify(pk, s->alg, s->hash, -1, msg, sizeof(msg), sig, sl), TERN_E_DECRYPT);
        sig[sl / 2] ^= 0x20;
        CHECK_EQ(cry_verify(pk, s->alg, s->hash, -1, msg, sizeof(msg), sig, sl - 1),
                 TERN_E_DECRYPT);
        if (s->alg != CRY_SIG_ED25519) {
            /* the same signature under another hash */
            enum cry_hash other = s->hash == CRY_SHA256 ? CRY_SHA384 : CRY_SHA256;
            CHECK_EQ(cry_verify(pk, s->alg, other, -1, msg, sizeof(msg), sig, sl), TERN_E_DECRYPT);
        }
        if (s->alg == CRY_SIG_RSA_PSS) {
            /* PSS with another salt length than the hash length */
            CHECK_EQ(cry_verify(pk, s->alg, s->hash, 20, msg, sizeof(msg), sig, sl),
                     TERN_E_DECRYPT);
            CHECK_EQ(cry_verify(pk, s->alg, s->hash, (int)cry_hash_len(s->hash), msg, sizeof(msg),
                                sig, sl),
                     TERN_OK);
            /* PKCS#1 v1.5 check of a PSS signature */
            if (s->key == CRY_KEY_RSA)
                CHECK_EQ(cry_verify(pk, CRY_SIG_RSA_PKCS1, s->hash, -1, msg, sizeof(msg), sig, sl),
                         TERN_E_DECRYPT);
        }
        if (s->alg == CRY_SIG_RSA_PKCS1)
            CHECK_EQ(cry_verify(pk, CRY_SIG_RSA_PSS, s->hash, -1, msg, sizeof(msg), sig, sl),
                     TERN_E_DECRYPT);
    }

    /* A signature checked against the wrong key of the right type. */
    uint8_t sig[512];
    size_t sl;
    struct cry_privkey other;
    CHECK_EQ(cry_privkey_generate(&other, CRY_KEY_EC_P256, 0), TERN_OK);
    CHECK_EQ(cry_sign(&other, CRY_SIG_ECDSA, CRY_SHA256, msg, 5, sig, sizeof(sig), &sl), TERN_OK);
    CHECK_EQ(cry_verify(&ks.pub[CRY_KEY_EC_P256], CRY_SIG_ECDSA, CRY_SHA256, -1, msg, 5, sig, sl),
             TERN_E_DECRYPT);
    /* ... and against keys of the wrong type: refused as unsupported. */
    CHECK_EQ(cry_verify(&ks.pub[CRY_KEY_RSA], CRY_SIG_ECDSA, CRY_SHA256, -1, msg, 5, sig, sl),
             TERN_E_UNSUPPORTED);
    CHECK_EQ(cry_verify(&ks.pub[CRY_KEY_ED25519], CRY_SIG_ECDSA, CRY_SHA256, -1, msg, 5, sig, sl),
             TERN_E_UNSUPPORTED);
    CHECK_EQ(cry_verify(&ks.pub[CRY_KEY_EC_P256], CRY_SIG_RSA_PSS, CRY_SHA256, -1, msg, 5, sig, sl),
             TERN_E_UNSUPPORTED);
    CHECK_EQ(
        cry_verify(&ks.pub[CRY_KEY_RSA_PSS], CRY_SIG_RSA_PKCS1, CRY_SHA256, -1, msg, 5, sig, sl),
        TERN_E_UNSUPPORTED);
    CHECK_EQ(cry_sign(&ks.priv[CRY_KEY_RSA_PSS], CRY_SIG_RSA_PKCS1, CRY_SHA256, msg, 5, sig,
                      sizeof(sig), &sl),
             TERN_E_UNSUPPORTED);
    CHECK_EQ(cry_sign(&ks.priv[CRY_KEY_EC_P384], CRY_SIG_ED25519, CRY_SHA256, msg, 5, sig,
                      sizeof(sig), &sl),
             TERN_E_UNSUPPORTED);
    /* An RSA signature does not fit a small buffer. */
    CHECK_EQ(cry_sign(&ks.priv[CRY_KEY_RSA], CRY_SIG_RSA_PSS, CRY_SHA256, msg, 5, sig, 100, &sl),
             TERN_E_ARG);
    cry_privkey_cleanup(&other);
}

static void test_pkcs8_round_trip(void)
{
    static const enum cry_key_type types[] = {CRY_KEY_RSA,     CRY_KEY_RSA_PSS, CRY_KEY_EC_P256,
                                              CRY_KEY_EC_P384, CRY_KEY_EC_P521, CRY_KEY_ED25519};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        enum cry_key_type t = types[i];
        struct wr w;
        wr_init_grow(&w);
        CHECK_EQ(cry_privkey_to_pkcs8(&ks.priv[t], &w), TERN_OK);
        struct cry_privkey back;
        CHECK_EQ(cry_privkey_parse(&back, w.buf, w.len), TERN_OK);
        CHECK_EQ(back.type, t);
        CHECK_EQ(back.bits, ks.priv[t].bits);
        CHECK(cry_privkey_matches(&back, &ks.pub[t]));
        /* the re-parsed key signs what the original's public key accepts */
        const uint8_t msg[] = "re-parsed";
        enum cry_sig_alg alg = t == CRY_KEY_ED25519                         ? CRY_SIG_ED25519
                               : (t == CRY_KEY_RSA || t == CRY_KEY_RSA_PSS) ? CRY_SIG_RSA_PSS
                                                                            : CRY_SIG_ECDSA;
        uint8_t sig[512];
        size_t sl;
        CHECK_EQ(cry_sign(&back, alg, CRY_SHA384, msg, sizeof(msg), sig, sizeof(sig), &sl),
                 TERN_OK);
        CHECK_EQ(cry_verify(&ks.pub[t], alg, CRY_SHA384, -1, msg, sizeof(msg), sig, sl), TERN_OK);
        cry_privkey_cleanup(&back);
        /* trailing garbage and truncation are refused */
        wr_u8(&w, 0);
        CHECK_EQ(cry_privkey_parse(&back, w.buf, w.len), TERN_E_DECODE);
        cry_privkey_cleanup(&back);
        CHECK_EQ(cry_privkey_parse(&back, w.buf, w.len / 2), TERN_E_DECODE);
        cry_privkey_cleanup(&back);
        wr_free(&w);
    }
    /* A fixed-size writer too small for the key fails without overflowing. */
    uint8_t small[10];
    struct wr w;
    wr_init_fixed(&w, small, sizeof(small));
    CHECK(cry_privkey_to_pkcs8(&ks.priv[CRY_KEY_EC_P256], &w) != TERN_OK);
}

static void test_privkey_other_forms(void)
{
    /* RFC 5915 ECPrivateKey (SEC1), P-256, made with openssl ecparam -genkey. */
    size_t n;
    uint8_t *sec1 = unhex("307702010104200a5fd9b9a0f514492035e0a7933a69e8500008a95100f2f650c858"
                          "3609ca175ca00a06082a8648ce3d030107a14403420004df502858dde6def1989987"
                          "3f644c2cd41d6fc7e6228d5557e81a59fabcd425c1f2eee6884ca5e75967ac869cd4"
                          "2a2bb02f551c31e20e098826e3ed82282366b6",
                          &n);
    struct cry_privkey k;
    CHECK_EQ(cry_privkey_parse(&k, sec1, n), TERN_OK);
    CHECK_EQ(k.type, CRY_KEY_EC_P256);
    cry_privkey_cleanup(&k);
    free(sec1);
    /* RFC 8017 RSAPrivateKey (PKCS#1), 1024 bits, from openssl rsa -traditional. */
    uint8_t *pkcs1 = unhex("3082025b020100028181009e28df12c8cc1b33e202ad46aadcd652fbef49c5a35985188"
                           "72446a553be39d36bdb45c754"
                           "f1fbdd3e7e3148cb2eecc7a182d0632907bbfc4cf0cf7d0581ecff046cf64184f00c093"
                           "e3eebe18ff7e61ba60457b464"
                           "92d8698303702dec0515a1f4049e003d745e666677cfa8eb663cbdd6a2629c9641a3128"
                           "c78487455880b850203010001"
                           "0281805947931d24726b4caf617974f1d0b5bfa46de0840b80e62c01658de797cd43114"
                           "0ca47aa8d1e08624cfba95081"
                           "39dcf99807a320c6b192018b61488f3783af472674d0ee560c082d7f45fa80c13de3943"
                           "2033eb9200d3485603ea64517"
                           "dca55046da4d3ca317f19d0106ec5194d7067fe0dc2596b4039b58f7396d14159670250"
                           "24100ce878943c25e60200d8b"
                           "2c21bfc656d2fb344c7434b039ff073d505a1aff0f0d91c4a4457ddf0d7a25f04ecc02d"
                           "40dad8ea45b7b89241a79ec1f"
                           "18eb0f8341bf024100c40b48162c66132c1698dfb4fe0c08d9ecba684ae2ff170d7b765"
                           "cce93c71867dc3c6b07578a0b"
                           "b26ea855ef82090cfdabd6b4c5217199b2b798ac5a5f803bbb0240793ea45cbd1cbe7dd"
                           "2b5a360e4bec175f6b74b32e5"
                           "4397a89a4d6a809b5ca52fa825b2f280e4937ae40ee1936f0da242037d859f4e717d819"
                           "a16df800f8954ed02406301f7"
                           "940b3439f6882b08bfd595aa5ab4eda7823a85edd48747cdb31e7aec5e77a1a3c3ff77d"
                           "e546d0262f424ce015b938f49"
                           "984d3d9c0be02120da3b64fdc5024043e4c9baeb5b1b3badba787c7fc521fe8f23f83f2"
                           "fbcbcbf6cae05f25fe6d02848"
                           "73af446d1168a57cc9133e2f6c39f8bdd0deb6d07c58adc0180a10ec24d938",
                           &n);
    CHECK_EQ(cry_privkey_parse(&k, pkcs1, n), TERN_OK);
    CHECK_EQ(k.type, CRY_KEY_RSA);
    CHECK_EQ(k.bits, 1024);
    cry_privkey_cleanup(&k);
    free(pkcs1);
    const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x00};
    CHECK_EQ(cry_privkey_parse(&k, junk, sizeof(junk)), TERN_E_DECODE);
    CHECK_EQ(cry_privkey_parse(&k, junk, 0), TERN_E_DECODE);
}

static void test_spki_errors(void)
{
    struct cry_pubkey pk;
    size_t n;
    /* X448 and Ed448 and secp256k1 keys: well-formed, not offered. */
    static const char *unsupported[] = {
        "3042300506032b656f033900d7c23251d32a94d6cfc5442faff9d70bfc8a78593575c677888d2590e3aa"
        "8d96822606b5d64c714165b0a422c427528d3aa7161443a27103",
        "3043300506032b6571033a00f9e8a087047e687959e49f5f672a48ebfdb16cfb8ae8cbaac87c0baa2a58"
        "2ed163588667c15097731b2fca0198c54dc405a84dcf0b8ee73800",
        "3056301006072a8648ce3d020106052b8104000a034200045486cfff8fce9a9563a3cf43bb2098878692"
        "3d845652276e133e24ef97738e6f2ee4ee0b463ca7bd1d84eb67660e34a67ef494b80f1a41d08770da71"
        "d3e1add7",
    };
    for (size_t i = 0; i < 3; i++) {
        uint8_t *der = unhex(unsupported[i], &n);
        CHECK_EQ(cry_pubkey_parse_spki(&pk, der, n), TERN_E_UNSUPPORTED);
        free(der);
    }
    /* A good key with a byte more, a byte less, a broken point. */
    struct wr w;
    wr_init_grow(&w);
    CHECK_EQ(cry_privkey_public_spki(&ks.priv[CRY_KEY_EC_P256], &w), TERN_OK);
    wr_u8(&w, 0);
    CHECK_EQ(cry_pubkey_parse_spki(&pk, w.buf, w.len), TERN_E_DECODE);
    CHECK_EQ(cry_pubkey_parse_spki(&pk, w.buf, w.len - 2), TERN_E_DECODE);
    w.buf[w.len - 2] ^= 1; /* last coordinate byte: off the curve */
    CHECK_EQ(cry_pubkey_parse_spki(&pk, w.buf, w.len - 1), TERN_E_DECODE);
    CHECK(pk.impl == NULL);
    wr_free(&w);
    const uint8_t junk[] = {0x04, 0x00};
    CHECK_EQ(cry_pubkey_parse_spki(&pk, junk, sizeof(junk)), TERN_E_DECODE);
    CHECK_EQ(cry_pubkey_parse_spki(&pk, junk, 0), TERN_E_DECODE);
    cry_pubkey_cleanup(&pk);
}

/* ---- RSA key transport ---- */

static void test_rsa_pms(void)
{
    const struct cry_privkey *k = &ks.priv[CRY_KEY_RSA];
    const struct cry_pubkey *pk = &ks.pub[CRY_KEY_RSA];
    uint8_t pms[48], ct[512], out[48], out2[48];
    size_t cl;
    CHECK_EQ(cry_random(pms, sizeof(pms)), TERN_OK);
    pms[0] = 3;
    pms[1] = 3;
    CHECK_EQ(cry_rsa_encrypt_pms(pk, pms, 48, ct, sizeof(ct), &cl), TERN_OK);
    CHECK_EQ(cl, 256);
    CHECK_EQ(cry_rsa_decrypt_pms(k, ct, cl, out, 48), TERN_OK);
    CHECK_MEM(out, pms, 48);

    /* A well-padded message of the wrong length (47 bytes): no error, 48
     * random bytes, different every time (RFC 5246 §7.4.7.1). */
    CHECK_EQ(cry_rsa_encrypt_pms(pk, pms, 47, ct, sizeof(ct), &cl), TERN_OK);
    CHECK_EQ(cry_rsa_decrypt_pms(k, ct, cl, out, 48), TERN_OK);
    CHECK_EQ(cry_rsa_decrypt_pms(k, ct, cl, out2, 48), TERN_OK);
    CHECK(memcmp(out, out2, 48) != 0);
    CHECK(memcmp(out, pms, 47) != 0);
    /* A 49-byte message: likewise. */
    uint8_t pms49[49];
    memcpy(pms49, pms, 48);
    pms49[48] = 7;
    CHECK_EQ(cry_rsa_encrypt_pms(pk, pms49, 49, ct, sizeof(ct), &cl), TERN_OK);
    CHECK_EQ(cry_rsa_decrypt_pms(k, ct, cl, out, 48), TERN_OK);
    CHECK(memcmp(out, pms49 + 1, 48) != 0);
    /* Garbage ciphertext (below the modulus, so it decrypts to garbage). */
    CHECK_EQ(cry_random(ct, 256), TERN_OK);
    ct[0] = 0x01;
    CHECK_EQ(cry_rsa_decrypt_pms(k, ct, 256, out, 48), TERN_OK);
    CHECK_EQ(cry_rsa_decrypt_pms(k, ct, 256, out2, 48), TERN_OK);
    CHECK(memcmp(out, out2, 48) != 0);
    /* A ciphertext >= n, and one of the wrong length: random, no error. */
    memset(ct, 0xff, 256);
    CHECK_EQ(cry_rsa_decrypt_pms(k, ct, 256, out, 48), TERN_OK);
    CHECK_EQ(cry_rsa_decrypt_pms(k, ct, 100, out2, 48), TERN_OK);
    CHECK(memcmp(out, out2, 48) != 0);
    /* Encryption to a PSS-only key or an EC key is refused. */
    CHECK_EQ(cry_rsa_encrypt_pms(&ks.pub[CRY_KEY_RSA_PSS], pms, 48, ct, sizeof(ct), &cl),
             TERN_E_UNSUPPORTED);
    CHECK_EQ(cry_rsa_encrypt_pms(&ks.pub[CRY_KEY_EC_P256], pms, 48, ct, sizeof(ct), &cl),
             TERN_E_UNSUPPORTED);
    CHECK_EQ(cry_rsa_encrypt_pms(pk, pms, 48, ct, 100, &cl), TERN_E_ARG);
    CHECK_EQ(cry_rsa_decrypt_pms(&ks.priv[CRY_KEY_EC_P256], ct, 256, out, 48), TERN_E_ARG);
}

int main(void)
{
    RUN(test_hash_kat);
    RUN(test_hash_peek_keeps_state);
    RUN(test_hmac_rfc4231);
    RUN(test_hkdf_rfc5869);
    RUN(test_expand_label_rfc8448);
    RUN(test_aead_round_trip_and_tamper);
    RUN(test_aead_seal_from);
    RUN(test_aead_key_reuse);
    RUN(test_aead_gcm_other_nonces_and_tags);
    RUN(test_random);
    RUN(test_ecdh_agreement);
    RUN(test_ecdh_x25519_rfc8448);
    RUN(test_ecdh_x25519_public_rfc8448);
    RUN(test_ecdh_x25519_respond_rfc8448);
    RUN(test_ecdh_respond);
    RUN(test_ecdh_x25519_threads);
    RUN(make_keys);
    RUN(test_scheme_table);
    RUN(test_sign_verify_each_scheme);
    RUN(test_pkcs8_round_trip);
    RUN(test_privkey_other_forms);
    RUN(test_spki_errors);
    RUN(test_rsa_pms);
    free_keys();
    return test_done();
}
