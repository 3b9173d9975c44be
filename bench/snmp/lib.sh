# Sourced by bench/snmp/run.sh, v3.sh and cpu.sh (and rate.sh): the set-up they share. Defines $work (a temporary
# directory removed at exit with every process started through it), and:
#   hold_connections N        N established loopback TCP pairs held open until exit (the accepting ends in one python
#                             process, the connecting ends in a forked child, so neither holds more than N descriptors)
#   free_udp_port             a UDP port on 127.0.0.1 free now
#   start_snmpd PORT [LINE…]  net-snmp's snmpd on udp:127.0.0.1:PORT with a generated config (rocommunity $community
#                             plus the LINEs), answering before it returns
#   start_sock_agent ARGS…    `$sock agent ARGS --bind 127.0.0.1 --port 0`, its port in $port_sock once it serves
#   median / time_it CMD…     the median of numbers on stdin; wall seconds of CMD (its stdout in $work/out)
#   choose_sock               $sock (an array: the command that runs sock): $SOCK when set (the Native AOT executable),
#                             else this tree's JIT build, built first
# The caller sets $sock (choose_sock, or its own) before start_sock_agent. Run benchmarks under
# flock /tmp/sock-bench.lock.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
work=$(mktemp -d /tmp/sock-bench-snmp.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
community="bench$RANDOM"

hold_connections() {
  python3 - "$1" "$work/conns.ready" <<'PY' &
import os, socket, sys, time
n, ready = int(sys.argv[1]), sys.argv[2]
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(4096)
if os.fork() == 0:
    addr = l.getsockname(); l.close()
    keep = [socket.create_connection(addr) for i in range(n)]
    time.sleep(3600); sys.exit(0)
keep = [l.accept()[0] for i in range(n)]
open(ready, "w").close()
time.sleep(3600)
PY
  pids+=($!)
  for _ in $(seq 1 600); do [ -f "$work/conns.ready" ] && return 0; sleep 0.2; done
  echo "lib.sh: $1 connections not open after 120 s" >&2; return 1
}

free_udp_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_snmpd() {
  local port=$1; shift
  { printf 'rocommunity %s 127.0.0.1\n' "$community"; for line in "$@"; do printf '%s\n' "$line"; done; } > "$work/snmpd.conf"
  MIBS="" /usr/sbin/snmpd -f -C -c "$work/snmpd.conf" -Lf "$work/snmpd.log" --persistentDir="$work" "udp:127.0.0.1:$port" &
  pids+=($!)
  for _ in $(seq 1 100); do snmpget -v2c -c "$community" -t 1 -r 0 "127.0.0.1:$port" 1.3.6.1.2.1.1.3.0 >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "lib.sh: snmpd on port $port did not answer" >&2; return 1
}

start_sock_agent() {
  "${sock[@]}" agent "$@" --bind 127.0.0.1 --port 0 2>"$work/agent.err" &
  pids+=($!)
  for _ in $(seq 1 150); do grep -q serving "$work/agent.err" 2>/dev/null && break; sleep 0.2; done
  port_sock=$(grep -o '127.0.0.1:[0-9]*' "$work/agent.err" | head -1 | cut -d: -f2)
  [ -n "$port_sock" ] || { echo "lib.sh: sock agent did not start: $(cat "$work/agent.err")" >&2; return 1; }
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_it() { local s e; s=$(date +%s.%N); "$@" > "$work/out" 2>/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }

choose_sock() {
  if [ -n "${SOCK:-}" ]; then sock=("$SOCK"); return; fi
  dotnet build src/Sock -c Release -nologo -clp:ErrorsOnly >/dev/null
  sock=(dotnet exec src/Sock/bin/Release/net10.0/sock.dll)
}
