/* The TLS 1.3 server (RFC 8446 §2, Appendix A.2): one handler per state.
 *
 *   WAIT_CH [-> HelloRetryRequest -> WAIT_CH2] -> (send flight)
 *   -> [WAIT_CERT -> WAIT_CV] -> WAIT_FINISHED -> CONNECTED */
#include "base/mem.h"
#include "hs/codec13.h"
#include "hs/cookie.h"
#include "hs/internal.h"
#include "hs/session.h"

#include <stdio.h>
#include <string.h>

/* What the server decided from a ClientHello. */
struct choice {
    uint16_t suite;
    uint16_t group;  /* the group to use */
    struct rd share; /* the client's share for it; empty: HelloRetryRequest */
    uint16_t scheme;
};

/* check_client_hello13: what TLS 1.3 asks of a ClientHello beyond its
 * structure (hs/hello.c parsed it and chose TLS 1.3). */
static int check_client_hello13(tern_conn *c, struct hs_client_hello *ch)
{
    struct tern_err err;
    err_init(&err);
    if (hs13_parse_compression(ch->compression, &err) != TERN_OK)
        return hs_fail_err(c, &err);
    return TERN_OK;
}

static int choose(tern_conn *c, struct hs_client_hello *ch, const struct hs13_ch_exts *x,
                  struct choice *out)
{
    tern_config *cfg = c->cfg;
    memset(out, 0, sizeof(*out));

    /* Cipher suite: ours, in our order of preference, from the whole list
     * (unknown suites skipped). */
    uint16_t theirs[HS_KNOWN_MAX];
    size_t n_theirs, n_sent;
    TRY(hs_read_u16_list(c, ch->suites, "ClientHello's cipher_suites", hs_known_suite, theirs,
                         HS_KNOWN_MAX, &n_theirs, &n_sent));
    for (size_t i = 0; i < cfg->n_suites && !out->suite; i++)
        if (hs_suite13(cfg->suites[i]) && hs_list_has(theirs, n_theirs, cfg->suites[i]))
            out->suite = cfg->suites[i];
    if (!out->suite) {
        char list[400];
        hs_suites_text(theirs, n_theirs, list, sizeof(list));
        return hs_fail(c, TERN_E_HANDSHAKE_FAILURE,
                       "no cipher suite in common: the client offers %zu suites, none of them "
                       "a TLS 1.3 suite enabled here (those tern knows: %s)",
                       n_sent, list);
    }
    if (c->hrr_done && out->suite != c->suite)
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER, "the second ClientHello no longer offers %s",
                       tern_suite_name(c->suite));

    /* Signature scheme for our certificate (RFC 8446 §4.2.3); a server
     * that has only external PSKs signs nothing (hs/psk.c). */
    if (cfg->n_certs == 0 && hs_psk_external_server(cfg))
        goto groups;
    if (!x->has_sigalgs)
        return hs_fail(c, TERN_E_MISSING_EXTENSION,
                       "ClientHello lacks signature_algorithms, which a certificate-based "
                       "handshake requires");
    c->n_peer_sigs_sent =
        hs_u16_list_keep(x->sigalgs, hs_known_scheme, c->peer_sigs, HS_KNOWN_MAX, &c->n_peer_sigs);
    TRY(hs_server_pick_cert(c, &ch->ext, NULL, 0));
    if (hs13_pick_scheme(c, &out->scheme) != TERN_OK)
        return hs_fail(c, TERN_E_HANDSHAKE_FAILURE,
                       "none of the client's %zu signature schemes (%zu of them known to tern) "
                       "fits our certificate's key",
                       c->n_peer_sigs_sent, c->n_peer_sigs);

