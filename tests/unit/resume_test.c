/* TLS 1.3 resumption between tern endpoints in memory: tickets, the
 * abbreviated handshake, tickets used once, shared and rotated ticket
 * keys, tampered tickets and binders. */
#include "hs/session.h"
#include "pair.h"
#include "tern/tern.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const uint8_t key_a[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                  17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t key_b[32] = {99};

static tern_config *ticket_server(const uint8_t *key, unsigned count, uint32_t rotation)
{
    tern_config *cfg = server_config("server-p256");
    CHECK_EQ(tern_config_set_ticket_key(cfg, key, 32), TERN_OK);
    CHECK_EQ(tern_config_set_tickets(cfg, count, 3600, rotation), TERN_OK);
    return cfg;
}

/* connect runs one handshake of ccfg against scfg, exchanges data and
 * returns whether it resumed (-1 if it failed). */
static uint16_t last_group; /* the key-exchange group of the last connection */

static int connect_once(tern_config *ccfg, tern_config *scfg)
{
    tern_conn *c = tern_conn_new_client(ccfg, "localhost");
    tern_conn *s = tern_conn_new_server(scfg);
    pump(c, s, 1 << 20);
    int r = -1;
    if (both_done(c, s)) {
        exchange(c, s, 100);
        pump(c, s, 1 << 20); /* deliver the tickets */
        CHECK_EQ(tern_conn_resumed(c), tern_conn_resumed(s));
        CHECK_CONTAINS(tern_conn_peer_subject(c), "CN=localhost");
        r = tern_conn_resumed(c);
        CHECK_EQ(tern_conn_group(c), tern_conn_group(s));
        last_group = tern_conn_group(c);
    } else {
        fprintf(stderr, "  client: %s\n  server: %s\n", tern_conn_error(c), tern_conn_error(s));
    }
    tern_conn_free(c);
    tern_conn_free(s);
    return r;
}

static void test_resume(void)
{
    tern_config *ccfg = client_config(), *scfg = ticket_server(key_a, 1, 3600);
    CHECK_EQ(connect_once(ccfg, scfg), 0);
    CHECK_EQ(connect_once(ccfg, scfg), 1);
    CHECK_EQ(connect_once(ccfg, scfg), 1); /* the resumed connection issued a new ticket */
    tern_config_free(ccfg);
    tern_config_free(scfg);
}

static unsigned sessions_seen;
static void count_session(void *arg, const char *name, const uint8_t *s, size_t len)
{
    sessions_seen++;
}

/* Two tickets after a full handshake; one after a resumed one, replacing
 * the ticket the client spent. */
static void test_ticket_counts(void)
{
    tern_config *ccfg = client_config(), *scfg = ticket_server(key_a, 2, 3600);
    tern_config_set_session_callback(ccfg, count_session, NULL);
    sessions_seen = 0;
    CHECK_EQ(connect_once(ccfg, scfg), 0);
    CHECK_EQ(sessions_seen, 2);
    CHECK_EQ(connect_once(ccfg, scfg), 1);
    CHECK_EQ(sessions_seen, 3);
    CHECK_EQ(connect_once(ccfg, scfg), 1);
    CHECK_EQ(sessions_seen, 4);
    tern_config_free(ccfg);
    tern_config_free(scfg);
}

static void test_ticket_used_once(void)
{
    tern_config *ccfg = client_config();
    tern_config *issuing = ticket_server(key_a, 1, 3600);
    tern_config *silent = ticket_server(key_a, 0, 3600); /* resumes but issues none */
    CHECK_EQ(connect_once(ccfg, issuing), 0);
    CHECK_EQ(connect_once(ccfg, silent), 1);
    CHECK_EQ(connect_once(ccfg, silent), 0); /* the one ticket is spent */
    tern_config_free(ccfg);
    tern_config_free(issuing);
    tern_config_free(silent);
}

static void test_shared_and_foreign_keys(void)
{
    tern_config *ccfg = client_config();
    tern_config *a1 = ticket_server(key_a, 2, 3600), *a2 = ticket_server(key_a, 1, 3600);
    tern_config *b = ticket_server(key_b, 1, 3600);
    CHECK_EQ(connect_once(ccfg, a1), 0);
    CHECK_EQ(connect_once(ccfg, a2), 1); /* another "process" with the same secret */
    CHECK_EQ(connect_once(ccfg, b), 0);  /* another secret: a full handshake, no error */
    tern_config_free(ccfg);
    tern_config_free(a1);
    tern_config_free(a2);
    tern_config_free(b);
}

