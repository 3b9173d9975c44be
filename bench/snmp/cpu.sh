#!/usr/bin/env bash
# Load-independent companion to run.sh: the manager's CPU time (user+system, from /usr/bin/time) and syscall count
# (strace -c -f) for `sock snmp get` of one OID (start-up) and `sock snmp bulkwalk` of snmpd's tcpConnectionTable with
# N connections open (default 10000), each paired with net-snmp's snmpget/snmpbulkwalk against the same snmpd in the
# same run. sock walks with --no-mibs, so its lines are net-snmp's byte for byte (net-snmp has no MIB files here).
# SOCK (default: the JIT build via dotnet exec) may point at the Native AOT executable. Medians of ROUNDS.
# Run under flock /tmp/sock-bench.lock.
N=${1:-10000}
ROUNDS=${2:-3}
source "$(dirname "$0")/lib.sh"
SOCK=${SOCK:-dotnet exec src/Sock/bin/Release/net10.0/sock.dll}
hold_connections "$N"
port=$(free_udp_port)
start_snmpd "$port"
table=1.3.6.1.2.1.6.19
# cpu NAME CMD...: user+system seconds appended to $work/NAME, the output kept in $work/NAME.out
cpu() { local name=$1; shift; /usr/bin/time -f "%U %S" -o "$work/t" "$@" > "$work/$name.out" 2>/dev/null; awk '{print $1+$2}' "$work/t" >> "$work/$name"; }
for r in $(seq 1 "$ROUNDS"); do
  cpu get_netsnmp snmpget -v2c -c "$community" -t 10 -On "127.0.0.1:$port" 1.3.6.1.2.1.1.3.0
  cpu get_sock $SOCK snmp get -v2c -c "$community" -t 10 -On "127.0.0.1:$port" 1.3.6.1.2.1.1.3.0
  cpu walk_netsnmp snmpbulkwalk -v2c -c "$community" -t 10 -On "127.0.0.1:$port" $table
  cpu walk_sock $SOCK snmp bulkwalk -v2c -c "$community" -t 10 -On --no-mibs "127.0.0.1:$port" $table
done
# Other processes' TIME-WAIT rows come and go between two walks: count the lines that differ rather than require none.
same="$( (diff "$work/walk_netsnmp.out" "$work/walk_sock.out" || true) | grep -c '^>' || true) lines of sock's not in snmpbulkwalk's"
sc() { strace -f -c -o "$work/sc" "$@" > /dev/null 2>&1; awk '/^100.00/ {print $4}' "$work/sc"; }
echo "connections: $N; rows: $(wc -l < "$work/walk_netsnmp.out") (outputs $same); $ROUNDS rounds, median CPU seconds (user+system)"
echo "get one OID: snmpget $(median < "$work/get_netsnmp") s, sock $(median < "$work/get_sock") s; syscalls snmpget $(sc snmpget -v2c -c "$community" -On "127.0.0.1:$port" 1.3.6.1.2.1.1.3.0), sock $(sc $SOCK snmp get -v2c -c "$community" -On "127.0.0.1:$port" 1.3.6.1.2.1.1.3.0)"
rows=$(wc -l < "$work/walk_netsnmp.out")
wn=$(median < "$work/walk_netsnmp"); ws=$(median < "$work/walk_sock")
echo "bulkwalk:    snmpbulkwalk $wn s, sock $ws s; syscalls snmpbulkwalk $(sc snmpbulkwalk -v2c -c "$community" -t 10 -On "127.0.0.1:$port" $table), sock $(sc $SOCK snmp bulkwalk -v2c -c "$community" -t 10 -On --no-mibs "127.0.0.1:$port" $table)"
echo "CPU per row: snmpbulkwalk $(echo "scale=2; $wn * 1000000 / $rows" | bc) us, sock $(echo "scale=2; $ws * 1000000 / $rows" | bc) us (start-up included)"
