#!/usr/bin/env bash
# Pipeline (as in run.sh: CONNS connections x INFLIGHT in flight x SIZE B, against the C epoll echo server) measured by
# what the load generator spends: client CPU time (user + system, perf stat's task-clock) per message, next to msg/s.
# CPU per message moves far less than msg/s on a shared machine, so it shows a client's own cost when the ratio swings.
# Each client runs SECONDS_PER_RUN and SHORT seconds; the difference of the two (CPU over messages) is the marginal cost
# per message, free of start-up (which matters for dotnet). BASELINE=path/to/sock.dll adds another build of sock (for
# example one built from an older commit) to the same interleaved runs. Loopback only; every run bounded in time.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v perf >/dev/null || { echo "needs perf (linux-perf)" >&2; exit 1; }
SECONDS_PER_RUN=${SECONDS_PER_RUN:-4}
SHORT=${SHORT:-1}
. bench/bench/common.sh

echo "building sock (Release) and the C programs..."
dotnet build -c Release src/Sock -o "$OUT/sock" -v quiet -nologo >/dev/null
gcc -O2 -o "$OUT/epoll_echo_server" bench/c/epoll_echo_server.c
gcc -O2 -o "$OUT/pipeline_client" bench/c/pipeline_client.c
p=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$OUT/epoll_echo_server" "$p" 127.0.0.1 & PIDS+=($!)
for _ in $(seq 1 100); do ss -Htln "sport = :$p" | grep -q . && break; sleep 0.05; done

stat_file=$(mktemp); trap 'cleanup; rm -f "$stat_file"' EXIT
# Prints "messages cpu_ms" for one run of the named client.
one() {
  local who=$1 secs=$2 m
  case $who in
    c) m=$(timeout 120 perf stat -x, -e task-clock -o "$stat_file" "$OUT/pipeline_client" 127.0.0.1 "$p" "$CONNS" "$SIZE" "$INFLIGHT" "$secs" \
         | python3 -c 'import json,sys; print(json.load(sys.stdin)["messages"])') ;;
    *) m=$(timeout 120 perf stat -x, -e task-clock -o "$stat_file" dotnet "$who" bench pipeline 127.0.0.1 "$p" -c "$CONNS" -s "$SIZE" --in-flight "$INFLIGHT" -d "${secs}s" --json \
         | python3 -c 'import json,sys; t=json.load(sys.stdin)["totals"]; assert t["mismatches"]==0; print(t["messages"])') ;;
  esac
  echo "$m $(grep task-clock "$stat_file" | cut -d, -f1)"
}
clients=(c "$OUT/sock/sock.dll"); names=("C client" "sock bench")
if [ -n "${BASELINE:-}" ]; then clients+=("$BASELINE"); names+=("baseline"); fi
results=$(mktemp); trap 'cleanup; rm -f "$stat_file" "$results"' EXIT
echo "== pipeline: $CONNS connections, $SIZE B messages, $INFLIGHT in flight each; ${SECONDS_PER_RUN}s and ${SHORT}s runs; client CPU per message =="
for i in $(seq 1 "$RUNS"); do
  for k in "${!clients[@]}"; do
    read -r ml cl < <(one "${clients[$k]}" "$SECONDS_PER_RUN")
    read -r ms cs < <(one "${clients[$k]}" "$SHORT")
    python3 - "$k" "${names[$k]}" "$i" "$ml" "$cl" "$ms" "$cs" "$SECONDS_PER_RUN" >>"$results" <<'PY'
import sys
k, name, i, ml, cl, ms, cs, secs = sys.argv[1], sys.argv[2], sys.argv[3], *map(float, sys.argv[4:])
print(f"{k}\t{name}\t{ml/secs:.0f}\t{(cl-cs)*1e6/(ml-ms):.1f}")
PY
    tail -1 "$results" | awk -F'\t' -v i="$i" '{printf "  %-11s run %s: %.2f M msg/s, %s ns CPU per message\n", $2, i, $3/1e6, $4}'
  done
done
python3 - "$results" <<'PY'
import sys, statistics as st
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
by = {}
for k, name, mps, ns in rows: by.setdefault((int(k), name), []).append((float(mps), float(ns)))
for (k, name), v in sorted(by.items()):
    print(f"  median {name}: {st.median(m for m, _ in v)/1e6:.2f} M msg/s, {st.median(n for _, n in v):.0f} ns CPU per message")
PY
