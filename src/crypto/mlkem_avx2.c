/* ML-KEM-768's polynomial arithmetic with AVX2: sixteen int16 coefficients
 * per vector, the same Montgomery (R = 2^16) and Barrett reductions as
 * mlkem.c done with the 16-bit high and low multiplies, and the matrix and
 * noise sampled four SHAKE streams at a time (sha3x4_avx2.c). Polynomials
 * keep FIPS 203's coefficient order in memory, so ek, dk and the portable
 * primitives see the same values (mlkem_impl.h states what each primitive
 * promises; the tests compare the two paths). The hashes go four at a time
 * through sha3x4_avx2.c.
 *
 * The NTT. Layers with distance 128 down to 16 pair whole vectors and
 * broadcast one ζ. The last three (8, 4, 2) pair coefficients inside a
 * 32-coefficient chunk held in two vectors: before each, the two vectors
 * are transposed at the layer's granularity (128-bit halves, then 64-bit,
 * then 32-bit units) so that every butterfly again takes one operand from
 * each vector, and the ζ vector holds each block's ζ repeated over its
 * units (Seiler, "Faster AVX2 optimized NTT multiplication for Ring-LWE
 * lattice cryptography", 2018, §3). Each transpose is its own inverse; the
 * three are applied again in reverse order to restore FIPS 203 order. The
 * inverse NTT is the mirror image.
 *
 * Base multiplication (Algorithm 12) pairs coefficients (2i, 2i+1): vpmaddwd
 * gives a0 b0 + a1 b1 γ' from a and b with its odd coefficients first
 * multiplied by ±γ, and a0 b1 + a1 b0 from a and b with neighbours swapped,
 * as 32-bit sums; the three products of a row are summed in 32 bits and
 * Montgomery-reduced once. (The γ multiplication lands on b rather than on
 * a1 b1 as in mlkem.c: the sums differ by multiples of q, not modulo q.)
 *
 * Secrets (s, e, y, the message) flow only through arithmetic and fixed
 * shuffles: no branch or index depends on them.
 *
 * Built with -mavx2 (CMake) and reached only through mlkem.c's run-time
 * check of the CPU. */
#include "crypto/mlkem_impl.h"

#if defined(__AVX2__) && defined(MLKEM_HAVE_AVX2)
#include "crypto/sha3x4.h"

#include <immintrin.h>
#include <pthread.h>
#include <string.h>

#define Q        MLKEM_Q
#define N        MLKEM_N
#define K        MLKEM_K
#define QINV     (-3327) /* q^-1 mod 2^16 as an int16 (62209) */
#define BARRETT  20159   /* round(2^26 / q) */
#define INVNTT_F 1441    /* R^2 / 128 mod q, as in mlkem.c */

static inline __m256i vload(const int16_t *p)
{
    return _mm256_load_si256((const __m256i *)p);
}

static inline void vstore(int16_t *p, __m256i v)
{
    _mm256_store_si256((__m256i *)p, v);
}

/* fqmul: b z R^-1 per lane, in (-q, q), with zq = z q^-1 mod 2^16 made
 * ahead: the high half of b z less the high half of t q, where t q and
 * b z agree in their low halves (Montgomery reduction in 16-bit lanes). */
static inline __m256i fqmul(__m256i b, __m256i z, __m256i zq)
{
    __m256i hi = _mm256_mulhi_epi16(b, z);
    __m256i t = _mm256_mullo_epi16(b, zq);
    return _mm256_sub_epi16(hi, _mm256_mulhi_epi16(t, _mm256_set1_epi16(Q)));
}

static inline __m256i zq_of(__m256i z)
{
    return _mm256_mullo_epi16(z, _mm256_set1_epi16(QINV));
}

/* barrett: a - round(a / q) q, the same rounding as mlkem.c's:
 * ((a 20159) >> 16 + 2^9) >> 10 equals (a 20159 + 2^25) >> 26. */
