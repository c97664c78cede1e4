/* The crypto provider: every primitive tern uses, behind one interface.
 *
 * The backend is OpenSSL's libcrypto 3.x (src/crypto/openssl.c, the only
 * file that includes an OpenSSL header); ML-KEM-768 is tern's own
 * (src/crypto/mlkem.c) and the hybrid X25519MLKEM768 is put together in
 * src/crypto/kex.c. Algorithm objects are fetched once per process (lazily,
 * thread-safely), never per operation.
 *
 * All functions return TERN_OK or a tern_status. Objects with _init have a
 * matching _cleanup that wipes key material and is safe on a zeroed or
 * already cleaned-up object. */
#ifndef TERN_CRYPTO_PROVIDER_H
#define TERN_CRYPTO_PROVIDER_H

#include "base/bytes.h"
#include "tern/status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRY_MAX_HASH     64 /* SHA-512 */
#define CRY_MAX_AEAD_KEY 32
#define CRY_AEAD_TAG     16

/* ---- hashes, HMAC, HKDF ---- */
enum cry_hash {
    CRY_SHA256 = 1,
    CRY_SHA384 = 2,
    CRY_SHA512 = 3,
    CRY_SHA1 = 4, /* only to verify legacy signatures on request; never in TLS */
};

size_t cry_hash_len(enum cry_hash h);
const char *cry_hash_name(enum cry_hash h);

TERN_MUST_CHECK int cry_hash(enum cry_hash h, const void *data, size_t len, uint8_t *out);

/* A running hash (the transcript). final does not disturb the running state,
 * so the transcript hash can be taken at any point and hashing goes on. */
struct cry_hash_ctx {
    enum cry_hash alg;
    void *impl;
};
TERN_MUST_CHECK int cry_hash_init(struct cry_hash_ctx *ctx, enum cry_hash h);
TERN_MUST_CHECK int cry_hash_update(struct cry_hash_ctx *ctx, const void *data, size_t len);
TERN_MUST_CHECK int cry_hash_peek(const struct cry_hash_ctx *ctx, uint8_t *out);
TERN_MUST_CHECK int cry_hash_copy(struct cry_hash_ctx *dst, const struct cry_hash_ctx *src);
void cry_hash_cleanup(struct cry_hash_ctx *ctx);

TERN_MUST_CHECK int cry_hmac(enum cry_hash h, const void *key, size_t key_len, const void *data,
                             size_t len, uint8_t *out);
TERN_MUST_CHECK int cry_hkdf_extract(enum cry_hash h, const void *salt, size_t salt_len,
                                     const void *ikm, size_t ikm_len, uint8_t *out_prk);
/* out_len may be up to 255 * hash length (RFC 5869 §2.3). */
TERN_MUST_CHECK int cry_hkdf_expand(enum cry_hash h, const void *prk, size_t prk_len,
                                    const void *info, size_t info_len, uint8_t *out,
                                    size_t out_len);

/* HKDF-Expand-Label (RFC 8446 §7.1): label without the "tls13 " prefix. */
TERN_MUST_CHECK int cry_hkdf_expand_label(enum cry_hash h, const uint8_t *secret, const char *label,
                                          const uint8_t *context, size_t context_len, uint8_t *out,
                                          size_t out_len);

/* ---- AEAD ---- */
enum cry_aead {
    CRY_AES_128_GCM = 1,
    CRY_AES_256_GCM = 2,
    CRY_CHACHA20_POLY1305 = 3,
};
size_t cry_aead_key_len(enum cry_aead a);

/* A keyed AEAD, set up once per traffic key and reused for every record. */
struct cry_aead_key {
    enum cry_aead alg;
    void *impl;
};
TERN_MUST_CHECK int cry_aead_init(struct cry_aead_key *k, enum cry_aead a, const uint8_t *key,
                                  size_t key_len);
void cry_aead_cleanup(struct cry_aead_key *k);
/* Seal in place: buf[0..len) is replaced by ciphertext, tag written to tag.
 * nonce_len is 12 for TLS; other lengths are allowed where the algorithm
 * allows them (GCM). tag_len <= 16. */
