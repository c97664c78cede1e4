/* A client's resumed connection, as OpenSSL reports it: the server's chain
 * and the verification result live in the SSL_SESSION (a resumed
 * handshake has no Certificate message), so SSL_get1_peer_certificate,
 * SSL_get_peer_cert_chain and SSL_get_verify_result answer from the
 * session that was offered and accepted. curl asks for the peer
 * certificate on every connection, resumed or not, and refuses one
 * without it ("couldn't get peer certificate", exit 60). */
#include "local.h"

/* chain_from_conn: the peer's chain tern received, as X509s */
static STACK_OF(X509) * chain_from_conn(const SSL *s)
{
    size_t n = tern_conn_peer_cert_count(s->conn);
    STACK_OF(X509) *sk = n > 0 ? sk_X509_new_null() : NULL;
    for (size_t i = 0; sk != NULL && i < n; i++) {
        const uint8_t *der;
        size_t len;
        X509 *x = NULL;
        if (tern_conn_peer_cert_der(s->conn, i, &der, &len) == TERN_OK)
            x = d2i_X509(NULL, &der, (long)len);
        if (x == NULL || !sk_X509_push(sk, x)) {
            X509_free(x);
            sk_X509_pop_free(sk, X509_free);
            sk = NULL;
        }
    }
    return sk;
}

/* resumed_from: the offered session this connection resumed, or NULL */
static const SSL_SESSION *resumed_from(const SSL *s)
{
    if (s->server || s->conn == NULL || s->offered == NULL || !tern_conn_resumed(s->conn))
        return NULL;
    return s->offered;
}

void compat_client_keep_peer(SSL *s, SSL_SESSION *ss)
{
    const SSL_SESSION *from = resumed_from(s);
    long vr = s->verify_result;
    STACK_OF(X509) * sk;
    if (from != NULL) {
        /* a session from a resumed one: the same server, chain and verdict */
        STACK_OF(X509) *old = compat_session_peer(from, &vr);
        sk = old != NULL ? X509_chain_up_ref(old) : NULL;
    } else {
        sk = chain_from_conn(s);
    }
    compat_session_set_peer(ss, sk, vr);
}

size_t compat_peer_count(const SSL *s)
{
    const SSL_SESSION *from = resumed_from(s);
    if (from != NULL) {
        long vr;
        STACK_OF(X509) *sk = compat_session_peer(from, &vr);
        return sk != NULL ? (size_t)sk_X509_num(sk) : 0;
    }
    return s->conn != NULL ? tern_conn_peer_cert_count(s->conn) : 0;
}

X509 *compat_peer_cert(const SSL *s, size_t i)
{
    const SSL_SESSION *from = resumed_from(s);
    if (from != NULL) {
        long vr;
        STACK_OF(X509) *sk = compat_session_peer(from, &vr);
        X509 *x = sk != NULL && i < (size_t)sk_X509_num(sk) ? sk_X509_value(sk, (int)i) : NULL;
        if (x != NULL)
            X509_up_ref(x);
        return x;
    }
    const uint8_t *der;
    size_t len;
    if (s->conn == NULL || tern_conn_peer_cert_der(s->conn, i, &der, &len) != TERN_OK)
        return NULL;
    return d2i_X509(NULL, &der, (long)len);
}

int compat_resumed_verdict(SSL *s)
{
    const SSL_SESSION *from = resumed_from(s);
    if (from == NULL)
        return 0;
    long vr = X509_V_OK;
    (void)compat_session_peer(from, &vr);
    s->verify_result = vr;
    return 1;
}

int compat_client_config(SSL *s)
{
    /* SSL_OP_NO_TICKET (curl sets it): no session_ticket extension in TLS
     * 1.2, which then resumes by session ID only, as OpenSSL's client does;
     * TLS 1.3 tickets are still taken, as there */
    if ((s->options & SSL_OP_NO_TICKET) &&
        tern_config_set_tickets(s->cfg, 0, 86400, 86400) != TERN_OK) {
        compat_fail(SSL_R_BAD_VALUE, "SSL_OP_NO_TICKET: %s",
                    tern_config_error(s->cfg) ? tern_config_error(s->cfg) : "refused");
        return 0;
    }
    return 1;
}
