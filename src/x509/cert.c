/* The certificate model: RFC 5280 §4 parsed strictly into struct x509_cert.
 *
 * Structural faults (bad DER, malformed extensions, duplicate extensions,
 * an inner signature algorithm that differs from the outer one) make the
 * parse fail. Properties that only matter when the certificate is used on a
 * path (an unknown critical extension, a refused key) are recorded and
 * judged by verify.c, so an unrelated certificate in a bundle does no harm. */
#include "x509/x509.h"

#include "base/mem.h"
#include "base/der.h"
#include "x509/oids.h"

#include <stdio.h>
#include <string.h>

#define BAD(...) err_set(err, TERN_E_BAD_CERTIFICATE, __VA_ARGS__)

/* ---- Names ---- */

static const struct {
    uint8_t oid[10];
    size_t len;
    const char *name;
} attr_names[] = {
    {{0x55, 0x04, 0x03}, 3, "CN"},
    {{0x55, 0x04, 0x06}, 3, "C"},
    {{0x55, 0x04, 0x07}, 3, "L"},
    {{0x55, 0x04, 0x08}, 3, "ST"},
    {{0x55, 0x04, 0x09}, 3, "STREET"},
    {{0x55, 0x04, 0x0a}, 3, "O"},
    {{0x55, 0x04, 0x0b}, 3, "OU"},
    {{0x55, 0x04, 0x05}, 3, "serialNumber"},
    {{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01}, 9, "emailAddress"},
    {{0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19}, 10, "DC"},
    {{0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01}, 10, "UID"},
};

/* Append a value for a sentence: printable ASCII as is (RFC 4514 specials
 * escaped), anything else as \XX. */
static void append_value(struct wr *w, const struct rd *v)
{
    struct rd r = *v;
    uint8_t c;
    while (rd_u8(&r, &c)) {
        if (c >= 0x20 && c < 0x7f) {
            if (strchr(",+\"\\<>;=", c))
                wr_u8(w, '\\');
            wr_u8(w, c);
        } else {
            char hex[4];
            snprintf(hex, sizeof(hex), "\\%02X", c);
            wr_bytes(w, hex, 3);
        }
    }
}

_Thread_local unsigned long x509_name_steps;

/* Walk a Name once: check its form (RFC 5280 §4.1.2.4: a SEQUENCE of
 * non-empty SETs of {type OID, value}) and count its attributes, refusing
 * more than X509_MAX_NAME_ATTRS. When rdns is not NULL, the RDNs are stored
 * there in order, so a renderer can visit them last first without walking
 * the name again for each one (which made rendering quadratic). */
static bool name_walk(const struct rd *name, struct rd *rdns, size_t *out_n, size_t *out_attrs)
{
    struct rd r = *name, seq;
    if (!der_get(&r, DER_SEQUENCE, &seq) || !rd_empty(&r))
        return false;
    size_t n = 0, attrs = 0;
    while (!rd_empty(&seq)) {
        struct rd set, scan;
        x509_name_steps++;
        if (!der_get(&seq, DER_SET, &set) || rd_empty(&set))
            return false;
        scan = set;
        while (!rd_empty(&scan)) {
            struct rd atv, oid, val;
            uint8_t tag;
            x509_name_steps++;
            if (++attrs > X509_MAX_NAME_ATTRS || !der_get(&scan, DER_SEQUENCE, &atv) ||
                !der_get(&atv, DER_OID, &oid) || !der_next(&atv, &tag, &val, NULL) ||
                !rd_empty(&atv))
                return false;
        }
        if (rdns)
            rdns[n] = set;
        n++;
    }
    *out_n = n;
    if (out_attrs)
        *out_attrs = attrs;
    return true;
}

int x509_name_check(const struct rd *name, const char *which, struct tern_err *err)
{
    struct rd r = *name, seq;
    size_t n, attrs = 0;
    if (name_walk(name, NULL, &n, &attrs))
        return TERN_OK;
    /* Tell the cap apart from a malformed name: count without the cap. */
    if (der_get(&r, DER_SEQUENCE, &seq)) {
        size_t count = 0;
        while (!rd_empty(&seq) && count <= X509_MAX_NAME_ATTRS) {
            struct rd set, atv;
            if (!der_get(&seq, DER_SET, &set))
                break;
            while (!rd_empty(&set) && der_get(&set, DER_SEQUENCE, &atv))
                count++;
        }
        if (count > X509_MAX_NAME_ATTRS)
            return BAD("the certificate's %s name has more than %d attributes, tern's cap "
                       "(X509_MAX_NAME_ATTRS; real CAs use fewer than 20)",
                       which, X509_MAX_NAME_ATTRS);
    }
    return BAD("the certificate's %s name is malformed (RFC 5280 §4.1.2.4)", which);
}

