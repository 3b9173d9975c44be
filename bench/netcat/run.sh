#!/usr/bin/env bash
# Netcat benchmarks: bulk throughput (sock vs ncat vs socat), the same over TLS (sock --ssl vs ncat --ssl), idle
# connections' memory, broker lines/s.
# Loopback only; every run is bounded. Usage: bench/netcat/run.sh [bulk|tls|idle|broker|all]  (SIZE_MIB=1024 RUNS=3 IDLE=10000)
# The tools run interleaved, round by round. BASE=DIR adds sock-base, the sock build in DIR (DIR/sock.dll, e.g. `dotnet
# build src/Sock -c Release -o DIR` in a git worktree of the commit before a change), to bulk, tls and idle, and prints
# sock's ratio to it (paired rounds, median): the before/after comparison of a change.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
SIZE_MIB=${SIZE_MIB:-1024}
RUNS=${RUNS:-3}
IDLE=${IDLE:-10000}
what=${1:-all}
BASE=${BASE:-}
if [ -n "$BASE" ]; then
  [ -e "$BASE/sock.dll" ] || { echo "run.sh: no sock.dll in BASE=$BASE" >&2; exit 2; }
  SOCK_BASE=(dotnet exec "$BASE/sock.dll")
fi

dotnet build "$root/src/Sock" -c Release -nologo -v q >/dev/null
SOCK=(dotnet exec "$root/src/Sock/bin/Release/net10.0/sock.dll")

. "$root/bench/lib.sh" # free_port
wait_listen() { for _ in $(seq 100); do ss -Hltn "sport = :$1" | grep -q . && return 0; sleep 0.05; done; echo "nothing listens on $1" >&2; return 1; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

bulk_once() { # $1 = sock|ncat|socat; prints seconds
  local port; port=$(free_port)
  case $1 in
    sock)  "${SOCK[@]}" listen 127.0.0.1 "$port" >/dev/null </dev/null & ;;
    sock-base) "${SOCK_BASE[@]}" listen 127.0.0.1 "$port" >/dev/null </dev/null & ;;
    ncat)  ncat -l 127.0.0.1 "$port" >/dev/null </dev/null & ;;
    socat) socat -u TCP4-LISTEN:"$port",bind=127.0.0.1,reuseaddr - >/dev/null & ;;
  esac
  local srv=$!
  wait_listen "$port"
  local t0 t1
  t0=$(date +%s.%N)
  case $1 in
    sock)  head -c "${SIZE_MIB}M" /dev/zero | "${SOCK[@]}" connect 127.0.0.1 "$port" >/dev/null ;;
    sock-base) head -c "${SIZE_MIB}M" /dev/zero | "${SOCK_BASE[@]}" connect 127.0.0.1 "$port" >/dev/null ;;
    ncat)  head -c "${SIZE_MIB}M" /dev/zero | ncat 127.0.0.1 "$port" >/dev/null ;;
    socat) head -c "${SIZE_MIB}M" /dev/zero | socat -u - TCP4:127.0.0.1:"$port" ;;
  esac
  wait "$srv" 2>/dev/null || true
  t1=$(date +%s.%N)
  echo "$t0 $t1" | awk '{printf "%.3f\n", $2-$1}'
}

# Runs $1 (a *_once function) RUNS rounds, each tool that follows once a round (interleaved, so a busy moment of the
# machine falls on all of them), and prints each tool's runs and median; with BASE, sock-base joins and sock's ratio to
# it (the median of the rounds' ratios, as a speed: base time / sock time) is printed.
measure() {
  local once=$1; shift
  local tools=("$@")
  [ -n "$BASE" ] && tools+=(sock-base)
  declare -A times=()
  for _ in $(seq "$RUNS"); do
    for tool in "${tools[@]}"; do times[$tool]+="$($once "$tool") "; done
  done
  for tool in "${tools[@]}"; do
    local med; med=$(printf '%s\n' ${times[$tool]} | median)
    echo "$tool: runs ${times[$tool]}s; median $med s = $(awk -v m="$SIZE_MIB" -v t="$med" 'BEGIN {printf "%.0f MiB/s", m/t}')"
  done
  if [ -n "$BASE" ]; then
    local ratios; ratios=$(paste <(printf '%s\n' ${times[sock-base]}) <(printf '%s\n' ${times[sock]}) | awk '{printf "%.3f\n", $1/$2}')
    echo "sock/sock-base speed, paired rounds: $(echo $ratios) ; median $(printf '%s\n' $ratios | median)"
  fi
}

bulk() {
  echo "== bulk: ${SIZE_MIB} MiB of /dev/zero through client -> server > /dev/null on 127.0.0.1, $RUNS runs each, wall time incl. start-up"
  measure bulk_once sock ncat socat
}

