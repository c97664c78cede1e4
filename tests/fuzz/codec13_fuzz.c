/* Fuzz every TLS 1.3 codec (src/hs/codec13.h) alone, and hs_exts_parse.
 *
 * The first input byte picks the codec (modulo CODEC13_MODES, the table
 * below); the rest is the message body or extension body. Every codec must
 * return either TERN_OK with views inside the input and its promises kept
 * (counts within caps, lists whole, values in range) or an error whose
 * status maps to an alert and whose sentence is not empty.
 * Seeds: tests/fuzz/corpus/codec13_fuzz/, cut from RFC 8448's trace and
 * from tern's recorded handshakes by scripts/codec13_seeds.py. */
#include "hs/codec13.h"
#include "hs/session.h"
#include "tern/tern.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
    M_VERSIONS_CH,
    M_VERSIONS_SH,
    M_KEY_SHARE_CH,
    M_KEY_SHARE_SH,
    M_KEY_SHARE_HRR,
    M_GROUPS,
    M_SIGALGS,
    M_SNI,
    M_EMPTY,
    M_ALPN_LIST,
    M_ALPN_CHOICE,
    M_PSK_MODES,
    M_PSK_SH,
    M_COOKIE,
    M_EARLY_DATA_NST,
    M_CAS,
    M_COMPRESSION,
    M_CH_EXTS, /* an extension block, split for ClientHello, then its 1.3 parts */
    M_SH_EXTS,
    M_HRR_EXTS,
    M_EE,
    M_CERTIFICATE,
    M_CERT_VERIFY,
    M_CERT_REQUEST,
    M_NST,
    M_KEY_UPDATE,
    M_PSK_CH,
    M_CLIENT_HELLO,
    M_SERVER_HELLO,
    M_EXTS, /* hs_exts_parse: the next byte picks the message and the offer */
    CODEC13_MODES
};

static const uint8_t *base;
static size_t base_len;

static void inside(struct rd r)
{
    if (r.len && (r.p < base || r.p + r.len > base + base_len))
        abort();
}

static void even_list(struct rd r)
{
    inside(r);
    if (r.len < 2 || r.len % 2)
        abort();
}

static void exts_inside(const struct hs_exts *e)
{
    for (int i = 0; i < EXT_COUNT; i++)
        if (hs_ext_has(e, (enum hs_ext_id)i))
            inside(e->body[i]);
    if (e->work > e->count * (EXT_COUNT + 1) + e->count)
        abort(); /* constant work per extension */
}

static bool keep_odd(uint16_t g)
{
    return g & 1;
}

static void shares_ok(const struct hs13_key_shares *ks)
{
    if (ks->n > HS13_MAX_SHARES || ks->n > ks->total)
        abort();
    for (size_t i = 0; i < ks->n; i++) {
        inside(ks->share[i]);
        if (ks->share[i].len == 0)
            abort();
        for (size_t j = 0; j < i; j++)
            if (ks->group[i] == ks->group[j])
                abort();
    }
}

static void ch_ok(const struct hs13_ch_exts *x)
{
    if (x->has_sigalgs)
        even_list(x->sigalgs);
    if (x->has_sigalgs_cert)
        even_list(x->sigalgs_cert);
    if (x->has_groups) {
        even_list(x->groups);
        for (size_t i = 0; i < x->shares.n; i++)
            if (!hs_u16_set_has(&x->listed, x->shares.group[i]))
                abort();
    }
    shares_ok(&x->shares);
    if (x->has_cookie && x->cookie.len == 0)
        abort();
    inside(x->cookie);
}

