/* TLS 1.3 codecs: see codec13.h. Every function here is pure: bytes in,
 * a struct of views (or a status and a sentence) out. */
#include "hs/codec13.h"
#include "hs/internal.h" /* hs_hrr_random */

#include "tern/tern.h"

#include <string.h>

/* ---- extensions ---- */

int hs13_parse_versions_ch(struct rd ext, struct hs13_versions *out, struct tern_err *err)
{
    memset(out, 0, sizeof(*out));
    struct rd list;
    /* RFC 8446 §4.2.1: versions<2..254>, whole 2-byte values. */
    if (!rd_prefixed8(&ext, &list) || !rd_empty(&ext) || list.len < 2 || list.len % 2)
        return err_set(err, TERN_E_DECODE,
                       "ClientHello: malformed supported_versions (a list of %zu bytes in an "
                       "extension of %zu)",
                       list.len, list.len + 1 + ext.len);
    out->list = list;
    uint16_t v;
    while (rd_u16(&list, &v)) { /* linear: one pass */
        out->n++;
        out->offers13 |= v == 0x0304;
        out->offers12 |= v == 0x0303;
        if (v > out->highest && v >= 0x0300 && v <= 0x0304) /* GREASE and drafts aside */
            out->highest = v;
    }
    return TERN_OK;
}

int hs13_parse_versions_sh(struct rd ext, const char *what, uint16_t *out, struct tern_err *err)
{
    size_t len = ext.len;
    if (!rd_u16(&ext, out) || !rd_empty(&ext))
        return err_set(err, TERN_E_DECODE,
                       "%s: malformed supported_versions (%zu bytes; it is one 2-byte version)",
                       what, len);
    return TERN_OK;
}

int hs13_parse_key_share_ch(struct rd ext, const struct hs_u16_set *listed, bool (*keep)(uint16_t),
                            struct hs13_key_shares *out, struct tern_err *err)
{
    out->n = 0;
    out->total = 0;
    struct rd shares;
    if (!rd_prefixed16(&ext, &shares) || !rd_empty(&ext))
        return err_set(err, TERN_E_DECODE, "ClientHello: malformed key_share");
    /* RFC 8446 §4.2.8 sets no limit on the number of shares: any number
     * that fits the message is read, with constant work each. */
    struct hs_u16_set seen;
    if (!rd_empty(&shares))
        hs_u16_set_clear(&seen);
    while (!rd_empty(&shares)) {
        uint16_t g;
        struct rd kx;
        if (!rd_u16(&shares, &g) || !rd_prefixed16_nonempty(&shares, &kx))
            return err_set(err, TERN_E_DECODE,
                           "ClientHello: malformed key share entry %zu (its key_exchange is "
                           "empty or runs past the list)",
                           out->total + 1);
        out->total++;
        if (!hs_u16_set_add(&seen, g))
            return err_set(err, TERN_E_ILLEGAL_PARAMETER,
                           "ClientHello has two key shares for %s (0x%04x)", tern_group_name(g), g);
        if (listed && !hs_u16_set_has(listed, g))
            return err_set(err, TERN_E_ILLEGAL_PARAMETER,
                           "ClientHello has a key share for %s (0x%04x), which is not in its "
                           "supported_groups",
                           tern_group_name(g), g);
        if ((!keep || keep(g)) && out->n < HS13_MAX_SHARES) {
            out->group[out->n] = g;
            out->share[out->n++] = kx;
        }
    }
    return TERN_OK;
}

int hs13_parse_key_share_sh(struct rd ext, uint16_t *out_group, struct rd *out_share,
                            struct tern_err *err)
{
    if (!rd_u16(&ext, out_group) || !rd_prefixed16_nonempty(&ext, out_share) || !rd_empty(&ext))
        return err_set(err, TERN_E_DECODE, "ServerHello: malformed key_share");
    return TERN_OK;
}

int hs13_parse_key_share_hrr(struct rd ext, uint16_t *out_group, struct tern_err *err)
{
    if (!rd_u16(&ext, out_group) || !rd_empty(&ext))
        return err_set(err, TERN_E_DECODE, "HelloRetryRequest: malformed key_share");
    return TERN_OK;
}

