/* The record layer (RFC 8446 §5): framing, protection of one direction,
 * sequence numbers, padding, size limits, key update.
 *
 * Records are sealed and opened in place in the caller's buffer: no
 * allocation per record. One struct rec_dir protects one direction. TLS 1.3
 * is implemented; the TLS 1.2 AEAD form (explicit nonce for GCM, RFC 5288;
 * the 1.3-style nonce for ChaCha20-Poly1305, RFC 7905) fits the same struct
 * through rec_dir_set12 and the version field. */
#ifndef TERN_RECORD_RECORD_H
#define TERN_RECORD_RECORD_H

#include "base/bytes.h"
#include "base/error.h"
#include "crypto/provider.h"

#include <stdbool.h>
#include <stdint.h>

#define REC_HEADER_LEN       5
#define REC_MAX_PLAINTEXT    16384                     /* 2^14, RFC 8446 §5.1 */
#define REC_MAX_CIPHERTEXT13 (REC_MAX_PLAINTEXT + 256) /* RFC 8446 §5.2 */
#define REC_MAX_CIPHERTEXT12 (REC_MAX_PLAINTEXT + 2048)
/* A whole protected record with header never exceeds this. */
#define REC_MAX_RECORD (REC_HEADER_LEN + REC_MAX_CIPHERTEXT12)

enum rec_content_type {
    REC_CHANGE_CIPHER_SPEC = 20,
    REC_ALERT = 21,
    REC_HANDSHAKE = 22,
    REC_APPLICATION_DATA = 23,
};

struct rec_header {
    uint8_t type;
    uint16_t version; /* legacy_record_version */
    uint16_t length;  /* of the fragment that follows the header */
};

/* rec_parse_header reads a 5-byte header from in and consumes it on success
 * (on any other return in is untouched). Returns TERN_WANT_READ if fewer
 * than 5 bytes are there, TERN_E_RECORD_OVERFLOW (with a sentence) if the
 * length exceeds REC_MAX_CIPHERTEXT12 (or REC_MAX_CIPHERTEXT13 for tls13),
 * TERN_E_UNEXPECTED_MESSAGE for an unknown content type. The version field
 * is not checked: version checks belong to callers. */
TERN_MUST_CHECK int rec_parse_header(struct rd *in, bool tls13, struct rec_header *out,
                                     struct tern_err *err);

/* One direction's protection state. */
struct rec_dir {
    bool active;        /* false: records are plaintext */
    uint16_t version;   /* TERN_TLS13 or TERN_TLS12 */
    enum cry_hash hash; /* TLS 1.3: the suite's hash, for key update */
    enum cry_aead aead;
    struct cry_aead_key key;
    uint8_t iv[12]; /* 1.3: the per-direction IV; 1.2 GCM: 4-byte salt */
    size_t iv_len;
    uint64_t seq;
    uint8_t secret[CRY_MAX_HASH]; /* 1.3: the current traffic secret */
    size_t secret_len;
    /* legacy_record_version of plaintext records this direction writes;
     * 0 means 0x0303. A client may set 0x0301 for its first ClientHello
     * (RFC 8446 §5.1, and what RFC 8448's traces show). */
    uint16_t plain_version;
};

/* A struct rec_dir starts zeroed (inactive: plaintext records). */

/* rec_dir_set13 installs a TLS 1.3 traffic secret: derives key and IV
 * (RFC 8446 §7.3), resets the sequence number to 0. The secret is copied;
 * the caller keeps (and wipes) its own. */
TERN_MUST_CHECK int rec_dir_set13(struct rec_dir *d, enum cry_hash h, enum cry_aead a,
                                  const uint8_t *secret, size_t secret_len, struct tern_err *err);
/* rec_keys13 derives a TLS 1.3 record key and IV from a traffic secret
 * (RFC 8446 §7.3) into the caller's arrays (out_key holds
 * CRY_MAX_AEAD_KEY); rec_dir_set13 uses it. The caller wipes them. */
TERN_MUST_CHECK int rec_keys13(enum cry_hash h, enum cry_aead a, const uint8_t *secret,
                               uint8_t *out_key, size_t *out_key_len, uint8_t out_iv[12]);
/* rec_dir_set12 installs TLS 1.2 keys: key and fixed IV from the key block
 * (4 bytes for GCM, 12 for ChaCha20-Poly1305), sequence number 0. */
TERN_MUST_CHECK int rec_dir_set12(struct rec_dir *d, enum cry_aead a, const uint8_t *key,
                                  size_t key_len, const uint8_t *iv, size_t iv_len,
                                  struct tern_err *err);
/* rec_dir_update13 moves to the next traffic secret (RFC 8446 §7.2,
 * "traffic upd"), rekeys and resets the sequence number; the old secret is
 * wiped. */
TERN_MUST_CHECK int rec_dir_update13(struct rec_dir *d, struct tern_err *err);
/* rec_dir_cleanup wipes keys and secrets. */
void rec_dir_cleanup(struct rec_dir *d);

/* Overhead of sealing: header + (1.3: inner type byte) + tag (+ 1.2 GCM
 * explicit nonce). Callers size buffers with it. */
size_t rec_seal_overhead(const struct rec_dir *d);

