/* Integrators' hooks (hs/hooks.c): the ALPN selection callback, and the
 * message and state callbacks, over in-memory handshakes. */
#include "pair.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

/* ---- ALPN selection ---- */

struct alpn_seen {
    int answer; /* >= 0: choose that index; else the verdict */
    size_t n;
    char names[8][32];
    char sni[64];
    int calls;
};

static int pick_alpn(void *arg, tern_conn *c, const char *const *protocols, size_t n)
{
    struct alpn_seen *s = arg;
    s->calls++;
    s->n = n;
    for (size_t i = 0; i < n && i < 8; i++)
        snprintf(s->names[i], sizeof(s->names[i]), "%s", protocols[i]);
    const char *sni = tern_conn_server_name(c);
    snprintf(s->sni, sizeof(s->sni), "%s", sni ? sni : "");
    return s->answer;
}

static void alpn_case(uint16_t version, struct alpn_seen *seen, struct handshake *h)
{
    static const char *const offer[] = {"h2", "http/1.1", "spdy/3"};
    static const char *const server_list[] = {"h2"};
    h->ccfg = client_config();
    h->scfg = server_config("server-p256");
    CHECK_EQ(tern_config_set_versions(h->ccfg, version, version), TERN_OK);
    CHECK_EQ(tern_config_set_alpn(h->ccfg, offer, 3), TERN_OK);
    /* The fixed list would choose h2: the callback overrides it. */
    CHECK_EQ(tern_config_set_alpn(h->scfg, server_list, 1), TERN_OK);
    CHECK_EQ(tern_config_set_alpn_select_callback(h->scfg, pick_alpn, seen), TERN_OK);
    start(h, "localhost", 1 << 20);
}

static void test_alpn_choose(void)
{
    uint16_t versions[] = {TERN_TLS13, TERN_TLS12};
    for (int v = 0; v < 2; v++) {
        struct alpn_seen seen = {.answer = 1};
        struct handshake h;
        alpn_case(versions[v], &seen, &h);
        CHECK(both_done(h.c, h.s));
        CHECK_EQ(tern_conn_version(h.c), versions[v]);
        CHECK_EQ(seen.calls, 1);
        CHECK_EQ(seen.n, 3);
        CHECK(!strcmp(seen.names[0], "h2"));
        CHECK(!strcmp(seen.names[1], "http/1.1"));
        CHECK(!strcmp(seen.names[2], "spdy/3"));
        CHECK(!strcmp(seen.sni, "localhost"));
        CHECK(!strcmp(tern_conn_alpn(h.s), "http/1.1"));
        CHECK(!strcmp(tern_conn_alpn(h.c), "http/1.1"));
        exchange(h.c, h.s, 100);
        finish(&h);
    }
}

static void test_alpn_noack(void)
{
    struct alpn_seen seen = {.answer = TERN_ALPN_NOACK};
    struct handshake h;
    alpn_case(TERN_TLS13, &seen, &h);
    CHECK(both_done(h.c, h.s));
    CHECK_EQ(seen.calls, 1);
    CHECK(tern_conn_alpn(h.s) == NULL); /* none negotiated */
    CHECK(tern_conn_alpn(h.c) == NULL);
    finish(&h);
}

static void test_alpn_refuse(void)
{
    int answers[] = {TERN_ALPN_REFUSE, -7, 3 /* out of range */};
    int want[] = {TERN_E_NO_APPLICATION_PROTOCOL, TERN_E_NO_APPLICATION_PROTOCOL, TERN_E_INTERNAL};
    for (int i = 0; i < 3; i++) {
        struct alpn_seen seen = {.answer = answers[i]};
        struct handshake h;
        alpn_case(TERN_TLS13, &seen, &h);
        CHECK(!tern_conn_handshake_done(h.c));
        CHECK_EQ(tern_conn_status(h.s), want[i]);
        CHECK_EQ(tern_conn_status(h.c), TERN_E_ALERT_RECEIVED);
        if (i < 2)
            CHECK_CONTAINS(tern_conn_error(h.c), "no_application_protocol");
        else
            CHECK_CONTAINS(tern_conn_error(h.s), "chose protocol 3 of a list of 3");
        finish(&h);
    }
}

