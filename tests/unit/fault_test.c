/* Fault injection over in-memory handshakes and transfers between a tern
 * client and server: input a byte at a time; records split and coalesced
 * at random boundaries (and held back so flights run together); the
 * peer's bytes truncated at every offset (a clean stop, never a hang, never
 * a truncation that passes for a close); and every allocation of a
 * connection's life failing in turn (the k-th fails, for every k: a clean
 * error with its sentence, no crash, nothing left allocated).
 *
 * TERN_FAULT_STRIDE=N cuts at every N-th offset only (for slow runs such
 * as valgrind, scripts/memcheck.sh); the default is every one. Every
 * allocation fails in turn in every run. */
#include "pair.h"
#include "tern/tern.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

#define MSG_C 20000 /* client to server: two records */
#define MSG_S 3000  /* server to client */

/* ---- the link between the two ---- */

enum { C2S = 0, S2C = 1 };

struct link {
    size_t cap[2];      /* bytes delivered each way before the cut (SIZE_MAX: none) */
    size_t sent[2];     /* bytes delivered each way */
    size_t produced[2]; /* bytes the sender produced each way */
    size_t max_chunk;   /* 0: whole outputs; else pieces of 1..max_chunk */
    bool hold;          /* sometimes hold a flight back to coalesce it with the next */
    uint64_t rng;
};

static uint64_t next_rand(struct link *l)
{
    l->rng ^= l->rng << 13;
    l->rng ^= l->rng >> 7;
    l->rng ^= l->rng << 17;
    return l->rng;
}

/* xfer moves from's output to to, as the link allows; bytes past a cut
 * are dropped. Returns the bytes taken from the sender. */
static size_t xfer(tern_conn *from, tern_conn *to, struct link *l, int dir, bool final)
{
    const uint8_t *out;
    size_t len, taken = 0;
    tern_conn_output(from, &out, &len);
    if (len && l->hold && !final && next_rand(l) % 4 == 0)
        return 0; /* leave it to coalesce with what comes next */
    while (len) {
        if (l->sent[dir] >= l->cap[dir]) {
            l->produced[dir] += len;
            tern_conn_output_done(from, len); /* lost after the cut */
            return taken + len;
        }
        size_t n = len;
        if (l->max_chunk)
            n = 1 + (size_t)(next_rand(l) % l->max_chunk);
        if (n > len)
            n = len;
        if (n > l->cap[dir] - l->sent[dir])
            n = l->cap[dir] - l->sent[dir];
        size_t used = 0;
        tern_conn_feed(to, out, n, &used);
        if (used == 0) {
            /* The receiver failed or closed: the rest goes nowhere. */
            l->produced[dir] += len;
            tern_conn_output_done(from, len);
            return taken + len;
        }
        l->sent[dir] += used;
        l->produced[dir] += used;
        taken += used;
        tern_conn_output_done(from, used);
        tern_conn_output(from, &out, &len);
    }
    return taken;
}

struct got {
    uint8_t buf[MSG_C];
    size_t len;
    int last; /* the last read's status */
};

static void drain(tern_conn *c, struct got *g)
{
    size_t r;
    for (;;) {
        size_t room = sizeof(g->buf) - g->len;
        if (room == 0) {
            uint8_t spill[256];
            g->last = tern_conn_read(c, spill, sizeof(spill), &r);
            if (g->last == TERN_OK)
                g->len = SIZE_MAX; /* more than was ever sent */
            return;
        }
        g->last = tern_conn_read(c, g->buf + g->len, room, &r);
        if (g->last != TERN_OK)
            return;
        g->len += r;
    }
}

/* run moves bytes both ways, reading what arrives, until nothing moves.
 * Bounded: a test that would hang fails instead. */
static void run(tern_conn *c, tern_conn *s, struct link *l, struct got *cg, struct got *sg)
{
    int quiet = 0;
    for (int i = 0; i < 100000; i++) {
        bool final = quiet > 0;
        size_t a = xfer(c, s, l, C2S, final);
        drain(s, sg);
        size_t b = xfer(s, c, l, S2C, final);
        drain(c, cg);
        if (a == 0 && b == 0) {
            if (++quiet >= 2)
                return;
        } else {
            quiet = 0;
        }
    }
    CHECK(!"the link never went quiet");
}

