/* A server's connections share their SSL_CTX's tern configuration: the
 * certificate and key are parsed once, the ticket secret (drawn at
 * SSL_CTX_new, so worker processes forked afterwards share it) opens every
 * connection's tickets, and the program's session cache callbacks, ticket
 * key callback and ALPN select callback are bridged to tern's session
 * store, ticket-sealing hook and ALPN callback. Each callback finds the SSL
 * it runs for with compat_current(). An SSL whose own settings differ
 * from its SSL_CTX's (versions, SSL_OP_NO_TICKET, a certificate of its
 * own) gets a configuration of its own, built the same way. */
#include <string.h>

#include <openssl/pem.h>

#include "local.h"

/* ---- the session cache: tern's session store over the program's
 * callbacks (nginx's ssl_session_cache shared:) ---- */

static int store_new(void *arg, const uint8_t *id, size_t id_len, const uint8_t *session,
                     size_t len)
{
    SSL_CTX *ctx = arg;
    SSL *s = compat_current();
    if (s == NULL || ctx->sess_new_cb == NULL)
        return 1;
    SSL_SESSION *ss = compat_server_session(id, id_len, session, len);
    if (ss == NULL)
        return 1;
    SSL_SESSION_up_ref(ss); /* the SSL's, for SSL_get_session */
    SSL_SESSION_free(s->session);
    s->session = ss;
    /* 1: the callback keeps the reference it was given */
    if (ctx->sess_new_cb(s, ss) == 0)
        SSL_SESSION_free(ss);
    return 0;
}

static size_t store_get(void *arg, const uint8_t *id, size_t id_len, uint8_t *out, size_t cap)
{
    SSL_CTX *ctx = arg;
    SSL *s = compat_current();
    if (s == NULL || ctx->sess_get_cb == NULL)
        return 0;
    int copy = 1;
    SSL_SESSION *ss = ctx->sess_get_cb(s, id, (int)id_len, &copy);
    if (ss == NULL)
        return 0;
    size_t len = 0;
    const uint8_t *blob = compat_server_session_blob(ss, &len);
    if (blob == NULL || len > cap)
        len = 0;
    else
        memcpy(out, blob, len);
    if (len > 0) {
        SSL_SESSION_up_ref(ss);
        SSL_SESSION_free(s->session);
        s->session = ss;
    }
    /* copy 0: the callback handed its reference over */
    if (!copy)
        SSL_SESSION_free(ss);
    return len;
}

static void store_remove(void *arg, const uint8_t *id, size_t id_len)
{
    SSL_CTX *ctx = arg;
    if (ctx->sess_remove_cb == NULL)
        return;
    SSL_SESSION *ss = compat_server_session(id, id_len, NULL, 0);
    if (ss == NULL)
        return;
    ctx->sess_remove_cb(ctx, ss);
    SSL_SESSION_free(ss);
}

void SSL_CTX_sess_set_get_cb(SSL_CTX *ctx,
                             SSL_SESSION *(*cb)(SSL *, const unsigned char *, int, int *))
{
    ctx->sess_get_cb = cb;
    compat_changed(ctx);
}

void SSL_CTX_sess_set_remove_cb(SSL_CTX *ctx, void (*cb)(SSL_CTX *ctx, SSL_SESSION *sess))
{
    ctx->sess_remove_cb = cb;
    compat_changed(ctx);
}

int SSL_CTX_set_session_id_context(SSL_CTX *ctx, const unsigned char *sid_ctx,
                                   unsigned int sid_ctx_len)
{
    if (sid_ctx_len > SSL_MAX_SID_CTX_LENGTH) {
        compat_fail(SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG,
                    "session id context of %u bytes (at most %d)", sid_ctx_len,
                    SSL_MAX_SID_CTX_LENGTH);
        return 0;
    }
    if (sid_ctx_len > 0)
        memcpy(ctx->sid_ctx, sid_ctx, sid_ctx_len);
    ctx->sid_ctx_len = sid_ctx_len;
    compat_changed(ctx);
    return 1;
}