char *x509_name_text(const struct rd *name)
{
    /* One pass to find the RDNs (at most X509_MAX_NAME_ATTRS of them), then
     * one pass over them last first (RFC 4514 §2.1): linear in the name. */
    struct rd rdns[X509_MAX_NAME_ATTRS];
    size_t n;
    if (!name_walk(name, rdns, &n, NULL))
        return NULL;
    struct wr w;
    wr_init_grow(&w);
    for (size_t i = n; i-- > 0 && w.len <= 400;) {
        struct rd set = rdns[i];
        bool first_in_set = true;
        while (!rd_empty(&set) && w.len <= 400) {
            struct rd atv, oid, val;
            uint8_t tag;
            x509_name_steps++;
            if (!der_get(&set, DER_SEQUENCE, &atv) || !der_get(&atv, DER_OID, &oid) ||
                !der_next(&atv, &tag, &val, NULL)) {
                wr_free(&w);
                return NULL;
            }
            if (w.len)
                wr_u8(&w, first_in_set ? ',' : '+');
            first_in_set = false;
            const char *an = NULL;
            for (size_t k = 0; k < sizeof(attr_names) / sizeof(attr_names[0]); k++)
                if (der_oid_is(&oid, attr_names[k].oid, attr_names[k].len))
                    an = attr_names[k].name;
            char buf[80];
            if (!an)
                an = der_oid_text(&oid, buf, sizeof(buf));
            if (!*an)
                an = "?"; /* an empty OID; never hand wr_bytes zero bytes on a fresh writer */
            wr_bytes(&w, an, strlen(an));
            wr_u8(&w, '=');
            append_value(&w, &val);
        }
    }
    if (w.len > 400)
        wr_bytes(&w, ",...", 4); /* long enough for a sentence */
    wr_u8(&w, 0);
    size_t len;
    return (char *)wr_detach(&w, &len);
}

/* The names are rendered when a sentence or the trace first asks, not at
 * parse time: a peer's chain costs no rendering unless something is said
 * about it. The cache is filled through a cast; certificates shared between
 * threads (a trust store's) are rendered when added (x509_store_add_der),
 * so no two threads ever fill the same cache. */
static const char *cached_text(const struct rd *name, char *const *cache)
{
    if (!*cache)
        *(char **)cache = x509_name_text(name);
    return *cache ? *cache : "(name not shown: out of memory)";
}

const char *x509_subject_text(const struct x509_cert *c)
{
    return cached_text(&c->subject, &c->subject_cache);
}

const char *x509_issuer_text(const struct x509_cert *c)
{
    return cached_text(&c->issuer, &c->issuer_cache);
}

/* ---- algorithms ---- */

static bool parse_hash_alg(struct rd *r, enum cry_hash *h, bool *weak)
{
    struct rd seq, oid, params;
    bool present;
    if (!der_get(r, DER_SEQUENCE, &seq) || !der_get(&seq, DER_OID, &oid) ||
        !der_get_optional(&seq, DER_NULL, &params, &present) || !rd_empty(&seq) ||
        (present && !rd_empty(&params)))
        return false;
    *weak = false;
    if (DER_OID_IS(&oid, OID_SHA256))
        *h = CRY_SHA256;
    else if (DER_OID_IS(&oid, OID_SHA384))
        *h = CRY_SHA384;
    else if (DER_OID_IS(&oid, OID_SHA512))
        *h = CRY_SHA512;
    else if (DER_OID_IS(&oid, OID_SHA1))
        *h = CRY_SHA1, *weak = true;
    else
        return false;
    return true;
}

/* RSASSA-PSS-params (RFC 4055 §3.1). The defaults are SHA-1, which tern
 * refuses, so every field that matters must be present; MGF1 must use the
 * same hash as the message (the provider's only PSS form). */
static bool parse_pss_params(struct rd *params, struct x509_sigalg *out)
{
    struct rd seq, f;
    bool present;
    if (!der_get(params, DER_SEQUENCE, &seq) || !rd_empty(params))
        return false;
    enum cry_hash h = CRY_SHA1, mh = CRY_SHA1;
    bool weak = true, mweak = true;
    int salt = 20;
    if (!der_get_optional(&seq, DER_CONTEXT_CONSTRUCTED(0), &f, &present))
        return false;
    if (present && (!parse_hash_alg(&f, &h, &weak) || !rd_empty(&f)))
        return false;
    if (!der_get_optional(&seq, DER_CONTEXT_CONSTRUCTED(1), &f, &present))
        return false;
    if (present) {
        struct rd mgf, oid;
        if (!der_get(&f, DER_SEQUENCE, &mgf) || !rd_empty(&f) || !der_get(&mgf, DER_OID, &oid) ||
            !DER_OID_IS(&oid, OID_MGF1) || !parse_hash_alg(&mgf, &mh, &mweak) || !rd_empty(&mgf))
            return false;
    }
    if (!der_get_optional(&seq, DER_CONTEXT_CONSTRUCTED(2), &f, &present))
        return false;
    if (present && (!der_get_small_uint(&f, &salt) || !rd_empty(&f)))
        return false;
    if (!der_get_optional(&seq, DER_CONTEXT_CONSTRUCTED(3), &f, &present))
        return false;
    int trailer = 1;
    if (present && (!der_get_small_uint(&f, &trailer) || !rd_empty(&f)))
        return false;
    if (!rd_empty(&seq) || trailer != 1)
        return false;
    out->hash = h;
    out->weak = weak || mweak;
    out->pss_salt = salt;
    out->known = mh == h;
    return true;
}

