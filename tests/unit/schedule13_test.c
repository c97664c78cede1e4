/* TLS 1.3 key schedule tests: RFC 8448 replayed from its inputs.
 *
 * For each trace section, every record the trace shows is opened in order
 * with keys the schedule derived from the (EC)DHE secret (and the PSK, for
 * the resumed handshake) and from transcript hashes taken over the very
 * messages those records carry. Each secret, key, IV, Finished and binder
 * is compared with the trace as it comes up; each record's plaintext with
 * the trace's payload. Nothing is taken from the trace that the schedule
 * should compute. */
#include "hs/schedule13.h"

#include "base/mem.h"
#include "record/record.h"
#include "rfc8448.h"
#include "tern/tern.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

#define HL 32

static struct rfc8448 *trace;
static uint8_t ticket_psk[HL]; /* section 3's ticket, resumed in section 4 */
static bool have_ticket;

static const uint8_t *tfind(int section, const char *ctx, const char *label, size_t *len)
{
    return rfc8448_get(trace, section, ctx, label, 0, len);
}

static const uint8_t *tget(int section, const char *ctx, const char *label, size_t *len)
{
    const uint8_t *p = tfind(section, ctx, label, len);
    if (!p) {
        fprintf(stderr, "RFC 8448 section %d has no '%s' in '%s'\n", section, label, ctx);
        abort();
    }
    return p;
}

/* check_value compares got with the trace's value; counts what it proved. */
static int proved;
static void check_value(int section, const char *ctx, const char *label, const uint8_t *got,
                        size_t n)
{
    size_t len;
    const uint8_t *want = tget(section, ctx, label, &len);
    CHECK_EQ(len, n);
    if (len == n && memcmp(want, got, n) != 0) {
        test_failures++;
        fprintf(stderr, "section %d: '%s' / %s differs\n", section, ctx, label);
    }
    test_checks++;
    proved++;
}

struct replay {
    int section;
    bool early_data; /* the client sends 0-RTT data (section 4) */
    struct ks13 ks;
    struct rec_dir cw, sw; /* client's and server's write directions */
    uint8_t transcript[8192];
    size_t tlen;
    size_t nth_msg[2][32]; /* [sender][type]: messages seen, to find the trace's copy */
    int records;
};

static void th(const struct replay *r, uint8_t out[HL])
{
    CHECK_EQ(cry_hash(CRY_SHA256, r->transcript, r->tlen, out), TERN_OK);
}

static void append(struct replay *r, const uint8_t *m, size_t n)
{
    if (r->tlen + n > sizeof(r->transcript))
        abort();
    memcpy(r->transcript + r->tlen, m, n);
    r->tlen += n;
}

/* set_dir installs a traffic secret and checks the key and IV it gives
 * against the trace's "derive ... traffic keys" step for it, looked up
 * under either of the two contexts the trace may print it in. */
static void set_dir(struct replay *r, struct rec_dir *d, const uint8_t *secret, const char *ctx1,
                    const char *ctx2)
{
    struct tern_err err;
    err_init(&err);
    CHECK_EQ(rec_dir_set13(d, CRY_SHA256, CRY_AES_128_GCM, secret, HL, &err), TERN_OK);
    const char *ctx = ctx1;
    size_t n;
    if (!tfind(r->section, ctx, "iv expanded", &n))
        ctx = ctx2;
    check_value(r->section, ctx, "PRK", secret, HL);
    uint8_t key[CRY_MAX_AEAD_KEY], iv[12];
    size_t key_len;
    CHECK_EQ(rec_keys13(CRY_SHA256, CRY_AES_128_GCM, secret, key, &key_len, iv), TERN_OK);
    check_value(r->section, ctx, "key expanded", key, key_len);
    check_value(r->section, ctx, "iv expanded", iv, 12);
    CHECK_MEM(d->iv, iv, 12);
}

