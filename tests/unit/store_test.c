/* Sessions the server keeps (hs/store.c): TLS 1.2 session IDs and TLS 1.3
 * stateful tickets between tern endpoints in memory, tern's own session
 * cache, the application's store callbacks (called as documented), the
 * session-ID context, removed, damaged and foreign serialized sessions, and
 * the client's saved sessions for both versions. */
#include "hs/store.h"
#include "pair.h"
#include "tern/tern.h"
#include "test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const uint8_t key_a[32] = {7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
                                  7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};
static const uint8_t key_b[32] = {8};

/* ---- the application's store: a small table that counts its calls ---- */

#define APP_MAX 8
struct app_store {
    struct {
        uint8_t id[TERN_SESSION_ID_MAX];
        size_t id_len;
        uint8_t blob[TERN_SESSION_MAX];
        size_t len;
    } e[APP_MAX];
    size_t n;
    unsigned news, gets, hits, removes;
    size_t last_id_len;
    int damage;     /* 1: flip a byte of what get returns; 2: return it cut short */
    int sealed_too; /* the store's stateful_tickets is 0: sealed tickets as well */
    int reusable;   /* the store's single_use_tickets is 0 */
};

static int app_find(struct app_store *a, const uint8_t *id, size_t id_len)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->e[i].id_len == id_len && !memcmp(a->e[i].id, id, id_len))
            return (int)i;
    return -1;
}

static int app_new(void *arg, const uint8_t *id, size_t id_len, const uint8_t *blob, size_t len)
{
    struct app_store *a = arg;
    a->news++;
    a->last_id_len = id_len;
    CHECK(len <= TERN_SESSION_MAX);
    CHECK(id_len >= 1 && id_len <= TERN_SESSION_ID_MAX);
    if (a->n == APP_MAX)
        return -1;
    memcpy(a->e[a->n].id, id, id_len);
    a->e[a->n].id_len = id_len;
    memcpy(a->e[a->n].blob, blob, len);
    a->e[a->n].len = len;
    a->n++;
    return 0;
}

static size_t app_get(void *arg, const uint8_t *id, size_t id_len, uint8_t *out, size_t cap)
{
    struct app_store *a = arg;
    a->gets++;
    CHECK_EQ(cap, TERN_SESSION_MAX);
    int i = app_find(a, id, id_len);
    if (i < 0 || a->e[i].len > cap)
        return 0;
    a->hits++;
    size_t n = a->e[i].len;
    memcpy(out, a->e[i].blob, n);
    if (a->damage == 1)
        out[n / 2] ^= 0x10;
    if (a->damage == 2)
        n -= 40;
    return n;
}

static void app_remove(void *arg, const uint8_t *id, size_t id_len)
{
    struct app_store *a = arg;
    a->removes++;
    int i = app_find(a, id, id_len);
    if (i >= 0)
        a->e[i] = a->e[--a->n];
}

static void app_store_init(struct app_store *a)
{
    memset(a, 0, sizeof(*a));
}

/* ---- the trace: what the server said about sessions ---- */

static char last_refusal[1024];
static unsigned refusals, unknowns, retries;
static char last_sh_resumption[128];
static char ticket_refusal[1024];

static void server_trace(void *arg, const struct tern_trace_event *ev)
{
    (void)arg;
    if (!strcmp(ev->name, "session refused")) {
        refusals++;
        snprintf(last_refusal, sizeof(last_refusal), "%s", ev->explain);
    }
    if (!strcmp(ev->name, "ticket refused"))
        snprintf(ticket_refusal, sizeof(ticket_refusal), "%s", ev->explain);
    if (!strcmp(ev->name, "session unknown"))
        unknowns++;
    if (ev->kind == TERN_TRACE_MESSAGE && !strcmp(ev->name, "HelloRetryRequest"))
        retries++;
    if (ev->kind == TERN_TRACE_MESSAGE && !strcmp(ev->name, "ServerHello"))
        for (size_t i = 0; i < ev->n_facts; i++)
            if (!strcmp(ev->facts[i].key, "resumption"))
                snprintf(last_sh_resumption, sizeof(last_sh_resumption), "%s", ev->facts[i].value);
}

static void trace_reset(void)
{
    last_refusal[0] = last_sh_resumption[0] = '\0';
    refusals = unknowns = retries = 0;
}

/* The client's saved sessions, as the session callback gives them. */
static uint8_t saved[TERN_SESSION_MAX];
static size_t saved_len;
static unsigned saved_n;
static void save_session(void *arg, const char *name, const uint8_t *s, size_t len)
{
    (void)arg;
    CHECK(!strcmp(name, "localhost"));
    saved_n++;
    if (len <= sizeof(saved)) {
        memcpy(saved, s, len);
        saved_len = len;
    }
}

static tern_config *store_server(const uint8_t *key, struct app_store *app)
{
    tern_config *cfg = server_config("server-p256");
    CHECK_EQ(tern_config_set_ticket_key(cfg, key, 32), TERN_OK);
    if (app) {
        struct tern_session_store st = {
            .new_session = app_new,
            .get_session = app_get,
            .remove_session = app_remove,
            .arg = app,
            .stateful_tickets = !app->sealed_too,
            .single_use_tickets = !app->reusable,
        };
        CHECK_EQ(tern_config_set_session_store(cfg, &st), TERN_OK);
    }
    tern_config_set_trace(cfg, server_trace, NULL);
    return cfg;
}

static tern_config *client12(void)
{
    tern_config *cfg = client_config();
    CHECK_EQ(tern_config_set_versions(cfg, TERN_TLS12, TERN_TLS12), TERN_OK);
    return cfg;
}

