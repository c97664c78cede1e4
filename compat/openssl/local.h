/* The objects behind OpenSSL's opaque SSL, SSL_CTX, SSL_METHOD, SSL_CIPHER
 * and SSL_SESSION in tern's libssl.so.3. OpenSSL's public headers give the
 * ABI (every export is declared by ssl.h, so a signature cannot drift);
 * tern is reached only through include/tern/. */
#ifndef TERN_COMPAT_LOCAL_H
#define TERN_COMPAT_LOCAL_H

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdint.h>

#include "tern/tern.h"

struct ssl_method_st {
    int role; /* -1 either (TLS_method), 0 client, 1 server */
};

struct ssl_cipher_st {
    uint16_t id;          /* the IANA code point */
    const char *name;     /* OpenSSL's name */
    const char *std_name; /* RFC name */
    uint16_t min_version; /* 0x0303 or 0x0304 */
    int bits;
};

#define COMPAT_MAX_GROUPS 8
/* plaintext held for SSL_pending: what one fill (a record and its header,
 * at most 17408 bytes fed) can open, twice over */
#define COMPAT_PEND      (2 * 17408)
#define COMPAT_MAX_CHAIN 10
#define COMPAT_WHY       320 /* room for a verification sentence */

/* an SSL_CTX's certificate of one key type (RSA, ECDSA, Ed25519) */
#define COMPAT_SLOTS 3
struct compat_slot {
    X509 *cert;
    STACK_OF(X509) * chain;
    EVP_PKEY *key;
};

struct ssl_ctx_st {
    int refs;
    const SSL_METHOD *method;
    CRYPTO_EX_DATA ex;
    X509_STORE *store;
    uint64_t options;
    long mode;
    int verify_mode;
    int verify_depth;
    SSL_verify_cb verify_cb;
    int min_version, max_version; /* 0: no limit */
    uint16_t suites13[3];         /* SSL_CTX_set_ciphersuites, in order */
    size_t n_suites13;            /* 0: tern's default */
    uint16_t suites12[6];         /* SSL_CTX_set_cipher_list naming suites one by one */
    size_t n_suites12;            /* 0: tern's default */
    uint16_t groups[COMPAT_MAX_GROUPS];
    size_t n_groups; /* 0: tern's default list */
    unsigned char *alpn;
    size_t alpn_len;
    long sess_cache_mode, sess_cache_size, timeout;
    struct compat_slot slot[COMPAT_SLOTS]; /* certs.c: one per key type */
    int cur;                               /* the current slot */
    STACK_OF(X509) * extra_certs;          /* SSL_CTX_add_extra_chain_cert */
    pem_password_cb *passwd_cb;
    void *passwd_arg;
    SSL_CTX_keylog_cb_func keylog_cb;
    int (*sni_cb)(SSL *s, int *al, void *arg); /* the servername callback */
    int (*sess_new_cb)(SSL *s, SSL_SESSION *sess);
    void *sni_arg;
    int (*status_cb)(SSL *s, void *arg); /* OCSP stapling: kept, never called */
    void *status_arg;
    int read_ahead; /* SSL_CTX_set_read_ahead: kept and reported */
    /* server.c: what a server's connections share */
    SSL_SESSION *(*sess_get_cb)(SSL *s, const unsigned char *id, int len, int *copy);
    void (*sess_remove_cb)(SSL_CTX *ctx, SSL_SESSION *sess);
    void (*msg_cb)(int write_p, int version, int content_type, const void *buf, size_t len,
                   SSL *ssl, void *arg);
    void *msg_arg;
    int (*cert_cb)(SSL *s, void *arg);
    void *cert_arg;
    SSL_CTX_alpn_select_cb_func alpn_select_cb;
    void *alpn_select_arg;
    int (*ticket_key_cb)(SSL *s, unsigned char *name, unsigned char *iv, EVP_CIPHER_CTX *cctx,
                         HMAC_CTX *hctx, int enc);
    STACK_OF(X509_NAME) * client_ca;
    unsigned char sid_ctx[SSL_MAX_SID_CTX_LENGTH];
    unsigned int sid_ctx_len;
    /* the ticket secret, drawn at SSL_CTX_new: processes forked after it
     * (nginx's workers) open each other's tickets */
    uint8_t ticket_secret[48];
    /* one tern configuration for the server connections of this SSL_CTX,
     * built at the first one and again after a setting changed (gen) */
    CRYPTO_RWLOCK *lock;
    tern_config *srv_cfg;
    unsigned gen, srv_gen;
};

