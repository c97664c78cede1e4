/* pinning_client: fetch https://HOST:PORT/ only from a server whose key is
 * one of PINS ("sha256//BASE64", several separated by ';': curl's
 * --pinnedpubkey syntax), on top of the usual certificate checks. A pin
 * survives certificate renewals that keep the key, and refuses a
 * certificate some other CA issued for the name.
 *
 *   cc pinning_client.c $(pkg-config --cflags --libs tern) -o pinning_client
 *   ./pinning_client example.org 443 'sha256//...' [CAFILE]
 * The pin of a certificate's key: peer_chain prints it, or
 *   openssl x509 -in cert.pem -pubkey -noout | openssl pkey -pubin -outform der |
 *     openssl dgst -sha256 -binary | openssl base64
 */
#include <tern/tern.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s HOST PORT PINS [CAFILE]\n", argv[0]);
        return 2;
    }
    tern_config *cfg = tern_config_new();
    if (!cfg || tern_config_add_pinned_pubkey(cfg, argv[3]) != TERN_OK ||
        (argc > 4 && tern_config_add_trust_file(cfg, argv[4]) != TERN_OK)) {
        fprintf(stderr, "configuration: %s\n", cfg ? tern_config_error(cfg) : "out of memory");
        tern_config_free(cfg);
        return 2;
    }
    tern_conn *c = NULL;
    int rc = tern_connect(cfg, argv[1], argv[2], &c);
    if (rc != TERN_OK) {
        struct tern_verdict v;
        if (c && tern_conn_peer_verdict(c, &v) == TERN_OK && v.reason == TERN_VERIFY_PIN_MISMATCH)
            fprintf(stderr, "refused: the server's key is not pinned: %s\n", v.sentence);
        else
            fprintf(stderr, "tern: %s\n", c ? tern_conn_error(c) : tern_status_name(rc));
        tern_conn_free(c);
        tern_config_free(cfg);
        return 1;
    }
    char req[512];
    int n = snprintf(req, sizeof(req), "GET / HTTP/1.0\r\nHost: %s\r\n\r\n", argv[1]);
    size_t done;
    rc = tern_write(c, req, (size_t)n, &done);
    char buf[4096];
    size_t got;
    while (rc == TERN_OK && (rc = tern_read(c, buf, sizeof(buf), &got)) == TERN_OK)
        fwrite(buf, 1, got, stdout);
    fprintf(stderr, "(pinned key matched; %s)\n", tern_version_name(tern_conn_version(c)));
    tern_close(c);
    tern_conn_free(c);
    tern_config_free(cfg);
    return rc == TERN_E_CLOSED ? 0 : 1;
}
