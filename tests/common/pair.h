/* Test support: a tern client and server talking in memory. */
#ifndef TERN_TEST_PAIR_H
#define TERN_TEST_PAIR_H

#include "tern/tern.h"

#include <stdbool.h>
#include <stddef.h>

#define DATA TERN_SOURCE_DIR "/tests/data/"

void add_trust(tern_config *cfg, const char *file);
/* server_config: the chain and key tests/data/NAME-chain.pem, NAME.key. */
tern_config *server_config(const char *name);
/* client_config: trusts tests/data/ca.pem. */
tern_config *client_config(void);
/* move: what `from` wants to send, fed to `to` in chunks; bytes moved. */
size_t move(tern_conn *from, tern_conn *to, size_t chunk);
/* pump: both ways until neither has anything to say. */
void pump(tern_conn *client, tern_conn *server, size_t chunk);
bool both_done(tern_conn *c, tern_conn *s);
/* exchange: a message of `size` bytes each way, checked. */
void exchange(tern_conn *client, tern_conn *server, size_t size);

struct handshake {
    tern_config *ccfg, *scfg;
    tern_conn *c, *s;
};
void start(struct handshake *h, const char *name, size_t chunk);
/* finish frees both connections and both configurations. */
void finish(struct handshake *h);

#endif
