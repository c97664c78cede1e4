/* Fuzz the OpenSSL layer's ticket opening (compat/openssl/tickets.c): a
 * ticket is the client's bytes, read with the key a ticket key callback
 * (the shape of nginx's: AES-128-CBC and HMAC-SHA256 keys found by name)
 * gives. Any input: a known key name with a bad HMAC or padding is
 * refused, and nothing is read outside the ticket. Then the input as a
 * session state: sealed and opened again, it must come back exactly. */
#define OPENSSL_SUPPRESS_DEPRECATED /* HMAC_CTX, as the callback's type */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>

#include "../../compat/openssl/local.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char names[2][16] = {"tern-fuzz-key-01", "tern-fuzz-key-02"};
static const unsigned char aes_key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const unsigned char mac_key[32] = {42};

/* key 1 is current, key 2 an old one (renew) */
static int key_cb(SSL *s, unsigned char *name, unsigned char *iv, EVP_CIPHER_CTX *cctx,
                  HMAC_CTX *hctx, int enc)
{
    if (enc) {
        memcpy(name, names[0], 16);
        memset(iv, 7, 16);
        return EVP_EncryptInit_ex(cctx, EVP_aes_128_cbc(), NULL, aes_key, iv) == 1 &&
               HMAC_Init_ex(hctx, mac_key, sizeof(mac_key), EVP_sha256(), NULL) == 1;
    }
    for (int i = 0; i < 2; i++)
        if (memcmp(name, names[i], 16) == 0)
            return EVP_DecryptInit_ex(cctx, EVP_aes_128_cbc(), NULL, aes_key, iv) == 1 &&
                           HMAC_Init_ex(hctx, mac_key, sizeof(mac_key), EVP_sha256(), NULL) == 1
                       ? i + 1
                       : -1;
    return 0;
}

/* tickets.c's trampolines ask for the current SSL; the fuzzer has none */
SSL *compat_current(void)
{
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static SSL_CTX ctx;
    ctx.ticket_key_cb = key_cb;
    SSL *s = (SSL *)&ctx; /* never dereferenced: the callback ignores it */
    uint8_t out[TERN_SESSION_MAX];
    size_t n = 0;
    /* a copy of exactly size bytes, so a read past it is caught */
    uint8_t *t = malloc(size ? size : 1);
    if (t == NULL)
        return 0;
    memcpy(t, data, size);
    int r = compat_ticket_open(&ctx, s, t, size, out, sizeof(out), &n);
    if (r != TERN_TICKET_UNKNOWN && (n > sizeof(out) || size < 16 + 16 + 32 + 16))
        abort();
    free(t);
    if (size <= TERN_SESSION_MAX) {
        uint8_t ticket[TERN_TICKET_MAX];
        size_t tl = 0;
        if (!compat_ticket_seal(&ctx, s, data, size, ticket, sizeof(ticket), &tl))
            abort();
        n = 0;
        r = compat_ticket_open(&ctx, s, ticket, tl, out, sizeof(out), &n);
        if (r != TERN_TICKET_OK || n != size || memcmp(out, data, size) != 0)
            abort();
        ticket[tl - 1] ^= 1; /* a changed HMAC */
        if (compat_ticket_open(&ctx, s, ticket, tl, out, sizeof(out), &n) != TERN_TICKET_UNKNOWN)
            abort();
    }
    return 0;
}
