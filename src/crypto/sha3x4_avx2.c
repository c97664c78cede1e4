/* Four Keccak-f[1600] states side by side in AVX2 registers: lane (x, y) of
 * state s is 64-bit element s of vector x + 5y. The round is the scalar one
 * of sha3.c (θ, ρ and π together, χ, ι; FIPS 202 §3.2) with each 64-bit
 * operation on four states at once; AVX2 has no 64-bit rotate, so a
 * rotation is two shifts and an OR, except by 8 and 56, which move whole
 * bytes and are one byte shuffle. ML-KEM uses it to expand the matrix (four
 * SHAKE-128 streams) and the noise (four SHAKE-256 streams) at once.
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

#define ROL(v, n) _mm256_or_si256(_mm256_slli_epi64((v), (n)), _mm256_srli_epi64((v), 64 - (n)))

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

#define ANDN(a, b) _mm256_andnot_si256((a), (b)) /* ~a & b */
#define XOR(a, b)  _mm256_xor_si256((a), (b))

void sha3x4_keccak_f1600(struct sha3x4_state *st)
{
    __m256i a[25];
    for (int i = 0; i < 25; i++)
        a[i] = _mm256_load_si256((const __m256i *)&st->lane[i][0]);
    __m256i c0, c1, c2, c3, c4, d0, d1, d2, d3, d4;
    __m256i b[25];
    for (int round = 0; round < 24; round++) {
        c0 = XOR(XOR(XOR(a[0], a[5]), XOR(a[10], a[15])), a[20]);
        c1 = XOR(XOR(XOR(a[1], a[6]), XOR(a[11], a[16])), a[21]);
        c2 = XOR(XOR(XOR(a[2], a[7]), XOR(a[12], a[17])), a[22]);
        c3 = XOR(XOR(XOR(a[3], a[8]), XOR(a[13], a[18])), a[23]);
        c4 = XOR(XOR(XOR(a[4], a[9]), XOR(a[14], a[19])), a[24]);
        d0 = XOR(c4, ROL(c1, 1));
        d1 = XOR(c0, ROL(c2, 1));
        d2 = XOR(c1, ROL(c3, 1));
        d3 = XOR(c2, ROL(c4, 1));
        d4 = XOR(c3, ROL(c0, 1));
        /* ρ and π: the same offsets and destinations as sha3.c. */
        b[0] = XOR(a[0], d0);
        b[1] = ROL(XOR(a[6], d1), 44);
        b[2] = ROL(XOR(a[12], d2), 43);
        b[3] = ROL(XOR(a[18], d3), 21);
        b[4] = ROL(XOR(a[24], d4), 14);
        b[5] = ROL(XOR(a[3], d3), 28);
        b[6] = ROL(XOR(a[9], d4), 20);
        b[7] = ROL(XOR(a[10], d0), 3);
        b[8] = ROL(XOR(a[16], d1), 45);
        b[9] = ROL(XOR(a[22], d2), 61);
        b[10] = ROL(XOR(a[1], d1), 1);
        b[11] = ROL(XOR(a[7], d2), 6);
        b[12] = ROL(XOR(a[13], d3), 25);
        b[13] = rol8(XOR(a[19], d4));
        b[14] = ROL(XOR(a[20], d0), 18);
        b[15] = ROL(XOR(a[4], d4), 27);
        b[16] = ROL(XOR(a[5], d0), 36);
        b[17] = ROL(XOR(a[11], d1), 10);
        b[18] = ROL(XOR(a[17], d2), 15);
        b[19] = rol56(XOR(a[23], d3));
        b[20] = ROL(XOR(a[2], d2), 62);
        b[21] = ROL(XOR(a[8], d3), 55);
        b[22] = ROL(XOR(a[14], d4), 39);
        b[23] = ROL(XOR(a[15], d0), 41);
        b[24] = ROL(XOR(a[21], d1), 2);
        /* χ, row by row. */
        for (int y = 0; y < 25; y += 5) {
            a[y + 0] = XOR(b[y + 0], ANDN(b[y + 1], b[y + 2]));
            a[y + 1] = XOR(b[y + 1], ANDN(b[y + 2], b[y + 3]));
            a[y + 2] = XOR(b[y + 2], ANDN(b[y + 3], b[y + 4]));
            a[y + 3] = XOR(b[y + 3], ANDN(b[y + 4], b[y + 0]));
            a[y + 4] = XOR(b[y + 4], ANDN(b[y + 0], b[y + 1]));
        }
        a[0] = XOR(a[0], _mm256_set1_epi64x((long long)rc4[round]));
    }
    for (int i = 0; i < 25; i++)
        _mm256_store_si256((__m256i *)&st->lane[i][0], a[i]);
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
    /* Each job to the least loaded lane (costs depend on public lengths only). */
    for (unsigned i = 0; i < n; i++) {
        unsigned best = 0;
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
            size_t len = j->in_len[0] + j->in_len[1], rate = j->rate, take = rate;
            memset(block, 0, rate);
            if (len - l->pos < rate) { /* the last block: pad10*1 (FIPS 202 §5.1) */
                take = len - l->pos;
                block[take] ^= j->dsbyte;
                block[rate - 1] ^= 0x80;
                l->squeezing = true;
            }
            gather(j, l->pos, take, block);
            l->pos += take;
            for (size_t i = 0; i < rate / 8; i++) {
                uint64_t w;
                memcpy(&w, block + 8 * i, 8);
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
            for (size_t i = 0; i < give; i += 8) {
                uint8_t w[8];
                memcpy(w, &st.lane[i / 8][s], 8);
                memcpy(j->out + l->done + i, w, give - i < 8 ? give - i : 8);
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
