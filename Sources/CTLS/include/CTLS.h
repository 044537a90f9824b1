#ifndef CTLS_H
#define CTLS_H
// OpenSSL 3 behind a few calls a non-blocking event loop needs: contexts from PEM files,
// connections on an existing socket, and handshake/read/write that report "want read" or
// "want write" instead of blocking. OpenSSL's own types stay in the C file.
#include <stddef.h>

typedef struct ctls_context ctls_context;
typedef struct ctls_conn ctls_conn;
typedef struct ctls_session ctls_session;

enum {
    CTLS_WANT_READ = -2,
    CTLS_WANT_WRITE = -3,
    CTLS_FAILED = -1,
    // The peer spoke plain HTTP to a TLS port.
    CTLS_PLAIN_HTTP = -4,
    // The peer ended the stream (close_notify or EOF).
    CTLS_CLOSED = -5,
};

// A server context: TLS 1.2 and 1.3, ALPN http/1.1, stateless session tickets (no server-side
// cache), buffers released while a connection is idle. `previous`, when given, lends its ticket
// keys, so tickets issued before a reload still resume. NULL on failure, with a message in `err`.
ctls_context *ctls_server_context(const char *cert_chain_file, const char *key_file,
                                  const ctls_context *previous, char *err, size_t err_len);
// A client context. ca_file NULL: the peer is not verified (load testing only).
ctls_context *ctls_client_context(const char *ca_file, char *err, size_t err_len);
void ctls_context_free(ctls_context *context);

ctls_conn *ctls_accept(ctls_context *context, int fd);
// host: SNI and the name checked against the certificate (when the context verifies); an IP
// address is checked against the certificate's addresses and not sent as SNI.
// session: a ticket from an earlier connection to resume, or NULL.
ctls_conn *ctls_connect(ctls_context *context, int fd, const char *host, ctls_session *session);
void ctls_free(ctls_conn *conn);

// 1 once the handshake is done, else one of the CTLS_ codes.
int ctls_handshake(ctls_conn *conn);
// Bytes read (> 0), or a CTLS_ code. A server connection needs room for a whole record:
// `count` at least CTLS_MIN_READ.
long ctls_read(ctls_conn *conn, void *buffer, size_t count);
enum { CTLS_MIN_READ = 5 + 16384 + 256 };
// Bytes written (> 0, possibly fewer than count), or a CTLS_ code. A retry after WANT_WRITE must
// pass the same bytes again (the buffer may move).
long ctls_write(ctls_conn *conn, const void *bytes, size_t count);
// Sends close_notify once, without waiting for the peer's.
void ctls_close_notify(ctls_conn *conn);

// Whether a server's TLS 1.3 connection went on without OpenSSL's state after its handshake
// (the compact record layer: a few hundred bytes per connection instead of ~14 KB).
int ctls_is_compact(const ctls_conn *conn);
// A client asks the server to update both traffic keys (TLS 1.3 KeyUpdate, update_requested);
// it goes out with the next write. 1 when queued.
int ctls_request_key_update(ctls_conn *conn);

// Whether the handshake resumed a session; the protocol name ("TLSv1.3"); the ALPN protocol or "".
int ctls_resumed(const ctls_conn *conn);
const char *ctls_protocol(const ctls_conn *conn);
const char *ctls_alpn(const ctls_conn *conn);
// Why the last call on this thread failed, as OpenSSL words it ("" when it gave none).
const char *ctls_last_error(void);

// The session to resume later (a client keeps it per server), or NULL.
ctls_session *ctls_session_get(ctls_conn *conn);
void ctls_session_free(ctls_session *session);
#endif
