/* The TLS 1.2 server (RFC 5246 §7.3), entered when a ClientHello offers
 * TLS 1.2 but not TLS 1.3 (tern picks 1.3 whenever it is offered). One
 * handler per state:
 *
 *   (ClientHello: send ServerHello Certificate ServerKeyExchange
 *    [CertificateRequest] ServerHelloDone)
 *   -> [WAIT_CERT] -> WAIT_CKE -> [WAIT_CV] -> WAIT_CCS -> WAIT_FINISHED
 *   -> (send CCS Finished) -> CONNECTED */
#include "base/mem.h"
#include "hs/internal.h"
#include "hs/session.h"
#include "hs/store.h"

#include <stdio.h>
#include <string.h>

/* check_hello12: what TLS 1.2 asks of a ClientHello beyond its structure
 * (hs/hello.c parsed it and chose TLS 1.2). */
static int check_hello12(tern_conn *c, struct hs_client_hello *ch)
{
    /* RFC 5246 §7.4.1.2: null compression must be offered; tern uses nothing else. */
    if (!memchr(ch->compression.p, 0, ch->compression.len))
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "ClientHello does not offer the null compression method; tern refuses "
                       "TLS compression");
    /* RFC 5746 §3.6: the SCSV or an empty renegotiation_info. */
    struct rd s = ch->suites;
    uint16_t v;
    bool fallback = false;
    ch->reneg_signalled = false;
    while (rd_u16(&s, &v)) {
        if (v == HS12_SCSV)
            ch->reneg_signalled = true;
        if (v == HS12_FALLBACK_SCSV)
            fallback = true;
    }
    /* RFC 7507 §3 compares the client's highest version (hs/hello.c read it). */
    uint16_t highest = ch->highest;
    /* RFC 7507 §3: a client retrying with a lower version than it can speak
     * says so; if we could have given it more, someone (or something) made
     * the first attempt fail: inappropriate_fallback. */
    if (fallback && highest < c->cfg->max_version)
        return hs_fail(c, TERN_E_INAPPROPRIATE_FALLBACK,
                       "the client signals a fallback (TLS_FALLBACK_SCSV) with %s as its highest "
                       "version, but this server speaks %s: an earlier attempt was made to fail, "
                       "perhaps by an attacker forcing a downgrade (RFC 7507 §3)",
                       tern_version_name(highest), tern_version_name(c->cfg->max_version));
    if (hs_ext_has(&ch->ext, EXT_RENEGOTIATION_INFO)) {
        struct rd ri = ch->ext.body[EXT_RENEGOTIATION_INFO];
        uint8_t n;
        if (!rd_u8(&ri, &n) || n != 0 || !rd_empty(&ri))
            return hs_fail(c, TERN_E_HANDSHAKE_FAILURE,
                           "ClientHello's renegotiation_info is not empty: a first handshake "
                           "has nothing to bind to (RFC 5746 §3.6)");
        ch->reneg_signalled = true;
    }
    if (!hs_ext_has(&ch->ext, EXT_EXTENDED_MASTER_SECRET))
        return hs_fail(c, TERN_E_HANDSHAKE_FAILURE,
                       "the client does not offer the extended master secret (RFC 7627), which "
                       "tern requires for TLS 1.2: without it an attacker can give two "
                       "connections the same keys (the triple handshake attack)");
    /* RFC 7627 §5.1: its extension_data is empty. */
    if (ch->ext.body[EXT_EXTENDED_MASTER_SECRET].len != 0)
        return hs_fail(c, TERN_E_DECODE,
                       "ClientHello: extended_master_secret carries %zu bytes; it must be empty "
                       "(RFC 7627 §5.1)",
                       ch->ext.body[EXT_EXTENDED_MASTER_SECRET].len);
    if (hs_ext_has(&ch->ext, EXT_EC_POINT_FORMATS)) {
        struct rd pf = ch->ext.body[EXT_EC_POINT_FORMATS], list;
        if (!rd_prefixed8(&pf, &list) || list.len == 0 || !rd_empty(&pf))
            return hs_fail(c, TERN_E_DECODE, "ClientHello: malformed ec_point_formats");
        if (!memchr(list.p, 0, list.len))
            return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                           "ClientHello's ec_point_formats lacks uncompressed (RFC 8422 §5.1.2)");
    }
    return TERN_OK;
}