/* A client without ALPN: the callback is not asked. */
static void test_alpn_not_offered(void)
{
    struct alpn_seen seen = {.answer = TERN_ALPN_REFUSE};
    struct handshake h = {.ccfg = client_config(), .scfg = server_config("server-p256")};
    CHECK_EQ(tern_config_set_alpn_select_callback(h.scfg, pick_alpn, &seen), TERN_OK);
    start(&h, "localhost", 1 << 20);
    CHECK(both_done(h.c, h.s));
    CHECK_EQ(seen.calls, 0);
    /* The configuration is in use now. */
    CHECK_EQ(tern_config_set_alpn_select_callback(h.scfg, NULL, NULL), TERN_E_ARG);
    CHECK_EQ(tern_config_set_message_callback(h.scfg, NULL, NULL), TERN_E_ARG);
    CHECK_EQ(tern_config_set_state_callback(h.scfg, NULL, NULL), TERN_E_ARG);
    finish(&h);
}

/* ---- message and state callbacks ---- */

#define LOG_MAX 64

struct msg_log {
    size_t n;
    struct {
        int sent;
        uint8_t content_type, type;
        uint8_t *bytes;
        size_t len;
    } m[LOG_MAX];
    size_t n_states;
    struct {
        enum tern_state_event ev;
        int value;
    } st[LOG_MAX];
    tern_conn *conn; /* the connection the callbacks are told about */
    bool wrong_conn;
};

static void on_message(void *arg, tern_conn *c, const struct tern_message *m)
{
    struct msg_log *l = arg;
    if (l->conn && c != l->conn)
        l->wrong_conn = true;
    if (l->n == LOG_MAX)
        return;
    l->m[l->n].sent = m->sent;
    l->m[l->n].content_type = m->content_type;
    l->m[l->n].type = m->type;
    l->m[l->n].bytes = malloc(m->len);
    memcpy(l->m[l->n].bytes, m->bytes, m->len);
    l->m[l->n].len = m->len;
    l->n++;
}

static void on_state(void *arg, tern_conn *c, enum tern_state_event ev, int value)
{
    struct msg_log *l = arg;
    if (l->conn && c != l->conn)
        l->wrong_conn = true;
    if (l->n_states == LOG_MAX)
        return;
    l->st[l->n_states].ev = ev;
    l->st[l->n_states].value = value;
    l->n_states++;
}

static void log_free(struct msg_log *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->m[i].bytes);
}

/* find: the index of the k-th (from 0) message of this direction, content
 * type and type, or -1. */
static int find(const struct msg_log *l, int sent, uint8_t ct, uint8_t type, int k)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->m[i].sent == sent && l->m[i].content_type == ct && l->m[i].type == type && k-- == 0)
            return (int)i;
    return -1;
}

static void hooks_on(tern_config *cfg, struct msg_log *l)
{
    CHECK_EQ(tern_config_set_message_callback(cfg, on_message, l), TERN_OK);
    CHECK_EQ(tern_config_set_state_callback(cfg, on_state, l), TERN_OK);
}

