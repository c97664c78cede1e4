/* tern serve: a static HTTPS file server.
 *
 * One thread, one epoll loop, non-blocking sockets driven through the easy
 * API's non-blocking calls: each connection is a small state machine
 * (handshake, read a request head, write the response, again or close)
 * that runs until the API says TERN_WANT_READ or TERN_WANT_WRITE, and the
 * loop wakes it when the socket is ready. Files are read in 16 KiB pieces
 * as the socket takes them, so a slow client costs memory for one piece. */
#include "cmd.h"
#include "explain.h"
#include "http.h"
#include "trace.h"
#include "util.h"

#include "tern/tern.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char SERVE_HELP[] =
    "usage: tern serve [options] [DIR]\n"
    "\n"
    "Serves the files in DIR (default: the current folder) over HTTPS with\n"
    "HTTP/1.1: GET and HEAD, keep-alive, index.html or a listing for folders,\n"
    "content types by file extension. Nothing outside DIR is reachable: '..',\n"
    "encoded slashes and backslashes are refused (403), symbolic links that\n"
    "lead outside DIR and names starting with '.' are not found (404), and\n"
    "malformed requests get 400. A client must send its request head within\n"
    "--timeout seconds. SIGINT or SIGTERM stops accepting, lets requests in\n"
    "flight finish, and closes every connection with close_notify.\n"
    "\n"
    "Without --cert and --key it uses a development CA in the state folder\n"
    "(making one the first time) and a certificate for localhost, 127.0.0.1\n"
    "and ::1, and prints the CA's path and how to trust it.\n"
    "\n"
    "options:\n"
    "  --cert FILE --key FILE   a certificate chain (PEM, leaf first) and its key;\n"
    "                           repeat for more (ECDSA and RSA for the same\n"
    "                           names, or other names): each client gets the\n"
    "                           one for the name it asks and the signatures it\n"
    "                           takes. SIGHUP reloads them (connections in\n"
    "                           flight keep theirs; a failed reload keeps the\n"
    "                           old ones and says why)\n"
    "  --key-pass SPEC          the keys' password: pass:TEXT, env:VAR or\n"
    "                           file:PATH (OpenSSL's syntax)\n"
    "  --require-sni            refuse clients that name no host (server_name)\n"
    "                           with unrecognized_name\n"
    "  --addr ADDR              the address to listen on (default localhost:\n"
    "                           127.0.0.1 and ::1; :: or 0.0.0.0 for every\n"
    "                           interface)\n"
    "  --port PORT              the port (default 8443; 0 picks a free one)\n"
    "  --state-dir DIR          where the development CA and certificate live\n"
    "                           (default $XDG_STATE_HOME/tern or\n"
    "                           ~/.local/state/tern)\n"
    "  --cafile FILE            trust these CAs for client certificates\n"
    "  --require-client-cert    ask every client for a certificate that chains\n"
    "                           to --cafile (mutual TLS); refuse those without\n"
    "  --ticket-key FILE        seal session tickets with keys derived from the\n"
    "                           secret in FILE (32-64 bytes as hex), so servers\n"
    "                           sharing it resume each other's sessions\n"
    "                           (default: a fresh random secret per process)\n"
    "  --session-cache N        keep up to N sessions in this process instead of\n"
    "                           sealing them into tickets: TLS 1.2 resumes by\n"
    "                           session ID, TLS 1.3 tickets are single-use\n"
    "                           lookup keys. Not shared between processes (use\n"
    "                           --ticket-key for that); emptied by SIGHUP\n"
    "  --allow-psk-ke           resume without a fresh key exchange when a client\n"
    "                           offers it: faster, but no forward secrecy for\n"
    "                           resumed sessions (off by default)\n"
    "  --keylog FILE            append session secrets in the NSS key-log format\n"
    "                           (for Wireshark); SSLKEYLOGFILE works the same way\n"
    "  --trace[=explain|json]   draw every handshake on stderr (see tern get)\n"
    "  --name NAME              a host name (or address) clients will use;\n"
    "                           repeatable. At start-up the certificate is\n"
    "                           checked as a client would check it: its dates,\n"
    "                           that it is for a TLS server, and that it covers\n"
    "                           each NAME (default: localhost when listening on a\n"
    "                           loopback address); a problem is a warning\n"
    "  --strict                 refuse to start on such a problem instead\n"
    "  --no-explain-page        do not answer " EXPLAIN_PATH "\n"
    "                           (a page, or ?format=json, about the connection\n"
    "                           that asks for it: its handshake step by step)\n"
    "  --timeout SECONDS        time for a request head, and for an idle\n"
    "                           keep-alive connection (default 10)\n"
    "  --max-conns N            connections at once (default 1000); when full,\n"
    "                           new ones wait in the listen backlog, and one\n"
    "                           waiting over a second closes the oldest\n"
    "                           connection still in its handshake\n"
    "  -q, --quiet              no request log\n"
    "  --log-turns              end each request's log line with the event-loop\n"
    "                           turns and the connection steps (all\n"
    "                           connections') since its connection was\n"
    "                           accepted: tests count with it that busy peers\n"
    "                           do not starve others\n"
    "  -h, --help               this text\n"
    "\n"
    "It prints \"listening on https://ADDR:PORT/\" on stderr for each address\n"
    "when ready, and one\n"
    "line per request: peer, method, path, status, bytes, and the client\n"
    "certificate's subject when there is one.\n"
    "\n"
    "examples:\n"
    "  tern serve ./site\n"
    "  curl --cacert ~/.local/state/tern/ca.pem https://localhost:8443/\n";

#define SERVE_PIECE      16384
#define SERVE_MAX_NAMES  8
#define SERVE_MAX_LISTEN 4
#define SERVE_MAX_CERTS  16
/* Steps of one connection's state machine per turn of the event loop: a
 * peer that keeps its socket full (pipelined requests, a flood of records)
 * gets this much, then every other ready connection has its turn. */
#define SERVE_STEP_BUDGET 16

enum cstate { C_HANDSHAKE, C_READ, C_WRITE, C_CLOSING };

struct client {
    struct client *prev, *next;
    tern_conn *c;
    int fd;
    unsigned long id;
    enum cstate st;
    char peer[80];
    uint8_t in[HTTP_MAX_HEAD];
    size_t in_len;
    /* The response: out[off..len) to send, then the rest of file_fd. */
    uint8_t *out;
    size_t out_len, out_off;
    int file_fd;
    uint64_t file_left;
    bool keep_alive;
    bool dead;                /* freed in this batch of events; released after it */
    bool again;               /* its budget ran out with work left: stepped next turn */
    unsigned long again_turn; /* the turn again was set in */
    time_t deadline;
    unsigned long born_turn;  /* the event-loop turn it was accepted in */
    unsigned long born_steps; /* the server's steps when it was accepted */
    /* For the log line. */
    char method[8], target[256];
    int status;
    uint64_t body_bytes;
    struct explain_log *xlog; /* this connection's trace, for the handshake page */
};

