#!/usr/bin/env bash
# Load-independent companion to run.sh: the manager's CPU time (user+system, from /usr/bin/time) and syscall count
# (strace -c -f) for `sock snmp get` of one OID (start-up) and `sock snmp bulkwalk` of snmpd's tcpConnectionTable with
# N connections open (default 10000), each paired with net-snmp's snmpget/snmpbulkwalk against the same snmpd in the
# same run. SOCK (default: the JIT build via dotnet exec) may point at the Native AOT executable. Medians of ROUNDS.
# Run under flock /tmp/sock-bench.lock.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-10000}
ROUNDS=${2:-3}
SOCK=${SOCK:-dotnet exec src/Sock/bin/Release/net10.0/sock.dll}
work=$(mktemp -d /tmp/sock-bench-snmpcpu.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
community="bench$RANDOM"
python3 - "$N" "$work/conns.ready" <<'PY' &
import os, socket, sys, time
n, ready = int(sys.argv[1]), sys.argv[2]
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(4096)
if os.fork() == 0:
    addr = l.getsockname(); l.close()
    keep = [socket.create_connection(addr) for i in range(n)]
    time.sleep(3600); sys.exit(0)
keep = [l.accept()[0] for i in range(n)]
open(ready, "w").close()
time.sleep(3600)
PY
pids+=($!)
for _ in $(seq 1 600); do [ -f "$work/conns.ready" ] && break; sleep 0.2; done
port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'rocommunity %s 127.0.0.1\n' "$community" > "$work/snmpd.conf"
MIBS="" /usr/sbin/snmpd -f -C -c "$work/snmpd.conf" -Lf "$work/snmpd.log" --persistentDir="$work" "udp:127.0.0.1:$port" &
pids+=($!)
for _ in $(seq 1 100); do snmpget -v2c -c "$community" -t 1 -r 0 "127.0.0.1:$port" 1.3.6.1.2.1.1.3.0 >/dev/null 2>&1 && break; sleep 0.2; done
table=1.3.6.1.2.1.6.19
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# cpu NAME CMD...: user+system seconds appended to $work/NAME, the output kept in $work/NAME.out
cpu() { local name=$1; shift; /usr/bin/time -f "%U %S" -o "$work/t" "$@" > "$work/$name.out" 2>/dev/null; awk '{print $1+$2}' "$work/t" >> "$work/$name"; }
for r in $(seq 1 "$ROUNDS"); do
  cpu get_netsnmp snmpget -v2c -c "$community" -t 10 -On "127.0.0.1:$port" 1.3.6.1.2.1.1.3.0
  cpu get_sock $SOCK snmp get -v2c -c "$community" -t 10 -On "127.0.0.1:$port" 1.3.6.1.2.1.1.3.0
  cpu walk_netsnmp snmpbulkwalk -v2c -c "$community" -t 10 -On "127.0.0.1:$port" $table
  cpu walk_sock $SOCK snmp bulkwalk -v2c -c "$community" -t 10 -On "127.0.0.1:$port" $table
done
# Other processes' TIME-WAIT rows come and go between two walks: count the lines that differ rather than require none.
same="$( (diff "$work/walk_netsnmp.out" "$work/walk_sock.out" || true) | grep -c '^>' || true) lines of sock's not in snmpbulkwalk's"
sc() { strace -f -c -o "$work/sc" "$@" > /dev/null 2>&1; awk '/^100.00/ {print $4}' "$work/sc"; }
echo "connections: $N; rows: $(wc -l < "$work/walk_netsnmp.out") (outputs $same); $ROUNDS rounds, median CPU seconds (user+system)"
echo "get one OID: snmpget $(median < "$work/get_netsnmp") s, sock $(median < "$work/get_sock") s; syscalls snmpget $(sc snmpget -v2c -c "$community" -On "127.0.0.1:$port" 1.3.6.1.2.1.1.3.0), sock $(sc $SOCK snmp get -v2c -c "$community" -On "127.0.0.1:$port" 1.3.6.1.2.1.1.3.0)"
echo "bulkwalk:    snmpbulkwalk $(median < "$work/walk_netsnmp") s, sock $(median < "$work/walk_sock") s; syscalls snmpbulkwalk $(sc snmpbulkwalk -v2c -c "$community" -t 10 -On "127.0.0.1:$port" $table), sock $(sc $SOCK snmp bulkwalk -v2c -c "$community" -t 10 -On "127.0.0.1:$port" $table)"
