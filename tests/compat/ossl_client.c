/* A small client written against OpenSSL's API only, run by
 * tests/compat/client_same.sh first on Debian's libssl.so.3 and then on
 * tern's: both runs must print the same lines. Non-blocking socket, the
 * SSL_get_error sequence of each step (repeats collapsed: how often a step
 * waits depends on how bytes arrive), verification result, peer
 * certificate, ex_data, shutdown, error strings.
 *
 * usage: ossl_client HOST PORT CAFILE verify|noverify PATH [cb]
 * With "cb", a verify callback that accepts everything and notes what it
 * saw. With OSSL_CLIENT_ERR_DATA set in the environment, each error's data
 * is printed too (only tern's libssl puts a sentence there). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

static const char *err_name(int e)
{
    switch (e) {
    case SSL_ERROR_NONE:
        return "NONE";
    case SSL_ERROR_SSL:
        return "SSL";
    case SSL_ERROR_WANT_READ:
        return "WANT_READ";
    case SSL_ERROR_WANT_WRITE:
        return "WANT_WRITE";
    case SSL_ERROR_SYSCALL:
        return "SYSCALL";
    case SSL_ERROR_ZERO_RETURN:
        return "ZERO_RETURN";
    default:
        return "FAIL";
    }
}

/* seq: the errors of one step, consecutive repeats collapsed */
struct seq {
    char text[512];
    int last;
};
static void seq_add(struct seq *q, int e)
{
    if (e == q->last)
        return;
    q->last = e;
    size_t l = strlen(q->text);
    snprintf(q->text + l, sizeof(q->text) - l, "%s%s", l ? "," : "", err_name(e));
}

static void wait_for(int fd, int e)
{
    struct pollfd p = {fd, e == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN, 0};
    poll(&p, 1, 5000);
}

static void print_errors(const char *step)
{
    unsigned long e;
    const char *data;
    int flags;
    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        const char *r = ERR_reason_error_string(e);
        printf("%s: error lib=%s reason=%s\n", step, ERR_lib_error_string(e), r ? r : "(none)");
        if (getenv("OSSL_CLIENT_ERR_DATA") != NULL)
            printf("%s: error data: %s\n", step, (flags & ERR_TXT_STRING) ? data : "(none)");
    }
}

/* what the verify callback saw */
static int cb_calls, cb_saw_failure, cb_saw_ssl, cb_failure_error;
static SSL *cb_expected;

static char cb_seq[256]; /* depth:ok:error of each call, in order */

