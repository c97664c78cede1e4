/* Four Keccak-f[1600] states side by side in AVX2 registers: lane (x, y) of
 * state s is 64-bit element s of vector x + 5y. The round is the scalar one
 * of sha3.c (θ, ρ and π together, χ, ι; FIPS 202 §3.2) with each 64-bit
 * operation on four states at once; AVX2 has no 64-bit rotate, so a
 * rotation is two shifts and an OR, except by 8 and 56, which move whole
 * bytes and are one byte shuffle. Where the CPU has AVX-512VL, the same
 * rounds use its rotate and three-input logic instructions. ML-KEM uses it to expand the matrix
 * (four SHAKE-128 streams) and the noise (four SHAKE-256 streams) at once.
 *
 * Built with -mavx2 (CMake), called only after the CPU was found to have
 * AVX2 (mlkem.c). */
#include "crypto/sha3x4.h"

#if defined(__AVX2__) && !defined(TERN_MLKEM_PORTABLE)
#include "base/mem.h"

#include <immintrin.h>
#include <stdbool.h>
#include <string.h>

static const uint64_t rc4[24] = {
    0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808aull, 0x8000000080008000ull,
    0x000000000000808bull, 0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull,
    0x000000000000008aull, 0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000aull,
    0x000000008000808bull, 0x800000000000008bull, 0x8000000000008089ull, 0x8000000000008003ull,
    0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800aull, 0x800000008000000aull,
    0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull,
};

static inline __m256i rol8(__m256i v)
{
    /* Each 64-bit lane's bytes moved up by one, the top byte to the bottom. */
    const __m256i m = _mm256_setr_epi8(7, 0, 1, 2, 3, 4, 5, 6, 15, 8, 9, 10, 11, 12, 13, 14, 7, 0,
                                       1, 2, 3, 4, 5, 6, 15, 8, 9, 10, 11, 12, 13, 14);
    return _mm256_shuffle_epi8(v, m);
}

static inline __m256i rol56(__m256i v)
{
    const __m256i m = _mm256_setr_epi8(1, 2, 3, 4, 5, 6, 7, 0, 9, 10, 11, 12, 13, 14, 15, 8, 1, 2,
                                       3, 4, 5, 6, 7, 0, 9, 10, 11, 12, 13, 14, 15, 8);
    return _mm256_shuffle_epi8(v, m);
}

#define XOR(a, b) _mm256_xor_si256((a), (b))

/* The 24 rounds, written once for both instruction sets, over 25 named
 * lanes so the compiler can keep the state in registers: ROLn(v, n)
 * rotates each 64-bit lane left by n, XOR5 is a column parity, CHI(a, b,
 * c) is a ^ (~b & c). ρ and π use the offsets and destinations of sha3.c. */
