/* Helpers for the tern command (see util.h). */
#include "util.h"

#include "tbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

__attribute__((format(printf, 3, 4))) static int fail(char *why, size_t cap, const char *fmt, ...)
{
    if (why && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, cap, fmt, ap);
        va_end(ap);
    }
    return -1;
}

char *util_read_file(const char *path, size_t *out_len, char *why, size_t why_cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fail(why, why_cap, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (!buf) {
            close(fd);
            fail(why, why_cap, "out of memory reading %s", path);
            return NULL;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fail(why, why_cap, "cannot read %s: %s", path, strerror(errno));
            free(buf);
            close(fd);
            return NULL;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == cap) {
            if (cap > ((size_t)64 << 20)) {
                fail(why, why_cap, "%s is larger than 64 MiB", path);
                free(buf);
                close(fd);
                return NULL;
            }
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    close(fd);
    buf[len] = 0;
    if (out_len)
        *out_len = len;
    return buf;
}

int util_write_file(const char *path, const void *data, size_t len, mode_t mode, char *why,
                    size_t why_cap)
{
    char tmp[UTIL_PATH_MAX];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
        return fail(why, why_cap, "the path %s is too long", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return fail(why, why_cap, "cannot create %s: %s", tmp, strerror(errno));
    /* The umask may have widened nothing, but make the mode exact. */
    if (fchmod(fd, mode) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return fail(why, why_cap, "cannot set the mode of %s: %s", tmp, strerror(e));
    }
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            unlink(tmp);
            return fail(why, why_cap, "cannot write %s: %s", tmp, strerror(e));
        }
        p += n;
        len -= (size_t)n;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        unlink(tmp);
        return fail(why, why_cap, "cannot write %s: %s", tmp, strerror(errno));
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return fail(why, why_cap, "cannot rename %s to %s: %s", tmp, path, strerror(e));
    }
    return 0;
}

int util_mkdirs(const char *path, mode_t mode, char *why, size_t why_cap)
{
    char buf[UTIL_PATH_MAX];
    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
        return fail(why, why_cap, "the path %s is too long", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == 0) {
            char saved = *p;
            *p = 0;
            if (mkdir(buf, mode) != 0 && errno != EEXIST)
                return fail(why, why_cap, "cannot create the folder %s: %s", buf, strerror(errno));
            *p = saved;
            if (!saved)
                break;
        }
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return fail(why, why_cap, "%s is not a folder", path);
    return 0;
}

int util_state_dir(const char *override, char *out, size_t cap, char *why, size_t why_cap)
{
    int n;
    const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    if (override && *override)
        n = snprintf(out, cap, "%s", override);
    else if (xdg && xdg[0] == '/')
        n = snprintf(out, cap, "%s/tern", xdg);
    else {
        if (!home || !*home) {
            struct passwd *pw = getpwuid(getuid());
            home = pw ? pw->pw_dir : NULL;
        }
        if (!home)
            return fail(why, why_cap, "neither XDG_STATE_HOME nor HOME is set; pass --state-dir");
        n = snprintf(out, cap, "%s/.local/state/tern", home);
    }
    if (n < 0 || (size_t)n >= cap)
        return fail(why, why_cap, "the state folder's path is too long");
    return 0;
}

int util_keylog_open(struct util_keylog *k, const char *path, char *why, size_t why_cap)
{
    k->f = NULL;
    if (!path || !*path)
        path = getenv("SSLKEYLOGFILE");
    if (!path || !*path)
        return 0;
    /* Secrets: readable by the owner only, appended like other tools do. */
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return fail(why, why_cap, "cannot open the key-log file %s: %s", path, strerror(errno));
    k->f = fdopen(fd, "a");
    if (!k->f) {
        close(fd);
        return fail(why, why_cap, "cannot open the key-log file %s: %s", path, strerror(errno));
    }
    return 0;
}

void util_keylog_cb(void *arg, const char *line)
{
    struct util_keylog *k = arg;
    if (!k || !k->f)
        return;
    fprintf(k->f, "%s\n", line);
    fflush(k->f);
}

void util_keylog_close(struct util_keylog *k)
{
    if (k->f)
        fclose(k->f);
    k->f = NULL;
}

int util_ca_paths(const char *dir, char *cert, char *key, size_t cap)
{
    if (snprintf(cert, cap, "%s/ca.pem", dir) >= (int)cap ||
        snprintf(key, cap, "%s/ca-key.pem", dir) >= (int)cap)
        return -1;
    return 0;
}

int util_ca_load_or_create(const char *dir, bool create, enum tern_key_type kt, struct devca *ca,
                           bool *created, char *why, size_t why_cap)
{
    char cert_path[UTIL_PATH_MAX], key_path[UTIL_PATH_MAX];
    *created = false;
    if (util_ca_paths(dir, cert_path, key_path, sizeof(cert_path)) != 0)
        return fail(why, why_cap, "the folder path %s is too long", dir);
    if (access(cert_path, F_OK) == 0) {
        size_t cl, kl;
        char *cp = util_read_file(cert_path, &cl, why, why_cap);
        if (!cp)
            return -1;
        char *kp = util_read_file(key_path, &kl, why, why_cap);
        if (!kp) {
            free(cp);
            return -1;
        }
        char inner[DEVCA_WHY_MAX];
        int rc = devca_load(ca, cp, cl, kp, kl, inner, sizeof(inner));
        free(cp);
        tb_wipe(kp, kl);
        free(kp);
        if (rc)
            return fail(why, why_cap, "the development CA in %s cannot be used: %s", dir, inner);
        return 0;
    }
    if (!create)
        return fail(why, why_cap, "there is no development CA in %s; make one with 'tern cert ca'",
                    dir);
    if (util_mkdirs(dir, 0700, why, why_cap) != 0)
        return -1;
    /* A name that tells this machine's CA apart from others in a trust
     * store: who made it, where, and a random tag. */
    char cn[200], host[64] = "localhost";
    const char *user = getenv("USER");
    uint8_t tag[3] = {0, 0, 0};
    gethostname(host, sizeof(host) - 1);
    if (tern_random(tag, sizeof(tag)) != TERN_OK)
        return fail(why, why_cap, "the random generator failed");
    snprintf(cn, sizeof(cn), "tern development CA %s@%s %02x%02x%02x", user ? user : "user", host,
             tag[0], tag[1], tag[2]);
    char inner[DEVCA_WHY_MAX];
    if (devca_create(ca, kt, cn, DEVCA_CA_DAYS, time(NULL), inner, sizeof(inner)) != TERN_OK)
        return fail(why, why_cap, "cannot make a development CA: %s", inner);
    char *cert_pem = devca_pem("CERTIFICATE", ca->cert_der, ca->cert_len), *key_pem = NULL;
    int rc = devca_key_pem(ca->key, &key_pem);
    if (!cert_pem || rc != TERN_OK) {
        free(cert_pem);
        devca_cleanup(ca);
        return fail(why, why_cap, "cannot encode the development CA as PEM");
    }
    /* The key first: a certificate without its key would be a CA nobody
     * can use but everybody may already trust. */
    rc = util_write_file(key_path, key_pem, strlen(key_pem), 0600, why, why_cap);
    if (rc == 0)
        rc = util_write_file(cert_path, cert_pem, strlen(cert_pem), 0644, why, why_cap);
    tb_wipe(key_pem, strlen(key_pem));
    free(key_pem);
    free(cert_pem);
    if (rc != 0) {
        devca_cleanup(ca);
        return -1;
    }
    *created = true;
    return 0;
}

int util_issue_files(const struct devca *ca, const struct devca_leaf *leaf, const char *cert_path,
                     const char *key_path, char *why, size_t why_cap)
{
    uint8_t *der = NULL;
    size_t der_len = 0;
    tern_key *key = NULL;
    char inner[DEVCA_WHY_MAX];
    if (devca_issue(ca, leaf, &der, &der_len, &key, inner, sizeof(inner)) != TERN_OK)
        return fail(why, why_cap, "cannot issue the certificate: %s", inner);
    char *cert_pem = devca_pem("CERTIFICATE", der, der_len), *key_pem = NULL;
    free(der);
    int rc = devca_key_pem(key, &key_pem);
    tern_key_free(key);
    if (!cert_pem || rc != TERN_OK) {
        free(cert_pem);
        return fail(why, why_cap, "cannot encode the certificate as PEM");
    }
    rc = util_write_file(key_path, key_pem, strlen(key_pem), 0600, why, why_cap);
    if (rc == 0)
        rc = util_write_file(cert_path, cert_pem, strlen(cert_pem), 0644, why, why_cap);
    tb_wipe(key_pem, strlen(key_pem));
    free(key_pem);
    free(cert_pem);
    return rc;
}

/* ---- session files (tern get --session) ---- */

static int hex_value(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

int util_sessions_load(tern_config *cfg, const char *path, char *why, size_t why_cap)
{
    size_t len;
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT)
        return 0; /* the first visit */
    char *text = util_read_file(path, &len, why, why_cap);
    if (!text)
        return -1;
    int loaded = 0, rc = 0;
    unsigned line_no = 0;
    uint8_t *blob = malloc(len / 2 + 1);
    if (!blob) {
        free(text);
        return fail(why, why_cap, "out of memory reading %s", path);
    }
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        line_no++;
        if (line[0] == '#' || line[0] == '\0')
            continue;
        size_t n = 0, hl = strlen(line);
        bool ok = hl % 2 == 0;
        for (size_t i = 0; ok && i < hl; i += 2) {
            int hi = hex_value(line[i]), lo = hex_value(line[i + 1]);
            ok = hi >= 0 && lo >= 0;
            if (ok)
                blob[n++] = (uint8_t)(hi << 4 | lo);
        }
        if (!ok || tern_config_add_session(cfg, blob, n) != TERN_OK) {
            rc = fail(why, why_cap,
                      "%s line %u is not a tern session (%s); delete the file to start afresh",
                      path, line_no, ok ? tern_config_error(cfg) : "not hex");
            break;
        }
        loaded++;
    }
    tb_wipe(blob, len / 2 + 1);
    free(blob);
    tb_wipe(text, len);
    free(text);
    return rc < 0 ? rc : loaded;
}

