/* The handshake page of tern serve (GET /.well-known/tern/handshake): the
 * trace events of the connection that asks for it, kept as they happen,
 * and drawn as an HTML page or given as JSON (each event exactly as
 * --trace=json writes it, docs/trace-schema.json). */
#ifndef TERN_TOOLS_EXPLAIN_H
#define TERN_TOOLS_EXPLAIN_H

#include "tern/tern.h"

#include <stdbool.h>
#include <stddef.h>

#define EXPLAIN_PATH "/.well-known/tern/handshake"

struct explain_log;

/* explain_record copies ev into *log (made on first use). Application data
 * only counts records and their sizes; at most EXPLAIN_MAX_EVENTS other
 * events and EXPLAIN_MAX_BYTES of their text are kept, so a connection
 * costs bounded memory. */
void explain_record(struct explain_log **log, const struct tern_trace_event *ev);
void explain_free(struct explain_log *log);

/* explain_page renders the page for connection c from log into a malloc'ed
 * buffer (*out, *out_len): HTML, or JSON when json is set. Returns false
 * when out of memory. */
bool explain_page(const struct explain_log *log, tern_conn *c, bool json, char **out,
                  size_t *out_len);

/* explain_wants_json: does the request target ask for ?format=json? */
bool explain_wants_json(const char *target);

#endif
