/* The peer's certificate chain, checked with the X.509 verifier the way
 * browsers do: a path to a trusted root, validity now, key usage for the
 * peer's role, and (for a server) the name we dialled. */
#include "hs/peer.h"

#include "base/mem.h"
#include "x509/x509.h"

#include <stdio.h>
#include <string.h>

/* insecure mode: no verification at all, only the leaf's key for
 * CertificateVerify. Named loudly in the API and the tool. */
static int take_leaf_key(tern_conn *c, const struct rd *leaf)
{
    struct x509_cert *cert;
    struct tern_err err;
    err_init(&err);
    if (x509_cert_parse(leaf->p, leaf->len, &cert, &err) != TERN_OK)
        return hs_fail_err(c, &err);
    int rc = cry_pubkey_parse_spki(&c->peer_key, cert->spki.p, cert->spki.len);
    if (rc == TERN_OK) {
        c->have_peer_key = true;
        snprintf(c->peer_subject, sizeof(c->peer_subject), "%s", x509_subject_text(cert));
    }
    x509_cert_free(cert);
    if (rc != TERN_OK)
        return hs_fail(c, TERN_E_UNSUPPORTED_CERTIFICATE,
                       "the peer's certificate key cannot be used (%s)", tern_status_name(rc));
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

int hs_check_peer_chain(tern_conn *c, const struct rd *certs, size_t n)
{
    keep_cert_hash(c, &certs[0]);
    if (c->cfg->insecure)
        return take_leaf_key(c, &certs[0]);

    struct tern_err err;
    err_init(&err);
    struct x509_store *trust = config_trust(c->cfg, &err);
    if (!trust)
        return hs_fail_err(c, &err);

    struct x509_verify_opts opts;
    memset(&opts, 0, sizeof(opts));
    opts.max_depth = -1;
    opts.required_ku = X509_KU_DIGITAL_SIGNATURE;
    opts.profile =
        c->cfg->verify_profile == TERN_VERIFY_RFC5280 ? X509_PROFILE_RFC5280 : X509_PROFILE_WEB;
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
    if (x509_verify(trust, certs, n, &opts, &v, &err) != TERN_OK) {
        x509_verified_cleanup(&v);
        /* A client certificate that does not check out is access denied or a
         * bad certificate; the verifier's code already names which. */
        return hs_fail_err(c, &err);
    }
    c->peer_key = v.leaf_key;
    v.leaf_key.impl = NULL;
    c->have_peer_key = true;
    snprintf(c->peer_subject, sizeof(c->peer_subject), "%s", v.leaf_subject);

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
