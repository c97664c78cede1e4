/* Sessions the server keeps: the serialized session (versioned, bounded,
 * authenticated), tern's own in-memory store, the calls into the
 * application's store, and their setters.
 *
 * Serialized session (tern.h, "Sessions kept by the server"):
 *   u8 format (HS_STORE_FORMAT) | u8 context length | context |
 *   u16 length | hs_session_encode | HMAC-SHA-256 (32 bytes)
 * The MAC key is HKDF-Expand(ticket secret, "tern session store"), so only
 * configurations sharing the ticket secret accept each other's sessions. */
#include "hs/policy.h"
#include "hs/store.h"

#include "base/mem.h"

#include <stdio.h>
#include <string.h>

bool hs_session_fresh(const struct hs_session *s, uint64_t now_ms)
{
    return now_ms >= s->issued_ms && now_ms - s->issued_ms <= (uint64_t)s->lifetime_s * 1000u;
}

/* ---- the serialized session ---- */

void hs_state_encode(const tern_config *cfg, const struct hs_session *s, struct wr *w)
{
    hs_state_encode_n(cfg, s, s->n_certs, w);
}

void hs_state_encode_n(const tern_config *cfg, const struct hs_session *s, size_t n_certs,
                       struct wr *w)
{
    wr_u8(w, HS_STORE_FORMAT);
    size_t m = wr_open_u8(w);
    wr_bytes(w, cfg->sid_ctx, cfg->sid_ctx_len);
    wr_close(w, m);
    m = wr_open_u16(w);
    hs_session_encode_n(s, n_certs, w);
    wr_close(w, m);
}

int hs_state_decode(const tern_config *cfg, struct rd r, struct hs_session *out,
                    struct tern_err *err)
{
    memset(out, 0, sizeof(*out));
    uint8_t format;
    struct rd ctx, body;
    if (!rd_u8(&r, &format))
        return err_set(err, TERN_E_DECODE, "the serialized session is empty");
    if (format != HS_STORE_FORMAT)
        return err_set(err, TERN_E_DECODE,
                       "the serialized session has format %u; this tern reads format %u", format,
                       HS_STORE_FORMAT);
    if (!rd_prefixed8(&r, &ctx) || !rd_prefixed16(&r, &body) || !rd_empty(&r))
        return err_set(err, TERN_E_DECODE, "the serialized session is truncated or overlong");
    if (ctx.len != cfg->sid_ctx_len || (ctx.len && memcmp(ctx.p, cfg->sid_ctx, ctx.len) != 0)) {
        char theirs[80], ours[80];
        return err_set(err, TERN_E_ACCESS_DENIED,
                       "the session belongs to session-ID context '%s', not this configuration's "
                       "'%s'",
                       err_hex(theirs, sizeof(theirs), ctx.p, ctx.len),
                       err_hex(ours, sizeof(ours), cfg->sid_ctx, cfg->sid_ctx_len));
    }
    if (hs_session_decode(body, out) != TERN_OK)
        return err_set(err, TERN_E_DECODE, "the serialized session's contents are malformed");
    return TERN_OK;
}

static int store_key(const tern_config *cfg, uint8_t key[32])
{
    static const char info[] = "tern session store";
    return cry_hkdf_expand(CRY_SHA256, cfg->ticket_secret, cfg->ticket_secret_len,
                           (const uint8_t *)info, sizeof(info) - 1, key, 32);
}

int hs_store_mac(const tern_config *cfg, const uint8_t *p, size_t n, uint8_t mac[32])
{
    uint8_t key[32];
    int rc = store_key(cfg, key);
    if (rc == TERN_OK)
        rc = cry_hmac(CRY_SHA256, key, sizeof(key), p, n, mac);
    tern_memzero(key, sizeof(key));
    return rc;
}

int hs_store_serialize(const tern_config *cfg, const struct hs_session *s, uint8_t *out,
                       size_t *out_len)
{
    struct wr w;
    /* the session whole, or with fewer of the client's certificates */
    for (size_t n = s->n_certs + 1; n-- > 0;) {
        wr_init_fixed(&w, out, TERN_SESSION_MAX - HS_STORE_MAC_LEN);
        hs_state_encode_n(cfg, s, n, &w);
        if (wr_ok(&w))
            break;
    }
    if (!wr_ok(&w))
        return TERN_E_LIMIT;
    TRY(hs_store_mac(cfg, out, w.len, out + w.len));
    *out_len = w.len + HS_STORE_MAC_LEN;
    return TERN_OK;
}

