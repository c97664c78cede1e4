/* ML-KEM-768 (FIPS 203).
 *
 * Arithmetic is on int16 coefficients modulo q = 3329 with Montgomery
 * (R = 2^16) and Barrett reductions, so nothing divides and nothing branches
 * on secret values. Polynomials in the NTT domain use FIPS 203's ordering
 * (bit-reversed zetas, Algorithms 9-12).
 *
 * Secret-dependent work (decryption, re-encryption, the implicit-rejection
 * choice) is straight-line code: compression uses a multiply and a shift in
 * place of a division by q, the ciphertext comparison is tern_ct_eq, and the
 * choice of key is a masked select. Only the public matrix sampling
 * (SampleNTT, on ρ) and public key checks branch on data.
 *
 * Two paths: the K-PKE and ML-KEM algorithms below are written once over a
 * table of primitives (mlkem_impl.h): the NTTs, base multiplication, the
 * rejection and CBD samplers, compression, and a batch of hashes. The
 * portable table is here; mlkem_avx2.c has the AVX2 one, chosen at run time
 * when the CPU has AVX2 (and the build has it: -DTERN_MLKEM_PORTABLE=ON
 * leaves it out). Each operation hands its independent hashes to the table
 * as one batch (the matrix with the noise, H(ek) with the matrix, H(ek) and
 * J with the matrix), which the AVX2 table runs four at a time. */
#include "crypto/mlkem.h"

#include "crypto/mlkem_impl.h"
#include "base/error.h"
#include "base/mem.h"
#include "crypto/provider.h"
#include "crypto/sha3.h"

#include <string.h>

#define Q          MLKEM_Q
#define N          MLKEM_N
#define K          MLKEM_K /* 3: ML-KEM-768 */
#define ETA        2       /* η1 = η2 = 2 for ML-KEM-768 */
#define DU         10
#define DV         4
#define POLY_BYTES 384 /* ByteEncode12 of one polynomial */
#define PKE_DK_LEN (K * POLY_BYTES)
#define PKE_EK_LEN (K * POLY_BYTES + 32)
#define C1_LEN     (K * 32 * DU)
#define C2_LEN     (32 * DV)

#if PKE_EK_LEN != MLKEM768_EK_LEN || C1_LEN + C2_LEN != MLKEM768_CT_LEN ||                         \
    PKE_DK_LEN + PKE_EK_LEN + 64 != MLKEM768_DK_LEN
#error "ML-KEM-768 sizes disagree"
#endif

#define poly mlkem_poly

struct polyvec {
    struct poly p[K];
};

/* The path's primitives (below, after the portable ones). */
static const struct mlkem_ops *ops(void);

/* ---- modular arithmetic ---- */

/* QINV = q^-1 mod 2^16. */
#define QINV 62209u
/* R^2 mod q: multiplying by it through montgomery_reduce enters Montgomery form. */
#define MONT_R2 1353
/* R^2 / 128 mod q: the last step of the inverse NTT (Algorithm 10 step 14's
 * 128^-1), also cancelling the R^-1 the NTT-domain products carry. */
#define INVNTT_F 1441

/* montgomery_reduce: a * R^-1 mod q, in (-q, q), for |a| < 2^15 q. */
static inline int16_t montgomery_reduce(int32_t a)
{
    /* t = a q^-1 mod 2^16, so a - t q is a multiple of 2^16. */
    int16_t t = (int16_t)(uint16_t)((uint32_t)a * QINV);
    return (int16_t)((a - (int32_t)t * Q) >> 16);
}

static inline int16_t fqmul(int16_t a, int16_t b)
{
    return montgomery_reduce((int32_t)a * b);
}

/* barrett_reduce: the representative of a mod q in [-(q-1)/2, (q-1)/2].
 * 20159 = round(2^26 / q). */
static inline int16_t barrett_reduce(int16_t a)
{
    int32_t t = ((int32_t)20159 * a + (1 << 25)) >> 26;
    return (int16_t)(a - t * Q);
}

/* to_unsigned: a centred representative (|a| < q) moved into [0, q). */
static inline uint16_t to_unsigned(int16_t a)
{
    a = (int16_t)(a + ((a >> 15) & Q));
    return (uint16_t)a;
}

/* Keep the compiler from turning masks back into branches. */
static inline uint32_t value_barrier(uint32_t v)
{
#if defined(__GNUC__)
    __asm__ __volatile__("" : "+r"(v));
#endif
    return v;
}

