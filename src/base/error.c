#include "base/error.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const struct {
    int status;
    const char *name;
    int alert;
} status_table[] = {
    {TERN_OK, "TERN_OK", -1},
    {TERN_WANT_READ, "TERN_WANT_READ", -1},
    {TERN_WANT_WRITE, "TERN_WANT_WRITE", -1},
    {TERN_E_NOMEM, "TERN_E_NOMEM", TERN_ALERT_INTERNAL_ERROR},
    {TERN_E_ARG, "TERN_E_ARG", TERN_ALERT_INTERNAL_ERROR},
    {TERN_E_IO, "TERN_E_IO", -1},
    {TERN_E_CLOSED, "TERN_E_CLOSED", -1},
    {TERN_E_EOF, "TERN_E_EOF", -1},
    {TERN_E_INTERNAL, "TERN_E_INTERNAL", TERN_ALERT_INTERNAL_ERROR},
    {TERN_E_LIMIT, "TERN_E_LIMIT", TERN_ALERT_INTERNAL_ERROR},
    {TERN_E_FILE, "TERN_E_FILE", -1},
    {TERN_E_UNSUPPORTED, "TERN_E_UNSUPPORTED", TERN_ALERT_HANDSHAKE_FAILURE},
    {TERN_E_UNEXPECTED_MESSAGE, "TERN_E_UNEXPECTED_MESSAGE", TERN_ALERT_UNEXPECTED_MESSAGE},
    {TERN_E_BAD_RECORD_MAC, "TERN_E_BAD_RECORD_MAC", TERN_ALERT_BAD_RECORD_MAC},
    {TERN_E_RECORD_OVERFLOW, "TERN_E_RECORD_OVERFLOW", TERN_ALERT_RECORD_OVERFLOW},
    {TERN_E_HANDSHAKE_FAILURE, "TERN_E_HANDSHAKE_FAILURE", TERN_ALERT_HANDSHAKE_FAILURE},
    {TERN_E_BAD_CERTIFICATE, "TERN_E_BAD_CERTIFICATE", TERN_ALERT_BAD_CERTIFICATE},
    {TERN_E_UNSUPPORTED_CERTIFICATE, "TERN_E_UNSUPPORTED_CERTIFICATE",
     TERN_ALERT_UNSUPPORTED_CERTIFICATE},
    {TERN_E_CERTIFICATE_REVOKED, "TERN_E_CERTIFICATE_REVOKED", TERN_ALERT_CERTIFICATE_REVOKED},
    {TERN_E_CERTIFICATE_EXPIRED, "TERN_E_CERTIFICATE_EXPIRED", TERN_ALERT_CERTIFICATE_EXPIRED},
    {TERN_E_CERTIFICATE_UNKNOWN, "TERN_E_CERTIFICATE_UNKNOWN", TERN_ALERT_CERTIFICATE_UNKNOWN},
    {TERN_E_ILLEGAL_PARAMETER, "TERN_E_ILLEGAL_PARAMETER", TERN_ALERT_ILLEGAL_PARAMETER},
    {TERN_E_UNKNOWN_CA, "TERN_E_UNKNOWN_CA", TERN_ALERT_UNKNOWN_CA},
    {TERN_E_ACCESS_DENIED, "TERN_E_ACCESS_DENIED", TERN_ALERT_ACCESS_DENIED},
    {TERN_E_DECODE, "TERN_E_DECODE", TERN_ALERT_DECODE_ERROR},
    {TERN_E_DECRYPT, "TERN_E_DECRYPT", TERN_ALERT_DECRYPT_ERROR},
    {TERN_E_PROTOCOL_VERSION, "TERN_E_PROTOCOL_VERSION", TERN_ALERT_PROTOCOL_VERSION},
    {TERN_E_INSUFFICIENT_SECURITY, "TERN_E_INSUFFICIENT_SECURITY",
     TERN_ALERT_INSUFFICIENT_SECURITY},
    {TERN_E_INAPPROPRIATE_FALLBACK, "TERN_E_INAPPROPRIATE_FALLBACK",
     TERN_ALERT_INAPPROPRIATE_FALLBACK},
    {TERN_E_MISSING_EXTENSION, "TERN_E_MISSING_EXTENSION", TERN_ALERT_MISSING_EXTENSION},
    {TERN_E_UNSUPPORTED_EXTENSION, "TERN_E_UNSUPPORTED_EXTENSION",
     TERN_ALERT_UNSUPPORTED_EXTENSION},
    {TERN_E_UNRECOGNIZED_NAME, "TERN_E_UNRECOGNIZED_NAME", TERN_ALERT_UNRECOGNIZED_NAME},
    {TERN_E_CERTIFICATE_REQUIRED, "TERN_E_CERTIFICATE_REQUIRED", TERN_ALERT_CERTIFICATE_REQUIRED},
    {TERN_E_NO_APPLICATION_PROTOCOL, "TERN_E_NO_APPLICATION_PROTOCOL",
     TERN_ALERT_NO_APPLICATION_PROTOCOL},
    {TERN_E_NAME_MISMATCH, "TERN_E_NAME_MISMATCH", TERN_ALERT_BAD_CERTIFICATE},
    {TERN_E_NO_RENEGOTIATION, "TERN_E_NO_RENEGOTIATION", TERN_ALERT_NO_RENEGOTIATION},
    {TERN_E_ALERT_RECEIVED, "TERN_E_ALERT_RECEIVED", -1},
};