int hs_store_deserialize(const tern_config *cfg, const uint8_t *blob, size_t len, uint64_t now_ms,
                         struct hs_session *out, struct tern_err *err)
{
    memset(out, 0, sizeof(*out));
    if (len <= HS_STORE_MAC_LEN || len > TERN_SESSION_MAX)
        return err_set(err, TERN_E_DECODE,
                       "a serialized session of %zu bytes is not one of tern's (%d to %d bytes)",
                       len, HS_STORE_MAC_LEN + 1, TERN_SESSION_MAX);
    uint8_t mac[32];
    if (hs_store_mac(cfg, blob, len - HS_STORE_MAC_LEN, mac) != TERN_OK)
        return err_set(err, TERN_E_INTERNAL, "computing the serialized session's MAC failed");
    int same = tern_ct_eq(mac, blob + len - HS_STORE_MAC_LEN, HS_STORE_MAC_LEN);
    tern_memzero(mac, sizeof(mac));
    if (!same)
        return err_set(err, TERN_E_DECRYPT,
                       "the serialized session (%zu bytes) does not authenticate: it was damaged, "
                       "or made by a configuration with another ticket secret",
                       len);
    struct rd r;
    rd_init(&r, blob, len - HS_STORE_MAC_LEN);
    TRY(hs_state_decode(cfg, r, out, err));
    if (!hs_session_fresh(out, now_ms)) {
        bool future = now_ms < out->issued_ms;
        unsigned long long age = future ? 0 : (now_ms - out->issued_ms) / 1000u;
        uint32_t life = out->lifetime_s;
        hs_session_wipe(out);
        if (future)
            return err_set(err, TERN_E_DECRYPT,
                           "the session was issued after now (the clock went back?)");
        return err_set(err, TERN_E_DECRYPT, "the session has expired (%llu s old, lifetime %u s)",
                       age, life);
    }
    return TERN_OK;
}

/* ---- calls into the store, during a handshake ---- */

bool hs_store_stateful_tickets(const tern_config *cfg)
{
    return cfg->have_store && cfg->store.stateful_tickets;
}

static void trace_store(tern_conn *c, const char *name, const char *explain, const uint8_t *id,
                        size_t id_len)
{
    char hex[24];
    struct tern_trace_fact f[] = {{"session_id", err_hex(hex, sizeof(hex), id, id_len)}};
    hs_trace(c, TERN_TRACE_CHECK, TERN_DIR_LOCAL, name, explain, 0, f, 1);
}

bool hs_store_new(tern_conn *c, const struct hs_session *s, const uint8_t *id, size_t id_len)
{
    tern_config *cfg = c->cfg;
    if (hs_peer_refused(c))
        return false; /* a refused client certificate let through: no resumption */
    uint8_t blob[TERN_SESSION_MAX];
    size_t len = 0;
    int rc = hs_store_serialize(cfg, s, blob, &len);
    bool kept = rc == TERN_OK && cfg->store.new_session(cfg->store.arg, id, id_len, blob, len) == 0;
    tern_memzero(blob, sizeof(blob));
    if (!kept)
        trace_store(c, "session not stored",
                    rc == TERN_E_LIMIT ? "This session (its server name, ALPN protocol and client "
                                         "identity) does not fit in a serialized session, so it "
                                         "is not kept: the client's next visit is a full "
                                         "handshake."
                    : rc != TERN_OK    ? "Serializing the session failed, so it is not kept."
                                       : "The session store declined the session, so the "
                                         "client's next visit is a full handshake.",
                    id, id_len);
    return kept;
}

bool hs_store_lookup(tern_conn *c, const uint8_t *id, size_t id_len, struct hs_session *out)
{
    tern_config *cfg = c->cfg;
    memset(out, 0, sizeof(*out));
    if (id_len == 0 || id_len > TERN_SESSION_ID_MAX)
        return false;
    uint8_t blob[TERN_SESSION_MAX];
    size_t len = cfg->store.get_session(cfg->store.arg, id, id_len, blob, sizeof(blob));
    if (len == 0) {
        trace_store(c, "session unknown",
                    "The client offered a session this server's store does not hold (never "
                    "made, evicted or expired): a full handshake.",
                    id, id_len);
        return false;
    }
    struct tern_err err;
    err_init(&err);
    int rc = len > sizeof(blob) ? err_set(&err, TERN_E_LIMIT,
                                          "the session store returned %zu bytes for a session "
                                          "(at most %d)",
                                          len, TERN_SESSION_MAX)
                                : hs_store_deserialize(cfg, blob, len, hs_now_ms(), out, &err);
    tern_memzero(blob, sizeof(blob));
    if (rc != TERN_OK) {
        char why[TERN_ERR_MSG_MAX + 64];
        snprintf(why, sizeof(why), "Not resumed, a full handshake instead: %s.", err.msg);
        trace_store(c, "session refused", why, id, id_len);
        hs_store_remove(c, id, id_len);
        hs_session_wipe(out);
        return false;
    }
    return true;
}

