/* The peer's certificate chain, checked with the X.509 verifier the way
 * browsers do: a path to a trusted root, validity now, key usage for the
 * peer's role, and (for a server) the name we dialled. */
#include "hs/peer.h"

#include "base/mem.h"
#include "hs/policy.h"
#include "x509/x509.h"

#include <stdio.h>
#include <string.h>

/* leaf_key takes the leaf's key for CertificateVerify without a verified
 * path: in insecure mode, and when a refusal is let through (report-only
 * client certificates, the _DANGEROUS override). */
static int leaf_key(tern_conn *c, const struct rd *leaf)
{
    struct x509_cert *cert;
    struct tern_err err;
    err_init(&err);
    if (x509_cert_parse(leaf->p, leaf->len, &cert, &err) != TERN_OK)
        return hs_fail_err(c, &err);
    int rc = cry_pubkey_parse_spki(&c->peer_key, cert->spki.p, cert->spki.len);
    if (rc == TERN_OK) {
        c->have_peer_key = true;
        hs_peer_subject_set(c, x509_subject_text(cert));
    }
    x509_cert_free(cert);
    if (rc != TERN_OK)
        return hs_fail(c, TERN_E_UNSUPPORTED_CERTIFICATE,
                       "the peer's certificate key cannot be used (%s)", tern_status_name(rc));
    return TERN_OK;
}

/* insecure mode: no verification at all, only the leaf's key for
 * CertificateVerify. Named loudly in the API and the tool. */
static int take_leaf_key(tern_conn *c, const struct rd *leaf)
{
    TRY(leaf_key(c, leaf));
    struct tern_err e;
    err_init(&e);
    hs_peer_set_verdict(c, &e);
    hs_peer_set_reason(c, TERN_VERIFY_NOT_CHECKED);
    c->proofs |= PROOF_PEER_CHAIN;
    struct tern_trace_fact f[] = {{"verification", "SKIPPED (insecure mode)"}};
    hs_trace(c, TERN_TRACE_CHECK, TERN_DIR_LOCAL, "certificate chain",
             "Verification is switched off: anyone could have presented this certificate.", 0, f,
             1);
    return TERN_OK;
}

/* keep_cert_hash remembers the SHA-256 of the peer's leaf certificate: a
 * server's tickets carry it as the client's identity (hs/session.h). */
static void keep_cert_hash(tern_conn *c, const struct rd *leaf)
{
    c->have_peer_cert_hash = cry_hash(CRY_SHA256, leaf->p, leaf->len, c->peer_cert_hash) == TERN_OK;
}

/* check_pins: with pins configured, the leaf's SubjectPublicKeyInfo must
 * hash to one of them (curl's --pinnedpubkey). */
static void check_pins(tern_conn *c, const struct rd *leaf, struct tern_err *err)
{
    const struct hs_policy *p = c->cfg->policy;
    if (!p || !p->n_pins || err->code != TERN_OK)
        return;
    struct x509_cert *cert;
    struct tern_err e;
    err_init(&e);
    if (x509_cert_parse(leaf->p, leaf->len, &cert, &e) != TERN_OK) {
        *err = e;
        return;
    }
    uint8_t h[32];
    bool match = false;
    if (cry_hash(CRY_SHA256, cert->spki.p, cert->spki.len, h) == TERN_OK)
        for (size_t i = 0; i < p->n_pins; i++)
            match |= tern_ct_eq(h, p->pins[i], 32);
    if (!match) {
        char b64[48];
        x509_base64(h, 32, b64);
        err_set(err, TERN_E_BAD_CERTIFICATE,
                "the public key of '%s' (sha256//%s) matches none of the %zu pinned public "
                "key%s",
                x509_subject_text(cert), b64, p->n_pins, p->n_pins == 1 ? "" : "s");
        err->detail = TERN_VERIFY_PIN_MISMATCH;
    }
    x509_cert_free(cert);
}

/* call_cb runs an application callback (the verify callback or the
 * override) on the verdict and the chain; returns its answer, and its
 * sentence in why. */
static int call_cb(tern_conn *c, tern_verify_cb cb, void *arg, const struct rd *certs, size_t n,
                   const struct tern_err *verdict_err, char *why, size_t why_cap)
{
    const uint8_t *ders[HS_MAX_CHAIN];
    size_t lens[HS_MAX_CHAIN];
    for (size_t i = 0; i < n && i < HS_MAX_CHAIN; i++) {
        ders[i] = certs[i].p;
        lens[i] = certs[i].len;
    }
    struct tern_verdict v;
    memset(&v, 0, sizeof(v));
    x509_verdict_set(&v, verdict_err);
    why[0] = 0;
    return cb(arg, c, &v, ders, lens, n < HS_MAX_CHAIN ? n : HS_MAX_CHAIN, why, why_cap);
}

/* A refusal let through: the trace says so, with tern's sentence. */
static int accept_refused(tern_conn *c, const struct rd *leaf, const struct tern_err *err,
                          const char *by)
{
    TRY(leaf_key(c, leaf));
    c->proofs |= PROOF_PEER_CHAIN;
    char verdict[64];
    snprintf(verdict, sizeof(verdict), "refused: %s", tern_verify_reason_name(x509_reason(err)));
    struct tern_trace_fact f[] = {
        {"verdict", verdict},
        {"why", err->msg},
        {"accepted_by", by},
    };
    hs_trace(c, TERN_TRACE_CHECK, TERN_DIR_LOCAL, "certificate chain",
             "The peer's certificate did not pass verification, and the configuration lets the "
             "handshake go on anyway; the application reads the verdict afterwards.",
             0, f, 3);
    return TERN_OK;
}