/* zetas[k] = 17^BitRev7(k) * R mod q, centred (FIPS 203 §4.3, Appendix A). */
const int16_t mlkem_zetas[128] = {
    -1044, -758,  -359,  -1517, 1493,  1422,  287,   202,   -171,  622,   1577,  182,   962,
    -1202, -1474, 1468,  573,   -1325, 264,   383,   -829,  1458,  -1602, -130,  -681,  1017,
    732,   608,   -1542, 411,   -205,  -1571, 1223,  652,   -552,  1015,  -1293, 1491,  -282,
    -1544, 516,   -8,    -320,  -666,  -1618, -1162, 126,   1469,  -853,  -90,   -271,  830,
    107,   -1421, -247,  -951,  -398,  961,   -1508, -725,  448,   -1065, 677,   -1275, -1103,
    430,   555,   843,   -1251, 871,   1550,  105,   422,   587,   177,   -235,  -291,  -460,
    1574,  1653,  -246,  778,   1159,  -147,  -777,  1483,  -602,  1119,  -1590, 644,   -872,
    349,   418,   329,   -156,  -75,   817,   1097,  603,   610,   1322,  -1285, -1465, 384,
    -1215, -136,  1218,  -1335, -874,  220,   -1187, -1659, -1185, -1530, -1278, 794,   -1510,
    -854,  -870,  478,   -108,  -308,  996,   991,   958,   -1460, 1522,  1628,
};

/* ---- polynomials ---- */

/* poly_ntt: Algorithm 9. Input |c| < q; output reduced to |c| <= q/2.
 * Each of the 7 layers grows coefficients by less than q, so they stay
 * below 8q < 2^15 before the final reduction. */
static void poly_ntt(struct poly *f)
{
    unsigned k = 1;
    for (unsigned len = 128; len >= 2; len >>= 1) {
        for (unsigned start = 0; start < N; start += 2 * len) {
            int16_t zeta = mlkem_zetas[k++];
            for (unsigned j = start; j < start + len; j++) {
                int16_t t = fqmul(zeta, f->c[j + len]);
                f->c[j + len] = (int16_t)(f->c[j] - t);
                f->c[j] = (int16_t)(f->c[j] + t);
            }
        }
    }
    for (unsigned j = 0; j < N; j++)
        f->c[j] = barrett_reduce(f->c[j]);
}

/* poly_invntt: Algorithm 10, for an input that carries a factor R^-1 (a sum
 * of products from poly_basemul_acc): the output is the plain polynomial,
 * |c| < q. */
static void poly_invntt(struct poly *f)
{
    unsigned k = 127;
    for (unsigned len = 2; len <= 128; len <<= 1) {
        for (unsigned start = 0; start < N; start += 2 * len) {
            int16_t zeta = mlkem_zetas[k--];
            for (unsigned j = start; j < start + len; j++) {
                int16_t t = f->c[j];
                f->c[j] = barrett_reduce((int16_t)(t + f->c[j + len]));
                f->c[j + len] = fqmul(zeta, (int16_t)(f->c[j + len] - t));
            }
        }
    }
    for (unsigned j = 0; j < N; j++)
        f->c[j] = fqmul(f->c[j], INVNTT_F);
}

/* poly_basemul_acc: r = sum over v of a[v] x b[v] in the NTT domain
 * (MultiplyNTTs, Algorithms 11 and 12), times R^-1. The degree-one factors
 * come in pairs X^2 - γ, X^2 + γ with γ = zetas[64 + i]: 17^(2 BitRev7(2i)
 * + 1) = 17^BitRev7(64 + i), and the odd one is its negation since
 * 17^128 = -1.
 *
 * Products are summed in 32 bits and reduced once. Bounds: a's coefficients
 * are below 2^12 (a decoded key, or a matrix entry), b's at most q/2 (an
 * NTT output), so each product is below 2^12 q/2; the a1 b1 γ term, below
 * q^2/2. Three pairs of terms stay under 2^15 q, montgomery_reduce's limit. */
static void poly_basemul_acc(struct poly *r, const struct poly a[K], const struct poly b[K])
{
    for (unsigned i = 0; i < N / 4; i++) {
        int32_t zeta = mlkem_zetas[64 + i];
        int32_t r0 = 0, r1 = 0, r2 = 0, r3 = 0;
        for (unsigned v = 0; v < K; v++) {
            const int16_t *x = &a[v].c[4 * i], *y = &b[v].c[4 * i];
            r0 += (int32_t)x[0] * y[0] + fqmul(x[1], y[1]) * zeta;
            r1 += (int32_t)x[0] * y[1] + (int32_t)x[1] * y[0];
            r2 += (int32_t)x[2] * y[2] - fqmul(x[3], y[3]) * zeta;
            r3 += (int32_t)x[2] * y[3] + (int32_t)x[3] * y[2];
        }
        r->c[4 * i] = montgomery_reduce(r0);
        r->c[4 * i + 1] = montgomery_reduce(r1);
        r->c[4 * i + 2] = montgomery_reduce(r2);
        r->c[4 * i + 3] = montgomery_reduce(r3);
    }
}

static void poly_add(struct poly *r, const struct poly *a)
{
    for (unsigned j = 0; j < N; j++)
        r->c[j] = (int16_t)(r->c[j] + a->c[j]);
}

static void poly_reduce(struct poly *r)
{
    for (unsigned j = 0; j < N; j++)
        r->c[j] = barrett_reduce(r->c[j]);
}

/* ---- sampling ---- */

