/* Integrators' hooks: the ALPN selection callback, and the message and
 * state callbacks (OpenSSL's msg and info callbacks), which are fed by the
 * trace module so they tell the same story as tern_config_set_trace. */
#include "base/mem.h"
#include "hs/internal.h"

#include <stdio.h>
#include <string.h>

int tern_config_set_alpn_select_callback(tern_config *cfg, tern_alpn_select_cb cb, void *arg)
{
    TRY(config_check_mutable(cfg));
    cfg->alpn_select_cb = cb;
    cfg->alpn_select_arg = arg;
    return TERN_OK;
}

int tern_config_set_message_callback(tern_config *cfg, tern_message_cb cb, void *arg)
{
    TRY(config_check_mutable(cfg));
    cfg->message_cb = cb;
    cfg->message_arg = arg;
    return TERN_OK;
}

int tern_config_set_state_callback(tern_config *cfg, tern_state_cb cb, void *arg)
{
    TRY(config_check_mutable(cfg));
    cfg->state_cb = cb;
    cfg->state_arg = arg;
    return TERN_OK;
}

/* ---- ALPN ---- */

int hs_alpn_select(tern_conn *c, struct rd list)
{
    /* Each name becomes a C string in place of its length byte's slot: the
     * copies take no more room than the list. */
    char *text = tern_malloc(list.len ? list.len : 1);
    if (!text)
        return hs_fail(c, TERN_E_NOMEM, "out of memory reading the client's ALPN list");
    const char *names[TERN_ALPN_CB_MAX];
    size_t n = 0, used = 0;
    struct rd name;
    while (n < TERN_ALPN_CB_MAX && rd_prefixed8(&list, &name)) {
        if (memchr(name.p, 0, name.len))
            continue; /* cannot be a C string; tern_conn_alpn could not give it */
        memcpy(text + used, name.p, name.len);
        text[used + name.len] = '\0';
        names[n++] = text + used;
        used += name.len + 1;
    }
    int pick = c->cfg->alpn_select_cb(c->cfg->alpn_select_arg, c, names, n);
    int rc = TERN_OK;
    hs_free_alpn(c);
    if (pick >= 0 && (size_t)pick < n) {
        size_t len = strlen(names[pick]); /* at most 255: a ProtocolName */
        if (hs_set_alpn(c, (const uint8_t *)names[pick], len) != TERN_OK) {
            tern_free(text);
            return TERN_E_NOMEM;
        }
        struct tern_trace_fact f[] = {{"alpn", c->alpn}};
        hs_trace(c, TERN_TRACE_CHECK, TERN_DIR_LOCAL, "ALPN chosen",
                 "The application chose the protocol from the client's list.", 0, f, 1);
    } else if (pick == TERN_ALPN_NOACK) {
        hs_trace(c, TERN_TRACE_CHECK, TERN_DIR_LOCAL, "ALPN chosen",
                 "The application chose none of the client's protocols and goes on without "
                 "ALPN.",
                 0, NULL, 0);
    } else if (pick >= 0) {
        rc = hs_fail(c, TERN_E_INTERNAL,
                     "the ALPN selection callback chose protocol %d of a list of %zu", pick, n);
    } else {
        rc = hs_fail(c, TERN_E_NO_APPLICATION_PROTOCOL,
                     "the application refused all %zu of the client's ALPN protocols", n);
    }
    tern_free(text);
    return rc;
}

/* ---- message and state callbacks ---- */

static void state_event(tern_conn *c, enum tern_state_event ev, int value)
{
    if (c->cfg->state_cb)
        c->cfg->state_cb(c->cfg->state_arg, c, ev, value);
}

void hs_hooks_on_trace(tern_conn *c, enum tern_trace_kind kind)
{
    if (!c->cfg->state_cb)
        return;
    if (kind == TERN_TRACE_DONE)
        state_event(c, TERN_STATE_HANDSHAKE_DONE, c->version);
    else if (kind == TERN_TRACE_ERROR)
        state_event(c, TERN_STATE_FAILED, c->err.code);
}

void hs_trace_wire(tern_conn *c, bool sent, uint8_t content_type, const uint8_t *p, size_t len)
{
    if (!c->cfg || len == 0)
        return;
    if (!c->hook_started && content_type == TERN_CONTENT_HANDSHAKE && p[0] == HS_CLIENT_HELLO) {
        c->hook_started = true;
        state_event(c, TERN_STATE_HANDSHAKE_START, 0);
    }
    if (!c->cfg->message_cb)
        return;
    struct tern_message m = {
        .sent = sent,
        .content_type = content_type,
        .type = content_type == TERN_CONTENT_ALERT && len >= 2 ? p[1] : p[0],
        .bytes = p,
        .len = len,
    };
    c->cfg->message_cb(c->cfg->message_arg, c, &m);
}

void hs_trace_alert(tern_conn *c, bool sent, uint8_t level, uint8_t desc, const char *explain)
{
    uint8_t body[2] = {level, desc};
    char name[64];
    snprintf(name, sizeof(name), "alert %s", tern_alert_name(desc));
    struct tern_trace_fact f[] = {{"level", level == 1 ? "warning" : "fatal"}};
    bool to_server = sent != c->is_server;
    hs_trace(c, TERN_TRACE_ALERT, to_server ? TERN_DIR_TO_SERVER : TERN_DIR_TO_CLIENT, name,
             explain, 2, f, 1);
    hs_trace_wire(c, sent, TERN_CONTENT_ALERT, body, 2);
    state_event(c, sent ? TERN_STATE_ALERT_SENT : TERN_STATE_ALERT_RECEIVED, desc);
    if (desc == TERN_ALERT_CLOSE_NOTIFY && !c->hook_closed) {
        c->hook_closed = true;
        state_event(c, TERN_STATE_CLOSED, 0);
    }
}
