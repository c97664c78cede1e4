/* The explained handshake: events to the configuration's trace callback. */
#include "hs/ext.h"
#include "hs/internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Each fact's type, by key: the one place that says which facts are
 * numbers, lists or yes/no (the tool's JSON trace and docs/trace-schema.json
 * follow it). A key not listed is text. */
static const struct {
    const char *key;
    enum tern_fact_type type;
} fact_types[] = {
    {"versions", TERN_FACT_LIST},
    {"cipher_suites", TERN_FACT_LIST},
    {"groups", TERN_FACT_LIST},
    {"signature_schemes", TERN_FACT_LIST},
    {"key_shares", TERN_FACT_LIST},
    {"key_share_bytes", TERN_FACT_LIST},
    {"alpn_protocols", TERN_FACT_LIST},
    {"extensions", TERN_FACT_LIST},
    {"certificates", TERN_FACT_NUMBER},
    {"round_trips", TERN_FACT_NUMBER},
    {"lifetime", TERN_FACT_NUMBER},
    {"lifetime_hint", TERN_FACT_NUMBER},
    {"resumption", TERN_FACT_BOOL},
    {"extended_master_secret", TERN_FACT_BOOL},
    {"downgrade_sentinel", TERN_FACT_BOOL},
    {"cookie", TERN_FACT_BOOL},
    {"update_requested", TERN_FACT_BOOL},
    {"request_update", TERN_FACT_BOOL},
};

#define TRACE_MAX_FACTS 16

/* fact_info_of: a fact's type, and its number. A number's text starts with
 * its digits ("86400 s"); a yes/no fact is no exactly when its text is
 * "no". */
static struct tern_trace_fact_info fact_info_of(const struct tern_trace_fact *f)
{
    struct tern_trace_fact_info t = {.type = TERN_FACT_TEXT, .number = 0};
    const char *v = f->value ? f->value : "";
    for (size_t i = 0; f->key && i < sizeof(fact_types) / sizeof(fact_types[0]); i++)
        if (!strcmp(f->key, fact_types[i].key))
            t.type = fact_types[i].type;
    if (t.type == TERN_FACT_NUMBER) {
        const char *p = v;
        for (; *p >= '0' && *p <= '9' && t.number < UINT64_MAX / 10 - 9; p++)
            t.number = t.number * 10 + (uint64_t)(*p - '0');
        if (p == v)
            t.type = TERN_FACT_TEXT; /* "(none)" and the like stay words */
    } else if (t.type == TERN_FACT_BOOL) {
        t.number = strcmp(v, "no") != 0;
    }
    return t;
}

void hs_trace(tern_conn *c, enum tern_trace_kind kind, enum tern_trace_dir dir, const char *name,
              const char *explain, size_t bytes, const struct tern_trace_fact *facts,
              size_t n_facts)
{
    if (!c->cfg)
        return;
    hs_hooks_on_trace(c, kind);
    if (!c->cfg->trace_cb)
        return;
    struct tern_trace_fact_info info[TRACE_MAX_FACTS];
    if (n_facts > TRACE_MAX_FACTS)
        n_facts = TRACE_MAX_FACTS;
    for (size_t i = 0; i < n_facts; i++)
        info[i] = fact_info_of(&facts[i]);
    struct tern_trace_event ev = {
        .kind = kind,
        .dir = dir,
        .is_server = c->is_server,
        .name = name,
        .explain = explain,
        .facts = facts,
        .n_facts = n_facts,
        .bytes = bytes,
        .elapsed_us = now_us() - c->start_us,
        .round_trip = c->round_trips,
        .fact_info = n_facts ? info : NULL,
    };
    c->cfg->trace_cb(c->cfg->trace_arg, &ev);
}

size_t hs_trace_hybrid_facts(uint16_t group, struct tern_trace_fact *out)
{
    if (group != TERN_GROUP_X25519MLKEM768)
        return 0;
    /* draft-ietf-tls-ecdhe-mlkem: both shares and the secret are ML-KEM's
     * part followed by X25519's. */
    out[0] = (struct tern_trace_fact){
        "ml_kem_768", "1184 B key and 1088 B ciphertext: secret bytes 1-32 (post-quantum)"};
    out[1] = (struct tern_trace_fact){"x25519", "32 B each way: secret bytes 33-64 (classical)"};
    return HS_TRACE_HYBRID_FACTS;
}

const char *hs_trace_hybrid_note(uint16_t group)
{
    return group == TERN_GROUP_X25519MLKEM768
               ? " The group is the hybrid X25519MLKEM768: ML-KEM-768 and X25519 each made a "
                 "secret and the keys come from both, so they stay private unless both are "
                 "broken, a quantum computer included."
               : "";
}

void hs_trace_msg(tern_conn *c, bool sent, const char *name, const char *explain, size_t bytes,
                  const struct tern_trace_fact *facts, size_t n_facts)
{
    bool to_server = sent != c->is_server;
    hs_trace(c, TERN_TRACE_MESSAGE, to_server ? TERN_DIR_TO_SERVER : TERN_DIR_TO_CLIENT, name,
             explain, bytes, facts, n_facts);
}

/* ---- a received ClientHello, described (the server's trace) ---- */

/* GREASE values (RFC 8701 §2): 0x?a?a with both bytes equal. */
static bool is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* struct names: a ", "-separated list (a TERN_FACT_LIST) being built. */
struct names {
    char text[1024];
    size_t len;
};

