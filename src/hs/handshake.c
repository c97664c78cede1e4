/* The handshake's version-neutral part, shared by TLS 1.2 and 1.3 and by
 * both roles: where each received handshake message and ChangeCipherSpec
 * goes, message framing, the transcript, the lists a hello carries, SNI and
 * ALPN, our Certificate and CertificateVerify, the Finished check, the end
 * of a handshake and its proofs. The version machines (client13.c,
 * server13.c, tls13.c for TLS 1.3; client12.c, server12.c, tls12.c for
 * TLS 1.2) build on it; it stands on flight.c. */
#include "base/mem.h"
#include "hs/codec13.h"
#include "hs/internal.h"
#include "hs/peer.h"
#include "hs/policy.h"
#include "hs/session.h"

#include <stdio.h>
#include <string.h>

/* RFC 8446 §4.1.3: ServerHello.random of a HelloRetryRequest. */
const uint8_t hs_hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};
/* RFC 8446 §4.1.3: the downgrade sentinels in the last 8 bytes of random. */
const uint8_t hs_downgrade12[8] = {0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01};
const uint8_t hs_downgrade11[8] = {0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00};

/* ---- where received records go ---- */

int hs_message(tern_conn *c, uint8_t type, struct rd body, const uint8_t *msg, size_t len)
{
    hs_trace_wire(c, false, REC_HANDSHAKE, msg, len); /* the message callback (hs/hooks.c) */
    if (c->state == HS_CONNECTED)
        return hs_post_message(c, type, body);
    if (c->is_server)
        return hs_server_message(c, type, body, msg, len);
    return hs_client_message(c, type, body, msg, len);
}

int hs_post_message(tern_conn *c, uint8_t type, struct rd body)
{
    if (c->version == TERN_TLS12) /* renegotiation refused */
        return hs12_post_message(c, type, body);
    return hs13_post_message(c, type, body);
}

int hs_on_ccs(tern_conn *c, const uint8_t *p, size_t len)
{
    /* TLS 1.2: ChangeCipherSpec switches the read keys (hs/tls12.c). */
    if (c->version == TERN_TLS12 && !c->rd_in.active)
        return hs12_on_ccs(c, p, len);
    /* RFC 8446 §5: a single 0x01 CCS may arrive during the handshake and is
     * dropped; any other is unexpected_message. */
    bool in_handshake =
        c->state != HS_CONNECTED && c->state != HS_START && c->state != HS_S_WAIT_CH;
    if (len != 1 || p[0] != 1 || !in_handshake || c->got_ccs)
        return hs_fail(c, TERN_E_UNEXPECTED_MESSAGE,
                       "an unexpected ChangeCipherSpec record (%zu bytes) %s", len,
                       hs_state_name(c->state));
    c->got_ccs = true;
    hs_trace_wire(c, false, REC_CHANGE_CIPHER_SPEC, p, len);
    return TERN_OK;
}

struct rd hs_msg_body(const uint8_t *msg, size_t len)
{
    struct rd r;
    rd_init(&r, len >= 4 ? msg + 4 : msg, len >= 4 ? len - 4 : 0);
    return r;
}

/* ---- the end of a handshake ---- */

int hs_check_proofs(tern_conn *c)
{
    unsigned need = PROOF_PEER_FINISHED;
    if (!c->is_server || c->cert_requested)
        need |= PROOF_PEER_CHAIN;
    if (!c->is_server || c->have_peer_key)
        need |= PROOF_PEER_SIGNATURE;
    if ((c->proofs & need) != need)
        return hs_fail(c, TERN_E_INTERNAL,
                       "the handshake reached its end without every check (proofs %#x of %#x)",
                       c->proofs, need);
    return TERN_OK;
}