/* RFC 8422 §5.1: in TLS 1.2 a client's supported_groups also names the
 * curves it can verify ECDSA signatures on; 0 when the key is not ECDSA. */
static uint16_t key_curve(enum cry_key_type k)
{
    return k == CRY_KEY_EC_P256   ? TERN_GROUP_SECP256R1
           : k == CRY_KEY_EC_P384 ? TERN_GROUP_SECP384R1
           : k == CRY_KEY_EC_P521 ? 0x0019
                                  : 0;
}

bool hs12_key_fits(enum hs12_kx kx, enum cry_key_type k)
{
    switch (kx) {
    case HS12_KX_ECDHE_ECDSA:
        return k == CRY_KEY_EC_P256 || k == CRY_KEY_EC_P384 || k == CRY_KEY_EC_P521 ||
               k == CRY_KEY_ED25519;
    case HS12_KX_ECDHE_RSA:
        return k == CRY_KEY_RSA || k == CRY_KEY_RSA_PSS;
    case HS12_KX_RSA:
        return k == CRY_KEY_RSA;
    }
    return false;
}

/* choose picks suite, group and signature scheme, in our order of preference. */
static int choose(tern_conn *c, struct hs_client_hello *ch, const struct hs_suite12 **out_suite,
                  uint16_t *out_group, uint16_t *out_scheme)
{
    tern_config *cfg = c->cfg;
    uint16_t *theirs = ch->suite_list, groups[HS_KNOWN_MAX];
    size_t n_theirs, n_sent, n_groups = 0;
    bool client_groups = hs_ext_has(&ch->ext, EXT_SUPPORTED_GROUPS);
    /* Whole lists, unknown values skipped; chosen in our order below. */
    TRY(hs_read_u16_list(c, ch->suites, "ClientHello's cipher_suites", hs_known_suite, theirs,
                         HS_KNOWN_MAX, &n_theirs, &n_sent));
    ch->n_suites = n_theirs;
    if (hs_ext_has(&ch->ext, EXT_SUPPORTED_GROUPS)) {
        struct rd sg = ch->ext.body[EXT_SUPPORTED_GROUPS], gl;
        if (!rd_prefixed16(&sg, &gl) || !rd_empty(&sg))
            return hs_fail(c, TERN_E_DECODE, "ClientHello: malformed supported_groups");
        TRY(hs_read_u16_list(c, gl, "ClientHello's supported_groups", hs_known_group, groups,
                             HS_KNOWN_MAX, &n_groups, NULL));
    } else {
        /* RFC 8422 §4: without the extension the client takes what comes;
         * secp256r1 is the one every TLS 1.2 client has. */
        groups[n_groups++] = TERN_GROUP_SECP256R1;
    }
    c->n_peer_sigs = 0;
    if (hs_ext_has(&ch->ext, EXT_SIGNATURE_ALGORITHMS)) {
        struct rd sa = ch->ext.body[EXT_SIGNATURE_ALGORITHMS], sl;
        if (!rd_prefixed16(&sa, &sl) || !rd_empty(&sa))
            return hs_fail(c, TERN_E_DECODE, "ClientHello: malformed signature_algorithms");
        TRY(hs_read_u16_list(c, sl, "ClientHello's signature_algorithms", hs_known_scheme,
                             c->peer_sigs, HS_KNOWN_MAX, &c->n_peer_sigs, &c->n_peer_sigs_sent));
    }
    TRY(hs_server_pick_cert(c, &ch->ext, theirs, n_theirs));
    uint16_t group = 0;
    for (size_t i = 0; i < cfg->n_groups && !group; i++)
        if (hs12_group_ok(cfg->groups[i]) && hs_list_has(groups, n_groups, cfg->groups[i]))
            group = cfg->groups[i];
    uint16_t scheme = 0;
    bool have_scheme = hs12_pick_scheme(c, &scheme) == TERN_OK;
    bool common = false, fits = false, curve_missing = false;
    for (size_t i = 0; i < cfg->n_suites; i++) {
        const struct hs_suite12 *s = hs_suite12(cfg->suites[i]);
        if (!s || !hs_list_has(theirs, n_theirs, s->id))
            continue;
        common = true;
        if (!hs12_key_fits(s->kx, c->cert->key.type))
            continue;
        uint16_t curve = key_curve(c->cert->key.type);
        if (curve && client_groups && !hs_list_has(groups, n_groups, curve)) {
            curve_missing = true;
            continue;
        }
        fits = true;
        if (s->kx != HS12_KX_RSA && (!group || !have_scheme))
            continue;
        *out_suite = s;
        *out_group = s->kx == HS12_KX_RSA ? 0 : group;
        *out_scheme = s->kx == HS12_KX_RSA ? 0 : scheme;
        return TERN_OK;
    }
    const char *why =
        !common ? "the client offers no TLS 1.2 suite this server has enabled"
        : !fits && curve_missing
            ? "the client's supported_groups lacks the curve of this server's ECDSA "
              "certificate (RFC 8422 §5.1)"
        : !fits  ? "the suites in common do not fit this server's certificate key"
        : !group ? "no ECDHE group in common (tern uses x25519, secp256r1, secp384r1 in TLS 1.2)"
                 : "none of the client's signature schemes fits this server's certificate key";
    char list[400];
    hs_suites_text(theirs, n_theirs, list, sizeof(list));
    return hs_fail(c, TERN_E_HANDSHAKE_FAILURE,
                   "TLS 1.2: %s; the client offers %zu suites (those tern knows: %s)", why, n_sent,
                   list);
}

