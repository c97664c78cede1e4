/* Whole TLS 1.3 handshakes between a tern client and a tern server in
 * memory: every suite, group and key type, HelloRetryRequest, KeyUpdate,
 * ALPN, mutual TLS, close_notify, and the failures with their alerts and
 * sentences. */
#include "base/bytes.h"
#include "hs/test_hooks.h"
#include "pair.h"
#include "tern/tern.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static void test_default_handshake(void)
{
    struct handshake h = {client_config(), server_config("server-p256"), 0, 0};
    start(&h, "localhost", 1 << 20);
    if (!both_done(h.c, h.s))
        fprintf(stderr, "client: %s\nserver: %s\n", tern_conn_error(h.c), tern_conn_error(h.s));
    CHECK(both_done(h.c, h.s));
    CHECK_EQ(tern_conn_version(h.c), TERN_TLS13);
    CHECK_EQ(tern_conn_cipher_suite(h.c), TERN_TLS_AES_128_GCM_SHA256);
    CHECK_EQ(tern_conn_group(h.c), TERN_GROUP_X25519MLKEM768);
    CHECK_EQ(tern_conn_group(h.s), TERN_GROUP_X25519MLKEM768);
    CHECK_EQ(tern_conn_signature_scheme(h.c), TERN_SIG_ECDSA_SECP256R1_SHA256);
    CHECK_CONTAINS(tern_conn_peer_subject(h.c), "CN=localhost");
    CHECK(tern_conn_server_name(h.s) && !strcmp(tern_conn_server_name(h.s), "localhost"));
    exchange(h.c, h.s, 100);
    exchange(h.c, h.s, 70000); /* several records */
    finish(&h);
}

static void test_each_suite(void)
{
    const uint16_t suites[] = {TERN_TLS_AES_128_GCM_SHA256, TERN_TLS_AES_256_GCM_SHA384,
                               TERN_TLS_CHACHA20_POLY1305_SHA256};
    for (size_t i = 0; i < 3; i++) {
        struct handshake h = {client_config(), server_config("server-p256"), 0, 0};
        CHECK_EQ(tern_config_set_cipher_suites(h.ccfg, &suites[i], 1), TERN_OK);
        start(&h, "localhost", 1 << 20);
        CHECK(both_done(h.c, h.s));
        CHECK_EQ(tern_conn_cipher_suite(h.s), suites[i]);
        exchange(h.c, h.s, 20000);
        finish(&h);
    }
}

static void test_each_group(void)
{
    const uint16_t groups[] = {TERN_GROUP_X25519, TERN_GROUP_SECP256R1, TERN_GROUP_SECP384R1,
                               TERN_GROUP_X25519MLKEM768};
    for (size_t i = 0; i < 4; i++) {
        struct handshake h = {client_config(), server_config("server-p256"), 0, 0};
        CHECK_EQ(tern_config_set_groups(h.ccfg, &groups[i], 1), TERN_OK);
        start(&h, "localhost", 1 << 20);
        CHECK(both_done(h.c, h.s));
        CHECK_EQ(tern_conn_group(h.c), groups[i]);
        exchange(h.c, h.s, 1000);
        finish(&h);
    }
}

static void test_each_key_type(void)
{
    const struct {
        const char *name;
        uint16_t scheme;
    } keys[] = {
        {"server-p256", TERN_SIG_ECDSA_SECP256R1_SHA256},
        {"server-p384", TERN_SIG_ECDSA_SECP384R1_SHA384},
        {"server-rsa", TERN_SIG_RSA_PSS_RSAE_SHA256},
        {"server-ed25519", TERN_SIG_ED25519},
    };
    for (size_t i = 0; i < 4; i++) {
        struct handshake h = {client_config(), server_config(keys[i].name), 0, 0};
        start(&h, "localhost", 1 << 20);
        if (!both_done(h.c, h.s))
            fprintf(stderr, "%s: client: %s server: %s\n", keys[i].name, tern_conn_error(h.c),
                    tern_conn_error(h.s));
        CHECK(both_done(h.c, h.s));
        CHECK_EQ(tern_conn_signature_scheme(h.c), keys[i].scheme);
        exchange(h.c, h.s, 10);
        finish(&h);
    }
}

