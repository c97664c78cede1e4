/* Names: DNS and IP identity matching (RFC 9525, which replaced RFC 6125),
 * SAN syntax, the CN rule of the CA/B Forum Baseline Requirements, and name
 * constraints (RFC 5280 §4.2.1.10). */
#include "x509/x509.h"

#include "base/mem.h"
#include "base/der.h"
#include "x509/oids.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#define BAD(...) err_set(err, TERN_E_BAD_CERTIFICATE, __VA_ARGS__)

static uint8_t lower(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* ASCII case-insensitive equality of two byte strings (DNS names). */
static bool ci_eq(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    if (an != bn)
        return false;
    for (size_t i = 0; i < an; i++)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

/* Is name (n bytes) equal to domain d, or a subdomain of it? */
static bool ci_within(const uint8_t *name, size_t n, const uint8_t *d, size_t dn)
{
    if (dn == 0)
        return true;
    if (ci_eq(name, n, d, dn))
        return true;
    return n > dn && name[n - dn - 1] == '.' && ci_eq(name + (n - dn), dn, d, dn);
}

bool x509_dns_name_valid(const uint8_t *p, size_t n, bool allow_wildcard)
{
    if (n == 0 || n > 253)
        return false;
    size_t label = 0, labels = 0;
    bool wildcard = false;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || p[i] == '.') {
            if (label == 0 || label > 63)
                return false;
            /* RFC 1034 §3.5 / RFC 1123 §2.1: letters, digits, hyphens; no
             * hyphen at either end of a label. */
            if (!(labels == 0 && wildcard) && (p[i - label] == '-' || p[i - 1] == '-'))
                return false;
            labels++;
            label = 0;
            continue;
        }
        uint8_t c = p[i];
        if (c == '*' && allow_wildcard && labels == 0 && i == 0 && n > 1 && p[1] == '.') {
            wildcard = true;
            label++;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-'))
            return false;
        label++;
    }
    return !wildcard || labels >= 2;
}

bool x509_dns_match(const uint8_t *pat, size_t plen, const char *host)
{
    size_t hlen = strlen(host);
    if (hlen && host[hlen - 1] == '.')
        hlen--; /* an absolute reference name matches the same presented name */
    const uint8_t *h = (const uint8_t *)host;
    if (!x509_dns_name_valid(h, hlen, false) || !x509_dns_name_valid(pat, plen, true))
        return false;
    if (plen >= 2 && pat[0] == '*') {
        /* RFC 9525 §6.3: '*' is the whole left-most label and matches exactly
         * one label. tern also refuses a wildcard directly over a single
         * label ("*.com"), which no CA may issue. */
        const uint8_t *base = pat + 2;
        size_t blen = plen - 2;
        if (!memchr(base, '.', blen))
            return false;
        const uint8_t *dot = memchr(h, '.', hlen);
        if (!dot || dot == h)
            return false;
        size_t first = (size_t)(dot - h);
        return ci_eq(h + first + 1, hlen - first - 1, base, blen);
    }
    return ci_eq(pat, plen, h, hlen);
}

/* ---- IP addresses ---- */

static bool parse_v4(const char *s, size_t n, uint8_t out[4])
{
    unsigned part = 0;
    size_t i = 0;
    while (part < 4) {
        unsigned v = 0, digits = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (digits == 1 && v == 0)
                return false; /* leading zero: some stacks read it as octal */
            v = v * 10 + (unsigned)(s[i] - '0');
            if (v > 255)
                return false;
            digits++;
            i++;
        }
        if (digits == 0)
            return false;
        out[part++] = (uint8_t)v;
        if (part < 4) {
            if (i >= n || s[i] != '.')
                return false;
            i++;
        }
    }
    return i == n;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool parse_v6(const char *s, size_t n, uint8_t out[16])
{
    uint16_t groups[8];
    int ng = 0, gap = -1;
    size_t i = 0;
    if (n >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        i = 2;
    } else if (n >= 1 && s[0] == ':') {
        return false;
    }
    while (i < n) {
        /* An embedded IPv4 tail (RFC 4291 §2.2 form 3). */
        size_t j = i;
        while (j < n && s[j] != ':' && s[j] != '.')
            j++;
        if (j < n && s[j] == '.') {
            uint8_t v4[4];
            if (ng > 6 || !parse_v4(s + i, n - i, v4))
                return false;
            groups[ng++] = (uint16_t)(v4[0] << 8 | v4[1]);
            groups[ng++] = (uint16_t)(v4[2] << 8 | v4[3]);
            i = n;
            break;
        }
        unsigned v = 0, digits = 0;
        while (i < n && hexval(s[i]) >= 0) {
            v = v << 4 | (unsigned)hexval(s[i]);
            if (++digits > 4)
                return false;
            i++;
        }
        if (digits == 0 || ng == 8)
            return false;
        groups[ng++] = (uint16_t)v;
        if (i == n)
            break;
        if (s[i] != ':')
            return false;
        i++;
        if (i < n && s[i] == ':') {
            if (gap >= 0)
                return false;
            gap = ng;
            i++;
        } else if (i == n) {
            return false;
        }
    }
    if (gap < 0 && ng != 8)
        return false;
    if (gap >= 0 && ng > 7)
        return false;
    int fill = 8 - ng, k = 0;
    for (int g = 0; g < 8; g++) {
        uint16_t v;
        if (gap >= 0 && g >= gap && g < gap + fill)
            v = 0;
        else
            v = groups[k++];
        out[2 * g] = (uint8_t)(v >> 8);
        out[2 * g + 1] = (uint8_t)v;
    }
    return true;
}

bool x509_ip_parse(const char *text, uint8_t out[16], size_t *out_len)
{
    size_t n = strlen(text);
    if (memchr(text, ':', n)) {
        *out_len = 16;
        return parse_v6(text, n, out);
    }
    *out_len = 4;
    return parse_v4(text, n, out);
}

const char *x509_ip_text(const uint8_t *ip, size_t len, char *buf, size_t cap)
{
    if (len == 4) {
        snprintf(buf, cap, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
        return buf;
    }
    if (len != 16) {
        snprintf(buf, cap, "(an address of %zu bytes)", len);
        return buf;
    }
    /* RFC 5952 §4: lowercase, no leading zeros, the longest run (first on a
     * tie) of two or more zero groups written as "::". */
    unsigned g[8];
    for (int i = 0; i < 8; i++)
        g[i] = (unsigned)ip[2 * i] << 8 | ip[2 * i + 1];
    int best = -1, best_len = 1;
    for (int i = 0; i < 8;) {
        int j = i;
        while (j < 8 && g[j] == 0)
            j++;
        if (j - i > best_len)
            best = i, best_len = j - i;
        i = j > i ? j : i + 1;
    }
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < 8 && used < cap; i++) {
        int w;
        if (i == best) {
            w = snprintf(buf + used, cap - used, "::");
            i += best_len - 1;
        } else {
            bool sep = i > 0 && i != best + best_len;
            w = snprintf(buf + used, cap - used, "%s%x", sep ? ":" : "", g[i]);
        }
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return buf;
}

/* ---- the certificate's names ---- */

/* Walk the SAN GeneralNames: calls fn for each (tag, value). */
struct san_iter {
    struct rd r;
};
static void san_begin(struct san_iter *it, const struct x509_cert *c)
{
    it->r = c->has_san ? c->san : (struct rd){0};
}
static bool san_next(struct san_iter *it, uint8_t *tag, struct rd *v)
{
    return !rd_empty(&it->r) && der_next(&it->r, tag, v, NULL);
}

void x509_cert_names_text(const struct x509_cert *c, char *buf, size_t cap)
{
    struct san_iter it;
    uint8_t tag;
    struct rd v;
    size_t used = 0;
    buf[0] = 0;
    san_begin(&it, c);
    while (san_next(&it, &tag, &v) && used + 4 < cap) {
        char ip[48];
        const char *s = NULL;
        int w;
        if (tag == DER_CONTEXT(2))
            w = snprintf(buf + used, cap - used, "%s%.*s", used ? ", " : "", (int)v.len,
                         (const char *)v.p);
        else if (tag == DER_CONTEXT(7))
            s = x509_ip_text(v.p, v.len, ip, sizeof(ip)),
            w = snprintf(buf + used, cap - used, "%sIP %s", used ? ", " : "", s);
        else
            continue;
        if (w < 0 || (size_t)w >= cap - used) {
            if (cap > 4)
                memcpy(buf + cap - 4, "...", 4);
            return;
        }
        used += (size_t)w;
    }
    if (!used)
        snprintf(buf, cap, "(none)");
}

int x509_match_host(const struct x509_cert *c, const char *host, struct tern_err *err)
{
    size_t hlen = strlen(host);
    if (hlen && host[hlen - 1] == '.')
        hlen--;
    if (!x509_dns_name_valid((const uint8_t *)host, hlen, false))
        return err_set(err, TERN_E_NAME_MISMATCH,
                       "'%s' is not a valid DNS name (RFC 1123 letters, digits, hyphens), so "
                       "no certificate can match it",
                       host);
    struct san_iter it;
    uint8_t tag;
    struct rd v;
    san_begin(&it, c);
    while (san_next(&it, &tag, &v))
        if (tag == DER_CONTEXT(2) && x509_dns_match(v.p, v.len, host))
            return TERN_OK;
    char names[200];
    x509_cert_names_text(c, names, sizeof(names));
    if (!c->has_san)
        return err_set(err, TERN_E_NAME_MISMATCH,
                       "'%s' is not one of the certificate's names: certificate '%s' has no "
                       "subjectAltName, and tern does not read names from the subject CN "
                       "(RFC 9525 §6.3)",
                       host, x509_subject_text(c));
    return err_set(err, TERN_E_NAME_MISMATCH, "'%s' is not one of the certificate's names: %s",
                   host, names);
}

int x509_match_ip(const struct x509_cert *c, const uint8_t *ip, size_t ip_len, const char *text,
                  struct tern_err *err)
{
    struct san_iter it;
    uint8_t tag;
    struct rd v;
    san_begin(&it, c);
    while (san_next(&it, &tag, &v))
        if (tag == DER_CONTEXT(7) && v.len == ip_len && memcmp(v.p, ip, ip_len) == 0)
            return TERN_OK;
    char names[200];
    x509_cert_names_text(c, names, sizeof(names));
    return err_set(err, TERN_E_NAME_MISMATCH,
                   "IP address %s is not one of the certificate's names (only iPAddress "
                   "subjectAltNames count): %s",
                   text, names);
}

static bool mailbox_valid(const struct rd *v)
{
    const uint8_t *at = v->len ? memchr(v->p, '@', v->len) : NULL;
    if (!at || at == v->p)
        return false;
    size_t local = (size_t)(at - v->p);
    for (size_t i = 0; i < local; i++)
        if (v->p[i] <= 0x20 || v->p[i] >= 0x7f)
            return false;
    return x509_dns_name_valid(at + 1, v->len - local - 1, false);
}

int x509_check_san_syntax(const struct x509_cert *c, struct tern_err *err)
{
    struct san_iter it;
    uint8_t tag;
    struct rd v;
    char buf[80], ip[48];
    san_begin(&it, c);
    while (san_next(&it, &tag, &v)) {
        if (tag == DER_CONTEXT(2) && !x509_dns_name_valid(v.p, v.len, true))
            return BAD("certificate '%s' has subjectAltName dNSName '%s', which is not in the "
                       "preferred name syntax (RFC 5280 §4.2.1.6)",
                       x509_subject_text(c), err_hex(buf, sizeof(buf), v.p, v.len));
        if (tag == DER_CONTEXT(7) && v.len != 4 && v.len != 16)
            return BAD("certificate '%s' has a subjectAltName iPAddress of %zu bytes (4 or 16 "
                       "expected)",
                       x509_subject_text(c), v.len);
        if (tag == DER_CONTEXT(1) && !mailbox_valid(&v))
            return BAD("certificate '%s' has subjectAltName rfc822Name '%s', which is not a "
                       "mailbox (RFC 5280 §4.2.1.6)",
                       x509_subject_text(c), err_hex(buf, sizeof(buf), v.p, v.len));
    }
    (void)ip;
    return TERN_OK;
}

int x509_check_wildcard_suffixes(const struct x509_cert *c, struct tern_err *err)
{
    struct san_iter it;
    uint8_t tag;
    struct rd v;
    san_begin(&it, c);
    while (san_next(&it, &tag, &v)) {
        if (tag != DER_CONTEXT(2) || v.len < 3 || v.p[0] != '*' || v.p[1] != '.')
            continue;
        char base[256];
        size_t n = v.len - 2;
        if (n >= sizeof(base))
            continue; /* longer than a DNS name; the SAN syntax check refuses it */
        for (size_t i = 0; i < n; i++)
            base[i] = (char)lower(v.p[2 + i]);
        base[n] = 0;
        if (x509_public_suffix(base))
            return BAD("certificate '%s' has the wildcard subjectAltName '*.%s', which covers "
                       "every name under the public suffix '%s' (ICANN section of the Public "
                       "Suffix List); the web PKI forbids such wildcards",
                       x509_subject_text(c), base, base);
    }
    return TERN_OK;
}

/* Is this CN value (raw bytes) the canonical text of an IP address the SAN
 * lists? An address CN must be in RFC 3986 §3.2.2 dotted decimal or RFC
 * 5952 §4 text (BR 7.1.4.3): the text parsed and written back must be the
 * same bytes. */
static bool cn_is_san_ip(const struct x509_cert *c, const struct rd *cn, bool *looks_ip)
{
    char text[64];
    uint8_t ip[16];
    size_t ip_len;
    *looks_ip = false;
    if (cn->len == 0 || cn->len >= sizeof(text))
        return false;
    memcpy(text, cn->p, cn->len);
    text[cn->len] = 0;
    /* An address is what an address parser would read as one: IPv6 text,
     * or any IPv4 form inet_aton(3) takes (hex, octal, fewer parts), so
     * "0xC0A80101" is an address in a non-canonical form, not a host name. */
    struct in_addr v4;
    bool colon = memchr(text, ':', cn->len) != NULL;
    if (!colon && inet_aton(text, &v4) == 0)
        return false;
    *looks_ip = true;
    if (!x509_ip_parse(text, ip, &ip_len))
        return false;
    char canon[64];
    x509_ip_text(ip, ip_len, canon, sizeof(canon));
    if (strcmp(canon, text) != 0)
        return false;
    struct san_iter it;
    uint8_t tag;
    struct rd v;
    san_begin(&it, c);
    while (san_next(&it, &tag, &v))
        if (tag == DER_CONTEXT(7) && v.len == ip_len && memcmp(v.p, ip, ip_len) == 0)
            return true;
    return false;
}

static bool san_has_kind(const struct x509_cert *c, uint8_t kind)
{
    struct san_iter it;
    uint8_t tag;
    struct rd v;
    san_begin(&it, c);
    while (san_next(&it, &tag, &v))
        if (tag == kind)
            return true;
    return false;
}

static bool cn_is_san_dns(const struct x509_cert *c, const struct rd *cn)
{
    struct san_iter it;
    uint8_t tag;
    struct rd v;
    san_begin(&it, c);
    while (san_next(&it, &tag, &v)) {
        if (tag != DER_CONTEXT(2))
            continue;
        /* a character-for-character copy (BR 7.1.4.3) */
        if (der_eq(&v, cn))
            return true;
        /* or the domain whose control validated a wildcard SAN "*.d"
         * (BR 3.2.2.6 validates the FQDN portion, d): it names nothing the
         * validation did not cover */
        if (v.len > 2 && v.p[0] == '*' && v.p[1] == '.' && cn->len == v.len - 2 &&
            memcmp(v.p + 2, cn->p, cn->len) == 0)
            return true;
    }
    return false;
}

/* Visit every attribute of a Name whose type is `oid`. */
static bool name_next_attr(struct rd *rdns, struct rd *set, const uint8_t *oid, size_t oid_len,
                           struct rd *value)
{
    for (;;) {
        while (rd_empty(set)) {
            if (rd_empty(rdns) || !der_get(rdns, DER_SET, set))
                return false;
        }
        struct rd atv, t;
        uint8_t tag;
        if (!der_get(set, DER_SEQUENCE, &atv) || !der_get(&atv, DER_OID, &t) ||
            !der_next(&atv, &tag, value, NULL))
            return false;
        if (der_oid_is(&t, oid, oid_len))
            return true;
    }
}

static bool name_rdns(const struct rd *name, struct rd *rdns)
{
    struct rd r = *name;
    return der_get(&r, DER_SEQUENCE, rdns);
}

/* ---- name constraints ---- */

static bool ip_mask_ok(const uint8_t *mask, size_t n)
{
    bool zero = false;
    for (size_t i = 0; i < n; i++)
        for (int b = 7; b >= 0; b--) {
            bool one = mask[i] >> b & 1;
            if (one && zero)
                return false;
            if (!one)
                zero = true;
        }
    return true;
}

static bool email_constraint_valid(const struct rd *v)
{
    if (v->len == 0)
        return false;
    if (memchr(v->p, '@', v->len))
        return mailbox_valid(v);
    if (v->p[0] == '.')
        return x509_dns_name_valid(v->p + 1, v->len - 1, false);
    return x509_dns_name_valid(v->p, v->len, false);
}

int x509_name_constraints_valid(const struct x509_cert *ca, struct tern_err *err)
{
    if (!ca->has_nc)
        return TERN_OK;
    if (!ca->nc_has_permitted && !ca->nc_has_excluded)
        return BAD("certificate '%s' has a nameConstraints extension with neither permitted "
                   "nor excluded subtrees (RFC 5280 §4.2.1.10)",
                   x509_subject_text(ca));
    if ((ca->nc_has_permitted && rd_empty(&ca->nc_permitted)) ||
        (ca->nc_has_excluded && rd_empty(&ca->nc_excluded)))
        return BAD("certificate '%s' has a nameConstraints extension with an empty list of "
                   "subtrees (RFC 5280 §4.2.1.10)",
                   x509_subject_text(ca));
    for (int pass = 0; pass < 2; pass++) {
        struct rd subtrees = pass ? ca->nc_excluded : ca->nc_permitted;
        const char *kind = pass ? "excluded" : "permitted";
        while (!rd_empty(&subtrees)) {
            struct rd st, base;
            uint8_t tag;
            char buf[80];
            if (!der_get(&subtrees, DER_SEQUENCE, &st) || !der_next(&st, &tag, &base, NULL))
                return BAD("certificate '%s' has malformed name constraints",
                           x509_subject_text(ca));
            if (tag == DER_CONTEXT(2) && base.len && !x509_dns_name_valid(base.p, base.len, false))
                return BAD("certificate '%s' has %s dNSName constraint '%s', which is not a "
                           "DNS name (no wildcards or leading dots, RFC 5280 §4.2.1.10)",
                           x509_subject_text(ca), kind,
                           err_hex(buf, sizeof(buf), base.p, base.len));
            if (tag == DER_CONTEXT(7) && ((base.len != 8 && base.len != 32) ||
                                          !ip_mask_ok(base.p + base.len / 2, base.len / 2)))
                return BAD("certificate '%s' has %s iPAddress constraint %s, which is not an "
                           "address and a contiguous mask of 8 or 32 bytes",
                           x509_subject_text(ca), kind,
                           err_hex(buf, sizeof(buf), base.p, base.len));
            if (tag == DER_CONTEXT(1) && !email_constraint_valid(&base))
                return BAD("certificate '%s' has %s rfc822Name constraint '%s', which is not a "
                           "mailbox, host or .domain",
                           x509_subject_text(ca), kind,
                           err_hex(buf, sizeof(buf), base.p, base.len));
        }
    }
    return TERN_OK;
}

/* The host of a URI (RFC 3986 §3.2.2: after "scheme://" and any
 * "userinfo@", up to ":port", "/", "?" or "#"); false if it has none. */
static bool uri_host(const struct rd *uri, struct rd *host)
{
    const uint8_t *p = uri->p, *end = uri->p + uri->len;
    const uint8_t *colon = memchr(p, ':', uri->len);
    if (!colon || end - colon < 3 || colon[1] != '/' || colon[2] != '/')
        return false;
    const uint8_t *h = colon + 3, *e = h;
    while (e < end && *e != '/' && *e != '?' && *e != '#')
        e++;
    const uint8_t *at = NULL;
    for (const uint8_t *q = h; q < e; q++)
        if (*q == '@')
            at = q;
    if (at)
        h = at + 1;
    const uint8_t *port = memchr(h, ':', (size_t)(e - h));
    if (port)
        e = port;
    if (e == h)
        return false;
    rd_init(host, h, (size_t)(e - h));
    return true;
}

/* Match one name of type tag against one subtree base of the same type.
 * For a wildcard dNSName, `excluded` picks the defensive reading: an
 * excluded subtree matches when any name the wildcard covers would fall in
 * it; a permitted subtree when all of them do. */
static bool subtree_match(uint8_t tag, const struct rd *name, const struct rd *base, bool excluded)
{
    switch (tag) {
    case DER_CONTEXT(2): {
        if (name->len >= 2 && name->p[0] == '*') {
            const uint8_t *b = name->p + 2;
            size_t bl = name->len - 2;
            if (ci_within(b, bl, base->p, base->len))
                return true;
            if (excluded) {
                const uint8_t *dot = base->len ? memchr(base->p, '.', base->len) : NULL;
                return dot && ci_eq(dot + 1, base->len - (size_t)(dot - base->p) - 1, b, bl);
            }
            return false;
        }
        return ci_within(name->p, name->len, base->p, base->len);
    }
    case DER_CONTEXT(6): {
        /* RFC 5280 §4.2.1.10: a URI constraint applies to the host part; a
         * base ".example.com" covers hosts under it, any other base that
         * host exactly. A URI without a host falls under no subtree. */
        struct rd host;
        if (!uri_host(name, &host) || base->len == 0)
            return false;
        if (base->p[0] == '.')
            return host.len > base->len - 1 &&
                   ci_within(host.p, host.len, base->p + 1, base->len - 1) &&
                   !ci_eq(host.p, host.len, base->p + 1, base->len - 1);
        return ci_eq(host.p, host.len, base->p, base->len);
    }
    case DER_CONTEXT(7): {
        size_t n = name->len;
        if (base->len != 2 * n)
            return false;
        for (size_t i = 0; i < n; i++)
            if ((name->p[i] & base->p[n + i]) != (base->p[i] & base->p[n + i]))
                return false;
        return true;
    }
    case DER_CONTEXT(1): {
        const uint8_t *at = memchr(name->p, '@', name->len);
        if (!at)
            return false;
        if (memchr(base->p, '@', base->len)) /* a whole mailbox: exact */
            return name->len == base->len && memcmp(name->p, base->p, name->len) == 0;
        const uint8_t *dom = at + 1;
        size_t dl = name->len - (size_t)(dom - name->p);
        if (base->len && base->p[0] == '.') /* any host under the domain */
            return dl > base->len - 1 && ci_within(dom, dl, base->p + 1, base->len - 1) &&
                   !ci_eq(dom, dl, base->p + 1, base->len - 1);
        return ci_eq(dom, dl, base->p, base->len);
    }
    case DER_CONTEXT_CONSTRUCTED(4):
        /* A directoryName subtree: the base's RDNs are a prefix of the
         * name's, compared as names are (RFC 5280 §7.1, RFC 4518). */
        return x509_name_within(name, base);
    default:
        return false;
    }
}

static int check_one(const struct x509_cert *ca, const struct x509_cert *c, uint8_t tag,
                     const struct rd *name, long *budget, struct tern_err *err)
{
    bool any_permitted = false, permitted = false;
    char shown[100];
    if (tag == DER_CONTEXT(7))
        x509_ip_text(name->p, name->len, shown, sizeof(shown));
    else if (tag == DER_CONTEXT_CONSTRUCTED(4)) {
        char *t = x509_name_text(name);
        snprintf(shown, sizeof(shown), "%s", t ? t : "?");
        tern_free(t);
    } else
        snprintf(shown, sizeof(shown), "%.*s", (int)(name->len > 90 ? 90 : name->len),
                 (const char *)name->p);
    bool evaluable = tag == DER_CONTEXT(1) || tag == DER_CONTEXT(2) || tag == DER_CONTEXT(6) ||
                     tag == DER_CONTEXT(7) || tag == DER_CONTEXT_CONSTRUCTED(4);
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 0 ? !ca->nc_has_excluded : !ca->nc_has_permitted)
            continue;
        struct rd subtrees = pass == 0 ? ca->nc_excluded : ca->nc_permitted;
        while (!rd_empty(&subtrees)) {
            struct rd st, base;
            uint8_t btag;
            if (--*budget < 0)
                return BAD("checking the names of '%s' against the name constraints of '%s' "
                           "takes too many comparisons; tern gives up rather than spend "
                           "quadratic time",
                           x509_subject_text(c), x509_subject_text(ca));
            if (!der_get(&subtrees, DER_SEQUENCE, &st) || !der_next(&st, &btag, &base, NULL))
                return BAD("certificate '%s' has malformed name constraints",
                           x509_subject_text(ca));
            if (btag != tag)
                continue;
            if (!evaluable)
                return BAD("certificate '%s' constrains names of type [%u], which tern cannot "
                           "evaluate, and '%s' has such a name (RFC 5280 §4.2.1.10 then "
                           "requires rejection)",
                           x509_subject_text(ca), tag & 0x1f, x509_subject_text(c));
            if (pass == 0 && subtree_match(tag, name, &base, true))
                return BAD("certificate '%s' has the name '%s', which the name constraints of "
                           "'%s' exclude",
                           x509_subject_text(c), shown, x509_subject_text(ca));
            if (pass == 1) {
                any_permitted = true;
                permitted = permitted || subtree_match(tag, name, &base, false);
            }
        }
    }
    if (any_permitted && !permitted)
        return BAD("certificate '%s' has the name '%s', which is outside the subtrees the name "
                   "constraints of '%s' permit",
                   x509_subject_text(c), shown, x509_subject_text(ca));
    return TERN_OK;
}

