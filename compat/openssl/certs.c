/* An SSL_CTX's own certificates: one slot per key type (RSA, ECDSA,
 * Ed25519), as in OpenSSL, each with its chain and key, and a "current"
 * slot that the chain calls (SSL_CTX_set0_chain, add0_chain_cert, ...) and
 * SSL_CTX_check_private_key act on: SSL_CTX_use_certificate and
 * SSL_CTX_use_PrivateKey make their slot current, SSL_CTX_select_current_cert
 * and SSL_CTX_set_current_cert move it. Every filled slot goes to tern,
 * which picks per client (the signatures it takes). Programs keep their
 * own data on the X509 objects (nginx's certificate list), so the objects
 * given are kept, up-ref'd, never copied. */
#include <string.h>

#include <openssl/pem.h>

#include "local.h"

static const char *const slot_names[COMPAT_SLOTS] = {"RSA", "ECDSA", "Ed25519"};

/* slot_of: the slot for a key type, -1 for one tern does not sign with. */
static int slot_of(const EVP_PKEY *k)
{
    switch (EVP_PKEY_get_base_id(k)) {
    case EVP_PKEY_RSA:
        return 0;
    case EVP_PKEY_EC:
        return 1;
    case EVP_PKEY_ED25519:
        return 2;
    default:
        return -1;
    }
}

static int slot_of_cert(X509 *x, int *out)
{
    EVP_PKEY *k = X509_get0_pubkey(x);
    int i = k != NULL ? slot_of(k) : -1;
    if (i < 0) {
        compat_fail(SSL_R_UNKNOWN_CERTIFICATE_TYPE,
                    "the certificate's key (%s) is not RSA, ECDSA or Ed25519, the kinds tern signs "
                    "with",
                    k != NULL ? OBJ_nid2sn(EVP_PKEY_get_base_id(k)) : "unreadable");
        return 0;
    }
    *out = i;
    return 1;
}

void compat_certs_free(SSL_CTX *ctx)
{
    for (int i = 0; i < COMPAT_SLOTS; i++) {
        X509_free(ctx->slot[i].cert);
        sk_X509_pop_free(ctx->slot[i].chain, X509_free);
        EVP_PKEY_free(ctx->slot[i].key);
    }
    sk_X509_pop_free(ctx->extra_certs, X509_free);
    memset(ctx->slot, 0, sizeof(ctx->slot));
    ctx->extra_certs = NULL;
}

int compat_has_cert(const SSL_CTX *ctx)
{
    for (int i = 0; i < COMPAT_SLOTS; i++) {
        if (ctx->slot[i].cert != NULL && ctx->slot[i].key != NULL)
            return 1;
    }
    return 0;
}

int SSL_CTX_use_certificate(SSL_CTX *ctx, X509 *x)
{
    int i;
    if (x == NULL) {
        compat_fail(ERR_R_PASSED_NULL_PARAMETER, "SSL_CTX_use_certificate: no certificate");
        return 0;
    }
    if (!slot_of_cert(x, &i))
        return 0;
    struct compat_slot *sl = &ctx->slot[i];
    /* a key that belonged to the slot's previous certificate goes, as in
     * OpenSSL (the new certificate's key follows) */
    if (sl->key != NULL && X509_check_private_key(x, sl->key) != 1) {
        EVP_PKEY_free(sl->key);
        sl->key = NULL;
        ERR_clear_error();
    }
    X509_up_ref(x);
    X509_free(sl->cert);
    sl->cert = x;
    ctx->cur = i;
    compat_changed(ctx);
    return 1;
}

