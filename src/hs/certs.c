/* Our certificate chains: loaded into a configuration (PEM, DER, files;
 * keys perhaps encrypted), and one chosen for each ClientHello by the
 * server (after the application's server-name callback). The rules are
 * tern.h's, in one place: hs_server_pick_cert. */
#include "base/mem.h"
#include "hs/internal.h"
#include "hs/tls12.h"
#include "x509/x509.h"

#include "base/der.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static void cert_cleanup(struct hs_cert *k)
{
    for (size_t i = 0; i < k->chain_n; i++)
        tern_free(k->chain[i]);
    cry_privkey_cleanup(&k->key);
    x509_cert_free(k->leaf);
    memset(k, 0, sizeof(*k));
}

void config_clear_certs(tern_config *cfg)
{
    for (size_t i = 0; i < cfg->n_certs; i++)
        cert_cleanup(&cfg->certs[i]);
    cfg->n_certs = 0;
}

/* leaf_scheme: the TLS scheme of the signature on the leaf, as a client's
 * signature_algorithms_cert names it; the issuer's key decides the ECDSA
 * curve when the issuer is in the chain. */
static uint16_t leaf_scheme(const struct hs_cert *k)
{
    const struct x509_sigalg *a = &k->leaf->sigalg;
    if (!a->known)
        return 0;
    enum cry_key_type issuer = CRY_KEY_NONE;
    struct x509_cert *up = NULL;
    struct tern_err e;
    err_init(&e);
    if (k->chain_n > 1 && x509_cert_parse(k->chain[1], k->chain_len[1], &up, &e) == TERN_OK)
        issuer = up->key_type;
    x509_cert_free(up);
    if (a->alg == CRY_SIG_RSA_PSS && issuer == CRY_KEY_NONE)
        issuer = CRY_KEY_RSA;
    return cry_scheme_for(a->alg, a->hash, issuer);
}

/* config_take_chain moves a loaded chain and key into the next free slot. */
int config_take_chain(tern_config *cfg, struct x509_chain_key *ck)
{
    if (ck->n > HS_MAX_CHAIN) {
        size_t n = ck->n;
        x509_chain_key_cleanup(ck);
        return config_fail(cfg, TERN_E_LIMIT,
                           "the chain has %zu certificates; tern sends at most %d", n,
                           HS_MAX_CHAIN);
    }
    if (cfg->n_certs == HS_MAX_CERTS) {
        x509_chain_key_cleanup(ck);
        return config_fail(cfg, TERN_E_LIMIT,
                           "the configuration already holds %d certificate chains, the most it "
                           "takes",
                           HS_MAX_CERTS);
    }
    struct hs_cert *k = &cfg->certs[cfg->n_certs];
    memset(k, 0, sizeof(*k));
    struct tern_err pe;
    err_init(&pe);
    if (x509_cert_parse(ck->ders[0], ck->lens[0], &k->leaf, &pe) != TERN_OK) {
        x509_chain_key_cleanup(ck);
        return config_fail(cfg, pe.code, "%s", pe.msg);
    }
    for (size_t i = 0; i < ck->n; i++) {
        k->chain[i] = ck->ders[i];
        k->chain_len[i] = ck->lens[i];
        ck->ders[i] = NULL;
    }
    k->chain_n = ck->n;
    k->key = ck->key;
    memset(&ck->key, 0, sizeof(ck->key)); /* moved: the slot owns it now */
    ck->n = 0;
    x509_chain_key_cleanup(ck);
    k->leaf_scheme = leaf_scheme(k);
    for (size_t i = 0; i < k->chain_n; i++) {
        struct x509_cert *cert = i ? NULL : k->leaf;
        if (i && x509_cert_parse(k->chain[i], k->chain_len[i], &cert, &pe) != TERN_OK)
            break;
        size_t l = strlen(k->chain_text);
        snprintf(k->chain_text + l, sizeof(k->chain_text) - l, "%s%s", i ? " <- " : "",
                 x509_subject_text(cert));
        if (i)
            x509_cert_free(cert);
    }
    cfg->n_certs++;
    return TERN_OK;
}

