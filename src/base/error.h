/* Errors: a status code (include/tern/status.h), the alert it implies, and a
 * sentence a person can act on that names the offending value.
 *
 * A struct tern_err is sticky: the first error set is kept, later ones are
 * ignored, so the sentence always describes the root cause. */
#ifndef TERN_BASE_ERROR_H
#define TERN_BASE_ERROR_H

#include "tern/status.h"

#include <stdbool.h>
#include <stddef.h>

#define TERN_ERR_MSG_MAX 320

struct tern_err {
    int code;  /* TERN_OK while no error was set */
    int alert; /* alert sent (or received, for TERN_E_ALERT_RECEIVED); -1 none */
    /* what kind of failure, finer than the code, where a layer says it: the
     * X.509 verifier's enum tern_verify_reason (include/tern/x509.h); 0
     * when unset */
    int detail;
    char msg[TERN_ERR_MSG_MAX];
};

void err_init(struct tern_err *e);

/* err_set records code and the formatted sentence if e holds no error yet,
 * and returns e's (first) code, so `return err_set(e, ...)` propagates. A
 * NULL e is allowed: the code is returned and nothing is recorded. */
int err_set(struct tern_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* err_hex renders up to max bytes of p as hex into buf (for sentences). */
const char *err_hex(char *buf, size_t cap, const void *p, size_t n);

/* TRY propagates any non-OK status. */
#define TRY(expr)                                                                                  \
    do {                                                                                           \
        int try_rc_ = (expr);                                                                      \
        if (try_rc_ != TERN_OK)                                                                    \
            return try_rc_;                                                                        \
    } while (0)

#endif
