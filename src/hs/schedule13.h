/* The TLS 1.3 key schedule (RFC 8446 §7.1).
 *
 *            0 / PSK -> HKDF-Extract = Early Secret
 *   Derive-Secret(., "derived", "") + (EC)DHE -> Handshake Secret
 *   Derive-Secret(., "derived", "") + 0       -> Master Secret
 *
 * Transcript hashes are passed in by the caller, who owns the transcript.
 * All secrets live in fixed arrays and are wiped by the ks13_wipe_* calls
 * and ks13_cleanup. */
#ifndef TERN_HS_SCHEDULE13_H
#define TERN_HS_SCHEDULE13_H

#include "crypto/provider.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ks13 {
    enum cry_hash hash;
    size_t hlen;
    uint8_t early[CRY_MAX_HASH];
    uint8_t handshake[CRY_MAX_HASH];
    uint8_t master[CRY_MAX_HASH];
    uint8_t client_hs[CRY_MAX_HASH];  /* c hs traffic */
    uint8_t server_hs[CRY_MAX_HASH];  /* s hs traffic */
    uint8_t client_ap[CRY_MAX_HASH];  /* c ap traffic (first) */
    uint8_t server_ap[CRY_MAX_HASH];  /* s ap traffic (first) */
    uint8_t exporter[CRY_MAX_HASH];   /* exp master */
    uint8_t resumption[CRY_MAX_HASH]; /* res master */
};

/* ks13_init computes the Early Secret from psk (NULL/0: no PSK, a string of
 * hlen zeros). */
TERN_MUST_CHECK int ks13_init(struct ks13 *ks, enum cry_hash h, const uint8_t *psk, size_t psk_len);
/* ks13_binder_key: "ext binder" or "res binder" (RFC 8446 §7.1). */
TERN_MUST_CHECK int ks13_binder_key(const struct ks13 *ks, bool resumption, uint8_t *out);
/* ks13_early_traffic: client_early_traffic_secret over ClientHello's hash. */
TERN_MUST_CHECK int ks13_early_traffic(const struct ks13 *ks, const uint8_t *th_ch, uint8_t *out);
/* ks13_early_exporter: early_exporter_master_secret ("e exp master") over
 * ClientHello's hash. */
TERN_MUST_CHECK int ks13_early_exporter(const struct ks13 *ks, const uint8_t *th_ch, uint8_t *out);
/* ks13_handshake: mixes in the (EC)DHE secret (NULL/0 for psk_ke: a string
 * of hlen zeros), derives the Handshake Secret and both handshake traffic
 * secrets from Hash(ClientHello..ServerHello). */
TERN_MUST_CHECK int ks13_handshake(struct ks13 *ks, const uint8_t *dhe, size_t dhe_len,
                                   const uint8_t *th_ch_sh);
/* ks13_master: Master Secret, both first application traffic secrets and
 * the exporter master secret from Hash(ClientHello..server Finished). */
TERN_MUST_CHECK int ks13_master(struct ks13 *ks, const uint8_t *th_ch_sf);
/* ks13_resumption: resumption master secret from Hash(ClientHello..client
 * Finished). The Master Secret is no longer needed after this and is wiped. */
TERN_MUST_CHECK int ks13_resumption(struct ks13 *ks, const uint8_t *th_ch_cf);

/* ks13_derive_secret: Derive-Secret(secret, label, messages) given the
 * transcript hash th of the messages (NULL: no messages, Hash("")). */
TERN_MUST_CHECK int ks13_derive_secret(enum cry_hash h, const uint8_t *secret, const char *label,
                                       const uint8_t *th, uint8_t *out);

/* ks13_finished computes Finished verify_data (RFC 8446 §4.4.4):
 * HMAC(HKDF-Expand-Label(base_key, "finished", "", hlen), transcript_hash). */
TERN_MUST_CHECK int ks13_finished(enum cry_hash h, const uint8_t *base_key,
                                  const uint8_t *transcript_hash, uint8_t *out);
/* ks13_ticket_psk: the PSK of a ticket: HKDF-Expand-Label(res master,
 * "resumption", ticket_nonce, hlen) (RFC 8446 §4.6.1). */
TERN_MUST_CHECK int ks13_ticket_psk(enum cry_hash h, const uint8_t *res_master,
                                    const uint8_t *nonce, size_t nonce_len, uint8_t *out);
/* ks13_export: TLS-Exporter(label, context, length) (RFC 8446 §7.5), from
 * the exporter master secret (ks13_master must have run). context may be
 * NULL with context_len 0 (an empty context, which differs from no context
 * only in TLS 1.2). */
TERN_MUST_CHECK int ks13_export(const struct ks13 *ks, const char *label, const uint8_t *context,
                                size_t context_len, uint8_t *out, size_t out_len);

/* ks13_wipe_handshake wipes the early, handshake and handshake-traffic
 * secrets once the handshake no longer needs them (after both Finished). */
void ks13_wipe_handshake(struct ks13 *ks);
/* ks13_cleanup wipes everything. */
void ks13_cleanup(struct ks13 *ks);

/* ks13_keylog_line formats an NSS key-log line, e.g.
 * "CLIENT_HANDSHAKE_TRAFFIC_SECRET <64 hex client random> <hex secret>", into
 * buf (no newline). Returns the length, or 0 if cap is too small. */
size_t ks13_keylog_line(char *buf, size_t cap, const char *label, const uint8_t client_random[32],
                        const uint8_t *secret, size_t secret_len);

#endif