void util_sessions_cb(void *arg, const char *server_name, const uint8_t *session, size_t len)
{
    (void)server_name;
    struct util_sessions *ss = arg;
    char *hex = malloc(2 * len + 1);
    if (!hex)
        return;
    for (size_t i = 0; i < len; i++)
        snprintf(hex + 2 * i, 3, "%02x", session[i]);
    if (ss->n == sizeof(ss->lines) / sizeof(ss->lines[0])) {
        /* keep the newest: drop the oldest */
        tb_wipe(ss->lines[0], strlen(ss->lines[0]));
        free(ss->lines[0]);
        memmove(ss->lines, ss->lines + 1, (ss->n - 1) * sizeof(ss->lines[0]));
        ss->n--;
    }
    ss->lines[ss->n++] = hex;
}

int util_sessions_save(const struct util_sessions *ss, const char *path, char *why, size_t why_cap)
{
    static const char head[] = "# tern sessions for resumption: secret, keep private\n";
    size_t len = sizeof(head) - 1;
    for (size_t i = 0; i < ss->n; i++)
        len += strlen(ss->lines[i]) + 1;
    char *text = malloc(len + 1), *p = text;
    if (!text)
        return fail(why, why_cap, "out of memory writing %s", path);
    p += snprintf(p, len + 1, "%s", head);
    for (size_t i = 0; i < ss->n; i++)
        p += snprintf(p, len + 1 - (size_t)(p - text), "%s\n", ss->lines[i]);
    int rc = util_write_file(path, text, len, 0600, why, why_cap);
    tb_wipe(text, len);
    free(text);
    return rc;
}

