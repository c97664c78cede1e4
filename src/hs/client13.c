/* The TLS 1.3 client (RFC 8446 §2, Appendix A.1): one handler per state.
 *
 *   START -> WAIT_SH -> WAIT_EE -> WAIT_CERT_CR -> WAIT_CERT -> WAIT_CV
 *         -> WAIT_FINISHED -> CONNECTED
 * A HelloRetryRequest sends the client back to WAIT_SH once. */
#include "base/mem.h"
#include "hs/codec13.h"
#include "hs/internal.h"
#include "hs/session.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static bool name_is_ip(const char *name)
{
    uint8_t a[16];
    return inet_pton(AF_INET, name, a) == 1 || inet_pton(AF_INET6, name, a) == 1;
}

static void offer(tern_conn *c, enum hs_ext_id id)
{
    c->offered_exts |= 1ull << id;
}

static size_t ext_begin(tern_conn *c, struct wr *w, enum hs_ext_id id)
{
    offer(c, id);
    wr_u16(w, hs_ext_type(id));
    return wr_open_u16(w);
}

/* make_shares prepares the key shares offered: the first configured group,
 * and X25519 beside a hybrid first choice (as browsers do), so a server
 * without ML-KEM needs no HelloRetryRequest. */
static int make_shares(tern_conn *c, uint16_t only_group)
{
    uint16_t want[2];
    size_t n = 0;
    if (only_group) {
        want[n++] = only_group;
    } else {
        for (size_t i = 0; i < c->cfg->n_groups && n == 0; i++)
            if (cry_kex_supported(c->cfg->groups[i]))
                want[n++] = c->cfg->groups[i];
        if (n == 1 && want[0] == TERN_GROUP_X25519MLKEM768 &&
            hs_list_has(c->cfg->groups, c->cfg->n_groups, TERN_GROUP_X25519))
            want[n++] = TERN_GROUP_X25519;
    }
    if (n == 0)
        return hs_fail(c, TERN_E_ARG, "no configured group is supported by this build");
    for (size_t i = 0; i < c->n_kex; i++)
        cry_kex_cleanup(&c->kex[i]);
    c->n_kex = 0;
    for (size_t i = 0; i < n; i++) {
        /* The public share is regenerated into the ClientHello below. */
        c->kex[i].group = want[i];
        c->n_kex++;
    }
    return TERN_OK;
}