static int send_server_hello(tern_conn *c, const struct hs_client_hello *ch)
{
    uint8_t buf[400];
    struct wr w;
    wr_init_fixed(&w, buf, sizeof(buf));
    size_t m = hs_msg_begin(&w, HS_SERVER_HELLO);
    wr_u16(&w, TERN_TLS12);
    wr_bytes(&w, c->server_random, 32);
    /* A new session: its ID when a store keeps it, else none. Resuming:
     * the client's, echoed (RFC 5246 §7.4.1.2; for a ticket, RFC 5077
     * §3.4). */
    size_t sid = wr_open_u8(&w);
    if (c->resumed)
        wr_bytes(&w, ch->session_id.p, ch->session_id.len);
    else
        wr_bytes(&w, c->session_id, c->session_id_len);
    wr_close(&w, sid);
    wr_u16(&w, c->suite);
    wr_u8(&w, 0);
    size_t exts = wr_open_u16(&w);
    if (ch->reneg_signalled) {
        wr_u16(&w, hs_ext_type(EXT_RENEGOTIATION_INFO));
        wr_u16(&w, 1);
        wr_u8(&w, 0);
    }
    wr_u16(&w, hs_ext_type(EXT_EXTENDED_MASTER_SECRET));
    wr_u16(&w, 0);
    if (hs_ext_has(&ch->ext, EXT_EC_POINT_FORMATS) && c->group) {
        wr_u16(&w, hs_ext_type(EXT_EC_POINT_FORMATS));
        wr_u16(&w, 2);
        wr_u8(&w, 1);
        wr_u8(&w, 0);
    }
    if (hs_ext_has(&ch->ext, EXT_SERVER_NAME) && !c->resumed) {
        wr_u16(&w, hs_ext_type(EXT_SERVER_NAME));
        wr_u16(&w, 0);
    }
    if (c->t12->send_ticket) {
        wr_u16(&w, hs_ext_type(EXT_SESSION_TICKET));
        wr_u16(&w, 0);
    }
    hs_write_alpn_choice(&w, c->alpn);
    wr_close(&w, exts);
    TRY(hs_msg_send(c, &w, m, "ServerHello"));
    struct tern_trace_fact f[] = {
        {"version", "TLS 1.2"},
        {"cipher_suite", tern_suite_name(c->suite)},
        {"extended_master_secret", "yes"},
        {"downgrade_sentinel", c->cfg->max_version >= TERN_TLS13 ? "set" : "no"},
        {"resumption", !c->resumed             ? "no"
                       : c->t12->resumed_by_id ? "accepted the client's session ID"
                                               : "accepted the client's ticket"},
    };
    hs_trace_msg(c, true, "ServerHello",
                 c->resumed && c->t12->resumed_by_id
                     ? "We found the client's TLS 1.2 session in our store: an abbreviated "
                       "handshake with the earlier session's master secret."
                 : c->resumed ? "We accepted the client's TLS 1.2 ticket: an abbreviated handshake "
                                "with the earlier session's master secret."
                 : c->cfg->max_version >= TERN_TLS13
                     ? "The client does not offer TLS 1.3, so we chose TLS 1.2 and a cipher "
                       "suite; our certificate and key exchange follow in the clear."
                     : "We chose TLS 1.2, the newest version we are configured for, and a "
                       "cipher suite; our certificate and key exchange follow in the clear.",
                 w.len, f, 5);
    return TERN_OK;
}