groups:
    /* Groups and key shares (RFC 8446 §4.2.7, §4.2.8). A client that offers
     * only a PSK may omit them; group 0 then means "psk_ke or nothing". */
    if (!x->has_groups || !x->has_key_share) {
        if (cfg->psk_ke && hs_ext_has(&ch->ext, EXT_PRE_SHARED_KEY))
            return TERN_OK;
        return hs_fail(c, TERN_E_MISSING_EXTENSION, "ClientHello lacks %s%s",
                       x->has_groups ? "key_share" : "supported_groups",
                       cfg->psk_ke ? " and offers no PSK"
                                   : " (this server does not resume without a key exchange)");
    }
    uint16_t groups[HS_KNOWN_MAX];
    size_t n_groups;
    size_t n_groups_sent =
        hs_u16_list_keep(x->groups, hs_known_group, groups, HS_KNOWN_MAX, &n_groups);
    /* The shares kept (hs13_parse_ch_exts) are those for groups tern can use. */
    const uint16_t *share_groups = x->shares.group;
    const struct rd *share_bodies = x->shares.share;
    size_t n_shares = x->shares.n;
    /* Prefer a group the client already sent a share for: no extra round trip. */
    for (size_t i = 0; i < cfg->n_groups && !out->group; i++) {
        uint16_t g = cfg->groups[i];
        if (!cry_kex_supported(g))
            continue;
        for (size_t j = 0; j < n_shares; j++)
            if (share_groups[j] == g) {
                out->group = g;
                out->share = share_bodies[j];
            }
    }
    if (!out->group) {
        for (size_t i = 0; i < cfg->n_groups && !out->group; i++)
            if (cry_kex_supported(cfg->groups[i]) && hs_list_has(groups, n_groups, cfg->groups[i]))
                out->group = cfg->groups[i];
        if (!out->group)
            return hs_fail(c, TERN_E_HANDSHAKE_FAILURE,
                           "no key-exchange group in common: the client supports %zu groups, "
                           "none of which this server accepts",
                           n_groups_sent);
        if (c->hrr_done)
            return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                           "the second ClientHello still has no key share for %s",
                           tern_group_name(out->group));
    }
    if (c->hrr_done && out->group != c->group)
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "the second ClientHello uses %s, not the %s we asked for",
                       tern_group_name(out->group), tern_group_name(c->group));
    return TERN_OK;
}

/* write_hrr: the HelloRetryRequest (RFC 8446 §4.1.4) naming suite and group
 * and carrying cookie, echoing the ClientHello's session ID. The same bytes
 * are made again from the second ClientHello (take_cookie), so a server
 * keeps nothing between the two. */
static void write_hrr(struct wr *w, struct rd session_id, uint16_t suite, uint16_t group,
                      const uint8_t *cookie, size_t cookie_len)
{
    size_t m = hs_msg_begin(w, HS_SERVER_HELLO);
    wr_u16(w, 0x0303);
    wr_bytes(w, hs_hrr_random, 32);
    size_t sid = wr_open_u8(w);
    wr_bytes(w, session_id.p, session_id.len);
    wr_close(w, sid);
    wr_u16(w, suite);
    wr_u8(w, 0);
    size_t exts = wr_open_u16(w);
    wr_u16(w, hs_ext_type(EXT_SUPPORTED_VERSIONS));
    wr_u16(w, 2);
    wr_u16(w, TERN_TLS13);
    wr_u16(w, hs_ext_type(EXT_KEY_SHARE));
    wr_u16(w, 2);
    wr_u16(w, group);
    wr_u16(w, hs_ext_type(EXT_COOKIE));
    size_t e = wr_open_u16(w);
    size_t body = wr_open_u16(w);
    wr_bytes(w, cookie, cookie_len);
    wr_close(w, body);
    wr_close(w, e);
    wr_close(w, exts);
    hs_msg_end(w, m);
}

#define HRR_MAX (4 + 2 + 32 + 33 + 3 + 2 + 6 + 6 + 6 + HS_COOKIE_MAX)

