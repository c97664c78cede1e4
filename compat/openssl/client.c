/* The client side's own parts of the layer, where OpenSSL's client
 * behaves in ways curl relies on:
 * - a resumed connection reports the server's chain and the verification
 *   result from the SSL_SESSION (a resumed handshake has no Certificate
 *   message), so SSL_get1_peer_certificate, SSL_get_peer_cert_chain and
 *   SSL_get_verify_result answer from the session that was offered and
 *   accepted: curl asks for the peer certificate on every connection and
 *   refuses one without it ("couldn't get peer certificate", exit 60);
 * - SSL_OP_NO_TICKET asks for no TLS 1.2 ticket;
 * - a fatal alert from the server is reported as OpenSSL's reason for it;
 * - a host name is checked only when the verification parameters ask. */
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

/* A fatal alert from the server is reported as OpenSSL reports it: the
 * reason SSL_AD_REASON_OFFSET + the alert's number, whose words ("tlsv1
 * alert protocol version", "tlsv13 alert certificate required") programs
 * print; tern's sentence stays in the entry's data. These are OpenSSL
 * 3.0's strings for those reasons, registered with the layer's others. */
static ERR_STRING_DATA alert_reasons[] = {
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_SSLV3_ALERT_BAD_CERTIFICATE), "sslv3 alert bad certificate"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_SSLV3_ALERT_BAD_RECORD_MAC), "sslv3 alert bad record mac"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED),
     "sslv3 alert certificate expired"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED),
     "sslv3 alert certificate revoked"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN),
     "sslv3 alert certificate unknown"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_SSLV3_ALERT_DECOMPRESSION_FAILURE),
     "sslv3 alert decompression failure"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE),
     "sslv3 alert handshake failure"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_SSLV3_ALERT_ILLEGAL_PARAMETER),
     "sslv3 alert illegal parameter"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_SSLV3_ALERT_NO_CERTIFICATE), "sslv3 alert no certificate"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_SSLV3_ALERT_UNEXPECTED_MESSAGE),
     "sslv3 alert unexpected message"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE),
     "sslv3 alert unsupported certificate"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED),
     "tlsv13 alert certificate required"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TLSV13_ALERT_MISSING_EXTENSION),
     "tlsv13 alert missing extension"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TLSV1_ALERT_ACCESS_DENIED), "tlsv1 alert access denied"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TLSV1_ALERT_DECODE_ERROR), "tlsv1 alert decode error"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TLSV1_ALERT_DECRYPTION_FAILED),
     "tlsv1 alert decryption failed"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TLSV1_ALERT_DECRYPT_ERROR), "tlsv1 alert decrypt error"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TLSV1_ALERT_EXPORT_RESTRICTION),
     "tlsv1 alert export restriction"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TLSV1_ALERT_INAPPROPRIATE_FALLBACK),
     "tlsv1 alert inappropriate fallback"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TLSV1_ALERT_INSUFFICIENT_SECURITY),
     "tlsv1 alert insufficient security"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TLSV1_ALERT_INTERNAL_ERROR), "tlsv1 alert internal error"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL),
     "tlsv1 alert no application protocol"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TLSV1_ALERT_NO_RENEGOTIATION), "tlsv1 alert no renegotiation"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TLSV1_ALERT_PROTOCOL_VERSION), "tlsv1 alert protocol version"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TLSV1_ALERT_RECORD_OVERFLOW), "tlsv1 alert record overflow"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TLSV1_ALERT_UNKNOWN_CA), "tlsv1 alert unknown ca"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TLSV1_ALERT_UNKNOWN_PSK_IDENTITY),
     "tlsv1 alert unknown psk identity"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TLSV1_ALERT_USER_CANCELLED), "tlsv1 alert user cancelled"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TLSV1_BAD_CERTIFICATE_HASH_VALUE),
     "tlsv1 bad certificate hash value"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TLSV1_BAD_CERTIFICATE_STATUS_RESPONSE),
     "tlsv1 bad certificate status response"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TLSV1_CERTIFICATE_UNOBTAINABLE),
     "tlsv1 certificate unobtainable"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TLSV1_UNRECOGNIZED_NAME), "tlsv1 unrecognized name"},
    {ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TLSV1_UNSUPPORTED_EXTENSION), "tlsv1 unsupported extension"},
    {0, NULL},
};

void compat_alert_strings(void)
{
    ERR_load_strings(ERR_LIB_SSL, alert_reasons);
}

static void client_state(void *arg, tern_conn *c, enum tern_state_event ev, int value)
{
    SSL *s = arg;
    if (ev == TERN_STATE_ALERT_RECEIVED && value != 0 && s->alert_received == 0)
        s->alert_received = value; /* the first one: the connection fails on it */
}

int compat_alert_reason(const SSL *s, int reason)
{
    return s->alert_received != 0 ? SSL_AD_REASON_OFFSET + s->alert_received : reason;
}

int compat_client_config(SSL *s)
{
    if (tern_config_set_state_callback(s->cfg, client_state, s) != TERN_OK) {
        compat_fail(SSL_R_BAD_VALUE, "the state callback: %s",
                    tern_config_error(s->cfg) ? tern_config_error(s->cfg) : "refused");
        return 0;
    }
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

/* OpenSSL checks the server's name only when the program asks for one in
 * the verification parameters (SSL_set1_host, or the X509_STORE's
 * X509_VERIFY_PARAM_set1_host); the SNI name (SSL_set_tlsext_host_name)
 * alone checks nothing. curl asks for none: it checks the certificate's
 * names itself after the handshake, from SSL_get1_peer_certificate, and
 * says so in its own words ("no alternative certificate subject name
 * matches target host name", exit 60). So the name checked is the store's
 * parameter's, if any (this layer has no SSL_set1_host). */
const char *compat_verify_host(X509_STORE *st)
{
    X509_VERIFY_PARAM *param = X509_STORE_get0_param(st);
    return param != NULL ? X509_VERIFY_PARAM_get0_host(param, 0) : NULL;
}
