#!/usr/bin/env bash
# Proxy benchmarks: sock proxy against dante-server (danted) and microsocks, all as SOCKS5 servers on 127.0.0.1.
#   bulk  SIZE_MIB (default 1024) through the proxy to a socat sink, handshake included (socks_load bulk)
#   rate  SOCKS5 handshake + 1 KiB request/response + close, 8 client threads for SECS seconds, to a C epoll echo server
#   idle  IDLE (default 2000) idle proxied sessions; RSS of the proxy (all its processes) per session pair
# Usage: bench/proxy/run.sh [bulk|rate|idle|all]   (RUNS=3 SIZE_MIB=1024 SECS=5 IDLE=2000; SOCK_EXE=artifacts/aot/sock)
# The tools run interleaved, round by round; medians and sock's ratio to the better of the others are printed.
# Loopback only; every run is bounded. Run under flock /tmp/sock-bench.lock when others benchmark on the machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
RUNS=${RUNS:-3}
SIZE_MIB=${SIZE_MIB:-1024}
SECS=${SECS:-5}
IDLE=${IDLE:-2000}
what=${1:-all}
work=$(mktemp -d /tmp/sock-proxy-bench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

# SOCK_EXE= runs that executable (the Native AOT build, what ships) instead of building and running the JIT one.
if [ -n "${SOCK_EXE:-}" ]; then
  SOCK=("$SOCK_EXE")
else
  dotnet build "$root/src/Sock" -c Release -nologo -v q >/dev/null
  SOCK=(dotnet exec "$root/src/Sock/bin/Release/net10.0/sock.dll")
fi
cc -O2 -pthread -o "$work/socks_load" "$here/socks_load.c"
cc -O2 -o "$work/echo" "$root/bench/c/epoll_echo_server.c"

. "$root/bench/lib.sh" # free_port, tw_drain, danted_conf, tree_pids
wait_listen() { for _ in $(seq 200); do ss -Hltn "sport = :$1" | grep -q . && return 0; sleep 0.05; done; echo "nothing listens on $1" >&2; return 1; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
tree_rss_kib() { # RSS of $1 and every descendant, KiB
  local p
  for p in $(tree_pids "$1"); do awk '/VmRSS/ {print $2}' /proc/$p/status 2>/dev/null || true; done | awk '{s+=$1} END {print s+0}'
}

start_proxy() { # $1 = tool, $2 = port; echoes the pid
  case $1 in
    sock) ( ulimit -n "$(ulimit -Hn)"; exec "${SOCK[@]}" proxy 127.0.0.1:"$2" ) >/dev/null 2>&1 & ;;
    # The same build with the copying relay: the relay as it was before splice(2), in the same rounds.
    copy) ( ulimit -n "$(ulimit -Hn)"; exec "${SOCK[@]}" proxy --no-splice 127.0.0.1:"$2" ) >/dev/null 2>&1 & ;;
    danted)
      danted_conf "$2" > "$work/danted.conf"
      ( ulimit -n "$(ulimit -Hn)"; exec danted -f "$work/danted.conf" -p "$work/danted.pid" ) >/dev/null 2>&1 & ;;
    microsocks) ( ulimit -n "$(ulimit -Hn)"; exec microsocks -i 127.0.0.1 -p "$2" ) >/dev/null 2>&1 & ;;
  esac
  local pid=$!
  wait_listen "$2"
  echo "$pid"
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

bulk_once() { # $1 = tool; prints MiB/s
  local pp tp; pp=$(free_port); tp=$(free_port)
  local proxy; proxy=$(start_proxy "$1" "$pp")
  # socat's default 8 KiB reads held every proxy to ~450-500 MiB/s (the sink, not the proxy, was measured): 256 KiB.
  socat -b 262144 -u TCP4-LISTEN:"$tp",bind=127.0.0.1,reuseaddr - >/dev/null & local sink=$!
  wait_listen "$tp"
  local out; out=$(timeout 600 "$work/socks_load" bulk "$pp" "$tp" "$SIZE_MIB")
  stop "$sink"; stop "$proxy"
  echo "$out" | awk '{print $2}'
}

