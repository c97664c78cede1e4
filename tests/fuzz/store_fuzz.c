/* Fuzz the serialized session of src/hs/store.c, which a server reads back
 * from the application's session store (hs_store_deserialize: MAC, context,
 * session, expiry) or from its ticket-sealing hook (hs_state_decode: no MAC,
 * the application authenticated it).
 *
 * The first byte picks the parser: even, the state decoder on the rest;
 * odd, the rest gets a valid MAC appended (as if the store handed back a
 * session it was given) and goes through the deserializer, so mutations
 * reach the decoding behind the MAC; the low bit of the second byte then
 * also flips one byte of the MAC, which must be refused. A state that
 * decodes must serialize and deserialize to itself. */
#include "hs/store.h"
#include "session_check.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FIXED_NOW_MS 1767225600000ull

static const uint8_t fz_key[32] = {0x5e, 0x55, 0x10, 0x45};

static tern_config *store_config(void)
{
    static tern_config *cfg;
    if (!cfg) {
        cfg = tern_config_new();
        if (!cfg || tern_config_set_ticket_key(cfg, fz_key, sizeof(fz_key)) ||
            tern_config_set_session_id_context(cfg, (const uint8_t *)"fuzz", 4))
            abort();
    }
    return cfg;
}

static void check_session(const struct hs_session *s)
{
    if (s->psk_len > sizeof(s->psk) || s->ticket_len > sizeof(s->ticket) ||
        s->session_id_len > sizeof(s->session_id) ||
        !memchr(s->server_name, 0, sizeof(s->server_name)) ||
        !memchr(s->alpn, 0, sizeof(s->alpn)) ||
        !memchr(s->peer_subject, 0, sizeof(s->peer_subject)))
        abort();
    check_session_certs(s); /* session_check.h */
}

static void round_trip(const tern_config *cfg, const struct hs_session *s)
{
    uint8_t blob[TERN_SESSION_MAX];
    size_t len;
    if (hs_store_serialize(cfg, s, blob, &len) != TERN_OK)
        return; /* too big: refused, not cut */
    struct hs_session back;
    struct tern_err err;
    err_init(&err);
    if (len > TERN_SESSION_MAX ||
        hs_store_deserialize(cfg, blob, len, s->issued_ms, &back, &err) != TERN_OK ||
        back.psk_len != s->psk_len || memcmp(back.psk, s->psk, s->psk_len) != 0 ||
        back.ems != s->ems || back.suite != s->suite || strcmp(back.alpn, s->alpn) != 0 ||
        strcmp(back.server_name, s->server_name) != 0 || back.have_verdict != s->have_verdict ||
        back.n_certs > s->n_certs)
        abort();
    /* the certificates kept (all, or the first ones when the session had
     * to lose some to fit) come back whole */
    size_t kept = 0;
    for (size_t i = 0; i < back.n_certs; i++) {
        if (back.cert_len[i] != s->cert_len[i])
            abort();
        kept += back.cert_len[i];
    }
    if (kept && memcmp(back.certs, s->certs, kept) != 0)
        abort();

    hs_session_wipe(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    tern_config *cfg = store_config();
    unsigned mode = data[0], flip = data[1] & 1;
    data += 2, size -= 2;
    struct hs_session s;
    struct tern_err err;
    err_init(&err);
    if (!(mode & 1)) {
        struct rd r;
        rd_init(&r, data, size);
        if (hs_state_decode(cfg, r, &s, &err) == TERN_OK) {
            check_session(&s);
            round_trip(cfg, &s);
        } else if (err.msg[0] == '\0') {
            abort(); /* a refusal says why */
        }
        hs_session_wipe(&s);
        return 0;
    }
    if (size > TERN_SESSION_MAX)
        return 0;
    uint8_t *blob = malloc(size + HS_STORE_MAC_LEN);
    if (!blob)
        return 0;
    memcpy(blob, data, size);
    /* The MAC the store key gives over these bytes. */
    int rc = hs_store_mac(cfg, blob, size, blob + size);
    if (rc == TERN_OK) {
        if (flip)
            blob[size] ^= 1;
        rc = hs_store_deserialize(cfg, blob, size + HS_STORE_MAC_LEN, FIXED_NOW_MS, &s, &err);
        if (rc == TERN_OK) {
            if (flip)
                abort(); /* a wrong MAC authenticated */
            check_session(&s);
        } else if (err.msg[0] == '\0') {
            abort();
        }
        hs_session_wipe(&s);
    }
    free(blob);
    return 0;
}
