/* The hellos, parsed once and the version chosen in one place (RFC 8446
 * §4.1.2, §4.2.1; RFC 5246 §7.4.1.2): the server reads a ClientHello here
 * into struct hs_client_hello, picks TLS 1.3 or 1.2, and hands the parsed
 * message to that version's machine (server13.c, server12.c). */
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
