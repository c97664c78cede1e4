/* tern_peer: a small TLS client or server for the interop tests, driving
 * the sans-I/O connection over a blocking socket itself, so each knob of
 * the configuration can be set from the command line.
 *
 *   tern_peer client HOST PORT [options]   send --send TEXT, print what comes back
 *   tern_peer server PORT [options]        accept one connection, answer
 *
 * Options: --cafile F  --cert F --key F  --name N  --suites HEX,HEX
 *          --groups HEX,...  --alpn a,b  --key-update  --send TEXT
 *          --export LABEL (print 32 bytes of exported keying material)
 *          --expect TEXT  --require-client-cert  --insecure
 *          --tls12 (TLS 1.2 only)  --rsa-kx (enable RSA key transport)
 *          --sigs HEX,...  --client-auth-report (ask for a client certificate,
 *          complete whatever it is, print "verdict: REASON: SENTENCE")
 * It prints "negotiated: version=... suite=... group=... alpn=... sig=..."
 * and exits 0 only if the handshake completed and data crossed. */
#include "tern/tern.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct opts {
    const char *cafile, *cert, *key, *name, *alpn, *send, *expect, *export_label;
    uint16_t suites[8], groups[8], sigs[16];
    size_t n_suites, n_groups, n_sigs;
    int key_update, require_client_cert, insecure, tls12, rsa_kx, client_auth_report;
};

static size_t parse_hex_list(const char *s, uint16_t *out, size_t cap)
{
    size_t n = 0;
    char *copy = strdup(s), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t && n < cap; t = strtok_r(NULL, ",", &save))
        out[n++] = (uint16_t)strtoul(t, NULL, 16);
    free(copy);
    return n;
}

static int flush(tern_conn *c, int fd)
{
    const uint8_t *out;
    size_t len;
    tern_conn_output(c, &out, &len);
    while (len > 0) {
        ssize_t n = send(fd, out, len, MSG_NOSIGNAL);
        if (n <= 0)
            return -1;
        tern_conn_output_done(c, (size_t)n);
        tern_conn_output(c, &out, &len);
    }
    return 0;
}

/* Bytes received but not yet taken by the connection (it stops taking
 * while application data waits to be read). */
static uint8_t pending[16384];
static size_t pending_off, pending_len;

/* pull feeds what is pending, reading from the socket when nothing is. */
static int pull(tern_conn *c, int fd)
{
    if (pending_off == pending_len) {
        ssize_t n = recv(fd, pending, sizeof(pending), 0);
        if (n <= 0)
            return -1;
        pending_off = 0;
        pending_len = (size_t)n;
    }
    size_t used;
    if (tern_conn_feed(c, pending + pending_off, pending_len - pending_off, &used) != TERN_OK)
        return -1;
    pending_off += used;
    return 0;
}

static void report(tern_conn *c)
{
    printf("negotiated: version=%s suite=%s group=%s alpn=%s sig=%s peer=%s\n",
           tern_version_name(tern_conn_version(c)), tern_suite_name(tern_conn_cipher_suite(c)),
           tern_group_name(tern_conn_group(c)), tern_conn_alpn(c) ? tern_conn_alpn(c) : "-",
           tern_sig_scheme_name(tern_conn_signature_scheme(c)),
           tern_conn_peer_subject(c) ? tern_conn_peer_subject(c) : "-");
    struct tern_verdict v;
    if (tern_conn_peer_verdict(c, &v) == TERN_OK)
        printf("verdict: %s: %s (peer certificates: %zu)\n", tern_verify_reason_name(v.reason),
               v.sentence[0] ? v.sentence : "accepted", tern_conn_peer_cert_count(c));
    fflush(stdout);
}

static int flush(tern_conn *c, int fd);

/* fail reports the error after sending what the connection still has to
 * say (the alert that tells the peer why). */
static int fail_fd(tern_conn *c, int fd, const char *what)
{
    flush(c, fd);
    fprintf(stderr, "tern_peer: %s: %s\n", what,
            tern_conn_error(c) ? tern_conn_error(c) : "connection ended");
    return 1;
}