int x509_name_constraints_check(const struct x509_cert *ca, const struct x509_cert *c, bool is_leaf,
                                long *budget, struct tern_err *err)
{
    (void)is_leaf;
    if (!ca->has_nc)
        return TERN_OK;
    /* The subject DN counts as a directoryName, its emailAddress attributes
     * as rfc822Names (RFC 5280 §4.2.1.10). */
    struct rd rdns, set = {0}, v;
    if (name_rdns(&c->subject, &rdns) && !rd_empty(&rdns)) {
        TRY(check_one(ca, c, DER_CONTEXT_CONSTRUCTED(4), &c->subject, budget, err));
        while (name_next_attr(&rdns, &set, OID_EMAIL_ADDRESS, sizeof(OID_EMAIL_ADDRESS), &v))
            TRY(check_one(ca, c, DER_CONTEXT(1), &v, budget, err));
    }
    struct san_iter it;
    uint8_t tag;
    san_begin(&it, c);
    while (san_next(&it, &tag, &v)) {
        if (tag == DER_CONTEXT_CONSTRUCTED(4)) {
            struct rd inner = v, whole, content;
            if (!der_get_whole(&inner, DER_SEQUENCE, &content, &whole))
                return BAD("certificate '%s' has a malformed directoryName", x509_subject_text(c));
            TRY(check_one(ca, c, tag, &whole, budget, err));
        } else {
            TRY(check_one(ca, c, tag, &v, budget, err));
        }
    }
    return TERN_OK;
}

