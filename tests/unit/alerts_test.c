/* Alerts and errors for a table of malformed inputs (RFC 8446 §6.2 and the
 * sections each case cites). Every case takes a real message from a tern
 * peer in memory (a ClientHello, a ServerHello, the server's encrypted
 * flight, decrypted with the key-log secrets and sealed again), breaks it
 * one way, and feeds it to the other side, which must send exactly the
 * expected alert, leave a sentence naming the problem, and send nothing
 * after it (no application data, no second alert). */
#include "record/record.h"

#include "pair.h"
#include "tern/tern.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

/* ---- messages: a hello as a head, its extensions, and a tail ---- */

struct ext {
    uint16_t type;
    uint8_t body[2048];
    size_t len;
};

struct hello {
    uint8_t type;
    uint8_t head[2048]; /* the fields before the extensions */
    size_t head_len;
    struct ext ext[256];
    size_t n;
};

static size_t u16(const uint8_t *p)
{
    return (size_t)p[0] << 8 | p[1];
}

/* parse_hello splits a ClientHello or ServerHello message (with header). */
static bool parse_hello(const uint8_t *m, size_t len, struct hello *h)
{
    memset(h, 0, sizeof(*h));
    h->type = m[0];
    const uint8_t *p = m + 4, *end = m + len;
    size_t i = 2 + 32;
    i += 1 + p[i]; /* session id */
    if (h->type == 1) {
        i += 2 + u16(p + i); /* suites */
        i += 1 + p[i];       /* compression methods */
    } else {
        i += 2 + 1; /* suite, compression */
    }
    if (i > sizeof(h->head))
        return false;
    memcpy(h->head, p, i);
    h->head_len = i;
    const uint8_t *e = p + i + 2;
    if (e + 0 > end || p + i + 2 + u16(p + i) != end)
        return false;
    while (e < end) {
        struct ext *x = &h->ext[h->n++];
        x->type = (uint16_t)u16(e);
        x->len = u16(e + 2);
        memcpy(x->body, e + 4, x->len);
        e += 4 + x->len;
    }
    return e == end;
}

/* build_hello writes the message back (header included). */
static size_t build_hello(const struct hello *h, uint8_t *out)
{
    size_t i = 4;
    memcpy(out + i, h->head, h->head_len);
    i += h->head_len;
    size_t at = i;
    i += 2;
    for (size_t k = 0; k < h->n; k++) {
        out[i] = (uint8_t)(h->ext[k].type >> 8);
        out[i + 1] = (uint8_t)h->ext[k].type;
        out[i + 2] = (uint8_t)(h->ext[k].len >> 8);
        out[i + 3] = (uint8_t)h->ext[k].len;
        memcpy(out + i + 4, h->ext[k].body, h->ext[k].len);
        i += 4 + h->ext[k].len;
    }
    out[at] = (uint8_t)((i - at - 2) >> 8);
    out[at + 1] = (uint8_t)(i - at - 2);
    out[0] = h->type;
    out[1] = (uint8_t)((i - 4) >> 16);
    out[2] = (uint8_t)((i - 4) >> 8);
    out[3] = (uint8_t)(i - 4);
    return i;
}

static struct ext *find_ext(struct hello *h, uint16_t type)
{
    for (size_t k = 0; k < h->n; k++)
        if (h->ext[k].type == type)
            return &h->ext[k];
    return NULL;
}

static void drop_ext(struct hello *h, uint16_t type)
{
    for (size_t k = 0; k < h->n; k++)
        if (h->ext[k].type == type) {
            memmove(&h->ext[k], &h->ext[k + 1], (h->n - k - 1) * sizeof(h->ext[0]));
            h->n--;
            return;
        }
}

static void add_ext(struct hello *h, size_t at, uint16_t type, const void *body, size_t len)
{
    if (at > h->n)
        at = h->n;
    memmove(&h->ext[at + 1], &h->ext[at], (h->n - at) * sizeof(h->ext[0]));
    h->ext[at].type = type;
    h->ext[at].len = len;
    memcpy(h->ext[at].body, body, len);
    h->n++;
}

/* ---- records ---- */

static size_t record(uint8_t type, const uint8_t *p, size_t len, uint8_t *out)
{
    out[0] = type;
    out[1] = 3;
    out[2] = 3;
    out[3] = (uint8_t)(len >> 8);
    out[4] = (uint8_t)len;
    memcpy(out + 5, p, len);
    return 5 + len;
}

/* Secrets from the key log, by label. */
struct secrets {
    char lines[8][300];
    size_t n;
};

static void keylog(void *arg, const char *line)
{
    struct secrets *s = arg;
    if (s->n < 8)
        snprintf(s->lines[s->n++], sizeof(s->lines[0]), "%s", line);
}

static bool secret(const struct secrets *s, const char *label, uint8_t out[32])
{
    for (size_t i = 0; i < s->n; i++) {
        if (strncmp(s->lines[i], label, strlen(label)) != 0)
            continue;
        const char *hex = strrchr(s->lines[i], ' ') + 1;
        if (strlen(hex) != 64)
            return false;
        for (int k = 0; k < 32; k++) {
            unsigned v;
            sscanf(hex + 2 * k, "%2x", &v);
            out[k] = (uint8_t)v;
        }
        return true;
    }
    return false;
}

static bool keyed(struct rec_dir *d, const struct secrets *s, const char *label)
{
    uint8_t key[32];
    memset(d, 0, sizeof(*d));
    return secret(s, label, key) &&
           rec_dir_set13(d, CRY_SHA256, CRY_AES_128_GCM, key, 32, NULL) == TERN_OK;
}

/* seal one record of inner type under d. */
static size_t seal(struct rec_dir *d, uint8_t type, const uint8_t *p, size_t len, uint8_t *out)
{
    size_t off = rec_plaintext_offset(d), n = 0;
    memcpy(out + off, p, len);
    CHECK_EQ(rec_seal(d, type, out, len, 0, 1 << 16, &n, NULL), TERN_OK);
    return n;
}

/* alert_of reads what c sent since its output was last taken: the alert
 * (plaintext, or under the given write keys), -1 if none. Checks that
 * the alert is the last thing sent. */
static int alert_of(tern_conn *c, struct rec_dir *keys)
{
    const uint8_t *out;
    size_t len;
    tern_conn_output(c, &out, &len);
    int alert = -1;
    size_t i = 0;
    uint8_t buf[1 << 15];
    while (i + 5 <= len) {
        size_t rl = 5 + u16(out + i + 3);
        CHECK(i + rl <= len);
        if (i + rl > len)
            break;
        CHECK(alert < 0); /* nothing after an alert */
        if (out[i] == 21 && rl == 7) {
            alert = out[i + 6];
        } else if (out[i] == 23 && keys && keys->active) {
            memcpy(buf, out + i, rl);
            uint8_t type;
            size_t off, n;
            if (rec_open(keys, buf, rl, &type, &off, &n, NULL) == TERN_OK && type == 21 && n == 2)
                alert = buf[off + 1];
        }
        i += rl;
    }
    tern_conn_output_done(c, len);
    return alert;
}

/* after_failure: the failed side refuses to send anything more. */
static void check_silent(tern_conn *c)
{
    size_t w = 1;
    CHECK(tern_conn_write(c, (const uint8_t *)"x", 1, &w) != TERN_OK);
    CHECK_EQ(w, 0);
    CHECK(tern_conn_close(c) != TERN_OK);
    const uint8_t *out;
    size_t len;
    tern_conn_output(c, &out, &len);
    CHECK_EQ(len, 0);
    CHECK(tern_conn_wants(c) & TERN_WANTS_CLOSED);
}

static int failures_before;

static void expect(const char *what, tern_conn *c, int alert, int want, const char *words)
{
    const char *err = tern_conn_error(c);
    CHECK_EQ(alert, want);
    CHECK(err && err[0]);
    if (words)
        CHECK_CONTAINS(err, words);
    if (test_failures != failures_before)
        fprintf(stderr, "  case \"%s\": alert %d (%s), want %d (%s); error: %s\n", what, alert,
                alert >= 0 ? tern_alert_name(alert) : "none", want, tern_alert_name(want),
                err ? err : "(none)");
    check_silent(c);
    failures_before = test_failures;
}