static void test_rotated_out(void)
{
    tern_config *ccfg = client_config(), *scfg = ticket_server(key_a, 1, 1);
    CHECK_EQ(connect_once(ccfg, scfg), 0);
    /* Two rotations later the ticket's key is gone. */
    sleep(2);
    usleep(200000);
    CHECK_EQ(connect_once(ccfg, scfg), 0);
    tern_config_free(ccfg);
    tern_config_free(scfg);
}

static uint8_t saved[4096];
static size_t saved_len;

static void save_session(void *arg, const char *name, const uint8_t *s, size_t len)
{
    (void)arg;
    CHECK(!strcmp(name, "localhost"));
    if (len <= sizeof(saved)) {
        memcpy(saved, s, len);
        saved_len = len;
    }
}

static void test_saved_session_and_tampering(void)
{
    tern_config *first = client_config(), *scfg = ticket_server(key_a, 1, 3600);
    tern_config_set_session_callback(first, save_session, NULL);
    CHECK_EQ(connect_once(first, scfg), 0);
    CHECK(saved_len > 100);
    tern_config_free(first);

    /* A new client (another process) resumes from the saved blob. */
    tern_config *second = client_config();
    CHECK_EQ(tern_config_add_session(second, saved, saved_len), TERN_OK);
    CHECK_EQ(connect_once(second, scfg), 1);
    tern_config_free(second);

    /* Garbage is refused with a sentence. */
    tern_config *bad = client_config();
    CHECK_EQ(tern_config_add_session(bad, saved, 10), TERN_E_DECODE);
    CHECK_CONTAINS(tern_config_error(bad), "malformed");
    tern_config_free(bad);

    /* Every byte of the ticket flipped: never resumes, never fails. The
     * ticket is the blob's tail, after its 16-bit length. */
    size_t ticket_len = 0;
    for (size_t t = 36; t < 400 && t + 2 < saved_len; t++)
        if (((size_t)saved[saved_len - t - 2] << 8 | saved[saved_len - t - 1]) == t)
            ticket_len = t;
    CHECK(ticket_len > 60);
    uint8_t copy[4096];
    int resumed = 0, failed = 0, runs = 0;
    for (size_t i = saved_len - ticket_len; i < saved_len; i++) {
        memcpy(copy, saved, saved_len);
        copy[i] ^= 0x01;
        tern_config *t = client_config();
        if (tern_config_add_session(t, copy, saved_len) == TERN_OK) {
            int r = connect_once(t, scfg);
            resumed += r == 1;
            failed += r == -1;
            runs++;
        }
        tern_config_free(t);
    }
    CHECK_EQ(runs, ticket_len);
    CHECK_EQ(resumed, 0);
    CHECK_EQ(failed, 0);
    tern_config_free(scfg);
}

static void test_tampered_binder(void)
{
    tern_config *ccfg = client_config(), *scfg = ticket_server(key_a, 1, 3600);
    tern_config_set_session_callback(ccfg, save_session, NULL);
    CHECK_EQ(connect_once(ccfg, scfg), 0);
    tern_config_free(ccfg);
    /* The binder is the last 32 bytes of the ClientHello record: flip each. */
    int aborted = 0;
    for (int i = 0; i < 32; i++) {
        tern_config *t = client_config();
        CHECK_EQ(tern_config_add_session(t, saved, saved_len), TERN_OK);
        tern_conn *c = tern_conn_new_client(t, "localhost");
        tern_conn *s = tern_conn_new_server(scfg);
        const uint8_t *out;
        size_t len, used;
        tern_conn_output(c, &out, &len);
        uint8_t *copy = malloc(len);
        memcpy(copy, out, len);
        copy[len - 1 - i] ^= 0x80;
        tern_conn_feed(s, copy, len, &used);
        aborted += tern_conn_status(s) == TERN_E_DECRYPT && !tern_conn_handshake_done(s);
        if (i == 0)
            CHECK_CONTAINS(tern_conn_error(s), "binder");
        free(copy);
        tern_conn_free(c);
        tern_conn_free(s);
        tern_config_free(t);
    }
    CHECK_EQ(aborted, 32);
    tern_config_free(scfg);
}

