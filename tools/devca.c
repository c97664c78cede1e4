/* The development CA (see devca.h). Certificates are built bottom-up with
 * the bytes writer: each constructed DER value is written into its own
 * growable writer, then wrapped in its tag and length, because DER lengths
 * are variable-size and known only once the contents are. */
#include "devca.h"

#include "tbuf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        int try_rc_ = (expr);                                                                      \
        if (try_rc_ != TERN_OK)                                                                    \
            return try_rc_;                                                                        \
    } while (0)

__attribute__((format(printf, 4, 5))) static int fail(int code, char *why, size_t cap,
                                                      const char *fmt, ...)
{
    if (why && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, cap, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* ---- DER writing (X.690 §8, §10) ---- */

enum {
    DER_BOOLEAN = 0x01,
    DER_INTEGER = 0x02,
    DER_BIT_STRING = 0x03,
    DER_OCTET_STRING = 0x04,
    DER_NULL = 0x05,
    DER_OID = 0x06,
    DER_UTF8 = 0x0c,
    DER_UTC_TIME = 0x17,
    DER_GEN_TIME = 0x18,
    DER_SEQUENCE = 0x30,
    DER_SET = 0x31,
};

static void der_header(struct tbw *w, uint8_t tag, size_t len)
{
    tbw_u8(w, tag);
    if (len < 0x80) {
        tbw_u8(w, (uint8_t)len);
    } else if (len <= 0xff) {
        tbw_u8(w, 0x81);
        tbw_u8(w, (uint8_t)len);
    } else if (len <= 0xffff) {
        tbw_u8(w, 0x82);
        tbw_u16(w, (uint16_t)len);
    } else if (len <= 0xffffff) {
        tbw_u8(w, 0x83);
        tbw_u24(w, (uint32_t)len);
    } else {
        w->err = true; /* nothing we write comes near 16 MiB */
    }
}

static void der_tlv(struct tbw *w, uint8_t tag, const void *p, size_t len)
{
    der_header(w, tag, len);
    tbw_bytes(w, p, len);
}

/* der_wrap writes child's bytes as the contents of tag, then frees child. */
static void der_wrap(struct tbw *w, uint8_t tag, struct tbw *child)
{
    if (!tbw_ok(child))
        w->err = true;
    der_tlv(w, tag, child->buf, child->len);
    tbw_free(child);
}

#define OID(w, ...)                                                                                \
    do {                                                                                           \
        static const uint8_t oid_[] = {__VA_ARGS__};                                               \
        der_tlv((w), DER_OID, oid_, sizeof(oid_));                                                 \
    } while (0)

/* An unsigned big-endian integer as a positive DER INTEGER. */
static void der_uint(struct tbw *w, const uint8_t *p, size_t n)
{
    while (n > 1 && p[0] == 0) {
        p++;
        n--;
    }
    bool pad = n && (p[0] & 0x80);
    der_header(w, DER_INTEGER, n + pad);
    if (pad)
        tbw_u8(w, 0);
    tbw_bytes(w, p, n);
}

/* A Name of up to three attributes, each a one-attribute RDN with a
 * UTF8String value (RFC 5280 §4.1.2.4). */
static void der_name(struct tbw *w, const char *org, const char *ou, const char *cn)
{
    struct tbw name;
    tbw_init_grow(&name);
    static const uint8_t oid_o[] = {0x55, 0x04, 0x0a}, oid_ou[] = {0x55, 0x04, 0x0b},
                         oid_cn[] = {0x55, 0x04, 0x03};
    const struct {
        const uint8_t *oid;
        const char *v;
    } attrs[] = {{oid_o, org}, {oid_ou, ou}, {oid_cn, cn}};
    for (size_t i = 0; i < 3; i++) {
        if (!attrs[i].v)
            continue;
        struct tbw atv, rdn;
        tbw_init_grow(&atv);
        der_tlv(&atv, DER_OID, attrs[i].oid, 3);
        der_tlv(&atv, DER_UTF8, attrs[i].v, strlen(attrs[i].v));
        tbw_init_grow(&rdn);
        der_wrap(&rdn, DER_SEQUENCE, &atv);
        der_wrap(&name, DER_SET, &rdn);
    }
    der_wrap(w, DER_SEQUENCE, &name);
}

/* Time per RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime after. */
static void der_time(struct tbw *w, time_t t)
{
    struct tm tm;
    char s[32];
    gmtime_r(&t, &tm);
    int year = tm.tm_year + 1900;
    if (year < 2050) {
        snprintf(s, sizeof(s), "%02d%02d%02d%02d%02d%02dZ", year % 100, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
        der_tlv(w, DER_UTC_TIME, s, strlen(s));
    } else {
        snprintf(s, sizeof(s), "%04d%02d%02d%02d%02d%02dZ", year, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
        der_tlv(w, DER_GEN_TIME, s, strlen(s));
    }
}

/* AlgorithmIdentifier of the signature a key of this type makes. */
static int sig_alg(struct tbw *w, enum tern_key_type kt, uint16_t *scheme)
{
    struct tbw a;
    tbw_init_grow(&a);
    switch (kt) {
    case TERN_KEY_EC_P256: /* ecdsa-with-SHA256, no parameters (RFC 5758 §3.2) */
        OID(&a, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02);
        *scheme = TERN_SIG_ECDSA_SECP256R1_SHA256;
        break;
    case TERN_KEY_EC_P384: /* ecdsa-with-SHA384 */
        OID(&a, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03);
        *scheme = TERN_SIG_ECDSA_SECP384R1_SHA384;
        break;
    case TERN_KEY_RSA: /* sha256WithRSAEncryption, NULL parameters (RFC 4055 §5) */
        OID(&a, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b);
        der_tlv(&a, DER_NULL, NULL, 0);
        *scheme = TERN_SIG_RSA_PKCS1_SHA256;
        break;
    case TERN_KEY_ED25519: /* id-Ed25519, parameters absent (RFC 8410 §3) */
        OID(&a, 0x2b, 0x65, 0x70);
        *scheme = TERN_SIG_ED25519;
        break;
    default:
        tbw_free(&a);
        return TERN_E_UNSUPPORTED;
    }
    der_wrap(w, DER_SEQUENCE, &a);
    return TERN_OK;
}

/* ---- DER reading, just enough to take a CA certificate apart ---- */

static bool der_get(struct tbr *r, uint8_t want, struct tbr *content)
{
    struct tbr t = *r;
    uint8_t tag, l;
    size_t len;
    if (!tbr_u8(&t, &tag) || tag != want || !tbr_u8(&t, &l))
        return false;
    if (l < 0x80) {
        len = l;
    } else if (l == 0x81) {
        uint8_t v;
        if (!tbr_u8(&t, &v) || v < 0x80)
            return false;
        len = v;
    } else if (l == 0x82) {
        uint16_t v;
        if (!tbr_u16(&t, &v) || v < 0x100)
            return false;
        len = v;
    } else if (l == 0x83) {
        uint32_t v;
        if (!tbr_u24(&t, &v) || v < 0x10000)
            return false;
        len = v;
    } else {
        return false;
    }
    if (!tbr_sub(&t, content, len))
        return false;
    *r = t;
    return true;
}

/* der_get_whole: as der_get, but *whole spans the header too. */
static bool der_get_whole(struct tbr *r, uint8_t want, struct tbr *whole)
{
    struct tbr before = *r, content;
    if (!der_get(r, want, &content))
        return false;
    return tbr_sub(&before, whole, before.len - r->len);
}

/* The key identifier of an SPKI: the leftmost 160 bits of the SHA-256 of
 * subjectPublicKey's bits (RFC 7093 §2, method 1). */
static int key_id_of_spki(const uint8_t *spki, size_t len, uint8_t out[DEVCA_KEYID_LEN])
{
    struct tbr r, seq, alg, bits;
    uint8_t unused;
    tbr_init(&r, spki, len);
    if (!der_get(&r, DER_SEQUENCE, &seq) || !der_get(&seq, DER_SEQUENCE, &alg) ||
        !der_get(&seq, DER_BIT_STRING, &bits) || !tbr_u8(&bits, &unused) || unused != 0)
        return TERN_E_DECODE;
    uint8_t h[32];
    TRY(tern_sha256(bits.p, bits.len, h));
    memcpy(out, h, DEVCA_KEYID_LEN);
    return TERN_OK;
}

/* ---- extensions (RFC 5280 §4.2) ---- */

static void ext(struct tbw *exts, const uint8_t *oid, size_t oid_len, bool critical,
                struct tbw *value)
{
    struct tbw e;
    tbw_init_grow(&e);
    der_tlv(&e, DER_OID, oid, oid_len);
    if (critical)
        der_tlv(&e, DER_BOOLEAN, "\xff", 1);
    der_wrap(&e, DER_OCTET_STRING, value);
    der_wrap(exts, DER_SEQUENCE, &e);
}

static const uint8_t OID_BASIC_CONSTRAINTS[] = {0x55, 0x1d, 0x13};
static const uint8_t OID_KEY_USAGE[] = {0x55, 0x1d, 0x0f};
static const uint8_t OID_EXT_KEY_USAGE[] = {0x55, 0x1d, 0x25};
static const uint8_t OID_SAN[] = {0x55, 0x1d, 0x11};
static const uint8_t OID_SKI[] = {0x55, 0x1d, 0x0e};
static const uint8_t OID_AKI[] = {0x55, 0x1d, 0x23};

/* A host name we are willing to put in a dNSName: LDH labels, an optional
 * leading "*." wildcard (RFC 5280 §4.2.1.6, RFC 6125 §6.4.3). */
static bool valid_dns_name(const char *s)
{
    size_t n = strlen(s), label = 0;
    if (n == 0 || n > 253)
        return false;
    if (!strncmp(s, "*.", 2))
        s += 2;
    if (!*s)
        return false;
    char prev = '.';
    for (; *s; s++) {
        if (*s == '.') {
            if (label == 0 || prev == '-')
                return false;
            label = 0;
        } else if (isalnum((unsigned char)*s) || (*s == '-' && label > 0)) {
            if (++label > 63)
                return false;
        } else {
            return false;
        }
        prev = *s;
    }
    return label > 0 && prev != '-';
}

static int leaf_extensions(struct tbw *out, const struct devca *ca, const struct devca_leaf *leaf,
                           const uint8_t *leaf_key_id, char *why, size_t why_cap)
{
    struct tbw exts, v;
    tbw_init_grow(&exts);

    /* basicConstraints: not a CA (an empty SEQUENCE, cA defaults to false). */
    tbw_init_grow(&v);
    der_header(&v, DER_SEQUENCE, 0);
    ext(&exts, OID_BASIC_CONSTRAINTS, 3, true, &v);

    /* keyUsage: digitalSignature (bit 0); keyEncipherment (bit 2) for RSA,
     * which TLS 1.2's RSA key transport needs. */
    tbw_init_grow(&v);
    if (leaf->key_type == TERN_KEY_RSA)
        der_tlv(&v, DER_BIT_STRING, "\x05\xa0", 2);
    else
        der_tlv(&v, DER_BIT_STRING, "\x07\x80", 2);
    ext(&exts, OID_KEY_USAGE, 3, true, &v);

    /* extKeyUsage: serverAuth, and clientAuth on request. */
    struct tbw ekus;
    tbw_init_grow(&ekus);
    OID(&ekus, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01);
    if (leaf->client)
        OID(&ekus, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02);
    tbw_init_grow(&v);
    der_wrap(&v, DER_SEQUENCE, &ekus);
    ext(&exts, OID_EXT_KEY_USAGE, 3, false, &v);

    /* subjectAltName: every name, IP literals as iPAddress [7], others as
     * dNSName [2] (RFC 5280 §4.2.1.6). */
    struct tbw gns;
    tbw_init_grow(&gns);
    for (size_t i = 0; i < leaf->n_names; i++) {
        const char *name = leaf->names[i];
        uint8_t ip[16];
        char unbracketed[INET6_ADDRSTRLEN + 8];
        size_t nl = strlen(name);
        if (nl > 2 && name[0] == '[' && name[nl - 1] == ']' && nl - 2 < sizeof(unbracketed)) {
            /* [::1], as URLs write IPv6 addresses */
            memcpy(unbracketed, name + 1, nl - 2);
            unbracketed[nl - 2] = 0;
            if (inet_pton(AF_INET6, unbracketed, ip) == 1) {
                der_tlv(&gns, 0x87, ip, 16);
                continue;
            }
        }
        if (strspn(name, "0123456789.") == nl && inet_pton(AF_INET, name, ip) != 1) {
            /* A mistyped address must not become a DNS name nobody can use
             * (a name of digits and dots is never a host name, RFC 1123
             * §2.1). */
            tbw_free(&gns);
            tbw_free(&exts);
            return fail(TERN_E_ARG, why, why_cap,
                        "'%s' is not a valid IPv4 address (four numbers from 0 to 255 separated "
                        "by dots), and a name made only of digits and dots cannot be a DNS name",
                        name);
        }
        if ((strchr(name, ':') || strchr(name, '[') || strchr(name, ']')) &&
            inet_pton(AF_INET6, name, ip) != 1) {
            tbw_free(&gns);
            tbw_free(&exts);
            return fail(TERN_E_ARG, why, why_cap,
                        "'%s' is not a valid IPv6 address (RFC 4291 §2.2), and a DNS name cannot "
                        "hold ':', '[' or ']'",
                        name);
        }
        if (inet_pton(AF_INET, name, ip) == 1) {
            der_tlv(&gns, 0x87, ip, 4);
        } else if (inet_pton(AF_INET6, name, ip) == 1) {
            der_tlv(&gns, 0x87, ip, 16);
        } else if (valid_dns_name(name)) {
            char lower[256];
            size_t n = strlen(name);
            for (size_t j = 0; j <= n; j++)
                lower[j] = (char)tolower((unsigned char)name[j]);
            der_tlv(&gns, 0x82, lower, n);
        } else {
            tbw_free(&gns);
            tbw_free(&exts);
            return fail(TERN_E_ARG, why, why_cap,
                        "'%s' is neither a DNS name (letters, digits, '-', '.') nor an IP address",
                        name);
        }
    }
    tbw_init_grow(&v);
    der_wrap(&v, DER_SEQUENCE, &gns);
    ext(&exts, OID_SAN, 3, false, &v);

    /* subjectKeyIdentifier and authorityKeyIdentifier [0] keyIdentifier. */
    tbw_init_grow(&v);
    der_tlv(&v, DER_OCTET_STRING, leaf_key_id, DEVCA_KEYID_LEN);
    ext(&exts, OID_SKI, 3, false, &v);
    struct tbw aki;
    tbw_init_grow(&aki);
    der_tlv(&aki, 0x80, ca->key_id, DEVCA_KEYID_LEN);
    tbw_init_grow(&v);
    der_wrap(&v, DER_SEQUENCE, &aki);
    ext(&exts, OID_AKI, 3, false, &v);

    /* extensions [3] EXPLICIT SEQUENCE OF Extension */
    struct tbw seq;
    tbw_init_grow(&seq);
    der_wrap(&seq, DER_SEQUENCE, &exts);
    der_wrap(out, 0xa3, &seq);
    return TERN_OK;
}

static void ca_extensions(struct tbw *out, const uint8_t *key_id)
{
    struct tbw exts, v;
    tbw_init_grow(&exts);
    /* basicConstraints: cA true, pathLenConstraint 0: it signs leaves only. */
    struct tbw bc;
    tbw_init_grow(&bc);
    der_tlv(&bc, DER_BOOLEAN, "\xff", 1);
    der_tlv(&bc, DER_INTEGER, "\x00", 1);
    tbw_init_grow(&v);
    der_wrap(&v, DER_SEQUENCE, &bc);
    ext(&exts, OID_BASIC_CONSTRAINTS, 3, true, &v);
    /* keyUsage: keyCertSign (bit 5) and cRLSign (bit 6). */
    tbw_init_grow(&v);
    der_tlv(&v, DER_BIT_STRING, "\x01\x06", 2);
    ext(&exts, OID_KEY_USAGE, 3, true, &v);
    tbw_init_grow(&v);
    der_tlv(&v, DER_OCTET_STRING, key_id, DEVCA_KEYID_LEN);
    ext(&exts, OID_SKI, 3, false, &v);
    struct tbw seq;
    tbw_init_grow(&seq);
    der_wrap(&seq, DER_SEQUENCE, &exts);
    der_wrap(out, 0xa3, &seq);
}

/* ---- putting a certificate together (RFC 5280 §4.1) ---- */

struct tbs_parts {
    const uint8_t *issuer;
    size_t issuer_len;
    struct tbw *subject; /* consumed */
    time_t not_before, not_after;
    const uint8_t *spki;
    size_t spki_len;
    struct tbw *extensions; /* consumed */
};

static int sign_cert(const tern_key *signer, struct tbs_parts *p, uint8_t **out_der,
                     size_t *out_len, char *why, size_t why_cap)
{
    uint16_t scheme;
    struct tbw tbs, algid, ver;
    tbw_init_grow(&tbs);
    tbw_init_grow(&algid);
    int rc = sig_alg(&algid, tern_key_type(signer), &scheme);
    if (rc) {
        tbw_free(&tbs);
        tbw_free(&algid);
        tbw_free(p->subject);
        tbw_free(p->extensions);
        return fail(rc, why, why_cap, "a %s key cannot sign certificates here",
                    devca_key_type_name(tern_key_type(signer)));
    }

    tbw_init_grow(&ver);
    der_tlv(&ver, DER_INTEGER, "\x02", 1); /* v3 */
    der_wrap(&tbs, 0xa0, &ver);
    /* A random 16-byte positive serial (RFC 5280 §4.1.2.2: at most 20
     * octets; unpredictable, as the Baseline Requirements ask). */
    uint8_t serial[16];
    if ((rc = tern_random(serial, sizeof(serial))) != TERN_OK) {
        tbw_free(&tbs);
        tbw_free(&algid);
        tbw_free(p->subject);
        tbw_free(p->extensions);
        return fail(rc, why, why_cap, "the random generator failed");
    }
    serial[0] = (uint8_t)((serial[0] & 0x7f) | 0x40);
    der_uint(&tbs, serial, sizeof(serial));
    tbw_bytes(&tbs, algid.buf, algid.len);
    tbw_bytes(&tbs, p->issuer, p->issuer_len);
    struct tbw validity;
    tbw_init_grow(&validity);
    der_time(&validity, p->not_before);
    der_time(&validity, p->not_after);
    der_wrap(&tbs, DER_SEQUENCE, &validity);
    tbw_bytes(&tbs, p->subject->buf, p->subject->len);
    if (!tbw_ok(p->subject))
        tbs.err = true;
    tbw_free(p->subject);
    tbw_bytes(&tbs, p->spki, p->spki_len);
    tbw_bytes(&tbs, p->extensions->buf, p->extensions->len);
    if (!tbw_ok(p->extensions))
        tbs.err = true;
    tbw_free(p->extensions);

    struct tbw tbs_seq;
    tbw_init_grow(&tbs_seq);
    der_wrap(&tbs_seq, DER_SEQUENCE, &tbs);
    if (!tbw_ok(&tbs_seq) || !tbw_ok(&algid)) {
        tbw_free(&tbs_seq);
        tbw_free(&algid);
        return fail(TERN_E_NOMEM, why, why_cap, "out of memory while writing a certificate");
    }

    uint8_t sig[1024];
    size_t sig_len;
    rc =
        tern_key_sign(signer, scheme, tbs_seq.buf, tbs_seq.len, sig + 1, sizeof(sig) - 1, &sig_len);
    if (rc) {
        tbw_free(&tbs_seq);
        tbw_free(&algid);
        return fail(rc, why, why_cap, "signing the certificate with the %s key failed",
                    devca_key_type_name(tern_key_type(signer)));
    }
    sig[0] = 0; /* no unused bits in the signature BIT STRING */

    struct tbw cert, outer;
    tbw_init_grow(&cert);
    tbw_bytes(&cert, tbs_seq.buf, tbs_seq.len);
    tbw_bytes(&cert, algid.buf, algid.len);
    der_tlv(&cert, DER_BIT_STRING, sig, sig_len + 1);
    tbw_free(&tbs_seq);
    tbw_free(&algid);
    tbw_init_grow(&outer);
    der_wrap(&outer, DER_SEQUENCE, &cert);
    *out_der = tbw_detach(&outer, out_len);
    if (!*out_der)
        return fail(TERN_E_NOMEM, why, why_cap, "out of memory while writing a certificate");
    return TERN_OK;
}

static int spki_of(const tern_key *k, struct tbw *spki, uint8_t key_id[DEVCA_KEYID_LEN], char *why,
                   size_t why_cap)
{
    tbw_init_grow(spki);
    uint8_t buf[4096];
    size_t len = 0;
    int rc = tern_key_spki(k, buf, sizeof(buf), &len);
    if (rc == TERN_OK)
        tbw_bytes(spki, buf, len);
    if (rc == TERN_OK && !tbw_ok(spki))
        rc = TERN_E_NOMEM;
    if (rc == TERN_OK)
        rc = key_id_of_spki(spki->buf, spki->len, key_id);
    if (rc) {
        tbw_free(spki);
        return fail(rc, why, why_cap, "the %s public key could not be written as an SPKI",
                    devca_key_type_name(tern_key_type(k)));
    }
    return TERN_OK;
}

static int generate(tern_key **k, enum tern_key_type kt, char *why, size_t why_cap)
{
    int rc = tern_key_generate(kt, kt == TERN_KEY_RSA ? 2048 : 0, k);
    if (rc)
        return fail(rc, why, why_cap, "generating a %s key failed", devca_key_type_name(kt));
    return TERN_OK;
}

int devca_create(struct devca *ca, enum tern_key_type kt, const char *cn, unsigned days, time_t now,
                 char *why, size_t why_cap)
{
    memset(ca, 0, sizeof(*ca));
    int rc = generate(&ca->key, kt, why, why_cap);
    if (rc)
        return rc;
    struct tbw spki, subject, exts, name_copy;
    if ((rc = spki_of(ca->key, &spki, ca->key_id, why, why_cap)) != TERN_OK) {
        devca_cleanup(ca);
        return rc;
    }
    tbw_init_grow(&subject);
    der_name(&subject, "tern development CA", NULL, cn);
    tbw_init_grow(&name_copy);
    tbw_bytes(&name_copy, subject.buf, subject.len);
    ca->subject = tbw_detach(&name_copy, &ca->subject_len);
    tbw_init_grow(&exts);
    ca_extensions(&exts, ca->key_id);
    struct tbs_parts p = {
        .issuer = ca->subject,
        .issuer_len = ca->subject_len,
        .subject = &subject,
        .not_before = now - 3600,
        .not_after = now + (time_t)days * 86400,
        .spki = spki.buf,
        .spki_len = spki.len,
        .extensions = &exts,
    };
    if (!ca->subject) {
        tbw_free(&subject);
        tbw_free(&exts);
        rc = fail(TERN_E_NOMEM, why, why_cap, "out of memory");
    } else {
        rc = sign_cert(ca->key, &p, &ca->cert_der, &ca->cert_len, why, why_cap);
    }
    tbw_free(&spki);
    if (rc)
        devca_cleanup(ca);
    return rc;
}

int devca_issue(const struct devca *ca, const struct devca_leaf *leaf, uint8_t **out_der,
                size_t *out_len, tern_key **out_key, char *why, size_t why_cap)
{
    *out_key = NULL;
    *out_der = NULL;
    if (leaf->n_names == 0)
        return fail(TERN_E_ARG, why, why_cap, "a certificate needs at least one name");
    int rc = generate(out_key, leaf->key_type, why, why_cap);
    if (rc)
        return rc;
    struct tbw spki, subject, exts;
    uint8_t key_id[DEVCA_KEYID_LEN];
    if ((rc = spki_of(*out_key, &spki, key_id, why, why_cap)) != TERN_OK) {
        tern_key_free(*out_key);
        return rc;
    }
    tbw_init_grow(&exts);
    if ((rc = leaf_extensions(&exts, ca, leaf, key_id, why, why_cap)) != TERN_OK) {
        tbw_free(&spki);
        tbw_free(&exts);
        tern_key_free(*out_key);
        return rc;
    }
    tbw_init_grow(&subject);
    der_name(&subject, "tern development certificate", NULL, leaf->names[0]);
    struct tbs_parts p = {
        .issuer = ca->subject,
        .issuer_len = ca->subject_len,
        .subject = &subject,
        .not_before = leaf->now - 3600,
        .not_after = leaf->now + (time_t)(leaf->days ? leaf->days : DEVCA_LEAF_DAYS) * 86400,
        .spki = spki.buf,
        .spki_len = spki.len,
        .extensions = &exts,
    };
    rc = sign_cert(ca->key, &p, out_der, out_len, why, why_cap);
    tbw_free(&spki);
    if (rc)
        tern_key_free(*out_key);
    return rc;
}

int devca_load(struct devca *ca, const char *cert_pem, size_t cert_len, const char *key_pem,
               size_t key_len, char *why, size_t why_cap)
{
    memset(ca, 0, sizeof(*ca));
    uint8_t *key_der = NULL;
    size_t key_der_len = 0;
    int rc = devca_pem_decode(cert_pem, cert_len, "CERTIFICATE", &ca->cert_der, &ca->cert_len, why,
                              why_cap);
    if (rc)
        return rc;
    rc = devca_pem_decode(key_pem, key_len, "PRIVATE KEY", &key_der, &key_der_len, why, why_cap);
    if (rc) {
        devca_cleanup(ca);
        return rc;
    }
    rc = tern_key_parse(key_der, key_der_len, NULL, NULL, &ca->key, NULL, 0);
    tb_wipe(key_der, key_der_len);
    free(key_der);
    if (rc) {
        devca_cleanup(ca);
        return fail(rc, why, why_cap, "the CA's private key is not a PKCS#8 key tern can use");
    }

    /* Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version,
     * serial, signature, issuer, validity, subject, spki, ... } ... } */
    struct tbr r, cert, tbs, skip, subject, spki;
    tbr_init(&r, ca->cert_der, ca->cert_len);
    if (!der_get(&r, DER_SEQUENCE, &cert) || !der_get(&cert, DER_SEQUENCE, &tbs) ||
        !der_get(&tbs, 0xa0, &skip) || !der_get(&tbs, DER_INTEGER, &skip) ||
        !der_get(&tbs, DER_SEQUENCE, &skip) || !der_get(&tbs, DER_SEQUENCE, &skip) ||
        !der_get(&tbs, DER_SEQUENCE, &skip) || !der_get_whole(&tbs, DER_SEQUENCE, &subject) ||
        !der_get_whole(&tbs, DER_SEQUENCE, &spki)) {
        devca_cleanup(ca);
        return fail(TERN_E_DECODE, why, why_cap,
                    "the CA certificate is not a v3 X.509 certificate");
    }
    ca->subject = malloc(subject.len ? subject.len : 1);
    if (ca->subject)
        memcpy(ca->subject, subject.p, subject.len);
    ca->subject_len = subject.len;
    struct tbw mine;
    uint8_t key_id[DEVCA_KEYID_LEN];
    rc = ca->subject ? spki_of(ca->key, &mine, key_id, why, why_cap) : TERN_E_NOMEM;
    if (rc) {
        devca_cleanup(ca);
        return rc;
    }
    bool same = mine.len == spki.len && !memcmp(mine.buf, spki.p, spki.len);
    tbw_free(&mine);
    if (!same) {
        devca_cleanup(ca);
        return fail(TERN_E_ARG, why, why_cap,
                    "the CA's private key does not belong to the CA certificate");
    }
    rc = key_id_of_spki(spki.p, spki.len, ca->key_id);
    if (rc) {
        devca_cleanup(ca);
        return fail(rc, why, why_cap, "the CA certificate's public key is malformed");
    }
    return TERN_OK;
}

void devca_cleanup(struct devca *ca)
{
    tern_key_free(ca->key);
    free(ca->cert_der);
    free(ca->subject);
    memset(ca, 0, sizeof(*ca));
}

bool devca_parse_key_type(const char *s, enum tern_key_type *out)
{
    if (!strcmp(s, "ec") || !strcmp(s, "p256") || !strcmp(s, "ecdsa"))
        *out = TERN_KEY_EC_P256;
    else if (!strcmp(s, "p384"))
        *out = TERN_KEY_EC_P384;
    else if (!strcmp(s, "rsa"))
        *out = TERN_KEY_RSA;
    else if (!strcmp(s, "ed25519"))
        *out = TERN_KEY_ED25519;
    else
        return false;
    return true;
}

const char *devca_key_type_name(enum tern_key_type t)
{
    switch (t) {
    case TERN_KEY_EC_P256:
        return "ECDSA P-256";
    case TERN_KEY_EC_P384:
        return "ECDSA P-384";
    case TERN_KEY_RSA:
        return "RSA-2048";
    case TERN_KEY_ED25519:
        return "Ed25519";
    default:
        return "unsupported";
    }
}

/* ---- PEM (RFC 7468) ---- */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *devca_pem(const char *label, const uint8_t *der, size_t len)
{
    struct tbw w;
    tbw_init_grow(&w);
    tbw_bytes(&w, "-----BEGIN ", 11);
    tbw_bytes(&w, label, strlen(label));
    tbw_bytes(&w, "-----\n", 6);
    struct tbr r;
    tbr_init(&r, der, len);
    size_t col = 0;
    while (!tbr_empty(&r)) {
        uint8_t b[3] = {0, 0, 0};
        size_t n = r.len < 3 ? r.len : 3;
        if (!tbr_copy(&r, b, n))
            break;
        uint32_t v = (uint32_t)b[0] << 16 | (uint32_t)b[1] << 8 | b[2];
        char q[4] = {B64[v >> 18], B64[(v >> 12) & 63], n > 1 ? B64[(v >> 6) & 63] : '=',
                     n > 2 ? B64[v & 63] : '='};
        tbw_bytes(&w, q, 4);
        if ((col += 4) == 64) {
            tbw_u8(&w, '\n');
            col = 0;
        }
    }
    if (col)
        tbw_u8(&w, '\n');
    tbw_bytes(&w, "-----END ", 9);
    tbw_bytes(&w, label, strlen(label));
    tbw_bytes(&w, "-----\n", 7); /* with the terminating NUL */
    size_t out_len;
    return (char *)tbw_detach(&w, &out_len);
}

int devca_key_pem(const tern_key *k, char **out_pem)
{
    uint8_t der[8192];
    size_t len = 0;
    int rc = tern_key_pkcs8(k, der, sizeof(der), &len);
    *out_pem = rc ? NULL : devca_pem("PRIVATE KEY", der, len);
    tb_wipe(der, sizeof(der));
    if (!rc && !*out_pem)
        rc = TERN_E_NOMEM;
    return rc;
}

static int b64val(uint8_t c)
{
    const char *p = c ? strchr(B64, c) : NULL;
    return p ? (int)(p - B64) : -1;
}

/* pem_line splits the next line off r, without its LF or CRLF; the last
 * line may lack its newline. Returns false when r is empty. */
static bool pem_line(struct tbr *r, struct tbr *line)
{
    if (tbr_empty(r))
        return false;
    struct tbr t = *r;
    size_t n = 0, body = 0;
    uint8_t c;
    bool nl = false;
    while (tbr_u8(&t, &c)) {
        if (c == '\n') {
            nl = true;
            break;
        }
        n++;
        body = c == '\r' ? body : n;
    }
    return tbr_sub(r, line, body) && tbr_skip(r, n - body + (nl ? 1 : 0));
}

static bool tbr_equals(const struct tbr *r, const char *s)
{
    return r->len == strlen(s) && !memcmp(r->p, s, r->len);
}

int devca_pem_decode(const char *pem, size_t len, const char *label, uint8_t **out, size_t *out_len,
                     char *why, size_t why_cap)
{
    char begin[80], end[80];
    snprintf(begin, sizeof(begin), "-----BEGIN %s-----", label);
    snprintf(end, sizeof(end), "-----END %s-----", label);
    *out = NULL;
    struct tbr r, line;
    tbr_init(&r, (const uint8_t *)pem, len);
    bool found = false;
    while (!found && pem_line(&r, &line))
        found = tbr_equals(&line, begin);
    if (!found)
        return fail(TERN_E_FILE, why, why_cap, "no '%s' block found", begin);
    struct tbw w;
    tbw_init_grow(&w);
    uint32_t acc = 0;
    int bits = 0;
    bool ended = false, pad = false;
    while (!ended && pem_line(&r, &line)) {
        if (tbr_equals(&line, end)) {
            ended = true;
            break;
        }
        uint8_t c;
        while (tbr_u8(&line, &c)) {
            if (c == ' ' || c == '\t')
                continue;
            if (c == '=') {
                pad = true;
                continue;
            }
            int v = b64val(c);
            if (v < 0 || pad) {
                tbw_free(&w);
                return fail(TERN_E_FILE, why, why_cap,
                            "the %s block holds a byte outside base64 (0x%02x)", label, c);
            }
            acc = acc << 6 | (uint32_t)v;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                tbw_u8(&w, (uint8_t)(acc >> bits));
                acc &= (1u << bits) - 1;
            }
        }
    }
    if (!ended || !tbw_ok(&w) || w.len == 0) {
        tbw_free(&w);
        return fail(TERN_E_FILE, why, why_cap, "the %s block is %s", label,
                    ended ? "empty" : "not terminated by its END line");
    }
    *out = tbw_detach(&w, out_len);
    return *out ? TERN_OK : fail(TERN_E_NOMEM, why, why_cap, "out of memory");
}