void util_sessions_free(struct util_sessions *ss)
{
    for (size_t i = 0; i < ss->n; i++) {
        tb_wipe(ss->lines[i], strlen(ss->lines[i]));
        free(ss->lines[i]);
    }
    ss->n = 0;
}

int util_password_parse(struct util_password *pw, const char *spec, char *why, size_t why_cap)
{
    memset(pw, 0, sizeof(*pw));
    const char *v = NULL;
    char *file = NULL;
    size_t n = 0;
    if (!strncmp(spec, "pass:", 5)) {
        v = spec + 5;
        n = strlen(v);
    } else if (!strncmp(spec, "env:", 4)) {
        v = getenv(spec + 4);
        if (!v) {
            snprintf(why, why_cap, "--key-pass %s: the environment variable %s is not set", spec,
                     spec + 4);
            return -1;
        }
        n = strlen(v);
    } else if (!strncmp(spec, "file:", 5)) {
        file = util_read_file(spec + 5, &n, why, why_cap);
        if (!file)
            return -1;
        v = file;
        n = strcspn(file, "\r\n"); /* the first line, as OpenSSL reads it */
    } else {
        snprintf(why, why_cap,
                 "--key-pass wants pass:TEXT, env:VAR or file:PATH (OpenSSL's syntax), not '%.40s'",
                 spec);
        return -1;
    }
    int rc = 0;
    if (n > sizeof(pw->text)) {
        snprintf(why, why_cap, "--key-pass: the password is longer than %zu bytes",
                 sizeof(pw->text));
        rc = -1;
    } else {
        memcpy(pw->text, v, n);
        pw->len = n;
    }
    if (file) {
        tb_wipe(file, strlen(file));
        free(file);
    }
    return rc;
}

int util_password_cb(void *arg, char *buf, size_t cap)
{
    const struct util_password *pw = arg;
    if (pw->len > cap)
        return -1;
    memcpy(buf, pw->text, pw->len);
    return (int)pw->len;
}
