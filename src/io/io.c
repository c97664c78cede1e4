/* The easy level: a sans-I/O connection driven over a socket descriptor.
 *
 * Two small pumps do all the work: io_flush sends what the connection has
 * queued, io_fill receives bytes and feeds them in. Every public call is a
 * loop of "flush, ask the connection what it wants, fill" until it has what
 * the caller asked for. On a blocking descriptor the loop blocks in send or
 * recv; on a non-blocking one EAGAIN ends the loop with TERN_WANT_WRITE or
 * TERN_WANT_READ, and the caller polls and calls again with the same
 * arguments (libtls's TLS_WANT_POLLOUT / TLS_WANT_POLLIN contract).
 *
 * A non-blocking call also stops reading after IO_CALL_BUDGET bytes and
 * returns TERN_WANT_READ with the rest still in the kernel, where the
 * caller's poll sees it: one peer that keeps its socket full cannot hold an
 * event loop's only thread. Whatever tern took from the socket is processed
 * before it returns (only a partial record waits, for bytes still to come),
 * so a caller that polls is never left waiting on bytes tern holds. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4 */
#endif
#include "io/io.h"

#include "base/error.h"
#include "base/mem.h"
#include "hs/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

/* At most this much plaintext is queued per tern_write call, so a large
 * write does not turn into one huge output buffer. */
#define IO_WRITE_CHUNK (64 * 1024)
/* A TLS record's largest ciphertext (RFC 8446 §5.2) plus its header. */
#define IO_READ_BUF (16384 + 256 + 5)
/* Bytes one non-blocking tern_handshake or tern_read takes from the socket
 * before it lets the caller's event loop run (it may end one read past). */
#define IO_CALL_BUDGET (64 * 1024)

void io_release(struct io_state *io)
{
    if (io->has_fd && io->owned)
        close(io->fd);
    io->has_fd = false;
    io->owned = false;
}

static void release_hook(tern_conn *c)
{
    io_release(conn_io(c));
}

struct io_state *conn_io(tern_conn *c)
{
    _Static_assert(sizeof(struct io_state) <= sizeof(c->io_store),
                   "struct io_state must fit the connection's io storage");
    c->io_release = release_hook;
    return (struct io_state *)(void *)c->io_store;
}

static bool fd_blocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl >= 0 && !(fl & O_NONBLOCK);
}

static int io_error(tern_conn *c, int err, const char *what)
{
    if (err == EPIPE || err == ECONNRESET)
        return err_set(hs_err(c), TERN_E_IO, "the peer closed the connection while we were %s (%s)",
                       what, strerror(err));
    return err_set(hs_err(c), TERN_E_IO, "%s the socket failed: %s", what, strerror(err));
}

/* ---- deadlines (tern_conn_set_timeout, tern_connect_timeout) ---- */

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* io_arm starts a public call's deadline (unless one is held). */
static void io_arm(tern_conn *c)
{
    struct io_state *io = conn_io(c);
    if (io->deadline_held)
        return;
    io->deadline_ms = io->timeout_ms ? mono_ms() + io->timeout_ms : 0;
    io->deadline_span_ms = io->timeout_ms;
}

/* io_armed: sends and receives wait in poll, up to the deadline (blocking
 * descriptors only: a non-blocking caller keeps time in its event loop). */
static bool io_armed(tern_conn *c)
{
    struct io_state *io = conn_io(c);
    return io->deadline_ms && fd_blocking(io->fd);
}

/* io_wait waits until the descriptor is ready for events, or fails the
 * connection with TERN_E_TIMEOUT once the deadline passed. */
static int io_wait(tern_conn *c, short events)
{
    struct io_state *io = conn_io(c);
    for (;;) {
        uint64_t now = mono_ms();
        if (now >= io->deadline_ms) {
            const char *step = tern_conn_handshake_done(c) ? "" : " during the handshake";
            return err_set(hs_err(c), TERN_E_TIMEOUT,
                           "the peer did not %s within the %u ms allowed%s",
                           events == POLLIN ? "send anything we needed" : "take what we sent",
                           io->deadline_span_ms, step);
        }
        uint64_t left = io->deadline_ms - now;
        struct pollfd p = {.fd = io->fd, .events = events};
        int r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
        if (r > 0)
            return TERN_OK;
        if (r < 0 && errno != EINTR)
            return io_error(c, errno, "waiting on");
    }
}

