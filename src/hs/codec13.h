/* TLS 1.3 codecs (RFC 8446 §4): one pure function per message and per
 * extension body. Each takes the bytes (a struct rd over a message body or
 * an extension's extension_data), checks their structure, and fills a
 * struct of borrowed views into those bytes, or returns a status and sets
 * err to a sentence naming the offending value; the alert the failure
 * maps to is the status's (tern_status_alert). None touches a connection:
 * the state handlers (client13.c, server13.c, tls13.c) call them and then
 * act, so each codec can be tested and fuzzed alone
 * (tests/unit/codec13_test.c, tests/fuzz/codec13_fuzz.c).
 *
 * On failure what the outputs hold is unspecified.
 *
 * Work is linear in the input: every list is walked once, duplicates are
 * found with constant-cost sets, and what is kept is capped. */
#ifndef TERN_HS_CODEC13_H
#define TERN_HS_CODEC13_H

#include "base/bytes.h"
#include "base/error.h"
#include "hs/ext.h"

#include <stdbool.h>
#include <stdint.h>

#define HS13_MAX_SHARES          32 /* key shares kept from a ClientHello (all are checked) */
#define HS13_MAX_CHAIN           10 /* certificate entries kept (more is bad_certificate) */
#define HS13_MAX_CHAIN_BYTES     (1u << 17)
#define HS13_MAX_CONTEXT         32      /* certificate_request_context tern accepts */
#define HS13_MAX_TICKET_LIFETIME 604800u /* seven days, RFC 8446 §4.6.1 */

/* ---- extensions ---- */

/* supported_versions in a ClientHello (RFC 8446 §4.2.1):
 * ProtocolVersion versions<2..254>. */
struct hs13_versions {
    struct rd list; /* the whole list, 2-byte values */
    size_t n;
    bool offers13, offers12;
    uint16_t highest; /* highest of 0x0300..0x0304 listed, 0 if none */
};
TERN_MUST_CHECK int hs13_parse_versions_ch(struct rd ext, struct hs13_versions *out,
                                           struct tern_err *err);
/* supported_versions in a ServerHello or HelloRetryRequest: one version.
 * what names the message. */
TERN_MUST_CHECK int hs13_parse_versions_sh(struct rd ext, const char *what, uint16_t *out,
                                           struct tern_err *err);

/* key_share in a ClientHello (RFC 8446 §4.2.8): client_shares<0..2^16-1>
 * of KeyShareEntry {group, key_exchange<1..2^16-1>}. Every entry is read;
 * a group twice is illegal_parameter, and so is a group not in `listed`
 * (the ClientHello's supported_groups; NULL skips that rule). Shares whose
 * group keep() accepts (NULL: all) are kept, the first HS13_MAX_SHARES. */
struct hs13_key_shares {
    uint16_t group[HS13_MAX_SHARES];
    struct rd share[HS13_MAX_SHARES];
    size_t n;     /* kept */
    size_t total; /* in the list */
};
TERN_MUST_CHECK int hs13_parse_key_share_ch(struct rd ext, const struct hs_u16_set *listed,
                                            bool (*keep)(uint16_t), struct hs13_key_shares *out,
                                            struct tern_err *err);
/* key_share in a ServerHello: one KeyShareEntry. */
TERN_MUST_CHECK int hs13_parse_key_share_sh(struct rd ext, uint16_t *out_group,
                                            struct rd *out_share, struct tern_err *err);
/* key_share in a HelloRetryRequest: the selected group alone. */
TERN_MUST_CHECK int hs13_parse_key_share_hrr(struct rd ext, uint16_t *out_group,
                                             struct tern_err *err);

/* supported_groups (RFC 8446 §4.2.7): NamedGroup named_group_list<2..2^16-1>.
 * out_list gets the list; every group listed, known or not, is added to
 * *listed when given (for the key_share rule). */
TERN_MUST_CHECK int hs13_parse_groups(struct rd ext, struct rd *out_list, struct hs_u16_set *listed,
                                      struct tern_err *err);
/* signature_algorithms and signature_algorithms_cert (RFC 8446 §4.2.3):
 * SignatureScheme supported_signature_algorithms<2..2^16-2>. what names
 * the message and extension for the sentence. */
TERN_MUST_CHECK int hs13_parse_sigalgs(struct rd ext, const char *what, struct rd *out_list,
                                       struct tern_err *err);

