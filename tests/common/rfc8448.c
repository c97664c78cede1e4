/* RFC 8448 trace reader: see rfc8448.h for the format it understands. */
#include "rfc8448.h"

#include "test.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct rfc8448 {
    struct rfc8448_entry *v;
    size_t n, cap;
};

struct lines {
    char **s;
    size_t n;
};

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Page furniture: "Thomson   Informational   [Page 4]" footers and
 * "RFC 8448   TLS 1.3 Traces   January 2019" headers. Form feeds are
 * removed before this is asked. */
static bool is_page_junk(const char *s)
{
    return (starts_with(s, "Thomson ") && strstr(s, "[Page ")) ||
           (starts_with(s, "RFC 8448 ") && strstr(s, "January 2019"));
}

static bool is_blank(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return *s == '\0';
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* hex_tokens appends the bytes of s to out if s is nothing but
 * space-separated two-digit hex tokens (at least one). Returns the number
 * of bytes, or -1 (nothing appended) if s is anything else. */
static long hex_tokens(const char *s, uint8_t **out, size_t *len, size_t *cap)
{
    size_t count = 0;
    const char *p = s;
    while (*p) {
        if (*p == ' ') {
            p++;
            continue;
        }
        if (hexval(p[0]) < 0 || hexval(p[1]) < 0 || (p[2] != ' ' && p[2] != '\0'))
            return -1;
        count++;
        p += 2;
    }
    if (count == 0)
        return -1;
    if (*len + count > *cap) {
        *cap = (*len + count) * 2;
        *out = realloc(*out, *cap);
    }
    for (p = s; *p;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        (*out)[(*len)++] = (uint8_t)(hexval(p[0]) << 4 | hexval(p[1]));
        p += 2;
    }
    return (long)count;
}

static char *trim_dup(const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    char *r = malloc(n + 1);
    memcpy(r, s, n);
    r[n] = '\0';
    return r;
}

static void add_entry(struct rfc8448 *t, int section, const char *context, char *label,
                      uint8_t *data, size_t len, unsigned line)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 256;
        t->v = realloc(t->v, t->cap * sizeof(*t->v));
    }
    t->v[t->n++] = (struct rfc8448_entry){section, strdup(context), label, data, len, line};
}

static struct lines split_lines(char *text)
{
    struct lines L = {NULL, 0};
    size_t cap = 0;
    char *p = text;
    while (*p) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        /* Drop form feeds and carriage returns wherever they sit. */
        char *w = p;
        for (char *r = p; *r; r++)
            if (*r != '\f' && *r != '\r')
                *w++ = *r;
        *w = '\0';
        if (L.n == cap) {
            cap = cap ? cap * 2 : 4096;
            L.s = realloc(L.s, cap * sizeof(char *));
        }
        L.s[L.n++] = p;
        if (!nl)
            break;
        p = nl + 1;
    }
    return L;
}

/* A top-level section heading: digits, ".  ", title, at column 0. */
static bool section_heading(const char *s, int *out_num, const char **out_title)
{
    if (!isdigit((unsigned char)s[0]))
        return false;
    char *end;
    long n = strtol(s, &end, 10);
    if (!starts_with(end, ".  "))
        return false;
    *out_num = (int)n;
    *out_title = end + 3;
    return true;
}

struct rfc8448 *rfc8448_load(const char *path)
{
    size_t size;
    char *text = read_file(path, &size);
    if (!text) {
        fprintf(stderr, "rfc8448: cannot read %s\n", path);
        return NULL;
    }
    struct lines L = split_lines(text);
    struct rfc8448 *t = calloc(1, sizeof(*t));
    int section = 0;
    char *context = strdup("");
    bool ok = true;