bool x509_parse_sigalg(struct rd *r, struct x509_sigalg *out, struct rd *whole)
{
    struct rd seq, oid;
    if (!der_get_whole(r, DER_SEQUENCE, &seq, whole) || !der_get(&seq, DER_OID, &oid))
        return false;
    memset(out, 0, sizeof(*out));
    out->oid = oid;
    out->pss_salt = -1;
    out->known = true;
    static const struct {
        const uint8_t *oid;
        size_t len;
        enum cry_sig_alg alg;
        enum cry_hash hash;
        bool weak, null_params;
        const char *name;
    } algs[] = {
        {OID_SHA256_RSA, sizeof(OID_SHA256_RSA), CRY_SIG_RSA_PKCS1, CRY_SHA256, false, true,
         "sha256WithRSAEncryption"},
        {OID_SHA384_RSA, sizeof(OID_SHA384_RSA), CRY_SIG_RSA_PKCS1, CRY_SHA384, false, true,
         "sha384WithRSAEncryption"},
        {OID_SHA512_RSA, sizeof(OID_SHA512_RSA), CRY_SIG_RSA_PKCS1, CRY_SHA512, false, true,
         "sha512WithRSAEncryption"},
        {OID_SHA1_RSA, sizeof(OID_SHA1_RSA), CRY_SIG_RSA_PKCS1, CRY_SHA1, true, true,
         "sha1WithRSAEncryption"},
        {OID_MD5_RSA, sizeof(OID_MD5_RSA), CRY_SIG_RSA_PKCS1, CRY_SHA1, true, true,
         "md5WithRSAEncryption"},
        {OID_ECDSA_SHA256, sizeof(OID_ECDSA_SHA256), CRY_SIG_ECDSA, CRY_SHA256, false, false,
         "ecdsa-with-SHA256"},
        {OID_ECDSA_SHA384, sizeof(OID_ECDSA_SHA384), CRY_SIG_ECDSA, CRY_SHA384, false, false,
         "ecdsa-with-SHA384"},
        {OID_ECDSA_SHA512, sizeof(OID_ECDSA_SHA512), CRY_SIG_ECDSA, CRY_SHA512, false, false,
         "ecdsa-with-SHA512"},
        {OID_ECDSA_SHA1, sizeof(OID_ECDSA_SHA1), CRY_SIG_ECDSA, CRY_SHA1, true, false,
         "ecdsa-with-SHA1"},
        {OID_ED25519, sizeof(OID_ED25519), CRY_SIG_ED25519, CRY_SHA512, false, false, "Ed25519"},
    };
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        if (!der_oid_is(&oid, algs[i].oid, algs[i].len))
            continue;
        out->alg = algs[i].alg;
        out->hash = algs[i].hash;
        out->weak = algs[i].weak;
        out->name = algs[i].name;
        if (algs[i].null_params) {
            /* RFC 4055 §5: NULL parameters; some encoders omit them. */
            struct rd null;
            bool present;
            if (!der_get_optional(&seq, DER_NULL, &null, &present) || !rd_empty(&null))
                return false;
        }
        return rd_empty(&seq);
    }
    if (DER_OID_IS(&oid, OID_RSASSA_PSS)) {
        out->alg = CRY_SIG_RSA_PSS;
        out->name = "RSASSA-PSS";
        return parse_pss_params(&seq, out);
    }
    out->known = false;
    out->name = "an unknown signature algorithm";
    return true; /* parameters of unknown algorithms are not ours to judge */
}

/* ---- public keys ---- */

/* The number of significant bits of a non-negative INTEGER's contents. */
static unsigned uint_bits(const struct rd *v)
{
    struct rd n = *v;
    while (n.len > 1 && n.p[0] == 0 && rd_skip(&n, 1)) {
    }
    unsigned b = (unsigned)n.len * 8;
    for (uint8_t top = n.p[0]; b > 0 && !(top & 0x80); top <<= 1)
        b--;
    return b;
}

