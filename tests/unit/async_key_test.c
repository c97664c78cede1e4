/* Keys tern cannot see (hs/keyops.c): a server whose certificate's key is
 * held by a "signer" thread that answers after a delay (TERN_WANT_ASYNC,
 * then tern_conn_key_done), over the sans-I/O API and over non-blocking
 * sockets, with ECDSA P-256 and RSA-PSS; tern's client verifies every
 * signature (a corrupted one is refused). Also: a signer that answers at
 * once (TLS 1.3 and TLS 1.2's ServerKeyExchange), one that fails, and one
 * that would answer later where tern cannot wait. */
#include "crypto/provider.h"
#include "pair.h"
#include "test.h"
#include "x509/x509.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f)
        return NULL;
    char *buf = calloc(1, 1 << 16);
    *len = fread(buf, 1, (1 << 16) - 1, f);
    fclose(f);
    return buf;
}

/* The signer: the private key, and one request at a time handled on its
 * own thread after delay_ms; done is announced on a pipe. */
struct signer {
    struct cry_privkey key;
    int delay_ms;
    int mode; /* 0: later, on the thread; 1: at once; 2: later, corrupted; 3: fail at once */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool have_job, quit;
    uint16_t scheme;
    uint8_t input[512];
    size_t input_len;
    uint8_t sig[1024];
    size_t sig_len;
    int pipe[2];
    pthread_t th;
    int calls;
};

static void do_sign(struct signer *s)
{
    const struct cry_scheme_info *info = cry_scheme_lookup(s->scheme);
    s->sig_len = 0;
    if (!info || cry_sign(&s->key, info->alg, info->hash, s->input, s->input_len, s->sig,
                          sizeof(s->sig), &s->sig_len) != TERN_OK)
        s->sig_len = 0;
    if (s->mode == 2 && s->sig_len)
        s->sig[s->sig_len / 2] ^= 1;
}

static void *signer_main(void *p)
{
    struct signer *s = p;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (!s->have_job && !s->quit)
            pthread_cond_wait(&s->cond, &s->lock);
        if (s->quit)
            break;
        pthread_mutex_unlock(&s->lock);
        usleep((useconds_t)s->delay_ms * 1000);
        do_sign(s);
        pthread_mutex_lock(&s->lock);
        s->have_job = false;
        char one = 1;
        CHECK_EQ(write(s->pipe[1], &one, 1), 1);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

static int sign_cb(void *arg, tern_conn *c, uint16_t scheme, const uint8_t *input, size_t len,
                   uint8_t *sig, size_t cap, size_t *sig_len)
{
    (void)c;
    struct signer *s = arg;
    s->calls++;
    CHECK(len <= sizeof(s->input));
    CHECK_EQ(cap, 1024);
    s->scheme = scheme;
    memcpy(s->input, input, len);
    s->input_len = len;
    if (s->mode == 3)
        return TERN_E_INTERNAL;
    if (s->mode == 1) {
        do_sign(s);
        memcpy(sig, s->sig, s->sig_len);
        *sig_len = s->sig_len;
        return TERN_OK;
    }
    pthread_mutex_lock(&s->lock);
    s->have_job = true;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
    return TERN_WANT_ASYNC;
}

static void signer_start(struct signer *s, const char *name, int mode)
{
    memset(s, 0, sizeof(*s));
    s->mode = mode;
    s->delay_ms = 80;
    char chain[256], key[256];
    snprintf(chain, sizeof(chain), DATA "%s-chain.pem", name);
    snprintf(key, sizeof(key), DATA "%s.key", name);
    size_t cl, kl;
    char *ct = slurp(chain, &cl), *kt = slurp(key, &kl);
    struct x509_chain_key ck;
    struct tern_err e;
    err_init(&e);
    CHECK_EQ(x509_load_chain_and_key(ct, cl, kt, kl, NULL, &ck, &e), TERN_OK);
    s->key = ck.key;
    memset(&ck.key, 0, sizeof(ck.key));
    x509_chain_key_cleanup(&ck);
    free(ct);
    free(kt);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    CHECK_EQ(pipe(s->pipe), 0);
    pthread_create(&s->th, NULL, signer_main, s);
}

static void signer_stop(struct signer *s)
{
    pthread_mutex_lock(&s->lock);
    s->quit = true;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->th, NULL);
    close(s->pipe[0]);
    close(s->pipe[1]);
    cry_privkey_cleanup(&s->key);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
}

