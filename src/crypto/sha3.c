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

/* ρ offsets for lane x + 5y (FIPS 202 §3.2.2), and where π sends that lane:
 * B[y, 2x + 3y] = A[x, y] (§3.2.3), as an index y + 5((2x + 3y) mod 5). */
static const uint8_t keccak_rho[25] = {0,  1,  62, 28, 27, 36, 44, 6,  55, 20, 3,  10, 43,
                                       25, 39, 41, 45, 15, 21, 8,  18, 2,  61, 56, 14};
static const uint8_t keccak_pi[25] = {0,  10, 20, 5,  15, 16, 1,  11, 21, 6,  7,  17, 2,
                                      12, 22, 23, 8,  18, 3,  13, 14, 24, 9,  19, 4};

static inline uint64_t rol64(uint64_t v, unsigned n)
{
    return (v << n) | (v >> ((64 - n) & 63));
}

void sha3_keccak_f1600(uint64_t a[25])
{
    uint64_t b[25];
    for (int round = 0; round < 24; round++) {
        /* θ */
        uint64_t c0 = a[0] ^ a[5] ^ a[10] ^ a[15] ^ a[20];
        uint64_t c1 = a[1] ^ a[6] ^ a[11] ^ a[16] ^ a[21];
        uint64_t c2 = a[2] ^ a[7] ^ a[12] ^ a[17] ^ a[22];
        uint64_t c3 = a[3] ^ a[8] ^ a[13] ^ a[18] ^ a[23];
        uint64_t c4 = a[4] ^ a[9] ^ a[14] ^ a[19] ^ a[24];
        uint64_t d[5] = {c4 ^ rol64(c1, 1), c0 ^ rol64(c2, 1), c1 ^ rol64(c3, 1),
                         c2 ^ rol64(c4, 1), c3 ^ rol64(c0, 1)};
        /* θ's column parity applied, then ρ and π in one pass. */
        for (int i = 0; i < 25; i++)
            b[keccak_pi[i]] = rol64(a[i] ^ d[i % 5], keccak_rho[i]);
        /* χ, row by row */
        for (int y = 0; y < 25; y += 5) {
            uint64_t b0 = b[y], b1 = b[y + 1], b2 = b[y + 2], b3 = b[y + 3], b4 = b[y + 4];
            a[y] = b0 ^ (~b1 & b2);
            a[y + 1] = b1 ^ (~b2 & b3);
            a[y + 2] = b2 ^ (~b3 & b4);
            a[y + 3] = b3 ^ (~b4 & b0);
            a[y + 4] = b4 ^ (~b0 & b1);
        }
        /* ι */
        a[0] ^= keccak_rc[round];
    }
    tern_memzero(b, sizeof(b));
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
            for (size_t i = 0; i < c->rate / 8; i++) {
                uint64_t v = c->st[i];
                for (int j = 0; j < 8; j++)
                    o[8 * i + (size_t)j] = (uint8_t)(v >> (8 * j));
            }
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
