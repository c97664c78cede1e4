/* Fuzz the resumption parsers of src/hs/session.c: the ticket opener
 * (hs_ticket_open: a server opens whatever a client presents as a PSK
 * identity), the pre_shared_key extension parser (hs_psk_parse) and the
 * session decoder (hs_session_decode: tickets' contents and the blobs a
 * client application saves and gives back).
 *
 * The first byte picks the parser (low 2 bits: 0 ticket, 1 pre_shared_key,
 * 2 session, 3 a seal/open round trip of a decoded session); bit 0x80 turns
 * on the provider's relaxed mode in fuzz builds, so mutated tickets
 * "authenticate" and their contents reach the decoder. The seeds are the
 * pre_shared_key extensions and tickets of recorded resumptions (the
 * hs_client_fuzz seeds), sealed under the key and at the time of
 * tests/fuzz/hs_fuzz.h; and (session-f4-*, cut from store_fuzz's) sessions of
 * format 4 with a client's verdict and certificates. */
#include "hs/session.h"

#include "hs_fuzz.h"
#include "session_check.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* TERN_FUZZ_SEEDS=DIR: write the seeds of all three targets (hs_fuzz.h). */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_maybe_generate();
    return 0;
}

static const tern_config *ticket_config(void)
{
    static tern_config *cfg;
    if (!cfg) {
        cfg = tern_config_new();
        if (!cfg || tern_config_set_ticket_key(cfg, fz_ticket_key, sizeof(fz_ticket_key)) ||
            tern_config_set_tickets(cfg, 1, 3600, 86400))
            abort();
    }
    return cfg;
}

#define FIXED_NOW_MS 1767225600000ull /* the fuzzing mode's clock (openssl.c) */

static void check_session(const struct hs_session *s)
{
    if (s->psk_len > sizeof(s->psk) || s->ticket_len > sizeof(s->ticket) ||
        !memchr(s->server_name, 0, sizeof(s->server_name)) ||
        !memchr(s->alpn, 0, sizeof(s->alpn)) ||
        !memchr(s->peer_subject, 0, sizeof(s->peer_subject)))
        abort();
    check_session_certs(s); /* session_check.h */
    /* A TLS 1.2 session (its ticket or saved blob) holds a master secret. */
    bool ok12 = s->version == TERN_TLS12 && hs_suite12(s->suite) && s->psk_len == HS12_MASTER_LEN;
    bool ok13 = s->version == TERN_TLS13 && hs_suite13(s->suite) &&
                s->psk_len == cry_hash_len(hs_suite13(s->suite)->hash);
    if (!ok12 && !ok13)
        abort();
}

static void open_ticket(const uint8_t *p, size_t n)
{
    struct hs_session s;
    struct tern_err err;
    err_init(&err);
    int rc = hs_ticket_open(ticket_config(), p, n, FIXED_NOW_MS, &s, &err);
    if (rc == TERN_OK)
        check_session(&s);
    else if (err.code != rc || err.msg[0] == '\0')
        abort(); /* a refused ticket says why */
    hs_session_wipe(&s);
}

static void parse_psk(const uint8_t *p, size_t n)
{
    struct rd ext;
    rd_init(&ext, p, n);
    struct hs_offered_psk psks[HS_MAX_PSKS];
    size_t count = 0, binders_len = 0;
    struct tern_err err;
    err_init(&err);
    if (hs_psk_parse(ext, psks, &count, &binders_len, &err) != TERN_OK) {
        if (err.msg[0] == '\0')
            abort();
        return;
    }
    /* The binders are the extension's tail; every piece lies inside it. */
    if (count == 0 || count > HS_MAX_PSKS || binders_len > n || binders_len < 2 + 33)
        abort();
    for (size_t i = 0; i < count; i++) {
        const struct rd *parts[2] = {&psks[i].identity, &psks[i].binder};
        for (int j = 0; j < 2; j++)
            if (parts[j]->p < p || parts[j]->p + parts[j]->len > p + n || parts[j]->len == 0)
                abort();
        if (psks[i].binder.p < p + n - binders_len || psks[i].binder.len < 32)
            abort();
        /* Each identity goes to the ticket opener, as the server does. */
        open_ticket(psks[i].identity.p, psks[i].identity.len);
    }
}

static void decode_session(const uint8_t *p, size_t n, bool round_trip)
{
    struct rd r;
    rd_init(&r, p, n);
    struct hs_session s;
    if (hs_session_decode(r, &s) != TERN_OK)
        return;
    check_session(&s);
    if (round_trip) {
        /* A decoded session seals into a ticket that opens to itself. */
        struct wr t;
        wr_init_grow(&t);
        s.issued_ms = FIXED_NOW_MS;
        s.lifetime_s = 3600;
        static const uint8_t nonce[12] = {1, 2, 3};
        if (hs_ticket_seal(ticket_config(), &s, FIXED_NOW_MS / 1000, nonce, &t) == TERN_OK &&
            wr_ok(&t)) {
            struct hs_session back;
            struct tern_err err;
            err_init(&err);
            if (hs_ticket_open(ticket_config(), t.buf, t.len, FIXED_NOW_MS, &back, &err) !=
                    TERN_OK ||
                back.psk_len != s.psk_len || memcmp(back.psk, s.psk, s.psk_len) != 0 ||
                strcmp(back.server_name, s.server_name) != 0 ||
                back.have_verdict != s.have_verdict || back.n_certs > s.n_certs)
                abort();
            /* the certificates kept (the first ones, when some had to go
             * for the ticket to fit) come back whole */
            size_t kept = 0;
            for (size_t i = 0; i < back.n_certs; i++) {
                if (back.cert_len[i] != s.cert_len[i])
                    abort();
                kept += back.cert_len[i];
            }
            if (kept && memcmp(back.certs, s.certs, kept) != 0)
                abort();
            hs_session_wipe(&back);
        }
        wr_free(&t);
    }
    hs_session_wipe(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned mode = data[0];
    fz_mode(mode & FZ_RELAXED);
    data++, size--;
    switch (mode & 3) {
    case 0:
        open_ticket(data, size);
        break;
    case 1:
        parse_psk(data, size);
        break;
    default:
        decode_session(data, size, (mode & 3) == 3);
        break;
    }
    return 0;
}
