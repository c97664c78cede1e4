/* Fuzz the TLS 1.3 server's handshake (and what follows it) with the
 * client's bytes taken from the input: ClientHello (twice after a
 * HelloRetryRequest, with key shares, PSKs and binders), the client's
 * certificate flight, Finished, application data, KeyUpdate, alerts. See
 * hs_fuzz.h for the input's layout, the fuzzing mode and the seeds. */
#include "hs_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_maybe_generate();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_server_one(data, size);
    return 0;
}
