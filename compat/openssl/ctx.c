/* SSL_CTX and SSL settings: options, the ctrl commands curl and nginx use,
 * verification settings, certificates and keys, ALPN, groups. */
#include <string.h>
#include <strings.h>

#include <openssl/pem.h>

#include "local.h"

/* ---- options: kept and reported; those that would weaken tern (SSLv3,
 * TLS 1.0/1.1, renegotiation, compression) have nothing to switch on ---- */

uint64_t SSL_CTX_set_options(SSL_CTX *ctx, uint64_t op)
{
    compat_changed(ctx);
    return ctx->options |= op;
}
uint64_t SSL_CTX_clear_options(SSL_CTX *ctx, uint64_t op)
{
    compat_changed(ctx);
    return ctx->options &= ~op;
}
uint64_t SSL_CTX_get_options(const SSL_CTX *ctx)
{
    return ctx->options;
}
uint64_t SSL_set_options(SSL *s, uint64_t op)
{
    return s->options |= op;
}
uint64_t SSL_clear_options(SSL *s, uint64_t op)
{
    return s->options &= ~op;
}
uint64_t SSL_get_options(const SSL *s)
{
    return s->options;
}

/* ---- verification settings ---- */

void SSL_CTX_set_verify(SSL_CTX *ctx, int mode, SSL_verify_cb cb)
{
    ctx->verify_mode = mode;
    ctx->verify_cb = cb;
    compat_changed(ctx);
}
void SSL_set_verify(SSL *s, int mode, SSL_verify_cb cb)
{
    s->verify_mode = mode;
    s->verify_cb = cb;
}
void SSL_CTX_set_verify_depth(SSL_CTX *ctx, int depth)
{
    ctx->verify_depth = depth;
}
void SSL_set_verify_depth(SSL *s, int depth)
{
    s->verify_depth = depth;
}
int SSL_CTX_get_verify_mode(const SSL_CTX *ctx)
{
    return ctx->verify_mode;
}
int SSL_CTX_get_verify_depth(const SSL_CTX *ctx)
{
    return ctx->verify_depth;
}
SSL_verify_cb SSL_CTX_get_verify_callback(const SSL_CTX *ctx)
{
    return ctx->verify_cb;
}

int SSL_CTX_load_verify_locations(SSL_CTX *ctx, const char *file, const char *path)
{
    if (file == NULL && path == NULL) {
        compat_fail(ERR_R_PASSED_NULL_PARAMETER, "SSL_CTX_load_verify_locations: no file or path");
        return 0;
    }
    if (file != NULL && !X509_STORE_load_file(ctx->store, file))
        return 0;
    if (path != NULL && !X509_STORE_load_path(ctx->store, path))
        return 0;
    return 1;
}

static int idx_once_result = -1;
static CRYPTO_ONCE idx_once = CRYPTO_ONCE_STATIC_INIT;
static void idx_init(void)
{
    idx_once_result =
        X509_STORE_CTX_get_ex_new_index(0, "SSL for verify callback", NULL, NULL, NULL);
}
int SSL_get_ex_data_X509_STORE_CTX_idx(void)
{
    if (!CRYPTO_THREAD_run_once(&idx_once, idx_init))
        return -1;
    return idx_once_result;
}

/* ---- protocol versions, groups, ALPN ---- */

static int set_version(int *field, long v)
{
    /* OpenSSL accepts any known version; tern clamps at the handshake
     * (TLS 1.0/1.1 are never negotiated whatever the minimum says). */
    if (v != 0 && v != SSL3_VERSION && v != TLS1_VERSION && v != TLS1_1_VERSION &&
        v != TLS1_2_VERSION && v != TLS1_3_VERSION) {
        compat_fail(SSL_R_UNSUPPORTED_PROTOCOL, "protocol version 0x%lx is not one of TLS's", v);
        return 0;
    }
    *field = (int)v;
    return 1;
}

int compat_group_from_name(const char *name, size_t len, uint16_t *out)
{
    static const struct {
        const char *name;
        uint16_t id;
    } names[] = {
        {"X25519MLKEM768", TERN_GROUP_X25519MLKEM768},
        {"x25519", 0x001d},
        {"X25519", 0x001d},
        {"P-256", 0x0017},
        {"prime256v1", 0x0017},
        {"secp256r1", 0x0017},
        {"P-384", 0x0018},
        {"secp384r1", 0x0018},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strlen(names[i].name) == len && strncasecmp(names[i].name, name, len) == 0) {
            *out = names[i].id;
            return 1;
        }
    }
    return 0;
}

