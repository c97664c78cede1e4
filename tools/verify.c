/* tern verify: build and validate a certificate chain the way a tern TLS
 * client or server would, and say why it fails. */
#include "cmd.h"

#include "base/mem.h"
#include "x509/x509.h"

#include <stdarg.h>
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
    "                      files; repeatable. Default: " X509_SYSTEM_BUNDLE "\n"
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
    "     certificate, the rule and the values\n"
    "  2  bad usage, or a file that cannot be read or parsed\n";

#define MAX_FILES 32

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

/* Append every PEM block of `kind` in path to ders/lens. */
static int read_blocks(const char *path, enum x509_pem_kind want, uint8_t **ders, size_t *lens,
                       size_t *n, size_t cap)
{
    uint8_t *text;
    size_t len;
    struct tern_err err;
    err_init(&err);
    if (x509_load_file(path, &text, &len, &err) != TERN_OK) {
        fprintf(stderr, "tern verify: %s\n", err.msg);
        return 2;
    }
    struct rd r;
    rd_init(&r, text, len);
    size_t found = 0;
    for (;;) {
        enum x509_pem_kind kind;
        uint8_t *der;
        size_t der_len;
        if (x509_pem_next(&r, &kind, &der, &der_len, &err) != TERN_OK) {
            fprintf(stderr, "tern verify: %s: %s\n", path, err.msg);
            tern_free(text);
            return 2;
        }
        if (!der)
            break;
        if (kind != want || *n == cap) {
            tern_free(der);
            if (kind == want) {
                fprintf(stderr, "tern verify: %s: too many blocks (at most %zu)\n", path, cap);
                tern_free(text);
                return 2;
            }
            continue;
        }
        ders[*n] = der;
        lens[(*n)++] = der_len;
        found++;
    }
    tern_free(text);
    if (!found) {
        fprintf(stderr, "tern verify: %s: no %s PEM block\n", path,
                want == X509_PEM_CRL ? "X509 CRL" : "CERTIFICATE");
        return 2;
    }
    return 0;
}

