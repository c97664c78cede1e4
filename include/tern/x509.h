/* tern — certificates: the public X.509 API.
 *
 * Parse certificates (DER or PEM) and read their fields; build trust stores
 * (PEM/DER in memory, files, folders of PEM files, OpenSSL's hashed
 * `capath` folders); parse CRLs; verify a chain as tern's handshakes do and
 * get a verdict: a status, a stable reason code and a sentence naming the
 * certificate, the rule and the values.
 *
 * Included by tern/tern.h; it may also be included alone. Functions that can
 * fail return a tern_status and, when why is not NULL, write the sentence
 * into why (at most why_cap bytes, NUL-terminated; "" on success). */
#ifndef TERN_X509_PUBLIC_H
#define TERN_X509_PUBLIC_H

#include "tern/tern.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tern_x509 tern_x509;
typedef struct tern_crl tern_crl;
typedef struct tern_trust tern_trust;

/* ---- certificates ---- */

/* tern_x509_parse reads one certificate: DER, or the first CERTIFICATE
 * block of a PEM text. *out is the caller's (tern_x509_free). */
int tern_x509_parse(const uint8_t *data, size_t len, tern_x509 **out, char *why, size_t why_cap);
/* tern_x509_parse_all reads every certificate of a PEM text (or one DER
 * certificate) into out[0..cap), in order; *out_n says how many. More than
 * cap: TERN_E_LIMIT (and none kept). No certificate at all: TERN_E_FILE. */
int tern_x509_parse_all(const uint8_t *data, size_t len, tern_x509 **out, size_t cap, size_t *out_n,
                        char *why, size_t why_cap);
void tern_x509_free(tern_x509 *x);

/* tern_x509_der: the certificate's DER (owned by x). */
const uint8_t *tern_x509_der(const tern_x509 *x, size_t *out_len);
/* Subject and issuer as RFC 4514 text ("CN=a,O=b": last RDN first,
 * specials escaped, other bytes as \XX), cut after about 400 characters.
 * Owned by x. */
const char *tern_x509_subject(const tern_x509 *x);
const char *tern_x509_issuer(const tern_x509 *x);
/* tern_x509_serial: the serialNumber INTEGER's content bytes (big-endian,
 * two's complement as encoded). Owned by x. */
const uint8_t *tern_x509_serial(const tern_x509 *x, size_t *out_len);
/* tern_x509_serial_hex: "0A:1B:..." (OpenSSL's form); owned by x. */
const char *tern_x509_serial_hex(const tern_x509 *x);
/* Validity (RFC 5280 §4.1.2.5), Unix seconds. */
int64_t tern_x509_not_before(const tern_x509 *x);
int64_t tern_x509_not_after(const tern_x509 *x);
/* tern_x509_is_ca: basicConstraints cA is TRUE. */
int tern_x509_is_ca(const tern_x509 *x);

/* subjectAltName entries tern reads (RFC 5280 §4.2.1.6). */
enum tern_san_type {
    TERN_SAN_DNS = 1,   /* dNSName */
    TERN_SAN_IP = 2,    /* iPAddress, as text (RFC 5952 for IPv6) */
    TERN_SAN_EMAIL = 3, /* rfc822Name */
    TERN_SAN_URI = 4,   /* uniformResourceIdentifier */
};
/* tern_x509_san_count: the DNS, IP, email and URI entries, in their order
 * in the certificate (other kinds are left out). */
size_t tern_x509_san_count(const tern_x509 *x);
/* tern_x509_san gives entry i: its type and its value as text (bytes
 * outside printable ASCII as \XX, so a NUL cannot cut a name short). Owned
 * by x. TERN_E_ARG past the end. */
int tern_x509_san(const tern_x509 *x, size_t i, enum tern_san_type *out_type,
                  const char **out_value);

