/* A reader for RFC 8448 (Example Handshake Traces for TLS 1.3), as text.
 *
 * The RFC prints each value as
 *
 *    {server}  derive secret "tls13 s hs traffic":      <- context
 *
 *       PRK (32 octets):  1d c8 26 e9 ...              <- label, length, hex
 *          04 6a a6 ...                                 <- more hex
 *
 * inside numbered sections ("3.  Simple 1-RTT Handshake", "4.  Resumed
 * 0-RTT Handshake", "5.  HelloRetryRequest", "6.  Client Authentication",
 * "7.  Compatibility Mode"). The reader collects every value with its
 * section, context (the "{client}/{server} ..." line, with a wrapped second
 * line joined by one space and the final ':' dropped) and label (the text
 * before " (N octets):", e.g. "PRK", "expanded", "key expanded",
 * "iv expanded", "complete record", "payload", "ClientHello", "private
 * key"). Page footers, form feeds and page headers that split a hex block
 * are skipped; a block must hold exactly its announced N octets, else
 * loading fails. Values without an octet count (section 2's RSA key:
 * "modulus (public)", "public exponent", "prime1", ...) are kept too, with
 * the section title ("Private Keys") as context. */
#ifndef TERN_TEST_RFC8448_H
#define TERN_TEST_RFC8448_H

#include <stddef.h>
#include <stdint.h>

struct rfc8448_entry {
    int section;         /* 2..7 for the trace sections */
    const char *context; /* e.g. "{server}  send handshake record" */
    const char *label;   /* e.g. "complete record" */
    const uint8_t *data;
    size_t len;
    unsigned line; /* 1-based line in the file where the value starts */
};

struct rfc8448;

/* rfc8448_load reads and parses the file. NULL (with a message on stderr
 * naming the line) if it cannot be read or a hex block is malformed. */
struct rfc8448 *rfc8448_load(const char *path);
void rfc8448_free(struct rfc8448 *t);

/* All values, in file order. */
size_t rfc8448_count(const struct rfc8448 *t);
const struct rfc8448_entry *rfc8448_entry_at(const struct rfc8448 *t, size_t i);

/* rfc8448_find returns the nth (0-based, in file order) value whose section
 * is `section` (0: any), whose context contains context_substring (NULL or
 * "": any) and whose label equals label exactly (NULL: any); NULL if there
 * is none. */
const struct rfc8448_entry *rfc8448_find(const struct rfc8448 *t, int section,
                                         const char *context_substring, const char *label,
                                         size_t nth);
/* rfc8448_get is rfc8448_find returning the bytes (owned by t) and their
 * length; NULL if there is no such value. */
const uint8_t *rfc8448_get(const struct rfc8448 *t, int section, const char *context_substring,
                           const char *label, size_t nth, size_t *out_len);

/* rfc8448_load_default loads tests/vectors/rfc8448/rfc8448.txt. */
struct rfc8448 *rfc8448_load_default(void);

#endif
