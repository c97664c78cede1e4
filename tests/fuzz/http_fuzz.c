/* Fuzz the tool's HTTP parsers: the first byte picks the parser (request,
 * path, response, chunked body, URL), the rest is its input. Checks the
 * invariants a caller relies on: a parsed head never claims more bytes than
 * it was given, a normalised path starts with '/' and holds no ".." segment,
 * the chunk decoder never takes more than it was given. */
#include "http.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink(void *arg, const uint8_t *p, size_t n)
{
    size_t *total = arg;
    if (n && !p)
        abort();
    *total += n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    data++;
    size--;
    char why[HTTP_WHY_MAX];
    switch (sel % 5) {
    case 0: {
        struct http_request r;
        int rc = http_parse_request(data, size, &r, why, sizeof(why));
        if (rc == HTTP_DONE) {
            if (r.head_len > size || r.head_len > HTTP_MAX_HEAD || r.path[0] != '/' ||
                strstr(r.path, "/../") || strchr(r.path, '\\'))
                abort();
            size_t pl = strlen(r.path);
            if (pl >= 3 && !strcmp(r.path + pl - 3, "/.."))
                abort();
        }
        break;
    }
    case 1: {
        char out[256];
        if (http_normalize_path((const char *)data, size, out, sizeof(out), why, sizeof(why)) ==
            0) {
            if (out[0] != '/' || strstr(out, "/../") || strstr(out, "//") || strchr(out, '\\'))
                abort();
        }
        break;
    }
    case 2: {
        struct http_response r;
        if (http_parse_response(data, size, sel & 0x80, &r, why, sizeof(why)) == HTTP_DONE &&
            r.head_len > size)
            abort();
        break;
    }
    case 3: {
        struct http_chunked d;
        size_t total = 0, off = 0, used;
        http_chunked_init(&d);
        /* Feed in pieces so state carries across calls. */
        size_t step = (sel >> 3) + 1;
        while (off < size) {
            size_t n = size - off < step ? size - off : step;
            int rc = http_chunked_feed(&d, data + off, n, &used, sink, &total, why, sizeof(why));
            if (used > n)
                abort();
            off += used;
            if (rc != 0)
                break;
        }
        if (total > size)
            abort();
        break;
    }
    case 4: {
        char *s = malloc(size + 1);
        memcpy(s, data, size);
        s[size] = 0;
        struct http_url u;
        if (http_parse_url(s, &u, why, sizeof(why)) == 0 && u.path[0] != '/')
            abort();
        free(s);
        break;
    }
    }
    return 0;
}
