/* HTTP/1.1 heads and bodies for the tern command (RFC 9110, RFC 9112).
 *
 * Everything is read through the bytes reader, one octet at a time where the
 * grammar needs it: heads are at most HTTP_MAX_HEAD bytes, so clarity wins
 * over speed here. The server side is strict (anything ambiguous is a 400,
 * because a lenient parser in front of a file system is how path escapes
 * and request smuggling start); the client side accepts what real servers
 * send. */
#include "http.h"

#include "tbuf.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

__attribute__((format(printf, 4, 5))) static int fail(int code, char *why, size_t cap,
                                                      const char *fmt, ...)
{
    if (why && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, cap, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* tchar (RFC 9110 §5.6.2). */
static bool is_tchar(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool tbr_peek(const struct tbr *r, uint8_t *c)
{
    struct tbr t = *r;
    return tbr_u8(&t, c);
}

/* next_line splits the next line (without its CRLF or bare LF, RFC 9112
 * §2.2) off r. Returns 1 with a line, 0 when r holds no complete line, -1
 * when a CR appears anywhere but before the LF. */
static int next_line(struct tbr *r, struct tbr *line)
{
    struct tbr t = *r;
    size_t n = 0;
    uint8_t c, prev = 0;
    bool bad_cr = false;
    while (tbr_u8(&t, &c)) {
        if (c == '\n') {
            size_t body = prev == '\r' ? n - 1 : n;
            if (bad_cr)
                return -1;
            if (!tbr_sub(r, line, body) || !tbr_skip(r, n - body + 1))
                return -1;
            return 1;
        }
        if (prev == '\r')
            bad_cr = true;
        prev = c;
        n++;
    }
    return 0;
}

/* Case-insensitive match of a whole reader against a literal. */
static bool tbr_is(const struct tbr *r, const char *lit)
{
    struct tbr t = *r;
    uint8_t c;
    for (; *lit; lit++)
        if (!tbr_u8(&t, &c) || tolower(c) != tolower((unsigned char)*lit))
            return false;
    return tbr_empty(&t);
}

/* Trim optional whitespace (SP / HTAB) from both ends. */
static void tbr_trim(struct tbr *r)
{
    uint8_t c;
    while (tbr_peek(r, &c) && (c == ' ' || c == '\t') && tbr_skip(r, 1))
        ;
    size_t keep = 0, i = 0;
    struct tbr t = *r;
    while (tbr_u8(&t, &c)) {
        i++;
        if (c != ' ' && c != '\t')
            keep = i;
    }
    struct tbr head;
    if (tbr_sub(r, &head, keep))
        *r = head;
}

static void tbr_to_str(const struct tbr *r, char *out, size_t cap)
{
    struct tbr t = *r;
    size_t n = 0;
    uint8_t c;
    while (n + 1 < cap && tbr_u8(&t, &c))
        out[n++] = (char)(c >= 0x20 && c < 0x7f ? c : '?');
    if (cap)
        out[n] = 0;
}

/* Parse a decimal Content-Length (RFC 9110 §8.6); a list of identical
 * values is allowed, as the RFC permits a recipient to accept it. */
static bool parse_length(const struct tbr *value, uint64_t *out)
{
    struct tbr t = *value;
    uint64_t v = 0, first = 0;
    bool have = false, digit = false;
    uint8_t c;
    for (;;) {
        bool more = tbr_u8(&t, &c);
        if (more && c >= '0' && c <= '9') {
            if (v > (UINT64_MAX - 9) / 10)
                return false;
            v = v * 10 + (uint64_t)(c - '0');
            digit = true;
            continue;
        }
        if (more && (c == ' ' || c == '\t'))
            continue;
        if (!digit)
            return false;
        if (have && v != first)
            return false;
        first = v;
        have = true;
        if (!more)
            break;
        if (c != ',')
            return false;
        v = 0;
        digit = false;
    }
    *out = first;
    return true;
}

/* Does the comma-separated list in value hold token (case-insensitive)? */
static bool list_has(const struct tbr *value, const char *token)
{
    struct tbr t = *value;
    while (!tbr_empty(&t)) {
        struct tbr s = t, item;
        size_t n = 0;
        uint8_t c;
        while (tbr_u8(&s, &c) && c != ',')
            n++;
        if (!tbr_sub(&t, &item, n))
            return false;
        tbr_trim(&item);
        if (tbr_is(&item, token))
            return true;
        if (!tbr_skip(&t, 1))
            break;
    }
    return false;
}

/* The last element of a comma-separated list. */
static void list_last(const struct tbr *value, struct tbr *out)
{
    struct tbr t = *value;
    *out = t;
    while (!tbr_empty(&t)) {
        struct tbr s = t, item;
        size_t n = 0;
        uint8_t c;
        while (tbr_u8(&s, &c) && c != ',')
            n++;
        if (!tbr_sub(&t, &item, n))
            return;
        *out = item;
        if (!tbr_skip(&t, 1))
            break;
    }
    tbr_trim(out);
}

struct field {
    struct tbr name, value;
};

/* parse_field splits "name: value" (RFC 9112 §5.1: no whitespace between
 * the name and the colon; obsolete line folding is refused, §5.2). */
static bool parse_field(struct tbr line, struct field *f)
{
    uint8_t c;
    size_t n = 0;
    struct tbr t = line;
    while (tbr_u8(&t, &c) && is_tchar(c))
        n++;
    if (n == 0 || !tbr_sub(&line, &f->name, n) || !tbr_u8(&line, &c) || c != ':')
        return false;
    f->value = line;
    t = line;
    while (tbr_u8(&t, &c))
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return false;
    tbr_trim(&f->value);
    return true;
}

/* ---- the request ---- */

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int http_normalize_path(const char *raw, size_t raw_len, char *out, size_t cap, char *why,
                        size_t why_cap)
{
    struct tbr r;
    tbr_init(&r, (const uint8_t *)raw, raw_len);
    uint8_t c;
    if (!tbr_u8(&r, &c) || c != '/')
        return fail(400, why, why_cap, "the path does not start with '/'");
    if (cap < 2)
        return fail(414, why, why_cap, "the path is too long");
    size_t o = 0;
    out[o++] = '/';
    /* seg: where the current segment starts in out. */
    size_t seg = o;
    bool end = false;
    while (!end) {
        bool sep;
        uint8_t d;
        if (!tbr_u8(&r, &c)) {
            end = true;
            sep = true;
            d = 0;
        } else if (c == '/') {
            sep = true;
            d = '/';
        } else if (c == '%') {
            uint8_t h, l;
            int hv, lv;
            if (!tbr_u8(&r, &h) || !tbr_u8(&r, &l) || (hv = hexval(h)) < 0 || (lv = hexval(l)) < 0)
                return fail(400, why, why_cap, "the path has a malformed percent escape");
            d = (uint8_t)(hv * 16 + lv);
            /* An encoded slash would let one segment hide a separator from
             * this check and reveal it to the file system. */
            if (d == '/')
                return fail(403, why, why_cap, "the path contains an encoded slash (%%2f)");
            sep = false;
        } else {
            d = c;
            sep = false;
        }
        if (!sep) {
            if (d == '\\')
                return fail(403, why, why_cap, "the path contains a backslash");
            if (d == 0)
                return fail(403, why, why_cap, "the path contains a NUL byte");
            if (d < 0x20 || d == 0x7f)
                return fail(403, why, why_cap, "the path contains control byte 0x%02x", d);
            if (o + 2 > cap)
                return fail(414, why, why_cap, "the path is longer than %zu bytes", cap - 1);
            out[o++] = (char)d;
            continue;
        }
        /* A segment ended: fold "", drop ".", refuse "..". */
        size_t n = o - seg;
        if (n == 2 && out[seg] == '.' && out[seg + 1] == '.')
            return fail(403, why, why_cap, "the path contains a '..' segment");
        if (n == 1 && out[seg] == '.') {
            o = seg;
        } else if (n > 0 && !end) {
            if (o + 2 > cap)
                return fail(414, why, why_cap, "the path is longer than %zu bytes", cap - 1);
            out[o++] = '/';
            seg = o;
        }
    }
    out[o] = 0;
    return 0;
}

int http_parse_request(const uint8_t *buf, size_t len, struct http_request *req, char *why,
                       size_t why_cap)
{
    memset(req, 0, sizeof(*req));
    struct tbr r, line;
    tbr_init(&r, buf, len < HTTP_MAX_HEAD ? len : HTTP_MAX_HEAD);
    int got;
    /* RFC 9112 §2.2: ignore empty lines before the request line. */
    for (;;) {
        got = next_line(&r, &line);
        if (got < 0)
            return fail(400, why, why_cap, "a line of the request has a stray CR");
        if (got == 0)
            goto incomplete;
        if (!tbr_empty(&line))
            break;
    }

    /* request-line = method SP request-target SP HTTP-version (RFC 9112 §3) */
    struct tbr method, target, version, t = line;
    size_t n = 0;
    uint8_t c;
    while (tbr_u8(&t, &c) && is_tchar(c))
        n++;
    if (n == 0 || n > 32 || !tbr_sub(&line, &method, n) || !tbr_u8(&line, &c) || c != ' ')
        return fail(400, why, why_cap, "the request line does not start with a method and a space");
    t = line;
    n = 0;
    while (tbr_u8(&t, &c) && c > 0x20 && c < 0x7f)
        n++;
    if (n == 0 || !tbr_sub(&line, &target, n) || !tbr_u8(&line, &c) || c != ' ')
        return fail(400, why, why_cap,
                    "the request target is missing or holds a byte outside visible ASCII");
    version = line;
    tbr_to_str(&target, req->target, sizeof(req->target));
    {
        const uint8_t *v;
        if (version.len != 8 || !tbr_bytes(&version, &v, 8) || memcmp(v, "HTTP/", 5) != 0 ||
            !isdigit(v[5]) || v[6] != '.' || !isdigit(v[7]))
            return fail(400, why, why_cap, "the request line does not end with an HTTP version");
        if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
            return fail(505, why, why_cap, "HTTP version %c.%c is not supported", v[5], v[7]);
        req->minor = v[7] - '0';
    }
    /* Methods are case-sensitive (RFC 9110 §9.1). */
    if (method.len == 3 && !memcmp(method.p, "GET", 3))
        strcpy(req->method, "GET");
    else if (method.len == 4 && !memcmp(method.p, "HEAD", 4))
        strcpy(req->method, "HEAD");
    else {
        char m[16];
        tbr_to_str(&method, m, sizeof(m));
        return fail(405, why, why_cap, "method %s is not served (only GET and HEAD)", m);
    }

    /* The target: origin-form, or absolute-form which a server must accept
     * (RFC 9112 §3.2.2); its path is what counts. */
    struct tbr path = target;
    if (tbr_peek(&path, &c) && c != '/') {
        struct tbr scheme = path;
        size_t sn = 0;
        t = path;
        while (tbr_u8(&t, &c) && c != ':')
            sn++;
        struct tbr sch;
        if (!tbr_sub(&scheme, &sch, sn) || !(tbr_is(&sch, "http") || tbr_is(&sch, "https")) ||
            !tbr_skip(&scheme, 1))
            return fail(400, why, why_cap,
                        "the request target is neither a path nor an http(s) URL");
        const uint8_t *slashes;
        if (!tbr_bytes(&scheme, &slashes, 2) || slashes[0] != '/' || slashes[1] != '/')
            return fail(400, why, why_cap,
                        "the request target is neither a path nor an http(s) URL");
        t = scheme;
        sn = 0;
        while (tbr_u8(&t, &c) && c != '/' && c != '?')
            sn++;
        if (!tbr_skip(&scheme, sn))
            return fail(400, why, why_cap, "the request target is malformed");
        path = scheme;
        req->has_host = sn > 0;
    }
    /* Cut the query; a fragment is never sent (RFC 9110 §4.2.4). */
    t = path;
    n = 0;
    while (tbr_u8(&t, &c) && c != '?') {
        if (c == '#')
            return fail(400, why, why_cap, "the request target contains a '#' fragment");
        n++;
    }
    struct tbr p;
    if (!tbr_sub(&path, &p, n))
        return fail(400, why, why_cap, "the request target is malformed");
    if (tbr_empty(&p)) {
        strcpy(req->path, "/");
    } else {
        int rc = http_normalize_path((const char *)p.p, p.len, req->path, sizeof(req->path), why,
                                     why_cap);
        if (rc)
            return rc;
    }

    /* Header fields until the empty line (RFC 9112 §5). */
    bool conn_close = false, conn_keep = false;
    int fields = 0, hosts = 0;
    for (;;) {
        got = next_line(&r, &line);
        if (got < 0)
            return fail(400, why, why_cap, "a header line has a stray CR");
        if (got == 0)
            goto incomplete;
        if (tbr_empty(&line))
            break;
        if (tbr_peek(&line, &c) && (c == ' ' || c == '\t'))
            return fail(400, why, why_cap, "obsolete header line folding is not accepted");
        if (++fields > HTTP_MAX_HEADERS)
            return fail(431, why, why_cap, "the request has more than %d header fields",
                        HTTP_MAX_HEADERS);
        struct field f;
        if (!parse_field(line, &f))
            return fail(400, why, why_cap, "header line %d is not 'name: value'", fields);
        if (tbr_is(&f.name, "host")) {
            hosts++;
            if (tbr_empty(&f.value))
                return fail(400, why, why_cap, "the Host header is empty");
        } else if (tbr_is(&f.name, "connection")) {
            conn_close |= list_has(&f.value, "close");
            conn_keep |= list_has(&f.value, "keep-alive");
        } else if (tbr_is(&f.name, "content-length")) {
            uint64_t cl;
            if (!parse_length(&f.value, &cl))
                return fail(400, why, why_cap, "the Content-Length is not a number");
            /* A GET or HEAD body has no meaning here (RFC 9110 §9.3.1), and
             * not reading one would desynchronise the connection. */
            if (cl != 0)
                return fail(400, why, why_cap, "a request body (%llu bytes) is not accepted",
                            (unsigned long long)cl);
        } else if (tbr_is(&f.name, "transfer-encoding")) {
            return fail(400, why, why_cap, "a request with Transfer-Encoding is not accepted");
        }
    }
    /* RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host. */
    if (hosts > 1)
        return fail(400, why, why_cap, "the request has %d Host headers", hosts);
    if (hosts == 0 && req->minor == 1 && !req->has_host)
        return fail(400, why, why_cap, "the HTTP/1.1 request has no Host header");
    req->has_host = req->has_host || hosts == 1;
    req->keep_alive = req->minor == 1 ? !conn_close : (conn_keep && !conn_close);
    req->head_len = (len < HTTP_MAX_HEAD ? len : HTTP_MAX_HEAD) - r.len;
    return HTTP_DONE;

incomplete:
    if (len >= HTTP_MAX_HEAD)
        return fail(431, why, why_cap, "the request head is larger than %d bytes", HTTP_MAX_HEAD);
    return HTTP_INCOMPLETE;
}

/* ---- the response ---- */

int http_parse_response(const uint8_t *buf, size_t len, bool head_request,
                        struct http_response *resp, char *why, size_t why_cap)
{
    memset(resp, 0, sizeof(*resp));
    struct tbr r, line;
    tbr_init(&r, buf, len < HTTP_MAX_HEAD ? len : HTTP_MAX_HEAD);
    int got = next_line(&r, &line);
    if (got < 0)
        return fail(-1, why, why_cap, "the server's status line has a stray CR");
    if (got == 0)
        goto incomplete;

    /* status-line = HTTP-version SP status-code SP [ reason-phrase ] */
    const uint8_t *v;
    uint8_t c;
    if (!tbr_bytes(&line, &v, 12) || memcmp(v, "HTTP/1.", 7) != 0 || !isdigit(v[7]) ||
        v[8] != ' ' || !isdigit(v[9]) || !isdigit(v[10]) || !isdigit(v[11]))
        return fail(-1, why, why_cap,
                    "the server's answer does not start with an HTTP/1.x status line");
    resp->minor = v[7] - '0';
    resp->status = (v[9] - '0') * 100 + (v[10] - '0') * 10 + (v[11] - '0');
    if (resp->status < 100)
        return fail(-1, why, why_cap, "the server sent status %d, which is not a status code",
                    resp->status);
    if (tbr_u8(&line, &c) && c != ' ')
        return fail(-1, why, why_cap, "the server's status line is malformed");
    tbr_to_str(&line, resp->reason, sizeof(resp->reason));

    bool te = false, chunked = false, have_cl = false, conn_close = false, conn_keep = false;
    int fields = 0;
    for (;;) {
        got = next_line(&r, &line);
        if (got < 0)
            return fail(-1, why, why_cap, "a header line of the response has a stray CR");
        if (got == 0)
            goto incomplete;
        if (tbr_empty(&line))
            break;
        if (++fields > HTTP_MAX_HEADERS * 2)
            return fail(-1, why, why_cap, "the response has more than %d header fields",
                        HTTP_MAX_HEADERS * 2);
        struct field f;
        if (!parse_field(line, &f))
            return fail(-1, why, why_cap, "response header line %d is not 'name: value'", fields);
        if (tbr_is(&f.name, "content-length")) {
            uint64_t cl;
            if (!parse_length(&f.value, &cl) || (have_cl && cl != resp->content_length))
                return fail(-1, why, why_cap, "the response's Content-Length is invalid");
            resp->content_length = cl;
            have_cl = true;
        } else if (tbr_is(&f.name, "transfer-encoding")) {
            struct tbr last;
            list_last(&f.value, &last);
            te = true;
            chunked = tbr_is(&last, "chunked");
        } else if (tbr_is(&f.name, "connection")) {
            conn_close |= list_has(&f.value, "close");
            conn_keep |= list_has(&f.value, "keep-alive");
        } else if (tbr_is(&f.name, "location")) {
            tbr_to_str(&f.value, resp->location, sizeof(resp->location));
        } else if (tbr_is(&f.name, "content-type")) {
            tbr_to_str(&f.value, resp->content_type, sizeof(resp->content_type));
        }
    }
    resp->head_len = (len < HTTP_MAX_HEAD ? len : HTTP_MAX_HEAD) - r.len;

    /* How the body ends: RFC 9112 §6.3, in its order. */
    if (head_request || resp->status / 100 == 1 || resp->status == 204 || resp->status == 304)
        resp->framing = HTTP_BODY_NONE;
    else if (te)
        resp->framing = chunked ? HTTP_BODY_CHUNKED : HTTP_BODY_CLOSE;
    else if (have_cl)
        resp->framing = resp->content_length ? HTTP_BODY_LENGTH : HTTP_BODY_NONE;
    else
        resp->framing = HTTP_BODY_CLOSE;
    resp->keep_alive = resp->framing != HTTP_BODY_CLOSE &&
                       (resp->minor >= 1 ? !conn_close : (conn_keep && !conn_close));
    return HTTP_DONE;

incomplete:
    if (len >= HTTP_MAX_HEAD)
        return fail(-1, why, why_cap, "the response head is larger than %d bytes", HTTP_MAX_HEAD);
    return HTTP_INCOMPLETE;
}

/* ---- chunked transfer coding (RFC 9112 §7.1) ---- */

enum { CH_SIZE, CH_DATA, CH_DATA_CR, CH_DATA_LF, CH_TRAILER, CH_DONE };
#define CH_MAX_LINE 4096

void http_chunked_init(struct http_chunked *d)
{
    memset(d, 0, sizeof(*d));
    d->state = CH_SIZE;
}

int http_chunked_feed(struct http_chunked *d, const uint8_t *in, size_t len, size_t *used,
                      void (*sink)(void *arg, const uint8_t *p, size_t n), void *arg, char *why,
                      size_t why_cap)
{
    struct tbr r;
    tbr_init(&r, in, len);
    uint8_t c;
    *used = 0;
    while (d->state != CH_DONE && !tbr_empty(&r)) {
        switch (d->state) {
        case CH_SIZE: {
            if (!tbr_u8(&r, &c))
                break;
            if (++d->line_len > CH_MAX_LINE)
                return fail(-1, why, why_cap, "a chunk-size line is longer than %d bytes",
                            CH_MAX_LINE);
            if (c == '\n') {
                if (!d->seen_digit)
                    return fail(-1, why, why_cap, "a chunk has no size");
                d->line_len = 0;
                d->seen_digit = false;
                d->in_ext = false;
                d->state = d->remaining ? CH_DATA : CH_TRAILER;
                d->line_empty = true;
                break;
            }
            if (d->in_ext || c == '\r')
                break; /* chunk extensions are ignored (§7.1.1) */
            if (c == ';' || c == ' ' || c == '\t') {
                if (!d->seen_digit)
                    return fail(-1, why, why_cap, "a chunk has no size");
                d->in_ext = true;
                break;
            }
            int h = hexval(c);
            if (h < 0)
                return fail(-1, why, why_cap, "a chunk size holds byte 0x%02x", c);
            if (d->remaining >> 59)
                return fail(-1, why, why_cap, "a chunk size is too large");
            d->remaining = d->remaining * 16 + (uint64_t)h;
            d->seen_digit = true;
            break;
        }
        case CH_DATA: {
            size_t n = r.len < d->remaining ? r.len : (size_t)d->remaining;
            const uint8_t *p;
            if (!tbr_bytes(&r, &p, n))
                return fail(-1, why, why_cap, "internal error in the chunk decoder");
            sink(arg, p, n);
            d->remaining -= n;
            if (!d->remaining)
                d->state = CH_DATA_CR;
            break;
        }
        case CH_DATA_CR:
        case CH_DATA_LF:
            if (!tbr_u8(&r, &c))
                break;
            if (c == '\r' && d->state == CH_DATA_CR)
                d->state = CH_DATA_LF;
            else if (c == '\n')
                d->state = CH_SIZE;
            else
                return fail(-1, why, why_cap, "a chunk's data is not followed by CRLF");
            break;
        case CH_TRAILER:
            if (!tbr_u8(&r, &c))
                break;
            if (c == '\n') {
                if (d->line_empty)
                    d->state = CH_DONE;
                d->line_empty = true;
                d->line_len = 0;
            } else if (c != '\r') {
                d->line_empty = false;
                if (++d->line_len > CH_MAX_LINE)
                    return fail(-1, why, why_cap, "a trailer line is longer than %d bytes",
                                CH_MAX_LINE);
            }
            break;
        }
    }
    *used = len - r.len;
    return d->state == CH_DONE ? 1 : 0;
}

/* ---- names ---- */

const char *http_content_type(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"txt", "text/plain; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"json", "application/json"},
        {"xml", "application/xml"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"webp", "image/webp"},
        {"ico", "image/vnd.microsoft.icon"},
        {"avif", "image/avif"},
        {"pdf", "application/pdf"},
        {"wasm", "application/wasm"},
        {"woff", "font/woff"},
        {"woff2", "font/woff2"},
        {"md", "text/markdown; charset=utf-8"},
        {"csv", "text/csv; charset=utf-8"},
        {"pem", "application/x-pem-file"},
        {"crt", "application/x-x509-ca-cert"},
        {"mp4", "video/mp4"},
        {"webm", "video/webm"},
        {"mp3", "audio/mpeg"},
        {"ogg", "audio/ogg"},
        {"zip", "application/zip"},
        {"gz", "application/gzip"},
        {"tar", "application/x-tar"},
    };
    const char *dot = strrchr(name, '.');
    const char *slash = strrchr(name, '/');
    if (dot && (!slash || dot > slash))
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
            if (!strcasecmp(dot + 1, types[i].ext))
                return types[i].type;
    return "application/octet-stream";
}

const char *http_reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 204:
        return "No Content";
    case 301:
        return "Moved Permanently";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 414:
        return "URI Too Long";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Unknown";
    }
}

