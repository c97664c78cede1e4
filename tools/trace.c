/* The explained handshake, drawn (see trace.h).
 *
 * The ladder is the picture every TLS text draws: the client on the left,
 * the server on the right, one arrow per message in the direction it went,
 * what it carried underneath on the sender's side, and a band across both
 * columns where the keys change, because that is the moment the protocol
 * turns private. */
#include "trace.h"

#include <inttypes.h>
#include <string.h>

#define LADDER_INDENT 2
#define ARROW_WIDTH   58 /* columns from the first character of a name to the arrow head */
#define RIGHT_COL     34 /* where the server side's text starts */
#define WRAP_WIDTH    76

bool trace_parse_mode(const char *suffix, enum trace_mode *out)
{
    if (!suffix || !*suffix)
        *out = TRACE_LADDER;
    else if (!strcmp(suffix, "=explain"))
        *out = TRACE_EXPLAIN;
    else if (!strcmp(suffix, "=json"))
        *out = TRACE_JSON;
    else if (!strcmp(suffix, "=ladder"))
        *out = TRACE_LADDER;
    else
        return false;
    return true;
}

/* Display columns of a UTF-8 string: one per code point (the ladder's
 * characters are all single-width). */
static size_t cols(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            n++;
    return n;
}

static void repeat(FILE *f, const char *s, size_t n)
{
    while (n--)
        fputs(s, f);
}

static const char *kind_name(enum tern_trace_kind k)
{
    switch (k) {
    case TERN_TRACE_MESSAGE:
        return "message";
    case TERN_TRACE_KEYS:
        return "keys";
    case TERN_TRACE_CHECK:
        return "check";
    case TERN_TRACE_DATA:
        return "data";
    case TERN_TRACE_ALERT:
        return "alert";
    case TERN_TRACE_DONE:
        return "done";
    case TERN_TRACE_WIPED:
        return "wiped";
    case TERN_TRACE_ERROR:
        return "error";
    }
    return "unknown";
}

static const char *dir_name(enum tern_trace_dir d)
{
    switch (d) {
    case TERN_DIR_LOCAL:
        return "local";
    case TERN_DIR_TO_SERVER:
        return "to_server";
    case TERN_DIR_TO_CLIENT:
        return "to_client";
    }
    return "unknown";
}

/* ---- JSON (RFC 8259) ---- */

/* utf8_len: the length of the valid UTF-8 sequence at s, or 0 (RFC 3629
 * §4: no overlongs, no surrogates, nothing above U+10FFFF). */
static size_t utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0)
            lo = 0xa0;
        if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0)
            lo = 0x90;
        if (c == 0xf4)
            hi = 0x8f;
    } else
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return n;
}

void trace_json_string(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    const unsigned char *p = (const unsigned char *)s;
    fputc('"', f);
    while (*p) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            fputc('\\', f);
            fputc(c, f);
            p++;
        } else if (c == '\n') {
            fputs("\\n", f);
            p++;
        } else if (c == '\t') {
            fputs("\\t", f);
            p++;
        } else if (c == '\r') {
            fputs("\\r", f);
            p++;
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(f, "\\u%04x", c);
            p++;
        } else {
            size_t n = utf8_len(p);
            if (n == 0) {
                fputs("\\ufffd", f);
                p++;
            } else {
                fwrite(p, 1, n, f);
                p += n;
            }
        }
    }
    fputc('"', f);
}

/* json_value writes a fact's value as its type says (docs/trace-schema.json):
 * a number, true or false, an array of strings, or a string. */
