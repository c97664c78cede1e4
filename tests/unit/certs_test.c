/* Several certificate chains in one configuration: the server's choice by
 * name (exact, then wildcard) and by what the client can verify (TLS 1.3
 * schemes, TLS 1.2 suites), the server-name callback (refusing, switching to
 * another configuration's chains), chains and keys from memory as PEM and
 * DER, encrypted keys with a password callback, swapped files, the limit,
 * and references on configurations. */
#include "devca.h"
#include "pair.h"
#include "test.h"

#include "base/mem.h"
#include "tern/tern.h"
#include "x509/x509.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define X509 TERN_SOURCE_DIR "/tests/x509/"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f)
        return NULL;
    static char buf[1 << 16];
    *len = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    char *out = malloc(*len + 1);
    memcpy(out, buf, *len);
    out[*len] = 0;
    return out;
}

/* handshake: a client of ccfg naming sni against scfg; returns the client
 * after the handshake (check its status), *server_out the server. */
static tern_conn *handshake(tern_config *ccfg, tern_config *scfg, const char *sni,
                            tern_conn **server_out)
{
    tern_conn *c = tern_conn_new_client(ccfg, sni);
    tern_conn *s = tern_conn_new_server(scfg);
    pump(c, s, 1 << 20);
    *server_out = s;
    return c;
}

static uint16_t scheme_with(tern_config *scfg, uint16_t version, const uint16_t *schemes, size_t n,
                            const uint16_t *suites, size_t n_suites)
{
    tern_config *ccfg = client_config();
    CHECK_EQ(tern_config_set_versions(ccfg, version, version), TERN_OK);
    if (schemes)
        CHECK_EQ(tern_config_set_signature_schemes(ccfg, schemes, n), TERN_OK);
    if (suites)
        CHECK_EQ(tern_config_set_cipher_suites(ccfg, suites, n_suites), TERN_OK);
    tern_conn *s, *c = handshake(ccfg, scfg, "localhost", &s);
    CHECK(both_done(c, s));
    if (!both_done(c, s))
        fprintf(stderr, "  client: %s\n  server: %s\n", tern_conn_error(c), tern_conn_error(s));
    uint16_t got = tern_conn_signature_scheme(c);
    tern_conn_free(c);
    tern_conn_free(s);
    tern_config_free(ccfg);
    return got;
}

/* ECDSA, RSA and Ed25519 chains for the same names: each client gets the
 * one it can verify; one that states no preference gets the first. */