static int send_hello_retry(tern_conn *c, struct hs_client_hello *ch, const struct choice *ch_out,
                            const uint8_t *msg, size_t len)
{
    const struct hs_suite *s = hs_suite13(ch_out->suite);
    /* RFC 8446 §4.4.1: the transcript restarts from message_hash(ClientHello1). */
    uint8_t mh[4 + CRY_MAX_HASH] = {HS_MESSAGE_HASH, 0, 0, (uint8_t)cry_hash_len(s->hash)};
    if (cry_hash(s->hash, msg, len, mh + 4) != TERN_OK)
        return hs_fail(c, TERN_E_INTERNAL, "hashing ClientHello failed");
    uint8_t cookie[HS_COOKIE_MAX];
    size_t cookie_len;
    TRY(hs_cookie_seal(c, ch_out->suite, ch_out->group, mh + 4, cry_hash_len(s->hash), cookie,
                       &cookie_len));
    TRY(hs_transcript_start(c, s->hash));
    TRY(hs_transcript_add(c, mh, 4 + cry_hash_len(s->hash)));

    uint8_t buf[HRR_MAX];
    struct wr w;
    wr_init_fixed(&w, buf, sizeof(buf));
    write_hrr(&w, ch->session_id, ch_out->suite, ch_out->group, cookie, cookie_len);
    if (!wr_ok(&w))
        return hs_fail(c, TERN_E_INTERNAL, "our HelloRetryRequest does not fit %zu bytes",
                       sizeof(buf));
    TRY(hs_send(c, w.buf, w.len));
    /* Stateless from here: the second ClientHello's cookie restarts the
     * transcript (take_cookie). */
    cry_hash_cleanup(&c->th);
    c->hrr_done = true;
    c->suite = ch_out->suite;
    c->group = ch_out->group;
    c->round_trips++;
    struct tern_trace_fact f[] = {{"group", tern_group_name(ch_out->group)}, {"cookie", "yes"}};
    hs_trace_msg(c, true, "HelloRetryRequest",
                 "None of the client's key shares is for a group we accept, so we ask it to say "
                 "hello again with one for the group we name. What we chose travels sealed in "
                 "the cookie, so the server keeps nothing meanwhile.",
                 w.len, f, 2);
    /* Middlebox compatibility: our CCS follows the first ServerHello-like message. */
    if (ch->session_id.len)
        TRY(hs_send_ccs(c));
    c->state = HS_S_WAIT_CH2;
    return TERN_OK;
}

/* take_cookie: a ClientHello that returns our cookie is a second
 * ClientHello (RFC 8446 §4.2.2), on this connection or on a fresh one:
 * the suite and group come from the cookie, and the transcript restarts
 * from message_hash(ClientHello1) and the HelloRetryRequest rebuilt. */
static int take_cookie(tern_conn *c, const struct hs_client_hello *ch, const struct hs13_ch_exts *x)
{
    if (!x->has_cookie) {
        if (c->state == HS_S_WAIT_CH2)
            return hs_fail(c, TERN_E_MISSING_EXTENSION,
                           "the second ClientHello does not return the cookie of our "
                           "HelloRetryRequest (RFC 8446 §4.2.2)");
        return TERN_OK;
    }
    struct rd body = x->cookie; /* hs13_parse_ch_exts checked its form */
    struct hs_cookie k;
    TRY(hs_cookie_open(c, body, &k));
    if (x->has_early_data) /* as on_client_hello's rule, on a fresh connection */
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "the second ClientHello offers early_data again after our "
                       "HelloRetryRequest (RFC 8446 §4.2.10)");
    const struct hs_suite *s = hs_suite13(k.suite);
    if (!s || cry_hash_len(s->hash) != k.hash_len)
        return hs_fail(c, TERN_E_INTERNAL, "a cookie of ours names suite 0x%04x", k.suite);
    c->hrr_done = true;
    c->suite = k.suite;
    c->group = k.group;
    cry_hash_cleanup(&c->th);
    TRY(hs_transcript_start(c, s->hash));
    uint8_t mh[4 + CRY_MAX_HASH] = {HS_MESSAGE_HASH, 0, 0, (uint8_t)k.hash_len};
    memcpy(mh + 4, k.ch1_hash, k.hash_len);
    TRY(hs_transcript_add(c, mh, 4 + k.hash_len));
    uint8_t buf[HRR_MAX];
    struct wr w;
    wr_init_fixed(&w, buf, sizeof(buf));
    write_hrr(&w, ch->session_id, k.suite, k.group, body.p, body.len);
    if (!wr_ok(&w))
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "the ClientHello's cookie (%zu bytes) is larger than ours", body.len);
    TRY(hs_transcript_add(c, w.buf, w.len));
    c->state = HS_S_WAIT_CH2;
    return TERN_OK;
}

