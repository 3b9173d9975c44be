#!/usr/bin/env bash
# CPU per proxied SOCKS5 session (handshake + 1 KiB echo + close): the proxy's utime+stime from /proc/PID/stat across
# a SECS-second `socks_load rate PP TP 8 SECS`. Less dependent on the machine's load than a rate.
# Usage: bench/proxy/cpu.sh sock|microsocks [RUNS]   (SOCK=path to the sock executable, default artifacts/aot/sock;
#        SOCKENV="VAR=value …" runs sock with those variables; SOCKARGS="…" adds proxy options; SECS=3)
# Loopback only; bounded. Run under flock /tmp/sock-bench.lock when others benchmark on the machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
SOCK=${SOCK:-$root/artifacts/aot/sock}
SECS=${SECS:-3}
tool=${1:-sock}
runs=${2:-1}
work=$(mktemp -d /tmp/sock-proxy-cpu.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
cc -O2 -pthread -o "$work/socks_load" "$here/socks_load.c"
cc -O2 -o "$work/echo" "$root/bench/c/epoll_echo_server.c"
. "$root/bench/lib.sh" # free_port, tw_drain
hz=$(getconf CLK_TCK)
for _ in $(seq "$runs"); do
  tw_drain 60
  pp=$(free_port); tp=$(free_port)
  case $tool in
    sock) env ${SOCKENV:-} "$SOCK" proxy ${SOCKARGS:-} 127.0.0.1:"$pp" >/dev/null 2>&1 & ;;
    microsocks) microsocks -i 127.0.0.1 -p "$pp" >/dev/null 2>&1 & ;;
    *) echo "cpu.sh: unknown tool $tool" >&2; exit 2 ;;
  esac
  proxy=$!
  "$work/echo" "$tp" >/dev/null 2>&1 & echo=$!
  for _ in $(seq 100); do ss -Hltn "sport = :$pp" | grep -q . && ss -Hltn "sport = :$tp" | grep -q . && break; sleep 0.05; done
  "$work/socks_load" rate "$pp" "$tp" 1 1 >/dev/null 2>&1 # warm-up
  read -r u0 s0 < <(awk '{print $14, $15}' /proc/$proxy/stat)
  n=$("$work/socks_load" rate "$pp" "$tp" 8 "$SECS" 2>/dev/null)
  read -r u1 s1 < <(awk '{print $14, $15}' /proc/$proxy/stat)
  kill "$proxy" "$echo"; wait "$proxy" "$echo" 2>/dev/null || true
  awk -v n="$n" -v secs="$SECS" -v u=$((u1-u0)) -v s=$((s1-s0)) -v hz="$hz" -v t="$tool" -v e="${SOCKENV:-}${SOCKARGS:+ $SOCKARGS}" \
    'BEGIN{k=n*secs; printf "%s%s: %d sessions/s, %.0f µs CPU per session (user %.0f, sys %.0f)\n", t, (e==""?"":" ["e"]"), n, (u+s)/hz/k*1e6, u/hz/k*1e6, s/hz/k*1e6}'
done
