#!/usr/bin/env bash
# UDP request/response servers on loopback, each against its peer in the same rounds:
#   echo: `sock serve echo --udp` against udp_echo.c (the floor of a UDP echo service: one blocking recvfrom → sendto loop,
#         inetd's loop; inetd's own internal echo refuses loopback sources, so it cannot be the peer here), 32-byte datagrams
#   stun: `sock stun --serve --udp` against coturn (`turnserver`, stun-only, a generated config), Binding requests
# The load is udp_load.c: CLIENTS threads, each one request in flight, for SECS seconds. Per path and round: replies/s and
# the server's CPU µs per reply (utime+stime from /proc). BASE_EXE=PATH adds a path "base" (another sock executable: the
# build before a change). Medians of RUNS rounds; the ratios are taken per round, then their median.
# Run under `flock /tmp/sock-bench.lock bench/serve-udp/run.sh`. RUNS=5 SECS=3 CLIENTS="1 8" SERVICES="echo stun";
# SOCK_EXE=PATH (default: this tree's JIT build). Loopback only; every process it starts is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${RUNS:-5}; SECS=${SECS:-3}; CLIENTS=${CLIENTS:-"1 8"}; SERVICES=${SERVICES:-"echo stun"}
work=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
cc -O2 -pthread -o "$work/udp_load" udp_load.c
cc -O2 -o "$work/udp_echo" udp_echo.c
if [ -n "${SOCK_EXE:-}" ]; then SOCK=("$SOCK_EXE"); else
  dotnet build ../../src/Sock -c Release -o "$work/sock" -nologo -clp:ErrorsOnly >/dev/null; SOCK=(dotnet "$work/sock/sock.dll"); fi
. ../lib.sh # free_port

declare -A port pid paths
start() { # $1 service, $2 path, then the command with {port}
  local svc=$1 path=$2 p; shift 2; p=$(free_port)
  "${@//\{port\}/$p}" >/dev/null 2>&1 & pids+=($!); pid[$svc,$path]=$!; port[$svc,$path]=$p; paths[$svc]="${paths[$svc]:-} $path"
}
for svc in $SERVICES; do
  case $svc in
    echo)
      start echo c "$work/udp_echo" {port}
      start echo sock "${SOCK[@]}" serve echo --udp --bind 127.0.0.1 --port {port}
      [ -n "${BASE_EXE:-}" ] && start echo base "$BASE_EXE" serve echo --udp --bind 127.0.0.1 --port {port} ;;
    stun)
      command -v turnserver >/dev/null || { echo "serve-udp: coturn's turnserver is needed for SERVICES=stun (apt-get install coturn)" >&2; exit 1; }
      p=$(free_port)
      printf 'listening-port=%s\nalt-listening-port=%s\nlistening-ip=127.0.0.1\nstun-only\nno-cli\nno-tls\nno-dtls\nno-stdout-log\nsimple-log\nlog-file=%s\npidfile=%s\nuserdb=%s\n' \
        "$p" "$((p + 1))" "$work/turn.log" "$work/turn.pid" "$work/turndb" > "$work/turnserver.conf"
      turnserver -c "$work/turnserver.conf" >/dev/null 2>&1 & pids+=($!); pid[stun,coturn]=$!; port[stun,coturn]=$p; paths[stun]=" coturn"
      start stun sock "${SOCK[@]}" stun --serve 127.0.0.1:{port} --udp
      [ -n "${BASE_EXE:-}" ] && start stun base "$BASE_EXE" stun --serve 127.0.0.1:{port} --udp ;;
    *) echo "unknown service $svc" >&2; exit 2 ;;
  esac
done
load() { # $1 service, $2 port, $3 clients, $4 seconds
  if [ "$1" = stun ]; then "$work/udp_load" 127.0.0.1 "$2" "$3" "$4" stun; else "$work/udp_load" 127.0.0.1 "$2" "$3" "$4"; fi; }
# Ready when it answers (a UDP socket has no LISTEN state to wait for).
for svc in $SERVICES; do for p in ${paths[$svc]}; do
  for _ in $(seq 1 300); do load "$svc" "${port[$svc,$p]}" 1 0.05 | awk '{exit !($1 > 0)}' && break; sleep 0.1; done
done; done
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
declare -A rate cpu
for r in $(seq 1 "$RUNS"); do for svc in $SERVICES; do for n in $CLIENTS; do for p in ${paths[$svc]}; do
  t0=$(ticks "${pid[$svc,$p]}"); read -r rps _ < <(load "$svc" "${port[$svc,$p]}" "$n" "$SECS"); t1=$(ticks "${pid[$svc,$p]}")
  rate[$svc,$p,$n,$r]=$rps
  cpu[$svc,$p,$n,$r]=$(python3 -c "print(($t1-$t0)/$hz/max($rps*$SECS,1)*1e6)")
done; done; done; done
median() { python3 -c "import statistics,sys; m=statistics.median(float(x) for x in sys.argv[1:]); print(f'{m:.0f}' if m >= 1000 else f'{m:.3g}')" "$@"; }
echo "serve-udp benchmark: RUNS=$RUNS SECS=$SECS, $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
for svc in $SERVICES; do for n in $CLIENTS; do
  for p in ${paths[$svc]}; do
    a=(); c=(); for r in $(seq 1 "$RUNS"); do a+=("${rate[$svc,$p,$n,$r]}"); c+=("${cpu[$svc,$p,$n,$r]}"); done
    printf '%-4s %2s clients  %-6s %8s replies/s %8s µs CPU/reply\n' "$svc" "$n" "$p" "$(median "${a[@]}")" "$(median "${c[@]}")"
  done
  for peer in c coturn base; do
    [[ " ${paths[$svc]} " == *" $peer "* ]] || continue
    v=(); w=(); for r in $(seq 1 "$RUNS"); do
      v+=("$(python3 -c "print(${rate[$svc,sock,$n,$r]}/max(${rate[$svc,$peer,$n,$r]},1e-9))")")
      w+=("$(python3 -c "print(${cpu[$svc,sock,$n,$r]}/max(${cpu[$svc,$peer,$n,$r]},1e-9))")")
    done
    echo "$svc $n clients  sock/$peer: rate $(median "${v[@]}")×, CPU per reply $(median "${w[@]}")×"
  done
done; done
