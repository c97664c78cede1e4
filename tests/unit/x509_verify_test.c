/* Path validation verdicts and their sentences, on the fixtures of
 * tests/x509/ (root -> intermediate -> leaf, see its README). */
#include "base/mem.h"
#include "test.h"
#include "x509/x509.h"

#include <stdlib.h>
#include <string.h>

#define FIX(name) TERN_SOURCE_DIR "/tests/x509/" name

struct fixture {
    struct x509_store *trust;
    uint8_t *ders[4];
    size_t lens[4];
    struct rd chain[4];
    size_t n;
    int64_t not_before, not_after; /* the leaf's */
};

static void load_pem_certs(const char *path, struct fixture *f)
{
    size_t n, len;
    char *pem = read_file(path, &n);
    CHECK(pem != NULL);
    struct rd r;
    rd_init(&r, (const uint8_t *)pem, pem ? n : 0);
    enum x509_pem_kind kind;
    uint8_t *der;
    struct tern_err e;
    err_init(&e);
    while (f->n < 4 && x509_pem_next(&r, &kind, &der, &len, &e) == TERN_OK && der) {
        f->ders[f->n] = der;
        f->lens[f->n] = len;
        rd_init(&f->chain[f->n], der, len);
        f->n++;
    }
    free(pem);
}

static void setup(struct fixture *f, const char *trust_file)
{
    memset(f, 0, sizeof(*f));
    struct tern_err e;
    err_init(&e);
    f->trust = x509_store_new();
    CHECK(x509_store_add_file(f->trust, trust_file, &e) == TERN_OK);
    load_pem_certs(FIX("chain.pem"), f);
    CHECK_EQ(f->n, 2);
    struct x509_cert *leaf;
    CHECK(x509_cert_parse(f->ders[0], f->lens[0], &leaf, &e) == TERN_OK);
    f->not_before = leaf->not_before;
    f->not_after = leaf->not_after;
    x509_cert_free(leaf);
}

static void teardown(struct fixture *f)
{
    for (size_t i = 0; i < f->n; i++)
        tern_free(f->ders[i]);
    x509_store_free(f->trust);
}

static int run(struct fixture *f, struct x509_verify_opts *o, struct tern_err *e)
{
    struct x509_verified v;
    err_init(e);
    if (!o->at)
        o->at = f->not_before + 86400;
    int rc = x509_verify(f->trust, f->chain, f->n, o, &v, e);
    if (rc == TERN_OK) {
        CHECK_EQ(v.n, 3);
        CHECK(!strcmp(v.leaf_subject, "CN=www.example.com"));
        CHECK(!strcmp(v.subjects[1], "CN=Tern Test Intermediate"));
        CHECK(!strcmp(v.subjects[2], "CN=Tern Test Root"));
        CHECK_EQ(v.leaf_key.impl != NULL, 1);
        x509_verified_cleanup(&v);
    } else {
        CHECK(e->msg[0] != 0);
    }
    return rc;
}

static void test_ok(void)
{
    struct fixture f;
    setup(&f, FIX("root.pem"));
    struct tern_err e;
    struct x509_verify_opts o = {.host = "www.example.com", .max_depth = -1};
    CHECK(run(&f, &o, &e) == TERN_OK);
    o = (struct x509_verify_opts){.host = "x.api.example.com", .max_depth = -1};
    CHECK(run(&f, &o, &e) == TERN_OK);
    o = (struct x509_verify_opts){.ip = "2001:db8::1", .max_depth = -1};
    CHECK(run(&f, &o, &e) == TERN_OK);
    o = (struct x509_verify_opts){.host = "192.0.2.7", .max_depth = -1}; /* an IP as host */
    CHECK(run(&f, &o, &e) == TERN_OK);
    o = (struct x509_verify_opts){
        .purpose = X509_PURPOSE_CLIENT, .max_depth = -1, .required_ku = X509_KU_DIGITAL_SIGNATURE};
    CHECK(run(&f, &o, &e) == TERN_OK);
    /* the intermediate may also come from a trust directory-less store: the
     * anchors can be a directory */
    teardown(&f);
}

