/* The crypto provider on OpenSSL's libcrypto 3.0: the only file of tern that
 * includes an OpenSSL header.
 *
 * Speed: algorithm objects (EVP_MD, EVP_CIPHER) are fetched once per process
 * under pthread_once and kept; a fetch by name per operation is what makes
 * libssl 3.0 slow. AEAD keys keep one keyed EVP_CIPHER_CTX and a record only
 * sets its nonce. Hashes use libcrypto's direct SHA functions (see "hashes"
 * below); HMAC (RFC 2104) is built on them rather than on EVP_MAC, whose
 * "digest" parameter is a name fetched anew on every init, and HKDF
 * (RFC 5869) on that HMAC.
 *
 * The provider functions return status codes only; the caller, which knows
 * what the bytes were (a key share, a certificate key, a record), writes the
 * sentence. OpenSSL's error queue is cleared on every failure so it never
 * grows or leaks into a later, unrelated call. */
/* The direct SHA functions (SHA256_Init and kin) are deprecated in 3.0 but
 * kept; "hashes" below says why tern uses them. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "crypto/provider.h"
#include "base/der.h"
#include "base/error.h"
#include "base/mem.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/modes.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <limits.h>
#include <pthread.h>
#include <string.h>

/* ---- algorithm objects, fetched once ---- */

/* Filled once by algs_load and never written again: a cache of immutable
 * objects, not mutable state. A NULL entry means this libcrypto lacks the
 * algorithm (for example a FIPS-only configuration without ChaCha20). */
static struct {
    EVP_MD *md[5]; /* indexed by enum cry_hash */
    EVP_CIPHER *aes128_gcm, *aes256_gcm, *chacha20_poly1305;
    EVP_CIPHER *aes128_ecb, *aes256_ecb; /* for GCM with nonces other than 12 bytes */
    /* Domain parameters only, per curve (P-256, P-384, P-521): a peer's key
     * is made by copying these and setting its point, which costs a quarter
     * of building the curve from its name for every certificate. */
    EVP_PKEY *ec_params[3];
    /* An X25519 key (the base point as public key) whose key manager makes
     * new X25519 keys without a fetch by name: 2 µs a handshake. */
    EVP_PKEY *x25519;
    /* A context for EVP_PKEY_fromdata on g_algs.x25519's key manager, the
     * one mutable object here: used by one thread at a time, under
     * g_x25519_fromdata_lock (see x25519_key). */
    EVP_PKEY_CTX *x25519_fromdata;
} g_algs;
static pthread_once_t g_algs_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t g_x25519_fromdata_lock = PTHREAD_MUTEX_INITIALIZER;

static void algs_load(void)
{
    g_algs.md[CRY_SHA256] = EVP_MD_fetch(NULL, "SHA2-256", NULL);
    g_algs.md[CRY_SHA384] = EVP_MD_fetch(NULL, "SHA2-384", NULL);
    g_algs.md[CRY_SHA512] = EVP_MD_fetch(NULL, "SHA2-512", NULL);
    g_algs.md[CRY_SHA1] = EVP_MD_fetch(NULL, "SHA1", NULL);
    g_algs.aes128_gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
    g_algs.aes256_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    g_algs.chacha20_poly1305 = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
    g_algs.aes128_ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
    g_algs.aes256_ecb = EVP_CIPHER_fetch(NULL, "AES-256-ECB", NULL);
    static const char *const curves[3] = {"prime256v1", "secp384r1", "secp521r1"};
    for (int i = 0; i < 3; i++) {
        OSSL_PARAM params[2] = {
            OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)curves[i], 0),
            OSSL_PARAM_construct_end()};
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
        if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
            EVP_PKEY_fromdata(ctx, &g_algs.ec_params[i], EVP_PKEY_KEY_PARAMETERS, params) != 1)
            g_algs.ec_params[i] = NULL; /* the slow path below still works */
        EVP_PKEY_CTX_free(ctx);
    }
    static const uint8_t base_point[32] = {9}; /* RFC 7748 §4.1: u = 9 */
    g_algs.x25519 =
        EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, base_point, sizeof(base_point));
    if (g_algs.x25519) {
        g_algs.x25519_fromdata = EVP_PKEY_CTX_new_from_pkey(NULL, g_algs.x25519, NULL);
        if (g_algs.x25519_fromdata && EVP_PKEY_fromdata_init(g_algs.x25519_fromdata) != 1) {
            EVP_PKEY_CTX_free(g_algs.x25519_fromdata);
            g_algs.x25519_fromdata = NULL;
        }
    }
    ERR_clear_error();
}

static void algs_init(void)
{
    (void)pthread_once(&g_algs_once, algs_load);
}

static const EVP_MD *md_get(enum cry_hash h)
{
    if (h < CRY_SHA256 || h > CRY_SHA1)
        return NULL;
    algs_init();
    return g_algs.md[h];
}

/* fail clears OpenSSL's error queue and passes the status on. */
static int fail(int status)
{
    ERR_clear_error();
    return status;
}

#ifdef TERN_FUZZING
static struct {
    bool deterministic, relaxed;
} fuzz;

void cry_fuzz_mode(bool deterministic, bool relaxed)
{
    fuzz.deterministic = deterministic;
    fuzz.relaxed = relaxed;
}

bool cry_fuzz_relaxed(void)
{
    return fuzz.relaxed;
}

bool cry_fuzz_fixed_time(uint64_t *ms)
{
    *ms = 1767225600000ull; /* 2026-01-01T00:00:00Z */
    return fuzz.deterministic;
}

/* The fixed stream: splitmix64 from a constant seed, from its start on
 * every call (so no call's output depends on the calls before it). */
