/* x509-limbo (tests/vectors/x509-limbo/limbo.json): every test case goes
 * through x509_verify with every field it sets, and the verdict must agree
 * with expected_result. The only exceptions are listed in `skips`, each with
 * the reason: a behaviour tern deliberately does not offer. */
#include "base/mem.h"
#include "json.h"
#include "test.h"
#include "x509/x509.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *id;
    const char *reason;
} skips[] = {
    /* Only pedantic-* cases, where following them would refuse what
     * browsers accept (the same list as tests/x509/limbo_cli.py). */
    {"rfc5280::aki::cross-signed-root-missing-aki",
     "pedantic-rfc5280: a trust anchor is a name and a key (RFC 5280 §6.1.1 (d)); refusing a "
     "cross-signed root without authorityKeyIdentifier refuses anchors browsers accept "
     "(cve::cve-2024-0567 needs one accepted)"},
    {"webpki::san::public-suffix-private-namespace-wildcard-san",
     "pedantic-public-suffix-wildcard: *.s3.amazonaws.com is under a private PSL registration; "
     "browsers accept such wildcards, so tern consults the ICANN section only"},
};

static const char *skip_reason(const char *id)
{
    for (size_t i = 0; i < sizeof(skips) / sizeof(skips[0]); i++) {
        size_t n = strlen(skips[i].id);
        /* an entry ending in "::" covers a whole namespace */
        if (n > 2 && !strcmp(skips[i].id + n - 2, "::") ? !strncmp(skips[i].id, id, n)
                                                        : !strcmp(skips[i].id, id))
            return skips[i].reason;
    }
    return NULL;
}

/* One PEM certificate text to DER (owned), or NULL. */
static uint8_t *pem_to_der(const char *pem, size_t *len, enum x509_pem_kind want)
{
    struct rd r;
    rd_init(&r, (const uint8_t *)pem, strlen(pem));
    enum x509_pem_kind kind;
    uint8_t *der = NULL;
    struct tern_err e;
    err_init(&e);
    while (x509_pem_next(&r, &kind, &der, len, &e) == TERN_OK && der) {
        if (kind == want)
            return der;
        tern_free(der);
        der = NULL;
    }
    return NULL;
}