static void parse_spki_type(struct x509_cert *c)
{
    struct rd r = c->spki, seq, alg, oid, bits;
    unsigned unused;
    c->key_type = CRY_KEY_NONE;
    if (!der_get(&r, DER_SEQUENCE, &seq) || !der_get(&seq, DER_SEQUENCE, &alg) ||
        !der_get(&alg, DER_OID, &oid) || !der_get_bit_string(&seq, &bits, &unused) ||
        !rd_empty(&seq) || unused != 0) {
        c->key_problem = "a malformed SubjectPublicKeyInfo";
        return;
    }
    if (DER_OID_IS(&oid, OID_RSA_ENCRYPTION) || DER_OID_IS(&oid, OID_RSASSA_PSS)) {
        /* RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } */
        struct rd key, n, e;
        if (!der_get(&bits, DER_SEQUENCE, &key) || !der_get_integer(&key, &n) ||
            !der_get_integer(&key, &e) || !rd_empty(&key) || !rd_empty(&bits) || (n.p[0] & 0x80)) {
            c->key_problem = "a malformed RSA public key";
            return;
        }
        if (e.p[0] & 0x80) {
            c->key_problem = "an RSA public key with a negative exponent";
            return;
        }
        unsigned b = uint_bits(&n), eb = uint_bits(&e);
        c->key_bits = b;
        /* The same bounds as cry_pubkey_parse_spki, checked here first so
         * the sentence names the value: a huge exponent or modulus makes
         * every signature check with the key costly, so such a key is
         * refused before any signature is verified with it. */
        if (eb > CRY_RSA_MAX_EXPONENT_BITS || eb < 2 || !(e.p[e.len - 1] & 1)) {
            snprintf(c->key_problem_buf, sizeof(c->key_problem_buf),
                     "an RSA public exponent of %u bits%s (tern takes odd exponents from 3 to "
                     "%d bits)",
                     eb, eb && !(e.p[e.len - 1] & 1) ? ", even" : "", CRY_RSA_MAX_EXPONENT_BITS);
            c->key_problem = c->key_problem_buf;
            return;
        }
        if (b > CRY_RSA_MAX_MODULUS_BITS) {
            snprintf(c->key_problem_buf, sizeof(c->key_problem_buf),
                     "a %u-bit RSA modulus (tern takes at most %d bits)", b,
                     CRY_RSA_MAX_MODULUS_BITS);
            c->key_problem = c->key_problem_buf;
            return;
        }
        c->key_type = DER_OID_IS(&oid, OID_RSA_ENCRYPTION) ? CRY_KEY_RSA : CRY_KEY_RSA_PSS;
        return;
    }
    if (DER_OID_IS(&oid, OID_EC_PUBLIC_KEY)) {
        struct rd curve;
        if (!der_get(&alg, DER_OID, &curve) || !rd_empty(&alg)) {
            /* RFC 5480 §2.1.1: only namedCurve is allowed in PKIX. */
            c->key_problem = "an EC key with explicit or missing curve parameters";
            return;
        }
        if (DER_OID_IS(&curve, OID_P256))
            c->key_type = CRY_KEY_EC_P256, c->key_bits = 256;
        else if (DER_OID_IS(&curve, OID_P384))
            c->key_type = CRY_KEY_EC_P384, c->key_bits = 384;
        else if (DER_OID_IS(&curve, OID_P521))
            c->key_type = CRY_KEY_EC_P521, c->key_bits = 521;
        else if (DER_OID_IS(&curve, OID_P192))
            c->key_problem = "an EC key on curve P-192";
        else
            c->key_problem = "an EC key on an unsupported curve";
        return;
    }
    if (DER_OID_IS(&oid, OID_ED25519)) {
        c->key_type = CRY_KEY_ED25519;
        c->key_bits = 256;
        if (!rd_empty(&alg) || bits.len != 32)
            c->key_problem = "a malformed Ed25519 key", c->key_type = CRY_KEY_NONE;
        return;
    }
    if (DER_OID_IS(&oid, OID_DSA)) {
        c->key_problem = "a DSA key";
        return;
    }
    c->key_problem = "a public key of an unsupported algorithm";
}

/* ---- extensions ---- */

static int parse_general_names(struct rd *r, const char *what, struct tern_err *err)
{
    /* GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName; each entry must
     * be a well-formed TLV of a GeneralName tag (RFC 5280 §4.2.1.6). */
    if (rd_empty(r))
        return BAD("the %s extension is an empty list", what);
    while (!rd_empty(r)) {
        uint8_t tag;
        struct rd v;
        if (!der_next(r, &tag, &v, NULL))
            return BAD("the %s extension is not valid DER", what);
        switch (tag) {
        case DER_CONTEXT_CONSTRUCTED(0): /* otherName */
        case DER_CONTEXT(1):             /* rfc822Name */
        case DER_CONTEXT(2):             /* dNSName */
        case DER_CONTEXT_CONSTRUCTED(3): /* x400Address */
        case DER_CONTEXT_CONSTRUCTED(5): /* ediPartyName */
        case DER_CONTEXT(6):             /* URI */
        case DER_CONTEXT(7):             /* iPAddress */
        case DER_CONTEXT(8):             /* registeredID */
            break;
        case DER_CONTEXT_CONSTRUCTED(4): { /* directoryName: explicit Name */
            struct rd inner;
            if (!der_get(&v, DER_SEQUENCE, &inner) || !rd_empty(&v))
                return BAD("the %s extension holds a malformed directoryName", what);
            break;
        }
        default:
            return BAD("the %s extension holds an entry with tag 0x%02x, not a GeneralName", what,
                       tag);
        }
    }
    return TERN_OK;
}

