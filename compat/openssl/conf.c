/* SSL_CONF: the configuration commands (nginx's ssl_conf_command) that
 * tern can honour, applied to the SSL_CTX at once: Options, Ciphersuites,
 * CipherString, Groups/Curves, MinProtocol/MaxProtocol (file names, any
 * case; the command-line forms -ciphersuites, -cipher, -groups, -curves,
 * -min_protocol, -max_protocol). Any other command fails loudly naming
 * itself. */
#include <string.h>
#include <strings.h>

#include "local.h"

struct ssl_conf_ctx_st {
    unsigned int flags;
    SSL_CTX *ctx;
};

SSL_CONF_CTX *SSL_CONF_CTX_new(void)
{
    return OPENSSL_zalloc(sizeof(SSL_CONF_CTX));
}
void SSL_CONF_CTX_free(SSL_CONF_CTX *cctx)
{
    OPENSSL_free(cctx);
}
void SSL_CONF_CTX_set_ssl_ctx(SSL_CONF_CTX *cctx, SSL_CTX *ctx)
{
    cctx->ctx = ctx;
}
unsigned int SSL_CONF_CTX_set_flags(SSL_CONF_CTX *cctx, unsigned int flags)
{
    return cctx->flags |= flags;
}
int SSL_CONF_CTX_finish(SSL_CONF_CTX *cctx)
{
    (void)cctx; /* every command took effect when given */
    return 1;
}

enum conf_kind { K_OPTIONS, K_SUITES13, K_CIPHERS, K_GROUPS, K_MIN, K_MAX };
static const struct {
    const char *file, *cmdline;
    enum conf_kind kind;
} commands[] = {
    {"Options", NULL, K_OPTIONS},           {"Ciphersuites", "ciphersuites", K_SUITES13},
    {"CipherString", "cipher", K_CIPHERS},  {"Groups", "groups", K_GROUPS},
    {"Curves", "curves", K_GROUPS},         {"MinProtocol", "min_protocol", K_MIN},
    {"MaxProtocol", "max_protocol", K_MAX},
};

static int find(const SSL_CONF_CTX *cctx, const char *cmd)
{
    if (cmd == NULL)
        return -1;
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if ((cctx->flags & SSL_CONF_FLAG_FILE) && strcasecmp(cmd, commands[i].file) == 0)
            return (int)i;
        if ((cctx->flags & SSL_CONF_FLAG_CMDLINE) && cmd[0] == '-' && commands[i].cmdline &&
            strcmp(cmd + 1, commands[i].cmdline) == 0)
            return (int)i;
    }
    return -1;
}

int SSL_CONF_cmd_value_type(SSL_CONF_CTX *cctx, const char *cmd)
{
    return find(cctx, cmd) >= 0 ? SSL_CONF_TYPE_STRING : SSL_CONF_TYPE_UNKNOWN;
}

/* OpenSSL's option names (SSL_CONF's "Options"); those asking for what
 * tern never does (renegotiation, compression, ...) are kept in the
 * options and have no effect, as with SSL_CTX_set_options. */
static const struct {
    const char *name;
    uint64_t op;
} option_names[] = {
    {"SessionTicket", SSL_OP_NO_TICKET}, /* negated: "-SessionTicket" sets NO_TICKET */
    {"ServerPreference", SSL_OP_CIPHER_SERVER_PREFERENCE},
    {"PrioritizeChaCha", SSL_OP_PRIORITIZE_CHACHA},
    {"NoRenegotiation", SSL_OP_NO_RENEGOTIATION},
    {"Compression", SSL_OP_NO_COMPRESSION}, /* negated */
    {"MiddleboxCompat", SSL_OP_ENABLE_MIDDLEBOX_COMPAT},
    {"AntiReplay", SSL_OP_NO_ANTI_REPLAY}, /* negated */
    {"NoResumptionOnRenegotiation", SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION},
    {"EncryptThenMac", SSL_OP_NO_ENCRYPT_THEN_MAC}, /* negated */
    {"AllowNoDHEKEX", SSL_OP_ALLOW_NO_DHE_KEX},
    {"UnsafeLegacyRenegotiation", SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION},
    {"UnsafeLegacyServerConnect", SSL_OP_LEGACY_SERVER_CONNECT},
    {"EmptyFragments", SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS}, /* negated */
    {"Bugs", SSL_OP_ALL},
    {"KTLS", SSL_OP_ENABLE_KTLS},
};