/* ---- the endpoints ---- */

static tern_config *ccfg, *scfg;
static struct secrets csec, ssec;

static void setup(void)
{
    const uint16_t suite[] = {TERN_TLS_AES_128_GCM_SHA256};
    const uint16_t groups[] = {TERN_GROUP_X25519};
    ccfg = client_config();
    CHECK_EQ(tern_config_set_versions(ccfg, TERN_TLS13, TERN_TLS13), TERN_OK);
    CHECK_EQ(tern_config_set_cipher_suites(ccfg, suite, 1), TERN_OK);
    CHECK_EQ(tern_config_set_groups(ccfg, groups, 1), TERN_OK);
    tern_config_set_keylog(ccfg, keylog, &csec);
    scfg = server_config("server-ed25519");
    CHECK_EQ(tern_config_set_versions(scfg, TERN_TLS13, TERN_TLS13), TERN_OK);
    CHECK_EQ(tern_config_set_cipher_suites(scfg, suite, 1), TERN_OK);
    CHECK_EQ(tern_config_set_tickets(scfg, 0, 3600, 3600), TERN_OK);
    tern_config_set_keylog(scfg, keylog, &ssec);
}

/* A fresh client's ClientHello (the message, header included). */
static size_t client_hello(tern_conn **cp, uint8_t *msg)
{
    csec.n = 0;
    tern_conn *c = tern_conn_new_client(ccfg, "localhost");
    const uint8_t *out;
    size_t len;
    tern_conn_output(c, &out, &len);
    size_t n = u16(out + 3);
    memcpy(msg, out + 5, n);
    tern_conn_output_done(c, len);
    if (cp)
        *cp = c;
    else
        tern_conn_free(c);
    return n;
}

/* ---- server side: broken ClientHellos and first flights ---- */

struct ch_case {
    const char *what;
    void (*mutate)(struct hello *h, uint8_t *msg, size_t *len); /* h, or the raw bytes */
    int alert;
    const char *words; /* in the error sentence */
};

static void ch_no_versions(struct hello *h, uint8_t *m, size_t *l)
{
    drop_ext(h, 43); /* supported_versions: a TLS 1.2-only client */
}
static void ch_versions_12_only(struct hello *h, uint8_t *m, size_t *l)
{
    struct ext *e = find_ext(h, 43);
    static const uint8_t v[] = {4, 3, 3, 3, 2};
    memcpy(e->body, v, sizeof(v));
    e->len = sizeof(v);
}
static void ch_dup_groups(struct hello *h, uint8_t *m, size_t *l)
{
    struct ext *e = find_ext(h, 10);
    add_ext(h, 0, 10, e->body, e->len);
}
static void ch_share_not_in_groups(struct hello *h, uint8_t *m, size_t *l)
{
    struct ext *e = find_ext(h, 10); /* supported_groups: P-256 only */
    static const uint8_t g[] = {0, 2, 0, 0x17};
    memcpy(e->body, g, sizeof(g));
    e->len = sizeof(g);
}
static void ch_short_share(struct hello *h, uint8_t *m, size_t *l)
{
    struct ext *e = find_ext(h, 51); /* X25519 share of 31 bytes */
    e->len -= 1;
    e->body[1] -= 1;
    e->body[5] -= 1;
}
static void ch_no_sigalgs(struct hello *h, uint8_t *m, size_t *l)
{
    drop_ext(h, 13);
}
static void ch_no_key_share(struct hello *h, uint8_t *m, size_t *l)
{
    drop_ext(h, 51);
}
static void ch_no_groups(struct hello *h, uint8_t *m, size_t *l)
{
    drop_ext(h, 10);
}
static const uint8_t fake_psk[] = {0,  7,  0,  1,  'x', 0,  0,  0,  0,  0,  33, 32, 1,  2,  3,
                                   4,  5,  6,  7,  8,   9,  10, 11, 12, 13, 14, 15, 16, 17, 18,
                                   19, 20, 21, 22, 23,  24, 25, 26, 27, 28, 29, 30, 31, 32};
static void ch_psk_not_last(struct hello *h, uint8_t *m, size_t *l)
{
    static const uint8_t modes[] = {1, 1};
    if (!find_ext(h, 45))
        add_ext(h, h->n, 45, modes, 2);
    add_ext(h, 0, 41, fake_psk, sizeof(fake_psk));
}
static void ch_psk_without_modes(struct hello *h, uint8_t *m, size_t *l)
{
    drop_ext(h, 45);
    add_ext(h, h->n, 41, fake_psk, sizeof(fake_psk));
}
static void ch_compression(struct hello *h, uint8_t *m, size_t *l)
{
    /* compression methods {null, deflate}: head ends with 01 00 */
    h->head[h->head_len - 2] = 2;
    h->head[h->head_len] = 1;
    h->head[h->head_len - 1] = 0;
    h->head_len++;
}
static void ch_unknown_suites(struct hello *h, uint8_t *m, size_t *l)
{
    size_t at = 2 + 32 + 1 + h->head[34];
    size_t n = u16(h->head + at);
    for (size_t i = 0; i < n; i += 2) {
        h->head[at + 2 + i] = 0x0a;
        h->head[at + 2 + i + 1] = 0x0a;
    }
}
static void ch_short_body(struct hello *h, uint8_t *m, size_t *l)
{
    h->n = 0; /* no extensions at all, and the length field cut */
    (void)m;
}
static void ch_cut_suites(struct hello *h, uint8_t *m, size_t *l)
{
    h->n = 0;
    h->head_len = 2 + 32 + 1 + h->head[34] + 3; /* the suites' length and one byte */
}
static void ch_trailing_byte(struct hello *h, uint8_t *m, size_t *l)
{
    struct ext *e = find_ext(h, 43); /* supported_versions with a stray byte */
    e->body[e->len] = 0;
    e->len++;
}
static void ch_empty_sni(struct hello *h, uint8_t *m, size_t *l)
{
    struct ext *e = find_ext(h, 0);
    static const uint8_t empty[] = {0, 3, 0, 0, 0};
    memcpy(e->body, empty, sizeof(empty));
    e->len = sizeof(empty);
}
static void ch_legacy_version(struct hello *h, uint8_t *m, size_t *l)
{
    h->head[0] = 3; /* legacy_version TLS 1.0 with supported_versions: */
    h->head[1] = 1; /* RFC 8446 §4.1.2 says ignore it; it must still work */
}

/* RFC 8446 Appendix D.5: SSL 3.0 or lower as legacy_version is refused,
 * even beside supported_versions naming TLS 1.3. */
static void ch_legacy_ssl3(struct hello *h, uint8_t *m, size_t *l)
{
    h->head[0] = 3;
    h->head[1] = 0;
}
static void ch_legacy_ssl2(struct hello *h, uint8_t *m, size_t *l)
{
    h->head[0] = 2;
    h->head[1] = 0;
}
static void ch_legacy_zero(struct hello *h, uint8_t *m, size_t *l)
{
    h->head[0] = 0;
    h->head[1] = 0;
}

/* set_suites replaces the cipher suites of a ClientHello head. */
static void set_suites(struct hello *h, const uint16_t *v, size_t n)
{
    size_t at = 2 + 32 + 1 + h->head[34];
    size_t old = u16(h->head + at);
    size_t rest = h->head_len - (at + 2 + old); /* the compression methods */
    memmove(h->head + at + 2 + 2 * n, h->head + at + 2 + old, rest);
    for (size_t i = 0; i < n; i++) {
        h->head[at + 2 + 2 * i] = (uint8_t)(v[i] >> 8);
        h->head[at + 2 + 2 * i + 1] = (uint8_t)v[i];
    }
    h->head[at] = (uint8_t)(2 * n >> 8);
    h->head[at + 1] = (uint8_t)(2 * n);
    h->head_len = at + 2 + 2 * n + rest;
}

/* add_suite appends a suite to a ClientHello head's list. */
static void add_suite(struct hello *h, uint16_t v)
{
    size_t at = 2 + 32 + 1 + h->head[34];
    size_t n = u16(h->head + at) / 2;
    uint16_t list[300];
    for (size_t i = 0; i < n; i++)
        list[i] = (uint16_t)u16(h->head + at + 2 + 2 * i);
    list[n] = v;
    set_suites(h, list, n + 1);
}

