/* Name matching (RFC 9525), IP address forms, and their failure sentences. */
#include "base/mem.h"
#include "test.h"
#include "x509/x509.h"

#include <stdlib.h>
#include <string.h>

static bool m(const char *pattern, const char *host)
{
    return x509_dns_match((const uint8_t *)pattern, strlen(pattern), host);
}

static void test_dns(void)
{
    CHECK(m("example.com", "example.com"));
    CHECK(m("Example.COM", "example.com"));  /* case-insensitive */
    CHECK(m("example.com", "example.com.")); /* absolute reference name */
    CHECK(!m("example.com", "www.example.com"));
    CHECK(m("*.example.com", "a.example.com"));
    CHECK(m("*.example.com", "A.EXAMPLE.com"));
    CHECK(!m("*.example.com", "example.com"));      /* one label, not zero */
    CHECK(!m("*.example.com", "a.b.example.com"));  /* one label, not two */
    CHECK(!m("f*.example.com", "foo.example.com")); /* no partial wildcards */
    CHECK(!m("*o.example.com", "foo.example.com"));
    CHECK(!m("a.*.example.com", "a.b.example.com")); /* left-most only */
    CHECK(!m("*.com", "example.com"));               /* not over a single label */
    CHECK(!m("*", "example"));
    /* IDNA: A-labels compare as given, U-labels are not host names */
    CHECK(m("xn--bcher-kva.example", "XN--BCHER-KVA.example"));
    CHECK(m("*.xn--bcher-kva.example", "a.xn--bcher-kva.example"));
    CHECK(!m("xn--bcher-kva.example", "b\xc3\xbc"
                                      "cher.example"));
    CHECK(!m("foo_bar.example.com", "foo_bar.example.com")); /* not preferred syntax */
    CHECK(!m("-a.example.com", "-a.example.com"));
    CHECK(x509_dns_name_valid((const uint8_t *)"*.example.com", 13, true));
    CHECK(!x509_dns_name_valid((const uint8_t *)"*.example.com", 13, false));
    CHECK(!x509_dns_name_valid((const uint8_t *)"a..b", 4, false));
}

static bool ip(const char *text, const char *canonical)
{
    uint8_t b[16];
    size_t n;
    char out[64];
    if (!x509_ip_parse(text, b, &n))
        return canonical == NULL;
    return canonical && !strcmp(x509_ip_text(b, n, out, sizeof(out)), canonical);
}

static void test_ip(void)
{
    CHECK(ip("192.0.2.7", "192.0.2.7"));
    CHECK(ip("0.0.0.0", "0.0.0.0"));
    CHECK(ip("192.0.2.07", NULL)); /* leading zero */
    CHECK(ip("192.0.2.256", NULL));
    CHECK(ip("192.0.2", NULL));
    CHECK(ip("192.0.2.1.", NULL));
    CHECK(ip("0xc0.0.2.1", NULL));
    CHECK(ip("::1", "::1"));
    CHECK(ip("::", "::"));
    CHECK(ip("2001:DB8:0:0:0:0:0:1", "2001:db8::1"));
    CHECK(ip("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1")); /* RFC 5952 §4.2.3: first run */
    CHECK(ip("2001:db8::0:1", "2001:db8::1"));
    CHECK(ip("2001:0:0:1:0:0:0:1", "2001:0:0:1::1")); /* longest run */
    CHECK(ip("2001:db8:1:1:1:1:1:1", "2001:db8:1:1:1:1:1:1"));
    CHECK(ip("2001:db8::1:1:1:1:1", "2001:db8:0:1:1:1:1:1")); /* a single zero is not :: */
    CHECK(ip("::ffff:192.0.2.1", "::ffff:c000:201"));
    CHECK(ip(":::", NULL));
    CHECK(ip("1::2::3", NULL));
    CHECK(ip("1:2:3:4:5:6:7:8:9", NULL));
    CHECK(ip("1:2:3:4:5:6:7", NULL));
    CHECK(ip("12345::1", NULL));
    CHECK(ip("1:", NULL));
}

static struct x509_cert *load_leaf(void)
{
    size_t n, len;
    char *pem = read_file(TERN_SOURCE_DIR "/tests/x509/leaf.pem", &n);
    struct rd r;
    rd_init(&r, (const uint8_t *)pem, n);
    enum x509_pem_kind kind;
    uint8_t *der = NULL;
    struct tern_err e;
    err_init(&e);
    struct x509_cert *c = NULL;
    CHECK(x509_pem_next(&r, &kind, &der, &len, &e) == TERN_OK && der);
    CHECK(x509_cert_parse(der, len, &c, &e) == TERN_OK);
    free(pem);
    tern_free(der);
    return c;
}

static void test_cert_names(void)
{
    struct x509_cert *c = load_leaf();
    if (!c)
        return;
    struct tern_err e;
    err_init(&e);
    CHECK(x509_match_host(c, "www.example.com", &e) == TERN_OK);
    CHECK(x509_match_host(c, "EXAMPLE.com", &e) == TERN_OK);
    CHECK(x509_match_host(c, "v1.api.example.com", &e) == TERN_OK);
    CHECK(x509_match_host(c, "api.example.com", &e) == TERN_E_NAME_MISMATCH);
    err_init(&e);
    CHECK(x509_match_host(c, "example.org", &e) == TERN_E_NAME_MISMATCH);
    CHECK_CONTAINS(e.msg, "'example.org' is not one of the certificate's names: www.example.com, "
                          "example.com, *.api.example.com, IP 192.0.2.7, IP 2001:db8::1");
    err_init(&e);
    CHECK(x509_match_host(c, "bad_name.example.com", &e) == TERN_E_NAME_MISMATCH);
    CHECK_CONTAINS(e.msg, "not a valid DNS name");
    uint8_t a[16];
    size_t n;
    err_init(&e);
    CHECK(x509_ip_parse("2001:db8::1", a, &n) && x509_match_ip(c, a, n, "2001:db8::1", &e) == 0);
    CHECK(x509_ip_parse("192.0.2.8", a, &n));
    CHECK(x509_match_ip(c, a, n, "192.0.2.8", &e) == TERN_E_NAME_MISMATCH);
    CHECK_CONTAINS(e.msg, "IP address 192.0.2.8 is not one of the certificate's names");
    x509_cert_free(c);
}

int main(void)
{
    RUN(test_dns);
    RUN(test_ip);
    RUN(test_cert_names);
    return test_done();
}
