#!/usr/bin/env bash
# HTTP benchmark, TechEmpower style: plaintext (GET /plaintext, "Hello, World!") and JSON (GET /json,
# {"message":"Hello, World!"}) on one minimal ASP.NET Core app (bench/http/app), Kestrel over Sock.AspNetCore ("sock")
# against Kestrel's default socket transport ("sockets"): the same binary, the transport chosen by an argument.
# Load: wrk, CONNS connections (256) on 2 threads, keep-alive, no pipelining, SECS seconds per run after 2 s of warm-up.
# Both servers run for the whole benchmark, each on its own port; each round runs every test against both, in an order
# that alternates round by round (interleaved, paired rounds), so the ratio of a round compares runs seconds apart.
# Prints each run, then per test the median requests/s and p99 latency of each transport and the median of the per-round
# ratios sock/sockets. Loopback only; every process it starts is stopped at the end.
# Usage: bench/http/run.sh   (RUNS=5 SECS=5 CONNS=256 by default; PIN=1 pins each server to CPU 0 and wrk to CPU 1)
# SERVERS="sock sockets sock-dotnet sock-2 sock-inline" adds sock on .NET's socket engine (--io-threads 0), on two epoll
# threads, and with Kestrel run on the epoll thread itself (HandlerOnThreadPool off); sock-nospin and sock-2-nospin are
# sock and sock-2 with the epoll threads' spin after an event off (IoSpin 0: the CPU left to Kestrel's thread-pool work);
# every server other than "sockets" is compared with it.
# Wrap it in `flock /tmp/sock-bench.lock` when others may benchmark on the machine.
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${RUNS:-5}
SECS=${SECS:-5}
CONNS=${CONNS:-256}
PIN=${PIN:-0}
SERVERS=${SERVERS:-"sock sockets"}
on_server=() on_client=()
if [ "$PIN" = 1 ]; then on_server=(taskset -c 0) on_client=(taskset -c 1); fi
command -v wrk >/dev/null || { echo "run.sh: wrk is needed (apt-get install wrk)" >&2; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || true

dotnet build app -c Release -o "$work/app" -nologo -clp:ErrorsOnly >/dev/null
. ../lib.sh # free_port

declare -A port
for t in $SERVERS; do
  port[$t]=$(free_port)
  case $t in
    sock) args=(--transport sock) ;;
    sockets) args=(--transport sockets) ;;
    sock-dotnet) args=(--transport sock --io-threads 0) ;;
    sock-2) args=(--transport sock --io-threads 2) ;;
    sock-inline) args=(--transport sock --inline) ;;
    sock-nospin) args=(--transport sock --io-spin-us 0) ;;
    sock-2-nospin) args=(--transport sock --io-threads 2 --io-spin-us 0) ;;
    *) echo "run.sh: unknown server $t" >&2; exit 2 ;;
  esac
  "${on_server[@]}" dotnet "$work/app/BenchHttp.dll" "${args[@]}" --urls "http://127.0.0.1:${port[$t]}" >"$work/$t.log" 2>&1 &
  pids+=($!)
done
for t in $SERVERS; do
  for _ in $(seq 1 100); do grep -q "listening on" "$work/$t.log" && break; sleep 0.1; done
  grep -q "listening on" "$work/$t.log" || { echo "run.sh: the $t server did not start:" >&2; cat "$work/$t.log" >&2; exit 1; }
done

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; $(date -u +%FT%TZ)"
echo "round test transport requests/s p99_ms"
for round in $(seq 1 "$RUNS"); do
  if [ $((round % 2)) = 1 ]; then order="$SERVERS"; else order=$(tr ' ' '\n' <<<"$SERVERS" | tac | tr '\n' ' '); fi
  for test in plaintext json; do
    for t in $order; do
      url="http://127.0.0.1:${port[$t]}/$test"
      "${on_client[@]}" wrk -t2 -c"$CONNS" -d2s "$url" >/dev/null
      out=$("${on_client[@]}" wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$url")
      rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
      p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; print v}' <<<"$out")
      errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')
      echo "$round $test $t $rps $p99 $errors" | tee -a "$work/results"
    done
  done
done

python3 - "$work/results" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
by = {}
for r in rows:
    by.setdefault((r[1], r[2]), {})[int(r[0])] = (float(r[3]), float(r[4]))
print()
print(f"{'test':<10} {'server':<12} {'req/s':>10} {'sockets req/s':>14} {'ratio':>7} {'p99 ms':>8} {'sockets p99':>12} {'p99 ratio':>10}")
servers = sorted({r[2] for r in rows} - {"sockets"})
for test in ("plaintext", "json"):
    k = by[(test, "sockets")]
    for name in servers:
        s = by[(test, name)]
        rounds = sorted(set(s) & set(k))
        rps = statistics.median(s[i][0] / k[i][0] for i in rounds)
        p99 = statistics.median(s[i][1] / k[i][1] for i in rounds)
        print(f"{test:<10} {name:<12} {statistics.median(v[0] for v in s.values()):>10.0f} {statistics.median(v[0] for v in k.values()):>14.0f} "
              f"{rps:>7.3f} {statistics.median(v[1] for v in s.values()):>8.2f} {statistics.median(v[1] for v in k.values()):>12.2f} {p99:>10.3f}"
              f"   rounds: {' '.join(f'{s[i][0]/k[i][0]:.2f}' for i in rounds)}")
print("goal: req/s ratio >= 1.0 and p99 ratio <= 1.0 (sock against Kestrel's default transport, 256 connections)")
PY
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