/* u16_list: a <2..2^16-2> list of 2-byte values behind a 2-byte length. */
static bool u16_list(struct rd *ext, struct rd *out)
{
    return rd_prefixed16(ext, out) && rd_empty(ext) && out->len >= 2 && out->len % 2 == 0;
}

int hs13_parse_groups(struct rd ext, struct rd *out_list, struct hs_u16_set *listed,
                      struct tern_err *err)
{
    size_t len = ext.len;
    if (!u16_list(&ext, out_list))
        return err_set(err, TERN_E_DECODE,
                       "ClientHello: malformed supported_groups (an extension of %zu bytes)", len);
    if (listed) {
        struct rd l = *out_list;
        hs_u16_set_clear(listed);
        for (uint16_t v; rd_u16(&l, &v);)
            (void)hs_u16_set_add(listed, v);
    }
    return TERN_OK;
}

int hs13_parse_sigalgs(struct rd ext, const char *what, struct rd *out_list, struct tern_err *err)
{
    size_t len = ext.len;
    if (!u16_list(&ext, out_list))
        return err_set(err, TERN_E_DECODE, "%s: malformed (an extension of %zu bytes)", what, len);
    return TERN_OK;
}

int hs13_parse_sni(struct rd ext, struct rd *out_name, struct tern_err *err)
{
    struct rd list;
    uint8_t type;
    if (!rd_prefixed16(&ext, &list) || !rd_empty(&ext) || !rd_u8(&list, &type) ||
        !rd_prefixed16_nonempty(&list, out_name) || type != 0)
        return err_set(err, TERN_E_DECODE, "ClientHello: malformed server_name");
    /* RFC 6066 §3: one name per type; types other than host_name are
     * skipped, but must still be well formed. */
    while (!rd_empty(&list)) {
        struct rd other;
        if (!rd_u8(&list, &type) || !rd_prefixed16(&list, &other))
            return err_set(err, TERN_E_DECODE,
                           "ClientHello: malformed server_name (an entry after the host name "
                           "runs past the list)");
        if (type == 0)
            return err_set(err, TERN_E_ILLEGAL_PARAMETER,
                           "ClientHello: server_name names two host names");
    }
    if (memchr(out_name->p, 0, out_name->len))
        return err_set(err, TERN_E_ILLEGAL_PARAMETER, "ClientHello: server_name contains NUL");
    return TERN_OK;
}

int hs13_parse_empty(struct rd ext, const char *what, struct tern_err *err)
{
    if (!rd_empty(&ext))
        return err_set(err, TERN_E_DECODE, "%s carries %zu bytes; it is empty", what, ext.len);
    return TERN_OK;
}

int hs13_parse_alpn_list(struct rd ext, struct rd *out_list, struct tern_err *err)
{
    /* RFC 7301 §3.1: an empty name, or one running past the list, makes the
     * whole extension malformed, whatever comes before it. */
    struct rd list, name;
    if (!rd_prefixed16_nonempty(&ext, &list) || !rd_empty(&ext))
        return err_set(err, TERN_E_DECODE,
                       "ClientHello: malformed ALPN extension (its list is empty or its length "
                       "is wrong)");
    *out_list = list;
    for (size_t i = 1; !rd_empty(&list); i++) {
        if (!rd_prefixed8(&list, &name))
            return err_set(err, TERN_E_DECODE,
                           "ClientHello: ALPN protocol name %zu runs past the end of the list", i);
        if (name.len == 0)
            return err_set(err, TERN_E_DECODE,
                           "ClientHello: ALPN protocol name %zu is empty (RFC 7301 §3.1)", i);
    }
    return TERN_OK;
}

int hs13_parse_alpn_choice(struct rd ext, const char *what, struct rd *out_name,
                           struct tern_err *err)
{
    struct rd list;
    if (!rd_prefixed16(&ext, &list) || !rd_empty(&ext) || !rd_prefixed8(&list, out_name) ||
        out_name->len == 0 || !rd_empty(&list))
        return err_set(err, TERN_E_DECODE, "%s: ALPN must name exactly one protocol", what);
    return TERN_OK;
}