static int send_server_key_exchange(tern_conn *c, uint16_t scheme)
{
    struct hs12 *t = c->t12;
    uint8_t share[CRY_KEX_MAX_SHARE];
    size_t share_len;
    if (cry_kex_keygen(&t->kex, c->group, share, sizeof(share), &share_len) != TERN_OK)
        return hs_fail(c, TERN_E_INTERNAL, "generating a %s key failed", tern_group_name(c->group));
    t->have_kex = true;
    /* RFC 8422 §5.4: ServerECDHParams, signed with client_random and
     * server_random in front. */
    uint8_t content[64 + 4 + 255];
    struct wr p;
    wr_init_fixed(&p, content, sizeof(content));
    wr_bytes(&p, c->client_random, 32);
    wr_bytes(&p, c->server_random, 32);
    wr_u8(&p, 3); /* named_curve */
    wr_u16(&p, c->group);
    size_t pt = wr_open_u8(&p);
    wr_bytes(&p, share, share_len);
    wr_close(&p, pt);
    if (!wr_ok(&p))
        return hs_fail(c, TERN_E_INTERNAL, "ServerKeyExchange parameters do not fit");
    uint8_t sig[1024];
    size_t sig_len;
    if (hs_key_sign(c, scheme, content, p.len, sig, sizeof(sig), &sig_len) != TERN_OK)
        return c->err.code ? c->err.code
                           : hs_fail(c, TERN_E_INTERNAL, "signing ServerKeyExchange with %s failed",
                                     tern_sig_scheme_name(scheme));
    uint8_t buf[4 + 300 + 4 + 1024];
    struct wr w;
    wr_init_fixed(&w, buf, sizeof(buf));
    size_t m = hs_msg_begin(&w, HS12_SERVER_KEY_EXCHANGE);
    wr_bytes(&w, content + 64, p.len - 64);
    wr_u16(&w, scheme);
    size_t s = wr_open_u16(&w);
    wr_bytes(&w, sig, sig_len);
    wr_close(&w, s);
    TRY(hs_msg_send(c, &w, m, "ServerKeyExchange"));
    c->sig_scheme = scheme;
    struct tern_trace_fact f[] = {{"group", tern_group_name(c->group)},
                                  {"scheme", tern_sig_scheme_name(scheme)}};
    hs_trace_msg(c, true, "ServerKeyExchange",
                 "We sent a fresh ephemeral public value for the key exchange, signed with our "
                 "certificate's key so the client knows it is ours (forward secrecy).",
                 w.len, f, 2);
    return TERN_OK;
}