static void fuzz_stream(uint8_t *p, size_t len)
{
    uint64_t x = 0x7465726e2d66757aull;
    for (size_t i = 0; i < len; i += 8) {
        uint64_t z = (x += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        for (size_t j = 0; j < 8 && i + j < len; j++)
            p[i + j] = (uint8_t)(z >> (8 * j));
    }
}

/* Fixed NIST-curve key pairs for deterministic mode (made once with
 * `openssl ecparam -genkey`; libcrypto 3.0 does not derive the public point
 * of an imported scalar, so it is stored beside it). */
static const uint8_t fuzz_p256_priv[32] = {
    0xd6, 0x10, 0x3e, 0x83, 0xe1, 0x13, 0x7e, 0xb1, 0x40, 0xcf, 0x7d, 0xbe, 0x5a, 0xf9, 0x57, 0xae,
    0xb8, 0x6e, 0xf2, 0x72, 0x67, 0xc7, 0x18, 0xb2, 0x0e, 0xe7, 0x0d, 0x66, 0x47, 0xab, 0x9a, 0x85,
};
static const uint8_t fuzz_p256_pub[65] = {
    0x04, 0x1e, 0x9c, 0x00, 0x31, 0xbd, 0xa8, 0x6a, 0x85, 0x4e, 0x2c, 0x69, 0x4d,
    0xdb, 0xd1, 0xf9, 0x65, 0x7d, 0x94, 0x1d, 0x6e, 0x52, 0xeb, 0x5e, 0x18, 0xc5,
    0x2d, 0xf4, 0xf0, 0xc2, 0x91, 0x33, 0x71, 0x50, 0x9d, 0x3e, 0x98, 0xcf, 0x4a,
    0x59, 0xa9, 0x83, 0xc9, 0x93, 0xab, 0x48, 0x89, 0xbd, 0x1e, 0x1e, 0x58, 0xc0,
    0xb7, 0x45, 0x06, 0x7f, 0xb6, 0xaa, 0xa1, 0xcc, 0x55, 0x3e, 0x8a, 0xbc, 0xf2,
};
static const uint8_t fuzz_p384_priv[48] = {
    0xa1, 0xae, 0x65, 0xd6, 0x4e, 0x3b, 0xe6, 0x50, 0x16, 0x9a, 0x16, 0x17, 0xdb, 0x9a, 0xa3, 0x0e,
    0x06, 0x73, 0xb7, 0xc4, 0xfc, 0x45, 0x99, 0x6b, 0xa0, 0x48, 0x2a, 0x06, 0x1a, 0xdf, 0xd5, 0x13,
    0xfb, 0x89, 0x34, 0xcc, 0xe8, 0xa9, 0x33, 0xe1, 0xa3, 0xf1, 0x21, 0x0f, 0xe3, 0xab, 0xea, 0x60,
};
static const uint8_t fuzz_p384_pub[97] = {
    0x04, 0x64, 0x15, 0xad, 0x17, 0xb6, 0x49, 0xf7, 0xcd, 0xda, 0x01, 0xad, 0xe9, 0x05,
    0xab, 0x41, 0xa3, 0xed, 0xcd, 0x80, 0x54, 0xe6, 0x4e, 0x18, 0x39, 0x1d, 0x39, 0x76,
    0xaa, 0x40, 0x87, 0xb3, 0x18, 0x56, 0x4c, 0xe7, 0xa4, 0xfa, 0xe1, 0xcf, 0xb4, 0x33,
    0x46, 0x32, 0xcb, 0xa3, 0x52, 0xa1, 0xdc, 0xdb, 0x9f, 0xd7, 0xa7, 0xd3, 0x65, 0x11,
    0xd8, 0xb7, 0x24, 0x57, 0x7a, 0x77, 0x1d, 0x1e, 0xd1, 0xa0, 0x08, 0xe4, 0x1d, 0xed,
    0x37, 0xb5, 0x19, 0xc9, 0x6f, 0x34, 0x83, 0xa9, 0xa7, 0xe0, 0x83, 0x0b, 0x04, 0xe2,
    0x42, 0x0d, 0x36, 0xb3, 0x76, 0xfb, 0xc5, 0x0b, 0xae, 0xd5, 0xb3, 0xb3, 0x1d,
};
#endif

/* ---- hashes ----
 *
 * SHA-1 and SHA-2 go through libcrypto's direct digest functions rather
 * than EVP: the key schedule hashes a few dozen short inputs per handshake,
 * and for those EVP's dispatch (provider context set-up per init, a context
 * duplicated per transcript peek) costs three times the hashing itself
 * (an HMAC-SHA-256 of 60 bytes: 0.78 µs through EVP, 0.22 µs direct, on the
 * bench machine). The direct functions are the same assembly (SHA-NI where
 * the CPU has it); libcrypto 3.0 marks them deprecated but keeps them. */

union sha_state {
    SHA_CTX s1;
    SHA256_CTX s256;
    SHA512_CTX s512;
};

static size_t sha_block_len(enum cry_hash h)
{
    return h == CRY_SHA384 || h == CRY_SHA512 ? 128 : 64;
}

static bool sha_init(enum cry_hash h, union sha_state *s)
{
    switch (h) {
    case CRY_SHA256:
        return SHA256_Init(&s->s256) == 1;
    case CRY_SHA384:
        return SHA384_Init(&s->s512) == 1;
    case CRY_SHA512:
        return SHA512_Init(&s->s512) == 1;
    case CRY_SHA1:
        return SHA1_Init(&s->s1) == 1;
    }
    return false;
}

static bool sha_update(enum cry_hash h, union sha_state *s, const void *p, size_t n)
{
    if (n == 0)
        return true;
    switch (h) {
    case CRY_SHA256:
        return SHA256_Update(&s->s256, p, n) == 1;
    case CRY_SHA384:
        return SHA384_Update(&s->s512, p, n) == 1;
    case CRY_SHA512:
        return SHA512_Update(&s->s512, p, n) == 1;
    case CRY_SHA1:
        return SHA1_Update(&s->s1, p, n) == 1;
    }
    return false;
}

/* sha_final writes the digest and wipes the state. */
static bool sha_final(enum cry_hash h, union sha_state *s, uint8_t *out)
{
    int ok = 0;
    switch (h) {
    case CRY_SHA256:
        ok = SHA256_Final(out, &s->s256);
        break;
    case CRY_SHA384:
        ok = SHA384_Final(out, &s->s512);
        break;
    case CRY_SHA512:
        ok = SHA512_Final(out, &s->s512);
        break;
    case CRY_SHA1:
        ok = SHA1_Final(out, &s->s1);
        break;
    }
    tern_memzero(s, sizeof(*s));
    return ok == 1;
}

size_t cry_hash_len(enum cry_hash h)
{
    switch (h) {
    case CRY_SHA256:
        return 32;
    case CRY_SHA384:
        return 48;
    case CRY_SHA512:
        return 64;
    case CRY_SHA1:
        return 20;
    }
    return 0;
}

const char *cry_hash_name(enum cry_hash h)
{
    switch (h) {
    case CRY_SHA256:
        return "SHA-256";
    case CRY_SHA384:
        return "SHA-384";
    case CRY_SHA512:
        return "SHA-512";
    case CRY_SHA1:
        return "SHA-1";
    }
    return "unknown-hash";
}

int cry_hash(enum cry_hash h, const void *data, size_t len, uint8_t *out)
{
    if (cry_hash_len(h) == 0)
        return TERN_E_UNSUPPORTED;
    union sha_state s;
    if (!sha_init(h, &s) || !sha_update(h, &s, data, len) || !sha_final(h, &s, out)) {
        tern_memzero(&s, sizeof(s));
        return fail(TERN_E_INTERNAL);
    }
    return TERN_OK;
}

/* The running hash is a plain state: a peek finishes a copy of it on the
 * stack, so it never allocates and never touches the running state. */
struct hash_impl {
    union sha_state run;
};

int cry_hash_init(struct cry_hash_ctx *ctx, enum cry_hash h)
{
    ctx->alg = h;
    ctx->impl = NULL;
    if (cry_hash_len(h) == 0)
        return TERN_E_UNSUPPORTED;
    struct hash_impl *hi = tern_malloc(sizeof(*hi));
    if (!hi)
        return TERN_E_NOMEM;
    ctx->impl = hi;
    if (!sha_init(h, &hi->run)) {
        cry_hash_cleanup(ctx);
        return fail(TERN_E_INTERNAL);
    }
    return TERN_OK;
}

int cry_hash_update(struct cry_hash_ctx *ctx, const void *data, size_t len)
{
    struct hash_impl *hi = ctx->impl;
    if (!hi)
        return TERN_E_ARG;
    if (!sha_update(ctx->alg, &hi->run, data, len))
        return fail(TERN_E_INTERNAL);
    return TERN_OK;
}

int cry_hash_peek(const struct cry_hash_ctx *ctx, uint8_t *out)
{
    const struct hash_impl *hi = ctx->impl;
    if (!hi)
        return TERN_E_ARG;
    union sha_state s = hi->run;
    if (!sha_final(ctx->alg, &s, out))
        return fail(TERN_E_INTERNAL);
    return TERN_OK;
}

int cry_hash_copy(struct cry_hash_ctx *dst, const struct cry_hash_ctx *src)
{
    const struct hash_impl *si = src->impl;
    if (!si)
        return TERN_E_ARG;
    int rc = cry_hash_init(dst, src->alg);
    if (rc != TERN_OK)
        return rc;
    struct hash_impl *di = dst->impl;
    di->run = si->run;
    return TERN_OK;
}

void cry_hash_cleanup(struct cry_hash_ctx *ctx)
{
    struct hash_impl *hi = ctx->impl;
    if (hi) {
        tern_memzero(hi, sizeof(*hi));
        tern_free(hi);
    }
    ctx->impl = NULL;
}

/* ---- HMAC (RFC 2104) and HKDF (RFC 5869) ---- */

struct part {
    const void *p;
    size_t n;
};

#define HMAC_MAX_BLOCK 128 /* SHA-384/512 */

/* hmac_parts computes HMAC over the concatenation of parts. */
static int hmac_parts(enum cry_hash h, const void *key, size_t key_len, const struct part *parts,
                      size_t nparts, uint8_t *out)
{
    size_t bl = sha_block_len(h);
    size_t hl = cry_hash_len(h);
    if (hl == 0)
        return TERN_E_UNSUPPORTED;
    /* The key schedule runs dozens of these per handshake: the pads are
     * built in words and only the bytes used are wiped. */
    uint64_t k0[HMAC_MAX_BLOCK / 8], pad[HMAC_MAX_BLOCK / 8];
    uint8_t inner[CRY_MAX_HASH];
    union sha_state s;
    memset(k0, 0, bl);
    int rc = TERN_E_INTERNAL;

    /* RFC 2104 §2: keys longer than the block are hashed first. */
    if (key_len > bl) {
        if (!sha_init(h, &s) || !sha_update(h, &s, key, key_len) ||
            !sha_final(h, &s, (uint8_t *)k0))
            goto out;
    } else if (key_len) {
        memcpy(k0, key, key_len);
    }
    for (size_t i = 0; i < bl / 8; i++)
        pad[i] = k0[i] ^ 0x3636363636363636u;
    if (!sha_init(h, &s) || !sha_update(h, &s, pad, bl))
        goto out;
    for (size_t i = 0; i < nparts; i++)
        if (!sha_update(h, &s, parts[i].p, parts[i].n))
            goto out;
    if (!sha_final(h, &s, inner))
        goto out;
    for (size_t i = 0; i < bl / 8; i++)
        pad[i] = k0[i] ^ 0x5c5c5c5c5c5c5c5cu;
    if (!sha_init(h, &s) || !sha_update(h, &s, pad, bl) || !sha_update(h, &s, inner, hl) ||
        !sha_final(h, &s, out))
        goto out;
    rc = TERN_OK;
out:
    tern_memzero(&s, sizeof(s));
    tern_memzero(k0, bl);
    tern_memzero(pad, bl);
    tern_memzero(inner, hl);
    return rc == TERN_OK ? rc : fail(rc);
}

int cry_hmac(enum cry_hash h, const void *key, size_t key_len, const void *data, size_t len,
             uint8_t *out)
{
    struct part p = {data, len};
    return hmac_parts(h, key, key_len, &p, 1, out);
}

int cry_hkdf_extract(enum cry_hash h, const void *salt, size_t salt_len, const void *ikm,
                     size_t ikm_len, uint8_t *out_prk)
{
    /* RFC 5869 §2.2: an absent salt is HashLen zeros, which as an HMAC key
     * is the same as the empty key (both are zero-padded to the block). */
    struct part p = {ikm, ikm_len};
    return hmac_parts(h, salt, salt_len, &p, 1, out_prk);
}

int cry_hkdf_expand(enum cry_hash h, const void *prk, size_t prk_len, const void *info,
                    size_t info_len, uint8_t *out, size_t out_len)
{
    size_t hl = cry_hash_len(h);
    if (hl == 0)
        return TERN_E_UNSUPPORTED;
    /* RFC 5869 §2.3: L <= 255*HashLen. */
    if (out_len > 255 * hl)
        return TERN_E_ARG;
    uint8_t t[CRY_MAX_HASH];
    size_t t_len = 0, done = 0;
    int rc = TERN_OK;
    for (uint8_t ctr = 1; done < out_len; ctr++) {
        struct part parts[3] = {{t, t_len}, {info, info_len}, {&ctr, 1}};
        rc = hmac_parts(h, prk, prk_len, parts, 3, t);
        if (rc != TERN_OK)
            break;
        t_len = hl;
        size_t n = out_len - done < hl ? out_len - done : hl;
        memcpy(out + done, t, n);
        done += n;
    }
    tern_memzero(t, sizeof(t));
    if (rc != TERN_OK)
        tern_memzero(out, out_len);
    return rc;
}

/* ---- AEAD ---- */

size_t cry_aead_key_len(enum cry_aead a)
{
    switch (a) {
    case CRY_AES_128_GCM:
        return 16;
    case CRY_AES_256_GCM:
    case CRY_CHACHA20_POLY1305:
        return 32;
    }
    return 0;
}

#define TLS_NONCE_LEN 12

struct aead_impl {
    EVP_CIPHER_CTX *ctx; /* keyed once; nonce length fixed at 12 */
    /* GCM with a nonce other than 12 bytes (never in TLS; offered because
     * SP 800-38D allows any length and the test suites use them). The
     * provider caps GCM nonces at 128 bytes, so these go through libcrypto's
     * GCM mode over an AES-ECB block function, built on first use. */
    uint8_t key[CRY_MAX_AEAD_KEY];
    size_t key_len;
    EVP_CIPHER_CTX *ecb;
    GCM128_CONTEXT *gcm;
};

int cry_aead_init(struct cry_aead_key *k, enum cry_aead a, const uint8_t *key, size_t key_len)
{
    k->alg = a;
    k->impl = NULL;
    if (key_len != cry_aead_key_len(a) || key_len == 0)
        return TERN_E_ARG;
    algs_init();
    const EVP_CIPHER *c = a == CRY_AES_128_GCM   ? g_algs.aes128_gcm
                          : a == CRY_AES_256_GCM ? g_algs.aes256_gcm
                                                 : g_algs.chacha20_poly1305;
    if (!c)
        return TERN_E_UNSUPPORTED;
    struct aead_impl *ai = tern_calloc(1, sizeof(*ai));
    if (!ai)
        return TERN_E_NOMEM;
    k->impl = ai;
    ai->ctx = EVP_CIPHER_CTX_new();
    if (!ai->ctx || EVP_CipherInit_ex2(ai->ctx, c, key, NULL, 1, NULL) != 1 ||
        EVP_CIPHER_CTX_get_iv_length(ai->ctx) != TLS_NONCE_LEN) {
        cry_aead_cleanup(k);
        return fail(TERN_E_INTERNAL);
    }
    if (a != CRY_CHACHA20_POLY1305) {
        memcpy(ai->key, key, key_len);
        ai->key_len = key_len;
    }
    return TERN_OK;
}

void cry_aead_cleanup(struct cry_aead_key *k)
{
    struct aead_impl *ai = k->impl;
    if (ai) {
        EVP_CIPHER_CTX_free(ai->ctx); /* cleanses the key schedule */
        EVP_CIPHER_CTX_free(ai->ecb);
        if (ai->gcm)
            CRYPTO_gcm128_release(ai->gcm); /* cleanses H and state */
        tern_free_secret(ai, sizeof(*ai));
    }
    k->impl = NULL;
}

static bool tag_len_ok(enum cry_aead a, size_t tag_len)
{
    if (a == CRY_CHACHA20_POLY1305)
        return tag_len == CRY_AEAD_TAG; /* RFC 8439 §2.8: a 128-bit tag */
    /* SP 800-38D §5.2.1.2: 128, 120, 112, 104, 96, and for special uses 64
     * and 32 bits. */
    return (tag_len >= 12 && tag_len <= 16) || tag_len == 8 || tag_len == 4;
}

/* EVP's lengths are ints: feed long inputs in pieces. */
#define EVP_CHUNK ((size_t)1 << 30)

static bool cipher_update(EVP_CIPHER_CTX *ctx, uint8_t *out, const uint8_t *in, size_t len)
{
    while (len) {
        size_t n = len < EVP_CHUNK ? len : EVP_CHUNK;
        int outl = 0;
        if (EVP_CipherUpdate(ctx, out, &outl, in, (int)n) != 1)
            return false;
        if (out) {
            if ((size_t)outl != n)
                return false;
            out += n;
        }
        in += n;
        len -= n;
    }
    return true;
}

static void ecb_block(const unsigned char in[16], unsigned char out[16], const void *key)
{
    int outl;
    /* The context is ours and was set up without padding; a one-block ECB
     * update cannot fail once initialised. */
    (void)EVP_EncryptUpdate((EVP_CIPHER_CTX *)key, out, &outl, in, 16);
}

static int gcm_any_nonce(struct aead_impl *ai, enum cry_aead a, bool seal, const uint8_t *nonce,
                         size_t nonce_len, const uint8_t *aad, size_t aad_len, uint8_t *buf,
                         size_t len, uint8_t *tag, size_t tag_len)
{
    if (!ai->gcm) {
        const EVP_CIPHER *ecb = a == CRY_AES_128_GCM ? g_algs.aes128_ecb : g_algs.aes256_ecb;
        if (!ecb)
            return TERN_E_UNSUPPORTED;
        ai->ecb = EVP_CIPHER_CTX_new();
        if (!ai->ecb || EVP_EncryptInit_ex2(ai->ecb, ecb, ai->key, NULL, NULL) != 1 ||
            EVP_CIPHER_CTX_set_padding(ai->ecb, 0) != 1)
            return fail(TERN_E_INTERNAL);
        ai->gcm = CRYPTO_gcm128_new(ai->ecb, ecb_block);
        if (!ai->gcm)
            return fail(TERN_E_NOMEM);
    }
    CRYPTO_gcm128_setiv(ai->gcm, nonce, nonce_len);
    if (aad_len && CRYPTO_gcm128_aad(ai->gcm, aad, aad_len) != 0)
        return TERN_E_ARG;
    if (seal) {
        if (len && CRYPTO_gcm128_encrypt(ai->gcm, buf, buf, len) != 0)
            return TERN_E_ARG; /* over GCM's 2^36-32 byte limit */
        CRYPTO_gcm128_tag(ai->gcm, tag, tag_len);
        return TERN_OK;
    }
    if ((len && CRYPTO_gcm128_decrypt(ai->gcm, buf, buf, len) != 0) ||
        CRYPTO_gcm128_finish(ai->gcm, tag, tag_len) != 0) {
        tern_memzero(buf, len);
        return TERN_E_BAD_RECORD_MAC;
    }
    return TERN_OK;
}

static int aead_check(const struct cry_aead_key *k, size_t nonce_len, size_t tag_len)
{
    if (!k->impl)
        return TERN_E_ARG;
    if (nonce_len == 0 || !tag_len_ok(k->alg, tag_len))
        return TERN_E_ARG;
    /* RFC 8439 §2.8: the ChaCha20-Poly1305 nonce is 96 bits. */
    if (k->alg == CRY_CHACHA20_POLY1305 && nonce_len != TLS_NONCE_LEN)
        return TERN_E_ARG;
    return TERN_OK;
}

/* seal_stream seals src then tail (a TLS nonce: same key, new nonce, no
 * allocation, no key schedule) into out; both AEADs stream, so the two
 * pieces are the same as one buffer. */
static int seal_stream(struct aead_impl *ai, const uint8_t *nonce, const uint8_t *aad,
                       size_t aad_len, const uint8_t *src, size_t src_len, const uint8_t *tail,
                       size_t tail_len, uint8_t *out, uint8_t *tag, size_t tag_len)
{
    int outl = 0;
    uint8_t full[CRY_AEAD_TAG];
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, full, tag_len),
        OSSL_PARAM_construct_end()};
    if (EVP_CipherInit_ex2(ai->ctx, NULL, NULL, nonce, 1, NULL) != 1 ||
        !cipher_update(ai->ctx, NULL, aad, aad_len) || !cipher_update(ai->ctx, out, src, src_len) ||
        !cipher_update(ai->ctx, out + src_len, tail, tail_len) ||
        EVP_CipherFinal_ex(ai->ctx, full, &outl) != 1 ||
        EVP_CIPHER_CTX_get_params(ai->ctx, params) != 1)
        return fail(TERN_E_INTERNAL);
    memcpy(tag, full, tag_len);
    return TERN_OK;
}