int SSL_CTX_use_PrivateKey(SSL_CTX *ctx, EVP_PKEY *pkey)
{
    if (pkey == NULL) {
        compat_fail(ERR_R_PASSED_NULL_PARAMETER, "SSL_CTX_use_PrivateKey: no key");
        return 0;
    }
    int i = slot_of(pkey);
    if (i < 0) {
        compat_fail(SSL_R_UNKNOWN_PKEY_TYPE,
                    "the private key (%s) is not RSA, ECDSA or Ed25519, the kinds tern signs with",
                    OBJ_nid2sn(EVP_PKEY_get_base_id(pkey)));
        return 0;
    }
    struct compat_slot *sl = &ctx->slot[i];
    if (sl->cert == NULL && ctx->slot[ctx->cur].cert != NULL) {
        compat_fail(SSL_R_BAD_VALUE, "the private key (%s) does not match the certificate (%s key)",
                    slot_names[i], slot_names[ctx->cur]);
        return 0;
    }
    if (sl->cert != NULL && X509_check_private_key(sl->cert, pkey) != 1) {
        /* X509_check_private_key queued "key values mismatch" */
        compat_fail(SSL_R_BAD_VALUE,
                    "the private key does not match the certificate's public key (%s)",
                    slot_names[i]);
        return 0;
    }
    EVP_PKEY_up_ref(pkey);
    EVP_PKEY_free(sl->key);
    sl->key = pkey;
    ctx->cur = i;
    compat_changed(ctx);
    return 1;
}

int SSL_CTX_use_certificate_file(SSL_CTX *ctx, const char *file, int type)
{
    BIO *b = BIO_new_file(file, "r");
    if (b == NULL)
        return 0;
    X509 *x = type == SSL_FILETYPE_ASN1
                  ? d2i_X509_bio(b, NULL)
                  : PEM_read_bio_X509(b, NULL, ctx->passwd_cb, ctx->passwd_arg);
    BIO_free(b);
    if (x == NULL) {
        compat_fail(ERR_R_PEM_LIB, "no certificate in %s", file);
        return 0;
    }
    int ok = SSL_CTX_use_certificate(ctx, x);
    X509_free(x);
    return ok;
}

int SSL_CTX_use_certificate_chain_file(SSL_CTX *ctx, const char *file)
{
    BIO *b = BIO_new_file(file, "r");
    if (b == NULL)
        return 0;
    int ok = 0;
    STACK_OF(X509) *chain = NULL;
    X509 *x = PEM_read_bio_X509_AUX(b, NULL, ctx->passwd_cb, ctx->passwd_arg);
    if (x == NULL) {
        compat_fail(ERR_R_PEM_LIB, "no certificate in %s", file);
        goto out;
    }
    if (!SSL_CTX_use_certificate(ctx, x) || (chain = sk_X509_new_null()) == NULL)
        goto out;
    X509 *ca;
    while ((ca = PEM_read_bio_X509(b, NULL, ctx->passwd_cb, ctx->passwd_arg)) != NULL) {
        if (!sk_X509_push(chain, ca)) {
            X509_free(ca);
            goto out;
        }
    }
    ERR_clear_error(); /* the end of the file */
    sk_X509_pop_free(ctx->slot[ctx->cur].chain, X509_free);
    ctx->slot[ctx->cur].chain = chain;
    chain = NULL;
    compat_changed(ctx);
    ok = 1;
out:
    sk_X509_pop_free(chain, X509_free);
    X509_free(x);
    BIO_free(b);
    return ok;
}

int SSL_CTX_use_PrivateKey_file(SSL_CTX *ctx, const char *file, int type)
{
    BIO *b = BIO_new_file(file, "r");
    if (b == NULL)
        return 0;
    EVP_PKEY *k = type == SSL_FILETYPE_ASN1
                      ? d2i_PrivateKey_bio(b, NULL)
                      : PEM_read_bio_PrivateKey(b, NULL, ctx->passwd_cb, ctx->passwd_arg);
    BIO_free(b);
    if (k == NULL) {
        compat_fail(ERR_R_PEM_LIB, "no private key in %s", file);
        return 0;
    }
    int ok = SSL_CTX_use_PrivateKey(ctx, k);
    EVP_PKEY_free(k);
    return ok;
}