/* server_name in a ClientHello (RFC 6066 §3): a ServerNameList whose first
 * entry is a host_name; a NUL in the name is illegal_parameter. Later
 * entries must be well formed and of other types. */
TERN_MUST_CHECK int hs13_parse_sni(struct rd ext, struct rd *out_name, struct tern_err *err);
/* hs13_parse_empty: an extension whose body must be empty (server_name
 * and early_data in EncryptedExtensions, early_data in a ClientHello). */
TERN_MUST_CHECK int hs13_parse_empty(struct rd ext, const char *what, struct tern_err *err);

/* application_layer_protocol_negotiation (RFC 7301 §3.1) in a ClientHello:
 * ProtocolName protocol_name_list<2..2^16-1>, each name <1..2^8-1>. */
TERN_MUST_CHECK int hs13_parse_alpn_list(struct rd ext, struct rd *out_list, struct tern_err *err);
/* The same in a server's answer: exactly one name. what names the message. */
TERN_MUST_CHECK int hs13_parse_alpn_choice(struct rd ext, const char *what, struct rd *out_name,
                                           struct tern_err *err);

/* psk_key_exchange_modes (RFC 8446 §4.2.9): PskKeyExchangeMode ke_modes<1..255>;
 * unknown modes are skipped. */
TERN_MUST_CHECK int hs13_parse_psk_modes(struct rd ext, bool *out_psk_ke, bool *out_psk_dhe_ke,
                                         struct tern_err *err);
/* pre_shared_key in a ServerHello (RFC 8446 §4.2.11): selected_identity. */
TERN_MUST_CHECK int hs13_parse_psk_sh(struct rd ext, uint16_t *out_index, struct tern_err *err);
/* (pre_shared_key in a ClientHello is hs_psk_parse, hs/session.h.) */

/* cookie (RFC 8446 §4.2.2): opaque cookie<1..2^16-1>. what names the message. */
TERN_MUST_CHECK int hs13_parse_cookie(struct rd ext, const char *what, struct rd *out,
                                      struct tern_err *err);
/* early_data in a NewSessionTicket (RFC 8446 §4.2.10): max_early_data_size. */
TERN_MUST_CHECK int hs13_parse_early_data_nst(struct rd ext, uint32_t *out_max,
                                              struct tern_err *err);
/* certificate_authorities (RFC 8446 §4.2.4): DistinguishedName
 * authorities<3..2^16-1>, each <1..2^16-1>. out gets the list. */
TERN_MUST_CHECK int hs13_parse_cas(struct rd ext, const char *what, struct rd *out,
                                   struct tern_err *err);

/* ---- the hellos ---- */

/* ClientHello (RFC 8446 §4.1.2; RFC 5246 §7.4.1.2 alike): its structure,
 * a legacy_session_id of at most 32 bytes, a whole non-empty cipher_suites
 * list, and the extension block split by hs_exts_parse's rules for
 * EXT_IN_CH; a legacy_version of SSL 3.0 or lower is protocol_version
 * (RFC 8446 Appendix D.5). A ClientHello without
 * an extension block (has_exts false) is a valid pre-1.3 one. The versions
 * offered are the caller's to judge. */
struct hs13_client_hello {
    uint16_t legacy;
    const uint8_t *random; /* 32 bytes */
    struct rd session_id, suites, compression;
    bool has_exts;
    struct hs_exts ext;
};
TERN_MUST_CHECK int hs13_parse_client_hello(struct rd body, struct hs13_client_hello *out,
                                            struct tern_err *err);

/* ServerHello or HelloRetryRequest (RFC 8446 §4.1.3): its structure, whether
 * it is a HelloRetryRequest (its random) and whether supported_versions is
 * in the block, which decides the version and so the rules the block is
 * then split by (the caller's, with hs_exts_parse); legacy_version as in
 * a ClientHello. */
struct hs13_server_hello {
    uint16_t legacy;
    const uint8_t *random; /* 32 bytes */
    struct rd session_id;
    uint16_t suite;
    uint8_t compression;
    bool has_exts, has_sv, is_hrr;
    struct rd exts;
};
TERN_MUST_CHECK int hs13_parse_server_hello(struct rd body, struct hs13_server_hello *out,
                                            struct tern_err *err);

/* ---- the hellos' TLS 1.3 parts ---- */

/* legacy_compression_methods of a TLS 1.3 ClientHello (RFC 8446 §4.1.2):
 * exactly the null method, else illegal_parameter. */
