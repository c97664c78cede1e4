/* TLS 1.3 resumption (RFC 8446 §2.2, §4.2.11, §4.6.1): sessions, stateless
 * tickets sealed with rotating ticket keys, PSK binders. */
#ifndef TERN_HS_SESSION_H
#define TERN_HS_SESSION_H

#include "hs/internal.h"

/* A sealed ticket tern makes, and the most a client keeps: room for a
 * session with a client certificate (HS_SESSION_CERTS_MAX). */
#define HS_TICKET_MAX      1536
#define HS_TICKET_OVERHEAD (8 + 12 + 16) /* epoch, nonce, tag */

/* The client certificates a server session keeps: at most this many, of
 * at most this many bytes together (the rest of a longer chain is left
 * out; a leaf alone larger than this: none, the hash and subject remain).
 * When a whole session does not fit where it goes (a ticket, a serialized
 * session), certificates are dropped from the end until it does. */
#define HS_SESSION_CERTS     4
#define HS_SESSION_CERTS_MAX 1200

/* What a ticket carries (server) and what a client keeps. */
struct hs_session {
    uint16_t version;
    uint16_t suite;
    uint8_t psk[CRY_MAX_HASH];
    size_t psk_len;
    uint64_t issued_ms; /* Unix ms: when issued (server) or received (client) */
    uint32_t lifetime_s;
    uint32_t age_add;
    char server_name[256];
    char alpn[256];
    char peer_subject[512];
    /* SHA-256 of the peer's leaf certificate, when it sent one (a server's
     * ticket: the client's; 0 bytes otherwise) */
    uint8_t peer_cert_hash[32];
    size_t peer_cert_hash_len;
    /* server: the verdict on the client's chain (have_verdict: one was
     * made; accepted, or "no certificate") and its certificates as sent,
     * leaf first, as many whole ones as fit in HS_SESSION_CERTS_MAX bytes
     * (what tern_conn_peer_cert* and tern_conn_peer_verdict answer on a
     * resumed connection) */
    bool have_verdict;
    uint8_t verdict_status; /* a tern status (TERN_OK, ...) */
    uint8_t verdict_reason; /* enum tern_verify_reason */
    size_t n_certs;
    uint16_t cert_len[HS_SESSION_CERTS];
    uint8_t certs[HS_SESSION_CERTS_MAX];
    uint8_t ticket[HS_TICKET_MAX]; /* client only */
    size_t ticket_len;
    /* TLS 1.2: the session was made with the extended master secret (RFC
     * 7627; tern makes no other kind, and resumes no other kind, §5.3) */
    bool ems;
    /* client, TLS 1.2: the session ID the server gave (RFC 5246 §7.4.1.2) */
    uint8_t session_id[32];
    size_t session_id_len;
    /* an external PSK (hs/psk.c; RFC 8446 §4.2.11), never encoded: psk is
     * the key, suite a TLS 1.3 suite of its hash, ticket the identity */
    bool external;
};

/* A server's ticket holds the client's identity in bounded form, so any
 * client certificate fits (sealed tickets are at most HS_TICKET_MAX bytes):
 * the certificate's SHA-256 and at most HS_TICKET_SUBJECT_MAX bytes of its
 * subject, cut at a character boundary and then ending in "..." (what
 * tern_conn_peer_subject gives on a resumed connection). */
#define HS_TICKET_SUBJECT_MAX 128

uint64_t hs_now_ms(void);
/* hs_session_set_peer (server) puts c's client identity into s in the
 * bounded form above. */
void hs_session_set_peer(struct hs_session *s, const tern_conn *c);
/* hs_session_take_peer (resuming, both roles) gives c the peer identity s
 * holds: subject, certificate hash, and (server) the chain and verdict.
 * TERN_E_NOMEM fails the connection. */
TERN_MUST_CHECK int hs_session_take_peer(tern_conn *c, const struct hs_session *s);
/* hs_ticket_skipped: the trace says that no ticket could be made (rc: the
 * sealing's status), and the connection goes on without one. */
void hs_ticket_skipped(tern_conn *c, int rc);
void hs_session_wipe(struct hs_session *s);

/* Encoding shared by the ticket's sealed contents and the client's saved
 * sessions. decode returns TERN_E_DECODE on anything malformed. */
void hs_session_encode(const struct hs_session *s, struct wr *w);
/* hs_session_encode_n: the same with only the first n_certs of the peer's
 * certificates (n_certs <= s->n_certs): for a session that does not fit
 * whole. */
