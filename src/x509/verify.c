/* Path building and validation (RFC 5280 §6, RFC 4158) under one of two
 * profiles:
 *
 * - web (X509_PROFILE_WEB): the web PKI, RFC 5280 as the CA/B Forum
 *   Baseline Requirements (BR) and the browsers narrow it; the expectations
 *   of x509-limbo's webpki:: cases. tern's TLS handshakes use it.
 * - rfc5280 (X509_PROFILE_RFC5280): RFC 5280 §6 with the §4 certificate
 *   profile, as x509-limbo's rfc5280:: cases and NIST's PKITS expect it.
 *   What it drops from the web profile: extKeyUsage need not be present in
 *   the leaf (§4.2.1.12) and anyExtendedKeyUsage counts for any purpose; a
 *   CA certificate may stand as the leaf (§6 makes no EE/CA distinction
 *   there); versions 1 and 2 are accepted where no extension is needed
 *   (§6.1.4 (k) still requires basicConstraints of every intermediate);
 *   key sizes follow only a 1024-bit RSA floor; an intermediate's
 *   basicConstraints need not be critical (§6.1.4 (k) asks only that it is
 *   present with cA TRUE; PKITS 4.6.4). What it adds: nameConstraints must
 *   be critical (§4.2.1.10); a trust anchor that is not self-issued must
 *   carry an authorityKeyIdentifier like any issued certificate (§4.2.1.1).
 *
 * In both, a trust anchor is a certificate, and its own validity,
 * basicConstraints (present, cA, critical: §4.2.1.9), keyUsage, SKI and
 * critical extensions are checked; its name constraints apply to the path
 * below it (RFC 5914 §4.2 lets an anchor carry constraints).
 *
 * Building is a depth-first search from the leaf: each step tries every
 * certificate (trust anchors first, then those whose subjectKeyIdentifier
 * matches the child's authorityKeyIdentifier) whose subject equals the
 * child's issuer and whose key verifies the child's signature. A complete
 * path (ending at an anchor) is then validated whole; if it fails, the
 * search goes on with the next alternative, so an expired cross-sign or a
 * name-constrained intermediate does not hide a good path. Budgets on
 * candidates and signature checks bound the work on hostile inputs. */
#include "x509/x509.h"

#include "base/mem.h"
#include "base/der.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define BAD(...) err_set(err, TERN_E_BAD_CERTIFICATE, __VA_ARGS__)
/* BADR: BAD with the verdict's reason (include/tern/x509.h). */
#define BADR(r, ...) (BAD(__VA_ARGS__), reason(err, (r)))

/* reason gives a failure its kind, unless one was given already (the
 * innermost check knows best), and returns the error's code. */
static int reason(struct tern_err *err, enum tern_verify_reason r)
{
    if (!err)
        return TERN_E_BAD_CERTIFICATE;
    if (err->code != TERN_OK && err->detail == 0)
        err->detail = (int)r;
    return err->code;
}

/* TRYR: TRY, giving a failure reason r when it has none. */
#define TRYR(expr, r)                                                                              \
    do {                                                                                           \
        int tryr_rc_ = (expr);                                                                     \
        if (tryr_rc_ != TERN_OK) {                                                                 \
            reason(err, (r));                                                                      \
            return tryr_rc_;                                                                       \
        }                                                                                          \
    } while (0)

enum tern_verify_reason x509_reason(const struct tern_err *err)
{
    if (err->detail)
        return (enum tern_verify_reason)err->detail;
    switch (err->code) {
    case TERN_OK:
        return TERN_VERIFY_OK;
    case TERN_E_CERTIFICATE_EXPIRED:
        return TERN_VERIFY_EXPIRED;
    case TERN_E_UNKNOWN_CA:
        return TERN_VERIFY_UNKNOWN_ISSUER;
    case TERN_E_NAME_MISMATCH:
        return TERN_VERIFY_NAME_MISMATCH;
    case TERN_E_CERTIFICATE_REVOKED:
        return TERN_VERIFY_REVOKED;
    case TERN_E_UNSUPPORTED_CERTIFICATE:
        return TERN_VERIFY_UNSUPPORTED;
    case TERN_E_BAD_CERTIFICATE:
        return TERN_VERIFY_INVALID;
    case TERN_E_LIMIT:
        return TERN_VERIFY_LIMIT;
    default:
        return TERN_VERIFY_ERROR;
    }
}
/* Names are rendered only inside a sentence (see x509_subject_text). */
#define SUBJ(c) x509_subject_text(c)

#define MAX_POOL         1024
#define CANDIDATE_BUDGET 20000
#define NC_BUDGET        1000000L
#define MEMO_MAX         256

struct sig_memo {
    const struct x509_cert *child, *parent;
    int rc;
    struct tern_err err;
};

struct search {
    const struct x509_verify_opts *o;
    int64_t at;
    int max_depth;
    const struct x509_store *trust;
    const struct x509_cert *untrusted[X509_MAX_INPUT - 1];
    size_t n_untrusted;
    const struct x509_cert *path[X509_MAX_CHAIN];
    size_t n;
    long candidates, signatures;
    /* Grown on demand up to MEMO_MAX: a whole array of error sentences up
     * front was 90 KB, most of a client handshake's peak memory, for the
     * two signatures a usual chain needs. */
    struct sig_memo *memo;
    size_t n_memo, cap_memo;
    bool found;
    const struct x509_cert *built[X509_MAX_CHAIN]; /* the path found */
    size_t n_built;
    bool exhausted;
    struct tern_err cap_hit; /* the sentence naming the cap that stopped the search */
    unsigned long paths;
    /* the most telling failure so far: a whole path that failed validation
     * (3) beats a bad signature or too long a path (2) beats no issuer (1) */
    int best_rank;
    struct tern_err best;
    const struct x509_cert *dead_end; /* deepest certificate with no issuer found */
    size_t dead_end_depth;
    /* anchors found in the store's capath folders for this verification
     * (owned), after the store's own */
    struct x509_cert *extra[X509_CAPATH_MAX_ANCHORS];
    size_t n_extra;
};

