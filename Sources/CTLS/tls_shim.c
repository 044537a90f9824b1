#include "CTLS.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#define CONTEXT(c) ((SSL_CTX *)(c))
#define CONN(c) ((SSL *)(c))

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

ctls_conn *ctls_accept(ctls_context *context, int fd) {
    SSL *ssl = new_conn(CONTEXT(context), fd);
    if (ssl != NULL) SSL_set_accept_state(ssl);
    return (ctls_conn *)ssl;
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
    return (ctls_conn *)ssl;
}

void ctls_free(ctls_conn *conn) { SSL_free(CONN(conn)); }

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
        int plain = ERR_GET_REASON(ERR_peek_error()) == SSL_R_HTTP_REQUEST;
        remember_error(what);
        return plain ? CTLS_PLAIN_HTTP : CTLS_FAILED;
    }
    }
}

int ctls_handshake(ctls_conn *conn) {
    ERR_clear_error();
    int result = SSL_do_handshake(CONN(conn));
    return result == 1 ? 1 : outcome(CONN(conn), result, "handshake");
}

long ctls_read(ctls_conn *conn, void *buffer, size_t count) {
    ERR_clear_error();
    size_t got = 0;
    int result = SSL_read_ex(CONN(conn), buffer, count, &got);
    return result == 1 ? (long)got : outcome(CONN(conn), result, "read");
}

long ctls_write(ctls_conn *conn, const void *bytes, size_t count) {
    ERR_clear_error();
    size_t sent = 0;
    int result = SSL_write_ex(CONN(conn), bytes, count, &sent);
    return result == 1 ? (long)sent : outcome(CONN(conn), result, "write");
}

void ctls_close_notify(ctls_conn *conn) {
    ERR_clear_error();
    if (SSL_shutdown(CONN(conn)) < 0) ERR_clear_error();
}

int ctls_resumed(const ctls_conn *conn) { return SSL_session_reused(CONN(conn)); }

const char *ctls_protocol(const ctls_conn *conn) { return SSL_get_version(CONN(conn)); }

const char *ctls_alpn(const ctls_conn *conn) {
    static _Thread_local char name[32];
    const unsigned char *data = NULL;
    unsigned int length = 0;
    SSL_get0_alpn_selected(CONN(conn), &data, &length);
    if (length >= sizeof name) length = 0;
    if (length > 0) memcpy(name, data, length);
    name[length] = '\0';
    return name;
}

ctls_session *ctls_session_get(ctls_conn *conn) { return (ctls_session *)SSL_get1_session(CONN(conn)); }

void ctls_session_free(ctls_session *session) { SSL_SESSION_free((SSL_SESSION *)session); }
