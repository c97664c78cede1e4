/* Issue 20: the web and rfc5280 verification profiles (in the verifier and
 * through the public tern_config_set_verify_profile), name chaining by RFC
 * 5280 §7.1 / RFC 4518, the Public Suffix List, and the web profile's CN
 * rule. The x509-limbo runs (limbo_test, e2e/verify_limbo.sh) cover the
 * profiles case by case; these tests pin what limbo does not. */
#include "base/mem.h"
#include "certgen.h"
#include "crypto/provider.h"
#include "test.h"
#include "tern/tern.h"
#include "x509/x509.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY 86400
static int64_t NOW = 1790000000; /* the handshake test moves it to the real time */

static const uint8_t OID_CN[] = {0x55, 0x04, 0x03}, OID_O[] = {0x55, 0x04, 0x0a};

struct attr {
    const uint8_t *oid;
    uint8_t tag;
    const char *value; /* UTF-8; BMPString values are converted (ASCII only) */
};

/* A Name of one single-attribute RDN per attr. */
static struct rd make_name(struct wr *w, const struct attr *a, size_t n)
{
    struct wr seq;
    wr_init_grow(w);
    wr_init_grow(&seq);
    for (size_t i = 0; i < n; i++) {
        struct wr atv, set;
        wr_init_grow(&atv);
        wr_init_grow(&set);
        cg_tlv(&atv, 0x06, a[i].oid, 3);
        if (a[i].tag == 0x1e) {
            uint8_t bmp[128];
            size_t k = 0;
            for (const char *p = a[i].value; *p && k + 2 <= sizeof(bmp); p++)
                bmp[k++] = 0, bmp[k++] = (uint8_t)*p;
            cg_tlv(&atv, 0x1e, bmp, k);
        } else {
            cg_tlv(&atv, a[i].tag, a[i].value, strlen(a[i].value));
        }
        cg_wrap(&set, 0x30, &atv);
        cg_wrap(&seq, 0x31, &set);
    }
    cg_wrap(w, 0x30, &seq);
    struct rd r;
    rd_init(&r, w->buf, w->len);
    return r;
}

static bool eq1(uint8_t ta, const char *a, uint8_t tb, const char *b)
{
    struct attr x = {OID_CN, ta, a}, y = {OID_CN, tb, b};
    struct wr wa, wb;
    struct rd na = make_name(&wa, &x, 1), nb = make_name(&wb, &y, 1);
    bool eq = x509_name_eq(&na, &nb);
    wr_free(&wa);
    wr_free(&wb);
    return eq;
}

static void test_name_matching(void)
{
    const uint8_t U = 0x0c, P = 0x13, B = 0x1e;
    CHECK(eq1(U, "Good CA", P, "GOOD  CA"));     /* case and inner spaces */
    CHECK(eq1(U, "  Good   CA ", P, "good ca")); /* leading and trailing spaces */
    CHECK(eq1(U,
              "\xc3\x89"
              "COLE",
              U,
              "\xc3\xa9"
              "cole"));                                              /* Unicode case folding */
    CHECK(eq1(U, "\xef\xbc\xa1\xef\xbc\xa2\xef\xbc\xa3", P, "abc")); /* NFKC: fullwidth */
    CHECK(eq1(U, "e\xcc\x81", U, "\xc3\xa9"));      /* NFKC: composed and decomposed */
    CHECK(eq1(B, "Good CA", U, "good ca"));         /* BMPString against UTF8String */
    CHECK(eq1(U, "Good\xc2\xad CA", U, "Good CA")); /* soft hyphen maps to nothing */
    CHECK(!eq1(U, "Good CA", U, "Good CB"));
    CHECK(!eq1(U, "Good CA", U, "GoodCA"));     /* one space is significant */
    CHECK(!eq1(P, "Good CA", 0x04, "Good CA")); /* an OCTET STRING is no string */
    /* other attribute types never match */
    struct attr cn = {OID_CN, U, "x"}, o = {OID_O, U, "x"};
    struct wr w1, w2;
    struct rd a = make_name(&w1, &cn, 1), b = make_name(&w2, &o, 1);
    CHECK(!x509_name_eq(&a, &b));
    wr_free(&w1);
    wr_free(&w2);

    /* directoryName subtrees: RDN prefixes, prepared */
    struct attr full[] = {{OID_O, P, "Acme"}, {OID_CN, U, "foo"}};
    struct attr base_ok[] = {{OID_O, U, "ACME"}};
    struct attr base_other[] = {{OID_O, U, "Acme2"}};
    struct attr base_partial[] = {{OID_O, P, "Acme"}, {OID_CN, U, "fo"}};
    struct wr wn, wb;
    struct rd name = make_name(&wn, full, 2);
    struct rd base = make_name(&wb, base_ok, 1);
    CHECK(x509_name_within(&name, &base));
    wr_free(&wb);
    base = make_name(&wb, base_other, 1);
    CHECK(!x509_name_within(&name, &base));
    wr_free(&wb);
    base = make_name(&wb, base_partial, 2);
    CHECK(!x509_name_within(&name, &base));
    wr_free(&wb);
    wr_free(&wn);
}

