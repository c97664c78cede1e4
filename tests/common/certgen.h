/* A small certificate writer for tests that need shapes no fixture has
 * (names of hundreds of attributes, odd RSA keys, wide path graphs): DER
 * written by hand, signed with ECDSA P-256 / SHA-256 through the provider. */
#ifndef TERN_TESTS_CERTGEN_H
#define TERN_TESTS_CERTGEN_H

#include "base/bytes.h"
#include "crypto/provider.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* DER helpers on a growable writer. */
void cg_tlv(struct wr *w, uint8_t tag, const void *p, size_t len);
void cg_wrap(struct wr *w, uint8_t tag, struct wr *child); /* frees child */

/* cg_name: a Name of n single-attribute RDNs: "CN=<cn>" when n == 1, else
 * OU=<cn>0, OU=<cn>1 ... and a last CN=<cn>. tag: the string type
 * (0x0c UTF8String, 0x13 PrintableString). */
void cg_name(struct wr *w, const char *cn, size_t n, uint8_t tag);

struct cg_cert {
    const uint8_t *subject, *issuer; /* whole Name DER */
    size_t subject_len, issuer_len;
    const uint8_t *spki; /* whole SubjectPublicKeyInfo */
    size_t spki_len;
    uint8_t ski, aki;    /* one-byte key ids (0: no extension) */
    bool ca;             /* basicConstraints cA, keyUsage keyCertSign */
    bool server_eku;     /* extKeyUsage serverAuth */
    bool client_eku;     /* extKeyUsage clientAuth (as well) */
    const char *san_dns; /* a subjectAltName dNSName, or NULL */
    int64_t not_before, not_after;
    unsigned serial;
};

/* cg_issue writes the certificate signed by signer; *out owned
 * (tern_free). Returns a tern status. */
int cg_issue(const struct cg_cert *c, const struct cry_privkey *signer, uint8_t **out,
             size_t *out_len);

/* cg_spki: the public key of k as SPKI DER, owned. */
uint8_t *cg_spki(const struct cry_privkey *k, size_t *len);

/* cg_rsa_spki: an RSA SPKI with a modulus of mod_bits bits (top bit set,
 * odd, not a real key) and the given exponent bytes (big-endian). */
uint8_t *cg_rsa_spki(unsigned mod_bits, const uint8_t *e, size_t e_len, size_t *len);

/* cg_pem: der as a PEM block with label, NUL-terminated, owned. */
char *cg_pem(const char *label, const uint8_t *der, size_t len);
/* cg_key_pem: the private key as a PKCS#8 "PRIVATE KEY" PEM block, owned. */
char *cg_key_pem(const struct cry_privkey *k);

#endif
