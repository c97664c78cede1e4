/* Offline CRLs (RFC 5280 §5): parsed strictly, checked for issuer, signature,
 * currency and the CRLNumber rule before their revoked list is believed. */
#include "x509/x509.h"

#include "base/mem.h"
#include "base/der.h"
#include "x509/oids.h"

#include <stdio.h>
#include <string.h>

struct x509_crl {
    uint8_t *der;
    size_t der_len;
    struct rd tbs;
    struct x509_sigalg sigalg;
    struct rd sig;
    bool sig_unaligned; /* the signature BIT STRING is not whole bytes */
    struct rd issuer;
    char *issuer_text;
    int64_t this_update, next_update; /* next_update -1 when absent */
    struct rd revoked;                /* revokedCertificates contents */
    bool has_crl_number, crl_number_critical;
    /* issuingDistributionPoint (RFC 5280 §5.2.5) */
    bool has_idp, idp_full_name, idp_relative, only_user, only_ca, only_attr, some_reasons,
        indirect;
    struct rd idp_names;  /* fullName GeneralNames contents, or the relative RDN (SET) */
    unsigned idp_reasons; /* onlySomeReasons, as a mask (X509_REASONS_ALL when absent) */
    bool unknown_critical;
    char unknown_oid[64];
};

#define BADCRL(...) err_set(err, TERN_E_BAD_CERTIFICATE, __VA_ARGS__)

/* ReasonFlags (a BIT STRING's contents, with its unused-bits byte) as a
 * mask: bit n is (1u << n), bit 0 the first byte's most significant. */
static unsigned reason_mask(const struct rd *bits)
{
    unsigned m = 0;
    for (size_t i = 1; i < bits->len && i < 3; i++)
        for (unsigned b = 0; b < 8; b++)
            if (bits->p[i] & (0x80 >> b))
                m |= 1u << ((i - 1) * 8 + b);
    return m & X509_REASONS_ALL;
}

/* IssuingDistributionPoint ::= SEQUENCE { distributionPoint [0]
 * DistributionPointName OPTIONAL, onlyContainsUserCerts [1] BOOLEAN,
 * onlyContainsCACerts [2] BOOLEAN, onlySomeReasons [3] ReasonFlags OPTIONAL,
 * indirectCRL [4] BOOLEAN, onlyContainsAttributeCerts [5] BOOLEAN } */
static int parse_idp(struct x509_crl *crl, struct rd value, struct tern_err *err)
{
    struct rd seq, f;
    bool present;
    crl->has_idp = true;
    if (!der_get(&value, DER_SEQUENCE, &seq) || !rd_empty(&value))
        return BADCRL("the CRL's issuingDistributionPoint is malformed");
    if (!der_get_optional(&seq, DER_CONTEXT_CONSTRUCTED(0), &f, &present))
        return BADCRL("the CRL's issuingDistributionPoint is malformed");
    if (present) {
        bool full, relative;
        if (!der_get_optional(&f, DER_CONTEXT_CONSTRUCTED(0), &crl->idp_names, &full) ||
            (!full &&
             !der_get_optional(&f, DER_CONTEXT_CONSTRUCTED(1), &crl->idp_names, &relative)) ||
            (!full && !relative) || !rd_empty(&f))
            return BADCRL("the CRL's issuingDistributionPoint is malformed");
        crl->idp_full_name = full;
        crl->idp_relative = !full;
    }
    crl->idp_reasons = X509_REASONS_ALL;
    bool *flags[] = {NULL, &crl->only_user, &crl->only_ca, NULL, &crl->indirect, &crl->only_attr};
    for (unsigned tag = 1; tag <= 5; tag++) {
        if (!der_get_optional(&seq, tag == 3 ? DER_CONTEXT(3) : DER_CONTEXT(tag), &f, &present))
            return BADCRL("the CRL's issuingDistributionPoint is malformed");
        if (!present)
            continue;
        if (tag == 3) {
            crl->some_reasons = true;
            crl->idp_reasons = reason_mask(&f);
            continue;
        }
        if (f.len != 1 || f.p[0] != 0xff) /* DER: TRUE only, FALSE is omitted */
            return BADCRL("the CRL's issuingDistributionPoint encodes a flag in a form DER "
                          "forbids");
        *flags[tag] = true;
    }
    if (!rd_empty(&seq))
        return BADCRL("the CRL's issuingDistributionPoint is malformed");
    return TERN_OK;
}

