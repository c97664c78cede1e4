/* The sans-I/O connection, tern's public API over the record layer and the
 * handshake: bytes in (tern_conn_feed, tern_conn_feed_read), bytes out
 * (tern_conn_output), plaintext in and out (tern_conn_read, tern_conn_write).
 *
 * Fed bytes are kept in `raw`; each record's header is parsed once, and
 * whole records are opened in place (or straight from the fed bytes, or
 * straight into the reader's buffer when nothing else waits). Alerts are
 * handled here; handshake bytes collect in `hs_in` until a message is whole
 * and go to hs/handshake.c's dispatcher, as ChangeCipherSpec records do;
 * application data stays in `raw` and is read from it directly, so the
 * records behind unread data wait (back-pressure, no second copy). Output
 * is queued by hs/flight.c, which the handshake machines use too: nothing
 * under src/hs/ calls into this file. */
#include "base/mem.h"
#include "hs/internal.h"
#include "hs/policy.h"
#include "hs/test_hooks.h"
#include "hs/session.h"
#include "hs/tls12.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static tern_conn *conn_new(tern_config *cfg, bool is_server)
{
    if (!cfg)
        return NULL;
    tern_conn *c = tern_calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    config_freeze(cfg);
    config_ref(cfg);
    c->cfg = cfg;
    c->cert_cfg = cfg;
    c->cert = cfg->n_certs ? &cfg->certs[0] : NULL; /* a server chooses again per ClientHello */
    c->test = cfg->test;
    c->is_server = is_server;
    c->client_auth = cfg->client_auth;
    c->alpn = "";
    c->alert_sent = -1;
    c->start_us = now_us();
    err_init(&c->err);
    wr_init_grow(&c->hs_in);
    wr_init_grow(&c->out);
    wr_init_grow(&c->ch_buf);
    return c;
}

tern_conn *tern_conn_new_client(tern_config *cfg, const char *server_name)
{
    tern_conn *c = conn_new(cfg, false);
    if (!c)
        return NULL;
    if (server_name && !(c->server_name = tern_strdup(server_name))) {
        tern_conn_free(c);
        return NULL;
    }
    c->state = HS_START;
    if (!server_name && !cfg->insecure) {
        hs_fail(c, TERN_E_ARG,
                "a client needs the server's name to check its certificate (or the insecure "
                "option)");
        return c;
    }
    if (hs_client_start(c) != TERN_OK)
        return c; /* the error is kept in c */
    return c;
}

tern_conn *tern_conn_new_server(tern_config *cfg)
{
    tern_conn *c = conn_new(cfg, true);
    if (!c)
        return NULL;
    c->state = HS_S_WAIT_CH;
    if (cfg->n_certs == 0 && !cfg->server_name_cb && !hs_psk_external_server(cfg))
        hs_fail(c, TERN_E_ARG,
                "the server has no certificate: call tern_config_set_cert_chain_file first");
    return c;
}

void tern_conn_free(tern_conn *c)
{
    if (!c)
        return;
    bool had_secrets = c->rd_out.active || c->rd_in.active;
    if (c->io_release)
        c->io_release(c);
    ks13_cleanup(&c->ks);
    hs12_free(c);
    rec_dir_cleanup(&c->rd_in);
    rec_dir_cleanup(&c->rd_out);
    for (size_t i = 0; i < c->n_kex; i++)
        cry_kex_cleanup(&c->kex[i]);
    cry_hash_cleanup(&c->th);
    if (c->have_peer_key)
        cry_pubkey_cleanup(&c->peer_key);
    hs_peer_free(c);
    tern_free(c->peer_subject);
    tern_free(c->cookie);
    hs_free_alpn(c);
    if (c->session)
        tern_free_secret(c->session, sizeof(*c->session));
    wr_free(&c->raw);
    wr_free(&c->hs_in);
    wr_free(&c->out);
    wr_free(&c->ch_buf);
    if (had_secrets)
        hs_trace(c, TERN_TRACE_WIPED, TERN_DIR_LOCAL, "keys wiped",
                 "Every key and secret of this connection has been erased from memory.", 0, NULL,
                 0);
    tern_free(c->server_name);
    tern_free(c->peer_ca_names);
    if (c->cert_cfg != c->cfg)
        tern_config_free(c->cert_cfg);
    tern_config_free(c->cfg);
    tern_memzero(c, sizeof(*c));
    tern_free(c);
}

