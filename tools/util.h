/* Small helpers the tern command's subcommands share: files, the state
 * folder, key-log files, the option text for --trace. */
#ifndef TERN_TOOLS_UTIL_H
#define TERN_TOOLS_UTIL_H

#include "devca.h"
#include "tern/tern.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define UTIL_PATH_MAX 4096

/* util_read_file reads a whole file (NUL-terminated, malloc'ed) or returns
 * NULL with a sentence naming the file and the reason. */
char *util_read_file(const char *path, size_t *out_len, char *why, size_t why_cap);
/* util_write_file writes data to path atomically (a temporary file renamed
 * over it) with the given mode. Returns 0 or -1 with a sentence. */
int util_write_file(const char *path, const void *data, size_t len, mode_t mode, char *why,
                    size_t why_cap);
/* util_mkdirs makes path and its parents (mode for new ones). */
int util_mkdirs(const char *path, mode_t mode, char *why, size_t why_cap);
/* util_state_dir: override, or $XDG_STATE_HOME/tern, or ~/.local/state/tern. */
int util_state_dir(const char *override, char *out, size_t cap, char *why, size_t why_cap);

/* A key-log file in the NSS format (appended, mode 0600), for Wireshark. */
struct util_keylog {
    FILE *f;
};
/* util_keylog_open opens path (or $SSLKEYLOGFILE when path is NULL);
 * returns 0 with k->f NULL when neither is set. */
int util_keylog_open(struct util_keylog *k, const char *path, char *why, size_t why_cap);

/* A private key's password, from OpenSSL's syntax: "pass:TEXT",
 * "env:VAR" or "file:PATH" (its first line). */
struct util_password {
    char text[1024];
    size_t len;
};
int util_password_parse(struct util_password *pw, const char *spec, char *why, size_t why_cap);
/* util_password_cb: a tern_password_cb over a struct util_password. */
int util_password_cb(void *arg, char *buf, size_t cap);
void util_keylog_cb(void *arg, const char *line);
void util_keylog_close(struct util_keylog *k);

/* A session file for resumption (tern get --session): one session per line
 * as hex, behind a comment line; the file holds secrets (mode 0600). */
struct util_sessions {
    char *lines[8];
    size_t n;
};
/* util_sessions_load gives every session in path to cfg; a missing file is
 * no error. Returns the number loaded, or -1 with a sentence. */
int util_sessions_load(tern_config *cfg, const char *path, char *why, size_t why_cap);
/* util_sessions_cb collects the sessions a connection receives (arg: a
 * struct util_sessions); util_sessions_save replaces path's contents with
 * them, and util_sessions_free releases them. */
void util_sessions_cb(void *arg, const char *server_name, const uint8_t *session, size_t len);
int util_sessions_save(const struct util_sessions *ss, const char *path, char *why, size_t why_cap);
void util_sessions_free(struct util_sessions *ss);

/* The development CA in a state folder: DIR/ca.pem and DIR/ca-key.pem. */
int util_ca_paths(const char *dir, char *cert, char *key, size_t cap);
/* util_ca_load_or_create loads the CA in dir, or makes one when there is
 * none and create is set (*created says which). */
int util_ca_load_or_create(const char *dir, bool create, enum tern_key_type kt, struct devca *ca,
                           bool *created, char *why, size_t why_cap);
/* util_issue_files issues a leaf from ca and writes cert_path and key_path
 * (mode 0600). */
int util_issue_files(const struct devca *ca, const struct devca_leaf *leaf, const char *cert_path,
                     const char *key_path, char *why, size_t why_cap);

#endif