/* ---- ALPN: the program's select callback chooses ---- */

void SSL_CTX_set_alpn_select_cb(SSL_CTX *ctx, SSL_CTX_alpn_select_cb_func cb, void *arg)
{
    ctx->alpn_select_cb = cb;
    ctx->alpn_select_arg = arg;
    compat_changed(ctx);
}

/* alpn_tramp gives the program the client's list in wire form and maps its
 * choice back to an index (a protocol the client did not offer refuses the
 * handshake, as RFC 7301 §3.2 asks). tern calls it before the servername
 * callback; OpenSSL calls it after, so it is the first SSL_CTX's
 * callback that runs (nginx sets the same one on every SSL_CTX). */
static int alpn_tramp(void *arg, tern_conn *c, const char *const *protocols, size_t n)
{
    SSL *s = compat_current();
    if (s == NULL)
        return TERN_ALPN_REFUSE;
    SSL_CTX *ctx = s->ctx;
    if (ctx->alpn_select_cb == NULL)
        return TERN_ALPN_NOACK;
    unsigned char wire[TERN_ALPN_CB_MAX * 256];
    size_t len = 0;
    for (size_t i = 0; i < n && i < TERN_ALPN_CB_MAX; i++) {
        size_t l = strlen(protocols[i]);
        if (l == 0 || l > 255)
            continue;
        wire[len++] = (unsigned char)l;
        memcpy(wire + len, protocols[i], l);
        len += l;
    }
    const unsigned char *out = NULL;
    unsigned char out_len = 0;
    int r = ctx->alpn_select_cb(s, &out, &out_len, wire, (unsigned)len, ctx->alpn_select_arg);
    if (r == SSL_TLSEXT_ERR_ALERT_FATAL)
        return TERN_ALPN_REFUSE;
    if (r != SSL_TLSEXT_ERR_OK || out == NULL)
        return TERN_ALPN_NOACK;
    for (size_t i = 0; i < n; i++)
        if (strlen(protocols[i]) == out_len && memcmp(protocols[i], out, out_len) == 0)
            return (int)i;
    compat_fail(SSL_R_NO_APPLICATION_PROTOCOL,
                "the ALPN select callback chose a protocol the client did not offer");
    return TERN_ALPN_REFUSE;
}

/* ---- client CA names (sent in the CertificateRequest) ---- */

STACK_OF(X509_NAME) * SSL_load_client_CA_file(const char *file)
{
    BIO *b = BIO_new_file(file, "r");
    if (b == NULL)
        return NULL; /* BIO_new_file queued why */
    STACK_OF(X509_NAME) *names = sk_X509_NAME_new_null();
    X509 *x = NULL;
    int ok = names != NULL;
    while (ok && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        X509_NAME *n = X509_get_subject_name(x);
        int dup = 0;
        for (int i = 0; i < sk_X509_NAME_num(names) && !dup; i++)
            dup = X509_NAME_cmp(sk_X509_NAME_value(names, i), n) == 0;
        if (!dup) {
            X509_NAME *copy = X509_NAME_dup(n);
            ok = copy != NULL && sk_X509_NAME_push(names, copy);
            if (!ok)
                X509_NAME_free(copy);
        }
        X509_free(x);
    }
    BIO_free(b);
    if (ok && sk_X509_NAME_num(names) > 0) {
        ERR_clear_error(); /* the end of the file */
        return names;
    }
    sk_X509_NAME_pop_free(names, X509_NAME_free);
    if (ok)
        compat_fail(ERR_R_PEM_LIB, "no certificate in %s", file);
    return NULL;
}

void SSL_CTX_set_client_CA_list(SSL_CTX *ctx, STACK_OF(X509_NAME) * name_list)
{
    sk_X509_NAME_pop_free(ctx->client_ca, X509_NAME_free);
    ctx->client_ca = name_list; /* its own now, as in OpenSSL */
    compat_changed(ctx);
}

STACK_OF(X509_NAME) * SSL_CTX_get_client_CA_list(const SSL_CTX *ctx)
{
    return ctx->client_ca;
}

