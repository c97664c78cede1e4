/* HTTP/1.1 for the tern command (RFC 9110, RFC 9112): the request parser
 * `tern serve` uses, with the path rules that keep it inside its folder,
 * and the response parser and body decoders `tern get` uses.
 *
 * Pure functions over byte buffers; nothing here touches a socket. */
#ifndef TERN_TOOLS_HTTP_H
#define TERN_TOOLS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEAD    8192 /* request or response head, request line included */
#define HTTP_MAX_HEADERS 64   /* header fields in one head */
#define HTTP_MAX_PATH    2048 /* decoded path */
#define HTTP_WHY_MAX     160

/* Results of the parsers besides an HTTP status code for a rejected request. */
#define HTTP_DONE       0 /* a whole head was parsed */
#define HTTP_INCOMPLETE 1 /* more bytes are needed */

struct http_request {
    char method[8];             /* "GET" or "HEAD" */
    char path[HTTP_MAX_PATH];   /* decoded, normalised, starts with '/', no ".." */
    char target[HTTP_MAX_PATH]; /* the request-target as sent (for the log), truncated */
    int minor;                  /* HTTP/1.minor */
    bool keep_alive;            /* the connection may carry another request */
    bool has_host;
    size_t head_len; /* bytes of buf the head took */
};

/* http_parse_request parses the head at the start of buf. Returns
 * HTTP_DONE, HTTP_INCOMPLETE (no blank line yet, and fewer than
 * HTTP_MAX_HEAD bytes), or the status code to answer with: 400 malformed,
 * 403 a path that tries to leave the root, 405 a method other than GET and
 * HEAD, 431 a head too large or with too many fields, 505 an HTTP version
 * other than 1.0 and 1.1. why receives a sentence for the log. */
int http_parse_request(const uint8_t *buf, size_t len, struct http_request *req, char *why,
                       size_t why_cap);

/* http_normalize_path decodes a request path (without query) into out:
 * percent-decoding, "." segments dropped, repeated slashes folded. It
 * refuses (returns 403, or 400 for a bad escape) any ".." segment, an
 * encoded slash (%2f), a backslash, a NUL or control byte: such a path can
 * only be an attempt to leave the served folder, so it is refused rather
 * than resolved. Returns 0 on success. */
int http_normalize_path(const char *raw, size_t raw_len, char *out, size_t cap, char *why,
                        size_t why_cap);

enum http_framing {
    HTTP_BODY_NONE = 0,    /* HEAD, 1xx, 204, 304 */
    HTTP_BODY_LENGTH = 1,  /* Content-Length */
    HTTP_BODY_CHUNKED = 2, /* Transfer-Encoding: chunked */
    HTTP_BODY_CLOSE = 3,   /* until the connection closes */
};

struct http_response {
    int status;
    int minor;
    char reason[128];
    enum http_framing framing;
    uint64_t content_length;
    bool keep_alive;
    char location[HTTP_MAX_PATH];
    char content_type[128];
    size_t head_len;
};

/* http_parse_response parses a response head (RFC 9112 §4, §6.3 for how
 * the body is delimited). head_request: the request was HEAD, so no body
 * follows. Returns HTTP_DONE, HTTP_INCOMPLETE, or -1 with a sentence in why. */
int http_parse_response(const uint8_t *buf, size_t len, bool head_request,
                        struct http_response *resp, char *why, size_t why_cap);

/* The chunked transfer coding (RFC 9112 §7.1), decoded incrementally. */
struct http_chunked {
    int state;
    uint64_t remaining; /* bytes left in the current chunk */
    size_t line_len;    /* length of the size or trailer line so far */
    bool seen_digit;
    bool in_ext;
    bool line_empty;
};
void http_chunked_init(struct http_chunked *d);
/* http_chunked_feed decodes len bytes of in, handing the body's bytes to
 * sink. Returns 0 to ask for more, 1 when the last chunk and trailers have
 * ended (*used says how many bytes of in were taken), -1 on malformed input
 * with a sentence in why. */
int http_chunked_feed(struct http_chunked *d, const uint8_t *in, size_t len, size_t *used,
                      void (*sink)(void *arg, const uint8_t *p, size_t n), void *arg, char *why,
                      size_t why_cap);

/* http_content_type names the media type for a file name by its extension. */
const char *http_content_type(const char *name);
/* http_reason: the reason phrase for a status code. */
const char *http_reason(int status);

/* A parsed https URL. */
struct http_url {
    char host[256]; /* without brackets for IPv6 literals */
    char port[8];
    char path[HTTP_MAX_PATH]; /* origin-form: path and query, "/" at least */
};
/* http_parse_url accepts https://host[:port][/path...]; returns 0 or -1. */
int http_parse_url(const char *url, struct http_url *u, char *why, size_t why_cap);

#endif
