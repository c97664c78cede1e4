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
    struct rd issuer;
    char *issuer_text;
    int64_t this_update, next_update; /* next_update -1 when absent */
    struct rd revoked;                /* revokedCertificates contents */
    bool has_crl_number, crl_number_critical;
    bool unknown_critical;
    char unknown_oid[64];
};

#define BADCRL(...) err_set(err, TERN_E_BAD_CERTIFICATE, __VA_ARGS__)

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
        !der_get_bit_string(&list, &crl->sig, &unused) || unused || !rd_empty(&list)) {
        rc = BADCRL("the CRL's outer structure is malformed");
        goto out;
    }
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
                   const struct x509_cert *issuer, int64_t at, struct tern_err *err)
{
    /* Names compare as RFC 5280 §7.1 says (strprep.c). */
    if (!x509_name_eq(&crl->issuer, &cert->issuer) || !x509_name_eq(&crl->issuer, &issuer->subject))
        return TERN_OK; /* another CA's list */
    char what[300];
    snprintf(what, sizeof(what), "the CRL issued by '%s'", crl->issuer_text);
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
