/* The TLS 1.3 codecs (src/hs/codec13.c) one at a time: each message and
 * extension parsed from RFC 8448's trace where it has one, the malformed
 * forms RFC 8446 names (length mismatch, an empty list where one must not
 * be, trailing bytes, unknown values skipped) with their alerts and the
 * value the sentence names, hs_exts_parse's rules, and round trips through
 * what tern itself writes (a live in-memory ClientHello and ServerHello,
 * KeyUpdate). */
#include "hs/codec13.h"
#include "hs/session.h"
#include "pair.h"
#include "rfc8448.h"
#include "tern/tern.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static struct rfc8448 *trace;

static struct rd R(const uint8_t *p, size_t n) {
    struct rd r;
    rd_init(&r, p, n);
    return r;
}

#define RB(...) R((const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

/* fails checks that rc is status, that err carries status's alert, and
 * that the sentence holds `word`. */
static void
expect(int rc, const struct tern_err *err, int status, const char *word, int line)
{
    test_checks++;
    if (rc != status || err->code != status || !strstr(err->msg, word)) {
        test_failures++;
        fprintf(stderr, "codec13_test.c:%d: got %s (%s: \"%s\"), want %s with \"%s\"\n", line,
                tern_status_name(rc), tern_status_name(err->code), err->msg,
                tern_status_name(status), word);
    }
    CHECK(tern_status_alert(status) > 0);
}
/* The macros are expressions, not blocks: a compound literal (RB) passed
 * to the codec then lives as long as the test function's block, so the
 * views it returns can be read after the call. */
static struct tern_err err_;
static void ok(int rc, int line)
{
    test_checks++;
    if (rc != TERN_OK) {
        test_failures++;
        fprintf(stderr, "codec13_test.c:%d: %s: %s\n", line, tern_status_name(rc), err_.msg);
    }
}
#define EXPECT(call, status, word) expect((err_init(&err_), (call)), &err_, status, word, __LINE__)
#define OK(call)                   ok((err_init(&err_), (call)), __LINE__)
/* E: the error object the codec under test fills. */
#define E (&err_)

/* msg8448: the body (after the 4-byte header) of the nth message called
 * `label` in section sec, checking the header's type and length. */
static struct rd msg8448_in(int sec, const char *context, const char *label, size_t nth,
                            uint8_t type)
{
    size_t n = 0;
    const uint8_t *p = rfc8448_get(trace, sec, context, label, nth, &n);
    CHECK(p != NULL);
    if (!p || n < 4)
        return R(NULL, 0);
    CHECK_EQ(p[0], type);
    CHECK_EQ(((size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3]), n - 4);
    return R(p + 4, n - 4);
}

static struct rd msg8448(int sec, const char *label, size_t nth, uint8_t type)
{
    return msg8448_in(sec, "construct", label, nth, type);
}

static uint16_t u16_at(struct rd r, size_t i)
{
    return (uint16_t)(r.p[2 * i] << 8 | r.p[2 * i + 1]);
}

/* ch_exts splits a ClientHello body into its parts and its extensions. */
static void ch_exts(struct rd body, struct rd *compression, struct hs_exts *out)
{
    uint16_t legacy;
    const uint8_t *random;
    struct rd sid = {0}, suites = {0}, exts = {0};
    CHECK(rd_u16(&body, &legacy) && rd_bytes(&body, &random, 32) && rd_prefixed8(&body, &sid) &&
          rd_prefixed16(&body, &suites) && rd_prefixed8(&body, compression) &&
          rd_prefixed16(&body, &exts) && rd_empty(&body));
    OK(hs_exts_parse(exts, EXT_IN_CH, 0, "ClientHello", out, E));
}

static void sh_exts(struct rd body, unsigned where, struct hs_exts *out)
{
    uint16_t legacy, suite;
    uint8_t comp;
    const uint8_t *random;
    struct rd sid = {0}, exts = {0};
    CHECK(rd_u16(&body, &legacy) && rd_bytes(&body, &random, 32) && rd_prefixed8(&body, &sid) &&
          rd_u16(&body, &suite) && rd_u8(&body, &comp) && rd_prefixed16(&body, &exts) &&
          rd_empty(&body));
    OK(hs_exts_parse(exts, where, ~0ull, "ServerHello", out, E));
}

/* ---- the hellos from RFC 8448 ---- */

