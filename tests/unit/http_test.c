/* The tool's HTTP/1.1 parsers: requests (strict, with the path rules that
 * keep `tern serve` inside its folder), responses, chunked bodies, URLs. */
#include "http.h"
#include "test.h"

#include <string.h>

static char why[HTTP_WHY_MAX];

static int req(const char *text, struct http_request *r)
{
    why[0] = 0;
    return http_parse_request((const uint8_t *)text, strlen(text), r, why, sizeof(why));
}

static void test_request_ok(void)
{
    struct http_request r;
    CHECK_EQ(req("GET /index.html HTTP/1.1\r\nHost: localhost\r\nUser-Agent: t\r\n\r\n", &r),
             HTTP_DONE);
    CHECK(!strcmp(r.method, "GET"));
    CHECK(!strcmp(r.path, "/index.html"));
    CHECK_EQ(r.minor, 1);
    CHECK(r.keep_alive);
    CHECK_EQ(r.head_len,
             strlen("GET /index.html HTTP/1.1\r\nHost: localhost\r\nUser-Agent: t\r\n\r\n"));

    /* A second request pipelined after the first is not part of its head. */
    const char *two = "HEAD / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /x HTTP/1.1\r\n";
    CHECK_EQ(req(two, &r), HTTP_DONE);
    CHECK(!strcmp(r.method, "HEAD"));
    CHECK(!r.keep_alive);
    CHECK_EQ(r.head_len, strlen("HEAD / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));

    /* HTTP/1.0: no Host needed, keep-alive only when asked. */
    CHECK_EQ(req("GET / HTTP/1.0\r\n\r\n", &r), HTTP_DONE);
    CHECK(!r.keep_alive);
    CHECK_EQ(req("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &r), HTTP_DONE);
    CHECK(r.keep_alive);

    /* Bare LF line ends, leading empty lines, query strings, absolute form. */
    CHECK_EQ(req("\r\nGET /a/b?x=1 HTTP/1.1\nHost: h\n\n", &r), HTTP_DONE);
    CHECK(!strcmp(r.path, "/a/b"));
    CHECK_EQ(req("GET https://localhost:8443/d/ HTTP/1.1\r\nHost: localhost\r\n\r\n", &r),
             HTTP_DONE);
    CHECK(!strcmp(r.path, "/d/"));
    CHECK_EQ(req("GET /%7Euser/a%20b.txt HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", &r),
             HTTP_DONE);
    CHECK(!strcmp(r.path, "/~user/a b.txt"));
}

static void test_request_incomplete(void)
{
    struct http_request r;
    CHECK_EQ(req("", &r), HTTP_INCOMPLETE);
    CHECK_EQ(req("GET / HTTP/1.1\r\nHost: a\r\n", &r), HTTP_INCOMPLETE);
    CHECK_EQ(req("GET / HTTP/1.1\r\nHost: a\r\n\r", &r), HTTP_INCOMPLETE);
    /* A bad request line is refused before the head is complete. */
    CHECK_EQ(req("GET  / HTTP/1.1\r\n", &r), 400);
}

static void test_request_bad(void)
{
    struct http_request r;
    CHECK_EQ(req("GET / HTTP/1.1\r\n\r\n", &r), 400); /* no Host */
    CHECK_CONTAINS(why, "Host");
    CHECK_EQ(req("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", &r), 400);
    CHECK_EQ(req("GET / HTTP/1.1\r\nHost : a\r\n\r\n", &r), 400);
    CHECK_EQ(req("GET / HTTP/1.1\r\nHost: a\r\n continued\r\n\r\n", &r), 400);
    CHECK_EQ(req("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", &r), 400);
    CHECK_EQ(req("GET / HTTP/1.1\r\nHost: a\r\nX: \x01\r\n\r\n", &r), 400);
    CHECK_EQ(req("GET / HTTP/1.1\r\nHost: a\r\nnoColon\r\n\r\n", &r), 400);
    CHECK_EQ(req("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", &r), 400);
    CHECK_EQ(req("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n", &r), 400);
    CHECK_EQ(req("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", &r), 400);
    CHECK_EQ(req("GET /\x80 HTTP/1.1\r\nHost: a\r\n\r\n", &r), 400);
    CHECK_EQ(req("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", &r), 400);
    CHECK_EQ(req("GET / FTP/1.1\r\nHost: a\r\n\r\n", &r), 400);
    CHECK_EQ(req("GET /#frag HTTP/1.1\r\nHost: a\r\n\r\n", &r), 400);
    CHECK_EQ(req("GET * HTTP/1.1\r\nHost: a\r\n\r\n", &r), 400);
    CHECK_EQ(req("GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n", &r), 400);
    CHECK_EQ(req("GET /%4 HTTP/1.1\r\nHost: a\r\n\r\n", &r), 400);
    CHECK_EQ(req("\x16\x03\x01\x02\x01\x01\x01\x01\xfc\x03\x03\r\n\r\n", &r), 400);
    CHECK_EQ(req("GET / HTTP/2.0\r\nHost: a\r\n\r\n", &r), 505);
    CHECK_EQ(req("POST / HTTP/1.1\r\nHost: a\r\n\r\n", &r), 405);
    CHECK_CONTAINS(why, "POST");
    CHECK_EQ(req("get / HTTP/1.1\r\nHost: a\r\n\r\n", &r), 405);
}

static void test_request_limits(void)
{
    struct http_request r;
    static char big[HTTP_MAX_HEAD + 64];
    /* No end of head within the limit: 431, not a wait for more. */
    strcpy(big, "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: ");
    size_t n = strlen(big);
    memset(big + n, 'a', HTTP_MAX_HEAD + 10 - n);
    big[HTTP_MAX_HEAD + 10] = 0;
    CHECK_EQ(req(big, &r), 431);
    /* Just under the limit it is still incomplete. */
    big[HTTP_MAX_HEAD - 1] = 0;
    CHECK_EQ(req(big, &r), HTTP_INCOMPLETE);

    char many[HTTP_MAX_HEADERS * 8 + 128];
    strcpy(many, "GET / HTTP/1.1\r\nHost: a\r\n");
    for (int i = 0; i < HTTP_MAX_HEADERS; i++)
        strcat(many, "X: y\r\n");
    strcat(many, "\r\n");
    CHECK_EQ(req(many, &r), 431);
    CHECK_CONTAINS(why, "header fields");
}

static int norm(const char *in, char *out)
{
    why[0] = 0;
    return http_normalize_path(in, strlen(in), out, HTTP_MAX_PATH, why, sizeof(why));
}

static void test_paths(void)
{
    char out[HTTP_MAX_PATH];
    CHECK_EQ(norm("/", out), 0);
    CHECK(!strcmp(out, "/"));
    CHECK_EQ(norm("//a///b/", out), 0);
    CHECK(!strcmp(out, "/a/b/"));
    CHECK_EQ(norm("/./a/./b/.", out), 0);
    CHECK(!strcmp(out, "/a/b/"));
    CHECK_EQ(norm("/a/..b/c..", out), 0); /* names that merely contain dots */
    CHECK(!strcmp(out, "/a/..b/c.."));
    CHECK_EQ(norm("/caf%C3%A9", out), 0);
    CHECK(!strcmp(out, "/caf\xc3\xa9"));

    /* Every spelling of an escape is refused, not resolved. */
    const char *escapes[] = {
        "/../etc/passwd",
        "/a/../../etc/passwd",
        "/..",
        "/a/..",
        "/%2e%2e/etc/passwd",
        "/%2E%2E/etc/passwd",
        "/.%2e/etc/passwd",
        "/%2e./x",
        "/a%2f..%2f..%2fetc%2fpasswd",
        "/..%2fetc",
        "/%2F",
        "/..\\etc\\passwd",
        "/a%5c..%5c..",
        "/a%00.html",
        "/a%0a",
        "/a/./../b",
    };
    for (size_t i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++) {
        int rc = norm(escapes[i], out);
        if (rc != 403)
            fprintf(stderr, "path %s gave %d (%s)\n", escapes[i], rc, out);
        CHECK_EQ(rc, 403);
        CHECK(why[0] != 0);
    }
    CHECK_EQ(norm("/../x", out), 403);
    CHECK_CONTAINS(why, "'..'");
    CHECK_EQ(norm("/%2fetc", out), 403);
    CHECK_CONTAINS(why, "encoded slash");
    CHECK_EQ(norm("a/b", out), 400);

    char small[8];
    CHECK_EQ(http_normalize_path("/abcdefghij", 11, small, sizeof(small), why, sizeof(why)), 414);
}

static int resp(const char *text, bool head, struct http_response *r)
{
    why[0] = 0;
    return http_parse_response((const uint8_t *)text, strlen(text), head, r, why, sizeof(why));
}

static void test_response(void)
{
    struct http_response r;
    CHECK_EQ(resp("HTTP/1.1 200 OK\r\nContent-Length: 12\r\nContent-Type: text/html\r\n\r\nhello",
                  false, &r),
             HTTP_DONE);
    CHECK_EQ(r.status, 200);
    CHECK_EQ(r.framing, HTTP_BODY_LENGTH);
    CHECK_EQ(r.content_length, 12);
    CHECK(r.keep_alive);
    CHECK(!strcmp(r.content_type, "text/html"));
    CHECK(!strcmp(r.reason, "OK"));
    CHECK_EQ(r.head_len,
             strlen("HTTP/1.1 200 OK\r\nContent-Length: 12\r\nContent-Type: text/html\r\n\r\n"));

    CHECK_EQ(resp("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", true, &r), HTTP_DONE);
    CHECK_EQ(r.framing, HTTP_BODY_NONE);
    CHECK_EQ(resp("HTTP/1.1 304 Not Modified\r\nContent-Length: 12\r\n\r\n", false, &r), HTTP_DONE);
    CHECK_EQ(r.framing, HTTP_BODY_NONE);
    CHECK_EQ(
        resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 3\r\n\r\n",
             false, &r),
        HTTP_DONE);
    CHECK_EQ(r.framing, HTTP_BODY_CHUNKED);
    CHECK_EQ(resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false, &r), HTTP_DONE);
    CHECK_EQ(r.framing, HTTP_BODY_CLOSE);
    CHECK(!r.keep_alive);
    /* openssl s_server -WWW: HTTP/1.0 and no length, the body ends at close. */
    CHECK_EQ(resp("HTTP/1.0 200 ok\r\nContent-type: text/plain\r\n\r\n", false, &r), HTTP_DONE);
    CHECK_EQ(r.framing, HTTP_BODY_CLOSE);
    CHECK_EQ(r.minor, 0);
    CHECK_EQ(
        resp("HTTP/1.1 301 Moved\r\nLocation: https://x/y\r\nContent-Length: 0\r\n\r\n", false, &r),
        HTTP_DONE);
    CHECK(!strcmp(r.location, "https://x/y"));
    CHECK_EQ(r.framing, HTTP_BODY_NONE);
    CHECK_EQ(resp("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n", false, &r),
             HTTP_DONE);
    CHECK(!r.keep_alive);
    CHECK_EQ(resp("HTTP/1.1 204\r\n\r\n", false, &r), HTTP_DONE);
    CHECK_EQ(r.status, 204);

    CHECK_EQ(resp("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n", false, &r), HTTP_INCOMPLETE);
    CHECK_EQ(resp("HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n", false, &r), -1);
    CHECK_CONTAINS(why, "Content-Length");
    CHECK_EQ(resp("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", false, &r),
             -1);
    CHECK_EQ(resp("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n", false, &r), HTTP_DONE);
    CHECK_EQ(r.content_length, 5);
    CHECK_EQ(resp("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", false, &r),
             -1);
    CHECK_EQ(resp("SSH-2.0-OpenSSH\r\n\r\n", false, &r), -1);
    CHECK_CONTAINS(why, "status line");
    CHECK_EQ(resp("HTTP/1.1 099 X\r\n\r\n", false, &r), -1);
}

struct sinkbuf {
    char data[256];
    size_t n;
};

static void sink(void *arg, const uint8_t *p, size_t n)
{
    struct sinkbuf *s = arg;
    if (s->n + n < sizeof(s->data)) {
        memcpy(s->data + s->n, p, n);
        s->n += n;
    }
}

static void test_chunked(void)
{
    const char *body =
        "4\r\nWiki\r\n6;ext=1\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nX-T: 1\r\n\r\nNEXT";
    /* Whole, then one byte at a time: the same body, the same end. */
    for (int step = 0; step < 2; step++) {
        struct http_chunked d;
        struct sinkbuf s = {.n = 0};
        http_chunked_init(&d);
        size_t len = strlen(body), off = 0, used;
        int rc = 0;
        while (off < len && rc == 0) {
            size_t n = step ? 1 : len - off;
            rc = http_chunked_feed(&d, (const uint8_t *)body + off, n, &used, sink, &s, why,
                                   sizeof(why));
            off += used;
        }
        CHECK_EQ(rc, 1);
        CHECK_EQ(s.n, strlen("Wikipedia in \r\n\r\nchunks."));
        CHECK_MEM(s.data, "Wikipedia in \r\n\r\nchunks.", s.n);
        CHECK_EQ(len - off, 4); /* "NEXT" is left for the next response */
    }
    const char *bad[] = {"x\r\n", "\r\n", "4\r\nWikiXX", "fffffffffffffffff\r\n",
                         "3;\r\nabc\r\n0\r\n\r\n"};
    for (size_t i = 0; i < 4; i++) {
        struct http_chunked d;
        struct sinkbuf s = {.n = 0};
        size_t used;
        http_chunked_init(&d);
        CHECK_EQ(http_chunked_feed(&d, (const uint8_t *)bad[i], strlen(bad[i]), &used, sink, &s,
                                   why, sizeof(why)),
                 -1);
    }
    struct http_chunked d;
    struct sinkbuf s = {.n = 0};
    size_t used;
    http_chunked_init(&d);
    CHECK_EQ(http_chunked_feed(&d, (const uint8_t *)bad[4], strlen(bad[4]), &used, sink, &s, why,
                               sizeof(why)),
             1);
    CHECK_EQ(s.n, 3);
}

static void test_url(void)
{
    struct http_url u;
    CHECK_EQ(http_parse_url("https://localhost:8443/a/b?q=1#frag", &u, why, sizeof(why)), 0);
    CHECK(!strcmp(u.host, "localhost"));
    CHECK(!strcmp(u.port, "8443"));
    CHECK(!strcmp(u.path, "/a/b?q=1"));
    CHECK_EQ(http_parse_url("https://example.org", &u, why, sizeof(why)), 0);
    CHECK(!strcmp(u.port, "443"));
    CHECK(!strcmp(u.path, "/"));
    CHECK_EQ(http_parse_url("HTTPS://[::1]:9/", &u, why, sizeof(why)), 0);
    CHECK(!strcmp(u.host, "::1"));
    CHECK(!strcmp(u.port, "9"));
    CHECK_EQ(http_parse_url("https://h?x", &u, why, sizeof(why)), 0);
    CHECK(!strcmp(u.path, "/?x"));
    CHECK_EQ(http_parse_url("http://example.org/", &u, why, sizeof(why)), -1);
    CHECK_CONTAINS(why, "https://");
    CHECK_EQ(http_parse_url("https://h:0/", &u, why, sizeof(why)), -1);
    CHECK_EQ(http_parse_url("https://h:70000/", &u, why, sizeof(why)), -1);
    CHECK_EQ(http_parse_url("https://u@h/", &u, why, sizeof(why)), -1);
    CHECK_EQ(http_parse_url("https://[::1/", &u, why, sizeof(why)), -1);
    CHECK_EQ(http_parse_url("https:///x", &u, why, sizeof(why)), -1);
    CHECK_EQ(http_parse_url("https://h/a b", &u, why, sizeof(why)), -1);
}

static void test_names(void)
{
    CHECK(!strcmp(http_content_type("/a/index.HTML"), "text/html; charset=utf-8"));
    CHECK(!strcmp(http_content_type("x.png"), "image/png"));
    CHECK(!strcmp(http_content_type("dir.d/noext"), "application/octet-stream"));
    CHECK(!strcmp(http_reason(404), "Not Found"));
}

int main(void)
{
    RUN(test_request_ok);
    RUN(test_request_incomplete);
    RUN(test_request_bad);
    RUN(test_request_limits);
    RUN(test_paths);
    RUN(test_response);
    RUN(test_chunked);
    RUN(test_url);
    RUN(test_names);
    return test_done();
}
