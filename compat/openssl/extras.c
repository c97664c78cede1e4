/* ctrl commands beyond the core's that nginx sends: OCSP stapling's
 * callback (accepted, never called: tern does not staple) and the
 * client's group list for $ssl_curves (not kept by tern: none reported). */
#include "local.h"

int compat_ctx_ctrl_more(SSL_CTX *ctx, int cmd, long larg, void *parg, long *ret)
{
    (void)larg;
    switch (cmd) {
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
    (void)larg;
    (void)parg;
    switch (cmd) {
    case SSL_CTRL_GET_GROUPS:
        /* SSL_get1_groups: the groups the peer listed. tern does not keep
         * the list, so none are reported (nginx's $ssl_curves is empty);
         * no array is written. */
        *ret = 0;
        return 1;
    default:
        return 0;
    }
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
