/* The TLS 1.2 client (RFC 5246 §7.3), entered when the server's ServerHello
 * chooses TLS 1.2. One handler per state:
 *
 *   WAIT_CERT -> WAIT_SKE (ECDHE) -> WAIT_CR_DONE [-> WAIT_DONE]
 *   -> (send [Certificate] ClientKeyExchange [CertificateVerify] CCS Finished)
 *   -> WAIT_CCS -> WAIT_FINISHED -> CONNECTED */
#include "base/mem.h"
#include "hs/internal.h"
#include "hs/session.h"

#include <stdio.h>
#include <string.h>

/* RFC 8446 §4.1.3: the last 8 bytes of a downgrading server's random. */
void hs12_client_hello_exts(tern_conn *c, struct wr *w)
{
    /* RFC 7627 §5.1: extended_master_secret, empty. */
    wr_u16(w, hs_ext_type(EXT_EXTENDED_MASTER_SECRET));
    wr_u16(w, 0);
    /* RFC 5746 §3.4: an empty renegotiated_connection on the first handshake. */
    wr_u16(w, hs_ext_type(EXT_RENEGOTIATION_INFO));
    wr_u16(w, 1);
    wr_u8(w, 0);
    /* RFC 8422 §5.1.2: uncompressed points only. */
    wr_u16(w, hs_ext_type(EXT_EC_POINT_FORMATS));
    wr_u16(w, 2);
    wr_u8(w, 1);
    wr_u8(w, 0);
    c->offered_exts |= 1ull << EXT_EXTENDED_MASTER_SECRET | 1ull << EXT_RENEGOTIATION_INFO |
                       1ull << EXT_EC_POINT_FORMATS;
    /* RFC 5077 §3.2: the ticket of a session to resume, or empty to ask
     * for one; nothing from a client that takes no TLS 1.2 tickets. */
    if (c->cfg->ticket_count == 0)
        return;
    wr_u16(w, hs_ext_type(EXT_SESSION_TICKET));
    size_t e = wr_open_u16(w);
    if (c->t12 && c->t12->resume)
        wr_bytes(w, c->t12->resume->ticket, c->t12->resume->ticket_len);
    wr_close(w, e);
    c->offered_exts |= 1ull << EXT_SESSION_TICKET;
}

bool hs12_client_offer_session(tern_conn *c, const struct hs_session *s)
{
    if (c->cfg->min_version > TERN_TLS12 || !hs_suite12(s->suite) ||
        !hs_list_has(c->cfg->suites, c->cfg->n_suites, s->suite) ||
        (s->ticket_len == 0 && s->session_id_len == 0) ||
        (s->ticket_len != 0 && c->cfg->ticket_count == 0) || !s->ems ||
        hs12_state_new(c) != TERN_OK)
        return false;
    c->t12->resume = tern_memdup(s, sizeof(*s));
    if (!c->t12->resume)
        return false;
    if (s->ticket_len == 0) {
        /* RFC 5246 §7.4.1.2: the session's ID; an echo resumes it. */
        memcpy(c->session_id, s->session_id, s->session_id_len);
        c->session_id_len = s->session_id_len;
    } else if (c->session_id_len == 0) {
        /* RFC 5077 §3.4: a session id, so that the server's echo says it
         * accepted the ticket. */
        if (hs_random(c, c->session_id, 32) != TERN_OK)
            return false;
        c->session_id_len = 32;
    }
    bool ticket = s->ticket_len != 0;
    struct tern_trace_fact f[] = {{"ticket_for", s->server_name},
                                  {"version", "TLS 1.2"},
                                  {"by", ticket ? "ticket" : "session ID"}};
    hs_trace(c, TERN_TRACE_CHECK, TERN_DIR_LOCAL, "session ticket",
             ticket ? "We hold a TLS 1.2 ticket from an earlier visit to this server and offer "
                      "it, hoping for an abbreviated handshake."
                    : "We hold a TLS 1.2 session from an earlier visit to this server and offer "
                      "its session ID, hoping the server still keeps it (an abbreviated "
                      "handshake).",
             0, f, 3);
    return true;
}