static const char *msg_label(uint8_t type)
{
    switch (type) {
    case 1:
        return "ClientHello";
    case 2:
        return "ServerHello";
    case 4:
        return "NewSessionTicket";
    case 5:
        return "EndOfEarlyData";
    case 8:
        return "EncryptedExtensions";
    case 11:
        return "Certificate";
    case 13:
        return "CertificateRequest";
    case 15:
        return "CertificateVerify";
    case 20:
        return "Finished";
    default:
        return NULL;
    }
}

static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

static void on_client_hello(struct replay *r, const uint8_t *m, size_t n)
{
    int s = r->section;
    if (r->ks.hlen && have_ticket && s == 4) {
        /* The binder (RFC 8446 §4.2.11.2): a Finished computed with the
         * binder key over the ClientHello up to the binders list, which
         * here holds one 32-byte binder: 2 + 1 + 32 bytes at the end. */
        uint8_t bk[HL], h[HL], binder[HL];
        CHECK_EQ(ks13_binder_key(&r->ks, true, bk), TERN_OK);
        check_value(s, "calculate PSK binder", "PRK", bk, HL);
        CHECK_EQ(cry_hash(CRY_SHA256, m, n - 35, h), TERN_OK);
        check_value(s, "calculate PSK binder", "binder hash", h, HL);
        CHECK_EQ(ks13_finished(CRY_SHA256, bk, h, binder), TERN_OK);
        check_value(s, "calculate PSK binder", "finished", binder, HL);
        CHECK_MEM(m + n - HL, binder, HL);
    }
    append(r, m, n);
    if (r->early_data) {
        uint8_t h[HL], cet[HL], eem[HL];
        th(r, h);
        check_value(s, "derive secret \"tls13 c e traffic\"", "hash", h, HL);
        CHECK_EQ(ks13_early_traffic(&r->ks, h, cet), TERN_OK);
        check_value(s, "derive secret \"tls13 c e traffic\"", "expanded", cet, HL);
        CHECK_EQ(ks13_early_exporter(&r->ks, h, eem), TERN_OK);
        check_value(s, "derive secret \"tls13 e exp master\"", "expanded", eem, HL);
        set_dir(r, &r->cw, cet, "derive write traffic keys for early application data", "-");
    }
}

static void on_server_hello(struct replay *r, const uint8_t *m, size_t n)
{
    int s = r->section;
    if (n >= 38 && memcmp(m + 6, hrr_random, 32) == 0) {
        /* RFC 8446 §4.4.1: after HelloRetryRequest the first ClientHello
         * is replaced by message_hash(Hash(ClientHello1)). */
        uint8_t h[4 + HL] = {254, 0, 0, HL};
        th(r, h + 4);
        r->tlen = 0;
        append(r, h, sizeof(h));
        append(r, m, n);
        return;
    }
    /* TLS_AES_128_GCM_SHA256 in every trace: legacy_session_id_echo then
     * cipher_suite after version and random. */
    size_t sid = m[38];
    CHECK_EQ((m[39 + sid] << 8) | m[40 + sid], TERN_TLS_AES_128_GCM_SHA256);
    append(r, m, n);
    uint8_t h[HL], derived[HL], empty[HL];
    th(r, h);
    check_value(s, "derive secret \"tls13 c hs traffic\"", "hash", h, HL);
    CHECK_EQ(ks13_derive_secret(CRY_SHA256, r->ks.early, "derived", NULL, derived), TERN_OK);
    check_value(s, "derive secret for handshake \"tls13 derived\"", "expanded", derived, HL);
    CHECK_EQ(cry_hash(CRY_SHA256, "", 0, empty), TERN_OK);
    check_value(s, "derive secret for handshake \"tls13 derived\"", "hash", empty, HL);
    size_t dlen;
    const uint8_t *dhe = tget(s, "extract secret \"handshake\"", "IKM", &dlen);
    CHECK_EQ(ks13_handshake(&r->ks, dhe, dlen, h), TERN_OK);
    check_value(s, "extract secret \"handshake\"", "secret", r->ks.handshake, HL);
    check_value(s, "derive secret \"tls13 c hs traffic\"", "expanded", r->ks.client_hs, HL);
    check_value(s, "derive secret \"tls13 s hs traffic\"", "expanded", r->ks.server_hs, HL);
    set_dir(r, &r->sw, r->ks.server_hs, "{server}  derive write traffic keys for handshake data",
            "-");
    if (!r->early_data)
        set_dir(r, &r->cw, r->ks.client_hs, "{server}  derive read traffic keys for handshake data",
                "{client}  derive write traffic keys for handshake data");
}

