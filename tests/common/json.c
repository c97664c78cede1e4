#include "json.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

struct parser {
    const char *s;
};

static void skip_ws(struct parser *p)
{
    while (*p->s == ' ' || *p->s == '\n' || *p->s == '\r' || *p->s == '\t')
        p->s++;
}

static struct json *new_node(enum json_type t)
{
    struct json *j = calloc(1, sizeof(*j));
    j->type = t;
    return j;
}

static void put_utf8(char *out, size_t *o, unsigned cp)
{
    if (cp < 0x80) {
        out[(*o)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*o)++] = (char)(0xc0 | cp >> 6);
        out[(*o)++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out[(*o)++] = (char)(0xe0 | cp >> 12);
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*o)++] = (char)(0x80 | (cp & 0x3f));
    } else {
        out[(*o)++] = (char)(0xf0 | cp >> 18);
        out[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*o)++] = (char)(0x80 | (cp & 0x3f));
    }
}

static char *parse_string(struct parser *p, size_t *out_len)
{
    if (*p->s != '"')
        return NULL;
    p->s++;
    const char *start = p->s;
    while (*p->s && *p->s != '"') {
        if (*p->s == '\\' && p->s[1])
            p->s++;
        p->s++;
    }
    if (*p->s != '"')
        return NULL;
    size_t raw = (size_t)(p->s - start);
    char *out = malloc(raw * 2 + 1);
    size_t o = 0;
    for (const char *c = start; c < p->s; c++) {
        if (*c != '\\') {
            out[o++] = *c;
            continue;
        }
        c++;
        switch (*c) {
        case 'n':
            out[o++] = '\n';
            break;
        case 't':
            out[o++] = '\t';
            break;
        case 'r':
            out[o++] = '\r';
            break;
        case 'b':
            out[o++] = '\b';
            break;
        case 'f':
            out[o++] = '\f';
            break;
        case 'u': {
            char hex[5] = {0};
            memcpy(hex, c + 1, 4);
            unsigned cp = (unsigned)strtoul(hex, NULL, 16);
            c += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && c[1] == '\\' && c[2] == 'u') {
                memcpy(hex, c + 3, 4);
                unsigned lo = (unsigned)strtoul(hex, NULL, 16);
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                c += 6;
            }
            put_utf8(out, &o, cp);
            break;
        }
        default:
            out[o++] = *c;
            break;
        }
    }
    out[o] = '\0';
    p->s++;
    *out_len = o;
    return out;
}

static struct json *parse_value(struct parser *p);

static struct json *parse_container(struct parser *p, int object)
{
    struct json *j = new_node(object ? JSON_OBJECT : JSON_ARRAY);
    size_t cap = 0;
    p->s++;
    skip_ws(p);
    if (*p->s == (object ? '}' : ']')) {
        p->s++;
        return j;
    }
    for (;;) {
        char *key = NULL;
        skip_ws(p);
        if (object) {
            size_t kl;
            key = parse_string(p, &kl);
            skip_ws(p);
            if (!key || *p->s != ':') {
                free(key);
                json_free(j);
                return NULL;
            }
            p->s++;
        }
        struct json *v = parse_value(p);
        if (!v) {
            free(key);
            json_free(j);
            return NULL;
        }
        if (j->n == cap) {
            cap = cap ? cap * 2 : 8;
            j->items = realloc(j->items, cap * sizeof(*j->items));
            if (object)
                j->keys = realloc(j->keys, cap * sizeof(*j->keys));
        }
        j->items[j->n] = v;
        if (object)
            j->keys[j->n] = key;
        j->n++;
        skip_ws(p);
        if (*p->s == ',') {
            p->s++;
            continue;
        }
        if (*p->s == (object ? '}' : ']')) {
            p->s++;
            return j;
        }
        json_free(j);
        return NULL;
    }
}

static struct json *parse_value(struct parser *p)
{
    skip_ws(p);
    struct json *j;
    switch (*p->s) {
    case '{':
        return parse_container(p, 1);
    case '[':
        return parse_container(p, 0);
    case '"':
        j = new_node(JSON_STRING);
        j->string = parse_string(p, &j->string_len);
        if (!j->string) {
            free(j);
            return NULL;
        }
        return j;
    case 't':
        if (strncmp(p->s, "true", 4) != 0)
            return NULL;
        p->s += 4;
        j = new_node(JSON_BOOL);
        j->boolean = 1;
        return j;
    case 'f':
        if (strncmp(p->s, "false", 5) != 0)
            return NULL;
        p->s += 5;
        return new_node(JSON_BOOL);
    case 'n':
        if (strncmp(p->s, "null", 4) != 0)
            return NULL;
        p->s += 4;
        return new_node(JSON_NULL);
    default: {
        char *end;
        double d = strtod(p->s, &end);
        if (end == p->s)
            return NULL;
        p->s = end;
        j = new_node(JSON_NUMBER);
        j->number = d;
        return j;
    }
    }
}

struct json *json_parse(const char *text)
{
    struct parser p = {text};
    return parse_value(&p);
}

struct json *json_parse_file(const char *path)
{
    char *text = read_file(path, NULL);
    if (!text)
        return NULL;
    struct json *j = json_parse(text);
    free(text);
    return j;
}

void json_free(struct json *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->n; i++) {
        json_free(j->items[i]);
        if (j->keys)
            free(j->keys[i]);
    }
    free(j->items);
    free(j->keys);
    free(j->string);
    free(j);
}

const struct json *json_get(const struct json *obj, const char *key)
{
    if (!obj || obj->type != JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return obj->items[i];
    return NULL;
}

const char *json_str(const struct json *obj, const char *key)
{
    const struct json *v = json_get(obj, key);
    return v && v->type == JSON_STRING ? v->string : NULL;
}

double json_num(const struct json *obj, const char *key, double def)
{
    const struct json *v = json_get(obj, key);
    return v && v->type == JSON_NUMBER ? v->number : def;
}