/* set_list replaces an extension's body with a 16-bit-prefixed list. */
static void set_list(struct hello *h, uint16_t type, const uint16_t *v, size_t n)
{
    struct ext *e = find_ext(h, type);
    e->body[0] = (uint8_t)(2 * n >> 8);
    e->body[1] = (uint8_t)(2 * n);
    for (size_t i = 0; i < n; i++) {
        e->body[2 + 2 * i] = (uint8_t)(v[i] >> 8);
        e->body[3 + 2 * i] = (uint8_t)v[i];
    }
    e->len = 2 + 2 * n;
}

/* Long lists, read whole (RFC 8446 sets no limits): what tern can use
 * comes last, after values it does not know and repeats of one it knows
 * but has not enabled. */
static void ch_many_suites(struct hello *h, uint8_t *m, size_t *l)
{
    uint16_t v[451];
    size_t n = 0;
    for (size_t i = 0; i < 300; i++)
        v[n++] = (uint16_t)(0xc100 + i); /* unknown to tern */
    for (size_t i = 0; i < 150; i++)
        v[n++] = TERN_TLS_AES_256_GCM_SHA384; /* known, not enabled on this server */
    v[n++] = TERN_TLS_AES_128_GCM_SHA256;
    set_suites(h, v, n);
}
static void ch_many_sigalgs(struct hello *h, uint8_t *m, size_t *l)
{
    uint16_t v[61];
    size_t n = 0;
    for (size_t i = 0; i < 40; i++)
        v[n++] = (uint16_t)(0x0b00 + i);
    for (size_t i = 0; i < 20; i++)
        v[n++] = 0x0403; /* ecdsa_secp256r1_sha256: no use to an Ed25519 key */
    v[n++] = 0x0807;     /* ed25519 */
    set_list(h, 13, v, n);
}
static void ch_many_groups(struct hello *h, uint8_t *m, size_t *l)
{
    uint16_t v[71];
    for (size_t i = 0; i < 70; i++)
        v[i] = (uint16_t)(0x0200 + i);
    v[70] = TERN_GROUP_X25519;
    set_list(h, 10, v, 71);
}
/* key_share: 20 shares for groups tern does not know (listed in
 * supported_groups), then the client's X25519 share. */
static void ch_many_shares(struct hello *h, uint8_t *m, size_t *l)
{
    uint16_t g[21];
    for (size_t i = 0; i < 20; i++)
        g[i] = (uint16_t)(0x0300 + i);
    g[20] = TERN_GROUP_X25519;
    set_list(h, 10, g, 21);
    struct ext *e = find_ext(h, 51);
    uint8_t x25519[64];
    size_t xl = e->len - 2;
    memcpy(x25519, e->body + 2, xl);
    size_t n = 2;
    for (size_t i = 0; i < 20; i++) {
        e->body[n++] = 0x03;
        e->body[n++] = (uint8_t)i;
        e->body[n++] = 0;
        e->body[n++] = 1;
        e->body[n++] = 0x42;
    }
    memcpy(e->body + n, x25519, xl);
    n += xl;
    e->body[0] = (uint8_t)((n - 2) >> 8);
    e->body[1] = (uint8_t)(n - 2);
    e->len = n;
}
static void ch_many_extensions(struct hello *h, uint8_t *m, size_t *l)
{
    for (uint16_t i = 0; i < 200; i++)
        add_ext(h, 1, (uint16_t)(0x7000 + i), "", 0);
}
static void ch_reversed_extensions(struct hello *h, uint8_t *m, size_t *l)
{
    for (size_t i = 0; i < h->n / 2; i++) {
        struct ext t = h->ext[i];
        h->ext[i] = h->ext[h->n - 1 - i];
        h->ext[h->n - 1 - i] = t;
    }
}
static void ch_unknown_versions_too(struct hello *h, uint8_t *m, size_t *l)
{
    struct ext *e = find_ext(h, 43); /* GREASE, a draft, TLS 1.1, then TLS 1.3 */
    static const uint8_t v[] = {8, 0x4a, 0x4a, 0x7f, 0x1c, 3, 2, 3, 4};
    memcpy(e->body, v, sizeof(v));
    e->len = sizeof(v);
}
/* Refused: key shares that break the rules whatever their group. */
static void ch_unknown_share_twice(struct hello *h, uint8_t *m, size_t *l)
{
    ch_many_shares(h, m, l);
    struct ext *e = find_ext(h, 51);
    e->body[2 + 5 + 1] = 0; /* the second share's group becomes the first's */
}
static void ch_unknown_share_not_listed(struct hello *h, uint8_t *m, size_t *l)
{
    ch_many_shares(h, m, l);
    struct ext *e = find_ext(h, 51);
    e->body[2] = 0x04; /* 0x0400: not in supported_groups */
}
static void ch_versions_unknown_only(struct hello *h, uint8_t *m, size_t *l)
{
    struct ext *e = find_ext(h, 43); /* GREASE, a draft of 1.3, TLS 1.1 */
    static const uint8_t v[] = {6, 0x4a, 0x4a, 0x7f, 0x1c, 3, 2};
    memcpy(e->body, v, sizeof(v));
    e->len = sizeof(v);
}

static const struct ch_case ch_cases[] = {
    {"no supported_versions (a TLS 1.2 ClientHello)", ch_no_versions, TERN_ALERT_PROTOCOL_VERSION,
     "1.2"},
    {"supported_versions without TLS 1.3", ch_versions_12_only, TERN_ALERT_PROTOCOL_VERSION, NULL},
    {"supported_groups twice", ch_dup_groups, TERN_ALERT_ILLEGAL_PARAMETER, NULL},
    {"key share for a group not in supported_groups", ch_share_not_in_groups,
     TERN_ALERT_ILLEGAL_PARAMETER, NULL},
    {"X25519 share of 31 bytes", ch_short_share, TERN_ALERT_ILLEGAL_PARAMETER, NULL},
    {"no signature_algorithms", ch_no_sigalgs, TERN_ALERT_MISSING_EXTENSION,
     "signature_algorithms"},
    {"no key_share", ch_no_key_share, TERN_ALERT_MISSING_EXTENSION, "key_share"},
    {"no supported_groups", ch_no_groups, TERN_ALERT_MISSING_EXTENSION, "supported_groups"},
    {"pre_shared_key not last", ch_psk_not_last, TERN_ALERT_ILLEGAL_PARAMETER, "last"},
    {"pre_shared_key without psk_key_exchange_modes", ch_psk_without_modes,
     TERN_ALERT_MISSING_EXTENSION, "psk_key_exchange_modes"},
    {"compression methods other than null", ch_compression, TERN_ALERT_ILLEGAL_PARAMETER, NULL},
    {"only unknown cipher suites", ch_unknown_suites, TERN_ALERT_HANDSHAKE_FAILURE, NULL},
    /* A ClientHello without extensions is a valid pre-1.3 one. */
    {"no extensions block", ch_short_body, TERN_ALERT_PROTOCOL_VERSION, "1.2"},
    {"cut inside the cipher suites", ch_cut_suites, TERN_ALERT_DECODE_ERROR, NULL},
    {"supported_versions with a stray byte", ch_trailing_byte, TERN_ALERT_DECODE_ERROR, NULL},
    {"empty server_name list", ch_empty_sni, TERN_ALERT_DECODE_ERROR, NULL},
    {"legacy_version 0x0300 beside supported_versions TLS 1.3", ch_legacy_ssl3,
     TERN_ALERT_PROTOCOL_VERSION, "legacy_version is 0x0300"},
    {"legacy_version 0x0200 beside supported_versions TLS 1.3", ch_legacy_ssl2,
     TERN_ALERT_PROTOCOL_VERSION, "legacy_version is 0x0200"},
    {"legacy_version 0x0000 beside supported_versions TLS 1.3", ch_legacy_zero,
     TERN_ALERT_PROTOCOL_VERSION, "legacy_version is 0x0000"},
    {"two key shares for one unknown group", ch_unknown_share_twice, TERN_ALERT_ILLEGAL_PARAMETER,
     "two key shares for unknown (0x0300)"},
    {"a key share for an unknown group not in supported_groups", ch_unknown_share_not_listed,
     TERN_ALERT_ILLEGAL_PARAMETER, "(0x0400), which is not in its supported_groups"},
    {"supported_versions naming no version tern speaks", ch_versions_unknown_only,
     TERN_ALERT_PROTOCOL_VERSION, "TLS 1.1"},
};

