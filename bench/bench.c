/* tern-bench: tern against OpenSSL's libssl, the same workloads in the same
 * run, and both against the floor of what libcrypto alone costs.
 *
 *   tern-bench            a full run, bounded by BENCH_SECONDS (default 60)
 *   tern-bench --smoke    a few seconds: checks that every figure comes out
 *                         and is sane (used by ctest; no timing targets)
 *
 * Environment: BENCH_SECONDS (time budget of the timed part), BENCH_ROUNDS
 * (default 9), BENCH_CONNS (idle connections held at once, default 10000).
 *
 * Method. Client and server live in one process and one thread and talk
 * through memory: tern's sans-I/O connection hands its output straight to
 * the peer's tern_conn_feed (application data: tern_conn_feed_read, which
 * opens records into the reader's buffer); OpenSSL's SSL objects sit on a small custom BIO
 * whose two pipes are plain static buffers. Every call into a library is
 * bracketed by CLOCK_THREAD_CPUTIME_ID readings and charged to the side
 * that made it (creating and freeing the connection objects included).
 * Each round runs every workload on both libraries, alternating which goes
 * first; a round's figure is the mean over its iterations, the reported
 * figure the median of the rounds.
 *
 * Memory. Every allocation either library makes goes through one counting
 * allocator: tern_set_allocator for tern's own objects and
 * CRYPTO_set_mem_functions for everything libcrypto and libssl allocate
 * (including the EVP objects tern creates inside libcrypto). Each block
 * carries a header naming the side (client or server) whose call allocated
 * it, so live and peak bytes are kept per side no matter who frees. */
#define _GNU_SOURCE
#include "tern/tern.h"

/* ML-KEM-768 is tern's own (libcrypto 3.0 has none): its floor operations
 * are timed through tern's internal functions. */
#include "crypto/mlkem.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#ifndef TERN_BENCH_DATA
#error "TERN_BENCH_DATA must name the test certificate folder"
#endif
#define DATA       TERN_BENCH_DATA "/"
#define HOST       "localhost"
#define BULK       16384
#define MAX_ROUNDS 15

__attribute__((format(printf, 1, 2))) static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "tern-bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    ERR_print_errors_fp(stderr);
    exit(1);
}

/* ---------------------------------------------------------------------
 * The counting allocator. */
enum side { SIDE_OTHER = 0, SIDE_CLIENT = 1, SIDE_SERVER = 2, N_SIDES = 3 };

/* Per thread (the scaling runs put handshakes on two threads at once): the
 * counters, the clocks' state and the in-memory sockets below. */
static _Thread_local struct {
    enum side cur; /* whose call is running */
    long long live[N_SIDES], peak[N_SIDES];
    unsigned long long allocs[N_SIDES];
    unsigned long long own_allocs[N_SIDES]; /* through tern_set_allocator */
} mem;

struct hdr {
    size_t size;
    size_t side;
}; /* 16 bytes: keeps the block 16-aligned, as malloc's */

static void *count_alloc(size_t n)
{
    struct hdr *h = malloc(sizeof(*h) + n);
    if (!h)
        return NULL;
    h->size = n;
    h->side = mem.cur;
    mem.live[mem.cur] += (long long)n;
    mem.allocs[mem.cur]++;
    if (mem.live[mem.cur] > mem.peak[mem.cur])
        mem.peak[mem.cur] = mem.live[mem.cur];
    return h + 1;
}

static void count_free(void *p)
{
    if (!p)
        return;
    struct hdr *h = (struct hdr *)p - 1;
    mem.live[h->side] -= (long long)h->size;
    free(h);
}

static void *count_realloc(void *p, size_t n)
{
    if (!p)
        return count_alloc(n);
    if (n == 0) {
        count_free(p);
        return NULL;
    }
    struct hdr *old = (struct hdr *)p - 1;
    void *q = count_alloc(n);
    if (!q)
        return NULL;
    memcpy(q, p, old->size < n ? old->size : n);
    count_free(p);
    return q;
}

static void *cry_malloc_hook(size_t n, const char *file, int line)
{
    return count_alloc(n);
}
static void *cry_realloc_hook(void *p, size_t n, const char *file, int line)
{
    return count_realloc(p, n);
}
static void cry_free_hook(void *p, const char *file, int line)
{
    count_free(p);
}
static void *tern_malloc_hook(size_t n, void *arg)
{
    mem.own_allocs[mem.cur]++;
    return count_alloc(n);
}
static void tern_free_hook(void *p, void *arg)
{
    count_free(p);
}

/* ---------------------------------------------------------------------
 * CPU clocks. */
static double cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Per-side CPU accounting: the current side is also the allocation owner. */
/* Per library (the handshake loops interleave the two) and per side. */
static _Thread_local int cur_lib;
/* Slot 2 is tern's hybrid handshake, timed in the same loop as slot 0's
 * X25519 one. */
#define PQ_SLOT 2
static _Thread_local double side_us[3][N_SIDES];
static _Thread_local unsigned long side_calls[3][N_SIDES];
static _Thread_local double mark;
static _Thread_local bool timing = true; /* off: enter/leave only attribute memory */
static bool clocks_off = false;          /* BENCH_NO_CLOCKS: never read the clock per call */
static void enter(enum side s)
{
    mem.cur = s;
    if (timing && !clocks_off)
        mark = cpu_us();
}
static void leave(void)
{
    if (timing && !clocks_off) {
        side_us[cur_lib][mem.cur] += cpu_us() - mark;
        side_calls[cur_lib][mem.cur]++;
    }
    mem.cur = SIDE_OTHER;
}

/* The thread CPU clock is a system call (about a microsecond here), and a
 * bracket around an empty call still measures part of it. clock_cost is
 * that part, measured at start and subtracted per bracket, so a library
 * that is called more often is not charged for the clock. */
static double clock_cost;
static void calibrate_clock(void)
{
    double best = 1e9;
    for (int r = 0; r < 5; r++) {
        side_us[0][SIDE_OTHER] = 0;
        for (int i = 0; i < 2000; i++) {
            enter(SIDE_OTHER);
            leave();
        }
        double c = side_us[0][SIDE_OTHER] / 2000;
        if (c < best)
            best = c;
    }
    clock_cost = best;
}

static void reset_sides(void)
{
    memset(side_us, 0, sizeof(side_us));
    memset(side_calls, 0, sizeof(side_calls));
}

/* net_us: a side's CPU since reset_sides, without the clock's own cost. */
static double net_us(int lib, enum side s)
{
    return side_us[lib][s] - side_calls[lib][s] * clock_cost;
}

/* ---------------------------------------------------------------------
 * tern over memory. */
struct tpair {
    tern_conn *c, *s;
};

static void tern_check(tern_conn *c, const char *what)
{
    if (!c)
        die("%s: out of memory", what);
    if (tern_conn_status(c) != TERN_OK)
        die("%s: %s", what, tern_conn_error(c));
}

/* tern_move hands what `from` has to send to `to`; returns bytes moved. When
 * `drop`, the bytes are discarded instead (the client ignores tickets). */
static _Thread_local uint8_t wire[1 << 18]; /* the "socket" between tern's two sides */

static size_t tern_move(tern_conn *from, enum side fs, tern_conn *to, enum side ts, bool drop)
{
    /* The sender's output goes to `wire` (the socket write, charged to the
     * sender as OpenSSL's BIO write is), then the receiver is fed: one clock
     * bracket per side and step, as for OpenSSL. */
    size_t moved = 0;
    for (;;) {
        const uint8_t *out;
        size_t len;
        enter(fs);
        int rc = tern_conn_output(from, &out, &len);
        if (rc == TERN_OK && len > 0) {
            if (len > sizeof(wire))
                len = sizeof(wire);
            if (!drop)
                memcpy(wire, out, len);
            tern_conn_output_done(from, len);
        }
        leave();
        if (rc != TERN_OK || len == 0)
            break;
        if (!drop) {
            size_t used;
            enter(ts);
            rc = tern_conn_feed(to, wire, len, &used);
            leave();
            if (rc != TERN_OK && rc != TERN_WANT_READ)
                tern_check(to, "feed");
            if (used != len)
                die("tern_conn_feed took %zu of %zu bytes", used, len);
        }
        moved += len;
    }
    return moved;
}

/* tern_handshake runs a full exchange; with `keep_tickets` false the
 * server's post-handshake messages (its tickets) are not delivered. */
static void tern_hs(struct tpair *p, tern_config *ccfg, tern_config *scfg, bool keep_tickets)
{
    enter(SIDE_CLIENT);
    p->c = tern_conn_new_client(ccfg, HOST);
    leave();
    enter(SIDE_SERVER);
    p->s = tern_conn_new_server(scfg);
    leave();
    tern_check(p->c, "client");
    tern_check(p->s, "server");
    for (int i = 0; i < 20; i++) {
        size_t a = tern_move(p->c, SIDE_CLIENT, p->s, SIDE_SERVER, false);
        bool drop = !keep_tickets && tern_conn_handshake_done(p->c);
        size_t b = tern_move(p->s, SIDE_SERVER, p->c, SIDE_CLIENT, drop);
        if (a == 0 && b == 0)
            break;
    }
    if (!tern_conn_handshake_done(p->c) || !tern_conn_handshake_done(p->s)) {
        tern_check(p->c, "client handshake");
        tern_check(p->s, "server handshake");
        die("tern handshake did not complete");
    }
}

static void tern_pair_free(struct tpair *p)
{
    enter(SIDE_CLIENT);
    tern_conn_free(p->c);
    leave();
    enter(SIDE_SERVER);
    tern_conn_free(p->s);
    leave();
    p->c = p->s = NULL;
}

/* tern_send: one side writes len bytes, the other reads them all. */
static void tern_send(tern_conn *from, enum side fs, tern_conn *to, enum side ts,
                      const uint8_t *msg, uint8_t *got, size_t len)
{
    size_t n;
    enter(fs);
    int rc = tern_conn_write(from, msg, len, &n);
    leave();
    if (rc != TERN_OK || n != len)
        die("tern write: %s", tern_conn_error(from));
    /* The records go to `wire` (the socket write, charged to the sender);
     * the receiver copies them to its own buffer (the socket read: OpenSSL's
     * BIO read copies too) and gives them to tern_conn_feed_read, which
     * opens whole records straight into the reader's buffer. */
    static uint8_t rx[sizeof(wire)];
    size_t have = 0;
    while (have < len) {
        const uint8_t *out;
        size_t olen = 0, used;
        enter(fs);
        if (tern_conn_output(from, &out, &olen) == TERN_OK && olen > 0) {
            if (olen > sizeof(wire))
                olen = sizeof(wire);
            memcpy(wire, out, olen);
            tern_conn_output_done(from, olen);
        }
        leave();
        enter(ts);
        memcpy(rx, wire, olen);
        rc = tern_conn_feed_read(to, rx, olen, &used, got + have, len - have, &n);
        leave();
        if (rc == TERN_OK)
            have += n;
        else if (rc != TERN_WANT_READ)
            die("tern read: %s", tern_conn_error(to));
        else if (olen == 0)
            die("tern read: data lost");
    }
}

