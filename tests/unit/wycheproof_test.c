/* The provider against Project Wycheproof's vectors (tests/vectors/wycheproof)
 * for every algorithm it offers. Each test case is one of:
 *   valid      - the provider must accept it (and compute the stated value);
 *   invalid    - the provider must refuse it;
 *   acceptable - either is allowed by the standard; tern's decision is
 *                written down below per file, checked, and counted.
 * A disagreement fails the program. Each file prints one line:
 *   "aes_gcm_test.json: 316 tests, 0 disagree (acceptable: 0, skipped: 0)".
 * "skipped" counts cases for parameters tern does not offer (AES-192);
 * they are named in the line so nothing is silently left out. */
#include "base/bytes.h"
#include "base/mem.h"
#include "crypto/provider.h"
#include "json.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

struct tally {
    const char *file;
    int tests, disagree, acceptable, skipped;
    int acc_accepted, acc_rejected; /* what tern decided on acceptable cases */
};

/* hexf decodes a hex member of a test object ("" gives a zero-length buffer). */
static uint8_t *hexf(const struct json *obj, const char *key, size_t *len)
{
    const char *s = json_str(obj, key);
    uint8_t *p = s ? hex_decode(s, len) : NULL;
    if (!p) {
        *len = 0;
        p = malloc(1);
    }
    return p;
}

static const struct json *load(const char *name, struct json **root)
{
    char rel[256];
    snprintf(rel, sizeof(rel), "wycheproof/%s", name);
    *root = json_parse_file(vector_path(rel));
    CHECK(*root != NULL);
    if (!*root) {
        fprintf(stderr, "cannot read %s\n", vector_path(rel));
        return NULL;
    }
    const struct json *groups = json_get(*root, "testGroups");
    CHECK(groups && groups->type == JSON_ARRAY);
    return groups;
}

enum verdict { V_VALID, V_INVALID, V_ACCEPTABLE };

static enum verdict verdict_of(const struct json *t)
{
    const char *r = json_str(t, "result");
    if (r && strcmp(r, "valid") == 0)
        return V_VALID;
    if (r && strcmp(r, "acceptable") == 0)
        return V_ACCEPTABLE;
    return V_INVALID;
}

static bool has_flag(const struct json *t, const char *flag)
{
    const struct json *flags = json_get(t, "flags");
    for (size_t i = 0; flags && i < flags->n; i++)
        if (flags->items[i]->type == JSON_STRING && strcmp(flags->items[i]->string, flag) == 0)
            return true;
    return false;
}

/* judge records one outcome: `accepted` is what tern did; for acceptable
 * cases `policy_ok` says whether that matches tern's documented policy. */
static void judge(struct tally *ty, const struct json *t, bool accepted, bool policy_ok)
{
    enum verdict v = verdict_of(t);
    bool ok;
    ty->tests++;
    if (v == V_VALID) {
        ok = accepted;
    } else if (v == V_INVALID) {
        ok = !accepted;
    } else {
        ty->acceptable++;
        if (accepted)
            ty->acc_accepted++;
        else
            ty->acc_rejected++;
        ok = policy_ok;
    }
    if (!ok) {
        ty->disagree++;
        fprintf(stderr, "%s: tcId %d (%s, %s): tern %s\n", ty->file, (int)json_num(t, "tcId", -1),
                json_str(t, "result"), json_str(t, "comment") ? json_str(t, "comment") : "",
                accepted ? "accepted" : "refused");
    }
}

static void report(const struct tally *ty)
{
    printf("%s: %d tests, %d disagree (acceptable: %d [accepted %d, refused %d], skipped: %d)\n",
           ty->file, ty->tests, ty->disagree, ty->acceptable, ty->acc_accepted, ty->acc_rejected,
           ty->skipped);
    fflush(stdout);
    CHECK(ty->tests > 0);
    CHECK_EQ(ty->disagree, 0);
}

static bool hash_of(const char *name, enum cry_hash *h)
{
    if (!name)
        return false;
    if (strcmp(name, "SHA-256") == 0)
        *h = CRY_SHA256;
    else if (strcmp(name, "SHA-384") == 0)
        *h = CRY_SHA384;
    else if (strcmp(name, "SHA-512") == 0)
        *h = CRY_SHA512;
    else if (strcmp(name, "SHA-1") == 0)
        *h = CRY_SHA1;
    else
        return false;
    return true;
}

/* ---- AEAD ---- */