TERN_MUST_CHECK int cry_aead_seal(struct cry_aead_key *k, const uint8_t *nonce, size_t nonce_len,
                                  const uint8_t *aad, size_t aad_len, uint8_t *buf, size_t len,
                                  uint8_t *tag, size_t tag_len);
/* Seal from src: the plaintext is src (src_len bytes) followed by tail
 * (tail_len bytes); the ciphertext, src_len + tail_len bytes, goes to out.
 * out must not overlap src; tail may be out + src_len itself (sealed in
 * place). Saves the copy of src into the record. */
TERN_MUST_CHECK int cry_aead_seal_from(struct cry_aead_key *k, const uint8_t *nonce,
                                       size_t nonce_len, const uint8_t *aad, size_t aad_len,
                                       const uint8_t *src, size_t src_len, const uint8_t *tail,
                                       size_t tail_len, uint8_t *out, uint8_t *tag, size_t tag_len);
/* Open in place; TERN_E_BAD_RECORD_MAC if the tag does not verify (buf then
 * holds no plaintext worth reading: it is wiped). */
TERN_MUST_CHECK int cry_aead_open(struct cry_aead_key *k, const uint8_t *nonce, size_t nonce_len,
                                  const uint8_t *aad, size_t aad_len, uint8_t *buf, size_t len,
                                  const uint8_t *tag, size_t tag_len);
/* Open from in to out: the ciphertext, len bytes at in, is left as it was
 * and the plaintext goes to out, which is in itself (in place) or does not
 * overlap it. Saves the copy of a received record into a buffer. */
TERN_MUST_CHECK int cry_aead_open_from(struct cry_aead_key *k, const uint8_t *nonce,
                                       size_t nonce_len, const uint8_t *aad, size_t aad_len,
                                       const uint8_t *in, size_t len, uint8_t *out,
                                       const uint8_t *tag, size_t tag_len);
/* Open from in with the plaintext split: its first head_len bytes to out,
 * the rest to tail (TLS nonces only; out and tail do not overlap in). */
TERN_MUST_CHECK int cry_aead_open_to(struct cry_aead_key *k, const uint8_t *nonce, size_t nonce_len,
                                     const uint8_t *aad, size_t aad_len, const uint8_t *in,
                                     size_t len, uint8_t *out, size_t head_len, uint8_t *tail,
                                     const uint8_t *tag, size_t tag_len);

/* ---- random ---- */
/* cry_random: values that go on the wire (randoms, nonces); cry_random_secret:
 * secrets (libcrypto's private generator, kept apart from the public one). */
TERN_MUST_CHECK int cry_random(void *out, size_t len);
TERN_MUST_CHECK int cry_random_secret(void *out, size_t len);

/* ---- fuzzing mode (fuzz builds only: TERN_FUZZING, never shipped) ----
 * The whole-handshake fuzz targets turn it on so the fuzzer reaches deep
 * states. deterministic: cry_random returns the same fixed stream from its
 * start on every call, ECDH key generation uses fixed keys (X25519: from
 * that stream), and the ticket clock is fixed, so a recorded peer flight
 * replays against fresh endpoints. relaxed: the checks a fuzzer cannot
 * pass succeed anyway: AEAD tags (the plaintext is still decrypted),
 * signatures, and the callers of cry_fuzz_relaxed (Finished, PSK binders).
 * Both are off by default, so other targets keep every real check. Outside
 * fuzz builds cry_fuzz_relaxed is constant false and the mode does not
 * exist. */
#ifdef TERN_FUZZING
void cry_fuzz_mode(bool deterministic, bool relaxed);
bool cry_fuzz_relaxed(void);
/* In deterministic mode: true, with *ms a constant time. */
bool cry_fuzz_fixed_time(uint64_t *ms);
#else
static inline bool cry_fuzz_relaxed(void)
{
    return false;
}
#endif

/* ---- classical key exchange (ECDH), used by kex.c ---- */
enum cry_curve {
    CRY_X25519 = 1,
    CRY_P256 = 2,
    CRY_P384 = 3,
};
struct cry_ecdh {
    enum cry_curve curve;
    void *impl; /* the ephemeral private key */
};
/* Generate an ephemeral key; write its public value in TLS form (X25519: 32
 * bytes; P-256/P-384: uncompressed point 0x04||X||Y). */
