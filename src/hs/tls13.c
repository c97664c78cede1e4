/* TLS 1.3 pieces both roles share: the transcript, key installation,
 * Certificate, CertificateVerify and Finished (RFC 8446 §4.4). */
#include "base/mem.h"
#include "hs/policy.h"
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

int hs_check_legacy_version(tern_conn *c, uint16_t v, const char *msg)
{
    /* RFC 8446 Appendix D.5: SSL 3.0 (0x0300) MUST be refused this way;
     * anything lower (SSL 2.0's 0x0002, 0x0200, zero) is no better. */
    if (v > 0x0300)
        return TERN_OK;
    return conn_fail(c, TERN_E_PROTOCOL_VERSION,
                     "%s legacy_version is 0x%04x: SSL 3.0 and older are refused whatever "
                     "supported_versions says (RFC 8446 Appendix D.5)",
                     msg, v);
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
        return conn_fail(c, TERN_E_DECODE, "%s: a list of %zu bytes is malformed", what, list.len);
    size_t total = hs_u16_list_keep(list, known, out, cap, out_n);
    if (out_total)
        *out_total = total;
    return TERN_OK;
}

int hs_read_alpn_choice(tern_conn *c, struct rd ext, const char *where)
{
    struct rd list, name, ours, p;
    if (!rd_prefixed16(&ext, &list) || !rd_empty(&ext) || !rd_prefixed8(&list, &name) ||
        name.len == 0 || !rd_empty(&list))
        return conn_fail(c, TERN_E_DECODE, "%s: ALPN must name exactly one protocol", where);
    /* RFC 7301 §3.1: it must be one we offered. */
    bool found = false;
    rd_init(&ours, c->cfg->alpn, c->cfg->alpn_len);
    while (rd_prefixed8(&ours, &p))
        if (p.len == name.len && !memcmp(p.p, name.p, p.len))
            found = true;
    if (!found)
        return conn_fail(c, TERN_E_ILLEGAL_PARAMETER,
                         "the server selected ALPN protocol '%.*s', which we did not offer",
                         (int)name.len, (const char *)name.p);
    memcpy(c->alpn, name.p, name.len);
    c->alpn[name.len] = '\0';
    return TERN_OK;
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
    /* RFC 7301 §3.1: ProtocolName protocol_name_list<2..2^16-1>, each
     * ProtocolName<1..2^8-1>: an empty name, or one running past the list,
     * makes the whole extension malformed, whatever comes before it. */
    struct rd list, name;
    if (!rd_prefixed16_nonempty(&ext, &list) || !rd_empty(&ext))
        return conn_fail(c, TERN_E_DECODE,
                         "ClientHello: malformed ALPN extension (its list is empty or its length "
                         "is wrong)");
    *out_list = list;
    for (size_t i = 1; !rd_empty(&list); i++) {
        if (!rd_prefixed8(&list, &name))
            return conn_fail(c, TERN_E_DECODE,
                             "ClientHello: ALPN protocol name %zu runs past the end of the list",
                             i);
        if (name.len == 0)
            return conn_fail(c, TERN_E_DECODE,
                             "ClientHello: ALPN protocol name %zu is empty (RFC 7301 §3.1)", i);
    }
    return TERN_OK;
}

