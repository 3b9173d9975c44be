/* A minimal epoll echo server: the C reference the echo benchmarks measure sock against.
 * Single thread, edge-triggered, non-blocking; echoes what it reads, buffering what the peer does not
 * take yet (bounded per connection: it stops reading from a peer whose pending output exceeds the cap).
 * Usage: epoll_echo_server PORT [ADDR]   (ADDR defaults to 127.0.0.1; use ::1 for IPv6). Loopback only. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF 65536
#define PENDING_CAP (1 << 20)

struct conn { int fd; char *out; size_t len, cap; int reading; int eof; };

static void drop(int ep, struct conn *c) { epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL); close(c->fd); free(c->out); free(c); }

static int flush_out(struct conn *c) {
    size_t off = 0;
    while (off < c->len) {
        ssize_t n = send(c->fd, c->out + off, c->len - off, MSG_NOSIGNAL);
        if (n < 0) { if (errno == EAGAIN) break; return -1; }
        off += (size_t)n;
    }
    memmove(c->out, c->out + off, c->len - off);
    c->len -= off;
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s PORT [ADDR]\n", argv[0]); return 2; }
    signal(SIGPIPE, SIG_IGN);
    const char *addr = argc > 2 ? argv[2] : "127.0.0.1";
    int v6 = strchr(addr, ':') != NULL;
    int ls = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_storage ss = {0};
    socklen_t sl;
    if (v6) { struct sockaddr_in6 *a = (void *)&ss; a->sin6_family = AF_INET6; a->sin6_port = htons(atoi(argv[1])); inet_pton(AF_INET6, addr, &a->sin6_addr); sl = sizeof *a; }
    else { struct sockaddr_in *a = (void *)&ss; a->sin_family = AF_INET; a->sin_port = htons(atoi(argv[1])); inet_pton(AF_INET, addr, &a->sin_addr); sl = sizeof *a; }
    if (bind(ls, (void *)&ss, sl) < 0 || listen(ls, 4096) < 0) { perror("bind/listen"); return 1; }
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    struct epoll_event events[256];
    static char buf[BUF];
    for (;;) {
        int n = epoll_wait(ep, events, 256, -1);
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (!c) {
                int fd;
                while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct conn *nc = calloc(1, sizeof *nc);
                    nc->fd = fd; nc->reading = 1;
                    struct epoll_event e = { .events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP, .data.ptr = nc };
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
                }
                continue;
            }
            int dead = 0;
            /* Edge-triggered: on any event, drain pending output, then read until EAGAIN or the cap. A peer
             * that stopped reading wakes us with EPOLLOUT when it resumes, and reading starts again here. */
            if (c->len && flush_out(c) < 0) dead = 1;
            while (!dead && !c->eof && c->len <= PENDING_CAP) {
                ssize_t r = recv(c->fd, buf, BUF, 0);
                /* End of input: answer everything still pending before closing (half-close honoured). */
                if (r == 0) { c->eof = 1; break; }
                if (r < 0 && errno != EAGAIN) { dead = 1; break; }
                if (r < 0) break;
                size_t off = 0;
                if (c->len == 0) {
                    ssize_t w = send(c->fd, buf, (size_t)r, MSG_NOSIGNAL);
                    if (w < 0 && errno != EAGAIN) { dead = 1; break; }
                    off = w < 0 ? 0 : (size_t)w;
                }
                size_t rest = (size_t)r - off;
                if (rest) {
                    if (c->cap < c->len + rest) { c->cap = c->len + rest + BUF; c->out = realloc(c->out, c->cap); }
                    memcpy(c->out + c->len, buf + off, rest);
                    c->len += rest;
                }
            }
            if (!dead && c->eof && c->len && flush_out(c) < 0) dead = 1;
            if (dead || (c->eof && c->len == 0)) { drop(ep, c); }
        }
    }
}