static void test_hello_structure(void)
{
    struct hs13_client_hello ch;
    struct rd body = msg8448(3, "ClientHello", 0, 1);
    OK(hs13_parse_client_hello(body, &ch, E));
    CHECK_EQ(ch.legacy, 0x0303);
    CHECK_EQ(ch.random[0], 0xcb);
    CHECK_EQ(ch.session_id.len, 0);
    CHECK_EQ(ch.suites.len, 6);
    CHECK_EQ(ch.compression.len, 1);
    CHECK(ch.has_exts && hs_ext_has(&ch.ext, EXT_KEY_SHARE));
    CHECK_EQ(ch.ext.count, 9);
    /* a ClientHello without extensions is a valid older one */
    uint8_t buf[512];
    size_t n = 2 + 32 + 1 + 2 + 2 + 1 + 1; /* no session id, one suite, null compression */
    memset(buf, 0, sizeof(buf));
    buf[0] = 3, buf[1] = 3, buf[36] = 2, buf[38] = 0x2f, buf[39] = 1;
    OK(hs13_parse_client_hello(R(buf, n), &ch, E));
    CHECK(!ch.has_exts && ch.ext.count == 0);
    EXPECT(hs13_parse_client_hello(R(buf, n + 1), &ch, E), TERN_E_DECODE,
           "malformed extensions block");
    EXPECT(hs13_parse_client_hello(R(buf, n - 1), &ch, E), TERN_E_DECODE,
           "ClientHello is truncated");
    buf[36] = 3; /* an odd cipher_suites list */
    buf[39] = 0;
    EXPECT(hs13_parse_client_hello(R(buf, n), &ch, E), TERN_E_DECODE,
           "cipher_suites: a list of 3 bytes");
    buf[36] = 2, buf[39] = 1;
    uint8_t nosuites[] = {3, 3, [34] = 0, 0, 0, 1, 0}; /* an empty one */
    EXPECT(hs13_parse_client_hello(R(nosuites, sizeof(nosuites)), &ch, E), TERN_E_DECODE,
           "cipher_suites: a list of 0 bytes");
    buf[1] = 0;
    EXPECT(hs13_parse_client_hello(R(buf, n), &ch, E), TERN_E_PROTOCOL_VERSION,
           "ClientHello legacy_version is 0x0300");
    buf[1] = 3;
    /* a 33-byte session id */
    uint8_t sid[2 + 32 + 1 + 33 + 2 + 2 + 1 + 1] = {3, 3};
    sid[34] = 33, sid[69] = 2, sid[71] = 0x2f, sid[72] = 1;
    EXPECT(hs13_parse_client_hello(R(sid, sizeof(sid)), &ch, E), TERN_E_DECODE,
           "legacy_session_id of 33 bytes");
    /* trailing bytes after the extension block */
    uint8_t ext[] = {0, 0};
    memcpy(buf + n, ext, 2);
    OK(hs13_parse_client_hello(R(buf, n + 2), &ch, E));
    CHECK(ch.has_exts && ch.ext.count == 0);
    EXPECT(hs13_parse_client_hello(R(buf, n + 3), &ch, E), TERN_E_DECODE,
           "malformed extensions block");

    struct hs13_server_hello sh;
    OK(hs13_parse_server_hello(msg8448(3, "ServerHello", 0, 2), &sh, E));
    CHECK(sh.has_exts && sh.has_sv && !sh.is_hrr);
    CHECK_EQ(sh.suite, 0x1301);
    CHECK_EQ(sh.compression, 0);
    OK(hs13_parse_server_hello(msg8448(5, "ServerHello", 0, 2), &sh, E));
    CHECK(sh.is_hrr && sh.has_sv);
    OK(hs13_parse_server_hello(msg8448(5, "ServerHello", 1, 2), &sh, E));
    CHECK(!sh.is_hrr);
    uint8_t s12[2 + 32 + 1 + 2 + 1 + 2] = {3, 3};
    OK(hs13_parse_server_hello(R(s12, sizeof(s12) - 2), &sh, E));
    CHECK(!sh.has_exts && !sh.has_sv);
    OK(hs13_parse_server_hello(R(s12, sizeof(s12)), &sh, E));
    CHECK(sh.has_exts && !sh.has_sv);
    EXPECT(hs13_parse_server_hello(R(s12, sizeof(s12) - 3), &sh, E), TERN_E_DECODE,
           "ServerHello is truncated");
    EXPECT(hs13_parse_server_hello(R(s12, sizeof(s12) - 1), &sh, E), TERN_E_DECODE,
           "ServerHello: malformed extensions block");
    s12[1] = 0;
    EXPECT(hs13_parse_server_hello(R(s12, sizeof(s12)), &sh, E), TERN_E_PROTOCOL_VERSION,
           "ServerHello legacy_version is 0x0300");
}

static void test_client_hello_8448(void)
{
    struct hs_exts e;
    struct rd comp;
    ch_exts(msg8448(3, "ClientHello", 0, 1), &comp, &e);
    OK(hs13_parse_compression(comp, E));
    struct hs13_ch_exts x;
    OK(hs13_parse_ch_exts(&e, NULL, &x, E));
    CHECK(x.has_sigalgs && x.has_groups && x.has_key_share && x.has_psk_modes);
    CHECK(!x.has_cookie && !x.has_early_data && !x.has_sigalgs_cert);
    CHECK_EQ(x.shares.n, 1);
    CHECK_EQ(x.shares.total, 1);
    CHECK_EQ(x.shares.group[0], TERN_GROUP_X25519);
    CHECK_EQ(x.shares.share[0].len, 32);
    CHECK(hs_u16_set_has(&x.listed, TERN_GROUP_X25519));
    CHECK(!hs_u16_set_has(&x.listed, 0x0100 + 0x42));
    CHECK_EQ(x.groups.len, 2 * 9); /* x25519, P-256/384/521, ffdhe2048..8192 */
    CHECK_EQ(u16_at(x.groups, 0), TERN_GROUP_X25519);
    CHECK_EQ(x.sigalgs.len, 2 * 15);
    CHECK_EQ(u16_at(x.sigalgs, 0), 0x0403);
    CHECK(x.psk_dhe_ke && !x.psk_ke);
    struct hs13_versions v;
    OK(hs13_parse_versions_ch(e.body[EXT_SUPPORTED_VERSIONS], &v, E));
    CHECK(v.offers13 && !v.offers12);
    CHECK_EQ(v.highest, 0x0304);
    CHECK_EQ(v.n, 1);
    struct rd name;
    OK(hs13_parse_sni(e.body[EXT_SERVER_NAME], &name, E));
    CHECK(name.len == 6 && !memcmp(name.p, "server", 6));

    /* §4: the resumed ClientHello with early_data and a PSK (the trace's
     * "ClientHello" there is the prefix the binder covers; the record's
     * payload is the whole message). */
    ch_exts(msg8448_in(4, "{client}  send handshake record", "payload", 0, 1), &comp, &e);
    OK(hs13_parse_ch_exts(&e, NULL, &x, E));
    CHECK(x.has_early_data && x.psk_dhe_ke);
    CHECK(hs_ext_has(&e, EXT_PRE_SHARED_KEY));
    struct hs_offered_psk psks[HS_MAX_PSKS];
    size_t n = 0, binders_len = 0;
    OK(hs_psk_parse(e.body[EXT_PRE_SHARED_KEY], psks, &n, &binders_len, E));
    CHECK_EQ(n, 1);
    CHECK_EQ(psks[0].identity.len, 178);
    CHECK_EQ(psks[0].binder.len, 32);
    CHECK_EQ(binders_len, 2 + 1 + 32);

    /* §5: the second ClientHello returns the cookie and a P-256 share. */
    ch_exts(msg8448(5, "ClientHello", 1, 1), &comp, &e);
    OK(hs13_parse_ch_exts(&e, NULL, &x, E));
    CHECK(x.has_cookie);
    CHECK_EQ(x.cookie.len, 114);
    CHECK_EQ(x.shares.n, 1);
    CHECK_EQ(x.shares.group[0], TERN_GROUP_SECP256R1);
    CHECK_EQ(x.shares.share[0].len, 65);
    /* keep() decides which shares are kept; all are still checked. */
    OK(hs13_parse_ch_exts(&e, NULL, &x, E));
}

static bool keep_none(uint16_t g)
{
    (void)g;
    return false;
}