int hs13_parse_psk_modes(struct rd ext, bool *out_psk_ke, bool *out_psk_dhe_ke,
                         struct tern_err *err)
{
    struct rd modes;
    *out_psk_ke = *out_psk_dhe_ke = false;
    if (!rd_prefixed8(&ext, &modes) || modes.len == 0 || !rd_empty(&ext))
        return err_set(err, TERN_E_DECODE, "ClientHello: malformed psk_key_exchange_modes");
    for (uint8_t m; rd_u8(&modes, &m);) {
        *out_psk_ke |= m == 0;     /* psk_ke */
        *out_psk_dhe_ke |= m == 1; /* psk_dhe_ke; others are skipped */
    }
    return TERN_OK;
}

int hs13_parse_psk_sh(struct rd ext, uint16_t *out_index, struct tern_err *err)
{
    if (!rd_u16(&ext, out_index) || !rd_empty(&ext))
        return err_set(err, TERN_E_DECODE, "ServerHello: malformed pre_shared_key");
    return TERN_OK;
}

int hs13_parse_cookie(struct rd ext, const char *what, struct rd *out, struct tern_err *err)
{
    size_t len = ext.len;
    if (!rd_prefixed16_nonempty(&ext, out) || !rd_empty(&ext))
        return err_set(err, TERN_E_DECODE, "%s: malformed cookie (an extension of %zu bytes)", what,
                       len);
    return TERN_OK;
}

int hs13_parse_early_data_nst(struct rd ext, uint32_t *out_max, struct tern_err *err)
{
    if (!rd_u32(&ext, out_max) || !rd_empty(&ext))
        return err_set(err, TERN_E_DECODE,
                       "NewSessionTicket: malformed early_data (it is a 4-byte size)");
    return TERN_OK;
}

int hs13_parse_cas(struct rd ext, const char *what, struct rd *out, struct tern_err *err)
{
    if (!rd_prefixed16(&ext, out) || !rd_empty(&ext) || out->len < 3)
        return err_set(err, TERN_E_DECODE, "%s: malformed certificate_authorities", what);
    struct rd names = *out, dn;
    for (size_t i = 1; !rd_empty(&names); i++)
        if (!rd_prefixed16_nonempty(&names, &dn))
            return err_set(err, TERN_E_DECODE,
                           "%s: certificate_authorities name %zu is empty or runs past the list",
                           what, i);
    return TERN_OK;
}

/* ---- the hellos ---- */

/* legacy_version: RFC 8446 Appendix D.5 has SSL 3.0 (0x0300) refused this
 * way whatever supported_versions says; anything lower (SSL 2.0's 0x0002,
 * 0x0200, zero) is no better. */
static int check_legacy(uint16_t v, const char *msg, struct tern_err *err)
{
    if (v > 0x0300)
        return TERN_OK;
    return err_set(err, TERN_E_PROTOCOL_VERSION,
                   "%s legacy_version is 0x%04x: SSL 3.0 and older are refused whatever "
                   "supported_versions says (RFC 8446 Appendix D.5)",
                   msg, v);
}

int hs13_parse_client_hello(struct rd body, struct hs13_client_hello *out, struct tern_err *err)
{
    memset(out, 0, sizeof(*out));
    struct rd exts = {0};
    if (!rd_u16(&body, &out->legacy) || !rd_bytes(&body, &out->random, 32) ||
        !rd_prefixed8(&body, &out->session_id) || !rd_prefixed16(&body, &out->suites) ||
        !rd_prefixed8(&body, &out->compression))
        return err_set(err, TERN_E_DECODE, "ClientHello is truncated (%zu bytes)", body.len);
    TRY(check_legacy(out->legacy, "ClientHello", err));
    if (out->session_id.len > 32)
        return err_set(err, TERN_E_DECODE, "ClientHello: legacy_session_id of %zu bytes (max 32)",
                       out->session_id.len);
    /* cipher_suites<2..2^16-2>: whole 2-byte values, at least one. */
    if (out->suites.len == 0 || out->suites.len % 2)
        return err_set(err, TERN_E_DECODE,
                       "ClientHello's cipher_suites: a list of %zu bytes is malformed",
                       out->suites.len);
    out->has_exts = !rd_empty(&body);
    if (out->has_exts && (!rd_prefixed16(&body, &exts) || !rd_empty(&body)))
        return err_set(err, TERN_E_DECODE, "ClientHello: malformed extensions block");
    return hs_exts_parse(exts, EXT_IN_CH, 0, "ClientHello", &out->ext, err);
}

