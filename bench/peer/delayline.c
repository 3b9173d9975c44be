/* A delay line between two network namespaces, for bench/peer/run.sh's part 3: this kernel has no sch_netem, so the
 * issue's path (20 ms RTT, 1 % loss) is made in user space. Each namespace holds a TUN device (made beforehand with
 * `ip -n NS tuntap add dev DEV mode tun`, addressed point to point); this program attaches to both and carries every
 * IP packet read from one to the other DELAY_MS later, dropping LOSS_PERMILLE per thousand in each direction with a
 * seeded generator (the same losses for the same seed and traffic). Packets keep their order (one fixed delay), as
 * netem's delay without jitter does. A full queue drops the packet (a router's tail drop); nothing else is shaped.
 *
 *   delayline NS_A DEV_A NS_B DEV_B DELAY_MS LOSS_PERMILLE SEED MAX_SECONDS
 *
 * Prints READY once both devices are attached; on SIGTERM/SIGINT or after MAX_SECONDS it prints its counters and exits.
 * Build: cc -O2 -o delayline delayline.c */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 8192 /* per direction: 10 ms of 800k packets/s, far past what one path here carries */
#define SLOT_BYTES 2048

struct queue {
    int64_t due[SLOTS];
    int len[SLOTS];
    unsigned char data[SLOTS][SLOT_BYTES];
    unsigned head, count;
    long passed, dropped, overflowed;
    uint64_t rng;
};

static struct queue ab, ba; /* static: 33 MiB, off the stack */
static volatile sig_atomic_t stop;

static void on_signal(int s) { (void)s; stop = 1; }

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* xorshift64*: a fixed sequence per seed, so two runs with one seed lose the same packets of the same traffic. */
static unsigned next_permille(struct queue *q) {
    q->rng ^= q->rng >> 12; q->rng ^= q->rng << 25; q->rng ^= q->rng >> 27;
    return (unsigned)((q->rng * 2685821657736338717ULL) >> 32) % 1000;
}

/* Enters namespace NS (by its /var/run/netns name) and attaches to its TUN device DEV; the descriptor stays valid
 * whatever namespace the process moves to next. */
static int attach(const char *ns, const char *dev) {
    char path[256];
    snprintf(path, sizeof path, "/var/run/netns/%s", ns);
    int nsfd = open(path, O_RDONLY | O_CLOEXEC);
    if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) < 0) { fprintf(stderr, "delayline: namespace %s: %s\n", ns, strerror(errno)); exit(1); }
    close(nsfd);
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) { fprintf(stderr, "delayline: /dev/net/tun: %s\n", strerror(errno)); exit(1); }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", dev);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) { fprintf(stderr, "delayline: %s in %s: %s\n", dev, ns, strerror(errno)); exit(1); }
    return fd;
}

/* Reads everything waiting on FD into Q (or drops it), each packet due DELAY ns from now. */
static void take(int fd, struct queue *q, int64_t delay, unsigned loss) {
    for (int i = 0; i < 4096; i++) {
        unsigned char scratch[SLOT_BYTES];
        unsigned tail = (q->head + q->count) % SLOTS;
        unsigned char *into = q->count < SLOTS ? q->data[tail] : scratch;
        ssize_t n = read(fd, into, SLOT_BYTES);
        if (n <= 0) return;
        if (next_permille(q) < loss) { q->dropped++; continue; }
        if (q->count == SLOTS) { q->overflowed++; continue; }
        q->due[tail] = now_ns() + delay;
        q->len[tail] = (int)n;
        q->count++;
    }
}

/* Writes every packet of Q that is due to FD. */
static void give(int fd, struct queue *q, int64_t now) {
    while (q->count > 0 && q->due[q->head] <= now) {
        if (write(fd, q->data[q->head], q->len[q->head]) < 0 && errno == EAGAIN) return;
        q->passed++;
        q->head = (q->head + 1) % SLOTS;
        q->count--;
    }
}

int main(int argc, char **argv) {
    if (argc != 9) { fprintf(stderr, "usage: delayline NS_A DEV_A NS_B DEV_B DELAY_MS LOSS_PERMILLE SEED MAX_SECONDS\n"); return 2; }
    int64_t delay = (int64_t)(atof(argv[5]) * 1e6);
    unsigned loss = (unsigned)atoi(argv[6]);
    uint64_t seed = strtoull(argv[7], NULL, 10);
    int64_t end = now_ns() + (int64_t)(atof(argv[8]) * 1e9);
    ab.rng = seed * 2 + 1; /* never 0: xorshift would stay there */
    ba.rng = seed * 2 + 0x9E3779B97F4A7C15ULL;
    int a = attach(argv[1], argv[2]);
    int b = attach(argv[3], argv[4]);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    printf("READY\n");
    fflush(stdout);
    struct pollfd fds[2] = { { .fd = a, .events = POLLIN }, { .fd = b, .events = POLLIN } };
    while (!stop) {
        int64_t now = now_ns();
        if (now >= end) break;
        give(b, &ab, now);
        give(a, &ba, now);
        /* Sleep until the next packet is due (to the microsecond: ppoll, not poll's milliseconds) or one arrives. */
        int64_t wake = end;
        if (ab.count > 0 && ab.due[ab.head] < wake) wake = ab.due[ab.head];
        if (ba.count > 0 && ba.due[ba.head] < wake) wake = ba.due[ba.head];
        int64_t wait = wake - now;
        if (wait < 0) wait = 0;
        if (wait > 100000000) wait = 100000000;
        struct timespec ts = { wait / 1000000000, wait % 1000000000 };
        if (ppoll(fds, 2, &ts, NULL) > 0) {
            if (fds[0].revents & POLLIN) take(a, &ab, delay, loss);
            if (fds[1].revents & POLLIN) take(b, &ba, delay, loss);
        }
    }
    printf("a->b passed %ld dropped %ld overflowed %ld; b->a passed %ld dropped %ld overflowed %ld\n",
           ab.passed, ab.dropped, ab.overflowed, ba.passed, ba.dropped, ba.overflowed);
    return 0;
}