/* signer_wait: the signer's answer, at most 5 s away. */
static bool signer_wait(struct signer *s)
{
    struct pollfd p = {.fd = s->pipe[0], .events = POLLIN};
    if (poll(&p, 1, 5000) != 1)
        return false;
    char one;
    return read(s->pipe[0], &one, 1) == 1;
}

static tern_config *external_server(const char *name, struct signer *s)
{
    char chain[256];
    snprintf(chain, sizeof(chain), DATA "%s-chain.pem", name);
    size_t cl;
    char *ct = slurp(chain, &cl);
    tern_config *cfg = tern_config_new();
    struct tern_key_ops ops = {.sign = sign_cb, .arg = s};
    int rc = tern_config_add_cert_chain_external(cfg, ct, cl, &ops);
    if (rc != TERN_OK)
        fprintf(stderr, "external: %s\n", tern_config_error(cfg));
    CHECK_EQ(rc, TERN_OK);
    free(ct);
    return cfg;
}

static void sans_io(const char *name, uint16_t scheme)
{
    struct signer s;
    signer_start(&s, name, 0);
    struct handshake h = {.ccfg = client_config(), .scfg = external_server(name, &s)};
    CHECK_EQ(tern_config_set_signature_schemes(h.ccfg, &scheme, 1), TERN_OK);
    h.c = tern_conn_new_client(h.ccfg, "localhost");
    h.s = tern_conn_new_server(h.scfg);
    CHECK_EQ(tern_conn_key_done(h.s, NULL, 0), TERN_E_ARG); /* nothing awaited yet */
    pump(h.c, h.s, 1 << 20);
    /* The server waits for its signer: its flight stops at Certificate. */
    CHECK(tern_conn_wants(h.s) & TERN_WANTS_ASYNC);
    CHECK(!(tern_conn_wants(h.s) & TERN_WANTS_READ));
    CHECK(!tern_conn_handshake_done(h.c));
    CHECK_EQ(s.calls, 1);
    CHECK_EQ(s.scheme, scheme);
    CHECK(signer_wait(&s));
    CHECK(s.sig_len > 0);
    CHECK_EQ(tern_conn_key_done(h.s, s.sig, s.sig_len), TERN_OK);
    CHECK(!(tern_conn_wants(h.s) & TERN_WANTS_ASYNC));
    pump(h.c, h.s, 1 << 20);
    if (!both_done(h.c, h.s))
        fprintf(stderr, "  client: %s\n  server: %s\n", tern_conn_error(h.c), tern_conn_error(h.s));
    CHECK(both_done(h.c, h.s));
    CHECK_EQ(tern_conn_signature_scheme(h.c), scheme); /* and the client verified it */
    exchange(h.c, h.s, 1000);
    finish(&h);
    signer_stop(&s);
}

static void test_sans_io_ecdsa(void)
{
    sans_io("server-p256", TERN_SIG_ECDSA_SECP256R1_SHA256);
}

static void test_sans_io_rsa_pss(void)
{
    sans_io("server-rsa", TERN_SIG_RSA_PSS_RSAE_SHA256);
}

/* The client on a blocking socket in a thread; the server on a
 * non-blocking one, in an event loop over its socket and the signer's pipe. */
struct client_side {
    int fd;
    tern_config *cfg;
    uint16_t scheme;
    int rc;
    char got[16];
};

