#include "hs/ext.h"

#include <stddef.h>
#include <string.h>

static const struct {
    uint16_t type;
    const char *name;
    unsigned where;
} table[EXT_COUNT] = {
    [EXT_SERVER_NAME] = {0, "server_name", EXT_IN_CH | EXT_IN_EE | EXT_IN_SH12},
    [EXT_MAX_FRAGMENT_LENGTH] = {1, "max_fragment_length", EXT_IN_CH | EXT_IN_EE},
    [EXT_STATUS_REQUEST] = {5, "status_request", EXT_IN_CH | EXT_IN_CR | EXT_IN_CT},
    [EXT_SUPPORTED_GROUPS] = {10, "supported_groups", EXT_IN_CH | EXT_IN_EE},
    [EXT_EC_POINT_FORMATS] = {11, "ec_point_formats", EXT_IN_CH | EXT_IN_SH12},
    [EXT_SIGNATURE_ALGORITHMS] = {13, "signature_algorithms", EXT_IN_CH | EXT_IN_CR},
    [EXT_USE_SRTP] = {14, "use_srtp", EXT_IN_CH | EXT_IN_EE},
    [EXT_HEARTBEAT] = {15, "heartbeat", EXT_IN_CH | EXT_IN_EE},
    [EXT_ALPN] = {16, "application_layer_protocol_negotiation",
                  EXT_IN_CH | EXT_IN_EE | EXT_IN_SH12},
    [EXT_SCT] = {18, "signed_certificate_timestamp", EXT_IN_CH | EXT_IN_CR | EXT_IN_CT},
    [EXT_CLIENT_CERT_TYPE] = {19, "client_certificate_type", EXT_IN_CH | EXT_IN_EE},
    [EXT_SERVER_CERT_TYPE] = {20, "server_certificate_type", EXT_IN_CH | EXT_IN_EE},
    [EXT_PADDING] = {21, "padding", EXT_IN_CH},
    [EXT_ENCRYPT_THEN_MAC] = {22, "encrypt_then_mac", EXT_IN_CH},
    [EXT_EXTENDED_MASTER_SECRET] = {23, "extended_master_secret", EXT_IN_CH | EXT_IN_SH12},
    [EXT_RECORD_SIZE_LIMIT] = {28, "record_size_limit", EXT_IN_CH | EXT_IN_EE | EXT_IN_SH12},
    [EXT_SESSION_TICKET] = {35, "session_ticket", EXT_IN_CH | EXT_IN_SH12},
    [EXT_PRE_SHARED_KEY] = {41, "pre_shared_key", EXT_IN_CH | EXT_IN_SH},
    [EXT_EARLY_DATA] = {42, "early_data", EXT_IN_CH | EXT_IN_EE | EXT_IN_NST},
    [EXT_SUPPORTED_VERSIONS] = {43, "supported_versions", EXT_IN_CH | EXT_IN_SH | EXT_IN_HRR},
    [EXT_COOKIE] = {44, "cookie", EXT_IN_CH | EXT_IN_HRR},
    [EXT_PSK_KEY_EXCHANGE_MODES] = {45, "psk_key_exchange_modes", EXT_IN_CH},
    [EXT_CERTIFICATE_AUTHORITIES] = {47, "certificate_authorities", EXT_IN_CH | EXT_IN_CR},
    [EXT_OID_FILTERS] = {48, "oid_filters", EXT_IN_CR},
    [EXT_POST_HANDSHAKE_AUTH] = {49, "post_handshake_auth", EXT_IN_CH},
    [EXT_SIGNATURE_ALGORITHMS_CERT] = {50, "signature_algorithms_cert", EXT_IN_CH | EXT_IN_CR},
    [EXT_KEY_SHARE] = {51, "key_share", EXT_IN_CH | EXT_IN_SH | EXT_IN_HRR},
    [EXT_RENEGOTIATION_INFO] = {0xff01, "renegotiation_info", EXT_IN_CH | EXT_IN_SH12},
};

uint16_t hs_ext_type(enum hs_ext_id id)
{
    return table[id].type;
}

/* lookup finds a known type in the table (a fixed number of probes, each
 * counted in *work when work is given). */
static int lookup(uint16_t type, size_t *work)
{
    for (int i = 0; i < EXT_COUNT; i++) {
        if (work)
            (*work)++;
        if (table[i].type == type)
            return i;
    }
    return -1;
}

const char *hs_ext_name(uint16_t type)
{
    int i = lookup(type, NULL);
    return i < 0 ? "unknown" : table[i].name;
}

void hs_u16_set_clear(struct hs_u16_set *set)
{
    memset(set->w, 0, sizeof(set->w));
}

bool hs_u16_set_add(struct hs_u16_set *set, uint16_t v)
{
    uint64_t bit = 1ull << (v & 63);
    bool had = set->w[v >> 6] & bit;
    set->w[v >> 6] |= bit;
    return !had;
}

bool hs_u16_set_has(const struct hs_u16_set *set, uint16_t v)
{
    return (set->w[v >> 6] >> (v & 63)) & 1;
}

int hs_exts_parse(struct rd block, unsigned where, uint64_t offered, const char *msg,
                  struct hs_exts *out, struct tern_err *err)
{
    /* Every type seen, unknown ones too, for the duplicate rule: one bit per
     * possible type, so the check costs the same for the 10,000th extension
     * as for the first (a list scanned per extension would make a message of
     * 16,000 empty extensions cost 128 million comparisons). RFC 8446 sets
     * no limit on the number of extensions; the message length bounds it. */
    struct hs_u16_set seen;
    bool request_like = where & (EXT_IN_CH | EXT_IN_CR | EXT_IN_NST);
    bool last_was_psk = false;

    out->present = 0;
    out->count = 0;
    out->work = 0;
    if (rd_empty(&block))
        return TERN_OK; /* the common case of a Certificate entry: no set to clear */
    hs_u16_set_clear(&seen);
    while (!rd_empty(&block)) {
        uint16_t type;
        struct rd body;
        if (!rd_u16(&block, &type) || !rd_prefixed16(&block, &body))
            return err_set(err, TERN_E_DECODE,
                           "%s: an extension's length runs past the end of the "
                           "extension list",
                           msg);
        out->work++;
        if (!hs_u16_set_add(&seen, type))
            return err_set(err, TERN_E_ILLEGAL_PARAMETER, "%s carries the %s extension (%u) twice",
                           msg, hs_ext_name(type), type);
        out->count++;

        /* RFC 8446 §4.2.11: pre_shared_key must be the last extension. */
        if ((where & EXT_IN_CH) && last_was_psk)
            return err_set(err, TERN_E_ILLEGAL_PARAMETER,
                           "ClientHello: pre_shared_key is not the last extension");
        last_was_psk = type == table[EXT_PRE_SHARED_KEY].type;

        int id = lookup(type, &out->work);
        if (id < 0) {
            if (request_like)
                continue; /* RFC 8446 §4.2: ignore what we do not understand */
            return err_set(err, TERN_E_UNSUPPORTED_EXTENSION,
                           "%s carries extension %u, which we did not offer", msg, type);
        }
        if (!(table[id].where & where))
            return err_set(err, TERN_E_ILLEGAL_PARAMETER,
                           "%s carries the %s extension, which is not allowed in that message", msg,
                           table[id].name);
        if (!request_like && !((offered >> id) & 1))
            return err_set(err, TERN_E_UNSUPPORTED_EXTENSION,
                           "%s carries the %s extension, which we did not offer", msg,
                           table[id].name);
        out->present |= 1ull << id;
        out->body[id] = body;
    }
    return TERN_OK;
}
