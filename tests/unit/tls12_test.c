/* Whole TLS 1.2 handshakes between a tern client and a tern server in
 * memory: each suite and key type, each group, version negotiation, the
 * downgrade sentinel, the extended master secret requirement, renegotiation
 * refused, RSA key transport only when enabled (and its Bleichenbacher
 * behaviour), client certificates, and the failures with their alerts. The
 * PRF is checked against a known-answer vector. */
#include "hs/internal.h"
#include "record/record.h"
#include "pair.h"
#include "tern/tern.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static tern_config *client12(void)
{
    tern_config *cfg = client_config();
    CHECK_EQ(tern_config_set_versions(cfg, TERN_TLS12, TERN_TLS12), TERN_OK);
    return cfg;
}

static tern_config *server12(const char *name)
{
    tern_config *cfg = server_config(name);
    CHECK_EQ(tern_config_set_versions(cfg, TERN_TLS12, TERN_TLS12), TERN_OK);
    return cfg;
}

static void report(const struct handshake *h, const char *what)
{
    if (!both_done(h->c, h->s))
        fprintf(stderr, "%s: client: %s\n  server: %s\n", what, tern_conn_error(h->c),
                tern_conn_error(h->s));
}

/* ---- wire surgery on the output of one side ---- */

/* take_output copies what `from` wants to send, and marks it sent. */
static uint8_t *take_output(tern_conn *from, size_t *out_len)
{
    const uint8_t *out;
    size_t len;
    tern_conn_output(from, &out, &len);
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, out, len);
    tern_conn_output_done(from, len);
    *out_len = len;
    return copy;
}

static void feed_all(tern_conn *to, const uint8_t *p, size_t len)
{
    size_t used;
    tern_conn_feed(to, p, len, &used);
}

/* find_msg returns the offset of the handshake message of `type` in a run
 * of plaintext records (each message in one record, as tern sends them at
 * the start), or (size_t)-1. */
static size_t find_msg(const uint8_t *p, size_t len, uint8_t type)
{
    size_t off = 0;
    while (off + 5 <= len) {
        size_t rlen = (size_t)p[off + 3] << 8 | p[off + 4];
        if (p[off] == 22) {
            size_t m = off + 5;
            while (m + 4 <= off + 5 + rlen) {
                size_t mlen = (size_t)p[m + 1] << 16 | (size_t)p[m + 2] << 8 | p[m + 3];
                if (p[m] == type)
                    return m;
                m += 4 + mlen;
            }
        }
        off += 5 + rlen;
    }
    return (size_t)-1;
}

/* find_ext returns the offset of extension `type` in the ClientHello or
 * ServerHello starting at msg (its handshake header), or (size_t)-1. */
static size_t find_ext(const uint8_t *msg, bool client_hello, uint16_t type)
{
    size_t o = 4 + 2 + 32;
    o += 1 + msg[o]; /* session id */
    if (client_hello) {
        o += 2 + ((size_t)msg[o] << 8 | msg[o + 1]); /* suites */
        o += 1 + msg[o];                             /* compression */
    } else {
        o += 3;
    }
    size_t end = o + 2 + ((size_t)msg[o] << 8 | msg[o + 1]);
    o += 2;
    while (o + 4 <= end) {
        uint16_t t = (uint16_t)(msg[o] << 8 | msg[o + 1]);
        if (t == type)
            return o;
        o += 4 + ((size_t)msg[o + 2] << 8 | msg[o + 3]);
    }
    return (size_t)-1;
}

/* server_hello_bytes builds a TLS 1.2-style ServerHello record by hand:
 * renegotiation_info, ec_point_formats and (if ems) extended_master_secret. */
