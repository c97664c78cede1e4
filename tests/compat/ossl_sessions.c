/* A server written against OpenSSL's API, run by
 * tests/compat/sessions_same.sh on Debian's libssl.so.3 and on tern's with
 * openssl s_client as the client: it serves N connections one after the
 * other and prints, for each, whether it resumed, the ALPN protocol its
 * select callback chose and what it saw of the client's certificate (its
 * subject, the verify result, the peer chain), also on a connection that
 * resumed a session made with a client certificate; then
 * what its session callbacks saw. Both runs must print the same lines.
 *
 * MODE says how sessions are kept, as nginx's directives would:
 *   cache    the program's cache callbacks (ssl_session_cache shared:),
 *            SSL_OP_NO_TICKET: TLS 1.2 session IDs, TLS 1.3 stateful tickets
 *   internal the library's own cache, SSL_OP_NO_TICKET
 *   tickets  stateless tickets under the library's own key
 *   keycb    a ticket key callback (ssl_session_ticket_key files) with
 *            AES-256-CBC and HMAC-SHA256 keys, the key changing after the
 *            first connection (the old one still opens: renewed)
 *   fork     stateless tickets, each connection served by a new process
 *            forked after the SSL_CTX was made (nginx's workers)
 *
 * usage: ossl_sessions PORTFILE CHAIN KEY CA MODE N */
#define OPENSSL_SUPPRESS_DEPRECATED /* HMAC_CTX: the ticket key callback's type */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/ssl.h>

static int new_calls, get_calls, get_found, key_enc, key_dec, key_renew;

/* the program's session cache: a few sessions by ID, serialized as nginx
 * keeps them */
#define SLOTS 16
static struct {
    unsigned char id[32];
    unsigned id_len;
    unsigned char der[4096];
    int len;
} cache[SLOTS];
static int cache_n;

static int new_cb(SSL *s, SSL_SESSION *sess)
{
    new_calls++;
    unsigned id_len;
    const unsigned char *id = SSL_SESSION_get_id(sess, &id_len);
    int len = i2d_SSL_SESSION(sess, NULL);
    if (cache_n == SLOTS || id_len > 32 || len <= 0 || len > 4096)
        return 0;
    unsigned char *p = cache[cache_n].der;
    i2d_SSL_SESSION(sess, &p);
    memcpy(cache[cache_n].id, id, id_len);
    cache[cache_n].id_len = id_len;
    cache[cache_n].len = len;
    cache_n++;
    return 0; /* not kept: the serialized copy is */
}

static SSL_SESSION *get_cb(SSL *s, const unsigned char *id, int len, int *copy)
{
    get_calls++;
    *copy = 0;
    for (int i = 0; i < cache_n; i++)
        if (cache[i].id_len == (unsigned)len && memcmp(cache[i].id, id, (size_t)len) == 0) {
            const unsigned char *p = cache[i].der;
            get_found++;
            return d2i_SSL_SESSION(NULL, &p, cache[i].len);
        }
    return NULL;
}

static void remove_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
    unsigned id_len;
    const unsigned char *id = SSL_SESSION_get_id(sess, &id_len);
    for (int i = 0; i < cache_n; i++)
        if (cache[i].id_len == id_len && memcmp(cache[i].id, id, id_len) == 0)
            cache[i] = cache[--cache_n];
}

/* two ticket keys, as two 80-byte nginx key files: name, HMAC key, AES key */
static unsigned char keys[2][80];
static int current_key;

static int key_cb(SSL *s, unsigned char *name, unsigned char *iv, EVP_CIPHER_CTX *cctx,
                  HMAC_CTX *hctx, int enc)
{
    if (enc) {
        key_enc++;
        const unsigned char *k = keys[current_key];
        memcpy(name, k, 16);
        memset(iv, 0x5a, 16); /* a test's fixed IV; a real program draws one */
        iv[0] = (unsigned char)key_enc;
        if (EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, k + 48, iv) != 1 ||
            HMAC_Init_ex(hctx, k + 16, 32, EVP_sha256(), NULL) != 1)
            return -1;
        return 1;
    }
    key_dec++;
    for (int i = 0; i < 2; i++) {
        const unsigned char *k = keys[i];
        if (memcmp(name, k, 16) != 0)
            continue;
        if (EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, k + 48, iv) != 1 ||
            HMAC_Init_ex(hctx, k + 16, 32, EVP_sha256(), NULL) != 1)
            return -1;
        key_renew += i != current_key;
        return i == current_key ? 1 : 2;
    }
    return 0;
}