static void test_expired(void)
{
    struct fixture f;
    setup(&f, FIX("root.pem"));
    struct tern_err e;
    struct x509_verify_opts o = {.host = "www.example.com", .max_depth = -1};
    o.at = f.not_after + 1;
    CHECK(run(&f, &o, &e) == TERN_E_CERTIFICATE_EXPIRED);
    CHECK_CONTAINS(e.msg, "certificate 'CN=www.example.com' expired on ");
    CHECK_CONTAINS(e.msg, "(checked at ");
    o.at = f.not_after; /* the notAfter second itself is still valid (RFC 5280 §4.1.2.5) */
    CHECK(run(&f, &o, &e) == TERN_OK);
    o.at = f.not_before - 1;
    CHECK(run(&f, &o, &e) == TERN_E_CERTIFICATE_EXPIRED);
    CHECK_CONTAINS(e.msg, "certificate 'CN=www.example.com' is not valid before ");
    teardown(&f);
}

static void test_unknown_ca(void)
{
    struct fixture f;
    setup(&f, FIX("other_root.pem"));
    struct tern_err e;
    struct x509_verify_opts o = {.host = "www.example.com", .max_depth = -1};
    CHECK(run(&f, &o, &e) == TERN_E_UNKNOWN_CA);
    CHECK_CONTAINS(e.msg, "no certificate in the chain is signed by a trusted root: the chain ends "
                          "at 'CN=Tern Test Intermediate', whose issuer 'CN=Tern Test Root' is "
                          "not in the trust store");
    /* without the intermediate, the chain ends at the leaf */
    f.n = 1;
    CHECK(run(&f, &o, &e) == TERN_E_UNKNOWN_CA);
    CHECK_CONTAINS(e.msg, "ends at 'CN=www.example.com', whose issuer 'CN=Tern Test Intermediate'");
    f.n = 2;
    teardown(&f);
}

static void test_name_mismatch(void)
{
    struct fixture f;
    setup(&f, FIX("root.pem"));
    struct tern_err e;
    struct x509_verify_opts o = {.host = "example.org", .max_depth = -1};
    CHECK(run(&f, &o, &e) == TERN_E_NAME_MISMATCH);
    CHECK_CONTAINS(e.msg, "'example.org' is not one of the certificate's names: www.example.com, "
                          "example.com");
    o = (struct x509_verify_opts){.ip = "192.0.2.8", .max_depth = -1};
    CHECK(run(&f, &o, &e) == TERN_E_NAME_MISMATCH);
    CHECK_CONTAINS(e.msg, "IP address 192.0.2.8 is not one of the certificate's names");
    teardown(&f);
}

static void test_bad_signature_and_depth(void)
{
    struct fixture f;
    setup(&f, FIX("root.pem"));
    struct tern_err e;
    struct x509_verify_opts o = {.host = "www.example.com", .max_depth = 0};
    CHECK(run(&f, &o, &e) == TERN_E_BAD_CERTIFICATE);
    CHECK_CONTAINS(e.msg, "need more than 0 intermediate CA certificates");
    o.max_depth = -1;
    /* corrupt the last byte of the leaf's ECDSA signature (inside the
     * DER-encoded signature value; the certificate still parses) */
    f.ders[0][f.lens[0] - 1] ^= 0x01;
    CHECK(run(&f, &o, &e) == TERN_E_BAD_CERTIFICATE);
    CHECK_CONTAINS(e.msg, "signature on certificate 'CN=www.example.com' does not verify with the "
                          "key of 'CN=Tern Test Intermediate'");
    teardown(&f);
}

static struct x509_crl *load_crl(const char *path)
{
    size_t n, len;
    char *pem = read_file(path, &n);
    struct rd r;
    rd_init(&r, (const uint8_t *)pem, n);
    enum x509_pem_kind kind;
    uint8_t *der = NULL;
    struct tern_err e;
    err_init(&e);
    struct x509_crl *crl = NULL;
    CHECK(x509_pem_next(&r, &kind, &der, &len, &e) == TERN_OK && kind == X509_PEM_CRL);
    CHECK(x509_crl_parse(der, len, &crl, &e) == TERN_OK);
    tern_free(der);
    free(pem);
    return crl;
}

