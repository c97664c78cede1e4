/* The public X.509 API (include/tern/x509.h): parsing, the fields, the
 * fingerprints, trust stores (capath included), and verification verdicts
 * with their reason codes. Expected values come from `openssl x509` on the
 * same fixtures (tests/data), an implementation independent of tern's. */
#include "base/mem.h"
#include "certgen.h"
#include "crypto/provider.h"
#include "pair.h"
#include "test.h"
#include "tern/tern.h"
#include "x509/x509.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DAY 86400

static uint8_t *slurp(const char *path, size_t *len)
{
    *len = 0;
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f)
        return NULL;
    uint8_t *buf = malloc(1 << 20);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static tern_x509 *load(const char *file)
{
    size_t len;
    uint8_t *pem = slurp(file, &len);
    tern_x509 *x = NULL;
    char why[320];
    int rc = tern_x509_parse(pem, len, &x, why, sizeof(why));
    if (rc != TERN_OK)
        fprintf(stderr, "%s: %s\n", file, why);
    CHECK_EQ(rc, TERN_OK);
    free(pem);
    return x;
}

static size_t load_all(const char *file, tern_x509 **out, size_t cap)
{
    size_t len, n = 0;
    uint8_t *pem = slurp(file, &len);
    char why[320];
    CHECK_EQ(tern_x509_parse_all(pem, len, out, cap, &n, why, sizeof(why)), TERN_OK);
    free(pem);
    return n;
}

static void test_fields(void)
{
    tern_x509 *x = load(DATA "server-p256.pem");
    if (!x)
        return;
    CHECK(!strcmp(tern_x509_subject(x), "CN=localhost"));
    CHECK(!strcmp(tern_x509_issuer(x), "CN=tern test intermediate"));
    size_t sl;
    const uint8_t *serial = tern_x509_serial(x, &sl);
    CHECK_EQ(sl, 2);
    CHECK(serial[0] == 0x10 && serial[1] == 0x02);
    CHECK(!strcmp(tern_x509_serial_hex(x), "10:02"));
    CHECK_EQ(tern_x509_not_before(x), 1735689600); /* 2025-01-01T00:00:00Z */
    CHECK_EQ(tern_x509_not_after(x), 2366841600);  /* 2045-01-01T00:00:00Z */
    CHECK_EQ(tern_x509_is_ca(x), 0);
    CHECK_EQ(tern_x509_key_type(x), TERN_KEY_EC_P256);
    CHECK_EQ(tern_x509_key_bits(x), 256);
    CHECK(!strcmp(tern_key_type_name(TERN_KEY_EC_P256), "EC P-256"));
    /* openssl x509 -ext subjectAltName */
    CHECK_EQ(tern_x509_san_count(x), 4);
    static const struct {
        enum tern_san_type t;
        const char *v;
    } want[] = {{TERN_SAN_DNS, "localhost"},
                {TERN_SAN_DNS, "*.tern.test"},
                {TERN_SAN_IP, "127.0.0.1"},
                {TERN_SAN_IP, "::1"}};
    for (size_t i = 0; i < 4; i++) {
        enum tern_san_type t;
        const char *v;
        CHECK_EQ(tern_x509_san(x, i, &t, &v), TERN_OK);
        CHECK_EQ(t, want[i].t);
        CHECK(!strcmp(v, want[i].v));
    }
    enum tern_san_type t;
    const char *v;
    CHECK_EQ(tern_x509_san(x, 4, &t, &v), TERN_E_ARG);
    /* openssl x509 -fingerprint -sha256 */
    static const uint8_t fp[32] = {0xC8, 0x4B, 0x98, 0xBD, 0xA5, 0xAF, 0xDC, 0x99, 0xFC, 0x9B, 0xB3,
                                   0xAF, 0xC1, 0xFD, 0x32, 0x2A, 0x29, 0x67, 0xA6, 0xD7, 0x7B, 0xD7,
                                   0xC3, 0xD5, 0x02, 0x7A, 0x12, 0x5B, 0x71, 0x77, 0xF0, 0x9B};
    uint8_t h[32];
    CHECK_EQ(tern_x509_sha256(x, h), TERN_OK);
    CHECK_MEM(h, fp, 32);
    /* openssl x509 -pubkey | openssl pkey -pubin -outform der | sha256 | base64 */
    char pin[64];
    CHECK_EQ(tern_x509_pin(x, pin, sizeof(pin)), TERN_OK);
    CHECK(!strcmp(pin, "sha256//Jy/DoIRWEZE8mqCfVjH0/AS7NzV0r+mTnz1ixf6GseQ="));
    CHECK_EQ(tern_x509_pin(x, pin, 52), TERN_E_ARG);

    /* DER in, the same certificate out */
    size_t dl;
    const uint8_t *der = tern_x509_der(x, &dl);
    tern_x509 *y = NULL;
    CHECK_EQ(tern_x509_parse(der, dl, &y, NULL, 0), TERN_OK);
    if (y) {
        CHECK(!strcmp(tern_x509_subject(y), "CN=localhost"));
        CHECK_EQ(tern_x509_spki_sha256(y, h), TERN_OK);
        tern_x509_free(y);
    }
    tern_x509_free(x);

    x = load(DATA "server-rsa.pem");
    if (x) {
        CHECK_EQ(tern_x509_key_type(x), TERN_KEY_RSA);
        CHECK_EQ(tern_x509_key_bits(x), 2048);
        tern_x509_free(x);
    }
    x = load(DATA "ca.pem");
    if (x) {
        CHECK_EQ(tern_x509_is_ca(x), 1);
        CHECK_EQ(tern_x509_san_count(x), 0);
        tern_x509_free(x);
    }
}