const char *hs_type_name(uint8_t type)
{
    switch (type) {
    case HS_CLIENT_HELLO:
        return "ClientHello";
    case HS_SERVER_HELLO:
        return "ServerHello";
    case HS_NEW_SESSION_TICKET:
        return "NewSessionTicket";
    case HS_END_OF_EARLY_DATA:
        return "EndOfEarlyData";
    case HS_ENCRYPTED_EXTENSIONS:
        return "EncryptedExtensions";
    case HS_CERTIFICATE:
        return "Certificate";
    case HS_CERTIFICATE_REQUEST:
        return "CertificateRequest";
    case HS_CERTIFICATE_VERIFY:
        return "CertificateVerify";
    case HS_FINISHED:
        return "Finished";
    case HS_KEY_UPDATE:
        return "KeyUpdate";
    case HS_MESSAGE_HASH:
        return "message_hash";
    /* TLS 1.2 (RFC 5246 §7.4) */
    case HS12_HELLO_REQUEST:
        return "HelloRequest";
    case HS12_SERVER_KEY_EXCHANGE:
        return "ServerKeyExchange";
    case HS12_SERVER_HELLO_DONE:
        return "ServerHelloDone";
    case HS12_CLIENT_KEY_EXCHANGE:
        return "ClientKeyExchange";
    default:
        return "unknown handshake message";
    }
}

bool hs_list_has(const uint16_t *list, size_t n, uint16_t v)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == v)
            return true;
    return false;
}

bool hs_known_suite(uint16_t v)
{
    return hs_suite13(v) || hs_suite12(v);
}

bool hs_known_group(uint16_t v)
{
    /* secp521r1 too: tern has no key exchange on it, but in TLS 1.2 a
     * client's supported_groups also says which ECDSA curves it can verify
     * (RFC 8422 §5.1), and a server may hold a P-521 key. */
    return cry_kex_supported(v) || v == 0x0019;
}

bool hs_known_scheme(uint16_t v)
{
    return cry_scheme_lookup(v) != NULL;
}

size_t hs_u16_list_keep(struct rd list, bool (*known)(uint16_t), uint16_t *out, size_t cap,
                        size_t *out_n)
{
    size_t total = 0;
    uint16_t v;
    *out_n = 0;
    /* out holds distinct known values only, so the duplicate check costs at
     * most the size of tern's table whatever the peer repeats. */
    while (rd_u16(&list, &v)) {
        total++;
        if (known(v) && *out_n < cap && !hs_list_has(out, *out_n, v))
            out[(*out_n)++] = v;
    }
    return total;
}

void hs_suites_text(const uint16_t *list, size_t n, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", n ? "" : "none");
    for (size_t i = 0; i < n; i++)
        snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s (0x%04x)", i ? ", " : "",
                 tern_suite_name(list[i]), list[i]);
}

int hs_read_u16_list(tern_conn *c, struct rd list, const char *what, bool (*known)(uint16_t),
                     uint16_t *out, size_t cap, size_t *out_n, size_t *out_total)
{
    if (list.len == 0 || list.len % 2)
        return hs_fail(c, TERN_E_DECODE, "%s: a list of %zu bytes is malformed", what, list.len);
    size_t total = hs_u16_list_keep(list, known, out, cap, out_n);
    if (out_total)
        *out_total = total;
    return TERN_OK;
}

int hs_read_alpn_choice(tern_conn *c, struct rd ext, const char *where)
{
    struct rd name, ours, p;
    struct tern_err err;
    err_init(&err);
    if (hs13_parse_alpn_choice(ext, where, &name, &err) != TERN_OK)
        return hs_fail_err(c, &err);
    /* RFC 7301 §3.1: it must be one we offered. */
    bool found = false;
    rd_init(&ours, c->cfg->alpn, c->cfg->alpn_len);
    while (rd_prefixed8(&ours, &p))
        if (p.len == name.len && !memcmp(p.p, name.p, p.len))
            found = true;
    if (!found)
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "the server selected ALPN protocol '%.*s', which we did not offer",
                       (int)name.len, (const char *)name.p);
    return hs_set_alpn(c, name.p, name.len);
}

int hs_set_alpn(tern_conn *c, const uint8_t *name, size_t len)
{
    hs_free_alpn(c);
    if (len == 0)
        return TERN_OK;
    char *copy = tern_malloc(len + 1);
    if (!copy)
        return hs_fail(c, TERN_E_NOMEM, "out of memory for the ALPN protocol");
    memcpy(copy, name, len);
    copy[len] = '\0';
    c->alpn = copy;
    return TERN_OK;
}

void hs_free_alpn(tern_conn *c)
{
    if (c->alpn && c->alpn[0])
        tern_free((char *)c->alpn);
    c->alpn = "";
}

void hs_write_alpn_choice(struct wr *w, const char *alpn)
{
    if (!alpn[0])
        return;
    wr_u16(w, hs_ext_type(EXT_ALPN));
    size_t e = wr_open_u16(w);
    size_t list = wr_open_u16(w);
    size_t name = wr_open_u8(w);
    wr_bytes(w, alpn, strlen(alpn));
    wr_close(w, name);
    wr_close(w, list);
    wr_close(w, e);
}