/* ---- the conversation ---- */

struct outcome {
    bool made;           /* both connections were created */
    bool c_done, s_done; /* handshakes completed */
    int c_status, s_status;
    bool c_closed;     /* the client read the server's close_notify */
    struct got cg, sg; /* what each read */
    size_t s2c_total;  /* bytes the server produced */
};

static uint8_t msg_c[MSG_C], msg_s[MSG_S];
static size_t len_c = MSG_C, len_s = MSG_S; /* the sizes a test sends */

static void set_messages(void)
{
    for (size_t i = 0; i < MSG_C; i++)
        msg_c[i] = (uint8_t)(i * 31 + 7);
    for (size_t i = 0; i < MSG_S; i++)
        msg_s[i] = (uint8_t)(i * 17 + 3);
}

/* write_all queues a message, answering what it can't yet. */
static bool write_all(tern_conn *c, const uint8_t *p, size_t n)
{
    size_t w = 0;
    return tern_conn_write(c, p, n, &w) == TERN_OK && w == n;
}

/* converse: a handshake, a request and an answer, both closed. */
static void converse(tern_config *ccfg, tern_config *scfg, struct link *l, struct outcome *o)
{
    memset(o, 0, sizeof(*o));
    tern_conn *c = tern_conn_new_client(ccfg, "localhost");
    tern_conn *s = tern_conn_new_server(scfg);
    o->made = c && s;
    if (o->made) {
        run(c, s, l, &o->cg, &o->sg);
        if (tern_conn_handshake_done(c) && tern_conn_status(c) == TERN_OK)
            write_all(c, msg_c, len_c);
        run(c, s, l, &o->cg, &o->sg);
        if (tern_conn_handshake_done(s) && tern_conn_status(s) == TERN_OK) {
            write_all(s, msg_s, len_s);
            tern_conn_close(s);
        }
        run(c, s, l, &o->cg, &o->sg);
        if (tern_conn_status(c) == TERN_OK)
            tern_conn_close(c);
        run(c, s, l, &o->cg, &o->sg);
        o->c_done = tern_conn_handshake_done(c);
        o->s_done = tern_conn_handshake_done(s);
        o->c_status = tern_conn_status(c);
        o->s_status = tern_conn_status(s);
        o->c_closed = o->cg.last == TERN_E_CLOSED;
        /* Every failure leaves a sentence. */
        if (o->c_status != TERN_OK)
            CHECK(tern_conn_error(c) && tern_conn_error(c)[0]);
        if (o->s_status != TERN_OK)
            CHECK(tern_conn_error(s) && tern_conn_error(s)[0]);
    }
    o->s2c_total = l->produced[S2C];
    tern_conn_free(c);
    tern_conn_free(s);
}

static void init_link(struct link *l, size_t max_chunk, bool hold, uint64_t seed)
{
    memset(l, 0, sizeof(*l));
    l->cap[C2S] = l->cap[S2C] = SIZE_MAX;
    l->max_chunk = max_chunk;
    l->hold = hold;
    l->rng = seed * 0x9e3779b97f4a7c15ull + 1;
}

/* A complete conversation: both done, everything arrived, both closed. */
static bool complete(const struct outcome *o)
{
    return o->made && o->c_done && o->s_done && o->c_status == TERN_OK && o->s_status == TERN_OK &&
           o->sg.len == len_c && !memcmp(o->sg.buf, msg_c, len_c) && o->cg.len == len_s &&
           !memcmp(o->cg.buf, msg_s, len_s) && o->c_closed;
}

static tern_config *ticket_server(void)
{
    static const uint8_t key[32] = "fault test ticket key, 32 bytes";
    tern_config *cfg = server_config("server-ed25519");
    CHECK_EQ(tern_config_set_ticket_key(cfg, key, 32), TERN_OK);
    return cfg;
}

static size_t stride(void)
{
    const char *s = getenv("TERN_FAULT_STRIDE");
    long v = s ? atol(s) : 1;
    return v > 0 ? (size_t)v : 1;
}

/* ---- the tests ---- */

