/* psk_echo: a TLS 1.3 client and server that know each other by an external
 * pre-shared key (RFC 8446 §2.2) instead of certificates. The server echoes
 * one line back; it works with OpenSSL's and GnuTLS's PSK modes too:
 *
 *   cc psk_echo.c $(pkg-config --cflags --libs tern) -o psk_echo
 *   ./psk_echo server 8443 client1 00112233445566778899aabbccddeeff
 *   ./psk_echo client localhost 8443 client1 00112233445566778899aabbccddeeff hello
 *   openssl s_client -connect localhost:8443 -psk_identity client1 \
 *       -psk 00112233445566778899aabbccddeeff -tls1_3
 */
#include <tern/tern.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static size_t from_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; hex[0] && hex[1] && n < cap; hex += 2) {
        unsigned b;
        if (sscanf(hex, "%2x", &b) != 1)
            return 0;
        out[n++] = (uint8_t)b;
    }
    return hex[0] ? 0 : n;
}

static tern_config *psk_config(const char *identity, const char *hex)
{
    uint8_t key[TERN_PSK_KEY_MAX];
    size_t n = from_hex(hex, key, sizeof(key));
    tern_config *cfg = tern_config_new();
    if (!cfg || tern_config_set_psk(cfg, (const uint8_t *)identity, strlen(identity), key, n,
                                    TERN_PSK_SHA256) != TERN_OK) {
        fprintf(stderr, "psk: %s\n", cfg ? tern_config_error(cfg) : "out of memory");
        exit(1);
    }
    return cfg;
}

static int serve(tern_config *cfg, const char *port)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(ls, 16) != 0) {
        perror("listen");
        return 1;
    }
    fprintf(stderr, "listening on port %s\n", port);
    for (;;) {
        tern_conn *c = NULL;
        int rc = tern_accept(cfg, ls, &c);
        if (rc != TERN_OK)
            continue;
        tern_conn_set_timeout(c, 10000); /* a silent client does not hold us */
        char line[1024];
        size_t n = 0;
        rc = tern_read(c, line, sizeof(line), &n);
        size_t id_len = 0;
        const uint8_t *id = tern_conn_psk_identity(c, &id_len);
        if (rc == TERN_OK && id) {
            fprintf(stderr, "%.*s said %zu bytes\n", (int)id_len, (const char *)id, n);
            size_t done;
            rc = tern_write(c, line, n, &done);
        }
        if (rc != TERN_OK)
            fprintf(stderr, "connection: %s\n", tern_conn_error(c) ? tern_conn_error(c) : "closed");
        tern_close(c);
        tern_conn_free(c);
    }
}

static int client(tern_config *cfg, const char *host, const char *port, const char *msg)
{
    tern_conn *c = NULL;
    int rc = tern_connect_timeout(cfg, host, port, 10000, &c);
    size_t n = 0;
    char back[1024];
    if (rc == TERN_OK)
        rc = tern_write(c, msg, strlen(msg), &n);
    if (rc == TERN_OK)
        rc = tern_read(c, back, sizeof(back), &n);
    if (rc == TERN_OK)
        printf("%.*s\n", (int)n, back);
    else
        fprintf(stderr, "psk_echo: %s\n",
                c && tern_conn_error(c) ? tern_conn_error(c) : tern_status_name(rc));
    if (c)
        tern_close(c);
    tern_conn_free(c);
    return rc == TERN_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "server"))
        return serve(psk_config(argv[3], argv[4]), argv[2]);
    if (argc == 7 && !strcmp(argv[1], "client")) {
        /* The name is only checked if the server answers with a certificate
         * instead; a PSK server sends none. */
        tern_config *cfg = psk_config(argv[4], argv[5]);
        int rc = client(cfg, argv[2], argv[3], argv[6]);
        tern_config_free(cfg);
        return rc;
    }
    fprintf(stderr,
            "usage: %s server PORT IDENTITY HEXKEY\n"
            "       %s client HOST PORT IDENTITY HEXKEY MESSAGE\n",
            argv[0], argv[0]);
    return 2;
}