static int send_server_hello(tern_conn *c, struct hs_client_hello *ch, const struct choice *cho,
                             const uint8_t *share, size_t share_len, int psk_index)
{
    struct wr w;
    wr_init_grow(&w);
    size_t m = hs_msg_begin(&w, HS_SERVER_HELLO);
    wr_u16(&w, 0x0303);
    wr_bytes(&w, c->server_random, 32);
    size_t sid = wr_open_u8(&w);
    wr_bytes(&w, ch->session_id.p, ch->session_id.len);
    wr_close(&w, sid);
    wr_u16(&w, cho->suite);
    wr_u8(&w, 0);
    size_t exts = wr_open_u16(&w);
    /* key_share (none with psk_ke), then supported_versions: the order of
     * RFC 8448's traces */
    if (cho->group) {
        wr_u16(&w, hs_ext_type(EXT_KEY_SHARE));
        size_t e = wr_open_u16(&w);
        wr_u16(&w, cho->group);
        size_t kx = wr_open_u16(&w);
        wr_bytes(&w, share, share_len);
        wr_close(&w, kx);
        wr_close(&w, e);
    }
    wr_u16(&w, hs_ext_type(EXT_SUPPORTED_VERSIONS));
    wr_u16(&w, 2);
    wr_u16(&w, TERN_TLS13);
    if (psk_index >= 0) {
        wr_u16(&w, hs_ext_type(EXT_PRE_SHARED_KEY));
        wr_u16(&w, 2);
        wr_u16(&w, (uint16_t)psk_index);
    }
    wr_close(&w, exts);
    int rc = hs_msg_send(c, &w, m, "ServerHello");
    if (rc == TERN_OK) {
        struct tern_trace_fact f[4 + HS_TRACE_HYBRID_FACTS] = {
            {"version", "TLS 1.3"},
            {"cipher_suite", tern_suite_name(cho->suite)},
            {"group",
             cho->group ? tern_group_name(cho->group) : "(none: psk_ke, no forward secrecy)"},
            {"resumption", psk_index >= 0 ? "accepted the client's ticket" : "no"},
        };
        size_t nf = 4 + hs_trace_hybrid_facts(cho->group, f + 4);
        char explain[512];
        snprintf(explain, sizeof(explain), "%s%s",
                 psk_index >= 0 && !cho->group
                     ? "We accepted the client's ticket without a key exchange (psk_ke): an "
                       "abbreviated handshake with no certificate, no signature and no "
                       "forward secrecy."
                 : psk_index >= 0
                     ? "We accepted the client's ticket: this is an abbreviated handshake, "
                       "with a fresh key exchange but no certificate or signature."
                     : "We picked the version, cipher suite and key-exchange group, and sent "
                       "our own key share.",
                 hs_trace_hybrid_note(cho->group));
        hs_trace_msg(c, true, "ServerHello", explain, w.len, f, nf);
    }
    wr_free(&w);
    return rc;
}

static int send_encrypted_extensions(tern_conn *c, bool ack_sni)
{
    uint8_t buf[300];
    struct wr w;
    wr_init_fixed(&w, buf, sizeof(buf));
    size_t m = hs_msg_begin(&w, HS_ENCRYPTED_EXTENSIONS);
    size_t exts = wr_open_u16(&w);
    if (ack_sni) {
        wr_u16(&w, hs_ext_type(EXT_SERVER_NAME));
        wr_u16(&w, 0);
    }
    hs_write_alpn_choice(&w, c->alpn);
    wr_close(&w, exts);
    TRY(hs_msg_send(c, &w, m, "EncryptedExtensions"));
    struct tern_trace_fact f[] = {{"alpn", c->alpn[0] ? c->alpn : "(none)"}};
    hs_trace_msg(c, true, "EncryptedExtensions",
                 "The rest of our choices, already encrypted: here, the application protocol.",
                 w.len, f, 1);
    return TERN_OK;
}