struct server {
    const char *root;
    size_t root_len;
    tern_config *cfg;
    int ep, sfd;
    int lfd[SERVE_MAX_LISTEN]; /* listening sockets (localhost: 127.0.0.1 and ::1) */
    size_t n_lfd;
    struct client *clients, *grave;
    size_t n_clients, max_conns;
    unsigned long next_id;
    int timeout;
    bool draining, quiet, log_turns, explain_page;
    struct client *cur; /* the connection the library is working on (its trace events) */
    time_t drain_deadline;
    unsigned long turns; /* event-loop turns so far */
    unsigned long steps; /* connection state-machine steps so far, all connections */
    size_t n_again;      /* clients with again set */
    struct trace_out trace;
    /* The connection limit (see limit_tick). */
    bool full;
    int64_t waiting_since_ms, last_full_note_ms;
    unsigned long evicted;
    void *lmark; /* the listening sockets' epoll tag */
};

static void logf_(struct server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct server *s, const char *fmt, ...)
{
    (void)s;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* serve_trace: every trace event goes to the connection it belongs to
 * (the one the loop is stepping) for the handshake page, and to stderr
 * when --trace asked for it. */
static void serve_trace(void *arg, const struct tern_trace_event *ev)
{
    struct server *s = arg;
    if (s->explain_page && s->cur)
        explain_record(&s->cur->xlog, ev);
    if (s->trace.mode != TRACE_OFF)
        trace_render(&s->trace, ev);
}

/* ---- responses ---- */

static void http_date(char *buf, size_t cap)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, cap, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* set_response puts a head (and a small in-memory body) in cl->out. */
static void set_response(struct server *s, struct client *cl, int status, const char *type,
                         uint64_t length, const char *extra_headers, const char *body,
                         size_t body_len, bool head_only)
{
    (void)s;
    char date[64], head[1024];
    http_date(date, sizeof(date));
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: tern/%s\r\nContent-Type: %s\r\n"
                     "Content-Length: %llu\r\nX-Content-Type-Options: nosniff\r\n%s%s\r\n",
                     status, http_reason(status), date, TERN_VERSION_STRING, type,
                     (unsigned long long)length, cl->keep_alive ? "" : "Connection: close\r\n",
                     extra_headers ? extra_headers : "");
    if (n < 0 || (size_t)n >= sizeof(head))
        n = 0;
    size_t blen = head_only ? 0 : body_len;
    free(cl->out);
    cl->out = malloc((size_t)n + blen + 1);
    if (!cl->out) {
        cl->out_len = cl->out_off = 0;
        cl->keep_alive = false;
        return;
    }
    memcpy(cl->out, head, (size_t)n);
    if (blen)
        memcpy(cl->out + n, body, blen);
    cl->out_len = (size_t)n + blen;
    cl->out_off = 0;
    cl->status = status;
    cl->body_bytes = head_only ? 0 : length;
}

static void error_response(struct server *s, struct client *cl, int status, bool head_only)
{
    char body[256];
    int n = snprintf(body, sizeof(body), "<!doctype html>\n<title>%d %s</title>\n<h1>%d %s</h1>\n",
                     status, http_reason(status), status, http_reason(status));
    set_response(s, cl, status, "text/html; charset=utf-8", (uint64_t)n,
                 status == 405 ? "Allow: GET, HEAD\r\n" : NULL, body, (size_t)n, head_only);
}

/* Append s to a growing buffer, HTML-escaped or percent-encoded. */
struct sbuf {
    char *p;
    size_t len, cap;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 4096) + n;
        char *np = realloc(b->p, cap);
        if (!np)
            return;
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void sb_str(struct sbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

static void sb_html(struct sbuf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            sb_str(b, "&lt;");
            break;
        case '>':
            sb_str(b, "&gt;");
            break;
        case '&':
            sb_str(b, "&amp;");
            break;
        case '"':
            sb_str(b, "&quot;");
            break;
        case '\'':
            sb_str(b, "&#39;");
            break;
        default:
            sb_put(b, s, 1);
        }
    }
}

static void sb_url(struct sbuf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("-._~/", c)) {
            sb_put(b, s, 1);
        } else {
            char e[4];
            snprintf(e, sizeof(e), "%%%02X", c);
            sb_put(b, e, 3);
        }
    }
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void listing(struct server *s, struct client *cl, const char *fs_path, const char *url_path,
                    bool head_only)
{
    DIR *d = opendir(fs_path);
    if (!d) {
        error_response(s, cl, errno == EACCES ? 403 : 404, head_only);
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof(*nn));
            if (!nn)
                break;
            names = nn;
        }
        struct stat st;
        char full[UTIL_PATH_MAX];
        bool dir = snprintf(full, sizeof(full), "%s/%s", fs_path, e->d_name) < (int)sizeof(full) &&
                   stat(full, &st) == 0 && S_ISDIR(st.st_mode);
        size_t l = strlen(e->d_name);
        names[n] = malloc(l + 2);
        if (!names[n])
            break;
        memcpy(names[n], e->d_name, l);
        names[n][l] = dir ? '/' : 0;
        names[n][l + 1] = 0;
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), cmp_names);
    struct sbuf b = {0};
    sb_str(&b, "<!doctype html>\n<meta charset=\"utf-8\">\n<title>Index of ");
    sb_html(&b, url_path);
    sb_str(&b, "</title>\n<h1>Index of ");
    sb_html(&b, url_path);
    sb_str(&b, "</h1>\n<ul>\n");
    if (strcmp(url_path, "/"))
        sb_str(&b, "<li><a href=\"../\">../</a></li>\n");
    for (size_t i = 0; i < n; i++) {
        sb_str(&b, "<li><a href=\"");
        sb_url(&b, names[i]);
        sb_str(&b, "\">");
        sb_html(&b, names[i]);
        sb_str(&b, "</a></li>\n");
        free(names[i]);
    }
    free(names);
    sb_str(&b, "</ul>\n<p>served by tern ");
    sb_str(&b, TERN_VERSION_STRING);
    if (s->explain_page)
        sb_str(&b, " &middot; <a href=\"" EXPLAIN_PATH "\">how your browser and this server "
                   "made this connection</a>");
    sb_str(&b, "</p>\n");
    set_response(s, cl, 200, "text/html; charset=utf-8", b.len, NULL, b.p ? b.p : "", b.len,
                 head_only);
    free(b.p);
}

/* Is the resolved path inside the root? realpath() has already followed
 * every symbolic link, so a link out of the root shows here. */
static bool inside_root(const struct server *s, const char *real)
{
    return !strncmp(real, s->root, s->root_len) &&
           (real[s->root_len] == 0 || real[s->root_len] == '/' || s->root_len == 1);
}

/* handshake_page: the page about this very connection (tools/explain.c). */
static void handshake_page(struct server *s, struct client *cl, const struct http_request *req,
                           bool head_only)
{
    bool json = explain_wants_json(req->target);
    char *body = NULL;
    size_t len = 0;
    if (!explain_page(cl->xlog, cl->c, json, &body, &len)) {
        error_response(s, cl, 500, head_only);
        return;
    }
    set_response(s, cl, 200, json ? "application/json" : "text/html; charset=utf-8", len,
                 "Cache-Control: no-store\r\nContent-Security-Policy: default-src 'none'; "
                 "style-src 'unsafe-inline'; script-src 'unsafe-inline'\r\n",
                 body, len, head_only);
    free(body);
}

