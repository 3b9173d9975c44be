#!/usr/bin/env bash
# The whole machine's CPU per proxied SOCKS5 session (handshake + 1 KiB echo + close, 8 client threads): on 2 cores the
# rate row is CPU-bound across the load generator, the proxy, the target and the kernel, so a proxy's rate is bounded by
# what everything else costs a session. For each tool, in interleaved rounds, over a SECS-second `socks_load rate`:
#   client   socks_load's user+sys (/usr/bin/time), the same C client for every proxy
#   echo     the C epoll echo server's utime+stime (/proc/PID/stat)
#   proxy    the proxy's utime and stime (its whole process tree: danted forks)
#   softirq  the machine's softirq time (/proc/stat): loopback TCP's receive side, run in whichever process sent
#   other    every other busy tick of the machine (other processes: the rest of this machine's load), and idle
# all in µs per session, then the rate a proxy of that cost could reach on 2 otherwise idle cores (2 s of CPU per second
# over client+echo+proxy+softirq), and the same with the proxy's user time taken as zero.
# Usage: bench/proxy/machine.sh [RUNS]   (TOOLS="sock microsocks" — also base, danted; SOCK= and BASE= the executables,
#        default artifacts/aot/sock; SECS=3; SOCKENV="VAR=value …" and SOCKARGS="…" apply to sock and base;
#        a tool written sock@VAR=value,VAR2=value runs sock with those variables too, so variants share the rounds)
# Loopback only; bounded. Run under flock /tmp/sock-bench.lock when others benchmark on the machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
SOCK=${SOCK:-$root/artifacts/aot/sock}
BASE=${BASE:-}
SECS=${SECS:-3}
TOOLS=${TOOLS:-sock microsocks}
runs=${1:-3}
work=$(mktemp -d /tmp/sock-proxy-machine.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
cc -O2 -pthread -o "$work/socks_load" "$here/socks_load.c"
cc -O2 -o "$work/echo" "$root/bench/c/epoll_echo_server.c"
. "$root/bench/lib.sh" # free_port, tw_drain, danted_conf, tree_pids
hz=$(getconf CLK_TCK)
cores=$(nproc)

tree_ticks() { # utime and stime of $1 and every descendant (threads included: /proc/PID/stat is the whole process)
  local p
  for p in $(tree_pids "$1"); do awk '{print $14, $15}' /proc/$p/stat 2>/dev/null || true; done | awk '{u+=$1; s+=$2} END {print u+0, s+0}'
}
machine_ticks() { awk '/^cpu / {print $2+$3, $4, $5+$6, $8}' /proc/stat; } # user+nice, system, idle+iowait, softirq

start_proxy() { # $1 = tool (sock@VAR=value,… for a variant), $2 = port
  local vars=""; [[ $1 == *@* ]] && vars=${1#*@} && vars=${vars//,/ }
  case ${1%%@*} in
    sock) env ${SOCKENV:-} $vars "$SOCK" proxy ${SOCKARGS:-} 127.0.0.1:"$2" >/dev/null 2>&1 & ;;
    base) env ${SOCKENV:-} $vars "$BASE" proxy ${SOCKARGS:-} 127.0.0.1:"$2" >/dev/null 2>&1 & ;;
    microsocks) microsocks -i 127.0.0.1 -p "$2" >/dev/null 2>&1 & ;;
    danted)
      danted_conf "$2" > "$work/danted.conf"
      danted -f "$work/danted.conf" -p "$work/danted.pid" >/dev/null 2>&1 & ;;
    *) echo "machine.sh: unknown tool $1" >&2; exit 2 ;;
  esac
  echo $!
}

echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $cores cores, load $(cut -d' ' -f1-3 /proc/loadavg), SECS=$SECS, runs=$runs"
echo "# µs per session: client echo proxy(user+sys) softirq other idle | rate on $cores idle cores: as measured, proxy user = 0"
for round in $(seq "$runs"); do
  for tool in $TOOLS; do
    tw_drain 60
    pp=$(free_port); tp=$(free_port)
    proxy=$(start_proxy "$tool" "$pp")
    "$work/echo" "$tp" >/dev/null 2>&1 & echo=$!
    for _ in $(seq 100); do ss -Hltn "sport = :$pp" | grep -q . && ss -Hltn "sport = :$tp" | grep -q . && break; sleep 0.05; done
    "$work/socks_load" rate "$pp" "$tp" 1 1 >/dev/null 2>&1 # warm-up
    read -r pu0 ps0 < <(tree_ticks "$proxy")
    read -r eu0 es0 < <(awk '{print $14, $15}' /proc/$echo/stat)
    read -r mu0 ms0 mi0 mq0 < <(machine_ticks)
    /usr/bin/time -f '%U %S' -o "$work/client.time" "$work/socks_load" rate "$pp" "$tp" 8 "$SECS" > "$work/rate.out" 2>/dev/null
    read -r mu1 ms1 mi1 mq1 < <(machine_ticks)
    read -r pu1 ps1 < <(tree_ticks "$proxy")
    read -r eu1 es1 < <(awk '{print $14, $15}' /proc/$echo/stat)
    kill "$proxy" "$echo" 2>/dev/null; wait "$proxy" "$echo" 2>/dev/null || true
    if [ "$tool" = danted ]; then pkill -F "$work/danted.pid" 2>/dev/null || true; fi
    read -r cu cs < "$work/client.time"
    awk -v t="$tool" -v r="$round" -v rate="$(cat "$work/rate.out")" -v secs="$SECS" -v hz="$hz" -v cores="$cores" \
        -v cu="$cu" -v cs="$cs" -v e=$((eu1-eu0+es1-es0)) -v pu=$((pu1-pu0)) -v ps=$((ps1-ps0)) \
        -v mu=$((mu1-mu0)) -v ms=$((ms1-ms0)) -v mi=$((mi1-mi0)) -v mq=$((mq1-mq0)) '
      BEGIN {
        n = rate * secs; us = 1e6 / hz / n
        client = (cu + cs) * 1e6 / n; echo = e * us; pu_ = pu * us; ps_ = ps * us; soft = mq * us
        other = (mu + ms + mq) * us - client - echo - pu_ - ps_ - soft; idle = mi * us
        cost = client + echo + pu_ + ps_ + soft
        printf "%-16s round %d: %5d sessions/s | client %4.0f  echo %3.0f  proxy %4.0f (%3.0f+%3.0f)  softirq %3.0f  other %4.0f  idle %4.0f | %5.0f/s, user 0: %5.0f/s\n",
          t, r, rate, client, echo, pu_ + ps_, pu_, ps_, soft, other, idle, cores * 1e6 / cost, cores * 1e6 / (cost - pu_)
      }'
  done
done