static const uint8_t OID_COMMON_NAME[] = {0x55, 0x04, 0x03};

int x509_check_cn(const struct x509_cert *c, struct tern_err *err)
{
    struct rd rdns, set = {0}, cn;
    if (!name_rdns(&c->subject, &rdns))
        return TERN_OK;
    while (name_next_attr(&rdns, &set, OID_COMMON_NAME, sizeof(OID_COMMON_NAME), &cn)) {
        bool looks_ip;
        if (cn_is_san_ip(c, &cn, &looks_ip) || (!looks_ip && cn_is_san_dns(c, &cn)))
            continue;
        /* Only a SAN that lists names of the CN's kind can contradict it:
         * a CN beside a SAN of addresses alone names no host the SAN denies
         * (x509-limbo webpki::san::exact-localhost-ip-san is valid). */
        if (!san_has_kind(c, looks_ip ? DER_CONTEXT(7) : DER_CONTEXT(2)))
            continue;
        char names[200], shown[100];
        x509_cert_names_text(c, names, sizeof(names));
        snprintf(shown, sizeof(shown), "%.*s", (int)(cn.len > 90 ? 90 : cn.len),
                 (const char *)cn.p);
        for (char *q = shown; *q; q++)
            if ((unsigned char)*q < 0x20 || (unsigned char)*q > 0x7e)
                *q = '?';
        if (looks_ip)
            return BAD("certificate '%s' has the subject commonName '%s', which is not the "
                       "canonical text (RFC 3986 dotted decimal, RFC 5952 for IPv6) of one of "
                       "its subjectAltName addresses: %s (CA/B Forum BR 7.1.4.3)",
                       x509_subject_text(c), shown, names);
        return BAD("certificate '%s' has the subject commonName '%s', which is not a "
                   "character-for-character copy of one of its subjectAltNames: %s (CA/B Forum "
                   "BR 7.1.4.3)",
                   x509_subject_text(c), shown, names);
    }
    return TERN_OK;
}
