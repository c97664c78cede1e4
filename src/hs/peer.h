/* Checking the peer's certificate chain with the X.509 verifier. */
#ifndef TERN_HS_PEER_H
#define TERN_HS_PEER_H

#include "hs/internal.h"

/* hs_check_peer_chain verifies certs (DER, leaf first, as received) for the
 * peer's role: a server's chain for serverAuth and the name we dialled, a
 * client's for clientAuth. On success it keeps the leaf's public key and
 * subject in c and sets PROOF_PEER_CHAIN; on failure it fails c with the
 * verifier's sentence and alert. In insecure mode only the leaf's key is
 * taken. */
TERN_MUST_CHECK int hs_check_peer_chain(tern_conn *c, const struct rd *certs, size_t n);

#endif
