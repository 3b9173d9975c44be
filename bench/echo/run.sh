#!/usr/bin/env bash
# Echo benchmark on loopback: `sock serve echo` against the C epoll reference server (bench/c), same load, same run.
#   ping-pong: one 32-byte message in flight per connection, 1 and 50 connections: msg/s, p50/p99 round trip
#   pipelined: 1,000 32-byte messages in flight per connection, 1 and 100 connections: msg/s, MiB/s
#   idle:      memory (RSS) per idle connection with IDLE_CONNS connections open
# Servers: c (gcc -O2), sock (defaults: the engine's own epoll transport, half the processors' threads — one on 2 cores,
# as the C server), sock-2 (two epoll threads), sock-dotnet (--io-threads 0: .NET's socket engine and the thread pool,
# the path off Linux), dotnet-floor (bench/echo/floor: the same epoll and P/Invoke calls with nothing of the engine —
# no pipes, no handler — the floor of sock's design in .NET, so that c against dotnet-floor is what .NET costs and
# dotnet-floor against sock is what the engine costs). Optional, not run by default: c-uring and c-uring-defer
# (bench/c/uring_echo_server.c: the C server over io_uring instead of epoll; needs liburing-dev, installed here when
# missing and running as root).
# Each figure is the median of RUNS runs of SECS seconds (after 0.5 s of warm-up), the servers' runs interleaved round by
# round. Loopback only; every process it
# starts is stopped at the end. Usage: bench/echo/run.sh   (RUNS=3 SECS=2 IDLE_CONNS=10000 by default)
# BASE=DIR adds sock-base and sock-dotnet-base: the sock build in DIR (DIR/sock.dll, e.g. `dotnet build src/Sock -c Release
# -o DIR` in a git worktree of the commit before a change), run beside the current build in the same rounds, and prints
# each server's ratio to its base build (paired rounds, median) — the before/after comparison of a change.
# PIN=1 pins the server to CPU 0 and the load generator to CPU 1 (taskset), so a multi-threaded server cannot take
# more than one core from the load generator, and the C server and sock get the same share.
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${RUNS:-3}
SECS=${SECS:-2}
IDLE_CONNS=${IDLE_CONNS:-10000}
BASE=${BASE:-}
SERVERS=${SERVERS:-"c sock dotnet-floor sock-2 sock-dotnet"}
if [ -n "$BASE" ]; then
  [ -e "$BASE/sock.dll" ] || { echo "run.sh: no sock.dll in BASE=$BASE" >&2; exit 2; }
  [[ " $SERVERS " == *" sock-base "* ]] || SERVERS="$SERVERS sock-base"
  [[ " $SERVERS " != *" sock-dotnet "* || " $SERVERS " == *" sock-dotnet-base "* ]] || SERVERS="$SERVERS sock-dotnet-base"