int hs_read_alpn_list(tern_conn *c, struct rd ext, struct rd *out_list)
{
    struct tern_err err;
    err_init(&err);
    if (hs13_parse_alpn_list(ext, out_list, &err) != TERN_OK)
        return hs_fail_err(c, &err);
    return TERN_OK;
}

/* SNI (RFC 6066 §3) and ALPN (RFC 7301 §3.2), for both TLS versions. */
int hs_read_sni_alpn(tern_conn *c, const struct hs_exts *ext)
{
    if (hs_ext_has(ext, EXT_SERVER_NAME)) {
        struct rd name;
        struct tern_err err;
        err_init(&err);
        if (hs13_parse_sni(ext->body[EXT_SERVER_NAME], &name, &err) != TERN_OK)
            return hs_fail_err(c, &err);
        tern_free(c->server_name);
        c->server_name = tern_malloc(name.len + 1);
        if (!c->server_name)
            return hs_fail(c, TERN_E_NOMEM, "out of memory");
        memcpy(c->server_name, name.p, name.len);
        c->server_name[name.len] = '\0';
    }
    hs_free_alpn(c);
    struct rd theirs = {0};
    /* Checked whether or not we speak ALPN: a malformed extension is an
     * error either way. */
    if (hs_ext_has(ext, EXT_ALPN))
        TRY(hs_read_alpn_list(c, ext->body[EXT_ALPN], &theirs));
    if (hs_ext_has(ext, EXT_ALPN) && c->cfg->alpn_select_cb)
        return hs_alpn_select(c, theirs); /* the application chooses (hs/hooks.c) */
    if (hs_ext_has(ext, EXT_ALPN) && c->cfg->alpn_len) {
        /* Our preference order. */
        struct rd ours, p;
        rd_init(&ours, c->cfg->alpn, c->cfg->alpn_len);
        while (!c->alpn[0] && rd_prefixed8(&ours, &p)) {
            struct rd t = theirs, q;
            while (rd_prefixed8(&t, &q))
                if (q.len == p.len && !memcmp(q.p, p.p, p.len)) {
                    TRY(hs_set_alpn(c, p.p, p.len));
                    break;
                }
        }
        if (!c->alpn[0])
            return hs_fail(c, TERN_E_NO_APPLICATION_PROTOCOL,
                           "none of the client's ALPN protocols is one this server speaks");
    }
    return TERN_OK;
}

size_t hs_msg_begin(struct wr *w, uint8_t type)
{
    wr_u8(w, type);
    return wr_open_u24(w);
}

void hs_msg_end(struct wr *w, size_t mark)
{
    wr_close(w, mark);
}

int hs_msg_send(tern_conn *c, struct wr *w, size_t mark, const char *name)
{
    hs_msg_end(w, mark);
    if (!wr_ok(w) && w->growable)
        return hs_fail(c, TERN_E_NOMEM, "out of memory building %s", name);
    if (!wr_ok(w))
        return hs_fail(c, TERN_E_INTERNAL, "our %s does not fit its %zu-byte buffer", name, w->cap);
    return hs_send(c, w->buf, w->len);
}

int hs_transcript_start(tern_conn *c, enum cry_hash h)
{
    c->hash = h;
    if (cry_hash_init(&c->th, h) != TERN_OK)
        return hs_fail(c, TERN_E_INTERNAL, "could not start the transcript hash");
    return TERN_OK;
}

int hs_transcript_add(tern_conn *c, const uint8_t *p, size_t n)
{
    if (!c->th.impl) {
        /* The hash is not known before ServerHello: keep the bytes. */
        wr_bytes(&c->ch_buf, p, n);
        return wr_ok(&c->ch_buf) ? TERN_OK
                                 : hs_fail(c, TERN_E_NOMEM, "out of memory keeping ClientHello");
    }
    if (cry_hash_update(&c->th, p, n) != TERN_OK)
        return hs_fail(c, TERN_E_INTERNAL, "updating the transcript hash failed");
    return TERN_OK;
}

int hs_transcript_hash(tern_conn *c, uint8_t *out)
{
    if (cry_hash_peek(&c->th, out) != TERN_OK)
        return hs_fail(c, TERN_E_INTERNAL, "reading the transcript hash failed");
    return TERN_OK;
}

