/* The peer's certificates on a connection and the policies an application
 * shapes verification with (issue 17): the chain as DER on both sides, the
 * verdict, client certificates in report-only mode, the verify callback,
 * the _DANGEROUS override, public-key pinning, CRLs in the configuration.
 * Each case runs a real handshake between two tern connections in memory,
 * in TLS 1.3 and TLS 1.2. */
#include "pair.h"
#include "test.h"
#include "tern/tern.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint16_t version = TERN_TLS13;

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

/* The DER of the first certificate of a PEM file. */
static uint8_t *pem_der(const char *path, size_t *len)
{
    size_t pl = 0;
    uint8_t *pem = slurp(path, &pl);
    tern_x509 *x = NULL;
    CHECK_EQ(tern_x509_parse(pem, pl, &x, NULL, 0), TERN_OK);
    free(pem);
    if (!x)
        return NULL;
    const uint8_t *d = tern_x509_der(x, len);
    uint8_t *out = malloc(*len);
    memcpy(out, d, *len);
    tern_x509_free(x);
    return out;
}

static void pair(struct handshake *h, tern_config *ccfg, tern_config *scfg)
{
    CHECK_EQ(tern_config_set_versions(ccfg, TERN_TLS12, version), TERN_OK);
    h->ccfg = ccfg;
    h->scfg = scfg;
    h->c = tern_conn_new_client(ccfg, "localhost");
    h->s = tern_conn_new_server(scfg);
    pump(h->c, h->s, 1 << 20);
}

static void with_client_cert(tern_config *ccfg)
{
    CHECK_EQ(tern_config_set_cert_chain_file(ccfg, DATA "client-chain.pem", DATA "client.key"),
             TERN_OK);
}

/* Both sides read the other's chain as DER, leaf first. */
static void test_peer_chain(void)
{
    tern_config *s = server_config("server-p256");
    CHECK_EQ(tern_config_set_client_auth(s, TERN_CLIENT_AUTH_REQUIRED), TERN_OK);
    add_trust(s, DATA "ca.pem");
    tern_config *c = client_config();
    with_client_cert(c);
    struct handshake h;
    CHECK_EQ(tern_config_set_versions(c, TERN_TLS12, version), TERN_OK);
    h.ccfg = c;
    h.scfg = s;
    h.c = tern_conn_new_client(c, "localhost");
    h.s = tern_conn_new_server(s);
    const uint8_t *der;
    size_t len;
    struct tern_verdict v;
    CHECK_EQ(tern_conn_peer_cert_count(h.c), 0);
    CHECK_EQ(tern_conn_peer_cert_der(h.c, 0, &der, &len), TERN_E_ARG);
    CHECK_EQ(tern_conn_peer_verdict(h.c, &v), TERN_E_ARG);
    pump(h.c, h.s, 1 << 20);
    CHECK(both_done(h.c, h.s));

    size_t want_len, int_len;
    uint8_t *want = pem_der(DATA "server-p256.pem", &want_len);
    uint8_t *inter = pem_der(DATA "int.pem", &int_len);
    CHECK_EQ(tern_conn_peer_cert_count(h.c), 2);
    CHECK_EQ(tern_conn_peer_cert_der(h.c, 0, &der, &len), TERN_OK);
    CHECK(len == want_len && !memcmp(der, want, len));
    CHECK_EQ(tern_conn_peer_cert_der(h.c, 1, &der, &len), TERN_OK);
    CHECK(len == int_len && !memcmp(der, inter, len));
    CHECK_EQ(tern_conn_peer_cert_der(h.c, 2, &der, &len), TERN_E_ARG);
    tern_x509 *x = NULL;
    CHECK_EQ(tern_conn_peer_cert(h.c, 0, &x), TERN_OK);
    if (x) {
        CHECK(!strcmp(tern_x509_subject(x), "CN=localhost"));
        tern_x509_free(x);
    }
    CHECK_EQ(tern_conn_peer_verdict(h.c, &v), TERN_OK);
    CHECK_EQ(v.status, TERN_OK);
    CHECK_EQ(v.reason, TERN_VERIFY_OK);

    /* the server side: the client's chain */
    uint8_t *cl = pem_der(DATA "client.pem", &want_len);
    CHECK_EQ(tern_conn_peer_cert_count(h.s), 2);
    CHECK_EQ(tern_conn_peer_cert_der(h.s, 0, &der, &len), TERN_OK);
    CHECK(len == want_len && !memcmp(der, cl, len));
    CHECK_EQ(tern_conn_peer_verdict(h.s, &v), TERN_OK);
    CHECK_EQ(v.reason, TERN_VERIFY_OK);
    free(want);
    free(inter);
    free(cl);
    finish(&h);
}

