/* The easy level over real sockets: a client and a server in one process,
 * non-blocking over a socketpair (every call may say TERN_WANT_READ or
 * TERN_WANT_WRITE, a megabyte crosses with the "call again with the same
 * arguments" contract), blocking over TCP on 127.0.0.1 with tern_connect
 * and tern_accept, and the sentences for failures of the socket itself.
 * The certificates come from the tool's development CA, made in memory. */
#include "devca.h"
#include "test.h"

#include "base/mem.h"
#include "tern/tern.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static char *ca_pem, *leaf_pem, *leaf_key_pem;

static void make_pki(void)
{
    char why[DEVCA_WHY_MAX];
    struct devca ca;
    CHECK_EQ(devca_create(&ca, TERN_KEY_EC_P256, "io test CA", 2, time(NULL), why, sizeof(why)),
             TERN_OK);
    const char *names[] = {"localhost", "127.0.0.1"};
    struct devca_leaf leaf = {
        .key_type = TERN_KEY_EC_P256, .names = names, .n_names = 2, .days = 2, .now = time(NULL)};
    uint8_t *der;
    size_t len;
    tern_key *key = NULL;
    CHECK_EQ(devca_issue(&ca, &leaf, &der, &len, &key, why, sizeof(why)), TERN_OK);
    ca_pem = devca_pem("CERTIFICATE", ca.cert_der, ca.cert_len);
    leaf_pem = devca_pem("CERTIFICATE", der, len);
    CHECK_EQ(devca_key_pem(key, &leaf_key_pem), TERN_OK);
    free(der);
    tern_key_free(key);
    devca_cleanup(&ca);
}

static tern_config *server_config(void)
{
    tern_config *cfg = tern_config_new();
    CHECK_EQ(tern_config_set_cert_chain_pem(cfg, leaf_pem, strlen(leaf_pem), leaf_key_pem,
                                            strlen(leaf_key_pem)),
             TERN_OK);
    return cfg;
}

static tern_config *client_config(void)
{
    tern_config *cfg = tern_config_new();
    CHECK_EQ(tern_config_add_trust_pem(cfg, ca_pem, strlen(ca_pem)), TERN_OK);
    return cfg;
}

