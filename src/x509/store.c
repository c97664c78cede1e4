/* Trust stores: a growable array of parsed anchors. Building appends;
 * verification only reads, so a finished store may be shared by threads. */
#include "x509/x509.h"

#include "base/mem.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

struct x509_store {
    struct x509_cert **certs;
    size_t n, cap;
};

struct x509_store *x509_store_new(void)
{
    return tern_calloc(1, sizeof(struct x509_store));
}

void x509_store_free(struct x509_store *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        x509_cert_free(s->certs[i]);
    tern_free(s->certs);
    tern_free(s);
}

size_t x509_store_count(const struct x509_store *s)
{
    return s ? s->n : 0;
}

const struct x509_cert *x509_store_get(const struct x509_store *s, size_t i)
{
    return s && i < s->n ? s->certs[i] : NULL;
}

int x509_store_add_der(struct x509_store *s, const uint8_t *der, size_t len, struct tern_err *err)
{
    struct x509_cert *c;
    TRY(x509_cert_parse(der, len, &c, err));
    for (size_t i = 0; i < s->n; i++) {
        if (s->certs[i]->der_len == len && memcmp(s->certs[i]->der, der, len) == 0) {
            x509_cert_free(c); /* already there: bundles often repeat roots */
            return TERN_OK;
        }
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        struct x509_cert **n = tern_calloc(cap, sizeof(*n));
        if (!n) {
            x509_cert_free(c);
            return err_set(err, TERN_E_NOMEM, "out of memory growing the trust store");
        }
        if (s->n)
            memcpy(n, s->certs, s->n * sizeof(*n));
        tern_free(s->certs);
        s->certs = n;
        s->cap = cap;
    }
    /* Render the names now, while the store is still private to its
     * builder: verification only reads it, from any number of threads,
     * and must find the cache already filled (cert.c, cached_text). */
    (void)x509_subject_text(c);
    (void)x509_issuer_text(c);
    s->certs[s->n++] = c;
    return TERN_OK;
}

static int add_pem(struct x509_store *s, const char *text, size_t len, bool require_one,
                   struct tern_err *err)
{
    struct rd r;
    rd_init(&r, (const uint8_t *)text, len);
    size_t added = 0, block = 0;
    for (;;) {
        enum x509_pem_kind kind;
        uint8_t *der;
        size_t der_len;
        TRY(x509_pem_next(&r, &kind, &der, &der_len, err));
        if (!der)
            break;
        block++;
        if (kind == X509_PEM_CERTIFICATE) {
            struct tern_err local;
            err_init(&local);
            int rc = x509_store_add_der(s, der, der_len, &local);
            if (rc != TERN_OK) {
                tern_free(der);
                return err_set(err, rc, "PEM block %zu: %s", block, local.msg);
            }
            added++;
        }
        tern_free(der);
    }
    if (!added && require_one)
        return err_set(err, TERN_E_FILE, "no CERTIFICATE block found in %zu bytes of PEM", len);
    return TERN_OK;
}

int x509_store_add_pem(struct x509_store *s, const char *text, size_t len, struct tern_err *err)
{
    return add_pem(s, text, len, true, err);
}

/* In a directory, a .pem file without certificates (a key next to its
 * certificate) is passed over; a broken one is still an error. */
static int add_one_file(struct x509_store *s, const char *path, bool require_one,
                        struct tern_err *err)
{
    uint8_t *text;
    size_t len;
    TRY(x509_load_file(path, &text, &len, err));
    struct tern_err local;
    err_init(&local);
    int rc = add_pem(s, (const char *)text, len, require_one, &local);
    tern_free(text);
    if (rc != TERN_OK)
        return err_set(err, rc, "%s: %s", path, local.msg);
    return TERN_OK;
}

int x509_store_add_file(struct x509_store *s, const char *path, struct tern_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return err_set(err, TERN_E_IO, "cannot open '%s': %s", path, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return add_one_file(s, path, true, err);
    DIR *d = opendir(path);
    if (!d)
        return err_set(err, TERN_E_IO, "cannot read directory '%s': %s", path, strerror(errno));
    struct dirent *e;
    size_t files = 0, before = s->n;
    int rc = TERN_OK;
    while (rc == TERN_OK && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 5 || (strcmp(e->d_name + n - 4, ".pem") && strcmp(e->d_name + n - 4, ".crt")))
            continue;
        char full[4096];
        snprintf(full, sizeof(full), "%s/%s", path, e->d_name);
        if (stat(full, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        rc = add_one_file(s, full, false, err);
        files++;
    }
    closedir(d);
    if (rc == TERN_OK && (files == 0 || s->n == before))
        return err_set(err, TERN_E_FILE,
                       "directory '%s' holds no certificates in .pem or .crt "
                       "files",
                       path);
    return rc;
}

int x509_store_add_system(struct x509_store *s, struct tern_err *err)
{
    return x509_store_add_file(s, X509_SYSTEM_BUNDLE, err);
}
