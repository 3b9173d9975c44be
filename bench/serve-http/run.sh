#!/usr/bin/env bash
# `sock serve http` against `python3 -m http.server` and nginx (Debian's nginx-light, one worker, from a generated
# configuration), the three serving one directory with a 1 MiB file, each on its own loopback port for the whole run.
# Load: wrk, CONNS (64) keep-alive connections on 2 threads, SECS seconds per run after 1 s of warm-up, GET of the 1 MiB
# file. Each round loads every server once, in an order that alternates round by round (interleaved, paired rounds);
# the summary is the median of the per-round ratios of sock's requests/s to each peer's. sock is the Native AOT build.
# Goals (issue 18): >= 5x python, >= 0.7x nginx. A fourth server, the same nginx with `sendfile on` (the file goes from
# the page cache to the socket without a copy through user space), is the ceiling reference: what this machine and wrk
# reach at all for this file. Loopback only; every process started is stopped at the end.
# Usage: bench/serve-http/run.sh   (RUNS=5 SECS=5 CONNS=64; SOCK=path/to/sock takes that build instead of publishing one).
# Wrap it in `flock /tmp/sock-bench.lock`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
RUNS=${RUNS:-5}
SECS=${SECS:-5}
CONNS=${CONNS:-64}
for tool in wrk nginx python3; do command -v "$tool" >/dev/null || { echo "run.sh: $tool is needed" >&2; exit 1; }; done
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || true

if [ -n "${SOCK:-}" ]; then mkdir -p "$work/sock" && cp "$SOCK" "$work/sock/sock"
else dotnet publish "$root/src/Sock" -c Release -r linux-x64 -o "$work/sock" -nologo -clp:ErrorsOnly >/dev/null; fi
mkdir -p "$work/site"
head -c $((1 << 20)) /dev/urandom > "$work/site/1m.bin"
. "$root/bench/lib.sh" # free_port
declare -A port
for t in sock python nginx sendfile; do port[$t]=$(free_port); done

"$work/sock/sock" serve http "$work/site" --bind 127.0.0.1 --port "${port[sock]}" 2>"$work/sock.log" &
pids+=($!)
(cd "$work/site" && exec python3 -m http.server "${port[python]}" --bind 127.0.0.1) >"$work/python.log" 2>&1 &
pids+=($!)
mkdir -p "$work/nginx"
cat > "$work/nginx/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    default_type application/octet-stream;
    keepalive_requests 1000000;
    server { listen 127.0.0.1:${port[nginx]}; root $work/site; }
    server { listen 127.0.0.1:${port[sendfile]}; root $work/site; sendfile on; tcp_nopush on; }
}
CONF
nginx -p "$work/nginx" -e "$work/nginx/error.log" -c "$work/nginx/nginx.conf" &
pids+=($!)
for t in sock python nginx sendfile; do
  for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:${port[$t]}/1m.bin" && break; sleep 0.1; done
  curl -sf -o /dev/null "http://127.0.0.1:${port[$t]}/1m.bin" || { echo "run.sh: $t did not start" >&2; cat "$work/$t.log" >&2 || true; exit 1; }
done

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; $(date -u +%FT%TZ)"
echo "round server requests/s MiB/s p99_ms errors"
servers="sock python nginx sendfile"
for round in $(seq 1 "$RUNS"); do
  if [ $((round % 2)) = 1 ]; then order="$servers"; else order="sendfile nginx python sock"; fi
  for t in $order; do
    url="http://127.0.0.1:${port[$t]}/1m.bin"
    wrk -t2 -c"$CONNS" -d1s "$url" >/dev/null
    out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$url")
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    mib=$(awk '/^Transfer\/sec:/ {v=$2; if (v ~ /GB$/) {sub(/GB$/,"",v); v=v*1024} else if (v ~ /MB$/) {sub(/MB$/,"",v)} else if (v ~ /KB$/) {sub(/KB$/,"",v); v=v/1024}; print v}' <<<"$out")
    p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; print v}' <<<"$out")
    errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')
    echo "$round $t $rps $mib $p99 ${errors:-none}" | tee -a "$work/results"
  done
done

python3 - "$work/results" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
by = {}
for r in rows:
    by.setdefault(r[1], {})[int(r[0])] = float(r[2])
s = by["sock"]
print()
for peer, goal in (("python", 5.0), ("nginx", 0.7)):
    p = by[peer]
    rounds = sorted(set(s) & set(p))
    ratios = [s[i] / p[i] for i in rounds]
    m = statistics.median(ratios)
    print(f"sock {statistics.median(s.values()):.0f} req/s, {peer} {statistics.median(p.values()):.0f} req/s: median ratio {m:.2f} "
          f"(rounds {' '.join(f'{x:.2f}' for x in ratios)}); goal >= {goal}x: {'met' if m >= goal else 'NOT met'}")
c, p = by["sendfile"], by["python"]
rounds = sorted(set(c) & set(p))
print(f"ceiling: nginx with sendfile {statistics.median(c.values()):.0f} req/s = {statistics.median([c[i] / p[i] for i in rounds]):.2f}x python "
      f"(a server that could reach 5x python would have to be {5 / statistics.median([c[i] / p[i] for i in rounds]):.2f}x this)")
PY
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