static int write_client_hello(tern_conn *c, struct wr *w)
{
    tern_config *cfg = c->cfg;
    size_t m = hs_msg_begin(w, HS_CLIENT_HELLO);
    wr_u16(w, 0x0303); /* legacy_version */
    wr_bytes(w, c->client_random, 32);
    size_t sid = wr_open_u8(w);
    wr_bytes(w, c->session_id, c->session_id_len);
    wr_close(w, sid);
    /* TLS 1.2 hook (hs/client12.c): offer 1.2 suites when 1.2 is allowed. */
    bool v13 = cfg->max_version >= TERN_TLS13, v12 = cfg->min_version <= TERN_TLS12;
    size_t cs = wr_open_u16(w);
    for (size_t i = 0; i < cfg->n_suites; i++)
        if ((v13 && hs_suite13(cfg->suites[i])) || (v12 && hs_suite12(cfg->suites[i])))
            wr_u16(w, cfg->suites[i]);
    wr_close(w, cs);
    wr_u8(w, 1); /* legacy_compression_methods: null only */
    wr_u8(w, 0);

    size_t exts = wr_open_u16(w);
    size_t e;
    c->offered_exts = 0;
    if (c->server_name && !name_is_ip(c->server_name)) {
        /* RFC 6066 §3: literal IP addresses are not sent as SNI. */
        e = ext_begin(c, w, EXT_SERVER_NAME);
        size_t list = wr_open_u16(w);
        wr_u8(w, 0); /* host_name */
        size_t hn = wr_open_u16(w);
        wr_bytes(w, c->server_name, strlen(c->server_name));
        wr_close(w, hn);
        wr_close(w, list);
        wr_close(w, e);
    }
    if (v13) {
        e = ext_begin(c, w, EXT_SUPPORTED_VERSIONS);
        size_t vl = wr_open_u8(w);
        wr_u16(w, TERN_TLS13);
        if (v12)
            wr_u16(w, TERN_TLS12);
        wr_close(w, vl);
        wr_close(w, e);
    }

    e = ext_begin(c, w, EXT_SUPPORTED_GROUPS);
    size_t gl = wr_open_u16(w);
    for (size_t i = 0; i < cfg->n_groups; i++)
        if (v13 ? cry_kex_supported(cfg->groups[i]) : hs12_group_ok(cfg->groups[i]))
            wr_u16(w, cfg->groups[i]);
    wr_close(w, gl);
    wr_close(w, e);

    e = ext_begin(c, w, EXT_SIGNATURE_ALGORITHMS);
    size_t sl = wr_open_u16(w);
    for (size_t i = 0; i < cfg->n_sigs; i++)
        wr_u16(w, cfg->sigs[i]);
    wr_close(w, sl);
    wr_close(w, e);

    if (v13) { /* no key_share when only TLS 1.2 is offered */
        e = ext_begin(c, w, EXT_KEY_SHARE);
        size_t ks = wr_open_u16(w);
        /* Each share is made in place in the message (the hybrid's is 1216
         * bytes); an X25519 share beside the hybrid reuses its X25519 key. */
        const struct cry_kex *hybrid = NULL;
        for (size_t i = 0; i < c->n_kex; i++) {
            uint16_t g = c->kex[i].group;
            size_t want = cry_kex_share_len(g), share_len = 0;
            wr_u16(w, g);
            size_t kx = wr_open_u16(w);
            uint8_t *share = wr_reserve(w, want);
            if (!share)
                return hs_fail(c, TERN_E_NOMEM, "out of memory");
            if (cry_kex_keygen_beside(&c->kex[i], g, hybrid, share, want, &share_len) != TERN_OK ||
                share_len != want)
                return hs_fail(c, TERN_E_INTERNAL, "generating a %s key share failed",
                               tern_group_name(g));
            wr_close(w, kx);
            if (g == TERN_GROUP_X25519MLKEM768)
                hybrid = &c->kex[i];
        }
        wr_close(w, ks);
        wr_close(w, e);
    }

    if (cfg->alpn_len) {
        e = ext_begin(c, w, EXT_ALPN);
        size_t al = wr_open_u16(w);
        wr_bytes(w, cfg->alpn, cfg->alpn_len);
        wr_close(w, al);
        wr_close(w, e);
    }
    if (c->cookie_len) {
        e = ext_begin(c, w, EXT_COOKIE);
        size_t ck = wr_open_u16(w);
        wr_bytes(w, c->cookie, c->cookie_len);
        wr_close(w, ck);
        wr_close(w, e);
    }
    if (v12)
        hs12_client_hello_exts(c, w);
    size_t binders_len = 0;
    if (c->session) {
        /* RFC 8446 §4.2.9: psk_dhe_ke keeps forward secrecy; psk_ke (0)
         * only when the configuration allows it. */
        e = ext_begin(c, w, EXT_PSK_KEY_EXCHANGE_MODES);
        size_t ml = wr_open_u8(w);
        if (cfg->psk_ke)
            wr_u8(w, 0);
        wr_u8(w, 1);
        wr_close(w, ml);
        wr_close(w, e);
        /* pre_shared_key goes last (RFC 8446 §4.2.11); its binder is
         * patched in below, once the rest of the message is final. */
        struct hs_session *s = c->session;
        /* RFC 8446 §4.2.11: an external PSK's obfuscated age is 0. */
        uint32_t age = s->external ? 0 : (uint32_t)(hs_now_ms() - s->issued_ms);
        e = ext_begin(c, w, EXT_PRE_SHARED_KEY);
        size_t ids = wr_open_u16(w);
        size_t id = wr_open_u16(w);
        wr_bytes(w, s->ticket, s->ticket_len);
        wr_close(w, id);
        wr_u32(w, age + s->age_add); /* obfuscated_ticket_age, mod 2^32 */
        wr_close(w, ids);
        size_t binders = wr_open_u16(w);
        size_t b = wr_open_u8(w);
        size_t blen = cry_hash_len(hs_suite13(s->suite)->hash);
        wr_zeros(w, blen);
        wr_close(w, b);
        wr_close(w, binders);
        wr_close(w, e);
        binders_len = 2 + 1 + blen;
        c->psk_offered = true;
    }
    wr_close(w, exts);
    hs_msg_end(w, m);
    if (!wr_ok(w))
        return hs_fail(c, TERN_E_NOMEM, "out of memory building ClientHello");
    if (binders_len) {
        /* The binder's transcript: what came before (message_hash and
         * HelloRetryRequest, after a retry) and the truncated ClientHello. */
        const struct hs_suite *suite = hs_suite13(c->session->suite);
        struct cry_hash_ctx t = {0};
        uint8_t th[CRY_MAX_HASH];
        int rc = c->th.impl ? cry_hash_copy(&t, &c->th) : cry_hash_init(&t, suite->hash);
        if (rc == TERN_OK)
            rc = cry_hash_update(&t, w->buf, w->len - binders_len);
        if (rc == TERN_OK)
            rc = cry_hash_peek(&t, th);
        cry_hash_cleanup(&t);
        if (rc == TERN_OK)
            rc = hs_psk_binder(suite->hash, c->session, th,
                               w->buf + w->len - cry_hash_len(suite->hash));
        if (rc != TERN_OK)
            return hs_fail(c, TERN_E_INTERNAL, "computing the PSK binder failed");
    }
    return TERN_OK;
}