/* A root and a leaf it signed; the leaf's issuer and subject are given. */
struct pki {
    struct cry_privkey root_key, leaf_key;
    uint8_t *root, *leaf;
    size_t root_len, leaf_len;
};

static void make_pki(struct pki *p, const struct attr *root_name, const struct attr *leaf_issuer,
                     const char *leaf_cn, bool eku)
{
    memset(p, 0, sizeof(*p));
    CHECK(cry_privkey_generate(&p->root_key, CRY_KEY_EC_P256, 0) == 0);
    CHECK(cry_privkey_generate(&p->leaf_key, CRY_KEY_EC_P256, 0) == 0);
    struct wr wr_root, wr_iss, wr_leaf;
    struct rd rn = make_name(&wr_root, root_name, 1), in = make_name(&wr_iss, leaf_issuer, 1);
    struct attr la = {OID_CN, 0x0c, leaf_cn};
    struct rd ln = make_name(&wr_leaf, &la, 1);
    size_t sl;
    uint8_t *spki = cg_spki(&p->root_key, &sl);
    struct cg_cert r = {.subject = rn.p,
                        .subject_len = rn.len,
                        .issuer = rn.p,
                        .issuer_len = rn.len,
                        .spki = spki,
                        .spki_len = sl,
                        .ski = 7,
                        .ca = true,
                        .not_before = NOW - DAY,
                        .not_after = NOW + DAY,
                        .serial = 1};
    CHECK(cg_issue(&r, &p->root_key, &p->root, &p->root_len) == 0);
    tern_free(spki);
    spki = cg_spki(&p->leaf_key, &sl);
    struct cg_cert l = {.subject = ln.p,
                        .subject_len = ln.len,
                        .issuer = in.p,
                        .issuer_len = in.len,
                        .spki = spki,
                        .spki_len = sl,
                        .aki = 7,
                        .server_eku = eku,
                        .client_eku = eku,
                        .san_dns = "example.com",
                        .not_before = NOW - DAY,
                        .not_after = NOW + DAY,
                        .serial = 2};
    CHECK(cg_issue(&l, &p->root_key, &p->leaf, &p->leaf_len) == 0);
    tern_free(spki);
    wr_free(&wr_root);
    wr_free(&wr_iss);
    wr_free(&wr_leaf);
}

static void free_pki(struct pki *p)
{
    tern_free(p->root);
    tern_free(p->leaf);
    cry_privkey_cleanup(&p->root_key);
    cry_privkey_cleanup(&p->leaf_key);
}

static int verify_for(struct pki *p, enum x509_profile profile, enum x509_purpose purpose,
                      struct tern_err *e)
{
    struct x509_store *trust = x509_store_new();
    err_init(e);
    CHECK(x509_store_add_der(trust, p->root, p->root_len, e) == TERN_OK);
    struct rd chain[1];
    rd_init(&chain[0], p->leaf, p->leaf_len);
    struct x509_verify_opts o = {
        .max_depth = -1, .at = NOW, .profile = profile, .purpose = purpose};
    if (purpose != X509_PURPOSE_CLIENT)
        o.host = "example.com";
    struct x509_verified v;
    int rc = x509_verify(trust, chain, 1, &o, &v, e);
    if (rc == TERN_OK)
        x509_verified_cleanup(&v);
    x509_store_free(trust);
    return rc;
}

static int verify(struct pki *p, enum x509_profile profile, struct tern_err *e)
{
    return verify_for(p, profile, X509_PURPOSE_SERVER, e);
}

static void test_chaining(void)
{
    /* "Good CA" (UTF8String) issues for a certificate whose issuer reads
     * "GOOD  CA" (PrintableString): RFC 5280 §7.1 says they are one name. */
    struct attr root = {OID_CN, 0x0c, "Good CA"}, issuer = {OID_CN, 0x13, "GOOD  CA"};
    struct attr other = {OID_CN, 0x13, "GOOD CB"};
    struct pki p;
    struct tern_err e;
    make_pki(&p, &root, &issuer, "example.com", true);
    CHECK_EQ(verify(&p, X509_PROFILE_WEB, &e), TERN_OK);
    CHECK_EQ(verify(&p, X509_PROFILE_RFC5280, &e), TERN_OK);
    free_pki(&p);
    make_pki(&p, &root, &other, "example.com", true);
    CHECK_EQ(verify(&p, X509_PROFILE_WEB, &e), TERN_E_UNKNOWN_CA);
    free_pki(&p);
}