/* tern_bulk: the client writes len bytes, the server reads them all. */
static void tern_bulk(struct tpair *p, const uint8_t *msg, uint8_t *got, size_t len)
{
    tern_send(p->c, SIDE_CLIENT, p->s, SIDE_SERVER, msg, got, len);
}

/* ---------------------------------------------------------------------
 * OpenSSL over memory: a BIO on two static pipes. */
struct pipe {
    uint8_t buf[1 << 18];
    size_t r, w;
};
static _Thread_local struct pipe c2s, s2c;
struct bio_ends {
    struct pipe *in, *out;
};
static _Thread_local struct bio_ends client_ends, server_ends;
static BIO_METHOD *pipe_meth;

static int pipe_write(BIO *b, const char *data, int len)
{
    struct pipe *p = ((struct bio_ends *)BIO_get_data(b))->out;
    if (p->r == p->w)
        p->r = p->w = 0;
    if ((size_t)len > sizeof(p->buf) - p->w)
        die("pipe full");
    memcpy(p->buf + p->w, data, (size_t)len);
    p->w += (size_t)len;
    return len;
}

static int pipe_read(BIO *b, char *data, int len)
{
    struct pipe *p = ((struct bio_ends *)BIO_get_data(b))->in;
    BIO_clear_retry_flags(b);
    size_t have = p->w - p->r;
    if (have == 0) {
        BIO_set_retry_read(b);
        return -1;
    }
    size_t n = have < (size_t)len ? have : (size_t)len;
    memcpy(data, p->buf + p->r, n);
    p->r += n;
    return (int)n;
}

static long pipe_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_PENDING:
        return (long)(((struct bio_ends *)BIO_get_data(b))->in->w -
                      ((struct bio_ends *)BIO_get_data(b))->in->r);
    case BIO_CTRL_WPENDING:
        return 0;
    default:
        return 0;
    }
}

static int pipe_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static BIO *pipe_bio(struct bio_ends *ends)
{
    BIO *b = BIO_new(pipe_meth);
    if (!b)
        die("BIO_new");
    BIO_set_data(b, ends);
    return b;
}

static bool pipes_empty(void)
{
    return c2s.r == c2s.w && s2c.r == s2c.w;
}

struct opair {
    SSL *c, *s;
};

static SSL_SESSION *ossl_last_session;
static unsigned long ossl_sessions_seen;
static int ossl_new_session(SSL *ssl, SSL_SESSION *sess)
{
    ossl_sessions_seen++;
    if (ossl_last_session)
        SSL_SESSION_free(ossl_last_session);
    ossl_last_session = sess;
    return 1; /* we keep the reference */
}

static void ossl_step(SSL *ssl, enum side s, const char *who)
{
    enter(s);
    int rc = SSL_do_handshake(ssl);
    leave();
    if (rc <= 0) {
        int e = SSL_get_error(ssl, rc);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
            die("OpenSSL %s handshake failed (SSL error %d)", who, e);
    }
}

/* ossl_handshake mirrors tern_handshake. With `session` the client offers
 * it; with `keep_tickets` the client reads the server's tickets. */
static void ossl_handshake(struct opair *p, SSL_CTX *cctx, SSL_CTX *sctx, SSL_SESSION *session,
                           bool keep_tickets)
{
    client_ends = (struct bio_ends){&s2c, &c2s};
    server_ends = (struct bio_ends){&c2s, &s2c};
    enter(SIDE_CLIENT);
    p->c = SSL_new(cctx);
    if (p->c) {
        SSL_set_bio(p->c, pipe_bio(&client_ends), pipe_bio(&client_ends));
        SSL_set_connect_state(p->c);
        SSL_set_tlsext_host_name(p->c, HOST);
        SSL_set1_host(p->c, HOST);
        if (session)
            SSL_set_session(p->c, session);
    }
    leave();
    enter(SIDE_SERVER);
    p->s = SSL_new(sctx);
    if (p->s) {
        SSL_set_bio(p->s, pipe_bio(&server_ends), pipe_bio(&server_ends));
        SSL_set_accept_state(p->s);
    }
    leave();
    if (!p->c || !p->s)
        die("SSL_new");
    for (int i = 0; i < 20; i++) {
        if (!SSL_is_init_finished(p->c))
            ossl_step(p->c, SIDE_CLIENT, "client");
        if (!SSL_is_init_finished(p->s))
            ossl_step(p->s, SIDE_SERVER, "server");
        if (SSL_is_init_finished(p->c) && SSL_is_init_finished(p->s))
            break;
    }
    if (!SSL_is_init_finished(p->c) || !SSL_is_init_finished(p->s))
        die("OpenSSL handshake did not complete");
    if (session && !SSL_session_reused(p->c))
        die("OpenSSL did not resume (resumable %d, seen %lu)", SSL_SESSION_is_resumable(session),
            ossl_sessions_seen);
    if (keep_tickets) {
        uint8_t b;
        enter(SIDE_CLIENT);
        int rc = SSL_read(p->c, &b, 1);
        leave();
        if (rc > 0 || SSL_get_error(p->c, rc) != SSL_ERROR_WANT_READ)
            die("OpenSSL client: unexpected data after the handshake");
    }
    s2c.r = s2c.w = 0; /* tickets not read are dropped */
    if (!pipes_empty())
        die("OpenSSL left bytes in flight");
}

static void ossl_pair_free(struct opair *p)
{
    enter(SIDE_CLIENT);
    /* Freed without close_notify, OpenSSL would mark the session not
     * resumable; say the connection ended cleanly. */
    SSL_set_shutdown(p->c, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_free(p->c);
    leave();
    enter(SIDE_SERVER);
    SSL_free(p->s);
    leave();
    p->c = p->s = NULL;
}

static void ossl_send(SSL *from, enum side fs, SSL *to, enum side ts, const uint8_t *msg,
                      uint8_t *got, size_t len)
{
    enter(fs);
    int rc = SSL_write(from, msg, (int)len);
    leave();
    if (rc != (int)len)
        die("SSL_write");
    size_t have = 0;
    while (have < len) {
        enter(ts);
        rc = SSL_read(to, got + have, (int)(len - have));
        leave();
        if (rc <= 0)
            die("SSL_read (error %d)", SSL_get_error(to, rc));
        have += (size_t)rc;
    }
}

static void ossl_bulk(struct opair *p, const uint8_t *msg, uint8_t *got, size_t len)
{
    ossl_send(p->c, SIDE_CLIENT, p->s, SIDE_SERVER, msg, got, len);
}

/* ---------------------------------------------------------------------
 * Configurations. */
/* The browsers' offer: X25519MLKEM768 first with an X25519 share beside it,
 * X25519 as the fallback; the server prefers the hybrid. */
static const uint16_t pq_groups[2] = {TERN_GROUP_X25519MLKEM768, TERN_GROUP_X25519};

static tern_config *tern_server_cfg(const char *name, bool pq)
{
    char chain[512], key[512];
    snprintf(chain, sizeof(chain), DATA "%s-chain.pem", name);
    snprintf(key, sizeof(key), DATA "%s.key", name);
    static const uint8_t ticket_secret[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                              12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                              23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
    uint16_t group = TERN_GROUP_X25519;
    tern_config *cfg = tern_config_new();
    if (!cfg || tern_config_set_cert_chain_file(cfg, chain, key) != TERN_OK ||
        (pq ? tern_config_set_groups(cfg, pq_groups, 2) : tern_config_set_groups(cfg, &group, 1)) !=
            TERN_OK ||
        tern_config_set_versions(cfg, TERN_TLS13, TERN_TLS13) != TERN_OK ||
        tern_config_set_ticket_key(cfg, ticket_secret, sizeof(ticket_secret)) != TERN_OK ||
        tern_config_set_tickets(cfg, 2, 86400, 86400) != TERN_OK)
        die("tern server config: %s", cfg ? tern_config_error(cfg) : "out of memory");
    return cfg;
}

static unsigned long tern_sessions_seen;
static void tern_session_cb(void *arg, const char *server_name, const uint8_t *s, size_t len)
{
    tern_sessions_seen++;
}

static tern_config *tern_client_cfg(uint16_t suite, bool pq)
{
    uint16_t group = TERN_GROUP_X25519;
    tern_config *cfg = tern_config_new();
    if (!cfg || tern_config_add_trust_file(cfg, DATA "ca.pem") != TERN_OK ||
        (pq ? tern_config_set_groups(cfg, pq_groups, 2) : tern_config_set_groups(cfg, &group, 1)) !=
            TERN_OK ||
        tern_config_set_cipher_suites(cfg, &suite, 1) != TERN_OK ||
        tern_config_set_versions(cfg, TERN_TLS13, TERN_TLS13) != TERN_OK)
        die("tern client config: %s", cfg ? tern_config_error(cfg) : "out of memory");
    tern_config_set_session_callback(cfg, tern_session_cb, NULL);
    return cfg;
}

static SSL_CTX *ossl_server_ctx(const char *name)
{
    char chain[512], key[512];
    snprintf(chain, sizeof(chain), DATA "%s-chain.pem", name);
    snprintf(key, sizeof(key), DATA "%s.key", name);
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
        !SSL_CTX_use_certificate_chain_file(ctx, chain) ||
        !SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) ||
        !SSL_CTX_set1_groups_list(ctx, "X25519") || !SSL_CTX_set_num_tickets(ctx, 2))
        die("OpenSSL server context");
    /* Stateless tickets only: no server-side session cache growing. */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    return ctx;
}

static SSL_CTX *ossl_client_ctx(const char *suite)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
        !SSL_CTX_set_ciphersuites(ctx, suite) || !SSL_CTX_set1_groups_list(ctx, "X25519") ||
        !SSL_CTX_load_verify_file(ctx, DATA "ca.pem"))
        die("OpenSSL client context");
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, ossl_new_session);
    return ctx;
}

