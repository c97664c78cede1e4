/* Fuzz the PEM reader, and the trust store that uses it. */
#include "base/mem.h"
#include "x509/x509.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rd r;
    rd_init(&r, data, size);
    struct tern_err e;
    for (int i = 0; i < 64; i++) {
        enum x509_pem_kind kind;
        uint8_t *der;
        size_t len, before = r.len;
        err_init(&e);
        if (x509_pem_next(&r, &kind, &der, &len, &e) != TERN_OK) {
            if (der || !e.msg[0])
                abort();
            break;
        }
        if (!der)
            break;
        if (len == 0 || len > size || r.len >= before)
            abort(); /* a block decodes to fewer bytes than its text, and is consumed */
        tern_free(der);
    }
    struct x509_store *s = x509_store_new();
    err_init(&e);
    if (x509_store_add_pem(s, (const char *)data, size, &e) != TERN_OK && !e.msg[0])
        abort();
    x509_store_free(s);
    return 0;
}
