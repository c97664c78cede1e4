/* tern — a TLS 1.3 and TLS 1.2 library.
 *
 * Two levels:
 *   - the sans-I/O connection (tern_conn_*): fed network bytes, hands back
 *     bytes to send, reads and writes plaintext; it never touches a socket;
 *   - the easy level (tern_connect, tern_accept, tern_read, ...): the same
 *     connection bound to a blocking or non-blocking socket descriptor.
 *
 * Every call returns a tern_status (0 = TERN_OK). A failed connection keeps
 * its first error; tern_conn_error() gives the sentence naming what was
 * wrong, the step, and the alert sent or received. */
#ifndef TERN_TERN_H
#define TERN_TERN_H

#include "tern/status.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_VERSION_STRING "0.1.0"

/* Protocol versions (wire values). */
#define TERN_TLS12 0x0303
#define TERN_TLS13 0x0304

/* Cipher suites (wire values). */
#define TERN_TLS_AES_128_GCM_SHA256       0x1301
#define TERN_TLS_AES_256_GCM_SHA384       0x1302
#define TERN_TLS_CHACHA20_POLY1305_SHA256 0x1303
/* TLS 1.2 (RFC 5289, RFC 7905, RFC 5288). The RSA key transport suites are
 * never on by default: list them with tern_config_set_cipher_suites or call
 * tern_config_enable_rsa_key_transport. */
#define TERN_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256       0xc02b
#define TERN_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384       0xc02c
#define TERN_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256         0xc02f
#define TERN_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384         0xc030
#define TERN_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256   0xcca8
#define TERN_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 0xcca9
#define TERN_TLS_RSA_WITH_AES_128_GCM_SHA256               0x009c
#define TERN_TLS_RSA_WITH_AES_256_GCM_SHA384               0x009d

/* Named groups (wire values). */
#define TERN_GROUP_SECP256R1      0x0017
#define TERN_GROUP_SECP384R1      0x0018
#define TERN_GROUP_X25519         0x001d
#define TERN_GROUP_X25519MLKEM768 0x11ec

/* Signature schemes (wire values). */
#define TERN_SIG_RSA_PKCS1_SHA256       0x0401
#define TERN_SIG_RSA_PKCS1_SHA384       0x0501
#define TERN_SIG_RSA_PKCS1_SHA512       0x0601
#define TERN_SIG_ECDSA_SECP256R1_SHA256 0x0403
#define TERN_SIG_ECDSA_SECP384R1_SHA384 0x0503
#define TERN_SIG_ECDSA_SECP521R1_SHA512 0x0603
#define TERN_SIG_RSA_PSS_RSAE_SHA256    0x0804
#define TERN_SIG_RSA_PSS_RSAE_SHA384    0x0805
#define TERN_SIG_RSA_PSS_RSAE_SHA512    0x0806
#define TERN_SIG_ED25519                0x0807
#define TERN_SIG_RSA_PSS_PSS_SHA256     0x0809
#define TERN_SIG_RSA_PSS_PSS_SHA384     0x080a
#define TERN_SIG_RSA_PSS_PSS_SHA512     0x080b

/* tern_set_allocator replaces malloc/free for everything tern allocates
 * itself (not libcrypto's own allocations). Call it before creating any
 * object; pass NULL, NULL to restore the C library's. */
int tern_set_allocator(void *(*malloc_fn)(size_t n, void *arg), void (*free_fn)(void *p, void *arg),
                       void *arg);

/* Names for display: static strings, "unknown" for values tern does not know. */
const char *tern_version_name(uint16_t version);
const char *tern_suite_name(uint16_t suite);
const char *tern_group_name(uint16_t group);
const char *tern_sig_scheme_name(uint16_t scheme);

/* ---------------------------------------------------------------------
 * Configuration
 *
 * A configuration carries everything a connection needs to know before it
 * starts. It is reference counted: each connection holds a reference, and
 * it becomes read-only when the first connection uses it, after which it
 * may be shared between threads. Setters on a used configuration return
 * TERN_E_ARG. Defaults are secure: TLS 1.3 and 1.2 (ECDHE, AEAD only),
 * X25519MLKEM768 first, certificate and host name verification on against
 * the system trust bundle. */
typedef struct tern_config tern_config;
typedef struct tern_conn tern_conn;

/* tern_config_new returns a configuration with secure defaults, or NULL when
 * out of memory. Release it with tern_config_free. */
tern_config *tern_config_new(void);
/* tern_config_free drops the caller's reference. */
void tern_config_free(tern_config *cfg);
/* tern_config_ref takes one more reference (each needs a tern_config_free)
 * and returns cfg. Connections hold their own: a server swaps in a new
 * configuration (certificate reload) by making its next connections with it
 * and freeing its handle on the old one; connections in flight keep theirs. */
tern_config *tern_config_ref(tern_config *cfg);
/* tern_config_error returns the sentence for the last failed setter, or
 * NULL. Owned by cfg. */
const char *tern_config_error(const tern_config *cfg);

/* tern_config_set_versions limits the protocol versions (TERN_TLS12,
 * TERN_TLS13). The default is TLS 1.2 to TLS 1.3: HTTPS still meets servers
 * and clients that stop at 1.2, and with the 1.2 defaults (ECDHE, AEAD,
 * extended master secret required, no renegotiation or compression) that
 * costs little; 1.3 is chosen whenever both sides have it, and the RFC 8446
 * downgrade sentinel catches anyone removing it on the way. Anything below
 * TLS 1.2 is refused. */
int tern_config_set_versions(tern_config *cfg, uint16_t min_version, uint16_t max_version);
/* The lists are in preference order; unknown values are an error. */
int tern_config_set_cipher_suites(tern_config *cfg, const uint16_t *suites, size_t n);
/* tern_config_enable_rsa_key_transport adds (on != 0) or removes the TLS 1.2
 * RSA key transport suites TLS_RSA_WITH_AES_128_GCM_SHA256 and
 * _AES_256_GCM_SHA384 at the end of the suite list. They have no forward
 * secrecy and are never on by default; enable them only for legacy peers
 * that cannot do ECDHE. A server decrypts the pre-master secret in constant
 * time and, on bad padding, goes on with a random one (RFC 5246 §7.4.7.1),
 * so the peer cannot tell the two apart (Bleichenbacher). */