int SSL_CTX_check_private_key(const SSL_CTX *ctx)
{
    const struct compat_slot *sl = &ctx->slot[ctx->cur];
    if (sl->cert == NULL || sl->key == NULL) {
        compat_fail(SSL_R_BAD_VALUE, "no certificate or no private key set");
        return 0;
    }
    if (X509_check_private_key(sl->cert, sl->key) != 1) {
        compat_fail(SSL_R_BAD_VALUE, "the private key does not match the certificate");
        return 0;
    }
    return 1;
}

/* compat_chain_ctrl: the SSL_CTX_ctrl commands about chains and the
 * current certificate. The extra chain certificates
 * (SSL_CTX_add_extra_chain_cert) serve every slot that has no chain of its
 * own, as in OpenSSL. */
long compat_chain_ctrl(SSL_CTX *ctx, int cmd, long larg, void *parg)
{
    struct compat_slot *sl = &ctx->slot[ctx->cur];
    switch (cmd) {
    case SSL_CTRL_EXTRA_CHAIN_CERT: /* takes the reference */
        if (parg == NULL)
            return 0;
        if (ctx->extra_certs == NULL && (ctx->extra_certs = sk_X509_new_null()) == NULL)
            return 0;
        return sk_X509_push(ctx->extra_certs, parg) > 0;
    case SSL_CTRL_CHAIN_CERT: /* add0 (larg 0) takes it, add1 adds one */
        if (parg == NULL)
            return 0;
        if (sl->chain == NULL && (sl->chain = sk_X509_new_null()) == NULL)
            return 0;
        if (!sk_X509_push(sl->chain, parg))
            return 0;
        if (larg)
            X509_up_ref(parg);
        return 1;
    case SSL_CTRL_CHAIN: { /* set0 (larg 0) takes the stack, set1 copies it */
        STACK_OF(X509) *sk = parg;
        if (sk != NULL && larg) {
            sk = X509_chain_up_ref(sk);
            if (sk == NULL)
                return 0;
        }
        sk_X509_pop_free(sl->chain, X509_free);
        sl->chain = sk;
        return 1;
    }
    case SSL_CTRL_GET_EXTRA_CHAIN_CERTS:
        /* larg 0: the current certificate's chain when there are no extra
         * ones (OpenSSL's rule, which nginx's stapling relies on) */
        *(STACK_OF(X509) **)parg =
            ctx->extra_certs == NULL && larg == 0 ? sl->chain : ctx->extra_certs;
        return 1;
    case SSL_CTRL_GET_CHAIN_CERTS:
        *(STACK_OF(X509) **)parg = sl->chain;
        return 1;
    case SSL_CTRL_CLEAR_EXTRA_CHAIN_CERTS:
        sk_X509_pop_free(ctx->extra_certs, X509_free);
        ctx->extra_certs = NULL;
        return 1;
    case SSL_CTRL_SELECT_CURRENT_CERT: /* the slot holding this very object */
        for (int i = 0; i < COMPAT_SLOTS; i++) {
            if (parg != NULL && ctx->slot[i].cert == parg) {
                ctx->cur = i;
                return 1;
            }
        }
        return 0;
    case SSL_CTRL_SET_CURRENT_CERT: { /* SSL_CERT_SET_FIRST, SSL_CERT_SET_NEXT */
        int from;
        if (larg == SSL_CERT_SET_FIRST)
            from = 0;
        else if (larg == SSL_CERT_SET_NEXT)
            from = ctx->cur + 1;
        else
            return 0;
        for (int i = from; i < COMPAT_SLOTS; i++) {
            if (ctx->slot[i].cert != NULL) {
                ctx->cur = i;
                return 1;
            }
        }
        return 0;
    }
    default:
        return -1; /* not a chain command */
    }
}

/* the slot a finished server handshake signed with, from tern's
 * signature scheme; -1 when not known (before, or a client) */
