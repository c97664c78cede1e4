/* Private keys tern cannot see (tern_config_add_cert_chain_external): the
 * application signs and decrypts through callbacks, and a signature may
 * come later (TERN_WANT_ASYNC, then tern_conn_key_done): the handshake
 * waits right after its CertificateVerify's content was fixed, with the
 * transcript untouched, and goes on where c->async_next says. */
#include "base/mem.h"
#include "hs/internal.h"
#include "x509/x509.h"

#include <string.h>

int tern_config_add_cert_chain_external(tern_config *cfg, const char *chain_pem, size_t chain_len,
                                        const struct tern_key_ops *ops)
{
    if (!cfg || !chain_pem)
        return TERN_E_ARG;
    TRY(config_check_mutable(cfg));
    if (!ops || !ops->sign)
        return config_fail(cfg, TERN_E_ARG, "an external key needs a sign callback");
    struct x509_chain_key ck;
    memset(&ck, 0, sizeof(ck));
    struct rd text;
    rd_init(&text, (const uint8_t *)chain_pem, chain_len);
    struct tern_err e;
    err_init(&e);
    for (;;) {
        enum x509_pem_kind kind;
        uint8_t *der = NULL;
        size_t len = 0;
        if (x509_pem_next(&text, &kind, &der, &len, &e) != TERN_OK) {
            x509_chain_key_cleanup(&ck);
            return config_fail(cfg, TERN_E_FILE, "%s", e.msg);
        }
        if (!der)
            break;
        if (kind != X509_PEM_CERTIFICATE || ck.n == X509_MAX_CHAIN) {
            tern_memzero(der, len);
            tern_free(der);
            x509_chain_key_cleanup(&ck);
            return config_fail(cfg, TERN_E_FILE,
                               kind != X509_PEM_CERTIFICATE
                                   ? "an external key's chain holds a PEM block that is not a "
                                     "certificate (the private key stays with the application)"
                                   : "the chain has more than %d certificates",
                               X509_MAX_CHAIN);
        }
        ck.ders[ck.n] = der;
        ck.lens[ck.n++] = len;
    }
    if (ck.n == 0)
        return config_fail(cfg, TERN_E_FILE, "no certificate in the chain's PEM text");
    struct x509_cert *leaf = NULL;
    if (x509_cert_parse(ck.ders[0], ck.lens[0], &leaf, &e) != TERN_OK) {
        x509_chain_key_cleanup(&ck);
        return config_fail(cfg, e.code, "%s", e.msg);
    }
    /* The key is the leaf's public one: its type and size choose the
     * signature schemes, as for a key tern holds. */
    ck.key.type = leaf->key_type;
    ck.key.bits = leaf->key_bits;
    x509_cert_free(leaf);
    if (ck.key.type == CRY_KEY_NONE) {
        x509_chain_key_cleanup(&ck);
        return config_fail(cfg, TERN_E_UNSUPPORTED,
                           "the leaf's public key is of a kind tern "
                           "does not sign with");
    }
    TRY(config_take_chain(cfg, &ck));
    struct hs_cert *k = &cfg->certs[cfg->n_certs - 1];
    k->external = true;
    k->ops = *ops;
    return TERN_OK;
}

int hs_key_sign(tern_conn *c, uint16_t scheme, const uint8_t *content, size_t clen, uint8_t *sig,
                size_t cap, size_t *out_len)
{
    const struct hs_cert *k = c->cert;
    const struct cry_scheme_info *info = cry_scheme_lookup(scheme);
    if (!k || !info)
        return hs_fail(c, TERN_E_INTERNAL, "no key to sign with %s", tern_sig_scheme_name(scheme));
    if (!k->external)
        return cry_sign(&k->key, info->alg, info->hash, content, clen, sig, cap, out_len);
    *out_len = 0;
    int rc = k->ops.sign(k->ops.arg, c, scheme, content, clen, sig, cap, out_len);
    if (rc == TERN_WANT_ASYNC && !c->async_next)
        return hs_fail(c, TERN_E_UNSUPPORTED,
                       "the private-key callback would answer later, which tern supports for a "
                       "TLS 1.3 CertificateVerify only; here it must answer at once");
    if (rc == TERN_WANT_ASYNC)
        return rc;
    if (rc != TERN_OK || *out_len == 0 || *out_len > cap)
        return hs_fail(c, TERN_E_INTERNAL,
                       "the private-key callback failed to sign with %s (%s, %zu bytes)",
                       tern_sig_scheme_name(scheme), tern_status_name(rc), *out_len);
    return TERN_OK;
}

int hs_key_decrypt_pms(tern_conn *c, const uint8_t *ct, size_t ct_len, uint8_t *out)
{
    const struct hs_cert *k = c->cert;
    if (!k->external) {
        if (cry_rsa_decrypt_pms(&k->key, ct, ct_len, out, 48) != TERN_OK)
            return hs_fail(c, TERN_E_INTERNAL, "the RSA decryption failed in the provider");
        return TERN_OK;
    }
    if (!k->ops.decrypt)
        return hs_fail(c, TERN_E_INTERNAL,
                       "the client chose RSA key transport, and the external key has no decrypt "
                       "callback");
    /* Implicit rejection (RFC 5246 §7.4.7.1): a random secret unless the
     * application's answer is a whole one, chosen without a branch here. */
    uint8_t fallback[48], got[48];
    TRY(hs_random(c, fallback, sizeof(fallback)));
    memset(got, 0, sizeof(got));
    size_t n = 0;
    int rc = k->ops.decrypt(k->ops.arg, c, ct, ct_len, got, sizeof(got), &n);
    uint8_t ok = (uint8_t)(0 - (uint8_t)(rc == TERN_OK && n == 48)); /* 0xff or 0 */
    for (size_t i = 0; i < 48; i++)
        out[i] = (uint8_t)((got[i] & ok) | (fallback[i] & (uint8_t)~ok));
    tern_memzero(got, sizeof(got));
    tern_memzero(fallback, sizeof(fallback));
    return TERN_OK;
}

int hs_key_done(tern_conn *c, const uint8_t *sig, size_t len)
{
    c->async_pending = false;
    int (*next)(tern_conn *) = c->async_next;
    c->async_next = NULL;
    if (!sig || len == 0 || len > 1024)
        return hs_fail(
            c, TERN_E_INTERNAL, "the private-key callback's answer for %s was %s (%zu bytes)",
            tern_sig_scheme_name(c->async_scheme), sig && len ? "too long" : "a failure", len);
    TRY(hs_cv_send(c, c->async_scheme, sig, len, c->async_explain));
    return next ? next(c) : TERN_OK;
}
