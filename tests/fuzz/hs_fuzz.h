/* Shared by the whole-handshake fuzz targets (hs_client_fuzz.c,
 * hs_server_fuzz.c): the endpoint configurations an input selects, the
 * driver that feeds the peer's bytes and checks the connection's promises,
 * and the seed generator.
 *
 * An input is two flags bytes (FZ_*, FZ2_*), then (client target,
 * FZ_RESUME) a session blob behind a 16-bit length, then the peer's bytes
 * as they came off the wire. In fuzz builds (TERN_FUZZING) the crypto provider runs in its
 * deterministic mode, so a peer flight recorded by the generator replays
 * against a fresh endpoint and reaches the end of the handshake with every
 * check real; FZ_RELAXED also lets the checks a fuzzer cannot pass (AEAD
 * tags, signatures, Finished, binders) succeed, so mutated flights reach
 * deep states. In ordinary builds the corpus is replayed with real
 * randomness and real checks.
 *
 * Seeds: `TERN_FUZZ_SEEDS=DIR build-fuzz/tests/hs_client_fuzz -runs=0`
 * writes DIR/hs_client_fuzz/ and DIR/hs_server_fuzz/ from in-memory
 * handshakes between tern endpoints (scripts/fuzz.sh seeds). */
#ifndef TERN_HS_FUZZ_H
#define TERN_HS_FUZZ_H

#include "crypto/provider.h"
#include "tern/tern.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FZ_CERT_MASK   3u   /* server certificate: p256, ed25519, rsa, p384 */
#define FZ_CLIENT_AUTH 4u   /* the server requires a client certificate */
#define FZ_ALPN        8u   /* both offer ALPN */
#define FZ_RESUME      16u  /* tickets; the client holds a session */
#define FZ_HRR         32u  /* the server wants a group the client did not share */
#define FZ_SHA384      64u  /* the server only takes TLS_AES_256_GCM_SHA384 */
#define FZ_RELAXED     128u /* fuzz builds: the provider's relaxed checks */
/* the second byte */
#define FZ2_TLS12  1u /* both speak TLS 1.2 only */
#define FZ2_PSK_KE 2u /* both allow psk_ke resumption */

#define FZ_DATA TERN_SOURCE_DIR "/tests/data/"

static const uint8_t fz_ticket_key[32] = "tern fuzz ticket key, 32 bytes.";

static void fz_mode(unsigned flags)
{
#ifdef TERN_FUZZING
    cry_fuzz_mode(true, (flags & FZ_RELAXED) != 0);
#else
    (void)flags;
#endif
}

static void fz_ok(int rc, const char *what, tern_config *cfg)
{
    if (rc != TERN_OK) {
        fprintf(stderr, "fuzz setup: %s: %s\n", what, cfg ? tern_config_error(cfg) : "");
        abort();
    }
}

/* fz_trace reads every event the way a trace consumer does (every string
 * to its end, each fact's type), so the trace code (the ClientHello
 * describer included) runs on fuzzed handshakes too. */
static volatile size_t fz_trace_sink;
static void fz_trace(void *arg, const struct tern_trace_event *ev)
{
    (void)arg;
    size_t n = strlen(ev->name ? ev->name : "") + strlen(ev->explain ? ev->explain : "");
    for (size_t i = 0; i < ev->n_facts; i++) {
        n += strlen(ev->facts[i].key) + strlen(ev->facts[i].value);
        if (!ev->fact_info || ev->fact_info[i].type > TERN_FACT_BOOL)
            abort();
    }
    fz_trace_sink += n;
}

/* Server configurations do not change while in use (tickets are
 * stateless), so one per combination of the flags that shape them is kept
 * for the whole run: loading a key per input would dominate the time. */
static void fz_common(tern_config *cfg, unsigned flags2)
{
    tern_config_set_trace(cfg, fz_trace, NULL);
    if (flags2 & FZ2_TLS12)
        fz_ok(tern_config_set_versions(cfg, TERN_TLS12, TERN_TLS12), "versions", cfg);
    if (flags2 & FZ2_PSK_KE)
        fz_ok(tern_config_set_psk_ke(cfg, 1), "psk_ke", cfg);
}