/* ---- errors and alerts ---- */

/* ---- output ---- */

int tern_conn_output(tern_conn *c, const uint8_t **out, size_t *out_len)
{
    /* No buffer yet (or released when idle): nothing to send, and no
     * offset applied to a null pointer. */
    *out = c->out.buf ? c->out.buf + c->out_sent : NULL;
    *out_len = c->out.len - c->out_sent;
    return TERN_OK;
}

void tern_conn_output_done(tern_conn *c, size_t sent)
{
    size_t pending = c->out.len - c->out_sent;
    c->out_sent += sent < pending ? sent : pending;
    if (c->out_sent == c->out.len) {
        /* Everything went: release the buffer when idle so an established,
         * idle connection holds little memory. */
        c->out.len = c->out_sent = 0;
        if (c->state == HS_CONNECTED && c->out.cap)
            wr_free_public(&c->out); /* sealed records only: no wipe needed */
    }
}

/* ---- input ---- */

static int handle_alert(tern_conn *c, const uint8_t *p, size_t len)
{
    if (len != 2)
        return hs_fail(c, TERN_E_DECODE, "an alert record of %zu bytes (alerts are 2 bytes)", len);
    int desc = p[1];
    hs_trace_alert(c, false, p[0], p[1],
                   desc == 0 ? "The peer said goodbye: no more data will come." : NULL);
    if (desc == TERN_ALERT_CLOSE_NOTIFY && c->state != HS_CONNECTED) {
        /* Before the handshake completed, a goodbye is a failure: the
         * connection must not look established (found by tls12_fuzz). */
        struct tern_err e;
        err_init(&e);
        err_set(&e, TERN_E_ALERT_RECEIVED,
                "the %s closed the connection (close_notify) before the handshake completed",
                c->is_server ? "client" : "server");
        e.alert = desc;
        c->close_sent = true;
        return hs_fail_err(c, &e);
    }
    if (desc == TERN_ALERT_CLOSE_NOTIFY) {
        c->state = HS_CLOSED;
        return TERN_OK;
    }
    if (desc == TERN_ALERT_USER_CANCELED) {
        /* RFC 8446 §6.1: a close_notify should follow. A peer that keeps
         * sending them instead is flooding (CVE-2016-8610). */
        if (++c->warning_alerts > HS_MAX_WARNING_ALERTS)
            return hs_fail(c, TERN_E_UNEXPECTED_MESSAGE,
                           "%u user_canceled alerts in a row: more than %d is a flood, not a "
                           "goodbye",
                           c->warning_alerts, HS_MAX_WARNING_ALERTS);
        return TERN_OK;
    }
    /* RFC 8446 §6: every other alert ends the connection, whatever its level. */
    struct tern_err e;
    err_init(&e);
    err_set(&e, TERN_E_ALERT_RECEIVED, "the %s sent a fatal alert: %s (%d)",
            c->is_server ? "client" : "server", tern_alert_name(desc), desc);
    e.alert = desc;
    c->close_sent = true; /* no alert goes back after a fatal alert */
    return hs_fail_err(c, &e);
}

