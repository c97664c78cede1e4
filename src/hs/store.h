/* Sessions the server keeps (stateful resumption): the serialized session a
 * store holds, tern's own in-memory store, and the calls the state machines
 * make into whichever store the configuration has (tern.h's
 * tern_session_store). */
#ifndef TERN_HS_STORE_H
#define TERN_HS_STORE_H

#include "hs/session.h"

#define HS_STORE_FORMAT  1
#define HS_STORE_MAC_LEN 32
#define HS_STORE_ID_LEN  32 /* the session IDs and stateful tickets tern makes */
/* tern's own store: at most this many sessions */
#define HS_STORE_CACHE_MAX (1u << 20)

/* hs_state_encode writes the unauthenticated state: format, context,
 * session (what a ticket-sealing hook seals). */
void hs_state_encode(const tern_config *cfg, const struct hs_session *s, struct wr *w);
/* hs_state_encode_n: with only the first n_certs client certificates
 * (hs_session_encode_n); the callers that write into a bounded buffer
 * drop certificates from the end until the session fits. */
void hs_state_encode_n(const tern_config *cfg, const struct hs_session *s, size_t n_certs,
                       struct wr *w);
/* hs_state_decode reads a state: TERN_OK, or a code with a sentence in err
 * naming what is wrong (malformed, another context). Expiry is the
 * caller's (hs_session_fresh). */
TERN_MUST_CHECK int hs_state_decode(const tern_config *cfg, struct rd r, struct hs_session *out,
                                    struct tern_err *err);
/* hs_store_serialize: the state and its MAC into out (TERN_SESSION_MAX
 * bytes); TERN_E_LIMIT when the session does not fit. */
TERN_MUST_CHECK int hs_store_serialize(const tern_config *cfg, const struct hs_session *s,
                                       uint8_t *out, size_t *out_len);
/* hs_store_mac: HMAC-SHA-256 of p under the store key (the MAC a
 * serialized session ends with). */
TERN_MUST_CHECK int hs_store_mac(const tern_config *cfg, const uint8_t *p, size_t n,
                                 uint8_t mac[32]);
/* hs_store_deserialize checks the MAC, the context and the expiry at
 * now_ms: TERN_OK or a code and a sentence in err. */
TERN_MUST_CHECK int hs_store_deserialize(const tern_config *cfg, const uint8_t *blob, size_t len,
                                         uint64_t now_ms, struct hs_session *out,
                                         struct tern_err *err);
/* hs_session_fresh: issued no later than now and within its lifetime. */
bool hs_session_fresh(const struct hs_session *s, uint64_t now_ms);

/* Server, during a handshake: keep s under a fresh random ID (written to
 * id, HS_STORE_ID_LEN bytes; false when the store did not keep it, which
 * the trace says), look one up (false, with the reason traced, when it is
 * unknown or refused; a refused one is removed), and remove one. */
bool hs_store_new(tern_conn *c, const struct hs_session *s, const uint8_t *id, size_t id_len);
bool hs_store_lookup(tern_conn *c, const uint8_t *id, size_t id_len, struct hs_session *out);
void hs_store_remove(tern_conn *c, const uint8_t *id, size_t id_len);
/* hs_store_stateful_tickets: TLS 1.3 tickets go to the store, no sealed
 * tickets are issued. */
bool hs_store_stateful_tickets(const tern_config *cfg);

void hs_store_cache_free(struct hs_store_cache *cache);

#endif