static int send_certificate_request(tern_conn *c)
{
    struct wr w;
    wr_init_grow(&w);
    size_t m = hs_msg_begin(&w, HS_CERTIFICATE_REQUEST);
    wr_u8(&w, 0); /* empty certificate_request_context */
    size_t exts = wr_open_u16(&w);
    wr_u16(&w, hs_ext_type(EXT_SIGNATURE_ALGORITHMS));
    size_t e = wr_open_u16(&w);
    size_t list = wr_open_u16(&w);
    for (size_t i = 0; i < c->cfg->n_sigs; i++)
        wr_u16(&w, c->cfg->sigs[i]);
    wr_close(&w, list);
    wr_close(&w, e);
    if (hs_has_ca_names(c)) { /* RFC 8446 §4.2.4 */
        wr_u16(&w, hs_ext_type(EXT_CERTIFICATE_AUTHORITIES));
        size_t ca = wr_open_u16(&w);
        int rc = hs_write_ca_names(c, &w);
        if (rc != TERN_OK) {
            wr_free(&w);
            return rc;
        }
        wr_close(&w, ca);
    }
    wr_close(&w, exts);
    int rc = hs_msg_send(c, &w, m, "CertificateRequest");
    size_t sent = w.len;
    wr_free(&w);
    TRY(rc);
    c->cert_requested = true;
    c->cr_context_len = 0;
    hs_trace_msg(c, true, "CertificateRequest",
                 "We ask the client to prove its identity with a certificate (mutual TLS).", sent,
                 NULL, 0);
    return TERN_OK;
}

/* try_resume looks for a ticket this server issued among the client's PSKs
 * (RFC 8446 §4.2.11). A ticket that does not fit (expired, rotated out,
 * another suite, SNI or ALPN) means a full handshake, not an error; a
 * binder that does not verify aborts with decrypt_error. On success
 * c->session holds the session and *out_index the identity chosen. */
static int try_resume(tern_conn *c, struct hs_client_hello *ch, const struct hs13_ch_exts *x,
                      const struct choice *cho, const uint8_t *msg, size_t len, int *out_index)
{
    *out_index = -1;
    tern_config *cfg = c->cfg;
    if (!hs_ext_has(&ch->ext, EXT_PRE_SHARED_KEY) || !cfg->ticket_secret_len)
        return TERN_OK;
    /* psk_dhe_ke (1) is what tern accepts: a fresh key exchange on top of
     * the PSK keeps forward secrecy. */
    if (!x->has_psk_modes)
        return hs_fail(c, TERN_E_MISSING_EXTENSION,
                       "ClientHello offers a PSK without psk_key_exchange_modes (RFC 8446 "
                       "§4.2.9)");
    bool dhe = x->psk_dhe_ke && cho->group != 0;
    /* psk_ke only when configured, and then whenever the client offers it. */
    bool ke = cfg->psk_ke && x->psk_ke;

    struct hs_offered_psk psks[HS_MAX_PSKS];
    size_t n, binders_len;
    struct tern_err err;
    err_init(&err);
    if (hs_psk_parse(ch->ext.body[EXT_PRE_SHARED_KEY], psks, &n, &binders_len, &err) != TERN_OK)
        return hs_fail_err(c, &err);
    if (!dhe && !ke)
        return TERN_OK;
    uint64_t now_ms = hs_now_ms();
    struct hs_session s;
    for (size_t i = 0; i < n; i++) {
        err_init(&err);
        /* An external PSK (hs/psk.c) has no age, names and suite of its
         * own: only its hash must be the suite's (RFC 8446 §4.2.11). */
        bool external = hs_psk_external_find(c, psks[i].identity, &s);
        if (!external && hs_psk_open(c, psks[i].identity, now_ms, &s, &err) != TERN_OK)
            continue;
        uint32_t client_age = psks[i].obfuscated_age - s.age_add;
        uint64_t our_age = now_ms - s.issued_ms;
        bool fits =
            external ? hs_suite13(s.suite)->hash == hs_suite13(cho->suite)->hash
                     : s.suite == cho->suite &&
                           !strcmp(s.server_name, c->server_name ? c->server_name : "") &&
                           !strcmp(s.alpn, c->alpn) &&
                           (c->client_auth != TERN_CLIENT_AUTH_REQUIRED || s.peer_cert_hash_len) &&
                           our_age + 10000u >= client_age && client_age + 10000u >= our_age;
        if (!fits) {
            hs_session_wipe(&s);
            continue;
        }
        /* The binder covers the ClientHello up to the binders list, which
         * is its last part since pre_shared_key comes last. */
        struct cry_hash_ctx t;
        uint8_t th[CRY_MAX_HASH], want[CRY_MAX_HASH];
        int rc = cry_hash_copy(&t, &c->th);
        if (rc == TERN_OK)
            rc = cry_hash_update(&t, msg, len - binders_len);
        if (rc == TERN_OK)
            rc = cry_hash_peek(&t, th);
        cry_hash_cleanup(&t);
        if (rc == TERN_OK)
            rc = hs_psk_binder(c->hash, &s, th, want);
        size_t blen = cry_hash_len(c->hash);
        bool ok = rc == TERN_OK && psks[i].binder.len == blen &&
                  (tern_ct_eq(want, psks[i].binder.p, blen) || cry_fuzz_relaxed());
        tern_memzero(want, sizeof(want));
        if (!ok) {
            hs_session_wipe(&s);
            return hs_fail(c, TERN_E_DECRYPT,
                           "the PSK binder of %s %zu does not verify: the ClientHello was "
                           "altered or the %s is not the client's",
                           external ? "external PSK identity" : "ticket", i,
                           external ? "key" : "ticket");
        }
        c->session = tern_memdup(&s, sizeof(s));
        hs_session_wipe(&s);
        if (!c->session)
            return hs_fail(c, TERN_E_NOMEM, "out of memory");
        if (!external)
            hs_psk_spent(c, psks[i].identity);
        *out_index = (int)i;
        c->resumed = true;
        c->psk_ke = ke;
        /* The original handshake verified the client (if it had to). */
        c->proofs |= PROOF_PEER_CHAIN | PROOF_PEER_SIGNATURE;
        return hs_session_take_peer(c, c->session);
    }
    return TERN_OK;
}

