// The floor of a UDP echo service: one blocking recvfrom → sendto loop, as inetd's internal echo runs (inetd itself
// will not answer a loopback source, so it cannot be the peer on 127.0.0.1). udp_echo PORT  (binds 127.0.0.1)
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: udp_echo PORT\n"); return 2; }
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])), .sin_addr.s_addr = htonl(0x7f000001) };
  if (bind(s, (void *)&a, sizeof a)) { perror("bind"); return 1; }
  char buf[65536]; struct sockaddr_in from; socklen_t len;
  for (;;) {
    len = sizeof from; ssize_t n = recvfrom(s, buf, sizeof buf, 0, (void *)&from, &len);
    if (n >= 0) sendto(s, buf, n, 0, (void *)&from, len);
  }
}
