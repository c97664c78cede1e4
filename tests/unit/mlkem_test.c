/* SHA-3/SHAKE and ML-KEM-768: known answers (FIPS 202 digests, Wycheproof,
 * C2SP CCTV intermediate, strcmp, unlucky-sample and modulus vectors), the
 * CCTV accumulated 10,000-case run, implicit rejection, input checks, and a
 * rough speed figure; all of it on every path this build and CPU have
 * (portable, AVX2), then a differential test of the paths on random inputs,
 * primitive by primitive and end to end. */
#include "base/mem.h"
#include "crypto/mlkem.h"
#include "crypto/mlkem_impl.h"
#include "crypto/provider.h"
#include "crypto/sha3.h"
#include "crypto/sha3x4.h"
#include "json.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TERN_HAS_ASAN 1
#endif
#endif

/* From mlkem.c, for the exhaustive compression check. */
uint16_t mlkem_compress_for_test(uint16_t x, unsigned d);
int16_t mlkem_decompress_for_test(uint16_t y, unsigned d);

static bool hex_eq(const uint8_t *got, size_t got_len, const char *hex)
{
    size_t n;
    uint8_t *want = hex_decode(hex, &n);
    bool ok = want && n == got_len && memcmp(got, want, n) == 0;
    free(want);
    return ok;
}

/* ---- SHA-3 ---- */

static void test_sha3_kats(void)
{
    uint8_t d32[32], d64[64];
    sha3_256("", 0, d32);
    CHECK(hex_eq(d32, 32, "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a"));
    sha3_256("abc", 3, d32);
    CHECK(hex_eq(d32, 32, "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"));
    sha3_512("", 0, d64);
    CHECK(hex_eq(d64, 64,
                 "a69f73cca23a9ac5c8b567dc185a756e97c982164fe25859e0d1dcc1475c80a6"
                 "15b2123af1f5f94c11e3e9402c3ac558f500199d95b6d3e301758586281dcd26"));
    sha3_512("abc", 3, d64);
    CHECK(hex_eq(d64, 64,
                 "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e"
                 "10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0"));
    shake128("", 0, d32, 32);
    CHECK(hex_eq(d32, 32, "7f9c2ba4e88f827d616045507605853ed73b8093f6efbc88eb1a6eacfa66ef26"));
    shake256("", 0, d64, 64);
    CHECK(hex_eq(d64, 64,
                 "46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762f"
                 "d75dc4ddd8c0f200cb05019d67b592f6fc821c49479ab48640292eacb3b7c4be"));
    /* A shorter SHAKE output is a prefix of a longer one. */
    uint8_t s5[5];
    shake128("", 0, s5, 5);
    CHECK_MEM(s5, d32, 5);
}

/* A long input absorbed in uneven pieces, and a long output squeezed in
 * uneven pieces, agree with one-shot results and with known answers. */
static void test_sha3_incremental(void)
{
    uint8_t msg[1000];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i % 251);
    const size_t pieces[] = {0, 1, 7, 135, 136, 137, 168, 200, 3};
    struct sha3_ctx c;
    uint8_t d32[32], d64[64];

    sha3_256_init(&c);
    size_t off = 0;
    for (size_t i = 0; off < sizeof(msg); i = (i + 1) % 9) {
        size_t n = pieces[i] < sizeof(msg) - off ? pieces[i] : sizeof(msg) - off;
        sha3_absorb(&c, msg + off, n);
        off += n;
    }
    sha3_squeeze(&c, d32, 32);
    CHECK(hex_eq(d32, 32, "48e66a01861d0eadaacdb7a6ae7db6b9ac79242ecced4154a9fbb33c4e3cc571"));
    sha3_512(msg, sizeof(msg), d64);
    CHECK(hex_eq(d64, 64,
                 "b8030d306ae990bc794bfb3a6100f67851889d6c272257afac7d1077a18660d6"
                 "ea8d0da5d2299c3ebaa0d34baf62cc58ac1fd4476506cf512a4897bb083a6fc4"));
    uint8_t x[200];
    shake128(msg, sizeof(msg), x, sizeof(x));
    CHECK(hex_eq(x + 168, 32, "7ad47fbb929819bd47dea3f407a8d14285e2ab4f96a07f13312d73f25c0b28a4"));

    /* Multi-block squeeze: 1000 bytes of SHAKE128("abc") and SHAKE256("abc"),
     * squeezed in pieces that straddle block boundaries. */
    uint8_t whole[1000], parts[1000];
    for (int v = 0; v < 2; v++) {
        if (v == 0)
            shake128("abc", 3, whole, sizeof(whole));
        else
            shake256("abc", 3, whole, sizeof(whole));
        v == 0 ? shake128_init(&c) : shake256_init(&c);
        sha3_absorb(&c, "a", 1);
        sha3_absorb(&c, "bc", 2);
        off = 0;
        for (size_t i = 0; off < sizeof(parts); i = (i + 1) % 9) {
            size_t n = pieces[i] < sizeof(parts) - off ? pieces[i] : sizeof(parts) - off;
            sha3_squeeze(&c, parts + off, n);
            off += n;
        }
        CHECK_MEM(whole, parts, sizeof(whole));
        CHECK(hex_eq(whole + 968, 32,
                     v == 0 ? "f5641e3706635d09b2c0242c92674f31d3bb59c135a057202a6cfe2237dfde3a"
                            : "9a0703bba438f0aef297b75a033d0c5a6bfbb24e7edfd1e666a4b37f64d405bb"));
    }
}