static void test_byte_at_a_time(void)
{
    tern_config *ccfg = client_config(), *scfg = ticket_server();
    for (int round = 0; round < 2; round++) { /* full, then resumed */
        struct link l;
        init_link(&l, 1, false, 1);
        struct outcome o;
        converse(ccfg, scfg, &l, &o);
        CHECK(complete(&o));
    }
    tern_config_free(ccfg);
    tern_config_free(scfg);
}

static void test_split_and_coalesce(void)
{
    tern_config *ccfg = client_config(), *scfg = ticket_server();
    tern_config *mtls = server_config("server-p256");
    add_trust(mtls, DATA "ca.pem");
    CHECK_EQ(tern_config_set_client_auth(mtls, TERN_CLIENT_AUTH_REQUIRED), TERN_OK);
    tern_config *mccfg = client_config();
    CHECK_EQ(tern_config_set_cert_chain_file(mccfg, DATA "client-chain.pem", DATA "client.key"),
             TERN_OK);
    static const size_t chunks[] = {2, 7, 64, 700, 5000, 20000};
    for (uint64_t seed = 1; seed <= 60; seed++) {
        struct link l;
        init_link(&l, chunks[seed % 6], true, seed);
        struct outcome o;
        if (seed % 3 == 0)
            converse(mccfg, mtls, &l, &o);
        else
            converse(ccfg, scfg, &l, &o); /* alternately full and resumed */
        if (!complete(&o))
            fprintf(stderr, "  seed %llu, chunks up to %zu\n", (unsigned long long)seed,
                    l.max_chunk);
        CHECK(complete(&o));
    }
    tern_config_free(ccfg);
    tern_config_free(scfg);
    tern_config_free(mtls);
    tern_config_free(mccfg);
}

/* Truncate one direction at every offset: the receiver stops cleanly,
 * reads only a prefix of what was sent, and never mistakes the cut for
 * the peer's close_notify. */
static void truncate_each_offset(int dir)
{
    tern_config *ccfg = client_config(), *scfg = server_config("server-ed25519");
    CHECK_EQ(tern_config_set_tickets(scfg, 0, 3600, 3600), TERN_OK);
    /* One record of data each way: every offset of the handshake, of a
     * record of data and of the close_notify is cut. */
    len_c = len_s = 1000;
    struct link l;
    init_link(&l, 0, false, 1);
    struct outcome full;
    converse(ccfg, scfg, &l, &full);
    CHECK(complete(&full));
    size_t total = l.produced[dir], step = stride(), bad = 0;
    for (size_t cut = 0; cut < total; cut += step) {
        init_link(&l, 0, false, 1);
        l.cap[dir] = cut;
        struct outcome o;
        converse(ccfg, scfg, &l, &o);
        bool ok = o.made;
        if (dir == S2C) {
            /* The client saw a prefix of the answer and no close. */
            ok = ok && !o.c_closed && o.cg.len <= MSG_S && !memcmp(o.cg.buf, msg_s, o.cg.len);
        } else {
            ok = ok && o.sg.last != TERN_E_CLOSED && o.sg.len <= MSG_C &&
                 !memcmp(o.sg.buf, msg_c, o.sg.len);
        }
        /* Nothing hides a failure: a side that stopped early either waits
         * for bytes or failed with a sentence (checked in converse). */
        if (!ok && bad++ < 5)
            fprintf(stderr, "  %s cut at %zu of %zu: client %s, server %s\n",
                    dir == S2C ? "server->client" : "client->server", cut, total,
                    tern_status_name(o.c_status), tern_status_name(o.s_status));
    }
    CHECK_EQ(bad, 0);
    len_c = MSG_C;
    len_s = MSG_S;
    tern_config_free(ccfg);
    tern_config_free(scfg);
}

static void test_truncate_server_flight(void)
{
    truncate_each_offset(S2C);
}

static void test_truncate_client_flight(void)
{
    truncate_each_offset(C2S);
}

/* ---- allocation failures ---- */

static struct {
    long count, fail_at, live;
    bool failed;
} alloc;

static void *counting_malloc(size_t n, void *arg)
{
    (void)arg;
    if (++alloc.count == alloc.fail_at) {
        alloc.failed = true;
        return NULL;
    }
    void *p = malloc(n);
    if (p)
        alloc.live++;
    return p;
}

static void counting_free(void *p, void *arg)
{
    (void)arg;
    alloc.live--;
    free(p);
}

