/* The cipher suites tern negotiates, as SSL_CIPHER objects, and the
 * cipher-string calls: they keep what tern supports and fail only when
 * nothing is left (tern never negotiates CBC, RC4, export or NULL suites,
 * whatever a string asks). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "local.h"

static const SSL_CIPHER ciphers[] = {
    {0x1301, "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", TLS1_3_VERSION, 128},
    {0x1302, "TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384", TLS1_3_VERSION, 256},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256", TLS1_3_VERSION, 256},
    {0xc02b, "ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
     TLS1_2_VERSION, 128},
    {0xc02c, "ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
     TLS1_2_VERSION, 256},
    {0xc02f, "ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", TLS1_2_VERSION,
     128},
    {0xc030, "ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", TLS1_2_VERSION,
     256},
    {0xcca8, "ECDHE-RSA-CHACHA20-POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
     TLS1_2_VERSION, 256},
    {0xcca9, "ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
     TLS1_2_VERSION, 256},
};
#define N_CIPHERS (sizeof(ciphers) / sizeof(ciphers[0]))

const SSL_CIPHER *compat_cipher(uint16_t id)
{
    for (size_t i = 0; i < N_CIPHERS; i++)
        if (ciphers[i].id == id)
            return &ciphers[i];
    return NULL;
}

const char *SSL_CIPHER_get_name(const SSL_CIPHER *c)
{
    return c != NULL ? c->name : "(NONE)";
}

char *SSL_CIPHER_description(const SSL_CIPHER *c, char *buf, int size)
{
    if (c == NULL)
        return NULL;
    if (buf == NULL) {
        size = 128;
        buf = OPENSSL_malloc((size_t)size);
        if (buf == NULL)
            return NULL;
    }
    snprintf(buf, (size_t)size, "%-30s %s Enc=AEAD(%d)\n", c->name,
             c->min_version == TLS1_3_VERSION ? "TLSv1.3" : "TLSv1.2", c->bits);
    return buf;
}

const SSL_CIPHER *SSL_CIPHER_find(SSL *s, const unsigned char *ptr)
{
    return compat_cipher((uint16_t)(ptr[0] << 8 | ptr[1]));
}

/* a token of an OpenSSL cipher string that leaves tern something: a suite
 * tern has, or a keyword whose set includes one of them */
static int token_keeps(const char *t, size_t len)
{
    static const char *keywords[] = {"DEFAULT",  "ALL",    "HIGH",    "ECDHE",   "EECDH",
                                     "kECDHE",   "AESGCM", "AES",     "AES128",  "AES256",
                                     "CHACHA20", "ECDSA",  "aECDSA",  "RSA",     "aRSA",
                                     "SHA256",   "SHA384", "TLSv1.2", "SECLEVEL"};
    if (len == 0 || t[0] == '!' || t[0] == '-')
        return 0;
    if (t[0] == '+')
        t++, len--;
    if (len == 0)
        return 0;
    for (size_t i = 0; i < N_CIPHERS; i++)
        if (strlen(ciphers[i].name) == len && strncmp(ciphers[i].name, t, len) == 0)
            return 1;
    for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
        size_t k = strlen(keywords[i]);
        if (len >= k && strncasecmp(keywords[i], t, k) == 0 &&
            (len == k || t[k] == '+' || t[k] == '@' || t[k] == '='))
            return 1;
    }
    return 0;
}

static int string_keeps(const char *str)
{
    const char *p = str;
    while (*p != '\0') {
        size_t len = strcspn(p, ":, ");
        if (token_keeps(p, len))
            return 1;
        p += len;
        if (*p != '\0')
            p++;
    }
    return 0;
}

/* explicit_suites: when every token of str names one of tern's TLS 1.2
 * suites (and no keyword), the list in that order; else 0 */
static size_t explicit_suites(const char *str, uint16_t *out, size_t cap)
{
    size_t n = 0;
    const char *p = str;
    while (*p != '\0') {
        size_t len = strcspn(p, ":, ");
        if (len > 0) {
            size_t i;
            for (i = 3; i < N_CIPHERS; i++)
                if (strlen(ciphers[i].name) == len && strncmp(ciphers[i].name, p, len) == 0)
                    break;
            if (i == N_CIPHERS)
                return 0;
            if (n < cap)
                out[n++] = ciphers[i].id;
        }
        p += len;
        if (*p != '\0')
            p++;
    }
    return n;
}

int SSL_CTX_set_cipher_list(SSL_CTX *ctx, const char *str)
{
    /* tern's TLS 1.2 suites (ECDHE, AEAD) stay unless the string names
     * some of them one by one: then those, in its order */
    if (str == NULL || !string_keeps(str)) {
        compat_fail(SSL_R_NO_CIPHER_MATCH, "cipher list '%s' leaves none of tern's TLS 1.2 suites",
                    str != NULL ? str : "(null)");
        return 0;
    }
    ctx->n_suites12 = explicit_suites(str, ctx->suites12, 6);
    compat_changed(ctx);
    return 1;
}

int SSL_CTX_set_ciphersuites(SSL_CTX *ctx, const char *str)
{
    uint16_t ids[3];
    size_t n = 0;
    const char *p = str;
    while (p != NULL && *p != '\0') {
        size_t len = strcspn(p, ":");
        for (size_t i = 0; i < 3; i++) {
            int dup = 0;
            for (size_t k = 0; k < n; k++)
                dup |= ids[k] == ciphers[i].id;
            if (!dup && strlen(ciphers[i].name) == len && strncmp(ciphers[i].name, p, len) == 0)
                ids[n++] = ciphers[i].id;
        }
        p += len;
        if (*p != '\0')
            p++;
    }
    if (n == 0) {
        compat_fail(SSL_R_NO_CIPHER_MATCH, "TLS 1.3 suites '%s' name none tern has",
                    str != NULL ? str : "(null)");
        return 0;
    }
    memcpy(ctx->suites13, ids, n * sizeof(ids[0]));
    ctx->n_suites13 = n;
    compat_changed(ctx);
    return 1;
}

size_t compat_suites(const SSL_CTX *ctx, uint16_t *out, size_t cap)
{
    if (ctx->n_suites13 == 0 && ctx->n_suites12 == 0)
        return 0;
    size_t n = 0;
    if (ctx->n_suites13 > 0) {
        for (size_t i = 0; i < ctx->n_suites13 && n < cap; i++)
            out[n++] = ctx->suites13[i];
    } else {
        for (size_t i = 0; i < 3 && n < cap; i++)
            out[n++] = ciphers[i].id;
    }
    if (ctx->n_suites12 > 0) {
        for (size_t i = 0; i < ctx->n_suites12 && n < cap; i++)
            out[n++] = ctx->suites12[i];
    } else {
        for (size_t i = 3; i < N_CIPHERS && n < cap; i++)
            out[n++] = ciphers[i].id;
    }
    return n;
}