/* optional, report only: the handshake completes whatever the client
 * sends, and the server reads the verdict. A refused certificate let
 * through leaves the client no session to resume (tickets in TLS 1.3 and
 * 1.2, a session ID with a store): a later connection would skip the
 * verdict. */
/* A second connection with the same configurations resumes, unless the
 * first one's client certificate was refused and let through. */
static void resume_after(const char *trust, bool with_store, bool want_resumed)
{
    tern_config *s = server_config("server-p256");
    CHECK_EQ(tern_config_set_client_auth(s, TERN_CLIENT_AUTH_OPTIONAL_REPORT_ONLY), TERN_OK);
    add_trust(s, trust);
    if (with_store)
        CHECK_EQ(tern_config_set_session_cache(s, 16), TERN_OK);
    tern_config *c = client_config();
    with_client_cert(c);
    CHECK_EQ(tern_config_set_versions(c, TERN_TLS12, version), TERN_OK);
    for (int round = 0; round < 2; round++) {
        tern_conn *cc = tern_conn_new_client(c, "localhost"), *sc = tern_conn_new_server(s);
        pump(cc, sc, 1 << 20);
        CHECK(both_done(cc, sc));
        exchange(cc, sc, 10); /* TLS 1.3 tickets come after the handshake */
        if (round == 1) {
            CHECK_EQ(tern_conn_resumed(sc), want_resumed);
            struct tern_verdict v;
            if (!want_resumed) {
                CHECK_EQ(tern_conn_peer_verdict(sc, &v), TERN_OK);
                CHECK_EQ(v.reason, TERN_VERIFY_UNKNOWN_ISSUER);
            }
        }
        tern_conn_free(cc);
        tern_conn_free(sc);
    }
    tern_config_free(c);
    tern_config_free(s);
}