tls_once() { # $1 = sock|ncat, both ends the same tool; prints seconds
  local port; port=$(free_port)
  # The server's stdin stays open (a FIFO nobody writes): at its end either server would close the session, and
  # ncat's client stops at the server's close_notify. The server exits when the client has closed.
  local fifo; fifo=$(mktemp -u); mkfifo "$fifo"
  exec 9<>"$fifo"
  case $1 in
    sock) "${SOCK[@]}" listen --ssl 127.0.0.1 "$port" <&9 >/dev/null & ;;
    sock-base) "${SOCK_BASE[@]}" listen --ssl 127.0.0.1 "$port" <&9 >/dev/null & ;;
    ncat) ncat --ssl -l 127.0.0.1 "$port" <&9 >/dev/null & ;;
  esac
  local srv=$!
  wait_listen "$port"
  local t0 t1
  t0=$(date +%s.%N)
  case $1 in
    sock) head -c "${SIZE_MIB}M" /dev/zero | "${SOCK[@]}" connect --ssl 127.0.0.1 "$port" >/dev/null ;;
    sock-base) head -c "${SIZE_MIB}M" /dev/zero | "${SOCK_BASE[@]}" connect --ssl 127.0.0.1 "$port" >/dev/null ;;
    ncat) head -c "${SIZE_MIB}M" /dev/zero | ncat --ssl 127.0.0.1 "$port" >/dev/null ;;
  esac
  wait "$srv" 2>/dev/null || true
  t1=$(date +%s.%N)
  exec 9>&-; rm -f "$fifo"
  echo "$t0 $t1" | awk '{printf "%.3f\n", $2-$1}'
}

tls() {
  echo "== tls: ${SIZE_MIB} MiB of /dev/zero through a TLS client -> TLS server > /dev/null on 127.0.0.1 (each tool at both ends), $RUNS runs each, wall time incl. start-up and handshake"
  measure tls_once sock ncat
}

idle_once() { # $1 = sock|sock-base; prints the RSS per connection in bytes (baseline included)
  local cmd=("${SOCK[@]}"); [ "$1" = sock-base ] && cmd=("${SOCK_BASE[@]}")
  local port; port=$(free_port)
  local fifo; fifo=$(mktemp -u); mkfifo "$fifo"
  exec 7<>"$fifo"
  ( ulimit -n 20000; exec "${cmd[@]}" listen -k -m 20000 127.0.0.1 "$port" <&7 >/dev/null ) &
  local srv=$!
  wait_listen "$port"
  local out; out=$(mktemp)
  local cfifo; cfifo=$(mktemp -u); mkfifo "$cfifo"
  exec 8<>"$cfifo"
  ( ulimit -n 20000; exec python3 "$here/clients.py" idle "$port" "$IDLE" <&8 ) > "$out" &
  local cli=$!
  for _ in $(seq 600); do grep -q READY "$out" 2>/dev/null && break; sleep 0.1; done
  sleep 2
  local rss; rss=$(awk '/VmRSS/ {print $2}' /proc/$srv/status)
  echo "$1: connections established: $(ss -Htn state established "sport = :$port" | wc -l), RSS $((rss / 1024)) MiB" >&2
  echo "hello" >&7
  echo go >&8
  wait "$cli" || true
  grep SERVED "$out" >&2 || true
  kill "$srv" 2>/dev/null || true; wait "$srv" 2>/dev/null || true
  exec 7>&- 8>&-; rm -f "$fifo" "$cfifo" "$out"
  echo $((rss * 1024 / IDLE))
}

idle() {
  echo "== idle: $IDLE idle connections held by sock listen -k -m 20000, then one line broadcast to all; $RUNS rounds"
  local tools=(sock); [ -n "$BASE" ] && tools+=(sock-base)
  declare -A per=()
  for _ in $(seq "$RUNS"); do
    for tool in "${tools[@]}"; do per[$tool]+="$(idle_once "$tool") "; done
  done
  for tool in "${tools[@]}"; do
    echo "$tool: bytes a connection (RSS / connections, baseline included): ${per[$tool]}; median $(printf '%s\n' ${per[$tool]} | median)"
  done
}

broker() {
  echo "== broker: 100 clients x 1000 lines, every line to the 99 others"
  for tool in sock ncat; do
    local port; port=$(free_port)
    case $tool in
      sock) "${SOCK[@]}" listen --broker -m 200 127.0.0.1 "$port" </dev/null >/dev/null & ;;
      ncat) ncat -l --broker -m 200 127.0.0.1 "$port" </dev/null >/dev/null & ;;
    esac
    local srv=$!
    wait_listen "$port"
    echo -n "$tool: "; timeout 150 python3 "$here/clients.py" broker "$port" 100 1000 || echo "(did not finish)"
    kill "$srv" 2>/dev/null || true; wait "$srv" 2>/dev/null || true
  done
}

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg) at the start"
case $what in
  bulk) bulk ;; tls) tls ;; idle) idle ;; broker) broker ;;
  all) bulk; tls; idle; broker ;;
esac
