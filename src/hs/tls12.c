/* TLS 1.2 pieces both roles share: suites, the PRF (RFC 5246 §5), the
 * extended master secret (RFC 7627), the key block (RFC 5246 §6.3), the
 * message codecs, Certificate and Finished. */
#include "base/mem.h"
#include "hs/internal.h"
#include "hs/peer.h"
#include "hs/session.h"

#include <stdio.h>
#include <string.h>

static const struct hs_suite12 suites12[] = {
    {TERN_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, CRY_AES_128_GCM, CRY_SHA256,
     HS12_KX_ECDHE_ECDSA},
    {TERN_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, CRY_AES_256_GCM, CRY_SHA384,
     HS12_KX_ECDHE_ECDSA},
    {TERN_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, CRY_CHACHA20_POLY1305, CRY_SHA256,
     HS12_KX_ECDHE_ECDSA},
    {TERN_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, CRY_AES_128_GCM, CRY_SHA256, HS12_KX_ECDHE_RSA},
    {TERN_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, CRY_AES_256_GCM, CRY_SHA384, HS12_KX_ECDHE_RSA},
    {TERN_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, CRY_CHACHA20_POLY1305, CRY_SHA256,
     HS12_KX_ECDHE_RSA},
    {TERN_TLS_RSA_WITH_AES_128_GCM_SHA256, CRY_AES_128_GCM, CRY_SHA256, HS12_KX_RSA},
    {TERN_TLS_RSA_WITH_AES_256_GCM_SHA384, CRY_AES_256_GCM, CRY_SHA384, HS12_KX_RSA},
};

const struct hs_suite12 *hs_suite12(uint16_t id)
{
    for (size_t i = 0; i < sizeof(suites12) / sizeof(suites12[0]); i++)
        if (suites12[i].id == id)
            return &suites12[i];
    return NULL;
}

bool hs12_group_ok(uint16_t group)
{
    return (group == TERN_GROUP_X25519 || group == TERN_GROUP_SECP256R1 ||
            group == TERN_GROUP_SECP384R1) &&
           cry_kex_supported(group);
}

/* ---- PRF (RFC 5246 §5) ---- */

int hs12_prf(enum cry_hash h, const uint8_t *secret, size_t secret_len, const char *label,
             const uint8_t *seed1, size_t seed1_len, const uint8_t *seed2, size_t seed2_len,
             uint8_t *out, size_t out_len)
{
    size_t hl = cry_hash_len(h);
    size_t label_len = strlen(label);
    if (hl == 0 || label_len > 64 || seed1_len > 64 || seed2_len > 64)
        return TERN_E_ARG;
    /* seed = label || seed1 || seed2; A(0) = seed, A(i) = HMAC(secret, A(i-1));
     * P_hash = HMAC(secret, A(1) || seed) || HMAC(secret, A(2) || seed) || ... */
    uint8_t buf[CRY_MAX_HASH + 64 * 3];
    struct wr w;
    wr_init_fixed(&w, buf, sizeof(buf));
    wr_zeros(&w, hl); /* room for A(i) */
    wr_bytes(&w, label, label_len);
    wr_bytes(&w, seed1, seed1_len);
    if (seed2_len)
        wr_bytes(&w, seed2, seed2_len);
    if (!wr_ok(&w))
        return TERN_E_INTERNAL;
    const uint8_t *seed = buf + hl;
    size_t seed_len = w.len - hl;
    uint8_t a[CRY_MAX_HASH], block[CRY_MAX_HASH];
    int rc = cry_hmac(h, secret, secret_len, seed, seed_len, a); /* A(1) */
    size_t done = 0;
    while (rc == TERN_OK && done < out_len) {
        memcpy(buf, a, hl);
        rc = cry_hmac(h, secret, secret_len, buf, w.len, block);
        if (rc != TERN_OK)
            break;
        size_t n = out_len - done < hl ? out_len - done : hl;
        memcpy(out + done, block, n);
        done += n;
        if (done < out_len)
            rc = cry_hmac(h, secret, secret_len, a, hl, a);
    }
    tern_memzero(a, sizeof(a));
    tern_memzero(block, sizeof(block));
    tern_memzero(buf, sizeof(buf));
    return rc;
}

/* ---- codecs ---- */