int tern_config_enable_rsa_key_transport(tern_config *cfg, int on);
int tern_config_set_groups(tern_config *cfg, const uint16_t *groups, size_t n);
int tern_config_set_signature_schemes(tern_config *cfg, const uint16_t *schemes, size_t n);

/* Certificates. A configuration holds up to 16 chains, each with its
 * private key: ECDSA, RSA and Ed25519 chains for the same names, and chains
 * for different names. For each ClientHello a server chooses (after the
 * server-name callback, if any): first the chains whose leaf names the
 * client's SNI exactly, else those that cover it by a wildcard, else all;
 * among those, the first whose key can sign with a scheme the client offers
 * (TLS 1.3 signature_algorithms; TLS 1.2 also a cipher suite the key fits),
 * preferring one whose leaf's own signature is in signature_algorithms_cert;
 * else the first of them. A client presents its first chain when a server
 * asks (mutual TLS).
 *
 * Keys may be PKCS#8 (also encrypted: "ENCRYPTED PRIVATE KEY"), SEC1 or
 * PKCS#1 PEM (also traditional encrypted PEM), or DER. Each call checks that
 * the key belongs to the chain's leaf. The texts are copied; the caller
 * keeps ownership of what it passed. All of these fail with TERN_E_ARG once
 * a connection has used the configuration.
 *
 * tern_config_set_cert_chain_* replace every chain with this one;
 * tern_config_add_cert_chain_* add one more (TERN_E_LIMIT past 16). */
int tern_config_set_cert_chain_file(tern_config *cfg, const char *chain_path, const char *key_path);
int tern_config_set_cert_chain_pem(tern_config *cfg, const char *chain_pem, size_t chain_len,
                                   const char *key_pem, size_t key_len);
int tern_config_add_cert_chain_file(tern_config *cfg, const char *chain_path, const char *key_path);
int tern_config_add_cert_chain_pem(tern_config *cfg, const char *chain_pem, size_t chain_len,
                                   const char *key_pem, size_t key_len);
/* tern_config_add_cert_chain_der: n certificates as DER (certs[0] the
 * leaf), and the key as DER (PKCS#8, or SEC1/PKCS#1). */
int tern_config_add_cert_chain_der(tern_config *cfg, const uint8_t *const *certs,
                                   const size_t *cert_lens, size_t n, const uint8_t *key_der,
                                   size_t key_len);
/* tern_config_cert_count: the chains the configuration holds. */
size_t tern_config_cert_count(const tern_config *cfg);

/* A password for encrypted private keys: cb writes it into buf (at most
 * cap bytes, no terminator needed) and returns its length, or -1 to refuse.
 * Called during tern_config_*_cert_chain_* only, on the caller's thread;
 * tern wipes buf after use. Without a callback an encrypted key fails with
 * "the key is encrypted: a password is needed". */
typedef int (*tern_password_cb)(void *arg, char *buf, size_t cap);
void tern_config_set_key_password_callback(tern_config *cfg, tern_password_cb cb, void *arg);

/* What a server-name callback learns of the ClientHello. Every pointer is
 * valid during the call only. */
struct tern_client_hello_info {
    const char *server_name;  /* the SNI host name, or NULL when none was sent */
    const uint8_t *alpn;      /* the ALPN ProtocolNameList as sent (length-prefixed names) */
    size_t alpn_len;          /* 0: no ALPN offered */
    const uint16_t *versions; /* offered versions tern speaks, the client's order */
    size_t n_versions;
    const uint16_t *sig_schemes; /* signature_algorithms tern knows, the client's order */
    size_t n_sig_schemes;
    /* supported_groups as sent, known to tern or not, the client's order
     * (at most the first TERN_HELLO_GROUPS_MAX); 0 when the extension is
     * absent */
    const uint16_t *groups;
    size_t n_groups;
};
#define TERN_HELLO_GROUPS_MAX 64
/* What a server-name callback decides. */
enum tern_sni_verdict {
    TERN_SNI_CONTINUE = 0,          /* go on (after tern_conn_use_config, perhaps) */
    TERN_SNI_UNRECOGNIZED_NAME = 1, /* refuse: unrecognized_name alert */
    TERN_SNI_HANDSHAKE_FAILURE = 2, /* refuse: handshake_failure alert */
};
/* tern_config_set_server_name_callback: cb is called on the server for
 * every ClientHello, with or without SNI (a server may refuse clients that
 * name no host), before the certificate is chosen. It runs on the thread
 * driving the connection; it may call tern_conn_use_config. */
typedef enum tern_sni_verdict (*tern_server_name_cb)(void *arg, tern_conn *c,
                                                     const struct tern_client_hello_info *info);
void tern_config_set_server_name_callback(tern_config *cfg, tern_server_name_cb cb, void *arg);
/* certificate_authorities (RFC 8446 §4.2.4; TLS 1.2's CertificateRequest):
 * a server asking for client certificates may name the CAs it accepts, so
 * a client with several certificates can pick. tern_config_add_client_ca_name
 * adds one name (a DER Name, as a certificate's subject); with
 * tern_config_send_client_ca_names(cfg, 1) the subjects of the
 * configuration's trust anchors are sent too (at most what fits 65,535
 * bytes). A client reads what the server sent with tern_conn_peer_ca_count
 * and tern_conn_peer_ca_name (the DER, valid while c lives). */
int tern_config_add_client_ca_name(tern_config *cfg, const uint8_t *name_der, size_t len);
int tern_config_send_client_ca_names(tern_config *cfg, int on);
size_t tern_conn_peer_ca_count(const tern_conn *c);
int tern_conn_peer_ca_name(const tern_conn *c, size_t i, const uint8_t **der, size_t *len);

/* tern_conn_use_config, from a server-name callback only: this connection
 * takes its certificate from other's chains instead (what OpenSSL's
 * SSL_set_SSL_CTX does there), and the CA names a CertificateRequest sends
 * (certificate_authorities) from other too. The connection holds a
 * reference on other until it is freed. Everything else (versions, suites,
 * tickets, the client-certificate policy) stays the connection's own
 * configuration's. TERN_E_ARG outside the callback or when other has no
 * certificate. */
int tern_conn_use_config(tern_conn *c, tern_config *other);

/* Keys tern cannot see (an HSM, a PKCS#11 token, a remote signer): the
 * chain's leaf gives the public key, and the application signs (and, for
 * TLS 1.2 RSA key transport, decrypts) through callbacks. */
