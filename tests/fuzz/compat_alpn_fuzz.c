/* Fuzz the OpenSSL layer's ALPN lists (compat/openssl/alpn.c), which may
 * carry a peer's bytes (a server's select callback passes the client's
 * list to SSL_select_next_proto): the first byte splits the input into a
 * server list and a client list. The chosen name must lie inside one of
 * the two lists and be one of its entries; a split list must rebuild to
 * exactly its input. */
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>

#include "../../compat/openssl/local.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_split(const uint8_t *wire, size_t len)
{
    char *names[300];
    size_t n = compat_alpn_split(wire, len, names, 300);
    if (compat_alpn_valid(wire, len)) {
        size_t at = 0;
        for (size_t i = 0; i < n; i++) {
            size_t l = strlen(names[i]);
            /* names with a NUL inside end early; the length byte counts */
            if (at >= len || wire[at] < l || memcmp(wire + at + 1, names[i], l) != 0)
                abort();
            at += 1 + wire[at];
        }
        if (at != len && n < 300)
            abort();
    } else if (n != 0) {
        abort();
    }
    for (size_t i = 0; i < n; i++)
        OPENSSL_free(names[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t cut = data[0] < size - 1 ? data[0] : size - 1;
    const uint8_t *server = data + 1, *client = data + 1 + cut;
    size_t slen = cut, clen = size - 1 - cut;
    check_split(server, slen);
    check_split(client, clen);
    unsigned char *out = NULL;
    unsigned char outlen = 0;
    int r = SSL_select_next_proto(&out, &outlen, server, (unsigned)slen, client, (unsigned)clen);
    if (out != NULL) {
        int in_server = out > server && out + outlen <= server + slen && out[-1] == outlen;
        int in_client = out > client && out + outlen <= client + clen && out[-1] == outlen;
        if (!in_server && !in_client)
            abort();
        if (r == OPENSSL_NPN_NEGOTIATED && !in_server)
            abort();
    } else if (r == OPENSSL_NPN_NEGOTIATED) {
        abort();
    }
    return 0;
}