/* The override vouched for the chain (TERN_OVERRIDE_VERIFIED): it checked
 * it by its own means, so the verdict is an acceptance and the connection
 * counts as verified (a server keeps its session for resumption). */
static int accept_verified(tern_conn *c, const struct rd *leaf, const struct tern_err *refusal)
{
    TRY(leaf_key(c, leaf));
    c->proofs |= PROOF_PEER_CHAIN;
    struct tern_err ok;
    err_init(&ok);
    hs_peer_set_verdict(c, &ok);
    struct tern_trace_fact f[] = {
        {"tern_found", refusal->msg},
        {"accepted_by", "the application's override, which verified the chain itself"},
    };
    hs_trace(c, TERN_TRACE_CHECK, TERN_DIR_LOCAL, "certificate chain",
             "The application checked the peer's certificate chain against its own trust (tern's "
             "own checks had nothing to go on) and accepted it: the chain counts as verified.",
             0, f, 2);
    return TERN_OK;
}

int hs_check_peer_chain(tern_conn *c, const struct rd *certs, size_t n)
{
    keep_cert_hash(c, &certs[0]);
    TRY(hs_peer_keep(c, certs, n));
    if (c->cfg->insecure) {
        /* Pins still hold without verification (curl's -k with
         * --pinnedpubkey): a self-signed server known by its key. */
        struct tern_err pe;
        err_init(&pe);
        check_pins(c, &certs[0], &pe);
        if (pe.code != TERN_OK) {
            hs_peer_set_verdict(c, &pe);
            return hs_fail_err(c, &pe);
        }
        return take_leaf_key(c, &certs[0]);
    }

    struct tern_err err;
    err_init(&err);
    struct x509_store *trust = config_trust(c->cfg, &err);
    if (!trust)
        return hs_fail_err(c, &err);

    const struct hs_policy *pol = c->cfg->policy;
    struct x509_verify_opts opts;
    memset(&opts, 0, sizeof(opts));
    opts.max_depth = -1;
    opts.required_ku = X509_KU_DIGITAL_SIGNATURE;
    opts.profile =
        c->cfg->verify_profile == TERN_VERIFY_RFC5280 ? X509_PROFILE_RFC5280 : X509_PROFILE_WEB;
    if (pol) {
        opts.crls = (const struct x509_crl *const *)pol->crls;
        opts.n_crls = pol->n_crls;
    }
    if (c->is_server) {
        opts.purpose = X509_PURPOSE_CLIENT;
    } else {
        uint8_t ip[16];
        size_t ip_len;
        opts.purpose = X509_PURPOSE_SERVER;
        if (x509_ip_parse(c->server_name, ip, &ip_len))
            opts.ip = c->server_name;
        else
            opts.host = c->server_name;
    }
    struct x509_verified v;
    memset(&v, 0, sizeof(v));
    int rc = x509_verify(trust, certs, n, &opts, &v, &err);
    if (rc != TERN_OK)
        x509_verified_cleanup(&v);
    check_pins(c, &certs[0], &err);
    if (pol && pol->cb) {
        char why[TERN_ERR_MSG_MAX];
        if (call_cb(c, pol->cb, pol->cb_arg, certs, n, &err, why, sizeof(why)) != 0 &&
            err.code == TERN_OK) {
            err_set(&err, TERN_E_BAD_CERTIFICATE, "the application refused the certificate: %s",
                    why[0] ? why : "(its verify callback gave no reason)");
            err.detail = TERN_VERIFY_REFUSED;
        }
    }
    hs_peer_set_verdict(c, &err);
    if (err.code != TERN_OK) {
        x509_verified_cleanup(&v);
        char why[TERN_ERR_MSG_MAX];
        int ov = pol && pol->override ? call_cb(c, pol->override, pol->override_arg, certs, n, &err,
                                                why, sizeof(why))
                                      : 0;
        if (ov == TERN_OVERRIDE_VERIFIED)
            return accept_verified(c, &certs[0], &err);
        if (ov != 0)
            return accept_refused(c, &certs[0], &err, "the application's override (..._DANGEROUS)");
        if (c->is_server && c->client_auth == TERN_CLIENT_AUTH_OPTIONAL_REPORT_ONLY)
            return accept_refused(c, &certs[0], &err, "client-auth policy optional, report only");
        /* A client certificate that does not check out is access denied or a
         * bad certificate; the verifier's code already names which. */
        return hs_fail_err(c, &err);
    }
    c->peer_key = v.leaf_key;
    v.leaf_key.impl = NULL;
    c->have_peer_key = true;
    hs_peer_subject_set(c, v.leaf_subject);
    char chain[512] = "";
    for (size_t i = 0; i < v.n; i++)
        snprintf(chain + strlen(chain), sizeof(chain) - strlen(chain), "%s%s", i ? " <- " : "",
                 v.subjects[i]);
    struct tern_trace_fact f[] = {
        {"subject", v.leaf_subject},
        {"chain", chain},
        {"name", c->is_server ? "(client certificate)" : c->server_name},
        {"checks", "signatures, validity dates, key usage, name: passed"},
    };
    hs_trace(c, TERN_TRACE_CHECK, TERN_DIR_LOCAL, "certificate chain",
             c->is_server ? "We checked the client's certificate: it chains to an authority we "
                            "trust, is within its dates, and is meant for client authentication."
                          : "We checked the server's certificate: it chains to a root we trust, "
                            "is within its validity dates, may be used for a TLS server, and "
                            "names the host we dialled.",
             0, f, 4);
    x509_verified_cleanup(&v);
    c->proofs |= PROOF_PEER_CHAIN;
    return TERN_OK;
}