static size_t anchor_count(const struct search *s)
{
    return x509_store_count(s->trust) + s->n_extra;
}

static const struct x509_cert *anchor_get(const struct search *s, size_t i)
{
    size_t n = x509_store_count(s->trust);
    return i < n ? x509_store_get(s->trust, i) : s->extra[i - n];
}

/* load_capath looks up, in the store's hashed folders, the issuers of the
 * certificates given and of those it finds (an intermediate kept there),
 * each name once, at most X509_CAPATH_MAX_LOOKUPS names: the folder cannot
 * be listed, so only what this chain needs is read. */
static void load_capath(struct search *s, const struct x509_cert *leaf)
{
    const struct rd *names[X509_CAPATH_MAX_LOOKUPS];
    size_t n_names = 0, done = 0;
    const struct x509_cert *from[X509_MAX_INPUT + 1];
    size_t n_from = 0;
    from[n_from++] = leaf;
    for (size_t i = 0; i < s->n_untrusted; i++)
        from[n_from++] = s->untrusted[i];
    for (size_t i = 0; i < n_from && n_names < X509_CAPATH_MAX_LOOKUPS; i++) {
        bool seen = false;
        for (size_t k = 0; k < n_names && !seen; k++)
            seen = x509_name_eq(names[k], &from[i]->issuer);
        if (!seen)
            names[n_names++] = &from[i]->issuer;
    }
    while (done < n_names && s->n_extra < X509_CAPATH_MAX_ANCHORS) {
        size_t before = s->n_extra;
        s->n_extra += x509_store_capath_lookup(s->trust, names[done++], s->extra + s->n_extra,
                                               X509_CAPATH_MAX_ANCHORS - s->n_extra);
        for (size_t i = before; i < s->n_extra && n_names < X509_CAPATH_MAX_LOOKUPS; i++) {
            bool seen = false;
            for (size_t k = 0; k < n_names && !seen; k++)
                seen = x509_name_eq(names[k], &s->extra[i]->issuer);
            if (!seen)
                names[n_names++] = &s->extra[i]->issuer;
        }
    }
}

static void note(struct search *s, int rank, const struct tern_err *e)
{
    if (rank > s->best_rank) {
        s->best_rank = rank;
        s->best = *e;
    }
}

