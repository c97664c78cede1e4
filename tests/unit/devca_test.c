/* The development CA: a CA and leaves of each key type, checked from the
 * outside: the DER walks as RFC 5280 says, the signature verifies with the
 * CA's public key, the names land in subjectAltName with the right types,
 * PEM round-trips, and bad input is refused with a sentence.
 * (tests/e2e/cert_cli.sh has real OpenSSL verify the same certificates.) */
#include "devca.h"
#include "test.h"

#include "base/bytes.h"
#include "base/mem.h"
#include "crypto/provider.h"

#include <stdlib.h>
#include <string.h>

static char why[DEVCA_WHY_MAX];
static const time_t NOW = 1795000000; /* 2026-11-18 */

/* A DER TLV reader for the test's own walk. */
static bool tlv(struct rd *r, uint8_t tag, struct rd *content, struct rd *whole)
{
    struct rd t = *r;
    uint8_t got, l;
    size_t len;
    if (!rd_u8(&t, &got) || got != tag || !rd_u8(&t, &l))
        return false;
    if (l < 0x80) {
        len = l;
    } else {
        len = 0;
        for (uint8_t i = 0; i < (l & 0x7f); i++) {
            uint8_t b;
            if (!rd_u8(&t, &b))
                return false;
            len = len << 8 | b;
        }
    }
    if (!rd_sub(&t, content, len))
        return false;
    if (whole && !rd_sub(r, whole, r->len - t.len))
        return false;
    *r = t;
    return true;
}

static bool contains(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
    for (size_t i = 0; i + m <= n; i++)
        if (!memcmp(hay + i, needle, m))
            return true;
    return false;
}

struct parsed {
    struct rd tbs_whole, sigalg, sig, issuer, subject, spki, exts, validity;
};

static bool parse_cert(const uint8_t *der, size_t len, struct parsed *p)
{
    struct rd r, cert, tbs, x, ver;
    rd_init(&r, der, len);
    uint8_t unused;
    bool ok = tlv(&r, 0x30, &cert, NULL) && rd_empty(&r) && tlv(&cert, 0x30, &tbs, &p->tbs_whole) &&
              tlv(&cert, 0x30, &p->sigalg, NULL) && tlv(&cert, 0x03, &p->sig, NULL) &&
              rd_empty(&cert) && rd_u8(&p->sig, &unused) && unused == 0 &&
              tlv(&tbs, 0xa0, &ver, NULL) && tlv(&tbs, 0x02, &x, NULL) && x.len == 16 &&
              tlv(&tbs, 0x30, &x, NULL) && tlv(&tbs, 0x30, &x, &p->issuer) &&
              tlv(&tbs, 0x30, &p->validity, NULL) && tlv(&tbs, 0x30, &x, &p->subject) &&
              tlv(&tbs, 0x30, &x, &p->spki) && tlv(&tbs, 0xa3, &p->exts, NULL) && rd_empty(&tbs);
    /* v3 */
    return ok && ver.len == 3 && !memcmp(ver.p, "\x02\x01\x02", 3);
}

static bool verify_with(const struct rd *spki, const struct parsed *p, enum cry_sig_alg alg,
                        enum cry_hash h)
{
    struct cry_pubkey pk;
    if (cry_pubkey_parse_spki(&pk, spki->p, spki->len) != TERN_OK)
        return false;
    int rc = cry_verify(&pk, alg, h, -1, p->tbs_whole.p, p->tbs_whole.len, p->sig.p, p->sig.len);
    cry_pubkey_cleanup(&pk);
    return rc == TERN_OK;
}

