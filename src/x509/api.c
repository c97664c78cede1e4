/* The public X.509 API (include/tern/x509.h) over the certificate model,
 * the trust store, CRLs and the path validator of this folder. */
#include "x509/api.h"

#include "base/mem.h"
#include "base/der.h"

#include <stdio.h>
#include <string.h>

/* How many SAN entries a tern_x509 renders: far more than any real
 * certificate (CAs cap them near 100), few enough to bound the work. */
#define MAX_SANS 1024

struct tern_x509 {
    struct x509_cert *c;
    char serial_hex[3 * 21 + 1];
    size_t n_sans;
    enum tern_san_type *san_types;
    char **san_values;
};

struct tern_crl {
    struct x509_crl *crl;
};

struct tern_trust {
    struct x509_store *store;
};

static void why_set(char *why, size_t cap, const struct tern_err *e)
{
    if (why && cap)
        snprintf(why, cap, "%s", e->code == TERN_OK ? "" : e->msg);
}

/* ---- certificates ---- */

static bool text_value(const struct rd *v, char **out)
{
    struct wr w;
    wr_init_grow(&w);
    for (size_t i = 0; i < v->len; i++) {
        uint8_t c = v->p[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            wr_u8(&w, c);
        } else {
            char hex[4];
            snprintf(hex, sizeof(hex), "\\%02X", c);
            wr_bytes(&w, hex, 3);
        }
    }
    wr_u8(&w, 0);
    if (!wr_ok(&w)) {
        wr_free(&w);
        return false;
    }
    size_t len;
    *out = (char *)wr_detach(&w, &len);
    return true;
}

/* Render the SAN entries tern reads; the SAN's syntax was checked by the
 * parser (cert.c) only as DER, so odd bytes are escaped here. */
static int load_sans(struct tern_x509 *x, struct tern_err *err)
{
    const struct x509_cert *c = x->c;
    if (!c->has_san)
        return TERN_OK;
    struct rd r = c->san;
    size_t n = 0;
    while (!rd_empty(&r) && n < MAX_SANS) {
        uint8_t tag;
        struct rd v;
        if (!der_next(&r, &tag, &v, NULL))
            return err_set(err, TERN_E_BAD_CERTIFICATE,
                           "certificate '%s': malformed subjectAltName", x509_subject_text(c));
        n++;
    }
    x->san_types = tern_calloc(n ? n : 1, sizeof(*x->san_types));
    x->san_values = tern_calloc(n ? n : 1, sizeof(*x->san_values));
    if (!x->san_types || !x->san_values)
        return err_set(err, TERN_E_NOMEM, "out of memory");
    r = c->san;
    for (size_t i = 0; i < n; i++) {
        uint8_t tag;
        struct rd v;
        if (!der_next(&r, &tag, &v, NULL))
            break;
        enum tern_san_type t;
        char ip[64];
        if (tag == DER_CONTEXT(2))
            t = TERN_SAN_DNS;
        else if (tag == DER_CONTEXT(1))
            t = TERN_SAN_EMAIL;
        else if (tag == DER_CONTEXT(6))
            t = TERN_SAN_URI;
        else if (tag == DER_CONTEXT(7) && (v.len == 4 || v.len == 16))
            t = TERN_SAN_IP;
        else
            continue;
        bool ok;
        if (t == TERN_SAN_IP)
            ok = (x->san_values[x->n_sans] = tern_strdup(x509_ip_text(v.p, v.len, ip, sizeof(ip))));
        else
            ok = text_value(&v, &x->san_values[x->n_sans]);
        if (!ok)
            return err_set(err, TERN_E_NOMEM, "out of memory");
        x->san_types[x->n_sans++] = t;
    }
    return TERN_OK;
}

