/* A small server written against OpenSSL's API only, run by
 * tests/compat/server_same.sh on Debian's libssl.so.3 and on tern's: it
 * loads its chain and key from files, accepts one connection on a blocking
 * socket (SSL_set_fd), answers one HTTP request and shuts down, printing
 * what it saw; both runs must print the same lines.
 *
 * usage: ossl_server PORTFILE CHAIN KEY */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

static void print_errors(const char *step)
{
    unsigned long e;
    while ((e = ERR_get_error()) != 0) {
        const char *r = ERR_reason_error_string(e);
        printf("%s: error reason=%s\n", step, r ? r : "(none)");
    }
}

/* the servername callback: b.test gets the second SSL_CTX, refuse.test
 * is refused */
static SSL_CTX *second;
static int sni_calls;
static char sni_seen[64];

static int sni_cb(SSL *s, int *al, void *arg)
{
    sni_calls++;
    const char *name = SSL_get_servername(s, TLSEXT_NAMETYPE_host_name);
    snprintf(sni_seen, sizeof(sni_seen), "%s%s", name ? name : "(none)",
             arg == &sni_calls ? "" : " (wrong arg)");
    if (name != NULL && strcmp(name, "refuse.test") == 0) {
        *al = SSL_AD_UNRECOGNIZED_NAME;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    if (name != NULL && strcmp(name, "b.test") == 0 && SSL_set_SSL_CTX(s, second) != second)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    return SSL_TLSEXT_ERR_OK;
}

/* the certificate callback (nginx's certificates named by variables):
 * the SSL gets its own chain and key, read from CHAIN:KEY */
static int cert_calls;
static char cert_files[512];

static int cert_cb(SSL *s, void *arg)
{
    cert_calls++;
    char chain[512], *key;
    snprintf(chain, sizeof(chain), "%s", cert_files);
    key = strchr(chain, ':');
    *key++ = 0;
    BIO *b = BIO_new_file(chain, "r");
    X509 *leaf = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    STACK_OF(X509) *rest = sk_X509_new_null();
    X509 *ca;
    while (b && (ca = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
        sk_X509_push(rest, ca);
    ERR_clear_error();
    BIO_free(b);
    b = BIO_new_file(key, "r");
    EVP_PKEY *pkey = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    int ok = leaf != NULL && pkey != NULL && SSL_use_certificate(s, leaf) == 1 &&
             SSL_set0_chain(s, rest) == 1 && SSL_use_PrivateKey(s, pkey) == 1;
    X509_free(leaf);
    EVP_PKEY_free(pkey);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: ossl_server PORTFILE CHAIN KEY\n");
        return 2;
    }
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL)
        return 1;
    if (getenv("OSSL_SERVER_SPLIT") != NULL) {
        /* the leaf with SSL_CTX_use_certificate, the rest one by one with
         * SSL_CTX_add0_chain_cert (set0 first, to start from none) */
        BIO *b = BIO_new_file(argv[2], "r");
        X509 *leaf = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
        int ok =
            leaf != NULL && SSL_CTX_use_certificate(ctx, leaf) && SSL_CTX_set0_chain(ctx, NULL);
        X509_free(leaf);
        X509 *ca;
        int n = 0;
        while (ok && b && (ca = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
            ok = SSL_CTX_add0_chain_cert(ctx, ca);
            n++;
        }
        ERR_clear_error();
        BIO_free(b);
        STACK_OF(X509) *chain = NULL;
        SSL_CTX_get0_chain_certs(ctx, &chain);
        printf("chain: %d (%d added, %d held)\n", ok, n, chain ? sk_X509_num(chain) : 0);
    } else {
        printf("chain: %d\n", SSL_CTX_use_certificate_chain_file(ctx, argv[2]));
    }
    printf("key: %d\n", SSL_CTX_use_PrivateKey_file(ctx, argv[3], SSL_FILETYPE_PEM));
    printf("key matches: %d\n", SSL_CTX_check_private_key(ctx));
    const char *b = getenv("OSSL_SERVER_SNI"); /* CHAIN:KEY of the second SSL_CTX */
    if (b != NULL) {
        char chain[512], *key;
        snprintf(chain, sizeof(chain), "%s", b);
        key = strchr(chain, ':');
        *key++ = 0;
        second = SSL_CTX_new(TLS_server_method());
        printf("second: %d\n", SSL_CTX_use_certificate_chain_file(second, chain) &&
                                   SSL_CTX_use_PrivateKey_file(second, key, SSL_FILETYPE_PEM));
        printf("callback set: %d\n", SSL_CTX_set_tlsext_servername_callback(ctx, sni_cb) &&
                                         SSL_CTX_set_tlsext_servername_arg(ctx, &sni_calls));
    }
    if (getenv("OSSL_SERVER_CERT_CB") != NULL) {
        snprintf(cert_files, sizeof(cert_files), "%s", getenv("OSSL_SERVER_CERT_CB"));
        SSL_CTX_set_cert_cb(ctx, cert_cb, NULL);
    }
    print_errors("setup");
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof(a);
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(ls, 1) != 0 ||
        getsockname(ls, (struct sockaddr *)&a, &al) != 0)
        return 1;
    FILE *pf = fopen(argv[1], "w");
    if (pf == NULL)
        return 1;
    fprintf(pf, "%d\n", ntohs(a.sin_port));
    fclose(pf);
    fflush(stdout);

    int fd = accept(ls, NULL, NULL);
    if (fd < 0)
        return 1;
    SSL *s = SSL_new(ctx);
    printf("set_fd: %d\n", SSL_set_fd(s, fd));
    int r = SSL_accept(s);
    printf("accept: %d (error %d)\n", r > 0 ? 1 : r, SSL_get_error(s, r));
    print_errors("accept");
    if (b != NULL)
        printf("servername callback: %d call(s), saw %s, SSL_CTX now %s\n", sni_calls, sni_seen,
               SSL_get_SSL_CTX(s) == second ? "second" : "first");
    if (cert_files[0])
        printf("certificate callback: %d call(s), SSL's certificate %s\n", cert_calls,
               SSL_get_certificate(s) != NULL ? "set" : "none");
    if (r > 0) {
        printf("server name: %s\n", SSL_get_servername(s, TLSEXT_NAMETYPE_host_name)
                                        ? SSL_get_servername(s, TLSEXT_NAMETYPE_host_name)
                                        : "(none)");
        printf("peer certificate: %s\n", SSL_get1_peer_certificate(s) ? "yes" : "none");
        char buf[4096];
        size_t got = 0;
        /* the request head, up to its blank line */
        while (got < sizeof(buf) - 1) {
            int n = SSL_read(s, buf + got, (int)(sizeof(buf) - 1 - got));
            if (n <= 0) {
                printf("read: error %d\n", SSL_get_error(s, n));
                break;
            }
            got += (size_t)n;
            buf[got] = 0;
            if (strstr(buf, "\r\n\r\n") != NULL)
                break;
        }
        printf("request: %s\n", strncmp(buf, "GET /x HTTP/1.1\r\n", 17) == 0 ? "GET /x" : "other");
        const char *resp =
            "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nfrom s";
        int w = SSL_write(s, resp, (int)strlen(resp));
        printf("write: %d\n", w == (int)strlen(resp));
        int sr = SSL_shutdown(s);
        printf("shutdown: %d\n", sr);
        if (sr == 0) {
            sr = SSL_shutdown(s);
            printf("shutdown again: %d (error %d)\n", sr, sr == 1 ? 0 : SSL_get_error(s, sr));
        }
    }
    print_errors("end");
    SSL_free(s);
    close(fd);
    close(ls);
    SSL_CTX_free(ctx);
    SSL_CTX_free(second);
    return 0;
}