TERN_MUST_CHECK int cry_ecdh_keygen(struct cry_ecdh *k, enum cry_curve c, uint8_t *out_pub,
                                    size_t cap, size_t *out_len);
/* Set a known private key instead of a fresh one (X25519: the 32 raw bytes;
 * P-256/P-384: the big-endian scalar). For known-answer tests (Wycheproof,
 * RFC 8448); a handshake always uses cry_ecdh_keygen. */
TERN_MUST_CHECK int cry_ecdh_import(struct cry_ecdh *k, enum cry_curve c, const uint8_t *priv,
                                    size_t len);
/* Derive the shared secret with a peer's public value; rejects invalid points
 * and the all-zero X25519 result (TERN_E_ILLEGAL_PARAMETER). */
TERN_MUST_CHECK int cry_ecdh_derive(struct cry_ecdh *k, const uint8_t *peer, size_t peer_len,
                                    uint8_t *out, size_t cap, size_t *out_len);
void cry_ecdh_cleanup(struct cry_ecdh *k);
/* cry_ecdh_x25519_respond: a server's X25519 side from 32 private bytes the
 * caller drew (the hybrid draws them with its ML-KEM seed): the public value
 * and the secret shared with the peer's 32-byte value, the all-zero secret
 * refused (TERN_E_ILLEGAL_PARAMETER, outputs wiped). */
TERN_MUST_CHECK int cry_ecdh_x25519_respond(const uint8_t priv[32], const uint8_t peer[32],
                                            uint8_t out_pub[32], uint8_t secret[32]);
/* cry_ecdh_respond: a server's side in one call: a fresh ephemeral key, its
 * public value written to out_pub (as cry_ecdh_keygen) and the secret it
 * shares with the peer's share (as cry_ecdh_derive, the same checks). The
 * key is wiped before it returns. For X25519 both scalar multiplications
 * run as libcrypto's ladder in one context. */
TERN_MUST_CHECK int cry_ecdh_respond(enum cry_curve c, const uint8_t *peer, size_t peer_len,
                                     uint8_t *out_pub, size_t pub_cap, size_t *out_pub_len,
                                     uint8_t *secret, size_t secret_cap, size_t *out_secret_len);
/* cry_ecdh_x25519_from: an X25519 key from 32 private random bytes the
 * caller drew with cry_random_secret (the hybrid draws its ML-KEM seeds and
 * this key in one call), and its public value. */
TERN_MUST_CHECK int cry_ecdh_x25519_from(struct cry_ecdh *k, const uint8_t priv[32],
                                         uint8_t out_pub[32]);
/* cry_ecdh_share makes k a second holder of from's X25519 key (a reference,
 * not a copy: each holder's cleanup drops one) and writes its 32-byte public
 * value. */
TERN_MUST_CHECK int cry_ecdh_share(struct cry_ecdh *k, const struct cry_ecdh *from,
                                   uint8_t *out_pub, size_t cap, size_t *out_len);

/* ---- key exchange by TLS named group (kex.c), including the hybrid ---- */
#define CRY_KEX_MAX_SHARE  1216 /* X25519MLKEM768 client share: 1184 + 32 */
#define CRY_KEX_MAX_SECRET 64   /* X25519MLKEM768: 32 + 32 */
struct cry_kex {
    uint16_t group; /* TLS NamedGroup */
    struct cry_ecdh ecdh;
    void *mlkem_dk; /* ML-KEM decapsulation key, heap, wiped on cleanup */
};
bool cry_kex_supported(uint16_t group);
/* cry_kex_share_len: the length of a client's key share for group (0 if
 * unsupported), so the share can be made in place in the ClientHello. */
size_t cry_kex_share_len(uint16_t group);
/* cry_kex_keygen_beside: as cry_kex_keygen, except that an X25519 share
 * offered beside an X25519MLKEM768 one (`hybrid`, already made) reuses the
 * hybrid's X25519 key, as draft-ietf-tls-ecdhe-mlkem allows: the client makes
 * one X25519 key, not two. hybrid may be NULL. */