static void test_server_hello_8448(void)
{
    struct hs_exts e;
    struct hs13_sh_exts x;
    sh_exts(msg8448(3, "ServerHello", 0, 2), EXT_IN_SH, &e);
    OK(hs13_parse_sh_exts(&e, false, &x, E));
    CHECK(x.has_version && x.has_key_share && !x.has_psk && !x.has_cookie);
    CHECK_EQ(x.version, 0x0304);
    CHECK_EQ(x.group, TERN_GROUP_X25519);
    CHECK_EQ(x.share.len, 32);

    sh_exts(msg8448(4, "ServerHello", 0, 2), EXT_IN_SH, &e);
    OK(hs13_parse_sh_exts(&e, false, &x, E));
    CHECK(x.has_psk);
    CHECK_EQ(x.psk_index, 0);

    /* §5's first "ServerHello" is the HelloRetryRequest. */
    sh_exts(msg8448(5, "ServerHello", 0, 2), EXT_IN_HRR, &e);
    OK(hs13_parse_sh_exts(&e, true, &x, E));
    CHECK(x.has_version && x.has_key_share && x.has_cookie);
    CHECK_EQ(x.group, TERN_GROUP_SECP256R1);
    CHECK_EQ(x.share.len, 0);
    CHECK_EQ(x.cookie.len, 114);
    /* The ServerHello form of key_share does not fit the HRR's. */
    EXPECT(hs13_parse_sh_exts(&e, false, &x, E), TERN_E_DECODE, "ServerHello: malformed key_share");
}

/* ---- messages ---- */

static void test_encrypted_extensions(void)
{
    struct hs_exts e;
    OK(hs13_parse_encrypted_extensions(msg8448(3, "EncryptedExtensions", 0, 8), ~0ull, &e, E));
    CHECK(hs_ext_has(&e, EXT_SUPPORTED_GROUPS) && hs_ext_has(&e, EXT_SERVER_NAME) &&
          hs_ext_has(&e, EXT_RECORD_SIZE_LIMIT));
    /* supported_groups may come back even when not offered (RFC 8446 §4.2.7). */
    OK(hs13_parse_encrypted_extensions(msg8448(3, "EncryptedExtensions", 0, 8),
                                       (1ull << EXT_SERVER_NAME) | (1ull << EXT_RECORD_SIZE_LIMIT),
                                       &e, E));
    /* ...but record_size_limit not offered is refused. */
    EXPECT(hs13_parse_encrypted_extensions(msg8448(3, "EncryptedExtensions", 0, 8),
                                           1ull << EXT_SERVER_NAME, &e, E),
           TERN_E_UNSUPPORTED_EXTENSION, "record_size_limit");
    OK(hs13_parse_encrypted_extensions(msg8448(4, "EncryptedExtensions", 0, 8), ~0ull, &e, E));
    CHECK(hs_ext_has(&e, EXT_EARLY_DATA));

    OK(hs13_parse_encrypted_extensions(RB(0, 0), 0, &e, E));
    CHECK_EQ(e.count, 0);
    EXPECT(hs13_parse_encrypted_extensions(RB(0, 0, 0), 0, &e, E), TERN_E_DECODE,
           "EncryptedExtensions: malformed");
    EXPECT(hs13_parse_encrypted_extensions(RB(0, 5, 0, 0, 0), 0, &e, E), TERN_E_DECODE,
           "EncryptedExtensions: malformed");
    EXPECT(hs13_parse_encrypted_extensions(RB(0, 5, 0, 0, 0, 1, 'x'), ~0ull, &e, E), TERN_E_DECODE,
           "server_name must be empty");
    EXPECT(hs13_parse_encrypted_extensions(RB(0, 5, 0, 42, 0, 1, 0), ~0ull, &e, E), TERN_E_DECODE,
           "early_data");
    /* key_share belongs to the hellos. */
    EXPECT(hs13_parse_encrypted_extensions(RB(0, 4, 0, 51, 0, 0), ~0ull, &e, E),
           TERN_E_ILLEGAL_PARAMETER, "key_share");
    /* unknown extensions are refused in a response */
    EXPECT(hs13_parse_encrypted_extensions(RB(0, 4, 0x12, 0x34, 0, 0), ~0ull, &e, E),
           TERN_E_UNSUPPORTED_EXTENSION, "4660");
}

static void test_certificate(void)
{
    struct hs13_certificate ct;
    OK(hs13_parse_certificate(msg8448(3, "Certificate", 0, 11), 0, &ct, E));
    CHECK_EQ(ct.n, 1);
    CHECK_EQ(ct.context.len, 0);
    CHECK_EQ(ct.cert[0].len, 432);
    CHECK_EQ(ct.cert[0].p[0], 0x30);
    CHECK_EQ(ct.exts[0].len, 0);
    OK(hs13_parse_certificate(msg8448(6, "Certificate", 1, 11), 0, &ct, E)); /* the client's */
    CHECK_EQ(ct.n, 1);

    /* an empty list parses (the handler decides what no certificate means) */
    OK(hs13_parse_certificate(RB(0, 0, 0, 0), 0, &ct, E));
    CHECK_EQ(ct.n, 0);
    OK(hs13_parse_certificate(RB(2, 7, 7, 0, 0, 6, 0, 0, 1, 0x30, 0, 0), 0, &ct, E));
    CHECK(ct.context.len == 2 && ct.n == 1);
    EXPECT(hs13_parse_certificate(RB(0, 0, 0, 0, 9), 0, &ct, E), TERN_E_DECODE, "of 5 bytes");
    EXPECT(hs13_parse_certificate(RB(0, 0, 0, 5, 0, 0, 0, 0, 0), 0, &ct, E), TERN_E_DECODE,
           "empty certificate entry");
    EXPECT(hs13_parse_certificate(RB(0, 0, 0, 5, 0, 0, 9, 0x30, 0), 0, &ct, E), TERN_E_DECODE,
           "runs past");
    /* an extension in an entry: we offered none (RFC 8446 §4.4.2) */
    EXPECT(hs13_parse_certificate(RB(0, 0, 0, 10, 0, 0, 1, 0x30, 0, 4, 0, 5, 0, 0), 0, &ct, E),
           TERN_E_UNSUPPORTED_EXTENSION, "status_request");
    OK(hs13_parse_certificate(RB(0, 0, 0, 10, 0, 0, 1, 0x30, 0, 4, 0, 5, 0, 0),
                              1ull << EXT_STATUS_REQUEST, &ct, E));
    CHECK_EQ(ct.exts[0].len, 4);

    /* HS13_MAX_CHAIN entries are kept; one more is bad_certificate */
    uint8_t many[4 + 6 * (HS13_MAX_CHAIN + 1)];
    struct wr w;
    for (size_t k = HS13_MAX_CHAIN; k <= HS13_MAX_CHAIN + 1; k++) {
        wr_init_fixed(&w, many, sizeof(many));
        wr_u8(&w, 0);
        size_t m = wr_open_u24(&w);
        for (size_t i = 0; i < k; i++) {
            wr_u24(&w, 1);
            wr_u8(&w, 0x30);
            wr_u16(&w, 0);
        }
        wr_close(&w, m);
        CHECK(wr_ok(&w));
        if (k == HS13_MAX_CHAIN) {
            OK(hs13_parse_certificate(R(many, w.len), 0, &ct, E));
            CHECK_EQ(ct.n, HS13_MAX_CHAIN);
        } else {
            EXPECT(hs13_parse_certificate(R(many, w.len), 0, &ct, E), TERN_E_BAD_CERTIFICATE,
                   "more than 10");
        }
    }
    /* a list over the size limit is refused before it is walked */
    size_t big = HS13_MAX_CHAIN_BYTES + 1;
    uint8_t *b = calloc(1, 4 + big);
    b[1] = (uint8_t)(big >> 16);
    b[2] = (uint8_t)(big >> 8);
    b[3] = (uint8_t)big;
    EXPECT(hs13_parse_certificate(R(b, 4 + big), 0, &ct, E), TERN_E_DECODE, "131073 bytes");
    free(b);
}

