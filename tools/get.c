/* tern get: an HTTPS client. HTTP/1.1 over a tern connection, one request
 * per connection, the body to stdout. */
#include "cmd.h"
#include "http.h"
#include "trace.h"
#include "util.h"

#include "tern/tern.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char GET_HELP[] =
    "usage: tern get [options] URL\n"
    "\n"
    "Fetches an https:// URL with HTTP/1.1 over tern and writes the body to\n"
    "standard output. The server's certificate is checked against the\n"
    "system's trusted roots (or --cafile) and must name the URL's host.\n"
    "Redirects are not followed unless --location is given.\n"
    "\n"
    "options:\n"
    "  --cafile FILE        trust the CA certificates in FILE (PEM) instead of\n"
    "                       the system bundle; a file holding exactly the\n"
    "                       server's own (self-signed) certificate trusts it\n"
    "  --capath DIR         trust the CA certificates of DIR in OpenSSL's hashed\n"
    "                       layout ('openssl rehash DIR'), looked up by name\n"
    "  --crl FILE           refuse certificates the CRLs in FILE (PEM or DER)\n"
    "                       revoke; repeatable\n"
    "  --pinnedpubkey PINS  the server's public key must be one of PINS:\n"
    "                       sha256//BASE64 of its SubjectPublicKeyInfo, several\n"
    "                       separated by ';' (curl's syntax), on top of the\n"
    "                       usual checks\n"
    "  --cert FILE --key FILE\n"
    "                       present this certificate chain and key when the\n"
    "                       server asks for one (mutual TLS)\n"
    "  --key-pass SPEC      the --key file's password: pass:TEXT, env:VAR or\n"
    "                       file:PATH (OpenSSL's syntax)\n"
    "  --tls1.2, --tls1.3   speak only this version of TLS\n"
    "  --alpn LIST          offer these application protocols, comma-separated\n"
    "                       (default: http/1.1, the protocol tern get speaks;\n"
    "                       --alpn none offers none)\n"
    "  --connect-to HOST:PORT\n"
    "                       open the TCP connection to HOST:PORT while still\n"
    "                       asking for, and verifying, the URL's host\n"
    "  --insecure           DANGEROUS: do not verify the server's certificate or\n"
    "                       name. Anyone on the path can then read and change\n"
    "                       the traffic. For throwaway test servers only.\n"
    "  --keylog FILE        append the session secrets to FILE in the NSS key-log\n"
    "                       format, so Wireshark can decrypt a capture\n"
    "                       (SSLKEYLOGFILE is honoured the same way). Anyone with\n"
    "                       this file can read the traffic.\n"
    "  --session FILE       resume the TLS session saved in FILE when the server\n"
    "                       still accepts it (an abbreviated handshake), and\n"
    "                       save the tickets the server sends (or, in TLS 1.2,\n"
    "                       the session ID of a server that keeps sessions) into\n"
    "                       FILE for the next run (mode 0600: the file holds\n"
    "                       secrets)\n"
    "  --trace              draw the handshake on stderr as a ladder: client on the\n"
    "                       left, server on the right, one arrow per message\n"
    "  --trace=explain      the same, with a plain sentence for every step\n"
    "  --trace=json         one JSON object per event per line, for tools\n"
    "  -L, --location       follow redirects (at most 10, never from https to\n"
    "                       http); only the final response's body is written\n"
    "  -I, --head           send HEAD and print the response head\n"
    "  -i, --include        print the response head before the body\n"
    "  -o, --output FILE    write the body to FILE instead of stdout; on a\n"
    "                       terminal a progress line shows the bytes so far,\n"
    "                       the rate and the time left\n"
    "  -s, --silent         no progress line\n"
    "  -f, --fail           exit 22 when the server answers with status 400 or more\n"
    "  --timeout SECONDS    give up when connecting takes longer, or the server\n"
    "                       sends nothing for this long (default 30)\n"
    "  --connect-timeout SECONDS\n"
    "                       give up when the TCP connection and the TLS\n"
    "                       handshake together take longer (decimals allowed)\n"
    "  --max-time SECONDS   give up when the whole transfer, redirects included,\n"
    "                       takes longer (decimals allowed)\n"
    "  -h, --help           this text\n"
    "\n"
    "environment:\n"
    "  SSLKEYLOGFILE        as --keylog, when --keylog is not given\n"
    "\n"
    "exit status: 0 when a response arrived whole; 1 when the connection, the\n"
    "handshake or the response failed (one sentence on stderr says why, from\n"
    "the library's error); 2 for a usage error; 22 with --fail and a status of\n"
    "400 or more.\n"
    "\n"
    "examples:\n"
    "  tern get https://example.org/\n"
    "  tern get --trace=explain --cafile ~/.local/state/tern/ca.pem https://localhost:8443/\n";

