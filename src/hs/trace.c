/* The explained handshake: events to the configuration's trace callback. */
#include "hs/internal.h"

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
    if (!c->cfg || !c->cfg->trace_cb)
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

void hs_trace_msg(tern_conn *c, bool sent, const char *name, const char *explain, size_t bytes,
                  const struct tern_trace_fact *facts, size_t n_facts)
{
    bool to_server = sent != c->is_server;
    hs_trace(c, TERN_TRACE_MESSAGE, to_server ? TERN_DIR_TO_SERVER : TERN_DIR_TO_CLIENT, name,
             explain, bytes, facts, n_facts);
}
