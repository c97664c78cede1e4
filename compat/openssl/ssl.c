/* SSL objects on tern's sans-I/O connection: the configuration built at
 * the first handshake step from the SSL_CTX and the SSL's own settings,
 * bytes moved with libcrypto's BIO_read/BIO_write, and OpenSSL's
 * SSL_get_error protocol on top. */
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "local.h"

#define COMPAT_IO_CHUNK 17408 /* a whole TLS record with its header */

static const SSL_METHOD method_any = {-1}, method_client = {0}, method_server = {1};

const SSL_METHOD *TLS_method(void)
{
    return &method_any;
}
const SSL_METHOD *TLS_client_method(void)
{
    return &method_client;
}
const SSL_METHOD *TLS_server_method(void)
{
    return &method_server;
}

int OPENSSL_init_ssl(uint64_t opts, const OPENSSL_INIT_SETTINGS *settings)
{
    if (!OPENSSL_init_crypto(opts, settings))
        return 0;
    compat_err_init();
    return 1;
}

/* ---- SSL_CTX ---- */

SSL_CTX *SSL_CTX_new(const SSL_METHOD *meth)
{
    if (meth == NULL) {
        compat_fail(ERR_R_PASSED_NULL_PARAMETER, "SSL_CTX_new: no method");
        return NULL;
    }
    OPENSSL_init_ssl(0, NULL);
    SSL_CTX *ctx = OPENSSL_zalloc(sizeof(*ctx));
    if (ctx == NULL)
        return NULL;
    ctx->refs = 1;
    ctx->method = meth;
    ctx->store = X509_STORE_new();
    ctx->verify_depth = -1;
    ctx->timeout = 7200;
    ctx->sess_cache_mode = SSL_SESS_CACHE_SERVER;
    ctx->sess_cache_size = SSL_SESSION_CACHE_MAX_SIZE_DEFAULT;
    ctx->lock = CRYPTO_THREAD_lock_new();
    if (ctx->store == NULL || ctx->lock == NULL ||
        RAND_bytes(ctx->ticket_secret, sizeof(ctx->ticket_secret)) != 1 ||
        !CRYPTO_new_ex_data(CRYPTO_EX_INDEX_SSL_CTX, ctx, &ctx->ex)) {
        X509_STORE_free(ctx->store);
        CRYPTO_THREAD_lock_free(ctx->lock);
        OPENSSL_cleanse(ctx->ticket_secret, sizeof(ctx->ticket_secret));
        OPENSSL_free(ctx);
        return NULL;
    }
    return ctx;
}

int SSL_CTX_up_ref(SSL_CTX *ctx)
{
    __atomic_add_fetch(&ctx->refs, 1, __ATOMIC_RELAXED);
    return 1;
}

