/* Trust stores: a growable array of parsed anchors. Building appends;
 * verification only reads, so a finished store may be shared by threads. */
#include "x509/x509.h"

#include "base/mem.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* At most this many capath folders per store. */
#define MAX_CAPATHS 8

struct x509_store {
    struct x509_cert **certs;
    size_t n, cap;
    /* OpenSSL hashed folders, read when a verification needs an issuer */
    char *capaths[MAX_CAPATHS];
    size_t n_capaths;
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
    for (size_t i = 0; i < s->n_capaths; i++)
        tern_free(s->capaths[i]);
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

int x509_store_add_capath(struct x509_store *s, const char *dir, struct tern_err *err)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return err_set(err, TERN_E_IO, "cannot open capath '%s': %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return err_set(err, TERN_E_ARG, "capath '%s' is not a directory", dir);
    if (s->n_capaths == MAX_CAPATHS)
        return err_set(err, TERN_E_LIMIT, "capath '%s': a trust store takes at most %d folders",
                       dir, MAX_CAPATHS);
    if (!(s->capaths[s->n_capaths] = tern_strdup(dir)))
        return err_set(err, TERN_E_NOMEM, "out of memory");
    s->n_capaths++;
    return TERN_OK;
}

bool x509_store_has_capath(const struct x509_store *s)
{
    return s && s->n_capaths > 0;
}

/* The files HHHHHHHH.0, .1, ... are tried in order until one is missing
 * (`openssl rehash` numbers them from 0 without gaps); each holds one PEM
 * (or DER) certificate, kept when its subject matches name: two names may
 * share a hash. */
size_t x509_store_capath_lookup(const struct x509_store *s, const struct rd *name,
                                struct x509_cert **out, size_t cap)
{
    uint32_t h;
    size_t found = 0;
    if (!s || !s->n_capaths || !cry_x509_name_hash(name->p, name->len, &h))
        return 0;
    for (size_t d = 0; d < s->n_capaths && found < cap; d++) {
        for (int k = 0; k < X509_CAPATH_MAX_FILES && found < cap; k++) {
            char path[4096];
            snprintf(path, sizeof(path), "%s/%08x.%d", s->capaths[d], (unsigned)h, k);
            uint8_t *text;
            size_t len;
            struct tern_err e;
            err_init(&e);
            if (x509_load_file(path, &text, &len, &e) != TERN_OK)
                break;
            struct rd r;
            rd_init(&r, text, len);
            enum x509_pem_kind kind = X509_PEM_CERTIFICATE;
            uint8_t *der = NULL;
            size_t der_len = len;
            bool pem = len > 0 && text[0] != 0x30;
            if (pem && (x509_pem_next(&r, &kind, &der, &der_len, &e) != TERN_OK || !der))
                der = NULL;
            struct x509_cert *c = NULL;
            if ((!pem || (der && kind == X509_PEM_CERTIFICATE)) &&
                x509_cert_parse(pem ? der : text, der_len, &c, &e) == TERN_OK) {
                if (x509_name_eq(&c->subject, name)) {
                    (void)x509_subject_text(c);
                    (void)x509_issuer_text(c);
                    out[found++] = c;
                } else {
                    x509_cert_free(c);
                }
            }
            tern_free(der);
            tern_free(text);
        }
    }
    return found;
}