static void test_parse_errors(void)
{
    char why[320];
    tern_x509 *x = NULL;
    static const uint8_t junk[] = "not a certificate at all";
    CHECK(tern_x509_parse(junk, sizeof(junk) - 1, &x, why, sizeof(why)) != TERN_OK);
    CHECK(x == NULL);
    CHECK_CONTAINS(why, "no CERTIFICATE PEM block");
    static const uint8_t bad_der[] = {0x30, 0x03, 0x02, 0x01, 0x01};
    CHECK_EQ(tern_x509_parse(bad_der, sizeof(bad_der), &x, why, sizeof(why)),
             TERN_E_BAD_CERTIFICATE);
    CHECK(why[0] != 0);
    tern_x509 *list[1];
    size_t n = 9;
    size_t len;
    uint8_t *pem = slurp(DATA "server-p256-chain.pem", &len);
    CHECK_EQ(tern_x509_parse_all(pem, len, list, 1, &n, why, sizeof(why)), TERN_E_LIMIT);
    CHECK_EQ(n, 0);
    free(pem);
}

static tern_trust *trust_of(const char *file)
{
    tern_trust *t = tern_trust_new();
    char why[320];
    CHECK_EQ(tern_trust_add_file(t, file, why, sizeof(why)), TERN_OK);
    return t;
}

static enum tern_verify_reason verdict_of(tern_trust *t, tern_x509 **chain, size_t n,
                                          const struct tern_verify_opts *o, struct tern_verdict *v)
{
    int rc = tern_x509_verify(t, (const tern_x509 *const *)chain, n, o, v);
    CHECK_EQ(rc, v->status);
    CHECK((rc == TERN_OK) == (v->reason == TERN_VERIFY_OK));
    CHECK((rc == TERN_OK) == (v->sentence[0] == 0));
    return v->reason;
}