/* SNI (RFC 6066 §3) and ALPN (RFC 7301 §3.2), for both TLS versions. */
int hs_read_sni_alpn(tern_conn *c, const struct hs_exts *ext)
{
    if (hs_ext_has(ext, EXT_SERVER_NAME)) {
        struct rd sn = ext->body[EXT_SERVER_NAME], list, name;
        uint8_t type;
        if (!rd_prefixed16(&sn, &list) || !rd_empty(&sn) || !rd_u8(&list, &type) ||
            !rd_prefixed16_nonempty(&list, &name) || type != 0)
            return conn_fail(c, TERN_E_DECODE, "ClientHello: malformed server_name");
        if (memchr(name.p, 0, name.len))
            return conn_fail(c, TERN_E_ILLEGAL_PARAMETER, "ClientHello: server_name contains NUL");
        tern_free(c->server_name);
        c->server_name = tern_malloc(name.len + 1);
        if (!c->server_name)
            return conn_fail(c, TERN_E_NOMEM, "out of memory");
        memcpy(c->server_name, name.p, name.len);
        c->server_name[name.len] = '\0';
    }
    c->alpn[0] = '\0';
    struct rd theirs = {0};
    /* Checked whether or not we speak ALPN: a malformed extension is an
     * error either way. */
    if (hs_ext_has(ext, EXT_ALPN))
        TRY(hs_read_alpn_list(c, ext->body[EXT_ALPN], &theirs));
    if (hs_ext_has(ext, EXT_ALPN) && c->cfg->alpn_len) {
        /* Our preference order. */
        struct rd ours, p;
        rd_init(&ours, c->cfg->alpn, c->cfg->alpn_len);
        while (!c->alpn[0] && rd_prefixed8(&ours, &p)) {
            struct rd t = theirs, q;
            while (rd_prefixed8(&t, &q))
                if (q.len == p.len && !memcmp(q.p, p.p, p.len)) {
                    memcpy(c->alpn, p.p, p.len);
                    c->alpn[p.len] = '\0';
                    break;
                }
        }
        if (!c->alpn[0])
            return conn_fail(c, TERN_E_NO_APPLICATION_PROTOCOL,
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
        return conn_fail(c, TERN_E_NOMEM, "out of memory building %s", name);
    if (!wr_ok(w))
        return conn_fail(c, TERN_E_INTERNAL, "our %s does not fit its %zu-byte buffer", name,
                         w->cap);
    return conn_send_hs(c, w->buf, w->len);
}

/* ---- transcript ---- */

int hs_transcript_start(tern_conn *c, enum cry_hash h)
{
    c->hash = h;
    if (cry_hash_init(&c->th, h) != TERN_OK)
        return conn_fail(c, TERN_E_INTERNAL, "could not start the transcript hash");
    return TERN_OK;
}

int hs_transcript_add(tern_conn *c, const uint8_t *p, size_t n)
{
    if (!c->th.impl) {
        /* The hash is not known before ServerHello: keep the bytes. */
        wr_bytes(&c->ch_buf, p, n);
        return wr_ok(&c->ch_buf) ? TERN_OK
                                 : conn_fail(c, TERN_E_NOMEM, "out of memory keeping ClientHello");
    }
    if (cry_hash_update(&c->th, p, n) != TERN_OK)
        return conn_fail(c, TERN_E_INTERNAL, "updating the transcript hash failed");
    return TERN_OK;
}

int hs_transcript_hash(tern_conn *c, uint8_t *out)
{
    if (cry_hash_peek(&c->th, out) != TERN_OK)
        return conn_fail(c, TERN_E_INTERNAL, "reading the transcript hash failed");
    return TERN_OK;
}

/* ---- keys ---- */

static int install(tern_conn *c, struct rec_dir *d, const uint8_t *secret)
{
    const struct hs_suite *s = hs_suite13(c->suite);
    struct tern_err e;
    err_init(&e);
    if (rec_dir_set13(d, s->hash, s->aead, secret, cry_hash_len(s->hash), &e) != TERN_OK)
        return conn_fail_err(c, &e);
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
        return conn_fail(c, TERN_E_INTERNAL, "deriving the handshake secrets failed");
    if (conn_hs_pending(c))
        return conn_fail(c, TERN_E_UNEXPECTED_MESSAGE,
                         "handshake data continues after ServerHello in the same record, across "
                         "a key change (RFC 8446 §5.1)");
    conn_keylog(c, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", c->ks.client_hs, c->ks.hlen);
    conn_keylog(c, "SERVER_HANDSHAKE_TRAFFIC_SECRET", c->ks.server_hs, c->ks.hlen);
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
        return conn_fail(c, TERN_E_INTERNAL, "deriving the application secrets failed");
    conn_keylog(c, "CLIENT_TRAFFIC_SECRET_0", c->ks.client_ap, c->ks.hlen);
    conn_keylog(c, "SERVER_TRAFFIC_SECRET_0", c->ks.server_ap, c->ks.hlen);
    conn_keylog(c, "EXPORTER_SECRET", c->ks.exporter, c->ks.hlen);
    return TERN_OK;
}

int hs13_install_app_keys(tern_conn *c, bool write)
{
    bool ours_client = !c->is_server;
    /* write: our own direction; read: the peer's. */
    bool client_dir = write ? ours_client : !ours_client;
    const uint8_t *secret = client_dir ? c->ks.client_ap : c->ks.server_ap;
    if (!write && conn_hs_pending(c))
        return conn_fail(c, TERN_E_UNEXPECTED_MESSAGE,
                         "handshake data continues after Finished in the same record, across a "
                         "key change (RFC 8446 §5.1)");
    return install(c, write ? &c->rd_out : &c->rd_in, secret);
}

int hs13_complete(tern_conn *c)
{
    unsigned need = PROOF_PEER_FINISHED;
    if (!c->is_server || c->cert_requested)
        need |= PROOF_PEER_CHAIN;
    if (!c->is_server || c->have_peer_key)
        need |= PROOF_PEER_SIGNATURE;
    if ((c->proofs & need) != need)
        return conn_fail(c, TERN_E_INTERNAL,
                         "the handshake reached its end without every check (proofs %#x of %#x)",
                         c->proofs, need);
    uint8_t th[CRY_MAX_HASH];
    TRY(hs_transcript_hash(c, th));
    if (ks13_resumption(&c->ks, th) != TERN_OK)
        return conn_fail(c, TERN_E_INTERNAL, "deriving the resumption secret failed");
    ks13_wipe_handshake(&c->ks);
    for (size_t i = 0; i < c->n_kex; i++)
        cry_kex_cleanup(&c->kex[i]);
    c->n_kex = 0;
    hs_connected(c, tern_group_name(c->group),
                 "Both sides hold the same application traffic keys, derived and never sent; "
                 "the handshake secrets are wiped and application data can flow.");
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

/* ---- Certificate (RFC 8446 §4.4.2) ---- */

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

int hs13_send_certificate(tern_conn *c, const uint8_t *context, size_t context_len)
{
    return hs_send_certificate(c, true, context, context_len);
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

int hs13_recv_certificate(tern_conn *c, struct rd body, const uint8_t *msg, size_t len)
{
    struct rd ctx, list;
    if (!rd_prefixed8(&body, &ctx) || !rd_prefixed24(&body, &list) || !rd_empty(&body))
        return conn_fail(c, TERN_E_DECODE, "Certificate: malformed message of %zu bytes", len);
    if (!c->is_server && ctx.len != 0)
        return conn_fail(c, TERN_E_ILLEGAL_PARAMETER,
                         "the server's Certificate has a non-empty request context (%zu bytes)",
                         ctx.len);
    if (c->is_server &&
        (ctx.len != c->cr_context_len || (ctx.len && memcmp(ctx.p, c->cr_context, ctx.len) != 0)))
        return conn_fail(c, TERN_E_ILLEGAL_PARAMETER,
                         "the client's Certificate does not echo our request context");
    if (list.len > HS_MAX_CHAIN_BYTES)
        return conn_fail(c, TERN_E_DECODE,
                         "the peer's certificate list is %zu bytes, over our limit of %u", list.len,
                         HS_MAX_CHAIN_BYTES);
    struct rd certs[HS_MAX_CHAIN];
    size_t n = 0;
    while (!rd_empty(&list)) {
        struct rd cert, exts;
        if (!rd_prefixed24(&list, &cert) || !rd_prefixed16(&list, &exts))
            return conn_fail(c, TERN_E_DECODE,
                             "Certificate: a certificate entry runs past the "
                             "end of the list");
        if (cert.len == 0)
            return conn_fail(c, TERN_E_DECODE, "Certificate: an empty certificate entry");
        struct hs_exts e;
        struct tern_err err;
        err_init(&err);
        /* RFC 8446 §4.4.2: only extensions we asked for (none) may appear. */
        if (hs_exts_parse(exts, EXT_IN_CT, 0, "Certificate entry", &e, &err) != TERN_OK)
            return conn_fail_err(c, &err);
        if (n == HS_MAX_CHAIN)
            return conn_fail(c, TERN_E_BAD_CERTIFICATE, "the peer sent more than %d certificates",
                             HS_MAX_CHAIN);
        certs[n++] = cert;
    }
    return hs_take_peer_certificates(c, certs, n, msg, len, TERN_E_CERTIFICATE_REQUIRED);
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
            return conn_fail(c, TERN_E_DECODE, "the server sent an empty certificate list");
        hs_peer_none(c);
        if (c->cfg->client_auth == TERN_CLIENT_AUTH_REQUIRED)
            return conn_fail(c, missing_code,
                             "the client sent no certificate, but this server requires one");
        /* optional: go on without a client identity */
        c->proofs |= PROOF_PEER_CHAIN;
        return TERN_OK;
    }
    return hs_check_peer_chain(c, certs, n);
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
        return conn_fail(c, TERN_E_HANDSHAKE_FAILURE,
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

int hs_send_certificate_verify(tern_conn *c, uint16_t scheme, const uint8_t *content, size_t clen,
                               const char *explain)
{
    const struct cry_scheme_info *info = cry_scheme_lookup(scheme);
    uint8_t sig[1024];
    size_t sig_len;
    int rc =
        cry_sign(&c->cert->key, info->alg, info->hash, content, clen, sig, sizeof(sig), &sig_len);
    if (rc != TERN_OK)
        return conn_fail(c, TERN_E_INTERNAL, "signing CertificateVerify with %s failed",
                         tern_sig_scheme_name(scheme));
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

int hs13_recv_certificate_verify(tern_conn *c, struct rd body, const uint8_t *msg, size_t len)
{
    uint16_t scheme;
    struct rd sig;
    if (!rd_u16(&body, &scheme) || !rd_prefixed16(&body, &sig) || !rd_empty(&body))
        return conn_fail(c, TERN_E_DECODE, "CertificateVerify: malformed message of %zu bytes",
                         len);
    const struct cry_scheme_info *info = cry_scheme_lookup(scheme);
    if (!info || info->alg == CRY_SIG_RSA_PKCS1 ||
        !hs_list_has(c->cfg->sigs, c->cfg->n_sigs, scheme))
        return conn_fail(c, TERN_E_ILLEGAL_PARAMETER,
                         "the peer signed with %s (0x%04x), which we did not offer",
                         tern_sig_scheme_name(scheme), scheme);
    bool fits = info->key == c->peer_key.type ||
                (info->alg == CRY_SIG_RSA_PSS && info->key == CRY_KEY_RSA &&
                 c->peer_key.type == CRY_KEY_RSA);
    if (!fits)
        return conn_fail(c, TERN_E_ILLEGAL_PARAMETER,
                         "the peer signed with %s, which does not match its certificate's key",
                         tern_sig_scheme_name(scheme));
    uint8_t content[64 + 34 + CRY_MAX_HASH];
    size_t clen = cv_content(c, !c->is_server, content);
    if (!clen)
        return c->err.code;
    int rc = cry_verify(&c->peer_key, info->alg, info->hash, -1, content, clen, sig.p, sig.len);
    if (rc != TERN_OK)
        return conn_fail(c, TERN_E_DECRYPT,
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

/* ---- Finished (RFC 8446 §4.4.4) ---- */

int hs13_send_finished(tern_conn *c)
{
    uint8_t th[CRY_MAX_HASH], vd[CRY_MAX_HASH];
    TRY(hs_transcript_hash(c, th));
    const uint8_t *base = c->is_server ? c->ks.server_hs : c->ks.client_hs;
    if (ks13_finished(c->hash, base, th, vd) != TERN_OK)
        return conn_fail(c, TERN_E_INTERNAL, "computing our Finished failed");
    uint8_t buf[4 + CRY_MAX_HASH];
    struct wr w;
    wr_init_fixed(&w, buf, sizeof(buf));
    size_t m = hs_msg_begin(&w, HS_FINISHED);
    wr_bytes(&w, vd, c->ks.hlen);
    hs_msg_end(&w, m);
    tern_memzero(vd, sizeof(vd));
    int rc = conn_send_hs(c, buf, w.len);
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
        return conn_fail(c, TERN_E_DECODE, "Finished of %zu bytes, expected %zu", body.len,
                         c->ks.hlen);
    TRY(hs_transcript_hash(c, th));
    const uint8_t *base = c->is_server ? c->ks.client_hs : c->ks.server_hs;
    if (ks13_finished(c->hash, base, th, vd) != TERN_OK)
        return conn_fail(c, TERN_E_INTERNAL, "computing the expected Finished failed");
    int rc = hs_accept_finished(c, vd, body.p, c->ks.hlen, msg, len);
    tern_memzero(vd, sizeof(vd));
    return rc;
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
        return conn_fail(c, TERN_E_DECRYPT,
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