struct tern_key_ops {
    /* sign signs input (len bytes: the whole content to be signed, not a
     * digest) under scheme (TERN_SIG_*: it names the hash and padding; RSA-PSS
     * with a salt as long as the hash) and writes the signature into sig
     * (cap bytes: 1024) and its length into *sig_len. Returns TERN_OK;
     * TERN_WANT_ASYNC to answer later with tern_conn_key_done (the input
     * stays valid only during the call: copy it); anything else fails the
     * handshake (internal_error). Answering later works for a TLS 1.3
     * CertificateVerify (a server's, or a client's in mutual TLS); in TLS
     * 1.2 (ServerKeyExchange, a client's CertificateVerify) sign must
     * answer at once. */
    int (*sign)(void *arg, tern_conn *c, uint16_t scheme, const uint8_t *input, size_t len,
                uint8_t *sig, size_t cap, size_t *sig_len);
    /* decrypt (may be NULL: then no RSA key transport) undoes PKCS#1 v1.5
     * encryption of a TLS 1.2 pre-master secret: writes the plaintext into
     * out (cap 48) and its length into *out_len, and returns TERN_OK; any
     * other answer, or a length other than 48, and tern goes on with a
     * random secret (the handshake then fails at Finished, RFC 5246
     * §7.4.7.1), so a peer learns nothing from the padding. It answers at
     * once. */
    int (*decrypt)(void *arg, tern_conn *c, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                   size_t *out_len);
    void *arg;
};
/* tern_config_add_cert_chain_external adds a PEM chain (leaf first) whose
 * private key the application holds; a copy of *ops is kept (arg must
 * outlive the configuration). The callbacks run on the thread driving the
 * connection, possibly for several connections at once. */
int tern_config_add_cert_chain_external(tern_config *cfg, const char *chain_pem, size_t chain_len,
                                        const struct tern_key_ops *ops);
/* tern_conn_key_done hands in the signature a sign callback promised
 * (TERN_WANT_ASYNC): sig (len bytes, at most 1024), or NULL/0 when signing
 * failed (the handshake then fails with internal_error). Call it on the
 * thread that drives c (a signer on another thread hands its result over),
 * then go on as usual: the handshake's next flight is queued (sans-I/O:
 * tern_conn_output) or, on a socket, sent by the next tern_handshake. While
 * the answer is awaited tern_conn_wants says TERN_WANTS_ASYNC, bytes fed
 * are kept for later, and tern_handshake/tern_read return TERN_WANT_ASYNC.
 * TERN_E_ARG when no answer is awaited. */
int tern_conn_key_done(tern_conn *c, const uint8_t *sig, size_t len);

/* tern_config_check_cert judges the configuration's own certificate chain
 * as a peer would, leaving out only whether the peer trusts its root: each
 * certificate's validity dates at `at` (Unix seconds; 0 means now), the
 * leaf's rules for a TLS server (for_server != 0: serverAuth) or client
 * (clientAuth), and, when name is not NULL, that the leaf covers name (a DNS
 * name or an IP address). Returns TERN_OK, or the status a peer would fail
 * with and, in why, the sentence it would give ("" on success). A server
 * can warn at start-up instead of failing every handshake. cfg is only
 * read: this works on a configuration in use. */
int tern_config_check_cert(const tern_config *cfg, const char *name, int for_server, int64_t at,
                           char *why, size_t why_cap);

/* Trust anchors. Without a call, the system bundle
 * (/etc/ssl/certs/ca-certificates.crt) is loaded when first needed. The
 * first call replaces the default; later calls add to it. */
int tern_config_add_trust_file(tern_config *cfg, const char *path);
int tern_config_add_trust_pem(tern_config *cfg, const char *pem, size_t len);

/* tern_config_insecure_skip_verify_DANGEROUS turns off certificate and name
 * verification of the peer. Anyone on the path can then read and change the
 * traffic. For tests against throwaway peers only. */
int tern_config_insecure_skip_verify_DANGEROUS(tern_config *cfg, int on);

/* Certificate validation profiles for the peer's chain. */
enum tern_verify_profile {
    /* The web PKI (default): RFC 5280 as browsers and the CA/B Forum Baseline
     * Requirements narrow it: serverAuth/clientAuth in the leaf's
     * extKeyUsage, no CA certificate as leaf, RSA of 2048 bits or more, a
     * subject CN that copies a subjectAltName, no wildcard over a public
     * suffix (Public Suffix List, ICANN section). */
    TERN_VERIFY_WEB = 0,
    /* Plain RFC 5280 §6, for private PKIs: a leaf without extKeyUsage serves
     * any purpose, anyExtendedKeyUsage is honoured, a CA certificate may be
     * the leaf, no CA/B Forum rules. */
    TERN_VERIFY_RFC5280 = 1,
};
/* tern_config_set_verify_profile chooses the rules the peer's chain is
 * validated under (the purpose follows the role: serverAuth for a server's
 * chain, clientAuth for a client's). Names chain by RFC 5280 §7.1 in both. */
int tern_config_set_verify_profile(tern_config *cfg, enum tern_verify_profile profile);

/* ALPN protocol names in preference order ("h2", "http/1.1"). */
int tern_config_set_alpn(tern_config *cfg, const char *const *protocols, size_t n);

/* The ALPN selection callback (server), for a server that chooses by more
 * than a fixed preference order (the host name, the client's order, a
 * protocol it adds at run time). cb sees the client's protocol names in
 * the client's order (at most the first TERN_ALPN_CB_MAX; names holding a
 * NUL byte are left out), each a NUL-terminated copy valid during the call,
 * and returns the index of its choice, TERN_ALPN_NOACK to go on without
 * ALPN (no extension in the answer), or TERN_ALPN_REFUSE to end the
 * handshake with a no_application_protocol alert (RFC 7301 §3.2). Any other
 * value is taken as TERN_ALPN_REFUSE. It is called for each ClientHello
 * that carries ALPN (TLS 1.3 and 1.2), after the SNI is read and before the
 * server-name callback, on the thread driving the connection; it may read
 * c (tern_conn_server_name). With a callback, tern_config_set_alpn's list is
 * not used by a server (a client still offers it). NULL removes it. */
#define TERN_ALPN_CB_MAX 64
#define TERN_ALPN_NOACK  (-1)
#define TERN_ALPN_REFUSE (-2)
typedef int (*tern_alpn_select_cb)(void *arg, tern_conn *c, const char *const *protocols, size_t n);
int tern_config_set_alpn_select_callback(tern_config *cfg, tern_alpn_select_cb cb, void *arg);