static void exhaust(struct search *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void exhaust(struct search *s, const char *fmt, ...)
{
    if (s->exhausted)
        return;
    s->exhausted = true;
    va_list ap;
    va_start(ap, fmt);
    char msg[sizeof(s->cap_hit.msg)];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    err_set(&s->cap_hit, TERN_E_UNKNOWN_CA, "%s", msg);
}

static bool is_anchor(const struct search *s, const struct x509_cert *c)
{
    for (size_t i = 0; i < anchor_count(s); i++) {
        const struct x509_cert *a = anchor_get(s, i);
        if (a == c || (a->der_len == c->der_len && memcmp(a->der, c->der, c->der_len) == 0))
            return true;
    }
    return false;
}

static bool name_empty(const struct rd *name)
{
    struct rd r = *name, seq;
    return der_get(&r, DER_SEQUENCE, &seq) && rd_empty(&seq);
}

static const char *purpose_name(enum x509_purpose p)
{
    return p == X509_PURPOSE_CLIENT ? "clientAuth"
           : p == X509_PURPOSE_ANY  ? "any purpose"
                                    : "serverAuth";
}

static unsigned purpose_bit(enum x509_purpose p)
{
    return p == X509_PURPOSE_CLIENT ? X509_EKU_CLIENT_AUTH : X509_EKU_SERVER_AUTH;
}

static bool web(const struct search *s)
{
    return s->o->profile == X509_PROFILE_WEB;
}

/* Checks that concern one certificate wherever it stands on the path. */
static int check_cert(const struct search *s, const struct x509_cert *c, bool leaf, bool anchor,
                      struct tern_err *err)
{
    char t1[32], t2[32];
    if (s->at < c->not_before) {
        err_set(err, TERN_E_CERTIFICATE_EXPIRED,
                "certificate '%s' is not valid before %s (checked at %s)", SUBJ(c),
                der_time_text(c->not_before, t1, sizeof(t1)), der_time_text(s->at, t2, sizeof(t2)));
        return reason(err, TERN_VERIFY_NOT_YET_VALID);
    }
    if (s->at > c->not_after)
        return err_set(err, TERN_E_CERTIFICATE_EXPIRED,
                       "certificate '%s' expired on %s (checked at %s)", SUBJ(c),
                       der_time_text(c->not_after, t1, sizeof(t1)),
                       der_time_text(s->at, t2, sizeof(t2)));
    if (web(s) && c->version != 3)
        return BAD("certificate '%s' is X.509 version %d; the web PKI accepts only version 3 "
                   "(CA/B Forum BR 7.1.1)",
                   SUBJ(c), c->version);
    if (c->unknown_critical)
        return BAD("certificate '%s' has critical extension %s, which tern does not "
                   "understand (RFC 5280 §4.2)",
                   SUBJ(c), c->unknown_critical_oid);
    if (c->key_problem)
        return err_set(err, TERN_E_UNSUPPORTED_CERTIFICATE,
                       "certificate '%s' has %s; tern accepts RSA of 2048 bits or more, ECDSA "
                       "P-256/P-384/P-521 and Ed25519 keys",
                       SUBJ(c), c->key_problem);
    if (web(s) && (c->key_type == CRY_KEY_RSA || c->key_type == CRY_KEY_RSA_PSS) &&
        (c->key_bits < 2048 || c->key_bits % 8 != 0))
        return err_set(err, TERN_E_UNSUPPORTED_CERTIFICATE,
                       "certificate '%s' has a %u-bit RSA key; tern requires at least 2048 bits, "
                       "in whole bytes",
                       SUBJ(c), c->key_bits);
    if (!anchor || leaf) {
        /* RFC 5280 §4.1.2.2: positive, at most 20 octets. Not asked of a
         * trust anchor above the leaf (roots in every bundle break it:
         * Starfield's G2 root has serial 0), but of a leaf trusted as
         * itself, which is an end-entity certificate all the same. */
        char hex[80];
        bool zero = true;
        for (size_t i = 0; i < c->serial.len; i++)
            zero = zero && c->serial.p[i] == 0;
        if (c->serial.len > 21 || (c->serial.len == 21 && c->serial.p[0] != 0) ||
            (c->serial.p[0] & 0x80) || zero)
            return BAD("certificate '%s' has serial number %s, which is not a positive integer "
                       "of at most 20 octets (RFC 5280 §4.1.2.2)",
                       SUBJ(c), err_hex(hex, sizeof(hex), c->serial.p, c->serial.len));
    }
    if (name_empty(&c->issuer))
        return BAD("certificate '%s' has an empty issuer name (RFC 5280 §4.1.2.4)", SUBJ(c));
    if (name_empty(&c->subject)) {
        if (!leaf)
            return BAD("a CA certificate issued by '%s' has an empty subject (RFC 5280 §4.1.2.6)",
                       x509_issuer_text(c));
        if (!c->has_san || !c->san_critical)
            return BAD("a certificate issued by '%s' has an empty subject and no critical "
                       "subjectAltName (RFC 5280 §4.2.1.6)",
                       x509_issuer_text(c));
    } else if (c->has_san && c->san_critical) {
        return BAD("certificate '%s' marks subjectAltName critical although its subject is not "
                   "empty (RFC 5280 §4.2.1.6)",
                   SUBJ(c));
    }
    /* RFC 5280 has no key size rules; 1024 bits is the floor of OpenSSL's
     * default security level, which programs of the rfc5280 profile expect. */
    if (!web(s) && (c->key_type == CRY_KEY_RSA || c->key_type == CRY_KEY_RSA_PSS) &&
        c->key_bits < 1024)
        return err_set(err, TERN_E_UNSUPPORTED_CERTIFICATE,
                       "certificate '%s' has a %u-bit RSA key; tern requires at least 1024 bits",
                       SUBJ(c), c->key_bits);
    TRYR(x509_check_san_syntax(c, err), TERN_VERIFY_MALFORMED);
    if (!web(s) && c->has_nc && !c->nc_critical)
        return BAD("certificate '%s' has a non-critical nameConstraints extension (RFC 5280 "
                   "§4.2.1.10 requires critical)",
                   SUBJ(c));
    if (c->has_aki && c->aki_critical)
        return BAD("certificate '%s' marks authorityKeyIdentifier critical (RFC 5280 §4.2.1.1 "
                   "forbids it)",
                   SUBJ(c));
    if (c->has_ski && c->ski_critical)
        return BAD("certificate '%s' marks subjectKeyIdentifier critical (RFC 5280 §4.2.1.2 "
                   "forbids it)",
                   SUBJ(c));
    if (c->aia_critical)
        return BAD("certificate '%s' marks authorityInfoAccess critical (RFC 5280 §4.2.2.1 "
                   "forbids it)",
                   SUBJ(c));
    if (c->has_policy_constraints && !c->policy_constraints_critical)
        return BAD("certificate '%s' has a non-critical policyConstraints extension (RFC 5280 "
                   "§4.2.1.11 requires critical)",
                   SUBJ(c));
    /* A trust anchor is a name and a key (RFC 5280 §6.1.1 (d)); its own
     * authorityKeyIdentifier plays no part, so only issued certificates on
     * the path must carry one. */
    if (!anchor && !c->self_issued && !(c->has_aki && c->aki_has_keyid))
        return BAD("certificate '%s' (issued by '%s') has no authorityKeyIdentifier key "
                   "identifier, which RFC 5280 §4.2.1.1 requires",
                   SUBJ(c), x509_issuer_text(c));
    if (c->has_ku && c->ku == 0)
        return BAD("certificate '%s' has a keyUsage extension that asserts no usage (RFC 5280 "
                   "§4.2.1.3 requires at least one)",
                   SUBJ(c));
    if (c->has_ku && (c->ku & X509_KU_KEY_CERT_SIGN) && !c->ca)
        return BAD("certificate '%s' asserts keyCertSign but is not a CA in basicConstraints "
                   "(RFC 5280 §4.2.1.3)",
                   SUBJ(c));
    return TERN_OK;
}

static int check_leaf(const struct search *s, const struct x509_cert *c, struct tern_err *err)
{
    enum x509_purpose p = s->o->purpose;
    const char *want = purpose_name(p);
    unsigned bit = purpose_bit(p);
    bool leaf_ca = c->has_bc && c->ca;
    /* A trust anchor that is exactly the leaf (the whole path) is the
     * certificate the user chose to trust: whatever its CA bit (`openssl req
     * -x509` sets it), as curl and Python accept it. Everywhere else a CA
     * certificate as the leaf is refused. */
    bool trusted_itself = s->n == 1;
    if (leaf_ca && web(s) && !trusted_itself)
        return BADR(TERN_VERIFY_CONSTRAINT,
                    "certificate '%s' is a CA certificate (basicConstraints cA) used as an "
                    "end-entity certificate",
                    SUBJ(c));
    if (c->has_nc && !leaf_ca)
        return BADR(TERN_VERIFY_CONSTRAINT,
                    "certificate '%s' is an end-entity certificate with nameConstraints, which "
                    "only CAs may carry (RFC 5280 §4.2.1.10)",
                    SUBJ(c));
    if (s->o->required_ku && c->has_ku && (c->ku & s->o->required_ku) != s->o->required_ku)
        return BAD("certificate '%s' has keyUsage 0x%x, which lacks the usage 0x%x this "
                   "connection needs (e.g. digitalSignature for a TLS handshake signature)",
                   SUBJ(c), c->ku, s->o->required_ku);
    if (!web(s)) {
        /* RFC 5280 §4.2.1.12: without the extension the key serves any
         * purpose; anyExtendedKeyUsage stands for every purpose. */
        if (c->has_eku && p != X509_PURPOSE_ANY && !(c->eku & (bit | X509_EKU_ANY)))
            return BAD("certificate '%s' is not for %s: its extKeyUsage lists neither it nor "
                       "anyExtendedKeyUsage (RFC 5280 §4.2.1.12)",
                       SUBJ(c), want);
        return TERN_OK;
    }
    if (!c->has_eku && trusted_itself)
        return TERN_OK; /* no purpose named: any (RFC 5280 §4.2.1.12) */
    if (!c->has_eku)
        return BAD("certificate '%s' has no extKeyUsage extension; tern requires %s in it, as "
                   "the web PKI does (CA/B Forum BR 7.1.2.7)",
                   SUBJ(c), p == X509_PURPOSE_ANY ? "serverAuth or clientAuth" : want);
    if (c->eku_critical)
        return BAD("certificate '%s' marks extKeyUsage critical, which CA/B Forum BR 7.1.2.7.6 "
                   "forbids",
                   SUBJ(c));
    if (c->eku & X509_EKU_ANY)
        return BAD("certificate '%s' lists anyExtendedKeyUsage, which end-entity certificates "
                   "of the web PKI must not (CA/B Forum BR 7.1.2.7.10)",
                   SUBJ(c));
    unsigned need = p == X509_PURPOSE_ANY ? X509_EKU_SERVER_AUTH | X509_EKU_CLIENT_AUTH : bit;
    if (!(c->eku & need))
        return BAD("certificate '%s' is not for %s: its extKeyUsage %s (RFC 5280 §4.2.1.12)",
                   SUBJ(c), p == X509_PURPOSE_ANY ? "TLS" : want,
                   c->eku & (X509_EKU_SERVER_AUTH | X509_EKU_CLIENT_AUTH)
                       ? (c->eku & X509_EKU_SERVER_AUTH ? "has serverAuth but not clientAuth"
                                                        : "has clientAuth but not serverAuth")
                       : "names neither serverAuth nor clientAuth");
    /* BR 7.1.4.3: a subject CN repeats one of the SANs; BR 3.2.2.6: no
     * wildcard over a public suffix. Both are rules for server
     * certificates: a client certificate's CN names a person or a device. */
    if (p != X509_PURPOSE_CLIENT) {
        TRYR(x509_check_cn(c, err), TERN_VERIFY_INVALID);
        TRYR(x509_check_wildcard_suffixes(c, err), TERN_VERIFY_INVALID);
    }
    return TERN_OK;
}

static int check_ca(const struct search *s, size_t i, bool anchor, struct tern_err *err)
{
    const struct x509_cert *c = s->path[i];
    const char *role = anchor ? "trust anchor" : "intermediate CA";
    if (!c->has_bc || !c->ca)
        return BAD("%s '%s' %s, so it may not issue certificates (RFC 5280 §4.2.1.9)", role,
                   SUBJ(c),
                   c->has_bc ? "has basicConstraints with cA false" : "has no basicConstraints");
    if (!c->bc_critical && (anchor || web(s)))
        return BAD("%s '%s' has a non-critical basicConstraints extension (RFC 5280 §4.2.1.9 "
                   "requires critical in CA certificates)",
                   role, SUBJ(c));
    if (c->has_ku && !(c->ku & X509_KU_KEY_CERT_SIGN))
        return BADR(TERN_VERIFY_USAGE,
                    "%s '%s' has a keyUsage without keyCertSign, so it may not sign "
                    "certificates (RFC 5280 §4.2.1.3)",
                    role, SUBJ(c));
    if (!c->has_ski)
        return BADR(TERN_VERIFY_INVALID,
                    "%s '%s' has no subjectKeyIdentifier, which RFC 5280 §4.2.1.2 requires of CAs",
                    role, SUBJ(c));
    if (c->has_aki) {
        if (!c->aki_has_keyid && web(s))
            return BADR(TERN_VERIFY_INVALID,
                        "%s '%s' has an authorityKeyIdentifier without keyIdentifier (RFC 5280 "
                        "§4.2.1.1)",
                        role, SUBJ(c));
        if (c->aki_has_issuer_serial && web(s))
            return BADR(TERN_VERIFY_INVALID,
                        "%s '%s' has an authorityKeyIdentifier with authorityCertIssuer or "
                        "serial number, which the web PKI forbids (CA/B Forum BR 7.1.2.11.1)",
                        role, SUBJ(c));
        if (web(s) && anchor && c->self_issued && !der_eq(&c->aki_keyid, &c->ski))
            return BADR(TERN_VERIFY_INVALID,
                        "self-signed %s '%s' has an authorityKeyIdentifier that differs from its "
                        "own subjectKeyIdentifier",
                        role, SUBJ(c));
    }
    if (c->path_len >= 0) {
        int below = 0;
        for (size_t k = 1; k < i; k++)
            below += !s->path[k]->self_issued;
        if (below > c->path_len)
            return BAD("%s '%s' has pathLenConstraint %d but %d intermediate CA certificates "
                       "follow it (RFC 5280 §4.2.1.9)",
                       role, SUBJ(c), c->path_len, below);
    }
    /* A CA's extKeyUsage limits what it may issue for (the web PKI's rule,
     * and OpenSSL's, which programs of the rfc5280 profile expect). Root
     * certificates of the web PKI carry none (BR 7.1.2.1.2). */
    if (c->has_eku && anchor && web(s))
        return BADR(TERN_VERIFY_USAGE,
                    "trust anchor '%s' has an extKeyUsage extension, which root certificates "
                    "must not carry (CA/B Forum BR 7.1.2.1.2)",
                    SUBJ(c));
    if (c->has_eku && !anchor && s->o->purpose != X509_PURPOSE_ANY &&
        !(c->eku & (purpose_bit(s->o->purpose) | X509_EKU_ANY)))
        return BADR(TERN_VERIFY_USAGE,
                    "intermediate CA '%s' is restricted by extKeyUsage to purposes other "
                    "than %s",
                    SUBJ(c), purpose_name(s->o->purpose));
    TRYR(x509_name_constraints_valid(c, err), TERN_VERIFY_MALFORMED);
    return TERN_OK;
}

/* Is certificate c revoked by a CRL that issuer signed? (A CRL signer's own
 * certificate is checked one level deep, against its issuer's CRLs.) */
static bool revoked_by(const struct search *s, const struct x509_cert *c,
                       const struct x509_cert *issuer)
{
    for (size_t k = 0; k < s->o->n_crls; k++) {
        const struct x509_crl *crl = s->o->crls[k];
        struct tern_err e;
        err_init(&e);
        if (x509_crl_may_cover(crl, c) && x509_crl_signed_by(crl, issuer) &&
            x509_crl_check(crl, c, issuer, s->at, NULL, &e) == TERN_E_CERTIFICATE_REVOKED)
            return true;
    }
    return false;
}

/* The certificate whose key signed a CRL for path[i] (RFC 5280 §6.3.3 (f)):
 * the issuer of path[i] itself, or another certificate of the same CA: one
 * above it on the path (a key rollover through self-issued certificates), or
 * one among those given that a CA on the path issued, current, allowed to
 * sign CRLs and not itself revoked (a separate CRL signing key). Without
 * one, the issuer, so that the check names the signature that fails. */
static const struct x509_cert *crl_signer(const struct search *s, const struct x509_crl *crl,
                                          size_t i)
{
    const struct x509_cert *issuer = s->path[i + 1];
    if (x509_crl_signed_by(crl, issuer))
        return issuer;
    /* an indirect CRL's issuer, by name, for the failing sentence */
    if (!x509_name_eq(x509_crl_issuer(crl), &issuer->subject))
        for (size_t k = i + 2; k < s->n; k++)
            if (x509_name_eq(x509_crl_issuer(crl), &s->path[k]->subject))
                issuer = s->path[k];
    for (size_t k = i + 2; k < s->n; k++)
        if (x509_crl_signed_by(crl, s->path[k]))
            return s->path[k];
    size_t n_anchors = anchor_count(s);
    for (size_t j = 0; j < s->n_untrusted + n_anchors; j++) {
        const struct x509_cert *cand =
            j < s->n_untrusted ? s->untrusted[j] : anchor_get(s, j - s->n_untrusted);
        if (!x509_name_eq(x509_crl_issuer(crl), &cand->subject) || s->at < cand->not_before ||
            s->at > cand->not_after || (cand->has_ku && !(cand->ku & X509_KU_CRL_SIGN)))
            continue;
        for (size_t k = i + 1; k < s->n; k++) {
            struct tern_err e;
            err_init(&e);
            if (cand == s->path[k] || !x509_issued_by_name(cand, s->path[k]) ||
                x509_verify_signature(s->path[k], &cand->sigalg, &cand->tbs, &cand->sig, cand, NULL,
                                      &e) != TERN_OK)
                continue;
            if (!revoked_by(s, cand, s->path[k]) && x509_crl_signed_by(crl, cand))
                return cand;
        }
    }
    return issuer;
}

/* Validate the whole path s->path[0..n): leaf first, anchor last. */
static int validate_path(const struct search *s, struct tern_err *err)
{
    size_t n = s->n;
    for (size_t i = 0; i < n; i++) {
        bool anchor = i == n - 1;
        if (check_cert(s, s->path[i], i == 0, anchor, err) != TERN_OK)
            return reason(err, x509_reason(err)); /* dates, key sizes, other rules */
        if (i == 0)
            TRYR(check_leaf(s, s->path[0], err), TERN_VERIFY_USAGE);
        else
            TRYR(check_ca(s, i, anchor, err), TERN_VERIFY_CONSTRAINT);
    }
    /* Name constraints of each CA bind every certificate below it, except
     * self-issued intermediates (RFC 5280 §6.1.3 (b)). */
    long budget = NC_BUDGET;
    for (size_t i = 1; i < n; i++) {
        if (!s->path[i]->has_nc)
            continue;
        for (size_t j = 0; j < i; j++) {
            if (j > 0 && s->path[j]->self_issued)
                continue;
            TRYR(x509_name_constraints_check(s->path[i], s->path[j], j == 0, &budget, err),
                 TERN_VERIFY_CONSTRAINT);
        }
    }
    for (size_t i = 0; i + 1 < n; i++) {
        unsigned covered = 0;
        for (size_t k = 0; k < s->o->n_crls; k++) {
            const struct x509_crl *crl = s->o->crls[k];
            unsigned reasons;
            if (!x509_crl_may_cover(crl, s->path[i]))
                continue; /* another CA's list */
            int rc = x509_crl_check(crl, s->path[i], crl_signer(s, crl, i), s->at, &reasons, err);
            if (rc != TERN_OK)
                return reason(err, rc == TERN_E_CERTIFICATE_REVOKED ? TERN_VERIFY_REVOKED
                                                                    : TERN_VERIFY_CRL);
            covered |= reasons;
        }
        if (s->o->require_crls && covered != X509_REASONS_ALL)
            return BADR(TERN_VERIFY_CRL,
                        "no CRL issued by '%s' was given%s, so the revocation status of "
                        "certificate '%s' is undetermined, which the caller asked to refuse (RFC "
                        "5280 §6.3.3)",
                        SUBJ(s->path[i + 1]), covered ? " for every revocation reason" : "",
                        SUBJ(s->path[i]));
    }
    /* The identity is checked last: chain faults come first in the story. */
    if (s->o->ip) {
        uint8_t ip[16];
        size_t ip_len;
        if (!x509_ip_parse(s->o->ip, ip, &ip_len))
            return err_set(err, TERN_E_ARG, "'%s' is not an IPv4 or IPv6 address", s->o->ip);
        TRYR(x509_match_ip(s->path[0], ip, ip_len, s->o->ip, err), TERN_VERIFY_NAME_MISMATCH);
    } else if (s->o->host) {
        uint8_t ip[16];
        size_t ip_len;
        if (x509_ip_parse(s->o->host, ip, &ip_len))
            TRYR(x509_match_ip(s->path[0], ip, ip_len, s->o->host, err), TERN_VERIFY_NAME_MISMATCH);
        else
            TRYR(x509_match_host(s->path[0], s->o->host, err), TERN_VERIFY_NAME_MISMATCH);
    }
    return TERN_OK;
}

static int check_edge(struct search *s, const struct x509_cert *child,
                      const struct x509_cert *parent, struct tern_err *err)
{
    for (size_t i = 0; i < s->n_memo; i++)
        if (s->memo[i].child == child && s->memo[i].parent == parent) {
            if (s->memo[i].rc != TERN_OK) {
                err_set(err, s->memo[i].rc, "%s", s->memo[i].err.msg);
                reason(err, (enum tern_verify_reason)s->memo[i].err.detail);
            }
            return s->memo[i].rc;
        }
    if (s->signatures >= X509_MAX_SIGNATURES) {
        exhaust(s,
                "path building stopped at tern's cap of %d signature verifications per "
                "chain (X509_MAX_SIGNATURES) without finding a valid path",
                X509_MAX_SIGNATURES);
        err_set(err, TERN_E_BAD_CERTIFICATE, "%s", s->cap_hit.msg);
        return reason(err, TERN_VERIFY_LIMIT);
    }
    s->signatures++;
    struct tern_err e;
    err_init(&e);
    int rc =
        x509_verify_signature(parent, &child->sigalg, &child->tbs, &child->sig, child, NULL, &e);
    if (rc != TERN_OK)
        reason(&e, rc == TERN_E_UNSUPPORTED_CERTIFICATE ? TERN_VERIFY_UNSUPPORTED
                                                        : TERN_VERIFY_BAD_SIGNATURE);
    if (s->n_memo == s->cap_memo && s->cap_memo < MEMO_MAX) {
        /* Out of memory only means no memo: the check is redone if needed. */
        size_t cap = s->cap_memo ? 2 * s->cap_memo : 4;
        struct sig_memo *m = tern_calloc(cap, sizeof(*m));
        if (m) {
            if (s->n_memo)
                memcpy(m, s->memo, s->n_memo * sizeof(*m));
            tern_free(s->memo);
            s->memo = m;
            s->cap_memo = cap;
        }
    }
    if (s->n_memo < s->cap_memo)
        s->memo[s->n_memo++] = (struct sig_memo){child, parent, rc, e};
    if (rc != TERN_OK) {
        err_set(err, rc, "%s", e.msg);
        reason(err, (enum tern_verify_reason)e.detail);
    }
    return rc;
}

static int intermediates(const struct search *s, size_t n)
{
    int count = 0;
    for (size_t k = 1; k + 1 < n; k++)
        count += !s->path[k]->self_issued;
    return count;
}

/* Priority of a candidate issuer: anchors first, and a key identifier
 * match before a mismatch (RFC 4158 §3.5). Lower runs first. */
static int priority(const struct x509_cert *child, const struct x509_cert *cand, bool anchor)
{
    bool mismatch = child->has_aki && child->aki_has_keyid && cand->has_ski &&
                    !der_eq(&child->aki_keyid, &cand->ski);
    return (anchor ? 0 : 2) + (mismatch ? 1 : 0);
}

static void search(struct search *s);

static void found(struct search *s)
{
    s->found = true;
    memcpy(s->built, s->path, s->n * sizeof(s->path[0]));
    s->n_built = s->n;
}

static void try_candidate(struct search *s, const struct x509_cert *cand)
{
    const struct x509_cert *child = s->path[s->n - 1];
    if (++s->candidates > CANDIDATE_BUDGET) {
        exhaust(s,
                "path building stopped at tern's cap of %d issuer candidates per chain "
                "without finding a valid path",
                CANDIDATE_BUDGET);
        return;
    }
    /* No certificate twice, nor the same subject and key twice: either is
     * a loop (RFC 4158 §5.2). */
    for (size_t k = 0; k < s->n; k++)
        if (s->path[k] == cand ||
            (x509_same_subject(s->path[k], cand) && der_eq(&s->path[k]->spki, &cand->spki)))
            return;
    struct tern_err e;
    err_init(&e);
    if (check_edge(s, child, cand, &e) != TERN_OK) {
        note(s, 2, &e);
        return;
    }
    if (s->n == X509_MAX_CHAIN)
        return;
    s->path[s->n++] = cand;
    search(s);
    s->n--;
}

static void search(struct search *s)
{
    const struct x509_cert *top = s->path[s->n - 1];
    if (s->found || s->exhausted)
        return;
    if (s->n > 1 && is_anchor(s, top)) {
        struct tern_err e;
        err_init(&e);
        if (s->paths >= X509_MAX_PATHS) {
            exhaust(s,
                    "path building stopped at tern's cap of %d candidate paths per chain "
                    "(X509_MAX_PATHS) without finding a valid one",
                    X509_MAX_PATHS);
            return;
        }
        s->paths++;
        if (validate_path(s, &e) == TERN_OK)
            found(s);
        else
            note(s, 3, &e);
        return;
    }
    if (intermediates(s, s->n + 1) > s->max_depth) {
        struct tern_err e;
        err_init(&e);
        err_set(&e, TERN_E_BAD_CERTIFICATE,
                "the only paths to a trust anchor need more than %d intermediate CA "
                "certificates (the limit); the path reached '%s'",
                s->max_depth, x509_subject_text(top));
        reason(&e, TERN_VERIFY_PATH_TOO_LONG);
        note(s, 2, &e);
        return;
    }
    bool any = false;
    for (int prio = 0; prio < 4 && !s->found && !s->exhausted; prio++) {
        bool anchors = prio < 2;
        size_t count = anchors ? anchor_count(s) : s->n_untrusted;
        for (size_t i = 0; i < count && !s->found && !s->exhausted; i++) {
            const struct x509_cert *cand = anchors ? anchor_get(s, i) : s->untrusted[i];
            if (!x509_issued_by_name(top, cand) || priority(top, cand, anchors) != prio)
                continue;
            any = true;
            try_candidate(s, cand);
        }
    }
    if (!any && (!s->dead_end || s->n > s->dead_end_depth)) {
        s->dead_end = top;
        s->dead_end_depth = s->n;
    }
}

int x509_verify(const struct x509_store *trust, const struct rd *chain, size_t n,
                const struct x509_verify_opts *opts, struct x509_verified *out,
                struct tern_err *err)
{
    memset(out, 0, sizeof(*out));
    if (n == 0)
        return err_set(err, TERN_E_BAD_CERTIFICATE, "the peer sent no certificate to verify");
    struct search *s = tern_calloc(1, sizeof(*s));
    if (!s)
        return err_set(err, TERN_E_NOMEM, "out of memory verifying a certificate chain");
    s->o = opts;
    s->trust = trust;
    s->at = opts->at ? opts->at : (int64_t)time(NULL);
    s->max_depth = opts->max_depth < 0 ? X509_DEFAULT_MAX_DEPTH : opts->max_depth;
    if (s->max_depth > X509_MAX_CHAIN - 2)
        s->max_depth = X509_MAX_CHAIN - 2;
    if (n > sizeof(s->untrusted) / sizeof(s->untrusted[0]) + 1) {
        tern_free(s);
        return err_set(err, TERN_E_LIMIT, "the peer sent %zu certificates; tern takes at most %zu",
                       n, sizeof(s->untrusted) / sizeof(s->untrusted[0]) + 1);
    }
    struct x509_cert *parsed[X509_MAX_INPUT] = {0};
    int rc = TERN_OK;
    for (size_t i = 0; i < n && rc == TERN_OK; i++) {
        struct tern_err e;
        err_init(&e);
        rc = x509_cert_parse(chain[i].p, chain[i].len, &parsed[i], &e);
        if (rc != TERN_OK) {
            err_set(err, rc, "%s certificate %zu of the chain: %s", i ? "intermediate" : "leaf", i,
                    e.msg);
            reason(err, rc == TERN_E_UNSUPPORTED_CERTIFICATE ? TERN_VERIFY_UNSUPPORTED
                                                             : TERN_VERIFY_MALFORMED);
        } else if (i > 0)
            s->untrusted[s->n_untrusted++] = parsed[i];
    }
    if (rc == TERN_OK) {
        const struct x509_cert *leaf = parsed[0];
        s->path[0] = leaf;
        s->n = 1;
        if (x509_store_has_capath(trust))
            load_capath(s, leaf);
        if (is_anchor(s, leaf)) {
            /* A certificate the caller trusts as itself (a pinned
             * self-signed server): no issuer to find, leaf rules apply. */
            struct tern_err e;
            err_init(&e);
            if (check_cert(s, leaf, true, true, &e) == TERN_OK &&
                check_leaf(s, leaf, &e) == TERN_OK && validate_path(s, &e) == TERN_OK)
                found(s);
            else
                note(s, 3, &e);
        }
        if (!s->found)
            search(s);
        if (s->found) {
            out->n = s->n_built;
            for (size_t i = 0; i < s->n_built && rc == TERN_OK; i++)
                if (!(out->subjects[i] = tern_strdup(x509_subject_text(s->built[i]))))
                    rc = err_set(err, TERN_E_NOMEM, "out of memory");
            out->leaf_subject = out->subjects[0];
            for (size_t i = 0; opts->keep_path && i < s->n_built && rc == TERN_OK; i++) {
                if (!(out->ders[i] = tern_malloc(s->built[i]->der_len)))
                    rc = err_set(err, TERN_E_NOMEM, "out of memory");
                else
                    memcpy(out->ders[i], s->built[i]->der, out->lens[i] = s->built[i]->der_len);
            }
            if (rc == TERN_OK) {
                rc = cry_pubkey_parse_spki(&out->leaf_key, leaf->spki.p, leaf->spki.len);
                if (rc != TERN_OK)
                    rc = err_set(err, TERN_E_UNSUPPORTED_CERTIFICATE,
                                 "the public key of '%s' cannot be loaded (%s)",
                                 x509_subject_text(leaf), tern_status_name(rc));
            }
            if (rc != TERN_OK)
                x509_verified_cleanup(out);
        } else if (s->exhausted && s->best_rank > 0) {
            rc = err_set(err, s->cap_hit.code, "%s; the most telling failure before it: %s",
                         s->cap_hit.msg, s->best.msg);
            reason(err, TERN_VERIFY_LIMIT);
        } else if (s->exhausted) {
            rc = err_set(err, s->cap_hit.code, "%s", s->cap_hit.msg);
            reason(err, TERN_VERIFY_LIMIT);
        } else if (s->best_rank >= 2 || (s->best_rank > 0 && !s->dead_end)) {
            rc = err_set(err, s->best.code, "%s", s->best.msg);
            reason(err, (enum tern_verify_reason)s->best.detail);
        } else {
            const struct x509_cert *end = s->dead_end ? s->dead_end : leaf;
            size_t na = anchor_count(s);
            if (end == leaf && leaf->self_issued) {
                rc = err_set(err, TERN_E_UNKNOWN_CA,
                             "the certificate '%s' is self-signed (its own issuer) and is not "
                             "in the trust store (%zu anchor%s)",
                             x509_subject_text(leaf), na, na == 1 ? "" : "s");
                reason(err, TERN_VERIFY_SELF_SIGNED);
            } else
                rc = err_set(err, TERN_E_UNKNOWN_CA,
                             "no certificate in the chain is signed by a trusted root: the chain "
                             "ends at '%s', whose issuer '%s' is not in the trust store (%zu "
                             "anchor%s)",
                             x509_subject_text(end), x509_issuer_text(end), na, na == 1 ? "" : "s");
        }
    }
    if (opts->stats) {
        opts->stats->signatures = (unsigned long)s->signatures;
        opts->stats->paths = s->paths;
        opts->stats->candidates = (unsigned long)s->candidates;
    }
    for (size_t i = 0; i < n; i++)
        x509_cert_free(parsed[i]);
    for (size_t i = 0; i < s->n_extra; i++)
        x509_cert_free(s->extra[i]);
    tern_free(s->memo);
    tern_free(s);
    return rc;
}

void x509_verified_cleanup(struct x509_verified *v)
{
    for (size_t i = 0; i < X509_MAX_CHAIN; i++) {
        tern_free(v->subjects[i]);
        tern_free(v->ders[i]);
    }
    cry_pubkey_cleanup(&v->leaf_key);
    memset(v, 0, sizeof(*v));
}

bool x509_parse_time_text(const char *s, int64_t *out)
{
    size_t n = strlen(s);
    if (n == 0)
        return false;
    bool all_digits = true;
    for (size_t i = 0; i < n; i++)
        all_digits = all_digits && ((s[i] >= '0' && s[i] <= '9') || (i == 0 && s[i] == '-'));
    if (all_digits) {
        long long v = 0;
        if (sscanf(s, "%lld", &v) != 1)
            return false;
        *out = v;
        return true;
    }
    /* RFC 3339 §5.6: date-time = full-date "T" full-time; fractions are
     * floored (a time inside a second is that second). */
    unsigned y, mo, d, h, mi, sec;
    int used = 0;
    char tsep;
    if (sscanf(s, "%4u-%2u-%2u%c%2u:%2u:%2u%n", &y, &mo, &d, &tsep, &h, &mi, &sec, &used) != 7 ||
        used != 19 || (tsep != 'T' && tsep != 't' && tsep != ' '))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return false;
    const char *p = s + used;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    int64_t offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        unsigned oh, om;
        int k = 0;
        if (sscanf(p + 1, "%2u:%2u%n", &oh, &om, &k) != 2 || k != 5 || oh > 23 || om > 59)
            return false;
        offset = (int64_t)(oh * 3600 + om * 60) * (*p == '+' ? 1 : -1);
        p += 6;
    } else {
        return false;
    }
    if (*p)
        return false;
    *out =
        der_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + (sec > 59 ? 59 : sec) - offset;
    return true;
}
