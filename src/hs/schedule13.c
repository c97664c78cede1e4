/* The TLS 1.3 key schedule (RFC 8446 §7.1), Finished (§4.4.4), ticket PSKs
 * (§4.6.1), exporters (§7.5) and NSS key-log lines. */
#include "hs/schedule13.h"

#include "base/mem.h"
#include "base/error.h"

#include <string.h>

/* Derive-Secret(Secret, Label, Messages) = HKDF-Expand-Label(Secret, Label,
 * Transcript-Hash(Messages), Hash.length). The caller passes the transcript
 * hash it already holds. */
static int derive_secret(enum cry_hash h, const uint8_t *secret, const char *label,
                         const uint8_t *th, uint8_t *out)
{
    size_t hlen = cry_hash_len(h);
    return cry_hkdf_expand_label(h, secret, label, th, hlen, out, hlen);
}

/* Derive-Secret over no messages: the context is Hash(""). Used for
 * "derived" and the binder keys. */
static int derive_secret_empty(enum cry_hash h, const uint8_t *secret, const char *label,
                               uint8_t *out)
{
    uint8_t empty_hash[CRY_MAX_HASH];
    TRY(cry_hash(h, "", 0, empty_hash));
    return derive_secret(h, secret, label, empty_hash, out);
}

/* The next stage's secret: HKDF-Extract(salt = Derive-Secret(prev,
 * "derived", ""), IKM = ikm, or hlen zeros when ikm is NULL). */
static int next_stage(enum cry_hash h, const uint8_t *prev, const uint8_t *ikm, size_t ikm_len,
                      uint8_t *out)
{
    size_t hlen = cry_hash_len(h);
    uint8_t salt[CRY_MAX_HASH];
    uint8_t zeros[CRY_MAX_HASH] = {0};
    int rc = derive_secret_empty(h, prev, "derived", salt);
    if (rc == TERN_OK) {
        if (!ikm || ikm_len == 0) {
            ikm = zeros;
            ikm_len = hlen;
        }
        rc = cry_hkdf_extract(h, salt, hlen, ikm, ikm_len, out);
    }
    tern_memzero(salt, sizeof(salt));
    return rc;
}

int ks13_derive_secret(enum cry_hash h, const uint8_t *secret, const char *label, const uint8_t *th,
                       uint8_t *out)
{
    if (!th)
        return derive_secret_empty(h, secret, label, out);
    return derive_secret(h, secret, label, th, out);
}

int ks13_init(struct ks13 *ks, enum cry_hash h, const uint8_t *psk, size_t psk_len)
{
    memset(ks, 0, sizeof(*ks));
    size_t hlen = cry_hash_len(h);
    if (hlen == 0 || hlen > CRY_MAX_HASH || h == CRY_SHA1)
        return TERN_E_ARG;
    ks->hash = h;
    ks->hlen = hlen;
    /* RFC 8446 §7.1: without a PSK the IKM is a string of Hash.length zeros;
     * the salt is 0, which HKDF-Extract treats as Hash.length zeros. */
    uint8_t zeros[CRY_MAX_HASH] = {0};
    if (!psk || psk_len == 0) {
        psk = zeros;
        psk_len = hlen;
    }
    int rc = cry_hkdf_extract(h, zeros, hlen, psk, psk_len, ks->early);
    if (rc != TERN_OK)
        ks13_cleanup(ks);
    return rc;
}

int ks13_binder_key(const struct ks13 *ks, bool resumption, uint8_t *out)
{
    return derive_secret_empty(ks->hash, ks->early, resumption ? "res binder" : "ext binder", out);
}

int ks13_early_traffic(const struct ks13 *ks, const uint8_t *th_ch, uint8_t *out)
{
    return derive_secret(ks->hash, ks->early, "c e traffic", th_ch, out);
}

int ks13_early_exporter(const struct ks13 *ks, const uint8_t *th_ch, uint8_t *out)
{
    return derive_secret(ks->hash, ks->early, "e exp master", th_ch, out);
}

int ks13_handshake(struct ks13 *ks, const uint8_t *dhe, size_t dhe_len, const uint8_t *th_ch_sh)
{
    int rc = next_stage(ks->hash, ks->early, dhe, dhe_len, ks->handshake);
    if (rc == TERN_OK)
        rc = derive_secret(ks->hash, ks->handshake, "c hs traffic", th_ch_sh, ks->client_hs);
    if (rc == TERN_OK)
        rc = derive_secret(ks->hash, ks->handshake, "s hs traffic", th_ch_sh, ks->server_hs);
    return rc;
}