static void respond(struct server *s, struct client *cl, const struct http_request *req)
{
    bool head_only = !strcmp(req->method, "HEAD");
    if (s->explain_page && !strcmp(req->path, EXPLAIN_PATH)) {
        handshake_page(s, cl, req, head_only);
        return;
    }
    /* Hidden names (".git", ".env") are not served. The parser already
     * refused "..", so any segment starting with '.' is a hidden one. */
    if (strstr(req->path, "/.")) {
        error_response(s, cl, 404, head_only);
        return;
    }
    char fs_path[UTIL_PATH_MAX], real[PATH_MAX];
    if (snprintf(fs_path, sizeof(fs_path), "%s%s", s->root, req->path) >= (int)sizeof(fs_path)) {
        error_response(s, cl, 414, head_only);
        return;
    }
    if (!realpath(fs_path, real)) {
        error_response(s, cl, errno == EACCES ? 403 : 404, head_only);
        return;
    }
    if (!inside_root(s, real)) {
        error_response(s, cl, 404, head_only);
        return;
    }
    struct stat st;
    if (stat(real, &st) != 0) {
        error_response(s, cl, 404, head_only);
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        size_t pl = strlen(req->path);
        if (req->path[pl - 1] != '/') {
            /* A folder's relative links need its URL to end in '/'. */
            struct sbuf loc = {0};
            sb_str(&loc, "Location: ");
            sb_url(&loc, req->path);
            sb_str(&loc, "/\r\n");
            const char *body = "moved\n";
            set_response(s, cl, 301, "text/plain; charset=utf-8", strlen(body),
                         loc.p ? loc.p : NULL, body, strlen(body), head_only);
            free(loc.p);
            return;
        }
        char index[PATH_MAX + 16];
        snprintf(index, sizeof(index), "%s/index.html", real);
        struct stat ist;
        if (stat(index, &ist) == 0 && S_ISREG(ist.st_mode)) {
            char ireal[PATH_MAX];
            if (!realpath(index, ireal) || !inside_root(s, ireal)) {
                error_response(s, cl, 404, head_only);
                return;
            }
            snprintf(real, sizeof(real), "%s", ireal);
            st = ist;
        } else {
            listing(s, cl, real, req->path, head_only);
            return;
        }
    }
    if (!S_ISREG(st.st_mode)) {
        error_response(s, cl, 403, head_only);
        return;
    }
    int fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        error_response(s, cl, errno == EACCES ? 403 : 404, head_only);
        return;
    }
    set_response(s, cl, 200, http_content_type(real), (uint64_t)st.st_size, NULL, NULL, 0,
                 head_only);
    if (head_only || st.st_size == 0) {
        close(fd);
        return;
    }
    cl->file_fd = fd;
    cl->file_left = (uint64_t)st.st_size;
    /* The head and the start of the body in one record (as nginx does): a
     * small file goes out in one record and one write, not two, and the
     * pieces after it fill whole records. */
    if (cl->out && cl->out_len < SERVE_PIECE) {
        uint8_t *piece = realloc(cl->out, SERVE_PIECE);
        if (!piece)
            return; /* the head alone, the body after it */
        cl->out = piece;
        size_t room = SERVE_PIECE - cl->out_len;
        size_t want = cl->file_left < room ? (size_t)cl->file_left : room;
        ssize_t r;
        do
            r = read(fd, cl->out + cl->out_len, want);
        while (r < 0 && errno == EINTR);
        if (r > 0) {
            cl->out_len += (size_t)r;
            cl->file_left -= (uint64_t)r;
        }
    }
}

/* ---- the connection state machine ---- */

static void client_free(struct server *s, struct client *cl)
{
    if (cl->prev)
        cl->prev->next = cl->next;
    else
        s->clients = cl->next;
    if (cl->next)
        cl->next->prev = cl->prev;
    s->n_clients--;
    if (cl->again) {
        cl->again = false;
        s->n_again--;
    }
    epoll_ctl(s->ep, EPOLL_CTL_DEL, cl->fd, NULL);
    if (cl->file_fd >= 0)
        close(cl->file_fd);
    s->cur = cl; /* its last event (keys wiped) is its own */
    s->trace.conn_id = cl->id;
    tern_conn_free(cl->c); /* closes the socket tern_accept made */
    s->cur = NULL;
    explain_free(cl->xlog);
    cl->xlog = NULL;
    free(cl->out);
    /* Later events of the same epoll batch may still point at cl: keep the
     * memory until the batch is done. */
    cl->dead = true;
    cl->next = s->grave;
    s->grave = cl;
}

static void bury(struct server *s)
{
    bool freed = s->grave != NULL;
    while (s->grave) {
        struct client *cl = s->grave;
        s->grave = cl->next;
        free(cl);
    }
#ifdef __GLIBC__
    /* The last connection went: give the memory a burst of connections
     * used back to the system (glibc otherwise keeps freed pages below the
     * top of the heap), so an idle server returns to its baseline. */
    if (freed && s->n_clients == 0)
        malloc_trim(0);
#else
    (void)freed;
#endif
}

static void set_interest(struct server *s, struct client *cl, bool out)
{
    struct epoll_event ev = {.events = out ? EPOLLOUT : EPOLLIN, .data.ptr = cl};
    epoll_ctl(s->ep, EPOLL_CTL_MOD, cl->fd, &ev);
}

static void log_request(struct server *s, struct client *cl)
{
    if (s->quiet)
        return;
    const char *subj = tern_conn_peer_subject(cl->c);
    char turns[64] = "";
    if (s->log_turns)
        snprintf(turns, sizeof(turns), " turns=%lu steps=%lu", s->turns - cl->born_turn,
                 s->steps - cl->born_steps);
    logf_(s, "%s %s %s %d %llu%s%s%s%s", cl->peer, cl->method, cl->target, cl->status,
          (unsigned long long)cl->body_bytes, subj ? " " : "", subj ? subj : "",
          tern_conn_resumed(cl->c) ? " (resumed)" : "", turns);
}

static void begin_close(struct client *cl)
{
    cl->st = C_CLOSING;
}

/* Parse what is buffered; returns true when a response is ready. */
static bool take_request(struct server *s, struct client *cl)
{
    struct http_request req;
    char why[HTTP_WHY_MAX];
    int rc = http_parse_request(cl->in, cl->in_len, &req, why, sizeof(why));
    if (rc == HTTP_INCOMPLETE)
        return false;
    snprintf(cl->target, sizeof(cl->target), "%.200s", req.target[0] ? req.target : "-");
    if (rc != HTTP_DONE) {
        /* After a malformed head the stream cannot be trusted: answer and
         * close. */
        snprintf(cl->method, sizeof(cl->method), "%s", req.method[0] ? req.method : "-");
        cl->keep_alive = false;
        error_response(s, cl, rc, false);
        if (!s->quiet)
            logf_(s, "%s: request refused (%d): %s", cl->peer, rc, why);
        cl->in_len = 0;
    } else {
        snprintf(cl->method, sizeof(cl->method), "%s", req.method);
        cl->keep_alive = req.keep_alive && !s->draining;
        respond(s, cl, &req);
        /* Keep what followed the head: a pipelined next request. */
        memmove(cl->in, cl->in + req.head_len, cl->in_len - req.head_len);
        cl->in_len -= req.head_len;
    }
    cl->st = C_WRITE;
    cl->deadline = time(NULL) + 3 * s->timeout; /* progress, reset by each write */
    return true;
}

