/* Client sessions through OpenSSL's API, run by tests/compat/resume_same.sh
 * on Debian's libssl.so.3 and on tern's against tern serve: the first
 * connection's session (from the new-session callback and from
 * SSL_get1_session), serialized with i2d_SSL_SESSION and read back with
 * d2i_SSL_SESSION, resumes the second connection (SSL_session_reused).
 *
 * usage: ossl_resume PORT CAFILE [tls12] */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

static int new_calls;
static SSL_SESSION *from_cb;

static int new_cb(SSL *s, SSL_SESSION *sess)
{
    new_calls++;
    SSL_SESSION_free(from_cb);
    from_cb = sess; /* kept: returning 1 says so */
    return 1;
}

static int fetch(SSL_CTX *ctx, int port, SSL_SESSION *resume, SSL_SESSION **out)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
        return -1;
    SSL *s = SSL_new(ctx);
    SSL_set_fd(s, fd);
    SSL_set_tlsext_host_name(s, "localhost");
    if (resume != NULL && !SSL_set_session(s, resume))
        printf("set_session failed\n");
    int ok = SSL_connect(s) == 1;
    const char *req = "GET /hello.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    ok = ok && SSL_write(s, req, (int)strlen(req)) > 0;
    char buf[4096];
    int n, total = 0;
    while (ok && (n = SSL_read(s, buf, sizeof(buf))) > 0)
        total += n;
    printf("fetch: ok %d, got data %d, reused %d, version %s\n", ok, total > 0,
           SSL_session_reused(s), SSL_get_version(s));
    if (out != NULL)
        *out = SSL_get1_session(s);
    SSL_shutdown(s);
    SSL_free(s);
    close(fd);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4)
        return 2;
    int port = atoi(argv[1]);
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(ctx, argv[2], NULL);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (argc == 4)
        SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, new_cb);

    SSL_SESSION *got = NULL;
    fetch(ctx, port, NULL, &got);
    printf("session: from SSL_get1_session %d, from the callback %d (%s)\n", got != NULL,
           from_cb != NULL, new_calls > 0 ? "called" : "not called");
    SSL_SESSION *use = from_cb != NULL ? from_cb : got;
    if (use == NULL)
        return 0;
    const char *host = SSL_SESSION_get0_hostname(use);
    unsigned int idlen = 0;
    SSL_SESSION_get_id(use, &idlen);
    printf("session host: %s\n", host ? host : "(none)");
    int len = i2d_SSL_SESSION(use, NULL);
    unsigned char *der = malloc((size_t)len), *p = der;
    i2d_SSL_SESSION(use, &p);
    const char *save = getenv("OSSL_RESUME_SAVE"); /* the fuzz target's seeds */
    FILE *sf = save != NULL ? fopen(save, "wb") : NULL;
    if (sf != NULL) {
        fwrite(der, 1, (size_t)len, sf);
        fclose(sf);
    }
    const unsigned char *q = der;
    SSL_SESSION *back = d2i_SSL_SESSION(NULL, &q, len);
    printf("serialized: %d, read back %d, all read %d\n", len > 0, back != NULL, q == der + len);
    fetch(ctx, port, back, NULL);
    /* a session read from garbage is refused */
    unsigned char junk[40] = {0x30, 0x26};
    q = junk;
    SSL_SESSION *bad = d2i_SSL_SESSION(NULL, &q, sizeof(junk));
    printf("garbage read back: %d\n", bad != NULL);
    SSL_SESSION_free(bad);
    ERR_clear_error();
    SSL_SESSION_free(back);
    SSL_SESSION_free(got);
    SSL_SESSION_free(from_cb);
    free(der);
    SSL_CTX_free(ctx);
    return 0;
}
