#!/usr/bin/env bash
# sock stat vs ss and netstat with many established loopback connections.
# Everything happens in a network namespace this script creates and deletes: the connections use that
# namespace's loopback and port range only. Bounded: the holder exits after HOLD_SECS even if this script dies.
#
#   bench/stat/run.sh               # N=20000 connections, 10 runs per command
#   N=5000 RUNS=5 bench/stat/run.sh
set -euo pipefail
N=${N:-20000}
RUNS=${RUNS:-10}
HOLD_SECS=${HOLD_SECS:-300}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-/tmp/sock-bench-stat}
NS=sockbench-stat-$$
mkdir -p "$OUT"

echo "== publishing sock (Release, Native AOT as the linux-x64 tool ships) to $OUT/publish"
dotnet publish "$ROOT/src/Sock" -c Release -r linux-x64 -o "$OUT/publish" -v q >/dev/null
SOCK="$OUT/publish/sock"

HOLDER_PIDS=()
cleanup() {
  exec 3>&- 2>/dev/null || true   # end of input: the holders close their connections and exit
  for p in "${HOLDER_PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -f "$OUT"/holder.*.out
  ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
in_ns() { ip netns exec "$NS" "$@"; }

# The hard limit on open files (ulimit -Hn) may be below 2N, and raising it needs a privilege a container may not
# give: several holder processes share the connections, each holding at most PER_HOLDER of them (both ends).
PER_HOLDER=${PER_HOLDER:-$(( ( $(ulimit -Hn) - 100 ) / 2 ))}
HOLDERS=$(( (N + PER_HOLDER - 1) / PER_HOLDER ))
echo "== opening $N established connections in netns $NS ($HOLDERS holder processes)"
mkfifo "$OUT/holder.in"
HOLDER_PIDS=()
left=$N
for h in $(seq 1 "$HOLDERS"); do
  n=$(( left < PER_HOLDER ? left : PER_HOLDER )); left=$(( left - n ))
  in_ns python3 "$ROOT/bench/stat/hold_connections.py" "$n" "$HOLD_SECS" < "$OUT/holder.in" > "$OUT/holder.$h.out" 2>&1 &
  HOLDER_PIDS+=($!)
done
exec 3>"$OUT/holder.in"
rm -f "$OUT/holder.in"
for _ in $(seq 1 600); do
  [[ $(cat "$OUT"/holder.*.out 2>/dev/null | grep -c ready) -ge $HOLDERS ]] && break; sleep 0.2
done
cat "$OUT"/holder.*.out
echo "sockets in the namespace: $(in_ns ss -tan | tail -n +2 | wc -l) (ss -tan rows)"

# Same rows? A quick sanity check before timing.
a=$(in_ns $SOCK stat -tanH | wc -l); b=$(in_ns ss -tanH | wc -l)
echo "rows: sock stat -tan $a, ss -tan $b"

echo "== timing ($RUNS runs each, output to /dev/null)"
in_ns hyperfine -N --warmup 2 --runs "$RUNS" --export-markdown "$OUT/times.md" --export-json "$OUT/times.json" \
  "$SOCK stat -tan" "ss -tan" \
  "$SOCK stat -tanp" "ss -tanp" "netstat -tanp" \
  "$SOCK stat -s" "ss -s" \
  "$SOCK --version"

echo "== peak RSS (KiB, /usr/bin/time -f %M)"
for cmd in "$SOCK stat -tan" "ss -tan" "$SOCK stat -tanp" "ss -tanp" "netstat -tanp" "$SOCK stat -s" "ss -s"; do
  rss=$(in_ns /usr/bin/time -f %M $cmd 2>&1 >/dev/null | tail -1)
  printf '%-45s %s\n' "$cmd" "$rss"
done | tee "$OUT/rss.txt"
cat "$OUT/times.md"
echo "== medians (wall and CPU = user+system; on a shared machine CPU time is the steadier figure)"
python3 "$ROOT/bench/stat/summarize.py" "$OUT/times.json" | tee "$OUT/summary.txt"