/* use_test_client_hello (test hook) swaps the ClientHello just built for
 * the injected one, adopting its random, session id and offers. */
static int use_test_client_hello(tern_conn *c, struct wr *w)
{
    struct hs13_client_hello m;
    struct tern_err err;
    err_init(&err);
    if (c->test.client_hello_len < 4 || c->test.client_hello[0] != HS_CLIENT_HELLO ||
        hs13_parse_client_hello(hs_msg_body(c->test.client_hello, c->test.client_hello_len), &m,
                                &err) != TERN_OK ||
        !m.has_exts)
        return hs_fail(c, TERN_E_ARG, "the test ClientHello does not parse: %s", err.msg);
    memcpy(c->client_random, m.random, 32);
    memcpy(c->session_id, m.session_id.p, m.session_id.len);
    c->session_id_len = m.session_id.len;
    c->offered_exts = m.ext.present;
    for (size_t i = 0; i < c->n_kex; i++) {
        if (c->kex[i].group != TERN_GROUP_X25519 || !c->test.x25519_priv)
            continue;
        cry_ecdh_cleanup(&c->kex[i].ecdh);
        if (cry_ecdh_import(&c->kex[i].ecdh, CRY_X25519, c->test.x25519_priv, 32) != TERN_OK)
            return hs_fail(c, TERN_E_INTERNAL, "importing the test X25519 key failed");
    }
    w->len = 0;
    wr_bytes(w, c->test.client_hello, c->test.client_hello_len);
    return wr_ok(w) ? TERN_OK : hs_fail(c, TERN_E_NOMEM, "out of memory");
}

/* list_names appends the display names of a list of wire values to buf,
 * ", "-separated (a TERN_FACT_LIST). */
static void list_names(char *buf, size_t cap, const uint16_t *v, size_t n,
                       const char *(*name)(uint16_t))
{
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(buf);
        snprintf(buf + l, cap - l, "%s%s", l ? ", " : "", name(v[i]));
    }
}

/* trace_client_hello: what the ClientHello offered, as the trace's facts
 * (the same filters as write_client_hello). */
