/* SHA-3 and SHAKE (FIPS 202), tern's own: ML-KEM needs SHAKE-128/256 as
 * extendable-output functions read incrementally (SampleNTT squeezes as many
 * blocks as its rejection sampling needs), which libcrypto 3.0 cannot do.
 *
 * A context absorbs any number of times, then squeezes any number of times;
 * the first squeeze pads and finalises. Contexts hold no heap memory; wipe a
 * context that absorbed secrets with sha3_wipe. */
#ifndef TERN_CRYPTO_SHA3_H
#define TERN_CRYPTO_SHA3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA3_256_LEN  32
#define SHA3_512_LEN  64
#define SHAKE128_RATE 168
#define SHAKE256_RATE 136

struct sha3_ctx {
    uint64_t st[25]; /* Keccak state, lane (x, y) at index x + 5y */
    uint8_t rate;    /* bytes per block: 200 - 2 * capacity/8 */
    uint8_t pos;     /* absorbing: bytes in the open block; squeezing: bytes used */
    uint8_t dsbyte;  /* domain bits and first padding bit: 0x06 SHA-3, 0x1f SHAKE */
    bool squeezing;
};

void sha3_256_init(struct sha3_ctx *c);
void sha3_512_init(struct sha3_ctx *c);
void shake128_init(struct sha3_ctx *c);
void shake256_init(struct sha3_ctx *c);
/* sha3_absorb feeds more input; only before the first squeeze. */
void sha3_absorb(struct sha3_ctx *c, const void *in, size_t len);
/* sha3_squeeze writes the next len bytes of output (for SHA3-256/512, the
 * digest is the first 32/64 bytes). */
void sha3_squeeze(struct sha3_ctx *c, void *out, size_t len);
void sha3_wipe(struct sha3_ctx *c);

/* One-shot helpers. */
void sha3_256(const void *in, size_t len, uint8_t out[SHA3_256_LEN]);
void sha3_512(const void *in, size_t len, uint8_t out[SHA3_512_LEN]);
void shake128(const void *in, size_t len, uint8_t *out, size_t out_len);
void shake256(const void *in, size_t len, uint8_t *out, size_t out_len);

/* A batch of independent hashes, for ML-KEM, which needs many at once (the
 * matrix, the noise, H(ek) and J): each job hashes in[0] || in[1] with the
 * given rate (168: SHAKE-128; 136: SHAKE-256 or SHA3-256; 72: SHA3-512) and
 * domain byte (0x1f SHAKE, 0x06 SHA-3) into out_len bytes of out.
 * sha3_run_jobs runs them one after another; sha3x4_run_jobs (sha3x4.h),
 * four at a time in AVX2 registers, with the same results. */
struct sha3_job {
    const uint8_t *in[2];
    size_t in_len[2];
    uint8_t *out;
    size_t out_len;
    uint8_t rate;
    uint8_t dsbyte;
};
void sha3_run_jobs(const struct sha3_job *jobs, unsigned n);

/* sha3_keccak_f1600 is the permutation itself (exposed for tests). */
void sha3_keccak_f1600(uint64_t st[25]);

#endif
