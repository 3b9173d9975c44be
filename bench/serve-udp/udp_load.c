// UDP request/response load: N clients (threads), each its own connected UDP socket, one SIZE-byte datagram in flight,
// for SECS seconds; prints "replies/s lost". A reply not back within 200 ms counts as lost (then the next is sent).
// SIZE "stun" sends STUN Binding requests (RFC 8489: a 20-byte header, a new transaction id each) and counts a reply
// only when it is a Binding success response with that transaction id.
// udp_load HOST PORT N SECS [SIZE|stun]   (loopback only)
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
static struct sockaddr_in to; static double secs; static int size = 32, stun;
static long replies[256], lost[256];
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static void *client(void *arg) {
  long i = (long)arg; int s = socket(AF_INET, SOCK_DGRAM, 0); char buf[65536], in[65536];
  struct timeval tv = {0, 200000}; setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(s, (void *)&to, sizeof to)) { perror("connect"); return 0; }
  memset(buf, 'a' + i % 26, size);
  unsigned id = (unsigned)i << 24;
  for (double end = now() + secs; now() < end;) {
    if (stun) { // type 0x0001 Binding request, length 0, magic cookie 0x2112A442, 12-byte transaction id
      memcpy(buf, "\x00\x01\x00\x00\x21\x12\xa4\x42", 8); memset(buf + 8, 0, 8); id++; memcpy(buf + 16, &id, 4);
    }
    if (send(s, buf, size, 0) != size) { lost[i]++; continue; }
    ssize_t n = recv(s, in, sizeof in, 0);
    if (stun ? n >= 20 && in[0] == 0x01 && in[1] == 0x01 && memcmp(in + 8, buf + 8, 12) == 0 : n == size) replies[i]++; else lost[i]++;
  }
  close(s); return 0;
}
int main(int argc, char **argv) {
  if (argc < 5) { fprintf(stderr, "usage: udp_load HOST PORT N SECS [SIZE]\n"); return 2; }
  to.sin_family = AF_INET; to.sin_port = htons(atoi(argv[2])); inet_pton(AF_INET, argv[1], &to.sin_addr);
  int n = atoi(argv[3]); secs = atof(argv[4]); if (argc > 5) { stun = strcmp(argv[5], "stun") == 0; size = stun ? 20 : atoi(argv[5]); }
  if (n < 1 || n > 256) { fprintf(stderr, "udp_load: N must be 1..256\n"); return 2; }
  pthread_t th[256]; for (long i = 0; i < n; i++) pthread_create(&th[i], 0, client, (void *)i);
  long r = 0, l = 0; for (int i = 0; i < n; i++) { pthread_join(th[i], 0); r += replies[i]; l += lost[i]; }
  printf("%.0f %ld\n", r / secs, l); return 0;
}
