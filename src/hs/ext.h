/* TLS extensions: which may appear in which message (RFC 8446 §4.2), and a
 * parser that splits an extension block into per-type bodies, rejecting
 * duplicates, misplaced extensions and (in responses) unrequested ones. */
#ifndef TERN_HS_EXT_H
#define TERN_HS_EXT_H

#include "base/bytes.h"
#include "base/error.h"

#include <stdbool.h>
#include <stdint.h>

/* The messages an extension can appear in. */
enum hs_ext_where {
    EXT_IN_CH = 1 << 0,
    EXT_IN_SH = 1 << 1,
    EXT_IN_HRR = 1 << 2,
    EXT_IN_EE = 1 << 3,
    EXT_IN_CT = 1 << 4,
    EXT_IN_CR = 1 << 5,
    EXT_IN_NST = 1 << 6,
    EXT_IN_SH12 = 1 << 7, /* TLS 1.2 ServerHello */
};

/* Extensions tern knows, as dense indices. */
enum hs_ext_id {
    EXT_SERVER_NAME,
    EXT_MAX_FRAGMENT_LENGTH,
    EXT_STATUS_REQUEST,
    EXT_SUPPORTED_GROUPS,
    EXT_EC_POINT_FORMATS,
    EXT_SIGNATURE_ALGORITHMS,
    EXT_USE_SRTP,
    EXT_HEARTBEAT,
    EXT_ALPN,
    EXT_SCT,
    EXT_CLIENT_CERT_TYPE,
    EXT_SERVER_CERT_TYPE,
    EXT_PADDING,
    EXT_ENCRYPT_THEN_MAC,
    EXT_EXTENDED_MASTER_SECRET,
    EXT_RECORD_SIZE_LIMIT,
    EXT_SESSION_TICKET,
    EXT_PRE_SHARED_KEY,
    EXT_EARLY_DATA,
    EXT_SUPPORTED_VERSIONS,
    EXT_COOKIE,
    EXT_PSK_KEY_EXCHANGE_MODES,
    EXT_CERTIFICATE_AUTHORITIES,
    EXT_OID_FILTERS,
    EXT_POST_HANDSHAKE_AUTH,
    EXT_SIGNATURE_ALGORITHMS_CERT,
    EXT_KEY_SHARE,
    EXT_RENEGOTIATION_INFO,
    EXT_COUNT
};

struct hs_exts {
    uint64_t present; /* bit per enum hs_ext_id */
    struct rd body[EXT_COUNT];
    size_t count; /* extensions in the block, known or not */
    size_t work;  /* duplicate checks and table probes made (tests check it
                     grows linearly with count) */
};

/* A set of 16-bit values (extension types, groups): one bit each, so adding
 * and testing cost the same however many values a peer sends. 8 KiB. */
struct hs_u16_set {
    uint64_t w[65536 / 64];
};
void hs_u16_set_clear(struct hs_u16_set *set);
/* hs_u16_set_add adds v; false when v was already there. */
bool hs_u16_set_add(struct hs_u16_set *set, uint16_t v);
bool hs_u16_set_has(const struct hs_u16_set *set, uint16_t v);

static inline bool hs_ext_has(const struct hs_exts *e, enum hs_ext_id id)
{
    return (e->present >> id) & 1;
}

/* hs_ext_type returns the wire type of a known extension. */
uint16_t hs_ext_type(enum hs_ext_id id);
const char *hs_ext_name(uint16_t type);

/* hs_exts_parse splits `block` (the contents of an extensions vector) for
 * message `where` (one EXT_IN_* bit) into out. For responses (anything but
 * ClientHello) `offered` is the bitmask of extensions we sent; an
 * extension not offered is unsupported_extension (RFC 8446 §4.2). Unknown
 * extensions are skipped in ClientHello and CertificateRequest/NST and
 * refused elsewhere. Duplicates are illegal_parameter; a known extension
 * in the wrong message is illegal_parameter; in a ClientHello,
 * pre_shared_key anywhere but last is illegal_parameter (RFC 8446 §4.2.11).
 * Any number of extensions is accepted, in any order, with constant work
 * per extension. msg names the message for the sentence. */
TERN_MUST_CHECK int hs_exts_parse(struct rd block, unsigned where, uint64_t offered,
                                  const char *msg, struct hs_exts *out, struct tern_err *err);

#endif