static tern_config *fz_server_config(unsigned flags, unsigned flags2)
{
    static tern_config *cache[256];
    unsigned idx = (flags & 63u) | (flags2 & 3u) << 6;
    if (cache[idx])
        return cache[idx];
    static const char *const certs[] = {"server-p256", "server-ed25519", "server-rsa",
                                        "server-p384"};
    char chain[512], key[512];
    snprintf(chain, sizeof(chain), FZ_DATA "%s-chain.pem", certs[flags & FZ_CERT_MASK]);
    snprintf(key, sizeof(key), FZ_DATA "%s.key", certs[flags & FZ_CERT_MASK]);
    tern_config *cfg = tern_config_new();
    if (!cfg)
        abort();
    fz_ok(tern_config_set_cert_chain_file(cfg, chain, key), "server chain", cfg);
    if (flags & FZ_CLIENT_AUTH) {
        fz_ok(tern_config_add_trust_file(cfg, FZ_DATA "ca.pem"), "server trust", cfg);
        fz_ok(tern_config_set_client_auth(cfg, TERN_CLIENT_AUTH_REQUIRED), "client auth", cfg);
    }
    if (flags & FZ_ALPN) {
        const char *const protos[] = {"h2", "http/1.1"};
        fz_ok(tern_config_set_alpn(cfg, protos, 2), "server alpn", cfg);
    }
    fz_ok(tern_config_set_ticket_key(cfg, fz_ticket_key, sizeof(fz_ticket_key)), "ticket key", cfg);
    fz_ok(tern_config_set_tickets(cfg, (flags & FZ_RESUME) ? 1 : 0, 3600, 86400), "tickets", cfg);
    if (flags & FZ_HRR) {
        const uint16_t g[] = {TERN_GROUP_X25519};
        fz_ok(tern_config_set_groups(cfg, g, 1), "server groups", cfg);
    }
    if (flags & FZ_SHA384) {
        const uint16_t s[] = {TERN_TLS_AES_256_GCM_SHA384};
        fz_ok(tern_config_set_cipher_suites(cfg, s, 1), "server suites", cfg);
    }
    fz_common(cfg, flags2);
    cache[idx] = cfg;
    return cfg;
}

/* Client configurations are made per input: they cache sessions. */
static tern_config *fz_client_config(unsigned flags, unsigned flags2)
{
    tern_config *cfg = tern_config_new();
    if (!cfg)
        abort();
    fz_ok(tern_config_add_trust_file(cfg, FZ_DATA "ca.pem"), "client trust", cfg);
    if (flags & FZ_CLIENT_AUTH)
        fz_ok(
            tern_config_set_cert_chain_file(cfg, FZ_DATA "client-chain.pem", FZ_DATA "client.key"),
            "client chain", cfg);
    if (flags & FZ_ALPN) {
        const char *const protos[] = {"http/1.1"};
        fz_ok(tern_config_set_alpn(cfg, protos, 1), "client alpn", cfg);
    }
    if (flags & FZ_HRR) {
        /* The client shares P-256 only; the server above takes X25519. */
        const uint16_t g[] = {TERN_GROUP_SECP256R1, TERN_GROUP_X25519};
        fz_ok(tern_config_set_groups(cfg, g, 2), "client groups", cfg);
    }
    fz_common(cfg, flags2);
    return cfg;
}

static void fz_discard_output(tern_conn *c)
{
    const uint8_t *out;
    size_t len;
    tern_conn_output(c, &out, &len);
    tern_conn_output_done(c, len);
}

/* fz_piece: how much of in (n bytes) to feed at once. Inputs of odd length
 * go a record at a time (by the record headers, whatever they say), so the
 * records after the handshake reach tern_conn_feed_read; even ones all at
 * once, so flights run together and records wait behind each other. */
static size_t fz_piece(const uint8_t *in, size_t n, size_t total)
{
    if (total % 2 == 0 || n < 5)
        return n;
    size_t rec = 5 + ((size_t)in[3] << 8 | in[4]);
    return rec < n ? rec : n;
}

