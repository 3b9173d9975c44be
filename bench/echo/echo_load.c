/* echo_load: the load generator for the echo benchmark (loopback only).
 *   echo_load pingpong PORT CONNS SECONDS [ADDR]        one 32-byte message in flight per connection:
 *                                                       msg/s and round-trip p50/p99 in microseconds
 *   echo_load pipeline PORT CONNS SECONDS DEPTH [ADDR]  DEPTH 32-byte messages in flight per connection: msg/s, MiB/s
 *   echo_load idle PORT CONNS SECONDS [ADDR]            open CONNS connections, hold them SECONDS, close them
 * Single thread, epoll, non-blocking sockets. The first 0.5 s is warm-up and is not counted.
 * Prints one line of key=value pairs. ADDR defaults to 127.0.0.1 and must be a loopback address. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG 32
#define WARMUP_NS 500000000LL

struct conn { int fd; long long sent_at; int got; long long debt; };

static long long now_ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000LL + t.tv_nsec; }
static int cmp_u32(const void *a, const void *b) { uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b; return x < y ? -1 : x > y; }

static int dial(const char *addr, int port) {
    int v6 = strchr(addr, ':') != NULL;
    struct sockaddr_storage ss = {0}; socklen_t sl;
    if (v6) { struct sockaddr_in6 *a = (void *)&ss; a->sin6_family = AF_INET6; a->sin6_port = htons(port); inet_pton(AF_INET6, addr, &a->sin6_addr); sl = sizeof *a; }
    else { struct sockaddr_in *a = (void *)&ss; a->sin_family = AF_INET; a->sin_port = htons(port); inet_pton(AF_INET, addr, &a->sin_addr); sl = sizeof *a; }
    int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (void *)&ss, sl) < 0) { perror("connect"); exit(1); }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: %s pingpong|pipeline|idle PORT CONNS SECONDS [DEPTH] [ADDR]\n", argv[0]); return 2; }
    const char *mode = argv[1];
    int port = atoi(argv[2]), conns = atoi(argv[3]);
    double seconds = atof(argv[4]);
    int pipeline = strcmp(mode, "pipeline") == 0;
    int depth = pipeline ? (argc > 5 ? atoi(argv[5]) : 1000) : 1;
    const char *addr = argc > (pipeline ? 6 : 5) ? argv[pipeline ? 6 : 5] : "127.0.0.1";
    if (strncmp(addr, "127.", 4) != 0 && strcmp(addr, "::1") != 0) { fprintf(stderr, "loopback only\n"); return 2; }

    struct conn *cs = calloc(conns, sizeof *cs);
    for (int i = 0; i < conns; i++) cs[i].fd = dial(addr, port);
    if (strcmp(mode, "idle") == 0) {
        printf("opened=%d\n", conns); fflush(stdout);
        struct timespec t = { (time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9) };
        nanosleep(&t, NULL);
        for (int i = 0; i < conns; i++) close(cs[i].fd);
        return 0;
    }
    int ep = epoll_create1(0);
    static char out[1 << 16], in[1 << 16];
    memset(out, 'x', sizeof out);
    size_t cap = 1 << 24, nlat = 0;
    uint32_t *lat = malloc(cap * sizeof *lat); /* latencies in nanoseconds */
    long long start = now_ns(), measure_from = start + WARMUP_NS, end = start + (long long)(seconds * 1e9) + WARMUP_NS;
    long long counted_bytes = 0, counted_msgs = 0;
    for (int i = 0; i < conns; i++) {
        fcntl(cs[i].fd, F_SETFL, O_NONBLOCK);
        struct epoll_event e = { .events = EPOLLIN | (pipeline ? EPOLLOUT | EPOLLET : 0), .data.ptr = &cs[i] };
        epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &e);
        if (pipeline) cs[i].debt = (long long)depth * MSG;
        else { cs[i].sent_at = now_ns(); if (send(cs[i].fd, out, MSG, MSG_NOSIGNAL) != MSG) { perror("send"); return 1; } }
    }
    struct epoll_event evs[256];
    for (;;) {
        long long t = now_ns();
        if (t >= end) break;
        int n = epoll_wait(ep, evs, 256, 100);
        for (int k = 0; k < n; k++) {
            struct conn *c = evs[k].data.ptr;
            if (!pipeline) {
                ssize_t r = recv(c->fd, in, sizeof in, 0);
                if (r <= 0) { if (r < 0 && errno == EAGAIN) continue; fprintf(stderr, "server closed\n"); return 1; }
                c->got += (int)r;
                if (c->got >= MSG) {
                    long long now = now_ns();
                    c->got -= MSG;
                    if (now >= measure_from) { counted_msgs++; if (nlat < cap) lat[nlat++] = (uint32_t)(now - c->sent_at > 0xffffffffLL ? 0xffffffffLL : now - c->sent_at); }
                    c->sent_at = now;
                    if (send(c->fd, out, MSG, MSG_NOSIGNAL) != MSG) { perror("send"); return 1; }
                }
                continue;
            }
            for (;;) {
                ssize_t r = recv(c->fd, in, sizeof in, 0);
                if (r == 0) { fprintf(stderr, "server closed\n"); return 1; }
                if (r < 0) { if (errno == EAGAIN) break; perror("recv"); return 1; }
                c->debt += r;
                if (now_ns() >= measure_from) counted_bytes += r;
            }
            while (c->debt > 0) {
                ssize_t w = send(c->fd, out, c->debt < (long long)sizeof out ? (size_t)c->debt : sizeof out, MSG_NOSIGNAL);
                if (w < 0) { if (errno == EAGAIN) break; perror("send"); return 1; }
                c->debt -= w;
            }
        }
    }
    double secs = (end - measure_from) / 1e9;
    if (pipeline) {
        printf("mode=pipeline conns=%d depth=%d seconds=%.2f msgs_per_s=%.0f mib_per_s=%.1f\n", conns, depth, secs,
               counted_bytes / (double)MSG / secs, counted_bytes / secs / (1 << 20));
    } else {
        qsort(lat, nlat, sizeof *lat, cmp_u32);
        double p50 = nlat ? lat[nlat / 2] / 1000.0 : 0, p99 = nlat ? lat[(size_t)(nlat * 0.99)] / 1000.0 : 0;
        printf("mode=pingpong conns=%d seconds=%.2f msgs_per_s=%.0f p50_us=%.1f p99_us=%.1f\n", conns, secs, counted_msgs / secs, p50, p99);
    }
    return 0;
}
