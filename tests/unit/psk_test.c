/* External pre-shared keys (hs/psk.c, RFC 8446 §2.2, §4.2.11): tern client
 * and server with the same identity and key, a server without certificate,
 * the lookup callback, a wrong key (its binder refused), the hash rule, and
 * psk_ke only when both ends allow it. */
#include "pair.h"
#include "tern/tern.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t key_a[32] = {0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87, 0x98, 0xa9, 0xba,
                                  0xcb, 0xdc, 0xed, 0xfe, 0x0f, 1,    2,    3,    4,    5,    6,
                                  7,    8,    9,    10,   11,   12,   13,   14,   15,   16};
static const uint8_t key_b[20] = {0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb,
                                  0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0x01};

static void set_psk(tern_config *cfg, const char *id, const uint8_t *key, size_t len,
                    enum tern_psk_hash h)
{
    CHECK_EQ(tern_config_set_psk(cfg, (const uint8_t *)id, strlen(id), key, len, h), TERN_OK);
}

static bool used_identity(tern_conn *c, const char *id)
{
    size_t n = 0;
    const uint8_t *p = tern_conn_psk_identity(c, &n);
    return p && n == strlen(id) && !memcmp(p, id, n);
}

struct count {
    int certs; /* Certificate messages the client received */
};

static void count_certs(void *arg, tern_conn *c, const struct tern_message *m)
{
    (void)c;
    struct count *k = arg;
    if (!m->sent && m->content_type == TERN_CONTENT_HANDSHAKE && m->type == 11)
        k->certs++;
}

static void test_with_certificate(void)
{
    struct count k = {0};
    struct handshake h = {.ccfg = client_config(), .scfg = server_config("server-p256")};
    set_psk(h.ccfg, "client-a", key_a, sizeof(key_a), TERN_PSK_SHA256);
    set_psk(h.scfg, "client-a", key_a, sizeof(key_a), TERN_PSK_SHA256);
    CHECK_EQ(tern_config_set_message_callback(h.ccfg, count_certs, &k), TERN_OK);
    start(&h, "localhost", 1 << 20);
    CHECK(both_done(h.c, h.s));
    CHECK(used_identity(h.c, "client-a"));
    CHECK(used_identity(h.s, "client-a"));
    CHECK_EQ(tern_conn_resumed(h.c), 0);
    CHECK_EQ(k.certs, 0);             /* the PSK authenticated the server */
    CHECK(tern_conn_group(h.c) != 0); /* psk_dhe_ke */
    exchange(h.c, h.s, 1000);
    finish(&h);
}

static void test_psk_only_server(void)
{
    struct handshake h = {.ccfg = client_config(), .scfg = tern_config_new()};
    set_psk(h.ccfg, "client-a", key_a, sizeof(key_a), TERN_PSK_SHA256);
    set_psk(h.scfg, "client-a", key_a, sizeof(key_a), TERN_PSK_SHA256);
    start(&h, "localhost", 5);
    CHECK(both_done(h.c, h.s));
    CHECK(used_identity(h.s, "client-a"));
    exchange(h.c, h.s, 100);
    finish(&h);

    /* An identity the server does not know: it has nothing else. */
    h.ccfg = client_config();
    h.scfg = tern_config_new();
    set_psk(h.ccfg, "client-x", key_a, sizeof(key_a), TERN_PSK_SHA256);
    set_psk(h.scfg, "client-a", key_a, sizeof(key_a), TERN_PSK_SHA256);
    start(&h, "localhost", 1 << 20);
    CHECK_EQ(tern_conn_status(h.s), TERN_E_HANDSHAKE_FAILURE);
    CHECK_CONTAINS(tern_conn_error(h.s), "PSK only");
    CHECK_CONTAINS(tern_conn_error(h.c), "handshake_failure");
    finish(&h);
}

/* The same identity with another key: the binder does not verify. */
static void test_wrong_key(void)
{
    uint8_t other[32];
    memcpy(other, key_a, 32);
    other[31] ^= 1;
    struct handshake h = {.ccfg = client_config(), .scfg = server_config("server-p256")};
    set_psk(h.ccfg, "client-a", other, sizeof(other), TERN_PSK_SHA256);
    set_psk(h.scfg, "client-a", key_a, sizeof(key_a), TERN_PSK_SHA256);
    start(&h, "localhost", 1 << 20);
    CHECK_EQ(tern_conn_status(h.s), TERN_E_DECRYPT);
    CHECK_CONTAINS(tern_conn_error(h.s), "binder of external PSK identity 0 does not verify");
    CHECK_CONTAINS(tern_conn_error(h.c), "decrypt_error");
    finish(&h);
}

struct lookup {
    int calls;
    char last[64];
};

static size_t lookup(void *arg, tern_conn *c, const uint8_t *identity, size_t len, uint8_t *key,
                     size_t cap, enum tern_psk_hash *hash)
{
    (void)c;
    struct lookup *l = arg;
    l->calls++;
    snprintf(l->last, sizeof(l->last), "%.*s", (int)len, (const char *)identity);
    CHECK_EQ(cap, TERN_PSK_KEY_MAX);
    if (len == 3 && !memcmp(identity, "bob", 3)) {
        memcpy(key, key_b, sizeof(key_b));
        *hash = TERN_PSK_SHA256;
        return sizeof(key_b);
    }
    if (len == 5 && !memcmp(identity, "short", 5)) {
        memcpy(key, key_b, 8);
        return 8; /* too short: taken as unknown */
    }
    return 0;
}