static void test_alpn_mismatch_means_full(void)
{
    const char *h2[] = {"h2"}, *h1[] = {"http/1.1"}, *both[] = {"http/1.1", "h2"};
    tern_config *scfg = ticket_server(key_a, 1, 3600);
    CHECK_EQ(tern_config_set_alpn(scfg, both, 2), TERN_OK);
    tern_config *first = client_config();
    CHECK_EQ(tern_config_set_alpn(first, h2, 1), TERN_OK);
    tern_config_set_session_callback(first, save_session, NULL);
    CHECK_EQ(connect_once(first, scfg), 0); /* ticket bound to h2 */
    tern_config_free(first);
    /* Same ticket, but this time the server would pick http/1.1. */
    tern_config *second = client_config();
    CHECK_EQ(tern_config_set_alpn(second, h1, 1), TERN_OK);
    CHECK_EQ(tern_config_add_session(second, saved, saved_len), TERN_OK);
    CHECK_EQ(connect_once(second, scfg), 0);
    tern_config_free(second);
    /* And with h2 again it resumes. */
    tern_config *third = client_config();
    CHECK_EQ(tern_config_set_alpn(third, h2, 1), TERN_OK);
    CHECK_EQ(tern_config_add_session(third, saved, saved_len), TERN_OK);
    CHECK_EQ(connect_once(third, scfg), 1);
    tern_config_free(third);
    tern_config_free(scfg);
}

/* psk_ke (resumption without (EC)DHE) only when both sides allow it; any
 * other pairing resumes with psk_dhe_ke. */
static void test_psk_ke(void)
{
    for (int cl = 0; cl < 2; cl++)
        for (int sv = 0; sv < 2; sv++) {
            tern_config *ccfg = client_config(), *scfg = ticket_server(key_a, 1, 3600);
            CHECK_EQ(tern_config_set_psk_ke(ccfg, cl), TERN_OK);
            CHECK_EQ(tern_config_set_psk_ke(scfg, sv), TERN_OK);
            CHECK_EQ(connect_once(ccfg, scfg), 0);
            CHECK(last_group != 0);
            CHECK_EQ(connect_once(ccfg, scfg), 1);
            if (cl && sv)
                CHECK_EQ(last_group, 0); /* no key exchange at all */
            else
                CHECK(last_group != 0);
            CHECK_EQ(connect_once(ccfg, scfg), 1); /* and the ticket it issued works */
            tern_config_free(ccfg);
            tern_config_free(scfg);
        }
}

static unsigned tickets_skipped, tickets_sent;
static char last_skip[512];
static void count_tickets(void *arg, const struct tern_trace_event *ev)
{
    (void)arg;
    if (ev->kind == TERN_TRACE_MESSAGE && ev->dir == TERN_DIR_TO_CLIENT &&
        !strcmp(ev->name, "NewSessionTicket"))
        tickets_sent++;
    if (!strcmp(ev->name, "ticket skipped")) {
        tickets_skipped++;
        snprintf(last_skip, sizeof(last_skip), "%s", ev->explain ? ev->explain : "");
    }
}

/* mtls_visit: one mutual-TLS handshake with the long-subject client
 * certificate; returns whether it resumed (-1: failed). */
static int mtls_visit(tern_config *ccfg, tern_config *scfg, const char **out_subject)
{
    static char subject[600];
    tern_conn *c = tern_conn_new_client(ccfg, "localhost");
    tern_conn *s = tern_conn_new_server(scfg);
    pump(c, s, 1 << 20);
    int r = -1;
    if (both_done(c, s)) {
        exchange(c, s, 100);
        pump(c, s, 1 << 20);
        r = tern_conn_resumed(s);
        CHECK_EQ(tern_conn_status(s), TERN_OK);
        snprintf(subject, sizeof(subject), "%s",
                 tern_conn_peer_subject(s) ? tern_conn_peer_subject(s) : "");
    } else {
        fprintf(stderr, "  client: %s\n  server: %s\n", tern_conn_error(c), tern_conn_error(s));
    }
    *out_subject = subject;
    tern_conn_free(c);
    tern_conn_free(s);
    return r;
}

/* A client certificate whose subject renders to over 400 characters: the
 * ticket stores a hash of the certificate and a bounded prefix of the
 * subject, so it fits, also beside a 255-byte ALPN protocol. TLS 1.3 and
 * 1.2. */