static void test_client_hello_table(void)
{
    for (size_t k = 0; k < sizeof(ch_cases) / sizeof(ch_cases[0]); k++) {
        const struct ch_case *t = &ch_cases[k];
        uint8_t msg[4096], rec[4200];
        size_t len = client_hello(NULL, msg);
        static struct hello h;
        CHECK(parse_hello(msg, len, &h));
        t->mutate(&h, msg, &len);
        len = build_hello(&h, msg);
        if (t->mutate == ch_short_body || t->mutate == ch_cut_suites) {
            len = 4 + h.head_len; /* the message ends where the extensions begin */
            msg[1] = 0;
            msg[2] = (uint8_t)(h.head_len >> 8);
            msg[3] = (uint8_t)h.head_len;
        }
        size_t rl = record(22, msg, len, rec);
        tern_conn *s = tern_conn_new_server(scfg);
        size_t used;
        tern_conn_feed(s, rec, rl, &used);
        expect(t->what, s, alert_of(s, NULL), t->alert, t->words);
        tern_conn_free(s);
    }
}

/* Things that are not wrong must not fail: an unknown extension, an odd
 * legacy_version beside supported_versions, long lists whose usable value
 * comes last, extensions in any order. */
static void test_client_hello_tolerated(void)
{
    struct {
        const char *what;
        void (*mutate)(struct hello *, uint8_t *, size_t *);
    } ok[] = {
        {"legacy_version TLS 1.0 beside supported_versions", ch_legacy_version},
        {"an unknown extension", NULL},
        {"451 cipher suites, ours last", ch_many_suites},
        {"61 signature schemes, ours last", ch_many_sigalgs},
        {"71 groups, ours last", ch_many_groups},
        {"21 key shares, ours last", ch_many_shares},
        {"200 unknown extensions", ch_many_extensions},
        {"extensions in reverse order", ch_reversed_extensions},
        {"supported_versions with unknown versions beside TLS 1.3", ch_unknown_versions_too},
    };
    static struct hello h;
    for (size_t k = 0; k < sizeof(ok) / sizeof(ok[0]); k++) {
        static uint8_t msg[1 << 15], rec[(1 << 15) + 5];
        size_t len = client_hello(NULL, msg);
        CHECK(parse_hello(msg, len, &h));
        if (ok[k].mutate)
            ok[k].mutate(&h, msg, &len);
        else
            add_ext(&h, 1, 0xfafa, "grease", 6);
        len = build_hello(&h, msg);
        size_t rl = record(22, msg, len, rec);
        tern_conn *s = tern_conn_new_server(scfg);
        size_t used;
        int rc = tern_conn_feed(s, rec, rl, &used);
        CHECK_EQ(rc, TERN_OK);
        const uint8_t *out;
        size_t olen;
        tern_conn_output(s, &out, &olen);
        CHECK(olen > 5 && out[0] == 22 && out[5] == 2); /* a ServerHello */
        CHECK_EQ(tern_conn_cipher_suite(s), TERN_TLS_AES_128_GCM_SHA256);
        CHECK_EQ(tern_conn_group(s), TERN_GROUP_X25519);
        if (test_failures != failures_before)
            fprintf(stderr, "  case \"%s\": %s\n", ok[k].what,
                    tern_conn_error(s) ? tern_conn_error(s) : "(no error)");
        failures_before = test_failures;
        tern_conn_free(s);
    }
}

/* The same for a TLS 1.2 server: a 1.2-only client's ClientHello with
 * long lists whose usable value comes last (suite, signature scheme and
 * group for an ECDSA P-256 certificate); legacy_version 0x0300 refused. */
static void test_client_hello12(void)
{
    tern_config *c12 = client_config(), *s12 = server_config("server-p256");
    tern_config *s12only = server_config("server-p256");
    CHECK_EQ(tern_config_set_versions(c12, TERN_TLS12, TERN_TLS12), TERN_OK);
    CHECK_EQ(tern_config_set_versions(s12, TERN_TLS12, TERN_TLS13), TERN_OK);
    CHECK_EQ(tern_config_set_versions(s12only, TERN_TLS12, TERN_TLS12), TERN_OK);
    static struct hello h;
    static uint8_t msg[1 << 15], rec[(1 << 15) + 5];
    for (int k = 0; k < 10; k++) {
        tern_conn *c = tern_conn_new_client(c12, "localhost");
        const uint8_t *out;
        size_t olen;
        tern_conn_output(c, &out, &olen);
        size_t len = u16(out + 3);
        memcpy(msg, out + 5, len);
        tern_conn_free(c);
        CHECK(parse_hello(msg, len, &h));
        uint16_t v[600];
        size_t n = 0;
        const char *what = "", *words = "legacy_version is 0x0300";
        tern_config *server = s12;
        int want = -1;
        switch (k) {
        case 0:
            what = "451 suites, the one usable with an ECDSA key last";
            for (size_t i = 0; i < 300; i++)
                v[n++] = (uint16_t)(0xc100 + i);
            for (size_t i = 0; i < 150; i++)
                v[n++] = TERN_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256; /* wrong key type */
            v[n++] = TERN_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
            set_suites(&h, v, n);
            break;
        case 1:
            what = "41 signature schemes, ecdsa_secp256r1_sha256 last";
            for (size_t i = 0; i < 40; i++)
                v[n++] = (uint16_t)(0x0b00 + i);
            v[n++] = 0x0403;
            set_list(&h, 13, v, n);
            break;
        case 2:
            what = "71 groups, secp256r1 last";
            for (size_t i = 0; i < 70; i++)
                v[n++] = (uint16_t)(0x0200 + i);
            v[n++] = TERN_GROUP_SECP256R1;
            set_list(&h, 10, v, n);
            break;
        case 3:
            what = "legacy_version 0x0300";
            h.head[1] = 0;
            want = TERN_ALERT_PROTOCOL_VERSION;
            break;
        case 4: {
            what = "legacy_version 0x0300 with supported_versions TLS 1.2";
            static const uint8_t sv[] = {2, 3, 3};
            add_ext(&h, 0, 43, sv, sizeof(sv));
            h.head[1] = 0;
            want = TERN_ALERT_PROTOCOL_VERSION;
            break;
        }
        case 5:
            /* RFC 7507 §3: a 1.2 client retrying as a fallback, to a
             * server that speaks 1.3. */
            what = "TLS_FALLBACK_SCSV from a TLS 1.2 client";
            add_suite(&h, 0x5600);
            want = TERN_ALERT_INAPPROPRIATE_FALLBACK;
            words = "TLS_FALLBACK_SCSV";
            break;
        case 6: {
            what = "TLS_FALLBACK_SCSV with supported_versions TLS 1.2";
            static const uint8_t sv[] = {4, 0x3a, 0x3a, 3, 3};
            add_ext(&h, 0, 43, sv, sizeof(sv));
            add_suite(&h, 0x5600);
            want = TERN_ALERT_INAPPROPRIATE_FALLBACK;
            words = "highest version";
            break;
        }
        case 7:
            what = "TLS_FALLBACK_SCSV to a server whose highest version is TLS 1.2";
            add_suite(&h, 0x5600);
            server = s12only;
            break;
        case 8: {
            /* RFC 7627 §5.1: extended_master_secret is empty. */
            what = "extended_master_secret with a body";
            struct ext *e = find_ext(&h, 23);
            e->body[0] = 0;
            e->len = 1;
            want = TERN_ALERT_DECODE_ERROR;
            words = "extended_master_secret carries 1 bytes";
            break;
        }
        case 9: {
            what = "supported_versions whose list runs past its extension";
            static const uint8_t sv[] = {4, 3, 3};
            add_ext(&h, 0, 43, sv, sizeof(sv));
            want = TERN_ALERT_DECODE_ERROR;
            words = "supported_versions";
            break;
        }
        }
        len = build_hello(&h, msg);
        size_t rl = record(22, msg, len, rec);
        tern_conn *s = tern_conn_new_server(server);
        size_t used;
        int rc = tern_conn_feed(s, rec, rl, &used);
        if (want >= 0) {
            expect(what, s, alert_of(s, NULL), want, words);
        } else {
            CHECK_EQ(rc, TERN_OK);
            CHECK_EQ(tern_conn_version(s), TERN_TLS12);
            CHECK_EQ(tern_conn_cipher_suite(s), TERN_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
            CHECK_EQ(tern_conn_signature_scheme(s), 0x0403);
            if (k == 2)
                CHECK_EQ(tern_conn_group(s), TERN_GROUP_SECP256R1);
            if (test_failures != failures_before)
                fprintf(stderr, "  case \"%s\": %s\n", what,
                        tern_conn_error(s) ? tern_conn_error(s) : "(no error)");
            failures_before = test_failures;
        }
        tern_conn_free(s);
    }
    tern_config_free(c12);
    tern_config_free(s12);
    tern_config_free(s12only);
}

/* RFC 7301 §3.1: an ALPN list with an empty name or a name running past
 * its end is malformed (decode_error) whatever comes before, for a server
 * with ALPN and one without, in TLS 1.3 and 1.2 (one validator). */
static void test_alpn_malformed(void)
{
    static const char *const protos[] = {"h2", "http/1.1"};
    tern_config *with = server_config("server-ed25519"), *without = server_config("server-ed25519");
    tern_config *with12 = server_config("server-p256");
    CHECK_EQ(tern_config_set_alpn(with, protos, 2), TERN_OK);
    CHECK_EQ(tern_config_set_alpn(with12, protos, 2), TERN_OK);
    CHECK_EQ(tern_config_set_versions(with12, TERN_TLS12, TERN_TLS12), TERN_OK);
    tern_config *c12 = client_config();
    CHECK_EQ(tern_config_set_versions(c12, TERN_TLS12, TERN_TLS12), TERN_OK);
    struct {
        const char *what;
        uint8_t body[16];
        size_t len;
        const char *words;
    } cases[] = {
        {"an empty name after h2", {0, 4, 2, 'h', '2', 0}, 6, "name 2 is empty"},
        {"a name running past the list after h2",
         {0, 5, 2, 'h', '2', 5, 'x'},
         7,
         "name 2 runs past the end"},
        {"only an empty name", {0, 1, 0}, 3, "name 1 is empty"},
        {"an empty list", {0, 0}, 2, "malformed ALPN"},
        {"a list longer than its extension", {0, 9, 2, 'h', '2'}, 5, "malformed ALPN"},
        {"a valid list", {0, 3, 2, 'h', '2'}, 5, NULL},
    };
    static struct hello h;
    static uint8_t msg[4096], rec[4200];
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        for (int srv = 0; srv < 3; srv++) {
            tern_conn *c = tern_conn_new_client(srv == 2 ? c12 : ccfg, "localhost");
            const uint8_t *out;
            size_t olen;
            tern_conn_output(c, &out, &olen);
            size_t len = u16(out + 3);
            memcpy(msg, out + 5, len);
            tern_conn_free(c);
            CHECK(parse_hello(msg, len, &h));
            drop_ext(&h, 16);
            add_ext(&h, 1, 16, cases[k].body, cases[k].len);
            len = build_hello(&h, msg);
            size_t rl = record(22, msg, len, rec);
            tern_conn *s = tern_conn_new_server(srv == 0 ? with : srv == 1 ? without : with12);
            size_t used;
            int rc = tern_conn_feed(s, rec, rl, &used);
            if (cases[k].words) {
                expect(cases[k].what, s, alert_of(s, NULL), TERN_ALERT_DECODE_ERROR,
                       cases[k].words);
            } else {
                CHECK_EQ(rc, TERN_OK);
                if (srv != 1)
                    CHECK(tern_conn_alpn(s) && !strcmp(tern_conn_alpn(s), "h2"));
                else
                    CHECK(tern_conn_alpn(s) == NULL);
            }
            if (test_failures != failures_before)
                fprintf(stderr, "  server %d: %s\n", srv, tern_conn_error(s));
            failures_before = test_failures;
            tern_conn_free(s);
        }
    }
    tern_config_free(with);
    tern_config_free(without);
    tern_config_free(with12);
    tern_config_free(c12);
}