/* complete12 completes the handshake (hs12_complete) and then keeps a
 * session the server keeps under an ID, when it gave no ticket: after a
 * full handshake, or again after resuming it (an ID, unlike a ticket, may
 * be offered again). Only a handshake that completed leaves a session. */
static int complete12(tern_conn *c)
{
    struct hs12 *t = c->t12;
    bool keep = !t->got_ticket && c->session_id_len && c->server_name &&
                !(c->resumed && (!t->resume || t->resume->ticket_len)); /* a ticket's echo */
    struct hs_session s;
    memset(&s, 0, sizeof(s));
    if (keep) {
        s.version = TERN_TLS12;
        s.suite = c->suite;
        memcpy(s.psk, t->master, HS12_MASTER_LEN);
        s.psk_len = HS12_MASTER_LEN;
        s.ems = true;
        if (c->resumed) {
            s.issued_ms = t->resume->issued_ms;
            s.lifetime_s = t->resume->lifetime_s;
        } else {
            s.issued_ms = hs_now_ms();
            s.lifetime_s = 86400; /* the server decides; tern keeps one a day at most */
        }
        memcpy(s.session_id, c->session_id, c->session_id_len);
        s.session_id_len = c->session_id_len;
    }
    int rc = hs12_complete(c); /* frees t */
    if (rc == TERN_OK && keep) {
        struct rd none = {0};
        hs_keep_client_session(c, &s, none); /* wipes s */
    }
    hs_session_wipe(&s);
    return rc;
}

