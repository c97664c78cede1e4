/* SHA-3 and SHAKE (FIPS 202): Keccak-f[1600] with the sponge around it. */
#include "crypto/sha3.h"

#include "base/mem.h"

#include <string.h>

/* Round constants RC[i] (FIPS 202 §3.2.5, Algorithm 5 rc(t) folded into
 * lanes). */
static const uint64_t keccak_rc[24] = {
    0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808aull, 0x8000000080008000ull,
    0x000000000000808bull, 0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull,
    0x000000000000008aull, 0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000aull,
    0x000000008000808bull, 0x800000000000008bull, 0x8000000000008089ull, 0x8000000000008003ull,
    0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800aull, 0x800000008000000aull,
    0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull,
};

static inline uint64_t rol64(uint64_t v, unsigned n)
{
    return (v << n) | (v >> ((64 - n) & 63));
}

/* One straight-line round keeps the 25 lanes in locals (registers where the
 * target has them): θ (FIPS 202 §3.2.1) as column parities c and their
 * mixes d; ρ and π together (§3.2.2-3: lane (x, y) rotated by its offset
 * lands at B[y, 2x + 3y]); χ row by row (§3.2.4); ι (§3.2.5). The offsets
 * and destinations were generated from the definitions; the known-answer
 * tests check them. */
void sha3_keccak_f1600(uint64_t a[25])
{
    uint64_t a00 = a[0];
    uint64_t a01 = a[1];
    uint64_t a02 = a[2];
    uint64_t a03 = a[3];
    uint64_t a04 = a[4];
    uint64_t a05 = a[5];
    uint64_t a06 = a[6];
    uint64_t a07 = a[7];
    uint64_t a08 = a[8];
    uint64_t a09 = a[9];
    uint64_t a10 = a[10];
    uint64_t a11 = a[11];
    uint64_t a12 = a[12];
    uint64_t a13 = a[13];
    uint64_t a14 = a[14];
    uint64_t a15 = a[15];
    uint64_t a16 = a[16];
    uint64_t a17 = a[17];
    uint64_t a18 = a[18];
    uint64_t a19 = a[19];
    uint64_t a20 = a[20];
    uint64_t a21 = a[21];
    uint64_t a22 = a[22];
    uint64_t a23 = a[23];
    uint64_t a24 = a[24];
    uint64_t c0, c1, c2, c3, c4, d0, d1, d2, d3, d4;
    uint64_t b00, b01, b02, b03, b04, b05, b06, b07, b08, b09, b10, b11, b12;
    uint64_t b13, b14, b15, b16, b17, b18, b19, b20, b21, b22, b23, b24;
    for (int round = 0; round < 24; round++) {
        c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20;
        c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21;
        c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22;
        c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23;
        c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24;
        d0 = c4 ^ rol64(c1, 1);
        d1 = c0 ^ rol64(c2, 1);
        d2 = c1 ^ rol64(c3, 1);
        d3 = c2 ^ rol64(c4, 1);
        d4 = c3 ^ rol64(c0, 1);
        b00 = a00 ^ d0;
        b01 = rol64(a06 ^ d1, 44);
        b02 = rol64(a12 ^ d2, 43);
        b03 = rol64(a18 ^ d3, 21);
        b04 = rol64(a24 ^ d4, 14);
        b05 = rol64(a03 ^ d3, 28);
        b06 = rol64(a09 ^ d4, 20);
        b07 = rol64(a10 ^ d0, 3);
        b08 = rol64(a16 ^ d1, 45);
        b09 = rol64(a22 ^ d2, 61);
        b10 = rol64(a01 ^ d1, 1);
        b11 = rol64(a07 ^ d2, 6);
        b12 = rol64(a13 ^ d3, 25);
        b13 = rol64(a19 ^ d4, 8);
        b14 = rol64(a20 ^ d0, 18);
        b15 = rol64(a04 ^ d4, 27);
        b16 = rol64(a05 ^ d0, 36);
        b17 = rol64(a11 ^ d1, 10);
        b18 = rol64(a17 ^ d2, 15);
        b19 = rol64(a23 ^ d3, 56);
        b20 = rol64(a02 ^ d2, 62);
        b21 = rol64(a08 ^ d3, 55);
        b22 = rol64(a14 ^ d4, 39);
        b23 = rol64(a15 ^ d0, 41);
        b24 = rol64(a21 ^ d1, 2);
        a00 = b00 ^ (~b01 & b02);
        a01 = b01 ^ (~b02 & b03);
        a02 = b02 ^ (~b03 & b04);
        a03 = b03 ^ (~b04 & b00);
        a04 = b04 ^ (~b00 & b01);
        a05 = b05 ^ (~b06 & b07);
        a06 = b06 ^ (~b07 & b08);
        a07 = b07 ^ (~b08 & b09);
        a08 = b08 ^ (~b09 & b05);
        a09 = b09 ^ (~b05 & b06);
        a10 = b10 ^ (~b11 & b12);
        a11 = b11 ^ (~b12 & b13);
        a12 = b12 ^ (~b13 & b14);
        a13 = b13 ^ (~b14 & b10);
        a14 = b14 ^ (~b10 & b11);
        a15 = b15 ^ (~b16 & b17);
        a16 = b16 ^ (~b17 & b18);
        a17 = b17 ^ (~b18 & b19);
        a18 = b18 ^ (~b19 & b15);
        a19 = b19 ^ (~b15 & b16);
        a20 = b20 ^ (~b21 & b22);
        a21 = b21 ^ (~b22 & b23);
        a22 = b22 ^ (~b23 & b24);
        a23 = b23 ^ (~b24 & b20);
        a24 = b24 ^ (~b20 & b21);
        a00 ^= keccak_rc[round];
    }
    a[0] = a00;
    a[1] = a01;
    a[2] = a02;
    a[3] = a03;
    a[4] = a04;
    a[5] = a05;
    a[6] = a06;
    a[7] = a07;
    a[8] = a08;
    a[9] = a09;
    a[10] = a10;
    a[11] = a11;
    a[12] = a12;
    a[13] = a13;
    a[14] = a14;
    a[15] = a15;
    a[16] = a16;
    a[17] = a17;
    a[18] = a18;
    a[19] = a19;
    a[20] = a20;
    a[21] = a21;
    a[22] = a22;
    a[23] = a23;
    a[24] = a24;
}

