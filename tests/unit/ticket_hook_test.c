/* The ticket-sealing hook carrying OpenSSL's ticket format, as the
 * OpenSSL-compatible layer will for nginx's ssl_session_ticket_key files:
 * key name (16 bytes), IV (16), AES-CBC ciphertext of tern's state, and an
 * HMAC-SHA-256 (32) over all of that; 80-byte key files hold name, HMAC key
 * and AES-256 key (32 + 32), 48-byte ones name, HMAC key and AES-128 key
 * (16 + 16). The hook is the test's, written with libcrypto as the layer
 * would; tern sees only its state. Both versions resume; a ticket under the
 * previous key resumes and is renewed under the current one; a forged or
 * unknown one means a full handshake. */
#include "pair.h"
#include "tern/tern.h"
#include "test.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

struct ticket_key {
    uint8_t name[16], hmac[32], aes[32];
    size_t hmac_len, aes_len; /* 32 and 32 (80-byte file) or 16 and 16 (48-byte file) */
};

struct keyring {
    struct ticket_key keys[2]; /* [0] seals; both open */
    size_t n;
    unsigned seals, opens, renewals;
};

static void key_from_file_bytes(struct ticket_key *k, const uint8_t *file, size_t len)
{
    memset(k, 0, sizeof(*k));
    memcpy(k->name, file, 16);
    k->hmac_len = k->aes_len = len == 80 ? 32 : 16;
    memcpy(k->hmac, file + 16, k->hmac_len);
    memcpy(k->aes, file + 16 + k->hmac_len, k->aes_len);
}

static const EVP_CIPHER *cipher_of(const struct ticket_key *k)
{
    return k->aes_len == 32 ? EVP_aes_256_cbc() : EVP_aes_128_cbc();
}

static int mac(const struct ticket_key *k, const uint8_t *p, size_t n, uint8_t out[32])
{
    size_t out_len = 0;
    return EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, k->hmac, k->hmac_len, p, n, out, 32,
                     &out_len) != NULL &&
           out_len == 32;
}

static int ossl_seal(void *arg, const uint8_t *state, size_t len, uint8_t *out, size_t cap,
                     size_t *out_len)
{
    struct keyring *r = arg;
    const struct ticket_key *k = &r->keys[0];
    r->seals++;
    if (32 + len + 16 + 32 > cap)
        return -1;
    memcpy(out, k->name, 16);
    if (RAND_bytes(out + 16, 16) != 1)
        return -1;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n1 = 0, n2 = 0;
    int ok = ctx && EVP_EncryptInit_ex(ctx, cipher_of(k), NULL, k->aes, out + 16) == 1 &&
             EVP_EncryptUpdate(ctx, out + 32, &n1, state, (int)len) == 1 &&
             EVP_EncryptFinal_ex(ctx, out + 32 + n1, &n2) == 1;
    EVP_CIPHER_CTX_free(ctx);
    size_t body = 32 + (size_t)n1 + (size_t)n2;
    if (!ok || !mac(k, out, body, out + body))
        return -1;
    *out_len = body + 32;
    return 0;
}

static int ossl_open(void *arg, const uint8_t *t, size_t len, uint8_t *out, size_t cap,
                     size_t *out_len)
{
    struct keyring *r = arg;
    r->opens++;
    if (len < 16 + 16 + 16 + 32 || (len - 64) % 16)
        return TERN_TICKET_UNKNOWN;
    size_t i = 0;
    while (i < r->n && memcmp(r->keys[i].name, t, 16))
        i++;
    if (i == r->n)
        return TERN_TICKET_UNKNOWN; /* a key name we do not hold */
    const struct ticket_key *k = &r->keys[i];
    uint8_t want[32];
    if (!mac(k, t, len - 32, want) || CRYPTO_memcmp(want, t + len - 32, 32) != 0)
        return TERN_TICKET_UNKNOWN;
    if (len - 64 > cap)
        return TERN_TICKET_UNKNOWN;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n1 = 0, n2 = 0;
    int ok = ctx && EVP_DecryptInit_ex(ctx, cipher_of(k), NULL, k->aes, t + 16) == 1 &&
             EVP_DecryptUpdate(ctx, out, &n1, t + 32, (int)(len - 64)) == 1 &&
             EVP_DecryptFinal_ex(ctx, out + n1, &n2) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok)
        return TERN_TICKET_UNKNOWN;
    *out_len = (size_t)n1 + (size_t)n2;
    if (i > 0)
        r->renewals++;
    return i == 0 ? TERN_TICKET_OK : TERN_TICKET_RENEW;
}

static uint8_t saved[TERN_SESSION_MAX];
static size_t saved_len, saved_n;
static void save_session(void *arg, const char *name, const uint8_t *s, size_t len)
{
    (void)arg;
    (void)name;
    saved_n++;
    if (len <= sizeof(saved)) {
        memcpy(saved, s, len);
        saved_len = len;
    }
}

/* The ticket the client saved last: the blob's tail, behind its 16-bit
 * length (tern's session encoding ends with the ticket). */
