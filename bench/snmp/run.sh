#!/usr/bin/env bash
# SNMP walks of a busy TCP table: sock agent against net-snmp's snmpd (snmpbulkwalk as the manager), and sock snmp
# bulkwalk against snmpbulkwalk (snmpd as the agent), with N established loopback connections held open (default
# 10000). Each walk runs ROUNDS times (default 5); medians and ratios are printed. SOCK= may point at the Native AOT
# executable (default: the JIT build); sock snmp walks with --no-mibs, as net-snmp without MIB files prints. Run under flock /tmp/sock-bench.lock.
N=${1:-10000}
ROUNDS=${2:-5}
source "$(dirname "$0")/lib.sh"
choose_sock
hold_connections "$N"
port_snmpd=$(free_udp_port)
start_snmpd "$port_snmpd"
start_sock_agent -c "$community" --cache 60s
table=1.3.6.1.2.1.6.19
declare -A t
for name in agent_snmpd agent_sock manager_netsnmp manager_sock; do : > "$work/$name"; done
for r in $(seq 1 "$ROUNDS"); do
  time_it snmpbulkwalk -v2c -c "$community" -t 10 -On "127.0.0.1:$port_snmpd" $table >> "$work/agent_snmpd"; rows_snmpd=$(wc -l < "$work/out")
  time_it snmpbulkwalk -v2c -c "$community" -t 10 -On "127.0.0.1:$port_sock" $table >> "$work/agent_sock"; rows_sock=$(wc -l < "$work/out")
  time_it "${sock[@]}" snmp bulkwalk -c "$community" -t 10 -On --no-mibs "127.0.0.1:$port_snmpd" $table >> "$work/manager_sock"; rows_msock=$(wc -l < "$work/out")
  time_it snmpbulkwalk -v2c -c "$community" -t 10 -On "127.0.0.1:$port_snmpd" $table >> "$work/manager_netsnmp"
done
for name in agent_snmpd agent_sock manager_netsnmp manager_sock; do t[$name]=$(median < "$work/$name"); done
echo "connections: $N established pairs; rows: snmpd $rows_snmpd, sock agent $rows_sock, sock snmp $rows_msock; $ROUNDS rounds, medians"
echo "agent:   snmpbulkwalk of tcpConnectionTable: snmpd ${t[agent_snmpd]} s, sock agent ${t[agent_sock]} s, ratio sock/snmpd $(echo "scale=2; ${t[agent_sock]} / ${t[agent_snmpd]}" | bc)"
echo "manager: walk of snmpd's tcpConnectionTable: snmpbulkwalk ${t[manager_netsnmp]} s, sock snmp bulkwalk ${t[manager_sock]} s, ratio sock/net-snmp $(echo "scale=2; ${t[manager_sock]} / ${t[manager_netsnmp]}" | bc)"
