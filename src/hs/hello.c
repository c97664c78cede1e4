/* The hellos, parsed once and the version chosen in one place (RFC 8446
 * §4.1.2-4.1.4, §4.2.1; RFC 5246 §7.4.1.2-3): the server reads a
 * ClientHello here into struct hs_client_hello, picks TLS 1.3 or 1.2, and
 * hands the parsed message to that version's machine (server13.c,
 * server12.c); the client does the same with a ServerHello (struct
 * hs_server_hello; client13.c, client12.c). */
#include "hs/codec13.h"
#include "hs/internal.h"
#include "hs/tls12.h"

#include <stdio.h>
#include <string.h>

int hs_parse_client_hello(tern_conn *c, struct rd body, struct hs_client_hello *ch)
{
    memset(ch, 0, sizeof(*ch));
    struct hs13_client_hello m;
    struct tern_err err;
    err_init(&err);
    if (hs13_parse_client_hello(body, &m, &err) != TERN_OK)
        return hs_fail_err(c, &err);
    ch->legacy = m.legacy;
    ch->random = m.random;
    ch->session_id = m.session_id;
    ch->suites = m.suites;
    ch->compression = m.compression;
    ch->has_exts = m.has_exts;
    ch->ext = m.ext;

    /* The versions offered (RFC 8446 §4.2.1): supported_versions when
     * present, else legacy_version is the client's highest. */
    if (hs_ext_has(&ch->ext, EXT_SUPPORTED_VERSIONS)) {
        struct hs13_versions sv;
        if (hs13_parse_versions_ch(ch->ext.body[EXT_SUPPORTED_VERSIONS], &sv, &err) != TERN_OK)
            return hs_fail_err(c, &err);
        ch->has_sv = true;
        ch->offers13 = sv.offers13;
        ch->offers12 = sv.offers12;
        ch->highest = sv.highest;
        struct rd vl = sv.list;
        uint16_t v;
        while (rd_u16(&vl, &v)) { /* the text of what is offered: one pass */
            if ((v & 0x0f0f) != 0x0a0a && strlen(ch->offered) + 16 < sizeof(ch->offered))
                snprintf(ch->offered + strlen(ch->offered),
                         sizeof(ch->offered) - strlen(ch->offered), "%s%s",
                         ch->offered[0] ? ", " : "", tern_version_name(v));
        }
    } else {
        ch->offers12 = ch->legacy >= TERN_TLS12; /* anything above 1.2 means 1.2 */
        ch->highest = ch->legacy > TERN_TLS12 ? TERN_TLS12 : ch->legacy;
        snprintf(ch->offered, sizeof(ch->offered), "%s (0x%04x)", tern_version_name(ch->legacy),
                 ch->legacy);
    }
    return TERN_OK;
}

static void versions_text(uint16_t min, uint16_t max, char *buf, size_t cap)
{
    if (min == max)
        snprintf(buf, cap, "only %s", tern_version_name(min));
    else
        snprintf(buf, cap, "%s to %s", tern_version_name(min), tern_version_name(max));
}

int hs_server_version(tern_conn *c, const struct hs_client_hello *ch, uint16_t *out)
{
    const tern_config *cfg = c->cfg;
    if (ch->offers13 && cfg->max_version >= TERN_TLS13) {
        *out = TERN_TLS13;
        return TERN_OK;
    }
    if (ch->offers12 && cfg->min_version <= TERN_TLS12) {
        *out = TERN_TLS12;
        return TERN_OK;
    }
    char ours[64];
    versions_text(cfg->min_version, cfg->max_version, ours, sizeof(ours));
    return hs_fail(c, TERN_E_PROTOCOL_VERSION,
                   "no TLS version in common: the client offers %s; this server speaks %s (SSL "
                   "3.0, TLS 1.0 and TLS 1.1 are refused)",
                   ch->offered[0] ? ch->offered : "nothing it names", ours);
}