static int handle_handshake_bytes(tern_conn *c, const uint8_t *p, size_t len)
{
    if (len == 0)
        return hs_fail(c, TERN_E_UNEXPECTED_MESSAGE,
                       "an empty handshake record (RFC 8446 §5.1 forbids them)");
    wr_bytes(&c->hs_in, p, len);
    if (!wr_ok(&c->hs_in))
        return hs_fail(c, TERN_E_NOMEM, "out of memory buffering a handshake message");
    size_t off = 0;
    while (c->state != HS_FAILED && c->hs_in.len - off >= 4) {
        struct rd r;
        rd_init(&r, c->hs_in.buf + off, c->hs_in.len - off);
        uint8_t type;
        uint32_t mlen;
        if (!rd_u8(&r, &type) || !rd_u24(&r, &mlen))
            break;
        if (mlen > HS_MAX_MESSAGE)
            return hs_fail(c, TERN_E_DECODE,
                           "a %s message of %u bytes exceeds our limit of %u bytes",
                           hs_type_name(type), mlen, HS_MAX_MESSAGE);
        struct rd body;
        if (!rd_sub(&r, &body, mlen))
            break; /* wait for the rest */
        const uint8_t *msg = c->hs_in.buf + off;
        size_t msg_len = 4 + mlen;
        off += msg_len;
        c->hs_in_used = off;
        int rc = hs_message(c, type, body, msg, msg_len);
        if (rc == TERN_WANT_ASYNC && c->async_pending)
            break; /* a private-key callback answers later: the rest waits (hs/keyops.c) */
        if (rc != TERN_OK)
            return c->err.code
                       ? c->err.code
                       : hs_fail(c, rc,
                                 "handling the %s %s ended in %s without a sentence of "
                                 "its own (a bug in tern: please report it)",
                                 hs_type_name(type), hs_state_name(c->state), tern_status_name(rc));
    }
    c->hs_in_used = 0;
    /* Drop what was processed; keep a partial message. */
    if (off && c->hs_in.buf) {
        memmove(c->hs_in.buf, c->hs_in.buf + off, c->hs_in.len - off);
        c->hs_in.len -= off;
    }
    if (c->state == HS_CONNECTED && c->hs_in.len == 0 && c->hs_in.cap)
        wr_free(&c->hs_in); /* idle connections hold no buffers */
    return TERN_OK;
}

/* record_limit13: whether TLS 1.3's record size limit applies (RFC 8446
 * §5.2: 2^14 + 256): once 1.3 is negotiated, or from the start when the
 * configuration allows nothing older. Otherwise TLS 1.2's (RFC 5246 §6.2.3). */
static bool record_limit13(const tern_conn *c)
{
    return c->version == TERN_TLS13 || c->cfg->min_version >= TERN_TLS13;
}

/* handle_content acts on the opened content of a record: alerts and
 * handshake messages are handled here; application data is left where it
 * is, for the caller. */
static int handle_content(tern_conn *c, uint8_t type, const uint8_t *p, size_t len)
{
    /* Empty records cost a decryption and carry nothing: a bounded number
     * in a row (an empty handshake or alert record fails below anyway). */
    if (len == 0 && ++c->empty_records > HS_MAX_EMPTY_RECORDS)
        return hs_fail(c, TERN_E_UNEXPECTED_MESSAGE,
                       "%u empty records in a row: more than %d is a flood", c->empty_records,
                       HS_MAX_EMPTY_RECORDS);
    if (len) {
        c->empty_records = 0;
        if (type != REC_ALERT)
            c->warning_alerts = 0;
        if (type == REC_APPLICATION_DATA)
            c->key_updates = 0;
    }
    if (type != REC_HANDSHAKE && hs_msg_pending(c))
        return hs_fail(c, TERN_E_UNEXPECTED_MESSAGE,
                       "a %s record interleaved with a fragmented handshake message",
                       type == REC_ALERT ? "alert" : "non-handshake");
    switch (type) {
    case REC_ALERT:
        return handle_alert(c, p, len);
    case REC_HANDSHAKE:
        return handle_handshake_bytes(c, p, len);
    case REC_APPLICATION_DATA:
        if (c->state != HS_CONNECTED)
            return hs_fail(c, TERN_E_UNEXPECTED_MESSAGE,
                           "application data arrived before the handshake completed");
        if (len)
            hs_trace(c, TERN_TRACE_DATA, c->is_server ? TERN_DIR_TO_SERVER : TERN_DIR_TO_CLIENT,
                     "application data", NULL, len, NULL, 0);
        return TERN_OK;
    default:
        return hs_fail(c, TERN_E_UNEXPECTED_MESSAGE, "a record of unknown content type %u", type);
    }
}

/* process_record handles the whole record at offset base of the input
 * buffer, its header h parsed once by the caller. With sealed set, only the
 * record's header is in the buffer and its protected bytes are read from
 * sealed (see tern_conn_feed). */