/* io_flush sends everything the connection has queued. */
static int io_flush(tern_conn *c)
{
    struct io_state *io = conn_io(c);
    for (;;) {
        const uint8_t *out;
        size_t len;
        int rc = tern_conn_output(c, &out, &len);
        if (rc != TERN_OK)
            return rc;
        if (len == 0)
            return TERN_OK;
        if (!io->has_fd)
            return err_set(hs_err(c), TERN_E_ARG,
                           "the connection has no socket: call tern_conn_set_fd first");
        bool armed = io_armed(c);
        if (armed && (rc = io_wait(c, POLLOUT)) != TERN_OK)
            return rc;
        ssize_t n = send(io->fd, out, len, MSG_NOSIGNAL | (armed ? MSG_DONTWAIT : 0));
        if (n < 0 && errno == ENOTSOCK)
            n = write(io->fd, out, len); /* a pipe or other stream in tests */
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (armed)
                    continue;            /* io_wait again */
                if (fd_blocking(io->fd)) /* SO_SNDTIMEO expired */
                    return err_set(hs_err(c), TERN_E_IO,
                                   "sending timed out: the peer has not read for too long");
                return TERN_WANT_WRITE;
            }
            return io_error(c, errno, "writing to");
        }
        tern_conn_output_done(c, (size_t)n);
    }
}

/* io_fill receives what the socket has (at most one read) and feeds it.
 * With out set (a tern_read), whole records of application data are opened
 * straight into out (tern_conn_feed_read), *out_n bytes; TERN_WANT_READ
 * then only ever means the socket had nothing. */
static int io_fill(tern_conn *c, uint8_t *out, size_t cap, size_t *out_n, size_t *taken)
{
    struct io_state *io = conn_io(c);
    uint8_t buf[IO_READ_BUF];
    if (!io->has_fd)
        return err_set(hs_err(c), TERN_E_ARG,
                       "the connection has no socket: call tern_conn_set_fd first");
    ssize_t n;
    bool armed = io_armed(c);
    for (;;) {
        int rc;
        if (armed && (rc = io_wait(c, POLLIN)) != TERN_OK)
            return rc;
        n = recv(io->fd, buf, sizeof(buf), armed ? MSG_DONTWAIT : 0);
        if (n < 0 && errno == ENOTSOCK)
            n = read(io->fd, buf, sizeof(buf));
        if (n >= 0)
            break;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (armed)
                continue;            /* io_wait again */
            if (fd_blocking(io->fd)) /* SO_RCVTIMEO expired */
                return err_set(hs_err(c), TERN_E_IO,
                               "receiving timed out: the peer sent nothing for too long");
            return TERN_WANT_READ;
        }
        return io_error(c, errno, "reading from");
    }
    if (n == 0) {
        /* RFC 8446 §6.1: a transport that ends without close_notify may
         * have been cut short by an attacker; say so. */
        if (tern_conn_handshake_done(c))
            return err_set(hs_err(c), TERN_E_EOF,
                           "the peer closed the TCP connection without sending close_notify; "
                           "the data may be truncated");
        return err_set(hs_err(c), TERN_E_EOF,
                       "the peer closed the TCP connection during the handshake");
    }
    *taken += (size_t)n;
    size_t used = 0;
    int rc;
    if (out) {
        rc = tern_conn_feed_read(c, buf, (size_t)n, &used, out, cap, out_n);
        if (rc == TERN_WANT_READ || rc == TERN_E_CLOSED)
            rc = TERN_OK; /* no plaintext yet, or the close: tern_conn_read says */
    } else {
        rc = tern_conn_feed(c, buf, (size_t)n, &used);
    }
    tern_memzero(buf, (size_t)n);
    return rc;
}

/* budget_spent: a non-blocking call has taken its share of the socket (the
 * descriptor is only asked about once the share is reached). */
static bool budget_spent(tern_conn *c, size_t taken)
{
    return taken >= IO_CALL_BUDGET && !fd_blocking(conn_io(c)->fd);
}

/* What a connection that can make no more progress reports. */
static int io_final_status(const tern_conn *c)
{
    int st = tern_conn_status(c);
    return st != TERN_OK ? st : TERN_E_CLOSED;
}

