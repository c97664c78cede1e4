#include "certgen.h"

#include "base/mem.h"

#include <stdio.h>
#include <string.h>

static void header(struct wr *w, uint8_t tag, size_t len)
{
    wr_u8(w, tag);
    if (len < 0x80) {
        wr_u8(w, (uint8_t)len);
        return;
    }
    uint8_t b[8];
    size_t n = 0;
    for (size_t v = len; v; v >>= 8)
        b[n++] = (uint8_t)v;
    wr_u8(w, (uint8_t)(0x80 | n));
    while (n)
        wr_u8(w, b[--n]);
}

void cg_tlv(struct wr *w, uint8_t tag, const void *p, size_t len)
{
    header(w, tag, len);
    if (len)
        wr_bytes(w, p, len);
}

void cg_wrap(struct wr *w, uint8_t tag, struct wr *child)
{
    cg_tlv(w, tag, child->buf, child->len);
    wr_free(child);
}

static const uint8_t OID_CN[] = {0x55, 0x04, 0x03}, OID_OU[] = {0x55, 0x04, 0x0b};

void cg_name(struct wr *w, const char *cn, size_t n, uint8_t tag)
{
    struct wr seq;
    wr_init_grow(&seq);
    for (size_t i = 0; i < n; i++) {
        char v[64];
        bool last = i + 1 == n;
        if (last)
            snprintf(v, sizeof(v), "%s", cn);
        else
            snprintf(v, sizeof(v), "%s%zu", cn, i);
        struct wr atv, set;
        wr_init_grow(&atv);
        wr_init_grow(&set);
        cg_tlv(&atv, 0x06, last ? OID_CN : OID_OU, 3);
        cg_tlv(&atv, tag, v, strlen(v));
        cg_wrap(&set, 0x30, &atv);
        cg_wrap(&seq, 0x31, &set);
    }
    cg_wrap(w, 0x30, &seq);
}

static const uint8_t ECDSA_SHA256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};

static void time_of(struct wr *w, int64_t t)
{
    /* GeneralizedTime keeps this simple for any year. */
    int64_t days = t / 86400, secs = t % 86400;
    /* civil from days (Howard Hinnant's algorithm) */
    days += 719468;
    int64_t era = days / 146097, doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    char s[128];
    snprintf(s, sizeof(s), "%04lld%02lld%02lld%02lld%02lld%02lldZ", (long long)y, (long long)m,
             (long long)d, (long long)(secs / 3600), (long long)(secs / 60 % 60),
             (long long)(secs % 60));
    cg_tlv(w, 0x18, s, 15);
}

static void ext(struct wr *exts, uint8_t oid_last, bool critical, struct wr *value)
{
    uint8_t oid[3] = {0x55, 0x1d, oid_last};
    struct wr e, octets;
    wr_init_grow(&e);
    wr_init_grow(&octets);
    cg_tlv(&e, 0x06, oid, 3);
    if (critical)
        cg_tlv(&e, 0x01, "\xff", 1);
    cg_wrap(&octets, 0x04, value);
    wr_bytes(&e, octets.buf, octets.len);
    wr_free(&octets);
    cg_wrap(exts, 0x30, &e);
}

int cg_issue(const struct cg_cert *c, const struct cry_privkey *signer, uint8_t **out,
             size_t *out_len)
{
    struct wr tbs, t, v, exts, alg;
    wr_init_grow(&tbs);
    wr_init_grow(&t);
    cg_tlv(&t, 0x02, "\x02", 1);
    cg_wrap(&tbs, 0xa0, &t);
    uint8_t serial[5] = {0, (uint8_t)(c->serial >> 24), (uint8_t)(c->serial >> 16),
                         (uint8_t)(c->serial >> 8), (uint8_t)c->serial};
    size_t skip = 0; /* minimal two's complement (X.690 §8.3.2) */
    while (skip < 4 && serial[skip] == 0 && !(serial[skip + 1] & 0x80))
        skip++;
    cg_tlv(&tbs, 0x02, serial + skip, 5 - skip);
    wr_init_grow(&alg);
    cg_tlv(&alg, 0x06, ECDSA_SHA256, sizeof(ECDSA_SHA256));
    struct wr alg2;
    wr_init_grow(&alg2);
    wr_bytes(&alg2, alg.buf, alg.len);
    cg_wrap(&tbs, 0x30, &alg);
    wr_bytes(&tbs, c->issuer, c->issuer_len);
    wr_init_grow(&v);
    time_of(&v, c->not_before);
    time_of(&v, c->not_after);
    cg_wrap(&tbs, 0x30, &v);
    wr_bytes(&tbs, c->subject, c->subject_len);
    wr_bytes(&tbs, c->spki, c->spki_len);
    wr_init_grow(&exts);
    if (c->ca) {
        wr_init_grow(&v);
        struct wr bc;
        wr_init_grow(&bc);
        cg_tlv(&bc, 0x01, "\xff", 1);
        cg_wrap(&v, 0x30, &bc);
        ext(&exts, 0x13, true, &v);
    }
    wr_init_grow(&v);
    cg_tlv(&v, 0x03, c->ca ? "\x01\x06" : "\x07\x80", 2); /* keyCertSign|cRLSign, or digitalSig */
    ext(&exts, 0x0f, true, &v);
    if (c->ski) {
        wr_init_grow(&v);
        cg_tlv(&v, 0x04, &c->ski, 1);
        ext(&exts, 0x0e, false, &v);
    }
    if (c->aki) {
        wr_init_grow(&v);
        struct wr seq;
        wr_init_grow(&seq);
        cg_tlv(&seq, 0x80, &c->aki, 1);
        cg_wrap(&v, 0x30, &seq);
        ext(&exts, 0x23, false, &v);
    }
    if (c->server_eku || c->client_eku) {
        static const uint8_t kp[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01};
        static const uint8_t kc[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02};
        wr_init_grow(&v);
        struct wr seq;
        wr_init_grow(&seq);
        if (c->server_eku)
            cg_tlv(&seq, 0x06, kp, sizeof(kp));
        if (c->client_eku)
            cg_tlv(&seq, 0x06, kc, sizeof(kc));
        cg_wrap(&v, 0x30, &seq);
        ext(&exts, 0x25, false, &v);
    }
    if (c->san_dns) {
        wr_init_grow(&v);
        struct wr seq;
        wr_init_grow(&seq);
        cg_tlv(&seq, 0x82, c->san_dns, strlen(c->san_dns));
        cg_wrap(&v, 0x30, &seq);
        ext(&exts, 0x11, false, &v);
    }
    struct wr e3;
    wr_init_grow(&e3);
    cg_wrap(&e3, 0x30, &exts);
    cg_wrap(&tbs, 0xa3, &e3);
    struct wr whole_tbs;
    wr_init_grow(&whole_tbs);
    cg_wrap(&whole_tbs, 0x30, &tbs);
    uint8_t sig[600];
    size_t sig_len = 0;
    int rc = cry_sign(signer, CRY_SIG_ECDSA, CRY_SHA256, whole_tbs.buf, whole_tbs.len, sig + 1,
                      sizeof(sig) - 1, &sig_len);
    sig[0] = 0;
    struct wr cert;
    wr_init_grow(&cert);
    wr_bytes(&cert, whole_tbs.buf, whole_tbs.len);
    wr_free(&whole_tbs);
    cg_wrap(&cert, 0x30, &alg2);
    cg_tlv(&cert, 0x03, sig, sig_len + 1);
    struct wr top;
    wr_init_grow(&top);
    cg_wrap(&top, 0x30, &cert);
    if (rc != 0 || !wr_ok(&top)) {
        wr_free(&top);
        return rc ? rc : TERN_E_NOMEM;
    }
    *out = wr_detach(&top, out_len);
    return *out ? 0 : TERN_E_NOMEM;
}