static void on_finished(struct replay *r, bool server, const uint8_t *m, size_t n)
{
    int s = r->section;
    uint8_t h[HL], vd[HL];
    th(r, h);
    CHECK_EQ(ks13_finished(CRY_SHA256, server ? r->ks.server_hs : r->ks.client_hs, h, vd), TERN_OK);
    check_value(s, server ? "{server}  calculate finished" : "{client}  calculate finished",
                "finished", vd, HL);
    CHECK_EQ(n, 4 + HL);
    CHECK(tern_ct_eq(m + 4, vd, HL));
    append(r, m, n);
    th(r, h);
    if (server) {
        uint8_t derived[HL];
        CHECK_EQ(ks13_derive_secret(CRY_SHA256, r->ks.handshake, "derived", NULL, derived),
                 TERN_OK);
        check_value(s, "derive secret for master \"tls13 derived\"", "expanded", derived, HL);
        check_value(s, "derive secret \"tls13 c ap traffic\"", "hash", h, HL);
        CHECK_EQ(ks13_master(&r->ks, h), TERN_OK);
        check_value(s, "extract secret \"master\"", "secret", r->ks.master, HL);
        check_value(s, "derive secret \"tls13 c ap traffic\"", "expanded", r->ks.client_ap, HL);
        check_value(s, "derive secret \"tls13 s ap traffic\"", "expanded", r->ks.server_ap, HL);
        check_value(s, "derive secret \"tls13 exp master\"", "expanded", r->ks.exporter, HL);
        set_dir(r, &r->sw, r->ks.server_ap,
                "{server}  derive write traffic keys for application data", "-");
    } else {
        check_value(s, "derive secret \"tls13 res master\"", "hash", h, HL);
        CHECK_EQ(ks13_resumption(&r->ks, h), TERN_OK);
        check_value(s, "derive secret \"tls13 res master\"", "expanded", r->ks.resumption, HL);
        set_dir(r, &r->cw, r->ks.client_ap,
                "{client}  derive write traffic keys for application data",
                "{server}  derive read traffic keys for application data");
        ks13_wipe_handshake(&r->ks);
        static const uint8_t zero[CRY_MAX_HASH];
        CHECK_MEM(r->ks.client_hs, zero, sizeof(zero));
        CHECK_MEM(r->ks.handshake, zero, sizeof(zero));
    }
}

static void on_ticket(struct replay *r, const uint8_t *m, size_t n)
{
    /* NewSessionTicket: lifetime(4) age_add(4) nonce<0..255> ... */
    struct rd rd, body, nonce;
    uint8_t type;
    uint32_t len, lifetime, age_add;
    rd_init(&rd, m, n);
    CHECK(rd_u8(&rd, &type) && rd_u24(&rd, &len) && rd_sub(&rd, &body, len));
    CHECK(rd_u32(&body, &lifetime) && rd_u32(&body, &age_add) && rd_prefixed8(&body, &nonce));
    uint8_t psk[HL];
    CHECK_EQ(ks13_ticket_psk(CRY_SHA256, r->ks.resumption, nonce.p, nonce.len, psk), TERN_OK);
    check_value(r->section, "generate resumption secret \"tls13 resumption\"", "hash", nonce.p,
                nonce.len);
    check_value(r->section, "generate resumption secret \"tls13 resumption\"", "expanded", psk, HL);
    memcpy(ticket_psk, psk, HL);
    have_ticket = true;
}