static int x509_from_der(const uint8_t *der, size_t len, tern_x509 **out, struct tern_err *err)
{
    *out = NULL;
    struct tern_x509 *x = tern_calloc(1, sizeof(*x));
    if (!x)
        return err_set(err, TERN_E_NOMEM, "out of memory");
    int rc = x509_cert_parse(der, len, &x->c, err);
    if (rc == TERN_OK)
        rc = load_sans(x, err);
    if (rc != TERN_OK) {
        tern_x509_free(x);
        return rc;
    }
    size_t used = 0;
    for (size_t i = 0; i < x->c->serial.len && i < 21; i++)
        used += (size_t)snprintf(x->serial_hex + used, sizeof(x->serial_hex) - used, "%s%02X",
                                 i ? ":" : "", x->c->serial.p[i]);
    (void)x509_subject_text(x->c);
    (void)x509_issuer_text(x->c);
    *out = x;
    return TERN_OK;
}

/* Every block of `want` in a PEM text, or the text itself as one DER
 * object (it starts with a SEQUENCE tag); calls fn on each DER. */
static int each_block(const uint8_t *data, size_t len, enum x509_pem_kind want,
                      int (*fn)(void *arg, const uint8_t *der, size_t len, struct tern_err *err),
                      void *arg, size_t *found, struct tern_err *err)
{
    *found = 0;
    if (len > 0 && data[0] == DER_SEQUENCE) {
        TRY(fn(arg, data, len, err));
        *found = 1;
        return TERN_OK;
    }
    struct rd r;
    rd_init(&r, data, len);
    for (;;) {
        enum x509_pem_kind kind;
        uint8_t *der;
        size_t der_len;
        TRY(x509_pem_next(&r, &kind, &der, &der_len, err));
        if (!der)
            break;
        int rc = kind == want ? fn(arg, der, der_len, err) : TERN_OK;
        *found += kind == want;
        tern_free(der);
        TRY(rc);
    }
    if (!*found)
        return err_set(err, TERN_E_FILE, "no %s PEM block (nor DER) in %zu bytes",
                       want == X509_PEM_CRL ? "X509 CRL" : "CERTIFICATE", len);
    return TERN_OK;
}

struct collect {
    void **out;
    size_t cap, n;
    bool crl;
};

static int collect_one(void *arg, const uint8_t *der, size_t len, struct tern_err *err)
{
    struct collect *col = arg;
    if (col->n == col->cap)
        return err_set(err, TERN_E_LIMIT, "more than %zu %s given", col->cap,
                       col->crl ? "CRLs" : "certificates");
    if (col->crl) {
        struct tern_crl *c = tern_calloc(1, sizeof(*c));
        if (!c)
            return err_set(err, TERN_E_NOMEM, "out of memory");
        int rc = x509_crl_parse(der, len, &c->crl, err);
        if (rc != TERN_OK) {
            tern_free(c);
            return rc;
        }
        col->out[col->n++] = c;
        return TERN_OK;
    }
    tern_x509 *x;
    TRY(x509_from_der(der, len, &x, err));
    col->out[col->n++] = x;
    return TERN_OK;
}

static int parse_all(const uint8_t *data, size_t len, void **out, size_t cap, size_t *out_n,
                     bool crl, char *why, size_t why_cap)
{
    struct tern_err err;
    err_init(&err);
    struct collect col = {out, cap, 0, crl};
    size_t found;
    *out_n = 0;
    int rc = data ? each_block(data, len, crl ? X509_PEM_CRL : X509_PEM_CERTIFICATE, collect_one,
                               &col, &found, &err)
                  : err_set(&err, TERN_E_ARG, "no data given");
    if (rc != TERN_OK) {
        for (size_t i = 0; i < col.n; i++) {
            if (crl)
                tern_crl_free(out[i]);
            else
                tern_x509_free(out[i]);
            out[i] = NULL;
        }
        col.n = 0;
    }
    *out_n = col.n;
    why_set(why, why_cap, &err);
    return rc;
}

int tern_x509_parse_all(const uint8_t *data, size_t len, tern_x509 **out, size_t cap, size_t *out_n,
                        char *why, size_t why_cap)
{
    return parse_all(data, len, (void **)out, cap, out_n, false, why, why_cap);
}

