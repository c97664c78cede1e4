/* A server that does not accept 0-RTT (tern's tickets never allow it)
 * skips a client's early data (RFC 8446 §4.2.10): after its ServerHello,
 * records the handshake keys do not open; after a HelloRetryRequest,
 * application_data records; at most HS_EARLY_SKIP_MAX bytes in all. No
 * real client sends 0-RTT to tern, so the client here is a tern client
 * driven through the sans-I/O API whose ClientHello carries early_data
 * (the test hook sends it verbatim), with 0-RTT records injected after it. */
#include "crypto/provider.h"
#include "hs/internal.h"
#include "hs/test_hooks.h"
#include "pair.h"
#include "tern/tern.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t x25519_priv[32] = {
    0x77, 0x07, 0x6d, 0x0a, 0x73, 0x18, 0xa5, 0x7d, 0x3c, 0x16, 0xc1, 0x72, 0x51, 0xb2, 0x66, 0x45,
    0xdf, 0x4c, 0x2f, 0x87, 0xeb, 0xc0, 0x99, 0x2a, 0xb1, 0x77, 0xfb, 0xa5, 0x1d, 0xb9, 0x2c, 0x2a};

static size_t u16(const uint8_t *p)
{
    return (size_t)p[0] << 8 | p[1];
}

/* early_hello: a ClientHello from ccfg (X25519 only) with its share
 * replaced by x25519_priv's public value and an empty early_data extension
 * added at the end. Returns its length (header included). */
static size_t early_hello(tern_config *ccfg, uint8_t *out, size_t cap)
{
    tern_conn *c = tern_conn_new_client(ccfg, "localhost");
    const uint8_t *rec;
    size_t rec_len;
    tern_conn_output(c, &rec, &rec_len);
    size_t len = u16(rec + 3);
    CHECK(len + 4 <= cap);
    memcpy(out, rec + 5, len);
    tern_conn_free(c);

    uint8_t pub[32];
    size_t pub_len = 0;
    static const uint8_t base[32] = {9};
    struct cry_ecdh k;
    memset(&k, 0, sizeof(k));
    CHECK_EQ(cry_ecdh_import(&k, CRY_X25519, x25519_priv, 32), TERN_OK);
    CHECK_EQ(cry_ecdh_derive(&k, base, sizeof(base), pub, sizeof(pub), &pub_len), TERN_OK);
    cry_ecdh_cleanup(&k);

    /* Find the extensions block. */
    size_t i = 4 + 2 + 32;
    i += 1 + out[i];
    i += 2 + u16(out + i);
    i += 1 + out[i];
    size_t exts_at = i, end = i + 2 + u16(out + i);
    CHECK_EQ(end, len);
    bool replaced = false;
    for (i = exts_at + 2; i + 4 <= end; i += 4 + u16(out + i + 2)) {
        /* key_share: list length, then group 0x001d, length 32, the share */
        if (u16(out + i) == 51 && u16(out + i + 6) == TERN_GROUP_X25519 && u16(out + i + 8) == 32) {
            memcpy(out + i + 10, pub, 32);
            replaced = true;
        }
    }
    CHECK(replaced);
    static const uint8_t early[4] = {0, 42, 0, 0};
    memcpy(out + len, early, 4);
    len += 4;
    size_t exts_len = len - exts_at - 2;
    out[exts_at] = (uint8_t)(exts_len >> 8);
    out[exts_at + 1] = (uint8_t)exts_len;
    out[1] = (uint8_t)((len - 4) >> 16);
    out[2] = (uint8_t)((len - 4) >> 8);
    out[3] = (uint8_t)(len - 4);
    return len;
}

/* zero_rtt: one record as a 0-RTT record looks on the wire: outer type
 * application_data, `n` bytes of what would be ciphertext under the early
 * traffic keys (which the server does not have). */
static size_t zero_rtt(uint8_t *out, size_t n, uint8_t fill)
{
    out[0] = 23;
    out[1] = 3;
    out[2] = 3;
    out[3] = (uint8_t)(n >> 8);
    out[4] = (uint8_t)n;
    for (size_t i = 0; i < n; i++)
        out[5 + i] = (uint8_t)(fill + i * 7);
    return 5 + n;
}

