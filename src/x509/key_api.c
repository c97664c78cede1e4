/* Private keys in the public API (include/tern/x509.h): what a tool that
 * makes certificates needs (tern cert's development CA), over the crypto
 * provider. */
#include "x509/api.h"

#include "base/mem.h"

#include <stdio.h>
#include <string.h>

struct tern_key {
    struct cry_privkey k;
};

int tern_key_generate(enum tern_key_type type, unsigned bits, tern_key **out)
{
    *out = NULL;
    if (type != TERN_KEY_RSA && type != TERN_KEY_EC_P256 && type != TERN_KEY_EC_P384 &&
        type != TERN_KEY_EC_P521 && type != TERN_KEY_ED25519)
        return TERN_E_ARG;
    if (type == TERN_KEY_RSA && bits == 0)
        bits = 2048;
    if (type == TERN_KEY_RSA && (bits < 2048 || bits > 8192))
        return TERN_E_ARG;
    struct tern_key *k = tern_calloc(1, sizeof(*k));
    if (!k)
        return TERN_E_NOMEM;
    int rc = cry_privkey_generate(&k->k, (enum cry_key_type)type, bits);
    if (rc != TERN_OK) {
        tern_free(k);
        return rc;
    }
    *out = k;
    return TERN_OK;
}

struct cb_password {
    tern_password_cb cb;
    void *arg;
};

int tern_key_parse(const uint8_t *data, size_t len, tern_password_cb cb, void *arg, tern_key **out,
                   char *why, size_t why_cap)
{
    *out = NULL;
    struct tern_err err;
    err_init(&err);
    struct tern_key *k = tern_calloc(1, sizeof(*k));
    int rc;
    if (!k) {
        rc = err_set(&err, TERN_E_NOMEM, "out of memory");
    } else if (len > 0 && data[0] == 0x30) {
        rc = cry_privkey_parse(&k->k, data, len);
        if (rc != TERN_OK)
            err_set(&err, rc, "the DER private key does not parse (%s)", tern_status_name(rc));
    } else {
        struct x509_password pw = {cb, arg};
        rc = x509_load_key((const char *)data, len, &pw, &k->k, &err);
    }
    if (why && why_cap)
        snprintf(why, why_cap, "%s", rc == TERN_OK ? "" : err.msg);
    if (rc != TERN_OK) {
        tern_free(k);
        return rc;
    }
    *out = k;
    return TERN_OK;
}

void tern_key_free(tern_key *k)
{
    if (!k)
        return;
    cry_privkey_cleanup(&k->k);
    tern_free_secret(k, sizeof(*k));
}

enum tern_key_type tern_key_type(const tern_key *k)
{
    return (enum tern_key_type)k->k.type;
}

unsigned tern_key_bits(const tern_key *k)
{
    return k->k.bits;
}

static int copy_out(struct wr *w, int rc, uint8_t *out, size_t cap, size_t *out_len)
{
    if (rc == TERN_OK && !wr_ok(w))
        rc = TERN_E_NOMEM;
    if (rc == TERN_OK && w->len > cap)
        rc = TERN_E_LIMIT;
    if (rc == TERN_OK) {
        memcpy(out, w->buf, w->len);
        *out_len = w->len;
    }
    wr_free(w); /* wipes */
    return rc;
}

int tern_key_pkcs8(const tern_key *k, uint8_t *out, size_t cap, size_t *out_len)
{
    struct wr w;
    wr_init_grow(&w);
    return copy_out(&w, cry_privkey_to_pkcs8(&k->k, &w), out, cap, out_len);
}

int tern_key_spki(const tern_key *k, uint8_t *out, size_t cap, size_t *out_len)
{
    struct wr w;
    wr_init_grow(&w);
    return copy_out(&w, cry_privkey_public_spki(&k->k, &w), out, cap, out_len);
}

int tern_key_sign(const tern_key *k, uint16_t scheme, const uint8_t *msg, size_t len, uint8_t *sig,
                  size_t cap, size_t *out_len)
{
    const struct cry_scheme_info *s = cry_scheme_lookup(scheme);
    if (!s)
        return TERN_E_ARG;
    bool fits = s->alg == CRY_SIG_ECDSA
                    ? k->k.type == CRY_KEY_EC_P256 || k->k.type == CRY_KEY_EC_P384 ||
                          k->k.type == CRY_KEY_EC_P521
                : s->alg == CRY_SIG_ED25519 ? k->k.type == CRY_KEY_ED25519
                                            : k->k.type == CRY_KEY_RSA;
    if (!fits)
        return TERN_E_ARG;
    return cry_sign(&k->k, s->alg, s->hash, msg, len, sig, cap, out_len);
}

int tern_key_matches(const tern_key *k, const tern_x509 *x)
{
    size_t len;
    const uint8_t *der = tern_x509_der(x, &len);
    struct x509_cert *c;
    struct tern_err e;
    err_init(&e);
    if (x509_cert_parse(der, len, &c, &e) != TERN_OK)
        return 0;
    struct cry_pubkey pk;
    memset(&pk, 0, sizeof(pk));
    int match = cry_pubkey_parse_spki(&pk, c->spki.p, c->spki.len) == TERN_OK &&
                cry_privkey_matches(&k->k, &pk);
    cry_pubkey_cleanup(&pk);
    x509_cert_free(c);
    return match;
}

int tern_random(uint8_t *out, size_t len)
{
    return cry_random(out, len);
}

int tern_sha256(const void *data, size_t len, uint8_t out[32])
{
    return cry_hash(CRY_SHA256, data, len, out);
}