static inline __m256i barrett(__m256i a)
{
    __m256i t = _mm256_mulhi_epi16(a, _mm256_set1_epi16(BARRETT));
    t = _mm256_srai_epi16(_mm256_add_epi16(t, _mm256_set1_epi16(1 << 9)), 10);
    return _mm256_sub_epi16(a, _mm256_mullo_epi16(t, _mm256_set1_epi16(Q)));
}

/* Cooley-Tukey (NTT) and Gentleman-Sande (inverse) butterflies, as in
 * mlkem.c's loops. */
static inline void ct_bfly(__m256i *a, __m256i *b, __m256i z, __m256i zq)
{
    __m256i t = fqmul(*b, z, zq);
    *b = _mm256_sub_epi16(*a, t);
    *a = _mm256_add_epi16(*a, t);
}

static inline void gs_bfly(__m256i *a, __m256i *b, __m256i z, __m256i zq)
{
    __m256i t = *a;
    *a = barrett(_mm256_add_epi16(t, *b));
    *b = fqmul(_mm256_sub_epi16(*b, t), z, zq);
}

/* The transposes of a chunk's two vectors. */
static inline void tr128(__m256i *x, __m256i *y)
{
    __m256i a = _mm256_permute2x128_si256(*x, *y, 0x20);
    __m256i b = _mm256_permute2x128_si256(*x, *y, 0x31);
    *x = a;
    *y = b;
}

static inline void tr64(__m256i *x, __m256i *y)
{
    __m256i a = _mm256_unpacklo_epi64(*x, *y);
    __m256i b = _mm256_unpackhi_epi64(*x, *y);
    *x = a;
    *y = b;
}

static inline void tr32(__m256i *x, __m256i *y)
{
    __m256i a = _mm256_blend_epi32(*x, _mm256_slli_epi64(*y, 32), 0xaa);
    __m256i b = _mm256_blend_epi32(_mm256_srli_epi64(*x, 32), *y, 0xaa);
    *x = a;
    *y = b;
}

/* ζ vectors for the in-chunk layers: two ζ over 128-bit halves, four over
 * 64-bit quarters, eight over 32-bit pairs (in the order given). */
static inline __m256i zeta2(int16_t z0, int16_t z1)
{
    return _mm256_set_m128i(_mm_set1_epi16(z1), _mm_set1_epi16(z0));
}

static inline __m256i spread4(__m128i z) /* four int16 in the low 64 bits */
{
    __m256i q = _mm256_cvtepu16_epi64(z);
    q = _mm256_or_si256(q, _mm256_slli_epi64(q, 16));
    return _mm256_or_si256(q, _mm256_slli_epi64(q, 32));
}

static inline __m256i spread8(__m128i z)
{
    __m256i d = _mm256_cvtepu16_epi32(z);
    return _mm256_or_si256(d, _mm256_slli_epi32(d, 16));
}

static void ntt_avx2(struct mlkem_poly *f)
{
    int16_t *c = f->c;
    unsigned k = 1;
    for (unsigned len = 128; len >= 16; len >>= 1) {
        for (unsigned start = 0; start < N; start += 2 * len) {
            __m256i z = _mm256_set1_epi16(mlkem_zetas[k++]), zq = zq_of(z);
            for (unsigned j = start; j < start + len; j += 16) {
                __m256i a = vload(c + j), b = vload(c + j + len);
                ct_bfly(&a, &b, z, zq);
                vstore(c + j, a);
                vstore(c + j + len, b);
            }
        }
    }
    for (unsigned ch = 0; ch < N / 32; ch++) {
        __m256i x = vload(c + 32 * ch), y = vload(c + 32 * ch + 16), z;
        tr128(&x, &y);
        z = zeta2(mlkem_zetas[16 + 2 * ch], mlkem_zetas[17 + 2 * ch]);
        ct_bfly(&x, &y, z, zq_of(z));
        tr64(&x, &y);
        z = spread4(_mm_loadl_epi64((const __m128i *)&mlkem_zetas[32 + 4 * ch]));
        ct_bfly(&x, &y, z, zq_of(z));
        tr32(&x, &y);
        z = spread8(_mm_loadu_si128((const __m128i *)&mlkem_zetas[64 + 8 * ch]));
        ct_bfly(&x, &y, z, zq_of(z));
        x = barrett(x);
        y = barrett(y);
        tr32(&x, &y);
        tr64(&x, &y);
        tr128(&x, &y);
        vstore(c + 32 * ch, x);
        vstore(c + 32 * ch + 16, y);
    }
}

