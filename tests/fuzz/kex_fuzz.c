/* Fuzz key exchange by named group: arbitrary client shares into
 * cry_kex_respond and arbitrary server shares into cry_kex_finish, for every
 * group, raw or as a mutation (XOR) of a genuine share so that the deeper
 * paths (ML-KEM encapsulation, decapsulation with implicit rejection) are
 * reached, not only the length and modulus checks.
 *
 * Input: one control byte, then data. control % 4 picks the group;
 * (control >> 2) % 4 the operation; bit 4 keeps the data's own length when
 * mutating a genuine share. */
#include "crypto/provider.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t fuzz_groups[4] = {0x001d, 0x0017, 0x0018, 0x11ec};

/* check_result aborts when an outcome breaks the interface's promises. */
static void check_result(int rc, size_t share_len, size_t secret_len)
{
    if (rc == TERN_OK) {
        if (secret_len == 0 || secret_len > CRY_KEX_MAX_SECRET || share_len > CRY_KEX_MAX_SHARE)
            abort();
    } else if (secret_len != 0) {
        abort();
    }
}

/* mutate: share (of len n) XOR data, to out_len bytes (data cycles). */
static size_t mutate(uint8_t *out, const uint8_t *share, size_t n, const uint8_t *d, size_t dn,
                     bool own_len)
{
    size_t len = own_len ? (dn < CRY_KEX_MAX_SHARE ? dn : CRY_KEX_MAX_SHARE) : n;
    for (size_t i = 0; i < len; i++)
        out[i] = (uint8_t)((i < n ? share[i] : 0) ^ (dn ? d[i % dn] : 0));
    return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t control = data[0];
    const uint8_t *d = data + 1;
    size_t dn = size - 1;
    uint16_t group = fuzz_groups[control % 4];
    unsigned op = (control >> 2) % 4;
    bool own_len = (control & 0x10) != 0;

    struct cry_kex k;
    uint8_t cshare[CRY_KEX_MAX_SHARE], sshare[CRY_KEX_MAX_SHARE], buf[CRY_KEX_MAX_SHARE];
    uint8_t s1[CRY_KEX_MAX_SECRET], s2[CRY_KEX_MAX_SECRET];
    size_t clen = 0, slen = 0, s1len = 0, s2len = 0;
    int rc;

    switch (op) {
    case 0: /* raw client share */
        rc = cry_kex_respond(group, d, dn, sshare, sizeof(sshare), &slen, s1, sizeof(s1), &s1len);
        check_result(rc, slen, s1len);
        break;
    case 1: /* raw server share */
        if (cry_kex_keygen(&k, group, cshare, sizeof(cshare), &clen) != TERN_OK)
            abort();
        rc = cry_kex_finish(&k, d, dn, s2, sizeof(s2), &s2len);
        check_result(rc, 0, s2len);
        cry_kex_cleanup(&k);
        break;
    case 2: { /* mutated genuine client share */
        if (cry_kex_keygen(&k, group, cshare, sizeof(cshare), &clen) != TERN_OK)
            abort();
        size_t n = mutate(buf, cshare, clen, d, dn, own_len);
        rc = cry_kex_respond(group, buf, n, sshare, sizeof(sshare), &slen, s1, sizeof(s1), &s1len);
        check_result(rc, slen, s1len);
        cry_kex_cleanup(&k);
        break;
    }
    default: { /* mutated genuine server share */
        if (cry_kex_keygen(&k, group, cshare, sizeof(cshare), &clen) != TERN_OK)
            abort();
        if (cry_kex_respond(group, cshare, clen, sshare, sizeof(sshare), &slen, s1, sizeof(s1),
                            &s1len) != TERN_OK)
            abort();
        size_t n = mutate(buf, sshare, slen, d, dn, own_len);
        rc = cry_kex_finish(&k, buf, n, s2, sizeof(s2), &s2len);
        check_result(rc, 0, s2len);
        /* Unchanged share, same secret: the mutation is the only difference. */
        if (rc == TERN_OK && n == slen && memcmp(buf, sshare, n) == 0 &&
            (s2len != s1len || memcmp(s1, s2, s1len) != 0))
            abort();
        cry_kex_cleanup(&k);
        break;
    }
    }
    return 0;
}