/* sample_ntt: Algorithm 7, the matrix entry from SHAKE128(ρ || a || b),
 * reading the XOF a block at a time for as long as rejection sampling needs
 * (unlucky seeds need more than the usual three blocks). ρ is public. */
unsigned mlkem_parse_uniform(struct poly *r, unsigned n, const uint8_t *buf, unsigned len)
{
    unsigned i = 0;
    /* While two more fit, both candidates are written and the count moves
     * past those below q: no branch per candidate, which mispredicts about
     * one time in five. Writes past the count are overwritten later (or
     * were never part of the result). */
    for (; i + 3 <= len && n + 2 <= N; i += 3) {
        uint16_t d1 = (uint16_t)(buf[i] | ((buf[i + 1] & 0x0f) << 8));
        uint16_t d2 = (uint16_t)((buf[i + 1] >> 4) | (buf[i + 2] << 4));
        r->c[n] = (int16_t)d1;
        n += d1 < Q;
        r->c[n] = (int16_t)d2;
        n += d2 < Q;
    }
    for (; i + 3 <= len && n < N; i += 3) {
        uint16_t d1 = (uint16_t)(buf[i] | ((buf[i + 1] & 0x0f) << 8));
        uint16_t d2 = (uint16_t)((buf[i + 1] >> 4) | (buf[i + 2] << 4));
        if (d1 < Q)
            r->c[n++] = (int16_t)d1;
        if (d2 < Q && n < N)
            r->c[n++] = (int16_t)d2;
    }
    return n;
}

static void sample_ntt(struct poly *r, const uint8_t rho[32], uint8_t a, uint8_t b)
{
    struct sha3_ctx xof;
    uint8_t ab[2] = {a, b};
    uint8_t buf[SHAKE128_RATE];
    shake128_init(&xof);
    sha3_absorb(&xof, rho, 32);
    sha3_absorb(&xof, ab, 2);
    unsigned n = 0;
    while (n < N) {
        sha3_squeeze(&xof, buf, sizeof(buf));
        n = mlkem_parse_uniform(r, n, buf, sizeof(buf));
    }
}

/* sample_cbd2: SamplePolyCBD_2 (Algorithm 8) on PRF_2(s, nonce) = SHAKE256(s
 * || nonce) of 128 bytes. Each coefficient is (b0 + b1) - (b2 + b3) over
 * four consecutive bits; the sums are formed for eight at a time. */
void mlkem_cbd2(struct poly *r, const uint8_t buf[64 * ETA])
{
    for (unsigned i = 0; i < N / 8; i++) {
        uint32_t t = (uint32_t)buf[4 * i] | (uint32_t)buf[4 * i + 1] << 8 |
                     (uint32_t)buf[4 * i + 2] << 16 | (uint32_t)buf[4 * i + 3] << 24;
        uint32_t s = (t & 0x55555555u) + ((t >> 1) & 0x55555555u);
        for (unsigned j = 0; j < 8; j++) {
            int16_t x = (int16_t)((s >> (4 * j)) & 3);
            int16_t y = (int16_t)((s >> (4 * j + 2)) & 3);
            r->c[8 * i + j] = (int16_t)(x - y);
        }
    }
}

/* ---- the hashes, in batches ----
 *
 * Each operation gathers the SHAKE and SHA-3 calls that do not depend on
 * one another into one batch for the path's engine (mlkem_ops.hash_batch:
 * one after another, or four at a time with AVX2): the nine matrix entries,
 * the noise polynomials, and beside them H(ek) and J(z || c) where the
 * operation needs them. */

/* XOF_BYTES: three SHAKE-128 blocks per matrix entry, 336 candidates for
 * 256 coefficients; the rare entry that needs more is sampled again from
 * the start by sample_ntt, which reads as far as it must. */
#define XOF_BYTES (3 * SHAKE128_RATE)
#define PRF_BYTES (64 * ETA)

struct matrix_jobs {
    uint8_t ij[K * K][2];
    uint8_t buf[K * K][XOF_BYTES];
};

/* matrix_jobs: the jobs for Â (Algorithm 13 step 6: entry (i, j) from
 * ρ || j || i) or Âᵀ (Algorithm 14 step 6: ρ || i || j), entry e = 3i + j. */
static void matrix_jobs(struct sha3_job *jobs, struct matrix_jobs *m, const uint8_t rho[32],
                        bool transposed)
{
    for (unsigned e = 0; e < K * K; e++) {
        unsigned i = e / K, j = e % K;
        m->ij[e][0] = (uint8_t)(transposed ? i : j);
        m->ij[e][1] = (uint8_t)(transposed ? j : i);
        jobs[e] =
            (struct sha3_job){{rho, m->ij[e]}, {32, 2}, m->buf[e], XOF_BYTES, SHAKE128_RATE, 0x1f};
    }
}

/* matrix_parse: SampleNTT's rejection over each entry's bytes (ρ is public). */
static void matrix_parse(struct poly a[K * K], const struct matrix_jobs *m, const uint8_t rho[32])
{
    for (unsigned e = 0; e < K * K; e++)
        if (ops()->parse_uniform(&a[e], 0, m->buf[e], XOF_BYTES) < N)
            sample_ntt(&a[e], rho, m->ij[e][0], m->ij[e][1]);
}