int hs12_client_server_hello(tern_conn *c, struct hs_server_hello *sh, const uint8_t *msg,
                             size_t len)
{
    /* hs/hello.c parsed it and chose TLS 1.2; the extensions by 1.2's table. */
    TRY(hs_parse_server_hello_exts(c, sh, EXT_IN_SH12, 0, "ServerHello"));
    uint16_t suite = sh->suite;
    uint8_t comp = sh->compression;
    const uint8_t *random = sh->random;
    struct rd sid = sh->session_id;
    const struct hs_suite12 *s = hs_suite12(suite);
    if (!s || !hs_list_has(c->cfg->suites, c->cfg->n_suites, suite))
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "the server chose cipher suite 0x%04x (%s) for TLS 1.2, which we did not "
                       "offer",
                       suite, tern_suite_name(suite));
    if (comp != 0)
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "the server chose compression method %u; tern allows only null", comp);
    /* RFC 5077 §3.4: an echo of our session id accepts the ticket we sent;
     * without a ticket it would be a session we never had. */
    bool resumed = false;
    if (sid.len && sid.len == c->session_id_len && !memcmp(sid.p, c->session_id, sid.len)) {
        if (!c->t12 || !c->t12->resume)
            return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                           "the server claims to resume a TLS 1.2 session we never had");
        if (suite != c->t12->resume->suite)
            return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                           "the server resumed our session with %s, but it used %s",
                           tern_suite_name(suite), tern_suite_name(c->t12->resume->suite));
        resumed = true;
    }
    if (!hs_ext_has(&sh->ext, EXT_RENEGOTIATION_INFO))
        return hs_fail(c, TERN_E_HANDSHAKE_FAILURE,
                       "the server does not support secure renegotiation signalling (RFC "
                       "5746 renegotiation_info), which tern requires for TLS 1.2");
    struct rd ri = sh->ext.body[EXT_RENEGOTIATION_INFO];
    uint8_t ri_len;
    if (!rd_u8(&ri, &ri_len) || ri_len != 0 || !rd_empty(&ri))
        return hs_fail(c, TERN_E_HANDSHAKE_FAILURE,
                       "the server's renegotiation_info is not empty on a first handshake "
                       "(RFC 5746 §3.4)");
    if (!hs_ext_has(&sh->ext, EXT_EXTENDED_MASTER_SECRET))
        return hs_fail(c, TERN_E_HANDSHAKE_FAILURE,
                       "the server does not support the extended master secret (RFC 7627), "
                       "which tern requires for TLS 1.2: without it an attacker can give two "
                       "connections the same keys (the triple handshake attack)");
    if (sh->ext.body[EXT_EXTENDED_MASTER_SECRET].len != 0)
        return hs_fail(c, TERN_E_DECODE, "ServerHello: extended_master_secret is not empty");
    if (hs_ext_has(&sh->ext, EXT_ALPN))
        TRY(hs_read_alpn_choice(c, sh->ext.body[EXT_ALPN], "ServerHello"));
    TRY(hs12_state_new(c));
    c->t12->suite = s;
    c->t12->ticket_expected = hs_ext_has(&sh->ext, EXT_SESSION_TICKET);
    c->version = TERN_TLS12;
    c->suite = suite;
    memcpy(c->server_random, random, 32);
    /* From here on c->session_id is this session's: the server's. */
    memcpy(c->session_id, sid.p, sid.len);
    c->session_id_len = sid.len;
    /* The TLS 1.3 key shares and ticket are of no use now. */
    for (size_t i = 0; i < c->n_kex; i++)
        cry_kex_cleanup(&c->kex[i]);
    c->n_kex = 0;
    if (c->session) {
        tern_free_secret(c->session, sizeof(*c->session));
        c->session = NULL;
    }
    TRY(hs_transcript_add(c, msg, len));
    c->round_trips++;
    bool by_id = resumed && !c->t12->resume->ticket_len;
    struct tern_trace_fact f[] = {
        {"version", "TLS 1.2"},
        {"cipher_suite", tern_suite_name(suite)},
        {"extended_master_secret", "yes"},
        {"secure_renegotiation", "signalled (renegotiation itself refused)"},
        {"resumption", !resumed ? "no"
                       : by_id  ? "the server accepted our session ID"
                                : "the server accepted our ticket"},
    };
    hs_trace_msg(c, false, "ServerHello",
                 by_id ? "The server still keeps our TLS 1.2 session and resumed it by its ID: an "
                         "abbreviated handshake with the earlier session's master secret, no "
                         "certificate this time."
                 : resumed
                     ? "The server accepted our TLS 1.2 ticket: an abbreviated handshake "
                       "with the earlier session's master secret, no certificate this time."
                     : "The server chose TLS 1.2, the older protocol, and a cipher suite; its "
                       "certificate and key exchange follow in the clear.",
                 len, f, 5);
    struct hs12 *t = c->t12;
    if (resumed) {
        memcpy(t->master, t->resume->psk, HS12_MASTER_LEN);
        c->resumed = true;
        /* The original handshake verified the chain and the signature. */
        c->proofs |= PROOF_PEER_CHAIN | PROOF_PEER_SIGNATURE;
        TRY(hs_session_take_peer(c, t->resume));
        TRY(hs12_key_block(c));
    }
    if (t->resume && !resumed) { /* a resumed one is kept again at the end */
        tern_free_secret(t->resume, sizeof(*t->resume));
        t->resume = NULL;
    }
    c->state = resumed ? HS_C12_WAIT_CCS : HS_C12_WAIT_CERT;
    return TERN_OK;
}

/* The certificate's key must be one the suite can use (RFC 8422 §2,
 * RFC 5246 §7.4.2). */
static int check_key_fits_suite(tern_conn *c)
{
    enum cry_key_type k = c->peer_key.type;
    bool ok;
    switch (c->t12->suite->kx) {
    case HS12_KX_ECDHE_ECDSA:
        ok = k == CRY_KEY_EC_P256 || k == CRY_KEY_EC_P384 || k == CRY_KEY_EC_P521 ||
             k == CRY_KEY_ED25519;
        break;
    case HS12_KX_ECDHE_RSA:
        ok = k == CRY_KEY_RSA || k == CRY_KEY_RSA_PSS;
        break;
    default:
        ok = k == CRY_KEY_RSA;
        break;
    }
    if (!ok)
        return hs_fail(c, TERN_E_UNSUPPORTED_CERTIFICATE,
                       "the server's certificate key (type %d) cannot be used with the suite "
                       "it chose, %s",
                       (int)k, tern_suite_name(c->suite));
    return TERN_OK;
}

