/* The record layer (RFC 8446 §5; the TLS 1.2 AEAD form of RFC 5246
 * §6.2.3.3, RFC 5288 and RFC 7905).
 *
 * Layout of a record in the caller's buffer, sealed and opened in place:
 *
 *   TLS 1.3:         header(5) | content | type(1) | zeros(pad) | tag(16)
 *   TLS 1.2 GCM:     header(5) | explicit nonce(8) | content | tag(16)
 *   TLS 1.2 ChaCha:  header(5) | content | tag(16)
 *   plaintext:       header(5) | content
 *
 * Nothing here allocates: the AEAD key is set up once per traffic key. */
#include "record/record.h"

#include "base/mem.h"
#include "tern/tern.h"

#include <string.h>

/* The largest sequence number we use. Stopping one short of 2^64 - 1 means
 * the counter is never incremented past its maximum, so it cannot wrap
 * (RFC 8446 §5.3: rekey or close rather than wrap). */
#define REC_SEQ_LAST (UINT64_MAX - 1)

#define REC_TLS12_EXPLICIT_NONCE 8
#define REC_TLS12_AAD_LEN        13

static const char *type_name(uint8_t type)
{
    switch (type) {
    case REC_CHANGE_CIPHER_SPEC:
        return "change_cipher_spec";
    case REC_ALERT:
        return "alert";
    case REC_HANDSHAKE:
        return "handshake";
    case REC_APPLICATION_DATA:
        return "application_data";
    default:
        return "unknown";
    }
}

static bool known_type(uint8_t type)
{
    return type == REC_CHANGE_CIPHER_SPEC || type == REC_ALERT || type == REC_HANDSHAKE ||
           type == REC_APPLICATION_DATA;
}

/* plain_text: the first bytes look like a text protocol (printable ASCII
 * and line ends), as from an HTTP, SMTP or similar server. */