static void test_cn_rule(void)
{
    struct attr root = {OID_CN, 0x0c, "Root"};
    struct pki p;
    struct tern_err e;
    make_pki(&p, &root, &root, "Example.COM", true); /* SAN: example.com */
    CHECK_EQ(verify(&p, X509_PROFILE_WEB, &e), TERN_E_BAD_CERTIFICATE);
    CHECK(strstr(e.msg, "commonName 'Example.COM'") != NULL);
    CHECK(strstr(e.msg, "example.com") != NULL);
    CHECK_EQ(verify(&p, X509_PROFILE_RFC5280, &e), TERN_OK);
    /* a server certificate rule: a client certificate's CN names a person */
    CHECK_EQ(verify_for(&p, X509_PROFILE_WEB, X509_PURPOSE_CLIENT, &e), TERN_OK);
    free_pki(&p);
}

static void test_psl(void)
{
    CHECK(x509_public_suffix("com"));
    CHECK(x509_public_suffix("co.uk"));
    CHECK(!x509_public_suffix("example.co.uk"));
    CHECK(!x509_public_suffix("s3.amazonaws.com")); /* private section: not counted */
    CHECK(!x509_public_suffix("example.com"));
}

/* The public API: a server whose leaf has no extKeyUsage fails the web
 * profile and passes rfc5280. */
static bool handshake(struct pki *p, int profile, const char **why)
{
    char *root_pem = cg_pem("CERTIFICATE", p->root, p->root_len);
    char *leaf_pem = cg_pem("CERTIFICATE", p->leaf, p->leaf_len);
    char *key_pem = cg_key_pem(&p->leaf_key);
    tern_config *scfg = tern_config_new(), *ccfg = tern_config_new();
    CHECK(tern_config_set_cert_chain_pem(scfg, leaf_pem, strlen(leaf_pem), key_pem,
                                         strlen(key_pem)) == TERN_OK);
    CHECK(tern_config_add_trust_pem(ccfg, root_pem, strlen(root_pem)) == TERN_OK);
    if (profile >= 0)
        CHECK(tern_config_set_verify_profile(ccfg, (enum tern_verify_profile)profile) == TERN_OK);
    tern_conn *c = tern_conn_new_client(ccfg, "example.com"), *s = tern_conn_new_server(scfg);
    for (int i = 0; i < 50; i++) {
        const uint8_t *out;
        size_t len, used, moved = 0;
        tern_conn *pair[2][2] = {{c, s}, {s, c}};
        for (int d = 0; d < 2; d++) {
            tern_conn_output(pair[d][0], &out, &len);
            if (len) {
                tern_conn_feed(pair[d][1], out, len, &used);
                tern_conn_output_done(pair[d][0], used);
                moved += used;
            }
        }
        if (!moved)
            break;
    }
    bool ok = tern_conn_handshake_done(c) && tern_conn_handshake_done(s);
    static char msg[512];
    snprintf(msg, sizeof(msg), "%s", tern_conn_error(c) ? tern_conn_error(c) : "");
    *why = msg;
    tern_conn_free(c);
    tern_conn_free(s);
    tern_config_free(scfg);
    tern_config_free(ccfg);
    free(root_pem);
    free(leaf_pem);
    free(key_pem);
    return ok;
}

static void test_public_api(void)
{
    struct attr root = {OID_CN, 0x0c, "Private Root"};
    struct pki p;
    const char *why;
    /* a current certificate: the handshake checks at the real time */
    NOW = (int64_t)time(NULL);
    make_pki(&p, &root, &root, "example.com", false);
    CHECK(!handshake(&p, -1, &why)); /* the default is web */
    CHECK(strstr(why, "extKeyUsage") != NULL);
    CHECK(!handshake(&p, TERN_VERIFY_WEB, &why));
    CHECK(handshake(&p, TERN_VERIFY_RFC5280, &why));
    if (why[0])
        fprintf(stderr, "rfc5280 handshake: %s\n", why);
    free_pki(&p);
    tern_config *cfg = tern_config_new();
    CHECK_EQ(tern_config_set_verify_profile(cfg, (enum tern_verify_profile)7), TERN_E_ARG);
    CHECK(tern_config_error(cfg) && strstr(tern_config_error(cfg), "profile 7"));
    tern_config_free(cfg);
}

int main(void)
{
    test_name_matching();
    test_chaining();
    test_cn_rule();
    test_psl();
    test_public_api();
    return test_done();
}