int hs12_parse_signed(struct rd body, uint16_t *out_scheme, struct rd *out_sig,
                      struct tern_err *err)
{
    /* RFC 5246 §4.7: digitally-signed struct { SignatureAndHashAlgorithm
     * algorithm; opaque signature<0..2^16-1>; }. An empty signature is
     * well-formed: it fails verification (decrypt_error), not decoding. */
    if (!rd_u16(&body, out_scheme) || !rd_prefixed16(&body, out_sig) || !rd_empty(&body))
        return err_set(err, TERN_E_DECODE,
                       "a TLS 1.2 signature (scheme and signature bytes) is malformed or "
                       "followed by %zu stray bytes",
                       body.len);
    return TERN_OK;
}

int hs12_parse_ske(struct rd body, struct hs12_ske *out, struct tern_err *err)
{
    struct rd start = body;
    uint8_t curve_type;
    if (!rd_u8(&body, &curve_type))
        return err_set(err, TERN_E_DECODE, "ServerKeyExchange is empty");
    /* RFC 8422 §5.4: only named_curve (3); explicit curves are deprecated. */
    if (curve_type != 3)
        return err_set(err, TERN_E_ILLEGAL_PARAMETER,
                       "ServerKeyExchange uses curve type %u; only named curves (3) are allowed",
                       curve_type);
    if (!rd_u16(&body, &out->group) || !rd_prefixed8(&body, &out->point) || out->point.len == 0)
        return err_set(err, TERN_E_DECODE, "ServerKeyExchange: the ECDH parameters are truncated");
    rd_init(&out->params, start.p, start.len - body.len);
    return hs12_parse_signed(body, &out->scheme, &out->sig, err);
}

int hs12_parse_cke(struct rd body, bool rsa, struct rd *out, struct tern_err *err)
{
    bool ok = rsa ? rd_prefixed16_nonempty(&body, out) : rd_prefixed8(&body, out) && out->len;
    if (!ok || !rd_empty(&body))
        return err_set(err, TERN_E_DECODE,
                       "ClientKeyExchange: the %s is malformed (%zu stray bytes)",
                       rsa ? "encrypted pre-master secret" : "ECDH public value", body.len);
    return TERN_OK;
}

int hs12_parse_cert_request(struct rd body, uint16_t *out_sigs, size_t cap, size_t *out_n,
                            size_t *out_total, struct rd *out_cas, struct tern_err *err)
{
    struct rd types, sigs, cas;
    if (!rd_prefixed8(&body, &types) || types.len == 0 || !rd_prefixed16(&body, &sigs) ||
        sigs.len < 2 || sigs.len % 2 || !rd_prefixed16(&body, &cas) || !rd_empty(&body))
        return err_set(err, TERN_E_DECODE, "CertificateRequest (TLS 1.2) is malformed");
    if (out_cas)
        *out_cas = cas;
    /* The authorities' names: a hint for choosing a certificate. */
    while (!rd_empty(&cas)) {
        struct rd dn;
        if (!rd_prefixed16_nonempty(&cas, &dn))
            return err_set(err, TERN_E_DECODE,
                           "CertificateRequest: a certificate authority name runs past the end");
    }
    /* The whole list: the schemes tern knows are kept (unknown ones skipped). */
    size_t total = hs_u16_list_keep(sigs, hs_known_scheme, out_sigs, cap, out_n);
    if (out_total)
        *out_total = total;
    return TERN_OK;
}

int hs12_parse_certificate(struct rd body, struct rd *out_certs, size_t cap, size_t *out_n,
                           struct tern_err *err)
{
    struct rd list;
    if (!rd_prefixed24(&body, &list) || !rd_empty(&body))
        return err_set(err, TERN_E_DECODE, "Certificate (TLS 1.2): malformed message");
    if (list.len > HS_MAX_CHAIN_BYTES)
        return err_set(err, TERN_E_DECODE,
                       "the peer's certificate list is %zu bytes, over our limit of %u", list.len,
                       HS_MAX_CHAIN_BYTES);
    *out_n = 0;
    while (!rd_empty(&list)) {
        struct rd cert;
        if (!rd_prefixed24(&list, &cert) || cert.len == 0)
            return err_set(err, TERN_E_DECODE,
                           "Certificate: an entry is empty or runs past the end of the list");
        if (*out_n == cap)
            return err_set(err, TERN_E_BAD_CERTIFICATE, "the peer sent more than %zu certificates",
                           cap);
        out_certs[(*out_n)++] = cert;
    }
    return TERN_OK;
}

bool hs12_scheme_fits(uint16_t scheme, enum cry_key_type key)
{
    const struct cry_scheme_info *info = cry_scheme_lookup(scheme);
    if (!info)
        return false;
    switch (info->alg) {
    case CRY_SIG_ECDSA:
        /* RFC 5246 §7.4.1.4.1: in TLS 1.2 the hash is free, the curve is the key's. */
        return key == CRY_KEY_EC_P256 || key == CRY_KEY_EC_P384 || key == CRY_KEY_EC_P521;
    case CRY_SIG_RSA_PKCS1:
        return key == CRY_KEY_RSA && info->hash != CRY_SHA1;
    case CRY_SIG_RSA_PSS:
        return info->key == key;
    case CRY_SIG_ED25519:
        return key == CRY_KEY_ED25519;
    }
    return false;
}