enum tern_client_auth {
    TERN_CLIENT_AUTH_NONE = 0,
    TERN_CLIENT_AUTH_OPTIONAL = 1,
    TERN_CLIENT_AUTH_REQUIRED = 2,
    /* ask; the handshake completes whatever the certificate (none, untrusted,
     * expired): the application reads tern_conn_peer_verdict and decides
     * (nginx's `ssl_verify_client optional_no_ca`). A client that sends a
     * certificate must still prove it holds its key (CertificateVerify). */
    TERN_CLIENT_AUTH_OPTIONAL_REPORT_ONLY = 3,
};
/* tern_config_set_client_auth: a server's policy for client certificates,
 * verified against the configuration's trust anchors for clientAuth:
 * none (not asked for), optional (verified if sent), required, or optional,
 * report only. */
int tern_config_set_client_auth(tern_config *cfg, enum tern_client_auth policy);
/* tern_conn_set_client_auth, from a server-name callback only: this
 * connection's client-certificate policy (tern_config_set_client_auth's
 * values), for a server whose virtual hosts differ in it. TERN_E_ARG
 * outside the callback or on a client. */
int tern_conn_set_client_auth(tern_conn *c, enum tern_client_auth policy);

/* ---------------------------------------------------------------------
 * Resumption (RFC 8446 §2.2): tickets and sessions. */

/* Server: tickets are sealed with keys derived from a ticket secret; a fresh
 * random one by default. Give several server processes the same secret
 * (tern_config_set_ticket_key_file) and they resume each other's sessions.
 * Keys rotate every rotation_s seconds; a ticket opens during its own key's
 * interval and the next one (and a TLS 1.2 client that resumes with one
 * under the previous key gets a fresh ticket). count = 0 turns tickets off;
 * after a resumed TLS 1.3 handshake one ticket is sent, replacing the one
 * spent. Defaults: 2
 * tickets, 86400 s lifetime and rotation. With a session store (below),
 * count and lifetime also govern stateful tickets, and lifetime is how long
 * the store's sessions (TLS 1.2 IDs too) resume. */
/* The ticket secret also keys the HelloRetryRequest cookie (RFC 8446
 * §4.2.2): a server that asks for a second ClientHello keeps nothing in
 * between; its choices and the hash of the first ClientHello travel sealed
 * (AES-256-GCM) in the cookie, for 30 s. So servers sharing a ticket key
 * also take each other's second ClientHellos, and a second ClientHello
 * completes on a fresh server connection. A cookie that does not
 * authenticate, or has expired, fails with illegal_parameter; a second
 * ClientHello without it, with missing_extension. */
int tern_config_set_ticket_key(tern_config *cfg, const uint8_t *secret, size_t len);
/* The file holds 32 to 64 bytes of secret, as hex (whitespace ignored). */
int tern_config_set_ticket_key_file(tern_config *cfg, const char *path);
/* On a client, count = 0 takes no TLS 1.2 tickets: its ClientHello has no
 * session_ticket extension, so TLS 1.2 resumes by session ID only (what
 * OpenSSL's SSL_OP_NO_TICKET does on a client); TLS 1.3 tickets are taken
 * whatever the count. */
int tern_config_set_tickets(tern_config *cfg, unsigned count, uint32_t lifetime_s,
                            uint32_t rotation_s);

/* ---------------------------------------------------------------------
 * External pre-shared keys (RFC 8446 §2.2, §4.2.11): both ends hold an
 * identity and a key, agreed out of band, and authenticate each other by
 * it instead of certificates (TLS 1.3 only). The PSK's binder is checked in
 * constant time; a fresh (EC)DHE exchange is mixed in (psk_dhe_ke) unless
 * both ends allow psk_ke (tern_config_set_psk_ke). A client offers its PSK
 * in every ClientHello, before any ticket it holds (which it then does not
 * offer); a server uses it when the client's identity matches one it
 * knows and the suite it chose has the PSK's hash (else it goes on with a
 * certificate, if it has one). A server with a PSK needs no certificate:
 * without one, a client with no known identity fails with
 * handshake_failure. Interoperates with OpenSSL (-psk HEX -psk_identity ID:
 * SHA-256) and GnuTLS (--pskusername/--pskkey, a priority with +ECDHE-PSK
 * or +PSK). */
#define TERN_PSK_IDENTITY_MAX 256
#define TERN_PSK_KEY_MAX      64
#define TERN_PSK_KEY_MIN      16
enum tern_psk_hash {
    TERN_PSK_SHA256 = 1, /* the suites of SHA-256: TLS_AES_128_GCM_SHA256, TLS_CHACHA20_... */
    TERN_PSK_SHA384 = 2, /* TLS_AES_256_GCM_SHA384 */
};
/* tern_config_set_psk: the identity (1 to TERN_PSK_IDENTITY_MAX bytes, any
 * bytes) and key (TERN_PSK_KEY_MIN to TERN_PSK_KEY_MAX bytes: shorter keys
 * can be guessed offline from a recorded binder) with its hash. Copied; a
 * client offers it, a server accepts it. TERN_E_ARG otherwise or on a
 * configuration in use. */
int tern_config_set_psk(tern_config *cfg, const uint8_t *identity, size_t identity_len,
                        const uint8_t *key, size_t key_len, enum tern_psk_hash hash);
/* A server's lookup: cb writes the key for identity (the client's bytes,
 * 1 to TERN_PSK_IDENTITY_MAX of them, anything at all) into key (cap is
 * TERN_PSK_KEY_MAX), its hash into *hash, and returns its length; 0 for an
 * unknown identity (a length outside TERN_PSK_KEY_MIN..TERN_PSK_KEY_MAX is
 * taken as 0). tern wipes key after use. Called on the thread driving the
 * connection, for each identity offered until one is known; it may read c
 * (tern_conn_server_name). tern_config_set_psk's identity, if any, is
 * tried first. */
typedef size_t (*tern_psk_lookup_cb)(void *arg, tern_conn *c, const uint8_t *identity,
                                     size_t identity_len, uint8_t *key, size_t cap,
                                     enum tern_psk_hash *hash);
