/* The explained handshake, drawn: renders the library's trace events
 * (struct tern_trace_event, tern_config_set_trace) as a two-column ladder,
 * the same with a plain sentence per step, or one JSON object per line. */
#ifndef TERN_TOOLS_TRACE_H
#define TERN_TOOLS_TRACE_H

#include "tern/tern.h"

#include <stdbool.h>
#include <stdio.h>

enum trace_mode {
    TRACE_OFF = 0,
    TRACE_LADDER = 1,  /* --trace */
    TRACE_EXPLAIN = 2, /* --trace=explain: the ladder and a sentence per step */
    TRACE_JSON = 3,    /* --trace=json: one object per event per line */
};

struct trace_out {
    FILE *f;
    enum trace_mode mode;
    bool header_done;
    unsigned long conn_id; /* tags JSON lines and ladder headers when a server traces many */
    bool show_conn;
    unsigned long last_conn; /* the connection the last header was drawn for */
};

/* trace_parse_mode maps the text after "--trace" ("", "=explain",
 * "=json") to a mode; returns false for anything else. */
bool trace_parse_mode(const char *suffix, enum trace_mode *out);

/* trace_render writes one event to t->f in t->mode. A pure formatter: it
 * reads only ev and t, and writes only to t->f. */
void trace_render(struct trace_out *t, const struct tern_trace_event *ev);

/* trace_callback is a ready-made callback for tern_config_set_trace with a
 * struct trace_out as its argument. */
void trace_callback(void *arg, const struct tern_trace_event *ev);

/* trace_json_string writes s as a JSON string (quotes included), escaping
 * what RFC 8259 §7 requires and replacing invalid UTF-8 with U+FFFD. */
void trace_json_string(FILE *f, const char *s);

#endif
