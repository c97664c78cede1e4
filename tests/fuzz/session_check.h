/* What every decoded session must hold, shared by ticket_fuzz and
 * store_fuzz: the client's certificates bounded, whole, and present only
 * beside a verdict. */
#ifndef TERN_FUZZ_SESSION_CHECK_H
#define TERN_FUZZ_SESSION_CHECK_H

#include "hs/session.h"

#include <stdlib.h>

static inline void check_session_certs(const struct hs_session *s)
{
    size_t total = 0;
    if (s->n_certs > HS_SESSION_CERTS || (s->n_certs && !s->have_verdict))
        abort();
    for (size_t i = 0; i < s->n_certs; i++) {
        if (s->cert_len[i] == 0)
            abort();
        total += s->cert_len[i];
    }
    if (total > sizeof(s->certs))
        abort();
}

#endif