static void nonblock(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* Wait until fd is ready for what rc asks. */
static void wait_for(int fd, int rc)
{
    struct pollfd p = {.fd = fd, .events = rc == TERN_WANT_WRITE ? POLLOUT : POLLIN};
    poll(&p, 1, 1000);
}

static void test_nonblocking(void)
{
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    nonblock(sv[0]);
    nonblock(sv[1]);
    /* Small buffers so writes really come back short. */
    int small = 4096;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    tern_config *scfg = server_config(), *ccfg = client_config();
    tern_conn *cl = tern_conn_new_client(ccfg, "localhost"), *sv_c = tern_conn_new_server(scfg);
    CHECK(cl && sv_c);
    CHECK_EQ(tern_conn_set_fd(cl, sv[0]), TERN_OK);
    CHECK_EQ(tern_conn_set_fd(sv_c, sv[1]), TERN_OK);
    CHECK_EQ(tern_conn_fd(cl), sv[0]);

    /* Both handshakes, interleaved: each call returns what it waits for. */
    int rc_c = -1, rc_s = -1, rounds = 0, wants_seen = 0;
    while ((rc_c != TERN_OK || rc_s != TERN_OK) && rounds++ < 1000) {
        if (rc_c != TERN_OK)
            rc_c = tern_handshake(cl);
        if (rc_s != TERN_OK)
            rc_s = tern_handshake(sv_c);
        wants_seen |= (rc_c == TERN_WANT_READ) | (rc_s == TERN_WANT_READ);
        CHECK(rc_c == TERN_OK || rc_c == TERN_WANT_READ || rc_c == TERN_WANT_WRITE);
        CHECK(rc_s == TERN_OK || rc_s == TERN_WANT_READ || rc_s == TERN_WANT_WRITE);
        if (rc_c != TERN_OK && rc_c != TERN_WANT_READ && rc_c != TERN_WANT_WRITE)
            break;
        if (rc_s != TERN_OK && rc_s != TERN_WANT_READ && rc_s != TERN_WANT_WRITE)
            break;
    }
    CHECK_EQ(rc_c, TERN_OK);
    CHECK_EQ(rc_s, TERN_OK);
    CHECK(wants_seen);
    if (rc_c != TERN_OK || rc_s != TERN_OK) {
        fprintf(stderr, "client: %s\nserver: %s\n", tern_conn_error(cl) ? tern_conn_error(cl) : "-",
                tern_conn_error(sv_c) ? tern_conn_error(sv_c) : "-");
        goto out;
    }

    /* A megabyte from client to server through 4 KiB socket buffers. */
    size_t total = 1 << 20, sent = 0, got = 0;
    uint8_t *data = malloc(total), *back = malloc(total);
    for (size_t i = 0; i < total; i++)
        data[i] = (uint8_t)(i * 31 + (i >> 12));
    int want_write = 0;
    for (int spins = 0; (sent < total || got < total) && spins < 200000; spins++) {
        if (sent < total) {
            size_t n = 0;
            int rc = tern_write(cl, data + sent, total - sent, &n);
            if (rc == TERN_OK)
                sent += n;
            else if (rc == TERN_WANT_WRITE)
                want_write++;
            else
                CHECK_EQ(rc, TERN_WANT_READ);
        }
        size_t n = 0;
        int rc = tern_read(sv_c, back + got, total - got, &n);
        if (rc == TERN_OK)
            got += n;
        else
            CHECK(rc == TERN_WANT_READ || rc == TERN_WANT_WRITE);
    }
    CHECK_EQ(sent, total);
    CHECK_EQ(got, total);
    CHECK(want_write > 0); /* the small buffers did push back */
    CHECK(got == total && !memcmp(data, back, total));
    free(data);
    free(back);

    /* With room in the sockets, a whole record is read straight into the
     * reader's buffer (tern_conn_feed_read): tern allocates nothing. */
    int big = 1 << 18, rc;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
    setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
    static uint8_t rec[16384], rec_back[16384];
    memset(rec, 0x5a, sizeof(rec));
    size_t wn = 0, rn = 0;
    for (int i = 0; i < 100 && (rc = tern_write(cl, rec, sizeof(rec), &wn)) != TERN_OK; i++)
        wait_for(sv[0], rc);
    CHECK_EQ(wn, sizeof(rec));
    wait_for(sv[1], TERN_WANT_READ);
    count_allocations_begin();
    rc = tern_read(sv_c, rec_back, sizeof(rec_back), &rn);
    CHECK_EQ(count_allocations_end(), 0u);
    CHECK_EQ(rc, TERN_OK);
    CHECK_EQ(rn, sizeof(rec));
    CHECK_MEM(rec_back, rec, sizeof(rec));

    /* close_notify: the server reads TERN_E_CLOSED, not an EOF. */
    while ((rc = tern_close(cl)) == TERN_WANT_WRITE)
        wait_for(sv[0], rc);
    CHECK_EQ(rc, TERN_OK);
    uint8_t b[16];
    size_t n;
    for (int i = 0; i < 10 && (rc = tern_read(sv_c, b, sizeof(b), &n)) == TERN_WANT_READ; i++)
        wait_for(sv[1], rc);
    CHECK_EQ(rc, TERN_E_CLOSED);
out:
    tern_conn_free(cl);
    tern_conn_free(sv_c);
    tern_config_free(scfg);
    tern_config_free(ccfg);
    close(sv[0]);
    close(sv[1]);
}

/* kernel_bytes: what waits unread in fd's receive queue. */
static int kernel_bytes(int fd)
{
    int n = 0;
    CHECK_EQ(ioctl(fd, FIONREAD, &n), 0);
    return n;
}

/* A ClientHello padded to ~20 KB sent as one-byte handshake records
 * (~130 KB on the wire, all of it in the socket at once): a non-blocking
 * server takes it in several calls, each at most its share of the socket
 * (64 KiB and one read past), returning TERN_WANT_READ with the rest in
 * the kernel; then it answers. Before the share, one call took everything. */
static void test_nonblocking_share(void)
{
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    int big = 1 << 20;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
    setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
    nonblock(sv[1]);
    tern_config *scfg = server_config(), *ccfg = client_config();
    tern_conn *cl = tern_conn_new_client(ccfg, "localhost");
    const uint8_t *out;
    size_t len;
    tern_conn_output(cl, &out, &len);
    /* The ClientHello's body, then its extensions block, which is last. */
    size_t body = (size_t)out[6] << 16 | (size_t)out[7] << 8 | out[8];
    const uint8_t *ch = out + 9;
    size_t at = 2 + 32;
    at += 1 + ch[at];                             /* session id */
    at += 2 + ((size_t)ch[at] << 8 | ch[at + 1]); /* cipher suites */
    at += 1 + ch[at];                             /* compression */
    size_t ext_len = (size_t)ch[at] << 8 | ch[at + 1];
    enum { PAD = 20000 };
    static uint8_t msg[4 + 2048 + 4 + PAD];
    CHECK(body + 4 + PAD + 4 <= sizeof(msg));
    size_t new_body = body + 4 + PAD, new_ext = ext_len + 4 + PAD;
    msg[0] = 1;
    msg[1] = (uint8_t)(new_body >> 16), msg[2] = (uint8_t)(new_body >> 8),
    msg[3] = (uint8_t)new_body;
    memcpy(msg + 4, ch, body);
    msg[4 + at] = (uint8_t)(new_ext >> 8), msg[4 + at + 1] = (uint8_t)new_ext;
    uint8_t *pad = msg + 4 + body; /* padding (RFC 7685), zeros */
    pad[0] = 0, pad[1] = 21, pad[2] = (uint8_t)(PAD >> 8), pad[3] = (uint8_t)PAD;
    memset(pad + 4, 0, PAD);
    size_t msg_len = 4 + new_body, wire = 6 * msg_len;
    uint8_t *recs = malloc(wire);
    for (size_t i = 0; i < msg_len; i++) {
        uint8_t r[6] = {22, 3, 1, 0, 1, msg[i]};
        memcpy(recs + 6 * i, r, 6);
    }
    CHECK_EQ(write(sv[0], recs, wire), (ssize_t)wire);
    free(recs);
    tern_conn *s = tern_conn_new_server(scfg);
    CHECK_EQ(tern_conn_set_fd(s, sv[1]), TERN_OK);
    int calls = 0, rc;
    size_t left = wire;
    while ((rc = tern_handshake(s)) == TERN_WANT_READ && calls++ < 100) {
        size_t now = (size_t)kernel_bytes(sv[1]);
        CHECK(left - now <= 64 * 1024 + 16384 + 256 + 5); /* one call's share */
        left = now;
        if (now == 0)
            break;
    }
    CHECK_EQ(rc, TERN_WANT_READ); /* the server answered and waits for the client */
    CHECK(calls >= 2);
    CHECK_EQ(kernel_bytes(sv[1]), 0);
    CHECK(kernel_bytes(sv[0]) > 0); /* its ServerHello and flight */
    CHECK_EQ(tern_conn_status(s), TERN_OK);
    tern_conn_free(s);
    tern_conn_free(cl);
    tern_config_free(scfg);
    tern_config_free(ccfg);
    close(sv[0]);
    close(sv[1]);
}

/* A peer sends many records at once and falls silent: a reader that polls
 * only after TERN_WANT_READ gets every byte (none is left inside tern while
 * it says "poll"); a zero-length read takes nothing from the socket. */
static void test_burst_then_silence(void)
{
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    int big = 1 << 20;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
    setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
    tern_config *scfg = server_config(), *ccfg = client_config();
    tern_conn *cl = tern_conn_new_client(ccfg, "localhost"), *s = tern_conn_new_server(scfg);
    CHECK_EQ(tern_conn_set_fd(cl, sv[0]), TERN_OK);
    CHECK_EQ(tern_conn_set_fd(s, sv[1]), TERN_OK);
    nonblock(sv[0]);
    nonblock(sv[1]);
    int rc_c = -1, rc_s = -1;
    for (int i = 0; i < 100 && (rc_c != TERN_OK || rc_s != TERN_OK); i++) {
        if (rc_c != TERN_OK)
            rc_c = tern_handshake(cl);
        if (rc_s != TERN_OK)
            rc_s = tern_handshake(s);
    }
    CHECK_EQ(rc_c, TERN_OK);
    CHECK_EQ(rc_s, TERN_OK);
    enum { TOTAL = 200000 };
    static uint8_t data[TOTAL], back[TOTAL];
    for (size_t i = 0; i < TOTAL; i++)
        data[i] = (uint8_t)(i * 7 + 3);
    size_t sent = 0, n;
    while (sent < TOTAL) {
        int rc = tern_write(cl, data + sent, TOTAL - sent, &n);
        if (rc == TERN_OK)
            sent += n;
        else
            CHECK_EQ(rc, TERN_WANT_WRITE);
        if (rc != TERN_OK && rc != TERN_WANT_WRITE)
            break;
    }
    int queued = kernel_bytes(sv[1]);
    CHECK(queued > TOTAL);
    CHECK_EQ(tern_read(s, NULL, 0, &n), TERN_OK); /* zero-length: nothing taken */
    CHECK_EQ(n, 0);
    CHECK_EQ(kernel_bytes(sv[1]), queued);
    size_t got = 0;
    int polls = 0;
    while (got < TOTAL) {
        int rc = tern_read(s, back + got, TOTAL - got, &n);
        if (rc == TERN_OK) {
            got += n;
            continue;
        }
        CHECK_EQ(rc, TERN_WANT_READ);
        struct pollfd p = {.fd = sv[1], .events = POLLIN};
        polls++;
        if (rc != TERN_WANT_READ || poll(&p, 1, 2000) != 1)
            break; /* silence while tern still held bytes: the bug this guards */
    }
    CHECK_EQ(got, (size_t)TOTAL);
    CHECK_MEM(back, data, TOTAL);
    CHECK_EQ(polls, 0); /* the sender is silent: every byte was already here */
    tern_conn_free(cl);
    tern_conn_free(s);
    tern_config_free(scfg);
    tern_config_free(ccfg);
    close(sv[0]);
    close(sv[1]);
}

struct echo_arg {
    int lfd;
    tern_config *cfg;
    int rc;
};

/* A blocking server: accept one connection, echo one message, close. */
static void *echo_server(void *p)
{
    struct echo_arg *a = p;
    tern_conn *c = NULL;
    a->rc = tern_accept(a->cfg, a->lfd, &c);
    if (a->rc != TERN_OK)
        return NULL;
    uint8_t buf[256];
    size_t n = 0, w = 0;
    a->rc = tern_read(c, buf, sizeof(buf), &n);
    if (a->rc == TERN_OK)
        a->rc = tern_write(c, buf, n, &w);
    if (a->rc == TERN_OK)
        a->rc = tern_close(c);
    tern_conn_free(c);
    return NULL;
}

static void test_blocking_tcp(void)
{
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sa);
    CHECK_EQ(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    CHECK_EQ(listen(lfd, 4), 0);
    CHECK_EQ(getsockname(lfd, (struct sockaddr *)&sa, &sl), 0);
    char port[8];
    snprintf(port, sizeof(port), "%u", ntohs(sa.sin_port));

    struct echo_arg a = {.lfd = lfd, .cfg = server_config(), .rc = -1};
    pthread_t th;
    pthread_create(&th, NULL, echo_server, &a);
    tern_config *ccfg = client_config();
    tern_conn *c = NULL;
    int rc = tern_connect(ccfg, "localhost", port, &c);
    CHECK_EQ(rc, TERN_OK);
    if (rc != TERN_OK)
        fprintf(stderr, "tern_connect: %s\n", c && tern_conn_error(c) ? tern_conn_error(c) : "-");
    CHECK(c != NULL);
    CHECK(tern_conn_fd(c) >= 0);
    if (rc == TERN_OK) {
        size_t n = 0;
        CHECK_EQ(tern_write(c, "ping over tern", 14, &n), TERN_OK);
        CHECK_EQ(n, 14);
        char buf[64];
        size_t got = 0;
        while (got < 14 && (rc = tern_read(c, buf + got, sizeof(buf) - got, &n)) == TERN_OK)
            got += n;
        CHECK(got == 14 && !memcmp(buf, "ping over tern", 14));
        /* Then the server's close_notify. */
        CHECK_EQ(tern_read(c, buf, sizeof(buf), &n), TERN_E_CLOSED);
        CHECK_EQ(tern_close(c), TERN_OK);
        CHECK_EQ(tern_conn_fd(c), -1);
    }
    tern_conn_free(c);
    pthread_join(th, NULL);
    CHECK_EQ(a.rc, TERN_OK);
    close(lfd);
    tern_config_free(a.cfg);

    /* Nobody listening: the connection object still says why. */
    c = NULL;
    rc = tern_connect(ccfg, "127.0.0.1", port, &c);
    CHECK_EQ(rc, TERN_E_IO);
    CHECK(c != NULL);
    CHECK_CONTAINS(c ? tern_conn_error(c) : NULL, "cannot connect to '127.0.0.1' port");
    tern_conn_free(c);
    c = NULL;
    rc = tern_connect(ccfg, "no-such-host.invalid", "443", &c);
    CHECK_EQ(rc, TERN_E_IO);
    CHECK_CONTAINS(c ? tern_conn_error(c) : NULL, "cannot resolve 'no-such-host.invalid'");
    tern_conn_free(c);
    tern_config_free(ccfg);
}

static void test_peer_vanishes(void)
{
    /* The peer closes TCP mid-handshake: TERN_E_EOF with a sentence. */
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    tern_config *ccfg = client_config();
    tern_conn *cl = tern_conn_new_client(ccfg, "localhost");
    CHECK_EQ(tern_conn_set_fd(cl, sv[0]), TERN_OK);
    close(sv[1]);
    int rc = tern_handshake(cl);
    CHECK(rc == TERN_E_EOF || rc == TERN_E_IO);
    CHECK(tern_conn_error(cl) != NULL);
    tern_conn_free(cl);
    close(sv[0]);
    tern_config_free(ccfg);

    /* Misuse is refused, not crashed on. */
    size_t n = 1;
    CHECK_EQ(tern_read(NULL, NULL, 0, &n), TERN_E_ARG);
    CHECK_EQ(n, 0);
    CHECK_EQ(tern_conn_set_fd(NULL, 3), TERN_E_ARG);
    CHECK_EQ(tern_conn_fd(NULL), -1);
    tern_conn *none = NULL;
    CHECK_EQ(tern_connect(NULL, "h", "1", &none), TERN_E_ARG);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    make_pki();
    RUN(test_nonblocking);
    RUN(test_nonblocking_share);
    RUN(test_burst_then_silence);
    RUN(test_blocking_tcp);
    RUN(test_peer_vanishes);
    free(ca_pem);
    free(leaf_pem);
    free(leaf_key_pem);
    return test_done();
}
