/* Key exchange by TLS NamedGroup (RFC 8446 §4.2.7, §4.2.8): the ECDH groups
 * through the backend's cry_ecdh_*, and the hybrid X25519MLKEM768 of
 * draft-ietf-tls-ecdhe-mlkem, built here from ML-KEM-768 and X25519:
 *
 *   client share  = ML-KEM-768 encapsulation key (1184) || X25519 public (32)
 *   server share  = ML-KEM-768 ciphertext (1088)        || X25519 public (32)
 *   shared secret = ML-KEM shared secret (32)           || X25519 secret (32)
 *
 * ML-KEM comes first in all three (unlike the secp256r1 hybrid), so the
 * FIPS-approved secret leads the concatenation.
 *
 * Shares are checked before any secret work: a wrong length or an invalid
 * value gives TERN_E_ILLEGAL_PARAMETER (RFC 8446 §4.2.8.2 asks for an
 * illegal_parameter alert; the caller writes the sentence, it knows the
 * group's name and who sent the share). */
#include "base/error.h"
#include "base/mem.h"
#include "crypto/mlkem.h"
#include "crypto/provider.h"

#include <string.h>

#define GROUP_SECP256R1      0x0017
#define GROUP_SECP384R1      0x0018
#define GROUP_X25519         0x001d
#define GROUP_X25519MLKEM768 0x11ec

#define X25519_LEN        32
#define HYBRID_CLIENT_LEN (MLKEM768_EK_LEN + X25519_LEN)
#define HYBRID_SERVER_LEN (MLKEM768_CT_LEN + X25519_LEN)
#define HYBRID_SECRET_LEN (MLKEM_SS_LEN + X25519_LEN)

#if HYBRID_CLIENT_LEN > CRY_KEX_MAX_SHARE || HYBRID_SECRET_LEN > CRY_KEX_MAX_SECRET
#error "CRY_KEX_MAX_* too small for X25519MLKEM768"
#endif

/* ecdh_group: the curve of a plain ECDH group, and the length of its public
 * value (X25519: 32; uncompressed P-256/P-384 points, RFC 8446 §4.2.8.2). */
static bool ecdh_group(uint16_t group, enum cry_curve *out_curve, size_t *out_pub_len)
{
    switch (group) {
    case GROUP_X25519:
        *out_curve = CRY_X25519;
        *out_pub_len = X25519_LEN;
        return true;
    case GROUP_SECP256R1:
        *out_curve = CRY_P256;
        *out_pub_len = 1 + 2 * 32;
        return true;
    case GROUP_SECP384R1:
        *out_curve = CRY_P384;
        *out_pub_len = 1 + 2 * 48;
        return true;
    default:
        return false;
    }
}

bool cry_kex_supported(uint16_t group)
{
    enum cry_curve c;
    size_t n;
    return ecdh_group(group, &c, &n) || group == GROUP_X25519MLKEM768;
}

size_t cry_kex_share_len(uint16_t group)
{
    enum cry_curve c;
    size_t n;
    if (ecdh_group(group, &c, &n))
        return n;
    return group == GROUP_X25519MLKEM768 ? HYBRID_CLIENT_LEN : 0;
}

void cry_kex_cleanup(struct cry_kex *k)
{
    if (!k)
        return;
    cry_ecdh_cleanup(&k->ecdh);
    if (k->mlkem_dk)
        tern_free_secret(k->mlkem_dk, MLKEM768_DK_LEN);
    k->mlkem_dk = NULL;
    k->group = 0;
}

static int x25519_derive(struct cry_ecdh *e, const uint8_t *peer, uint8_t *out)
{
    size_t n = 0;
    TRY(cry_ecdh_derive(e, peer, X25519_LEN, out, X25519_LEN, &n));
    return n == X25519_LEN ? TERN_OK : TERN_E_INTERNAL;
}

