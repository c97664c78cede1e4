/* ML-KEM-768 internals shared by the portable code (mlkem.c) and the AVX2
 * code (mlkem_avx2.c): the polynomial type, the NTT constants and the table
 * of operations each path provides. The K-PKE algorithms in mlkem.c are
 * written once over this table, so the two paths differ only in these
 * primitives; the portable table is the reference the AVX2 one is tested
 * against (tests/unit/mlkem_test.c). */
#ifndef TERN_CRYPTO_MLKEM_IMPL_H
#define TERN_CRYPTO_MLKEM_IMPL_H

#include "crypto/sha3.h"

#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>

#define MLKEM_Q 3329
#define MLKEM_N 256
#define MLKEM_K 3

struct mlkem_poly {
    alignas(32) int16_t c[MLKEM_N];
};

/* mlkem_zetas[k] = 17^BitRev7(k) * 2^16 mod q, centred (FIPS 203 §4.3). */
extern const int16_t mlkem_zetas[128];

/* The primitives. Bounds are the contract both paths keep (and that the
 * K-PKE code relies on):
 *  - ntt: input |c| < q, output the NTT domain (FIPS 203 order), |c| <= q/2;
 *  - invntt: input |c| < 2^15 (a basemul_acc result), output the plain
 *    polynomial times R^-1 undone (see mlkem.c), |c| < q;
 *  - basemul_acc: r = sum of a[v] x b[v] (v < MLKEM_K) in the NTT domain,
 *    times R^-1, |r| < q; a's coefficients in [0, 2^12), b's |c| <= q/2;
 *  - hash_batch: sha3_run_jobs (sha3.h), with the same results;
 *  - parse_uniform: mlkem_parse_uniform below, with the same results;
 *  - cbd2: mlkem_cbd2 below, with the same results;
 *  - compress: out[i] = Compress_d of a's coefficient i reduced into
 *    [0, q), d in {1, 4, 10}; d = 12 gives the reduced value itself;
 *  - decode12: ByteDecode12 without reduction, returning all ones if some
 *    coefficient is not below q (the §7.2 modulus check), else 0;
 *  - decode_du, decode_dv: Decompress_d(ByteDecode_d) for d = 10 (320
 *    bytes, a polynomial of u) and d = 4 (128 bytes, v).
 * Results of ntt, invntt and basemul_acc may differ between the paths by
 * multiples of q (the representatives chosen), never modulo q. */
struct mlkem_ops {
    const char *name;
    void (*ntt)(struct mlkem_poly *f);
    void (*invntt)(struct mlkem_poly *f);
    void (*basemul_acc)(struct mlkem_poly *r, const struct mlkem_poly a[MLKEM_K],
                        const struct mlkem_poly b[MLKEM_K]);
    void (*hash_batch)(const struct sha3_job *jobs, unsigned n);
    unsigned (*parse_uniform)(struct mlkem_poly *r, unsigned n, const uint8_t *buf, unsigned len);
    void (*cbd2)(struct mlkem_poly *r, const uint8_t buf[128]);
    void (*compress)(uint16_t out[MLKEM_N], const struct mlkem_poly *a, unsigned d);
    uint16_t (*decode12)(struct mlkem_poly *r, const uint8_t in[384]);
    void (*decode_du)(struct mlkem_poly *r, const uint8_t in[320]);
    void (*decode_dv)(struct mlkem_poly *r, const uint8_t in[128]);
};

extern const struct mlkem_ops mlkem_ops_portable;
#if defined(__x86_64__) && !defined(TERN_MLKEM_PORTABLE)
#define MLKEM_HAVE_AVX2 1
extern const struct mlkem_ops mlkem_ops_avx2;
#endif

/* mlkem_parse_uniform: Algorithm 7's rejection step over buf (a multiple
 * of 3 bytes), appending to r from index n; returns the new count (<= N). */
unsigned mlkem_parse_uniform(struct mlkem_poly *r, unsigned n, const uint8_t *buf, unsigned len);

/* mlkem_cbd2: SamplePolyCBD_2 of 128 bytes. */
void mlkem_cbd2(struct mlkem_poly *r, const uint8_t buf[128]);

/* Test hooks (tests/unit/mlkem_test.c, ct_test.c): mlkem_force_path(0)
 * runs the portable path, (1) the AVX2 path if this build and CPU have it,
 * (-1) the automatic choice; returns false if the path is not available.
 * Not thread-safe: tests only. mlkem_path_name names the path in use. */
bool mlkem_force_path(int path);
const char *mlkem_path_name(void);
const struct mlkem_ops *mlkem_ops_for_test(int path);

#endif
