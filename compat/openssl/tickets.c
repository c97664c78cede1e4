/* The ticket key callback (SSL_CTX_set_tlsext_ticket_key_cb; nginx's
 * ssl_session_ticket_key files) as tern's ticket-sealing hook, in
 * OpenSSL's ticket format: key name (16 bytes), IV, the session state
 * encrypted with the cipher context the callback set up, and an HMAC over
 * all of that with the HMAC context it set up. The callback chooses the
 * key when sealing (enc 1) and finds it by name when opening (enc 0: 0 for
 * an unknown name, 1 found, 2 found under an old key: renew). A ticket
 * whose HMAC does not verify (compared in constant time) or that does not
 * decrypt is not ours: a full handshake. The opening side reads the
 * peer's bytes: tests/fuzz/compat_ticket_fuzz.c runs it on arbitrary
 * input. */
#define OPENSSL_SUPPRESS_DEPRECATED /* HMAC_CTX: the callback's own type */
#include <string.h>

#include "local.h"

#define NAME_LEN 16 /* TLSEXT_KEYNAME_LENGTH */

int compat_ticket_seal(SSL_CTX *ctx, SSL *s, const uint8_t *state, size_t len, uint8_t *out,
                       size_t cap, size_t *out_len)
{
    EVP_CIPHER_CTX *cc = EVP_CIPHER_CTX_new();
    HMAC_CTX *hc = HMAC_CTX_new();
    unsigned char name[NAME_LEN], iv[EVP_MAX_IV_LENGTH];
    int ok = 0, n1 = 0, n2 = 0;
    unsigned int mlen = 0;
    if (cc == NULL || hc == NULL || len > INT32_MAX ||
        ctx->ticket_key_cb(s, name, iv, cc, hc, 1) <= 0)
        goto out;
    int ivlen = EVP_CIPHER_CTX_get_iv_length(cc), block = EVP_CIPHER_CTX_get_block_size(cc);
    size_t mac = HMAC_size(hc);
    if (ivlen < 0 || ivlen > EVP_MAX_IV_LENGTH || block <= 0 || mac == 0 || mac > EVP_MAX_MD_SIZE ||
        NAME_LEN + (size_t)ivlen + len + (size_t)block + mac > cap)
        goto out;
    memcpy(out, name, NAME_LEN);
    memcpy(out + NAME_LEN, iv, (size_t)ivlen);
    uint8_t *ct = out + NAME_LEN + ivlen;
    if (!EVP_EncryptUpdate(cc, ct, &n1, state, (int)len) || !EVP_EncryptFinal_ex(cc, ct + n1, &n2))
        goto out;
    size_t body = NAME_LEN + (size_t)ivlen + (size_t)n1 + (size_t)n2;
    if (!HMAC_Update(hc, out, body) || !HMAC_Final(hc, out + body, &mlen) || mlen != mac)
        goto out;
    *out_len = body + mlen;
    ok = 1;
out:
    EVP_CIPHER_CTX_free(cc);
    HMAC_CTX_free(hc);
    return ok;
}

int compat_ticket_open(SSL_CTX *ctx, SSL *s, const uint8_t *t, size_t len, uint8_t *out, size_t cap,
                       size_t *out_len)
{
    /* OpenSSL's floor: a name and a whole IV's room, whatever the cipher */
    if (len < NAME_LEN + EVP_MAX_IV_LENGTH || len > TERN_TICKET_MAX)
        return TERN_TICKET_UNKNOWN;
    EVP_CIPHER_CTX *cc = EVP_CIPHER_CTX_new();
    HMAC_CTX *hc = HMAC_CTX_new();
    unsigned char name[NAME_LEN], iv[EVP_MAX_IV_LENGTH], mac_got[EVP_MAX_MD_SIZE];
    uint8_t plain[TERN_TICKET_MAX + EVP_MAX_BLOCK_LENGTH];
    int ret = TERN_TICKET_UNKNOWN, n1 = 0, n2 = 0;
    unsigned int mlen = 0;
    memcpy(name, t, NAME_LEN);
    memcpy(iv, t + NAME_LEN, EVP_MAX_IV_LENGTH);
    int found = cc != NULL && hc != NULL ? ctx->ticket_key_cb(s, name, iv, cc, hc, 0) : -1;
    if (found != 1 && found != 2)
        goto out; /* an unknown key name (0), or the callback failed */
    int ivlen = EVP_CIPHER_CTX_get_iv_length(cc);
    size_t mac = HMAC_size(hc);
    if (ivlen < 0 || ivlen > EVP_MAX_IV_LENGTH || mac == 0 || mac > EVP_MAX_MD_SIZE ||
        len <= NAME_LEN + (size_t)ivlen + mac)
        goto out;
    size_t body = len - mac;
    if (!HMAC_Update(hc, t, body) || !HMAC_Final(hc, mac_got, &mlen) || mlen != mac ||
        CRYPTO_memcmp(mac_got, t + body, mac) != 0)
        goto out;
    const uint8_t *ct = t + NAME_LEN + ivlen;
    size_t ct_len = body - NAME_LEN - (size_t)ivlen;
    if (!EVP_DecryptUpdate(cc, plain, &n1, ct, (int)ct_len) ||
        !EVP_DecryptFinal_ex(cc, plain + n1, &n2) || (size_t)n1 + (size_t)n2 > cap)
        goto out;
    memcpy(out, plain, (size_t)n1 + (size_t)n2);
    *out_len = (size_t)n1 + (size_t)n2;
    ret = found == 2 ? TERN_TICKET_RENEW : TERN_TICKET_OK;
out:
    OPENSSL_cleanse(plain, sizeof(plain));
    EVP_CIPHER_CTX_free(cc);
    HMAC_CTX_free(hc);
    ERR_clear_error(); /* a ticket that is not ours is not an error of the connection */
    return ret;
}

static int seal_tramp(void *arg, const uint8_t *state, size_t len, uint8_t *out, size_t cap,
                      size_t *out_len)
{
    SSL *s = compat_current();
    return s != NULL && compat_ticket_seal(arg, s, state, len, out, cap, out_len) ? 0 : 1;
}

static int open_tramp(void *arg, const uint8_t *ticket, size_t len, uint8_t *out, size_t cap,
                      size_t *out_len)
{
    SSL *s = compat_current();
    return s != NULL ? compat_ticket_open(arg, s, ticket, len, out, cap, out_len)
                     : TERN_TICKET_UNKNOWN;
}

int compat_ticket_hook(tern_config *cfg, SSL_CTX *ctx)
{
    struct tern_ticket_sealer sealer = {.seal = seal_tramp, .open = open_tramp, .arg = ctx};
    return tern_config_set_ticket_sealer(cfg, &sealer);
}