int tern_config_set_psk_lookup(tern_config *cfg, tern_psk_lookup_cb cb, void *arg);
/* tern_conn_psk_identity: the external PSK identity the handshake used
 * (*len set), or NULL when none did. Owned by c. */
const uint8_t *tern_conn_psk_identity(const tern_conn *c, size_t *len);

/* Resumption without a fresh key exchange (psk_ke, RFC 8446 §4.2.9) saves
 * the (EC)DHE work but gives up forward secrecy: whoever later learns the
 * ticket key or the session's PSK can read the resumed traffic. Off by
 * default (psk_dhe_ke only). A client that allows it offers psk_ke beside
 * psk_dhe_ke and still sends key shares; a server that allows it uses
 * psk_ke whenever the client offers it. */
int tern_config_set_psk_ke(tern_config *cfg, int allow);

/* Client: sessions are kept in the configuration by server name and the
 * newest unexpired one is offered: a ticket (either version) once, a TLS
 * 1.2 session ID (from a server that keeps sessions) until the server stops
 * resuming it. cb also receives each session as a blob to save (at most
 * TERN_SESSION_MAX bytes, valid during the call only; it holds the
 * session's secret in the clear, so keep it like a key: `tern get
 * --session` writes mode 0600); tern_config_add_session gives one back
 * (e.g. from a file, in another process): TERN_OK, or TERN_E_DECODE with a
 * sentence for a malformed one. tern_session_info says what a blob is for.
 * cb is called from the thread running the handshake. Both work on a
 * configuration in use. */
void tern_config_set_session_callback(tern_config *cfg,
                                      void (*cb)(void *arg, const char *server_name,
                                                 const uint8_t *session, size_t len),
                                      void *arg);
int tern_config_add_session(tern_config *cfg, const uint8_t *session, size_t len);

/* What a saved client session is valid for. */
struct tern_session_info {
    uint16_t version;      /* TERN_TLS12 or TERN_TLS13: it resumes only that version */
    uint16_t cipher_suite; /* the suite it resumes with (TLS 1.3: or one of the same hash) */
    char server_name[256]; /* offered only to this server name */
    char alpn[256];        /* the ALPN protocol the server chose ("" none): a server
                              that would choose another one does not resume it */
    int64_t expires;       /* Unix seconds: not offered after this */
    int by_ticket;         /* 1: a ticket; 0: a TLS 1.2 session ID */
};
/* tern_session_info fills *out from a blob the session callback gave:
 * TERN_OK, or TERN_E_DECODE for a malformed one (out is then zeroed).
 * Reads only; any thread. */
int tern_session_info(const uint8_t *session, size_t len, struct tern_session_info *out);

/* ---------------------------------------------------------------------
 * Sessions kept by the server (stateful resumption).
 *
 * Without a store a tern server resumes with sealed tickets only (above).
 * With one it also keeps sessions itself, the way servers with a shared
 * session cache do:
 *   - TLS 1.2: every full handshake gets a session ID (RFC 5246 §7.4.1.2);
 *     a client that offers it later resumes from the store. Only sessions
 *     made with the extended master secret exist, and a resumption needs
 *     the extension again (RFC 7627 §5.3).
 *   - TLS 1.3, when the store asks for stateful tickets: the ticket is a
 *     random lookup key, the session stays in the store; the first use may
 *     remove it (single_use_tickets, RFC 8446 §8.1). TLS 1.2 sealed tickets
 *     are then not issued either.
 * Sessions live for the ticket lifetime (tern_config_set_tickets), and a
 * session is resumed only with the same server name, ALPN protocol, a
 * suite both sides still allow, and the same session-ID context.
 *
 * The serialized session a store keeps is at most TERN_SESSION_MAX bytes:
 *   format (1), context length, context, a 16-bit length and tern's session
 *   encoding (its own version byte first), then HMAC-SHA-256 over all of
 *   that, keyed from the configuration's ticket secret.
 * A session made with a client certificate also holds the client's
 * certificates as it sent them (leaf first, as many whole ones as fit,
 * fewer when the session would not fit otherwise) and the verdict on them,
 * which a resumed connection gives back (tern_conn_peer_cert*,
 * tern_conn_peer_verdict); a chain refused and let through is never kept.
 * It is authenticated, not encrypted: it holds the session's master secret
 * or PSK in the clear. Keep it where the process's memory is (shared memory
 * between worker processes, as nginx's ssl_session_cache does), never on
 * disk or on the network without encrypting it yourself. Processes whose
 * configurations share a ticket secret (tern_config_set_ticket_key) can
 * hand each other's sessions back; any other serialized session, damaged
 * or foreign, is refused (the handshake goes on as a full one and the
 * trace names the reason). Each tern_config_new draws a fresh ticket
 * secret, so two processes started apart do not share sessions unless
 * they are given the same key. */
#define TERN_SESSION_MAX    2048 /* largest serialized session, both roles */
#define TERN_SESSION_ID_MAX 32   /* longest session ID or stateful ticket */

struct tern_session_store {
    /* new_session keeps a copy of `session` (len bytes) under `id`
     * (id_len bytes, at most TERN_SESSION_ID_MAX). Both buffers are tern's
     * and valid during the call only. Return 0 when kept; anything else
     * means it was not (the client then meets a full handshake later). */
    int (*new_session)(void *arg, const uint8_t *id, size_t id_len, const uint8_t *session,
                       size_t len);
    /* get_session copies the session kept under id into out (cap is
     * TERN_SESSION_MAX) and returns its length; 0 when it holds none (or it
     * does not fit). id is the peer's bytes: 1 to TERN_SESSION_ID_MAX of
     * them, anything at all. A peer gets at most one call per TLS 1.2
     * ClientHello and four per TLS 1.3 one (one per PSK identity). */
    size_t (*get_session)(void *arg, const uint8_t *id, size_t id_len, uint8_t *out, size_t cap);
    /* remove_session forgets id: tern calls it for a session it refused
     * (expired, damaged, of another context) and, with single_use_tickets,
     * for a TLS 1.3 ticket it just accepted. May be NULL. */
    void (*remove_session)(void *arg, const uint8_t *id, size_t id_len);
    void *arg;
    /* stateful_tickets != 0: TLS 1.3 tickets are lookup keys in this store
     * and no sealed tickets are issued (TLS 1.2 then resumes by session ID
     * only). 0: sealed tickets as without a store, plus TLS 1.2 IDs. */
    int stateful_tickets;
    /* single_use_tickets != 0: a TLS 1.3 ticket is removed once its
     * handshake accepted it (remove_session after get_session, so two
     * handshakes racing with one ticket may both resume: harmless for 1-RTT
     * resumption, and tern accepts no 0-RTT data). */
    int single_use_tickets;
};