static int on_server_key_exchange(tern_conn *c, struct rd body, const uint8_t *msg, size_t len)
{
    struct hs12_ske ske;
    struct tern_err err;
    err_init(&err);
    if (hs12_parse_ske(body, &ske, &err) != TERN_OK)
        return hs_fail_err(c, &err);
    if (!hs12_group_ok(ske.group) || !hs_list_has(c->cfg->groups, c->cfg->n_groups, ske.group))
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "the server chose group %s (0x%04x) for ECDHE, which we did not offer",
                       tern_group_name(ske.group), ske.group);
    const struct cry_scheme_info *info = cry_scheme_lookup(ske.scheme);
    if (!info || !hs_list_has(c->cfg->sigs, c->cfg->n_sigs, ske.scheme))
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "the server signed its key exchange with %s (0x%04x), which we did not "
                       "offer",
                       tern_sig_scheme_name(ske.scheme), ske.scheme);
    if (!hs12_scheme_fits(ske.scheme, c->peer_key.type))
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "the server signed with %s, which does not fit its certificate's key",
                       tern_sig_scheme_name(ske.scheme));
    /* RFC 8422 §5.4: the signature covers client_random, server_random and
     * the ServerECDHParams. */
    uint8_t content[64 + 4 + 255];
    struct wr w;
    wr_init_fixed(&w, content, sizeof(content));
    wr_bytes(&w, c->client_random, 32);
    wr_bytes(&w, c->server_random, 32);
    wr_bytes(&w, ske.params.p, ske.params.len);
    if (!wr_ok(&w))
        return hs_fail(c, TERN_E_INTERNAL, "ServerKeyExchange parameters do not fit");
    if (cry_verify(&c->peer_key, info->alg, info->hash, -1, content, w.len, ske.sig.p,
                   ske.sig.len) != TERN_OK)
        return hs_fail(c, TERN_E_DECRYPT,
                       "the server's ServerKeyExchange signature (%s) does not verify with the "
                       "key in its certificate: its key-exchange parameters were altered or "
                       "it does not hold that key",
                       tern_sig_scheme_name(ske.scheme));
    c->proofs |= PROOF_PEER_SIGNATURE;
    c->sig_scheme = ske.scheme;
    c->group = ske.group;
    struct hs12 *t = c->t12;
    int rc = cry_kex_respond(ske.group, ske.point.p, ske.point.len, t->client_share,
                             sizeof(t->client_share), &t->client_share_len, t->pms, sizeof(t->pms),
                             &t->pms_len);
    if (rc != TERN_OK)
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "the server's %s public value (%zu bytes) is invalid",
                       tern_group_name(ske.group), ske.point.len);
    TRY(hs_transcript_add(c, msg, len));
    struct tern_trace_fact f[] = {{"group", tern_group_name(ske.group)},
                                  {"scheme", tern_sig_scheme_name(ske.scheme)},
                                  {"check", "signature verified"}};
    hs_trace_msg(c, false, "ServerKeyExchange",
                 "The server sent its ephemeral key-exchange public value, signed with its "
                 "certificate's key; the signature checks out, so the value really is the "
                 "server's.",
                 len, f, 3);
    c->state = HS_C12_WAIT_CR_DONE;
    return TERN_OK;
}

static int on_certificate_request(tern_conn *c, struct rd body, const uint8_t *msg, size_t len)
{
    struct tern_err err;
    err_init(&err);
    struct rd cas;
    if (hs12_parse_cert_request(body, c->peer_sigs, HS_KNOWN_MAX, &c->n_peer_sigs,
                                &c->n_peer_sigs_sent, &cas, &err) != TERN_OK)
        return hs_fail_err(c, &err);
    TRY(hs_keep_peer_ca_names(c, cas));
    TRY(hs_took_cert_request(c, msg, len));
    c->state = HS_C12_WAIT_DONE;
    return TERN_OK;
}