static void check_kind(enum tern_key_type kt, enum cry_sig_alg alg, enum cry_hash h)
{
    struct devca ca;
    CHECK_EQ(devca_create(&ca, kt, "tern test CA", 30, NOW, why, sizeof(why)), TERN_OK);
    struct parsed cap;
    CHECK(parse_cert(ca.cert_der, ca.cert_len, &cap));
    /* Self-signed: issuer == subject, and its own key verifies it. */
    CHECK(cap.issuer.len == cap.subject.len &&
          !memcmp(cap.issuer.p, cap.subject.p, cap.issuer.len));
    CHECK(verify_with(&cap.spki, &cap, alg, h));
    /* basicConstraints critical cA TRUE pathLen 0; keyUsage keyCertSign|cRLSign. */
    CHECK(contains(cap.exts.p, cap.exts.len,
                   "\x06\x03\x55\x1d\x13\x01\x01\xff\x04\x08\x30\x06\x01\x01\xff\x02\x01\x00", 18));
    CHECK(contains(cap.exts.p, cap.exts.len,
                   "\x06\x03\x55\x1d\x0f\x01\x01\xff\x04\x04\x03\x02\x01\x06", 14));
    CHECK(contains(cap.subject.p, cap.subject.len, "tern test CA", 12));

    /* PEM round trip through devca_load. */
    char *cert_pem = devca_pem("CERTIFICATE", ca.cert_der, ca.cert_len), *key_pem = NULL;
    CHECK(cert_pem && !strncmp(cert_pem, "-----BEGIN CERTIFICATE-----\n", 28));
    CHECK_EQ(devca_key_pem(ca.key, &key_pem), TERN_OK);
    CHECK(key_pem && strstr(key_pem, "-----BEGIN PRIVATE KEY-----"));
    struct devca loaded;
    CHECK_EQ(
        devca_load(&loaded, cert_pem, strlen(cert_pem), key_pem, strlen(key_pem), why, sizeof(why)),
        TERN_OK);
    CHECK_EQ(loaded.cert_len, ca.cert_len);
    CHECK_MEM(loaded.key_id, ca.key_id, DEVCA_KEYID_LEN);
    CHECK(loaded.subject_len == ca.subject_len &&
          !memcmp(loaded.subject, ca.subject, ca.subject_len));

    /* A leaf for localhost and both loopback addresses, client auth too. */
    const char *names[] = {"LocalHost", "127.0.0.1", "::1", "*.dev.example"};
    struct devca_leaf leaf = {
        .key_type = kt, .client = true, .days = 10, .names = names, .n_names = 4, .now = NOW};
    uint8_t *der = NULL;
    size_t len = 0;
    tern_key *lk = NULL;
    CHECK_EQ(devca_issue(&loaded, &leaf, &der, &len, &lk, why, sizeof(why)), TERN_OK);
    struct parsed lp;
    CHECK(der && parse_cert(der, len, &lp));
    CHECK(lp.issuer.len == cap.subject.len && !memcmp(lp.issuer.p, cap.subject.p, lp.issuer.len));
    CHECK(verify_with(&cap.spki, &lp, alg, h));
    CHECK(!verify_with(&lp.spki, &lp, alg, h)); /* not self-signed */
    CHECK(contains(lp.exts.p, lp.exts.len, "\x82\x09localhost", 11));
    CHECK(contains(lp.exts.p, lp.exts.len, "\x87\x04\x7f\x00\x00\x01", 6));
    CHECK(contains(lp.exts.p, lp.exts.len, "\x87\x10\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 18));
    CHECK(contains(lp.exts.p, lp.exts.len, "\x82\x0d*.dev.example", 15));
    /* serverAuth and clientAuth; basicConstraints critical, empty. */
    CHECK(contains(lp.exts.p, lp.exts.len, "\x2b\x06\x01\x05\x05\x07\x03\x01", 8));
    CHECK(contains(lp.exts.p, lp.exts.len, "\x2b\x06\x01\x05\x05\x07\x03\x02", 8));
    CHECK(contains(lp.exts.p, lp.exts.len, "\x06\x03\x55\x1d\x13\x01\x01\xff\x04\x02\x30\x00", 12));
    /* AKI names the CA's key id. */
    CHECK(contains(lp.exts.p, lp.exts.len, ca.key_id, DEVCA_KEYID_LEN));
    /* keyUsage: digitalSignature, plus keyEncipherment for RSA. */
    if (kt == TERN_KEY_RSA)
        CHECK(contains(lp.exts.p, lp.exts.len, "\x04\x04\x03\x02\x05\xa0", 6));
    else
        CHECK(contains(lp.exts.p, lp.exts.len, "\x04\x04\x03\x02\x07\x80", 6));
    /* Validity: from an hour before NOW, as UTCTime: 1795000000 - 3600 is
     * 2026-11-18 10:06:40 UTC. */
    CHECK(contains(lp.validity.p, lp.validity.len,
                   "\x17\x0d"
                   "261118100640Z",
                   15));
    /* The leaf's key matches its certificate. */
    uint8_t spki[4096];
    size_t spki_len = 0;
    CHECK_EQ(tern_key_spki(lk, spki, sizeof(spki), &spki_len), TERN_OK);
    CHECK(spki_len == lp.spki.len && !memcmp(spki, lp.spki.p, spki_len));

    /* Two leaves never share a serial. */
    uint8_t *der2;
    size_t len2;
    tern_key *lk2 = NULL;
    CHECK_EQ(devca_issue(&loaded, &leaf, &der2, &len2, &lk2, why, sizeof(why)), TERN_OK);
    CHECK(len2 < 20 || memcmp(der + 15, der2 + 15, 16) != 0);
    free(der2);
    tern_key_free(lk2);

    tern_key_free(lk);
    free(der);
    free(cert_pem);
    free(key_pem);
    devca_cleanup(&loaded);
    devca_cleanup(&ca);
}

static void test_ec(void)
{
    check_kind(TERN_KEY_EC_P256, CRY_SIG_ECDSA, CRY_SHA256);
}

static void test_p384(void)
{
    check_kind(TERN_KEY_EC_P384, CRY_SIG_ECDSA, CRY_SHA384);
}

static void test_rsa(void)
{
    check_kind(TERN_KEY_RSA, CRY_SIG_RSA_PKCS1, CRY_SHA256);
}

static void test_ed25519(void)
{
    check_kind(TERN_KEY_ED25519, CRY_SIG_ED25519, CRY_SHA256);
}

static void test_refusals(void)
{
    struct devca ca, other;
    CHECK_EQ(devca_create(&ca, TERN_KEY_EC_P256, "a", 30, NOW, why, sizeof(why)), TERN_OK);
    CHECK_EQ(devca_create(&other, TERN_KEY_EC_P256, "b", 30, NOW, why, sizeof(why)), TERN_OK);
    const char *bad[] = {"localhost", "bad name"};
    struct devca_leaf leaf = {.key_type = TERN_KEY_EC_P256, .names = bad, .n_names = 2, .now = NOW};
    uint8_t *der = NULL;
    size_t len;
    tern_key *lk = NULL;
    CHECK_EQ(devca_issue(&ca, &leaf, &der, &len, &lk, why, sizeof(why)), TERN_E_ARG);
    CHECK_CONTAINS(why, "'bad name'");
    CHECK(der == NULL);
    const char *dash[] = {"-x.example"};
    leaf.names = dash;
    leaf.n_names = 1;
    CHECK_EQ(devca_issue(&ca, &leaf, &der, &len, &lk, why, sizeof(why)), TERN_E_ARG);
    leaf.n_names = 0;
    CHECK_EQ(devca_issue(&ca, &leaf, &der, &len, &lk, why, sizeof(why)), TERN_E_ARG);

    /* A CA certificate with someone else's key is refused. */
    char *cert_pem = devca_pem("CERTIFICATE", ca.cert_der, ca.cert_len), *key_pem = NULL;
    CHECK_EQ(devca_key_pem(other.key, &key_pem), TERN_OK);
    struct devca mixed;
    CHECK_EQ(
        devca_load(&mixed, cert_pem, strlen(cert_pem), key_pem, strlen(key_pem), why, sizeof(why)),
        TERN_E_ARG);
    CHECK_CONTAINS(why, "does not belong");
    /* PEM faults. */
    CHECK(devca_load(&mixed, "nothing", 7, key_pem, strlen(key_pem), why, sizeof(why)) != TERN_OK);
    CHECK_CONTAINS(why, "BEGIN CERTIFICATE");
    uint8_t *out;
    size_t out_len;
    const char *trunc = "-----BEGIN X-----\nQUJD\n";
    CHECK_EQ(devca_pem_decode(trunc, strlen(trunc), "X", &out, &out_len, why, sizeof(why)),
             TERN_E_FILE);
    const char *junk = "-----BEGIN X-----\r\nQU*D\r\n-----END X-----\r\n";
    CHECK_EQ(devca_pem_decode(junk, strlen(junk), "X", &out, &out_len, why, sizeof(why)),
             TERN_E_FILE);
    const char *crlf = "junk\r\n-----BEGIN X-----\r\nQUJD\r\nRA==\r\n-----END X-----";
    CHECK_EQ(devca_pem_decode(crlf, strlen(crlf), "X", &out, &out_len, why, sizeof(why)), TERN_OK);
    CHECK(out_len == 4 && !memcmp(out, "ABCD", 4));
    free(out);
    free(cert_pem);
    free(key_pem);
    devca_cleanup(&ca);
    devca_cleanup(&other);
}

static void test_pem_lines(void)
{
    uint8_t der[100];
    for (int i = 0; i < 100; i++)
        der[i] = (uint8_t)(i * 7);
    char *pem = devca_pem("CERTIFICATE", der, sizeof(der));
    /* 100 bytes = 136 base64 characters: lines of 64, 64 and 8. */
    const char *first = strchr(pem, '\n') + 1;
    CHECK(strchr(first, '\n') - first == 64);
    uint8_t *back;
    size_t len;
    CHECK_EQ(devca_pem_decode(pem, strlen(pem), "CERTIFICATE", &back, &len, why, sizeof(why)),
             TERN_OK);
    CHECK(len == 100 && !memcmp(back, der, 100));
    free(back);
    free(pem);
}

int main(void)
{
    RUN(test_pem_lines);
    RUN(test_ec);
    RUN(test_p384);
    RUN(test_rsa);
    RUN(test_ed25519);
    RUN(test_refusals);
    return test_done();
}