/* ---------------------------------------------------------------------
 * Results. */
struct fig {
    double v[MAX_ROUNDS];
    int n;
};
static void fig_add(struct fig *f, double x)
{
    if (f->n < MAX_ROUNDS)
        f->v[f->n++] = x;
}
static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
static double median(const struct fig *f)
{
    if (f->n == 0)
        return NAN;
    double t[MAX_ROUNDS];
    memcpy(t, f->v, sizeof(double) * (size_t)f->n);
    qsort(t, (size_t)f->n, sizeof(double), cmp_d);
    return f->n % 2 ? t[f->n / 2] : (t[f->n / 2 - 1] + t[f->n / 2]) / 2;
}

enum lib { TERN = 0, OSSL = 1, N_LIBS = 2 };
static const char *lib_name[N_LIBS] = {"tern", "openssl"};

enum hs_kind { HS_ECDSA = 0, HS_RSA = 1, HS_RESUME = 2, N_HS = 3 };
static const char *hs_name[N_HS] = {"hs_ecdsa", "hs_rsa", "hs_resumed"};
enum bulk_kind { BULK_AESGCM = 0, BULK_CHACHA = 1, N_BULK = 2 };
static const char *bulk_name[N_BULK] = {"bulk_aes128gcm", "bulk_chacha20"};

static struct {
    struct fig server_us[N_HS], client_us[N_HS], hs_per_s[N_HS];
    struct fig pair_us[N_HS]; /* both sides, timed as a whole */
    struct fig mbps[N_BULK];
    struct fig tickets; /* sessions the client got per resumed handshake */
} res[N_LIBS];

/* ---------------------------------------------------------------------
 * The floor: libcrypto alone, objects fetched and keys parsed up front. */
enum floor_op {
    F_X25519_KEYGEN,
    F_X25519_DERIVE,
    F_ECDSA_SIGN,
    F_ECDSA_VERIFY,
    F_RSA_SIGN,
    F_RSA_VERIFY,
    F_MLKEM_KEYGEN, /* tern's own ML-KEM-768, timed in run_pq's loop */
    F_MLKEM_ENCAPS,
    F_MLKEM_DECAPS,
    N_FLOOR_OPS
};
static const char *floor_name[N_FLOOR_OPS] = {
    "x25519_keygen",     "x25519_derive",    "ecdsa_p256_sign",
    "ecdsa_p256_verify", "rsa2048_pss_sign", "rsa2048_pss_verify",
    "mlkem768_keygen",   "mlkem768_encaps",  "mlkem768_decaps"};
#define N_LIBCRYPTO_OPS F_MLKEM_KEYGEN
static struct fig floor_us[N_FLOOR_OPS];
static struct fig aead_mbps[N_BULK];

static EVP_PKEY *load_key(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die("open %s", path);
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!k)
        die("read key %s", path);
    return k;
}

static struct {
    EVP_PKEY_CTX *x_gen;
    EVP_PKEY *x_peer;
    EVP_PKEY *ec, *rsa;
    EVP_PKEY_CTX *ec_sign, *ec_verify, *rsa_sign, *rsa_verify;
    uint8_t digest[32];
    uint8_t ec_sig[80], rsa_sig[256];
    size_t ec_sig_len, rsa_sig_len;
    EVP_CIPHER *cipher[N_BULK];
    EVP_CIPHER_CTX *enc[N_BULK], *dec[N_BULK];
    uint8_t mlkem_ek[MLKEM768_EK_LEN], mlkem_dk[MLKEM768_DK_LEN], mlkem_ct[MLKEM768_CT_LEN];
} fl;

static void floor_setup(void)
{
    fl.x_gen = EVP_PKEY_CTX_new_from_name(NULL, "X25519", NULL);
    if (!fl.x_gen || EVP_PKEY_keygen_init(fl.x_gen) <= 0 ||
        EVP_PKEY_keygen(fl.x_gen, &fl.x_peer) <= 0)
        die("X25519 setup");
    fl.ec = load_key(DATA "server-p256.key");
    fl.rsa = load_key(DATA "server-rsa.key");
    /* The TLS 1.3 CertificateVerify input is 130 bytes; its SHA-256 is what
     * the key signs. */
    uint8_t content[130];
    memset(content, 0x20, 64);
    memcpy(content + 64, "TLS 1.3, server CertificateVerify", 33);
    content[97] = 0;
    memset(content + 98, 0xab, 32);
    unsigned dl = 0;
    EVP_Digest(content, sizeof(content), fl.digest, &dl, EVP_sha256(), NULL);

    fl.ec_sign = EVP_PKEY_CTX_new_from_pkey(NULL, fl.ec, NULL);
    fl.ec_verify = EVP_PKEY_CTX_new_from_pkey(NULL, fl.ec, NULL);
    if (!fl.ec_sign || EVP_PKEY_sign_init(fl.ec_sign) <= 0 ||
        EVP_PKEY_CTX_set_signature_md(fl.ec_sign, EVP_sha256()) <= 0 ||
        EVP_PKEY_verify_init(fl.ec_verify) <= 0 ||
        EVP_PKEY_CTX_set_signature_md(fl.ec_verify, EVP_sha256()) <= 0)
        die("ECDSA setup");
    fl.ec_sig_len = sizeof(fl.ec_sig);
    if (EVP_PKEY_sign(fl.ec_sign, fl.ec_sig, &fl.ec_sig_len, fl.digest, 32) <= 0)
        die("ECDSA sign");

    fl.rsa_sign = EVP_PKEY_CTX_new_from_pkey(NULL, fl.rsa, NULL);
    fl.rsa_verify = EVP_PKEY_CTX_new_from_pkey(NULL, fl.rsa, NULL);
    if (!fl.rsa_sign || EVP_PKEY_sign_init(fl.rsa_sign) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(fl.rsa_sign, RSA_PKCS1_PSS_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_signature_md(fl.rsa_sign, EVP_sha256()) <= 0 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(fl.rsa_sign, RSA_PSS_SALTLEN_DIGEST) <= 0 ||
        EVP_PKEY_verify_init(fl.rsa_verify) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(fl.rsa_verify, RSA_PKCS1_PSS_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_signature_md(fl.rsa_verify, EVP_sha256()) <= 0 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(fl.rsa_verify, RSA_PSS_SALTLEN_DIGEST) <= 0)
        die("RSA setup");
    fl.rsa_sig_len = sizeof(fl.rsa_sig);
    if (EVP_PKEY_sign(fl.rsa_sign, fl.rsa_sig, &fl.rsa_sig_len, fl.digest, 32) <= 0)
        die("RSA sign");

    uint8_t ss[MLKEM_SS_LEN];
    if (mlkem768_keygen(fl.mlkem_ek, fl.mlkem_dk) != TERN_OK ||
        mlkem768_encaps(fl.mlkem_ct, ss, fl.mlkem_ek, MLKEM768_EK_LEN) != TERN_OK)
        die("ML-KEM-768 setup");

    const char *names[N_BULK] = {"AES-128-GCM", "ChaCha20-Poly1305"};
    static const uint8_t key[32] = {7}, iv[12] = {9};
    for (int i = 0; i < N_BULK; i++) {
        fl.cipher[i] = EVP_CIPHER_fetch(NULL, names[i], NULL);
        fl.enc[i] = EVP_CIPHER_CTX_new();
        fl.dec[i] = EVP_CIPHER_CTX_new();
        if (!fl.cipher[i] || !fl.enc[i] || !fl.dec[i] ||
            !EVP_EncryptInit_ex2(fl.enc[i], fl.cipher[i], key, iv, NULL) ||
            !EVP_DecryptInit_ex2(fl.dec[i], fl.cipher[i], key, iv, NULL))
            die("AEAD setup %s", names[i]);
    }
}

static void floor_op(enum floor_op op)
{
    switch (op) {
    case F_X25519_KEYGEN: {
        EVP_PKEY *k = NULL;
        uint8_t pub[32];
        size_t pl = sizeof(pub);
        if (EVP_PKEY_keygen(fl.x_gen, &k) <= 0 || !EVP_PKEY_get_raw_public_key(k, pub, &pl))
            die("X25519 keygen");
        EVP_PKEY_free(k);
        break;
    }
    case F_X25519_DERIVE: {
        /* What a handshake must do with a peer share: import it, derive. */
        uint8_t pub[32], out[32];
        size_t pl = sizeof(pub), ol = sizeof(out);
        EVP_PKEY_get_raw_public_key(fl.x_peer, pub, &pl);
        EVP_PKEY *peer = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, pub, pl);
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, fl.x_peer, NULL);
        if (!peer || !ctx || EVP_PKEY_derive_init(ctx) <= 0 ||
            EVP_PKEY_derive_set_peer(ctx, peer) <= 0 || EVP_PKEY_derive(ctx, out, &ol) <= 0)
            die("X25519 derive");
        EVP_PKEY_CTX_free(ctx);
        EVP_PKEY_free(peer);
        break;
    }
    case F_ECDSA_SIGN: {
        uint8_t sig[80];
        size_t sl = sizeof(sig);
        if (EVP_PKEY_sign(fl.ec_sign, sig, &sl, fl.digest, 32) <= 0)
            die("ECDSA sign");
        break;
    }
    case F_ECDSA_VERIFY:
        if (EVP_PKEY_verify(fl.ec_verify, fl.ec_sig, fl.ec_sig_len, fl.digest, 32) != 1)
            die("ECDSA verify");
        break;
    case F_RSA_SIGN: {
        uint8_t sig[256];
        size_t sl = sizeof(sig);
        if (EVP_PKEY_sign(fl.rsa_sign, sig, &sl, fl.digest, 32) <= 0)
            die("RSA sign");
        break;
    }
    case F_RSA_VERIFY:
        if (EVP_PKEY_verify(fl.rsa_verify, fl.rsa_sig, fl.rsa_sig_len, fl.digest, 32) != 1)
            die("RSA verify");
        break;
    /* What a hybrid handshake asks of ML-KEM: the client makes a key pair
     * and decapsulates, the server encapsulates (its ek check included). */
    case F_MLKEM_KEYGEN: {
        static uint8_t ek[MLKEM768_EK_LEN], dk[MLKEM768_DK_LEN];
        if (mlkem768_keygen(ek, dk) != TERN_OK)
            die("ML-KEM-768 keygen");
        break;
    }
    case F_MLKEM_ENCAPS: {
        static uint8_t ct[MLKEM768_CT_LEN];
        uint8_t ss[MLKEM_SS_LEN];
        if (mlkem768_encaps(ct, ss, fl.mlkem_ek, MLKEM768_EK_LEN) != TERN_OK)
            die("ML-KEM-768 encaps");
        break;
    }
    case F_MLKEM_DECAPS: {
        uint8_t ss[MLKEM_SS_LEN];
        if (mlkem768_decaps(ss, fl.mlkem_dk, MLKEM768_DK_LEN, fl.mlkem_ct, MLKEM768_CT_LEN) !=
            TERN_OK)
            die("ML-KEM-768 decaps");
        break;
    }
    default:
        break;
    }
}