static int process_record(tern_conn *c, size_t base, struct rec_header h, const uint8_t *sealed)
{
    uint8_t *rec = c->raw.buf + base;
    struct tern_err e;
    err_init(&e);

    /* ChangeCipherSpec is the handshake's (hs/handshake.c): TLS 1.2's switch
     * of read keys, TLS 1.3's middlebox record. */
    if (h.type == REC_CHANGE_CIPHER_SPEC)
        return hs_on_ccs(c, rec + REC_HEADER_LEN, h.length);

    /* RFC 8446 §4.2.10: declined 0-RTT records (hs13_skip_early). */
    if (c->early_skip == EARLY_SKIP_APPDATA && h.type == REC_APPLICATION_DATA)
        return hs13_skip_early(c, h.length);

    uint8_t type;
    size_t off, len;
    /* TLS 1.3 hides the type inside; TLS 1.2 protected records keep theirs. */
    if (c->rd_in.active && c->rd_in.version == TERN_TLS13 && h.type != REC_APPLICATION_DATA)
        return hs_fail(c, TERN_E_UNEXPECTED_MESSAGE,
                       "an unprotected record of type %u arrived after encryption started", h.type);
    if (rec_open_header(&c->rd_in, rec, &h, sealed, &type, &off, &len, &e) != TERN_OK) {
        if (c->early_skip == EARLY_SKIP_UNOPENED && e.code == TERN_E_BAD_RECORD_MAC)
            return hs13_skip_early(c, h.length);
        return hs_fail_err(c, &e);
    }
    c->early_skip = EARLY_SKIP_NONE; /* the first record that opens ends the early data */
    int rc = handle_content(c, type, rec + off, len);
    if (rc == TERN_OK && type == REC_APPLICATION_DATA && len) {
        c->app_off = base + off;
        c->app_len = len;
    }
    return rc;
}

/* answer_key_update sends the one KeyUpdate that answers every
 * update_requested received so far (RFC 8446 §4.6.3): after the input that
 * carried them is processed, and in any case before our next data. */
static int answer_key_update(tern_conn *c)
{
    if (!c->key_update_due || c->state == HS_FAILED)
        return c->state == HS_FAILED ? c->err.code : TERN_OK;
    c->key_update_due = false;
    if (c->close_sent)
        return TERN_OK; /* nothing more goes out */
    return tern_conn_key_update(c, 0);
}

/* conn_process opens the whole records waiting in the input buffer until
 * one yields application data the caller has not read yet, then drops what
 * is done with (wiping the plaintext opened in place). */
static void conn_process(tern_conn *c)
{
    while (c->app_len == 0 && c->state != HS_CLOSED && c->state != HS_FAILED && !c->async_pending) {
        size_t avail = c->raw.len - c->raw_off;
        if (avail < REC_HEADER_LEN)
            break;
        struct rd r;
        rd_init(&r, c->raw.buf + c->raw_off, avail);
        struct rec_header h;
        struct tern_err e;
        err_init(&e);
        if (rec_parse_header(&r, record_limit13(c), &h, &e) != TERN_OK) {
            hs_fail_err(c, &e);
            break;
        }
        size_t want = REC_HEADER_LEN + h.length;
        if (avail < want)
            break;
        size_t base = c->raw_off;
        c->raw_off += want;
        process_record(c, base, h, NULL);
    }
    if (c->app_len)
        return;
    /* Move a partial record to the front; wipe everything before it. */
    size_t keep = c->raw.len - c->raw_off;
    if (c->state == HS_CLOSED || c->state == HS_FAILED)
        keep = 0;
    if (c->raw_off && keep)
        memmove(c->raw.buf, c->raw.buf + c->raw_off, keep);
    if (c->raw.buf)
        tern_memzero(c->raw.buf + keep, c->raw.len - keep);
    c->raw.len = keep;
    c->raw_off = 0;
    /* Every byte written into raw has now been wiped: an empty buffer goes
     * back without a second wipe, so an idle connection holds none. */
    if (keep == 0 && (c->state == HS_CONNECTED || c->raw.cap > 2 * REC_MAX_RECORD))
        wr_free_public(&c->raw);
}

/* whole_app_record: the length of the whole application_data record at the
 * start of in, its header parsed into *h (0: not one, or not whole: the
 * buffered path decides). */
static size_t whole_app_record(const tern_conn *c, const uint8_t *in, size_t len,
                               struct rec_header *h)
{
    struct rd r;
    rd_init(&r, in, len);
    struct tern_err e;
    err_init(&e);
    if (rec_parse_header(&r, record_limit13(c), h, &e) != TERN_OK ||
        h->type != REC_APPLICATION_DATA || r.len < h->length)
        return 0;
    return REC_HEADER_LEN + h->length;
}