int SSL_CTX_add_client_CA(SSL_CTX *ctx, X509 *x)
{
    if (x == NULL) {
        compat_fail(ERR_R_PASSED_NULL_PARAMETER, "SSL_CTX_add_client_CA: no certificate");
        return 0;
    }
    if (ctx->client_ca == NULL && (ctx->client_ca = sk_X509_NAME_new_null()) == NULL)
        return 0;
    X509_NAME *n = X509_NAME_dup(X509_get_subject_name(x));
    if (n == NULL || !sk_X509_NAME_push(ctx->client_ca, n)) {
        X509_NAME_free(n);
        return 0;
    }
    compat_changed(ctx);
    return 1;
}

static int add_ca_names(tern_config *cfg, SSL_CTX *ctx)
{
    for (int i = 0; i < sk_X509_NAME_num(ctx->client_ca); i++) {
        unsigned char *der = NULL;
        int len = i2d_X509_NAME(sk_X509_NAME_value(ctx->client_ca, i), &der);
        int st = len > 0 ? tern_config_add_client_ca_name(cfg, der, (size_t)len) : TERN_E_ARG;
        OPENSSL_free(der);
        if (st != TERN_OK) {
            compat_fail(SSL_R_BAD_VALUE, "client CA name %d of the SSL_CTX: %s", i,
                        tern_config_error(cfg) ? tern_config_error(cfg) : tern_status_name(st));
            return 0;
        }
    }
    return 1;
}

/* ---- the servername callback, and what SSL_set_SSL_CTX changes there ---- */

static enum tern_client_auth client_auth(int verify_mode)
{
    if (!(verify_mode & SSL_VERIFY_PEER))
        return TERN_CLIENT_AUTH_NONE;
    return (verify_mode & SSL_VERIFY_FAIL_IF_NO_PEER_CERT) ? TERN_CLIENT_AUTH_REQUIRED
                                                           : TERN_CLIENT_AUTH_OPTIONAL;
}

static tern_config *shared_config(SSL_CTX *ctx);

void SSL_CTX_set_cert_cb(SSL_CTX *ctx, int (*cb)(SSL *ssl, void *arg), void *arg)
{
    ctx->cert_cb = cb;
    ctx->cert_arg = arg;
}

/* own_certificate runs the SSL_CTX's certificate callback, which may give
 * the SSL a certificate of its own (nginx's certificates named by
 * variables): the connection then takes it, with the SSL_CTX's CA names */
static int own_certificate(SSL *s, tern_conn *c)
{
    if (s->ctx->cert_cb(s, s->ctx->cert_arg) <= 0) {
        compat_fail(SSL_R_CERT_CB_ERROR, "the certificate callback failed for '%s'",
                    s->sni_name != NULL ? s->sni_name : "(no name)");
        return 0;
    }
    if (s->own_cert == NULL || s->own_key == NULL)
        return 1;
    tern_config *own = tern_config_new();
    int ok = own != NULL && compat_add_chain(own, s->own_cert, s->own_chain, s->own_key) &&
             add_ca_names(own, s->ctx) && tern_conn_use_config(c, own) == TERN_OK;
    tern_config_free(own); /* the connection holds its own reference */
    if (!ok)
        compat_fail(SSL_R_CERT_CB_ERROR, "the certificate the callback set for '%s' is unusable",
                    s->sni_name != NULL ? s->sni_name : "(no name)");
    return ok;
}

/* sni_tramp runs for every ClientHello: the program's servername callback,
 * if any (SSL_get_servername answers in it), then what it changed: an
 * SSL_set_SSL_CTX gives the connection that SSL_CTX's certificate and CA
 * names (its X509_STORE verifies the client, read at verification time),
 * and the SSL's verify mode (nginx copies the new SSL_CTX's) says whether
 * a client certificate is asked for. */
