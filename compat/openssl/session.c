/* Client sessions as SSL_SESSION objects over tern's saved sessions: each
 * session tern hands out (a TLS 1.3 ticket, a TLS 1.2 ticket or session
 * ID) becomes the SSL's current SSL_SESSION and goes to the program's
 * new-session callback when the SSL_CTX caches client sessions;
 * SSL_set_session gives one back before the handshake, and tern offers it
 * to the server it was made for. The blob holds the session's secret:
 * wiped on free. A server's sessions stay inside tern (its tickets and
 * store); SSL_get1_session there gives none. */
#include <string.h>

#include <openssl/rand.h>
#include <openssl/sha.h>

#include "local.h"

struct ssl_session_st {
    int refs;
    int server; /* 1: a server's session, from tern's session store */
    uint8_t *blob;
    size_t len;
    struct tern_session_info info; /* a client's */
    /* a client's: SHA-256 of the blob, a stable name for it; a server's:
     * the TLS 1.2 session ID or TLS 1.3 stateful ticket tern keeps it by */
    unsigned char id[32];
    unsigned int id_len;
    /* a client's: the server's chain and the verification result, for a
     * connection that resumes it (client.c) */
    STACK_OF(X509) * peer_chain;
    long verify_result;
};

static SSL_SESSION *session_new(const uint8_t *blob, size_t len)
{
    SSL_SESSION *ss = OPENSSL_zalloc(sizeof(*ss));
    if (ss == NULL)
        return NULL;
    ss->refs = 1;
    ss->blob = OPENSSL_memdup(blob, len);
    if (ss->blob == NULL || tern_session_info(blob, len, &ss->info) != TERN_OK) {
        OPENSSL_clear_free(ss->blob, len);
        OPENSSL_free(ss);
        return NULL;
    }
    ss->len = len;
    SHA256(blob, len, ss->id);
    ss->id_len = 32;
    return ss;
}

SSL_SESSION *compat_server_session_fresh(void)
{
    uint8_t id[32];
    if (RAND_bytes(id, sizeof(id)) != 1)
        return NULL;
    return compat_server_session(id, sizeof(id), NULL, 0);
}

/* compat_server_session: a server's session as tern's store hands it over
 * (blob NULL: the ID alone, for a remove callback) */
SSL_SESSION *compat_server_session(const uint8_t *id, size_t id_len, const uint8_t *blob,
                                   size_t len)
{
    if (id_len == 0 || id_len > sizeof(((SSL_SESSION *)NULL)->id) || len > TERN_SESSION_MAX)
        return NULL;
    SSL_SESSION *ss = OPENSSL_zalloc(sizeof(*ss));
    if (ss == NULL)
        return NULL;
    ss->refs = 1;
    ss->server = 1;
    memcpy(ss->id, id, id_len);
    ss->id_len = (unsigned)id_len;
    if (blob != NULL && len > 0) {
        ss->blob = OPENSSL_memdup(blob, len);
        if (ss->blob == NULL) {
            OPENSSL_free(ss);
            return NULL;
        }
        ss->len = len;
    }
    return ss;
}

/* compat_server_session_blob: what a server's session holds for tern's
 * store, NULL for a client's */
const uint8_t *compat_server_session_blob(const SSL_SESSION *ss, size_t *len)
{
    *len = ss->server ? ss->len : 0;
    return ss->server ? ss->blob : NULL;
}