#define GET_MAX_REDIRECTS 10

struct get_opts {
    const char *capath, *pins, *crls[8];
    size_t n_crls;
    const char *cafile, *cert, *key, *key_pass, *alpn, *connect_to, *keylog, *output, *session;
    bool insecure, location, head, include, fail_on_error, silent;
    uint16_t min_v, max_v;
    enum trace_mode trace;
    int timeout;
    unsigned connect_timeout_ms, max_time_ms; /* 0: none */
    int64_t max_deadline_ms;                  /* when --max-time ends (monotonic) */
};

__attribute__((format(printf, 1, 2))) static int die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("tern get: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

/* Connect with a deadline: a non-blocking connect per address, polled
 * (connect_ms); timeout_s is each receive's and send's limit after it. */
static int dial(const char *host, const char *port, int connect_ms, int timeout_s, char *why,
                size_t cap)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai) {
        snprintf(why, cap, "cannot resolve '%s': %s", host, gai_strerror(gai));
        return -1;
    }
    int fd = -1;
    char addr[NI_MAXHOST] = "?";
    const char *err = "no address";
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, sizeof(addr), NULL, 0, NI_NUMERICHOST);
        int s =
            socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (s < 0) {
            err = strerror(errno);
            continue;
        }
        int r = connect(s, ai->ai_addr, ai->ai_addrlen);
        if (r < 0 && errno == EINPROGRESS) {
            struct pollfd p = {.fd = s, .events = POLLOUT};
            int pr;
            do
                pr = poll(&p, 1, connect_ms);
            while (pr < 0 && errno == EINTR);
            int soerr = 0;
            socklen_t sl = sizeof(soerr);
            if (pr == 0) {
                err = "timed out";
                r = -1;
            } else if (getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr) {
                err = strerror(soerr ? soerr : errno);
                r = -1;
            } else {
                r = 0;
            }
        } else if (r < 0) {
            err = strerror(errno);
        }
        if (r < 0) {
            close(s);
            continue;
        }
        fd = s;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(why, cap, "cannot connect to %s port %s (%s): %s", host, port, addr, err);
        return -1;
    }
    /* Back to blocking, with timeouts the easy API reports as errors. */
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    struct timeval tv = {.tv_sec = timeout_s};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

/* What the connection showed of itself, for the hints below: the trace's
 * events say which messages came and which alert ended it. Every event
 * goes on to the drawing when --trace asked for one. */
struct get_watch {
    struct trace_out *tr;
    bool saw_server_hello, saw_cert_request;
    char alert[48]; /* "alert certificate_required" */
};

static void watch_cb(void *arg, const struct tern_trace_event *ev)
{
    struct get_watch *w = arg;
    if (ev->dir == TERN_DIR_TO_CLIENT && ev->name) {
        if (ev->kind == TERN_TRACE_MESSAGE && !strcmp(ev->name, "ServerHello"))
            w->saw_server_hello = true;
        if (ev->kind == TERN_TRACE_MESSAGE && !strcmp(ev->name, "CertificateRequest"))
            w->saw_cert_request = true;
        if (ev->kind == TERN_TRACE_ALERT)
            snprintf(w->alert, sizeof(w->alert), "%s", ev->name);
    }
    if (w->tr->mode != TRACE_OFF)
        trace_render(w->tr, ev);
}

/* hint: what to do next, for the failures a new user meets most; NULL when
 * the fact alone says it. */