/* aead_record seals and opens one TLS 1.3 record of BULK bytes (+1 for the
 * content type) with its 5-byte header as AAD: the least a record costs. */
static void aead_record(int i, uint8_t *buf, uint64_t seq)
{
    uint8_t nonce[12] = {0}, aad[5] = {23, 3, 3, (BULK + 17) >> 8, (BULK + 17) & 0xff}, tag[16];
    for (int b = 0; b < 8; b++)
        nonce[11 - b] = (uint8_t)(seq >> (8 * b));
    int n = 0, len = BULK + 1;
    if (!EVP_EncryptInit_ex2(fl.enc[i], NULL, NULL, nonce, NULL) ||
        !EVP_EncryptUpdate(fl.enc[i], NULL, &n, aad, 5) ||
        !EVP_EncryptUpdate(fl.enc[i], buf, &n, buf, len) ||
        !EVP_EncryptFinal_ex(fl.enc[i], buf + n, &n) ||
        !EVP_CIPHER_CTX_ctrl(fl.enc[i], EVP_CTRL_AEAD_GET_TAG, 16, tag))
        die("seal");
    if (!EVP_DecryptInit_ex2(fl.dec[i], NULL, NULL, nonce, NULL) ||
        !EVP_DecryptUpdate(fl.dec[i], NULL, &n, aad, 5) ||
        !EVP_DecryptUpdate(fl.dec[i], buf, &n, buf, len) ||
        !EVP_CIPHER_CTX_ctrl(fl.dec[i], EVP_CTRL_AEAD_SET_TAG, 16, tag) ||
        EVP_DecryptFinal_ex(fl.dec[i], buf + n, &n) <= 0)
        die("open");
}

/* ---------------------------------------------------------------------
 * Workloads. Each runs for about `slice` seconds of wall time. */
static double slice = 1.0;
static int min_iters = 20;
static long last_iters; /* iterations of the last timed loop (BENCH_PROFILE prints it) */

static tern_config *t_scfg[2], *t_ccfg_aes, *t_ccfg_chacha, *t_ccfg_resume, *t_ccfg_mem;
static tern_config *t_scfg_pq, *t_ccfg_pq;
static SSL_CTX *o_sctx[2], *o_cctx_aes, *o_cctx_chacha, *o_cctx_resume;

/* one_hs runs one handshake of the workload on lib and frees it. */
static void one_hs(enum lib lib, enum hs_kind kind)
{
    int sidx = kind == HS_RSA ? 1 : 0;
    cur_lib = lib;
    if (lib == TERN) {
        struct tpair p;
        tern_config *ccfg = kind == HS_RESUME ? t_ccfg_resume : t_ccfg_aes;
        tern_hs(&p, ccfg, t_scfg[sidx], kind == HS_RESUME);
        if (kind == HS_RESUME && !tern_conn_resumed(p.c))
            die("tern did not resume");
        if (kind != HS_RESUME && tern_conn_resumed(p.c))
            die("tern resumed in a full-handshake run");
        tern_pair_free(&p);
    } else {
        struct opair p;
        ossl_handshake(&p, kind == HS_RESUME ? o_cctx_resume : o_cctx_aes, o_sctx[sidx],
                       kind == HS_RESUME ? ossl_last_session : NULL, kind == HS_RESUME);
        ossl_pair_free(&p);
    }
}

/* The floor is measured in the same loop as the handshakes, one of each
 * operation per iteration, so both see the same moments of this shared
 * machine. */
static struct fig floor_srv[N_HS], floor_cli[N_HS];
static double fl_sum[N_FLOOR_OPS];
static long fl_n[N_FLOOR_OPS];

static double timed_floor_op(enum floor_op op)
{
    double t0 = cpu_us();
    floor_op(op);
    double us = cpu_us() - t0 - clock_cost;
    fl_sum[op] += us;
    fl_n[op]++;
    return us;
}

static void floor_once(enum hs_kind kind, double *srv, double *cli)
{
    double kx = timed_floor_op(F_X25519_KEYGEN) + timed_floor_op(F_X25519_DERIVE);
    if (kind == HS_ECDSA) {
        *srv += kx + timed_floor_op(F_ECDSA_SIGN);
        *cli += kx + 3 * timed_floor_op(F_ECDSA_VERIFY);
    } else if (kind == HS_RSA) {
        *srv += kx + timed_floor_op(F_RSA_SIGN);
        *cli += kx + timed_floor_op(F_RSA_VERIFY) + 2 * timed_floor_op(F_ECDSA_VERIFY);
    } else {
        *srv += kx;
        *cli += kx;
    }
}

/* Ratios are taken per round between figures measured in one interleaved
 * loop, and their median reported. */
static struct fig rt_srv_ossl[N_HS], rt_srv_floor[N_HS], rt_cli_ossl[N_HS], rt_cli_floor[N_HS],
    rt_pair_ossl[N_HS], rt_pair_floor[N_HS], rt_bulk_ossl[N_BULK], rt_bulk_raw[N_BULK];

/* run_hs: the workload on the libraries in `libs` (a bit per library),
 * alternating one handshake each, with the floor in the same loop; then
 * again without per-call clocks. */
static void run_hs(unsigned libs, enum hs_kind kind)
{
    bool both = libs == 3;
    reset_sides();
    long iters = 0;
    unsigned long s0[2] = {tern_sessions_seen, ossl_sessions_seen};
    double fsrv = 0, fcli = 0;
    double t0 = wall_s();
    do {
        for (int j = 0; j < N_LIBS; j++) {
            int lib = (int)((j + iters) % 2);
            if (libs & (1u << lib))
                one_hs((enum lib)lib, kind);
        }
        if (both)
            floor_once(kind, &fsrv, &fcli);
        iters++;
    } while (wall_s() - t0 < (both ? 2 : 1) * slice || iters < min_iters);
    last_iters = iters;
    double su[2], cu[2], pu[2] = {0, 0};
    for (int lib = 0; lib < N_LIBS; lib++) {
        if (!(libs & (1u << lib)))
            continue;
        su[lib] = net_us(lib, SIDE_SERVER) / iters;
        cu[lib] = net_us(lib, SIDE_CLIENT) / iters;
        fig_add(&res[lib].server_us[kind], su[lib]);
        fig_add(&res[lib].client_us[kind], cu[lib]);
        if (kind == HS_RESUME)
            fig_add(&res[lib].tickets,
                    (double)((lib == TERN ? tern_sessions_seen : ossl_sessions_seen) - s0[lib]) /
                        iters);
    }
    /* The same again without a clock reading per call: the CPU of a whole
     * handshake, both sides, free of the clock's cost. */
    timing = false;
    long n2 = 0;
    double w0 = wall_s();
    do {
        for (int j = 0; j < N_LIBS; j++) {
            int lib = (int)((j + n2) % 2);
            if (!(libs & (1u << lib)))
                continue;
            double c0 = cpu_us();
            one_hs((enum lib)lib, kind);
            pu[lib] += cpu_us() - c0 - clock_cost;
        }
        n2++;
    } while (wall_s() - w0 < slice || n2 < min_iters / 2);
    timing = true;
    for (int lib = 0; lib < N_LIBS; lib++) {
        if (!(libs & (1u << lib)))
            continue;
        pu[lib] /= n2;
        fig_add(&res[lib].pair_us[kind], pu[lib]);
        fig_add(&res[lib].hs_per_s[kind], 1e6 / pu[lib]);
    }
    if (!both)
        return;
    fsrv /= iters;
    fcli /= iters;
    fig_add(&floor_srv[kind], fsrv);
    fig_add(&floor_cli[kind], fcli);
    fig_add(&rt_srv_ossl[kind], su[TERN] / su[OSSL]);
    fig_add(&rt_cli_ossl[kind], cu[TERN] / cu[OSSL]);
    fig_add(&rt_pair_ossl[kind], pu[TERN] / pu[OSSL]);
    fig_add(&rt_srv_floor[kind], su[TERN] / fsrv);
    fig_add(&rt_cli_floor[kind], cu[TERN] / fcli);
    fig_add(&rt_pair_floor[kind], pu[TERN] / (fsrv + fcli));
    for (int op = 0; op < N_FLOOR_OPS; op++) {
        if (fl_n[op])
            fig_add(&floor_us[op], fl_sum[op] / fl_n[op]);
        fl_sum[op] = 0;
        fl_n[op] = 0;
    }
}

/* ---------------------------------------------------------------------
 * The browsers' handshake: X25519MLKEM768 against X25519, both tern (OpenSSL
 * 3.0 has no ML-KEM), ECDSA P-256, full TLS 1.3. One loop alternates a
 * hybrid and an X25519 handshake and times the ML-KEM operations and an
 * X25519 key generation beside them, so the ratios compare one moment of the
 * machine. */
static struct {
    struct fig server_us, client_us, pair_us;       /* hybrid */
    struct fig x_server_us, x_client_us, x_pair_us; /* X25519, same loop */
    struct fig rt_srv, rt_cli, rt_pair;             /* hybrid / X25519, per round */
    struct fig op_us[4];                            /* x25519_keygen, mlkem keygen/encaps/decaps */
    struct fig rt_op[3];                            /* each ML-KEM op / x25519_keygen, per round */
} pq;
static const enum floor_op pq_ops[4] = {F_X25519_KEYGEN, F_MLKEM_KEYGEN, F_MLKEM_ENCAPS,
                                        F_MLKEM_DECAPS};

