/* Record layer tests: RFC 8448 records opened and sealed byte for byte with
 * the trace's traffic secrets, TLS 1.2 AEAD round trips with independently
 * built nonces and additional data, and every failure path. */
#include "record/record.h"

#include "base/mem.h"
#include "rfc8448.h"
#include "tern/tern.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static struct rfc8448 *trace;

static const uint8_t *tget(int section, const char *ctx, const char *label, size_t nth, size_t *len)
{
    const uint8_t *p = rfc8448_get(trace, section, ctx, label, nth, len);
    if (!p) {
        fprintf(stderr, "RFC 8448 section %d has no '%s' in '%s' (#%zu)\n", section, label, ctx,
                nth);
        abort();
    }
    return p;
}

/* A direction keyed from a trace's traffic secret (the PRK of a "derive
 * ... traffic keys" step). */
static void dir_from_trace(struct rec_dir *d, int section, const char *ctx)
{
    size_t n;
    const uint8_t *secret = tget(section, ctx, "PRK", 0, &n);
    struct tern_err err;
    err_init(&err);
    memset(d, 0, sizeof(*d));
    CHECK_EQ(rec_dir_set13(d, CRY_SHA256, CRY_AES_128_GCM, secret, n, &err), TERN_OK);
    size_t ivn;
    const uint8_t *iv = tget(section, ctx, "iv expanded", 0, &ivn);
    CHECK_EQ(ivn, 12);
    CHECK_MEM(d->iv, iv, 12);
}

/* open_trace_record opens the nth "complete record" of ctx with d and
 * checks it gives the trace's payload, then seals the payload again with a
 * twin direction at the same sequence number and checks the very same
 * record comes out. */
static void open_trace_record(struct rec_dir *d, int section, const char *ctx, size_t nth,
                              uint8_t want_type)
{
    size_t rlen, plen;
    const uint8_t *rec = tget(section, ctx, "complete record", nth, &rlen);
    const uint8_t *payload = tget(section, ctx, "payload", nth, &plen);
    uint8_t *buf = malloc(rlen);
    memcpy(buf, rec, rlen);
    struct rec_dir twin = *d; /* same key object: only used before d moves on */
    uint64_t seq = d->seq;
    uint8_t type;
    size_t off, len;
    struct tern_err err;
    err_init(&err);
    CHECK_EQ(rec_open(d, buf, rlen, &type, &off, &len, &err), TERN_OK);
    CHECK_EQ(type, want_type);
    CHECK_EQ(len, plen);
    if (len == plen)
        CHECK_MEM(buf + off, payload, plen);
    CHECK_EQ(d->seq, seq + 1);

    uint8_t *sealed = malloc(rlen + 64);
    memcpy(sealed + rec_plaintext_offset(&twin), payload, plen);
    size_t out_len;
    CHECK_EQ(rec_seal(&twin, want_type, sealed, plen, 0, rlen + 64, &out_len, &err), TERN_OK);
    CHECK_EQ(out_len, rlen);
    CHECK_MEM(sealed, rec, rlen);
    if (err.code)
        fprintf(stderr, "  %s\n", err.msg);
    free(sealed);
    free(buf);
}

static void test_rfc8448_records(void)
{
    /* Section 3: every protected record of the 1-RTT handshake. */
    struct rec_dir s_hs, c_hs, s_ap, c_ap;
    dir_from_trace(&s_hs, 3, "{server}  derive write traffic keys for handshake data");
    dir_from_trace(&c_hs, 3, "{server}  derive read traffic keys for handshake data");
    dir_from_trace(&s_ap, 3, "{server}  derive write traffic keys for application data");
    dir_from_trace(&c_ap, 3, "{client}  derive write traffic keys for application data");
    /* [0] is the plaintext ServerHello, [1] the encrypted flight. */
    open_trace_record(&s_hs, 3, "{server}  send handshake record", 1, REC_HANDSHAKE);
    /* [0] is the plaintext ClientHello, [1] the client's Finished. */
    open_trace_record(&c_hs, 3, "{client}  send handshake record", 1, REC_HANDSHAKE);
    open_trace_record(&s_ap, 3, "{server}  send handshake record", 2, REC_HANDSHAKE); /* ticket */
    open_trace_record(&c_ap, 3, "{client}  send application_data record", 0, REC_APPLICATION_DATA);
    open_trace_record(&s_ap, 3, "{server}  send application_data record", 0, REC_APPLICATION_DATA);
    open_trace_record(&c_ap, 3, "{client}  send alert record", 0, REC_ALERT);
    open_trace_record(&s_ap, 3, "{server}  send alert record", 0, REC_ALERT);
    CHECK_EQ(s_ap.seq, 3);
    CHECK_EQ(c_ap.seq, 2);
    rec_dir_cleanup(&s_hs);
    rec_dir_cleanup(&c_hs);
    rec_dir_cleanup(&s_ap);
    rec_dir_cleanup(&c_ap);

    /* Section 4: the 0-RTT application data under the early traffic keys. */
    struct rec_dir early;
    dir_from_trace(&early, 4, "{client}  derive write traffic keys for early application data");
    open_trace_record(&early, 4, "{client}  send application_data record", 0, REC_APPLICATION_DATA);
    rec_dir_cleanup(&early);
}