/* Does a GeneralName (tag, contents) match one of a list's (contents)?
 * directoryNames compare as names do (RFC 5280 §7.1), others byte for
 * byte. */
static bool name_in(uint8_t tag, const struct rd *v, const struct rd *list)
{
    struct rd b = *list, vb;
    uint8_t tb;
    while (!rd_empty(&b) && der_next(&b, &tb, &vb, NULL))
        if (tb == tag &&
            (tag == DER_CONTEXT_CONSTRUCTED(4) ? x509_name_eq(v, &vb) : der_eq(v, &vb)))
            return true;
    return false;
}

/* A DistributionPointName relative to an issuer: the issuer's Name with
 * the RDN (SET, contents) appended, as a directoryName's contents (a whole
 * Name), written into w. */
static bool relative_name(struct wr *w, const struct rd *issuer, const struct rd *rdn)
{
    struct rd r = *issuer, rdns;
    if (!der_get(&r, DER_SEQUENCE, &rdns))
        return false;
    struct wr body;
    wr_init_grow(&body);
    if (rdns.len)
        wr_bytes(&body, rdns.p, rdns.len);
    /* the SET header, then its contents */
    wr_u8(&body, DER_SET);
    if (rdn->len < 0x80) {
        wr_u8(&body, (uint8_t)rdn->len);
    } else {
        wr_u8(&body, 0x82);
        wr_u16(&body, (uint16_t)rdn->len);
    }
    if (rdn->len)
        wr_bytes(&body, rdn->p, rdn->len);
    wr_u8(w, DER_SEQUENCE);
    if (body.len < 0x80) {
        wr_u8(w, (uint8_t)body.len);
    } else {
        wr_u8(w, 0x82);
        wr_u16(w, (uint16_t)body.len);
    }
    wr_bytes(w, body.buf, body.len);
    bool ok = wr_ok(&body) && wr_ok(w) && rdn->len < 0x10000 && body.len < 0x10000;
    wr_free(&body);
    return ok;
}

/* The names a DistributionPointName stands for, as GeneralNames contents in
 * w: a fullName's list as it is, a nameRelativeToCRLIssuer as one
 * directoryName under `issuer`. */
static bool dp_names(struct wr *w, bool full, const struct rd *names, const struct rd *issuer)
{
    if (full) {
        if (names->len)
            wr_bytes(w, names->p, names->len);
        return wr_ok(w);
    }
    struct wr name;
    wr_init_grow(&name);
    bool ok = relative_name(&name, issuer, names) && name.len < 0x10000;
    if (ok) {
        wr_u8(w, DER_CONTEXT_CONSTRUCTED(4));
        if (name.len < 0x80) {
            wr_u8(w, (uint8_t)name.len);
        } else {
            wr_u8(w, 0x82);
            wr_u16(w, (uint16_t)name.len);
        }
        wr_bytes(w, name.buf, name.len);
    }
    wr_free(&name);
    return ok && wr_ok(w);
}

/* Do two GeneralNames lists (contents) share a name? */
static bool lists_meet(const struct rd *a, const struct rd *b)
{
    struct rd r = *a, v;
    uint8_t tag;
    while (!rd_empty(&r) && der_next(&r, &tag, &v, NULL))
        if (name_in(tag, &v, b))
            return true;
    return false;
}

/* The scope of a CRL for one certificate (RFC 5280 §6.3.3 (b)): 0 when the
 * CRL does not cover it, otherwise the reasons it covers it for. A CRL
 * covers the certificates of its own issuer (a direct CRL) or, when its
 * issuingDistributionPoint says indirectCRL, those whose
 * cRLDistributionPoints name it in cRLIssuer; its distribution point names
 * must meet one of the certificate's; onlyContainsUserCerts/CACerts narrow
 * it; onlySomeReasons and the certificate's reasons split it by reason. */
