// How much memory a server's idle TLS connection holds, by where it was allocated: N handshakes
// over loopback TCP with the server context the reactor uses, then the live heap of the server
// side once every client is freed. Twice: with OpenSSL kept for the connection's life (SSL_new on
// the same context, the TLS 1.2 path) and through ctls_accept (TLS 1.3: the compact record layer).
//
//   cc -O2 -ISources/CTLS/include -ISources/CTLS loadtest/tls-state/tls_state.c Sources/CTLS/*.c
//      -lssl -lcrypto -o tls_state && ./tls_state server.pem server.key [connections]
#define _GNU_SOURCE
#include "CTLS.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

// Live allocations made through OpenSSL's hooks, by file and line.
typedef struct { void *pointer; size_t size; const char *file; int line; } Allocation;
enum { SLOTS = 1 << 22 };
static Allocation *live;

static size_t slot_of(void *pointer) { return ((size_t)pointer >> 4) & (SLOTS - 1); }

static void remember(void *pointer, size_t size, const char *file, int line) {
    size_t i = slot_of(pointer);
    while (live[i].pointer != NULL) i = (i + 1) & (SLOTS - 1);
    live[i] = (Allocation){pointer, size, file, line};
}

static void forget(void *pointer) {
    if (pointer == NULL) return;
    size_t i = slot_of(pointer);
    while (live[i].pointer != NULL && live[i].pointer != pointer) i = (i + 1) & (SLOTS - 1);
    if (live[i].pointer == NULL) return;
    live[i].pointer = NULL;
    for (size_t j = (i + 1) & (SLOTS - 1); live[j].pointer != NULL; j = (j + 1) & (SLOTS - 1)) {
        Allocation moved = live[j];
        live[j].pointer = NULL;
        remember(moved.pointer, moved.size, moved.file, moved.line);
    }
}

static void *hooked_malloc(size_t size, const char *file, int line) {
    void *pointer = malloc(size);
    if (pointer != NULL) remember(pointer, size, file, line);
    return pointer;
}
static void *hooked_realloc(void *old, size_t size, const char *file, int line) {
    forget(old);
    void *pointer = realloc(old, size);
    if (pointer != NULL) remember(pointer, size, file, line);
    return pointer;
}
static void hooked_free(void *pointer, const char *file, int line) {
    (void)file; (void)line;
    forget(pointer);
    free(pointer);
}

typedef struct { const char *file; int line; size_t bytes; size_t count; } Site;

static int by_bytes(const void *a, const void *b) {
    const Site *x = a, *y = b;
    return (y->bytes > x->bytes) - (y->bytes < x->bytes);
}

static void report(const char *title, int connections) {
    static Site sites[4096];
    int count = 0;
    size_t total = 0;
    for (size_t i = 0; i < SLOTS; i++) {
        if (live[i].pointer == NULL) continue;
        int s = 0;
        while (s < count && !(sites[s].line == live[i].line && strcmp(sites[s].file, live[i].file) == 0)) s++;
        if (s == count && count < 4096) sites[count++] = (Site){live[i].file, live[i].line, 0, 0};
        sites[s].bytes += live[i].size;
        sites[s].count++;
        total += live[i].size;
    }
    qsort(sites, (size_t)count, sizeof *sites, by_bytes);
    printf("%s: %zu bytes per connection held by OpenSSL\n", title, total / (size_t)connections);
    for (int s = 0; s < count && sites[s].bytes / (size_t)connections >= 64; s++)
        printf("  %6zu B  %4.1f allocations  %s:%d\n", sites[s].bytes / (size_t)connections,
               (double)sites[s].count / connections, sites[s].file, sites[s].line);
}

static void tcp_pair(int listener, int fds[2]) {
    struct sockaddr_in address;
    socklen_t length = sizeof address;
    getsockname(listener, (struct sockaddr *)&address, &length);
    int client = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(client, (struct sockaddr *)&address, sizeof address) != 0) { perror("connect"); exit(1); }
    int server = accept(listener, NULL, NULL);
    fcntl(client, F_SETFL, O_NONBLOCK);
    fcntl(server, F_SETFL, O_NONBLOCK);
    fds[0] = server;
    fds[1] = client;
}

// Drives both ends; `server_step` returns 1 once the server side is done.
static int handshake(ctls_conn *client, int (*server_step)(void *), void *server) {
    int client_done = 0, server_done = 0;
    for (int round = 0; round < 10000 && !(client_done && server_done); round++) {
        if (!client_done) client_done = ctls_handshake(client) == 1;
        if (!server_done) server_done = server_step(server);
    }
    return client_done && server_done;
}

static int kept_step(void *ssl) { return SSL_do_handshake(ssl) == 1; }
static int compact_step(void *conn) { return ctls_handshake(conn) == 1; }

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s cert.pem key.pem [connections]\n", argv[0]); return 2; }
    int connections = argc > 3 ? atoi(argv[3]) : 2000;
    live = calloc(SLOTS, sizeof *live);
    CRYPTO_set_mem_functions(hooked_malloc, hooked_realloc, hooked_free);
    char error[512];
    ctls_context *server_context = ctls_server_context(argv[1], argv[2], NULL, error, sizeof error);
    ctls_context *client_context = ctls_client_context(NULL, error, sizeof error);
    if (server_context == NULL || client_context == NULL) { fprintf(stderr, "%s\n", error); return 1; }
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(listener, (struct sockaddr *)&address, sizeof address);
    listen(listener, 128);

    for (int compact = 0; compact <= 1; compact++) {
        void **servers = calloc((size_t)connections, sizeof *servers);
        int (*fds)[2] = calloc((size_t)connections, sizeof *fds);
        for (int i = 0; i < connections; i++) {
            tcp_pair(listener, fds[i]);
            ctls_conn *client = ctls_connect(client_context, fds[i][1], "127.0.0.1", NULL);
            if (compact) {
                servers[i] = ctls_accept(server_context, fds[i][0]);
            } else {
                // The reactor's context, kept as the TLS 1.2 path keeps it.
                SSL *ssl = SSL_new((SSL_CTX *)server_context);
                SSL_set_fd(ssl, fds[i][0]);
                SSL_set_accept_state(ssl);
                servers[i] = ssl;
            }
            if (!handshake(client, compact ? compact_step : kept_step, servers[i])) { fprintf(stderr, "handshake failed\n"); return 1; }
            // The upgrade and its answer, then nothing: an idle connection.
            char buffer[CTLS_MIN_READ];
            ctls_write(client, "GET / HTTP/1.1\r\n\r\n", 18);
            usleep(50);
            if (compact) {
                ctls_read(servers[i], buffer, sizeof buffer);
                ctls_write(servers[i], "HTTP/1.1 101 OK\r\n\r\n", 19);
            } else {
                SSL_read(servers[i], buffer, sizeof buffer);
                SSL_write(servers[i], "HTTP/1.1 101 OK\r\n\r\n", 19);
            }
            usleep(50);
            ctls_read(client, buffer, sizeof buffer);
            ctls_free(client);
            close(fds[i][1]);
        }
        report(compact ? "compact record layer (TLS 1.3 after the handshake)" : "OpenSSL kept (SSL object per connection)", connections);
        for (int i = 0; i < connections; i++) {
            if (compact) ctls_free(servers[i]); else SSL_free(servers[i]);
            close(fds[i][0]);
        }
        free(servers);
        free(fds);
    }
    return 0;
}
