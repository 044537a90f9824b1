#include "CTLS.h"
#include "conn_pool.h"
#include "record13.h"
#include <stdlib.h>
#include <errno.h>
#include <malloc.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#define CONTEXT(c) ((SSL_CTX *)(c))

// A connection: OpenSSL's while it handshakes (and for TLS 1.2, or a client, for good); a
// server's TLS 1.3 connection then goes on with the compact record layer and OpenSSL's state
// is freed.
struct ctls_conn {
    SSL *ssl;
    int fd;
    uint8_t flags;
    // Records OpenSSL sent under the application write key: the session tickets.
    uint8_t tickets;
    struct record13 record;
};

enum {
    SERVER = 1,
    RESUMED = 2,
    ALPN_HTTP11 = 4,
    HAVE_READ_SECRET = 8,
    HAVE_WRITE_SECRET = 16,
    HANDSHAKING = 32,
};

// A burst of handshakes leaves its memory with malloc, free but resident: 2,000 at once hold
// ~80 MB. Once no server handshake is running, after enough of them, it goes back to the system.
// It walks every malloc arena, so it runs at most once a second, whichever reactor gets there.
static atomic_int handshaking, finished_since_trim;
static atomic_llong last_trim_ms;
enum { TRIM_AFTER = 256, TRIM_INTERVAL_MS = 1000 };

static long long monotonic_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void handshake_ended(ctls_conn *conn) {
    if (!(conn->flags & HANDSHAKING)) return;
    conn->flags &= ~HANDSHAKING;
    int finished = atomic_fetch_add(&finished_since_trim, 1) + 1;
    if (atomic_fetch_sub(&handshaking, 1) != 1 || finished < TRIM_AFTER) return;
    long long now = monotonic_ms(), last = atomic_load(&last_trim_ms);
    if (now - last < TRIM_INTERVAL_MS || !atomic_compare_exchange_strong(&last_trim_ms, &last, now)) return;
    atomic_store(&finished_since_trim, 0);
    malloc_trim(0);
}


static _Thread_local char last_error[256];

static void remember_error(const char *what) {
    unsigned long code = ERR_peek_last_error();
    if (code != 0) {
        char reason[200];
        ERR_error_string_n(code, reason, sizeof reason);
        snprintf(last_error, sizeof last_error, "%s: %s", what, reason);
    } else {
        snprintf(last_error, sizeof last_error, "%s", what);
    }
    ERR_clear_error();
}

const char *ctls_last_error(void) { return last_error; }

void ctls_note_error(const char *message) { snprintf(last_error, sizeof last_error, "%s", message); }

// OpenSSL's socket BIO writes with write(2), which raises SIGPIPE on a reset peer; this one
// sends with MSG_NOSIGNAL instead, so a vanished client is an error, never a dead process.
static BIO_METHOD *quiet_socket_method;
static pthread_once_t quiet_socket_once = PTHREAD_ONCE_INIT;

static int quiet_write(BIO *bio, const char *bytes, int count) {
    int fd = (int)BIO_get_fd(bio, NULL);
    ssize_t sent;
    do { sent = send(fd, bytes, (size_t)count, MSG_NOSIGNAL); } while (sent < 0 && errno == EINTR);
    BIO_clear_retry_flags(bio);
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) BIO_set_retry_write(bio);
    return (int)sent;
}

static void make_quiet_socket_method(void) {
    const BIO_METHOD *base = BIO_s_socket();
    quiet_socket_method = BIO_meth_new(BIO_TYPE_SOCKET, "socket without SIGPIPE");
    BIO_meth_set_write(quiet_socket_method, quiet_write);
    BIO_meth_set_read(quiet_socket_method, BIO_meth_get_read(base));
    BIO_meth_set_puts(quiet_socket_method, BIO_meth_get_puts(base));
    BIO_meth_set_ctrl(quiet_socket_method, BIO_meth_get_ctrl(base));
    BIO_meth_set_create(quiet_socket_method, BIO_meth_get_create(base));
    BIO_meth_set_destroy(quiet_socket_method, BIO_meth_get_destroy(base));
}

