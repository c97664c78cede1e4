/* A server's or client's own certificate chain and private key, from PEM
 * or DER, the key perhaps encrypted under a password. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
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

/* The longest password asked for (OpenSSL's PEM_BUFSIZE is 1024 too). */
#define X509_MAX_PASSWORD 1024

/* open_encrypted decrypts an encrypted key (PEM text or PKCS#8 DER) with the
 * password the callback gives. */
static int open_encrypted(const uint8_t *data, size_t len, bool pem, const struct x509_password *pw,
                          struct cry_privkey *key, struct tern_err *err)
{
    const char *form = pem ? "a traditional encrypted PEM key" : "an ENCRYPTED PRIVATE KEY";
    if (!pw || !pw->cb)
        return err_set(err, TERN_E_FILE,
                       "the private key is encrypted (%s) and no password was given: the key is "
                       "encrypted, pass its password (tern: --key-pass)",
                       form);
    char pass[X509_MAX_PASSWORD];
    int n = pw->cb(pw->arg, pass, sizeof(pass));
    if (n < 0 || (size_t)n > sizeof(pass)) {
        tern_memzero(pass, sizeof(pass));
        return err_set(err, TERN_E_FILE,
                       "the private key is encrypted (%s) and the password callback gave no "
                       "password",
                       form);
    }
    int rc = cry_privkey_parse_encrypted(key, data, len, pem, pass, (size_t)n);
    tern_memzero(pass, sizeof(pass));
    if (rc == TERN_E_DECRYPT)
        return err_set(err, TERN_E_FILE,
                       "the password does not open the encrypted private key (%s): wrong "
                       "password",
                       form);
    if (rc != TERN_OK)
        return err_set(err, rc == TERN_E_UNSUPPORTED ? TERN_E_UNSUPPORTED : TERN_E_FILE,
                       "the encrypted private key (%s) does not parse (%s)", form,
                       tern_status_name(rc));
    return TERN_OK;
}

static bool has_text(const char *text, size_t len, const char *what)
{
    return memmem(text, len, what, strlen(what)) != NULL;
}

