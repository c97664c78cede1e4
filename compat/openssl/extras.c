/* The versions tern may negotiate, from the minimum and maximum set
 * (SSL_CTX_set_min/max_proto_version) and the options that switch one off
 * (SSL_OP_NO_TLSv1_2, SSL_OP_NO_TLSv1_3: nginx's ssl_protocols sets
 * those), clamped to TLS 1.2 and 1.3 (tern's floor holds whatever is
 * asked; a minimum above the maximum makes tern refuse the range). Also:
 * ctrl commands beyond the core's that nginx sends: OCSP stapling's
 * callback (accepted, never called: tern does not staple);
 * read-ahead (kept and reported; ssl.c's fill reads ahead with it). */
#include <string.h>

#include <openssl/ec.h>
#include <openssl/objects.h>

#include "local.h"

int compat_ctx_ctrl_more(SSL_CTX *ctx, int cmd, long larg, void *parg, long *ret)
{
    switch (cmd) {
    case SSL_CTRL_SET_READ_AHEAD: /* nginx sets it: fill (ssl.c) then reads ahead */
        *ret = ctx->read_ahead;
        ctx->read_ahead = (int)larg;
        return 1;
    case SSL_CTRL_GET_READ_AHEAD:
        *ret = ctx->read_ahead;
        return 1;
    case SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB_ARG:
        ctx->status_arg = parg; /* kept for the callback, which is never called */
        *ret = 1;
        return 1;
    default:
        return 0;
    }
}

int compat_ssl_ctrl_more(SSL *s, int cmd, long larg, void *parg, long *ret)
{
    (void)s;
    (void)cmd;
    (void)larg;
    (void)parg;
    (void)ret;
    return 0; /* none beyond ctx.c's yet */
}

int compat_ctx_callback_ctrl_more(SSL_CTX *ctx, int cmd, void (*fp)(void))
{
    switch (cmd) {
    case SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB:
        /* OCSP stapling (nginx's ssl_stapling): tern sends no
         * certificate status, so the callback that would give the
         * response is kept but never called; a client asking for a
         * status gets none, as from a server without a response. */
        ctx->status_cb = (int (*)(SSL *, void *))fp;
        return 1;
    default:
        return 0;
    }
}

static uint16_t clamp_version(int v, uint16_t dflt)
{
    if (v == 0)
        return dflt;
    if (v < TLS1_2_VERSION)
        return TLS1_2_VERSION;
    if (v > TLS1_3_VERSION)
        return TLS1_3_VERSION;
    return (uint16_t)v;
}

void compat_versions(uint64_t options, int min, int max, uint16_t *lo, uint16_t *hi)
{
    *lo = clamp_version(min, TLS1_2_VERSION);
    /* a maximum below tern's floor leaves nothing (OpenSSL's "no protocols
     * available"), rather than TLS 1.2 the program did not allow */
    *hi = max != 0 && max < TLS1_2_VERSION ? (uint16_t)max : clamp_version(max, TLS1_3_VERSION);
    if ((options & SSL_OP_NO_TLSv1_2) && *lo < TLS1_3_VERSION)
        *lo = TLS1_3_VERSION;
    if ((options & SSL_OP_NO_TLSv1_3) && *hi > TLS1_2_VERSION)
        *hi = TLS1_2_VERSION;
}

int compat_group_known(const char *name, size_t len)
{
    uint16_t id;
    char buf[64];
    if (compat_group_from_name(name, len, &id))
        return 1;
    if (len == 0 || len >= sizeof(buf))
        return 0;
    memcpy(buf, name, len);
    buf[len] = '\0';
    return OBJ_sn2nid(buf) != NID_undef || OBJ_ln2nid(buf) != NID_undef ||
           EC_curve_nist2nid(buf) != NID_undef;
}

/* compat_status_reason: on a server, OpenSSL's reason for a handshake tern
 * ended itself, where tern's status says which: programs sort failures by
 * it (nginx logs a client's unsupported protocol or unexpected message at
 * "info", an unknown reason at "crit"); tern's sentence stays the data */
int compat_status_reason(const SSL *s, int st, int reason)
{
    if (!s->server || reason != SSL_R_SSL_HANDSHAKE_FAILURE)
        return reason;
    switch (st) {
    case TERN_E_PROTOCOL_VERSION:
        return SSL_R_UNSUPPORTED_PROTOCOL;
    case TERN_E_UNEXPECTED_MESSAGE:
        return SSL_R_UNEXPECTED_MESSAGE;
    case TERN_E_BAD_RECORD_MAC:
        return SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC;
    case TERN_E_INAPPROPRIATE_FALLBACK:
        return SSL_R_INAPPROPRIATE_FALLBACK;
    case TERN_E_NO_APPLICATION_PROTOCOL:
        return SSL_R_NO_APPLICATION_PROTOCOL;
    default:
        return reason;
    }
}
