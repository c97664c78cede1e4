/* PEM (RFC 7468): "-----BEGIN label-----", base64 lines, "-----END label-----".
 * Text outside blocks is ignored (bundles carry comments); inside a block
 * only base64 and whitespace are allowed, so encrypted keys with
 * RFC 1421 headers are refused with a sentence saying so. */
#include "x509/x509.h"

#include "base/mem.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *label;
    enum x509_pem_kind kind;
} labels[] = {
    {"CERTIFICATE", X509_PEM_CERTIFICATE},
    {"TRUSTED CERTIFICATE", X509_PEM_OTHER},
    {"X509 CRL", X509_PEM_CRL},
    {"PRIVATE KEY", X509_PEM_PRIVATE_KEY},
    {"EC PRIVATE KEY", X509_PEM_EC_PRIVATE_KEY},
    {"RSA PRIVATE KEY", X509_PEM_RSA_PRIVATE_KEY},
    {"ENCRYPTED PRIVATE KEY", X509_PEM_ENCRYPTED_PRIVATE_KEY},
};

static int b64val(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Find `needle` in r; on success split r into before / after. */
static bool find(const struct rd *r, const char *needle, struct rd *before, struct rd *after)
{
    size_t n = strlen(needle);
    if (r->len < n)
        return false;
    for (size_t i = 0; i + n <= r->len; i++) {
        if (r->p[i] == (uint8_t)needle[0] && memcmp(r->p + i, needle, n) == 0) {
            struct rd t = *r;
            if (!rd_sub(&t, before, i) || !rd_skip(&t, n))
                return false;
            *after = t;
            return true;
        }
    }
    return false;
}

int x509_pem_next(struct rd *text, enum x509_pem_kind *out_kind, uint8_t **out_der, size_t *out_len,
                  struct tern_err *err)
{
    *out_der = NULL;
    *out_len = 0;
    *out_kind = X509_PEM_OTHER;
    struct rd before, after, label, body, tail;
    if (!find(text, "-----BEGIN ", &before, &after)) {
        text->len = 0;
        return TERN_OK;
    }
    struct rd lr = after;
    if (!find(&lr, "-----", &label, &after) || label.len > 64 || memchr(label.p, '\n', label.len))
        return err_set(err, TERN_E_FILE, "a PEM BEGIN line is not closed by '-----'");
    char lab[80];
    snprintf(lab, sizeof(lab), "%.*s", (int)label.len, (const char *)label.p);
    char end[100];
    snprintf(end, sizeof(end), "-----END %s-----", lab);
    if (!find(&after, end, &body, &tail))
        return err_set(err, TERN_E_FILE,
                       "the PEM block '%s' has no matching END line: the file is cut short "
                       "(copy it again whole)",
                       lab);
    *text = tail;
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
        if (!strcmp(labels[i].label, lab))
            *out_kind = labels[i].kind;

    struct wr w;
    wr_init_grow(&w);
    uint32_t acc = 0;
    int bits = 0, pad = 0;
    uint8_t c;
    while (rd_u8(&body, &c)) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = b64val(c);
        if (v < 0 || pad) {
            wr_free(&w);
            if (c == ':')
                return err_set(err, TERN_E_FILE,
                               "the PEM block '%s' has headers (RFC 1421: a traditionally "
                               "encrypted key?), which only a key file may have",
                               lab);
            return err_set(err, TERN_E_FILE,
                           "the PEM block '%s' holds '%c', which is not base64 (RFC 7468 §3)", lab,
                           c >= 0x20 && c < 0x7f ? c : '?');
        }
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            wr_u8(&w, (uint8_t)(acc >> bits));
        }
    }
    /* Leftover bits must be the zero padding of a correctly sized group. */
    if (pad > 2 || (bits == 6) || (acc & ((1u << bits) - 1)) != 0 || (bits == 4 && pad != 2) ||
        (bits == 2 && pad != 1) || (bits == 0 && pad != 0)) {
        wr_free(&w);
        return err_set(err, TERN_E_FILE, "the PEM block '%s' has broken base64 padding", lab);
    }
    if (!wr_ok(&w) || w.len == 0) {
        wr_free(&w);
        return err_set(err, w.len == 0 ? TERN_E_FILE : TERN_E_NOMEM, "the PEM block '%s' is empty",
                       lab);
    }
    *out_der = wr_detach(&w, out_len);
    return TERN_OK;
}

int x509_load_file(const char *path, uint8_t **out, size_t *out_len, struct tern_err *err)
{
    *out = NULL;
    *out_len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(err, TERN_E_IO, "cannot open '%s': %s", path, strerror(errno));
    struct wr w;
    wr_init_grow(&w);
    uint8_t buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        wr_bytes(&w, buf, n);
    bool failed = ferror(f) != 0;
    int saved = errno;
    fclose(f);
    if (failed) {
        wr_free(&w);
        return err_set(err, TERN_E_IO, "cannot read '%s': %s", path, strerror(saved));
    }
    wr_u8(&w, 0); /* a NUL after the bytes, so PEM text can be used as a string */
    if (!wr_ok(&w)) {
        wr_free(&w);
        return err_set(err, TERN_E_NOMEM, "out of memory reading '%s'", path);
    }
    *out = wr_detach(&w, out_len);
    (*out_len)--;
    return TERN_OK;
}