/* ---- compression ---- */

static void test_compress_exhaustive(void)
{
    static const unsigned ds[] = {1, 4, 10};
    int bad = 0;
    for (size_t k = 0; k < 3; k++) {
        unsigned d = ds[k];
        for (unsigned x = 0; x < 3329; x++) {
            /* round(2^d x / q) mod 2^d, by exact integer division. */
            unsigned want = (((x << d) * 2 + 3329) / (2 * 3329)) & ((1u << d) - 1);
            if (mlkem_compress_for_test((uint16_t)x, d) != want)
                bad++;
        }
        for (unsigned y = 0; y < (1u << d); y++) {
            unsigned want = (y * 3329 * 2 + (1u << d)) / (2u << d);
            if ((unsigned)mlkem_decompress_for_test((uint16_t)y, d) != want)
                bad++;
        }
    }
    CHECK_EQ(bad, 0);
}

/* ---- Wycheproof ---- */

static void test_wycheproof_keygen(void)
{
    struct json *j = json_parse_file(vector_path("wycheproof/mlkem_768_keygen_seed_test.json"));
    CHECK(j != NULL);
    if (!j)
        return;
    int n = 0, disagree = 0;
    const struct json *groups = json_get(j, "testGroups");
    for (size_t g = 0; groups && g < groups->n; g++) {
        const struct json *tests = json_get(groups->items[g], "tests");
        for (size_t t = 0; tests && t < tests->n; t++) {
            const struct json *tc = tests->items[t];
            size_t seed_len;
            uint8_t *seed = hex_decode(json_str(tc, "seed"), &seed_len);
            uint8_t ek[MLKEM768_EK_LEN], dk[MLKEM768_DK_LEN];
            bool valid = strcmp(json_str(tc, "result"), "valid") == 0;
            bool ok = false;
            if (seed && seed_len == 64) {
                mlkem768_keygen_derand(ek, dk, seed, seed + 32);
                ok = hex_eq(ek, sizeof(ek), json_str(tc, "ek")) &&
                     hex_eq(dk, sizeof(dk), json_str(tc, "dk"));
            }
            if (ok != valid) {
                disagree++;
                fprintf(stderr, "wycheproof keygen tcId %g disagrees\n", json_num(tc, "tcId", 0));
            }
            n++;
            free(seed);
        }
    }
    fprintf(stderr, "  Wycheproof ML-KEM-768 keygen: %d cases, %d disagree\n", n, disagree);
    CHECK_EQ(n, 100);
    CHECK_EQ(disagree, 0);
    json_free(j);
}

static void test_wycheproof_encaps(void)
{
    struct json *j = json_parse_file(vector_path("wycheproof/mlkem_768_encaps_test.json"));
    CHECK(j != NULL);
    if (!j)
        return;
    int n = 0, disagree = 0, invalid = 0;
    const struct json *groups = json_get(j, "testGroups");
    for (size_t g = 0; groups && g < groups->n; g++) {
        const struct json *tests = json_get(groups->items[g], "tests");
        for (size_t t = 0; tests && t < tests->n; t++) {
            const struct json *tc = tests->items[t];
            size_t ek_len, m_len;
            uint8_t *ek = hex_decode(json_str(tc, "ek"), &ek_len);
            uint8_t *m = hex_decode(json_str(tc, "m"), &m_len);
            bool valid = strcmp(json_str(tc, "result"), "valid") == 0;
            uint8_t ct[MLKEM768_CT_LEN], ss[MLKEM_SS_LEN];
            bool ok = false;
            if (ek && m && m_len == 32) {
                int rc = mlkem768_encaps_derand(ct, ss, ek, ek_len, m);
                /* The check alone agrees with encapsulation's verdict. */
                if ((mlkem768_check_ek(ek, ek_len) == TERN_OK) != (rc == TERN_OK))
                    disagree++;
                if (rc == TERN_OK)
                    ok = hex_eq(ct, sizeof(ct), json_str(tc, "c")) &&
                         hex_eq(ss, sizeof(ss), json_str(tc, "K"));
                else
                    CHECK_EQ(rc, TERN_E_ILLEGAL_PARAMETER);
            }
            if (ok != valid) {
                disagree++;
                fprintf(stderr, "wycheproof encaps tcId %g (%s) disagrees\n",
                        json_num(tc, "tcId", 0), json_str(tc, "comment"));
            }
            invalid += !valid;
            n++;
            free(ek);
            free(m);
        }
    }
    fprintf(stderr, "  Wycheproof ML-KEM-768 encaps: %d cases (%d invalid), %d disagree\n", n,
            invalid, disagree);
    CHECK_EQ(n, 265);
    CHECK(invalid > 100);
    CHECK_EQ(disagree, 0);
    json_free(j);
}