static int send_certificate_request(tern_conn *c)
{
    struct wr w;
    wr_init_grow(&w);
    size_t m = hs_msg_begin(&w, HS_CERTIFICATE_REQUEST);
    size_t types = wr_open_u8(&w);
    wr_u8(&w, 1);  /* rsa_sign */
    wr_u8(&w, 64); /* ecdsa_sign (also EdDSA, RFC 8422 §5.5) */
    wr_close(&w, types);
    size_t list = wr_open_u16(&w);
    for (size_t i = 0; i < c->cfg->n_sigs; i++)
        wr_u16(&w, c->cfg->sigs[i]);
    wr_close(&w, list);
    int rc = hs_write_ca_names(c, &w); /* certificate_authorities, perhaps empty */
    if (rc == TERN_OK)
        rc = hs_msg_send(c, &w, m, "CertificateRequest");
    size_t sent = w.len;
    wr_free(&w);
    TRY(rc);
    c->cert_requested = true;
    hs_trace_msg(c, true, "CertificateRequest",
                 "We ask the client to prove its identity with a certificate (mutual TLS).", sent,
                 NULL, 0);
    return TERN_OK;
}

/* resume_fits: may the session s (opened from a ticket or found in the
 * store) resume this connection? Else a full handshake. */
static bool resume_fits(tern_conn *c, const struct hs_client_hello *ch, const struct hs_session *s)
{
    tern_config *cfg = c->cfg;
    const struct hs_suite12 *suite = hs_suite12(s->suite);
    /* RFC 7627 §5.3: only a session made with the extended master secret
     * resumes, and this ClientHello carries the extension (parse_hello
     * requires it of every ClientHello). */
    return s->version == TERN_TLS12 && s->ems && suite && s->psk_len == HS12_MASTER_LEN &&
           hs_list_has(ch->suite_list, ch->n_suites, s->suite) &&
           hs_list_has(cfg->suites, cfg->n_suites, s->suite) &&
           hs12_key_fits(suite->kx, c->cert->key.type) &&
           !strcmp(s->server_name, c->server_name ? c->server_name : "") &&
           !strcmp(s->alpn, c->alpn) &&
           (c->client_auth != TERN_CLIENT_AUTH_REQUIRED || s->peer_cert_hash_len);
}

static int resume_with(tern_conn *c, const struct hs_session *s)
{
    c->t12->suite = hs_suite12(s->suite);
    c->suite = s->suite;
    c->group = 0;
    memcpy(c->t12->master, s->psk, HS12_MASTER_LEN);
    c->resumed = true;
    /* The original handshake verified the client (if it had to). */
    c->proofs |= PROOF_PEER_CHAIN | PROOF_PEER_SIGNATURE;
    return hs_session_take_peer(c, s);
}

/* try_resume opens the client's ticket (RFC 5077 §3.1) or, with a session
 * store, looks up its session ID (RFC 5246 §7.4.1.2). A session that is
 * unknown, does not open or no longer fits means a full handshake, not an
 * error. *resumed says which; a failure to take the session's client
 * identity (out of memory) fails the connection. */
static int try_resume(tern_conn *c, const struct hs_client_hello *ch, bool tickets, bool *resumed)
{
    tern_config *cfg = c->cfg;
    struct rd tk = ch->ext.body[EXT_SESSION_TICKET];
    *resumed = false;
    if (ch->session_id.len == 0)
        return TERN_OK;
    struct hs_session s;
    bool found;
    if (tickets && tk.len != 0) {
        struct tern_err err;
        err_init(&err);
        found = hs_ticket_unseal(c, tk.p, tk.len, hs_now_ms(), &s, &err) == TERN_OK;
    } else if (cfg->have_store) {
        found = hs_store_lookup(c, ch->session_id.p, ch->session_id.len, &s);
        if (found)
            c->t12->resumed_by_id = true;
    } else {
        return TERN_OK;
    }
    bool fits = found && resume_fits(c, ch, &s);
    int rc = fits ? resume_with(c, &s) : TERN_OK;
    if (!fits)
        c->t12->resumed_by_id = false;
    hs_session_wipe(&s);
    *resumed = fits && rc == TERN_OK;
    return rc;
}

