/* X.509 certificates for tern: parsing (cert.c), PEM (pem.c), name matching
 * (names.c), name comparison by RFC 4518 (strprep.c), the Public Suffix
 * List (psl.c), trust stores (store.c), CRLs (crl.c), and path building with
 * RFC 5280 §6 validation under the web or the rfc5280 profile (verify.c).
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
#include "tern/x509.h" /* enum tern_verify_reason: the detail of a verdict's tern_err */

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
    struct rd sig;     /* signatureValue bits */
    struct rd issuer;  /* Name, whole DER (compared byte for byte) */
    struct rd subject; /* Name, whole DER */
    /* "CN=...,O=..." (RFC 4514 order), rendered on first use: read them
     * through x509_subject_text / x509_issuer_text only */
    char *subject_cache, *issuer_cache;
    bool names_checked;
    int64_t not_before, not_after;
    struct rd spki;             /* SubjectPublicKeyInfo, whole DER */
    enum cry_key_type key_type; /* CRY_KEY_NONE: an algorithm tern does not take */
    unsigned key_bits;
    const char *key_problem; /* why the key is refused ("DSA", "curve P-192"...), or NULL */
    char key_problem_buf[128];

    /* extensions (v3); has_* says the extension is present */
    bool has_bc, bc_critical, ca;
    int path_len; /* -1 when absent */
    bool has_ku;
    unsigned ku;
    bool has_eku, eku_critical;
    unsigned eku;
    bool has_san, san_critical;
    struct rd san; /* GeneralNames contents */
    bool has_nc, nc_critical;
    bool nc_has_permitted, nc_has_excluded;
    struct rd nc_permitted, nc_excluded; /* GeneralSubtrees contents */
    bool has_aki, aki_critical, aki_has_keyid, aki_has_issuer_serial;
    struct rd aki_keyid;
    bool has_ski, ski_critical;
    struct rd ski;
    bool aia_critical;
    bool has_crl_dp;
    struct rd crl_dp; /* cRLDistributionPoints: SEQUENCE OF DistributionPoint contents */
    bool has_policy_constraints, policy_constraints_critical;
    bool unknown_critical;
    char unknown_critical_oid[64]; /* the first unknown critical extension */
    bool self_issued;              /* subject == issuer (RFC 5280 §6.1), as names compare */
    /* comparison keys of the names (strprep.c), made at parse time */
    uint8_t *subject_key, *issuer_key;
    size_t subject_key_len, issuer_key_len;
};

/* At most this many attributes (so also RDNs) in one Name: real CAs use
 * fewer than 20, and a cap bounds what comparing and rendering a hostile
 * peer's names costs. BoringSSL and Go have limits of the same order. */
#define X509_MAX_NAME_ATTRS 200

/* x509_cert_parse parses one DER certificate into a new object (copying the
 * bytes). Malformed DER or extensions: TERN_E_BAD_CERTIFICATE. */
TERN_MUST_CHECK int x509_cert_parse(const uint8_t *der, size_t len, struct x509_cert **out,
                                    struct tern_err *err);
void x509_cert_free(struct x509_cert *c);

/* x509_parse_sigalg reads an AlgorithmIdentifier for a signature. */
TERN_MUST_CHECK bool x509_parse_sigalg(struct rd *r, struct x509_sigalg *out, struct rd *whole);
/* x509_verify_signature checks sig over msg with the issuer's SPKI:
 * TERN_E_BAD_CERTIFICATE when it does not verify, TERN_E_UNSUPPORTED_CERTIFICATE
 * for algorithms tern refuses. `what` names the signed object; when it is
 * NULL, signed_cert is named ("certificate '<subject>'"), only if a
 * sentence is written. */
TERN_MUST_CHECK int x509_verify_signature(const struct x509_cert *issuer,
                                          const struct x509_sigalg *alg, const struct rd *msg,
                                          const struct rd *sig, const struct x509_cert *signed_cert,
                                          const char *what, struct tern_err *err);

/* x509_name_text renders a Name (whole DER) as "CN=a,O=b" (RFC 4514 order),
 * in time linear in the name, cut after about 400 characters; returns an
 * owned string, or NULL when the Name does not parse or has more than
 * X509_MAX_NAME_ATTRS attributes. */
char *x509_name_text(const struct rd *name);
/* x509_name_check: a well-formed Name of at most X509_MAX_NAME_ATTRS
 * attributes; otherwise TERN_E_BAD_CERTIFICATE naming `which` and the cap. */
TERN_MUST_CHECK int x509_name_check(const struct rd *name, const char *which, struct tern_err *err);
/* x509_subject_text / x509_issuer_text: the certificate's names rendered
 * (on first use, then cached in the certificate; see cert.c). */
const char *x509_subject_text(const struct x509_cert *c);
const char *x509_issuer_text(const struct x509_cert *c);
/* Name elements visited by rendering and checking names in this thread: lets
 * tests count the work instead of timing it. */
extern _Thread_local unsigned long x509_name_steps;