static void test_long_client_subject(void)
{
    for (int v12 = 0; v12 < 2; v12++) {
        for (int huge = 0; huge < 2; huge++) {
            tern_config *ccfg = client_config(), *scfg = ticket_server(key_a, 2, 3600);
            uint16_t v = v12 ? TERN_TLS12 : TERN_TLS13;
            CHECK_EQ(tern_config_set_versions(ccfg, v, v), TERN_OK);
            CHECK_EQ(tern_config_set_client_auth(scfg, TERN_CLIENT_AUTH_REQUIRED), TERN_OK);
            add_trust(scfg, DATA "ca.pem");
            CHECK_EQ(tern_config_set_cert_chain_file(ccfg, DATA "client-long-chain.pem",
                                                     DATA "client-long.key"),
                     TERN_OK);
            char proto[256];
            memset(proto, 'p', 255);
            proto[255] = '\0';
            const char *protos[] = {proto};
            if (huge) {
                CHECK_EQ(tern_config_set_alpn(ccfg, protos, 1), TERN_OK);
                CHECK_EQ(tern_config_set_alpn(scfg, protos, 1), TERN_OK);
            }
            tern_config_set_trace(scfg, count_tickets, NULL);
            tickets_skipped = tickets_sent = 0;
            const char *subject;
            CHECK_EQ(mtls_visit(ccfg, scfg, &subject), 0);
            CHECK(strlen(subject) > 400);
            CHECK_CONTAINS(subject, "O=tern long subject organisation");
            char full[600];
            snprintf(full, sizeof(full), "%s", subject);
            if (!huge) {
                /* The ticket fits, and resumes with the client's identity:
                 * the first 128 bytes of its subject, marked as cut. */
                CHECK_EQ(tickets_skipped, 0);
                CHECK(tickets_sent >= 1);
                CHECK_EQ(mtls_visit(ccfg, scfg, &subject), 1);
                CHECK_EQ(strlen(subject), 128);
                CHECK(!strncmp(subject, full, 125));
                CHECK(!strcmp(subject + 125, "..."));
            } else {
                /* With a 255-byte ALPN protocol beside it the session
                 * still fits a ticket (HS_TICKET_MAX has room for a
                 * client certificate): it resumes. */
                CHECK_EQ(tickets_skipped, 0);
                CHECK(tickets_sent >= 1);
                CHECK_EQ(mtls_visit(ccfg, scfg, &subject), 1);
                CHECK_EQ(strlen(subject), 128);
            }
            tern_config_free(ccfg);
            tern_config_free(scfg);
        }
    }
}

/* The session encoding: format 3 carries flags (the extended master
 * secret) and a TLS 1.2 session ID, format 2 the peer certificate's hash;
 * formats 2 and 1 (before them) still decode; a hash of another length
 * is malformed. */