static void trace_client_hello(tern_conn *c, size_t bytes)
{
    const tern_config *cfg = c->cfg;
    bool v12 = cfg->min_version <= TERN_TLS12, v13 = cfg->max_version >= TERN_TLS13;
    uint16_t suites[HS_MAX_LIST], groups[HS_MAX_LIST], shares[HS_MAX_LIST];
    size_t ns = 0, ng = 0, nk = 0;
    for (size_t i = 0; i < cfg->n_suites; i++)
        if ((v13 && hs_suite13(cfg->suites[i])) || (v12 && hs_suite12(cfg->suites[i])))
            suites[ns++] = cfg->suites[i];
    for (size_t i = 0; i < cfg->n_groups; i++)
        if (v13 ? cry_kex_supported(cfg->groups[i]) : hs12_group_ok(cfg->groups[i]))
            groups[ng++] = cfg->groups[i];
    for (size_t i = 0; i < c->n_kex && v13; i++)
        shares[nk++] = c->kex[i].group;
    char suite_text[512] = "", group_text[256] = "", share_text[128] = "", sig_text[512] = "";
    list_names(suite_text, sizeof(suite_text), suites, ns, tern_suite_name);
    list_names(group_text, sizeof(group_text), groups, ng, tern_group_name);
    list_names(share_text, sizeof(share_text), shares, nk, tern_group_name);
    list_names(sig_text, sizeof(sig_text), cfg->sigs, cfg->n_sigs, tern_sig_scheme_name);
    struct tern_trace_fact f[] = {
        {"versions", v12 && v13 ? "TLS 1.3, TLS 1.2"
                     : v13      ? "TLS 1.3"
                                : "TLS 1.2"},
        {"cipher_suites", suite_text},
        {"groups", group_text},
        {"signature_schemes", sig_text},
        {"server_name", c->server_name && !name_is_ip(c->server_name) ? c->server_name : "(none)"},
        /* TLS 1.2 has no key_share extension (RFC 8446 §4.2.8 is 1.3's) */
        {"key_shares", share_text},
    };
    const char *explain =
        c->hrr_done ? "We said hello again, this time with a key share for the group the server "
                      "asked for."
        : v13 ? "We proposed what we can do: TLS versions, cipher suites, key-exchange groups with "
                "our public key shares, signature schemes, and the name of the server we want."
              : "We proposed TLS 1.2, our cipher suites, the groups we can use for an ephemeral "
                "key exchange, signature schemes, and the name of the server we want; in TLS "
                "1.2 the key exchange comes later, after the server's certificate.";
    hs_trace_msg(c, true, "ClientHello", explain, bytes, f,
                 sizeof(f) / sizeof(f[0]) - (v13 ? 0 : 1));
}

static int send_client_hello(tern_conn *c)
{
    struct wr w;
    wr_init_grow(&w);
    int rc = write_client_hello(c, &w);
    if (rc == TERN_OK && c->test.client_hello && !c->hrr_done)
        rc = use_test_client_hello(c, &w);
    if (rc == TERN_OK)
        rc = hs_send(c, w.buf, w.len);
    if (rc == TERN_OK)
        trace_client_hello(c, w.len);
    wr_free(&w);
    return rc;
}

int hs_client_start(tern_conn *c)
{
    TRY(hs_random(c, c->client_random, 32));
    /* Middlebox compatibility (RFC 8446 Appendix D.4): a fake session id
     * (none when only TLS 1.2 is offered, unless a 1.2 ticket needs one). */
    bool v13 = c->cfg->max_version >= TERN_TLS13;
    c->session_id_len = v13 ? 32 : 0;
    if (v13)
        TRY(hs_random(c, c->session_id, 32));
    if (v13)
        TRY(make_shares(c, 0));
    /* Resume when we hold a ticket for this server whose suite we still allow. */
    struct hs_session s;
    if (v13 && hs_psk_external_client(c, &s)) {
        /* An external PSK (hs/psk.c) comes before any ticket. */
        c->session = tern_memdup(&s, sizeof(s));
        hs_session_wipe(&s);
        if (!c->session)
            return hs_fail(c, TERN_E_NOMEM, "out of memory");
    } else if (c->server_name && hs_cache_take(c->cfg, c->server_name, &s)) {
        if (s.version == TERN_TLS12) {
            (void)hs12_client_offer_session(c, &s); /* TLS 1.2 hook: a ticket (RFC 5077) */
        } else if (v13 && hs_list_has(c->cfg->suites, c->cfg->n_suites, s.suite) &&
                   (c->session = tern_memdup(&s, sizeof(s))) != NULL) {
            struct tern_trace_fact f[] = {{"ticket_for", s.server_name}};
            hs_trace(c, TERN_TRACE_CHECK, TERN_DIR_LOCAL, "session ticket",
                     "We hold a ticket from an earlier visit to this server and offer it, "
                     "hoping for an abbreviated handshake.",
                     0, f, 1);
        }
        hs_session_wipe(&s);
    }
    /* RFC 8446 §5.1: an initial ClientHello may say 0x0301 for old middleboxes. */
    c->rd_out.plain_version = 0x0301;
    int rc = send_client_hello(c);
    c->rd_out.plain_version = 0;
    TRY(rc);
    c->state = HS_C_WAIT_SH;
    return TERN_OK;
}

