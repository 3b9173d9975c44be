#!/usr/bin/env bash
# The agent's request rate (issue 16: "GET of sysUpTime, 8 concurrent managers: >= 1.0x snmpd"): get_load.c's THREADS
# managers (default 8), each sending a v2c GetRequest for sysUpTime.0 and waiting for its answer, for SECONDS (default
# 5) against net-snmp's snmpd and sock agent on loopback high ports, ROUNDS interleaved rounds (default 5). Prints each
# round and the medians: requests/s, and the agent's CPU (user+system from /proc/PID/stat) per request.
# SOCK=artifacts/aot/sock measures the Native AOT executable (default: the JIT build). Run under flock /tmp/sock-bench.lock.
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS=${1:-8}
SECONDS_EACH=${2:-5}
ROUNDS=${3:-5}
work=$(mktemp -d /tmp/sock-bench-snmprate.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
cc -O2 -pthread -o "$work/get_load" bench/snmp/get_load.c
if [ -n "${SOCK:-}" ]; then sock=("$SOCK"); else
  dotnet build src/Sock -c Release -nologo -clp:ErrorsOnly >/dev/null
  sock=(dotnet exec src/Sock/bin/Release/net10.0/sock.dll)
fi
community="bench$RANDOM"
free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

port_snmpd=$(free_port)
printf 'rocommunity %s 127.0.0.1\n' "$community" > "$work/snmpd.conf"
MIBS="" /usr/sbin/snmpd -f -C -c "$work/snmpd.conf" -Lf "$work/snmpd.log" --persistentDir="$work" "udp:127.0.0.1:$port_snmpd" &
pid_snmpd=$!; pids+=($pid_snmpd)
"${sock[@]}" agent -c "$community" --bind 127.0.0.1 --port 0 2>"$work/agent.err" &
pid_sock=$!; pids+=($pid_sock)
for _ in $(seq 1 150); do grep -q serving "$work/agent.err" 2>/dev/null && break; sleep 0.2; done
port_sock=$(grep -o '127.0.0.1:[0-9]*' "$work/agent.err" | head -1 | cut -d: -f2)
# Both answer before the clock starts (snmpd reads its MIB modules, sock's JIT warms on the first requests).
for port in "$port_snmpd" "$port_sock"; do
  for _ in $(seq 1 50); do snmpget -v2c -c "$community" -t 1 -r 0 "127.0.0.1:$port" 1.3.6.1.2.1.1.3.0 >/dev/null 2>&1 && break; sleep 0.2; done
done
"$work/get_load" 127.0.0.1 "$port_sock" "$community" "$THREADS" 2 >/dev/null

ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # utime + stime, in clock ticks
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
run() { # NAME PID PORT
  local before after out answered secs
  before=$(cpu "$2")
  out=$("$work/get_load" 127.0.0.1 "$3" "$community" "$THREADS" "$SECONDS_EACH")
  after=$(cpu "$2")
  answered=$(echo "$out" | awk '{print $2}'); secs=$(echo "$out" | awk '{print $6}')
  echo "$1: $out, agent cpu $(echo "scale=2; ($after - $before) / $ticks" | bc) s" >&2
  echo "scale=0; $answered / $secs" | bc >> "$work/$1.rate"
  echo "scale=2; ($after - $before) * 1000000 / $ticks / $answered" | bc >> "$work/$1.cpu"
}
echo "load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cpus, $THREADS managers, ${SECONDS_EACH}s a round, $ROUNDS rounds, sock: ${sock[*]}" >&2
for r in $(seq 1 "$ROUNDS"); do
  run snmpd "$pid_snmpd" "$port_snmpd"
  run sock "$pid_sock" "$port_sock"
done
rs=$(median < "$work/snmpd.rate"); rk=$(median < "$work/sock.rate")
cs=$(median < "$work/snmpd.cpu"); ck=$(median < "$work/sock.cpu")
echo "GET sysUpTime.0, $THREADS managers: snmpd $rs req/s ($cs us CPU/req), sock agent $rk req/s ($ck us CPU/req), ratio sock/snmpd $(echo "scale=2; $rk / $rs" | bc)"
