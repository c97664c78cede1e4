/* Name comparison by RFC 5280 §7.1: distinguished names chain when they are
 * equal after the LDAP string preparation of RFC 4518, not only when their
 * DER is byte for byte the same ("Good CA" issues for a certificate whose
 * issuer reads "GOOD  CA"; a CA that moved from PrintableString to
 * UTF8String still chains).
 *
 * A Name is turned into a comparison key: for each RDN a marker, then for
 * each attribute its type OID and its value, length-prefixed. String values
 * (RFC 4518 §2.1: transcoded to Unicode) are prepared: characters mapped to
 * nothing or to SPACE (§2.2), case folded and normalised to NFKC (§2.2,
 * §2.3, through libunistring), refused if prohibited (§2.4), and with
 * insignificant spaces removed (§2.6.1: none at either end, runs of spaces
 * count as one). Other values are kept as tag and bytes, as are strings that
 * cannot be prepared, so they match only themselves. Two names are equal
 * when their keys are; a name is within a directoryName subtree when the
 * subtree's key is a prefix of its key ending at an RDN boundary. */
#include "x509/x509.h"

#include "base/mem.h"
#include "base/der.h"

#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <uninorm.h>
#include <unistr.h>

enum { KEY_RDN = 'R', KEY_STRING = 'S', KEY_RAW = 'T' };

static bool is_string_tag(uint8_t tag)
{
    switch (tag) {
    case DER_UTF8_STRING:
    case DER_PRINTABLE_STRING:
    case DER_T61_STRING:
    case DER_IA5_STRING:
    case 0x1a: /* VisibleString */
    case DER_UNIVERSAL_STRING:
    case DER_BMP_STRING:
        return true;
    default:
        return false;
    }
}

/* RFC 4518 §2.2: code points mapped to nothing. */
static bool maps_to_nothing(ucs4_t c)
{
    return c == 0xad || c == 0x1806 || c == 0x34f || (c >= 0x180b && c <= 0x180d) ||
           (c >= 0xfe00 && c <= 0xfe0f) || c == 0xfffc || c <= 0x08 || (c >= 0x0e && c <= 0x1f) ||
           (c >= 0x7f && c <= 0x84) || (c >= 0x86 && c <= 0x9f) || c == 0x200b || c == 0x200c ||
           c == 0x200d || c == 0x2060 || c == 0xfeff;
}

/* RFC 4518 §2.2: code points mapped to SPACE (the separators and the
 * whitespace controls). */
static bool maps_to_space(ucs4_t c)
{
    return (c >= 0x09 && c <= 0x0d) || c == 0x85 || c == 0xa0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
           c == 0x205f || c == 0x3000;
}

/* RFC 4518 §2.4: prohibited code points (private use, non-characters,
 * surrogates, the replacement character). */