/* fz_drive feeds the peer's bytes to c (see fz_piece), reads what it can,
 * answers when the handshake is done, and checks the promises every
 * connection makes. Returns whether the handshake completed. */
static bool fz_drive(tern_conn *c, const uint8_t *in, size_t n)
{
    static const char ping[] = "ping";
    uint8_t buf[16384];
    bool wrote = false;
    fz_discard_output(c);
    size_t off = 0;
    while (off < n) {
        /* Once connected, the bytes go through tern_conn_feed_read, which
         * opens records straight into buf. */
        bool was_done = tern_conn_handshake_done(c);
        size_t used, r = 0;
        size_t piece = fz_piece(in + off, n - off, n);
        int rc = was_done ? tern_conn_feed_read(c, in + off, piece, &used, buf, sizeof(buf), &r)
                          : tern_conn_feed(c, in + off, piece, &used);
        if (was_done && rc == TERN_OK && r == 0)
            abort(); /* TERN_OK promises plaintext */
        if (rc == TERN_WANT_READ || rc == TERN_E_CLOSED)
            rc = TERN_OK;
        if (rc != TERN_OK) {
            if (rc != tern_conn_status(c) || !tern_conn_error(c) || !tern_conn_error(c)[0])
                abort(); /* a failure without its sentence */
            break;
        }
        if (used == 0)
            abort(); /* feed takes everything unless the connection failed */
        off += used;
        /* Application data only after the handshake. (Records opened while
         * connected are still delivered if a later one fails.) */
        was_done = tern_conn_handshake_done(c);
        while (tern_conn_read(c, buf, sizeof(buf), &r) == TERN_OK)
            if (r == 0 || !was_done)
                abort();
        if (tern_conn_handshake_done(c) && !wrote && tern_conn_status(c) == TERN_OK) {
            size_t w;
            if (tern_conn_write(c, (const uint8_t *)ping, 4, &w) == TERN_OK && w != 4)
                abort();
            wrote = true;
        }
        fz_discard_output(c);
    }
    bool done = tern_conn_handshake_done(c) && tern_conn_status(c) == TERN_OK;
    if (tern_conn_status(c) != TERN_OK) {
        /* After a failure nothing more goes out: no data, no second alert. */
        fz_discard_output(c);
        size_t w;
        if (tern_conn_write(c, (const uint8_t *)ping, 4, &w) == TERN_OK || w != 0)
            abort();
        const uint8_t *out;
        size_t len;
        tern_conn_output(c, &out, &len);
        if (len != 0)
            abort();
    } else if (!tern_conn_handshake_done(c)) {
        size_t w;
        if (tern_conn_write(c, (const uint8_t *)ping, 4, &w) == TERN_OK && w != 0)
            abort(); /* no data before the handshake */
    }
    tern_conn_close(c);
    return done;
}

/* fz_client_one and fz_server_one run one input against a fresh client
 * or server; true when its handshake completed. */
static bool fz_client_one(const uint8_t *data, size_t size)
{
    if (size < 2)
        return false;
    unsigned flags = data[0], flags2 = data[1];
    data += 2, size -= 2;
    fz_mode(flags);
    tern_config *cfg = fz_client_config(flags, flags2);
    if (flags & FZ_RESUME) {
        /* A saved session (fuzzed too: tern_config_add_session parses it). */
        if (size < 2) {
            tern_config_free(cfg);
            return false;
        }
        size_t n = (size_t)data[0] << 8 | data[1];
        data += 2, size -= 2;
        if (n > size)
            n = size;
        int rc = tern_config_add_session(cfg, data, n);
        if (rc != TERN_OK && !tern_config_error(cfg))
            abort(); /* a refused session says why */
        data += n, size -= n;
    }
    tern_conn *c = tern_conn_new_client(cfg, "localhost");
    if (!c)
        abort();
    bool done = fz_drive(c, data, size);
    tern_conn_free(c);
    tern_config_free(cfg);
    return done;
}