static void test_certificate_verify(void)
{
    uint16_t scheme;
    struct rd sig;
    OK(hs13_parse_certificate_verify(msg8448(3, "CertificateVerify", 0, 15), &scheme, &sig, E));
    CHECK_EQ(scheme, 0x0804);
    CHECK_EQ(sig.len, 128);
    EXPECT(hs13_parse_certificate_verify(RB(8, 4, 0, 1, 0xaa, 0), &scheme, &sig, E), TERN_E_DECODE,
           "of 6 bytes");
    EXPECT(hs13_parse_certificate_verify(RB(8, 4, 0, 2, 0xaa), &scheme, &sig, E), TERN_E_DECODE,
           "CertificateVerify: malformed");
    EXPECT(hs13_parse_certificate_verify(RB(8), &scheme, &sig, E), TERN_E_DECODE, "of 1 bytes");
}

static void test_certificate_request(void)
{
    struct hs13_cert_request cr;
    OK(hs13_parse_certificate_request(msg8448(6, "CertificateRequest", 0, 13), &cr, E));
    CHECK_EQ(cr.context.len, 0);
    CHECK_EQ(cr.sigalgs.len, 30);
    CHECK_EQ(u16_at(cr.sigalgs, 0), 0x0403);
    CHECK(!cr.has_cas);
    /* unknown extensions are skipped in a request (RFC 8446 §4.2) */
    OK(hs13_parse_certificate_request(
        RB(1, 9, 0, 14, 0x12, 0x34, 0, 2, 1, 2, 0, 13, 0, 4, 0, 2, 8, 4), &cr, E));
    CHECK(cr.context.len == 1 && cr.sigalgs.len == 2);
    /* with certificate_authorities */
    OK(hs13_parse_certificate_request(
        RB(0, 0, 19, 0, 13, 0, 4, 0, 2, 8, 4, 0, 47, 0, 7, 0, 5, 0, 3, 0x30, 1, 2), &cr, E));
    CHECK(cr.has_cas && cr.cas.len == 5);
    EXPECT(hs13_parse_certificate_request(RB(0, 0, 0), &cr, E), TERN_E_MISSING_EXTENSION,
           "lacks signature_algorithms");
    EXPECT(hs13_parse_certificate_request(RB(0, 0, 6, 0, 13, 0, 2, 0, 0), &cr, E), TERN_E_DECODE,
           "signature_algorithms: malformed");
    EXPECT(hs13_parse_certificate_request(RB(0, 0, 7, 0, 13, 0, 3, 0, 1, 8), &cr, E), TERN_E_DECODE,
           "signature_algorithms: malformed");
    EXPECT(hs13_parse_certificate_request(RB(0, 0, 0, 1), &cr, E), TERN_E_DECODE,
           "CertificateRequest: malformed");
    uint8_t longctx[1 + 33 + 2] = {33};
    EXPECT(hs13_parse_certificate_request(R(longctx, sizeof(longctx)), &cr, E), TERN_E_DECODE,
           "33 bytes");
    EXPECT(hs13_parse_certificate_request(
               RB(0, 0, 16, 0, 13, 0, 4, 0, 2, 8, 4, 0, 47, 0, 4, 0, 2, 0, 0), &cr, E),
           TERN_E_DECODE, "certificate_authorities");
    /* a duplicate extension */
    EXPECT(hs13_parse_certificate_request(
               RB(0, 0, 16, 0, 13, 0, 4, 0, 2, 8, 4, 0, 13, 0, 4, 0, 2, 8, 4), &cr, E),
           TERN_E_ILLEGAL_PARAMETER, "twice");
}

static void test_new_session_ticket(void)
{
    struct hs13_ticket t;
    OK(hs13_parse_new_session_ticket(msg8448(3, "NewSessionTicket", 0, 4), &t, E));
    CHECK_EQ(t.lifetime_s, 30);
    CHECK_EQ(t.age_add, 0xfad6aac5u);
    CHECK_EQ(t.nonce.len, 2);
    CHECK_EQ(t.ticket.len, 178);
    CHECK(t.has_early_data);
    CHECK_EQ(t.max_early_data, 1024);

    /* unknown extensions skipped */
    OK(hs13_parse_new_session_ticket(RB(0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 1, 9, 0, 4, 0xaa, 0xaa, 0, 0),
                                     &t, E));
    CHECK(!t.has_early_data && t.ticket.len == 1);
    EXPECT(hs13_parse_new_session_ticket(RB(0, 9, 0x3a, 0x81, 0, 0, 0, 2, 0, 0, 1, 9, 0, 0), &t, E),
           TERN_E_ILLEGAL_PARAMETER, "604801 s");
    OK(hs13_parse_new_session_ticket(RB(0, 9, 0x3a, 0x80, 0, 0, 0, 2, 0, 0, 1, 9, 0, 0), &t, E));
    EXPECT(hs13_parse_new_session_ticket(RB(0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0), &t, E),
           TERN_E_DECODE, "malformed NewSessionTicket");
    EXPECT(hs13_parse_new_session_ticket(RB(0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 1, 9, 0, 0, 0), &t, E),
           TERN_E_DECODE, "malformed NewSessionTicket");
    EXPECT(hs13_parse_new_session_ticket(
               RB(0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 1, 9, 0, 6, 0, 42, 0, 2, 0, 0), &t, E),
           TERN_E_DECODE, "early_data");
    EXPECT(hs13_parse_new_session_ticket(RB(0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 1, 9, 0, 4, 0, 51, 0, 0),
                                         &t, E),
           TERN_E_ILLEGAL_PARAMETER, "key_share");
}