rate_once() { # $1 = tool; prints sessions/s
  # Each session leaves two sockets in TIME_WAIT (client and proxy legs): wait for the last round's to drain.
  tw_drain 90 5000
  local pp tp; pp=$(free_port); tp=$(free_port)
  local proxy; proxy=$(start_proxy "$1" "$pp")
  "$work/echo" "$tp" & local echo=$!
  wait_listen "$tp"
  timeout 120 "$work/socks_load" rate "$pp" "$tp" 1 1 >/dev/null 2>&1 || true # warm-up (the JIT, danted's children)
  local out; out=$(timeout 120 "$work/socks_load" rate "$pp" "$tp" 8 "$SECS" 2>/dev/null)
  stop "$echo"; stop "$proxy"
  echo "$out"
}

idle_once() { # $1 = tool; prints KiB per session pair (RSS with IDLE sessions minus RSS before, / IDLE)
  local pp tp; pp=$(free_port); tp=$(free_port)
  local proxy; proxy=$(start_proxy "$1" "$pp")
  ( ulimit -n "$(ulimit -Hn)"; exec "$work/echo" "$tp" ) & local echo=$!
  wait_listen "$tp"
  timeout 60 "$work/socks_load" rate "$pp" "$tp" 1 1 >/dev/null 2>&1 || true
  sleep 1
  local before; before=$(tree_rss_kib "$proxy")
  local fifo="$work/idle.fifo"; rm -f "$fifo"; mkfifo "$fifo"
  exec 8<>"$fifo"
  ( ulimit -n "$(ulimit -Hn)"; exec timeout 300 "$work/socks_load" idle "$pp" "$tp" "$IDLE" <&8 ) > "$work/idle.out" 2>&1 & local cli=$!
  for _ in $(seq 1200); do grep -q READY "$work/idle.out" 2>/dev/null && break; sleep 0.1; done
  grep -q READY "$work/idle.out" || { echo "$1: idle sessions failed: $(cat "$work/idle.out")" >&2; }
  sleep 2
  local after; after=$(tree_rss_kib "$proxy")
  echo go >&8; wait "$cli" 2>/dev/null || true; exec 8>&-
  stop "$echo"; stop "$proxy"
  echo "$1: RSS $before KiB before, $after KiB with $IDLE sessions" >&2
  awk -v a="$after" -v b="$before" -v n="$IDLE" 'BEGIN {printf "%.2f\n", (a-b)/n}'
}

measure() { # $1 = *_once, $2 = unit, $3 = higher|lower is better
  local once=$1 unit=$2 better=$3
  local tools=(sock ${COPY:+copy} danted microsocks)
  declare -A v=()
  for _ in $(seq "$RUNS"); do
    for tool in "${tools[@]}"; do v[$tool]+="$($once "$tool") "; done
  done
  declare -A med=()
  for tool in "${tools[@]}"; do
    med[$tool]=$(printf '%s\n' ${v[$tool]} | median)
    echo "$tool: ${v[$tool]}; median ${med[$tool]} $unit"
  done
  if [ "$better" = higher ]; then
    awk -v s="${med[sock]}" -v d="${med[danted]}" -v m="${med[microsocks]}" 'BEGIN {b = d > m ? d : m; printf "sock / the better of danted and microsocks: %.2fx\n", s/b}'
  else
    awk -v s="${med[sock]}" -v d="${med[danted]}" -v m="${med[microsocks]}" 'BEGIN {b = d < m ? d : m; printf "sock / the better (smaller) of danted and microsocks: %.2fx\n", s/b}'
  fi
}

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), RUNS=$RUNS"
case $what in bulk|all) echo "== bulk: $SIZE_MIB MiB through each SOCKS5 proxy to a socat sink (MiB/s, higher is better)"; measure bulk_once MiB/s higher ;; esac
case $what in rate|all) echo "== rate: SOCKS5 handshake + 1 KiB echo + close, 8 threads, ${SECS}s (sessions/s, higher is better)"; measure rate_once sessions/s higher ;; esac
case $what in idle|all) echo "== idle: $IDLE idle sessions (KiB per client+destination pair, lower is better)"; measure idle_once KiB lower ;; esac
