/* An io_uring echo server: a second C reference for the echo benchmark (bench/echo/run.sh, servers c-uring and
 * c-uring-defer), to see whether a completion-based transport beats the epoll one on this kernel at all.
 * Single thread; one recv or send in flight per connection, from the connection's own 64 KiB buffer: recv, send all of
 * it, recv again (so a peer that stops reading stops being read: bounded memory). Accepts with a multishot accept.
 * With "defer" as the third argument the ring is set up IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN
 * (completions are processed only when this thread waits, which saves interrupting it).
 * Needs liburing (Debian: liburing-dev). Usage: uring_echo_server PORT [ADDR [defer]]. Loopback only. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF 65536
enum op { ACCEPT, RECV, SEND };
struct conn { int fd; enum op op; char *buf; int len, off; };
static struct io_uring ring;

static struct io_uring_sqe *sqe(void) {
    struct io_uring_sqe *s = io_uring_get_sqe(&ring);
    if (!s) { io_uring_submit(&ring); s = io_uring_get_sqe(&ring); } /* the queue was full: submit what is there */
    return s;
}
static void want_recv(struct conn *c) { struct io_uring_sqe *s = sqe(); c->op = RECV; io_uring_prep_recv(s, c->fd, c->buf, BUF, 0); io_uring_sqe_set_data(s, c); }
static void want_send(struct conn *c) { struct io_uring_sqe *s = sqe(); c->op = SEND; io_uring_prep_send(s, c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL); io_uring_sqe_set_data(s, c); }
static void drop(struct conn *c) { close(c->fd); free(c->buf); free(c); }

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s PORT [ADDR [defer]]\n", argv[0]); return 2; }
    const char *addr = argc > 2 ? argv[2] : "127.0.0.1";
    if (strncmp(addr, "127.", 4) != 0) { fprintf(stderr, "loopback only (IPv4)\n"); return 2; }
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])) };
    inet_pton(AF_INET, addr, &a.sin_addr);
    if (bind(ls, (void *)&a, sizeof a) < 0 || listen(ls, 4096) < 0) { perror("bind/listen"); return 1; }
    struct io_uring_params p = {0};
    if (argc > 3 && strcmp(argv[3], "defer") == 0) p.flags |= IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
    int err = io_uring_queue_init_params(4096, &ring, &p);
    if (err < 0) { fprintf(stderr, "io_uring_queue_init: %s\n", strerror(-err)); return 1; }
    struct conn acceptor = { .fd = ls, .op = ACCEPT };
    struct io_uring_sqe *s = sqe();
    io_uring_prep_multishot_accept(s, ls, NULL, NULL, 0);
    io_uring_sqe_set_data(s, &acceptor);
    for (;;) {
        io_uring_submit_and_wait(&ring, 1);
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            seen++;
            struct conn *c = io_uring_cqe_get_data(cqe);
            int r = cqe->res;
            if (c->op == ACCEPT) {
                if (r >= 0) {
                    setsockopt(r, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct conn *nc = calloc(1, sizeof *nc);
                    nc->fd = r;
                    nc->buf = malloc(BUF);
                    want_recv(nc);
                }
                if (!(cqe->flags & IORING_CQE_F_MORE)) { /* the multishot accept ended: arm it again */
                    struct io_uring_sqe *again = sqe();
                    io_uring_prep_multishot_accept(again, ls, NULL, NULL, 0);
                    io_uring_sqe_set_data(again, &acceptor);
                }
                continue;
            }
            if (r <= 0) { drop(c); continue; } /* end of input, reset, or a failed send: close */
            if (c->op == RECV) { c->len = r; c->off = 0; want_send(c); continue; }
            c->off += r;
            if (c->off < c->len) want_send(c); else want_recv(c);
        }
        io_uring_cq_advance(&ring, seen);
    }
}
