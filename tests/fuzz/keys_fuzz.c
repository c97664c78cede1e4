/* Fuzz the key parsers: the input is a DER SubjectPublicKeyInfo (as in a
 * peer's certificate) or a private key (as in a configuration file). A key
 * that parses must be usable: its type is known, and a signature check with
 * garbage refuses without crashing; a private key must re-export. The
 * same bytes are also tried as an encrypted key (PKCS#8 DER, and as PEM
 * text: ENCRYPTED PRIVATE KEY or a traditional encrypted PEM key) under a
 * fixed password. */
#include "base/bytes.h"
#include "crypto/provider.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t msg[] = "fuzz";
    uint8_t sig[64] = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};
    struct cry_pubkey pk;
    int rc = cry_pubkey_parse_spki(&pk, data, size);
    if (rc == TERN_OK) {
        if (pk.type == CRY_KEY_NONE || pk.impl == NULL)
            abort();
        enum cry_sig_alg alg = pk.type == CRY_KEY_ED25519 ? CRY_SIG_ED25519
                               : (pk.type == CRY_KEY_RSA || pk.type == CRY_KEY_RSA_PSS)
                                   ? CRY_SIG_RSA_PSS
                                   : CRY_SIG_ECDSA;
        if (cry_verify(&pk, alg, CRY_SHA256, -1, msg, 4, sig, sizeof(sig)) == TERN_OK)
            abort(); /* a forgery out of nothing */
        cry_pubkey_cleanup(&pk);
    } else if (rc != TERN_E_DECODE && rc != TERN_E_UNSUPPORTED) {
        abort();
    } else if (pk.impl != NULL) {
        abort();
    }

    struct cry_privkey k;
    rc = cry_privkey_parse(&k, data, size);
    if (rc == TERN_OK) {
        struct wr w;
        wr_init_grow(&w);
        if (cry_privkey_to_pkcs8(&k, &w) != TERN_OK)
            abort();
        struct cry_privkey back;
        if (cry_privkey_parse(&back, w.buf, w.len) != TERN_OK || back.type != k.type)
            abort();
        cry_privkey_cleanup(&back);
        wr_free(&w);
        cry_privkey_cleanup(&k);
    } else if (rc != TERN_E_DECODE && rc != TERN_E_UNSUPPORTED) {
        abort();
    }

    for (int pem = 0; pem < 2; pem++) {
        rc = cry_privkey_parse_encrypted(&k, data, size, pem, "tern-test", 9);
        if (rc == TERN_OK) {
            if (k.type == CRY_KEY_NONE)
                abort();
            cry_privkey_cleanup(&k);
        } else if (rc != TERN_E_DECODE && rc != TERN_E_DECRYPT && rc != TERN_E_UNSUPPORTED) {
            abort();
        }
    }
    return 0;
}
