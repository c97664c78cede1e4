/* Fuzz the public X.509 API (include/tern/x509.h) on one input: every
 * certificate of it (PEM or DER) parsed and each field read, its SANs
 * rendered (each a NUL-terminated string), the CRLs parsed, the chain
 * verified against an empty store, and the input as a public-key pin. */
#include "tern/tern.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tern_x509 *certs[16];
    size_t n = 0;
    char why[320];
    if (tern_x509_parse_all(data, size, certs, 16, &n, why, sizeof(why)) != TERN_OK &&
        (n != 0 || !why[0]))
        abort(); /* a failure keeps nothing and says why */
    for (size_t i = 0; i < n; i++) {
        const tern_x509 *x = certs[i];
        size_t len;
        if (!tern_x509_der(x, &len) || len == 0 || len > size)
            abort();
        if (strlen(tern_x509_subject(x)) > 1024 || strlen(tern_x509_issuer(x)) > 1024)
            abort(); /* names are cut for sentences */
        (void)tern_x509_serial(x, &len);
        (void)strlen(tern_x509_serial_hex(x));
        for (size_t k = 0; k < tern_x509_san_count(x); k++) {
            enum tern_san_type t;
            const char *v;
            if (tern_x509_san(x, k, &t, &v) != TERN_OK || t < TERN_SAN_DNS || t > TERN_SAN_URI)
                abort();
            (void)strlen(v);
        }
        uint8_t h[32];
        char pin[64];
        if (tern_x509_sha256(x, h) != TERN_OK || tern_x509_spki_sha256(x, h) != TERN_OK ||
            tern_x509_pin(x, pin, sizeof(pin)) != TERN_OK || strlen(pin) != 52)
            abort();
        (void)tern_key_type_name(tern_x509_key_type(x));
    }
    tern_trust *t = tern_trust_new();
    if (t && n) {
        struct tern_verify_opts o;
        struct tern_verdict v;
        tern_verify_opts_init(&o);
        o.name_kind = TERN_NAME_NONE;
        o.at = 1790000000;
        if (tern_x509_verify(t, (const tern_x509 *const *)certs, n, &o, &v) == TERN_OK)
            abort(); /* nothing is trusted */
        if (v.reason == TERN_VERIFY_OK || !v.sentence[0])
            abort();
        tern_verdict_cleanup(&v);
    }
    tern_trust_free(t);
    for (size_t i = 0; i < n; i++)
        tern_x509_free(certs[i]);

    tern_crl *crls[8];
    if (tern_crl_parse_all(data, size, crls, 8, &n, why, sizeof(why)) == TERN_OK)
        for (size_t i = 0; i < n; i++)
            tern_crl_free(crls[i]);

    if (size < 512) {
        char text[512];
        memcpy(text, data, size);
        text[size] = 0;
        tern_config *cfg = tern_config_new();
        if (cfg) {
            (void)tern_config_add_pinned_pubkey(cfg, text);
            tern_config_free(cfg);
        }
    }
    return 0;
}
