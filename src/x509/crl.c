/* Offline CRLs (RFC 5280 §5): parsed strictly, checked for issuer, signature,
 * currency and the CRLNumber rule before their revoked list is believed. */
#include "x509/x509.h"

#include "base/mem.h"
#include "x509/der.h"
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
    struct rd idp_names; /* fullName GeneralNames contents */
    bool unknown_critical;
    char unknown_oid[64];
};

#define BADCRL(...) err_set(err, TERN_E_BAD_CERTIFICATE, __VA_ARGS__)

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
        bool full;
        if (!der_get_optional(&f, DER_CONTEXT_CONSTRUCTED(0), &crl->idp_names, &full))
            return BADCRL("the CRL's issuingDistributionPoint is malformed");
        crl->idp_full_name = full;
        crl->idp_relative = !full;
    }
    bool *flags[] = {NULL, &crl->only_user, &crl->only_ca, NULL, &crl->indirect, &crl->only_attr};
    for (unsigned tag = 1; tag <= 5; tag++) {
        if (!der_get_optional(&seq, tag == 3 ? DER_CONTEXT(3) : DER_CONTEXT(tag), &f, &present))
            return BADCRL("the CRL's issuingDistributionPoint is malformed");
        if (!present)
            continue;
        if (tag == 3) {
            crl->some_reasons = true;
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

/* Do two GeneralName lists (contents) share a name? directoryNames compare
 * as names do (RFC 5280 §7.1), others byte for byte. */
static bool names_intersect(struct rd a, const struct rd *b_list)
{
    uint8_t ta, tb;
    struct rd va, vb;
    while (!rd_empty(&a) && der_next(&a, &ta, &va, NULL)) {
        struct rd b = *b_list;
        while (!rd_empty(&b) && der_next(&b, &tb, &vb, NULL)) {
            if (ta != tb)
                continue;
            if (ta == DER_CONTEXT_CONSTRUCTED(4) ? x509_name_eq(&va, &vb) : der_eq(&va, &vb))
                return true;
        }
    }
    return false;
}

/* Is cert within the scope of the CRL's issuingDistributionPoint (RFC 5280
 * §6.3.3 (b)(2))? A CRL without one covers every certificate of its issuer. */
static bool idp_covers(const struct x509_crl *crl, const struct x509_cert *cert)
{
    if (!crl->has_idp)
        return true;
    bool ca = cert->has_bc && cert->ca;
    if (crl->only_attr || crl->indirect || crl->idp_relative || (crl->only_user && ca) ||
        (crl->only_ca && !ca))
        return false;
    if (!crl->idp_full_name)
        return true;
    /* one of the certificate's distribution point full names must be one of
     * the CRL's */
    if (!cert->has_crl_dp)
        return false;
    struct rd dps = cert->crl_dp, dp;
    while (!rd_empty(&dps) && der_get(&dps, DER_SEQUENCE, &dp)) {
        struct rd name, full;
        bool present, is_full;
        if (der_get_optional(&dp, DER_CONTEXT_CONSTRUCTED(0), &name, &present) && present &&
            der_get_optional(&name, DER_CONTEXT_CONSTRUCTED(0), &full, &is_full) && is_full &&
            names_intersect(full, &crl->idp_names))
            return true;
    }
    return false;
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
                   const struct x509_cert *issuer, int64_t at, bool *applied, struct tern_err *err)
{
    if (applied)
        *applied = false;
    /* Names compare as RFC 5280 §7.1 says (strprep.c). */
    if (!x509_name_eq(&crl->issuer, &cert->issuer) || !x509_name_eq(&crl->issuer, &issuer->subject))
        return TERN_OK; /* another CA's list */
    if (!idp_covers(crl, cert))
        return TERN_OK; /* a partition of the CA's CRLs this certificate is not in */
    /* A CRL for some reasons only is consulted, but does not by itself make
     * the certificate's status known. */
    if (applied)
        *applied = !crl->some_reasons;
    char what[300];
    snprintf(what, sizeof(what), "the CRL issued by '%s'", crl->issuer_text);
    if (crl->sig_unaligned)
        return BADCRL("%s has a signature whose BIT STRING is not whole bytes, so it cannot "
                      "verify",
                      what);
    TRY(x509_verify_signature(issuer, &crl->sigalg, &crl->tbs, &crl->sig, NULL, what, err));
    /* RFC 5280 §4.2.1.3: a CRL signer's keyUsage, if present, asserts cRLSign. */
    if (issuer->has_ku && !(issuer->ku & X509_KU_CRL_SIGN))
        return BADCRL("%s cannot be trusted: the keyUsage of '%s' does not assert cRLSign", what,
                      x509_subject_text(issuer));
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
    struct rd list = crl->revoked;
    while (!rd_empty(&list)) {
        struct rd entry, serial;
        int64_t when;
        if (!der_get(&list, DER_SEQUENCE, &entry) || !der_get_integer(&entry, &serial) ||
            !der_get_time(&entry, &when))
            return BADCRL("%s has a malformed revoked entry", what);
        if (der_eq(&serial, &cert->serial)) {
            char hex[80];
            return err_set(err, TERN_E_CERTIFICATE_REVOKED,
                           "certificate '%s' (serial %s) was revoked on %s by %s",
                           x509_subject_text(cert), err_hex(hex, sizeof(hex), serial.p, serial.len),
                           der_time_text(when, t1, sizeof(t1)), what);
        }
    }
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