#define KECCAK4_ROUNDS(ROLn, XOR5, CHI)                                                            \
    do {                                                                                           \
        __m256i A00 = _mm256_load_si256((const __m256i *)&st->lane[0][0]);                         \
        __m256i A01 = _mm256_load_si256((const __m256i *)&st->lane[1][0]);                         \
        __m256i A02 = _mm256_load_si256((const __m256i *)&st->lane[2][0]);                         \
        __m256i A03 = _mm256_load_si256((const __m256i *)&st->lane[3][0]);                         \
        __m256i A04 = _mm256_load_si256((const __m256i *)&st->lane[4][0]);                         \
        __m256i A05 = _mm256_load_si256((const __m256i *)&st->lane[5][0]);                         \
        __m256i A06 = _mm256_load_si256((const __m256i *)&st->lane[6][0]);                         \
        __m256i A07 = _mm256_load_si256((const __m256i *)&st->lane[7][0]);                         \
        __m256i A08 = _mm256_load_si256((const __m256i *)&st->lane[8][0]);                         \
        __m256i A09 = _mm256_load_si256((const __m256i *)&st->lane[9][0]);                         \
        __m256i A10 = _mm256_load_si256((const __m256i *)&st->lane[10][0]);                        \
        __m256i A11 = _mm256_load_si256((const __m256i *)&st->lane[11][0]);                        \
        __m256i A12 = _mm256_load_si256((const __m256i *)&st->lane[12][0]);                        \
        __m256i A13 = _mm256_load_si256((const __m256i *)&st->lane[13][0]);                        \
        __m256i A14 = _mm256_load_si256((const __m256i *)&st->lane[14][0]);                        \
        __m256i A15 = _mm256_load_si256((const __m256i *)&st->lane[15][0]);                        \
        __m256i A16 = _mm256_load_si256((const __m256i *)&st->lane[16][0]);                        \
        __m256i A17 = _mm256_load_si256((const __m256i *)&st->lane[17][0]);                        \
        __m256i A18 = _mm256_load_si256((const __m256i *)&st->lane[18][0]);                        \
        __m256i A19 = _mm256_load_si256((const __m256i *)&st->lane[19][0]);                        \
        __m256i A20 = _mm256_load_si256((const __m256i *)&st->lane[20][0]);                        \
        __m256i A21 = _mm256_load_si256((const __m256i *)&st->lane[21][0]);                        \
        __m256i A22 = _mm256_load_si256((const __m256i *)&st->lane[22][0]);                        \
        __m256i A23 = _mm256_load_si256((const __m256i *)&st->lane[23][0]);                        \
        __m256i A24 = _mm256_load_si256((const __m256i *)&st->lane[24][0]);                        \
        __m256i C0, C1, C2, C3, C4, D0, D1, D2, D3, D4;                                            \
        __m256i B00, B01, B02, B03, B04, B05, B06, B07, B08, B09, B10, B11, B12;                   \
        __m256i B13, B14, B15, B16, B17, B18, B19, B20, B21, B22, B23, B24;                        \
        for (int round = 0; round < 24; round++) {                                                 \
            C0 = XOR5(A00, A05, A10, A15, A20);                                                    \
            C1 = XOR5(A01, A06, A11, A16, A21);                                                    \
            C2 = XOR5(A02, A07, A12, A17, A22);                                                    \
            C3 = XOR5(A03, A08, A13, A18, A23);                                                    \
            C4 = XOR5(A04, A09, A14, A19, A24);                                                    \
            D0 = XOR(C4, ROLn(C1, 1));                                                             \
            D1 = XOR(C0, ROLn(C2, 1));                                                             \
            D2 = XOR(C1, ROLn(C3, 1));                                                             \
            D3 = XOR(C2, ROLn(C4, 1));                                                             \
            D4 = XOR(C3, ROLn(C0, 1));                                                             \
            B00 = XOR(A00, D0);                                                                    \
            B01 = ROLn(XOR(A06, D1), 44);                                                          \
            B02 = ROLn(XOR(A12, D2), 43);                                                          \
            B03 = ROLn(XOR(A18, D3), 21);                                                          \
            B04 = ROLn(XOR(A24, D4), 14);                                                          \
            B05 = ROLn(XOR(A03, D3), 28);                                                          \
            B06 = ROLn(XOR(A09, D4), 20);                                                          \
            B07 = ROLn(XOR(A10, D0), 3);                                                           \
            B08 = ROLn(XOR(A16, D1), 45);                                                          \
            B09 = ROLn(XOR(A22, D2), 61);                                                          \
            B10 = ROLn(XOR(A01, D1), 1);                                                           \
            B11 = ROLn(XOR(A07, D2), 6);                                                           \
            B12 = ROLn(XOR(A13, D3), 25);                                                          \
            B13 = ROLn(XOR(A19, D4), 8);                                                           \
            B14 = ROLn(XOR(A20, D0), 18);                                                          \
            B15 = ROLn(XOR(A04, D4), 27);                                                          \
            B16 = ROLn(XOR(A05, D0), 36);                                                          \
            B17 = ROLn(XOR(A11, D1), 10);                                                          \
            B18 = ROLn(XOR(A17, D2), 15);                                                          \
            B19 = ROLn(XOR(A23, D3), 56);                                                          \
            B20 = ROLn(XOR(A02, D2), 62);                                                          \
            B21 = ROLn(XOR(A08, D3), 55);                                                          \
            B22 = ROLn(XOR(A14, D4), 39);                                                          \
            B23 = ROLn(XOR(A15, D0), 41);                                                          \
            B24 = ROLn(XOR(A21, D1), 2);                                                           \
            A00 = CHI(B00, B01, B02);                                                              \
            A01 = CHI(B01, B02, B03);                                                              \
            A02 = CHI(B02, B03, B04);                                                              \
            A03 = CHI(B03, B04, B00);                                                              \
            A04 = CHI(B04, B00, B01);                                                              \
            A05 = CHI(B05, B06, B07);                                                              \
            A06 = CHI(B06, B07, B08);                                                              \
            A07 = CHI(B07, B08, B09);                                                              \
            A08 = CHI(B08, B09, B05);                                                              \
            A09 = CHI(B09, B05, B06);                                                              \
            A10 = CHI(B10, B11, B12);                                                              \
            A11 = CHI(B11, B12, B13);                                                              \
            A12 = CHI(B12, B13, B14);                                                              \
            A13 = CHI(B13, B14, B10);                                                              \
            A14 = CHI(B14, B10, B11);                                                              \
            A15 = CHI(B15, B16, B17);                                                              \
            A16 = CHI(B16, B17, B18);                                                              \
            A17 = CHI(B17, B18, B19);                                                              \
            A18 = CHI(B18, B19, B15);                                                              \
            A19 = CHI(B19, B15, B16);                                                              \
            A20 = CHI(B20, B21, B22);                                                              \
            A21 = CHI(B21, B22, B23);                                                              \
            A22 = CHI(B22, B23, B24);                                                              \
            A23 = CHI(B23, B24, B20);                                                              \
            A24 = CHI(B24, B20, B21);                                                              \
            A00 = XOR(A00, _mm256_set1_epi64x((long long)rc4[round]));                             \
        }                                                                                          \
        _mm256_store_si256((__m256i *)&st->lane[0][0], A00);                                       \
        _mm256_store_si256((__m256i *)&st->lane[1][0], A01);                                       \
        _mm256_store_si256((__m256i *)&st->lane[2][0], A02);                                       \
        _mm256_store_si256((__m256i *)&st->lane[3][0], A03);                                       \
        _mm256_store_si256((__m256i *)&st->lane[4][0], A04);                                       \
        _mm256_store_si256((__m256i *)&st->lane[5][0], A05);                                       \
        _mm256_store_si256((__m256i *)&st->lane[6][0], A06);                                       \
        _mm256_store_si256((__m256i *)&st->lane[7][0], A07);                                       \
        _mm256_store_si256((__m256i *)&st->lane[8][0], A08);                                       \
        _mm256_store_si256((__m256i *)&st->lane[9][0], A09);                                       \
        _mm256_store_si256((__m256i *)&st->lane[10][0], A10);                                      \
        _mm256_store_si256((__m256i *)&st->lane[11][0], A11);                                      \
        _mm256_store_si256((__m256i *)&st->lane[12][0], A12);                                      \
        _mm256_store_si256((__m256i *)&st->lane[13][0], A13);                                      \
        _mm256_store_si256((__m256i *)&st->lane[14][0], A14);                                      \
        _mm256_store_si256((__m256i *)&st->lane[15][0], A15);                                      \
        _mm256_store_si256((__m256i *)&st->lane[16][0], A16);                                      \
        _mm256_store_si256((__m256i *)&st->lane[17][0], A17);                                      \
        _mm256_store_si256((__m256i *)&st->lane[18][0], A18);                                      \
        _mm256_store_si256((__m256i *)&st->lane[19][0], A19);                                      \
        _mm256_store_si256((__m256i *)&st->lane[20][0], A20);                                      \
        _mm256_store_si256((__m256i *)&st->lane[21][0], A21);                                      \
        _mm256_store_si256((__m256i *)&st->lane[22][0], A22);                                      \
        _mm256_store_si256((__m256i *)&st->lane[23][0], A23);                                      \
        _mm256_store_si256((__m256i *)&st->lane[24][0], A24);                                      \
    } while (0)