static bool plain_text(const uint8_t *p, size_t len)
{
    if (len < REC_HEADER_LEN)
        return false;
    for (size_t i = 0; i < len && i < 16; i++)
        if (!((p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\r' || p[i] == '\n' || p[i] == '\t'))
            return false;
    return true;
}

int rec_parse_header(struct rd *in, bool tls13, struct rec_header *out, struct tern_err *err)
{
    struct rd r = *in;
    struct rec_header h;
    if (!rd_u8(&r, &h.type) || !rd_u16(&r, &h.version) || !rd_u16(&r, &h.length))
        return TERN_WANT_READ;
    if (!known_type(h.type) && plain_text(in->p, in->len)) {
        /* A common mistake: an https client dialling a plain-text port
         * (an HTTP server answers the ClientHello with an error page). */
        char shown[17];
        size_t n = in->len < sizeof(shown) - 1 ? in->len : sizeof(shown) - 1;
        for (size_t i = 0; i < n; i++)
            shown[i] = in->p[i] == '\r' || in->p[i] == '\n' ? ' ' : (char)in->p[i];
        shown[n] = 0;
        return err_set(err, TERN_E_UNEXPECTED_MESSAGE,
                       "the peer answered in plain text (\"%s...\"), not TLS: is this a plain "
                       "HTTP (or other non-TLS) port?",
                       shown);
    }
    if (!known_type(h.type))
        return err_set(err, TERN_E_UNEXPECTED_MESSAGE,
                       "record of content type %u (version 0x%04x, %u bytes) is not one TLS "
                       "defines (20 to 23): the peer is not speaking TLS or the stream is out "
                       "of step",
                       h.type, h.version, h.length);
    size_t limit = tls13 ? REC_MAX_CIPHERTEXT13 : REC_MAX_CIPHERTEXT12;
    if (h.length > limit)
        return err_set(err, TERN_E_RECORD_OVERFLOW,
                       "%s record of %u bytes exceeds the TLS %s limit of %zu", type_name(h.type),
                       h.length, tls13 ? "1.3" : "1.2", limit);
    *in = r;
    *out = h;
    return TERN_OK;
}

/* ---- keys ---- */

static void dir_clear_keys(struct rec_dir *d)
{
    cry_aead_cleanup(&d->key);
    tern_memzero(d->iv, sizeof(d->iv));
    tern_memzero(d->secret, sizeof(d->secret));
    d->iv_len = 0;
    d->secret_len = 0;
    d->active = false;
}

int rec_keys13(enum cry_hash h, enum cry_aead a, const uint8_t *secret, uint8_t *out_key,
               size_t *out_key_len, uint8_t out_iv[12])
{
    size_t key_len = cry_aead_key_len(a);
    if (cry_hash_len(h) == 0 || key_len == 0 || key_len > CRY_MAX_AEAD_KEY)
        return TERN_E_ARG;
    /* RFC 8446 §7.3: [sender]_write_key = HKDF-Expand-Label(Secret, "key",
     * "", key_length), [sender]_write_iv likewise with "iv", iv_length. */
    TRY(cry_hkdf_expand_label(h, secret, "key", NULL, 0, out_key, key_len));
    *out_key_len = key_len;
    return cry_hkdf_expand_label(h, secret, "iv", NULL, 0, out_iv, 12);
}

int rec_dir_set13(struct rec_dir *d, enum cry_hash h, enum cry_aead a, const uint8_t *secret,
                  size_t secret_len, struct tern_err *err)
{
    size_t hlen = cry_hash_len(h);
    size_t key_len = cry_aead_key_len(a);
    if (hlen == 0 || key_len == 0 || key_len > CRY_MAX_AEAD_KEY)
        return err_set(err, TERN_E_ARG, "hash %d with AEAD %d is not a TLS 1.3 cipher suite",
                       (int)h, (int)a);
    if (secret_len != hlen)
        return err_set(err, TERN_E_ARG, "a %s traffic secret has %zu bytes, but %zu were given",
                       cry_hash_name(h), hlen, secret_len);
    uint8_t key[CRY_MAX_AEAD_KEY];
    uint8_t iv[12];
    /* Copy first: secret may be d->secret itself (key update). */
    uint8_t s[CRY_MAX_HASH];
    memcpy(s, secret, secret_len);
    dir_clear_keys(d);
    int rc = rec_keys13(h, a, s, key, &key_len, iv);
    if (rc == TERN_OK)
        rc = cry_aead_init(&d->key, a, key, key_len);
    tern_memzero(key, sizeof(key));
    if (rc != TERN_OK) {
        tern_memzero(iv, sizeof(iv));
        tern_memzero(s, sizeof(s));
        dir_clear_keys(d);
        return err_set(err, rc, "deriving the TLS 1.3 record key and IV (%s, AEAD %d) failed: %s",
                       cry_hash_name(h), (int)a, tern_status_name(rc));
    }
    memcpy(d->iv, iv, sizeof(iv));
    d->iv_len = sizeof(iv);
    memcpy(d->secret, s, secret_len);
    d->secret_len = secret_len;
    tern_memzero(iv, sizeof(iv));
    tern_memzero(s, sizeof(s));
    d->hash = h;
    d->aead = a;
    d->version = TERN_TLS13;
    d->seq = 0;
    d->active = true;
    return TERN_OK;
}

int rec_dir_set12(struct rec_dir *d, enum cry_aead a, const uint8_t *key, size_t key_len,
                  const uint8_t *iv, size_t iv_len, struct tern_err *err)
{
    size_t want_key = cry_aead_key_len(a);
    /* RFC 5288 §3: GCM takes a 4-byte salt from the key block; RFC 7905 §2:
     * ChaCha20-Poly1305 takes a 12-byte IV, used like TLS 1.3's. */
    size_t want_iv = a == CRY_CHACHA20_POLY1305 ? 12 : 4;
    if (want_key == 0 || key_len != want_key || iv_len != want_iv)
        return err_set(err, TERN_E_ARG,
                       "TLS 1.2 AEAD %d takes a %zu-byte key and a %zu-byte IV, but %zu and %zu "
                       "bytes were given",
                       (int)a, want_key, want_iv, key_len, iv_len);
    dir_clear_keys(d);
    int rc = cry_aead_init(&d->key, a, key, key_len);
    if (rc != TERN_OK)
        return err_set(err, rc, "setting up the TLS 1.2 record key (AEAD %d) failed: %s", (int)a,
                       tern_status_name(rc));
    memcpy(d->iv, iv, iv_len);
    d->iv_len = iv_len;
    d->aead = a;
    d->version = TERN_TLS12;
    d->seq = 0;
    d->active = true;
    return TERN_OK;
}

int rec_dir_update13(struct rec_dir *d, struct tern_err *err)
{
    if (!d->active || d->version != TERN_TLS13 || d->secret_len == 0)
        return err_set(err, TERN_E_ARG,
                       "a key update needs TLS 1.3 protection in place (this direction is %s)",
                       !d->active ? "unprotected" : "TLS 1.2");
    /* RFC 8446 §7.2: application_traffic_secret_N+1 =
     * HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "", Hash.length). */
    uint8_t next[CRY_MAX_HASH];
    size_t n = d->secret_len;
    int rc = cry_hkdf_expand_label(d->hash, d->secret, "traffic upd", NULL, 0, next, n);
    if (rc != TERN_OK) {
        tern_memzero(next, sizeof(next));
        return err_set(err, rc, "deriving the next traffic secret for a key update failed: %s",
                       tern_status_name(rc));
    }
    rc = rec_dir_set13(d, d->hash, d->aead, next, n, err);
    tern_memzero(next, sizeof(next));
    return rc;
}

void rec_dir_cleanup(struct rec_dir *d)
{
    dir_clear_keys(d);
    d->seq = 0;
}

/* ---- sizes ---- */

size_t rec_seal_overhead(const struct rec_dir *d)
{
    if (!d->active)
        return REC_HEADER_LEN;
    if (d->version == TERN_TLS13)
        return REC_HEADER_LEN + 1 + CRY_AEAD_TAG;
    if (d->aead == CRY_CHACHA20_POLY1305)
        return REC_HEADER_LEN + CRY_AEAD_TAG;
    return REC_HEADER_LEN + REC_TLS12_EXPLICIT_NONCE + CRY_AEAD_TAG;
}

size_t rec_max_content(const struct rec_dir *d, size_t frag_len)
{
    size_t over = rec_seal_overhead(d) - REC_HEADER_LEN;
    return frag_len > over ? frag_len - over : 0;
}

size_t rec_plaintext_offset(const struct rec_dir *d)
{
    if (d->active && d->version == TERN_TLS12 && d->aead != CRY_CHACHA20_POLY1305)
        return REC_HEADER_LEN + REC_TLS12_EXPLICIT_NONCE;
    return REC_HEADER_LEN;
}

/* ---- nonces and additional data ---- */

/* The per-record nonce of TLS 1.3 (RFC 8446 §5.3) and of ChaCha20-Poly1305
 * in TLS 1.2 (RFC 7905 §2): the 64-bit sequence number, big-endian,
 * left-padded with zeros to the IV's 12 bytes, XORed with the IV. */
static void nonce_xor(const struct rec_dir *d, uint64_t seq, uint8_t nonce[12])
{
    uint8_t s[8];
    struct wr w;
    wr_init_fixed(&w, s, sizeof(s));
    wr_u64(&w, seq);
    memcpy(nonce, d->iv, 12);
    for (size_t i = 0; i < 8; i++)
        nonce[4 + i] ^= s[i];
}

/* TLS 1.2 GCM (RFC 5288 §3): nonce = salt(4) || explicit_nonce(8). */
static void nonce_gcm12(const struct rec_dir *d, const uint8_t explicit_nonce[8], uint8_t nonce[12])
{
    memcpy(nonce, d->iv, 4);
    memcpy(nonce + 4, explicit_nonce, REC_TLS12_EXPLICIT_NONCE);
}

/* RFC 5246 §6.2.3.3: additional_data = seq_num + type + version + length,
 * where length is that of the plaintext. */
static void aad12(uint64_t seq, uint8_t type, uint16_t version, size_t plain_len,
                  uint8_t aad[REC_TLS12_AAD_LEN])
{
    struct wr w;
    wr_init_fixed(&w, aad, REC_TLS12_AAD_LEN);
    wr_u64(&w, seq);
    wr_u8(&w, type);
    wr_u16(&w, version);
    wr_u16(&w, (uint16_t)plain_len);
}

static int seq_check(const struct rec_dir *d, const char *what, struct tern_err *err)
{
    if (d->seq > REC_SEQ_LAST)
        return err_set(err, TERN_E_LIMIT,
                       "cannot %s record: sequence number %llu is the last one; the counter must "
                       "not wrap, so the keys must be updated or the connection closed",
                       what, (unsigned long long)d->seq);
    return TERN_OK;
}

/* ---- seal ---- */

static void write_header(uint8_t *buf, uint8_t type, uint16_t version, size_t length)
{
    struct wr w;
    wr_init_fixed(&w, buf, REC_HEADER_LEN);
    wr_u8(&w, type);
    wr_u16(&w, version);
    wr_u16(&w, (uint16_t)length);
}

/* seal writes one record into buf; the plaintext is src, or already at
 * buf + rec_plaintext_offset(d) when src is NULL. */
static int seal(struct rec_dir *d, uint8_t type, const uint8_t *src, uint8_t *buf, size_t plain_len,
                size_t pad_len, size_t cap, size_t *out_len, struct tern_err *err)
{
    if (!known_type(type))
        return err_set(err, TERN_E_ARG, "cannot seal a record of content type %u", type);
    if (plain_len > REC_MAX_PLAINTEXT)
        return err_set(err, TERN_E_ARG,
                       "%s record of %zu bytes exceeds the plaintext limit of %d (RFC 8446 §5.1)",
                       type_name(type), plain_len, REC_MAX_PLAINTEXT);
    bool tls13 = d->active && d->version == TERN_TLS13;
    if (pad_len != 0 && !tls13)
        return err_set(err, TERN_E_ARG,
                       "padding of %zu bytes asked for, but only TLS 1.3 "
                       "protected records can be padded",
                       pad_len);
    /* RFC 8446 §5.4: content, type and padding at most 2^14 + 1 bytes. */
    if (tls13 && pad_len > REC_MAX_PLAINTEXT - plain_len)
        return err_set(err, TERN_E_ARG,
                       "%zu bytes of content with %zu bytes of padding exceed the TLS 1.3 inner "
                       "plaintext limit of %d",
                       plain_len, pad_len, REC_MAX_PLAINTEXT + 1);
    if (tls13 && type == REC_CHANGE_CIPHER_SPEC) {
        /* RFC 8446 §5: in TLS 1.3 a change_cipher_spec record (middlebox
         * compatibility, Appendix D.4) is never protected. */
        if (pad_len != 0)
            return err_set(err, TERN_E_ARG,
                           "a TLS 1.3 change_cipher_spec record is sent "
                           "unprotected and cannot be padded");
        if (REC_HEADER_LEN + plain_len > cap)
            return err_set(err, TERN_E_ARG,
                           "a change_cipher_spec record of %zu bytes needs %zu bytes of buffer, "
                           "only %zu given",
                           plain_len, REC_HEADER_LEN + plain_len, cap);
        if (src)
            memcpy(buf + REC_HEADER_LEN, src, plain_len);
        write_header(buf, type, 0x0303, plain_len);
        *out_len = REC_HEADER_LEN + plain_len;
        return TERN_OK;
    }
    size_t total = plain_len + pad_len + rec_seal_overhead(d);
    if (total > cap)
        return err_set(err, TERN_E_ARG,
                       "a %s record of %zu bytes needs %zu bytes of buffer, only %zu given",
                       type_name(type), plain_len, total, cap);
    size_t off = rec_plaintext_offset(d);
    uint8_t *content = buf + off;
    /* Only TLS 1.3 protection seals from src directly; elsewhere the
     * plaintext is put in place first. */
    if (src && !tls13) {
        memcpy(content, src, plain_len);
        src = NULL;
    }

    if (!d->active) {
        write_header(buf, type, d->plain_version ? d->plain_version : 0x0303, plain_len);
        *out_len = total;
        return TERN_OK;
    }
    TRY(seq_check(d, "seal a", err));

    uint8_t nonce[12];
    uint8_t *tag;
    int rc;
    if (tls13) {
        /* RFC 8446 §5.2: the outer record says application_data, 0x0303; the
         * real type goes inside, after the content, then the padding. */
        size_t inner_len = plain_len + 1 + pad_len;
        struct wr w;
        wr_init_fixed(&w, content + plain_len, cap - off - plain_len);
        wr_u8(&w, type);
        wr_zeros(&w, pad_len);
        tag = wr_reserve(&w, CRY_AEAD_TAG);
        if (!tag)
            return err_set(err, TERN_E_INTERNAL, "record buffer arithmetic is wrong");
        write_header(buf, REC_APPLICATION_DATA, 0x0303, inner_len + CRY_AEAD_TAG);
        nonce_xor(d, d->seq, nonce);
        if (src)
            rc = cry_aead_seal_from(&d->key, nonce, sizeof(nonce), buf, REC_HEADER_LEN, src,
                                    plain_len, content + plain_len, 1 + pad_len, content, tag,
                                    CRY_AEAD_TAG);
        else
            rc = cry_aead_seal(&d->key, nonce, sizeof(nonce), buf, REC_HEADER_LEN, content,
                               inner_len, tag, CRY_AEAD_TAG);
    } else {
        uint8_t aad[REC_TLS12_AAD_LEN];
        aad12(d->seq, type, TERN_TLS12, plain_len, aad);
        size_t frag = plain_len + CRY_AEAD_TAG;
        if (d->aead == CRY_CHACHA20_POLY1305) {
            nonce_xor(d, d->seq, nonce);
        } else {
            /* RFC 5288 §3: the explicit part must never repeat under one
             * key; the sequence number is the simplest such value. */
            struct wr w;
            wr_init_fixed(&w, buf + REC_HEADER_LEN, REC_TLS12_EXPLICIT_NONCE);
            wr_u64(&w, d->seq);
            nonce_gcm12(d, buf + REC_HEADER_LEN, nonce);
            frag += REC_TLS12_EXPLICIT_NONCE;
        }
        write_header(buf, type, TERN_TLS12, frag);
        tag = content + plain_len;
        rc = cry_aead_seal(&d->key, nonce, sizeof(nonce), aad, sizeof(aad), content, plain_len, tag,
                           CRY_AEAD_TAG);
    }
    if (rc != TERN_OK)
        return err_set(err, rc, "sealing %s record %llu failed in the AEAD: %s", type_name(type),
                       (unsigned long long)d->seq, tern_status_name(rc));
    d->seq++;
    *out_len = total;
    return TERN_OK;
}

int rec_seal(struct rec_dir *d, uint8_t type, uint8_t *buf, size_t plain_len, size_t pad_len,
             size_t cap, size_t *out_len, struct tern_err *err)
{
    return seal(d, type, NULL, buf, plain_len, pad_len, cap, out_len, err);
}

int rec_seal_from(struct rec_dir *d, uint8_t type, const uint8_t *src, size_t plain_len,
                  uint8_t *buf, size_t cap, size_t *out_len, struct tern_err *err)
{
    return seal(d, type, src, buf, plain_len, 0, cap, out_len, err);
}

/* ---- open ---- */

/* ct_nonzero_mask returns all ones if x != 0, else 0, without a branch. */
static uint64_t ct_nonzero_mask(uint64_t x)
{
    return (uint64_t)0 - ((x | ((uint64_t)0 - x)) >> 63);
}

/* find_inner_type locates the content type of a TLS 1.3 inner plaintext:
 * the last non-zero byte (RFC 8446 §5.4). Every version reads every byte,
 * in the same order whatever their values, and never branches on them, so
 * neither the time taken nor the memory touched tells how much of the
 * record was padding. Each returns false if every byte is zero. (One byte
 * at a time this cost as much as opening the record.) */

/* scan_select_byte: the position and value of the last non-zero byte of
 * bytes[0 .. n), in constant time. */
static void scan_select_byte(const uint8_t *bytes, size_t n, uint64_t *out_pos, uint8_t *out_type)
{
    uint64_t pos = 0;
    uint8_t type = 0;
    for (size_t j = 0; j < n; j++) {
        uint64_t m = ct_nonzero_mask(bytes[j]);
        pos = ((uint64_t)j & m) | (pos & ~m);
        type = (uint8_t)((bytes[j] & m) | (type & ~m));
    }
    *out_pos = pos;
    *out_type = type;
}

/* The portable scan: 128-byte blocks of 32-byte vectors; a masked copy of
 * the last non-zero block is kept, then a byte pass over it finds the type.
 * 16 KiB: 0.43 µs with AVX2 on the bench machine. */
typedef uint64_t scan_vec __attribute__((vector_size(32)));
#define SCAN_VECS 4
/* On x86-64 a second build in VEX encoding is picked at load where AVX2 is
 * there: legacy SSE code right after libcrypto's AVX-512 ciphers ran at a
 * third of the speed (measured with ChaCha20-Poly1305 on this project's
 * machine). */
#if defined(__x86_64__) && defined(__GLIBC__) && defined(__has_attribute) && !defined(TERN_FUZZING)
#if __has_attribute(target_clones)
#define SCAN_X86    1
#define SCAN_CLONES __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef SCAN_CLONES
#define SCAN_CLONES
#endif
SCAN_CLONES
static bool scan_blocks(const uint8_t *p, size_t n, size_t *out_pos, uint8_t *out_type)
{
    const size_t block = SCAN_VECS * sizeof(scan_vec);
    size_t nblocks = n / block;
    uint8_t tail[SCAN_VECS * sizeof(scan_vec)] = {0}; /* the partial last block */
    memcpy(tail, p + nblocks * block, n - nblocks * block);
    /* Four named vectors rather than arrays, so they stay in registers. */
    scan_vec s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
    uint64_t last = 0, found = 0;
    for (size_t b = 0; b <= nblocks; b++) {
        const uint8_t *src = b < nblocks ? p + b * block : tail;
        scan_vec v0, v1, v2, v3;
        memcpy(&v0, src, sizeof(v0));
        memcpy(&v1, src + 32, sizeof(v1));
        memcpy(&v2, src + 64, sizeof(v2));
        memcpy(&v3, src + 96, sizeof(v3));
        scan_vec acc = (v0 | v1) | (v2 | v3);
        uint64_t m = ct_nonzero_mask(acc[0] | acc[1] | acc[2] | acc[3]);
        scan_vec mv = {m, m, m, m};
        s0 ^= (v0 ^ s0) & mv;
        s1 ^= (v1 ^ s1) & mv;
        s2 ^= (v2 ^ s2) & mv;
        s3 ^= (v3 ^ s3) & mv;
        last = ((uint64_t)b & m) | (last & ~m);
        found |= m;
    }
    scan_vec sel[SCAN_VECS] = {s0, s1, s2, s3};
    uint8_t bytes[sizeof(sel)];
    memcpy(bytes, sel, sizeof(bytes));
    uint64_t pos;
    scan_select_byte(bytes, sizeof(bytes), &pos, out_type);
    *out_pos = (size_t)(last * block + pos);
    return found != 0;
}

/* A plain function over the cloned one: clang 14 gives an exported
 * target_clones function's dispatcher another name, so callers in other
 * files would not link. */
bool rec_scan_blocks(const uint8_t *p, size_t n, size_t *out_pos, uint8_t *out_type)
{
    return scan_blocks(p, n, out_pos, out_type);
}

#ifdef SCAN_X86
/* With AVX-512: 256-byte blocks of 64-byte vectors; for each 8-byte lane
 * the last non-zero value seen there and the block it was in are kept with
 * compares and selects only (no reduction per block), then a pass over the
 * 32 lanes picks the latest. 16 KiB: 0.15 µs on the bench machine. (The
 * same source built for AVX2 took 4 µs: 64-byte vectors are not lowered
 * well without AVX-512, hence two functions.) */
typedef uint64_t scan_vec512 __attribute__((vector_size(64)));
#define SCAN512_VECS  4
#define SCAN512_LANES (SCAN512_VECS * 8)
__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq"))) bool
rec_scan_lanes512(const uint8_t *p, size_t n, size_t *out_pos, uint8_t *out_type)
{
    const size_t block = SCAN512_VECS * sizeof(scan_vec512);
    size_t nblocks = n / block;
    uint8_t tail[SCAN512_VECS * sizeof(scan_vec512)] = {0};
    memcpy(tail, p + nblocks * block, n - nblocks * block);
    /* Per lane: its last non-zero value, and 1 + its block (0: none). */
    scan_vec512 s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0}, i0 = {0}, i1 = {0}, i2 = {0}, i3 = {0};
    scan_vec512 bv = (scan_vec512){0} + 1, one = (scan_vec512){0} + 1;
    for (size_t b = 0; b <= nblocks; b++) {
        const uint8_t *src = b < nblocks ? p + b * block : tail;
        scan_vec512 v0, v1, v2, v3;
        memcpy(&v0, src, sizeof(v0));
        memcpy(&v1, src + 64, sizeof(v1));
        memcpy(&v2, src + 128, sizeof(v2));
        memcpy(&v3, src + 192, sizeof(v3));
        /* All ones where the lane is zero. */
        scan_vec512 z0 = (scan_vec512)(v0 == 0), z1 = (scan_vec512)(v1 == 0),
                    z2 = (scan_vec512)(v2 == 0), z3 = (scan_vec512)(v3 == 0);
        s0 = v0 | (s0 & z0);
        s1 = v1 | (s1 & z1);
        s2 = v2 | (s2 & z2);
        s3 = v3 | (s3 & z3);
        i0 = (i0 & z0) | (bv & ~z0);
        i1 = (i1 & z1) | (bv & ~z1);
        i2 = (i2 & z2) | (bv & ~z2);
        i3 = (i3 & z3) | (bv & ~z3);
        bv += one;
    }
    scan_vec512 sv[SCAN512_VECS] = {s0, s1, s2, s3}, iv[SCAN512_VECS] = {i0, i1, i2, i3};
    uint64_t lane_val[SCAN512_LANES], lane_blk[SCAN512_LANES];
    memcpy(lane_val, sv, sizeof(lane_val));
    memcpy(lane_blk, iv, sizeof(lane_blk));
    /* The latest lane: the greatest (block, lane) among lanes that saw a
     * non-zero byte. Keys stay below 2^62, so the subtraction's top bit is
     * the comparison. */
    uint64_t best_key = 0, best_val = 0;
    for (size_t l = 0; l < SCAN512_LANES; l++) {
        uint64_t key = (lane_blk[l] * SCAN512_LANES + l) & ct_nonzero_mask(lane_blk[l]);
        uint64_t gt = (uint64_t)0 - ((best_key - key) >> 63);
        best_key = (key & gt) | (best_key & ~gt);
        best_val = (lane_val[l] & gt) | (best_val & ~gt);
    }
    uint8_t bytes[8];
    memcpy(bytes, &best_val, sizeof(bytes)); /* the lane's bytes in memory order */
    uint64_t pos;
    scan_select_byte(bytes, sizeof(bytes), &pos, out_type);
    uint64_t lane = best_key % SCAN512_LANES, blk = best_key / SCAN512_LANES;
    *out_pos = (size_t)((blk - (best_key != 0)) * block + lane * 8 + pos);
    return best_key != 0;
}
#else
bool rec_scan_lanes512(const uint8_t *p, size_t n, size_t *out_pos, uint8_t *out_type)
{
    return scan_blocks(p, n, out_pos, out_type);
}
#endif

bool rec_scan_avx512_available(void)
{
#ifdef SCAN_X86
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
#else
    return false;
#endif
}

static bool find_inner_type(const uint8_t *p, size_t n, size_t *out_pos, uint8_t *out_type)
{
    if (rec_scan_avx512_available()) /* a few loads: libgcc has the CPU's features */
        return rec_scan_lanes512(p, n, out_pos, out_type);
    return scan_blocks(p, n, out_pos, out_type);
}

static int open_plain(const struct rec_header *h, size_t *out_off, size_t *out_len,
                      struct tern_err *err)
{
    /* RFC 8446 §5.1: a TLSPlaintext fragment is at most 2^14 bytes. */
    if (h->length > REC_MAX_PLAINTEXT)
        return err_set(err, TERN_E_RECORD_OVERFLOW,
                       "unprotected %s record of %u bytes exceeds the plaintext limit of %d",
                       type_name(h->type), h->length, REC_MAX_PLAINTEXT);
    *out_off = REC_HEADER_LEN;
    *out_len = h->length;
    return TERN_OK;
}

static int empty_check(uint8_t type, size_t len, struct tern_err *err)
{
    /* RFC 8446 §5.1 and §5.4, RFC 5246 §6.2.1: no empty handshake, alert or
     * change_cipher_spec fragments; application data may be empty. */
    if (len == 0 && type != REC_APPLICATION_DATA)
        return err_set(err, TERN_E_UNEXPECTED_MESSAGE,
                       "received an empty %s record; only application_data records may be empty",
                       type_name(type));
    return TERN_OK;
}

/* Where a protected record is opened from and to. In place (rec_open) and
 * from the arrived bytes (rec_open_from), the plaintext goes where it sits
 * in the record (after the header, and after a TLS 1.2 explicit nonce);
 * into a caller's buffer (rec_open_into), to its start. A TLS 1.3 inner
 * plaintext one byte longer than room (content that fills room, then the
 * type) has its last byte opened into a byte of scratch. */
struct open_io {
    const uint8_t *hdr;  /* the 5-byte header */
    const uint8_t *frag; /* the protected fragment */
    uint8_t *out;        /* the record's own buffer after the header, or the caller's */
    bool into;           /* out is the caller's: the plaintext starts at out */
    size_t room;         /* bytes out takes (into only) */
};

/* type_with_tail finds the inner type of a 1.3 plaintext split between head
 * (head_len bytes) and one byte more, tail, still in constant time. */
static bool type_with_tail(const uint8_t *head, size_t head_len, const uint8_t *tail,
                           size_t *out_pos, uint8_t *out_type)
{
    size_t pos = 0;
    uint8_t type = 0;
    bool found = head_len && find_inner_type(head, head_len, &pos, &type);
    if (!tail) {
        *out_pos = pos, *out_type = type;
        return found;
    }
    uint64_t m = ct_nonzero_mask(*tail);
    *out_pos = (size_t)(((uint64_t)head_len & m) | ((uint64_t)pos & ~m));
    *out_type = (uint8_t)((*tail & m) | (type & ~m));
    return found || m;
}

static int open13(struct rec_dir *d, const struct rec_header *h, const struct open_io *io,
                  uint8_t *out_type, size_t *out_len, struct tern_err *err)
{
    if (h->type != REC_APPLICATION_DATA)
        return err_set(err, TERN_E_UNEXPECTED_MESSAGE,
                       "received an unprotected %s record (%u bytes) after TLS 1.3 protection "
                       "started; protected records all say application_data (RFC 8446 §5.2)",
                       type_name(h->type), h->length);
    if (h->length < 1 + CRY_AEAD_TAG)
        return err_set(err, TERN_E_BAD_RECORD_MAC,
                       "protected record %llu of %u bytes is too short to hold an inner content "
                       "type and a %d-byte tag",
                       (unsigned long long)d->seq, h->length, CRY_AEAD_TAG);
    TRY(seq_check(d, "open a", err));

    uint8_t nonce[12];
    nonce_xor(d, d->seq, nonce);
    size_t inner_len = (size_t)h->length - CRY_AEAD_TAG;
    size_t head_len = io->into && io->room < inner_len ? io->room : inner_len;
    uint8_t tail[1];
    if (inner_len - head_len > sizeof(tail))
        return err_set(err, TERN_E_ARG, "rec_open_into was given %zu bytes of room for %zu",
                       io->room, inner_len - 1);
    /* RFC 8446 §5.2: the additional data is the record header itself. */
    int rc =
        cry_aead_open_to(&d->key, nonce, sizeof(nonce), io->hdr, REC_HEADER_LEN, io->frag,
                         inner_len, io->out, head_len, tail, io->frag + inner_len, CRY_AEAD_TAG);
    if (rc == TERN_E_BAD_RECORD_MAC)
        return err_set(err, rc,
                       "protected record %llu (%u bytes) did not authenticate: it was altered, "
                       "or the peer used other keys",
                       (unsigned long long)d->seq, h->length);
    if (rc != TERN_OK)
        return err_set(err, rc, "opening record %llu failed in the AEAD: %s",
                       (unsigned long long)d->seq, tern_status_name(rc));
    /* From here the record is authentic: it counts, whatever its content. */
    d->seq++;
    if (inner_len > REC_MAX_PLAINTEXT + 1)
        return err_set(err, TERN_E_RECORD_OVERFLOW,
                       "protected record of %zu bytes of inner plaintext exceeds the TLS 1.3 "
                       "limit of %d (RFC 8446 §5.4)",
                       inner_len, REC_MAX_PLAINTEXT + 1);
    size_t pos;
    uint8_t type;
    bool found = type_with_tail(io->out, head_len, head_len < inner_len ? tail : NULL, &pos, &type);
    tern_memzero(tail, sizeof(tail));
    if (!found)
        return err_set(err, TERN_E_UNEXPECTED_MESSAGE,
                       "protected record of %zu bytes holds only zeros: no inner content type "
                       "(RFC 8446 §5.4)",
                       inner_len);
    if (type == REC_CHANGE_CIPHER_SPEC || !known_type(type))
        return err_set(err, TERN_E_UNEXPECTED_MESSAGE,
                       "protected record carries inner content type %u (%s), which TLS 1.3 "
                       "does not protect",
                       type, type_name(type));
    TRY(empty_check(type, pos, err));
    if (io->into) /* the type and padding are not the caller's */
        tern_memzero(io->out + pos, head_len - pos);
    *out_type = type;
    *out_len = pos;
    return TERN_OK;
}

static int open12(struct rec_dir *d, const struct rec_header *h, const struct open_io *io,
                  uint8_t *out_type, size_t *out_len, struct tern_err *err)
{
    bool gcm = d->aead != CRY_CHACHA20_POLY1305;
    size_t explicit_len = gcm ? REC_TLS12_EXPLICIT_NONCE : 0;
    if (h->length < explicit_len + CRY_AEAD_TAG)
        return err_set(err, TERN_E_BAD_RECORD_MAC,
                       "protected TLS 1.2 record %llu of %u bytes is too short to hold %s a "
                       "%d-byte tag",
                       (unsigned long long)d->seq, h->length, gcm ? "an explicit nonce and" : "",
                       CRY_AEAD_TAG);
    TRY(seq_check(d, "open a", err));
    size_t plain_len = (size_t)h->length - explicit_len - CRY_AEAD_TAG;
    if (io->into && io->room < plain_len)
        return err_set(err, TERN_E_ARG, "rec_open_into was given %zu bytes of room for %zu",
                       io->room, plain_len);
    uint8_t nonce[12];
    if (gcm) {
        struct rd r;
        const uint8_t *explicit_nonce;
        rd_init(&r, io->frag, h->length);
        if (!rd_bytes(&r, &explicit_nonce, REC_TLS12_EXPLICIT_NONCE))
            return err_set(err, TERN_E_INTERNAL, "record length arithmetic is wrong");
        nonce_gcm12(d, explicit_nonce, nonce);
    } else {
        nonce_xor(d, d->seq, nonce);
    }
    uint8_t aad[REC_TLS12_AAD_LEN];
    aad12(d->seq, h->type, h->version, plain_len, aad);
    uint8_t *content = io->into ? io->out : io->out + explicit_len;
    const uint8_t *in = io->frag + explicit_len;
    int rc = cry_aead_open_from(&d->key, nonce, sizeof(nonce), aad, sizeof(aad), in, plain_len,
                                content, in + plain_len, CRY_AEAD_TAG);
    if (rc == TERN_E_BAD_RECORD_MAC)
        return err_set(err, rc,
                       "protected TLS 1.2 %s record %llu (%u bytes) did not authenticate: it was "
                       "altered, or the peer used other keys",
                       type_name(h->type), (unsigned long long)d->seq, h->length);
    if (rc != TERN_OK)
        return err_set(err, rc, "opening TLS 1.2 record %llu failed in the AEAD: %s",
                       (unsigned long long)d->seq, tern_status_name(rc));
    d->seq++;
    /* RFC 5246 §6.2.3: TLSCompressed.length at most 2^14. */
    if (plain_len > REC_MAX_PLAINTEXT)
        return err_set(err, TERN_E_RECORD_OVERFLOW,
                       "TLS 1.2 %s record of %zu bytes of plaintext exceeds the limit of %d",
                       type_name(h->type), plain_len, REC_MAX_PLAINTEXT);
    TRY(empty_check(h->type, plain_len, err));
    *out_type = h->type;
    *out_len = plain_len;
    return TERN_OK;
}

/* open_parsed opens the whole record at rec whose header h the caller has
 * parsed (and checked against the bytes it has: h->length follow it). */
static int open_parsed(struct rec_dir *d, const uint8_t *rec, const struct rec_header *h,
                       struct open_io *io, uint8_t *out_type, size_t *out_off, size_t *out_len,
                       struct tern_err *err)
{
    bool tls13 = d->active && d->version == TERN_TLS13;
    bool elsewhere = io->into || io->frag != rec + REC_HEADER_LEN;
    /* Unprotected records, and change_cipher_spec under TLS 1.3 (see
     * rec_open's comment: handed back for the handshake layer), are opened
     * in place only. */
    if (!d->active || (tls13 && h->type == REC_CHANGE_CIPHER_SPEC)) {
        if (elsewhere)
            return err_set(err, TERN_E_ARG, "an unprotected %s record can only be opened in place",
                           type_name(h->type));
        TRY(open_plain(h, out_off, out_len, err));
        TRY(empty_check(h->type, h->length, err));
        *out_type = h->type;
        return TERN_OK;
    }
    bool gcm12 = !tls13 && d->aead != CRY_CHACHA20_POLY1305;
    *out_off = io->into ? 0 : REC_HEADER_LEN + (gcm12 ? REC_TLS12_EXPLICIT_NONCE : 0);
    if (tls13)
        return open13(d, h, io, out_type, out_len, err);
    return open12(d, h, io, out_type, out_len, err);
}

/* open_whole parses the header of the whole record at rec (len bytes) and
 * opens it (open_parsed). */
static int open_whole(struct rec_dir *d, const uint8_t *rec, size_t len, struct open_io *io,
                      uint8_t *out_type, size_t *out_off, size_t *out_len, struct tern_err *err)
{
    struct rd r;
    struct rec_header h;
    rd_init(&r, rec, len);
    bool tls13 = d->active && d->version == TERN_TLS13;
    int rc = rec_parse_header(&r, tls13, &h, err);
    if (rc == TERN_WANT_READ)
        return err_set(err, TERN_E_ARG, "rec_open was given %zu bytes, less than a record header",
                       len);
    TRY(rc);
    if (r.len != h.length)
        return err_set(err, TERN_E_ARG,
                       "rec_open was given %zu bytes after the header, but the header announces "
                       "a %u-byte fragment",
                       r.len, h.length);
    return open_parsed(d, rec, &h, io, out_type, out_off, out_len, err);
}

int rec_open(struct rec_dir *d, uint8_t *buf, size_t len, uint8_t *out_type, size_t *out_off,
             size_t *out_len, struct tern_err *err)
{
    return rec_open_from(d, buf, len, NULL, out_type, out_off, out_len, err);
}

int rec_open_from(struct rec_dir *d, uint8_t *buf, size_t len, const uint8_t *sealed,
                  uint8_t *out_type, size_t *out_off, size_t *out_len, struct tern_err *err)
{
    struct open_io io = {buf, sealed ? sealed : buf + REC_HEADER_LEN, buf + REC_HEADER_LEN, false,
                         0};
    return open_whole(d, buf, len, &io, out_type, out_off, out_len, err);
}

int rec_open_header(struct rec_dir *d, uint8_t *buf, const struct rec_header *h,
                    const uint8_t *sealed, uint8_t *out_type, size_t *out_off, size_t *out_len,
                    struct tern_err *err)
{
    struct open_io io = {buf, sealed ? sealed : buf + REC_HEADER_LEN, buf + REC_HEADER_LEN, false,
                         0};
    return open_parsed(d, buf, h, &io, out_type, out_off, out_len, err);
}

int rec_open_into_header(struct rec_dir *d, const uint8_t *rec, const struct rec_header *h,
                         uint8_t *out, size_t room, uint8_t *out_type, size_t *out_len,
                         struct tern_err *err)
{
    struct open_io io = {rec, rec + REC_HEADER_LEN, out, true, room};
    size_t off, len = REC_HEADER_LEN + h->length;
    int rc = open_parsed(d, rec, h, &io, out_type, &off, out_len, err);
    if (rc != TERN_OK) /* an authentic record can still be refused: none of it stays */
        tern_memzero(out, room < len ? room : len);
    return rc;
}

int rec_open_into(struct rec_dir *d, const uint8_t *rec, size_t len, uint8_t *out, size_t room,
                  uint8_t *out_type, size_t *out_len, struct tern_err *err)
{
    struct open_io io = {rec, rec + REC_HEADER_LEN, out, true, room};
    size_t off;
    int rc = open_whole(d, rec, len, &io, out_type, &off, out_len, err);
    if (rc != TERN_OK) /* an authentic record can still be refused: none of it stays */
        tern_memzero(out, room < len ? room : len);
    return rc;
}