static const char *hint(const struct get_opts *o, const struct get_watch *w, int rc,
                        const char *sentence)
{
    bool only13 = o->min_v == TERN_TLS13, only12 = o->max_v == TERN_TLS12;
    bool refused_version = (!strcmp(w->alert, "alert protocol_version") && !w->saw_server_hello) ||
                           (rc == TERN_E_PROTOCOL_VERSION && sentence &&
                            (strstr(sentence, "TLS 1.0") || strstr(sentence, "TLS 1.1") ||
                             strstr(sentence, "SSL 3.0")));
    if (refused_version && only13)
        return "the server does not speak TLS 1.3: leave out --tls1.3";
    if (refused_version && only12)
        return "the server does not speak TLS 1.2: leave out --tls1.2";
    if (refused_version)
        return "the server only speaks TLS 1.0/1.1, which tern refuses (obsolete since RFC 8996)";
    if (!o->cert && (!strcmp(w->alert, "alert certificate_required") ||
                     (!strcmp(w->alert, "alert handshake_failure") && w->saw_cert_request)))
        return "the server asks for a client certificate: pass --cert and --key";
    if (rc == TERN_E_UNKNOWN_CA && sentence && strstr(sentence, "self-signed"))
        return o->cafile ? "to trust it, pass --cafile with exactly that certificate (a file "
                           "holding the server's own certificate), or give the server one "
                           "issued by a development CA ('tern cert ca', 'tern cert issue "
                           "NAME') and pass that CA"
                         : "to trust it, pass --cafile with exactly that certificate (a file "
                           "holding the server's own certificate), or give the server one "
                           "issued by a development CA ('tern cert ca', 'tern cert issue "
                           "NAME') and pass --cafile with the CA";
    return NULL;
}

static int64_t mono_ms(void);

/* left_ms: what is left of a deadline (at least 1 ms: a spent one fails at
 * once), or 0 when there is none. */
static unsigned left_ms(int64_t deadline)
{
    if (!deadline)
        return 0;
    int64_t left = deadline - mono_ms();
    return left < 1 ? 1u : (unsigned)left;
}

/* arm gives the next call on c what is left of --max-time, or of the
 * connect deadline too while handshaking, whichever ends first. */
static void arm(tern_conn *c, const struct get_opts *o, int64_t connect_deadline)
{
    unsigned a = left_ms(o->max_deadline_ms), b = left_ms(connect_deadline);
    unsigned t = !a ? b : !b ? a : a < b ? a : b;
    (void)tern_conn_set_timeout(c, t);
}

static int conn_fail(tern_conn *c, int rc, const char *what, const struct get_opts *o,
                     const struct get_watch *w)
{
    const char *e = c ? tern_conn_error(c) : NULL;
    const char *h = o && w ? hint(o, w, c ? tern_conn_status(c) : rc, e) : NULL;
    fprintf(stderr, "tern get: %s: %s%s%s\n", what, e ? e : tern_status_name(rc), h ? "; " : "",
            h ? h : "");
    if ((c ? tern_conn_status(c) : rc) == TERN_E_TIMEOUT && o)
        fprintf(stderr, "tern get: stopped by %s\n",
                o->max_deadline_ms && mono_ms() >= o->max_deadline_ms - 5 ? "--max-time"
                                                                          : "--connect-timeout");
    return 1;
}

struct body_out {
    FILE *f;
    uint64_t n;
    /* The progress line (on a terminal, as curl draws it). */
    bool progress;
    uint64_t total; /* 0: not known */
    int64_t start_ms, last_ms;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *human(double v, char *buf, size_t cap)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    snprintf(buf, cap, u ? "%.1f %s" : "%.0f %s", v, units[u]);
    return buf;
}

/* progress_draw: one line, redrawn in place ("\r", then erase to the end
 * of the line): bytes so far of the whole, the rate, the time left. */
static void progress_draw(struct body_out *b, bool final)
{
    int64_t now = mono_ms();
    if (!final && b->last_ms && now - b->last_ms < 100)
        return;
    b->last_ms = now;
    double secs = (double)(now - b->start_ms) / 1000.0;
    double rate = secs > 0.05 ? (double)b->n / secs : 0;
    char got[32], all[32], r[32];
    human((double)b->n, got, sizeof(got));
    if (rate > 0) {
        human(rate, r, sizeof(r));
        size_t rl = strlen(r);
        snprintf(r + rl, sizeof(r) - rl, "/s");
    } else {
        snprintf(r, sizeof(r), "-- B/s");
    }
    if (final) {
        fprintf(stderr, "\r  %s in %.1f s (%s)\033[K\n", got, secs, r);
    } else if (b->total) {
        char left[32] = "--:--";
        if (rate > 0) {
            uint64_t l = (uint64_t)((double)(b->total - b->n) / rate + 0.5);
            snprintf(left, sizeof(left), "%" PRIu64 ":%02" PRIu64, l / 60, l % 60);
        }
        fprintf(stderr, "\r  %s of %s (%d%%)  %s  %s left\033[K", got,
                human((double)b->total, all, sizeof(all)),
                (int)((double)b->n * 100.0 / (double)b->total), r, left);
    } else {
        fprintf(stderr, "\r  %s  %s\033[K", got, r);
    }
    fflush(stderr);
}