int x509_load_key(const char *key_pem, size_t key_len, const struct x509_password *pw,
                  struct cry_privkey *key, struct tern_err *err)
{
    /* RFC 1421 headers: libcrypto's PEM reader decrypts these whole. */
    if (has_text(key_pem, key_len, "Proc-Type: 4,ENCRYPTED"))
        return open_encrypted((const uint8_t *)key_pem, key_len, true, pw, key, err);
    struct rd r;
    rd_init(&r, (const uint8_t *)key_pem, key_len);
    bool saw_cert = false;
    for (;;) {
        enum x509_pem_kind kind;
        uint8_t *der;
        size_t len;
        TRY(x509_pem_next(&r, &kind, &der, &len, err));
        if (!der && saw_cert)
            return err_set(err, TERN_E_FILE,
                           "the key file holds a CERTIFICATE, not a private key: are the "
                           "certificate and the key swapped?");
        if (!der)
            return err_set(err, TERN_E_FILE,
                           "no PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY block in the key "
                           "PEM (%zu bytes)",
                           key_len);
        if (kind == X509_PEM_ENCRYPTED_PRIVATE_KEY) {
            int rc = open_encrypted(der, len, false, pw, key, err);
            tern_free_secret(der, len);
            return rc;
        }
        if (kind != X509_PEM_PRIVATE_KEY && kind != X509_PEM_EC_PRIVATE_KEY &&
            kind != X509_PEM_RSA_PRIVATE_KEY) {
            saw_cert |= kind == X509_PEM_CERTIFICATE;
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

/* match_leaf: out holds the chain and the key; they must belong together. */
static int match_leaf(struct x509_chain_key *out, struct tern_err *err)
{
    struct x509_cert *leaf = NULL;
    TRY(x509_cert_parse(out->ders[0], out->lens[0], &leaf, err));
    struct cry_pubkey pk = {0};
    int rc = cry_pubkey_parse_spki(&pk, leaf->spki.p, leaf->spki.len);
    if (rc != TERN_OK)
        rc = err_set(err, TERN_E_UNSUPPORTED_CERTIFICATE,
                     "the public key of '%s' cannot be loaded (%s)", x509_subject_text(leaf),
                     tern_status_name(rc));
    else if (!cry_privkey_matches(&out->key, &pk))
        rc = err_set(err, TERN_E_ARG,
                     "the private key (%s) does not belong to certificate '%s' (the first in the "
                     "chain, whose key is %s)",
                     cry_key_type_name(out->key.type), x509_subject_text(leaf),
                     cry_key_type_name(leaf->key_type));
    cry_pubkey_cleanup(&pk);
    x509_cert_free(leaf);
    return rc;
}

int x509_load_chain_and_key(const char *chain_pem, size_t chain_len, const char *key_pem,
                            size_t key_len, const struct x509_password *pw,
                            struct x509_chain_key *out, struct tern_err *err)
{
    memset(out, 0, sizeof(*out));
    struct rd r;
    rd_init(&r, (const uint8_t *)chain_pem, chain_len);
    int rc = TERN_OK;
    bool saw_key = false;
    while (rc == TERN_OK) {
        enum x509_pem_kind kind;
        uint8_t *der;
        size_t len;
        rc = x509_pem_next(&r, &kind, &der, &len, err);
        if (rc != TERN_OK || !der)
            break;
        if (kind != X509_PEM_CERTIFICATE) {
            saw_key |= kind == X509_PEM_PRIVATE_KEY || kind == X509_PEM_EC_PRIVATE_KEY ||
                       kind == X509_PEM_RSA_PRIVATE_KEY || kind == X509_PEM_ENCRYPTED_PRIVATE_KEY;
            tern_free_secret(der, len);
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
    if (rc == TERN_OK && out->n == 0 && saw_key)
        rc = err_set(err, TERN_E_FILE,
                     "the certificate file holds a private key, not a CERTIFICATE: are the "
                     "certificate and the key swapped?");
    if (rc == TERN_OK && out->n == 0)
        rc = err_set(err, TERN_E_FILE, "no CERTIFICATE block in the chain PEM (%zu bytes)",
                     chain_len);
    if (rc == TERN_OK)
        rc = x509_load_key(key_pem, key_len, pw, &out->key, err);
    if (rc == TERN_OK)
        rc = match_leaf(out, err);
    if (rc != TERN_OK)
        x509_chain_key_cleanup(out);
    return rc;
}

int x509_load_chain_and_key_der(const uint8_t *const *certs, const size_t *lens, size_t n,
                                const uint8_t *key_der, size_t key_len,
                                const struct x509_password *pw, struct x509_chain_key *out,
                                struct tern_err *err)
{
    memset(out, 0, sizeof(*out));
    if (n == 0 || !certs || !lens || !key_der || key_len == 0)
        return err_set(err, TERN_E_ARG, "a chain needs at least one certificate and a key");
    if (n > X509_MAX_CHAIN)
        return err_set(err, TERN_E_LIMIT, "a chain of %zu certificates; at most %d", n,
                       X509_MAX_CHAIN);
    for (size_t i = 0; i < n; i++) {
        out->ders[i] = tern_memdup(certs[i], lens[i]);
        if (!out->ders[i] && lens[i]) {
            x509_chain_key_cleanup(out);
            return err_set(err, TERN_E_NOMEM, "out of memory copying a chain");
        }
        out->lens[i] = lens[i];
        out->n = i + 1;
    }
    int rc = cry_privkey_parse(&out->key, key_der, key_len);
    if (rc == TERN_E_DECODE)
        /* Not a plain key: perhaps a PKCS#8 EncryptedPrivateKeyInfo. */
        rc = open_encrypted(key_der, key_len, false, pw, &out->key, err);
    else if (rc != TERN_OK)
        rc = err_set(err, rc == TERN_E_UNSUPPORTED ? TERN_E_UNSUPPORTED : TERN_E_FILE,
                     "the private key does not parse (%s)", tern_status_name(rc));
    if (rc == TERN_OK)
        rc = match_leaf(out, err);
    if (rc != TERN_OK)
        x509_chain_key_cleanup(out);
    return rc;
}