/* ---- name comparison (RFC 5280 §7.1, RFC 4518; strprep.c) ---- */

/* x509_name_key: the comparison key of a Name (whole DER), owned
 * (tern_free): RFC 4518-prepared string values, other values as they are.
 * TERN_E_BAD_CERTIFICATE for a malformed Name. */
TERN_MUST_CHECK int x509_name_key(const struct rd *name, uint8_t **out, size_t *out_len);
/* x509_name_eq: do two Names match (RFC 5280 §7.1)? */
bool x509_name_eq(const struct rd *a, const struct rd *b);
/* x509_name_within: is name within the directoryName subtree base (its RDNs
 * a prefix of name's, each matching)? */
bool x509_name_within(const struct rd *name, const struct rd *base);
/* x509_issued_by_name: does child's issuer match parent's subject? */
bool x509_issued_by_name(const struct x509_cert *child, const struct x509_cert *parent);
/* x509_same_subject: do the two certificates' subjects match? */
bool x509_same_subject(const struct x509_cert *a, const struct x509_cert *b);

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
/* x509_check_cn: the CA/B Forum BR 7.1.4.3 rule for the web profile: each
 * subject commonName is a character-for-character copy of a SAN dNSName
 * (or the domain a wildcard SAN was validated for, BR 3.2.2.6), or the
 * canonical text of a SAN iPAddress. TERN_E_BAD_CERTIFICATE naming both. */
TERN_MUST_CHECK int x509_check_cn(const struct x509_cert *c, struct tern_err *err);
/* x509_check_wildcard_suffixes: no SAN wildcard covers a whole public
 * suffix of the Public Suffix List's ICANN section (web profile). */
TERN_MUST_CHECK int x509_check_wildcard_suffixes(const struct x509_cert *c, struct tern_err *err);
/* x509_public_suffix: is domain (ASCII, no trailing dot) a public suffix in
 * the PSL's ICANN section? (libpsl with the system's list; psl.c) */
bool x509_public_suffix(const char *domain);

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
/* x509_crl_issuer: the CRL's issuer Name (whole DER). */
const struct rd *x509_crl_issuer(const struct x509_crl *crl);
/* x509_crl_may_cover: is cert within the CRL's scope (RFC 5280 §6.3.3 (b))? */
bool x509_crl_may_cover(const struct x509_crl *crl, const struct x509_cert *cert);
/* x509_crl_signed_by: does signer's name match the CRL's issuer and its key
 * verify the CRL's signature? (quietly: no sentence) */
bool x509_crl_signed_by(const struct x509_crl *crl, const struct x509_cert *signer);
/* The CRL reasons (RFC 5280 §5.3.1 ReasonFlags keyCompromise to
 * aACompromise) as a mask; a certificate's status is known when the CRLs
 * that cover it cover all of them (§6.3.3). */
#define X509_REASONS_ALL 0x1feu
/* x509_crl_check: if the CRL covers cert (its issuer's, or an indirect CRL
 * its cRLDistributionPoints name; within its issuingDistributionPoint
 * scope) and is signed by `signer`, check it is well formed and current at
 * `at`, then whether it lists cert: TERN_E_CERTIFICATE_REVOKED. A CRL that
 * does not cover cert is ignored. *out_reasons (when not NULL) gets the
 * reasons it covers cert for (0: none). */
TERN_MUST_CHECK int x509_crl_check(const struct x509_crl *crl, const struct x509_cert *cert,
                                   const struct x509_cert *signer, int64_t at,
                                   unsigned *out_reasons, struct tern_err *err);

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
/* x509_store_add_capath: a folder in OpenSSL's hashed layout, read lazily:
 * x509_verify looks up files HHHHHHHH.0, .1, ... by the hash of the issuer
 * names it needs (cry_x509_name_hash). */
TERN_MUST_CHECK int x509_store_add_capath(struct x509_store *s, const char *dir,
                                          struct tern_err *err);
/* x509_store_capath_lookup: the certificates of the store's capath folders
 * whose subject matches name (whole DER), parsed anew (the caller's: free
 * each), at most cap of them; returns how many. Reads at most
 * X509_CAPATH_MAX_FILES files per folder. */
#define X509_CAPATH_MAX_FILES 16
/* One verification looks up at most this many issuer names in capath
 * folders and keeps at most this many certificates found there. */
#define X509_CAPATH_MAX_LOOKUPS 32
#define X509_CAPATH_MAX_ANCHORS 32
size_t x509_store_capath_lookup(const struct x509_store *s, const struct rd *name,
                                struct x509_cert **out, size_t cap);
bool x509_store_has_capath(const struct x509_store *s);
size_t x509_store_count(const struct x509_store *s);
const struct x509_cert *x509_store_get(const struct x509_store *s, size_t i);

/* ---- verification ---- */