/* AVX2: a rotation is two shifts and an OR, except by 8 and 56 (whole
 * bytes: one byte shuffle); the compiler folds the constant n. */
static inline __m256i rol_avx2(__m256i v, int n)
{
    if (n == 8)
        return rol8(v);
    if (n == 56)
        return rol56(v);
    return _mm256_or_si256(_mm256_slli_epi64(v, n), _mm256_srli_epi64(v, 64 - n));
}
#define XOR5_AVX2(a, b, c, d, e) XOR(XOR(XOR((a), (b)), XOR((c), (d))), (e))
#define CHI_AVX2(a, b, c)        XOR((a), _mm256_andnot_si256((b), (c)))

static void keccak4_avx2(struct sha3x4_state *st)
{
    KECCAK4_ROUNDS(rol_avx2, XOR5_AVX2, CHI_AVX2);
}

/* AVX-512 (VL, on the same 256-bit vectors) where the CPU has it: one
 * rotate instruction, and three-input logic (vpternlogq: 0x96 is a ^ b ^ c,
 * 0xd2 is a ^ (~b & c)). Straight-line like the AVX2 rounds, no data-
 * dependent branch or index; valgrind hides AVX-512, so the constant-time
 * test runs the AVX2 rounds, and the differential test in mlkem_test runs
 * these against the portable code on a CPU that has them. */
