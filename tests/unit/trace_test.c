/* The trace renderer of the tern command: one handshake's events rendered
 * in each mode, checked for what a reader (or a JSON parser) must find. */
#include "json.h"
#include "test.h"
#include "trace.h"

#include <stdlib.h>
#include <string.h>

static const struct tern_trace_fact ch_facts[] = {
    {"versions", "TLS 1.3, TLS 1.2"},
    {"key share", "X25519MLKEM768"},
    {"server name", "localhost"},
    {"certificates", "2 certs"},
    {"resumption", "no"},
    {"key_shares", ""},
};
static const struct tern_trace_fact_info ch_info[] = {
    {TERN_FACT_LIST, 0},   {TERN_FACT_TEXT, 0}, {TERN_FACT_TEXT, 0},
    {TERN_FACT_NUMBER, 2}, {TERN_FACT_BOOL, 0}, {TERN_FACT_LIST, 0},
};
static const struct tern_trace_fact sh_facts[] = {{"cipher suite", "TLS_AES_128_GCM_SHA256"}};
static const struct tern_trace_fact cert_facts[] = {
    {"subject", "CN=localhost \"quoted\"\\ \x01 \xc3\xa9 \xff"},
    {"issuer", "CN=tern development CA"},
};

/* One client-side handshake as the library reports it. */
static const struct tern_trace_event events[] = {
    {TERN_TRACE_MESSAGE, TERN_DIR_TO_SERVER, 0, "ClientHello",
     "The client says hello: which versions and algorithms it speaks, and its half of a key "
     "exchange.",
     ch_facts, 6, 517, 120, 0, ch_info},
    {TERN_TRACE_MESSAGE, TERN_DIR_TO_CLIENT, 0, "ServerHello",
     "The server picks one of everything the client offered.", sh_facts, 1, 122, 2300, 1, NULL},
    {TERN_TRACE_KEYS, TERN_DIR_LOCAL, 0, "handshake keys",
     "Both sides now derive the same keys from the exchange without sending them.", NULL, 0, 0,
     2400, 1, NULL},
    {TERN_TRACE_MESSAGE, TERN_DIR_TO_CLIENT, 0, "Certificate", "Who the server claims to be.",
     cert_facts, 2, 900, 2500, 1, NULL},
    {TERN_TRACE_CHECK, TERN_DIR_LOCAL, 0, "certificate chain", "The chain ends at a root we trust.",
     NULL, 0, 0, 2600, 1, NULL},
    {TERN_TRACE_MESSAGE, TERN_DIR_TO_SERVER, 0, "Finished",
     "Proof the client saw the same handshake.", NULL, 0, 52, 2700, 1, NULL},
    {TERN_TRACE_DONE, TERN_DIR_LOCAL, 0, "handshake complete", "Done.", NULL, 0, 0, 2800, 1, NULL},
    {TERN_TRACE_DATA, TERN_DIR_TO_SERVER, 0, "application data", "Encrypted.", NULL, 0, 78, 2900, 1,
     NULL},
    {TERN_TRACE_ALERT, TERN_DIR_TO_SERVER, 0, "close_notify", "Goodbye.", NULL, 0, 24, 3100, 1,
     NULL},
    {TERN_TRACE_WIPED, TERN_DIR_LOCAL, 0, "keys wiped", "Nothing secret is left in memory.", NULL,
     0, 0, 3200, 1, NULL},
};
#define N_EVENTS (sizeof(events) / sizeof(events[0]))

static char *render(enum trace_mode mode)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct trace_out t = {.f = f, .mode = mode};
    for (size_t i = 0; i < N_EVENTS; i++)
        trace_render(&t, &events[i]);
    fclose(f);
    return buf;
}

/* Line of out that contains needle, copied into line. */
static bool find_line(const char *out, const char *needle, char *line, size_t cap)
{
    const char *p = strstr(out, needle);
    if (!p)
        return false;
    const char *s = p, *e = strchr(p, '\n');
    while (s > out && s[-1] != '\n')
        s--;
    size_t n = (size_t)((e ? e : p + strlen(p)) - s);
    if (n >= cap)
        n = cap - 1;
    memcpy(line, s, n);
    line[n] = 0;
    return true;
}