static void sha3_init(struct sha3_ctx *c, unsigned rate, uint8_t dsbyte)
{
    memset(c, 0, sizeof(*c));
    c->rate = (uint8_t)rate;
    c->dsbyte = dsbyte;
}

/* Output lengths fix the capacity at twice the security level (FIPS 202 §6). */
void sha3_256_init(struct sha3_ctx *c)
{
    sha3_init(c, 200 - 2 * SHA3_256_LEN, 0x06);
}

void sha3_512_init(struct sha3_ctx *c)
{
    sha3_init(c, 200 - 2 * SHA3_512_LEN, 0x06);
}

void shake128_init(struct sha3_ctx *c)
{
    sha3_init(c, SHAKE128_RATE, 0x1f);
}

void shake256_init(struct sha3_ctx *c)
{
    sha3_init(c, SHAKE256_RATE, 0x1f);
}

/* Bytes map to lanes little-endian (FIPS 202 §B.1). */
static inline void xor_byte(uint64_t *st, size_t i, uint8_t v)
{
    st[i / 8] ^= (uint64_t)v << (8 * (i % 8));
}

static inline uint64_t load64_le(const uint8_t *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
}

static inline void store64_le(uint8_t *p, uint64_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
    p[4] = (uint8_t)(v >> 32);
    p[5] = (uint8_t)(v >> 40);
    p[6] = (uint8_t)(v >> 48);
    p[7] = (uint8_t)(v >> 56);
}

