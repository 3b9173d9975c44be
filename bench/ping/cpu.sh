#!/usr/bin/env bash
# CPU per reply of a flood, which holds under load where replies/s does not: `perf stat -e task-clock` of
# `-f -q -c N 127.0.0.1` for iputils ping, a base sock (BASE) and the sock under test (SOCK), interleaved, ROUNDS times,
# in a namespace of its own (deleted on exit); start-up is included. Needs root and perf.
# Usage: BASE=path/to/old/sock SOCK=path/to/sock [N=300000] [ROUNDS=5] bench/ping/cpu.sh (wrap it in flock /tmp/sock-bench.lock)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${N:-300000}; rounds=${ROUNDS:-5}
base=${BASE:?BASE=path/to/the sock to compare with}; sock=${SOCK:-artifacts/aot/sock}
ns=sock-bench-cpu-$$; out=$(mktemp)
ip netns add "$ns"; ip -n "$ns" link set lo up
trap 'ip netns del "$ns"; rm -f "$out"' EXIT
echo "load $(cut -d' ' -f1-3 /proc/loadavg) $(date -u +%FT%TZ)"
for r in $(seq "$rounds"); do
  line="round $r:"
  for t in ping base sock; do
    case $t in ping) cmd=(ping);; base) cmd=("$base" ping);; sock) cmd=("$sock" ping);; esac
    ms=$(ip netns exec "$ns" perf stat -x, -e task-clock "${cmd[@]}" -f -q -c "$n" 127.0.0.1 2>&1 >"$out" | grep task-clock | cut -d, -f1)
    rec=$(sed -nE 's/.* transmitted, ([0-9]+) received.*/\1/p' "$out")
    line="$line $t $(printf '%.3f' "$(echo "$ms * 1000 / $rec" | bc -l)") us/reply;"
  done
  echo "$line"
done
