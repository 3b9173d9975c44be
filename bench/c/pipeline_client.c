/* A minimal C pipelining echo client: the reference sock bench pipeline is compared with.
 * Same job as `sock bench pipeline`: C connections, each keeping INFLIGHT messages of SIZE bytes in flight; every
 * reply is cut into whole messages and each is checked against the one sent (8-byte little-endian sequence number,
 * then the same printable pattern sock uses); prints messages per second. Single thread, epoll, non-blocking.
 * Usage: pipeline_client HOST PORT CONNECTIONS SIZE INFLIGHT SECONDS   (loopback only; bounded by SECONDS) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct conn { int fd; uint64_t sent, received; char *in; size_t have; char *out; size_t outlen, outoff; };

static size_t SIZE; static int INFLIGHT; static char *TEMPLATE;

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

static void stamp(char *m, uint64_t seq) { size_t n = SIZE < 8 ? SIZE : 8; for (size_t i = 0; i < n; i++) m[i] = (char)(seq >> (8 * i)); }

static int check(const char *m, uint64_t seq) {
    size_t n = SIZE < 8 ? SIZE : 8;
    for (size_t i = 0; i < n; i++) if ((unsigned char)m[i] != (unsigned char)(seq >> (8 * i))) return 0;
    return memcmp(m + n, TEMPLATE + n, SIZE - n) == 0;
}

/* Queue k new messages and write what the socket takes. */
static int queue_and_flush(struct conn *c, int k) {
    if (k > 0) {
        size_t need = c->outlen - c->outoff + (size_t)k * SIZE;
        if (c->outoff) { memmove(c->out, c->out + c->outoff, c->outlen - c->outoff); c->outlen -= c->outoff; c->outoff = 0; }
        c->out = realloc(c->out, need);
        for (int i = 0; i < k; i++) { memcpy(c->out + c->outlen, TEMPLATE, SIZE); stamp(c->out + c->outlen, c->sent++); c->outlen += SIZE; }
    }
    while (c->outoff < c->outlen) {
        ssize_t w = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
        if (w < 0) return errno == EAGAIN ? 0 : -1;
        c->outoff += (size_t)w;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 7) { fprintf(stderr, "usage: %s HOST PORT CONNECTIONS SIZE INFLIGHT SECONDS\n", argv[0]); return 2; }
    signal(SIGPIPE, SIG_IGN);
    int nconn = atoi(argv[3]); SIZE = (size_t)atol(argv[4]); INFLIGHT = atoi(argv[5]); double seconds = atof(argv[6]);
    if (nconn < 1 || SIZE < 1 || INFLIGHT < 1 || seconds <= 0 || seconds > 600) { fprintf(stderr, "bad arguments\n"); return 2; }
    TEMPLATE = malloc(SIZE);
    for (size_t i = 0; i < SIZE; i++) TEMPLATE[i] = (char)(33 + (i * 7 % 94));
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[2])) };
    if (inet_pton(AF_INET, argv[1], &a.sin_addr) != 1) { fprintf(stderr, "HOST must be an IPv4 address\n"); return 2; }
    int ep = epoll_create1(0);
    struct conn *cs = calloc((size_t)nconn, sizeof *cs);
    size_t inbuf = 256 * 1024 + SIZE;
    for (int i = 0; i < nconn; i++) {
        struct conn *c = &cs[i];
        c->fd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(c->fd, (void *)&a, sizeof a) < 0) { perror("connect"); return 1; }
        int one = 1;
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
        c->in = malloc(inbuf);
        struct epoll_event e = { .events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c };
        epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e);
        if (queue_and_flush(c, INFLIGHT) < 0) { perror("send"); return 1; }
    }
    double start = now(), end = start + seconds;
    uint64_t messages = 0, bad = 0;
    struct epoll_event events[256];
    while (now() < end) {
        int n = epoll_wait(ep, events, 256, 100);
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (queue_and_flush(c, 0) < 0) { perror("send"); return 1; }
            for (;;) {
                ssize_t r = recv(c->fd, c->in + c->have, inbuf - c->have, 0);
                if (r == 0) { fprintf(stderr, "server closed\n"); return 1; }
                if (r < 0) { if (errno == EAGAIN) break; perror("recv"); return 1; }
                c->have += (size_t)r;
                size_t whole = c->have / SIZE;
                for (size_t m = 0; m < whole; m++) if (!check(c->in + m * SIZE, c->received + m)) bad++;
                c->received += whole;
                messages += whole;
                size_t rest = c->have - whole * SIZE;
                memmove(c->in, c->in + whole * SIZE, rest);
                c->have = rest;
                if (queue_and_flush(c, (int)whole) < 0) { perror("send"); return 1; }
            }
        }
    }
    double took = now() - start;
    printf("{\"messages\": %llu, \"seconds\": %.3f, \"messagesPerSecond\": %.1f, \"mismatches\": %llu}\n",
           (unsigned long long)messages, took, messages / took, (unsigned long long)bad);
    for (int i = 0; i < nconn; i++) close(cs[i].fd);
    return bad ? 1 : 0;
}