static void test_rfc8448_plaintext(void)
{
    /* The ClientHello record goes out as 0x0301 (RFC 8446 §5.1), the
     * ServerHello as 0x0303. */
    struct rec_dir d = {0};
    struct tern_err err;
    err_init(&err);
    size_t rlen, plen, out_len;
    const uint8_t *rec = tget(3, "{client}  send handshake record", "complete record", 0, &rlen);
    const uint8_t *payload = tget(3, "{client}  send handshake record", "payload", 0, &plen);
    uint8_t buf[600];
    d.plain_version = 0x0301;
    memcpy(buf + rec_plaintext_offset(&d), payload, plen);
    CHECK_EQ(rec_seal(&d, REC_HANDSHAKE, buf, plen, 0, sizeof(buf), &out_len, &err), TERN_OK);
    CHECK_EQ(out_len, rlen);
    CHECK_MEM(buf, rec, rlen);

    rec = tget(3, "{server}  send handshake record", "complete record", 0, &rlen);
    payload = tget(3, "{server}  send handshake record", "payload", 0, &plen);
    d.plain_version = 0;
    memcpy(buf + rec_plaintext_offset(&d), payload, plen);
    CHECK_EQ(rec_seal(&d, REC_HANDSHAKE, buf, plen, 0, sizeof(buf), &out_len, &err), TERN_OK);
    CHECK_MEM(buf, rec, rlen);

    uint8_t type;
    size_t off, len;
    CHECK_EQ(rec_open(&d, buf, out_len, &type, &off, &len, &err), TERN_OK);
    CHECK_EQ(type, REC_HANDSHAKE);
    CHECK_EQ(off, 5);
    CHECK_EQ(len, plen);
    CHECK_EQ(d.seq, 0); /* plaintext records use no sequence number */

    /* An unprotected record over 2^14 is refused, even under the 1.2 cap. */
    static uint8_t big[5 + 16385];
    big[0] = 22, big[1] = 3, big[2] = 3, big[3] = 0x40, big[4] = 0x01;
    err_init(&err);
    CHECK_EQ(rec_open(&d, big, sizeof(big), &type, &off, &len, &err), TERN_E_RECORD_OVERFLOW);
    CHECK_CONTAINS(err.msg, "16385");
    /* An empty handshake record is refused; an empty application_data one is not. */
    uint8_t empty[5] = {22, 3, 3, 0, 0};
    err_init(&err);
    CHECK_EQ(rec_open(&d, empty, 5, &type, &off, &len, &err), TERN_E_UNEXPECTED_MESSAGE);
    CHECK_CONTAINS(err.msg, "empty handshake");
    empty[0] = 23;
    CHECK_EQ(rec_open(&d, empty, 5, &type, &off, &len, &err), TERN_OK);
    CHECK_EQ(len, 0);
}

static void test_header(void)
{
    struct tern_err err;
    struct rec_header h;
    struct rd r;
    uint8_t hdr[5] = {23, 3, 3, 0x41, 0x00}; /* 16640 */
    err_init(&err);
    rd_init(&r, hdr, 4);
    CHECK_EQ(rec_parse_header(&r, true, &h, &err), TERN_WANT_READ);
    CHECK_EQ(r.len, 4);
    rd_init(&r, hdr, 5);
    CHECK_EQ(rec_parse_header(&r, true, &h, &err), TERN_OK);
    CHECK_EQ(r.len, 0);
    CHECK_EQ(h.type, 23);
    CHECK_EQ(h.version, 0x0303);
    CHECK_EQ(h.length, 16640);

    hdr[4] = 0x01; /* 16641 */
    rd_init(&r, hdr, 5);
    CHECK_EQ(rec_parse_header(&r, true, &h, &err), TERN_E_RECORD_OVERFLOW);
    CHECK_CONTAINS(err.msg, "16641 bytes exceeds the TLS 1.3 limit of 16640");
    CHECK_EQ(r.len, 5);
    rd_init(&r, hdr, 5);
    CHECK_EQ(rec_parse_header(&r, false, &h, NULL), TERN_OK); /* within 1.2's 18432 */

    hdr[3] = 0x48, hdr[4] = 0x01; /* 18433 */
    err_init(&err);
    rd_init(&r, hdr, 5);
    CHECK_EQ(rec_parse_header(&r, false, &h, &err), TERN_E_RECORD_OVERFLOW);
    CHECK_CONTAINS(err.msg, "18433 bytes exceeds the TLS 1.2 limit of 18432");

    uint8_t bad[5] = {24, 3, 3, 0, 1};
    err_init(&err);
    rd_init(&r, bad, 5);
    CHECK_EQ(rec_parse_header(&r, true, &h, &err), TERN_E_UNEXPECTED_MESSAGE);
    CHECK_CONTAINS(err.msg, "content type 24");
}