/* groups_list keeps the groups tern offers in the given order; groups
 * tern does not offer (X448, ffdhe2048, ...) are left out; a name that is
 * no group's at all is refused, as is a list that leaves nothing, as in
 * OpenSSL. */
static int groups_list(SSL_CTX *ctx, const char *list)
{
    uint16_t g[COMPAT_MAX_GROUPS];
    size_t n = 0;
    const char *p = list;
    while (p != NULL && *p != '\0') {
        const char *end = strchr(p, ':');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        uint16_t id;
        if (!compat_group_known(p, len)) { /* extras.c */
            compat_fail(SSL_R_BAD_VALUE, "'%.*s' (in '%s') is not the name of a group", (int)len, p,
                        list);
            return 0;
        }
        if (compat_group_from_name(p, len, &id) && n < COMPAT_MAX_GROUPS) {
            int dup = 0;
            for (size_t i = 0; i < n; i++)
                dup |= g[i] == id;
            if (!dup)
                g[n++] = id;
        }
        p = end != NULL ? end + 1 : NULL;
    }
    if (n == 0) {
        compat_fail(SSL_R_NO_SHARED_GROUPS, "no group of '%s' is one tern offers", list);
        return 0;
    }
    memcpy(ctx->groups, g, n * sizeof(g[0]));
    ctx->n_groups = n;
    return 1;
}

int SSL_CTX_set_alpn_protos(SSL_CTX *ctx, const unsigned char *protos, unsigned int len)
{
    OPENSSL_free(ctx->alpn);
    ctx->alpn = NULL;
    ctx->alpn_len = 0;
    if (len == 0)
        return 0;
    if (!compat_alpn_valid(protos, len)) {
        compat_fail(SSL_R_BAD_VALUE, "the ALPN list of %u bytes is malformed", len);
        return 1; /* this one returns 0 on success */
    }
    ctx->alpn = OPENSSL_memdup(protos, len);
    if (ctx->alpn == NULL)
        return 1; /* this one returns 0 on success */
    ctx->alpn_len = len;
    compat_changed(ctx);
    return 0;
}

/* ---- ctrl ---- */

long SSL_CTX_ctrl(SSL_CTX *ctx, int cmd, long larg, void *parg)
{
    switch (cmd) {
    case SSL_CTRL_GET_MIN_PROTO_VERSION:
    case SSL_CTRL_GET_MAX_PROTO_VERSION:
    case SSL_CTRL_GET_SESS_CACHE_MODE:
    case SSL_CTRL_GET_SESS_CACHE_SIZE:
    case SSL_CTRL_GET_EXTRA_CHAIN_CERTS:
    case SSL_CTRL_GET_CHAIN_CERTS:
        break; /* reading changes nothing */
    default:
        compat_changed(ctx); /* the server configuration is built again */
    }
    switch (cmd) {
    case SSL_CTRL_SET_MIN_PROTO_VERSION:
        return set_version(&ctx->min_version, larg);
    case SSL_CTRL_SET_MAX_PROTO_VERSION:
        return set_version(&ctx->max_version, larg);
    case SSL_CTRL_GET_MIN_PROTO_VERSION:
        return ctx->min_version;
    case SSL_CTRL_GET_MAX_PROTO_VERSION:
        return ctx->max_version;
    case SSL_CTRL_MODE:
        return ctx->mode |= larg;
    case SSL_CTRL_CLEAR_MODE:
        return ctx->mode &= ~larg;
    case SSL_CTRL_SET_SESS_CACHE_MODE: {
        long old = ctx->sess_cache_mode;
        ctx->sess_cache_mode = larg;
        return old;
    }
    case SSL_CTRL_GET_SESS_CACHE_MODE:
        return ctx->sess_cache_mode;
    case SSL_CTRL_SET_SESS_CACHE_SIZE: {
        long old = ctx->sess_cache_size;
        ctx->sess_cache_size = larg;
        return old;
    }
    case SSL_CTRL_GET_SESS_CACHE_SIZE:
        return ctx->sess_cache_size;
    case SSL_CTRL_SET_GROUPS_LIST:
        return groups_list(ctx, parg);
    case SSL_CTRL_SET_TLSEXT_SERVERNAME_ARG:
        ctx->sni_arg = parg;
        return 1;
    case SSL_CTRL_SET_MSG_CALLBACK_ARG:
        ctx->msg_arg = parg;
        return 1;
    case 94: /* SSL_CTRL_SET_ECDH_AUTO, gone from 3.0's headers */
    case SSL_CTRL_SET_DH_AUTO:
        return 1; /* no-ops in OpenSSL 3.0 too: groups are always chosen */
    default: {
        long r = compat_chain_ctrl(ctx, cmd, larg, parg); /* certs.c */
        if (r != -1)
            return r;
        if (compat_ctx_ctrl_more(ctx, cmd, larg, parg, &r)) /* extras.c */
            return r;
        compat_fail(COMPAT_R_UNSUPPORTED,
                    "SSL_CTX_ctrl command %d is not supported by tern's libssl", cmd);
        return 0;
    }
    }
}