static void on_message(struct replay *r, bool server, const uint8_t *m, size_t n)
{
    uint8_t type = m[0];
    /* Cross-check with the trace's own copy of the message, where it
     * prints one (section 4 prints the ClientHello before its binders). */
    const char *label = msg_label(type);
    if (label) {
        size_t len, k = r->nth_msg[server][type & 31]++;
        const uint8_t *want =
            rfc8448_get(trace, r->section, server ? "{server}  construct" : "{client}  construct",
                        label, k, &len);
        if (want) {
            CHECK(len == n || (type == 1 && len == n - 35));
            CHECK_MEM(want, m, len < n ? len : n);
        }
    }
    switch (type) {
    case 1:
        on_client_hello(r, m, n);
        break;
    case 2:
        on_server_hello(r, m, n);
        break;
    case 4:
        on_ticket(r, m, n);
        break;
    case 5: /* EndOfEarlyData: the client moves to its handshake keys. */
        append(r, m, n);
        set_dir(r, &r->cw, r->ks.client_hs,
                "{client}  derive write traffic keys for handshake data",
                "{server}  derive read traffic keys for handshake data");
        break;
    case 20:
        on_finished(r, server, m, n);
        break;
    default:
        append(r, m, n);
        break;
    }
}

static void replay(int section, const uint8_t *psk, bool early_data)
{
    struct replay *r = calloc(1, sizeof(*r));
    r->section = section;
    r->early_data = early_data;
    int before = proved;
    CHECK_EQ(ks13_init(&r->ks, CRY_SHA256, psk, psk ? HL : 0), TERN_OK);
    if (psk)
        check_value(section, "extract secret \"early\"", "IKM", psk, HL);
    check_value(section, "extract secret \"early\"", "secret", r->ks.early, HL);
    r->cw.plain_version = 0x0301;

    int total = 0;
    for (size_t i = 0; i < rfc8448_count(trace); i++) {
        const struct rfc8448_entry *e = rfc8448_entry_at(trace, i);
        if (e->section != section || strcmp(e->label, "complete record") != 0)
            continue;
        total++;
        const struct rfc8448_entry *p = rfc8448_entry_at(trace, i - 1);
        CHECK(strcmp(p->label, "payload") == 0 && strcmp(p->context, e->context) == 0);
        bool server = strncmp(e->context, "{server}", 8) == 0;
        struct rec_dir *d = server ? &r->sw : &r->cw;
        uint8_t *buf = malloc(e->len);
        memcpy(buf, e->data, e->len);
        uint8_t type;
        size_t off, len;
        struct tern_err err;
        err_init(&err);
        int rc = rec_open(d, buf, e->len, &type, &off, &len, &err);
        CHECK_EQ(rc, TERN_OK);
        if (rc != TERN_OK) {
            fprintf(stderr, "section %d line %u: %s\n", section, e->line, err.msg);
            free(buf);
            break;
        }
        r->records++;
        CHECK_EQ(len, p->len);
        if (len == p->len)
            CHECK_MEM(buf + off, p->data, len);
        if (!d->active && type == REC_HANDSHAKE) {
            /* Sealing the plaintext again gives the trace's record. */
            uint8_t *again = malloc(e->len);
            size_t out_len;
            struct rec_dir plain = {0};
            plain.plain_version = d->plain_version;
            memcpy(again + REC_HEADER_LEN, p->data, p->len);
            CHECK_EQ(rec_seal(&plain, REC_HANDSHAKE, again, p->len, 0, e->len, &out_len, NULL),
                     TERN_OK);
            CHECK_MEM(again, e->data, e->len);
            free(again);
            /* RFC 8446 §5.1: only the first ClientHello may say 0x0301. */
            if (!server)
                r->cw.plain_version = 0;
        }
        if (type == REC_HANDSHAKE) {
            struct rd rd;
            rd_init(&rd, buf + off, len);
            while (!rd_empty(&rd)) {
                const uint8_t *m;
                struct rd peek = rd;
                uint8_t mt = 0;
                uint32_t ml = 0;
                CHECK(rd_u8(&peek, &mt) && rd_u24(&peek, &ml));
                if (!rd_bytes(&rd, &m, 4 + (size_t)ml)) {
                    CHECK(!"handshake message runs past its record");
                    break;
                }
                on_message(r, server, m, 4 + (size_t)ml);
            }
        }
        free(buf);
    }
    CHECK_EQ(r->records, total);
    CHECK(total >= 6);
    fprintf(stderr, "  section %d: %d records opened, %d trace values reproduced\n", section,
            r->records, proved - before);
    rec_dir_cleanup(&r->cw);
    rec_dir_cleanup(&r->sw);
    ks13_cleanup(&r->ks);
    free(r);
}