static int send_client_key_exchange(tern_conn *c)
{
    struct hs12 *t = c->t12;
    uint8_t buf[4 + 2 + 1024];
    struct wr w;
    wr_init_fixed(&w, buf, sizeof(buf));
    size_t m = hs_msg_begin(&w, HS12_CLIENT_KEY_EXCHANGE);
    const char *what;
    if (t->suite->kx == HS12_KX_RSA) {
        /* RFC 5246 §7.4.7.1: client_version (what ClientHello said) and 46
         * random bytes, encrypted to the server's RSA key. */
        t->pms[0] = 0x03;
        t->pms[1] = 0x03;
        if (cry_random_secret(t->pms + 2, 46) != TERN_OK)
            return hs_fail(c, TERN_E_INTERNAL, "drawing the pre-master secret failed");
        t->pms_len = 48;
        uint8_t enc[1024];
        size_t enc_len;
        if (cry_rsa_encrypt_pms(&c->peer_key, t->pms, 48, enc, sizeof(enc), &enc_len) != TERN_OK)
            return hs_fail(c, TERN_E_INTERNAL,
                           "encrypting the pre-master secret to the server's RSA key failed");
        size_t e = wr_open_u16(&w);
        wr_bytes(&w, enc, enc_len);
        wr_close(&w, e);
        what = "We chose a random pre-master secret and sent it encrypted to the server's RSA "
               "key (RSA key transport: no forward secrecy, enabled by configuration).";
    } else {
        size_t e = wr_open_u8(&w);
        wr_bytes(&w, t->client_share, t->client_share_len);
        wr_close(&w, e);
        what = "We sent our ephemeral public value; both sides now compute the same shared "
               "secret without ever sending it.";
    }
    TRY(hs_msg_send(c, &w, m, "ClientKeyExchange"));
    hs_trace_msg(c, true, "ClientKeyExchange", what, w.len, NULL, 0);
    return TERN_OK;
}

static int send_certificate_verify(tern_conn *c)
{
    uint16_t scheme;
    if (hs12_pick_scheme(c, &scheme) != TERN_OK)
        return hs_fail(c, TERN_E_HANDSHAKE_FAILURE,
                       "none of the %zu signature schemes the server accepts (%zu of them "
                       "known to tern) fits our client certificate's key",
                       c->n_peer_sigs_sent, c->n_peer_sigs);
    /* RFC 5246 §7.4.8: the signature covers every handshake message so far. */
    return hs_send_certificate_verify(c, scheme, c->ch_buf.buf, c->ch_buf.len,
                                      "We signed every handshake message so far with our private "
                                      "key, proving we own the certificate we sent.");
}

static int on_server_hello_done(tern_conn *c, struct rd body, const uint8_t *msg, size_t len)
{
    if (!rd_empty(&body))
        return hs_fail(c, TERN_E_DECODE, "ServerHelloDone carries %zu bytes; it is empty",
                       body.len);
    TRY(hs_transcript_add(c, msg, len));
    hs_trace_msg(c, false, "ServerHelloDone", "The server has said everything for this round.", len,
                 NULL, 0);
    if (c->cert_requested) {
        TRY(hs12_send_certificate(c));
        c->t12->client_cert_sent = c->cert != NULL;
    }
    TRY(send_client_key_exchange(c));
    TRY(hs12_derive_keys(c));
    if (c->t12->client_cert_sent)
        TRY(send_certificate_verify(c));
    TRY(hs12_send_ccs(c));
    TRY(hs12_send_finished(c));
    c->state = HS_C12_WAIT_CCS;
    return TERN_OK;
}

