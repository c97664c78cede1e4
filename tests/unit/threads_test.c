/* Configurations shared between threads, as tern.h allows once they are in
 * use: four threads at once run handshakes and exchanges against the same
 * server configurations (ECDSA and RSA keys: one prepared signing context
 * each, duplicated per signature) and the same client configurations
 * (TLS 1.3 and TLS 1.2: one trust store, one session cache, so a thread
 * resumes sessions another thread's handshake stored). Every handshake
 * completes and every byte arrives; make check runs it under ASan too. */
#include "pair.h"
#include "tern/tern.h"
#include "test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#define THREADS 4
#define ROUNDS  40

static tern_config *scfg[2], *ccfg[2];
static atomic_int failures, resumed;

/* one_conversation: a handshake, then 3000 bytes from client to server,
 * read with tern_conn_feed_read. Returns whether anything went wrong. */
static bool one_conversation(tern_config *client, tern_config *server, unsigned seed)
{
    tern_conn *c = tern_conn_new_client(client, "localhost");
    tern_conn *s = tern_conn_new_server(server);
    bool bad = !c || !s;
    if (!bad) {
        pump(c, s, 1 << 20);
        bad = !both_done(c, s);
        resumed += !bad && tern_conn_resumed(c);
    }
    if (!bad) {
        uint8_t msg[3000], got[3000];
        for (size_t i = 0; i < sizeof(msg); i++)
            msg[i] = (uint8_t)(seed + i * 13);
        size_t n, have = 0;
        bad = tern_conn_write(c, msg, sizeof(msg), &n) != TERN_OK || n != sizeof(msg);
        const uint8_t *out;
        size_t len, used;
        tern_conn_output(c, &out, &len);
        if (!bad && tern_conn_feed_read(s, out, len, &used, got, sizeof(got), &n) == TERN_OK)
            have = n;
        tern_conn_output_done(c, len);
        bad = bad || have != sizeof(msg) || memcmp(msg, got, sizeof(msg)) != 0;
    }
    tern_conn_free(c);
    tern_conn_free(s);
    return bad;
}

static void *worker(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    for (unsigned r = 0; r < ROUNDS; r++)
        failures += one_conversation(ccfg[(id + r) % 2], scfg[(id / 2 + r) % 2], id * 1000 + r);
    return NULL;
}

static void test_shared_configs(void)
{
    scfg[0] = server_config("server-p256");
    scfg[1] = server_config("server-rsa");
    ccfg[0] = client_config();
    ccfg[1] = client_config();
    CHECK_EQ(tern_config_set_versions(ccfg[1], TERN_TLS12, TERN_TLS12), TERN_OK);
    pthread_t t[THREADS];
    for (uintptr_t i = 0; i < THREADS; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, worker, (void *)i), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    CHECK_EQ(failures, 0);
    CHECK(resumed > 0); /* sessions cached by one thread, used by others */
    fprintf(stderr, "  %d conversations, %d resumed\n", THREADS * ROUNDS, (int)resumed);
    for (int i = 0; i < 2; i++) {
        tern_config_free(scfg[i]);
        tern_config_free(ccfg[i]);
    }
}

int main(void)
{
    RUN(test_shared_configs);
    return test_done();
}