/* The subject public key. */
enum tern_key_type {
    TERN_KEY_UNKNOWN = 0, /* an algorithm or curve tern does not take */
    TERN_KEY_RSA = 1,
    TERN_KEY_EC_P256 = 2,
    TERN_KEY_EC_P384 = 3,
    TERN_KEY_ED25519 = 4,
    TERN_KEY_EC_P521 = 5,
    TERN_KEY_RSA_PSS = 6, /* an RSASSA-PSS-only key */
};
enum tern_key_type tern_x509_key_type(const tern_x509 *x);
/* tern_x509_key_bits: the RSA modulus size or the curve size. */
unsigned tern_x509_key_bits(const tern_x509 *x);
/* tern_key_type_name: "RSA", "EC P-256", ...; static. */
const char *tern_key_type_name(enum tern_key_type t);

/* SHA-256 fingerprints: of the whole certificate's DER, and of its
 * SubjectPublicKeyInfo's DER (what public-key pinning compares). */
int tern_x509_sha256(const tern_x509 *x, uint8_t out[32]);
int tern_x509_spki_sha256(const tern_x509 *x, uint8_t out[32]);
/* tern_x509_pin writes "sha256//BASE64" of the SubjectPublicKeyInfo (curl's
 * --pinnedpubkey form, 52 characters and the NUL) into buf. TERN_E_ARG when
 * cap is too small. */
int tern_x509_pin(const tern_x509 *x, char *buf, size_t cap);

/* ---- private keys (for tools that make certificates: tern cert) ---- */

typedef struct tern_key tern_key;
/* tern_key_generate: a new key of type TERN_KEY_EC_P256, _EC_P384,
 * _EC_P521, _ED25519 or TERN_KEY_RSA (bits 2048 to 8192; 0 means 2048).
 * *out is the caller's (tern_key_free wipes it). */
int tern_key_generate(enum tern_key_type type, unsigned bits, tern_key **out);
/* tern_key_parse reads a private key: PEM (PKCS#8, SEC1, PKCS#1, also
 * encrypted, with cb's password; cb may be NULL) or DER (PKCS#8, SEC1,
 * PKCS#1). */
int tern_key_parse(const uint8_t *data, size_t len, tern_password_cb cb, void *arg, tern_key **out,
                   char *why, size_t why_cap);
void tern_key_free(tern_key *k);
enum tern_key_type tern_key_type(const tern_key *k);
unsigned tern_key_bits(const tern_key *k);
/* tern_key_pkcs8 writes the key as unencrypted PKCS#8 DER into out (cap
 * bytes; 8192 are enough for RSA-8192), tern_key_spki its public half as a
 * SubjectPublicKeyInfo. TERN_E_LIMIT when out is too small. The caller
 * wipes a PKCS#8 copy it no longer needs. */
int tern_key_pkcs8(const tern_key *k, uint8_t *out, size_t cap, size_t *out_len);
int tern_key_spki(const tern_key *k, uint8_t *out, size_t cap, size_t *out_len);
/* tern_key_sign signs msg with a TLS SignatureScheme (TERN_SIG_*, e.g.
 * TERN_SIG_ECDSA_SECP256R1_SHA256: a DER ECDSA-Sig-Value;
 * TERN_SIG_RSA_PKCS1_SHA256; TERN_SIG_ED25519) into sig (cap bytes; 1024
 * are enough). TERN_E_ARG for a scheme the key cannot make. */
int tern_key_sign(const tern_key *k, uint16_t scheme, const uint8_t *msg, size_t len, uint8_t *sig,
                  size_t cap, size_t *out_len);
/* tern_key_matches: is x's public key k's? */
int tern_key_matches(const tern_key *k, const tern_x509 *x);

/* tern_random fills out with len bytes from the system's CSPRNG. */
int tern_random(uint8_t *out, size_t len);
/* tern_sha256: the SHA-256 of data. */
int tern_sha256(const void *data, size_t len, uint8_t out[32]);

/* ---- CRLs (RFC 5280 §5) ---- */

/* tern_crl_parse_all reads every X509 CRL block of a PEM text (or one DER
 * CRL) into out[0..cap); *out_n says how many. */
int tern_crl_parse_all(const uint8_t *data, size_t len, tern_crl **out, size_t cap, size_t *out_n,
                       char *why, size_t why_cap);
void tern_crl_free(tern_crl *crl);

/* ---- trust stores ---- */