static void test_simple_1rtt(void)
{
    int before = proved;
    replay(3, NULL, false);
    /* Every secret, key, IV, Finished and the ticket PSK of the 1-RTT trace:
     * early, derived (2), handshake, c/s hs, 2 x (PRK, key, iv), server
     * Finished, master, c/s ap, exp master, 2 x (PRK, key, iv), client
     * Finished, res master, ticket nonce and PSK, and 4 transcript hashes. */
    CHECK_EQ(proved - before, 31);
    CHECK(have_ticket);
}

static void test_resumed_0rtt(void)
{
    if (!have_ticket)
        return;
    replay(4, ticket_psk, true);
}

static void test_hrr(void)
{
    replay(5, NULL, false);
}

static void test_client_auth(void)
{
    replay(6, NULL, false);
}

static void test_compat(void)
{
    replay(7, NULL, false);
}

/* The exporter, computed here from RFC 8446 §7.5 with the HkdfLabel
 * structures written out by hand. */
static void test_exporter(void)
{
    struct ks13 ks;
    CHECK_EQ(ks13_init(&ks, CRY_SHA256, NULL, 0), TERN_OK);
    for (int i = 0; i < HL; i++)
        ks.exporter[i] = (uint8_t)(i * 3);
    const char *label = "EXPORTER-tern";
    const uint8_t ctx[] = "context";
    uint8_t out[40];
    CHECK_EQ(ks13_export(&ks, label, ctx, 7, out, sizeof(out)), TERN_OK);

    uint8_t empty[HL], ctx_hash[HL], secret[HL], want[40];
    CHECK_EQ(cry_hash(CRY_SHA256, "", 0, empty), TERN_OK);
    CHECK_EQ(cry_hash(CRY_SHA256, ctx, 7, ctx_hash), TERN_OK);
    uint8_t info[128];
    size_t n = 0;
    info[n++] = 0, info[n++] = HL, info[n++] = (uint8_t)(6 + strlen(label));
    memcpy(info + n, "tls13 ", 6), n += 6;
    memcpy(info + n, label, strlen(label)), n += strlen(label);
    info[n++] = HL;
    memcpy(info + n, empty, HL), n += HL;
    CHECK_EQ(cry_hkdf_expand(CRY_SHA256, ks.exporter, HL, info, n, secret, HL), TERN_OK);
    n = 0;
    info[n++] = 0, info[n++] = sizeof(want), info[n++] = 14;
    memcpy(info + n, "tls13 exporter", 14), n += 14;
    info[n++] = HL;
    memcpy(info + n, ctx_hash, HL), n += HL;
    CHECK_EQ(cry_hkdf_expand(CRY_SHA256, secret, HL, info, n, want, sizeof(want)), TERN_OK);
    CHECK_MEM(out, want, sizeof(want));

    /* An empty context is Hash(""), the same with or without a pointer. */
    uint8_t a[16], b[16];
    CHECK_EQ(ks13_export(&ks, label, NULL, 0, a, 16), TERN_OK);
    CHECK_EQ(ks13_export(&ks, label, (const uint8_t *)"", 0, b, 16), TERN_OK);
    CHECK_MEM(a, b, 16);
    CHECK(memcmp(a, out, 16) != 0);
    ks13_cleanup(&ks);
    static const uint8_t zero[sizeof(ks)];
    CHECK_MEM(&ks, zero, sizeof(ks));
}

