/* X.509 certificates for tern: parsing (cert.c), PEM (pem.c), name matching
 * (names.c), trust stores (store.c), CRLs (crl.c), and path building with
 * RFC 5280 §6 validation as the web PKI uses it (verify.c).
 *
 * Error codes. A certificate whose DER or extensions do not parse is
 * TERN_E_BAD_CERTIFICATE (the alert RFC 8446 §6.2 gives for a corrupt
 * certificate), not TERN_E_DECODE, which tern keeps for TLS message framing.
 * Verdicts: TERN_E_CERTIFICATE_EXPIRED (expired or not yet valid),
 * TERN_E_UNKNOWN_CA (no path to a trust anchor), TERN_E_NAME_MISMATCH,
 * TERN_E_BAD_CERTIFICATE (signatures, constraints, usages),
 * TERN_E_UNSUPPORTED_CERTIFICATE (algorithms and key sizes tern refuses),
 * TERN_E_CERTIFICATE_REVOKED. Each comes with a sentence naming the
 * certificate by its subject, the rule and the values. */
#ifndef TERN_X509_X509_H
#define TERN_X509_X509_H

#include "base/bytes.h"
#include "base/error.h"
#include "crypto/provider.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the certificate model ---- */

/* keyUsage bits (RFC 5280 §4.2.1.3), as a mask: bit n is (1u << n). */
enum x509_ku {
    X509_KU_DIGITAL_SIGNATURE = 1u << 0,
    X509_KU_NON_REPUDIATION = 1u << 1,
    X509_KU_KEY_ENCIPHERMENT = 1u << 2,
    X509_KU_DATA_ENCIPHERMENT = 1u << 3,
    X509_KU_KEY_AGREEMENT = 1u << 4,
    X509_KU_KEY_CERT_SIGN = 1u << 5,
    X509_KU_CRL_SIGN = 1u << 6,
    X509_KU_ENCIPHER_ONLY = 1u << 7,
    X509_KU_DECIPHER_ONLY = 1u << 8,
};

/* extKeyUsage purposes tern knows (RFC 5280 §4.2.1.12). */
enum x509_eku {
    X509_EKU_SERVER_AUTH = 1u << 0,
    X509_EKU_CLIENT_AUTH = 1u << 1,
    X509_EKU_ANY = 1u << 2,
    X509_EKU_OTHER = 1u << 3, /* some purpose tern does not name */
};

/* A signature algorithm as an AlgorithmIdentifier names it. */
struct x509_sigalg {
    bool known; /* false: an OID tern does not verify (named in oid) */
    bool weak;  /* SHA-1 or MD5: refused (named in name) */
    enum cry_sig_alg alg;
    enum cry_hash hash;
    int pss_salt;     /* RSASSA-PSS saltLength; -1 otherwise */
    const char *name; /* "sha256WithRSAEncryption", ... */
    struct rd oid;
};

struct x509_cert {
    uint8_t *der; /* owned copy of the whole certificate */
    size_t der_len;
    struct rd tbs;    /* the signed TBSCertificate, with its header */
    int version;      /* 1, 2 or 3 */
    struct rd serial; /* INTEGER contents */
    struct x509_sigalg sigalg;
    struct rd sig;      /* signatureValue bits */
    struct rd issuer;   /* Name, whole DER (compared byte for byte) */
    struct rd subject;  /* Name, whole DER */
    char *subject_text; /* "CN=...,O=..." (RFC 4514 order), owned */
    char *issuer_text;
    int64_t not_before, not_after;
    struct rd spki;             /* SubjectPublicKeyInfo, whole DER */
    enum cry_key_type key_type; /* CRY_KEY_NONE: an algorithm tern does not take */
    unsigned key_bits;
    const char *key_problem; /* why the key is refused ("DSA", "curve P-192"...), or NULL */