static void body_sink(void *arg, const uint8_t *p, size_t n)
{
    struct body_out *b = arg;
    fwrite(p, 1, n, b->f);
    b->n += n;
    if (b->progress)
        progress_draw(b, false);
}

/* One request on a fresh connection. Returns the exit status; *redirect
 * receives a Location to follow when asked to. */
static int fetch(tern_config *cfg, const struct get_opts *o, struct get_watch *w,
                 const struct http_url *u, FILE *out, char *redirect, size_t redirect_cap,
                 int *status)
{
    w->saw_server_hello = w->saw_cert_request = false;
    w->alert[0] = 0;
    char why[512];
    char host_port[300];
    const char *chost = u->host, *cport = u->port;
    if (o->connect_to) {
        const char *colon = strrchr(o->connect_to, ':');
        if (!colon || colon == o->connect_to || !colon[1])
            return die("--connect-to wants HOST:PORT, not '%s'", o->connect_to);
        snprintf(host_port, sizeof(host_port), "%.*s", (int)(colon - o->connect_to), o->connect_to);
        /* [::1]:8443 */
        if (host_port[0] == '[' && host_port[strlen(host_port) - 1] == ']') {
            memmove(host_port, host_port + 1, strlen(host_port));
            host_port[strlen(host_port) - 1] = 0;
        }
        chost = host_port;
        cport = colon + 1;
    }
    /* --connect-timeout covers the TCP connection and the handshake;
     * --max-time everything (left_ms: what remains of it). */
    int64_t connect_deadline = o->connect_timeout_ms ? mono_ms() + o->connect_timeout_ms : 0;
    unsigned dial_ms = o->timeout * 1000u, t;
    if ((t = left_ms(connect_deadline)) && t < dial_ms)
        dial_ms = t;
    if ((t = left_ms(o->max_deadline_ms)) && t < dial_ms)
        dial_ms = t;
    int fd = dial(chost, cport, (int)dial_ms, o->timeout, why, sizeof(why));
    if (fd < 0) {
        if (strstr(why, "timed out") && dial_ms < o->timeout * 1000u)
            return die("%s (stopped by %s)", why,
                       left_ms(connect_deadline) <= left_ms(o->max_deadline_ms) ||
                               !o->max_deadline_ms
                           ? "--connect-timeout"
                           : "--max-time");
        return die("%s", why);
    }
    tern_conn *c = tern_conn_new_client(cfg, u->host);
    if (!c) {
        close(fd);
        return die("cannot make a connection: %s",
                   tern_config_error(cfg) ? tern_config_error(cfg) : "out of memory");
    }
    int rc = tern_conn_set_fd(c, fd);
    arm(c, o, connect_deadline);
    if (rc == TERN_OK)
        rc = tern_handshake(c);
    if (rc != TERN_OK) {
        int r = conn_fail(c, rc, "the TLS handshake failed", o, w);
        tern_conn_free(c);
        close(fd);
        return r;
    }

    /* The request (RFC 9112 §3): Host with the port when it is not 443. */
    char req[HTTP_MAX_PATH + 512];
    bool v6 = strchr(u->host, ':') != NULL;
    int n = snprintf(req, sizeof(req),
                     "%s %s HTTP/1.1\r\nHost: %s%s%s%s%s\r\nUser-Agent: tern/%s\r\nAccept: */*\r\n"
                     "Connection: close\r\n\r\n",
                     o->head ? "HEAD" : "GET", u->path, v6 ? "[" : "", u->host, v6 ? "]" : "",
                     strcmp(u->port, "443") ? ":" : "", strcmp(u->port, "443") ? u->port : "",
                     TERN_VERSION_STRING);
    size_t off = 0;
    while (off < (size_t)n) {
        size_t wrote = 0;
        arm(c, o, 0);
        rc = tern_write(c, req + off, (size_t)n - off, &wrote);
        if (rc != TERN_OK) {
            int r = conn_fail(c, rc, "sending the request failed", o, w);
            tern_conn_free(c);
            close(fd);
            return r;
        }
        off += wrote;
    }

    /* The response head, then the body as the head says it is framed. */
    static uint8_t buf[HTTP_MAX_HEAD + 16384];
    size_t have = 0;
    struct http_response resp;
    int result = 0;
    bool eof = false, closed = false;
    for (;;) {
        int pr = http_parse_response(buf, have, o->head, &resp, why, sizeof(why));
        if (pr == HTTP_DONE && resp.status / 100 == 1 && resp.status != 101) {
            /* An interim response (103 Early Hints): the real one follows. */
            memmove(buf, buf + resp.head_len, have - resp.head_len);
            have -= resp.head_len;
            continue;
        }
        if (pr == HTTP_DONE)
            break;
        if (pr < 0) {
            result = die("the server's response is not HTTP/1.1: %s", why);
            goto out;
        }
        if (eof || closed) {
            result = die("the server closed the connection before a whole response head (%s)",
                         have ? "it sent part of one" : "it sent nothing");
            goto out;
        }
        size_t got = 0;
        arm(c, o, 0);
        rc = tern_read(c, buf + have, sizeof(buf) - have, &got);
        if (rc == TERN_E_CLOSED)
            closed = true;
        else if (rc == TERN_E_EOF)
            eof = true;
        else if (rc != TERN_OK) {
            result = conn_fail(c, rc, "reading the response failed", o, w);
            goto out;
        }
        have += got;
    }
    *status = resp.status;
    if (o->include || o->head)
        fwrite(buf, 1, resp.head_len, stdout);
    if (o->location && resp.location[0] &&
        (resp.status == 301 || resp.status == 302 || resp.status == 303 || resp.status == 307 ||
         resp.status == 308))
        snprintf(redirect, redirect_cap, "%s", resp.location);

    if (redirect[0]) {
        /* A redirect's own body ("moved") is not the resource: as curl -L,
         * only the final response's body is written. */
        result = 0;
        goto out;
    }

    /* A progress line when the body goes to a file (or a pipe) and stderr
     * is a terminal, and the terminal is not busy with a trace. */
    struct body_out body = {.f = out,
                            .n = 0,
                            .progress = !o->silent && o->trace == TRACE_OFF && isatty(2) &&
                                        !(out == stdout && isatty(1)) && !o->head,
                            .total = resp.framing == HTTP_BODY_LENGTH ? resp.content_length : 0,
                            .start_ms = mono_ms()};
    struct http_chunked ch;
    http_chunked_init(&ch);
    size_t pos = resp.head_len;
    uint64_t want = resp.content_length;
    bool done = resp.framing == HTTP_BODY_NONE;
    while (!done) {
        size_t avail = have - pos;
        if (avail) {
            if (resp.framing == HTTP_BODY_LENGTH) {
                size_t take = avail < want ? avail : (size_t)want;
                body_sink(&body, buf + pos, take);
                want -= take;
                done = want == 0;
            } else if (resp.framing == HTTP_BODY_CHUNKED) {
                size_t used = 0;
                int cr = http_chunked_feed(&ch, buf + pos, avail, &used, body_sink, &body, why,
                                           sizeof(why));
                if (cr < 0) {
                    result = die("the chunked body is malformed: %s", why);
                    goto out;
                }
                done = cr == 1;
            } else {
                body_sink(&body, buf + pos, avail);
            }
        }
        pos = have = 0;
        if (done)
            break;
        if (closed || eof) {
            if (resp.framing == HTTP_BODY_CLOSE && closed)
                break; /* close_notify ends a close-delimited body safely */
            if (resp.framing == HTTP_BODY_CLOSE)
                result = die("the server closed the TCP connection without close_notify, so "
                             "the body, which ends with the connection, may be truncated");
            else if (resp.framing == HTTP_BODY_LENGTH) {
                result = die("the response ended after %llu of its %llu bytes",
                             (unsigned long long)body.n, (unsigned long long)resp.content_length);
            } else
                result = die("the response ended inside its chunked body");
            goto out;
        }
        size_t got = 0;
        arm(c, o, 0);
        rc = tern_read(c, buf, sizeof(buf), &got);
        if (rc == TERN_E_CLOSED)
            closed = true;
        else if (rc == TERN_E_EOF)
            eof = true;
        else if (rc != TERN_OK) {
            result = conn_fail(c, rc, "reading the response failed", o, w);
            goto out;
        }
        have = got;
    }
    fflush(out);
    if (body.progress && body.n)
        progress_draw(&body, true);
    if (o->fail_on_error && resp.status >= 400) {
        fprintf(stderr, "tern get: the server answered %d %s\n", resp.status, resp.reason);
        result = 22;
    }
out:
    (void)tern_close(c);
    tern_conn_free(c);
    close(fd);
    return result;
}