int tern_x509_parse(const uint8_t *data, size_t len, tern_x509 **out, char *why, size_t why_cap)
{
    struct tern_err err;
    err_init(&err);
    *out = NULL;
    if (!data)
        return err_set(&err, TERN_E_ARG, "no data given"), why_set(why, why_cap, &err), TERN_E_ARG;
    int rc;
    if (len > 0 && data[0] == DER_SEQUENCE) {
        rc = x509_from_der(data, len, out, &err);
    } else {
        /* the first CERTIFICATE block */
        struct rd r;
        rd_init(&r, data, len);
        rc = TERN_OK;
        for (;;) {
            enum x509_pem_kind kind;
            uint8_t *der;
            size_t der_len;
            rc = x509_pem_next(&r, &kind, &der, &der_len, &err);
            if (rc != TERN_OK)
                break;
            if (!der) {
                rc = err_set(&err, TERN_E_FILE, "no CERTIFICATE PEM block (nor DER) in %zu bytes",
                             len);
                break;
            }
            if (kind == X509_PEM_CERTIFICATE)
                rc = x509_from_der(der, der_len, out, &err);
            tern_free(der);
            if (kind == X509_PEM_CERTIFICATE)
                break;
        }
    }
    why_set(why, why_cap, &err);
    return rc;
}

void tern_x509_free(tern_x509 *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->n_sans; i++)
        tern_free(x->san_values[i]);
    tern_free(x->san_values);
    tern_free(x->san_types);
    x509_cert_free(x->c);
    tern_free(x);
}

const uint8_t *tern_x509_der(const tern_x509 *x, size_t *out_len)
{
    *out_len = x->c->der_len;
    return x->c->der;
}

const char *tern_x509_subject(const tern_x509 *x)
{
    return x509_subject_text(x->c);
}

const char *tern_x509_issuer(const tern_x509 *x)
{
    return x509_issuer_text(x->c);
}

const uint8_t *tern_x509_serial(const tern_x509 *x, size_t *out_len)
{
    *out_len = x->c->serial.len;
    return x->c->serial.p;
}

const char *tern_x509_serial_hex(const tern_x509 *x)
{
    return x->serial_hex;
}

int64_t tern_x509_not_before(const tern_x509 *x)
{
    return x->c->not_before;
}

int64_t tern_x509_not_after(const tern_x509 *x)
{
    return x->c->not_after;
}

int tern_x509_is_ca(const tern_x509 *x)
{
    return x->c->has_bc && x->c->ca;
}

size_t tern_x509_san_count(const tern_x509 *x)
{
    return x->n_sans;
}

int tern_x509_san(const tern_x509 *x, size_t i, enum tern_san_type *out_type,
                  const char **out_value)
{
    if (i >= x->n_sans)
        return TERN_E_ARG;
    *out_type = x->san_types[i];
    *out_value = x->san_values[i];
    return TERN_OK;
}

enum tern_key_type tern_x509_key_type(const tern_x509 *x)
{
    /* enum tern_key_type mirrors enum cry_key_type value for value */
    return x->c->key_problem ? TERN_KEY_UNKNOWN : (enum tern_key_type)x->c->key_type;
}

unsigned tern_x509_key_bits(const tern_x509 *x)
{
    return x->c->key_bits;
}

const char *tern_key_type_name(enum tern_key_type t)
{
    if (t == TERN_KEY_UNKNOWN)
        return "unknown";
    return cry_key_type_name((enum cry_key_type)t);
}

int tern_x509_sha256(const tern_x509 *x, uint8_t out[32])
{
    return cry_hash(CRY_SHA256, x->c->der, x->c->der_len, out);
}

int tern_x509_spki_sha256(const tern_x509 *x, uint8_t out[32])
{
    return cry_hash(CRY_SHA256, x->c->spki.p, x->c->spki.len, out);
}

void x509_base64(const uint8_t *p, size_t n, char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        out[o++] = tab[(v >> 18) & 63];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? tab[v & 63] : '=';
    }
    out[o] = 0;
}