static void test_verify(void)
{
    tern_trust *t = trust_of(DATA "ca.pem");
    tern_x509 *chain[4] = {0};
    size_t n = load_all(DATA "server-p256-chain.pem", chain, 4);
    CHECK_EQ(n, 2);
    struct tern_verify_opts o;
    struct tern_verdict v;
    tern_verify_opts_init(&o);
    o.name = "localhost";
    CHECK_EQ(verdict_of(t, chain, n, &o, &v), TERN_VERIFY_OK);
    CHECK_EQ(v.path_len, 3);
    if (v.path_len == 3) {
        CHECK(!strcmp(tern_x509_subject(v.path[0]), "CN=localhost"));
        CHECK(!strcmp(tern_x509_subject(v.path[2]), "CN=tern test root"));
    }
    tern_verdict_cleanup(&v);

    o.name = "example.org";
    CHECK_EQ(verdict_of(t, chain, n, &o, &v), TERN_VERIFY_NAME_MISMATCH);
    CHECK_EQ(v.status, TERN_E_NAME_MISMATCH);
    CHECK_CONTAINS(v.sentence, "example.org");
    CHECK(!strcmp(tern_verify_reason_name(v.reason), "name mismatch"));
    tern_verdict_cleanup(&v);

    /* no name by accident is an error; no name on purpose is allowed */
    o.name = NULL;
    CHECK_EQ(verdict_of(t, chain, n, &o, &v), TERN_VERIFY_ERROR);
    CHECK_EQ(v.status, TERN_E_ARG);
    tern_verdict_cleanup(&v);
    o.name_kind = TERN_NAME_NONE;
    CHECK_EQ(verdict_of(t, chain, n, &o, &v), TERN_VERIFY_OK);
    tern_verdict_cleanup(&v);
    o.name_kind = TERN_NAME_IP;
    o.name = "127.0.0.1";
    CHECK_EQ(verdict_of(t, chain, n, &o, &v), TERN_VERIFY_OK);
    tern_verdict_cleanup(&v);
    o.name = "10.0.0.1";
    CHECK_EQ(verdict_of(t, chain, n, &o, &v), TERN_VERIFY_NAME_MISMATCH);
    tern_verdict_cleanup(&v);
    o.name = "localhost";
    CHECK_EQ(verdict_of(t, chain, n, &o, &v), TERN_VERIFY_ERROR);
    tern_verdict_cleanup(&v);

    o.name_kind = TERN_NAME_HOST;
    o.name = "localhost";
    o.at = 2524608000; /* 2050 */
    CHECK_EQ(verdict_of(t, chain, n, &o, &v), TERN_VERIFY_EXPIRED);
    CHECK_EQ(v.status, TERN_E_CERTIFICATE_EXPIRED);
    tern_verdict_cleanup(&v);
    o.at = 1577836800; /* 2020 */
    CHECK_EQ(verdict_of(t, chain, n, &o, &v), TERN_VERIFY_NOT_YET_VALID);
    CHECK_EQ(v.status, TERN_E_CERTIFICATE_EXPIRED);
    CHECK_CONTAINS(v.sentence, "not valid before");
    tern_verdict_cleanup(&v);
    o.at = 0;

    o.purpose = TERN_PURPOSE_CLIENT;
    CHECK_EQ(verdict_of(t, chain, n, &o, &v), TERN_VERIFY_USAGE);
    tern_verdict_cleanup(&v);
    o.purpose = TERN_PURPOSE_SERVER;

    o.max_depth = 0;
    CHECK_EQ(verdict_of(t, chain, n, &o, &v), TERN_VERIFY_PATH_TOO_LONG);
    tern_verdict_cleanup(&v);
    o.max_depth = -1;

    /* the leaf alone: its issuer is nowhere */
    CHECK_EQ(verdict_of(t, chain, 1, &o, &v), TERN_VERIFY_UNKNOWN_ISSUER);
    CHECK_EQ(v.status, TERN_E_UNKNOWN_CA);
    tern_verdict_cleanup(&v);

    /* another root */
    tern_trust *other = trust_of(DATA "other-ca.pem");
    CHECK_EQ(verdict_of(other, chain, n, &o, &v), TERN_VERIFY_UNKNOWN_ISSUER);
    tern_verdict_cleanup(&v);
    tern_x509 *root = load(DATA "ca.pem");
    o.name_kind = TERN_NAME_NONE;
    CHECK_EQ(verdict_of(other, &root, 1, &o, &v), TERN_VERIFY_SELF_SIGNED);
    tern_verdict_cleanup(&v);
    tern_x509_free(root);
    tern_trust_free(other);
    o.name_kind = TERN_NAME_HOST;

    /* a signature that does not verify: flip the leaf's last byte */
    size_t dl;
    const uint8_t *der = tern_x509_der(chain[0], &dl);
    uint8_t *bad = malloc(dl);
    memcpy(bad, der, dl);
    bad[dl - 1] ^= 1;
    tern_x509 *badc[2] = {NULL, chain[1]};
    if (tern_x509_parse(bad, dl, &badc[0], NULL, 0) == TERN_OK) {
        CHECK_EQ(verdict_of(t, badc, 2, &o, &v), TERN_VERIFY_BAD_SIGNATURE);
        tern_verdict_cleanup(&v);
        tern_x509_free(badc[0]);
    } else {
        CHECK(!"the damaged signature should still parse");
    }
    free(bad);

    tern_x509 *exp[2] = {0};
    CHECK_EQ(load_all(DATA "expired-chain.pem", exp, 2), 2);
    CHECK_EQ(verdict_of(t, exp, 2, &o, &v), TERN_VERIFY_EXPIRED);
    CHECK_CONTAINS(v.sentence, "expired on 2021-01-01");
    tern_verdict_cleanup(&v);
    tern_x509_free(exp[0]);
    tern_x509_free(exp[1]);

    for (size_t i = 0; i < n; i++)
        tern_x509_free(chain[i]);
    tern_trust_free(t);
    CHECK(!strcmp(tern_verify_reason_name(TERN_VERIFY_UNKNOWN_ISSUER), "unknown issuer"));
    CHECK(!strcmp(tern_verify_reason_name((enum tern_verify_reason)999), "unknown reason"));
}