int cmd_verify(int argc, char **argv)
{
    const char *trust[MAX_FILES], *untrusted[MAX_FILES], *crl_files[MAX_FILES];
    size_t n_trust = 0, n_untrusted = 0, n_crl_files = 0;
    const char *cert_file = NULL;
    struct x509_verify_opts o = {0};
    o.max_depth = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(verify_help, stdout);
            return 0;
        }
        bool takes = !strcmp(a, "--trust") || !strcmp(a, "--untrusted") || !strcmp(a, "--host") ||
                     !strcmp(a, "--ip") || !strcmp(a, "--at") || !strcmp(a, "--purpose") ||
                     !strcmp(a, "--max-depth") || !strcmp(a, "--crl") || !strcmp(a, "--profile");
        if (takes && i + 1 >= argc)
            return usage_error("option %s needs a value", a);
        const char *v = takes ? argv[++i] : NULL;
        if (!strcmp(a, "--trust") || !strcmp(a, "--untrusted") || !strcmp(a, "--crl")) {
            size_t *n = a[2] == 't' ? &n_trust : a[2] == 'u' ? &n_untrusted : &n_crl_files;
            const char **list = a[2] == 't' ? trust : a[2] == 'u' ? untrusted : crl_files;
            if (*n == MAX_FILES)
                return usage_error("too many %s options", a);
            list[(*n)++] = v;
        } else if (!strcmp(a, "--require-crl")) {
            o.require_crls = true;
        } else if (!strcmp(a, "--host")) {
            o.host = v;
        } else if (!strcmp(a, "--ip")) {
            uint8_t ip[16];
            size_t ip_len;
            if (!x509_ip_parse(v, ip, &ip_len))
                return usage_error("--ip '%s' is not an IPv4 or IPv6 address", v);
            o.ip = v;
        } else if (!strcmp(a, "--at")) {
            if (!x509_parse_time_text(v, &o.at))
                return usage_error("--at '%s' is neither RFC 3339 (2026-11-22T07:00:00Z) nor "
                                   "Unix seconds",
                                   v);
        } else if (!strcmp(a, "--purpose")) {
            if (!strcmp(v, "server"))
                o.purpose = X509_PURPOSE_SERVER;
            else if (!strcmp(v, "client"))
                o.purpose = X509_PURPOSE_CLIENT;
            else if (!strcmp(v, "any"))
                o.purpose = X509_PURPOSE_ANY;
            else
                return usage_error("--purpose '%s' is not server, client or any", v);
        } else if (!strcmp(a, "--profile")) {
            if (!strcmp(v, "web"))
                o.profile = X509_PROFILE_WEB;
            else if (!strcmp(v, "rfc5280"))
                o.profile = X509_PROFILE_RFC5280;
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
    if (o.host && o.ip)
        return usage_error("%s", "--host and --ip exclude each other");

    int status = 2;
    enum { CAP = X509_MAX_INPUT };
    uint8_t *ders[CAP] = {0}, *crl_ders[MAX_FILES] = {0};
    size_t lens[CAP], crl_lens[MAX_FILES], n = 0, n_crl_ders = 0, n_crls = 0;
    struct x509_crl *crls[MAX_FILES] = {0};
    struct rd chain[CAP];
    struct x509_store *store = x509_store_new();
    struct tern_err err;
    err_init(&err);
    if (!store) {
        fprintf(stderr, "tern verify: out of memory\n");
        return 2;
    }
    if (read_blocks(cert_file, X509_PEM_CERTIFICATE, ders, lens, &n, CAP))
        goto done;
    for (size_t i = 0; i < n_untrusted; i++)
        if (read_blocks(untrusted[i], X509_PEM_CERTIFICATE, ders, lens, &n, CAP))
            goto done;
    for (size_t i = 0; i < n_crl_files; i++)
        if (read_blocks(crl_files[i], X509_PEM_CRL, crl_ders, crl_lens, &n_crl_ders, MAX_FILES))
            goto done;
    for (size_t i = 0; i < n_crl_ders; i++) {
        if (x509_crl_parse(crl_ders[i], crl_lens[i], &crls[n_crls], &err) != TERN_OK) {
            fprintf(stderr, "tern verify: CRL %zu: %s\n", i + 1, err.msg);
            goto done;
        }
        n_crls++;
    }
    int rc = TERN_OK;
    for (size_t i = 0; i < n_trust && rc == TERN_OK; i++)
        rc = x509_store_add_file(store, trust[i], &err);
    if (n_trust == 0)
        rc = x509_store_add_system(store, &err);
    if (rc != TERN_OK) {
        fprintf(stderr, "tern verify: trust anchors: %s\n", err.msg);
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        rd_init(&chain[i], ders[i], lens[i]);
    o.crls = (const struct x509_crl *const *)crls;
    o.n_crls = n_crls;
    struct x509_verified v;
    rc = x509_verify(store, chain, n, &o, &v, &err);
    if (rc != TERN_OK) {
        printf("FAIL: %s [%s]\n", err.msg, tern_status_name(rc));
        status = 1;
        goto done;
    }
    printf("OK: ");
    for (size_t i = 0; i < v.n; i++)
        printf("%s'%s'", i ? " <- " : "", v.subjects[i]);
    printf(" (trust anchor)");
    if (o.host || o.ip)
        printf(", covers %s", o.host ? o.host : o.ip);
    printf(", for %s, %s profile\n",
           o.purpose == X509_PURPOSE_CLIENT ? "clientAuth"
           : o.purpose == X509_PURPOSE_ANY  ? "any purpose"
                                            : "serverAuth",
           o.profile == X509_PROFILE_RFC5280 ? "rfc5280" : "web");
    x509_verified_cleanup(&v);
    status = 0;
done:
    for (size_t i = 0; i < n; i++)
        tern_free(ders[i]);
    for (size_t i = 0; i < n_crl_ders; i++)
        tern_free(crl_ders[i]);
    for (size_t i = 0; i < n_crls; i++)
        x509_crl_free(crls[i]);
    x509_store_free(store);
    return status;
}