/* visit: one handshake and an exchange; 1 resumed, 0 full, -1 failed. */
static int visit(tern_config *ccfg, tern_config *scfg)
{
    tern_conn *c = tern_conn_new_client(ccfg, "localhost");
    tern_conn *s = tern_conn_new_server(scfg);
    pump(c, s, 1 << 20);
    int r = -1;
    if (both_done(c, s)) {
        exchange(c, s, 64);
        pump(c, s, 1 << 20);
        CHECK_EQ(tern_conn_resumed(c), tern_conn_resumed(s));
        CHECK_CONTAINS(tern_conn_peer_subject(c), "CN=localhost");
        r = tern_conn_resumed(s);
    } else {
        fprintf(stderr, "  client: %s\n  server: %s\n", tern_conn_error(c), tern_conn_error(s));
    }
    tern_conn_free(c);
    tern_conn_free(s);
    return r;
}

/* TLS 1.2 session IDs with tern's own cache: a full handshake, then
 * resumptions by ID, as often as the client likes (an ID is not spent). */
static void test_tls12_ids_builtin(void)
{
    tern_config *ccfg = client12(), *scfg = store_server(key_a, NULL);
    CHECK_EQ(tern_config_set_session_cache(scfg, 16), TERN_OK);
    trace_reset();
    CHECK_EQ(visit(ccfg, scfg), 0);
    CHECK_EQ(visit(ccfg, scfg), 1);
    CHECK_CONTAINS(last_sh_resumption, "session ID");
    CHECK_EQ(visit(ccfg, scfg), 1);
    CHECK_EQ(visit(ccfg, scfg), 1);
    /* Another client (nothing saved) gets a full handshake. */
    tern_config *other = client12();
    CHECK_EQ(visit(other, scfg), 0);
    tern_config_free(other);
    tern_config_free(ccfg);
    tern_config_free(scfg);
}

/* Without a store: no session ID, so nothing to resume by ID (and with
 * the client's tickets turned off at the server, nothing at all). */
static void test_tls12_no_store_no_id(void)
{
    tern_config *ccfg = client12(), *scfg = store_server(key_a, NULL);
    CHECK_EQ(tern_config_set_tickets(scfg, 0, 3600, 3600), TERN_OK);
    CHECK_EQ(visit(ccfg, scfg), 0);
    CHECK_EQ(visit(ccfg, scfg), 0);
    tern_config_free(ccfg);
    tern_config_free(scfg);
}

/* The cache holds at most N: the oldest session is evicted first. */
static void test_cache_eviction(void)
{
    tern_config *scfg = store_server(key_a, NULL);
    CHECK_EQ(tern_config_set_session_cache(scfg, 2), TERN_OK);
    tern_config *c1 = client12(), *c2 = client12(), *c3 = client12();
    CHECK_EQ(visit(c1, scfg), 0);
    CHECK_EQ(visit(c2, scfg), 0);
    CHECK_EQ(visit(c1, scfg), 1);
    CHECK_EQ(visit(c3, scfg), 0); /* evicts c1's, the oldest stored */
    CHECK_EQ(visit(c2, scfg), 1);
    CHECK_EQ(visit(c3, scfg), 1);
    CHECK_EQ(visit(c1, scfg), 0);
    tern_config_free(c1);
    tern_config_free(c2);
    tern_config_free(c3);
    tern_config_free(scfg);
    tern_config *bad = tern_config_new();
    CHECK_EQ(tern_config_set_session_cache(bad, (1u << 20) + 1), TERN_E_ARG);
    CHECK_CONTAINS(tern_config_error(bad), "1048577");
    tern_config_free(bad);
}

/* A spent single-use ticket frees its place in tern's cache: the next
 * session takes it, and no live session is evicted while there is room. */
static void test_cache_reuses_freed_places(void)
{
    tern_config *scfg = store_server(key_a, NULL);
    CHECK_EQ(tern_config_set_tickets(scfg, 1, 3600, 86400), TERN_OK);
    CHECK_EQ(tern_config_set_session_cache(scfg, 2), TERN_OK);
    tern_config *a = client_config(), *b = client_config();
    CHECK_EQ(visit(a, scfg), 0); /* a1 */
    CHECK_EQ(visit(b, scfg), 0); /* b1: full */
    CHECK_EQ(visit(a, scfg), 1); /* a1 spent, a2 in its place */
    CHECK_EQ(visit(a, scfg), 1); /* a2 spent, a3 */
    CHECK_EQ(visit(b, scfg), 1); /* b1 still there */
    CHECK_EQ(visit(a, scfg), 1);
    tern_config_free(a);
    tern_config_free(b);
    tern_config_free(scfg);
}

/* The application's callbacks: new once per full handshake with a 32-byte
 * ID, get once per offered ID, remove never while all is well. */
static void test_callbacks_called(void)
{
    struct app_store app;
    app_store_init(&app);
    tern_config *ccfg = client12(), *scfg = store_server(key_a, &app);
    CHECK_EQ(visit(ccfg, scfg), 0);
    CHECK_EQ(app.news, 1);
    CHECK_EQ(app.last_id_len, 32);
    CHECK_EQ(app.gets, 0); /* the client offered no ID */
    CHECK_EQ(visit(ccfg, scfg), 1);
    CHECK_EQ(app.gets, 1);
    CHECK_EQ(app.hits, 1);
    CHECK_EQ(app.news, 1); /* a resumed session is not stored again */
    CHECK_EQ(app.removes, 0);
    /* A store without get_session is refused. */
    struct tern_session_store half = {.new_session = app_new, .arg = &app};
    tern_config *bad = server_config("server-p256");
    CHECK_EQ(tern_config_set_session_store(bad, &half), TERN_E_ARG);
    CHECK_CONTAINS(tern_config_error(bad), "get_session");
    tern_config_free(bad);
    tern_config_free(ccfg);
    tern_config_free(scfg);
}

