/* The stateless HelloRetryRequest cookie (hs/cookie.c, RFC 8446 §4.2.2):
 * the HelloRetryRequest carries one, the second ClientHello completes the
 * handshake on the same connection or on a fresh server connection that
 * never saw the first (given the same ticket key), and a cookie that was
 * altered, made under another key, or left out is refused. */
#define _GNU_SOURCE
#include "hs/internal.h"
#include "pair.h"
#include "tern/tern.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t ticket_key[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                       12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                       23, 24, 25, 26, 27, 28, 29, 30, 31};

/* A server that takes only P-256, which tern's client has no share for at
 * first (X25519MLKEM768 and X25519): it must retry. */
static tern_config *retry_server(const uint8_t *key)
{
    static const uint16_t groups[] = {TERN_GROUP_SECP256R1};
    tern_config *cfg = server_config("server-p256");
    CHECK_EQ(tern_config_set_groups(cfg, groups, 1), TERN_OK);
    if (key)
        CHECK_EQ(tern_config_set_ticket_key(cfg, key, 32), TERN_OK);
    return cfg;
}

/* take_records: what `from` wants to send, without ChangeCipherSpec
 * records (a fresh server, knowing of no first ClientHello, would refuse
 * the client's compatibility CCS; a stateless deployment's front end drops
 * it), into out. */
static size_t take_records(tern_conn *from, uint8_t *out, size_t cap)
{
    const uint8_t *p;
    size_t len, n = 0;
    tern_conn_output(from, &p, &len);
    for (size_t i = 0; i + 5 <= len;) {
        size_t rl = 5 + ((size_t)p[i + 3] << 8 | p[i + 4]);
        if (i + rl > len)
            break;
        if (p[i] != 20 && n + rl <= cap) {
            memcpy(out + n, p + i, rl);
            n += rl;
        }
        i += rl;
    }
    tern_conn_output_done(from, len);
    return n;
}

static void test_same_connection(void)
{
    struct handshake h = {.ccfg = client_config(), .scfg = retry_server(NULL)};
    h.c = tern_conn_new_client(h.ccfg, "localhost");
    h.s = tern_conn_new_server(h.scfg);
    move(h.c, h.s, 1 << 20);
    move(h.s, h.c, 1 << 20);
    /* The client took a cookie from the HelloRetryRequest. */
    CHECK(h.c->cookie_len > 28);
    CHECK_EQ(h.s->state, HS_S_WAIT_CH2);
    CHECK(h.s->th.impl == NULL); /* nothing of the transcript kept meanwhile */
    pump(h.c, h.s, 1 << 20);
    CHECK(both_done(h.c, h.s));
    CHECK_EQ(tern_conn_group(h.c), TERN_GROUP_SECP256R1);
    exchange(h.c, h.s, 100);
    finish(&h);
}

/* hrr_then: a client's second ClientHello (records, CCS dropped) after a
 * HelloRetryRequest from a server made with first_cfg, which is then gone. */
static size_t hrr_then(tern_config *ccfg, tern_config *first_cfg, tern_conn **out_client,
                       uint8_t *ch2, size_t cap)
{
    tern_conn *c = tern_conn_new_client(ccfg, "localhost");
    tern_conn *s1 = tern_conn_new_server(first_cfg);
    move(c, s1, 1 << 20);
    move(s1, c, 1 << 20);
    CHECK_EQ(tern_conn_status(c), TERN_OK);
    CHECK(c->cookie_len > 0);
    tern_conn_free(s1);
    *out_client = c;
    return take_records(c, ch2, cap);
}

