/* ALPN's wire format (RFC 7301 §3.1: a list of non-empty names, each
 * with a one-byte length) as programs hand it to libssl: checked, split
 * for tern, and SSL_select_next_proto. The lists may come from the peer
 * (a server's select callback passes the client's), so they are read only
 * within their length; tests/fuzz/compat_alpn_fuzz.c runs them on
 * arbitrary input. */
#include <string.h>

#include "local.h"

int compat_alpn_valid(const unsigned char *wire, size_t len)
{
    size_t i = 0;
    if (len == 0)
        return 0;
    while (i < len) {
        size_t l = wire[i];
        if (l == 0 || l > len - i - 1)
            return 0;
        i += 1 + l;
    }
    return 1;
}

size_t compat_alpn_split(const unsigned char *wire, size_t len, char **names, size_t cap)
{
    size_t n = 0, i = 0;
    if (!compat_alpn_valid(wire, len))
        return 0;
    while (i < len && n < cap) {
        size_t l = wire[i];
        names[n] = OPENSSL_strndup((const char *)wire + i + 1, l);
        if (names[n] == NULL)
            break;
        n++;
        i += 1 + l;
    }
    return n;
}

int SSL_select_next_proto(unsigned char **out, unsigned char *outlen, const unsigned char *server,
                          unsigned int server_len, const unsigned char *client,
                          unsigned int client_len)
{
    if (!compat_alpn_valid(server, server_len))
        server_len = 0; /* a malformed list offers nothing */
    if (!compat_alpn_valid(client, client_len))
        client_len = 0;
    /* the first of the server's protocols the client also offers */
    for (unsigned i = 0; i < server_len;) {
        unsigned l = server[i];
        if (l == 0 || i + 1 + l > server_len)
            break;
        for (unsigned j = 0; j < client_len;) {
            unsigned m = client[j];
            if (m == 0 || j + 1 + m > client_len)
                break;
            if (m == l && memcmp(server + i + 1, client + j + 1, l) == 0) {
                *out = (unsigned char *)server + i + 1;
                *outlen = (unsigned char)l;
                return OPENSSL_NPN_NEGOTIATED;
            }
            j += 1 + m;
        }
        i += 1 + l;
    }
    /* none in common: the client's first, as OpenSSL's fallback */
    if (client_len > 0 && client[0] > 0 && (unsigned)client[0] + 1 <= client_len) {
        *out = (unsigned char *)client + 1;
        *outlen = client[0];
    } else {
        *out = NULL;
        *outlen = 0;
    }
    return OPENSSL_NPN_NO_OVERLAP;
}