static unsigned crl_scope(const struct x509_crl *crl, const struct x509_cert *cert)
{
    bool ca = cert->has_bc && cert->ca;
    if (crl->only_attr || (crl->only_user && ca) || (crl->only_ca && !ca))
        return 0;
    bool direct = x509_name_eq(&crl->issuer, &cert->issuer);
    struct wr idp;
    wr_init_grow(&idp);
    bool have_idp_names = crl->has_idp && (crl->idp_full_name || crl->idp_relative);
    if (have_idp_names && !dp_names(&idp, crl->idp_full_name, &crl->idp_names, &crl->issuer)) {
        wr_free(&idp);
        return 0;
    }
    struct rd idp_list;
    rd_init(&idp_list, idp.buf, idp.len);
    unsigned scope = 0;
    if (!cert->has_crl_dp) {
        /* no distribution points: the issuer's own complete CRL only */
        if (direct && !have_idp_names)
            scope = crl->idp_reasons;
        wr_free(&idp);
        return scope;
    }
    struct rd dps = cert->crl_dp, dp;
    while (!rd_empty(&dps) && der_get(&dps, DER_SEQUENCE, &dp)) {
        struct rd name, inner, reasons, crl_issuer;
        bool has_name, has_reasons, has_issuer, full = false, relative = false;
        if (!der_get_optional(&dp, DER_CONTEXT_CONSTRUCTED(0), &name, &has_name) ||
            (has_name && !der_get_optional(&name, DER_CONTEXT_CONSTRUCTED(0), &inner, &full)) ||
            (has_name && !full &&
             !der_get_optional(&name, DER_CONTEXT_CONSTRUCTED(1), &inner, &relative)) ||
            !der_get_optional(&dp, DER_CONTEXT(1), &reasons, &has_reasons) ||
            !der_get_optional(&dp, DER_CONTEXT_CONSTRUCTED(2), &crl_issuer, &has_issuer))
            continue;
        /* who issues this point's CRLs: the cRLIssuer, or the certificate's issuer */
        bool by_issuer;
        if (has_issuer) {
            struct rd issuer_name;
            uint8_t t;
            by_issuer = false;
            struct rd l = crl_issuer;
            while (!rd_empty(&l) && der_next(&l, &t, &issuer_name, NULL))
                if (t == DER_CONTEXT_CONSTRUCTED(4) && x509_name_eq(&issuer_name, &crl->issuer))
                    by_issuer = true;
            if (!by_issuer || (!direct && !crl->indirect))
                continue;
        } else if (!direct) {
            continue;
        }
        if (have_idp_names) {
            struct wr mine;
            wr_init_grow(&mine);
            bool meet = false;
            if (full || relative) {
                /* a relative name is relative to the point's CRL issuer */
                const struct rd *base = &cert->issuer;
                struct rd first;
                uint8_t t;
                struct rd l = crl_issuer;
                if (has_issuer && der_next(&l, &t, &first, NULL) && t == DER_CONTEXT_CONSTRUCTED(4))
                    base = &first;
                if (dp_names(&mine, full, &inner, base)) {
                    struct rd m;
                    rd_init(&m, mine.buf, mine.len);
                    meet = lists_meet(&m, &idp_list);
                }
            } else if (has_issuer) {
                meet = lists_meet(&crl_issuer, &idp_list);
            }
            wr_free(&mine);
            if (!meet)
                continue;
        }
        unsigned r = crl->idp_reasons;
        if (has_reasons) {
            struct rd whole = reasons;
            (void)whole;
            /* reasons is the BIT STRING's contents: the unused-bits byte first */
            r &= reason_mask(&reasons);
        }
        scope |= r;
    }
    wr_free(&idp);
    return scope;
}

static int parse_crl_exts(struct x509_crl *crl, struct rd *exts, struct tern_err *err)
{
    while (!rd_empty(exts)) {
        struct rd ext, oid, value;
        bool critical = false;
        if (!der_get(exts, DER_SEQUENCE, &ext) || !der_get(&ext, DER_OID, &oid) ||
            (der_peek(&ext, DER_BOOLEAN) && (!der_get_bool(&ext, &critical) || !critical)) ||
            !der_get(&ext, DER_OCTET_STRING, &value) || !rd_empty(&ext))
            return BADCRL("a CRL extension is malformed");
        if (DER_OID_IS(&oid, OID_CRL_NUMBER)) {
            struct rd num;
            if (!der_get_integer(&value, &num) || !rd_empty(&value) || (num.p[0] & 0x80))
                return BADCRL("the CRL's cRLNumber is malformed");
            crl->has_crl_number = true;
            crl->crl_number_critical = critical;
        } else if (DER_OID_IS(&oid, OID_IDP)) {
            TRY(parse_idp(crl, value, err));
        } else if (DER_OID_IS(&oid, OID_AKI) || DER_OID_IS(&oid, OID_IAN)) {
            /* understood; nothing to enforce for an offline, caller-given CRL */
        } else if (critical && !crl->unknown_critical) {
            crl->unknown_critical = true;
            der_oid_text(&oid, crl->unknown_oid, sizeof(crl->unknown_oid));
        }
    }
    return TERN_OK;
}