int tern_conn_set_fd(tern_conn *c, int fd)
{
    if (!c || fd < 0)
        return TERN_E_ARG;
    struct io_state *io = conn_io(c);
    io_release(io);
    io->fd = fd;
    io->has_fd = true;
    io->owned = false;
    return TERN_OK;
}

int tern_conn_fd(const tern_conn *c)
{
    if (!c)
        return -1;
    /* conn_io gives mutable state; reading the descriptor changes nothing. */
    const struct io_state *io = conn_io((tern_conn *)c);
    return io->has_fd ? io->fd : -1;
}

int tern_conn_set_timeout(tern_conn *c, unsigned timeout_ms)
{
    if (!c || timeout_ms > 86400000u)
        return TERN_E_ARG;
    conn_io(c)->timeout_ms = timeout_ms;
    return TERN_OK;
}

int tern_handshake(tern_conn *c)
{
    if (!c)
        return TERN_E_ARG;
    io_arm(c);
    size_t taken = 0;
    for (;;) {
        int rc = io_flush(c);
        if (rc != TERN_OK)
            return rc;
        unsigned w = tern_conn_wants(c);
        if (w & TERN_WANTS_CLOSED)
            return io_final_status(c);
        if (w & TERN_WANTS_WRITE)
            continue;
        if (w & TERN_WANTS_ASYNC)
            return TERN_WANT_ASYNC; /* tern_conn_key_done, then call again */
        if (w & TERN_WANTS_DONE)
            return TERN_OK;
        if (!(w & TERN_WANTS_READ))
            return err_set(hs_err(c), TERN_E_INTERNAL,
                           "the connection wants neither to read nor to write before the "
                           "handshake completed");
        if (budget_spent(c, taken))
            return TERN_WANT_READ; /* the rest is in the kernel: poll says so */
        rc = io_fill(c, NULL, 0, NULL, &taken);
        if (rc != TERN_OK) {
            (void)io_flush(c); /* an alert the failure queued, if the socket takes it */
            return rc;
        }
    }
}

/* read_done ends a tern_read that got n bytes: what reading produced (a
 * KeyUpdate answer, say) is sent without holding the data back if the
 * socket is full. */
static int read_done(tern_conn *c, size_t n, size_t *out_n)
{
    *out_n = n;
    int fl = io_flush(c);
    if (fl != TERN_OK && fl != TERN_WANT_WRITE)
        return fl;
    return TERN_OK;
}

int tern_read(tern_conn *c, void *buf, size_t cap, size_t *out_n)
{
    if (!out_n)
        return TERN_E_ARG;
    *out_n = 0;
    if (!c || (!buf && cap))
        return TERN_E_ARG;
    io_arm(c);
    if (cap == 0) {
        /* Nothing can be returned, so nothing is read: reading on would
         * buffer whatever the peer sends, without bound. A zero-length read
         * only completes the handshake and reports the connection's state. */
        int rc = tern_conn_handshake_done(c) ? TERN_OK : tern_handshake(c);
        if (rc != TERN_OK)
            return rc;
        size_t n;
        rc = tern_conn_read(c, buf, 0, &n);
        return rc == TERN_WANT_READ ? TERN_OK : rc;
    }
    size_t taken = 0;
    for (;;) {
        size_t n = 0;
        int rc = tern_conn_read(c, buf, cap, &n);
        if (rc == TERN_OK)
            return read_done(c, n, out_n);
        if (rc != TERN_WANT_READ) {
            (void)io_flush(c);
            return rc;
        }
        /* Nothing to read yet: the handshake may need to go on, or more
         * records must arrive. Send first, so a peer waiting for our flight
         * is not waiting on us while we wait on it. */
        rc = io_flush(c);
        if (rc != TERN_OK)
            return rc;
        if (tern_conn_wants(c) & TERN_WANTS_CLOSED)
            return io_final_status(c);
        if (tern_conn_wants(c) & TERN_WANTS_ASYNC)
            return TERN_WANT_ASYNC;
        if (budget_spent(c, taken))
            return TERN_WANT_READ; /* the rest is in the kernel: poll says so */
        size_t got = 0;
        rc = io_fill(c, buf, cap, &got, &taken);
        if (got)
            return read_done(c, got, out_n);
        if (rc != TERN_OK) {
            if (rc != TERN_WANT_READ)
                (void)io_flush(c);
            return rc;
        }
    }
}

