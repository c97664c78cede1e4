/* A server's or client's own certificate chain and private key, from PEM. */
#include "x509/x509.h"

#include "base/mem.h"

#include <string.h>

void x509_chain_key_cleanup(struct x509_chain_key *ck)
{
    for (size_t i = 0; i < ck->n; i++)
        tern_free(ck->ders[i]);
    cry_privkey_cleanup(&ck->key);
    memset(ck, 0, sizeof(*ck));
}

static int load_key(const char *key_pem, size_t key_len, struct cry_privkey *key,
                    struct tern_err *err)
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
        if (kind == X509_PEM_ENCRYPTED_PRIVATE_KEY) {
            tern_free_secret(der, len);
            return err_set(err, TERN_E_FILE,
                           "the private key is encrypted (an ENCRYPTED PRIVATE KEY block) and "
                           "no password was given");
        }
        if (kind != X509_PEM_PRIVATE_KEY && kind != X509_PEM_EC_PRIVATE_KEY &&
            kind != X509_PEM_RSA_PRIVATE_KEY) {
            tern_free(der);
            continue;
        }
        int rc = cry_privkey_parse(key, der, len);
        tern_free_secret(der, len);
        if (rc != TERN_OK)
            return err_set(err, rc == TERN_E_UNSUPPORTED ? TERN_E_UNSUPPORTED : TERN_E_FILE,
                           "the private key does not parse (%s)", tern_status_name(rc));
        return TERN_OK;
    }
}

int x509_load_chain_and_key(const char *chain_pem, size_t chain_len, const char *key_pem,
                            size_t key_len, struct x509_chain_key *out, struct tern_err *err)
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
        rc = load_key(key_pem, key_len, &out->key, err);
    if (rc == TERN_OK) {
        struct cry_pubkey pk = {0};
        rc = cry_pubkey_parse_spki(&pk, leaf->spki.p, leaf->spki.len);
        if (rc != TERN_OK)
            rc = err_set(err, TERN_E_UNSUPPORTED_CERTIFICATE,
                         "the public key of '%s' cannot be loaded (%s)", x509_subject_text(leaf),
                         tern_status_name(rc));
        else if (!cry_privkey_matches(&out->key, &pk))
            rc = err_set(err, TERN_E_ARG,
                         "the private key does not belong to certificate '%s' (the first in "
                         "the chain)",
                         x509_subject_text(leaf));
        cry_pubkey_cleanup(&pk);
    }
    x509_cert_free(leaf);
    if (rc != TERN_OK)
        x509_chain_key_cleanup(out);
    return rc;
}