/* ---- state ---- */

int hs12_state_new(tern_conn *c)
{
    if (c->t12)
        return TERN_OK;
    c->t12 = tern_calloc(1, sizeof(*c->t12));
    if (!c->t12)
        return hs_fail(c, TERN_E_NOMEM, "out of memory for the TLS 1.2 handshake state");
    return TERN_OK;
}

void hs12_free(tern_conn *c)
{
    if (!c->t12)
        return;
    if (c->t12->have_kex)
        cry_kex_cleanup(&c->t12->kex);
    if (c->t12->resume)
        tern_free_secret(c->t12->resume, sizeof(*c->t12->resume));
    tern_free_secret(c->t12, sizeof(*c->t12));
    c->t12 = NULL;
}

int hs12_transcript_hash(tern_conn *c, uint8_t *out)
{
    if (cry_hash(c->t12->suite->hash, c->ch_buf.buf, c->ch_buf.len, out) != TERN_OK)
        return hs_fail(c, TERN_E_INTERNAL, "hashing the TLS 1.2 handshake messages failed");
    return TERN_OK;
}

int hs12_pick_scheme(tern_conn *c, uint16_t *out)
{
    for (size_t i = 0; i < c->cfg->n_sigs; i++) {
        uint16_t s = c->cfg->sigs[i];
        if (hs_list_has(c->peer_sigs, c->n_peer_sigs, s) &&
            hs12_scheme_fits(s, c->cert->key.type)) {
            *out = s;
            return TERN_OK;
        }
    }
    return TERN_E_HANDSHAKE_FAILURE;
}

/* ---- the exporter (RFC 5705) ---- */

int hs12_export(tern_conn *c, const char *label, const uint8_t *context, size_t context_len,
                uint8_t *out, size_t len)
{
    size_t ll = strlen(label);
    /* RFC 5705 §4: PRF(master_secret, label, client_random ||
     * server_random [|| context_length(2) || context]); with a context
     * and without one differ. The extended master secret, which tern
     * requires, makes this safe (RFC 7627 §5.4). */
    uint8_t randoms[64], ctx[64];
    size_t ctx_n = 0;
    if (ll == 0 || ll > 64 || len == 0 || len > 16384 || (context && context_len > 62))
        return err_set(NULL, TERN_E_ARG,
                       "TLS 1.2 exporter: label 1 to 64 bytes, context at most 62, length 1 "
                       "to 16384");
    memcpy(randoms, c->client_random, 32);
    memcpy(randoms + 32, c->server_random, 32);
    if (context) {
        ctx[ctx_n++] = (uint8_t)(context_len >> 8);
        ctx[ctx_n++] = (uint8_t)context_len;
        memcpy(ctx + ctx_n, context, context_len);
        ctx_n += context_len;
    }
    int rc = hs12_prf(hs_suite12(c->suite)->hash, c->master12, sizeof(c->master12), label, randoms,
                      sizeof(randoms), ctx, ctx_n, out, len);
    if (rc != TERN_OK)
        tern_memzero(out, len);
    return rc == TERN_OK ? TERN_OK
                         : err_set(NULL, TERN_E_INTERNAL, "deriving keying material failed");
}

/* ---- keys ---- */

int hs12_derive_keys(tern_conn *c)
{
    struct hs12 *t = c->t12;
    enum cry_hash h = t->suite->hash;
    uint8_t session_hash[CRY_MAX_HASH];
    TRY(hs12_transcript_hash(c, session_hash));
    /* RFC 7627 §4: master_secret = PRF(pre_master_secret, "extended master
     * secret", session_hash)[0..47]. */
    int rc = hs12_prf(h, t->pms, t->pms_len, "extended master secret", session_hash,
                      cry_hash_len(h), NULL, 0, t->master, HS12_MASTER_LEN);
    tern_memzero(t->pms, sizeof(t->pms));
    t->pms_len = 0;
    if (rc != TERN_OK)
        return hs_fail(c, TERN_E_INTERNAL, "deriving the TLS 1.2 master secret failed");
    TRY(hs12_key_block(c));
    hs_trace(c, TERN_TRACE_KEYS, TERN_DIR_LOCAL, "master secret",
             "Both sides turned the shared secret and a hash of every message so far (the "
             "extended master secret of RFC 7627) into the same master secret and record keys.",
             0, NULL, 0);
    return TERN_OK;
}