static struct x509_password password_of(const tern_config *cfg)
{
    return (struct x509_password){cfg->key_password_cb, cfg->key_password_arg};
}

int tern_config_add_cert_chain_pem(tern_config *cfg, const char *chain_pem, size_t chain_len,
                                   const char *key_pem, size_t key_len)
{
    if (!cfg || !chain_pem || !key_pem)
        return TERN_E_ARG;
    TRY(config_check_mutable(cfg));
    struct x509_chain_key ck;
    struct tern_err e;
    err_init(&e);
    struct x509_password pw = password_of(cfg);
    int rc = x509_load_chain_and_key(chain_pem, chain_len, key_pem, key_len, &pw, &ck, &e);
    if (rc != TERN_OK)
        return config_fail(cfg, rc, "%s", e.msg);
    return config_take_chain(cfg, &ck);
}

int tern_config_add_cert_chain_der(tern_config *cfg, const uint8_t *const *certs,
                                   const size_t *cert_lens, size_t n, const uint8_t *key_der,
                                   size_t key_len)
{
    if (!cfg)
        return TERN_E_ARG;
    TRY(config_check_mutable(cfg));
    struct x509_chain_key ck;
    struct tern_err e;
    err_init(&e);
    struct x509_password pw = password_of(cfg);
    int rc = x509_load_chain_and_key_der(certs, cert_lens, n, key_der, key_len, &pw, &ck, &e);
    if (rc != TERN_OK)
        return config_fail(cfg, rc, "%s", e.msg);
    return config_take_chain(cfg, &ck);
}

int tern_config_add_cert_chain_file(tern_config *cfg, const char *chain_path, const char *key_path)
{
    if (!cfg || !chain_path || !key_path)
        return TERN_E_ARG;
    TRY(config_check_mutable(cfg));
    size_t chain_len, key_len;
    char *chain = config_slurp(cfg, chain_path, &chain_len);
    if (!chain)
        return cfg->err.code;
    char *key = config_slurp(cfg, key_path, &key_len);
    if (!key) {
        tern_free(chain);
        return cfg->err.code;
    }
    int rc = tern_config_add_cert_chain_pem(cfg, chain, chain_len, key, key_len);
    tern_free(chain);
    tern_free_secret(key, key_len);
    if (rc != TERN_OK) {
        char msg[TERN_ERR_MSG_MAX * 2];
        snprintf(msg, sizeof(msg), "%s (chain %s, key %s)", cfg->err.msg, chain_path, key_path);
        msg[sizeof(cfg->err.msg) - 1] = '\0';
        memcpy(cfg->err.msg, msg, sizeof(cfg->err.msg));
    }
    return rc;
}

/* replace: the set_ forms load the new chain first, so a failure leaves
 * the configuration's chains as they were. */
static int replace(tern_config *cfg, int rc)
{
    if (rc != TERN_OK)
        return rc;
    struct hs_cert added = cfg->certs[cfg->n_certs - 1];
    cfg->n_certs--;
    config_clear_certs(cfg);
    cfg->certs[0] = added;
    cfg->n_certs = 1;
    return TERN_OK;
}

int tern_config_set_cert_chain_pem(tern_config *cfg, const char *chain_pem, size_t chain_len,
                                   const char *key_pem, size_t key_len)
{
    if (cfg && cfg->n_certs == HS_MAX_CERTS && config_check_mutable(cfg) == TERN_OK)
        config_clear_certs(cfg); /* room for the one that replaces them */
    return replace(cfg,
                   tern_config_add_cert_chain_pem(cfg, chain_pem, chain_len, key_pem, key_len));
}