static void hex(char *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
}

static void test_keylog(void)
{
    size_t chlen, slen;
    const uint8_t *ch = tget(3, "{client}  construct a ClientHello", "ClientHello", &chlen);
    const uint8_t *random = ch + 6; /* type(1) length(3) version(2) */
    const uint8_t *secret = tget(3, "derive secret \"tls13 s hs traffic\"", "expanded", &slen);
    char line[256], want[256];
    size_t n = ks13_keylog_line(line, sizeof(line), "SERVER_HANDSHAKE_TRAFFIC_SECRET", random,
                                secret, slen);
    strcpy(want, "SERVER_HANDSHAKE_TRAFFIC_SECRET ");
    hex(want + strlen(want), random, 32);
    strcat(want, " ");
    hex(want + strlen(want), secret, slen);
    CHECK_EQ(n, strlen(want));
    CHECK(strcmp(line, want) == 0);
    CHECK(strncmp(line + 32, "cb34ecb1e78163ba", 16) == 0);
    /* Too small a buffer: nothing, not a truncated line. */
    CHECK_EQ(ks13_keylog_line(line, n, "SERVER_HANDSHAKE_TRAFFIC_SECRET", random, secret, slen), 0);
    CHECK_EQ(ks13_keylog_line(line, n + 1, "SERVER_HANDSHAKE_TRAFFIC_SECRET", random, secret, slen),
             n);
}

static void test_bad_hash(void)
{
    struct ks13 ks;
    CHECK_EQ(ks13_init(&ks, CRY_SHA1, NULL, 0), TERN_E_ARG);
    CHECK_EQ(ks13_init(&ks, (enum cry_hash)99, NULL, 0), TERN_E_ARG);
}

/* The reader itself: value counts, a block split by a page break, the
 * section 2 key, lookups that must fail. */
static void test_reader(void)
{
    size_t records = 0;
    for (size_t i = 0; i < rfc8448_count(trace); i++)
        records += strcmp(rfc8448_entry_at(trace, i)->label, "complete record") == 0;
    CHECK_EQ(records, 41);
    size_t n;
    /* The server's Certificate (445 octets) crosses the page 7 footer. */
    const uint8_t *cert =
        rfc8448_get(trace, 3, "{server}  construct a Certificate", "Certificate", 0, &n);
    CHECK(cert != NULL);
    CHECK_EQ(n, 445);
    if (cert)
        CHECK_EQ(((size_t)cert[1] << 16 | cert[2] << 8 | cert[3]) + 4, n);
    CHECK(rfc8448_get(trace, 2, "Private Keys", "modulus (public)", 0, &n) != NULL);
    CHECK_EQ(n, 128);
    CHECK(rfc8448_get(trace, 3, "{server}  calculate finished", "hash", 0, &n) != NULL);
    CHECK_EQ(n, 0);
    CHECK(rfc8448_get(trace, 5, "ClientHello", "ClientHello", 1, &n) != NULL);
    CHECK_EQ(n, 512);
    CHECK(rfc8448_get(trace, 5, "ClientHello", "ClientHello", 2, &n) == NULL);
    CHECK(rfc8448_get(trace, 3, "no such step", "PRK", 0, &n) == NULL);
    CHECK(rfc8448_get(trace, 9, NULL, NULL, 0, &n) == NULL);
    CHECK(rfc8448_load("/nonexistent/rfc8448.txt") == NULL);
}

int main(void)
{
    trace = rfc8448_load_default();
    if (!trace)
        return 1;
    RUN(test_reader);
    RUN(test_simple_1rtt);
    RUN(test_resumed_0rtt);
    RUN(test_hrr);
    RUN(test_client_auth);
    RUN(test_compat);
    RUN(test_exporter);
    RUN(test_keylog);
    RUN(test_bad_hash);
    rfc8448_free(trace);
    return test_done();
}