static void *client_main(void *p)
{
    struct client_side *cs = p;
    tern_conn *c = tern_conn_new_client(cs->cfg, "localhost");
    tern_conn_set_fd(c, cs->fd);
    cs->rc = tern_handshake(c);
    if (cs->rc == TERN_OK) {
        cs->scheme = tern_conn_signature_scheme(c);
        size_t n = 0;
        cs->rc = tern_read(c, cs->got, sizeof(cs->got) - 1, &n);
    } else {
        fprintf(stderr, "  client: %s\n", tern_conn_error(c));
    }
    tern_close(c);
    tern_conn_free(c);
    return NULL;
}

static void sockets(const char *name, uint16_t scheme)
{
    struct signer s;
    signer_start(&s, name, 0);
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    fcntl(sv[1], F_SETFL, fcntl(sv[1], F_GETFL) | O_NONBLOCK);
    struct client_side cs = {.fd = sv[0], .cfg = client_config()};
    CHECK_EQ(tern_config_set_signature_schemes(cs.cfg, &scheme, 1), TERN_OK);
    pthread_t th;
    pthread_create(&th, NULL, client_main, &cs);
    tern_config *scfg = external_server(name, &s);
    tern_conn *srv = tern_conn_new_server(scfg);
    CHECK_EQ(tern_conn_set_fd(srv, sv[1]), TERN_OK);
    int rc, asyncs = 0;
    for (int i = 0; i < 1000; i++) {
        rc = tern_handshake(srv);
        if (rc == TERN_OK ||
            (rc != TERN_WANT_READ && rc != TERN_WANT_WRITE && rc != TERN_WANT_ASYNC))
            break;
        struct pollfd p[2] = {{.fd = sv[1], .events = rc == TERN_WANT_WRITE ? POLLOUT : POLLIN},
                              {.fd = s.pipe[0], .events = POLLIN}};
        CHECK(poll(p, 2, 5000) > 0);
        if (rc == TERN_WANT_ASYNC)
            asyncs++;
        if (p[1].revents & POLLIN) {
            char one;
            CHECK_EQ(read(s.pipe[0], &one, 1), 1);
            CHECK_EQ(tern_conn_key_done(srv, s.sig, s.sig_len), TERN_OK);
        }
    }
    CHECK_EQ(rc, TERN_OK);
    CHECK(asyncs >= 1);
    size_t n;
    for (int i = 0; i < 100 && (rc = tern_write(srv, "async ok", 8, &n)) == TERN_WANT_WRITE; i++)
        usleep(1000);
    CHECK_EQ(rc, TERN_OK);
    pthread_join(th, NULL);
    CHECK_EQ(cs.rc, TERN_OK);
    CHECK(!strcmp(cs.got, "async ok"));
    CHECK_EQ(cs.scheme, scheme);
    tern_conn_free(srv);
    tern_config_free(scfg);
    tern_config_free(cs.cfg);
    close(sv[0]);
    close(sv[1]);
    signer_stop(&s);
}

static void test_sockets_ecdsa(void)
{
    sockets("server-p256", TERN_SIG_ECDSA_SECP256R1_SHA256);
}

static void test_sockets_rsa_pss(void)
{
    sockets("server-rsa", TERN_SIG_RSA_PSS_RSAE_SHA256);
}

/* Answers at once: TLS 1.3's CertificateVerify and TLS 1.2's
 * ServerKeyExchange. */
static void test_sync(void)
{
    uint16_t versions[] = {TERN_TLS13, TERN_TLS12};
    for (int v = 0; v < 2; v++) {
        struct signer s;
        signer_start(&s, "server-p256", 1);
        struct handshake h = {.ccfg = client_config(), .scfg = external_server("server-p256", &s)};
        CHECK_EQ(tern_config_set_versions(h.ccfg, versions[v], versions[v]), TERN_OK);
        start(&h, "localhost", 1 << 20);
        CHECK(both_done(h.c, h.s));
        CHECK_EQ(s.calls, 1);
        CHECK_EQ(tern_conn_version(h.c), versions[v]);
        finish(&h);
        signer_stop(&s);
    }
}

