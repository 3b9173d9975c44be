// The floor of a user-space forwarder: two blocking threads per pair, read() → write(), FIN → shutdown(SHUT_WR).
// No epoll, no pool: one wake-up per hop, the fewest a process in the path can cost. floor LPORT TPORT
#define _GNU_SOURCE
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <unistd.h>
static int tport;
struct way { int from, to; };
static void *pump(void *arg) {
  struct way *w = arg; static __thread char buf[262144];
  for (;;) { ssize_t n = read(w->from, buf, sizeof buf); if (n <= 0) break;
    for (ssize_t o = 0; o < n;) { ssize_t m = write(w->to, buf + o, n - o); if (m <= 0) goto out; o += m; } }
out: shutdown(w->to, SHUT_WR); return 0;
}
static void *pair(void *arg) {
  int a = (int)(intptr_t)arg, b = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  struct sockaddr_in t = { .sin_family = AF_INET, .sin_port = htons(tport), .sin_addr.s_addr = htonl(0x7f000001) };
  if (connect(b, (void*)&t, sizeof t)) { close(a); close(b); return 0; }
  setsockopt(a, IPPROTO_TCP, TCP_NODELAY, &one, 4); setsockopt(b, IPPROTO_TCP, TCP_NODELAY, &one, 4);
  struct way up = {a, b}, down = {b, a}; pthread_t th;
  pthread_create(&th, 0, pump, &down); pump(&up); pthread_join(th, 0);
  close(a); close(b); return 0;
}
int main(int argc, char **argv) {
  int lport = atoi(argv[1]); tport = atoi(argv[2]);
  int l = socket(AF_INET, SOCK_STREAM, 0), one = 1; setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, 4);
  struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons(lport), .sin_addr.s_addr = htonl(0x7f000001) };
  if (bind(l, (void*)&s, sizeof s) || listen(l, 512)) { perror("listen"); return 1; }
  for (;;) { int a = accept(l, 0, 0); if (a < 0) continue; pthread_t th; pthread_create(&th, 0, pair, (void*)(intptr_t)a); pthread_detach(th); }
}