static int fail(tern_conn *c, const char *what)
{
    fprintf(stderr, "tern_peer: %s: %s\n", what,
            tern_conn_error(c) ? tern_conn_error(c) : "connection ended");
    return 1;
}

/* run drives a connection: handshake, optional key update, send, then read
 * until the expected text (or close). */
static int run(tern_conn *c, int fd, const struct opts *o)
{
    while (!tern_conn_handshake_done(c)) {
        if (flush(c, fd) < 0 || (tern_conn_wants(c) & TERN_WANTS_CLOSED))
            return fail(c, "handshake");
        if (tern_conn_handshake_done(c))
            break;
        if (pull(c, fd) < 0)
            return fail_fd(c, fd, "handshake");
    }
    if (flush(c, fd) < 0)
        return fail(c, "handshake");
    report(c);
    if (o->export_label) {
        uint8_t km[32];
        if (tern_conn_export_keying_material(c, o->export_label, NULL, 0, km, sizeof(km)) !=
            TERN_OK)
            return fail(c, "export");
        printf("export=");
        for (size_t i = 0; i < sizeof(km); i++)
            printf("%02X", km[i]);
        printf("\n");
        fflush(stdout);
    }
    if (o->key_update && (tern_conn_key_update(c, 1) != TERN_OK || flush(c, fd) < 0))
        return fail(c, "key update");
    if (o->send) {
        size_t n;
        if (tern_conn_write(c, (const uint8_t *)o->send, strlen(o->send), &n) != TERN_OK ||
            flush(c, fd) < 0) {
            /* The peer may have refused us after our Finished (a TLS 1.3
             * server rejecting a client certificate): its alert tells why. */
            (void)pull(c, fd);
            return fail(c, "write");
        }
    }
    size_t cap = 1 << 20, have = 0;
    char *got = calloc(1, cap + 1);
    int rc = 1;
    for (;;) {
        size_t n;
        int r = tern_conn_read(c, (uint8_t *)got + have, cap - have, &n);
        if (r == TERN_OK) {
            have += n;
            got[have] = '\0';
            if (o->expect && strstr(got, o->expect)) {
                rc = 0;
                break;
            }
            continue;
        }
        if (r == TERN_E_CLOSED) {
            rc = o->expect ? 1 : 0;
            break;
        }
        if (r != TERN_WANT_READ) {
            fail(c, "read");
            break;
        }
        if (flush(c, fd) < 0 || pull(c, fd) < 0) {
            if (!o->expect && have)
                rc = 0;
            else
                fail(c, "read");
            break;
        }
    }
    fwrite(got, 1, have, stdout);
    printf("\n");
    if (o->expect && rc != 0)
        fprintf(stderr, "tern_peer: expected '%s' in the peer's data\n", o->expect);
    free(got);
    tern_conn_close(c);
    flush(c, fd);
    return rc;
}

