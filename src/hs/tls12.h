/* TLS 1.2 (RFC 5246) for legacy peers: suites, the PRF and key schedule,
 * the message codecs both roles share, and the entry points the TLS 1.3
 * state machines and the connection call once TLS 1.2 is negotiated.
 *
 * What tern's TLS 1.2 does: ECDHE (X25519, P-256, P-384) with ECDSA, RSA or
 * Ed25519 signatures, AEAD suites only (AES-GCM, ChaCha20-Poly1305), the
 * extended master secret (RFC 7627, required), secure renegotiation
 * signalling (RFC 5746) with renegotiation itself refused, null compression
 * only, and RSA key transport only when the configuration lists an RSA
 * suite; resumption with session tickets (RFC 5077) sealed like TLS 1.3's,
 * and by session ID (RFC 5246 §7.4.1.2) when the server has a session store
 * (hs/store.c). What it does not: CBC, renegotiation, compression,
 * anything below TLS 1.2.
 *
 * The handshake transcript of TLS 1.2 is kept as raw bytes (c->ch_buf, the
 * running hash c->th is never started): CertificateVerify signs the
 * messages themselves with the signature's own hash, which need not be the
 * suite's. */
#ifndef TERN_HS_TLS12_H
#define TERN_HS_TLS12_H

#include "base/bytes.h"
#include "base/error.h"
#include "crypto/provider.h"

#include <stdbool.h>
#include <stdint.h>

struct tern_conn;
struct hs_client_hello;
struct hs_server_hello;
struct hs_session;

enum hs12_kx {
    HS12_KX_ECDHE_ECDSA = 1, /* ECDSA or EdDSA certificate (RFC 8422 §2) */
    HS12_KX_ECDHE_RSA = 2,
    HS12_KX_RSA = 3, /* RSA key transport: only when configured */
};

struct hs_suite12 {
    uint16_t id;
    enum cry_aead aead;
    enum cry_hash hash;
    enum hs12_kx kx;
};

/* TLS 1.2 handshake message types beyond the shared ones (RFC 5246 §7.4). */
enum {
    HS12_HELLO_REQUEST = 0,
    HS12_SERVER_KEY_EXCHANGE = 12,
    HS12_SERVER_HELLO_DONE = 14,
    HS12_CLIENT_KEY_EXCHANGE = 16,
};

#define HS12_MASTER_LEN 48
#define HS12_VERIFY_LEN 12
/* Renegotiation requests answered with a warning before the connection is
 * failed as a flood (tern's own bound; RFC 5246 sets none). */
#define HS12_MAX_RENEG_REFUSALS 4
#define HS12_SCSV               0x00ff /* TLS_EMPTY_RENEGOTIATION_INFO_SCSV, RFC 5746 §3.3 */
#define HS12_FALLBACK_SCSV      0x5600 /* TLS_FALLBACK_SCSV, RFC 7507 §2 */

/* Per-connection TLS 1.2 state, on the heap while the handshake runs. */
struct hs12 {
    const struct hs_suite12 *suite;
    uint16_t client_version; /* ClientHello.legacy_version, for the RSA PMS */
    uint8_t pms[CRY_KEX_MAX_SECRET];
    size_t pms_len;
    uint8_t master[HS12_MASTER_LEN];
    uint8_t key_block[2 * (CRY_MAX_AEAD_KEY + 12)];
    struct cry_kex kex; /* server: its ephemeral ECDHE key */
    bool have_kex;
    uint8_t client_share[CRY_KEX_MAX_SHARE]; /* client: its ECDHE share for CKE */
    size_t client_share_len;
    bool client_cert_sent; /* client: a non-empty Certificate went out */
    /* resumption with session tickets (RFC 5077) */
    struct hs_session *resume; /* client: the session offered */
    bool ticket_expected;      /* client: the server will send NewSessionTicket */
    bool got_ticket;           /* client: it did, with a ticket in it */
    bool send_ticket;          /* server: issue a ticket after the client's Finished */
    bool resumed_by_id;        /* server: the session came from the store */
};

/* hs_suite12 describes a TLS 1.2 suite tern implements, or NULL. */
const struct hs_suite12 *hs_suite12(uint16_t id);
/* hs12_group_ok: a group TLS 1.2 ECDHE can use (no hybrids). */
bool hs12_group_ok(uint16_t group);

/* hs12_prf is the TLS 1.2 PRF (RFC 5246 §5): P_hash(secret, label || seed1
 * || seed2) truncated to out_len. */
TERN_MUST_CHECK int hs12_prf(enum cry_hash h, const uint8_t *secret, size_t secret_len,
                             const char *label, const uint8_t *seed1, size_t seed1_len,
                             const uint8_t *seed2, size_t seed2_len, uint8_t *out, size_t out_len);

/* ---- codecs (pure: no connection; fuzzed by tests/fuzz/tls12_fuzz.c) ---- */

/* ServerKeyExchange for ECDHE (RFC 8422 §5.4, RFC 5246 §7.4.3). params
 * covers the ServerECDHParams bytes, which the signature covers too. */
struct hs12_ske {
    uint16_t group;
    struct rd point;
    struct rd params;
    uint16_t scheme;
    struct rd sig;
};
TERN_MUST_CHECK int hs12_parse_ske(struct rd body, struct hs12_ske *out, struct tern_err *err);
/* ClientKeyExchange (RFC 8422 §5.7; RFC 5246 §7.4.7.1): the ECDH point or
 * the encrypted pre-master secret. */