/* A store with stateful_tickets 0: TLS 1.2 gets a session ID and a sealed
 * ticket; the client resumes with the ticket, and the store is not asked. */
static void test_ids_beside_sealed_tickets(void)
{
    struct app_store app;
    app_store_init(&app);
    app.sealed_too = 1;
    tern_config *ccfg = client12(), *scfg = store_server(key_a, &app);
    trace_reset();
    CHECK_EQ(visit(ccfg, scfg), 0);
    CHECK_EQ(app.news, 1);
    CHECK_EQ(visit(ccfg, scfg), 1);
    CHECK_CONTAINS(last_sh_resumption, "ticket");
    CHECK_EQ(app.gets, 0);
    tern_config_free(ccfg);
    tern_config_free(scfg);
}

/* A handshake that fails (the client's Finished record damaged) leaves no
 * session in the store, and the client keeps none. */
static void test_failed_handshake_stores_nothing(void)
{
    struct app_store app;
    app_store_init(&app);
    tern_config *ccfg = client12(), *scfg = store_server(key_a, &app);
    tern_config_set_session_callback(ccfg, save_session, NULL);
    saved_n = 0;
    tern_conn *c = tern_conn_new_client(ccfg, "localhost");
    tern_conn *s = tern_conn_new_server(scfg);
    move(c, s, 1 << 20); /* ClientHello */
    move(s, c, 1 << 20); /* ServerHello .. ServerHelloDone */
    const uint8_t *out;
    size_t len, used;
    CHECK_EQ(tern_conn_output(c, &out, &len), TERN_OK);
    CHECK(len > 40);
    uint8_t *copy = malloc(len);
    memcpy(copy, out, len);
    copy[len - 1] ^= 1; /* the Finished record's tag */
    tern_conn_output_done(c, len);
    tern_conn_feed(s, copy, len, &used);
    free(copy);
    CHECK_EQ(tern_conn_status(s), TERN_E_BAD_RECORD_MAC);
    move(s, c, 1 << 20); /* the alert */
    CHECK(!tern_conn_handshake_done(c));
    CHECK_EQ(app.news, 0);
    CHECK_EQ(saved_n, 0);
    tern_conn_free(c);
    tern_conn_free(s);
    tern_config_free(ccfg);
    tern_config_free(scfg);
}

/* A removed session is not resumed: the server's store lost it. */
static void test_removed_not_resumed(void)
{
    struct app_store app;
    app_store_init(&app);
    tern_config *ccfg = client12(), *scfg = store_server(key_a, &app);
    CHECK_EQ(visit(ccfg, scfg), 0);
    CHECK_EQ(app.n, 1);
    app_remove(&app, app.e[0].id, app.e[0].id_len);
    trace_reset();
    CHECK_EQ(visit(ccfg, scfg), 0);
    CHECK_EQ(unknowns, 1);
    CHECK_EQ(app.gets, 1);
    CHECK_EQ(app.hits, 0);
    CHECK_EQ(visit(ccfg, scfg), 1); /* the new session resumes */
    tern_config_free(ccfg);
    tern_config_free(scfg);
}

/* Two servers share the application's store and ticket key but not their
 * session-ID context: neither resumes the other's sessions, and the
 * refused one is removed. */
static void test_other_context_refused(void)
{
    struct app_store app;
    app_store_init(&app);
    tern_config *a = store_server(key_a, &app), *b = store_server(key_a, &app);
    CHECK_EQ(tern_config_set_session_id_context(a, (const uint8_t *)"site-a", 6), TERN_OK);
    CHECK_EQ(tern_config_set_session_id_context(b, (const uint8_t *)"site-b", 6), TERN_OK);
    tern_config *ccfg = client12();
    CHECK_EQ(visit(ccfg, a), 0);
    trace_reset();
    CHECK_EQ(visit(ccfg, b), 0);
    CHECK_EQ(refusals, 1);
    CHECK_CONTAINS(last_refusal, "context");
    CHECK_CONTAINS(last_refusal, "736974652d61"); /* "site-a" in hex */
    CHECK_EQ(app.removes, 1);
    /* A context of 33 bytes is refused. */
    uint8_t long_ctx[33] = {0};
    tern_config *bad = tern_config_new();
    CHECK_EQ(tern_config_set_session_id_context(bad, long_ctx, 33), TERN_E_ARG);
    tern_config_free(bad);
    /* Same context on both: shared. */
    tern_config *a2 = store_server(key_a, &app);
    CHECK_EQ(tern_config_set_session_id_context(a2, (const uint8_t *)"site-b", 6), TERN_OK);
    CHECK_EQ(visit(ccfg, a2), 1);
    tern_config_free(a2);
    tern_config_free(ccfg);
    tern_config_free(a);
    tern_config_free(b);
}

/* A damaged serialized session (one byte flipped, or cut short) and one
 * made under another ticket secret are refused with a sentence. */
