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

void hs_trace_msg(tern_conn *c, bool sent, const char *name, const char *explain, size_t bytes,
                  const struct tern_trace_fact *facts, size_t n_facts)
{
    bool to_server = sent != c->is_server;
    hs_trace(c, TERN_TRACE_MESSAGE, to_server ? TERN_DIR_TO_SERVER : TERN_DIR_TO_CLIENT, name,
             explain, bytes, facts, n_facts);
}