static void test_report_only(void)
{
    struct {
        const char *trust;
        bool send;
        enum tern_verify_reason want;
    } cases[] = {
        {DATA "other-ca.pem", true, TERN_VERIFY_UNKNOWN_ISSUER},
        {DATA "ca.pem", true, TERN_VERIFY_OK},
        {DATA "ca.pem", false, TERN_VERIFY_NO_CERTIFICATE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tern_config *s = server_config("server-p256");
        CHECK_EQ(tern_config_set_client_auth(s, TERN_CLIENT_AUTH_OPTIONAL_REPORT_ONLY), TERN_OK);
        add_trust(s, cases[i].trust);
        tern_config *c = client_config();
        if (cases[i].send)
            with_client_cert(c);
        struct handshake h;
        pair(&h, c, s);
        CHECK(both_done(h.c, h.s));
        exchange(h.c, h.s, 100);
        struct tern_verdict v;
        CHECK_EQ(tern_conn_peer_verdict(h.s, &v), TERN_OK);
        CHECK_EQ(v.reason, cases[i].want);
        CHECK_EQ(tern_conn_peer_cert_count(h.s), cases[i].send ? 2 : 0);
        if (cases[i].want == TERN_VERIFY_UNKNOWN_ISSUER) {
            CHECK_EQ(v.status, TERN_E_UNKNOWN_CA);
            CHECK_CONTAINS(v.sentence, "tern test intermediate");
            CHECK_CONTAINS(tern_conn_peer_subject(h.s), "CN=tern test client");
        }
        finish(&h);

        /* the same with `require` refuses the untrusted certificate */
        if (cases[i].want == TERN_VERIFY_UNKNOWN_ISSUER) {
            s = server_config("server-p256");
            CHECK_EQ(tern_config_set_client_auth(s, TERN_CLIENT_AUTH_REQUIRED), TERN_OK);
            add_trust(s, cases[i].trust);
            c = client_config();
            with_client_cert(c);
            pair(&h, c, s);
            CHECK(!both_done(h.c, h.s));
            CHECK_EQ(tern_conn_status(h.s), TERN_E_UNKNOWN_CA);
            CHECK_EQ(tern_conn_peer_verdict(h.s, &v), TERN_OK);
            CHECK_EQ(v.reason, TERN_VERIFY_UNKNOWN_ISSUER);
            finish(&h);
        }
    }
    for (int store = 0; store < 2; store++) {
        resume_after(DATA "ca.pem", store, true);
        resume_after(DATA "other-ca.pem", store, false);
    }
}

struct cb_state {
    int answer;
    int calls;
    size_t n;
    enum tern_verify_reason seen;
};

static int verify_cb(void *arg, tern_conn *c, const struct tern_verdict *verdict,
                     const uint8_t *const *certs, const size_t *lens, size_t n, char *why,
                     size_t why_cap)
{
    (void)c;
    struct cb_state *st = arg;
    st->calls++;
    st->n = n;
    st->seen = verdict->reason;
    CHECK(n == 0 || (certs[0] != NULL && lens[0] > 100));
    if (st->answer)
        snprintf(why, why_cap, "not on the private list");
    return st->answer;
}

static void test_callback(void)
{
    /* keeps the verdict */
    struct cb_state st = {0, 0, 0, TERN_VERIFY_ERROR};
    tern_config *c = client_config();
    tern_config_set_verify_callback(c, verify_cb, &st);
    struct handshake h;
    pair(&h, c, server_config("server-p256"));
    CHECK(both_done(h.c, h.s));
    CHECK_EQ(st.calls, 1);
    CHECK_EQ(st.n, 2);
    CHECK_EQ(st.seen, TERN_VERIFY_OK);
    finish(&h);

    /* adds a refusal */
    st = (struct cb_state){1, 0, 0, TERN_VERIFY_ERROR};
    c = client_config();
    tern_config_set_verify_callback(c, verify_cb, &st);
    pair(&h, c, server_config("server-p256"));
    CHECK(!both_done(h.c, h.s));
    CHECK_EQ(tern_conn_status(h.c), TERN_E_BAD_CERTIFICATE);
    CHECK_CONTAINS(tern_conn_error(h.c), "not on the private list");
    struct tern_verdict v;
    CHECK_EQ(tern_conn_peer_verdict(h.c, &v), TERN_OK);
    CHECK_EQ(v.reason, TERN_VERIFY_REFUSED);
    finish(&h);

    /* cannot turn a refusal into acceptance: answering 0 keeps tern's */
    st = (struct cb_state){0, 0, 0, TERN_VERIFY_OK};
    c = tern_config_new();
    add_trust(c, DATA "other-ca.pem");
    tern_config_set_verify_callback(c, verify_cb, &st);
    pair(&h, c, server_config("server-p256"));
    CHECK(!both_done(h.c, h.s));
    CHECK_EQ(st.calls, 1);
    CHECK_EQ(st.seen, TERN_VERIFY_UNKNOWN_ISSUER);
    CHECK_EQ(tern_conn_status(h.c), TERN_E_UNKNOWN_CA);
    finish(&h);

    /* a server's callback sees the client's chain and may refuse it */
    st = (struct cb_state){1, 0, 0, TERN_VERIFY_ERROR};
    tern_config *sv = server_config("server-p256");
    CHECK_EQ(tern_config_set_client_auth(sv, TERN_CLIENT_AUTH_REQUIRED), TERN_OK);
    add_trust(sv, DATA "ca.pem");
    tern_config_set_verify_callback(sv, verify_cb, &st);
    c = client_config();
    with_client_cert(c);
    pair(&h, c, sv);
    CHECK(!both_done(h.c, h.s));
    CHECK_EQ(st.calls, 1);
    CHECK_EQ(st.n, 2);
    CHECK_EQ(st.seen, TERN_VERIFY_OK);
    CHECK_EQ(tern_conn_status(h.s), TERN_E_BAD_CERTIFICATE);
    CHECK_CONTAINS(tern_conn_error(h.s), "not on the private list");
    finish(&h);

    /* only the _DANGEROUS override can */
    struct cb_state ov = {1, 0, 0, TERN_VERIFY_OK};
    c = tern_config_new();
    add_trust(c, DATA "other-ca.pem");
    tern_config_set_verify_override_DANGEROUS(c, verify_cb, &ov);
    pair(&h, c, server_config("server-p256"));
    CHECK(both_done(h.c, h.s));
    exchange(h.c, h.s, 100);
    CHECK_EQ(ov.calls, 1);
    CHECK_EQ(ov.seen, TERN_VERIFY_UNKNOWN_ISSUER);
    CHECK_EQ(tern_conn_peer_verdict(h.c, &v), TERN_OK);
    CHECK_EQ(v.reason, TERN_VERIFY_UNKNOWN_ISSUER);
    finish(&h);

    /* an override answering no leaves the refusal */
    ov = (struct cb_state){0, 0, 0, TERN_VERIFY_OK};
    c = tern_config_new();
    add_trust(c, DATA "other-ca.pem");
    tern_config_set_verify_override_DANGEROUS(c, verify_cb, &ov);
    pair(&h, c, server_config("server-p256"));
    CHECK(!both_done(h.c, h.s));
    CHECK_EQ(ov.calls, 1);
    finish(&h);
}

/* An empty trust store (tern_config_set_trust_empty, as the OpenSSL layer
 * uses): no anchor at all, not the system bundle, so tern's own check
 * refuses and the override decides; anchors added afterwards count. */
static void test_trust_empty(void)
{
    struct handshake h;
    tern_config *c = tern_config_new();
    CHECK_EQ(tern_config_set_trust_empty(c), TERN_OK);
    pair(&h, c, server_config("server-p256"));
    CHECK(!both_done(h.c, h.s));
    CHECK_EQ(tern_conn_status(h.c), TERN_E_UNKNOWN_CA);
    CHECK_CONTAINS(tern_conn_error(h.c), "(0 anchors)");
    finish(&h);

    struct cb_state ov = {1, 0, 0, TERN_VERIFY_OK};
    c = tern_config_new();
    CHECK_EQ(tern_config_set_trust_empty(c), TERN_OK);
    tern_config_set_verify_override_DANGEROUS(c, verify_cb, &ov);
    pair(&h, c, server_config("server-p256"));
    CHECK(both_done(h.c, h.s));
    CHECK_EQ(ov.calls, 1);
    CHECK_EQ(ov.seen, TERN_VERIFY_UNKNOWN_ISSUER);
    finish(&h);

    c = tern_config_new();
    CHECK_EQ(tern_config_set_trust_empty(c), TERN_OK);
    add_trust(c, DATA "ca.pem");
    pair(&h, c, server_config("server-p256"));
    CHECK(both_done(h.c, h.s));
    finish(&h);
}

/* An override that verified the client's chain itself (as the OpenSSL
 * layer does with its X509_STORE, over an empty tern trust) answers
 * TERN_OVERRIDE_VERIFIED: the verdict is an acceptance and the session is
 * kept, so the next connection resumes with the chain and verdict; a
 * plain yes (1) lets the refusal through and nothing resumes. Tickets and
 * a store, TLS 1.3 and 1.2 (the version loop in main). */
static void test_override_verified(void)
{
    for (int with_store = 0; with_store < 2; with_store++) {
        for (int answer = 1; answer <= TERN_OVERRIDE_VERIFIED; answer++) {
            struct cb_state ov = {answer, 0, 0, TERN_VERIFY_OK};
            tern_config *s = server_config("server-p256");
            CHECK_EQ(tern_config_set_client_auth(s, TERN_CLIENT_AUTH_REQUIRED), TERN_OK);
            CHECK_EQ(tern_config_set_trust_empty(s), TERN_OK);
            tern_config_set_verify_override_DANGEROUS(s, verify_cb, &ov);
            if (with_store)
                CHECK_EQ(tern_config_set_session_cache(s, 16), TERN_OK);
            tern_config *c = client_config();
            with_client_cert(c);
            CHECK_EQ(tern_config_set_versions(c, TERN_TLS12, version), TERN_OK);
            bool verified = answer == TERN_OVERRIDE_VERIFIED;
            for (int round = 0; round < 2; round++) {
                tern_conn *cc = tern_conn_new_client(c, "localhost");
                tern_conn *sc = tern_conn_new_server(s);
                pump(cc, sc, 1 << 20);
                CHECK(both_done(cc, sc));
                exchange(cc, sc, 10);
                CHECK_EQ(tern_conn_resumed(sc), round == 1 && verified);
                struct tern_verdict v;
                CHECK_EQ(tern_conn_peer_verdict(sc, &v), TERN_OK);
                CHECK_EQ(v.status, verified ? TERN_OK : TERN_E_UNKNOWN_CA);
                CHECK_EQ(v.reason, verified ? TERN_VERIFY_OK : TERN_VERIFY_UNKNOWN_ISSUER);
                CHECK_EQ(tern_conn_peer_cert_count(sc), 2);
                tern_conn_free(cc);
                tern_conn_free(sc);
            }
            /* called in each full handshake only */
            CHECK_EQ(ov.calls, verified ? 1 : 2);
            tern_config_free(c);
            tern_config_free(s);
        }
    }
}

/* openssl x509 -pubkey -in server-p256.pem | openssl pkey -pubin -outform der
 * | openssl dgst -sha256 -binary | base64 */
#define P256_PIN  "sha256//Jy/DoIRWEZE8mqCfVjH0/AS7NzV0r+mTnz1ixf6GseQ="
#define OTHER_PIN "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

static void test_pins(void)
{
    const char *good[] = {P256_PIN, OTHER_PIN ";" P256_PIN};
    for (size_t i = 0; i < 2; i++) {
        tern_config *c = client_config();
        CHECK_EQ(tern_config_add_pinned_pubkey(c, good[i]), TERN_OK);
        struct handshake h;
        pair(&h, c, server_config("server-p256"));
        CHECK(both_done(h.c, h.s));
        finish(&h);
    }
    tern_config *c = client_config();
    CHECK_EQ(tern_config_add_pinned_pubkey(c, OTHER_PIN), TERN_OK);
    struct handshake h;
    pair(&h, c, server_config("server-p256"));
    CHECK(!both_done(h.c, h.s));
    CHECK_EQ(tern_conn_status(h.c), TERN_E_BAD_CERTIFICATE);
    CHECK_CONTAINS(tern_conn_error(h.c), "Jy/DoIRWEZE8mqCfVjH0/AS7NzV0r+mTnz1ixf6GseQ=");
    struct tern_verdict v;
    CHECK_EQ(tern_conn_peer_verdict(h.c, &v), TERN_OK);
    CHECK_EQ(v.reason, TERN_VERIFY_PIN_MISMATCH);
    finish(&h);
    /* the RSA server's key is not the pinned one either */
    c = client_config();
    CHECK_EQ(tern_config_add_pinned_pubkey(c, P256_PIN), TERN_OK);
    pair(&h, c, server_config("server-rsa"));
    CHECK(!both_done(h.c, h.s));
    finish(&h);

    /* without verification (insecure mode) pins still hold */
    for (int right = 0; right < 2; right++) {
        c = tern_config_new();
        CHECK_EQ(tern_config_insecure_skip_verify_DANGEROUS(c, 1), TERN_OK);
        CHECK_EQ(tern_config_add_pinned_pubkey(c, right ? P256_PIN : OTHER_PIN), TERN_OK);
        pair(&h, c, server_config("server-p256"));
        CHECK_EQ(both_done(h.c, h.s), right);
        CHECK_EQ(tern_conn_peer_verdict(h.c, &v), TERN_OK);
        CHECK_EQ(v.reason, right ? TERN_VERIFY_NOT_CHECKED : TERN_VERIFY_PIN_MISMATCH);
        finish(&h);
    }

    c = tern_config_new();
    const char *bad[] = {"", "sha256//", "sha1//Jy/DoIRWEZE8mqCfVjH0/AS7NzV0r+mTnz1ixf6GseQ=",
                         "sha256//Jy/DoIRWEZE8mqCfVjH0/AS7NzV0r+mTnz1ixf6GseQ",
                         "sha256//Jy/DoIRWEZE8mqCfVjH0/AS7NzV0r+mTnz1ixf6GseR="};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_EQ(tern_config_add_pinned_pubkey(c, bad[i]), TERN_E_ARG);
    tern_config_free(c);
}

#define X509 TERN_SOURCE_DIR "/tests/x509/"

/* CRLs in the configuration are checked in the handshake, as tern verify
 * --crl checks them (tests/x509: leaf.pem revoked by revoked.crl). */
static void test_crls(void)
{
    struct {
        const char *files[2];
        int want;
    } cases[] = {
        {{NULL, NULL}, TERN_OK},
        {{X509 "empty.crl", NULL}, TERN_OK},
        {{X509 "revoked.crl", NULL}, TERN_E_CERTIFICATE_REVOKED},
        {{X509 "empty.crl", X509 "revoked.crl"}, TERN_E_CERTIFICATE_REVOKED},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (int from_memory = 0; from_memory < 2; from_memory++) {
            tern_config *s = tern_config_new();
            CHECK_EQ(tern_config_set_cert_chain_file(s, X509 "chain.pem", X509 "leaf.key"),
                     TERN_OK);
            tern_config *c = tern_config_new();
            add_trust(c, X509 "root.pem");
            for (int k = 0; k < 2 && cases[i].files[k]; k++) {
                if (from_memory) {
                    size_t len;
                    uint8_t *crl = slurp(cases[i].files[k], &len);
                    CHECK_EQ(tern_config_add_crl_pem(c, crl, len), TERN_OK);
                    free(crl);
                } else {
                    CHECK_EQ(tern_config_add_crl_file(c, cases[i].files[k]), TERN_OK);
                }
            }
            CHECK_EQ(tern_config_set_versions(c, TERN_TLS12, version), TERN_OK);
            struct handshake h = {c, s, tern_conn_new_client(c, "www.example.com"),
                                  tern_conn_new_server(s)};
            pump(h.c, h.s, 1 << 20);
            CHECK_EQ(tern_conn_status(h.c), cases[i].want);
            struct tern_verdict v;
            CHECK_EQ(tern_conn_peer_verdict(h.c, &v), TERN_OK);
            CHECK_EQ(v.reason, cases[i].want ? TERN_VERIFY_REVOKED : TERN_VERIFY_OK);
            if (cases[i].want)
                CHECK_CONTAINS(tern_conn_error(h.c), "revoked");
            finish(&h);
        }
    }
    tern_config *c = tern_config_new();
    CHECK_EQ(tern_config_add_crl_file(c, X509 "root.pem"), TERN_E_FILE);
    CHECK_CONTAINS(tern_config_error(c), "no X509 CRL");
    CHECK(tern_config_add_crl_file(c, "/nonexistent.crl") != TERN_OK);
    tern_config_free(c);
}

int main(void)
{
    for (int round = 0; round < 2; round++) {
        version = round ? TERN_TLS12 : TERN_TLS13;
        test_peer_chain();
        test_report_only();
        test_callback();
        test_trust_empty();
        test_override_verified();
        test_pins();
        test_crls();
    }
    return test_done();
}