static unsigned skipped_events;
static void on_trace(void *arg, const struct tern_trace_event *ev)
{
    (void)arg;
    if (!strcmp(ev->name, "early data skipped"))
        skipped_events++;
}

struct endpoint {
    tern_config *ccfg, *scfg;
    tern_conn *c, *s;
    uint8_t hello[4096];
    size_t hello_len;
    struct hs_test_hooks hooks;
};

/* setup: a client whose first ClientHello offers early_data; server_groups
 * (1 or 2 entries) set the server's preference. */
static void setup(struct endpoint *e, const uint16_t *server_groups, size_t n_server_groups)
{
    memset(e, 0, sizeof(*e));
    static const uint16_t client_groups[] = {TERN_GROUP_X25519, TERN_GROUP_SECP256R1};
    e->ccfg = client_config();
    CHECK_EQ(tern_config_set_versions(e->ccfg, TERN_TLS13, TERN_TLS13), TERN_OK);
    CHECK_EQ(tern_config_set_groups(e->ccfg, client_groups, 2), TERN_OK);
    e->hello_len = early_hello(e->ccfg, e->hello, sizeof(e->hello));
    e->hooks.x25519_priv = x25519_priv;
    e->hooks.client_hello = e->hello;
    e->hooks.client_hello_len = e->hello_len;
    hs_test_config_hooks(e->ccfg, &e->hooks);
    e->scfg = server_config("server-p256");
    CHECK_EQ(tern_config_set_groups(e->scfg, server_groups, n_server_groups), TERN_OK);
    tern_config_set_trace(e->scfg, on_trace, NULL);
    e->c = tern_conn_new_client(e->ccfg, "localhost");
    e->s = tern_conn_new_server(e->scfg);
    CHECK_EQ(tern_conn_status(e->c), TERN_OK);
}

static void teardown(struct endpoint *e)
{
    tern_conn_free(e->c);
    tern_conn_free(e->s);
    tern_config_free(e->ccfg);
    tern_config_free(e->scfg);
}

/* inject feeds `count` 0-RTT records of `size` bytes to the server. */
static int inject(struct endpoint *e, int count, size_t size)
{
    static uint8_t rec[5 + 17000];
    int rc = TERN_OK;
    for (int i = 0; i < count && rc == TERN_OK; i++) {
        size_t n = zero_rtt(rec, size, (uint8_t)i), used;
        rc = tern_conn_feed(e->s, rec, n, &used);
    }
    return rc;
}

/* Declined by a full answer: the records that follow the ClientHello fail
 * to open with the handshake keys and are skipped; the handshake and the
 * data after it go on. */
static void test_skipped_after_server_hello(void)
{
    static const uint16_t groups[] = {TERN_GROUP_X25519};
    struct endpoint e;
    skipped_events = 0;
    setup(&e, groups, 1);
    move(e.c, e.s, 1 << 20); /* the ClientHello with early_data */
    CHECK_EQ(tern_conn_status(e.s), TERN_OK);
    CHECK_EQ(inject(&e, 5, 1000), TERN_OK); /* 0-RTT: 5 records */
    CHECK_EQ(inject(&e, 1, 17), TERN_OK);   /* one too short to hold a tag */
    CHECK_EQ(tern_conn_status(e.s), TERN_OK);
    pump(e.c, e.s, 1 << 20);
    if (!both_done(e.c, e.s))
        fprintf(stderr, "  client: %s\n  server: %s\n", tern_conn_error(e.c), tern_conn_error(e.s));
    CHECK(both_done(e.c, e.s));
    CHECK_EQ(tern_conn_group(e.s), TERN_GROUP_X25519);
    CHECK_EQ(e.s->early_skip, EARLY_SKIP_NONE); /* the client's Finished ended it */
    CHECK_EQ(e.s->early_skipped, 5 * (1000 - 17));
    CHECK_EQ(skipped_events, 1);
    exchange(e.c, e.s, 5000);
    /* After the handshake a record that does not open is an error again. */
    CHECK(inject(&e, 1, 100) == TERN_E_BAD_RECORD_MAC);
    teardown(&e);
}

/* Up to 16,384 bytes of early data are skipped; one more and the server
 * fails with unexpected_message (as OpenSSL does). */