static void run_aead(const char *file, enum cry_aead chacha_or_gcm)
{
    struct tally ty = {.file = file};
    struct json *root;
    const struct json *groups = load(file, &root);
    for (size_t g = 0; groups && g < groups->n; g++) {
        const struct json *grp = groups->items[g];
        int key_bits = (int)json_num(grp, "keySize", 0);
        enum cry_aead a = chacha_or_gcm;
        if (a != CRY_CHACHA20_POLY1305)
            a = key_bits == 128 ? CRY_AES_128_GCM : CRY_AES_256_GCM;
        const struct json *tests = json_get(grp, "tests");
        for (size_t i = 0; tests && i < tests->n; i++) {
            const struct json *t = tests->items[i];
            if (a != CRY_CHACHA20_POLY1305 && key_bits == 192) {
                ty.skipped++; /* AES-192-GCM is in no TLS suite tern offers */
                continue;
            }
            size_t kl, nl, al, ml, cl, tl;
            uint8_t *key = hexf(t, "key", &kl), *iv = hexf(t, "iv", &nl),
                    *aad = hexf(t, "aad", &al), *msg = hexf(t, "msg", &ml),
                    *ct = hexf(t, "ct", &cl), *tag = hexf(t, "tag", &tl);
            uint8_t *buf = malloc(ml + cl + 1);
            uint8_t mytag[16];
            bool seal_ok = false, open_ok = false;
            struct cry_aead_key k;
            if (cry_aead_init(&k, a, key, kl) == TERN_OK) {
                /* seal must give exactly ct || tag */
                memcpy(buf, msg, ml);
                if (ml == cl && tl <= 16 &&
                    cry_aead_seal(&k, iv, nl, aad, al, buf, ml, mytag, tl) == TERN_OK)
                    seal_ok = memcmp(buf, ct, cl) == 0 && memcmp(mytag, tag, tl) == 0;
                /* open must give msg back */
                memcpy(buf, ct, cl);
                if (cry_aead_open(&k, iv, nl, aad, al, buf, cl, tag, tl) == TERN_OK)
                    open_ok = cl == ml && memcmp(buf, msg, ml) == 0;
                cry_aead_cleanup(&k);
            }
            /* Valid: both directions agree with the vector. Invalid: open
             * refuses (for a zero-length or wrong-size nonce seal refuses
             * as well, which makes open_ok false too). */
            bool accepted = verdict_of(t) == V_VALID ? seal_ok && open_ok : open_ok;
            judge(&ty, t, accepted, false);
            free(key), free(iv), free(aad), free(msg), free(ct), free(tag), free(buf);
        }
    }
    report(&ty);
    json_free(root);
}

/* ---- HMAC, HKDF ---- */

static void run_hmac(const char *file, enum cry_hash h)
{
    struct tally ty = {.file = file};
    struct json *root;
    const struct json *groups = load(file, &root);
    for (size_t g = 0; groups && g < groups->n; g++) {
        const struct json *tests = json_get(groups->items[g], "tests");
        for (size_t i = 0; tests && i < tests->n; i++) {
            const struct json *t = tests->items[i];
            size_t kl, ml, tl;
            uint8_t *key = hexf(t, "key", &kl), *msg = hexf(t, "msg", &ml),
                    *tag = hexf(t, "tag", &tl);
            uint8_t mac[CRY_MAX_HASH];
            /* A truncated tag (the groups with tagSize 128) is checked
             * against the prefix of the full HMAC (RFC 2104 §5). */
            bool accepted = cry_hmac(h, key, kl, msg, ml, mac) == TERN_OK && tl > 0 &&
                            tl <= cry_hash_len(h) && tern_ct_eq(mac, tag, tl);
            judge(&ty, t, accepted, false);
            free(key), free(msg), free(tag);
        }
    }
    report(&ty);
    json_free(root);
}