#define ROL_512(v, n)           _mm256_rol_epi64((v), (n))
#define XOR3_512(a, b, c)       _mm256_ternarylogic_epi64((a), (b), (c), 0x96)
#define XOR5_512(a, b, c, d, e) XOR3_512(XOR3_512((a), (b), (c)), (d), (e))
#define CHI_512(a, b, c)        _mm256_ternarylogic_epi64((a), (b), (c), 0xd2)

__attribute__((target("avx512f,avx512vl"))) static void keccak4_avx512(struct sha3x4_state *st)
{
    KECCAK4_ROUNDS(ROL_512, XOR5_512, CHI_512);
}

/* Tests may turn the AVX-512 rounds off (sha3x4_use_avx512). */
static int avx512_off;

void sha3x4_use_avx512(bool on)
{
    avx512_off = !on;
}

bool sha3x4_avx512_available(void)
{
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
}

void sha3x4_keccak_f1600(struct sha3x4_state *st)
{
    if (!avx512_off && sha3x4_avx512_available())
        keccak4_avx512(st);
    else
        keccak4_avx2(st);
}

/* Bytes map to lanes little-endian (FIPS 202 §B.1); x86 is little-endian, so
 * a byte offset into a lane's uint64_t is a byte offset into memory. */
void sha3x4_absorb_once(struct sha3x4_state *st, unsigned rate, const uint8_t *const in[4],
                        size_t len)
{
    memset(st, 0, sizeof(*st));
    for (unsigned s = 0; s < 4; s++) {
        uint8_t block[200] = {0};
        memcpy(block, in[s], len);
        block[len] ^= 0x1f; /* SHAKE's domain bits and the first padding bit */
        block[rate - 1] ^= 0x80;
        for (unsigned i = 0; i < rate / 8; i++) {
            uint64_t w;
            memcpy(&w, block + 8 * i, 8);
            st->lane[i][s] = w;
        }
        tern_memzero(block, sizeof(block));
    }
    sha3x4_keccak_f1600(st);
}

void sha3x4_squeeze_block(struct sha3x4_state *st, unsigned rate, uint8_t *const out[4])
{
    if (st->squeezed)
        sha3x4_keccak_f1600(st);
    st->squeezed = 1;
    for (unsigned i = 0; i < rate / 8; i++)
        for (unsigned s = 0; s < 4; s++)
            memcpy(out[s] + 8 * i, &st->lane[i][s], 8);
}

void sha3x4_wipe(struct sha3x4_state *st)
{
    tern_memzero(st, sizeof(*st));
}

/* job_cost: the permutations a job takes. */
static unsigned job_cost(const struct sha3_job *j)
{
    size_t len = j->in_len[0] + j->in_len[1];
    size_t out_blocks = (j->out_len + j->rate - 1) / j->rate;
    return (unsigned)(len / j->rate + 1 + (out_blocks ? out_blocks - 1 : 0));
}

/* gather: n bytes of in[0] || in[1] from offset pos. */
static void gather(const struct sha3_job *j, size_t pos, size_t n, uint8_t *dst)
{
    for (size_t part = 0; part < 2 && n > 0; part++) {
        if (pos >= j->in_len[part]) {
            pos -= j->in_len[part];
            continue;
        }
        size_t take = j->in_len[part] - pos < n ? j->in_len[part] - pos : n;
        memcpy(dst, j->in[part] + pos, take);
        dst += take;
        n -= take;
        pos = 0;
    }
}

struct lane {
    unsigned queue[SHA3X4_MAX_JOBS], n_queued, next; /* job indices, in order */
    const struct sha3_job *job;                      /* running, or NULL */
    size_t pos;                                      /* absorbing: input bytes taken */
    size_t done;                                     /* squeezing: output bytes given */
    bool squeezing;
};

