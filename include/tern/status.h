/* tern — status codes shared by every call of the library.
 *
 * 0 is success. Every other value names what went wrong; for protocol
 * failures the value also says which TLS alert the connection sends
 * (tern_status_alert()). The sentence that names the offending value lives
 * with the object that failed (tern_conn_error(), a verifier's result). */
#ifndef TERN_STATUS_H
#define TERN_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tern_status {
    TERN_OK = 0,

    /* Not failures: the non-blocking calls return these to say what they
     * wait for, as libtls's TLS_WANT_POLLIN / TLS_WANT_POLLOUT. */
    TERN_WANT_READ = 1,
    TERN_WANT_WRITE = 2,
    /* An asynchronous private-key operation (tern_config_set_key_callbacks)
     * has not answered yet: call again once tern_conn_key_done was called. */
    TERN_WANT_ASYNC = 3,

    /* Local failures: no alert is implied by the code itself. */
    TERN_E_NOMEM = 10,       /* an allocation failed */
    TERN_E_ARG = 11,         /* the caller passed a bad argument or used an object wrongly */
    TERN_E_IO = 12,          /* a socket or file call failed; errno-based sentence */
    TERN_E_CLOSED = 13,      /* the peer sent close_notify: no more data will come */
    TERN_E_EOF = 14,         /* the transport ended without close_notify (truncation) */
    TERN_E_INTERNAL = 15,    /* a bug or a crypto backend failure: internal_error */
    TERN_E_LIMIT = 16,       /* a size or count limit of ours was hit */
    TERN_E_FILE = 17,        /* a file could not be read or parsed (PEM, DER, keys) */
    TERN_E_UNSUPPORTED = 18, /* an algorithm or feature tern does not offer */
    TERN_E_TIMEOUT = 19,     /* a deadline the caller set passed (tern_conn_set_timeout) */

    /* Protocol failures: each maps to the alert named in its comment. */
    TERN_E_UNEXPECTED_MESSAGE = 40,      /* unexpected_message (10) */
    TERN_E_BAD_RECORD_MAC = 41,          /* bad_record_mac (20) */
    TERN_E_RECORD_OVERFLOW = 42,         /* record_overflow (22) */
    TERN_E_HANDSHAKE_FAILURE = 43,       /* handshake_failure (40) */
    TERN_E_BAD_CERTIFICATE = 44,         /* bad_certificate (42) */
    TERN_E_UNSUPPORTED_CERTIFICATE = 45, /* unsupported_certificate (43) */
    TERN_E_CERTIFICATE_REVOKED = 46,     /* certificate_revoked (44) */
    TERN_E_CERTIFICATE_EXPIRED = 47,     /* certificate_expired (45) */
    TERN_E_CERTIFICATE_UNKNOWN = 48,     /* certificate_unknown (46) */
    TERN_E_ILLEGAL_PARAMETER = 49,       /* illegal_parameter (47) */
    TERN_E_UNKNOWN_CA = 50,              /* unknown_ca (48) */
    TERN_E_ACCESS_DENIED = 51,           /* access_denied (49) */
    TERN_E_DECODE = 52,                  /* decode_error (50) */
    TERN_E_DECRYPT = 53,                 /* decrypt_error (51) */
    TERN_E_PROTOCOL_VERSION = 54,        /* protocol_version (70) */
    TERN_E_INSUFFICIENT_SECURITY = 55,   /* insufficient_security (71) */
    TERN_E_INAPPROPRIATE_FALLBACK = 56,  /* inappropriate_fallback (86) */
    TERN_E_MISSING_EXTENSION = 57,       /* missing_extension (109) */
    TERN_E_UNSUPPORTED_EXTENSION = 58,   /* unsupported_extension (110) */
    TERN_E_UNRECOGNIZED_NAME = 59,       /* unrecognized_name (112) */
    TERN_E_CERTIFICATE_REQUIRED = 60,    /* certificate_required (116) */
    TERN_E_NO_APPLICATION_PROTOCOL = 61, /* no_application_protocol (120) */
    TERN_E_NAME_MISMATCH = 62, /* the certificate does not cover the name: bad_certificate (42) */
    TERN_E_NO_RENEGOTIATION = 63, /* TLS 1.2 renegotiation refused: no_renegotiation (100) */

    /* The peer ended the connection with a fatal alert; the sentence names it. */
    TERN_E_ALERT_RECEIVED = 90,
} tern_status;

/* TLS alert descriptions (RFC 8446 §6). */
enum tern_alert {
    TERN_ALERT_CLOSE_NOTIFY = 0,
    TERN_ALERT_UNEXPECTED_MESSAGE = 10,
    TERN_ALERT_BAD_RECORD_MAC = 20,
    TERN_ALERT_RECORD_OVERFLOW = 22,
    TERN_ALERT_HANDSHAKE_FAILURE = 40,
    TERN_ALERT_BAD_CERTIFICATE = 42,
    TERN_ALERT_UNSUPPORTED_CERTIFICATE = 43,
    TERN_ALERT_CERTIFICATE_REVOKED = 44,
    TERN_ALERT_CERTIFICATE_EXPIRED = 45,
    TERN_ALERT_CERTIFICATE_UNKNOWN = 46,
    TERN_ALERT_ILLEGAL_PARAMETER = 47,
    TERN_ALERT_UNKNOWN_CA = 48,
    TERN_ALERT_ACCESS_DENIED = 49,
    TERN_ALERT_DECODE_ERROR = 50,
    TERN_ALERT_DECRYPT_ERROR = 51,
    TERN_ALERT_PROTOCOL_VERSION = 70,
    TERN_ALERT_INSUFFICIENT_SECURITY = 71,
    TERN_ALERT_INTERNAL_ERROR = 80,
    TERN_ALERT_INAPPROPRIATE_FALLBACK = 86,
    TERN_ALERT_USER_CANCELED = 90,
    TERN_ALERT_NO_RENEGOTIATION = 100,
    TERN_ALERT_MISSING_EXTENSION = 109,
    TERN_ALERT_UNSUPPORTED_EXTENSION = 110,
    TERN_ALERT_UNRECOGNIZED_NAME = 112,
    TERN_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE = 113,
    TERN_ALERT_UNKNOWN_PSK_IDENTITY = 115,
    TERN_ALERT_CERTIFICATE_REQUIRED = 116,
    TERN_ALERT_NO_APPLICATION_PROTOCOL = 120,
};

/* tern_status_name returns a static short name such as "TERN_E_DECODE". */
const char *tern_status_name(int status);

/* tern_status_alert returns the alert a connection sends for `status`, or -1
 * when the status implies none (success, WANT_*, closed, peer's alert). */
int tern_status_alert(int status);

/* tern_alert_name returns the static RFC name of an alert ("decode_error"),
 * or "unknown_alert". */
const char *tern_alert_name(int alert);

#ifdef __cplusplus
}
#endif
#endif