static void test_hello_retry(void)
{
    /* The client leads with X25519; the server accepts only P-384. */
    struct handshake h = {client_config(), server_config("server-p256"), 0, 0};
    const uint16_t cg[] = {TERN_GROUP_X25519, TERN_GROUP_SECP384R1};
    const uint16_t sg[] = {TERN_GROUP_SECP384R1};
    CHECK_EQ(tern_config_set_groups(h.ccfg, cg, 2), TERN_OK);
    CHECK_EQ(tern_config_set_groups(h.scfg, sg, 1), TERN_OK);
    start(&h, "localhost", 1 << 20);
    CHECK(both_done(h.c, h.s));
    CHECK_EQ(tern_conn_group(h.c), TERN_GROUP_SECP384R1);
    exchange(h.c, h.s, 500);
    finish(&h);
}

/* key_share_publics: from a ClientHello record, the X25519 public values of
 * its X25519MLKEM768 share (the last 32 bytes) and of its X25519 share. */
static bool key_share_publics(const uint8_t *rec, size_t len, const uint8_t **hybrid_x,
                              const uint8_t **x25519)
{
    struct rd r, body, sid, suites, comp, exts;
    const uint8_t *skip;
    uint8_t type;
    uint32_t hlen;
    rd_init(&r, rec, len);
    if (!rd_bytes(&r, &skip, 5) || !rd_u8(&r, &type) || type != 1 || !rd_u24(&r, &hlen) ||
        !rd_sub(&r, &body, hlen) || !rd_bytes(&body, &skip, 2 + 32) || !rd_prefixed8(&body, &sid) ||
        !rd_prefixed16(&body, &suites) || !rd_prefixed8(&body, &comp) ||
        !rd_prefixed16(&body, &exts))
        return false;
    *hybrid_x = *x25519 = NULL;
    while (exts.len > 0) {
        uint16_t et;
        struct rd e, list;
        if (!rd_u16(&exts, &et) || !rd_prefixed16(&exts, &e))
            return false;
        if (et != 51)
            continue;
        if (!rd_prefixed16(&e, &list))
            return false;
        while (list.len > 0) {
            uint16_t g;
            struct rd share;
            if (!rd_u16(&list, &g) || !rd_prefixed16(&list, &share))
                return false;
            if (g == TERN_GROUP_X25519MLKEM768 && share.len == 1184 + 32)
                *hybrid_x = share.p + 1184;
            if (g == TERN_GROUP_X25519 && share.len == 32)
                *x25519 = share.p;
        }
    }
    return *hybrid_x && *x25519;
}

/* The browsers' offer: X25519MLKEM768 and X25519 shares. The client makes
 * one X25519 key for both (draft-ietf-tls-ecdhe-mlkem allows it), and a
 * server that takes only X25519 completes with it, no HelloRetryRequest. */
static void test_hybrid_and_x25519_share_a_key(void)
{
    const uint16_t cg[] = {TERN_GROUP_X25519MLKEM768, TERN_GROUP_X25519};
    const uint16_t only_x[] = {TERN_GROUP_X25519};
    for (int server_pq = 0; server_pq < 2; server_pq++) {
        struct handshake h = {client_config(), server_config("server-p256"), 0, 0};
        CHECK_EQ(tern_config_set_groups(h.ccfg, cg, 2), TERN_OK);
        CHECK_EQ(tern_config_set_groups(h.scfg, server_pq ? cg : only_x, server_pq ? 2 : 1),
                 TERN_OK);
        h.c = tern_conn_new_client(h.ccfg, "localhost");
        h.s = tern_conn_new_server(h.scfg);
        const uint8_t *out, *hx = NULL, *x = NULL;
        size_t len = 0;
        CHECK_EQ(tern_conn_output(h.c, &out, &len), TERN_OK);
        CHECK(key_share_publics(out, len, &hx, &x));
        if (hx && x)
            CHECK_MEM(hx, x, 32);
        move(h.c, h.s, 1 << 20);
        /* One flight each way: the server answers the ClientHello at once. */
        move(h.s, h.c, 1 << 20);
        move(h.c, h.s, 1 << 20);
        CHECK(both_done(h.c, h.s));
        CHECK_EQ(tern_conn_group(h.c), server_pq ? TERN_GROUP_X25519MLKEM768 : TERN_GROUP_X25519);
        CHECK_EQ(tern_conn_group(h.s), tern_conn_group(h.c));
        exchange(h.c, h.s, 100);
        finish(&h);
    }
}

