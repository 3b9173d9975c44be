#!/usr/bin/env bash
# sock bench against the reference tools, same machine, same run, loopback only.
#   1. throughput, one stream: iperf3 -s / iperf3 -c (default settings) vs sock bench --server / sock bench throughput
#   2. pipeline: the C epoll echo server (bench/c/epoll_echo_server.c) driven by the minimal C pipelining client
#      (bench/c/pipeline_client.c) vs by sock bench pipeline, same connections, size and messages in flight
# Each measurement runs SECONDS (default 5) and is repeated RUNS (default 3) times, interleaved; medians and ratios
# are printed. Every process started here is killed by its pid on exit.
# BASE=DIR adds, in each throughput round, the sock build in DIR (DIR/sock.dll: `dotnet build src/Sock -c Release -o DIR`
# of the commit before a change), server and client, beside the current one, and prints the median of the per-round
# ratios current/base (paired rounds: the before/after of a change). THROUGHPUT_ARGS (e.g. "-P 4" or "--reverse") is
# given to both sock clients; iperf3 runs its defaults. THROUGHPUT_ONLY=1 stops after the throughput part.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
. bench/bench/common.sh

. bench/lib.sh # free_port
# Waits until something listens on the port, without connecting (a probe would use up iperf3 -1's one test).
wait_port() { for _ in $(seq 1 200); do ss -Htln "sport = :$1" | grep -q . && return 0; sleep 0.05; done; echo "port $1 never opened" >&2; return 1; }
median() { python3 -c 'import sys,statistics; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }

echo "building sock (Release) and the C programs..."
dotnet build -c Release src/Sock -o "$OUT/sock" -v quiet -nologo >/dev/null
gcc -O2 -o "$OUT/epoll_echo_server" bench/c/epoll_echo_server.c
gcc -O2 -o "$OUT/pipeline_client" bench/c/pipeline_client.c
SOCK=(dotnet "$OUT/sock/sock.dll")

echo "== throughput, one stream, ${SECONDS_PER_RUN}s, loopback =="
IPERF=(); SOCKT=(); BASET=(); RATIOS=()
for i in $(seq 1 "$RUNS"); do
  p=$(free_port); iperf3 -s -1 -B 127.0.0.1 -p "$p" >/dev/null 2>&1 & PIDS+=($!); wait_port "$p"
  g=$(iperf3 -c 127.0.0.1 -p "$p" -t "$SECONDS_PER_RUN" -J | python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9)')
  IPERF+=("$g"); echo "  iperf3      run $i: $g Gbit/s (receiver)"
  p=$(free_port); "${SOCK[@]}" bench --server "$p" -B 127.0.0.1 --once >/dev/null & PIDS+=($!); wait_port "$p"
  g=$("${SOCK[@]}" bench throughput 127.0.0.1 "$p" -d "${SECONDS_PER_RUN}s" ${THROUGHPUT_ARGS:-} --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["receiverGbps"])')
  SOCKT+=("$g"); echo "  sock bench  run $i: $g Gbit/s (receiver)"
  if [ -n "${BASE:-}" ]; then
    p=$(free_port); dotnet "$BASE/sock.dll" bench --server "$p" -B 127.0.0.1 --once >/dev/null & PIDS+=($!); wait_port "$p"
    b=$(dotnet "$BASE/sock.dll" bench throughput 127.0.0.1 "$p" -d "${SECONDS_PER_RUN}s" ${THROUGHPUT_ARGS:-} --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["receiverGbps"])')
    BASET+=("$b"); RATIOS+=("$(python3 -c "print($g/$b)")"); echo "  sock base   run $i: $b Gbit/s (receiver), current/base $(python3 -c "print(round($g/$b,3))")"
  fi
  sleep 0.5
done
mi=$(median "${IPERF[@]}"); ms=$(median "${SOCKT[@]}")
echo "  median: iperf3 $mi Gbit/s, sock bench $ms Gbit/s, ratio $(python3 -c "print(round($ms/$mi,3))") (goal >= 0.9)"
if [ -n "${BASE:-}" ]; then
  echo "  median: sock base $(median "${BASET[@]}") Gbit/s; current/base, median of the per-round ratios: $(python3 -c "print(round($(median "${RATIOS[@]}"),3))") (goal >= 0.97)"
fi

[ "${THROUGHPUT_ONLY:-0}" = 1 ] && exit 0
echo "== pipeline: $CONNS connections, $SIZE B messages, $INFLIGHT in flight each, ${SECONDS_PER_RUN}s, against the C epoll echo server =="
p=$(free_port); "$OUT/epoll_echo_server" "$p" 127.0.0.1 & PIDS+=($!); wait_port "$p"
CC=(); SP=()
for i in $(seq 1 "$RUNS"); do
  m=$("$OUT/pipeline_client" 127.0.0.1 "$p" "$CONNS" "$SIZE" "$INFLIGHT" "$SECONDS_PER_RUN" | python3 -c 'import json,sys; print(json.load(sys.stdin)["messagesPerSecond"])')
  CC+=("$m"); echo "  C client    run $i: $m msg/s"
  m=$("${SOCK[@]}" bench pipeline 127.0.0.1 "$p" -c "$CONNS" -s "$SIZE" --in-flight "$INFLIGHT" -d "${SECONDS_PER_RUN}s" --json | python3 -c 'import json,sys; r=json.load(sys.stdin); assert r["totals"]["mismatches"]==0; print(r["totals"]["messagesPerSecond"])')
  SP+=("$m"); echo "  sock bench  run $i: $m msg/s"
done
mc=$(median "${CC[@]}"); msp=$(median "${SP[@]}")
echo "  median: C client $mc msg/s, sock bench $msp msg/s, ratio $(python3 -c "print(round($msp/$mc,3))") (goal >= 1.0)"