int tern_config_set_cert_chain_file(tern_config *cfg, const char *chain_path, const char *key_path)
{
    if (cfg && cfg->n_certs == HS_MAX_CERTS && config_check_mutable(cfg) == TERN_OK)
        config_clear_certs(cfg);
    return replace(cfg, tern_config_add_cert_chain_file(cfg, chain_path, key_path));
}

size_t tern_config_cert_count(const tern_config *cfg)
{
    return cfg ? cfg->n_certs : 0;
}

void tern_config_set_key_password_callback(tern_config *cfg, tern_password_cb cb, void *arg)
{
    if (!cfg || config_check_mutable(cfg) != TERN_OK)
        return;
    cfg->key_password_cb = cb;
    cfg->key_password_arg = arg;
}

void tern_config_set_server_name_callback(tern_config *cfg, tern_server_name_cb cb, void *arg)
{
    if (!cfg || config_check_mutable(cfg) != TERN_OK)
        return;
    cfg->server_name_cb = cb;
    cfg->server_name_arg = arg;
}

tern_config *tern_config_ref(tern_config *cfg)
{
    if (cfg)
        config_ref(cfg);
    return cfg;
}

int tern_conn_use_config(tern_conn *c, tern_config *other)
{
    if (!c || !other || !c->in_sni_cb)
        return err_set(NULL, TERN_E_ARG,
                       "tern_conn_use_config works only inside the server-name callback");
    if (other->n_certs == 0)
        return err_set(NULL, TERN_E_ARG, "the configuration handed over holds no certificate");
    config_ref(other);
    config_freeze(other);
    if (c->cert_cfg && c->cert_cfg != c->cfg)
        tern_config_free(c->cert_cfg);
    c->cert_cfg = other;
    return TERN_OK;
}

int tern_conn_set_client_auth(tern_conn *c, enum tern_client_auth policy)
{
    if (!c || !c->is_server || !c->in_sni_cb)
        return err_set(NULL, TERN_E_ARG,
                       "tern_conn_set_client_auth works only inside the server-name callback");
    if (policy > TERN_CLIENT_AUTH_OPTIONAL_REPORT_ONLY)
        return err_set(NULL, TERN_E_ARG, "client-authentication policy %d is not one of tern's",
                       (int)policy);
    c->client_auth = policy;
    return TERN_OK;
}

/* ---- choosing ---- */

/* name_match: 2 when a DNS name of the leaf is host exactly, 1 when only a
 * wildcard covers it, 0 otherwise. */
static int name_match(const struct hs_cert *k, const char *host)
{
    if (!host || !k->leaf->has_san)
        return 0;
    struct rd r = k->leaf->san, v;
    uint8_t tag;
    int best = 0;
    size_t hl = strlen(host);
    /* bounded: the SAN was parsed whole when the chain was loaded */
    while (!rd_empty(&r) && der_next(&r, &tag, &v, NULL)) {
        if (tag != DER_CONTEXT(2))
            continue;
        if (v.len == hl && strncasecmp((const char *)v.p, host, hl) == 0)
            return 2;
        if (v.len > 2 && v.p[0] == '*' && x509_dns_match(v.p, v.len, host))
            best = 1;
    }
    return best;
}

const struct hs_cert *hs_cert_for_name(const tern_config *cfg, const char *host)
{
    const struct hs_cert *wild = NULL;
    for (size_t i = 0; i < cfg->n_certs; i++) {
        int m = name_match(&cfg->certs[i], host);
        if (m == 2)
            return &cfg->certs[i];
        if (m == 1 && !wild)
            wild = &cfg->certs[i];
    }
    return wild ? wild : cfg->n_certs ? &cfg->certs[0] : NULL;
}

bool hs_key_fits_scheme13(uint16_t scheme, enum cry_key_type k)
{
    const struct cry_scheme_info *info = cry_scheme_lookup(scheme);
    if (!info || info->alg == CRY_SIG_RSA_PKCS1)
        return false; /* RFC 8446 §4.2.3: not for TLS 1.3 handshake signatures */
    return info->key == k ||
           (info->alg == CRY_SIG_RSA_PSS && k == CRY_KEY_RSA && info->key == CRY_KEY_RSA);
}