/* What the ServerHello trace events said about the key exchange, per side. */
struct sh_seen {
    int events[2];   /* ServerHello events seen by the client [0] and server [1] */
    int hybrid[2];   /* with both halves' facts and the hybrid sentence */
    int mentions[2]; /* any mention of ML-KEM at all */
};

static void note_server_hello(void *arg, const struct tern_trace_event *ev)
{
    struct sh_seen *s = arg;
    if (ev->kind != TERN_TRACE_MESSAGE || strcmp(ev->name, "ServerHello") != 0)
        return;
    int side = ev->is_server != 0;
    bool ml = false, x = false;
    for (size_t i = 0; i < ev->n_facts; i++) {
        if (!strcmp(ev->facts[i].key, "ml_kem_768") && strstr(ev->facts[i].value, "1088 B"))
            ml = true;
        if (!strcmp(ev->facts[i].key, "x25519") && strstr(ev->facts[i].value, "33-64"))
            x = true;
    }
    bool note = strstr(ev->explain, "hybrid X25519MLKEM768") != NULL;
    s->events[side]++;
    s->hybrid[side] += ml && x && note;
    s->mentions[side] += ml || x || note || strstr(ev->explain, "ML-KEM") != NULL;
}

/* The explained trace says when the hybrid was used and what each half gave,
 * on both sides, and says nothing of it otherwise. */
static void test_trace_names_the_hybrid(void)
{
    const uint16_t hybrid[] = {TERN_GROUP_X25519MLKEM768}, x25519[] = {TERN_GROUP_X25519};
    for (int pq = 0; pq < 2; pq++) {
        struct handshake h = {client_config(), server_config("server-p256"), 0, 0};
        struct sh_seen seen = {{0, 0}, {0, 0}, {0, 0}};
        CHECK_EQ(tern_config_set_groups(h.ccfg, pq ? hybrid : x25519, 1), TERN_OK);
        tern_config_set_trace(h.ccfg, note_server_hello, &seen);
        tern_config_set_trace(h.scfg, note_server_hello, &seen);
        start(&h, "localhost", 1 << 20);
        CHECK(both_done(h.c, h.s));
        for (int side = 0; side < 2; side++) {
            CHECK_EQ(seen.events[side], 1);
            CHECK_EQ(seen.hybrid[side], pq);
            CHECK_EQ(seen.mentions[side], pq);
        }
        finish(&h);
    }
}

static void test_byte_at_a_time(void)
{
    struct handshake h = {client_config(), server_config("server-rsa"), 0, 0};
    start(&h, "localhost", 1);
    CHECK(both_done(h.c, h.s));
    exchange(h.c, h.s, 3000);
    finish(&h);
}

static void test_key_update(void)
{
    struct handshake h = {client_config(), server_config("server-p256"), 0, 0};
    start(&h, "localhost", 1 << 20);
    CHECK(both_done(h.c, h.s));
    CHECK_EQ(tern_conn_key_update(h.c, 1), TERN_OK); /* the server must answer */
    exchange(h.c, h.s, 100);
    CHECK_EQ(tern_conn_key_update(h.s, 0), TERN_OK);
    exchange(h.c, h.s, 100);
    CHECK_EQ(tern_conn_status(h.c), TERN_OK);
    CHECK_EQ(tern_conn_status(h.s), TERN_OK);
    finish(&h);
}

/* Counts the KeyUpdate messages a connection sends. */
static void count_key_updates(void *arg, const struct tern_trace_event *ev)
{
    if (ev->kind == TERN_TRACE_MESSAGE && !strcmp(ev->name, "KeyUpdate") &&
        ev->dir == (ev->is_server ? TERN_DIR_TO_CLIENT : TERN_DIR_TO_SERVER))
        (*(int *)arg)++;
}

/* The sender moves to a new key before a key's record limit (here lowered
 * to 4 records by the test hook; 2^24 in use): 20 records, 4 KeyUpdates,
 * and the peer reads every byte. */