static void test_key_update(void)
{
    for (uint8_t req = 0; req < 2; req++) {
        uint8_t buf[8];
        struct wr w;
        wr_init_fixed(&w, buf, sizeof(buf));
        hs13_write_key_update(&w, req);
        CHECK(wr_ok(&w));
        CHECK_EQ(w.len, 5);
        CHECK(buf[0] == 24 && buf[3] == 1);
        uint8_t got = 9;
        OK(hs13_parse_key_update(R(buf + 4, w.len - 4), &got, E));
        CHECK_EQ(got, req);
    }
    uint8_t got;
    EXPECT(hs13_parse_key_update(RB(2), &got, E), TERN_E_ILLEGAL_PARAMETER, "request_update 2");
    EXPECT(hs13_parse_key_update(RB(0, 0), &got, E), TERN_E_DECODE, "of 2 bytes");
    EXPECT(hs13_parse_key_update(R(NULL, 0), &got, E), TERN_E_DECODE, "of 0 bytes");
}

/* ---- extensions ---- */

static void test_versions(void)
{
    struct hs13_versions v;
    /* GREASE (0x?a?a) and unknown versions are skipped */
    OK(hs13_parse_versions_ch(RB(8, 0x5a, 0x5a, 3, 4, 3, 3, 0x7f, 0x1c), &v, E));
    CHECK(v.offers13 && v.offers12);
    CHECK_EQ(v.highest, 0x0304);
    CHECK_EQ(v.n, 4);
    OK(hs13_parse_versions_ch(RB(2, 3, 3), &v, E));
    CHECK(!v.offers13 && v.offers12);
    EXPECT(hs13_parse_versions_ch(RB(0), &v, E), TERN_E_DECODE, "a list of 0 bytes");
    EXPECT(hs13_parse_versions_ch(RB(3, 3, 4, 3), &v, E), TERN_E_DECODE, "a list of 3 bytes");
    EXPECT(hs13_parse_versions_ch(RB(2, 3, 4, 0), &v, E), TERN_E_DECODE, "extension of 4");
    EXPECT(hs13_parse_versions_ch(RB(4, 3, 4), &v, E), TERN_E_DECODE, "supported_versions");
    uint16_t sv;
    OK(hs13_parse_versions_sh(RB(3, 4), "ServerHello", &sv, E));
    CHECK_EQ(sv, 0x0304);
    EXPECT(hs13_parse_versions_sh(RB(2, 3, 4), "HelloRetryRequest", &sv, E), TERN_E_DECODE,
           "HelloRetryRequest: malformed supported_versions (3 bytes");
    EXPECT(hs13_parse_versions_sh(RB(3), "ServerHello", &sv, E), TERN_E_DECODE, "1 bytes");
}

static bool keep_x25519(uint16_t g)
{
    return g == TERN_GROUP_X25519;
}

static void test_key_share(void)
{
    struct hs13_key_shares ks;
    /* an empty list is allowed (it asks for a HelloRetryRequest) */
    OK(hs13_parse_key_share_ch(RB(0, 0), NULL, NULL, &ks, E));
    CHECK(ks.n == 0 && ks.total == 0);
    OK(hs13_parse_key_share_ch(RB(0, 10, 0, 0x1d, 0, 1, 0xaa, 0x0a, 0x0a, 0, 1, 0xbb), NULL,
                               keep_x25519, &ks, E));
    CHECK_EQ(ks.total, 2);
    CHECK_EQ(ks.n, 1); /* the GREASE share is read and not kept */
    CHECK(ks.group[0] == TERN_GROUP_X25519 && ks.share[0].len == 1 && ks.share[0].p[0] == 0xaa);
    EXPECT(hs13_parse_key_share_ch(RB(0, 10, 0, 0x1d, 0, 1, 0xaa, 0, 0x1d, 0, 1, 0xbb), NULL, NULL,
                                   &ks, E),
           TERN_E_ILLEGAL_PARAMETER, "two key shares for x25519");
    struct hs_u16_set listed;
    hs_u16_set_clear(&listed);
    CHECK(hs_u16_set_add(&listed, TERN_GROUP_X25519));
    OK(hs13_parse_key_share_ch(RB(0, 5, 0, 0x1d, 0, 1, 0xaa), &listed, NULL, &ks, E));
    EXPECT(hs13_parse_key_share_ch(RB(0, 5, 0, 0x17, 0, 1, 0xaa), &listed, NULL, &ks, E),
           TERN_E_ILLEGAL_PARAMETER, "(0x0017), which is not in its supported_groups");
    EXPECT(hs13_parse_key_share_ch(RB(0, 4, 0, 0x1d, 0, 0), NULL, NULL, &ks, E), TERN_E_DECODE,
           "entry 1");
    EXPECT(hs13_parse_key_share_ch(RB(0, 5, 0, 0x1d, 0, 2, 0xaa), NULL, NULL, &ks, E),
           TERN_E_DECODE, "entry 1");
    EXPECT(hs13_parse_key_share_ch(RB(0, 5, 0, 0x1d, 0, 1, 0xaa, 0), NULL, NULL, &ks, E),
           TERN_E_DECODE, "ClientHello: malformed key_share");
    /* more shares than are kept: all read, HS13_MAX_SHARES kept */
    uint8_t many[2 + 5 * 40];
    struct wr w;
    wr_init_fixed(&w, many, sizeof(many));
    size_t m = wr_open_u16(&w);
    for (uint16_t g = 0; g < 40; g++) {
        wr_u16(&w, (uint16_t)(0x100 + g));
        wr_u16(&w, 1);
        wr_u8(&w, (uint8_t)g);
    }
    wr_close(&w, m);
    OK(hs13_parse_key_share_ch(R(many, w.len), NULL, NULL, &ks, E));
    CHECK_EQ(ks.total, 40);
    CHECK_EQ(ks.n, HS13_MAX_SHARES);
    OK(hs13_parse_key_share_ch(R(many, w.len), NULL, keep_none, &ks, E));
    CHECK_EQ(ks.n, 0);

    uint16_t g;
    struct rd share;
    OK(hs13_parse_key_share_sh(RB(0, 0x1d, 0, 2, 1, 2), &g, &share, E));
    CHECK(g == TERN_GROUP_X25519 && share.len == 2);
    EXPECT(hs13_parse_key_share_sh(RB(0, 0x1d, 0, 0), &g, &share, E), TERN_E_DECODE, "key_share");
    EXPECT(hs13_parse_key_share_sh(RB(0, 0x1d, 0, 1, 1, 9), &g, &share, E), TERN_E_DECODE,
           "key_share");
    OK(hs13_parse_key_share_hrr(RB(0, 0x17), &g, E));
    CHECK_EQ(g, TERN_GROUP_SECP256R1);
    EXPECT(hs13_parse_key_share_hrr(RB(0, 0x17, 0), &g, E), TERN_E_DECODE,
           "HelloRetryRequest: malformed key_share");
    EXPECT(hs13_parse_key_share_hrr(RB(0), &g, E), TERN_E_DECODE, "key_share");
}