static void json_value(FILE *f, const struct tern_trace_fact *fact,
                       const struct tern_trace_fact_info *info)
{
    const char *v = fact->value ? fact->value : "";
    switch (info ? info->type : TERN_FACT_TEXT) {
    case TERN_FACT_NUMBER:
        fprintf(f, "%" PRIu64, info->number);
        return;
    case TERN_FACT_BOOL:
        fputs(info->number ? "true" : "false", f);
        return;
    case TERN_FACT_LIST: {
        fputc('[', f);
        char item[256];
        for (const char *p = v; *p;) {
            const char *end = strstr(p, ", ");
            size_t n = end ? (size_t)(end - p) : strlen(p);
            snprintf(item, sizeof(item), "%.*s", (int)n, p);
            if (p != v)
                fputc(',', f);
            trace_json_string(f, item);
            p += n;
            if (end)
                p += 2;
        }
        fputc(']', f);
        return;
    }
    case TERN_FACT_TEXT:
        break;
    }
    trace_json_string(f, v);
}

static void render_json(struct trace_out *t, const struct tern_trace_event *ev)
{
    FILE *f = t->f;
    fputc('{', f);
    if (t->show_conn)
        fprintf(f, "\"conn\":%lu,", t->conn_id);
    fprintf(f, "\"kind\":\"%s\",\"dir\":\"%s\",\"side\":\"%s\",\"name\":", kind_name(ev->kind),
            dir_name(ev->dir), ev->is_server ? "server" : "client");
    trace_json_string(f, ev->name);
    fprintf(f, ",\"bytes\":%zu,\"elapsed_us\":%" PRIu64 ",\"round_trip\":%d,\"facts\":[", ev->bytes,
            ev->elapsed_us, ev->round_trip);
    for (size_t i = 0; i < ev->n_facts; i++) {
        fputs(i ? ",{\"key\":" : "{\"key\":", f);
        trace_json_string(f, ev->facts[i].key);
        fputs(",\"value\":", f);
        json_value(f, &ev->facts[i], ev->fact_info ? &ev->fact_info[i] : NULL);
        fputc('}', f);
    }
    fputs("],\"explain\":", f);
    trace_json_string(f, ev->explain);
    fputs("}\n", f);
}

/* ---- the ladder ---- */

/* Which column an event's words belong in: the sender's for a message,
 * the reporting endpoint's for what happened inside it. */
static bool on_right(const struct tern_trace_event *ev)
{
    if (ev->kind == TERN_TRACE_MESSAGE || ev->kind == TERN_TRACE_DATA ||
        ev->kind == TERN_TRACE_ALERT) {
        if (ev->dir == TERN_DIR_TO_CLIENT)
            return true;
        if (ev->dir == TERN_DIR_TO_SERVER)
            return false;
    }
    return ev->is_server != 0;
}

static void indent(FILE *f, bool right, size_t extra)
{
    repeat(f, " ", LADDER_INDENT + (right ? RIGHT_COL : 0) + extra);
}

/* Word-wrap text from column `at` to WRAP_WIDTH, prefixing every line. */
static void wrap(FILE *f, size_t at, const char *prefix, const char *text)
{
    size_t width = WRAP_WIDTH > at + 20 ? WRAP_WIDTH - at : 20;
    const char *p = text;
    bool first = true;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        /* Take as many words as fit (a single longer word goes whole). */
        const char *end = p, *last_fit = NULL;
        size_t used = 0;
        while (*end) {
            const char *w = end;
            while (*w && *w != ' ')
                w++;
            size_t wl = 0;
            for (const char *q = end; q < w; q++)
                if (((unsigned char)*q & 0xc0) != 0x80)
                    wl++;
            if (used && used + 1 + wl > width)
                break;
            used += (used ? 1 : 0) + wl;
            last_fit = w;
            end = w;
            while (*end == ' ')
                end++;
        }
        repeat(f, " ", at);
        fputs(first ? prefix : "  ", f);
        fwrite(p, 1, (size_t)(last_fit - p), f);
        fputc('\n', f);
        first = false;
        p = last_fit;
    }
}

/* put_text writes s for a terminal: control bytes (which a certificate
 * subject could carry to drive the terminal) become '?'. */
