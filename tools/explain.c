/* The handshake page (see explain.h).
 *
 * One source of truth: the page is drawn from the trace events the library
 * reported for this connection, the same events --trace=explain draws in a
 * terminal; its sentences are theirs, and its JSON form is each event as
 * --trace=json writes it (trace_render). What the page adds is layout and
 * a few fixed explanations (the key schedule, how a client checks a
 * certificate). It shows nothing secret: names, sizes and times only. */
#include "explain.h"

#include "trace.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPLAIN_MAX_EVENTS 48
#define EXPLAIN_MAX_BYTES  32768
#define EXPLAIN_MAX_SIZES  16

struct xev {
    enum tern_trace_kind kind;
    enum tern_trace_dir dir;
    int is_server;
    size_t bytes;
    uint64_t elapsed_us;
    int round_trip;
    char *name, *explain;
    size_t n_facts;
    struct tern_trace_fact *facts;
    struct tern_trace_fact_info *info;
};

struct explain_log {
    struct xev ev[EXPLAIN_MAX_EVENTS];
    size_t n, text_bytes;
    bool dropped; /* events past the caps were not kept */
    /* application-data records: [0] received by the server, [1] sent */
    uint64_t records[2], record_bytes[2];
    uint32_t sizes[2][EXPLAIN_MAX_SIZES];
    size_t n_sizes[2];
};

static char *dup_text(struct explain_log *l, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n + 1);
        l->text_bytes += n + 1;
    }
    return p;
}

static void xev_free(struct xev *e)
{
    for (size_t i = 0; i < e->n_facts; i++) {
        free((char *)e->facts[i].key);
        free((char *)e->facts[i].value);
    }
    free(e->facts);
    free(e->info);
    free(e->name);
    free(e->explain);
    memset(e, 0, sizeof(*e));
}

void explain_record(struct explain_log **logp, const struct tern_trace_event *ev)
{
    if (!*logp && !(*logp = calloc(1, sizeof(**logp))))
        return;
    struct explain_log *l = *logp;
    if (ev->kind == TERN_TRACE_DATA) {
        int d = ev->dir == TERN_DIR_TO_CLIENT ? 1 : 0;
        l->records[d]++;
        l->record_bytes[d] += ev->bytes;
        if (l->n_sizes[d] < EXPLAIN_MAX_SIZES)
            l->sizes[d][l->n_sizes[d]++] = (uint32_t)ev->bytes;
        return;
    }
    if (l->n == EXPLAIN_MAX_EVENTS || l->text_bytes > EXPLAIN_MAX_BYTES) {
        l->dropped = true;
        return;
    }
    struct xev *e = &l->ev[l->n];
    *e = (struct xev){.kind = ev->kind,
                      .dir = ev->dir,
                      .is_server = ev->is_server,
                      .bytes = ev->bytes,
                      .elapsed_us = ev->elapsed_us,
                      .round_trip = ev->round_trip};
    e->name = dup_text(l, ev->name ? ev->name : "");
    e->explain = dup_text(l, ev->explain);
    if (ev->n_facts) {
        e->facts = calloc(ev->n_facts, sizeof(*e->facts));
        e->info = calloc(ev->n_facts, sizeof(*e->info));
    }
    bool ok = e->name && (!ev->explain || e->explain) && (!ev->n_facts || (e->facts && e->info));
    for (size_t i = 0; ok && i < ev->n_facts; i++) {
        e->facts[i].key = dup_text(l, ev->facts[i].key ? ev->facts[i].key : "");
        e->facts[i].value = dup_text(l, ev->facts[i].value ? ev->facts[i].value : "");
        if (ev->fact_info)
            e->info[i] = ev->fact_info[i];
        e->n_facts = i + 1;
        ok = e->facts[i].key && e->facts[i].value;
    }
    if (!ok) {
        xev_free(e);
        l->dropped = true;
        return;
    }
    l->n++;
}

void explain_free(struct explain_log *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        xev_free(&l->ev[i]);
    free(l);
}