static void test_session_formats(void)
{
    struct hs_session s, d;
    memset(&s, 0, sizeof(s));
    s.version = TERN_TLS13;
    s.suite = TERN_TLS_AES_128_GCM_SHA256;
    s.psk_len = 32;
    s.lifetime_s = 60;
    snprintf(s.server_name, sizeof(s.server_name), "localhost");
    snprintf(s.peer_subject, sizeof(s.peer_subject), "CN=x");
    s.peer_cert_hash_len = 32;
    memset(s.peer_cert_hash, 0xab, 32);
    uint8_t buf[2048];
    struct wr w;
    wr_init_fixed(&w, buf, sizeof(buf));
    hs_session_encode(&s, &w);
    CHECK(wr_ok(&w));
    struct rd r;
    rd_init(&r, buf, w.len);
    CHECK_EQ(hs_session_decode(r, &d), TERN_OK);
    CHECK_EQ(d.peer_cert_hash_len, 32);
    CHECK_MEM(d.peer_cert_hash, s.peer_cert_hash, 32);
    CHECK(!strcmp(d.peer_subject, "CN=x"));
    CHECK(!d.ems);
    CHECK_EQ(d.session_id_len, 0);
    /* The tail is hash (1 + 32), flags (1), session ID (1 + 0), ticket
     * length (2). */
    size_t hash_at = w.len - 2 - 2 - 33, flags_at = hash_at + 33;
    CHECK_EQ(buf[hash_at], 32);
    /* format 2: without flags and session ID (and TLS 1.2 sessions then
     * all had the extended master secret, which tern always required) */
    uint8_t old[2048];
    memcpy(old, buf, flags_at);
    memcpy(old + flags_at, buf + flags_at + 2, 2);
    old[0] = 2;
    rd_init(&r, old, w.len - 2);
    CHECK_EQ(hs_session_decode(r, &d), TERN_OK);
    CHECK_EQ(d.peer_cert_hash_len, 32);
    CHECK(d.ems);
    /* format 1: the same without the hash field either */
    memcpy(old, buf, hash_at);
    memcpy(old + hash_at, buf + flags_at + 2, 2);
    old[0] = 1;
    rd_init(&r, old, w.len - 2 - 33);
    CHECK_EQ(hs_session_decode(r, &d), TERN_OK);
    CHECK_EQ(d.peer_cert_hash_len, 0);
    CHECK(!strcmp(d.server_name, "localhost"));
    /* format 4 without a verdict reads as format 3 did */
    CHECK_EQ(buf[0], 4);
    memcpy(old, buf, w.len);
    old[0] = 3;
    rd_init(&r, old, w.len);
    CHECK_EQ(hs_session_decode(r, &d), TERN_OK);
    /* format 3 with flags other than bit 0: malformed */
    old[flags_at] = 2;
    rd_init(&r, old, w.len);
    CHECK_EQ(hs_session_decode(r, &d), TERN_E_DECODE);
    /* a 5-byte hash */
    buf[hash_at] = 5;
    memmove(buf + hash_at + 6, buf + flags_at, 4);
    rd_init(&r, buf, hash_at + 10);
    CHECK_EQ(hs_session_decode(r, &d), TERN_E_DECODE);
    buf[hash_at] = 0; /* while with no hash at all it decodes */
    memmove(buf + hash_at + 1, buf + hash_at + 6, 4);
    rd_init(&r, buf, hash_at + 5);
    CHECK_EQ(hs_session_decode(r, &d), TERN_OK);
    CHECK_EQ(d.peer_cert_hash_len, 0);
}

/* peer_of: the server side's view of the client after one mutual-TLS
 * visit: whether it resumed, the certificates and the verdict. */
struct peer_view {
    int resumed;
    size_t n;
    uint8_t der[4][1024];
    size_t len[4];
    int have_verdict;
    struct tern_verdict v;
};

static void peer_of(tern_config *ccfg, tern_config *scfg, struct peer_view *pv)
{
    memset(pv, 0, sizeof(*pv));
    pv->resumed = -1;
    tern_conn *c = tern_conn_new_client(ccfg, "localhost");
    tern_conn *s = tern_conn_new_server(scfg);
    pump(c, s, 1 << 20);
    if (both_done(c, s)) {
        exchange(c, s, 100);
        pump(c, s, 1 << 20);
        pv->resumed = tern_conn_resumed(s);
        pv->n = tern_conn_peer_cert_count(s);
        for (size_t i = 0; i < pv->n && i < 4; i++) {
            const uint8_t *der;
            size_t len;
            CHECK_EQ(tern_conn_peer_cert_der(s, i, &der, &len), TERN_OK);
            CHECK(len <= sizeof(pv->der[i]));
            if (len <= sizeof(pv->der[i])) {
                memcpy(pv->der[i], der, len);
                pv->len[i] = len;
            }
        }
        const uint8_t *der;
        size_t len;
        CHECK_EQ(tern_conn_peer_cert_der(s, pv->n, &der, &len), TERN_E_ARG);
        pv->have_verdict = tern_conn_peer_verdict(s, &pv->v) == TERN_OK;
        if (pv->n > 0) {
            tern_x509 *x = NULL;
            CHECK_EQ(tern_conn_peer_cert(s, 0, &x), TERN_OK);
            tern_x509_free(x);
        }
    } else {
        fprintf(stderr, "  client: %s\n  server: %s\n", tern_conn_error(c), tern_conn_error(s));
    }
    tern_conn_free(c);
    tern_conn_free(s);
}

/* A session made with a verified client certificate keeps the client's
 * chain (leaf first, as many whole certificates as fit) and the verdict:
 * a resumed server connection answers tern_conn_peer_cert* and
 * tern_conn_peer_verdict as the full handshake did (TLS 1.3 and 1.2
 * tickets); a longer chain keeps its leaf; with optional client auth and
 * no certificate, the resumed connection says so. */
