/* The hellos, parsed once and the version chosen in one place (RFC 8446
 * §4.1.2-4.1.4, §4.2.1; RFC 5246 §7.4.1.2-3): the server reads a
 * ClientHello here into struct hs_client_hello, picks TLS 1.3 or 1.2, and
 * hands the parsed message to that version's machine (server13.c,
 * server12.c); the client does the same with a ServerHello (struct
 * hs_server_hello; client13.c, client12.c). */
#include "hs/internal.h"
#include "hs/tls12.h"

#include <stdio.h>
#include <string.h>

int hs_parse_client_hello(tern_conn *c, struct rd body, struct hs_client_hello *ch)
{
    memset(ch, 0, sizeof(*ch));
    struct rd exts = {0};
    if (!rd_u16(&body, &ch->legacy) || !rd_bytes(&body, &ch->random, 32) ||
        !rd_prefixed8(&body, &ch->session_id) || !rd_prefixed16(&body, &ch->suites) ||
        !rd_prefixed8(&body, &ch->compression))
        return hs_fail(c, TERN_E_DECODE, "ClientHello is truncated (%zu bytes)", body.len);
    TRY(hs_check_legacy_version(c, ch->legacy, "ClientHello"));
    if (ch->session_id.len > 32)
        return hs_fail(c, TERN_E_DECODE, "ClientHello: legacy_session_id of %zu bytes (max 32)",
                       ch->session_id.len);
    /* A ClientHello without extensions is a valid pre-1.3 one. */
    ch->has_exts = !rd_empty(&body);
    if (ch->has_exts && (!rd_prefixed16(&body, &exts) || !rd_empty(&body)))
        return hs_fail(c, TERN_E_DECODE, "ClientHello: malformed extensions block");
    struct tern_err err;
    err_init(&err);
    if (hs_exts_parse(exts, EXT_IN_CH, 0, "ClientHello", &ch->ext, &err) != TERN_OK)
        return hs_fail_err(c, &err);

    /* The versions offered (RFC 8446 §4.2.1): supported_versions when
     * present, else legacy_version is the client's highest. */
    if (hs_ext_has(&ch->ext, EXT_SUPPORTED_VERSIONS)) {
        struct rd sv = ch->ext.body[EXT_SUPPORTED_VERSIONS], vl;
        if (!rd_prefixed8(&sv, &vl) || !rd_empty(&sv) || vl.len < 2 || vl.len % 2)
            return hs_fail(c, TERN_E_DECODE, "ClientHello: malformed supported_versions");
        ch->has_sv = true;
        uint16_t v;
        while (rd_u16(&vl, &v)) { /* linear: one pass over the list */
            ch->offers13 |= v == TERN_TLS13;
            ch->offers12 |= v == TERN_TLS12;
            if (v > ch->highest && v >= 0x0300 && v <= TERN_TLS13) /* GREASE and drafts aside */
                ch->highest = v;
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
    if (!rd_u16(&body, &sh->legacy) || !rd_bytes(&body, &sh->random, 32) ||
        !rd_prefixed8(&body, &sh->session_id) || !rd_u16(&body, &sh->suite) ||
        !rd_u8(&body, &sh->compression))
        return hs_fail(c, TERN_E_DECODE, "ServerHello is truncated");
    TRY(hs_check_legacy_version(c, sh->legacy, "ServerHello"));
    sh->has_exts = !rd_empty(&body);
    if (sh->has_exts && (!rd_prefixed16(&body, &sh->exts) || !rd_empty(&body)))
        return hs_fail(c, TERN_E_DECODE, "ServerHello: malformed extensions block");
    sh->is_hrr = memcmp(sh->random, hs_hrr_random, 32) == 0;
    /* Whether supported_versions is there decides the version, and so the
     * table the extensions are then parsed with (hs_parse_server_hello_exts);
     * a block that does not walk is that parser's to name. */
    struct rd r = sh->exts, b;
    uint16_t type;
    while (rd_u16(&r, &type) && rd_prefixed16(&r, &b)) /* linear: one pass */
        if (type == hs_ext_type(EXT_SUPPORTED_VERSIONS))
            sh->has_sv = true;
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