/* tern_config_set_session_store installs the application's store (a copy
 * of *store is kept; arg must outlive the configuration), or none with
 * NULL. The callbacks are called from whichever thread runs a handshake,
 * possibly several at once: the store must do its own locking. Returns
 * TERN_OK, or TERN_E_ARG on a configuration in use or a store without
 * new_session or get_session. */
int tern_config_set_session_store(tern_config *cfg, const struct tern_session_store *store);
/* tern_config_set_session_cache installs tern's own in-memory store of at
 * most max_sessions sessions (the oldest is evicted first; 0 removes any
 * store), with stateful, single-use TLS 1.3 tickets. It is per
 * configuration and per process: two processes never share it (give them
 * the same ticket key and sealed tickets instead). Locked inside, so
 * threads may share the configuration. TERN_E_ARG above 1,048,576 sessions
 * or on a configuration in use; TERN_E_NOMEM. */
int tern_config_set_session_cache(tern_config *cfg, size_t max_sessions);
/* tern_config_set_session_cache_tickets shapes how TLS 1.3 uses tern's own
 * cache (after tern_config_set_session_cache): stateful tickets, each a
 * lookup key into the cache (the default), serving once (single_use, the
 * default) or until they expire; or, with stateful 0, sealed tickets as
 * without a store (the cache then keeps TLS 1.2 sessions only, as
 * OpenSSL's internal cache does with tickets on). TERN_E_ARG without a
 * cache or on a configuration in use. */
int tern_config_set_session_cache_tickets(tern_config *cfg, int stateful, int single_use);
/* tern_config_set_session_id_context names the configuration's sessions
 * (1 to 32 bytes; len 0 for none, the default): a session serialized under
 * another context is never resumed, so sessions do not cross servers that
 * share a store but not their rules (certificates, client-auth policy). */
int tern_config_set_session_id_context(tern_config *cfg, const uint8_t *ctx, size_t len);

/* ---------------------------------------------------------------------
 * The ticket-sealing hook (server): the application seals and opens tickets
 * itself, around tern's serialized session state, e.g. in OpenSSL's ticket
 * format (key name, IV, CBC ciphertext, HMAC) with keys it rotates. tern's
 * own sealing (AES-256-GCM under keys derived from the ticket secret) is
 * the default and applies without a hook.
 *
 * The state is what a store's serialized session is without its MAC
 * (format, session-ID context, session): at most TERN_SESSION_MAX bytes,
 * NOT authenticated or encrypted by tern. The hook must encrypt it (it
 * holds the session's secret) and authenticate it; tern decodes whatever
 * open returns and refuses (a full handshake, the reason traced) a state
 * that is malformed, of another session-ID context, or expired. */
/* The largest ticket a hook may make. (tern's own client keeps tickets of
 * at most 1,536 bytes; larger ones work with other clients only.) */
#define TERN_TICKET_MAX 4096

enum tern_ticket_open {
    TERN_TICKET_OK = 0,      /* opened: resume */
    TERN_TICKET_RENEW = 1,   /* opened with an old key: resume, and send a fresh ticket */
    TERN_TICKET_UNKNOWN = 2, /* not ours (unknown key name, bad MAC): a full handshake */
};

struct tern_ticket_sealer {
    /* seal writes the ticket for `state` (len bytes) into out (cap is
     * TERN_TICKET_MAX) and its length into *out_len; returns 0, or
     * anything else for no ticket this time (the handshake goes on). */
    int (*seal)(void *arg, const uint8_t *state, size_t len, uint8_t *out, size_t cap,
                size_t *out_len);
    /* open writes the state a ticket (the peer's bytes, len at most
     * TERN_TICKET_MAX) holds into out (cap is TERN_SESSION_MAX) and its
     * length into *out_len; returns a tern_ticket_open value (any other is
     * taken as TERN_TICKET_UNKNOWN). In TLS 1.3 a resumed handshake gets a
     * fresh ticket anyway; in TLS 1.2, TERN_TICKET_RENEW sends one inside
     * the abbreviated handshake (RFC 5077 §3.1). */
    int (*open)(void *arg, const uint8_t *ticket, size_t len, uint8_t *out, size_t cap,
                size_t *out_len);
    void *arg;
};

/* tern_config_set_ticket_sealer installs the hook (a copy of *sealer; arg
 * must outlive the configuration), or tern's own sealing again with NULL.
 * Called from whichever thread runs a handshake, possibly several at once.
 * A store with stateful_tickets takes precedence: then no ticket is sealed.
 * TERN_E_ARG on a configuration in use or a hook without seal or open. */
int tern_config_set_ticket_sealer(tern_config *cfg, const struct tern_ticket_sealer *sealer);

/* tern_config_set_keylog: cb receives each secret as one NSS key-log line
 * (without newline), e.g. "CLIENT_HANDSHAKE_TRAFFIC_SECRET <random> <secret>". */
void tern_config_set_keylog(tern_config *cfg, void (*cb)(void *arg, const char *line), void *arg);

/* ---------------------------------------------------------------------
 * The explained handshake: every step as an event. */
enum tern_trace_kind {
    TERN_TRACE_MESSAGE = 1, /* a handshake message sent or received */
    TERN_TRACE_KEYS = 2,    /* traffic keys changed */
    TERN_TRACE_CHECK = 3,   /* a verification passed or failed */
    TERN_TRACE_DATA = 4,    /* application data crossed */
    TERN_TRACE_ALERT = 5,   /* an alert (close_notify included) sent or received */
    TERN_TRACE_DONE = 6,    /* the handshake completed */
    TERN_TRACE_WIPED = 7,   /* secrets were wiped */
    TERN_TRACE_ERROR = 8,   /* the connection failed */
};

enum tern_trace_dir {
    TERN_DIR_LOCAL = 0, /* happened inside this endpoint */
    TERN_DIR_TO_SERVER = 1,
    TERN_DIR_TO_CLIENT = 2,
};

struct tern_trace_fact {
    const char *key;   /* snake_case: "cipher_suite", "key_shares" */
    const char *value; /* the fact as text */
};