static void test_client_chain_in_ticket(void)
{
    for (int v12 = 0; v12 < 2; v12++) {
        uint16_t v = v12 ? TERN_TLS12 : TERN_TLS13;
        for (int longer = 0; longer < 2; longer++) {
            tern_config *ccfg = client_config(), *scfg = ticket_server(key_a, 2, 3600);
            CHECK_EQ(tern_config_set_versions(ccfg, v, v), TERN_OK);
            CHECK_EQ(tern_config_set_client_auth(scfg, TERN_CLIENT_AUTH_REQUIRED), TERN_OK);
            add_trust(scfg, DATA "ca.pem");
            CHECK_EQ(tern_config_set_cert_chain_file(
                         ccfg, longer ? DATA "client-long-chain.pem" : DATA "client-chain.pem",
                         longer ? DATA "client-long.key" : DATA "client.key"),
                     TERN_OK);
            static struct peer_view full, again;
            peer_of(ccfg, scfg, &full);
            CHECK_EQ(full.resumed, 0);
            CHECK_EQ(full.n, 2);
            CHECK(full.have_verdict);
            CHECK_EQ(full.v.status, TERN_OK);
            CHECK_EQ(full.v.reason, TERN_VERIFY_OK);
            peer_of(ccfg, scfg, &again);
            CHECK_EQ(again.resumed, 1);
            /* client-chain.pem: 421 + 404 bytes, both kept; the long
             * subject's leaf is 917 bytes, its intermediate does not fit
             * beside it in HS_SESSION_CERTS_MAX */
            CHECK_EQ(again.n, longer ? 1 : 2);
            for (size_t i = 0; i < again.n && i < 2; i++) {
                CHECK_EQ(again.len[i], full.len[i]);
                CHECK_MEM(again.der[i], full.der[i], full.len[i]);
            }
            CHECK(again.have_verdict);
            CHECK_EQ(again.v.status, TERN_OK);
            CHECK_EQ(again.v.reason, TERN_VERIFY_OK);
            CHECK(!strcmp(again.v.sentence, ""));
            /* and the ticket the resumed connection issued carries them
             * on (TLS 1.3: a tern client spends a TLS 1.2 ticket once) */
            if (!v12) {
                peer_of(ccfg, scfg, &again);
                CHECK_EQ(again.resumed, 1);
                CHECK_EQ(again.n, longer ? 1 : 2);
                CHECK_EQ(again.len[0], full.len[0]);
            }
            tern_config_free(ccfg);
            tern_config_free(scfg);
        }
        /* optional client auth, no certificate: the verdict says none */
        tern_config *ccfg = client_config(), *scfg = ticket_server(key_a, 2, 3600);
        CHECK_EQ(tern_config_set_versions(ccfg, v, v), TERN_OK);
        CHECK_EQ(tern_config_set_client_auth(scfg, TERN_CLIENT_AUTH_OPTIONAL), TERN_OK);
        add_trust(scfg, DATA "ca.pem");
        static struct peer_view none;
        peer_of(ccfg, scfg, &none);
        CHECK_EQ(none.resumed, 0);
        CHECK(none.have_verdict);
        CHECK_EQ(none.v.reason, TERN_VERIFY_NO_CERTIFICATE);
        peer_of(ccfg, scfg, &none);
        CHECK_EQ(none.resumed, 1);
        CHECK_EQ(none.n, 0);
        CHECK(none.have_verdict);
        CHECK_EQ(none.v.status, TERN_E_CERTIFICATE_REQUIRED);
        CHECK_EQ(none.v.reason, TERN_VERIFY_NO_CERTIFICATE);
        CHECK_CONTAINS(none.v.sentence, "no certificate");
        /* a server that asks for none: no verdict, resumed or not */
        tern_config_free(scfg);
        tern_config_free(ccfg);
        scfg = ticket_server(key_a, 2, 3600);
        ccfg = client_config();
        CHECK_EQ(tern_config_set_versions(ccfg, v, v), TERN_OK);
        peer_of(ccfg, scfg, &none);
        peer_of(ccfg, scfg, &none);
        CHECK_EQ(none.resumed, 1);
        CHECK_EQ(none.n, 0);
        CHECK(!none.have_verdict);
        tern_config_free(ccfg);
        tern_config_free(scfg);
    }
}

/* A sealed ticket belongs to its session-ID context: servers sharing the
 * ticket key but not the context (two virtual servers, each trusting its
 * own client CA) never resume each other's sessions, with a client
 * certificate in them or not; the same context does. TLS 1.3 and 1.2. */
