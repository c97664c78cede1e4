/* Fuzz the TLS 1.2 message parsers and the TLS 1.2 client state machine.
 *
 * The first input byte picks the target (low 3 bits):
 *   0 ServerKeyExchange   1 ClientKeyExchange (ECDHE)  2 ClientKeyExchange (RSA)
 *   3 CertificateRequest  4 Certificate                5 digitally-signed
 *   6, 7 a whole server flight (records) fed to a fresh client that offers
 *        TLS 1.2 and 1.3 (6) or only TLS 1.2 (7), verification off, so a
 *        ServerHello choosing 1.2 drives client12.c as far as the bytes go.
 * Every parse result must stay inside the input. */
#include "hs/internal.h"
#include "tern/tern.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(struct rd r, const uint8_t *p, size_t n)
{
    if (r.len && (r.p < p || r.p + r.len > p + n))
        abort();
}

static void feed_client(const uint8_t *p, size_t n, bool only12)
{
    tern_config *cfg = tern_config_new();
    if (!cfg)
        return;
    if (tern_config_insecure_skip_verify_DANGEROUS(cfg, 1) != TERN_OK ||
        (only12 && tern_config_set_versions(cfg, TERN_TLS12, TERN_TLS12) != TERN_OK))
        abort();
    tern_conn *c = tern_conn_new_client(cfg, "localhost");
    if (c) {
        size_t used;
        /* in two pieces, so a record split across feeds is covered too */
        size_t half = n / 2;
        if (tern_conn_feed(c, p, half, &used) == TERN_OK)
            (void)tern_conn_feed(c, p + half, n - half, &used);
        if (tern_conn_handshake_done(c))
            abort(); /* no Finished can be forged without the keys */
        tern_conn_free(c);
    }
    tern_config_free(cfg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int mode = data[0] & 7;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    struct rd body;
    rd_init(&body, p, n);
    struct tern_err err;
    err_init(&err);
    switch (mode) {
    case 0: {
        struct hs12_ske ske;
        if (hs12_parse_ske(body, &ske, &err) == TERN_OK) {
            inside(ske.point, p, n);
            inside(ske.params, p, n);
            inside(ske.sig, p, n);
            if (ske.point.len == 0 || ske.params.p != p)
                abort();
        }
        break;
    }
    case 1:
    case 2: {
        struct rd v;
        if (hs12_parse_cke(body, mode == 2, &v, &err) == TERN_OK) {
            inside(v, p, n);
            if (v.len == 0)
                abort();
        }
        break;
    }
    case 3: {
        uint16_t sigs[8];
        size_t k;
        struct rd cas;
        if (hs12_parse_cert_request(body, sigs, 8, &k, NULL, &cas, &err) == TERN_OK) {
            if (k > 8)
                abort();
            inside(cas, p, n);
        }
        break;
    }
    case 4: {
        struct rd certs[4];
        size_t k;
        if (hs12_parse_certificate(body, certs, 4, &k, &err) == TERN_OK) {
            if (k > 4)
                abort();
            for (size_t i = 0; i < k; i++)
                inside(certs[i], p, n);
        }
        break;
    }
    case 5: {
        uint16_t scheme;
        struct rd sig;
        if (hs12_parse_signed(body, &scheme, &sig, &err) == TERN_OK)
            inside(sig, p, n);
        break;
    }
    default:
        feed_client(p, n, mode == 7);
        break;
    }
    return 0;
}