TERN_MUST_CHECK int hs13_parse_compression(struct rd methods, struct tern_err *err);

/* The TLS 1.3 extensions of a ClientHello (its block split by hs_exts_parse),
 * each parsed when present: has_* says which. Missing ones are the
 * handler's to judge (which it needs depends on PSKs and configuration). */
struct hs13_ch_exts {
    bool has_sigalgs, has_sigalgs_cert, has_groups, has_key_share, has_psk_modes, has_cookie,
        has_early_data;
    struct rd sigalgs, sigalgs_cert, groups;
    struct hs_u16_set listed; /* every group in supported_groups */
    struct hs13_key_shares shares;
    bool psk_ke, psk_dhe_ke;
    struct rd cookie;
};
/* keep: which key shares to keep (as in hs13_parse_key_share_ch). */
TERN_MUST_CHECK int hs13_parse_ch_exts(const struct hs_exts *e, bool (*keep)(uint16_t),
                                       struct hs13_ch_exts *out, struct tern_err *err);

/* The TLS 1.3 extensions of a ServerHello (hrr false) or HelloRetryRequest. */
struct hs13_sh_exts {
    bool has_version, has_key_share, has_psk, has_cookie;
    uint16_t version;
    uint16_t group;  /* key_share's group (both forms) */
    struct rd share; /* ServerHello only */
    uint16_t psk_index;
    struct rd cookie; /* HelloRetryRequest only */
};
TERN_MUST_CHECK int hs13_parse_sh_exts(const struct hs_exts *e, bool hrr, struct hs13_sh_exts *out,
                                       struct tern_err *err);

/* ---- messages (bodies, without the 4-byte header) ---- */

/* EncryptedExtensions (RFC 8446 §4.3.1): the block split for EXT_IN_EE
 * with `offered` (our extensions; supported_groups may always come back,
 * §4.2.7), server_name and early_data checked empty. */
TERN_MUST_CHECK int hs13_parse_encrypted_extensions(struct rd body, uint64_t offered,
                                                    struct hs_exts *out, struct tern_err *err);

/* Certificate (RFC 8446 §4.4.2): the request context and up to
 * HS13_MAX_CHAIN entries, each a non-empty cert_data with its extensions
 * split for EXT_IN_CT against `offered` (tern offers none: any extension
 * is unsupported_extension). */
struct hs13_certificate {
    struct rd context;
    struct rd cert[HS13_MAX_CHAIN];
    struct rd exts[HS13_MAX_CHAIN]; /* each entry's extension block */
    size_t n;
};
TERN_MUST_CHECK int hs13_parse_certificate(struct rd body, uint64_t offered,
                                           struct hs13_certificate *out, struct tern_err *err);

/* CertificateVerify (RFC 8446 §4.4.3): the scheme and the signature. */
TERN_MUST_CHECK int hs13_parse_certificate_verify(struct rd body, uint16_t *out_scheme,
                                                  struct rd *out_sig, struct tern_err *err);

/* CertificateRequest (RFC 8446 §4.3.2): the context (at most
 * HS13_MAX_CONTEXT bytes here), the extensions, signature_algorithms
 * (required: missing_extension) and certificate_authorities if any. */
struct hs13_cert_request {
    struct rd context;
    struct hs_exts ext;
    struct rd sigalgs;
    bool has_cas;
    struct rd cas;
};
TERN_MUST_CHECK int hs13_parse_certificate_request(struct rd body, struct hs13_cert_request *out,
                                                   struct tern_err *err);

/* NewSessionTicket (RFC 8446 §4.6.1): lifetime at most seven days
 * (illegal_parameter past it), a non-empty ticket, extensions for EXT_IN_NST. */
struct hs13_ticket {
    uint32_t lifetime_s, age_add;
    struct rd nonce, ticket;
    struct hs_exts ext;
    bool has_early_data;
    uint32_t max_early_data;
};
TERN_MUST_CHECK int hs13_parse_new_session_ticket(struct rd body, struct hs13_ticket *out,
                                                  struct tern_err *err);

/* KeyUpdate (RFC 8446 §4.6.3): request_update, 0 or 1. */
TERN_MUST_CHECK int hs13_parse_key_update(struct rd body, uint8_t *out_request,
                                          struct tern_err *err);

/* ---- writers, where tern sends the value (for round trips) ---- */

/* hs13_write_key_update: a whole KeyUpdate message (header and body). */
void hs13_write_key_update(struct wr *w, uint8_t request);

#endif