TERN_MUST_CHECK int cry_kex_keygen_beside(struct cry_kex *k, uint16_t group,
                                          const struct cry_kex *hybrid, uint8_t *out_share,
                                          size_t cap, size_t *out_len);
/* Client: make a key share for group. */
TERN_MUST_CHECK int cry_kex_keygen(struct cry_kex *k, uint16_t group, uint8_t *out_share,
                                   size_t cap, size_t *out_len);
/* Client: finish with the server's share. */
TERN_MUST_CHECK int cry_kex_finish(struct cry_kex *k, const uint8_t *server_share, size_t len,
                                   uint8_t *out_secret, size_t cap, size_t *out_len);
/* Server: answer a client's share in one step (ECDH keygen+derive, or
 * ML-KEM encapsulation), producing the server share and the secret. */
TERN_MUST_CHECK int cry_kex_respond(uint16_t group, const uint8_t *client_share, size_t len,
                                    uint8_t *out_share, size_t share_cap, size_t *out_share_len,
                                    uint8_t *out_secret, size_t secret_cap, size_t *out_secret_len);
void cry_kex_cleanup(struct cry_kex *k);

/* ---- public and private keys, signatures ---- */
enum cry_key_type {
    CRY_KEY_NONE = 0,
    CRY_KEY_RSA = 1,
    CRY_KEY_EC_P256 = 2,
    CRY_KEY_EC_P384 = 3,
    CRY_KEY_ED25519 = 4,
    CRY_KEY_EC_P521 = 5,
    CRY_KEY_RSA_PSS = 6, /* an RSASSA-PSS-only key (id-RSASSA-PSS SPKI) */
};

enum cry_sig_alg {
    CRY_SIG_ECDSA = 1,     /* DER-encoded ECDSA-Sig-Value */
    CRY_SIG_RSA_PKCS1 = 2, /* RSASSA-PKCS1-v1_5 */
    CRY_SIG_RSA_PSS = 3,   /* RSASSA-PSS, MGF1 with the same hash, salt = hash length */
    CRY_SIG_ED25519 = 4,   /* pure Ed25519; hash is ignored */
};

struct cry_pubkey {
    enum cry_key_type type;
    unsigned bits; /* RSA modulus size, curve size */
    void *impl;
};
/* RSA public keys tern takes: an odd exponent from 3 to 33 bits (BoringSSL's
 * bound; every CA uses 65537) and a modulus of at most 16384 bits. Larger
 * ones make each signature check arbitrarily costly for whoever verifies. */
#define CRY_RSA_MAX_EXPONENT_BITS 33
#define CRY_RSA_MAX_MODULUS_BITS  16384

/* Parse a DER SubjectPublicKeyInfo. Unsupported algorithms or curves give
 * TERN_E_UNSUPPORTED, malformed keys TERN_E_DECODE; an RSA key outside the
 * bounds above TERN_E_UNSUPPORTED, before any arithmetic with it. Minimum
 * key sizes are the caller's policy (x509 check_cert). */
TERN_MUST_CHECK int cry_pubkey_parse_spki(struct cry_pubkey *pk, const uint8_t *der, size_t len);
void cry_pubkey_cleanup(struct cry_pubkey *pk);
/* Verify sig over msg (the hash is computed inside). TERN_E_DECRYPT when the
 * signature does not verify; TERN_E_UNSUPPORTED when the key type does not
 * fit the algorithm. pss_salt_len < 0 means "the hash length". */
TERN_MUST_CHECK int cry_verify(const struct cry_pubkey *pk, enum cry_sig_alg alg, enum cry_hash h,
                               int pss_salt_len, const uint8_t *msg, size_t msg_len,
                               const uint8_t *sig, size_t sig_len);

struct cry_privkey {
    enum cry_key_type type;
    unsigned bits;
    void *impl;
    /* A signing context set up once (RSA and ECDSA keys) and duplicated for
     * each signature: a twentieth of the cost of setting one up anew. */
    void *signer;
};
/* Parse a DER private key: PKCS#8 (unencrypted), SEC1 EC, or PKCS#1 RSA. */
TERN_MUST_CHECK int cry_privkey_parse(struct cry_privkey *k, const uint8_t *der, size_t len);
/* Parse an encrypted private key with its password: a DER PKCS#8
 * EncryptedPrivateKeyInfo (RFC 5958 §3), or a PEM text holding one
 * ("ENCRYPTED PRIVATE KEY") or a traditional encrypted PEM key (Proc-Type
 * 4,ENCRYPTED with DEK-Info). TERN_E_DECRYPT when the password does not
 * open it, TERN_E_DECODE when it is malformed, TERN_E_UNSUPPORTED for a key
 * type tern does not use. */