/* open_from_input opens whole protected application_data records at the
 * start of in while nothing else is buffered: each is opened straight from
 * the caller's bytes into the input buffer (only its header is copied), which
 * spares the copy of every received byte on a connection that is moving
 * data. It stops at the first record that yields application data (later
 * ones wait behind it, as in conn_process), at anything else, and at a
 * partial record; it returns how many bytes of in it took. */
static size_t open_from_input(tern_conn *c, const uint8_t *in, size_t len)
{
    size_t done = 0;
    while (c->raw.len == 0 && c->app_len == 0 && c->state == HS_CONNECTED &&
           len - done >= REC_HEADER_LEN) {
        struct rec_header h;
        size_t want = whole_app_record(c, in + done, len - done, &h);
        if (want == 0)
            break; /* the buffered path gives the error or waits */
        uint8_t *rec = wr_reserve(&c->raw, want);
        if (!rec)
            break; /* the buffered path reports the allocation failure */
        memcpy(rec, in + done, REC_HEADER_LEN);
        c->raw_off = want;
        process_record(c, 0, h, in + done + REC_HEADER_LEN);
        done += want;
        if (c->app_len == 0)
            conn_process(c); /* nothing to read: wipe, and release when idle */
    }
    return done;
}

/* open_into_caller opens whole protected application_data records at the
 * start of in straight into buf while nothing is buffered and buf has room
 * for the most such a record can hold. A record that holds something else
 * (a TLS 1.3 post-handshake message or alert) is handled as any other and
 * wiped from buf. Returns the bytes of in taken; *n grows by the plaintext
 * written. */
static size_t open_into_caller(tern_conn *c, const uint8_t *in, size_t len, uint8_t *buf,
                               size_t cap, size_t *n)
{
    size_t done = 0;
    while (c->raw.len == 0 && c->app_len == 0 && c->state == HS_CONNECTED && c->rd_in.active &&
           !hs_msg_pending(c)) {
        struct rec_header h;
        size_t want = whole_app_record(c, in + done, len - done, &h);
        if (want == 0 || rec_max_content(&c->rd_in, want - REC_HEADER_LEN) > cap - *n)
            break;
        uint8_t type;
        size_t plen;
        struct tern_err e;
        err_init(&e);
        int rc =
            rec_open_into_header(&c->rd_in, in + done, &h, buf + *n, cap - *n, &type, &plen, &e);
        done += want;
        if (rc != TERN_OK) {
            hs_fail_err(c, &e);
            break;
        }
        rc = handle_content(c, type, buf + *n, plen);
        if (rc == TERN_OK && type == REC_APPLICATION_DATA)
            *n += plen;
        else
            tern_memzero(buf + *n, plen);
    }
    return done;
}

int tern_conn_feed_read(tern_conn *c, const uint8_t *in, size_t len, size_t *out_used, uint8_t *buf,
                        size_t cap, size_t *out_n)
{
    *out_used = 0;
    *out_n = 0;
    if (c->state == HS_FAILED)
        return c->err.code; /* as tern_conn_feed: nothing taken */
    size_t n = 0, done = 0;
    if (c->state == HS_CONNECTED && c->rd_in.active)
        done = open_into_caller(c, in, len, buf, cap, &n);
    size_t used = 0;
    int rc = c->state == HS_FAILED ? c->err.code : TERN_OK;
    if (done < len && rc == TERN_OK)
        rc = tern_conn_feed(c, in + done, len - done, &used);
    *out_used = done + used;
    if (c->state == HS_FAILED && *out_used < len)
        *out_used = len; /* as tern_conn_feed: failing on them, it took them all */
    if (n == 0) {
        /* Nothing went straight into buf: an ordinary read, status and all. */
        int rrc = tern_conn_read(c, buf, cap, &n);
        if (rc == TERN_OK)
            rc = rrc;
    } else if (n < cap) {
        /* Plaintext that took the buffered path comes after what is in buf. */
        size_t more = 0;
        (void)tern_conn_read(c, buf + n, cap - n, &more);
        n += more;
    }
    if (answer_key_update(c) != TERN_OK && rc == TERN_OK)
        rc = c->err.code;
    *out_n = n;
    return n ? TERN_OK : rc;
}

