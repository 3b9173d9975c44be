#!/usr/bin/env bash
# SNMP walks of a busy TCP table: sock agent against net-snmp's snmpd (snmpbulkwalk as the manager), and sock snmp
# bulkwalk against snmpbulkwalk (snmpd as the agent), with N established loopback connections held open (default
# 10000). Each walk runs ROUNDS times (default 5); medians and ratios are printed. Run under flock /tmp/sock-bench.lock.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-10000}
ROUNDS=${2:-5}
work=$(mktemp -d /tmp/sock-bench-snmp.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
dotnet build src/Sock -c Release -nologo -clp:ErrorsOnly >/dev/null
sock="dotnet exec src/Sock/bin/Release/net10.0/sock.dll"
community="bench$RANDOM"

# N connections on loopback: the accepting ends in one python process, the connecting ends in a forked child, so
# neither holds more than N descriptors.
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

port_snmpd=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'rocommunity %s 127.0.0.1\n' "$community" > "$work/snmpd.conf"
MIBS="" /usr/sbin/snmpd -f -C -c "$work/snmpd.conf" -Lf "$work/snmpd.log" --persistentDir="$work" "udp:127.0.0.1:$port_snmpd" &
pids+=($!)
$sock agent -c "$community" --bind 127.0.0.1 --port 0 --cache 60s 2>"$work/agent.err" &
pids+=($!)
for _ in $(seq 1 100); do grep -q serving "$work/agent.err" 2>/dev/null && break; sleep 0.2; done
port_sock=$(grep -o '127.0.0.1:[0-9]*' "$work/agent.err" | head -1 | cut -d: -f2)
sleep 1

table=1.3.6.1.2.1.6.19
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_it() { local s e; s=$(date +%s.%N); "$@" > "$work/out" 2>/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
declare -A t
for name in agent_snmpd agent_sock manager_netsnmp manager_sock; do : > "$work/$name"; done
for r in $(seq 1 "$ROUNDS"); do
  time_it snmpbulkwalk -v2c -c "$community" -t 10 -On "127.0.0.1:$port_snmpd" $table >> "$work/agent_snmpd"; rows_snmpd=$(wc -l < "$work/out")
  time_it snmpbulkwalk -v2c -c "$community" -t 10 -On "127.0.0.1:$port_sock" $table >> "$work/agent_sock"; rows_sock=$(wc -l < "$work/out")
  time_it $sock snmp bulkwalk -c "$community" -t 10 -On "127.0.0.1:$port_snmpd" $table >> "$work/manager_sock"; rows_msock=$(wc -l < "$work/out")
  time_it snmpbulkwalk -v2c -c "$community" -t 10 -On "127.0.0.1:$port_snmpd" $table >> "$work/manager_netsnmp"
done
for name in agent_snmpd agent_sock manager_netsnmp manager_sock; do t[$name]=$(median < "$work/$name"); done
echo "connections: $N established pairs; rows: snmpd $rows_snmpd, sock agent $rows_sock, sock snmp $rows_msock; $ROUNDS rounds, medians"
echo "agent:   snmpbulkwalk of tcpConnectionTable: snmpd ${t[agent_snmpd]} s, sock agent ${t[agent_sock]} s, ratio sock/snmpd $(echo "scale=2; ${t[agent_sock]} / ${t[agent_snmpd]}" | bc)"
echo "manager: walk of snmpd's tcpConnectionTable: snmpbulkwalk ${t[manager_netsnmp]} s, sock snmp bulkwalk ${t[manager_sock]} s, ratio sock/net-snmp $(echo "scale=2; ${t[manager_sock]} / ${t[manager_netsnmp]}" | bc)"
