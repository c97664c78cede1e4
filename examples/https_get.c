/* https_get: the smallest useful tern client. Fetches https://HOST:PORT/PATH
 * with HTTP/1.0 and prints the response, checking the server's certificate
 * against the system's roots (or CAFILE).
 *
 *   cc https_get.c $(pkg-config --cflags --libs tern) -o https_get
 *   ./https_get example.org 443 / [CAFILE]
 */
#include <tern/tern.h>

#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s HOST PORT PATH [CAFILE]\n", argv[0]);
        return 2;
    }
    tern_config *cfg = tern_config_new();
    if (!cfg || (argc > 4 && tern_config_add_trust_file(cfg, argv[4]) != TERN_OK)) {
        fprintf(stderr, "configuration: %s\n", cfg ? tern_config_error(cfg) : "out of memory");
        return 1;
    }
    tern_conn *c = NULL;
    int rc = tern_connect(cfg, argv[1], argv[2], &c);
    if (rc == TERN_OK) {
        char req[512];
        int n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", argv[3], argv[1]);
        size_t done;
        rc = tern_write(c, req, (size_t)n, &done);
    }
    char buf[4096];
    size_t got;
    while (rc == TERN_OK && (rc = tern_read(c, buf, sizeof(buf), &got)) == TERN_OK)
        fwrite(buf, 1, got, stdout);
    if (rc != TERN_E_CLOSED) /* the server's close_notify ends a good response */
        fprintf(stderr, "tern: %s\n", c ? tern_conn_error(c) : tern_status_name(rc));
    else
        fprintf(stderr, "(%s, %s)\n", tern_version_name(tern_conn_version(c)),
                tern_suite_name(tern_conn_cipher_suite(c)));
    tern_close(c);
    tern_conn_free(c);
    tern_config_free(cfg);
    return rc == TERN_E_CLOSED ? 0 : 1;
}
