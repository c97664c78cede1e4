/* A TLS server with two certificates for the same names (say ECDSA and
 * RSA): each client gets the one it can verify. SIGHUP loads the files
 * again; connections already open keep the configuration they started with.
 *
 *   cc two_cert_server.c $(pkg-config --cflags --libs tern) -o two_cert_server
 *   ./two_cert_server 8443 ec.pem ec.key rsa.pem rsa.key
 *   openssl s_client -connect localhost:8443 -sigalgs RSA-PSS+SHA256
 *
 * One connection at a time, blocking sockets: an example, not a server. */
#include <tern/tern.h>

#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t reload_wanted;

static void on_hup(int sig)
{
    (void)sig;
    reload_wanted = 1;
}

/* load: a configuration holding both chains, or NULL (and why on stderr). */
static tern_config *load(char **files)
{
    tern_config *cfg = tern_config_new();
    if (!cfg)
        return NULL;
    for (int i = 0; i < 2; i++) {
        if (tern_config_add_cert_chain_file(cfg, files[2 * i], files[2 * i + 1]) != TERN_OK) {
            fprintf(stderr, "%s: %s\n", files[2 * i], tern_config_error(cfg));
            tern_config_free(cfg);
            return NULL;
        }
    }
    return cfg;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s PORT CERT1 KEY1 CERT2 KEY2\n", argv[0]);
        return 2;
    }
    tern_config *cfg = load(argv + 2);
    if (!cfg)
        return 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(lfd, 16) != 0) {
        perror("listen");
        return 1;
    }
    fprintf(stderr, "listening on port %s with %zu certificates\n", argv[1],
            tern_config_cert_count(cfg));
    for (;;) {
        if (reload_wanted) {
            reload_wanted = 0;
            tern_config *fresh = load(argv + 2);
            if (fresh) { /* the old one lives on in connections that hold it */
                tern_config_free(cfg);
                cfg = fresh;
                fprintf(stderr, "reloaded the certificates\n");
            } else {
                fprintf(stderr, "reload failed; keeping the certificates in use\n");
            }
        }
        /* Wait in poll, which SIGHUP interrupts (tern_accept retries
         * interrupted calls itself). */
        struct pollfd p = {.fd = lfd, .events = POLLIN};
        if (poll(&p, 1, -1) != 1)
            continue;
        tern_conn *c = NULL;
        if (tern_accept(cfg, lfd, &c) != TERN_OK) {
            tern_conn_free(c);
            continue;
        }
        if (tern_handshake(c) == TERN_OK) {
            char reply[128];
            int n = snprintf(reply, sizeof(reply), "hello over %s, signed with scheme 0x%04x\n",
                             tern_conn_version(c) == TERN_TLS13 ? "TLS 1.3" : "TLS 1.2",
                             tern_conn_signature_scheme(c));
            size_t sent;
            (void)tern_write(c, reply, (size_t)n, &sent);
            (void)tern_close(c);
        } else {
            fprintf(stderr, "handshake failed: %s\n", tern_conn_error(c));
        }
        tern_conn_free(c);
    }
}
