/* The easy level's per-connection state (src/io/io.c): the socket a
 * connection is bound to, and what a non-blocking write left pending.
 *
 * The connection (src/conn.c) reserves zero-initialised storage for one
 * struct io_state and calls the release hook from tern_conn_free, so a
 * descriptor the io layer made is never leaked; hs_err (hs/internal.h)
 * makes socket failures the connection's sticky error. The io
 * layer reaches the connection otherwise only through the public sans-I/O
 * calls (feed, output, read, write, wants, close). */
#ifndef TERN_IO_IO_H
#define TERN_IO_IO_H

#include "base/error.h"
#include "tern/tern.h"

#include <stdbool.h>
#include <stddef.h>

struct io_state {
    bool has_fd;       /* fd is valid */
    bool owned;        /* tern_connect or tern_accept made fd: close it */
    bool close_queued; /* tern_close has queued close_notify */
    int fd;
    size_t pending_write; /* plaintext accepted by tern_write whose records are not all sent */
    /* tern_conn_set_timeout: each blocking call's time limit (0: none) and
     * the current call's deadline (monotonic ms; 0: none); a deadline that
     * is held spans several calls (tern_connect_timeout's handshake) */
    uint32_t timeout_ms;
    bool deadline_held;
    uint64_t deadline_ms;
    uint32_t deadline_span_ms;
};

/* conn_io returns c's io state, kept in storage the connection reserves
 * for it; binding a descriptor also installs the release hook. */
struct io_state *conn_io(tern_conn *c);

/* io_release closes a descriptor the io layer owns; tern_conn_free calls it. */
void io_release(struct io_state *io);

#endif
