/* A small JSON reader for test vectors (Wycheproof, x509-limbo). Test code
 * only: it trusts its input to be well-formed JSON and returns NULL where it
 * is not. */
#ifndef TERN_TEST_JSON_H
#define TERN_TEST_JSON_H

#include <stddef.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
    enum json_type type;
    double number;
    int boolean;
    char *string; /* JSON_STRING: decoded, NUL-terminated */
    size_t string_len;
    struct json **items; /* JSON_ARRAY values, JSON_OBJECT values */
    char **keys;         /* JSON_OBJECT keys */
    size_t n;
};

/* json_parse parses text; free the result with json_free. */
struct json *json_parse(const char *text);
struct json *json_parse_file(const char *path);
void json_free(struct json *j);
/* json_get: an object's member, or NULL. */
const struct json *json_get(const struct json *obj, const char *key);
/* json_str: the member's string, or NULL if missing or not a string. */
const char *json_str(const struct json *obj, const char *key);
/* json_num: the member's number, or def. */
double json_num(const struct json *obj, const char *key, double def);

#endif
