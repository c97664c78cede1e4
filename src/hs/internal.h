/* The connection and configuration objects, shared by src/conn.c and the
 * handshake state machines in src/hs/. Not part of the public API. */
#ifndef TERN_HS_INTERNAL_H
#define TERN_HS_INTERNAL_H

#include "base/bytes.h"
#include "base/error.h"
#include "crypto/provider.h"
#include "hs/ext.h"
#include "hs/test_hooks.h"
#include "hs/schedule13.h"
#include "hs/tls12.h"
#include "record/record.h"
#include "tern/tern.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define HS_MAX_LIST 16
/* room for every value of a peer's list tern keeps (hs_known_*: at most 11
 * suites, 5 groups, 13 signature schemes) */
#define HS_KNOWN_MAX       32
#define HS_MAX_CHAIN       10
#define HS_MAX_CERTS       16         /* certificate chains in one configuration */
#define HS_MAX_MESSAGE     (1u << 17) /* largest handshake message we accept */
#define HS_MAX_CHAIN_BYTES (1u << 17) /* limit on a peer's certificate list */
#define HS_RANDOM_LEN      32
#define HS_HRR_COOKIE_MAX  256 /* the longest HelloRetryRequest cookie a client keeps */

/* Floods a peer may not send (the "SSL Death Alert" class, CVE-2016-8610):
 * each record below costs a decryption and does nothing, so a peer gets a
 * bounded number in a row before unexpected_message. The figures are
 * OpenSSL's for warning alerts and empty records, BoringSSL's for
 * KeyUpdates; no real peer comes near them. */
#define HS_MAX_WARNING_ALERTS 5  /* in a row (user_canceled: the one tern ignores) */
#define HS_MAX_EMPTY_RECORDS  32 /* in a row, of any content type */
#define HS_MAX_KEY_UPDATES    32 /* received with no application data between them */

#define HS_CACHE_MAX 32

struct x509_store;
struct x509_cert;
struct x509_chain_key;
struct hs_session;
struct hs_store_cache;

/* One certificate chain (DER, leaf first) with its private key, and the
 * leaf parsed once (its names and signature algorithm choose it). */
struct hs_cert {
    uint8_t *chain[HS_MAX_CHAIN];
    size_t chain_len[HS_MAX_CHAIN];
    size_t chain_n;
    struct cry_privkey key;
    struct x509_cert *leaf;
    uint16_t leaf_scheme; /* the TLS scheme of the issuer's signature on the leaf, 0 unknown */
    char chain_text[512]; /* the chain's subjects, leaf first, " <- " between (trace) */
    /* a key tern cannot see (hs/keyops.c): key holds only its type and
     * size, and these callbacks sign and decrypt */
    bool external;
    struct tern_key_ops ops;
};

struct tern_config {
    atomic_int refs;
    atomic_bool frozen;  /* set by the first connection; setters then refuse */
    struct tern_err err; /* last setter failure */

    uint16_t min_version, max_version;
    uint16_t suites[HS_MAX_LIST];
    size_t n_suites;
    uint16_t groups[HS_MAX_LIST];
    size_t n_groups;
    uint16_t sigs[HS_MAX_LIST];
    size_t n_sigs;

    /* our certificate chains, in the order added: a server chooses one per
     * ClientHello (hs/certsel.c), a client sends the first when asked */
    struct hs_cert certs[HS_MAX_CERTS];
    size_t n_certs;
    tern_password_cb key_password_cb;
    void *key_password_arg;
    tern_server_name_cb server_name_cb;
    void *server_name_arg;
    /* certificate_authorities a server asking for client certificates
     * sends: these names (DistinguishedName list contents), and/or the
     * subjects of its trust anchors */
    struct wr ca_names;
    bool ca_names_from_trust;

    /* trust anchors: loaded lazily (system bundle) under trust_lock */
    pthread_mutex_t trust_lock;
    struct x509_store *trust;
    bool trust_explicit; /* the caller added anchors: no system bundle */
    bool insecure;
    enum tern_verify_profile verify_profile;
    /* verify callback, override, pins, CRLs (hs/policy.h); NULL: none */
    struct hs_policy *policy;

    uint8_t alpn[256]; /* ProtocolNameList contents, wire form */
    size_t alpn_len;
    enum tern_client_auth client_auth;