struct ssl_st {
    int refs;
    SSL_CTX *ctx;
    SSL_CTX *session_ctx; /* SSL_new's: sessions and tickets stay its own (SSL_set_SSL_CTX) */
    CRYPTO_EX_DATA ex;
    int server; /* -1 not chosen yet */
    BIO *rbio, *wbio;
    uint64_t options;
    long mode;
    int verify_mode;
    int verify_depth;
    SSL_verify_cb verify_cb;
    void *msg_arg; /* the message callback's argument */
    int min_version, max_version;
    char *host;           /* a client's SNI and the name verified */
    char *sni_name;       /* a server's: the name the client sent */
    SSL_SESSION *session; /* a client's: set to resume, then the newest tern gave */
    SSL_SESSION *offered; /* a client's: the session offered to tern (client.c) */
    int alert_received;   /* a client's: the first fatal alert from the server (client.c) */
    tern_config *cfg;
    tern_conn *conn;
    int rwstate;  /* SSL_NOTHING, SSL_READING, SSL_WRITING */
    int shutdown; /* SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN */
    int quiet_shutdown;
    int got_close;     /* close_notify received: SSL_ERROR_ZERO_RETURN */
    int failed;        /* an error was queued: SSL_ERROR_SSL */
    int sys_failed;    /* the BIO failed without retry: SSL_ERROR_SYSCALL */
    int write_pending; /* an SSL_write was queued whole, not yet all sent */
    int close_flushed; /* our close_notify went out (SSL_shutdown returned 0) */
    long verify_result;
    int store_checked, store_ok; /* the chain was verified against the store */
    char *store_why;             /* COMPAT_WHY bytes, allocated at the first verification */
    /* plaintext opened by tern, not yet read: SSL_pending */
    size_t pend_off, pend_len;
    uint8_t *pend;  /* COMPAT_PEND bytes, from the first read on */
    size_t pend_hi; /* how far into pend plaintext was ever written (wiped on free) */
    /* the record being read from rbio (ssl.c's fill): its header, whether
     * tern has it yet, and how much of its body is still to come */
    uint8_t rhdr[5];
    size_t rhdr_len;
    int rhdr_fed;
    size_t rbody_left;
    int bulk; /* read-ahead (SSL_CTX_set_read_ahead): whole reads go to tern, from then on */
    X509 *peer;
    STACK_OF(X509) * peer_chain;
    STACK_OF(X509) * verified; /* SSL_get0_verified_chain: the path, leaf first */
    uint16_t peer_groups[32];  /* a server's: the client's supported_groups (SSL_get1_groups) */
    size_t n_peer_groups;
    /* the SSL's own certificate (SSL_use_certificate, SSL_set0_chain,
     * SSL_use_PrivateKey: nginx's certificate callback), over the SSL_CTX's */
    X509 *own_cert;
    STACK_OF(X509) * own_chain;
    EVP_PKEY *own_key;
};

/* compat_changed marks an SSL_CTX setting changed: the next server
 * connection builds its tern configuration again. */
#define compat_changed(ctx) ((void)__atomic_add_fetch(&(ctx)->gen, 1, __ATOMIC_RELAXED))

/* compat_current: the SSL whose tern call is running on this thread. tern's
 * callbacks run inside the tern calls an SSL function makes (feed, read,
 * write, close), so they find their SSL here; a configuration shared by an
 * SSL_CTX's connections serves them all. */
SSL *compat_current(void);

/* ssl.c: what every tern configuration of this layer gets from the SSL_CTX
 * (versions, groups, suites, key log, message callback, verification
 * through the X509_STORE); the certificate is the caller's to add: the
 * SSL_CTX's (compat_add_own_chains, certs.c) or another (compat_add_chain) */
int compat_config_common(tern_config *cfg, SSL_CTX *ctx, int min_version, int max_version,
                         uint64_t options);

/* server.c: the tern configuration for a server SSL (referenced: the
 * caller frees it), shared by the SSL_CTX's connections when the SSL's
 * settings are the SSL_CTX's; NULL with an ERR entry queued */
tern_config *compat_server_config(SSL *s);
/* compat_free_server frees what server.c keeps in an SSL_CTX */
void compat_free_server(SSL_CTX *ctx);

/* tickets.c: the ticket key callback as tern's ticket-sealing hook, in
 * OpenSSL's ticket format; seal returns 1 when it made a ticket, open a
 * tern_ticket_open value */
int compat_ticket_hook(tern_config *cfg, SSL_CTX *ctx);
int compat_ticket_seal(SSL_CTX *ctx, SSL *s, const uint8_t *state, size_t len, uint8_t *out,
                       size_t cap, size_t *out_len);
int compat_ticket_open(SSL_CTX *ctx, SSL *s, const uint8_t *ticket, size_t len, uint8_t *out,
                       size_t cap, size_t *out_len);

/* err.c */
void compat_err_init(void);
/* compat_fail queues an ERR entry (library SSL, reason, tern's sentence as
 * the data) naming the calling function. */
#define compat_fail(reason, ...)                                                                   \
    (ERR_new(), ERR_set_debug(OPENSSL_FILE, OPENSSL_LINE, __func__),                               \
     ERR_set_error(ERR_LIB_SSL, (reason), __VA_ARGS__))
/* compat_unsupported: what a function tern does not offer does (fails
 * loudly). */
#define COMPAT_R_UNSUPPORTED 1500 /* our own reason: a function tern does not offer */
#define compat_unsupported()                                                                       \
    compat_fail(COMPAT_R_UNSUPPORTED, "%s is not supported by tern's libssl", __func__)

