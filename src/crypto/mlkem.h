/* ML-KEM-768 (FIPS 203), tern's own: libcrypto 3.0 has no ML-KEM.
 *
 * Keys and ciphertexts are byte strings in FIPS 203 encodings. Nothing here
 * allocates; the caller owns every buffer. The functions that take a
 * length check it, so they can be handed wire data directly:
 * TERN_E_ILLEGAL_PARAMETER for a wrong length or an invalid key (the caller
 * adds the sentence naming the peer's value). */
#ifndef TERN_CRYPTO_MLKEM_H
#define TERN_CRYPTO_MLKEM_H

#include "base/bytes.h" /* TERN_MUST_CHECK */
#include "tern/status.h"

#include <stddef.h>
#include <stdint.h>

#define MLKEM768_EK_LEN 1184 /* encapsulation key: 384k + 32 */
#define MLKEM768_DK_LEN 2400 /* decapsulation key: 768k + 96 */
#define MLKEM768_CT_LEN 1088 /* ciphertext: 32(du k + dv) */
#define MLKEM_SS_LEN    32   /* shared secret */
#define MLKEM_SEED_LEN  32   /* d, z, m */

/* mlkem768_keygen_derand is ML-KEM.KeyGen_internal (FIPS 203 Algorithm 16):
 * the key pair from the seeds d and z. For tests; use mlkem768_keygen. */
void mlkem768_keygen_derand(uint8_t ek[MLKEM768_EK_LEN], uint8_t dk[MLKEM768_DK_LEN],
                            const uint8_t d[MLKEM_SEED_LEN], const uint8_t z[MLKEM_SEED_LEN]);

/* mlkem768_keygen_expanded runs K-PKE.KeyGen from (ρ, σ) as given instead of
 * G(d || k). Only for known-answer tests written against the FIPS 203 draft,
 * whose key generation computed G(d) without the byte k. */
void mlkem768_keygen_expanded(uint8_t ek[MLKEM768_EK_LEN], uint8_t dk[MLKEM768_DK_LEN],
                              const uint8_t rho[32], const uint8_t sigma[32],
                              const uint8_t z[MLKEM_SEED_LEN]);

/* mlkem768_keygen: a fresh key pair with d and z from cry_random_secret. */
TERN_MUST_CHECK int mlkem768_keygen(uint8_t ek[MLKEM768_EK_LEN], uint8_t dk[MLKEM768_DK_LEN]);

/* mlkem768_check_ek: the encapsulation key input check of FIPS 203 §7.2:
 * the right length, and every encoded coefficient below q (the modulus
 * check). TERN_OK or TERN_E_ILLEGAL_PARAMETER. */
TERN_MUST_CHECK int mlkem768_check_ek(const uint8_t *ek, size_t ek_len);

/* mlkem768_check_dk: the decapsulation key check of FIPS 203 §7.3: the right
 * length and H(ek) stored in it matching the ek stored in it. */
TERN_MUST_CHECK int mlkem768_check_dk(const uint8_t *dk, size_t dk_len);

/* mlkem768_encaps_derand is ML-KEM.Encaps_internal (Algorithm 17) with the
 * message m given, after the §7.2 check of ek. For tests. */
TERN_MUST_CHECK int mlkem768_encaps_derand(uint8_t ct[MLKEM768_CT_LEN], uint8_t ss[MLKEM_SS_LEN],
                                           const uint8_t *ek, size_t ek_len,
                                           const uint8_t m[MLKEM_SEED_LEN]);

/* mlkem768_encaps: encapsulate to ek with m from cry_random_secret. */
TERN_MUST_CHECK int mlkem768_encaps(uint8_t ct[MLKEM768_CT_LEN], uint8_t ss[MLKEM_SS_LEN],
                                    const uint8_t *ek, size_t ek_len);

/* mlkem768_decaps is ML-KEM.Decaps (Algorithm 18) after the §7.3 checks of
 * the lengths and of dk's hash. A ciphertext that does not re-encrypt to
 * itself is not an error: ss is then the implicit-rejection key J(z || c),
 * chosen without branching on secret data. */
TERN_MUST_CHECK int mlkem768_decaps(uint8_t ss[MLKEM_SS_LEN], const uint8_t *dk, size_t dk_len,
                                    const uint8_t *ct, size_t ct_len);

#endif