bool explain_wants_json(const char *target)
{
    const char *q = strchr(target, '?');
    while (q) {
        q++;
        size_t n = strcspn(q, "&");
        if (n == 11 && !strncmp(q, "format=json", 11))
            return true;
        q = strchr(q, '&');
    }
    return false;
}

/* as_event: a kept event in the library's shape again, for trace_render. */
static struct tern_trace_event as_event(const struct xev *e)
{
    return (struct tern_trace_event){.kind = e->kind,
                                     .dir = e->dir,
                                     .is_server = e->is_server,
                                     .name = e->name,
                                     .explain = e->explain,
                                     .facts = e->facts,
                                     .n_facts = e->n_facts,
                                     .bytes = e->bytes,
                                     .elapsed_us = e->elapsed_us,
                                     .round_trip = e->round_trip,
                                     .fact_info = e->info};
}

static const char *fact(const struct explain_log *l, const char *event, const char *key)
{
    for (size_t i = 0; l && i < l->n; i++) {
        if (strcmp(l->ev[i].name, event) != 0)
            continue;
        for (size_t k = 0; k < l->ev[i].n_facts; k++)
            if (!strcmp(l->ev[i].facts[k].key, key))
                return l->ev[i].facts[k].value;
    }
    return NULL;
}

/* ---- JSON ---- */