static void test_by_key_type(void)
{
    tern_config *scfg = tern_config_new();
    const char *names[] = {"server-p256", "server-rsa", "server-ed25519"};
    for (int i = 0; i < 3; i++) {
        char chain[256], key[256];
        snprintf(chain, sizeof(chain), DATA "%s-chain.pem", names[i]);
        snprintf(key, sizeof(key), DATA "%s.key", names[i]);
        CHECK_EQ(tern_config_add_cert_chain_file(scfg, chain, key), TERN_OK);
    }
    CHECK_EQ(tern_config_cert_count(scfg), 3);
    const uint16_t pss[] = {TERN_SIG_RSA_PSS_RSAE_SHA256}, ec[] = {TERN_SIG_ECDSA_SECP256R1_SHA256},
                   ed[] = {TERN_SIG_ED25519};
    CHECK_EQ(scheme_with(scfg, TERN_TLS13, pss, 1, NULL, 0), TERN_SIG_RSA_PSS_RSAE_SHA256);
    CHECK_EQ(scheme_with(scfg, TERN_TLS13, ec, 1, NULL, 0), TERN_SIG_ECDSA_SECP256R1_SHA256);
    CHECK_EQ(scheme_with(scfg, TERN_TLS13, ed, 1, NULL, 0), TERN_SIG_ED25519);
    CHECK_EQ(scheme_with(scfg, TERN_TLS13, NULL, 0, NULL, 0), TERN_SIG_ECDSA_SECP256R1_SHA256);
    /* TLS 1.2: the suites decide the key type. */
    const uint16_t rsa12[] = {TERN_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
                   ec12[] = {TERN_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256};
    CHECK_EQ(scheme_with(scfg, TERN_TLS12, NULL, 0, rsa12, 1), TERN_SIG_RSA_PSS_RSAE_SHA256);
    CHECK_EQ(scheme_with(scfg, TERN_TLS12, NULL, 0, ec12, 1), TERN_SIG_ECDSA_SECP256R1_SHA256);
    tern_config_free(scfg);
}

/* A development CA and leaves for several names, as PEM texts. */
struct pki {
    char *ca;
    char *leaf[3], *key[3];
};

static void make_pki(struct pki *p)
{
    char why[DEVCA_WHY_MAX];
    struct devca ca;
    time_t now = time(NULL);
    CHECK_EQ(devca_create(&ca, TERN_KEY_EC_P256, "certs test CA", 2, now, why, sizeof(why)),
             TERN_OK);
    p->ca = devca_pem("CERTIFICATE", ca.cert_der, ca.cert_len);
    const char *names[3] = {"a.test", "b.test", "*.w.test"};
    for (int i = 0; i < 3; i++) {
        struct devca_leaf leaf = {
            .key_type = TERN_KEY_EC_P256, .names = &names[i], .n_names = 1, .days = 2, .now = now};
        uint8_t *der;
        size_t len;
        tern_key *key = NULL;
        CHECK_EQ(devca_issue(&ca, &leaf, &der, &len, &key, why, sizeof(why)), TERN_OK);
        p->leaf[i] = devca_pem("CERTIFICATE", der, len);
        CHECK_EQ(devca_key_pem(key, &p->key[i]), TERN_OK);
        free(der);
        tern_key_free(key);
    }
    devca_cleanup(&ca);
}

static void free_pki(struct pki *p)
{
    free(p->ca);
    for (int i = 0; i < 3; i++) {
        free(p->leaf[i]);
        free(p->key[i]);
    }
}

static tern_config *names_server(const struct pki *p, int from, int to)
{
    tern_config *cfg = tern_config_new();
    for (int i = from; i <= to; i++)
        CHECK_EQ(tern_config_add_cert_chain_pem(cfg, p->leaf[i], strlen(p->leaf[i]), p->key[i],
                                                strlen(p->key[i])),
                 TERN_OK);
    return cfg;
}

static tern_config *names_client(const struct pki *p)
{
    tern_config *cfg = tern_config_new();
    CHECK_EQ(tern_config_add_trust_pem(cfg, p->ca, strlen(p->ca)), TERN_OK);
    return cfg;
}

/* The subject the client saw, for a client naming sni. */
static void expect_subject(tern_config *ccfg, tern_config *scfg, const char *sni,
                           const char *subject)
{
    tern_conn *s, *c = handshake(ccfg, scfg, sni, &s);
    if (subject) {
        CHECK(both_done(c, s));
        const char *got = tern_conn_peer_subject(c);
        CHECK(got != NULL);
        if (got)
            CHECK_CONTAINS(got, subject);
    } else {
        CHECK(tern_conn_status(c) != TERN_OK); /* no chain for that name */
        CHECK_CONTAINS(tern_conn_error(c), "is not one of the certificate's names");
    }
    tern_conn_free(c);
    tern_conn_free(s);
}

static void test_by_name(const struct pki *p)
{
    tern_config *scfg = names_server(p, 0, 2), *ccfg = names_client(p);
    expect_subject(ccfg, scfg, "a.test", "CN=a.test");
    expect_subject(ccfg, scfg, "b.test", "CN=b.test");
    expect_subject(ccfg, scfg, "x.w.test", "CN=*.w.test"); /* the wildcard */
    expect_subject(ccfg, scfg, "other.test", NULL);        /* the first, a.test: refused */
    tern_config_free(scfg);
    tern_config_free(ccfg);
}

/* ---- the server-name callback ---- */

struct sni_state {
    tern_config *b_cfg; /* handed over for b.test */
    int calls;
    bool saw_alpn, saw_versions, saw_schemes, saw_groups;
    int use_outside; /* what tern_conn_use_config returns outside a callback */
};

static enum tern_sni_verdict on_sni(void *arg, tern_conn *c,
                                    const struct tern_client_hello_info *info)
{
    struct sni_state *st = arg;
    st->calls++;
    st->saw_alpn = info->alpn_len == 3 && info->alpn[0] == 2 && !memcmp(info->alpn + 1, "h2", 2);
    for (size_t i = 0; i < info->n_versions; i++)
        st->saw_versions |= info->versions[i] == TERN_TLS13;
    st->saw_schemes = info->n_sig_schemes > 0;
    /* the client's default list starts X25519MLKEM768, X25519 */
    st->saw_groups = info->n_groups >= 2 && info->groups[0] == TERN_GROUP_X25519MLKEM768 &&
                     info->groups[1] == 0x001d;
    if (!info->server_name)
        return TERN_SNI_UNRECOGNIZED_NAME; /* as nginx's ssl_reject_handshake */
    if (!strcmp(info->server_name, "refused.test"))
        return TERN_SNI_HANDSHAKE_FAILURE;
    if (!strcmp(info->server_name, "b.test")) {
        CHECK_EQ(tern_conn_use_config(c, st->b_cfg), TERN_OK);
        /* b.test asks for client certificates, naming b_cfg's CA */
        CHECK_EQ(tern_conn_set_client_auth(c, TERN_CLIENT_AUTH_OPTIONAL), TERN_OK);
    }
    return TERN_SNI_CONTINUE;
}

static void test_server_name_callback(const struct pki *p)
{
    struct sni_state st = {0};
    st.b_cfg = names_server(p, 1, 1);
    tern_config *scfg = names_server(p, 0, 0), *ccfg = names_client(p);
    tern_config_set_server_name_callback(scfg, on_sni, &st);
    /* CN=x, the CA name b.test's configuration sends */
    static const uint8_t cn_x[] = {0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06,
                                   0x03, 0x55, 0x04, 0x03, 0x0c, 0x01, 0x78};
    CHECK_EQ(tern_config_add_client_ca_name(st.b_cfg, cn_x, sizeof(cn_x)), TERN_OK);
    const char *const protos[] = {"h2"};
    CHECK_EQ(tern_config_set_alpn(ccfg, protos, 1), TERN_OK);
    CHECK_EQ(tern_config_set_alpn(scfg, protos, 1), TERN_OK);
    expect_subject(ccfg, scfg, "a.test", "CN=a.test");
    CHECK(st.saw_alpn && st.saw_versions && st.saw_schemes && st.saw_groups);
    /* b.test: the callback hands over the other configuration's chain. */
    expect_subject(ccfg, scfg, "b.test", "CN=b.test");
    CHECK_EQ(st.calls, 2);
    /* ... and its client-certificate policy and CA names: a.test asks for
     * no certificate, b.test names CN=x */
    const uint8_t *der;
    size_t len;
    tern_config_free(ccfg);
    ccfg = names_client(p); /* no session to resume: a full handshake */
    tern_conn *s, *c = handshake(ccfg, scfg, "a.test", &s);
    CHECK(both_done(c, s));
    CHECK_EQ(tern_conn_peer_ca_count(c), 0);
    tern_conn_free(c);
    tern_conn_free(s);
    tern_config_free(ccfg);
    ccfg = names_client(p);
    c = handshake(ccfg, scfg, "b.test", &s);
    CHECK(both_done(c, s));
    CHECK_EQ(tern_conn_peer_ca_count(c), 1);
    CHECK(tern_conn_peer_ca_name(c, 0, &der, &len) == TERN_OK && len == sizeof(cn_x) &&
          !memcmp(der, cn_x, len));
    CHECK_EQ(tern_conn_set_client_auth(s, TERN_CLIENT_AUTH_NONE), TERN_E_ARG); /* outside */
    tern_conn_free(c);
    tern_conn_free(s);
    /* refused, with each alert */
    c = handshake(ccfg, scfg, "refused.test", &s);
    CHECK_EQ(tern_conn_status(s), TERN_E_HANDSHAKE_FAILURE);
    CHECK_CONTAINS(tern_conn_error(s), "server-name callback refused");
    CHECK_CONTAINS(tern_conn_error(c), "handshake_failure");
    tern_conn_free(c);
    tern_conn_free(s);
    /* no SNI at all (a client dialling an address sends none) */
    tern_config *ip_cfg = names_client(p);
    c = handshake(ip_cfg, scfg, "127.0.0.1", &s);
    CHECK_EQ(tern_conn_status(s), TERN_E_UNRECOGNIZED_NAME);
    CHECK_CONTAINS(tern_conn_error(s), "a client that names no host");
    CHECK_CONTAINS(tern_conn_error(c), "unrecognized_name");
    /* outside the callback the switch is refused */
    CHECK_EQ(tern_conn_use_config(s, st.b_cfg), TERN_E_ARG);
    tern_conn_free(c);
    tern_conn_free(s);
    tern_config_free(ip_cfg);
    tern_config_free(st.b_cfg); /* connections held their own references */
    tern_config_free(scfg);
    tern_config_free(ccfg);
}

/* ---- loading ---- */

static int password(void *arg, char *buf, size_t cap)
{
    const char *pw = arg;
    size_t n = strlen(pw);
    if (n > cap)
        return -1;
    memcpy(buf, pw, n);
    return (int)n;
}

static int add_pem_files(tern_config *cfg, const char *chain, const char *key)
{
    size_t cl, kl;
    char *c = slurp(chain, &cl), *k = slurp(key, &kl);
    int rc = tern_config_add_cert_chain_pem(cfg, c, cl, k, kl);
    free(c);
    free(k);
    return rc;
}

static void test_encrypted_keys(void)
{
    const char *keys[] = {X509 "leaf.enc.pk8.pem", X509 "leaf.enc.trad.key"};
    for (int i = 0; i < 2; i++) {
        tern_config *cfg = tern_config_new();
        CHECK_EQ(add_pem_files(cfg, X509 "chain.pem", keys[i]), TERN_E_FILE);
        CHECK_CONTAINS(tern_config_error(cfg), "the key is encrypted");
        tern_config_set_key_password_callback(cfg, password, "not-it");
        CHECK_EQ(add_pem_files(cfg, X509 "chain.pem", keys[i]), TERN_E_FILE);
        CHECK_CONTAINS(tern_config_error(cfg), "wrong password");
        tern_config_set_key_password_callback(cfg, password, "tern-test");
        CHECK_EQ(add_pem_files(cfg, X509 "chain.pem", keys[i]), TERN_OK);
        CHECK_EQ(tern_config_cert_count(cfg), 1);
        tern_config_free(cfg);
    }
}

static void test_der_and_checks(void)
{
    /* The chain as DER: decode the PEM blocks with the tool's helper. */
    size_t cl;
    char *chain = slurp(X509 "chain.pem", &cl);
    const char *second = strstr(chain + 1, "-----BEGIN CERTIFICATE");
    uint8_t *d0, *d1;
    size_t l0, l1;
    char why[DEVCA_WHY_MAX];
    CHECK_EQ(devca_pem_decode(chain, cl, "CERTIFICATE", &d0, &l0, why, sizeof(why)), TERN_OK);
    CHECK_EQ(devca_pem_decode(second, strlen(second), "CERTIFICATE", &d1, &l1, why, sizeof(why)),
             TERN_OK);
    const uint8_t *certs[] = {d0, d1};
    const size_t lens[] = {l0, l1};
    size_t kl, el;
    char *key = slurp(X509 "leaf.key.der", &kl), *enc = slurp(X509 "leaf.enc.pk8.der", &el);
    tern_config *cfg = tern_config_new();
    CHECK_EQ(tern_config_add_cert_chain_der(cfg, certs, lens, 2, (const uint8_t *)key, kl),
             TERN_OK);
    CHECK_EQ(tern_config_add_cert_chain_der(cfg, certs, lens, 2, (const uint8_t *)enc, el),
             TERN_E_FILE); /* encrypted, no password */
    tern_config_set_key_password_callback(cfg, password, "tern-test");
    CHECK_EQ(tern_config_add_cert_chain_der(cfg, certs, lens, 2, (const uint8_t *)enc, el),
             TERN_OK);
    CHECK_EQ(tern_config_cert_count(cfg), 2);
    /* A key of another certificate: both are named. */
    CHECK_EQ(add_pem_files(cfg, X509 "chain.pem", X509 "other.key"), TERN_E_ARG);
    CHECK_CONTAINS(tern_config_error(cfg), "does not belong to certificate 'CN=www.example.com'");
    /* swapped files */
    CHECK_EQ(add_pem_files(cfg, X509 "leaf.key", X509 "chain.pem"), TERN_E_FILE);
    CHECK_CONTAINS(tern_config_error(cfg), "swapped");
    /* at most 16 chains; set_ replaces them all */
    int rc = TERN_OK;
    for (int i = 0; i < 20 && rc == TERN_OK; i++)
        rc = add_pem_files(cfg, X509 "chain.pem", X509 "leaf.key");
    CHECK_EQ(rc, TERN_E_LIMIT);
    CHECK_EQ(tern_config_cert_count(cfg), 16);
    CHECK_EQ(tern_config_set_cert_chain_file(cfg, X509 "chain.pem", X509 "leaf.key"), TERN_OK);
    CHECK_EQ(tern_config_cert_count(cfg), 1);
    /* a failing set_ leaves the chains as they were */
    CHECK(tern_config_set_cert_chain_file(cfg, X509 "chain.pem", X509 "other.key") != TERN_OK);
    CHECK_EQ(tern_config_cert_count(cfg), 1);
    /* references: each needs its own free */
    CHECK(tern_config_ref(cfg) == cfg);
    tern_config_free(cfg);
    CHECK_EQ(tern_config_cert_count(cfg), 1); /* still alive */
    tern_config_free(cfg);
    free(chain);
    free(key);
    free(enc);
    free(d0);
    free(d1);
}

/* certificate_authorities: the names a server sends in its
 * CertificateRequest (explicit, then its trust anchors' subjects) are what
 * the client reads, in TLS 1.3 and 1.2; none without the settings. */
static void test_ca_names(void)
{
    size_t cl;
    char *ca = slurp(DATA "ca.pem", &cl), *other = slurp(DATA "other-ca.pem", &cl);
    uint8_t *ca_der, *other_der;
    size_t ca_len, other_len;
    char why[DEVCA_WHY_MAX];
    CHECK_EQ(devca_pem_decode(ca, strlen(ca), "CERTIFICATE", &ca_der, &ca_len, why, sizeof(why)),
             TERN_OK);
    CHECK_EQ(devca_pem_decode(other, strlen(other), "CERTIFICATE", &other_der, &other_len, why,
                              sizeof(why)),
             TERN_OK);
    struct x509_cert *ca_cert, *other_cert;
    struct tern_err e;
    err_init(&e);
    CHECK_EQ(x509_cert_parse(ca_der, ca_len, &ca_cert, &e), TERN_OK);
    CHECK_EQ(x509_cert_parse(other_der, other_len, &other_cert, &e), TERN_OK);
    for (int plain = 0; plain < 2; plain++) {
        for (uint16_t v = TERN_TLS12; v <= TERN_TLS13; v++) {
            tern_config *scfg = server_config("server-p256"), *ccfg = client_config();
            CHECK_EQ(tern_config_set_versions(ccfg, v, v), TERN_OK);
            CHECK_EQ(tern_config_add_trust_file(scfg, DATA "ca.pem"), TERN_OK);
            CHECK_EQ(tern_config_set_client_auth(scfg, TERN_CLIENT_AUTH_OPTIONAL), TERN_OK);
            if (!plain) {
                CHECK_EQ(tern_config_add_client_ca_name(scfg, other_cert->subject.p,
                                                        other_cert->subject.len),
                         TERN_OK);
                CHECK_EQ(tern_config_send_client_ca_names(scfg, 1), TERN_OK);
            }
            CHECK_EQ(tern_config_add_client_ca_name(scfg, (const uint8_t *)"xyz", 3), TERN_E_ARG);
            tern_conn *s, *c = handshake(ccfg, scfg, "localhost", &s);
            CHECK(both_done(c, s));
            const uint8_t *der;
            size_t len;
            if (plain) {
                CHECK_EQ(tern_conn_peer_ca_count(c), 0);
            } else {
                CHECK_EQ(tern_conn_peer_ca_count(c), 2);
                CHECK_EQ(tern_conn_peer_ca_name(c, 0, &der, &len), TERN_OK);
                CHECK(len == other_cert->subject.len && !memcmp(der, other_cert->subject.p, len));
                CHECK_EQ(tern_conn_peer_ca_name(c, 1, &der, &len), TERN_OK);
                CHECK(len == ca_cert->subject.len && !memcmp(der, ca_cert->subject.p, len));
                CHECK_EQ(tern_conn_peer_ca_name(c, 2, &der, &len), TERN_E_ARG);
            }
            tern_conn_free(c);
            tern_conn_free(s);
            tern_config_free(scfg);
            tern_config_free(ccfg);
        }
    }
    x509_cert_free(ca_cert);
    x509_cert_free(other_cert);
    free(ca_der);
    free(other_der);
    free(ca);
    free(other);
}

int main(void)
{
    RUN(test_by_key_type);
    struct pki p;
    make_pki(&p);
    test_by_name(&p);
    test_server_name_callback(&p);
    free_pki(&p);
    RUN(test_encrypted_keys);
    RUN(test_der_and_checks);
    RUN(test_ca_names);
    return test_done();
}
