/* Fuzz the key parsers: the input is a DER SubjectPublicKeyInfo (as in a
 * peer's certificate), a private key (as in a configuration file), or an
 * encrypted one (PKCS#8 EncryptedPrivateKeyInfo). A key
 * that parses must be usable: its type is known, and a signature check with
 * garbage refuses without crashing; a private key must re-export. */
#include "base/bytes.h"
#include "base/mem.h"
#include "crypto/provider.h"
#include "x509/x509.h"

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

    /* An encrypted PKCS#8 key (PBES2), password "fuzz" as in the seed; at
     * most 1000 PBKDF2 iterations so each input stays cheap. What it
     * decrypts to must be whole and owned. */
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    struct tern_err err;
    err_init(&err);
    rc = x509_decrypt_private_key(data, size, "fuzz", 4, 1000, &plain, &plain_len, &err);
    if (rc == TERN_OK) {
        if (!plain || plain_len >= size)
            abort();
        struct cry_privkey dk;
        if (cry_privkey_parse(&dk, plain, plain_len) == TERN_OK)
            cry_privkey_cleanup(&dk);
        tern_free_secret(plain, plain_len);
    } else if (plain != NULL || !err.msg[0]) {
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
    return 0;
}