static void put_text(FILE *f, const char *s)
{
    for (; s && *s; s++)
        fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

/* mark writes an indented marker and a name on one line. */
static void mark(FILE *f, const char *sym, const char *name)
{
    fputs(sym, f);
    fputc(' ', f);
    put_text(f, name);
    fputc('\n', f);
}

/* fact_line writes "key: value". A long list (items ", "-separated, as a
 * ClientHello's suites) wraps between its items, under its first one;
 * other text stays on one line, whole, so a reader can grep it. */
static void fact_line(FILE *f, size_t at, const char *key, const char *value)
{
    repeat(f, " ", at);
    put_text(f, key);
    fputs(": ", f);
    size_t start = at + cols(key) + 2, col = start;
    if (start + 20 > WRAP_WIDTH)
        start = at + 4; /* a long key: continue under it instead */
    bool first = true;
    for (const char *p = value ? value : ""; *p;) {
        const char *end = strstr(p, ", ");
        size_t n = end ? (size_t)(end - p) + 1 : strlen(p); /* the comma stays */
        char item[512];
        snprintf(item, sizeof(item), "%.*s", (int)n, p);
        size_t w = cols(item);
        if (!first && col + 1 + w > WRAP_WIDTH) {
            fputc('\n', f);
            repeat(f, " ", start);
            col = start;
        } else if (!first) {
            fputc(' ', f);
            col++;
        }
        put_text(f, item);
        col += w;
        first = false;
        p += n;
        while (*p == ' ')
            p++;
    }
    fputc('\n', f);
}

static void facts(struct trace_out *t, const struct tern_trace_event *ev, bool right, size_t extra)
{
    for (size_t i = 0; i < ev->n_facts; i++)
        fact_line(t->f, LADDER_INDENT + (right ? RIGHT_COL : 0) + 3 + extra, ev->facts[i].key,
                  ev->facts[i].value);
}

static void meta(struct trace_out *t, const struct tern_trace_event *ev)
{
    FILE *f = t->f;
    fputs("  ", f);
    if (ev->bytes)
        fprintf(f, "%zu B  ", ev->bytes);
    fprintf(f, "%" PRIu64 ".%" PRIu64 " ms", ev->elapsed_us / 1000, (ev->elapsed_us % 1000) / 100);
}

static void arrow(struct trace_out *t, const struct tern_trace_event *ev, const char *label)
{
    FILE *f = t->f;
    size_t n = cols(label);
    size_t dashes = ARROW_WIDTH > n + 3 ? ARROW_WIDTH - n - 2 : 1;
    repeat(f, " ", LADDER_INDENT);
    if (ev->dir == TERN_DIR_TO_CLIENT) {
        fputs("◀", f);
        repeat(f, "─", dashes);
        fputc(' ', f);
        put_text(f, label);
    } else {
        put_text(f, label);
        fputc(' ', f);
        repeat(f, "─", dashes);
        fputs("▶", f);
    }
    meta(t, ev);
    fputc('\n', f);
}

static void band(struct trace_out *t, const char *text)
{
    FILE *f = t->f;
    size_t n = cols(text) + 2;
    size_t total = ARROW_WIDTH + 1;
    size_t left = total > n ? (total - n) / 2 : 1;
    size_t right = total > n + left ? total - n - left : 1;
    repeat(f, " ", LADDER_INDENT);
    repeat(f, "═", left);
    fputc(' ', f);
    put_text(f, text);
    fputc(' ', f);
    repeat(f, "═", right);
    fputc('\n', f);
}

static void header(struct trace_out *t, const struct tern_trace_event *ev)
{
    FILE *f = t->f;
    char l[64], r[64];
    snprintf(l, sizeof(l), "client%s", ev->is_server ? "" : " (tern)");
    snprintf(r, sizeof(r), "%sserver", ev->is_server ? "(tern) " : "");
    if (t->show_conn)
        fprintf(f, "\n  connection #%lu\n", t->conn_id);
    repeat(f, " ", LADDER_INDENT);
    size_t gap = ARROW_WIDTH + 1 > cols(l) + cols(r) ? ARROW_WIDTH + 1 - cols(l) - cols(r) : 1;
    fputs(l, f);
    repeat(f, " ", gap);
    fputs(r, f);
    fputc('\n', f);
    repeat(f, " ", LADDER_INDENT);
    fputs("│", f);
    repeat(f, " ", ARROW_WIDTH - 1);
    fputs("│\n", f);
}

static void render_ladder(struct trace_out *t, const struct tern_trace_event *ev)
{
    FILE *f = t->f;
    bool right = on_right(ev);
    const char *name = ev->name ? ev->name : "";
    char text[256];
    if (t->show_conn && t->conn_id != t->last_conn) {
        t->header_done = false;
        t->last_conn = t->conn_id;
    }
    if (!t->header_done) {
        header(t, ev);
        t->header_done = true;
    }
    switch (ev->kind) {
    case TERN_TRACE_MESSAGE:
        arrow(t, ev, name);
        facts(t, ev, right, 0);
        break;
    case TERN_TRACE_DATA:
        arrow(t, ev, *name ? name : "application data");
        facts(t, ev, right, 0);
        break;
    case TERN_TRACE_ALERT:
        if (strstr(name, "close_notify") || strstr(name, "alert"))
            snprintf(text, sizeof(text), "%s", name);
        else
            snprintf(text, sizeof(text), "alert %s", name);
        arrow(t, ev, text);
        facts(t, ev, right, 0);
        break;
    case TERN_TRACE_KEYS:
        if (strstr(name, "keys") || strstr(name, "secret"))
            snprintf(text, sizeof(text), "%s: from here on encrypted with %s",
                     ev->is_server ? "server" : "client", name);
        else
            snprintf(text, sizeof(text), "%s: keys changed: %s",
                     ev->is_server ? "server" : "client", name);
        band(t, text);
        facts(t, ev, right, 0);
        break;
    case TERN_TRACE_CHECK:
        indent(f, right, 0);
        mark(f, "✓", name);
        facts(t, ev, right, 0);
        break;
    case TERN_TRACE_DONE:
        snprintf(text, sizeof(text),
                 "%s%shandshake complete: %d round trip%s, %" PRIu64 ".%" PRIu64 " ms",
                 *name && strcmp(name, "handshake complete") ? name : "",
                 *name && strcmp(name, "handshake complete") ? ", " : "", ev->round_trip,
                 ev->round_trip == 1 ? "" : "s", ev->elapsed_us / 1000,
                 (ev->elapsed_us % 1000) / 100);
        band(t, text);
        facts(t, ev, right, 0);
        break;
    case TERN_TRACE_WIPED:
        indent(f, right, 0);
        mark(f, "·", *name ? name : "keys wiped");
        facts(t, ev, right, 0);
        break;
    case TERN_TRACE_ERROR:
        indent(f, right, 0);
        mark(f, "✗", *name ? name : "failed");
        facts(t, ev, right, 0);
        break;
    default:
        indent(f, right, 0);
        mark(f, "?", name);
        break;
    }
    /* The sentence: always for a failure (it is the reason), and for every
     * step when the learner asked for explanations. */
    if (ev->explain && *ev->explain && (t->mode == TRACE_EXPLAIN || ev->kind == TERN_TRACE_ERROR))
        wrap(f, LADDER_INDENT + 3, "» ", ev->explain);
    if (t->mode == TRACE_EXPLAIN)
        fputc('\n', f);
}

void trace_render(struct trace_out *t, const struct tern_trace_event *ev)
{
    if (!t || !t->f || !ev || t->mode == TRACE_OFF)
        return;
    if (t->mode == TRACE_JSON)
        render_json(t, ev);
    else
        render_ladder(t, ev);
    fflush(t->f);
}

void trace_callback(void *arg, const struct tern_trace_event *ev)
{
    trace_render(arg, ev);
}
