/* Sessions and stateless tickets (RFC 8446 §4.6.1, §4.2.11).
 *
 * Ticket keys are derived, not stored: key(epoch) = HKDF-Expand(secret,
 * "tern ticket key" || epoch), epoch = floor(now / rotation). A ticket is
 * sealed with the current epoch's key and opened with the current or the
 * previous one, so keys rotate without any mutable state, and server
 * processes that share the secret (a file) open each other's tickets. */
#include "hs/policy.h"
#include "hs/session.h"
#include "hs/codec13.h"
#include "hs/store.h"

#include "base/mem.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

uint64_t hs_now_ms(void)
{
#ifdef TERN_FUZZING
    uint64_t fixed;
    if (cry_fuzz_fixed_time(&fixed))
        return fixed; /* so recorded tickets stay fresh in the fuzz corpus */
#endif
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void hs_session_wipe(struct hs_session *s)
{
    tern_memzero(s, sizeof(*s));
}

void hs_session_set_peer(struct hs_session *s, const tern_conn *c)
{
    const char *subject = c->peer_subject ? c->peer_subject : "";
    size_t n = strlen(subject);
    if (n <= HS_TICKET_SUBJECT_MAX) {
        memcpy(s->peer_subject, subject, n + 1);
    } else {
        /* Room for "..."; never split a UTF-8 sequence. */
        size_t keep = HS_TICKET_SUBJECT_MAX - 3;
        while (keep && (subject[keep] & 0xc0) == 0x80)
            keep--;
        memcpy(s->peer_subject, subject, keep);
        memcpy(s->peer_subject + keep, "...", 4);
    }
    s->peer_cert_hash_len = c->have_peer_cert_hash ? sizeof(s->peer_cert_hash) : 0;
    memcpy(s->peer_cert_hash, c->peer_cert_hash, s->peer_cert_hash_len);
    const struct hs_peer *p = c->peer;
    s->n_certs = 0;
    s->have_verdict = p && p->have_verdict && p->status >= 0 && p->status <= 255 &&
                      (unsigned)p->reason <= TERN_VERIFY_ERROR;
    if (!s->have_verdict)
        return;
    s->verdict_status = (uint8_t)p->status;
    s->verdict_reason = (uint8_t)p->reason;
    /* the chain as sent, leaf first, as many whole certificates as fit */
    size_t off = 0, used = 0;
    for (uint32_t i = 0; i < p->n && i < HS_SESSION_CERTS; i++) {
        size_t len = p->len[i];
        if (len == 0 || len > sizeof(s->certs) - used)
            break;
        memcpy(s->certs + used, p->der + off, len);
        s->cert_len[i] = (uint16_t)len;
        used += len;
        off += len;
        s->n_certs++;
    }
}

int hs_session_take_peer(tern_conn *c, const struct hs_session *s)
{
    hs_peer_subject_set(c, s->peer_subject);
    c->have_peer_cert_hash = s->peer_cert_hash_len == sizeof(c->peer_cert_hash);
    if (c->have_peer_cert_hash)
        memcpy(c->peer_cert_hash, s->peer_cert_hash, sizeof(c->peer_cert_hash));
    if (!s->have_verdict || !c->is_server)
        return TERN_OK; /* (a client's session keeps no verdict: x509.h) */
    /* The verdict and chain of the handshake that made the session. */
    struct rd certs[HS_SESSION_CERTS];
    size_t off = 0;
    for (size_t i = 0; i < s->n_certs; i++) {
        rd_init(&certs[i], s->certs + off, s->cert_len[i]);
        off += s->cert_len[i];
    }
    TRY(hs_peer_keep(c, certs, s->n_certs));
    struct tern_err e;
    err_init(&e);
    if (s->verdict_status != TERN_OK) {
        err_set(&e, s->verdict_status,
                s->verdict_reason == TERN_VERIFY_NO_CERTIFICATE
                    ? "the client sent no certificate (in the handshake that made this session)"
                    : "the handshake that made this session found: %s",
                tern_verify_reason_name((enum tern_verify_reason)s->verdict_reason));
        e.detail = s->verdict_reason;
    }
    hs_peer_set_verdict(c, &e);
    hs_peer_set_reason(c, (enum tern_verify_reason)s->verdict_reason);
    return TERN_OK;
}

void hs_ticket_skipped(tern_conn *c, int rc)
{
    struct tern_trace_fact f[] = {{"reason", tern_status_name(rc)}};
    hs_trace(c, TERN_TRACE_CHECK, TERN_DIR_LOCAL, "ticket skipped",
             rc == TERN_E_ACCESS_DENIED
                 ? "The client's certificate was refused and the handshake went on (report "
                   "only, or the override): the session is not kept for resumption, so a later "
                   "connection cannot skip the verdict."
             : rc == TERN_E_LIMIT
                 ? "This session (its server name, ALPN protocol and client identity) does not "
                   "fit in a session ticket, so the client gets none: its next visit is a full "
                   "handshake. This connection is not affected."
                 : "Sealing a session ticket failed, so the client gets none: its next visit is a "
                   "full handshake. This connection is not affected.",
             0, f, 1);
}

static void put_str8(struct wr *w, const char *s)
{
    size_t m = wr_open_u8(w);
    wr_bytes(w, s, strlen(s));
    wr_close(w, m);
}

void hs_session_encode(const struct hs_session *s, struct wr *w)
{
    hs_session_encode_n(s, s->n_certs, w);
}

void hs_session_encode_n(const struct hs_session *s, size_t n_certs, struct wr *w)
{
    /* format 4; 3 had no verdict and certificates, 2 no flags and session
     * ID, 1 no certificate hash */
    wr_u8(w, 4);
    wr_u16(w, s->version);
    wr_u16(w, s->suite);
    size_t m = wr_open_u8(w);
    wr_bytes(w, s->psk, s->psk_len);
    wr_close(w, m);
    wr_u64(w, s->issued_ms);
    wr_u32(w, s->lifetime_s);
    wr_u32(w, s->age_add);
    put_str8(w, s->server_name);
    put_str8(w, s->alpn);
    m = wr_open_u16(w);
    wr_bytes(w, s->peer_subject, strlen(s->peer_subject));
    wr_close(w, m);
    m = wr_open_u8(w);
    wr_bytes(w, s->peer_cert_hash, s->peer_cert_hash_len);
    wr_close(w, m);
    /* flags: bit 0, extended master secret; bit 1, a verdict follows */
    wr_u8(w, (uint8_t)((s->ems ? 1 : 0) | (s->have_verdict ? 2 : 0)));
    m = wr_open_u8(w);
    wr_bytes(w, s->session_id, s->session_id_len);
    wr_close(w, m);
    if (s->have_verdict) {
        wr_u8(w, s->verdict_status);
        wr_u8(w, s->verdict_reason);
        /* the certificates, each u16-prefixed, in a u16-prefixed list */
        m = wr_open_u16(w);
        size_t off = 0;
        for (size_t i = 0; i < n_certs && i < s->n_certs; i++) {
            size_t c = wr_open_u16(w);
            wr_bytes(w, s->certs + off, s->cert_len[i]);
            wr_close(w, c);
            off += s->cert_len[i];
        }
        wr_close(w, m);
    }
    m = wr_open_u16(w);
    wr_bytes(w, s->ticket, s->ticket_len);
    wr_close(w, m);
}

/* get_certs reads format 4's certificate list into s: at most
 * HS_SESSION_CERTS, each non-empty, HS_SESSION_CERTS_MAX bytes together. */
static bool get_certs(struct rd list, struct hs_session *s)
{
    size_t used = 0;
    s->n_certs = 0;
    while (!rd_empty(&list)) {
        struct rd cert;
        if (s->n_certs == HS_SESSION_CERTS || !rd_prefixed16_nonempty(&list, &cert) ||
            cert.len > sizeof(s->certs) - used)
            return false;
        memcpy(s->certs + used, cert.p, cert.len);
        s->cert_len[s->n_certs++] = (uint16_t)cert.len;
        used += cert.len;
    }
    return true;
}

static bool get_str(struct rd *sub, char *out, size_t cap)
{
    if (sub->len >= cap || memchr(sub->p, 0, sub->len))
        return false;
    memcpy(out, sub->p, sub->len);
    out[sub->len] = '\0';
    return true;
}

/* verdict_consistent: accepted (OK, or not checked in insecure mode) with
 * status TERN_OK, or a refusal with a status; a refused chain is never
 * kept (hs_peer_refused), so a refusal comes without certificates. */
static bool verdict_consistent(const struct hs_session *s)
{
    bool accepted =
        s->verdict_reason == TERN_VERIFY_OK || s->verdict_reason == TERN_VERIFY_NOT_CHECKED;
    return accepted ? s->verdict_status == TERN_OK
                    : s->verdict_status != TERN_OK && s->n_certs == 0;
}

int hs_session_decode(struct rd r, struct hs_session *s)
{
    memset(s, 0, sizeof(*s));
    uint8_t format, flags = 1; /* formats 1 and 2: tern always required the EMS */
    struct rd psk, name, alpn, subject, hash = {0}, sid = {0}, certs = {0}, ticket;
    if (!rd_u8(&r, &format) || format < 1 || format > 4 || !rd_u16(&r, &s->version) ||
        !rd_u16(&r, &s->suite) || !rd_prefixed8(&r, &psk) || !rd_u64(&r, &s->issued_ms) ||
        !rd_u32(&r, &s->lifetime_s) || !rd_u32(&r, &s->age_add) || !rd_prefixed8(&r, &name) ||
        !rd_prefixed8(&r, &alpn) || !rd_prefixed16(&r, &subject) ||
        (format >= 2 && !rd_prefixed8(&r, &hash)) ||
        (format >= 3 &&
         (!rd_u8(&r, &flags) || flags > (format >= 4 ? 3 : 1) || !rd_prefixed8(&r, &sid))) ||
        ((flags & 2) && (!rd_u8(&r, &s->verdict_status) || !rd_u8(&r, &s->verdict_reason) ||
                         s->verdict_reason > TERN_VERIFY_ERROR || !rd_prefixed16(&r, &certs) ||
                         !get_certs(certs, s) || !verdict_consistent(s))) ||
        !rd_prefixed16(&r, &ticket) || !rd_empty(&r) ||
        (hash.len != 0 && hash.len != sizeof(s->peer_cert_hash)) || sid.len > sizeof(s->session_id))
        return TERN_E_DECODE;
    if (hash.len) /* (an absent field's reader may hold NULL) */
        memcpy(s->peer_cert_hash, hash.p, hash.len);
    s->peer_cert_hash_len = hash.len;
    const struct hs_suite *suite = hs_suite13(s->suite);
    /* TLS 1.2 hook: a 1.2 session carries its master secret (hs/tls12.h). */
    bool ok12 = s->version == TERN_TLS12 && hs_suite12(s->suite) && psk.len == HS12_MASTER_LEN;
    bool ok13 = s->version == TERN_TLS13 && suite && psk.len == cry_hash_len(suite->hash);
    if (!(ok12 || ok13) || ticket.len > sizeof(s->ticket) ||
        !get_str(&name, s->server_name, sizeof(s->server_name)) ||
        !get_str(&alpn, s->alpn, sizeof(s->alpn)) ||
        !get_str(&subject, s->peer_subject, sizeof(s->peer_subject))) {
        hs_session_wipe(s);
        return TERN_E_DECODE;
    }
    memcpy(s->psk, psk.p, psk.len);
    s->psk_len = psk.len;
    if (ticket.len)
        memcpy(s->ticket, ticket.p, ticket.len);
    s->ticket_len = ticket.len;
    if (sid.len)
        memcpy(s->session_id, sid.p, sid.len);
    s->session_id_len = sid.len;
    s->ems = flags & 1;
    s->have_verdict = (flags & 2) != 0;
    return TERN_OK;
}

static int epoch_key(const tern_config *cfg, uint64_t epoch, struct cry_aead_key *k)
{
    uint8_t info[15 + 8] = "tern ticket key";
    for (int i = 0; i < 8; i++)
        info[15 + i] = (uint8_t)(epoch >> (56 - 8 * i));
    uint8_t key[32];
    int rc = cry_hkdf_expand(CRY_SHA256, cfg->ticket_secret, cfg->ticket_secret_len, info,
                             sizeof(info), key, sizeof(key));
    if (rc == TERN_OK)
        rc = cry_aead_init(k, CRY_AES_256_GCM, key, sizeof(key));
    tern_memzero(key, sizeof(key));
    return rc;
}

/* ticket_aad: what a sealed ticket authenticates beside its contents: the
 * epoch (head's first 8 bytes) and the configuration's session-ID context,
 * so a ticket never opens under another context that shares the ticket
 * key (with none, the epoch alone, as before contexts counted). */
static size_t ticket_aad(const tern_config *cfg, const uint8_t *head, uint8_t *aad)
{
    memcpy(aad, head, 8);
    memcpy(aad + 8, cfg->sid_ctx, cfg->sid_ctx_len);
    return 8 + cfg->sid_ctx_len;
}

int hs_ticket_seal(const tern_config *cfg, const struct hs_session *s, uint64_t now_s,
                   const uint8_t nonce[12], struct wr *out)
{
    uint64_t epoch = now_s / cfg->ticket_rotation;
    uint8_t plain[HS_TICKET_MAX];
    struct wr p;
    /* the session whole, or with fewer of the client's certificates */
    for (size_t n = s->n_certs + 1; n-- > 0;) {
        wr_init_fixed(&p, plain, sizeof(plain) - HS_TICKET_OVERHEAD);
        hs_session_encode_n(s, n, &p);
        if (wr_ok(&p))
            break;
    }
    if (!wr_ok(&p)) {
        tern_memzero(plain, sizeof(plain));
        return TERN_E_LIMIT;
    }
    uint8_t head[20];
    for (int i = 0; i < 8; i++)
        head[i] = (uint8_t)(epoch >> (56 - 8 * i));
    memcpy(head + 8, nonce, 12);
    struct cry_aead_key k = {0};
    int rc = epoch_key(cfg, epoch, &k);
    uint8_t tag[16];
    uint8_t aad[8 + sizeof(cfg->sid_ctx)];
    size_t aad_len = ticket_aad(cfg, head, aad);
    if (rc == TERN_OK)
        rc = cry_aead_seal(&k, head + 8, 12, aad, aad_len, plain, p.len, tag, sizeof(tag));
    cry_aead_cleanup(&k);
    if (rc == TERN_OK) {
        wr_bytes(out, head, sizeof(head));
        wr_bytes(out, plain, p.len);
        wr_bytes(out, tag, sizeof(tag));
    }
    tern_memzero(plain, sizeof(plain));
    return rc;
}

int hs_ticket_open(const tern_config *cfg, const uint8_t *ticket, size_t len, uint64_t now_ms,
                   struct hs_session *out, struct tern_err *err)
{
    uint64_t now_s = now_ms / 1000u;
    struct rd r;
    rd_init(&r, ticket, len);
    const uint8_t *head, *body, *tag;
    uint64_t epoch;
    if (len < HS_TICKET_OVERHEAD || len > HS_TICKET_MAX || !rd_bytes(&r, &head, 20) ||
        !rd_bytes(&r, &body, len - HS_TICKET_OVERHEAD) || !rd_bytes(&r, &tag, 16))
        return err_set(err, TERN_E_DECODE, "a ticket of %zu bytes is not one of ours", len);
    struct rd er;
    rd_init(&er, head, 8);
    if (!rd_u64(&er, &epoch))
        return err_set(err, TERN_E_DECODE, "ticket truncated");
    uint64_t current = now_s / cfg->ticket_rotation;
    if (epoch != current && epoch + 1 != current)
        return err_set(err, TERN_E_DECRYPT,
                       "the ticket was sealed with a rotated-out key (epoch %llu, now %llu)",
                       (unsigned long long)epoch, (unsigned long long)current);
    uint8_t plain[HS_TICKET_MAX];
    size_t n = len - HS_TICKET_OVERHEAD;
    memcpy(plain, body, n);
    struct cry_aead_key k = {0};
    int rc = epoch_key(cfg, epoch, &k);
    uint8_t aad[8 + sizeof(cfg->sid_ctx)];
    size_t aad_len = ticket_aad(cfg, head, aad);
    if (rc == TERN_OK)
        rc = cry_aead_open(&k, head + 8, 12, aad, aad_len, plain, n, tag, 16);
    cry_aead_cleanup(&k);
    if (rc != TERN_OK) {
        tern_memzero(plain, sizeof(plain));
        return err_set(err, TERN_E_DECRYPT,
                       "the ticket does not authenticate under our keys and session-ID context");
    }
    struct rd pr;
    rd_init(&pr, plain, n);
    rc = hs_session_decode(pr, out);
    tern_memzero(plain, sizeof(plain));
    if (rc != TERN_OK)
        return err_set(err, rc, "the ticket's contents are malformed");
    if (now_ms < out->issued_ms || now_ms - out->issued_ms > (uint64_t)out->lifetime_s * 1000u) {
        hs_session_wipe(out);
        return err_set(err, TERN_E_DECRYPT, "the ticket has expired");
    }
    return TERN_OK;
}

/* ---- tickets through the application's sealing hook ---- */

int hs_ticket_make(tern_conn *c, const struct hs_session *s, const uint8_t nonce[12],
                   struct wr *out)
{
    tern_config *cfg = c->cfg;
    if (hs_peer_refused(c))
        return TERN_E_ACCESS_DENIED; /* a refused client certificate let through: no resumption */
    if (!cfg->have_sealer)
        return hs_ticket_seal(cfg, s, s->issued_ms / 1000u, nonce, out);
    uint8_t state[TERN_SESSION_MAX], ticket[TERN_TICKET_MAX];
    struct wr w;
    for (size_t k = s->n_certs + 1; k-- > 0;) { /* fewer certificates if it must */
        wr_init_fixed(&w, state, sizeof(state) - HS_STORE_MAC_LEN);
        hs_state_encode_n(cfg, s, k, &w);
        if (wr_ok(&w))
            break;
    }
    int rc = TERN_E_LIMIT;
    size_t n = 0;
    if (wr_ok(&w)) {
        rc = cfg->sealer.seal(cfg->sealer.arg, state, w.len, ticket, sizeof(ticket), &n) == 0 &&
                     n > 0 && n <= sizeof(ticket)
                 ? TERN_OK
                 : TERN_E_INTERNAL;
        if (rc == TERN_OK)
            wr_bytes(out, ticket, n);
    }
    tern_memzero(state, sizeof(state));
    return rc;
}

int hs_ticket_unseal(tern_conn *c, const uint8_t *ticket, size_t len, uint64_t now_ms,
                     struct hs_session *out, struct tern_err *err)
{
    tern_config *cfg = c->cfg;
    if (!cfg->have_sealer) {
        TRY(hs_ticket_open(cfg, ticket, len, now_ms, out, err));
        /* Sealed under the previous epoch's key, which the next rotation
         * retires: a TLS 1.2 client gets a fresh ticket now (RFC 5077
         * §3.1), so its session outlives the key. */
        struct rd r;
        uint64_t epoch;
        rd_init(&r, ticket, len);
        if (rd_u64(&r, &epoch) && epoch != now_ms / 1000u / cfg->ticket_rotation)
            c->ticket_renew = true;
        return TERN_OK;
    }
    memset(out, 0, sizeof(*out));
    if (len == 0 || len > TERN_TICKET_MAX)
        return err_set(err, TERN_E_DECODE, "a ticket of %zu bytes is not one of ours", len);
    uint8_t state[TERN_SESSION_MAX];
    size_t n = 0;
    int verdict = cfg->sealer.open(cfg->sealer.arg, ticket, len, state, sizeof(state), &n);
    int rc;
    if ((verdict != TERN_TICKET_OK && verdict != TERN_TICKET_RENEW) || n > sizeof(state)) {
        rc = err_set(err, TERN_E_DECRYPT, "the ticket-sealing hook does not know the ticket");
    } else {
        struct rd r;
        rd_init(&r, state, n);
        rc = hs_state_decode(cfg, r, out, err);
        if (rc == TERN_OK && !hs_session_fresh(out, now_ms)) {
            hs_session_wipe(out);
            rc = err_set(err, TERN_E_DECRYPT, "the ticket has expired");
        }
        if (rc != TERN_OK) {
            /* The hook vouched for these bytes: say why tern refuses them. */
            char why[TERN_ERR_MSG_MAX + 64];
            snprintf(why, sizeof(why), "Not resumed, a full handshake instead: %s.", err->msg);
            hs_trace(c, TERN_TRACE_CHECK, TERN_DIR_LOCAL, "ticket refused", why, 0, NULL, 0);
        }
    }
    tern_memzero(state, sizeof(state));
    if (rc == TERN_OK && verdict == TERN_TICKET_RENEW)
        c->ticket_renew = true;
    return rc;
}

int tern_config_set_ticket_sealer(tern_config *cfg, const struct tern_ticket_sealer *sealer)
{
    TRY(config_check_mutable(cfg));
    if (sealer && (!sealer->seal || !sealer->open))
        return config_fail(cfg, TERN_E_ARG,
                           "a ticket-sealing hook needs both seal and open callbacks");
    cfg->have_sealer = sealer != NULL;
    if (sealer)
        cfg->sealer = *sealer;
    else
        memset(&cfg->sealer, 0, sizeof(cfg->sealer));
    return TERN_OK;
}

int hs_psk_open(tern_conn *c, struct rd identity, uint64_t now_ms, struct hs_session *out,
                struct tern_err *err)
{
    int rc;
    if (hs_store_stateful_tickets(c->cfg))
        rc = hs_store_lookup(c, identity.p, identity.len, out)
                 ? TERN_OK
                 : err_set(err, TERN_E_DECRYPT, "the ticket is not a session this server keeps");
    else
        rc = hs_ticket_unseal(c, identity.p, identity.len, now_ms, out, err);
    /* A TLS 1.2 session (its ticket, or its ID in a shared store) never
     * resumes TLS 1.3. */
    if (rc == TERN_OK && out->version != TERN_TLS13) {
        hs_session_wipe(out);
        rc = err_set(err, TERN_E_DECRYPT, "the ticket holds a TLS 1.2 session");
    }
    return rc;
}

void hs_psk_spent(tern_conn *c, struct rd identity)
{
    /* RFC 8446 §8.1: a stateful ticket the store keeps once. */
    if (hs_store_stateful_tickets(c->cfg) && c->cfg->store.single_use_tickets)
        hs_store_remove(c, identity.p, identity.len);
}

int hs_binder(enum cry_hash h, const uint8_t *psk, size_t psk_len, const uint8_t *th, uint8_t *out)
{
    struct ks13 ks;
    uint8_t binder_key[CRY_MAX_HASH];
    int rc = ks13_init(&ks, h, psk, psk_len);
    if (rc == TERN_OK)
        rc = ks13_binder_key(&ks, true, binder_key);
    if (rc == TERN_OK)
        rc = ks13_finished(h, binder_key, th, out);
    ks13_cleanup(&ks);
    tern_memzero(binder_key, sizeof(binder_key));
    return rc;
}

int hs_psk_parse(struct rd ext, struct hs_offered_psk *out, size_t *out_n, size_t *binders_len,
                 struct tern_err *err)
{
    struct rd ids, binders;
    if (!rd_prefixed16(&ext, &ids) || ids.len < 7 || !rd_prefixed16(&ext, &binders) ||
        binders.len < 33 || !rd_empty(&ext))
        return err_set(err, TERN_E_DECODE, "ClientHello: malformed pre_shared_key extension");
    *binders_len = 2 + binders.len;
    size_t n = 0;
    while (!rd_empty(&ids)) {
        struct hs_offered_psk p;
        if (!rd_prefixed16_nonempty(&ids, &p.identity) || !rd_u32(&ids, &p.obfuscated_age))
            return err_set(err, TERN_E_DECODE, "ClientHello: malformed PSK identity");
        if (n < HS_MAX_PSKS)
            out[n] = p;
        n++;
    }
    size_t nb = 0;
    while (!rd_empty(&binders)) {
        struct rd b;
        if (!rd_prefixed8(&binders, &b) || b.len < 32)
            return err_set(err, TERN_E_DECODE, "ClientHello: malformed PSK binder");
        if (nb < HS_MAX_PSKS)
            out[nb].binder = b;
        nb++;
    }
    if (nb != n)
        return err_set(err, TERN_E_ILLEGAL_PARAMETER,
                       "ClientHello offers %zu PSK identities but %zu binders", n, nb);
    *out_n = n < HS_MAX_PSKS ? n : HS_MAX_PSKS;
    return TERN_OK;
}

/* ---- the client's cache ---- */

bool hs_cache_take(tern_config *cfg, const char *server_name, struct hs_session *out)
{
    bool found = false;
    uint64_t now = hs_now_ms();
    pthread_mutex_lock(&cfg->cache_lock);
    size_t best = cfg->cache_n;
    for (size_t i = 0; i < cfg->cache_n; i++) {
        struct hs_session *s = cfg->cache[i];
        bool fresh = now >= s->issued_ms && now - s->issued_ms < (uint64_t)s->lifetime_s * 1000u;
        if (fresh && !strcmp(s->server_name, server_name) &&
            (best == cfg->cache_n || s->issued_ms >= cfg->cache[best]->issued_ms))
            best = i;
    }
    if (best < cfg->cache_n) {
        *out = *cfg->cache[best];
        tern_free_secret(cfg->cache[best], sizeof(struct hs_session));
        cfg->cache[best] = cfg->cache[--cfg->cache_n];
        found = true;
    }
    pthread_mutex_unlock(&cfg->cache_lock);
    return found;
}

void hs_cache_put(tern_config *cfg, const struct hs_session *s)
{
    struct hs_session *copy = tern_memdup(s, sizeof(*s));
    if (!copy)
        return; /* a lost ticket only costs a full handshake later */
    pthread_mutex_lock(&cfg->cache_lock);
    if (cfg->cache_n == HS_CACHE_MAX) {
        /* Evict the oldest. */
        size_t old = 0;
        for (size_t i = 1; i < cfg->cache_n; i++)
            if (cfg->cache[i]->issued_ms < cfg->cache[old]->issued_ms)
                old = i;
        tern_free_secret(cfg->cache[old], sizeof(struct hs_session));
        cfg->cache[old] = cfg->cache[--cfg->cache_n];
    }
    cfg->cache[cfg->cache_n++] = copy;
    pthread_mutex_unlock(&cfg->cache_lock);
}

/* ---- NewSessionTicket (RFC 8446 §4.6.1) ---- */

int hs_send_tickets(tern_conn *c)
{
    tern_config *cfg = c->cfg;
    /* A client that resumed already holds our other tickets: one new ticket
     * replaces the one it spent (the full count goes after full handshakes). */
    unsigned count = c->resumed && cfg->ticket_count > 1 ? 1 : cfg->ticket_count;
    for (unsigned i = 0; i < count; i++) {
        struct hs_session s;
        memset(&s, 0, sizeof(s));
        uint8_t nonce[8];
        for (int b = 0; b < 8; b++)
            nonce[b] = (uint8_t)(c->tickets_sent >> (56 - 8 * b));
        c->tickets_sent++;
        s.version = TERN_TLS13;
        s.suite = c->suite;
        s.psk_len = c->ks.hlen;
        s.lifetime_s = cfg->ticket_lifetime;
        s.issued_ms = hs_now_ms();
        uint8_t seal_nonce[12];
        if (ks13_ticket_psk(c->hash, c->ks.resumption, nonce, sizeof(nonce), s.psk) != TERN_OK ||
            hs_random(c, (uint8_t *)&s.age_add, sizeof(s.age_add)) != TERN_OK ||
            hs_random(c, seal_nonce, sizeof(seal_nonce)) != TERN_OK)
            return hs_fail(c, TERN_E_INTERNAL, "deriving a ticket's PSK failed");
        if (c->server_name)
            snprintf(s.server_name, sizeof(s.server_name), "%s", c->server_name);
        snprintf(s.alpn, sizeof(s.alpn), "%s", c->alpn);
        hs_session_set_peer(&s, c);

        bool stateful = hs_store_stateful_tickets(cfg);
        struct wr w;
        wr_init_grow(&w);
        size_t m = hs_msg_begin(&w, HS_NEW_SESSION_TICKET);
        wr_u32(&w, s.lifetime_s);
        wr_u32(&w, s.age_add);
        size_t n = wr_open_u8(&w);
        wr_bytes(&w, nonce, sizeof(nonce));
        wr_close(&w, n);
        size_t t = wr_open_u16(&w);
        int rc;
        if (stateful) {
            /* The ticket is a lookup key; the session stays in the store. */
            uint8_t id[HS_STORE_ID_LEN];
            rc = hs_random(c, id, sizeof(id));
            if (rc == TERN_OK && !hs_store_new(c, &s, id, sizeof(id)))
                rc = TERN_E_LIMIT;
            wr_bytes(&w, id, sizeof(id));
        } else {
            rc = hs_ticket_make(c, &s, seal_nonce, &w);
        }
        wr_close(&w, t);
        wr_u16(&w, 0); /* no extensions: no early data */
        hs_msg_end(&w, m);
        hs_session_wipe(&s);
        if (rc != TERN_OK) {
            /* A ticket is an offer, not part of the handshake that just
             * completed: without one the client makes a full handshake
             * next time. (The store said why it kept none.) */
            wr_free(&w);
            if (!stateful)
                hs_ticket_skipped(c, rc);
            continue;
        }
        if (!wr_ok(&w))
            rc = TERN_E_NOMEM;
        if (rc == TERN_OK)
            rc = hs_send_post(c, w.buf, w.len);
        size_t len = w.len;
        wr_free(&w);
        if (rc != TERN_OK)
            return hs_fail(c, rc, "sending NewSessionTicket failed (%s)", tern_status_name(rc));
        char life[24];
        snprintf(life, sizeof(life), "%u s", cfg->ticket_lifetime);
        struct tern_trace_fact f[] = {{"lifetime", life}};
        hs_trace_msg(c, true, "NewSessionTicket",
                     stateful ? "We gave the client a ticket that names this session in our "
                                "store; presenting it later lets it skip the certificate and "
                                "signature steps (an abbreviated handshake)."
                              : "We gave the client a sealed ticket; presenting it later lets it "
                                "skip the certificate and signature steps (an abbreviated "
                                "handshake).",
                     len, f, 1);
    }
    return TERN_OK;
}

int hs_recv_ticket(tern_conn *c, struct rd body, size_t len)
{
    struct hs_session s;
    memset(&s, 0, sizeof(s));
    struct hs13_ticket t;
    struct tern_err err;
    err_init(&err);
    if (hs13_parse_new_session_ticket(body, &t, &err) != TERN_OK)
        return hs_fail_err(c, &err);
    s.lifetime_s = t.lifetime_s;
    s.age_add = t.age_add;
    struct rd nonce = t.nonce, ticket = t.ticket;
    char life[24];
    snprintf(life, sizeof(life), "%u s", s.lifetime_s);
    struct tern_trace_fact f[] = {{"lifetime", life}};
    hs_trace_msg(c, false, "NewSessionTicket",
                 "The server handed us a ticket; showing it next time resumes this session "
                 "with an abbreviated handshake.",
                 len, f, 1);
    if (s.lifetime_s == 0 || ticket.len > sizeof(s.ticket) || !c->server_name)
        return TERN_OK; /* not worth keeping */
    s.version = TERN_TLS13;
    s.suite = c->suite;
    s.psk_len = c->ks.hlen;
    s.issued_ms = hs_now_ms();
    if (ks13_ticket_psk(c->hash, c->ks.resumption, nonce.p, nonce.len, s.psk) != TERN_OK)
        return hs_fail(c, TERN_E_INTERNAL, "deriving the ticket's PSK failed");
    hs_keep_client_session(c, &s, ticket);
    return TERN_OK;
}

void hs_keep_client_session(tern_conn *c, struct hs_session *s, struct rd ticket)
{
    if (ticket.len) /* none: a TLS 1.2 session ID */
        memcpy(s->ticket, ticket.p, ticket.len);
    s->ticket_len = ticket.len;
    snprintf(s->server_name, sizeof(s->server_name), "%s", c->server_name);
    snprintf(s->alpn, sizeof(s->alpn), "%s", c->alpn);
    snprintf(s->peer_subject, sizeof(s->peer_subject), "%s",
             c->peer_subject ? c->peer_subject : "");
    s->peer_cert_hash_len = c->have_peer_cert_hash ? sizeof(s->peer_cert_hash) : 0;
    memcpy(s->peer_cert_hash, c->peer_cert_hash, s->peer_cert_hash_len);
    hs_cache_put(c->cfg, s);
    if (c->cfg->session_cb) {
        uint8_t blob[2048];
        struct wr w;
        wr_init_fixed(&w, blob, sizeof(blob));
        hs_session_encode(s, &w);
        if (wr_ok(&w))
            c->cfg->session_cb(c->cfg->session_arg, s->server_name, blob, w.len);
        tern_memzero(blob, sizeof(blob));
    }
    hs_session_wipe(s);
}

int tern_session_info(const uint8_t *session, size_t len, struct tern_session_info *out)
{
    memset(out, 0, sizeof(*out));
    struct hs_session s;
    struct rd r;
    rd_init(&r, session, len);
    if (!session || len > TERN_SESSION_MAX || hs_session_decode(r, &s) != TERN_OK)
        return TERN_E_DECODE;
    out->version = s.version;
    out->cipher_suite = s.suite;
    memcpy(out->server_name, s.server_name, sizeof(out->server_name));
    memcpy(out->alpn, s.alpn, sizeof(out->alpn));
    out->expires = (int64_t)(s.issued_ms / 1000u) + (int64_t)s.lifetime_s;
    out->by_ticket = s.ticket_len != 0;
    hs_session_wipe(&s);
    return TERN_OK;
}