static tern_config *make_config(const struct opts *o)
{
    tern_config *cfg = tern_config_new();
    int rc = TERN_OK;
    if (o->cafile)
        rc = tern_config_add_trust_file(cfg, o->cafile);
    if (rc == TERN_OK && o->cert)
        rc = tern_config_set_cert_chain_file(cfg, o->cert, o->key ? o->key : o->cert);
    if (rc == TERN_OK && o->n_suites)
        rc = tern_config_set_cipher_suites(cfg, o->suites, o->n_suites);
    if (rc == TERN_OK && o->rsa_kx)
        rc = tern_config_enable_rsa_key_transport(cfg, 1);
    if (rc == TERN_OK && o->tls12)
        rc = tern_config_set_versions(cfg, TERN_TLS12, TERN_TLS12);
    if (rc == TERN_OK && o->n_sigs)
        rc = tern_config_set_signature_schemes(cfg, o->sigs, o->n_sigs);
    if (rc == TERN_OK && o->n_groups)
        rc = tern_config_set_groups(cfg, o->groups, o->n_groups);
    if (rc == TERN_OK && o->alpn) {
        const char *names[8];
        size_t n = 0;
        char *copy = strdup(o->alpn), *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t && n < 8; t = strtok_r(NULL, ",", &save))
            names[n++] = t;
        rc = tern_config_set_alpn(cfg, names, n);
        free(copy);
    }
    if (rc == TERN_OK && o->client_auth_report)
        rc = tern_config_set_client_auth(cfg, TERN_CLIENT_AUTH_OPTIONAL_REPORT_ONLY);
    if (rc == TERN_OK && o->require_client_cert)
        rc = tern_config_set_client_auth(cfg, TERN_CLIENT_AUTH_REQUIRED);
    if (rc == TERN_OK && o->insecure)
        rc = tern_config_insecure_skip_verify_DANGEROUS(cfg, 1);
    if (rc != TERN_OK) {
        fprintf(stderr, "tern_peer: configuration: %s\n", tern_config_error(cfg));
        exit(2);
    }
    return cfg;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: tern_peer client HOST PORT [opts] | server PORT [opts]\n");
        return 2;
    }
    bool client = !strcmp(argv[1], "client");
    int first = client ? 4 : 3;
    struct opts o = {0};
    for (int i = first; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--cafile") && v)
            o.cafile = v, i++;
        else if (!strcmp(a, "--cert") && v)
            o.cert = v, i++;
        else if (!strcmp(a, "--key") && v)
            o.key = v, i++;
        else if (!strcmp(a, "--name") && v)
            o.name = v, i++;
        else if (!strcmp(a, "--alpn") && v)
            o.alpn = v, i++;
        else if (!strcmp(a, "--send") && v)
            o.send = v, i++;
        else if (!strcmp(a, "--expect") && v)
            o.expect = v, i++;
        else if (!strcmp(a, "--suites") && v)
            o.n_suites = parse_hex_list(v, o.suites, 8), i++;
        else if (!strcmp(a, "--groups") && v)
            o.n_groups = parse_hex_list(v, o.groups, 8), i++;
        else if (!strcmp(a, "--export") && v)
            o.export_label = v, i++;
        else if (!strcmp(a, "--key-update"))
            o.key_update = 1;
        else if (!strcmp(a, "--require-client-cert"))
            o.require_client_cert = 1;
        else if (!strcmp(a, "--client-auth-report"))
            o.client_auth_report = 1;
        else if (!strcmp(a, "--insecure"))
            o.insecure = 1;
        else if (!strcmp(a, "--tls12"))
            o.tls12 = 1;
        else if (!strcmp(a, "--rsa-kx"))
            o.rsa_kx = 1;
        else if (!strcmp(a, "--sigs") && v)
            o.n_sigs = parse_hex_list(v, o.sigs, 16), i++;
        else {
            fprintf(stderr, "tern_peer: unknown option %s\n", a);
            return 2;
        }
    }
    tern_config *cfg = make_config(&o);
    int fd, rc;
    if (client) {
        struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
        if (getaddrinfo(argv[2], argv[3], &hints, &ai) != 0) {
            fprintf(stderr, "tern_peer: cannot resolve %s\n", argv[2]);
            return 2;
        }
        fd = socket(ai->ai_family, SOCK_STREAM, 0);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            perror("tern_peer: connect");
            return 2;
        }
        freeaddrinfo(ai);
        tern_conn *c = tern_conn_new_client(cfg, o.name ? o.name : argv[2]);
        rc = run(c, fd, &o);
        tern_conn_free(c);
    } else {
        int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
        setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(ls, 4) != 0) {
            perror("tern_peer: listen");
            return 2;
        }
        printf("listening on %s\n", argv[2]);
        fflush(stdout);
        fd = accept(ls, NULL, NULL);
        close(ls);
        tern_conn *c = tern_conn_new_server(cfg);
        rc = run(c, fd, &o);
        tern_conn_free(c);
    }
    close(fd);
    tern_config_free(cfg);
    return rc;
}
