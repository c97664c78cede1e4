/* Test-only hooks: not in the public API and not exported from the shared
 * library. They let an in-memory handshake reproduce a published trace
 * (RFC 8448) byte for byte by fixing what is otherwise random. Each pointer
 * is borrowed and must outlive the handshake. */
#ifndef TERN_HS_TEST_HOOKS_H
#define TERN_HS_TEST_HOOKS_H

#include "tern/tern.h"

#include <stddef.h>
#include <stdint.h>

struct hs_test_hooks {
    /* hs_random draws from these bytes instead of the system generator
     * (and fails once they run out) */
    const uint8_t *random;
    size_t random_len;
    /* the 32-byte private key for this side's X25519 key share (the
     * client's share, or the server's answer) */
    const uint8_t *x25519_priv;
    /* a client sends this whole handshake message (header included) as its
     * first ClientHello, taking its random and session id and treating the
     * extensions it lists as offered; its X25519 share must belong to
     * x25519_priv */
    const uint8_t *client_hello;
    size_t client_hello_len;
    /* send a KeyUpdate after this many application data records under one
     * key instead of CONN_REKEY_RECORDS (0: the default) */
    uint64_t rekey_records;
};

/* hs_test_config_hooks: every connection made with cfg from now on starts
 * with these hooks (copied; the bytes they point to are borrowed). */
void hs_test_config_hooks(tern_config *cfg, const struct hs_test_hooks *hooks);

#endif