static void test_damaged_refused(void)
{
    for (int mode = 1; mode <= 3; mode++) {
        struct app_store app;
        app_store_init(&app);
        tern_config *ccfg = client12(), *scfg = store_server(key_a, &app);
        CHECK_EQ(visit(ccfg, scfg), 0);
        tern_config *reader = scfg;
        if (mode == 3)
            reader = store_server(key_b, &app); /* another process's secret */
        else
            app.damage = mode;
        trace_reset();
        CHECK_EQ(visit(ccfg, reader), 0);
        CHECK_EQ(refusals, 1);
        CHECK_CONTAINS(last_refusal, "does not authenticate");
        CHECK_EQ(app.removes, 1);
        if (reader != scfg)
            tern_config_free(reader);
        tern_config_free(ccfg);
        tern_config_free(scfg);
    }
    /* The sentences of the deserializer itself. */
    tern_config *cfg = tern_config_new();
    struct hs_session s, back;
    memset(&s, 0, sizeof(s));
    s.version = TERN_TLS12;
    s.suite = TERN_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
    s.psk_len = 48;
    s.ems = true;
    s.issued_ms = 1000000;
    s.lifetime_s = 60;
    uint8_t blob[TERN_SESSION_MAX];
    size_t len;
    CHECK_EQ(hs_store_serialize(cfg, &s, blob, &len), TERN_OK);
    struct tern_err err;
    err_init(&err);
    CHECK_EQ(hs_store_deserialize(cfg, blob, len, 1000500, &back, &err), TERN_OK);
    CHECK(back.ems);
    CHECK_EQ(back.suite, s.suite);
    err_init(&err);
    CHECK_EQ(hs_store_deserialize(cfg, blob, len, 1000000 + 61000, &back, &err), TERN_E_DECRYPT);
    CHECK_CONTAINS(err.msg, "expired (61 s old, lifetime 60 s)");
    err_init(&err);
    CHECK_EQ(hs_store_deserialize(cfg, blob, len, 999000, &back, &err), TERN_E_DECRYPT);
    CHECK_CONTAINS(err.msg, "issued after now");
    err_init(&err);
    CHECK_EQ(hs_store_deserialize(cfg, blob, 20, 1000500, &back, &err), TERN_E_DECODE);
    CHECK_CONTAINS(err.msg, "20 bytes is not one of tern's");
    err_init(&err);
    CHECK_EQ(hs_store_deserialize(cfg, blob, TERN_SESSION_MAX + 1, 1000500, &back, &err),
             TERN_E_DECODE);
    tern_config_free(cfg);
}

/* RFC 7627 §5.3: a TLS 1.2 session without the extended master secret is
 * never resumed, even from a store that authenticates it. */
static void test_no_ems_session_not_resumed(void)
{
    struct app_store app;
    app_store_init(&app);
    tern_config *ccfg = client12(), *scfg = store_server(key_a, &app);
    tern_config_set_session_callback(ccfg, save_session, NULL);
    CHECK_EQ(visit(ccfg, scfg), 0);
    CHECK_EQ(app.n, 1);
    for (int ems = 0; ems < 2; ems++) {
        /* Re-serialize the stored session with ems cleared (then set), as
         * the server's own configuration would, so it authenticates. */
        struct hs_session s;
        struct tern_err err;
        err_init(&err);
        CHECK_EQ(hs_store_deserialize(scfg, app.e[0].blob, app.e[0].len, hs_now_ms(), &s, &err),
                 TERN_OK);
        s.ems = ems;
        CHECK_EQ(hs_store_serialize(scfg, &s, app.e[0].blob, &app.e[0].len), TERN_OK);
        hs_session_wipe(&s);
        tern_config *again = client12();
        CHECK_EQ(tern_config_add_session(again, saved, saved_len), TERN_OK);
        CHECK_EQ(visit(again, scfg), ems);
        tern_config_free(again);
    }
    tern_config_free(ccfg);
    tern_config_free(scfg);
}

/* The client's saved sessions (the session callback and
 * tern_config_add_session) carry a TLS 1.2 session ID: another client
 * (another process) resumes from the blob. */
static void test_client_export_import12(void)
{
    tern_config *scfg = store_server(key_a, NULL);
    CHECK_EQ(tern_config_set_session_cache(scfg, 8), TERN_OK);
    tern_config *first = client12();
    tern_config_set_session_callback(first, save_session, NULL);
    saved_n = 0;
    CHECK_EQ(visit(first, scfg), 0);
    CHECK_EQ(saved_n, 1);
    CHECK_EQ(visit(first, scfg), 1);
    CHECK_EQ(saved_n, 2); /* kept again after resuming: an ID is reusable */
    tern_config_free(first);
    struct tern_session_info info;
    CHECK_EQ(tern_session_info(saved, saved_len, &info), TERN_OK);
    CHECK_EQ(info.version, TERN_TLS12);
    CHECK_EQ(info.by_ticket, 0);
    CHECK(!strcmp(info.server_name, "localhost"));
    CHECK(!strcmp(info.alpn, ""));
    CHECK(info.expires > 1700000000 && info.expires <= (int64_t)(hs_now_ms() / 1000) + 86400);
    CHECK_EQ(tern_session_info(saved, saved_len - 1, &info), TERN_E_DECODE);
    CHECK_EQ(info.version, 0);
    tern_config *second = client12();
    CHECK_EQ(tern_config_add_session(second, saved, saved_len), TERN_OK);
    CHECK_EQ(visit(second, scfg), 1);
    tern_config_free(second);
    /* A client allowing TLS 1.3 still offers the 1.2 session's ID to a
     * 1.2-only server. */
    tern_config *s12 = store_server(key_a, NULL);
    CHECK_EQ(tern_config_set_versions(s12, TERN_TLS12, TERN_TLS12), TERN_OK);
    CHECK_EQ(tern_config_set_session_cache(s12, 8), TERN_OK);
    tern_config *both = client_config();
    CHECK_EQ(visit(both, s12), 0);
    CHECK_EQ(visit(both, s12), 1);
    tern_config_free(both);
    tern_config_free(s12);
    tern_config_free(scfg);
}

/* TLS 1.3 stateful tickets: lookup keys into the store (two after a full
 * handshake, one after a resumption), each used once; and again when the
 * store keeps them (single_use_tickets 0). */