static int run(int mode, struct rd body, struct tern_err *err)
{
    switch (mode) {
    case M_VERSIONS_CH: {
        struct hs13_versions v;
        int rc = hs13_parse_versions_ch(body, &v, err);
        if (rc == TERN_OK && (v.n * 2 != v.list.len || v.n == 0 || v.highest > 0x0304))
            abort();
        if (rc == TERN_OK)
            even_list(v.list);
        return rc;
    }
    case M_VERSIONS_SH: {
        uint16_t v;
        return hs13_parse_versions_sh(body, "ServerHello", &v, err);
    }
    case M_KEY_SHARE_CH: {
        struct hs13_key_shares ks;
        int rc = hs13_parse_key_share_ch(body, NULL, keep_odd, &ks, err);
        if (rc == TERN_OK) {
            shares_ok(&ks);
            for (size_t i = 0; i < ks.n; i++)
                if (!keep_odd(ks.group[i]))
                    abort();
        }
        return rc;
    }
    case M_KEY_SHARE_SH: {
        uint16_t g;
        struct rd s = {0};
        int rc = hs13_parse_key_share_sh(body, &g, &s, err);
        if (rc == TERN_OK && (s.len == 0 || s.len + 4 != body.len))
            abort();
        inside(s);
        return rc;
    }
    case M_KEY_SHARE_HRR: {
        uint16_t g;
        return hs13_parse_key_share_hrr(body, &g, err);
    }
    case M_GROUPS: {
        struct rd l = {0};
        struct hs_u16_set *listed = malloc(sizeof(*listed));
        if (!listed)
            return TERN_E_NOMEM;
        int rc = hs13_parse_groups(body, &l, listed, err);
        if (rc == TERN_OK) {
            even_list(l);
            if (!hs_u16_set_has(listed, (uint16_t)(l.p[0] << 8 | l.p[1])))
                abort();
        }
        free(listed);
        return rc;
    }
    case M_SIGALGS: {
        struct rd l = {0};
        int rc = hs13_parse_sigalgs(body, "signature_algorithms", &l, err);
        if (rc == TERN_OK)
            even_list(l);
        return rc;
    }
    case M_SNI: {
        struct rd name = {0};
        int rc = hs13_parse_sni(body, &name, err);
        if (rc == TERN_OK && (name.len == 0 || memchr(name.p, 0, name.len)))
            abort();
        inside(name);
        return rc;
    }
    case M_EMPTY: {
        int rc = hs13_parse_empty(body, "early_data", err);
        if (rc == TERN_OK && body.len)
            abort();
        return rc;
    }
    case M_ALPN_LIST: {
        struct rd l = {0};
        int rc = hs13_parse_alpn_list(body, &l, err);
        if (rc == TERN_OK) {
            inside(l);
            struct rd n = {0};
            while (!rd_empty(&l))
                if (!rd_prefixed8(&l, &n) || n.len == 0)
                    abort();
        }
        return rc;
    }
    case M_ALPN_CHOICE: {
        struct rd n = {0};
        int rc = hs13_parse_alpn_choice(body, "EncryptedExtensions", &n, err);
        if (rc == TERN_OK && (n.len == 0 || n.len + 3 != body.len))
            abort();
        inside(n);
        return rc;
    }
    case M_PSK_MODES: {
        bool ke, dhe;
        return hs13_parse_psk_modes(body, &ke, &dhe, err);
    }
    case M_PSK_SH: {
        uint16_t i;
        return hs13_parse_psk_sh(body, &i, err);
    }
    case M_COOKIE: {
        struct rd ck = {0};
        int rc = hs13_parse_cookie(body, "HelloRetryRequest", &ck, err);
        if (rc == TERN_OK && ck.len == 0)
            abort();
        inside(ck);
        return rc;
    }
    case M_EARLY_DATA_NST: {
        uint32_t m;
        return hs13_parse_early_data_nst(body, &m, err);
    }
    case M_CAS: {
        struct rd cas = {0};
        int rc = hs13_parse_cas(body, "CertificateRequest", &cas, err);
        if (rc == TERN_OK && cas.len < 3)
            abort();
        inside(cas);
        return rc;
    }
    case M_COMPRESSION:
        return hs13_parse_compression(body, err);
    case M_CH_EXTS:
    case M_SH_EXTS:
    case M_HRR_EXTS: {
        struct hs_exts e;
        unsigned where = mode == M_CH_EXTS ? EXT_IN_CH : mode == M_SH_EXTS ? EXT_IN_SH : EXT_IN_HRR;
        int rc = hs_exts_parse(body, where, ~0ull, "hello", &e, err);
        if (rc != TERN_OK)
            return rc;
        exts_inside(&e);
        if (mode == M_CH_EXTS) {
            struct hs13_ch_exts *x = malloc(sizeof(*x));
            if (!x)
                return TERN_E_NOMEM;
            rc = hs13_parse_ch_exts(&e, keep_odd, x, err);
            if (rc == TERN_OK)
                ch_ok(x);
            free(x);
            return rc;
        }
        struct hs13_sh_exts y;
        rc = hs13_parse_sh_exts(&e, mode == M_HRR_EXTS, &y, err);
        if (rc == TERN_OK) {
            inside(y.share);
            inside(y.cookie);
            if ((mode == M_SH_EXTS && y.has_key_share && y.share.len == 0) ||
                (mode == M_HRR_EXTS && (y.share.len || y.has_psk)) ||
                (mode == M_SH_EXTS && y.has_cookie))
                abort();
        }
        return rc;
    }
    case M_EE: {
        struct hs_exts e;
        int rc = hs13_parse_encrypted_extensions(body, ~0ull, &e, err);
        if (rc == TERN_OK) {
            exts_inside(&e);
            if (hs_ext_has(&e, EXT_SERVER_NAME) && e.body[EXT_SERVER_NAME].len)
                abort();
        }
        return rc;
    }
    case M_CERTIFICATE: {
        struct hs13_certificate ct;
        int rc = hs13_parse_certificate(body, 0, &ct, err);
        if (rc == TERN_OK) {
            if (ct.n > HS13_MAX_CHAIN)
                abort();
            inside(ct.context);
            for (size_t i = 0; i < ct.n; i++) {
                inside(ct.cert[i]);
                inside(ct.exts[i]);
                if (ct.cert[i].len == 0 || ct.exts[i].len)
                    abort(); /* nothing offered, so no entry extension passes */
            }
        }
        return rc;
    }
    case M_CERT_VERIFY: {
        uint16_t s;
        struct rd sig = {0};
        int rc = hs13_parse_certificate_verify(body, &s, &sig, err);
        if (rc == TERN_OK && sig.len + 4 != body.len)
            abort();
        inside(sig);
        return rc;
    }
    case M_CERT_REQUEST: {
        struct hs13_cert_request cr;
        int rc = hs13_parse_certificate_request(body, &cr, err);
        if (rc == TERN_OK) {
            if (cr.context.len > HS13_MAX_CONTEXT)
                abort();
            inside(cr.context);
            even_list(cr.sigalgs);
            exts_inside(&cr.ext);
            if (cr.has_cas)
                inside(cr.cas);
        }
        return rc;
    }
    case M_NST: {
        struct hs13_ticket t;
        int rc = hs13_parse_new_session_ticket(body, &t, err);
        if (rc == TERN_OK) {
            if (t.lifetime_s > HS13_MAX_TICKET_LIFETIME || t.ticket.len == 0)
                abort();
            inside(t.nonce);
            inside(t.ticket);
            exts_inside(&t.ext);
        }
        return rc;
    }
    case M_KEY_UPDATE: {
        uint8_t req;
        int rc = hs13_parse_key_update(body, &req, err);
        if (rc == TERN_OK) {
            if (req > 1)
                abort();
            uint8_t buf[5];
            struct wr w;
            wr_init_fixed(&w, buf, sizeof(buf));
            hs13_write_key_update(&w, req);
            if (!wr_ok(&w) || w.len != 5 || buf[4] != req)
                abort(); /* round trip */
        }
        return rc;
    }
    case M_PSK_CH: {
        struct hs_offered_psk psks[HS_MAX_PSKS];
        size_t n, binders_len;
        int rc = hs_psk_parse(body, psks, &n, &binders_len, err);
        if (rc == TERN_OK) {
            if (n == 0 || n > HS_MAX_PSKS || binders_len > body.len)
                abort();
            for (size_t i = 0; i < n; i++) {
                inside(psks[i].identity);
                inside(psks[i].binder);
            }
        }
        return rc;
    }
    case M_CLIENT_HELLO: {
        struct hs13_client_hello *m = malloc(sizeof(*m));
        if (!m)
            return TERN_E_NOMEM;
        int rc = hs13_parse_client_hello(body, m, err);
        if (rc == TERN_OK) {
            inside(m->session_id);
            inside(m->suites);
            inside(m->compression);
            exts_inside(&m->ext);
            if (m->session_id.len > 32 || m->legacy <= 0x0300 || m->random < base ||
                m->random + 32 > base + base_len)
                abort();
        }
        free(m);
        return rc;
    }
    case M_SERVER_HELLO: {
        struct hs13_server_hello m;
        int rc = hs13_parse_server_hello(body, &m, err);
        if (rc == TERN_OK) {
            inside(m.session_id);
            inside(m.exts);
            if (m.legacy <= 0x0300 || (m.has_sv && !m.has_exts))
                abort();
        }
        return rc;
    }
    case M_EXTS: {
        uint8_t sel;
        if (!rd_u8(&body, &sel))
            return TERN_OK;
        struct hs_exts e;
        unsigned where = 1u << (sel & 7);
        uint64_t offered = sel & 8 ? ~0ull : 0;
        int rc = hs_exts_parse(body, where, offered, "message", &e, err);
        if (rc == TERN_OK) {
            exts_inside(&e);
            if (!(where & (EXT_IN_CH | EXT_IN_CR | EXT_IN_NST)) && !offered && e.count)
                abort(); /* a response carries only what we offered */
        }
        return rc;
    }
    default:
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int mode = data[0] % CODEC13_MODES;
    base = data + 1;
    base_len = size - 1;
    struct rd body;
    rd_init(&body, base, base_len);
    struct tern_err err;
    err_init(&err);
    int rc = run(mode, body, &err);
    if (rc != TERN_OK && rc != TERN_E_NOMEM &&
        (err.code != rc || tern_status_alert(rc) < 0 || err.msg[0] == '\0'))
        abort(); /* every failure names its value and maps to an alert */
    return 0;
}