void sha3_absorb(struct sha3_ctx *c, const void *in, size_t len)
{
    const uint8_t *p = in;
    if (c->squeezing)
        return; /* a caller bug; the sponge cannot take input once finalised */
    /* Finish an open block byte by byte. */
    while (len > 0 && c->pos != 0) {
        xor_byte(c->st, c->pos, *p++);
        len--;
        if (++c->pos == c->rate) {
            sha3_keccak_f1600(c->st);
            c->pos = 0;
        }
    }
    /* Whole blocks a lane at a time (every rate used here is a multiple of 8). */
    while (len >= c->rate) {
        for (size_t i = 0; i < c->rate / 8; i++)
            c->st[i] ^= load64_le(p + 8 * i);
        sha3_keccak_f1600(c->st);
        p += c->rate;
        len -= c->rate;
    }
    while (len > 0) {
        xor_byte(c->st, c->pos++, *p++);
        len--;
    }
}

void sha3_squeeze(struct sha3_ctx *c, void *out, size_t len)
{
    uint8_t *o = out;
    if (!c->squeezing) {
        /* pad10*1 after the domain bits (FIPS 202 §5.1, §6.1, §6.2). */
        xor_byte(c->st, c->pos, c->dsbyte);
        xor_byte(c->st, c->rate - 1u, 0x80);
        sha3_keccak_f1600(c->st);
        c->pos = 0;
        c->squeezing = true;
    }
    while (len > 0) {
        if (c->pos == c->rate) {
            sha3_keccak_f1600(c->st);
            c->pos = 0;
        }
        if (c->pos == 0 && len >= c->rate) {
            /* A whole block straight out. */
            for (size_t i = 0; i < c->rate / 8; i++)
                store64_le(o + 8 * i, c->st[i]);
            o += c->rate;
            len -= c->rate;
            c->pos = c->rate;
            continue;
        }
        *o++ = (uint8_t)(c->st[c->pos / 8] >> (8 * (c->pos % 8)));
        c->pos++;
        len--;
    }
}

void sha3_run_jobs(const struct sha3_job *jobs, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        struct sha3_ctx c;
        sha3_init(&c, jobs[i].rate, jobs[i].dsbyte);
        sha3_absorb(&c, jobs[i].in[0], jobs[i].in_len[0]);
        sha3_absorb(&c, jobs[i].in[1], jobs[i].in_len[1]);
        sha3_squeeze(&c, jobs[i].out, jobs[i].out_len);
        sha3_wipe(&c);
    }
}

void sha3_wipe(struct sha3_ctx *c)
{
    tern_memzero(c, sizeof(*c));
}

void sha3_256(const void *in, size_t len, uint8_t out[SHA3_256_LEN])
{
    struct sha3_ctx c;
    sha3_256_init(&c);
    sha3_absorb(&c, in, len);
    sha3_squeeze(&c, out, SHA3_256_LEN);
    sha3_wipe(&c);
}

void sha3_512(const void *in, size_t len, uint8_t out[SHA3_512_LEN])
{
    struct sha3_ctx c;
    sha3_512_init(&c);
    sha3_absorb(&c, in, len);
    sha3_squeeze(&c, out, SHA3_512_LEN);
    sha3_wipe(&c);
}

void shake128(const void *in, size_t len, uint8_t *out, size_t out_len)
{
    struct sha3_ctx c;
    shake128_init(&c);
    sha3_absorb(&c, in, len);
    sha3_squeeze(&c, out, out_len);
    sha3_wipe(&c);
}

void shake256(const void *in, size_t len, uint8_t *out, size_t out_len)
{
    struct sha3_ctx c;
    shake256_init(&c);
    sha3_absorb(&c, in, len);
    sha3_squeeze(&c, out, out_len);
    sha3_wipe(&c);
}