int hs12_key_block(tern_conn *c)
{
    struct hs12 *t = c->t12;
    /* RFC 5246 §6.3: key_block = PRF(master, "key expansion", server_random
     * + client_random); AEAD suites take no MAC keys (RFC 5288 §3). */
    size_t kl = cry_aead_key_len(t->suite->aead);
    size_t il = t->suite->aead == CRY_CHACHA20_POLY1305 ? 12 : 4;
    if (hs12_prf(t->suite->hash, t->master, HS12_MASTER_LEN, "key expansion", c->server_random, 32,
                 c->client_random, 32, t->key_block, 2 * (kl + il)) != TERN_OK)
        return hs_fail(c, TERN_E_INTERNAL, "deriving the TLS 1.2 record keys failed");
    hs_keylog(c, "CLIENT_RANDOM", t->master, HS12_MASTER_LEN);
    return TERN_OK;
}

int hs12_install(tern_conn *c, bool write)
{
    struct hs12 *t = c->t12;
    size_t kl = cry_aead_key_len(t->suite->aead);
    size_t il = t->suite->aead == CRY_CHACHA20_POLY1305 ? 12 : 4;
    /* key_block: client_write_key, server_write_key, client_write_IV,
     * server_write_IV. */
    bool client_dir = write != c->is_server;
    const uint8_t *key = t->key_block + (client_dir ? 0 : kl);
    const uint8_t *iv = t->key_block + 2 * kl + (client_dir ? 0 : il);
    struct tern_err e;
    err_init(&e);
    if (rec_dir_set12(write ? &c->rd_out : &c->rd_in, t->suite->aead, key, kl, iv, il, &e) !=
        TERN_OK)
        return hs_fail_err(c, &e);
    return TERN_OK;
}

/* ---- Certificate (RFC 5246 §7.4.2) ---- */

int hs12_send_certificate(tern_conn *c)
{
    return hs_send_certificate(c, false, NULL, 0);
}

int hs12_recv_certificate(tern_conn *c, struct rd body, const uint8_t *msg, size_t len)
{
    struct rd certs[HS_MAX_CHAIN];
    size_t n;
    struct tern_err err;
    err_init(&err);
    if (hs12_parse_certificate(body, certs, HS_MAX_CHAIN, &n, &err) != TERN_OK)
        return hs_fail_err(c, &err);
    /* RFC 5246 §7.4.6: certificate_required is TLS 1.3's; 1.2 says
     * handshake_failure. */
    return hs_take_peer_certificates(c, certs, n, msg, len, TERN_E_HANDSHAKE_FAILURE);
}

/* ---- Finished (RFC 5246 §7.4.9) ---- */

static int verify_data(tern_conn *c, bool by_client, uint8_t out[HS12_VERIFY_LEN])
{
    uint8_t th[CRY_MAX_HASH];
    TRY(hs12_transcript_hash(c, th));
    const struct hs_suite12 *s = c->t12->suite;
    if (hs12_prf(s->hash, c->t12->master, HS12_MASTER_LEN,
                 by_client ? "client finished" : "server finished", th, cry_hash_len(s->hash), NULL,
                 0, out, HS12_VERIFY_LEN) != TERN_OK)
        return hs_fail(c, TERN_E_INTERNAL, "computing Finished failed");
    return TERN_OK;
}

int hs12_send_finished(tern_conn *c)
{
    uint8_t buf[4 + HS12_VERIFY_LEN] = {HS_FINISHED, 0, 0, HS12_VERIFY_LEN};
    TRY(verify_data(c, !c->is_server, buf + 4));
    int rc = hs_send(c, buf, sizeof(buf));
    tern_memzero(buf, sizeof(buf));
    TRY(rc);
    hs_trace_msg(c, true, "Finished",
                 "We sent a MAC over the handshake so far, computed with the master secret "
                 "(RFC 5246 §7.4.9) and already encrypted: proof that nobody changed a message "
                 "on the way.",
                 sizeof(buf), NULL, 0);
    return TERN_OK;
}

int hs12_recv_finished(tern_conn *c, struct rd body, const uint8_t *msg, size_t len)
{
    if (body.len != HS12_VERIFY_LEN)
        return hs_fail(c, TERN_E_DECODE, "Finished of %zu bytes, expected %d", body.len,
                       HS12_VERIFY_LEN);
    uint8_t want[HS12_VERIFY_LEN];
    TRY(verify_data(c, c->is_server, want));
    int rc = hs_accept_finished(c, want, body.p, HS12_VERIFY_LEN, msg, len);
    tern_memzero(want, sizeof(want));
    return rc;
}