/* ALPN: http/1.1 when offered, else no protocol */
static int alpn_cb(SSL *s, const unsigned char **out, unsigned char *outlen,
                   const unsigned char *in, unsigned int inlen, void *arg)
{
    static const unsigned char ours[] = "\x08http/1.1";
    if (SSL_select_next_proto((unsigned char **)out, outlen, ours, sizeof(ours) - 1, in, inlen) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    return SSL_TLSEXT_ERR_OK;
}

static int verify_cb(int ok, X509_STORE_CTX *xc)
{
    return 1; /* decided after the handshake, as nginx's optional_no_ca */
}

static void serve(SSL_CTX *ctx, int fd, int i)
{
    SSL *s = SSL_new(ctx);
    SSL_set_fd(s, fd);
    if (SSL_accept(s) != 1) {
        printf("conn %d: handshake failed\n", i);
        ERR_clear_error();
        SSL_free(s);
        return;
    }
    const unsigned char *alpn;
    unsigned alpn_len;
    SSL_get0_alpn_selected(s, &alpn, &alpn_len);
    X509 *peer = SSL_get1_peer_certificate(s);
    char subject[256] = "none";
    if (peer != NULL)
        X509_NAME_oneline(X509_get_subject_name(peer), subject, sizeof(subject));
    printf("conn %d: %s, reused %d, alpn %.*s, client certificate %s, verify %ld\n", i,
           SSL_get_version(s), SSL_session_reused(s), alpn_len ? (int)alpn_len : 4,
           alpn_len ? (const char *)alpn : "none", subject, SSL_get_verify_result(s));
    if (peer != NULL) {
        /* the chain as the server keeps it (on a resumed connection, from
         * the session): its length and its first certificate's subject */
        STACK_OF(X509) *chain = SSL_get_peer_cert_chain(s);
        char first[256] = "none";
        if (chain != NULL && sk_X509_num(chain) > 0)
            X509_NAME_oneline(X509_get_subject_name(sk_X509_value(chain, 0)), first, sizeof(first));
        printf("conn %d: peer chain %d, first %s\n", i, chain != NULL ? sk_X509_num(chain) : -1,
               first);
    }
    X509_free(peer);
    /* the client's groups by name (nginx's $ssl_curves) */
    int groups[32], n = SSL_get1_groups(s, NULL);
    char names[512] = "";
    if (n > 0 && n <= 32 && SSL_get1_groups(s, groups) == n)
        for (int k = 0; k < n; k++) {
            const char *sn = (groups[k] & TLSEXT_nid_unknown) ? NULL : OBJ_nid2sn(groups[k]);
            size_t at = strlen(names);
            if (sn != NULL)
                snprintf(names + at, sizeof(names) - at, "%s%s", k ? ":" : "", sn);
            else
                snprintf(names + at, sizeof(names) - at, "%s0x%04x", k ? ":" : "",
                         groups[k] & 0xffff);
        }
    printf("conn %d: client groups %s\n", i, n > 0 ? names : "none");
    SSL_write(s, "hello\n", 6);
    char buf[256];
    if (SSL_shutdown(s) == 0)
        while (SSL_read(s, buf, sizeof(buf)) > 0)
            ; /* to the client's close_notify */
    SSL_free(s);
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: ossl_sessions PORTFILE CHAIN KEY CA MODE N\n");
        return 2;
    }
    const char *mode = argv[5];
    int n = atoi(argv[6]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL || SSL_CTX_use_certificate_chain_file(ctx, argv[2]) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, argv[3], SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_load_verify_locations(ctx, argv[4], NULL) != 1)
        return 1;
    STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(argv[4]);
    printf("client CA names: %d\n", names != NULL ? sk_X509_NAME_num(names) : -1);
    SSL_CTX_set_client_CA_list(ctx, names);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_cb);
    SSL_CTX_set_alpn_select_cb(ctx, alpn_cb, NULL);
    SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"ossl_sessions", 13);
    SSL_CTX_set_timeout(ctx, 300);
    if (strcmp(mode, "cache") == 0) {
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL);
        SSL_CTX_sess_set_new_cb(ctx, new_cb);
        SSL_CTX_sess_set_get_cb(ctx, get_cb);
        SSL_CTX_sess_set_remove_cb(ctx, remove_cb);
    } else if (strcmp(mode, "internal") == 0) {
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    } else if (strcmp(mode, "keycb") == 0) {
        for (int k = 0; k < 2; k++)
            for (int b = 0; b < 80; b++)
                keys[k][b] = (unsigned char)(k * 80 + b * 7 + 1);
        SSL_CTX_set_tlsext_ticket_key_cb(ctx, key_cb);
    } else if (strcmp(mode, "tickets") != 0 && strcmp(mode, "fork") != 0) {
        return 2;
    }

    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {0};
    socklen_t alen = sizeof(a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(ls, 8) != 0 ||
        getsockname(ls, (struct sockaddr *)&a, &alen) != 0)
        return 1;
    FILE *pf = fopen(argv[1], "w");
    if (pf == NULL)
        return 1;
    fprintf(pf, "%d\n", ntohs(a.sin_port));
    fclose(pf);
    for (int i = 1; i <= n; i++) {
        int fd = accept(ls, NULL, NULL);
        if (fd < 0)
            return 1;
        if (strcmp(mode, "fork") == 0) {
            pid_t pid = fork();
            if (pid == 0) {
                serve(ctx, fd, i);
                _exit(0);
            }
            int st;
            waitpid(pid, &st, 0);
        } else {
            serve(ctx, fd, i);
        }
        close(fd);
        if (strcmp(mode, "keycb") == 0)
            current_key = 1; /* a new key; tickets under the first still open */
    }
    printf("cache callbacks: new %d, get %d (found %d)\n", new_calls > 0, get_calls > 0,
           get_found > 0);
    printf("ticket key callback: sealed %d, opened %d, renewed %d\n", key_enc > 0, key_dec > 0,
           key_renew > 0);
    SSL_CTX_free(ctx);
    close(ls);
    return 0;
}