void SSL_CTX_free(SSL_CTX *ctx)
{
    if (ctx == NULL || __atomic_sub_fetch(&ctx->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    CRYPTO_free_ex_data(CRYPTO_EX_INDEX_SSL_CTX, ctx, &ctx->ex);
    compat_free_server(ctx);
    X509_STORE_free(ctx->store);
    compat_certs_free(ctx);
    OPENSSL_free(ctx->alpn);
    OPENSSL_clear_free(ctx, sizeof(*ctx)); /* the ticket secret */
}

X509_STORE *SSL_CTX_get_cert_store(const SSL_CTX *ctx)
{
    return ctx->store;
}

void SSL_CTX_set_cert_store(SSL_CTX *ctx, X509_STORE *store)
{
    X509_STORE_free(ctx->store);
    ctx->store = store; /* the store's reference passes to ctx, as in OpenSSL */
}

int SSL_CTX_set_ex_data(SSL_CTX *ctx, int idx, void *data)
{
    return CRYPTO_set_ex_data(&ctx->ex, idx, data);
}
void *SSL_CTX_get_ex_data(const SSL_CTX *ctx, int idx)
{
    return CRYPTO_get_ex_data(&ctx->ex, idx);
}

/* ---- SSL ---- */

SSL *SSL_new(SSL_CTX *ctx)
{
    if (ctx == NULL) {
        compat_fail(ERR_R_PASSED_NULL_PARAMETER, "SSL_new: no SSL_CTX");
        return NULL;
    }
    SSL *s = OPENSSL_zalloc(sizeof(*s));
    if (s == NULL)
        return NULL;
    s->refs = 1;
    SSL_CTX_up_ref(ctx);
    SSL_CTX_up_ref(ctx);
    s->ctx = ctx;
    s->session_ctx = ctx;
    s->server = ctx->method->role;
    s->options = ctx->options;
    s->mode = ctx->mode;
    s->verify_mode = ctx->verify_mode;
    s->verify_depth = ctx->verify_depth;
    s->verify_cb = ctx->verify_cb;
    s->msg_arg = ctx->msg_arg;
    s->min_version = ctx->min_version;
    s->max_version = ctx->max_version;
    s->verify_result = X509_V_OK;
    if (!CRYPTO_new_ex_data(CRYPTO_EX_INDEX_SSL, s, &s->ex)) {
        SSL_CTX_free(ctx);
        SSL_CTX_free(ctx);
        OPENSSL_free(s);
        return NULL;
    }
    return s;
}

static void drop_conn(SSL *s)
{
    tern_conn_free(s->conn);
    s->conn = NULL;
    tern_config_free(s->cfg);
    s->cfg = NULL;
}

void SSL_free(SSL *s)
{
    if (s == NULL || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    CRYPTO_free_ex_data(CRYPTO_EX_INDEX_SSL, s, &s->ex);
    drop_conn(s);
    BIO_free_all(s->wbio); /* one reference each */
    BIO_free_all(s->rbio);
    X509_free(s->peer);
    sk_X509_pop_free(s->peer_chain, X509_free);
    sk_X509_pop_free(s->verified, X509_free);
    OPENSSL_free(s->store_why);
    X509_free(s->own_cert);
    sk_X509_pop_free(s->own_chain, X509_free);
    EVP_PKEY_free(s->own_key);
    OPENSSL_free(s->host);
    OPENSSL_free(s->sni_name);
    SSL_SESSION_free(s->session);
    SSL_SESSION_free(s->offered);
    SSL_CTX_free(s->ctx);
    SSL_CTX_free(s->session_ctx);
    OPENSSL_clear_free(s->pend, s->pend_hi); /* the part that held plaintext */
    OPENSSL_free(s);
}

SSL_CTX *SSL_get_SSL_CTX(const SSL *s)
{
    return s->ctx;
}

SSL_CTX *SSL_set_SSL_CTX(SSL *s, SSL_CTX *ctx)
{
    if (ctx == NULL)
        ctx = s->ctx;
    if (ctx == s->ctx)
        return ctx;
    SSL_CTX_up_ref(ctx);
    SSL_CTX_free(s->ctx);
    s->ctx = ctx;
    return ctx;
}

int SSL_set_ex_data(SSL *s, int idx, void *data)
{
    return CRYPTO_set_ex_data(&s->ex, idx, data);
}
void *SSL_get_ex_data(const SSL *s, int idx)
{
    return CRYPTO_get_ex_data(&s->ex, idx);
}

void SSL_set_connect_state(SSL *s)
{
    s->server = 0;
}
void SSL_set_accept_state(SSL *s)
{
    s->server = 1;
}

/* ---- BIOs, with OpenSSL's ownership rules ---- */

/* OpenSSL's model: rbio and wbio each hold one reference, also when they
 * are the same BIO. */
void SSL_set0_rbio(SSL *s, BIO *rbio)
{
    BIO_free_all(s->rbio);
    s->rbio = rbio;
}

void SSL_set0_wbio(SSL *s, BIO *wbio)
{
    BIO_free_all(s->wbio);
    s->wbio = wbio;
}

void SSL_set_bio(SSL *s, BIO *rbio, BIO *wbio)
{
    /* the cases of SSL_set_bio(3) */
    if (rbio == s->rbio && wbio == s->wbio)
        return;
    if (rbio != NULL && rbio == wbio)
        BIO_up_ref(rbio); /* the caller gave one reference for two places */
    if (rbio == s->rbio) {
        SSL_set0_wbio(s, wbio); /* only wbio changes: one reference adopted */
        return;
    }
    if (wbio == s->wbio && s->rbio != s->wbio) {
        SSL_set0_rbio(s, rbio); /* only rbio changes, and they were apart */
        return;
    }
    SSL_set0_rbio(s, rbio);
    SSL_set0_wbio(s, wbio);
}

BIO *SSL_get_rbio(const SSL *s)
{
    return s->rbio;
}
BIO *SSL_get_wbio(const SSL *s)
{
    return s->wbio;
}

int SSL_set_fd(SSL *s, int fd)
{
    BIO *b = BIO_new(BIO_s_socket());
    if (b == NULL) {
        compat_fail(ERR_R_BUF_LIB, "SSL_set_fd: no socket BIO");
        return 0;
    }
    BIO_set_fd(b, fd, BIO_NOCLOSE);
    SSL_set_bio(s, b, b);
    return 1;
}

/* ---- the configuration for one connection ---- */

static __thread SSL *current;

SSL *compat_current(void)
{
    return current;
}

/* enter makes s the current SSL for the tern calls that follow; leave puts
 * the previous one back (a callback may drive another SSL). */
static SSL *enter(SSL *s)
{
    SSL *prev = current;
    current = s;
    return prev;
}
static void leave(SSL *prev)
{
    current = prev;
}

static void msg_tramp(void *arg, tern_conn *c, const struct tern_message *m)
{
    SSL *s = compat_current();
    if (s == NULL || s->ctx->msg_cb == NULL)
        return;
    /* OpenSSL 3.0 reports the ChangeCipherSpec it sends, not those it
     * receives (its record layer takes them) */
    if (m->content_type == TERN_CONTENT_CCS && !m->sent)
        return;
    /* before a version is agreed, the highest one offered, as OpenSSL's */
    int version = tern_conn_version(c)               ? tern_conn_version(c)
                  : s->max_version == TLS1_2_VERSION ? TLS1_2_VERSION
                                                     : TLS1_3_VERSION;
    s->ctx->msg_cb(m->sent, version, m->content_type, m->bytes, m->len, s, s->msg_arg);
}

static void keylog_tramp(void *arg, const char *line)
{
    SSL *s = compat_current();
    if (s != NULL && s->ctx->keylog_cb != NULL)
        s->ctx->keylog_cb(s, line);
}

/* ---- verification through the X509_STORE, at verification time ----
 *
 * Programs fill the store late (curl loads its CA file on its first read
 * from the server, after the ClientHello went out), so the anchors are read
 * when the peer's chain is there: each certificate's issuer is looked up in
 * the store (X509_STORE_CTX_get1_issuer: the loaded objects and, lazily,
 * hashed capath folders), and the issuers found become a tern trust store
 * for tern_x509_verify_der. That verdict is the SSL's; tern's own verdict
 * against its default trust is not used: a verify callback refuses what the
 * store does not support and the override accepts what it does (or
 * anything under SSL_VERIFY_NONE, the verdict kept for
 * SSL_get_verify_result). */

static int verify_code(enum tern_verify_reason r);

/* keep_path keeps the path tern built (leaf first, anchor last) for
 * SSL_get0_verified_chain and the verify callback. */
static void keep_path(SSL *s, const struct tern_verdict *v)
{
    sk_X509_pop_free(s->verified, X509_free);
    s->verified = sk_X509_new_null();
    for (size_t i = 0; s->verified != NULL && i < v->path_len; i++) {
        size_t len;
        const unsigned char *der = tern_x509_der(v->path[i], &len);
        X509 *x = der != NULL ? d2i_X509(NULL, &der, (long)len) : NULL;
        if (x == NULL || !sk_X509_push(s->verified, x)) {
            X509_free(x);
            sk_X509_pop_free(s->verified, X509_free);
            s->verified = NULL;
        }
    }
}

/* fail_depth: where OpenSSL would report the failure: a missing issuer at
 * the top of the chain it has, a date at the first certificate out of its
 * dates, anything else at the leaf */
static int fail_depth(SSL *s, STACK_OF(X509) * chain)
{
    int n = sk_X509_num(chain);
    if (s->verify_result == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
        s->verify_result == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT)
        return n > 0 ? n - 1 : 0;
    if (s->verify_result == X509_V_ERR_CERT_HAS_EXPIRED ||
        s->verify_result == X509_V_ERR_CERT_NOT_YET_VALID) {
        int later = s->verify_result == X509_V_ERR_CERT_NOT_YET_VALID;
        for (int d = 0; d < n; d++) {
            X509 *x = sk_X509_value(chain, d);
            int c = later ? X509_cmp_current_time(X509_get0_notBefore(x))
                          : X509_cmp_current_time(X509_get0_notAfter(x));
            if (later ? c > 0 : c < 0)
                return d;
        }
    }
    return 0;
}

/* call_one: the callback for the certificate at depth d of path */
static int call_one(SSL *s, X509_STORE_CTX *xc, STACK_OF(X509) * path, int d, int ok, long err)
{
    X509_STORE_CTX_set_error(xc, (int)err);
    X509_STORE_CTX_set_error_depth(xc, d);
    X509_STORE_CTX_set_current_cert(xc, d < sk_X509_num(path) ? sk_X509_value(path, d) : NULL);
    return s->verify_cb(ok, xc);
}

/* call_verify_cb calls the program's verify callback as OpenSSL does, with
 * a real X509_STORE_CTX (the SSL at SSL_get_ex_data_X509_STORE_CTX_idx):
 * for a path tern accepted, once per certificate from the anchor (the
 * deepest) to the leaf with ok 1; for a refusal, once with ok 0 and the
 * error at the depth it concerns, and (if the callback says 1 there) once
 * with ok 1 for each certificate below. Its answer is honoured as
 * OpenSSL's: 0 refuses, 1 on a failure accepts (SSL_get_verify_result
 * keeps the error). */
static void call_verify_cb(SSL *s, X509_STORE_CTX *xc, STACK_OF(X509) * chain)
{
    X509_STORE_CTX_set_ex_data(xc, SSL_get_ex_data_X509_STORE_CTX_idx(), s);
    if (s->store_ok) {
        for (int d = sk_X509_num(s->verified) - 1; d >= 0; d--) {
            if (!call_one(s, xc, s->verified, d, 1, X509_V_OK)) {
                s->store_ok = 0;
                int e = X509_STORE_CTX_get_error(xc);
                s->verify_result = e != X509_V_OK ? e : X509_V_ERR_APPLICATION_VERIFICATION;
                snprintf(s->store_why, COMPAT_WHY,
                         "the program's verify callback refused the certificate at depth %d", d);
                return;
            }
        }
        return;
    }
    int d = fail_depth(s, chain);
    if (!call_one(s, xc, chain, d, 0, s->verify_result))
        return; /* refused, as tern found */
    /* OpenSSL goes on down the path it has, with ok 1 for each certificate
     * it checked: below a missing issuer, the certificates under the top
     * (and when the leaf is alone it first reports that the leaf's
     * signature cannot be checked, the result kept); after another error,
     * the certificate that failed and those below */
    int from = d;
    if (s->verify_result == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY) {
        from = d - 1;
        if (sk_X509_num(chain) == 1) {
            s->verify_result = X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE;
            if (!call_one(s, xc, chain, 0, 0, s->verify_result))
                return;
            from = 0;
        }
    }
    for (int k = from; k >= 0; k--)
        if (!call_one(s, xc, chain, k, 1, s->verify_result))
            return;
    s->store_ok = 1; /* the callback accepted what tern refused */
}

#define COMPAT_MAX_CRLS 32

/* store_crls: the store's CRLs, as tern reads them */
static int store_crls(SSL *s, X509_STORE *st, tern_crl **out, size_t cap, size_t *out_n)
{
    *out_n = 0;
    if (!X509_STORE_lock(st))
        return 0;
    STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(st);
    int ok = 1;
    for (int i = 0; ok && i < sk_X509_OBJECT_num(objs); i++) {
        X509_CRL *crl = X509_OBJECT_get0_X509_CRL(sk_X509_OBJECT_value(objs, i));
        if (crl == NULL)
            continue;
        if (*out_n == cap) {
            snprintf(s->store_why, COMPAT_WHY,
                     "the X509_STORE holds more than %zu CRLs, tern's limit here", cap);
            ok = 0;
            break;
        }
        unsigned char *der = NULL;
        int len = i2d_X509_CRL(crl, &der);
        size_t got = 0;
        char why[200] = "";
        if (len <= 0 ||
            tern_crl_parse_all(der, (size_t)len, &out[*out_n], 1, &got, why, sizeof(why)) !=
                TERN_OK ||
            got != 1) {
            snprintf(s->store_why, COMPAT_WHY, "a CRL of the X509_STORE: %s",
                     why[0] ? why : "does not encode");
            ok = 0;
        } else {
            (*out_n)++;
        }
        OPENSSL_free(der);
    }
    X509_STORE_unlock(st);
    if (!ok)
        s->verify_result = X509_V_ERR_UNABLE_TO_GET_CRL;
    return ok;
}

static int store_verify(SSL *s, const uint8_t *const *certs, const size_t *lens, size_t n,
                        char *why, size_t why_cap)
{
    if (s->store_checked)
        goto done;
    /* the sentence's room, only for an SSL that verifies a peer (a server
     * asking for no certificate never does) */
    if (s->store_why == NULL && (s->store_why = OPENSSL_zalloc(COMPAT_WHY)) == NULL) {
        if (why != NULL)
            snprintf(why, why_cap, "out of memory");
        return 0;
    }
    s->store_checked = 1;
    s->store_ok = 0;
    s->verify_result = X509_V_ERR_UNSPECIFIED;
    snprintf(s->store_why, COMPAT_WHY, "the peer's chain could not be checked");
    X509_STORE *st = s->ctx->store;
    STACK_OF(X509) *chain = sk_X509_new_null();
    X509_STORE_CTX *xc = X509_STORE_CTX_new();
    BIO *pem = BIO_new(BIO_s_mem());
    tern_trust *trust = tern_trust_new();
    size_t found = 0, n_crls = 0;
    tern_crl *crls[COMPAT_MAX_CRLS];
    int xc_ready = 0;
    if (chain == NULL || xc == NULL || pem == NULL || trust == NULL || st == NULL || n == 0)
        goto out;
    for (size_t i = 0; i < n && i < 32; i++) {
        const unsigned char *p = certs[i];
        X509 *x = d2i_X509(NULL, &p, (long)lens[i]);
        if (x == NULL || !sk_X509_push(chain, x)) {
            X509_free(x);
            snprintf(s->store_why, COMPAT_WHY, "certificate %zu of the peer does not parse", i);
            goto out;
        }
    }
    if (!X509_STORE_CTX_init(xc, st, sk_X509_value(chain, 0), chain))
        goto out;
    xc_ready = 1;
    /* the issuer of each certificate of the chain, and the issuer of the
     * last one found, in the store */
    for (int i = 0; i < sk_X509_num(chain) && found < 16; i++) {
        X509 *cur = sk_X509_value(chain, i);
        for (int step = 0; step < 8 && cur != NULL; step++) {
            X509 *issuer = NULL;
            if (X509_STORE_CTX_get1_issuer(&issuer, xc, cur) != 1 || issuer == NULL)
                break;
            int self = X509_cmp(issuer, cur) == 0;
            int ok = PEM_write_bio_X509(pem, issuer);
            found++;
            X509_free(issuer);
            if (!ok)
                goto out;
            if (self || i + 1 < sk_X509_num(chain))
                break; /* a root; or the chain's next certificate is looked up next */
            cur = NULL;
        }
    }
    ERR_clear_error(); /* lookups that found nothing queue entries */
    if (found == 0) {
        X509 *leaf = sk_X509_value(chain, 0);
        s->verify_result = n == 1 && X509_check_issued(leaf, leaf) == X509_V_OK
                               ? X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
                               : X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
        char sub[120], iss[120];
        X509 *top = sk_X509_value(chain, sk_X509_num(chain) - 1);
        X509_NAME_oneline(X509_get_subject_name(top), sub, sizeof(sub));
        X509_NAME_oneline(X509_get_issuer_name(top), iss, sizeof(iss));
        snprintf(s->store_why, COMPAT_WHY,
                 "the peer's chain ends at '%s', whose issuer '%s' is not in the SSL_CTX's "
                 "X509_STORE",
                 sub, iss);
        goto out;
    }
    char *text;
    long tlen = BIO_get_mem_data(pem, &text);
    char twhy[200];
    if (tern_trust_add_pem(trust, (const uint8_t *)text, (size_t)tlen, twhy, sizeof(twhy)) !=
        TERN_OK) {
        snprintf(s->store_why, COMPAT_WHY, "a trust anchor of the X509_STORE: %s", twhy);
        goto out;
    }
    /* CRLs count only when the store's flags ask for them, as in OpenSSL
     * (curl --crlfile sets CRL_CHECK | CRL_CHECK_ALL); tern then wants a
     * CRL for every certificate below the anchor, which is CRL_CHECK_ALL
     * (under CRL_CHECK alone OpenSSL asks one for the leaf only: stricter
     * here) */
    unsigned long vflags = X509_VERIFY_PARAM_get_flags(X509_STORE_get0_param(st));
    if (vflags & X509_V_FLAG_CRL_CHECK) {
        if (!store_crls(s, st, crls, COMPAT_MAX_CRLS, &n_crls))
            goto out;
    }
    struct tern_verify_opts o;
    tern_verify_opts_init(&o);
    o.crls = (const tern_crl *const *)crls;
    o.n_crls = n_crls;
    o.require_crls = (vflags & X509_V_FLAG_CRL_CHECK) != 0;
    o.profile = TERN_VERIFY_RFC5280; /* OpenSSL's verdicts, not the web profile's */
    if (s->server) {
        o.name_kind = TERN_NAME_NONE;
        o.purpose = TERN_PURPOSE_CLIENT;
    } else {
        o.name = compat_verify_host(st); /* client.c: the name asked for, if any */
        o.name_kind = o.name != NULL ? TERN_NAME_HOST : TERN_NAME_NONE;
        o.purpose = TERN_PURPOSE_SERVER;
    }
    if (s->verify_depth >= 0)
        o.max_depth = s->verify_depth;
    struct tern_verdict v;
    memset(&v, 0, sizeof(v));
    int vst = tern_x509_verify_der(trust, certs, lens, n, &o, &v);
    s->verify_result = verify_code(v.reason);
    s->store_ok = vst == TERN_OK && v.reason == TERN_VERIFY_OK;
    snprintf(s->store_why, COMPAT_WHY, "%s", v.sentence[0] ? v.sentence : tern_status_name(vst));
    if (s->store_ok)
        keep_path(s, &v);
    tern_verdict_cleanup(&v);
out:
    if (s->verified == NULL && chain != NULL && sk_X509_num(chain) > 0) {
        /* what OpenSSL keeps of a path it could not complete: the leaf */
        s->verified = sk_X509_new_null();
        X509 *leaf = sk_X509_value(chain, 0);
        if (s->verified != NULL && sk_X509_push(s->verified, leaf))
            X509_up_ref(leaf);
    }
    if (xc_ready && s->verify_cb != NULL)
        call_verify_cb(s, xc, chain);
    for (size_t i = 0; i < n_crls; i++)
        tern_crl_free(crls[i]);
    tern_trust_free(trust);
    BIO_free(pem);
    X509_STORE_CTX_free(xc);
    sk_X509_pop_free(chain, X509_free);
done:
    if (!s->store_ok && why != NULL)
        snprintf(why, why_cap, "%s", s->store_why);
    return s->store_ok;
}

/* tern's verify callback: refuse what the store does not support */
static int store_refuses(void *arg, tern_conn *c, const struct tern_verdict *v,
                         const uint8_t *const *certs, const size_t *lens, size_t n, char *why,
                         size_t why_cap)
{
    SSL *s = compat_current();
    if (s == NULL) {
        snprintf(why, why_cap, "no SSL is running this handshake");
        return 1;
    }
    return !store_verify(s, certs, lens, n, why, why_cap);
}

/* tern's override: accept what the store supports, or anything under
 * SSL_VERIFY_NONE; a chain the store verified (no error, not merely let
 * through by the program's verify callback) counts as verified, so a
 * server keeps its session with the chain and verdict, as OpenSSL does */
static int store_accepts(void *arg, tern_conn *c, const struct tern_verdict *v,
                         const uint8_t *const *certs, const size_t *lens, size_t n, char *why,
                         size_t why_cap)
{
    SSL *s = compat_current();
    if (s == NULL)
        return 0;
    int ok = store_verify(s, certs, lens, n, why, why_cap);
    if (ok && s->verify_result == X509_V_OK)
        return TERN_OVERRIDE_VERIFIED;
    return ok || !(s->verify_mode & SSL_VERIFY_PEER);
}

static int alpn_to_tern(tern_config *cfg, SSL_CTX *ctx)
{
    if (ctx->alpn_len == 0)
        return 1;
    char *names[32];
    int ok = 1;
    size_t n = compat_alpn_split(ctx->alpn, ctx->alpn_len, names, 32);
    int st = tern_config_set_alpn(cfg, (const char *const *)names, n);
    if (st != TERN_OK) {
        compat_fail(SSL_R_BAD_VALUE, "ALPN list: %s", tern_status_name(st));
        ok = 0;
    }
    for (size_t k = 0; k < n; k++)
        OPENSSL_free(names[k]);
    return ok;
}

int compat_config_common(tern_config *cfg, SSL_CTX *ctx, int min_version, int max_version,
                         uint64_t options)
{
    uint16_t lo, hi;
    compat_versions(options, min_version, max_version, &lo, &hi); /* extras.c */
    if (hi < lo) {
        compat_fail(SSL_R_NO_PROTOCOLS_AVAILABLE,
                    "no version left: the maximum 0x%04x (or the options) is below TLS 1.2, "
                    "and tern never negotiates TLS 1.1 or older",
                    (unsigned)max_version);
        return 0;
    }
    int st = tern_config_set_versions(cfg, lo, hi);
    if (st != TERN_OK) {
        compat_fail(SSL_R_UNSUPPORTED_PROTOCOL,
                    "no version between the minimum 0x%04x and maximum 0x%04x that tern "
                    "offers (TLS 1.2 and 1.3)",
                    (unsigned)min_version, (unsigned)max_version);
        return 0;
    }
    if (ctx->n_groups > 0 && tern_config_set_groups(cfg, ctx->groups, ctx->n_groups) != TERN_OK) {
        compat_fail(SSL_R_NO_SHARED_GROUPS, "the groups list");
        return 0;
    }
    uint16_t suites[16];
    size_t n_suites = compat_suites(ctx, suites, 16);
    if (n_suites > 0 && tern_config_set_cipher_suites(cfg, suites, n_suites) != TERN_OK) {
        compat_fail(SSL_R_NO_CIPHER_MATCH, "the cipher suites: %s",
                    tern_config_error(cfg) ? tern_config_error(cfg) : "refused");
        return 0;
    }
    /* the callbacks find their SSL with compat_current() */
    if (ctx->keylog_cb != NULL)
        tern_config_set_keylog(cfg, keylog_tramp, NULL);
    if (ctx->msg_cb != NULL && tern_config_set_message_callback(cfg, msg_tramp, NULL) != TERN_OK)
        return 0;
    if (tern_config_set_trust_empty(cfg) != TERN_OK)
        return 0;
    tern_config_set_verify_callback(cfg, store_refuses, NULL);
    tern_config_set_verify_override_DANGEROUS(cfg, store_accepts, NULL);
    return 1;
}

/* start makes the tern connection at the first handshake step. */
static int start(SSL *s)
{
    if (s->conn != NULL)
        return 1;
    if (s->server < 0) {
        compat_fail(SSL_R_CONNECTION_TYPE_NOT_SET,
                    "neither SSL_set_connect_state nor SSL_set_accept_state was called");
        return 0;
    }
    if (s->rbio == NULL || s->wbio == NULL) {
        compat_fail(SSL_R_UNINITIALIZED, "no BIO: call SSL_set_fd or SSL_set_bio first");
        return 0;
    }
    if (s->server) {
        /* the SSL_CTX's shared configuration, as a rule */
        s->cfg = compat_server_config(s);
        if (s->cfg == NULL)
            goto fail;
        s->conn = tern_conn_new_server(s->cfg);
    } else {
        /* a client's configuration is its own: the sessions it offers, the
         * name it checks */
        s->cfg = tern_config_new();
        if (s->cfg == NULL ||
            !compat_config_common(s->cfg, s->ctx, s->min_version, s->max_version, s->options) ||
            !compat_add_own_chains(s->cfg, s->ctx) || /* a client certificate */
            !alpn_to_tern(s->cfg, s->ctx) || /* offered; a server's comes from its callback */
            !compat_client_config(s))
            goto fail;
        /* Without a host name (curl sends none for an IP address) OpenSSL
         * checks no name, and neither does the store's verdict; tern wants
         * a name to make a client, and an IP literal sends no SNI. Its own
         * verdict never decides here (its trust is empty: the store's does),
         * so the unspecified address stands in. */
        tern_config_set_session_callback(s->cfg, compat_session_seen, s);
        if (!compat_session_offer(s))
            goto fail;
        s->conn = tern_conn_new_client(s->cfg, s->host != NULL ? s->host : "::");
    }
    if (s->conn == NULL) {
        compat_fail(ERR_R_MALLOC_FAILURE, "tern could not make the connection: %s",
                    tern_config_error(s->cfg) ? tern_config_error(s->cfg) : "out of memory");
        goto fail;
    }
    return 1;
fail:
    s->failed = 1;
    drop_conn(s);
    return 0;
}

/* ---- moving bytes ---- */

enum { IO_OK = 0, IO_WANT_READ, IO_WANT_WRITE, IO_EOF, IO_ERROR };

/* flush writes what tern has to send to wbio. */
static int flush(SSL *s)
{
    for (;;) {
        const uint8_t *out;
        size_t len;
        if (tern_conn_output(s->conn, &out, &len) != TERN_OK || len == 0)
            return IO_OK;
        int n = BIO_write(s->wbio, out, len > INT32_MAX ? INT32_MAX : (int)len);
        if (n > 0) {
            tern_conn_output_done(s->conn, (size_t)n);
            continue;
        }
        if (BIO_should_retry(s->wbio)) {
            s->rwstate = SSL_WRITING;
            return IO_WANT_WRITE;
        }
        s->sys_failed = 1;
        return IO_ERROR;
    }
}

/* read_status: what a BIO_read that gave n <= 0 means */
static int read_status(SSL *s, int n)
{
    if (BIO_should_retry(s->rbio)) {
        s->rwstate = SSL_READING;
        return IO_WANT_READ;
    }
    if (n == 0 || BIO_eof(s->rbio))
        return IO_EOF;
    s->sys_failed = 1;
    return IO_ERROR;
}

/* a header tern should see at once: not the start of a TLS record
 * (content type 20 to 24, version 3.x, 1 to 2^14 + 2048 bytes), e.g.
 * plain HTTP on a TLS port: tern refuses it without waiting for a body */
static int header_odd(const uint8_t *h)
{
    size_t len = (size_t)h[3] << 8 | h[4];
    return h[0] < 20 || h[0] > 24 || h[1] != 3 || len == 0 || len > 16384 + 2048;
}

/* fill feeds tern what rbio has of one record, as OpenSSL does without
 * read-ahead: its 5-byte header, then exactly its body. What the peer sent
 * behind the record stays in the BIO (the socket), where the program's
 * poll() sees it: curl waits on the socket once SSL_pending says 0, and
 * bytes taken ahead (a close_notify, the next response) would leave it
 * waiting for what already arrived. A record read whole goes to tern in
 * one piece (tern opens it without a copy); a partial body is fed as it
 * comes. */
static int fill(SSL *s)
{
    uint8_t buf[5 + COMPAT_IO_CHUNK];
    size_t used;
    /* With read-ahead (nginx sets it) a read takes what the BIO has, as
     * OpenSSL's does, and tern gets it all (it keeps what lies beyond a
     * record): one read a record or more instead of two. The program
     * asked for it, so it reads until WANT_READ before it polls. From a
     * record boundary on, and for good: the records are tern's to split. */
    if (s->bulk || (s->ctx->read_ahead && s->rhdr_len == 0 && s->rbody_left == 0)) {
        s->bulk = 1;
        int n = BIO_read(s->rbio, buf, (int)sizeof(buf));
        if (n <= 0)
            return read_status(s, n);
        (void)tern_conn_feed(s->conn, buf, (size_t)n, &used); /* records: nothing to wipe */
        return IO_OK;
    }
    while (s->rhdr_len < 5) {
        int n = BIO_read(s->rbio, s->rhdr + s->rhdr_len, (int)(5 - s->rhdr_len));
        if (n <= 0)
            return read_status(s, n);
        s->rhdr_len += (size_t)n;
        if (s->rhdr_len == 5) {
            s->rbody_left = (size_t)s->rhdr[3] << 8 | s->rhdr[4];
            s->rhdr_fed = 0;
        }
    }
    size_t off = 0;
    if (!s->rhdr_fed) {
        memcpy(buf, s->rhdr, 5);
        off = 5;
        if (header_odd(s->rhdr)) {
            (void)tern_conn_feed(s->conn, buf, off, &used);
            s->rhdr_len = 0;
            return IO_OK;
        }
    }
    size_t want = s->rbody_left < sizeof(buf) - off ? s->rbody_left : sizeof(buf) - off;
    int n = BIO_read(s->rbio, buf + off, (int)want);
    if (n <= 0)
        return read_status(s, n);                               /* the header waits, fed or not */
    (void)tern_conn_feed(s->conn, buf, off + (size_t)n, &used); /* records: nothing to wipe */
    s->rhdr_fed = 1;
    s->rbody_left -= (size_t)n;
    if (s->rbody_left == 0)
        s->rhdr_len = 0; /* the next record's header comes next */
    return IO_OK;
}

/* fill_or_fail fills once for a caller that stops on anything but bytes:
 * IO_OK when bytes came; IO_WANT_READ or IO_ERROR as fill said; at the
 * peer's EOF, IO_EOF when the caller takes it (eof_ok), else IO_ERROR with
 * eof_why queued. */
static int fill_or_fail(SSL *s, const char *eof_why, int eof_ok)
{
    int r = fill(s);
    if (r != IO_EOF || eof_ok)
        return r;
    compat_fail(SSL_R_UNEXPECTED_EOF_WHILE_READING, "%s", eof_why);
    s->failed = 1;
    return IO_ERROR;
}

/* release_pend: under SSL_MODE_RELEASE_BUFFERS the plaintext buffer goes
 * while nothing is in it (wiped as far as it held plaintext) */
static void release_pend(SSL *s)
{
    if (!(s->mode & SSL_MODE_RELEASE_BUFFERS) || s->pend_len != 0)
        return;
    OPENSSL_clear_free(s->pend, s->pend_hi);
    s->pend = NULL;
    s->pend_hi = 0;
}

static int verify_code(enum tern_verify_reason r)
{
    switch (r) {
    case TERN_VERIFY_OK:
    case TERN_VERIFY_NO_CERTIFICATE:
        return X509_V_OK;
    case TERN_VERIFY_EXPIRED:
        return X509_V_ERR_CERT_HAS_EXPIRED;
    case TERN_VERIFY_NOT_YET_VALID:
        return X509_V_ERR_CERT_NOT_YET_VALID;
    case TERN_VERIFY_UNKNOWN_ISSUER:
        return X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
    case TERN_VERIFY_SELF_SIGNED:
        return X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT;
    case TERN_VERIFY_NAME_MISMATCH:
        return X509_V_ERR_HOSTNAME_MISMATCH;
    case TERN_VERIFY_REVOKED:
        return X509_V_ERR_CERT_REVOKED;
    case TERN_VERIFY_BAD_SIGNATURE:
        return X509_V_ERR_CERT_SIGNATURE_FAILURE;
    case TERN_VERIFY_CONSTRAINT:
        return X509_V_ERR_INVALID_CA;
    case TERN_VERIFY_USAGE:
        return X509_V_ERR_INVALID_PURPOSE;
    case TERN_VERIFY_PATH_TOO_LONG:
        return X509_V_ERR_CERT_CHAIN_TOO_LONG;
    case TERN_VERIFY_UNSUPPORTED:
        return X509_V_ERR_CA_MD_TOO_WEAK;
    case TERN_VERIFY_MALFORMED:
        return X509_V_ERR_INVALID_EXTENSION;
    case TERN_VERIFY_CRL:
        return X509_V_ERR_UNABLE_TO_GET_CRL;
    case TERN_VERIFY_PIN_MISMATCH:
    case TERN_VERIFY_REFUSED:
        return X509_V_ERR_APPLICATION_VERIFICATION;
    default:
        return X509_V_ERR_UNSPECIFIED;
    }
}

static void take_verdict(SSL *s)
{
    if (s->store_checked)
        return; /* the store's verdict stands */
    if (compat_resumed_verdict(s))
        return; /* the resumed session's */
    struct tern_verdict v;
    if (tern_conn_peer_verdict(s->conn, &v) == TERN_OK) {
        s->verify_result = verify_code(v.reason);
        tern_verdict_cleanup(&v);
    }
}

/* conn_failed queues tern's sentence as an ERR entry once. */
static int conn_failed(SSL *s)
{
    int st = tern_conn_status(s->conn);
    if (st == TERN_OK || st == TERN_E_CLOSED)
        return 0;
    if (!s->failed) {
        take_verdict(s);
        /* a refusal of ours (the store's verdict) in our words */
        const char *why =
            s->store_checked && !s->store_ok ? s->store_why : tern_conn_error(s->conn);
        int reason = s->verify_result != X509_V_OK ? SSL_R_CERTIFICATE_VERIFY_FAILED
                                                   : SSL_R_SSL_HANDSHAKE_FAILURE;
        if (tern_conn_handshake_done(s->conn))
            reason = SSL_R_PROTOCOL_IS_SHUTDOWN;
        reason = compat_status_reason(s, st, reason); /* extras.c: a server's own refusals */
        reason = compat_alert_reason(s, reason);      /* client.c: the server's alert */
        compat_fail(reason, "%s", why != NULL ? why : tern_status_name(st));
        s->failed = 1;
    }
    return 1;
}

static int handshake_steps(SSL *s)
{
    s->rwstate = SSL_NOTHING;
    if (s->failed)
        return -1;
    if (!start(s))
        return -1;
    for (;;) {
        int r = flush(s);
        if (r == IO_WANT_WRITE)
            return -1;
        if (r == IO_ERROR)
            return -1;
        if (conn_failed(s))
            return -1;
        if (tern_conn_handshake_done(s->conn)) {
            take_verdict(s);
            return 1;
        }
        if (fill_or_fail(s, "the peer closed the connection during the handshake", 0) != IO_OK)
            return -1;
    }
}

static int handshake(SSL *s)
{
    SSL *prev = enter(s);
    int r = handshake_steps(s);
    leave(prev);
    return r;
}

int SSL_do_handshake(SSL *s)
{
    return handshake(s);
}

int SSL_connect(SSL *s)
{
    if (s->conn == NULL)
        s->server = 0;
    return handshake(s);
}

int SSL_accept(SSL *s)
{
    if (s->conn == NULL)
        s->server = 1;
    return handshake(s);
}

int SSL_is_init_finished(const SSL *s)
{
    /* a fatal error puts OpenSSL's state machine in its error state, which
     * is not "finished" */
    return s->conn != NULL && tern_conn_handshake_done(s->conn) && !s->failed;
}

int SSL_in_init(const SSL *s)
{
    return !SSL_is_init_finished(s);
}

static int read_steps(SSL *s, void *buf, size_t num, size_t *out_n)
{
    *out_n = 0;
    if (!SSL_is_init_finished(s)) {
        int r = handshake(s);
        if (r <= 0)
            return r;
    }
    s->rwstate = SSL_NOTHING;
    if (s->failed)
        return -1;
    for (;;) {
        if (s->pend_len > 0) {
            size_t n = num < s->pend_len ? num : s->pend_len;
            memcpy(buf, s->pend + s->pend_off, n);
            s->pend_off += n;
            s->pend_len -= n;
            if (s->pend_len == 0) {
                s->pend_off = 0;
                release_pend(s); /* an idle connection holds no buffer (nginx asks) */
            }
            *out_n = n;
            return 1;
        }
        /* everything tern has opened moves to pend, so SSL_pending can
         * say how much there is (at most one fill's worth) */
        int st = TERN_OK;
        if (s->pend == NULL && (s->pend = OPENSSL_malloc(COMPAT_PEND)) == NULL) {
            compat_fail(ERR_R_MALLOC_FAILURE, "no memory for the received plaintext");
            return -1;
        }
        while (s->pend_len < COMPAT_PEND) {
            size_t n = 0;
            st = tern_conn_read(s->conn, s->pend + s->pend_len, COMPAT_PEND - s->pend_len, &n);
            if (st != TERN_OK || n == 0)
                break;
            s->pend_len += n;
            if (s->pend_len > s->pend_hi) /* written from pend's start */
                s->pend_hi = s->pend_len;
        }
        if (s->pend_len > 0)
            continue;
        if (st == TERN_E_CLOSED) {
            s->shutdown |= SSL_RECEIVED_SHUTDOWN;
            s->got_close = 1;
            return 0;
        }
        if (st != TERN_OK && st != TERN_WANT_READ) {
            conn_failed(s);
            (void)flush(s); /* the alert */
            return -1;
        }
        int r = flush(s); /* a KeyUpdate's answer */
        if (r != IO_OK)
            return -1;
        r = fill_or_fail(s, "the peer closed the connection without close_notify",
                         (s->options & SSL_OP_IGNORE_UNEXPECTED_EOF) != 0);
        if (r == IO_WANT_READ && s->pend_len == 0)
            release_pend(s); /* waiting for the peer with nothing held (nginx's idle
                                keep-alive): the buffer goes until the next read needs it */
        if (r == IO_EOF) {   /* taken as a close, as the option asks */
            s->shutdown |= SSL_RECEIVED_SHUTDOWN;
            s->got_close = 1;
            return 0;
        }
        if (r != IO_OK)
            return -1;
    }
}

static int read_some(SSL *s, void *buf, size_t num, size_t *out_n)
{
    SSL *prev = enter(s);
    int r = read_steps(s, buf, num, out_n);
    leave(prev);
    return r;
}

int SSL_read_ex(SSL *s, void *buf, size_t num, size_t *readbytes)
{
    size_t n = 0;
    int r = read_some(s, buf, num, &n);
    *readbytes = n;
    return r > 0;
}

int SSL_read(SSL *s, void *buf, int num)
{
    if (num < 0) {
        compat_fail(SSL_R_BAD_VALUE, "SSL_read: negative length %d", num);
        return -1;
    }
    size_t n = 0;
    int r = read_some(s, buf, (size_t)num, &n);
    return r > 0 ? (int)n : r;
}

static int write_steps(SSL *s, const void *buf, size_t num, size_t *out_n)
{
    *out_n = 0;
    if (!SSL_is_init_finished(s)) {
        int r = handshake(s);
        if (r <= 0)
            return r;
    }
    s->rwstate = SSL_NOTHING;
    if (s->failed)
        return -1;
    if (s->shutdown & SSL_SENT_SHUTDOWN) {
        compat_fail(SSL_R_PROTOCOL_IS_SHUTDOWN, "SSL_write after SSL_shutdown");
        s->failed = 1;
        return -1;
    }
    if (s->write_pending == 0 && num > 0) {
        /* queued whole; a retry after WANT_WRITE (OpenSSL: same arguments)
         * only sends what is left */
        size_t n;
        int st = tern_conn_write(s->conn, buf, num, &n);
        if (st != TERN_OK) {
            conn_failed(s);
            return -1;
        }
        s->write_pending = 1;
    }
    int r = flush(s);
    if (r != IO_OK)
        return -1;
    s->write_pending = 0;
    *out_n = num;
    return 1;
}

static int write_some(SSL *s, const void *buf, size_t num, size_t *out_n)
{
    SSL *prev = enter(s);
    int r = write_steps(s, buf, num, out_n);
    leave(prev);
    return r;
}

int SSL_write_ex(SSL *s, const void *buf, size_t num, size_t *written)
{
    size_t n = 0;
    int r = write_some(s, buf, num, &n);
    if (written != NULL)
        *written = n;
    return r > 0;
}

int SSL_write(SSL *s, const void *buf, int num)
{
    if (num < 0) {
        compat_fail(SSL_R_BAD_VALUE, "SSL_write: negative length %d", num);
        return -1;
    }
    size_t n = 0;
    int r = write_some(s, buf, (size_t)num, &n);
    return r > 0 ? (int)n : r;
}

int SSL_pending(const SSL *s)
{
    return s->pend_len > INT32_MAX ? INT32_MAX : (int)s->pend_len;
}

int SSL_has_pending(const SSL *s)
{
    /* OpenSSL's counts a record read in part too */
    return s->pend_len > 0 || s->rhdr_len > 0;
}

static int shutdown_steps(SSL *s)
{
    /* after a fatal error OpenSSL is back "in init" too */
    if (s->conn == NULL || !tern_conn_handshake_done(s->conn) || s->failed) {
        compat_fail(SSL_R_SHUTDOWN_WHILE_IN_INIT, "SSL_shutdown before the handshake completed");
        return -1;
    }
    s->rwstate = SSL_NOTHING;
    if (s->quiet_shutdown) {
        s->shutdown = SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN;
        return 1;
    }
    if (!(s->shutdown & SSL_SENT_SHUTDOWN)) {
        s->shutdown |= SSL_SENT_SHUTDOWN;
        if (tern_conn_close(s->conn) != TERN_OK && conn_failed(s))
            return -1;
    }
    int r = flush(s);
    if (r != IO_OK)
        return -1;
    if (s->shutdown & SSL_RECEIVED_SHUTDOWN)
        return 1;
    if (!s->close_flushed) {
        s->close_flushed = 1; /* the first call: close_notify is out, report 0 */
        return 0;
    }
    /* a second call waits for the peer's close_notify */
    uint8_t sink[4096];
    for (;;) {
        size_t n;
        int st = tern_conn_read(s->conn, sink, sizeof(sink), &n);
        if (st == TERN_E_CLOSED) {
            s->shutdown |= SSL_RECEIVED_SHUTDOWN;
            return 1;
        }
        if (st == TERN_OK && n > 0)
            continue; /* data after our close_notify is dropped, as OpenSSL does */
        if (st != TERN_WANT_READ && st != TERN_OK) {
            conn_failed(s);
            return -1;
        }
        if (fill_or_fail(s, "the peer closed the connection without close_notify", 0) != IO_OK)
            return -1;
    }
}

int SSL_shutdown(SSL *s)
{
    SSL *prev = enter(s);
    int r = shutdown_steps(s);
    leave(prev);
    return r;
}

int SSL_get_shutdown(const SSL *s)
{
    return s->shutdown;
}

void SSL_set_shutdown(SSL *s, int mode)
{
    s->shutdown = mode;
}

void SSL_set_quiet_shutdown(SSL *s, int mode)
{
    s->quiet_shutdown = mode;
}

int SSL_get_error(const SSL *s, int ret)
{
    if (ret > 0)
        return SSL_ERROR_NONE;
    unsigned long e = ERR_peek_error();
    if (e != 0)
        return ERR_GET_LIB(e) == ERR_LIB_SYS ? SSL_ERROR_SYSCALL : SSL_ERROR_SSL;
    if (s->rwstate == SSL_READING) {
        if (BIO_should_read(s->rbio))
            return SSL_ERROR_WANT_READ;
        if (BIO_should_write(s->rbio))
            return SSL_ERROR_WANT_WRITE;
    }
    if (s->rwstate == SSL_WRITING) {
        if (BIO_should_write(s->wbio))
            return SSL_ERROR_WANT_WRITE;
        if (BIO_should_read(s->wbio))
            return SSL_ERROR_WANT_READ;
    }
    if (s->got_close)
        return SSL_ERROR_ZERO_RETURN;
    return SSL_ERROR_SYSCALL;
}

/* ---- what was negotiated ---- */

int SSL_version(const SSL *s)
{
    return s->conn != NULL && tern_conn_version(s->conn) ? tern_conn_version(s->conn)
                                                         : TLS1_3_VERSION;
}

const char *SSL_get_version(const SSL *s)
{
    switch (SSL_version(s)) {
    case TLS1_2_VERSION:
        return "TLSv1.2";
    case TLS1_3_VERSION:
        return "TLSv1.3";
    default:
        return "unknown";
    }
}

const SSL_CIPHER *SSL_get_current_cipher(const SSL *s)
{
    if (s->conn == NULL || !tern_conn_handshake_done(s->conn))
        return NULL;
    return compat_cipher(tern_conn_cipher_suite(s->conn));
}

long SSL_get_verify_result(const SSL *s)
{
    return s->verify_result; /* a resumed client's from its session (client.c) */
}

STACK_OF(X509) * SSL_get0_verified_chain(const SSL *s)
{
    return s->verified; /* the path, leaf first; the leaf alone when none was found */
}

void SSL_get0_alpn_selected(const SSL *s, const unsigned char **data, unsigned int *len)
{
    const char *p = s->conn != NULL ? tern_conn_alpn(s->conn) : NULL;
    *data = (const unsigned char *)p;
    *len = p != NULL ? (unsigned)strlen(p) : 0;
}

const char *SSL_get_servername(const SSL *s, const int type)
{
    if (type != TLSEXT_NAMETYPE_host_name)
        return NULL;
    if (s->server)
        return s->sni_name != NULL ? s->sni_name
                                   : (s->conn != NULL ? tern_conn_server_name(s->conn) : NULL);
    return s->host;
}

int SSL_session_reused(const SSL *s)
{
    return s->conn != NULL && tern_conn_resumed(s->conn);
}

static X509 *peer_cert(const SSL *s, size_t i)
{
    return compat_peer_cert(s, i); /* client.c: a resumed client's from its session */
}

X509 *SSL_get1_peer_certificate(const SSL *s)
{
    SSL *m = (SSL *)s; /* the cache keeps pointer identity across calls */
    if (m->peer == NULL)
        m->peer = peer_cert(s, 0);
    if (m->peer != NULL)
        X509_up_ref(m->peer);
    return m->peer;
}

/* in_memory_session: a server's resumed connection took its session from
 * the library's own cache, where OpenSSL keeps the SSL_SESSION object
 * with the client's chain; a session that was serialized (a ticket, the
 * program's cache callbacks) comes back from OpenSSL's ASN.1 form, which
 * holds the client's certificate but not its chain. (A TLS 1.2 client
 * resuming by ID on a server with tickets on and the internal cache is
 * taken as a ticket here: no chain.) */
static int in_memory_session(const SSL *s)
{
    const SSL_CTX *ctx = s->session_ctx != NULL ? s->session_ctx : s->ctx;
    long mode = ctx->sess_cache_mode;
    return (mode & SSL_SESS_CACHE_SERVER) && ctx->sess_new_cb == NULL && ctx->sess_get_cb == NULL &&
           !(mode & SSL_SESS_CACHE_NO_INTERNAL_STORE) && ctx->sess_cache_size != 0 &&
           (s->options & SSL_OP_NO_TICKET);
}

STACK_OF(X509) * SSL_get_peer_cert_chain(const SSL *s)
{
    SSL *m = (SSL *)s;
    if (m->peer_chain != NULL)
        return m->peer_chain;
    if (s->conn == NULL)
        return NULL;
    /* a server's resumed connection: the client's certificates come from
     * the session (tern keeps them), but only OpenSSL's in-memory sessions
     * keep the chain */
    if (s->server && tern_conn_resumed(s->conn) && !in_memory_session(s))
        return NULL;
    size_t n = compat_peer_count(s);
    if (n == 0)
        return NULL;
    STACK_OF(X509) *sk = sk_X509_new_null();
    if (sk == NULL)
        return NULL;
    /* on a server OpenSSL's chain leaves the leaf out */
    for (size_t i = s->server ? 1 : 0; i < n; i++) {
        X509 *x = (i == 0) ? SSL_get1_peer_certificate(s) : peer_cert(s, i);
        if (x == NULL || !sk_X509_push(sk, x)) {
            X509_free(x);
            sk_X509_pop_free(sk, X509_free);
            return NULL;
        }
    }
    m->peer_chain = sk;
    return sk;
}
