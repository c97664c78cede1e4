/* The extension-block parser (hs/ext.c): any number of extensions in any
 * order, duplicates found wherever they are with constant work per
 * extension (a bitmap of seen types, not a scan of a list), pre_shared_key
 * last in a ClientHello, unknown extensions skipped in requests. */
#include "base/bytes.h"
#include "hs/ext.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

/* block_of writes n extensions: empty bodies of types first, first + step,
 * ...; then the extra types (with empty bodies). */
static size_t block_of(uint8_t *buf, size_t cap, size_t n, uint16_t first, uint16_t step,
                       const uint16_t *extra, size_t n_extra)
{
    struct wr w;
    wr_init_fixed(&w, buf, cap);
    for (size_t i = 0; i < n; i++) {
        wr_u16(&w, (uint16_t)(first + i * step));
        wr_u16(&w, 0);
    }
    for (size_t i = 0; i < n_extra; i++) {
        wr_u16(&w, extra[i]);
        wr_u16(&w, 0);
    }
    CHECK(wr_ok(&w));
    return w.len;
}

static int parse(const uint8_t *p, size_t len, unsigned where, struct hs_exts *e,
                 struct tern_err *err)
{
    struct rd r;
    rd_init(&r, p, len);
    err_init(err);
    return hs_exts_parse(r, where, 0, "ClientHello", e, err);
}

/* The largest ClientHello extensions block (2^16 - 1 bytes) holds 16,383
 * empty extensions; every one is read, and the work per extension stays
 * the same from 10 extensions to 16,383. */
static void test_many_extensions_linear(void)
{
    static uint8_t buf[65535];
    struct hs_exts e;
    struct tern_err err;
    size_t sizes[] = {10, 129, 1000, 16383};
    size_t per_ext[4];
    for (int k = 0; k < 4; k++) {
        /* Unknown types 0x1000 + 2i (skipped in a ClientHello), with
         * server_name and supported_versions last. */
        static const uint16_t known[] = {0, 43};
        size_t len = block_of(buf, sizeof(buf), sizes[k] - 2, 0x1000, 2, known, 2);
        CHECK_EQ(parse(buf, len, EXT_IN_CH, &e, &err), TERN_OK);
        CHECK_EQ(e.count, sizes[k]);
        CHECK(hs_ext_has(&e, EXT_SERVER_NAME));
        CHECK(hs_ext_has(&e, EXT_SUPPORTED_VERSIONS));
        /* One duplicate check plus at most one probe per table entry. */
        CHECK(e.work <= sizes[k] * (1 + EXT_COUNT));
        per_ext[k] = e.work / sizes[k];
    }
    /* A scan of the types seen so far would do about count/2 comparisons
     * per extension: 8,000 at 16,383. */
    CHECK_EQ(per_ext[3], per_ext[1]);
    CHECK(per_ext[3] <= 1 + EXT_COUNT);
}

/* A duplicate is found however far from the first copy it comes, and the
 * sentence names it. */
static void test_duplicate_far_apart(void)
{
    static uint8_t buf[65535];
    struct hs_exts e;
    struct tern_err err;
    /* unknown type 0x2000 first and again after 16,000 others */
    static const uint16_t again[] = {0x2000};
    size_t len = block_of(buf, sizeof(buf), 16000, 0x2000, 1, again, 1);
    CHECK_EQ(parse(buf, len, EXT_IN_CH, &e, &err), TERN_E_ILLEGAL_PARAMETER);
    CHECK_CONTAINS(err.msg, "(8192) twice");
    CHECK(e.work <= 16001 * (1 + EXT_COUNT));
    /* a known one */
    static const uint16_t groups_twice[] = {10, 0x3000, 10};
    len = block_of(buf, sizeof(buf), 5000, 0x4000, 1, groups_twice, 3);
    CHECK_EQ(parse(buf, len, EXT_IN_CH, &e, &err), TERN_E_ILLEGAL_PARAMETER);
    CHECK_CONTAINS(err.msg, "supported_groups extension (10) twice");
    /* types 0 and 65535, the ends of the bitmap, twice each */
    static const uint16_t ends[] = {65535, 0, 65535};
    len = block_of(buf, sizeof(buf), 0, 0, 0, ends, 3);
    CHECK_EQ(parse(buf, len, EXT_IN_CH, &e, &err), TERN_E_ILLEGAL_PARAMETER);
    CHECK_CONTAINS(err.msg, "(65535) twice");
    static const uint16_t zero[] = {0, 65535, 0};
    len = block_of(buf, sizeof(buf), 0, 0, 0, zero, 3);
    CHECK_EQ(parse(buf, len, EXT_IN_CH, &e, &err), TERN_E_ILLEGAL_PARAMETER);
    CHECK_CONTAINS(err.msg, "server_name extension (0) twice");
}

/* RFC 8446 §4.2: any order; §4.2.11: pre_shared_key last, wherever the
 * others come from. */
static void test_order(void)
{
    uint8_t buf[256];
    struct hs_exts e;
    struct tern_err err;
    static const uint16_t reversed[] = {51, 45, 43, 13, 10, 0};
    size_t len = block_of(buf, sizeof(buf), 0, 0, 0, reversed, 6);
    CHECK_EQ(parse(buf, len, EXT_IN_CH, &e, &err), TERN_OK);
    CHECK_EQ(e.count, 6);
    static const uint16_t psk_last[] = {51, 0xfafa, 45, 41};
    len = block_of(buf, sizeof(buf), 0, 0, 0, psk_last, 4);
    CHECK_EQ(parse(buf, len, EXT_IN_CH, &e, &err), TERN_OK);
    CHECK(hs_ext_has(&e, EXT_PRE_SHARED_KEY));
    static const uint16_t psk_early[] = {51, 41, 0xfafa};
    len = block_of(buf, sizeof(buf), 0, 0, 0, psk_early, 3);
    CHECK_EQ(parse(buf, len, EXT_IN_CH, &e, &err), TERN_E_ILLEGAL_PARAMETER);
    CHECK_CONTAINS(err.msg, "not the last");
    /* An unknown extension in a response is refused (nothing unknown was
     * offered). */
    static const uint16_t unknown[] = {0xfafa};
    len = block_of(buf, sizeof(buf), 0, 0, 0, unknown, 1);
    struct rd r;
    rd_init(&r, buf, len);
    err_init(&err);
    CHECK_EQ(hs_exts_parse(r, EXT_IN_EE, 0, "EncryptedExtensions", &e, &err),
             TERN_E_UNSUPPORTED_EXTENSION);
    /* An empty block. */
    CHECK_EQ(parse(buf, 0, EXT_IN_CH, &e, &err), TERN_OK);
    CHECK_EQ(e.count, 0);
    CHECK_EQ(e.present, 0);
}

static void test_u16_set(void)
{
    struct hs_u16_set *s = malloc(sizeof(*s));
    hs_u16_set_clear(s);
    for (uint32_t v = 0; v < 65536; v += 7)
        CHECK(hs_u16_set_add(s, (uint16_t)v));
    size_t n = 0;
    for (uint32_t v = 0; v < 65536; v++)
        n += hs_u16_set_has(s, (uint16_t)v);
    CHECK_EQ(n, (65535 / 7) + 1);
    CHECK(!hs_u16_set_add(s, 7));
    CHECK(hs_u16_set_add(s, 65535));
    CHECK(!hs_u16_set_add(s, 65535));
    free(s);
}

int main(void)
{
    RUN(test_many_extensions_linear);
    RUN(test_duplicate_far_apart);
    RUN(test_order);
    RUN(test_u16_set);
    return test_done();
}
