/* A client and a server in one process over a BIO pair with a small
 * buffer (128 bytes each way), both non-blocking, driven in turn, written
 * against OpenSSL's API only; tests/compat/pair_same.sh runs it on
 * Debian's libssl.so.3 and on tern's. The pair's small buffer makes both
 * sides wait on writes as well as reads, so SSL_get_error's WANT_WRITE is
 * exercised next to WANT_READ; printed are the kinds of waits each side
 * saw (flight sizes differ between implementations, so not their order),
 * the results, 100 kB moved each way and both shutdown steps.
 *
 * usage: ossl_pair CHAIN KEY CAFILE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

struct side {
    const char *name;
    SSL *s;
    int saw_read, saw_write, saw_other;
};

static void note(struct side *x, int r)
{
    int e = SSL_get_error(x->s, r);
    if (e == SSL_ERROR_WANT_READ)
        x->saw_read = 1;
    else if (e == SSL_ERROR_WANT_WRITE)
        x->saw_write = 1;
    else if (e != SSL_ERROR_NONE)
        x->saw_other = e;
}

static void report(const char *step, struct side *x)
{
    printf("%s %s: waited for read %d, for write %d, other error %d\n", step, x->name, x->saw_read,
           x->saw_write, x->saw_other);
    x->saw_read = x->saw_write = x->saw_other = 0;
}

#define BIG 100000

/* the key log: which labels came, each line well formed (label, 32-byte
 * client random, secret, in hex, no newline) */
static char labels[512];
static int keylog_bad;

static void keylog(const SSL *s, const char *line)
{
    char label[64];
    int at = 0;
    if (sscanf(line, "%63s %n", label, &at) != 1 || strchr(line, '\n') != NULL ||
        strspn(line + at, "0123456789abcdef") != 64 || line[at + 64] != ' ' ||
        strspn(line + at + 65, "0123456789abcdef") < 64)
        keylog_bad++;
    if (strstr(labels, label) == NULL && strlen(labels) + strlen(label) + 2 < sizeof(labels)) {
        strcat(labels, " ");
        strcat(labels, label);
    }
}

/* drain: a read on a side that expects no data, so what the peer sends
 * after its handshake (session tickets) does not fill the pair */
static void drain(struct side *x)
{
    unsigned char sink[64];
    int r = SSL_read(x->s, sink, sizeof(sink));
    if (r > 0)
        x->saw_other = -1; /* data nobody sent */
}