struct noise_jobs {
    uint8_t nonce[2 * K + 1];
    uint8_t buf[2 * K + 1][PRF_BYTES];
};

/* noise_jobs: PRF_2(s, nonce0 + i) = SHAKE-256(s || nonce), 128 bytes, for
 * SamplePolyCBD_2 (Algorithms 13 and 14). */
static void noise_jobs(struct sha3_job *jobs, struct noise_jobs *nz, unsigned n,
                       const uint8_t seed[32])
{
    for (unsigned i = 0; i < n; i++) {
        nz->nonce[i] = (uint8_t)i;
        jobs[i] = (struct sha3_job){{seed, &nz->nonce[i]}, {32, 1}, nz->buf[i], PRF_BYTES,
                                    SHAKE256_RATE,         0x1f};
    }
}

static void noise_sample(struct poly *r, const struct noise_jobs *nz, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        ops()->cbd2(&r[i], nz->buf[i]);
}

/* H(ek) = SHA3-256(ek) and J(z || c) = SHAKE-256(z || c, 32) as jobs. */
static struct sha3_job h_job(const uint8_t *ek, uint8_t out[32])
{
    return (struct sha3_job){{ek, NULL}, {MLKEM768_EK_LEN, 0}, out, 32, SHAKE256_RATE, 0x06};
}

static struct sha3_job j_job(const uint8_t *z, const uint8_t *c, uint8_t out[32])
{
    return (struct sha3_job){{z, c}, {32, MLKEM768_CT_LEN}, out, 32, SHAKE256_RATE, 0x1f};
}

/* ---- encodings (FIPS 203 §4.2.1) ---- */

/* encode12: ByteEncode12 of a polynomial with |c| < q. */
static void encode12(uint8_t out[POLY_BYTES], const struct poly *a)
{
    uint16_t t[N];
    ops()->compress(t, a, 12);
    for (unsigned i = 0; i < N / 2; i++) {
        uint16_t t0 = t[2 * i], t1 = t[2 * i + 1];
        out[3 * i] = (uint8_t)t0;
        out[3 * i + 1] = (uint8_t)((t0 >> 8) | (t1 << 4));
        out[3 * i + 2] = (uint8_t)(t1 >> 4);
    }
}

/* decode12: ByteDecode12 without the reduction mod q; returns a mask that
 * is all ones if some coefficient was not below q (so the caller can apply
 * the §7.2 modulus check without a data-dependent branch). */
static uint16_t decode12(struct poly *r, const uint8_t in[POLY_BYTES])
{
    uint16_t bad = 0;
    for (unsigned i = 0; i < N / 2; i++) {
        uint16_t t0 = (uint16_t)(in[3 * i] | ((in[3 * i + 1] & 0x0f) << 8));
        uint16_t t1 = (uint16_t)((in[3 * i + 1] >> 4) | (in[3 * i + 2] << 4));
        /* (t - q) is negative exactly when t < q: its sign bit clear means bad. */
        bad |= (uint16_t) ~((uint32_t)((int32_t)t0 - Q) >> 31) & 1u;
        bad |= (uint16_t) ~((uint32_t)((int32_t)t1 - Q) >> 31) & 1u;
        r->c[2 * i] = (int16_t)t0;
        r->c[2 * i + 1] = (int16_t)t1;
    }
    return (uint16_t)(0u - bad);
}

/* compress: Compress_d (§4.2.1) of x in [0, q): round(2^d x / q) mod 2^d.
 * floor((2^d x + 1664) / q) is exact rounding because q is odd; the
 * division is a multiplication by ceil(2^35 / q) and a shift, exact for all
 * numerators below 2^22 (tests check every x for each d). */
static inline uint16_t compress(uint16_t x, unsigned d)
{
    uint64_t n = ((uint64_t)x << d) + 1664;
    return (uint16_t)(((n * 10321340u) >> 35) & ((1u << d) - 1));
}

/* decompress: Decompress_d, round(q y / 2^d); y is public or masked. */
static inline int16_t decompress(uint16_t y, unsigned d)
{
    return (int16_t)(((uint32_t)y * Q + (1u << (d - 1))) >> d);
}

/* compress_poly: Compress_d of each coefficient's representative in
 * [0, q) (d = 12: the representative itself, for ByteEncode12), the
 * portable table's compress. */
static void compress_poly(uint16_t out[N], const struct poly *a, unsigned d)
{
    for (unsigned i = 0; i < N; i++) {
        uint16_t x = to_unsigned(barrett_reduce(a->c[i]));
        out[i] = d == 12 ? x : compress(x, d);
    }
}

/* Test hooks: the compression functions above are checked exhaustively. */
uint16_t mlkem_compress_for_test(uint16_t x, unsigned d);
int16_t mlkem_decompress_for_test(uint16_t y, unsigned d);
uint16_t mlkem_compress_for_test(uint16_t x, unsigned d)
{
    return compress(x, d);
}
int16_t mlkem_decompress_for_test(uint16_t y, unsigned d)
{
    return decompress(y, d);
}