int hs13_parse_server_hello(struct rd body, struct hs13_server_hello *out, struct tern_err *err)
{
    memset(out, 0, sizeof(*out));
    if (!rd_u16(&body, &out->legacy) || !rd_bytes(&body, &out->random, 32) ||
        !rd_prefixed8(&body, &out->session_id) || !rd_u16(&body, &out->suite) ||
        !rd_u8(&body, &out->compression))
        return err_set(err, TERN_E_DECODE, "ServerHello is truncated");
    TRY(check_legacy(out->legacy, "ServerHello", err));
    out->has_exts = !rd_empty(&body);
    if (out->has_exts && (!rd_prefixed16(&body, &out->exts) || !rd_empty(&body)))
        return err_set(err, TERN_E_DECODE, "ServerHello: malformed extensions block");
    out->is_hrr = memcmp(out->random, hs_hrr_random, 32) == 0;
    /* A block that does not walk is the version's parser's to name. */
    struct rd r = out->exts, b;
    uint16_t type;
    while (rd_u16(&r, &type) && rd_prefixed16(&r, &b)) /* linear: one pass */
        if (type == hs_ext_type(EXT_SUPPORTED_VERSIONS))
            out->has_sv = true;
    return TERN_OK;
}

int hs13_parse_compression(struct rd methods, struct tern_err *err)
{
    uint8_t m;
    size_t len = methods.len;
    if (len != 1 || !rd_u8(&methods, &m) || m != 0)
        return err_set(err, TERN_E_ILLEGAL_PARAMETER,
                       "ClientHello offers compression (%zu methods); TLS 1.3 requires exactly "
                       "the null method",
                       len);
    return TERN_OK;
}

int hs13_parse_ch_exts(const struct hs_exts *e, bool (*keep)(uint16_t), struct hs13_ch_exts *out,
                       struct tern_err *err)
{
    memset(out, 0, sizeof(*out)); /* what is absent reads as empty */
    out->has_sigalgs = hs_ext_has(e, EXT_SIGNATURE_ALGORITHMS);
    out->has_sigalgs_cert = hs_ext_has(e, EXT_SIGNATURE_ALGORITHMS_CERT);
    out->has_groups = hs_ext_has(e, EXT_SUPPORTED_GROUPS);
    out->has_key_share = hs_ext_has(e, EXT_KEY_SHARE);
    out->has_psk_modes = hs_ext_has(e, EXT_PSK_KEY_EXCHANGE_MODES);
    out->has_cookie = hs_ext_has(e, EXT_COOKIE);
    out->has_early_data = hs_ext_has(e, EXT_EARLY_DATA);
    if (out->has_sigalgs)
        TRY(hs13_parse_sigalgs(e->body[EXT_SIGNATURE_ALGORITHMS],
                               "ClientHello's signature_algorithms", &out->sigalgs, err));
    if (out->has_sigalgs_cert)
        TRY(hs13_parse_sigalgs(e->body[EXT_SIGNATURE_ALGORITHMS_CERT],
                               "ClientHello's signature_algorithms_cert", &out->sigalgs_cert, err));
    if (out->has_groups)
        TRY(hs13_parse_groups(e->body[EXT_SUPPORTED_GROUPS], &out->groups, &out->listed, err));
    /* Without supported_groups the key shares cannot be checked against it;
     * the handler refuses that ClientHello for the missing extension. */
    if (out->has_key_share)
        TRY(hs13_parse_key_share_ch(e->body[EXT_KEY_SHARE], out->has_groups ? &out->listed : NULL,
                                    keep, &out->shares, err));
    if (out->has_psk_modes)
        TRY(hs13_parse_psk_modes(e->body[EXT_PSK_KEY_EXCHANGE_MODES], &out->psk_ke,
                                 &out->psk_dhe_ke, err));
    if (out->has_cookie)
        TRY(hs13_parse_cookie(e->body[EXT_COOKIE], "ClientHello", &out->cookie, err));
    if (out->has_early_data)
        TRY(hs13_parse_empty(e->body[EXT_EARLY_DATA], "ClientHello: early_data", err));
    return TERN_OK;
}

