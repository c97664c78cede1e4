/* Fuzz the HelloRetryRequest cookie opener (hs_cookie_open, src/hs/cookie.c):
 * a server opens whatever a second ClientHello returns as its cookie.
 *
 * The first byte picks the mode: bit 0 clear, the rest is a cookie as a
 * client would send it; bit 0 set, a cookie is sealed from the next five
 * bytes (suite, group, hash length) and the rest is XORed into it, so the
 * fuzzer works on real cookies: an untouched one must open to what was
 * sealed, a changed one must be refused. In fuzz builds bit 0x80 turns on
 * the provider's relaxed mode, so altered cookies "authenticate" and their
 * contents reach the decoder. */
#include "crypto/provider.h"
#include "hs/cookie.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static tern_config *cookie_config(void)
{
    static tern_config *cfg;
    static const uint8_t key[32] = {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
                                    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};
    if (!cfg) {
        cfg = tern_config_new();
        /* A PSK lets a server exist without a certificate. */
        if (!cfg || tern_config_set_ticket_key(cfg, key, sizeof(key)) ||
            tern_config_set_psk(cfg, (const uint8_t *)"fuzz", 4, key, sizeof(key), TERN_PSK_SHA256))
            abort();
    }
    return cfg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
#ifdef TERN_FUZZING
    cry_fuzz_mode(false, (mode & 0x80) != 0);
#endif
    data++;
    size--;
    tern_conn *c = tern_conn_new_server(cookie_config());
    if (!c)
        abort();
    struct hs_cookie k;
    struct rd r;
    if (!(mode & 1)) {
        rd_init(&r, data, size);
        if (hs_cookie_open(c, r, &k) == TERN_OK && k.hash_len > sizeof(k.ch1_hash))
            abort();
    } else if (size >= 5) {
        uint16_t suite = (uint16_t)(data[0] << 8 | data[1]),
                 group = (uint16_t)(data[2] << 8 | data[3]);
        size_t hash_len = data[4] % (CRY_MAX_HASH + 1);
        uint8_t hash[CRY_MAX_HASH];
        memset(hash, 0x5a, sizeof(hash));
        uint8_t cookie[HS_COOKIE_MAX];
        size_t len = 0;
        if (hs_cookie_seal(c, suite, group, hash, hash_len, cookie, &len) != TERN_OK ||
            len > sizeof(cookie))
            abort();
        bool changed = false;
        for (size_t i = 5; i < size && i - 5 < len; i++) {
            cookie[i - 5] ^= data[i];
            changed |= data[i] != 0;
        }
        rd_init(&r, cookie, len);
        int rc = hs_cookie_open(c, r, &k);
        if (!changed && (rc != TERN_OK || k.suite != suite || k.group != group ||
                         k.hash_len != hash_len || memcmp(k.ch1_hash, hash, hash_len)))
            abort();
        if (changed && rc == TERN_OK && !cry_fuzz_relaxed())
            abort(); /* an altered cookie authenticated */
    }
    tern_conn_free(c);
#ifdef TERN_FUZZING
    cry_fuzz_mode(false, false);
#endif
    return 0;
}