static bool prohibited(ucs4_t c)
{
    return (c >= 0xe000 && c <= 0xf8ff) || (c >= 0xf0000) || (c >= 0xd800 && c <= 0xdfff) ||
           (c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe || c == 0xfffd;
}

/* Decode one code point of a string of type tag; false at a malformed one. */
static bool next_cp(uint8_t tag, struct rd *v, ucs4_t *out)
{
    const uint8_t *p;
    switch (tag) {
    case DER_BMP_STRING:
        if (!rd_bytes(v, &p, 2))
            return false;
        *out = (ucs4_t)p[0] << 8 | p[1];
        return true;
    case DER_UNIVERSAL_STRING:
        if (!rd_bytes(v, &p, 4))
            return false;
        *out = (ucs4_t)p[0] << 24 | (ucs4_t)p[1] << 16 | (ucs4_t)p[2] << 8 | p[3];
        return *out < 0x110000;
    case DER_T61_STRING: /* read as ISO 8859-1, as the deployed PKI writes it */
        if (!rd_bytes(v, &p, 1))
            return false;
        *out = p[0];
        return true;
    case DER_UTF8_STRING: {
        int n = u8_mbtoucr(out, v->p, v->len);
        return n > 0 && rd_skip(v, (size_t)n);
    }
    default: /* PrintableString, IA5String, VisibleString: ASCII */
        if (!rd_bytes(v, &p, 1) || p[0] > 0x7f)
            return false;
        *out = p[0];
        return true;
    }
}

/* Prepare one string value into w; false if it cannot be prepared. */
static bool prepare(struct wr *w, uint8_t tag, const struct rd *value)
{
    struct wr mapped;
    wr_init_grow(&mapped);
    struct rd v = *value;
    while (!rd_empty(&v)) {
        ucs4_t c;
        uint8_t buf[6];
        if (!next_cp(tag, &v, &c) || prohibited(c)) {
            wr_free(&mapped);
            return false;
        }
        if (maps_to_nothing(c))
            continue;
        if (maps_to_space(c))
            c = ' ';
        int n = u8_uctomb(buf, c, sizeof(buf));
        if (n <= 0) {
            wr_free(&mapped);
            return false;
        }
        wr_bytes(&mapped, buf, (size_t)n);
    }
    size_t folded_len = 0;
    uint8_t *folded = NULL;
    if (mapped.len) {
        folded = u8_casefold(mapped.buf, mapped.len, NULL, UNINORM_NFKC, NULL, &folded_len);
        if (!folded) {
            wr_free(&mapped);
            return false;
        }
    }
    wr_free(&mapped);
    /* §2.6.1 insignificant space handling, for comparison purposes: no
     * leading or trailing space, internal runs of spaces as one. */
    bool pending_space = false, any = false;
    for (size_t i = 0; i < folded_len; i++) {
        if (folded[i] == ' ') {
            pending_space = any;
            continue;
        }
        if (pending_space)
            wr_u8(w, ' ');
        pending_space = false;
        any = true;
        wr_u8(w, folded[i]);
    }
    free(folded); /* libunistring allocates with malloc */
    return true;
}

static void put_field(struct wr *w, uint8_t kind, const uint8_t *p, size_t n)
{
    wr_u8(w, kind);
    wr_u32(w, (uint32_t)n);
    if (n)
        wr_bytes(w, p, n);
}

int x509_name_key(const struct rd *name, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    struct rd r = *name, seq;
    if (!der_get(&r, DER_SEQUENCE, &seq) || !rd_empty(&r))
        return TERN_E_BAD_CERTIFICATE;
    struct wr w;
    wr_init_grow(&w);
    wr_u8(&w, 'N'); /* never empty, so an empty name still has a key */
    size_t attrs = 0;
    while (!rd_empty(&seq)) {
        struct rd set;
        if (!der_get(&seq, DER_SET, &set) || rd_empty(&set)) {
            wr_free(&w);
            return TERN_E_BAD_CERTIFICATE;
        }
        wr_u8(&w, KEY_RDN);
        while (!rd_empty(&set)) {
            struct rd atv, oid, val;
            uint8_t tag;
            if (++attrs > X509_MAX_NAME_ATTRS || !der_get(&set, DER_SEQUENCE, &atv) ||
                !der_get(&atv, DER_OID, &oid) || !der_next(&atv, &tag, &val, NULL)) {
                wr_free(&w);
                return TERN_E_BAD_CERTIFICATE;
            }
            put_field(&w, 'O', oid.p, oid.len);
            struct wr prep;
            wr_init_grow(&prep);
            if (is_string_tag(tag) && prepare(&prep, tag, &val)) {
                put_field(&w, KEY_STRING, prep.buf, prep.len);
            } else {
                uint8_t t = tag;
                put_field(&w, KEY_RAW, &t, 1);
                put_field(&w, KEY_RAW, val.p, val.len);
            }
            wr_free(&prep);
        }
    }
    if (!wr_ok(&w)) {
        wr_free(&w);
        return TERN_E_NOMEM;
    }
    *out = wr_detach(&w, out_len);
    return *out ? TERN_OK : TERN_E_NOMEM;
}

bool x509_name_eq(const struct rd *a, const struct rd *b)
{
    if (der_eq(a, b))
        return true;
    uint8_t *ka, *kb;
    size_t la, lb;
    bool eq = false;
    if (x509_name_key(a, &ka, &la) == TERN_OK) {
        if (x509_name_key(b, &kb, &lb) == TERN_OK) {
            eq = la == lb && memcmp(ka, kb, la) == 0;
            tern_free(kb);
        }
        tern_free(ka);
    }
    return eq;
}

bool x509_name_within(const struct rd *name, const struct rd *base)
{
    uint8_t *kn, *kb;
    size_t ln, lb;
    bool within = false;
    if (x509_name_key(name, &kn, &ln) == TERN_OK) {
        if (x509_name_key(base, &kb, &lb) == TERN_OK) {
            within = lb <= ln && memcmp(kn, kb, lb) == 0 && (lb == ln || kn[lb] == KEY_RDN);
            tern_free(kb);
        }
        tern_free(kn);
    }
    return within;
}

bool x509_issued_by_name(const struct x509_cert *child, const struct x509_cert *parent)
{
    return child->issuer_key_len == parent->subject_key_len &&
           memcmp(child->issuer_key, parent->subject_key, child->issuer_key_len) == 0;
}

bool x509_same_subject(const struct x509_cert *a, const struct x509_cert *b)
{
    return a->subject_key_len == b->subject_key_len &&
           memcmp(a->subject_key, b->subject_key, a->subject_key_len) == 0;
}