/* can_sign: our key can answer this client: a scheme we enable and it offers
 * fits the key (TLS 1.3), or a suite and, for ECDHE, a scheme (TLS 1.2). */
static bool can_sign(const tern_conn *c, const struct hs_cert *k, const uint16_t *suites12,
                     size_t n_suites12)
{
    const tern_config *cfg = c->cfg;
    bool scheme13 = false, scheme12 = false;
    for (size_t i = 0; i < cfg->n_sigs; i++) {
        uint16_t s = cfg->sigs[i];
        if (!hs_list_has(c->peer_sigs, c->n_peer_sigs, s))
            continue;
        scheme13 |= hs_key_fits_scheme13(s, k->key.type);
        scheme12 |= hs12_scheme_fits(s, k->key.type);
    }
    if (!suites12)
        return scheme13;
    for (size_t i = 0; i < cfg->n_suites; i++) {
        const struct hs_suite12 *s = hs_suite12(cfg->suites[i]);
        if (!s || !hs_list_has(suites12, n_suites12, s->id) || !hs12_key_fits(s->kx, k->key.type))
            continue;
        if (s->kx == HS12_KX_RSA || scheme12)
            return true;
    }
    return false;
}

/* offered_versions: the versions tern speaks that the ClientHello offers
 * (supported_versions, else TLS 1.2 from legacy_version). */
static size_t offered_versions(const struct hs_exts *ext, uint16_t out[2])
{
    if (!hs_ext_has(ext, EXT_SUPPORTED_VERSIONS)) {
        out[0] = TERN_TLS12;
        return 1;
    }
    struct rd sv = ext->body[EXT_SUPPORTED_VERSIONS], vl;
    size_t n = 0;
    uint16_t v;
    if (rd_prefixed8(&sv, &vl)) /* validated by the version choice already */
        while (n < 2 && rd_u16(&vl, &v))
            if ((v == TERN_TLS13 || v == TERN_TLS12) && (n == 0 || out[0] != v))
                out[n++] = v;
    return n;
}

/* run_sni_callback: the application's say on this ClientHello. */
static int run_sni_callback(tern_conn *c, const struct hs_exts *ext)
{
    tern_config *cfg = c->cfg;
    uint16_t versions[2];
    size_t n_versions = offered_versions(ext, versions);
    struct rd alpn = {0};
    if (hs_ext_has(ext, EXT_ALPN))
        TRY(hs_read_alpn_list(c, ext->body[EXT_ALPN], &alpn));
    /* supported_groups as sent (checked by the version's own parser) */
    uint16_t groups[TERN_HELLO_GROUPS_MAX];
    size_t n_groups = 0;
    struct rd sg = ext->body[EXT_SUPPORTED_GROUPS], gl;
    if (hs_ext_has(ext, EXT_SUPPORTED_GROUPS) && rd_prefixed16(&sg, &gl))
        while (n_groups < TERN_HELLO_GROUPS_MAX && rd_u16(&gl, &groups[n_groups]))
            n_groups++;
    {
        struct tern_client_hello_info info = {
            .server_name = c->server_name,
            .alpn = alpn.len ? alpn.p : NULL,
            .alpn_len = alpn.len,
            .versions = versions,
            .n_versions = n_versions,
            .sig_schemes = c->peer_sigs,
            .n_sig_schemes = c->n_peer_sigs,
            .groups = n_groups ? groups : NULL,
            .n_groups = n_groups,
        };
        c->in_sni_cb = true;
        enum tern_sni_verdict v = cfg->server_name_cb(cfg->server_name_arg, c, &info);
        c->in_sni_cb = false;
        if (v == TERN_SNI_UNRECOGNIZED_NAME)
            return hs_fail(c, TERN_E_UNRECOGNIZED_NAME,
                           "the server does not serve %s%s%s (its server-name callback refused "
                           "the ClientHello)",
                           c->server_name ? "'" : "a client that names no host",
                           c->server_name ? c->server_name : "", c->server_name ? "'" : "");
        if (v != TERN_SNI_CONTINUE)
            return hs_fail(c, TERN_E_HANDSHAKE_FAILURE,
                           "the server's server-name callback refused the ClientHello (server "
                           "name %s)",
                           c->server_name ? c->server_name : "none");
    }
    return TERN_OK;
}

