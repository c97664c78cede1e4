/* Memory: allocation through replaceable hooks (for fault injection and for
 * counting), wiping that the compiler cannot drop, constant-time compare. */
#ifndef TERN_BASE_MEM_H
#define TERN_BASE_MEM_H

#include <stddef.h>
#include <stdint.h>

void *tern_malloc(size_t n);
void *tern_calloc(size_t count, size_t size);
void tern_free(void *p);
/* tern_memdup copies n bytes into a fresh allocation (NULL on failure). */
void *tern_memdup(const void *p, size_t n);
char *tern_strdup(const char *s);

/* tern_memzero wipes n bytes; never optimised away. */
void tern_memzero(void *p, size_t n);

/* tern_ct_eq returns 1 if a and b agree on n bytes and 0 otherwise, in time
 * that depends only on n. */
int tern_ct_eq(const void *a, const void *b, size_t n);

/* tern_free_secret wipes n bytes at p, then frees p. */
void tern_free_secret(void *p, size_t n);

#endif