void SSL_SESSION_free(SSL_SESSION *ss)
{
    if (ss == NULL || __atomic_sub_fetch(&ss->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    OPENSSL_clear_free(ss->blob, ss->len);
    sk_X509_pop_free(ss->peer_chain, X509_free);
    OPENSSL_clear_free(ss, sizeof(*ss));
}

int SSL_SESSION_up_ref(SSL_SESSION *ss)
{
    __atomic_add_fetch(&ss->refs, 1, __ATOMIC_RELAXED);
    return 1;
}

/* NULL for no session: a server has none in its servername callback, where
 * nginx 1.22 asks SSL_get_session's for the name it was made for (a
 * resumption's, to refuse one made for another name when it verifies
 * clients); tern itself refuses a ticket made for another name */
const char *SSL_SESSION_get0_hostname(const SSL_SESSION *ss)
{
    if (ss == NULL)
        return NULL;
    return ss->info.server_name[0] ? ss->info.server_name : NULL;
}

const unsigned char *SSL_SESSION_get_id(const SSL_SESSION *ss, unsigned int *len)
{
    if (len != NULL)
        *len = ss->id_len;
    return ss->id;
}

/* The serialized form is tern's blob behind a marker whose last byte says
 * whose session it is; a server's carries its ID first (a length byte and
 * the ID); a client's that carries the server's chain or a verdict other
 * than X509_V_OK (MARKER_PEER, for a resumption to report them) is laid out
 * at i2d_with_peer. Only this library reads it back (as only OpenSSL reads
 * OpenSSL's). */
static const unsigned char marker[8] = {'t', 'e', 'r', 'n', 's', 'e', 's', 1};
#define MARKER_SERVER 2
#define MARKER_PEER   3
#define PEER_FIXED    (sizeof(marker) + 4 + 8 + 1)
#define PEER_MAX_CERT 65536

static void put_be(unsigned char *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}
static uint64_t get_be(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* i2d_with_peer writes MARKER_PEER's form: after the marker, the blob's
 * length (4 bytes, big-endian) and the blob, the verdict (8 bytes, two's
 * complement), the number of certificates (1 byte) and each one's length
 * (4 bytes) and DER. */
static int i2d_with_peer(const SSL_SESSION *ss, unsigned char **pp)
{
    int n_certs = sk_X509_num(ss->peer_chain);
    if (n_certs < 0)
        n_certs = 0;
    if (n_certs > COMPAT_MAX_CHAIN + 1)
        return 0;
    size_t n = PEER_FIXED + ss->len;
    for (int i = 0; i < n_certs; i++) {
        int l = i2d_X509(sk_X509_value(ss->peer_chain, i), NULL);
        if (l <= 0)
            return 0;
        n += 4 + (size_t)l;
    }
    if (n > INT32_MAX)
        return 0;
    if (pp != NULL && *pp != NULL) {
        unsigned char *p = *pp;
        memcpy(p, marker, sizeof(marker));
        p[sizeof(marker) - 1] = MARKER_PEER;
        p += sizeof(marker);
        put_be(p, ss->len, 4);
        memcpy(p + 4, ss->blob, ss->len);
        p += 4 + ss->len;
        put_be(p, (uint64_t)(int64_t)ss->verify_result, 8);
        p[8] = (unsigned char)n_certs;
        p += 9;
        for (int i = 0; i < n_certs; i++) {
            X509 *x = sk_X509_value(ss->peer_chain, i);
            put_be(p, (uint64_t)i2d_X509(x, NULL), 4);
            p += 4;
            i2d_X509(x, &p);
        }
        *pp += n;
    }
    return (int)n;
}

/* d2i_with_peer reads MARKER_PEER's form (after the marker): every length
 * within what is left and the whole input used, each certificate's DER
 * exactly as i2d writes it, and something in it that the plain form lacks
 * (one encoding per session). */
static SSL_SESSION *d2i_with_peer(const unsigned char *p, size_t left)
{
    if (left < PEER_FIXED - sizeof(marker))
        return NULL;
    size_t blob_len = (size_t)get_be(p, 4);
    if (blob_len > TERN_SESSION_MAX || blob_len > left - (PEER_FIXED - sizeof(marker)))
        return NULL;
    const unsigned char *tail = p + 4 + blob_len, *end = p + left;
    long verify_result = (long)(int64_t)get_be(tail, 8);
    int n_certs = tail[8];
    if (n_certs > COMPAT_MAX_CHAIN + 1 || (n_certs == 0 && verify_result == X509_V_OK))
        return NULL;
    SSL_SESSION *ss = session_new(p + 4, blob_len);
    STACK_OF(X509) *chain = n_certs > 0 ? sk_X509_new_null() : NULL;
    const unsigned char *c = tail + 9;
    int ok = ss != NULL && (n_certs == 0 || chain != NULL);
    for (int i = 0; ok && i < n_certs; i++) {
        size_t l = (size_t)(end - c) >= 4 ? (size_t)get_be(c, 4) : SIZE_MAX;
        if (l == SIZE_MAX || l == 0 || l > (size_t)(end - c) - 4 || l > PEER_MAX_CERT) {
            ok = 0;
            break;
        }
        const unsigned char *d = c + 4;
        X509 *x = d2i_X509(NULL, &d, (long)l);
        ok = x != NULL && d == c + 4 + l && i2d_X509(x, NULL) == (int)l && sk_X509_push(chain, x);
        if (!ok)
            X509_free(x);
        c += 4 + l;
    }
    if (!ok || c != end) {
        sk_X509_pop_free(chain, X509_free);
        SSL_SESSION_free(ss);
        return NULL;
    }
    compat_session_set_peer(ss, chain, verify_result);
    return ss;
}

int i2d_SSL_SESSION(const SSL_SESSION *ss, unsigned char **pp)
{
    if (!ss->server && (sk_X509_num(ss->peer_chain) > 0 || ss->verify_result != X509_V_OK))
        return i2d_with_peer(ss, pp);
    size_t head = sizeof(marker) + (ss->server ? 1 + ss->id_len : 0);
    size_t n = head + ss->len;
    if (n > INT32_MAX)
        return 0;
    if (pp != NULL && *pp != NULL) {
        memcpy(*pp, marker, sizeof(marker));
        if (ss->server) {
            (*pp)[sizeof(marker) - 1] = MARKER_SERVER;
            (*pp)[sizeof(marker)] = (unsigned char)ss->id_len;
            memcpy(*pp + sizeof(marker) + 1, ss->id, ss->id_len);
        }
        if (ss->len > 0)
            memcpy(*pp + head, ss->blob, ss->len);
        *pp += n;
    }
    return (int)n;
}

SSL_SESSION *d2i_SSL_SESSION(SSL_SESSION **a, const unsigned char **pp, long length)
{
    if (pp == NULL || *pp == NULL || length < (long)sizeof(marker) ||
        length >
            (long)(PEER_FIXED + TERN_SESSION_MAX + (COMPAT_MAX_CHAIN + 1) * (4 + PEER_MAX_CERT)) ||
        memcmp(*pp, marker, sizeof(marker) - 1) != 0 ||
        ((*pp)[sizeof(marker) - 1] != marker[sizeof(marker) - 1] &&
         (*pp)[sizeof(marker) - 1] != MARKER_SERVER && (*pp)[sizeof(marker) - 1] != MARKER_PEER)) {
        compat_fail(SSL_R_BAD_VALUE, "not a session serialized by tern's libssl (%ld bytes)",
                    length);
        return NULL;
    }
    const unsigned char *p = *pp + sizeof(marker);
    size_t left = (size_t)length - sizeof(marker);
    SSL_SESSION *ss;
    if ((*pp)[sizeof(marker) - 1] == MARKER_PEER) {
        ss = d2i_with_peer(p, left);
    } else if ((*pp)[sizeof(marker) - 1] == MARKER_SERVER) {
        size_t id_len = left > 0 ? p[0] : 0;
        ss = id_len > 0 && id_len < left && left - 1 - id_len <= TERN_SESSION_MAX
                 ? compat_server_session(p + 1, id_len, p + 1 + id_len, left - 1 - id_len)
                 : NULL;
    } else {
        ss = left <= TERN_SESSION_MAX ? session_new(p, left) : NULL;
    }
    if (ss == NULL) {
        compat_fail(SSL_R_BAD_VALUE, "a malformed tern session");
        return NULL;
    }
    *pp += length;
    if (a != NULL) {
        SSL_SESSION_free(*a);
        *a = ss;
    }
    return ss;
}

/* current: the SSL's session; a server whose handshake went to no store
 * (sealed tickets, or none) gets one when first asked, as OpenSSL always
 * has one after a handshake (made here, not at every handshake: an idle
 * connection need not hold it) */
static SSL_SESSION *current(const SSL *s)
{
    SSL *m = (SSL *)s;
    if (m->session == NULL && m->server == 1 && m->conn != NULL &&
        tern_conn_handshake_done(m->conn))
        m->session = compat_server_session_fresh(); /* NULL: out of memory */
    return m->session;
}

SSL_SESSION *SSL_get1_session(SSL *s)
{
    SSL_SESSION *ss = current(s);
    if (ss != NULL)
        SSL_SESSION_up_ref(ss);
    return ss;
}

SSL_SESSION *SSL_get_session(const SSL *s)
{
    return current(s);
}

int SSL_set_session(SSL *s, SSL_SESSION *ss)
{
    if (s->conn != NULL) {
        compat_fail(SSL_R_BAD_VALUE, "SSL_set_session after the handshake started");
        return 0;
    }
    if (ss != NULL)
        SSL_SESSION_up_ref(ss);
    SSL_SESSION_free(s->session);
    s->session = ss;
    return 1;
}

void SSL_CTX_sess_set_new_cb(SSL_CTX *ctx, int (*cb)(SSL *ssl, SSL_SESSION *sess))
{
    ctx->sess_new_cb = cb;
    compat_changed(ctx);
}

int SSL_CTX_remove_session(SSL_CTX *ctx, SSL_SESSION *ss)
{
    return 0; /* there is no internal cache to remove it from */
}

/* compat_session_seen: tern's session callback, on a client; the session
 * keeps the server's chain and the verdict (client.c), for a resumption to
 * report as OpenSSL's */
void compat_session_seen(void *arg, const char *server_name, const uint8_t *blob, size_t len)
{
    SSL *s = arg;
    /* an abbreviated TLS 1.2 handshake by session ID reuses the session
     * offered: OpenSSL makes no new one (no new-session callback; curl
     * would otherwise drop the one it has as "stale") */
    if (s->offered != NULL && s->session == s->offered && !s->offered->info.by_ticket &&
        s->offered->info.version == TERN_TLS12 && tern_conn_resumed(s->conn))
        return;
    SSL_SESSION *ss = session_new(blob, len);
    if (ss == NULL)
        return;
    compat_client_keep_peer(s, ss);
    SSL_SESSION_free(s->session);
    s->session = ss;
    if (s->ctx->sess_new_cb != NULL && (s->ctx->sess_cache_mode & SSL_SESS_CACHE_CLIENT)) {
        SSL_SESSION_up_ref(ss); /* the callback's: it keeps it when it returns 1 */
        if (s->ctx->sess_new_cb(s, ss) == 0)
            SSL_SESSION_free(ss);
    }
}

/* compat_session_offer gives tern the session set with SSL_set_session */
int compat_session_offer(SSL *s)
{
    if (s->session == NULL)
        return 1;
    SSL_SESSION_up_ref(s->session);
    SSL_SESSION_free(s->offered);
    s->offered = s->session;
    int st = tern_config_add_session(s->cfg, s->session->blob, s->session->len);
    if (st != TERN_OK) {
        compat_fail(SSL_R_BAD_VALUE, "the session set with SSL_set_session: %s",
                    tern_config_error(s->cfg) ? tern_config_error(s->cfg) : tern_status_name(st));
        return 0;
    }
    return 1;
}

void compat_session_set_peer(SSL_SESSION *ss, STACK_OF(X509) * chain, long verify_result)
{
    sk_X509_pop_free(ss->peer_chain, X509_free);
    ss->peer_chain = chain;
    ss->verify_result = verify_result;
}

STACK_OF(X509) * compat_session_peer(const SSL_SESSION *ss, long *verify_result)
{
    *verify_result = ss->verify_result;
    return ss->peer_chain;
}