static SSL *new_conn(SSL_CTX *context, int fd) {
    pthread_once(&quiet_socket_once, make_quiet_socket_method);
    SSL *ssl = SSL_new(context);
    if (ssl == NULL) { remember_error("SSL_new"); return NULL; }
    BIO *bio = BIO_new(quiet_socket_method);
    if (bio == NULL) { SSL_free(ssl); remember_error("BIO_new"); return NULL; }
    BIO_set_fd(bio, fd, BIO_NOCLOSE);
    SSL_set_bio(ssl, bio, bio);
    return ssl;
}

static void common_setup(SSL_CTX *context) {
    SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
    // Idle connections hold no record buffers; writes may be partial and retried from a moved buffer.
    SSL_CTX_set_mode(context, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                                  SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_options(context, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
}

static const unsigned char http11[] = "\x08http/1.1";

static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *out_len,
                       const unsigned char *offered, unsigned int offered_len, void *arg) {
    (void)ssl; (void)arg;
    unsigned char *chosen = NULL;
    if (SSL_select_next_proto(&chosen, out_len, http11, sizeof http11 - 1, offered, offered_len) ==
        OPENSSL_NPN_NEGOTIATED) {
        *out = chosen;
        return SSL_TLSEXT_ERR_OK;
    }
    // A client that offers only other protocols still gets WebSocket over HTTP/1.1 without ALPN.
    return SSL_TLSEXT_ERR_NOACK;
}

// OpenSSL tells its secrets only as key-log lines ("LABEL <client random> <secret>", hex). The
// application traffic secrets are what the compact record layer takes over with.
static void keep_traffic_secret(const SSL *ssl, const char *line) {
    ctls_conn *conn = SSL_get_app_data(ssl);
    if (conn == NULL) return;
    static const char client[] = "CLIENT_TRAFFIC_SECRET_0 ", server[] = "SERVER_TRAFFIC_SECRET_0 ";
    uint8_t *target;
    uint8_t flag;
    if (strncmp(line, client, sizeof client - 1) == 0) {
        target = conn->record.read_secret;
        flag = HAVE_READ_SECRET;
    } else if (strncmp(line, server, sizeof server - 1) == 0) {
        target = conn->record.write_secret;
        flag = HAVE_WRITE_SECRET;
    } else {
        return;
    }
    const char *secret = strchr(line + sizeof client - 1, ' ');
    if (secret == NULL) return;
    secret++;
    size_t digits = strlen(secret);
    if (digits != 64 && digits != 96) return;
    for (size_t i = 0; i < digits / 2; i++) {
        unsigned int byte;
        if (sscanf(secret + 2 * i, "%2x", &byte) != 1) return;
        target[i] = (uint8_t)byte;
    }
    conn->flags |= flag;
}

// Called as each session ticket is made: each goes out in a record under the application key.
static int count_ticket(SSL *ssl, void *arg) {
    (void)arg;
    ctls_conn *conn = SSL_get_app_data(ssl);
    if (conn != NULL) conn->tickets++;
    return 1;
}

ctls_context *ctls_server_context(const char *cert_chain_file, const char *key_file,
                                  const ctls_context *previous, char *err, size_t err_len) {
    SSL_CTX *context = SSL_CTX_new(TLS_server_method());
    if (context == NULL) goto failed;
    common_setup(context);
    if (SSL_CTX_use_certificate_chain_file(context, cert_chain_file) != 1) {
        remember_error("certificate file");
        goto failed_with_message;
    }
    if (SSL_CTX_use_PrivateKey_file(context, key_file, SSL_FILETYPE_PEM) != 1) {
        remember_error("key file");
        goto failed_with_message;
    }
    if (SSL_CTX_check_private_key(context) != 1) {
        remember_error("the key does not match the certificate");
        goto failed_with_message;
    }
    // Resumption by stateless tickets only: a server-side cache would hold a session per client.
    SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(context, 1);
    if (previous != NULL) {
        unsigned char keys[80];
        if (SSL_CTX_get_tlsext_ticket_keys(CONTEXT(previous), keys, sizeof keys) == 1)
            SSL_CTX_set_tlsext_ticket_keys(context, keys, sizeof keys);
        OPENSSL_cleanse(keys, sizeof keys);
    }
    SSL_CTX_set_alpn_select_cb(context, select_alpn, NULL);
    SSL_CTX_set_keylog_callback(context, keep_traffic_secret);
    SSL_CTX_set_session_ticket_cb(context, count_ticket, NULL, NULL);
    return (ctls_context *)context;
failed:
    remember_error("SSL_CTX_new");
failed_with_message:
    snprintf(err, err_len, "%s", last_error);
    SSL_CTX_free(context);
    return NULL;
}

ctls_context *ctls_client_context(const char *ca_file, char *err, size_t err_len) {
    SSL_CTX *context = SSL_CTX_new(TLS_client_method());
    if (context == NULL) {
        remember_error("SSL_CTX_new");
        snprintf(err, err_len, "%s", last_error);
        return NULL;
    }
    common_setup(context);
    SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    if (ca_file != NULL) {
        if (SSL_CTX_load_verify_locations(context, ca_file, NULL) != 1) {
            remember_error("CA file");
            snprintf(err, err_len, "%s", last_error);
            SSL_CTX_free(context);
            return NULL;
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, NULL);
    }
    SSL_CTX_set_alpn_protos(context, http11, sizeof http11 - 1);
    return (ctls_context *)context;
}

void ctls_context_free(ctls_context *context) { SSL_CTX_free(CONTEXT(context)); }

static ctls_conn *wrap(SSL *ssl, int fd, uint8_t flags) {
    if (ssl == NULL) return NULL;
    ctls_conn *conn = conn_pool_get(sizeof *conn);
    if (conn == NULL) {
        SSL_free(ssl);
        snprintf(last_error, sizeof last_error, "out of memory");
        return NULL;
    }
    conn->ssl = ssl;
    conn->fd = fd;
    conn->flags = flags;
    SSL_set_app_data(ssl, conn);
    return conn;
}

ctls_conn *ctls_accept(ctls_context *context, int fd) {
    SSL *ssl = new_conn(CONTEXT(context), fd);
    if (ssl != NULL) SSL_set_accept_state(ssl);
    ctls_conn *conn = wrap(ssl, fd, SERVER | HANDSHAKING);
    if (conn != NULL) atomic_fetch_add(&handshaking, 1);
    return conn;
}

ctls_conn *ctls_connect(ctls_context *context, int fd, const char *host, ctls_session *session) {
    SSL *ssl = new_conn(CONTEXT(context), fd);
    if (ssl == NULL) return NULL;
    if (host != NULL && host[0] != '\0') {
        struct in6_addr literal;
        if (inet_pton(AF_INET, host, &literal) == 1 || inet_pton(AF_INET6, host, &literal) == 1) {
            // An address is checked against the certificate's IP entries, and never sent as SNI.
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host);
        } else {
            SSL_set_tlsext_host_name(ssl, host);
            SSL_set1_host(ssl, host);
        }
    }
    if (session != NULL) SSL_set_session(ssl, (SSL_SESSION *)session);
    SSL_set_connect_state(ssl);
    return wrap(ssl, fd, 0);
}