static void test_fresh_server(void)
{
    tern_config *ccfg = client_config(), *first = retry_server(ticket_key),
                *second = retry_server(ticket_key);
    uint8_t ch2[4096];
    tern_conn *c;
    size_t n = hrr_then(ccfg, first, &c, ch2, sizeof(ch2));
    CHECK(n > 0);
    /* A server that never saw the first ClientHello, sharing the key. */
    tern_conn *s2 = tern_conn_new_server(second);
    size_t used;
    CHECK_EQ(tern_conn_feed(s2, ch2, n, &used), TERN_OK);
    pump(c, s2, 1 << 20);
    if (!both_done(c, s2))
        fprintf(stderr, "  client: %s\n  server: %s\n", tern_conn_error(c), tern_conn_error(s2));
    CHECK(both_done(c, s2));
    CHECK_EQ(tern_conn_group(s2), TERN_GROUP_SECP256R1);
    exchange(c, s2, 100);
    tern_conn_free(c);
    tern_conn_free(s2);
    tern_config_free(ccfg);
    tern_config_free(first);
    tern_config_free(second);
}

static void test_other_key(void)
{
    static const uint8_t other[32] = {9};
    tern_config *ccfg = client_config(), *first = retry_server(ticket_key),
                *second = retry_server(other);
    uint8_t ch2[4096];
    tern_conn *c;
    size_t n = hrr_then(ccfg, first, &c, ch2, sizeof(ch2));
    tern_conn *s2 = tern_conn_new_server(second);
    size_t used;
    CHECK_EQ(tern_conn_feed(s2, ch2, n, &used), TERN_E_ILLEGAL_PARAMETER);
    CHECK_CONTAINS(tern_conn_error(s2), "does not authenticate");
    tern_conn_free(c);
    tern_conn_free(s2);
    tern_config_free(ccfg);
    tern_config_free(first);
    tern_config_free(second);
}

/* A cookie changed on the way, in each part (nonce, sealed body, tag):
 * tern's is 73 bytes with SHA-256 (12 + 45 + 16), byte 72 the tag's last. */
static void test_altered(void)
{
    tern_config *ccfg = client_config(), *scfg = retry_server(ticket_key);
    for (size_t at = 0; at < 73; at += 9) {
        uint8_t ch2[4096];
        tern_conn *c;
        size_t n = hrr_then(ccfg, scfg, &c, ch2, sizeof(ch2));
        CHECK_EQ(c->cookie_len, 73);
        uint8_t *hit = memmem(ch2, n, c->cookie, c->cookie_len);
        CHECK(hit != NULL);
        if (hit)
            hit[at] ^= 0x40;
        tern_conn *s2 = tern_conn_new_server(scfg);
        size_t used;
        CHECK_EQ(tern_conn_feed(s2, ch2, n, &used), TERN_E_ILLEGAL_PARAMETER);
        CHECK_CONTAINS(tern_conn_error(s2), "cookie");
        tern_conn_free(c);
        tern_conn_free(s2);
    }
    tern_config_free(ccfg);
    tern_config_free(scfg);
}

/* After our HelloRetryRequest, a ClientHello without the cookie. */
static void test_missing(void)
{
    tern_config *ccfg = client_config(), *scfg = retry_server(NULL);
    tern_conn *c = tern_conn_new_client(ccfg, "localhost");
    const uint8_t *p;
    size_t len;
    tern_conn_output(c, &p, &len);
    uint8_t ch1[4096];
    CHECK(len <= sizeof(ch1));
    memcpy(ch1, p, len);
    tern_conn *s = tern_conn_new_server(scfg);
    size_t used;
    CHECK_EQ(tern_conn_feed(s, ch1, len, &used), TERN_OK);
    CHECK_EQ(s->state, HS_S_WAIT_CH2);
    CHECK_EQ(tern_conn_feed(s, ch1, len, &used), TERN_E_MISSING_EXTENSION);
    CHECK_CONTAINS(tern_conn_error(s), "does not return the cookie");
    tern_conn_free(c);
    tern_conn_free(s);
    tern_config_free(ccfg);
    tern_config_free(scfg);
}

int main(void)
{
    RUN(test_same_connection);
    RUN(test_fresh_server);
    RUN(test_other_key);
    RUN(test_altered);
    RUN(test_missing);
    return test_done();
}