void hs_store_remove(tern_conn *c, const uint8_t *id, size_t id_len)
{
    if (c->cfg->store.remove_session)
        c->cfg->store.remove_session(c->cfg->store.arg, id, id_len);
}

/* ---- tern's own store: a hash table over slots kept in age order ---- */

/* Slot links are indexes plus one (0: none). */
struct cache_slot {
    uint8_t id[TERN_SESSION_ID_MAX];
    size_t id_len;
    uint8_t *blob; /* NULL: a free slot */
    size_t len;
    uint32_t next;           /* the bucket's chain */
    uint32_t older, younger; /* the age list (in use) or the free list (younger) */
};

struct hs_store_cache {
    pthread_mutex_t lock;
    struct cache_slot *slots;
    size_t cap;
    uint32_t oldest, youngest; /* the age list: evicted from the oldest end */
    uint32_t free;             /* free slots, linked through younger */
    uint32_t *bucket;          /* first slot of each chain */
    size_t n_buckets;          /* a power of two, at least cap */
};

/* The IDs stored are tern's random ones; a peer chooses only the ID it
 * looks up, which walks one chain. */
static size_t cache_hash(const struct hs_store_cache *h, const uint8_t *id, size_t n)
{
    uint64_t x = 14695981039346656037ull;
    for (size_t i = 0; i < n; i++)
        x = (x ^ id[i]) * 1099511628211ull;
    return (size_t)(x ^ (x >> 32)) & (h->n_buckets - 1);
}

/* cache_drop unlinks slot i from its chain and the age list, frees its
 * session and puts it on the free list. */
static void cache_drop(struct hs_store_cache *h, uint32_t i)
{
    struct cache_slot *s = &h->slots[i - 1];
    uint32_t *link = &h->bucket[cache_hash(h, s->id, s->id_len)];
    while (*link && *link != i)
        link = &h->slots[*link - 1].next;
    if (*link)
        *link = s->next;
    if (s->older)
        h->slots[s->older - 1].younger = s->younger;
    else
        h->oldest = s->younger;
    if (s->younger)
        h->slots[s->younger - 1].older = s->older;
    else
        h->youngest = s->older;
    tern_free_secret(s->blob, s->len);
    memset(s, 0, sizeof(*s));
    s->younger = h->free;
    h->free = i;
}

static uint32_t cache_find(struct hs_store_cache *h, const uint8_t *id, size_t n)
{
    for (uint32_t i = h->bucket[cache_hash(h, id, n)]; i; i = h->slots[i - 1].next) {
        struct cache_slot *s = &h->slots[i - 1];
        if (s->id_len == n && !memcmp(s->id, id, n))
            return i;
    }
    return 0;
}

static int cache_new(void *arg, const uint8_t *id, size_t id_len, const uint8_t *blob, size_t len)
{
    struct hs_store_cache *h = arg;
    uint8_t *copy = tern_memdup(blob, len);
    if (!copy)
        return -1;
    pthread_mutex_lock(&h->lock);
    uint32_t i = cache_find(h, id, id_len);
    if (i)
        cache_drop(h, i);
    if (!h->free)
        cache_drop(h, h->oldest); /* full: the oldest goes */
    i = h->free;
    struct cache_slot *s = &h->slots[i - 1];
    h->free = s->younger;
    memcpy(s->id, id, id_len);
    s->id_len = id_len;
    s->blob = copy;
    s->len = len;
    size_t b = cache_hash(h, id, id_len);
    s->next = h->bucket[b];
    h->bucket[b] = i;
    s->older = h->youngest;
    s->younger = 0;
    if (h->youngest)
        h->slots[h->youngest - 1].younger = i;
    else
        h->oldest = i;
    h->youngest = i;
    pthread_mutex_unlock(&h->lock);
    return 0;
}