static void invntt_avx2(struct mlkem_poly *f)
{
    int16_t *c = f->c;
    /* Reverses the eight int16 of a 128-bit vector. */
    const __m128i rev8 = _mm_setr_epi8(14, 15, 12, 13, 10, 11, 8, 9, 6, 7, 4, 5, 2, 3, 0, 1);
    for (unsigned ch = 0; ch < N / 32; ch++) {
        __m256i x = vload(c + 32 * ch), y = vload(c + 32 * ch + 16), z;
        tr128(&x, &y);
        tr64(&x, &y);
        tr32(&x, &y);
        /* Blocks 8ch .. 8ch+7 of distance 2 take ζ 127-8ch down to 120-8ch. */
        z = spread8(
            _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)&mlkem_zetas[120 - 8 * ch]), rev8));
        gs_bfly(&x, &y, z, zq_of(z));
        tr32(&x, &y);
        z = spread4(
            _mm_shufflelo_epi16(_mm_loadl_epi64((const __m128i *)&mlkem_zetas[60 - 4 * ch]), 0x1b));
        gs_bfly(&x, &y, z, zq_of(z));
        tr64(&x, &y);
        z = zeta2(mlkem_zetas[31 - 2 * ch], mlkem_zetas[30 - 2 * ch]);
        gs_bfly(&x, &y, z, zq_of(z));
        tr128(&x, &y);
        vstore(c + 32 * ch, x);
        vstore(c + 32 * ch + 16, y);
    }
    unsigned k = 15;
    for (unsigned len = 16; len <= 128; len <<= 1) {
        for (unsigned start = 0; start < N; start += 2 * len) {
            __m256i z = _mm256_set1_epi16(mlkem_zetas[k--]), zq = zq_of(z);
            for (unsigned j = start; j < start + len; j += 16) {
                __m256i a = vload(c + j), b = vload(c + j + len);
                gs_bfly(&a, &b, z, zq);
                vstore(c + j, a);
                vstore(c + j + len, b);
            }
        }
    }
    __m256i fz = _mm256_set1_epi16(INVNTT_F), fzq = zq_of(fz);
    for (unsigned j = 0; j < N; j += 16)
        vstore(c + j, fqmul(vload(c + j), fz, fzq));
}

static void basemul_acc_avx2(struct mlkem_poly *r, const struct mlkem_poly a[K],
                             const struct mlkem_poly b[K])
{
    const __m256i zero = _mm256_setzero_si256();
    for (unsigned i = 0; i < N; i += 16) {
        /* Odd coefficients 1, 3 of each group of four: γ and -γ, γ the
         * group's ζ (mlkem.c, poly_basemul_acc). */
        __m256i g =
            _mm256_cvtepu16_epi64(_mm_loadl_epi64((const __m128i *)&mlkem_zetas[64 + i / 4]));
        __m256i ng = _mm256_sub_epi16(zero, g);
        g = _mm256_or_si256(_mm256_slli_epi64(g, 16), _mm256_slli_epi64(ng, 48));
        __m256i gq = zq_of(g);
        __m256i even = zero, odd = zero;
        for (unsigned v = 0; v < K; v++) {
            __m256i av = vload(a[v].c + i), bv = vload(b[v].c + i);
            __m256i bg = _mm256_blend_epi16(bv, fqmul(bv, g, gq), 0xaa);
            __m256i bs = _mm256_or_si256(_mm256_slli_epi32(bv, 16), _mm256_srli_epi32(bv, 16));
            even = _mm256_add_epi32(even, _mm256_madd_epi16(av, bg));
            odd = _mm256_add_epi32(odd, _mm256_madd_epi16(av, bs));
        }
        /* Montgomery reduction of the 32-bit sums, back in coefficient
         * order: low and high halves gathered into 16-bit lanes. */
        __m256i lo = _mm256_blend_epi16(even, _mm256_slli_epi32(odd, 16), 0xaa);
        __m256i hi = _mm256_blend_epi16(_mm256_srli_epi32(even, 16), odd, 0xaa);
        __m256i t = _mm256_mullo_epi16(lo, _mm256_set1_epi16(QINV));
        vstore(r->c + i, _mm256_sub_epi16(hi, _mm256_mulhi_epi16(t, _mm256_set1_epi16(Q))));
    }
}