static void one_pq(bool hybrid)
{
    struct tpair p;
    cur_lib = hybrid ? PQ_SLOT : TERN;
    tern_hs(&p, hybrid ? t_ccfg_pq : t_ccfg_aes, hybrid ? t_scfg_pq : t_scfg[0], false);
    uint16_t want = hybrid ? TERN_GROUP_X25519MLKEM768 : TERN_GROUP_X25519;
    if (tern_conn_group(p.c) != want || tern_conn_group(p.s) != want)
        die("tern agreed on group 0x%04x, not 0x%04x", tern_conn_group(p.c), want);
    tern_pair_free(&p);
}

static void run_pq(void)
{
    reset_sides();
    double op_sum[4] = {0, 0, 0, 0};
    long iters = 0;
    double t0 = wall_s();
    do {
        one_pq(iters % 2 == 0);
        one_pq(iters % 2 != 0);
        for (int i = 0; i < 4; i++) {
            double c0 = cpu_us();
            floor_op(pq_ops[i]);
            op_sum[i] += cpu_us() - c0 - clock_cost;
        }
        iters++;
    } while (wall_s() - t0 < 2 * slice || iters < min_iters);
    last_iters = iters;
    double su = net_us(PQ_SLOT, SIDE_SERVER) / iters, cu = net_us(PQ_SLOT, SIDE_CLIENT) / iters;
    double xsu = net_us(TERN, SIDE_SERVER) / iters, xcu = net_us(TERN, SIDE_CLIENT) / iters;
    fig_add(&pq.server_us, su);
    fig_add(&pq.client_us, cu);
    fig_add(&pq.x_server_us, xsu);
    fig_add(&pq.x_client_us, xcu);
    fig_add(&pq.rt_srv, su / xsu);
    fig_add(&pq.rt_cli, cu / xcu);
    for (int i = 0; i < 4; i++)
        fig_add(&pq.op_us[i], op_sum[i] / iters);
    for (int i = 1; i < 4; i++)
        fig_add(&pq.rt_op[i - 1], op_sum[i] / op_sum[0]);

    /* Both sides, without per-call clocks. */
    timing = false;
    double pu[2] = {0, 0};
    long n2 = 0;
    double w0 = wall_s();
    do {
        for (int j = 0; j < 2; j++) {
            bool hybrid = (j + n2) % 2 == 0;
            double c0 = cpu_us();
            one_pq(hybrid);
            pu[hybrid] += cpu_us() - c0 - clock_cost;
        }
        n2++;
    } while (wall_s() - w0 < slice || n2 < min_iters / 2);
    timing = true;
    fig_add(&pq.pair_us, pu[1] / n2);
    fig_add(&pq.x_pair_us, pu[0] / n2);
    fig_add(&pq.rt_pair, pu[1] / pu[0]);
}

/* ---------------------------------------------------------------------
 * Scaling with cores: full handshakes (both sides, ECDSA, X25519) on one
 * thread, then on two at once, every thread over the same configuration
 * (tern: t_ccfg_aes and t_scfg[0]; OpenSSL: o_cctx_aes and o_sctx[0]),
 * beside a control that shares nothing: P-256 point multiplications
 * (ECDH derivations) with keys and contexts made per thread. A run's figure
 * is work per wall second summed over its threads; the 2÷1 ratio of the
 * control is what this machine gives two threads at that moment, so tern's
 * and OpenSSL's ratios are read against it. Rounds alternate the kinds. */
enum scale_kind { SC_TERN = 0, SC_OSSL = 1, SC_CONTROL = 2, N_SCALE = 3 };
static const char *scale_name[N_SCALE] = {"tern", "openssl", "control"};
static struct fig scale_rate[N_SCALE][2], scale_ratio[N_SCALE], scale_vs_control[2];
static struct fig scale_cpu[N_SCALE]; /* CPU per unit, two threads ÷ one */
static double scale_slice = 0.25;

struct scale_arg {
    enum scale_kind kind;
    pthread_barrier_t *start;
    long count;
    double wall, cpu_us;
};

static void *scale_worker(void *p)
{
    struct scale_arg *a = p;
    timing = false; /* this thread's: no clock readings per call */
    EVP_PKEY_CTX *ctl = NULL;
    EVP_PKEY *mine = NULL, *peer = NULL;
    if (a->kind == SC_CONTROL) {
        mine = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        peer = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        ctl = mine ? EVP_PKEY_CTX_new_from_pkey(NULL, mine, NULL) : NULL;
        if (!ctl || EVP_PKEY_derive_init(ctl) <= 0 || EVP_PKEY_derive_set_peer(ctl, peer) <= 0)
            die("P-256 control setup");
    }
    pthread_barrier_wait(a->start);
    long n = 0;
    double t0 = wall_s(), t, c0 = cpu_us();
    do {
        if (a->kind == SC_TERN) {
            struct tpair tp;
            tern_hs(&tp, t_ccfg_aes, t_scfg[0], false);
            tern_pair_free(&tp);
        } else if (a->kind == SC_OSSL) {
            struct opair op;
            ossl_handshake(&op, o_cctx_aes, o_sctx[0], NULL, false);
            ossl_pair_free(&op);
        } else {
            uint8_t out[32];
            size_t ol = sizeof(out);
            if (EVP_PKEY_derive(ctl, out, &ol) <= 0)
                die("P-256 derive");
        }
        n++;
        t = wall_s() - t0;
    } while (t < scale_slice);
    a->count = n;
    a->wall = t;
    a->cpu_us = cpu_us() - c0;
    EVP_PKEY_CTX_free(ctl);
    EVP_PKEY_free(mine);
    EVP_PKEY_free(peer);
    return NULL;
}

/* scale_run: kind on `threads` threads at once; work per wall second, and
 * the threads' CPU per unit of work (which a shared cache line or a spinning
 * lock inflates, and a busy machine does not). */
static double scale_run(enum scale_kind kind, int threads, double *out_cpu_per_op)
{
    pthread_t th[2];
    struct scale_arg args[2];
    pthread_barrier_t start;
    if (pthread_barrier_init(&start, NULL, (unsigned)threads) != 0)
        die("pthread_barrier_init");
    for (int i = 0; i < threads; i++) {
        args[i] = (struct scale_arg){kind, &start, 0, 0, 0};
        if (pthread_create(&th[i], NULL, scale_worker, &args[i]) != 0)
            die("pthread_create");
    }
    double rate = 0, cpu = 0;
    long ops = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        rate += args[i].count / args[i].wall;
        cpu += args[i].cpu_us;
        ops += args[i].count;
    }
    if (out_cpu_per_op)
        *out_cpu_per_op = cpu / (double)ops;
    pthread_barrier_destroy(&start);
    return rate;
}

static void run_scale(void)
{
    double r[N_SCALE];
    for (int k = 0; k < N_SCALE; k++) {
        double c1, c2;
        double one = scale_run((enum scale_kind)k, 1, &c1),
               two = scale_run((enum scale_kind)k, 2, &c2);
        fig_add(&scale_cpu[k], c2 / c1);
        fig_add(&scale_rate[k][0], one);
        fig_add(&scale_rate[k][1], two);
        r[k] = two / one;
        fig_add(&scale_ratio[k], r[k]);
    }
    fig_add(&scale_vs_control[SC_TERN], r[SC_TERN] / r[SC_CONTROL]);
    fig_add(&scale_vs_control[SC_OSSL], r[SC_OSSL] / r[SC_CONTROL]);
}

static uint8_t bulk_msg[BULK], bulk_got[BULK];

/* run_bulk: both libraries (those in `libs`) and the raw AEAD in one loop,
 * a batch of records each in turn; each batch timed by the thread's CPU
 * (both sides run on this thread), no clock reading per call. */
static void run_bulk(unsigned libs, enum bulk_kind kind)
{
    struct tpair tp = {0};
    struct opair op = {0};
    uint16_t want =
        kind == BULK_AESGCM ? TERN_TLS_AES_128_GCM_SHA256 : TERN_TLS_CHACHA20_POLY1305_SHA256;
    if (libs & 1) {
        tern_hs(&tp, kind == BULK_AESGCM ? t_ccfg_aes : t_ccfg_chacha, t_scfg[0], false);
        if (tern_conn_cipher_suite(tp.c) != want)
            die("tern negotiated the wrong suite");
        memset(bulk_got, 0, sizeof(bulk_got));
        tern_bulk(&tp, bulk_msg, bulk_got, BULK);
        if (memcmp(bulk_msg, bulk_got, BULK) != 0)
            die("tern bulk: data corrupted");
    }
    if (libs & 2) {
        ossl_handshake(&op, kind == BULK_AESGCM ? o_cctx_aes : o_cctx_chacha, o_sctx[0], NULL,
                       false);
        if (SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(op.c)) != want)
            die("OpenSSL negotiated the wrong suite");
        memset(bulk_got, 0, sizeof(bulk_got));
        ossl_bulk(&op, bulk_msg, bulk_got, BULK);
        if (memcmp(bulk_msg, bulk_got, BULK) != 0)
            die("OpenSSL bulk: data corrupted");
    }
    bool both = libs == 3;
    static uint8_t raw[BULK + 32];
    timing = false;
    double us[3] = {0, 0, 0};
    long iters = 0;
    double t0 = wall_s();
    do {
        for (int j = 0; j < 3; j++) {
            int w = (int)((j + iters) % 3); /* 0 tern, 1 OpenSSL, 2 raw AEAD */
            if (w < 2 ? !(libs & (1u << w)) : !both)
                continue;
            double c0 = cpu_us();
            for (int k = 0; k < 4; k++) {
                if (w == 0)
                    tern_bulk(&tp, bulk_msg, bulk_got, BULK);
                else if (w == 1)
                    ossl_bulk(&op, bulk_msg, bulk_got, BULK);
                else
                    aead_record(kind, raw, (uint64_t)(iters * 4 + k));
            }
            us[w] += cpu_us() - c0;
        }
        iters++;
    } while (wall_s() - t0 < (both ? 1.25 : 0.5) * slice || iters < min_iters);
    timing = true;
    double mb[3];
    for (int w = 0; w < 3; w++)
        mb[w] = (double)iters * 4 * BULK / us[w]; /* bytes/µs = MB/s */
    if (libs & 1) {
        fig_add(&res[TERN].mbps[kind], mb[0]);
        tern_pair_free(&tp);
    }
    if (libs & 2) {
        fig_add(&res[OSSL].mbps[kind], mb[1]);
        ossl_pair_free(&op);
    }
    if (both) {
        fig_add(&aead_mbps[kind], mb[2]);
        fig_add(&rt_bulk_ossl[kind], mb[0] / mb[1]);
        fig_add(&rt_bulk_raw[kind], mb[0] / mb[2]);
    }
}

