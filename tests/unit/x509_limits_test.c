/* Bounded work on hostile certificates (issue 12): each test counts the
 * work done (name elements visited, signature verifications, paths tried)
 * rather than timing it, so it fails whenever the bound is lost. */
#include "base/mem.h"
#include "certgen.h"
#include "crypto/provider.h"
#include "test.h"
#include "x509/x509.h"

#include <stdlib.h>
#include <string.h>

#define DAY 86400
static const int64_t NOW = 1790000000; /* 2026-09 */

static uint8_t *name_der(const char *cn, size_t n, size_t *len)
{
    struct wr w;
    wr_init_grow(&w);
    cg_name(&w, cn, n, 0x0c);
    return wr_detach(&w, len);
}

/* A self-issued CA certificate whose subject and issuer have n attributes. */
static uint8_t *big_name_cert(const struct cry_privkey *k, size_t n, size_t *len)
{
    size_t nl, sl;
    uint8_t *name = name_der("Big", n, &nl), *spki = cg_spki(k, &sl), *der = NULL;
    struct cg_cert c = {.subject = name,
                        .subject_len = nl,
                        .issuer = name,
                        .issuer_len = nl,
                        .spki = spki,
                        .spki_len = sl,
                        .ski = 1,
                        .ca = true,
                        .not_before = NOW - DAY,
                        .not_after = NOW + DAY,
                        .serial = 1};
    CHECK(cg_issue(&c, k, &der, len) == 0);
    tern_free(name);
    tern_free(spki);
    return der;
}

/* Names: checked in one linear pass at parse time, rendered only when asked
 * (and then linearly), and capped at X509_MAX_NAME_ATTRS attributes. */
static void test_names(void)
{
    struct cry_privkey k = {0};
    CHECK(cry_privkey_generate(&k, CRY_KEY_EC_P256, 0) == 0);
    size_t n = X509_MAX_NAME_ATTRS, len;
    uint8_t *der = big_name_cert(&k, n, &len);
    struct x509_cert *c = NULL;
    struct tern_err e;
    err_init(&e);
    unsigned long before = x509_name_steps;
    CHECK(x509_cert_parse(der, len, &c, &e) == TERN_OK);
    unsigned long parse_steps = x509_name_steps - before;
    /* two names of n one-attribute RDNs: an RDN and an attribute each */
    CHECK_EQ(parse_steps, 4 * n);
    if (c) {
        /* lazy: nothing was rendered at parse time */
        CHECK(c->subject_cache == NULL && c->issuer_cache == NULL);
        before = x509_name_steps;
        const char *t = x509_subject_text(c);
        unsigned long render = x509_name_steps - before;
        /* linear: one walk to find the RDNs and at most one visit of each
         * attribute (rendering stops at a sentence's length); the quadratic
         * walk took n*(n+1)/2 */
        CHECK(render <= 3 * n);
        CHECK(!strncmp(t, "CN=Big,OU=Big198,OU=Big197", 26));
        CHECK(strstr(t, ",...") != NULL);
        before = x509_name_steps;
        CHECK(x509_subject_text(c) == t); /* cached */
        CHECK_EQ(x509_name_steps - before, 0);
        x509_cert_free(c);
    }
    tern_free(der);

    /* one over the cap: refused, naming the cap, after a bounded walk */
    der = big_name_cert(&k, n + 1, &len);
    err_init(&e);
    before = x509_name_steps;
    CHECK(x509_cert_parse(der, len, &c, &e) == TERN_E_BAD_CERTIFICATE);
    CHECK(x509_name_steps - before <= 2 * n + 4);
    CHECK(strstr(e.msg, "more than 200 attributes") != NULL);
    CHECK(strstr(e.msg, "X509_MAX_NAME_ATTRS") != NULL);
    tern_free(der);

    /* the issue's attack: 4,000 RDNs per name; work stays at the cap */
    der = big_name_cert(&k, 4000, &len);
    err_init(&e);
    before = x509_name_steps;
    CHECK(x509_cert_parse(der, len, &c, &e) == TERN_E_BAD_CERTIFICATE);
    CHECK(x509_name_steps - before <= 2 * n + 4);
    tern_free(der);

    /* A chain of such certificates that fails verification renders no name
     * but those its sentence quotes. */
    struct x509_store *trust = x509_store_new();
    uint8_t *leaf = big_name_cert(&k, n, &len);
    struct rd chain[1];
    rd_init(&chain[0], leaf, len);
    struct x509_verify_opts o = {.max_depth = -1, .at = NOW};
    struct x509_verified v;
    err_init(&e);
    before = x509_name_steps;
    CHECK(x509_verify(trust, chain, 1, &o, &v, &e) == TERN_E_UNKNOWN_CA);
    /* parse (4n) + the dead end's subject and issuer in the sentence */
    CHECK(x509_name_steps - before <= 4 * n + 2 * 3 * n);
    x509_store_free(trust);
    tern_free(leaf);
    cry_privkey_cleanup(&k);
}