/* ---- sampling ---- */

/* SampleNTT's rejection (Algorithm 7 steps 5-16) on public bytes, sixteen
 * candidates from 24 bytes at a time: each 16-bit lane gathers the two
 * bytes holding its 12 bits, odd lanes shift by 4, a compare with q gives
 * the accepted lanes, and a shuffle from a table indexed by each half's
 * 8-bit mask packs them to the front. The table (256 masks) is made once. */
static uint8_t pack_table[256][16];
static pthread_once_t pack_once = PTHREAD_ONCE_INIT;

static void pack_table_make(void)
{
    for (unsigned m = 0; m < 256; m++) {
        unsigned k = 0;
        memset(pack_table[m], 0x80, 16); /* unused: zero */
        for (unsigned j = 0; j < 8; j++)
            if (m >> j & 1) {
                pack_table[m][2 * k] = (uint8_t)(2 * j);
                pack_table[m][2 * k + 1] = (uint8_t)(2 * j + 1);
                k++;
            }
    }
}

static unsigned parse_uniform_avx2(struct mlkem_poly *r, unsigned n, const uint8_t *buf,
                                   unsigned len)
{
    pthread_once(&pack_once, pack_table_make);
    const __m256i idx = _mm256_setr_epi8(0, 1, 1, 2, 3, 4, 4, 5, 6, 7, 7, 8, 9, 10, 10, 11, 4, 5, 5,
                                         6, 7, 8, 8, 9, 10, 11, 11, 12, 13, 14, 14, 15);
    const __m256i mask12 = _mm256_set1_epi16(0x0fff), q = _mm256_set1_epi16(Q);
    unsigned i = 0;
    /* 32 bytes are loaded for 24; the output takes up to 16 lanes. */
    for (; i + 32 <= len && n + 16 <= N; i += 24) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(buf + i));
        v = _mm256_permute4x64_epi64(v, 0x94); /* bytes 0-15 | 8-23 */
        v = _mm256_shuffle_epi8(v, idx);
        v = _mm256_blend_epi16(v, _mm256_srli_epi16(v, 4), 0xaa);
        v = _mm256_and_si256(v, mask12);
        __m256i good = _mm256_cmpgt_epi16(q, v);
        unsigned bits = (unsigned)_mm256_movemask_epi8(
            _mm256_packs_epi16(good, _mm256_setzero_si256())); /* 0-7 and 16-23 */
        unsigned m0 = bits & 0xff, m1 = (bits >> 16) & 0xff;
        __m128i lo = _mm256_castsi256_si128(v), hi = _mm256_extracti128_si256(v, 1);
        _mm_storeu_si128((__m128i *)&r->c[n],
                         _mm_shuffle_epi8(lo, _mm_loadu_si128((const __m128i *)pack_table[m0])));
        n += (unsigned)__builtin_popcount(m0);
        _mm_storeu_si128((__m128i *)&r->c[n],
                         _mm_shuffle_epi8(hi, _mm_loadu_si128((const __m128i *)pack_table[m1])));
        n += (unsigned)__builtin_popcount(m1);
    }
    return mlkem_parse_uniform(r, n, buf + i, len - i);
}

