/* tern verify: build and validate a certificate chain the way a tern TLS
 * client or server would, and say why it fails. */
#include "cmd.h"

#include "tern/tern.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char verify_help[] =
    "usage: tern verify [options] CERT.pem\n"
    "\n"
    "Build a certification path from the first certificate in CERT.pem (the leaf)\n"
    "through any other certificates in it and in --untrusted files to a trust\n"
    "anchor, validate it (RFC 5280 section 6) under the profile chosen, and check\n"
    "the leaf's name.\n"
    "\n"
    "options:\n"
    "  --trust FILE        trust anchors: a PEM bundle, or a directory of .pem/.crt\n"
    "                      files; repeatable. Default:\n"
    "                      /etc/ssl/certs/ca-certificates.crt\n"
    "  --untrusted FILE    more intermediate certificates (PEM); repeatable\n"
    "  --host NAME         the DNS name the leaf must cover (subjectAltName only;\n"
    "                      one left-most '*' label matches one label)\n"
    "  --ip ADDR           the IPv4 or IPv6 address the leaf must cover\n"
    "  --at TIME           validate at TIME: RFC 3339 (2026-11-22T07:00:00Z) or Unix\n"
    "                      seconds. Default: now\n"
    "  --profile P         web (default): the web PKI as browsers and the CA/B Forum\n"
    "                      Baseline Requirements have it, as tern's TLS peers check;\n"
    "                      rfc5280: plain RFC 5280 (leaf extKeyUsage optional, CA\n"
    "                      certificates allowed as leaves, no CA/B Forum rules)\n"
    "  --purpose P         server (default: extKeyUsage serverAuth), client\n"
    "                      (clientAuth) or any (no purpose asked for)\n"
    "  --max-depth N       at most N intermediate CAs (self-issued ones not counted),\n"
    "                      0 to 255; default 8. The verifier never builds a path of\n"
    "                      more than 14, and stops after 64 signature checks\n"
    "  --capath DIR        trust anchors in OpenSSL's hashed layout ('openssl\n"
    "                      rehash DIR'), looked up by the issuer's name; repeatable\n"
    "  --crl FILE          an offline CRL (PEM); repeatable. A CRL that applies must\n"
    "                      be signed by the issuer, current, and carry a cRLNumber\n"
    "  --require-crl       refuse a certificate below the trust anchor that no --crl\n"
    "                      covers (its revocation status is unknown)\n"
    "  -h, --help          this text\n"
    "\n"
    "What is checked: signatures (no SHA-1 or MD5), validity at TIME,\n"
    "basicConstraints and pathLenConstraint, keyUsage and extKeyUsage for the\n"
    "purpose, name constraints (DNS, IP, email, directory names), unknown critical\n"
    "extensions, and the CRLs given. Names chain as RFC 5280 section 7.1 says\n"
    "(RFC 4518: case, spaces and Unicode forms do not matter). The web profile\n"
    "adds: RSA keys of 2048 bits or more, version 3 only, serverAuth/clientAuth\n"
    "in the leaf, a subject CN that copies a subjectAltName, and no wildcard over a\n"
    "public suffix (the Public Suffix List's ICANN section).\n"
    "\n"
    "exit status:\n"
    "  0  the chain is valid; one line 'OK: ...' names the path built\n"
    "  1  the chain is not valid; one line 'FAIL: ...' says why, naming the\n"
    "     certificate, the rule and the values, then the status and the reason\n"
    "     code in brackets: [TERN_E_UNKNOWN_CA, unknown issuer]\n"
    "  2  bad usage, or a file that cannot be read or parsed\n";