/* Records and messages the server must refuse in its first state. */
static void test_server_records(void)
{
    struct {
        const char *what;
        uint8_t rec[32];
        size_t len;
        int alert;
    } cases[] = {
        {"empty handshake record", {22, 3, 3, 0, 0}, 5, TERN_ALERT_UNEXPECTED_MESSAGE},
        {"unknown content type", {99, 3, 3, 0, 1, 0}, 6, TERN_ALERT_UNEXPECTED_MESSAGE},
        {"Finished first",
         {22, 3, 3, 0, 8, 20, 0, 0, 4, 1, 2, 3, 4},
         13,
         TERN_ALERT_UNEXPECTED_MESSAGE},
        {"Certificate first",
         {22, 3, 3, 0, 8, 11, 0, 0, 4, 0, 0, 0, 0},
         13,
         TERN_ALERT_UNEXPECTED_MESSAGE},
        {"application data first", {23, 3, 3, 0, 2, 1, 2}, 7, TERN_ALERT_UNEXPECTED_MESSAGE},
        {"alert of 3 bytes", {21, 3, 3, 0, 3, 2, 10, 0}, 8, TERN_ALERT_DECODE_ERROR},
        {"ChangeCipherSpec first", {20, 3, 3, 0, 1, 1}, 6, TERN_ALERT_UNEXPECTED_MESSAGE},
        {"record longer than 2^14 + 256", {22, 3, 3, 0x41, 0x01}, 5, TERN_ALERT_RECORD_OVERFLOW},
        {"KeyUpdate before the handshake",
         {22, 3, 3, 0, 5, 24, 0, 0, 1, 0},
         10,
         TERN_ALERT_UNEXPECTED_MESSAGE},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        tern_conn *s = tern_conn_new_server(scfg);
        size_t used;
        tern_conn_feed(s, cases[k].rec, cases[k].len, &used);
        expect(cases[k].what, s, alert_of(s, NULL), cases[k].alert, NULL);
        tern_conn_free(s);
    }
    /* A plaintext record larger than 2^14 (RFC 8446 §5.1: record_overflow). */
    static uint8_t zeros[16385], big[5 + 16385];
    size_t n = record(22, zeros, sizeof(zeros), big);
    tern_conn *s = tern_conn_new_server(scfg);
    size_t used;
    tern_conn_feed(s, big, n, &used);
    expect("plaintext record of 2^14 + 1 bytes", s, alert_of(s, NULL), TERN_ALERT_RECORD_OVERFLOW,
           NULL);
    tern_conn_free(s);
}

/* ---- client side: a real server's answer, broken ---- */

struct flight {
    tern_conn *c;
    uint8_t sh[512];
    size_t sh_len;
    uint8_t hs[8192]; /* the encrypted flight's handshake messages, decrypted */
    size_t hs_len;
    struct rec_dir server_hs; /* the server's handshake write keys (to seal) */
    struct rec_dir client_hs; /* the client's (to read its alerts) */
};

/* server_answer: a fresh client and a real server's answer to it. */
static void server_answer(struct flight *f)
{
    uint8_t msg[4096], rec[4200];
    ssec.n = 0;
    size_t len = client_hello(&f->c, msg);
    size_t rl = record(22, msg, len, rec);
    tern_conn *s = tern_conn_new_server(scfg);
    size_t used;
    CHECK_EQ(tern_conn_feed(s, rec, rl, &used), TERN_OK);
    const uint8_t *out;
    size_t olen;
    tern_conn_output(s, &out, &olen);
    CHECK(keyed(&f->server_hs, &ssec, "SERVER_HANDSHAKE_TRAFFIC_SECRET"));
    f->sh_len = 0;
    f->hs_len = 0;
    for (size_t i = 0; i + 5 <= olen;) {
        size_t n = u16(out + i + 3);
        if (out[i] == 22) {
            memcpy(f->sh, out + i + 5, n);
            f->sh_len = n;
        } else if (out[i] == 23) {
            uint8_t buf[1 << 15];
            memcpy(buf, out + i, 5 + n);
            uint8_t type;
            size_t off, plen;
            CHECK_EQ(rec_open(&f->server_hs, buf, 5 + n, &type, &off, &plen, NULL), TERN_OK);
            CHECK_EQ(type, 22);
            memcpy(f->hs + f->hs_len, buf + off, plen);
            f->hs_len += plen;
        }
        i += 5 + n;
    }
    tern_conn_free(s);
    /* Fresh server keys to seal our own version of the flight. */
    rec_dir_cleanup(&f->server_hs);
    CHECK(keyed(&f->server_hs, &ssec, "SERVER_HANDSHAKE_TRAFFIC_SECRET"));
    memset(&f->client_hs, 0, sizeof(f->client_hs));
}

