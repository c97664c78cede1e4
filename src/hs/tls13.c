/* TLS 1.3 pieces both roles share: key installation, reading the peer's
 * Certificate, CertificateVerify and Finished (RFC 8446 §4.4), and what
 * comes after the handshake (KeyUpdate, NewSessionTicket). What TLS 1.2
 * shares too is in handshake.c. */
#include "base/mem.h"
#include "hs/codec13.h"
#include "hs/internal.h"
#include "hs/peer.h"
#include "hs/session.h"

#include <stdio.h>
#include <string.h>

static const struct hs_suite suites13[] = {
    {TERN_TLS_AES_128_GCM_SHA256, CRY_AES_128_GCM, CRY_SHA256},
    {TERN_TLS_AES_256_GCM_SHA384, CRY_AES_256_GCM, CRY_SHA384},
    {TERN_TLS_CHACHA20_POLY1305_SHA256, CRY_CHACHA20_POLY1305, CRY_SHA256},
};

const struct hs_suite *hs_suite13(uint16_t id)
{
    for (size_t i = 0; i < sizeof(suites13) / sizeof(suites13[0]); i++)
        if (suites13[i].id == id)
            return &suites13[i];
    return NULL;
}

/* ---- keys ---- */

static int install(tern_conn *c, struct rec_dir *d, const uint8_t *secret)
{
    const struct hs_suite *s = hs_suite13(c->suite);
    struct tern_err e;
    err_init(&e);
    if (rec_dir_set13(d, s->hash, s->aead, secret, cry_hash_len(s->hash), &e) != TERN_OK)
        return hs_fail_err(c, &e);
    return TERN_OK;
}