/* Run cl until the API wants the socket; false when cl is gone. */
static bool client_step(struct server *s, struct client *cl)
{
    s->trace.conn_id = cl->id;
    s->cur = cl;
    if (cl->again) {
        cl->again = false;
        s->n_again--;
    }
    for (int steps = 0;; steps++, s->steps++) {
        if (steps == SERVE_STEP_BUDGET) {
            /* Its share of this turn is spent; what is left may be in our
             * buffers, where epoll cannot see it: step it again next turn. */
            cl->again = true;
            cl->again_turn = s->turns;
            s->n_again++;
            return true;
        }
        int rc;
        switch (cl->st) {
        case C_HANDSHAKE:
            rc = tern_handshake(cl->c);
            if (rc == TERN_WANT_READ || rc == TERN_WANT_WRITE) {
                set_interest(s, cl, rc == TERN_WANT_WRITE);
                return true;
            }
            if (rc == TERN_E_CLOSED && tern_conn_handshake_done(cl->c)) {
                /* The client finished the handshake and closed at once. */
                if (!s->quiet)
                    logf_(s, "%s: closed by the client after the handshake, with no request",
                          cl->peer);
                client_free(s, cl);
                return false;
            }
            if (rc != TERN_OK) {
                if (!s->quiet) {
                    const char *e = tern_conn_error(cl->c);
                    logf_(s, "%s: handshake failed: %s", cl->peer, e ? e : tern_status_name(rc));
                }
                client_free(s, cl);
                return false;
            }
            cl->st = C_READ;
            break;
        case C_READ: {
            if (s->draining && cl->in_len == 0) {
                begin_close(cl);
                break;
            }
            if (take_request(s, cl))
                break;
            size_t n = 0;
            rc = tern_read(cl->c, cl->in + cl->in_len, sizeof(cl->in) - cl->in_len, &n);
            if (rc == TERN_WANT_READ || rc == TERN_WANT_WRITE) {
                set_interest(s, cl, rc == TERN_WANT_WRITE);
                return true;
            }
            if (rc == TERN_E_CLOSED) { /* the peer said goodbye: say it back */
                begin_close(cl);
                break;
            }
            if (rc != TERN_OK) {
                if (!s->quiet && rc != TERN_E_EOF) {
                    const char *e = tern_conn_error(cl->c);
                    logf_(s, "%s: %s", cl->peer, e ? e : tern_status_name(rc));
                }
                client_free(s, cl);
                return false;
            }
            cl->in_len += n;
            break;
        }
        case C_WRITE: {
            if (cl->out_off == cl->out_len && cl->file_left) {
                /* Next piece of the file. */
                size_t want = cl->file_left < SERVE_PIECE ? (size_t)cl->file_left : SERVE_PIECE;
                if (!cl->out || cl->out_len < SERVE_PIECE) {
                    free(cl->out);
                    cl->out = malloc(SERVE_PIECE);
                    if (!cl->out) {
                        client_free(s, cl);
                        return false;
                    }
                }
                ssize_t r;
                do
                    r = read(cl->file_fd, cl->out, want);
                while (r < 0 && errno == EINTR);
                if (r <= 0) { /* the file shrank or failed: the length is now a lie */
                    logf_(s, "%s: reading the file for %s failed; closing", cl->peer, cl->target);
                    client_free(s, cl);
                    return false;
                }
                cl->out_len = (size_t)r;
                cl->out_off = 0;
                cl->file_left -= (uint64_t)r;
            }
            if (cl->out_off == cl->out_len) {
                /* The response is out. */
                log_request(s, cl);
                if (cl->file_fd >= 0) {
                    close(cl->file_fd);
                    cl->file_fd = -1;
                }
                free(cl->out);
                cl->out = NULL;
                cl->out_len = cl->out_off = 0;
                if (!cl->keep_alive || s->draining) {
                    begin_close(cl);
                } else {
                    cl->st = C_READ;
                    cl->deadline = time(NULL) + s->timeout;
                }
                break;
            }
            size_t n = 0;
            rc = tern_write(cl->c, cl->out + cl->out_off, cl->out_len - cl->out_off, &n);
            if (rc == TERN_WANT_READ || rc == TERN_WANT_WRITE) {
                set_interest(s, cl, rc == TERN_WANT_WRITE);
                return true;
            }
            if (rc != TERN_OK) {
                if (!s->quiet) {
                    const char *e = tern_conn_error(cl->c);
                    logf_(s, "%s: sending failed: %s", cl->peer, e ? e : tern_status_name(rc));
                }
                client_free(s, cl);
                return false;
            }
            cl->out_off += n;
            cl->deadline = time(NULL) + 3 * s->timeout;
            break;
        }
        case C_CLOSING:
            rc = tern_close(cl->c);
            if (rc == TERN_WANT_WRITE || rc == TERN_WANT_READ) {
                set_interest(s, cl, rc == TERN_WANT_WRITE);
                return true;
            }
            client_free(s, cl);
            return false;
        }
    }
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* At --max-conns the listening socket leaves the loop: new connections wait
 * in the kernel's backlog (their handshake simply starts later) instead of
 * being accepted only to be closed. limit_tick, run every turn of the loop,
 * takes it back when there is room, and makes room when a connection has
 * waited a second by dropping the oldest connection still in its handshake:
 * idle sockets that never speak must not lock everyone out for --timeout. */
static void limit_pause(struct server *s)
{
    if (s->full)
        return;
    s->full = true;
    s->waiting_since_ms = 0;
    for (size_t i = 0; i < s->n_lfd; i++)
        epoll_ctl(s->ep, EPOLL_CTL_DEL, s->lfd[i], NULL);
    int64_t now = now_ms();
    if (s->last_full_note_ms && now - s->last_full_note_ms < 10000)
        return; /* one note per burst */
    s->last_full_note_ms = now;
    logf_(s,
          "connection limit %zu reached; new connections wait in the listen backlog, and one "
          "that waits over a second makes room by closing the oldest connection still in its "
          "handshake (--max-conns)",
          s->max_conns);
    s->evicted = 0;
}

static void accept_all(struct server *s);

static void limit_tick(struct server *s)
{
    if (!s->full || !s->n_lfd)
        return;
    int64_t waited = 0;
    if (s->n_clients >= s->max_conns) {
        struct pollfd p[SERVE_MAX_LISTEN];
        for (size_t i = 0; i < s->n_lfd; i++)
            p[i] = (struct pollfd){.fd = s->lfd[i], .events = POLLIN};
        if (poll(p, s->n_lfd, 0) < 1) {
            s->waiting_since_ms = 0; /* nobody waits */
            return;
        }
        int64_t now = now_ms();
        if (!s->waiting_since_ms)
            s->waiting_since_ms = now;
        if (now - s->waiting_since_ms < 1000)
            return;
        struct client *oldest = NULL;
        for (struct client *cl = s->clients; cl; cl = cl->next)
            if (cl->st == C_HANDSHAKE && (!oldest || cl->id < oldest->id))
                oldest = cl;
        if (!oldest)
            return; /* every connection is past its handshake: they time out as usual */
        /* A few lines, then silence: a flood of idle sockets is one event. */
        if (!s->quiet && s->evicted < 3)
            logf_(s, "%s: closed during its handshake to make room for a waiting connection%s",
                  oldest->peer,
                  s->evicted == 2 ? " (more such closings in this burst go unlogged)" : "");
        s->evicted++;
        client_free(s, oldest);
        waited = s->waiting_since_ms;
    }
    for (size_t i = 0; i < s->n_lfd; i++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = s->lmark};
        if (epoll_ctl(s->ep, EPOLL_CTL_ADD, s->lfd[i], &ev) != 0)
            return;
    }
    s->full = false;
    accept_all(s);
    /* Others behind it in the backlog may have waited as long: a flood of
     * idle sockets is worked through one per turn, not one per second. */
    if (s->full && waited)
        s->waiting_since_ms = waited;
}

