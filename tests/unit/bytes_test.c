#include "base/bytes.h"
#include "base/error.h"
#include "base/mem.h"
#include "test.h"

#include <string.h>

static void test_reader_integers(void)
{
    const uint8_t in[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18};
    struct rd r;
    rd_init(&r, in, sizeof(in));
    uint8_t a;
    uint16_t b;
    uint32_t c, d;
    uint64_t e;
    CHECK(rd_u8(&r, &a) && a == 1);
    CHECK(rd_u16(&r, &b) && b == 0x0203);
    CHECK(rd_u24(&r, &c) && c == 0x040506);
    CHECK(rd_u32(&r, &d) && d == 0x0708090a);
    CHECK(rd_u64(&r, &e) && e == 0x0b0c0d0e0f101112ull);
    CHECK(rd_empty(&r));
    CHECK(!rd_u8(&r, &a));
}

static void test_reader_short_consumes_nothing(void)
{
    const uint8_t in[] = {0xaa, 0xbb, 0xcc};
    struct rd r;
    rd_init(&r, in, sizeof(in));
    uint32_t v;
    CHECK(!rd_u32(&r, &v));
    CHECK_EQ(r.len, 3);
    CHECK(rd_u24(&r, &v) && v == 0xaabbcc);
}

static void test_prefixed(void)
{
    /* u16 length 3, body {7,8,9}, then u8 length 0, then trailing 0x55 */
    const uint8_t in[] = {0, 3, 7, 8, 9, 0, 0x55};
    struct rd r, sub, empty;
    rd_init(&r, in, sizeof(in));
    CHECK(rd_prefixed16(&r, &sub));
    CHECK_EQ(sub.len, 3);
    uint8_t x;
    CHECK(rd_u8(&sub, &x) && x == 7);
    CHECK(!rd_empty(&sub));
    CHECK(rd_prefixed8(&r, &empty) && rd_empty(&empty));
    CHECK_EQ(r.len, 1);

    /* A length running past the end fails and consumes nothing. */
    const uint8_t bad[] = {0, 5, 1, 2};
    rd_init(&r, bad, sizeof(bad));
    CHECK(!rd_prefixed16(&r, &sub));
    CHECK_EQ(r.len, 4);
    const uint8_t bad24[] = {0, 0, 2, 1};
    rd_init(&r, bad24, sizeof(bad24));
    CHECK(!rd_prefixed24(&r, &sub));
    CHECK_EQ(r.len, 4);

    /* nonempty variant */
    const uint8_t zero[] = {0, 0};
    rd_init(&r, zero, sizeof(zero));
    CHECK(!rd_prefixed16_nonempty(&r, &sub));
    CHECK_EQ(r.len, 2);
    CHECK(rd_prefixed16(&r, &sub) && rd_empty(&sub));
}

static void test_writer_fixed_and_prefixes(void)
{
    uint8_t buf[16];
    struct wr w;
    wr_init_fixed(&w, buf, sizeof(buf));
    size_t outer = wr_open_u16(&w);
    wr_u8(&w, 0xab);
    size_t inner = wr_open_u8(&w);
    wr_u24(&w, 0x010203);
    wr_close(&w, inner);
    wr_close(&w, outer);
    CHECK(wr_ok(&w));
    const uint8_t want[] = {0, 5, 0xab, 3, 1, 2, 3};
    CHECK_EQ(w.len, sizeof(want));
    CHECK_MEM(buf, want, sizeof(want));
}

static void test_writer_overflow_is_sticky(void)
{
    uint8_t buf[4];
    struct wr w;
    wr_init_fixed(&w, buf, sizeof(buf));
    wr_u32(&w, 1);
    CHECK(wr_ok(&w));
    wr_u8(&w, 2);
    CHECK(!wr_ok(&w));
    wr_init_fixed(&w, buf, sizeof(buf));
    wr_u64(&w, 1); /* too big */
    CHECK(!wr_ok(&w));
    wr_u8(&w, 1); /* would fit, but the error is sticky */
    CHECK(!wr_ok(&w));
    CHECK_EQ(w.len, 0);
}

static void test_writer_prefix_too_long(void)
{
    struct wr w;
    wr_init_grow(&w);
    size_t m = wr_open_u8(&w);
    wr_zeros(&w, 256);
    wr_close(&w, m);
    CHECK(!wr_ok(&w));
    wr_free(&w);

    wr_init_grow(&w);
    wr_u24(&w, 0x1000000); /* does not fit in 24 bits */
    CHECK(!wr_ok(&w));
    wr_free(&w);
}

static void test_writer_grow(void)
{
    struct wr w;
    wr_init_grow(&w);
    for (int i = 0; i < 10000; i++)
        wr_u16(&w, (uint16_t)i);
    CHECK(wr_ok(&w));
    CHECK_EQ(w.len, 20000);
    CHECK(w.buf[19998] == (9999 >> 8) && w.buf[19999] == (9999 & 0xff));
    size_t n;
    uint8_t *p = wr_detach(&w, &n);
    CHECK(p != NULL && n == 20000);
    tern_free(p);
}

static void test_ct_eq_and_memzero(void)
{
    uint8_t a[32], b[32];
    memset(a, 7, sizeof(a));
    memset(b, 7, sizeof(b));
    CHECK_EQ(tern_ct_eq(a, b, 32), 1);
    b[31] ^= 0x80;
    CHECK_EQ(tern_ct_eq(a, b, 32), 0);
    b[31] ^= 0x80;
    b[0] ^= 1;
    CHECK_EQ(tern_ct_eq(a, b, 32), 0);
    CHECK_EQ(tern_ct_eq(a, b, 0), 1);
    tern_memzero(a, sizeof(a));
    for (size_t i = 0; i < sizeof(a); i++)
        CHECK_EQ(a[i], 0);
}

static void test_errors(void)
{
    struct tern_err e;
    err_init(&e);
    CHECK_EQ(e.code, TERN_OK);
    int rc = err_set(&e, TERN_E_DECODE, "ClientHello: length %d runs past the record", 77);
    CHECK_EQ(rc, TERN_E_DECODE);
    CHECK_EQ(e.alert, TERN_ALERT_DECODE_ERROR);
    CHECK_CONTAINS(e.msg, "length 77");
    /* sticky: the first error is kept */
    rc = err_set(&e, TERN_E_INTERNAL, "second");
    CHECK_EQ(rc, TERN_E_DECODE);
    CHECK_CONTAINS(e.msg, "ClientHello");
    CHECK_EQ(tern_status_alert(TERN_E_CERTIFICATE_EXPIRED), 45);
    CHECK_EQ(tern_status_alert(TERN_E_NAME_MISMATCH), 42);
    CHECK_EQ(tern_status_alert(TERN_OK), -1);
    CHECK(strcmp(tern_alert_name(116), "certificate_required") == 0);
    CHECK(strcmp(tern_status_name(TERN_E_UNKNOWN_CA), "TERN_E_UNKNOWN_CA") == 0);
    char hex[16];
    const uint8_t bytes[] = {0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04};
    CHECK(strcmp(err_hex(hex, sizeof(hex), bytes, sizeof(bytes)), "deadbeef010203") == 0);
}

int main(void)
{
    RUN(test_reader_integers);
    RUN(test_reader_short_consumes_nothing);
    RUN(test_prefixed);
    RUN(test_writer_fixed_and_prefixes);
    RUN(test_writer_overflow_is_sticky);
    RUN(test_writer_prefix_too_long);
    RUN(test_writer_grow);
    RUN(test_ct_eq_and_memzero);
    RUN(test_errors);
    return test_done();
}
