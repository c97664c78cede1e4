/* The imports of curl and nginx that tern's libssl does not implement yet:
 * each either fails loudly (returns OpenSSL's error value and queues an
 * ERR entry naming itself) or, where it returns nothing, is a documented
 * no-op that cannot weaken security. MATRIX.md lists each. */
#include <string.h>

#include "local.h"

/* ---- early data: never sent or accepted ---- */

int SSL_CTX_set_max_early_data(SSL_CTX *ctx, uint32_t max_early_data)
{
    if (max_early_data == 0)
        return 1;
    compat_unsupported();
    return 0;
}
uint32_t SSL_CTX_get_max_early_data(const SSL_CTX *ctx)
{
    return 0;
}
int SSL_read_early_data(SSL *s, void *buf, size_t num, size_t *readbytes)
{
    compat_unsupported();
    return SSL_READ_EARLY_DATA_ERROR;
}
int SSL_write_early_data(SSL *s, const void *buf, size_t num, size_t *written)
{
    compat_unsupported();
    return 0;
}

/* ---- callbacks tern does not call yet ---- */

void SSL_CTX_set_info_callback(SSL_CTX *ctx, void (*cb)(const SSL *ssl, int type, int val))
{
    /* not called; nginx uses it to refuse renegotiation, which tern never does */
}
void SSL_CTX_set_post_handshake_auth(SSL_CTX *ctx, int val)
{
    /* no post_handshake_auth extension is sent */
}

/* ---- per-SSL certificates, SRP, sendfile ---- */

int SSL_CTX_set_srp_username(SSL_CTX *ctx, char *name)
{
    compat_unsupported();
    return 0;
}
int SSL_CTX_set_srp_password(SSL_CTX *ctx, char *password)
{
    compat_unsupported();
    return 0;
}
ossl_ssize_t SSL_sendfile(SSL *s, int fd, off_t offset, size_t size, int flags)
{
    compat_unsupported();
    return -1;
}

/* ---- small helpers implemented here ---- */

const char *SSL_alert_desc_string_long(int value)
{
    /* the words OpenSSL 3.0 prints (programs log them; some match on them),
     * "unknown" for the alerts it has no words for */
    static const struct {
        int alert;
        const char *text;
    } words[] = {
        {0, "close notify"},
        {10, "unexpected_message"},
        {20, "bad record mac"},
        {21, "decryption failed"},
        {22, "record overflow"},
        {30, "decompression failure"},
        {40, "handshake failure"},
        {41, "no certificate"},
        {42, "bad certificate"},
        {43, "unsupported certificate"},
        {44, "certificate revoked"},
        {45, "certificate expired"},
        {46, "certificate unknown"},
        {47, "illegal parameter"},
        {48, "unknown CA"},
        {49, "access denied"},
        {50, "decode error"},
        {51, "decrypt error"},
        {60, "export restriction"},
        {70, "protocol version"},
        {71, "insufficient security"},
        {80, "internal error"},
        {90, "user canceled"},
        {100, "no renegotiation"},
        {110, "unsupported extension"},
        {111, "certificate unobtainable"},
        {112, "unrecognized name"},
        {113, "bad certificate status response"},
        {114, "bad certificate hash value"},
        {115, "unknown PSK identity"},
        {120, "no application protocol"},
    };
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (words[i].alert == (value & 0xff))
            return words[i].text;
    return "unknown";
}
