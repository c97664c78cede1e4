/* The application's policies on the peer's certificates, and what a
 * connection keeps of them: the setters and getters of include/tern/x509.h
 * that concern configurations and connections. hs/peer.c applies them. */
#include "hs/policy.h"

#include "base/mem.h"

#include <stdio.h>
#include <string.h>

void hs_policy_free(struct hs_policy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_crls; i++)
        x509_crl_free(p->crls[i]);
    tern_free(p);
}

static struct hs_policy *policy(tern_config *cfg)
{
    if (!cfg->policy)
        cfg->policy = tern_calloc(1, sizeof(*cfg->policy));
    return cfg->policy;
}

void tern_config_set_verify_callback(tern_config *cfg, tern_verify_cb cb, void *arg)
{
    if (config_check_mutable(cfg) != TERN_OK)
        return;
    struct hs_policy *p = policy(cfg);
    if (!p) {
        config_fail(cfg, TERN_E_NOMEM, "out of memory");
        return;
    }
    p->cb = cb;
    p->cb_arg = arg;
}

void tern_config_set_verify_override_DANGEROUS(tern_config *cfg, tern_verify_cb cb, void *arg)
{
    if (config_check_mutable(cfg) != TERN_OK)
        return;
    struct hs_policy *p = policy(cfg);
    if (!p) {
        config_fail(cfg, TERN_E_NOMEM, "out of memory");
        return;
    }
    p->override = cb;
    p->override_arg = arg;
}

static int b64(char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    return ch == '+' ? 62 : ch == '/' ? 63 : -1;
}

/* One pin: "sha256//" and 44 base64 characters (32 bytes, one '='). */
static bool parse_pin(const char *p, size_t n, uint8_t out[32])
{
    if (n != 8 + 44 || memcmp(p, "sha256//", 8) != 0 || p[n - 1] != '=')
        return false;
    p += 8;
    size_t o = 0;
    for (size_t i = 0; i < 44; i += 4) {
        int v[4];
        for (int k = 0; k < 4; k++)
            v[k] = p[i + k] == '=' && i == 40 && k == 3 ? 0 : b64(p[i + k]);
        if (v[0] < 0 || v[1] < 0 || v[2] < 0 || v[3] < 0)
            return false;
        uint32_t w =
            (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        out[o++] = (uint8_t)(w >> 16);
        out[o++] = (uint8_t)(w >> 8);
        if (o < 32)
            out[o++] = (uint8_t)w;
        else if (w & 0xff)
            return false; /* bits past the 32 bytes: not a canonical encoding */
    }
    return o == 32;
}

int tern_config_add_pinned_pubkey(tern_config *cfg, const char *pins)
{
    TRY(config_check_mutable(cfg));
    if (!pins || !*pins)
        return config_fail(cfg, TERN_E_ARG, "no public-key pin given");
    struct hs_policy *p = policy(cfg);
    if (!p)
        return config_fail(cfg, TERN_E_NOMEM, "out of memory");
    uint8_t parsed[HS_MAX_PINS][32];
    size_t n = 0;
    for (const char *s = pins; *s;) {
        const char *end = strchr(s, ';');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        if (n + p->n_pins == HS_MAX_PINS)
            return config_fail(cfg, TERN_E_LIMIT, "more than %d public-key pins", HS_MAX_PINS);
        if (!parse_pin(s, len, parsed[n]))
            return config_fail(cfg, TERN_E_ARG,
                               "public-key pin '%.*s' is not sha256// and the base64 of 32 bytes "
                               "(curl's --pinnedpubkey form)",
                               (int)(len > 80 ? 80 : len), s);
        n++;
        s += len + (end ? 1 : 0);
    }
    memcpy(p->pins[p->n_pins], parsed, n * 32);
    p->n_pins += n;
    return TERN_OK;
}

static int add_crls(tern_config *cfg, const uint8_t *data, size_t len, const char *what)
{
    struct hs_policy *p = policy(cfg);
    if (!p)
        return config_fail(cfg, TERN_E_NOMEM, "out of memory");
    tern_crl *got[X509_MAX_CRLS];
    size_t n = 0;
    char why[TERN_ERR_MSG_MAX];
    int rc = tern_crl_parse_all(data, len, got, X509_MAX_CRLS - p->n_crls, &n, why, sizeof(why));
    if (rc != TERN_OK)
        return config_fail(cfg, rc, "CRL %s: %s", what, why);
    for (size_t i = 0; i < n; i++)
        p->crls[p->n_crls++] = x509_crl_take(got[i]);
    return TERN_OK;
}

int tern_config_add_crl_pem(tern_config *cfg, const uint8_t *data, size_t len)
{
    TRY(config_check_mutable(cfg));
    return add_crls(cfg, data, len, "from memory");
}

int tern_config_add_crl_file(tern_config *cfg, const char *path)
{
    TRY(config_check_mutable(cfg));
    uint8_t *text;
    size_t len;
    struct tern_err e;
    err_init(&e);
    if (x509_load_file(path, &text, &len, &e) != TERN_OK)
        return config_fail(cfg, e.code, "%s", e.msg);
    int rc = add_crls(cfg, text, len, path);
    tern_free(text);
    return rc;
}

/* ---- the peer's chain on a connection ---- */

void hs_peer_free(tern_conn *c)
{
    if (!c->peer)
        return;
    tern_free(c->peer->der);
    tern_free(c->peer);
    c->peer = NULL;
}

int hs_peer_keep(tern_conn *c, const struct rd *certs, size_t n)
{
    hs_peer_free(c);
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += certs[i].len;
    struct hs_peer *p = tern_calloc(1, sizeof(*p));
    if (!p || n > HS_MAX_CHAIN || !(p->der = tern_malloc(total ? total : 1))) {
        tern_free(p);
        return hs_fail(c, TERN_E_NOMEM, "out of memory keeping the peer's certificates");
    }
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(p->der + off, certs[i].p, certs[i].len);
        p->off[i] = off;
        p->len[i] = certs[i].len;
        off += certs[i].len;
    }
    p->n = n;
    c->peer = p;
    return TERN_OK;
}

