/* tern cert: a development CA and the certificates it issues. */
#include "cmd.h"
#include "devca.h"
#include "util.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char CERT_HELP[] =
    "usage: tern cert ca [--state-dir DIR] [--key-type TYPE]\n"
    "       tern cert issue [options] NAME...\n"
    "\n"
    "Makes a development certificate authority and the certificates it\n"
    "issues, for HTTPS on a development machine: trust the CA once (curl\n"
    "--cacert, Python's cafile, a browser's certificate store) and every\n"
    "certificate it issues for localhost works. The same idea as mkcert,\n"
    "written with tern's own X.509 code. Never trust such a CA on a machine\n"
    "you share: whoever holds its key can impersonate any site to you.\n"
    "\n"
    "tern cert ca\n"
    "  Creates DIR/ca.pem (the CA certificate, valid 10 years) and\n"
    "  DIR/ca-key.pem (its PKCS#8 key, mode 0600). An existing CA is kept\n"
    "  unless --force is given.\n"
    "\n"
    "tern cert issue NAME...\n"
    "  Issues a certificate for every NAME (DNS names such as localhost or\n"
    "  *.example.test, IPv4 and IPv6 addresses such as 127.0.0.1 and ::1)\n"
    "  with a new key, valid 397 days, signed by the CA in DIR (made first if\n"
    "  there is none). Writes FIRSTNAME.pem and FIRSTNAME-key.pem in the\n"
    "  current folder (or --out-dir), and prints their paths.\n"
    "\n"
    "options:\n"
    "  --state-dir DIR   where the CA lives (default $XDG_STATE_HOME/tern,\n"
    "                    else ~/.local/state/tern; 'tern serve' uses the same)\n"
    "  --key-type TYPE   ec (ECDSA P-256, the default), p384, rsa (2048 bits),\n"
    "                    ed25519\n"
    "  --client          issue: also for TLS client authentication (mutual TLS)\n"
    "  --days N          issue: validity in days (default 397)\n"
    "  --out-dir DIR     issue: where to write the certificate and key\n"
    "  --out NAME        issue: file name stem instead of the first NAME\n"
    "  --force           ca: replace an existing CA\n"
    "  -h, --help        this text\n"
    "\n"
    "exit status: 0 on success, 1 on failure (with one sentence saying why),\n"
    "2 for a usage error.\n";

/* A file name stem from a certificate name: '*' and ':' are not welcome in
 * file names on every system. */
static void stem_of(const char *name, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = name; *p && o + 1 < cap; p++) {
        char c = *p;
        if (c == '*')
            c = '_';
        else if (!isalnum((unsigned char)c) && c != '.' && c != '-')
            c = '_';
        out[o++] = c;
    }
    out[o] = 0;
}