static void test_automatic_rekey(void)
{
    struct handshake h = {client_config(), server_config("server-p256"), 0, 0};
    struct hs_test_hooks hooks = {.rekey_records = 4};
    hs_test_config_hooks(h.ccfg, &hooks);
    int updates = 0;
    tern_config_set_trace(h.ccfg, count_key_updates, &updates);
    start(&h, "localhost", 1 << 20);
    CHECK(both_done(h.c, h.s));
    uint8_t msg[1000], got[1000];
    for (int i = 0; i < 20; i++) {
        size_t n;
        memset(msg, 'a' + i, sizeof(msg));
        CHECK_EQ(tern_conn_write(h.c, msg, sizeof(msg), &n), TERN_OK);
        move(h.c, h.s, 1 << 20);
        CHECK_EQ(tern_conn_read(h.s, got, sizeof(got), &n), TERN_OK);
        CHECK_EQ(n, sizeof(got));
        CHECK_MEM(got, msg, sizeof(msg));
    }
    CHECK_EQ(updates, 4);
    CHECK_EQ(tern_conn_status(h.s), TERN_OK);
    finish(&h);
}

/* Both ends export the same keying material, in TLS 1.3 and 1.2; label and
 * context change it; none before the handshake. */
static void test_exporter(void)
{
    struct handshake h = {client_config(), server_config("server-p256"), 0, 0};
    uint8_t a[40], b[40], d[40];
    tern_conn *early = tern_conn_new_client(h.ccfg, "localhost");
    CHECK_EQ(tern_conn_export_keying_material(early, "EXPERIMENTAL x", NULL, 0, a, 32), TERN_E_ARG);
    tern_conn_free(early);
    start(&h, "localhost", 1 << 20);
    CHECK(both_done(h.c, h.s));
    CHECK_EQ(tern_conn_export_keying_material(h.c, "EXPERIMENTAL x", NULL, 0, a, 40), TERN_OK);
    CHECK_EQ(tern_conn_export_keying_material(h.s, "EXPERIMENTAL x", NULL, 0, b, 40), TERN_OK);
    CHECK_MEM(a, b, 40);
    /* RFC 8446 §7.5: no context is the empty context */
    CHECK_EQ(tern_conn_export_keying_material(h.s, "EXPERIMENTAL x", (const uint8_t *)"", 0, d, 40),
             TERN_OK);
    CHECK_MEM(a, d, 40);
    CHECK_EQ(tern_conn_export_keying_material(h.s, "EXPERIMENTAL y", NULL, 0, d, 40), TERN_OK);
    CHECK(memcmp(a, d, 40) != 0);
    CHECK_EQ(
        tern_conn_export_keying_material(h.s, "EXPERIMENTAL x", (const uint8_t *)"c", 1, d, 40),
        TERN_OK);
    CHECK(memcmp(a, d, 40) != 0);
    CHECK_EQ(
        tern_conn_export_keying_material(h.c, "EXPERIMENTAL x", (const uint8_t *)"c", 1, a, 40),
        TERN_OK);
    CHECK_MEM(a, d, 40);
    CHECK_EQ(tern_conn_export_keying_material(h.c, "", NULL, 0, a, 40), TERN_E_ARG);
    CHECK_EQ(tern_conn_status(h.c), TERN_OK); /* a refused export does not fail the connection */
    finish(&h);

    struct handshake t = {client_config(), server_config("server-p256"), 0, 0};
    CHECK_EQ(tern_config_set_versions(t.ccfg, TERN_TLS12, TERN_TLS12), TERN_OK);
    start(&t, "localhost", 1 << 20);
    CHECK(both_done(t.c, t.s));
    CHECK_EQ(tern_conn_export_keying_material(t.c, "EXPERIMENTAL x", NULL, 0, a, 32), TERN_OK);
    CHECK_EQ(tern_conn_export_keying_material(t.s, "EXPERIMENTAL x", NULL, 0, b, 32), TERN_OK);
    CHECK_MEM(a, b, 32);
    /* RFC 5705: in TLS 1.2 an empty context differs from none */
    CHECK_EQ(tern_conn_export_keying_material(t.s, "EXPERIMENTAL x", (const uint8_t *)"", 0, d, 32),
             TERN_OK);
    CHECK(memcmp(a, d, 32) != 0);
    CHECK_EQ(tern_conn_export_keying_material(t.c, "EXPERIMENTAL x", (const uint8_t *)"", 0, b, 32),
             TERN_OK);
    CHECK_MEM(b, d, 32);
    finish(&t);
}