/* ---- URLs ---- */

int http_parse_url(const char *url, struct http_url *u, char *why, size_t why_cap)
{
    memset(u, 0, sizeof(*u));
    if (!strncasecmp(url, "http://", 7))
        return fail(-1, why, why_cap, "'%s' is plain http; tern get fetches https:// URLs only",
                    url);
    if (strncasecmp(url, "https://", 8) != 0)
        return fail(-1, why, why_cap, "'%s' is not an https:// URL", url);
    const char *a = url + 8;
    size_t alen = strcspn(a, "/?#");
    const char *rest = a + alen;
    if (memchr(a, '@', alen))
        return fail(-1, why, why_cap, "the URL carries a user name, which tern get does not send");
    const char *host = a, *port = NULL;
    size_t hlen;
    if (alen && a[0] == '[') {
        const char *close = memchr(a, ']', alen);
        if (!close)
            return fail(-1, why, why_cap, "the IPv6 address in '%s' has no closing ']'", url);
        host = a + 1;
        hlen = (size_t)(close - host);
        if (close + 1 < rest) {
            if (close[1] != ':')
                return fail(-1, why, why_cap, "unexpected text after ']' in '%s'", url);
            port = close + 2;
        }
    } else {
        const char *colon = memchr(a, ':', alen);
        hlen = colon ? (size_t)(colon - a) : alen;
        if (colon)
            port = colon + 1;
    }
    if (hlen == 0 || hlen >= sizeof(u->host))
        return fail(-1, why, why_cap, "the URL '%s' has no usable host name", url);
    memcpy(u->host, host, hlen);
    for (size_t i = 0; i < hlen; i++)
        if ((unsigned char)host[i] <= 0x20 || host[i] == 0x7f)
            return fail(-1, why, why_cap, "the host in '%s' contains a space or control byte", url);
    if (port) {
        size_t plen = (size_t)(rest - port);
        unsigned long pv = 0;
        if (plen == 0 || plen > 5)
            return fail(-1, why, why_cap, "the port in '%s' is not a number from 1 to 65535", url);
        for (size_t i = 0; i < plen; i++) {
            if (!isdigit((unsigned char)port[i]))
                return fail(-1, why, why_cap, "the port in '%s' is not a number from 1 to 65535",
                            url);
            pv = pv * 10 + (unsigned long)(port[i] - '0');
        }
        if (pv == 0 || pv > 65535)
            return fail(-1, why, why_cap, "the port in '%s' is not a number from 1 to 65535", url);
        snprintf(u->port, sizeof(u->port), "%lu", pv);
    } else {
        strcpy(u->port, "443");
    }
    size_t plen = strcspn(rest, "#");
    for (size_t i = 0; i < plen; i++)
        if ((unsigned char)rest[i] <= 0x20 || rest[i] == 0x7f)
            return fail(-1, why, why_cap,
                        "the URL's path contains a space or control byte; percent-encode it");
    if (plen + 2 > sizeof(u->path))
        return fail(-1, why, why_cap, "the URL's path is longer than %zu bytes",
                    sizeof(u->path) - 2);
    if (plen == 0 || rest[0] == '?')
        u->path[0] = '/';
    memcpy(u->path + strlen(u->path), rest, plen);
    return 0;
}
