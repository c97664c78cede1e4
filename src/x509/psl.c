/* The Public Suffix List through libpsl, for the web profile's rule that a
 * wildcard may not cover a whole public suffix ("*.co.uk"). The list is the
 * system's (Debian's publicsuffix package, which libpsl's psl_latest reads
 * when it is newer than the copy built into the library), loaded once per
 * process. Only the ICANN section counts: the private section lists
 * registrations such as s3.amazonaws.com under which CAs issue, and
 * browsers accept, wildcard certificates. */
#include "x509/x509.h"

#include <libpsl.h>
#include <pthread.h>

static pthread_once_t psl_once = PTHREAD_ONCE_INIT;
static psl_ctx_t *psl_ctx; /* never freed: lives as long as the process */

static void psl_load(void)
{
    psl_ctx = psl_latest(NULL);
    if (!psl_ctx)
        psl_ctx = (psl_ctx_t *)psl_builtin();
}

bool x509_public_suffix(const char *domain)
{
    pthread_once(&psl_once, psl_load);
    if (!psl_ctx)
        return true; /* no list at all: no wildcard can be judged safe */
    /* PSL_TYPE_NO_STAR_RULE: a name is not a suffix merely through the
     * implicit "*" rule for unknown top-level domains. */
    return psl_is_public_suffix2(psl_ctx, domain, PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE) != 0;
}