static void test_alpn(void)
{
    struct handshake h = {client_config(), server_config("server-p256"), 0, 0};
    const char *cp[] = {"h2", "http/1.1"};
    const char *sp[] = {"http/1.1"};
    CHECK_EQ(tern_config_set_alpn(h.ccfg, cp, 2), TERN_OK);
    CHECK_EQ(tern_config_set_alpn(h.scfg, sp, 1), TERN_OK);
    start(&h, "localhost", 1 << 20);
    CHECK(both_done(h.c, h.s));
    CHECK(tern_conn_alpn(h.c) && !strcmp(tern_conn_alpn(h.c), "http/1.1"));
    finish(&h);

    struct handshake n = {client_config(), server_config("server-p256"), 0, 0};
    const char *other[] = {"spdy/1"};
    CHECK_EQ(tern_config_set_alpn(n.ccfg, other, 1), TERN_OK);
    CHECK_EQ(tern_config_set_alpn(n.scfg, sp, 1), TERN_OK);
    start(&n, "localhost", 1 << 20);
    CHECK_EQ(tern_conn_status(n.s), TERN_E_NO_APPLICATION_PROTOCOL);
    CHECK_EQ(tern_conn_status(n.c), TERN_E_ALERT_RECEIVED);
    CHECK_CONTAINS(tern_conn_error(n.c), "no_application_protocol");
    finish(&n);
}

static void test_close_notify(void)
{
    struct handshake h = {client_config(), server_config("server-p256"), 0, 0};
    start(&h, "localhost", 1 << 20);
    exchange(h.c, h.s, 10);
    CHECK_EQ(tern_conn_close(h.c), TERN_OK);
    move(h.c, h.s, 1 << 20);
    uint8_t buf[10];
    size_t n;
    CHECK_EQ(tern_conn_read(h.s, buf, sizeof(buf), &n), TERN_E_CLOSED);
    CHECK(tern_conn_wants(h.s) & TERN_WANTS_CLOSED);
    finish(&h);
}

/* take_output moves everything c has to send into out. */
static size_t take_output(tern_conn *c, uint8_t *out, size_t cap)
{
    const uint8_t *p;
    size_t len;
    CHECK_EQ(tern_conn_output(c, &p, &len), TERN_OK);
    CHECK(len <= cap);
    if (len > cap)
        len = cap;
    if (len)
        memcpy(out, p, len);
    tern_conn_output_done(c, len);
    return len;
}

/* tern_conn_feed_read: records opened straight into the reader's buffer
 * where they fit, the buffered path where they do not, a KeyUpdate (TLS
 * 1.3) and a close_notify arriving among the data, all in one feed. */