int hs13_handshake_keys(tern_conn *c, const uint8_t *dhe, size_t dhe_len)
{
    uint8_t th[CRY_MAX_HASH];
    TRY(hs_transcript_hash(c, th));
    const uint8_t *psk = c->resumed ? c->session->psk : NULL;
    size_t psk_len = c->resumed ? c->session->psk_len : 0;
    if (ks13_init(&c->ks, c->hash, psk, psk_len) != TERN_OK ||
        ks13_handshake(&c->ks, dhe, dhe_len, th) != TERN_OK)
        return hs_fail(c, TERN_E_INTERNAL, "deriving the handshake secrets failed");
    if (hs_msg_pending(c))
        return hs_fail(c, TERN_E_UNEXPECTED_MESSAGE,
                       "handshake data continues after ServerHello in the same record, across "
                       "a key change (RFC 8446 §5.1)");
    hs_keylog(c, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", c->ks.client_hs, c->ks.hlen);
    hs_keylog(c, "SERVER_HANDSHAKE_TRAFFIC_SECRET", c->ks.server_hs, c->ks.hlen);
    TRY(install(c, &c->rd_in, c->is_server ? c->ks.client_hs : c->ks.server_hs));
    TRY(install(c, &c->rd_out, c->is_server ? c->ks.server_hs : c->ks.client_hs));
    hs_trace(c, TERN_TRACE_KEYS, TERN_DIR_LOCAL, "handshake keys",
             dhe_len ? "Both sides combined their key shares into the same secret without ever "
                       "sending it; from here on every message is encrypted with handshake keys."
                     : "Both sides derived handshake keys from the resumed session's secret "
                       "alone (psk_ke: no key exchange, RFC 8446 §7.1); from here on every "
                       "message is encrypted with them.",
             0, NULL, 0);
    return TERN_OK;
}

int hs13_master_keys(tern_conn *c)
{
    uint8_t th[CRY_MAX_HASH];
    TRY(hs_transcript_hash(c, th));
    if (ks13_master(&c->ks, th) != TERN_OK)
        return hs_fail(c, TERN_E_INTERNAL, "deriving the application secrets failed");
    hs_keylog(c, "CLIENT_TRAFFIC_SECRET_0", c->ks.client_ap, c->ks.hlen);
    hs_keylog(c, "SERVER_TRAFFIC_SECRET_0", c->ks.server_ap, c->ks.hlen);
    hs_keylog(c, "EXPORTER_SECRET", c->ks.exporter, c->ks.hlen);
    return TERN_OK;
}

int hs13_install_app_keys(tern_conn *c, bool write)
{
    bool ours_client = !c->is_server;
    /* write: our own direction; read: the peer's. */
    bool client_dir = write ? ours_client : !ours_client;
    const uint8_t *secret = client_dir ? c->ks.client_ap : c->ks.server_ap;
    if (!write && hs_msg_pending(c))
        return hs_fail(c, TERN_E_UNEXPECTED_MESSAGE,
                       "handshake data continues after Finished in the same record, across a "
                       "key change (RFC 8446 §5.1)");
    return install(c, write ? &c->rd_out : &c->rd_in, secret);
}

int hs13_complete(tern_conn *c)
{
    TRY(hs_check_proofs(c));
    uint8_t th[CRY_MAX_HASH];
    TRY(hs_transcript_hash(c, th));
    if (ks13_resumption(&c->ks, th) != TERN_OK)
        return hs_fail(c, TERN_E_INTERNAL, "deriving the resumption secret failed");
    ks13_wipe_handshake(&c->ks);
    for (size_t i = 0; i < c->n_kex; i++)
        cry_kex_cleanup(&c->kex[i]);
    c->n_kex = 0;
    hs_connected(c, tern_group_name(c->group),
                 "Both sides hold the same application traffic keys, derived and never sent; "
                 "the handshake secrets are wiped and application data can flow.");
    return TERN_OK;
}

/* ---- Certificate (RFC 8446 §4.4.2) ---- */

int hs13_send_certificate(tern_conn *c, const uint8_t *context, size_t context_len)
{
    return hs_send_certificate(c, true, context, context_len);
}

int hs13_recv_certificate(tern_conn *c, struct rd body, const uint8_t *msg, size_t len)
{
    _Static_assert(HS13_MAX_CHAIN == HS_MAX_CHAIN && HS13_MAX_CHAIN_BYTES == HS_MAX_CHAIN_BYTES,
                   "the codec's limits are the handshake's");
    struct hs13_certificate ct;
    struct tern_err err;
    err_init(&err);
    if (hs13_parse_certificate(body, 0, &ct, &err) != TERN_OK)
        return hs_fail_err(c, &err);
    struct rd ctx = ct.context;
    if (!c->is_server && ctx.len != 0)
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "the server's Certificate has a non-empty request context (%zu bytes)",
                       ctx.len);
    if (c->is_server &&
        (ctx.len != c->cr_context_len || (ctx.len && memcmp(ctx.p, c->cr_context, ctx.len) != 0)))
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "the client's Certificate does not echo our request context");
    return hs_take_peer_certificates(c, ct.cert, ct.n, msg, len, TERN_E_CERTIFICATE_REQUIRED);
}

/* ---- CertificateVerify (RFC 8446 §4.4.3) ---- */

static size_t cv_content(tern_conn *c, bool by_server, uint8_t *out)
{
    static const char sctx[] = "TLS 1.3, server CertificateVerify";
    static const char cctx[] = "TLS 1.3, client CertificateVerify";
    memset(out, 0x20, 64);
    const char *s = by_server ? sctx : cctx;
    memcpy(out + 64, s, sizeof(sctx)); /* includes the 0 separator */
    size_t n = 64 + sizeof(sctx);
    if (hs_transcript_hash(c, out + n) != TERN_OK)
        return 0;
    return n + cry_hash_len(c->hash);
}

int hs13_pick_scheme(tern_conn *c, uint16_t *out)
{
    for (size_t i = 0; i < c->cfg->n_sigs; i++) {
        uint16_t s = c->cfg->sigs[i];
        if (hs_list_has(c->peer_sigs, c->n_peer_sigs, s) &&
            hs_key_fits_scheme13(s, c->cert->key.type)) {
            *out = s;
            return TERN_OK;
        }
    }
    return TERN_E_HANDSHAKE_FAILURE;
}