static int parse_subtrees(struct rd *r, struct tern_err *err)
{
    while (!rd_empty(r)) {
        struct rd st, base;
        uint8_t tag;
        if (!der_get(r, DER_SEQUENCE, &st) || !der_next(&st, &tag, &base, NULL))
            return BAD("the nameConstraints extension is malformed");
        /* minimum DEFAULT 0 and maximum are absent in the PKIX profile
         * (RFC 5280 §4.2.1.10). */
        if (!rd_empty(&st))
            return BAD("the nameConstraints extension uses minimum or maximum, which RFC 5280 "
                       "forbids");
    }
    return TERN_OK;
}

static int parse_extension(struct x509_cert *c, const struct rd *oid, bool critical, struct rd v,
                           struct tern_err *err)
{
    struct rd seq;
    if (DER_OID_IS(oid, OID_BC)) {
        c->has_bc = true;
        c->bc_critical = critical;
        if (!der_get(&v, DER_SEQUENCE, &seq) || !rd_empty(&v))
            return BAD("the basicConstraints extension is malformed");
        /* cA BOOLEAN DEFAULT FALSE: DER omits a FALSE. */
        if (der_peek(&seq, DER_BOOLEAN) && (!der_get_bool(&seq, &c->ca) || !c->ca))
            return BAD("the basicConstraints extension is malformed");
        if (!rd_empty(&seq) && !der_get_small_uint(&seq, &c->path_len))
            return BAD("the basicConstraints pathLenConstraint is malformed");
        if (!rd_empty(&seq))
            return BAD("the basicConstraints extension has trailing data");
        return TERN_OK;
    }
    if (DER_OID_IS(oid, OID_KU)) {
        struct rd bits;
        unsigned unused;
        c->has_ku = true;
        if (!der_get_bit_string(&v, &bits, &unused) || !rd_empty(&v) || bits.len > 2)
            return BAD("the keyUsage extension is malformed");
        /* No bit asserted is well-formed DER but breaks RFC 5280 §4.2.1.3
         * ("at least one of the bits MUST be set"): judged on a path
         * (ku == 0), so such a certificate in a bundle does no harm. */
        uint8_t b0 = 0, b1 = 0;
        if ((bits.len && !rd_u8(&bits, &b0)) || (bits.len && !rd_u8(&bits, &b1)))
            return BAD("the keyUsage extension is malformed");
        /* Bit 0 is the most significant bit of the first byte (X.690 §8.6). */
        for (unsigned i = 0; i < 8; i++)
            if (b0 & (0x80 >> i))
                c->ku |= 1u << i;
        if (b1 & 0x80)
            c->ku |= X509_KU_DECIPHER_ONLY;
        return TERN_OK;
    }
    if (DER_OID_IS(oid, OID_EKU)) {
        c->has_eku = true;
        c->eku_critical = critical;
        if (!der_get(&v, DER_SEQUENCE, &seq) || !rd_empty(&v) || rd_empty(&seq))
            return BAD("the extKeyUsage extension is malformed or empty (RFC 5280 §4.2.1.12 "
                       "requires at least one purpose)");
        while (!rd_empty(&seq)) {
            struct rd kp;
            if (!der_get(&seq, DER_OID, &kp))
                return BAD("the extKeyUsage extension is malformed");
            if (DER_OID_IS(&kp, OID_KP_SERVER))
                c->eku |= X509_EKU_SERVER_AUTH;
            else if (DER_OID_IS(&kp, OID_KP_CLIENT))
                c->eku |= X509_EKU_CLIENT_AUTH;
            else if (DER_OID_IS(&kp, OID_ANY_EKU))
                c->eku |= X509_EKU_ANY;
            else
                c->eku |= X509_EKU_OTHER;
        }
        return TERN_OK;
    }
    if (DER_OID_IS(oid, OID_SAN)) {
        c->has_san = true;
        c->san_critical = critical;
        if (!der_get(&v, DER_SEQUENCE, &c->san) || !rd_empty(&v))
            return BAD("the subjectAltName extension is malformed");
        struct rd names = c->san;
        return parse_general_names(&names, "subjectAltName", err);
    }
    if (DER_OID_IS(oid, OID_IAN)) {
        if (!der_get(&v, DER_SEQUENCE, &seq) || !rd_empty(&v))
            return BAD("the issuerAltName extension is malformed");
        return parse_general_names(&seq, "issuerAltName", err);
    }
    if (DER_OID_IS(oid, OID_NC)) {
        c->has_nc = true;
        c->nc_critical = critical;
        if (!der_get(&v, DER_SEQUENCE, &seq) || !rd_empty(&v) ||
            !der_get_optional(&seq, DER_CONTEXT_CONSTRUCTED(0), &c->nc_permitted,
                              &c->nc_has_permitted) ||
            !der_get_optional(&seq, DER_CONTEXT_CONSTRUCTED(1), &c->nc_excluded,
                              &c->nc_has_excluded) ||
            !rd_empty(&seq))
            return BAD("the nameConstraints extension is malformed");
        struct rd p = c->nc_permitted, x = c->nc_excluded;
        TRY(parse_subtrees(&p, err));
        return parse_subtrees(&x, err);
    }
    if (DER_OID_IS(oid, OID_AKI)) {
        bool present;
        struct rd f;
        c->has_aki = true;
        c->aki_critical = critical;
        if (!der_get(&v, DER_SEQUENCE, &seq) || !rd_empty(&v) ||
            !der_get_optional(&seq, DER_CONTEXT(0), &c->aki_keyid, &c->aki_has_keyid))
            return BAD("the authorityKeyIdentifier extension is malformed");
        if (!der_get_optional(&seq, DER_CONTEXT_CONSTRUCTED(1), &f, &present))
            return BAD("the authorityKeyIdentifier extension is malformed");
        c->aki_has_issuer_serial = present;
        if (present)
            TRY(parse_general_names(&f, "authorityKeyIdentifier", err));
        if (!der_get_optional(&seq, DER_CONTEXT(2), &f, &present) || !rd_empty(&seq))
            return BAD("the authorityKeyIdentifier extension is malformed");
        c->aki_has_issuer_serial |= present;
        return TERN_OK;
    }
    if (DER_OID_IS(oid, OID_SKI)) {
        c->has_ski = true;
        c->ski_critical = critical;
        if (!der_get(&v, DER_OCTET_STRING, &c->ski) || !rd_empty(&v) || rd_empty(&c->ski))
            return BAD("the subjectKeyIdentifier extension is malformed");
        return TERN_OK;
    }
    if (DER_OID_IS(oid, OID_AIA)) {
        c->aia_critical = critical;
        /* SEQUENCE SIZE (1..MAX) OF AccessDescription {accessMethod, accessLocation} */
        if (!der_get(&v, DER_SEQUENCE, &seq) || !rd_empty(&v) || rd_empty(&seq))
            return BAD("the authorityInfoAccess extension is malformed");
        while (!rd_empty(&seq)) {
            struct rd ad, method, loc;
            uint8_t tag;
            if (!der_get(&seq, DER_SEQUENCE, &ad) || !der_get(&ad, DER_OID, &method) ||
                !der_next(&ad, &tag, &loc, NULL) || !rd_empty(&ad) || (tag & 0xc0) != 0x80)
                return BAD("the authorityInfoAccess extension is malformed");
        }
        return TERN_OK;
    }
    if (DER_OID_IS(oid, OID_POLICIES)) {
        /* Parsed for form only: tern validates for any policy (the web's
         * user-initial-policy-set), so a critical policies extension is
         * honoured by accepting every policy. */
        if (!der_get(&v, DER_SEQUENCE, &seq) || !rd_empty(&v) || rd_empty(&seq))
            return BAD("the certificatePolicies extension is malformed");
        while (!rd_empty(&seq)) {
            struct rd pi, pid;
            if (!der_get(&seq, DER_SEQUENCE, &pi) || !der_get(&pi, DER_OID, &pid))
                return BAD("the certificatePolicies extension is malformed");
        }
        return TERN_OK;
    }
    if (DER_OID_IS(oid, OID_POLICY_CONSTRAINTS)) {
        c->has_policy_constraints = true;
        c->policy_constraints_critical = critical;
        if (!der_get(&v, DER_SEQUENCE, &seq) || !rd_empty(&v))
            return BAD("the policyConstraints extension is malformed");
        return TERN_OK;
    }
    if (DER_OID_IS(oid, OID_CRL_DP)) {
        /* Kept for matching a CRL's issuingDistributionPoint (crl.c). */
        c->has_crl_dp = true;
        if (!der_get(&v, DER_SEQUENCE, &c->crl_dp) || !rd_empty(&v) || rd_empty(&c->crl_dp))
            return BAD("the cRLDistributionPoints extension is malformed");
        return TERN_OK;
    }
    if (DER_OID_IS(oid, OID_POLICY_MAPPINGS) || DER_OID_IS(oid, OID_INHIBIT_ANY)) {
        return TERN_OK; /* understood well enough: policy processing is "any" */
    }
    if (critical && !c->unknown_critical) {
        c->unknown_critical = true;
        der_oid_text(oid, c->unknown_critical_oid, sizeof(c->unknown_critical_oid));
    }
    return TERN_OK;
}