int cry_aead_seal(struct cry_aead_key *k, const uint8_t *nonce, size_t nonce_len,
                  const uint8_t *aad, size_t aad_len, uint8_t *buf, size_t len, uint8_t *tag,
                  size_t tag_len)
{
    TRY(aead_check(k, nonce_len, tag_len));
    struct aead_impl *ai = k->impl;
    if (nonce_len != TLS_NONCE_LEN)
        return gcm_any_nonce(ai, k->alg, true, nonce, nonce_len, aad, aad_len, buf, len, tag,
                             tag_len);
    return seal_stream(ai, nonce, aad, aad_len, buf, len, NULL, 0, buf, tag, tag_len);
}

int cry_aead_seal_from(struct cry_aead_key *k, const uint8_t *nonce, size_t nonce_len,
                       const uint8_t *aad, size_t aad_len, const uint8_t *src, size_t src_len,
                       const uint8_t *tail, size_t tail_len, uint8_t *out, uint8_t *tag,
                       size_t tag_len)
{
    TRY(aead_check(k, nonce_len, tag_len));
    struct aead_impl *ai = k->impl;
    if (nonce_len != TLS_NONCE_LEN) {
        /* Not a TLS record: gather the plaintext and seal it in place. */
        if (tail != out + src_len)
            memmove(out + src_len, tail, tail_len);
        memcpy(out, src, src_len);
        return cry_aead_seal(k, nonce, nonce_len, aad, aad_len, out, src_len + tail_len, tag,
                             tag_len);
    }
    return seal_stream(ai, nonce, aad, aad_len, src, src_len, tail, tail_len, out, tag, tag_len);
}

int cry_aead_open(struct cry_aead_key *k, const uint8_t *nonce, size_t nonce_len,
                  const uint8_t *aad, size_t aad_len, uint8_t *buf, size_t len, const uint8_t *tag,
                  size_t tag_len)
{
    return cry_aead_open_from(k, nonce, nonce_len, aad, aad_len, buf, len, buf, tag, tag_len);
}

int cry_aead_open_from(struct cry_aead_key *k, const uint8_t *nonce, size_t nonce_len,
                       const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len,
                       uint8_t *out, const uint8_t *tag, size_t tag_len)
{
    return cry_aead_open_to(k, nonce, nonce_len, aad, aad_len, in, len, out, len, NULL, tag,
                            tag_len);
}