/* accept_from takes the connections waiting on one listening socket;
 * false when the limit stopped it. */
static bool accept_from(struct server *s, int lfd)
{
    for (;;) {
        if (s->n_clients >= s->max_conns) {
            limit_pause(s);
            return false;
        }
        struct sockaddr_storage peer;
        socklen_t pl = sizeof(peer);
        tern_conn *c = NULL;
        int rc = tern_accept(s->cfg, lfd, &c);
        if (rc == TERN_WANT_READ)
            return true;
        if (rc != TERN_OK) {
            if (errno == EMFILE || errno == ENFILE)
                logf_(s, "out of file descriptors; not accepting for now");
            else
                logf_(s, "accept failed: %s", strerror(errno));
            return true;
        }
        int fd = tern_conn_fd(c);
        struct client *cl = calloc(1, sizeof(*cl));
        if (!cl) {
            tern_conn_free(c);
            continue;
        }
        cl->c = c;
        cl->fd = fd;
        cl->file_fd = -1;
        cl->id = ++s->next_id;
        cl->st = C_HANDSHAKE;
        cl->deadline = time(NULL) + s->timeout;
        cl->born_turn = s->turns;
        cl->born_steps = s->steps;
        char host[NI_MAXHOST] = "?", port[NI_MAXSERV] = "?";
        if (getpeername(fd, (struct sockaddr *)&peer, &pl) == 0)
            getnameinfo((struct sockaddr *)&peer, pl, host, sizeof(host), port, sizeof(port),
                        NI_NUMERICHOST | NI_NUMERICSERV);
        snprintf(cl->peer, sizeof(cl->peer), strchr(host, ':') ? "[%s]:%s" : "%s:%s", host, port);
        cl->next = s->clients;
        if (s->clients)
            s->clients->prev = cl;
        s->clients = cl;
        s->n_clients++;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = cl};
        if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
            client_free(s, cl);
            continue;
        }
        client_step(s, cl);
    }
}

/* accept_all: every listening socket shares one epoll tag, so a wake-up
 * takes what waits on each of them. */
static void accept_all(struct server *s)
{
    for (size_t i = 0; i < s->n_lfd; i++)
        if (!accept_from(s, s->lfd[i]))
            return;
}

static void expire(struct server *s)
{
    time_t now = time(NULL);
    for (struct client *cl = s->clients, *next; cl; cl = next) {
        next = cl->next;
        if (now < cl->deadline)
            continue;
        if (!s->quiet)
            logf_(s, "%s: timed out %s", cl->peer,
                  cl->st == C_HANDSHAKE ? "during the handshake"
                  : cl->st == C_READ    ? (cl->in_len ? "before sending a whole request head"
                                                      : "waiting for a request")
                  : cl->st == C_WRITE   ? "not reading the response"
                                        : "while closing");
        if (cl->st == C_READ) {
            /* Say goodbye with close_notify; a client that does not take
             * even that is dropped at the next expiry. */
            cl->st = C_CLOSING;
            cl->deadline = now + 2;
            client_step(s, cl);
        } else {
            client_free(s, cl);
        }
    }
}

/* listen_on binds every address addr resolves to (localhost: 127.0.0.1
 * and ::1, so a client that tries either gets in), all on one port: with
 * port 0 the first socket's free port, taken again for the others. Fills
 * fds and the "https://ADDR:PORT/" text of each; returns how many, or -1
 * with a sentence. */
static int listen_on(const char *addr, const char *port, int *fds, char (*bound)[80], size_t max,
                     char *why, size_t why_cap)
{
    struct addrinfo hints, *res[2] = {NULL, NULL};
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    /* localhost is the loopback addresses (RFC 6761 §6.3), whatever
     * /etc/hosts says: browsers try ::1 and 127.0.0.1 for it. */
    bool lh = !strcmp(addr, "localhost");
    const char *names[2] = {lh ? "127.0.0.1" : addr, lh ? "::1" : NULL};
    for (int i = 0; i < 2 && names[i]; i++) {
        int gai = getaddrinfo(names[i], port, &hints, &res[i]);
        if (gai && i == 0) {
            snprintf(why, why_cap, "cannot use address '%s' port %s: %s", addr, port,
                     gai_strerror(gai));
            return -1;
        }
    }
    struct addrinfo *all[8];
    size_t n_addr = 0;
    for (int i = 0; i < 2; i++)
        for (struct addrinfo *ai = res[i]; ai && n_addr < 8; ai = ai->ai_next)
            all[n_addr++] = ai;
    int n = 0;
    char chosen[NI_MAXSERV] = "";
    for (int attempt = 0; attempt < 5 && n == 0; attempt++) {
        for (size_t k = 0; k < n_addr && (size_t)n < max; k++) {
            struct addrinfo *ai = all[k];
            if (chosen[0]) { /* the port the first socket got */
                int pn = atoi(chosen);
                if (ai->ai_family == AF_INET)
                    ((struct sockaddr_in *)ai->ai_addr)->sin_port = htons((uint16_t)pn);
                else if (ai->ai_family == AF_INET6)
                    ((struct sockaddr_in6 *)ai->ai_addr)->sin6_port = htons((uint16_t)pn);
            }
            int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            int one = 1;
            if (fd >= 0) {
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
                /* Several addresses: each socket keeps to its own family. */
                if (ai->ai_family == AF_INET6 && n_addr > 1)
                    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
            }
            if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 511) != 0) {
                int e = errno;
                char host[NI_MAXHOST] = "?";
                getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof(host), NULL, 0,
                            NI_NUMERICHOST);
                if (fd >= 0)
                    close(fd);
                if (n > 0 && (e == EADDRNOTAVAIL || e == EAFNOSUPPORT)) {
                    /* no IPv6 (or IPv4) here: the other family serves */
                    fprintf(stderr, "tern serve: not listening on %s: %s\n", host, strerror(e));
                    continue;
                }
                if (n > 0 && e == EADDRINUSE && !strcmp(port, "0")) {
                    /* the free port of one family is taken in the other: again */
                    while (n > 0)
                        close(fds[--n]);
                    chosen[0] = 0;
                    break;
                }
                snprintf(why, why_cap, "cannot listen on %s port %s: %s", host,
                         chosen[0] ? chosen : port, strerror(e));
                while (n > 0)
                    close(fds[--n]);
                for (int i = 0; i < 2; i++)
                    if (res[i])
                        freeaddrinfo(res[i]);
                return -1;
            }
            struct sockaddr_storage ss;
            socklen_t sl = sizeof(ss);
            char host[NI_MAXHOST] = "?", serv[NI_MAXSERV] = "?";
            if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
                getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), serv, sizeof(serv),
                            NI_NUMERICHOST | NI_NUMERICSERV);
            if (!chosen[0])
                snprintf(chosen, sizeof(chosen), "%s", serv);
            snprintf(bound[n], sizeof(bound[n]), strchr(host, ':') ? "[%s]:%s" : "%s:%s", host,
                     serv);
            fds[n++] = fd;
        }
    }
    for (int i = 0; i < 2; i++)
        if (res[i])
            freeaddrinfo(res[i]);
    if (n == 0)
        snprintf(why, why_cap, "cannot listen on %s port %s: the port was taken again", addr, port);
    return n ? n : -1;
}