static void run_hkdf(const char *file, enum cry_hash h)
{
    struct tally ty = {.file = file};
    struct json *root;
    const struct json *groups = load(file, &root);
    for (size_t g = 0; groups && g < groups->n; g++) {
        const struct json *tests = json_get(groups->items[g], "tests");
        for (size_t i = 0; tests && i < tests->n; i++) {
            const struct json *t = tests->items[i];
            size_t il, sl, nl, ol;
            uint8_t *ikm = hexf(t, "ikm", &il), *salt = hexf(t, "salt", &sl),
                    *info = hexf(t, "info", &nl), *okm = hexf(t, "okm", &ol);
            size_t size = (size_t)json_num(t, "size", 0);
            uint8_t prk[CRY_MAX_HASH];
            uint8_t *out = malloc(size + 1);
            bool accepted = cry_hkdf_extract(h, salt, sl, ikm, il, prk) == TERN_OK &&
                            cry_hkdf_expand(h, prk, cry_hash_len(h), info, nl, out, size) ==
                                TERN_OK &&
                            size == ol && memcmp(out, okm, ol) == 0;
            judge(&ty, t, accepted, false);
            free(ikm), free(salt), free(info), free(okm), free(out);
        }
    }
    report(&ty);
    json_free(root);
}

/* ---- key agreement ---- */

static bool all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

/* X25519 with raw keys (xdh_comp_schema).
 *
 * Acceptable cases, tern's policy: refuse exactly those whose shared secret
 * is all zeros (low-order public values, flag ZeroSharedSecret), as RFC
 * 8446 §7.4.2 requires of TLS via RFC 7748 §6.1's check; accept the rest
 * (points on the twist, non-canonical encodings: RFC 7748 §5 defines their
 * value) and then the computed secret must equal the stated one. */
static void run_x25519(const char *file)
{
    struct tally ty = {.file = file};
    struct json *root;
    const struct json *groups = load(file, &root);
    for (size_t g = 0; groups && g < groups->n; g++) {
        const struct json *tests = json_get(groups->items[g], "tests");
        for (size_t i = 0; tests && i < tests->n; i++) {
            const struct json *t = tests->items[i];
            size_t pl, kl, sl, ol = 0;
            uint8_t *pub = hexf(t, "public", &pl), *priv = hexf(t, "private", &kl),
                    *shared = hexf(t, "shared", &sl);
            uint8_t out[64];
            struct cry_ecdh k;
            bool derived = false;
            if (cry_ecdh_import(&k, CRY_X25519, priv, kl) == TERN_OK) {
                derived = cry_ecdh_derive(&k, pub, pl, out, sizeof(out), &ol) == TERN_OK;
                cry_ecdh_cleanup(&k);
            }
            bool correct = derived && ol == sl && memcmp(out, shared, sl) == 0;
            bool zero = all_zero(shared, sl);
            bool policy = zero ? !derived : correct;
            if (has_flag(t, "ZeroSharedSecret"))
                policy = policy && !derived;
            judge(&ty, t, verdict_of(t) == V_VALID ? correct : derived, policy);
            free(pub), free(priv), free(shared);
        }
    }
    report(&ty);
    json_free(root);
}

/* der_tlv splits one DER element with the expected tag off r (test-side
 * reader for the SPKI wrapper of the ECDH vectors). */
static bool der_tlv(struct rd *r, uint8_t tag, struct rd *body)
{
    uint8_t t, l0, b;
    size_t n = 0;
    if (!rd_u8(r, &t) || t != tag || !rd_u8(r, &l0))
        return false;
    if (l0 < 0x80) {
        n = l0;
    } else {
        unsigned nb = l0 & 0x7f;
        if (nb == 0 || nb > 2)
            return false;
        for (unsigned i = 0; i < nb; i++) {
            if (!rd_u8(r, &b))
                return false;
            n = n << 8 | b;
        }
        if (n < 0x80)
            return false; /* DER: the short form was required */
    }
    return rd_sub(r, body, n);
}

/* What the SPKI wrapper of an ECDH vector holds. */
enum spki_form {
    SPKI_BAD,        /* not a well-formed DER SPKI */
    SPKI_OTHER,      /* well-formed, but not id-ecPublicKey with our named curve */
    SPKI_OUR_CURVE,  /* id-ecPublicKey, namedCurve = the curve under test */
};

/* spki_point takes the subjectPublicKey bits out of a DER SPKI and says
 * whether the AlgorithmIdentifier is exactly id-ecPublicKey with the named
 * curve under test (RFC 5480 §2.1.1: namedCurve only; explicit parameters
 * are refused). In TLS only the point arrives (RFC 8446 §4.2.8.2) and the
 * curve is the negotiated group, which this check stands in for. */