/* SamplePolyCBD_2 (Algorithm 8), 32 coefficients from 16 bytes: the bit
 * pairs of each byte summed (bytes never mix), then each nibble's two sums
 * subtracted, low nibble first, and the bytes sign-extended. */
static void cbd2_avx2(struct mlkem_poly *r, const uint8_t buf[128])
{
    const __m128i m55 = _mm_set1_epi8(0x55), m03 = _mm_set1_epi8(0x03);
    for (unsigned k = 0; k < 8; k++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(buf + 16 * k));
        __m128i t = _mm_add_epi8(_mm_and_si128(x, m55), _mm_and_si128(_mm_srli_epi16(x, 1), m55));
        __m128i lo = _mm_sub_epi8(_mm_and_si128(t, m03), _mm_and_si128(_mm_srli_epi16(t, 2), m03));
        __m128i hi = _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(t, 4), m03),
                                  _mm_and_si128(_mm_srli_epi16(t, 6), m03));
        vstore(r->c + 32 * k, _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(lo, hi)));
        vstore(r->c + 32 * k + 16, _mm256_cvtepi8_epi16(_mm_unpackhi_epi8(lo, hi)));
    }
}

/* ---- (de)compression ---- */

/* Compress_d (FIPS 203 §4.2.1) of the representative in [0, q):
 * floor((2^d x + 1664) / q), the division a multiplication by
 * ceil(2^35 / q) and a shift, exact below 2^22 (mlkem.c's compress, eight
 * 32-bit lanes at a time through the 32x32->64 multiply). */
static inline __m256i compress8(__m256i x32, unsigned d)
{
    const __m256i m = _mm256_set1_epi32(10321340), half = _mm256_set1_epi32(1664);
    __m256i n = _mm256_add_epi32(_mm256_sll_epi32(x32, _mm_cvtsi32_si128((int)d)), half);
    __m256i even = _mm256_srli_epi64(_mm256_mul_epu32(n, m), 35);
    __m256i odd = _mm256_srli_epi64(_mm256_mul_epu32(_mm256_srli_epi64(n, 32), m), 35);
    __m256i r = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xaa);
    return _mm256_and_si256(r, _mm256_set1_epi32((1 << d) - 1));
}

static void compress_avx2(uint16_t out[N], const struct mlkem_poly *a, unsigned d)
{
    const __m256i q = _mm256_set1_epi16(Q);
    for (unsigned i = 0; i < N; i += 16) {
        __m256i x = barrett(vload(a->c + i));
        x = _mm256_add_epi16(x, _mm256_and_si256(_mm256_srai_epi16(x, 15), q)); /* [0, q) */
        if (d != 12) {
            __m256i lo = compress8(_mm256_cvtepu16_epi32(_mm256_castsi256_si128(x)), d);
            __m256i hi = compress8(_mm256_cvtepu16_epi32(_mm256_extracti128_si256(x, 1)), d);
            /* Back to 16-bit lanes in order (packus works per 128-bit half). */
            x = _mm256_permute4x64_epi64(_mm256_packus_epi32(lo, hi), 0xd8);
        }
        _mm256_storeu_si256((__m256i *)(out + i), x);
    }
}

/* ByteDecode12 of 24 bytes (16 coefficients) per step: the same byte
 * gather as the rejection sampler; with the modulus check's mask. Each
 * step reads a 32-byte copy, so nothing past the input is loaded. */