static const uint8_t secret_a[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                     12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                     23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static void pair13(struct rec_dir *w, struct rec_dir *r)
{
    memset(w, 0, sizeof(*w));
    memset(r, 0, sizeof(*r));
    CHECK_EQ(rec_dir_set13(w, CRY_SHA256, CRY_AES_128_GCM, secret_a, 32, NULL), TERN_OK);
    CHECK_EQ(rec_dir_set13(r, CRY_SHA256, CRY_AES_128_GCM, secret_a, 32, NULL), TERN_OK);
}

/* craft13 builds a TLS 1.3 record around an arbitrary inner plaintext with
 * d's key at d's sequence number, bypassing rec_seal's checks, so the
 * opener's checks can be exercised. Returns the record length. */
static size_t craft13(const struct rec_dir *d, const uint8_t *inner, size_t inner_len, uint8_t *buf)
{
    size_t frag = inner_len + CRY_AEAD_TAG;
    buf[0] = 23, buf[1] = 3, buf[2] = 3, buf[3] = (uint8_t)(frag >> 8), buf[4] = (uint8_t)frag;
    uint8_t nonce[12];
    memcpy(nonce, d->iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[4 + i] ^= (uint8_t)(d->seq >> (56 - 8 * i));
    memcpy(buf + 5, inner, inner_len);
    struct cry_aead_key k = d->key;
    CHECK_EQ(cry_aead_seal(&k, nonce, 12, buf, 5, buf + 5, inner_len, buf + 5 + inner_len, 16),
             TERN_OK);
    return 5 + frag;
}

static void test_tamper(void)
{
    struct rec_dir w, r;
    pair13(&w, &r);
    uint8_t rec[64], copy[64];
    const char msg[] = "attack at dawn";
    size_t n;
    memcpy(rec + 5, msg, sizeof(msg));
    CHECK_EQ(rec_seal(&w, REC_APPLICATION_DATA, rec, sizeof(msg), 3, sizeof(rec), &n, NULL),
             TERN_OK);
    CHECK_EQ(n, 5 + sizeof(msg) + 1 + 3 + 16);
    /* Flip each byte in turn (the length bytes make a framing error, any
     * other one a failed authentication). */
    int macs = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(copy, rec, n);
        copy[i] ^= 0x01;
        struct tern_err err;
        err_init(&err);
        uint8_t type;
        size_t off, len;
        int rc = rec_open(&r, copy, n, &type, &off, &len, &err);
        if (i == 3 || i == 4) {
            CHECK_EQ(rc, TERN_E_ARG);
        } else if (i == 0) {
            CHECK_EQ(rc, TERN_E_UNEXPECTED_MESSAGE); /* outer type 22 after protection */
        } else {
            CHECK_EQ(rc, TERN_E_BAD_RECORD_MAC);
            CHECK_CONTAINS(err.msg, "did not authenticate");
            macs += rc == TERN_E_BAD_RECORD_MAC;
        }
        CHECK_EQ(r.seq, 0);
    }
    CHECK_EQ(macs, (int)n - 3);
    /* The untouched record still opens. */
    uint8_t type;
    size_t off, len;
    CHECK_EQ(rec_open(&r, rec, n, &type, &off, &len, NULL), TERN_OK);
    CHECK_EQ(len, sizeof(msg));
    CHECK_MEM(rec + off, msg, sizeof(msg));
    /* Replaying it fails: the sequence number moved on. */
    memcpy(rec + 5, msg, sizeof(msg));
    struct rec_dir w2, r2;
    pair13(&w2, &r2);
    CHECK_EQ(rec_seal(&w2, REC_APPLICATION_DATA, rec, sizeof(msg), 0, sizeof(rec), &n, NULL),
             TERN_OK);
    memcpy(copy, rec, n);
    CHECK_EQ(rec_open(&r2, rec, n, &type, &off, &len, NULL), TERN_OK);
    CHECK_EQ(rec_open(&r2, copy, n, &type, &off, &len, NULL), TERN_E_BAD_RECORD_MAC);
    rec_dir_cleanup(&w), rec_dir_cleanup(&r), rec_dir_cleanup(&w2), rec_dir_cleanup(&r2);
}

/* The inner type is found at every offset within a word and a 128-byte
 * block, and after content that is itself all zeros (the scan goes a block
 * at a time). */
static void test_padding_offsets(void)
{
    static uint8_t buf[REC_MAX_RECORD];
    static const size_t pads[] = {0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 63, 64, 65, 127, 128, 200};
    for (size_t clen = 1; clen <= 280;
         clen += clen < 24 || (clen > 54 && clen < 74) || (clen > 118 && clen < 138) ? 1 : 7) {
        for (size_t pi = 0; pi < sizeof(pads) / sizeof(pads[0]); pi++) {
            size_t pad = pads[pi];
            struct rec_dir w, r;
            pair13(&w, &r);
            memset(buf, 0, sizeof(buf));
            size_t n, off, len;
            uint8_t got_type;
            CHECK_EQ(rec_seal(&w, REC_APPLICATION_DATA, buf, clen, pad, sizeof(buf), &n, NULL),
                     TERN_OK);
            CHECK_EQ(rec_open(&r, buf, n, &got_type, &off, &len, NULL), TERN_OK);
            CHECK_EQ(got_type, REC_APPLICATION_DATA);
            CHECK_EQ(len, clen);
            rec_dir_cleanup(&w), rec_dir_cleanup(&r);
        }
    }
}

static void test_padding(void)
{
    static const size_t pads[] = {0, 1, 2, 15, 16, 255, 1000, 16384 - 100};
    static uint8_t buf[REC_MAX_RECORD];
    for (size_t i = 0; i < sizeof(pads) / sizeof(pads[0]); i++) {
        struct rec_dir w, r;
        pair13(&w, &r);
        for (size_t k = 0; k < 100; k++)
            buf[5 + k] = (uint8_t)(k * 7 + 1);
        buf[5 + 99] = 0; /* content ending in zero must survive padding removal */
        size_t n;
        uint8_t type = i % 2 ? REC_HANDSHAKE : REC_ALERT;
        CHECK_EQ(rec_seal(&w, type, buf, 100, pads[i], sizeof(buf), &n, NULL), TERN_OK);
        CHECK_EQ(n, 5 + 100 + 1 + pads[i] + 16);
        uint8_t got_type;
        size_t off, len;
        CHECK_EQ(rec_open(&r, buf, n, &got_type, &off, &len, NULL), TERN_OK);
        CHECK_EQ(got_type, type);
        CHECK_EQ(len, 100);
        CHECK_EQ(buf[off + 99], 0);
        CHECK_EQ(buf[off + 98], (uint8_t)(98 * 7 + 1));
        rec_dir_cleanup(&w), rec_dir_cleanup(&r);
    }
    /* Limits of sealing: content over 2^14, content plus padding over
     * 2^14 + 1, and a buffer too small. */
    struct rec_dir w, r;
    pair13(&w, &r);
    size_t n;
    struct tern_err err;
    err_init(&err);
    CHECK_EQ(rec_seal(&w, REC_APPLICATION_DATA, buf, 16385, 0, sizeof(buf), &n, &err), TERN_E_ARG);
    CHECK_CONTAINS(err.msg, "16385 bytes exceeds the plaintext limit of 16384");
    err_init(&err);
    CHECK_EQ(rec_seal(&w, REC_APPLICATION_DATA, buf, 16384, 1, sizeof(buf), &n, &err), TERN_E_ARG);
    CHECK_CONTAINS(err.msg, "inner plaintext limit of 16385");
    err_init(&err);
    CHECK_EQ(rec_seal(&w, REC_APPLICATION_DATA, buf, 100, 0, 121, &n, &err), TERN_E_ARG);
    CHECK_CONTAINS(err.msg, "needs 122 bytes");
    CHECK_EQ(w.seq, 0);
    /* The largest legal record goes through. */
    CHECK_EQ(rec_seal(&w, REC_APPLICATION_DATA, buf, 16384, 0, sizeof(buf), &n, NULL), TERN_OK);
    uint8_t type;
    size_t off, len;
    CHECK_EQ(rec_open(&r, buf, n, &type, &off, &len, NULL), TERN_OK);
    CHECK_EQ(len, 16384);
    rec_dir_cleanup(&w), rec_dir_cleanup(&r);
}

static void test_open_failures13(void)
{
    struct rec_dir w, r;
    pair13(&w, &r);
    static uint8_t inner[16400], buf[16400 + 64];
    struct tern_err err;
    uint8_t type;
    size_t off, len, n;

    /* All-zero inner plaintext: no content type. */
    memset(inner, 0, 40);
    n = craft13(&r, inner, 40, buf);
    err_init(&err);
    CHECK_EQ(rec_open(&r, buf, n, &type, &off, &len, &err), TERN_E_UNEXPECTED_MESSAGE);
    CHECK_CONTAINS(err.msg, "only zeros");

    /* Inner plaintext of 2^14 + 2 bytes: content 2^14 + 1. */
    memset(inner, 'x', 16385);
    inner[16385] = REC_APPLICATION_DATA;
    n = craft13(&r, inner, 16386, buf);
    err_init(&err);
    CHECK_EQ(rec_open(&r, buf, n, &type, &off, &len, &err), TERN_E_RECORD_OVERFLOW);
    CHECK_CONTAINS(err.msg, "16386 bytes of inner plaintext exceeds the TLS 1.3 limit of 16385");

    /* Exactly 2^14 + 1 is fine. */
    n = craft13(&r, inner + 1, 16385, buf);
    CHECK_EQ(rec_open(&r, buf, n, &type, &off, &len, NULL), TERN_OK);
    CHECK_EQ(len, 16384);

    /* Inner content types TLS 1.3 does not protect. */
    inner[0] = 'a', inner[1] = 0x42, inner[2] = 0;
    n = craft13(&r, inner, 3, buf);
    err_init(&err);
    CHECK_EQ(rec_open(&r, buf, n, &type, &off, &len, &err), TERN_E_UNEXPECTED_MESSAGE);
    CHECK_CONTAINS(err.msg, "inner content type 66");
    inner[0] = 1, inner[1] = REC_CHANGE_CIPHER_SPEC;
    n = craft13(&r, inner, 2, buf);
    err_init(&err);
    CHECK_EQ(rec_open(&r, buf, n, &type, &off, &len, &err), TERN_E_UNEXPECTED_MESSAGE);
    CHECK_CONTAINS(err.msg, "change_cipher_spec");
    /* An empty handshake message record. */
    inner[0] = REC_HANDSHAKE, inner[1] = 0, inner[2] = 0;
    n = craft13(&r, inner, 3, buf);
    err_init(&err);
    CHECK_EQ(rec_open(&r, buf, n, &type, &off, &len, &err), TERN_E_UNEXPECTED_MESSAGE);
    CHECK_CONTAINS(err.msg, "empty handshake");

    /* Too short to hold a tag and a type. */
    uint8_t tiny[5 + 16] = {23, 3, 3, 0, 16};
    err_init(&err);
    CHECK_EQ(rec_open(&r, tiny, sizeof(tiny), &type, &off, &len, &err), TERN_E_BAD_RECORD_MAC);
    CHECK_CONTAINS(err.msg, "16 bytes is too short");
    /* Over the 1.3 ciphertext limit, caught from the header. */
    static uint8_t over[5 + 16641] = {23, 3, 3, 0x41, 0x01};
    err_init(&err);
    CHECK_EQ(rec_open(&r, over, sizeof(over), &type, &off, &len, &err), TERN_E_RECORD_OVERFLOW);
    CHECK_CONTAINS(err.msg, "16641 bytes exceeds the TLS 1.3 limit of 16640");
    /* Framing errors of the caller. */
    err_init(&err);
    CHECK_EQ(rec_open(&r, tiny, 3, &type, &off, &len, &err), TERN_E_ARG);
    CHECK_CONTAINS(err.msg, "3 bytes");
    err_init(&err);
    CHECK_EQ(rec_open(&r, tiny, sizeof(tiny) - 1, &type, &off, &len, &err), TERN_E_ARG);
    CHECK_CONTAINS(err.msg, "announces a 16-byte fragment");
    /* A plaintext alert once protection is on. */
    uint8_t alert[7] = {21, 3, 3, 0, 2, 2, 40};
    err_init(&err);
    CHECK_EQ(rec_open(&r, alert, 7, &type, &off, &len, &err), TERN_E_UNEXPECTED_MESSAGE);
    CHECK_CONTAINS(err.msg, "unprotected alert");
    /* A plaintext change_cipher_spec is handed back for the handshake
     * layer (RFC 8446 §5), without using a sequence number. */
    uint64_t seq = r.seq;
    uint8_t ccs[6] = {20, 3, 3, 0, 1, 1};
    CHECK_EQ(rec_open(&r, ccs, 6, &type, &off, &len, NULL), TERN_OK);
    CHECK_EQ(type, REC_CHANGE_CIPHER_SPEC);
    CHECK_EQ(len, 1);
    CHECK_EQ(r.seq, seq);
    /* And sealed the same way, as RFC 8448 section 7 shows. */
    size_t clen, cn;
    const uint8_t *crec =
        tget(7, "{client}  send change_cipher_spec record", "complete record", 0, &clen);
    uint8_t cbuf[16] = {0};
    cbuf[5] = 1;
    seq = w.seq;
    CHECK_EQ(rec_seal(&w, REC_CHANGE_CIPHER_SPEC, cbuf, 1, 0, sizeof(cbuf), &cn, NULL), TERN_OK);
    CHECK_EQ(cn, clen);
    CHECK_MEM(cbuf, crec, clen);
    CHECK_EQ(w.seq, seq);
    rec_dir_cleanup(&w), rec_dir_cleanup(&r);
}

static void test_seq_exhaustion(void)
{
    struct rec_dir w, r;
    pair13(&w, &r);
    w.seq = r.seq = UINT64_MAX - 2;
    uint8_t buf[64];
    size_t n, off, len;
    uint8_t type;
    struct tern_err err;
    for (int i = 0; i < 2; i++) {
        buf[5] = (uint8_t)i;
        CHECK_EQ(rec_seal(&w, REC_APPLICATION_DATA, buf, 1, 0, sizeof(buf), &n, NULL), TERN_OK);
        CHECK_EQ(rec_open(&r, buf, n, &type, &off, &len, NULL), TERN_OK);
        CHECK_EQ(buf[off], i);
    }
    CHECK(w.seq == UINT64_MAX);
    err_init(&err);
    CHECK_EQ(rec_seal(&w, REC_APPLICATION_DATA, buf, 1, 0, sizeof(buf), &n, &err), TERN_E_LIMIT);
    CHECK_CONTAINS(err.msg, "sequence number 18446744073709551615");
    CHECK(w.seq == UINT64_MAX);
    /* The reader stops at the same point, before decrypting anything. */
    n = craft13(&r, (const uint8_t *)"x\x17", 2, buf);
    err_init(&err);
    CHECK_EQ(rec_open(&r, buf, n, &type, &off, &len, &err), TERN_E_LIMIT);
    CHECK_CONTAINS(err.msg, "must not wrap");
    /* A key update starts the count again. */
    CHECK_EQ(rec_dir_update13(&w, NULL), TERN_OK);
    CHECK_EQ(w.seq, 0);
    rec_dir_cleanup(&w), rec_dir_cleanup(&r);
}

static void test_key_update(void)
{
    struct rec_dir w, r;
    pair13(&w, &r);
    uint8_t buf[64];
    size_t n, off, len;
    uint8_t type;
    memcpy(buf + 5, "one", 3);
    CHECK_EQ(rec_seal(&w, REC_APPLICATION_DATA, buf, 3, 0, sizeof(buf), &n, NULL), TERN_OK);
    CHECK_EQ(rec_open(&r, buf, n, &type, &off, &len, NULL), TERN_OK);

    /* RFC 8446 §7.2, with HkdfLabel spelled out here by hand: length 32,
     * "tls13 traffic upd", empty context. */
    static const uint8_t info[] = {0x00, 0x20, 0x11, 't', 'l', 's', '1', '3', ' ', 't', 'r',
                                   'a',  'f',  'f',  'i', 'c', ' ', 'u', 'p', 'd', 0x00};
    uint8_t next[32];
    CHECK_EQ(cry_hkdf_expand(CRY_SHA256, secret_a, 32, info, sizeof(info), next, 32), TERN_OK);
    struct rec_dir stale = {0};
    CHECK_EQ(rec_dir_set13(&stale, CRY_SHA256, CRY_AES_128_GCM, secret_a, 32, NULL), TERN_OK);
    CHECK_EQ(rec_dir_update13(&w, NULL), TERN_OK);
    CHECK_EQ(w.seq, 0);
    CHECK_MEM(w.secret, next, 32);
    memcpy(buf + 5, "two", 3);
    CHECK_EQ(rec_seal(&w, REC_APPLICATION_DATA, buf, 3, 0, sizeof(buf), &n, NULL), TERN_OK);
    uint8_t copy[64];
    memcpy(copy, buf, n);
    /* The old key cannot read it, the updated one can. */
    CHECK_EQ(rec_open(&stale, copy, n, &type, &off, &len, NULL), TERN_E_BAD_RECORD_MAC);
    CHECK_EQ(rec_dir_update13(&r, NULL), TERN_OK);
    CHECK_EQ(rec_open(&r, buf, n, &type, &off, &len, NULL), TERN_OK);
    CHECK_MEM(buf + off, "two", 3);
    /* Twice more, both sides in step. */
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(rec_dir_update13(&w, NULL), TERN_OK);
        CHECK_EQ(rec_dir_update13(&r, NULL), TERN_OK);
        CHECK_EQ(rec_seal(&w, REC_HANDSHAKE, buf, 3, 0, sizeof(buf), &n, NULL), TERN_OK);
        CHECK_EQ(rec_open(&r, buf, n, &type, &off, &len, NULL), TERN_OK);
    }
    /* Only TLS 1.3 protection can be updated. */
    struct rec_dir plain = {0};
    struct tern_err err;
    err_init(&err);
    CHECK_EQ(rec_dir_update13(&plain, &err), TERN_E_ARG);
    CHECK_CONTAINS(err.msg, "unprotected");
    rec_dir_cleanup(&w), rec_dir_cleanup(&r), rec_dir_cleanup(&stale);
}

