#!/usr/bin/env bash
# sock bench http against wrk (Debian's wrk 4.1, -t2), same server, same run, loopback only: nginx (Debian's nginx-light)
# started here with a generated configuration, one worker, serving a small file (index.html, 612 bytes as nginx's own
# welcome page) with keep-alive; each client runs SECONDS_PER_RUN (default 5) with CONNS (default 64) connections,
# RUNS (default 3) rounds interleaved: wrk, sock bench http (its own HTTP/1.1 writer and reader), and with
# DOTNET_CLIENT=1 (default) sock bench http --dotnet-client (.NET's HttpClient, the road not taken). Prints each
# round's requests/s, the medians and the ratio sock/wrk of the medians (the issue's goal: >= 0.9).
# SOCK="command" runs that sock (e.g. the Native AOT build, artifacts/aot/sock, or "dotnet path/sock.dll") instead of
# building the JIT one.
# Every process started here is killed by its pid on exit. Run under flock /tmp/sock-bench.lock.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}
CONNS=${CONNS:-64}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
DOTNET_CLIENT=${DOTNET_CLIENT:-1}
OUT=${OUT:-bench/out/http-client}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

. bench/lib.sh # free_port
wait_port() { for _ in $(seq 1 200); do ss -Htln "sport = :$1" | grep -q . && return 0; sleep 0.05; done; echo "port $1 never opened" >&2; return 1; }
median() { python3 -c 'import sys,statistics; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }

if [ -n "${SOCK:-}" ]; then
  read -r -a SOCKCMD <<< "$SOCK"
else
  echo "building sock (Release)..."
  dotnet build -c Release src/Sock -o "$OUT/sock" -v quiet -nologo >/dev/null
  SOCKCMD=(dotnet "$OUT/sock/sock.dll")
fi

# The server: one nginx worker, no access log, keep-alive without a request limit, the welcome page's size.
www="$OUT/www"; mkdir -p "$www" "$OUT/nginx"
python3 -c 'import sys; sys.stdout.write("<!DOCTYPE html>\n" + "<p>" + "x" * 590 + "</p>\n")' > "$www/index.html"
port=$(free_port)
cat > "$OUT/nginx/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $OUT/nginx/nginx.pid;
error_log $OUT/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $OUT/nginx/body;
    proxy_temp_path $OUT/nginx/proxy;
    fastcgi_temp_path $OUT/nginx/fastcgi;
    uwsgi_temp_path $OUT/nginx/uwsgi;
    scgi_temp_path $OUT/nginx/scgi;
    types { text/html html; }
    keepalive_requests 10000000;
    server { listen 127.0.0.1:$port backlog=4096; root $www; }
}
CONF
nginx -p "$OUT/nginx" -e "$OUT/nginx/error.log" -c "$OUT/nginx/nginx.conf" & PIDS+=($!)
wait_port "$port"
url="http://127.0.0.1:$port/index.html"
curl -sf "$url" -o /dev/null

echo "== $url ($(stat -c %s "$www/index.html") bytes), $CONNS connections, ${SECONDS_PER_RUN}s per run, $RUNS rounds; load average $(cut -d' ' -f1-3 /proc/loadavg) =="
W=(); S=(); D=()
for i in $(seq 1 "$RUNS"); do
  w=$(wrk -t2 -c"$CONNS" -d"${SECONDS_PER_RUN}s" "$url" | awk '/^Requests\/sec:/ {print $2}')
  W+=("$w"); echo "  wrk -t2                       round $i: $w requests/s"
  s=$("${SOCKCMD[@]}" bench http "$url" -c "$CONNS" -d "${SECONDS_PER_RUN}s" --json \
      | python3 -c 'import json,sys; r=json.load(sys.stdin); h=r["http"]; assert h["requests"]==sum(h["statuses"].values())+sum(h["errors"].values()); print(r["totals"]["messagesPerSecond"])')
  S+=("$s"); echo "  sock bench http               round $i: $s requests/s"
  if [ "$DOTNET_CLIENT" = 1 ]; then
    d=$("${SOCKCMD[@]}" bench http "$url" -c "$CONNS" -d "${SECONDS_PER_RUN}s" --dotnet-client --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["messagesPerSecond"])')
    D+=("$d"); echo "  sock bench http --dotnet-client round $i: $d requests/s"
  fi
done
mw=$(median "${W[@]}"); ms=$(median "${S[@]}")
echo "  median: wrk $mw, sock bench http $ms requests/s; sock/wrk $(python3 -c "print(round($ms/$mw,3))") (goal >= 0.9)"
if [ "$DOTNET_CLIENT" = 1 ]; then
  md=$(median "${D[@]}")
  echo "  median: sock bench http --dotnet-client $md requests/s; HttpClient/sock's own $(python3 -c "print(round($md/$ms,3))")"
fi