static void feed_read_case(uint16_t version)
{
    enum { MSG = 41000, READ = 16384 };
    static uint8_t msg[MSG], wire[MSG + 2000], got[MSG + READ];
    for (size_t i = 0; i < MSG; i++)
        msg[i] = (uint8_t)(i * 31 + 7);
    struct handshake h = {client_config(), server_config("server-p256"), 0, 0};
    CHECK_EQ(tern_config_set_versions(h.ccfg, version, version), TERN_OK);
    start(&h, "localhost", 1 << 20);
    CHECK(both_done(h.c, h.s));
    size_t n, used, w = 0;
    CHECK_EQ(tern_conn_write(h.c, msg, 40000, &n), TERN_OK);
    if (version == TERN_TLS13)
        CHECK_EQ(tern_conn_key_update(h.c, 1), TERN_OK); /* the server must answer */
    CHECK_EQ(tern_conn_write(h.c, msg + 40000, MSG - 40000, &n), TERN_OK);
    CHECK_EQ(tern_conn_close(h.c), TERN_OK);
    w = take_output(h.c, wire, sizeof(wire));
    /* One feed of everything: the first record lands in got directly. */
    CHECK_EQ(tern_conn_feed_read(h.s, wire, w, &used, got, READ, &n), TERN_OK);
    CHECK_EQ(used, w);
    CHECK_EQ(n, (size_t)READ);
    size_t have = n;
    int rc;
    while ((rc = tern_conn_feed_read(h.s, NULL, 0, &used, got + have, READ, &n)) == TERN_OK)
        have += n;
    CHECK_EQ(rc, TERN_E_CLOSED);
    CHECK_EQ(have, (size_t)MSG);
    CHECK_MEM(got, msg, MSG);
    if (version == TERN_TLS13) {
        const uint8_t *p;
        size_t len;
        CHECK_EQ(tern_conn_output(h.s, &p, &len), TERN_OK);
        CHECK(len > 0); /* its KeyUpdate */
    }
    finish(&h);

    /* Record by record, as a socket delivers them, the server answering. */
    h = (struct handshake){client_config(), server_config("server-p256"), 0, 0};
    CHECK_EQ(tern_config_set_versions(h.ccfg, version, version), TERN_OK);
    start(&h, "localhost", 1 << 20);
    have = 0;
    for (int round = 0; round < 5; round++) {
        CHECK_EQ(tern_conn_write(h.c, msg, 5000, &n), TERN_OK);
        w = take_output(h.c, wire, sizeof(wire));
        /* Straight into got: tern's input buffer is never even allocated. */
        count_allocations_begin();
        CHECK_EQ(tern_conn_feed_read(h.s, wire, w, &used, got, READ, &n), TERN_OK);
        CHECK_EQ(count_allocations_end(), 0u);
        CHECK_EQ(n, 5000u);
        CHECK_MEM(got, msg, 5000);
        /* Too small a buffer for a record: the buffered path, same bytes. */
        CHECK_EQ(tern_conn_write(h.c, msg, 300, &n), TERN_OK);
        w = take_output(h.c, wire, sizeof(wire));
        CHECK_EQ(tern_conn_feed_read(h.s, wire, w, &used, got, 100, &n), TERN_OK);
        CHECK_EQ(n, 100u);
        CHECK_EQ(tern_conn_feed_read(h.s, NULL, 0, &used, got + 100, READ, &n), TERN_OK);
        CHECK_EQ(n, 200u);
        CHECK_MEM(got, msg, 300);
        CHECK_EQ(tern_conn_feed_read(h.s, NULL, 0, &used, got, READ, &n), TERN_WANT_READ);
        /* No room at all: the bytes are taken and wait, nothing is read. */
        CHECK_EQ(tern_conn_write(h.c, msg, 10, &n), TERN_OK);
        w = take_output(h.c, wire, sizeof(wire));
        CHECK_EQ(tern_conn_feed_read(h.s, wire, w, &used, got, 0, &n), TERN_WANT_READ);
        CHECK_EQ(used, w);
        CHECK_EQ(n, 0u);
        CHECK_EQ(tern_conn_feed_read(h.s, NULL, 0, &used, got, READ, &n), TERN_OK);
        CHECK_EQ(n, 10u);
        exchange(h.c, h.s, 50); /* and the ordinary path still works after */
    }
    /* A flipped bit: bad_record_mac, no plaintext in the buffer. */
    CHECK_EQ(tern_conn_write(h.c, msg, 2000, &n), TERN_OK);
    w = take_output(h.c, wire, sizeof(wire));
    wire[w - 3] ^= 0x10;
    memset(got, 0xee, 2000);
    CHECK_EQ(tern_conn_feed_read(h.s, wire, w, &used, got, READ, &n), TERN_E_BAD_RECORD_MAC);
    CHECK_EQ(n, 0u);
    CHECK_EQ(used, w);
    size_t leaked = 0;
    for (size_t i = 0; i < 2000; i++)
        leaked += got[i] == msg[i];
    CHECK(leaked < 50); /* zeros, matching msg only by chance */
    CHECK_CONTAINS(tern_conn_error(h.s), "did not authenticate");
    /* Failed: nothing more is taken, as tern_conn_feed. */
    CHECK_EQ(tern_conn_feed_read(h.s, wire, w, &used, got, READ, &n), TERN_E_BAD_RECORD_MAC);
    CHECK_EQ(used, 0u);
    size_t fused = 1;
    CHECK_EQ(tern_conn_feed(h.s, wire, w, &fused), TERN_E_BAD_RECORD_MAC);
    CHECK_EQ(fused, 0u);
    finish(&h);
}

static void test_feed_read(void)
{
    feed_read_case(TERN_TLS13);
    feed_read_case(TERN_TLS12);
}