static void url_text(const struct http_url *u, char *out, size_t cap)
{
    bool v6 = strchr(u->host, ':') != NULL;
    snprintf(out, cap, "https://%s%s%s:%s%s", v6 ? "[" : "", u->host, v6 ? "]" : "", u->port,
             u->path);
}

/* Resolve a Location against the current URL (RFC 9110 §10.2.2, RFC 3986
 * §5.2): absolute https URLs, network-path ("//host/p"), absolute-path and
 * relative references. A redirect to http:// is refused: it would send the
 * request, and any later one, without TLS. */
static int follow(const struct http_url *cur, const char *loc, struct http_url *next)
{
    char why[256], url[HTTP_MAX_PATH + 300], base[HTTP_MAX_PATH + 300];
    url_text(cur, base, sizeof(base));
    size_t ll = strcspn(loc, "#"); /* a fragment never goes to the server */
    if (!strncasecmp(loc, "https://", 8)) {
        snprintf(url, sizeof(url), "%.*s", (int)ll, loc);
    } else if (!strncasecmp(loc, "http://", 7)) {
        fprintf(stderr,
                "tern get: refusing the redirect from https to http ('%s'): the request would "
                "go unencrypted\n",
                loc);
        return -1;
    } else if (loc[0] == '/' && loc[1] == '/') {
        snprintf(url, sizeof(url), "https:%.*s", (int)ll, loc);
    } else if (loc[0] == '/' || loc[0] == '?' || (loc[0] && !strchr(loc, ':'))) {
        /* Relative to the current URL: its authority, and for a path that
         * does not start with '/', its folder; for a query, its path. */
        size_t auth = strlen(base) - strlen(cur->path);
        size_t keep = auth;
        if (loc[0] == '?')
            keep = auth + strcspn(cur->path, "?");
        else if (loc[0] != '/') {
            size_t pl = strcspn(cur->path, "?");
            while (pl > 0 && cur->path[pl - 1] != '/')
                pl--;
            keep = auth + pl;
        }
        snprintf(url, sizeof(url), "%.*s%.*s", (int)keep, base, (int)ll, loc);
    } else {
        fprintf(stderr, "tern get: not following the redirect to '%s' (not an https:// URL)\n",
                loc);
        return -1;
    }
    if (http_parse_url(url, next, why, sizeof(why)) != 0) {
        fprintf(stderr, "tern get: the redirect target '%s' is unusable: %s\n", loc, why);
        return -1;
    }
    return 0;
}