    /* extensions (v3); has_* says the extension is present */
    bool has_bc, bc_critical, ca;
    int path_len; /* -1 when absent */
    bool has_ku;
    unsigned ku;
    bool has_eku, eku_critical;
    unsigned eku;
    bool has_san, san_critical;
    struct rd san; /* GeneralNames contents */
    bool has_nc;
    bool nc_has_permitted, nc_has_excluded;
    struct rd nc_permitted, nc_excluded; /* GeneralSubtrees contents */
    bool has_aki, aki_critical, aki_has_keyid, aki_has_issuer_serial;
    struct rd aki_keyid;
    bool has_ski, ski_critical;
    struct rd ski;
    bool aia_critical;
    bool has_policy_constraints, policy_constraints_critical;
    bool unknown_critical;
    char unknown_critical_oid[64]; /* the first unknown critical extension */
    bool self_issued;              /* subject == issuer (RFC 5280 §6.1) */
};

/* x509_cert_parse parses one DER certificate into a new object (copying the
 * bytes). Malformed DER or extensions: TERN_E_BAD_CERTIFICATE. */
TERN_MUST_CHECK int x509_cert_parse(const uint8_t *der, size_t len, struct x509_cert **out,
                                    struct tern_err *err);
void x509_cert_free(struct x509_cert *c);

/* x509_parse_sigalg reads an AlgorithmIdentifier for a signature. */
TERN_MUST_CHECK bool x509_parse_sigalg(struct rd *r, struct x509_sigalg *out, struct rd *whole);
/* x509_verify_signature checks sig over msg with the issuer's SPKI:
 * TERN_E_BAD_CERTIFICATE when it does not verify, TERN_E_UNSUPPORTED_CERTIFICATE
 * for algorithms tern refuses. `what` names the signed object. */
TERN_MUST_CHECK int x509_verify_signature(const struct x509_cert *issuer,
                                          const struct x509_sigalg *alg, const struct rd *msg,
                                          const struct rd *sig, const char *what,
                                          struct tern_err *err);

/* x509_name_text renders a Name (whole DER) as "CN=a,O=b" (RFC 4514 order);
 * returns an owned string, or NULL when the Name does not parse. */
char *x509_name_text(const struct rd *name);

/* ---- names (RFC 6125 / RFC 9525) ---- */

/* x509_dns_name_valid: preferred name syntax (RFC 1034 §3.5, RFC 1123
 * §2.1); with allow_wildcard, a left-most label of exactly "*". */
bool x509_dns_name_valid(const uint8_t *p, size_t n, bool allow_wildcard);
/* x509_dns_match: does a presented SAN dNSName cover the reference host? */
bool x509_dns_match(const uint8_t *pattern, size_t plen, const char *host);
/* x509_ip_parse: IPv4 dotted quad or IPv6 text into out (4 or 16 bytes). */
bool x509_ip_parse(const char *text, uint8_t out[16], size_t *out_len);
/* x509_ip_text: canonical text (RFC 5952 for IPv6) of a 4- or 16-byte address. */
const char *x509_ip_text(const uint8_t *ip, size_t len, char *buf, size_t cap);
/* x509_cert_names_text: the certificate's DNS and IP names, ", "-joined. */
void x509_cert_names_text(const struct x509_cert *c, char *buf, size_t cap);
/* x509_match_host / x509_match_ip: TERN_E_NAME_MISMATCH with the sentence
 * listing the certificate's names, or TERN_OK. */
TERN_MUST_CHECK int x509_match_host(const struct x509_cert *c, const char *host,
                                    struct tern_err *err);
TERN_MUST_CHECK int x509_match_ip(const struct x509_cert *c, const uint8_t *ip, size_t ip_len,
                                  const char *text, struct tern_err *err);
/* x509_check_san_syntax: every SAN entry well formed (DNS syntax, 4/16-byte
 * IPs, mailbox@domain emails); TERN_E_BAD_CERTIFICATE otherwise. */