/* Run one case; returns 1 for SUCCESS, 0 for FAILURE; reason in err. */
static int run_case(const struct json *t, struct tern_err *err)
{
    struct x509_store *store = x509_store_new();
    struct rd chain[X509_MAX_INPUT];
    uint8_t *ders[X509_MAX_INPUT] = {0};
    size_t n = 0;
    struct x509_crl *crls[16] = {0};
    size_t n_crls = 0;
    int ok = 0, rc = TERN_OK;
    const struct json *trusted = json_get(t, "trusted_certs");
    for (size_t i = 0; trusted && i < trusted->n && rc == TERN_OK; i++)
        rc = x509_store_add_pem(store, trusted->items[i]->string, trusted->items[i]->string_len,
                                err);
    size_t len;
    const char *peer = json_str(t, "peer_certificate");
    if (rc == TERN_OK) {
        ders[n] = pem_to_der(peer, &len, X509_PEM_CERTIFICATE);
        if (!ders[n])
            rc = err_set(err, TERN_E_FILE, "peer certificate PEM does not parse");
        else
            rd_init(&chain[n], ders[n], len), n++;
    }
    const struct json *inter = json_get(t, "untrusted_intermediates");
    for (size_t i = 0; inter && i < inter->n && rc == TERN_OK && n < X509_MAX_INPUT; i++) {
        ders[n] = pem_to_der(inter->items[i]->string, &len, X509_PEM_CERTIFICATE);
        if (!ders[n])
            rc = err_set(err, TERN_E_FILE, "intermediate PEM does not parse");
        else
            rd_init(&chain[n], ders[n], len), n++;
    }
    const struct json *cl = json_get(t, "crls");
    for (size_t i = 0; cl && cl->type == JSON_ARRAY && i < cl->n && rc == TERN_OK && i < 16; i++) {
        uint8_t *der = pem_to_der(cl->items[i]->string, &len, X509_PEM_CRL);
        if (!der)
            rc = err_set(err, TERN_E_FILE, "CRL PEM does not parse");
        else
            rc = x509_crl_parse(der, len, &crls[n_crls++], err);
        tern_free(der);
    }

    /* webpki:: cases under the web profile (for a TLS server unless the
     * case says client); all others under rfc5280, for the purpose the case
     * names or any. */
    struct x509_verify_opts o = {0};
    o.max_depth = -1;
    bool web = !strncmp(json_str(t, "id"), "webpki::", 8);
    o.profile = web ? X509_PROFILE_WEB : X509_PROFILE_RFC5280;
    o.purpose = web ? X509_PURPOSE_SERVER : X509_PURPOSE_ANY;
    const struct json *eku = json_get(t, "extended_key_usage");
    for (size_t i = 0; eku && i < eku->n; i++) {
        if (!strcmp(eku->items[i]->string, "serverAuth"))
            o.purpose = X509_PURPOSE_SERVER;
    }
    for (size_t i = 0; eku && i < eku->n; i++) {
        if (!strcmp(eku->items[i]->string, "clientAuth"))
            o.purpose = X509_PURPOSE_CLIENT;
    }
    const char *kind = json_str(t, "validation_kind");
    if (kind && !strcmp(kind, "CLIENT"))
        o.purpose = X509_PURPOSE_CLIENT;
    const struct json *ku = json_get(t, "key_usage");
    for (size_t i = 0; ku && i < ku->n; i++)
        if (!strcmp(ku->items[i]->string, "digitalSignature"))
            o.required_ku |= X509_KU_DIGITAL_SIGNATURE;
    const struct json *name = json_get(t, "expected_peer_name");
    if (name && name->type == JSON_OBJECT && o.purpose != X509_PURPOSE_CLIENT) {
        const char *nk = json_str(name, "kind");
        if (nk && !strcmp(nk, "IP"))
            o.ip = json_str(name, "value");
        else
            o.host = json_str(name, "value");
    }
    const char *vt = json_str(t, "validation_time");
    if (vt && !x509_parse_time_text(vt, &o.at))
        rc = err_set(err, TERN_E_ARG, "validation_time '%s' does not parse", vt);
    const struct json *depth = json_get(t, "max_chain_depth");
    if (depth && depth->type == JSON_NUMBER)
        o.max_depth = (int)depth->number;
    o.crls = (const struct x509_crl *const *)crls;
    o.n_crls = n_crls;

    if (rc == TERN_OK) {
        struct x509_verified v;
        rc = x509_verify(store, chain, n, &o, &v, err);
        if (rc == TERN_OK) {
            ok = 1;
            if (!v.leaf_subject || v.n < 1)
                ok = 0, err_set(err, TERN_E_INTERNAL, "verified chain is empty");
            x509_verified_cleanup(&v);
        }
    }
    for (size_t i = 0; i < n; i++)
        tern_free(ders[i]);
    for (size_t i = 0; i < n_crls; i++)
        x509_crl_free(crls[i]);
    x509_store_free(store);
    return ok;
}

int main(int argc, char **argv)
{
    struct json *doc = json_parse_file(vector_path("x509-limbo/limbo.json"));
    CHECK(doc != NULL);
    if (!doc)
        return test_done();
    const struct json *cases = json_get(doc, "testcases");
    size_t total = 0, agree = 0, skipped = 0;
    bool verbose = argc > 1 && !strcmp(argv[1], "-v");
    const char *only = argc > 1 && strcmp(argv[1], "-v") ? argv[1] : NULL;
    for (size_t i = 0; cases && i < cases->n; i++) {
        const struct json *t = cases->items[i];
        const char *id = json_str(t, "id");
        if (only && !strstr(id, only))
            continue;
        total++;
        const char *why = skip_reason(id);
        if (why) {
            skipped++;
            if (verbose)
                fprintf(stderr, "skip %s: %s\n", id, why);
            continue;
        }
        struct tern_err err;
        err_init(&err);
        int got = run_case(t, &err);
        int want = !strcmp(json_str(t, "expected_result"), "SUCCESS");
        if (got == want) {
            agree++;
            if (verbose || only)
                fprintf(stderr, "ok   %s: %s\n", id, got ? "SUCCESS" : err.msg);
        } else {
            fprintf(stderr, "DISAGREE %s: expected %s, got %s%s%s\n", id,
                    want ? "SUCCESS" : "FAILURE",
                    got ? "SUCCESS" : "FAILURE: ", got ? "" : tern_status_name(err.code),
                    got ? "" : "");
            if (!got)
                fprintf(stderr, "         %s\n", err.msg);
        }
        /* every failure must carry a sentence */
        if (!got)
            CHECK(err.msg[0] != 0);
    }
    fprintf(stderr,
            "x509-limbo: %zu cases, %zu agree, %zu skipped (listed with reasons), %zu "
            "disagree\n",
            total, agree, skipped, total - agree - skipped);
    CHECK_EQ(agree + skipped, total);
    if (!only)
        CHECK(total >= 200);
    json_free(doc);
    return test_done();
}