/* A self-signed certificate with cA TRUE and no extKeyUsage, as `openssl req
 * -x509` makes it: accepted when trusted as itself, and only then. */
static void test_exact_anchor(void)
{
    struct cry_privkey k = {0}, k2 = {0};
    CHECK(cry_privkey_generate(&k, CRY_KEY_EC_P256, 0) == 0);
    CHECK(cry_privkey_generate(&k2, CRY_KEY_EC_P256, 0) == 0);
    int64_t now = (int64_t)time(NULL);
    struct wr name;
    wr_init_grow(&name);
    cg_name(&name, "self.test", 1, 0x0c);
    size_t sl, dl;
    uint8_t *spki = cg_spki(&k, &sl), *der = NULL;
    struct cg_cert c = {.subject = name.buf,
                        .subject_len = name.len,
                        .issuer = name.buf,
                        .issuer_len = name.len,
                        .spki = spki,
                        .spki_len = sl,
                        .ski = 7,
                        .aki = 7,
                        .ca = true,
                        .san_dns = "self.test",
                        .not_before = now - DAY,
                        .not_after = now + DAY,
                        .serial = 5};
    CHECK_EQ(cg_issue(&c, &k, &der, &dl), 0);
    tern_x509 *x = NULL;
    CHECK_EQ(tern_x509_parse(der, dl, &x, NULL, 0), TERN_OK);
    tern_trust *t = tern_trust_new();
    CHECK_EQ(tern_trust_add_pem(t, der, dl, NULL, 0), TERN_OK);
    struct tern_verify_opts o;
    struct tern_verdict v;
    tern_verify_opts_init(&o);
    o.name = "self.test";
    CHECK_EQ(verdict_of(t, &x, 1, &o, &v), TERN_VERIFY_OK);
    CHECK_EQ(v.path_len, 1);
    tern_verdict_cleanup(&v);
    o.name = "other.test";
    CHECK_EQ(verdict_of(t, &x, 1, &o, &v), TERN_VERIFY_NAME_MISMATCH);
    tern_verdict_cleanup(&v);

    /* the same shape issued by that certificate (so not itself an anchor):
     * a CA certificate as the leaf is refused */
    struct wr name2;
    wr_init_grow(&name2);
    cg_name(&name2, "leaf.test", 1, 0x0c);
    size_t sl2, dl2;
    uint8_t *spki2 = cg_spki(&k2, &sl2), *der2 = NULL;
    struct cg_cert c2 = c;
    c2.subject = name2.buf;
    c2.subject_len = name2.len;
    c2.spki = spki2;
    c2.spki_len = sl2;
    c2.ski = 8;
    c2.san_dns = "leaf.test";
    c2.server_eku = true;
    CHECK_EQ(cg_issue(&c2, &k, &der2, &dl2), 0);
    tern_x509 *x2 = NULL;
    CHECK_EQ(tern_x509_parse(der2, dl2, &x2, NULL, 0), TERN_OK);
    o.name = "leaf.test";
    CHECK_EQ(verdict_of(t, &x2, 1, &o, &v), TERN_VERIFY_CONSTRAINT);
    CHECK_CONTAINS(v.sentence, "CA certificate");
    tern_verdict_cleanup(&v);

    tern_x509_free(x2);
    tern_x509_free(x);
    tern_trust_free(t);
    tern_free(der);
    tern_free(der2);
    tern_free(spki);
    tern_free(spki2);
    wr_free(&name);
    wr_free(&name2);
    cry_privkey_cleanup(&k);
    cry_privkey_cleanup(&k2);
}

