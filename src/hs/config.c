/* The configuration: secure defaults, validated setters, immutable once a
 * connection uses it, reference counted so connections can outlive the
 * caller's handle. */
#include "base/mem.h"
#include "hs/internal.h"
#include "hs/policy.h"
#include "hs/session.h"
#include "hs/store.h"
#include "base/der.h"
#include "x509/x509.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const uint16_t default_suites[] = {
    TERN_TLS_AES_128_GCM_SHA256,
    TERN_TLS_AES_256_GCM_SHA384,
    TERN_TLS_CHACHA20_POLY1305_SHA256,
    /* TLS 1.2 for legacy peers: ECDHE and AEAD only. RSA key transport
     * (no forward secrecy) is never a default. */
    TERN_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    TERN_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    TERN_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    TERN_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    TERN_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    TERN_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
};

static const uint16_t default_groups[] = {
    TERN_GROUP_X25519MLKEM768,
    TERN_GROUP_X25519,
    TERN_GROUP_SECP256R1,
    TERN_GROUP_SECP384R1,
};

static const uint16_t default_sigs[] = {
    TERN_SIG_ECDSA_SECP256R1_SHA256, TERN_SIG_ECDSA_SECP384R1_SHA384, TERN_SIG_RSA_PSS_RSAE_SHA256,
    TERN_SIG_RSA_PSS_RSAE_SHA384,    TERN_SIG_RSA_PSS_RSAE_SHA512,    TERN_SIG_ED25519,
    TERN_SIG_RSA_PSS_PSS_SHA256,     TERN_SIG_RSA_PSS_PSS_SHA384,     TERN_SIG_RSA_PSS_PSS_SHA512,
    TERN_SIG_RSA_PKCS1_SHA256,       TERN_SIG_RSA_PKCS1_SHA384,       TERN_SIG_RSA_PKCS1_SHA512,
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

tern_config *tern_config_new(void)
{
    tern_config *cfg = tern_calloc(1, sizeof(*cfg));
    if (!cfg)
        return NULL;
    atomic_init(&cfg->refs, 1);
    atomic_init(&cfg->frozen, false);
    err_init(&cfg->err);
    pthread_mutex_init(&cfg->trust_lock, NULL);
    pthread_mutex_init(&cfg->cache_lock, NULL);
    cfg->ticket_count = 2;
    cfg->ticket_lifetime = 86400;
    cfg->ticket_rotation = 86400;
    cfg->ticket_secret_len = 32;
    if (cry_random(cfg->ticket_secret, 32) != TERN_OK) {
        tern_free(cfg);
        return NULL;
    }
    cfg->min_version = TERN_TLS12;
    cfg->max_version = TERN_TLS13;
    memcpy(cfg->suites, default_suites, sizeof(default_suites));
    cfg->n_suites = COUNT(default_suites);
    memcpy(cfg->groups, default_groups, sizeof(default_groups));
    cfg->n_groups = COUNT(default_groups);
    memcpy(cfg->sigs, default_sigs, sizeof(default_sigs));
    cfg->n_sigs = COUNT(default_sigs);
    return cfg;
}

void config_ref(tern_config *cfg)
{
    atomic_fetch_add(&cfg->refs, 1);
}

void config_freeze(tern_config *cfg)
{
    atomic_store(&cfg->frozen, true);
}

void tern_config_free(tern_config *cfg)
{
    if (!cfg || atomic_fetch_sub(&cfg->refs, 1) != 1)
        return;
    config_clear_certs(cfg);
    wr_free_public(&cfg->ca_names);
    if (cfg->trust)
        x509_store_free(cfg->trust);
    hs_policy_free(cfg->policy);
    pthread_mutex_destroy(&cfg->trust_lock);
    for (size_t i = 0; i < cfg->cache_n; i++)
        tern_free_secret(cfg->cache[i], sizeof(struct hs_session));
    pthread_mutex_destroy(&cfg->cache_lock);
    hs_store_cache_free(cfg->builtin);
    tern_memzero(cfg, sizeof(*cfg));
    tern_free(cfg);
}

const char *tern_config_error(const tern_config *cfg)
{
    return cfg->err.code ? cfg->err.msg : NULL;
}

/* fail records a setter's failure; the latest one wins (not sticky), since
 * the caller asks about the call that just failed. */
int config_fail(tern_config *cfg, int code, const char *fmt, ...)
{
    cfg->err.code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cfg->err.msg, sizeof(cfg->err.msg), fmt, ap);
    va_end(ap);
    return code;
}