TERN_MUST_CHECK int hs12_parse_cke(struct rd body, bool rsa, struct rd *out, struct tern_err *err);
/* CertificateRequest (RFC 5246 §7.4.4): the signature schemes listed that
 * tern knows, once each (at most cap; HS_KNOWN_MAX holds them all), in
 * *out_total (if given) how many the list held, and in *out_cas (if given)
 * the certificate_authorities list's contents, each name checked to be
 * non-empty and within the list. */
TERN_MUST_CHECK int hs12_parse_cert_request(struct rd body, uint16_t *out_sigs, size_t cap,
                                            size_t *out_n, size_t *out_total, struct rd *out_cas,
                                            struct tern_err *err);
/* Certificate (RFC 5246 §7.4.2): up to cap DER certificates, leaf first. */
TERN_MUST_CHECK int hs12_parse_certificate(struct rd body, struct rd *out_certs, size_t cap,
                                           size_t *out_n, struct tern_err *err);
/* CertificateVerify / the signature part of ServerKeyExchange. */
TERN_MUST_CHECK int hs12_parse_signed(struct rd body, uint16_t *out_scheme, struct rd *out_sig,
                                      struct tern_err *err);

/* hs12_scheme_fits: may this signature scheme be used with this key in
 * TLS 1.2? (ECDSA schemes do not fix the curve there; rsa_pkcs1 is
 * allowed.) */
bool hs12_scheme_fits(uint16_t scheme, enum cry_key_type key);
/* hs12_key_fits: may a certificate key of type k serve a suite of this key
 * exchange (ECDSA keys for ECDHE_ECDSA, RSA for ECDHE_RSA and RSA)? */
bool hs12_key_fits(enum hs12_kx kx, enum cry_key_type k);
/* hs12_export: RFC 5705 keying material from the kept master secret. */
TERN_MUST_CHECK int hs12_export(tern_conn *c, const char *label, const uint8_t *context,
                                size_t context_len, uint8_t *out, size_t len);

/* ---- shared by client12.c and server12.c (tls12.c) ---- */
TERN_MUST_CHECK int hs12_state_new(struct tern_conn *c);
void hs12_free(struct tern_conn *c);
TERN_MUST_CHECK int hs12_transcript_hash(struct tern_conn *c, uint8_t *out);
/* Master secret from the pre-master secret (extended, RFC 7627 §4: the
 * session hash is the transcript through ClientKeyExchange), then the key
 * block; the pre-master secret is wiped. */
TERN_MUST_CHECK int hs12_derive_keys(struct tern_conn *c);
/* The key block from the master secret (full and resumed handshakes). */
TERN_MUST_CHECK int hs12_key_block(struct tern_conn *c);
/* Install one direction's keys from the key block. */
TERN_MUST_CHECK int hs12_install(struct tern_conn *c, bool write);
TERN_MUST_CHECK int hs12_send_certificate(struct tern_conn *c);
TERN_MUST_CHECK int hs12_recv_certificate(struct tern_conn *c, struct rd body, const uint8_t *msg,
                                          size_t len);
TERN_MUST_CHECK int hs12_send_finished(struct tern_conn *c);
TERN_MUST_CHECK int hs12_recv_finished(struct tern_conn *c, struct rd body, const uint8_t *msg,
                                       size_t len);
/* pick a scheme for our key from c->peer_sigs */
TERN_MUST_CHECK int hs12_pick_scheme(struct tern_conn *c, uint16_t *out);
TERN_MUST_CHECK int hs12_complete(struct tern_conn *c);
/* Send ChangeCipherSpec and switch the write direction to the new keys. */
TERN_MUST_CHECK int hs12_send_ccs(struct tern_conn *c);

/* ---- hooks called from the TLS 1.3 state machines and conn.c ---- */

TERN_MUST_CHECK int hs12_client_server_hello(struct tern_conn *c, struct hs_server_hello *sh,
                                             const uint8_t *msg, size_t len);
TERN_MUST_CHECK int hs12_client_message(struct tern_conn *c, uint8_t type, struct rd body,
                                        const uint8_t *msg, size_t len);
/* hs12_client_hello_exts writes the TLS 1.2 extensions of our ClientHello
 * (extended_master_secret, renegotiation_info, ec_point_formats). */
void hs12_client_hello_exts(struct tern_conn *c, struct wr *w);
/* hs12_client_offer_session keeps a cached TLS 1.2 session (s) to offer
 * its ticket; false when this configuration cannot use it. */
bool hs12_client_offer_session(struct tern_conn *c, const struct hs_session *s);

TERN_MUST_CHECK int hs12_server_client_hello(struct tern_conn *c, struct hs_client_hello *ch,
                                             const uint8_t *msg, size_t len);
TERN_MUST_CHECK int hs12_server_message(struct tern_conn *c, uint8_t type, struct rd body,
                                        const uint8_t *msg, size_t len);

/* ChangeCipherSpec arrived (conn.c): switch the read direction. */
TERN_MUST_CHECK int hs12_on_ccs(struct tern_conn *c, const uint8_t *p, size_t len);
/* After the handshake: HelloRequest / ClientHello get a warning
 * no_renegotiation and the connection goes on (up to
 * HS12_MAX_RENEG_REFUSALS times). */
TERN_MUST_CHECK int hs12_post_message(struct tern_conn *c, uint8_t type, struct rd body);

#endif