/* Fail the k-th allocation of a whole conversation (connections made,
 * handshake, transfer, close, freed), for every k until a run makes no
 * more allocations than k. The client's configuration is made fresh for
 * each run (it caches sessions) before the counting starts, and freed
 * after: then every block of the run must be back. */
static void fail_each_allocation(tern_config *(*make_client)(void), tern_config *scfg,
                                 const char *what)
{
    long k, runs = 0, errors = 0, total = -1;
    CHECK_EQ(tern_set_allocator(counting_malloc, counting_free, NULL), TERN_OK);
    for (k = 1;; k++) {
        alloc.fail_at = 0;
        long live_before = alloc.live;
        tern_config *ccfg = make_client();
        alloc.count = 0;
        alloc.fail_at = k;
        alloc.failed = false;
        struct link l;
        init_link(&l, 0, false, 1);
        struct outcome o;
        converse(ccfg, scfg, &l, &o);
        alloc.fail_at = 0;
        tern_config_free(ccfg);
        runs++;
        if (alloc.live != live_before) {
            fprintf(stderr, "  %s: with allocation %ld failing, %ld blocks stay allocated\n", what,
                    k, alloc.live - live_before);
            CHECK_EQ(alloc.live, live_before);
        }
        if (!alloc.failed) {
            total = alloc.count;
            CHECK(complete(&o));
            break;
        }
        /* The failure shows: a connection not made, or a side that failed
         * with a sentence (converse checks the sentence) or stopped. */
        if (!complete(&o))
            errors++;
        if (k > 100000) {
            CHECK(!"allocation count does not converge");
            break;
        }
    }
    CHECK_EQ(tern_set_allocator(NULL, NULL, NULL), TERN_OK);
    fprintf(stderr, "  %s: %ld allocations per conversation, %ld runs, %ld ended in an error\n",
            what, total, runs, errors);
    CHECK(total > 0);
}

static tern_config *mtls_client(void)
{
    tern_config *cfg = client_config();
    CHECK_EQ(tern_config_set_cert_chain_file(cfg, DATA "client-chain.pem", DATA "client.key"),
             TERN_OK);
    return cfg;
}

static uint8_t saved_session[4096];
static size_t saved_len;

static void save_session(void *arg, const char *name, const uint8_t *session, size_t len)
{
    (void)arg;
    (void)name;
    if (len <= sizeof(saved_session)) {
        memcpy(saved_session, session, len);
        saved_len = len;
    }
}

static tern_config *resuming_client(void)
{
    tern_config *cfg = client_config();
    CHECK_EQ(tern_config_add_session(cfg, saved_session, saved_len), TERN_OK);
    return cfg;
}

static void test_allocation_failures(void)
{
    tern_config *mtls = server_config("server-p256");
    add_trust(mtls, DATA "ca.pem");
    CHECK_EQ(tern_config_set_client_auth(mtls, TERN_CLIENT_AUTH_REQUIRED), TERN_OK);
    CHECK_EQ(tern_config_set_tickets(mtls, 0, 3600, 3600), TERN_OK);
    tern_config *scfg = ticket_server();
    /* A first conversation of each kind (lazy loading done) and the session
     * the resuming runs offer. */
    tern_config *first = client_config();
    tern_config_set_session_callback(first, save_session, NULL);
    tern_config *m = mtls_client();
    struct link l;
    struct outcome o;
    init_link(&l, 0, false, 1);
    converse(first, scfg, &l, &o);
    CHECK(complete(&o));
    init_link(&l, 0, false, 1);
    converse(m, mtls, &l, &o);
    CHECK(complete(&o));
    tern_config_free(first);
    tern_config_free(m);
    CHECK(saved_len > 0);

    fail_each_allocation(mtls_client, mtls, "full handshake with client certificate");
    fail_each_allocation(resuming_client, scfg, "resumed handshake");

    tern_config_free(scfg);
    tern_config_free(mtls);
}

int main(void)
{
    set_messages();
    RUN(test_byte_at_a_time);
    RUN(test_split_and_coalesce);
    RUN(test_truncate_server_flight);
    RUN(test_truncate_client_flight);
    RUN(test_allocation_failures);
    return test_done();
}
