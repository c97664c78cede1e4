/* Fuzz d2i_SSL_SESSION of the OpenSSL layer (compat/openssl/session.c): a
 * program may keep serialized sessions in files or shared memory, so the
 * bytes are not trusted. The input goes in behind the layer's marker, in
 * each of its forms (and once as it is): a session that reads back must serialize to exactly
 * what was read, and every pointer stay inside the input. */
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>

#include "../../compat/openssl/local.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(const uint8_t *buf, size_t len)
{
    const unsigned char *p = buf;
    SSL_SESSION *ss = d2i_SSL_SESSION(NULL, &p, (long)len);
    if (ss == NULL) {
        if (p != buf)
            abort(); /* a refusal consumes nothing */
        ERR_clear_error();
        return;
    }
    if (p != buf + len)
        abort();
    int n = i2d_SSL_SESSION(ss, NULL);
    unsigned char *out = malloc((size_t)n), *q = out;
    if (out == NULL || i2d_SSL_SESSION(ss, &q) != n || (size_t)n != len || memcmp(out, buf, len))
        abort();
    unsigned int idlen = 0;
    SSL_SESSION_get_id(ss, &idlen);
    const char *host = SSL_SESSION_get0_hostname(ss);
    if (idlen == 0 || idlen > 32 || (host != NULL && strlen(host) > 255))
        abort();
    free(out);
    SSL_SESSION_free(ss);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned char marker[8] = {'t', 'e', 'r', 'n', 's', 'e', 's', 1};
    uint8_t *buf = malloc(size + sizeof(marker));
    if (buf == NULL)
        return 0;
    memcpy(buf, marker, sizeof(marker));
    memcpy(buf + sizeof(marker), data, size);
    one(buf, size + sizeof(marker));
    buf[sizeof(marker) - 1] = 2; /* a server's session: its ID first */
    one(buf, size + sizeof(marker));
    buf[sizeof(marker) - 1] = 3; /* a client's with the server's certificate and verdict */
    one(buf, size + sizeof(marker));
    one(data, size);
    free(buf);
    return 0;
}