int tern_x509_pin(const tern_x509 *x, char *buf, size_t cap)
{
    uint8_t h[32];
    if (cap < X509_PIN_TEXT_MAX)
        return TERN_E_ARG;
    TRY(tern_x509_spki_sha256(x, h));
    memcpy(buf, "sha256//", 8);
    x509_base64(h, sizeof(h), buf + 8);
    return TERN_OK;
}

/* ---- CRLs ---- */

int tern_crl_parse_all(const uint8_t *data, size_t len, tern_crl **out, size_t cap, size_t *out_n,
                       char *why, size_t why_cap)
{
    return parse_all(data, len, (void **)out, cap, out_n, true, why, why_cap);
}

void tern_crl_free(tern_crl *crl)
{
    if (!crl)
        return;
    x509_crl_free(crl->crl);
    tern_free(crl);
}

const struct x509_crl *x509_crl_of(const tern_crl *crl)
{
    return crl->crl;
}

struct x509_crl *x509_crl_take(tern_crl *crl)
{
    struct x509_crl *c = crl->crl;
    tern_free(crl);
    return c;
}

int x509_public_from_der(const uint8_t *der, size_t len, tern_x509 **out, struct tern_err *err)
{
    return x509_from_der(der, len, out, err);
}

/* ---- trust stores ---- */

tern_trust *tern_trust_new(void)
{
    struct tern_trust *t = tern_calloc(1, sizeof(*t));
    if (t && !(t->store = x509_store_new())) {
        tern_free(t);
        return NULL;
    }
    return t;
}

void tern_trust_free(tern_trust *t)
{
    if (!t)
        return;
    x509_store_free(t->store);
    tern_free(t);
}

static int add_der(void *arg, const uint8_t *der, size_t len, struct tern_err *err)
{
    return x509_store_add_der(arg, der, len, err);
}

int tern_trust_add_pem(tern_trust *t, const uint8_t *data, size_t len, char *why, size_t why_cap)
{
    struct tern_err err;
    err_init(&err);
    size_t found;
    int rc = data ? each_block(data, len, X509_PEM_CERTIFICATE, add_der, t->store, &found, &err)
                  : err_set(&err, TERN_E_ARG, "no data given");
    why_set(why, why_cap, &err);
    return rc;
}

int tern_trust_add_file(tern_trust *t, const char *path, char *why, size_t why_cap)
{
    struct tern_err err;
    err_init(&err);
    int rc = x509_store_add_file(t->store, path, &err);
    why_set(why, why_cap, &err);
    return rc;
}

int tern_trust_add_capath(tern_trust *t, const char *dir, char *why, size_t why_cap)
{
    struct tern_err err;
    err_init(&err);
    int rc = x509_store_add_capath(t->store, dir, &err);
    why_set(why, why_cap, &err);
    return rc;
}

int tern_trust_add_system(tern_trust *t, char *why, size_t why_cap)
{
    struct tern_err err;
    err_init(&err);
    int rc = x509_store_add_system(t->store, &err);
    why_set(why, why_cap, &err);
    return rc;
}

size_t tern_trust_count(const tern_trust *t)
{
    return x509_store_count(t->store);
}

/* ---- verification ---- */

static const char *const reason_names[] = {
    [TERN_VERIFY_OK] = "ok",
    [TERN_VERIFY_EXPIRED] = "expired",
    [TERN_VERIFY_NOT_YET_VALID] = "not yet valid",
    [TERN_VERIFY_UNKNOWN_ISSUER] = "unknown issuer",
    [TERN_VERIFY_SELF_SIGNED] = "self-signed, not trusted",
    [TERN_VERIFY_NAME_MISMATCH] = "name mismatch",
    [TERN_VERIFY_REVOKED] = "revoked",
    [TERN_VERIFY_BAD_SIGNATURE] = "bad signature",
    [TERN_VERIFY_CONSTRAINT] = "constraint violated",
    [TERN_VERIFY_USAGE] = "not for this purpose",
    [TERN_VERIFY_PATH_TOO_LONG] = "path too long",
    [TERN_VERIFY_UNSUPPORTED] = "unsupported algorithm or key",
    [TERN_VERIFY_MALFORMED] = "malformed",
    [TERN_VERIFY_INVALID] = "invalid",
    [TERN_VERIFY_CRL] = "revocation status unknown",
    [TERN_VERIFY_LIMIT] = "work limit reached",
    [TERN_VERIFY_NO_CERTIFICATE] = "no certificate",
    [TERN_VERIFY_PIN_MISMATCH] = "public key not pinned",
    [TERN_VERIFY_REFUSED] = "refused by the application",
    [TERN_VERIFY_NOT_CHECKED] = "not checked",
    [TERN_VERIFY_ERROR] = "error",
};