#define MAX_FILES 32
#define MAX_CERTS 256

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "tern verify: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n'tern verify --help' describes the options.\n");
    return 2;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "tern verify: cannot open '%s': %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        uint8_t *bigger = cap < (1u << 28) ? realloc(buf, cap * 2) : NULL;
        if (!bigger) {
            free(buf);
            buf = NULL;
        }
        buf = bigger;
        cap *= 2;
    }
    bool failed = ferror(f) != 0;
    fclose(f);
    if (failed || !buf) {
        fprintf(stderr, "tern verify: cannot read '%s'\n", path);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* Append every certificate of a PEM file to ders/lens, as DER: one that
 * does not parse is the verifier's to judge. */
static int read_certs(const char *path, uint8_t **ders, size_t *lens, size_t *n, size_t cap)
{
    size_t len, got = 0;
    uint8_t *text = read_file(path, &len);
    if (!text)
        return 2;
    char why[512];
    int rc = tern_pem_decode(text, len, "CERTIFICATE", ders + *n, lens + *n, cap - *n, &got, why,
                             sizeof(why));
    free(text);
    if (rc != TERN_OK) {
        fprintf(stderr, "tern verify: %s: %s\n", path, why);
        return 2;
    }
    *n += got;
    return 0;
}

/* Append every CRL of a PEM file to out. */
static int read_crls(const char *path, tern_crl **out, size_t *n, size_t cap)
{
    size_t len, got = 0;
    uint8_t *text = read_file(path, &len);
    if (!text)
        return 2;
    char why[512];
    int rc = tern_crl_parse_all(text, len, out + *n, cap - *n, &got, why, sizeof(why));
    free(text);
    if (rc != TERN_OK) {
        fprintf(stderr, "tern verify: %s: %s\n", path, why);
        return 2;
    }
    *n += got;
    return 0;
}

int cmd_verify(int argc, char **argv)
{
    const char *trust[MAX_FILES], *untrusted[MAX_FILES], *crl_files[MAX_FILES], *capaths[MAX_FILES];
    size_t n_trust = 0, n_untrusted = 0, n_crl_files = 0, n_capaths = 0;
    const char *cert_file = NULL, *host = NULL, *ip = NULL;
    struct tern_verify_opts o;
    tern_verify_opts_init(&o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(verify_help, stdout);
            return 0;
        }
        bool takes = !strcmp(a, "--trust") || !strcmp(a, "--untrusted") || !strcmp(a, "--host") ||
                     !strcmp(a, "--ip") || !strcmp(a, "--at") || !strcmp(a, "--purpose") ||
                     !strcmp(a, "--max-depth") || !strcmp(a, "--crl") || !strcmp(a, "--profile") ||
                     !strcmp(a, "--capath");
        if (takes && i + 1 >= argc)
            return usage_error("option %s needs a value", a);
        const char *v = takes ? argv[++i] : NULL;
        if (!strcmp(a, "--trust") || !strcmp(a, "--untrusted") || !strcmp(a, "--crl") ||
            !strcmp(a, "--capath")) {
            size_t *n = a[2] == 't'   ? &n_trust
                        : a[2] == 'u' ? &n_untrusted
                        : a[3] == 'r' ? &n_crl_files
                                      : &n_capaths;
            const char **list = a[2] == 't'   ? trust
                                : a[2] == 'u' ? untrusted
                                : a[3] == 'r' ? crl_files
                                              : capaths;
            if (*n == MAX_FILES)
                return usage_error("too many %s options", a);
            list[(*n)++] = v;
        } else if (!strcmp(a, "--require-crl")) {
            o.require_crls = 1;
        } else if (!strcmp(a, "--host")) {
            host = v;
        } else if (!strcmp(a, "--ip")) {
            ip = v;
        } else if (!strcmp(a, "--at")) {
            if (tern_parse_time(v, &o.at) != TERN_OK)
                return usage_error("--at '%s' is neither RFC 3339 (2026-11-22T07:00:00Z) nor "
                                   "Unix seconds",
                                   v);
        } else if (!strcmp(a, "--purpose")) {
            if (!strcmp(v, "server"))
                o.purpose = TERN_PURPOSE_SERVER;
            else if (!strcmp(v, "client"))
                o.purpose = TERN_PURPOSE_CLIENT;
            else if (!strcmp(v, "any"))
                o.purpose = TERN_PURPOSE_ANY;
            else
                return usage_error("--purpose '%s' is not server, client or any", v);
        } else if (!strcmp(a, "--profile")) {
            if (!strcmp(v, "web"))
                o.profile = TERN_VERIFY_WEB;
            else if (!strcmp(v, "rfc5280"))
                o.profile = TERN_VERIFY_RFC5280;
            else
                return usage_error("--profile '%s' is neither web nor rfc5280", v);
        } else if (!strcmp(a, "--max-depth")) {
            char *end;
            long d = strtol(v, &end, 10);
            if (*v == 0 || *end || d < 0 || d > 255)
                return usage_error("--max-depth '%s' is not a number from 0 to 255", v);
            o.max_depth = (int)d;
        } else if (a[0] == '-' && a[1]) {
            return usage_error("unknown option '%s'", a);
        } else if (cert_file) {
            return usage_error("more than one certificate file given ('%s')", a);
        } else {
            cert_file = a;
        }
    }
    if (!cert_file)
        return usage_error("%s", "no certificate file given");
    if (host && ip)
        return usage_error("%s", "--host and --ip exclude each other");
    o.name_kind = host ? TERN_NAME_HOST : ip ? TERN_NAME_IP : TERN_NAME_NONE;
    o.name = host ? host : ip;
    if (ip) {
        /* the address's syntax is a usage error, not a verdict */
        struct tern_verify_opts probe = o;
        struct tern_verdict pv;
        probe.name_kind = TERN_NAME_IP;
        tern_trust *empty = tern_trust_new();
        int prc = empty ? tern_x509_verify(empty, NULL, 0, &probe, &pv) : TERN_E_NOMEM;
        tern_trust_free(empty);
        bool bad_ip = prc == TERN_E_ARG && strstr(pv.sentence, "is not an IPv4 or IPv6");
        tern_verdict_cleanup(&pv);
        if (bad_ip)
            return usage_error("--ip '%s' is not an IPv4 or IPv6 address", ip);
    }

    int status = 2;
    uint8_t *chain[MAX_CERTS] = {0};
    size_t lens[MAX_CERTS];
    tern_crl *crls[MAX_FILES] = {0};
    size_t n = 0, n_crls = 0;
    tern_trust *store = tern_trust_new();
    char why[512];
    if (!store) {
        fprintf(stderr, "tern verify: out of memory\n");
        return 2;
    }
    if (read_certs(cert_file, chain, lens, &n, MAX_CERTS))
        goto done;
    for (size_t i = 0; i < n_untrusted; i++)
        if (read_certs(untrusted[i], chain, lens, &n, MAX_CERTS))
            goto done;
    for (size_t i = 0; i < n_crl_files; i++)
        if (read_crls(crl_files[i], crls, &n_crls, MAX_FILES))
            goto done;
    int rc = TERN_OK;
    for (size_t i = 0; i < n_trust && rc == TERN_OK; i++)
        rc = tern_trust_add_file(store, trust[i], why, sizeof(why));
    for (size_t i = 0; i < n_capaths && rc == TERN_OK; i++)
        rc = tern_trust_add_capath(store, capaths[i], why, sizeof(why));
    if (n_trust == 0 && n_capaths == 0)
        rc = tern_trust_add_system(store, why, sizeof(why));
    if (rc != TERN_OK) {
        fprintf(stderr, "tern verify: trust anchors: %s\n", why);
        goto done;
    }
    o.crls = (const tern_crl *const *)crls;
    o.n_crls = n_crls;
    struct tern_verdict v;
    rc = tern_x509_verify_der(store, (const uint8_t *const *)chain, lens, n, &o, &v);
    if (rc != TERN_OK) {
        printf("FAIL: %s [%s, %s]\n", v.sentence, tern_status_name(rc),
               tern_verify_reason_name(v.reason));
        tern_verdict_cleanup(&v);
        status = 1;
        goto done;
    }
    printf("OK: ");
    for (size_t i = 0; i < v.path_len; i++)
        printf("%s'%s'", i ? " <- " : "", tern_x509_subject(v.path[i]));
    printf(" (trust anchor)");
    if (o.name)
        printf(", covers %s", o.name);
    printf(", for %s, %s profile\n",
           o.purpose == TERN_PURPOSE_CLIENT ? "clientAuth"
           : o.purpose == TERN_PURPOSE_ANY  ? "any purpose"
                                            : "serverAuth",
           o.profile == TERN_VERIFY_RFC5280 ? "rfc5280" : "web");
    tern_verdict_cleanup(&v);
    status = 0;
done:
    for (size_t i = 0; i < n; i++)
        tern_buffer_free(chain[i]);
    for (size_t i = 0; i < n_crls; i++)
        tern_crl_free(crls[i]);
    tern_trust_free(store);
    return status;
}