static void expect_client_failure(const char *server, const char *trust, const char *name, int code,
                                  const char *words, int alert)
{
    tern_config *ccfg = tern_config_new();
    add_trust(ccfg, trust);
    struct handshake h = {ccfg, server_config(server), 0, 0};
    start(&h, name, 1 << 20);
    CHECK(!tern_conn_handshake_done(h.c));
    CHECK_EQ(tern_conn_status(h.c), code);
    CHECK_CONTAINS(tern_conn_error(h.c), words);
    /* The server learns why through the alert. */
    CHECK_EQ(tern_conn_status(h.s), TERN_E_ALERT_RECEIVED);
    CHECK_CONTAINS(tern_conn_error(h.s), tern_alert_name(alert));
    fprintf(stderr, "  client says: %s\n  server says: %s\n", tern_conn_error(h.c),
            tern_conn_error(h.s));
    /* No application data after a failure. */
    size_t n;
    CHECK(tern_conn_write(h.c, (const uint8_t *)"x", 1, &n) != TERN_OK);
    finish(&h);
}

static void test_certificate_failures(void)
{
    expect_client_failure("server-p256", DATA "ca.pem", "example.org", TERN_E_NAME_MISMATCH,
                          "example.org", TERN_ALERT_BAD_CERTIFICATE);
    expect_client_failure("expired", DATA "ca.pem", "localhost", TERN_E_CERTIFICATE_EXPIRED,
                          "expired", TERN_ALERT_CERTIFICATE_EXPIRED);
    expect_client_failure("server-p256", DATA "other-ca.pem", "localhost", TERN_E_UNKNOWN_CA,
                          "trust", TERN_ALERT_UNKNOWN_CA);
}

static void test_no_common_suite(void)
{
    struct handshake h = {client_config(), server_config("server-p256"), 0, 0};
    const uint16_t a[] = {TERN_TLS_AES_128_GCM_SHA256};
    const uint16_t b[] = {TERN_TLS_CHACHA20_POLY1305_SHA256};
    CHECK_EQ(tern_config_set_cipher_suites(h.ccfg, a, 1), TERN_OK);
    CHECK_EQ(tern_config_set_cipher_suites(h.scfg, b, 1), TERN_OK);
    start(&h, "localhost", 1 << 20);
    CHECK_EQ(tern_conn_status(h.s), TERN_E_HANDSHAKE_FAILURE);
    CHECK_CONTAINS(tern_conn_error(h.s), "no cipher suite in common");
    CHECK_CONTAINS(tern_conn_error(h.c), "handshake_failure");
    finish(&h);
}

static void test_mutual_tls(void)
{
    /* required, and the client has a certificate */
    struct handshake h = {client_config(), server_config("server-p256"), 0, 0};
    CHECK_EQ(tern_config_set_cert_chain_file(h.ccfg, DATA "client-chain.pem", DATA "client.key"),
             TERN_OK);
    add_trust(h.scfg, DATA "ca.pem");
    CHECK_EQ(tern_config_set_client_auth(h.scfg, TERN_CLIENT_AUTH_REQUIRED), TERN_OK);
    start(&h, "localhost", 1 << 20);
    if (!both_done(h.c, h.s))
        fprintf(stderr, "mtls: client: %s server: %s\n", tern_conn_error(h.c),
                tern_conn_error(h.s));
    CHECK(both_done(h.c, h.s));
    CHECK_CONTAINS(tern_conn_peer_subject(h.s), "tern test client");
    exchange(h.c, h.s, 50);
    finish(&h);

    /* required, and the client has none: certificate_required */
    struct handshake m = {client_config(), server_config("server-p256"), 0, 0};
    add_trust(m.scfg, DATA "ca.pem");
    CHECK_EQ(tern_config_set_client_auth(m.scfg, TERN_CLIENT_AUTH_REQUIRED), TERN_OK);
    start(&m, "localhost", 1 << 20);
    CHECK_EQ(tern_conn_status(m.s), TERN_E_CERTIFICATE_REQUIRED);
    CHECK_CONTAINS(tern_conn_error(m.c), "certificate_required");
    finish(&m);

    /* optional, and the client has none: fine */
    struct handshake o = {client_config(), server_config("server-p256"), 0, 0};
    add_trust(o.scfg, DATA "ca.pem");
    CHECK_EQ(tern_config_set_client_auth(o.scfg, TERN_CLIENT_AUTH_OPTIONAL), TERN_OK);
    start(&o, "localhost", 1 << 20);
    CHECK(both_done(o.c, o.s));
    CHECK(tern_conn_peer_subject(o.s) == NULL);
    finish(&o);
}