/* A signature that does not verify: tern's client refuses it. */
static void test_corrupted(void)
{
    struct signer s;
    signer_start(&s, "server-p256", 2);
    struct handshake h = {.ccfg = client_config(), .scfg = external_server("server-p256", &s)};
    start(&h, "localhost", 1 << 20);
    CHECK(signer_wait(&s));
    CHECK_EQ(tern_conn_key_done(h.s, s.sig, s.sig_len), TERN_OK);
    pump(h.c, h.s, 1 << 20);
    CHECK_EQ(tern_conn_status(h.c), TERN_E_DECRYPT);
    CHECK_CONTAINS(tern_conn_error(h.c), "CertificateVerify");
    finish(&h);
    signer_stop(&s);
}

/* Failures: the answer is a failure; the callback fails at once; it would
 * answer later where tern cannot wait (TLS 1.2). */
static void test_failing(void)
{
    struct signer s;
    signer_start(&s, "server-p256", 0);
    struct handshake h = {.ccfg = client_config(), .scfg = external_server("server-p256", &s)};
    start(&h, "localhost", 1 << 20);
    CHECK(signer_wait(&s));
    CHECK_EQ(tern_conn_key_done(h.s, NULL, 0), TERN_E_INTERNAL);
    CHECK_CONTAINS(tern_conn_error(h.s), "was a failure");
    pump(h.c, h.s, 1 << 20);
    CHECK_CONTAINS(tern_conn_error(h.c), "internal_error");
    finish(&h);

    h.ccfg = client_config();
    h.scfg = external_server("server-p256", &s);
    CHECK_EQ(tern_config_set_versions(h.ccfg, TERN_TLS12, TERN_TLS12), TERN_OK);
    start(&h, "localhost", 1 << 20);
    CHECK_EQ(tern_conn_status(h.s), TERN_E_UNSUPPORTED);
    CHECK_CONTAINS(tern_conn_error(h.s), "must answer at once");
    CHECK(signer_wait(&s)); /* the job it was given */
    finish(&h);
    signer_stop(&s);

    signer_start(&s, "server-p256", 3);
    h.ccfg = client_config();
    h.scfg = external_server("server-p256", &s);
    start(&h, "localhost", 1 << 20);
    CHECK_EQ(tern_conn_status(h.s), TERN_E_INTERNAL);
    CHECK_CONTAINS(tern_conn_error(h.s), "failed to sign with ecdsa_secp256r1_sha256");
    finish(&h);
    signer_stop(&s);

    /* Configuration errors. */
    tern_config *cfg = tern_config_new();
    struct tern_key_ops none = {0};
    CHECK_EQ(tern_config_add_cert_chain_external(cfg, "x", 1, &none), TERN_E_ARG);
    struct tern_key_ops ops = {.sign = sign_cb};
    size_t kl;
    char *kt = slurp(DATA "server-p256.key", &kl);
    CHECK_EQ(tern_config_add_cert_chain_external(cfg, kt, kl, &ops), TERN_E_FILE);
    CHECK_CONTAINS(tern_config_error(cfg), "not a certificate");
    free(kt);
    tern_config_free(cfg);
}

/* TLS 1.2 RSA key transport with the decrypt callback: the secret it
 * gives is used; a callback that fails leaves a random secret, so the
 * handshake fails at Finished like any wrong secret. */
static int decrypt_ok(void *arg, tern_conn *c, const uint8_t *in, size_t len, uint8_t *out,
                      size_t cap, size_t *out_len)
{
    (void)c;
    struct signer *s = arg;
    s->calls++;
    CHECK_EQ(cap, 48);
    if (s->mode == 3)
        return TERN_E_DECRYPT;
    *out_len = 48;
    return cry_rsa_decrypt_pms(&s->key, in, len, out, 48);
}

