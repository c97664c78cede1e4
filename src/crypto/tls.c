/* TLS-specific constructions on top of the provider primitives: HKDF-Expand-
 * Label (RFC 8446 §7.1) and the table of SignatureSchemes (RFC 8446 §4.2.3). */
#include "base/bytes.h"
#include "base/mem.h"
#include "crypto/provider.h"

#include <string.h>

int cry_hkdf_expand_label(enum cry_hash h, const uint8_t *secret, const char *label,
                          const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len)
{
    static const char prefix[] = "tls13 ";
    size_t hl = cry_hash_len(h);
    if (hl == 0)
        return TERN_E_UNSUPPORTED;
    size_t label_len = strlen(label);
    /* struct { uint16 length; opaque label<7..255>; opaque context<0..255>; }
     * HkdfLabel, where label is "tls13 " || Label. */
    if (out_len > 0xffff || sizeof(prefix) - 1 + label_len > 255 || context_len > 255)
        return TERN_E_ARG;
    uint8_t buf[2 + 1 + 255 + 1 + 255];
    struct wr w;
    wr_init_fixed(&w, buf, sizeof(buf));
    wr_u16(&w, (uint16_t)out_len);
    size_t m = wr_open_u8(&w);
    wr_bytes(&w, prefix, sizeof(prefix) - 1);
    wr_bytes(&w, label, label_len);
    wr_close(&w, m);
    m = wr_open_u8(&w);
    if (context_len)
        wr_bytes(&w, context, context_len);
    wr_close(&w, m);
    if (!wr_ok(&w))
        return TERN_E_INTERNAL;
    /* The context is a transcript hash: public, but the label buffer is
     * wiped anyway so no key-derivation input outlives the call. */
    int rc = cry_hkdf_expand(h, secret, hl, buf, w.len, out, out_len);
    tern_memzero(buf, sizeof(buf));
    return rc;
}

/* RFC 8446 §4.2.3 (and RFC 8422 §5.1.3 for TLS 1.2). In TLS 1.3 an ECDSA
 * scheme fixes the curve; rsa_pss_rsae_* take an rsaEncryption key and
 * rsa_pss_pss_* an id-RSASSA-PSS key. */
static const struct cry_scheme_info schemes[] = {
    {0x0401, CRY_SIG_RSA_PKCS1, CRY_SHA256, CRY_KEY_RSA},   /* rsa_pkcs1_sha256 */
    {0x0501, CRY_SIG_RSA_PKCS1, CRY_SHA384, CRY_KEY_RSA},   /* rsa_pkcs1_sha384 */
    {0x0601, CRY_SIG_RSA_PKCS1, CRY_SHA512, CRY_KEY_RSA},   /* rsa_pkcs1_sha512 */
    {0x0403, CRY_SIG_ECDSA, CRY_SHA256, CRY_KEY_EC_P256},   /* ecdsa_secp256r1_sha256 */
    {0x0503, CRY_SIG_ECDSA, CRY_SHA384, CRY_KEY_EC_P384},   /* ecdsa_secp384r1_sha384 */
    {0x0603, CRY_SIG_ECDSA, CRY_SHA512, CRY_KEY_EC_P521},   /* ecdsa_secp521r1_sha512 */
    {0x0804, CRY_SIG_RSA_PSS, CRY_SHA256, CRY_KEY_RSA},     /* rsa_pss_rsae_sha256 */
    {0x0805, CRY_SIG_RSA_PSS, CRY_SHA384, CRY_KEY_RSA},     /* rsa_pss_rsae_sha384 */
    {0x0806, CRY_SIG_RSA_PSS, CRY_SHA512, CRY_KEY_RSA},     /* rsa_pss_rsae_sha512 */
    {0x0807, CRY_SIG_ED25519, CRY_SHA512, CRY_KEY_ED25519}, /* ed25519 (hash internal) */
    {0x0809, CRY_SIG_RSA_PSS, CRY_SHA256, CRY_KEY_RSA_PSS}, /* rsa_pss_pss_sha256 */
    {0x080a, CRY_SIG_RSA_PSS, CRY_SHA384, CRY_KEY_RSA_PSS}, /* rsa_pss_pss_sha384 */
    {0x080b, CRY_SIG_RSA_PSS, CRY_SHA512, CRY_KEY_RSA_PSS}, /* rsa_pss_pss_sha512 */
};

const struct cry_scheme_info *cry_scheme_lookup(uint16_t scheme)
{
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
        if (schemes[i].scheme == scheme)
            return &schemes[i];
    return NULL;
}

uint16_t cry_scheme_for(enum cry_sig_alg alg, enum cry_hash hash, enum cry_key_type issuer_key)
{
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        const struct cry_scheme_info *s = &schemes[i];
        if (s->alg != alg || (alg != CRY_SIG_ED25519 && s->hash != hash))
            continue;
        if (alg == CRY_SIG_ECDSA || alg == CRY_SIG_RSA_PSS) {
            /* the key decides between the curves, and between rsae and pss */
            if (issuer_key != CRY_KEY_NONE && s->key != issuer_key)
                continue;
        }
        return s->scheme;
    }
    return 0;
}

const char *cry_key_type_name(enum cry_key_type t)
{
    switch (t) {
    case CRY_KEY_RSA:
        return "RSA";
    case CRY_KEY_RSA_PSS:
        return "RSA-PSS";
    case CRY_KEY_EC_P256:
        return "EC P-256";
    case CRY_KEY_EC_P384:
        return "EC P-384";
    case CRY_KEY_EC_P521:
        return "EC P-521";
    case CRY_KEY_ED25519:
        return "Ed25519";
    case CRY_KEY_NONE:
        break;
    }
    return "unknown";
}