/* Flip each byte of the server's first flight in turn: the client must
 * fail cleanly every time and never complete. */
static void test_tampered_flight(void)
{
    tern_config *ccfg = client_config(), *scfg = server_config("server-p256");
    tern_conn *c0 = tern_conn_new_client(ccfg, "localhost");
    tern_conn *s0 = tern_conn_new_server(scfg);
    move(c0, s0, 1 << 20);
    const uint8_t *out;
    size_t len;
    tern_conn_output(s0, &out, &len);
    CHECK(len > 500);
    /* the client's ClientHello is random each time, so the flight cannot be
     * replayed to another client: tamper with a fresh pair for a sample of
     * offsets instead. */
    tern_conn_free(c0);
    tern_conn_free(s0);
    int failures = 0, runs = 0;
    for (size_t off = 0; off < len; off += 37) {
        tern_conn *c = tern_conn_new_client(ccfg, "localhost");
        tern_conn *s = tern_conn_new_server(scfg);
        move(c, s, 1 << 20);
        const uint8_t *o;
        size_t l;
        tern_conn_output(s, &o, &l);
        uint8_t *copy = malloc(l);
        memcpy(copy, o, l);
        if (off < l)
            copy[off] ^= 0x40;
        size_t used;
        tern_conn_feed(c, copy, l, &used);
        runs++;
        if (!tern_conn_handshake_done(c) && tern_conn_status(c) != TERN_OK)
            failures++;
        free(copy);
        tern_conn_free(c);
        tern_conn_free(s);
    }
    CHECK_EQ(failures, runs);
    tern_config_free(ccfg);
    tern_config_free(scfg);
}

static void test_config_frozen(void)
{
    tern_config *cfg = client_config();
    tern_conn *c = tern_conn_new_client(cfg, "localhost");
    const uint16_t g[] = {TERN_GROUP_X25519};
    CHECK_EQ(tern_config_set_groups(cfg, g, 1), TERN_E_ARG);
    CHECK_CONTAINS(tern_config_error(cfg), "in use");
    tern_conn_free(c);
    tern_config_free(cfg);

    cfg = tern_config_new();
    CHECK_EQ(tern_config_set_versions(cfg, 0x0301, TERN_TLS13), TERN_E_ARG);
    CHECK_CONTAINS(tern_config_error(cfg), "refused");
    const uint16_t bad[] = {0x1305};
    CHECK_EQ(tern_config_set_cipher_suites(cfg, bad, 1), TERN_E_UNSUPPORTED);
    CHECK_CONTAINS(tern_config_error(cfg), "0x1305");
    CHECK(tern_config_set_cert_chain_file(cfg, DATA "missing.pem", DATA "missing.key") != TERN_OK);
    CHECK_CONTAINS(tern_config_error(cfg), "missing.pem");
    tern_config_free(cfg);
}

static void count_line(void *arg, const char *line)
{
    int *n = arg;
    /* "LABEL <64 hex> <hex secret>" */
    if (strchr(line, ' ') && strlen(line) > 64 + 64)
        (*n)++;
}

static void test_keylog(void)
{
    struct handshake h = {client_config(), server_config("server-p256"), 0, 0};
    int lines = 0;
    tern_config_set_keylog(h.ccfg, count_line, &lines);
    start(&h, "localhost", 1 << 20);
    CHECK(both_done(h.c, h.s));
    /* two handshake secrets, two application secrets, the exporter */
    CHECK_EQ(lines, 5);
    finish(&h);
}

int main(void)
{
    RUN(test_default_handshake);
    RUN(test_each_suite);
    RUN(test_each_group);
    RUN(test_each_key_type);
    RUN(test_hello_retry);
    RUN(test_hybrid_and_x25519_share_a_key);
    RUN(test_trace_names_the_hybrid);
    RUN(test_byte_at_a_time);
    RUN(test_key_update);
    RUN(test_automatic_rekey);
    RUN(test_exporter);
    RUN(test_alpn);
    RUN(test_close_notify);
    RUN(test_feed_read);
    RUN(test_certificate_failures);
    RUN(test_no_common_suite);
    RUN(test_mutual_tls);
    RUN(test_tampered_flight);
    RUN(test_config_frozen);
    RUN(test_keylog);
    return test_done();
}
