#ifndef CEPOLL_H
#define CEPOLL_H
// Linux epoll and eventfd for the reactor. Swift's Glibc module does not export them, and the
// kernel's epoll_event is a packed struct with a union, so events cross into Swift as a flat,
// naturally aligned struct instead.
#include <stdint.h>

typedef struct {
    uint32_t events;
    uint64_t token;
} cepoll_event;

enum {
    CEPOLL_IN = 0x001,
    CEPOLL_OUT = 0x004,
    CEPOLL_ERR = 0x008,
    CEPOLL_HUP = 0x010,
    CEPOLL_RDHUP = 0x2000,
    CEPOLL_ET = (int)(1u << 31),
};

int cepoll_create(void);
int cepoll_add(int epfd, int fd, uint32_t events, uint64_t token);
int cepoll_modify(int epfd, int fd, uint32_t events, uint64_t token);
int cepoll_remove(int epfd, int fd);
// Waits up to timeout_ms; fills at most max events; returns the count or -errno.
int cepoll_wait(int epfd, cepoll_event *events, int max, int timeout_ms);

int cevent_create(void);
int cevent_signal(int fd);
// Clears the counter; returns 0 or -1.
int cevent_drain(int fd);

// A non-blocking listening TCP socket with SO_REUSEADDR and SO_REUSEPORT, so several reactor
// threads (or processes) can share one port. host may be empty (any IPv4 address) or an IPv4/IPv6
// literal. Returns the fd, or -errno.
int csocket_listen(const char *host, int port, int backlog);
// Accepts one connection as non-blocking and close-on-exec, with TCP_NODELAY, and TCP keepalive
// probes after keepalive_idle seconds of silence when it is > 0. Returns the fd or -errno.
int csocket_accept(int listen_fd, int keepalive_idle);
// send(2) with MSG_NOSIGNAL, so a peer's reset is an error (-EPIPE), never a SIGPIPE that kills
// the process. Returns the bytes written or -errno.
long csocket_send(int fd, const void *bytes, unsigned long count);
// recv(2). Returns the bytes read (0 at end of stream) or -errno.
long csocket_recv(int fd, void *bytes, unsigned long count);
// The port a socket is bound to, or -1.
int csocket_local_port(int fd);
#endif
