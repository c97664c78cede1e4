/* Four SHAKE instances at once (AVX2; sha3x4_avx2.c), for ML-KEM's matrix
 * and noise sampling: inputs of one block or less absorbed once, then
 * output squeezed a block at a time. Only in builds with the AVX2 path and
 * only called after the CPU was found to have AVX2. */
#ifndef TERN_CRYPTO_SHA3X4_H
#define TERN_CRYPTO_SHA3X4_H

#include "crypto/sha3.h"

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sha3x4_state {
    alignas(32) uint64_t lane[25][4]; /* lane[x + 5y][s]: state s's lane (x, y) */
    unsigned squeezed;                /* a block was taken: permute before the next */
};

void sha3x4_keccak_f1600(struct sha3x4_state *st);
/* sha3x4_absorb_once: four SHAKE streams (rate 168: SHAKE-128, 136:
 * SHAKE-256) over inputs of len < rate bytes each. */
void sha3x4_absorb_once(struct sha3x4_state *st, unsigned rate, const uint8_t *const in[4],
                        size_t len);
/* sha3x4_squeeze_block: the next rate bytes of each stream. */
void sha3x4_squeeze_block(struct sha3x4_state *st, unsigned rate, uint8_t *const out[4]);
void sha3x4_wipe(struct sha3x4_state *st);
/* The permutation uses AVX-512 (VL) instructions where the CPU has them;
 * tests turn that off to run the AVX2 rounds too. */
bool sha3x4_avx512_available(void);
void sha3x4_use_avx512(bool on);

/* sha3x4_run_jobs: sha3_run_jobs (sha3.h) four lanes at a time. Jobs are
 * given to lanes so the lanes' permutation counts stay even (a job costs
 * one permutation per input block, padding included, and one per output
 * block after the first; longest first, each to the least loaded lane); a
 * lane that finishes a job starts its next one on the next permutation.
 * n <= SHA3X4_MAX_JOBS. */
#define SHA3X4_MAX_JOBS 16
void sha3x4_run_jobs(const struct sha3_job *jobs, unsigned n);

#endif
