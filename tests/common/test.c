#include "test.h"
#include "tern/tern.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int test_failures;
int test_checks;

int test_done(void)
{
    fprintf(stderr, "%d checks, %d failed\n", test_checks, test_failures);
    return test_failures ? 1 : 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

uint8_t *hex_decode(const char *hex, size_t *out_len)
{
    size_t n = strlen(hex);
    uint8_t *out = malloc(n / 2 + 1);
    size_t o = 0;
    int hi = -1;
    for (size_t i = 0; i < n; i++) {
        if (isspace((unsigned char)hex[i]))
            continue;
        int v = hexval(hex[i]);
        if (v < 0) {
            free(out);
            return NULL;
        }
        if (hi < 0) {
            hi = v;
        } else {
            out[o++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0) {
        free(out);
        return NULL;
    }
    *out_len = o;
    return out;
}

char *read_file(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while ((got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
    }
    fclose(f);
    buf[len] = '\0';
    if (out_len)
        *out_len = len;
    return buf;
}

const char *vector_path(const char *rel)
{
    static char path[4096];
    snprintf(path, sizeof(path), "%s/%s", TERN_VECTORS_DIR, rel);
    return path;
}

static size_t allocations;

static void *counting_malloc(size_t n, void *arg)
{
    (void)arg;
    allocations++;
    return malloc(n);
}

static void counting_free(void *p, void *arg)
{
    (void)arg;
    free(p);
}

void count_allocations_begin(void)
{
    allocations = 0;
    CHECK_EQ(tern_set_allocator(counting_malloc, counting_free, NULL), TERN_OK);
}

size_t count_allocations_end(void)
{
    CHECK_EQ(tern_set_allocator(NULL, NULL, NULL), TERN_OK);
    return allocations;
}