/* NewSessionTicket (RFC 5077 §3.3), before the server's ChangeCipherSpec. */
static int on_new_session_ticket(tern_conn *c, struct rd body, const uint8_t *msg, size_t len)
{
    uint32_t hint;
    struct rd ticket;
    if (!rd_u32(&body, &hint) || !rd_prefixed16(&body, &ticket) || !rd_empty(&body))
        return hs_fail(c, TERN_E_DECODE, "malformed NewSessionTicket (TLS 1.2)");
    TRY(hs_transcript_add(c, msg, len));
    c->t12->ticket_expected = false;
    c->t12->got_ticket = ticket.len != 0;
    char life[24];
    snprintf(life, sizeof(life), "%u s", hint);
    struct tern_trace_fact f[] = {{"lifetime_hint", life}};
    hs_trace_msg(c, false, "NewSessionTicket",
                 "The server handed us a TLS 1.2 session ticket; showing it next time resumes "
                 "this session with an abbreviated handshake.",
                 len, f, 1);
    if (ticket.len == 0 || ticket.len > HS_TICKET_MAX || !c->server_name)
        return TERN_OK; /* nothing to keep */
    struct hs_session s;
    memset(&s, 0, sizeof(s));
    s.version = TERN_TLS12;
    s.suite = c->suite;
    memcpy(s.psk, c->t12->master, HS12_MASTER_LEN);
    s.psk_len = HS12_MASTER_LEN;
    s.ems = true;
    s.issued_ms = hs_now_ms();
    /* RFC 5077 §3.3: 0 means unspecified; tern keeps a ticket a day at most. */
    s.lifetime_s = hint == 0 || hint > 86400 ? 86400 : hint;
    hs_keep_client_session(c, &s, ticket);
    return TERN_OK;
}

int hs12_client_message(tern_conn *c, uint8_t type, struct rd body, const uint8_t *msg, size_t len)
{
    /* RFC 5246 §7.4.1.1: a HelloRequest during a handshake is ignored (and
     * is not part of the transcript). */
    if (type == HS12_HELLO_REQUEST && rd_empty(&body))
        return TERN_OK;
    switch (c->state) {
    case HS_C12_WAIT_CERT:
        if (type == HS_CERTIFICATE) {
            TRY(hs12_recv_certificate(c, body, msg, len));
            TRY(check_key_fits_suite(c));
            c->state = c->t12->suite->kx == HS12_KX_RSA ? HS_C12_WAIT_CR_DONE : HS_C12_WAIT_SKE;
            return TERN_OK;
        }
        break;
    case HS_C12_WAIT_SKE:
        if (type == HS12_SERVER_KEY_EXCHANGE)
            return on_server_key_exchange(c, body, msg, len);
        break;
    case HS_C12_WAIT_CR_DONE:
        if (type == HS_CERTIFICATE_REQUEST)
            return on_certificate_request(c, body, msg, len);
        /* fall through */
    case HS_C12_WAIT_DONE:
        if (type == HS12_SERVER_HELLO_DONE)
            return on_server_hello_done(c, body, msg, len);
        break;
    case HS_C12_WAIT_CCS:
        if (type == HS_NEW_SESSION_TICKET && c->t12->ticket_expected)
            return on_new_session_ticket(c, body, msg, len);
        break;
    case HS_C12_WAIT_FINISHED:
        if (type == HS_FINISHED) {
            TRY(hs12_recv_finished(c, body, msg, len));
            if (c->resumed) {
                /* Abbreviated handshake: the server finished first. */
                TRY(hs12_send_ccs(c));
                TRY(hs12_send_finished(c));
                return complete12(c);
            }
            /* RSA key transport has no signature: a Finished made with keys
             * from the pre-master secret proves the server decrypted it,
             * so it holds the certificate's key (RFC 5246 §F.1.1.2). */
            if (c->t12->suite->kx == HS12_KX_RSA)
                c->proofs |= PROOF_PEER_SIGNATURE;
            c->round_trips++;
            return complete12(c);
        }
        break;
    default:
        break;
    }
    return hs_fail(c, TERN_E_UNEXPECTED_MESSAGE, "unexpected %s (type %u) %s (TLS 1.2 client)",
                   hs_type_name(type), type, hs_state_name(c->state));
}