/* The development certificate: reuse it while it has a month left and is
 * younger than the CA that signed it; otherwise issue a new one. */
static int dev_certificate(const char *state, char *cert, char *key, char *ca_out, size_t cap)
{
    char dir[UTIL_PATH_MAX], why[512];
    if (util_state_dir(state, dir, sizeof(dir), why, sizeof(why)) != 0) {
        fprintf(stderr, "tern serve: %s\n", why);
        return -1;
    }
    struct devca ca;
    bool created;
    if (util_ca_load_or_create(dir, true, TERN_KEY_EC_P256, &ca, &created, why, sizeof(why)) != 0) {
        fprintf(stderr, "tern serve: %s\n", why);
        return -1;
    }
    char ca_cert[UTIL_PATH_MAX], ca_key[UTIL_PATH_MAX];
    util_ca_paths(dir, ca_cert, ca_key, sizeof(ca_cert));
    if (snprintf(cert, cap, "%s/localhost.pem", dir) >= (int)cap ||
        snprintf(key, cap, "%s/localhost-key.pem", dir) >= (int)cap) {
        fprintf(stderr, "tern serve: the state folder's path is too long\n");
        devca_cleanup(&ca);
        return -1;
    }
    struct stat cs, ls, ks;
    time_t now = time(NULL);
    bool fresh = stat(cert, &ls) == 0 && stat(key, &ks) == 0 && stat(ca_cert, &cs) == 0 &&
                 ls.st_mtime >= cs.st_mtime &&
                 now - ls.st_mtime < (time_t)(DEVCA_LEAF_DAYS - 30) * 86400;
    int rc = 0;
    if (!fresh) {
        static const char *const names[] = {"localhost", "127.0.0.1", "::1"};
        struct devca_leaf leaf = {.key_type = TERN_KEY_EC_P256,
                                  .names = names,
                                  .n_names = 3,
                                  .now = now,
                                  .days = DEVCA_LEAF_DAYS};
        rc = util_issue_files(&ca, &leaf, cert, key, why, sizeof(why));
        if (rc != 0)
            fprintf(stderr, "tern serve: %s\n", why);
    }
    devca_cleanup(&ca);
    if (rc == 0)
        fprintf(stderr,
                "tern serve: %s development CA %s\n"
                "  certificate for localhost, 127.0.0.1, ::1: %s\n",
                created ? "made the" : "using the", ca_cert, cert);
    snprintf(ca_out, cap, "%s", ca_cert);
    return rc;
}

static bool is_loopback(const char *addr)
{
    return !strcmp(addr, "localhost") || !strcmp(addr, "::1") || !strncmp(addr, "127.", 4);
}

/* A certificate clients will refuse is worth a word before the first one
 * does: the sentence is the one a client would get (tern_config_check_cert
 * runs the client's checks, trust in the root aside). */
static int check_certificate(const tern_config *cfg, const char *const *names, size_t n,
                             bool strict)
{
    char why[512];
    int bad = 0;
    for (size_t i = 0; i < (n ? n : 1); i++) {
        if (tern_config_check_cert(cfg, n ? names[i] : NULL, 1, 0, why, sizeof(why)) == TERN_OK)
            continue;
        bad++;
        fprintf(stderr, "tern serve: %s: clients will refuse this certificate%s%s%s: %s\n",
                strict ? "error" : "WARNING", n ? " for '" : "", n ? names[i] : "", n ? "'" : "",
                why);
    }
    if (bad && strict) {
        fputs("tern serve: not starting (--strict)\n", stderr);
        return -1;
    }
    if (bad)
        fputs("tern serve: starting anyway (--strict refuses to)\n", stderr);
    return 0;
}

/* parse_session_cache: --session-cache N, a positive number of sessions
 * (tern_config_set_session_cache says if it is too many); 0 when not one. */
static size_t parse_session_cache(const char *arg)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(arg, &end, 10);
    if (errno || end == arg || *end || arg[0] == '-' || n > SIZE_MAX)
        return 0;
    return (size_t)n;
}

/* What the server's configuration is made from: kept, so SIGHUP can make
 * it again from the same files. */
struct serve_opts {
    const char *certs[SERVE_MAX_CERTS], *keys[SERVE_MAX_CERTS];
    size_t n_certs, n_keys;
    const char *cafile, *ticket_key;
    bool require_client, psk_ke, has_pass, require_sni;
    size_t session_cache; /* --session-cache N; 0 none */
    struct util_password pass;
};

/* --require-sni: a ClientHello that names no host is refused with
 * unrecognized_name (what nginx's ssl_reject_handshake does for the
 * default server). */
static enum tern_sni_verdict require_sni(void *arg, tern_conn *c,
                                         const struct tern_client_hello_info *info)
{
    (void)arg;
    (void)c;
    return info->server_name ? TERN_SNI_CONTINUE : TERN_SNI_UNRECOGNIZED_NAME;
}

/* make_config builds the server's configuration from o; NULL with the
 * sentence in why when a file or setting is refused. */
