#!/usr/bin/env bash
# Forwarding benchmark on loopback: `sock forward` against socat (TCP-LISTEN fork, a process per client), haproxy (mode
# tcp, a generated config) and a direct connection (the ceiling), same target, same load, same run.
#   bulk:    one connection, BULK bytes (default 1G; the issue's 4 GiB takes too long on a loaded 2-core machine) from
#            `sock bench throughput` to `sock bench --server`: receiver Gbit/s, and CPU seconds per GiB of the client, the
#            forwarder and the sink (on 2 cores a CPU-bound path's ratio to direct is about the ratio of their sums)
#   connect: connection rate with 8 clients, as the issue defines a forwarded connection — connect, 1 KiB request, its 1 KiB
#            answer, close — from a C client (conn_load.c: the load generator must not take the CPU the forwarder needs) to
#            `sock serve echo`: connections/s (`sock bench connect` only opens and closes, which the listener's kernel
#            backlog answers without the forwarder: it measured the client)
#   latency: 32-byte ping-pong on one connection (`sock bench echo -s 32`) to `sock serve echo`: p99, and p99 added
#            over direct
#   idle:    RSS per forwarded pair with IDLE idle connections open through the forwarder (socat: all its processes)
# Each figure is the median of RUNS rounds; in each round every path is measured in turn (interleaved), and the ratio
# sock/peer is taken per round, then its median. Loopback only; every process it starts is stopped at the end.
# Run under `flock /tmp/sock-bench.lock bench/forward/run.sh`. RUNS=3 SECS=3 BULK=1G IDLE=2000 by default; SOCK_EXE=PATH runs
# that sock executable (the Native AOT build, the shipped tool) as the forwarder instead of this tree's JIT build; BASE_EXE=PATH
# adds a path "base" (that executable's forwarder: the build before a change) to the same rounds — put it in PATHS.
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${RUNS:-3}
SECS=${SECS:-3}
BULK=${BULK:-1G}
IDLE=${IDLE:-2000}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || true
dotnet build ../../src/Sock -c Release -o "$work/sock" -nologo -clp:ErrorsOnly >/dev/null
SOCK=(dotnet "$work/sock/sock.dll")
FWD=("${SOCK[@]}"); [ -n "${SOCK_EXE:-}" ] && FWD=("$SOCK_EXE")
cc -O2 -pthread -o "$work/conn_load" conn_load.c
# The two C floors are built only when PATHS names them (sockmap_fwd.c needs the kernel's headers, linux-libc-dev).
[[ " ${PATHS:-} " == *" floor "* ]] && cc -O2 -pthread -o "$work/floor_fwd" floor_fwd.c
[[ " ${PATHS:-} " == *" sockmap "* ]] && cc -O2 -pthread -o "$work/sockmap_fwd" sockmap_fwd.c
. ../lib.sh # free_port
wait_port() { for _ in $(seq 1 600); do ss -ltn "sport = :$1" | grep -q LISTEN && return 0; sleep 0.1; done; echo "nothing listens on $1" >&2; exit 1; }

# Targets: a throughput sink and an echo server.
SINK=$(free_port); ECHO=$(free_port)
"${SOCK[@]}" bench --server "$SINK" -B 127.0.0.1 >/dev/null 2>&1 & pids+=($!); sinkpid=$!
"${SOCK[@]}" serve echo --port "$ECHO" --bind 127.0.0.1 --tcp >/dev/null 2>&1 & pids+=($!)
wait_port "$SINK"; wait_port "$ECHO"