static void json_sizes(FILE *f, const uint32_t *v, size_t n)
{
    fputc('[', f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%" PRIu32, i ? "," : "", v[i]);
    fputc(']', f);
}

static void render_json(const struct explain_log *l, tern_conn *c, FILE *f)
{
    const char *alpn = tern_conn_alpn(c), *sni = tern_conn_server_name(c),
               *peer = tern_conn_peer_subject(c);
    fputs("{\"format\":\"tern-handshake/1\",\"schema\":\"docs/trace-schema.json\",", f);
    fputs("\"connection\":{\"version\":", f);
    trace_json_string(f, tern_version_name(tern_conn_version(c)));
    fputs(",\"cipher_suite\":", f);
    trace_json_string(f, tern_suite_name(tern_conn_cipher_suite(c)));
    fputs(",\"group\":", f);
    trace_json_string(f, tern_conn_group(c) ? tern_group_name(tern_conn_group(c)) : NULL);
    fputs(",\"alpn\":", f);
    trace_json_string(f, alpn && *alpn ? alpn : NULL);
    fputs(",\"server_name\":", f);
    trace_json_string(f, sni && *sni ? sni : NULL);
    fprintf(f, ",\"resumed\":%s,\"client_certificate\":", tern_conn_resumed(c) ? "true" : "false");
    trace_json_string(f, peer && *peer ? peer : NULL);
    fputs("},\"records\":{", f);
    for (int d = 0; d < 2; d++) {
        const char *w = d ? "sent" : "received";
        fprintf(f,
                "%s\"%s\":%" PRIu64 ",\"bytes_%s\":%" PRIu64 ",\"first_sizes_%s\":", d ? "," : "",
                w, l ? l->records[d] : 0, w, l ? l->record_bytes[d] : 0, w);
        json_sizes(f, l ? l->sizes[d] : NULL, l ? l->n_sizes[d] : 0);
    }
    fprintf(f, "},\"complete\":%s,\"events\":[", l && l->dropped ? "false" : "true");
    struct trace_out t = {.f = f, .mode = TRACE_JSON};
    for (size_t i = 0; l && i < l->n; i++) {
        if (i)
            fputc(',', f);
        struct tern_trace_event ev = as_event(&l->ev[i]);
        trace_render(&t, &ev); /* the very line --trace=json writes */
    }
    fputs("]}\n", f);
}

/* ---- HTML ---- */

static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

/* list_html writes a TERN_FACT_LIST value as a list, GREASE marked. */
static void list_html(FILE *f, const char *v, const char *id)
{
    fputs("<ul class=\"items\"", f);
    if (id)
        fprintf(f, " id=\"%s\"", id);
    fputc('>', f);
    char item[256];
    for (const char *p = v; p && *p;) {
        const char *end = strstr(p, ", ");
        size_t n = end ? (size_t)(end - p) : strlen(p);
        snprintf(item, sizeof(item), "%.*s", (int)n, p);
        bool grease = !strncmp(item, "GREASE ", 7);
        fputs(grease ? "<li class=\"grease\" title=\"GREASE (RFC 8701): a reserved value sent "
                       "to keep servers tolerant of values they do not know\">"
                     : "<li>",
              f);
        esc(f, item);
        fputs("</li>", f);
        p += n + (end ? 2 : 0);
    }
    fputs("</ul>", f);
}

static void facts_html(FILE *f, const struct xev *e)
{
    if (!e->n_facts)
        return;
    fputs("<dl class=\"facts\">", f);
    for (size_t i = 0; i < e->n_facts; i++) {
        fputs("<dt>", f);
        esc(f, e->facts[i].key);
        fputs("</dt><dd>", f);
        if (e->info[i].type == TERN_FACT_LIST) {
            char id[64] = "";
            if (e->kind == TERN_TRACE_MESSAGE && !strcmp(e->name, "ClientHello"))
                snprintf(id, sizeof(id), "offered-%s", e->facts[i].key);
            list_html(f, e->facts[i].value, id[0] ? id : NULL);
        } else {
            esc(f, e->facts[i].value);
        }
        fputs("</dd>", f);
    }
    fputs("</dl>", f);
}

static const char *kind_class(enum tern_trace_kind k)
{
    switch (k) {
    case TERN_TRACE_MESSAGE:
        return "message";
    case TERN_TRACE_KEYS:
        return "keys";
    case TERN_TRACE_CHECK:
        return "check";
    case TERN_TRACE_ALERT:
        return "alert";
    case TERN_TRACE_DONE:
        return "done";
    case TERN_TRACE_WIPED:
        return "wiped";
    case TERN_TRACE_ERROR:
        return "error";
    case TERN_TRACE_DATA:
        return "data";
    }
    return "other";
}

static void ladder_html(FILE *f, const struct explain_log *l)
{
    fputs("<section id=\"ladder\" aria-labelledby=\"ladder-h\"><h2 id=\"ladder-h\">The "
          "handshake, message by message</h2>\n"
          "<p>Your browser on the left, this server on the right; each arrow is a message, each "
          "band a moment inside one side. Open a step for its explanation and what it "
          "carried. <button type=\"button\" id=\"toggle\">Open every step</button></p>\n"
          "<div class=\"lanes\" aria-hidden=\"true\"><span>your browser (client)</span>"
          "<span>tern serve (server)</span></div>\n<ol class=\"ladder\">\n",
          f);
    uint64_t prev = 0;
    for (size_t i = 0; l && i < l->n; i++) {
        const struct xev *e = &l->ev[i];
        const char *dir = e->dir == TERN_DIR_TO_SERVER   ? "to-server"
                          : e->dir == TERN_DIR_TO_CLIENT ? "to-client"
                                                         : "local";
        const char *who = e->dir == TERN_DIR_TO_SERVER   ? "sent by your browser to the server"
                          : e->dir == TERN_DIR_TO_CLIENT ? "sent by the server to your browser"
                                                         : "happened inside the server";
        fprintf(f, "<li class=\"step %s %s\"><details><summary aria-label=\"", dir,
                kind_class(e->kind));
        esc(f, e->name);
        fprintf(f, ", %s\"><span class=\"name\">", who);
        esc(f, e->name);
        fputs("</span><span class=\"meta\">", f);
        if (e->bytes)
            fprintf(f, "%zu bytes · ", e->bytes);
        fprintf(f, "%" PRIu64 ".%02" PRIu64 " ms (+%" PRIu64 ".%02" PRIu64 ")</span></summary>",
                e->elapsed_us / 1000, (e->elapsed_us % 1000) / 10, (e->elapsed_us - prev) / 1000,
                ((e->elapsed_us - prev) % 1000) / 10);
        prev = e->elapsed_us >= prev ? e->elapsed_us : prev;
        if (e->explain && *e->explain) {
            fputs("<p class=\"explain\">", f);
            esc(f, e->explain);
            fputs("</p>", f);
        }
        facts_html(f, e);
        fputs("</details></li>\n", f);
    }
    fputs("</ol></section>\n", f);
}

/* Sizes for the key schedule: the hash of the suite, its key, and the
 * shared secret of the group (X25519MLKEM768: ML-KEM-768's 32 bytes and
 * X25519's 32, concatenated). */
static size_t hash_len(const char *suite)
{
    return strstr(suite, "SHA384") ? 48 : 32;
}

static size_t key_len(const char *suite)
{
    return strstr(suite, "AES_128") ? 16 : 32;
}

static size_t shared_len(uint16_t group)
{
    switch (group) {
    case TERN_GROUP_X25519MLKEM768:
        return 64;
    case TERN_GROUP_SECP384R1:
        return 48;
    default:
        return 32;
    }
}

static void keys_html(FILE *f, tern_conn *c)
{
    const char *suite = tern_suite_name(tern_conn_cipher_suite(c));
    size_t h = hash_len(suite), k = key_len(suite);
    uint16_t g = tern_conn_group(c);
    fputs("<section id=\"keys\" aria-labelledby=\"keys-h\"><h2 id=\"keys-h\">Where the keys "
          "came from</h2>\n<p>Neither side ever sends a key. Each derives the same secrets from "
          "what was exchanged; every box below is a secret (its size in bytes, never its "
          "value), every arrow a derivation.</p>\n<ol class=\"schedule\">",
          f);
    if (tern_conn_version(c) == TERN_TLS13) {
        fprintf(f,
                "<li><b>%s</b> (RFC 8446 §7.1) &rarr; HKDF-Extract &rarr; <b>early secret</b> "
                "(%zu)</li>",
                tern_conn_resumed(c) ? "the resumed session's PSK" : "no PSK (zeros)", h);
        if (g)
            fprintf(f,
                    "<li>the %s shared secret (%zu), computed by each side from its private key "
                    "and the other's share &rarr; HKDF-Extract &rarr; <b>handshake secret</b> "
                    "(%zu)</li>",
                    tern_group_name(g), shared_len(g), h);
        else
            fprintf(f, "<li>no key exchange (psk_ke) &rarr; <b>handshake secret</b> (%zu)</li>", h);
        fprintf(f,
                "<li>&rarr; <b>client_handshake_traffic_secret</b> (%zu) and "
                "<b>server_handshake_traffic_secret</b> (%zu): each gives a %zu-byte key and a "
                "12-byte IV for the handshake records, and the key for its side's Finished</li>"
                "<li>&rarr; HKDF-Extract &rarr; <b>master secret</b> (%zu) &rarr; "
                "<b>client_application_traffic_secret_0</b> and "
                "<b>server_application_traffic_secret_0</b> (%zu each: the keys for this page), "
                "<b>exporter_master_secret</b> and <b>resumption_master_secret</b> (%zu each: "
                "the tickets)</li>",
                h, h, k, h, h, h);
    } else {
        fprintf(f,
                "<li>the %s shared secret, the <b>pre-master secret</b> (%zu)</li>"
                "<li>&rarr; PRF with a hash of every handshake message so far (the extended "
                "master secret, RFC 7627) &rarr; <b>master secret</b> (48)</li>"
                "<li>&rarr; PRF with both randoms (RFC 5246 §6.3) &rarr; the <b>key block</b>: a "
                "%zu-byte write key and an IV for each side</li>",
                g ? tern_group_name(g) : "RSA-transported", g ? shared_len(g) : 48, k);
    }
    fputs("</ol></section>\n", f);
}

static bool has_event(const struct explain_log *l, const char *name)
{
    for (size_t i = 0; l && i < l->n; i++)
        if (!strcmp(l->ev[i].name, name))
            return true;
    return false;
}

static void why_row(FILE *f, const char *what, const char *chosen, const char *rule)
{
    fputs("<dt>", f);
    fputs(what, f);
    fputs("</dt><dd><b>", f);
    esc(f, chosen && *chosen ? chosen : "(none)");
    fputs("</b>: ", f);
    fputs(rule, f);
    fputs("</dd>", f);
}

/* why_html: the rule that picked each choice, as tern's server applies it
 * (src/hs/server13.c choose(), src/hs/server12.c, hs13_pick_scheme). */
static void why_html(FILE *f, const struct explain_log *l, tern_conn *c)
{
    bool v13 = tern_conn_version(c) == TERN_TLS13, hrr = has_event(l, "HelloRetryRequest");
    const char *alpn = tern_conn_alpn(c);
    fputs("<section id=\"why\" aria-labelledby=\"why-h\"><h2 id=\"why-h\">What the server "
          "chose, and why</h2><dl class=\"summary why\">",
          f);
    why_row(f, "Version", tern_version_name(tern_conn_version(c)),
            v13 ? "the newest version in your browser's supported_versions that this server "
                  "speaks."
                : "your client did not offer TLS 1.3 (or this server is limited to 1.2), so the "
                  "newest version both speak is 1.2; the server's random says so to a 1.3 "
                  "client (the downgrade sentinel of RFC 8446 §4.1.3).");
    why_row(f, "Cipher suite", tern_suite_name(tern_conn_cipher_suite(c)),
            v13 ? "the first suite in this server's order of preference that your browser also "
                  "offered."
                : "the first TLS 1.2 suite in this server's order of preference that your client "
                  "offered and that fits the server's certificate key (ECDSA or RSA).");
    if (tern_conn_group(c))
        why_row(f, "Key exchange group", tern_group_name(tern_conn_group(c)),
                !v13  ? "the first group in this server's order of preference that your client "
                        "supports (supported_groups)."
                : hrr ? "no key share your browser sent was for a group this server accepts, so "
                        "it named the first group of its own order that your browser supports "
                        "in a HelloRetryRequest, and your browser said hello again with a share "
                        "for it: one extra round trip."
                      : "the first group in this server's order of preference (X25519MLKEM768 "
                        "first, by default) for which your browser had already sent a key share, "
                        "so no extra round trip was needed.");
    if (tern_conn_signature_scheme(c))
        why_row(f, "Signature scheme", tern_sig_scheme_name(tern_conn_signature_scheme(c)),
                v13 ? "the first scheme in this server's order that your browser accepts "
                      "(signature_algorithms) and that fits its certificate's key; RSA PKCS#1 "
                      "v1.5 is never used for TLS 1.3 handshake signatures (RFC 8446 §4.2.3)."
                    : "the first scheme in this server's order that your client accepts and that "
                      "fits its certificate's key.");
    why_row(f, "Application protocol", alpn,
            alpn && *alpn ? "the first of this server's protocols (tern serve speaks http/1.1) "
                            "that your browser offered in ALPN."
                          : "your client offered no protocol this server speaks, or no ALPN at "
                            "all.");
    fputs("</dl></section>\n", f);
}

static const char PAGE_HEAD[] =
    "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<meta name=\"color-scheme\" content=\"light dark\">\n"
    "<title>Your TLS handshake, explained by tern</title>\n<style>\n"
    ":root{--fg:#1b1b1f;--bg:#fbfbfd;--muted:#5b5b66;--line:#c9c9d3;--box:#fff;--accent:#2458c6;"
    "--warn:#9a5b00}\n"
    "@media (prefers-color-scheme:dark){:root{--fg:#e8e8ee;--bg:#15161a;--muted:#a4a4b0;"
    "--line:#474756;--box:#1f2026;--accent:#8fb0ff;--warn:#e3b04b}}\n"
    "body{font:16px/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg);margin:0}\n"
    "main{max-width:60rem;margin:0 auto;padding:1rem}\n"
    "h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem}\n"
    ".summary{display:grid;grid-template-columns:minmax(8rem,max-content) minmax(0,1fr);"
    "gap:.2rem 1rem}\n"
    ".summary dt{color:var(--muted)}.summary dd{margin:0;font-weight:600;overflow-wrap:anywhere}"
    "\n.why dd{font-weight:normal}\n"
    "@media (max-width:40rem){.summary,.facts{grid-template-columns:minmax(0,1fr)}"
    ".summary dd,.facts dd{margin-bottom:.5rem}.step details{width:94%}}\n"
    ".lanes{display:flex;justify-content:space-between;font-weight:600;border-bottom:2px solid "
    "var(--line);padding:.3rem 0}\n"
    ".ladder{list-style:none;padding:0;margin:0;border-left:2px solid var(--line);border-right:2px "
    "solid var(--line)}\n"
    ".step{margin:.5rem 0;display:flex}\n"
    ".step details{background:var(--box);border:1px solid var(--line);border-radius:.4rem;"
    "padding:.3rem .6rem;width:min(36rem,88%)}\n"
    ".to-server{justify-content:flex-start}.to-client{justify-content:flex-end}"
    ".local{justify-content:center}\n"
    ".to-server summary .name::after{content:\" \\2192\";color:var(--accent)}\n"
    ".to-client summary .name::before{content:\"\\2190 \";color:var(--accent)}\n"
    ".local details{border-style:dashed}.keys details,.done details{border-color:var(--accent)}\n"
    ".error details,.alert details{border-color:var(--warn)}\n"
    "summary{cursor:pointer;display:flex;justify-content:space-between;gap:1rem;flex-wrap:wrap}\n"
    "summary:focus-visible{outline:3px solid var(--accent)}\n"
    ".name{font-weight:600}.meta{color:var(--muted);font-size:.9em}\n"
    ".explain{margin:.4rem 0}\n"
    ".facts{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;font-size:.92em}\n"
    ".facts dt{color:var(--muted)}.facts dd{margin:0;overflow-wrap:anywhere}\n"
    ".items{margin:0;padding-left:1.1rem}.grease{color:var(--muted);font-style:italic}\n"
    ".schedule li{margin:.3rem 0}code{overflow-wrap:anywhere}\n"
    "button{font:inherit;padding:.2rem .6rem}\n"
    "</style>\n</head>\n<body>\n<main>\n";

static const char PAGE_SCRIPT[] =
    "<script>\n"
    "(function(){var b=document.getElementById('toggle');if(!b)return;var open=false;"
    "b.addEventListener('click',function(){open=!open;"
    "document.querySelectorAll('#ladder details').forEach(function(d){d.open=open});"
    "b.textContent=open?'Close every step':'Open every step';});})();\n"
    "</script>\n";

static void summary_row(FILE *f, const char *label, const char *id, const char *value)
{
    fprintf(f, "<dt>%s</dt><dd id=\"%s\">", label, id);
    esc(f, value && *value ? value : "(none)");
    fputs("</dd>", f);
}

static void render_html(const struct explain_log *l, tern_conn *c, FILE *f)
{
    fputs(PAGE_HEAD, f);
    fputs("<h1>Your TLS handshake, as this server saw it</h1>\n"
          "<p>This page is about the connection your browser used to ask for it. Everything "
          "here is what your browser sent, what this server (tern serve) answered, and what "
          "each side checked; it shows no secret or key (only their names and sizes) and "
          "nothing an onlooker of your own traffic could not learn, beyond the server's timings "
          "and choices. The sentences are the ones <code>tern get --trace=explain</code> "
          "prints; the same facts as JSON: <a href=\"" EXPLAIN_PATH
          "?format=json\">?format=json</a>.</p>\n",
          f);
    char hs[32] = "";
    const char *alpn = tern_conn_alpn(c), *peer = tern_conn_peer_subject(c);
    for (size_t i = 0; l && i < l->n; i++)
        if (l->ev[i].kind == TERN_TRACE_DONE)
            snprintf(hs, sizeof(hs), "%" PRIu64 ".%02" PRIu64 " ms", l->ev[i].elapsed_us / 1000,
                     (l->ev[i].elapsed_us % 1000) / 10);
    fputs("<section aria-labelledby=\"sum-h\"><h2 id=\"sum-h\">In short</h2><dl "
          "class=\"summary\">",
          f);
    summary_row(f, "Version", "version", tern_version_name(tern_conn_version(c)));
    summary_row(f, "Cipher suite", "cipher-suite", tern_suite_name(tern_conn_cipher_suite(c)));
    summary_row(f, "Key exchange group", "chosen-group",
                tern_conn_group(c) ? tern_group_name(tern_conn_group(c)) : NULL);
    summary_row(f, "Signature", "signature",
                tern_conn_signature_scheme(c) ? tern_sig_scheme_name(tern_conn_signature_scheme(c))
                                              : NULL);
    summary_row(f, "Server name (SNI)", "sni", tern_conn_server_name(c));
    summary_row(f, "Application protocol (ALPN)", "alpn", alpn);
    summary_row(f, "Resumed from a ticket", "resumed",
                tern_conn_resumed(c) ? "yes: the ticket carried the earlier session's secret "
                                       "(sealed with the server's ticket key), its suite, SNI "
                                       "and ALPN, so no certificate was needed"
                                     : "no: a full handshake");
    summary_row(f, "Round trips", "round-trips", fact(l, "handshake complete", "round_trips"));
    summary_row(f, "Handshake, start to finish (server clock)", "hs-time", hs[0] ? hs : NULL);
    summary_row(f, "Your client certificate", "client-cert", peer);
    fputs("</dl></section>\n", f);

    why_html(f, l, c);
    ladder_html(f, l);

    const char *chain = fact(l, "Certificate", "chain");
    fputs("<section id=\"certificate\" aria-labelledby=\"cert-h\"><h2 id=\"cert-h\">The "
          "certificate chain this server sent</h2>\n<p id=\"chain\">",
          f);
    esc(f, chain ? chain : "(not sent on this connection: it resumed a session)");
    fputs("</p>\n<p>Your browser checked it before trusting a byte: a path from this "
          "certificate to a root it trusts (each signature verified), every certificate within "
          "its dates, the leaf meant for a TLS server (extKeyUsage serverAuth), and its names "
          "covering the host you typed. Then the server's CertificateVerify proved it holds the "
          "certificate's private key, and its Finished that both sides saw the same "
          "handshake.</p></section>\n",
          f);

    keys_html(f, c);

    fputs("<section id=\"records\" aria-labelledby=\"rec-h\"><h2 id=\"rec-h\">Records so "
          "far</h2>\n<p>",
          f);
    for (int d = 0; d < 2; d++) {
        fprintf(f, "%s%" PRIu64 " application-data record%s %s (%" PRIu64 " bytes of plaintext)",
                d ? "; " : "", l ? l->records[d] : 0, l && l->records[d] == 1 ? "" : "s",
                d ? "sent by the server" : "received from your browser",
                l ? l->record_bytes[d] : 0);
        if (l && l->n_sizes[d]) {
            fputs(": ", f);
            for (size_t i = 0; i < l->n_sizes[d]; i++)
                fprintf(f, "%s%" PRIu32, i ? ", " : "", l->sizes[d][i]);
            fputs(l->records[d] > l->n_sizes[d] ? ", ..." : "", f);
        }
    }
    fputs(". This page itself is not counted yet: it is being written.</p></section>\n", f);
    if (l && l->dropped)
        fputs("<p>Some later steps were not kept (the server keeps a bounded record per "
              "connection).</p>\n",
              f);
    fputs("<footer><p>Served from memory by tern serve " TERN_VERSION_STRING
          "; no external resources. Turn this page off with "
          "<code>--no-explain-page</code>.</p></footer>\n</main>\n",
          f);
    fputs(PAGE_SCRIPT, f);
    fputs("</body>\n</html>\n", f);
}

bool explain_page(const struct explain_log *l, tern_conn *c, bool json, char **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    FILE *f = open_memstream(out, out_len);
    if (!f)
        return false;
    if (json)
        render_json(l, c, f);
    else
        render_html(l, c, f);
    if (fclose(f) != 0) {
        free(*out);
        *out = NULL;
        return false;
    }
    return true;
}
