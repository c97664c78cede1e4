/* Secrets in constant time, checked with valgrind's memcheck (the ctgrind
 * technique): secret bytes are marked undefined, so any branch or memory
 * index that depends on them is reported as a use of an uninitialised
 * value; results that are public by design (a comparison's verdict, a
 * ciphertext) are marked defined again before they are used.
 *
 * Covered: tern_ct_eq; the Finished MAC as hs13_recv_finished computes and
 * compares it; the PSK binder as the server checks it; the TLS 1.3 key
 * schedule and record keys; the key-log line; ML-KEM-768 key generation,
 * encapsulation and decapsulation with implicit rejection, on the AVX2 path
 * and on the portable one.
 *
 * Run natively it checks the results; scripts/memcheck.sh runs it under
 * valgrind (--error-exitcode), where a secret-dependent branch or index in
 * tern's code fails it. Branches inside libcrypto are outside this check
 * (tests/valgrind.supp). */
#include "base/mem.h"
#include "crypto/mlkem.h"
#include "crypto/mlkem_impl.h"
#include "hs/schedule13.h"
#include "hs/session.h"
#include "record/record.h"

#include "test.h"

#include <string.h>

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define TERN_HAVE_MEMCHECK 1
#endif
#endif

#ifdef TERN_HAVE_MEMCHECK
#define SECRET(p, n)   VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n)   VALGRIND_MAKE_MEM_DEFINED((p), (n))
#define UNDER_VALGRIND RUNNING_ON_VALGRIND
#else
#define SECRET(p, n)   ((void)(p), (void)(n))
#define PUBLIC(p, n)   ((void)(p), (void)(n))
#define UNDER_VALGRIND 0
#endif

/* verdict: a comparison's result is public. */
static int verdict(int v)
{
    PUBLIC(&v, sizeof(v));
    return v;
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + i * 37);
}

static void test_ct_eq(void)
{
    uint8_t a[48], b[48];
    fill(a, sizeof(a), 1);
    memcpy(b, a, sizeof(b));
    SECRET(a, sizeof(a));
    SECRET(b, sizeof(b));
    CHECK_EQ(verdict(tern_ct_eq(a, b, sizeof(a))), 1);
    b[47] ^= 1;
    CHECK_EQ(verdict(tern_ct_eq(a, b, sizeof(a))), 0);
    b[47] ^= 1;
    b[0] ^= 0x80;
    CHECK_EQ(verdict(tern_ct_eq(a, b, sizeof(a))), 0);
}

/* The Finished check: verify_data from the base key (secret) and the
 * transcript hash (public), compared with what the peer sent. */
static void test_finished(void)
{
    for (int h = CRY_SHA256; h <= CRY_SHA384; h++) {
        size_t hl = cry_hash_len((enum cry_hash)h);
        uint8_t base[CRY_MAX_HASH], th[CRY_MAX_HASH], want[CRY_MAX_HASH], vd[CRY_MAX_HASH];
        fill(base, hl, 9);
        fill(th, hl, 77);
        CHECK_EQ(ks13_finished((enum cry_hash)h, base, th, want), TERN_OK);
        SECRET(base, hl);
        CHECK_EQ(ks13_finished((enum cry_hash)h, base, th, vd), TERN_OK);
        /* what arrives on the wire is public; vd is secret until compared */
        CHECK_EQ(verdict(tern_ct_eq(vd, want, hl)), 1);
        want[hl / 2] ^= 4;
        CHECK_EQ(verdict(tern_ct_eq(vd, want, hl)), 0);
    }
}

static void test_binder(void)
{
    uint8_t psk[32], th[32], want[32], got[32];
    fill(psk, 32, 3);
    fill(th, 32, 5);
    CHECK_EQ(hs_binder(CRY_SHA256, psk, 32, th, want), TERN_OK);
    SECRET(psk, 32);
    CHECK_EQ(hs_binder(CRY_SHA256, psk, 32, th, got), TERN_OK);
    CHECK_EQ(verdict(tern_ct_eq(got, want, 32)), 1);
}

/* The key schedule from a secret (EC)DHE result and PSK, down to record
 * keys and the ticket PSK: nothing branches on them. */
static void schedule(const uint8_t *psk, const uint8_t *dhe, uint8_t key[32], uint8_t iv[12],
                     uint8_t ticket_psk[32])
{
    struct ks13 ks;
    uint8_t th[32];
    fill(th, 32, 11);
    CHECK_EQ(ks13_init(&ks, CRY_SHA256, psk, 32), TERN_OK);
    CHECK_EQ(ks13_handshake(&ks, dhe, 32, th), TERN_OK);
    CHECK_EQ(ks13_master(&ks, th), TERN_OK);
    CHECK_EQ(ks13_resumption(&ks, th), TERN_OK);
    size_t key_len = 0;
    CHECK_EQ(rec_keys13(CRY_SHA256, CRY_AES_128_GCM, ks.client_ap, key, &key_len, iv), TERN_OK);
    CHECK_EQ(key_len, 16);
    static const uint8_t nonce[2] = {0, 1};
    CHECK_EQ(ks13_ticket_psk(CRY_SHA256, ks.resumption, nonce, 2, ticket_psk), TERN_OK);
    ks13_cleanup(&ks);
}