const char *tern_verify_reason_name(enum tern_verify_reason r)
{
    if ((unsigned)r < sizeof(reason_names) / sizeof(reason_names[0]) && reason_names[r])
        return reason_names[r];
    return "unknown reason";
}

void tern_verdict_cleanup(struct tern_verdict *v)
{
    for (size_t i = 0; i < TERN_VERDICT_MAX_PATH; i++)
        tern_x509_free(v->path[i]);
    memset(v, 0, sizeof(*v));
}

void x509_verdict_set(struct tern_verdict *v, const struct tern_err *err)
{
    v->status = err->code;
    v->reason = err->code == TERN_OK ? TERN_VERIFY_OK : x509_reason(err);
    snprintf(v->sentence, sizeof(v->sentence), "%s", err->code == TERN_OK ? "" : err->msg);
}

void tern_verify_opts_init(struct tern_verify_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->name_kind = TERN_NAME_HOST;
    o->purpose = TERN_PURPOSE_SERVER;
    o->profile = TERN_VERIFY_WEB;
    o->max_depth = -1;
}

static int verify(const tern_trust *trust, const struct rd *ders, size_t n,
                  const struct tern_verify_opts *opts, struct tern_verdict *v);

int tern_x509_verify(const tern_trust *trust, const tern_x509 *const *chain, size_t n,
                     const struct tern_verify_opts *opts, struct tern_verdict *v)
{
    struct rd ders[X509_MAX_INPUT];
    for (size_t i = 0; i < n && i < X509_MAX_INPUT && chain; i++)
        rd_init(&ders[i], chain[i]->c->der, chain[i]->c->der_len);
    return verify(trust, chain ? ders : NULL, n, opts, v);
}

int tern_x509_verify_der(const tern_trust *trust, const uint8_t *const *ders, const size_t *lens,
                         size_t n, const struct tern_verify_opts *opts, struct tern_verdict *v)
{
    struct rd r[X509_MAX_INPUT];
    for (size_t i = 0; i < n && i < X509_MAX_INPUT && ders && lens; i++)
        rd_init(&r[i], ders[i], lens[i]);
    return verify(trust, ders && lens ? r : NULL, n, opts, v);
}

