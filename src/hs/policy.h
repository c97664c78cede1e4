/* What the application says about the peer's certificates (issue 17): its
 * verify callback, the _DANGEROUS override, pinned public keys and CRLs
 * (kept in the configuration), and what a connection keeps of the peer's
 * chain: the certificates as sent and the verdict on them. */
#ifndef TERN_HS_POLICY_H
#define TERN_HS_POLICY_H

#include "hs/internal.h"
#include "x509/api.h"

#define HS_MAX_PINS 16

/* In tern_config (cfg->policy), made by the first setter that needs it. */
struct hs_policy {
    tern_verify_cb cb;
    void *cb_arg;
    tern_verify_cb override;
    void *override_arg;
    uint8_t pins[HS_MAX_PINS][32]; /* SHA-256 of a SubjectPublicKeyInfo */
    size_t n_pins;
    struct x509_crl *crls[X509_MAX_CRLS];
    size_t n_crls;
};
void hs_policy_free(struct hs_policy *p);

/* In tern_conn (c->peer): the peer's chain as it sent it, and the verdict. */
struct hs_peer {
    size_t n;
    size_t off[HS_MAX_CHAIN], len[HS_MAX_CHAIN];
    bool have_verdict;
    struct tern_verdict verdict; /* path_len 0: no path objects kept */
    uint8_t *der;                /* the certificates, one after the other */
};
void hs_peer_free(tern_conn *c);
/* hs_peer_keep copies the chain (TERN_E_NOMEM fails the connection). */
TERN_MUST_CHECK int hs_peer_keep(tern_conn *c, const struct rd *certs, size_t n);
/* hs_peer_set_verdict records a verdict (err: TERN_OK or the refusal). */
void hs_peer_set_verdict(tern_conn *c, const struct tern_err *err);
/* hs_peer_refused: a verdict exists and refused the chain (then accepted
 * by the report-only policy or the override): no session is kept for
 * resumption, so a later connection cannot skip what this one reported. */
bool hs_peer_refused(const tern_conn *c);
/* hs_peer_none: the client sent no certificate (the verdict says so). */
void hs_peer_none(tern_conn *c);

#endif