static void end_flight(struct flight *f)
{
    rec_dir_cleanup(&f->server_hs);
    rec_dir_cleanup(&f->client_hs);
    tern_conn_free(f->c);
}

/* deliver the ServerHello as given, then encrypted handshake bytes. */
static int deliver(struct flight *f, const uint8_t *sh, size_t sh_len, const uint8_t *hs,
                   size_t hs_len)
{
    uint8_t rec[1 << 15];
    size_t used, n = record(22, sh, sh_len, rec);
    tern_conn_feed(f->c, rec, n, &used);
    /* The client's handshake keys, now that it has them. */
    if (tern_conn_status(f->c) == TERN_OK)
        CHECK(keyed(&f->client_hs, &csec, "CLIENT_HANDSHAKE_TRAFFIC_SECRET"));
    if (hs_len && tern_conn_status(f->c) == TERN_OK) {
        n = seal(&f->server_hs, 22, hs, hs_len, rec);
        tern_conn_feed(f->c, rec, n, &used);
    }
    return alert_of(f->c, &f->client_hs);
}

/* The messages of the decrypted flight: offsets of EE, Certificate,
 * CertificateVerify, Finished. */
static void split_flight(const struct flight *f, size_t at[4], size_t len[4])
{
    size_t i = 0;
    for (int k = 0; k < 4; k++) {
        at[k] = i;
        len[k] = 4 + ((size_t)f->hs[i + 1] << 16 | u16(f->hs + i + 2));
        i += len[k];
    }
    CHECK_EQ(i, f->hs_len);
    CHECK_EQ(f->hs[at[0]], 8);
    CHECK_EQ(f->hs[at[3]], 20);
}

static void put(uint8_t *hs, size_t *n, const uint8_t *p, size_t len)
{
    memcpy(hs + *n, p, len);
    *n += len;
}

struct sh_case {
    const char *what;
    void (*mutate)(struct hello *h);
    int alert;
    const char *words;
};

static void sh_unknown_ext(struct hello *h)
{
    add_ext(h, 0, 0xfafa, "", 0); /* an extension we did not offer */
}
static void sh_dup_versions(struct hello *h)
{
    struct ext *e = find_ext(h, 43);
    add_ext(h, 0, 43, e->body, e->len);
}
static void sh_version_12(struct hello *h)
{
    struct ext *e = find_ext(h, 43);
    e->body[1] = 3; /* selected_version TLS 1.2 in supported_versions */
}
static void sh_suite_not_offered(struct hello *h)
{
    h->head[h->head_len - 3] = 0x13;
    h->head[h->head_len - 2] = 0x02; /* TLS_AES_256_GCM_SHA384: we offered only 0x1301 */
}
static void sh_group_not_offered(struct hello *h)
{
    struct ext *e = find_ext(h, 51);
    e->body[1] = 0x17; /* secp256r1 */
}
static void sh_session_id(struct hello *h)
{
    CHECK_EQ(h->head[34], 32); /* the client sends a 32-byte legacy_session_id */
    h->head[35] ^= 0xff;       /* legacy_session_id_echo differs */
}
static void sh_compression(struct hello *h)
{
    h->head[h->head_len - 1] = 1;
}
static void sh_no_key_share(struct hello *h)
{
    drop_ext(h, 51);
}
static void sh_sni_in_sh(struct hello *h)
{
    add_ext(h, 0, 0, "", 0); /* server_name belongs in EncryptedExtensions */
}
static void sh_legacy_ssl3(struct hello *h)
{
    h->head[0] = 3; /* with supported_versions TLS 1.3 (RFC 8446 Appendix D.5) */
    h->head[1] = 0;
}
static void sh_legacy_zero(struct hello *h)
{
    h->head[0] = 0;
    h->head[1] = 0;
}
static void sh_stray_byte(struct hello *h)
{
    struct ext *e = find_ext(h, 51);
    e->body[e->len++] = 0;
}

static const struct sh_case sh_cases[] = {
    {"an extension the client did not offer", sh_unknown_ext, TERN_ALERT_UNSUPPORTED_EXTENSION,
     NULL},
    {"supported_versions twice", sh_dup_versions, TERN_ALERT_ILLEGAL_PARAMETER, NULL},
    {"supported_versions selecting TLS 1.2", sh_version_12, TERN_ALERT_ILLEGAL_PARAMETER, NULL},
    {"a cipher suite not offered", sh_suite_not_offered, TERN_ALERT_ILLEGAL_PARAMETER, NULL},
    {"a key share for a group not offered", sh_group_not_offered, TERN_ALERT_ILLEGAL_PARAMETER,
     NULL},
    {"session id not echoed", sh_session_id, TERN_ALERT_ILLEGAL_PARAMETER, NULL},
    {"compression method 1", sh_compression, TERN_ALERT_ILLEGAL_PARAMETER, NULL},
    {"no key_share", sh_no_key_share, TERN_ALERT_MISSING_EXTENSION, NULL},
    {"server_name in the ServerHello", sh_sni_in_sh, TERN_ALERT_ILLEGAL_PARAMETER, NULL},
    {"key_share with a stray byte", sh_stray_byte, TERN_ALERT_DECODE_ERROR, NULL},
    {"legacy_version 0x0300 beside supported_versions", sh_legacy_ssl3, TERN_ALERT_PROTOCOL_VERSION,
     "legacy_version is 0x0300"},
    {"legacy_version 0x0000 beside supported_versions", sh_legacy_zero, TERN_ALERT_PROTOCOL_VERSION,
     "legacy_version is 0x0000"},
};

static void test_server_hello_table(void)
{
    for (size_t k = 0; k < sizeof(sh_cases) / sizeof(sh_cases[0]); k++) {
        struct flight f;
        server_answer(&f);
        static struct hello h;
        uint8_t msg[1024];
        CHECK(parse_hello(f.sh, f.sh_len, &h));
        sh_cases[k].mutate(&h);
        size_t len = build_hello(&h, msg);
        expect(sh_cases[k].what, f.c, deliver(&f, msg, len, NULL, 0), sh_cases[k].alert,
               sh_cases[k].words);
        end_flight(&f);
    }
}

