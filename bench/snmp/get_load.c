/* A load of SNMP managers: THREADS threads, each with its own UDP socket, sending a v2c GetRequest for sysUpTime.0
 * and waiting for its answer (request-id checked) before the next, until SECONDS have passed. Prints
 * "answered N timeouts T seconds S". Closed loop: a slower agent gets fewer requests, as real managers would send.
 * cc -O2 -pthread -o get_load get_load.c; ./get_load 127.0.0.1 1161 public 8 5 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in agent;
static const char *community;
static double seconds;
static long answered_total, timeouts_total;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

/* The request with its 4-byte request-id at *id_at; short-form lengths (community up to 64 bytes). */
static int build(unsigned char *b, size_t *id_at) {
  static const unsigned char tail[] = { 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2b,
                                        0x06, 0x01, 0x02, 0x01, 0x01, 0x03, 0x00, 0x05, 0x00 };
  size_t c = strlen(community), n = 0;
  b[n++] = 0x30; b[n++] = (unsigned char)(3 + 2 + c + 2 + 6 + sizeof tail);
  b[n++] = 0x02; b[n++] = 0x01; b[n++] = 0x01;                       /* version: v2c */
  b[n++] = 0x04; b[n++] = (unsigned char)c; memcpy(b + n, community, c); n += c;
  b[n++] = 0xa0; b[n++] = (unsigned char)(6 + sizeof tail);          /* GetRequest-PDU */
  b[n++] = 0x02; b[n++] = 0x04; *id_at = n; n += 4;                   /* request-id */
  memcpy(b + n, tail, sizeof tail); n += sizeof tail;                 /* error-status, error-index, sysUpTime.0 */
  return (int)n;
}

/* The response's request-id, or -1: skips the message header, version and community, then the PDU header. */
static long response_id(const unsigned char *b, int n) {
  int i = 0;
  #define LEN() do { if (i >= n) return -1; if (b[i] & 0x80) { int k = b[i++] & 0x7f; i += k; } else i++; } while (0)
  if (n < 2 || b[i++] != 0x30) return -1;
  LEN();
  if (i + 1 >= n || b[i++] != 0x02) return -1;
  i += 1 + b[i];
  if (i + 1 >= n || b[i++] != 0x04) return -1;
  i += 1 + b[i];
  if (i >= n || b[i++] != 0xa2) return -1;
  LEN();
  if (i + 6 > n || b[i] != 0x02 || b[i + 1] != 0x04) return -1;
  return ((long)b[i + 2] << 24) | (b[i + 3] << 16) | (b[i + 4] << 8) | b[i + 5];
}

static void *manager(void *arg) {
  unsigned char req[128], resp[2048];
  size_t id_at;
  int len = build(req, &id_at);
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct timeval tv = { 1, 0 };
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(s, (struct sockaddr *)&agent, sizeof agent) != 0) { perror("connect"); exit(1); }
  uint32_t id = (uint32_t)(uintptr_t)arg << 24;
  long answered = 0, timeouts = 0;
  double end = now() + seconds;
  while (now() < end) {
    id = (id + 1) & 0x7fffffff;
    req[id_at] = id >> 24; req[id_at + 1] = id >> 16; req[id_at + 2] = id >> 8; req[id_at + 3] = id;
    if (send(s, req, len, 0) != len) { perror("send"); exit(1); }
    for (;;) {
      int n = (int)recv(s, resp, sizeof resp, 0);
      if (n < 0) { timeouts++; break; }               /* 1 s without the answer: counted, the next request goes */
      if (response_id(resp, n) == (long)id) { answered++; break; }
    }
  }
  close(s);
  pthread_mutex_lock(&lock); answered_total += answered; timeouts_total += timeouts; pthread_mutex_unlock(&lock);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 6) { fprintf(stderr, "usage: %s HOST PORT COMMUNITY THREADS SECONDS\n", argv[0]); return 2; }
  agent.sin_family = AF_INET;
  agent.sin_port = htons((uint16_t)atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &agent.sin_addr) != 1) { fprintf(stderr, "bad address\n"); return 2; }
  community = argv[3];
  if (strlen(community) > 64) { fprintf(stderr, "community too long\n"); return 2; }
  int threads = atoi(argv[4]);
  seconds = atof(argv[5]);
  if (threads < 1 || threads > 64 || seconds <= 0 || seconds > 600) { fprintf(stderr, "bad threads or seconds\n"); return 2; }
  pthread_t t[64];
  double start = now();
  for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, manager, (void *)(uintptr_t)(i + 1));
  for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
  printf("answered %ld timeouts %ld seconds %.3f\n", answered_total, timeouts_total, now() - start);
  return 0;
}