int hs_server_pick_cert(tern_conn *c, const struct hs_exts *ext, const uint16_t *suites12,
                        size_t n_suites12)
{
    if (c->cfg->server_name_cb)
        TRY(run_sni_callback(c, ext));
    /* RFC 8446 §4.2.3: the schemes the client takes in certificates. */
    uint16_t sc[HS_KNOWN_MAX];
    size_t n_sig_cert = 0;
    const uint16_t *sig_cert = NULL;
    if (hs_ext_has(ext, EXT_SIGNATURE_ALGORITHMS_CERT)) {
        struct rd b = ext->body[EXT_SIGNATURE_ALGORITHMS_CERT], l;
        if (!rd_prefixed16(&b, &l) || !rd_empty(&b))
            return hs_fail(c, TERN_E_DECODE, "ClientHello: malformed signature_algorithms_cert");
        TRY(hs_read_u16_list(c, l, "ClientHello's signature_algorithms_cert", hs_known_scheme, sc,
                             HS_KNOWN_MAX, &n_sig_cert, NULL));
        sig_cert = sc;
    }
    const tern_config *from = c->cert_cfg ? c->cert_cfg : c->cfg;
    if (from->n_certs == 0)
        return hs_fail(c, TERN_E_ARG,
                       "the server has no certificate: call tern_config_set_cert_chain_file "
                       "first");
    /* Names: exact, else wildcard, else every chain. */
    int want = 0;
    for (size_t i = 0; i < from->n_certs && want < 2; i++) {
        int m = name_match(&from->certs[i], c->server_name);
        want = m > want ? m : want;
    }
    const struct hs_cert *pick = NULL, *signer = NULL;
    for (size_t i = 0; i < from->n_certs && !pick; i++) {
        const struct hs_cert *k = &from->certs[i];
        if (want && name_match(k, c->server_name) != want)
            continue;
        if (!can_sign(c, k, suites12, n_suites12))
            continue;
        /* RFC 8446 §4.2.3: prefer a chain whose signatures the client
         * listed in signature_algorithms_cert; without it any will do. */
        if (!sig_cert || hs_list_has(sig_cert, n_sig_cert, k->leaf_scheme))
            pick = k;
        else if (!signer)
            signer = k;
    }
    if (!pick)
        pick = signer;
    if (!pick) {
        /* Nothing fits: the first by name, and the handshake says why. */
        for (size_t i = 0; i < from->n_certs && !pick; i++)
            if (!want || name_match(&from->certs[i], c->server_name) == want)
                pick = &from->certs[i];
    }
    c->cert = pick;
    return TERN_OK;
}

/* ---- certificate_authorities (RFC 8446 §4.2.4, RFC 5246 §7.4.4) ---- */

int tern_config_add_client_ca_name(tern_config *cfg, const uint8_t *name_der, size_t len)
{
    if (!cfg || !name_der)
        return TERN_E_ARG;
    TRY(config_check_mutable(cfg));
    struct rd r, name;
    uint8_t tag;
    rd_init(&r, name_der, len);
    if (len == 0 || !der_next(&r, &tag, &name, NULL) || tag != DER_SEQUENCE || !rd_empty(&r))
        return config_fail(cfg, TERN_E_ARG,
                           "a certificate authority's name must be one DER Name (a SEQUENCE), "
                           "not %zu bytes of something else",
                           len);
    if (cfg->ca_names.len + 2 + len > 0xffff)
        return config_fail(cfg, TERN_E_LIMIT,
                           "the certificate authority names would exceed the 65,535 bytes a "
                           "CertificateRequest can carry");
    if (!cfg->ca_names.growable)
        wr_init_grow(&cfg->ca_names);
    size_t at = wr_open_u16(&cfg->ca_names);
    wr_bytes(&cfg->ca_names, name_der, len);
    wr_close(&cfg->ca_names, at);
    if (!wr_ok(&cfg->ca_names))
        return config_fail(cfg, TERN_E_NOMEM, "out of memory adding a certificate authority name");
    return TERN_OK;
}