/* session12: this connection's session, as a ticket or the store keeps it. */
static void session12(tern_conn *c, struct hs_session *s)
{
    memset(s, 0, sizeof(*s));
    s->version = TERN_TLS12;
    s->suite = c->suite;
    /* (after hs12_complete the master secret is the connection's) */
    memcpy(s->psk, c->t12 ? c->t12->master : c->master12, HS12_MASTER_LEN);
    s->psk_len = HS12_MASTER_LEN;
    s->ems = true;
    s->issued_ms = hs_now_ms();
    s->lifetime_s = c->cfg->ticket_lifetime;
    snprintf(s->server_name, sizeof(s->server_name), "%s", c->server_name ? c->server_name : "");
    snprintf(s->alpn, sizeof(s->alpn), "%s", c->alpn);
    hs_session_set_peer(s, c);
}

/* store_session (full handshakes with a store): the session goes to the
 * store under the ID our ServerHello gave, once the handshake completed. */
static void store_session(tern_conn *c)
{
    struct hs_session s;
    session12(c, &s);
    (void)hs_store_new(c, &s, c->session_id, c->session_id_len);
    hs_session_wipe(&s);
}

/* NewSessionTicket (RFC 5077 §3.3): the session sealed with the ticket key. */
static int send_ticket(tern_conn *c)
{
    tern_config *cfg = c->cfg;
    struct hs_session s;
    session12(c, &s);
    struct wr w;
    wr_init_grow(&w);
    size_t m = hs_msg_begin(&w, HS_NEW_SESSION_TICKET);
    wr_u32(&w, cfg->ticket_lifetime);
    size_t t = wr_open_u16(&w), ticket_at = w.len;
    uint8_t seal_nonce[12];
    int rc = hs_random(c, seal_nonce, sizeof(seal_nonce));
    if (rc == TERN_OK)
        rc = hs_ticket_make(c, &s, seal_nonce, &w);
    hs_session_wipe(&s);
    bool skipped = rc != TERN_OK;
    if (skipped) {
        /* RFC 5077 §3.3: having announced a ticket, the server that will
         * not give one sends an empty ticket. The handshake goes on. */
        hs_ticket_skipped(c, rc);
        if (wr_ok(&w))
            w.len = ticket_at;
        rc = TERN_OK;
    }
    wr_close(&w, t);
    hs_msg_end(&w, m);
    if (!wr_ok(&w))
        rc = hs_fail(c, TERN_E_NOMEM, "out of memory building NewSessionTicket");
    if (rc == TERN_OK)
        rc = hs_send(c, w.buf, w.len);
    if (rc == TERN_OK) {
        char life[24];
        snprintf(life, sizeof(life), "%u s", cfg->ticket_lifetime);
        struct tern_trace_fact f[] = {{"lifetime_hint", life}};
        hs_trace_msg(c, true, "NewSessionTicket",
                     skipped ? "We sent an empty ticket: the session could not be sealed into "
                               "one, so the next visit is a full handshake."
                             : "We gave the client a ticket holding this session, sealed with our "
                               "ticket key, so its next visit can skip the certificate and key "
                               "exchange.",
                     w.len, f, 1);
    }
    wr_free(&w);
    return rc;
}