static int parse_extensions(struct x509_cert *c, struct rd *exts, struct tern_err *err)
{
    struct rd seen[64];
    size_t n = 0;
    if (rd_empty(exts))
        return BAD("the certificate has an empty extensions list");
    while (!rd_empty(exts)) {
        struct rd ext, oid, value;
        bool critical = false;
        if (!der_get(exts, DER_SEQUENCE, &ext) || !der_get(&ext, DER_OID, &oid))
            return BAD("an extension is malformed");
        /* critical BOOLEAN DEFAULT FALSE: DER omits a FALSE (X.690 §11.5). */
        if (der_peek(&ext, DER_BOOLEAN) && (!der_get_bool(&ext, &critical) || !critical))
            return BAD("an extension encodes its critical flag in a form DER forbids");
        if (!der_get(&ext, DER_OCTET_STRING, &value) || !rd_empty(&ext))
            return BAD("an extension is malformed");
        char buf[64];
        for (size_t i = 0; i < n; i++)
            if (der_eq(&seen[i], &oid))
                return BAD("extension %s appears twice (RFC 5280 §4.2)",
                           der_oid_text(&oid, buf, sizeof(buf)));
        if (n == 64)
            return BAD("the certificate has more than 64 extensions");
        seen[n++] = oid;
        TRY(parse_extension(c, &oid, critical, value, err));
    }
    return TERN_OK;
}