/* ---- ServerHello / HelloRetryRequest ---- */

/* check_server_hello13: what TLS 1.3 asks of a ServerHello or
 * HelloRetryRequest (hs/hello.c parsed it and chose TLS 1.3). */
static int check_server_hello13(tern_conn *c, struct hs_server_hello *sh, struct hs13_sh_exts *x)
{
    if (!sh->has_exts) {
        /* No extensions at all: a TLS 1.2-or-older server. */
        return hs_fail(c, TERN_E_PROTOCOL_VERSION,
                       "the server answered with %s and no extensions; tern offered only TLS "
                       "1.3",
                       tern_version_name(sh->legacy));
    }
    const char *what = sh->is_hrr ? "HelloRetryRequest" : "ServerHello";
    TRY(hs_parse_server_hello_exts(c, sh, sh->is_hrr ? EXT_IN_HRR : EXT_IN_SH, 1ull << EXT_COOKIE,
                                   what));
    struct tern_err err;
    err_init(&err);
    if (hs13_parse_sh_exts(&sh->ext, sh->is_hrr, x, &err) != TERN_OK)
        return hs_fail_err(c, &err);
    if (sh->legacy != 0x0303)
        return hs_fail(c, TERN_E_PROTOCOL_VERSION, "%s legacy_version is 0x%04x, expected 0x0303",
                       what, sh->legacy);
    if (!x->has_version) {
        /* RFC 8446 §4.1.3: a TLS 1.3 client checks the downgrade sentinel. */
        if (!memcmp(sh->random + 24, hs_downgrade12, 8) ||
            !memcmp(sh->random + 24, hs_downgrade11, 8))
            return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                           "the server's random carries the downgrade sentinel: someone may "
                           "be forcing an older version");
        return hs_fail(c, TERN_E_PROTOCOL_VERSION,
                       "the server chose an older TLS version; tern offered only TLS 1.3");
    }
    uint16_t v = x->version;
    if (v != TERN_TLS13)
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "the server selected version 0x%04x (%s), which we did not offer", v,
                       tern_version_name(v));
    if (sh->session_id.len != c->session_id_len ||
        memcmp(sh->session_id.p, c->session_id, c->session_id_len) != 0)
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER, "%s does not echo our legacy_session_id", what);
    if (sh->compression != 0)
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER, "%s selected compression method %u", what,
                       sh->compression);
    if (!hs_suite13(sh->suite) || !hs_list_has(c->cfg->suites, c->cfg->n_suites, sh->suite))
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "the server selected cipher suite 0x%04x, which we did not offer",
                       sh->suite);
    if (c->hrr_done && sh->suite != c->suite)
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "ServerHello's suite %s differs from the HelloRetryRequest's %s",
                       tern_suite_name(sh->suite), tern_suite_name(c->suite));
    return TERN_OK;
}