static void test_set_failures(void)
{
    struct rec_dir d = {0};
    struct tern_err err;
    err_init(&err);
    CHECK_EQ(rec_dir_set13(&d, CRY_SHA384, CRY_AES_256_GCM, secret_a, 32, &err), TERN_E_ARG);
    CHECK_CONTAINS(err.msg, "48 bytes, but 32 were given");
    CHECK(!d.active);
    err_init(&err);
    CHECK_EQ(rec_dir_set12(&d, CRY_AES_128_GCM, secret_a, 16, secret_a, 12, &err), TERN_E_ARG);
    CHECK_CONTAINS(err.msg, "4-byte IV, but 16 and 12");
    CHECK(!d.active);
    /* Cleanup wipes. */
    CHECK_EQ(rec_dir_set13(&d, CRY_SHA256, CRY_CHACHA20_POLY1305, secret_a, 32, NULL), TERN_OK);
    rec_dir_cleanup(&d);
    static const uint8_t zero[CRY_MAX_HASH];
    CHECK_MEM(d.secret, zero, sizeof(d.secret));
    CHECK_MEM(d.iv, zero, sizeof(d.iv));
    CHECK(!d.active);
    CHECK(d.key.impl == NULL);
}

/* TLS 1.2: seal with rec_seal, then open by hand with the nonce and the
 * additional data built here from RFC 5246 §6.2.3.3, RFC 5288 §3 and
 * RFC 7905 §2, then open with rec_open. */