int tern_conn_feed(tern_conn *c, const uint8_t *in, size_t len, size_t *out_used)
{
    *out_used = 0;
    if (c->state == HS_FAILED)
        return c->err.code;
    if (c->state == HS_CLOSED) {
        /* Nothing after close_notify is read (RFC 8446 §6.1). */
        *out_used = len;
        return TERN_OK;
    }
    if (!c->raw.growable)
        wr_init_grow(&c->raw);
    size_t done = 0;
    if (c->state == HS_CONNECTED && c->rd_in.active)
        done = open_from_input(c, in, len);
    in += done;
    len -= done;
    if (len == 0 || c->state == HS_FAILED || c->state == HS_CLOSED) {
        *out_used = done + len;
        conn_process(c);
        return answer_key_update(c);
    }
    wr_bytes(&c->raw, in, len);
    if (!wr_ok(&c->raw))
        return hs_fail(c, TERN_E_NOMEM, "out of memory buffering %zu received bytes", len);
    *out_used = done + len;
    conn_process(c);
    if (c->async_pending && c->state != HS_FAILED)
        return TERN_WANT_ASYNC;
    return answer_key_update(c);
}

int tern_conn_key_done(tern_conn *c, const uint8_t *sig, size_t len)
{
    if (!c || !c->async_pending)
        return TERN_E_ARG;
    int rc = hs_key_done(c, sig, len);
    if (rc != TERN_OK)
        return c->err.code ? c->err.code : rc;
    conn_process(c); /* what arrived meanwhile */
    if (c->state == HS_FAILED)
        return c->err.code;
    return c->async_pending ? TERN_WANT_ASYNC : TERN_OK;
}

/* ---- plaintext ---- */

int tern_conn_read(tern_conn *c, uint8_t *buf, size_t cap, size_t *out_n)
{
    *out_n = 0;
    size_t n = 0;
    while (n < cap && c->app_len) {
        size_t k = c->app_len < cap - n ? c->app_len : cap - n;
        /* No wipe here: conn_process wipes the whole record once it is read. */
        memcpy(buf + n, c->raw.buf + c->app_off, k);
        c->app_off += k;
        c->app_len -= k;
        n += k;
        if (c->app_len == 0)
            conn_process(c); /* open the records that waited behind it */
    }
    (void)answer_key_update(c); /* for updates that waited behind the data */
    if (n) {
        *out_n = n;
        return TERN_OK;
    }
    if (c->state == HS_FAILED)
        return c->err.code;
    if (c->state == HS_CLOSED)
        return TERN_E_CLOSED;
    return TERN_WANT_READ;
}

int tern_conn_write(tern_conn *c, const uint8_t *data, size_t len, size_t *out_n)
{
    *out_n = 0;
    if (c->state == HS_FAILED)
        return c->err.code;
    if (c->close_sent)
        return err_set(NULL, TERN_E_CLOSED, "closed");
    if (c->state != HS_CONNECTED && c->state != HS_CLOSED)
        return TERN_WANT_READ;
    if (len == 0)
        return TERN_OK;
    TRY(answer_key_update(c)); /* RFC 8446 §4.6.3: before our next data */
    /* Application data only after every proof (STYLE.md). */
    unsigned need = PROOF_PEER_FINISHED;
    if (!c->is_server)
        need |= PROOF_PEER_CHAIN | PROOF_PEER_SIGNATURE;
    if ((c->proofs & need) != need)
        return hs_fail(c, TERN_E_INTERNAL,
                       "refusing to send application data: the handshake's checks are "
                       "incomplete (proofs %#x of %#x)",
                       c->proofs, need);
    TRY(hs_send_records(c, REC_APPLICATION_DATA, data, len));
    hs_trace(c, TERN_TRACE_DATA, c->is_server ? TERN_DIR_TO_CLIENT : TERN_DIR_TO_SERVER,
             "application data", NULL, len, NULL, 0);
    *out_n = len;
    return TERN_OK;
}