static int negated(uint64_t op)
{
    return op == SSL_OP_NO_TICKET || op == SSL_OP_NO_COMPRESSION || op == SSL_OP_NO_ANTI_REPLAY ||
           op == SSL_OP_NO_ENCRYPT_THEN_MAC || op == SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS;
}

static int options(SSL_CTX *ctx, const char *value)
{
    uint64_t set = 0, clear = 0;
    const char *p = value;
    while (*p != '\0') {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == '\0')
            break;
        int off = *p == '-';
        if (*p == '-' || *p == '+')
            p++;
        size_t len = strcspn(p, ", ");
        size_t i;
        for (i = 0; i < sizeof(option_names) / sizeof(option_names[0]); i++) {
            if (strlen(option_names[i].name) == len &&
                strncasecmp(option_names[i].name, p, len) == 0)
                break;
        }
        if (i == sizeof(option_names) / sizeof(option_names[0])) {
            compat_fail(SSL_R_BAD_VALUE,
                        "Options: '%.*s' is not an option OpenSSL's SSL_CONF knows", (int)len, p);
            return 0;
        }
        uint64_t op = option_names[i].op;
        if (off ^ negated(op))
            clear |= op;
        else
            set |= op;
        p += len;
    }
    ctx->options = (ctx->options & ~clear) | set;
    compat_changed(ctx); /* as SSL_CTX_set_options: the server configuration is built again */
    return 1;
}

static int protocol(const char *value, long *out)
{
    static const struct {
        const char *name;
        long v;
    } names[] = {{"None", 0},
                 {"SSLv3", SSL3_VERSION},
                 {"TLSv1", TLS1_VERSION},
                 {"TLSv1.1", TLS1_1_VERSION},
                 {"TLSv1.2", TLS1_2_VERSION},
                 {"TLSv1.3", TLS1_3_VERSION}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcasecmp(value, names[i].name) == 0) {
            *out = names[i].v;
            return 1;
        }
    }
    compat_fail(SSL_R_BAD_VALUE, "'%s' is not a protocol version (None, TLSv1.2, TLSv1.3, ...)",
                value);
    return 0;
}

int SSL_CONF_cmd(SSL_CONF_CTX *cctx, const char *cmd, const char *value)
{
    int i = find(cctx, cmd);
    if (i < 0) {
        compat_fail(COMPAT_R_UNSUPPORTED,
                    "SSL_CONF command '%s' is not one tern's libssl honours (Options, "
                    "Ciphersuites, CipherString, Groups, Curves, MinProtocol, MaxProtocol)",
                    cmd != NULL ? cmd : "(null)");
        return -2; /* OpenSSL's "command not recognised" */
    }
    if (value == NULL) {
        compat_fail(SSL_R_BAD_VALUE, "SSL_CONF command '%s' needs a value", cmd);
        return -3;
    }
    SSL_CTX *ctx = cctx->ctx;
    if (ctx == NULL) {
        compat_fail(SSL_R_BAD_VALUE, "SSL_CONF command '%s': no SSL_CTX was set", cmd);
        return 0;
    }
    int ok;
    long v;
    switch (commands[i].kind) {
    case K_OPTIONS:
        ok = options(ctx, value);
        break;
    case K_SUITES13:
        ok = SSL_CTX_set_ciphersuites(ctx, value);
        break;
    case K_CIPHERS:
        ok = SSL_CTX_set_cipher_list(ctx, value);
        break;
    case K_GROUPS:
        ok = SSL_CTX_set1_groups_list(ctx, value) == 1;
        break;
    case K_MIN:
        ok = protocol(value, &v) && SSL_CTX_set_min_proto_version(ctx, v);
        break;
    default: /* K_MAX */
        ok = protocol(value, &v) && SSL_CTX_set_max_proto_version(ctx, v);
        break;
    }
    if (!ok) {
        compat_fail(SSL_R_BAD_VALUE, "SSL_CONF command '%s' refused the value '%s'", cmd, value);
        return 0;
    }
    return 2; /* the command and its value were used */
}