static void tls12_case(enum cry_aead a, size_t key_len, size_t iv_len)
{
    uint8_t key[32], iv[12];
    for (size_t i = 0; i < 32; i++)
        key[i] = (uint8_t)(0xa0 + i);
    for (size_t i = 0; i < 12; i++)
        iv[i] = (uint8_t)(0x10 + i);
    struct rec_dir w = {0}, r = {0};
    struct tern_err err;
    err_init(&err);
    CHECK_EQ(rec_dir_set12(&w, a, key, key_len, iv, iv_len, &err), TERN_OK);
    CHECK_EQ(rec_dir_set12(&r, a, key, key_len, iv, iv_len, &err), TERN_OK);
    bool gcm = a != CRY_CHACHA20_POLY1305;
    CHECK_EQ(rec_plaintext_offset(&w), gcm ? 13 : 5);
    CHECK_EQ(rec_seal_overhead(&w), gcm ? 29 : 21);
    w.seq = r.seq = 0x0102030405060708ull;

    uint8_t buf[128];
    const char msg[] = "GET / HTTP/1.1\r\n";
    size_t mlen = sizeof(msg) - 1, n;
    size_t off0 = rec_plaintext_offset(&w);
    memcpy(buf + off0, msg, mlen);
    CHECK_EQ(rec_seal(&w, REC_APPLICATION_DATA, buf, mlen, 0, sizeof(buf), &n, &err), TERN_OK);
    CHECK_EQ(n, mlen + (gcm ? 29 : 21));
    CHECK_EQ(buf[0], 23);
    CHECK_EQ(buf[1], 3);
    CHECK_EQ(buf[2], 3);
    CHECK_EQ((buf[3] << 8) | buf[4], n - 5);
    uint8_t nonce[12];
    if (gcm) {
        /* The explicit nonce is the sequence number. */
        static const uint8_t seq_be[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        CHECK_MEM(buf + 5, seq_be, 8);
        memcpy(nonce, iv, 4);
        memcpy(nonce + 4, seq_be, 8);
    } else {
        memcpy(nonce, iv, 12);
        for (int i = 0; i < 8; i++)
            nonce[4 + i] ^= (uint8_t)(i + 1);
    }
    uint8_t aad[13] = {1, 2, 3, 4, 5, 6, 7, 8, 23, 3, 3, 0, (uint8_t)mlen};
    uint8_t copy[128];
    memcpy(copy, buf, n);
    struct cry_aead_key k = {0};
    CHECK_EQ(cry_aead_init(&k, a, key, key_len), TERN_OK);
    CHECK_EQ(cry_aead_open(&k, nonce, 12, aad, 13, copy + off0, mlen, copy + off0 + mlen, 16),
             TERN_OK);
    CHECK_MEM(copy + off0, msg, mlen);
    cry_aead_cleanup(&k);

    /* A wrong type in the header breaks the additional data. */
    memcpy(copy, buf, n);
    copy[0] = REC_HANDSHAKE;
    uint8_t type;
    size_t off, len;
    err_init(&err);
    CHECK_EQ(rec_open(&r, copy, n, &type, &off, &len, &err), TERN_E_BAD_RECORD_MAC);
    CHECK_CONTAINS(err.msg, "TLS 1.2 handshake record 72623859790382856");
    CHECK_EQ(rec_open(&r, buf, n, &type, &off, &len, NULL), TERN_OK);
    CHECK_EQ(type, REC_APPLICATION_DATA);
    CHECK_EQ(off, off0);
    CHECK_EQ(len, mlen);
    CHECK_MEM(buf + off, msg, mlen);

    /* A second record under the next sequence number; padding is 1.3-only. */
    memcpy(buf + off0, msg, mlen);
    err_init(&err);
    CHECK_EQ(rec_seal(&w, REC_HANDSHAKE, buf, mlen, 1, sizeof(buf), &n, &err), TERN_E_ARG);
    CHECK_CONTAINS(err.msg, "only TLS 1.3");
    CHECK_EQ(rec_seal(&w, REC_HANDSHAKE, buf, mlen, 0, sizeof(buf), &n, NULL), TERN_OK);
    CHECK_EQ(rec_open(&r, buf, n, &type, &off, &len, NULL), TERN_OK);
    CHECK_EQ(type, REC_HANDSHAKE);

    /* Too short for nonce and tag, and plaintext over 2^14. */
    uint8_t tiny[5 + 23] = {23, 3, 3, 0, (uint8_t)(gcm ? 23 : 15)};
    err_init(&err);
    CHECK_EQ(rec_open(&r, tiny, 5 + (gcm ? 23 : 15), &type, &off, &len, &err),
             TERN_E_BAD_RECORD_MAC);
    CHECK_CONTAINS(err.msg, "too short");
    static uint8_t big[5 + 8 + 16385 + 16];
    size_t blen = (gcm ? 8 : 0) + 16385 + 16;
    big[0] = 23, big[1] = 3, big[2] = 3, big[3] = (uint8_t)(blen >> 8), big[4] = (uint8_t)blen;
    uint64_t s = r.seq;
    uint8_t bnonce[12];
    if (gcm) {
        memcpy(bnonce, iv, 4);
        for (int i = 0; i < 8; i++)
            big[5 + i] = bnonce[4 + i] = (uint8_t)(s >> (56 - 8 * i));
    } else {
        memcpy(bnonce, iv, 12);
        for (int i = 0; i < 8; i++)
            bnonce[4 + i] ^= (uint8_t)(s >> (56 - 8 * i));
    }
    uint8_t baad[13];
    for (int i = 0; i < 8; i++)
        baad[i] = (uint8_t)(s >> (56 - 8 * i));
    baad[8] = 23, baad[9] = 3, baad[10] = 3, baad[11] = 0x40, baad[12] = 0x01;
    size_t boff = 5 + (gcm ? 8 : 0);
    CHECK_EQ(cry_aead_init(&k, a, key, key_len), TERN_OK);
    CHECK_EQ(cry_aead_seal(&k, bnonce, 12, baad, 13, big + boff, 16385, big + boff + 16385, 16),
             TERN_OK);
    cry_aead_cleanup(&k);
    err_init(&err);
    CHECK_EQ(rec_open(&r, big, 5 + blen, &type, &off, &len, &err), TERN_E_RECORD_OVERFLOW);
    CHECK_CONTAINS(err.msg, "16385 bytes of plaintext exceeds the limit of 16384");
    rec_dir_cleanup(&w), rec_dir_cleanup(&r);
}

static void test_tls12(void)
{
    tls12_case(CRY_AES_128_GCM, 16, 4);
    tls12_case(CRY_AES_256_GCM, 32, 4);
    tls12_case(CRY_CHACHA20_POLY1305, 32, 12);
}

/* rec_seal_from writes the bytes rec_seal writes, in every mode: TLS 1.3
 * with each AEAD, change_cipher_spec under 1.3, TLS 1.2, unprotected. */
static void seal_from_case(struct rec_dir *a, struct rec_dir *b, uint8_t type, size_t len)
{
    static uint8_t src[REC_MAX_PLAINTEXT], in_place[REC_MAX_RECORD], from[REC_MAX_RECORD];
    for (size_t i = 0; i < len; i++)
        src[i] = (uint8_t)(i * 13 + 5);
    size_t off = rec_plaintext_offset(a), n1, n2;
    memcpy(in_place + off, src, len);
    memset(from, 0xee, sizeof(from));
    CHECK_EQ(rec_seal(a, type, in_place, len, 0, sizeof(in_place), &n1, NULL), TERN_OK);
    CHECK_EQ(rec_seal_from(b, type, src, len, from, sizeof(from), &n2, NULL), TERN_OK);
    CHECK_EQ(n1, n2);
    CHECK_MEM(from, in_place, n1);
}

static void test_seal_from(void)
{
    static const size_t lens[] = {1, 2, 15, 16, 17, 100, 4096, REC_MAX_PLAINTEXT};
    static const enum cry_aead aeads[] = {CRY_AES_128_GCM, CRY_AES_256_GCM, CRY_CHACHA20_POLY1305};
    for (size_t ai = 0; ai < 3; ai++) {
        struct rec_dir a, b;
        memset(&a, 0, sizeof(a));
        memset(&b, 0, sizeof(b));
        size_t kl = cry_aead_key_len(aeads[ai]);
        CHECK_EQ(rec_dir_set13(&a, CRY_SHA256, aeads[ai], secret_a, 32, NULL), TERN_OK);
        CHECK_EQ(rec_dir_set13(&b, CRY_SHA256, aeads[ai], secret_a, 32, NULL), TERN_OK);
        for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
            seal_from_case(&a, &b, i % 2 ? REC_APPLICATION_DATA : REC_HANDSHAKE, lens[i]);
        seal_from_case(&a, &b, REC_CHANGE_CIPHER_SPEC, 1);
        rec_dir_cleanup(&a), rec_dir_cleanup(&b);
        memset(&a, 0, sizeof(a));
        memset(&b, 0, sizeof(b));
        uint8_t key[32], iv[12];
        memset(key, 7, sizeof(key));
        memset(iv, 9, sizeof(iv));
        size_t ivl = aeads[ai] == CRY_CHACHA20_POLY1305 ? 12 : 4;
        CHECK_EQ(rec_dir_set12(&a, aeads[ai], key, kl, iv, ivl, NULL), TERN_OK);
        CHECK_EQ(rec_dir_set12(&b, aeads[ai], key, kl, iv, ivl, NULL), TERN_OK);
        for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
            seal_from_case(&a, &b, REC_APPLICATION_DATA, lens[i]);
        rec_dir_cleanup(&a), rec_dir_cleanup(&b);
    }
    struct rec_dir plain = {0}, plain2 = {0};
    seal_from_case(&plain, &plain2, REC_HANDSHAKE, 300);
}

/* rec_open_from opens a record from the bytes it arrived in: the same
 * result as rec_open in place, the arrived bytes left as they were, and the
 * same refusals. */
static void open_from_case(struct rec_dir *w, struct rec_dir *r1, struct rec_dir *r2, uint8_t type,
                           size_t len)
{
    static uint8_t src[REC_MAX_PLAINTEXT], sealed[REC_MAX_RECORD], copy[REC_MAX_RECORD],
        in_place[REC_MAX_RECORD], from[REC_MAX_RECORD];
    for (size_t i = 0; i < len; i++)
        src[i] = (uint8_t)(i * 7 + 3);
    size_t n, off1, len1, off2, len2;
    uint8_t t1, t2;
    CHECK_EQ(rec_seal_from(w, type, src, len, sealed, sizeof(sealed), &n, NULL), TERN_OK);
    memcpy(copy, sealed, n);
    memcpy(in_place, sealed, n);
    memset(from, 0xee, sizeof(from));
    memcpy(from, sealed, REC_HEADER_LEN);
    CHECK_EQ(rec_open(r1, in_place, n, &t1, &off1, &len1, NULL), TERN_OK);
    CHECK_EQ(rec_open_from(r2, from, n, sealed + REC_HEADER_LEN, &t2, &off2, &len2, NULL), TERN_OK);
    CHECK_EQ(t1, type);
    CHECK_EQ(t2, type);
    CHECK_EQ(off1, off2);
    CHECK_EQ(len1, len);
    CHECK_EQ(len2, len);
    CHECK_MEM(from + off2, src, len);
    CHECK_MEM(sealed, copy, n);
    /* A flipped byte of the arrived record: no plaintext, nothing counted. */
    CHECK_EQ(rec_seal_from(w, type, src, len, sealed, sizeof(sealed), &n, NULL), TERN_OK);
    sealed[n - 1] ^= 0x80;
    memcpy(from, sealed, REC_HEADER_LEN);
    uint64_t seq = r2->seq;
    struct tern_err err;
    err_init(&err);
    CHECK_EQ(rec_open_from(r2, from, n, sealed + REC_HEADER_LEN, &t2, &off2, &len2, &err),
             TERN_E_BAD_RECORD_MAC);
    CHECK_CONTAINS(err.msg, "did not authenticate");
    CHECK_EQ(r2->seq, seq);
    size_t zeros = 0;
    for (size_t i = 0; i < len; i++)
        zeros += from[off2 + i] == 0;
    CHECK_EQ(zeros, len);
    r1->seq++, r2->seq++; /* both move past the record r1 never saw */

    /* Into a caller's buffer: with exactly the room for the most content
     * the record can hold (a TLS 1.3 type byte then opens into scratch),
     * and with more (what follows the content is zeroed). */
    size_t most = rec_max_content(r2, n - REC_HEADER_LEN);
    CHECK_EQ(most, len);
    for (int extra = 0; extra <= 8; extra += 8) {
        CHECK_EQ(rec_seal_from(w, type, src, len, sealed, sizeof(sealed), &n, NULL), TERN_OK);
        memcpy(copy, sealed, n);
        memset(from, 0xee, sizeof(from));
        CHECK_EQ(rec_open_into(r2, sealed, n, from, most + (size_t)extra, &t2, &len2, NULL),
                 TERN_OK);
        CHECK_EQ(t2, type);
        CHECK_EQ(len2, len);
        CHECK_MEM(from, src, len);
        CHECK_MEM(sealed, copy, n);
        size_t cleared = 0, untouched = 0;
        for (size_t i = len; i < len + (size_t)extra; i++) {
            cleared += from[i] == 0;
            untouched += from[i] == 0xee;
        }
        if (r2->version == TERN_TLS13) /* the type byte (no padding) */
            CHECK_EQ(cleared, extra ? 1u : 0u);
        CHECK_EQ(from[len + (size_t)extra], 0xee);
        CHECK_EQ(untouched, (size_t)extra - cleared);
        r1->seq++;
    }
    /* Too little room, and a flipped byte: refused, nothing left in out. */
    CHECK_EQ(rec_seal_from(w, type, src, len, sealed, sizeof(sealed), &n, NULL), TERN_OK);
    CHECK_EQ(rec_open_into(r2, sealed, n, from, most - 1, &t2, &len2, NULL), TERN_E_ARG);
    sealed[REC_HEADER_LEN] ^= 1;
    memset(from, 0xee, sizeof(from));
    CHECK_EQ(rec_open_into(r2, sealed, n, from, most, &t2, &len2, NULL), TERN_E_BAD_RECORD_MAC);
    zeros = 0;
    for (size_t i = 0; i < len; i++)
        zeros += from[i] == 0;
    CHECK_EQ(zeros, len);
    r1->seq++, r2->seq++;
}

static void test_open_from(void)
{
    static const size_t lens[] = {1, 16, 17, 1000, REC_MAX_PLAINTEXT};
    static const enum cry_aead aeads[] = {CRY_AES_128_GCM, CRY_AES_256_GCM, CRY_CHACHA20_POLY1305};
    for (size_t ai = 0; ai < 3; ai++) {
        struct rec_dir w = {0}, r1 = {0}, r2 = {0};
        CHECK_EQ(rec_dir_set13(&w, CRY_SHA256, aeads[ai], secret_a, 32, NULL), TERN_OK);
        CHECK_EQ(rec_dir_set13(&r1, CRY_SHA256, aeads[ai], secret_a, 32, NULL), TERN_OK);
        CHECK_EQ(rec_dir_set13(&r2, CRY_SHA256, aeads[ai], secret_a, 32, NULL), TERN_OK);
        for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
            open_from_case(&w, &r1, &r2, REC_APPLICATION_DATA, lens[i]);
            open_from_case(&w, &r1, &r2, REC_HANDSHAKE, lens[i]);
        }
        /* change_cipher_spec is never protected: not for rec_open_from. */
        uint8_t ccs[6] = {REC_CHANGE_CIPHER_SPEC, 3, 3, 0, 1, 1}, hdr[6];
        memcpy(hdr, ccs, 5);
        uint8_t t;
        size_t off, len;
        CHECK_EQ(rec_open_from(&r2, hdr, 6, ccs + 5, &t, &off, &len, NULL), TERN_E_ARG);
        rec_dir_cleanup(&w), rec_dir_cleanup(&r1), rec_dir_cleanup(&r2);

        uint8_t key[32], iv[12];
        memset(key, 5, sizeof(key));
        memset(iv, 6, sizeof(iv));
        size_t kl = cry_aead_key_len(aeads[ai]), ivl = aeads[ai] == CRY_CHACHA20_POLY1305 ? 12 : 4;
        memset(&w, 0, sizeof(w)), memset(&r1, 0, sizeof(r1)), memset(&r2, 0, sizeof(r2));
        CHECK_EQ(rec_dir_set12(&w, aeads[ai], key, kl, iv, ivl, NULL), TERN_OK);
        CHECK_EQ(rec_dir_set12(&r1, aeads[ai], key, kl, iv, ivl, NULL), TERN_OK);
        CHECK_EQ(rec_dir_set12(&r2, aeads[ai], key, kl, iv, ivl, NULL), TERN_OK);
        for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
            open_from_case(&w, &r1, &r2, REC_APPLICATION_DATA, lens[i]);
        rec_dir_cleanup(&w), rec_dir_cleanup(&r1), rec_dir_cleanup(&r2);
    }
    /* An authentic record refused for its content (an unknown inner type)
     * leaves none of its plaintext in the caller's buffer. */
    {
        struct rec_dir w = {0}, r = {0};
        pair13(&w, &r);
        static const uint8_t inner[] = {'s', 'e', 'c', 'r', 'e', 't', 0x99};
        uint8_t rec[64], out[64];
        size_t n = craft13(&w, inner, sizeof(inner), rec);
        memset(out, 0xee, sizeof(out));
        uint8_t t;
        size_t plen;
        struct tern_err err;
        err_init(&err);
        CHECK_EQ(rec_open_into(&r, rec, n, out, sizeof(out), &t, &plen, &err),
                 TERN_E_UNEXPECTED_MESSAGE);
        CHECK_CONTAINS(err.msg, "inner content type 153");
        size_t nonzero = 0;
        for (size_t i = 0; i < sizeof(inner); i++)
            nonzero += out[i] != 0;
        CHECK_EQ(nonzero, 0u);
        rec_dir_cleanup(&w), rec_dir_cleanup(&r);
    }
    /* An unprotected direction has nothing to open from elsewhere. */
    struct rec_dir plain = {0};
    uint8_t rec[6] = {REC_HANDSHAKE, 3, 3, 0, 1, 1}, hdr[6];
    memcpy(hdr, rec, 5);
    uint8_t t;
    size_t off, len;
    CHECK_EQ(rec_open_from(&plain, hdr, 6, rec + 5, &t, &off, &len, NULL), TERN_E_ARG);
}