static void test_crl(void)
{
    struct fixture f;
    setup(&f, FIX("root.pem"));
    struct tern_err e;
    struct x509_crl *crl = load_crl(FIX("revoked.crl"));
    struct x509_crl *empty = load_crl(FIX("empty.crl"));
    struct x509_verify_opts o = {.host = "www.example.com", .max_depth = -1};
    o.crls = (const struct x509_crl *const *)&empty;
    o.n_crls = 1;
    CHECK(run(&f, &o, &e) == TERN_OK);
    o.crls = (const struct x509_crl *const *)&crl;
    CHECK(run(&f, &o, &e) == TERN_E_CERTIFICATE_REVOKED);
    CHECK_CONTAINS(e.msg, "certificate 'CN=www.example.com' (serial 2002) was revoked on ");
    CHECK_CONTAINS(e.msg, "by the CRL issued by 'CN=Tern Test Intermediate'");
    x509_crl_free(crl);
    x509_crl_free(empty);
    teardown(&f);
}

static void test_store(void)
{
    struct x509_store *s = x509_store_new();
    struct tern_err e;
    err_init(&e);
    CHECK(x509_store_add_file(s, FIX("nonexistent.pem"), &e) == TERN_E_IO);
    CHECK_CONTAINS(e.msg, "nonexistent.pem");
    err_init(&e);
    CHECK(x509_store_add_file(s, FIX("leaf.key"), &e) == TERN_E_FILE);
    CHECK_CONTAINS(e.msg, "no CERTIFICATE block");
    err_init(&e);
    CHECK(x509_store_add_file(s, FIX("chain.pem"), &e) == TERN_OK);
    CHECK(x509_store_add_file(s, FIX("chain.pem"), &e) == TERN_OK);
    CHECK_EQ(x509_store_count(s), 2); /* duplicates are kept once */
    CHECK(x509_store_add_file(s, TERN_SOURCE_DIR "/tests/x509", &e) == TERN_OK); /* a directory */
    CHECK_EQ(x509_store_count(s), 4);
    x509_store_free(s);
}

static void test_chain_and_key(void)
{
    size_t cl, kl, ol, pl;
    char *chain = read_file(FIX("chain.pem"), &cl);
    char *key = read_file(FIX("leaf.key"), &kl);
    char *pk8 = read_file(FIX("leaf.pk8.pem"), &pl);
    char *other = read_file(FIX("other.key"), &ol);
    struct x509_chain_key ck;
    struct tern_err e;
    err_init(&e);
    CHECK(x509_load_chain_and_key(chain, cl, key, kl, NULL, &ck, &e) == TERN_OK);
    CHECK_EQ(ck.n, 2);
    x509_chain_key_cleanup(&ck);
    CHECK(x509_load_chain_and_key(chain, cl, pk8, pl, NULL, &ck, &e) == TERN_OK);
    x509_chain_key_cleanup(&ck);
    err_init(&e);
    CHECK(x509_load_chain_and_key(chain, cl, other, ol, NULL, &ck, &e) == TERN_E_ARG);
    CHECK_CONTAINS(e.msg, "the private key (EC P-256) does not belong to certificate "
                          "'CN=www.example.com'");
    err_init(&e);
    CHECK(x509_load_chain_and_key(key, kl, key, kl, NULL, &ck, &e) == TERN_E_FILE);
    CHECK_CONTAINS(e.msg, "holds a private key, not a CERTIFICATE: are the certificate and the "
                          "key swapped?");
    err_init(&e);
    CHECK(x509_load_chain_and_key(chain, cl, chain, cl, NULL, &ck, &e) == TERN_E_FILE);
    CHECK_CONTAINS(e.msg, "the key file holds a CERTIFICATE, not a private key");
    err_init(&e);
    CHECK(x509_load_chain_and_key(chain, cl, "", 0, NULL, &ck, &e) == TERN_E_FILE);
    CHECK_CONTAINS(e.msg, "no PRIVATE KEY");
    free(chain);
    free(key);
    free(pk8);
    free(other);
}

int main(void)
{
    RUN(test_ok);
    RUN(test_expired);
    RUN(test_unknown_ca);
    RUN(test_name_mismatch);
    RUN(test_bad_signature_and_depth);
    RUN(test_crl);
    RUN(test_store);
    RUN(test_chain_and_key);
    return test_done();
}