/* tern_trust_new: an empty store (NULL when out of memory). A store is built
 * with the _add calls; verification only reads it (a capath folder's files
 * are read as each verification needs them), so a finished store may serve
 * many threads. */
tern_trust *tern_trust_new(void);
void tern_trust_free(tern_trust *t);
/* Every CERTIFICATE block of a PEM text, or one DER certificate. */
int tern_trust_add_pem(tern_trust *t, const uint8_t *data, size_t len, char *why, size_t why_cap);
/* A PEM bundle file, or every *.pem / *.crt file of a folder. */
int tern_trust_add_file(tern_trust *t, const char *path, char *why, size_t why_cap);
/* tern_trust_add_capath: a folder in OpenSSL's hashed layout (`openssl
 * rehash`, c_rehash): files named HHHHHHHH.N, HHHHHHHH being the hash of a
 * certificate's subject (X509_NAME_hash). It cannot be listed in advance:
 * each verification looks up the issuers it needs by name hash. */
int tern_trust_add_capath(tern_trust *t, const char *dir, char *why, size_t why_cap);
/* The system bundle, /etc/ssl/certs/ca-certificates.crt. */
int tern_trust_add_system(tern_trust *t, char *why, size_t why_cap);
/* tern_trust_count: the certificates loaded (capath files not counted). */
size_t tern_trust_count(const tern_trust *t);

/* ---- verification ---- */

/* Why a chain was refused. The values are stable: programs may store and
 * map them (the OpenSSL compat layer maps them to X509_V_ERR_*). */
enum tern_verify_reason {
    TERN_VERIFY_OK = 0,
    TERN_VERIFY_EXPIRED = 1,         /* a certificate on the path is past notAfter */
    TERN_VERIFY_NOT_YET_VALID = 2,   /* ... before notBefore */
    TERN_VERIFY_UNKNOWN_ISSUER = 3,  /* no path to a trust anchor */
    TERN_VERIFY_SELF_SIGNED = 4,     /* the leaf is its own issuer and not trusted */
    TERN_VERIFY_NAME_MISMATCH = 5,   /* the leaf does not cover the host name or IP */
    TERN_VERIFY_REVOKED = 6,         /* a CRL lists a certificate of the path */
    TERN_VERIFY_BAD_SIGNATURE = 7,   /* a signature on the path does not verify */
    TERN_VERIFY_CONSTRAINT = 8,      /* basicConstraints, pathLenConstraint, nameConstraints,
                                        a CA certificate as the leaf */
    TERN_VERIFY_USAGE = 9,           /* keyUsage / extKeyUsage exclude the purpose */
    TERN_VERIFY_PATH_TOO_LONG = 10,  /* more intermediates than max_depth */
    TERN_VERIFY_UNSUPPORTED = 11,    /* an algorithm or key tern refuses (SHA-1, RSA-1024) */
    TERN_VERIFY_MALFORMED = 12,      /* DER or extension syntax */
    TERN_VERIFY_INVALID = 13,        /* another rule of the profile (an unknown critical
                                        extension, a bad serial, a missing key identifier) */
    TERN_VERIFY_CRL = 14,            /* a CRL that applies is unusable (stale, badly signed),
                                        or none covers a certificate when CRLs are required */
    TERN_VERIFY_LIMIT = 15,          /* tern's work caps stopped the path search */
    TERN_VERIFY_NO_CERTIFICATE = 16, /* the peer sent none */
    TERN_VERIFY_PIN_MISMATCH = 17,   /* the leaf's key matches no pinned public key */
    TERN_VERIFY_REFUSED = 18,        /* the application's verify callback refused it */
    TERN_VERIFY_NOT_CHECKED = 19,    /* verification was switched off (insecure mode) */
    TERN_VERIFY_ERROR = 20,          /* out of memory, a bad argument */
};
/* tern_verify_reason_name: "expired", "unknown issuer", ...; static. */
const char *tern_verify_reason_name(enum tern_verify_reason r);

#define TERN_VERDICT_MAX_PATH 16