int config_check_mutable(tern_config *cfg)
{
    if (atomic_load(&cfg->frozen))
        return config_fail(
            cfg, TERN_E_ARG,
            "the configuration is in use by a connection and can no longer change; make "
            "a new one");
    cfg->err.code = TERN_OK;
    cfg->err.msg[0] = '\0';
    return TERN_OK;
}

int tern_config_set_versions(tern_config *cfg, uint16_t min_version, uint16_t max_version)
{
    TRY(config_check_mutable(cfg));
    if (min_version < TERN_TLS12 || max_version > TERN_TLS13 || min_version > max_version)
        return config_fail(
            cfg, TERN_E_ARG,
            "versions 0x%04x..0x%04x are not a range within TLS 1.2..TLS 1.3 (SSL 3.0, "
            "TLS 1.0 and 1.1 are refused)",
            min_version, max_version);
    cfg->min_version = min_version;
    cfg->max_version = max_version;
    return TERN_OK;
}

static int set_list(tern_config *cfg, uint16_t *dst, size_t *n_dst, const uint16_t *src, size_t n,
                    const char *what, bool (*known)(uint16_t), const char *(*name)(uint16_t))
{
    TRY(config_check_mutable(cfg));
    if (n == 0 || n > HS_MAX_LIST)
        return config_fail(cfg, TERN_E_ARG, "a %s list needs 1 to %d entries, not %zu", what,
                           HS_MAX_LIST, n);
    for (size_t i = 0; i < n; i++) {
        if (!known(src[i]))
            return config_fail(cfg, TERN_E_UNSUPPORTED, "%s 0x%04x (%s) is not supported by tern",
                               what, src[i], name(src[i]));
        for (size_t j = 0; j < i; j++)
            if (src[j] == src[i])
                return config_fail(cfg, TERN_E_ARG, "%s 0x%04x is listed twice", what, src[i]);
    }
    memcpy(dst, src, n * sizeof(*src));
    *n_dst = n;
    return TERN_OK;
}

static bool suite_known(uint16_t s)
{
    return hs_suite13(s) != NULL || hs_suite12(s) != NULL;
}

static bool scheme_known(uint16_t s)
{
    return cry_scheme_lookup(s) != NULL;
}

int tern_config_set_cipher_suites(tern_config *cfg, const uint16_t *suites, size_t n)
{
    return set_list(cfg, cfg->suites, &cfg->n_suites, suites, n, "cipher suite", suite_known,
                    tern_suite_name);
}

int tern_config_enable_rsa_key_transport(tern_config *cfg, int on)
{
    TRY(config_check_mutable(cfg));
    static const uint16_t rsa[] = {TERN_TLS_RSA_WITH_AES_128_GCM_SHA256,
                                   TERN_TLS_RSA_WITH_AES_256_GCM_SHA384};
    uint16_t list[HS_MAX_LIST];
    size_t n = 0;
    for (size_t i = 0; i < cfg->n_suites; i++)
        if (!hs_list_has(rsa, COUNT(rsa), cfg->suites[i]))
            list[n++] = cfg->suites[i];
    for (size_t i = 0; on && i < COUNT(rsa); i++) {
        if (n == HS_MAX_LIST)
            return config_fail(cfg, TERN_E_LIMIT, "the cipher suite list is full (%d suites)",
                               HS_MAX_LIST);
        list[n++] = rsa[i];
    }
    memcpy(cfg->suites, list, n * sizeof(list[0]));
    cfg->n_suites = n;
    return TERN_OK;
}

int tern_config_set_groups(tern_config *cfg, const uint16_t *groups, size_t n)
{
    return set_list(cfg, cfg->groups, &cfg->n_groups, groups, n, "group", cry_kex_supported,
                    tern_group_name);
}

int tern_config_set_signature_schemes(tern_config *cfg, const uint16_t *schemes, size_t n)
{
    return set_list(cfg, cfg->sigs, &cfg->n_sigs, schemes, n, "signature scheme", scheme_known,
                    tern_sig_scheme_name);
}

