/* RFC 8448 §3 (the simple 1-RTT handshake) replayed through tern's own
 * connection, byte for byte.
 *
 * Client: with the trace's ClientHello and X25519 key injected through the
 * test-only hooks (hs/test_hooks.h), the client is fed the server's records
 * from the trace and must produce the trace's Finished record, application
 * data record and close_notify record exactly, and log the trace's traffic
 * secrets. That exercises ServerHello processing, the key schedule, opening
 * the encrypted flight, the RSA-PSS CertificateVerify check, the Finished
 * check and NewSessionTicket processing against an independent
 * implementation's bytes.
 *
 * Server: fed the trace's ClientHello with the trace's server random and
 * X25519 key, the server must send the trace's ServerHello record exactly
 * and derive the same handshake traffic secrets. (Its later messages
 * differ: the trace's server is NSS with its own certificate and
 * extensions.) */
#include "hs/test_hooks.h"
#include "pair.h"
#include "rfc8448.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct rfc8448 *trace;

static const uint8_t *get(const char *context, const char *label, size_t nth, size_t *len)
{
    const uint8_t *p = rfc8448_get(trace, 3, context, label, nth, len);
    if (!p) {
        fprintf(stderr, "RFC 8448 §3 has no '%s' / '%s' #%zu\n", context, label, nth);
        exit(1);
    }
    return p;
}

/* The key log, kept as "LABEL <random> <secret hex>" lines. */
static char keylog[4096];

static void on_keylog(void *arg, const char *line)
{
    (void)arg;
    size_t used = strlen(keylog);
    snprintf(keylog + used, sizeof(keylog) - used, "%s\n", line);
}

/* logged_secret_is: the key log has `label` with the trace's value of the
 * secret derived as `derive` (e.g. "tls13 c hs traffic"). */
static bool logged_secret_is(const char *label, const char *derive)
{
    char context[96];
    snprintf(context, sizeof(context), "derive secret \"%s\"", derive);
    size_t len;
    const uint8_t *want = get(context, "expanded", 0, &len);
    char hex[2 * 64 + 1] = "";
    for (size_t i = 0; i < len && i < 64; i++)
        snprintf(hex + 2 * i, 3, "%02x", want[i]);
    const char *line = strstr(keylog, label);
    if (!line)
        return false;
    const char *end = strchr(line, '\n');
    const char *space = end;
    while (space > line && *space != ' ')
        space--;
    return *space == ' ' && (size_t)(end - space - 1) == 2 * len &&
           memcmp(space + 1, hex, 2 * len) == 0;
}

/* output_is: everything c wants to send equals the trace's record. */
static bool output_is(tern_conn *c, const char *context, size_t nth)
{
    size_t want_len;
    const uint8_t *want = get(context, "complete record", nth, &want_len);
    const uint8_t *out;
    size_t out_len;
    if (tern_conn_output(c, &out, &out_len) != TERN_OK)
        return false;
    bool same = out_len == want_len && memcmp(out, want, want_len) == 0;
    if (!same)
        fprintf(stderr, "%s #%zu: tern sent %zu bytes, the trace %zu\n", context, nth, out_len,
                want_len);
    tern_conn_output_done(c, out_len);
    return same;
}

static void feed_record(tern_conn *c, const char *context, size_t nth)
{
    size_t len, used;
    const uint8_t *rec = get(context, "complete record", nth, &len);
    CHECK_EQ(tern_conn_feed(c, rec, len, &used), TERN_OK);
    CHECK_EQ(used, len);
}