enum x509_purpose {
    X509_PURPOSE_SERVER = 0, /* id-kp-serverAuth: the TLS client checks a server */
    X509_PURPOSE_CLIENT = 1, /* id-kp-clientAuth: the TLS server checks a client */
    X509_PURPOSE_ANY = 2,    /* no extKeyUsage purpose asked for */
};

/* The rules a path is validated under (verify.c says which rule belongs to
 * which profile, each with its source). */
enum x509_profile {
    /* The web PKI: RFC 5280 as the CA/B Forum Baseline Requirements and the
     * browsers narrow it. tern's own handshakes use it by default. */
    X509_PROFILE_WEB = 0,
    /* RFC 5280 §6 path validation with the §4 certificate profile, as
     * x509-limbo's rfc5280:: cases and NIST's PKITS expect it. */
    X509_PROFILE_RFC5280 = 1,
};

#define X509_DEFAULT_MAX_DEPTH 8

/* Work caps of one path search (a hostile peer's chain costs at most
 * this): signature verifications, and complete candidate paths validated.
 * A search that reaches either stops with a sentence naming the cap. */
#define X509_MAX_SIGNATURES 64
#define X509_MAX_PATHS      32

/* What one x509_verify call did, for tests that count work. */
struct x509_verify_stats {
    unsigned long signatures; /* signature verifications run */
    unsigned long paths;      /* complete candidate paths validated */
    unsigned long candidates; /* issuer candidates tried */
};

struct x509_verify_opts {
    const char *host; /* DNS name to match, or NULL */
    const char *ip;   /* IP address text to match (instead of host), or NULL */
    int64_t at;       /* validation time, Unix seconds; 0 means now */
    enum x509_purpose purpose;
    enum x509_profile profile;
    int max_depth;                      /* most intermediates allowed (self-issued ones not
                                           counted); < 0: X509_DEFAULT_MAX_DEPTH */
    unsigned required_ku;               /* keyUsage bits the leaf must carry if it has a
                                           keyUsage extension (e.g. digitalSignature) */
    const struct x509_crl *const *crls; /* offline CRLs to consult, or NULL */
    size_t n_crls;
    bool require_crls;               /* every certificate below the anchor must be covered by one
                                        of crls (RFC 5280 §6.3: status otherwise undetermined) */
    struct x509_verify_stats *stats; /* filled in when not NULL */
    bool keep_path;                  /* fill x509_verified's ders */
};

#define X509_MAX_CHAIN 16
/* Most certificates x509_verify takes (leaf and candidates); the work caps
 * above, not this number, bound what a long chain costs. */
#define X509_MAX_INPUT 256

struct x509_verified {
    size_t n;                       /* certificates in the built path */
    char *subjects[X509_MAX_CHAIN]; /* leaf first, trust anchor last; owned */
    const char *leaf_subject;       /* == subjects[0] */
    struct cry_pubkey leaf_key;     /* for CertificateVerify; cleaned up below */
    /* with opts->keep_path: the path's certificates (owned copies) */
    uint8_t *ders[X509_MAX_CHAIN];
    size_t lens[X509_MAX_CHAIN];
};

/* x509_verify's failures carry a reason in err->detail (enum
 * tern_verify_reason); x509_reason gives it for any tern_err, falling back on
 * the status code where no finer reason was set. */
enum tern_verify_reason x509_reason(const struct tern_err *err);

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
/* Where an encrypted key's password comes from: cb writes it into buf and
 * returns its length, or -1 (tern_password_cb's contract). NULL or a NULL
 * cb: no password; an encrypted key then fails, saying so. */
struct x509_password {
    int (*cb)(void *arg, char *buf, size_t cap);
    void *arg;
};
/* x509_load_chain_and_key reads PEM texts (the key perhaps encrypted),
 * checks the key matches the leaf; swapped files are named as such. */
TERN_MUST_CHECK int x509_load_chain_and_key(const char *chain_pem, size_t chain_len,
                                            const char *key_pem, size_t key_len,
                                            const struct x509_password *pw,
                                            struct x509_chain_key *out, struct tern_err *err);
/* x509_load_chain_and_key_der: the same from DER certificates (leaf first)
 * and a DER key (PKCS#8, SEC1, PKCS#1, or an encrypted PKCS#8). */
TERN_MUST_CHECK int x509_load_chain_and_key_der(const uint8_t *const *certs, const size_t *lens,
                                                size_t n, const uint8_t *key_der, size_t key_len,
                                                const struct x509_password *pw,
                                                struct x509_chain_key *out, struct tern_err *err);
void x509_chain_key_cleanup(struct x509_chain_key *ck);
/* x509_load_key reads a private key from PEM text (perhaps encrypted). */
TERN_MUST_CHECK int x509_load_key(const char *key_pem, size_t key_len,
                                  const struct x509_password *pw, struct cry_privkey *key,
                                  struct tern_err *err);

/* x509_parse_time_text: RFC 3339 ("2026-11-22T07:00:00Z", offsets and
 * fractions allowed, fractions floored) or decimal Unix seconds. */
bool x509_parse_time_text(const char *s, int64_t *out);

#endif
