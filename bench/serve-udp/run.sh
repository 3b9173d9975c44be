#!/usr/bin/env bash
# UDP service rate on loopback: `sock serve echo --udp` against the floor of a UDP echo service (udp_echo.c: one
# blocking recvfrom → sendto loop, inetd's loop; inetd's own internal echo refuses loopback sources), in the same rounds.
# The load is udp_load.c: CLIENTS threads, each one 32-byte datagram in flight, for SECS seconds. Per path and round:
# replies/s and the server's CPU µs per reply (utime+stime from /proc). BASE_EXE=PATH adds a path "base" (another sock
# executable: the build before a change). Medians of RUNS rounds; the ratios are taken per round, then their median.
# Run under `flock /tmp/sock-bench.lock bench/serve-udp/run.sh`. RUNS=5 SECS=3 CLIENTS="1 8"; SOCK_EXE=PATH (default:
# this tree's JIT build). Loopback only; every process it starts is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${RUNS:-5}; SECS=${SECS:-3}; CLIENTS=${CLIENTS:-"1 8"}
work=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
cc -O2 -pthread -o "$work/udp_load" udp_load.c
cc -O2 -o "$work/udp_echo" udp_echo.c
if [ -n "${SOCK_EXE:-}" ]; then SOCK=("$SOCK_EXE"); else
  dotnet build ../../src/Sock -c Release -o "$work/sock" -nologo -clp:ErrorsOnly >/dev/null; SOCK=(dotnet "$work/sock/sock.dll"); fi
. ../lib.sh # free_port

declare -A port pid
port[c]=$(free_port); "$work/udp_echo" "${port[c]}" & pids+=($!); pid[c]=$!
port[sock]=$(free_port); "${SOCK[@]}" serve echo --udp --bind 127.0.0.1 --port "${port[sock]}" >/dev/null 2>&1 & pids+=($!); pid[sock]=$!
PATHS="c sock"
if [ -n "${BASE_EXE:-}" ]; then
  port[base]=$(free_port); "$BASE_EXE" serve echo --udp --bind 127.0.0.1 --port "${port[base]}" >/dev/null 2>&1 & pids+=($!); pid[base]=$!
  PATHS="c sock base"
fi
# Ready when it answers a datagram (a UDP socket has no LISTEN state to wait for).
for p in $PATHS; do
  for _ in $(seq 1 300); do "$work/udp_load" 127.0.0.1 "${port[$p]}" 1 0.05 | awk '{exit !($1 > 0)}' && break; sleep 0.1; done
done
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
declare -A rate cpu
for r in $(seq 1 "$RUNS"); do
  for n in $CLIENTS; do
    for p in $PATHS; do
      t0=$(ticks "${pid[$p]}"); read -r rps lost < <("$work/udp_load" 127.0.0.1 "${port[$p]}" "$n" "$SECS"); t1=$(ticks "${pid[$p]}")
      rate[$p,$n,$r]=$rps
      cpu[$p,$n,$r]=$(python3 -c "print(($t1-$t0)/$hz/max($rps*$SECS,1)*1e6)")
    done
  done
done
median() { python3 -c "import statistics,sys; m=statistics.median(float(x) for x in sys.argv[1:]); print(f'{m:.0f}' if m >= 1000 else f'{m:.3g}')" "$@"; }
echo "serve-udp benchmark: RUNS=$RUNS SECS=$SECS, $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
for n in $CLIENTS; do
  for p in $PATHS; do
    a=(); c=(); for r in $(seq 1 "$RUNS"); do a+=("${rate[$p,$n,$r]}"); c+=("${cpu[$p,$n,$r]}"); done
    printf '%2s clients  %-5s %10s replies/s %8s µs CPU/reply\n' "$n" "$p" "$(median "${a[@]}")" "$(median "${c[@]}")"
  done
  for peer in c base; do
    [[ " $PATHS " == *" $peer "* ]] || continue
    v=(); w=(); for r in $(seq 1 "$RUNS"); do
      v+=("$(python3 -c "print(${rate[sock,$n,$r]}/max(${rate[$peer,$n,$r]},1e-9))")")
      w+=("$(python3 -c "print(${cpu[sock,$n,$r]}/max(${cpu[$peer,$n,$r]},1e-9))")")
    done
    echo "$n clients  sock/$peer: rate $(median "${v[@]}")×, CPU per reply $(median "${w[@]}")×"
  done
done