static const struct {
    int alert;
    const char *name;
} alert_table[] = {
    {0, "close_notify"},
    {10, "unexpected_message"},
    {20, "bad_record_mac"},
    {22, "record_overflow"},
    {40, "handshake_failure"},
    {42, "bad_certificate"},
    {43, "unsupported_certificate"},
    {44, "certificate_revoked"},
    {45, "certificate_expired"},
    {46, "certificate_unknown"},
    {47, "illegal_parameter"},
    {48, "unknown_ca"},
    {49, "access_denied"},
    {50, "decode_error"},
    {51, "decrypt_error"},
    {70, "protocol_version"},
    {71, "insufficient_security"},
    {80, "internal_error"},
    {86, "inappropriate_fallback"},
    {90, "user_canceled"},
    {100, "no_renegotiation"},
    {109, "missing_extension"},
    {110, "unsupported_extension"},
    {112, "unrecognized_name"},
    {113, "bad_certificate_status_response"},
    {115, "unknown_psk_identity"},
    {116, "certificate_required"},
    {120, "no_application_protocol"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *tern_status_name(int status)
{
    for (size_t i = 0; i < COUNT(status_table); i++)
        if (status_table[i].status == status)
            return status_table[i].name;
    return "TERN_E_UNKNOWN";
}

int tern_status_alert(int status)
{
    for (size_t i = 0; i < COUNT(status_table); i++)
        if (status_table[i].status == status)
            return status_table[i].alert;
    return TERN_ALERT_INTERNAL_ERROR;
}

const char *tern_alert_name(int alert)
{
    for (size_t i = 0; i < COUNT(alert_table); i++)
        if (alert_table[i].alert == alert)
            return alert_table[i].name;
    return "unknown_alert";
}

void err_init(struct tern_err *e)
{
    e->code = TERN_OK;
    e->alert = -1;
    e->detail = 0;
    e->msg[0] = '\0';
}

int err_set(struct tern_err *e, int code, const char *fmt, ...)
{
    if (!e)
        return code;
    if (e->code != TERN_OK)
        return e->code;
    e->code = code;
    e->alert = tern_status_alert(code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    return code;
}

const char *err_hex(char *buf, size_t cap, const void *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    const uint8_t *b = p;
    size_t o = 0;
    if (cap == 0)
        return buf;
    for (size_t i = 0; i < n && o + 3 <= cap; i++) {
        buf[o++] = digits[b[i] >> 4];
        buf[o++] = digits[b[i] & 15];
    }
    buf[o] = '\0';
    return buf;
}