# Each path: a port for the sink and a port for the echo server.
declare -A sinkport echoport procs
sinkport[direct]=$SINK; echoport[direct]=$ECHO
for kind in sink echo; do
  target=$([ $kind = sink ] && echo "$SINK" || echo "$ECHO")
  p=$(free_port); "${FWD[@]}" forward --nodelay "127.0.0.1:$p" "127.0.0.1:$target" 2>/dev/null & pids+=($!); procs[sock-$kind]=$!
  [ $kind = sink ] && sinkport[sock]=$p || echoport[sock]=$p
  # The same build with the copying relay (--no-splice): the relay as it was before splice(2), in the same rounds.
  c=$(free_port); "${FWD[@]}" forward --nodelay --no-splice "127.0.0.1:$c" "127.0.0.1:$target" 2>/dev/null & pids+=($!); procs[copy-$kind]=$!
  [ $kind = sink ] && sinkport[copy]=$c || echoport[copy]=$c
  # BASE_EXE=PATH: another sock executable (the build before a change) as a path of its own, "base", in the same rounds.
  if [ -n "${BASE_EXE:-}" ]; then
    b=$(free_port); "$BASE_EXE" forward --nodelay "127.0.0.1:$b" "127.0.0.1:$target" 2>/dev/null & pids+=($!); procs[base-$kind]=$!
    [ $kind = sink ] && sinkport[base]=$b || echoport[base]=$b
  fi
  # Two floors, in C, put in PATHS by name (neither is a product: they are here to say what a goal can cost):
  # "floor", the least a user-space forwarder can add (two blocking threads a pair, one wake-up per hop); "sockmap", an
  # in-kernel forwarder (BPF sk_skb verdict redirecting each segment to the other socket; root only; it has no
  # back-pressure, see sockmap_fwd.c). Its connect row is 0: conn_load sends its request as soon as it is connected,
  # before the pair is in the maps, and bytes queued before the insert wait for more bytes that never come.
  if [[ " ${PATHS:-} " == *" floor "* ]]; then
    f=$(free_port); "$work/floor_fwd" "$f" "$target" 2>/dev/null & pids+=($!); procs[floor-$kind]=$!
    [ $kind = sink ] && sinkport[floor]=$f || echoport[floor]=$f
  fi
  if [[ " ${PATHS:-} " == *" sockmap "* ]]; then
    k=$(free_port); "$work/sockmap_fwd" "$k" "$target" 2>/dev/null & pids+=($!); procs[sockmap-$kind]=$!
    [ $kind = sink ] && sinkport[sockmap]=$k || echoport[sockmap]=$k
  fi
  q=$(free_port); socat TCP4-LISTEN:$q,bind=127.0.0.1,fork,reuseaddr,nodelay TCP4:127.0.0.1:$target,nodelay 2>/dev/null & pids+=($!); procs[socat-$kind]=$!
  [ $kind = sink ] && sinkport[socat]=$q || echoport[socat]=$q
done
hs=$(free_port); he=$(free_port)
cat > "$work/haproxy.cfg" <<CFG
global
  maxconn 8000
defaults
  mode tcp
  timeout connect 5s
  timeout client 1h
  timeout server 1h
frontend fsink
  bind 127.0.0.1:$hs
  default_backend bsink
backend bsink
  server s1 127.0.0.1:$SINK
frontend fecho
  bind 127.0.0.1:$he
  default_backend becho
backend becho
  server e1 127.0.0.1:$ECHO
CFG
haproxy -f "$work/haproxy.cfg" -db >/dev/null 2>&1 & pids+=($!); procs[haproxy]=$!
sinkport[haproxy]=$hs; echoport[haproxy]=$he
for p in "${sinkport[@]}" "${echoport[@]}"; do wait_port "$p"; done