int x509_crl_parse(const uint8_t *der, size_t len, struct x509_crl **out, struct tern_err *err)
{
    *out = NULL;
    struct x509_crl *crl = tern_calloc(1, sizeof(*crl));
    if (!crl || !(crl->der = tern_memdup(der, len ? len : 1))) {
        tern_free(crl);
        return err_set(err, TERN_E_NOMEM, "out of memory parsing a CRL");
    }
    crl->der_len = len;
    crl->next_update = -1;
    crl->idp_reasons = X509_REASONS_ALL;
    struct rd r, list, tbs, alg_outer, alg_inner, f;
    struct x509_sigalg inner;
    unsigned unused;
    bool present;
    int version = 1;
    rd_init(&r, crl->der, len);
    int rc = TERN_OK;
    if (!der_get(&r, DER_SEQUENCE, &list) || !rd_empty(&r) ||
        !der_get_whole(&list, DER_SEQUENCE, &tbs, &crl->tbs) ||
        !x509_parse_sigalg(&list, &crl->sigalg, &alg_outer) ||
        !der_get_bit_string(&list, &crl->sig, &unused) || !rd_empty(&list)) {
        rc = BADCRL("the CRL's outer structure is malformed");
        goto out;
    }
    /* A signature that is not whole bytes is well-formed DER but can never
     * verify: refused when the CRL is used, with that sentence. */
    crl->sig_unaligned = unused != 0;
    if (der_peek(&tbs, DER_INTEGER) && (!der_get_small_uint(&tbs, &version) || version != 1)) {
        rc = BADCRL("the CRL's version is not v2");
        goto out;
    }
    if (!x509_parse_sigalg(&tbs, &inner, &alg_inner) || !der_eq(&alg_inner, &alg_outer) ||
        !der_get_whole(&tbs, DER_SEQUENCE, &f, &crl->issuer) ||
        !(crl->issuer_text = x509_name_text(&crl->issuer)) ||
        !der_get_time(&tbs, &crl->this_update)) {
        rc = BADCRL("the CRL's signature algorithm, issuer or thisUpdate is malformed");
        goto out;
    }
    if ((der_peek(&tbs, DER_UTC_TIME) || der_peek(&tbs, DER_GENERALIZED_TIME)) &&
        !der_get_time(&tbs, &crl->next_update)) {
        rc = BADCRL("the CRL's nextUpdate is malformed");
        goto out;
    }
    if (!der_get_optional(&tbs, DER_SEQUENCE, &crl->revoked, &present)) {
        rc = BADCRL("the CRL's revokedCertificates list is malformed");
        goto out;
    }
    if (!der_get_optional(&tbs, DER_CONTEXT_CONSTRUCTED(0), &f, &present) || !rd_empty(&tbs)) {
        rc = BADCRL("the CRL's extensions are malformed");
        goto out;
    }
    if (present) {
        struct rd exts;
        if (!der_get(&f, DER_SEQUENCE, &exts) || !rd_empty(&f)) {
            rc = BADCRL("the CRL's extensions are malformed");
            goto out;
        }
        rc = parse_crl_exts(crl, &exts, err);
    }
out:
    if (rc != TERN_OK) {
        x509_crl_free(crl);
        return rc;
    }
    *out = crl;
    return TERN_OK;
}

void x509_crl_free(struct x509_crl *crl)
{
    if (!crl)
        return;
    tern_free(crl->der);
    tern_free(crl->issuer_text);
    tern_free(crl);
}