char *config_slurp(tern_config *cfg, const char *path, size_t *out_len)
{
    uint8_t *text = NULL;
    struct tern_err e;
    err_init(&e);
    if (x509_load_file(path, &text, out_len, &e) != TERN_OK) {
        config_fail(cfg, e.code, "%s", e.msg);
        return NULL;
    }
    return (char *)text;
}

static int trust_store(tern_config *cfg, struct x509_store **out)
{
    if (!cfg->trust_explicit) {
        if (cfg->trust)
            x509_store_free(cfg->trust);
        cfg->trust = x509_store_new();
        if (!cfg->trust)
            return config_fail(cfg, TERN_E_NOMEM, "out of memory for the trust store");
        cfg->trust_explicit = true;
    }
    *out = cfg->trust;
    return TERN_OK;
}

int tern_config_add_trust_file(tern_config *cfg, const char *path)
{
    TRY(config_check_mutable(cfg));
    struct x509_store *s = NULL;
    TRY(trust_store(cfg, &s));
    struct tern_err e;
    err_init(&e);
    int rc = x509_store_add_file(s, path, &e);
    return rc == TERN_OK ? TERN_OK : config_fail(cfg, rc, "%s", e.msg);
}

int tern_config_add_trust_pem(tern_config *cfg, const char *pem, size_t len)
{
    TRY(config_check_mutable(cfg));
    struct x509_store *s = NULL;
    TRY(trust_store(cfg, &s));
    struct tern_err e;
    err_init(&e);
    int rc = x509_store_add_pem(s, pem, len, &e);
    return rc == TERN_OK ? TERN_OK : config_fail(cfg, rc, "%s", e.msg);
}

int tern_config_set_trust_empty(tern_config *cfg)
{
    TRY(config_check_mutable(cfg));
    struct x509_store *s = NULL;
    return trust_store(cfg, &s);
}

int tern_config_add_trust_der(tern_config *cfg, const uint8_t *der, size_t len)
{
    TRY(config_check_mutable(cfg));
    struct x509_store *s = NULL;
    TRY(trust_store(cfg, &s));
    struct tern_err e;
    err_init(&e);
    int rc = x509_store_add_der(s, der, len, &e);
    return rc == TERN_OK ? TERN_OK : config_fail(cfg, rc, "%s", e.msg);
}

int tern_config_add_trust_capath(tern_config *cfg, const char *dir)
{
    TRY(config_check_mutable(cfg));
    struct x509_store *s = NULL;
    TRY(trust_store(cfg, &s));
    struct tern_err e;
    err_init(&e);
    int rc = x509_store_add_capath(s, dir, &e);
    return rc == TERN_OK ? TERN_OK : config_fail(cfg, rc, "%s", e.msg);
}

struct x509_store *config_trust(tern_config *cfg, struct tern_err *err)
{
    pthread_mutex_lock(&cfg->trust_lock);
    if (!cfg->trust) {
        struct x509_store *s = x509_store_new();
        if (!s) {
            err_set(err, TERN_E_NOMEM, "out of memory for the trust store");
        } else if (x509_store_add_system(s, err) != TERN_OK) {
            x509_store_free(s);
        } else {
            cfg->trust = s;
        }
    }
    struct x509_store *t = cfg->trust;
    pthread_mutex_unlock(&cfg->trust_lock);
    return t;
}

int tern_config_insecure_skip_verify_DANGEROUS(tern_config *cfg, int on)
{
    TRY(config_check_mutable(cfg));
    cfg->insecure = on != 0;
    return TERN_OK;
}

int tern_config_set_alpn(tern_config *cfg, const char *const *protocols, size_t n)
{
    TRY(config_check_mutable(cfg));
    struct wr w;
    uint8_t buf[sizeof(cfg->alpn)];
    wr_init_fixed(&w, buf, sizeof(buf));
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(protocols[i]);
        if (len == 0 || len > 255)
            return config_fail(cfg, TERN_E_ARG, "ALPN protocol name '%s' must be 1 to 255 bytes",
                               protocols[i]);
        wr_u8(&w, (uint8_t)len);
        wr_bytes(&w, protocols[i], len);
    }
    if (!wr_ok(&w))
        return config_fail(cfg, TERN_E_ARG, "the ALPN list is longer than %zu bytes",
                           sizeof(cfg->alpn));
    memcpy(cfg->alpn, buf, w.len);
    cfg->alpn_len = w.len;
    return TERN_OK;
}