/* The encrypted flight: out of order, broken, in the wrong record type. */
static void test_encrypted_flight(void)
{
    enum { EE, CERT, CV, FIN };
    struct {
        const char *what;
        int alert;
    } cases[] = {
        {"Certificate without EncryptedExtensions", TERN_ALERT_UNEXPECTED_MESSAGE},
        {"Finished before CertificateVerify", TERN_ALERT_UNEXPECTED_MESSAGE},
        {"Certificate twice", TERN_ALERT_UNEXPECTED_MESSAGE},
        {"Finished MAC altered", TERN_ALERT_DECRYPT_ERROR},
        {"CertificateVerify signature altered", TERN_ALERT_DECRYPT_ERROR},
        {"empty Certificate", TERN_ALERT_DECODE_ERROR},
        {"supported_versions in EncryptedExtensions", TERN_ALERT_ILLEGAL_PARAMETER},
        {"ALPN in EncryptedExtensions, not offered", TERN_ALERT_UNSUPPORTED_EXTENSION},
        {"EncryptedExtensions with a trailing byte", TERN_ALERT_DECODE_ERROR},
        {"plaintext handshake record after the ServerHello", TERN_ALERT_UNEXPECTED_MESSAGE},
        {"application data before the server's Finished", TERN_ALERT_UNEXPECTED_MESSAGE},
        {"ClientHello sent to the client", TERN_ALERT_UNEXPECTED_MESSAGE},
        {"CertificateVerify with an empty signature", TERN_ALERT_DECRYPT_ERROR},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        struct flight f;
        server_answer(&f);
        size_t at[4], len[4];
        split_flight(&f, at, len);
        uint8_t hs[8192];
        size_t n = 0;
        int alert = -1;
        switch (k) {
        case 0:
            put(hs, &n, f.hs + at[CERT], len[CERT]);
            break;
        case 1:
            put(hs, &n, f.hs + at[EE], len[EE]);
            put(hs, &n, f.hs + at[CERT], len[CERT]);
            put(hs, &n, f.hs + at[FIN], len[FIN]);
            break;
        case 2:
            put(hs, &n, f.hs + at[EE], len[EE]);
            put(hs, &n, f.hs + at[CERT], len[CERT]);
            put(hs, &n, f.hs + at[CERT], len[CERT]);
            break;
        case 3:
            put(hs, &n, f.hs, f.hs_len);
            hs[n - 1] ^= 1;
            break;
        case 4:
            put(hs, &n, f.hs, f.hs_len);
            hs[at[CV] + len[CV] - 1] ^= 1;
            break;
        case 5: {
            static const uint8_t empty[] = {11, 0, 0, 4, 0, 0, 0, 0};
            put(hs, &n, f.hs + at[EE], len[EE]);
            put(hs, &n, empty, sizeof(empty));
            break;
        }
        case 6: {
            static const uint8_t ee[] = {8, 0, 0, 8, 0, 6, 0, 43, 0, 2, 3, 4};
            put(hs, &n, ee, sizeof(ee));
            break;
        }
        case 7: {
            static const uint8_t ee[] = {8, 0, 0, 11, 0, 9, 0, 16, 0, 5, 0, 3, 2, 'h', '2'};
            put(hs, &n, ee, sizeof(ee));
            break;
        }
        case 8: {
            static const uint8_t ee[] = {8, 0, 0, 3, 0, 0, 0};
            put(hs, &n, ee, sizeof(ee));
            break;
        }
        case 9: {
            uint8_t rec[1024];
            size_t used, rl = record(22, f.sh, f.sh_len, rec);
            tern_conn_feed(f.c, rec, rl, &used);
            CHECK(keyed(&f.client_hs, &csec, "CLIENT_HANDSHAKE_TRAFFIC_SECRET"));
            static const uint8_t ee[] = {22, 3, 3, 0, 6, 8, 0, 0, 2, 0, 0};
            tern_conn_feed(f.c, ee, sizeof(ee), &used);
            alert = alert_of(f.c, &f.client_hs);
            break;
        }
        case 10: {
            uint8_t rec[256];
            size_t used, rl = record(22, f.sh, f.sh_len, rec);
            tern_conn_feed(f.c, rec, rl, &used);
            CHECK(keyed(&f.client_hs, &csec, "CLIENT_HANDSHAKE_TRAFFIC_SECRET"));
            rl = seal(&f.server_hs, 23, (const uint8_t *)"data", 4, rec);
            tern_conn_feed(f.c, rec, rl, &used);
            alert = alert_of(f.c, &f.client_hs);
            break;
        }
        case 11: {
            static const uint8_t ch[] = {1, 0, 0, 2, 3, 3};
            put(hs, &n, ch, sizeof(ch));
            break;
        }
        case 12: {
            /* RFC 8446 §4.4.3: signature<0..2^16-1>; empty is well-formed
             * and fails verification. */
            uint8_t cv[8] = {15, 0, 0, 4, f.hs[at[CV] + 4], f.hs[at[CV] + 5], 0, 0};
            put(hs, &n, f.hs + at[EE], len[EE]);
            put(hs, &n, f.hs + at[CERT], len[CERT]);
            put(hs, &n, cv, sizeof(cv));
            break;
        }
        }
        if (alert < 0)
            alert = deliver(&f, f.sh, f.sh_len, hs, n);
        expect(cases[k].what, f.c, alert, cases[k].alert, NULL);
        end_flight(&f);
    }
}

/* ---- server side, encrypted: the client's second flight and after ---- */

struct pair {
    tern_conn *c, *s;
    struct rec_dir c_out; /* the client's write keys (to seal as the client) */
    struct rec_dir s_out; /* the server's write keys (to read its alert) */
    uint8_t fin[64 + 4];  /* the client's real Finished */
    size_t fin_len;
};

/* to_client_finished: real endpoints up to the client's Finished, which
 * is taken (decrypted) instead of delivered. */
static void to_client_finished(struct pair *p)
{
    csec.n = ssec.n = 0;
    p->c = tern_conn_new_client(ccfg, "localhost");
    p->s = tern_conn_new_server(scfg);
    move(p->c, p->s, 1 << 20);
    move(p->s, p->c, 1 << 20);
    CHECK(keyed(&p->c_out, &csec, "CLIENT_HANDSHAKE_TRAFFIC_SECRET"));
    const uint8_t *out;
    size_t len;
    tern_conn_output(p->c, &out, &len);
    p->fin_len = 0;
    for (size_t i = 0; i + 5 <= len;) {
        size_t n = u16(out + i + 3);
        if (out[i] == 23) {
            uint8_t buf[256];
            memcpy(buf, out + i, 5 + n);
            uint8_t type;
            size_t off, plen;
            CHECK_EQ(rec_open(&p->c_out, buf, 5 + n, &type, &off, &plen, NULL), TERN_OK);
            memcpy(p->fin, buf + off, plen);
            p->fin_len = plen;
        }
        i += 5 + n;
    }
    tern_conn_output_done(p->c, len);
    CHECK(p->fin_len == 36 && p->fin[0] == 20);
    rec_dir_cleanup(&p->c_out);
    CHECK(keyed(&p->c_out, &csec, "CLIENT_HANDSHAKE_TRAFFIC_SECRET"));
    CHECK(keyed(&p->s_out, &ssec, "SERVER_TRAFFIC_SECRET_0"));
}

/* connected: real endpoints through the whole handshake. */
static void connected(struct pair *p)
{
    csec.n = ssec.n = 0;
    p->c = tern_conn_new_client(ccfg, "localhost");
    p->s = tern_conn_new_server(scfg);
    pump(p->c, p->s, 1 << 20);
    CHECK(both_done(p->c, p->s));
    CHECK(keyed(&p->c_out, &csec, "CLIENT_TRAFFIC_SECRET_0"));
    CHECK(keyed(&p->s_out, &ssec, "SERVER_TRAFFIC_SECRET_0"));
}

static void end_pair(struct pair *p)
{
    rec_dir_cleanup(&p->c_out);
    rec_dir_cleanup(&p->s_out);
    tern_conn_free(p->c);
    tern_conn_free(p->s);
}

/* send_as_client: one record of inner type `type`, sealed as the client. */
static int send_as_client(struct pair *p, uint8_t type, const uint8_t *m, size_t len)
{
    uint8_t rec[1024];
    size_t n = seal(&p->c_out, type, m, len, rec), used;
    tern_conn_feed(p->s, rec, n, &used);
    return alert_of(p->s, &p->s_out);
}

static void test_client_flight_table(void)
{
    static const uint8_t cert[] = {11, 0, 0, 4, 0, 0, 0, 0};
    static const uint8_t eoed[] = {5, 0, 0, 0};
    static const uint8_t ch[] = {1, 0, 0, 2, 3, 3};
    struct {
        const char *what;
        int alert;
    } cases[] = {
        {"Finished MAC altered", TERN_ALERT_DECRYPT_ERROR},
        {"Finished one byte long", TERN_ALERT_DECODE_ERROR},
        {"Certificate that was not requested", TERN_ALERT_UNEXPECTED_MESSAGE},
        {"EndOfEarlyData without early data", TERN_ALERT_UNEXPECTED_MESSAGE},
        {"a second ClientHello", TERN_ALERT_UNEXPECTED_MESSAGE},
        {"application data before the client's Finished", TERN_ALERT_UNEXPECTED_MESSAGE},
        {"plaintext Finished after the keys changed", TERN_ALERT_UNEXPECTED_MESSAGE},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        struct pair p;
        to_client_finished(&p);
        uint8_t m[64 + 4];
        memcpy(m, p.fin, p.fin_len);
        int alert = -1;
        switch (k) {
        case 0:
            m[10] ^= 1;
            alert = send_as_client(&p, 22, m, p.fin_len);
            break;
        case 1: {
            static const uint8_t one[] = {20, 0, 0, 1, 0};
            alert = send_as_client(&p, 22, one, sizeof(one));
            break;
        }
        case 2:
            alert = send_as_client(&p, 22, cert, sizeof(cert));
            break;
        case 3:
            alert = send_as_client(&p, 22, eoed, sizeof(eoed));
            break;
        case 4:
            alert = send_as_client(&p, 22, ch, sizeof(ch));
            break;
        case 5:
            alert = send_as_client(&p, 23, (const uint8_t *)"GET /", 5);
            break;
        case 6: {
            uint8_t rec[128];
            size_t used, n = record(22, p.fin, p.fin_len, rec);
            tern_conn_feed(p.s, rec, n, &used);
            alert = alert_of(p.s, &p.s_out);
            break;
        }
        }
        expect(cases[k].what, p.s, alert, cases[k].alert, NULL);
        end_pair(&p);
    }
}