int tern_write(tern_conn *c, const void *data, size_t len, size_t *out_n)
{
    if (!out_n)
        return TERN_E_ARG;
    *out_n = 0;
    if (!c || (!data && len))
        return TERN_E_ARG;
    struct io_state *io = conn_io(c);
    io_arm(c);
    /* A write whose records did not all go out: this call repeats it. */
    if (io->pending_write) {
        int rc = io_flush(c);
        if (rc != TERN_OK)
            return rc;
        *out_n = io->pending_write < len ? io->pending_write : len;
        io->pending_write = 0;
        return TERN_OK;
    }
    if (!tern_conn_handshake_done(c)) {
        int rc = tern_handshake(c);
        if (rc != TERN_OK)
            return rc;
    }
    /* Earlier output (a handshake tail, a KeyUpdate) goes first. */
    int rc = io_flush(c);
    if (rc != TERN_OK)
        return rc;
    size_t chunk = len < IO_WRITE_CHUNK ? len : IO_WRITE_CHUNK, n = 0;
    rc = tern_conn_write(c, data, chunk, &n);
    if (rc != TERN_OK) {
        (void)io_flush(c);
        return rc;
    }
    rc = io_flush(c);
    if (rc == TERN_WANT_WRITE) {
        io->pending_write = n;
        return TERN_WANT_WRITE;
    }
    if (rc != TERN_OK)
        return rc;
    *out_n = n;
    return TERN_OK;
}

int tern_close(tern_conn *c)
{
    if (!c)
        return TERN_E_ARG;
    struct io_state *io = conn_io(c);
    io_arm(c);
    int rc = TERN_OK;
    if (!io->close_queued) {
        io->close_queued = true;
        /* A connection that already failed or closed has nothing to say. */
        if (!(tern_conn_wants(c) & TERN_WANTS_CLOSED) || tern_conn_status(c) == TERN_OK)
            (void)tern_conn_close(c);
    }
    if (io->has_fd) {
        rc = io_flush(c);
        if (rc == TERN_WANT_WRITE)
            return rc;
        if (io->owned)
            shutdown(io->fd, SHUT_RDWR);
    }
    io_release(io);
    return rc == TERN_OK || rc == TERN_E_CLOSED ? TERN_OK : rc;
}