static int on_hello_retry(tern_conn *c, struct hs_server_hello *sh, const struct hs13_sh_exts *x,
                          const uint8_t *msg, size_t len)
{
    if (c->hrr_done)
        return hs_fail(c, TERN_E_UNEXPECTED_MESSAGE,
                       "a second HelloRetryRequest (RFC 8446 §4.1.4 allows one)");
    c->hrr_done = true;
    c->suite = sh->suite;
    uint16_t group = x->has_key_share ? x->group : 0;
    if (x->has_key_share) {
        if (!hs_list_has(c->cfg->groups, c->cfg->n_groups, group) || !cry_kex_supported(group))
            return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                           "the server asked for group %s (0x%04x), which we did not offer",
                           tern_group_name(group), group);
        for (size_t i = 0; i < c->n_kex; i++)
            if (c->kex[i].group == group)
                return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                               "the server asked for group %s, for which we already sent a key "
                               "share",
                               tern_group_name(group));
    }
    c->cookie_len = 0;
    if (x->has_cookie) {
        if (x->cookie.len > HS_HRR_COOKIE_MAX)
            return hs_fail(c, TERN_E_DECODE,
                           "HelloRetryRequest: malformed cookie of %zu bytes (tern keeps up to %d)",
                           x->cookie.len, HS_HRR_COOKIE_MAX);
        /* kept only by a client that met a HelloRetryRequest */
        if (!c->cookie && !(c->cookie = tern_malloc(HS_HRR_COOKIE_MAX)))
            return hs_fail(c, TERN_E_NOMEM, "out of memory for the HelloRetryRequest's cookie");
        memcpy(c->cookie, x->cookie.p, x->cookie.len);
        c->cookie_len = x->cookie.len;
    }
    if (!group && !c->cookie_len)
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "a HelloRetryRequest that changes nothing (RFC 8446 §4.1.4)");

    /* RFC 8446 §4.4.1: ClientHello1 is replaced by message_hash. */
    const struct hs_suite *s = hs_suite13(sh->suite);
    if (c->session && hs_suite13(c->session->suite)->hash != s->hash) {
        /* RFC 8446 §4.1.4: drop a PSK whose hash does not fit the new suite. */
        tern_free_secret(c->session, sizeof(*c->session));
        c->session = NULL;
    }
    uint8_t mh[4 + CRY_MAX_HASH] = {HS_MESSAGE_HASH, 0, 0, (uint8_t)cry_hash_len(s->hash)};
    if (cry_hash(s->hash, c->ch_buf.buf, c->ch_buf.len, mh + 4) != TERN_OK)
        return hs_fail(c, TERN_E_INTERNAL, "hashing ClientHello failed");
    TRY(hs_transcript_start(c, s->hash));
    TRY(hs_transcript_add(c, mh, 4 + cry_hash_len(s->hash)));
    TRY(hs_transcript_add(c, msg, len));
    c->round_trips++;
    struct tern_trace_fact f[] = {{"group", group ? tern_group_name(group) : "(unchanged)"},
                                  {"cookie", c->cookie_len ? "yes" : "no"}};
    hs_trace_msg(c, false, "HelloRetryRequest",
                 group ? "The server can't use any key share we sent and asks us to say hello "
                         "again with one for the group it names; this costs one extra round trip."
                       : "The server asks us to say hello again, returning its cookie (RFC 8446 "
                         "§4.2.2); this costs one extra round trip.",
                 len, f, 2);
    if (group)
        TRY(make_shares(c, group));
    /* Middlebox compatibility: the CCS goes before our second flight. */
    if (c->session_id_len)
        TRY(hs_send_ccs(c));
    return send_client_hello(c);
}