static void test_groups_sigalgs(void)
{
    struct rd l;
    struct hs_u16_set listed;
    OK(hs13_parse_groups(RB(0, 4, 0x0a, 0x0a, 0, 0x1d), &l, &listed, E));
    CHECK(l.len == 4 && hs_u16_set_has(&listed, 0x0a0a) && hs_u16_set_has(&listed, 0x1d));
    CHECK(!hs_u16_set_has(&listed, 0x17));
    EXPECT(hs13_parse_groups(RB(0, 0), &l, NULL, E), TERN_E_DECODE, "supported_groups");
    EXPECT(hs13_parse_groups(RB(0, 3, 0, 0x1d, 0), &l, NULL, E), TERN_E_DECODE, "of 5 bytes");
    EXPECT(hs13_parse_groups(RB(0, 2, 0, 0x1d, 0), &l, NULL, E), TERN_E_DECODE, "of 5 bytes");
    OK(hs13_parse_sigalgs(RB(0, 2, 8, 4), "x", &l, E));
    CHECK_EQ(l.len, 2);
    EXPECT(hs13_parse_sigalgs(RB(0, 0), "ClientHello's signature_algorithms_cert", &l, E),
           TERN_E_DECODE, "signature_algorithms_cert: malformed");
    EXPECT(hs13_parse_sigalgs(RB(0, 1, 8), "s", &l, E), TERN_E_DECODE, "malformed");
    EXPECT(hs13_parse_sigalgs(RB(0, 4, 8, 4), "s", &l, E), TERN_E_DECODE, "malformed");
}