static void test_messages13(void)
{
    static struct msg_log cl, sl;
    memset(&cl, 0, sizeof(cl));
    memset(&sl, 0, sizeof(sl));
    struct handshake h = {.ccfg = client_config(), .scfg = server_config("server-p256")};
    hooks_on(h.ccfg, &cl);
    hooks_on(h.scfg, &sl);
    start(&h, "localhost", 7);
    CHECK(both_done(h.c, h.s));
    exchange(h.c, h.s, 10);
    CHECK_EQ(tern_conn_close(h.c), TERN_OK);
    pump(h.c, h.s, 1 << 20);

    /* Each handshake message the server sent is what the client received,
     * byte for byte, in the same order; each length is its header's. */
    const uint8_t types[] = {2, 8, 11, 15, 20, 4};
    int last = -1;
    for (size_t i = 0; i < sizeof(types); i++) {
        int s = find(&sl, 1, TERN_CONTENT_HANDSHAKE, types[i], 0);
        int r = find(&cl, 0, TERN_CONTENT_HANDSHAKE, types[i], 0);
        CHECK(s >= 0 && r >= 0);
        if (s < 0 || r < 0)
            continue;
        CHECK(r > last);
        last = r;
        CHECK_EQ(sl.m[s].len, cl.m[r].len);
        CHECK(sl.m[s].len == cl.m[r].len && !memcmp(sl.m[s].bytes, cl.m[r].bytes, sl.m[s].len));
        size_t body =
            (size_t)cl.m[r].bytes[1] << 16 | (size_t)cl.m[r].bytes[2] << 8 | cl.m[r].bytes[3];
        CHECK_EQ(cl.m[r].len, 4 + body);
    }
    /* The client's hello and Finished, seen by both. */
    int ch = find(&cl, 1, TERN_CONTENT_HANDSHAKE, 1, 0);
    CHECK_EQ(ch, 0);
    int sch = find(&sl, 0, TERN_CONTENT_HANDSHAKE, 1, 0);
    CHECK_EQ(sch, 0);
    if (ch >= 0 && sch >= 0)
        CHECK(cl.m[ch].len == sl.m[sch].len &&
              !memcmp(cl.m[ch].bytes, sl.m[sch].bytes, cl.m[ch].len));
    CHECK(find(&cl, 1, TERN_CONTENT_HANDSHAKE, 20, 0) >= 0);
    CHECK(find(&sl, 0, TERN_CONTENT_HANDSHAKE, 20, 0) >= 0);
    /* The middlebox-compatibility ChangeCipherSpec each way. */
    CHECK(find(&cl, 1, TERN_CONTENT_CCS, 1, 0) >= 0);
    CHECK(find(&sl, 0, TERN_CONTENT_CCS, 1, 0) >= 0);
    /* close_notify: sent by the client, received by the server. */
    int cn = find(&cl, 1, TERN_CONTENT_ALERT, 0, 0);
    CHECK(cn >= 0 && cl.m[cn].len == 2 && cl.m[cn].bytes[0] == 1);
    CHECK(find(&sl, 0, TERN_CONTENT_ALERT, 0, 0) >= 0);

    /* States, in order. */
    CHECK_EQ(cl.n_states, 4);
    CHECK_EQ(cl.st[0].ev, TERN_STATE_HANDSHAKE_START);
    CHECK_EQ(cl.st[1].ev, TERN_STATE_HANDSHAKE_DONE);
    CHECK_EQ(cl.st[1].value, TERN_TLS13);
    CHECK_EQ(cl.st[2].ev, TERN_STATE_ALERT_SENT);
    CHECK_EQ(cl.st[2].value, TERN_ALERT_CLOSE_NOTIFY);
    CHECK_EQ(cl.st[3].ev, TERN_STATE_CLOSED);
    CHECK_EQ(sl.n_states, 4);
    CHECK_EQ(sl.st[0].ev, TERN_STATE_HANDSHAKE_START);
    CHECK_EQ(sl.st[1].ev, TERN_STATE_HANDSHAKE_DONE);
    CHECK_EQ(sl.st[2].ev, TERN_STATE_ALERT_RECEIVED);
    CHECK_EQ(sl.st[3].ev, TERN_STATE_CLOSED);
    finish(&h);
    log_free(&cl);
    log_free(&sl);
}

static void test_messages12(void)
{
    static struct msg_log cl, sl;
    memset(&cl, 0, sizeof(cl));
    memset(&sl, 0, sizeof(sl));
    struct handshake h = {.ccfg = client_config(), .scfg = server_config("server-p256")};
    CHECK_EQ(tern_config_set_versions(h.ccfg, TERN_TLS12, TERN_TLS12), TERN_OK);
    hooks_on(h.ccfg, &cl);
    hooks_on(h.scfg, &sl);
    start(&h, "localhost", 1 << 20);
    CHECK(both_done(h.c, h.s));
    /* RFC 5246 §7.3: ServerKeyExchange (12), ServerHelloDone (14),
     * ClientKeyExchange (16), and ChangeCipherSpec both ways. */
    CHECK(find(&cl, 0, TERN_CONTENT_HANDSHAKE, 12, 0) >= 0);
    CHECK(find(&cl, 0, TERN_CONTENT_HANDSHAKE, 14, 0) >= 0);
    CHECK(find(&sl, 0, TERN_CONTENT_HANDSHAKE, 16, 0) >= 0);
    CHECK(find(&cl, 1, TERN_CONTENT_CCS, 1, 0) >= 0);
    CHECK(find(&cl, 0, TERN_CONTENT_CCS, 1, 0) >= 0);
    CHECK(find(&sl, 1, TERN_CONTENT_CCS, 1, 0) >= 0);
    CHECK(find(&sl, 0, TERN_CONTENT_CCS, 1, 0) >= 0);
    CHECK(find(&cl, 0, TERN_CONTENT_HANDSHAKE, 20, 0) > find(&cl, 0, TERN_CONTENT_CCS, 1, 0));
    CHECK_EQ(cl.n_states, 2);
    CHECK_EQ(cl.st[1].ev, TERN_STATE_HANDSHAKE_DONE);
    CHECK_EQ(cl.st[1].value, TERN_TLS12);
    finish(&h);
    log_free(&cl);
    log_free(&sl);
}