TERN_MUST_CHECK int x509_check_san_syntax(const struct x509_cert *c, struct tern_err *err);
/* x509_name_constraints_check: the certificate's names against a CA's
 * nameConstraints (RFC 5280 §4.2.1.10); *budget counts comparisons down and
 * the check fails when it runs out (quadratic blow-up defence). */
TERN_MUST_CHECK int x509_name_constraints_check(const struct x509_cert *ca,
                                                const struct x509_cert *c, bool is_leaf,
                                                long *budget, struct tern_err *err);
/* x509_name_constraints_valid: are the CA's own constraints well formed? */
TERN_MUST_CHECK int x509_name_constraints_valid(const struct x509_cert *ca, struct tern_err *err);

/* ---- PEM (RFC 7468) ---- */

enum x509_pem_kind {
    X509_PEM_OTHER = 0,
    X509_PEM_CERTIFICATE,
    X509_PEM_CRL,
    X509_PEM_PRIVATE_KEY,           /* PKCS#8 */
    X509_PEM_EC_PRIVATE_KEY,        /* SEC1 */
    X509_PEM_RSA_PRIVATE_KEY,       /* PKCS#1 */
    X509_PEM_ENCRYPTED_PRIVATE_KEY, /* PKCS#8 EncryptedPrivateKeyInfo (RFC 5958 §3) */
};
/* x509_pem_next finds the next PEM block in *text, consuming it; *out_der
 * is an owned buffer (tern_free; wipe it first for keys), NULL at the end
 * of the text. TERN_E_FILE for a broken block. */
TERN_MUST_CHECK int x509_pem_next(struct rd *text, enum x509_pem_kind *out_kind, uint8_t **out_der,
                                  size_t *out_len, struct tern_err *err);

/* x509_load_file reads a whole file into an owned buffer (TERN_E_IO). */
TERN_MUST_CHECK int x509_load_file(const char *path, uint8_t **out, size_t *out_len,
                                   struct tern_err *err);

/* ---- CRLs (RFC 5280 §5) ---- */
struct x509_crl;
/* x509_crl_parse parses one DER CertificateList (copied). */
TERN_MUST_CHECK int x509_crl_parse(const uint8_t *der, size_t len, struct x509_crl **out,
                                   struct tern_err *err);
void x509_crl_free(struct x509_crl *crl);
/* x509_crl_check: if the CRL is issued by `issuer` (name and signature),
 * check it is well formed and current at `at`, then whether it lists
 * cert: TERN_E_CERTIFICATE_REVOKED. A CRL of another issuer is ignored. */
TERN_MUST_CHECK int x509_crl_check(const struct x509_crl *crl, const struct x509_cert *cert,
                                   const struct x509_cert *issuer, int64_t at,
                                   struct tern_err *err);

/* ---- trust store ---- */

/* A set of trust anchors. Built with the _add calls, then read-only:
 * x509_verify never modifies it, so one store may serve many threads. */
struct x509_store;
struct x509_store *x509_store_new(void);
void x509_store_free(struct x509_store *s);
/* Add every CERTIFICATE block of a PEM text; fails on the first broken one. */
TERN_MUST_CHECK int x509_store_add_pem(struct x509_store *s, const char *text, size_t len,
                                       struct tern_err *err);
/* Add one DER certificate. */
TERN_MUST_CHECK int x509_store_add_der(struct x509_store *s, const uint8_t *der, size_t len,
                                       struct tern_err *err);
/* Add a PEM bundle file, or every *.pem / *.crt file of a directory. */
TERN_MUST_CHECK int x509_store_add_file(struct x509_store *s, const char *path,
                                        struct tern_err *err);
#define X509_SYSTEM_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
/* Add the system bundle (X509_SYSTEM_BUNDLE). */
TERN_MUST_CHECK int x509_store_add_system(struct x509_store *s, struct tern_err *err);
size_t x509_store_count(const struct x509_store *s);
const struct x509_cert *x509_store_get(const struct x509_store *s, size_t i);

/* ---- verification ---- */