    for (size_t i = 0; i < L.n && ok; i++) {
        const char *s = L.s[i];
        int num;
        const char *title;
        if (is_page_junk(s) || is_blank(s))
            continue;
        if (section_heading(s, &num, &title)) {
            section = num;
            free(context);
            context = trim_dup(title, strlen(title));
            continue;
        }
        if (section == 0)
            continue;
        if (starts_with(s, "   {")) {
            /* A context line, possibly wrapped onto following lines until
             * one ends with ':'. */
            size_t cap = strlen(s) + 1;
            char *c = trim_dup(s, strlen(s));
            for (int extra = 0; extra < 3 && c[strlen(c) - 1] != ':' && i + 1 < L.n; extra++) {
                char *more = trim_dup(L.s[i + 1], strlen(L.s[i + 1]));
                if (more[0] == '\0' || is_page_junk(L.s[i + 1])) {
                    free(more);
                    break;
                }
                i++;
                cap = strlen(c) + strlen(more) + 2;
                c = realloc(c, cap);
                strcat(c, " ");
                strcat(c, more);
                free(more);
            }
            size_t n = strlen(c);
            if (n && c[n - 1] == ':')
                c[n - 1] = '\0';
            free(context);
            context = c;
            continue;
        }
        /* A value: "<indent><label>[ (N octets)]:  <hex...>". */
        if (s[0] != ' ')
            continue;
        const char *colon = strchr(s, ':');
        if (!colon || colon[1] != ' ')
            continue;
        char *label = trim_dup(s, (size_t)(colon - s));
        long want = -1;
        char *paren = strstr(label, " octets)");
        if (paren && paren[strlen(" octets)")] == '\0') {
            char *open = strrchr(label, '(');
            if (open && open > label && open[-1] == ' ') {
                want = strtol(open + 1, NULL, 10);
                open[-1] = '\0';
            }
        }
        uint8_t *data = NULL;
        size_t len = 0, cap = 0;
        const char *rest = colon + 1;
        while (*rest == ' ')
            rest++;
        unsigned line = (unsigned)(i + 1);
        if (want >= 0) {
            /* "hash (0 octets):  (empty)" */
            if (want == 0 && strcmp(rest, "(empty)") == 0)
                rest = "";
            if (*rest && hex_tokens(rest, &data, &len, &cap) < 0) {
                fprintf(stderr, "rfc8448: %s:%u: value '%s' does not start with hex\n", path, line,
                        label);
                ok = false;
            }
            /* Continue across blank lines and page breaks until the block
             * holds its announced length. */
            while (ok && len < (size_t)want) {
                if (++i >= L.n) {
                    fprintf(stderr, "rfc8448: %s:%u: '%s' ends after %zu of %ld octets\n", path,
                            line, label, len, want);
                    ok = false;
                    break;
                }
                if (is_blank(L.s[i]) || is_page_junk(L.s[i]))
                    continue;
                if (hex_tokens(L.s[i], &data, &len, &cap) < 0) {
                    fprintf(stderr, "rfc8448: %s:%zu: '%s' has %zu of %ld octets, then text\n",
                            path, i + 1, label, len, want);
                    ok = false;
                }
            }
            if (ok && len != (size_t)want) {
                fprintf(stderr, "rfc8448: %s:%u: '%s' holds %zu octets, announced %ld\n", path,
                        line, label, len, want);
                ok = false;
            }
        } else {
            /* No announced length (section 2's key): hex on this line and
             * the following non-blank hex lines, or not a value at all. */
            if (*rest == '\0' || hex_tokens(rest, &data, &len, &cap) < 0) {
                free(label);
                free(data);
                continue;
            }
            while (i + 1 < L.n && !is_blank(L.s[i + 1]) &&
                   hex_tokens(L.s[i + 1], &data, &len, &cap) >= 0)
                i++;
        }
        if (!ok) {
            free(label);
            free(data);
            break;
        }
        add_entry(t, section, context, label, data ? data : calloc(1, 1), len, line);
    }
    free(context);
    free(L.s);
    free(text);
    if (!ok) {
        rfc8448_free(t);
        return NULL;
    }
    return t;
}

void rfc8448_free(struct rfc8448 *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        free((char *)t->v[i].context);
        free((char *)t->v[i].label);
        free((uint8_t *)t->v[i].data);
    }
    free(t->v);
    free(t);
}

size_t rfc8448_count(const struct rfc8448 *t)
{
    return t->n;
}

const struct rfc8448_entry *rfc8448_entry_at(const struct rfc8448 *t, size_t i)
{
    return i < t->n ? &t->v[i] : NULL;
}

const struct rfc8448_entry *rfc8448_find(const struct rfc8448 *t, int section,
                                         const char *context_substring, const char *label,
                                         size_t nth)
{
    for (size_t i = 0; i < t->n; i++) {
        const struct rfc8448_entry *e = &t->v[i];
        if (section && e->section != section)
            continue;
        if (context_substring && *context_substring && !strstr(e->context, context_substring))
            continue;
        if (label && strcmp(e->label, label) != 0)
            continue;
        if (nth-- == 0)
            return e;
    }
    return NULL;
}

const uint8_t *rfc8448_get(const struct rfc8448 *t, int section, const char *context_substring,
                           const char *label, size_t nth, size_t *out_len)
{
    const struct rfc8448_entry *e = rfc8448_find(t, section, context_substring, label, nth);
    if (!e)
        return NULL;
    if (out_len)
        *out_len = e->len;
    return e->data;
}

struct rfc8448 *rfc8448_load_default(void)
{
    return rfc8448_load(vector_path("rfc8448/rfc8448.txt"));
}