/* The ciphertext: u compressed to du = 10 bits (4 coefficients in 5 bytes),
 * v to dv = 4 bits (2 in a byte). */
static void encode_u(uint8_t out[C1_LEN], const struct polyvec *u)
{
    for (unsigned v = 0; v < K; v++) {
        uint8_t *o = out + v * 32 * DU;
        uint16_t c[N];
        ops()->compress(c, &u->p[v], DU);
        for (unsigned i = 0; i < N / 4; i++) {
            const uint16_t *t = c + 4 * i;
            o[5 * i] = (uint8_t)t[0];
            o[5 * i + 1] = (uint8_t)((t[0] >> 8) | (t[1] << 2));
            o[5 * i + 2] = (uint8_t)((t[1] >> 6) | (t[2] << 4));
            o[5 * i + 3] = (uint8_t)((t[2] >> 4) | (t[3] << 6));
            o[5 * i + 4] = (uint8_t)(t[3] >> 2);
        }
    }
}

/* decode_du: Decompress_10(ByteDecode_10) of one polynomial of u. */
static void decode_du(struct poly *r, const uint8_t p[32 * DU])
{
    for (unsigned i = 0; i < N / 4; i++) {
        uint16_t t0 = (uint16_t)((p[5 * i] | (p[5 * i + 1] << 8)) & 0x3ff);
        uint16_t t1 = (uint16_t)(((p[5 * i + 1] >> 2) | (p[5 * i + 2] << 6)) & 0x3ff);
        uint16_t t2 = (uint16_t)(((p[5 * i + 2] >> 4) | (p[5 * i + 3] << 4)) & 0x3ff);
        uint16_t t3 = (uint16_t)(((p[5 * i + 3] >> 6) | (p[5 * i + 4] << 2)) & 0x3ff);
        r->c[4 * i] = decompress(t0, DU);
        r->c[4 * i + 1] = decompress(t1, DU);
        r->c[4 * i + 2] = decompress(t2, DU);
        r->c[4 * i + 3] = decompress(t3, DU);
    }
}

static void decode_u(struct polyvec *u, const uint8_t in[C1_LEN])
{
    for (unsigned v = 0; v < K; v++)
        ops()->decode_du(&u->p[v], in + v * 32 * DU);
}

static void encode_v(uint8_t out[C2_LEN], const struct poly *v)
{
    uint16_t t[N];
    ops()->compress(t, v, DV);
    for (unsigned i = 0; i < N / 2; i++)
        out[i] = (uint8_t)(t[2 * i] | (t[2 * i + 1] << 4));
    tern_memzero(t, sizeof(t));
}

/* decode_dv: Decompress_4(ByteDecode_4), the polynomial v. */
static void decode_dv(struct poly *v, const uint8_t in[C2_LEN])
{
    for (unsigned i = 0; i < N / 2; i++) {
        v->c[2 * i] = decompress(in[i] & 0x0f, DV);
        v->c[2 * i + 1] = decompress(in[i] >> 4, DV);
    }
}

/* The message: Decompress_1(ByteDecode_1(m)), each bit to 0 or round(q/2)
 * by a mask, and back by Compress_1. */
static void msg_to_poly(struct poly *r, const uint8_t m[32])
{
    for (unsigned i = 0; i < 32; i++)
        for (unsigned j = 0; j < 8; j++) {
            uint16_t mask = (uint16_t)(0u - (uint16_t)((m[i] >> j) & 1));
            r->c[8 * i + j] = (int16_t)(mask & ((Q + 1) / 2));
        }
}

static void poly_to_msg(uint8_t m[32], const struct poly *a)
{
    uint16_t t[N];
    ops()->compress(t, a, 1);
    for (unsigned i = 0; i < 32; i++) {
        uint8_t byte = 0;
        for (unsigned j = 0; j < 8; j++)
            byte |= (uint8_t)(t[8 * i + j] << j);
        m[i] = byte;
    }
    tern_memzero(t, sizeof(t));
}

const struct mlkem_ops mlkem_ops_portable = {
    .name = "portable",
    .ntt = poly_ntt,
    .invntt = poly_invntt,
    .basemul_acc = poly_basemul_acc,
    .hash_batch = sha3_run_jobs,
    .parse_uniform = mlkem_parse_uniform,
    .cbd2 = mlkem_cbd2,
    .compress = compress_poly,
    .decode12 = decode12,
    .decode_du = decode_du,
    .decode_dv = decode_dv,
};

/* The path: AVX2 where this build and the CPU have it (libgcc reads CPUID
 * once at start; the check is a load), else portable. Tests may force one. */
static int forced_path = -1;

static const struct mlkem_ops *ops(void)
{
#ifdef MLKEM_HAVE_AVX2
    if (forced_path == 0)
        return &mlkem_ops_portable;
    if (__builtin_cpu_supports("avx2"))
        return &mlkem_ops_avx2;
#endif
    return &mlkem_ops_portable;
}