static tern_config *make_config(const struct serve_opts *o, char *why, size_t why_cap)
{
    tern_config *cfg = tern_config_new();
    if (!cfg) {
        snprintf(why, why_cap, "out of memory");
        return NULL;
    }
    if (o->has_pass)
        tern_config_set_key_password_callback(cfg, util_password_cb, (void *)&o->pass);
    if (o->require_sni)
        tern_config_set_server_name_callback(cfg, require_sni, NULL);
    const char *step = NULL;
    for (size_t i = 0; i < o->n_certs && !step; i++)
        if (tern_config_add_cert_chain_file(cfg, o->certs[i], o->keys[i]) != TERN_OK)
            step = "--cert/--key";
    if (step)
        ;
    else if (o->cafile && (tern_config_add_trust_file(cfg, o->cafile) != TERN_OK ||
                           tern_config_send_client_ca_names(cfg, 1) != TERN_OK))
        step = "--cafile";
    else if (o->cafile && tern_config_set_client_auth(
                              cfg, o->require_client ? TERN_CLIENT_AUTH_REQUIRED
                                                     : TERN_CLIENT_AUTH_OPTIONAL) != TERN_OK)
        step = "--require-client-cert";
    else if (o->ticket_key && tern_config_set_ticket_key_file(cfg, o->ticket_key) != TERN_OK)
        step = "--ticket-key";
    else if (o->psk_ke && tern_config_set_psk_ke(cfg, 1) != TERN_OK)
        step = "--allow-psk-ke";
    else if (o->session_cache && tern_config_set_session_cache(cfg, o->session_cache) != TERN_OK)
        step = "--session-cache";
    if (!step) {
        static const char *const alpn[] = {"http/1.1"};
        if (tern_config_set_alpn(cfg, alpn, 1) != TERN_OK)
            step = "ALPN";
    }
    if (step) {
        const char *e = tern_config_error(cfg);
        snprintf(why, why_cap, "%s: %s", step, e ? e : "rejected");
        tern_config_free(cfg);
        return NULL;
    }
    return cfg;
}

/* reload: SIGHUP. New connections get the new certificates and keys; those
 * in flight keep the configuration they started with (each holds a
 * reference). A failure keeps the old one serving, and says why. */
static void reload(struct server *s, const struct serve_opts *o, struct util_keylog *kl)
{
    char why[1024];
    tern_config *cfg = make_config(o, why, sizeof(why));
    if (!cfg) {
        fprintf(stderr,
                "tern serve: SIGHUP: reload failed, still serving the previous "
                "certificates: %s\n",
                why);
        return;
    }
    if (kl->f)
        tern_config_set_keylog(cfg, util_keylog_cb, kl);
    if (s->trace.mode != TRACE_OFF)
        tern_config_set_trace(cfg, trace_callback, &s->trace);
    tern_config_free(s->cfg);
    s->cfg = cfg;
    fprintf(stderr, "tern serve: SIGHUP: reloaded %zu certificate chain%s:", o->n_certs,
            o->n_certs == 1 ? "" : "s");
    for (size_t i = 0; i < o->n_certs; i++)
        fprintf(stderr, " %s", o->certs[i]);
    fputc('\n', stderr);
}