enum x509_purpose {
    X509_PURPOSE_SERVER = 0, /* id-kp-serverAuth: the TLS client checks a server */
    X509_PURPOSE_CLIENT = 1, /* id-kp-clientAuth: the TLS server checks a client */
};

#define X509_DEFAULT_MAX_DEPTH 8

struct x509_verify_opts {
    const char *host; /* DNS name to match, or NULL */
    const char *ip;   /* IP address text to match (instead of host), or NULL */
    int64_t at;       /* validation time, Unix seconds; 0 means now */
    enum x509_purpose purpose;
    int max_depth;                      /* most intermediates allowed (self-issued ones not
                                           counted); < 0: X509_DEFAULT_MAX_DEPTH */
    unsigned required_ku;               /* keyUsage bits the leaf must carry if it has a
                                           keyUsage extension (e.g. digitalSignature) */
    const struct x509_crl *const *crls; /* offline CRLs to consult, or NULL */
    size_t n_crls;
};

#define X509_MAX_CHAIN 16

struct x509_verified {
    size_t n;                       /* certificates in the built path */
    char *subjects[X509_MAX_CHAIN]; /* leaf first, trust anchor last; owned */
    const char *leaf_subject;       /* == subjects[0] */
    struct cry_pubkey leaf_key;     /* for CertificateVerify; cleaned up below */
};

/* x509_verify builds a path from chain[0] (the leaf, as the TLS Certificate
 * message gives it) through chain[1..n) and the store's anchors, validates it
 * and matches the name. On success fills *out (release with
 * x509_verified_cleanup). On failure, the status and a sentence in err. */
TERN_MUST_CHECK int x509_verify(const struct x509_store *trust, const struct rd *chain_ders,
                                size_t n, const struct x509_verify_opts *opts,
                                struct x509_verified *out, struct tern_err *err);
void x509_verified_cleanup(struct x509_verified *v);

/* ---- a server's or client's own chain and key ---- */
struct x509_chain_key {
    size_t n;
    uint8_t *ders[X509_MAX_CHAIN]; /* leaf first, owned */
    size_t lens[X509_MAX_CHAIN];
    struct cry_privkey key;
};
/* x509_load_chain_and_key reads PEM texts, checks the key matches the leaf. */
TERN_MUST_CHECK int x509_load_chain_and_key(const char *chain_pem, size_t chain_len,
                                            const char *key_pem, size_t key_len,
                                            struct x509_chain_key *out, struct tern_err *err);
/* x509_load_chain_and_key_pass: the same, decrypting an ENCRYPTED PRIVATE
 * KEY with pass (NULL: none given, and such a key is refused). */
TERN_MUST_CHECK int x509_load_chain_and_key_pass(const char *chain_pem, size_t chain_len,
                                                 const char *key_pem, size_t key_len,
                                                 const char *pass, size_t pass_len,
                                                 struct x509_chain_key *out, struct tern_err *err);
void x509_chain_key_cleanup(struct x509_chain_key *ck);

/* x509_decrypt_private_key decrypts a DER EncryptedPrivateKeyInfo (RFC 5958
 * §3; PBES2 with PBKDF2 and AES-CBC, RFC 8018) into *out (owned, wipe with
 * tern_free_secret), the unencrypted PKCS#8 it holds. At most
 * max_iterations of PBKDF2: a hostile file gets bounded work. */
#define X509_PBKDF2_MAX_ITERATIONS 10000000u
TERN_MUST_CHECK int x509_decrypt_private_key(const uint8_t *der, size_t len, const char *pass,
                                             size_t pass_len, uint32_t max_iterations,
                                             uint8_t **out, size_t *out_len, struct tern_err *err);

/* x509_parse_time_text: RFC 3339 ("2026-11-22T07:00:00Z", offsets and
 * fractions allowed, fractions floored) or decimal Unix seconds. */
bool x509_parse_time_text(const char *s, int64_t *out);

#endif