static enum tern_sni_verdict sni_tramp(void *arg, tern_conn *c,
                                       const struct tern_client_hello_info *info)
{
    SSL *s = compat_current();
    if (s == NULL)
        return TERN_SNI_HANDSHAKE_FAILURE;
    SSL_CTX *before = s->ctx;
    OPENSSL_free(s->sni_name);
    s->sni_name = info->server_name != NULL ? OPENSSL_strdup(info->server_name) : NULL;
    s->n_peer_groups = 0;
    for (size_t i = 0; i < info->n_groups && s->n_peer_groups < 32; i++)
        s->peer_groups[s->n_peer_groups++] = info->groups[i];
    if (before->sni_cb != NULL) {
        int al = SSL_AD_UNRECOGNIZED_NAME;
        int r = before->sni_cb(s, &al, before->sni_arg);
        if (r == SSL_TLSEXT_ERR_ALERT_FATAL) {
            compat_fail(SSL_R_SSL_HANDSHAKE_FAILURE, "the servername callback refused '%s'",
                        s->sni_name != NULL ? s->sni_name : "(no name)");
            return al == SSL_AD_UNRECOGNIZED_NAME ? TERN_SNI_UNRECOGNIZED_NAME
                                                  : TERN_SNI_HANDSHAKE_FAILURE;
        }
    }
    if (s->ctx != before && compat_has_cert(s->ctx)) {
        tern_config *other = shared_config(s->ctx);
        int ok = other != NULL && tern_conn_use_config(c, other) == TERN_OK;
        tern_config_free(other); /* the connection holds its own reference */
        if (!ok) {
            compat_fail(SSL_R_SSL_HANDSHAKE_FAILURE,
                        "the SSL_CTX chosen for '%s' could not give its certificate",
                        s->sni_name != NULL ? s->sni_name : "(no name)");
            return TERN_SNI_HANDSHAKE_FAILURE;
        }
    }
    if (s->ctx->cert_cb != NULL && !own_certificate(s, c))
        return TERN_SNI_HANDSHAKE_FAILURE;
    if (tern_conn_set_client_auth(c, client_auth(s->verify_mode)) != TERN_OK)
        return TERN_SNI_HANDSHAKE_FAILURE;
    return TERN_SNI_CONTINUE;
}

/* ---- building the configuration ---- */

static int build(tern_config *cfg, SSL_CTX *ctx, SSL *s, int min_version, int max_version,
                 uint64_t options, int verify_mode)
{
    if (!compat_config_common(cfg, ctx, min_version, max_version, options) ||
        !add_ca_names(cfg, ctx))
        return 0;
    /* the SSL's own certificate when it has one, else the SSL_CTX's */
    if (s != NULL && s->own_cert != NULL && s->own_key != NULL
            ? !compat_add_chain(cfg, s->own_cert, s->own_chain, s->own_key)
            : !compat_add_own_chains(cfg, ctx))
        return 0;
    int st = tern_config_set_client_auth(cfg, client_auth(verify_mode));
    tern_config_set_server_name_callback(cfg, sni_tramp, NULL);
    if (st == TERN_OK && ctx->alpn_select_cb != NULL)
        st = tern_config_set_alpn_select_callback(cfg, alpn_tramp, NULL);
    if (st == TERN_OK)
        st = tern_config_set_ticket_key(cfg, ctx->ticket_secret, sizeof(ctx->ticket_secret));
    if (st == TERN_OK && ctx->sid_ctx_len > 0)
        st = tern_config_set_session_id_context(cfg, ctx->sid_ctx, ctx->sid_ctx_len);
    /* OpenSSL's session lifetime; TLS 1.3 allows tickets of a week at most */
    uint32_t lifetime = ctx->timeout <= 0 ? 1 : ctx->timeout > 604800 ? 604800 : ctx->timeout;
    int no_ticket = (options & SSL_OP_NO_TICKET) != 0;
    /* the session cache: the program's callbacks (then stateful TLS 1.3
     * tickets under SSL_OP_NO_TICKET, as OpenSSL's), else tern's own cache
     * when the internal store is on, else none */
    long mode = ctx->sess_cache_mode;
    int store = 0;
    if (st == TERN_OK && (mode & SSL_SESS_CACHE_SERVER)) {
        if (ctx->sess_new_cb != NULL || ctx->sess_get_cb != NULL) {
            struct tern_session_store bridge = {
                .new_session = store_new,
                .get_session = store_get,
                .remove_session = store_remove,
                .arg = ctx,
                .stateful_tickets = no_ticket,
                /* OpenSSL's stateful tickets serve more than once (its
                 * anti-replay is for early data, which tern never takes) */
                .single_use_tickets = 0,
            };
            st = tern_config_set_session_store(cfg, &bridge);
            store = 1;
        } else if (!(mode & SSL_SESS_CACHE_NO_INTERNAL_STORE) && ctx->sess_cache_size != 0) {
            long size = ctx->sess_cache_size < 0 || ctx->sess_cache_size > 1048576
                            ? 1048576
                            : ctx->sess_cache_size;
            st = tern_config_set_session_cache(cfg, (size_t)size);
            if (st == TERN_OK) /* OpenSSL's internal cache: sealed TLS 1.3 tickets, or
                                  stateful ones serving more than once */
                st = tern_config_set_session_cache_tickets(cfg, no_ticket, 0);
            store = 1;
        }
    }
    if (st == TERN_OK)
        st = tern_config_set_tickets(cfg, no_ticket && !store ? 0 : 2, lifetime, 86400);
    if (st == TERN_OK && ctx->ticket_key_cb != NULL && !no_ticket)
        st = compat_ticket_hook(cfg, ctx);
    if (st != TERN_OK) {
        compat_fail(SSL_R_SSL_HANDSHAKE_FAILURE, "the server's sessions: %s",
                    tern_config_error(cfg) ? tern_config_error(cfg) : tern_status_name(st));
        return 0;
    }
    return 1;
}

