/* Display names of the protocol's numbers, for traces and error sentences. */
#include "tern/tern.h"

#include <stddef.h>

struct name {
    uint16_t value;
    const char *name;
};

static const char *lookup(const struct name *t, size_t n, uint16_t v)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].value == v)
            return t[i].name;
    return "unknown";
}

#define LOOKUP(table, v) lookup(table, sizeof(table) / sizeof(table[0]), v)

const char *tern_version_name(uint16_t version)
{
    static const struct name t[] = {
        {0x0300, "SSL 3.0"}, {0x0301, "TLS 1.0"}, {0x0302, "TLS 1.1"},
        {0x0303, "TLS 1.2"}, {0x0304, "TLS 1.3"},
    };
    return LOOKUP(t, version);
}

const char *tern_suite_name(uint16_t suite)
{
    static const struct name t[] = {
        {0x1301, "TLS_AES_128_GCM_SHA256"},
        {0x1302, "TLS_AES_256_GCM_SHA384"},
        {0x1303, "TLS_CHACHA20_POLY1305_SHA256"},
        {0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
        {0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
        {0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
        {0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
        {0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
        {0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
        {0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256"},
        {0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384"},
    };
    return LOOKUP(t, suite);
}

const char *tern_group_name(uint16_t group)
{
    static const struct name t[] = {
        {0x0017, "secp256r1"}, {0x0018, "secp384r1"}, {0x0019, "secp521r1"},
        {0x001d, "x25519"},    {0x001e, "x448"},      {0x11ec, "X25519MLKEM768"},
    };
    return LOOKUP(t, group);
}

const char *tern_sig_scheme_name(uint16_t scheme)
{
    static const struct name t[] = {
        {0x0401, "rsa_pkcs1_sha256"},
        {0x0501, "rsa_pkcs1_sha384"},
        {0x0601, "rsa_pkcs1_sha512"},
        {0x0403, "ecdsa_secp256r1_sha256"},
        {0x0503, "ecdsa_secp384r1_sha384"},
        {0x0603, "ecdsa_secp521r1_sha512"},
        {0x0804, "rsa_pss_rsae_sha256"},
        {0x0805, "rsa_pss_rsae_sha384"},
        {0x0806, "rsa_pss_rsae_sha512"},
        {0x0807, "ed25519"},
        {0x0808, "ed448"},
        {0x0809, "rsa_pss_pss_sha256"},
        {0x080a, "rsa_pss_pss_sha384"},
        {0x080b, "rsa_pss_pss_sha512"},
        {0x0201, "rsa_pkcs1_sha1"},
        {0x0203, "ecdsa_sha1"},
    };
    return LOOKUP(t, scheme);
}