int ks13_master(struct ks13 *ks, const uint8_t *th_ch_sf)
{
    int rc = next_stage(ks->hash, ks->handshake, NULL, 0, ks->master);
    if (rc == TERN_OK)
        rc = derive_secret(ks->hash, ks->master, "c ap traffic", th_ch_sf, ks->client_ap);
    if (rc == TERN_OK)
        rc = derive_secret(ks->hash, ks->master, "s ap traffic", th_ch_sf, ks->server_ap);
    if (rc == TERN_OK)
        rc = derive_secret(ks->hash, ks->master, "exp master", th_ch_sf, ks->exporter);
    return rc;
}

int ks13_resumption(struct ks13 *ks, const uint8_t *th_ch_cf)
{
    int rc = derive_secret(ks->hash, ks->master, "res master", th_ch_cf, ks->resumption);
    if (rc == TERN_OK)
        tern_memzero(ks->master, sizeof(ks->master));
    return rc;
}

int ks13_finished(enum cry_hash h, const uint8_t *base_key, const uint8_t *transcript_hash,
                  uint8_t *out)
{
    size_t hlen = cry_hash_len(h);
    uint8_t finished_key[CRY_MAX_HASH];
    int rc = cry_hkdf_expand_label(h, base_key, "finished", NULL, 0, finished_key, hlen);
    if (rc == TERN_OK)
        rc = cry_hmac(h, finished_key, hlen, transcript_hash, hlen, out);
    tern_memzero(finished_key, sizeof(finished_key));
    return rc;
}

int ks13_ticket_psk(enum cry_hash h, const uint8_t *res_master, const uint8_t *nonce,
                    size_t nonce_len, uint8_t *out)
{
    return cry_hkdf_expand_label(h, res_master, "resumption", nonce, nonce_len, out,
                                 cry_hash_len(h));
}

int ks13_export(const struct ks13 *ks, const char *label, const uint8_t *context,
                size_t context_len, uint8_t *out, size_t out_len)
{
    /* RFC 8446 §7.5: TLS-Exporter(label, context_value, key_length) =
     *   HKDF-Expand-Label(Derive-Secret(Secret, label, ""),
     *                     "exporter", Hash(context_value), key_length) */
    uint8_t secret[CRY_MAX_HASH];
    uint8_t ctx_hash[CRY_MAX_HASH];
    int rc = derive_secret_empty(ks->hash, ks->exporter, label, secret);
    if (rc == TERN_OK)
        rc = cry_hash(ks->hash, context ? (const void *)context : "", context_len, ctx_hash);
    if (rc == TERN_OK)
        rc = cry_hkdf_expand_label(ks->hash, secret, "exporter", ctx_hash, ks->hlen, out, out_len);
    tern_memzero(secret, sizeof(secret));
    return rc;
}

void ks13_wipe_handshake(struct ks13 *ks)
{
    tern_memzero(ks->early, sizeof(ks->early));
    tern_memzero(ks->handshake, sizeof(ks->handshake));
    tern_memzero(ks->client_hs, sizeof(ks->client_hs));
    tern_memzero(ks->server_hs, sizeof(ks->server_hs));
}

void ks13_cleanup(struct ks13 *ks)
{
    tern_memzero(ks, sizeof(*ks));
}

/* hex_digit without a table or a branch: secrets pass through here, and a
 * table indexed by them would leak through the cache (tests/unit/ct_test.c).
 * 'a' - '0' - 10 = 39 is added when v > 9, i.e. when 9 - v borrows. */
static char hex_digit(unsigned v)
{
    return (char)('0' + v + (39u & (0u - ((9u - v) >> 8 & 1u))));
}

static size_t put_hex(char *buf, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        buf[2 * i] = hex_digit(p[i] >> 4);
        buf[2 * i + 1] = hex_digit(p[i] & 15u);
    }
    return 2 * n;
}

size_t ks13_keylog_line(char *buf, size_t cap, const char *label, const uint8_t client_random[32],
                        const uint8_t *secret, size_t secret_len)
{
    /* NSS key log format: "<label> <client_random hex> <secret hex>". */
    size_t label_len = strlen(label);
    size_t need = label_len + 1 + 64 + 1 + 2 * secret_len;
    if (need + 1 > cap)
        return 0;
    size_t o = 0;
    memcpy(buf, label, label_len);
    o += label_len;
    buf[o++] = ' ';
    o += put_hex(buf + o, client_random, 32);
    buf[o++] = ' ';
    o += put_hex(buf + o, secret, secret_len);
    buf[o] = '\0';
    return o;
}
