/* peer_chain: connect to HOST:PORT, verify the server as usual, and print
 * each certificate of the chain it sent (leaf first) through the public
 * X.509 API, then the verdict.
 *
 *   cc peer_chain.c $(pkg-config --cflags --libs tern) -o peer_chain
 *   ./peer_chain example.org 443 [CAFILE]
 */
#include <tern/tern.h>

#include <stdio.h>
#include <time.h>

static const char *when(int64_t t, char *buf, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(buf, cap, "%lld", (long long)t);
    return buf;
}

static void print_cert(size_t i, const tern_x509 *x)
{
    static const char *const kinds[] = {"?", "DNS", "IP", "email", "URI"};
    char t1[32], t2[32], pin[64];
    uint8_t fp[32];
    printf("certificate %zu\n", i);
    printf("  subject:     %s\n", tern_x509_subject(x));
    printf("  issuer:      %s\n", tern_x509_issuer(x));
    printf("  serial:      %s\n", tern_x509_serial_hex(x));
    printf("  valid:       %s to %s\n", when(tern_x509_not_before(x), t1, sizeof(t1)),
           when(tern_x509_not_after(x), t2, sizeof(t2)));
    for (size_t k = 0; k < tern_x509_san_count(x); k++) {
        enum tern_san_type type;
        const char *value;
        if (tern_x509_san(x, k, &type, &value) == TERN_OK)
            printf("  name:        %s %s\n", kinds[type], value);
    }
    printf("  key:         %s, %u bits%s\n", tern_key_type_name(tern_x509_key_type(x)),
           tern_x509_key_bits(x), tern_x509_is_ca(x) ? " (a CA)" : "");
    if (tern_x509_sha256(x, fp) == TERN_OK) {
        printf("  sha256:      ");
        for (size_t k = 0; k < sizeof(fp); k++)
            printf("%02X%s", fp[k], k + 1 < sizeof(fp) ? ":" : "\n");
    }
    if (tern_x509_pin(x, pin, sizeof(pin)) == TERN_OK)
        printf("  key pin:     %s\n", pin);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s HOST PORT [CAFILE]\n", argv[0]);
        return 2;
    }
    tern_config *cfg = tern_config_new();
    if (!cfg || (argc > 3 && tern_config_add_trust_file(cfg, argv[3]) != TERN_OK)) {
        fprintf(stderr, "configuration: %s\n", cfg ? tern_config_error(cfg) : "out of memory");
        return 1;
    }
    tern_conn *c = NULL;
    int rc = tern_connect(cfg, argv[1], argv[2], &c);
    /* The chain and the verdict are there whether or not it was accepted. */
    for (size_t i = 0; c && i < tern_conn_peer_cert_count(c); i++) {
        tern_x509 *x = NULL;
        if (tern_conn_peer_cert(c, i, &x) == TERN_OK)
            print_cert(i, x);
        tern_x509_free(x);
    }
    struct tern_verdict v;
    if (c && tern_conn_peer_verdict(c, &v) == TERN_OK)
        printf("verdict: %s%s%s\n", tern_verify_reason_name(v.reason), v.sentence[0] ? ": " : "",
               v.sentence);
    if (rc != TERN_OK)
        fprintf(stderr, "tern: %s\n", c ? tern_conn_error(c) : tern_status_name(rc));
    if (c)
        tern_close(c);
    tern_conn_free(c);
    tern_config_free(cfg);
    return rc == TERN_OK ? 0 : 1;
}