int hs13_parse_sh_exts(const struct hs_exts *e, bool hrr, struct hs13_sh_exts *out,
                       struct tern_err *err)
{
    memset(out, 0, sizeof(*out));
    const char *what = hrr ? "HelloRetryRequest" : "ServerHello";
    out->has_version = hs_ext_has(e, EXT_SUPPORTED_VERSIONS);
    out->has_key_share = hs_ext_has(e, EXT_KEY_SHARE);
    out->has_psk = !hrr && hs_ext_has(e, EXT_PRE_SHARED_KEY);
    out->has_cookie = hrr && hs_ext_has(e, EXT_COOKIE);
    if (out->has_version)
        TRY(hs13_parse_versions_sh(e->body[EXT_SUPPORTED_VERSIONS], what, &out->version, err));
    if (out->has_key_share && hrr)
        TRY(hs13_parse_key_share_hrr(e->body[EXT_KEY_SHARE], &out->group, err));
    else if (out->has_key_share)
        TRY(hs13_parse_key_share_sh(e->body[EXT_KEY_SHARE], &out->group, &out->share, err));
    if (out->has_psk)
        TRY(hs13_parse_psk_sh(e->body[EXT_PRE_SHARED_KEY], &out->psk_index, err));
    if (out->has_cookie)
        TRY(hs13_parse_cookie(e->body[EXT_COOKIE], what, &out->cookie, err));
    return TERN_OK;
}

/* ---- messages ---- */

int hs13_parse_encrypted_extensions(struct rd body, uint64_t offered, struct hs_exts *out,
                                    struct tern_err *err)
{
    struct rd exts;
    if (!rd_prefixed16(&body, &exts) || !rd_empty(&body))
        return err_set(err, TERN_E_DECODE,
                       "EncryptedExtensions: malformed message (%zu bytes after its extensions "
                       "or a length past its end)",
                       body.len);
    /* supported_groups may come back unrequested (RFC 8446 §4.2.7). */
    TRY(hs_exts_parse(exts, EXT_IN_EE, offered | (1ull << EXT_SUPPORTED_GROUPS),
                      "EncryptedExtensions", out, err));
    /* RFC 6066 §3: the server's server_name is empty. */
    if (hs_ext_has(out, EXT_SERVER_NAME) && out->body[EXT_SERVER_NAME].len != 0)
        return err_set(err, TERN_E_DECODE, "EncryptedExtensions: server_name must be empty");
    if (hs_ext_has(out, EXT_EARLY_DATA))
        TRY(hs13_parse_empty(out->body[EXT_EARLY_DATA], "EncryptedExtensions: early_data", err));
    return TERN_OK;
}

int hs13_parse_certificate(struct rd body, uint64_t offered, struct hs13_certificate *out,
                           struct tern_err *err)
{
    struct rd list;
    out->n = 0;
    size_t len = body.len;
    if (!rd_prefixed8(&body, &out->context) || !rd_prefixed24(&body, &list) || !rd_empty(&body))
        return err_set(err, TERN_E_DECODE, "Certificate: malformed message of %zu bytes", len);
    if (list.len > HS13_MAX_CHAIN_BYTES)
        return err_set(err, TERN_E_DECODE,
                       "the peer's certificate list is %zu bytes, over our limit of %u", list.len,
                       HS13_MAX_CHAIN_BYTES);
    while (!rd_empty(&list)) {
        struct rd cert, exts;
        if (!rd_prefixed24(&list, &cert) || !rd_prefixed16(&list, &exts))
            return err_set(err, TERN_E_DECODE,
                           "Certificate: a certificate entry runs past the end of the list");
        if (cert.len == 0)
            return err_set(err, TERN_E_DECODE, "Certificate: an empty certificate entry");
        struct hs_exts e;
        /* RFC 8446 §4.4.2: only extensions we asked for may appear. */
        TRY(hs_exts_parse(exts, EXT_IN_CT, offered, "Certificate entry", &e, err));
        if (out->n == HS13_MAX_CHAIN)
            return err_set(err, TERN_E_BAD_CERTIFICATE, "the peer sent more than %d certificates",
                           HS13_MAX_CHAIN);
        out->cert[out->n] = cert;
        out->exts[out->n++] = exts;
    }
    return TERN_OK;
}