static int spki_rc(unsigned mod_bits, const uint8_t *e, size_t e_len)
{
    size_t len;
    uint8_t *spki = cg_rsa_spki(mod_bits, e, e_len, &len);
    struct cry_pubkey pk = {0};
    int rc = cry_pubkey_parse_spki(&pk, spki, len);
    cry_pubkey_cleanup(&pk);
    tern_free(spki);
    return rc;
}

/* RSA keys: exponents even, below 3 or over 33 bits, and moduli over 16384
 * bits are refused when parsed, before any signature is checked. */
static void test_rsa_bounds(void)
{
    uint8_t big[384];
    memset(big, 0xff, sizeof(big)); /* a 3,072-bit odd exponent */
    const uint8_t e65537[] = {1, 0, 1}, e3[] = {3}, e1[] = {1}, e2[] = {2}, e65536[] = {1, 0, 0},
                  e33[] = {1, 0xff, 0xff, 0xff, 0xff}, e34[] = {2, 0, 0, 0, 1};
    CHECK_EQ(spki_rc(2048, e65537, 3), TERN_OK);
    CHECK_EQ(spki_rc(2048, e3, 1), TERN_OK);
    CHECK_EQ(spki_rc(2048, e33, 5), TERN_OK);
    CHECK_EQ(spki_rc(1024, e65537, 3), TERN_OK); /* size policy is check_cert's */
    CHECK_EQ(spki_rc(2048, big, sizeof(big)), TERN_E_UNSUPPORTED);
    CHECK_EQ(spki_rc(2048, e34, 5), TERN_E_UNSUPPORTED);
    CHECK_EQ(spki_rc(2048, e1, 1), TERN_E_UNSUPPORTED);
    CHECK_EQ(spki_rc(2048, e2, 1), TERN_E_UNSUPPORTED);
    CHECK_EQ(spki_rc(2048, e65536, 3), TERN_E_UNSUPPORTED);
    CHECK_EQ(spki_rc(16384, e65537, 3), TERN_OK);
    CHECK_EQ(spki_rc(16392, e65537, 3), TERN_E_UNSUPPORTED);

    /* A CA with a huge exponent: its certificate parses (the key is judged
     * where it is used) but no signature is ever checked with the key, and
     * the sentence names the exponent. */
    struct cry_privkey k = {0};
    CHECK(cry_privkey_generate(&k, CRY_KEY_EC_P256, 0) == 0);
    size_t sl, nl, il, ll, rl;
    uint8_t *spki = cg_rsa_spki(2048, big, sizeof(big), &sl);
    uint8_t *ca_name = name_der("Huge Exponent CA", 1, &nl);
    uint8_t *leaf_name = name_der("leaf", 1, &il);
    struct cg_cert ca = {.subject = ca_name,
                         .subject_len = nl,
                         .issuer = ca_name,
                         .issuer_len = nl,
                         .spki = spki,
                         .spki_len = sl,
                         .ski = 9,
                         .ca = true,
                         .not_before = NOW - DAY,
                         .not_after = NOW + DAY,
                         .serial = 2};
    uint8_t *root = NULL, *leaf = NULL;
    CHECK(cg_issue(&ca, &k, &root, &rl) == 0); /* signed by another key: only its form matters */
    uint8_t *lspki = cg_spki(&k, &sl);
    struct cg_cert lc = {.subject = leaf_name,
                         .subject_len = il,
                         .issuer = ca_name,
                         .issuer_len = nl,
                         .spki = lspki,
                         .spki_len = sl,
                         .aki = 9,
                         .server_eku = true,
                         .san_dns = "a.example",
                         .not_before = NOW - DAY,
                         .not_after = NOW + DAY,
                         .serial = 3};
    CHECK(cg_issue(&lc, &k, &leaf, &ll) == 0);
    struct x509_cert *c = NULL;
    struct tern_err e;
    err_init(&e);
    CHECK(x509_cert_parse(root, rl, &c, &e) == TERN_OK);
    if (c) {
        CHECK(c->key_problem != NULL && strstr(c->key_problem, "3072 bits") != NULL);
        x509_cert_free(c);
    }
    struct x509_store *trust = x509_store_new();
    struct rd chain[2];
    rd_init(&chain[0], leaf, ll);
    rd_init(&chain[1], root, rl);
    struct x509_verify_stats st = {0};
    struct x509_verify_opts o = {.max_depth = -1, .at = NOW, .stats = &st};
    struct x509_verified v;
    err_init(&e);
    CHECK(x509_verify(trust, chain, 2, &o, &v, &e) != TERN_OK);
    CHECK_EQ(st.signatures, 1);                            /* the edge was tried... */
    CHECK(strstr(e.msg, "exponent of 3072 bits") != NULL); /* ...and refused before any math */
    x509_store_free(trust);
    tern_free(spki);
    tern_free(lspki);
    tern_free(ca_name);
    tern_free(leaf_name);
    tern_free(root);
    tern_free(leaf);
    cry_privkey_cleanup(&k);
}