/* group_nid: OpenSSL answers with a NID where there is one, else the code
 * point marked TLSEXT_nid_unknown (X25519MLKEM768 has no NID in 3.0: nginx
 * prints "0x11ec"; a made-up NID would have no name) */
static int group_nid(uint16_t g)
{
    switch (g) {
    case 0x001d:
        return NID_X25519;
    case 0x001e:
        return NID_X448;
    case 0x0017:
        return NID_X9_62_prime256v1;
    case 0x0018:
        return NID_secp384r1;
    case 0x0019:
        return NID_secp521r1;
    case 0x0100:
        return NID_ffdhe2048;
    case 0x0101:
        return NID_ffdhe3072;
    case 0x0102:
        return NID_ffdhe4096;
    case 0x0103:
        return NID_ffdhe6144;
    case 0x0104:
        return NID_ffdhe8192;
    default:
        return TLSEXT_nid_unknown | g;
    }
}

long SSL_ctrl(SSL *s, int cmd, long larg, void *parg)
{
    switch (cmd) {
    case SSL_CTRL_SET_TLSEXT_HOSTNAME:
        if (larg != TLSEXT_NAMETYPE_host_name) {
            compat_fail(SSL_R_BAD_VALUE, "server name type %ld", larg);
            return 0;
        }
        OPENSSL_free(s->host);
        s->host = parg != NULL ? OPENSSL_strdup(parg) : NULL;
        return parg == NULL || s->host != NULL;
    case SSL_CTRL_SET_MIN_PROTO_VERSION:
        return set_version(&s->min_version, larg);
    case SSL_CTRL_SET_MAX_PROTO_VERSION:
        return set_version(&s->max_version, larg);
    case SSL_CTRL_GET_MIN_PROTO_VERSION:
        return s->min_version;
    case SSL_CTRL_GET_MAX_PROTO_VERSION:
        return s->max_version;
    case SSL_CTRL_SET_MSG_CALLBACK_ARG:
        s->msg_arg = parg;
        return 1;
    case SSL_CTRL_MODE:
        return s->mode |= larg;
    case SSL_CTRL_CLEAR_MODE:
        return s->mode &= ~larg;
    case SSL_CTRL_CHAIN: { /* SSL_set0_chain (larg 0) takes the stack, set1 copies it */
        STACK_OF(X509) *sk = parg;
        if (sk != NULL && larg && (sk = X509_chain_up_ref(sk)) == NULL)
            return 0;
        sk_X509_pop_free(s->own_chain, X509_free);
        s->own_chain = sk;
        return 1;
    }
    case SSL_CTRL_CHAIN_CERT: /* add0 (larg 0) takes it, add1 adds a reference */
        if (parg == NULL || (s->own_chain == NULL && (s->own_chain = sk_X509_new_null()) == NULL) ||
            !sk_X509_push(s->own_chain, parg))
            return 0;
        if (larg)
            X509_up_ref(parg);
        return 1;
    case SSL_CTRL_GET_NEGOTIATED_GROUP: {
        uint16_t g = s->conn != NULL ? tern_conn_group(s->conn) : 0;
        return g != 0 ? group_nid(g) : 0;
    }
    case SSL_CTRL_GET_GROUPS: { /* SSL_get1_groups: a server's, the client's list */
        int *out = parg;
        /* OpenSSL keeps none for a resumed TLS 1.2 session */
        if (s->conn != NULL && tern_conn_resumed(s->conn) &&
            tern_conn_version(s->conn) == TLS1_2_VERSION)
            return 0;
        for (size_t i = 0; out != NULL && i < s->n_peer_groups; i++)
            out[i] = group_nid(s->peer_groups[i]);
        return (long)s->n_peer_groups;
    }
    default: {
        long r;
        if (compat_ssl_ctrl_more(s, cmd, larg, parg, &r)) /* extras.c */
            return r;
        compat_fail(COMPAT_R_UNSUPPORTED, "SSL_ctrl command %d is not supported by tern's libssl",
                    cmd);
        return 0;
    }
    }
}