static void test_key_schedule(void)
{
    uint8_t psk[32], dhe[32], k1[32], iv1[12], t1[32], k2[32], iv2[12], t2[32];
    fill(psk, 32, 21);
    fill(dhe, 32, 42);
    schedule(psk, dhe, k1, iv1, t1);
    SECRET(psk, 32);
    SECRET(dhe, 32);
    schedule(psk, dhe, k2, iv2, t2);
    CHECK_EQ(verdict(tern_ct_eq(k1, k2, 16) & tern_ct_eq(iv1, iv2, 12) & tern_ct_eq(t1, t2, 32)),
             1);
}

static void test_keylog_line(void)
{
    uint8_t random[32], secret[32];
    fill(random, 32, 1);
    fill(secret, 32, 0xf0);
    SECRET(secret, 32);
    char line[256];
    size_t n = ks13_keylog_line(line, sizeof(line), "LABEL", random, secret, 32);
    CHECK_EQ(n, 5 + 1 + 64 + 1 + 64);
    /* The hex digits of the secret are secret too; the rest is public. */
    PUBLIC(line, sizeof(line));
    CHECK(memcmp(line, "LABEL 01", 8) == 0);
    CHECK(memcmp(line + 71, "f015", 4) == 0);
}

static void mlkem_once(void)
{
    static uint8_t ek[MLKEM768_EK_LEN], dk[MLKEM768_DK_LEN], ct[MLKEM768_CT_LEN];
    uint8_t rho[32], sigma[32], z[32], m[32], ss[32], ss2[32];
    fill(rho, 32, 1);
    fill(sigma, 32, 4);
    fill(z, 32, 2);
    fill(m, 32, 3);
    /* K-PKE key generation from (rho, sigma): rho is public (it is in ek and
     * the matrix A is sampled from it by rejection), sigma and z secret. */
    SECRET(sigma, 32);
    SECRET(z, 32);
    SECRET(m, 32);
    mlkem768_keygen_expanded(ek, dk, rho, sigma, z);
    PUBLIC(ek, sizeof(ek)); /* the encapsulation key is public */
    /* dk = dk_pke || ek || H(ek) || z: the middle two are public too. */
    PUBLIC(dk + 1152, MLKEM768_EK_LEN + 32);
    CHECK_EQ(mlkem768_encaps_derand(ct, ss, ek, sizeof(ek), m), TERN_OK);
    PUBLIC(ct, sizeof(ct)); /* the ciphertext goes on the wire */
    CHECK_EQ(mlkem768_decaps(ss2, dk, sizeof(dk), ct, sizeof(ct)), TERN_OK);
    CHECK_EQ(verdict(tern_ct_eq(ss, ss2, 32)), 1);
    /* A tampered ciphertext: implicit rejection, without a branch. */
    ct[100] ^= 1;
    CHECK_EQ(mlkem768_decaps(ss2, dk, sizeof(dk), ct, sizeof(ct)), TERN_OK);
    CHECK_EQ(verdict(tern_ct_eq(ss, ss2, 32)), 0);
}

/* Both paths: the AVX2 one where the CPU (as valgrind presents it: AVX2
 * yes, AVX-512 no) and the build have it, and the portable one. */
static void test_mlkem(void)
{
    for (int path = 1; path >= 0; path--) {
        if (!mlkem_force_path(path)) {
            fprintf(stderr, "  ML-KEM: no AVX2 path in this build or CPU\n");
            continue;
        }
        fprintf(stderr, "  ML-KEM path: %s\n", mlkem_path_name());
        mlkem_once();
    }
    CHECK(mlkem_force_path(-1));
}

int main(void)
{
#ifndef TERN_HAVE_MEMCHECK
    fprintf(stderr, "note: valgrind/memcheck.h is missing: results only (apt-get install "
                    "valgrind)\n");
#endif
    if (!UNDER_VALGRIND)
        fprintf(stderr, "note: not under valgrind: results only; scripts/memcheck.sh runs the "
                        "constant-time check\n");
    RUN(test_ct_eq);
    RUN(test_finished);
    RUN(test_binder);
    RUN(test_key_schedule);
    RUN(test_keylog_line);
    RUN(test_mlkem);
    return test_done();
}