static uint8_t *server_hello_bytes(uint16_t version, bool ems, size_t *out_len)
{
    uint8_t *buf = malloc(128);
    struct wr w;
    wr_init_fixed(&w, buf, 128);
    wr_u8(&w, 22);
    wr_u16(&w, 0x0303);
    size_t rec = wr_open_u16(&w);
    size_t m = hs_msg_begin(&w, HS_SERVER_HELLO);
    wr_u16(&w, version);
    for (int i = 0; i < 32; i++)
        wr_u8(&w, (uint8_t)(0x40 + i));
    wr_u8(&w, 0);
    wr_u16(&w, TERN_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
    wr_u8(&w, 0);
    size_t exts = wr_open_u16(&w);
    wr_u16(&w, 0xff01);
    wr_u16(&w, 1);
    wr_u8(&w, 0);
    wr_u16(&w, 11);
    wr_u16(&w, 2);
    wr_u8(&w, 1);
    wr_u8(&w, 0);
    if (ems) {
        wr_u16(&w, 23);
        wr_u16(&w, 0);
    }
    wr_close(&w, exts);
    hs_msg_end(&w, m);
    wr_close(&w, rec);
    CHECK(wr_ok(&w));
    *out_len = w.len;
    return buf;
}

/* ---- the PRF ---- */

static void test_prf_vector(void)
{
    /* A published TLS 1.2 PRF (SHA-256) test vector (see
     * tests/vectors/tls12_prf.txt for its provenance). */
    size_t sl, seedl, wl;
    uint8_t *secret = hex_decode("9b be 43 6b a9 40 f0 17 b1 76 52 84 9a 71 db 35", &sl);
    uint8_t *seed = hex_decode("a0 ba 9f 93 6c da 31 18 27 a6 f7 96 ff d5 19 8c", &seedl);
    uint8_t *want = hex_decode(
        "e3 f2 29 ba 72 7b e1 7b 8d 12 26 20 55 7c d4 53 c2 aa b2 1d 07 c3 d4 95 32 9b 52 d4 e6 1e "
        "db 5a 6b 30 17 91 e9 0d 35 c9 c9 a4 6b 4e 14 ba f9 af 0f a0 22 f7 07 7d ef 17 ab fd 37 97 "
        "c0 56 4b ab 4f bc 91 66 6e 9d ef 9b 97 fc e3 4f 79 67 89 ba a4 80 82 d1 22 ee 42 c5 a7 2e "
        "5a 51 10 ff f7 01 87 34 7b 66",
        &wl);
    uint8_t out[100];
    CHECK_EQ(wl, 100);
    CHECK_EQ(hs12_prf(CRY_SHA256, secret, sl, "test label", seed, seedl, NULL, 0, out, 100),
             TERN_OK);
    CHECK_MEM(out, want, 100);
    free(secret);
    free(seed);
    free(want);
}

/* ---- handshakes ---- */

static void test_each_suite_and_key(void)
{
    const struct {
        const char *key;
        uint16_t suite;
    } cases[] = {
        {"server-p256", TERN_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
        {"server-p256", TERN_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384},
        {"server-p256", TERN_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256},
        {"server-p384", TERN_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384},
        {"server-ed25519", TERN_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
        {"server-rsa", TERN_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
        {"server-rsa", TERN_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384},
        {"server-rsa", TERN_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct handshake h = {client12(), server12(cases[i].key), 0, 0};
        CHECK_EQ(tern_config_set_cipher_suites(h.ccfg, &cases[i].suite, 1), TERN_OK);
        start(&h, "localhost", i % 2 ? 1 << 20 : 7);
        report(&h, cases[i].key);
        CHECK(both_done(h.c, h.s));
        CHECK_EQ(tern_conn_version(h.c), TERN_TLS12);
        CHECK_EQ(tern_conn_version(h.s), TERN_TLS12);
        CHECK_EQ(tern_conn_cipher_suite(h.c), cases[i].suite);
        CHECK_EQ(tern_conn_cipher_suite(h.s), cases[i].suite);
        CHECK_CONTAINS(tern_conn_peer_subject(h.c), "CN=localhost");
        exchange(h.c, h.s, 100);
        exchange(h.c, h.s, 40000); /* several records each way */
        CHECK_EQ(tern_conn_close(h.c), TERN_OK);
        move(h.c, h.s, 1 << 20);
        uint8_t b[8];
        size_t n;
        CHECK_EQ(tern_conn_read(h.s, b, sizeof(b), &n), TERN_E_CLOSED);
        finish(&h);
    }
}

static void test_signature_schemes(void)
{
    /* RSA: PSS by default, PKCS#1 v1.5 when that is all the client offers
     * (allowed in TLS 1.2 only). */
    const uint16_t schemes[] = {TERN_SIG_RSA_PSS_RSAE_SHA256, TERN_SIG_RSA_PKCS1_SHA256,
                                TERN_SIG_RSA_PKCS1_SHA384};
    for (size_t i = 0; i < 3; i++) {
        struct handshake h = {client12(), server12("server-rsa"), 0, 0};
        CHECK_EQ(tern_config_set_signature_schemes(h.ccfg, &schemes[i], 1), TERN_OK);
        start(&h, "localhost", 1 << 20);
        report(&h, "rsa scheme");
        CHECK(both_done(h.c, h.s));
        CHECK_EQ(tern_conn_signature_scheme(h.c), schemes[i]);
        exchange(h.c, h.s, 10);
        finish(&h);
    }
    /* ECDSA in TLS 1.2 does not tie the curve to the hash: a P-384 key
     * signing with ecdsa_secp256r1_sha256 is valid. */
    struct handshake h = {client12(), server12("server-p384"), 0, 0};
    const uint16_t s = TERN_SIG_ECDSA_SECP256R1_SHA256;
    CHECK_EQ(tern_config_set_signature_schemes(h.ccfg, &s, 1), TERN_OK);
    start(&h, "localhost", 1 << 20);
    CHECK(both_done(h.c, h.s));
    CHECK_EQ(tern_conn_signature_scheme(h.c), s);
    finish(&h);
}

static void test_each_group(void)
{
    const uint16_t groups[] = {TERN_GROUP_X25519, TERN_GROUP_SECP256R1, TERN_GROUP_SECP384R1};
    for (size_t i = 0; i < 3; i++) {
        /* RFC 8422 §5.1: the client's groups must also cover the P-256
         * certificate's curve; the server's list fixes the ECDHE group. */
        struct handshake h = {client12(), server12("server-p256"), 0, 0};
        uint16_t cg[2] = {groups[i], TERN_GROUP_SECP256R1};
        CHECK_EQ(tern_config_set_groups(h.ccfg, cg, groups[i] == cg[1] ? 1 : 2), TERN_OK);
        CHECK_EQ(tern_config_set_groups(h.scfg, &groups[i], 1), TERN_OK);
        start(&h, "localhost", 1 << 20);
        report(&h, "group");
        CHECK(both_done(h.c, h.s));
        CHECK_EQ(tern_conn_group(h.c), groups[i]);
        CHECK_EQ(tern_conn_group(h.s), groups[i]);
        exchange(h.c, h.s, 1000);
        finish(&h);
    }
    /* A client without the certificate's curve: refused, saying why. */
    struct handshake h0 = {client12(), server12("server-p256"), 0, 0};
    CHECK_EQ(tern_config_set_groups(h0.ccfg, &groups[0], 1), TERN_OK);
    start(&h0, "localhost", 1 << 20);
    CHECK_EQ(tern_conn_status(h0.s), TERN_E_HANDSHAKE_FAILURE);
    CHECK_CONTAINS(tern_conn_error(h0.s), "lacks the curve of this server's ECDSA certificate");
    finish(&h0);
    /* Only the hybrid on the server: nothing in common for TLS 1.2. */
    struct handshake h = {client12(), server12("server-p256"), 0, 0};
    const uint16_t hybrid = TERN_GROUP_X25519MLKEM768;
    CHECK_EQ(tern_config_set_groups(h.scfg, &hybrid, 1), TERN_OK);
    start(&h, "localhost", 1 << 20);
    CHECK_EQ(tern_conn_status(h.s), TERN_E_HANDSHAKE_FAILURE);
    CHECK_CONTAINS(tern_conn_error(h.s), "no ECDHE group in common");
    finish(&h);
}

static void test_version_negotiation(void)
{
    /* Default (1.2..1.3) both sides: 1.3. */
    struct handshake h = {client_config(), server_config("server-p256"), 0, 0};
    start(&h, "localhost", 1 << 20);
    CHECK(both_done(h.c, h.s));
    CHECK_EQ(tern_conn_version(h.c), TERN_TLS13);
    finish(&h);
    /* A default client against a 1.2-only server: 1.2, and no sentinel
     * since that server does not speak 1.3. */
    h = (struct handshake){client_config(), server12("server-p256"), 0, 0};
    start(&h, "localhost", 1 << 20);
    report(&h, "1.2-1.3 client, 1.2 server");
    CHECK(both_done(h.c, h.s));
    CHECK_EQ(tern_conn_version(h.c), TERN_TLS12);
    CHECK_EQ(tern_conn_cipher_suite(h.c), TERN_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
    exchange(h.c, h.s, 5000);
    finish(&h);
    /* A 1.2-only client against a default server: 1.2 with the sentinel. */
    h = (struct handshake){client12(), server_config("server-p256"), 0, 0};
    h.c = tern_conn_new_client(h.ccfg, "localhost");
    h.s = tern_conn_new_server(h.scfg);
    move(h.c, h.s, 1 << 20);
    size_t len;
    uint8_t *flight = take_output(h.s, &len);
    size_t sh = find_msg(flight, len, HS_SERVER_HELLO);
    CHECK(sh != (size_t)-1);
    if (sh != (size_t)-1)
        CHECK_MEM(flight + sh + 4 + 2 + 24, "DOWNGRD\x01", 8);
    feed_all(h.c, flight, len);
    pump(h.c, h.s, 1 << 20);
    report(&h, "1.2 client, 1.2-1.3 server");
    CHECK(both_done(h.c, h.s));
    CHECK_EQ(tern_conn_version(h.s), TERN_TLS12);

    /* The same ServerHello shown to a client that offered 1.3: someone
     * removed 1.3 on the way, and the sentinel gives it away. */
    tern_config *ccfg = client_config();
    tern_conn *victim = tern_conn_new_client(ccfg, "localhost");
    size_t used;
    CHECK_EQ(tern_conn_feed(victim, flight, len, &used), TERN_E_ILLEGAL_PARAMETER);
    CHECK_CONTAINS(tern_conn_error(victim), "downgrade sentinel");
    CHECK_EQ(victim->alert_sent, TERN_ALERT_ILLEGAL_PARAMETER);
    tern_conn_free(victim);
    tern_config_free(ccfg);
    free(flight);
    finish(&h);

    /* 1.3-only server, 1.2-only client: protocol_version naming both. */
    h = (struct handshake){client12(), server_config("server-p256"), 0, 0};
    CHECK_EQ(tern_config_set_versions(h.scfg, TERN_TLS13, TERN_TLS13), TERN_OK);
    start(&h, "localhost", 1 << 20);
    CHECK_EQ(tern_conn_status(h.s), TERN_E_PROTOCOL_VERSION);
    CHECK_CONTAINS(tern_conn_error(h.s), "TLS 1.2");
    CHECK_CONTAINS(tern_conn_error(h.c), "protocol_version");
    finish(&h);

    /* Below 1.2: refused at configuration and on the wire. */
    tern_config *cfg = tern_config_new();
    CHECK_EQ(tern_config_set_versions(cfg, 0x0301, TERN_TLS12), TERN_E_ARG);
    CHECK_CONTAINS(tern_config_error(cfg), "TLS 1.0 and 1.1 are refused");
    tern_config_free(cfg);
    h = (struct handshake){client12(), server_config("server-p256"), 0, 0};
    h.c = tern_conn_new_client(h.ccfg, "localhost");
    h.s = tern_conn_new_server(h.scfg);
    uint8_t *ch = take_output(h.c, &len);
    size_t m = find_msg(ch, len, HS_CLIENT_HELLO);
    CHECK(m != (size_t)-1);
    ch[m + 5] = 0x01; /* legacy_version 0x0301, and no supported_versions */
    CHECK_EQ(tern_conn_feed(h.s, ch, len, &used), TERN_E_PROTOCOL_VERSION);
    CHECK_CONTAINS(tern_conn_error(h.s), "TLS 1.0 (0x0301)");
    free(ch);
    finish(&h);
}

static void test_ems_required(void)
{
    /* Rename the client's extended_master_secret to an unknown extension
     * of the same size: the server then sees a client without it. */
    struct handshake h = {client12(), server12("server-p256"), 0, 0};
    h.c = tern_conn_new_client(h.ccfg, "localhost");
    h.s = tern_conn_new_server(h.scfg);
    size_t len, used;
    uint8_t *ch = take_output(h.c, &len);
    size_t m = find_msg(ch, len, HS_CLIENT_HELLO);
    size_t e = m == (size_t)-1 ? m : find_ext(ch + m, true, 23);
    CHECK(e != (size_t)-1);
    if (e != (size_t)-1) {
        ch[m + e] = 0x7a;
        ch[m + e + 1] = 0x7a;
    }
    CHECK_EQ(tern_conn_feed(h.s, ch, len, &used), TERN_E_HANDSHAKE_FAILURE);
    CHECK_CONTAINS(tern_conn_error(h.s), "extended master secret (RFC 7627)");
    move(h.s, h.c, 1 << 20);
    CHECK_CONTAINS(tern_conn_error(h.c), "handshake_failure");
    free(ch);
    finish(&h);

    /* A ServerHello without it, made by hand (a tern server always sends
     * it): the client refuses with handshake_failure and says why. */
    h = (struct handshake){client12(), server12("server-p256"), 0, 0};
    h.c = tern_conn_new_client(h.ccfg, "localhost");
    uint8_t *sh = server_hello_bytes(TERN_TLS12, false, &len);
    CHECK_EQ(tern_conn_feed(h.c, sh, len, &used), TERN_E_HANDSHAKE_FAILURE);
    CHECK_CONTAINS(tern_conn_error(h.c), "extended master secret (RFC 7627)");
    CHECK_EQ(h.c->alert_sent, TERN_ALERT_HANDSHAKE_FAILURE);
    free(sh);
    /* The same with it is accepted (the client then waits for Certificate). */
    tern_conn_free(h.c);
    h.c = tern_conn_new_client(h.ccfg, "localhost");
    sh = server_hello_bytes(TERN_TLS12, true, &len);
    CHECK_EQ(tern_conn_feed(h.c, sh, len, &used), TERN_OK);
    CHECK_EQ(h.c->state, HS_C12_WAIT_CERT);
    free(sh);
    /* TLS 1.2 after a TLS 1.3 HelloRetryRequest: illegal_parameter. */
    {
        tern_config *cc = client_config();
        tern_conn *c = tern_conn_new_client(cc, "localhost");
        static const uint8_t hrr_random[32] = {0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11,
                                               0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
                                               0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e,
                                               0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
        uint8_t buf[160];
        struct wr w;
        wr_init_fixed(&w, buf, sizeof(buf));
        wr_u8(&w, 22);
        wr_u16(&w, 0x0303);
        size_t rec = wr_open_u16(&w);
        size_t mm = hs_msg_begin(&w, HS_SERVER_HELLO);
        wr_u16(&w, 0x0303);
        wr_bytes(&w, hrr_random, 32);
        size_t sid = wr_open_u8(&w);
        wr_bytes(&w, c->session_id, c->session_id_len);
        wr_close(&w, sid);
        wr_u16(&w, TERN_TLS_AES_128_GCM_SHA256);
        wr_u8(&w, 0);
        size_t exts = wr_open_u16(&w);
        wr_u16(&w, 43);
        wr_u16(&w, 2);
        wr_u16(&w, TERN_TLS13);
        wr_u16(&w, 51);
        wr_u16(&w, 2);
        wr_u16(&w, TERN_GROUP_SECP256R1);
        wr_close(&w, exts);
        hs_msg_end(&w, mm);
        wr_close(&w, rec);
        CHECK(wr_ok(&w));
        CHECK_EQ(tern_conn_feed(c, buf, w.len, &used), TERN_OK);
        CHECK(c->hrr_done);
        sh = server_hello_bytes(TERN_TLS12, true, &len);
        CHECK_EQ(tern_conn_feed(c, sh, len, &used), TERN_E_ILLEGAL_PARAMETER);
        CHECK_CONTAINS(tern_conn_error(c), "after a TLS 1.3 HelloRetryRequest");
        free(sh);
        tern_conn_free(c);
        tern_config_free(cc);
    }
    /* A server choosing TLS 1.0: protocol_version, naming it. */
    tern_conn_free(h.c);
    h.c = tern_conn_new_client(h.ccfg, "localhost");
    sh = server_hello_bytes(0x0301, true, &len);
    CHECK_EQ(tern_conn_feed(h.c, sh, len, &used), TERN_E_PROTOCOL_VERSION);
    CHECK_CONTAINS(tern_conn_error(h.c), "TLS 1.0");
    free(sh);
    finish(&h);
}

/* warning_of opens the one record `from` has queued (a protected TLS 1.2
 * alert) with the peer's read keys, as the peer would, and returns
 * level << 8 | description, or -1. */
static int warning_of(tern_conn *from, tern_conn *peer)
{
    size_t len;
    uint8_t *out = take_output(from, &len);
    int got = -1;
    uint8_t type;
    size_t off, n;
    if (len >= 5 && out[0] == 21 && 5 + ((size_t)out[3] << 8 | out[4]) == len &&
        rec_open(&peer->rd_in, out, len, &type, &off, &n, NULL) == TERN_OK && type == 21 && n == 2)
        got = out[off] << 8 | out[off + 1];
    free(out);
    return got;
}

/* RFC 5246 §7.2.2: no_renegotiation is always a warning. Each side refuses
 * the other's request with one and keeps the connection, a few times. */
static void test_renegotiation_refused(void)
{
    struct handshake h = {client12(), server12("server-p256"), 0, 0};
    start(&h, "localhost", 1 << 20);
    CHECK(both_done(h.c, h.s));
    /* The server asks for renegotiation with a HelloRequest. */
    static const uint8_t hello_request[4] = {0, 0, 0, 0};
    CHECK_EQ(hs_send_post(h.s, hello_request, 4), TERN_OK);
    move(h.s, h.c, 1 << 20);
    CHECK_EQ(tern_conn_status(h.c), TERN_OK);
    CHECK_EQ(warning_of(h.c, h.s), 1 << 8 | TERN_ALERT_NO_RENEGOTIATION);
    CHECK_EQ(h.c->alert_sent, -1);
    CHECK(!h.c->close_sent);
    exchange(h.c, h.s, 3000); /* the connection goes on, both ways */
    CHECK(both_done(h.c, h.s));
    /* A HelloRequest with a body is malformed. */
    static const uint8_t long_request[5] = {0, 0, 0, 1, 0};
    CHECK_EQ(hs_send_post(h.s, long_request, 5), TERN_OK);
    move(h.s, h.c, 1 << 20);
    CHECK_EQ(tern_conn_status(h.c), TERN_E_DECODE);
    finish(&h);

    /* The client sends a second ClientHello, again and again. */
    h = (struct handshake){client12(), server12("server-p256"), 0, 0};
    start(&h, "localhost", 1 << 20);
    CHECK(both_done(h.c, h.s));
    static const uint8_t client_hello[8] = {1, 0, 0, 4, 3, 3, 0, 0};
    for (int i = 0; i < HS12_MAX_RENEG_REFUSALS; i++) {
        CHECK_EQ(hs_send_post(h.c, client_hello, sizeof(client_hello)), TERN_OK);
        move(h.c, h.s, 1 << 20);
        CHECK_EQ(tern_conn_status(h.s), TERN_OK);
        CHECK_EQ(warning_of(h.s, h.c), 1 << 8 | TERN_ALERT_NO_RENEGOTIATION);
        exchange(h.c, h.s, 100);
    }
    CHECK_EQ(h.s->alert_sent, -1);
    /* Past the bound it is a flood: fatal. */
    CHECK_EQ(hs_send_post(h.c, client_hello, sizeof(client_hello)), TERN_OK);
    move(h.c, h.s, 1 << 20);
    CHECK_EQ(tern_conn_status(h.s), TERN_E_UNEXPECTED_MESSAGE);
    CHECK_CONTAINS(tern_conn_error(h.s), "renegotiate 5 times");
    CHECK_EQ(h.s->alert_sent, TERN_ALERT_UNEXPECTED_MESSAGE);
    finish(&h);

    /* A second ClientHello inside the handshake: unexpected_message. */
    h = (struct handshake){client12(), server12("server-p256"), 0, 0};
    h.c = tern_conn_new_client(h.ccfg, "localhost");
    h.s = tern_conn_new_server(h.scfg);
    size_t len, used;
    uint8_t *ch = take_output(h.c, &len);
    CHECK_EQ(tern_conn_feed(h.s, ch, len, &used), TERN_OK);
    CHECK_EQ(tern_conn_feed(h.s, ch, len, &used), TERN_E_UNEXPECTED_MESSAGE);
    CHECK_CONTAINS(tern_conn_error(h.s), "second ClientHello during the TLS 1.2 handshake");
    free(ch);
    finish(&h);
}

/* ccs_after_ccs copies flight with a second plaintext ChangeCipherSpec
 * record right after the first; *len grows by 6. */
static uint8_t *ccs_after_ccs(const uint8_t *flight, size_t *len)
{
    static const uint8_t ccs[6] = {20, 3, 3, 0, 1, 1};
    size_t off = 0;
    while (off + 5 <= *len && flight[off] != 20)
        off += 5 + ((size_t)flight[off + 3] << 8 | flight[off + 4]);
    CHECK(off + 6 <= *len);
    uint8_t *out = malloc(*len + 6);
    memcpy(out, flight, off + 6);
    memcpy(out + off + 6, ccs, 6);
    memcpy(out + off + 12, flight + off + 6, *len - off - 6);
    *len += 6;
    return out;
}

/* A ChangeCipherSpec after the real one (TLS 1.3's tolerance of one stray
 * CCS does not apply to TLS 1.2): unexpected_message, on both sides. */
static void test_second_ccs(void)
{
    for (int side = 0; side < 2; side++) {
        struct handshake h = {client12(), server12("server-p256"), 0, 0};
        h.c = tern_conn_new_client(h.ccfg, "localhost");
        h.s = tern_conn_new_server(h.scfg);
        move(h.c, h.s, 1 << 20);
        move(h.s, h.c, 1 << 20);
        tern_conn *from = h.c, *to = h.s;
        if (side == 1) {
            move(h.c, h.s, 1 << 20); /* the client's Finished; the server answers */
            from = h.s, to = h.c;
        }
        size_t len, used;
        uint8_t *flight = take_output(from, &len);
        uint8_t *changed = ccs_after_ccs(flight, &len);
        CHECK_EQ(tern_conn_feed(to, changed, len, &used), TERN_E_UNEXPECTED_MESSAGE);
        CHECK_CONTAINS(tern_conn_error(to), "ChangeCipherSpec");
        CHECK_EQ(to->alert_sent, TERN_ALERT_UNEXPECTED_MESSAGE);
        CHECK(!tern_conn_handshake_done(to));
        free(flight);
        free(changed);
        finish(&h);
    }
}

static void test_rsa_key_transport(void)
{
    const uint16_t rsa_suite = TERN_TLS_RSA_WITH_AES_128_GCM_SHA256;
    /* Not enabled on the server: refused. */
    struct handshake h = {client12(), server12("server-rsa"), 0, 0};
    CHECK_EQ(tern_config_set_cipher_suites(h.ccfg, &rsa_suite, 1), TERN_OK);
    start(&h, "localhost", 1 << 20);
    CHECK_EQ(tern_conn_status(h.s), TERN_E_HANDSHAKE_FAILURE);
    CHECK_CONTAINS(tern_conn_error(h.s), "0x009c");
    finish(&h);

    /* A default client does not offer it even to a server that takes it. */
    h = (struct handshake){client12(), server12("server-rsa"), 0, 0};
    CHECK_EQ(tern_config_enable_rsa_key_transport(h.scfg, 1), TERN_OK);
    start(&h, "localhost", 1 << 20);
    CHECK(both_done(h.c, h.s));
    CHECK_EQ(tern_conn_cipher_suite(h.s), TERN_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
    finish(&h);

    /* Enabled on both sides, each RSA suite. */
    const uint16_t suites[] = {TERN_TLS_RSA_WITH_AES_128_GCM_SHA256,
                               TERN_TLS_RSA_WITH_AES_256_GCM_SHA384};
    for (size_t i = 0; i < 2; i++) {
        h = (struct handshake){client12(), server12("server-rsa"), 0, 0};
        CHECK_EQ(tern_config_enable_rsa_key_transport(h.scfg, 1), TERN_OK);
        CHECK_EQ(tern_config_set_cipher_suites(h.ccfg, &suites[i], 1), TERN_OK);
        start(&h, "localhost", 1 << 20);
        report(&h, "rsa kx");
        CHECK(both_done(h.c, h.s));
        CHECK_EQ(tern_conn_cipher_suite(h.c), suites[i]);
        CHECK_EQ(tern_conn_group(h.c), 0);
        exchange(h.c, h.s, 3000);
        finish(&h);
    }
    /* Turned off again. */
    tern_config *cfg = tern_config_new();
    CHECK_EQ(tern_config_enable_rsa_key_transport(cfg, 1), TERN_OK);
    CHECK_EQ(tern_config_enable_rsa_key_transport(cfg, 0), TERN_OK);
    tern_config_free(cfg);

    /* Bleichenbacher: a ClientKeyExchange with broken padding and one with a
     * valid padding around a wrong secret end the same way, at Finished,
     * with bad_record_mac: nothing tells the two apart. */
    for (int variant = 0; variant < 2; variant++) {
        h = (struct handshake){client12(), server12("server-rsa"), 0, 0};
        CHECK_EQ(tern_config_enable_rsa_key_transport(h.scfg, 1), TERN_OK);
        CHECK_EQ(tern_config_set_cipher_suites(h.ccfg, &rsa_suite, 1), TERN_OK);
        h.c = tern_conn_new_client(h.ccfg, "localhost");
        h.s = tern_conn_new_server(h.scfg);
        move(h.c, h.s, 1 << 20);
        move(h.s, h.c, 1 << 20);
        size_t len, used;
        uint8_t *flight = take_output(h.c, &len);
        size_t m = find_msg(flight, len, HS12_CLIENT_KEY_EXCHANGE);
        CHECK(m != (size_t)-1);
        if (m != (size_t)-1) {
            if (variant == 0)
                flight[m + 6] ^= 0x40; /* first ciphertext byte: padding breaks */
            else
                flight[m + 4 + 2 + 255] ^= 0x01; /* last byte: a different value */
        }
        CHECK_EQ(tern_conn_feed(h.s, flight, len, &used), TERN_E_BAD_RECORD_MAC);
        CHECK_EQ(h.s->alert_sent, TERN_ALERT_BAD_RECORD_MAC);
        free(flight);
        finish(&h);
    }
}

static void test_corrupted_ske_signature(void)
{
    const char *keys[] = {"server-p256", "server-rsa", "server-ed25519"};
    for (size_t i = 0; i < 3; i++) {
        struct handshake h = {client12(), server12(keys[i]), 0, 0};
        h.c = tern_conn_new_client(h.ccfg, "localhost");
        h.s = tern_conn_new_server(h.scfg);
        move(h.c, h.s, 1 << 20);
        size_t len, used;
        uint8_t *flight = take_output(h.s, &len);
        size_t m = find_msg(flight, len, HS12_SERVER_KEY_EXCHANGE);
        CHECK(m != (size_t)-1);
        if (m != (size_t)-1) {
            size_t mlen = (size_t)flight[m + 1] << 16 | (size_t)flight[m + 2] << 8 | flight[m + 3];
            flight[m + 4 + mlen - 3] ^= 0x10; /* inside the signature */
        }
        CHECK_EQ(tern_conn_feed(h.c, flight, len, &used), TERN_E_DECRYPT);
        CHECK_CONTAINS(tern_conn_error(h.c), "ServerKeyExchange signature");
        CHECK_EQ(h.c->alert_sent, TERN_ALERT_DECRYPT_ERROR);
        free(flight);
        finish(&h);
    }
    /* A changed key-exchange value (not the signature) fails the same way. */
    struct handshake h = {client12(), server12("server-p256"), 0, 0};
    h.c = tern_conn_new_client(h.ccfg, "localhost");
    h.s = tern_conn_new_server(h.scfg);
    move(h.c, h.s, 1 << 20);
    size_t len, used;
    uint8_t *flight = take_output(h.s, &len);
    size_t m = find_msg(flight, len, HS12_SERVER_KEY_EXCHANGE);
    if (m != (size_t)-1)
        flight[m + 4 + 4 + 5] ^= 0x01; /* a byte of the public value */
    CHECK_EQ(tern_conn_feed(h.c, flight, len, &used), TERN_E_DECRYPT);
    free(flight);
    finish(&h);
}

static void test_corrupted_finished(void)
{
    struct handshake h = {client12(), server12("server-p256"), 0, 0};
    h.c = tern_conn_new_client(h.ccfg, "localhost");
    h.s = tern_conn_new_server(h.scfg);
    move(h.c, h.s, 1 << 20);
    move(h.s, h.c, 1 << 20);
    /* Feed the client's last flight a record at a time, up to the CCS. */
    size_t len, used;
    uint8_t *flight = take_output(h.c, &len);
    size_t off = 0;
    while (off + 5 <= len && h.s->state != HS_S12_WAIT_FINISHED) {
        size_t rlen = 5 + ((size_t)flight[off + 3] << 8 | flight[off + 4]);
        CHECK_EQ(tern_conn_feed(h.s, flight + off, rlen, &used), TERN_OK);
        off += rlen;
    }
    CHECK_EQ(h.s->state, HS_S12_WAIT_FINISHED);
    /* A Finished whose verify_data is wrong (as if decrypted intact). */
    uint8_t bad[4 + 12] = {HS_FINISHED, 0, 0, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    struct rd body;
    rd_init(&body, bad + 4, 12);
    CHECK_EQ(hs_server_message(h.s, HS_FINISHED, body, bad, sizeof(bad)), TERN_E_DECRYPT);
    CHECK_CONTAINS(tern_conn_error(h.s), "client's Finished does not match");
    CHECK_EQ(h.s->alert_sent, TERN_ALERT_DECRYPT_ERROR);
    free(flight);
    finish(&h);

    /* The encrypted Finished altered on the wire: bad_record_mac. */
    h = (struct handshake){client12(), server12("server-p256"), 0, 0};
    h.c = tern_conn_new_client(h.ccfg, "localhost");
    h.s = tern_conn_new_server(h.scfg);
    move(h.c, h.s, 1 << 20);
    move(h.s, h.c, 1 << 20);
    flight = take_output(h.c, &len);
    flight[len - 1] ^= 0x80;
    CHECK_EQ(tern_conn_feed(h.s, flight, len, &used), TERN_E_BAD_RECORD_MAC);
    free(flight);
    finish(&h);
}

/* splice_msg replaces the handshake message of `type` (alone in its
 * plaintext record, as tern sends them) with msg; returns the new flight
 * (malloc'ed) and its length in *len. */
static uint8_t *splice_msg(const uint8_t *flight, size_t *len, uint8_t type, const uint8_t *msg,
                           size_t msg_len)
{
    size_t m = find_msg(flight, *len, type);
    CHECK(m != (size_t)-1);
    if (m == (size_t)-1)
        return NULL;
    size_t rec = m - 5;
    size_t old_rec_len = 5 + ((size_t)flight[rec + 3] << 8 | flight[rec + 4]);
    uint8_t *out = malloc(*len + msg_len + 5);
    memcpy(out, flight, rec);
    memcpy(out + rec, flight + rec, 3);
    out[rec + 3] = (uint8_t)(msg_len >> 8);
    out[rec + 4] = (uint8_t)msg_len;
    memcpy(out + rec + 5, msg, msg_len);
    memcpy(out + rec + 5 + msg_len, flight + rec + old_rec_len, *len - rec - old_rec_len);
    *len = *len - old_rec_len + 5 + msg_len;
    return out;
}

/* RFC 5246 §4.7 (and RFC 8446 §4.4.3): signature<0..2^16-1>. An empty
 * signature is well-formed and fails verification: decrypt_error, not
 * decode_error. */
static void test_empty_signatures(void)
{
    /* ServerKeyExchange, to the client. */
    struct handshake h = {client12(), server12("server-p256"), 0, 0};
    h.c = tern_conn_new_client(h.ccfg, "localhost");
    h.s = tern_conn_new_server(h.scfg);
    move(h.c, h.s, 1 << 20);
    size_t len, used;
    uint8_t *flight = take_output(h.s, &len);
    size_t m = find_msg(flight, len, HS12_SERVER_KEY_EXCHANGE);
    CHECK(m != (size_t)-1);
    if (m != (size_t)-1) {
        size_t params = 4 + flight[m + 4 + 3]; /* curve type, group, point */
        uint8_t ske[512];
        memcpy(ske, flight + m, 4 + params + 2); /* header, params, scheme */
        ske[4 + params + 2] = 0;
        ske[4 + params + 3] = 0;
        size_t body = params + 4;
        ske[1] = 0;
        ske[2] = (uint8_t)(body >> 8);
        ske[3] = (uint8_t)body;
        uint8_t *changed = splice_msg(flight, &len, HS12_SERVER_KEY_EXCHANGE, ske, 4 + body);
        CHECK_EQ(tern_conn_feed(h.c, changed, len, &used), TERN_E_DECRYPT);
        CHECK_CONTAINS(tern_conn_error(h.c), "ServerKeyExchange signature");
        CHECK_EQ(h.c->alert_sent, TERN_ALERT_DECRYPT_ERROR);
        free(changed);
    }
    free(flight);
    finish(&h);

    /* The client's CertificateVerify, to the server. */
    h = (struct handshake){client12(), server12("server-p256"), 0, 0};
    CHECK_EQ(tern_config_set_client_auth(h.scfg, TERN_CLIENT_AUTH_REQUIRED), TERN_OK);
    add_trust(h.scfg, DATA "ca.pem");
    CHECK_EQ(tern_config_set_cert_chain_file(h.ccfg, DATA "client-chain.pem", DATA "client.key"),
             TERN_OK);
    h.c = tern_conn_new_client(h.ccfg, "localhost");
    h.s = tern_conn_new_server(h.scfg);
    move(h.c, h.s, 1 << 20);
    move(h.s, h.c, 1 << 20);
    flight = take_output(h.c, &len);
    m = find_msg(flight, len, HS_CERTIFICATE_VERIFY);
    CHECK(m != (size_t)-1);
    if (m != (size_t)-1) {
        uint8_t cv[8] = {HS_CERTIFICATE_VERIFY, 0, 0, 4, flight[m + 4], flight[m + 5], 0, 0};
        uint8_t *changed = splice_msg(flight, &len, HS_CERTIFICATE_VERIFY, cv, sizeof(cv));
        CHECK_EQ(tern_conn_feed(h.s, changed, len, &used), TERN_E_DECRYPT);
        CHECK_CONTAINS(tern_conn_error(h.s), "CertificateVerify signature");
        CHECK_EQ(h.s->alert_sent, TERN_ALERT_DECRYPT_ERROR);
        free(changed);
    }
    free(flight);
    finish(&h);
}

static void test_client_certificates(void)
{
    /* Required, and the client has one. */
    struct handshake h = {client12(), server12("server-p256"), 0, 0};
    CHECK_EQ(tern_config_set_client_auth(h.scfg, TERN_CLIENT_AUTH_REQUIRED), TERN_OK);
    add_trust(h.scfg, DATA "ca.pem");
    CHECK_EQ(tern_config_set_cert_chain_file(h.ccfg, DATA "client-chain.pem", DATA "client.key"),
             TERN_OK);
    start(&h, "localhost", 1 << 20);
    report(&h, "mtls");
    CHECK(both_done(h.c, h.s));
    CHECK_CONTAINS(tern_conn_peer_subject(h.s), "CN=tern test client");
    exchange(h.c, h.s, 100);
    finish(&h);

    /* Required, and the client has none: handshake_failure (TLS 1.2's alert). */
    h = (struct handshake){client12(), server12("server-p256"), 0, 0};
    CHECK_EQ(tern_config_set_client_auth(h.scfg, TERN_CLIENT_AUTH_REQUIRED), TERN_OK);
    add_trust(h.scfg, DATA "ca.pem");
    start(&h, "localhost", 1 << 20);
    CHECK_EQ(tern_conn_status(h.s), TERN_E_HANDSHAKE_FAILURE);
    CHECK_CONTAINS(tern_conn_error(h.s), "requires one");
    finish(&h);

    /* Optional, none: fine, no peer subject. */
    h = (struct handshake){client12(), server12("server-rsa"), 0, 0};
    CHECK_EQ(tern_config_set_client_auth(h.scfg, TERN_CLIENT_AUTH_OPTIONAL), TERN_OK);
    add_trust(h.scfg, DATA "ca.pem");
    start(&h, "localhost", 1 << 20);
    CHECK(both_done(h.c, h.s));
    CHECK(tern_conn_peer_subject(h.s) == NULL);
    finish(&h);
}

static void test_bad_server_certificate(void)
{
    struct handshake h = {client12(), server12("server-p256"), 0, 0};
    start(&h, "example.org", 1 << 20);
    CHECK_EQ(tern_conn_status(h.c), TERN_E_NAME_MISMATCH);
    CHECK_CONTAINS(tern_conn_error(h.c), "example.org");
    finish(&h);
    h = (struct handshake){client12(), server12("expired"), 0, 0};
    start(&h, "localhost", 1 << 20);
    CHECK_EQ(tern_conn_status(h.c), TERN_E_CERTIFICATE_EXPIRED);
    finish(&h);
}

static int n_events;
static char seen[2048];
static void on_trace(void *arg, const struct tern_trace_event *ev)
{
    (void)arg;
    n_events++;
    if (ev->kind == TERN_TRACE_MESSAGE && strlen(seen) + strlen(ev->name) + 2 < sizeof(seen)) {
        strcat(seen, ev->name);
        strcat(seen, ",");
    }
}

static void test_trace(void)
{
    struct handshake h = {client12(), server12("server-p256"), 0, 0};
    tern_config_set_trace(h.ccfg, on_trace, NULL);
    start(&h, "localhost", 1 << 20);
    CHECK(both_done(h.c, h.s));
    CHECK_CONTAINS(seen, "ClientHello,ServerHello,Certificate,ServerKeyExchange,ServerHelloDone,"
                         "ClientKeyExchange,ChangeCipherSpec,Finished,NewSessionTicket,"
                         "ChangeCipherSpec,Finished,");
    finish(&h);
}

/* two_visits runs two handshakes with the same configurations; returns
 * whether the second resumed (both sides agreeing). */
static bool two_visits(tern_config *ccfg, tern_config *scfg, tern_config *scfg2)
{
    struct handshake h = {ccfg, scfg, 0, 0};
    start(&h, "localhost", 1 << 20);
    report(&h, "first visit");
    CHECK(both_done(h.c, h.s));
    CHECK(!tern_conn_resumed(h.c));
    tern_conn_free(h.c);
    tern_conn_free(h.s);
    h.scfg = scfg2 ? scfg2 : scfg;
    start(&h, "localhost", 3);
    report(&h, "second visit");
    CHECK(both_done(h.c, h.s));
    CHECK_EQ(tern_conn_version(h.c), TERN_TLS12);
    bool resumed = tern_conn_resumed(h.c);
    CHECK_EQ(tern_conn_resumed(h.s), resumed);
    CHECK_CONTAINS(tern_conn_peer_subject(h.c), "CN=localhost");
    exchange(h.c, h.s, 2000);
    tern_conn_free(h.c);
    tern_conn_free(h.s);
    return resumed;
}

static void test_resumption(void)
{
    /* 1.2 on both sides: the second visit resumes with the ticket. */
    tern_config *c = client12(), *s = server12("server-p256");
    CHECK(two_visits(c, s, NULL));
    tern_config_free(c);
    tern_config_free(s);
    /* A 1.2..1.3 client with a 1.2 server: the 1.2 ticket is offered. */
    c = client_config(), s = server12("server-rsa");
    CHECK(two_visits(c, s, NULL));
    tern_config_free(c);
    tern_config_free(s);
    /* Another server (another ticket key): a full handshake instead. */
    c = client12(), s = server12("server-p256");
    tern_config *other = server12("server-p256");
    CHECK(!two_visits(c, s, other));
    tern_config_free(c);
    tern_config_free(s);
    tern_config_free(other);
    /* Tickets off on the server: none issued, nothing resumed. */
    c = client12(), s = server12("server-p256");
    CHECK_EQ(tern_config_set_tickets(s, 0, 3600, 3600), TERN_OK);
    CHECK(!two_visits(c, s, NULL));
    tern_config_free(c);
    tern_config_free(s);
    /* A client taking no TLS 1.2 tickets (OpenSSL's SSL_OP_NO_TICKET)
     * asks for none: no session_ticket extension, so a server with tickets
     * only has nothing to resume, and one keeping sessions resumes by ID. */
    c = client12(), s = server12("server-p256");
    CHECK_EQ(tern_config_set_tickets(c, 0, 3600, 3600), TERN_OK);
    tern_conn *probe = tern_conn_new_client(c, "localhost");
    size_t hello_len;
    uint8_t *hello = take_output(probe, &hello_len);
    size_t at = find_msg(hello, hello_len, 1);
    CHECK(at != (size_t)-1);
    CHECK(find_ext(hello + at, true, 35) == (size_t)-1);
    free(hello);
    tern_conn_free(probe);
    CHECK(!two_visits(c, s, NULL));
    tern_config *keeper = server12("server-p256");
    CHECK_EQ(tern_config_set_session_cache(keeper, 16), TERN_OK);
    CHECK(two_visits(c, keeper, NULL));
    tern_config_free(c);
    tern_config_free(s);
    tern_config_free(keeper);
    /* Mutual TLS required: the resumed session keeps the client's identity. */
    c = client12(), s = server12("server-p256");
    CHECK_EQ(tern_config_set_client_auth(s, TERN_CLIENT_AUTH_REQUIRED), TERN_OK);
    add_trust(s, DATA "ca.pem");
    CHECK_EQ(tern_config_set_cert_chain_file(c, DATA "client-chain.pem", DATA "client.key"),
             TERN_OK);
    struct handshake h = {c, s, 0, 0};
    start(&h, "localhost", 1 << 20);
    CHECK(both_done(h.c, h.s));
    tern_conn_free(h.c);
    tern_conn_free(h.s);
    start(&h, "localhost", 1 << 20);
    CHECK(both_done(h.c, h.s));
    CHECK(tern_conn_resumed(h.s));
    CHECK_CONTAINS(tern_conn_peer_subject(h.s), "CN=tern test client");
    finish(&h);
}

/* A CertificateRequest's whole signature list is read: the schemes tern
 * knows are kept once each, however many unknown ones and repeats come
 * first (both versions share hs_u16_list_keep). */
static void test_cert_request_long_list(void)
{
    uint8_t body[1024];
    struct wr w;
    wr_init_fixed(&w, body, sizeof(body));
    size_t types = wr_open_u8(&w);
    wr_u8(&w, 64);
    wr_close(&w, types);
    size_t sigs = wr_open_u16(&w);
    for (int i = 0; i < 100; i++)
        wr_u16(&w, (uint16_t)(0x0b00 + i));
    for (int i = 0; i < 100; i++)
        wr_u16(&w, 0x0804); /* rsa_pss_rsae_sha256, repeated */
    wr_u16(&w, 0x0403);
    wr_close(&w, sigs);
    wr_u16(&w, 0);
    CHECK(wr_ok(&w));
    struct rd r;
    rd_init(&r, body, w.len);
    uint16_t out[HS_KNOWN_MAX];
    size_t n = 0, total = 0;
    struct tern_err err;
    err_init(&err);
    CHECK_EQ(hs12_parse_cert_request(r, out, HS_KNOWN_MAX, &n, &total, NULL, &err), TERN_OK);
    CHECK_EQ(total, 201);
    CHECK_EQ(n, 2);
    CHECK_EQ(out[0], 0x0804);
    CHECK_EQ(out[1], 0x0403);
}

int main(void)
{
    RUN(test_prf_vector);
    RUN(test_each_suite_and_key);
    RUN(test_signature_schemes);
    RUN(test_each_group);
    RUN(test_version_negotiation);
    RUN(test_ems_required);
    RUN(test_renegotiation_refused);
    RUN(test_second_ccs);
    RUN(test_rsa_key_transport);
    RUN(test_corrupted_ske_signature);
    RUN(test_corrupted_finished);
    RUN(test_client_certificates);
    RUN(test_bad_server_certificate);
    RUN(test_trace);
    RUN(test_resumption);
    RUN(test_cert_request_long_list);
    RUN(test_empty_signatures);
    return test_done();
}