static void test_tls13_stateful_tickets(void)
{
    for (int reusable = 0; reusable < 2; reusable++) {
        struct app_store app;
        app_store_init(&app);
        app.reusable = reusable;
        tern_config *scfg = store_server(key_a, &app);
        CHECK_EQ(tern_config_set_versions(scfg, TERN_TLS13, TERN_TLS13), TERN_OK);
        tern_config *ccfg = client_config();
        tern_config_set_session_callback(ccfg, save_session, NULL);
        saved_n = 0;
        CHECK_EQ(visit(ccfg, scfg), 0);
        CHECK_EQ(app.news, 2);
        CHECK_EQ(saved_n, 2);
        struct tern_session_info info;
        CHECK_EQ(tern_session_info(saved, saved_len, &info), TERN_OK);
        CHECK_EQ(info.version, TERN_TLS13);
        CHECK_EQ(info.by_ticket, 1);
        CHECK_EQ(info.cipher_suite, TERN_TLS_AES_128_GCM_SHA256);
        CHECK_EQ(app.last_id_len, 32);
        CHECK_EQ(app.gets, 0);
        CHECK_EQ(visit(ccfg, scfg), 1);
        CHECK_EQ(app.hits, 1);
        CHECK_EQ(app.removes, reusable ? 0 : 1);
        CHECK_EQ(app.news, 3); /* one ticket replaces the one spent */
        CHECK_EQ(visit(ccfg, scfg), 1);
        /* The newest saved session, offered twice from two "processes". */
        uint8_t blob[TERN_SESSION_MAX];
        size_t len = saved_len;
        memcpy(blob, saved, len);
        for (int round = 0; round < 2; round++) {
            tern_config *other = client_config();
            CHECK_EQ(tern_config_add_session(other, blob, len), TERN_OK);
            trace_reset();
            CHECK_EQ(visit(other, scfg), round == 0 || reusable ? 1 : 0);
            if (round == 1 && !reusable)
                CHECK_EQ(unknowns, 1);
            tern_config_free(other);
        }
        tern_config_free(ccfg);
        tern_config_free(scfg);
    }
}

/* A TLS 1.2 session's ID, offered as a TLS 1.3 ticket (a client blob
 * crafted around it), finds the 1.2 session in the shared store but never
 * resumes 1.3 with it. */
static void test_id_is_no_tls13_ticket(void)
{
    struct app_store app;
    app_store_init(&app);
    tern_config *scfg = store_server(key_a, &app);
    tern_config *c12 = client12();
    CHECK_EQ(visit(c12, scfg), 0);
    CHECK_EQ(app.n, 1);
    struct hs_session s;
    memset(&s, 0, sizeof(s));
    s.version = TERN_TLS13;
    s.suite = TERN_TLS_AES_128_GCM_SHA256;
    s.psk_len = 32;
    s.issued_ms = hs_now_ms();
    s.lifetime_s = 3600;
    snprintf(s.server_name, sizeof(s.server_name), "localhost");
    snprintf(s.peer_subject, sizeof(s.peer_subject), "CN=localhost");
    memcpy(s.ticket, app.e[0].id, app.e[0].id_len);
    s.ticket_len = app.e[0].id_len;
    uint8_t blob[TERN_SESSION_MAX];
    struct wr w;
    wr_init_fixed(&w, blob, sizeof(blob));
    hs_session_encode(&s, &w);
    CHECK(wr_ok(&w));
    tern_config *c13 = client_config();
    CHECK_EQ(tern_config_add_session(c13, blob, w.len), TERN_OK);
    unsigned hits = app.hits;
    CHECK_EQ(visit(c13, scfg), 0);
    CHECK_EQ(app.hits, hits + 1); /* found, and refused */
    tern_config_free(c13);
    tern_config_free(c12);
    tern_config_free(scfg);
}

/* Mutual TLS: a session resumed from the store carries the client's
 * identity, its certificates as sent and the verdict (both versions), and sessions made without one
 * do not resume on a server that now requires it (same context: the test shares a store). */
static void test_client_identity_in_store(void)
{
    for (int v13 = 0; v13 < 2; v13++) {
        struct app_store app;
        app_store_init(&app);
        tern_config *scfg = store_server(key_a, &app);
        add_trust(scfg, DATA "ca.pem");
        CHECK_EQ(tern_config_set_client_auth(scfg, TERN_CLIENT_AUTH_REQUIRED), TERN_OK);
        tern_config *ccfg = v13 ? client_config() : client12();
        CHECK_EQ(tern_config_set_cert_chain_file(ccfg, DATA "client-chain.pem", DATA "client.key"),
                 TERN_OK);
        static uint8_t leaf[2048];
        size_t leaf_len = 0;
        for (int round = 0; round < 2; round++) {
            tern_conn *c = tern_conn_new_client(ccfg, "localhost");
            tern_conn *s = tern_conn_new_server(scfg);
            pump(c, s, 1 << 20);
            CHECK(both_done(c, s));
            exchange(c, s, 16);
            pump(c, s, 1 << 20);
            CHECK_EQ(tern_conn_resumed(s), round);
            CHECK(tern_conn_peer_subject(s) && strlen(tern_conn_peer_subject(s)) > 3);
            CHECK_CONTAINS(tern_conn_peer_subject(s), "CN=");
            /* the chain and verdict, from the store's session when resumed */
            CHECK_EQ(tern_conn_peer_cert_count(s), 2);
            const uint8_t *der = NULL;
            size_t len = 0;
            CHECK_EQ(tern_conn_peer_cert_der(s, 0, &der, &len), TERN_OK);
            if (round == 0 && len <= sizeof(leaf)) {
                memcpy(leaf, der, len);
                leaf_len = len;
            } else if (round == 1) {
                CHECK_EQ(len, leaf_len);
                CHECK(der && !memcmp(der, leaf, leaf_len));
            }
            struct tern_verdict v;
            CHECK_EQ(tern_conn_peer_verdict(s, &v), TERN_OK);
            CHECK_EQ(v.status, TERN_OK);
            CHECK_EQ(v.reason, TERN_VERIFY_OK);
            tern_conn_free(c);
            tern_conn_free(s);
        }
        /* A session of a server that did not ask for certificates. */
        struct app_store app2;
        app_store_init(&app2);
        tern_config *open_srv = store_server(key_a, &app2);
        tern_config *req_srv = store_server(key_a, &app2);
        add_trust(req_srv, DATA "ca.pem");
        CHECK_EQ(tern_config_set_client_auth(req_srv, TERN_CLIENT_AUTH_REQUIRED), TERN_OK);
        tern_config *anon = v13 ? client_config() : client12();
        CHECK_EQ(tern_config_set_cert_chain_file(anon, DATA "client-chain.pem", DATA "client.key"),
                 TERN_OK);
        CHECK_EQ(visit(anon, open_srv), 0);
        CHECK_EQ(visit(anon, req_srv), 0); /* no identity in the session: a full handshake */
        tern_config_free(anon);
        tern_config_free(open_srv);
        tern_config_free(req_srv);
        tern_config_free(ccfg);
        tern_config_free(scfg);
    }
}