static void test_post_handshake_table(void)
{
    struct {
        const char *what;
        uint8_t type; /* inner content type */
        uint8_t msg[16];
        size_t len;
        int alert;
    } cases[] = {
        {"KeyUpdate with request_update 2", 22, {24, 0, 0, 1, 2}, 5, TERN_ALERT_ILLEGAL_PARAMETER},
        {"KeyUpdate of 2 bytes", 22, {24, 0, 0, 2, 0, 0}, 6, TERN_ALERT_DECODE_ERROR},
        {"NewSessionTicket sent to the server",
         22,
         {4, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 0, 0},
         13,
         TERN_ALERT_UNEXPECTED_MESSAGE},
        {"ClientHello after the handshake",
         22,
         {1, 0, 0, 2, 3, 3},
         6,
         TERN_ALERT_UNEXPECTED_MESSAGE},
        {"Certificate after the handshake",
         22,
         {11, 0, 0, 4, 0, 0, 0, 0},
         8,
         TERN_ALERT_UNEXPECTED_MESSAGE},
        {"Finished after the handshake", 22, {20, 0, 0, 1, 0}, 5, TERN_ALERT_UNEXPECTED_MESSAGE},
        {"ChangeCipherSpec inside a protected record", 20, {1}, 1, TERN_ALERT_UNEXPECTED_MESSAGE},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        struct pair p;
        connected(&p);
        int alert = send_as_client(&p, cases[k].type, cases[k].msg, cases[k].len);
        expect(cases[k].what, p.s, alert, cases[k].alert, NULL);
        end_pair(&p);
    }
    /* A plaintext alert once the keys are in place. */
    struct pair p;
    connected(&p);
    static const uint8_t plain_alert[] = {21, 3, 3, 0, 2, 1, 0};
    size_t used;
    tern_conn_feed(p.s, plain_alert, sizeof(plain_alert), &used);
    expect("plaintext close_notify after the handshake", p.s, alert_of(p.s, &p.s_out),
           TERN_ALERT_UNEXPECTED_MESSAGE, "unprotected");
    end_pair(&p);
}

/* ---- floods: records that cost work and do nothing, counted ---- */

/* feed_until_failure feeds the same record to c up to max times and
 * returns how many it took before failing (max + 1 if it never failed). */
static int feed_until_failure(tern_conn *c, const uint8_t *rec, size_t len, int max)
{
    for (int i = 1; i <= max; i++) {
        size_t used;
        if (tern_conn_feed(c, rec, len, &used) != TERN_OK)
            return i;
    }
    return max + 1;
}

/* send_data_as_client: one byte of application data, read by the server. */
static void send_data_as_client(struct pair *p)
{
    CHECK_EQ(send_as_client(p, 23, (const uint8_t *)"x", 1), -1);
    uint8_t b;
    size_t n;
    CHECK_EQ(tern_conn_read(p->s, &b, 1, &n), TERN_OK);
    CHECK_EQ(n, 1);
}

static void test_floods(void)
{
    /* user_canceled before any ClientHello: five are tolerated, the sixth
     * is a flood (before the cap, a server took any number). */
    static const uint8_t canceled[] = {21, 3, 3, 0, 2, 1, TERN_ALERT_USER_CANCELED};
    tern_conn *s = tern_conn_new_server(scfg);
    CHECK_EQ(feed_until_failure(s, canceled, sizeof(canceled), 1000), 6);
    expect("user_canceled flood", s, alert_of(s, NULL), TERN_ALERT_UNEXPECTED_MESSAGE, "flood");
    tern_conn_free(s);

    /* Empty application-data records after the handshake: 32 in a row are
     * tolerated, the 33rd is not; a record with data resets the count. */
    struct pair p;
    connected(&p);
    for (int i = 0; i < 32; i++)
        CHECK_EQ(send_as_client(&p, 23, (const uint8_t *)"", 0), -1);
    send_data_as_client(&p);
    for (int i = 0; i < 32; i++)
        CHECK_EQ(send_as_client(&p, 23, (const uint8_t *)"", 0), -1);
    CHECK_EQ(tern_conn_status(p.s), TERN_OK);
    expect("empty-record flood", p.s, send_as_client(&p, 23, (const uint8_t *)"", 0),
           TERN_ALERT_UNEXPECTED_MESSAGE, "33 empty records");
    end_pair(&p);

    /* Warning alerts after the handshake, with data between runs of them. */
    connected(&p);
    static const uint8_t warn[] = {1, TERN_ALERT_USER_CANCELED};
    for (int run = 0; run < 3; run++) {
        for (int i = 0; i < 5; i++)
            CHECK_EQ(send_as_client(&p, 21, warn, 2), -1);
        send_data_as_client(&p);
    }
    for (int i = 0; i < 5; i++)
        CHECK_EQ(send_as_client(&p, 21, warn, 2), -1);
    expect("warning-alert flood", p.s, send_as_client(&p, 21, warn, 2),
           TERN_ALERT_UNEXPECTED_MESSAGE, "6 user_canceled");
    end_pair(&p);

    /* KeyUpdates from a real client: 32 with no data between them are
     * followed, the 33rd is a flood; data in between resets the count. */
    connected(&p);
    uint8_t buf[64];
    size_t n;
    for (int i = 0; i < 32; i++)
        CHECK_EQ(tern_conn_key_update(p.c, 0), TERN_OK);
    CHECK_EQ(tern_conn_write(p.c, (const uint8_t *)"data", 4, &n), TERN_OK);
    move(p.c, p.s, 1 << 20);
    CHECK_EQ(tern_conn_read(p.s, buf, sizeof(buf), &n), TERN_OK);
    CHECK_EQ(n, 4);
    for (int i = 0; i < 33; i++)
        CHECK_EQ(tern_conn_key_update(p.c, 0), TERN_OK);
    move(p.c, p.s, 1 << 20);
    CHECK_EQ(tern_conn_status(p.s), TERN_E_UNEXPECTED_MESSAGE);
    CHECK_CONTAINS(tern_conn_error(p.s), "33 KeyUpdates");
    end_pair(&p);

    /* Three update_requested in one flight are answered by one KeyUpdate
     * (RFC 8446 §4.6.3), and both directions still carry data. */
    connected(&p);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(tern_conn_key_update(p.c, 1), TERN_OK);
    move(p.c, p.s, 1 << 20);
    const uint8_t *out;
    size_t len, records = 0;
    tern_conn_output(p.s, &out, &len);
    for (size_t i = 0; i + 5 <= len; i += 5 + u16(out + i + 3))
        records++;
    CHECK_EQ(records, 1);
    move(p.s, p.c, 1 << 20);
    exchange(p.c, p.s, 100);
    CHECK_EQ(tern_conn_status(p.c), TERN_OK);
    CHECK_EQ(tern_conn_status(p.s), TERN_OK);
    end_pair(&p);
}

int main(void)
{
    setup();
    RUN(test_client_hello_table);
    RUN(test_client_hello_tolerated);
    RUN(test_client_hello12);
    RUN(test_alpn_malformed);
    RUN(test_server_records);
    RUN(test_server_hello_table);
    RUN(test_encrypted_flight);
    RUN(test_client_flight_table);
    RUN(test_post_handshake_table);
    RUN(test_floods);
    tern_config_free(ccfg);
    tern_config_free(scfg);
    return test_done();
}