void hs_connected(tern_conn *c, const char *group, const char *explain)
{
    wr_free(&c->ch_buf);
    c->state = HS_CONNECTED;
    char rt[32];
    snprintf(rt, sizeof(rt), "%d", c->round_trips);
    struct tern_trace_fact f[] = {
        {"version", tern_version_name(c->version)},
        {"cipher_suite", tern_suite_name(c->suite)},
        {"group", group},
        {"round_trips", rt},
        {"alpn", c->alpn[0] ? c->alpn : "(none)"},
    };
    hs_trace(c, TERN_TRACE_DONE, TERN_DIR_LOCAL, "handshake complete", explain, 0, f,
             sizeof(f) / sizeof(f[0]));
}

/* trace_sent_certificate traces the Certificate message we sent. */
static void trace_sent_certificate(tern_conn *c, size_t bytes)
{
    char n[16];
    size_t count = c->cert ? c->cert->chain_n : 0;
    snprintf(n, sizeof(n), "%zu", count);
    struct tern_trace_fact f[] = {{"certificates", n},
                                  {"chain", c->cert ? c->cert->chain_text : ""}};
    hs_trace_msg(c, true, "Certificate",
                 count ? "We sent our certificate chain: who we claim to be, vouched "
                         "for by an authority the peer can check."
                       : "We have no certificate to offer, so we sent an empty list.",
                 bytes, f, count ? 2 : 1);
}

int hs_send_certificate(tern_conn *c, bool tls13, const uint8_t *context, size_t context_len)
{
    const struct hs_cert *k = c->cert; /* NULL: a client with no certificate */
    struct wr w;
    wr_init_grow(&w);
    size_t m = hs_msg_begin(&w, HS_CERTIFICATE);
    if (tls13) {
        size_t ctx = wr_open_u8(&w);
        wr_bytes(&w, context, context_len);
        wr_close(&w, ctx);
    }
    size_t list = wr_open_u24(&w);
    for (size_t i = 0; k && i < k->chain_n; i++) {
        size_t e = wr_open_u24(&w);
        wr_bytes(&w, k->chain[i], k->chain_len[i]);
        wr_close(&w, e);
        if (tls13)
            wr_u16(&w, 0); /* no per-certificate extensions */
    }
    wr_close(&w, list);
    int rc = hs_msg_send(c, &w, m, "Certificate");
    if (rc == TERN_OK)
        trace_sent_certificate(c, w.len);
    wr_free(&w);
    return rc;
}

int hs_take_peer_certificates(tern_conn *c, const struct rd *certs, size_t n, const uint8_t *msg,
                              size_t len, int missing_code)
{
    TRY(hs_transcript_add(c, msg, len));
    char cnt[16];
    snprintf(cnt, sizeof(cnt), "%zu", n);
    struct tern_trace_fact f[] = {{"certificates", cnt}};
    hs_trace_msg(c, false, "Certificate",
                 "The peer sent its certificate chain: its public key, its names, and the "
                 "signatures of the authorities that vouch for it.",
                 len, f, 1);
    if (n == 0) {
        if (!c->is_server)
            return hs_fail(c, TERN_E_DECODE, "the server sent an empty certificate list");
        hs_peer_none(c); /* the verdict says so (tern_conn_peer_verdict) */
        if (c->client_auth == TERN_CLIENT_AUTH_REQUIRED)
            return hs_fail(c, missing_code,
                           "the client sent no certificate, but this server requires one");
        /* optional: go on without a client identity */
        c->proofs |= PROOF_PEER_CHAIN;
        return TERN_OK;
    }
    return hs_check_peer_chain(c, certs, n);
}

int hs_send_certificate_verify(tern_conn *c, uint16_t scheme, const uint8_t *content, size_t clen,
                               const char *explain)
{
    uint8_t sig[1024];
    size_t sig_len;
    int rc = hs_key_sign(c, scheme, content, clen, sig, sizeof(sig), &sig_len);
    if (rc == TERN_WANT_ASYNC) { /* hs_key_done sends it (hs/keyops.c) */
        c->async_pending = true;
        c->async_scheme = scheme;
        c->async_explain = explain;
        return rc;
    }
    if (rc != TERN_OK)
        return c->err.code ? c->err.code
                           : hs_fail(c, TERN_E_INTERNAL, "signing CertificateVerify with %s failed",
                                     tern_sig_scheme_name(scheme));
    return hs_cv_send(c, scheme, sig, sig_len, explain);
}