/* A failed handshake: the alert sent and the failure, on both sides. */
static void test_states_failure(void)
{
    static struct msg_log cl, sl;
    memset(&cl, 0, sizeof(cl));
    memset(&sl, 0, sizeof(sl));
    struct alpn_seen seen = {.answer = TERN_ALPN_REFUSE};
    struct handshake h = {.ccfg = client_config(), .scfg = server_config("server-p256")};
    static const char *const offer[] = {"h2"};
    CHECK_EQ(tern_config_set_alpn(h.ccfg, offer, 1), TERN_OK);
    CHECK_EQ(tern_config_set_alpn_select_callback(h.scfg, pick_alpn, &seen), TERN_OK);
    hooks_on(h.ccfg, &cl);
    hooks_on(h.scfg, &sl);
    start(&h, "localhost", 1 << 20);
    CHECK_EQ(sl.n_states, 3);
    CHECK_EQ(sl.st[0].ev, TERN_STATE_HANDSHAKE_START);
    CHECK_EQ(sl.st[1].ev, TERN_STATE_ALERT_SENT);
    CHECK_EQ(sl.st[1].value, TERN_ALERT_NO_APPLICATION_PROTOCOL);
    CHECK_EQ(sl.st[2].ev, TERN_STATE_FAILED);
    CHECK_EQ(sl.st[2].value, TERN_E_NO_APPLICATION_PROTOCOL);
    CHECK_EQ(cl.n_states, 3);
    CHECK_EQ(cl.st[1].ev, TERN_STATE_ALERT_RECEIVED);
    CHECK_EQ(cl.st[1].value, TERN_ALERT_NO_APPLICATION_PROTOCOL);
    CHECK_EQ(cl.st[2].ev, TERN_STATE_FAILED);
    CHECK_EQ(cl.st[2].value, TERN_E_ALERT_RECEIVED);
    int a = find(&cl, 0, TERN_CONTENT_ALERT, TERN_ALERT_NO_APPLICATION_PROTOCOL, 0);
    CHECK(a >= 0 && cl.m[a].bytes[0] == 2);
    finish(&h);
    log_free(&cl);
    log_free(&sl);
}

/* The callbacks are told about the connection they concern. */
static void test_conn_pointer(void)
{
    static struct msg_log sl;
    memset(&sl, 0, sizeof(sl));
    tern_config *ccfg = client_config(), *scfg = server_config("server-p256");
    hooks_on(scfg, &sl);
    tern_conn *s = tern_conn_new_server(scfg);
    sl.conn = s;
    tern_conn *c = tern_conn_new_client(ccfg, "localhost");
    pump(c, s, 1 << 20);
    CHECK(both_done(c, s));
    CHECK(sl.n > 5);
    CHECK(!sl.wrong_conn);
    tern_conn_free(c);
    tern_conn_free(s);
    tern_config_free(ccfg);
    tern_config_free(scfg);
    log_free(&sl);
}

int main(void)
{
    RUN(test_alpn_choose);
    RUN(test_alpn_noack);
    RUN(test_alpn_refuse);
    RUN(test_alpn_not_offered);
    RUN(test_messages13);
    RUN(test_messages12);
    RUN(test_states_failure);
    RUN(test_conn_pointer);
    return test_done();
}