int tern_config_set_verify_profile(tern_config *cfg, enum tern_verify_profile profile)
{
    TRY(config_check_mutable(cfg));
    if (profile != TERN_VERIFY_WEB && profile != TERN_VERIFY_RFC5280)
        return config_fail(cfg, TERN_E_ARG, "unknown certificate verification profile %d",
                           (int)profile);
    cfg->verify_profile = profile;
    return TERN_OK;
}

int tern_config_set_client_auth(tern_config *cfg, enum tern_client_auth policy)
{
    TRY(config_check_mutable(cfg));
    if (policy != TERN_CLIENT_AUTH_NONE && policy != TERN_CLIENT_AUTH_OPTIONAL &&
        policy != TERN_CLIENT_AUTH_REQUIRED && policy != TERN_CLIENT_AUTH_OPTIONAL_REPORT_ONLY)
        return config_fail(cfg, TERN_E_ARG, "unknown client certificate policy %d", (int)policy);
    cfg->client_auth = policy;
    return TERN_OK;
}

void tern_config_set_keylog(tern_config *cfg, void (*cb)(void *arg, const char *line), void *arg)
{
    if (config_check_mutable(cfg) != TERN_OK)
        return;
    cfg->keylog_cb = cb;
    cfg->keylog_arg = arg;
}

void tern_config_set_trace(tern_config *cfg,
                           void (*cb)(void *arg, const struct tern_trace_event *ev), void *arg)
{
    if (config_check_mutable(cfg) != TERN_OK)
        return;
    cfg->trace_cb = cb;
    cfg->trace_arg = arg;
}