void hs_peer_set_verdict(tern_conn *c, const struct tern_err *err)
{
    if (!c->peer && !(c->peer = tern_calloc(1, sizeof(*c->peer))))
        return; /* no verdict to read: tern_conn_peer_verdict says so */
    x509_verdict_set(&c->peer->verdict, err);
    c->peer->have_verdict = true;
}

bool hs_peer_refused(const tern_conn *c)
{
    return c->peer && c->peer->n > 0 && c->peer->have_verdict && c->peer->verdict.status != TERN_OK;
}

void hs_peer_none(tern_conn *c)
{
    struct tern_err e;
    err_init(&e);
    err_set(&e, TERN_E_CERTIFICATE_REQUIRED, "the client sent no certificate");
    e.detail = TERN_VERIFY_NO_CERTIFICATE;
    hs_peer_free(c);
    hs_peer_set_verdict(c, &e);
}

size_t tern_conn_peer_cert_count(const tern_conn *c)
{
    return c && c->peer ? c->peer->n : 0;
}

int tern_conn_peer_cert_der(const tern_conn *c, size_t i, const uint8_t **out_der, size_t *out_len)
{
    if (!c || !c->peer || i >= c->peer->n)
        return TERN_E_ARG;
    *out_der = c->peer->der + c->peer->off[i];
    *out_len = c->peer->len[i];
    return TERN_OK;
}

int tern_conn_peer_cert(const tern_conn *c, size_t i, tern_x509 **out)
{
    const uint8_t *der;
    size_t len;
    *out = NULL;
    TRY(tern_conn_peer_cert_der(c, i, &der, &len));
    struct tern_err e;
    err_init(&e);
    return x509_public_from_der(der, len, out, &e);
}

int tern_conn_peer_verdict(const tern_conn *c, struct tern_verdict *out)
{
    memset(out, 0, sizeof(*out));
    if (!c || !c->peer || !c->peer->have_verdict)
        return TERN_E_ARG;
    *out = c->peer->verdict;
    return TERN_OK;
}