/* OpenSSL's hashed folder: ca.pem as 49c81d4f.0 (`openssl x509 -hash`
 * gives 49c81d4f for "CN=tern test root"). */
static void test_capath(void)
{
    char dir[] = "/tmp/tern-capath-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    size_t len;
    uint8_t *pem = slurp(DATA "ca.pem", &len);
    snprintf(path, sizeof(path), "%s/49c81d4f.0", dir);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        fwrite(pem, 1, len, f);
        fclose(f);
    }
    tern_trust *t = tern_trust_new();
    char why[320];
    CHECK_EQ(tern_trust_add_capath(t, dir, why, sizeof(why)), TERN_OK);
    CHECK_EQ(tern_trust_count(t), 0);
    tern_x509 *chain[2] = {0};
    size_t n = load_all(DATA "server-p256-chain.pem", chain, 2);
    struct tern_verify_opts o;
    struct tern_verdict v;
    tern_verify_opts_init(&o);
    o.name = "localhost";
    CHECK_EQ(verdict_of(t, chain, n, &o, &v), TERN_VERIFY_OK);
    CHECK_EQ(v.path_len, 3);
    tern_verdict_cleanup(&v);

    /* under another name the file is not found */
    char other[256];
    snprintf(other, sizeof(other), "%s/49c81d4e.0", dir);
    CHECK_EQ(rename(path, other), 0);
    CHECK_EQ(verdict_of(t, chain, n, &o, &v), TERN_VERIFY_UNKNOWN_ISSUER);
    tern_verdict_cleanup(&v);
    unlink(other);
    rmdir(dir);
    CHECK(tern_trust_add_capath(t, "/nonexistent/capath", why, sizeof(why)) != TERN_OK);
    CHECK_CONTAINS(why, "/nonexistent/capath");
    for (size_t i = 0; i < n; i++)
        tern_x509_free(chain[i]);
    tern_trust_free(t);
    free(pem);
}

int main(void)
{
    test_fields();
    test_parse_errors();
    test_verify();
    test_exact_anchor();
    test_capath();
    return test_done();
}
