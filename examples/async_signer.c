/* async_signer: a non-blocking TLS server whose private key tern never
 * sees. A "signer" thread stands for an HSM or a remote signing service:
 * it holds the key (loaded here with libcrypto), signs what tern hands it
 * after a delay, and wakes the event loop through a pipe; the loop hands
 * the signature in with tern_conn_key_done and the handshake goes on.
 *
 *   cc async_signer.c $(pkg-config --cflags --libs tern) -lcrypto -lpthread -o async_signer
 *   ./async_signer 8443 chain.pem key.pem
 *   openssl s_client -connect localhost:8443 -CAfile ca.pem
 */
#include <tern/tern.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The signer: one job at a time (this server handles one connection at a
 * time); a real one would queue jobs by connection. */
static struct {
    EVP_PKEY *key;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int job; /* 1: a job is waiting */
    uint16_t scheme;
    uint8_t input[512];
    size_t input_len;
    uint8_t sig[1024];
    size_t sig_len;
    int wake[2]; /* the signer writes a byte when the signature is ready */
} signer = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

/* sign_now makes the signature a TLS signature scheme asks for. */
static size_t sign_now(uint16_t scheme, const uint8_t *in, size_t len, uint8_t *sig, size_t cap)
{
    const EVP_MD *md = NULL;
    int pss = 0;
    switch (scheme) {
    case TERN_SIG_ECDSA_SECP256R1_SHA256:
        md = EVP_sha256();
        break;
    case TERN_SIG_ECDSA_SECP384R1_SHA384:
        md = EVP_sha384();
        break;
    case TERN_SIG_RSA_PSS_RSAE_SHA256:
        md = EVP_sha256(), pss = 1;
        break;
    case TERN_SIG_RSA_PSS_RSAE_SHA384:
        md = EVP_sha384(), pss = 1;
        break;
    case TERN_SIG_RSA_PSS_RSAE_SHA512:
        md = EVP_sha512(), pss = 1;
        break;
    case TERN_SIG_RSA_PKCS1_SHA256: /* TLS 1.2 */
        md = EVP_sha256();
        break;
    case TERN_SIG_ED25519:
        break;
    default:
        return 0;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    size_t n = cap;
    int ok = ctx && EVP_DigestSignInit(ctx, &pctx, md, NULL, signer.key) == 1;
    if (ok && pss)
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
    ok = ok && EVP_DigestSign(ctx, sig, &n, in, len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok ? n : 0;
}

static void *signer_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&signer.lock);
    for (;;) {
        while (!signer.job)
            pthread_cond_wait(&signer.cond, &signer.lock);
        pthread_mutex_unlock(&signer.lock);
        usleep(100000); /* the round trip to the HSM */
        signer.sig_len =
            sign_now(signer.scheme, signer.input, signer.input_len, signer.sig, sizeof(signer.sig));
        pthread_mutex_lock(&signer.lock);
        signer.job = 0;
        char one = 1;
        if (write(signer.wake[1], &one, 1) != 1)
            perror("signer");
    }
    return NULL;
}

/* tern's sign callback: hand the job to the signer, answer later. */
static int sign_cb(void *arg, tern_conn *c, uint16_t scheme, const uint8_t *input, size_t len,
                   uint8_t *sig, size_t cap, size_t *sig_len)
{
    (void)arg, (void)c;
    if (len > sizeof(signer.input))
        return TERN_E_INTERNAL;
    pthread_mutex_lock(&signer.lock);
    signer.scheme = scheme;
    memcpy(signer.input, input, len);
    signer.input_len = len;
    signer.job = 1;
    pthread_cond_signal(&signer.cond);
    pthread_mutex_unlock(&signer.lock);
    (void)sig, (void)cap, (void)sig_len;
    return TERN_WANT_ASYNC;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 1 << 17);
    *len = buf ? fread(buf, 1, (1 << 17) - 1, f) : 0;
    fclose(f);
    return buf;
}

/* serve_one drives one connection on a non-blocking socket: poll on the
 * socket, or on the signer's pipe while tern waits for a signature. */
static void serve_one(tern_config *cfg, int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    tern_conn *c = tern_conn_new_server(cfg);
    tern_conn_set_fd(c, fd);
    int rc, waits = 0;
    while ((rc = tern_handshake(c)) != TERN_OK) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (rc == TERN_WANT_WRITE)
            p.events = POLLOUT;
        else if (rc == TERN_WANT_ASYNC)
            p.fd = signer.wake[0], waits++;
        else if (rc != TERN_WANT_READ)
            break;
        if (poll(&p, 1, 10000) != 1)
            break; /* a silent peer or signer */
        char one;
        if (rc == TERN_WANT_ASYNC && read(signer.wake[0], &one, 1) == 1)
            tern_conn_key_done(c, signer.sig_len ? signer.sig : NULL, signer.sig_len);
    }
    if (rc == TERN_OK) {
        const char msg[] = "hello from a key tern never saw\n";
        size_t n;
        for (int i = 0; i < 100 && tern_write(c, msg, sizeof(msg) - 1, &n) == TERN_WANT_WRITE; i++)
            usleep(1000);
        fprintf(stderr, "served %s, signed with scheme 0x%04x after %d wait(s) for the signer\n",
                tern_version_name(tern_conn_version(c)), tern_conn_signature_scheme(c), waits);
        while (tern_close(c) == TERN_WANT_WRITE)
            usleep(1000);
    } else {
        fprintf(stderr, "handshake: %s\n", tern_conn_error(c) ? tern_conn_error(c) : "timed out");
    }
    tern_conn_free(c);
    close(fd);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s PORT CHAIN.pem KEY.pem\n", argv[0]);
        return 2;
    }
    FILE *kf = fopen(argv[3], "rb");
    signer.key = kf ? PEM_read_PrivateKey(kf, NULL, NULL, NULL) : NULL;
    if (kf)
        fclose(kf);
    size_t chain_len;
    char *chain = slurp(argv[2], &chain_len);
    if (!signer.key || !chain || pipe(signer.wake) != 0) {
        fprintf(stderr, "cannot load %s and %s\n", argv[2], argv[3]);
        return 1;
    }
    pthread_t th;
    pthread_create(&th, NULL, signer_main, NULL);
    tern_config *cfg = tern_config_new();
    struct tern_key_ops ops = {.sign = sign_cb};
    if (tern_config_add_cert_chain_external(cfg, chain, chain_len, &ops) != TERN_OK) {
        fprintf(stderr, "chain: %s\n", tern_config_error(cfg));
        return 1;
    }
    free(chain);
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(ls, 16) != 0) {
        perror("listen");
        return 1;
    }
    fprintf(stderr, "listening on port %s\n", argv[1]);
    for (;;) {
        int fd = accept(ls, NULL, NULL);
        if (fd >= 0)
            serve_one(cfg, fd);
    }
}