static void lane_start(struct sha3x4_state *st, struct lane *l, unsigned s,
                       const struct sha3_job *jobs)
{
    for (unsigned i = 0; i < 25; i++)
        st->lane[i][s] = 0;
    l->job = l->next < l->n_queued ? &jobs[l->queue[l->next++]] : NULL;
    l->pos = 0;
    l->done = 0;
    l->squeezing = false;
}

void sha3x4_run_jobs(const struct sha3_job *jobs, unsigned n)
{
    struct sha3x4_state st;
    struct lane lanes[4];
    unsigned load[4] = {0, 0, 0, 0};
    uint8_t block[200];
    memset(lanes, 0, sizeof(lanes));
    if (n > SHA3X4_MAX_JOBS) { /* a caller bug; stay correct regardless */
        sha3_run_jobs(jobs + SHA3X4_MAX_JOBS, n - SHA3X4_MAX_JOBS);
        n = SHA3X4_MAX_JOBS;
    }
    /* Longest first, each to the least loaded lane (costs depend on public
     * lengths only): H(ek)'s nine blocks take one lane while the matrix
     * entries share the others. Lanes keep the jobs' given order among equals. */
    unsigned order[SHA3X4_MAX_JOBS];
    for (unsigned i = 0; i < n; i++) {
        unsigned k = i;
        while (k > 0 && job_cost(&jobs[order[k - 1]]) < job_cost(&jobs[i])) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = i;
    }
    for (unsigned o = 0; o < n; o++) {
        unsigned i = order[o], best = 0;
        for (unsigned s = 1; s < 4; s++)
            if (load[s] < load[best])
                best = s;
        lanes[best].queue[lanes[best].n_queued++] = i;
        load[best] += job_cost(&jobs[i]);
    }
    memset(&st, 0, sizeof(st));
    for (unsigned s = 0; s < 4; s++)
        lane_start(&st, &lanes[s], s, jobs);
    for (;;) {
        bool any = false;
        for (unsigned s = 0; s < 4; s++) {
            struct lane *l = &lanes[s];
            if (!l->job)
                continue;
            any = true;
            if (l->squeezing)
                continue; /* more output: the permutation below gives it */
            const struct sha3_job *j = l->job;
            size_t len = j->in_len[0] + j->in_len[1], rate = j->rate;
            const uint8_t *src = NULL;
            if (len - l->pos >= rate) {
                /* A whole block: straight from the input where it lies in
                 * one part, else gathered across the two. */
                if (l->pos + rate <= j->in_len[0])
                    src = j->in[0] + l->pos;
                else if (l->pos >= j->in_len[0])
                    src = j->in[1] + (l->pos - j->in_len[0]);
                else {
                    gather(j, l->pos, rate, block);
                    src = block;
                }
                l->pos += rate;
            } else { /* the last block: pad10*1 (FIPS 202 §5.1) */
                size_t take = len - l->pos;
                memset(block, 0, sizeof(block));
                gather(j, l->pos, take, block);
                block[take] ^= j->dsbyte;
                block[rate - 1] ^= 0x80;
                l->pos += take;
                l->squeezing = true;
                src = block;
            }
            for (size_t i = 0; i < rate / 8; i++) {
                uint64_t w;
                memcpy(&w, src + 8 * i, 8);
                st.lane[i][s] ^= w;
            }
        }
        if (!any)
            break;
        sha3x4_keccak_f1600(&st);
        for (unsigned s = 0; s < 4; s++) {
            struct lane *l = &lanes[s];
            if (!l->job || !l->squeezing)
                continue;
            const struct sha3_job *j = l->job;
            size_t give = j->out_len - l->done < j->rate ? j->out_len - l->done : j->rate;
            uint8_t *o = j->out + l->done;
            size_t i = 0;
            for (; i + 8 <= give; i += 8)
                memcpy(o + i, &st.lane[i / 8][s], 8);
            if (i < give) {
                uint8_t w[8];
                memcpy(w, &st.lane[i / 8][s], 8);
                memcpy(o + i, w, give - i);
            }
            l->done += give;
            if (l->done == j->out_len)
                lane_start(&st, l, s, jobs);
        }
    }
    tern_memzero(block, sizeof(block));
    sha3x4_wipe(&st);
}
#else
/* This build has no AVX2 path (TERN_MLKEM_PORTABLE, or not x86-64). */
typedef int sha3x4_unused;
#endif