int hs13_parse_certificate_verify(struct rd body, uint16_t *out_scheme, struct rd *out_sig,
                                  struct tern_err *err)
{
    size_t len = body.len;
    if (!rd_u16(&body, out_scheme) || !rd_prefixed16(&body, out_sig) || !rd_empty(&body))
        return err_set(err, TERN_E_DECODE, "CertificateVerify: malformed message of %zu bytes",
                       len);
    return TERN_OK;
}

int hs13_parse_certificate_request(struct rd body, struct hs13_cert_request *out,
                                   struct tern_err *err)
{
    struct rd exts;
    out->has_cas = false;
    out->cas = (struct rd){0};
    if (!rd_prefixed8(&body, &out->context) || !rd_prefixed16(&body, &exts) || !rd_empty(&body))
        return err_set(err, TERN_E_DECODE, "CertificateRequest: malformed message");
    if (out->context.len > HS13_MAX_CONTEXT)
        return err_set(err, TERN_E_DECODE,
                       "CertificateRequest: malformed message (a request context of %zu bytes; "
                       "tern takes up to %d)",
                       out->context.len, HS13_MAX_CONTEXT);
    TRY(hs_exts_parse(exts, EXT_IN_CR, 0, "CertificateRequest", &out->ext, err));
    if (!hs_ext_has(&out->ext, EXT_SIGNATURE_ALGORITHMS))
        return err_set(err, TERN_E_MISSING_EXTENSION,
                       "CertificateRequest lacks signature_algorithms (RFC 8446 §4.3.2)");
    TRY(hs13_parse_sigalgs(out->ext.body[EXT_SIGNATURE_ALGORITHMS],
                           "CertificateRequest's signature_algorithms", &out->sigalgs, err));
    if (hs_ext_has(&out->ext, EXT_CERTIFICATE_AUTHORITIES)) {
        out->has_cas = true;
        TRY(hs13_parse_cas(out->ext.body[EXT_CERTIFICATE_AUTHORITIES], "CertificateRequest",
                           &out->cas, err));
    }
    return TERN_OK;
}

int hs13_parse_new_session_ticket(struct rd body, struct hs13_ticket *out, struct tern_err *err)
{
    struct rd exts;
    out->has_early_data = false;
    out->max_early_data = 0;
    if (!rd_u32(&body, &out->lifetime_s) || !rd_u32(&body, &out->age_add) ||
        !rd_prefixed8(&body, &out->nonce) || !rd_prefixed16_nonempty(&body, &out->ticket) ||
        !rd_prefixed16(&body, &exts) || !rd_empty(&body))
        return err_set(err, TERN_E_DECODE, "malformed NewSessionTicket");
    TRY(hs_exts_parse(exts, EXT_IN_NST, 0, "NewSessionTicket", &out->ext, err));
    if (hs_ext_has(&out->ext, EXT_EARLY_DATA)) {
        out->has_early_data = true;
        TRY(hs13_parse_early_data_nst(out->ext.body[EXT_EARLY_DATA], &out->max_early_data, err));
    }
    /* RFC 8446 §4.6.1: at most seven days; zero means do not use. */
    if (out->lifetime_s > HS13_MAX_TICKET_LIFETIME)
        return err_set(err, TERN_E_ILLEGAL_PARAMETER,
                       "NewSessionTicket lifetime of %u s exceeds seven days", out->lifetime_s);
    return TERN_OK;
}

int hs13_parse_key_update(struct rd body, uint8_t *out_request, struct tern_err *err)
{
    size_t len = body.len;
    if (!rd_u8(&body, out_request) || !rd_empty(&body))
        return err_set(err, TERN_E_DECODE, "a KeyUpdate of %zu bytes (it is 1 byte)", len);
    if (*out_request > 1) /* RFC 8446 §4.6.3 */
        return err_set(err, TERN_E_ILLEGAL_PARAMETER,
                       "KeyUpdate with request_update %u (only 0 and 1 are defined)", *out_request);
    return TERN_OK;
}

void hs13_write_key_update(struct wr *w, uint8_t request)
{
    wr_u8(w, 24); /* key_update */
    size_t m = wr_open_u24(w);
    wr_u8(w, request);
    wr_close(w, m);
}