/* test_x25519_respond (test hook): answer an X25519 share with the
 * injected private key; the public value is that key times the base point. */
static int test_x25519_respond(tern_conn *c, struct rd client_share, uint8_t *share,
                               size_t *share_len, uint8_t *secret, size_t *secret_len)
{
    static const uint8_t base[32] = {9};
    struct cry_ecdh k;
    memset(&k, 0, sizeof(k));
    int rc = cry_ecdh_import(&k, CRY_X25519, c->test.x25519_priv, 32);
    if (rc == TERN_OK)
        rc = cry_ecdh_derive(&k, base, sizeof(base), share, 32, share_len);
    if (rc == TERN_OK)
        rc = cry_ecdh_derive(&k, client_share.p, client_share.len, secret, CRY_KEX_MAX_SECRET,
                             secret_len);
    cry_ecdh_cleanup(&k);
    return rc;
}

/* flight_end: the server's flight after CertificateVerify (or after
 * EncryptedExtensions when resuming); also where an asynchronous signature
 * resumes the handshake (hs/keyops.c). */
static int flight_end(tern_conn *c)
{
    TRY(hs13_send_finished(c));
    TRY(hs13_master_keys(c));
    TRY(hs13_install_app_keys(c, true));
    c->state = c->cert_requested ? HS_S_WAIT_CERT : HS_S_WAIT_FINISHED;
    return TERN_OK;
}