static int slot_used(const SSL *s)
{
    if (s->conn == NULL || !s->server)
        return -1;
    uint16_t sig = tern_conn_signature_scheme(s->conn);
    if (sig == TERN_SIG_ED25519)
        return 2;
    if ((sig & 0xff) == 0x03)
        return 1; /* ecdsa_secp*_sha* */
    if ((sig & 0xff) == 0x01 || (sig >= 0x0804 && sig <= 0x0806))
        return 0; /* rsa_pkcs1_*, rsa_pss_rsae_* */
    return -1;
}

/* SSL_get_certificate: the certificate the handshake used once it has
 * signed, else the SSL_CTX's current one (as OpenSSL's, which copies the
 * SSL_CTX's certificates into the SSL and selects the one used). */
X509 *SSL_get_certificate(const SSL *s)
{
    if (s->own_cert != NULL) /* SSL_use_certificate's (ctx.c) */
        return s->own_cert;
    int i = slot_used(s);
    return s->ctx->slot[i >= 0 ? i : s->ctx->cur].cert;
}
EVP_PKEY *SSL_get_privatekey(const SSL *s)
{
    if (s->own_key != NULL)
        return s->own_key;
    int i = slot_used(s);
    return s->ctx->slot[i >= 0 ? i : s->ctx->cur].key;
}

/* compat_add_chain gives tern one chain (leaf, then the rest) and its key,
 * as DER; nothing when either is missing */
int compat_add_chain(tern_config *cfg, X509 *cert, STACK_OF(X509) * chain, EVP_PKEY *pkey)
{
    if (cert == NULL || pkey == NULL)
        return 1;
    const uint8_t *ders[1 + COMPAT_MAX_CHAIN];
    size_t lens[1 + COMPAT_MAX_CHAIN];
    unsigned char *bufs[1 + COMPAT_MAX_CHAIN] = {0};
    size_t n = 0;
    int ok = 0;
    unsigned char *key = NULL;
    int klen = 0;
    int len = i2d_X509(cert, &bufs[n]);
    if (len <= 0)
        goto out;
    ders[n] = bufs[n], lens[n] = (size_t)len, n++;
    for (int i = 0; i < sk_X509_num(chain) && n < 1 + COMPAT_MAX_CHAIN; i++) {
        len = i2d_X509(sk_X509_value(chain, i), &bufs[n]);
        if (len <= 0)
            goto out;
        ders[n] = bufs[n], lens[n] = (size_t)len, n++;
    }
    klen = i2d_PrivateKey(pkey, &key);
    if (klen <= 0)
        goto out;
    int st = tern_config_add_cert_chain_der(cfg, ders, lens, n, key, (size_t)klen);
    if (st != TERN_OK) {
        compat_fail(SSL_R_SSL_HANDSHAKE_FAILURE, "the %s certificate and key: %s",
                    slot_of(pkey) >= 0 ? slot_names[slot_of(pkey)] : "",
                    tern_config_error(cfg) ? tern_config_error(cfg) : tern_status_name(st));
        goto out;
    }
    ok = 1;
out:
    for (size_t i = 0; i < n; i++)
        OPENSSL_free(bufs[i]);
    OPENSSL_clear_free(key, klen > 0 ? (size_t)klen : 0);
    return ok;
}

/* compat_add_own_chains gives tern every slot with both a certificate and
 * its key (leaf, then the slot's chain or the extra certificates); tern
 * picks per client. */
int compat_add_own_chains(tern_config *cfg, const SSL_CTX *ctx)
{
    for (int sl = 0; sl < COMPAT_SLOTS; sl++) {
        const struct compat_slot *slot = &ctx->slot[sl];
        STACK_OF(X509) *chain = slot->chain != NULL ? slot->chain : ctx->extra_certs;
        if (!compat_add_chain(cfg, slot->cert, chain, slot->key))
            return 0;
    }
    return 1;
}