int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"cert", required_argument, 0, 'c'},
        {"key", required_argument, 0, 'k'},
        {"key-pass", required_argument, 0, 'Y'},
        {"require-sni", no_argument, 0, 'S'},
        {"addr", required_argument, 0, 'a'},
        {"port", required_argument, 0, 'p'},
        {"state-dir", required_argument, 0, 's'},
        {"cafile", required_argument, 0, 'C'},
        {"require-client-cert", no_argument, 0, 'R'},
        {"keylog", required_argument, 0, 'l'},
        {"ticket-key", required_argument, 0, 'K'},
        {"allow-psk-ke", no_argument, 0, 'P'},
        {"session-cache", required_argument, 0, 'Z'},
        {"trace", optional_argument, 0, 'T'},
        {"timeout", required_argument, 0, 'W'},
        {"max-conns", required_argument, 0, 'm'},
        {"name", required_argument, 0, 'N'},
        {"strict", no_argument, 0, 'X'},
        {"no-explain-page", no_argument, 0, 'E'},
        {"quiet", no_argument, 0, 'q'},
        {"log-turns", no_argument, 0, 'L'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *addr = "localhost", *port = "8443", *state = NULL, *keylog = NULL, *key_pass = NULL;
    static struct serve_opts o;
    memset(&o, 0, sizeof(o));
    bool strict = false;
    char why[1024];
    const char *names[SERVE_MAX_NAMES];
    size_t n_names = 0;
    struct server s = {.timeout = 10, .max_conns = 1000, .sfd = -1, .ep = -1, .explain_page = true};
    s.trace.f = stderr;
    s.trace.show_conn = true;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
        case 'k': {
            const char **list = ch == 'c' ? o.certs : o.keys;
            size_t *n = ch == 'c' ? &o.n_certs : &o.n_keys;
            if (*n == SERVE_MAX_CERTS) {
                fprintf(stderr, "tern serve: at most %d --cert/--key pairs\n", SERVE_MAX_CERTS);
                return 2;
            }
            list[(*n)++] = optarg;
            break;
        }
        case 'Y':
            key_pass = optarg;
            break;
        case 'S':
            o.require_sni = true;
            break;
        case 'a':
            addr = optarg;
            break;
        case 'p':
            port = optarg;
            break;
        case 's':
            state = optarg;
            break;
        case 'C':
            o.cafile = optarg;
            break;
        case 'R':
            o.require_client = true;
            break;
        case 'l':
            keylog = optarg;
            break;
        case 'K':
            o.ticket_key = optarg;
            break;
        case 'P':
            o.psk_ke = true;
            break;
        case 'Z':
            o.session_cache = parse_session_cache(optarg);
            if (!o.session_cache) {
                fprintf(stderr,
                        "tern serve: --session-cache takes a number of sessions (1 or "
                        "more), not '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case 'T': {
            char suffix[32] = "";
            if (optarg)
                snprintf(suffix, sizeof(suffix), "=%s", optarg);
            if (!trace_parse_mode(suffix, &s.trace.mode)) {
                fprintf(stderr, "tern serve: --trace takes nothing, =explain or =json\n");
                return 2;
            }
            break;
        }
        case 'W':
            s.timeout = atoi(optarg);
            if (s.timeout <= 0) {
                fputs("tern serve: --timeout wants a positive number of seconds\n", stderr);
                return 2;
            }
            break;
        case 'm':
            s.max_conns = (size_t)atol(optarg);
            if (!s.max_conns) {
                fputs("tern serve: --max-conns wants a positive number\n", stderr);
                return 2;
            }
            break;
        case 'N':
            if (n_names == SERVE_MAX_NAMES) {
                fprintf(stderr, "tern serve: at most %d --name options\n", SERVE_MAX_NAMES);
                return 2;
            }
            names[n_names++] = optarg;
            break;
        case 'X':
            strict = true;
            break;
        case 'E':
            s.explain_page = false;
            break;
        case 'q':
            s.quiet = true;
            break;
        case 'L':
            s.log_turns = true;
            break;
        case 'h':
            fputs(SERVE_HELP, stdout);
            return 0;
        default:
            fputs("tern serve: see 'tern serve --help'\n", stderr);
            return 2;
        }
    }
    if (argc - optind > 1) {
        fputs("tern serve: one folder at a time (tern serve --help)\n", stderr);
        return 2;
    }
    if (o.n_certs != o.n_keys) {
        fprintf(stderr,
                "tern serve: --cert and --key go together, in pairs (%zu --cert, %zu --key)\n",
                o.n_certs, o.n_keys);
        return 2;
    }
    if (key_pass && util_password_parse(&o.pass, key_pass, why, sizeof(why)) != 0) {
        fprintf(stderr, "tern serve: %s\n", why);
        return 2;
    }
    o.has_pass = key_pass != NULL;
    if (o.require_client && !o.cafile) {
        fputs("tern serve: --require-client-cert needs --cafile, the CAs client certificates must "
              "chain to\n",
              stderr);
        return 2;
    }
    static char root[PATH_MAX];
    const char *dir = optind < argc ? argv[optind] : ".";
    if (!realpath(dir, root)) {
        fprintf(stderr, "tern serve: cannot serve %s: %s\n", dir, strerror(errno));
        return 1;
    }
    struct stat rst;
    if (stat(root, &rst) != 0 || !S_ISDIR(rst.st_mode)) {
        fprintf(stderr, "tern serve: %s is not a folder\n", dir);
        return 1;
    }
    s.root = root;
    s.root_len = strlen(root);

    static char dev_cert[UTIL_PATH_MAX], dev_key[UTIL_PATH_MAX], dev_ca[UTIL_PATH_MAX];
    if (!o.n_certs) {
        if (dev_certificate(state, dev_cert, dev_key, dev_ca, sizeof(dev_cert)) != 0)
            return 1;
        o.certs[o.n_certs++] = dev_cert;
        o.keys[o.n_keys++] = dev_key;
    }

    int result = 1;
    char bound[SERVE_MAX_LISTEN][80];
    struct util_keylog kl = {0};
    s.cfg = make_config(&o, why, sizeof(why));
    if (!s.cfg) {
        fprintf(stderr, "tern serve: %s\n", why);
        goto done;
    }
    if (!n_names && is_loopback(addr))
        names[n_names++] = "localhost";
    if (check_certificate(s.cfg, names, n_names, strict) != 0)
        goto done;
    if (util_keylog_open(&kl, keylog, why, sizeof(why)) != 0) {
        fprintf(stderr, "tern serve: %s\n", why);
        goto done;
    }
    if (kl.f)
        tern_config_set_keylog(s.cfg, util_keylog_cb, &kl);
    if (s.trace.mode != TRACE_OFF || s.explain_page)
        tern_config_set_trace(s.cfg, serve_trace, &s);

    int nl = listen_on(addr, port, s.lfd, bound, SERVE_MAX_LISTEN, why, sizeof(why));
    if (nl < 0) {
        fprintf(stderr, "tern serve: %s\n", why);
        goto done;
    }
    s.n_lfd = (size_t)nl;
    /* Signals arrive as readable events in the same loop. */
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGHUP);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    s.sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    s.ep = epoll_create1(EPOLL_CLOEXEC);
    static int lmark, smark;
    s.lmark = &lmark;
    struct epoll_event sev = {.events = EPOLLIN, .data.ptr = &smark};
    bool ep_ok = s.sfd >= 0 && s.ep >= 0 && epoll_ctl(s.ep, EPOLL_CTL_ADD, s.sfd, &sev) == 0;
    for (size_t i = 0; i < s.n_lfd && ep_ok; i++) {
        struct epoll_event lev = {.events = EPOLLIN, .data.ptr = &lmark};
        ep_ok = epoll_ctl(s.ep, EPOLL_CTL_ADD, s.lfd[i], &lev) == 0;
    }
    if (!ep_ok) {
        fprintf(stderr, "tern serve: cannot set up the event loop: %s\n", strerror(errno));
        goto done;
    }
    /* The banner, with the port really bound (--port 0 picks one). */
    fprintf(stderr, "tern serve: serving %s\n", root);
    for (size_t i = 0; i < s.n_lfd; i++)
        fprintf(stderr, "listening on https://%s/\n", bound[i]);
    const char *bport = strrchr(bound[0], ':') + 1;
    char url[160];
    if (is_loopback(addr))
        snprintf(url, sizeof(url), "https://localhost:%s/", bport);
    else
        snprintf(url, sizeof(url), "https://%s/", bound[0]);
    if (dev_ca[0])
        fprintf(stderr,
                "  open:          %s\n"
                "  trust the CA:  curl --cacert %s %s\n"
                "                 python3: ssl.create_default_context(cafile='%s')\n"
                "                 browsers: certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n 'tern "
                "development CA' -i %s\n",
                url, dev_ca, url, dev_ca, dev_ca);
    else
        fprintf(stderr, "  open:          %s\n", url);
    fflush(stderr);

    result = 0;
    for (;;) {
        if (s.draining && (!s.clients || time(NULL) >= s.drain_deadline))
            break;
        struct epoll_event evs[64];
        s.turns++;
        /* Connections with work left from the last turn: do not sleep. */
        int n = epoll_wait(s.ep, evs, 64, s.n_again ? 0 : s.full ? 100 : 1000);
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "tern serve: epoll_wait: %s\n", strerror(errno));
            result = 1;
            break;
        }
        for (int i = 0; i < n; i++) {
            void *p = evs[i].data.ptr;
            if (p == &lmark) {
                if (!s.draining)
                    accept_all(&s);
            } else if (p == &smark) {
                struct signalfd_siginfo si;
                while (read(s.sfd, &si, sizeof(si)) == sizeof(si)) {
                    if (si.ssi_signo == SIGHUP) {
                        reload(&s, &o, &kl);
                        continue;
                    }
                    if (s.draining) {
                        fputs("tern serve: second signal: stopping now\n", stderr);
                        s.drain_deadline = 0;
                        continue;
                    }
                    fprintf(stderr, "tern serve: %s: finishing %zu connection%s, then stopping\n",
                            si.ssi_signo == SIGINT ? "interrupted" : "terminated", s.n_clients,
                            s.n_clients == 1 ? "" : "s");
                    s.draining = true;
                    s.drain_deadline = time(NULL) + 10;
                    for (size_t l = 0; l < s.n_lfd; l++) {
                        epoll_ctl(s.ep, EPOLL_CTL_DEL, s.lfd[l], NULL);
                        close(s.lfd[l]);
                    }
                    s.n_lfd = 0;
                    /* Idle connections close now; busy ones after their response. */
                    for (struct client *cl = s.clients, *next; cl; cl = next) {
                        next = cl->next;
                        if (cl->st == C_READ && cl->in_len == 0) {
                            cl->st = C_CLOSING;
                            client_step(&s, cl);
                        } else if (cl->st == C_HANDSHAKE) {
                            client_free(&s, cl);
                        } else {
                            cl->keep_alive = false;
                        }
                    }
                }
            } else {
                struct client *cl = p;
                if (!cl->dead)
                    client_step(&s, cl);
            }
        }
        /* The connections whose budget ran out last turn (and did not get
         * an event this turn): one more share each. One that runs out
         * again now waits for the next turn. */
        for (struct client *cl = s.clients, *next; cl && s.n_again; cl = next) {
            next = cl->next;
            if (cl->again && cl->again_turn != s.turns)
                client_step(&s, cl);
        }
        expire(&s);
        limit_tick(&s);
        bury(&s);
    }
    while (s.clients)
        client_free(&s, s.clients);
    bury(&s);
    fputs("tern serve: stopped\n", stderr);
done:
    for (size_t l = 0; l < s.n_lfd; l++)
        close(s.lfd[l]);
    if (s.sfd >= 0)
        close(s.sfd);
    if (s.ep >= 0)
        close(s.ep);
    util_keylog_close(&kl);
    tern_config_free(s.cfg);
    explicit_bzero(&o.pass, sizeof(o.pass));
    return result;
}