bool mlkem_force_path(int path)
{
    if (path == 1 && mlkem_ops_for_test(1) == NULL)
        return false;
    forced_path = path;
    return true;
}

const char *mlkem_path_name(void)
{
    return ops()->name;
}

const struct mlkem_ops *mlkem_ops_for_test(int path)
{
    if (path == 0)
        return &mlkem_ops_portable;
#ifdef MLKEM_HAVE_AVX2
    if (__builtin_cpu_supports("avx2"))
        return &mlkem_ops_avx2;
#endif
    return NULL;
}

/* ---- K-PKE (FIPS 203 §5) ---- */

/* kpke_keygen: Algorithm 13 from (ρ, σ): writes ek (1184) and dk_pke (1152). */
static void kpke_keygen(uint8_t ek[PKE_EK_LEN], uint8_t dk_pke[PKE_DK_LEN], const uint8_t rho[32],
                        const uint8_t sigma[32])
{
    const struct mlkem_ops *o = ops();
    struct poly se[2 * K], a[K * K]; /* s then e, with nonces 0 .. 2K-1 */
    struct poly t, *s = se, *e = se + K;
    struct matrix_jobs mj;
    struct noise_jobs nj;
    struct sha3_job jobs[K * K + 2 * K];
    matrix_jobs(jobs, &mj, rho, false);
    noise_jobs(jobs + K * K, &nj, 2 * K, sigma);
    o->hash_batch(jobs, K * K + 2 * K);
    noise_sample(se, &nj, 2 * K);
    tern_memzero(&nj, sizeof(nj));
    matrix_parse(a, &mj, rho);
    for (unsigned i = 0; i < 2 * K; i++)
        o->ntt(&se[i]);
    for (unsigned i = 0; i < K; i++) {
        o->basemul_acc(&t, &a[K * i], s);
        /* Leave the R^-1 of the products: multiply by R^2 through Montgomery. */
        for (unsigned j = 0; j < N; j++)
            t.c[j] = fqmul(t.c[j], MONT_R2);
        poly_add(&t, &e[i]);
        poly_reduce(&t);
        encode12(ek + i * POLY_BYTES, &t);
    }
    memcpy(ek + K * POLY_BYTES, rho, 32);
    for (unsigned i = 0; i < K; i++)
        encode12(dk_pke + i * POLY_BYTES, &s[i]);
    tern_memzero(se, sizeof(se));
    tern_memzero(&t, sizeof(t));
}

/* kpke_encrypt: Algorithm 14, with t̂ decoded from ek (and checked where it
 * came from the peer) and Âᵀ sampled by the caller; m and r are secret. */
static void kpke_encrypt(uint8_t ct[MLKEM768_CT_LEN], const struct poly that[K],
                         const uint8_t m[32], const uint8_t r[32], const struct poly a[K * K])
{
    const struct mlkem_ops *o = ops();
    /* y, e1 and e2 with nonces 0 .. 2K (Algorithm 14 steps 9-17). */
    struct poly noise[2 * K + 1];
    struct poly *y = noise, *e1 = noise + K, *e2 = noise + 2 * K;
    struct polyvec u;
    struct poly v, mu;
    struct noise_jobs nj;
    struct sha3_job jobs[2 * K + 1];

    noise_jobs(jobs, &nj, 2 * K + 1, r);
    o->hash_batch(jobs, 2 * K + 1);
    noise_sample(noise, &nj, 2 * K + 1);
    tern_memzero(&nj, sizeof(nj));
    for (unsigned i = 0; i < K; i++)
        o->ntt(&y[i]);
    /* Row i of Âᵀ (the caller's a): Âᵀ[i, j] = Â[j, i] = SampleNTT(ρ || i || j). */
    for (unsigned i = 0; i < K; i++) {
        o->basemul_acc(&u.p[i], &a[K * i], y);
        o->invntt(&u.p[i]);
        poly_add(&u.p[i], &e1[i]);
    }
    o->basemul_acc(&v, that, y);
    o->invntt(&v);
    poly_add(&v, e2);
    msg_to_poly(&mu, m);
    poly_add(&v, &mu);

    encode_u(ct, &u);
    encode_v(ct + C1_LEN, &v);

    tern_memzero(noise, sizeof(noise));
    tern_memzero(&u, sizeof(u));
    tern_memzero(&v, sizeof(v));
    tern_memzero(&mu, sizeof(mu));
}

/* kpke_decrypt: Algorithm 15. */
static void kpke_decrypt(uint8_t m[32], const uint8_t dk_pke[PKE_DK_LEN],
                         const uint8_t ct[MLKEM768_CT_LEN])
{
    const struct mlkem_ops *o = ops();
    struct polyvec u, s;
    struct poly w, v;
    decode_u(&u, ct);
    o->decode_dv(&v, ct + C1_LEN);
    for (unsigned i = 0; i < K; i++) {
        (void)o->decode12(&s.p[i], dk_pke + i * POLY_BYTES);
        o->ntt(&u.p[i]);
    }
    o->basemul_acc(&w, s.p, u.p);
    o->invntt(&w);
    /* w = v - NTT^-1(ŝᵀ ∘ NTT(u)) */
    for (unsigned j = 0; j < N; j++)
        w.c[j] = (int16_t)(v.c[j] - w.c[j]);
    poly_to_msg(m, &w);
    tern_memzero(&s, sizeof(s));
    tern_memzero(&w, sizeof(w));
}