    /* resumption, server: the ticket secret (keys are derived per epoch) */
    uint8_t ticket_secret[64];
    size_t ticket_secret_len;
    bool psk_ke; /* resumption without (EC)DHE allowed */
    unsigned ticket_count;
    uint32_t ticket_lifetime; /* seconds */
    uint32_t ticket_rotation; /* seconds per key epoch */
    /* resumption, server: a session store (hs/store.c), when have_store;
     * `cache` is tern's own (tern_config_set_session_cache), else NULL */
    bool have_store;
    struct tern_session_store store;
    struct hs_store_cache *builtin;
    uint8_t sid_ctx[32];
    size_t sid_ctx_len;
    bool have_sealer; /* the application seals tickets (tern_config_set_ticket_sealer) */
    struct tern_ticket_sealer sealer;
    /* resumption, client: sessions by server name (runtime state, locked) */
    pthread_mutex_t cache_lock;
    struct hs_session *cache[HS_CACHE_MAX];
    size_t cache_n;
    void (*session_cb)(void *arg, const char *server_name, const uint8_t *session, size_t len);
    void *session_arg;

    void (*keylog_cb)(void *arg, const char *line);
    void *keylog_arg;
    void (*trace_cb)(void *arg, const struct tern_trace_event *ev);
    void *trace_arg;

    /* integrators' hooks (hs/hooks.c) */
    tern_alpn_select_cb alpn_select_cb;
    void *alpn_select_arg;
    tern_message_cb message_cb;
    void *message_arg;
    tern_state_cb state_cb;
    void *state_arg;
    /* external PSK (hs/psk.c): one identity and key (client: offered;
     * server: accepted), and/or the server's lookup callback */
    uint8_t psk_identity[TERN_PSK_IDENTITY_MAX];
    size_t psk_identity_len;
    uint8_t psk_key[TERN_PSK_KEY_MAX];
    size_t psk_key_len;
    enum tern_psk_hash psk_hash;
    tern_psk_lookup_cb psk_lookup_cb;
    void *psk_lookup_arg;

    struct hs_test_hooks test; /* test-only, copied into each connection */
};

enum hs_state {
    HS_START,
    /* client, TLS 1.3 (RFC 8446 Appendix A.1) */
    HS_C_WAIT_SH,
    HS_C_WAIT_EE,
    HS_C_WAIT_CERT_CR,
    HS_C_WAIT_CERT,
    HS_C_WAIT_CV,
    HS_C_WAIT_FINISHED,
    /* server, TLS 1.3 (RFC 8446 Appendix A.2) */
    HS_S_WAIT_CH,
    HS_S_WAIT_CH2, /* after HelloRetryRequest */
    HS_S_WAIT_CERT,
    HS_S_WAIT_CV,
    HS_S_WAIT_FINISHED,
    /* client, TLS 1.2 (RFC 5246 §7.3; hs/client12.c) */
    HS_C12_WAIT_CERT,
    HS_C12_WAIT_SKE,
    HS_C12_WAIT_CR_DONE, /* CertificateRequest or ServerHelloDone */
    HS_C12_WAIT_DONE,
    HS_C12_WAIT_CCS,
    HS_C12_WAIT_FINISHED,
    /* server, TLS 1.2 (hs/server12.c) */
    HS_S12_WAIT_CERT,
    HS_S12_WAIT_CKE,
    HS_S12_WAIT_CV,
    HS_S12_WAIT_CCS,
    HS_S12_WAIT_FINISHED,
    /* both */
    HS_CONNECTED,
    HS_CLOSED, /* close_notify received */
    HS_FAILED,
};

/* Proofs the handshake collects; application data needs all that apply
 * (STYLE.md: set only by the code that checked them). */
enum hs_proof {
    /* PROOF_PEER_CHAIN and PROOF_PEER_SIGNATURE are also set when a session
     * resumes: the original handshake verified them (RFC 8446 §2.2). */
    PROOF_PEER_CHAIN = 1,     /* the peer's chain and name verified (or insecure mode) */
    PROOF_PEER_SIGNATURE = 2, /* CertificateVerify checked */
    PROOF_PEER_FINISHED = 4,  /* the peer's Finished checked */
};

struct tern_conn {
    tern_config *cfg;
    /* our certificate for this connection (NULL: none); it belongs to
     * cert_cfg, which is cfg unless the server-name callback switched it */
    const struct hs_cert *cert;
    tern_config *cert_cfg; /* a reference of its own when not cfg */
    bool in_sni_cb;        /* inside the server-name callback */
    /* server: the client-certificate policy, cfg's unless the server-name
     * callback changed it (tern_conn_set_client_auth) */
    enum tern_client_auth client_auth;
    /* client: the certificate_authorities of the server's CertificateRequest
     * (DistinguishedName list contents), checked */
    uint8_t *peer_ca_names;
    size_t peer_ca_names_len;
    bool is_server;
    enum hs_state state;
    struct tern_err err;
    int alert_sent; /* -1 none */
    unsigned proofs;
    uint64_t start_us;
    int round_trips;

