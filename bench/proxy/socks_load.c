/* Load client for the proxy benchmark: SOCKS5 (no authentication) to 127.0.0.1 only, every loop bounded.
 *   socks_load rate PROXY_PORT TARGET_PORT THREADS SECONDS   each thread: connect, greeting, CONNECT, 1 KiB to an echo
 *                                                           target and its 1 KiB back, close; prints sessions/s
 *   socks_load bulk PROXY_PORT TARGET_PORT MIB               one session: MIB MiB to a sink, FIN, wait for the close;
 *                                                           prints seconds and MiB/s (handshake included)
 *   socks_load idle PROXY_PORT TARGET_PORT N                 N sessions open and idle; prints READY, then waits for a
 *                                                           line on stdin and closes them
 * Build: cc -O2 -pthread -o socks_load socks_load.c */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int proxy_port, target_port;
static double seconds;
static volatile long total;

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

static int read_full(int fd, char *b, int n) {
    int got = 0;
    while (got < n) { int r = read(fd, b + got, n - got); if (r <= 0) return -1; got += r; }
    return 0;
}

/* Connects through the proxy to 127.0.0.1:target_port; returns the socket or -1. */
static int session(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    int one = 1; setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct timeval tv = { 10, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(proxy_port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) { close(fd); return -1; }
    char g[3] = { 5, 1, 0 }, m[2];
    if (write(fd, g, 3) != 3 || read_full(fd, m, 2) || m[1] != 0) { close(fd); return -1; }
    unsigned char req[10] = { 5, 1, 0, 1, 127, 0, 0, 1, target_port >> 8, target_port & 255 };
    char rep[10];
    if (write(fd, req, 10) != 10 || read_full(fd, rep, 10) || rep[1] != 0) { close(fd); return -1; }
    return fd;
}

static void *rate_thread(void *arg) {
    (void)arg;
    char msg[1024], back[1024];
    memset(msg, 'x', sizeof msg);
    double end = now() + seconds;
    long n = 0;
    while (now() < end) {
        int fd = session();
        if (fd < 0) { fprintf(stderr, "session failed: %s\n", strerror(errno)); usleep(10000); continue; }
        if (write(fd, msg, sizeof msg) == sizeof msg && read_full(fd, back, sizeof back) == 0) n++;
        close(fd);
    }
    __sync_fetch_and_add(&total, n);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: see the comment at the top\n"); return 2; }
    proxy_port = atoi(argv[2]); target_port = atoi(argv[3]);
    if (!strcmp(argv[1], "rate")) {
        int threads = atoi(argv[4]); seconds = argc > 5 ? atof(argv[5]) : 5;
        pthread_t t[256];
        if (threads < 1 || threads > 256) return 2;
        double t0 = now();
        for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, rate_thread, NULL);
        for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
        printf("%.0f\n", total / (now() - t0));
        return 0;
    }
    if (!strcmp(argv[1], "bulk")) {
        long mib = atol(argv[4]);
        static char buf[1 << 20];
        double t0 = now();
        int fd = session();
        if (fd < 0) { fprintf(stderr, "session failed\n"); return 1; }
        for (long i = 0; i < mib; i++) {
            size_t off = 0;
            while (off < sizeof buf) { ssize_t w = write(fd, buf + off, sizeof buf - off); if (w <= 0) { perror("write"); return 1; } off += w; }
        }
        shutdown(fd, SHUT_WR);
        while (read(fd, buf, sizeof buf) > 0) { }
        double t = now() - t0;
        printf("%.3f %.0f\n", t, mib / t);
        return 0;
    }
    if (!strcmp(argv[1], "idle")) {
        int n = atoi(argv[4]);
        int *fds = calloc(n, sizeof *fds);
        for (int i = 0; i < n; i++) if ((fds[i] = session()) < 0) { fprintf(stderr, "session %d failed\n", i); return 1; }
        printf("READY %d\n", n); fflush(stdout);
        char line[16];
        if (!fgets(line, sizeof line, stdin)) { }
        for (int i = 0; i < n; i++) close(fds[i]);
        return 0;
    }
    return 2;
}