/* saved_ticket: the ticket at the end of the saved session (its 16-bit
 * length in front of it) that begins with the key name `name`: both, so a
 * ticket's random bytes that happen to read as a length cannot be taken
 * for its start (a 1 in 300 chance with the length alone) */
static const uint8_t *saved_ticket(const uint8_t name[16], size_t *len)
{
    for (size_t t = 80; t + 2 < saved_len && t < 2048; t++)
        if (((size_t)saved[saved_len - t - 2] << 8 | saved[saved_len - t - 1]) == t &&
            !memcmp(saved + saved_len - t, name, 16)) {
            *len = t;
            return saved + saved_len - t;
        }
    *len = 0;
    return NULL;
}

static int visit(tern_config *ccfg, tern_config *scfg)
{
    tern_conn *c = tern_conn_new_client(ccfg, "localhost");
    tern_conn *s = tern_conn_new_server(scfg);
    pump(c, s, 1 << 20);
    int r = -1;
    if (both_done(c, s)) {
        exchange(c, s, 64);
        pump(c, s, 1 << 20);
        CHECK_EQ(tern_conn_resumed(c), tern_conn_resumed(s));
        r = tern_conn_resumed(s);
    } else {
        fprintf(stderr, "  client: %s\n  server: %s\n", tern_conn_error(c), tern_conn_error(s));
    }
    tern_conn_free(c);
    tern_conn_free(s);
    return r;
}

static tern_config *hooked_server(struct keyring *r, uint16_t version)
{
    tern_config *cfg = server_config("server-p256");
    struct tern_ticket_sealer h = {.seal = ossl_seal, .open = ossl_open, .arg = r};
    CHECK_EQ(tern_config_set_ticket_sealer(cfg, &h), TERN_OK);
    CHECK_EQ(tern_config_set_versions(cfg, TERN_TLS12, version), TERN_OK);
    return cfg;
}

static void test_openssl_format(void)
{
    for (size_t file_len = 48; file_len <= 80; file_len += 32)
        for (int v13 = 0; v13 < 2; v13++) {
            uint8_t file[80];
            CHECK_EQ(RAND_bytes(file, sizeof(file)), 1);
            struct keyring r = {.n = 1};
            key_from_file_bytes(&r.keys[0], file, file_len);
            tern_config *scfg = hooked_server(&r, v13 ? TERN_TLS13 : TERN_TLS12);
            tern_config *ccfg = client_config();
            tern_config_set_session_callback(ccfg, save_session, NULL);
            CHECK_EQ(visit(ccfg, scfg), 0);
            size_t tlen;
            /* sealed under the key's name: name, IV, whole blocks, MAC;
             * small enough for tern's client */
            const uint8_t *t = saved_ticket(r.keys[0].name, &tlen);
            CHECK(t != NULL);
            CHECK(tlen >= 80 && (tlen - 64) % 16 == 0 && tlen <= 512);
            CHECK_EQ(visit(ccfg, scfg), 1);
            CHECK(r.opens >= 1);
            /* A forged ticket (its last MAC byte) is unknown: a full handshake. */
            tern_config *forger = client_config();
            tern_config_set_session_callback(forger, save_session, NULL);
            CHECK_EQ(visit(forger, scfg), 0);
            saved[saved_len - 1] ^= 1;
            tern_config *replay = client_config();
            CHECK_EQ(tern_config_add_session(replay, saved, saved_len), TERN_OK);
            CHECK_EQ(visit(replay, scfg), 0);
            tern_config_free(replay);
            tern_config_free(forger);
            tern_config_free(ccfg);
            tern_config_free(scfg);
        }
}

/* nginx's rotation: the first key file seals, the others still open; a
 * ticket under an older key resumes and comes back under the new one. */
static void test_rotation_renews(void)
{
    for (int v13 = 0; v13 < 2; v13++) {
        uint8_t old_file[80], new_file[80];
        CHECK_EQ(RAND_bytes(old_file, 80), 1);
        CHECK_EQ(RAND_bytes(new_file, 80), 1);
        struct keyring r = {.n = 1};
        key_from_file_bytes(&r.keys[0], old_file, 80);
        tern_config *scfg = hooked_server(&r, v13 ? TERN_TLS13 : TERN_TLS12);
        tern_config *ccfg = client_config();
        tern_config_set_session_callback(ccfg, save_session, NULL);
        CHECK_EQ(visit(ccfg, scfg), 0);
        /* rotate: new key first, old key kept for opening */
        r.keys[1] = r.keys[0];
        key_from_file_bytes(&r.keys[0], new_file, 80);
        r.n = 2;
        saved_n = 0;
        CHECK_EQ(visit(ccfg, scfg), 1);
        CHECK_EQ(r.renewals, 1);
        CHECK_EQ(saved_n, 1);
        size_t tlen;
        const uint8_t *t = saved_ticket(r.keys[0].name, &tlen);
        CHECK(t != NULL); /* renewed under the new key */
        /* the old key retired: the renewed ticket still resumes */
        r.n = 1;
        CHECK_EQ(visit(ccfg, scfg), 1);
        tern_config_free(ccfg);
        tern_config_free(scfg);
    }
}

int main(void)
{
    RUN(test_openssl_format);
    RUN(test_rotation_renews);
    return test_done();
}