static void test_sni_alpn(void)
{
    struct rd name;
    OK(hs13_parse_sni(RB(0, 6, 0, 0, 3, 'a', '.', 'b'), &name, E));
    CHECK(name.len == 3 && !memcmp(name.p, "a.b", 3));
    /* another name type after the host name is skipped */
    OK(hs13_parse_sni(RB(0, 10, 0, 0, 3, 'a', '.', 'b', 7, 0, 1, 'z'), &name, E));
    EXPECT(hs13_parse_sni(RB(0, 10, 0, 0, 3, 'a', '.', 'b', 0, 0, 1, 'z'), &name, E),
           TERN_E_ILLEGAL_PARAMETER, "two host names");
    EXPECT(hs13_parse_sni(RB(0, 9, 0, 0, 3, 'a', '.', 'b', 7, 0, 9), &name, E), TERN_E_DECODE,
           "runs past");
    EXPECT(hs13_parse_sni(RB(0, 6, 0, 0, 3, 'a', 0, 'b'), &name, E), TERN_E_ILLEGAL_PARAMETER,
           "NUL");
    EXPECT(hs13_parse_sni(RB(0, 3, 0, 0, 0), &name, E), TERN_E_DECODE, "malformed server_name");
    EXPECT(hs13_parse_sni(RB(0, 6, 1, 0, 3, 'a', '.', 'b'), &name, E), TERN_E_DECODE,
           "malformed server_name");
    EXPECT(hs13_parse_sni(RB(0, 0), &name, E), TERN_E_DECODE, "malformed server_name");
    EXPECT(hs13_parse_sni(RB(0, 6, 0, 0, 3, 'a', '.', 'b', 0), &name, E), TERN_E_DECODE,
           "malformed server_name");
    OK(hs13_parse_empty(R(NULL, 0), "EE: server_name", E));
    EXPECT(hs13_parse_empty(RB(0), "EE: server_name", E), TERN_E_DECODE,
           "EE: server_name carries 1 bytes");

    struct rd list;
    OK(hs13_parse_alpn_list(RB(0, 12, 2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'),
                            &list, E));
    CHECK_EQ(list.len, 12);
    EXPECT(hs13_parse_alpn_list(RB(0, 4, 2, 'h', '2', 0), &list, E), TERN_E_DECODE,
           "name 2 is empty");
    EXPECT(hs13_parse_alpn_list(RB(0, 4, 2, 'h', '2', 5), &list, E), TERN_E_DECODE,
           "name 2 runs past");
    EXPECT(hs13_parse_alpn_list(RB(0, 0), &list, E), TERN_E_DECODE, "malformed ALPN");
    EXPECT(hs13_parse_alpn_list(RB(0, 3, 2, 'h', '2', 0), &list, E), TERN_E_DECODE,
           "malformed ALPN");
    OK(hs13_parse_alpn_choice(RB(0, 3, 2, 'h', '2'), "EE", &name, E));
    CHECK(name.len == 2 && name.p[0] == 'h');
    EXPECT(hs13_parse_alpn_choice(RB(0, 6, 2, 'h', '2', 2, 'h', '3'), "EE", &name, E),
           TERN_E_DECODE, "EE: ALPN must name exactly one");
    EXPECT(hs13_parse_alpn_choice(RB(0, 1, 0), "EE", &name, E), TERN_E_DECODE, "exactly one");
}

static void test_psk_cookie_early_cas(void)
{
    bool ke, dhe;
    OK(hs13_parse_psk_modes(RB(3, 7, 1, 0x55), &ke, &dhe, E)); /* unknown modes skipped */
    CHECK(dhe && !ke);
    OK(hs13_parse_psk_modes(RB(1, 0), &ke, &dhe, E));
    CHECK(ke && !dhe);
    OK(hs13_parse_psk_modes(RB(1, 9), &ke, &dhe, E));
    CHECK(!ke && !dhe);
    EXPECT(hs13_parse_psk_modes(RB(0), &ke, &dhe, E), TERN_E_DECODE, "psk_key_exchange_modes");
    EXPECT(hs13_parse_psk_modes(RB(1, 1, 1), &ke, &dhe, E), TERN_E_DECODE,
           "psk_key_exchange_modes");
    EXPECT(hs13_parse_psk_modes(RB(2, 1), &ke, &dhe, E), TERN_E_DECODE, "psk_key_exchange_modes");

    uint16_t idx;
    OK(hs13_parse_psk_sh(RB(0, 3), &idx, E));
    CHECK_EQ(idx, 3);
    EXPECT(hs13_parse_psk_sh(RB(0, 3, 0), &idx, E), TERN_E_DECODE, "pre_shared_key");

    struct rd ck;
    OK(hs13_parse_cookie(RB(0, 2, 7, 8), "HelloRetryRequest", &ck, E));
    CHECK(ck.len == 2 && ck.p[1] == 8);
    EXPECT(hs13_parse_cookie(RB(0, 0), "HelloRetryRequest", &ck, E), TERN_E_DECODE,
           "HelloRetryRequest: malformed cookie");
    EXPECT(hs13_parse_cookie(RB(0, 1, 7, 8), "ClientHello", &ck, E), TERN_E_DECODE,
           "ClientHello: malformed cookie (an extension of 4 bytes)");

    uint32_t max;
    OK(hs13_parse_early_data_nst(RB(0, 0, 0x40, 0), &max, E));
    CHECK_EQ(max, 0x4000);
    EXPECT(hs13_parse_early_data_nst(RB(0, 0, 0x40), &max, E), TERN_E_DECODE, "early_data");

    struct rd cas;
    OK(hs13_parse_cas(RB(0, 5, 0, 3, 0x30, 1, 2), "CR", &cas, E));
    EXPECT(hs13_parse_cas(RB(0, 2, 0, 0), "CR", &cas, E), TERN_E_DECODE, "certificate_authorities");
    EXPECT(hs13_parse_cas(RB(0, 0), "CR", &cas, E), TERN_E_DECODE,
           "CR: malformed certificate_authorities");
    EXPECT(hs13_parse_cas(RB(0, 4, 0, 0, 0, 0), "CR", &cas, E), TERN_E_DECODE, "name 1 is empty");
    EXPECT(hs13_parse_cas(RB(0, 4, 0, 3, 0x30, 1), "CR", &cas, E), TERN_E_DECODE, "runs past");

    OK(hs13_parse_compression(RB(0), E));
    EXPECT(hs13_parse_compression(RB(1, 0), E), TERN_E_ILLEGAL_PARAMETER,
           "compression (2 methods)");
    EXPECT(hs13_parse_compression(RB(1), E), TERN_E_ILLEGAL_PARAMETER, "compression");
    EXPECT(hs13_parse_compression(R(NULL, 0), E), TERN_E_ILLEGAL_PARAMETER, "(0 methods)");
}

/* The ClientHello composite: the first faulty extension is named. */
static void test_ch_exts(void)
{
    struct hs_exts e;
    struct hs13_ch_exts x;
    /* supported_groups {x25519}, key_share for P-256: not listed */
    OK(hs_exts_parse(RB(0, 10, 0, 4, 0, 2, 0, 0x1d, 0, 51, 0, 7, 0, 5, 0, 0x17, 0, 1, 4), EXT_IN_CH,
                     0, "ClientHello", &e, E));
    EXPECT(hs13_parse_ch_exts(&e, NULL, &x, E), TERN_E_ILLEGAL_PARAMETER, "(0x0017)");
    /* the same share without supported_groups: the rule waits for the handler */
    OK(hs_exts_parse(RB(0, 51, 0, 7, 0, 5, 0, 0x17, 0, 1, 4), EXT_IN_CH, 0, "ClientHello", &e, E));
    OK(hs13_parse_ch_exts(&e, NULL, &x, E));
    CHECK(x.has_key_share && !x.has_groups && x.shares.n == 1);
    OK(hs_exts_parse(RB(0, 42, 0, 1, 0), EXT_IN_CH, 0, "ClientHello", &e, E));
    EXPECT(hs13_parse_ch_exts(&e, NULL, &x, E), TERN_E_DECODE, "early_data carries 1 bytes");
    OK(hs_exts_parse(RB(0, 50, 0, 2, 0, 0), EXT_IN_CH, 0, "ClientHello", &e, E));
    EXPECT(hs13_parse_ch_exts(&e, NULL, &x, E), TERN_E_DECODE, "signature_algorithms_cert");
    OK(hs_exts_parse(RB(0, 44, 0, 2, 0, 0), EXT_IN_CH, 0, "ClientHello", &e, E));
    EXPECT(hs13_parse_ch_exts(&e, NULL, &x, E), TERN_E_DECODE, "cookie");
    OK(hs_exts_parse(RB(0, 45, 0, 1, 0), EXT_IN_CH, 0, "ClientHello", &e, E));
    EXPECT(hs13_parse_ch_exts(&e, NULL, &x, E), TERN_E_DECODE, "psk_key_exchange_modes");
    OK(hs_exts_parse(R(NULL, 0), EXT_IN_CH, 0, "ClientHello", &e, E));
    OK(hs13_parse_ch_exts(&e, NULL, &x, E));
    CHECK(!x.has_sigalgs && !x.has_groups && !x.has_key_share);
}

/* ---- hs_exts_parse ---- */

static void test_exts_parse(void)
{
    struct hs_exts e;
    OK(hs_exts_parse(RB(0x12, 0x34, 0, 1, 9, 0, 43, 0, 3, 2, 3, 4), EXT_IN_CH, 0, "ClientHello", &e,
                     E));
    CHECK_EQ(e.count, 2);
    CHECK(hs_ext_has(&e, EXT_SUPPORTED_VERSIONS) && !hs_ext_has(&e, EXT_KEY_SHARE));
    CHECK_EQ(e.body[EXT_SUPPORTED_VERSIONS].len, 3);
    EXPECT(hs_exts_parse(RB(0, 43, 0, 0, 0, 43, 0, 0), EXT_IN_CH, 0, "ClientHello", &e, E),
           TERN_E_ILLEGAL_PARAMETER, "supported_versions extension (43) twice");
    EXPECT(
        hs_exts_parse(RB(0x12, 0x34, 0, 0, 0x12, 0x34, 0, 0), EXT_IN_CH, 0, "ClientHello", &e, E),
        TERN_E_ILLEGAL_PARAMETER, "twice");
    EXPECT(hs_exts_parse(RB(0, 41, 0, 0, 0, 43, 0, 0), EXT_IN_CH, 0, "ClientHello", &e, E),
           TERN_E_ILLEGAL_PARAMETER, "pre_shared_key is not the last");
    EXPECT(hs_exts_parse(RB(0, 43, 0, 3, 0), EXT_IN_CH, 0, "ClientHello", &e, E), TERN_E_DECODE,
           "runs past the end");
    EXPECT(hs_exts_parse(RB(0, 43, 0), EXT_IN_CH, 0, "ClientHello", &e, E), TERN_E_DECODE,
           "runs past the end");
    EXPECT(hs_exts_parse(RB(0, 48, 0, 0), EXT_IN_CH, 0, "ClientHello", &e, E),
           TERN_E_ILLEGAL_PARAMETER, "oid_filters extension, which is not allowed");
    OK(hs_exts_parse(RB(0, 48, 0, 0), EXT_IN_CR, 0, "CertificateRequest", &e, E));
    EXPECT(hs_exts_parse(RB(0, 16, 0, 0), EXT_IN_EE, 0, "EncryptedExtensions", &e, E),
           TERN_E_UNSUPPORTED_EXTENSION, "which we did not offer");
    OK(hs_exts_parse(RB(0, 16, 0, 0), EXT_IN_EE, 1ull << EXT_ALPN, "EncryptedExtensions", &e, E));
    EXPECT(hs_exts_parse(RB(0x12, 0x34, 0, 0), EXT_IN_SH, ~0ull, "ServerHello", &e, E),
           TERN_E_UNSUPPORTED_EXTENSION, "extension 4660");

    /* work grows linearly with the number of extensions */
    size_t n = 8000;
    uint8_t *b = malloc(4 * n);
    for (size_t i = 0; i < n; i++) {
        b[4 * i] = (uint8_t)(0x80 + (i >> 8));
        b[4 * i + 1] = (uint8_t)i;
        b[4 * i + 2] = b[4 * i + 3] = 0;
    }
    OK(hs_exts_parse(R(b, 4 * n), EXT_IN_CH, 0, "ClientHello", &e, E));
    CHECK_EQ(e.count, n);
    CHECK(e.work <= n * (EXT_COUNT + 1));
    free(b);
}

/* ---- round trips through what tern writes ---- */

/* first_msg: the first handshake message of the plaintext records that
 * `from` wants to send (tern sends its hello alone in a record). */
static struct rd first_msg(tern_conn *from, uint8_t type, uint8_t *copy, size_t cap)
{
    const uint8_t *out;
    size_t len;
    tern_conn_output(from, &out, &len);
    struct rd r = R(out, len), rec, body;
    uint8_t ct, t;
    uint16_t v;
    uint32_t n;
    CHECK(rd_u8(&r, &ct) && rd_u16(&r, &v) && rd_prefixed16(&r, &rec));
    CHECK_EQ(ct, 22);
    CHECK(rd_u8(&rec, &t) && rd_u24(&rec, &n) && rd_sub(&rec, &body, n));
    CHECK_EQ(t, type);
    CHECK(body.len <= cap);
    memcpy(copy, body.p, body.len);
    return R(copy, body.len);
}

static void test_round_trip_hellos(void)
{
    tern_config *ccfg = client_config(), *scfg = server_config("server-p256");
    static const char alpn[] = "\x02h2\x08http/1.1";
    static const char *const protos[] = {"h2", "http/1.1"};
    CHECK_EQ(tern_config_set_alpn(ccfg, protos, 2), TERN_OK);
    tern_conn *c = tern_conn_new_client(ccfg, "localhost");
    tern_conn *s = tern_conn_new_server(scfg);
    CHECK(c && s);
    static uint8_t ch[4096], sh[4096];
    struct rd body = first_msg(c, 1, ch, sizeof(ch));
    struct hs_exts e;
    struct rd comp;
    ch_exts(body, &comp, &e);
    OK(hs13_parse_compression(comp, E));
    struct hs13_ch_exts x;
    OK(hs13_parse_ch_exts(&e, NULL, &x, E));
    CHECK(x.has_sigalgs && x.has_groups && x.has_key_share && x.shares.n >= 1);
    for (size_t i = 0; i < x.shares.n; i++)
        CHECK(hs_u16_set_has(&x.listed, x.shares.group[i]));
    struct hs13_versions v;
    OK(hs13_parse_versions_ch(e.body[EXT_SUPPORTED_VERSIONS], &v, E));
    CHECK(v.offers13);
    struct rd name, list;
    OK(hs13_parse_sni(e.body[EXT_SERVER_NAME], &name, E));
    CHECK(name.len == 9 && !memcmp(name.p, "localhost", 9));
    OK(hs13_parse_alpn_list(e.body[EXT_ALPN], &list, E));
    CHECK(list.len == sizeof(alpn) - 1 && !memcmp(list.p, alpn, list.len));

    move(c, s, 1 << 20);
    body = first_msg(s, 2, sh, sizeof(sh));
    struct hs_exts se;
    sh_exts(body, EXT_IN_SH, &se);
    struct hs13_sh_exts y;
    OK(hs13_parse_sh_exts(&se, false, &y, E));
    CHECK(y.has_version && y.version == 0x0304 && y.has_key_share);
    bool sent = false;
    for (size_t i = 0; i < x.shares.n; i++)
        sent |= x.shares.group[i] == y.group;
    CHECK(sent);
    CHECK(y.share.len > 0);
    pump(c, s, 1 << 20);
    CHECK(both_done(c, s));
    tern_conn_free(c);
    tern_conn_free(s);
    tern_config_free(ccfg);
    tern_config_free(scfg);
}

int main(void)
{
    trace = rfc8448_load_default();
    CHECK(trace != NULL);
    if (!trace)
        return 1;
    RUN(test_hello_structure);
    RUN(test_client_hello_8448);
    RUN(test_server_hello_8448);
    RUN(test_encrypted_extensions);
    RUN(test_certificate);
    RUN(test_certificate_verify);
    RUN(test_certificate_request);
    RUN(test_new_session_ticket);
    RUN(test_key_update);
    RUN(test_versions);
    RUN(test_key_share);
    RUN(test_groups_sigalgs);
    RUN(test_sni_alpn);
    RUN(test_psk_cookie_early_cas);
    RUN(test_ch_exts);
    RUN(test_exts_parse);
    RUN(test_round_trip_hellos);
    rfc8448_free(trace);
    return test_done();
}