int cry_aead_open_to(struct cry_aead_key *k, const uint8_t *nonce, size_t nonce_len,
                     const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len,
                     uint8_t *out, size_t head_len, uint8_t *tail, const uint8_t *tag,
                     size_t tag_len)
{
    TRY(aead_check(k, nonce_len, tag_len));
    if (head_len > len || (head_len < len && !tail))
        return TERN_E_ARG;
    struct aead_impl *ai = k->impl;
    if (nonce_len != TLS_NONCE_LEN) {
        /* Not a TLS record: open in place. */
        if (head_len != len)
            return TERN_E_ARG;
        if (out != in)
            memcpy(out, in, len);
        return gcm_any_nonce(ai, k->alg, false, nonce, nonce_len, aad, aad_len, out, len,
                             (uint8_t *)tag, tag_len);
    }
    uint8_t tagcopy[CRY_AEAD_TAG];
    memcpy(tagcopy, tag, tag_len);
    OSSL_PARAM params[2] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tagcopy, tag_len),
        OSSL_PARAM_construct_end()};
    int outl = 0;
    uint8_t fin[16];
    if (EVP_CipherInit_ex2(ai->ctx, NULL, NULL, nonce, 0, NULL) != 1 ||
        EVP_CIPHER_CTX_set_params(ai->ctx, params) != 1)
        return fail(TERN_E_INTERNAL);
    /* Both AEADs stream: the head then the tail is the same as one buffer. */
    if (!cipher_update(ai->ctx, NULL, aad, aad_len) || !cipher_update(ai->ctx, out, in, head_len) ||
        !cipher_update(ai->ctx, tail, in + head_len, len - head_len) ||
        EVP_CipherFinal_ex(ai->ctx, fin, &outl) != 1) {
#ifdef TERN_FUZZING
        if (fuzz.relaxed) {
            ERR_clear_error();
            return TERN_OK;
        }
#endif
        /* RFC 5116 §2.2: no plaintext is released when the tag fails. */
        tern_memzero(out, head_len);
        if (tail)
            tern_memzero(tail, len - head_len);
        return fail(TERN_E_BAD_RECORD_MAC);
    }
    return TERN_OK;
}

/* ---- random ---- */

static int random_from(int (*gen)(unsigned char *, int), void *out, size_t len)
{
    uint8_t *p = out;
#ifdef TERN_FUZZING
    if (fuzz.deterministic) {
        fuzz_stream(p, len);
        return TERN_OK;
    }
#endif
    while (len) {
        size_t n = len < INT_MAX ? len : INT_MAX;
        if (gen(p, (int)n) != 1)
            return fail(TERN_E_INTERNAL);
        p += n;
        len -= n;
    }
    return TERN_OK;
}

int cry_random(void *out, size_t len)
{
    return random_from(RAND_bytes, out, len);
}

int cry_random_secret(void *out, size_t len)
{
    return random_from(RAND_priv_bytes, out, len);
}

/* ---- ECDH ---- */

static size_t ecdh_share_len(enum cry_curve c)
{
    switch (c) {
    case CRY_X25519:
        return 32;
    case CRY_P256:
        return 65;
    case CRY_P384:
        return 97;
    }
    return 0;
}

static const char *ecdh_group(enum cry_curve c)
{
    return c == CRY_P256 ? "P-256" : "P-384";
}

/* x25519_key makes the X25519 key of 32 private bytes and a public value
 * taken as given, through the key manager of g_algs.x25519 (no fetch by
 * name). libcrypto 3.0 does not check the public value against the private
 * key: the callers pass the right one, or (x25519_ladder) another value in a
 * key that only ever derives and never leaves the function.
 *
 * A new EVP_PKEY_CTX costs more than the import itself (libcrypto 3.0 looks
 * its key type up by name and walks every algorithm name it knows: 3 to 5
 * µs a context in an nginx worker, whose caches are cold), and libcrypto
 * cannot duplicate an import context, so one is made once and shared: a
 * thread that finds it in use makes its own. */
static EVP_PKEY *x25519_key(const uint8_t priv[32], const uint8_t pub[32])
{
    EVP_PKEY *pkey = NULL;
    OSSL_PARAM params[3] = {
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, (void *)priv, 32),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pub, 32),
        OSSL_PARAM_construct_end()};
    if (g_algs.x25519_fromdata && pthread_mutex_trylock(&g_x25519_fromdata_lock) == 0) {
        if (EVP_PKEY_fromdata(g_algs.x25519_fromdata, &pkey, EVP_PKEY_KEYPAIR, params) != 1)
            pkey = NULL;
        (void)pthread_mutex_unlock(&g_x25519_fromdata_lock);
        return pkey;
    }
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, g_algs.x25519, NULL);
    if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) != 1)
        pkey = NULL;
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

/* x25519_ladder starts an X25519 key pair from 32 private bytes: a key
 * (*tmp) whose public value is not its own but `other`, 32 bytes of the
 * caller's, and a derivation context on it (*ctx), in which the real public
 * value, X25519(priv, 9) (RFC 7748 §6.1), is derived against g_algs.x25519
 * (the base point) into pub.
 *
 * Why not let libcrypto 3.0 compute the public value on import: it does so
 * with its portable fixed-base code (41 µs on the bench machine), while a
 * derivation runs the assembly ladder (32 µs). A server passes the client's
 * share as `other`: *tmp is then also the peer key of its second derivation
 * in the same context (X25519 reads only the peer's public value), one key
 * and one context for the whole exchange. The caller frees *ctx and then
 * *tmp (both wipe the private key) and never lets *tmp out. */
static bool x25519_ladder(const uint8_t priv[32], const uint8_t other[32], EVP_PKEY **tmp,
                          EVP_PKEY_CTX **ctx, uint8_t pub[32])
{
    size_t n = 32;
    *ctx = NULL;
    *tmp = x25519_key(priv, other);
    if (!*tmp)
        return false;
    *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, *tmp, NULL);
    return *ctx && EVP_PKEY_derive_init(*ctx) == 1 &&
           EVP_PKEY_derive_set_peer_ex(*ctx, g_algs.x25519, 0) == 1 &&
           EVP_PKEY_derive(*ctx, pub, &n) == 1 && n == 32;
}

/* x25519_from_private makes the X25519 key of 32 private bytes, its public
 * value included (see x25519_ladder for how that value is computed). */
static EVP_PKEY *x25519_from_private(const uint8_t priv[32])
{
    algs_init();
    if (!g_algs.x25519)
        return EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, priv, 32);
    EVP_PKEY *tmp, *pkey = NULL;
    EVP_PKEY_CTX *ctx;
    static const uint8_t base_point[32] = {9}; /* a placeholder */
    uint8_t pub[32];
    if (x25519_ladder(priv, base_point, &tmp, &ctx, pub))
        pkey = x25519_key(priv, pub);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(tmp);
    return pkey;
}

int cry_ecdh_keygen(struct cry_ecdh *k, enum cry_curve c, uint8_t *out_pub, size_t cap,
                    size_t *out_len)
{
    k->curve = c;
    k->impl = NULL;
    size_t want = ecdh_share_len(c);
    if (want == 0)
        return TERN_E_UNSUPPORTED;
    if (cap < want)
        return TERN_E_ARG;
#ifdef TERN_FUZZING
    if (fuzz.deterministic && c != CRY_X25519) {
        bool p256 = c == CRY_P256;
        TRY(cry_ecdh_import(k, c, p256 ? fuzz_p256_priv : fuzz_p384_priv, p256 ? 32 : 48));
        memcpy(out_pub, p256 ? fuzz_p256_pub : fuzz_p384_pub, want);
        *out_len = want;
        return TERN_OK;
    }
    if (fuzz.deterministic) {
        uint8_t priv[32];
        fuzz_stream(priv, sizeof(priv));
        TRY(cry_ecdh_import(k, c, priv, sizeof(priv)));
        size_t n = 0;
        if (EVP_PKEY_get_octet_string_param(k->impl, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out_pub,
                                            cap, &n) != 1 ||
            n != want) {
            cry_ecdh_cleanup(k);
            return fail(TERN_E_INTERNAL);
        }
        *out_len = n;
        return TERN_OK;
    }
#endif
    EVP_PKEY *pkey = NULL;
    if (c == CRY_X25519) {
        /* Importing 32 private random bytes is X25519 key generation
         * (RFC 7748 §6.1: libcrypto clamps them) without the generation
         * context EVP_PKEY_Q_keygen sets up and fetches by name each time. */
        uint8_t priv[32];
        if (RAND_priv_bytes(priv, sizeof(priv)) == 1)
            pkey = x25519_from_private(priv);
        tern_memzero(priv, sizeof(priv));
    } else {
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", ecdh_group(c));
    }
    if (!pkey)
        return fail(TERN_E_INTERNAL);
    size_t n = 0;
    /* EC keys encode their public point uncompressed by default, which is
     * the only form TLS 1.3 allows (RFC 8446 §4.2.8.2). */
    if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out_pub, cap,
                                        &n) != 1 ||
        n != want) {
        EVP_PKEY_free(pkey);
        return fail(TERN_E_INTERNAL);
    }
    k->impl = pkey;
    *out_len = n;
    return TERN_OK;
}

int cry_ecdh_import(struct cry_ecdh *k, enum cry_curve c, const uint8_t *priv, size_t len)
{
    k->curve = c;
    k->impl = NULL;
    EVP_PKEY *pkey = NULL;
    if (c == CRY_X25519) {
        if (len != 32)
            return TERN_E_ARG;
        pkey = x25519_from_private(priv);
        if (!pkey)
            return fail(TERN_E_INTERNAL);
        k->impl = pkey;
        return TERN_OK;
    }
    if (c != CRY_P256 && c != CRY_P384)
        return TERN_E_UNSUPPORTED;
    if (len == 0 || len > 66)
        return TERN_E_ARG;
    int rc = TERN_E_INTERNAL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    BIGNUM *d = BN_secure_new();
    if (!bld || !d || !BN_bin2bn(priv, (int)len, d))
        goto out;
    if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, ecdh_group(c), 0) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d))
        goto out;
    params = OSSL_PARAM_BLD_to_param(bld);
    pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (!params || !pctx || EVP_PKEY_fromdata_init(pctx) != 1 ||
        EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_KEYPAIR, params) != 1)
        goto out;
    k->impl = pkey;
    rc = TERN_OK;
