#include "base/mem.h"
#include "tern/tern.h"

#include <stdlib.h>
#include <string.h>

/* The allocator is process-wide, set before the first connection (as
 * OpenSSL's CRYPTO_set_mem_functions); everything else lives in objects. */
static struct {
    void *(*malloc_fn)(size_t, void *);
    void (*free_fn)(void *, void *);
    void *arg;
} allocator;

int tern_set_allocator(void *(*malloc_fn)(size_t n, void *arg), void (*free_fn)(void *p, void *arg),
                       void *arg)
{
    if ((malloc_fn == NULL) != (free_fn == NULL))
        return TERN_E_ARG;
    allocator.malloc_fn = malloc_fn;
    allocator.free_fn = free_fn;
    allocator.arg = arg;
    return TERN_OK;
}

void *tern_malloc(size_t n)
{
    if (n == 0)
        n = 1;
    if (allocator.malloc_fn)
        return allocator.malloc_fn(n, allocator.arg);
    return malloc(n);
}

void *tern_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = tern_malloc(count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void tern_free(void *p)
{
    if (!p)
        return;
    if (allocator.free_fn)
        allocator.free_fn(p, allocator.arg);
    else
        free(p);
}

void *tern_memdup(const void *p, size_t n)
{
    void *d = tern_malloc(n);
    if (d && n)
        memcpy(d, p, n);
    return d;
}

char *tern_strdup(const char *s)
{
    return tern_memdup(s, strlen(s) + 1);
}

void tern_memzero(void *p, size_t n)
{
    if (p && n)
        explicit_bzero(p, n);
}

int tern_ct_eq(const void *a, const void *b, size_t n)
{
    const volatile uint8_t *x = a, *y = b;
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= (uint8_t)(x[i] ^ y[i]);
    /* (acc - 1) >> 8 is all ones exactly when acc == 0. */
    return (int)((((unsigned)acc) - 1u) >> 8) & 1;
}

void tern_free_secret(void *p, size_t n)
{
    tern_memzero(p, n);
    tern_free(p);
}