/* pump_data: from sends BIG bytes, to reads them, taking turns */
static int pump_data(struct side *from, struct side *to, unsigned char *src, unsigned char *dst)
{
    size_t sent = 0, got = 0;
    int writing = 0; /* a write in progress must be retried with the same arguments */
    size_t chunk = 0;
    for (int turns = 0; turns < 100000 && got < BIG; turns++) {
        if (sent < BIG) {
            if (!writing)
                chunk = BIG - sent < 16384 ? BIG - sent : 16384;
            int r = SSL_write(from->s, src + sent, (int)chunk);
            if (r > 0) {
                sent += (size_t)r;
                writing = 0;
            } else {
                note(from, r);
                writing = 1;
                if (from->saw_other)
                    return 0;
            }
        }
        int r = SSL_read(to->s, dst + got, BIG - (int)got);
        if (r > 0)
            got += (size_t)r;
        else {
            note(to, r);
            if (to->saw_other)
                return 0;
        }
        drain(from);
    }
    return got == BIG && memcmp(src, dst, BIG) == 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: ossl_pair CHAIN KEY CAFILE\n");
        return 2;
    }
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method()), *cctx = SSL_CTX_new(TLS_client_method());
    if (!SSL_CTX_use_certificate_chain_file(sctx, argv[1]) ||
        !SSL_CTX_use_PrivateKey_file(sctx, argv[2], SSL_FILETYPE_PEM) ||
        !SSL_CTX_load_verify_locations(cctx, argv[3], NULL)) {
        printf("setup failed\n");
        return 1;
    }
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_keylog_callback(cctx, keylog);
    int tls12 = getenv("OSSL_PAIR_TLS12") != NULL;
    if (tls12 && !SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION))
        return 1;
    /* the words for every alert, as programs log them */
    unsigned long words = 5381;
    for (int a = 0; a < 256; a++)
        for (const char *w = SSL_alert_desc_string_long(a); *w; w++)
            words = words * 33 + (unsigned char)*w;
    printf("alert words: %lx (close notify: %s, 48: %s, 116: %s)\n", words,
           SSL_alert_desc_string_long(0), SSL_alert_desc_string_long(48),
           SSL_alert_desc_string_long(116));
    /* SSL_shutdown before any handshake: an error, named alike */
    SSL *fresh = SSL_new(cctx);
    SSL_set_connect_state(fresh);
    int fr = SSL_shutdown(fresh);
    const char *why = ERR_reason_error_string(ERR_get_error());
    printf("shutdown before the handshake: %d (%s)\n", fr, why ? why : "no error");
    ERR_clear_error();
    SSL_free(fresh);
    struct side c = {"client", SSL_new(cctx), 0, 0, 0}, s = {"server", SSL_new(sctx), 0, 0, 0};
    BIO *cb, *sb;
    if (!BIO_new_bio_pair(&cb, 128, &sb, 128))
        return 1;
    SSL_set_bio(c.s, cb, cb);
    SSL_set_bio(s.s, sb, sb);
    SSL_set_tlsext_host_name(c.s, "localhost");
    SSL_set_connect_state(c.s);
    SSL_set_accept_state(s.s);

    int cdone = 0, sdone = 0;
    for (int turns = 0; turns < 10000 && !(cdone && sdone); turns++) {
        if (!cdone) {
            int r = SSL_do_handshake(c.s);
            if (r == 1)
                cdone = 1;
            else
                note(&c, r);
        } else {
            drain(&c);
        }
        if (!sdone) {
            int r = SSL_do_handshake(s.s);
            if (r == 1)
                sdone = 1;
            else
                note(&s, r);
        }
        if (c.saw_other || s.saw_other)
            break;
    }
    printf("handshake: client %d, server %d, verify %ld\n", cdone, sdone,
           SSL_get_verify_result(c.s));
    /* the one line that differs: Debian's OpenSSL 3.0 picks x25519 (a
     * NID), tern X25519MLKEM768 (TLSEXT_nid_unknown | 0x11ec) */
    printf("group: 0x%lx\n", (long)SSL_get_negotiated_group(c.s));
    printf("version: %s, server: %s, suite: %s\n", SSL_get_version(c.s), SSL_get_version(s.s),
           SSL_CIPHER_get_name(SSL_get_current_cipher(c.s)));
    /* the order of the lines differs between implementations: print the
     * labels in a fixed order */
    static const char *known12[] = {"CLIENT_RANDOM"};
    static const char *known13[] = {"CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                                    "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0",
                                    "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET"};
    const char **known = tls12 ? known12 : known13;
    size_t n_known = tls12 ? 1 : 5;
    printf("key log:");
    for (size_t i = 0; i < n_known; i++)
        printf(" %s=%d", known[i], strstr(labels, known[i]) != NULL);
    printf(" (%d malformed)\n", keylog_bad);
    report("handshake", &c);
    report("handshake", &s);

    unsigned char *src = malloc(BIG), *dst = malloc(BIG);
    for (size_t i = 0; i < BIG; i++)
        src[i] = (unsigned char)(i * 7 + 3);
    printf("client to server: %d\n", pump_data(&c, &s, src, dst));
    report("data", &c);
    report("data", &s);
    printf("server to client: %d\n", pump_data(&s, &c, src, dst));
    report("data", &s);
    report("data", &c);

    /* one 1000-byte record read 10 bytes at a time: SSL_pending says what
     * is left of it */
    int wr = -1, rd = -1;
    unsigned char small[10];
    for (int i = 0; i < 100 && wr <= 0; i++) {
        wr = SSL_write(s.s, src, 1000);
        if (rd <= 0)
            rd = SSL_read(c.s, small, sizeof(small));
    }
    for (int i = 0; i < 100 && rd <= 0; i++)
        rd = SSL_read(c.s, small, sizeof(small));
    printf("pending: wrote %d, read %d, pending %d, has pending %d\n", wr, rd, SSL_pending(c.s),
           SSL_has_pending(c.s));
    int left = 0;
    while (SSL_pending(c.s) > 0 && left < 2000) {
        int r = SSL_read(c.s, small, sizeof(small));
        if (r <= 0)
            break;
        left += r;
    }
    printf("pending read: %d, then pending %d\n", left, SSL_pending(c.s));

    /* shutdown: the client first (0: sent), the server reads it
     * (ZERO_RETURN) and answers (1: both sent), the client's second call
     * gets the answer (1) */
    int r1 = -1;
    for (int i = 0; i < 100 && r1 < 0; i++)
        r1 = SSL_shutdown(c.s);
    unsigned char b[16];
    int zero = 0;
    for (int i = 0; i < 100 && !zero; i++) {
        int rr = SSL_read(s.s, b, sizeof(b));
        zero = rr <= 0 && SSL_get_error(s.s, rr) == SSL_ERROR_ZERO_RETURN;
    }
    int r2 = -1;
    for (int i = 0; i < 100 && r2 < 0; i++)
        r2 = SSL_shutdown(s.s);
    int r3 = -1;
    for (int i = 0; i < 100 && r3 < 0; i++)
        r3 = SSL_shutdown(c.s);
    printf("shutdown: client %d, server saw ZERO_RETURN %d, server %d, client again %d\n", r1, zero,
           r2, r3);
    unsigned long e;
    while ((e = ERR_get_error()) != 0)
        printf("error: %s\n", ERR_reason_error_string(e));
    free(src);
    free(dst);
    SSL_free(c.s);
    SSL_free(s.s);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 0;
}