TERN_MUST_CHECK int cry_privkey_parse_encrypted(struct cry_privkey *k, const uint8_t *data,
                                                size_t len, bool pem, const char *pass,
                                                size_t pass_len);
/* Generate a key: RSA or RSA-PSS (bits 2048..8192; bits ignored otherwise),
 * EC P-256/P-384/P-521, Ed25519. */
TERN_MUST_CHECK int cry_privkey_generate(struct cry_privkey *k, enum cry_key_type type,
                                         unsigned bits);
void cry_privkey_cleanup(struct cry_privkey *k);
/* Write the key as unencrypted PKCS#8 DER / its public half as SPKI DER. */
TERN_MUST_CHECK int cry_privkey_to_pkcs8(const struct cry_privkey *k, struct wr *out);
TERN_MUST_CHECK int cry_privkey_public_spki(const struct cry_privkey *k, struct wr *out);
/* Sign msg. ECDSA signatures are DER. sig_cap of 512 bytes covers RSA-4096. */
TERN_MUST_CHECK int cry_sign(const struct cry_privkey *k, enum cry_sig_alg alg, enum cry_hash h,
                             const uint8_t *msg, size_t msg_len, uint8_t *sig, size_t sig_cap,
                             size_t *out_sig_len);
/* RSA key transport (TLS 1.2, only when configured): decrypt a PKCS#1 v1.5
 * encrypted pre-master secret in constant time with implicit rejection:
 * out always receives out_len bytes, random ones when the padding is bad. */
TERN_MUST_CHECK int cry_rsa_decrypt_pms(const struct cry_privkey *k, const uint8_t *ct,
                                        size_t ct_len, uint8_t *out, size_t out_len);
/* RSA key transport, client side: encrypt with PKCS#1 v1.5 padding. */
TERN_MUST_CHECK int cry_rsa_encrypt_pms(const struct cry_pubkey *pk, const uint8_t *pms,
                                        size_t pms_len, uint8_t *out, size_t cap, size_t *out_len);
/* Do the private key and this SPKI form a pair? (for chain/key loading) */
bool cry_privkey_matches(const struct cry_privkey *k, const struct cry_pubkey *pk);

/* ---- TLS signature schemes on top of the above ---- */
struct cry_scheme_info {
    uint16_t scheme;
    enum cry_sig_alg alg;
    enum cry_hash hash;
    enum cry_key_type key; /* for ECDSA in TLS 1.3 the curve is fixed by the scheme */
};
/* cry_scheme_info returns the description of a TLS SignatureScheme, or NULL. */
const struct cry_scheme_info *cry_scheme_lookup(uint16_t scheme);
/* cry_scheme_for: the scheme of a signature made with alg and hash by a key
 * of type issuer_key (CRY_KEY_NONE when not known: an ECDSA signature then
 * takes the scheme its hash names), or 0 when TLS has none. */
uint16_t cry_scheme_for(enum cry_sig_alg alg, enum cry_hash hash, enum cry_key_type issuer_key);
/* cry_key_type_name: "RSA", "EC P-256", ..., for sentences. */
const char *cry_key_type_name(enum cry_key_type t);

/* cry_x509_name_hash: OpenSSL's X509_NAME_hash of a DER Name (the first
 * four bytes, little-endian, of the SHA-1 of OpenSSL's canonical form of the
 * name), the file name stem of a hashed `capath` folder (`openssl rehash`).
 * It is libcrypto's own function: the canonical form is OpenSSL's, and the
 * folder is OpenSSL's layout. false when the Name does not parse. */
TERN_MUST_CHECK bool cry_x509_name_hash(const uint8_t *der, size_t len, uint32_t *out);

#endif