int tern_config_set_ticket_key(tern_config *cfg, const uint8_t *secret, size_t len)
{
    TRY(config_check_mutable(cfg));
    if (len < 32 || len > sizeof(cfg->ticket_secret))
        return config_fail(cfg, TERN_E_ARG, "a ticket secret needs 32 to %zu bytes, not %zu",
                           sizeof(cfg->ticket_secret), len);
    memcpy(cfg->ticket_secret, secret, len);
    cfg->ticket_secret_len = len;
    return TERN_OK;
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch |= 0x20;
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

int tern_config_set_ticket_key_file(tern_config *cfg, const char *path)
{
    TRY(config_check_mutable(cfg));
    size_t len;
    char *text = config_slurp(cfg, path, &len);
    if (!text)
        return cfg->err.code;
    uint8_t key[64];
    size_t n = 0;
    int hi = -1, rc = TERN_OK;
    for (size_t i = 0; i < len && rc == TERN_OK; i++) {
        char ch = text[i];
        if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t')
            continue;
        int v = hexval((unsigned char)ch);
        if (v < 0 || (hi >= 0 && n == sizeof(key)))
            rc = config_fail(cfg, TERN_E_FILE,
                             "%s: a ticket key file holds 32 to 64 bytes as hex; byte %zu is not",
                             path, i);
        else if (hi < 0)
            hi = v;
        else {
            key[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    tern_free_secret(text, len);
    if (rc == TERN_OK && (hi >= 0 || n < 32))
        rc = config_fail(cfg, TERN_E_FILE,
                         "%s holds %zu bytes of key; a ticket secret needs 32 to 64", path, n);
    if (rc == TERN_OK)
        rc = tern_config_set_ticket_key(cfg, key, n);
    tern_memzero(key, sizeof(key));
    return rc;
}

int tern_config_set_tickets(tern_config *cfg, unsigned count, uint32_t lifetime_s,
                            uint32_t rotation_s)
{
    TRY(config_check_mutable(cfg));
    /* RFC 8446 §4.6.1: a lifetime of at most seven days. */
    if (count > 16 || lifetime_s == 0 || lifetime_s > 604800 || rotation_s == 0)
        return config_fail(
            cfg, TERN_E_ARG,
            "tickets: count %u (max 16), lifetime %u s (1..604800), rotation %u s (>0)", count,
            lifetime_s, rotation_s);
    cfg->ticket_count = count;
    cfg->ticket_lifetime = lifetime_s;
    cfg->ticket_rotation = rotation_s;
    return TERN_OK;
}

int tern_config_set_psk_ke(tern_config *cfg, int allow)
{
    TRY(config_check_mutable(cfg));
    cfg->psk_ke = allow != 0;
    return TERN_OK;
}

void tern_config_set_session_callback(tern_config *cfg,
                                      void (*cb)(void *arg, const char *server_name,
                                                 const uint8_t *session, size_t len),
                                      void *arg)
{
    if (config_check_mutable(cfg) != TERN_OK)
        return;
    cfg->session_cb = cb;
    cfg->session_arg = arg;
}

int tern_config_add_session(tern_config *cfg, const uint8_t *session, size_t len)
{
    struct hs_session s;
    struct rd r;
    rd_init(&r, session, len);
    if (hs_session_decode(r, &s) != TERN_OK)
        return config_fail(cfg, TERN_E_DECODE, "a saved session of %zu bytes is malformed", len);
    hs_cache_put(cfg, &s);
    hs_session_wipe(&s);
    return TERN_OK;
}

/* The configuration's own chain as a peer would judge it, trust aside: the
 * leaf is made its own anchor (as a pinned self-signed certificate is), so
 * the verifier applies the very rules, and writes the very sentence, a peer
 * would; the other certificates' dates are checked here in its words. */
int tern_config_check_cert(const tern_config *cfg, const char *name, int for_server, int64_t at,
                           char *why, size_t why_cap)
{
    struct tern_err e;
    err_init(&e);
    int rc = TERN_OK;
    const struct hs_cert *k = cfg ? hs_cert_for_name(cfg, name) : NULL;
    if (!k) {
        rc = err_set(&e, TERN_E_ARG, "no certificate is configured");
        goto out;
    }
    if (at == 0)
        at = (int64_t)time(NULL);
    struct x509_store *store = x509_store_new();
    if (!store) {
        rc = err_set(&e, TERN_E_NOMEM, "out of memory checking the certificate");
        goto out;
    }
    rc = x509_store_add_der(store, k->chain[0], k->chain_len[0], &e);
    if (rc == TERN_OK) {
        struct rd chain[HS_MAX_CHAIN];
        for (size_t i = 0; i < k->chain_n; i++)
            rd_init(&chain[i], k->chain[i], k->chain_len[i]);
        struct x509_verify_opts o;
        memset(&o, 0, sizeof(o));
        o.max_depth = -1;
        o.at = at;
        o.required_ku = X509_KU_DIGITAL_SIGNATURE;
        o.purpose = for_server ? X509_PURPOSE_SERVER : X509_PURPOSE_CLIENT;
        uint8_t ip[16];
        size_t ip_len;
        if (name && x509_ip_parse(name, ip, &ip_len))
            o.ip = name;
        else
            o.host = name;
        struct x509_verified v;
        rc = x509_verify(store, chain, 1, &o, &v, &e);
        if (rc == TERN_OK)
            x509_verified_cleanup(&v);
    }
    x509_store_free(store);
    /* The certificates above the leaf: a peer checks their dates too. */
    for (size_t i = 1; i < k->chain_n && rc == TERN_OK; i++) {
        struct x509_cert *c = NULL;
        if (x509_cert_parse(k->chain[i], k->chain_len[i], &c, &e) != TERN_OK) {
            rc = e.code;
            break;
        }
        char t1[32], t2[32];
        if (at < c->not_before)
            rc = err_set(&e, TERN_E_CERTIFICATE_EXPIRED,
                         "certificate '%s' is not valid before %s (checked at %s)",
                         x509_subject_text(c), der_time_text(c->not_before, t1, sizeof(t1)),
                         der_time_text(at, t2, sizeof(t2)));
        else if (at > c->not_after)
            rc = err_set(&e, TERN_E_CERTIFICATE_EXPIRED,
                         "certificate '%s' expired on %s (checked at %s)", x509_subject_text(c),
                         der_time_text(c->not_after, t1, sizeof(t1)),
                         der_time_text(at, t2, sizeof(t2)));
        x509_cert_free(c);
    }
out:
    if (why && why_cap)
        snprintf(why, why_cap, "%s", rc == TERN_OK ? "" : e.msg);
    return rc;
}
