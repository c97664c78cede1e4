/* Fuzz the TLS 1.3 client's handshake (and what follows it) with the
 * server's bytes taken from the input: ServerHello, HelloRetryRequest,
 * the encrypted flight, NewSessionTicket, KeyUpdate, application data,
 * alerts, in records the fuzzer frames. See hs_fuzz.h for the input's
 * layout, the fuzzing mode and the seed generator. */
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
    fz_client_one(data, size);
    return 0;
}