int hs13_client_server_hello(tern_conn *c, struct hs_server_hello *sh, const uint8_t *msg,
                             size_t len)
{
    struct hs13_sh_exts x;
    TRY(check_server_hello13(c, sh, &x));
    if (sh->is_hrr)
        return on_hello_retry(c, sh, &x, msg, len);

    /* Without key_share the server resumes with psk_ke, which we offered
     * only if the configuration allows it. */
    bool psk_ke = !x.has_key_share;
    if (psk_ke && !(c->cfg->psk_ke && c->session && x.has_psk))
        return hs_fail(c, TERN_E_MISSING_EXTENSION,
                       "ServerHello has no key_share, and we did not offer resumption without "
                       "a key exchange (psk_ke)");
    struct rd share = x.share;
    uint16_t group = x.group;
    struct cry_kex *k = NULL;
    for (size_t i = 0; i < c->n_kex; i++)
        if (c->kex[i].group == group)
            k = &c->kex[i];
    if (!k && !psk_ke)
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "the server answered with a %s (0x%04x) key share, which we did not send",
                       tern_group_name(group), group);
    if (x.has_psk) {
        uint16_t index = x.psk_index;
        if (!c->session || index != 0)
            return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                           "ServerHello selects PSK identity %u, which we did not offer", index);
        if (hs_suite13(c->session->suite)->hash != hs_suite13(sh->suite)->hash)
            return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                           "the server resumed with %s, whose hash differs from the ticket's "
                           "suite %s",
                           tern_suite_name(sh->suite), tern_suite_name(c->session->suite));
        c->resumed = true;
        /* The original handshake verified the server's chain and signature. */
        c->proofs |= PROOF_PEER_CHAIN | PROOF_PEER_SIGNATURE;
        TRY(hs_session_take_peer(c, c->session));
    } else if (c->session) {
        /* Declined: a full handshake follows; the ticket is spent either way. */
        tern_free_secret(c->session, sizeof(*c->session));
        c->session = NULL;
    }

    memcpy(c->server_random, sh->random, 32);
    c->suite = sh->suite;
    c->group = group;
    c->version = TERN_TLS13;
    const struct hs_suite *s = hs_suite13(sh->suite);
    if (!c->hrr_done) {
        TRY(hs_transcript_start(c, s->hash));
        TRY(hs_transcript_add(c, c->ch_buf.buf, c->ch_buf.len));
    }
    TRY(hs_transcript_add(c, msg, len));
    c->round_trips++;

    uint8_t secret[CRY_KEX_MAX_SECRET];
    size_t secret_len = 0; /* psk_ke: no (EC)DHE input (zeros, RFC 8446 §7.1) */
    int rc = psk_ke ? TERN_OK
                    : cry_kex_finish(k, share.p, share.len, secret, sizeof(secret), &secret_len);
    if (rc != TERN_OK)
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "the server's %s key share (%zu bytes) is invalid", tern_group_name(group),
                       share.len);
    struct tern_trace_fact f[4 + HS_TRACE_HYBRID_FACTS] = {
        {"version", "TLS 1.3"},
        {"cipher_suite", tern_suite_name(sh->suite)},
        {"group", psk_ke ? "(none: psk_ke, no forward secrecy)" : tern_group_name(group)},
        {"resumption", c->resumed ? "the server accepted our ticket" : "no"},
    };
    size_t nf = 4 + hs_trace_hybrid_facts(psk_ke ? 0 : group, f + 4);
    char explain[512];
    snprintf(explain, sizeof(explain), "%s%s",
             c->resumed && psk_ke
                 ? "The server accepted our ticket without a key exchange (psk_ke): an "
                   "abbreviated handshake with no certificate, no signature and no forward "
                   "secrecy."
             : c->resumed ? "The server accepted our ticket: an abbreviated handshake, with a "
                            "fresh key exchange but no certificate or signature this time."
                          : "The server picked the version, the cipher suite and the "
                            "key-exchange group, and sent its own key share.",
             hs_trace_hybrid_note(psk_ke ? 0 : group));
    hs_trace_msg(c, false, "ServerHello", explain, len, f, nf);
    rc = hs13_handshake_keys(c, secret, secret_len);
    tern_memzero(secret, sizeof(secret));
    TRY(rc);
    for (size_t i = 0; i < c->n_kex; i++)
        cry_kex_cleanup(&c->kex[i]);
    c->n_kex = 0;
    c->state = HS_C_WAIT_EE;
    return TERN_OK;
}

static int on_encrypted_extensions(tern_conn *c, struct rd body, const uint8_t *msg, size_t len)
{
    struct hs_exts e;
    struct tern_err err;
    err_init(&err);
    if (hs13_parse_encrypted_extensions(body, c->offered_exts, &e, &err) != TERN_OK)
        return hs_fail_err(c, &err);
    if (hs_ext_has(&e, EXT_ALPN))
        TRY(hs_read_alpn_choice(c, e.body[EXT_ALPN], "EncryptedExtensions"));
    TRY(hs_transcript_add(c, msg, len));
    struct tern_trace_fact f[] = {{"alpn", c->alpn[0] ? c->alpn : "(none)"}};
    hs_trace_msg(c, false, "EncryptedExtensions",
                 "The rest of the server's choices, now hidden from onlookers: here, the "
                 "application protocol.",
                 len, f, 1);
    c->state = c->resumed ? HS_C_WAIT_FINISHED : HS_C_WAIT_CERT_CR;
    return TERN_OK;
}

