/* A small test harness: CHECK records a failure with file and line and goes
 * on; a test program exits non-zero if any check failed. */
#ifndef TERN_TEST_H
#define TERN_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

extern int test_failures;
extern int test_checks;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        test_checks++;                                                                             \
        if (!(cond)) {                                                                             \
            test_failures++;                                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long ca_ = (long long)(a), cb_ = (long long)(b);                                      \
        test_checks++;                                                                             \
        if (ca_ != cb_) {                                                                          \
            test_failures++;                                                                       \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %lld, %s == %lld\n", __FILE__,          \
                    __LINE__, #a, ca_, #b, cb_);                                                   \
        }                                                                                          \
    } while (0)

#define CHECK_MEM(a, b, n)                                                                         \
    do {                                                                                           \
        test_checks++;                                                                             \
        if (memcmp((a), (b), (n)) != 0) {                                                          \
            test_failures++;                                                                       \
            fprintf(stderr, "%s:%d: CHECK_MEM failed: %s != %s (%zu bytes)\n", __FILE__, __LINE__, \
                    #a, #b, (size_t)(n));                                                          \
        }                                                                                          \
    } while (0)

/* CHECK_STR_CONTAINS: haystack (may be NULL) contains needle. */
#define CHECK_CONTAINS(hay, needle)                                                                \
    do {                                                                                           \
        const char *h_ = (hay);                                                                    \
        test_checks++;                                                                             \
        if (!h_ || !strstr(h_, (needle))) {                                                        \
            test_failures++;                                                                       \
            fprintf(stderr, "%s:%d: expected \"%s\" in \"%s\"\n", __FILE__, __LINE__, (needle),    \
                    h_ ? h_ : "(null)");                                                           \
        }                                                                                          \
    } while (0)

/* RUN calls a test function and reports its name. */
#define RUN(fn)                                                                                    \
    do {                                                                                           \
        int before_ = test_failures;                                                               \
        fn();                                                                                      \
        fprintf(stderr, "%s %s\n", test_failures == before_ ? "ok  " : "FAIL", #fn);               \
    } while (0)

/* test_done prints the summary and returns the process exit status. */
int test_done(void);

/* hex_decode: parse hex (whitespace ignored) into a fresh malloc'ed buffer. */
uint8_t *hex_decode(const char *hex, size_t *out_len);
/* read_file: whole file into a fresh NUL-terminated malloc'ed buffer, or NULL. */
char *read_file(const char *path, size_t *out_len);
/* vector_path: TERN_VECTORS_DIR "/" rel, in a static buffer. */
const char *vector_path(const char *rel);
/* count_allocations_begin puts a counting allocator (over the C library's)
 * behind tern_set_allocator; count_allocations_end puts the C library's
 * back and says how many blocks tern asked for in between. */
void count_allocations_begin(void);
size_t count_allocations_end(void);

#endif