static void set_nodelay(int fd)
{
    /* Handshake flights are small and latency-bound: send them now rather
     * than let Nagle wait for an ACK. A failure only costs latency. */
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* connect_by: connect(2) on s, waiting at most until deadline (monotonic
 * ms; 0: as long as the kernel does). Returns 0 or an errno value. */
static int connect_by(int s, const struct addrinfo *ai, uint64_t deadline)
{
    int r;
    if (!deadline) {
        do
            r = connect(s, ai->ai_addr, ai->ai_addrlen);
        while (r < 0 && errno == EINTR);
        return r < 0 ? errno : 0;
    }
    int fl = fcntl(s, F_GETFL);
    if (fl < 0 || fcntl(s, F_SETFL, fl | O_NONBLOCK) < 0)
        return errno;
    r = connect(s, ai->ai_addr, ai->ai_addrlen);
    int err = r < 0 ? errno : 0;
    while (err == EINPROGRESS || err == EINTR) {
        uint64_t now = mono_ms();
        if (now >= deadline)
            return ETIMEDOUT;
        uint64_t left = deadline - now;
        struct pollfd p = {.fd = s, .events = POLLOUT};
        r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
        if (r < 0 && errno != EINTR)
            return errno;
        if (r > 0) {
            socklen_t len = sizeof(err);
            if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                err = errno;
            break;
        }
        err = EINPROGRESS;
    }
    if (err == 0 && fcntl(s, F_SETFL, fl) < 0)
        err = errno;
    return err;
}

static int connect_deadline(tern_config *cfg, const char *host, const char *port,
                            unsigned timeout_ms, tern_conn **out_conn)
{
    if (!out_conn)
        return TERN_E_ARG;
    *out_conn = NULL;
    if (!cfg || !host || !port || !*host || !*port)
        return TERN_E_ARG;
    tern_conn *c = tern_conn_new_client(cfg, host);
    if (!c)
        return TERN_E_NOMEM;
    *out_conn = c;
    uint64_t deadline = timeout_ms ? mono_ms() + timeout_ms : 0;

    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC; /* IPv6 and IPv4, in the resolver's order (RFC 6724) */
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0)
        return err_set(hs_err(c), TERN_E_IO, "cannot resolve '%s' port %s: %s", host, port,
                       gai == EAI_SYSTEM ? strerror(errno) : gai_strerror(gai));

    int fd = -1, last_err = 0, tried = 0;
    char last_addr[NI_MAXHOST] = "";
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        tried++;
        if (getnameinfo(ai->ai_addr, ai->ai_addrlen, last_addr, sizeof(last_addr), NULL, 0,
                        NI_NUMERICHOST) != 0)
            strcpy(last_addr, "?");
        int s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (s < 0) {
            last_err = errno;
            continue;
        }
        int err = connect_by(s, ai, deadline);
        if (err) {
            last_err = err;
            close(s);
            if (err == ETIMEDOUT && deadline && mono_ms() >= deadline)
                break; /* the time is spent: no address is left a chance */
            continue;
        }
        fd = s;
    }
    freeaddrinfo(res);
    if (fd < 0 && last_err == ETIMEDOUT && deadline && mono_ms() >= deadline)
        return err_set(hs_err(c), TERN_E_TIMEOUT,
                       "cannot connect to '%s' port %s (%s) within the %u ms allowed", host, port,
                       last_addr, timeout_ms);
    if (fd < 0) {
        if (tried > 1)
            return err_set(hs_err(c), TERN_E_IO,
                           "cannot connect to '%s' port %s: %d addresses tried, the last (%s) "
                           "gave: %s",
                           host, port, tried, last_addr, strerror(last_err));
        return err_set(hs_err(c), TERN_E_IO, "cannot connect to '%s' port %s (%s): %s", host, port,
                       last_addr, strerror(last_err));
    }
    set_nodelay(fd);
    struct io_state *io = conn_io(c);
    io->fd = fd;
    io->has_fd = true;
    io->owned = true;
    /* One deadline for the connect and the handshake together. */
    io->deadline_ms = deadline;
    io->deadline_span_ms = timeout_ms;
    io->deadline_held = deadline != 0;
    int rc = tern_handshake(c);
    io->deadline_held = false;
    return rc;
}

int tern_connect(tern_config *cfg, const char *host, const char *port, tern_conn **out_conn)
{
    return connect_deadline(cfg, host, port, 0, out_conn);
}

int tern_connect_timeout(tern_config *cfg, const char *host, const char *port, unsigned timeout_ms,
                         tern_conn **out_conn)
{
    if (timeout_ms == 0 || timeout_ms > 86400000u) {
        if (out_conn)
            *out_conn = NULL;
        return TERN_E_ARG;
    }
    return connect_deadline(cfg, host, port, timeout_ms, out_conn);
}

int tern_accept(tern_config *cfg, int listen_fd, tern_conn **out_conn)
{
    if (!out_conn)
        return TERN_E_ARG;
    *out_conn = NULL;
    if (!cfg || listen_fd < 0)
        return TERN_E_ARG;
    /* The accepted socket is non-blocking when the listening one is, so a
     * non-blocking server gets non-blocking connections. */
    int flags = SOCK_CLOEXEC | (fd_blocking(listen_fd) ? 0 : SOCK_NONBLOCK);
    int fd;
    for (;;) {
        fd = accept4(listen_fd, NULL, NULL, flags);
        if (fd >= 0)
            break;
        if (errno == EINTR)
            continue;
        /* A connection that died in the queue is not a reason to stop. */
        if (errno == ECONNABORTED) {
            if (flags & SOCK_NONBLOCK)
                return TERN_WANT_READ;
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return TERN_WANT_READ;
        return TERN_E_IO; /* no connection to hold a sentence: errno says why */
    }
    set_nodelay(fd);
    tern_conn *c = tern_conn_new_server(cfg);
    if (!c) {
        close(fd);
        return TERN_E_NOMEM;
    }
    struct io_state *io = conn_io(c);
    io->fd = fd;
    io->has_fd = true;
    io->owned = true;
    *out_conn = c;
    return TERN_OK;
}
