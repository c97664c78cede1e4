/* What the public X.509 API (api.c) shares with the rest of the library:
 * the handshake's policies (hs/policy.c) read verdicts and pins through it. */
#ifndef TERN_X509_API_H
#define TERN_X509_API_H

#include "tern/x509.h"
#include "x509/x509.h"

/* Most CRLs one verification or configuration takes. */
#define X509_MAX_CRLS 64
/* "sha256//" and the base64 of 32 bytes, with its NUL. */
#define X509_PIN_TEXT_MAX (8 + 44 + 1)

/* x509_base64 writes the base64 (RFC 4648 §4, padded) of n bytes and a NUL
 * into out (4 * ((n + 2) / 3) + 1 bytes). */
void x509_base64(const uint8_t *p, size_t n, char *out);
/* x509_verdict_set fills a verdict's status, reason and sentence from err. */
void x509_verdict_set(struct tern_verdict *v, const struct tern_err *err);
/* x509_public_from_der: a new tern_x509 from DER. */
TERN_MUST_CHECK int x509_public_from_der(const uint8_t *der, size_t len, tern_x509 **out,
                                         struct tern_err *err);
/* x509_crl_of: the CRL inside a public tern_crl. */
const struct x509_crl *x509_crl_of(const tern_crl *crl);
/* x509_crl_take: the CRL inside, which the caller now owns; frees crl. */
struct x509_crl *x509_crl_take(tern_crl *crl);

#endif