/* Display column at which needle starts in line. */
static long col_of(const char *line, const char *needle)
{
    const char *p = strstr(line, needle);
    if (!p)
        return -1;
    long c = 0;
    for (const char *q = line; q < p; q++)
        c += ((unsigned char)*q & 0xc0) != 0x80;
    return c;
}

static void test_ladder(void)
{
    char *out = render(TRACE_LADDER);
    char line[512];
    CHECK_CONTAINS(out, "client (tern)");
    CHECK(find_line(out, "ClientHello", line, sizeof(line)));
    /* The client's message: name on the left, arrow pointing right. */
    CHECK(strstr(line, "ClientHello ─") == line + 2);
    CHECK_CONTAINS(line, "▶");
    CHECK(!strstr(line, "◀"));
    CHECK_CONTAINS(line, "517 B");
    CHECK_CONTAINS(line, "0.1 ms");
    /* The server's message: arrow pointing left, name at the right end. */
    CHECK(find_line(out, "ServerHello", line, sizeof(line)));
    CHECK(strstr(line, "◀─") == line + 2);
    CHECK(strstr(line, "─ ServerHello") != NULL);
    CHECK_CONTAINS(line, "2.3 ms");
    /* Its facts sit under the sender, in the right column. */
    CHECK(find_line(out, "cipher suite: TLS_AES_128_GCM_SHA256", line, sizeof(line)));
    CHECK(strspn(line, " ") > 30);
    CHECK(find_line(out, "versions: TLS 1.3, TLS 1.2", line, sizeof(line)));
    CHECK(strspn(line, " ") < 10);
    CHECK_CONTAINS(out, "from here on encrypted with handshake keys");
    CHECK_CONTAINS(out, "✓ certificate chain");
    CHECK_CONTAINS(out, "handshake complete: 1 round trip, 2.8 ms");
    CHECK(find_line(out, "application data", line, sizeof(line)));
    CHECK_CONTAINS(line, "78 B");
    CHECK_CONTAINS(out, "close_notify ─");
    CHECK_CONTAINS(out, "· keys wiped");
    /* No sentences without --trace=explain. */
    CHECK(!strstr(out, "The client says hello"));
    /* Both arrows end in the same column: the ladder's rails line up. */
    char a[512], b[512];
    CHECK(find_line(out, "ClientHello", a, sizeof(a)));
    CHECK(find_line(out, "Finished", b, sizeof(b)));
    CHECK_EQ(col_of(a, "▶"), col_of(b, "▶"));
    CHECK(find_line(out, "ServerHello", a, sizeof(a)));
    CHECK(find_line(out, "Certificate", b, sizeof(b)));
    CHECK_EQ(col_of(a, "ServerHello") + strlen("ServerHello"),
             col_of(b, "Certificate") + strlen("Certificate"));
    free(out);
}

static void test_explain(void)
{
    char *out = render(TRACE_EXPLAIN);
    CHECK_CONTAINS(out, "ClientHello ─");
    CHECK_CONTAINS(out, "» The client says hello: which versions and algorithms it speaks,");
    /* Wrapped, not one long line. */
    const char *p = strstr(out, "» The client says hello");
    CHECK(p && strchr(p, '\n') && strstr(strchr(p, '\n'), "key exchange."));
    CHECK_CONTAINS(out, "Nothing secret is left in memory.");
    for (const char *l = out; l && *l;) {
        const char *e = strchr(l, '\n');
        size_t cols = 0;
        for (const char *q = l; q < (e ? e : l + strlen(l)); q++)
            cols += ((unsigned char)*q & 0xc0) != 0x80;
        if (strstr(l, "»") && strstr(l, "»") < (e ? e : l + strlen(l)))
            CHECK(cols <= 80);
        l = e ? e + 1 : NULL;
    }
    free(out);
}