static void test_rsa_decrypt(void)
{
    static const uint16_t rsa_kx[] = {TERN_TLS_RSA_WITH_AES_128_GCM_SHA256};
    for (int mode = 1; mode <= 3; mode += 2) {
        struct signer s;
        signer_start(&s, "server-rsa", mode);
        size_t cl;
        char *ct = slurp(DATA "server-rsa-chain.pem", &cl);
        struct handshake h = {.ccfg = client_config(), .scfg = tern_config_new()};
        struct tern_key_ops ops = {.sign = sign_cb, .decrypt = decrypt_ok, .arg = &s};
        CHECK_EQ(tern_config_add_cert_chain_external(h.scfg, ct, cl, &ops), TERN_OK);
        free(ct);
        CHECK_EQ(tern_config_enable_rsa_key_transport(h.scfg, 1), TERN_OK);
        CHECK_EQ(tern_config_set_versions(h.ccfg, TERN_TLS12, TERN_TLS12), TERN_OK);
        CHECK_EQ(tern_config_set_cipher_suites(h.ccfg, rsa_kx, 1), TERN_OK);
        start(&h, "localhost", 1 << 20);
        CHECK_EQ(s.calls, 1);
        if (mode == 1) {
            CHECK(both_done(h.c, h.s));
            CHECK_EQ(tern_conn_cipher_suite(h.c), TERN_TLS_RSA_WITH_AES_128_GCM_SHA256);
            exchange(h.c, h.s, 100);
        } else {
            CHECK(!tern_conn_handshake_done(h.c));
            CHECK_CONTAINS(tern_conn_error(h.s), "did not authenticate"); /* the Finished record */
        }
        finish(&h);
        signer_stop(&s);
    }
}

/* Mutual TLS: the client's key is the external one, answering later. */
static void test_client_async(void)
{
    struct signer s;
    signer_start(&s, "client", 0);
    struct handshake h = {.ccfg = client_config(), .scfg = server_config("server-p256")};
    size_t cl;
    char *ct = slurp(DATA "client-chain.pem", &cl);
    struct tern_key_ops ops = {.sign = sign_cb, .arg = &s};
    CHECK_EQ(tern_config_add_cert_chain_external(h.ccfg, ct, cl, &ops), TERN_OK);
    free(ct);
    add_trust(h.scfg, DATA "ca.pem");
    CHECK_EQ(tern_config_set_client_auth(h.scfg, TERN_CLIENT_AUTH_REQUIRED), TERN_OK);
    start(&h, "localhost", 1 << 20);
    CHECK(tern_conn_wants(h.c) & TERN_WANTS_ASYNC);
    CHECK(!tern_conn_handshake_done(h.s));
    CHECK(signer_wait(&s));
    CHECK_EQ(tern_conn_key_done(h.c, s.sig, s.sig_len), TERN_OK);
    pump(h.c, h.s, 1 << 20);
    if (!both_done(h.c, h.s))
        fprintf(stderr, "  client: %s\n  server: %s\n", tern_conn_error(h.c), tern_conn_error(h.s));
    CHECK(both_done(h.c, h.s));
    CHECK(tern_conn_peer_subject(h.s) != NULL); /* the server verified the client */
    exchange(h.c, h.s, 100);
    finish(&h);
    signer_stop(&s);
}

int main(void)
{
    RUN(test_sans_io_ecdsa);
    RUN(test_sans_io_rsa_pss);
    RUN(test_sockets_ecdsa);
    RUN(test_sockets_rsa_pss);
    RUN(test_sync);
    RUN(test_corrupted);
    RUN(test_failing);
    RUN(test_rsa_decrypt);
    RUN(test_client_async);
    return test_done();
}