static int on_certificate_request(tern_conn *c, struct rd body, const uint8_t *msg, size_t len)
{
    struct hs13_cert_request cr;
    struct tern_err err;
    err_init(&err);
    _Static_assert(HS13_MAX_CONTEXT <= sizeof(c->cr_context), "cr_context holds the context");
    if (hs13_parse_certificate_request(body, &cr, &err) != TERN_OK)
        return hs_fail_err(c, &err);
    c->n_peer_sigs_sent =
        hs_u16_list_keep(cr.sigalgs, hs_known_scheme, c->peer_sigs, HS_KNOWN_MAX, &c->n_peer_sigs);
    if (cr.has_cas)
        TRY(hs_keep_peer_ca_names(c, cr.cas));
    memcpy(c->cr_context, cr.context.p, cr.context.len);
    c->cr_context_len = cr.context.len;
    TRY(hs_took_cert_request(c, msg, len));
    c->state = HS_C_WAIT_CERT;
    return TERN_OK;
}

/* flight_end: the client's Finished; also where an asynchronous
 * signature resumes the handshake (hs/keyops.c). */
static int flight_end(tern_conn *c)
{
    TRY(hs13_send_finished(c));
    TRY(hs13_install_app_keys(c, true));
    return hs13_complete(c);
}

static int send_second_flight(tern_conn *c)
{
    if (!c->hrr_done && c->session_id_len)
        TRY(hs_send_ccs(c)); /* middlebox compatibility, once */
    if (c->cert_requested) {
        TRY(hs13_send_certificate(c, c->cr_context, c->cr_context_len));
        if (c->cert) {
            c->async_next = flight_end; /* an external key may answer later */
            int cv = hs13_send_certificate_verify(c);
            if (cv == TERN_WANT_ASYNC)
                return cv;
            c->async_next = NULL;
            TRY(cv);
        }
    }
    return flight_end(c);
}

int hs_client_message(tern_conn *c, uint8_t type, struct rd body, const uint8_t *msg, size_t len)
{
    if (c->version == TERN_TLS12) /* TLS 1.2 hook */
        return hs12_client_message(c, type, body, msg, len);
    switch (c->state) {
    case HS_C_WAIT_SH:
        if (type == HS_SERVER_HELLO)
            return hs_client_server_hello(c, body, msg, len);
        break;
    case HS_C_WAIT_EE:
        if (type == HS_ENCRYPTED_EXTENSIONS)
            return on_encrypted_extensions(c, body, msg, len);
        break;
    case HS_C_WAIT_CERT_CR:
        if (type == HS_CERTIFICATE_REQUEST)
            return on_certificate_request(c, body, msg, len);
        /* fall through */
    case HS_C_WAIT_CERT:
        if (type == HS_CERTIFICATE) {
            TRY(hs13_recv_certificate(c, body, msg, len));
            c->state = HS_C_WAIT_CV;
            return TERN_OK;
        }
        break;
    case HS_C_WAIT_CV:
        if (type == HS_CERTIFICATE_VERIFY) {
            TRY(hs13_recv_certificate_verify(c, body, msg, len));
            c->state = HS_C_WAIT_FINISHED;
            return TERN_OK;
        }
        break;
    case HS_C_WAIT_FINISHED:
        if (type == HS_FINISHED) {
            TRY(hs13_recv_finished(c, body, msg, len));
            TRY(hs13_master_keys(c));
            TRY(hs13_install_app_keys(c, false));
            return send_second_flight(c);
        }
        break;
    default:
        break;
    }
    return hs_fail(c, TERN_E_UNEXPECTED_MESSAGE, "unexpected %s (type %u) %s (TLS 1.3 client)",
                   hs_type_name(type), type, hs_state_name(c->state));
}