static void test_skip_limit(void)
{
    static const uint16_t groups[] = {TERN_GROUP_X25519};
    struct endpoint e;
    setup(&e, groups, 1);
    move(e.c, e.s, 1 << 20);
    /* 16 records holding at most 1,024 bytes each: exactly the limit */
    CHECK_EQ(inject(&e, 16, 1024 + 17), TERN_OK);
    CHECK_EQ(e.s->early_skipped, HS_EARLY_SKIP_MAX);
    CHECK_EQ(inject(&e, 1, 18), TERN_E_UNEXPECTED_MESSAGE);
    CHECK_CONTAINS(tern_conn_error(e.s), "over 16384 bytes of early data");
    CHECK_EQ(e.s->alert_sent, TERN_ALERT_UNEXPECTED_MESSAGE);
    teardown(&e);
    /* The same bytes as one record of 2^14 + 256 (the largest a record may
     * be) and a second one. */
    setup(&e, groups, 1);
    move(e.c, e.s, 1 << 20);
    CHECK_EQ(inject(&e, 1, 16384 + 256), TERN_E_UNEXPECTED_MESSAGE);
    teardown(&e);
}

/* Declined by a HelloRetryRequest: application_data records before the
 * second ClientHello are skipped; the second ClientHello (without
 * early_data) completes the handshake. */
static void test_skipped_after_hello_retry(void)
{
    static const uint16_t groups[] = {TERN_GROUP_SECP256R1};
    struct endpoint e;
    setup(&e, groups, 1);
    move(e.c, e.s, 1 << 20);
    CHECK_EQ(e.s->early_skip, EARLY_SKIP_APPDATA);
    CHECK_EQ(inject(&e, 3, 500), TERN_OK);
    CHECK_EQ(tern_conn_status(e.s), TERN_OK);
    pump(e.c, e.s, 1 << 20);
    if (!both_done(e.c, e.s))
        fprintf(stderr, "  client: %s\n  server: %s\n", tern_conn_error(e.c), tern_conn_error(e.s));
    CHECK(both_done(e.c, e.s));
    CHECK_EQ(tern_conn_group(e.c), TERN_GROUP_SECP256R1);
    CHECK_EQ(e.s->early_skipped, 3 * (500 - 17));
    exchange(e.c, e.s, 1000);
    teardown(&e);
}

/* RFC 8446 §4.2.10: the second ClientHello must not offer early_data. */
static void test_early_data_again_after_retry(void)
{
    static const uint16_t groups[] = {TERN_GROUP_SECP256R1};
    struct endpoint e;
    setup(&e, groups, 1);
    move(e.c, e.s, 1 << 20);
    CHECK_EQ(tern_conn_status(e.s), TERN_OK);
    uint8_t rec[5 + 4096];
    rec[0] = 22;
    rec[1] = 3;
    rec[2] = 3;
    rec[3] = (uint8_t)(e.hello_len >> 8);
    rec[4] = (uint8_t)e.hello_len;
    memcpy(rec + 5, e.hello, e.hello_len);
    size_t used;
    CHECK_EQ(tern_conn_feed(e.s, rec, 5 + e.hello_len, &used), TERN_E_ILLEGAL_PARAMETER);
    CHECK_CONTAINS(tern_conn_error(e.s), "offers early_data again");
    teardown(&e);
}

/* Without early_data in the ClientHello nothing is skipped: a record that
 * does not open is bad_record_mac, as before. */
static void test_no_skip_without_offer(void)
{
    tern_config *ccfg = client_config(), *scfg = server_config("server-p256");
    tern_conn *c = tern_conn_new_client(ccfg, "localhost");
    tern_conn *s = tern_conn_new_server(scfg);
    move(c, s, 1 << 20);
    CHECK_EQ(s->early_skip, EARLY_SKIP_NONE);
    uint8_t rec[5 + 100];
    size_t n = zero_rtt(rec, 100, 1), used;
    CHECK_EQ(tern_conn_feed(s, rec, n, &used), TERN_E_BAD_RECORD_MAC);
    tern_conn_free(c);
    tern_conn_free(s);
    tern_config_free(ccfg);
    tern_config_free(scfg);
}

int main(void)
{
    RUN(test_skipped_after_server_hello);
    RUN(test_skip_limit);
    RUN(test_skipped_after_hello_retry);
    RUN(test_early_data_again_after_retry);
    RUN(test_no_skip_without_offer);
    return test_done();
}