static int verify_cb(int ok, X509_STORE_CTX *xc)
{
    cb_calls++;
    size_t at = strlen(cb_seq);
    snprintf(cb_seq + at, sizeof(cb_seq) - at, "%s%d:%d:%d", at ? "," : "",
             X509_STORE_CTX_get_error_depth(xc), ok, X509_STORE_CTX_get_error(xc));
    SSL *s = X509_STORE_CTX_get_ex_data(xc, SSL_get_ex_data_X509_STORE_CTX_idx());
    cb_saw_ssl |= s != NULL && s == cb_expected;
    if (!ok && !cb_saw_failure) {
        cb_saw_failure = 1;
        cb_failure_error = X509_STORE_CTX_get_error(xc);
    }
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 6 && argc != 7) {
        fprintf(stderr, "usage: ossl_client HOST PORT CAFILE verify|noverify PATH [cb]\n");
        return 2;
    }
    const char *host = argv[1], *port = argv[2], *ca = argv[3], *path = argv[5];
    int verify = strcmp(argv[4], "verify") == 0;

    signal(SIGPIPE, SIG_IGN); /* as programs do: a write to a reset peer is an error */
    OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL);
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL || !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)) {
        printf("ctx: failed\n");
        return 1;
    }
    if (!X509_STORE_load_file(SSL_CTX_get_cert_store(ctx), ca)) {
        printf("load %s: failed\n", ca);
        return 1;
    }
    int with_cb = argc == 7 && strcmp(argv[6], "cb") == 0;
    SSL_CTX_set_verify(ctx, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, with_cb ? verify_cb : NULL);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    /* what a program may ask (tests of tern's floor): versions, ciphers,
     * options that invite weaker protocols */
    const char *env;
    if ((env = getenv("OSSL_CLIENT_VERSIONS")) != NULL) {
        long lo = strtol(env, NULL, 0), hi = strtol(strchr(env, ':') + 1, NULL, 0);
        printf("versions set: %d\n",
               SSL_CTX_set_min_proto_version(ctx, lo) && SSL_CTX_set_max_proto_version(ctx, hi));
    }
    if ((env = getenv("OSSL_CLIENT_SUITES")) != NULL)
        printf("suites set: %d\n", SSL_CTX_set_ciphersuites(ctx, env));
    if ((env = getenv("OSSL_CLIENT_CIPHERS")) != NULL)
        printf("ciphers set: %d\n", SSL_CTX_set_cipher_list(ctx, env));
    if (getenv("OSSL_CLIENT_LEGACY") != NULL) {
        SSL_CTX_clear_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
        SSL_CTX_set_options(ctx, SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION |
                                     SSL_OP_LEGACY_SERVER_CONNECT |
                                     SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
    }
    printf("options kept: %d\n",
           (SSL_CTX_get_options(ctx) & (SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION)) ==
               (SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION));

    struct addrinfo hints = {0}, *ai;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo("127.0.0.1", port, &hints, &ai) != 0)
        return 1;
    int fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        printf("connect: %s\n", strerror(errno));
        return 1;
    }
    freeaddrinfo(ai);

    SSL *s = SSL_new(ctx);
    cb_expected = s;
    int idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    static int marker;
    SSL_set_ex_data(s, idx, &marker);
    SSL_set_app_data(s, ctx);
    printf("ex_data: %d %d\n", SSL_get_ex_data(s, idx) == &marker, SSL_get_app_data(s) == ctx);
    SSL_set_tlsext_host_name(s, host);
    BIO *b = BIO_new_socket(fd, BIO_NOCLOSE);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    /* The first step reads from an empty memory BIO, so it must wait
     * (WANT_READ) whatever the timing; then the socket takes over as rbio
     * (SSL_set0_rbio with its own reference). */
    BIO *mem = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(mem, -1);
    SSL_set_bio(s, mem, b);
    struct seq q = {"", -1};
    int r = SSL_connect(s);
    seq_add(&q, SSL_get_error(s, r));
    BIO_up_ref(b);
    SSL_set0_rbio(s, b);
    printf("bios: %d\n", SSL_get_rbio(s) == b && SSL_get_wbio(s) == b);
    while ((r = SSL_connect(s)) <= 0) {
        int e = SSL_get_error(s, r);
        seq_add(&q, e);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
            break;
        wait_for(fd, e);
    }
    seq_add(&q, r > 0 ? SSL_ERROR_NONE : -2);
    printf("connect: %s -> %d\n", q.text, r > 0 ? 1 : r);
    long vr = SSL_get_verify_result(s);
    printf("verify result: %ld (%s)\n", vr, X509_verify_cert_error_string(vr));
    if (with_cb) {
        printf("verify callback: called %d, saw a failure %d (error %d), found the SSL %d\n",
               cb_calls > 0, cb_saw_failure, cb_failure_error, cb_saw_ssl);
        printf("verify callback calls (depth:ok:error): %s\n", cb_seq);
    }
    STACK_OF(X509) *vc = SSL_get0_verified_chain(s);
    printf("verified chain: %d certificates\n", vc != NULL ? sk_X509_num(vc) : 0);
    if (r <= 0) {
        print_errors("connect");
        SSL_free(s);
        SSL_CTX_free(ctx);
        close(fd);
        return 0;
    }
    printf("finished: %d, in init: %d\n", SSL_is_init_finished(s), SSL_in_init(s));
    printf("cipher known: %d\n", SSL_CIPHER_get_name(SSL_get_current_cipher(s)) != NULL);
    printf("version: %s\n", SSL_get_version(s));
    if (getenv("OSSL_CLIENT_VERSIONS") != NULL || getenv("OSSL_CLIENT_SUITES") != NULL ||
        getenv("OSSL_CLIENT_CIPHERS") != NULL)
        printf("cipher: %s\n", SSL_CIPHER_get_name(SSL_get_current_cipher(s)));
    X509 *peer = SSL_get1_peer_certificate(s);
    char name[256] = "";
    if (peer != NULL)
        X509_NAME_oneline(X509_get_subject_name(peer), name, sizeof(name));
    printf("peer: %s\n", peer != NULL ? name : "(none)");
    X509 *again = SSL_get1_peer_certificate(s);
    printf("peer again same: %d\n", again != NULL && X509_cmp(peer, again) == 0);
    X509_free(again);
    X509_free(peer);
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(s);
    printf("chain: %d\n", chain != NULL ? sk_X509_num(chain) : -1);

    char req[512];
    snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path,
             host);
    q = (struct seq){"", -1};
    size_t w;
    while (!SSL_write_ex(s, req, strlen(req), &w)) {
        int e = SSL_get_error(s, 0);
        seq_add(&q, e);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
            break;
        wait_for(fd, e);
    }
    seq_add(&q, SSL_ERROR_NONE);
    printf("write: %s (%zu of %zu)\n", q.text, w, strlen(req));

    q = (struct seq){"", -1};
    char buf[4096];
    size_t total = 0;
    int status_ok = 0;
    for (;;) {
        size_t n = 0;
        if (SSL_read_ex(s, buf, sizeof(buf) - 1, &n)) {
            if (total == 0) {
                buf[n] = 0;
                status_ok = strncmp(buf, "HTTP/1.1 200", 12) == 0;
            }
            total += n;
            seq_add(&q, SSL_ERROR_NONE);
            continue;
        }
        int e = SSL_get_error(s, 0);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
            seq_add(&q, e);
            break;
        }
        wait_for(fd, e); /* whether a read waits depends on timing: not recorded */
    }
    printf("read: %s (status 200: %d)\n", q.text, status_ok);
    printf("shutdown flags: %d\n", SSL_get_shutdown(s));
    print_errors("read");

    q = (struct seq){"", -1};
    int sr;
    while ((sr = SSL_shutdown(s)) < 0) {
        int e = SSL_get_error(s, sr);
        seq_add(&q, e);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
            break;
        wait_for(fd, e);
    }
    printf("shutdown: %s -> %d, flags %d\n", q.text[0] ? q.text : "-", sr, SSL_get_shutdown(s));
    print_errors("shutdown");
    SSL_free(s);
    SSL_CTX_free(ctx);
    close(fd);
    return 0;
}