/* alpn.c: compat_alpn_valid checks a wire-format list (non-empty, every
 * name non-empty and within len); compat_alpn_split copies up to cap names
 * (OPENSSL_free each) and returns how many (0 for a malformed list). */
int compat_alpn_valid(const unsigned char *wire, size_t len);
size_t compat_alpn_split(const unsigned char *wire, size_t len, char **names, size_t cap);

/* session.c: tern's session callback on a client; the session set with
 * SSL_set_session offered to tern */
void compat_session_seen(void *arg, const char *server_name, const uint8_t *blob, size_t len);
int compat_session_offer(SSL *s);
/* compat_session_set_peer gives a client session the server's chain
 * (owned from then on) and the verification result; compat_session_peer
 * reads them back (the chain borrowed, NULL for none) */
void compat_session_set_peer(SSL_SESSION *ss, STACK_OF(X509) * chain, long verify_result);
STACK_OF(X509) * compat_session_peer(const SSL_SESSION *ss, long *verify_result);

/* client.c: a client's peer as OpenSSL reports it, from the resumed
 * session when the connection resumed one. compat_client_keep_peer stores
 * the peer's chain and verdict in a new session; compat_peer_count and
 * compat_peer_cert (a new reference) read the peer's chain;
 * compat_resumed_verdict sets s's verify result from the resumed session
 * (1), or does nothing (0) when none was resumed. */
void compat_client_keep_peer(SSL *s, SSL_SESSION *ss);
size_t compat_peer_count(const SSL *s);
X509 *compat_peer_cert(const SSL *s, size_t i);
int compat_resumed_verdict(SSL *s);
/* compat_client_config: the client-only settings of s's configuration
 * (SSL_OP_NO_TICKET: no TLS 1.2 tickets asked for); 0 with an ERR entry
 * on failure */
int compat_client_config(SSL *s);
/* compat_verify_host: the host name a client's verification checks, NULL
 * for none (client.c) */
const char *compat_verify_host(X509_STORE *st);
/* compat_alert_reason: OpenSSL's reason for a client that received a fatal
 * alert (SSL_AD_REASON_OFFSET + its number), else reason;
 * compat_alert_strings registers their words (client.c) */
int compat_alert_reason(const SSL *s, int reason);
void compat_alert_strings(void);

/* certs.c: the SSL_CTX's certificate slots */
void compat_certs_free(SSL_CTX *ctx);
int compat_has_cert(const SSL_CTX *ctx);
long compat_chain_ctrl(SSL_CTX *ctx, int cmd, long larg, void *parg); /* -1: not one of its */
int compat_add_own_chains(tern_config *cfg, const SSL_CTX *ctx);
int compat_add_chain(tern_config *cfg, X509 *cert, STACK_OF(X509) * chain, EVP_PKEY *pkey);

/* extras.c: the ctrl commands beyond the core's (stapling, groups); each
 * returns 1 when it handled cmd (its answer in *ret) */
int compat_ctx_ctrl_more(SSL_CTX *ctx, int cmd, long larg, void *parg, long *ret);
int compat_ssl_ctrl_more(SSL *s, int cmd, long larg, void *parg, long *ret);
int compat_ctx_callback_ctrl_more(SSL_CTX *ctx, int cmd, void (*fp)(void));
/* extras.c: the version range for tern (see there) */
void compat_versions(uint64_t options, int min, int max, uint16_t *lo, uint16_t *hi);
/* a server's session as tern's store hands it over (blob NULL: the ID
 * alone), and what it holds for the store (NULL for a client's) */
SSL_SESSION *compat_server_session(const uint8_t *id, size_t id_len, const uint8_t *blob,
                                   size_t len);
const uint8_t *compat_server_session_blob(const SSL_SESSION *ss, size_t *len);
/* compat_server_session_fresh: a server's session for a handshake that
 * went to no store (sealed tickets, or none): a random 32-byte ID and no
 * blob, so SSL_get0_session answers after every server handshake, as
 * OpenSSL's does (nginx passes it to its cache's remove call); made when
 * SSL_get_session or SSL_get1_session first asks */
SSL_SESSION *compat_server_session_fresh(void);

/* cipher.c */
const SSL_CIPHER *compat_cipher(uint16_t id);
/* compat_suites: the suite list for tern from the SSL_CTX's choices (each
 * version's own, or tern's defaults for that version); 0 when neither was
 * narrowed (tern's defaults stand). */
size_t compat_suites(const SSL_CTX *ctx, uint16_t *out, size_t cap);
int compat_group_from_name(const char *name, size_t len, uint16_t *out);
/* extras.c: a group name tern or OpenSSL knows (tern's names, libcrypto's
 * curve and group names, NIST's P-256 style) */
int compat_group_known(const char *name, size_t len);
/* extras.c: a server's OpenSSL reason for tern's status (see there) */
int compat_status_reason(const SSL *s, int st, int reason);

#endif