out:
    OSSL_PARAM_free(params); /* a private BIGNUM param is cleared on free */
    OSSL_PARAM_BLD_free(bld);
    BN_clear_free(d);
    EVP_PKEY_CTX_free(pctx);
    return rc == TERN_OK ? rc : fail(rc);
}

/* share_check refuses a peer's share of the wrong form for curve c, before
 * libcrypto sees it, and sets the secret's length. */
static int share_check(enum cry_curve c, const uint8_t *peer, size_t peer_len, size_t cap,
                       size_t *secret_len)
{
    /* RFC 8446 §4.2.8.2 and RFC 8422 §5.4.1: X25519 shares are 32 bytes,
     * NIST curve shares the uncompressed point 0x04||X||Y (legacy_form 4);
     * compressed and infinity encodings are refused here, before libcrypto
     * would accept them. */
    if (peer_len != ecdh_share_len(c))
        return TERN_E_ILLEGAL_PARAMETER;
    if (c != CRY_X25519 && peer[0] != 0x04)
        return TERN_E_ILLEGAL_PARAMETER;
    *secret_len = c == CRY_X25519 ? 32 : (peer_len - 1) / 2;
    if (cap < *secret_len)
        return TERN_E_ARG;
    return TERN_OK;
}

/* derive_with derives the secret of our key `mine` and the peer's share in
 * ctx, a derivation context already set up on mine. The share passed
 * share_check. Returns a status; the caller clears the error queue. */
static int derive_with(EVP_PKEY_CTX *ctx, EVP_PKEY *mine, enum cry_curve c, const uint8_t *peer,
                       size_t peer_len, uint8_t *out, size_t cap, size_t secret_len,
                       size_t *out_len)
{
    int rc = TERN_E_ILLEGAL_PARAMETER;
    EVP_PKEY *theirs = EVP_PKEY_new();
    if (!theirs)
        return TERN_E_NOMEM;
    /* Copying our key's parameters gives the peer's key its type without a
     * fetch by name (2 µs cheaper than EVP_PKEY_new_raw_public_key_ex).
     * Setting the encoded point decodes it onto the curve: libcrypto refuses
     * coordinates >= p and points not on the curve. P-256 and P-384 have
     * cofactor 1, so every such point is in the prime-order group and the
     * costlier full public-key check (n*Q == O) adds nothing. Any 32 bytes
     * are an X25519 public value (RFC 7748 §5). */
    if (EVP_PKEY_copy_parameters(theirs, mine) != 1 ||
        EVP_PKEY_set1_encoded_public_key(theirs, peer, peer_len) != 1 ||
        EVP_PKEY_derive_set_peer_ex(ctx, theirs, 0) != 1)
        goto out;
    size_t n = cap;
    /* libcrypto's X25519 fails on an all-zero result (RFC 7748 §6.1),
     * which TLS must refuse (RFC 8446 §7.4.2): that failure is the peer's. */
    if (EVP_PKEY_derive(ctx, out, &n) != 1 || n != secret_len)
        goto out;
    if (c == CRY_X25519) {
        /* Belt and braces for the X25519 check above. (For the NIST curves
         * the secret is an x-coordinate, and x = 0 is a legitimate one.) */
        uint8_t acc = 0;
        for (size_t i = 0; i < n; i++)
            acc |= out[i];
        if (acc == 0) {
            tern_memzero(out, n);
            goto out;
        }
    }
    *out_len = n;
    rc = TERN_OK;
out:
    EVP_PKEY_free(theirs);
    return rc;
}

int cry_ecdh_derive(struct cry_ecdh *k, const uint8_t *peer, size_t peer_len, uint8_t *out,
                    size_t cap, size_t *out_len)
{
    EVP_PKEY *mine = k->impl;
    if (!mine)
        return TERN_E_ARG;
    size_t secret_len;
    TRY(share_check(k->curve, peer, peer_len, cap, &secret_len));
    int rc = TERN_E_INTERNAL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, mine, NULL);
    if (ctx && EVP_PKEY_derive_init(ctx) == 1)
        rc = derive_with(ctx, mine, k->curve, peer, peer_len, out, cap, secret_len, out_len);
    EVP_PKEY_CTX_free(ctx);
    return rc == TERN_OK ? rc : fail(rc);
}

int cry_ecdh_x25519_respond(const uint8_t priv[32], const uint8_t peer[32], uint8_t out_pub[32],
                            uint8_t secret[32])
{
    algs_init();
    if (!g_algs.x25519) {
        struct cry_ecdh e = {0};
        size_t n = 0;
        int rc = cry_ecdh_x25519_from(&e, priv, out_pub);
        if (rc == TERN_OK)
            rc = cry_ecdh_derive(&e, peer, 32, secret, 32, &n);
        cry_ecdh_cleanup(&e);
        if (rc != TERN_OK)
            tern_memzero(out_pub, 32);
        return rc;
    }
    /* One key and one context for both of X25519's scalar multiplications:
     * by the base point (our share) and by the peer's (the secret). */
    EVP_PKEY *tmp = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    size_t n = 32;
    int rc = TERN_E_INTERNAL;
    if (x25519_ladder(priv, peer, &tmp, &ctx, out_pub)) {
        rc = TERN_E_ILLEGAL_PARAMETER;
        /* As in derive_with: libcrypto fails on the all-zero secret, and it
         * is checked again here. */
        if (EVP_PKEY_derive_set_peer_ex(ctx, tmp, 0) == 1 &&
            EVP_PKEY_derive(ctx, secret, &n) == 1 && n == 32) {
            uint8_t acc = 0;
            for (size_t i = 0; i < n; i++)
                acc |= secret[i];
            rc = acc ? TERN_OK : TERN_E_ILLEGAL_PARAMETER;
        }
    }
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(tmp);
    if (rc != TERN_OK) {
        tern_memzero(secret, 32);
        tern_memzero(out_pub, 32);
        return fail(rc);
    }
    return TERN_OK;
}

int cry_ecdh_respond(enum cry_curve c, const uint8_t *peer, size_t peer_len, uint8_t *out_pub,
                     size_t pub_cap, size_t *out_pub_len, uint8_t *secret, size_t secret_cap,
                     size_t *out_secret_len)
{
    *out_pub_len = 0;
    *out_secret_len = 0;
    size_t want = ecdh_share_len(c), secret_len;
    if (want == 0)
        return TERN_E_UNSUPPORTED;
    if (pub_cap < want)
        return TERN_E_ARG;
    TRY(share_check(c, peer, peer_len, secret_cap, &secret_len));
    algs_init();
    bool ladder = c == CRY_X25519 && g_algs.x25519;
#ifdef TERN_FUZZING
    if (fuzz.deterministic)
        ladder = false; /* the fixed keys of cry_ecdh_keygen */
#endif
    int rc;
    if (!ladder) {
        struct cry_ecdh e = {0};
        rc = cry_ecdh_keygen(&e, c, out_pub, pub_cap, out_pub_len);
        if (rc == TERN_OK)
            rc = cry_ecdh_derive(&e, peer, peer_len, secret, secret_cap, out_secret_len);
        cry_ecdh_cleanup(&e);
        if (rc != TERN_OK)
            *out_pub_len = 0;
        return rc;
    }
    uint8_t priv[32];
    rc = RAND_priv_bytes(priv, sizeof(priv)) == 1
             ? cry_ecdh_x25519_respond(priv, peer, out_pub, secret)
             : fail(TERN_E_INTERNAL);
    tern_memzero(priv, sizeof(priv));
    if (rc != TERN_OK)
        return rc;
    *out_secret_len = secret_len;
    *out_pub_len = want;
    return TERN_OK;
}

int cry_ecdh_x25519_from(struct cry_ecdh *k, const uint8_t priv[32], uint8_t out_pub[32])
{
    k->curve = CRY_X25519;
    k->impl = x25519_from_private(priv);
    if (!k->impl)
        return fail(TERN_E_INTERNAL);
    size_t n = 32;
    if (EVP_PKEY_get_raw_public_key(k->impl, out_pub, &n) != 1 || n != 32) {
        cry_ecdh_cleanup(k);
        return fail(TERN_E_INTERNAL);
    }
    return TERN_OK;
}

int cry_ecdh_share(struct cry_ecdh *k, const struct cry_ecdh *from, uint8_t *out_pub, size_t cap,
                   size_t *out_len)
{
    k->curve = from->curve;
    k->impl = NULL;
    *out_len = 0;
    if (from->curve != CRY_X25519 || !from->impl)
        return TERN_E_ARG;
    size_t n = cap;
    if (cap < 32 || EVP_PKEY_get_raw_public_key(from->impl, out_pub, &n) != 1 || n != 32)
        return fail(TERN_E_INTERNAL);
    if (EVP_PKEY_up_ref(from->impl) != 1)
        return fail(TERN_E_INTERNAL);
    k->impl = from->impl;
    *out_len = n;
    return TERN_OK;
}

void cry_ecdh_cleanup(struct cry_ecdh *k)
{
    EVP_PKEY_free(k->impl); /* private key material is cleansed on free */
    k->impl = NULL;
}

/* ---- public and private keys ---- */