/* ---- ML-KEM (FIPS 203 §6, §7) ---- */

static void keygen_from(uint8_t ek[MLKEM768_EK_LEN], uint8_t dk[MLKEM768_DK_LEN],
                        const uint8_t rho[32], const uint8_t sigma[32], const uint8_t z[32])
{
    /* dk = dk_pke || ek || H(ek) || z (Algorithm 16 step 3). */
    kpke_keygen(ek, dk, rho, sigma);
    memcpy(dk + PKE_DK_LEN, ek, MLKEM768_EK_LEN);
    sha3_256(ek, MLKEM768_EK_LEN, dk + PKE_DK_LEN + MLKEM768_EK_LEN);
    memcpy(dk + PKE_DK_LEN + MLKEM768_EK_LEN + 32, z, 32);
}

void mlkem768_keygen_expanded(uint8_t ek[MLKEM768_EK_LEN], uint8_t dk[MLKEM768_DK_LEN],
                              const uint8_t rho[32], const uint8_t sigma[32],
                              const uint8_t z[MLKEM_SEED_LEN])
{
    keygen_from(ek, dk, rho, sigma, z);
}

void mlkem768_keygen_derand(uint8_t ek[MLKEM768_EK_LEN], uint8_t dk[MLKEM768_DK_LEN],
                            const uint8_t d[MLKEM_SEED_LEN], const uint8_t z[MLKEM_SEED_LEN])
{
    /* (ρ, σ) = G(d || k): the byte k separates the parameter sets
     * (Algorithm 13 step 1). */
    uint8_t in[33], g[64];
    memcpy(in, d, 32);
    in[32] = K;
    sha3_512(in, sizeof(in), g);
    keygen_from(ek, dk, g, g + 32, z);
    tern_memzero(in, sizeof(in));
    tern_memzero(g, sizeof(g));
}

int mlkem768_keygen(uint8_t ek[MLKEM768_EK_LEN], uint8_t dk[MLKEM768_DK_LEN])
{
    uint8_t dz[64];
    int rc = cry_random_secret(dz, sizeof(dz));
    if (rc != TERN_OK)
        return rc;
    mlkem768_keygen_derand(ek, dk, dz, dz + 32);
    tern_memzero(dz, sizeof(dz));
    return TERN_OK;
}

/* ek_decode: t̂ from ek, after the checks of FIPS 203 §7.2: the length,
 * and the modulus check, ByteEncode12(ByteDecode12(t)) == t, i.e. every
 * coefficient already below q. One pass serves the check and the
 * encryption. */
static int ek_decode(struct poly that[K], const uint8_t *ek, size_t ek_len)
{
    struct rd r;
    const uint8_t *t;
    if (!ek)
        return TERN_E_ILLEGAL_PARAMETER;
    rd_init(&r, ek, ek_len);
    if (!rd_bytes(&r, &t, K * POLY_BYTES) || !rd_skip(&r, 32) || !rd_empty(&r))
        return TERN_E_ILLEGAL_PARAMETER;
    uint16_t bad = 0;
    for (unsigned i = 0; i < K; i++)
        bad |= ops()->decode12(&that[i], t + i * POLY_BYTES);
    return bad ? TERN_E_ILLEGAL_PARAMETER : TERN_OK;
}

int mlkem768_check_ek(const uint8_t *ek, size_t ek_len)
{
    struct poly that[K];
    return ek_decode(that, ek, ek_len);
}

int mlkem768_check_dk(const uint8_t *dk, size_t dk_len)
{
    struct rd r;
    const uint8_t *ek, *h;
    uint8_t hek[32];
    if (!dk)
        return TERN_E_ILLEGAL_PARAMETER;
    rd_init(&r, dk, dk_len);
    if (!rd_skip(&r, PKE_DK_LEN) || !rd_bytes(&r, &ek, MLKEM768_EK_LEN) || !rd_bytes(&r, &h, 32) ||
        !rd_skip(&r, 32) || !rd_empty(&r))
        return TERN_E_ILLEGAL_PARAMETER;
    /* Hash check (FIPS 203 §7.3 step 3). */
    sha3_256(ek, MLKEM768_EK_LEN, hek);
    return tern_ct_eq(hek, h, 32) ? TERN_OK : TERN_E_ILLEGAL_PARAMETER;
}