static void test_json(void)
{
    char *out = render(TRACE_JSON);
    size_t lines = 0;
    char *save = NULL;
    for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        struct json *j = json_parse(l);
        CHECK(j != NULL);
        if (!j)
            continue;
        const struct tern_trace_event *ev = &events[lines];
        CHECK(!strcmp(json_str(j, "name"), ev->name));
        CHECK(!strcmp(json_str(j, "side"), "client"));
        CHECK_EQ(json_num(j, "bytes", -1), ev->bytes);
        CHECK_EQ(json_num(j, "elapsed_us", -1), ev->elapsed_us);
        CHECK(!strcmp(json_str(j, "explain"), ev->explain));
        const struct json *facts = json_get(j, "facts");
        CHECK(facts && facts->type == JSON_ARRAY && facts->n == ev->n_facts);
        if (lines == 0) {
            CHECK(!strcmp(json_str(j, "kind"), "message"));
            CHECK(!strcmp(json_str(j, "dir"), "to_server"));
            CHECK(!strcmp(json_str(facts->items[1], "value"), "X25519MLKEM768"));
            /* Typed facts: a list is an array, a number a number, yes/no a
             * boolean, an empty list []. */
            const struct json *v = json_get(facts->items[0], "value");
            CHECK(v && v->type == JSON_ARRAY && v->n == 2);
            if (v && v->type == JSON_ARRAY && v->n == 2) {
                CHECK(v->items[0]->type == JSON_STRING && !strcmp(v->items[0]->string, "TLS 1.3"));
                CHECK(!strcmp(v->items[1]->string, "TLS 1.2"));
            }
            v = json_get(facts->items[3], "value");
            CHECK(v && v->type == JSON_NUMBER && v->number == 2);
            v = json_get(facts->items[4], "value");
            CHECK(v && v->type == JSON_BOOL && !v->boolean);
            v = json_get(facts->items[5], "value");
            CHECK(v && v->type == JSON_ARRAY && v->n == 0);
        }
        if (lines == 3) {
            /* Quotes, backslashes and control bytes escaped; a valid UTF-8
             * é kept; an invalid byte replaced by U+FFFD. */
            CHECK(!strcmp(json_str(facts->items[0], "value"),
                          "CN=localhost \"quoted\"\\ \x01 \xc3\xa9 \xef\xbf\xbd"));
        }
        json_free(j);
        lines++;
    }
    CHECK_EQ(lines, N_EVENTS);
    free(out);
}

static void test_modes(void)
{
    enum trace_mode m;
    CHECK(trace_parse_mode("", &m) && m == TRACE_LADDER);
    CHECK(trace_parse_mode("=explain", &m) && m == TRACE_EXPLAIN);
    CHECK(trace_parse_mode("=json", &m) && m == TRACE_JSON);
    CHECK(!trace_parse_mode("=xml", &m));
}

static void test_server_side(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct trace_out t = {.f = f, .mode = TRACE_LADDER, .show_conn = true, .conn_id = 7};
    struct tern_trace_event ev = events[4];
    ev.is_server = 1;
    ev.name = "client certificate";
    trace_render(&t, &ev);
    struct tern_trace_event err = {TERN_TRACE_ERROR,
                                   TERN_DIR_LOCAL,
                                   1,
                                   "handshake failed",
                                   "certificate for 'a' does not cover 'b'",
                                   NULL,
                                   0,
                                   0,
                                   10,
                                   0,
                                   NULL};
    t.conn_id = 8;
    trace_render(&t, &err);
    fclose(f);
    CHECK_CONTAINS(buf, "connection #7");
    CHECK_CONTAINS(buf, "connection #8");
    CHECK_CONTAINS(buf, "(tern) server");
    char line[256];
    CHECK(find_line(buf, "✓ client certificate", line, sizeof(line)));
    CHECK(strspn(line, " ") > 30);
    /* A failure's sentence shows even without explain mode. */
    CHECK_CONTAINS(buf, "» certificate for 'a' does not cover 'b'");
    free(buf);
}

int main(void)
{
    RUN(test_ladder);
    RUN(test_explain);
    RUN(test_json);
    RUN(test_modes);
    RUN(test_server_side);
    return test_done();
}