/* ---------------------------------------------------------------------
 * Memory. */
struct memfig {
    double idle[N_SIDES];       /* bytes freed by freeing one established connection */
    double idle_data[N_SIDES];  /* the same after 16 KiB each way */
    double peak[N_SIDES];       /* peak above the start during one handshake */
    double allocs[N_SIDES];     /* allocation calls during one handshake */
    double own_allocs[N_SIDES]; /* of which through tern_set_allocator */
    double many[N_SIDES];       /* bytes per connection with `conns` open */
    double handshake_s;         /* time to set up the `conns` pairs */
};
static struct memfig memres[N_LIBS];
static int conns = 10000;

static void mem_reset_peak(void)
{
    for (int s = 0; s < N_SIDES; s++)
        mem.peak[s] = mem.live[s];
}

static void mem_one(enum lib lib)
{
    struct memfig *m = &memres[lib];
    long long live0[N_SIDES];
    unsigned long long a0[N_SIDES], o0[N_SIDES];
    memcpy(live0, mem.live, sizeof(live0));
    memcpy(a0, mem.allocs, sizeof(a0));
    memcpy(o0, mem.own_allocs, sizeof(o0));
    mem_reset_peak();
    struct tpair tp;
    struct opair op;
    if (lib == TERN)
        tern_hs(&tp, t_ccfg_aes, t_scfg[0], false);
    else
        ossl_handshake(&op, o_cctx_aes, o_sctx[0], NULL, false);
    for (int s = SIDE_CLIENT; s <= SIDE_SERVER; s++) {
        m->peak[s] = (double)(mem.peak[s] - live0[s]);
        m->allocs[s] = (double)(mem.allocs[s] - a0[s]);
        m->own_allocs[s] = (double)(mem.own_allocs[s] - o0[s]);
    }
    long long before[N_SIDES];
    memcpy(before, mem.live, sizeof(before));
    if (lib == TERN)
        tern_pair_free(&tp);
    else
        ossl_pair_free(&op);
    for (int s = SIDE_CLIENT; s <= SIDE_SERVER; s++)
        m->idle[s] = (double)(before[s] - mem.live[s]);

    /* Idle again, but after application data crossed both ways. */
    /* The client reads the tickets here (or the server's next record would
     * not be the one the client expects); t_ccfg_mem is used only here, so
     * it holds no ticket to resume with. */
    if (lib == TERN) {
        tern_hs(&tp, t_ccfg_mem, t_scfg[0], true);
        tern_send(tp.c, SIDE_CLIENT, tp.s, SIDE_SERVER, bulk_msg, bulk_got, BULK);
        tern_send(tp.s, SIDE_SERVER, tp.c, SIDE_CLIENT, bulk_msg, bulk_got, BULK);
    } else {
        ossl_handshake(&op, o_cctx_aes, o_sctx[0], NULL, true);
        ossl_send(op.c, SIDE_CLIENT, op.s, SIDE_SERVER, bulk_msg, bulk_got, BULK);
        ossl_send(op.s, SIDE_SERVER, op.c, SIDE_CLIENT, bulk_msg, bulk_got, BULK);
    }
    memcpy(before, mem.live, sizeof(before));
    if (lib == TERN)
        tern_pair_free(&tp);
    else
        ossl_pair_free(&op);
    for (int s = SIDE_CLIENT; s <= SIDE_SERVER; s++)
        m->idle_data[s] = (double)(before[s] - mem.live[s]);
}

static void mem_many(enum lib lib)
{
    struct memfig *m = &memres[lib];
    struct tpair *tp = lib == TERN ? calloc((size_t)conns, sizeof(*tp)) : NULL;
    struct opair *op = lib == OSSL ? calloc((size_t)conns, sizeof(*op)) : NULL;
    if (!tp && !op)
        die("out of memory");
    double t0 = wall_s();
    for (int i = 0; i < conns; i++) {
        if (lib == TERN)
            tern_hs(&tp[i], t_ccfg_aes, t_scfg[0], false);
        else
            ossl_handshake(&op[i], o_cctx_aes, o_sctx[0], NULL, false);
    }
    m->handshake_s = wall_s() - t0;
    long long before[N_SIDES];
    memcpy(before, mem.live, sizeof(before));
    /* Free every client, then every server: each drop is that side's share. */
    for (int i = 0; i < conns; i++) {
        enter(SIDE_CLIENT);
        if (lib == TERN)
            tern_conn_free(tp[i].c);
        else
            SSL_free(op[i].c);
        leave();
    }
    for (int i = 0; i < conns; i++) {
        enter(SIDE_SERVER);
        if (lib == TERN)
            tern_conn_free(tp[i].s);
        else
            SSL_free(op[i].s);
        leave();
    }
    for (int s = SIDE_CLIENT; s <= SIDE_SERVER; s++)
        m->many[s] = (double)(before[s] - mem.live[s]) / conns;
    free(tp);
    free(op);
}

/* ---------------------------------------------------------------------
 * Output. */
static void machine_header(int rounds, double budget)
{
    char model[256] = "unknown";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof(line), f)) {
            if (strncmp(line, "model name", 10) == 0) {
                char *p = strchr(line, ':');
                if (p) {
                    snprintf(model, sizeof(model), "%s", p + 2);
                    model[strcspn(model, "\n")] = 0;
                }
                break;
            }
        }
        fclose(f);
    }
    struct utsname u;
    uname(&u);
    time_t now = time(NULL);
    char date[64];
    strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", gmtime(&now));
    printf("# tern-bench: tern %s against %s, %s\n", TERN_VERSION_STRING,
           OpenSSL_version(OPENSSL_VERSION), date);
    printf("# machine: %s, %ld CPUs online, %s %s %s; compiler %s\n", model,
           sysconf(_SC_NPROCESSORS_ONLN), u.sysname, u.release, u.machine, __VERSION__);
    printf("# method: client and server in one thread over memory (tern: output copied to a\n"
           "#   buffer, as a socket write, then given to tern_conn_feed, or for application\n"
           "#   data copied again, as a socket read, to tern_conn_feed_read, which opens\n"
           "#   records into the reader's buffer;\n"
           "#   OpenSSL: SSL objects on a custom BIO over static pipes). Each library call is\n"
           "#   timed with CLOCK_THREAD_CPUTIME_ID and charged to its side; object creation and\n"
           "#   free included. %d rounds; in each, every workload runs tern, OpenSSL and its\n"
           "#   floor in one loop, one handshake (or batch of 4 records) of each in turn, so all\n"
           "#   three see the same moments of the machine. A round's figure is the mean over\n"
           "#   its loop; reported: the median of rounds, ratios the median of per-round\n"
           "#   ratios. Budget %.0f s.\n",
           rounds, budget);
    printf("# handshakes: TLS 1.3 only, X25519 only, TLS_AES_128_GCM_SHA256; the client trusts\n"
           "#   tests/data/ca.pem and checks the name \"" HOST "\"; the server sends its leaf and\n"
           "#   intermediate and 2 tickets (after a resumption both send 1). Full handshakes: the\n"
           "#   client does not read the tickets. Resumed: psk_dhe_ke with the newest ticket,\n"
           "#   which the client reads.\n"
           "#   The clock's own cost (%.2f µs per bracket, measured at start) is subtracted per\n"
           "#   call. Each workload then runs again without per-call clocks: \"both sides\" is\n"
           "#   the thread CPU per handshake of that run, hs/s = 1e6 / both sides (one core).\n",
           clock_cost);
    printf("# hybrid: hs_pq is the browsers' handshake, X25519MLKEM768 (ML-KEM-768, tern's\n"
           "#   own, + X25519) with the ECDSA server, the client offering the hybrid and an\n"
           "#   X25519 share; run in one loop alternating with tern's X25519 handshake, beside\n"
           "#   one each of x25519_keygen and ML-KEM-768 keygen/encaps/decaps (ratios per round).\n"
           "#   OpenSSL 3.0 has no ML-KEM: its column says so.\n");
    printf("# scaling: full handshakes (ECDSA, X25519, both sides) on 1 thread, then 2 at once,\n"
           "#   all over one shared configuration, for %.2f s each; control: P-256 ECDH\n"
           "#   derivations with per-thread keys and contexts (nothing shared). Figure: work\n"
           "#   per wall second summed over threads; 2÷1 per round, median; ÷control's: a\n"
           "#   library's 2÷1 over the control's in the same round; cpu/op: thread CPU\n"
           "#   per unit on two threads ÷ on one (contention inflates it, a busy machine not).\n",
           scale_slice);
    printf("# bulk: the client writes 16 KiB, the server reads it; MB/s = bytes / thread CPU\n"
           "#   of the loop (both sides). Raw: one EVP seal + open of a 16385-byte record\n"
           "#   with its 5-byte AAD, context kept.\n");
    printf("# memory: one counting allocator behind tern_set_allocator and\n"
           "#   CRYPTO_set_mem_functions (so libcrypto objects tern creates count for tern, and\n"
           "#   libssl's and libcrypto's for OpenSSL); each block is tagged with the side whose\n"
           "#   call made it. idle = bytes released by freeing one established connection\n"
           "#   (right after the handshake, and after 16 KiB crossed each way);\n"
           "#   peak = highest live bytes above the start during one handshake; per-conn with N\n"
           "#   open = bytes released by freeing N idle connections, / N. Requested sizes, no\n"
           "#   malloc overhead. Config-level state (keys, trust store) is not per connection.\n");
    printf("# floor: libcrypto directly, keys parsed and contexts made up front. Server floor =\n"
           "#   X25519 keygen + derive + one signature; client floor = keygen + derive + three\n"
           "#   verifications (CertificateVerify, leaf and intermediate certificates);\n"
           "#   resumed floor = keygen + derive; each operation timed singly in the loop.\n");
}

/* kv prints one key=value line; a value that is not a positive number is
 * counted as a failure (every figure this program reports is positive). */