static void test_ticket_context(void)
{
    for (int v12 = 0; v12 < 2; v12++) {
        uint16_t v = v12 ? TERN_TLS12 : TERN_TLS13;
        tern_config *ccfg = client_config();
        CHECK_EQ(tern_config_set_versions(ccfg, v, v), TERN_OK);
        CHECK_EQ(tern_config_set_cert_chain_file(ccfg, DATA "client-chain.pem", DATA "client.key"),
                 TERN_OK);
        tern_config *srv[3];
        for (int i = 0; i < 3; i++) {
            srv[i] = ticket_server(key_a, 2, 3600);
            CHECK_EQ(tern_config_set_client_auth(srv[i], TERN_CLIENT_AUTH_OPTIONAL), TERN_OK);
            add_trust(srv[i], DATA "ca.pem");
            const char *ctx = i == 1 ? "other.test" : "localhost";
            CHECK_EQ(tern_config_set_session_id_context(srv[i], (const uint8_t *)ctx, strlen(ctx)),
                     TERN_OK);
        }
        static struct peer_view pv;
        peer_of(ccfg, srv[0], &pv);
        CHECK_EQ(pv.resumed, 0);
        peer_of(ccfg, srv[1], &pv); /* another context: a full handshake */
        CHECK_EQ(pv.resumed, 0);
        CHECK_EQ(pv.n, 2);
        peer_of(ccfg, srv[0], &pv); /* (the last ticket is other.test's) */
        CHECK_EQ(pv.resumed, 0);
        peer_of(ccfg, srv[2], &pv); /* the same context elsewhere resumes */
        CHECK_EQ(pv.resumed, 1);
        CHECK_EQ(pv.n, 2);
        for (int i = 0; i < 3; i++)
            tern_config_free(srv[i]);
        tern_config_free(ccfg);
    }
}

/* A session whose certificates do not all fit in a sealed ticket loses
 * them from the end (then none), and still seals; the opened ticket holds
 * what was kept, whole. */
static void test_ticket_trims_certs(void)
{
    tern_config *scfg = ticket_server(key_a, 1, 3600);
    static struct hs_session s, d;
    memset(&s, 0, sizeof(s));
    s.version = TERN_TLS13;
    s.suite = TERN_TLS_AES_128_GCM_SHA256;
    s.psk_len = 32;
    s.lifetime_s = 60;
    s.issued_ms = hs_now_ms();
    memset(s.server_name, 'n', 255);
    memset(s.alpn, 'a', 100);
    s.have_verdict = true;
    s.n_certs = 2;
    s.cert_len[0] = 600;
    s.cert_len[1] = 550;
    memset(s.certs, 0x11, 600);
    memset(s.certs + 600, 0x22, 550);
    const uint8_t nonce[12] = {7};
    for (int round = 0; round < 2; round++) {
        uint8_t buf[HS_TICKET_MAX + 64];
        struct wr w;
        wr_init_fixed(&w, buf, sizeof(buf));
        CHECK_EQ(hs_ticket_seal(scfg, &s, s.issued_ms / 1000u, nonce, &w), TERN_OK);
        CHECK(w.len <= HS_TICKET_MAX);
        struct tern_err err;
        err_init(&err);
        CHECK_EQ(hs_ticket_open(scfg, buf, w.len, s.issued_ms, &d, &err), TERN_OK);
        CHECK(d.have_verdict);
        /* round 0: 255 + 100 + 1,150 bytes do not fit: the leaf alone;
         * round 1: a 255-byte ALPN too: no certificate fits */
        CHECK_EQ(d.n_certs, round == 0 ? 1 : 0);
        if (round == 0) {
            CHECK_EQ(d.cert_len[0], 600);
            CHECK_MEM(d.certs, s.certs, 600);
        }
        CHECK(!strcmp(d.alpn, s.alpn));
        s.cert_len[0] = 1100;
        s.n_certs = 1;
        memset(s.alpn, 'a', 255);
    }
    tern_config_free(scfg);
}

/* Format 4's verdict and certificates: bounded and consistent, or
 * malformed. */