    /* input: every byte fed is kept in `raw`; whole records are opened in
     * place from raw_off on, and application data is read straight out of
     * the buffer. Records behind unread application data wait. */
    struct wr raw;
    size_t raw_off;          /* first byte not yet processed */
    size_t app_off, app_len; /* unread application data inside raw.buf */
    struct wr hs_in;         /* handshake bytes awaiting a whole message */
    size_t hs_in_used;       /* end of the message being handled, within hs_in */
    bool got_ccs;
    /* flood counters (HS_MAX_*): reset by a record that does something */
    uint8_t warning_alerts, empty_records, key_updates;
    bool key_update_due; /* the peer asked for an update: answered once, before our next data */
    /* server: 0-RTT records of a client whose early data we declined are
     * skipped (RFC 8446 §4.2.10; hs13_skip_early) */
    enum hs_early_skip {
        EARLY_SKIP_NONE,
        EARLY_SKIP_UNOPENED, /* after ServerHello: records the handshake keys do not open */
        EARLY_SKIP_APPDATA,  /* after HelloRetryRequest: application_data records */
    } early_skip;
    size_t early_skipped; /* bytes of early data skipped so far */

    /* output: records waiting to be sent */
    struct wr out;
    size_t out_sent;
    bool close_sent;

    struct rec_dir rd_in, rd_out;

    /* handshake */
    struct ks13 ks;
    enum cry_hash hash;
    struct cry_hash_ctx th; /* transcript (once the hash is known) */
    struct wr ch_buf;       /* client: ClientHello bytes until the suite is known */
    uint8_t client_random[HS_RANDOM_LEN];
    uint8_t server_random[HS_RANDOM_LEN];
    /* client: the legacy_session_id sent, then (TLS 1.2, after ServerHello)
     * the server's; server, TLS 1.2 with a session store: the ID our
     * ServerHello gives a new session */
    uint8_t session_id[32];
    size_t session_id_len;
    struct cry_kex kex[2]; /* client: key shares offered */
    size_t n_kex;
    uint8_t
        *cookie; /* client: the HelloRetryRequest's cookie (HS_HRR_COOKIE_MAX), NULL when none */
    size_t cookie_len;
    bool hrr_done;
    uint64_t offered_exts; /* client: extensions in our ClientHello */
    bool cert_requested;   /* server asked for a client certificate */
    uint8_t cr_context[32];
    size_t cr_context_len;
    uint16_t peer_sigs[HS_KNOWN_MAX]; /* peer's signature_algorithms tern knows */
    size_t n_peer_sigs;
    size_t n_peer_sigs_sent; /* how many the peer listed, known or not */

    /* peer certificate (leaf first) until verified */
    struct cry_pubkey peer_key;
    bool have_peer_key;
    /* the peer's chain as sent and the verdict on it (hs/policy.h) */
    struct hs_peer *peer;

    /* resumption: the session offered (client) or accepted (server) */
    struct hs_session *session;
    bool psk_offered;
    uint64_t tickets_sent;
    bool ticket_renew; /* server: the sealing hook asked for a fresh ticket */

    /* TLS 1.2 handshake state (hs/tls12.h), NULL otherwise */
    struct hs12 *t12;
    unsigned reneg_refused; /* TLS 1.2: renegotiation requests refused */

    /* negotiated */
    char *server_name;
    uint16_t version, suite, group, sig_scheme;
    /* the ALPN protocol agreed: "" (static) for none, else owned
     * (hs_set_alpn) */
    const char *alpn;
    char *peer_subject;         /* owned (hs_peer_subject_set); NULL: none */
    uint8_t peer_cert_hash[32]; /* SHA-256 of the peer's leaf certificate */
    bool have_peer_cert_hash;
    bool resumed;
    bool psk_ke; /* resumed without (EC)DHE */
    /* TLS 1.2: the master secret, kept for the exporter (RFC 5705) and
     * wiped on free */
    uint8_t master12[48];
    bool have_master12;

    /* the easy level's socket state (src/io/io.c owns its layout) and the
     * hook that closes a descriptor it made */
    uint64_t io_store[6];
    void (*io_release)(tern_conn *c);

    /* hs/hooks.c: the state callback's events already given */
    bool hook_started, hook_closed;
    /* an asynchronous private-key operation (hs/keyops.c): the signature
     * awaited, and what the handshake does once it came (set by the state
     * machine that can wait; NULL: it cannot) */
    bool async_pending;
    uint16_t async_scheme;
    const char *async_explain;
    int (*async_next)(tern_conn *c);

