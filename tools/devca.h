/* A development certificate authority for `tern cert` and `tern serve`:
 * a CA certificate and leaf certificates written by tern's own DER code
 * (RFC 5280), signed through the crypto provider. The mkcert idea: trust
 * the CA once on a development machine, and every certificate it issues
 * for localhost works in curl, Python and browsers. */
#ifndef TERN_TOOLS_DEVCA_H
#define TERN_TOOLS_DEVCA_H

#include "tern/tern.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define DEVCA_WHY_MAX   256
#define DEVCA_KEYID_LEN 20
#define DEVCA_CA_DAYS   3650
/* Leaves live under 398 days, the limit browsers apply to server
 * certificates (CA/Browser Forum Baseline Requirements §6.3.2). */
#define DEVCA_LEAF_DAYS 397

struct devca {
    tern_key *key;
    uint8_t *cert_der; /* the CA certificate */
    size_t cert_len;
    uint8_t *subject; /* the CA's Name, DER (a copy), used as the issuer of leaves */
    size_t subject_len;
    uint8_t key_id[DEVCA_KEYID_LEN]; /* its subject key identifier */
};

/* devca_parse_key_type maps "ec" (P-256), "p384", "rsa", "ed25519". */
bool devca_parse_key_type(const char *s, enum tern_key_type *out);
const char *devca_key_type_name(enum tern_key_type t);

/* devca_create makes a fresh CA: a new key of type kt, a self-signed
 * certificate named cn, valid from an hour ago (for clock skew) for days.
 * Returns a tern status; why names the cause on failure. */
int devca_create(struct devca *ca, enum tern_key_type kt, const char *cn, unsigned days, time_t now,
                 char *why, size_t why_cap);
/* devca_load reads a CA from its certificate and PKCS#8 key in PEM, and
 * checks that they belong together. */
int devca_load(struct devca *ca, const char *cert_pem, size_t cert_len, const char *key_pem,
               size_t key_len, char *why, size_t why_cap);
void devca_cleanup(struct devca *ca);

struct devca_leaf {
    enum tern_key_type key_type;
    bool client; /* clientAuth as well as serverAuth */
    unsigned days;
    const char *const *names; /* DNS names and IPv4/IPv6 literals; the first is the CN */
    size_t n_names;
    time_t now;
};

/* devca_issue makes a new key and a certificate for it signed by ca.
 * *out_der is malloc'ed (free it); *out_key is the leaf's key (tern_key_free). */
int devca_issue(const struct devca *ca, const struct devca_leaf *leaf, uint8_t **out_der,
                size_t *out_len, tern_key **out_key, char *why, size_t why_cap);

/* devca_pem encodes der as PEM with label ("CERTIFICATE"); malloc'ed,
 * NUL-terminated. devca_key_pem does the same for a key as PKCS#8
 * ("PRIVATE KEY"), wiping the intermediate DER. */
char *devca_pem(const char *label, const uint8_t *der, size_t len);
int devca_key_pem(const tern_key *k, char **out_pem);
/* devca_pem_decode finds the first block with label in pem and decodes it;
 * *out is malloc'ed. */
int devca_pem_decode(const char *pem, size_t len, const char *label, uint8_t **out, size_t *out_len,
                     char *why, size_t why_cap);

#endif