static int parse_tbs(struct x509_cert *c, struct rd tbs, const struct rd *outer_alg,
                     struct tern_err *err)
{
    struct rd f, alg_whole, validity, exts;
    bool present;
    c->version = 1;
    if (!der_get_optional(&tbs, DER_CONTEXT_CONSTRUCTED(0), &f, &present))
        return BAD("the certificate's version field is malformed");
    if (present) {
        int v;
        if (!der_get_small_uint(&f, &v) || !rd_empty(&f) || v > 2)
            return BAD("the certificate's version field is malformed");
        if (v == 0)
            return BAD("the certificate encodes the default version 1, which DER omits");
        c->version = v + 1;
    }
    struct x509_sigalg inner;
    if (!der_get_integer(&tbs, &c->serial))
        return BAD("the certificate's serial number is not a DER INTEGER");
    if (!x509_parse_sigalg(&tbs, &inner, &alg_whole))
        return BAD("the certificate's signature algorithm is malformed");
    /* RFC 5280 §4.1.1.2: the two algorithm fields MUST match. */
    if (!der_eq(&alg_whole, outer_alg))
        return BAD("the certificate's signed algorithm field differs from its outer "
                   "signatureAlgorithm (RFC 5280 §4.1.1.2)");
    if (!der_get_whole(&tbs, DER_SEQUENCE, &f, &c->issuer))
        return BAD("the certificate's issuer is malformed");
    if (!der_get(&tbs, DER_SEQUENCE, &validity) || !der_get_time(&validity, &c->not_before) ||
        !der_get_time(&validity, &c->not_after) || !rd_empty(&validity))
        return BAD("the certificate's validity is malformed (RFC 5280 §4.1.2.5 wants "
                   "YYMMDDHHMMSSZ or YYYYMMDDHHMMSSZ)");
    if (!der_get_whole(&tbs, DER_SEQUENCE, &f, &c->subject))
        return BAD("the certificate's subject is malformed");
    TRY(x509_name_check(&c->issuer, "issuer", err));
    TRY(x509_name_check(&c->subject, "subject", err));
    c->names_checked = true;
    if (!der_get_whole(&tbs, DER_SEQUENCE, &f, &c->spki))
        return BAD("certificate '%s': its public key is malformed", x509_subject_text(c));
    if (!der_get_optional(&tbs, DER_CONTEXT(1), &f, &present) || (present && c->version < 2) ||
        !der_get_optional(&tbs, DER_CONTEXT(2), &f, &present) || (present && c->version < 2))
        return BAD("certificate '%s': malformed unique identifiers", x509_subject_text(c));
    if (!der_get_optional(&tbs, DER_CONTEXT_CONSTRUCTED(3), &f, &present))
        return BAD("certificate '%s': its extensions are malformed", x509_subject_text(c));
    if (present) {
        if (c->version != 3 || !der_get(&f, DER_SEQUENCE, &exts) || !rd_empty(&f))
            return BAD("certificate '%s': extensions in a version %d certificate",
                       x509_subject_text(c), c->version);
        int rc = parse_extensions(c, &exts, err);
        if (rc != TERN_OK)
            return rc;
    }
    if (!rd_empty(&tbs))
        return BAD("certificate '%s': trailing data after the extensions", x509_subject_text(c));
    if (x509_name_key(&c->subject, &c->subject_key, &c->subject_key_len) != TERN_OK ||
        x509_name_key(&c->issuer, &c->issuer_key, &c->issuer_key_len) != TERN_OK)
        return err_set(err, TERN_E_NOMEM, "out of memory comparing the certificate's names");
    /* Names compare by RFC 5280 §7.1 (strprep.c), so does self-issued. */
    c->self_issued = x509_issued_by_name(c, c);
    parse_spki_type(c);
    return TERN_OK;
}

int x509_cert_parse(const uint8_t *der, size_t len, struct x509_cert **out, struct tern_err *err)
{
    *out = NULL;
    struct x509_cert *c = tern_calloc(1, sizeof(*c));
    if (!c || !(c->der = tern_memdup(der, len ? len : 1))) {
        tern_free(c);
        return err_set(err, TERN_E_NOMEM, "out of memory parsing a certificate");
    }
    c->der_len = len;
    c->path_len = -1;
    struct rd r, cert, alg_whole, tbs_content;
    rd_init(&r, c->der, len);
    unsigned unused;
    int rc = TERN_OK;
    struct tern_err local;
    err_init(&local);
    if (!der_get(&r, DER_SEQUENCE, &cert) || !rd_empty(&r))
        rc = err_set(&local, TERN_E_BAD_CERTIFICATE,
                     "the certificate is not a single DER SEQUENCE (%zu bytes)", len);
    else if (!der_get_whole(&cert, DER_SEQUENCE, &tbs_content, &c->tbs) ||
             !x509_parse_sigalg(&cert, &c->sigalg, &alg_whole) ||
             !der_get_bit_string(&cert, &c->sig, &unused) || unused != 0 || !rd_empty(&cert))
        rc = err_set(&local, TERN_E_BAD_CERTIFICATE,
                     "the certificate's outer structure (tbsCertificate, signatureAlgorithm, "
                     "signatureValue) is malformed");
    else
        rc = parse_tbs(c, tbs_content, &alg_whole, &local);
    if (rc != TERN_OK) {
        if (local.code && c->names_checked && strncmp(local.msg, "certificate '", 13) != 0)
            err_set(err, local.code, "certificate '%s': %s", x509_subject_text(c), local.msg);
        else if (local.code)
            err_set(err, local.code, "%s", local.msg);
        x509_cert_free(c);
        return rc;
    }
    *out = c;
    return TERN_OK;
}