static const uint8_t OID_RSA[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
static const uint8_t OID_RSA_PSS[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a};
static const uint8_t OID_EC[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t OID_ED25519[] = {0x2b, 0x65, 0x70};
static const uint8_t OID_P256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t OID_P384[] = {0x2b, 0x81, 0x04, 0x00, 0x22};
static const uint8_t OID_P521[] = {0x2b, 0x81, 0x04, 0x00, 0x23};

/* spki_kind reads the AlgorithmIdentifier of a SubjectPublicKeyInfo (RFC
 * 5280 §4.1.2.7) to tell an algorithm tern does not offer (UNSUPPORTED)
 * from bytes that are not a key at all (DECODE). */
static int spki_kind(const uint8_t *der, size_t len, enum cry_key_type *out)
{
    struct rd r, spki, alg, oid, curve;
    rd_init(&r, der, len);
    if (!der_get(&r, 0x30, &spki) || !rd_empty(&r) || !der_get(&spki, 0x30, &alg) ||
        !der_get(&alg, 0x06, &oid))
        return TERN_E_DECODE;
    if (der_oid_is(&oid, OID_RSA, sizeof(OID_RSA))) {
        *out = CRY_KEY_RSA;
    } else if (der_oid_is(&oid, OID_RSA_PSS, sizeof(OID_RSA_PSS))) {
        *out = CRY_KEY_RSA_PSS;
    } else if (der_oid_is(&oid, OID_ED25519, sizeof(OID_ED25519))) {
        *out = CRY_KEY_ED25519;
    } else if (der_oid_is(&oid, OID_EC, sizeof(OID_EC))) {
        /* RFC 5480 §2.1.1: only namedCurve; specifiedCurve is refused. */
        if (!der_get(&alg, 0x06, &curve))
            return TERN_E_UNSUPPORTED;
        if (der_oid_is(&curve, OID_P256, sizeof(OID_P256)))
            *out = CRY_KEY_EC_P256;
        else if (der_oid_is(&curve, OID_P384, sizeof(OID_P384)))
            *out = CRY_KEY_EC_P384;
        else if (der_oid_is(&curve, OID_P521, sizeof(OID_P521)))
            *out = CRY_KEY_EC_P521;
        else
            return TERN_E_UNSUPPORTED;
    } else {
        return TERN_E_UNSUPPORTED;
    }
    return TERN_OK;
}

/* pkey_type classifies a decoded key. */
static enum cry_key_type pkey_type(EVP_PKEY *pkey)
{
    if (EVP_PKEY_is_a(pkey, "RSA"))
        return CRY_KEY_RSA;
    if (EVP_PKEY_is_a(pkey, "RSA-PSS"))
        return CRY_KEY_RSA_PSS;
    if (EVP_PKEY_is_a(pkey, "ED25519"))
        return CRY_KEY_ED25519;
    if (EVP_PKEY_is_a(pkey, "EC")) {
        char name[64];
        size_t n = 0;
        if (EVP_PKEY_get_group_name(pkey, name, sizeof(name), &n) != 1)
            return CRY_KEY_NONE;
        if (strcmp(name, "prime256v1") == 0 || strcmp(name, "P-256") == 0)
            return CRY_KEY_EC_P256;
        if (strcmp(name, "secp384r1") == 0 || strcmp(name, "P-384") == 0)
            return CRY_KEY_EC_P384;
        if (strcmp(name, "secp521r1") == 0 || strcmp(name, "P-521") == 0)
            return CRY_KEY_EC_P521;
    }
    return CRY_KEY_NONE;
}

/* der_uint borrows the magnitude of a DER INTEGER that must be positive and
 * minimally encoded (no superfluous leading zero). */
static bool der_uint(struct rd *r, struct rd *mag)
{
    if (!der_get(r, DER_INTEGER, mag) || mag->len == 0 || (mag->p[0] & 0x80))
        return false;
    if (mag->p[0] == 0) {
        if (mag->len == 1 || !(mag->p[1] & 0x80))
            return false;
        mag->p++;
        mag->len--;
    }
    return true;
}

/* spki_fast builds the key of a canonically encoded SPKI straight from its
 * parts: the point or the modulus and exponent go to the key manager with
 * EVP_PKEY_fromdata (which checks the point is on the curve) instead of
 * through d2i_PUBKEY, whose decoder chain libcrypto 3.0 assembles anew on
 * every call (most of a client's handshake when done per certificate).
 * NULL means "not handled here": the caller falls back to d2i_PUBKEY, so
 * the set of keys accepted is the one d2i_PUBKEY defines. */
static EVP_PKEY *spki_fast(const uint8_t *der, size_t len, enum cry_key_type want)
{
    struct rd r, spki, alg, oid, key;
    const uint8_t *unused;
    rd_init(&r, der, len);
    if (!der_get(&r, 0x30, &spki) || !rd_empty(&r) || !der_get(&spki, 0x30, &alg) ||
        !der_get(&alg, 0x06, &oid) || !der_get(&spki, 0x03, &key) || !rd_empty(&spki) ||
        !rd_bytes(&key, &unused, 1) || unused[0] != 0 || key.len == 0)
        return NULL;
    EVP_PKEY *pkey = NULL;
    if (want == CRY_KEY_EC_P256 || want == CRY_KEY_EC_P384 || want == CRY_KEY_EC_P521) {
        struct rd curve;
        if (!der_get(&alg, 0x06, &curve) || !rd_empty(&alg))
            return NULL;
        algs_init();
        EVP_PKEY *tpl = g_algs.ec_params[want == CRY_KEY_EC_P256   ? 0
                                         : want == CRY_KEY_EC_P384 ? 1
                                                                   : 2];
        /* The point is checked to lie on the curve when it is set. */
        if (tpl && (pkey = EVP_PKEY_new()) &&
            (EVP_PKEY_copy_parameters(pkey, tpl) != 1 ||
             EVP_PKEY_set1_encoded_public_key(pkey, key.p, key.len) != 1)) {
            EVP_PKEY_free(pkey);
            pkey = NULL;
        }
        if (pkey) {
            ERR_clear_error();
            return pkey;
        }
        const char *group = want == CRY_KEY_EC_P256   ? "prime256v1"
                            : want == CRY_KEY_EC_P384 ? "secp384r1"
                                                      : "secp521r1";
        OSSL_PARAM params[3] = {
            OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0),
            OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)key.p, key.len),
            OSSL_PARAM_construct_end()};
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
        if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
            EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
            pkey = NULL;
        EVP_PKEY_CTX_free(ctx);
    } else if (want == CRY_KEY_ED25519) {
        /* RFC 8410 §3: the parameters are absent. */
        if (!rd_empty(&alg) || key.len != 32)
            return NULL;
        pkey = EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL, key.p, key.len);
    } else if (want == CRY_KEY_RSA) {
        /* RFC 3279 §2.3.1: NULL parameters; RSAPublicKey ::= SEQUENCE {n, e}. */
        struct rd nul, rsa, n, e;
        uint8_t nbuf[1024], ebuf[8];
        if (!der_get(&alg, 0x05, &nul) || nul.len != 0 || !rd_empty(&alg) ||
            !der_get(&key, 0x30, &rsa) || !rd_empty(&key) || !der_uint(&rsa, &n) ||
            !der_uint(&rsa, &e) || !rd_empty(&rsa) || n.len > sizeof(nbuf) || e.len > sizeof(ebuf))
            return NULL;
        /* OSSL_PARAM integers are in the host's byte order. */
        const uint16_t one = 1;
        bool little = *(const uint8_t *)&one == 1;
        for (size_t i = 0; i < n.len; i++)
            nbuf[i] = little ? n.p[n.len - 1 - i] : n.p[i];
        for (size_t i = 0; i < e.len; i++)
            ebuf[i] = little ? e.p[e.len - 1 - i] : e.p[i];
        OSSL_PARAM params[3] = {OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_N, nbuf, n.len),
                                OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_E, ebuf, e.len),
                                OSSL_PARAM_construct_end()};
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
        if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
            EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
            pkey = NULL;
        EVP_PKEY_CTX_free(ctx);
    }
    if (!pkey)
        ERR_clear_error();
    return pkey;
}

/* rsa_spki_bounds refuses, before libcrypto sees it, an RSA key whose
 * exponent is even, below 3 or over CRY_RSA_MAX_EXPONENT_BITS bits, or whose
 * modulus is over CRY_RSA_MAX_MODULUS_BITS bits. Read leniently (any
 * length form): a form DER forbids is d2i_PUBKEY's to refuse, but no form
 * may carry an out-of-bounds key past this check. */
static int rsa_spki_bounds(const uint8_t *der, size_t len)
{
    struct rd r, spki, alg, key, rsa, n, e;
    const uint8_t *unused;
    rd_init(&r, der, len);
    if (!der_get(&r, 0x30, &spki) || !der_get(&spki, 0x30, &alg) || !der_get(&spki, 0x03, &key) ||
        !rd_bytes(&key, &unused, 1) || unused[0] != 0 || !der_get(&key, 0x30, &rsa) ||
        !der_get(&rsa, 0x02, &n) || !der_get(&rsa, 0x02, &e) || n.len == 0 || e.len == 0)
        return fail(TERN_E_DECODE);
    if ((e.p[0] & 0x80) || (n.p[0] & 0x80))
        return fail(TERN_E_DECODE);
    while (e.len > 1 && e.p[0] == 0 && rd_skip(&e, 1)) {
    }
    while (n.len > 1 && n.p[0] == 0 && rd_skip(&n, 1)) {
    }
    size_t ebits = e.len * 8, nbits = n.len * 8;
    for (uint8_t top = e.p[0]; ebits > 0 && !(top & 0x80); top = (uint8_t)(top << 1))
        ebits--;
    for (uint8_t top = n.p[0]; nbits > 0 && !(top & 0x80); top = (uint8_t)(top << 1))
        nbits--;
    if (ebits > CRY_RSA_MAX_EXPONENT_BITS || ebits < 2 || !(e.p[e.len - 1] & 1) ||
        nbits > CRY_RSA_MAX_MODULUS_BITS)
        return fail(TERN_E_UNSUPPORTED);
    return TERN_OK;
}