/* ---- C2SP CCTV text vectors: "name = hex" lines ---- */

/* kv_get: the first value named name in text, hex-decoded (malloc), or NULL. */
static uint8_t *kv_get(const char *text, const char *name, size_t *out_len)
{
    size_t nl = strlen(name);
    for (const char *line = text; line && *line;
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, name, nl) == 0 && strncmp(line + nl, " = ", 3) == 0) {
            const char *v = line + nl + 3;
            const char *end = strchr(v, '\n');
            size_t len = end ? (size_t)(end - v) : strlen(v);
            char *copy = malloc(len + 1);
            memcpy(copy, v, len);
            copy[len] = '\0';
            uint8_t *out = hex_decode(copy, out_len);
            free(copy);
            return out;
        }
    }
    return NULL;
}

static void test_cctv_intermediate(void)
{
    char *text = read_file(vector_path("mlkem/intermediate/ML-KEM-768.txt"), NULL);
    CHECK(text != NULL);
    if (!text)
        return;
    size_t n;
    uint8_t *rho = kv_get(text, "ρ", &n), *sigma = kv_get(text, "σ", &n),
            *z = kv_get(text, "z", &n);
    uint8_t *ek_want = kv_get(text, "ek", &n), *dk_want = kv_get(text, "dk", &n);
    uint8_t *m = kv_get(text, "m", &n), *k_want = kv_get(text, "K", &n);
    uint8_t *c_want = kv_get(text, "c", &n);
    CHECK(rho && sigma && z && ek_want && dk_want && m && k_want && c_want);
    if (rho && sigma && z && ek_want && dk_want && m && k_want && c_want) {
        uint8_t ek[MLKEM768_EK_LEN], dk[MLKEM768_DK_LEN], ct[MLKEM768_CT_LEN], ss[32], ss2[32];
        /* These vectors predate G(d || k); they give ρ and σ. */
        mlkem768_keygen_expanded(ek, dk, rho, sigma, z);
        CHECK_MEM(ek, ek_want, sizeof(ek));
        CHECK_MEM(dk, dk_want, sizeof(dk));
        CHECK_EQ(mlkem768_encaps_derand(ct, ss, ek, sizeof(ek), m), TERN_OK);
        CHECK_MEM(ct, c_want, sizeof(ct));
        CHECK_MEM(ss, k_want, sizeof(ss));
        CHECK_EQ(mlkem768_decaps(ss2, dk, sizeof(dk), ct, sizeof(ct)), TERN_OK);
        CHECK_MEM(ss2, k_want, sizeof(ss2));
    }
    free(rho), free(sigma), free(z), free(ek_want), free(dk_want), free(m), free(k_want);
    free(c_want);
    free(text);
}

/* strcmp vectors: ciphertexts whose re-encryption differs only after a zero
 * byte; a comparison that stopped there would accept them. */
static void test_cctv_strcmp(void)
{
    char *text = read_file(vector_path("mlkem/strcmp/ML-KEM-768.txt"), NULL);
    CHECK(text != NULL);
    if (!text)
        return;
    size_t dk_len, c_len, k_len;
    uint8_t *dk = kv_get(text, "dk", &dk_len), *c = kv_get(text, "c", &c_len);
    uint8_t *k = kv_get(text, "K", &k_len);
    CHECK(dk && c && k && k_len == 32);
    if (dk && c && k) {
        uint8_t ss[32];
        CHECK_EQ(mlkem768_decaps(ss, dk, dk_len, c, c_len), TERN_OK);
        CHECK_MEM(ss, k, 32);
    }
    free(dk), free(c), free(k);
    free(text);
}

/* Unlucky seeds: SampleNTT needs more than 575 bytes of SHAKE-128. */
static void test_cctv_unlucky(void)
{
    char *text = read_file(vector_path("mlkem/unluckysample/ML-KEM-768.txt"), NULL);
    CHECK(text != NULL);
    if (!text)
        return;
    size_t n;
    uint8_t *d = kv_get(text, "d", &n), *z = kv_get(text, "z", &n);
    uint8_t *ek_want = kv_get(text, "ek", &n), *dk_want = kv_get(text, "dk", &n);
    uint8_t *m = kv_get(text, "m", &n), *k_want = kv_get(text, "K", &n),
            *c_want = kv_get(text, "c", &n);
    CHECK(d && z && ek_want && dk_want && m && k_want && c_want);
    if (d && z && ek_want && dk_want && m && k_want && c_want) {
        uint8_t ek[MLKEM768_EK_LEN], dk[MLKEM768_DK_LEN], ct[MLKEM768_CT_LEN], ss[32], g[64];
        /* Draft-era vectors: (ρ, σ) = G(d). */
        sha3_512(d, 32, g);
        mlkem768_keygen_expanded(ek, dk, g, g + 32, z);
        CHECK_MEM(ek, ek_want, sizeof(ek));
        CHECK_MEM(dk, dk_want, sizeof(dk));
        CHECK_EQ(mlkem768_encaps_derand(ct, ss, ek, sizeof(ek), m), TERN_OK);
        CHECK_MEM(ct, c_want, sizeof(ct));
        CHECK_MEM(ss, k_want, 32);
        CHECK_EQ(mlkem768_decaps(ss, dk, sizeof(dk), ct, sizeof(ct)), TERN_OK);
        CHECK_MEM(ss, k_want, 32);
    }
    free(d), free(z), free(ek_want), free(dk_want), free(m), free(k_want), free(c_want);
    free(text);
}