static bool fz_server_one(const uint8_t *data, size_t size)
{
    if (size < 2)
        return false;
    unsigned flags = data[0], flags2 = data[1];
    fz_mode(flags);
    tern_conn *s = tern_conn_new_server(fz_server_config(flags, flags2));
    if (!s)
        abort();
    bool done = fz_drive(s, data + 2, size - 2);
    tern_conn_free(s);
    return done;
}

/* ---- the seed generator ---- */

struct fz_buf {
    uint8_t *p;
    size_t len, cap;
};

static void fz_append(struct fz_buf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            abort();
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

/* fz_move moves what from wants to send into to, logging it. */
static size_t fz_move(tern_conn *from, tern_conn *to, struct fz_buf *log)
{
    const uint8_t *out;
    size_t len, moved = 0;
    tern_conn_output(from, &out, &len);
    if (len == 0)
        return 0;
    fz_append(log, out, len);
    size_t used;
    tern_conn_feed(to, out, len, &used);
    tern_conn_output_done(from, len);
    moved += len;
    return moved;
}

static void fz_pump(tern_conn *c, tern_conn *s, struct fz_buf *c2s, struct fz_buf *s2c)
{
    for (int i = 0; i < 50; i++) {
        size_t a = fz_move(c, s, c2s);
        size_t b = fz_move(s, c, s2c);
        if (a == 0 && b == 0)
            break;
    }
}

static void fz_read_all(tern_conn *c)
{
    uint8_t buf[4096];
    size_t r;
    while (tern_conn_read(c, buf, sizeof(buf), &r) == TERN_OK)
        ;
}

static void fz_keep_session(void *arg, const char *name, const uint8_t *session, size_t len)
{
    (void)name;
    struct fz_buf *b = arg;
    b->len = 0;
    fz_append(b, session, len);
}

/* fz_record runs one handshake and a short conversation between tern
 * endpoints configured by flags, logging each direction. With FZ_RESUME a
 * first handshake gets the session the recorded one resumes. */
static bool fz_record(unsigned flags, unsigned flags2, struct fz_buf *session, struct fz_buf *c2s,
                      struct fz_buf *s2c)
{
    fz_mode(flags & ~FZ_RELAXED);
    tern_config *scfg = fz_server_config(flags, flags2);
    tern_config *ccfg = fz_client_config(flags, flags2);
    session->len = 0;
    if (flags & FZ_RESUME) {
        tern_config *first = fz_client_config(flags, flags2);
        tern_config_set_session_callback(first, fz_keep_session, session);
        tern_conn *c = tern_conn_new_client(first, "localhost");
        tern_conn *s = tern_conn_new_server(scfg);
        struct fz_buf x = {0}, y = {0};
        fz_pump(c, s, &x, &y);
        size_t w;
        if (tern_conn_write(s, (const uint8_t *)"hi", 2, &w) != TERN_OK)
            abort();
        fz_pump(c, s, &x, &y);
        fz_read_all(c);
        tern_conn_free(c);
        tern_conn_free(s);
        tern_config_free(first);
        free(x.p);
        free(y.p);
        if (session->len == 0 || session->len > 0xffff ||
            tern_config_add_session(ccfg, session->p, session->len) != TERN_OK)
            abort();
    }
    tern_conn *c = tern_conn_new_client(ccfg, "localhost");
    tern_conn *s = tern_conn_new_server(scfg);
    fz_pump(c, s, c2s, s2c);
    bool ok = tern_conn_handshake_done(c) && tern_conn_handshake_done(s) &&
              tern_conn_status(c) == TERN_OK && tern_conn_status(s) == TERN_OK;
    if (!ok)
        fprintf(stderr, "seed %#x: client: %s / server: %s\n", flags, tern_conn_error(c),
                tern_conn_error(s));
    size_t w;
    static const char req[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    if (ok) {
        ok = tern_conn_write(c, (const uint8_t *)req, sizeof(req) - 1, &w) == TERN_OK;
        fz_pump(c, s, c2s, s2c);
        fz_read_all(s);
        ok = ok && tern_conn_write(s, (const uint8_t *)resp, sizeof(resp) - 1, &w) == TERN_OK;
        if (!(flags2 & FZ2_TLS12)) /* KeyUpdate is TLS 1.3's */
            ok = ok && tern_conn_key_update(s, 1) == TERN_OK;
        fz_pump(c, s, c2s, s2c);
        fz_read_all(c);
        fz_pump(c, s, c2s, s2c);
        fz_read_all(s);
        tern_conn_close(c);
        tern_conn_close(s);
        fz_pump(c, s, c2s, s2c);
    }
    if (!ok)
        fprintf(stderr, "seed %#x/%#x: the conversation failed\n", flags, flags2);
    tern_conn_free(c);
    tern_conn_free(s);
    tern_config_free(ccfg);
    return ok;
}

/* fz_write writes DIR/TARGET/seed-NAME: the given header bytes, a, b. */
static void fz_write(const char *dir, const char *target, unsigned name, const uint8_t *hdr,
                     size_t hlen, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, target);
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        abort();
    snprintf(path, sizeof(path), "%s/%s/seed-%04x", dir, target, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    const uint8_t *parts[3] = {hdr, a, b};
    size_t lens[3] = {hlen, alen, blen};
    for (int i = 0; i < 3; i++)
        if (lens[i] && fwrite(parts[i], 1, lens[i], f) != lens[i])
            abort();
    fclose(f);
}

/* The combinations recorded: every server certificate, and each feature
 * alone and together (Ed25519 mostly: its signatures are deterministic, so
 * the server target's recorded client Finished verifies in strict mode). */
#define FZ_2(f2) ((f2) << 8) /* the second byte, in fz_seed_flags */
static const unsigned fz_seed_flags[] = {
    0,
    1,
    2,
    3,
    1 | FZ_CLIENT_AUTH,
    1 | FZ_ALPN,
    1 | FZ_RESUME,
    1 | FZ_HRR,
    1 | FZ_SHA384,
    1 | FZ_CLIENT_AUTH | FZ_ALPN | FZ_RESUME | FZ_HRR | FZ_SHA384,
    0 | FZ_CLIENT_AUTH | FZ_HRR,
    0 | FZ_RESUME | FZ_SHA384,
    1 | FZ_RESUME | FZ_2(FZ2_PSK_KE),
    0 | FZ_2(FZ2_TLS12),
    1 | FZ_2(FZ2_TLS12),
    2 | FZ_2(FZ2_TLS12),
    1 | FZ_CLIENT_AUTH | FZ_ALPN | FZ_2(FZ2_TLS12),
};

/* fz_psk_ext finds the pre_shared_key extension (41) of the ClientHello
 * that starts a recorded client flight; NULL when there is none. */
static const uint8_t *fz_psk_ext(const uint8_t *p, size_t n, size_t *len)
{
    size_t i = 5 + 4 + 2 + 32; /* record, message header, version, random */
    if (n < i + 1)
        return NULL;
    i += 1 + p[i]; /* session id */
    if (n < i + 2)
        return NULL;
    i += 2 + ((size_t)p[i] << 8 | p[i + 1]); /* suites */
    if (n < i + 1)
        return NULL;
    i += 1 + p[i]; /* compression */
    i += 2;        /* extensions length */
    while (i + 4 <= n) {
        unsigned type = (unsigned)p[i] << 8 | p[i + 1];
        size_t elen = (size_t)p[i + 2] << 8 | p[i + 3];
        if (i + 4 + elen > n)
            return NULL;
        if (type == 41) {
            *len = elen;
            return p + i + 4;
        }
        i += 4 + elen;
    }
    return NULL;
}

/* The ticket_fuzz seeds of a recorded resumption: the extension, its first
 * identity (a ticket), the client's saved session. */
static void fz_ticket_seeds(const char *dir, unsigned flags, const struct fz_buf *c2s,
                            const struct fz_buf *session)
{
    size_t elen;
    const uint8_t *ext = fz_psk_ext(c2s->p, c2s->len, &elen);
    if (!ext || elen < 4)
        abort();
    size_t tlen = (size_t)ext[2] << 8 | ext[3];
    if (4 + tlen > elen)
        abort();
    for (uint8_t mode = 0; mode < 4; mode++) {
        uint8_t m = (uint8_t)(mode | (flags & 0xf0));
        unsigned name = (flags & 0xff00) | m;
        if (mode == 0)
            fz_write(dir, "ticket_fuzz", name, &m, 1, ext + 4, tlen, NULL, 0);
        else if (mode == 1)
            fz_write(dir, "ticket_fuzz", name, &m, 1, ext, elen, NULL, 0);
        else
            fz_write(dir, "ticket_fuzz", name, &m, 1, session->p, session->len, NULL, 0);
    }
}

static void fz_generate(const char *dir)
{
    for (size_t i = 0; i < sizeof(fz_seed_flags) / sizeof(fz_seed_flags[0]); i++) {
        unsigned code = fz_seed_flags[i], flags = code & 0xff, flags2 = code >> 8;
        struct fz_buf session = {0}, c2s = {0}, s2c = {0};
        if (!fz_record(flags, flags2, &session, &c2s, &s2c))
            abort();
        /* The client's input carries its session; both start with the flags. */
        struct fz_buf chead = {0};
        uint8_t fl[2] = {(uint8_t)flags, (uint8_t)flags2};
        fz_append(&chead, fl, 2);
        if (flags & FZ_RESUME) {
            uint8_t len16[2] = {(uint8_t)(session.len >> 8), (uint8_t)session.len};
            fz_append(&chead, len16, 2);
            fz_append(&chead, session.p, session.len);
        }
        fz_write(dir, "hs_client_fuzz", code, chead.p, chead.len, s2c.p, s2c.len, NULL, 0);
        fz_write(dir, "hs_server_fuzz", code, fl, 2, c2s.p, c2s.len, NULL, 0);
        /* Replayed with every check real, the recorded server flight takes
         * a fresh client through its handshake; the client's flight takes
         * a fresh server through when the server's signature is
         * deterministic (Ed25519) or not needed (resumption). */
        struct fz_buf in = {0};
        fz_append(&in, chead.p, chead.len);
        fz_append(&in, s2c.p, s2c.len);
        bool client_ok = fz_client_one(in.p, in.len);
        in.len = 0;
        fz_append(&in, fl, 2);
        fz_append(&in, c2s.p, c2s.len);
        bool server_ok = fz_server_one(in.p, in.len);
        free(in.p);
        fprintf(stderr,
                "seed %04x: client sent %zu bytes, server %zu; replayed: client %s, "
                "server %s\n",
                code, c2s.len, s2c.len, client_ok ? "done" : "failed",
                server_ok ? "done" : "failed");
        /* (In TLS 1.2 the server's Finished covers the client's
         * CertificateVerify, an ECDSA signature made afresh on replay.) */
        bool client_must = !((flags2 & FZ2_TLS12) && (flags & FZ_CLIENT_AUTH));
        if ((!client_ok && client_must) ||
            (!server_ok && ((flags & FZ_CERT_MASK) == 1 || (flags & FZ_RESUME))))
            abort();
        if (flags & FZ_RESUME)
            fz_ticket_seeds(dir, code, &c2s, &session);
        /* The same flights under the relaxed checks, where mutations go deep. */
        chead.p[0] |= FZ_RELAXED;
        fl[0] |= FZ_RELAXED;
        fz_write(dir, "hs_client_fuzz", code | FZ_RELAXED, chead.p, chead.len, s2c.p, s2c.len, NULL,
                 0);
        fz_write(dir, "hs_server_fuzz", code | FZ_RELAXED, fl, 2, c2s.p, c2s.len, NULL, 0);
        free(chead.p);
        free(session.p);
        free(c2s.p);
        free(s2c.p);
    }
}

/* LLVMFuzzerInitialize (fuzz builds): TERN_FUZZ_SEEDS=DIR writes the seeds
 * and exits. */
static void fz_maybe_generate(void)
{
    const char *dir = getenv("TERN_FUZZ_SEEDS");
    if (!dir)
        return;
    fz_generate(dir);
    exit(0);
}

#endif