/* A stateful single-use ticket survives a HelloRetryRequest: the server
 * looks it up (and spends it) once, for the second ClientHello. */
static void test_tls13_stateful_after_hrr(void)
{
    struct app_store app;
    app_store_init(&app);
    tern_config *scfg = store_server(key_a, &app);
    const uint16_t g[] = {TERN_GROUP_SECP256R1};
    CHECK_EQ(tern_config_set_groups(scfg, g, 1), TERN_OK); /* the client's shares are others */
    tern_config *ccfg = client_config();
    CHECK_EQ(visit(ccfg, scfg), 0);
    trace_reset();
    CHECK_EQ(visit(ccfg, scfg), 1);
    CHECK_EQ(retries, 1);
    CHECK_EQ(app.gets, 1);
    CHECK_EQ(app.removes, 1);
    tern_config_free(ccfg);
    tern_config_free(scfg);
}

/* tern's own cache with TLS 1.3: stateful, single-use tickets. */
/* tern's cache shaped as OpenSSL's internal one: TLS 1.3 stateful tickets
 * that serve more than once, or sealed tickets beside cached TLS 1.2 IDs. */
static void test_builtin_cache_shapes(void)
{
    tern_config *bare = store_server(key_a, NULL);
    CHECK_EQ(tern_config_set_session_cache_tickets(bare, 1, 0), TERN_E_ARG); /* no cache */
    tern_config_free(bare);
    for (int stateful = 0; stateful < 2; stateful++) {
        tern_config *scfg = store_server(key_a, NULL);
        CHECK_EQ(tern_config_set_session_cache(scfg, 16), TERN_OK);
        CHECK_EQ(tern_config_set_session_cache_tickets(scfg, stateful, 0), TERN_OK);
        tern_config *first = client_config();
        tern_config_set_session_callback(first, save_session, NULL);
        CHECK_EQ(visit(first, scfg), 0);
        tern_config_free(first);
        uint8_t blob[TERN_SESSION_MAX];
        size_t len = saved_len;
        memcpy(blob, saved, len);
        /* the same saved ticket resumes twice */
        for (int round = 0; round < 2; round++) {
            tern_config *other = client_config();
            CHECK_EQ(tern_config_add_session(other, blob, len), TERN_OK);
            CHECK_EQ(visit(other, scfg), 1);
            tern_config_free(other);
        }
        /* a server with the same ticket key and no store opens a sealed
         * ticket only */
        tern_config *sealed = store_server(key_a, NULL);
        tern_config *other = client_config();
        CHECK_EQ(tern_config_add_session(other, blob, len), TERN_OK);
        CHECK_EQ(visit(other, sealed), stateful ? 0 : 1);
        tern_config_free(other);
        tern_config_free(sealed);
        tern_config_free(scfg);
    }
}

static void test_tls13_builtin_cache(void)
{
    tern_config *scfg = store_server(key_a, NULL);
    CHECK_EQ(tern_config_set_session_cache(scfg, 16), TERN_OK);
    tern_config *first = client_config();
    tern_config_set_session_callback(first, save_session, NULL);
    CHECK_EQ(visit(first, scfg), 0);
    tern_config_free(first);
    uint8_t blob[TERN_SESSION_MAX];
    size_t len = saved_len;
    memcpy(blob, saved, len);
    tern_config *ccfg = client_config();
    CHECK_EQ(visit(ccfg, scfg), 0);
    CHECK_EQ(visit(ccfg, scfg), 1);
    CHECK_EQ(visit(ccfg, scfg), 1);
    /* The first visit's saved ticket resumes once; then it is gone. */
    for (int round = 0; round < 2; round++) {
        tern_config *other = client_config();
        CHECK_EQ(tern_config_add_session(other, blob, len), TERN_OK);
        CHECK_EQ(visit(other, scfg), round == 0 ? 1 : 0);
        tern_config_free(other);
    }
    /* A server with the same ticket key but no store: the stateful ticket
     * means nothing to it (a full handshake, no error). */
    tern_config *sealed = store_server(key_a, NULL);
    CHECK_EQ(visit(ccfg, sealed), 0);
    tern_config_free(sealed);
    tern_config_free(ccfg);
    tern_config_free(scfg);
}

/* ---- the ticket-sealing hook: a toy format "TK", key id, masked state,
 * checksum (the application's own; tern sees only the state) ---- */

