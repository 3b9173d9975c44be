# Shared by the bench/*/run.sh scripts (sourced, never run).

# A free TCP port on 127.0.0.1 for a server the benchmark starts, picked below the ephemeral range (32768-60999 here):
# a connection-heavy round leaves tens of thousands of sockets in TIME_WAIT on ephemeral ports, and a listener taken
# from that range (bind to port 0) then fails with "Address already in use" for the next rounds.
free_port() {
  python3 - <<'PY'
import random, socket
lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for _ in range(200):
    port = random.randrange(20000, max(20001, lo))
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        print(port)
        break
    except OSError:
        pass
    finally:
        s.close()
else:
    raise SystemExit("no free port below the ephemeral range")
PY
}

# Waits (at most $1 seconds, default 90) until fewer than $2 (default 5000) TCP sockets are in TIME_WAIT, so a round
# does not start on ports the last one still holds.
tw_drain() {
  local limit=${1:-90} most=${2:-5000}
  for _ in $(seq "$limit"); do
    [ "$(ss -Htan state time-wait | wc -l)" -lt "$most" ] && return 0
    sleep 1
  done
}

# dante-server's configuration for the proxy benchmarks: SOCKS5 without authentication on 127.0.0.1:$1, to loopback
# destinations only. Printed on stdout.
danted_conf() {
  cat <<CONF
logoutput: /dev/null
internal: 127.0.0.1 port = $1
external: 127.0.0.1
socksmethod: none
clientmethod: none
user.privileged: root
user.unprivileged: nobody
client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }
socks pass { from: 127.0.0.0/8 to: 127.0.0.0/8 }
socks block { from: 0.0.0.0/0 to: 0.0.0.0/0 }
CONF
}

# $1 and every process descended from it (danted forks its workers), one PID a line.
tree_pids() {
  local pids=($1) all=() p
  while [ ${#pids[@]} -gt 0 ]; do
    all+=("${pids[@]}")
    local next=()
    for p in "${pids[@]}"; do next+=($(ps -o pid= --ppid "$p" 2>/dev/null || true)); done
    pids=("${next[@]}")
  done
  printf '%s\n' "${all[@]}"
}