void ctls_free(ctls_conn *conn) {
    handshake_ended(conn);
    if (conn->ssl != NULL) SSL_free(conn->ssl);
    record13_clear(&conn->record);
    conn_pool_put(conn);
}

// Maps the outcome of an SSL call that returned `result` <= 0.
static int outcome(SSL *ssl, int result, const char *what) {
    switch (SSL_get_error(ssl, result)) {
    case SSL_ERROR_WANT_READ: return CTLS_WANT_READ;
    case SSL_ERROR_WANT_WRITE: return CTLS_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN: ERR_clear_error(); return CTLS_CLOSED;
    case SSL_ERROR_SYSCALL:
        if (ERR_peek_error() == 0) {
            // EOF or a reset without close_notify: the peer is gone either way.
            snprintf(last_error, sizeof last_error, "%s: connection ended (errno %d)", what, errno);
            return CTLS_CLOSED;
        }
        // fall through
    default: {
        if (ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
            // OpenSSL 3's name for a peer that closed without close_notify.
            remember_error(what);
            return CTLS_CLOSED;
        }
        int plain = ERR_GET_REASON(ERR_peek_error()) == SSL_R_HTTP_REQUEST;
        remember_error(what);
        return plain ? CTLS_PLAIN_HTTP : CTLS_FAILED;
    }
    }
}