/* A layered graph: layer i holds `width` certificates named L<i>, all with
 * one key per layer, each issued by name L<i+1>; the last layer is issued
 * by the root. Every edge verifies, so path building meets width^layers
 * paths unless it is capped. */
struct graph {
    uint8_t *ders[64];
    size_t lens[64], n;
    uint8_t *root;
    size_t root_len;
};

static void make_graph(struct graph *g, size_t layers, size_t width, bool leaf_eku)
{
    memset(g, 0, sizeof(*g));
    struct cry_privkey keys[8] = {{0}};
    uint8_t *names[8];
    size_t name_lens[8];
    for (size_t i = 0; i <= layers; i++) {
        CHECK(cry_privkey_generate(&keys[i], CRY_KEY_EC_P256, 0) == 0);
        char cn[16];
        snprintf(cn, sizeof(cn), "L%zu", i);
        /* the leaf's CN copies its SAN (the web profile's BR 7.1.4.3 rule) */
        names[i] = name_der(i == layers ? "Root" : i == 0 ? "a.example" : cn, 1, &name_lens[i]);
    }
    /* keys[layers] and names[layers] are the root's; layer 0 is the leaf */
    size_t sl;
    uint8_t *spki = cg_spki(&keys[layers], &sl);
    struct cg_cert r = {.subject = names[layers],
                        .subject_len = name_lens[layers],
                        .issuer = names[layers],
                        .issuer_len = name_lens[layers],
                        .spki = spki,
                        .spki_len = sl,
                        .ski = (uint8_t)(layers + 1),
                        .ca = true,
                        .not_before = NOW - DAY,
                        .not_after = NOW + DAY,
                        .serial = 100};
    CHECK(cg_issue(&r, &keys[layers], &g->root, &g->root_len) == 0);
    tern_free(spki);
    for (size_t i = 0; i < layers; i++) {
        size_t count = i == 0 ? 1 : width;
        spki = cg_spki(&keys[i], &sl);
        for (size_t j = 0; j < count && g->n < 64; j++) {
            struct cg_cert c = {.subject = names[i],
                                .subject_len = name_lens[i],
                                .issuer = names[i + 1],
                                .issuer_len = name_lens[i + 1],
                                .spki = spki,
                                .spki_len = sl,
                                .ski = (uint8_t)(i + 1),
                                .aki = (uint8_t)(i + 2),
                                .ca = i > 0,
                                .server_eku = i == 0 && leaf_eku,
                                .san_dns = "a.example",
                                .not_before = NOW - DAY,
                                .not_after = NOW + DAY,
                                .serial = (unsigned)(i * 100 + j + 1)};
            CHECK(cg_issue(&c, &keys[i + 1], &g->ders[g->n], &g->lens[g->n]) == 0);
            g->n++;
        }
        tern_free(spki);
    }
    for (size_t i = 0; i <= layers; i++) {
        cry_privkey_cleanup(&keys[i]);
        tern_free(names[i]);
    }
}