static int kv_bad;
static void kv(double v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void kv(double v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("=%.*f\n", v == floor(v) ? 0 : 3, v);
    if (!(isfinite(v) && v > 0)) {
        kv_bad++;
        va_start(ap, fmt);
        fprintf(stderr, "tern-bench: bad figure ");
        vfprintf(stderr, fmt, ap);
        fprintf(stderr, " = %g\n", v);
        va_end(ap);
    }
}

static double ratio(double a, double b)
{
    return b > 0 ? a / b : NAN;
}

int main(int argc, char **argv)
{
    /* Before anything allocates. */
    if (!CRYPTO_set_mem_functions(cry_malloc_hook, cry_realloc_hook, cry_free_hook))
        die("CRYPTO_set_mem_functions refused (libcrypto allocated first)");
    if (tern_set_allocator(tern_malloc_hook, tern_free_hook, NULL) != TERN_OK)
        die("tern_set_allocator");

    bool smoke = argc > 1 && strcmp(argv[1], "--smoke") == 0;
    double budget = smoke ? 3 : 60;
    int rounds = smoke ? 1 : 9;
    const char *e;
    if ((e = getenv("BENCH_SECONDS")) && atof(e) > 0)
        budget = atof(e);
    if ((e = getenv("BENCH_ROUNDS")) && atoi(e) > 0)
        rounds = atoi(e) > MAX_ROUNDS ? MAX_ROUNDS : atoi(e);
    conns = smoke ? 100 : 10000;
    if ((e = getenv("BENCH_CONNS")) && atoi(e) > 0)
        conns = atoi(e);
    if (smoke)
        min_iters = 3;

    pipe_meth = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "bench pipe");
    if (!pipe_meth || !BIO_meth_set_write(pipe_meth, pipe_write) ||
        !BIO_meth_set_read(pipe_meth, pipe_read) || !BIO_meth_set_ctrl(pipe_meth, pipe_ctrl) ||
        !BIO_meth_set_create(pipe_meth, pipe_create))
        die("BIO_meth_new");
    for (size_t i = 0; i < sizeof(bulk_msg); i++)
        bulk_msg[i] = (uint8_t)(i * 7 + 1);

    t_scfg[0] = tern_server_cfg("server-p256", false);
    t_scfg[1] = tern_server_cfg("server-rsa", false);
    t_ccfg_aes = tern_client_cfg(TERN_TLS_AES_128_GCM_SHA256, false);
    t_ccfg_chacha = tern_client_cfg(TERN_TLS_CHACHA20_POLY1305_SHA256, false);
    t_ccfg_resume = tern_client_cfg(TERN_TLS_AES_128_GCM_SHA256, false);
    t_ccfg_mem = tern_client_cfg(TERN_TLS_AES_128_GCM_SHA256, false);
    t_scfg_pq = tern_server_cfg("server-p256", true);
    t_ccfg_pq = tern_client_cfg(TERN_TLS_AES_128_GCM_SHA256, true);
    o_sctx[0] = ossl_server_ctx("server-p256");
    o_sctx[1] = ossl_server_ctx("server-rsa");
    o_cctx_aes = ossl_client_ctx("TLS_AES_128_GCM_SHA256");
    o_cctx_chacha = ossl_client_ctx("TLS_CHACHA20_POLY1305_SHA256");
    o_cctx_resume = ossl_client_ctx("TLS_AES_128_GCM_SHA256");
    floor_setup();
    calibrate_clock();

    /* Warm up: lazy loads (trust store, algorithm fetches) and the first
     * tickets for the resumption runs. */
    for (int i = 0; i < 3; i++) {
        struct tpair tp;
        struct opair op;
        tern_hs(&tp, t_ccfg_resume, t_scfg[0], true);
        tern_pair_free(&tp);
        ossl_handshake(&op, o_cctx_resume, o_sctx[0], ossl_last_session, true);
        ossl_pair_free(&op);
        tern_hs(&tp, t_ccfg_pq, t_scfg_pq, false);
        tern_pair_free(&tp);
        for (int k = 0; k < 2; k++) {
            tern_hs(&tp, t_ccfg_aes, t_scfg[k], false);
            tern_pair_free(&tp);
            ossl_handshake(&op, o_cctx_aes, o_sctx[k], NULL, false);
            ossl_pair_free(&op);
        }
    }

    /* BENCH_PROFILE=LIB:WORKLOAD (e.g. tern:hs_ecdsa, openssl:bulk_chacha20)
     * runs that one workload for the budget and stops: for perf/callgrind. */
    if ((e = getenv("BENCH_PROFILE"))) {
        slice = budget;
        if (getenv("BENCH_NO_CLOCKS"))
            clocks_off = true;               /* a profile of the libraries alone */
        if (strcmp(e, "scale:tern2") == 0) { /* tern on two threads, for a profile */
            scale_slice = budget;
            printf("tern on two threads: %.0f handshakes/s\n", scale_run(SC_TERN, 2, NULL));
            return 0;
        }
        if (strcmp(e, "scale") == 0) { /* the scaling runs alone, `rounds` times */
            scale_slice = budget / rounds / (2 * N_SCALE);
            for (int r = 0; r < rounds; r++)
                run_scale();
            for (int k = 0; k < N_SCALE; k++)
                printf("scale %s one=%.0f two=%.0f two_vs_one=%.3f cpu_per_op_two_vs_one=%.3f\n",
                       scale_name[k], median(&scale_rate[k][0]), median(&scale_rate[k][1]),
                       median(&scale_ratio[k]), median(&scale_cpu[k]));
            printf("scale tern_vs_control=%.3f openssl_vs_control=%.3f\n",
                   median(&scale_vs_control[SC_TERN]), median(&scale_vs_control[SC_OSSL]));
            return 0;
        }
        if (strcmp(e, "tern:hs_pq") == 0) { /* the hybrid, alternating with X25519 */
            run_pq();
            printf("%s server_us=%.1f client_us=%.1f both_sides_us=%.1f x25519_server_us=%.1f "
                   "x25519_client_us=%.1f iterations=%ld\n",
                   e, median(&pq.server_us), median(&pq.client_us), median(&pq.pair_us),
                   median(&pq.x_server_us), median(&pq.x_client_us), last_iters);
            return 0;
        }
        for (int lib = 0; lib < N_LIBS; lib++) {
            for (int k = 0; k < N_HS; k++) {
                char name[64];
                snprintf(name, sizeof(name), "%s:%s", lib_name[lib], hs_name[k]);
                if (strcmp(e, name) == 0) {
                    run_hs(1u << lib, (enum hs_kind)k);
                    printf("%s server_us=%.1f client_us=%.1f both_sides_us=%.1f "
                           "iterations=%ld\n",
                           name, median(&res[lib].server_us[k]), median(&res[lib].client_us[k]),
                           median(&res[lib].pair_us[k]), last_iters);
                    return 0;
                }
            }
            for (int k = 0; k < N_BULK; k++) {
                char name[64];
                snprintf(name, sizeof(name), "%s:%s", lib_name[lib], bulk_name[k]);
                if (strcmp(e, name) == 0) {
                    slice = 2 * budget;
                    run_bulk(1u << lib, (enum bulk_kind)k);
                    printf("%s mb_per_s=%.1f\n", name, median(&res[lib].mbps[k]));
                    return 0;
                }
            }
        }
        die("BENCH_PROFILE=%s: no such workload (LIB:WORKLOAD, e.g. tern:hs_ecdsa)", e);
    }

    /* Memory first (one handshake each, then `conns` idle pairs). */
    for (int lib = 0; lib < N_LIBS; lib++)
        mem_one((enum lib)lib);
    double many_t0 = wall_s();
    for (int lib = 0; lib < N_LIBS; lib++)
        mem_many((enum lib)lib);
    double many_s = wall_s() - many_t0;

    /* The timed part shares what is left of the budget: per round, each
     * handshake workload three slices (two with clocks, one without), each
     * bulk workload a slice and a quarter. */
    double left = budget - many_s;
    if (left < budget * 0.3)
        left = budget * 0.3;
    /* Scaling: per round, each of three kinds on one and on two threads. */
    scale_slice = left * 0.15 / rounds / (2 * N_SCALE);
    if (scale_slice < 0.1)
        scale_slice = 0.1;
    left -= scale_slice * rounds * 2 * N_SCALE;
    slice = left / rounds / (3 * (N_HS + 1) + 1.25 * N_BULK);
    if (slice < 0.02)
        slice = 0.02;

    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < N_HS; k++)
            run_hs(3, (enum hs_kind)k);
        run_pq();
        run_scale();
        for (int k = 0; k < N_BULK; k++)
            run_bulk(3, (enum bulk_kind)k);
    }

    /* ---- report ---- */
    machine_header(rounds, budget);
    double fl_us[N_FLOOR_OPS];
    for (int i = 0; i < N_FLOOR_OPS; i++)
        fl_us[i] = median(&floor_us[i]);
    double floor_server[N_HS], floor_client[N_HS];
    for (int k = 0; k < N_HS; k++) {
        floor_server[k] = median(&floor_srv[k]);
        floor_client[k] = median(&floor_cli[k]);
    }

    printf("\n%-22s %12s %12s %10s %9s %9s\n", "handshake (CPU µs)", "tern", "openssl", "floor",
           "t/ossl", "t/floor");
    for (int k = 0; k < N_HS; k++) {
        double ts = median(&res[TERN].server_us[k]), os = median(&res[OSSL].server_us[k]);
        double tc = median(&res[TERN].client_us[k]), oc = median(&res[OSSL].client_us[k]);
        double th = median(&res[TERN].hs_per_s[k]), oh = median(&res[OSSL].hs_per_s[k]);
        printf("%-22s %12.1f %12.1f %10.1f %9.2f %9.2f\n", hs_name[k], ts, os, floor_server[k],
               median(&rt_srv_ossl[k]), median(&rt_srv_floor[k]));
        printf("%-22s %12.1f %12.1f %10.1f %9.2f %9.2f\n", "  client", tc, oc, floor_client[k],
               median(&rt_cli_ossl[k]), median(&rt_cli_floor[k]));
        double tp = median(&res[TERN].pair_us[k]), op = median(&res[OSSL].pair_us[k]);
        printf("%-22s %12.1f %12.1f %10.1f %9.2f %9.2f\n", "  both sides", tp, op,
               floor_server[k] + floor_client[k], median(&rt_pair_ossl[k]),
               median(&rt_pair_floor[k]));
        printf("%-22s %12.0f %12.0f %10s %9.2f\n", "  handshakes/s", th, oh, "", ratio(th, oh));
    }
    printf("\n%-22s %12s %12s %12s %9s\n", "hybrid (CPU µs)", "X25519MLKEM768", "X25519", "openssl",
           "pq/x25519");
    printf("%-22s %14.1f %12.1f %12s %9.2f\n", "hs_pq", median(&pq.server_us),
           median(&pq.x_server_us), "no ML-KEM", median(&pq.rt_srv));
    printf("%-22s %14.1f %12.1f %12s %9.2f\n", "  client", median(&pq.client_us),
           median(&pq.x_client_us), "no ML-KEM", median(&pq.rt_cli));
    printf("%-22s %14.1f %12.1f %12s %9.2f\n", "  both sides", median(&pq.pair_us),
           median(&pq.x_pair_us), "no ML-KEM", median(&pq.rt_pair));
    printf("%-22s %14.0f %12.0f %12s %9.2f\n", "  handshakes/s", 1e6 / median(&pq.pair_us),
           1e6 / median(&pq.x_pair_us), "", ratio(median(&pq.x_pair_us), median(&pq.pair_us)));

    printf("\n%-22s %12s %12s %9s %12s %9s\n", "scaling (per wall s)", "1 thread", "2 threads",
           "2÷1", "÷control's", "cpu/op");
    for (int k = 0; k < N_SCALE; k++) {
        char vs[32] = "";
        if (k != SC_CONTROL)
            snprintf(vs, sizeof(vs), "%.2f", median(&scale_vs_control[k]));
        printf("%-22s %12.0f %12.0f %9.2f %12s %9.2f\n",
               k == SC_CONTROL ? "control (P-256 mults)"
               : k == SC_TERN  ? "tern full hs"
                               : "openssl full hs",
               median(&scale_rate[k][0]), median(&scale_rate[k][1]), median(&scale_ratio[k]), vs,
               median(&scale_cpu[k]));
    }

    printf("\n%-22s %12s %12s %10s %9s %9s\n", "bulk 16 KiB (MB/s)", "tern", "openssl", "raw",
           "t/ossl", "t/raw");
    for (int k = 0; k < N_BULK; k++) {
        double t = median(&res[TERN].mbps[k]), o = median(&res[OSSL].mbps[k]),
               a = median(&aead_mbps[k]);
        printf("%-22s %12.0f %12.0f %10.0f %9.2f %9.2f\n", bulk_name[k], t, o, a,
               median(&rt_bulk_ossl[k]), median(&rt_bulk_raw[k]));
    }
    printf("\n%-34s %10s %10s %9s\n", "memory (bytes)", "tern", "openssl", "t/ossl");
    const char *sname[N_SIDES] = {"", "client", "server"};
    for (int s = SIDE_CLIENT; s <= SIDE_SERVER; s++) {
        char label[64];
        snprintf(label, sizeof(label), "idle established, %s", sname[s]);
        printf("%-34s %10.0f %10.0f %9.2f\n", label, memres[TERN].idle[s], memres[OSSL].idle[s],
               ratio(memres[TERN].idle[s], memres[OSSL].idle[s]));
        snprintf(label, sizeof(label), "idle after 16 KiB each way, %s", sname[s]);
        printf("%-34s %10.0f %10.0f %9.2f\n", label, memres[TERN].idle_data[s],
               memres[OSSL].idle_data[s],
               ratio(memres[TERN].idle_data[s], memres[OSSL].idle_data[s]));
        snprintf(label, sizeof(label), "peak in a handshake, %s", sname[s]);
        printf("%-34s %10.0f %10.0f %9.2f\n", label, memres[TERN].peak[s], memres[OSSL].peak[s],
               ratio(memres[TERN].peak[s], memres[OSSL].peak[s]));
        snprintf(label, sizeof(label), "allocations per handshake, %s", sname[s]);
        printf("%-34s %10.0f %10.0f %9.2f\n", label, memres[TERN].allocs[s], memres[OSSL].allocs[s],
               ratio(memres[TERN].allocs[s], memres[OSSL].allocs[s]));
        snprintf(label, sizeof(label), "  of which tern's own, %s", sname[s]);
        printf("%-34s %10.0f %10s\n", label, memres[TERN].own_allocs[s], "-");
        snprintf(label, sizeof(label), "per conn, %d open, %s", conns, sname[s]);
        printf("%-34s %10.0f %10.0f %9.2f\n", label, memres[TERN].many[s], memres[OSSL].many[s],
               ratio(memres[TERN].many[s], memres[OSSL].many[s]));
    }
    printf("\n%-22s %12s\n", "floor (CPU µs)", "libcrypto");
    for (int i = 0; i < N_LIBCRYPTO_OPS; i++)
        printf("%-22s %12.1f\n", floor_name[i], fl_us[i]);
    printf("\n%-22s %12s %12s %12s %11s\n", "ML-KEM-768 (CPU µs)", "tern", "openssl", "x25519_kg",
           "/x25519_kg");
    for (int i = 1; i < 4; i++)
        printf("%-22s %12.1f %12s %12.1f %11.2f\n", floor_name[pq_ops[i]], median(&pq.op_us[i]),
               "no ML-KEM", median(&pq.op_us[0]), median(&pq.rt_op[i - 1]));

    /* key=value lines for scripts. */
    printf("\n");
    kv(rounds, "bench.rounds");
    kv(budget, "bench.budget_s");
    kv(conns, "bench.conns");
    for (int lib = 0; lib < N_LIBS; lib++) {
        const char *l = lib_name[lib];
        for (int k = 0; k < N_HS; k++) {
            kv(median(&res[lib].server_us[k]), "%s.%s.server_us", l, hs_name[k]);
            kv(median(&res[lib].client_us[k]), "%s.%s.client_us", l, hs_name[k]);
            kv(median(&res[lib].hs_per_s[k]), "%s.%s.per_s", l, hs_name[k]);
            kv(median(&res[lib].pair_us[k]), "%s.%s.both_sides_us", l, hs_name[k]);
        }
        kv(median(&res[lib].tickets), "%s.hs_resumed.tickets_per_handshake", l);
        for (int k = 0; k < N_BULK; k++)
            kv(median(&res[lib].mbps[k]), "%s.%s.mb_per_s", l, bulk_name[k]);
        for (int s = SIDE_CLIENT; s <= SIDE_SERVER; s++) {
            kv(memres[lib].idle[s], "%s.mem.%s.idle_bytes", l, sname[s]);
            kv(memres[lib].idle_data[s], "%s.mem.%s.idle_after_data_bytes", l, sname[s]);
            kv(memres[lib].peak[s], "%s.mem.%s.handshake_peak_bytes", l, sname[s]);
            kv(memres[lib].allocs[s], "%s.mem.%s.handshake_allocs", l, sname[s]);
            if (lib == TERN)
                kv(memres[lib].own_allocs[s], "%s.mem.%s.handshake_own_allocs", l, sname[s]);
            kv(memres[lib].many[s], "%s.mem.%s.per_conn_bytes", l, sname[s]);
        }
    }
    for (int i = 0; i < N_LIBCRYPTO_OPS; i++)
        kv(fl_us[i], "floor.%s_us", floor_name[i]);
    kv(median(&pq.server_us), "tern.hs_pq.server_us");
    kv(median(&pq.client_us), "tern.hs_pq.client_us");
    kv(median(&pq.pair_us), "tern.hs_pq.both_sides_us");
    kv(1e6 / median(&pq.pair_us), "tern.hs_pq.per_s");
    kv(median(&pq.x_server_us), "tern.hs_pq.x25519_server_us");
    kv(median(&pq.x_client_us), "tern.hs_pq.x25519_client_us");
    kv(median(&pq.x_pair_us), "tern.hs_pq.x25519_both_sides_us");
    for (int k = 0; k < N_SCALE; k++) {
        kv(median(&scale_rate[k][0]), "scale.%s.one_thread_per_s", scale_name[k]);
        kv(median(&scale_rate[k][1]), "scale.%s.two_threads_per_s", scale_name[k]);
        kv(median(&scale_ratio[k]), "ratio.scale.%s.two_vs_one", scale_name[k]);
        kv(median(&scale_cpu[k]), "ratio.scale.%s.cpu_per_op_two_vs_one", scale_name[k]);
    }
    kv(median(&scale_vs_control[SC_TERN]), "ratio.scale.tern_vs_control");
    kv(median(&scale_vs_control[SC_OSSL]), "ratio.scale.openssl_vs_control");
    kv(median(&pq.rt_srv), "ratio.hs_pq.server_vs_x25519");
    kv(median(&pq.rt_cli), "ratio.hs_pq.client_vs_x25519");
    kv(median(&pq.rt_pair), "ratio.hs_pq.both_vs_x25519");
    printf("openssl.hs_pq=unsupported (OpenSSL %s has no ML-KEM)\n",
           OpenSSL_version(OPENSSL_VERSION_STRING));
    for (int i = 0; i < 4; i++)
        kv(median(&pq.op_us[i]), "floor.%s_us%s", floor_name[pq_ops[i]], i == 0 ? "_pq_loop" : "");
    for (int i = 1; i < 4; i++)
        kv(median(&pq.rt_op[i - 1]), "ratio.%s_vs_x25519_keygen", floor_name[pq_ops[i]]);
    for (int k = 0; k < N_HS; k++) {
        kv(floor_server[k], "floor.%s.server_us", hs_name[k]);
        kv(floor_client[k], "floor.%s.client_us", hs_name[k]);
    }
    for (int k = 0; k < N_BULK; k++)
        kv(median(&aead_mbps[k]), "floor.%s.mb_per_s", bulk_name[k]);
    for (int k = 0; k < N_HS; k++) {
        kv(median(&rt_srv_ossl[k]), "ratio.%s.server_vs_openssl", hs_name[k]);
        kv(median(&rt_srv_floor[k]), "ratio.%s.server_vs_floor", hs_name[k]);
        kv(median(&rt_cli_ossl[k]), "ratio.%s.client_vs_openssl", hs_name[k]);
        kv(median(&rt_cli_floor[k]), "ratio.%s.client_vs_floor", hs_name[k]);
        kv(median(&rt_pair_ossl[k]), "ratio.%s.both_vs_openssl", hs_name[k]);
        kv(median(&rt_pair_floor[k]), "ratio.%s.both_vs_floor", hs_name[k]);
    }
    for (int k = 0; k < N_BULK; k++) {
        kv(median(&rt_bulk_ossl[k]), "ratio.%s.vs_openssl", bulk_name[k]);
        kv(median(&rt_bulk_raw[k]), "ratio.%s.vs_raw", bulk_name[k]);
    }
    if (kv_bad) {
        fprintf(stderr, "tern-bench: %d figure(s) missing or not positive\n", kv_bad);
        return 1;
    }
    return 0;
}