void hs_session_encode_n(const struct hs_session *s, size_t n_certs, struct wr *w);
TERN_MUST_CHECK int hs_session_decode(struct rd r, struct hs_session *s);

/* Server: seal a session into a ticket with the current epoch's key (nonce:
 * 12 fresh random bytes, sent in clear in the ticket); open one with the
 * current or the previous epoch's key. open returns TERN_OK,
 * or a code with a sentence in err saying why the ticket is not usable
 * (the caller then falls back to a full handshake). */
TERN_MUST_CHECK int hs_ticket_seal(const tern_config *cfg, const struct hs_session *s,
                                   uint64_t now_s, const uint8_t nonce[12], struct wr *out);
TERN_MUST_CHECK int hs_ticket_open(const tern_config *cfg, const uint8_t *ticket, size_t len,
                                   uint64_t now_ms, struct hs_session *out, struct tern_err *err);

/* Server, both versions: a ticket for s appended to out, sealed by the
 * application's hook (tern_config_set_ticket_sealer) or by hs_ticket_seal
 * with nonce; open one the same way (the hook's TERN_TICKET_RENEW sets
 * c->ticket_renew; a state the hook returns that tern refuses is traced). */
TERN_MUST_CHECK int hs_ticket_make(tern_conn *c, const struct hs_session *s,
                                   const uint8_t nonce[12], struct wr *out);
TERN_MUST_CHECK int hs_ticket_unseal(tern_conn *c, const uint8_t *ticket, size_t len,
                                     uint64_t now_ms, struct hs_session *out, struct tern_err *err);

/* Server, TLS 1.3: the session a PSK identity names: a sealed ticket
 * opened, or with stateful tickets (hs/store.h) the store's session.
 * TERN_OK, or a code and a sentence in err (a full handshake follows).
 * hs_psk_spent: the identity was accepted (a single-use stateful ticket
 * leaves the store). */
TERN_MUST_CHECK int hs_psk_open(tern_conn *c, struct rd identity, uint64_t now_ms,
                                struct hs_session *out, struct tern_err *err);
void hs_psk_spent(tern_conn *c, struct rd identity);

/* The PSK binder (RFC 8446 §4.2.11.2): HMAC with the binder's finished key
 * over the transcript hash `th` (which covers the truncated ClientHello). */
TERN_MUST_CHECK int hs_binder(enum cry_hash h, const uint8_t *psk, size_t psk_len,
                              const uint8_t *th, uint8_t *out);

/* hs_psk_binder: the binder for session s (an external PSK's "ext binder",
 * a ticket's "res binder"), hs_binder otherwise. */
TERN_MUST_CHECK int hs_psk_binder(enum cry_hash h, const struct hs_session *s, const uint8_t *th,
                                  uint8_t *out);
/* hs_psk_external_client: the configuration's external PSK as a session to
 * offer (TLS 1.3 only); false when it has none. */
bool hs_psk_external_client(tern_conn *c, struct hs_session *out);
/* hs_psk_external_find (server): the external PSK an identity names
 * (tern_config_set_psk's, or the lookup callback's); false when unknown. */
bool hs_psk_external_find(tern_conn *c, struct rd identity, struct hs_session *out);

/* The client's offered PSKs: parse the pre_shared_key extension of a
 * ClientHello. binders_at is where the binders list (its length prefix)
 * starts, counted from the start of the extension body. */
struct hs_offered_psk {
    struct rd identity;
    uint32_t obfuscated_age;
    struct rd binder;
};
#define HS_MAX_PSKS 4
TERN_MUST_CHECK int hs_psk_parse(struct rd ext, struct hs_offered_psk *out, size_t *out_n,
                                 size_t *binders_len, struct tern_err *err);

/* Client session cache in the configuration: take the newest unexpired
 * session for a name (removing it: tickets are used once), and store one. */
bool hs_cache_take(tern_config *cfg, const char *server_name, struct hs_session *out);
void hs_cache_put(tern_config *cfg, const struct hs_session *s);
/* hs_keep_client_session (client, both versions): s, filled in but for the
 * ticket and this connection's names, gets the ticket and goes to the cache
 * and the application's session callback; s is wiped after. */
void hs_keep_client_session(tern_conn *c, struct hs_session *s, struct rd ticket);

/* Server: send the configured NewSessionTickets after the handshake. */
TERN_MUST_CHECK int hs_send_tickets(tern_conn *c);
/* Client: a NewSessionTicket arrived. */
TERN_MUST_CHECK int hs_recv_ticket(tern_conn *c, struct rd body, size_t len);

#endif