static void test_client(void)
{
    size_t ch_len, priv_len;
    const uint8_t *ch = get("{client}  construct a ClientHello", "ClientHello", 0, &ch_len);
    const uint8_t *priv = get("{client}  create an ephemeral x25519", "private key", 0, &priv_len);
    CHECK_EQ(priv_len, 32);

    tern_config *cfg = tern_config_new();
    /* The trace's certificate (CN=rsa, no subjectAltName, expired in July
     * 2026) cannot pass a real chain check; its key still has to verify the
     * CertificateVerify signature. */
    CHECK_EQ(tern_config_insecure_skip_verify_DANGEROUS(cfg, 1), TERN_OK);
    tern_config_set_keylog(cfg, on_keylog, NULL);
    keylog[0] = 0;
    struct hs_test_hooks hooks = {
        .x25519_priv = priv, .client_hello = ch, .client_hello_len = ch_len};
    hs_test_config_hooks(cfg, &hooks);
    tern_conn *c = tern_conn_new_client(cfg, "server");
    CHECK(c != NULL);
    if (!c)
        return;
    CHECK_EQ(tern_conn_handshake_done(c), 0);
    CHECK(output_is(c, "{client}  send handshake record", 0));

    feed_record(c, "{server}  send handshake record", 0); /* ServerHello */
    feed_record(c, "{server}  send handshake record", 1); /* EE..Finished */
    CHECK(tern_conn_error(c) == NULL);
    if (tern_conn_error(c))
        fprintf(stderr, "client: %s\n", tern_conn_error(c));
    CHECK(tern_conn_handshake_done(c));
    CHECK_EQ(tern_conn_cipher_suite(c), TERN_TLS_AES_128_GCM_SHA256);
    CHECK_EQ(tern_conn_signature_scheme(c), TERN_SIG_RSA_PSS_RSAE_SHA256);
    CHECK(output_is(c, "{client}  send handshake record", 1)); /* client Finished */

    CHECK(logged_secret_is("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "tls13 c hs traffic"));
    CHECK(logged_secret_is("SERVER_HANDSHAKE_TRAFFIC_SECRET", "tls13 s hs traffic"));
    CHECK(logged_secret_is("CLIENT_TRAFFIC_SECRET_0", "tls13 c ap traffic"));
    CHECK(logged_secret_is("SERVER_TRAFFIC_SECRET_0", "tls13 s ap traffic"));

    feed_record(c, "{server}  send handshake record", 2); /* NewSessionTicket */
    CHECK(tern_conn_error(c) == NULL);

    size_t len, n;
    const uint8_t *payload = get("{client}  send application_data record", "payload", 0, &len);
    CHECK_EQ(tern_conn_write(c, payload, len, &n), TERN_OK);
    CHECK_EQ(n, len);
    CHECK(output_is(c, "{client}  send application_data record", 0));

    feed_record(c, "{server}  send application_data record", 0);
    uint8_t got[64];
    CHECK_EQ(tern_conn_read(c, got, sizeof(got), &n), TERN_OK);
    const uint8_t *want = get("{server}  send application_data record", "payload", 0, &len);
    CHECK_EQ(n, len);
    CHECK_MEM(got, want, len);

    CHECK_EQ(tern_conn_close(c), TERN_OK);
    CHECK(output_is(c, "{client}  send alert record", 0));
    tern_conn_free(c);
    tern_config_free(cfg);
}

/* A server shown the trace's ClientHello answers with the trace's
 * ServerHello. */
static void test_server(void)
{
    size_t ch_len, priv_len, rnd_len;
    const uint8_t *ch_rec = get("{client}  send handshake record", "complete record", 0, &ch_len);
    const uint8_t *priv = get("{server}  create an ephemeral x25519", "private key", 0, &priv_len);
    const uint8_t *sh = get("{server}  construct a ServerHello", "ServerHello", 0, &rnd_len);
    CHECK_EQ(priv_len, 32);
    /* The server random is the ServerHello's bytes 6..38. */
    uint8_t server_random[32];
    memcpy(server_random, sh + 6, 32);

    tern_config *cfg = server_config("server-rsa");
    tern_config_set_keylog(cfg, on_keylog, NULL);
    keylog[0] = 0;
    struct hs_test_hooks hooks = {
        .random = server_random, .random_len = sizeof(server_random), .x25519_priv = priv};
    hs_test_config_hooks(cfg, &hooks);
    tern_conn *s = tern_conn_new_server(cfg);
    CHECK(s != NULL);
    if (!s)
        return;
    size_t used;
    CHECK_EQ(tern_conn_feed(s, ch_rec, ch_len, &used), TERN_OK);
    if (tern_conn_error(s))
        fprintf(stderr, "server: %s\n", tern_conn_error(s));

    /* The first record out is the ServerHello, as in the trace. */
    size_t want_len;
    const uint8_t *want = get("{server}  send handshake record", "complete record", 0, &want_len);
    const uint8_t *out;
    size_t out_len;
    CHECK_EQ(tern_conn_output(s, &out, &out_len), TERN_OK);
    CHECK(out_len > want_len);
    CHECK(out_len >= want_len && memcmp(out, want, want_len) == 0);
    for (size_t i = 0; i < want_len && i < out_len; i++)
        if (out[i] != want[i]) {
            fprintf(stderr, "ServerHello record differs at byte %zu: %02x, the trace %02x\n", i,
                    out[i], want[i]);
            break;
        }
    CHECK(logged_secret_is("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "tls13 c hs traffic"));
    CHECK(logged_secret_is("SERVER_HANDSHAKE_TRAFFIC_SECRET", "tls13 s hs traffic"));
    tern_conn_free(s);
    tern_config_free(cfg);
}

/* The replay is sensitive: one flipped bit in the server's encrypted
 * flight and the client stops with bad_record_mac, sending nothing else. */
static void test_client_tampered(void)
{
    size_t ch_len, priv_len, len, used;
    const uint8_t *ch = get("{client}  construct a ClientHello", "ClientHello", 0, &ch_len);
    const uint8_t *priv = get("{client}  create an ephemeral x25519", "private key", 0, &priv_len);
    tern_config *cfg = tern_config_new();
    CHECK_EQ(tern_config_insecure_skip_verify_DANGEROUS(cfg, 1), TERN_OK);
    struct hs_test_hooks hooks = {
        .x25519_priv = priv, .client_hello = ch, .client_hello_len = ch_len};
    hs_test_config_hooks(cfg, &hooks);
    tern_conn *c = tern_conn_new_client(cfg, "server");
    CHECK(output_is(c, "{client}  send handshake record", 0));
    feed_record(c, "{server}  send handshake record", 0);
    const uint8_t *flight = get("{server}  send handshake record", "complete record", 1, &len);
    uint8_t *bad = malloc(len);
    memcpy(bad, flight, len);
    bad[len / 2] ^= 0x01;
    CHECK(tern_conn_feed(c, bad, len, &used) != TERN_OK);
    CHECK_CONTAINS(tern_conn_error(c), "authenticate");
    const uint8_t *out;
    size_t out_len;
    tern_conn_output(c, &out, &out_len);
    /* nothing but the bad_record_mac alert, in one record under the
     * handshake keys */
    CHECK(out_len > 0 && out_len < 64);
    CHECK(!tern_conn_handshake_done(c));
    free(bad);
    tern_conn_free(c);
    tern_config_free(cfg);
}

int main(void)
{
    trace = rfc8448_load_default();
    if (!trace)
        return 1;
    RUN(test_client);
    RUN(test_server);
    RUN(test_client_tampered);
    rfc8448_free(trace);
    return test_done();
}