/* Keys with coefficients from q to 4095 spread over every position: each
 * must fail the modulus check. The test decodes the 12-bit values itself
 * to make sure each line really holds one at or above q. */
static int count_unreduced(const uint8_t *ek)
{
    int bad = 0;
    for (size_t i = 0; i < 3 * 384; i += 3) {
        unsigned a = ek[i] | (ek[i + 1] & 0x0fu) << 8,
                 b = ek[i + 1] >> 4 | (unsigned)ek[i + 2] << 4;
        bad += (a >= 3329) + (b >= 3329);
    }
    return bad;
}

static void test_cctv_modulus(void)
{
    char *text = read_file(vector_path("mlkem/modulus/ML-KEM-768.txt"), NULL);
    CHECK(text != NULL);
    if (!text)
        return;
    int n = 0, accepted = 0, unreduced = 0;
    const uint8_t m[32] = {1};
    for (char *line = text; *line;) {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        if (*line) {
            size_t ek_len;
            uint8_t *ek = hex_decode(line, &ek_len);
            uint8_t ct[MLKEM768_CT_LEN], ss[32];
            CHECK(ek && ek_len == MLKEM768_EK_LEN);
            if (ek && ek_len == MLKEM768_EK_LEN)
                unreduced += count_unreduced(ek) > 0;
            if (ek && (mlkem768_check_ek(ek, ek_len) == TERN_OK ||
                       mlkem768_encaps_derand(ct, ss, ek, ek_len, m) == TERN_OK))
                accepted++;
            free(ek);
            n++;
        }
        if (!end)
            break;
        line = end + 1;
    }
    fprintf(stderr, "  CCTV modulus: %d invalid keys, %d accepted\n", n, accepted);
    CHECK_EQ(n, 780);
    CHECK_EQ(unreduced, n);
    CHECK_EQ(accepted, 0);
    free(text);
}

/* The accumulated pq-crystals run (tests/vectors/mlkem/README.md): d, z, m
 * and a random ciphertext from one SHAKE-128 stream; ek, dk, ct, K and the
 * implicitly rejected K into another. The published digests are for the
 * draft's key generation, (ρ, σ) = G(d). */
static void test_cctv_accumulated(void)
{
    long n = 10000;
#if defined(__SANITIZE_ADDRESS__) || defined(TERN_HAS_ASAN)
    n = 100; /* the sanitizer build is ~30x slower; TERN_MLKEM_ACCUMULATED=10000 runs it all */
#endif
    const char *env = getenv("TERN_MLKEM_ACCUMULATED");
    if (env && atol(env) > 0)
        n = atol(env);
    struct sha3_ctx rng, out;
    shake128_init(&rng);
    shake128_init(&out);
    uint8_t d[32], z[32], m[32], g[64], ct_rand[MLKEM768_CT_LEN];
    static uint8_t ek[MLKEM768_EK_LEN], dk[MLKEM768_DK_LEN], ct[MLKEM768_CT_LEN];
    uint8_t k1[32], k2[32], k3[32];
    int mismatches = 0;
    for (long i = 0; i < n; i++) {
        sha3_squeeze(&rng, d, 32);
        if (i == 0)
            CHECK(hex_eq(d, 16, "7f9c2ba4e88f827d616045507605853e"));
        sha3_squeeze(&rng, z, 32);
        sha3_512(d, 32, g);
        mlkem768_keygen_expanded(ek, dk, g, g + 32, z);
        sha3_absorb(&out, ek, sizeof(ek));
        sha3_absorb(&out, dk, sizeof(dk));
        sha3_squeeze(&rng, m, 32);
        if (mlkem768_encaps_derand(ct, k1, ek, sizeof(ek), m) != TERN_OK)
            mismatches++;
        sha3_absorb(&out, ct, sizeof(ct));
        sha3_absorb(&out, k1, sizeof(k1));
        if (mlkem768_decaps(k2, dk, sizeof(dk), ct, sizeof(ct)) != TERN_OK || memcmp(k1, k2, 32))
            mismatches++;
        sha3_squeeze(&rng, ct_rand, sizeof(ct_rand));
        if (mlkem768_decaps(k3, dk, sizeof(dk), ct_rand, sizeof(ct_rand)) != TERN_OK)
            mismatches++;
        sha3_absorb(&out, k3, sizeof(k3));
    }
    uint8_t digest[32];
    sha3_squeeze(&out, digest, sizeof(digest));
    CHECK_EQ(mismatches, 0);
    if (n == 10000)
        CHECK(
            hex_eq(digest, 32, "f7db260e1137a742e05fe0db9525012812b004d29040a5b606aad3d134b548d3"));
    else if (n == 100) /* the short run's digest, as Go's crypto/mlkem tests publish it */
        CHECK(
            hex_eq(digest, 32, "8d0c478ead6037897a0da6be21e5399545babf5fc6dd10c061c99b7dee2bf0dc"));
    else
        fprintf(stderr, "  (no published digest for %ld cases; only self-consistency checked)\n",
                n);
    fprintf(stderr, "  CCTV accumulated: %ld cases, %d mismatches\n", n, mismatches);
}