long SSL_CTX_callback_ctrl(SSL_CTX *ctx, int cmd, void (*fp)(void))
{
    compat_changed(ctx);
    if (cmd == SSL_CTRL_SET_TLSEXT_SERVERNAME_CB) {
        ctx->sni_cb = (int (*)(SSL *, int *, void *))fp;
        return 1;
    }
    if (cmd == SSL_CTRL_SET_TLSEXT_TICKET_KEY_CB) {
        /* OpenSSL's ticket format, sealed with the contexts it sets up */
        ctx->ticket_key_cb =
            (int (*)(SSL *, unsigned char *, unsigned char *, EVP_CIPHER_CTX *, HMAC_CTX *, int))fp;
        return 1;
    }
    if (compat_ctx_callback_ctrl_more(ctx, cmd, fp)) /* extras.c */
        return 1;
    compat_fail(COMPAT_R_UNSUPPORTED,
                "SSL_CTX_callback_ctrl command %d is not supported by tern's libssl", cmd);
    return 0;
}

/* ---- certificates and keys ---- */

void SSL_CTX_set_default_passwd_cb(SSL_CTX *ctx, pem_password_cb *cb)
{
    ctx->passwd_cb = cb;
}
void SSL_CTX_set_default_passwd_cb_userdata(SSL_CTX *ctx, void *u)
{
    ctx->passwd_arg = u;
}

/* the SSL's own certificate: used by the handshake when set before it
 * starts or from the SSL_CTX's certificate callback (server.c) */
int SSL_use_certificate(SSL *s, X509 *x)
{
    if (x == NULL) {
        compat_fail(ERR_R_PASSED_NULL_PARAMETER, "SSL_use_certificate: no certificate");
        return 0;
    }
    X509_up_ref(x);
    X509_free(s->own_cert);
    s->own_cert = x;
    return 1;
}

int SSL_use_PrivateKey(SSL *s, EVP_PKEY *pkey)
{
    if (pkey == NULL) {
        compat_fail(ERR_R_PASSED_NULL_PARAMETER, "SSL_use_PrivateKey: no key");
        return 0;
    }
    EVP_PKEY_up_ref(pkey);
    EVP_PKEY_free(s->own_key);
    s->own_key = pkey;
    return 1;
}

/* the message callback (curl -v prints each handshake message with it):
 * tern's message callback, the same messages OpenSSL reports (handshake
 * messages, alerts, ChangeCipherSpec), not its record headers */
void SSL_CTX_set_msg_callback(SSL_CTX *ctx,
                              void (*cb)(int write_p, int version, int content_type,
                                         const void *buf, size_t len, SSL *ssl, void *arg))
{
    ctx->msg_cb = cb;
    compat_changed(ctx);
}

void SSL_CTX_set_keylog_callback(SSL_CTX *ctx, SSL_CTX_keylog_cb_func cb)
{
    ctx->keylog_cb = cb;
    compat_changed(ctx);
}

long SSL_CTX_set_timeout(SSL_CTX *ctx, long t)
{
    long old = ctx->timeout;
    ctx->timeout = t;
    compat_changed(ctx);
    return old;
}
long SSL_CTX_get_timeout(const SSL_CTX *ctx)
{
    return ctx->timeout;
}