fi
PIN=${PIN:-0}
on_server=() on_client=()
if [ "$PIN" = 1 ]; then on_server=(taskset -c 0) on_client=(taskset -c 1); fi
work=$(mktemp -d)
cleanup() {
  for p in "${pid[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
ulimit -n $((IDLE_CONNS * 2 + 1000)) 2>/dev/null || true

gcc -O2 -Wall -o "$work/echo_load" echo_load.c
gcc -O2 -o "$work/c_echo" ../c/epoll_echo_server.c
if [[ " $SERVERS " == *" c-uring"* ]]; then
  if [ ! -e /usr/include/liburing.h ] && [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq liburing-dev >/dev/null
  fi
  gcc -O2 -o "$work/c_uring" ../c/uring_echo_server.c -luring
fi
dotnet build ../../src/Sock -c Release -o "$work/sock" -nologo -clp:ErrorsOnly >/dev/null
if [[ " $SERVERS " == *" dotnet-floor "* ]]; then dotnet build floor -c Release -o "$work/floor" -nologo -clp:ErrorsOnly >/dev/null; fi

. ../lib.sh # free_port

# Every server runs for the whole benchmark, each on its own port, and each run of the load goes to every server in
# turn: a server's run and the C server's run of the same round are seconds apart. This machine's loopback throughput
# moves between two levels about 2x apart for minutes at a time (both servers alike; see bench/RESULTS.md), so figures
# measured one server after the other could compare one level with the other; a ratio of runs from the same round
# compares like with like. The reported ratio is the median of the per-round ratios.
declare -A port pid
start_server() {
  local p
  p=$(free_port)
  case "$1" in
    c) "${on_server[@]}" "$work/c_echo" "$p" 127.0.0.1 >/dev/null 2>&1 & ;;
    sock) "${on_server[@]}" dotnet "$work/sock/sock.dll" serve echo --port "$p" --tcp --bind 127.0.0.1 >/dev/null 2>&1 & ;;
    sock-2) "${on_server[@]}" dotnet "$work/sock/sock.dll" serve echo --port "$p" --tcp --bind 127.0.0.1 --io-threads 2 >/dev/null 2>&1 & ;;
    sock-dotnet) "${on_server[@]}" dotnet "$work/sock/sock.dll" serve echo --port "$p" --tcp --bind 127.0.0.1 --io-threads 0 >/dev/null 2>&1 & ;;
    sock-base) "${on_server[@]}" dotnet "$BASE/sock.dll" serve echo --port "$p" --tcp --bind 127.0.0.1 >/dev/null 2>&1 & ;;
    sock-dotnet-base) "${on_server[@]}" dotnet "$BASE/sock.dll" serve echo --port "$p" --tcp --bind 127.0.0.1 --io-threads 0 >/dev/null 2>&1 & ;;
    dotnet-floor) "${on_server[@]}" dotnet "$work/floor/Floor.dll" "$p" 127.0.0.1 >/dev/null 2>&1 & ;;
    c-uring) "${on_server[@]}" "$work/c_uring" "$p" 127.0.0.1 >/dev/null 2>&1 & ;;
    c-uring-defer) "${on_server[@]}" "$work/c_uring" "$p" 127.0.0.1 defer >/dev/null 2>&1 & ;;
  esac
  pid[$1]=$!
  port[$1]=$p
  for _ in $(seq 100); do nc -z 127.0.0.1 "$p" 2>/dev/null && return 0; sleep 0.1; done
  echo "run.sh: $1 did not start" >&2; exit 1
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
field() { tr ' ' '\n' | sed -n "s/^$1=//p"; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

declare -A result
for server in $SERVERS; do start_server "$server"; done
# One untimed run of each scenario first: the .NET servers compile their hot paths fully optimised within it.
for server in $SERVERS; do
  "${on_client[@]}" "$work/echo_load" pingpong "${port[$server]}" 50 1 >/dev/null
  "${on_client[@]}" "$work/echo_load" pipeline "${port[$server]}" 100 1 1000 >/dev/null
done
for scenario in "pingpong 1" "pingpong 50" "pipeline 1" "pipeline 100"; do
  set -- $scenario
  mode=$1 conns=$2
  for server in $SERVERS; do : >"$work/out.$server"; done
  for _ in $(seq "$RUNS"); do
    for server in $SERVERS; do
      if [ "$mode" = pingpong ]; then "${on_client[@]}" "$work/echo_load" pingpong "${port[$server]}" "$conns" "$SECS" >>"$work/out.$server"
      else "${on_client[@]}" "$work/echo_load" pipeline "${port[$server]}" "$conns" "$SECS" 1000 >>"$work/out.$server"; fi
    done
  done
  for server in $SERVERS; do
    out="$work/out.$server"
    key="$server/$mode/$conns"
    result[$key.msgs]=$(field msgs_per_s <"$out" | median)
    result[$key.runs]=$(field msgs_per_s <"$out" | tr '\n' ' ')
    if [ "$mode" = pingpong ]; then
      result[$key.p50]=$(field p50_us <"$out" | median)
      result[$key.p99]=$(field p99_us <"$out" | median)
    else
      result[$key.mib]=$(field mib_per_s <"$out" | median)
    fi
  done
done
# Memory per idle connection, one server at a time (the others idle meanwhile).
for server in $SERVERS; do
  sleep 0.5
  before=$(rss_kib "${pid[$server]}")
  : >"$work/idle"
  "$work/echo_load" idle "${port[$server]}" "$IDLE_CONNS" 4 >"$work/idle" &
  idle_pid=$!
  for _ in $(seq 300); do grep -q opened "$work/idle" && break; sleep 0.1; done
  sleep 1.5
  after=$(rss_kib "${pid[$server]}")
  wait "$idle_pid" || true
  result[$server/idle]=$(awk -v a="$after" -v b="$before" -v n="$IDLE_CONNS" 'BEGIN {printf "%.2f", (a-b)/n}')
  result[$server/rss]=$after
done

echo "echo benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, median of $RUNS x ${SECS}s, PIN=$PIN, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-12s %-10s %6s %14s %10s %10s %10s\n' server mode conns msg/s p50_us p99_us MiB/s
for server in $SERVERS; do
  for scenario in "pingpong 1" "pingpong 50" "pipeline 1" "pipeline 100"; do
    set -- $scenario
    key="$server/$1/$2"
    printf '%-12s %-10s %6s %14s %10s %10s %10s\n' "$server" "$1" "$2" "${result[$key.msgs]}" \
      "${result[$key.p50]:--}" "${result[$key.p99]:--}" "${result[$key.mib]:--}"
  done
done
echo
printf '%-12s %s\n' server "KiB per idle connection ($IDLE_CONNS open; RSS with them open)"
for server in $SERVERS; do printf '%-12s %s (%s KiB)\n' "$server" "${result[$server/idle]}" "${result[$server/rss]}"; done
if [[ " $SERVERS " == *" c "* ]]; then
  echo
  echo "ratio to c (msg/s): median of the per-round ratios (each server's run against the C server's run of the same round),"
  echo "then the ratio of the medians, then each round's ratio"
  for server in $SERVERS; do
    [ "$server" = c ] && continue
    for scenario in "pingpong 1" "pingpong 50" "pipeline 1" "pipeline 100"; do
      set -- $scenario
      ratios=$(paste -d' ' <(echo "${result[$server/$1/$2.runs]}" | tr ' ' '\n' | grep .) \
        <(echo "${result[c/$1/$2.runs]}" | tr ' ' '\n' | grep .) | awk '{printf "%.4f\n", $1 / $2}')
      awk -v s="$server" -v m="$1 $2" -v p="$(echo "$ratios" | median)" -v a="${result[$server/$1/$2.msgs]}" \
        -v b="${result[c/$1/$2.msgs]}" -v rounds="$(echo "$ratios" | awk '{printf " %.0f%%", 100 * $1}')" \
        'BEGIN {printf "%-12s %-14s %5.0f%%   %5.0f%%   rounds:%s\n", s, m, 100 * p, 100 * a / b, rounds}'
    done
  done
fi
if [ -n "$BASE" ]; then
  echo
  echo "ratio to the base build (msg/s): median of the per-round ratios, then the ratio of the medians, then each round's ratio"
  for pair in sock:sock-base sock-dotnet:sock-dotnet-base; do
    server=${pair%%:*} base=${pair#*:}
    [[ " $SERVERS " == *" $server "* && " $SERVERS " == *" $base "* ]] || continue
    for scenario in "pingpong 1" "pingpong 50" "pipeline 1" "pipeline 100"; do
      set -- $scenario
      ratios=$(paste -d' ' <(echo "${result[$server/$1/$2.runs]}" | tr ' ' '\n' | grep .) \
        <(echo "${result[$base/$1/$2.runs]}" | tr ' ' '\n' | grep .) | awk '{printf "%.4f\n", $1 / $2}')
      awk -v s="$server/$base" -v m="$1 $2" -v p="$(echo "$ratios" | median)" -v a="${result[$server/$1/$2.msgs]}" \
        -v b="${result[$base/$1/$2.msgs]}" -v rounds="$(echo "$ratios" | awk '{printf " %.0f%%", 100 * $1}')" \
        'BEGIN {printf "%-24s %-14s %5.1f%%   %5.1f%%   rounds:%s\n", s, m, 100 * p, 100 * a / b, rounds}'
    done
  done
fi