int hs_cv_send(tern_conn *c, uint16_t scheme, const uint8_t *sig, size_t sig_len,
               const char *explain)
{
    uint8_t buf[1100];
    struct wr w;
    wr_init_fixed(&w, buf, sizeof(buf));
    size_t m = hs_msg_begin(&w, HS_CERTIFICATE_VERIFY);
    wr_u16(&w, scheme);
    size_t s = wr_open_u16(&w);
    wr_bytes(&w, sig, sig_len);
    wr_close(&w, s);
    TRY(hs_msg_send(c, &w, m, "CertificateVerify"));
    struct tern_trace_fact f[] = {{"scheme", tern_sig_scheme_name(scheme)}};
    hs_trace_msg(c, true, "CertificateVerify", explain, w.len, f, 1);
    return TERN_OK;
}

int hs_took_cert_request(tern_conn *c, const uint8_t *msg, size_t len)
{
    c->cert_requested = true;
    TRY(hs_transcript_add(c, msg, len));
    hs_trace_msg(c, false, "CertificateRequest",
                 "The server asks us to prove who we are with a certificate of our own "
                 "(mutual TLS).",
                 len, NULL, 0);
    return TERN_OK;
}

int hs_accept_finished(tern_conn *c, const uint8_t *want, const uint8_t *got, size_t n,
                       const uint8_t *msg, size_t len)
{
    if (!tern_ct_eq(want, got, n) && !cry_fuzz_relaxed())
        return hs_fail(c, TERN_E_DECRYPT,
                       "the %s's Finished does not match the handshake we saw: a message "
                       "was altered or the keys differ",
                       c->is_server ? "client" : "server");
    c->proofs |= PROOF_PEER_FINISHED;
    TRY(hs_transcript_add(c, msg, len));
    struct tern_trace_fact f[] = {{"check", "Finished MAC verified"}};
    hs_trace_msg(c, false, "Finished",
                 "The peer's MAC over the handshake so far matches the one we computed, so "
                 "both sides saw the same messages and hold the same keys.",
                 len, f, 1);
    return TERN_OK;
}

const char *hs_state_name(enum hs_state s)
{
    switch (s) {
    case HS_START:
        return "before the handshake";
    case HS_C_WAIT_SH:
        return "while waiting for the ServerHello";
    case HS_C_WAIT_EE:
        return "while waiting for EncryptedExtensions";
    case HS_C_WAIT_CERT_CR:
        return "while waiting for the server's Certificate or CertificateRequest";
    case HS_C_WAIT_CERT:
    case HS_C12_WAIT_CERT:
        return "while waiting for the server's Certificate";
    case HS_C_WAIT_CV:
        return "while waiting for the server's CertificateVerify";
    case HS_C_WAIT_FINISHED:
    case HS_C12_WAIT_FINISHED:
        return "while waiting for the server's Finished";
    case HS_S_WAIT_CH:
        return "while waiting for the ClientHello";
    case HS_S_WAIT_CH2:
        return "while waiting for the second ClientHello (after HelloRetryRequest)";
    case HS_S_WAIT_CERT:
    case HS_S12_WAIT_CERT:
        return "while waiting for the client's Certificate";
    case HS_S_WAIT_CV:
    case HS_S12_WAIT_CV:
        return "while waiting for the client's CertificateVerify";
    case HS_S_WAIT_FINISHED:
    case HS_S12_WAIT_FINISHED:
        return "while waiting for the client's Finished";
    case HS_C12_WAIT_SKE:
        return "while waiting for the ServerKeyExchange";
    case HS_C12_WAIT_CR_DONE:
        return "while waiting for a CertificateRequest or the ServerHelloDone";
    case HS_C12_WAIT_DONE:
        return "while waiting for the ServerHelloDone";
    case HS_C12_WAIT_CCS:
        return "while waiting for the server's ChangeCipherSpec";
    case HS_S12_WAIT_CKE:
        return "while waiting for the ClientKeyExchange";
    case HS_S12_WAIT_CCS:
        return "while waiting for the client's ChangeCipherSpec";
    case HS_CONNECTED:
        return "after the handshake";
    case HS_CLOSED:
        return "after close_notify";
    case HS_FAILED:
        return "after the connection failed";
    }
    return "in an unknown state";
}