int hs13_server_client_hello(tern_conn *c, struct hs_client_hello *ch, const uint8_t *msg,
                             size_t len)
{
    struct choice cho;
    TRY(check_client_hello13(c, ch));
    /* Parse every TLS 1.3 extension once, then act. */
    struct hs13_ch_exts x;
    struct tern_err err;
    err_init(&err);
    if (hs13_parse_ch_exts(&ch->ext, cry_kex_supported, &x, &err) != TERN_OK)
        return hs_fail_err(c, &err);
    /* RFC 8446 §4.2.10: early_data (empty in a ClientHello) is declined by
     * a full answer; the 0-RTT records that follow are skipped. None may
     * be offered again after a HelloRetryRequest (OpenSSL's alert:
     * illegal_parameter). */
    bool early = x.has_early_data;
    if (early && c->hrr_done)
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "the second ClientHello offers early_data again after our "
                       "HelloRetryRequest (RFC 8446 §4.2.10)");
    TRY(take_cookie(c, ch, &x));
    c->early_skip = EARLY_SKIP_NONE;
    TRY(hs_read_sni_alpn(c, &ch->ext)); /* the certificate chosen in choose depends on the name */
    TRY(choose(c, ch, &x, &cho));
    memcpy(c->client_random, ch->random, 32);
    {
        struct tern_trace_fact f[] = {
            {"chosen_suite", tern_suite_name(cho.suite)},
            {"chosen_group", tern_group_name(cho.group)},
        };
        hs_trace_client_hello(c, hs_msg_body(msg, len), len,
                              "The client proposed versions, cipher suites, key-exchange groups "
                              "with its key shares, signature schemes and the server name it "
                              "wants.",
                              f, 2);
    }
    if (cho.share.len == 0 && cho.group != 0) {
        c->early_skip = early ? EARLY_SKIP_APPDATA : EARLY_SKIP_NONE;
        return send_hello_retry(c, ch, &cho, msg, len);
    }

    const struct hs_suite *s = hs_suite13(cho.suite);
    if (!c->hrr_done)
        TRY(hs_transcript_start(c, s->hash));
    int psk_index;
    TRY(try_resume(c, ch, &x, &cho, msg, len, &psk_index));
    if (cho.group == 0 && !c->psk_ke)
        return hs_fail(c, TERN_E_MISSING_EXTENSION,
                       "ClientHello has no key_share and none of its PSKs can be resumed");
    /* the certificates are those the server-name callback chose, if it
     * chose a configuration (tern_conn_use_config) */
    if (!c->resumed && (c->cert_cfg ? c->cert_cfg : c->cfg)->n_certs == 0)
        return hs_fail(c, TERN_E_HANDSHAKE_FAILURE,
                       "this server authenticates by PSK only, and the client offers no PSK "
                       "identity it knows (with a hash of the suite chosen, %s)",
                       tern_suite_name(cho.suite));
    TRY(hs_transcript_add(c, msg, len));

    uint8_t share[CRY_KEX_MAX_SHARE], secret[CRY_KEX_MAX_SECRET];
    size_t share_len = 0, secret_len = 0; /* psk_ke: no (EC)DHE input */
    int rc = TERN_OK;
    if (c->psk_ke)
        cho.group = 0;
    else if (c->test.x25519_priv && cho.group == TERN_GROUP_X25519)
        rc = test_x25519_respond(c, cho.share, share, &share_len, secret, &secret_len);
    else
        rc = cry_kex_respond(cho.group, cho.share.p, cho.share.len, share, sizeof(share),
                             &share_len, secret, sizeof(secret), &secret_len);
    if (rc != TERN_OK)
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "the client's %s key share (%zu bytes) is invalid",
                       tern_group_name(cho.group), cho.share.len);
    c->suite = cho.suite;
    c->group = cho.group;
    c->version = TERN_TLS13;
    c->round_trips++;
    rc = hs_random(c, c->server_random, 32);
    if (rc == TERN_OK)
        rc = send_server_hello(c, ch, &cho, share, share_len, psk_index);
    if (rc == TERN_OK && ch->session_id.len && !c->hrr_done)
        rc = hs_send_ccs(c);
    if (rc == TERN_OK)
        rc = hs13_handshake_keys(c, secret, secret_len);
    tern_memzero(secret, sizeof(secret));
    TRY(rc);

    /* Our EncryptedExtensions has no early_data: declined. */
    c->early_skip = early ? EARLY_SKIP_UNOPENED : EARLY_SKIP_NONE;
    TRY(send_encrypted_extensions(c, c->server_name != NULL));
    /* RFC 8446 §4.3.2, §2.2: no certificates in a resumed handshake. */
    if (!c->resumed) {
        if (c->client_auth != TERN_CLIENT_AUTH_NONE)
            TRY(send_certificate_request(c));
        TRY(hs13_send_certificate(c, NULL, 0));
        /* An external key's callback may answer later: the flight ends
         * when it does (tern_conn_key_done). */
        c->async_next = flight_end;
        int cv = hs13_send_certificate_verify(c);
        if (cv == TERN_WANT_ASYNC)
            return cv;
        c->async_next = NULL;
        TRY(cv);
    }
    return flight_end(c);
}