int hs12_complete(tern_conn *c)
{
    TRY(hs_check_proofs(c));
    memcpy(c->master12, c->t12->master, sizeof(c->master12));
    c->have_master12 = true;
    hs12_free(c);
    hs_connected(c, c->group ? tern_group_name(c->group) : "(RSA key transport)",
                 "Both sides hold the same TLS 1.2 record keys, derived and never sent; the "
                 "handshake secrets are wiped and application data can flow.");
    return TERN_OK;
}

/* ---- ChangeCipherSpec and after the handshake ---- */

int hs12_on_ccs(tern_conn *c, const uint8_t *p, size_t len)
{
    bool expected = c->state == HS_C12_WAIT_CCS || c->state == HS_S12_WAIT_CCS;
    if (len != 1 || p[0] != 1 || !expected)
        return hs_fail(c, TERN_E_UNEXPECTED_MESSAGE,
                       "a ChangeCipherSpec record (%zu bytes) where none may come (%s)", len,
                       hs_state_name(c->state));
    if (!c->is_server && c->t12->ticket_expected)
        return hs_fail(c, TERN_E_UNEXPECTED_MESSAGE,
                       "ChangeCipherSpec before the NewSessionTicket the server announced "
                       "(RFC 5077 §3.3)");
    /* RFC 5246 §7.1: CCS must fall on a message boundary. */
    if (hs_msg_pending(c))
        return hs_fail(c, TERN_E_UNEXPECTED_MESSAGE,
                       "ChangeCipherSpec arrived in the middle of a handshake message");
    TRY(hs12_install(c, false));
    /* One per handshake: a second one (plaintext, after the keys changed)
     * meets the connection's rule for stray ChangeCipherSpec records, which
     * refuses it once this is set. */
    c->got_ccs = true;
    hs_trace_wire(c, false, TERN_CONTENT_CCS, p, len);
    hs_trace(c, TERN_TRACE_MESSAGE, c->is_server ? TERN_DIR_TO_SERVER : TERN_DIR_TO_CLIENT,
             "ChangeCipherSpec",
             "The peer switched to the new keys: what it sends next is encrypted.", 1, NULL, 0);
    c->state = c->is_server ? HS_S12_WAIT_FINISHED : HS_C12_WAIT_FINISHED;
    return TERN_OK;
}

int hs12_post_message(tern_conn *c, uint8_t type, struct rd body)
{
    if ((!c->is_server && type == HS12_HELLO_REQUEST) ||
        (c->is_server && type == HS_CLIENT_HELLO)) {
        const char *what = type == HS_CLIENT_HELLO ? "a second ClientHello" : "HelloRequest";
        if (type == HS12_HELLO_REQUEST && !rd_empty(&body))
            return hs_fail(c, TERN_E_DECODE, "a HelloRequest of %zu bytes (it is empty)", body.len);
        /* Refusals cost the peer a message each and us an alert record:
         * past a few, it is a flood, not a peer that missed the first. */
        if (++c->reneg_refused > HS12_MAX_RENEG_REFUSALS)
            return hs_fail(c, TERN_E_UNEXPECTED_MESSAGE,
                           "the %s asked to renegotiate %u times (%s) though refused each time",
                           c->is_server ? "client" : "server", c->reneg_refused, what);
        /* RFC 5246 §7.2.2: no_renegotiation is always a warning; the
         * connection goes on, and the peer decides whether to keep it. */
        struct tern_trace_fact f[] = {{"request", what}};
        hs_trace(c, TERN_TRACE_CHECK, TERN_DIR_LOCAL, "renegotiation refused",
                 "The peer asked for a new handshake on this connection; tern does not "
                 "renegotiate, says so with a warning alert, and keeps the connection as it is.",
                 0, f, 1);
        return hs_send_warning(c, TERN_ALERT_NO_RENEGOTIATION);
    }
    return hs_fail(c, TERN_E_UNEXPECTED_MESSAGE,
                   "unexpected %s (type %u) after the TLS 1.2 handshake", hs_type_name(type), type);
}

int hs12_send_ccs(tern_conn *c)
{
    TRY(hs_send_ccs(c));
    hs_trace(c, TERN_TRACE_MESSAGE, c->is_server ? TERN_DIR_TO_CLIENT : TERN_DIR_TO_SERVER,
             "ChangeCipherSpec", "We switch to the new keys: what we send next is encrypted.", 1,
             NULL, 0);
    return hs12_install(c, true);
}
