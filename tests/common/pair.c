#include "pair.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

void add_trust(tern_config *cfg, const char *file)
{
    int rc = tern_config_add_trust_file(cfg, file);
    if (rc != TERN_OK)
        fprintf(stderr, "trust: %s\n", tern_config_error(cfg));
    CHECK_EQ(rc, TERN_OK);
}

tern_config *server_config(const char *name)
{
    char chain[256], key[256];
    snprintf(chain, sizeof(chain), DATA "%s-chain.pem", name);
    snprintf(key, sizeof(key), DATA "%s.key", name);
    tern_config *cfg = tern_config_new();
    int rc = tern_config_set_cert_chain_file(cfg, chain, key);
    if (rc != TERN_OK)
        fprintf(stderr, "server config: %s\n", tern_config_error(cfg));
    CHECK_EQ(rc, TERN_OK);
    return cfg;
}

tern_config *client_config(void)
{
    tern_config *cfg = tern_config_new();
    add_trust(cfg, DATA "ca.pem");
    return cfg;
}

/* move copies everything `from` wants to send into `to`; chunk limits the
 * size of each feed (1 = a byte at a time). Returns bytes moved. */
size_t move(tern_conn *from, tern_conn *to, size_t chunk)
{
    const uint8_t *out;
    size_t len, moved = 0;
    tern_conn_output(from, &out, &len);
    while (len > 0) {
        size_t n = len < chunk ? len : chunk, used;
        tern_conn_feed(to, out, n, &used);
        if (used == 0)
            break;
        tern_conn_output_done(from, used);
        moved += used;
        tern_conn_output(from, &out, &len);
        if (tern_conn_wants(to) & TERN_WANTS_CLOSED)
            break;
    }
    return moved;
}

/* pump runs both sides until neither has anything to say. */
void pump(tern_conn *client, tern_conn *server, size_t chunk)
{
    for (int i = 0; i < 200; i++) {
        size_t a = move(client, server, chunk);
        size_t b = move(server, client, chunk);
        if (a == 0 && b == 0)
            break;
    }
}

bool both_done(tern_conn *c, tern_conn *s)
{
    return tern_conn_handshake_done(c) && tern_conn_handshake_done(s);
}

/* exchange sends a message each way and checks it arrives intact. */
void exchange(tern_conn *client, tern_conn *server, size_t size)
{
    uint8_t *msg = malloc(size), *got = malloc(size);
    for (size_t i = 0; i < size; i++)
        msg[i] = (uint8_t)(i * 7 + 1);
    tern_conn *pairs[2][2] = {{client, server}, {server, client}};
    for (int d = 0; d < 2; d++) {
        tern_conn *from = pairs[d][0], *to = pairs[d][1];
        size_t n;
        CHECK_EQ(tern_conn_write(from, msg, size, &n), TERN_OK);
        CHECK_EQ(n, size);
        size_t have = 0;
        for (int round = 0; round < 100 && have < size; round++) {
            move(from, to, 1 << 20);
            size_t r;
            while (have < size && tern_conn_read(to, got + have, size - have, &r) == TERN_OK)
                have += r;
        }
        CHECK_EQ(have, size);
        CHECK(memcmp(msg, got, size) == 0);
    }
    free(msg);
    free(got);
}

void start(struct handshake *h, const char *name, size_t chunk)
{
    h->c = tern_conn_new_client(h->ccfg, name);
    h->s = tern_conn_new_server(h->scfg);
    CHECK(h->c && h->s);
    pump(h->c, h->s, chunk);
}

void finish(struct handshake *h)
{
    tern_conn_free(h->c);
    tern_conn_free(h->s);
    tern_config_free(h->ccfg);
    tern_config_free(h->scfg);
}
