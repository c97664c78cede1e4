/* Fuzz the certificate parser (strict DER, extensions, names) and, on the
 * certificates it accepts, the name renderers and matchers. */
#include "base/mem.h"
#include "x509/x509.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every verdict other than OK comes with a sentence. */
static void explained(int rc, const struct tern_err *e)
{
    if (rc != TERN_OK && !e->msg[0])
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct x509_cert *c = NULL;
    struct tern_err e;
    err_init(&e);
    int rc = x509_cert_parse(data, size, &c, &e);
    if (rc != TERN_OK) {
        if (c || !e.msg[0])
            abort(); /* a failure leaves no object and always a sentence */
        /* the same bytes as a CRL */
        struct x509_crl *crl = NULL;
        err_init(&e);
        if (x509_crl_parse(data, size, &crl, &e) == TERN_OK)
            x509_crl_free(crl);
        else if (!e.msg[0])
            abort();
        return 0;
    }
    if (!x509_subject_text(c) || !x509_issuer_text(c) || c->tbs.len > size || c->spki.len > size)
        abort();
    char names[256];
    x509_cert_names_text(c, names, sizeof(names));
    err_init(&e);
    explained(x509_match_host(c, "www.example.com", &e), &e);
    err_init(&e);
    explained(x509_check_san_syntax(c, &e), &e);
    err_init(&e);
    explained(x509_name_constraints_valid(c, &e), &e);
    long budget = 10000;
    err_init(&e);
    explained(x509_name_constraints_check(c, c, true, &budget, &e), &e);
    err_init(&e);
    explained(x509_check_cn(c, &e), &e);
    err_init(&e);
    explained(x509_check_wildcard_suffixes(c, &e), &e);
    (void)x509_issued_by_name(c, c);
    /* the same bytes as a CRL */
    struct x509_crl *crl = NULL;
    err_init(&e);
    if (x509_crl_parse(data, size, &crl, &e) == TERN_OK) {
        /* its scope and entries against the certificate, when both parse */
        unsigned applied;
        err_init(&e);
        if (x509_crl_check(crl, c, c, 0, &applied, &e) != TERN_OK && !e.msg[0])
            abort();
        x509_crl_free(crl);
    }
    x509_cert_free(c);
    return 0;
}