int x509_crl_check(const struct x509_crl *crl, const struct x509_cert *cert,
                   const struct x509_cert *signer, int64_t at, unsigned *out_reasons,
                   struct tern_err *err)
{
    if (out_reasons)
        *out_reasons = 0;
    unsigned scope = crl_scope(crl, cert);
    if (!scope || !x509_name_eq(&crl->issuer, &signer->subject))
        return TERN_OK; /* another CA's list, or a partition this certificate is not in */
    char what[300];
    snprintf(what, sizeof(what), "the CRL issued by '%s'", crl->issuer_text);
    if (crl->sig_unaligned)
        return BADCRL("%s has a signature whose BIT STRING is not whole bytes, so it cannot "
                      "verify",
                      what);
    TRY(x509_verify_signature(signer, &crl->sigalg, &crl->tbs, &crl->sig, NULL, what, err));
    /* RFC 5280 §4.2.1.3: a CRL signer's keyUsage, if present, asserts cRLSign. */
    if (signer->has_ku && !(signer->ku & X509_KU_CRL_SIGN))
        return BADCRL("%s cannot be trusted: the keyUsage of '%s' does not assert cRLSign", what,
                      x509_subject_text(signer));
    if (!crl->has_crl_number)
        return BADCRL("%s has no cRLNumber extension, which RFC 5280 §5.2.3 requires", what);
    if (crl->crl_number_critical)
        return BADCRL("%s marks its cRLNumber critical, which RFC 5280 §5.2.3 forbids", what);
    if (crl->unknown_critical)
        return BADCRL("%s has critical extension %s, which tern does not understand", what,
                      crl->unknown_oid);
    char t1[32], t2[32];
    if (crl->this_update > at)
        return BADCRL("%s is not yet valid: thisUpdate %s (checked at %s)", what,
                      der_time_text(crl->this_update, t1, sizeof(t1)),
                      der_time_text(at, t2, sizeof(t2)));
    if (crl->next_update >= 0 && crl->next_update < at)
        return BADCRL("%s is stale: nextUpdate %s (checked at %s)", what,
                      der_time_text(crl->next_update, t1, sizeof(t1)),
                      der_time_text(at, t2, sizeof(t2)));
    /* In an indirect CRL each entry names the CA whose certificate it
     * revokes through certificateIssuer, which stays in force for the
     * entries after it (RFC 5280 §5.3.3); it starts as the CRL's issuer. */
    struct rd list = crl->revoked, entry_issuer = crl->issuer;
    while (!rd_empty(&list)) {
        struct rd entry, serial, exts;
        int64_t when;
        bool has_exts;
        if (!der_get(&list, DER_SEQUENCE, &entry) || !der_get_integer(&entry, &serial) ||
            !der_get_time(&entry, &when) ||
            !der_get_optional(&entry, DER_SEQUENCE, &exts, &has_exts) || !rd_empty(&entry))
            return BADCRL("%s has a malformed revoked entry", what);
        while (crl->indirect && has_exts && !rd_empty(&exts)) {
            struct rd ext, oid, value, names, name;
            uint8_t tag;
            bool critical = false;
            if (!der_get(&exts, DER_SEQUENCE, &ext) || !der_get(&ext, DER_OID, &oid) ||
                (der_peek(&ext, DER_BOOLEAN) && !der_get_bool(&ext, &critical)) ||
                !der_get(&ext, DER_OCTET_STRING, &value))
                return BADCRL("%s has a malformed revoked entry extension", what);
            if (DER_OID_IS(&oid, OID_CERTIFICATE_ISSUER)) {
                if (!der_get(&value, DER_SEQUENCE, &names) ||
                    !der_next(&names, &tag, &name, NULL) || tag != DER_CONTEXT_CONSTRUCTED(4))
                    return BADCRL("%s has a malformed certificateIssuer entry extension", what);
                entry_issuer = name;
            }
        }
        if (der_eq(&serial, &cert->serial) && x509_name_eq(&entry_issuer, &cert->issuer)) {
            char hex[80];
            return err_set(err, TERN_E_CERTIFICATE_REVOKED,
                           "certificate '%s' (serial %s) was revoked on %s by %s",
                           x509_subject_text(cert), err_hex(hex, sizeof(hex), serial.p, serial.len),
                           der_time_text(when, t1, sizeof(t1)), what);
        }
    }
    if (out_reasons)
        *out_reasons = scope;
    return TERN_OK;
}

const struct rd *x509_crl_issuer(const struct x509_crl *crl)
{
    return &crl->issuer;
}

bool x509_crl_signed_by(const struct x509_crl *crl, const struct x509_cert *signer)
{
    struct tern_err e;
    err_init(&e);
    return !crl->sig_unaligned && x509_name_eq(&crl->issuer, &signer->subject) &&
           x509_verify_signature(signer, &crl->sigalg, &crl->tbs, &crl->sig, NULL, "a CRL", &e) ==
               TERN_OK;
}

bool x509_crl_may_cover(const struct x509_crl *crl, const struct x509_cert *cert)
{
    return crl_scope(crl, cert) != 0;
}