int tern_config_send_client_ca_names(tern_config *cfg, int on)
{
    if (!cfg)
        return TERN_E_ARG;
    TRY(config_check_mutable(cfg));
    cfg->ca_names_from_trust = on != 0;
    return TERN_OK;
}

/* The names come with the certificate: from the configuration the
 * server-name callback switched to, if it did (tern_conn_use_config). */
bool hs_has_ca_names(const tern_conn *c)
{
    const tern_config *cfg = c->cert_cfg ? c->cert_cfg : c->cfg;
    return cfg->ca_names.len > 0 || cfg->ca_names_from_trust;
}

int hs_write_ca_names(tern_conn *c, struct wr *w)
{
    tern_config *cfg = c->cert_cfg ? c->cert_cfg : c->cfg;
    size_t list = wr_open_u16(w), start = w->len;
    wr_bytes(w, cfg->ca_names.buf, cfg->ca_names.len);
    if (cfg->ca_names_from_trust) {
        struct tern_err e;
        err_init(&e);
        struct x509_store *trust = config_trust(cfg, &e);
        if (!trust)
            return hs_fail_err(c, &e);
        for (size_t i = 0; i < x509_store_count(trust); i++) {
            const struct rd *subj = &x509_store_get(trust, i)->subject;
            if (w->len - start + 2 + subj->len > 0xffff)
                break; /* the rest do not fit a CertificateRequest */
            size_t n = wr_open_u16(w);
            wr_bytes(w, subj->p, subj->len);
            wr_close(w, n);
        }
    }
    wr_close(w, list);
    return TERN_OK;
}

int hs_keep_peer_ca_names(tern_conn *c, struct rd list)
{
    struct rd r = list, dn;
    size_t n = 0;
    while (!rd_empty(&r)) { /* linear: each name is skipped once */
        if (!rd_prefixed16_nonempty(&r, &dn))
            return hs_fail(c, TERN_E_DECODE,
                           "CertificateRequest: certificate authority name %zu is empty or runs "
                           "past the end of the list",
                           n + 1);
        n++;
    }
    tern_free(c->peer_ca_names);
    c->peer_ca_names = NULL;
    c->peer_ca_names_len = 0;
    if (list.len == 0)
        return TERN_OK;
    c->peer_ca_names = tern_memdup(list.p, list.len);
    if (!c->peer_ca_names)
        return hs_fail(c, TERN_E_NOMEM, "out of memory keeping the server's CA names");
    c->peer_ca_names_len = list.len;
    return TERN_OK;
}

size_t tern_conn_peer_ca_count(const tern_conn *c)
{
    if (!c)
        return 0;
    struct rd r, dn;
    rd_init(&r, c->peer_ca_names, c->peer_ca_names_len);
    size_t n = 0;
    while (rd_prefixed16(&r, &dn))
        n++;
    return n;
}

int tern_conn_peer_ca_name(const tern_conn *c, size_t i, const uint8_t **der, size_t *len)
{
    if (!c || !der || !len)
        return TERN_E_ARG;
    struct rd r, dn;
    rd_init(&r, c->peer_ca_names, c->peer_ca_names_len);
    for (size_t k = 0; rd_prefixed16(&r, &dn); k++) {
        if (k == i) {
            *der = dn.p;
            *len = dn.len;
            return TERN_OK;
        }
    }
    return TERN_E_ARG;
}
