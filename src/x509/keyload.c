/* A server's or client's own certificate chain and private key, from PEM. */
#include "x509/x509.h"

#include "base/mem.h"
#include "x509/der.h"

#include <string.h>

void x509_chain_key_cleanup(struct x509_chain_key *ck)
{
    for (size_t i = 0; i < ck->n; i++)
        tern_free(ck->ders[i]);
    cry_privkey_cleanup(&ck->key);
    memset(ck, 0, sizeof(*ck));
}

/* ---- PKCS#8 EncryptedPrivateKeyInfo (RFC 5958 §3) with PBES2 (RFC 8018
 * §6.2): PBKDF2 with HMAC-SHA-1/-256/-384/-512, AES-CBC. What
 * `openssl pkcs8 -topk8` and `openssl genpkey -aes256` write. ---- */

static const uint8_t OID_PBES2[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d};
static const uint8_t OID_PBKDF2[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0c};
static const struct {
    uint8_t last;
    enum cry_hash hash;
} prfs[] = {{0x07, CRY_SHA1}, {0x09, CRY_SHA256}, {0x0a, CRY_SHA384}, {0x0b, CRY_SHA512}};
static const uint8_t OID_HMAC_PREFIX[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02};
static const uint8_t OID_AES_CBC_PREFIX[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01};

#define BAD_KEY(...) err_set(err, TERN_E_FILE, __VA_ARGS__)

/* pbkdf2_params reads PBKDF2-params (RFC 8018 Appendix A.2). */
static int pbkdf2_params(struct rd p, uint32_t max_iterations, struct rd *salt,
                         uint32_t *iterations, int *key_len, enum cry_hash *prf,
                         struct tern_err *err)
{
    struct rd seq, iter;
    if (!der_get(&p, DER_SEQUENCE, &seq) || !rd_empty(&p) ||
        !der_get(&seq, DER_OCTET_STRING, salt) || !der_get_integer(&seq, &iter))
        return BAD_KEY("the encrypted key's PBKDF2 parameters are malformed");
    uint64_t n = 0;
    if (iter.len > 5 || (iter.len && (iter.p[0] & 0x80)))
        n = UINT64_MAX;
    for (size_t i = 0; i < iter.len && n != UINT64_MAX; i++)
        n = n << 8 | iter.p[i];
    if (n == 0)
        return BAD_KEY("the encrypted key asks for 0 PBKDF2 iterations (RFC 8018: at least 1)");
    if (n > max_iterations)
        return BAD_KEY("the encrypted key asks for %s%llu PBKDF2 iterations; tern does at most %u",
                       n == UINT64_MAX ? "more than " : "",
                       (unsigned long long)(n == UINT64_MAX ? 0xffffffffu : n), max_iterations);
    *iterations = (uint32_t)n;
    *key_len = -1;
    if (der_peek(&seq, DER_INTEGER) && !der_get_small_uint(&seq, key_len))
        return BAD_KEY("the encrypted key's PBKDF2 keyLength is malformed");
    *prf = CRY_SHA1; /* the DEFAULT (RFC 8018 Appendix A.2) */
    if (!rd_empty(&seq)) {
        struct rd alg, oid, null_param;
        if (!der_get(&seq, DER_SEQUENCE, &alg) || !der_get(&alg, DER_OID, &oid))
            return BAD_KEY("the encrypted key's PBKDF2 prf is malformed");
        bool present = false;
        if (!der_get_optional(&alg, DER_NULL, &null_param, &present) || !rd_empty(&alg) ||
            (present && null_param.len))
            return BAD_KEY("the encrypted key's PBKDF2 prf parameters are malformed");
        bool known = false;
        for (size_t i = 0; i < sizeof(prfs) / sizeof(prfs[0]); i++)
            if (oid.len == sizeof(OID_HMAC_PREFIX) + 1 &&
                !memcmp(oid.p, OID_HMAC_PREFIX, sizeof(OID_HMAC_PREFIX)) &&
                oid.p[sizeof(OID_HMAC_PREFIX)] == prfs[i].last) {
                *prf = prfs[i].hash;
                known = true;
            }
        char t[64];
        if (!known)
            return err_set(err, TERN_E_UNSUPPORTED,
                           "the encrypted key's PBKDF2 uses prf %s; tern knows HMAC with SHA-1, "
                           "SHA-256, SHA-384 and SHA-512",
                           der_oid_text(&oid, t, sizeof(t)));
    }
    if (!rd_empty(&seq))
        return BAD_KEY("the encrypted key's PBKDF2 parameters have trailing data");
    return TERN_OK;
}