static void test_lookup(void)
{
    struct lookup l = {0};
    struct handshake h = {.ccfg = client_config(), .scfg = tern_config_new()};
    set_psk(h.ccfg, "bob", key_b, sizeof(key_b), TERN_PSK_SHA256);
    set_psk(h.scfg, "alice", key_a, sizeof(key_a), TERN_PSK_SHA256);
    CHECK_EQ(tern_config_set_psk_lookup(h.scfg, lookup, &l), TERN_OK);
    start(&h, "localhost", 1 << 20);
    CHECK(both_done(h.c, h.s));
    CHECK_EQ(l.calls, 1);
    CHECK(!strcmp(l.last, "bob"));
    CHECK(used_identity(h.s, "bob"));
    finish(&h);

    memset(&l, 0, sizeof(l));
    h.ccfg = client_config();
    h.scfg = tern_config_new();
    set_psk(h.ccfg, "short", key_b, sizeof(key_b), TERN_PSK_SHA256);
    CHECK_EQ(tern_config_set_psk_lookup(h.scfg, lookup, &l), TERN_OK);
    start(&h, "localhost", 1 << 20);
    CHECK_EQ(l.calls, 1);
    CHECK_EQ(tern_conn_status(h.s), TERN_E_HANDSHAKE_FAILURE);
    finish(&h);
}

/* RFC 8446 §4.2.11: the suite chosen must have the PSK's hash. */
static void test_hash(void)
{
    static const uint16_t aes256[] = {TERN_TLS_AES_256_GCM_SHA384};
    for (int i = 0; i < 2; i++) {
        struct handshake h = {.ccfg = client_config(), .scfg = server_config("server-p256")};
        set_psk(h.ccfg, "client-a", key_a, sizeof(key_a), TERN_PSK_SHA384);
        set_psk(h.scfg, "client-a", key_a, sizeof(key_a), TERN_PSK_SHA384);
        if (i == 1)
            CHECK_EQ(tern_config_set_cipher_suites(h.scfg, aes256, 1), TERN_OK);
        start(&h, "localhost", 1 << 20);
        CHECK(both_done(h.c, h.s));
        if (i == 0) {
            /* AES-128-GCM (SHA-256) chosen: the certificate instead. */
            CHECK(!used_identity(h.s, "client-a"));
            CHECK(tern_conn_peer_subject(h.c) != NULL);
        } else {
            CHECK_EQ(tern_conn_cipher_suite(h.c), TERN_TLS_AES_256_GCM_SHA384);
            CHECK(used_identity(h.c, "client-a"));
        }
        finish(&h);
    }
}

/* psk_ke (no key exchange) only when both ends allow it. */
static void test_psk_ke(void)
{
    for (int server_allows = 0; server_allows < 2; server_allows++) {
        struct handshake h = {.ccfg = client_config(), .scfg = tern_config_new()};
        set_psk(h.ccfg, "client-a", key_a, sizeof(key_a), TERN_PSK_SHA256);
        set_psk(h.scfg, "client-a", key_a, sizeof(key_a), TERN_PSK_SHA256);
        CHECK_EQ(tern_config_set_psk_ke(h.ccfg, 1), TERN_OK);
        CHECK_EQ(tern_config_set_psk_ke(h.scfg, server_allows), TERN_OK);
        start(&h, "localhost", 1 << 20);
        CHECK(both_done(h.c, h.s));
        CHECK(used_identity(h.c, "client-a"));
        if (server_allows)
            CHECK_EQ(tern_conn_group(h.c), 0);
        else
            CHECK(tern_conn_group(h.c) != 0);
        exchange(h.c, h.s, 10);
        finish(&h);
    }
}

static void test_setters(void)
{
    tern_config *cfg = tern_config_new();
    uint8_t big[TERN_PSK_IDENTITY_MAX + 1] = {0};
    CHECK_EQ(tern_config_set_psk(cfg, (const uint8_t *)"id", 2, key_a, 15, TERN_PSK_SHA256),
             TERN_E_ARG);
    CHECK_CONTAINS(tern_config_error(cfg), "a PSK of 15 bytes");
    CHECK_EQ(tern_config_set_psk(cfg, big, sizeof(big), key_a, 32, TERN_PSK_SHA256), TERN_E_ARG);
    CHECK_EQ(tern_config_set_psk(cfg, big, 0, key_a, 32, TERN_PSK_SHA256), TERN_E_ARG);
    CHECK_EQ(tern_config_set_psk(cfg, big, 1, key_a, 32, (enum tern_psk_hash)7), TERN_E_ARG);
    CHECK_EQ(tern_config_set_psk(cfg, big, sizeof(big) - 1, key_a, 32, TERN_PSK_SHA384), TERN_OK);
    tern_conn *c = tern_conn_new_server(cfg); /* a PSK is enough for a server */
    CHECK_EQ(tern_conn_status(c), TERN_OK);
    CHECK_EQ(tern_config_set_psk(cfg, big, 1, key_a, 32, TERN_PSK_SHA256), TERN_E_ARG);
    CHECK_EQ(tern_config_set_psk_lookup(cfg, NULL, NULL), TERN_E_ARG);
    tern_conn_free(c);
    tern_config_free(cfg);
}

int main(void)
{
    RUN(test_with_certificate);
    RUN(test_psk_only_server);
    RUN(test_wrong_key);
    RUN(test_lookup);
    RUN(test_hash);
    RUN(test_psk_ke);
    RUN(test_setters);
    return test_done();
}