/* Every build of the inner-type scan gives the answer of a plain backward
 * search, at every length around the block sizes and up to a full record,
 * for sparse and dense bytes. */
static void test_scans(void)
{
    static uint8_t buf[REC_MAX_PLAINTEXT + 1];
    uint64_t rng = 0x9e3779b97f4a7c15u;
    size_t mismatches = 0, cases = 0;
    for (size_t n = 1; n <= sizeof(buf); n += n < 600 ? 1 : 97 + (n % 13)) {
        for (int density = 0; density < 3; density++) {
            memset(buf, 0, n);
            for (size_t i = 0; i < n; i++) {
                rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
                if (density == 2 || (density == 1 && rng % 7 == 0) ||
                    (density == 0 && rng % 211 == 0))
                    buf[i] = (uint8_t)(rng >> 24);
            }
            size_t want = n;
            while (want > 0 && buf[want - 1] == 0)
                want--;
            size_t pos[2] = {0, 0};
            uint8_t type[2] = {0, 0};
            bool found[2] = {rec_scan_blocks(buf, n, &pos[0], &type[0]),
                             rec_scan_lanes512(buf, n, &pos[1], &type[1])};
            for (int k = 0; k < (rec_scan_avx512_available() ? 2 : 1); k++) {
                bool ok = found[k] == (want > 0) &&
                          (want == 0 || (pos[k] == want - 1 && type[k] == buf[want - 1]));
                mismatches += !ok;
            }
            cases++;
        }
    }
    CHECK_EQ(mismatches, 0u);
    CHECK(cases > 1000);
}