static int hybrid_keygen(struct cry_kex *k, uint8_t *out_share, size_t cap, size_t *out_len)
{
    struct wr w;
    wr_init_fixed(&w, out_share, cap);
    uint8_t *ek = wr_reserve(&w, MLKEM768_EK_LEN);
    uint8_t *x = wr_reserve(&w, X25519_LEN);
    if (!wr_ok(&w))
        return TERN_E_ARG; /* the caller's buffer is below CRY_KEX_MAX_SHARE */
    k->mlkem_dk = tern_malloc(MLKEM768_DK_LEN);
    if (!k->mlkem_dk)
        return TERN_E_NOMEM;
    /* d, z and the X25519 private key from one draw of the private
     * generator (each call costs a lock and a getpid in libcrypto 3.0). */
    uint8_t seeds[2 * MLKEM_SEED_LEN + X25519_LEN];
    int rc = cry_random_secret(seeds, sizeof(seeds));
    if (rc == TERN_OK) {
        mlkem768_keygen_derand(ek, k->mlkem_dk, seeds, seeds + MLKEM_SEED_LEN);
        rc = cry_ecdh_x25519_from(&k->ecdh, seeds + 2 * MLKEM_SEED_LEN, x);
    }
    tern_memzero(seeds, sizeof(seeds));
    if (rc == TERN_OK)
        *out_len = w.len;
    return rc;
}

int cry_kex_keygen(struct cry_kex *k, uint16_t group, uint8_t *out_share, size_t cap,
                   size_t *out_len)
{
    enum cry_curve curve;
    size_t pub_len;
    int rc;
    memset(k, 0, sizeof(*k));
    k->group = group;
    *out_len = 0;
    if (ecdh_group(group, &curve, &pub_len))
        rc = cry_ecdh_keygen(&k->ecdh, curve, out_share, cap, out_len);
    else if (group == GROUP_X25519MLKEM768)
        rc = hybrid_keygen(k, out_share, cap, out_len);
    else
        rc = TERN_E_UNSUPPORTED;
    if (rc != TERN_OK) {
        cry_kex_cleanup(k);
        *out_len = 0;
    }
    return rc;
}

int cry_kex_keygen_beside(struct cry_kex *k, uint16_t group, const struct cry_kex *hybrid,
                          uint8_t *out_share, size_t cap, size_t *out_len)
{
    if (group != GROUP_X25519 || !hybrid || hybrid->group != GROUP_X25519MLKEM768 ||
        !hybrid->ecdh.impl)
        return cry_kex_keygen(k, group, out_share, cap, out_len);
    memset(k, 0, sizeof(*k));
    k->group = group;
    int rc = cry_ecdh_share(&k->ecdh, &hybrid->ecdh, out_share, cap, out_len);
    if (rc != TERN_OK) {
        cry_kex_cleanup(k);
        *out_len = 0;
    }
    return rc;
}

static int hybrid_finish(struct cry_kex *k, const uint8_t *share, size_t len, uint8_t *out,
                         size_t cap, size_t *out_len)
{
    struct rd r;
    const uint8_t *ct, *x;
    rd_init(&r, share, len);
    if (!rd_bytes(&r, &ct, MLKEM768_CT_LEN) || !rd_bytes(&r, &x, X25519_LEN) || !rd_empty(&r))
        return TERN_E_ILLEGAL_PARAMETER;
    struct wr w;
    wr_init_fixed(&w, out, cap);
    uint8_t *ss_pq = wr_reserve(&w, MLKEM_SS_LEN);
    uint8_t *ss_x = wr_reserve(&w, X25519_LEN);
    if (!wr_ok(&w))
        return TERN_E_ARG;
    if (!k->mlkem_dk)
        return TERN_E_ARG; /* no cry_kex_keygen for this group */
    /* A tampered ciphertext is not an error here: ML-KEM's implicit
     * rejection yields an unrelated secret and the handshake fails at
     * Finished, as it must for any key mismatch. */
    TRY(mlkem768_decaps(ss_pq, k->mlkem_dk, MLKEM768_DK_LEN, ct, MLKEM768_CT_LEN));
    TRY(x25519_derive(&k->ecdh, x, ss_x));
    *out_len = w.len;
    return TERN_OK;
}

