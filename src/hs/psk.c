/* External pre-shared keys (RFC 8446 §2.2, §4.2.11): the configuration's
 * identity and key, the server's lookup callback, and the binder with the
 * "ext binder" label (§7.1). The handshake carries an external PSK as a
 * session (struct hs_session with external set), so offering, choosing and
 * the key schedule are resumption's. */
#include "base/mem.h"
#include "hs/internal.h"
#include "hs/session.h"

#include <string.h>

static const struct hs_suite *psk_suite(enum tern_psk_hash h)
{
    /* The suite only names the hash: the server chooses the real one (its
     * hash must be the same, RFC 8446 §4.2.11). */
    return hs_suite13(h == TERN_PSK_SHA384 ? TERN_TLS_AES_256_GCM_SHA384
                                           : TERN_TLS_AES_128_GCM_SHA256);
}

int tern_config_set_psk(tern_config *cfg, const uint8_t *identity, size_t identity_len,
                        const uint8_t *key, size_t key_len, enum tern_psk_hash hash)
{
    TRY(config_check_mutable(cfg));
    if (!identity || identity_len == 0 || identity_len > TERN_PSK_IDENTITY_MAX)
        return config_fail(cfg, TERN_E_ARG, "a PSK identity of %zu bytes (1 to %d)", identity_len,
                           TERN_PSK_IDENTITY_MAX);
    if (!key || key_len < TERN_PSK_KEY_MIN || key_len > TERN_PSK_KEY_MAX)
        return config_fail(cfg, TERN_E_ARG,
                           "a PSK of %zu bytes (%d to %d: a shorter key could be guessed offline "
                           "from a recorded handshake)",
                           key_len, TERN_PSK_KEY_MIN, TERN_PSK_KEY_MAX);
    if (hash != TERN_PSK_SHA256 && hash != TERN_PSK_SHA384)
        return config_fail(cfg, TERN_E_ARG, "PSK hash %d is neither SHA-256 nor SHA-384",
                           (int)hash);
    memcpy(cfg->psk_identity, identity, identity_len);
    cfg->psk_identity_len = identity_len;
    tern_memzero(cfg->psk_key, sizeof(cfg->psk_key));
    memcpy(cfg->psk_key, key, key_len);
    cfg->psk_key_len = key_len;
    cfg->psk_hash = hash;
    return TERN_OK;
}

int tern_config_set_psk_lookup(tern_config *cfg, tern_psk_lookup_cb cb, void *arg)
{
    TRY(config_check_mutable(cfg));
    cfg->psk_lookup_cb = cb;
    cfg->psk_lookup_arg = arg;
    return TERN_OK;
}

const uint8_t *tern_conn_psk_identity(const tern_conn *c, size_t *len)
{
    if (!c->resumed || !c->session || !c->session->external)
        return NULL;
    *len = c->session->ticket_len;
    return c->session->ticket;
}

bool hs_psk_external_server(const tern_config *cfg)
{
    return cfg->psk_key_len || cfg->psk_lookup_cb;
}

static void fill(struct hs_session *s, const uint8_t *identity, size_t identity_len,
                 const uint8_t *key, size_t key_len, enum tern_psk_hash hash)
{
    memset(s, 0, sizeof(*s));
    s->external = true;
    s->version = TERN_TLS13;
    s->suite = psk_suite(hash)->id;
    memcpy(s->psk, key, key_len);
    s->psk_len = key_len;
    memcpy(s->ticket, identity, identity_len);
    s->ticket_len = identity_len;
    /* RFC 8446 §4.2.11: an external identity's obfuscated_ticket_age is 0. */
    s->issued_ms = hs_now_ms();
    s->age_add = 0;
}

bool hs_psk_external_client(tern_conn *c, struct hs_session *out)
{
    const tern_config *cfg = c->cfg;
    if (!cfg->psk_key_len)
        return false;
    fill(out, cfg->psk_identity, cfg->psk_identity_len, cfg->psk_key, cfg->psk_key_len,
         cfg->psk_hash);
    return true;
}

bool hs_psk_external_find(tern_conn *c, struct rd identity, struct hs_session *out)
{
    const tern_config *cfg = c->cfg;
    if (identity.len == 0 || identity.len > TERN_PSK_IDENTITY_MAX)
        return false;
    /* Identities are not secret: a plain comparison. */
    if (cfg->psk_key_len && identity.len == cfg->psk_identity_len &&
        !memcmp(identity.p, cfg->psk_identity, identity.len)) {
        fill(out, identity.p, identity.len, cfg->psk_key, cfg->psk_key_len, cfg->psk_hash);
        return true;
    }
    if (!cfg->psk_lookup_cb)
        return false;
    uint8_t key[TERN_PSK_KEY_MAX];
    enum tern_psk_hash hash = TERN_PSK_SHA256;
    size_t n = cfg->psk_lookup_cb(cfg->psk_lookup_arg, c, identity.p, identity.len, key,
                                  sizeof(key), &hash);
    bool ok = n >= TERN_PSK_KEY_MIN && n <= TERN_PSK_KEY_MAX &&
              (hash == TERN_PSK_SHA256 || hash == TERN_PSK_SHA384);
    if (ok)
        fill(out, identity.p, identity.len, key, n, hash);
    tern_memzero(key, sizeof(key));
    return ok;
}

int hs_psk_binder(enum cry_hash h, const struct hs_session *s, const uint8_t *th, uint8_t *out)
{
    if (!s->external)
        return hs_binder(h, s->psk, s->psk_len, th, out);
    struct ks13 ks;
    uint8_t binder_key[CRY_MAX_HASH];
    int rc = ks13_init(&ks, h, s->psk, s->psk_len);
    if (rc == TERN_OK)
        rc = ks13_binder_key(&ks, false, binder_key);
    if (rc == TERN_OK)
        rc = ks13_finished(h, binder_key, th, out);
    ks13_cleanup(&ks);
    tern_memzero(binder_key, sizeof(binder_key));
    return rc;
}
