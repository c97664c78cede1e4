/* The easy level's per-connection state (src/io/io.c): the socket a
 * connection is bound to, and what a non-blocking write left pending.
 *
 * The connection (src/conn.c) embeds one struct io_state, zero-initialised,
 * and gives the io layer two hooks; it calls io_release from
 * tern_conn_free so a descriptor the io layer made is never leaked. The io
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
};

/* conn_io returns c's embedded io state (implemented by src/conn.c). */
struct io_state *conn_io(tern_conn *c);
/* conn_err returns c's sticky error, so a socket failure becomes the
 * connection's first error and tern_conn_error's sentence (src/conn.c). */
struct tern_err *conn_err(tern_conn *c);

/* io_release closes a descriptor the io layer owns; tern_conn_free calls it. */
void io_release(struct io_state *io);

#endif
