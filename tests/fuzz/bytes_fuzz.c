/* Fuzz the bytes reader and writer: interpret the input as a little program
 * of reads (the first byte of each step picks the operation) and check the
 * reader's invariants, then rebuild what was read with the writer. */
#include "base/bytes.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rd r, sub;
    rd_init(&r, data, size);
    uint8_t out[64];
    struct wr w;
    wr_init_fixed(&w, out, sizeof(out));
    uint8_t op;
    while (rd_u8(&r, &op)) {
        size_t before = r.len;
        bool ok;
        uint8_t v8;
        uint16_t v16;
        uint32_t v32;
        uint64_t v64;
        switch (op % 8) {
        case 0:
            ok = rd_u16(&r, &v16);
            if (ok)
                wr_u16(&w, v16);
            break;
        case 1:
            ok = rd_u24(&r, &v32);
            if (ok)
                wr_u24(&w, v32);
            break;
        case 2:
            ok = rd_u32(&r, &v32);
            if (ok)
                wr_u32(&w, v32);
            break;
        case 3:
            ok = rd_u64(&r, &v64);
            if (ok)
                wr_u64(&w, v64);
            break;
        case 4:
            ok = rd_prefixed8(&r, &sub);
            if (ok && sub.len) {
                size_t m = wr_open_u8(&w);
                wr_bytes(&w, sub.p, sub.len);
                wr_close(&w, m);
            }
            break;
        case 5:
            ok = rd_prefixed16(&r, &sub);
            if (ok) {
                size_t m = wr_open_u16(&w);
                wr_bytes(&w, sub.p, sub.len);
                wr_close(&w, m);
            }
            break;
        case 6:
            ok = rd_prefixed24(&r, &sub);
            break;
        default:
            ok = rd_u8(&r, &v8);
            if (ok)
                wr_u8(&w, v8);
            break;
        }
        /* A failed read consumes nothing; a successful one never grows. */
        if (!ok && r.len != before)
            abort();
        if (r.len > before)
            abort();
        if (ok && (op % 8) >= 4 && (op % 8) <= 6 && sub.p + sub.len > data + size)
            abort();
    }
    if (!wr_ok(&w) && w.len > sizeof(out))
        abort();
    return 0;
}