/* ---- behaviour ---- */

static void test_roundtrip_and_rejection(void)
{
    static uint8_t ek[MLKEM768_EK_LEN], dk[MLKEM768_DK_LEN], ct[MLKEM768_CT_LEN];
    uint8_t k1[32], k2[32], k3[32], j[32];
    CHECK_EQ(mlkem768_keygen(ek, dk), TERN_OK);
    CHECK_EQ(mlkem768_check_ek(ek, sizeof(ek)), TERN_OK);
    CHECK_EQ(mlkem768_check_dk(dk, sizeof(dk)), TERN_OK);
    CHECK_EQ(mlkem768_encaps(ct, k1, ek, sizeof(ek)), TERN_OK);
    CHECK_EQ(mlkem768_decaps(k2, dk, sizeof(dk), ct, sizeof(ct)), TERN_OK);
    CHECK_MEM(k1, k2, 32);

    /* A modified ciphertext decapsulates, to J(z || c') (FIPS 203 Alg. 18). */
    ct[500] ^= 0x04;
    CHECK_EQ(mlkem768_decaps(k3, dk, sizeof(dk), ct, sizeof(ct)), TERN_OK);
    CHECK(memcmp(k1, k3, 32) != 0);
    struct sha3_ctx c;
    shake256_init(&c);
    sha3_absorb(&c, dk + MLKEM768_DK_LEN - 32, 32);
    sha3_absorb(&c, ct, sizeof(ct));
    sha3_squeeze(&c, j, 32);
    CHECK_MEM(k3, j, 32);
    ct[500] ^= 0x04;
    /* Even the last bit matters. */
    ct[MLKEM768_CT_LEN - 1] ^= 0x80;
    CHECK_EQ(mlkem768_decaps(k3, dk, sizeof(dk), ct, sizeof(ct)), TERN_OK);
    CHECK(memcmp(k1, k3, 32) != 0);
    ct[MLKEM768_CT_LEN - 1] ^= 0x80;

    /* Two key pairs, two encapsulations: all different. */
    static uint8_t ek2[MLKEM768_EK_LEN], dk2[MLKEM768_DK_LEN];
    CHECK_EQ(mlkem768_keygen(ek2, dk2), TERN_OK);
    CHECK(memcmp(ek, ek2, sizeof(ek)) != 0);
    /* The wrong key gives a rejection key, not an error. */
    CHECK_EQ(mlkem768_decaps(k3, dk2, sizeof(dk2), ct, sizeof(ct)), TERN_OK);
    CHECK(memcmp(k1, k3, 32) != 0);
}