int hs12_server_client_hello(tern_conn *c, struct hs_client_hello *ch, const uint8_t *msg,
                             size_t len)
{
    const struct hs_suite12 *suite = NULL;
    uint16_t group = 0, scheme = 0;
    TRY(check_hello12(c, ch));
    TRY(hs_read_sni_alpn(c, &ch->ext)); /* the certificate chosen in choose depends on the name */
    TRY(choose(c, ch, &suite, &group, &scheme));
    TRY(hs12_state_new(c));
    struct hs12 *t = c->t12;
    t->suite = suite;
    t->client_version = ch->legacy;
    c->version = TERN_TLS12;
    c->suite = suite->id;
    c->group = group;
    memcpy(c->client_random, ch->random, 32);
    TRY(hs_random(c, c->server_random, 32));
    if (c->cfg->max_version >= TERN_TLS13)
        memcpy(c->server_random + 24, hs_downgrade12, 8);
    c->round_trips++;
    struct tern_trace_fact f[] = {
        {"chosen_suite", tern_suite_name(suite->id)},
        {"chosen_group", group ? tern_group_name(group) : "(RSA key transport)"},
    };
    hs_trace_client_hello(c, hs_msg_body(msg, len), len,
                          "The client proposed its versions, cipher suites, groups, signature "
                          "schemes and the server name it wants; TLS 1.2 is the newest version "
                          "we share.",
                          f, 2);
    TRY(hs_transcript_add(c, msg, len));
    /* Sealed tickets unless the store keeps sessions instead. */
    bool tickets = c->cfg->ticket_count > 0 && c->cfg->ticket_secret_len > 0 &&
                   hs_ext_has(&ch->ext, EXT_SESSION_TICKET) && !hs_store_stateful_tickets(c->cfg);
    bool resumed;
    TRY(try_resume(c, ch, tickets, &resumed));
    if (resumed) {
        /* Abbreviated handshake (RFC 5246 §7.3): the server finishes first,
         * with a fresh ticket first when the sealing hook asked for one
         * (RFC 5077 §3.1). */
        t->send_ticket = tickets && c->ticket_renew;
        TRY(send_server_hello(c, ch));
        if (t->send_ticket)
            TRY(send_ticket(c));
        TRY(hs12_key_block(c));
        TRY(hs12_send_ccs(c));
        TRY(hs12_send_finished(c));
        c->state = HS_S12_WAIT_CCS;
        return TERN_OK;
    }
    t->send_ticket = tickets;
    if (c->cfg->have_store) {
        /* A session ID for the store (RFC 5246 §7.4.1.2). */
        TRY(hs_random(c, c->session_id, HS_STORE_ID_LEN));
        c->session_id_len = HS_STORE_ID_LEN;
    }
    TRY(send_server_hello(c, ch));
    TRY(hs12_send_certificate(c));
    if (suite->kx != HS12_KX_RSA)
        TRY(send_server_key_exchange(c, scheme));
    if (c->client_auth != TERN_CLIENT_AUTH_NONE)
        TRY(send_certificate_request(c));
    static const uint8_t done[4] = {HS12_SERVER_HELLO_DONE, 0, 0, 0};
    TRY(hs_send(c, done, sizeof(done)));
    hs_trace_msg(c, true, "ServerHelloDone", "We have said everything for this round.", 4, NULL, 0);
    c->state = c->cert_requested ? HS_S12_WAIT_CERT : HS_S12_WAIT_CKE;
    return TERN_OK;
}

static int on_client_key_exchange(tern_conn *c, struct rd body, const uint8_t *msg, size_t len)
{
    struct hs12 *t = c->t12;
    bool rsa = t->suite->kx == HS12_KX_RSA;
    struct rd v;
    struct tern_err err;
    err_init(&err);
    if (hs12_parse_cke(body, rsa, &v, &err) != TERN_OK)
        return hs_fail_err(c, &err);
    const char *what;
    if (rsa) {
        /* RFC 5246 §7.4.7.1 (Bleichenbacher): a bad padding or length gives a
         * random pre-master secret, decided without a branch inside the
         * provider, so the handshake goes on and fails at Finished exactly
         * as a wrong secret would; nothing here depends on the outcome. */
        TRY(hs_key_decrypt_pms(c, v.p, v.len, t->pms));
        t->pms[0] = (uint8_t)(t->client_version >> 8);
        t->pms[1] = (uint8_t)t->client_version;
        t->pms_len = 48;
        what = "The client sent a pre-master secret encrypted to our RSA key (RSA key "
               "transport, enabled by configuration).";
    } else {
        int rc = cry_kex_finish(&t->kex, v.p, v.len, t->pms, sizeof(t->pms), &t->pms_len);
        cry_kex_cleanup(&t->kex);
        t->have_kex = false;
        if (rc != TERN_OK)
            return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                           "the client's %s public value (%zu bytes) is invalid",
                           tern_group_name(c->group), v.len);
        what = "The client sent its ephemeral public value; both sides now compute the same "
               "shared secret without ever sending it.";
    }
    TRY(hs_transcript_add(c, msg, len));
    hs_trace_msg(c, false, "ClientKeyExchange", what, len, NULL, 0);
    TRY(hs12_derive_keys(c));
    c->state = c->have_peer_key ? HS_S12_WAIT_CV : HS_S12_WAIT_CCS;
    return TERN_OK;
}