int cmd_cert(int argc, char **argv)
{
    static const struct option opts[] = {
        {"state-dir", required_argument, 0, 's'},
        {"key-type", required_argument, 0, 'k'},
        {"client", no_argument, 0, 'c'},
        {"days", required_argument, 0, 'd'},
        {"out-dir", required_argument, 0, 'o'},
        {"out", required_argument, 0, 'n'},
        {"force", no_argument, 0, 'f'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *state = NULL, *out_dir = ".", *out_name = NULL;
    enum tern_key_type kt = TERN_KEY_EC_P256;
    bool client = false, force = false;
    unsigned days = DEVCA_LEAF_DAYS;
    if (argc < 2) {
        fputs(CERT_HELP, stderr);
        return 2;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
        fputs(CERT_HELP, stdout);
        return 0;
    }
    argc--;
    argv++;
    optind = 1;
    int o;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case 's':
            state = optarg;
            break;
        case 'k':
            if (!devca_parse_key_type(optarg, &kt)) {
                fprintf(stderr, "tern cert: unknown key type '%s' (ec, p384, rsa, ed25519)\n",
                        optarg);
                return 2;
            }
            break;
        case 'c':
            client = true;
            break;
        case 'd': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 36500) {
                fprintf(stderr, "tern cert: --days wants a number from 1 to 36500, not '%s'\n",
                        optarg);
                return 2;
            }
            days = (unsigned)v;
            break;
        }
        case 'o':
            out_dir = optarg;
            break;
        case 'n':
            out_name = optarg;
            break;
        case 'f':
            force = true;
            break;
        case 'h':
            fputs(CERT_HELP, stdout);
            return 0;
        default:
            fputs("tern cert: see 'tern cert --help'\n", stderr);
            return 2;
        }
    }
    char dir[UTIL_PATH_MAX], why[512];
    if (util_state_dir(state, dir, sizeof(dir), why, sizeof(why)) != 0) {
        fprintf(stderr, "tern cert: %s\n", why);
        return 1;
    }
    char ca_cert[UTIL_PATH_MAX], ca_key[UTIL_PATH_MAX];
    util_ca_paths(dir, ca_cert, ca_key, sizeof(ca_cert));

    if (!strcmp(sub, "ca")) {
        if (optind != argc) {
            fprintf(stderr, "tern cert ca: unexpected argument '%s'\n", argv[optind]);
            return 2;
        }
        if (force) {
            unlink(ca_cert);
            unlink(ca_key);
        }
        struct devca ca;
        bool created;
        if (util_ca_load_or_create(dir, true, kt, &ca, &created, why, sizeof(why)) != 0) {
            fprintf(stderr, "tern cert: %s\n", why);
            return 1;
        }
        printf("%s\n", ca_cert);
        fprintf(stderr,
                "%s the development CA (%s key): %s\n"
                "trust it for curl:     curl --cacert %s https://localhost:8443/\n"
                "trust it in browsers:  certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n 'tern "
                "development CA' -i %s\n",
                created ? "made" : "kept", devca_key_type_name(tern_key_type(ca.key)), ca_cert,
                ca_cert, ca_cert);
        devca_cleanup(&ca);
        return 0;
    }
    if (!strcmp(sub, "issue")) {
        if (optind == argc) {
            fprintf(stderr,
                    "tern cert issue: name at least one host (localhost, 127.0.0.1, ...)\n");
            return 2;
        }
        struct devca ca;
        bool created;
        if (util_ca_load_or_create(dir, true, TERN_KEY_EC_P256, &ca, &created, why, sizeof(why)) !=
            0) {
            fprintf(stderr, "tern cert: %s\n", why);
            return 1;
        }
        if (created)
            fprintf(stderr, "made a development CA: %s\n", ca_cert);
        char stem[256], cert_path[UTIL_PATH_MAX], key_path[UTIL_PATH_MAX];
        stem_of(out_name ? out_name : argv[optind], stem, sizeof(stem));
        if (snprintf(cert_path, sizeof(cert_path), "%s/%s.pem", out_dir, stem) >=
                (int)sizeof(cert_path) ||
            snprintf(key_path, sizeof(key_path), "%s/%s-key.pem", out_dir, stem) >=
                (int)sizeof(key_path)) {
            fprintf(stderr, "tern cert: the output path is too long\n");
            devca_cleanup(&ca);
            return 1;
        }
        struct devca_leaf leaf = {
            .key_type = kt,
            .client = client,
            .days = days,
            .names = (const char *const *)argv + optind,
            .n_names = (size_t)(argc - optind),
            .now = time(NULL),
        };
        int rc = util_issue_files(&ca, &leaf, cert_path, key_path, why, sizeof(why));
        devca_cleanup(&ca);
        if (rc != 0) {
            fprintf(stderr, "tern cert: %s\n", why);
            return 1;
        }
        printf("%s\n%s\n", cert_path, key_path);
        fprintf(stderr, "issued a %s certificate (%s key, %u days) by %s\n",
                client ? "server and client" : "server", devca_key_type_name(kt), days, ca_cert);
        return 0;
    }
    fprintf(stderr, "tern cert: unknown subcommand '%s' (ca, issue)\n", sub);
    return 2;
}