int hs13_send_certificate_verify(tern_conn *c)
{
    uint16_t scheme;
    if (hs13_pick_scheme(c, &scheme) != TERN_OK)
        return hs_fail(c, TERN_E_HANDSHAKE_FAILURE,
                       "none of the %zu signature schemes the peer accepts (%zu of them known "
                       "to tern) fits our key",
                       c->n_peer_sigs_sent, c->n_peer_sigs);
    uint8_t content[64 + 34 + CRY_MAX_HASH];
    size_t clen = cv_content(c, c->is_server, content);
    if (!clen)
        return c->err.code;
    if (c->is_server)
        c->sig_scheme = scheme;
    return hs_send_certificate_verify(c, scheme, content, clen,
                                      "We signed the whole conversation so far with our private "
                                      "key, proving we own the certificate rather than replaying "
                                      "it.");
}

int hs13_recv_certificate_verify(tern_conn *c, struct rd body, const uint8_t *msg, size_t len)
{
    uint16_t scheme;
    struct rd sig;
    struct tern_err err;
    err_init(&err);
    if (hs13_parse_certificate_verify(body, &scheme, &sig, &err) != TERN_OK)
        return hs_fail_err(c, &err);
    const struct cry_scheme_info *info = cry_scheme_lookup(scheme);
    if (!info || info->alg == CRY_SIG_RSA_PKCS1 ||
        !hs_list_has(c->cfg->sigs, c->cfg->n_sigs, scheme))
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "the peer signed with %s (0x%04x), which we did not offer",
                       tern_sig_scheme_name(scheme), scheme);
    bool fits = info->key == c->peer_key.type ||
                (info->alg == CRY_SIG_RSA_PSS && info->key == CRY_KEY_RSA &&
                 c->peer_key.type == CRY_KEY_RSA);
    if (!fits)
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "the peer signed with %s, which does not match its certificate's key",
                       tern_sig_scheme_name(scheme));
    uint8_t content[64 + 34 + CRY_MAX_HASH];
    size_t clen = cv_content(c, !c->is_server, content);
    if (!clen)
        return c->err.code;
    int rc = cry_verify(&c->peer_key, info->alg, info->hash, -1, content, clen, sig.p, sig.len);
    if (rc != TERN_OK)
        return hs_fail(c, TERN_E_DECRYPT,
                       "the %s's CertificateVerify signature (%s) does not verify with the key "
                       "in its certificate",
                       c->is_server ? "client" : "server", tern_sig_scheme_name(scheme));
    c->proofs |= PROOF_PEER_SIGNATURE;
    if (!c->is_server)
        c->sig_scheme = scheme;
    TRY(hs_transcript_add(c, msg, len));
    struct tern_trace_fact f[] = {{"scheme", tern_sig_scheme_name(scheme)},
                                  {"check", "signature verified"}};
    hs_trace_msg(c, false, "CertificateVerify",
                 "The peer signed the conversation so far with the private key of its "
                 "certificate; the signature checks out, so it really holds that key.",
                 len, f, 2);
    return TERN_OK;
}

/* ---- after the handshake (both roles) ---- */

