/* The strict DER reader (X.690 §10) and the certificate parser's refusals. */
#include "base/mem.h"
#include "test.h"
#include "base/der.h"
#include "x509/x509.h"

#include <stdlib.h>
#include <string.h>

static bool next_ok(const char *hex)
{
    size_t n;
    uint8_t *b = hex_decode(hex, &n);
    struct rd r, c;
    uint8_t tag;
    rd_init(&r, b, n);
    bool ok = der_next(&r, &tag, &c, NULL) && rd_empty(&r);
    free(b);
    return ok;
}

static void test_lengths(void)
{
    CHECK(next_ok("30 03 02 01 05"));
    {
        uint8_t big[3 + 128] = {0x04, 0x81, 0x80}; /* 128 bytes need the long form */
        struct rd r, c;
        uint8_t tag;
        rd_init(&r, big, sizeof(big));
        CHECK(der_next(&r, &tag, &c, NULL) && c.len == 128 && rd_empty(&r));
    }
    CHECK(!next_ok("30 80 02 01 05 00 00"));    /* indefinite length */
    CHECK(!next_ok("30 81 03 02 01 05"));       /* long form for a short length */
    CHECK(!next_ok("30 82 00 03 02 01 05"));    /* leading zero length byte */
    CHECK(!next_ok("30 04 02 01 05"));          /* length beyond the data */
    CHECK(!next_ok("30 03 02 01 05 00"));       /* trailing byte */
    CHECK(!next_ok("1f 81 00 00"));             /* high-tag-number form */
    CHECK(!next_ok("30 85 00 00 00 00 01 00")); /* absurd length-of-length */
    CHECK(!next_ok("30"));                      /* no length */
}

static bool int_ok(const char *hex)
{
    size_t n;
    uint8_t *b = hex_decode(hex, &n);
    struct rd r, c;
    rd_init(&r, b, n);
    bool ok = der_get_integer(&r, &c) && rd_empty(&r);
    free(b);
    return ok;
}

static void test_integers_and_bools(void)
{
    CHECK(int_ok("02 01 00"));
    CHECK(int_ok("02 02 00 80"));
    CHECK(int_ok("02 01 ff"));
    CHECK(!int_ok("02 00"));       /* empty */
    CHECK(!int_ok("02 02 00 01")); /* non-minimal positive */
    CHECK(!int_ok("02 02 ff 80")); /* non-minimal negative */
    CHECK(!int_ok("04 01 00"));    /* wrong tag */
    uint8_t t[] = {0x01, 0x01, 0xff}, f[] = {0x01, 0x01, 0x01};
    struct rd r;
    bool v = false;
    rd_init(&r, t, 3);
    CHECK(der_get_bool(&r, &v) && v);
    rd_init(&r, f, 3);
    CHECK(!der_get_bool(&r, &v) && r.len == 3); /* DER TRUE is 0xff only; nothing consumed */
    uint8_t bs[] = {0x03, 0x02, 0x01, 0x81};    /* one unused bit that is set */
    struct rd bits;
    unsigned unused;
    rd_init(&r, bs, sizeof(bs));
    CHECK(!der_get_bit_string(&r, &bits, &unused));
    bs[3] = 0x80;
    rd_init(&r, bs, sizeof(bs));
    CHECK(der_get_bit_string(&r, &bits, &unused) && unused == 1);
}

static bool time_of(uint8_t tag, const char *s, int64_t *out)
{
    uint8_t buf[40];
    size_t n = strlen(s);
    buf[0] = tag;
    buf[1] = (uint8_t)n;
    memcpy(buf + 2, s, n);
    struct rd r;
    rd_init(&r, buf, n + 2);
    return der_get_time(&r, out);
}

static void test_times(void)
{
    int64_t t = 0;
    char text[32];
    CHECK(time_of(DER_UTC_TIME, "250301000000Z", &t));
    CHECK_EQ(t, 1740787200);
    CHECK(!strcmp(der_time_text(t, text, sizeof(text)), "2025-03-01T00:00:00Z"));
    CHECK(time_of(DER_UTC_TIME, "500101000000Z", &t)); /* 1950: RFC 5280 §4.1.2.5.1 */
    CHECK_EQ(t, -631152000);
    CHECK(time_of(DER_GENERALIZED_TIME, "20491231235959Z", &t));
    CHECK(!strcmp(der_time_text(t, text, sizeof(text)), "2049-12-31T23:59:59Z"));
    CHECK(time_of(DER_GENERALIZED_TIME, "20240229120000Z", &t)); /* leap day */
    CHECK(!time_of(DER_GENERALIZED_TIME, "20230229120000Z", &t));
    CHECK(!time_of(DER_UTC_TIME, "2503010000Z", &t));               /* no seconds */
    CHECK(!time_of(DER_UTC_TIME, "250301000000+0000", &t));         /* not Zulu */
    CHECK(!time_of(DER_GENERALIZED_TIME, "20250301000000.5Z", &t)); /* fraction */
    CHECK(!time_of(DER_UTC_TIME, "251301000000Z", &t));             /* month 13 */
    CHECK(!time_of(DER_UTC_TIME, "25030100000aZ", &t));
    /* the RFC 3339 / Unix-seconds reader of the tool and the tests */
    CHECK(x509_parse_time_text("2025-03-01T00:00:00Z", &t) && t == 1740787200);
    CHECK(x509_parse_time_text("2025-03-01T01:00:00+01:00", &t) && t == 1740787200);
    CHECK(x509_parse_time_text("2025-03-01T00:00:00.999Z", &t) && t == 1740787200);
    CHECK(x509_parse_time_text("1740787200", &t) && t == 1740787200);
    CHECK(!x509_parse_time_text("2025-03-01", &t));
    CHECK(!x509_parse_time_text("2025-03-01T00:00:00", &t));
    CHECK(!x509_parse_time_text("yesterday", &t));
}