PATHS=${PATHS:-"direct sock copy socat haproxy"}
ROWS=${ROWS:-"bulk rate p99"}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# Bulk also counts CPU seconds per GiB moved, for the client, the path's forwarder and the sink: on 2 cores the forwarder is
# a third process, and when the three are CPU-bound the throughput ratio to direct is about the ratio of their CPU per GiB —
# a figure the machine's other load moves less than Gbit/s. Ticks of the process (and of children it has reaped: socat's).
ticks() { awk '{print $14+$15+$16+$17}' "/proc/$1/stat" 2>/dev/null || echo 0; }
gib=$(python3 -c "s='$BULK'; m={'K':1<<10,'M':1<<20,'G':1<<30}; print((int(s[:-1])*m[s[-1]] if s[-1] in m else int(s))/2**30)")
bulk() { # $1 port, $2 the forwarder's pid (empty for direct); prints "Gbit/s client forwarder sink" (CPU s/GiB)
  local s0 f0=0 s1 f1=0 g hz; hz=$(getconf CLK_TCK)
  s0=$(ticks "$sinkpid"); [ -n "$2" ] && f0=$(ticks "$2")
  g=$(/usr/bin/time -f "%U %S" -o "$work/time" "${SOCK[@]}" bench throughput 127.0.0.1 "$1" -n "$BULK" --json 2>/dev/null | json 'd["totals"]["receiverGbps"]')
  s1=$(ticks "$sinkpid"); [ -n "$2" ] && f1=$(ticks "$2")
  python3 -c "u,s=map(float,open('$work/time').read().split()[-2:]); print($g, (u+s)/$gib, ($f1-$f0)/$hz/$gib, ($s1-$s0)/$hz/$gib)"
}
rate() { "$work/conn_load" "$1" 8 "$SECS" 2>/dev/null | cut -d' ' -f1; }
p99() { "${SOCK[@]}" bench echo 127.0.0.1 "$1" -s 32 -d "${SECS}s" --warmup 500ms --json 2>/dev/null | json 'd["latency"]["p99Ms"] if "latency" in d else d["totals"].get("p99Ms")'; }

declare -A res
for r in $(seq 1 "$RUNS"); do
  for path in $PATHS; do
    # ROWS=p99 (or any of bulk rate p99) measures only those rows; the others print as 0.
    for row in bulk rate p99 cpuc cpuf cpus; do res[$row,$path,$r]=0; done
    if [[ " $ROWS " == *" bulk "* ]]; then
      fwd=${procs[$path-sink]:-}; [ "$path" = haproxy ] && fwd=${procs[haproxy]}
      read -r "res[bulk,$path,$r]" "res[cpuc,$path,$r]" "res[cpuf,$path,$r]" "res[cpus,$path,$r]" < <(bulk "${sinkport[$path]}" "$fwd")
    fi
    if [[ " $ROWS " == *" rate "* ]]; then res[rate,$path,$r]=$(rate "${echoport[$path]}"); fi
    if [[ " $ROWS " == *" p99 "* ]]; then
      res[p99,$path,$r]=$(p99 "${echoport[$path]}")
      if [ -n "${P99_LOG:-}" ]; then echo "round $r $path p99 ${res[p99,$path,$r]} ms" >> "$P99_LOG"; fi
    fi
  done
done

median() { python3 -c "import statistics,sys; v=[float(x) for x in sys.argv[1:]]; print(f'{statistics.median(v):.4g}')" "$@"; }
echo "forward benchmark: RUNS=$RUNS SECS=$SECS BULK=$BULK IDLE=$IDLE, $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %14s %14s %12s\n' path "bulk Gbit/s" "connect/s" "p99 ms"
for path in $PATHS; do
  b=(); c=(); l=()
  for r in $(seq 1 "$RUNS"); do b+=("${res[bulk,$path,$r]}"); c+=("${res[rate,$path,$r]}"); l+=("${res[p99,$path,$r]}"); done
  printf '%-8s %14s %14s %12s\n' "$path" "$(median "${b[@]}")" "$(median "${c[@]}")" "$(median "${l[@]}")"