int tern_conn_close(tern_conn *c)
{
    if (c->state == HS_FAILED)
        return c->err.code;
    hs_send_alert(c, TERN_ALERT_CLOSE_NOTIFY);
    return c->state == HS_FAILED ? c->err.code : TERN_OK;
}

unsigned tern_conn_wants(const tern_conn *c)
{
    unsigned w = 0;
    if (c->out.len > c->out_sent)
        w |= TERN_WANTS_WRITE;
    if (c->state == HS_CONNECTED || c->state == HS_CLOSED)
        w |= TERN_WANTS_DONE;
    if (c->state == HS_FAILED || c->state == HS_CLOSED ||
        (c->close_sent && c->state != HS_CONNECTED))
        w |= TERN_WANTS_CLOSED;
    else if (c->async_pending)
        w |= TERN_WANTS_ASYNC; /* bytes fed meanwhile are kept, not read */
    else if (c->app_len == 0)
        w |= TERN_WANTS_READ;
    return w;
}

int tern_conn_status(const tern_conn *c)
{
    return c->err.code;
}

const char *tern_conn_error(const tern_conn *c)
{
    return c->err.code == TERN_OK ? NULL : c->err.msg;
}

uint16_t tern_conn_version(const tern_conn *c)
{
    return c->version;
}

uint16_t tern_conn_cipher_suite(const tern_conn *c)
{
    return c->suite;
}

uint16_t tern_conn_group(const tern_conn *c)
{
    return c->group;
}

uint16_t tern_conn_signature_scheme(const tern_conn *c)
{
    return c->sig_scheme;
}

const char *tern_conn_alpn(const tern_conn *c)
{
    return c->alpn[0] ? c->alpn : NULL;
}

const char *tern_conn_server_name(const tern_conn *c)
{
    return c->server_name;
}

const char *tern_conn_peer_subject(const tern_conn *c)
{
    return c->peer_subject;
}

int tern_conn_resumed(const tern_conn *c)
{
    size_t n;
    return c->resumed && !tern_conn_psk_identity(c, &n); /* an external PSK is no resumption */
}

int tern_conn_handshake_done(const tern_conn *c)
{
    return c->state == HS_CONNECTED || c->state == HS_CLOSED;
}

/* ---- services for the handshake ---- */

void hs_test_config_hooks(tern_config *cfg, const struct hs_test_hooks *hooks)
{
    cfg->test = *hooks;
}

int tern_conn_export_keying_material(tern_conn *c, const char *label, const uint8_t *context,
                                     size_t context_len, uint8_t *out, size_t len)
{
    if (!c || !label || !out || (!context && context_len))
        return TERN_E_ARG;
    if (c->state != HS_CONNECTED)
        return err_set(NULL, TERN_E_ARG, "keying material exists only once the handshake is done");
    size_t ll = strlen(label);
    if (c->version == TERN_TLS12 && c->have_master12)
        return hs12_export(c, label, context, context_len, out, len);
    if (c->version != TERN_TLS13)
        return err_set(NULL, TERN_E_UNSUPPORTED, "no exporter for %s",
                       tern_version_name(c->version));
    /* HkdfLabel's label is 7..255 bytes with the "tls13 " prefix; the
     * output at most 255 hash blocks (RFC 5869). */
    if (ll == 0 || ll > 249 || len == 0 || len > 255 * c->ks.hlen)
        return err_set(NULL, TERN_E_ARG,
                       "exporter label of %zu bytes (1 to 249) or length %zu (1 to %zu) out of "
                       "range",
                       ll, len, 255 * c->ks.hlen);
    if (ks13_export(&c->ks, label, context, context_len, out, len) != TERN_OK) {
        tern_memzero(out, len);
        return err_set(NULL, TERN_E_INTERNAL, "deriving the exported keying material failed");
    }
    return TERN_OK;
}

int tern_conn_key_update(tern_conn *c, int request_peer)
{
    /* After the peer's close_notify our direction may still send (RFC 8446
     * §6.1), so it may still move to a new key. */
    bool can_send = c->state == HS_CONNECTED || (c->state == HS_CLOSED && !c->close_sent);
    if (!can_send || c->version != TERN_TLS13)
        return err_set(NULL, TERN_E_ARG, "key update needs an established TLS 1.3 connection");
    return hs_send_key_update(c, request_peer);
}