int cry_kex_finish(struct cry_kex *k, const uint8_t *server_share, size_t len, uint8_t *out_secret,
                   size_t cap, size_t *out_len)
{
    enum cry_curve curve;
    size_t pub_len;
    int rc;
    *out_len = 0;
    if (!server_share && len)
        return TERN_E_ARG;
    if (ecdh_group(k->group, &curve, &pub_len)) {
        if (len != pub_len)
            return TERN_E_ILLEGAL_PARAMETER;
        rc = cry_ecdh_derive(&k->ecdh, server_share, len, out_secret, cap, out_len);
    } else if (k->group == GROUP_X25519MLKEM768) {
        rc = hybrid_finish(k, server_share, len, out_secret, cap, out_len);
    } else {
        rc = TERN_E_ARG; /* no key share was made */
    }
    if (rc != TERN_OK) {
        if (cap)
            tern_memzero(out_secret, cap < CRY_KEX_MAX_SECRET ? cap : CRY_KEX_MAX_SECRET);
        *out_len = 0;
    }
    return rc;
}

static int hybrid_respond(const uint8_t *share, size_t len, uint8_t *out_share, size_t share_cap,
                          size_t *out_share_len, uint8_t *out_secret, size_t secret_cap,
                          size_t *out_secret_len)
{
    struct rd r;
    const uint8_t *ek, *x;
    rd_init(&r, share, len);
    if (!rd_bytes(&r, &ek, MLKEM768_EK_LEN) || !rd_bytes(&r, &x, X25519_LEN) || !rd_empty(&r))
        return TERN_E_ILLEGAL_PARAMETER;
    /* mlkem768_encaps_derand, called first below, begins with the
     * encapsulation key's checks (FIPS 203 §7.2): a bad key costs no other
     * work. */

    struct wr ws, wk;
    wr_init_fixed(&ws, out_share, share_cap);
    wr_init_fixed(&wk, out_secret, secret_cap);
    uint8_t *ct = wr_reserve(&ws, MLKEM768_CT_LEN);
    uint8_t *xpub = wr_reserve(&ws, X25519_LEN);
    uint8_t *ss_pq = wr_reserve(&wk, MLKEM_SS_LEN);
    uint8_t *ss_x = wr_reserve(&wk, X25519_LEN);
    if (!wr_ok(&ws) || !wr_ok(&wk))
        return TERN_E_ARG;

    /* m and the X25519 private key from one draw. */
    uint8_t seeds[MLKEM_SEED_LEN + X25519_LEN];
    int rc = cry_random_secret(seeds, sizeof(seeds));
    if (rc == TERN_OK)
        rc = mlkem768_encaps_derand(ct, ss_pq, ek, MLKEM768_EK_LEN, seeds);
    if (rc == TERN_OK)
        rc = cry_ecdh_x25519_respond(seeds + MLKEM_SEED_LEN, x, xpub, ss_x);
    tern_memzero(seeds, sizeof(seeds));
    if (rc == TERN_OK) {
        *out_share_len = ws.len;
        *out_secret_len = wk.len;
    }
    return rc;
}

int cry_kex_respond(uint16_t group, const uint8_t *client_share, size_t len, uint8_t *out_share,
                    size_t share_cap, size_t *out_share_len, uint8_t *out_secret, size_t secret_cap,
                    size_t *out_secret_len)
{
    enum cry_curve curve;
    size_t pub_len;
    int rc;
    *out_share_len = 0;
    *out_secret_len = 0;
    if (!client_share && len)
        return TERN_E_ARG;
    if (ecdh_group(group, &curve, &pub_len)) {
        if (len != pub_len)
            return TERN_E_ILLEGAL_PARAMETER;
        rc = cry_ecdh_respond(curve, client_share, len, out_share, share_cap, out_share_len,
                              out_secret, secret_cap, out_secret_len);
    } else if (group == GROUP_X25519MLKEM768) {
        rc = hybrid_respond(client_share, len, out_share, share_cap, out_share_len, out_secret,
                            secret_cap, out_secret_len);
    } else {
        rc = TERN_E_UNSUPPORTED;
    }
    if (rc != TERN_OK) {
        if (secret_cap)
            tern_memzero(out_secret,
                         secret_cap < CRY_KEX_MAX_SECRET ? secret_cap : CRY_KEX_MAX_SECRET);
        *out_share_len = 0;
        *out_secret_len = 0;
    }
    return rc;
}