static enum spki_form spki_point(const uint8_t *der, size_t len, const uint8_t *curve_oid,
                                 size_t curve_oid_len, const uint8_t **pt, size_t *pt_len)
{
    static const uint8_t ec_oid[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
    struct rd r, spki, alg, bits, oid, curve;
    uint8_t unused;
    rd_init(&r, der, len);
    if (!der_tlv(&r, 0x30, &spki) || !rd_empty(&r) || !der_tlv(&spki, 0x30, &alg) ||
        !der_tlv(&spki, 0x03, &bits) || !rd_empty(&spki) || !rd_u8(&bits, &unused) ||
        unused != 0)
        return SPKI_BAD;
    *pt = bits.p;
    *pt_len = bits.len;
    if (!der_tlv(&alg, 0x06, &oid) || oid.len != sizeof(ec_oid) ||
        memcmp(oid.p, ec_oid, sizeof(ec_oid)) != 0 || !der_tlv(&alg, 0x06, &curve) ||
        !rd_empty(&alg) || curve.len != curve_oid_len ||
        memcmp(curve.p, curve_oid, curve_oid_len) != 0)
        return SPKI_OTHER;
    return SPKI_OUR_CURVE;
}

/* ECDH on P-256/P-384 (ecdh_test_schema, public keys as DER SPKI).
 *
 * The test unwraps the SPKI (spki_point) and hands the raw point to
 * cry_ecdh_derive, as a TLS key share would arrive. A key whose SPKI does
 * not name the curve under test (another curve, or explicit parameters) is
 * not a key share for this group and counts as refused; on top of that its
 * raw point, when it is on another curve ("WrongCurve"), is handed to
 * cry_ecdh_derive anyway and must be refused there too, so the provider's
 * own on-curve check is what is tested, not only the wrapper.
 *
 * Acceptable cases, tern's policy:
 *  - CompressedPublic: refused. TLS 1.3 allows only the uncompressed form
 *    (RFC 8446 §4.2.8.2), and tern offers no point-format negotiation in
 *    TLS 1.2 (RFC 8422 §5.1.2 deprecates it).
 *  - UnnamedCurve (explicit parameters, unused or modified): refused, as
 *    RFC 5480 §2.1.1 requires namedCurve.
 *  - InvalidAsn (odd encodings of the wrapper, which TLS never carries):
 *    either decision, but when the point is used the shared secret must be
 *    the stated one (a different value would mean the point was misread). */
static void run_ecdh(const char *file, enum cry_curve curve)
{
    static const uint8_t p256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    static const uint8_t p384[] = {0x2b, 0x81, 0x04, 0x00, 0x22};
    const uint8_t *coid = curve == CRY_P256 ? p256 : p384;
    size_t coid_len = curve == CRY_P256 ? sizeof(p256) : sizeof(p384);
    struct tally ty = {.file = file};
    int wrong_curve = 0, wrong_curve_refused = 0;
    struct json *root;
    const struct json *groups = load(file, &root);
    for (size_t g = 0; groups && g < groups->n; g++) {
        const struct json *tests = json_get(groups->items[g], "tests");
        for (size_t i = 0; tests && i < tests->n; i++) {
            const struct json *t = tests->items[i];
            size_t pl, kl, sl, ol = 0, ptl = 0;
            uint8_t *pub = hexf(t, "public", &pl), *priv = hexf(t, "private", &kl),
                    *shared = hexf(t, "shared", &sl);
            const uint8_t *pt = NULL;
            uint8_t out[64];
            bool derived = false;
            struct cry_ecdh k;
            enum spki_form form = spki_point(pub, pl, coid, coid_len, &pt, &ptl);
            if (form != SPKI_BAD && cry_ecdh_import(&k, curve, priv, kl) == TERN_OK) {
                bool d = cry_ecdh_derive(&k, pt, ptl, out, sizeof(out), &ol) == TERN_OK;
                if (form == SPKI_OUR_CURVE)
                    derived = d;
                if (has_flag(t, "WrongCurve")) {
                    wrong_curve++;
                    wrong_curve_refused += !d;
                }
                cry_ecdh_cleanup(&k);
            }
            bool correct = derived && ol == sl && memcmp(out, shared, sl) == 0;
            bool policy = (has_flag(t, "CompressedPublic") || has_flag(t, "UnnamedCurve"))
                              ? !derived
                              : (!derived || correct);
            judge(&ty, t, verdict_of(t) == V_VALID ? correct : derived, policy);
            free(pub), free(priv), free(shared);
        }
    }
    printf("%s: points on other curves refused by cry_ecdh_derive: %d of %d\n", file,
           wrong_curve_refused, wrong_curve);
    fflush(stdout);
    CHECK(wrong_curve > 0);
    CHECK_EQ(wrong_curve_refused, wrong_curve);
    report(&ty);
    json_free(root);
}

/* ---- signatures ---- */

enum sigkind { SK_ECDSA, SK_ED25519, SK_PSS, SK_PKCS1 };

/* Signature verification: a group carries the key as DER SPKI
 * (publicKeyDer), parsed with cry_pubkey_parse_spki like a certificate's.
 *
 * Acceptable cases, tern's policy (rsa_signature_2048_sha256, tcId 8,
 * "MissingNull"): a DigestInfo whose AlgorithmIdentifier omits the NULL
 * parameters. RFC 8017 §9.2 note 2 allows verifiers to accept it; tern
 * refuses it, as libcrypto 3.0 does: a signer following RFC 8017 or RFC
 * 4055 §5 always writes the NULL, and comparing the whole encoded block is
 * the verification method that resists forgeries. Checked below. */
static void run_sig(const char *file, enum sigkind kind)
{
    struct tally ty = {.file = file};
    struct json *root;
    const struct json *groups = load(file, &root);
    for (size_t g = 0; groups && g < groups->n; g++) {
        const struct json *grp = groups->items[g];
        const struct json *tests = json_get(grp, "tests");
        enum cry_hash h = CRY_SHA256, mgf;
        int salt = -1;
        bool usable = true;
        if (kind != SK_ED25519)
            usable = hash_of(json_str(grp, "sha"), &h);
        if (kind == SK_PSS) {
            /* tern's PSS uses MGF1 with the message hash (RFC 8446 §4.2.3) */
            usable = usable && hash_of(json_str(grp, "mgfSha"), &mgf) && mgf == h;
            salt = (int)json_num(grp, "sLen", -1);
        }
        if (!usable) {
            ty.skipped += tests ? (int)tests->n : 0;
            continue;
        }
        size_t dl;
        uint8_t *der = hexf(grp, "publicKeyDer", &dl);
        struct cry_pubkey pk;
        bool have_key = cry_pubkey_parse_spki(&pk, der, dl) == TERN_OK;
        CHECK(have_key);
        enum cry_sig_alg alg = kind == SK_ECDSA     ? CRY_SIG_ECDSA
                               : kind == SK_ED25519 ? CRY_SIG_ED25519
                               : kind == SK_PSS     ? CRY_SIG_RSA_PSS
                                                    : CRY_SIG_RSA_PKCS1;
        for (size_t i = 0; tests && i < tests->n; i++) {
            const struct json *t = tests->items[i];
            size_t ml, sl;
            uint8_t *msg = hexf(t, "msg", &ml), *sig = hexf(t, "sig", &sl);
            bool accepted =
                have_key && cry_verify(&pk, alg, h, salt, msg, ml, sig, sl) == TERN_OK;
            judge(&ty, t, accepted, !accepted);
            free(msg), free(sig);
        }
        if (have_key)
            cry_pubkey_cleanup(&pk);
        free(der);
    }
    report(&ty);
    json_free(root);
}

int main(void)
{
    run_aead("aes_gcm_test.json", CRY_AES_128_GCM);
    run_aead("chacha20_poly1305_test.json", CRY_CHACHA20_POLY1305);
    run_hmac("hmac_sha256_test.json", CRY_SHA256);
    run_hmac("hmac_sha384_test.json", CRY_SHA384);
    run_hkdf("hkdf_sha256_test.json", CRY_SHA256);
    run_hkdf("hkdf_sha384_test.json", CRY_SHA384);
    run_x25519("x25519_test.json");
    run_ecdh("ecdh_secp256r1_test.json", CRY_P256);
    run_ecdh("ecdh_secp384r1_test.json", CRY_P384);
    run_sig("ecdsa_secp256r1_sha256_test.json", SK_ECDSA);
    run_sig("ecdsa_secp384r1_sha384_test.json", SK_ECDSA);
    run_sig("ed25519_test.json", SK_ED25519);
    run_sig("rsa_pss_2048_sha256_mgf1_32_test.json", SK_PSS);
    run_sig("rsa_pss_2048_sha384_mgf1_48_test.json", SK_PSS);
    run_sig("rsa_pss_3072_sha256_mgf1_32_test.json", SK_PSS);
    run_sig("rsa_pss_4096_sha512_mgf1_64_test.json", SK_PSS);
    run_sig("rsa_signature_2048_sha256_test.json", SK_PKCS1);
    return test_done();
}