static void test_session_verdict_format(void)
{
    static struct hs_session s, d;
    memset(&s, 0, sizeof(s));
    s.version = TERN_TLS13;
    s.suite = TERN_TLS_AES_128_GCM_SHA256;
    s.psk_len = 32;
    s.lifetime_s = 60;
    s.have_verdict = true;
    s.n_certs = 2;
    s.cert_len[0] = 3;
    s.cert_len[1] = 2;
    memcpy(s.certs, "abcde", 5);
    uint8_t buf[4096];
    struct wr w;
    wr_init_fixed(&w, buf, sizeof(buf));
    hs_session_encode(&s, &w);
    CHECK(wr_ok(&w));
    CHECK_EQ(buf[0], 4);
    struct rd r;
    rd_init(&r, buf, w.len);
    CHECK_EQ(hs_session_decode(r, &d), TERN_OK);
    CHECK(d.have_verdict);
    CHECK_EQ(d.n_certs, 2);
    CHECK_EQ(d.cert_len[1], 2);
    CHECK_MEM(d.certs, "abcde", 5);
    /* the tail: status, reason, list (2 + 2+3 + 2+2), ticket length (2) */
    size_t status_at = w.len - 2 - 11 - 2;
    CHECK_EQ(buf[status_at + 2], 0);
    CHECK_EQ(buf[status_at + 3], 9);
    uint8_t bad[4096];
    /* a refusal with certificates, an acceptance with a status, a reason
     * past the last: malformed */
    const uint8_t cases[][2] = {{TERN_E_BAD_CERTIFICATE, TERN_VERIFY_UNKNOWN_ISSUER},
                                {TERN_E_BAD_CERTIFICATE, TERN_VERIFY_OK},
                                {0, TERN_VERIFY_ERROR + 1}};
    for (size_t i = 0; i < 3; i++) {
        memcpy(bad, buf, w.len);
        bad[status_at] = cases[i][0];
        bad[status_at + 1] = cases[i][1];
        rd_init(&r, bad, w.len);
        CHECK_EQ(hs_session_decode(r, &d), TERN_E_DECODE);
    }
    /* an empty certificate; a list whose length overruns */
    memcpy(bad, buf, w.len);
    bad[status_at + 4] = 0;
    bad[status_at + 5] = 0;
    bad[status_at + 9] = 5;
    rd_init(&r, bad, w.len);
    CHECK_EQ(hs_session_decode(r, &d), TERN_E_DECODE);
    memcpy(bad, buf, w.len);
    bad[status_at + 3] = 10;
    rd_init(&r, bad, w.len);
    CHECK_EQ(hs_session_decode(r, &d), TERN_E_DECODE);
    /* more than HS_SESSION_CERTS certificates */
    s.n_certs = HS_SESSION_CERTS;
    for (size_t i = 0; i < HS_SESSION_CERTS; i++)
        s.cert_len[i] = 1;
    wr_init_fixed(&w, buf, sizeof(buf));
    hs_session_encode(&s, &w);
    size_t list_at = w.len - 2 - (2 + 3 * HS_SESSION_CERTS);
    memmove(buf + w.len + 3 - 2, buf + w.len - 2, 2); /* room for one more */
    buf[w.len - 2] = 0;
    buf[w.len - 1] = 1;
    buf[w.len] = 'z';
    buf[list_at + 1] = (uint8_t)(3 * HS_SESSION_CERTS + 3);
    rd_init(&r, buf, w.len + 3);
    CHECK_EQ(hs_session_decode(r, &d), TERN_E_DECODE);
    /* the same at HS_SESSION_CERTS decodes (the edit above is sound) */
    buf[list_at + 1] = (uint8_t)(3 * HS_SESSION_CERTS);
    memmove(buf + w.len - 2, buf + w.len + 1, 2);
    rd_init(&r, buf, w.len);
    CHECK_EQ(hs_session_decode(r, &d), TERN_OK);
    CHECK_EQ(d.n_certs, HS_SESSION_CERTS);
}

int main(void)
{
    RUN(test_resume);
    RUN(test_ticket_counts);
    RUN(test_ticket_used_once);
    RUN(test_shared_and_foreign_keys);
    RUN(test_rotated_out);
    RUN(test_saved_session_and_tampering);
    RUN(test_tampered_binder);
    RUN(test_alpn_mismatch_means_full);
    RUN(test_psk_ke);
    RUN(test_long_client_subject);
    RUN(test_session_formats);
    RUN(test_client_chain_in_ticket);
    RUN(test_ticket_trims_certs);
    RUN(test_ticket_context);
    RUN(test_session_verdict_format);
    return test_done();
}