/* encaps_checked: Algorithm 17 for an ek that passed ek_decode. */
static void encaps_checked(uint8_t ct[MLKEM768_CT_LEN], uint8_t ss[MLKEM_SS_LEN],
                           const uint8_t ek[MLKEM768_EK_LEN], const struct poly that[K],
                           const uint8_t m[MLKEM_SEED_LEN])
{
    /* H(ek) beside the matrix Âᵀ from ρ; then (K, r) = G(m || H(ek))
     * (Algorithm 17 step 1). */
    uint8_t in[64], g[64];
    struct poly a[K * K];
    struct matrix_jobs mj;
    struct sha3_job jobs[K * K + 1];
    const uint8_t *rho = ek + K * POLY_BYTES;
    matrix_jobs(jobs, &mj, rho, true);
    jobs[K * K] = h_job(ek, in + 32);
    ops()->hash_batch(jobs, K * K + 1);
    matrix_parse(a, &mj, rho);
    memcpy(in, m, 32);
    sha3_512(in, sizeof(in), g);
    kpke_encrypt(ct, that, m, g + 32, a);
    memcpy(ss, g, MLKEM_SS_LEN);
    tern_memzero(in, sizeof(in));
    tern_memzero(g, sizeof(g));
}

int mlkem768_encaps_derand(uint8_t ct[MLKEM768_CT_LEN], uint8_t ss[MLKEM_SS_LEN], const uint8_t *ek,
                           size_t ek_len, const uint8_t m[MLKEM_SEED_LEN])
{
    struct poly that[K];
    TRY(ek_decode(that, ek, ek_len));
    encaps_checked(ct, ss, ek, that, m);
    return TERN_OK;
}

int mlkem768_encaps(uint8_t ct[MLKEM768_CT_LEN], uint8_t ss[MLKEM_SS_LEN], const uint8_t *ek,
                    size_t ek_len)
{
    uint8_t m[32];
    struct poly that[K];
    TRY(ek_decode(that, ek, ek_len)); /* before any work for a bad key */
    TRY(cry_random_secret(m, sizeof(m)));
    encaps_checked(ct, ss, ek, that, m);
    tern_memzero(m, sizeof(m));
    return TERN_OK;
}

int mlkem768_decaps(uint8_t ss[MLKEM_SS_LEN], const uint8_t *dk, size_t dk_len, const uint8_t *ct,
                    size_t ct_len)
{
    struct rd r;
    const uint8_t *dk_pke, *ek, *h, *z, *c;
    if (!ct || ct_len != MLKEM768_CT_LEN || !dk)
        return TERN_E_ILLEGAL_PARAMETER;
    rd_init(&r, dk, dk_len);
    if (!rd_bytes(&r, &dk_pke, PKE_DK_LEN) || !rd_bytes(&r, &ek, MLKEM768_EK_LEN) ||
        !rd_bytes(&r, &h, 32) || !rd_bytes(&r, &z, 32) || !rd_empty(&r))
        return TERN_E_ILLEGAL_PARAMETER;
    rd_init(&r, ct, ct_len);
    if (!rd_bytes(&r, &c, MLKEM768_CT_LEN))
        return TERN_E_INTERNAL;

    /* One batch: H(ek) for the hash check (FIPS 203 §7.3, as
     * mlkem768_check_dk), K̄ = J(z || c), and the matrix for re-encryption. */
    uint8_t hek[32], kbar[32];
    struct poly a[K * K];
    struct matrix_jobs mj;
    struct sha3_job jobs[K * K + 2];
    const uint8_t *rho = ek + K * POLY_BYTES;
    matrix_jobs(jobs, &mj, rho, true);
    jobs[K * K] = h_job(ek, hek);
    jobs[K * K + 1] = j_job(z, c, kbar);
    ops()->hash_batch(jobs, K * K + 2);
    if (!tern_ct_eq(hek, h, 32)) {
        tern_memzero(kbar, sizeof(kbar));
        return TERN_E_ILLEGAL_PARAMETER;
    }
    matrix_parse(a, &mj, rho);

    /* Algorithm 18: m' = Decrypt(c); (K', r') = G(m' || h);
     * c' = Encrypt(ek, m', r'); K' if c == c' else K̄. */
    uint8_t in[64], g[64], c2[MLKEM768_CT_LEN];
    kpke_decrypt(in, dk_pke, c);
    memcpy(in + 32, h, 32);
    sha3_512(in, sizeof(in), g);
    struct poly that[K];
    for (unsigned i = 0; i < K; i++)
        (void)ops()->decode12(&that[i], ek + i * POLY_BYTES); /* dk's own ek, hash-checked */
    kpke_encrypt(c2, that, in, g + 32, a);

    /* All ones when the ciphertexts agree: no branch on the outcome. */
    uint8_t keep = (uint8_t)value_barrier(0u - (uint32_t)tern_ct_eq(c, c2, MLKEM768_CT_LEN));
    for (unsigned i = 0; i < MLKEM_SS_LEN; i++)
        ss[i] = (uint8_t)((g[i] & keep) | (kbar[i] & (uint8_t)~keep));

    tern_memzero(in, sizeof(in));
    tern_memzero(g, sizeof(g));
    tern_memzero(kbar, sizeof(kbar));
    tern_memzero(c2, sizeof(c2));
    return TERN_OK;
}