struct sealer {
    uint8_t key_id, old_key_id;
    unsigned seals, opens;
    size_t last_state_len;
    int corrupt; /* open hands back a state with a wrong format byte */
};

static int toy_seal(void *arg, const uint8_t *state, size_t len, uint8_t *out, size_t cap,
                    size_t *out_len)
{
    struct sealer *k = arg;
    k->seals++;
    k->last_state_len = len;
    CHECK_EQ(cap, TERN_TICKET_MAX);
    CHECK(len <= TERN_SESSION_MAX);
    if (len + 4 > cap)
        return -1;
    uint8_t sum = 0;
    out[0] = 'T';
    out[1] = 'K';
    out[2] = k->key_id;
    for (size_t i = 0; i < len; i++) {
        out[3 + i] = state[i] ^ 0x5a;
        sum += state[i];
    }
    out[3 + len] = sum;
    *out_len = len + 4;
    return 0;
}

static int toy_open(void *arg, const uint8_t *t, size_t len, uint8_t *out, size_t cap,
                    size_t *out_len)
{
    struct sealer *k = arg;
    k->opens++;
    CHECK_EQ(cap, TERN_SESSION_MAX);
    if (len < 5 || t[0] != 'T' || t[1] != 'K' || len - 4 > cap)
        return TERN_TICKET_UNKNOWN;
    if (t[2] != k->key_id && t[2] != k->old_key_id)
        return TERN_TICKET_UNKNOWN;
    uint8_t sum = 0;
    for (size_t i = 0; i < len - 4; i++) {
        out[i] = t[3 + i] ^ 0x5a;
        sum += out[i];
    }
    if (sum != t[len - 1])
        return TERN_TICKET_UNKNOWN;
    if (k->corrupt)
        out[0] ^= 0x40;
    *out_len = len - 4;
    return t[2] == k->key_id ? TERN_TICKET_OK : TERN_TICKET_RENEW;
}

static tern_config *sealer_server(struct sealer *k, uint16_t version)
{
    tern_config *cfg = store_server(key_a, NULL);
    struct tern_ticket_sealer h = {.seal = toy_seal, .open = toy_open, .arg = k};
    CHECK_EQ(tern_config_set_ticket_sealer(cfg, &h), TERN_OK);
    CHECK_EQ(tern_config_set_versions(cfg, TERN_TLS12, version), TERN_OK);
    return cfg;
}

/* The hook seals every ticket and opens every one offered; its tickets
 * resume both versions, and the client holds the hook's bytes. */
static void test_sealer_round_trip(void)
{
    for (int v13 = 0; v13 < 2; v13++) {
        struct sealer k = {.key_id = 1};
        tern_config *scfg = sealer_server(&k, v13 ? TERN_TLS13 : TERN_TLS12);
        tern_config *ccfg = client_config();
        tern_config_set_session_callback(ccfg, save_session, NULL);
        CHECK_EQ(visit(ccfg, scfg), 0);
        CHECK_EQ(k.seals, v13 ? 2 : 1);
        CHECK(k.last_state_len > 60);
        CHECK_EQ(k.opens, 0);
        /* The client's saved session ends with the hook's ticket. */
        size_t tlen = k.last_state_len + 4;
        CHECK(saved_len > tlen + 2);
        CHECK_EQ(saved[saved_len - tlen], 'T');
        CHECK_EQ(saved[saved_len - tlen + 1], 'K');
        CHECK_EQ(visit(ccfg, scfg), 1);
        CHECK_EQ(k.opens, 1);
        CHECK_EQ(visit(ccfg, scfg), v13 ? 1 : 0); /* 1.2: the ticket was used, none renewed */
        /* A server with tern's own sealing (same ticket secret) cannot open
         * the hook's tickets: a full handshake. */
        tern_config *plain = store_server(key_a, NULL);
        tern_config *fresh = client_config();
        CHECK_EQ(tern_config_add_session(fresh, saved, saved_len), TERN_OK);
        CHECK_EQ(visit(fresh, plain), 0);
        tern_config_free(fresh);
        tern_config_free(plain);
        tern_config_free(ccfg);
        tern_config_free(scfg);
    }
    tern_config *bad = tern_config_new();
    struct tern_ticket_sealer half = {.seal = toy_seal};
    CHECK_EQ(tern_config_set_ticket_sealer(bad, &half), TERN_E_ARG);
    CHECK_CONTAINS(tern_config_error(bad), "open");
    tern_config_free(bad);
}

/* tern's own sealing renews a TLS 1.2 ticket sealed under the previous
 * epoch's key, so the session outlives that key. */
static void test_own_sealing_renews12(void)
{
    tern_config *scfg = store_server(key_a, NULL);
    CHECK_EQ(tern_config_set_tickets(scfg, 1, 3600, 1), TERN_OK); /* a new key every second */
    tern_config *ccfg = client12();
    tern_config_set_session_callback(ccfg, save_session, NULL);
    /* Start just after a second boundary, so the first two steps share it. */
    while (hs_now_ms() % 1000 > 300)
        usleep(10000);
    CHECK_EQ(visit(ccfg, scfg), 0);
    saved_n = 0;
    CHECK_EQ(visit(ccfg, scfg), 1); /* same epoch: no new ticket */
    CHECK_EQ(saved_n, 0);
    /* That visit spent the ticket; a fresh client resumes from the saved
     * blob in the next epoch and is renewed. */
    uint8_t blob[TERN_SESSION_MAX];
    size_t len = saved_len;
    memcpy(blob, saved, len);
    while (hs_now_ms() % 1000 > 300 || hs_now_ms() / 1000 == 0)
        usleep(10000);
    usleep(1000000);
    tern_config *next = client12();
    tern_config_set_session_callback(next, save_session, NULL);
    CHECK_EQ(tern_config_add_session(next, blob, len), TERN_OK);
    CHECK_EQ(visit(next, scfg), 1);
    CHECK_EQ(saved_n, 1); /* renewed inside the abbreviated handshake */
    usleep(1000000);
    CHECK_EQ(visit(next, scfg), 1); /* the first key is gone; the renewed ticket opens */
    tern_config_free(next);
    tern_config_free(ccfg);
    tern_config_free(scfg);
}