int hs13_post_message(tern_conn *c, uint8_t type, struct rd body)
{
    if (type == HS_KEY_UPDATE) {
        uint8_t req;
        struct tern_err ke;
        err_init(&ke);
        if (hs13_parse_key_update(body, &req, &ke) != TERN_OK)
            return hs_fail_err(c, &ke);
        if (hs_msg_pending(c))
            return hs_fail(c, TERN_E_UNEXPECTED_MESSAGE,
                           "data follows KeyUpdate in the same record, across a key change");
        struct tern_err e;
        err_init(&e);
        if (rec_dir_update13(&c->rd_in, &e) != TERN_OK)
            return hs_fail_err(c, &e);
        struct tern_trace_fact f[] = {{"update_requested", req ? "yes" : "no"}};
        hs_trace_msg(c, false, "KeyUpdate",
                     "The peer moved its sending direction to a fresh key derived from the old "
                     "one (RFC 8446 §4.6.3); we now read with the new key and erased the old.",
                     5, f, 1);
        if (++c->key_updates > HS_MAX_KEY_UPDATES)
            return hs_fail(c, TERN_E_UNEXPECTED_MESSAGE,
                           "%u KeyUpdates with no application data between them: more than %d "
                           "is a flood",
                           c->key_updates, HS_MAX_KEY_UPDATES);
        /* RFC 8446 §4.6.3: update_requested is answered with one update of
         * our own before our next application data, however many arrived:
         * conn.c sends it once this input is processed (conn_answer_key_update). */
        if (req && !c->close_sent)
            c->key_update_due = true;
        return TERN_OK;
    }
    if (type == HS_NEW_SESSION_TICKET && !c->is_server)
        return hs_recv_ticket(c, body, 4 + body.len);
    return hs_fail(c, TERN_E_UNEXPECTED_MESSAGE, "unexpected %s (type %u) after the handshake",
                   hs_type_name(type), type);
}

/* ---- Finished (RFC 8446 §4.4.4) ---- */

int hs13_send_finished(tern_conn *c)
{
    uint8_t th[CRY_MAX_HASH], vd[CRY_MAX_HASH];
    TRY(hs_transcript_hash(c, th));
    const uint8_t *base = c->is_server ? c->ks.server_hs : c->ks.client_hs;
    if (ks13_finished(c->hash, base, th, vd) != TERN_OK)
        return hs_fail(c, TERN_E_INTERNAL, "computing our Finished failed");
    uint8_t buf[4 + CRY_MAX_HASH];
    struct wr w;
    wr_init_fixed(&w, buf, sizeof(buf));
    size_t m = hs_msg_begin(&w, HS_FINISHED);
    wr_bytes(&w, vd, c->ks.hlen);
    hs_msg_end(&w, m);
    tern_memzero(vd, sizeof(vd));
    int rc = hs_send(c, buf, w.len);
    tern_memzero(buf, sizeof(buf));
    if (rc != TERN_OK)
        return rc;
    /* RFC 8446 §4.4.4: finished_key comes from the sender's handshake
     * traffic secret, and the MAC covers the transcript so far. */
    hs_trace_msg(c, true, "Finished",
                 c->is_server
                     ? "We sent a MAC over the handshake so far, keyed by a key derived from "
                       "server_handshake_traffic_secret (RFC 8446 §4.4.4): proof that nobody "
                       "changed a message on the way and that we hold the handshake keys."
                     : "We sent a MAC over the handshake so far, keyed by a key derived from "
                       "client_handshake_traffic_secret (RFC 8446 §4.4.4): proof that nobody "
                       "changed a message on the way and that we hold the handshake keys.",
                 w.len, NULL, 0);
    return TERN_OK;
}

int hs13_recv_finished(tern_conn *c, struct rd body, const uint8_t *msg, size_t len)
{
    uint8_t th[CRY_MAX_HASH], vd[CRY_MAX_HASH];
    if (body.len != c->ks.hlen)
        return hs_fail(c, TERN_E_DECODE, "Finished of %zu bytes, expected %zu", body.len,
                       c->ks.hlen);
    TRY(hs_transcript_hash(c, th));
    const uint8_t *base = c->is_server ? c->ks.client_hs : c->ks.server_hs;
    if (ks13_finished(c->hash, base, th, vd) != TERN_OK)
        return hs_fail(c, TERN_E_INTERNAL, "computing the expected Finished failed");
    int rc = hs_accept_finished(c, vd, body.p, c->ks.hlen, msg, len);
    tern_memzero(vd, sizeof(vd));
    return rc;
}