/* shared_config: the SSL_CTX's configuration (a reference of the caller's),
 * built again when a setting changed since */
static tern_config *shared_config(SSL_CTX *ctx)
{
    tern_config *cfg = NULL;
    if (!CRYPTO_THREAD_write_lock(ctx->lock))
        return NULL;
    unsigned gen = __atomic_load_n(&ctx->gen, __ATOMIC_RELAXED);
    if (ctx->srv_cfg == NULL || ctx->srv_gen != gen) {
        tern_config *fresh = tern_config_new();
        if (fresh != NULL && !build(fresh, ctx, NULL, ctx->min_version, ctx->max_version,
                                    ctx->options, ctx->verify_mode)) {
            tern_config_free(fresh);
            fresh = NULL;
        }
        if (fresh != NULL) {
            tern_config_free(ctx->srv_cfg); /* connections keep their references */
            ctx->srv_cfg = fresh;
            ctx->srv_gen = gen;
        }
    }
    if (ctx->srv_cfg != NULL && ctx->srv_gen == gen)
        cfg = tern_config_ref(ctx->srv_cfg);
    CRYPTO_THREAD_unlock(ctx->lock);
    return cfg;
}

tern_config *compat_server_config(SSL *s)
{
    SSL_CTX *ctx = s->ctx;
    /* what the SSL changed after SSL_new that the configuration holds (its
     * verify mode is set per connection in sni_tramp) */
    if (s->min_version == ctx->min_version && s->max_version == ctx->max_version &&
        !((s->options ^ ctx->options) & SSL_OP_NO_TICKET) && s->own_cert == NULL)
        return shared_config(ctx);
    tern_config *cfg = tern_config_new();
    if (cfg != NULL &&
        !build(cfg, ctx, s, s->min_version, s->max_version, s->options, s->verify_mode)) {
        tern_config_free(cfg);
        cfg = NULL;
    }
    return cfg;
}

void compat_free_server(SSL_CTX *ctx)
{
    tern_config_free(ctx->srv_cfg);
    ctx->srv_cfg = NULL;
    CRYPTO_THREAD_lock_free(ctx->lock);
    ctx->lock = NULL;
    sk_X509_NAME_pop_free(ctx->client_ca, X509_NAME_free);
    ctx->client_ca = NULL;
}