int hs_server_client_hello(tern_conn *c, struct rd body, const uint8_t *msg, size_t len)
{
    struct hs_client_hello ch;
    TRY(hs_parse_client_hello(c, body, &ch));
    uint16_t v;
    TRY(hs_server_version(c, &ch, &v));
    if (v == TERN_TLS13)
        return hs13_server_client_hello(c, &ch, msg, len);
    if (c->state != HS_S_WAIT_CH) /* RFC 8446 §4.1.4: the retry stays TLS 1.3 */
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "the second ClientHello no longer offers TLS 1.3 (it offers %s)",
                       ch.offered);
    return hs12_server_client_hello(c, &ch, msg, len);
}

/* ---- the client's side: the ServerHello ---- */

int hs_parse_server_hello(tern_conn *c, struct rd body, struct hs_server_hello *sh)
{
    memset(sh, 0, sizeof(*sh));
    struct hs13_server_hello m;
    struct tern_err err;
    err_init(&err);
    if (hs13_parse_server_hello(body, &m, &err) != TERN_OK)
        return hs_fail_err(c, &err);
    /* Whether supported_versions is there decides the version, and so the
     * table the extensions are then parsed with (hs_parse_server_hello_exts). */
    sh->legacy = m.legacy;
    sh->random = m.random;
    sh->session_id = m.session_id;
    sh->suite = m.suite;
    sh->compression = m.compression;
    sh->has_exts = m.has_exts;
    sh->has_sv = m.has_sv;
    sh->is_hrr = m.is_hrr;
    sh->exts = m.exts;
    return TERN_OK;
}

int hs_client_version(tern_conn *c, const struct hs_server_hello *sh, uint16_t *out)
{
    /* supported_versions: TLS 1.3's ServerHello or HelloRetryRequest, whose
     * contents the TLS 1.3 machine checks. */
    if (sh->has_sv || c->cfg->min_version > TERN_TLS12) {
        *out = TERN_TLS13; /* (without it, the 1.3 machine says we offered only 1.3) */
        return TERN_OK;
    }
    if (sh->legacy < TERN_TLS12)
        return hs_fail(c, TERN_E_PROTOCOL_VERSION,
                       "the server chose %s (0x%04x); tern refuses SSL 3.0, TLS 1.0 and TLS 1.1",
                       tern_version_name(sh->legacy), sh->legacy);
    if (c->hrr_done) /* RFC 8446 §4.1.4: after a HelloRetryRequest only TLS 1.3 may follow. */
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "the server chose TLS 1.2 after a TLS 1.3 HelloRetryRequest");
    if (sh->legacy != TERN_TLS12)
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "ServerHello says version 0x%04x without supported_versions; a TLS 1.2 "
                       "server says 0x0303",
                       sh->legacy);
    /* RFC 8446 §4.1.3: we offered TLS 1.3, so a server that also speaks it
     * would have chosen it; its sentinel means someone removed 1.3 from our
     * ClientHello on the way. */
    if (c->cfg->max_version >= TERN_TLS13 && (!memcmp(sh->random + 24, hs_downgrade12, 8) ||
                                              !memcmp(sh->random + 24, hs_downgrade11, 8)))
        return hs_fail(c, TERN_E_ILLEGAL_PARAMETER,
                       "the server chose TLS 1.2 but its random ends with the TLS 1.3 downgrade "
                       "sentinel (\"DOWNGRD\\x%02x\"): the server speaks TLS 1.3, so someone on "
                       "the path removed it from our offer",
                       sh->random[31]);
    *out = TERN_TLS12;
    return TERN_OK;
}

int hs_parse_server_hello_exts(tern_conn *c, struct hs_server_hello *sh, unsigned where,
                               uint64_t allowed_extra, const char *what)
{
    struct tern_err err;
    err_init(&err);
    if (hs_exts_parse(sh->exts, where, c->offered_exts | allowed_extra, what, &sh->ext, &err) !=
        TERN_OK)
        return hs_fail_err(c, &err);
    return TERN_OK;
}

int hs_client_server_hello(tern_conn *c, struct rd body, const uint8_t *msg, size_t len)
{
    struct hs_server_hello sh;
    TRY(hs_parse_server_hello(c, body, &sh));
    uint16_t v;
    TRY(hs_client_version(c, &sh, &v));
    if (v == TERN_TLS12)
        return hs12_client_server_hello(c, &sh, msg, len);
    return hs13_client_server_hello(c, &sh, msg, len);
}