/* A verdict: the caller's; release with tern_verdict_cleanup. */
struct tern_verdict {
    int status; /* TERN_OK, or the status a handshake fails with (its alert) */
    enum tern_verify_reason reason;
    char sentence[320]; /* "" when accepted */
    /* the path built, leaf first, trust anchor last (tern_x509_verify
     * only; 0 elsewhere). Owned by the verdict. */
    size_t path_len;
    tern_x509 *path[TERN_VERDICT_MAX_PATH];
};
void tern_verdict_cleanup(struct tern_verdict *v);

/* What name the leaf must cover. There is no default that skips the
 * check by accident: TERN_NAME_HOST with a NULL name is an error. */
enum tern_verify_name {
    TERN_NAME_HOST = 0, /* a DNS name (an IP literal is matched as an IP) */
    TERN_NAME_IP = 1,   /* an IPv4 or IPv6 address as text */
    TERN_NAME_NONE = 2, /* no name: client certificates, or callers that check names */
};
enum tern_purpose {
    TERN_PURPOSE_SERVER = 0, /* extKeyUsage serverAuth */
    TERN_PURPOSE_CLIENT = 1, /* clientAuth */
    TERN_PURPOSE_ANY = 2,    /* none asked for */
};
struct tern_verify_opts {
    enum tern_verify_name name_kind;
    const char *name;
    enum tern_purpose purpose;
    enum tern_verify_profile profile;
    int64_t at;    /* Unix seconds; 0 means now */
    int max_depth; /* intermediates allowed (self-issued not counted); < 0: 8 */
    const tern_crl *const *crls;
    size_t n_crls;
    int require_crls; /* refuse a certificate below the anchor no CRL covers */
};
/* tern_verify_opts_init: host name (to be set), serverAuth, the web
 * profile, now, the default depth, no CRLs. */
void tern_verify_opts_init(struct tern_verify_opts *o);

/* tern_x509_verify builds a path from chain[0] (the leaf) through
 * chain[1..n) to an anchor of trust, validates it (RFC 5280 §6 under the
 * profile) and matches the name. Returns v->status: TERN_OK when accepted.
 * A trust anchor that is exactly the leaf is accepted whatever its CA bit
 * (a self-signed server certificate the user chose to trust). */
int tern_x509_verify(const tern_trust *trust, const tern_x509 *const *chain, size_t n,
                     const struct tern_verify_opts *opts, struct tern_verdict *v);

/* tern_x509_verify_der is tern_x509_verify on DER certificates as they
 * come (from a handshake, a file): one that does not parse is a verdict
 * (TERN_VERIFY_MALFORMED), not a failure to call. */
int tern_x509_verify_der(const tern_trust *trust, const uint8_t *const *ders, const size_t *lens,
                         size_t n, const struct tern_verify_opts *opts, struct tern_verdict *v);

/* tern_pem_decode: the DER of every block labelled "CERTIFICATE" or "X509
 * CRL" (label) of a PEM text, in order, into ders[0..cap) and lens; *out_n
 * says how many. Each buffer is the caller's: tern_buffer_free. More than
 * cap: TERN_E_LIMIT (none kept). */
int tern_pem_decode(const uint8_t *text, size_t len, const char *label, uint8_t **ders,
                    size_t *lens, size_t cap, size_t *out_n, char *why, size_t why_cap);
/* tern_buffer_free releases a buffer tern gave the caller. */
void tern_buffer_free(void *p);

/* tern_parse_time: RFC 3339 ("2026-11-22T07:00:00Z") or Unix seconds. */
int tern_parse_time(const char *text, int64_t *out);

/* ---- the peer's certificates on a connection ---- */

/* tern_conn_peer_cert_count: certificates the peer sent in this handshake
 * (0 before its Certificate message and when it sent none). Both sides.
 * On a server's resumed connection, the client's certificates kept in the
 * session: the chain as the original handshake received it, leaf first,
 * or fewer (at least the leaf, unless it alone is larger than 1,200
 * bytes; the rest of a longer chain, or all of it when the session would
 * not fit in its ticket or serialized form otherwise); the verdict below
 * is then the original handshake's (sentence "" when accepted). On a
 * client's resumed connection, 0 and no verdict: a tern client's session
 * carries only the server's subject (tern_conn_peer_subject). */