static void names_add(struct names *n, const char *name, uint16_t v)
{
    char item[64];
    if (is_grease(v))
        snprintf(item, sizeof(item), "GREASE 0x%04x", v);
    else if (!name || !strcmp(name, "unknown"))
        snprintf(item, sizeof(item), "0x%04x", v);
    else
        snprintf(item, sizeof(item), "%s", name);
    int w = snprintf(n->text + n->len, sizeof(n->text) - n->len, "%s%s", n->len ? ", " : "", item);
    if (w > 0 && (size_t)w < sizeof(n->text) - n->len)
        n->len += (size_t)w;
}

/* u16_list names each 16-bit value of a list (at most 128 of them: the
 * hello was already accepted, this only describes it). */
static void u16_list(struct names *n, struct rd r, const char *(*name)(uint16_t))
{
    uint16_t v;
    for (int i = 0; i < 128 && rd_u16(&r, &v); i++)
        names_add(n, name ? name(v) : NULL, v);
}

static const char *version_name(uint16_t v)
{
    return tern_version_name(v);
}

void hs_trace_client_hello(tern_conn *c, struct rd body, size_t bytes, const char *explain,
                           const struct tern_trace_fact *extra, size_t n_extra)
{
    if (!c->cfg || !c->cfg->trace_cb)
        return;
    static const struct names empty;
    struct names versions = empty, suites = empty, groups = empty, shares = empty,
                 share_bytes = empty, sigs = empty, alpn = empty, exts = empty;
    char sni[256] = "(none)";
    uint16_t legacy = 0;
    struct rd sid, suite_list, comp, ext_block;
    const uint8_t *random;
    if (!rd_u16(&body, &legacy) || !rd_bytes(&body, &random, 32) || !rd_prefixed8(&body, &sid) ||
        !rd_prefixed16(&body, &suite_list) || !rd_prefixed8(&body, &comp))
        return;
    u16_list(&suites, suite_list, tern_suite_name);
    if (!rd_prefixed16(&body, &ext_block))
        ext_block.len = 0;
    bool have_sv = false;
    for (int i = 0; i < 128 && !rd_empty(&ext_block); i++) {
        uint16_t type;
        struct rd e, list;
        if (!rd_u16(&ext_block, &type) || !rd_prefixed16(&ext_block, &e))
            break;
        names_add(&exts, hs_ext_name(type), type);
        if (type == hs_ext_type(EXT_SUPPORTED_VERSIONS) && rd_prefixed8(&e, &list)) {
            have_sv = true;
            u16_list(&versions, list, version_name);
        } else if (type == hs_ext_type(EXT_SUPPORTED_GROUPS) && rd_prefixed16(&e, &list)) {
            u16_list(&groups, list, tern_group_name);
        } else if (type == hs_ext_type(EXT_SIGNATURE_ALGORITHMS) && rd_prefixed16(&e, &list)) {
            u16_list(&sigs, list, tern_sig_scheme_name);
        } else if (type == hs_ext_type(EXT_KEY_SHARE) && rd_prefixed16(&e, &list)) {
            uint16_t g;
            struct rd share;
            for (int k = 0; k < 32 && rd_u16(&list, &g) && rd_prefixed16(&list, &share); k++) {
                char size[16];
                snprintf(size, sizeof(size), "%zu", share.len);
                names_add(&shares, tern_group_name(g), g);
                names_add(&share_bytes, size, 0);
            }
        } else if (type == hs_ext_type(EXT_ALPN) && rd_prefixed16(&e, &list)) {
            struct rd proto;
            for (int k = 0; k < 32 && rd_prefixed8(&list, &proto); k++) {
                char p[64];
                size_t pl = proto.len < sizeof(p) - 1 ? proto.len : sizeof(p) - 1;
                /* printable ASCII only: the name goes to terminals and pages */
                for (size_t j = 0; j < pl; j++)
                    p[j] = proto.p[j] >= 0x21 && proto.p[j] < 0x7f && proto.p[j] != ','
                               ? (char)proto.p[j]
                               : '?';
                p[pl] = 0;
                names_add(&alpn, p, 0);
            }
        } else if (type == hs_ext_type(EXT_SERVER_NAME) && rd_prefixed16(&e, &list)) {
            uint8_t kind;
            struct rd host;
            if (rd_u8(&list, &kind) && kind == 0 && rd_prefixed16(&list, &host) && host.len &&
                host.len < sizeof(sni)) {
                for (size_t j = 0; j < host.len; j++)
                    sni[j] = host.p[j] >= 0x21 && host.p[j] < 0x7f ? (char)host.p[j] : '?';
                sni[host.len] = 0;
            }
        }
    }
    if (!have_sv)
        names_add(&versions, tern_version_name(legacy), legacy);
    const struct tern_trace_fact all[] = {
        {"versions", versions.text},
        {"cipher_suites", suites.text},
        {"groups", groups.text},
        {"key_shares", shares.text},
        {"key_share_bytes", share_bytes.text},
        {"signature_schemes", sigs.text},
        {"alpn_protocols", alpn.text},
        {"server_name", sni},
        {"extensions", exts.text},
    };
    struct tern_trace_fact f[TRACE_MAX_FACTS];
    size_t n = 0;
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (all[i].value[0]) /* a list the hello does not carry (no key_share in 1.2) */
            f[n++] = all[i];
    for (size_t i = 0; i < n_extra && n < TRACE_MAX_FACTS; i++)
        f[n++] = extra[i];
    hs_trace_msg(c, false, "ClientHello", explain, bytes, f, n);
}