int hs13_skip_early(tern_conn *c, size_t length)
{
    /* tern's tickets never allow early data (max_early_data_size 0), so the
     * bound on what a declined client may send is tern's to name: OpenSSL's
     * default of 16,384 bytes, and its alert past it (unexpected_message).
     * Each record counts for the most early data it can hold: its
     * protected length less the tag and the inner content type. */
    size_t n = length > CRY_AEAD_TAG + 1 ? length - CRY_AEAD_TAG - 1 : 0;
    if (c->early_skipped == 0) {
        struct tern_trace_fact f[] = {{"mode", c->early_skip == EARLY_SKIP_APPDATA
                                                   ? "after HelloRetryRequest"
                                                   : "not opened by the handshake keys"}};
        hs_trace(c, TERN_TRACE_CHECK, TERN_DIR_LOCAL, "early data skipped",
                 "The client sent early data (0-RTT), which this server does not accept; its "
                 "records are skipped and the handshake goes on as usual.",
                 length, f, 1);
    }
    c->early_skipped += n;
    if (c->early_skipped > HS_EARLY_SKIP_MAX)
        return hs_fail(c, TERN_E_UNEXPECTED_MESSAGE,
                       "the client sent over %u bytes of early data (%zu so far), which this "
                       "server declined; no more are skipped (RFC 8446 §4.2.10)",
                       HS_EARLY_SKIP_MAX, c->early_skipped);
    return TERN_OK;
}

static int on_client_finished(tern_conn *c, struct rd body, const uint8_t *msg, size_t len)
{
    TRY(hs13_recv_finished(c, body, msg, len));
    TRY(hs13_install_app_keys(c, false));
    TRY(hs13_complete(c));
    /* A resumed ticket's session (the client's chain is the connection's
     * now) is not kept for the connection's life; an external PSK's stays
     * (tern_conn_psk_identity reads it). */
    if (c->session && !c->session->external) {
        tern_free_secret(c->session, sizeof(*c->session));
        c->session = NULL;
    }
    return c->cfg->ticket_count ? hs_send_tickets(c) : TERN_OK;
}

int hs_server_message(tern_conn *c, uint8_t type, struct rd body, const uint8_t *msg, size_t len)
{
    if (c->version == TERN_TLS12) /* TLS 1.2 hook */
        return hs12_server_message(c, type, body, msg, len);
    switch (c->state) {
    case HS_S_WAIT_CH:
    case HS_S_WAIT_CH2:
        if (type == HS_CLIENT_HELLO)
            return hs_server_client_hello(c, body, msg, len);
        break;
    case HS_S_WAIT_CERT:
        if (type == HS_CERTIFICATE) {
            TRY(hs13_recv_certificate(c, body, msg, len));
            c->state = c->have_peer_key ? HS_S_WAIT_CV : HS_S_WAIT_FINISHED;
            return TERN_OK;
        }
        break;
    case HS_S_WAIT_CV:
        if (type == HS_CERTIFICATE_VERIFY) {
            TRY(hs13_recv_certificate_verify(c, body, msg, len));
            c->state = HS_S_WAIT_FINISHED;
            return TERN_OK;
        }
        break;
    case HS_S_WAIT_FINISHED:
        if (type == HS_FINISHED)
            return on_client_finished(c, body, msg, len);
        break;
    default:
        break;
    }
    return hs_fail(c, TERN_E_UNEXPECTED_MESSAGE, "unexpected %s (type %u) %s (TLS 1.3 server)",
                   hs_type_name(type), type, hs_state_name(c->state));
}

/* ---- after the handshake (both roles) ---- */
