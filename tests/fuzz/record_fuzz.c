/* Fuzz the record layer with fixed keys.
 *
 * The first input byte picks the protection: low 3 bits 0 = plaintext,
 * 1 = TLS 1.3 AES-128-GCM keyed with RFC 8448 section 3's server handshake
 * traffic secret (so the trace's server flight opens), 2 = TLS 1.3
 * ChaCha20-Poly1305, 3 = TLS 1.2 AES-128-GCM, 4 = TLS 1.2 ChaCha20-Poly1305.
 * Bit 0x80 switches from opening to a seal/open round trip of the rest.
 *
 * Open mode: the rest is a stream of records, framed with rec_parse_header
 * and each opened in place with rec_open, until one fails; then the whole
 * rest is also handed to rec_open as one would-be record. Every result must
 * respect the record layer's promises (bounds, types, limits). */
#include "record/record.h"

#include "tern/tern.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* RFC 8448 §3, {server} derive secret "tls13 s hs traffic". */
static const uint8_t s_hs_traffic[32] = {
    0xb6, 0x7b, 0x7d, 0x69, 0x0c, 0xc1, 0x6c, 0x4e, 0x75, 0xe5, 0x42, 0x13, 0xcb, 0x2d, 0x37, 0xb4,
    0xe9, 0xc9, 0x12, 0xbc, 0xde, 0xd9, 0x10, 0x5d, 0x42, 0xbe, 0xfd, 0x59, 0xd3, 0x91, 0xad, 0x38};
static const uint8_t key12[32] = "tern record fuzz key, 32 bytes!";
static const uint8_t iv12[12] = "fixed iv 12";

static void setup(struct rec_dir *d, int mode)
{
    memset(d, 0, sizeof(*d));
    int rc = TERN_OK;
    switch (mode) {
    case 1:
        rc = rec_dir_set13(d, CRY_SHA256, CRY_AES_128_GCM, s_hs_traffic, 32, NULL);
        break;
    case 2:
        rc = rec_dir_set13(d, CRY_SHA256, CRY_CHACHA20_POLY1305, s_hs_traffic, 32, NULL);
        break;
    case 3:
        rc = rec_dir_set12(d, CRY_AES_128_GCM, key12, 16, iv12, 4, NULL);
        break;
    case 4:
        rc = rec_dir_set12(d, CRY_CHACHA20_POLY1305, key12, 32, iv12, 12, NULL);
        break;
    default:
        break;
    }
    if (rc != TERN_OK)
        abort();
}

static void check_opened(const struct rec_dir *d, size_t rec_len, uint8_t type, size_t off,
                         size_t len)
{
    if (off > rec_len || len > rec_len - off || len > REC_MAX_PLAINTEXT)
        abort();
    if (type < REC_CHANGE_CIPHER_SPEC || type > REC_APPLICATION_DATA)
        abort();
    if (len == 0 && type != REC_APPLICATION_DATA)
        abort();
}

static void open_stream(int mode, const uint8_t *p, size_t n)
{
    static uint8_t buf[REC_MAX_RECORD + 64];
    struct rec_dir d;
    setup(&d, mode);
    struct rd in;
    rd_init(&in, p, n);
    for (;;) {
        struct rec_header h;
        struct tern_err err;
        err_init(&err);
        struct rd before = in;
        int rc = rec_parse_header(&in, d.active && d.version == TERN_TLS13, &h, &err);
        if (rc != TERN_OK) {
            if (in.len != before.len || (rc != TERN_WANT_READ && err.msg[0] == '\0'))
                abort();
            break;
        }
        if (in.len < h.length)
            break;
        memcpy(buf, before.p, REC_HEADER_LEN + (size_t)h.length);
        if (!rd_skip(&in, h.length))
            abort();
        uint64_t seq = d.seq;
        uint8_t type;
        size_t off, len;
        rc = rec_open(&d, buf, REC_HEADER_LEN + (size_t)h.length, &type, &off, &len, &err);
        if (rc != TERN_OK) {
            /* Every failure leaves a sentence. */
            if (err.msg[0] == '\0')
                abort();
            break;
        }
        check_opened(&d, REC_HEADER_LEN + (size_t)h.length, type, off, len);
        if (d.active && type != REC_CHANGE_CIPHER_SPEC && d.seq != seq + 1)
            abort();
    }
    /* The whole rest as one record, however badly framed. */
    if (n <= sizeof(buf)) {
        memcpy(buf, p, n);
        uint8_t type;
        size_t off, len;
        struct tern_err err;
        err_init(&err);
        if (rec_open(&d, buf, n, &type, &off, &len, &err) == TERN_OK)
            check_opened(&d, n, type, off, len);
        else if (err.msg[0] == '\0')
            abort();
    }
    rec_dir_cleanup(&d);
}

static void round_trip(int mode, const uint8_t *p, size_t n)
{
    static uint8_t buf[REC_MAX_RECORD + 300];
    struct rec_dir w, r;
    setup(&w, mode);
    setup(&r, mode);
    uint8_t type = REC_APPLICATION_DATA, pad = 0;
    if (n >= 2) {
        type = (uint8_t)(REC_ALERT + p[0] % 3);
        pad = p[1];
        p += 2, n -= 2;
    }
    if (n > REC_MAX_PLAINTEXT)
        n = REC_MAX_PLAINTEXT;
    if (!(w.active && w.version == TERN_TLS13))
        pad = 0;
    if (n + pad > REC_MAX_PLAINTEXT)
        pad = 0;
    if (n == 0)
        type = REC_APPLICATION_DATA;
    size_t off0 = rec_plaintext_offset(&w);
    memcpy(buf + off0, p, n);
    size_t out_len;
    if (rec_seal(&w, type, buf, n, pad, sizeof(buf), &out_len, NULL) != TERN_OK)
        abort();
    if (out_len != n + pad + rec_seal_overhead(&w))
        abort();
    uint8_t got;
    size_t off, len;
    if (rec_open(&r, buf, out_len, &got, &off, &len, NULL) != TERN_OK)
        abort();
    if (got != type || len != n || memcmp(buf + off, p, n) != 0)
        abort();
    rec_dir_cleanup(&w);
    rec_dir_cleanup(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    int mode = data[0] & 7;
    if (mode > 4)
        mode = 0;
    if (data[0] & 0x80)
        round_trip(mode, data + 1, size - 1);
    else
        open_stream(mode, data + 1, size - 1);
    return 0;
}