void x509_cert_free(struct x509_cert *c)
{
    if (!c)
        return;
    tern_free(c->der);
    tern_free(c->subject_cache);
    tern_free(c->issuer_cache);
    tern_free(c->subject_key);
    tern_free(c->issuer_key);
    tern_free(c);
}

/* ---- signatures ---- */

static const char *what_text(const char *what, const struct x509_cert *signed_cert, char *buf,
                             size_t cap)
{
    if (what)
        return what;
    snprintf(buf, cap, "certificate '%s'", x509_subject_text(signed_cert));
    return buf;
}

int x509_verify_signature(const struct x509_cert *issuer, const struct x509_sigalg *alg,
                          const struct rd *msg, const struct rd *sig,
                          const struct x509_cert *signed_cert, const char *what,
                          struct tern_err *err)
{
    char oid[64], shown[500];
    /* The signed certificate is named only in a sentence: a signature that
     * verifies renders no name (WHAT is evaluated on the failure paths). */
#define WHAT what_text(what, signed_cert, shown, sizeof(shown))
    if (!alg->known)
        return err_set(err, TERN_E_UNSUPPORTED_CERTIFICATE,
                       "%s is signed with algorithm %s, which tern does not support", WHAT,
                       der_oid_text(&alg->oid, oid, sizeof(oid)));
    if (alg->weak)
        return err_set(err, TERN_E_UNSUPPORTED_CERTIFICATE,
                       "%s is signed with %s; tern refuses SHA-1 and MD5 signatures", WHAT,
                       alg->name);
    if (issuer->key_problem)
        return err_set(err, TERN_E_UNSUPPORTED_CERTIFICATE, "%s is signed by '%s', which has %s",
                       WHAT, x509_subject_text(issuer), issuer->key_problem);
    bool fits;
    switch (alg->alg) {
    case CRY_SIG_ECDSA:
        fits = issuer->key_type == CRY_KEY_EC_P256 || issuer->key_type == CRY_KEY_EC_P384 ||
               issuer->key_type == CRY_KEY_EC_P521;
        break;
    case CRY_SIG_RSA_PKCS1:
        fits = issuer->key_type == CRY_KEY_RSA;
        break;
    case CRY_SIG_RSA_PSS:
        fits = issuer->key_type == CRY_KEY_RSA || issuer->key_type == CRY_KEY_RSA_PSS;
        break;
    case CRY_SIG_ED25519:
        fits = issuer->key_type == CRY_KEY_ED25519;
        break;
    default:
        fits = false;
    }
    if (!fits)
        return err_set(err, TERN_E_BAD_CERTIFICATE,
                       "%s is signed with %s, which does not fit the key of '%s'", WHAT, alg->name,
                       x509_subject_text(issuer));
    struct cry_pubkey pk = {0};
    int rc = cry_pubkey_parse_spki(&pk, issuer->spki.p, issuer->spki.len);
    if (rc != TERN_OK) {
        cry_pubkey_cleanup(&pk);
        return err_set(
            err, rc == TERN_E_UNSUPPORTED ? TERN_E_UNSUPPORTED_CERTIFICATE : TERN_E_BAD_CERTIFICATE,
            "the public key of '%s' cannot be used to check %s (%s)", x509_subject_text(issuer),
            WHAT, tern_status_name(rc));
    }
    rc = cry_verify(&pk, alg->alg, alg->hash, alg->pss_salt, msg->p, msg->len, sig->p, sig->len);
    cry_pubkey_cleanup(&pk);
    if (rc == TERN_E_DECRYPT)
        return err_set(err, TERN_E_BAD_CERTIFICATE,
                       "the %s signature on %s does not verify with the key of '%s'", alg->name,
                       WHAT, x509_subject_text(issuer));
    if (rc != TERN_OK)
        return err_set(
            err, rc == TERN_E_UNSUPPORTED ? TERN_E_UNSUPPORTED_CERTIFICATE : TERN_E_BAD_CERTIFICATE,
            "the %s signature on %s cannot be checked with the key of '%s' (%s)", alg->name, WHAT,
            x509_subject_text(issuer), tern_status_name(rc));
    return TERN_OK;
#undef WHAT
}