done
if [[ " $ROWS " == *" bulk "* ]]; then
  echo "bulk CPU seconds per GiB (median of rounds): client / forwarder / sink / all three"
  for path in $PATHS; do
    c=(); f=(); k=(); t=()
    for r in $(seq 1 "$RUNS"); do
      c+=("${res[cpuc,$path,$r]}"); f+=("${res[cpuf,$path,$r]}"); k+=("${res[cpus,$path,$r]}")
      t+=("$(python3 -c "print(${res[cpuc,$path,$r]}+${res[cpuf,$path,$r]}+${res[cpus,$path,$r]})")")
    done
    printf '  %-8s %s / %s / %s / %s\n' "$path" "$(median "${c[@]}")" "$(median "${f[@]}")" "$(median "${k[@]}")" "$(median "${t[@]}")"
  done
fi
ratio() { # median over rounds of sock/peer for metric $1
  local v=(); for r in $(seq 1 "$RUNS"); do v+=("$(python3 -c "print(${res[$1,sock,$r]}/max(${res[$1,$2,$r]:-0},1e-9))")"); done; median "${v[@]}"; }
added() { local v=(); for r in $(seq 1 "$RUNS"); do v+=("$(python3 -c "print((${res[p99,$1,$r]}-${res[p99,direct,$r]})*1000)")"); done; median "${v[@]}"; }
has() { [[ " $PATHS " == *" $1 "* ]]; }
line="ratios (sock/peer, median of paired rounds):"
for peer in socat haproxy direct copy base floor sockmap; do has "$peer" && line="$line bulk vs $peer $(ratio bulk "$peer"),"; done
for peer in socat haproxy copy base; do has "$peer" && line="$line connect vs $peer $(ratio rate "$peer"),"; done
echo "${line%,}"
line="p99 added over direct (µs, median of rounds):"
for path in sock copy socat haproxy base floor sockmap; do has "$path" && line="$line $path $(added "$path"),"; done
echo "${line%,}"

# Idle pairs: IDLE connections held open through each forwarder to the echo server, then its RSS (socat: every process).
rss_of() { # total RSS in KiB of the process tree rooted at $1
  local total=0; for p in $1 $(pgrep -P "$1" 2>/dev/null || true); do total=$((total + $(awk '/VmRSS/ {print $2}' /proc/$p/status 2>/dev/null || echo 0))); done; echo $total; }
# A .NET process's RSS moves with its GC: before each reading a full blocking collection is forced where dotnet-gcdump
# is installed (it collects to take its dump), then the RSS is read once it has stopped moving (at most 10 s).
gcdump=$(command -v dotnet-gcdump || ls ~/.dotnet/tools/dotnet-gcdump 2>/dev/null || true)
settle() { # $1 pid, $2 dotnet or not
  [ "$2" = dotnet ] && [ -n "$gcdump" ] && "$gcdump" collect -p "$1" -o "$work/gc.gcdump" >/dev/null 2>&1 && rm -f "$work/gc.gcdump"
  local last=0 now; for _ in $(seq 1 10); do now=$(rss_of "$1"); [ "$now" = "$last" ] && break; last=$now; sleep 1; done; rss_of "$1"; }
for path in ${IDLE_PATHS-sock copy socat haproxy}; do # IDLE_PATHS="" skips the idle rows
  pid=${procs[$path-echo]:-${procs[$path]:-}}
  kind=other; [ "$path" = sock ] || [ "$path" = copy ] || [ "$path" = base ] && kind=dotnet
  before=$(settle "$pid" $kind)
  python3 - "${echoport[$path]}" "$IDLE" > "$work/idle.out" <<'PY' &
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port)); socks.append(s)
    if i % 200 == 199: time.sleep(0.05)
print("open", flush=True)
time.sleep(40)
PY
  holder=$!
  for _ in $(seq 1 900); do grep -q open "$work/idle.out" 2>/dev/null && break; sleep 0.1; done
  sleep 2
  after=$(settle "$pid" $kind)
  echo "idle $path: $IDLE pairs, RSS $before KiB -> $after KiB, $(python3 -c "print(f'{($after-$before)/$IDLE:.1f}')") KiB per pair"
  kill $holder 2>/dev/null || true; wait $holder 2>/dev/null || true
  sleep 1
done
