#!/usr/bin/env bash
# The agent's request rate (issue 16: "GET of sysUpTime, 8 concurrent managers: >= 1.0x snmpd"): get_load.c's THREADS
# managers (default 8), each sending a v2c GetRequest for sysUpTime.0 and waiting for its answer, for SECONDS (default
# 5) against net-snmp's snmpd and sock agent on loopback high ports, ROUNDS interleaved rounds (default 5). Prints each
# round and the medians: requests/s, and the agent's CPU (user+system from /proc/PID/stat) per request.
# SOCK=artifacts/aot/sock measures the Native AOT executable (default: the JIT build); BASE=path/to/another/sock adds
# that build's agent in the same rounds ("base"). Run under flock /tmp/sock-bench.lock.
THREADS=${1:-8}
SECONDS_EACH=${2:-5}
ROUNDS=${3:-5}
source "$(dirname "$0")/lib.sh"
cc -O2 -pthread -o "$work/get_load" bench/snmp/get_load.c
choose_sock
port_snmpd=$(free_udp_port)
start_snmpd "$port_snmpd"
pid_snmpd=${pids[-1]}
start_sock_agent -c "$community"
pid_sock=${pids[-1]}
if [ -n "${BASE:-}" ]; then
  port_own=$port_sock; sock_own=("${sock[@]}"); sock=("$BASE")
  start_sock_agent -c "$community"; pid_base=${pids[-1]}; port_base=$port_sock
  port_sock=$port_own; sock=("${sock_own[@]}")
  "$work/get_load" 127.0.0.1 "$port_base" "$community" "$THREADS" 2 >/dev/null
fi
# Both answer before the clock starts (snmpd reads its MIB modules, sock's JIT warms on the first requests).
for port in "$port_snmpd" "$port_sock"; do
  for _ in $(seq 1 50); do snmpget -v2c -c "$community" -t 1 -r 0 "127.0.0.1:$port" 1.3.6.1.2.1.1.3.0 >/dev/null 2>&1 && break; sleep 0.2; done
done
"$work/get_load" 127.0.0.1 "$port_sock" "$community" "$THREADS" 2 >/dev/null

ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # utime + stime, in clock ticks
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
  if [ -n "${BASE:-}" ]; then run base "$pid_base" "$port_base"; fi
done
rs=$(median < "$work/snmpd.rate"); rk=$(median < "$work/sock.rate")
cs=$(median < "$work/snmpd.cpu"); ck=$(median < "$work/sock.cpu")
echo "GET sysUpTime.0, $THREADS managers: snmpd $rs req/s ($cs us CPU/req), sock agent $rk req/s ($ck us CPU/req), ratio sock/snmpd $(echo "scale=2; $rk / $rs" | bc)"
if [ -n "${BASE:-}" ]; then
  rb=$(median < "$work/base.rate"); cb=$(median < "$work/base.cpu")
  echo "base ($BASE): $rb req/s ($cb us CPU/req), ratio base/snmpd $(echo "scale=2; $rb / $rs" | bc), sock/base $(echo "scale=2; $rk / $rb" | bc)"
fi