    /* test-only (hs/test_hooks.h): fixed randomness, a known X25519
     * private key, and a ClientHello sent verbatim, so a handshake can
     * reproduce a published trace */
    struct hs_test_hooks test;

    /* public randomness (randoms, session id, tickets' age_add and sealing
     * nonces: a server's full handshake uses exactly 64), drawn 64 bytes at
     * a time; the unused tail is rand_pool[64 - rand_left ..] */
    uint8_t rand_pool[64];
    size_t rand_left;
};

/* ---- hs/flight.c: what the state machines stand on (below them; conn.c,
 * the public API, is above them and is never called from hs/) ---- */

/* hs_fail records the error (sticky), sends the alert its code implies,
 * and moves to HS_FAILED. Returns the (first) code. */
int hs_fail(tern_conn *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* hs_fail_err: the same, with the code and sentence already in e. */
int hs_fail_err(tern_conn *c, const struct tern_err *e);
/* hs_err: the connection's sticky error, for the io layer's socket
 * failures. */
struct tern_err *hs_err(tern_conn *c);
/* hs_send adds a whole handshake message (header included) to the
 * transcript and queues it in records under the current write keys. */
TERN_MUST_CHECK int hs_send(tern_conn *c, const uint8_t *msg, size_t len);
/* hs_send_post queues a post-handshake message (not in the transcript). */
TERN_MUST_CHECK int hs_send_post(tern_conn *c, const uint8_t *msg, size_t len);
/* hs_send_ccs queues a ChangeCipherSpec (middlebox compatibility). */
TERN_MUST_CHECK int hs_send_ccs(tern_conn *c);
/* hs_send_warning queues a warning-level alert and keeps the connection
 * (TLS 1.2's no_renegotiation); nothing once we have closed. */
TERN_MUST_CHECK int hs_send_warning(tern_conn *c, int alert);
/* hs_send_alert queues the alert that ends our direction (close_notify, or
 * the one a failure implies) once; nothing after it. */
void hs_send_alert(tern_conn *c, int alert);
/* hs_send_records queues len bytes of type in records of at most 2^14
 * (application data moves to a fresh TLS 1.3 key before a key's limit). */
TERN_MUST_CHECK int hs_send_records(tern_conn *c, uint8_t type, const uint8_t *data, size_t len);
/* hs_send_key_update sends a TLS 1.3 KeyUpdate and moves our sending
 * direction to the next key (RFC 8446 §4.6.3). */
TERN_MUST_CHECK int hs_send_key_update(tern_conn *c, int request_peer);
/* hs_random fills buf from the provider (or the test hook). */
TERN_MUST_CHECK int hs_random(tern_conn *c, uint8_t *buf, size_t len);
/* hs_set_alpn records the ALPN protocol agreed (len bytes, at most 255;
 * len 0: none); TERN_E_NOMEM with the connection failed. */
TERN_MUST_CHECK int hs_set_alpn(tern_conn *c, const uint8_t *name, size_t len);
void hs_free_alpn(tern_conn *c);

/* hs_keylog passes one secret to the key-log callback. */
void hs_keylog(tern_conn *c, const char *label, const uint8_t *secret, size_t len);
/* hs_msg_pending: handshake bytes that are not yet a whole message (a key
 * change must not happen in the middle of one, RFC 8446 §5.1). */
bool hs_msg_pending(const tern_conn *c);

/* transcript */
TERN_MUST_CHECK int hs_transcript_start(tern_conn *c, enum cry_hash h);
TERN_MUST_CHECK int hs_transcript_add(tern_conn *c, const uint8_t *p, size_t n);
TERN_MUST_CHECK int hs_transcript_hash(tern_conn *c, uint8_t *out);

/* ---- trace (hs/trace.c) ---- */
void hs_trace(tern_conn *c, enum tern_trace_kind kind, enum tern_trace_dir dir, const char *name,
              const char *explain, size_t bytes, const struct tern_trace_fact *facts,
              size_t n_facts);
/* hs_trace_client_hello (server): the received ClientHello body (already
 * accepted by its parser) described fact by fact, as offered: versions,
 * suites, groups, key shares and their sizes, signature schemes, ALPN, SNI,
 * extensions in order (GREASE named as such); extra facts follow. */
void hs_trace_client_hello(tern_conn *c, struct rd body, size_t bytes, const char *explain,
                           const struct tern_trace_fact *extra, size_t n_extra);
/* hs_trace_hybrid_facts: for X25519MLKEM768, the facts naming what each
 * half of the hybrid contributed (at most HS_TRACE_HYBRID_FACTS), appended
 * at out; 0 for any other group. hs_trace_hybrid_note: a sentence on the
 * hybrid for the ServerHello's explanation, "" for other groups. */
#define HS_TRACE_HYBRID_FACTS 2
size_t hs_trace_hybrid_facts(uint16_t group, struct tern_trace_fact *out);
const char *hs_trace_hybrid_note(uint16_t group);
/* hs_trace_msg: a handshake message sent (sent=true) or received. */
void hs_trace_msg(tern_conn *c, bool sent, const char *name, const char *explain, size_t bytes,
                  const struct tern_trace_fact *facts, size_t n_facts);

/* ---- integrators' hooks (hs/hooks.c), fed by the trace ---- */
/* hs_trace_wire: a handshake message, alert or ChangeCipherSpec crossed
 * (sent or received), whole: the message callback sees it (and the state
 * callback the handshake's start). Called where bytes cross, in conn.c. */
void hs_trace_wire(tern_conn *c, bool sent, uint8_t content_type, const uint8_t *p, size_t len);
/* hs_trace_alert: an alert sent or received: the trace event, the message
 * callback and the state callback. */
void hs_trace_alert(tern_conn *c, bool sent, uint8_t level, uint8_t desc, const char *explain);
/* hs_hooks_on_trace: the state callback's view of one trace event. */
void hs_hooks_on_trace(tern_conn *c, enum tern_trace_kind kind);
/* hs_alpn_select (server): the ALPN selection callback chooses from the
 * client's protocol_name_list (already checked by hs_read_alpn_list); sets
 * c->alpn, or fails with no_application_protocol. */
TERN_MUST_CHECK int hs_alpn_select(tern_conn *c, struct rd list);
/* hs_key_sign (hs/keyops.c) signs content with our certificate's key under
 * scheme: libcrypto's, or the application's callback for an external key.
 * TERN_WANT_ASYNC when the callback answers later (only where c->async_next
 * is set; elsewhere that is a failure, with its sentence). */
TERN_MUST_CHECK int hs_key_sign(tern_conn *c, uint16_t scheme, const uint8_t *content, size_t clen,
                                uint8_t *sig, size_t cap, size_t *out_len);
/* hs_key_decrypt_pms (TLS 1.2 RSA key transport): the pre-master secret
 * into out (48 bytes), random bytes when the padding is bad (RFC 5246
 * §7.4.7.1), with either kind of key. */
TERN_MUST_CHECK int hs_key_decrypt_pms(tern_conn *c, const uint8_t *ct, size_t ct_len,
                                       uint8_t *out);
/* hs_cv_send: the CertificateVerify message with a signature made (both
 * versions), traced with explain. */
TERN_MUST_CHECK int hs_cv_send(tern_conn *c, uint16_t scheme, const uint8_t *sig, size_t sig_len,
                               const char *explain);
/* hs_key_done: the application's signature arrived (tern_conn_key_done). */
TERN_MUST_CHECK int hs_key_done(tern_conn *c, const uint8_t *sig, size_t len);
/* config_take_chain (hs/certs.c) moves a loaded chain and key into cfg. */
TERN_MUST_CHECK int config_take_chain(tern_config *cfg, struct x509_chain_key *ck);

/* hs_psk_external_server (hs/psk.c): the server may authenticate by an
 * external PSK (it then needs no certificate). */
bool hs_psk_external_server(const tern_config *cfg);

/* ---- the state machines ---- */
TERN_MUST_CHECK int hs_client_start(tern_conn *c);
TERN_MUST_CHECK int hs_client_message(tern_conn *c, uint8_t type, struct rd body,
                                      const uint8_t *msg, size_t len);
TERN_MUST_CHECK int hs_server_message(tern_conn *c, uint8_t type, struct rd body,
                                      const uint8_t *msg, size_t len);
/* Post-handshake messages (both roles): NewSessionTicket, KeyUpdate. */
TERN_MUST_CHECK int hs_post_message(tern_conn *c, uint8_t type, struct rd body);
TERN_MUST_CHECK int hs13_post_message(tern_conn *c, uint8_t type, struct rd body);

/* ---- hs/hello.c: the ClientHello parsed once, the version chosen ---- */
struct hs_client_hello {
    uint16_t legacy; /* legacy_version */
    const uint8_t *random;
    struct rd session_id, suites, compression;
    bool has_exts;
    struct hs_exts ext;
    /* versions: from supported_versions (has_sv), else legacy_version */
    bool has_sv, offers12, offers13;
    uint16_t highest; /* the client's highest version, for RFC 7507 */
    char offered[96]; /* the versions it names, for sentences */
    /* TLS 1.2: the suites offered that tern knows; the RFC 5746 signal */
    uint16_t suite_list[HS_KNOWN_MAX];
    size_t n_suites;
    bool reneg_signalled;
};
/* hs_parse_client_hello: the ClientHello's structure, legacy_version, the
 * extension block (hs_exts_parse's rules) and the versions offered. */
TERN_MUST_CHECK int hs_parse_client_hello(tern_conn *c, struct rd body, struct hs_client_hello *ch);
/* hs_server_version: the newest version both speak, or protocol_version. */
TERN_MUST_CHECK int hs_server_version(tern_conn *c, const struct hs_client_hello *ch,
                                      uint16_t *out);
/* hs_server_client_hello: a received ClientHello (first, or after a
 * HelloRetryRequest) parsed once and handed to the version's machine. */
TERN_MUST_CHECK int hs_server_client_hello(tern_conn *c, struct rd body, const uint8_t *msg,
                                           size_t len);
TERN_MUST_CHECK int hs13_server_client_hello(tern_conn *c, struct hs_client_hello *ch,
                                             const uint8_t *msg, size_t len);

/* The ServerHello (or HelloRetryRequest), parsed once by the client. */
struct hs_server_hello {
    uint16_t legacy; /* legacy_version */
    const uint8_t *random;
    struct rd session_id;
    uint16_t suite;
    uint8_t compression;
    bool has_exts, has_sv, is_hrr;
    struct rd exts;     /* the extension block, parsed by the version's rules: */
    struct hs_exts ext; /* hs_parse_server_hello_exts */
};
/* hs_parse_server_hello: structure, legacy_version, whether it is a
 * HelloRetryRequest and whether supported_versions is there. */
TERN_MUST_CHECK int hs_parse_server_hello(tern_conn *c, struct rd body, struct hs_server_hello *sh);
/* hs_client_version: the version the server chose, with every check that
 * decides it (RFC 8446 §4.1.3's downgrade sentinels, §4.1.4). */
TERN_MUST_CHECK int hs_client_version(tern_conn *c, const struct hs_server_hello *sh,
                                      uint16_t *out);
/* hs_parse_server_hello_exts: sh's extension block by the table of where
 * (EXT_IN_SH, EXT_IN_HRR, EXT_IN_SH12), allowing what we offered. */
TERN_MUST_CHECK int hs_parse_server_hello_exts(tern_conn *c, struct hs_server_hello *sh,
                                               unsigned where, uint64_t allowed_extra,
                                               const char *what);
/* hs_client_server_hello: a received ServerHello parsed once and handed to
 * the version's machine. */
TERN_MUST_CHECK int hs_client_server_hello(tern_conn *c, struct rd body, const uint8_t *msg,
                                           size_t len);
TERN_MUST_CHECK int hs13_client_server_hello(tern_conn *c, struct hs_server_hello *sh,
                                             const uint8_t *msg, size_t len);

/* ---- hs/handshake.c: the version-neutral part ---- */
/* hs_message: a whole received handshake message (msg: with its header),
 * to the machine of the connection's role and stage. */
TERN_MUST_CHECK int hs_message(tern_conn *c, uint8_t type, struct rd body, const uint8_t *msg,
                               size_t len);
/* hs_on_ccs: a ChangeCipherSpec record's body (TLS 1.2's key switch, TLS
 * 1.3's one tolerated middlebox record). */
TERN_MUST_CHECK int hs_on_ccs(tern_conn *c, const uint8_t *p, size_t len);
/* hs_msg_body: the body of a whole handshake message (after its 4-byte
 * header). */
struct rd hs_msg_body(const uint8_t *msg, size_t len);
/* hs_check_proofs: every check a completed handshake needs was made (the
 * peer's Finished; its chain and signature where it had to present them). */
TERN_MUST_CHECK int hs_check_proofs(tern_conn *c);
/* hs_state_name: the state for sentences ("waiting for the ServerHello"). */
const char *hs_state_name(enum hs_state s);
extern const uint8_t hs_hrr_random[32];
extern const uint8_t hs_downgrade12[8], hs_downgrade11[8];

/* hs13_skip_early (server, hs/server13.c): the record of `length` bytes
 * (its protected length) is the client's declined early data: skip it, up
 * to HS_EARLY_SKIP_MAX bytes of early data in all (then unexpected_message). */
#define HS_EARLY_SKIP_MAX 16384
TERN_MUST_CHECK int hs13_skip_early(tern_conn *c, size_t length);

/* ---- shared TLS 1.3 pieces (hs/tls13.c) ---- */
enum hs_type {
    HS_CLIENT_HELLO = 1,
    HS_SERVER_HELLO = 2,
    HS_NEW_SESSION_TICKET = 4,
    HS_END_OF_EARLY_DATA = 5,
    HS_ENCRYPTED_EXTENSIONS = 8,
    HS_CERTIFICATE = 11,
    HS_CERTIFICATE_REQUEST = 13,
    HS_CERTIFICATE_VERIFY = 15,
    HS_FINISHED = 20,
    HS_KEY_UPDATE = 24,
    HS_MESSAGE_HASH = 254,
};
const char *hs_type_name(uint8_t type);

/* Suite description. */
struct hs_suite {
    uint16_t id;
    enum cry_aead aead;
    enum cry_hash hash;
};
const struct hs_suite *hs_suite13(uint16_t id);

/* Begin and end a handshake message in w: returns a mark for hs_msg_end. */
size_t hs_msg_begin(struct wr *w, uint8_t type);
void hs_msg_end(struct wr *w, size_t mark);
/* hs_connected: the handshake is over (TLS 1.2 and 1.3): the connection is
 * established and the trace says so, naming the group used. */
void hs_connected(tern_conn *c, const char *group, const char *explain);
/* hs_send_certificate sends our chain: RFC 8446 §4.4.2 (with the request
 * context and no per-certificate extensions) or RFC 5246 §7.4.2. */
TERN_MUST_CHECK int hs_send_certificate(tern_conn *c, bool tls13, const uint8_t *context,
                                        size_t context_len);
/* hs_took_cert_request: the client's common end of a CertificateRequest
 * read (TLS 1.2 and 1.3): we owe a certificate; into the transcript. */
TERN_MUST_CHECK int hs_took_cert_request(tern_conn *c, const uint8_t *msg, size_t len);
/* hs_accept_finished compares the peer's Finished (got) with the one we
 * computed (want, n bytes) in constant time and, if they match, records the
 * proof and adds the message to the transcript (TLS 1.2 and 1.3). */
TERN_MUST_CHECK int hs_accept_finished(tern_conn *c, const uint8_t *want, const uint8_t *got,
                                       size_t n, const uint8_t *msg, size_t len);
/* hs_msg_send ends the message begun at mark and sends it (transcript
 * included); name says which message, should w have run out of room (a
 * fixed buffer) or memory (a growable one). w is the caller's to free. */
TERN_MUST_CHECK int hs_msg_send(tern_conn *c, struct wr *w, size_t mark, const char *name);

TERN_MUST_CHECK int hs13_send_certificate(tern_conn *c, const uint8_t *context, size_t context_len);
TERN_MUST_CHECK int hs13_send_certificate_verify(tern_conn *c);
TERN_MUST_CHECK int hs13_send_finished(tern_conn *c);
TERN_MUST_CHECK int hs13_recv_certificate(tern_conn *c, struct rd body, const uint8_t *msg,
                                          size_t len);
TERN_MUST_CHECK int hs13_recv_certificate_verify(tern_conn *c, struct rd body, const uint8_t *msg,
                                                 size_t len);
TERN_MUST_CHECK int hs13_recv_finished(tern_conn *c, struct rd body, const uint8_t *msg,
                                       size_t len);
/* Install handshake traffic keys after ServerHello (both sides). */
TERN_MUST_CHECK int hs13_handshake_keys(tern_conn *c, const uint8_t *dhe, size_t dhe_len);
/* Derive application secrets (after the server Finished is in the transcript). */
TERN_MUST_CHECK int hs13_master_keys(tern_conn *c);
/* Switch one direction to application keys. */
TERN_MUST_CHECK int hs13_install_app_keys(tern_conn *c, bool write);
/* The handshake completed: check proofs, wipe handshake secrets, trace. */
TERN_MUST_CHECK int hs13_complete(tern_conn *c);
/* pick a signature scheme for our key from the peer's list */
TERN_MUST_CHECK int hs13_pick_scheme(tern_conn *c, uint16_t *out);
/* supported_versions, supported_groups, signature_algorithms helpers */
bool hs_list_has(const uint16_t *list, size_t n, uint16_t v);
/* What tern knows among a peer's list values: a cipher suite it
 * implements (either version), a group it can use or must recognise, a
 * signature scheme it can verify or make. Unknown values are skipped, never
 * refused. */
bool hs_known_suite(uint16_t v);
bool hs_known_group(uint16_t v);
bool hs_known_scheme(uint16_t v);
/* hs_u16_list_keep reads every 16-bit value of list and keeps those known
 * accepts, once each, in the peer's order (at most cap: size out with
 * HS_KNOWN_MAX); returns how many values the list held. Constant work per
 * value. */
size_t hs_u16_list_keep(struct rd list, bool (*known)(uint16_t), uint16_t *out, size_t cap,
                        size_t *out_n);
/* hs_suites_text names the suites of list ("none" for an empty one), for
 * a sentence. */
void hs_suites_text(const uint16_t *list, size_t n, char *buf, size_t cap);
/* hs_read_u16_list: hs_u16_list_keep for a list that must be non-empty and
 * of even length (else decode_error naming `what`); *out_total (if given)
 * counts every value the peer sent. */
TERN_MUST_CHECK int hs_read_u16_list(tern_conn *c, struct rd list, const char *what,
                                     bool (*known)(uint16_t), uint16_t *out, size_t cap,
                                     size_t *out_n, size_t *out_total);
/* hs_read_sni_alpn (server): the ClientHello's server_name, and the ALPN
 * protocol chosen from its list in our order of preference. */
TERN_MUST_CHECK int hs_read_sni_alpn(tern_conn *c, const struct hs_exts *ext);
/* hs_read_alpn_list (server, both versions): the ClientHello's ALPN
 * extension body, checked whole (RFC 7301 §3.1: non-empty names that end
 * with the list; else decode_error); *out_list is its protocol_name_list. */
TERN_MUST_CHECK int hs_read_alpn_list(tern_conn *c, struct rd ext, struct rd *out_list);
/* hs_read_alpn_choice (client): the server's ALPN extension (in where:
 * ServerHello for 1.2, EncryptedExtensions for 1.3) names exactly one
 * protocol, one we offered; it becomes c->alpn. */
TERN_MUST_CHECK int hs_read_alpn_choice(tern_conn *c, struct rd ext, const char *where);
/* hs_write_alpn_choice (server): the ALPN extension naming the protocol
 * chosen, or nothing when alpn is empty. */
void hs_write_alpn_choice(struct wr *w, const char *alpn);
/* hs_send_certificate_verify signs content with our key under scheme and
 * sends the CertificateVerify message (both versions; explain is the
 * trace's sentence). */
TERN_MUST_CHECK int hs_send_certificate_verify(tern_conn *c, uint16_t scheme,
                                               const uint8_t *content, size_t clen,
                                               const char *explain);
/* hs_take_peer_certificates: a parsed Certificate message (both versions)
 * joins the transcript and is traced; the chain is verified, or an empty
 * one is refused with missing_code when this server requires one. */
TERN_MUST_CHECK int hs_take_peer_certificates(tern_conn *c, const struct rd *certs, size_t n,
                                              const uint8_t *msg, size_t len, int missing_code);

/* ---- config.c ---- */
void config_freeze(tern_config *cfg);
void config_ref(tern_config *cfg);
/* config_fail records a setter's failure in cfg->err and returns code. */
int config_fail(tern_config *cfg, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* config_check_mutable: TERN_OK (clearing cfg->err) until a connection used cfg. */
TERN_MUST_CHECK int config_check_mutable(tern_config *cfg);
/* config_slurp reads a whole file (a failure is recorded in cfg->err). */
char *config_slurp(tern_config *cfg, const char *path, size_t *out_len);
/* config_clear_certs drops every chain and key (hs/certs.c). */
void config_clear_certs(tern_config *cfg);
/* hs_cert_for_name: the chain a client naming host would get when nothing
 * else decides (exact name, then wildcard, then the first); NULL if none. */
const struct hs_cert *hs_cert_for_name(const tern_config *cfg, const char *host);
/* hs_server_pick_cert runs the server-name callback and sets c->cert for
 * this ClientHello (hs/certs.c; the rules are tern.h's), once c->server_name
 * and c->peer_sigs are read. suites12: the client's TLS 1.2 suites (NULL in
 * TLS 1.3). */
TERN_MUST_CHECK int hs_server_pick_cert(tern_conn *c, const struct hs_exts *ext,
                                        const uint16_t *suites12, size_t n_suites12);
/* hs_has_ca_names (server): a CertificateRequest would name authorities. */
bool hs_has_ca_names(const tern_conn *c);
/* hs_write_ca_names (server): the certificate_authorities list, u16
 * length-prefixed (empty when the configuration names none); names that
 * would take the list past 2^16-1 bytes are left out. */
TERN_MUST_CHECK int hs_write_ca_names(tern_conn *c, struct wr *w);
/* hs_keep_peer_ca_names (client): a server's list (contents), checked, kept
 * for tern_conn_peer_ca_name. */
TERN_MUST_CHECK int hs_keep_peer_ca_names(tern_conn *c, struct rd list);
/* hs_key_fits_scheme13: a TLS 1.3 signature with scheme fits key type k. */
bool hs_key_fits_scheme13(uint16_t scheme, enum cry_key_type k);
/* config_trust returns the trust store, loading the system bundle on first
 * use; NULL with err set when it cannot. */
struct x509_store *config_trust(tern_config *cfg, struct tern_err *err);

#endif