// A server's finished TLS 1.3 handshake hands over to the compact record layer when nothing is
// left inside OpenSSL: its read side holds no record, and the secrets and ticket count are known.
static void detach_if_possible(ctls_conn *conn) {
    SSL *ssl = conn->ssl;
    if (!(conn->flags & SERVER) || SSL_version(ssl) != TLS1_3_VERSION || SSL_has_pending(ssl)) return;
    if ((conn->flags & (HAVE_READ_SECRET | HAVE_WRITE_SECRET)) != (HAVE_READ_SECRET | HAVE_WRITE_SECRET)) return;
    const SSL_CIPHER *cipher = SSL_get_current_cipher(ssl);
    int suite = cipher == NULL ? 0 : record13_suite_for(SSL_CIPHER_get_id(cipher));
    if (suite == 0) return;
    // The secrets were parked in the record's own fields by the key-log callback.
    uint8_t read_secret[48], write_secret[48];
    memcpy(read_secret, conn->record.read_secret, sizeof read_secret);
    memcpy(write_secret, conn->record.write_secret, sizeof write_secret);
    int started = record13_start(&conn->record, suite, read_secret, write_secret, conn->tickets);
    OPENSSL_cleanse(read_secret, sizeof read_secret);
    OPENSSL_cleanse(write_secret, sizeof write_secret);
    if (!started) {
        record13_clear(&conn->record);
        return;
    }
    if (SSL_session_reused(ssl)) conn->flags |= RESUMED;
    const unsigned char *alpn = NULL;
    unsigned int alpn_length = 0;
    SSL_get0_alpn_selected(ssl, &alpn, &alpn_length);
    if (alpn_length == sizeof http11 - 2) conn->flags |= ALPN_HTTP11;
    SSL_free(ssl);
    conn->ssl = NULL;
}

int ctls_handshake(ctls_conn *conn) {
    if (conn->ssl == NULL) return 1;
    ERR_clear_error();
    int result = SSL_do_handshake(conn->ssl);
    if (result != 1) return outcome(conn->ssl, result, "handshake");
    detach_if_possible(conn);
    handshake_ended(conn);
    return 1;
}

long ctls_read(ctls_conn *conn, void *buffer, size_t count) {
    if (conn->ssl == NULL) return record13_read(&conn->record, conn->fd, buffer, count);
    ERR_clear_error();
    size_t got = 0;
    int result = SSL_read_ex(conn->ssl, buffer, count, &got);
    return result == 1 ? (long)got : outcome(conn->ssl, result, "read");
}

long ctls_write(ctls_conn *conn, const void *bytes, size_t count) {
    if (conn->ssl == NULL) return record13_write(&conn->record, conn->fd, bytes, count);
    ERR_clear_error();
    size_t sent = 0;
    int result = SSL_write_ex(conn->ssl, bytes, count, &sent);
    return result == 1 ? (long)sent : outcome(conn->ssl, result, "write");
}

void ctls_close_notify(ctls_conn *conn) {
    if (conn->ssl == NULL) {
        record13_close_notify(&conn->record, conn->fd);
        return;
    }
    ERR_clear_error();
    if (SSL_shutdown(conn->ssl) < 0) ERR_clear_error();
}

int ctls_is_compact(const ctls_conn *conn) { return conn->ssl == NULL; }

int ctls_request_key_update(ctls_conn *conn) {
    return conn->ssl != NULL && SSL_key_update(conn->ssl, SSL_KEY_UPDATE_REQUESTED) == 1;
}

int ctls_resumed(const ctls_conn *conn) {
    return conn->ssl == NULL ? (conn->flags & RESUMED) != 0 : SSL_session_reused(conn->ssl);
}

const char *ctls_protocol(const ctls_conn *conn) { return conn->ssl == NULL ? "TLSv1.3" : SSL_get_version(conn->ssl); }

const char *ctls_alpn(const ctls_conn *conn) {
    if (conn->ssl == NULL) return (conn->flags & ALPN_HTTP11) ? "http/1.1" : "";
    static _Thread_local char name[32];
    const unsigned char *data = NULL;
    unsigned int length = 0;
    SSL_get0_alpn_selected(conn->ssl, &data, &length);
    if (length >= sizeof name) length = 0;
    if (length > 0) memcpy(name, data, length);
    name[length] = '\0';
    return name;
}

ctls_session *ctls_session_get(ctls_conn *conn) {
    return conn->ssl == NULL ? NULL : (ctls_session *)SSL_get1_session(conn->ssl);
}

void ctls_session_free(ctls_session *session) { SSL_SESSION_free((SSL_SESSION *)session); }
