/* Connection-rate load client for the forward benchmark, the definition of a forwarded connection: connect,
 * 1 KiB request, its 1 KiB answer back (an echo target), close. 127.0.0.1 only, every loop bounded by time.
 *   conn_load PORT THREADS SECONDS    prints "connections/s p50_us p99_us" (one connection's time, connect to close)
 * A C client so the figure is the forwarder's, not the load generator's: on a 2-core machine a .NET client takes much
 * of the CPU the forwarder needs. Build: cc -O2 -pthread -o conn_load conn_load.c */
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

#define MAX_SAMPLES 2000000
static int port;
static double seconds;
static volatile long total, failed;
static double *samples;
static volatile long nsamples;

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

static int read_full(int fd, char *b, int n) {
    int got = 0;
    while (got < n) { int r = read(fd, b + got, n - got); if (r <= 0) return -1; got += r; }
    return 0;
}

static void *worker(void *arg) {
    (void)arg;
    char msg[1024], back[1024];
    memset(msg, 'x', sizeof msg);
    double end = now() + seconds;
    long n = 0, bad = 0;
    while (now() < end) {
        double t0 = now();
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) { bad++; usleep(1000); continue; }
        int one = 1; setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct timeval tv = { 10, 0 };
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0 && write(fd, msg, sizeof msg) == sizeof msg
            && read_full(fd, back, sizeof back) == 0) {
            n++;
            long i = __sync_fetch_and_add(&nsamples, 1);
            if (i < MAX_SAMPLES) samples[i] = now() - t0;
        } else {
            bad++;
            usleep(1000);
        }
        close(fd);
    }
    __sync_fetch_and_add(&total, n);
    __sync_fetch_and_add(&failed, bad);
    return NULL;
}

static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: conn_load PORT THREADS SECONDS\n"); return 2; }
    port = atoi(argv[1]);
    int threads = atoi(argv[2]);
    seconds = atof(argv[3]);
    if (threads < 1 || threads > 256 || seconds <= 0 || seconds > 600) return 2;
    samples = malloc(sizeof *samples * MAX_SAMPLES);
    pthread_t t[256];
    double t0 = now();
    for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
    double took = now() - t0;
    long k = nsamples < MAX_SAMPLES ? nsamples : MAX_SAMPLES;
    qsort(samples, k, sizeof *samples, cmp);
    double p50 = k ? samples[k / 2] * 1e6 : 0, p99 = k ? samples[(long)(k * 0.99)] * 1e6 : 0;
    printf("%.0f %.0f %.0f\n", total / took, p50, p99);
    if (failed) fprintf(stderr, "conn_load: %ld connections failed\n", failed);
    return 0;
}