static void free_graph(struct graph *g)
{
    for (size_t i = 0; i < g->n; i++)
        tern_free(g->ders[i]);
    tern_free(g->root);
}

static int verify_graph(struct graph *g, struct x509_verify_stats *st, struct tern_err *e)
{
    struct x509_store *trust = x509_store_new();
    CHECK(x509_store_add_der(trust, g->root, g->root_len, e) == TERN_OK);
    struct rd chain[64];
    for (size_t i = 0; i < g->n; i++)
        rd_init(&chain[i], g->ders[i], g->lens[i]);
    struct x509_verify_opts o = {.max_depth = -1, .at = NOW, .stats = st, .host = "a.example"};
    struct x509_verified v;
    err_init(e);
    int rc = x509_verify(trust, chain, g->n, &o, &v, e);
    if (rc == TERN_OK)
        x509_verified_cleanup(&v);
    x509_store_free(trust);
    return rc;
}

static void test_path_caps(void)
{
    struct graph g;
    struct x509_verify_stats st;
    struct tern_err e;

    /* 4 layers of 15 intermediates whose leaf no path can validate: 690
     * signature edges and 50,625 paths; the search stops at the
     * signature cap. */
    make_graph(&g, 5, 15, false);
    CHECK_EQ(g.n, 61);
    memset(&st, 0, sizeof(st));
    CHECK(verify_graph(&g, &st, &e) != TERN_OK);
    CHECK_EQ(X509_MAX_SIGNATURES, 64); /* the documented caps */
    CHECK_EQ(X509_MAX_PATHS, 32);
    CHECK(st.signatures <= 64);
    CHECK(st.paths <= 32);
    CHECK(strstr(e.msg, "X509_MAX_") != NULL);
    free_graph(&g);

    /* 6 layers of 2 whose leaf has no extKeyUsage (the web profile's
     * rules refuse every path): 64 complete paths but only 24 signature
     * edges; the search stops at the path cap. */
    make_graph(&g, 7, 2, false);
    memset(&st, 0, sizeof(st));
    CHECK(verify_graph(&g, &st, &e) != TERN_OK);
    CHECK_EQ(st.paths, X509_MAX_PATHS);
    CHECK(st.signatures < X509_MAX_SIGNATURES);
    CHECK(strstr(e.msg, "X509_MAX_PATHS") != NULL);
    CHECK(strstr(e.msg, "extKeyUsage") != NULL); /* and what failed before it */
    free_graph(&g);

    /* The same graph with a good leaf: found on the first path. */
    make_graph(&g, 7, 2, true);
    memset(&st, 0, sizeof(st));
    CHECK_EQ(verify_graph(&g, &st, &e), TERN_OK);
    CHECK_EQ(st.paths, 1);
    CHECK_EQ(st.signatures, 7);
    free_graph(&g);
}

int main(void)
{
    test_names();
    test_rsa_bounds();
    test_path_caps();
    return test_done();
}