static void test_input_checks(void)
{
    static uint8_t ek[MLKEM768_EK_LEN], dk[MLKEM768_DK_LEN], ct[MLKEM768_CT_LEN];
    uint8_t ss[32];
    const uint8_t d[32] = {7}, z[32] = {9}, m[32] = {3};
    mlkem768_keygen_derand(ek, dk, d, z);
    CHECK_EQ(mlkem768_encaps_derand(ct, ss, ek, sizeof(ek), m), TERN_OK);
    /* Lengths. */
    CHECK_EQ(mlkem768_check_ek(ek, sizeof(ek) - 1), TERN_E_ILLEGAL_PARAMETER);
    CHECK_EQ(mlkem768_encaps_derand(ct, ss, ek, sizeof(ek) + 1, m), TERN_E_ILLEGAL_PARAMETER);
    CHECK_EQ(mlkem768_decaps(ss, dk, sizeof(dk), ct, sizeof(ct) - 1), TERN_E_ILLEGAL_PARAMETER);
    CHECK_EQ(mlkem768_decaps(ss, dk, sizeof(dk) - 1, ct, sizeof(ct)), TERN_E_ILLEGAL_PARAMETER);
    CHECK_EQ(mlkem768_decaps(ss, dk, sizeof(dk), NULL, 0), TERN_E_ILLEGAL_PARAMETER);
    /* Modulus check: coefficient 0 set to exactly q (0xd01), then q - 1. */
    uint8_t saved0 = ek[0], saved1 = ek[1];
    ek[0] = 0x01;
    ek[1] = (uint8_t)((ek[1] & 0xf0) | 0x0d);
    CHECK_EQ(mlkem768_check_ek(ek, sizeof(ek)), TERN_E_ILLEGAL_PARAMETER);
    ek[0] = 0x00;
    CHECK_EQ(mlkem768_check_ek(ek, sizeof(ek)), TERN_OK);
    ek[0] = saved0;
    ek[1] = saved1;
    /* ρ is not subject to the check. */
    memset(ek + MLKEM768_EK_LEN - 32, 0xff, 32);
    CHECK_EQ(mlkem768_check_ek(ek, sizeof(ek)), TERN_OK);
    /* Hash check: dk's copy of ek altered, hash left alone. */
    dk[1152 + 10] ^= 1;
    CHECK_EQ(mlkem768_check_dk(dk, sizeof(dk)), TERN_E_ILLEGAL_PARAMETER);
    CHECK_EQ(mlkem768_decaps(ss, dk, sizeof(dk), ct, sizeof(ct)), TERN_E_ILLEGAL_PARAMETER);
    dk[1152 + 10] ^= 1;
    /* The stored hash altered. */
    dk[1152 + 1184] ^= 1;
    CHECK_EQ(mlkem768_check_dk(dk, sizeof(dk)), TERN_E_ILLEGAL_PARAMETER);
    dk[1152 + 1184] ^= 1;
    CHECK_EQ(mlkem768_check_dk(dk, sizeof(dk)), TERN_OK);
}

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A rough speed figure, measured on this machine (never a constant). */
static void test_speed(void)
{
    static uint8_t ek[MLKEM768_EK_LEN], dk[MLKEM768_DK_LEN], ct[MLKEM768_CT_LEN];
    uint8_t ss[32], ss2[32];
    const int iters = 300;
    int failures = 0;
    double t0 = now_sec();
    for (int i = 0; i < iters; i++)
        failures += mlkem768_keygen(ek, dk) != TERN_OK;
    double t1 = now_sec();
    for (int i = 0; i < iters; i++)
        failures += mlkem768_encaps(ct, ss, ek, sizeof(ek)) != TERN_OK;
    double t2 = now_sec();
    for (int i = 0; i < iters; i++)
        failures += mlkem768_decaps(ss2, dk, sizeof(dk), ct, sizeof(ct)) != TERN_OK;
    double t3 = now_sec();
    CHECK_EQ(failures, 0);
    CHECK_MEM(ss, ss2, 32);
    fprintf(stderr, "  ML-KEM-768 speed: keygen %.0f/s, encaps %.0f/s, decaps %.0f/s\n",
            iters / (t1 - t0), iters / (t2 - t1), iters / (t3 - t2));
}

/* ---- the paths against each other ---- */

/* The automatic choice is AVX2 exactly when the build and the CPU have it,
 * so the runs below do test the path a real handshake takes. */
static void test_path_choice(void)
{
    CHECK(mlkem_force_path(-1));
    bool avx2 = mlkem_ops_for_test(1) != NULL;
#if defined(MLKEM_HAVE_AVX2)
    CHECK_EQ(avx2, __builtin_cpu_supports("avx2") != 0);
#else
    CHECK(!avx2);
#endif
    CHECK(strcmp(mlkem_path_name(), avx2 ? "avx2" : "portable") == 0);
    CHECK_EQ(mlkem_force_path(1), avx2);
    CHECK(mlkem_force_path(0));
    CHECK(strcmp(mlkem_path_name(), "portable") == 0);
    CHECK(mlkem_force_path(-1));
}

static int16_t modq(int32_t x)
{
    x %= MLKEM_Q;
    return (int16_t)(x < 0 ? x + MLKEM_Q : x);
}

/* poly_modq_eq: the two polynomials agree modulo q, each within bound. */
static bool poly_modq_eq(const struct mlkem_poly *a, const struct mlkem_poly *b, int bound)
{
    for (unsigned i = 0; i < MLKEM_N; i++)
        if (modq(a->c[i]) != modq(b->c[i]) || abs(a->c[i]) > bound || abs(b->c[i]) > bound)
            return false;
    return true;
}

/* rand_poly: coefficients from the stream in [lo, hi]; every fourth
 * polynomial has the extremes only, where bounds are tightest. */
static void rand_poly(struct sha3_ctx *rng, struct mlkem_poly *p, int lo, int hi, unsigned which)
{
    uint8_t b[2 * MLKEM_N];
    sha3_squeeze(rng, b, sizeof(b));
    for (unsigned i = 0; i < MLKEM_N; i++) {
        unsigned r = (unsigned)(b[2 * i] | b[2 * i + 1] << 8);
        if (which % 4 == 3)
            p->c[i] = (int16_t)(r & 1 ? hi : lo);
        else
            p->c[i] = (int16_t)(lo + (int)(r % (unsigned)(hi - lo + 1)));
    }
}