size_t tern_conn_peer_cert_count(const tern_conn *c);
/* tern_conn_peer_cert_der: certificate i as sent (0 = the leaf); valid
 * while c lives. TERN_E_ARG past the end. */
int tern_conn_peer_cert_der(const tern_conn *c, size_t i, const uint8_t **out_der, size_t *out_len);
/* tern_conn_peer_cert parses certificate i into a new object (the
 * caller's). */
int tern_conn_peer_cert(const tern_conn *c, size_t i, tern_x509 **out);
/* tern_conn_peer_verdict copies the verdict on the peer's chain into *out
 * (path_len 0): TERN_OK with reason TERN_VERIFY_OK once it was accepted;
 * on a server in TERN_CLIENT_AUTH_OPTIONAL_REPORT_ONLY mode, whatever tern
 * found while the handshake went on; on a server's resumed connection,
 * the verdict the session kept. TERN_E_ARG while there is none yet. */
int tern_conn_peer_verdict(const tern_conn *c, struct tern_verdict *out);

/* ---- shaping verification ---- */

/* A verify callback sees tern's verdict and the chain (DER, leaf first)
 * after tern's own checks, on either side. It returns 0 to keep the
 * verdict, anything else to refuse the chain, with a sentence in why. It
 * cannot turn a refusal into acceptance. */
typedef int (*tern_verify_cb)(void *arg, tern_conn *c, const struct tern_verdict *verdict,
                              const uint8_t *const *certs, const size_t *lens, size_t n, char *why,
                              size_t why_cap);
void tern_config_set_verify_callback(tern_config *cfg, tern_verify_cb cb, void *arg);
/* tern_config_set_verify_override_DANGEROUS: cb sees every refusal (tern's,
 * a pin's, the verify callback's) and returns nonzero to accept the chain
 * anyway: the handshake goes on with the leaf's key, and the verdict stays
 * readable. Whoever is on the path can then pose as the peer whenever cb
 * says yes.
 * An override that checked the chain by its own means (its own trust
 * store, as the OpenSSL layer does with the program's X509_STORE) and
 * found it good returns TERN_OVERRIDE_VERIFIED instead: the verdict is
 * then an acceptance (TERN_OK, TERN_VERIFY_OK), as if tern had verified
 * it, and a server keeps the session for resumption (a chain accepted
 * despite a refusal never resumes). */
#define TERN_OVERRIDE_VERIFIED 2
void tern_config_set_verify_override_DANGEROUS(tern_config *cfg, tern_verify_cb cb, void *arg);

/* tern_config_add_pinned_pubkey: curl's --pinnedpubkey syntax, one or
 * several "sha256//BASE64" separated by ';' (the SHA-256 of the leaf's
 * SubjectPublicKeyInfo). With pins set, the leaf must match one, on top of
 * the usual verification, and even with verification switched off
 * (insecure mode: a self-signed server known by its key). */
int tern_config_add_pinned_pubkey(tern_config *cfg, const char *pins);

/* tern_config_add_trust_capath: anchors looked up in an OpenSSL hashed
 * folder (see tern_trust_add_capath). tern_config_add_trust_der: one DER
 * certificate. Like the other _add_trust calls, the first replaces the
 * system bundle. */
int tern_config_add_trust_capath(tern_config *cfg, const char *dir);
int tern_config_add_trust_der(tern_config *cfg, const uint8_t *der, size_t len);
/* tern_config_set_trust_empty: no trust anchors at all, not even the
 * system bundle, so tern's own check refuses every chain and a verify
 * override (tern_config_set_verify_override_DANGEROUS) decides: the
 * OpenSSL layer verifies against the program's X509_STORE that way, and
 * must not pay for loading the system bundle per connection. Later
 * _add_trust calls add to the empty store. */
int tern_config_set_trust_empty(tern_config *cfg);

/* CRLs (PEM, one or several blocks, or DER) checked in every handshake for
 * the peer's chain, as tern verify --crl checks them. */
int tern_config_add_crl_file(tern_config *cfg, const char *path);
int tern_config_add_crl_pem(tern_config *cfg, const uint8_t *data, size_t len);

#ifdef __cplusplus
}
#endif
#endif