static int on_certificate_verify(tern_conn *c, struct rd body, const uint8_t *msg, size_t len)
{
    uint16_t scheme;
    struct rd sig;
    struct tern_err err;
    err_init(&err);
    if (hs12_parse_signed(body, &scheme, &sig, &err) != TERN_OK)
        return hs_fail_err(c, &err);
    const struct cry_scheme_info *info = cry_scheme_lookup(scheme);
    if (!info || !hs_list_has(c->cfg->sigs, c->cfg->n_sigs, scheme) ||
        !hs12_scheme_fits(scheme, c->peer_key.type))
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "the client signed with %s (0x%04x), which we did not offer or which "
                       "does not fit its certificate's key",
                       tern_sig_scheme_name(scheme), scheme);
    /* RFC 5246 §7.4.8: over every handshake message before this one. */
    if (cry_verify(&c->peer_key, info->alg, info->hash, -1, c->ch_buf.buf, c->ch_buf.len, sig.p,
                   sig.len) != TERN_OK)
        return hs_fail(c, TERN_E_DECRYPT,
                       "the client's CertificateVerify signature (%s) does not verify with the "
                       "key in its certificate",
                       tern_sig_scheme_name(scheme));
    c->proofs |= PROOF_PEER_SIGNATURE;
    TRY(hs_transcript_add(c, msg, len));
    struct tern_trace_fact f[] = {{"scheme", tern_sig_scheme_name(scheme)},
                                  {"check", "signature verified"}};
    hs_trace_msg(c, false, "CertificateVerify",
                 "The client signed the handshake with the key of its certificate; the signature "
                 "checks out, so it really holds that key.",
                 len, f, 2);
    c->state = HS_S12_WAIT_CCS;
    return TERN_OK;
}

int hs12_server_message(tern_conn *c, uint8_t type, struct rd body, const uint8_t *msg, size_t len)
{
    switch (c->state) {
    case HS_S12_WAIT_CERT:
        if (type == HS_CERTIFICATE) {
            TRY(hs12_recv_certificate(c, body, msg, len));
            c->state = HS_S12_WAIT_CKE;
            return TERN_OK;
        }
        break;
    case HS_S12_WAIT_CKE:
        if (type == HS12_CLIENT_KEY_EXCHANGE)
            return on_client_key_exchange(c, body, msg, len);
        break;
    case HS_S12_WAIT_CV:
        if (type == HS_CERTIFICATE_VERIFY)
            return on_certificate_verify(c, body, msg, len);
        break;
    case HS_S12_WAIT_FINISHED:
        if (type == HS_FINISHED) {
            TRY(hs12_recv_finished(c, body, msg, len));
            if (c->resumed)
                return hs12_complete(c);
            if (c->t12->send_ticket)
                TRY(send_ticket(c));
            TRY(hs12_send_ccs(c));
            TRY(hs12_send_finished(c));
            c->round_trips++;
            TRY(hs12_complete(c));
            if (c->session_id_len)
                store_session(c);
            return TERN_OK;
        }
        break;
    default:
        break;
    }
    /* A renegotiation cannot start inside a handshake: unexpected_message
     * (no_renegotiation is a warning, RFC 5246 §7.2.2, for after it). */
    if (type == HS_CLIENT_HELLO)
        return hs_fail(c, TERN_E_UNEXPECTED_MESSAGE,
                       "a second ClientHello during the TLS 1.2 handshake (%s)",
                       hs_state_name(c->state));
    return hs_fail(c, TERN_E_UNEXPECTED_MESSAGE, "unexpected %s (type %u) %s (TLS 1.2 server)",
                   hs_type_name(type), type, hs_state_name(c->state));
}