static void test_differential_primitives(void)
{
    const struct mlkem_ops *ref = mlkem_ops_for_test(0), *opt = mlkem_ops_for_test(1);
    if (!opt) {
        fprintf(stderr, "  no AVX2 path in this build or CPU: nothing to compare\n");
        return;
    }
    struct sha3_ctx rng;
    shake128_init(&rng);
    sha3_absorb(&rng, "mlkem paths", 11);
    int bad_ntt = 0, bad_inv = 0, bad_mul = 0, bad_hash = 0, bad_parse = 0, bad_decode = 0;
    for (unsigned it = 0; it < 400; it++) {
        struct mlkem_poly x, y, a[MLKEM_K], b[MLKEM_K], r1, r2;
        /* NTT: input |c| < q; output within q/2 and equal modulo q. */
        rand_poly(&rng, &x, -(MLKEM_Q - 1), MLKEM_Q - 1, it);
        y = x;
        ref->ntt(&x);
        opt->ntt(&y);
        bad_ntt += !poly_modq_eq(&x, &y, MLKEM_Q / 2);
        /* Base multiplication: a in [0, 2^12), b within q/2. */
        for (unsigned v = 0; v < MLKEM_K; v++) {
            rand_poly(&rng, &a[v], 0, 4095, it);
            rand_poly(&rng, &b[v], -(MLKEM_Q / 2), MLKEM_Q / 2, it + v);
        }
        ref->basemul_acc(&r1, a, b);
        opt->basemul_acc(&r2, a, b);
        bad_mul += !poly_modq_eq(&r1, &r2, MLKEM_Q - 1);
        /* Inverse NTT of a product: |c| < q out, equal modulo q. */
        x = r1;
        ref->invntt(&r1);
        opt->invntt(&x);
        bad_inv += !poly_modq_eq(&r1, &x, MLKEM_Q - 1);
        /* Rejection sampling (from any count, over any length, including
         * bytes that are mostly rejected) and CBD: exactly equal. */
        {
            uint8_t buf[504];
            sha3_squeeze(&rng, buf, sizeof(buf));
            if (it % 3 == 0)
                for (unsigned bi = 0; bi < sizeof(buf); bi++)
                    buf[bi] |= bi % 3 == 1 ? 0xd0 : 0; /* many candidates >= q */
            unsigned start = it % 7 == 0 ? 0 : it % 256, len = 3 * (it % 169);
            struct mlkem_poly p1, p2;
            memset(&p1, 0, sizeof(p1));
            memset(&p2, 0, sizeof(p2));
            unsigned n1 = ref->parse_uniform(&p1, start, buf, len);
            unsigned n2 = opt->parse_uniform(&p2, start, buf, len);
            bad_parse += n1 != n2 || memcmp(p1.c, p2.c, sizeof(int16_t) * n1) != 0;
            ref->cbd2(&p1, buf);
            opt->cbd2(&p2, buf);
            bad_parse += memcmp(&p1, &p2, sizeof(p1)) != 0;
            /* The decoders, on the same bytes (a third of the time with
             * 12-bit values at and above q for the modulus check). */
            uint16_t m1 = ref->decode12(&p1, buf), m2 = opt->decode12(&p2, buf);
            bad_decode += m1 != m2 || memcmp(&p1, &p2, sizeof(p1)) != 0;
            if (it % 3 == 0)
                bad_decode += m1 != 0xffff;
            ref->decode_du(&p1, buf + 17);
            opt->decode_du(&p2, buf + 17);
            bad_decode += memcmp(&p1, &p2, sizeof(p1)) != 0;
            ref->decode_dv(&p1, buf + 300);
            opt->decode_dv(&p2, buf + 300);
            bad_decode += memcmp(&p1, &p2, sizeof(p1)) != 0;
        }
        /* Hash batches: exactly equal, for batches of 1 to 16 jobs of every
         * rate and domain ML-KEM uses, inputs of 0 to 1200 bytes in two
         * parts, outputs of 1 to 600 bytes. */
        if (it % 10 == 0) {
            static uint8_t in[16][1200], out1[16][600], out2[16][600];
            struct sha3_job j1[16], j2[16];
            uint8_t sel[16 * 6];
            unsigned nj = 1 + it / 10 % 16;
            sha3_squeeze(&rng, sel, sizeof(sel));
            for (unsigned q = 0; q < nj; q++) {
                static const uint8_t rates[4] = {168, 136, 136, 72},
                                     ds[4] = {0x1f, 0x1f, 0x06, 0x06};
                unsigned kind = sel[6 * q] % 4;
                size_t l0 = (size_t)(sel[6 * q + 1] | sel[6 * q + 2] << 8) % 600;
                size_t l1 = (size_t)(sel[6 * q + 3] | sel[6 * q + 4] << 8) % 601;
                size_t ol = 1 + (size_t)(sel[6 * q + 5] * 7u) % 600;
                sha3_squeeze(&rng, in[q], l0 + l1);
                j1[q] = (struct sha3_job){{in[q], in[q] + l0}, {l0, l1}, out1[q], ol,
                                          rates[kind],         ds[kind]};
                j2[q] = j1[q];
                j2[q].out = out2[q];
                memset(out1[q], 0, sizeof(out1[q]));
                memset(out2[q], 0xaa, sizeof(out2[q]));
            }
            ref->hash_batch(j1, nj);
            opt->hash_batch(j2, nj);
            for (unsigned q = 0; q < nj; q++)
                bad_hash +=
                    memcmp(out1[q], out2[q], j1[q].out_len) != 0 || out2[q][j1[q].out_len] != 0xaa;
        }
    }
    /* Compression: every int16 value, each d the encodings use. */
    int bad_compress = 0;
    static const unsigned ds[4] = {1, 4, 10, 12};
    for (unsigned di = 0; di < 4; di++)
        for (unsigned base = 0; base < 65536; base += MLKEM_N) {
            struct mlkem_poly x;
            uint16_t c1[MLKEM_N], c2[MLKEM_N];
            for (unsigned i = 0; i < MLKEM_N; i++)
                x.c[i] = (int16_t)(uint16_t)(base + i);
            ref->compress(c1, &x, ds[di]);
            opt->compress(c2, &x, ds[di]);
            bad_compress += memcmp(c1, c2, sizeof(c1)) != 0;
        }
    CHECK_EQ(bad_compress, 0);
    CHECK_EQ(bad_ntt, 0);
    CHECK_EQ(bad_mul, 0);
    CHECK_EQ(bad_inv, 0);
    CHECK_EQ(bad_hash, 0);
    CHECK_EQ(bad_parse, 0);
    CHECK_EQ(bad_decode, 0);
}