/* How a fact's value reads; the JSON trace gives each its JSON type. */
enum tern_fact_type {
    TERN_FACT_TEXT = 0,   /* words: "CN=localhost", "signature verified" */
    TERN_FACT_NUMBER = 1, /* a count or a size; value is its text, perhaps
                             with a unit ("86400 s") */
    TERN_FACT_LIST = 2,   /* a list: value's items are separated by ", ", which
                             no item holds ("TLS 1.3, TLS 1.2"); "" is empty */
    TERN_FACT_BOOL = 3,   /* yes or no; value says it in words */
};

struct tern_trace_fact_info {
    enum tern_fact_type type;
    uint64_t number; /* TERN_FACT_NUMBER: the number; TERN_FACT_BOOL: 1 or 0 */
};

struct tern_trace_event {
    enum tern_trace_kind kind;
    enum tern_trace_dir dir;
    int is_server;       /* the endpoint that reports the event */
    const char *name;    /* "ClientHello", "handshake keys", "certificate chain" */
    const char *explain; /* one plain sentence on what this step is for */
    const struct tern_trace_fact *facts;
    size_t n_facts;
    size_t bytes;        /* size on the wire, when it has one */
    uint64_t elapsed_us; /* since the connection started */
    int round_trip;      /* flights the client has waited for so far */
    /* n_facts entries, one per fact: its type (and number), so a program
     * need not parse the text. */
    const struct tern_trace_fact_info *fact_info;
};

/* tern_config_set_trace: cb sees every event of every connection made with
 * cfg. The event and its strings are valid only during the call. */
void tern_config_set_trace(tern_config *cfg,
                           void (*cb)(void *arg, const struct tern_trace_event *ev), void *arg);

/* ---------------------------------------------------------------------
 * Message and state callbacks: what OpenSSL's msg and info callbacks give,
 * for debugging tools and logs. Both come from the trace module (the same
 * points that make tern_config_set_trace's events), so they agree with the
 * trace; they work with or without a trace callback. They run on the
 * thread driving the connection, inside the tern call that caused them:
 * they may read c (tern_conn_version, tern_conn_error, ...) but must not
 * feed, write, close or free it. */

/* One message that crossed: a handshake message (its 4-byte header
 * included), an alert (2 bytes: level, description) or a ChangeCipherSpec
 * (1 byte), as plaintext, whatever record protection carried it. */
struct tern_message {
    int sent;             /* 1: this endpoint sent it; 0: it received it */
    uint8_t content_type; /* TERN_CONTENT_HANDSHAKE, _ALERT or _CCS */
    uint8_t type;         /* handshake: its type (1 ClientHello, 2 ServerHello, ...);
                             alert: its description; ChangeCipherSpec: 1 */
    const uint8_t *bytes; /* the whole message, valid during the call only */
    size_t len;
};
#define TERN_CONTENT_CCS       20
#define TERN_CONTENT_ALERT     21
#define TERN_CONTENT_HANDSHAKE 22
/* tern_config_set_message_callback: cb sees every handshake message
 * (post-handshake ones too: NewSessionTicket, KeyUpdate), alert and
 * ChangeCipherSpec of each connection made with cfg, in the order they
 * crossed. A received handshake message is shown before tern acts on it; a
 * sent one once it is queued. NULL removes it. TERN_E_ARG on a
 * configuration in use. */
typedef void (*tern_message_cb)(void *arg, tern_conn *c, const struct tern_message *m);
int tern_config_set_message_callback(tern_config *cfg, tern_message_cb cb, void *arg);

enum tern_state_event {
    TERN_STATE_HANDSHAKE_START =
        1, /* the first ClientHello was sent (client) or received (server) */
    TERN_STATE_HANDSHAKE_DONE = 2, /* the handshake completed (value: the version) */
    TERN_STATE_ALERT_SENT = 3,     /* value: the alert description (close_notify is 0) */
    TERN_STATE_ALERT_RECEIVED = 4, /* value: the alert description */
    TERN_STATE_CLOSED = 5,         /* close_notify sent or received, whichever came first (once) */
    TERN_STATE_FAILED = 6,         /* the connection failed (value: its tern_status) */
};
/* tern_config_set_state_callback: cb is told each state change of each
 * connection made with cfg; value as the event's comment says (else 0).
 * NULL removes it. TERN_E_ARG on a configuration in use. */
typedef void (*tern_state_cb)(void *arg, tern_conn *c, enum tern_state_event event, int value);
int tern_config_set_state_callback(tern_config *cfg, tern_state_cb cb, void *arg);

/* ---------------------------------------------------------------------
 * The sans-I/O connection. */

/* tern_conn_new_client: server_name is checked against the certificate and
 * sent as SNI (not for IP addresses). NULL only with insecure mode. */
tern_conn *tern_conn_new_client(tern_config *cfg, const char *server_name);
tern_conn *tern_conn_new_server(tern_config *cfg);
/* tern_conn_free wipes every secret and frees the connection. */
void tern_conn_free(tern_conn *c);

/* tern_conn_feed gives bytes received from the network; *out_used says how
 * many were taken (all of them unless the connection failed or closed). */
int tern_conn_feed(tern_conn *c, const uint8_t *in, size_t len, size_t *out_used);
/* tern_conn_output borrows the bytes waiting to be sent (valid until the next
 * call on c); report how many went out with tern_conn_output_done. */
int tern_conn_output(tern_conn *c, const uint8_t **out, size_t *out_len);
void tern_conn_output_done(tern_conn *c, size_t sent);

/* tern_conn_read copies received plaintext. TERN_WANT_READ: none yet;
 * TERN_E_CLOSED: the peer sent close_notify. */
int tern_conn_read(tern_conn *c, uint8_t *buf, size_t cap, size_t *out_n);
/* tern_conn_feed_read is tern_conn_feed then tern_conn_read in one call, for
 * a connection moving data: whole application-data records at the start of
 * in are opened straight into buf, never passing through tern's buffers,
 * while nothing else is buffered and buf has room for the most content the
 * record can hold (16384 bytes do for a record without padding). Everything
 * else takes the buffered path.
 * *out_used and the return value are as tern_conn_feed's and
 * tern_conn_read's: TERN_OK when *out_n > 0, else TERN_WANT_READ,
 * TERN_E_CLOSED or the connection's error. */