int cry_pubkey_parse_spki(struct cry_pubkey *pk, const uint8_t *der, size_t len)
{
    pk->type = CRY_KEY_NONE;
    pk->bits = 0;
    pk->impl = NULL;
    enum cry_key_type want = CRY_KEY_NONE;
    TRY(spki_kind(der, len, &want));
    if (len > LONG_MAX)
        return TERN_E_DECODE;
    if (want == CRY_KEY_RSA || want == CRY_KEY_RSA_PSS)
        TRY(rsa_spki_bounds(der, len));
    EVP_PKEY *pkey = spki_fast(der, len, want);
    const unsigned char *p = der;
    if (!pkey && (!(pkey = d2i_PUBKEY(NULL, &p, (long)len)) || p != der + len)) {
        EVP_PKEY_free(pkey);
        return fail(TERN_E_DECODE);
    }
    enum cry_key_type got = pkey_type(pkey);
    if (got != want) {
        EVP_PKEY_free(pkey);
        return fail(got == CRY_KEY_NONE ? TERN_E_UNSUPPORTED : TERN_E_DECODE);
    }
    pk->type = got;
    pk->bits = (unsigned)EVP_PKEY_get_bits(pkey);
    pk->impl = pkey;
    return TERN_OK;
}

void cry_pubkey_cleanup(struct cry_pubkey *pk)
{
    EVP_PKEY_free(pk->impl);
    pk->impl = NULL;
    pk->type = CRY_KEY_NONE;
}

static bool is_ec(enum cry_key_type t)
{
    return t == CRY_KEY_EC_P256 || t == CRY_KEY_EC_P384 || t == CRY_KEY_EC_P521;
}

/* sig_fits: may a key of type t make or check signatures of kind alg? */
static bool sig_fits(enum cry_key_type t, enum cry_sig_alg alg)
{
    switch (alg) {
    case CRY_SIG_ECDSA:
        return is_ec(t);
    case CRY_SIG_RSA_PKCS1:
        return t == CRY_KEY_RSA; /* an id-RSASSA-PSS key signs only PSS (RFC 4055 §1.2) */
    case CRY_SIG_RSA_PSS:
        return t == CRY_KEY_RSA || t == CRY_KEY_RSA_PSS;
    case CRY_SIG_ED25519:
        return t == CRY_KEY_ED25519;
    }
    return false;
}

/* rsa_setup sets padding, digest and (for PSS) MGF1 and salt length on a
 * sign or verify context. */
static bool rsa_setup(EVP_PKEY_CTX *ctx, enum cry_sig_alg alg, const EVP_MD *md, int salt)
{
    if (alg == CRY_SIG_RSA_PKCS1)
        return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
               EVP_PKEY_CTX_set_signature_md(ctx, md) > 0;
    return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) > 0 &&
           EVP_PKEY_CTX_set_signature_md(ctx, md) > 0 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) > 0 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, salt) > 0;
}

static int verify_result(int rc)
{
#ifdef TERN_FUZZING
    if (fuzz.relaxed && rc == TERN_E_DECRYPT)
        rc = TERN_OK;
#endif
    return rc == TERN_OK ? rc : fail(rc);
}

int cry_verify(const struct cry_pubkey *pk, enum cry_sig_alg alg, enum cry_hash h, int pss_salt_len,
               const uint8_t *msg, size_t msg_len, const uint8_t *sig, size_t sig_len)
{
    EVP_PKEY *pkey = pk->impl;
    if (!pkey)
        return TERN_E_ARG;
    if (!sig_fits(pk->type, alg))
        return TERN_E_UNSUPPORTED;
    int rc = TERN_E_DECRYPT;

    if (alg == CRY_SIG_ED25519) {
        /* PureEdDSA (RFC 8032 §5.1.7) over the message itself. */
        EVP_MD_CTX *mctx = EVP_MD_CTX_new();
        if (!mctx || EVP_DigestVerifyInit_ex(mctx, NULL, NULL, NULL, NULL, pkey, NULL) != 1)
            rc = TERN_E_INTERNAL;
        else if (EVP_DigestVerify(mctx, sig, sig_len, msg, msg_len) == 1)
            rc = TERN_OK;
        EVP_MD_CTX_free(mctx);
        return verify_result(rc);
    }

    const EVP_MD *md = md_get(h);
    if (!md)
        return TERN_E_UNSUPPORTED;
    uint8_t dgst[CRY_MAX_HASH];
    size_t dl = cry_hash_len(h);
    TRY(cry_hash(h, msg, msg_len, dgst));
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    int salt = pss_salt_len < 0 ? RSA_PSS_SALTLEN_DIGEST : pss_salt_len;
    if (!ctx || EVP_PKEY_verify_init(ctx) != 1) {
        rc = TERN_E_INTERNAL;
    } else if (alg != CRY_SIG_ECDSA && !rsa_setup(ctx, alg, md, salt)) {
        /* An id-RSASSA-PSS key whose parameters (RFC 4055 §3.1) pin another
         * hash or a longer salt: no signature of this form can be valid. */
        rc = TERN_E_DECRYPT;
    } else if (EVP_PKEY_verify(ctx, sig, sig_len, dgst, dl) == 1) {
        rc = TERN_OK;
    }
    EVP_PKEY_CTX_free(ctx);
    return verify_result(rc);
}

/* privkey_take makes pkey the key of k, with its signing context. */
static int privkey_take(struct cry_privkey *k, EVP_PKEY *pkey, enum cry_key_type t)
{
    EVP_PKEY_CTX *signer = NULL;
    if (t != CRY_KEY_ED25519) {
        signer = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
        if (!signer || EVP_PKEY_sign_init(signer) != 1) {
            EVP_PKEY_CTX_free(signer);
            EVP_PKEY_free(pkey);
            return fail(TERN_E_INTERNAL);
        }
    }
    k->type = t;
    k->bits = (unsigned)EVP_PKEY_get_bits(pkey);
    k->impl = pkey;
    k->signer = signer;
    return TERN_OK;
}

int cry_privkey_parse(struct cry_privkey *k, const uint8_t *der, size_t len)
{
    k->type = CRY_KEY_NONE;
    k->bits = 0;
    k->impl = NULL;
    k->signer = NULL;
    if (len == 0 || len > LONG_MAX)
        return TERN_E_DECODE;
    const unsigned char *p = der;
    /* Tries PKCS#8 PrivateKeyInfo, then the type-specific forms (RFC 8017
     * RSAPrivateKey, RFC 5915 ECPrivateKey). */
    EVP_PKEY *pkey = d2i_AutoPrivateKey(NULL, &p, (long)len);
    if (!pkey || p != der + len) {
        EVP_PKEY_free(pkey);
        return fail(TERN_E_DECODE);
    }
    enum cry_key_type t = pkey_type(pkey);
    if (t == CRY_KEY_NONE) {
        EVP_PKEY_free(pkey);
        return fail(TERN_E_UNSUPPORTED);
    }
    return privkey_take(k, pkey, t);
}

/* The password handed to libcrypto's PEM reader. */
struct pass {
    const char *p;
    size_t len;
};

static int pem_pass(char *buf, int size, int rwflag, void *arg)
{
    (void)rwflag;
    const struct pass *pw = arg;
    if (size < 0 || pw->len > (size_t)size)
        return -1;
    memcpy(buf, pw->p, pw->len);
    return (int)pw->len;
}

/* bad_decrypt: the last libcrypto error says the password was wrong (the
 * padding or MAC of the decrypted key did not check out). */
static bool bad_decrypt(void)
{
    unsigned long e;
    bool bad = false;
    while ((e = ERR_get_error()) != 0)
        if (ERR_GET_REASON(e) == EVP_R_BAD_DECRYPT || ERR_GET_REASON(e) == PEM_R_BAD_DECRYPT ||
            ERR_GET_REASON(e) == PKCS12_R_PKCS12_CIPHERFINAL_ERROR)
            bad = true;
    return bad;
}

int cry_privkey_parse_encrypted(struct cry_privkey *k, const uint8_t *data, size_t len, bool pem,
                                const char *pass, size_t pass_len)
{
    k->type = CRY_KEY_NONE;
    k->bits = 0;
    k->impl = NULL;
    k->signer = NULL;
    if (len == 0 || len > INT_MAX || pass_len > INT_MAX)
        return TERN_E_DECODE;
    ERR_clear_error();
    EVP_PKEY *pkey = NULL;
    if (pem) {
        BIO *b = BIO_new_mem_buf(data, (int)len);
        struct pass pw = {pass, pass_len};
        if (b)
            pkey = PEM_read_bio_PrivateKey(b, NULL, pem_pass, &pw);
        BIO_free(b);
    } else {
        const unsigned char *p = data;
        X509_SIG *sig = d2i_X509_SIG(NULL, &p, (long)len);
        PKCS8_PRIV_KEY_INFO *p8 =
            sig && p == data + len ? PKCS8_decrypt(sig, pass, (int)pass_len) : NULL;
        if (p8)
            pkey = EVP_PKCS82PKEY(p8);
        PKCS8_PRIV_KEY_INFO_free(p8);
        X509_SIG_free(sig);
    }
    if (!pkey)
        return bad_decrypt() ? TERN_E_DECRYPT : TERN_E_DECODE;
    ERR_clear_error();
    enum cry_key_type t = pkey_type(pkey);
    if (t == CRY_KEY_NONE) {
        EVP_PKEY_free(pkey);
        return fail(TERN_E_UNSUPPORTED);
    }
    return privkey_take(k, pkey, t);
}

