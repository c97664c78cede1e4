/* What the handshake machines stand on: the output queue (records sealed
 * in place at the end of the connection's output, fragmented at 2^14),
 * alerts, the failure path every error takes (one sentence, its alert, the
 * trace), the connection's randomness and key log. conn.c, the public API
 * over feed/read/write, sits above this and the state machines; nothing
 * here calls up into it. */
#include "base/mem.h"
#include "hs/codec13.h"
#include "hs/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* queue_record seals one record (len <= 2^14) at the end of out; a failure
 * (out of memory, the record layer's refusal) takes the failure path. */
static void queue_record(tern_conn *c, uint8_t type, const uint8_t *data, size_t len);

/* ---- failure ---- */

struct tern_err *hs_err(tern_conn *c)
{
    return &c->err;
}

int hs_fail_err(tern_conn *c, const struct tern_err *e)
{
    if (c->err.code != TERN_OK)
        return c->err.code;
    c->err = *e;
    if (e->code != TERN_E_ALERT_RECEIVED && e->code != TERN_E_EOF && e->code != TERN_E_IO)
        hs_send_alert(c, tern_status_alert(e->code));
    struct tern_trace_fact f[] = {{"error", tern_status_name(e->code)}, {"reason", e->msg}};
    hs_trace(c, TERN_TRACE_ERROR, TERN_DIR_LOCAL, "connection failed", e->msg, 0, f, 2);
    c->state = HS_FAILED;
    return e->code;
}

int hs_fail(tern_conn *c, int code, const char *fmt, ...)
{
    if (c->err.code != TERN_OK)
        return c->err.code;
    struct tern_err e;
    err_init(&e);
    e.code = code;
    e.alert = tern_status_alert(code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
    va_end(ap);
    return hs_fail_err(c, &e);
}

/* ---- output ---- */

void hs_send_alert(tern_conn *c, int alert)
{
    if (alert < 0 || c->close_sent)
        return;
    uint8_t body[2] = {alert == TERN_ALERT_CLOSE_NOTIFY || alert == TERN_ALERT_USER_CANCELED ? 1
                                                                                             : 2,
                       (uint8_t)alert};
    queue_record(c, REC_ALERT, body, 2);
    c->alert_sent = alert;
    c->close_sent = true;
    hs_trace_alert(c, true, body[0], body[1],
                   alert == 0
                       ? "We said goodbye: close_notify tells the peer no more data will follow, "
                         "so a cut connection cannot pass for a complete one."
                       : "We stopped the connection and told the peer why.");
}

/* queue_record seals one record (len <= 2^14) at the end of out. */
static void queue_record(tern_conn *c, uint8_t type, const uint8_t *data, size_t len)
{
    size_t off = rec_plaintext_offset(&c->rd_out);
    size_t cap = off + len + rec_seal_overhead(&c->rd_out);
    size_t start = c->out.len;
    uint8_t *p = wr_reserve(&c->out, cap);
    if (!p) {
        /* The failure path as everywhere; its own alert cannot be queued
         * either, and the sticky first error ends the recursion. */
        (void)hs_fail(c, TERN_E_NOMEM, "out of memory queueing a %zu-byte record", len);
        return;
    }
    size_t rec_len;
    struct tern_err e;
    err_init(&e);
    /* Sealed straight from data under TLS 1.3 (no copy into out first). */
    if (rec_seal_from(&c->rd_out, type, data, len, p, cap, &rec_len, &e) != TERN_OK) {
        tern_memzero(p + off, len); /* out holds only sealed bytes (output_done) */
        c->out.len = start;
        (void)hs_fail_err(c, &e);
        return;
    }
    c->out.len = start + rec_len;
}

/* RFC 8446 §5.5: AES-GCM keys may protect at most 2^24.5 full records.
 * In TLS 1.3 tern moves its sending direction to a new key (KeyUpdate) well
 * before, for every suite, so a long-lived connection never reaches the
 * limit. (TLS 1.2 has no key update and refuses renegotiation.) */
#define HS_REKEY_RECORDS (1ull << 24)

int hs_send_records(tern_conn *c, uint8_t type, const uint8_t *data, size_t len)
{
    uint64_t limit = c->test.rekey_records ? c->test.rekey_records : HS_REKEY_RECORDS;
    do {
        size_t n = len > REC_MAX_PLAINTEXT ? REC_MAX_PLAINTEXT : len;
        if (type == REC_APPLICATION_DATA && c->version == TERN_TLS13 && c->rd_out.seq >= limit)
            TRY(hs_send_key_update(c, 0));
        queue_record(c, type, data, n);
        data += n;
        len -= n;
    } while (len > 0);
    if (!wr_ok(&c->out))
        return hs_fail(c, TERN_E_NOMEM, "out of memory queueing output");
    return c->state == HS_FAILED ? c->err.code : TERN_OK;
}

int hs_send(tern_conn *c, const uint8_t *msg, size_t len)
{
    TRY(hs_transcript_add(c, msg, len));
    TRY(hs_send_records(c, REC_HANDSHAKE, msg, len));
    hs_trace_wire(c, true, REC_HANDSHAKE, msg, len);
    return TERN_OK;
}

int hs_send_post(tern_conn *c, const uint8_t *msg, size_t len)
{
    TRY(hs_send_records(c, REC_HANDSHAKE, msg, len));
    hs_trace_wire(c, true, REC_HANDSHAKE, msg, len);
    return TERN_OK;
}

int hs_send_ccs(tern_conn *c)
{
    static const uint8_t one = 1;
    /* The record layer sends it unprotected (RFC 8446 §5, Appendix D.4). */
    queue_record(c, REC_CHANGE_CIPHER_SPEC, &one, 1);
    if (c->state == HS_FAILED)
        return c->err.code;
    hs_trace_wire(c, true, REC_CHANGE_CIPHER_SPEC, &one, 1);
    return TERN_OK;
}

int hs_send_warning(tern_conn *c, int alert)
{
    if (c->close_sent)
        return TERN_OK;
    uint8_t body[2] = {1, (uint8_t)alert};
    queue_record(c, REC_ALERT, body, 2);
    if (c->state == HS_FAILED)
        return c->err.code;
    hs_trace_alert(c, true, 1, (uint8_t)alert,
                   "We told the peer no with a warning; the connection stays open.");
    return TERN_OK;
}

int hs_send_key_update(tern_conn *c, int request_peer)
{
    uint8_t msg[5];
    struct wr w;
    wr_init_fixed(&w, msg, sizeof(msg));
    hs13_write_key_update(&w, request_peer ? 1 : 0);
    if (!wr_ok(&w) || w.len != sizeof(msg))
        return hs_fail(c, TERN_E_INTERNAL, "writing KeyUpdate failed");
    c->key_update_due = false; /* this update answers any the peer asked for */
    TRY(hs_send_post(c, msg, sizeof(msg)));
    struct tern_err e;
    err_init(&e);
    if (rec_dir_update13(&c->rd_out, &e) != TERN_OK)
        return hs_fail_err(c, &e);
    struct tern_trace_fact f[] = {{"request_update", request_peer ? "yes" : "no"}};
    hs_trace_msg(c, true, "KeyUpdate",
                 "We moved our sending direction to a fresh key derived from the old one, so a "
                 "key that leaks later cannot read earlier traffic.",
                 sizeof(msg), f, 1);
    return TERN_OK;
}

/* ---- input ---- */

bool hs_msg_pending(const tern_conn *c)
{
    return c->hs_in.len > c->hs_in_used;
}

/* ---- randomness and the key log ---- */

int hs_random(tern_conn *c, uint8_t *buf, size_t len)
{
    if (c->test.random) {
        if (c->test.random_len < len)
            return TERN_E_INTERNAL;
        memcpy(buf, c->test.random, len);
        c->test.random += len;
        c->test.random_len -= len;
        return TERN_OK;
    }
    /* One RAND_bytes per handshake instead of one per value: each call costs
     * libcrypto a system call (its fork check) and a DRBG step. */
    if (len > sizeof(c->rand_pool))
        return cry_random(buf, len);
    if (c->rand_left < len) {
        TRY(cry_random(c->rand_pool, sizeof(c->rand_pool)));
        c->rand_left = sizeof(c->rand_pool);
    }
    uint8_t *from = c->rand_pool + sizeof(c->rand_pool) - c->rand_left;
    memcpy(buf, from, len);
    tern_memzero(from, len);
    c->rand_left -= len;
    return TERN_OK;
}

void hs_keylog(tern_conn *c, const char *label, const uint8_t *secret, size_t len)
{
    if (!c->cfg->keylog_cb)
        return;
    char line[256];
    if (ks13_keylog_line(line, sizeof(line), label, c->client_random, secret, len))
        c->cfg->keylog_cb(c->cfg->keylog_arg, line);
    tern_memzero(line, sizeof(line));
}