static uint16_t decode12_avx2(struct mlkem_poly *r, const uint8_t in[384])
{
    const __m256i idx = _mm256_setr_epi8(0, 1, 1, 2, 3, 4, 4, 5, 6, 7, 7, 8, 9, 10, 10, 11, 4, 5, 5,
                                         6, 7, 8, 8, 9, 10, 11, 11, 12, 13, 14, 14, 15);
    const __m256i mask12 = _mm256_set1_epi16(0x0fff), qm1 = _mm256_set1_epi16(Q - 1);
    __m256i bad = _mm256_setzero_si256();
    for (unsigned i = 0; i < N / 16; i++) {
        uint8_t b[32] = {0};
        memcpy(b, in + 24 * i, 24);
        __m256i v = _mm256_permute4x64_epi64(_mm256_loadu_si256((const __m256i *)b), 0x94);
        v = _mm256_shuffle_epi8(v, idx);
        v = _mm256_and_si256(_mm256_blend_epi16(v, _mm256_srli_epi16(v, 4), 0xaa), mask12);
        bad = _mm256_or_si256(bad, _mm256_cmpgt_epi16(v, qm1));
        vstore(r->c + 16 * i, v);
    }
    /* All ones if any lane was: no branch on the key's values. */
    return (uint16_t)(0u - (uint16_t)(_mm256_testz_si256(bad, bad) == 0));
}

/* Decompress_10(ByteDecode_10): 20 bytes give 16 coefficients; each lane
 * takes the two bytes holding its 10 bits, multiplies them into place
 * (AVX2 has no per-lane 16-bit shift), and round(q y / 2^10) is a rounding
 * multiply: (32 y) q + 2^14 >> 15. */
static void decode_du_avx2(struct mlkem_poly *r, const uint8_t in[320])
{
    const __m256i idx = _mm256_setr_epi8(0, 1, 1, 2, 2, 3, 3, 4, 5, 6, 6, 7, 7, 8, 8, 9, 0, 1, 1, 2,
                                         2, 3, 3, 4, 5, 6, 6, 7, 7, 8, 8, 9);
    const __m256i place = _mm256_setr_epi16(64, 16, 4, 1, 64, 16, 4, 1, 64, 16, 4, 1, 64, 16, 4, 1);
    const __m256i mask = _mm256_set1_epi16(0x3ff), q = _mm256_set1_epi16(Q);
    for (unsigned i = 0; i < N / 16; i++) {
        uint8_t b[32] = {0};
        memcpy(b, in + 20 * i, 10);
        memcpy(b + 16, in + 20 * i + 10, 10);
        __m256i v = _mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i *)b), idx);
        v = _mm256_and_si256(_mm256_srli_epi16(_mm256_mullo_epi16(v, place), 6), mask);
        vstore(r->c + 16 * i, _mm256_mulhrs_epi16(_mm256_slli_epi16(v, 5), q));
    }
}

/* Decompress_4(ByteDecode_4): nibbles to lanes, then (2^11 y) q + 2^14 >> 15. */
static void decode_dv_avx2(struct mlkem_poly *r, const uint8_t in[128])
{
    const __m128i m0f = _mm_set1_epi8(0x0f);
    const __m256i q = _mm256_set1_epi16(Q);
    for (unsigned i = 0; i < N / 32; i++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(in + 16 * i));
        __m128i lo = _mm_and_si128(x, m0f), hi = _mm_and_si128(_mm_srli_epi16(x, 4), m0f);
        __m256i a = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(lo, hi));
        __m256i b = _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(lo, hi));
        vstore(r->c + 32 * i, _mm256_mulhrs_epi16(_mm256_slli_epi16(a, 11), q));
        vstore(r->c + 32 * i + 16, _mm256_mulhrs_epi16(_mm256_slli_epi16(b, 11), q));
    }
}

const struct mlkem_ops mlkem_ops_avx2 = {
    .name = "avx2",
    .ntt = ntt_avx2,
    .invntt = invntt_avx2,
    .basemul_acc = basemul_acc_avx2,
    .hash_batch = sha3x4_run_jobs,
    .parse_uniform = parse_uniform_avx2,
    .cbd2 = cbd2_avx2,
    .compress = compress_avx2,
    .decode12 = decode12_avx2,
    .decode_du = decode_du_avx2,
    .decode_dv = decode_dv_avx2,
};
#elif defined(MLKEM_HAVE_AVX2)
#error "mlkem_avx2.c must be built with -mavx2 (see CMakeLists.txt)"
#else
/* This build has no AVX2 path (TERN_MLKEM_PORTABLE, or not x86-64). */
typedef int mlkem_avx2_unused;
#endif