int tern_conn_feed_read(tern_conn *c, const uint8_t *in, size_t len, size_t *out_used, uint8_t *buf,
                        size_t cap, size_t *out_n);
/* tern_conn_write queues plaintext; before the handshake completes it
 * returns TERN_WANT_READ. *out_n is all of len on success. */
int tern_conn_write(tern_conn *c, const uint8_t *data, size_t len, size_t *out_n);
/* tern_conn_close queues close_notify. */
int tern_conn_close(tern_conn *c);
/* tern_conn_key_update sends KeyUpdate (TLS 1.3); request_peer asks the
 * peer to update its keys too. */
int tern_conn_key_update(tern_conn *c, int request_peer);
/* tern_conn_export_keying_material fills out[0..len) with keying material
 * both ends derive alike from the session, for a protocol that needs keys
 * bound to this connection: RFC 8446 §7.5 in TLS 1.3 (where no context and
 * an empty one are the same; e.g. NTS, RFC 8915), RFC 5705 in TLS 1.2 (where
 * they differ; label at most 64 bytes, context at most 62). Only after the
 * handshake; TERN_E_ARG otherwise, and the connection goes on either way. */
int tern_conn_export_keying_material(tern_conn *c, const char *label, const uint8_t *context,
                                     size_t context_len, uint8_t *out, size_t len);

enum tern_wants {
    TERN_WANTS_READ = 1,   /* it needs bytes from the peer */
    TERN_WANTS_WRITE = 2,  /* it has bytes to send */
    TERN_WANTS_DONE = 4,   /* the handshake is complete */
    TERN_WANTS_CLOSED = 8, /* closed or failed: nothing more will happen */
    TERN_WANTS_ASYNC = 16  /* a private-key callback has not answered: tern_conn_key_done */
};
unsigned tern_conn_wants(const tern_conn *c);

/* tern_conn_status: TERN_OK, or the connection's first error. */
int tern_conn_status(const tern_conn *c);
/* tern_conn_error: the sentence for the first error, or NULL. Owned by c. */
const char *tern_conn_error(const tern_conn *c);

/* What was negotiated (0 / NULL before it is known). Strings owned by c. */
uint16_t tern_conn_version(const tern_conn *c);
uint16_t tern_conn_cipher_suite(const tern_conn *c);
uint16_t tern_conn_group(const tern_conn *c);
uint16_t tern_conn_signature_scheme(const tern_conn *c);
const char *tern_conn_alpn(const tern_conn *c);
const char *tern_conn_server_name(const tern_conn *c);
/* The peer leaf certificate's subject, as "CN=...,O=...": verified, unless
 * a refusal was let through (TERN_CLIENT_AUTH_OPTIONAL_REPORT_ONLY, the
 * _DANGEROUS override, insecure mode), which tern_conn_peer_verdict tells. */
const char *tern_conn_peer_subject(const tern_conn *c);
/* tern_conn_resumed: the handshake resumed a session (an external PSK's
 * handshake is no resumption: tern_conn_psk_identity). */
int tern_conn_resumed(const tern_conn *c);
int tern_conn_handshake_done(const tern_conn *c);

/* ---------------------------------------------------------------------
 * The easy level: a connection on a socket descriptor. Blocking
 * descriptors block; non-blocking ones return TERN_WANT_READ or
 * TERN_WANT_WRITE (poll for POLLIN or POLLOUT, then call again).
 *
 * On a non-blocking descriptor one tern_handshake or tern_read call takes at
 * most about 64 KiB from the socket; past that it returns TERN_WANT_READ and
 * leaves the rest in the kernel, so one peer that keeps sending cannot hold
 * an event loop. Whatever a call took is processed before it returns: after
 * TERN_WANT_READ, polling for POLLIN never waits on bytes tern holds.
 * tern_read with cap 0 reads nothing from the socket (it would have nowhere
 * to put it); it completes the handshake and reports the connection's
 * state: TERN_OK while open. */

/* tern_connect resolves host (IPv4 and IPv6), connects, and completes the
 * handshake. *out_conn is set whenever a connection object could be made,
 * even on failure, so tern_conn_error can say why; free it. */
int tern_connect(tern_config *cfg, const char *host, const char *port, tern_conn **out_conn);
/* tern_connect_timeout is tern_connect within timeout_ms milliseconds
 * (1 to 86,400,000) for the name lookup's results to connect and the
 * handshake to complete together (the lookup itself is the resolver's);
 * past it, TERN_E_TIMEOUT and a sentence naming the step. */
int tern_connect_timeout(tern_config *cfg, const char *host, const char *port, unsigned timeout_ms,
                         tern_conn **out_conn);
/* tern_conn_set_timeout: each later tern_handshake, tern_read, tern_write
 * and tern_close on a blocking descriptor returns within timeout_ms
 * milliseconds (0, the default: no limit; at most 86,400,000). When the
 * peer does not answer by then, the call fails with TERN_E_TIMEOUT and the
 * connection with it (a TLS stream cut mid-record cannot go on). It is a
 * deadline for the whole call, not for each send or receive (which
 * SO_RCVTIMEO/SO_SNDTIMEO give, and which tern also honours). Non-blocking
 * descriptors keep their event loop's time: the limit does not apply. */
int tern_conn_set_timeout(tern_conn *c, unsigned timeout_ms);
/* tern_conn_set_fd binds c to a connected descriptor the caller keeps
 * owning (tern_close and tern_conn_free leave it open). Descriptors made by
 * tern_connect and tern_accept belong to the connection instead. */
int tern_conn_set_fd(tern_conn *c, int fd);
int tern_conn_fd(const tern_conn *c);
/* tern_accept accepts one connection on listen_fd and returns a server
 * connection bound to it (the handshake runs in tern_handshake/read/write). */
int tern_accept(tern_config *cfg, int listen_fd, tern_conn **out_conn);
int tern_handshake(tern_conn *c);
int tern_read(tern_conn *c, void *buf, size_t cap, size_t *out_n);
int tern_write(tern_conn *c, const void *data, size_t len, size_t *out_n);
/* tern_close sends close_notify and shuts down and closes a descriptor
 * tern_connect or tern_accept made (tern_conn_free closes it too). With a
 * non-blocking descriptor it may return TERN_WANT_WRITE: call it again. */
int tern_close(tern_conn *c);

#ifdef __cplusplus
}
#endif

/* Certificates, trust stores, verification, the peer's chain. */
#include "tern/x509.h"

#endif
