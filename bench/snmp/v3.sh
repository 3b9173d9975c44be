#!/usr/bin/env bash
# What SNMPv3 costs per request, v2c against v3 authNoPriv (SHA-256) and authPriv (SHA/AES), in paired rounds: each
# round walks tcpConnectionTable's state column (one GetNext per row, N rows from N held loopback connections,
# default 1000) with every variant back to back, so load drifts touch all alike.
#   agent:   snmpwalk (net-snmp) of snmpd, and of sock agent
#   manager: sock snmp walk of snmpd
# Prints the median wall time of each walk and the cost per request of v3 over v2c: (t_v3 - t_v2c) / requests.
# Run under flock /tmp/sock-bench.lock.
N=${1:-1000}
ROUNDS=${2:-5}
source "$(dirname "$0")/lib.sh"
choose_sock
hold_connections "$N"
users='createUser benchauth SHA-256 bench-auth-pass
createUser benchpriv SHA bench-auth-pass AES bench-priv-pass'
port_snmpd=$(free_udp_port)
start_snmpd "$port_snmpd" "$users" "rouser benchauth auth" "rouser benchpriv priv"
printf '%s\n' "$users" > "$work/users.conf"
start_sock_agent -c "$community" --users "$work/users.conf" --cache 600s
column=1.3.6.1.2.1.6.19.1.7
v2c=(-v2c -c "$community")
auth=(-v3 -u benchauth -l authNoPriv -a SHA-256 -A bench-auth-pass)
priv=(-v3 -u benchpriv -l authPriv -a SHA -A bench-auth-pass -x AES -X bench-priv-pass)
sv2c=(-v 2c -c "$community")
sauth=(-v 3 -u benchauth -l authNoPriv -a SHA-256 -A bench-auth-pass)
spriv=(-v 3 -u benchpriv -l authPriv -a SHA -A bench-auth-pass -x AES -X bench-priv-pass)
names=(snmpd_v2c snmpd_auth snmpd_priv sock_v2c sock_auth sock_priv mgr_v2c mgr_auth mgr_priv)
for name in "${names[@]}"; do : > "$work/$name"; done
for r in $(seq 1 "$ROUNDS"); do
  time_it snmpwalk "${v2c[@]}" -t 10 -On "127.0.0.1:$port_snmpd" $column >> "$work/snmpd_v2c"; rows=$(wc -l < "$work/out")
  time_it snmpwalk "${auth[@]}" -t 10 -On "127.0.0.1:$port_snmpd" $column >> "$work/snmpd_auth"; rows_auth=$(wc -l < "$work/out")
  time_it snmpwalk "${priv[@]}" -t 10 -On "127.0.0.1:$port_snmpd" $column >> "$work/snmpd_priv"; rows_priv=$(wc -l < "$work/out")
  time_it snmpwalk "${v2c[@]}" -t 10 -On "127.0.0.1:$port_sock" $column >> "$work/sock_v2c"; rows_sock=$(wc -l < "$work/out")
  time_it snmpwalk "${auth[@]}" -t 10 -On "127.0.0.1:$port_sock" $column >> "$work/sock_auth"
  time_it snmpwalk "${priv[@]}" -t 10 -On "127.0.0.1:$port_sock" $column >> "$work/sock_priv"; rows_sock_priv=$(wc -l < "$work/out")
  time_it "${sock[@]}" snmp walk "${sv2c[@]}" -t 10 -On "127.0.0.1:$port_snmpd" $column >> "$work/mgr_v2c"
  time_it "${sock[@]}" snmp walk "${sauth[@]}" -t 10 -On "127.0.0.1:$port_snmpd" $column >> "$work/mgr_auth"
  time_it "${sock[@]}" snmp walk "${spriv[@]}" -t 10 -On "127.0.0.1:$port_snmpd" $column >> "$work/mgr_priv"; rows_mgr=$(wc -l < "$work/out")
done
declare -A t
for name in "${names[@]}"; do t[$name]=$(median < "$work/$name"); done
per() { echo "scale=1; (${t[$1]} - ${t[$2]}) * 1000000 / $rows" | bc; }
echo "rows (requests per walk): snmpd $rows/$rows_auth/$rows_priv, sock agent $rows_sock/$rows_sock_priv, sock snmp $rows_mgr; $ROUNDS paired rounds, medians"
echo "snmpwalk of snmpd:      v2c ${t[snmpd_v2c]} s, authNoPriv ${t[snmpd_auth]} s (+$(per snmpd_auth snmpd_v2c) us/request), authPriv ${t[snmpd_priv]} s (+$(per snmpd_priv snmpd_v2c) us/request)"
echo "snmpwalk of sock agent: v2c ${t[sock_v2c]} s, authNoPriv ${t[sock_auth]} s (+$(per sock_auth sock_v2c) us/request), authPriv ${t[sock_priv]} s (+$(per sock_priv sock_v2c) us/request)"
echo "sock snmp walk of snmpd: v2c ${t[mgr_v2c]} s, authNoPriv ${t[mgr_auth]} s (+$(per mgr_auth mgr_v2c) us/request), authPriv ${t[mgr_priv]} s (+$(per mgr_priv mgr_v2c) us/request)"