int x509_decrypt_private_key(const uint8_t *der, size_t len, const char *pass, size_t pass_len,
                             uint32_t max_iterations, uint8_t **out, size_t *out_len,
                             struct tern_err *err)
{
    *out = NULL;
    *out_len = 0;
    struct rd r, epki, alg, oid, params, kdf, kdf_oid, kdf_params, enc, enc_oid, iv, data;
    rd_init(&r, der, len);
    if (!der_get(&r, DER_SEQUENCE, &epki) || !rd_empty(&r) || !der_get(&epki, DER_SEQUENCE, &alg) ||
        !der_get(&epki, DER_OCTET_STRING, &data) || !rd_empty(&epki) ||
        !der_get(&alg, DER_OID, &oid))
        return BAD_KEY("the ENCRYPTED PRIVATE KEY is not an EncryptedPrivateKeyInfo (RFC 5958)");
    char t[64];
    if (!DER_OID_IS(&oid, OID_PBES2))
        return err_set(err, TERN_E_UNSUPPORTED,
                       "the key is encrypted with %s; tern decrypts PBES2 (PBKDF2 and AES-CBC, "
                       "as 'openssl pkcs8 -topk8' writes by default)",
                       der_oid_text(&oid, t, sizeof(t)));
    if (!der_get(&alg, DER_SEQUENCE, &params) || !rd_empty(&alg) ||
        !der_get(&params, DER_SEQUENCE, &kdf) || !der_get(&params, DER_SEQUENCE, &enc) ||
        !rd_empty(&params) || !der_get(&kdf, DER_OID, &kdf_oid) ||
        !der_get(&enc, DER_OID, &enc_oid))
        return BAD_KEY("the encrypted key's PBES2 parameters are malformed");
    if (!DER_OID_IS(&kdf_oid, OID_PBKDF2))
        return err_set(err, TERN_E_UNSUPPORTED,
                       "the key's password is stretched with %s; tern knows PBKDF2",
                       der_oid_text(&kdf_oid, t, sizeof(t)));
    kdf_params = kdf;
    struct rd salt;
    uint32_t iterations = 0;
    int key_len = -1;
    enum cry_hash prf = CRY_SHA1;
    TRY(pbkdf2_params(kdf_params, max_iterations, &salt, &iterations, &key_len, &prf, err));
    size_t aes_len = 0;
    if (enc_oid.len == sizeof(OID_AES_CBC_PREFIX) + 1 &&
        !memcmp(enc_oid.p, OID_AES_CBC_PREFIX, sizeof(OID_AES_CBC_PREFIX)))
        aes_len = enc_oid.p[8] == 0x02   ? 16
                  : enc_oid.p[8] == 0x16 ? 24
                  : enc_oid.p[8] == 0x2a ? 32
                                         : 0;
    if (!aes_len)
        return err_set(err, TERN_E_UNSUPPORTED,
                       "the key is encrypted with cipher %s; tern knows AES-128/192/256-CBC",
                       der_oid_text(&enc_oid, t, sizeof(t)));
    if (!der_get(&enc, DER_OCTET_STRING, &iv) || !rd_empty(&enc) || iv.len != 16)
        return BAD_KEY("the encrypted key's AES-CBC IV is not 16 bytes");
    if (key_len >= 0 && (size_t)key_len != aes_len)
        return BAD_KEY("the encrypted key's PBKDF2 keyLength %d does not fit AES-%zu", key_len,
                       aes_len * 8);
    if (data.len == 0 || data.len % 16 != 0)
        return BAD_KEY("the encrypted key's data (%zu bytes) is not whole AES blocks", data.len);
    uint8_t key[32];
    uint8_t *plain = tern_malloc(data.len);
    if (!plain)
        return err_set(err, TERN_E_NOMEM, "out of memory decrypting the key");
    int rc = cry_pbkdf2(prf, pass, pass_len, salt.p, salt.len, iterations, key, aes_len);
    if (rc == TERN_OK)
        rc = cry_aes_cbc_decrypt(key, aes_len, iv.p, data.p, data.len, plain);
    tern_memzero(key, sizeof(key));
    if (rc != TERN_OK) {
        tern_free_secret(plain, data.len);
        return err_set(err, rc, "decrypting the key failed (%s)", tern_status_name(rc));
    }
    /* PKCS#7 padding (RFC 8018 §6.1.1): a wrong password shows here, or as
     * a key that does not parse. */
    uint8_t pad = plain[data.len - 1];
    bool ok = pad >= 1 && pad <= 16;
    for (size_t i = 0; ok && i < pad; i++)
        ok = plain[data.len - 1 - i] == pad;
    if (!ok) {
        tern_free_secret(plain, data.len);
        return err_set(err, TERN_E_FILE,
                       "the key's password is wrong (its decryption does not "
                       "end in valid padding)");
    }
    *out = plain;
    *out_len = data.len - pad;
    return TERN_OK;
}