/* rec_seal writes one record into buf in place. On entry the plaintext
 * (at most REC_MAX_PLAINTEXT bytes) is at buf + rec_plaintext_offset(d); cap
 * is buf's size (plain_len + pad_len + rec_seal_overhead(d) is enough). For
 * TLS 1.3, pad_len zero bytes of padding are added after the inner content
 * type (content, type and padding together at most 2^14 + 1 bytes, RFC 8446
 * §5.4); pad_len must be 0 otherwise. For an inactive direction, a plaintext
 * record is written (legacy version plain_version, default 0x0303); so is a
 * change_cipher_spec record under TLS 1.3 protection (RFC 8446 §5: never
 * protected; it uses no sequence number).
 * *out_len is the whole record's length. TERN_E_LIMIT when the sequence
 * number would wrap, TERN_E_ARG for sizes out of range; each with a
 * sentence in err. */
TERN_MUST_CHECK int rec_seal(struct rec_dir *d, uint8_t type, uint8_t *buf, size_t plain_len,
                             size_t pad_len, size_t cap, size_t *out_len, struct tern_err *err);
/* rec_seal_from is rec_seal with the plaintext read from src (not
 * overlapping buf) instead of buf + rec_plaintext_offset(d): a TLS 1.3
 * record is sealed straight from src, without copying it first. No
 * padding. */
TERN_MUST_CHECK int rec_seal_from(struct rec_dir *d, uint8_t type, const uint8_t *src,
                                  size_t plain_len, uint8_t *buf, size_t cap, size_t *out_len,
                                  struct tern_err *err);
/* Where the plaintext goes in rec_seal's buffer (5, or 13 for 1.2 GCM). */
size_t rec_plaintext_offset(const struct rec_dir *d);

/* rec_open opens one whole record (header included; len must be exactly 5
 * plus the header's length, else TERN_E_ARG) in place. On success *out_type
 * is the (inner, for 1.3) content type and the plaintext is
 * buf[*out_off .. *out_off + *out_len). Failures: TERN_E_BAD_RECORD_MAC (does
 * not authenticate, or too short to hold a tag), TERN_E_RECORD_OVERFLOW
 * (plaintext over 2^14, 1.3 inner plaintext over 2^14 + 1, or a header
 * length over the limits), TERN_E_UNEXPECTED_MESSAGE (1.3 inner plaintext of
 * only zeros, an outer type other than application_data, a protected
 * change_cipher_spec, an empty handshake or alert record), TERN_E_LIMIT
 * (sequence exhausted); each with a sentence in err.
 *
 * With TLS 1.3 protection active, an unprotected change_cipher_spec record
 * is handed back as is (type 20, no sequence number used): RFC 8446 §5 lets
 * a peer send one in compatibility mode, and only the handshake layer knows
 * whether it may arrive now and must be dropped. */
TERN_MUST_CHECK int rec_open(struct rec_dir *d, uint8_t *buf, size_t len, uint8_t *out_type,
                             size_t *out_off, size_t *out_len, struct tern_err *err);
/* rec_open_from is rec_open for a protected record whose bytes after the
 * header are read from sealed (len - 5 bytes, not overlapping buf) rather
 * than from buf: buf holds the header and receives the plaintext, so a
 * record is opened straight from the bytes it arrived in. The bytes of buf
 * outside the plaintext are not written. TERN_E_ARG for an inactive
 * direction. */
TERN_MUST_CHECK int rec_open_from(struct rec_dir *d, uint8_t *buf, size_t len,
                                  const uint8_t *sealed, uint8_t *out_type, size_t *out_off,
                                  size_t *out_len, struct tern_err *err);
/* The TLS 1.3 inner-type scans, exposed so the tests can hold every
 * build to the same answers: rec_scan_blocks (portable; AVX2 where the CPU
 * has it) and, on x86-64 with AVX-512 (rec_scan_avx512_available),
 * rec_scan_lanes512. Each finds the last non-zero byte of p[0 .. n) in
 * constant time: false if there is none. */
bool rec_scan_blocks(const uint8_t *p, size_t n, size_t *out_pos, uint8_t *out_type);
bool rec_scan_lanes512(const uint8_t *p, size_t n, size_t *out_pos, uint8_t *out_type);
bool rec_scan_avx512_available(void);

/* rec_max_content is the most plaintext content a protected record whose
 * header announces frag_len bytes can hold (0 if it is too short). */
size_t rec_max_content(const struct rec_dir *d, size_t frag_len);
/* rec_open_header and rec_open_into_header are rec_open_from and
 * rec_open_into for a record whose header the caller has already parsed
 * with rec_parse_header (the connection parses each header once); its
 * h->length bytes follow the header. */
TERN_MUST_CHECK int rec_open_header(struct rec_dir *d, uint8_t *buf, const struct rec_header *h,
                                    const uint8_t *sealed, uint8_t *out_type, size_t *out_off,
                                    size_t *out_len, struct tern_err *err);
TERN_MUST_CHECK int rec_open_into_header(struct rec_dir *d, const uint8_t *rec,
                                         const struct rec_header *h, uint8_t *out, size_t room,
                                         uint8_t *out_type, size_t *out_len, struct tern_err *err);
/* rec_open_into opens the whole protected record at rec (len bytes, left as
 * they are) into out, which has room bytes: at least
 * rec_max_content(d, len - 5), else TERN_E_ARG. On success the content is
 * out[0 .. *out_len); bytes of out after it that the record wrote are
 * zeroed. On failure no plaintext is left in out. Failures as rec_open. */
TERN_MUST_CHECK int rec_open_into(struct rec_dir *d, const uint8_t *rec, size_t len, uint8_t *out,
                                  size_t room, uint8_t *out_type, size_t *out_len,
                                  struct tern_err *err);

#endif