int cmd_get(int argc, char **argv)
{
    static const struct option opts[] = {
        {"cafile", required_argument, 0, 'C'},
        {"capath", required_argument, 0, 'P'},
        {"crl", required_argument, 0, 'R'},
        {"pinnedpubkey", required_argument, 0, 'Q'},
        {"cert", required_argument, 0, 'c'},
        {"key", required_argument, 0, 'k'},
        {"key-pass", required_argument, 0, 'Y'},
        {"tls1.2", no_argument, 0, '2'},
        {"tls1.3", no_argument, 0, '3'},
        {"alpn", required_argument, 0, 'a'},
        {"connect-to", required_argument, 0, 't'},
        {"insecure", no_argument, 0, 'K'},
        {"keylog", required_argument, 0, 'l'},
        {"session", required_argument, 0, 'S'},
        {"trace", optional_argument, 0, 'T'},
        {"location", no_argument, 0, 'L'},
        {"head", no_argument, 0, 'I'},
        {"include", no_argument, 0, 'i'},
        {"output", required_argument, 0, 'o'},
        {"fail", no_argument, 0, 'f'},
        {"timeout", required_argument, 0, 'W'},
        {"connect-timeout", required_argument, 0, 'N'},
        {"max-time", required_argument, 0, 'M'},
        {"silent", no_argument, 0, 's'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    struct get_opts o = {.timeout = 30};
    bool tls12 = false, tls13 = false;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "LIio:fsh", opts, NULL)) != -1) {
        switch (ch) {
        case 'C':
            o.cafile = optarg;
            break;
        case 'P':
            o.capath = optarg;
            break;
        case 'Q':
            o.pins = optarg;
            break;
        case 'R':
            if (o.n_crls == sizeof(o.crls) / sizeof(o.crls[0])) {
                fputs("tern get: at most 8 --crl files\n", stderr);
                return 2;
            }
            o.crls[o.n_crls++] = optarg;
            break;
        case 'c':
            o.cert = optarg;
            break;
        case 'k':
            o.key = optarg;
            break;
        case 'Y':
            o.key_pass = optarg;
            break;
        case '2':
            tls12 = true;
            break;
        case '3':
            tls13 = true;
            break;
        case 'a':
            o.alpn = optarg;
            break;
        case 't':
            o.connect_to = optarg;
            break;
        case 'K':
            o.insecure = true;
            break;
        case 'l':
            o.keylog = optarg;
            break;
        case 'S':
            o.session = optarg;
            break;
        case 'T': {
            char suffix[32] = "";
            if (optarg)
                snprintf(suffix, sizeof(suffix), "=%s", optarg);
            if (!trace_parse_mode(suffix, &o.trace)) {
                fprintf(stderr, "tern get: --trace takes nothing, =explain or =json, not '%s'\n",
                        optarg);
                return 2;
            }
            break;
        }
        case 'L':
            o.location = true;
            break;
        case 'I':
            o.head = true;
            break;
        case 'i':
            o.include = true;
            break;
        case 'o':
            o.output = optarg;
            break;
        case 'f':
            o.fail_on_error = true;
            break;
        case 's':
            o.silent = true;
            break;
        case 'W':
            o.timeout = atoi(optarg);
            if (o.timeout <= 0) {
                fprintf(stderr, "tern get: --timeout wants a positive number of seconds\n");
                return 2;
            }
            break;
        case 'N':
        case 'M': {
            char *end;
            double s = strtod(optarg, &end);
            if (end == optarg || *end || !(s > 0) || s > 86400) {
                fprintf(stderr,
                        "tern get: %s wants a number of seconds above 0 and at most 86400, not "
                        "'%s'\n",
                        ch == 'N' ? "--connect-timeout" : "--max-time", optarg);
                return 2;
            }
            unsigned ms = (unsigned)(s * 1000 + 0.5);
            *(ch == 'N' ? &o.connect_timeout_ms : &o.max_time_ms) = ms ? ms : 1;
            break;
        }
        case 'h':
            fputs(GET_HELP, stdout);
            return 0;
        default:
            fputs("tern get: see 'tern get --help'\n", stderr);
            return 2;
        }
    }
    if (optind != argc - 1) {
        fputs(optind == argc ? "tern get: which URL?\n" : "tern get: one URL at a time\n", stderr);
        fputs("usage: tern get [options] URL   (tern get --help for more)\n", stderr);
        return 2;
    }
    /* One flag limits to that version; both (or neither) allow both. */
    if (tls12 != tls13) {
        o.min_v = o.max_v = tls12 ? TERN_TLS12 : TERN_TLS13;
    }
    if (!!o.cert != !!o.key) {
        fputs("tern get: --cert and --key go together\n", stderr);
        return 2;
    }
    char why[512];
    struct http_url url;
    if (http_parse_url(argv[optind], &url, why, sizeof(why)) != 0) {
        fprintf(stderr, "tern get: %s\n", why);
        return 2;
    }

    tern_config *cfg = tern_config_new();
    if (!cfg) {
        fputs("tern get: out of memory\n", stderr);
        return 1;
    }
    int result = 1;
    struct util_keylog kl = {0};
    struct util_sessions sessions = {0};
    struct trace_out tr = {.f = stderr, .mode = o.trace};
    FILE *out = stdout;
    const char *cfg_step = NULL;
    why[0] = 0;
    if (o.min_v && tern_config_set_versions(cfg, o.min_v, o.max_v) != TERN_OK)
        cfg_step = "--tls1.2/--tls1.3";
    else if (o.cafile && tern_config_add_trust_file(cfg, o.cafile) != TERN_OK)
        cfg_step = "--cafile";
    else if (o.capath && tern_config_add_trust_capath(cfg, o.capath) != TERN_OK)
        cfg_step = "--capath";
    else if (o.pins && tern_config_add_pinned_pubkey(cfg, o.pins) != TERN_OK)
        cfg_step = "--pinnedpubkey";
    for (size_t i = 0; !cfg_step && i < o.n_crls; i++)
        if (tern_config_add_crl_file(cfg, o.crls[i]) != TERN_OK)
            cfg_step = "--crl";
    static struct util_password pass;
    char pass_why[256];
    if (o.key_pass && util_password_parse(&pass, o.key_pass, pass_why, sizeof(pass_why)) != 0) {
        tern_config_free(cfg);
        return die("%s", pass_why);
    }
    if (o.key_pass)
        tern_config_set_key_password_callback(cfg, util_password_cb, &pass);
    if (cfg_step)
        ;
    else if (o.cert && tern_config_set_cert_chain_file(cfg, o.cert, o.key) != TERN_OK)
        cfg_step = "--cert/--key";
    else if (o.insecure && tern_config_insecure_skip_verify_DANGEROUS(cfg, 1) != TERN_OK)
        cfg_step = "--insecure";
    if (!o.alpn)
        o.alpn = "http/1.1";
    if (!cfg_step && strcmp(o.alpn, "none") != 0) {
        char copy[512];
        const char *list[16];
        size_t n = 0;
        snprintf(copy, sizeof(copy), "%s", o.alpn);
        char *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t && n < 16; t = strtok_r(NULL, ",", &save))
            list[n++] = t;
        if (tern_config_set_alpn(cfg, list, n) != TERN_OK)
            cfg_step = "--alpn";
    }
    if (cfg_step) {
        const char *e = why[0] ? why : tern_config_error(cfg);
        fprintf(stderr, "tern get: %s: %s%s\n", cfg_step, e ? e : "rejected",
                e && strstr(e, "is encrypted") && !strstr(e, "--key-pass") && !o.key_pass
                    ? "; pass --key-pass (e.g. --key-pass env:KEY_PASSWORD)"
                    : "");
        goto done;
    }
    if (o.insecure)
        fputs("tern get: WARNING: --insecure: the server's identity is NOT checked; anyone on the "
              "path can read and change this connection\n",
              stderr);
    if (util_keylog_open(&kl, o.keylog, why, sizeof(why)) != 0) {
        fprintf(stderr, "tern get: %s\n", why);
        goto done;
    }
    if (kl.f)
        tern_config_set_keylog(cfg, util_keylog_cb, &kl);
    struct get_watch watch = {.tr = &tr};
    tern_config_set_trace(cfg, watch_cb, &watch);
    if (o.session) {
        if (util_sessions_load(cfg, o.session, why, sizeof(why)) < 0) {
            fprintf(stderr, "tern get: --session: %s\n", why);
            goto done;
        }
        tern_config_set_session_callback(cfg, util_sessions_cb, &sessions);
    }
    if (o.output && !(out = fopen(o.output, "wb"))) {
        fprintf(stderr, "tern get: cannot write %s: %s\n", o.output, strerror(errno));
        goto done;
    }

    /* The URLs visited, to name a loop when one comes back. */
    char visited[GET_MAX_REDIRECTS + 1][HTTP_MAX_PATH + 300];
    url_text(&url, visited[0], sizeof(visited[0]));
    if (o.max_time_ms)
        o.max_deadline_ms = mono_ms() + o.max_time_ms;
    for (int hop = 0;; hop++) {
        char redirect[HTTP_MAX_PATH] = "";
        int status = 0;
        tr.header_done = false;
        result = fetch(cfg, &o, &watch, &url, out, redirect, sizeof(redirect), &status);
        if (result != 0 || !redirect[0])
            break;
        struct http_url next;
        if (follow(&url, redirect, &next) != 0) {
            result = 1;
            break;
        }
        char next_text[sizeof(visited[0])];
        url_text(&next, next_text, sizeof(next_text));
        int seen = -1;
        for (int i = 0; i <= hop && seen < 0; i++)
            if (!strcmp(visited[i], next_text))
                seen = i;
        if (seen >= 0) {
            fprintf(stderr,
                    "tern get: redirect loop: %s redirects back to %s (%d redirect%s before it); "
                    "stopping\n",
                    visited[hop], next_text, hop - seen + 1, hop - seen ? "s" : "");
            result = 1;
            break;
        }
        if (hop == GET_MAX_REDIRECTS) {
            fprintf(stderr, "tern get: more than %d redirects (the last to %s); stopping\n",
                    GET_MAX_REDIRECTS, next_text);
            result = 1;
            break;
        }
        fprintf(stderr, "tern get: %d: following the redirect to %s\n", status, next_text);
        snprintf(visited[hop + 1], sizeof(visited[0]), "%s", next_text);
        url = next;
    }
    /* The client offers a ticket once: the file now holds the ones just
     * received (the server itself would accept a spent one again until it
     * expires; see the README). A
     * failed fetch that received none leaves the file as it was. */
    if (o.session && (sessions.n > 0 || result == 0) &&
        util_sessions_save(&sessions, o.session, why, sizeof(why)) != 0) {
        fprintf(stderr, "tern get: --session: %s\n", why);
        result = 1;
    }
done:
    util_sessions_free(&sessions);
    if (out && out != stdout && fclose(out) != 0 && result == 0) {
        fprintf(stderr, "tern get: cannot write %s: %s\n", o.output, strerror(errno));
        result = 1;
    }
    util_keylog_close(&kl);
    tern_config_free(cfg);
    explicit_bzero(&pass, sizeof(pass)); /* the --key-pass password */
    return result;
}