static void test_overhead(void)
{
    struct rec_dir d = {0};
    CHECK_EQ(rec_seal_overhead(&d), 5);
    CHECK_EQ(rec_plaintext_offset(&d), 5);
    CHECK_EQ(rec_dir_set13(&d, CRY_SHA384, CRY_AES_256_GCM,
                           (const uint8_t *)"0123456789abcdef0123456789abcdef0123456789abcdef", 48,
                           NULL),
             TERN_OK);
    CHECK_EQ(rec_seal_overhead(&d), 22);
    CHECK_EQ(rec_plaintext_offset(&d), 5);
    rec_dir_cleanup(&d);
}

int main(void)
{
    trace = rfc8448_load_default();
    if (!trace)
        return 1;
    RUN(test_header);
    RUN(test_rfc8448_records);
    RUN(test_rfc8448_plaintext);
    RUN(test_tamper);
    RUN(test_padding);
    RUN(test_padding_offsets);
    RUN(test_open_failures13);
    RUN(test_seq_exhaustion);
    RUN(test_key_update);
    RUN(test_set_failures);
    RUN(test_tls12);
    RUN(test_seal_from);
    RUN(test_open_from);
    RUN(test_scans);
    RUN(test_overhead);
    rfc8448_free(trace);
    return test_done();
}