/* End to end: keys, ciphertexts and secrets from random seeds, and the
 * rejection keys from random ciphertexts, identical on both paths. */
static void test_differential_kem(void)
{
    if (!mlkem_ops_for_test(1)) {
        fprintf(stderr, "  no AVX2 path in this build or CPU: nothing to compare\n");
        return;
    }
    static uint8_t ek[2][MLKEM768_EK_LEN], dk[2][MLKEM768_DK_LEN], ct[2][MLKEM768_CT_LEN],
        ct_rand[MLKEM768_CT_LEN];
    uint8_t seeds[96], ss[2][32], rej[2][32];
    int differ = 0, errors = 0;
    for (int it = 0; it < 200; it++) {
        CHECK_EQ(cry_random(seeds, sizeof(seeds)), TERN_OK);
        CHECK_EQ(cry_random(ct_rand, sizeof(ct_rand)), TERN_OK);
        for (int p = 0; p < 2; p++) {
            CHECK(mlkem_force_path(p));
            mlkem768_keygen_derand(ek[p], dk[p], seeds, seeds + 32);
            errors += mlkem768_encaps_derand(ct[p], ss[p], ek[p], MLKEM768_EK_LEN, seeds + 64);
            uint8_t back[32];
            errors += mlkem768_decaps(back, dk[p], MLKEM768_DK_LEN, ct[p], MLKEM768_CT_LEN);
            differ += memcmp(back, ss[p], 32) != 0;
            errors += mlkem768_decaps(rej[p], dk[p], MLKEM768_DK_LEN, ct_rand, MLKEM768_CT_LEN);
        }
        differ += memcmp(ek[0], ek[1], MLKEM768_EK_LEN) != 0;
        differ += memcmp(dk[0], dk[1], MLKEM768_DK_LEN) != 0;
        differ += memcmp(ct[0], ct[1], MLKEM768_CT_LEN) != 0;
        differ += memcmp(ss[0], ss[1], 32) != 0;
        differ += memcmp(rej[0], rej[1], 32) != 0;
    }
    CHECK(mlkem_force_path(-1));
    CHECK_EQ(errors, 0);
    CHECK_EQ(differ, 0);
}

int main(void)
{
    RUN(test_sha3_kats);
    RUN(test_sha3_incremental);
    RUN(test_compress_exhaustive);
    RUN(test_path_choice);
    /* Every vector on every path. */
    for (int path = 0; path < 2; path++) {
        if (!mlkem_force_path(path)) {
            fprintf(stderr, "note: no AVX2 path in this build or CPU; portable only\n");
            continue;
        }
        fprintf(stderr, "-- ML-KEM path: %s\n", mlkem_path_name());
        RUN(test_wycheproof_keygen);
        RUN(test_wycheproof_encaps);
        RUN(test_cctv_intermediate);
        RUN(test_cctv_strcmp);
        RUN(test_cctv_unlucky);
        RUN(test_cctv_modulus);
        RUN(test_cctv_accumulated);
        RUN(test_roundtrip_and_rejection);
        RUN(test_input_checks);
        RUN(test_speed);
    }
    CHECK(mlkem_force_path(-1));
    RUN(test_differential_primitives);
    RUN(test_differential_kem);
#ifdef MLKEM_HAVE_AVX2
    /* The 4-way Keccak's AVX-512 rounds (where the CPU has them) were used
     * above; its AVX2 rounds again, as on a CPU without AVX-512. */
    if (mlkem_ops_for_test(1) && sha3x4_avx512_available()) {
        fprintf(stderr, "-- 4-way Keccak without AVX-512\n");
        sha3x4_use_avx512(false);
        RUN(test_differential_primitives);
        RUN(test_differential_kem);
        sha3x4_use_avx512(true);
    }
#endif
    return test_done();
}