int cry_privkey_generate(struct cry_privkey *k, enum cry_key_type type, unsigned bits)
{
    k->type = CRY_KEY_NONE;
    k->bits = 0;
    k->impl = NULL;
    k->signer = NULL;
    EVP_PKEY *pkey = NULL;
    switch (type) {
    case CRY_KEY_RSA:
    case CRY_KEY_RSA_PSS:
        if (bits < 2048 || bits > 8192)
            return TERN_E_ARG;
        if (type == CRY_KEY_RSA) {
            pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
        } else {
            /* EVP_PKEY_Q_keygen takes a size only for "RSA". An RSA-PSS key
             * without parameters: any PSS digest, salt chosen per signature
             * (RFC 4055 §3.1 allows the parameters to be absent). */
            EVP_PKEY_CTX *g = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
            if (!g || EVP_PKEY_keygen_init(g) != 1 ||
                EVP_PKEY_CTX_set_rsa_keygen_bits(g, (int)bits) <= 0 ||
                EVP_PKEY_generate(g, &pkey) != 1)
                pkey = NULL;
            EVP_PKEY_CTX_free(g);
        }
        break;
    case CRY_KEY_EC_P256:
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        break;
    case CRY_KEY_EC_P384:
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
        break;
    case CRY_KEY_EC_P521:
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
        break;
    case CRY_KEY_ED25519:
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        break;
    default:
        return TERN_E_UNSUPPORTED;
    }
    if (!pkey)
        return fail(TERN_E_INTERNAL);
    return privkey_take(k, pkey, type);
}

void cry_privkey_cleanup(struct cry_privkey *k)
{
    EVP_PKEY_CTX_free(k->signer);
    k->signer = NULL;
    EVP_PKEY_free(k->impl); /* private components are cleared on free */
    k->impl = NULL;
    k->type = CRY_KEY_NONE;
}

int cry_privkey_to_pkcs8(const struct cry_privkey *k, struct wr *out)
{
    if (!k->impl)
        return TERN_E_ARG;
    PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(k->impl);
    if (!p8)
        return fail(TERN_E_INTERNAL);
    int rc = TERN_E_INTERNAL;
    int n = i2d_PKCS8_PRIV_KEY_INFO(p8, NULL);
    if (n > 0) {
        /* Encode straight into the writer: no temporary copy of the key. */
        unsigned char *dst = wr_reserve(out, (size_t)n);
        if (!dst)
            rc = TERN_E_LIMIT;
        else if (i2d_PKCS8_PRIV_KEY_INFO(p8, &dst) == n)
            rc = TERN_OK;
    }
    PKCS8_PRIV_KEY_INFO_free(p8);
    return rc == TERN_OK ? rc : fail(rc);
}

static int spki_write(EVP_PKEY *pkey, struct wr *out)
{
    int n = i2d_PUBKEY(pkey, NULL);
    if (n <= 0)
        return fail(TERN_E_INTERNAL);
    unsigned char *dst = wr_reserve(out, (size_t)n);
    if (!dst)
        return TERN_E_LIMIT;
    if (i2d_PUBKEY(pkey, &dst) != n)
        return fail(TERN_E_INTERNAL);
    return TERN_OK;
}

int cry_privkey_public_spki(const struct cry_privkey *k, struct wr *out)
{
    if (!k->impl)
        return TERN_E_ARG;
    return spki_write(k->impl, out);
}

int cry_sign(const struct cry_privkey *k, enum cry_sig_alg alg, enum cry_hash h, const uint8_t *msg,
             size_t msg_len, uint8_t *sig, size_t sig_cap, size_t *out_sig_len)
{
    EVP_PKEY *pkey = k->impl;
    if (!pkey)
        return TERN_E_ARG;
    if (!sig_fits(k->type, alg))
        return TERN_E_UNSUPPORTED;
    int max = EVP_PKEY_get_size(pkey);
    if (max <= 0)
        return fail(TERN_E_INTERNAL);
    if ((size_t)max > sig_cap)
        return TERN_E_ARG;
    size_t n = sig_cap;
    int rc = TERN_E_INTERNAL;

    if (alg == CRY_SIG_ED25519) {
        EVP_MD_CTX *mctx = EVP_MD_CTX_new();
        if (mctx && EVP_DigestSignInit_ex(mctx, NULL, NULL, NULL, NULL, pkey, NULL) == 1 &&
            EVP_DigestSign(mctx, sig, &n, msg, msg_len) == 1)
            rc = TERN_OK;
        EVP_MD_CTX_free(mctx);
    } else {
        const EVP_MD *md = md_get(h);
        if (!md)
            return TERN_E_UNSUPPORTED;
        uint8_t dgst[CRY_MAX_HASH];
        TRY(cry_hash(h, msg, msg_len, dgst));
        EVP_PKEY_CTX *ctx = k->signer ? EVP_PKEY_CTX_dup(k->signer) : NULL;
        /* RFC 8446 §4.2.3: RSASSA-PSS salt length equals the digest length. */
        if (ctx && (alg == CRY_SIG_ECDSA || rsa_setup(ctx, alg, md, RSA_PSS_SALTLEN_DIGEST)) &&
            EVP_PKEY_sign(ctx, sig, &n, dgst, cry_hash_len(h)) == 1)
            rc = TERN_OK;
        EVP_PKEY_CTX_free(ctx);
    }
    if (rc != TERN_OK)
        return fail(rc);
    *out_sig_len = n;
    return TERN_OK;
}

/* Constant-time byte helpers: all-ones (0xff) or zero masks. */
static uint8_t ct_is_zero8(uint8_t x)
{
    return (uint8_t)(((uint32_t)x - 1) >> 24);
}

static uint8_t ct_eq8(uint8_t a, uint8_t b)
{
    return ct_is_zero8((uint8_t)(a ^ b));
}

int cry_rsa_decrypt_pms(const struct cry_privkey *k, const uint8_t *ct, size_t ct_len, uint8_t *out,
                        size_t out_len)
{
    EVP_PKEY *pkey = k->impl;
    if (!pkey || k->type != CRY_KEY_RSA)
        return TERN_E_ARG;
    int ki = EVP_PKEY_get_size(pkey);
    if (ki <= 0)
        return fail(TERN_E_INTERNAL);
    size_t mod = (size_t)ki;
    /* RFC 8017 §7.2.2: the message fits only if k >= mLen + 11. */
    if (out_len == 0 || mod < out_len + 11)
        return TERN_E_ARG;
    /* RFC 5246 §7.4.7.1: make the random stand-in first, then decrypt, and
     * never let the outcome of the padding check show: no early return, no
     * branch, no distinct error. */
    TRY(cry_random(out, out_len));
    uint8_t *em = tern_calloc(1, mod);
    if (!em)
        return TERN_E_NOMEM;
    uint8_t good = 0;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    size_t em_len = mod;
    /* A wrong ciphertext length or a value >= n is visible to anyone who
     * sees the ciphertext, so branching on it leaks nothing secret. */
    if (ct_len == mod && ctx && EVP_PKEY_decrypt_init(ctx) == 1 &&
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) > 0 &&
        EVP_PKEY_decrypt(ctx, em, &em_len, ct, ct_len) == 1 && em_len == mod)
        good = 0xff;
    ERR_clear_error();
    EVP_PKEY_CTX_free(ctx);

    /* EM = 0x00 || 0x02 || PS (nonzero, >= 8 bytes) || 0x00 || M, with M
     * exactly out_len bytes: the separator's place is fixed by out_len. */
    size_t sep = mod - out_len - 1;
    good &= ct_eq8(em[0], 0x00);
    good &= ct_eq8(em[1], 0x02);
    for (size_t i = 2; i < sep; i++)
        good &= (uint8_t)~ct_is_zero8(em[i]);
    good &= ct_is_zero8(em[sep]);
    for (size_t i = 0; i < out_len; i++)
        out[i] = (uint8_t)((em[sep + 1 + i] & good) | (out[i] & (uint8_t)~good));
    tern_free_secret(em, mod);
    return TERN_OK;
}

int cry_rsa_encrypt_pms(const struct cry_pubkey *pk, const uint8_t *pms, size_t pms_len,
                        uint8_t *out, size_t cap, size_t *out_len)
{
    EVP_PKEY *pkey = pk->impl;
    if (!pkey)
        return TERN_E_ARG;
    if (pk->type != CRY_KEY_RSA)
        return TERN_E_UNSUPPORTED; /* RFC 5246 §7.4.7.1 needs an rsaEncryption key */
    int ki = EVP_PKEY_get_size(pkey);
    if (ki <= 0)
        return fail(TERN_E_INTERNAL);
    if (cap < (size_t)ki)
        return TERN_E_ARG;
    size_t n = cap;
    int rc = TERN_E_INTERNAL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    if (ctx && EVP_PKEY_encrypt_init(ctx) == 1 &&
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
        EVP_PKEY_encrypt(ctx, out, &n, pms, pms_len) == 1)
        rc = TERN_OK;
    EVP_PKEY_CTX_free(ctx);
    if (rc != TERN_OK)
        return fail(rc);
    *out_len = n;
    return TERN_OK;
}

bool cry_privkey_matches(const struct cry_privkey *k, const struct cry_pubkey *pk)
{
    if (!k->impl || !pk->impl)
        return false;
    bool eq = EVP_PKEY_eq(k->impl, pk->impl) == 1;
    ERR_clear_error();
    return eq;
}

/* ---- OpenSSL's hashed capath layout ---- */

bool cry_x509_name_hash(const uint8_t *der, size_t len, uint32_t *out)
{
    const unsigned char *p = der;
    if (len > LONG_MAX)
        return false;
    X509_NAME *name = d2i_X509_NAME(NULL, &p, (long)len);
    if (!name)
        return false;
    bool ok = p == der + len;
    int hashed = 0; /* set to 1 by libcrypto on success */
    unsigned long h = ok ? X509_NAME_hash_ex(name, NULL, NULL, &hashed) : 0;
    X509_NAME_free(name);
    ERR_clear_error();
    if (!ok || !hashed)
        return false;
    *out = (uint32_t)h;
    return true;
}