static int load_key(const char *key_pem, size_t key_len, const char *pass, size_t pass_len,
                    struct cry_privkey *key, struct tern_err *err)
{
    struct rd r;
    rd_init(&r, (const uint8_t *)key_pem, key_len);
    for (;;) {
        enum x509_pem_kind kind;
        uint8_t *der;
        size_t len;
        TRY(x509_pem_next(&r, &kind, &der, &len, err));
        if (!der)
            return err_set(err, TERN_E_FILE,
                           "no PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY block in the key "
                           "PEM (%zu bytes)",
                           key_len);
        bool encrypted = kind == X509_PEM_ENCRYPTED_PRIVATE_KEY;
        if (encrypted && !pass) {
            tern_free_secret(der, len);
            return err_set(err, TERN_E_FILE,
                           "the private key is encrypted (an ENCRYPTED PRIVATE KEY block) and "
                           "no password was given");
        }
        if (encrypted) {
            uint8_t *plain;
            size_t plain_len;
            int drc = x509_decrypt_private_key(der, len, pass, pass_len, X509_PBKDF2_MAX_ITERATIONS,
                                               &plain, &plain_len, err);
            tern_free(der);
            if (drc != TERN_OK)
                return drc;
            der = plain;
            len = plain_len;
            kind = X509_PEM_PRIVATE_KEY; /* what an EncryptedPrivateKeyInfo holds */
        }
        if (kind != X509_PEM_PRIVATE_KEY && kind != X509_PEM_EC_PRIVATE_KEY &&
            kind != X509_PEM_RSA_PRIVATE_KEY) {
            tern_free(der);
            continue;
        }
        int rc = cry_privkey_parse(key, der, len);
        tern_free_secret(der, len);
        if (rc != TERN_OK && encrypted)
            return err_set(err, TERN_E_FILE,
                           "the key's password is wrong (what it decrypts to is no key: %s)",
                           tern_status_name(rc));
        if (rc != TERN_OK)
            return err_set(err, rc == TERN_E_UNSUPPORTED ? TERN_E_UNSUPPORTED : TERN_E_FILE,
                           "the private key does not parse (%s)", tern_status_name(rc));
        return TERN_OK;
    }
}

int x509_load_chain_and_key(const char *chain_pem, size_t chain_len, const char *key_pem,
                            size_t key_len, struct x509_chain_key *out, struct tern_err *err)
{
    return x509_load_chain_and_key_pass(chain_pem, chain_len, key_pem, key_len, NULL, 0, out, err);
}

int x509_load_chain_and_key_pass(const char *chain_pem, size_t chain_len, const char *key_pem,
                                 size_t key_len, const char *pass, size_t pass_len,
                                 struct x509_chain_key *out, struct tern_err *err)
{
    memset(out, 0, sizeof(*out));
    struct rd r;
    rd_init(&r, (const uint8_t *)chain_pem, chain_len);
    int rc = TERN_OK;
    while (rc == TERN_OK) {
        enum x509_pem_kind kind;
        uint8_t *der;
        size_t len;
        rc = x509_pem_next(&r, &kind, &der, &len, err);
        if (rc != TERN_OK || !der)
            break;
        if (kind != X509_PEM_CERTIFICATE) {
            tern_free(der);
            continue;
        }
        if (out->n == X509_MAX_CHAIN) {
            tern_free(der);
            rc = err_set(err, TERN_E_LIMIT, "the chain PEM holds more than %d certificates",
                         X509_MAX_CHAIN);
            break;
        }
        out->ders[out->n] = der;
        out->lens[out->n++] = len;
    }
    if (rc == TERN_OK && out->n == 0)
        rc = err_set(err, TERN_E_FILE, "no CERTIFICATE block in the chain PEM (%zu bytes)",
                     chain_len);
    struct x509_cert *leaf = NULL;
    if (rc == TERN_OK)
        rc = x509_cert_parse(out->ders[0], out->lens[0], &leaf, err);
    if (rc == TERN_OK)
        rc = load_key(key_pem, key_len, pass, pass_len, &out->key, err);
    if (rc == TERN_OK) {
        struct cry_pubkey pk = {0};
        rc = cry_pubkey_parse_spki(&pk, leaf->spki.p, leaf->spki.len);
        if (rc != TERN_OK)
            rc = err_set(err, TERN_E_UNSUPPORTED_CERTIFICATE,
                         "the public key of '%s' cannot be loaded (%s)", leaf->subject_text,
                         tern_status_name(rc));
        else if (!cry_privkey_matches(&out->key, &pk))
            rc = err_set(err, TERN_E_ARG,
                         "the private key does not belong to certificate '%s' (the first in "
                         "the chain)",
                         leaf->subject_text);
        cry_pubkey_cleanup(&pk);
    }
    x509_cert_free(leaf);
    if (rc != TERN_OK)
        x509_chain_key_cleanup(out);
    return rc;
}
