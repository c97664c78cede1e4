/* Deadlines in the socket API (src/io/io.c): tern_conn_set_timeout for the
 * handshake, a read and a write on blocking descriptors, and
 * tern_connect_timeout for connect and handshake together, each against a
 * peer that stays silent (or stops reading); a call returns
 * TERN_E_TIMEOUT near its deadline, with a sentence naming the step. */
#include "pair.h"
#include "test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A client whose server never says a word. */
static void test_handshake_timeout(void)
{
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    tern_config *cfg = client_config();
    tern_conn *c = tern_conn_new_client(cfg, "localhost");
    CHECK_EQ(tern_conn_set_fd(c, sv[0]), TERN_OK);
    CHECK_EQ(tern_conn_set_timeout(c, 86400001u), TERN_E_ARG);
    CHECK_EQ(tern_conn_set_timeout(c, 200), TERN_OK);
    uint64_t t0 = now_ms();
    CHECK_EQ(tern_handshake(c), TERN_E_TIMEOUT);
    uint64_t took = now_ms() - t0;
    CHECK(took >= 200 && took < 2000);
    CHECK_CONTAINS(tern_conn_error(c), "did not send anything we needed within the 200 ms");
    CHECK_CONTAINS(tern_conn_error(c), "during the handshake");
    tern_conn_free(c);
    tern_config_free(cfg);
    close(sv[0]);
    close(sv[1]);
}

/* The server: a handshake, then `after` (0: silence; 1: read nothing
 * either) until told to stop. */
struct quiet {
    int fd;
    tern_config *cfg;
    volatile int stop;
};

static void *quiet_server(void *p)
{
    struct quiet *q = p;
    tern_conn *s = tern_conn_new_server(q->cfg);
    tern_conn_set_fd(s, q->fd);
    (void)tern_handshake(s);
    while (!q->stop)
        usleep(10000);
    tern_conn_free(s);
    return NULL;
}

static void after_handshake(bool write)
{
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    int small = 4096;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    struct quiet q = {.fd = sv[1], .cfg = server_config("server-p256")};
    pthread_t th;
    pthread_create(&th, NULL, quiet_server, &q);
    tern_config *cfg = client_config();
    tern_conn *c = tern_conn_new_client(cfg, "localhost");
    CHECK_EQ(tern_conn_set_fd(c, sv[0]), TERN_OK);
    CHECK_EQ(tern_conn_set_timeout(c, 300), TERN_OK);
    CHECK_EQ(tern_handshake(c), TERN_OK);
    uint64_t t0 = now_ms();
    if (write) {
        size_t len = 8 << 20, n = 0;
        uint8_t *big = calloc(1, len);
        int rc = TERN_OK;
        for (size_t off = 0; off < len && rc == TERN_OK; off += n)
            rc = tern_write(c, big + off, len - off, &n);
        CHECK_EQ(rc, TERN_E_TIMEOUT);
        CHECK_CONTAINS(tern_conn_error(c), "did not take what we sent within the 300 ms");
        free(big);
    } else {
        uint8_t buf[100];
        size_t n;
        CHECK_EQ(tern_read(c, buf, sizeof(buf), &n), TERN_E_TIMEOUT);
        CHECK_CONTAINS(tern_conn_error(c), "did not send anything we needed within the 300 ms");
        CHECK(!strstr(tern_conn_error(c), "handshake"));
    }
    uint64_t took = now_ms() - t0;
    CHECK(took >= 300 && took < 3000);
    q.stop = 1;
    pthread_join(th, NULL);
    tern_conn_free(c);
    tern_config_free(cfg);
    tern_config_free(q.cfg);
    close(sv[0]);
    close(sv[1]);
}

static void test_read_timeout(void)
{
    after_handshake(false);
}

static void test_write_timeout(void)
{
    after_handshake(true);
}

/* A listener that never accepts: the kernel completes TCP's handshake, and
 * TLS's never starts. One deadline covers both. */
static void test_connect_timeout(void)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK_EQ(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
    CHECK_EQ(listen(ls, 4), 0);
    socklen_t sl = sizeof(sa);
    CHECK_EQ(getsockname(ls, (struct sockaddr *)&sa, &sl), 0);
    char port[16];
    snprintf(port, sizeof(port), "%u", ntohs(sa.sin_port));
    tern_config *cfg = client_config();
    tern_conn *c = NULL;
    CHECK_EQ(tern_connect_timeout(cfg, "127.0.0.1", port, 0, &c), TERN_E_ARG);
    CHECK(c == NULL);
    uint64_t t0 = now_ms();
    CHECK_EQ(tern_connect_timeout(cfg, "127.0.0.1", port, 250, &c), TERN_E_TIMEOUT);
    uint64_t took = now_ms() - t0;
    CHECK(took >= 250 && took < 2000);
    CHECK(c != NULL);
    if (c)
        CHECK_CONTAINS(tern_conn_error(c), "within the 250 ms allowed during the handshake");
    tern_conn_free(c);
    tern_config_free(cfg);
    close(ls);
}

int main(void)
{
    RUN(test_handshake_timeout);
    RUN(test_read_timeout);
    RUN(test_write_timeout);
    RUN(test_connect_timeout);
    return test_done();
}
