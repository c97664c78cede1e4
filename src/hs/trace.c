/* The explained handshake: events to the configuration's trace callback. */
#include "hs/internal.h"

#include <time.h>

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void hs_trace(tern_conn *c, enum tern_trace_kind kind, enum tern_trace_dir dir, const char *name,
              const char *explain, size_t bytes, const struct tern_trace_fact *facts,
              size_t n_facts)
{
    if (!c->cfg || !c->cfg->trace_cb)
        return;
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
        "ml_kem_768", "1184 B key, 1088 B ciphertext: secret bytes 1-32 (post-quantum)"};
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