static int verify(const tern_trust *trust, const struct rd *chain, size_t n,
                  const struct tern_verify_opts *opts, struct tern_verdict *v)
{
    struct tern_err err;
    err_init(&err);
    memset(v, 0, sizeof(*v));
    struct x509_verify_opts o;
    memset(&o, 0, sizeof(o));
    o.max_depth = opts->max_depth;
    o.at = opts->at;
    o.keep_path = true;
    o.require_crls = opts->require_crls != 0;
    o.profile = opts->profile == TERN_VERIFY_RFC5280 ? X509_PROFILE_RFC5280 : X509_PROFILE_WEB;
    o.purpose = opts->purpose == TERN_PURPOSE_CLIENT ? X509_PURPOSE_CLIENT
                : opts->purpose == TERN_PURPOSE_ANY  ? X509_PURPOSE_ANY
                                                     : X509_PURPOSE_SERVER;
    const struct x509_crl *crls[X509_MAX_CRLS];
    uint8_t ip[16];
    size_t ip_len;
    if (opts->n_crls > X509_MAX_CRLS)
        err_set(&err, TERN_E_LIMIT, "%zu CRLs given; tern takes at most %d", opts->n_crls,
                X509_MAX_CRLS);
    for (size_t i = 0; i < opts->n_crls && i < X509_MAX_CRLS; i++)
        crls[i] = opts->crls[i]->crl;
    o.crls = crls;
    o.n_crls = opts->n_crls;
    if (opts->name_kind == TERN_NAME_HOST && (!opts->name || !*opts->name))
        err_set(&err, TERN_E_ARG,
                "no host name given to verify against (TERN_NAME_NONE verifies without one)");
    else if (opts->name_kind == TERN_NAME_IP &&
             (!opts->name || !x509_ip_parse(opts->name, ip, &ip_len)))
        err_set(&err, TERN_E_ARG, "'%s' is not an IPv4 or IPv6 address",
                opts->name ? opts->name : "(null)");
    else if (opts->name_kind == TERN_NAME_HOST)
        o.host = opts->name;
    else if (opts->name_kind == TERN_NAME_IP)
        o.ip = opts->name;
    else if (opts->name_kind != TERN_NAME_NONE)
        err_set(&err, TERN_E_ARG, "unknown name kind %d", (int)opts->name_kind);
    if (n > X509_MAX_INPUT)
        err_set(&err, TERN_E_LIMIT, "%zu certificates given; tern takes at most %d", n,
                X509_MAX_INPUT);
    if (!trust || (n && !chain))
        err_set(&err, TERN_E_ARG, "no trust store or chain given");
    if (err.code != TERN_OK) {
        err.detail = TERN_VERIFY_ERROR;
        x509_verdict_set(v, &err);
        return v->status;
    }
    struct x509_verified out;
    int rc = x509_verify(trust->store, chain, n, &o, &out, &err);
    if (rc == TERN_OK) {
        for (size_t i = 0; i < out.n && i < TERN_VERDICT_MAX_PATH && rc == TERN_OK; i++)
            rc = x509_from_der(out.ders[i], out.lens[i], &v->path[i], &err);
        v->path_len = out.n;
        x509_verified_cleanup(&out);
        if (rc != TERN_OK)
            tern_verdict_cleanup(v);
    }
    x509_verdict_set(v, &err);
    return v->status;
}

int tern_parse_time(const char *text, int64_t *out)
{
    return text && x509_parse_time_text(text, out) ? TERN_OK : TERN_E_ARG;
}

int tern_pem_decode(const uint8_t *text, size_t len, const char *label, uint8_t **ders,
                    size_t *lens, size_t cap, size_t *out_n, char *why, size_t why_cap)
{
    struct tern_err err;
    err_init(&err);
    *out_n = 0;
    enum x509_pem_kind want = X509_PEM_OTHER;
    if (label && !strcmp(label, "CERTIFICATE"))
        want = X509_PEM_CERTIFICATE;
    else if (label && !strcmp(label, "X509 CRL"))
        want = X509_PEM_CRL;
    size_t n = 0;
    int rc = want == X509_PEM_OTHER || !text
                 ? err_set(&err, TERN_E_ARG, "tern_pem_decode reads CERTIFICATE or X509 CRL blocks")
                 : TERN_OK;
    struct rd r;
    rd_init(&r, text, text ? len : 0);
    while (rc == TERN_OK) {
        enum x509_pem_kind kind;
        uint8_t *der;
        size_t der_len;
        rc = x509_pem_next(&r, &kind, &der, &der_len, &err);
        if (rc != TERN_OK || !der)
            break;
        if (kind != want) {
            tern_free(der);
            continue;
        }
        if (n == cap) {
            tern_free(der);
            rc = err_set(&err, TERN_E_LIMIT, "more than %zu %s blocks", cap, label);
            break;
        }
        ders[n] = der;
        lens[n++] = der_len;
    }
    if (rc == TERN_OK && n == 0)
        rc = err_set(&err, TERN_E_FILE, "no %s PEM block in %zu bytes", label, len);
    if (rc != TERN_OK) {
        for (size_t i = 0; i < n; i++)
            tern_free(ders[i]);
        n = 0;
    }
    *out_n = n;
    why_set(why, why_cap, &err);
    return rc;
}

void tern_buffer_free(void *p)
{
    tern_free(p);
}