static uint8_t *leaf_der(size_t *len)
{
    size_t n;
    char *pem = read_file(TERN_SOURCE_DIR "/tests/x509/leaf.pem", &n);
    CHECK(pem != NULL);
    struct rd r;
    rd_init(&r, (const uint8_t *)pem, n);
    enum x509_pem_kind kind;
    uint8_t *der = NULL;
    struct tern_err e;
    err_init(&e);
    CHECK(x509_pem_next(&r, &kind, &der, len, &e) == TERN_OK && kind == X509_PEM_CERTIFICATE);
    free(pem);
    return der;
}

static void test_certificate(void)
{
    size_t len;
    uint8_t *der = leaf_der(&len);
    struct x509_cert *c = NULL;
    struct tern_err e;
    err_init(&e);
    CHECK(x509_cert_parse(der, len, &c, &e) == TERN_OK);
    if (c) {
        CHECK(!strcmp(x509_subject_text(c), "CN=www.example.com"));
        CHECK(!strcmp(x509_issuer_text(c), "CN=Tern Test Intermediate"));
        CHECK_EQ(c->version, 3);
        CHECK_EQ(c->key_type, CRY_KEY_EC_P256);
        CHECK(c->has_san && c->has_eku && (c->eku & X509_EKU_SERVER_AUTH));
        CHECK(c->has_ku && c->ku == X509_KU_DIGITAL_SIGNATURE);
        CHECK(c->has_bc && !c->ca);
        CHECK(c->sigalg.known && c->sigalg.alg == CRY_SIG_ECDSA && c->sigalg.hash == CRY_SHA256);
        CHECK(c->not_after > c->not_before);
        x509_cert_free(c);
    }
    /* a trailing byte after the certificate */
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, der, len);
    longer[len] = 0;
    err_init(&e);
    CHECK(x509_cert_parse(longer, len + 1, &c, &e) == TERN_E_BAD_CERTIFICATE);
    CHECK_CONTAINS(e.msg, "not a single DER SEQUENCE");
    /* truncated */
    err_init(&e);
    CHECK(x509_cert_parse(der, len - 1, &c, &e) == TERN_E_BAD_CERTIFICATE);
    /* re-encode the outer length in an indefinite form: 30 80 ... 00 00 */
    CHECK(der[0] == 0x30 && der[1] == 0x82);
    uint8_t *indef = malloc(len + 2);
    indef[0] = 0x30;
    indef[1] = 0x80;
    memcpy(indef + 2, der + 4, len - 4);
    indef[len - 2] = 0;
    indef[len - 1] = 0;
    err_init(&e);
    CHECK(x509_cert_parse(indef, len, &c, &e) == TERN_E_BAD_CERTIFICATE);
    /* flip the tag of the TBSCertificate */
    der[4] = 0x31;
    err_init(&e);
    CHECK(x509_cert_parse(der, len, &c, &e) == TERN_E_BAD_CERTIFICATE);
    CHECK_CONTAINS(e.msg, "outer structure");
    free(indef);
    free(longer);
    tern_free(der);
}

static void test_pem(void)
{
    struct rd r;
    enum x509_pem_kind kind;
    uint8_t *der;
    size_t len;
    struct tern_err e;
    const char *good = "junk\n-----BEGIN CERTIFICATE-----\nAQID\nBA==\n-----END CERTIFICATE-----\n";
    rd_init(&r, (const uint8_t *)good, strlen(good));
    err_init(&e);
    CHECK(x509_pem_next(&r, &kind, &der, &len, &e) == TERN_OK && der && len == 4);
    if (der)
        CHECK(der[0] == 1 && der[3] == 4);
    tern_free(der);
    CHECK(x509_pem_next(&r, &kind, &der, &len, &e) == TERN_OK && der == NULL);
    const char *bad[] = {
        "-----BEGIN CERTIFICATE-----\nAQ!D\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nAQID\n",
        "-----BEGIN CERTIFICATE-----\nAQIDB===\n-----END CERTIFICATE-----\n",
        ("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nAQID\n-----END RSA PRIVATE "
         "KEY-----\n"),
        "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rd_init(&r, (const uint8_t *)bad[i], strlen(bad[i]));
        err_init(&e);
        CHECK(x509_pem_next(&r, &kind, &der, &len, &e) == TERN_E_FILE);
        CHECK(e.msg[0] != 0);
    }
}

int main(void)
{
    RUN(test_lengths);
    RUN(test_integers_and_bools);
    RUN(test_times);
    RUN(test_certificate);
    RUN(test_pem);
    return test_done();
}