/* Key rotation through the hook: a ticket under a retired key is unknown
 * (a full handshake); one under the previous key resumes and, in TLS 1.2,
 * brings a fresh ticket inside the abbreviated handshake (RFC 5077 §3.1),
 * which resumes in turn. */
static void test_sealer_rotation_and_renewal(void)
{
    for (int v13 = 0; v13 < 2; v13++) {
        struct sealer k = {.key_id = 1};
        tern_config *scfg = sealer_server(&k, v13 ? TERN_TLS13 : TERN_TLS12);
        tern_config *ccfg = client_config();
        tern_config_set_session_callback(ccfg, save_session, NULL);
        CHECK_EQ(visit(ccfg, scfg), 0);
        k.old_key_id = 1;
        k.key_id = 2; /* rotated: 1 still opens, asking for renewal */
        saved_n = 0;
        unsigned seals = k.seals;
        CHECK_EQ(visit(ccfg, scfg), 1);
        CHECK_EQ(saved_n, 1); /* a fresh ticket came */
        CHECK_EQ(k.seals, seals + 1);
        CHECK_EQ(saved[saved_len - k.last_state_len - 2], 2); /* under the new key */
        CHECK_EQ(visit(ccfg, scfg), 1);
        /* Key 1 retired: its tickets are unknown. */
        tern_config *retired = client_config();
        tern_config_set_session_callback(retired, NULL, NULL);
        k.key_id = 1;
        k.old_key_id = 0;
        CHECK_EQ(visit(retired, scfg), 0);
        CHECK_EQ(visit(retired, scfg), 1);
        k.key_id = 3;
        k.old_key_id = 3;
        CHECK_EQ(visit(retired, scfg), 0);
        tern_config_free(retired);
        tern_config_free(ccfg);
        tern_config_free(scfg);
    }
}

/* A state the hook vouches for but tern cannot use (damaged) is refused
 * with a sentence in the trace: a full handshake, not an error. */
static void test_sealer_bad_state(void)
{
    struct sealer k = {.key_id = 1};
    tern_config *scfg = sealer_server(&k, TERN_TLS13);
    tern_config *ccfg = client_config();
    CHECK_EQ(visit(ccfg, scfg), 0);
    k.corrupt = 1;
    trace_reset();
    ticket_refusal[0] = '\0';
    CHECK_EQ(visit(ccfg, scfg), 0);
    CHECK_CONTAINS(ticket_refusal, "format");
    tern_config_free(ccfg);
    tern_config_free(scfg);
}

/* tern's cache shared by threads: four threads run handshakes against one
 * server configuration whose cache (8 sessions) evicts all the time, TLS
 * 1.2 and 1.3 clients mixed; every handshake completes, many resume. */
static tern_config *thread_server, *thread_clients[2];
static atomic_int thread_failures, thread_resumed;

static void *cache_worker(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    for (unsigned r = 0; r < 30; r++) {
        tern_config *ccfg = thread_clients[(id + r) % 2];
        tern_conn *c = tern_conn_new_client(ccfg, "localhost");
        tern_conn *s = tern_conn_new_server(thread_server);
        pump(c, s, 1 << 20);
        if (!both_done(c, s) || tern_conn_resumed(c) != tern_conn_resumed(s))
            thread_failures++;
        else
            thread_resumed += tern_conn_resumed(s);
        pump(c, s, 1 << 20); /* TLS 1.3 tickets */
        tern_conn_free(c);
        tern_conn_free(s);
    }
    return NULL;
}

static void test_cache_threads(void)
{
    thread_server = store_server(key_a, NULL);
    tern_config_set_trace(thread_server, NULL, NULL); /* its buffers are not for threads */
    CHECK_EQ(tern_config_set_session_cache(thread_server, 8), TERN_OK);
    thread_clients[0] = client12();
    thread_clients[1] = client_config();
    pthread_t t[4];
    for (uintptr_t i = 0; i < 4; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, cache_worker, (void *)i), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    CHECK_EQ(thread_failures, 0);
    CHECK(thread_resumed > 20);
    tern_config_free(thread_clients[0]);
    tern_config_free(thread_clients[1]);
    tern_config_free(thread_server);
}

int main(void)
{
    RUN(test_tls12_ids_builtin);
    RUN(test_tls12_no_store_no_id);
    RUN(test_cache_eviction);
    RUN(test_cache_reuses_freed_places);
    RUN(test_callbacks_called);
    RUN(test_ids_beside_sealed_tickets);
    RUN(test_failed_handshake_stores_nothing);
    RUN(test_removed_not_resumed);
    RUN(test_other_context_refused);
    RUN(test_damaged_refused);
    RUN(test_no_ems_session_not_resumed);
    RUN(test_client_export_import12);
    RUN(test_tls13_stateful_tickets);
    RUN(test_tls13_stateful_after_hrr);
    RUN(test_client_identity_in_store);
    RUN(test_tls13_builtin_cache);
    RUN(test_builtin_cache_shapes);
    RUN(test_id_is_no_tls13_ticket);
    RUN(test_sealer_round_trip);
    RUN(test_sealer_rotation_and_renewal);
    RUN(test_own_sealing_renews12);
    RUN(test_sealer_bad_state);
    RUN(test_cache_threads);
    return test_done();
}