static size_t cache_get(void *arg, const uint8_t *id, size_t id_len, uint8_t *out, size_t cap)
{
    struct hs_store_cache *h = arg;
    size_t n = 0;
    pthread_mutex_lock(&h->lock);
    uint32_t i = cache_find(h, id, id_len);
    if (i && h->slots[i - 1].len <= cap) {
        memcpy(out, h->slots[i - 1].blob, h->slots[i - 1].len);
        n = h->slots[i - 1].len;
    }
    pthread_mutex_unlock(&h->lock);
    return n;
}

static void cache_remove(void *arg, const uint8_t *id, size_t id_len)
{
    struct hs_store_cache *h = arg;
    pthread_mutex_lock(&h->lock);
    uint32_t i = cache_find(h, id, id_len);
    if (i)
        cache_drop(h, i);
    pthread_mutex_unlock(&h->lock);
}

void hs_store_cache_free(struct hs_store_cache *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->cap; i++)
        if (h->slots[i].blob)
            tern_free_secret(h->slots[i].blob, h->slots[i].len);
    tern_free(h->slots);
    tern_free(h->bucket);
    pthread_mutex_destroy(&h->lock);
    tern_free(h);
}

/* ---- setters ---- */

int tern_config_set_session_store(tern_config *cfg, const struct tern_session_store *store)
{
    TRY(config_check_mutable(cfg));
    if (store && (!store->new_session || !store->get_session))
        return config_fail(cfg, TERN_E_ARG,
                           "a session store needs new_session and get_session callbacks");
    hs_store_cache_free(cfg->builtin);
    cfg->builtin = NULL;
    cfg->have_store = store != NULL;
    if (store)
        cfg->store = *store;
    else
        memset(&cfg->store, 0, sizeof(cfg->store));
    return TERN_OK;
}

int tern_config_set_session_cache(tern_config *cfg, size_t max_sessions)
{
    TRY(config_check_mutable(cfg));
    if (max_sessions > HS_STORE_CACHE_MAX)
        return config_fail(cfg, TERN_E_ARG,
                           "a session cache of %zu sessions is above tern's limit of %u",
                           max_sessions, HS_STORE_CACHE_MAX);
    if (max_sessions == 0)
        return tern_config_set_session_store(cfg, NULL);
    struct hs_store_cache *h = tern_calloc(1, sizeof(*h));
    size_t nb = 1;
    while (nb < max_sessions)
        nb <<= 1;
    if (h) {
        h->slots = tern_calloc(max_sessions, sizeof(*h->slots));
        h->bucket = tern_calloc(nb, sizeof(*h->bucket));
    }
    if (!h || !h->slots || !h->bucket) {
        if (h) {
            tern_free(h->slots);
            tern_free(h->bucket);
            tern_free(h);
        }
        return config_fail(cfg, TERN_E_NOMEM, "out of memory for the session cache");
    }
    pthread_mutex_init(&h->lock, NULL);
    h->cap = max_sessions;
    h->n_buckets = nb;
    for (size_t i = max_sessions; i > 0; i--) { /* every slot free */
        h->slots[i - 1].younger = h->free;
        h->free = (uint32_t)i;
    }
    struct tern_session_store s = {
        .new_session = cache_new,
        .get_session = cache_get,
        .remove_session = cache_remove,
        .arg = h,
        .stateful_tickets = 1,
        .single_use_tickets = 1,
    };
    TRY(tern_config_set_session_store(cfg, &s)); /* frees any earlier cache */
    cfg->builtin = h;
    return TERN_OK;
}

int tern_config_set_session_cache_tickets(tern_config *cfg, int stateful, int single_use)
{
    TRY(config_check_mutable(cfg));
    if (!cfg->builtin)
        return config_fail(cfg, TERN_E_ARG,
                           "no session cache to shape: call tern_config_set_session_cache first");
    cfg->store.stateful_tickets = stateful != 0;
    cfg->store.single_use_tickets = stateful && single_use;
    return TERN_OK;
}

int tern_config_set_session_id_context(tern_config *cfg, const uint8_t *ctx, size_t len)
{
    TRY(config_check_mutable(cfg));
    if (len > sizeof(cfg->sid_ctx) || (len && !ctx))
        return config_fail(cfg, TERN_E_ARG, "a session-ID context holds at most 32 bytes, not %zu",
                           len);
    if (len)
        memcpy(cfg->sid_ctx, ctx, len);
    cfg->sid_ctx_len = len;
    return TERN_OK;
}