uint8_t *cg_spki(const struct cry_privkey *k, size_t *len)
{
    struct wr w;
    wr_init_grow(&w);
    if (cry_privkey_public_spki(k, &w) != 0) {
        wr_free(&w);
        return NULL;
    }
    return wr_detach(&w, len);
}

uint8_t *cg_rsa_spki(unsigned mod_bits, const uint8_t *e, size_t e_len, size_t *len)
{
    static const uint8_t rsa_alg[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                      0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    size_t nb = (mod_bits + 7) / 8;
    uint8_t *n = tern_calloc(1, nb + 1);
    if (!n)
        return NULL;
    for (size_t i = 1; i <= nb; i++)
        n[i] = (uint8_t)(0x5a ^ (i * 37));
    unsigned top = mod_bits % 8 ? mod_bits % 8 : 8;
    n[1] &= (uint8_t)((1u << top) - 1);
    n[1] |= (uint8_t)(1u << (top - 1));
    n[nb] |= 1;
    struct wr rsa, bits, spki, out;
    wr_init_grow(&rsa);
    /* a leading zero keeps the INTEGER positive when the top bit is set */
    bool pad = (n[1] & 0x80) != 0;
    cg_tlv(&rsa, 0x02, pad ? n : n + 1, pad ? nb + 1 : nb);
    tern_free(n);
    if (e_len && (e[0] & 0x80)) {
        uint8_t *pe = tern_calloc(1, e_len + 1);
        memcpy(pe + 1, e, e_len);
        cg_tlv(&rsa, 0x02, pe, e_len + 1);
        tern_free(pe);
    } else {
        cg_tlv(&rsa, 0x02, e, e_len);
    }
    wr_init_grow(&bits);
    wr_u8(&bits, 0);
    struct wr rsaseq;
    wr_init_grow(&rsaseq);
    cg_wrap(&rsaseq, 0x30, &rsa);
    wr_bytes(&bits, rsaseq.buf, rsaseq.len);
    wr_free(&rsaseq);
    wr_init_grow(&spki);
    wr_bytes(&spki, rsa_alg, sizeof(rsa_alg));
    cg_wrap(&spki, 0x03, &bits);
    wr_init_grow(&out);
    cg_wrap(&out, 0x30, &spki);
    return wr_detach(&out, len);
}

char *cg_pem(const char *label, const uint8_t *der, size_t len)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t cap = 64 + 2 * strlen(label) + len * 4 / 3 + len / 48 + 16;
    char *out = tern_malloc(cap), *q = out;
    if (!out)
        return NULL;
    q += snprintf(q, cap, "-----BEGIN %s-----\n", label);
    for (size_t i = 0, col = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)der[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)der[i + 1] << 8;
        if (i + 2 < len)
            v |= der[i + 2];
        *q++ = b64[v >> 18 & 63];
        *q++ = b64[v >> 12 & 63];
        *q++ = i + 1 < len ? b64[v >> 6 & 63] : '=';
        *q++ = i + 2 < len ? b64[v & 63] : '=';
        if ((col += 4) == 64 || i + 3 >= len) {
            *q++ = '\n';
            col = 0;
        }
    }
    snprintf(q, cap - (size_t)(q - out), "-----END %s-----\n", label);
    return out;
}

char *cg_key_pem(const struct cry_privkey *k)
{
    struct wr w;
    wr_init_grow(&w);
    char *pem = NULL;
    if (cry_privkey_to_pkcs8(k, &w) == 0 && wr_ok(&w))
        pem = cg_pem("PRIVATE KEY", w.buf, w.len);
    wr_free(&w);
    return pem;
}
